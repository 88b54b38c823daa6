// SPDX-License-Identifier: MIT
/*
 * Reservoirs: Algorithm R for a worker's samples, and the founding
 * document's deterministic population-weighted merge of two capped
 * reservoirs (bit-identical to ktstr's weighted_merge_reservoirs).
 */
#include <errno.h>
#include <string.h>

#include <schedcheck/stats.h>

#define SC_GOLDEN 0x9E3779B97F4A7C15ull

static inline uint64_t xorshift64(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> ((64 - r) & 63));
}

int sc_weighted_merge_reservoirs(const uint64_t *a, size_t a_len, uint64_t w_a, const uint64_t *b,
				 size_t b_len, uint64_t w_b, size_t cap, struct sc_u64_vec *out)
{
	unsigned __int128 wa, wb, total;
	uint64_t s;
	size_t i;
	int r;

	if (!a_len && !b_len)
		return 0;
	/*
	 * Both populations 0 with samples present (a hand-built carrier):
	 * weight by lengths. One weight 0: every draw goes to the other side.
	 */
	if (!w_a && !w_b) {
		wa = a_len;
		wb = b_len;
	} else {
		wa = w_a;
		wb = w_b;
	}
	/*
	 * The seed assumes w_a + w_b < 2^64 and only debug-asserts it; in 128
	 * bits the draw below is exactly what its release build computes even
	 * for a hostile population pair, so the merge stays total and equal.
	 */
	total = wa + wb;
	r = sc_u64_vec_reserve(out, cap);
	if (r < 0)
		return r;
	s = (w_a ^ rotl64(w_b, 32) ^ rotl64((uint64_t)a_len, 16) ^ (uint64_t)b_len) * SC_GOLDEN;
	if (!s)
		s = SC_GOLDEN;
	for (i = 0; i < cap; i++) {
		bool from_a;

		s = xorshift64(s);
		if (!a_len)
			from_a = false;
		else if (!b_len)
			from_a = true;
		else if (total <= UINT64_MAX)
			from_a = s % (uint64_t)total <
				 (uint64_t)wa; /* same value, no 128-bit divide */
		else
			from_a = ((unsigned __int128)s % total) < wa;
		s = xorshift64(s);
		if (from_a)
			out->v[out->len++] = a[s % a_len];
		else
			out->v[out->len++] = b[s % b_len];
	}
	return 0;
}

void sc_reservoir_init(struct sc_reservoir *r, uint64_t cap, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->rng = (seed ^ SC_GOLDEN) * SC_GOLDEN;
	if (!r->rng)
		r->rng = SC_GOLDEN;
}

int sc_reservoir_push(struct sc_reservoir *r, uint64_t value)
{
	uint64_t n = r->total;

	r->total = sc_sat_add_u64(r->total, 1);
	if (r->samples.len < r->cap) {
		int err = sc_u64_vec_push(&r->samples, value);

		if (err < 0)
			r->total = n;
		return err;
	}
	if (!r->cap)
		return 0;
	/* Algorithm R: keep the new value with probability cap / (n + 1). */
	r->rng = xorshift64(r->rng);
	{
		uint64_t j = r->rng % (n == UINT64_MAX ? n : n + 1);

		if (j < r->cap)
			r->samples.v[j] = value;
	}
	return 0;
}

void sc_reservoir_release(struct sc_reservoir *r)
{
	if (!r)
		return;
	sc_u64_vec_release(&r->samples);
	r->total = 0;
}
