// SPDX-License-Identifier: MIT
/*
 * The schbench per-phase carrier: the log-linear latency histogram (index,
 * bounds, nearest-rank percentiles, saturating merge) and the carrier's fold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/schbench.h>
#include <schedcheck/stats.h>

size_t sc_lat_hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < SC_LAT_HIST_EXACT)
		return (size_t)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - SC_LAT_HIST_SUB_BITS;
	/* v >> shift lies in [SUB, 2 SUB): bucket SUB * shift + (v >> shift). */
	return (size_t)SC_LAT_HIST_SUB * shift + (size_t)(v >> shift);
}

/* The shift of bucket idx (0 for the exact range). */
static unsigned bucket_shift(size_t idx)
{
	return idx < SC_LAT_HIST_EXACT ? 0 : (unsigned)(idx / SC_LAT_HIST_SUB) - 1u;
}

uint64_t sc_lat_hist_bucket_low(size_t idx)
{
	unsigned shift = bucket_shift(idx);
	uint64_t top;

	if (idx < SC_LAT_HIST_EXACT)
		return idx;
	top = (uint64_t)(idx - (size_t)SC_LAT_HIST_SUB * shift);
	return top << shift;
}

uint64_t sc_lat_hist_bucket_high(size_t idx)
{
	unsigned shift = bucket_shift(idx);

	return sc_lat_hist_bucket_low(idx) + ((1ull << shift) - 1);
}

uint64_t sc_lat_hist_bucket_value(size_t idx)
{
	unsigned shift = bucket_shift(idx);

	return sc_lat_hist_bucket_low(idx) + (((1ull << shift) - 1) >> 1);
}

void sc_lat_hist_add(struct sc_lat_hist *h, uint64_t v)
{
	size_t i = sc_lat_hist_index(v);

	h->buckets[i] = sc_sat_add_u64(h->buckets[i], 1);
	h->count = sc_sat_add_u64(h->count, 1);
}

int sc_lat_hist_add_bucket(struct sc_lat_hist *h, size_t idx, uint64_t n)
{
	if (idx >= SC_LAT_HIST_BUCKETS)
		return -ERANGE;
	h->buckets[idx] = sc_sat_add_u64(h->buckets[idx], n);
	h->count = sc_sat_add_u64(h->count, n);
	return 0;
}

void sc_lat_hist_merge(struct sc_lat_hist *a, const struct sc_lat_hist *b)
{
	size_t i;

	if (!b->count)
		return;
	for (i = 0; i < SC_LAT_HIST_BUCKETS; i++)
		a->buckets[i] = sc_sat_add_u64(a->buckets[i], b->buckets[i]);
	a->count = sc_sat_add_u64(a->count, b->count);
}

bool sc_lat_hist_percentile(const struct sc_lat_hist *h, double p, uint64_t *out)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (!h->count || !(p >= 0.0 && p <= 1.0))
		return false;
	/*
	 * The 0-based rank of the nearest-rank sample. With saturated buckets
	 * the count is a lower bound of the truth; the walk still ends.
	 */
	rank = (uint64_t)sc_percentile_rank((size_t)h->count, p);
	for (i = 0; i < SC_LAT_HIST_BUCKETS; i++) {
		seen = sc_sat_add_u64(seen, h->buckets[i]);
		if (seen > rank) {
			*out = sc_lat_hist_bucket_value(i);
			return true;
		}
	}
	/* Only reachable when count overstates the buckets (hand-built data). */
	return sc_lat_hist_max(h, out);
}

bool sc_lat_hist_max(const struct sc_lat_hist *h, uint64_t *out)
{
	size_t i = SC_LAT_HIST_BUCKETS;

	while (i--) {
		if (h->buckets[i]) {
			*out = sc_lat_hist_bucket_value(i);
			return true;
		}
	}
	return false;
}

void sc_schbench_stats_init(struct sc_schbench_stats *s)
{
	memset(s, 0, sizeof(*s));
}

void sc_schbench_stats_release(struct sc_schbench_stats *s)
{
	if (s)
		sc_schbench_stats_init(s);
}

void sc_schbench_stats_free(struct sc_schbench_stats *s)
{
	free(s);
}

int sc_schbench_stats_new(struct sc_schbench_stats **out)
{
	struct sc_schbench_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	*out = s;
	return 0;
}

int sc_schbench_stats_dup(const struct sc_schbench_stats *src, struct sc_schbench_stats **out)
{
	struct sc_schbench_stats *s = malloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	memcpy(s, src, sizeof(*s));
	*out = s;
	return 0;
}

void sc_schbench_stats_merge(struct sc_schbench_stats *a, const struct sc_schbench_stats *b)
{
	sc_lat_hist_merge(&a->wakeup, &b->wakeup);
	sc_lat_hist_merge(&a->request, &b->request);
	a->loop_count = sc_sat_add_u64(a->loop_count, b->loop_count);
	if (b->wall_ns > a->wall_ns)
		a->wall_ns = b->wall_ns;
	a->msg_run_delay_ns = sc_sat_add_u64(a->msg_run_delay_ns, b->msg_run_delay_ns);
	a->msg_pcount = sc_sat_add_u64(a->msg_pcount, b->msg_pcount);
	a->worker_run_delay_ns = sc_sat_add_u64(a->worker_run_delay_ns, b->worker_run_delay_ns);
	a->worker_pcount = sc_sat_add_u64(a->worker_pcount, b->worker_pcount);
}

bool sc_schbench_stats_equal(const struct sc_schbench_stats *a, const struct sc_schbench_stats *b)
{
	/* No padding in the struct: every member is a u64. */
	return !memcmp(a, b, sizeof(*a));
}

uint64_t sc_schbench_stats_requests(const struct sc_schbench_stats *s)
{
	return s->request.count;
}

bool sc_schbench_stats_rps(const struct sc_schbench_stats *s, double *out)
{
	if (!s->wall_ns)
		return false;
	*out = (double)s->request.count / ((double)s->wall_ns / 1e9);
	return true;
}

bool sc_schbench_stats_msg_run_delay_us(const struct sc_schbench_stats *s, double *out)
{
	if (!s->msg_pcount)
		return false;
	*out = (double)s->msg_run_delay_ns / (double)s->msg_pcount / 1000.0;
	return true;
}

bool sc_schbench_stats_worker_run_delay_us(const struct sc_schbench_stats *s, double *out)
{
	if (!s->worker_pcount)
		return false;
	*out = (double)s->worker_run_delay_ns / (double)s->worker_pcount / 1000.0;
	return true;
}

static int put(struct sc_metric_map *m, const char *name, bool have, double v)
{
	if (!have) {
		sc_metric_map_remove(m, name);
		return 0;
	}
	return sc_metric_map_set(m, name, v);
}

int sc_schbench_stats_derive(const struct sc_schbench_stats *s, struct sc_metric_map *m)
{
	static const struct {
		double p;
		const char *wakeup, *request;
	} pct[] = {
		{ 0.50, "schbench_wakeup_p50_us", "schbench_request_p50_us" },
		{ 0.90, "schbench_wakeup_p90_us", "schbench_request_p90_us" },
		{ 0.99, "schbench_wakeup_p99_us", "schbench_request_p99_us" },
		{ 0.999, "schbench_wakeup_p999_us", "schbench_request_p999_us" },
	};
	uint64_t q = 0;
	double v = 0;
	bool have;
	size_t i;
	int r;

	for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
		have = sc_lat_hist_percentile(&s->wakeup, pct[i].p, &q);
		if ((r = put(m, pct[i].wakeup, have, (double)q / 1000.0)) < 0)
			return r;
		have = sc_lat_hist_percentile(&s->request, pct[i].p, &q);
		if ((r = put(m, pct[i].request, have, (double)q / 1000.0)) < 0)
			return r;
	}
	have = sc_schbench_stats_rps(s, &v);
	if ((r = put(m, "schbench_rps", have, v)) < 0)
		return r;
	if ((r = put(m, "schbench_loop_count", true, (double)s->loop_count)) < 0)
		return r;
	have = sc_schbench_stats_msg_run_delay_us(s, &v);
	if ((r = put(m, "schbench_msg_run_delay_us", have, v)) < 0)
		return r;
	have = sc_schbench_stats_worker_run_delay_us(s, &v);
	return put(m, "schbench_worker_run_delay_us", have, v);
}
