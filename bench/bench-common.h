/* SPDX-License-Identifier: MIT */
/*
 * Helpers every benchmark shares: a monotonic clock, a seeded xorshift64*
 * generator, u64 comparison and parsing, and an LSD radix sort used as the
 * fast sort-everything reference. Header-only; each bench includes it once.
 */
#ifndef SC_BENCH_COMMON_H
#define SC_BENCH_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a seeded, reproducible generator (for data, not for the merge). */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in (0, 1]. */
static inline double rng_unit(uint64_t *s)
{
	return ((double)(rng_next(s) >> 11) + 1.0) * 0x1.0p-53;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A whole-string unsigned number (decimal, 0x hex, 0 octal). -EINVAL otherwise. */
static inline int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*out = x;
	return 0;
}

/*
 * LSD radix sort, 8 bits per pass, all histograms from one read; a pass in
 * which every key has the same digit is skipped (latency data use 3 of 8).
 * A fast, fair sort-everything reference. `tmp` holds n; the result ends in v.
 */
static inline void radix_sort_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	static size_t count[8][256];
	uint64_t *src = v, *dst = tmp;
	size_t i;
	unsigned d;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		for (d = 0; d < 8; d++)
			count[d][(v[i] >> (8 * d)) & 0xff]++;
	for (d = 0; d < 8; d++) {
		size_t sum = 0, b;
		unsigned shift = 8 * d;

		if (n && count[d][(v[0] >> shift) & 0xff] == n)
			continue;
		for (b = 0; b < 256; b++) {
			size_t c = count[d][b];

			count[d][b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[d][(src[i] >> shift) & 0xff]++] = src[i];
		{
			uint64_t *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

#endif
