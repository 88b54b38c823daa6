// SPDX-License-Identifier: MIT
/*
 * Nearest-rank percentiles: the index rule ceil(n*p) - 1 with no
 * interpolation, and selection giving exactly what a full sort gives.
 */
#include <errno.h>
#include <math.h>

#include "test-helpers.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_rank_rule(void **state)
{
	uint64_t v[100];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		v[i] = (i + 1) * 10;
	/* n = 100: p99 -> ceil(99) - 1 = 98; p50 -> 49; no interpolation. */
	assert_int_equal(sc_percentile_sorted(v, 100, 0.99), 990);
	assert_int_equal(sc_percentile_sorted(v, 100, 0.5), 500);
	assert_int_equal(sc_percentile_sorted(v, 100, 1.0), 1000);
	assert_int_equal(sc_percentile_sorted(v, 100, 0.0), 10);
	/* n = 10: p99 -> ceil(9.9) - 1 = 9 (the max); p50 -> 4. */
	assert_int_equal(sc_percentile_sorted(v, 10, 0.99), 100);
	assert_int_equal(sc_percentile_sorted(v, 10, 0.5), 50);
	/* n = 1000: p99.9 -> ceil(999) - 1 = 998. */
	assert_int_equal(sc_percentile_rank(1000, 0.999), 998);
	assert_int_equal(sc_percentile_rank(1, 0.5), 0);
	assert_int_equal(sc_percentile_rank(3, 0.5), 1);
	assert_int_equal(sc_percentile_rank(4, 0.5), 1);
	/* Empty: 0, a value callers never read as measured. */
	assert_int_equal(sc_percentile_sorted(v, 0, 0.5), 0);
}

static uint64_t rng = 0x1234567;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_select_equals_sort(uint64_t *data, size_t n)
{
	static const double ps[] = { 0.5, 0.99, 0.999, 0.0, 1.0, 0.25, 0.9, 0.75, 0.01, 0.5 };
	const size_t np = sizeof(ps) / sizeof(ps[0]);
	uint64_t *sorted = malloc(n * sizeof(*sorted)), *work = malloc(n * sizeof(*work));
	uint64_t out[sizeof(ps) / sizeof(ps[0])];
	size_t i;

	assert_non_null(sorted);
	assert_non_null(work);
	memcpy(sorted, data, n * sizeof(*data));
	memcpy(work, data, n * sizeof(*data));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	assert_int_equal(sc_percentiles_select(work, n, ps, np, out), 0);
	for (i = 0; i < np; i++)
		assert_int_equal(out[i], sc_percentile_sorted(sorted, n, ps[i]));
	/* Selection permutes; it never loses or invents a value. */
	qsort(work, n, sizeof(*work), cmp_u64);
	assert_memory_equal(work, sorted, n * sizeof(*work));
	free(sorted);
	free(work);
}

static void test_select_matches_sort(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 24, 25, 26, 100, 1000, 1025, 4096, 100000 };
	size_t s, i;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		uint64_t *d = malloc(n * sizeof(*d));
		int shape;

		assert_non_null(d);
		for (shape = 0; shape < 6; shape++) {
			for (i = 0; i < n; i++) {
				switch (shape) {
				case 0:
					d[i] = next_rand();
					break; /* uniform */
				case 1:
					d[i] = next_rand() % 7;
					break; /* heavy duplicates */
				case 2:
					d[i] = i;
					break; /* sorted */
				case 3:
					d[i] = n - i;
					break; /* reversed */
				case 4:
					d[i] = 42;
					break; /* all equal */
				default:
					d[i] = (i % 2) ? UINT64_MAX : 0;
					break; /* extremes */
				}
			}
			check_select_equals_sort(d, n);
		}
		free(d);
	}
}

/* More than 64 distinct ranks at once take the quickselect path: same answers. */
static void test_many_ranks(void **state)
{
	size_t n = 100000, i, np = 101;
	uint64_t *d = malloc(n * sizeof(*d)), *sorted = malloc(n * sizeof(*d)), out[101];
	double ps[101];

	(void)state;
	assert_non_null(d);
	assert_non_null(sorted);
	for (i = 0; i < n; i++)
		d[i] = next_rand() % 100000;
	memcpy(sorted, d, n * sizeof(*d));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (i = 0; i < np; i++)
		ps[i] = (double)i / 100.0;
	assert_int_equal(sc_percentiles_select(d, n, ps, np, out), 0);
	for (i = 0; i < np; i++)
		assert_int_equal(out[i], sc_percentile_sorted(sorted, n, ps[i]));
	free(d);
	free(sorted);
}

/* An organ-pipe input defeats naive pivots; the depth fallback keeps it right. */
static void test_select_adversarial(void **state)
{
	size_t n = 50000, i;
	uint64_t *d = malloc(n * sizeof(*d));

	(void)state;
	assert_non_null(d);
	for (i = 0; i < n; i++)
		d[i] = i < n / 2 ? i : n - i;
	check_select_equals_sort(d, n);
	for (i = 0; i < n; i++)
		d[i] = (i * 2654435761u) % 1000;
	check_select_equals_sort(d, n);
	free(d);
}

static void test_select_rejects_bad_input(void **state)
{
	uint64_t v[3] = { 3, 1, 2 }, out[1];
	double bad[] = { -0.1, 1.5, NAN };
	size_t i;

	(void)state;
	assert_int_equal(sc_percentiles_select(v, 0, (double[]){ 0.5 }, 1, out), -EINVAL);
	for (i = 0; i < 3; i++)
		assert_int_equal(sc_percentiles_select(v, 3, &bad[i], 1, out), -EINVAL);
	assert_int_equal(sc_max_u64(v, 3), 3);
	assert_int_equal(sc_max_u64(v, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_rule),
		cmocka_unit_test(test_select_matches_sort),
		cmocka_unit_test(test_select_adversarial),
		cmocka_unit_test(test_many_ranks),
		cmocka_unit_test(test_select_rejects_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
