// SPDX-License-Identifier: MIT
/*
 * PhaseCgroupStats: per-phase per-cgroup raw components, their merge by
 * component class, and the display summaries re-pooled from them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/stats.h>

void sc_phase_cgroup_stats_init(struct sc_phase_cgroup_stats *p)
{
	memset(p, 0, sizeof(*p));
}

void sc_phase_cgroup_stats_release(struct sc_phase_cgroup_stats *p)
{
	if (!p)
		return;
	sc_cpu_set_release(&p->cpus_used);
	sc_u64_vec_release(&p->wake_latencies_ns);
	sc_u64_vec_release(&p->timer_latencies_ns);
	sc_u64_vec_release(&p->run_delays_ns);
	sc_f64_vec_release(&p->off_cpu_pcts);
	sc_metric_map_release(&p->metrics);
	sc_schbench_stats_free(p->schbench);
	sc_phase_cgroup_stats_init(p);
}

int sc_phase_cgroup_stats_copy(struct sc_phase_cgroup_stats *dst,
			       const struct sc_phase_cgroup_stats *src)
{
	struct sc_phase_cgroup_stats t = *src;
	int r;

	memset(&t.cpus_used, 0, sizeof(t.cpus_used));
	memset(&t.wake_latencies_ns, 0, sizeof(t.wake_latencies_ns));
	memset(&t.timer_latencies_ns, 0, sizeof(t.timer_latencies_ns));
	memset(&t.run_delays_ns, 0, sizeof(t.run_delays_ns));
	memset(&t.off_cpu_pcts, 0, sizeof(t.off_cpu_pcts));
	memset(&t.metrics, 0, sizeof(t.metrics));
	t.schbench = NULL;
	if ((r = sc_cpu_set_copy(&t.cpus_used, &src->cpus_used)) < 0 ||
	    (r = sc_u64_vec_copy(&t.wake_latencies_ns, &src->wake_latencies_ns)) < 0 ||
	    (r = sc_u64_vec_copy(&t.timer_latencies_ns, &src->timer_latencies_ns)) < 0 ||
	    (r = sc_u64_vec_copy(&t.run_delays_ns, &src->run_delays_ns)) < 0 ||
	    (r = sc_f64_vec_copy(&t.off_cpu_pcts, &src->off_cpu_pcts)) < 0 ||
	    (r = sc_metric_map_copy(&t.metrics, &src->metrics)) < 0 ||
	    (src->schbench && (r = sc_schbench_stats_dup(src->schbench, &t.schbench)) < 0)) {
		sc_phase_cgroup_stats_release(&t);
		return r;
	}
	*dst = t;
	return 0;
}

/*
 * Prepares the merged reservoir of one sample class: <= cap, the
 * concatenation (room reserved in `a`, appended at commit); > cap, a fresh
 * population-weighted merge in *fresh.
 */
static int prepare_pool(struct sc_u64_vec *a, uint64_t wa, const struct sc_u64_vec *b, uint64_t wb,
			struct sc_u64_vec *fresh, bool *weighted)
{
	*weighted = a->len + b->len > SC_MAX_WAKE_SAMPLES;
	if (!*weighted)
		return sc_u64_vec_reserve(a, b->len);
	return sc_weighted_merge_reservoirs(a->v, a->len, wa, b->v, b->len, wb, SC_MAX_WAKE_SAMPLES,
					    fresh);
}

static void commit_pool(struct sc_u64_vec *a, struct sc_u64_vec *b, struct sc_u64_vec *fresh,
			bool weighted)
{
	if (weighted) {
		sc_u64_vec_move(a, fresh);
	} else if (b->len) {
		memcpy(a->v + a->len, b->v, b->len * sizeof(*b->v));
		a->len += b->len;
	}
}

int sc_phase_cgroup_stats_merge(struct sc_phase_cgroup_stats *a, struct sc_phase_cgroup_stats *b)
{
	struct sc_u64_vec wake = { 0 }, timer = { 0 };
	bool wake_w, timer_w;
	int r;

	/* Every allocation first; nothing observable changes until commit. */
	r = prepare_pool(&a->wake_latencies_ns, a->wake_sample_total, &b->wake_latencies_ns,
			 b->wake_sample_total, &wake, &wake_w);
	if (r < 0)
		goto fail;
	r = prepare_pool(&a->timer_latencies_ns, a->timer_sample_total, &b->timer_latencies_ns,
			 b->timer_sample_total, &timer, &timer_w);
	if (r < 0)
		goto fail;
	r = sc_u64_vec_reserve(&a->run_delays_ns, b->run_delays_ns.len);
	if (r < 0)
		goto fail;
	r = sc_f64_vec_reserve(&a->off_cpu_pcts, b->off_cpu_pcts.len);
	if (r < 0)
		goto fail;
	r = sc_cpu_set_union(&a->cpus_used, &b->cpus_used); /* atomic on failure */
	if (r < 0)
		goto fail;

	commit_pool(&a->wake_latencies_ns, &b->wake_latencies_ns, &wake, wake_w);
	commit_pool(&a->timer_latencies_ns, &b->timer_latencies_ns, &timer, timer_w);
	sc_u64_vec_append(&a->run_delays_ns, b->run_delays_ns.v, b->run_delays_ns.len);
	sc_f64_vec_append(&a->off_cpu_pcts, b->off_cpu_pcts.v, b->off_cpu_pcts.len);
	/* Coupled argmax: b's pair on a tie (max_by_key is last-wins). */
	if (b->max_gap_ms >= a->max_gap_ms) {
		a->max_gap_ms = b->max_gap_ms;
		a->max_gap_cpu = b->max_gap_cpu;
	}
	a->num_workers = sc_sat_add_u64(a->num_workers, b->num_workers);
	a->wake_sample_total = sc_sat_add_u64(a->wake_sample_total, b->wake_sample_total);
	a->timer_sample_total = sc_sat_add_u64(a->timer_sample_total, b->timer_sample_total);
	a->total_migrations = sc_sat_add_u64(a->total_migrations, b->total_migrations);
	a->total_iterations = sc_sat_add_u64(a->total_iterations, b->total_iterations);
	a->total_cpu_time_ns = sc_sat_add_u64(a->total_cpu_time_ns, b->total_cpu_time_ns);
	a->numa_pages_local = sc_sat_add_u64(a->numa_pages_local, b->numa_pages_local);
	a->numa_pages_total = sc_sat_add_u64(a->numa_pages_total, b->numa_pages_total);
	if (b->cross_node_migrated > a->cross_node_migrated)
		a->cross_node_migrated = b->cross_node_migrated;
	a->stripped = a->stripped || b->stripped;
	/*
	 * schbench, OR-with-combine: both -> bucket-add + integer-add (cannot
	 * fail, so the all-or-nothing guarantee above holds); only b -> b's
	 * moves over; only a or neither -> as is.
	 */
	if (a->schbench && b->schbench) {
		sc_schbench_stats_merge(a->schbench, b->schbench);
	} else if (b->schbench) {
		a->schbench = b->schbench;
		b->schbench = NULL;
	}
	/* Derived: re-derived after the merge, never folded. */
	sc_metric_map_release(&a->metrics);
	sc_phase_cgroup_stats_release(b);
	return 0;
fail:
	sc_u64_vec_release(&wake);
	sc_u64_vec_release(&timer);
	return r;
}

int sc_phase_cgroup_stats_from_reports(const struct sc_worker_report *reports, size_t n,
				       struct sc_phase_cgroup_stats *out)
{
	struct sc_phase_cgroup_stats acc, one;
	size_t i;
	int r = 0;

	sc_phase_cgroup_stats_init(&acc);
	for (i = 0; i < n; i++) {
		const struct sc_worker_report *w = &reports[i];

		sc_phase_cgroup_stats_init(&one);
		one.num_workers = 1;
		one.wake_sample_total = w->wake_sample_total;
		one.timer_sample_total = w->timer_sample_total;
		one.total_migrations = w->migrations;
		one.total_iterations = w->iterations;
		one.total_cpu_time_ns = w->schedstat_cpu_time_ns;
		one.numa_pages_local = w->numa_pages_local;
		one.numa_pages_total = w->numa_pages_total;
		one.cross_node_migrated = w->numa_pages_migrated;
		one.max_gap_ms = w->max_gap_ms;
		one.max_gap_cpu = w->max_gap_cpu;
		if ((r = sc_cpu_set_copy(&one.cpus_used, &w->cpus_used)) < 0 ||
		    (r = sc_u64_vec_copy(&one.wake_latencies_ns, &w->wake_latencies_ns)) < 0 ||
		    (r = sc_u64_vec_copy(&one.timer_latencies_ns, &w->timer_latencies_ns)) < 0 ||
		    (r = sc_u64_vec_push(&one.run_delays_ns, w->schedstat_run_delay_ns)) < 0 ||
		    (w->schbench && (r = sc_schbench_stats_dup(w->schbench, &one.schbench)) < 0))
			goto fail;
		if (w->wall_time_ns > 0) {
			r = sc_f64_vec_push(&one.off_cpu_pcts, (double)w->off_cpu_ns /
								       (double)w->wall_time_ns *
								       100.0);
			if (r < 0)
				goto fail;
		}
		/* Fold in report order so ties resolve as in the whole-run reduce. */
		if (i == 0) {
			acc = one;
		} else {
			r = sc_phase_cgroup_stats_merge(&acc, &one);
			if (r < 0)
				goto fail;
		}
	}
	*out = acc;
	return 0;
fail:
	sc_phase_cgroup_stats_release(&one);
	sc_phase_cgroup_stats_release(&acc);
	return r;
}

bool sc_phase_cgroup_stats_off_cpu_summary(const struct sc_phase_cgroup_stats *p, double *avg,
					   double *min, double *max, double *spread)
{
	const struct sc_f64_vec *v = &p->off_cpu_pcts;
	double sum = -0.0, lo, hi;
	size_t i;

	if (!v->len)
		return false;
	lo = hi = v->v[0];
	for (i = 0; i < v->len; i++) {
		sum += v->v[i];
		if (i) {
			lo = fmin(lo, v->v[i]);
			hi = fmax(hi, v->v[i]);
		}
	}
	*avg = sum / (double)v->len;
	*min = lo;
	*max = hi;
	*spread = hi - lo;
	return true;
}

/* Nearest-rank percentiles of a pool, in microseconds, on a scratch copy. */
static bool pool_percentiles_us(const struct sc_u64_vec *pool, const double *ps, size_t np,
				double *out, int *err)
{
	uint64_t q[4];
	uint64_t *scratch;
	size_t i;
	int r;

	if (!pool->len)
		return false;
	scratch = malloc(pool->len * sizeof(*scratch));
	if (!scratch) {
		if (err)
			*err = -ENOMEM;
		return false;
	}
	memcpy(scratch, pool->v, pool->len * sizeof(*scratch));
	r = sc_percentiles_select(scratch, pool->len, ps, np, q);
	free(scratch);
	if (r < 0) {
		if (err)
			*err = r;
		return false;
	}
	for (i = 0; i < np; i++)
		out[i] = (double)q[i] / 1000.0;
	return true;
}

bool sc_phase_cgroup_stats_wake_summary(const struct sc_phase_cgroup_stats *p, double *p99_us,
					double *median_us, int *err)
{
	static const double ps[] = { 0.99, 0.5 };
	double o[2];

	if (!pool_percentiles_us(&p->wake_latencies_ns, ps, 2, o, err))
		return false;
	*p99_us = o[0];
	*median_us = o[1];
	return true;
}

bool sc_phase_cgroup_stats_timer_summary(const struct sc_phase_cgroup_stats *p, double *median_us,
					 double *p99_us, double *p999_us, int *err)
{
	static const double ps[] = { 0.5, 0.99, 0.999 };
	double o[3];

	if (!pool_percentiles_us(&p->timer_latencies_ns, ps, 3, o, err))
		return false;
	*median_us = o[0];
	*p99_us = o[1];
	*p999_us = o[2];
	return true;
}

bool sc_phase_cgroup_stats_wake_cv(const struct sc_phase_cgroup_stats *p, double *cv)
{
	const struct sc_u64_vec *v = &p->wake_latencies_ns;
	unsigned __int128 sum = 0;
	double mean, var = -0.0;
	size_t i;

	if (!v->len)
		return false;
	for (i = 0; i < v->len; i++)
		sum += v->v[i];
	mean = (double)sum / (double)v->len;
	if (!(mean > 0.0)) {
		*cv = 0.0;
		return true;
	}
	for (i = 0; i < v->len; i++) {
		double d = (double)v->v[i] - mean;

		var += d * d;
	}
	var /= (double)v->len;
	*cv = sqrt(var) / mean;
	return true;
}

bool sc_phase_cgroup_stats_run_delay_summary(const struct sc_phase_cgroup_stats *p, double *mean_us,
					     double *worst_us)
{
	const struct sc_u64_vec *v = &p->run_delays_ns;
	double sum = -0.0;
	size_t i;

	if (!v->len)
		return false;
	for (i = 0; i < v->len; i++)
		sum += (double)v->v[i];
	*mean_us = sum / (double)v->len / 1000.0;
	*worst_us = (double)sc_max_u64(v->v, v->len) / 1000.0;
	return true;
}

bool sc_phase_cgroup_stats_get(const struct sc_phase_cgroup_stats *p, const char *metric,
			       double *out)
{
	return sc_metric_map_get(&p->metrics, metric, out);
}

/* Appends "k1, k2, ..." of a metric map to buf at *pos, bounded. */
static void list_keys(const struct sc_metric_map *m, char *buf, size_t len, int *pos)
{
	size_t i;

	for (i = 0; i < m->len && *pos >= 0 && (size_t)*pos < len; i++)
		*pos += snprintf(buf + *pos, len - *pos, "%s%s", i ? ", " : "", m->e[i].name);
}

int sc_phase_cgroup_stats_expect_metric(const struct sc_phase_cgroup_stats *p, const char *metric,
					double *out, char *err, size_t errlen)
{
	int pos;

	if (sc_metric_map_get(&p->metrics, metric, out))
		return 0;
	if (err && errlen) {
		pos = snprintf(err, errlen,
			       "metric '%s' absent from this per-cgroup carrier (num_workers=%llu, "
			       "stripped=%s); keys present: [",
			       metric, (unsigned long long)p->num_workers,
			       p->stripped ? "true" : "false");
		list_keys(&p->metrics, err, errlen, &pos);
		if (pos >= 0 && (size_t)pos < errlen)
			snprintf(err + pos, errlen - pos,
				 "]. Causes: (a) the cgroup produced no finite samples for it; "
				 "(b) a metric name typo (see `schedcheck metrics`)");
	}
	return -ENOENT;
}

bool sc_phase_cgroup_stats_counter(const struct sc_phase_cgroup_stats *p, const char *name,
				   double *out)
{
	if (!strcmp(name, "total_migrations"))
		*out = (double)p->total_migrations;
	else if (!strcmp(name, "total_iterations"))
		*out = (double)p->total_iterations;
	else if (!strcmp(name, "total_cpu_time_ns"))
		*out = (double)p->total_cpu_time_ns;
	else
		return false;
	return true;
}
