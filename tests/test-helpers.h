/* SPDX-License-Identifier: MIT */
/*
 * Small fixtures shared by the unit tests: building worker reports and
 * carriers from literal data. Header-only, included by test-*.c files.
 */
#ifndef SC_TEST_HELPERS_H
#define SC_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <schedcheck/stats.h>

static inline void th_fill_u64(struct sc_u64_vec *v, const uint64_t *x, size_t n)
{
	assert_int_equal(sc_u64_vec_append(v, x, n), 0);
}

static inline void th_fill_range(struct sc_u64_vec *v, uint64_t from, uint64_t to)
{
	uint64_t i;

	assert_int_equal(sc_u64_vec_reserve(v, to - from), 0);
	for (i = from; i < to; i++)
		v->v[v->len++] = i;
}

static inline void th_cpus(struct sc_cpu_set *s, const uint64_t *cpus, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(sc_cpu_set_add(s, cpus[i]), 0);
}

/* FNV-1a 64 over u64s as little-endian bytes (the vectors file's digest). */
static inline uint64_t th_fnv1a64_le(const uint64_t *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;
	int b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++) {
			h ^= (v[i] >> (8 * b)) & 0xff;
			h *= 0x100000001b3ull;
		}
	return h;
}

#define th_assert_double_equal(a, b) assert_true((a) == (b))
#define th_assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#endif
