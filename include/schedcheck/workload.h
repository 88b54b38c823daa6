/* SPDX-License-Identifier: MIT */
/*
 * The workload engine: work specs (what a group of workers does and under
 * which scheduling / CPU / memory policy), and the lifecycle of the workers
 * that run them: spawn blocked, place, release, drain per phase, stop, collect.
 */
#ifndef SCHEDCHECK_WORKLOAD_H
#define SCHEDCHECK_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <schedcheck/containers.h>
#include <schedcheck/error.h>
#include <schedcheck/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hard limits. */
#define SC_WORKLOAD_MAX_WORKERS 4096u		     /* across all specs of one workload */
#define SC_WORK_MAX_CPUS 1024u			     /* CPU ids accepted in an affinity / seen */
#define SC_WORK_MAX_NODES 64u			     /* NUMA node ids accepted in a memory policy */
#define SC_WORK_MAX_PIPE_WORKERS 256u		     /* wake_chain in pipe mode (two fds each) */
#define SC_WORK_MAX_FOOTPRINT_KIB (4u * 1024 * 1024) /* 4 GiB per worker */

/*
 * Work types. `impl` is 1 for the types this build runs; the others are
 * rejected by sc_work_spec_validate() with "not implemented yet".
 */
#define SC_WORK_TYPES(X)                       \
	X(SPIN, "spin", 1)                     \
	X(YIELD, "yield", 1)                   \
	X(MIXED, "mixed", 1)                   \
	X(BURSTY, "bursty", 1)                 \
	X(TIMER_LATENCY, "timer_latency", 1)   \
	X(FUTEX_PINGPONG, "futex_pingpong", 1) \
	X(WAKE_CHAIN, "wake_chain", 1)         \
	X(FANOUT, "fanout", 1)                 \
	X(IO_SYNC, "io_sync", 1)               \
	X(FORK_EXIT, "fork_exit", 1)           \
	X(CACHE_PRESSURE, "cache_pressure", 1) \
	X(NUMA_SWEEP, "numa_sweep", 1)         \
	X(SCHBENCH, "schbench", 1)

/* clang-format off */
enum sc_work_type {
#define SC_X_(id, name, impl) SC_WORK_##id,
	SC_WORK_TYPES(SC_X_)
#undef SC_X_
	SC_WORK_TYPE_MAX
};
/* clang-format on */

const char *sc_work_type_name(enum sc_work_type t);
/* -EINVAL for an unknown name (a known but unimplemented type parses). */
int sc_work_type_parse(const char *name, enum sc_work_type *out);
bool sc_work_type_implemented(enum sc_work_type t);

#define SC_CLONE_MODES(X)                                          \
	X(FORK, "fork")	    /* one process per worker (default) */ \
	X(THREAD, "thread") /* one process hosting every worker of the spec as a thread */

/* clang-format off */
enum sc_clone_mode {
#define SC_X_(id, name) SC_CLONE_##id,
	SC_CLONE_MODES(SC_X_)
#undef SC_X_
	SC_CLONE_MODE_MAX
};
/* clang-format on */

const char *sc_clone_mode_name(enum sc_clone_mode m);
int sc_clone_mode_parse(const char *name, enum sc_clone_mode *out);

#define SC_SCHED_KINDS(X)   \
	X(NORMAL, "normal") \
	X(BATCH, "batch")   \
	X(IDLE, "idle")     \
	X(FIFO, "fifo")     \
	X(RR, "rr")         \
	X(DEADLINE, "deadline")

/* clang-format off */
enum sc_sched_kind {
#define SC_X_(id, name) SC_SCHED_##id,
	SC_SCHED_KINDS(SC_X_)
#undef SC_X_
	SC_SCHED_KIND_MAX
};
/* clang-format on */

const char *sc_sched_kind_name(enum sc_sched_kind k);

struct sc_sched_policy {
	enum sc_sched_kind kind;
	uint32_t priority;   /* fifo / rr: 1..99 */
	uint64_t runtime_ns; /* deadline: runtime <= deadline <= period */
	uint64_t deadline_ns;
	uint64_t period_ns;
};

/*
 * Parses "normal", "batch", "idle", "fifo:P", "rr:P" or
 * "deadline:RUNTIME/DEADLINE/PERIOD" (nanoseconds, or with a us/ms/s suffix
 * on each number). -EINVAL with a message in `err` otherwise. Ranges are
 * checked by sc_work_spec_validate(), not here.
 */
int sc_sched_policy_parse(const char *s, struct sc_sched_policy *out, struct sc_error *err);

#define SC_MEM_POLICIES(X)          \
	X(DEFAULT, "default")       \
	X(BIND, "bind")             \
	X(PREFERRED, "preferred")   \
	X(INTERLEAVE, "interleave") \
	X(LOCAL, "local")

/* clang-format off */
enum sc_mem_policy_kind {
#define SC_X_(id, name) SC_MEMPOL_##id,
	SC_MEM_POLICIES(SC_X_)
#undef SC_X_
	SC_MEM_POLICY_MAX
};
/* clang-format on */

const char *sc_mem_policy_name(enum sc_mem_policy_kind k);
int sc_mem_policy_parse(const char *name, enum sc_mem_policy_kind *out);

struct sc_mem_policy {
	enum sc_mem_policy_kind kind;
	struct sc_cpu_set nodes; /* node ids; bind/interleave: >= 1, preferred: exactly 1 */
};

#define SC_CHAIN_MODES(X) \
	X(FUTEX, "futex") \
	X(PIPE, "pipe")

/* clang-format off */
enum sc_chain_mode {
#define SC_X_(id, name) SC_CHAIN_##id,
	SC_CHAIN_MODES(SC_X_)
#undef SC_X_
	SC_CHAIN_MODE_MAX
};
/* clang-format on */

const char *sc_chain_mode_name(enum sc_chain_mode m);
int sc_chain_mode_parse(const char *name, enum sc_chain_mode *out);

/*
 * Per-type parameters. sc_work_spec_init() fills the defaults; each type
 * reads only its own fields (see docs/workloads.md). A "spin unit" is
 * `spin_loops` rounds of a dependent multiply-add chain (about 4 cycles each).
 */
struct sc_work_params {
	uint64_t spin_loops;  /* spin/yield/mixed/bursty/pingpong/chain/fanout: work per unit */
	uint32_t yield_every; /* mixed: sched_yield() after every Nth unit (0 = never) */
	uint32_t sleep_every; /* mixed: sleep after every Nth unit (0 = never) */
	uint64_t sleep_us;    /* mixed: sleep length */
	uint64_t burst_us;    /* bursty: spin for this long ... */
	uint64_t idle_us;     /* bursty: ... then sleep this long */
	uint64_t interval_us; /* timer_latency: period (10 us .. 100 ms) */
	uint32_t chain_depth; /* wake_chain: workers per ring (>= 2) */
	enum sc_chain_mode chain_mode; /* wake_chain: futex or pipe */
	uint32_t fanout;	       /* fanout: wakees per waker (>= 1) */
	uint64_t io_bytes;	       /* io_sync: bytes per write (1 .. 1 MiB) */
	char *io_dir; /* io_sync: directory of the temp file; NULL = $TMPDIR or /var/tmp */
	uint64_t footprint_kib; /* cache_pressure / numa_sweep: memory walked per unit */
	uint64_t stride_bytes;	/* cache_pressure: step of the walk (8 .. 4096) */
	/*
	 * schbench: workers form groups of one message thread and
	 * `threads_per_message` worker threads (1 .. 1023), so `workers` must be
	 * a multiple of threads_per_message + 1; each request costs a worker
	 * `request_us` (0 .. 1000000) of on-CPU time.
	 */
	uint32_t threads_per_message;
	uint64_t request_us;
};

struct sc_work_spec {
	enum sc_work_type type;
	uint32_t workers;
	enum sc_clone_mode clone_mode;
	struct sc_sched_policy sched;
	bool nice_set;
	int nice;		    /* -20 .. 19, applied when nice_set */
	struct sc_cpu_set affinity; /* empty = inherit */
	struct sc_mem_policy mem;
	struct sc_work_params params;
	uint64_t seed; /* reservoir seeds derive from it and the worker index */
	/*
	 * Test hook: the worker ignores stop and drain requests and keeps
	 * spinning, so the collector's deadline and SIGKILL path can be tested.
	 */
	bool debug_ignore_stop;
};

/* Fills the defaults for `type` (workers = 1, fork, normal, no affinity). */
void sc_work_spec_init(struct sc_work_spec *s, enum sc_work_type type);
/* Frees the sets and strings inside; the spec can be re-initialised. */
void sc_work_spec_release(struct sc_work_spec *s);
/* Deep copy into an uninitialised `dst`. -ENOMEM. */
int sc_work_spec_copy(struct sc_work_spec *dst, const struct sc_work_spec *src);

/*
 * Checks a spec without spawning anything: pure, no I/O. -EINVAL (or
 * -EOPNOTSUPP for a type that is "not implemented yet") with a sentence in
 * `err` naming the field, e.g. "futex_pingpong: workers must be even (got 3)".
 * It does not check that CPUs or nodes exist on this host: that shows up
 * as a setup error when spawning.
 */
int sc_work_spec_validate(const struct sc_work_spec *s, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                 */
/* ------------------------------------------------------------------------ */

struct sc_workload;

/* Identity of one worker (index `i` runs over all specs, in spec order). */
struct sc_worker_ids {
	pid_t pid;	   /* process: the worker, or the host process in thread mode */
	pid_t tid;	   /* thread id (== pid in fork mode) */
	size_t spec_index; /* which spec */
	size_t index;	   /* index within that spec */
};

/* CLOCK_MONOTONIC now in ns: the time base of every deadline below. */
uint64_t sc_workload_now_ns(void);

/*
 * Validates every spec, then forks all workers and waits (until the absolute
 * CLOCK_MONOTONIC `deadline_ns`) for each to apply its policy, affinity and
 * memory policy and block on the release gate. All or nothing: on any
 * failure every worker spawned so far is killed and reaped, and -errno comes
 * back with a message in `err` (-ETIMEDOUT when a worker did not become
 * ready in time, -ECHILD when one died during setup). Setting errors that do
 * not stop a worker (e.g. EPERM for fifo) are kept per worker: see
 * sc_workload_setup_error(). The specs are copied.
 *
 * Must be called from a thread that outlives the workload: workers carry
 * PR_SET_PDEATHSIG(SIGKILL) so they never outlive the caller. The caller
 * must not ignore SIGCHLD (workers are reaped with waitpid()).
 */
int sc_workload_spawn(const struct sc_work_spec *specs, size_t n_specs, uint64_t deadline_ns,
		      struct sc_workload **out, struct sc_error *err);

size_t sc_workload_count(const struct sc_workload *wl);
/* -ERANGE when i >= count. */
int sc_workload_worker_ids(const struct sc_workload *wl, size_t i, struct sc_worker_ids *out);
/* NULL, or why applying policy / nice / affinity / memory policy failed. */
const char *sc_workload_setup_error(const struct sc_workload *wl, size_t i);
/*
 * Work units worker i has completed so far (whole run), as it publishes them
 * after every unit: for progress displays and liveness checks. 0 for i out
 * of range.
 */
uint64_t sc_workload_worker_iterations(const struct sc_workload *wl, size_t i);

/*
 * Opens the gate: every worker starts its work and its telemetry now.
 * Workers re-apply their affinity at release (a cpuset move may have reset
 * it). -EALREADY when already released or stopped.
 */
int sc_workload_release(struct sc_workload *wl, struct sc_error *err);

/*
 * Closes the current phase: every worker reports what it measured since the
 * previous drain (or release) and starts a fresh phase. Returns one report
 * per worker in *reports (malloc'ed, count in *n; free with
 * sc_worker_reports_free()), in worker order. A worker that has not
 * answered by `deadline_ns` gets exit_kind TIMED_OUT in this phase's report
 * (it is not killed; its late answer is dropped); a dead one EXITED or
 * SIGNALED. Live answers carry exit_kind RUNNING. -EINVAL before release or
 * after stop; -ENOMEM.
 */
int sc_workload_drain_phase(struct sc_workload *wl, uint64_t deadline_ns,
			    struct sc_worker_report **reports, size_t *n, struct sc_error *err);

/*
 * Asks every worker to stop and waits until each has left its work loop or
 * `deadline_ns` passed; workers still running then are SIGKILLed and will be
 * reported TIMED_OUT. Stopping a workload that was never released stops the
 * workers at the gate (they report zero iterations). Returns the number of
 * workers killed for missing the deadline (0 normally; a message in `err`
 * when > 0). Idempotent: a second call returns 0.
 */
int sc_workload_stop(struct sc_workload *wl, uint64_t deadline_ns, struct sc_error *err);

/*
 * Collects the whole-run report of every worker (stopping first if needed,
 * with the same deadline), then reaps every process. Exactly one report
 * per worker, in worker order: EXITED (status 0 for a clean run), SIGNALED,
 * or TIMED_OUT (did not stop or report by the deadline; it was SIGKILLed and
 * reaped): never a missing worker. A worker without a usable report keeps the
 * iteration count it last published and says why in `error`. Malformed
 * worker records are rejected and noted in that worker's error. Free the
 * reports with sc_worker_reports_free(). -EALREADY on a second call; -ENOMEM
 * (every process is reaped even then). Afterwards only sc_workload_free().
 */
int sc_workload_collect(struct sc_workload *wl, uint64_t deadline_ns,
			struct sc_worker_report **reports, size_t *n, struct sc_error *err);

/* Kills (SIGKILL) and reaps whatever is left, unmaps, frees. NULL is fine. */
void sc_workload_free(struct sc_workload *wl);

void sc_worker_reports_free(struct sc_worker_report *reports, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_WORKLOAD_H */
