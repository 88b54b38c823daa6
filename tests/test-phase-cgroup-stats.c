// SPDX-License-Identifier: MIT
/*
 * PhaseCgroupStats: one test per merge component class, the <= cap concat
 * parity and the > cap weighted path, the summaries, and the parity of the
 * per-phase re-pool with the whole-run CgroupStats reduction.
 */
#include <errno.h>
#include <math.h>

#include "test-helpers.h"

static void carrier(struct sc_phase_cgroup_stats *c, uint64_t workers)
{
	sc_phase_cgroup_stats_init(c);
	c->num_workers = workers;
}

static void test_merge_concat_union_sum_max_or(void **state)
{
	struct sc_phase_cgroup_stats a, b;
	uint64_t wa[] = { 10, 20 }, wb[] = { 30 }, ca[] = { 0, 2 }, cb[] = { 1, 2 };
	uint64_t expect_wake[] = { 10, 20, 30 };

	(void)state;
	carrier(&a, 4);
	carrier(&b, 2);
	th_fill_u64(&a.wake_latencies_ns, wa, 2);
	th_fill_u64(&b.wake_latencies_ns, wb, 1);
	a.wake_sample_total = 2;
	b.wake_sample_total = 1;
	assert_int_equal(sc_u64_vec_push(&a.timer_latencies_ns, 7), 0);
	a.timer_sample_total = 1;
	assert_int_equal(sc_u64_vec_push(&a.run_delays_ns, 100), 0);
	assert_int_equal(sc_u64_vec_push(&b.run_delays_ns, 200), 0);
	assert_int_equal(sc_f64_vec_push(&a.off_cpu_pcts, 1.5), 0);
	assert_int_equal(sc_f64_vec_push(&b.off_cpu_pcts, 2.5), 0);
	th_cpus(&a.cpus_used, ca, 2);
	th_cpus(&b.cpus_used, cb, 2);
	a.total_migrations = 1;
	b.total_migrations = 2;
	a.total_iterations = 10;
	b.total_iterations = 20;
	a.total_cpu_time_ns = 100;
	b.total_cpu_time_ns = 200;
	a.numa_pages_local = 3;
	b.numa_pages_local = 4;
	a.numa_pages_total = 5;
	b.numa_pages_total = 6;
	a.cross_node_migrated = 9;
	b.cross_node_migrated = 4;
	a.max_gap_ms = 50;
	a.max_gap_cpu = 7;
	b.max_gap_ms = 40;
	b.max_gap_cpu = 1;
	b.stripped = true;
	assert_int_equal(sc_metric_map_set(&a.metrics, "wake_p99_us", 1.0), 0);
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);

	/* concat */
	assert_int_equal(a.wake_latencies_ns.len, 3);
	assert_memory_equal(a.wake_latencies_ns.v, expect_wake, sizeof(expect_wake));
	assert_int_equal(a.timer_latencies_ns.len, 1);
	assert_int_equal(a.run_delays_ns.len, 2);
	assert_int_equal(a.run_delays_ns.v[1], 200);
	assert_int_equal(a.off_cpu_pcts.len, 2);
	th_assert_double_equal(a.off_cpu_pcts.v[1], 2.5);
	/* union */
	assert_int_equal(a.cpus_used.len, 3);
	/* sums, num_workers included (disjoint worker subsets) */
	assert_int_equal(a.num_workers, 6);
	assert_int_equal(a.wake_sample_total, 3);
	assert_int_equal(a.timer_sample_total, 1);
	assert_int_equal(a.total_migrations, 3);
	assert_int_equal(a.total_iterations, 30);
	assert_int_equal(a.total_cpu_time_ns, 300);
	assert_int_equal(a.numa_pages_local, 7);
	assert_int_equal(a.numa_pages_total, 11);
	/* max */
	assert_int_equal(a.cross_node_migrated, 9);
	/* coupled argmax: a had the larger gap, its CPU stays with it */
	assert_int_equal(a.max_gap_ms, 50);
	assert_int_equal(a.max_gap_cpu, 7);
	/* OR */
	assert_true(a.stripped);
	/* derived map emptied: re-derived after the merge, never folded */
	assert_int_equal(a.metrics.len, 0);
	/* b consumed */
	assert_int_equal(b.wake_latencies_ns.len, 0);
	sc_phase_cgroup_stats_release(&a);
}

static void test_gap_tie_takes_b(void **state)
{
	struct sc_phase_cgroup_stats a, b;

	(void)state;
	carrier(&a, 1);
	carrier(&b, 1);
	a.max_gap_ms = 30;
	a.max_gap_cpu = 2;
	b.max_gap_ms = 30;
	b.max_gap_cpu = 5;
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);
	assert_int_equal(a.max_gap_ms, 30);
	assert_int_equal(a.max_gap_cpu, 5);
	carrier(&b, 1);
	b.max_gap_ms = 31;
	b.max_gap_cpu = 0;
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);
	assert_int_equal(a.max_gap_cpu, 0);
	sc_phase_cgroup_stats_release(&a);
}

static void test_saturating_counters(void **state)
{
	struct sc_phase_cgroup_stats a, b;

	(void)state;
	carrier(&a, UINT64_MAX);
	carrier(&b, 1);
	a.wake_sample_total = UINT64_MAX;
	b.wake_sample_total = 5;
	a.total_iterations = UINT64_MAX - 1;
	b.total_iterations = 2;
	a.numa_pages_total = UINT64_MAX;
	b.numa_pages_total = UINT64_MAX;
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);
	assert_true(a.num_workers == UINT64_MAX);
	assert_true(a.wake_sample_total == UINT64_MAX);
	assert_true(a.total_iterations == UINT64_MAX);
	assert_true(a.numa_pages_total == UINT64_MAX);
	sc_phase_cgroup_stats_release(&a);
}

/* > cap: the pool is exactly the population-weighted merge of both sides. */
static void test_over_cap_weighted(void **state)
{
	struct sc_phase_cgroup_stats a, b, a2, b2;
	struct sc_u64_vec expect = { 0 };
	const size_t cap = SC_MAX_WAKE_SAMPLES;

	(void)state;
	carrier(&a, 1);
	carrier(&b, 1);
	th_fill_range(&a.wake_latencies_ns, 0, cap);
	th_fill_range(&b.wake_latencies_ns, 1000000, 1000000 + 10);
	a.wake_sample_total = 300000;
	b.wake_sample_total = 10;
	th_fill_range(&a.timer_latencies_ns, 0, 60000);
	th_fill_range(&b.timer_latencies_ns, 0, 50000);
	a.timer_sample_total = 60000;
	b.timer_sample_total = 50000;
	assert_int_equal(sc_phase_cgroup_stats_copy(&a2, &a), 0);
	assert_int_equal(sc_phase_cgroup_stats_copy(&b2, &b), 0);
	assert_int_equal(sc_weighted_merge_reservoirs(a.wake_latencies_ns.v, cap, 300000,
						      b.wake_latencies_ns.v, 10, 10, cap, &expect),
			 0);
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);
	assert_int_equal(a.wake_latencies_ns.len, cap);
	assert_memory_equal(a.wake_latencies_ns.v, expect.v, cap * sizeof(uint64_t));
	assert_int_equal(a.wake_sample_total, 300010);
	/* timer 60000 + 50000 > cap: weighted too, capped at cap */
	assert_int_equal(a.timer_latencies_ns.len, cap);
	/* deterministic: the same inputs give the same pool */
	assert_int_equal(sc_phase_cgroup_stats_merge(&a2, &b2), 0);
	assert_memory_equal(a.wake_latencies_ns.v, a2.wake_latencies_ns.v, cap * sizeof(uint64_t));
	assert_memory_equal(a.timer_latencies_ns.v, a2.timer_latencies_ns.v,
			    cap * sizeof(uint64_t));
	sc_u64_vec_release(&expect);
	sc_phase_cgroup_stats_release(&a);
	sc_phase_cgroup_stats_release(&a2);
}

/* Exactly cap in total is still a plain concatenation. */
static void test_at_cap_concat(void **state)
{
	struct sc_phase_cgroup_stats a, b;
	const size_t cap = SC_MAX_WAKE_SAMPLES;
	size_t i;

	(void)state;
	carrier(&a, 1);
	carrier(&b, 1);
	th_fill_range(&a.wake_latencies_ns, 0, cap - 1);
	assert_int_equal(sc_u64_vec_push(&b.wake_latencies_ns, 123456789), 0);
	a.wake_sample_total = 1u << 20; /* populations don't matter <= cap */
	b.wake_sample_total = 1;
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);
	assert_int_equal(a.wake_latencies_ns.len, cap);
	for (i = 0; i < cap - 1; i++)
		assert_int_equal(a.wake_latencies_ns.v[i], i);
	assert_int_equal(a.wake_latencies_ns.v[cap - 1], 123456789);
	sc_phase_cgroup_stats_release(&a);
}

static void test_summaries(void **state)
{
	struct sc_phase_cgroup_stats c;
	double avg, mn, mx, sp, p99, med, p999, cv, mean, worst;
	int err = 0;

	(void)state;
	carrier(&c, 0);
	/* Empty: every summary is absent (not measured), never a zero. */
	assert_false(sc_phase_cgroup_stats_off_cpu_summary(&c, &avg, &mn, &mx, &sp));
	assert_false(sc_phase_cgroup_stats_wake_summary(&c, &p99, &med, &err));
	assert_false(sc_phase_cgroup_stats_timer_summary(&c, &med, &p99, &p999, &err));
	assert_false(sc_phase_cgroup_stats_wake_cv(&c, &cv));
	assert_false(sc_phase_cgroup_stats_run_delay_summary(&c, &mean, &worst));
	assert_int_equal(err, 0);

	assert_int_equal(sc_f64_vec_push(&c.off_cpu_pcts, 0.0), 0);
	assert_true(sc_phase_cgroup_stats_off_cpu_summary(&c, &avg, &mn, &mx, &sp));
	th_assert_double_equal(avg, 0.0); /* a measured zero */
	th_assert_double_equal(sp, 0.0);
	assert_int_equal(sc_f64_vec_push(&c.off_cpu_pcts, 30.0), 0);
	assert_int_equal(sc_f64_vec_push(&c.off_cpu_pcts, 60.0), 0);
	assert_true(sc_phase_cgroup_stats_off_cpu_summary(&c, &avg, &mn, &mx, &sp));
	th_assert_double_equal(avg, 30.0);
	th_assert_double_equal(mn, 0.0);
	th_assert_double_equal(mx, 60.0);
	th_assert_double_equal(sp, 60.0);

	/* All-zero wakes: CV is a measured 0, not absent. */
	assert_int_equal(sc_u64_vec_push(&c.wake_latencies_ns, 0), 0);
	assert_true(sc_phase_cgroup_stats_wake_cv(&c, &cv));
	th_assert_double_equal(cv, 0.0);
	c.wake_latencies_ns.len = 0;
	th_fill_range(&c.wake_latencies_ns, 1, 101); /* 1..100 ns */
	assert_true(sc_phase_cgroup_stats_wake_summary(&c, &p99, &med, &err));
	th_assert_double_equal(p99, 0.099);
	th_assert_double_equal(med, 0.050);
	assert_true(sc_phase_cgroup_stats_wake_cv(&c, &cv));
	th_assert_near(cv, sqrt((100.0 * 100.0 - 1.0) / 12.0) / 50.5, 1e-12);
	/* The summary worked on a copy: the pool keeps its order. */
	assert_int_equal(c.wake_latencies_ns.v[0], 1);
	assert_int_equal(c.wake_latencies_ns.v[99], 100);

	th_fill_range(&c.timer_latencies_ns, 0, 2000);
	assert_true(sc_phase_cgroup_stats_timer_summary(&c, &med, &p99, &p999, &err));
	th_assert_double_equal(med, 0.999);
	th_assert_double_equal(p99, 1.979);
	th_assert_double_equal(p999, 1.997);

	assert_int_equal(sc_u64_vec_push(&c.run_delays_ns, 1000), 0);
	assert_int_equal(sc_u64_vec_push(&c.run_delays_ns, 4000), 0);
	assert_true(sc_phase_cgroup_stats_run_delay_summary(&c, &mean, &worst));
	th_assert_double_equal(mean, 2.5);
	th_assert_double_equal(worst, 4.0);
	sc_phase_cgroup_stats_release(&c);
}

static void test_get_expect_counter(void **state)
{
	struct sc_phase_cgroup_stats c;
	char err[512];
	double v;

	(void)state;
	carrier(&c, 3);
	c.stripped = true;
	c.total_iterations = 42;
	assert_int_equal(sc_metric_map_set(&c.metrics, "wake_p99_us", 12.5), 0);
	assert_int_equal(sc_metric_map_set(&c.metrics, "wake_cv", 0.25), 0);
	assert_true(sc_phase_cgroup_stats_get(&c, "wake_p99_us", &v));
	th_assert_double_equal(v, 12.5);
	assert_false(sc_phase_cgroup_stats_get(&c, "timer_p99_us", &v));
	assert_int_equal(sc_phase_cgroup_stats_expect_metric(&c, "wake_cv", &v, err, sizeof(err)),
			 0);
	assert_int_equal(
		sc_phase_cgroup_stats_expect_metric(&c, "timer_p99_us", &v, err, sizeof(err)),
		-ENOENT);
	assert_non_null(strstr(err, "'timer_p99_us'"));
	assert_non_null(strstr(err, "num_workers=3"));
	assert_non_null(strstr(err, "stripped=true"));
	assert_non_null(strstr(err, "[wake_cv, wake_p99_us]"));
	assert_true(sc_phase_cgroup_stats_counter(&c, "total_iterations", &v));
	th_assert_double_equal(v, 42.0);
	assert_true(sc_phase_cgroup_stats_counter(&c, "total_migrations", &v));
	th_assert_double_equal(v, 0.0);
	assert_false(sc_phase_cgroup_stats_counter(&c, "wake_p99_us", &v));
	sc_phase_cgroup_stats_release(&c);
}

/* <= cap: the per-phase re-pool reproduces the whole-run reduction. */
static void test_parity_with_cgroup_stats(void **state)
{
	struct sc_worker_report w[3];
	struct sc_phase_cgroup_stats p;
	struct sc_cgroup_stats cs;
	double p99, med, cv, mean, worst, avg, mn, mx, sp;
	uint64_t seed = 99;
	size_t i, k;
	int err = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		sc_worker_report_init(&w[i]);
		w[i].iterations = 1000 * (i + 1);
		w[i].wall_time_ns = 1000000000;
		w[i].off_cpu_ns = 100000000 * (i + 1);
		w[i].schedstat_run_delay_ns = 123457 * (i + 3);
		w[i].schedstat_cpu_time_ns = 900000000;
		w[i].max_gap_ms = i == 2 ? 12 : 12 - i; /* tie between 0 and 2 */
		w[i].max_gap_cpu = i;
		assert_int_equal(sc_cpu_set_add(&w[i].cpus_used, i % 2), 0);
		for (k = 0; k < 20000; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			assert_int_equal(sc_u64_vec_push(&w[i].wake_latencies_ns, seed % 500000),
					 0);
		}
		w[i].wake_sample_total = 20000;
	}
	assert_int_equal(sc_cgroup_stats_reduce(w, 3, &cs), 0);
	assert_int_equal(sc_phase_cgroup_stats_from_reports(w, 3, &p), 0);
	assert_int_equal(p.num_workers, cs.num_workers);
	assert_int_equal(p.wake_latencies_ns.len, 60000);
	assert_true(sc_phase_cgroup_stats_wake_summary(&p, &p99, &med, &err));
	th_assert_double_equal(p99, cs.p99_wake_latency_us);
	th_assert_double_equal(med, cs.median_wake_latency_us);
	assert_true(sc_phase_cgroup_stats_wake_cv(&p, &cv));
	th_assert_double_equal(cv, cs.wake_latency_cv);
	assert_true(sc_phase_cgroup_stats_run_delay_summary(&p, &mean, &worst));
	th_assert_double_equal(worst, cs.worst_run_delay_us);
	th_assert_near(mean, cs.mean_run_delay_us, 1e-9);
	assert_true(sc_phase_cgroup_stats_off_cpu_summary(&p, &avg, &mn, &mx, &sp));
	th_assert_double_equal(avg, cs.avg_off_cpu_pct.value);
	th_assert_double_equal(sp, cs.spread.value);
	assert_int_equal(p.max_gap_ms, cs.max_gap_ms);
	assert_int_equal(p.max_gap_cpu, cs.max_gap_cpu);
	assert_int_equal(p.max_gap_cpu, 2);
	assert_true(sc_cpu_set_equal(&p.cpus_used, &cs.cpus_used));
	assert_int_equal(p.total_iterations, cs.total_iterations);
	assert_int_equal(p.total_cpu_time_ns, cs.total_cpu_time_ns);
	sc_cgroup_stats_release(&cs);
	sc_phase_cgroup_stats_release(&p);
	for (i = 0; i < 3; i++)
		sc_worker_report_release(&w[i]);
}

static struct sc_schbench_stats *sb(uint64_t wake_ns, uint64_t loops, uint64_t wall_ns)
{
	struct sc_schbench_stats *s;

	assert_int_equal(sc_schbench_stats_new(&s), 0);
	sc_lat_hist_add(&s->wakeup, wake_ns);
	sc_lat_hist_add(&s->request, wake_ns * 10);
	s->loop_count = loops;
	s->wall_ns = wall_ns;
	s->msg_run_delay_ns = 1000;
	s->msg_pcount = 1;
	return s;
}

/* The schbench component: OR-with-combine (both -> merge, one -> carry, none -> none). */
static void test_schbench_or_rule(void **state)
{
	struct sc_phase_cgroup_stats a, b, c;
	struct sc_schbench_stats *keep;
	double v;

	(void)state;
	/* Both: bucket-add, integer-add, window max; b consumed. */
	carrier(&a, 1);
	carrier(&b, 1);
	a.schbench = sb(100, 3, 2000000000);
	b.schbench = sb(200, 4, 1000000000);
	keep = a.schbench;
	assert_int_equal(sc_phase_cgroup_stats_merge(&a, &b), 0);
	assert_ptr_equal(a.schbench, keep);
	assert_null(b.schbench);
	assert_int_equal(a.schbench->wakeup.count, 2);
	assert_int_equal(a.schbench->wakeup.buckets[100], 1);
	assert_int_equal(a.schbench->wakeup.buckets[200], 1);
	assert_int_equal(sc_schbench_stats_requests(a.schbench), 2);
	assert_int_equal(a.schbench->loop_count, 7);
	assert_int_equal(a.schbench->wall_ns, 2000000000);
	assert_int_equal(a.schbench->msg_run_delay_ns, 2000);
	assert_int_equal(a.schbench->msg_pcount, 2);
	assert_true(sc_schbench_stats_rps(a.schbench, &v));
	assert_true(fabs(v - 1.0) < 1e-12);

	/* Only b: carried over, pointer moved. */
	carrier(&c, 1);
	carrier(&b, 1);
	b.schbench = sb(5, 1, 1);
	keep = b.schbench;
	assert_int_equal(sc_phase_cgroup_stats_merge(&c, &b), 0);
	assert_ptr_equal(c.schbench, keep);

	/* Only a: kept as is. */
	carrier(&b, 1);
	assert_int_equal(sc_phase_cgroup_stats_merge(&c, &b), 0);
	assert_ptr_equal(c.schbench, keep);
	assert_int_equal(c.schbench->wakeup.count, 1);
	sc_phase_cgroup_stats_release(&c);

	/* None: none. */
	carrier(&c, 1);
	carrier(&b, 1);
	assert_int_equal(sc_phase_cgroup_stats_merge(&c, &b), 0);
	assert_null(c.schbench);
	sc_phase_cgroup_stats_release(&c);

	/* Copy is deep. */
	assert_int_equal(sc_phase_cgroup_stats_copy(&c, &a), 0);
	assert_non_null(c.schbench);
	assert_ptr_not_equal(c.schbench, a.schbench);
	assert_true(sc_schbench_stats_equal(c.schbench, a.schbench));
	sc_phase_cgroup_stats_release(&c);
	sc_phase_cgroup_stats_release(&a);
}

/* from_reports carries the workers' schbench data; derive emits the keys. */
static void test_schbench_from_reports_and_derive(void **state)
{
	struct sc_worker_report r[3];
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c, plain;
	struct sc_cgroup_stats cs;
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		sc_worker_report_init(&r[i]);
	r[0].schbench = sb(10000, 5, 1000000000); /* 10 us wake, 100 us request */
	r[2].schbench = sb(30000, 5, 1000000000);
	assert_int_equal(sc_phase_cgroup_stats_from_reports(r, 3, &c), 0);
	assert_non_null(c.schbench);
	assert_int_equal(c.schbench->wakeup.count, 2);
	assert_int_equal(c.schbench->loop_count, 10);
	assert_int_equal(sc_phase_bucket_init(&b, 1), 0);
	assert_int_equal(sc_carrier_map_put(&b.per_cgroup, "sb", &c), 0);
	sc_phase_cgroup_stats_init(&plain);
	plain.num_workers = 1;
	assert_int_equal(sc_carrier_map_put(&b.per_cgroup, "plain", &plain), 0);
	assert_int_equal(sc_derive_phase_metrics(&b), 0);
	assert_true(sc_phase_cgroup_stats_get(sc_carrier_map_find(&b.per_cgroup, "sb"),
					      "schbench_wakeup_p50_us", &v));
	assert_true(fabs(v - 10.0) <= 10.0 / 256);
	assert_true(sc_phase_cgroup_stats_get(sc_carrier_map_find(&b.per_cgroup, "sb"),
					      "schbench_wakeup_p99_us", &v));
	assert_true(fabs(v - 30.0) <= 30.0 / 256);
	assert_true(sc_phase_cgroup_stats_get(sc_carrier_map_find(&b.per_cgroup, "sb"),
					      "schbench_rps", &v));
	assert_true(fabs(v - 2.0) < 1e-9);
	assert_true(sc_phase_cgroup_stats_get(sc_carrier_map_find(&b.per_cgroup, "sb"),
					      "schbench_msg_run_delay_us", &v));
	assert_true(fabs(v - 1.0) < 1e-12);
	/* No worker pcount: absent, not 0. */
	assert_false(sc_phase_cgroup_stats_get(sc_carrier_map_find(&b.per_cgroup, "sb"),
					       "schbench_worker_run_delay_us", &v));
	/* A non-schbench carrier has no schbench keys. */
	assert_false(sc_phase_cgroup_stats_get(sc_carrier_map_find(&b.per_cgroup, "plain"),
					       "schbench_rps", &v));
	/* The pooled set carries them too. */
	assert_true(sc_phase_bucket_get(&b, "schbench_request_p99_us", &v));
	assert_true(fabs(v - 300.0) <= 300.0 / 256);
	assert_true(sc_phase_bucket_get(&b, "schbench_loop_count", &v));
	assert_true(v == 10.0);
	sc_phase_bucket_release(&b);

	/* Whole run: the same keys in the cgroup's ext_metrics. */
	assert_int_equal(sc_cgroup_stats_reduce(r, 3, &cs), 0);
	assert_true(sc_metric_map_get(&cs.ext_metrics, "schbench_wakeup_p99_us", &v));
	assert_true(fabs(v - 30.0) <= 30.0 / 256);
	sc_cgroup_stats_release(&cs);
	assert_int_equal(sc_cgroup_stats_reduce(&r[1], 1, &cs), 0);
	assert_int_equal(cs.ext_metrics.len, 0);
	sc_cgroup_stats_release(&cs);
	for (i = 0; i < 3; i++)
		sc_worker_report_release(&r[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_concat_union_sum_max_or),
		cmocka_unit_test(test_gap_tie_takes_b),
		cmocka_unit_test(test_saturating_counters),
		cmocka_unit_test(test_over_cap_weighted),
		cmocka_unit_test(test_at_cap_concat),
		cmocka_unit_test(test_summaries),
		cmocka_unit_test(test_get_expect_counter),
		cmocka_unit_test(test_parity_with_cgroup_stats),
		cmocka_unit_test(test_schbench_or_rule),
		cmocka_unit_test(test_schbench_from_reports_and_derive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
