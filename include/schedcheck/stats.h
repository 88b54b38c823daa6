/* SPDX-License-Identifier: MIT */
/*
 * The statistics model (the founding document, ../shared/reference/stats_types.rs):
 * worker reports, whole-run per-cgroup reductions (CgroupStats), per-phase raw
 * carriers (PhaseCgroupStats) with their merge rules, phases, phase buckets,
 * nearest-rank percentiles and the deterministic weighted reservoir merge.
 * Pure computation: no I/O, no clocks, no globals.
 */
#ifndef SCHEDCHECK_STATS_H
#define SCHEDCHECK_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>
#include <schedcheck/schbench.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Per-worker (and per-carrier) reservoir bound, the seed's MAX_WAKE_SAMPLES. */
#define SC_MAX_WAKE_SAMPLES 100000u

/* ------------------------------------------------------------------------ */
/* Percentiles                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Nearest-rank (type 1) percentile of an ascending-sorted slice: the element
 * at index ceil(n * p) - 1 (computed in f64 exactly as the seed does), clamped
 * to [0, n - 1]. Returns 0 for an empty slice (callers gate on emptiness: a
 * percentile over nothing is "not measured").
 */
uint64_t sc_percentile_sorted(const uint64_t *sorted, size_t n, double p);

/* The index sc_percentile_sorted() reads for (n, p); n must be > 0. */
size_t sc_percentile_rank(size_t n, double p);

/*
 * Nearest-rank percentiles of an UNSORTED slice by selection (no full sort).
 * `v` is permuted in place. `ps` holds `np` probabilities in [0, 1] in any
 * order; out[i] receives the percentile for ps[i], identical to sorting `v` and
 * calling sc_percentile_sorted(). n == 0 -> -EINVAL (not measured), so is a
 * probability outside [0, 1] or NaN. Expected O(n) time for a handful of ps.
 */
int sc_percentiles_select(uint64_t *v, size_t n, const double *ps, size_t np, uint64_t *out);

/* The maximum of a non-empty slice; 0 for an empty one. */
uint64_t sc_max_u64(const uint64_t *v, size_t n);

/* ------------------------------------------------------------------------ */
/* Reservoirs                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Merges two capped uniform reservoirs `a` (standing for `w_a` true samples)
 * and `b` (`w_b`) into `out` (appended, at most `cap` values), bit-identical to
 * the seed's weighted_merge_reservoirs: seed from populations and lengths,
 * xorshift64 (13, 7, 17), two draws per slot (source, then index), zero-weight
 * fallbacks to lengths when both weights are 0. Both empty -> nothing appended.
 * The source draw is taken in 128 bits, as the seed's release build does, so
 * even a hostile population pair beyond u64 gives the same output as ktstr.
 * -ENOMEM on allocation failure; `out` is untouched on error.
 */
int sc_weighted_merge_reservoirs(const uint64_t *a, size_t a_len, uint64_t w_a, const uint64_t *b,
				 size_t b_len, uint64_t w_b, size_t cap, struct sc_u64_vec *out);

/*
 * Algorithm R reservoir: keeps a uniform sample of at most `cap` values of
 * everything pushed, plus the true count. Storage grows with the samples
 * actually taken (never preallocated to `cap`). The PRNG state is the
 * caller's (seeded per worker), so the stats layer stays free of globals.
 */
struct sc_reservoir {
	struct sc_u64_vec samples;
	uint64_t total; /* true population pushed, saturating */
	uint64_t cap;
	uint64_t rng; /* xorshift64 state, never 0 */
};

void sc_reservoir_init(struct sc_reservoir *r, uint64_t cap, uint64_t seed);
/* Pushes one value. -ENOMEM only while still below the cap. */
int sc_reservoir_push(struct sc_reservoir *r, uint64_t value);
void sc_reservoir_release(struct sc_reservoir *r);

/* ------------------------------------------------------------------------ */
/* Worker reports: the workload engine's output, plain data                  */
/* ------------------------------------------------------------------------ */

#define SC_WORKER_EXIT_KINDS(X)                                                \
	X(RUNNING, "running")	  /* still alive when the report was taken */  \
	X(EXITED, "exited")	  /* exit status in exit_status */             \
	X(SIGNALED, "signaled")	  /* killed by signal exit_status */           \
	X(TIMED_OUT, "timed_out") /* did not stop or report by its deadline */ \
	X(SPAWN_FAILED, "spawn_failed")

enum sc_worker_exit_kind {
#define SC_X_(id, name) SC_WORKER_##id,
	SC_WORKER_EXIT_KINDS(SC_X_)
#undef SC_X_
		SC_WORKER_EXIT_KIND_MAX
};

const char *sc_worker_exit_kind_name(enum sc_worker_exit_kind k);
/* -EINVAL when `name` is not a known kind. */
int sc_worker_exit_kind_parse(const char *name, enum sc_worker_exit_kind *out);

/*
 * What one worker experienced over its window. Inputs (the work spec) live
 * elsewhere; this is only the output. Times are nanoseconds.
 */
struct sc_worker_report {
	uint64_t tid;
	uint64_t iterations;		 /* work units completed */
	uint64_t wall_time_ns;		 /* from release to stop */
	uint64_t cpu_time_ns;		 /* CLOCK_THREAD_CPUTIME_ID delta */
	uint64_t off_cpu_ns;		 /* wall_time_ns - cpu_time_ns, saturating at 0 */
	uint64_t schedstat_cpu_time_ns;	 /* /proc/.../schedstat field 1 delta */
	uint64_t schedstat_run_delay_ns; /* field 2 delta */
	uint64_t schedstat_run_count;	 /* field 3 delta */
	uint64_t migrations;		 /* CPU changes seen between work units */
	struct sc_cpu_set cpus_used;
	uint64_t max_gap_ms;		      /* longest gap between consecutive work units */
	uint64_t max_gap_cpu;		      /* CPU the worker resumed on after that gap */
	uint64_t max_gap_at_ns;		      /* offset from release when the gap ended */
	struct sc_u64_vec wake_latencies_ns;  /* reservoir, <= SC_MAX_WAKE_SAMPLES */
	uint64_t wake_sample_total;	      /* true wake count */
	struct sc_u64_vec timer_latencies_ns; /* reservoir, <= SC_MAX_WAKE_SAMPLES */
	uint64_t timer_sample_total;
	uint64_t numa_pages_local;    /* pages on the policy's nodes */
	uint64_t numa_pages_total;    /* pages resident */
	uint64_t numa_pages_migrated; /* /proc/vmstat delta (system-wide) */
	enum sc_worker_exit_kind exit_kind;
	int exit_status; /* exit code or signal number */
	char *error;	 /* NULL, or why applying policy/affinity/mempolicy failed */
	/*
	 * schbench workers only (NULL otherwise): this worker's histograms,
	 * loop count, run-delay pair for its role and window. Owned; freed by
	 * sc_worker_report_release().
	 */
	struct sc_schbench_stats *schbench;
};

void sc_worker_report_init(struct sc_worker_report *r);
void sc_worker_report_release(struct sc_worker_report *r);

/* ------------------------------------------------------------------------ */
/* CgroupStats: whole-run per-cgroup reduction                               */
/* ------------------------------------------------------------------------ */

#define SC_SAMPLE_SOURCES(X)                    \
	X(WAKE_LATENCY_NS, "wake_latency_ns")   \
	X(TIMER_LATENCY_NS, "timer_latency_ns") \
	X(RUN_DELAY_NS, "run_delay_ns")

enum sc_sample_source {
#define SC_X_(id, name) SC_SOURCE_##id,
	SC_SAMPLE_SOURCES(SC_X_)
#undef SC_X_
		SC_SAMPLE_SOURCE_MAX
};

const char *sc_sample_source_name(enum sc_sample_source s);

struct sc_cgroup_stats {
	char *cgroup_name; /* owned; "" or NULL for unlabeled */
	uint64_t num_workers;
	struct sc_cpu_set cpus_used;
	uint64_t num_cpus; /* cpus_used.len */
	struct sc_opt_f64 avg_off_cpu_pct;
	struct sc_opt_f64 min_off_cpu_pct;
	struct sc_opt_f64 max_off_cpu_pct;
	struct sc_opt_f64 spread; /* max - min; absent = inconclusive, not "fair" */
	uint64_t max_gap_ms;
	uint64_t max_gap_cpu;
	uint64_t total_migrations;
	double migration_ratio; /* total_migrations / total_iterations; 0 when no iterations */
	double p99_wake_latency_us;
	double median_wake_latency_us;
	double wake_latency_cv; /* pooled stddev / mean */
	bool wake_measured;	/* false: the three wake fields are a 0.0 sentinel */
	double median_timer_latency_us;
	double p99_timer_latency_us;
	double p999_timer_latency_us;
	double worst_timer_latency_us;
	bool timer_measured;
	uint64_t total_iterations;
	uint64_t total_cpu_time_ns; /* sum of schedstat on-CPU ns */
	double mean_run_delay_us;
	double worst_run_delay_us;
	bool run_delay_measured; /* num_workers > 0 */
	double page_locality;	 /* local / total pages, 0..1 */
	double cross_node_migration_ratio;
	/* taobench_whole lands here with the taobench work type. */
	struct sc_metric_map ext_metrics;
};

void sc_cgroup_stats_init(struct sc_cgroup_stats *cs);
void sc_cgroup_stats_release(struct sc_cgroup_stats *cs);
int sc_cgroup_stats_copy(struct sc_cgroup_stats *dst, const struct sc_cgroup_stats *src);

/*
 * Reduces `n` worker reports into *out (initialised here; the name is left
 * NULL for the caller). Wake / timer percentiles are nearest-rank over the
 * uncapped concatenation of every worker's samples.
 */
int sc_cgroup_stats_reduce(const struct sc_worker_report *reports, size_t n,
			   struct sc_cgroup_stats *out);

/* p99 / median wake latency; 0.0 when the median is not positive. */
double sc_cgroup_stats_wake_latency_tail_ratio(const struct sc_cgroup_stats *cs);
/* total_iterations / num_workers; false (absent) when there are no workers. */
bool sc_cgroup_stats_iterations_per_worker(const struct sc_cgroup_stats *cs, double *out);
/* iterations per CPU-second; false when no workers or no on-CPU time. */
bool sc_cgroup_stats_iterations_per_cpu_sec(const struct sc_cgroup_stats *cs, double *out);
bool sc_cgroup_stats_measured_for(const struct sc_cgroup_stats *cs, enum sc_sample_source src);

/* The shared reductions behind the two accessors above. */
bool sc_iterations_per_worker_of(uint64_t num_workers, uint64_t total_iterations, double *out);
bool sc_iterations_per_cpu_sec_of(uint64_t num_workers, uint64_t total_cpu_time_ns,
				  uint64_t total_iterations, double *out);

/* ------------------------------------------------------------------------ */
/* PhaseCgroupStats: per-phase per-cgroup RAW components                     */
/* ------------------------------------------------------------------------ */

struct sc_phase_cgroup_stats {
	uint64_t num_workers;		      /* sum on merge (disjoint worker subsets) */
	struct sc_cpu_set cpus_used;	      /* union */
	struct sc_u64_vec wake_latencies_ns;  /* concat <= cap, weighted merge > cap */
	uint64_t wake_sample_total;	      /* saturating sum */
	struct sc_u64_vec timer_latencies_ns; /* as wake */
	uint64_t timer_sample_total;
	struct sc_u64_vec run_delays_ns; /* one per worker; concat */
	struct sc_f64_vec off_cpu_pcts;	 /* one per worker with wall time; concat */
	uint64_t total_migrations;	 /* saturating sum */
	uint64_t total_iterations;
	uint64_t total_cpu_time_ns;
	uint64_t numa_pages_local; /* within-phase spatial sum */
	uint64_t numa_pages_total;
	uint64_t cross_node_migrated; /* max (system-wide counter seen by all) */
	uint64_t max_gap_ms;	      /* coupled argmax with max_gap_cpu, b wins ties */
	uint64_t max_gap_cpu;
	bool stripped;		      /* OR */
	struct sc_metric_map metrics; /* derived, emptied by merge */
	/*
	 * Per-phase schbench engine metrics (include/schedcheck/schbench.h),
	 * NULL (None) for every non-schbench carrier. Owned. OR-with-combine in
	 * the merge: both present -> sc_schbench_stats_merge(), one present ->
	 * carried, none -> none. (taobench lands beside it with that type.)
	 */
	struct sc_schbench_stats *schbench;
};

void sc_phase_cgroup_stats_init(struct sc_phase_cgroup_stats *p);
void sc_phase_cgroup_stats_release(struct sc_phase_cgroup_stats *p);
int sc_phase_cgroup_stats_copy(struct sc_phase_cgroup_stats *dst,
			       const struct sc_phase_cgroup_stats *src);

/*
 * a = merge(a, b) by component class (see the struct). `b` is consumed
 * (released) on success. On error (-ENOMEM) neither side is modified.
 */
int sc_phase_cgroup_stats_merge(struct sc_phase_cgroup_stats *a, struct sc_phase_cgroup_stats *b);

/* Builds a carrier from worker reports: the per-phase analogue of reduce. */
int sc_phase_cgroup_stats_from_reports(const struct sc_worker_report *reports, size_t n,
				       struct sc_phase_cgroup_stats *out);

/* (avg, min, max, spread) of off_cpu_pcts; false when empty (not measured). */
bool sc_phase_cgroup_stats_off_cpu_summary(const struct sc_phase_cgroup_stats *p, double *avg,
					   double *min, double *max, double *spread);
/* (p99_us, median_us) of the wake pool; false when empty. -ENOMEM as false + *err. */
bool sc_phase_cgroup_stats_wake_summary(const struct sc_phase_cgroup_stats *p, double *p99_us,
					double *median_us, int *err);
/* (median_us, p99_us, p999_us) of the timer pool; false when empty. */
bool sc_phase_cgroup_stats_timer_summary(const struct sc_phase_cgroup_stats *p, double *median_us,
					 double *p99_us, double *p999_us, int *err);
/* Pooled stddev/mean of the wake pool (sum in integer); false when empty. */
bool sc_phase_cgroup_stats_wake_cv(const struct sc_phase_cgroup_stats *p, double *cv);
/* (mean_us, worst_us) of run_delays_ns, f64 sum; false when empty. */
bool sc_phase_cgroup_stats_run_delay_summary(const struct sc_phase_cgroup_stats *p, double *mean_us,
					     double *worst_us);
/* Derived per-cgroup metric; false when absent. */
bool sc_phase_cgroup_stats_get(const struct sc_phase_cgroup_stats *p, const char *metric,
			       double *out);
/*
 * Like get, but absence is an error: -ENOENT with a diagnostic in `err`
 * naming the metric, num_workers, stripped and the keys present.
 */
int sc_phase_cgroup_stats_expect_metric(const struct sc_phase_cgroup_stats *p, const char *metric,
					double *out, char *err, size_t errlen);
/* total_migrations / total_iterations / total_cpu_time_ns by name; false otherwise. */
bool sc_phase_cgroup_stats_counter(const struct sc_phase_cgroup_stats *p, const char *name,
				   double *out);

/* ------------------------------------------------------------------------ */
/* Phase and PhaseBucket                                                     */
/* ------------------------------------------------------------------------ */

/* 1-indexed step encoding: BASELINE = 0, Step[k] = k + 1 (saturating). */
typedef struct {
	uint16_t raw;
} sc_phase;

#define SC_PHASE_BASELINE ((sc_phase){ 0 })

static inline sc_phase sc_phase_step(uint16_t zero_indexed)
{
	sc_phase p = { (uint16_t)(zero_indexed == UINT16_MAX ? UINT16_MAX : zero_indexed + 1) };
	return p;
}

static inline bool sc_phase_is_baseline(sc_phase p)
{
	return p.raw == 0;
}

/* Writes "BASELINE" or "Step[k]"; returns snprintf's length. */
int sc_phase_format(sc_phase p, char *buf, size_t len);

struct sc_cgroup_carrier {
	char *name;
	struct sc_phase_cgroup_stats stats;
};

/* Carriers keyed by cgroup name, sorted (a BTreeMap). */
struct sc_carrier_map {
	struct sc_cgroup_carrier *e;
	size_t len;
	size_t cap;
};

/* Finds the carrier for `name` or NULL. */
struct sc_phase_cgroup_stats *sc_carrier_map_find(const struct sc_carrier_map *m, const char *name);
/*
 * Inserts `stats` (moved in; the caller's struct is re-initialised) under
 * `name`, merging with an existing carrier of that name.
 */
int sc_carrier_map_put(struct sc_carrier_map *m, const char *name,
		       struct sc_phase_cgroup_stats *stats);
void sc_carrier_map_release(struct sc_carrier_map *m);

struct sc_phase_bucket {
	uint16_t step_index; /* 0 = BASELINE, k+1 = Step[k] */
	char *label;	     /* "BASELINE" / "Step[k]" */
	uint64_t start_ms;   /* UINT64_MAX with end_ms 0: merge-neutral guest window */
	uint64_t end_ms;
	uint64_t sample_count;
	struct sc_metric_map metrics;
	struct sc_carrier_map per_cgroup;
};

/* Initialises an empty bucket for `step_index` with its label. */
int sc_phase_bucket_init(struct sc_phase_bucket *b, uint16_t step_index);
void sc_phase_bucket_release(struct sc_phase_bucket *b);
int sc_phase_bucket_copy(struct sc_phase_bucket *dst, const struct sc_phase_bucket *src);

bool sc_phase_bucket_get(const struct sc_phase_bucket *b, const char *metric, double *out);
/* -ENOENT with a diagnostic (step_index, label, sample_count, keys present). */
int sc_phase_bucket_expect_metric(const struct sc_phase_bucket *b, const char *metric, double *out,
				  char *err, size_t errlen);
/*
 * Cross-cgroup saturating sum of a carrier-only counter (total_migrations,
 * total_iterations, total_cpu_time_ns). false when `name` is not one of
 * them or there are no carriers (not measured, unlike a measured 0).
 */
bool sc_phase_bucket_cgroup_counter_total(const struct sc_phase_bucket *b, const char *name,
					  double *out);

/*
 * a = merge(a, b) for two buckets of the same step_index (-EINVAL otherwise):
 * window min/max, sample counts added, metrics merged per MetricKind with
 * derived kinds skipped and Rates re-derived, carriers unioned by name. `b`
 * is consumed on success. On -ENOMEM nothing is lost: carriers already
 * folded are in a, the rest remain in b; both stay releasable.
 */
int sc_merge_matched_phase_buckets(struct sc_phase_bucket *a, struct sc_phase_bucket *b);

/*
 * Folds guest carrier buckets into host buckets by step_index. Host buckets
 * with a duplicate step_index are merged, not dropped; a guest bucket with no
 * host match is kept as an orphan with its window normalised to (0, 0). Guest
 * buckets must carry the merge-neutral (UINT64_MAX, 0) window (-EINVAL
 * otherwise; inputs untouched). On success *out (malloc'ed) holds the
 * buckets sorted by step_index; past validation both inputs are consumed,
 * on success and on -ENOMEM alike.
 */
int sc_fold_guest_per_cgroup_into_host_buckets(struct sc_phase_bucket *host, size_t n_host,
					       struct sc_phase_bucket *guest, size_t n_guest,
					       struct sc_phase_bucket **out, size_t *n_out);

/*
 * (Re)derives the per-cgroup PerPhase metrics of every carrier in `b` from
 * its raw components (wake p99/median/cv, run delay mean/max, off-CPU
 * avg/min/max/spread, migration ratio, iterations per worker and per CPU
 * second, page locality, cross-node ratio) and the pooled-across-cgroups
 * values into b->metrics. Absent inputs leave keys absent.
 */
int sc_derive_phase_metrics(struct sc_phase_bucket *b);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_STATS_H */
