/* SPDX-License-Identifier: MIT */
/*
 * The schbench per-phase carrier (PhaseCgroupStats::schbench): log-linear
 * latency histograms for wakeup and request latency, the loop count, the
 * run-delay raw pairs and the window, with an associative merge. Pure data.
 */
#ifndef SCHEDCHECK_SCHBENCH_H
#define SCHEDCHECK_SCHBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A log-linear histogram of u64 values (nanoseconds), schbench's `plat`
 * layout with 7 sub-bucket bits:
 *  - values below SC_LAT_HIST_EXACT (256) have one bucket each (exact);
 *  - above, each power of two [2^k, 2^(k+1)) is cut into SC_LAT_HIST_SUB
 *    (128) equal buckets, so a bucket is at most 1/128 of its lower bound
 *    wide; the whole u64 range fits in SC_LAT_HIST_BUCKETS buckets.
 * A value reported for a bucket is its midpoint, within 1/256 (relative) of
 * every value the bucket holds; exact below 256.
 */
#define SC_LAT_HIST_SUB_BITS 7u
#define SC_LAT_HIST_SUB (1u << SC_LAT_HIST_SUB_BITS)
#define SC_LAT_HIST_EXACT (2u * SC_LAT_HIST_SUB)
#define SC_LAT_HIST_BUCKETS (SC_LAT_HIST_SUB * (65u - SC_LAT_HIST_SUB_BITS)) /* 7424 */

struct sc_lat_hist {
	uint64_t count; /* sum of the buckets, saturating */
	uint64_t buckets[SC_LAT_HIST_BUCKETS];
};

/* The bucket holding `v`: always < SC_LAT_HIST_BUCKETS. */
size_t sc_lat_hist_index(uint64_t v);
/* Smallest and largest value of bucket `idx` (< SC_LAT_HIST_BUCKETS). */
uint64_t sc_lat_hist_bucket_low(size_t idx);
uint64_t sc_lat_hist_bucket_high(size_t idx);
/* The value reported for bucket `idx`: its midpoint (rounded down). */
uint64_t sc_lat_hist_bucket_value(size_t idx);

/* Counts one value (saturating). */
void sc_lat_hist_add(struct sc_lat_hist *h, uint64_t v);
/* Adds `n` to bucket `idx` (saturating; -ERANGE for a bad index). */
int sc_lat_hist_add_bucket(struct sc_lat_hist *h, size_t idx, uint64_t n);
/* a += b, bucket by bucket, saturating: associative and commutative. */
void sc_lat_hist_merge(struct sc_lat_hist *a, const struct sc_lat_hist *b);

/*
 * Nearest-rank percentile (the rank sc_percentile_rank() uses for the same
 * count and p): the value of the bucket holding that sample. Equal to the
 * exact nearest-rank percentile of the values counted below 256 and within
 * 1/256 of it above. false when the histogram is empty or p is not in
 * [0, 1] (not measured).
 */
bool sc_lat_hist_percentile(const struct sc_lat_hist *h, double p, uint64_t *out);
/* The value of the highest non-empty bucket; false when empty. */
bool sc_lat_hist_max(const struct sc_lat_hist *h, uint64_t *out);

/*
 * The per-phase schbench carrier of one cgroup (or one worker). Fold rule:
 * histograms bucket-add, counters and raw pairs integer-add (saturating),
 * `wall_ns` takes the MAX (the workers of a phase run side by side over the
 * same window, so their windows overlap rather than add up).
 */
struct sc_schbench_stats {
	struct sc_lat_hist wakeup;  /* ns: message thread's wake stamp -> worker running */
	struct sc_lat_hist request; /* ns: request enqueued -> request completed */
	uint64_t loop_count;	    /* message-thread rounds (all workers answered) */
	uint64_t wall_ns;	    /* the window the counts cover (rps denominator) */
	uint64_t msg_run_delay_ns;  /* sum of message threads' schedstat run delay */
	uint64_t msg_pcount;	    /* sum of their schedstat run counts */
	uint64_t worker_run_delay_ns;
	uint64_t worker_pcount;
};

/* Zeroes *s (allocates nothing). */
void sc_schbench_stats_init(struct sc_schbench_stats *s);
/* Nothing inside is owned: same as init. NULL is fine. */
void sc_schbench_stats_release(struct sc_schbench_stats *s);
/* Frees a heap carrier (from _new / _dup). NULL is fine. */
void sc_schbench_stats_free(struct sc_schbench_stats *s);
/* A zeroed heap carrier in *out. -ENOMEM. */
int sc_schbench_stats_new(struct sc_schbench_stats **out);
/* A heap copy of `src` in *out. -ENOMEM. */
int sc_schbench_stats_dup(const struct sc_schbench_stats *src, struct sc_schbench_stats **out);
/* a = merge(a, b); cannot fail (no allocation). */
void sc_schbench_stats_merge(struct sc_schbench_stats *a, const struct sc_schbench_stats *b);
/* Field-for-field equality (tests, round trips). */
bool sc_schbench_stats_equal(const struct sc_schbench_stats *a, const struct sc_schbench_stats *b);

/* Requests completed: the request histogram's count. */
uint64_t sc_schbench_stats_requests(const struct sc_schbench_stats *s);
/* Requests per second over wall_ns; false when wall_ns is 0. */
bool sc_schbench_stats_rps(const struct sc_schbench_stats *s, double *out);
/* Sample-weighted mean run delay per schedule (us); false when pcount is 0. */
bool sc_schbench_stats_msg_run_delay_us(const struct sc_schbench_stats *s, double *out);
bool sc_schbench_stats_worker_run_delay_us(const struct sc_schbench_stats *s, double *out);

/*
 * Sets the schbench metrics of `s` in `m` (registered in src/stats/metrics.c):
 * schbench_{wakeup,request}_{p50,p90,p99,p999}_us, schbench_rps,
 * schbench_loop_count, schbench_{msg,worker}_run_delay_us. A metric whose
 * input is empty (no samples, no window, no schedules) is removed, never
 * written as 0. -ENOMEM.
 */
int sc_schbench_stats_derive(const struct sc_schbench_stats *s, struct sc_metric_map *m);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_SCHBENCH_H */
