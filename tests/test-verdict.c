// SPDX-License-Identifier: MIT
/*
 * The verdict: the ordered fold (Fail > Inconclusive > Pass > Skip, empty =
 * Pass), detail iteration, the bounded pass records with their single tail
 * sentinel, measurements, notes, and merging two results.
 */
#include <errno.h>

#include <schedcheck/verdict.h>

#include "test-helpers.h"

static void record(struct sc_assert_result *r, enum sc_outcome_kind k, const char *check)
{
	struct sc_assert_detail d;

	sc_assert_detail_init(&d);
	assert_int_equal(sc_assert_detail_set(&d, check, "cg", "msg"), 0);
	assert_int_equal(sc_assert_result_record_outcome(r, k, &d), 0);
	assert_null(d.check); /* moved in */
}

static void test_fold_precedence(void **state)
{
	static const enum sc_outcome_kind order[] = { SC_OUTCOME_SKIP, SC_OUTCOME_PASS,
						      SC_OUTCOME_INCONCLUSIVE, SC_OUTCOME_FAIL };
	struct sc_assert_result r;
	unsigned mask, i;

	(void)state;
	sc_assert_result_init(&r);
	assert_int_equal(sc_assert_result_outcome(&r), SC_OUTCOME_PASS); /* empty = Pass */
	assert_true(sc_assert_result_is_pass(&r));
	sc_assert_result_release(&r);
	/* Every non-empty combination folds to its highest-precedence member. */
	for (mask = 1; mask < 16; mask++) {
		enum sc_outcome_kind want = SC_OUTCOME_SKIP;

		sc_assert_result_init(&r);
		for (i = 0; i < 4; i++)
			if (mask & (1u << i)) {
				record(&r, order[i], "c");
				want = order[i];
			}
		assert_int_equal(sc_assert_result_outcome(&r), want);
		assert_int_equal(sc_assert_result_is_fail(&r), want == SC_OUTCOME_FAIL);
		assert_int_equal(sc_assert_result_is_inconclusive(&r),
				 want == SC_OUTCOME_INCONCLUSIVE);
		assert_int_equal(sc_assert_result_is_skip(&r), want == SC_OUTCOME_SKIP);
		assert_int_equal(sc_assert_result_is_pass(&r), want == SC_OUTCOME_PASS);
		sc_assert_result_release(&r);
	}
}

static void test_constructors_and_details(void **state)
{
	struct sc_assert_result r;
	struct sc_assert_detail d;
	const struct sc_assert_detail *it;
	size_t cur = 0;
	enum sc_outcome_kind k;

	(void)state;
	sc_assert_detail_init(&d);
	assert_int_equal(sc_assert_detail_set(&d, "env", NULL, "needs 4 CPUs"), 0);
	assert_int_equal(sc_assert_result_init_skip(&r, &d), 0);
	assert_true(sc_assert_result_is_skip(&r));
	it = sc_assert_result_next_detail(&r, SC_OUTCOME_SKIP, &cur);
	assert_non_null(it);
	assert_string_equal(it->message, "needs 4 CPUs");
	assert_null(it->cgroup);
	assert_null(sc_assert_result_next_detail(&r, SC_OUTCOME_SKIP, &cur));
	/* A Pass outranks Skip. */
	record(&r, SC_OUTCOME_PASS, "max_gap");
	assert_true(sc_assert_result_is_pass(&r));
	sc_assert_result_release(&r);

	sc_assert_detail_init(&d);
	d.value = sc_some_f64(812);
	d.limit = sc_some_f64(500);
	d.has_phase = true;
	d.phase = 2;
	assert_int_equal(sc_assert_detail_set(&d, "max_gap", "web", "gap 812 ms > 500 ms"), 0);
	assert_int_equal(sc_assert_result_init_fail(&r, &d), 0);
	record(&r, SC_OUTCOME_FAIL, "isolation");
	record(&r, SC_OUTCOME_INCONCLUSIVE, "wake_cv");
	assert_int_equal(sc_assert_result_count(&r, SC_OUTCOME_FAIL), 2);
	cur = 0;
	it = sc_assert_result_next_detail(&r, SC_OUTCOME_FAIL, &cur);
	assert_string_equal(it->check, "max_gap");
	assert_true(it->value.present && it->value.value == 812);
	assert_int_equal(it->phase, 2);
	it = sc_assert_result_next_detail(&r, SC_OUTCOME_FAIL, &cur);
	assert_string_equal(it->check, "isolation");
	assert_null(sc_assert_result_next_detail(&r, SC_OUTCOME_FAIL, &cur));
	cur = 0;
	it = sc_assert_result_next_detail(&r, SC_OUTCOME_INCONCLUSIVE, &cur);
	assert_string_equal(it->check, "wake_cv");
	sc_assert_result_release(&r);

	assert_int_equal(sc_outcome_kind_parse("inconclusive", &k), 0);
	assert_int_equal(k, SC_OUTCOME_INCONCLUSIVE);
	assert_int_equal(sc_outcome_kind_parse("maybe", &k), -EINVAL);
	assert_string_equal(sc_outcome_kind_name(SC_OUTCOME_FAIL), "fail");
}

static void push_pass(struct sc_assert_result *r, const char *name)
{
	struct sc_pass_detail p;

	sc_pass_detail_init(&p);
	p.name = strdup(name);
	p.message = strdup("ok");
	assert_int_equal(sc_assert_result_record_pass_detail(r, &p), 0);
	assert_null(p.name);
}

static void test_pass_truncation_sentinel(void **state)
{
	struct sc_assert_result r, r2;
	size_t i, sentinels = 0;

	(void)state;
	sc_assert_result_init(&r);
	for (i = 0; i < SC_MAX_RECORDED_PASSES; i++)
		push_pass(&r, "claim");
	assert_false(sc_assert_result_passes_truncated(&r));
	assert_int_equal(r.n_passes, SC_MAX_RECORDED_PASSES);
	for (i = 0; i < 10; i++)
		push_pass(&r, "late");
	assert_true(sc_assert_result_passes_truncated(&r));
	assert_int_equal(r.n_passes, SC_MAX_RECORDED_PASSES + 1);
	for (i = 0; i < r.n_passes; i++)
		sentinels += !strcmp(r.passes[i].name, SC_PASSES_TRUNCATION_SENTINEL_NAME);
	assert_int_equal(sentinels, 1);
	assert_string_equal(r.passes[r.n_passes - 1].name, SC_PASSES_TRUNCATION_SENTINEL_NAME);
	assert_true(r.passes[r.n_passes - 1].value.value == 10);
	/* Passes never change the verdict. */
	assert_true(sc_assert_result_is_pass(&r));

	/* Merging two truncated results keeps one sentinel and adds counts. */
	sc_assert_result_init(&r2);
	for (i = 0; i < SC_MAX_RECORDED_PASSES + 5; i++)
		push_pass(&r2, "other");
	assert_int_equal(sc_assert_result_merge(&r, &r2), 0);
	assert_int_equal(r.n_passes, SC_MAX_RECORDED_PASSES + 1);
	assert_true(sc_assert_result_passes_truncated(&r));
	assert_true(r.passes[r.n_passes - 1].value.value == 10 + SC_MAX_RECORDED_PASSES + 5);
	sc_assert_result_release(&r);
}

static void test_measurements_and_notes(void **state)
{
	struct sc_assert_result r;
	struct sc_note_value v = { .type = SC_NOTE_U64, .v.u64 = UINT64_MAX };
	const struct sc_note_value *got;
	enum sc_note_value_type t;
	char hello[] = "hello";

	(void)state;
	sc_assert_result_init(&r);
	assert_int_equal(sc_assert_result_note_value(&r, "zeta", &v), 0);
	v.type = SC_NOTE_TEXT;
	v.v.text = hello;
	assert_int_equal(sc_assert_result_note_value(&r, "alpha", &v), 0);
	v.type = SC_NOTE_F64;
	v.v.f64 = 0.5;
	assert_int_equal(sc_assert_result_note_value(&r, "mid", &v), 0);
	/* Sorted by key. */
	assert_string_equal(r.measurements.e[0].key, "alpha");
	assert_string_equal(r.measurements.e[2].key, "zeta");
	got = sc_measurement_map_get(&r.measurements, "zeta");
	assert_true(got->v.u64 == UINT64_MAX);
	got = sc_measurement_map_get(&r.measurements, "alpha");
	assert_string_equal(got->v.text, "hello");
	/* Replace keeps one entry. */
	v.type = SC_NOTE_BOOL;
	v.v.b = true;
	assert_int_equal(sc_assert_result_note_value(&r, "alpha", &v), 0);
	assert_int_equal(r.measurements.len, 3);
	assert_int_equal(sc_measurement_map_get(&r.measurements, "alpha")->type, SC_NOTE_BOOL);
	assert_null(sc_measurement_map_get(&r.measurements, "nope"));
	/* Notes are kept apart from outcomes: still an empty Pass. */
	assert_int_equal(sc_assert_result_note(&r, "runner", "host load 1.2"), 0);
	assert_int_equal(r.n_info_notes, 1);
	assert_int_equal(r.n_outcomes, 0);
	assert_true(sc_assert_result_is_pass(&r));
	sc_assert_result_release(&r);
	assert_int_equal(sc_note_value_type_parse("i64", &t), 0);
	assert_int_equal(t, SC_NOTE_I64);
}

static void add_cgroup(struct sc_assert_result *r, const char *name, uint64_t gap, uint64_t cpu,
		       double spread)
{
	struct sc_cgroup_stats cs;

	sc_cgroup_stats_init(&cs);
	cs.cgroup_name = strdup(name);
	cs.num_workers = 2;
	cs.total_iterations = 100;
	cs.total_migrations = 3;
	cs.max_gap_ms = gap;
	cs.max_gap_cpu = cpu;
	if (spread >= 0)
		cs.spread = sc_some_f64(spread);
	assert_int_equal(sc_cpu_set_add(&cs.cpus_used, cpu), 0);
	assert_int_equal(sc_scenario_stats_add_cgroup(&r->stats, &cs), 0);
}

static void add_phase(struct sc_assert_result *r, uint16_t idx, const char *cg, uint64_t iters)
{
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;

	assert_int_equal(sc_phase_bucket_init(&b, idx), 0);
	b.end_ms = 100u * idx;
	b.sample_count = 2;
	assert_int_equal(sc_metric_map_set(&b.metrics, "context_switches", 10), 0);
	sc_phase_cgroup_stats_init(&c);
	c.num_workers = 2;
	c.total_iterations = iters;
	assert_int_equal(sc_carrier_map_put(&b.per_cgroup, cg, &c), 0);
	assert_int_equal(sc_scenario_stats_put_phase(&r->stats, &b), 0);
}

static void test_merge_results(void **state)
{
	struct sc_assert_result a, b;
	struct sc_note_value v = { .type = SC_NOTE_I64, .v.i64 = -1 };
	const struct sc_phase_bucket *p;
	double x;

	(void)state;
	sc_assert_result_init(&a);
	sc_assert_result_init(&b);
	record(&a, SC_OUTCOME_PASS, "a1");
	record(&b, SC_OUTCOME_FAIL, "b1");
	record(&b, SC_OUTCOME_SKIP, "b2");
	assert_int_equal(sc_assert_result_note_value(&a, "k", &v), 0);
	v.v.i64 = 2;
	assert_int_equal(sc_assert_result_note_value(&b, "k", &v), 0);
	assert_int_equal(sc_assert_result_note_value(&b, "only_b", &v), 0);
	assert_int_equal(sc_assert_result_note(&a, NULL, "a note"), 0);
	assert_int_equal(sc_assert_result_note(&b, "x", "b note"), 0);
	add_cgroup(&a, "web", 10, 1, 5.0);
	add_cgroup(&b, "web", 10, 3, -1); /* spread not measured */
	add_cgroup(&b, "db", 4, 0, 20.0);
	add_phase(&a, 0, "web", 5);
	add_phase(&a, 2, "web", 50);
	add_phase(&b, 1, "web", 7);
	add_phase(&b, 2, "web", 60);
	assert_int_equal(a.stats.total_cpus, 1);

	assert_int_equal(sc_assert_result_merge(&a, &b), 0);
	/* Outcomes in order, a's then b's. */
	assert_int_equal(a.n_outcomes, 3);
	assert_string_equal(a.outcomes[0].detail.check, "a1");
	assert_string_equal(a.outcomes[1].detail.check, "b1");
	assert_string_equal(a.outcomes[2].detail.check, "b2");
	assert_true(sc_assert_result_is_fail(&a));
	/* Measurements by key: b wins a duplicate. */
	assert_true(sc_measurement_map_get(&a.measurements, "k")->v.i64 == 2);
	assert_non_null(sc_measurement_map_get(&a.measurements, "only_b"));
	assert_int_equal(a.n_info_notes, 2);
	assert_string_equal(a.info_notes[1].text, "b note");
	/* Stats: cgroups appended, counters summed, worsts kept. */
	assert_int_equal(a.stats.n_cgroups, 3);
	assert_int_equal(a.stats.total_workers, 6);
	assert_int_equal(a.stats.total_iterations, 300);
	assert_int_equal(a.stats.total_migrations, 9);
	assert_true(a.stats.worst_spread.present);
	th_assert_double_equal(a.stats.worst_spread.value, 20.0);
	/* Equal worst gaps: the later (b's) CPU wins, as the coupled argmax does. */
	assert_int_equal(a.stats.worst_gap_ms, 10);
	assert_int_equal(a.stats.worst_gap_cpu, 3);
	/* Phases matched by step_index, sorted, unmatched kept. */
	assert_int_equal(a.stats.n_phases, 3);
	assert_int_equal(a.stats.phases[0].step_index, 0);
	assert_int_equal(a.stats.phases[1].step_index, 1);
	assert_int_equal(a.stats.phases[2].step_index, 2);
	p = sc_scenario_stats_phase(&a.stats, sc_phase_step(1));
	assert_int_equal(p->sample_count, 4);
	assert_true(sc_phase_bucket_get(p, "context_switches", &x));
	th_assert_double_equal(x, 20);
	assert_int_equal(sc_carrier_map_find(&p->per_cgroup, "web")->total_iterations, 110);
	/* Per-phase derived metrics re-derived after the merge. */
	assert_true(sc_phase_cgroup_stats_get(sc_carrier_map_find(&p->per_cgroup, "web"),
					      "iterations_per_worker", &x));
	th_assert_double_equal(x, 110.0 / 4.0);
	assert_null(sc_scenario_stats_phase(&a.stats, sc_phase_step(5)));
	sc_assert_result_release(&a);
}

/* Merging with the empty result is the identity. */
static void test_merge_identity(void **state)
{
	struct sc_assert_result a, e;

	(void)state;
	sc_assert_result_init(&a);
	sc_assert_result_init(&e);
	record(&a, SC_OUTCOME_INCONCLUSIVE, "x");
	add_cgroup(&a, "web", 1, 0, 1.0);
	assert_int_equal(sc_assert_result_merge(&a, &e), 0);
	assert_int_equal(a.n_outcomes, 1);
	assert_int_equal(a.stats.n_cgroups, 1);
	assert_true(sc_assert_result_is_inconclusive(&a));
	sc_assert_result_init(&e);
	assert_int_equal(sc_assert_result_merge(&e, &a), 0);
	assert_int_equal(e.n_outcomes, 1);
	assert_int_equal(e.stats.n_cgroups, 1);
	assert_true(e.stats.worst_spread.present);
	sc_assert_result_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_precedence),
		cmocka_unit_test(test_constructors_and_details),
		cmocka_unit_test(test_pass_truncation_sentinel),
		cmocka_unit_test(test_measurements_and_notes),
		cmocka_unit_test(test_merge_results),
		cmocka_unit_test(test_merge_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
