// SPDX-License-Identifier: MIT
/*
 * Nearest-rank percentiles, by index on sorted data or by multi-rank
 * selection (quickselect with a sort fallback) on unsorted data. Both give
 * the same element: the one at ceil(n * p) - 1 in ascending order.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/stats.h>

size_t sc_percentile_rank(size_t n, double p)
{
	double x = ceil((double)n * p);
	size_t idx;

	/* Rust's `as usize` saturates: NaN and negatives -> 0. */
	if (!(x > 0.0))
		idx = 0;
	else if (x >= 18446744073709551616.0)
		idx = SIZE_MAX;
	else
		idx = (size_t)x;
	idx = idx ? idx - 1 : 0;
	return idx < n - 1 ? idx : n - 1;
}

uint64_t sc_percentile_sorted(const uint64_t *sorted, size_t n, double p)
{
	if (!n)
		return 0;
	return sorted[sc_percentile_rank(n, p)];
}

uint64_t sc_max_u64(const uint64_t *v, size_t n)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static inline void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(uint64_t *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static inline uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b)
		swap_u64(&a, &b);
	if (b > c)
		b = c;
	return a > b ? a : b;
}

/*
 * Places the elements of the sorted order at every rank in ranks[0..nr)
 * (ascending, all within [lo, hi)) at their final positions. Hoare partition
 * keeps duplicates balanced; past the depth budget the range is sorted, so
 * the worst case stays O(n log n).
 */
static void select_ranks(uint64_t *v, size_t lo, size_t hi, const size_t *ranks, size_t nr,
			 unsigned depth)
{
	while (nr && hi - lo > 24) {
		size_t n = hi - lo, i, j, split;
		uint64_t pivot;

		if (!depth--) {
			qsort(v + lo, n, sizeof(*v), cmp_u64);
			return;
		}
		if (n > 1024) {
			size_t s = n / 8;
			size_t m = lo + n / 2;

			pivot = median3(median3(v[lo], v[lo + s], v[lo + 2 * s]),
					median3(v[m - s], v[m], v[m + s]),
					median3(v[hi - 1 - 2 * s], v[hi - 1 - s], v[hi - 1]));
		} else {
			pivot = median3(v[lo], v[lo + n / 2], v[hi - 1]);
		}
		/*
		 * Hoare partition with a pivot value taken from the range: the
		 * first scan stops at the pivot itself at the latest, later scans
		 * at the elements just swapped. The median-of-samples pivot keeps
		 * j < hi - 1, so every pass makes progress.
		 */
		i = lo - 1;
		j = hi;
		for (;;) {
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			swap_u64(&v[i], &v[j]);
		}
		/* Now v[lo..j] <= pivot <= v[j+1..hi). */
		split = j + 1;
		/* ranks < split go left, the others right. */
		{
			size_t k = 0;

			while (k < nr && ranks[k] < split)
				k++;
			if (k && k < nr) {
				/* Recurse on the left ranks, loop on the right ones. */
				select_ranks(v, lo, split, ranks, k, depth);
				ranks += k;
				nr -= k;
				lo = split;
			} else if (k) {
				hi = split;
			} else {
				lo = split;
			}
		}
	}
	if (nr)
		insertion_sort(v + lo, hi - lo);
}

/*
 * Radix selection: bucket the values of [lo, hi] by their top RADIX_BITS
 * bits above lo, find the bucket of each wanted rank from the histogram,
 * gather only those buckets (one pass for all of them) and recurse on each.
 * Three passes over the input (min/max, histogram, gather) and no pivot
 * luck: linear whatever the data. `ranks` is ascending and unique; vals[i]
 * receives the value of rank ranks[i]. -ENOMEM leaves the caller to fall
 * back to quickselect.
 */
#define RADIX_BITS 11
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_MIN_N 2048

static int radix_select(const uint64_t *v, size_t n, uint64_t lo, uint64_t hi, const size_t *ranks,
			size_t nr, uint64_t *vals, unsigned depth)
{
	size_t *counts, *starts; /* heap: keep deep recursion off small thread stacks */
	uint16_t *slot;		 /* 1 + index into the gather buffers */
	uint64_t *bufs[64];
	size_t fill[64], bucket_of[64], nbuf = 0, i, k, acc = 0;
	uint64_t span = hi - lo;
	unsigned shift, bits;
	int r = 0;

	if (lo == hi) {
		for (k = 0; k < nr; k++)
			vals[k] = lo;
		return 0;
	}
	if (n < RADIX_MIN_N || depth > 8 || nr > 64) {
		uint64_t *copy = malloc(n * sizeof(*copy));

		if (!copy)
			return -ENOMEM;
		memcpy(copy, v, n * sizeof(*copy));
		select_ranks(copy, 0, n, ranks, nr, 128);
		for (k = 0; k < nr; k++)
			vals[k] = copy[ranks[k]];
		free(copy);
		return 0;
	}
	bits = 64 - (unsigned)__builtin_clzll(span);
	shift = bits > RADIX_BITS ? bits - RADIX_BITS : 0;
	counts = calloc(2 * RADIX_BUCKETS * sizeof(size_t) + RADIX_BUCKETS * sizeof(uint16_t), 1);
	if (!counts)
		return -ENOMEM;
	starts = counts + RADIX_BUCKETS;
	slot = (uint16_t *)(starts + RADIX_BUCKETS);
	for (i = 0; i < n; i++)
		counts[(v[i] - lo) >> shift]++;
	for (i = 0; i < RADIX_BUCKETS; i++) {
		starts[i] = acc;
		acc += counts[i];
	}
	/* Which buckets hold a wanted rank (ranks ascending: buckets ascending). */
	for (k = 0, i = 0; k < nr; k++) {
		while (starts[i] + counts[i] <= ranks[k])
			i++;
		if (!slot[i]) {
			bufs[nbuf] = malloc(counts[i] * sizeof(uint64_t));
			if (!bufs[nbuf]) {
				r = -ENOMEM;
				goto out;
			}
			fill[nbuf] = 0;
			bucket_of[nbuf] = i;
			slot[i] = (uint16_t)++nbuf;
		}
	}
	for (i = 0; i < n; i++) {
		uint16_t s = slot[(v[i] - lo) >> shift];

		if (s) {
			s--;
			bufs[s][fill[s]++] = v[i];
		}
	}
	for (k = 0; k < nr;) {
		size_t b = 0, j, first = k, sub[64];
		uint64_t blo, bhi;

		for (j = 0; j < nbuf; j++) {
			b = bucket_of[j];
			if (ranks[k] >= starts[b] && ranks[k] < starts[b] + counts[b])
				break;
		}
		while (k < nr && ranks[k] < starts[b] + counts[b]) {
			sub[k - first] = ranks[k] - starts[b];
			k++;
		}
		blo = lo + ((uint64_t)b << shift);
		bhi = shift ? blo + (((uint64_t)1 << shift) - 1) : blo;
		if (bhi > hi || bhi < blo)
			bhi = hi;
		r = radix_select(bufs[j], counts[b], blo, bhi, sub, k - first, vals + first,
				 depth + 1);
		if (r < 0)
			goto out;
	}
out:
	for (i = 0; i < nbuf; i++)
		free(bufs[i]);
	free(counts);
	return r;
}

int sc_percentiles_select(uint64_t *v, size_t n, const double *ps, size_t np, uint64_t *out)
{
	size_t small_r[8], small_u[8], *ranks = small_r, *uniq = small_u, nu = 0, i;
	uint64_t small_v[8], *vals = small_v;
	unsigned depth = 0;
	bool done = false;

	if (!n)
		return -EINVAL;
	for (i = 0; i < np; i++)
		if (!(ps[i] >= 0.0 && ps[i] <= 1.0))
			return -EINVAL;
	if (np > 8) {
		if (np > SIZE_MAX / sizeof(uint64_t))
			return -EOVERFLOW;
		ranks = malloc(np * sizeof(*ranks));
		uniq = malloc(np * sizeof(*uniq));
		vals = malloc(np * sizeof(*vals));
		if (!ranks || !uniq || !vals) {
			free(ranks);
			free(uniq);
			free(vals);
			return -ENOMEM;
		}
	}
	for (i = 0; i < np; i++)
		ranks[i] = sc_percentile_rank(n, ps[i]);
	/* A sorted, de-duplicated copy drives the selection. */
	for (i = 0; i < np; i++)
		uniq[i] = ranks[i];
	qsort(uniq, np, sizeof(*uniq), cmp_size);
	for (i = 0; i < np; i++)
		if (!nu || uniq[nu - 1] != uniq[i])
			uniq[nu++] = uniq[i];
	if (n >= RADIX_MIN_N && nu <= 64) {
		uint64_t lo = v[0], hi = v[0];

		for (i = 1; i < n; i++) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
		if (radix_select(v, n, lo, hi, uniq, nu, vals, 0) == 0) {
			for (i = 0; i < np; i++) {
				size_t *at = bsearch(&ranks[i], uniq, nu, sizeof(*uniq), cmp_size);

				out[i] = vals[at - uniq];
			}
			done = true;
		}
	}
	if (!done) {
		/* Small inputs, or memory pressure: in-place quickselect. */
		for (i = n; i > 1; i >>= 1)
			depth += 2;
		select_ranks(v, 0, n, uniq, nu, depth + 4);
		for (i = 0; i < np; i++)
			out[i] = v[ranks[i]];
	}
	if (ranks != small_r) {
		free(ranks);
		free(uniq);
		free(vals);
	}
	return 0;
}
