// SPDX-License-Identifier: MIT
/*
 * The metric registry: lookup, the derived/non-derived split, one test per
 * MetricKind arm of the value merge, and the Rate re-derivation.
 */
#include <errno.h>
#include <math.h>

#include <schedcheck/metrics.h>

#include "test-helpers.h"

static void test_registry_sorted_unique_and_complete(void **state)
{
	bool seen[SC_METRIC_KIND_MAX] = { false };
	size_t i;

	(void)state;
	assert_true(sc_metric_count() > 20);
	for (i = 0; i < sc_metric_count(); i++) {
		const struct sc_metric_def *d = sc_metric_at(i);

		if (i)
			assert_true(strcmp(sc_metric_at(i - 1)->name, d->name) < 0);
		assert_ptr_equal(sc_metric_def_lookup(d->name), d);
		assert_non_null(d->unit);
		assert_true(strlen(d->unit) > 0);
		assert_true(strlen(d->description) > 0);
		seen[d->kind.tag] = true;
		if (d->kind.tag == SC_KIND_RATE) {
			/* Rate components are registered, non-derived metrics. */
			const struct sc_metric_def *n =
				sc_metric_def_lookup(d->kind.u.rate.numerator);
			const struct sc_metric_def *m =
				sc_metric_def_lookup(d->kind.u.rate.denominator);

			assert_non_null(n);
			assert_non_null(m);
			assert_false(sc_metric_kind_is_derived(&n->kind));
			assert_false(sc_metric_kind_is_derived(&m->kind));
		}
	}
	/* Every MetricKind the document names has at least one metric. */
	for (i = 0; i < SC_METRIC_KIND_MAX; i++)
		if (!seen[i])
			fail_msg("no registered metric of kind %s",
				 sc_metric_kind_tag_name((enum sc_metric_kind_tag)i));
	assert_null(sc_metric_def_lookup("no_such_metric"));
	assert_null(sc_metric_at(sc_metric_count()));
}

static void test_is_derived(void **state)
{
	struct sc_metric_kind k;
	unsigned t;

	(void)state;
	for (t = 0; t < SC_METRIC_KIND_MAX; t++) {
		bool want = t == SC_KIND_RATE || t == SC_KIND_DISTRIBUTION ||
			    t == SC_KIND_WORST_LOWEST || t == SC_KIND_WAKE_LATENCY_TAIL_RATIO ||
			    t == SC_KIND_WORST_CROSS_NODE_RATIO || t == SC_KIND_PER_PHASE ||
			    t == SC_KIND_PER_RUN_DISTRIBUTION;

		memset(&k, 0, sizeof(k));
		k.tag = (enum sc_metric_kind_tag)t;
		assert_int_equal(sc_metric_kind_is_derived(&k), want);
	}
}

static double merged(const char *name, double a, double b, uint64_t ac, uint64_t bc, uint64_t ae,
		     uint64_t be)
{
	const struct sc_metric_def *d = sc_metric_def_lookup(name);
	double out = NAN;

	assert_int_equal(sc_merge_metric_values(d ? &d->kind : NULL, a, b, ac, bc, ae, be, &out),
			 0);
	return out;
}

static void test_merge_arms(void **state)
{
	struct sc_metric_kind k = { .tag = SC_KIND_GAUGE, .u.gauge = SC_GAUGE_AVG };
	double out;

	(void)state;
	/* Counter, DeltaSum, PerPhaseDeltaSum: sum */
	th_assert_double_equal(merged("context_switches", 3, 4, 1, 1, 0, 0), 7);
	th_assert_double_equal(merged("throttled_us", 3, 4, 1, 1, 0, 0), 7);
	th_assert_double_equal(merged("numa_pages_migrated", 3, 4, 1, 1, 0, 0), 7);
	/* Peak and Gauge(Max): max */
	th_assert_double_equal(merged("peak_nr_running", 3, 9, 1, 1, 0, 0), 9);
	th_assert_double_equal(merged("rq_imbalance", 5, 2, 1, 1, 0, 0), 5);
	/* Gauge(Avg): weighted by sample counts */
	th_assert_double_equal(merged("mean_cpu_busy_pct", 10, 40, 3, 1, 0, 0),
			       (10.0 * 3 + 40.0) / 4.0);
	/* ... each weight floored at 1: a zero-capture bucket still counts once */
	th_assert_double_equal(merged("mean_cpu_busy_pct", 10, 40, 0, 3, 0, 0),
			       (10.0 + 40.0 * 3) / 4.0);
	th_assert_double_equal(merged("mean_cpu_busy_pct", 10, 40, 0, 0, 0, 0), 25.0);
	/* Gauge(Last) and Timestamp: the later end wins, a on ties */
	th_assert_double_equal(merged("nr_cgroups", 1, 2, 1, 1, 100, 200), 2);
	th_assert_double_equal(merged("nr_cgroups", 1, 2, 1, 1, 300, 200), 1);
	th_assert_double_equal(merged("nr_cgroups", 1, 2, 1, 1, 200, 200), 1);
	th_assert_double_equal(merged("last_sample_ms", 10, 20, 1, 1, 5, 6), 20);
	th_assert_double_equal(merged("last_sample_ms", 10, 20, 1, 1, 6, 6), 10);
	/* Unregistered: the commutative mean */
	th_assert_double_equal(merged("my_custom_metric", 1, 4, 9, 1, 0, 99), 2.5);
	/* Derived kinds are never merged as values */
	k.tag = SC_KIND_RATE;
	assert_int_equal(sc_merge_metric_values(&k, 1, 2, 1, 1, 0, 0, &out), -EINVAL);
	k.tag = SC_KIND_PER_PHASE;
	assert_int_equal(sc_merge_metric_values(&k, 1, 2, 1, 1, 0, 0, &out), -EINVAL);
	k.tag = SC_KIND_DISTRIBUTION;
	assert_int_equal(sc_merge_metric_values(&k, 1, 2, 1, 1, 0, 0, &out), -EINVAL);
}

static void test_derive_rates(void **state)
{
	struct sc_metric_map m = { 0 };
	double v;

	(void)state;
	assert_int_equal(sc_metric_map_set(&m, "cpu_busy_ns", 250), 0);
	assert_int_equal(sc_metric_map_set(&m, "cpu_total_ns", 1000), 0);
	assert_int_equal(sc_metric_map_set(&m, "context_switches", 5000), 0);
	assert_int_equal(sc_metric_map_set(&m, "elapsed_ns", 2e9), 0);
	assert_int_equal(sc_derive_rate_metrics(&m), 0);
	assert_true(sc_metric_map_get(&m, "cpu_util_pct", &v));
	th_assert_double_equal(v, 25.0);
	assert_true(sc_metric_map_get(&m, "context_switch_rate", &v));
	th_assert_double_equal(v, 2500.0);
	/* A zero denominator or a missing component: absent, not 0, not inf. */
	assert_int_equal(sc_metric_map_set(&m, "cpu_total_ns", 0), 0);
	sc_metric_map_remove(&m, "elapsed_ns");
	assert_int_equal(sc_derive_rate_metrics(&m), 0);
	assert_false(sc_metric_map_get(&m, "cpu_util_pct", &v));
	assert_false(sc_metric_map_get(&m, "context_switch_rate", &v));
	sc_metric_map_release(&m);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sc_metric_kind_tag_name(SC_KIND_PER_PHASE_DELTA_SUM),
			    "per_phase_delta_sum");
	assert_string_equal(sc_gauge_agg_name(SC_GAUGE_LAST), "last");
	assert_string_equal(sc_reduction_name(SC_REDUCE_P999), "p999");
	assert_string_equal(sc_lowest_of_name(SC_LOWEST_ITERATIONS_PER_CPU_SEC),
			    "iterations_per_cpu_sec");
	assert_string_equal(sc_polarity_name(SC_POLARITY_LOWER_BETTER), "lower_better");
	assert_string_equal(sc_metric_kind_tag_name(SC_METRIC_KIND_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_sorted_unique_and_complete),
		cmocka_unit_test(test_is_derived),
		cmocka_unit_test(test_merge_arms),
		cmocka_unit_test(test_derive_rates),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
