// SPDX-License-Identifier: MIT
/*
 * Nearest-rank percentiles, by index on sorted data or by multi-rank
 * selection (quickselect with a sort fallback) on unsorted data. Both give
 * the same element: the one at ceil(n * p) - 1 in ascending order.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

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
				/* Recurse on the smaller rank set, loop on the other. */
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

int sc_percentiles_select(uint64_t *v, size_t n, const double *ps, size_t np, uint64_t *out)
{
	size_t small_r[8], small_u[8], *ranks = small_r, *uniq = small_u, nu = 0, i;
	unsigned depth = 0;

	if (!n)
		return -EINVAL;
	for (i = 0; i < np; i++)
		if (!(ps[i] >= 0.0 && ps[i] <= 1.0))
			return -EINVAL;
	if (np > 8) {
		ranks = malloc(np * sizeof(*ranks));
		uniq = malloc(np * sizeof(*uniq));
		if (!ranks || !uniq) {
			free(ranks);
			free(uniq);
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
	for (i = n; i > 1; i >>= 1)
		depth += 2;
	select_ranks(v, 0, n, uniq, nu, depth + 4);
	for (i = 0; i < np; i++)
		out[i] = v[ranks[i]];
	if (ranks != small_r) {
		free(ranks);
		free(uniq);
	}
	return 0;
}
