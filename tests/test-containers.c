// SPDX-License-Identifier: MIT
/*
 * Containers: vectors grow and copy, the CPU set stays sorted and unique,
 * the metric map stays sorted and replaces on an existing key.
 */
#include <errno.h>

#include "test-helpers.h"

static void test_u64_vec(void **state)
{
	struct sc_u64_vec v = { 0 }, c = { 0 }, m = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(sc_u64_vec_push(&v, i * 3), 0);
	assert_int_equal(v.len, 1000);
	assert_int_equal(sc_u64_vec_copy(&c, &v), 0);
	assert_memory_equal(c.v, v.v, 1000 * sizeof(uint64_t));
	assert_int_equal(sc_u64_vec_append(&c, NULL, 0), 0);
	assert_int_equal(sc_u64_vec_reserve(&c, SIZE_MAX), -EOVERFLOW);
	assert_int_equal(c.len, 1000);
	sc_u64_vec_move(&m, &c);
	assert_int_equal(m.len, 1000);
	assert_null(c.v);
	sc_u64_vec_release(&v);
	sc_u64_vec_release(&m);
	sc_u64_vec_release(NULL);
}

static void test_f64_vec(void **state)
{
	struct sc_f64_vec v = { 0 }, c = { 0 };
	double x[] = { 1.5, -2.0 };

	(void)state;
	assert_int_equal(sc_f64_vec_append(&v, x, 2), 0);
	assert_int_equal(sc_f64_vec_push(&v, 3.0), 0);
	assert_int_equal(sc_f64_vec_copy(&c, &v), 0);
	assert_int_equal(c.len, 3);
	assert_true(c.v[1] == -2.0);
	sc_f64_vec_release(&v);
	sc_f64_vec_release(&c);
}

static void test_cpu_set(void **state)
{
	struct sc_cpu_set a = { 0 }, b = { 0 }, c = { 0 };
	uint64_t in_a[] = { 5, 1, 3, 3, 1 }, in_b[] = { 4, 5, UINT64_MAX, 0 };
	uint64_t want[] = { 0, 1, 3, 4, 5, UINT64_MAX };

	(void)state;
	th_cpus(&a, in_a, 5);
	assert_int_equal(a.len, 3);
	assert_true(a.cpus[0] == 1 && a.cpus[1] == 3 && a.cpus[2] == 5);
	th_cpus(&b, in_b, 4);
	assert_int_equal(sc_cpu_set_union(&a, &b), 0);
	assert_int_equal(a.len, 6);
	assert_memory_equal(a.cpus, want, sizeof(want));
	assert_true(sc_cpu_set_contains(&a, UINT64_MAX));
	assert_false(sc_cpu_set_contains(&a, 2));
	assert_int_equal(sc_cpu_set_copy(&c, &a), 0);
	assert_true(sc_cpu_set_equal(&a, &c));
	assert_false(sc_cpu_set_equal(&a, &b));
	/* Union with an empty set changes nothing. */
	sc_cpu_set_release(&b);
	assert_int_equal(sc_cpu_set_union(&a, &b), 0);
	assert_int_equal(a.len, 6);
	sc_cpu_set_release(&a);
	sc_cpu_set_release(&c);
}

static void test_metric_map(void **state)
{
	struct sc_metric_map m = { 0 }, c = { 0 };
	double v = -1;

	(void)state;
	assert_int_equal(sc_metric_map_set(&m, "b", 2), 0);
	assert_int_equal(sc_metric_map_set(&m, "a", 1), 0);
	assert_int_equal(sc_metric_map_set(&m, "c", 3), 0);
	assert_int_equal(sc_metric_map_set(&m, "b", 20), 0);
	assert_int_equal(m.len, 3);
	assert_string_equal(m.e[0].name, "a");
	assert_string_equal(m.e[2].name, "c");
	assert_true(sc_metric_map_get(&m, "b", &v));
	assert_true(v == 20);
	v = -1;
	assert_false(sc_metric_map_get(&m, "zz", &v));
	assert_true(v == -1); /* untouched when absent */
	assert_int_equal(sc_metric_map_copy(&c, &m), 0);
	assert_true(sc_metric_map_remove(&m, "a"));
	assert_false(sc_metric_map_remove(&m, "a"));
	assert_int_equal(m.len, 2);
	assert_int_equal(c.len, 3);
	sc_metric_map_release(&m);
	sc_metric_map_release(&c);
}

static void test_cpulist(void **state)
{
	struct sc_cpu_set s = { 0 };
	char buf[64];
	static const char *bad[] = { "a", "1-", "-1", "3-1", "1,,2", "1,", "1 2x", "0-3\n5" };
	size_t i;

	(void)state;
	assert_int_equal(sc_cpu_set_parse_list(" 0-3,8,10-11\n", 1023, &s), 0);
	assert_int_equal(s.len, 7);
	assert_int_equal(sc_cpu_set_format_list(&s, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "0-3,8,10-11");
	/* A truncated format still NUL-terminates and reports the full length. */
	assert_int_equal(sc_cpu_set_format_list(&s, buf, 4), 11);
	assert_string_equal(buf, "0-3");
	sc_cpu_set_release(&s);
	assert_int_equal(sc_cpu_set_parse_list("", 10, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(sc_cpu_set_format_list(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sc_cpu_set_parse_list("5", 4, &s), -ERANGE);
	assert_int_equal(sc_cpu_set_parse_list("99999999999999999999999", UINT64_MAX, &s), -ERANGE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sc_cpu_set_parse_list(bad[i], 1023, &s) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_vec), cmocka_unit_test(test_f64_vec),
		cmocka_unit_test(test_cpu_set), cmocka_unit_test(test_metric_map),
		cmocka_unit_test(test_cpulist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
