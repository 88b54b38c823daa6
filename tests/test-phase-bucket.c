// SPDX-License-Identifier: MIT
/*
 * Phases and phase buckets: the 1-indexed encoding and labels, lookups and
 * their diagnostics, the matched merge, and the guest-carrier fold with its
 * orphan and host-duplicate paths.
 */
#include <errno.h>
#include <math.h>

#include <schedcheck/metrics.h>

#include "test-helpers.h"

static void test_phase_encoding(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(SC_PHASE_BASELINE.raw, 0);
	assert_true(sc_phase_is_baseline(SC_PHASE_BASELINE));
	assert_int_equal(sc_phase_step(0).raw, 1);
	assert_int_equal(sc_phase_step(2).raw, 3);
	assert_false(sc_phase_is_baseline(sc_phase_step(0)));
	/* Saturates instead of wrapping into BASELINE. */
	assert_int_equal(sc_phase_step(UINT16_MAX).raw, UINT16_MAX);
	assert_int_equal(sc_phase_step(UINT16_MAX - 1).raw, UINT16_MAX);
	sc_phase_format(SC_PHASE_BASELINE, buf, sizeof(buf));
	assert_string_equal(buf, "BASELINE");
	sc_phase_format(sc_phase_step(0), buf, sizeof(buf));
	assert_string_equal(buf, "Step[0]");
	sc_phase_format(sc_phase_step(41), buf, sizeof(buf));
	assert_string_equal(buf, "Step[41]");
}

static void bucket(struct sc_phase_bucket *b, uint16_t idx, uint64_t start, uint64_t end,
		   uint64_t samples)
{
	assert_int_equal(sc_phase_bucket_init(b, idx), 0);
	b->start_ms = start;
	b->end_ms = end;
	b->sample_count = samples;
}

static void add_carrier(struct sc_phase_bucket *b, const char *name, uint64_t iters,
			uint64_t migrations)
{
	struct sc_phase_cgroup_stats c;

	sc_phase_cgroup_stats_init(&c);
	c.num_workers = 1;
	c.total_iterations = iters;
	c.total_migrations = migrations;
	c.total_cpu_time_ns = 1000000000;
	assert_int_equal(sc_u64_vec_push(&c.wake_latencies_ns, 2000 + iters), 0);
	c.wake_sample_total = 1;
	assert_int_equal(sc_carrier_map_put(&b->per_cgroup, name, &c), 0);
}

static void test_bucket_get_expect_counter(void **state)
{
	struct sc_phase_bucket b;
	char err[512];
	double v;

	(void)state;
	bucket(&b, 2, 100, 200, 0);
	assert_string_equal(b.label, "Step[1]");
	/* No carriers: the counter total is absent, not 0. */
	assert_false(sc_phase_bucket_cgroup_counter_total(&b, "total_iterations", &v));
	assert_int_equal(sc_phase_bucket_expect_metric(&b, "mean_nr_running", &v, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "step_index=2"));
	assert_non_null(strstr(err, "'Step[1]'"));
	assert_non_null(strstr(err, "sample_count=0"));
	assert_non_null(strstr(err, "no captures"));
	b.sample_count = 5;
	assert_int_equal(sc_metric_map_set(&b.metrics, "peak_nr_running", 3), 0);
	assert_int_equal(sc_phase_bucket_expect_metric(&b, "mean_nr_running", &v, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "[peak_nr_running]"));
	assert_non_null(strstr(err, "typo"));
	assert_int_equal(sc_phase_bucket_expect_metric(&b, "peak_nr_running", &v, err, sizeof(err)),
			 0);
	th_assert_double_equal(v, 3);
	add_carrier(&b, "a", 10, 1);
	add_carrier(&b, "b", 0, 0);
	assert_true(sc_phase_bucket_cgroup_counter_total(&b, "total_iterations", &v));
	th_assert_double_equal(v, 10);
	assert_true(sc_phase_bucket_cgroup_counter_total(&b, "total_cpu_time_ns", &v));
	th_assert_double_equal(v, 2e9);
	assert_false(sc_phase_bucket_cgroup_counter_total(&b, "peak_nr_running", &v));
	/* Saturating cross-cgroup sum. */
	sc_carrier_map_find(&b.per_cgroup, "a")->total_migrations = UINT64_MAX;
	sc_carrier_map_find(&b.per_cgroup, "b")->total_migrations = 3;
	assert_true(sc_phase_bucket_cgroup_counter_total(&b, "total_migrations", &v));
	th_assert_double_equal(v, (double)UINT64_MAX);
	sc_phase_bucket_release(&b);
}

static void test_merge_matched(void **state)
{
	struct sc_phase_bucket a, b;
	double v;

	(void)state;
	bucket(&a, 1, 100, 300, 3);
	bucket(&b, 1, 50, 250, 1);
	assert_int_equal(sc_metric_map_set(&a.metrics, "context_switches", 10), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "context_switches", 5), 0);
	assert_int_equal(sc_metric_map_set(&a.metrics, "mean_cpu_busy_pct", 20), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "mean_cpu_busy_pct", 60), 0);
	assert_int_equal(sc_metric_map_set(&a.metrics, "nr_cgroups", 4), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "nr_cgroups", 7), 0);
	assert_int_equal(sc_metric_map_set(&a.metrics, "cpu_busy_ns", 100), 0);
	assert_int_equal(sc_metric_map_set(&a.metrics, "cpu_total_ns", 400), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "cpu_busy_ns", 300), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "cpu_total_ns", 400), 0);
	/* Ready-made rates on each side: 25 % and 75 %. */
	assert_int_equal(sc_metric_map_set(&a.metrics, "cpu_util_pct", 25), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "cpu_util_pct", 75), 0);
	/* A derived per-phase value: skipped, never folded. */
	assert_int_equal(sc_metric_map_set(&a.metrics, "wake_p99_us", 99), 0);
	assert_int_equal(sc_metric_map_set(&b.metrics, "only_b_custom", 1.5), 0);
	assert_int_equal(sc_metric_map_set(&a.metrics, "peak_nr_running", 2), 0);
	add_carrier(&a, "web", 10, 1);
	add_carrier(&b, "web", 30, 2);
	add_carrier(&b, "db", 5, 0);

	assert_int_equal(sc_merge_matched_phase_buckets(&a, &b), 0);
	assert_int_equal(a.start_ms, 50);
	assert_int_equal(a.end_ms, 300);
	assert_int_equal(a.sample_count, 4);
	assert_string_equal(a.label, "Step[0]");
	assert_true(sc_phase_bucket_get(&a, "context_switches", &v));
	th_assert_double_equal(v, 15);
	assert_true(sc_phase_bucket_get(&a, "mean_cpu_busy_pct", &v));
	th_assert_double_equal(v, (20.0 * 3 + 60.0) / 4.0);
	/* a's window ends later: a's Last value wins. */
	assert_true(sc_phase_bucket_get(&a, "nr_cgroups", &v));
	th_assert_double_equal(v, 4);
	/* Rate re-derived from pooled components: 400/800, not mean(25, 75). */
	assert_true(sc_phase_bucket_get(&a, "cpu_util_pct", &v));
	th_assert_double_equal(v, 50.0);
	assert_false(sc_phase_bucket_get(&a, "wake_p99_us", &v));
	assert_true(sc_phase_bucket_get(&a, "only_b_custom", &v));
	th_assert_double_equal(v, 1.5);
	assert_true(sc_phase_bucket_get(&a, "peak_nr_running", &v));
	/* Carriers unioned by name, same-name ones merged. */
	assert_int_equal(a.per_cgroup.len, 2);
	assert_string_equal(a.per_cgroup.e[0].name, "db");
	assert_int_equal(sc_carrier_map_find(&a.per_cgroup, "web")->total_iterations, 40);
	assert_int_equal(sc_carrier_map_find(&a.per_cgroup, "web")->num_workers, 2);
	sc_phase_bucket_release(&a);

	/* Different phases never merge. */
	bucket(&a, 1, 0, 0, 0);
	bucket(&b, 2, 0, 0, 0);
	assert_int_equal(sc_merge_matched_phase_buckets(&a, &b), -EINVAL);
	sc_phase_bucket_release(&a);
	sc_phase_bucket_release(&b);
}

static void guest(struct sc_phase_bucket *b, uint16_t idx, const char *cg, uint64_t iters)
{
	bucket(b, idx, UINT64_MAX, 0, 0);
	add_carrier(b, cg, iters, 0);
}

static void test_fold_guest(void **state)
{
	struct sc_phase_bucket host[3], g[4], *out = NULL;
	size_t n = 0;
	double v;

	(void)state;
	bucket(&host[0], 0, 0, 1000, 10);
	bucket(&host[1], 1, 1000, 2000, 10);
	bucket(&host[2], 1, 1500, 2500, 5); /* duplicate step_index: merged, not dropped */
	assert_int_equal(sc_metric_map_set(&host[1].metrics, "context_switches", 7), 0);
	assert_int_equal(sc_metric_map_set(&host[2].metrics, "context_switches", 3), 0);
	guest(&g[0], 1, "web", 10); /* matched */
	guest(&g[1], 3, "web", 20); /* orphan */
	guest(&g[2], 3, "db", 30);  /* second orphan carrier for the same step */
	guest(&g[3], 0, "web", 40); /* matched with baseline */
	assert_int_equal(sc_fold_guest_per_cgroup_into_host_buckets(host, 3, g, 4, &out, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].step_index, 0);
	assert_int_equal(out[1].step_index, 1);
	assert_int_equal(out[2].step_index, 3);
	/* Matched: the guest window is merge-neutral, the host window survives. */
	assert_int_equal(out[0].start_ms, 0);
	assert_int_equal(out[0].end_ms, 1000);
	assert_int_equal(out[0].sample_count, 10);
	assert_int_equal(sc_carrier_map_find(&out[0].per_cgroup, "web")->total_iterations, 40);
	/* Host duplicate merged: window covers both, counters summed. */
	assert_int_equal(out[1].start_ms, 1000);
	assert_int_equal(out[1].end_ms, 2500);
	assert_int_equal(out[1].sample_count, 15);
	assert_true(sc_phase_bucket_get(&out[1], "context_switches", &v));
	th_assert_double_equal(v, 10);
	assert_int_equal(sc_carrier_map_find(&out[1].per_cgroup, "web")->total_iterations, 10);
	/* Orphan: (0, 0) window, no metrics, both carriers kept. */
	assert_int_equal(out[2].start_ms, 0);
	assert_int_equal(out[2].end_ms, 0);
	assert_int_equal(out[2].metrics.len, 0);
	assert_int_equal(out[2].per_cgroup.len, 2);
	assert_string_equal(out[2].label, "Step[2]");
	for (n = 0; n < 3; n++)
		sc_phase_bucket_release(&out[n]);
	free(out);
}

static void test_fold_no_guest_and_bad_window(void **state)
{
	struct sc_phase_bucket host[1], g[1], *out = NULL;
	size_t n = 0;

	(void)state;
	bucket(&host[0], 0, 5, 10, 1);
	assert_int_equal(sc_fold_guest_per_cgroup_into_host_buckets(host, 1, NULL, 0, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].start_ms, 5);
	sc_phase_bucket_release(&out[0]);
	free(out);

	/* A guest carrier with a real window is refused; nothing is consumed. */
	bucket(&host[0], 0, 5, 10, 1);
	bucket(&g[0], 0, 5, 10, 0);
	out = NULL;
	assert_int_equal(sc_fold_guest_per_cgroup_into_host_buckets(host, 1, g, 1, &out, &n),
			 -EINVAL);
	assert_null(out);
	assert_string_equal(host[0].label, "BASELINE");
	sc_phase_bucket_release(&host[0]);
	sc_phase_bucket_release(&g[0]);
}

static void test_derive_phase_metrics(void **state)
{
	struct sc_phase_bucket b;
	const struct sc_phase_cgroup_stats *web;
	double v;

	(void)state;
	bucket(&b, 1, 0, 100, 1);
	add_carrier(&b, "web", 100, 5);
	add_carrier(&b, "db", 300, 0);
	assert_int_equal(sc_derive_phase_metrics(&b), 0);
	web = sc_carrier_map_find(&b.per_cgroup, "web");
	assert_true(sc_phase_cgroup_stats_get(web, "migration_ratio", &v));
	th_assert_double_equal(v, 0.05);
	assert_true(sc_phase_cgroup_stats_get(web, "wake_p99_us", &v));
	th_assert_double_equal(v, 2.1);
	assert_true(sc_phase_cgroup_stats_get(web, "iterations_per_cpu_sec", &v));
	th_assert_double_equal(v, 100.0);
	/* Nothing measured: absent, never 0. */
	assert_false(sc_phase_cgroup_stats_get(web, "timer_p99_us", &v));
	assert_false(sc_phase_cgroup_stats_get(web, "off_cpu_avg_pct", &v));
	assert_false(sc_phase_cgroup_stats_get(web, "page_locality", &v));
	/* The pooled set over both cgroups. */
	assert_true(sc_phase_bucket_get(&b, "wake_p99_us", &v));
	th_assert_double_equal(v, 2.3);
	assert_true(sc_phase_bucket_get(&b, "migration_ratio", &v));
	th_assert_double_equal(v, 5.0 / 400.0);
	assert_true(sc_phase_bucket_get(&b, "iterations_per_worker", &v));
	th_assert_double_equal(v, 200.0);
	sc_phase_bucket_release(&b);
}

static void test_copy(void **state)
{
	struct sc_phase_bucket a, b;

	(void)state;
	bucket(&a, 4, 1, 2, 3);
	add_carrier(&a, "x", 1, 1);
	assert_int_equal(sc_metric_map_set(&a.metrics, "context_switches", 1), 0);
	assert_int_equal(sc_phase_bucket_copy(&b, &a), 0);
	assert_string_equal(b.label, "Step[3]");
	assert_int_equal(b.per_cgroup.len, 1);
	assert_int_equal(b.metrics.len, 1);
	assert_int_equal(b.per_cgroup.e[0].stats.wake_latencies_ns.v[0], 2001);
	sc_phase_bucket_release(&a);
	sc_phase_bucket_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase_encoding),
		cmocka_unit_test(test_bucket_get_expect_counter),
		cmocka_unit_test(test_merge_matched),
		cmocka_unit_test(test_fold_guest),
		cmocka_unit_test(test_fold_no_guest_and_bad_window),
		cmocka_unit_test(test_derive_phase_metrics),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
