// SPDX-License-Identifier: MIT
/*
 * The checks on hand-built measurements: each check's Pass and Fail, its
 * Inconclusive where a denominator is legitimately zero, its Skip where the
 * environment cannot measure, and what makes a phase not count.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <schedcheck/scenario.h>
#include <schedcheck/verdict.h>

#include "scenario/run-internal.h"
#include "test-helpers.h"

struct fixture {
	struct sc_scenario s;
	struct sc_run_record rec;
	struct sc_assert_result r;
};

static void load(struct fixture *f, const char *json)
{
	struct sc_error err;

	memset(f, 0, sizeof(*f));
	if (sc_scenario_parse(json, strlen(json), "t", NULL, &f->s, &err))
		fail_msg("%s", err.msg);
	f->rec.s = &f->s;
	f->rec.have_cgroups = true;
	assert_int_equal(sc_cpu_set_parse_list("0-1", 64, &f->rec.online), 0);
	sc_assert_result_init(&f->r);
}

/* Adds a phase with its record; cpus per cgroup as cpulists (NULL = unknown). */
static struct sc_phase_bucket *phase(struct fixture *f, uint16_t idx, uint64_t start, uint64_t end,
				     const char *const *effective)
{
	struct sc_phase_bucket b;
	struct sc_phase_record *pr;
	size_t n = f->s.n_cgroups, i;

	assert_int_equal(sc_phase_bucket_init(&b, idx), 0);
	b.start_ms = start;
	b.end_ms = end;
	assert_int_equal(sc_scenario_stats_put_phase(&f->r.stats, &b), 0);
	f->rec.phases = realloc(f->rec.phases, (f->rec.n_phases + 1) * sizeof(*f->rec.phases));
	pr = &f->rec.phases[f->rec.n_phases++];
	memset(pr, 0, sizeof(*pr));
	pr->step_index = idx;
	pr->start_ms = start;
	pr->end_ms = end;
	pr->effective = calloc(n, sizeof(*pr->effective));
	pr->effective_known = calloc(n, sizeof(bool));
	pr->disturbed = calloc(n, sizeof(bool));
	pr->alive = calloc(n, sizeof(bool));
	for (i = 0; i < n; i++) {
		pr->alive[i] = true;
		if (effective && effective[i]) {
			assert_int_equal(sc_cpu_set_parse_list(effective[i], 64, &pr->effective[i]),
					 0);
			pr->effective_known[i] = true;
		}
	}
	return (struct sc_phase_bucket *)sc_scenario_stats_phase(&f->r.stats, (sc_phase){ idx });
}

/* Phases are looked up again each time: adding one may move the others. */
#define PH(f, idx) \
	((struct sc_phase_bucket *)sc_scenario_stats_phase(&(f)->r.stats, (sc_phase){ idx }))

static struct sc_phase_cgroup_stats *carrier(struct sc_phase_bucket *b, const char *name,
					     uint64_t workers, uint64_t iters, uint64_t gap_ms)
{
	struct sc_phase_cgroup_stats c;

	sc_phase_cgroup_stats_init(&c);
	c.num_workers = workers;
	c.total_iterations = iters;
	c.max_gap_ms = gap_ms;
	assert_int_equal(sc_carrier_map_put(&b->per_cgroup, name, &c), 0);
	return sc_carrier_map_find(&b->per_cgroup, name);
}

static size_t count(const struct fixture *f, enum sc_outcome_kind k, const char *check)
{
	size_t i, n = 0;

	if (getenv("SC_TEST_DEBUG"))
		for (i = 0; i < f->r.n_outcomes; i++)
			fprintf(stderr, "  %s %s %s: %s\n",
				sc_outcome_kind_name(f->r.outcomes[i].kind),
				f->r.outcomes[i].detail.check, f->r.outcomes[i].detail.cgroup,
				f->r.outcomes[i].detail.message);

	for (i = 0; i < f->r.n_outcomes; i++)
		if (f->r.outcomes[i].kind == k && !strcmp(f->r.outcomes[i].detail.check, check))
			n++;
	return n;
}

static const struct sc_assert_detail *find(const struct fixture *f, enum sc_outcome_kind k,
					   const char *check)
{
	size_t i;

	for (i = 0; i < f->r.n_outcomes; i++)
		if (f->r.outcomes[i].kind == k && !strcmp(f->r.outcomes[i].detail.check, check))
			return &f->r.outcomes[i].detail;
	fail_msg("no %s outcome for %s", sc_outcome_kind_name(k), check);
	return NULL;
}

static void done(struct fixture *f)
{
	sc_run_record_release(&f->rec);
	sc_assert_result_release(&f->r);
	sc_scenario_release(&f->s);
}

static const char *two_spinners =
	"{\"name\":\"t\",\"cgroups\":[{\"name\":\"a\",\"cpus\":\"0\",\"weight\":100,\"work\":"
	"[{\"type\":\"spin\",\"workers\":2}]},{\"name\":\"b\",\"cpus\":\"0\",\"weight\":400,"
	"\"work\":[{\"type\":\"spin\",\"workers\":2}]}],\"steps\":[{\"hold_ms\":1000}]}";

static void test_not_starved(void **state)
{
	struct fixture f;
	const struct sc_assert_detail *d;

	(void)state;
	load(&f, two_spinners);
	phase(&f, 0, 0, 500, NULL);
	phase(&f, 1, 500, 1500, NULL);
	carrier(PH(&f, 0), "a", 2, 100, 20);
	carrier(PH(&f, 1), "a", 2, 100, 1500)->max_gap_cpu = 1;
	carrier(PH(&f, 0), "b", 2, 100, 20);
	carrier(PH(&f, 1), "b", 2, 100, 30);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	d = find(&f, SC_OUTCOME_FAIL, "not_starved");
	assert_string_equal(d->cgroup, "a");
	assert_true(d->has_phase && d->phase == 1);
	assert_true(d->value.present && d->value.value == 1500);
	assert_true(d->limit.present && d->limit.value == 1000);
	assert_string_equal(d->unit, "ms");
	assert_non_null(strstr(d->message, "CPU 1"));
	assert_int_equal(count(&f, SC_OUTCOME_PASS, "not_starved"), 1);
	assert_true(sc_assert_result_is_fail(&f.r));
	done(&f);

	/* The same gap in a phase where the cgroup was frozen does not count. */
	load(&f, two_spinners);
	phase(&f, 0, 0, 500, NULL);
	phase(&f, 1, 500, 1500, NULL);
	carrier(PH(&f, 0), "a", 2, 100, 20);
	carrier(PH(&f, 1), "a", 2, 100, 1500);
	f.rec.phases[1].disturbed[0] = true;
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_int_equal(count(&f, SC_OUTCOME_FAIL, "not_starved"), 0);
	done(&f);
}

static void test_isolation(void **state)
{
	static const char *const only0[] = { "0", "0" };
	static const char *const both[] = { "0-1", "0" };
	struct fixture f;
	const struct sc_assert_detail *d;

	(void)state;
	load(&f, two_spinners);
	phase(&f, 0, 0, 500, only0);
	phase(&f, 1, 500, 1500, only0);
	sc_cpu_set_add(&carrier(PH(&f, 0), "a", 2, 1, 1)->cpus_used, 0);
	sc_cpu_set_add(&carrier(PH(&f, 1), "a", 2, 1, 1)->cpus_used, 1); /* escaped */
	sc_cpu_set_add(&carrier(PH(&f, 0), "b", 2, 1, 1)->cpus_used, 0);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	d = find(&f, SC_OUTCOME_FAIL, "isolation");
	assert_string_equal(d->cgroup, "a");
	assert_true(d->phase == 1);
	assert_non_null(strstr(d->message, "CPU 1"));
	assert_non_null(strstr(d->message, "cpuset 0"));
	assert_int_equal(count(&f, SC_OUTCOME_PASS, "isolation"), 1); /* b */
	done(&f);

	/* CPU 1 in BASELINE is allowed when the ops closing it widened the set. */
	load(&f, two_spinners);
	phase(&f, 0, 0, 500, only0);
	phase(&f, 1, 500, 1500, both);
	sc_cpu_set_add(&carrier(PH(&f, 0), "a", 2, 1, 1)->cpus_used, 1);
	sc_cpu_set_add(&carrier(PH(&f, 1), "a", 2, 1, 1)->cpus_used, 1);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_int_equal(count(&f, SC_OUTCOME_FAIL, "isolation"), 0);
	assert_int_equal(count(&f, SC_OUTCOME_PASS, "isolation"), 1);
	done(&f);

	/* No cgroups of its own: Skip, not Pass. */
	load(&f, two_spinners);
	f.rec.have_cgroups = false;
	phase(&f, 0, 0, 500, NULL);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_int_equal(count(&f, SC_OUTCOME_SKIP, "isolation"), 1);
	done(&f);
}

static void shares(struct fixture *f, uint64_t a_ns, uint64_t b_ns)
{
	static const char *const only0[] = { "0", "0" };
	struct sc_phase_bucket *b = phase(f, 0, 0, 1000, only0);

	carrier(b, "a", 2, 10, 1)->total_cpu_time_ns = a_ns;
	carrier(b, "b", 2, 10, 1)->total_cpu_time_ns = b_ns;
}

static void test_weighted_fairness(void **state)
{
	struct fixture f;
	const struct sc_assert_detail *d;

	(void)state;
	/* 1:4 weights, 21 % / 79 % received: within 25 %. */
	load(&f, two_spinners);
	shares(&f, 210, 790);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	d = find(&f, SC_OUTCOME_PASS, "weighted_fairness");
	th_assert_near(d->value.value, 0.05, 1e-9);
	done(&f);

	/* 50 / 50 although the weights say 20 / 80: the light one got 150 % too much. */
	load(&f, two_spinners);
	shares(&f, 500, 500);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	d = find(&f, SC_OUTCOME_FAIL, "weighted_fairness");
	th_assert_near(d->value.value, 1.5, 1e-9);
	assert_non_null(strstr(d->message, "a got 50.0 %"));
	assert_non_null(strstr(d->message, "entitles it to 20.0 %"));
	done(&f);

	/* Nobody got any CPU time under contention: the shares are undefined. */
	load(&f, two_spinners);
	shares(&f, 0, 0);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_int_equal(count(&f, SC_OUTCOME_INCONCLUSIVE, "weighted_fairness"), 1);
	done(&f);
}

static void test_no_contention_no_fairness(void **state)
{
	static const char *const wide[] = { "0-1", "0-1" };
	struct fixture f;
	struct sc_phase_bucket *b;

	(void)state;
	/* One worker each on two CPUs: weights do not bind, the check says nothing. */
	load(&f, "{\"name\":\"t\",\"cgroups\":[{\"name\":\"a\",\"weight\":100,\"work\":"
		 "[{\"type\":\"spin\"}]},{\"name\":\"b\",\"weight\":400,\"work\":"
		 "[{\"type\":\"spin\"}]}]}");
	b = phase(&f, 0, 0, 1000, wide);
	carrier(b, "a", 1, 10, 1)->total_cpu_time_ns = 500;
	carrier(b, "b", 1, 10, 1)->total_cpu_time_ns = 500;
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_int_equal(count(&f, SC_OUTCOME_PASS, "weighted_fairness") +
				 count(&f, SC_OUTCOME_FAIL, "weighted_fairness"),
			 0);
	done(&f);

	/* Members on different cpusets do not compete for the same CPUs. */
	{
		static const char *const apart[] = { "0", "0-1" };

		load(&f, two_spinners);
		b = phase(&f, 0, 0, 1000, apart);
		carrier(b, "a", 2, 10, 1)->total_cpu_time_ns = 500;
		carrier(PH(&f, 0), "b", 2, 10, 1)->total_cpu_time_ns = 500;
		assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
		assert_int_equal(count(&f, SC_OUTCOME_PASS, "weighted_fairness") +
					 count(&f, SC_OUTCOME_FAIL, "weighted_fairness"),
				 0);
		done(&f);
	}
}

static void test_spread_and_progress(void **state)
{
	struct fixture f;
	struct sc_phase_bucket *b;
	struct sc_phase_cgroup_stats *c;

	(void)state;
	load(&f, two_spinners);
	b = phase(&f, 0, 0, 1000, NULL);
	c = carrier(b, "a", 2, 0, 1); /* two workers, no progress at all */
	sc_f64_vec_push(&c->off_cpu_pcts, 10);
	sc_f64_vec_push(&c->off_cpu_pcts, 60);
	carrier(b, "b", 2, 10, 1); /* no wall time: off-CPU not measured */
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_true(find(&f, SC_OUTCOME_FAIL, "off_cpu_spread")->value.value == 50);
	assert_int_equal(count(&f, SC_OUTCOME_INCONCLUSIVE, "off_cpu_spread"), 1);
	assert_non_null(
		strstr(find(&f, SC_OUTCOME_FAIL, "iteration_rate")->message, "no progress"));
	done(&f);

	/* Spread is not judged for workers that sleep by design. */
	load(&f, "{\"name\":\"t\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"mixed\","
		 "\"workers\":2}]}]}");
	b = phase(&f, 0, 0, 1000, NULL);
	c = carrier(b, "a", 2, 10, 1);
	sc_f64_vec_push(&c->off_cpu_pcts, 0);
	sc_f64_vec_push(&c->off_cpu_pcts, 90);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_int_equal(count(&f, SC_OUTCOME_FAIL, "off_cpu_spread"), 0);
	done(&f);
}

static void test_whole_run_checks(void **state)
{
	struct fixture f;
	struct sc_cgroup_stats cs;

	(void)state;
	load(&f, "{\"name\":\"t\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"spin\","
		 "\"mempolicy\":\"bind\",\"nodes\":\"0\"}]}],\"checks\":{\"max_migration_ratio\":0."
		 "1,\"max_wake_latency_cv\":10,"
		 "\"max_rq_imbalance\":2}}");
	phase(&f, 0, 0, 1000, NULL);
	sc_cgroup_stats_init(&cs);
	cs.cgroup_name = strdup("a");
	cs.num_workers = 1;
	cs.wake_measured = true;
	cs.p99_wake_latency_us = 30000; /* default limit 20000 us */
	cs.wake_latency_cv = 0.5;
	assert_int_equal(sc_scenario_stats_add_cgroup(&f.r.stats, &cs), 0);
	assert_int_equal(sc_scenario_evaluate(&f.s, &f.rec, &f.r), 0);
	assert_true(find(&f, SC_OUTCOME_FAIL, "wake_latency_p99")->value.value == 30000);
	assert_int_equal(count(&f, SC_OUTCOME_PASS, "wake_latency_cv"), 1);
	/* No work units: migrations per unit undefined. No pages: locality undefined. */
	assert_int_equal(count(&f, SC_OUTCOME_INCONCLUSIVE, "migration_ratio"), 1);
	assert_int_equal(count(&f, SC_OUTCOME_INCONCLUSIVE, "page_locality"), 1);
	/* No per-CPU run-queue depth from this "kernel": Skip, with the reason. */
	assert_non_null(strstr(find(&f, SC_OUTCOME_SKIP, "rq_imbalance")->message,
			       "per-CPU run-queue depth"));
	assert_int_equal(count(&f, SC_OUTCOME_INCONCLUSIVE, "cross_node_migration"), 1);
	/* A timer check without timer samples says nothing. */
	assert_int_equal(count(&f, SC_OUTCOME_PASS, "timer_latency_p99") +
				 count(&f, SC_OUTCOME_FAIL, "timer_latency_p99") +
				 count(&f, SC_OUTCOME_SKIP, "timer_latency_p99"),
			 0);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_starved),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_weighted_fairness),
		cmocka_unit_test(test_no_contention_no_fairness),
		cmocka_unit_test(test_spread_and_progress),
		cmocka_unit_test(test_whole_run_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
