// SPDX-License-Identifier: MIT
/*
 * The schbench carrier's log-linear histogram: bucket layout, the percentile
 * error bound against exact nearest-rank, merge associativity/commutativity,
 * saturation, and the carrier's fold and derived metrics.
 */
#include <errno.h>
#include <math.h>

#include "test-helpers.h"

#include <schedcheck/schbench.h>

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct sc_lat_hist *hist_new(void)
{
	struct sc_lat_hist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

/* Buckets tile the u64 range: contiguous, each value in its own bucket, width <= low/128. */
static void test_layout(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(SC_LAT_HIST_BUCKETS, 7424);
	assert_int_equal(sc_lat_hist_bucket_low(0), 0);
	assert_int_equal(sc_lat_hist_bucket_high(SC_LAT_HIST_BUCKETS - 1), UINT64_MAX);
	for (i = 0; i < SC_LAT_HIST_BUCKETS; i++) {
		uint64_t lo = sc_lat_hist_bucket_low(i), hi = sc_lat_hist_bucket_high(i);
		uint64_t mid = sc_lat_hist_bucket_value(i);

		assert_true(lo <= mid && mid <= hi);
		assert_int_equal(sc_lat_hist_index(lo), i);
		assert_int_equal(sc_lat_hist_index(hi), i);
		assert_int_equal(sc_lat_hist_index(mid), i);
		if (i)
			assert_int_equal(sc_lat_hist_bucket_high(i - 1) + 1, lo);
		if (i < SC_LAT_HIST_EXACT)
			assert_int_equal(lo, hi); /* exact range */
		else
			assert_true(hi - lo + 1 <= lo / SC_LAT_HIST_SUB);
	}
}

/* Nearest rank from the histogram vs exact nearest rank: exact < 256, else within 1/256. */
static void test_percentile_error_bound(void **state)
{
	static const double ps[] = { 0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0 };
	const size_t n = 20000;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 0x9e3779b97f4a7c15ull;
	struct sc_lat_hist *h = hist_new();
	size_t i, k, round;

	(void)state;
	assert_non_null(v);
	for (round = 0; round < 4; round++) {
		memset(h, 0, sizeof(*h));
		for (i = 0; i < n; i++) {
			uint64_t x = xorshift(&seed);

			/* Small exact values, log-spread latencies, and the full range. */
			if (round == 0)
				v[i] = x % 256;
			else if (round == 1)
				v[i] = x >> (x % 64);
			else if (round == 2)
				v[i] = 1000 + x % 10000000;
			else
				v[i] = x;
			sc_lat_hist_add(h, v[i]);
		}
		qsort(v, n, sizeof(*v), cmp_u64);
		assert_int_equal(h->count, n);
		for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
			uint64_t exact = sc_percentile_sorted(v, n, ps[k]), got = 0;
			double err;

			assert_true(sc_lat_hist_percentile(h, ps[k], &got));
			assert_int_equal(sc_lat_hist_index(got), sc_lat_hist_index(exact));
			if (exact < SC_LAT_HIST_EXACT) {
				assert_int_equal(got, exact);
				continue;
			}
			err = fabs((double)got - (double)exact);
			assert_true(err <= (double)exact / 256.0);
		}
		{
			uint64_t mx = 0;

			assert_true(sc_lat_hist_max(h, &mx));
			assert_int_equal(sc_lat_hist_index(mx), sc_lat_hist_index(v[n - 1]));
		}
	}
	free(v);
	free(h);
}

static void test_percentile_edges(void **state)
{
	struct sc_lat_hist *h = hist_new();
	uint64_t out = 42;
	int i;

	(void)state;
	/* Empty, or p outside [0, 1] / NaN: not measured, out untouched. */
	assert_false(sc_lat_hist_percentile(h, 0.5, &out));
	assert_false(sc_lat_hist_max(h, &out));
	assert_int_equal(out, 42);
	sc_lat_hist_add(h, 7);
	assert_false(sc_lat_hist_percentile(h, -0.1, &out));
	assert_false(sc_lat_hist_percentile(h, 1.5, &out));
	assert_false(sc_lat_hist_percentile(h, NAN, &out));
	assert_true(sc_lat_hist_percentile(h, 0.99, &out));
	assert_int_equal(out, 7);
	/* 99 x 10 us + 1 x 10 ms: p50/p90/p99 in the 10 us bucket, p99.9 the tail. */
	memset(h, 0, sizeof(*h));
	for (i = 0; i < 99; i++)
		sc_lat_hist_add(h, 10000);
	sc_lat_hist_add(h, 10000000);
	assert_true(sc_lat_hist_percentile(h, 0.99, &out));
	assert_int_equal(sc_lat_hist_index(out), sc_lat_hist_index(10000));
	assert_true(sc_lat_hist_percentile(h, 0.999, &out));
	assert_int_equal(sc_lat_hist_index(out), sc_lat_hist_index(10000000));
	assert_true(sc_lat_hist_max(h, &out));
	assert_int_equal(sc_lat_hist_index(out), sc_lat_hist_index(10000000));
	assert_int_equal(sc_lat_hist_add_bucket(h, SC_LAT_HIST_BUCKETS, 1), -ERANGE);
	free(h);
}

static void fill_random(struct sc_schbench_stats *s, uint64_t *seed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t x = xorshift(seed);

		sc_lat_hist_add(&s->wakeup, x >> (x % 64));
		sc_lat_hist_add(&s->request, x % 1000000);
	}
	s->loop_count = xorshift(seed) % 1000;
	s->wall_ns = xorshift(seed) % 5000000000ull;
	s->msg_run_delay_ns = xorshift(seed) % 100000;
	s->msg_pcount = xorshift(seed) % 100;
	s->worker_run_delay_ns = xorshift(seed) >> 1; /* large: exercise saturation */
	s->worker_pcount = xorshift(seed) % 100;
}

/* merge is associative and commutative, and saturates instead of wrapping. */
static void test_merge_laws(void **state)
{
	struct sc_schbench_stats *a, *b, *c, *x, *y;
	uint64_t seed = 12345;

	(void)state;
	assert_int_equal(sc_schbench_stats_new(&a), 0);
	assert_int_equal(sc_schbench_stats_new(&b), 0);
	assert_int_equal(sc_schbench_stats_new(&c), 0);
	fill_random(a, &seed, 500);
	fill_random(b, &seed, 300);
	fill_random(c, &seed, 1);

	/* (a + b) + c == a + (b + c) */
	assert_int_equal(sc_schbench_stats_dup(a, &x), 0);
	sc_schbench_stats_merge(x, b);
	sc_schbench_stats_merge(x, c);
	assert_int_equal(sc_schbench_stats_dup(b, &y), 0);
	sc_schbench_stats_merge(y, c);
	{
		struct sc_schbench_stats *z;

		assert_int_equal(sc_schbench_stats_dup(a, &z), 0);
		sc_schbench_stats_merge(z, y);
		assert_true(sc_schbench_stats_equal(x, z));
		sc_schbench_stats_free(z);
	}
	sc_schbench_stats_free(y);
	/* a + b == b + a */
	sc_schbench_stats_free(x);
	assert_int_equal(sc_schbench_stats_dup(a, &x), 0);
	sc_schbench_stats_merge(x, b);
	assert_int_equal(sc_schbench_stats_dup(b, &y), 0);
	sc_schbench_stats_merge(y, a);
	assert_true(sc_schbench_stats_equal(x, y));
	assert_int_equal(x->wakeup.count, 800);
	assert_int_equal(x->loop_count, a->loop_count + b->loop_count);
	assert_int_equal(x->wall_ns, a->wall_ns > b->wall_ns ? a->wall_ns : b->wall_ns);
	/* Saturation: buckets, totals and counters stop at UINT64_MAX. */
	x->worker_run_delay_ns = UINT64_MAX - 1;
	x->loop_count = UINT64_MAX;
	assert_int_equal(sc_lat_hist_add_bucket(&x->wakeup, 1000, UINT64_MAX), 0);
	sc_schbench_stats_merge(x, y);
	assert_int_equal(x->worker_run_delay_ns, UINT64_MAX);
	assert_int_equal(x->loop_count, UINT64_MAX);
	assert_int_equal(x->wakeup.buckets[1000], UINT64_MAX);
	assert_int_equal(x->wakeup.count, UINT64_MAX);
	/* A saturated histogram still answers percentiles. */
	{
		uint64_t q;

		assert_true(sc_lat_hist_percentile(&x->wakeup, 0.5, &q));
		assert_true(sc_lat_hist_percentile(&x->wakeup, 1.0, &q));
	}
	sc_schbench_stats_free(x);
	sc_schbench_stats_free(y);
	sc_schbench_stats_free(a);
	sc_schbench_stats_free(b);
	sc_schbench_stats_free(c);
}

static void test_derived(void **state)
{
	struct sc_schbench_stats *s;
	struct sc_metric_map m = { 0 };
	double v;
	int i;

	(void)state;
	assert_int_equal(sc_schbench_stats_new(&s), 0);
	/* Empty: only the loop count (a real 0); everything else absent. */
	assert_int_equal(sc_metric_map_set(&m, "schbench_rps", 5.0), 0);
	assert_int_equal(sc_schbench_stats_derive(s, &m), 0);
	assert_int_equal(m.len, 1);
	assert_true(sc_metric_map_get(&m, "schbench_loop_count", &v) && v == 0.0);
	assert_false(sc_schbench_stats_rps(s, &v));
	for (i = 0; i < 1000; i++) {
		sc_lat_hist_add(&s->wakeup, 100); /* exact range: 0.1 us */
		sc_lat_hist_add(&s->request, 200);
	}
	s->wall_ns = 500000000; /* 1000 requests in 0.5 s */
	s->worker_run_delay_ns = 3000;
	s->worker_pcount = 3;
	assert_int_equal(sc_schbench_stats_requests(s), 1000);
	assert_int_equal(sc_schbench_stats_derive(s, &m), 0);
	assert_true(sc_metric_map_get(&m, "schbench_rps", &v) && v == 2000.0);
	assert_true(sc_metric_map_get(&m, "schbench_wakeup_p999_us", &v) && v == 0.1);
	assert_true(sc_metric_map_get(&m, "schbench_request_p50_us", &v) && v == 0.2);
	assert_true(sc_metric_map_get(&m, "schbench_worker_run_delay_us", &v) && v == 1.0);
	assert_false(sc_metric_map_get(&m, "schbench_msg_run_delay_us", &v));
	sc_metric_map_release(&m);
	sc_schbench_stats_free(s);
	sc_schbench_stats_free(NULL);
	sc_schbench_stats_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_percentile_error_bound),
		cmocka_unit_test(test_percentile_edges),
		cmocka_unit_test(test_merge_laws),
		cmocka_unit_test(test_derived),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
