// SPDX-License-Identifier: MIT
/*
 * Reservoirs: the weighted merge is bit-identical to the founding document's
 * (vectors computed by compiling ktstr's function), deterministic, and
 * population-weighted; Algorithm R keeps a bounded uniform sample.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "test-helpers.h"

/* Parses the vectors file's "x..y ..." range or "[a, b, ...]" list. */
static void parse_input(const char *text, struct sc_u64_vec *out)
{
	unsigned long long from, to;

	if (text[0] == '[') {
		const char *p = text + 1;

		while (*p && *p != ']') {
			char *end;
			unsigned long long x = strtoull(p, &end, 10);

			if (end == p) {
				p++;
				continue;
			}
			assert_int_equal(sc_u64_vec_push(out, x), 0);
			p = end;
		}
		return;
	}
	assert_int_equal(sscanf(text, "%llu..%llu", &from, &to), 2);
	th_fill_range(out, from, to);
}

static void test_weighted_merge_vectors(void **state)
{
	char path[4096];
	json_object *root, *vectors;
	size_t i, nvec;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/weighted_merge_vectors.json",
		 getenv("SC_SOURCE_ROOT") ? getenv("SC_SOURCE_ROOT") : ".");
	root = json_object_from_file(path);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "vectors", &vectors));
	nvec = json_object_array_length(vectors);
	assert_true(nvec >= 6);
	for (i = 0; i < nvec; i++) {
		json_object *v = json_object_array_get_idx(vectors, i), *f, *first;
		struct sc_u64_vec a = { 0 }, b = { 0 }, out = { 0 };
		uint64_t w_a, w_b, cap, want_len, digest;
		char hex[32];
		size_t k;

		json_object_object_get_ex(v, "a", &f);
		parse_input(json_object_get_string(f), &a);
		json_object_object_get_ex(v, "b", &f);
		parse_input(json_object_get_string(f), &b);
		json_object_object_get_ex(v, "w_a", &f);
		w_a = json_object_get_uint64(f);
		json_object_object_get_ex(v, "w_b", &f);
		w_b = json_object_get_uint64(f);
		json_object_object_get_ex(v, "cap", &f);
		cap = json_object_get_uint64(f);
		json_object_object_get_ex(v, "out_len", &f);
		want_len = json_object_get_uint64(f);
		assert_int_equal(
			sc_weighted_merge_reservoirs(a.v, a.len, w_a, b.v, b.len, w_b, cap, &out),
			0);
		assert_int_equal(out.len, want_len);
		json_object_object_get_ex(v, "out_first", &first);
		for (k = 0; k < json_object_array_length(first); k++)
			assert_int_equal(out.v[k], json_object_get_uint64(
							   json_object_array_get_idx(first, k)));
		digest = th_fnv1a64_le(out.v, out.len);
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)digest);
		json_object_object_get_ex(v, "out_fnv1a64_le", &f);
		if (strcmp(hex, json_object_get_string(f)))
			fail_msg("vector %s: digest %s, want %s",
				 json_object_get_string(json_object_object_get(v, "name")), hex,
				 json_object_get_string(f));
		sc_u64_vec_release(&a);
		sc_u64_vec_release(&b);
		sc_u64_vec_release(&out);
	}
	json_object_put(root);
}

/* The > cap path is deterministic and weighted by true population. */
static void test_weighted_share_and_determinism(void **state)
{
	struct sc_u64_vec a = { 0 }, b = { 0 }, o1 = { 0 }, o2 = { 0 };
	const size_t cap = SC_MAX_WAKE_SAMPLES;
	double expect = 0.9, n = (double)cap, sigma = sqrt(n * expect * (1 - expect));
	size_t from_a = 0, i;

	(void)state;
	th_fill_range(&a, 0, cap); /* a's values < cap */
	th_fill_range(&b, 1u << 30, (1u << 30) + cap);
	assert_int_equal(
		sc_weighted_merge_reservoirs(a.v, a.len, 900000, b.v, b.len, 100000, cap, &o1), 0);
	assert_int_equal(
		sc_weighted_merge_reservoirs(a.v, a.len, 900000, b.v, b.len, 100000, cap, &o2), 0);
	assert_int_equal(o1.len, cap);
	assert_memory_equal(o1.v, o2.v, cap * sizeof(uint64_t));
	for (i = 0; i < o1.len; i++)
		from_a += o1.v[i] < cap;
	/* Binomial(n, 0.9): within 5 sigma (a false alarm ~ 6e-7). */
	assert_true(fabs((double)from_a - n * expect) <= 5 * sigma);
	/* An unweighted concat-and-recap would sit near 50 %: far outside. */
	assert_true(fabs((double)from_a - n * 0.5) > 50 * sigma);
	sc_u64_vec_release(&a);
	sc_u64_vec_release(&b);
	sc_u64_vec_release(&o1);
	sc_u64_vec_release(&o2);
}

/* Hostile populations beyond u64 do not fail or divide by zero. */
static void test_weighted_hostile_weights(void **state)
{
	uint64_t a[] = { 1, 2, 3 }, b[] = { 7, 8 };
	struct sc_u64_vec out = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(sc_weighted_merge_reservoirs(a, 3, UINT64_MAX, b, 2, UINT64_MAX, 64, &out),
			 0);
	assert_int_equal(out.len, 64);
	for (i = 0; i < out.len; i++)
		assert_true((out.v[i] >= 1 && out.v[i] <= 3) || out.v[i] == 7 || out.v[i] == 8);
	sc_u64_vec_release(&out);
}

static void test_reservoir_algorithm_r(void **state)
{
	struct sc_reservoir r;
	uint64_t i, small = 0;

	(void)state;
	sc_reservoir_init(&r, 1000, 42);
	for (i = 0; i < 10; i++)
		assert_int_equal(sc_reservoir_push(&r, i), 0);
	/* Storage follows the samples taken, not the cap. */
	assert_int_equal(r.samples.len, 10);
	assert_true(r.samples.cap < 1000);
	for (i = 10; i < 100000; i++)
		assert_int_equal(sc_reservoir_push(&r, i), 0);
	assert_int_equal(r.samples.len, 1000);
	assert_int_equal(r.total, 100000);
	/* Uniform: about half the kept values come from the first half. */
	for (i = 0; i < r.samples.len; i++)
		small += r.samples.v[i] < 50000;
	assert_true(small > 500 - 5 * 16 && small < 500 + 5 * 16);
	sc_reservoir_release(&r);

	/* A zero-cap reservoir counts without storing. */
	sc_reservoir_init(&r, 0, 1);
	assert_int_equal(sc_reservoir_push(&r, 5), 0);
	assert_int_equal(r.total, 1);
	assert_int_equal(r.samples.len, 0);
	sc_reservoir_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted_merge_vectors),
		cmocka_unit_test(test_weighted_share_and_determinism),
		cmocka_unit_test(test_weighted_hostile_weights),
		cmocka_unit_test(test_reservoir_algorithm_r),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
