// SPDX-License-Identifier: MIT
/*
 * CgroupStats: the whole-run per-cgroup reduction of worker reports, and its
 * derived ratios (computed on read, never stored).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/stats.h>

void sc_cgroup_stats_init(struct sc_cgroup_stats *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void sc_cgroup_stats_release(struct sc_cgroup_stats *cs)
{
	if (!cs)
		return;
	free(cs->cgroup_name);
	sc_cpu_set_release(&cs->cpus_used);
	sc_metric_map_release(&cs->ext_metrics);
	sc_cgroup_stats_init(cs);
}

int sc_cgroup_stats_copy(struct sc_cgroup_stats *dst, const struct sc_cgroup_stats *src)
{
	struct sc_cgroup_stats tmp = *src;
	int r = 0;

	tmp.cgroup_name = NULL;
	memset(&tmp.cpus_used, 0, sizeof(tmp.cpus_used));
	memset(&tmp.ext_metrics, 0, sizeof(tmp.ext_metrics));
	tmp.cgroup_name = sc_strdup_or_null(src->cgroup_name, &r);
	if (r < 0)
		goto fail;
	r = sc_cpu_set_copy(&tmp.cpus_used, &src->cpus_used);
	if (r < 0)
		goto fail;
	r = sc_metric_map_copy(&tmp.ext_metrics, &src->ext_metrics);
	if (r < 0)
		goto fail;
	*dst = tmp;
	return 0;
fail:
	sc_cgroup_stats_release(&tmp);
	return r;
}

/* Sum in 128 bits: equal to the seed's u64 sum wherever that one is defined. */
static double mean_u64(const uint64_t *v, size_t n)
{
	unsigned __int128 sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return (double)sum / (double)n;
}

/* Pooled coefficient of variation, population variance; 0 when mean is 0. */
static double cv_u64(const uint64_t *v, size_t n)
{
	double mean = mean_u64(v, n), var = -0.0;
	size_t i;

	if (!(mean > 0.0))
		return 0.0;
	for (i = 0; i < n; i++) {
		double d = (double)v[i] - mean;

		var += d * d;
	}
	var /= (double)n;
	return sqrt(var) / mean;
}

/*
 * The whole-run schbench summary of a schbench cgroup: every worker's
 * histograms pooled, then the same metrics as the per-phase carriers, in
 * ext_metrics. Nothing for a cgroup without schbench workers.
 */
static int reduce_schbench(const struct sc_worker_report *reports, size_t n,
			   struct sc_metric_map *m)
{
	struct sc_schbench_stats *pool = NULL;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (!reports[i].schbench)
			continue;
		if (!pool) {
			r = sc_schbench_stats_dup(reports[i].schbench, &pool);
			if (r < 0)
				return r;
		} else {
			sc_schbench_stats_merge(pool, reports[i].schbench);
		}
	}
	if (!pool)
		return 0;
	r = sc_schbench_stats_derive(pool, m);
	sc_schbench_stats_free(pool);
	return r;
}

int sc_cgroup_stats_reduce(const struct sc_worker_report *reports, size_t n,
			   struct sc_cgroup_stats *out)
{
	struct sc_cgroup_stats cs;
	struct sc_u64_vec wake = { 0 }, timer = { 0 };
	double pct_sum = -0.0, pct_min = NAN, pct_max = NAN, rd_sum = -0.0, rd_max = 0.0;
	uint64_t pct_n = 0, local = 0, total = 0, migrated = 0;
	size_t i;
	int r = 0;

	sc_cgroup_stats_init(&cs);
	cs.num_workers = n;
	for (i = 0; i < n; i++) {
		const struct sc_worker_report *w = &reports[i];

		r = sc_cpu_set_union(&cs.cpus_used, &w->cpus_used);
		if (r < 0)
			goto fail;
		if (w->wall_time_ns > 0) {
			double pct = (double)w->off_cpu_ns / (double)w->wall_time_ns * 100.0;

			pct_sum += pct;
			pct_min = pct_n ? fmin(pct_min, pct) : pct;
			pct_max = pct_n ? fmax(pct_max, pct) : pct;
			pct_n++;
		}
		/* max_by_key: the last worker with the largest gap wins. */
		if (w->max_gap_ms >= cs.max_gap_ms) {
			cs.max_gap_ms = w->max_gap_ms;
			cs.max_gap_cpu = w->max_gap_cpu;
		}
		cs.total_migrations = sc_sat_add_u64(cs.total_migrations, w->migrations);
		cs.total_iterations = sc_sat_add_u64(cs.total_iterations, w->iterations);
		cs.total_cpu_time_ns =
			sc_sat_add_u64(cs.total_cpu_time_ns, w->schedstat_cpu_time_ns);
		r = sc_u64_vec_append(&wake, w->wake_latencies_ns.v, w->wake_latencies_ns.len);
		if (r < 0)
			goto fail;
		r = sc_u64_vec_append(&timer, w->timer_latencies_ns.v, w->timer_latencies_ns.len);
		if (r < 0)
			goto fail;
		{
			double rd = (double)w->schedstat_run_delay_ns / 1000.0;

			rd_sum += rd;
			if (i == 0 || rd > rd_max)
				rd_max = rd;
		}
		local = sc_sat_add_u64(local, w->numa_pages_local);
		total = sc_sat_add_u64(total, w->numa_pages_total);
		if (w->numa_pages_migrated > migrated)
			migrated = w->numa_pages_migrated;
	}
	cs.num_cpus = cs.cpus_used.len;
	if (pct_n) {
		cs.avg_off_cpu_pct = sc_some_f64(pct_sum / (double)pct_n);
		cs.min_off_cpu_pct = sc_some_f64(pct_min);
		cs.max_off_cpu_pct = sc_some_f64(pct_max);
		cs.spread = sc_some_f64(pct_max - pct_min);
	}
	cs.migration_ratio = cs.total_iterations > 0
				     ? (double)cs.total_migrations / (double)cs.total_iterations
				     : 0.0;
	if (wake.len) {
		static const double ps[] = { 0.99, 0.5 };
		uint64_t q[2];

		cs.wake_latency_cv = cv_u64(wake.v, wake.len);
		r = sc_percentiles_select(wake.v, wake.len, ps, 2, q);
		if (r < 0)
			goto fail;
		cs.p99_wake_latency_us = (double)q[0] / 1000.0;
		cs.median_wake_latency_us = (double)q[1] / 1000.0;
		cs.wake_measured = true;
	}
	if (timer.len) {
		static const double ps[] = { 0.5, 0.99, 0.999 };
		uint64_t q[3];

		cs.worst_timer_latency_us = (double)sc_max_u64(timer.v, timer.len) / 1000.0;
		r = sc_percentiles_select(timer.v, timer.len, ps, 3, q);
		if (r < 0)
			goto fail;
		cs.median_timer_latency_us = (double)q[0] / 1000.0;
		cs.p99_timer_latency_us = (double)q[1] / 1000.0;
		cs.p999_timer_latency_us = (double)q[2] / 1000.0;
		cs.timer_measured = true;
	}
	if (n) {
		cs.mean_run_delay_us = rd_sum / (double)n;
		cs.worst_run_delay_us = rd_max;
		cs.run_delay_measured = true;
	}
	if (total > 0) {
		cs.page_locality = (double)local / (double)total;
		cs.cross_node_migration_ratio = (double)migrated / (double)total;
	}
	r = reduce_schbench(reports, n, &cs.ext_metrics);
	if (r < 0)
		goto fail;
	sc_u64_vec_release(&wake);
	sc_u64_vec_release(&timer);
	*out = cs;
	return 0;
fail:
	sc_u64_vec_release(&wake);
	sc_u64_vec_release(&timer);
	sc_cgroup_stats_release(&cs);
	return r;
}

double sc_cgroup_stats_wake_latency_tail_ratio(const struct sc_cgroup_stats *cs)
{
	if (cs->median_wake_latency_us > 0.0)
		return cs->p99_wake_latency_us / cs->median_wake_latency_us;
	return 0.0;
}

bool sc_iterations_per_worker_of(uint64_t num_workers, uint64_t total_iterations, double *out)
{
	if (!num_workers)
		return false;
	*out = (double)total_iterations / (double)num_workers;
	return true;
}

bool sc_iterations_per_cpu_sec_of(uint64_t num_workers, uint64_t total_cpu_time_ns,
				  uint64_t total_iterations, double *out)
{
	if (!num_workers || !total_cpu_time_ns)
		return false;
	*out = (double)total_iterations / ((double)total_cpu_time_ns / 1e9);
	return true;
}

bool sc_cgroup_stats_iterations_per_worker(const struct sc_cgroup_stats *cs, double *out)
{
	return sc_iterations_per_worker_of(cs->num_workers, cs->total_iterations, out);
}

bool sc_cgroup_stats_iterations_per_cpu_sec(const struct sc_cgroup_stats *cs, double *out)
{
	return sc_iterations_per_cpu_sec_of(cs->num_workers, cs->total_cpu_time_ns,
					    cs->total_iterations, out);
}

bool sc_cgroup_stats_measured_for(const struct sc_cgroup_stats *cs, enum sc_sample_source src)
{
	switch (src) {
	case SC_SOURCE_WAKE_LATENCY_NS:
		return cs->wake_measured;
	case SC_SOURCE_TIMER_LATENCY_NS:
		return cs->timer_measured;
	case SC_SOURCE_RUN_DELAY_NS:
		return cs->run_delay_measured;
	default:
		return false;
	}
}
