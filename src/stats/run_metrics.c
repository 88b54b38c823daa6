// SPDX-License-Identifier: MIT
/*
 * The run-level re-pool: the registry's derived run-level kinds
 * (Distribution, WorstLowest, WakeLatencyTailRatio, WorstCrossNodeRatio)
 * recomputed from pooled raw components into ScenarioStats.ext_metrics,
 * after a run and again after every merge. Never averaged from ready-made
 * per-phase reductions.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/metrics.h>
#include <schedcheck/verdict.h>

struct wsample {
	uint64_t v;
	double w;
};

static int cmp_wsample(const void *a, const void *b)
{
	uint64_t x = ((const struct wsample *)a)->v, y = ((const struct wsample *)b)->v;

	return (x > y) - (x < y);
}

/* The pooled, weighted samples of one source across every phase carrier. */
struct pool {
	struct wsample *s;
	size_t n, cap;
	double total_w;
};

static int pool_add(struct pool *p, const uint64_t *v, size_t n, double w)
{
	size_t i;

	if (p->n + n > p->cap) {
		size_t ncap = p->cap ? p->cap : 1024;
		void *q;

		while (ncap < p->n + n)
			ncap *= 2;
		q = realloc(p->s, ncap * sizeof(*p->s));
		if (!q)
			return -ENOMEM;
		p->s = q;
		p->cap = ncap;
	}
	for (i = 0; i < n; i++) {
		p->s[p->n].v = v[i];
		p->s[p->n].w = w;
		p->n++;
	}
	p->total_w += w * (double)n;
	return 0;
}

/*
 * Weighted nearest rank: the first value (ascending) whose cumulative weight
 * reaches p * W. With every weight 1 this is exactly the element at
 * ceil(n * p) - 1, the unweighted rule, so below the reservoir cap the run
 * figures equal the concatenated ones value for value.
 */
static uint64_t weighted_rank(const struct pool *p, double q)
{
	double target = q * p->total_w, cum = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		cum += p->s[i].w;
		if (cum >= target)
			return p->s[i].v;
	}
	return p->s[p->n - 1].v;
}

static double reduce(const struct pool *p, enum sc_reduction red)
{
	double mean = 0, var = 0;
	size_t i;

	switch (red) {
	case SC_REDUCE_P50:
		return (double)weighted_rank(p, 0.5);
	case SC_REDUCE_P99:
		return (double)weighted_rank(p, 0.99);
	case SC_REDUCE_P999:
		return (double)weighted_rank(p, 0.999);
	case SC_REDUCE_MAX:
		return (double)p->s[p->n - 1].v;
	case SC_REDUCE_MEAN:
	case SC_REDUCE_CV:
		for (i = 0; i < p->n; i++)
			mean += (double)p->s[i].v * p->s[i].w;
		mean /= p->total_w;
		if (red == SC_REDUCE_MEAN)
			return mean;
		if (!(mean > 0))
			return 0.0;
		for (i = 0; i < p->n; i++) {
			double d = (double)p->s[i].v - mean;

			var += d * d * p->s[i].w;
		}
		return sqrt(var / p->total_w) / mean;
	default:
		return NAN;
	}
}

/* Pools one source from the carriers: wake/timer weighted by true population. */
static int pool_source(const struct sc_scenario_stats *s, enum sc_sample_source src, struct pool *p)
{
	size_t i, k;
	int r;

	for (i = 0; i < s->n_phases; i++) {
		for (k = 0; k < s->phases[i].per_cgroup.len; k++) {
			const struct sc_phase_cgroup_stats *c = &s->phases[i].per_cgroup.e[k].stats;
			const struct sc_u64_vec *v;
			uint64_t total;
			double w;

			if (src == SC_SOURCE_WAKE_LATENCY_NS) {
				v = &c->wake_latencies_ns;
				total = c->wake_sample_total;
			} else if (src == SC_SOURCE_TIMER_LATENCY_NS) {
				v = &c->timer_latencies_ns;
				total = c->timer_sample_total;
			} else {
				v = &c->run_delays_ns;
				total = v->len;
			}
			if (!v->len)
				continue;
			/* Each kept sample stands for total / len of the population (>= 1). */
			w = total > v->len ? (double)total / (double)v->len : 1.0;
			r = pool_add(p, v->v, v->len, w);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Without carriers: the mean of the per-cgroup values of cgroups that measured. */
static bool fallback(const struct sc_scenario_stats *s, const struct sc_metric_def *d, double *out)
{
	double sum = 0;
	size_t i, n = 0;

	for (i = 0; i < s->n_cgroups; i++) {
		const struct sc_cgroup_stats *cs = &s->cgroups[i];
		double v;

		if (!sc_cgroup_stats_measured_for(cs, d->kind.u.dist.source))
			continue;
		switch (d->kind.u.dist.source) {
		case SC_SOURCE_WAKE_LATENCY_NS:
			v = d->kind.u.dist.reduction == SC_REDUCE_P99  ? cs->p99_wake_latency_us
			    : d->kind.u.dist.reduction == SC_REDUCE_CV ? cs->wake_latency_cv
								       : cs->median_wake_latency_us;
			break;
		case SC_SOURCE_TIMER_LATENCY_NS:
			v = d->kind.u.dist.reduction == SC_REDUCE_P99	 ? cs->p99_timer_latency_us
			    : d->kind.u.dist.reduction == SC_REDUCE_P999 ? cs->p999_timer_latency_us
			    : d->kind.u.dist.reduction == SC_REDUCE_MAX
				    ? cs->worst_timer_latency_us
				    : cs->median_timer_latency_us;
			break;
		default:
			v = d->kind.u.dist.reduction == SC_REDUCE_MAX ? cs->worst_run_delay_us
								      : cs->mean_run_delay_us;
		}
		sum += v;
		n++;
	}
	if (!n)
		return false;
	*out = sum / (double)n;
	return true;
}

static int put(struct sc_metric_map *m, const char *name, bool have, double v)
{
	if (!have) {
		sc_metric_map_remove(m, name);
		return 0;
	}
	return sc_metric_map_set(m, name, v);
}

int sc_populate_run_metrics(struct sc_scenario_stats *s)
{
	struct pool pools[SC_SAMPLE_SOURCE_MAX];
	size_t i, k;
	int r = 0;

	memset(pools, 0, sizeof(pools));
	for (i = 0; i < SC_SAMPLE_SOURCE_MAX; i++) {
		r = pool_source(s, (enum sc_sample_source)i, &pools[i]);
		if (r < 0)
			goto out;
		if (pools[i].n)
			qsort(pools[i].s, pools[i].n, sizeof(*pools[i].s), cmp_wsample);
	}
	for (i = 0; i < sc_metric_count() && !r; i++) {
		const struct sc_metric_def *d = sc_metric_at(i);
		double v = 0, best;
		bool have = false;

		switch (d->kind.tag) {
		case SC_KIND_DISTRIBUTION: {
			const struct pool *p = &pools[d->kind.u.dist.source];

			if (p->n) {
				v = reduce(p, d->kind.u.dist.reduction);
				/* ns -> us, except the unitless CV. */
				if (d->kind.u.dist.reduction != SC_REDUCE_CV)
					v /= 1000.0;
				have = true;
			} else {
				have = fallback(s, d, &v);
			}
			break;
		}
		case SC_KIND_WORST_LOWEST:
			/* Lowest wins; a measured zero is the worst reading, absence is skipped. */
			for (k = 0; k < s->n_cgroups; k++) {
				bool got = d->kind.u.lowest == SC_LOWEST_ITERATIONS_PER_WORKER
						   ? sc_cgroup_stats_iterations_per_worker(
							     &s->cgroups[k], &best)
						   : sc_cgroup_stats_iterations_per_cpu_sec(
							     &s->cgroups[k], &best);

				if (got && (!have || best < v)) {
					v = best;
					have = true;
				}
			}
			break;
		case SC_KIND_WAKE_LATENCY_TAIL_RATIO:
			for (k = 0; k < s->n_cgroups; k++) {
				if (!s->cgroups[k].wake_measured)
					continue;
				best = sc_cgroup_stats_wake_latency_tail_ratio(&s->cgroups[k]);
				if (!have || best > v) {
					v = best;
					have = true;
				}
			}
			break;
		case SC_KIND_WORST_CROSS_NODE_RATIO:
			for (k = 0; k < s->n_cgroups; k++) {
				if (!s->cgroups[k].num_workers)
					continue;
				if (!have || s->cgroups[k].cross_node_migration_ratio > v) {
					v = s->cgroups[k].cross_node_migration_ratio;
					have = true;
				}
			}
			break;
		default:
			continue;
		}
		r = put(&s->ext_metrics, d->name, have, v);
	}
out:
	for (i = 0; i < SC_SAMPLE_SOURCE_MAX; i++)
		free(pools[i].s);
	return r;
}
