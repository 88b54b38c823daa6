// SPDX-License-Identifier: MIT
/*
 * The scenario parser: every canned scenario parses; every kind of bad input
 * gives an error naming file:line:col and the JSON path, and nothing leaks.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <schedcheck/scenario.h>

#include "io/json-internal.h"
#include "scenario/json-locate.h"
#include "test-helpers.h"

static struct sc_cpu_set online, nodes;
static struct sc_scenario_env env = { &online, &nodes };

static int setup(void **state)
{
	(void)state;
	sc_cpu_set_parse_list("0-1", 64, &online);
	sc_cpu_set_parse_list("0", 64, &nodes);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sc_cpu_set_release(&online);
	sc_cpu_set_release(&nodes);
	return 0;
}

static void test_canned_all_parse(void **state)
{
	size_t i;

	(void)state;
	assert_true(sc_canned_count() >= 12);
	assert_non_null(sc_canned_json(SC_DEFAULT_SCENARIO));
	assert_null(sc_canned_json("nope"));
	for (i = 0; i < sc_canned_count(); i++) {
		const char *name = sc_canned_name(i), *json = sc_canned_json(name);
		struct sc_scenario s;
		struct sc_error err;

		if (sc_scenario_parse(json, strlen(json), name, &env, &s, &err))
			fail_msg("canned %s: %s", name, err.msg);
		assert_string_equal(s.name, name);
		assert_true(strlen(sc_canned_summary(i)) > 20);
		assert_true(s.n_cgroups >= 1);
		assert_true(sc_scenario_total_workers(&s) >= 1);
		assert_true(sc_scenario_duration_ms(&s) < 10000);
		sc_scenario_release(&s);
	}
}

static void test_model_details(void **state)
{
	const char *json = sc_canned_json("cgroup_add");
	struct sc_scenario s;
	struct sc_error err;

	(void)state;
	assert_int_equal(sc_scenario_parse(json, strlen(json), "x", &env, &s, &err), 0);
	assert_int_equal(s.n_cgroups, 2);
	assert_true(s.cgroups[0].initial);
	assert_false(s.cgroups[1].initial); /* added by the op */
	assert_int_equal(s.n_steps, 2);
	assert_int_equal(s.steps[1].ops[0].kind, SC_OP_ADD_CGROUP);
	assert_int_equal(s.steps[1].ops[0].cgroup, 1);
	assert_int_equal(sc_scenario_duration_ms(&s), 4000);
	assert_int_equal(sc_scenario_total_workers(&s), 4);
	sc_scenario_release(&s);

	json = sc_canned_json("nested_steady");
	assert_int_equal(sc_scenario_parse(json, strlen(json), "x", &env, &s, &err), 0);
	assert_int_equal(s.n_cgroups, 5);
	assert_string_equal(s.cgroups[3].name, "deep");
	assert_string_equal(s.cgroups[s.cgroups[3].parent].name, "right");
	assert_int_equal(s.cgroups[s.cgroups[3].parent].parent, 0);
	sc_scenario_release(&s);

	json = sc_canned_json("weighted_fairness");
	assert_int_equal(sc_scenario_parse(json, strlen(json), "x", &env, &s, &err), 0);
	assert_true(s.cgroups[1].settings.has_weight);
	assert_int_equal(s.cgroups[1].settings.weight, 400);
	assert_true(isnan(s.checks.value[SC_CHECK_OFF_CPU_SPREAD])); /* null = off */
	assert_true(s.checks.value[SC_CHECK_NOT_STARVED] == 1000.0); /* default */
	sc_scenario_release(&s);
}

struct bad_case {
	const char *json;
	const char *want; /* substring of the message, including file:line:col */
};

static const struct bad_case bad_cases[] = {
	{ "", "f.json:1:1: invalid JSON" },
	{ "{\"name\": \"x\",\n \"cgroups\": [ }", "f.json:2:" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}]} trailing", "f.json:1:39: invalid JSON" },
	{ "[]", "f.json:1:1: (top level): expected a scenario object, got an array" },
	{ "{\"name\":\"x\",\"name\":\"y\",\"cgroups\":[{\"name\":\"a\"}]}", "duplicate key" },
	{ "{\"name\":\"x\",\"settle_ms\":01,\"cgroups\":[{\"name\":\"a\"}]}", "f.json:1:" },
	{ "{\"name\":\"x\",\"settle_ms\":99999999999999999999999,\"cgroups\":[]}", "f.json:1:" },
	{ "{\"cgroups\":[{\"name\":\"a\"}]}", "missing required key \"name\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\n  \"colour\": 1}",
	  "f.json:2:3: colour: unknown key" },
	{ "{\"name\":\"x\",\"cgroups\":[]}", "cgroups: a scenario needs at least one cgroup" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"weight\":0}]}",
	  "f.json:1:45: cgroups[0].weight: 0 is out of range [1, 10000]" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"weight\":\"big\"}]}",
	  "cgroups[0].weight: expected an unsigned integer, got a string" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"weight\":-5}]}",
	  "cgroups[0].weight: expected an unsigned integer, got a negative number" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"cpus\":\"0-7\"}]}",
	  "cgroups[0].cpus: CPU 2 is not online (online: 0-1)" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"cpus\":\"zero\"}]}",
	  "cgroups[0].cpus: \"zero\" is not a cpulist" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"},{\"name\":\"a\"}]}",
	  "cgroups[1].name: duplicate cgroup name \"a\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a/b\"}]}", "is not a valid cgroup name" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"sleepy\"}]}]}",
	  "cgroups[0].work[0].type: unknown work type \"sleepy\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"futex_pingpong\","
	  "\"workers\":3}]}]}",
	  "cgroups[0].work[0]: " },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"spin\","
	  "\"params\":{\"spin_loopz\":1}}]}]}",
	  "cgroups[0].work[0].params.spin_loopz: unknown key" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"spin\","
	  "\"nice\":40}]}]}",
	  "cgroups[0].work[0].nice: 40 is out of range [-20, 19]" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"hold_ms\":10,\"ops\":"
	  "[{\"op\":\"freeze\",\"cgroup\":\"b\"}]}]}",
	  "steps[0].ops[0].cgroup: no cgroup named \"b\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"hold_ms\":10,\"ops\":"
	  "[{\"op\":\"remove_cgroup\",\"cgroup\":\"a\"}]},{\"hold_ms\":10,\"ops\":"
	  "[{\"op\":\"set_weight\",\"cgroup\":\"a\",\"weight\":5}]}]}",
	  "steps[1].ops[0].cgroup: cgroup \"a\" does not exist at this step" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"hold_ms\":10,\"ops\":"
	  "[{\"op\":\"set_weight\",\"cgroup\":\"b\",\"weight\":5},{\"op\":\"add_cgroup\","
	  "\"cgroup\":{\"name\":\"b\"}}]}]}",
	  "steps[0].ops[0].cgroup: no cgroup named \"b\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"hold_ms\":10,\"ops\":"
	  "[{\"op\":\"jump\"}]}]}",
	  "steps[0].ops[0].op: unknown op \"jump\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"ops\":[]}]}",
	  "steps[0]: missing required key \"hold_ms\"" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"checks\":{\"max_gap\":5}}",
	  "checks.max_gap: unknown check threshold" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"checks\":{\"max_gap_ms\":\"5\"}}",
	  "checks.max_gap_ms: expected a number or null" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":\"spin\","
	  "\"workers\":4000},{\"type\":\"spin\",\"workers\":4000}]}]}",
	  "the scenario would run more than 4096 workers" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"work\":[{\"type\":"
	  "\"timer_latency\",\"workers\":1500}]}]}",
	  "cgroups[0].work[0]: latency reservoirs of this many sampling workers could take" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"hold_ms\":1,\"ops\":"
	  "[{\"op\":\"detach_scheduler\"}]},{\"hold_ms\":1,\"ops\":[{\"op\":\"detach_scheduler\"}]}"
	  "]}",
	  "steps[1].ops[0]: the scheduler is detached at this step" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\"}],\"steps\":[{\"hold_ms\":1,\"ops\":"
	  "[{\"op\":\"attach_scheduler\"}]}]}",
	  "steps[0].ops[0]: the scheduler is already attached at this step" },
	{ "{\"name\":\"x\",\"settle_ms\":86400000,\"cgroups\":[{\"name\":\"a\"}],"
	  "\"steps\":[{\"hold_ms\":1}]}",
	  "the scenario lasts more than" },
	{ "{\"name\":\"x\",\"sample_interval_ms\":1,\"cgroups\":[{\"name\":\"a\"}]}",
	  "sample_interval_ms: 1 is out of range [10, 60000]" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"children\":[{\"name\":\"b\","
	  "\"children\":[{\"name\":\"c\",\"children\":[{\"name\":\"d\",\"children\":[{\"name\":"
	  "\"e\",\"children\":[{\"name\":\"f\",\"children\":[{\"name\":\"g\",\"children\":"
	  "[{\"name\":\"h\",\"children\":[{\"name\":\"i\"}]}]}]}]}]}]}]}]}]}",
	  "cgroups nested deeper than 8" },
	{ "{\"name\":\"x\",\"cgroups\":[{\"name\":\"a\",\"children\":[{\"name\":\"b\"}]}],"
	  "\"steps\":[{\"hold_ms\":1,\"ops\":[{\"op\":\"remove_cgroup\",\"cgroup\":\"a\"}]}]}",
	  "still has child \"b\"" },
};

static void test_bad_inputs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct sc_scenario s;
		struct sc_error err;
		int r;

		memset(&s, 0x5a, sizeof(s)); /* untouched on error */
		err.msg[0] = '\0';
		r = sc_scenario_parse(bad_cases[i].json, strlen(bad_cases[i].json), "f.json", &env,
				      &s, &err);
		if (r != -EINVAL)
			fail_msg("case %zu: expected -EINVAL, got %d (%s)", i, r, err.msg);
		if (!strstr(err.msg, bad_cases[i].want))
			fail_msg("case %zu: message\n  %s\nlacks\n  %s", i, err.msg,
				 bad_cases[i].want);
		if (strncmp(err.msg, "f.json:", 7))
			fail_msg("case %zu: message does not start with file:line: %s", i, err.msg);
	}
}

/* Every prefix of a valid scenario is an error with a location, never a crash. */
static void test_truncations(void **state)
{
	const char *json = sc_canned_json("mixed_workloads");
	size_t len = strlen(json), cut;

	(void)state;
	for (cut = 0; cut < len; cut++) {
		struct sc_scenario s;
		struct sc_error err;
		int r = sc_scenario_parse(json, cut, "t.json", &env, &s, &err);

		if (r == 0) {
			/* Only a cut in trailing whitespace can still be valid. */
			size_t k;

			for (k = cut; k < len; k++)
				assert_non_null(strchr(" \t\r\n", json[k]));
			sc_scenario_release(&s);
			continue;
		}
		assert_int_equal(r, -EINVAL);
		assert_int_equal(strncmp(err.msg, "t.json:", 7), 0);
	}
}

/* The fuzz target's seed corpus, replayed as an ordinary test. */
static void test_corpus_replay(void **state)
{
	const char *root = getenv("SC_SOURCE_ROOT");
	char dir[4096], path[4600];
	struct dirent *de;
	size_t seen = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/scenario", root ? root : ".");
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct sc_scenario s;
		struct sc_error err;
		bool good = !strncmp(de->d_name, "good-", 5);
		char *buf;
		long len;
		FILE *f;
		int r;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)len + 1);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		err.msg[0] = '\0';
		r = sc_scenario_parse(buf, (size_t)len, "c.json", &env, &s, &err);
		if (good && r)
			fail_msg("%s: %s", de->d_name, err.msg);
		if (!good && !r)
			fail_msg("%s: accepted", de->d_name);
		if (!r)
			sc_scenario_release(&s);
		else if (strncmp(err.msg, "c.json", 6))
			fail_msg("%s: message without a place: %s", de->d_name, err.msg);
		free(buf);
		seen++;
	}
	closedir(d);
	assert_true(seen >= 20);
}

static void test_json_locate(void **state)
{
	const char *t = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"a\": [7]\n}";
	struct sc_json_step p[3] = { { "a", 0 }, { NULL, 1 }, { "b", 0 } };
	size_t line, col;
	long off;

	(void)state;
	/* Duplicate keys: json-c keeps the last, so does the locator. */
	off = sc_json_locate(t, strlen(t), p, 1, 0);
	sc_json_line_col(t, strlen(t), (size_t)off, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 8);
	assert_int_equal(sc_json_locate(t, strlen(t), p, 3, 0), -1);
	off = sc_json_locate(t, strlen(t), p, 0, 0);
	assert_int_equal(off, 0);
	/* Broken text never reads past the end. */
	assert_int_equal(sc_json_locate("{\"a\": [1, ", 10, p, 2, 0), -1);
}

static void test_check_config(void **state)
{
	struct sc_check_config c;
	struct sc_error err;
	int i;

	(void)state;
	sc_check_config_init(&c);
	assert_true(c.value[SC_CHECK_NOT_STARVED] == 1000.0);
	assert_int_equal(sc_check_config_apply(&c, "max_gap_ms=500", &err), 0);
	assert_true(c.value[SC_CHECK_NOT_STARVED] == 500.0);
	assert_int_equal(sc_check_config_apply(&c, "not_starved=off", &err), 0);
	assert_true(isnan(c.value[SC_CHECK_NOT_STARVED]));
	assert_int_equal(sc_check_config_apply(&c, "isolation=false", &err), 0);
	assert_true(isnan(c.value[SC_CHECK_ISOLATION]));
	assert_int_equal(sc_check_config_apply(&c, "max_gap_ms=-1", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "max_gap_ms"));
	assert_int_equal(sc_check_config_apply(&c, "bogus=1", &err), -EINVAL);
	assert_int_equal(sc_check_config_apply(&c, "max_gap_ms", &err), -EINVAL);
	for (i = 0; i < SC_CHECK_MAX; i++) {
		const struct sc_check_def *d = sc_check_def_at((enum sc_check_id)i);

		assert_int_equal(sc_check_lookup(d->key), i);
		assert_int_equal(sc_check_lookup(d->name), i);
		assert_true(strlen(d->description) > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canned_all_parse), cmocka_unit_test(test_model_details),
		cmocka_unit_test(test_bad_inputs),	 cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_corpus_replay),	 cmocka_unit_test(test_json_locate),
		cmocka_unit_test(test_check_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
