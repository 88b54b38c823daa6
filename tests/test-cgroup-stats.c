// SPDX-License-Identifier: MIT
/*
 * CgroupStats: the whole-run reduction of worker reports, its "measured"
 * flags and optional fields, and the derived ratios computed on read.
 */
#include <math.h>

#include "test-helpers.h"

static void worker(struct sc_worker_report *w, uint64_t iters, uint64_t wall, uint64_t off,
		   uint64_t gap_ms, uint64_t gap_cpu)
{
	sc_worker_report_init(w);
	w->iterations = iters;
	w->wall_time_ns = wall;
	w->off_cpu_ns = off;
	w->max_gap_ms = gap_ms;
	w->max_gap_cpu = gap_cpu;
}

static void test_reduce_basic(void **state)
{
	struct sc_worker_report w[3];
	struct sc_cgroup_stats cs;
	uint64_t lat0[] = { 1000, 2000, 3000 }, lat1[] = { 4000, 5000 };
	uint64_t c0[] = { 0, 1 }, c1[] = { 1, 3 };
	size_t i;

	(void)state;
	worker(&w[0], 100, 1000000, 250000, 5, 0); /* 25 % off-CPU */
	worker(&w[1], 300, 1000000, 750000, 9, 1); /* 75 % */
	worker(&w[2], 0, 0, 0, 9, 3);		   /* no wall time: no off-CPU sample */
	th_cpus(&w[0].cpus_used, c0, 2);
	th_cpus(&w[1].cpus_used, c1, 2);
	th_fill_u64(&w[0].wake_latencies_ns, lat0, 3);
	th_fill_u64(&w[1].wake_latencies_ns, lat1, 2);
	w[0].migrations = 4;
	w[1].migrations = 6;
	w[0].schedstat_cpu_time_ns = 500000000;
	w[1].schedstat_cpu_time_ns = 1500000000;
	w[0].schedstat_run_delay_ns = 3000;
	w[1].schedstat_run_delay_ns = 9000;
	w[0].numa_pages_local = 30;
	w[0].numa_pages_total = 40;
	w[1].numa_pages_local = 50;
	w[1].numa_pages_total = 60;
	w[0].numa_pages_migrated = 7;
	w[1].numa_pages_migrated = 5;
	assert_int_equal(sc_cgroup_stats_reduce(w, 3, &cs), 0);

	assert_int_equal(cs.num_workers, 3);
	assert_int_equal(cs.num_cpus, 3);
	assert_true(sc_cpu_set_contains(&cs.cpus_used, 3));
	assert_true(cs.avg_off_cpu_pct.present);
	th_assert_double_equal(cs.avg_off_cpu_pct.value, 50.0);
	th_assert_double_equal(cs.min_off_cpu_pct.value, 25.0);
	th_assert_double_equal(cs.max_off_cpu_pct.value, 75.0);
	th_assert_double_equal(cs.spread.value, 50.0);
	/* Gap: equal 9 ms on workers 1 and 2, the last one wins (max_by_key). */
	assert_int_equal(cs.max_gap_ms, 9);
	assert_int_equal(cs.max_gap_cpu, 3);
	assert_int_equal(cs.total_migrations, 10);
	assert_int_equal(cs.total_iterations, 400);
	th_assert_double_equal(cs.migration_ratio, 10.0 / 400.0);
	/* Pooled wakes 1..5 us: p99 = 5, median = rank ceil(2.5)-1 = 2 -> 3 us. */
	assert_true(cs.wake_measured);
	th_assert_double_equal(cs.p99_wake_latency_us, 5.0);
	th_assert_double_equal(cs.median_wake_latency_us, 3.0);
	th_assert_near(cs.wake_latency_cv, sqrt(2.0) / 3.0, 1e-12);
	assert_false(cs.timer_measured);
	th_assert_double_equal(cs.p99_timer_latency_us, 0.0);
	assert_int_equal(cs.total_cpu_time_ns, 2000000000);
	th_assert_double_equal(cs.mean_run_delay_us, (3.0 + 9.0 + 0.0) / 3.0);
	th_assert_double_equal(cs.worst_run_delay_us, 9.0);
	assert_true(cs.run_delay_measured);
	th_assert_double_equal(cs.page_locality, 80.0 / 100.0);
	/* Cross-node migrated pages: a system-wide counter, max not sum. */
	th_assert_double_equal(cs.cross_node_migration_ratio, 7.0 / 100.0);
	{
		double ipw, ipc;

		assert_true(sc_cgroup_stats_iterations_per_worker(&cs, &ipw));
		th_assert_near(ipw, 400.0 / 3.0, 1e-12);
		assert_true(sc_cgroup_stats_iterations_per_cpu_sec(&cs, &ipc));
		th_assert_double_equal(ipc, 200.0);
	}
	th_assert_double_equal(sc_cgroup_stats_wake_latency_tail_ratio(&cs), 5.0 / 3.0);
	assert_true(sc_cgroup_stats_measured_for(&cs, SC_SOURCE_WAKE_LATENCY_NS));
	assert_false(sc_cgroup_stats_measured_for(&cs, SC_SOURCE_TIMER_LATENCY_NS));
	assert_true(sc_cgroup_stats_measured_for(&cs, SC_SOURCE_RUN_DELAY_NS));
	sc_cgroup_stats_release(&cs);
	for (i = 0; i < 3; i++)
		sc_worker_report_release(&w[i]);
}

/* Not measured is not zero: every absent input stays visibly absent. */
static void test_not_measured_is_not_zero(void **state)
{
	struct sc_worker_report w;
	struct sc_cgroup_stats cs;
	double x;

	(void)state;
	/* No workers at all. */
	assert_int_equal(sc_cgroup_stats_reduce(NULL, 0, &cs), 0);
	assert_false(cs.avg_off_cpu_pct.present);
	assert_false(cs.spread.present);
	assert_false(cs.wake_measured);
	assert_false(cs.timer_measured);
	assert_false(cs.run_delay_measured);
	assert_false(sc_cgroup_stats_iterations_per_worker(&cs, &x));
	assert_false(sc_cgroup_stats_iterations_per_cpu_sec(&cs, &x));
	th_assert_double_equal(sc_cgroup_stats_wake_latency_tail_ratio(&cs), 0.0);
	sc_cgroup_stats_release(&cs);

	/* A worker that ran but did nothing: measured zeros, not absences. */
	worker(&w, 0, 1000, 0, 0, 0);
	assert_int_equal(sc_cgroup_stats_reduce(&w, 1, &cs), 0);
	assert_true(cs.spread.present);
	th_assert_double_equal(cs.spread.value, 0.0);
	th_assert_double_equal(cs.avg_off_cpu_pct.value, 0.0);
	assert_true(cs.run_delay_measured);
	th_assert_double_equal(cs.mean_run_delay_us, 0.0);
	assert_true(sc_cgroup_stats_iterations_per_worker(&cs, &x));
	th_assert_double_equal(x, 0.0);
	/* No on-CPU time captured: the rate is absent, never infinite. */
	assert_false(sc_cgroup_stats_iterations_per_cpu_sec(&cs, &x));
	th_assert_double_equal(cs.migration_ratio, 0.0);
	sc_cgroup_stats_release(&cs);
	sc_worker_report_release(&w);
}

static void test_timer_reductions(void **state)
{
	struct sc_worker_report w[2];
	struct sc_cgroup_stats cs;
	size_t i;

	(void)state;
	worker(&w[0], 1, 1, 0, 0, 0);
	worker(&w[1], 1, 1, 0, 0, 0);
	th_fill_range(&w[0].timer_latencies_ns, 1000, 1500); /* 500 samples */
	th_fill_range(&w[1].timer_latencies_ns, 1500, 2000); /* 500 more: 1000..1999 */
	assert_int_equal(sc_cgroup_stats_reduce(w, 2, &cs), 0);
	assert_true(cs.timer_measured);
	th_assert_double_equal(cs.median_timer_latency_us, 1.499); /* rank 499 */
	th_assert_double_equal(cs.p99_timer_latency_us, 1.989);	   /* rank 989 */
	th_assert_double_equal(cs.p999_timer_latency_us, 1.998);   /* rank 998 */
	th_assert_double_equal(cs.worst_timer_latency_us, 1.999);
	assert_false(cs.wake_measured);
	sc_cgroup_stats_release(&cs);
	for (i = 0; i < 2; i++)
		sc_worker_report_release(&w[i]);
}

/* Counters from outside saturate instead of wrapping. */
static void test_saturation(void **state)
{
	struct sc_worker_report w[2];
	struct sc_cgroup_stats cs;

	(void)state;
	worker(&w[0], UINT64_MAX, 1, 0, 0, 0);
	worker(&w[1], 5, 1, 0, 0, 0);
	w[0].migrations = UINT64_MAX - 1;
	w[1].migrations = 10;
	w[0].schedstat_cpu_time_ns = UINT64_MAX;
	w[1].schedstat_cpu_time_ns = 1;
	/* A pooled wake sum beyond u64 (the seed would overflow) stays exact. */
	assert_int_equal(sc_u64_vec_push(&w[0].wake_latencies_ns, UINT64_MAX), 0);
	assert_int_equal(sc_u64_vec_push(&w[1].wake_latencies_ns, UINT64_MAX), 0);
	assert_int_equal(sc_cgroup_stats_reduce(w, 2, &cs), 0);
	assert_true(cs.total_iterations == UINT64_MAX);
	assert_true(cs.total_migrations == UINT64_MAX);
	assert_true(cs.total_cpu_time_ns == UINT64_MAX);
	th_assert_double_equal(cs.wake_latency_cv, 0.0);
	th_assert_double_equal(cs.p99_wake_latency_us, (double)UINT64_MAX / 1000.0);
	sc_cgroup_stats_release(&cs);
	sc_worker_report_release(&w[0]);
	sc_worker_report_release(&w[1]);
}

static void test_copy_and_names(void **state)
{
	struct sc_cgroup_stats a, b;
	enum sc_worker_exit_kind k;
	uint64_t c[] = { 5, 2 };

	(void)state;
	sc_cgroup_stats_init(&a);
	a.cgroup_name = strdup("web");
	th_cpus(&a.cpus_used, c, 2);
	assert_int_equal(sc_metric_map_set(&a.ext_metrics, "x", 1.5), 0);
	assert_int_equal(sc_cgroup_stats_copy(&b, &a), 0);
	assert_string_equal(b.cgroup_name, "web");
	assert_true(sc_cpu_set_equal(&a.cpus_used, &b.cpus_used));
	assert_int_equal(b.ext_metrics.len, 1);
	sc_cgroup_stats_release(&a);
	sc_cgroup_stats_release(&b);
	assert_string_equal(sc_worker_exit_kind_name(SC_WORKER_SIGNALED), "signaled");
	assert_int_equal(sc_worker_exit_kind_parse("timed_out", &k), 0);
	assert_int_equal(k, SC_WORKER_TIMED_OUT);
	assert_true(sc_worker_exit_kind_parse("nope", &k) < 0);
	assert_string_equal(sc_sample_source_name(SC_SOURCE_RUN_DELAY_NS), "run_delay_ns");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reduce_basic),
		cmocka_unit_test(test_not_measured_is_not_zero),
		cmocka_unit_test(test_timer_reductions),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_copy_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
