// SPDX-License-Identifier: MIT
/*
 * The run-level re-pool: distributions pooled from phase carriers equal the
 * concatenated reduction below the cap, weigh phases by true population above
 * it, fall back to measured cgroups without carriers, and leave absent what
 * nothing measured; the worst-of kinds pick the right cgroup.
 */
#include <math.h>

#include <schedcheck/metrics.h>
#include <schedcheck/verdict.h>

#include "test-helpers.h"

static void add_phase(struct sc_scenario_stats *s, uint16_t idx, const char *cg,
		      const uint64_t *wake, size_t n, uint64_t wake_total)
{
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;

	assert_int_equal(sc_phase_bucket_init(&b, idx), 0);
	sc_phase_cgroup_stats_init(&c);
	c.num_workers = 1;
	th_fill_u64(&c.wake_latencies_ns, wake, n);
	c.wake_sample_total = wake_total;
	assert_int_equal(sc_u64_vec_push(&c.run_delays_ns, 1000 * (idx + 1)), 0);
	assert_int_equal(sc_carrier_map_put(&b.per_cgroup, cg, &c), 0);
	assert_int_equal(sc_scenario_stats_put_phase(s, &b), 0);
}

static void test_pool_equals_concat_below_cap(void **state)
{
	struct sc_scenario_stats s;
	uint64_t a[] = { 5000, 1000, 3000 }, b[] = { 2000, 4000 }, all[5];
	double v;

	(void)state;
	sc_scenario_stats_init(&s);
	add_phase(&s, 0, "x", a, 3, 3);
	add_phase(&s, 1, "x", b, 2, 2);
	assert_int_equal(sc_populate_run_metrics(&s), 0);
	memcpy(all, a, sizeof(a));
	memcpy(all + 3, b, sizeof(b));
	/* 1..5 us pooled: median = rank 2 = 3 us, p99 = 5 us. */
	assert_true(sc_metric_map_get(&s.ext_metrics, "median_wake_latency_us", &v));
	th_assert_double_equal(v, 3.0);
	assert_true(sc_metric_map_get(&s.ext_metrics, "p99_wake_latency_us", &v));
	th_assert_double_equal(v, 5.0);
	assert_true(sc_metric_map_get(&s.ext_metrics, "wake_latency_cv", &v));
	th_assert_near(v, sqrt(2.0) / 3.0, 1e-12);
	assert_true(sc_metric_map_get(&s.ext_metrics, "worst_run_delay_us", &v));
	th_assert_double_equal(v, 2.0);
	assert_true(sc_metric_map_get(&s.ext_metrics, "mean_run_delay_us", &v));
	th_assert_double_equal(v, 1.5);
	/* Nothing measured timer latency: absent, not 0. */
	assert_false(sc_metric_map_get(&s.ext_metrics, "p99_timer_latency_us", &v));
	sc_scenario_stats_release(&s);
}

static void test_population_weights(void **state)
{
	struct sc_scenario_stats s;
	uint64_t low[] = { 1000, 1000 }, high[] = { 9000, 9000 };
	double v;

	(void)state;
	/* Phase 0 kept 2 samples of a population of 98; phase 1 all of its 2. */
	sc_scenario_stats_init(&s);
	add_phase(&s, 0, "x", low, 2, 98);
	add_phase(&s, 1, "x", high, 2, 2);
	assert_int_equal(sc_populate_run_metrics(&s), 0);
	/* 98 % of the population is fast: the p50 and even p97 are 1 us, p99 9 us. */
	assert_true(sc_metric_map_get(&s.ext_metrics, "median_wake_latency_us", &v));
	th_assert_double_equal(v, 1.0);
	assert_true(sc_metric_map_get(&s.ext_metrics, "p99_wake_latency_us", &v));
	th_assert_double_equal(v, 9.0);
	sc_scenario_stats_release(&s);
}

static void add_cgroup(struct sc_scenario_stats *s, const char *name, uint64_t workers,
		       uint64_t iters, bool wake, double p99, double med)
{
	struct sc_cgroup_stats cs;

	sc_cgroup_stats_init(&cs);
	cs.cgroup_name = strdup(name);
	cs.num_workers = workers;
	cs.total_iterations = iters;
	cs.total_cpu_time_ns = 1000000000;
	cs.wake_measured = wake;
	cs.p99_wake_latency_us = p99;
	cs.median_wake_latency_us = med;
	assert_int_equal(sc_scenario_stats_add_cgroup(s, &cs), 0);
}

static void test_worst_of_kinds_and_fallback(void **state)
{
	struct sc_scenario_stats s;
	double v;

	(void)state;
	sc_scenario_stats_init(&s);
	add_cgroup(&s, "busy", 2, 1000, true, 40, 10);
	add_cgroup(&s, "starved", 2, 0, false, 0, 0); /* measured zero progress */
	add_cgroup(&s, "empty", 0, 0, false, 0, 0);   /* no workers: skipped */
	assert_int_equal(sc_populate_run_metrics(&s), 0);
	assert_true(sc_metric_map_get(&s.ext_metrics, "worst_iterations_per_worker", &v));
	th_assert_double_equal(v, 0.0);
	assert_true(sc_metric_map_get(&s.ext_metrics, "worst_wake_latency_tail_ratio", &v));
	th_assert_double_equal(v, 4.0);
	/* No carriers: the wake p99 falls back to cgroups that measured wakes. */
	assert_true(sc_metric_map_get(&s.ext_metrics, "p99_wake_latency_us", &v));
	th_assert_double_equal(v, 40.0);
	assert_false(sc_metric_map_get(&s.ext_metrics, "p99_timer_latency_us", &v));
	sc_scenario_stats_release(&s);

	/* Nothing at all: every run-level derived key stays absent. */
	sc_scenario_stats_init(&s);
	assert_int_equal(sc_populate_run_metrics(&s), 0);
	assert_int_equal(s.ext_metrics.len, 0);
	sc_scenario_stats_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_equals_concat_below_cap),
		cmocka_unit_test(test_population_weights),
		cmocka_unit_test(test_worst_of_kinds_and_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
