/* SPDX-License-Identifier: MIT */
/*
 * The metric registry: every metric schedcheck records or derives, with its
 * MetricKind (which decides how per-phase values reduce and merge), polarity,
 * default thresholds and unit. Pure data and pure functions.
 */
#ifndef SCHEDCHECK_METRICS_H
#define SCHEDCHECK_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>
#include <schedcheck/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_METRIC_KINDS(X)                                                                         \
	X(COUNTER, "counter")			      /* cumulative; phase value = last - first */ \
	X(DELTA_SUM, "delta_sum")		      /* sum of per-read deltas */                 \
	X(PER_PHASE_DELTA_SUM, "per_phase_delta_sum") /* run-wide pooled per-phase scalar */       \
	X(PEAK, "peak")				      /* max of samples */                         \
	X(GAUGE, "gauge")			      /* avg / max / last of samples */            \
	X(TIMESTAMP, "timestamp")		      /* a point in time (ms); later wins */       \
	X(RATE, "rate")				      /* sum(numerator) / sum(denominator) */      \
	X(DISTRIBUTION, "distribution")		      /* run-level re-pool of a sample source */   \
	X(WORST_LOWEST, "worst_lowest")		      /* lowest per-cgroup efficiency wins */      \
	X(WAKE_LATENCY_TAIL_RATIO, "wake_latency_tail_ratio") /* max per-cgroup p99/median */      \
	X(WORST_CROSS_NODE_RATIO, "worst_cross_node_ratio")                                        \
	X(PER_PHASE, "per_phase")			/* derived per phase from carriers */      \
	X(PER_RUN_DISTRIBUTION, "per_run_distribution") /* one value per run, run-level only */

enum sc_metric_kind_tag {
#define SC_X_(id, name) SC_KIND_##id,
	SC_METRIC_KINDS(SC_X_)
#undef SC_X_
		SC_METRIC_KIND_MAX
};

#define SC_GAUGE_AGGS(X) X(AVG, "avg") X(MAX, "max") X(LAST, "last")

enum sc_gauge_agg {
#define SC_X_(id, name) SC_GAUGE_##id,
	SC_GAUGE_AGGS(SC_X_)
#undef SC_X_
		SC_GAUGE_AGG_MAX
};

#define SC_REDUCTIONS(X) \
	X(P50, "p50") X(P99, "p99") X(P999, "p999") X(MAX, "max") X(MEAN, "mean") X(CV, "cv")

enum sc_reduction {
#define SC_X_(id, name) SC_REDUCE_##id,
	SC_REDUCTIONS(SC_X_)
#undef SC_X_
		SC_REDUCTION_MAX
};

#define SC_LOWEST_OFS(X)                                  \
	X(ITERATIONS_PER_WORKER, "iterations_per_worker") \
	X(ITERATIONS_PER_CPU_SEC, "iterations_per_cpu_sec")

enum sc_lowest_of {
#define SC_X_(id, name) SC_LOWEST_##id,
	SC_LOWEST_OFS(SC_X_)
#undef SC_X_
		SC_LOWEST_OF_MAX
};

#define SC_POLARITIES(X) \
	X(HIGHER_BETTER, "higher_better") X(LOWER_BETTER, "lower_better") X(NEUTRAL, "neutral")

enum sc_polarity {
#define SC_X_(id, name) SC_POLARITY_##id,
	SC_POLARITIES(SC_X_)
#undef SC_X_
		SC_POLARITY_MAX
};

struct sc_metric_kind {
	enum sc_metric_kind_tag tag;
	union {
		enum sc_gauge_agg gauge; /* GAUGE */
		struct {
			const char *numerator; /* metric names, both registered */
			const char *denominator;
			double scale; /* value = scale * sum(num) / sum(den) */
		} rate;		      /* RATE */
		struct {
			enum sc_sample_source source;
			enum sc_reduction reduction;
		} dist;			  /* DISTRIBUTION */
		enum sc_lowest_of lowest; /* WORST_LOWEST */
	} u;
};

struct sc_metric_def {
	const char *name;
	struct sc_metric_kind kind;
	enum sc_polarity polarity;
	double default_abs; /* absolute regression threshold, in `unit`; 0 = none */
	double default_rel; /* relative threshold as a fraction (0.10 = 10 %); 0 = none */
	const char *unit;
	const char *description;
};

const char *sc_metric_kind_tag_name(enum sc_metric_kind_tag t);
const char *sc_gauge_agg_name(enum sc_gauge_agg g);
const char *sc_reduction_name(enum sc_reduction r);
const char *sc_lowest_of_name(enum sc_lowest_of l);
const char *sc_polarity_name(enum sc_polarity p);

/* Derived kinds are produced after merges, never merged as values. */
bool sc_metric_kind_is_derived(const struct sc_metric_kind *k);

size_t sc_metric_count(void);
const struct sc_metric_def *sc_metric_at(size_t i);
/* NULL when `name` is not registered. */
const struct sc_metric_def *sc_metric_def_lookup(const char *name);

/*
 * Merges two reduced values of one metric from buckets of the same phase.
 * `kind` NULL means unregistered: the mean (a + b) / 2. Counter / DeltaSum /
 * PerPhaseDeltaSum sum, Peak / Gauge(Max) max, Gauge(Avg) the mean weighted
 * by sample counts floored at 1, Gauge(Last) / Timestamp the value of the
 * later end_ms (a on ties). Derived kinds -> -EINVAL (they are re-derived).
 */
int sc_merge_metric_values(const struct sc_metric_kind *kind, double a, double b, uint64_t a_count,
			   uint64_t b_count, uint64_t a_end_ms, uint64_t b_end_ms, double *out);

/*
 * Re-derives every registered Rate present in `m` from its components:
 * scale * numerator / denominator when both are present and the denominator
 * is non-zero; otherwise the Rate key is removed (not measured, not 0).
 */
int sc_derive_rate_metrics(struct sc_metric_map *m);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_METRICS_H */
