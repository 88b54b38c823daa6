/* SPDX-License-Identifier: MIT */
/*
 * The monitor: periodic system samples (/proc/stat, PSI, per-CPU run-queue
 * depth) as registered metrics, their per-phase reduction by MetricKind, and
 * the run's recorded conditions (kernel, topology, scheduler, clocksource).
 */
#ifndef SCHEDCHECK_MONITOR_H
#define SCHEDCHECK_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>
#include <schedcheck/error.h>
#include <schedcheck/sidecar.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Where per-CPU run-queue depth (peak_nr_running, rq_imbalance) comes from.
 * SCHED_DEBUG: /sys/kernel/debug/sched/debug "nr_running" per cpu#N section,
 *   an instantaneous count (needs debugfs already mounted and readable;
 *   the monitor never mounts anything).
 * SCHEDSTAT: /proc/schedstat (versions 15-17), which has no instantaneous
 *   depth: the monitor estimates the mean runnable count of each CPU over
 *   the window since the previous sample as its busy share plus the growth
 *   of its run_delay per wall nanosecond (Little's law). A window estimate,
 *   so absent on the first sample.
 * NONE: not measured; those metrics are absent.
 * AUTO picks SCHED_DEBUG, then SCHEDSTAT, then NONE.
 */
/* clang-format off */
#define SC_MONITOR_RQ_SOURCES(X)        \
	X(AUTO, "auto")                 \
	X(SCHED_DEBUG, "sched_debug")   \
	X(SCHEDSTAT, "schedstat")       \
	X(NONE, "none")

enum sc_monitor_rq_source {
#define SC_X_(id, name) SC_MONITOR_RQ_##id,
	SC_MONITOR_RQ_SOURCES(SC_X_)
#undef SC_X_
	SC_MONITOR_RQ_SOURCE_MAX
};
/* clang-format on */

const char *sc_monitor_rq_source_name(enum sc_monitor_rq_source s);

/* Returns CLOCK_MONOTONIC-like nanoseconds; must never go backwards. */
typedef uint64_t (*sc_monitor_clock_fn)(void *ctx);

struct sc_monitor_config {
	const char *proc_root;		     /* NULL: "/proc" */
	const char *sys_root;		     /* NULL: "/sys" */
	enum sc_monitor_rq_source rq_source; /* AUTO by default */
	sc_monitor_clock_fn clock;	     /* NULL: CLOCK_MONOTONIC (tests inject one) */
	void *clock_ctx;
};

/* Defaults: the real /proc and /sys, rq_source AUTO, CLOCK_MONOTONIC. */
void sc_monitor_config_init(struct sc_monitor_config *cfg);

struct sc_monitor;

/*
 * Opens the files a sample reads (O_CLOEXEC, kept open) and starts the
 * monitor clock (elapsed_ns counts from here). `cfg` NULL means defaults.
 * A file that is missing or unreadable is "not measured": its metrics are
 * absent from every sample; that is not an error. Errors: -ENOENT / -EACCES
 * / -ENOTDIR when proc_root or sys_root cannot be opened as a directory,
 * -ENOENT when an explicitly requested rq_source is unavailable, -EINVAL for
 * a bad config, -ENOMEM. `err` names the path. *out is set only on success;
 * free it with sc_monitor_free().
 */
int sc_monitor_open(const struct sc_monitor_config *cfg, struct sc_monitor **out,
		    struct sc_error *err);

/* Closes the files and frees the monitor. Accepts NULL. */
void sc_monitor_free(struct sc_monitor *m);

/* The run-queue source in use after open: never AUTO. */
enum sc_monitor_rq_source sc_monitor_rq_source(const struct sc_monitor *m);

/*
 * Takes one sample and writes it into `out` as registered metrics:
 *   counters (cumulative; a phase takes last - first):
 *     context_switches, cpu_busy_ns, cpu_total_ns, elapsed_ns
 *   gauges: mean_cpu_busy_pct, max_cpu_busy_pct (both over the window since
 *     the previous sample, so absent on the first), mean_nr_running,
 *     mean_psi_cpu_some_pct, rq_imbalance
 *   peak: peak_nr_running
 *   timestamp: last_sample_ms (= elapsed_ms)
 * A metric that was not measured this time is removed from `out` (never
 * written as 0); keys the monitor does not own (nr_cgroups, cgroup metrics)
 * are left alone, so one map can be reused without allocating. Run-queue
 * counts exclude the calling thread itself. Not thread-safe: one caller at a
 * time. Returns 0, or -ENOMEM (then `out` may hold a partial sample).
 */
int sc_monitor_sample(struct sc_monitor *m, uint64_t elapsed_ms, struct sc_metric_map *out);

/*
 * The cumulative /proc/vmstat numa_pages_migrated now. Not part of a sample:
 * the caller reads it at both ends of a phase for the PerPhaseDeltaSum
 * metric numa_pages_migrated. -ENODATA when not measured (no /proc/vmstat,
 * or a kernel without NUMA balancing), -EIO etc. on a read error, -ENOMEM.
 */
int sc_monitor_vmstat_numa_pages_migrated(struct sc_monitor *m, uint64_t *val);

/*
 * Reduces a phase's samples (in time order) by each metric's MetricKind:
 * Counter last - first (needs two finite values), DeltaSum sum, Peak max,
 * Gauge(Avg) mean, Gauge(Max) max, Gauge(Last) and Timestamp the last value.
 * Only finite values count; a key with none stays absent. Unregistered keys,
 * derived kinds and PerPhaseDeltaSum (a per-phase value the caller computes,
 * never a sample) are skipped. Then the registered Rates are derived
 * (sc_derive_rate_metrics). On success `out` is released and replaced; on
 * failure (-EINVAL: samples NULL with n > 0; -ENOMEM) it is untouched.
 */
int sc_monitor_reduce_phase(const struct sc_metric_map *samples, size_t n,
			    struct sc_metric_map *out);

/*
 * Records the run's conditions into `ri`, which must have been initialised
 * (sc_run_info_init): hostname, kernel_release, kernel_version, machine
 * (uname), nr_cpus_online and cpus_online (sys/devices/system/cpu/online),
 * nr_numa_nodes (sys/devices/system/node/online, 1 when absent), scheduler
 * ("eevdf", "cfs" before Linux 6.6, or the sched_ext ops name when
 * sys/kernel/sched_ext/state is "enabled"; "sched_ext" if the name is
 * unreadable), clocksource, loadavg_1min (proc/loadavg; absent when
 * unreadable). Roots come from `cfg` (NULL: defaults). A field whose source
 * is missing is left NULL / absent. Only those fields are replaced (old
 * values freed); the others, cgroup_mode included, are not touched.
 * Errors: -ENOENT etc. when a root directory cannot be opened, -ENOMEM; on
 * error `ri` is unchanged.
 */
int sc_monitor_collect_run_info(const struct sc_monitor_config *cfg, struct sc_run_info *ri,
				struct sc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_MONITOR_H */
