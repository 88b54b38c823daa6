// SPDX-License-Identifier: MIT
/*
 * The metric registry (one table, one entry per metric) and the per-kind
 * merge of reduced values. Adding a metric means adding one row here.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <schedcheck/metrics.h>

#define NAME_TABLE(fn, type, XMAC, PFX)                                                       \
	const char *fn(type v)                                                                \
	{                                                                                     \
		static const char *const names[] = { XMAC(PFX) };                             \
		return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown"; \
	}

#define KIND_NAME_(id, name) [SC_KIND_##id] = name,
#define GAUGE_NAME_(id, name) [SC_GAUGE_##id] = name,
#define REDUCE_NAME_(id, name) [SC_REDUCE_##id] = name,
#define LOWEST_NAME_(id, name) [SC_LOWEST_##id] = name,
#define POLARITY_NAME_(id, name) [SC_POLARITY_##id] = name,

NAME_TABLE(sc_metric_kind_tag_name, enum sc_metric_kind_tag, SC_METRIC_KINDS, KIND_NAME_)
NAME_TABLE(sc_gauge_agg_name, enum sc_gauge_agg, SC_GAUGE_AGGS, GAUGE_NAME_)
NAME_TABLE(sc_reduction_name, enum sc_reduction, SC_REDUCTIONS, REDUCE_NAME_)
NAME_TABLE(sc_lowest_of_name, enum sc_lowest_of, SC_LOWEST_OFS, LOWEST_NAME_)
NAME_TABLE(sc_polarity_name, enum sc_polarity, SC_POLARITIES, POLARITY_NAME_)

#define K(tag_)                       \
	{                             \
		.tag = SC_KIND_##tag_ \
	}
#define GAUGE(agg_)                                              \
	{                                                        \
		.tag = SC_KIND_GAUGE, .u.gauge = SC_GAUGE_##agg_ \
	}
#define RATE(num_, den_, scale_)                                      \
	{                                                             \
		.tag = SC_KIND_RATE, .u.rate = { num_, den_, scale_ } \
	}
#define DIST(src_, red_)                                                                      \
	{                                                                                     \
		.tag = SC_KIND_DISTRIBUTION, .u.dist = { SC_SOURCE_##src_, SC_REDUCE_##red_ } \
	}
#define LOWEST(of_)                                                      \
	{                                                                \
		.tag = SC_KIND_WORST_LOWEST, .u.lowest = SC_LOWEST_##of_ \
	}
#define HB SC_POLARITY_HIGHER_BETTER
#define LB SC_POLARITY_LOWER_BETTER
#define NE SC_POLARITY_NEUTRAL

/* Sorted by name (binary search in sc_metric_def_lookup; a test checks it). */
static const struct sc_metric_def registry[] = {
	{ "context_switch_rate", RATE("context_switches", "elapsed_ns", 1e9), NE, 0, 0.25,
	  "switches/s", "system-wide context switches per second over the phase" },
	{ "context_switches", K(COUNTER), NE, 0, 0, "switches",
	  "system-wide context switches (/proc/stat ctxt) in the phase" },
	{ "cpu_busy_ns", K(COUNTER), NE, 0, 0, "ns", "non-idle CPU time summed over CPUs" },
	{ "cpu_total_ns", K(COUNTER), NE, 0, 0, "ns", "all CPU time summed over CPUs" },
	{ "cpu_util_pct", RATE("cpu_busy_ns", "cpu_total_ns", 100.0), NE, 5.0, 0, "%",
	  "busy share of all CPU time in the phase" },
	{ "cross_node_migration_ratio", K(PER_PHASE), LB, 0.05, 0, "ratio",
	  "cross-node migrated pages / resident pages, per phase" },
	{ "elapsed_ns", K(COUNTER), NE, 0, 0, "ns", "monitor time covered by the phase" },
	{ "iterations_per_cpu_sec", K(PER_PHASE), HB, 0, 0.10, "iterations/cpu-s",
	  "work units per second of on-CPU time, per phase" },
	{ "iterations_per_worker", K(PER_PHASE), HB, 0, 0.10, "iterations",
	  "work units per worker, per phase" },
	{ "last_sample_ms", K(TIMESTAMP), NE, 0, 0, "ms", "offset of the phase's last sample" },
	{ "max_cpu_busy_pct", GAUGE(MAX), NE, 0, 0, "%", "busiest single-CPU sample" },
	{ "mean_cpu_busy_pct", GAUGE(AVG), NE, 0, 0, "%", "mean per-sample CPU busy share" },
	{ "mean_nr_running", GAUGE(AVG), NE, 0, 0, "tasks", "mean runnable tasks per sample" },
	{ "mean_psi_cpu_some_pct", GAUGE(AVG), LB, 5.0, 0, "%",
	  "mean PSI cpu some avg10 over the phase's samples" },
	{ "mean_run_delay_us", DIST(RUN_DELAY_NS, MEAN), LB, 100.0, 0.25, "us",
	  "run-level mean per-worker run delay" },
	{ "median_timer_latency_us", DIST(TIMER_LATENCY_NS, P50), LB, 10.0, 0.10, "us",
	  "run-level median timer latency" },
	{ "median_wake_latency_us", DIST(WAKE_LATENCY_NS, P50), LB, 10.0, 0.10, "us",
	  "run-level median wake-to-run latency" },
	{ "migration_ratio", K(PER_PHASE), LB, 0.05, 0, "migrations/iteration",
	  "CPU migrations per work unit, per phase" },
	{ "nr_cgroups", GAUGE(LAST), NE, 0, 0, "cgroups", "cgroups alive at the phase's end" },
	{ "nr_throttled", K(DELTA_SUM), LB, 0, 0, "periods",
	  "cpu.stat nr_throttled summed over the phase's per-read deltas" },
	{ "numa_pages_migrated", K(PER_PHASE_DELTA_SUM), LB, 0, 0, "pages",
	  "/proc/vmstat numa_pages_migrated delta over the phase" },
	{ "off_cpu_avg_pct", K(PER_PHASE), LB, 5.0, 0, "%",
	  "mean worker off-CPU share, per phase" },
	{ "off_cpu_max_pct", K(PER_PHASE), LB, 5.0, 0, "%", "largest worker off-CPU share" },
	{ "off_cpu_min_pct", K(PER_PHASE), LB, 5.0, 0, "%", "smallest worker off-CPU share" },
	{ "off_cpu_spread_pct", K(PER_PHASE), LB, 5.0, 0, "%",
	  "max - min worker off-CPU share (unfairness within a cgroup)" },
	{ "p999_timer_latency_us", DIST(TIMER_LATENCY_NS, P999), LB, 100.0, 0.25, "us",
	  "run-level 99.9th percentile timer latency" },
	{ "p99_timer_latency_us", DIST(TIMER_LATENCY_NS, P99), LB, 50.0, 0.25, "us",
	  "run-level 99th percentile timer latency" },
	{ "p99_wake_latency_us", DIST(WAKE_LATENCY_NS, P99), LB, 50.0, 0.25, "us",
	  "run-level 99th percentile wake-to-run latency" },
	{ "page_locality", K(PER_PHASE), HB, 0.05, 0, "ratio",
	  "resident pages on the policy's nodes / resident pages, per phase" },
	{ "peak_nr_running", K(PEAK), NE, 0, 0, "tasks", "most runnable tasks on one CPU" },
	{ "rq_imbalance", GAUGE(MAX), LB, 2.0, 0, "tasks",
	  "largest max - min runnable tasks across CPUs in one sample" },
	{ "run_delay_max_us", K(PER_PHASE), LB, 1000.0, 0.25, "us",
	  "largest per-worker run delay, per phase" },
	{ "run_delay_mean_us", K(PER_PHASE), LB, 100.0, 0.25, "us",
	  "mean per-worker run delay, per phase" },
	{ "run_duration_ms", K(PER_RUN_DISTRIBUTION), NE, 0, 0, "ms",
	  "one run's wall duration; spread across repeats" },
	{ "schbench_loop_count", K(PER_PHASE), HB, 0, 0.10, "loops",
	  "schbench message-thread rounds (every worker answered), per phase" },
	{ "schbench_msg_run_delay_us", K(PER_PHASE), LB, 100.0, 0.25, "us",
	  "schbench message threads' run delay per schedule, per phase" },
	{ "schbench_request_p50_us", K(PER_PHASE), LB, 10.0, 0.10, "us",
	  "schbench median request latency (enqueue to completion), per phase" },
	{ "schbench_request_p90_us", K(PER_PHASE), LB, 20.0, 0.15, "us",
	  "schbench 90th percentile request latency, per phase" },
	{ "schbench_request_p999_us", K(PER_PHASE), LB, 100.0, 0.25, "us",
	  "schbench 99.9th percentile request latency, per phase" },
	{ "schbench_request_p99_us", K(PER_PHASE), LB, 50.0, 0.25, "us",
	  "schbench 99th percentile request latency, per phase" },
	{ "schbench_rps", K(PER_PHASE), HB, 0, 0.10, "requests/s",
	  "schbench requests completed per second of the phase" },
	{ "schbench_wakeup_p50_us", K(PER_PHASE), LB, 10.0, 0.10, "us",
	  "schbench median wakeup latency (wake-to-run), per phase" },
	{ "schbench_wakeup_p90_us", K(PER_PHASE), LB, 20.0, 0.15, "us",
	  "schbench 90th percentile wakeup latency, per phase" },
	{ "schbench_wakeup_p999_us", K(PER_PHASE), LB, 100.0, 0.25, "us",
	  "schbench 99.9th percentile wakeup latency, per phase" },
	{ "schbench_wakeup_p99_us", K(PER_PHASE), LB, 50.0, 0.25, "us",
	  "schbench 99th percentile wakeup latency, per phase" },
	{ "schbench_worker_run_delay_us", K(PER_PHASE), LB, 100.0, 0.25, "us",
	  "schbench worker threads' run delay per schedule, per phase" },
	{ "throttled_us", K(DELTA_SUM), LB, 0, 0, "us",
	  "cpu.stat throttled time summed over the phase's per-read deltas" },
	{ "timer_median_us", K(PER_PHASE), LB, 10.0, 0.10, "us",
	  "median timer latency, per phase" },
	{ "timer_p999_us", K(PER_PHASE), LB, 100.0, 0.25, "us",
	  "99.9th percentile timer latency, per phase" },
	{ "timer_p99_us", K(PER_PHASE), LB, 50.0, 0.25, "us",
	  "99th percentile timer latency, per phase" },
	{ "total_cpu_time_ns", K(COUNTER), NE, 0, 0, "ns",
	  "on-CPU time of the cgroup's workers (carrier-only counter)" },
	{ "total_iterations", K(COUNTER), HB, 0, 0.10, "iterations",
	  "work units completed (carrier-only counter)" },
	{ "total_migrations", K(COUNTER), LB, 0, 0, "migrations",
	  "CPU migrations of the workers (carrier-only counter)" },
	{ "wake_cv", K(PER_PHASE), LB, 0.5, 0, "ratio",
	  "pooled wake latency stddev / mean, per phase" },
	{ "wake_latency_cv", DIST(WAKE_LATENCY_NS, CV), LB, 0.5, 0, "ratio",
	  "run-level pooled wake latency stddev / mean" },
	{ "wake_median_us", K(PER_PHASE), LB, 10.0, 0.10, "us", "median wake latency, per phase" },
	{ "wake_p99_us", K(PER_PHASE), LB, 50.0, 0.25, "us",
	  "99th percentile wake latency, per phase" },
	{ "worst_cross_node_migration_ratio",
	  { .tag = SC_KIND_WORST_CROSS_NODE_RATIO },
	  LB,
	  0.05,
	  0,
	  "ratio",
	  "largest per-cgroup cross-node migration ratio" },
	{ "worst_iterations_per_cpu_sec", LOWEST(ITERATIONS_PER_CPU_SEC), HB, 0, 0.10,
	  "iterations/cpu-s", "lowest per-cgroup work units per on-CPU second" },
	{ "worst_iterations_per_worker", LOWEST(ITERATIONS_PER_WORKER), HB, 0, 0.10, "iterations",
	  "lowest per-cgroup work units per worker" },
	{ "worst_run_delay_us", DIST(RUN_DELAY_NS, MAX), LB, 1000.0, 0.25, "us",
	  "run-level largest per-worker run delay" },
	{ "worst_timer_latency_us", DIST(TIMER_LATENCY_NS, MAX), LB, 1000.0, 0.50, "us",
	  "run-level largest timer latency" },
	{ "worst_wake_latency_tail_ratio",
	  { .tag = SC_KIND_WAKE_LATENCY_TAIL_RATIO },
	  LB,
	  0,
	  0.25,
	  "ratio",
	  "largest per-cgroup p99 / median wake latency" },
};

size_t sc_metric_count(void)
{
	return sizeof(registry) / sizeof(registry[0]);
}

const struct sc_metric_def *sc_metric_at(size_t i)
{
	return i < sc_metric_count() ? &registry[i] : NULL;
}

const struct sc_metric_def *sc_metric_def_lookup(const char *name)
{
	size_t lo = 0, hi = sc_metric_count();

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(registry[mid].name, name);

		if (!c)
			return &registry[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool sc_metric_kind_is_derived(const struct sc_metric_kind *k)
{
	switch (k->tag) {
	case SC_KIND_RATE:
	case SC_KIND_DISTRIBUTION:
	case SC_KIND_WORST_LOWEST:
	case SC_KIND_WAKE_LATENCY_TAIL_RATIO:
	case SC_KIND_WORST_CROSS_NODE_RATIO:
	case SC_KIND_PER_PHASE:
	case SC_KIND_PER_RUN_DISTRIBUTION:
		return true;
	default:
		return false;
	}
}

int sc_merge_metric_values(const struct sc_metric_kind *kind, double a, double b, uint64_t a_count,
			   uint64_t b_count, uint64_t a_end_ms, uint64_t b_end_ms, double *out)
{
	if (!kind) {
		/* Unregistered: the commutative mean is the only safe default. */
		*out = (a + b) / 2.0;
		return 0;
	}
	switch (kind->tag) {
	case SC_KIND_COUNTER:
	case SC_KIND_DELTA_SUM:
	case SC_KIND_PER_PHASE_DELTA_SUM:
		*out = a + b;
		return 0;
	case SC_KIND_PEAK:
		*out = fmax(a, b);
		return 0;
	case SC_KIND_TIMESTAMP:
		*out = b_end_ms > a_end_ms ? b : a;
		return 0;
	case SC_KIND_GAUGE:
		switch (kind->u.gauge) {
		case SC_GAUGE_MAX:
			*out = fmax(a, b);
			return 0;
		case SC_GAUGE_AVG: {
			double aw = (double)(a_count ? a_count : 1);
			double bw = (double)(b_count ? b_count : 1);

			*out = (a * aw + b * bw) / (aw + bw);
			return 0;
		}
		case SC_GAUGE_LAST:
			*out = b_end_ms > a_end_ms ? b : a;
			return 0;
		default:
			return -EINVAL;
		}
	default:
		/* Derived kinds are re-derived after a merge, never merged. */
		return -EINVAL;
	}
}

int sc_derive_rate_metrics(struct sc_metric_map *m)
{
	size_t i;

	for (i = 0; i < sc_metric_count(); i++) {
		const struct sc_metric_def *d = &registry[i];
		double num, den;

		if (d->kind.tag != SC_KIND_RATE)
			continue;
		if (sc_metric_map_get(m, d->kind.u.rate.numerator, &num) &&
		    sc_metric_map_get(m, d->kind.u.rate.denominator, &den) && den != 0.0) {
			int r = sc_metric_map_set(m, d->name, d->kind.u.rate.scale * num / den);

			if (r < 0)
				return r;
		} else {
			sc_metric_map_remove(m, d->name);
		}
	}
	return 0;
}
