// SPDX-License-Identifier: MIT
/*
 * Benchmark: sc_weighted_merge_reservoirs() of two full reservoirs, then
 * percentiles by selection, against a sort-everything reference; also checks
 * the merge is deterministic and its A-share matches the population weights.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <schedcheck/stats.h>

#include "bench-common.h"

#define NPS 3
#define MAX_REPS 1001
#define SIGMAS 5.0

static const double ps[NPS] = { 0.50, 0.99, 0.999 };

/* ---- timing, data, reference sorts -------------------------------------- */

/* Log-normal latency (ns) around `median_ns`, 1% long stalls, 100 ns steps. */
static uint64_t latency_like(uint64_t *s, double median_ns)
{
	double z = sqrt(-2.0 * log(rng_unit(s))) * cos(2.0 * M_PI * rng_unit(s));
	double ns = exp(log(median_ns) + 0.8 * z);

	if (rng_next(s) % 100 == 0)
		ns += -log(rng_unit(s)) * 2e6;
	return (uint64_t)(ns / 100.0) * 100;
}

/* ---- the methods -------------------------------------------------------- */

/*
 * The two reservoirs are full (SC_MAX_WAKE_SAMPLES each). A's values are
 * even and B's odd, so the merged output says where each sample came from
 * without changing the latency distribution in any way that matters.
 */
struct bench_ctx {
	const uint64_t *a, *b;
	size_t len;		 /* each reservoir's length */
	uint64_t w_a, w_b;	 /* true populations */
	size_t cap;		 /* merge output size */
	uint64_t *concat;	 /* 2 * len, for the sort-everything reference */
	uint64_t *tmp;		 /* radix scratch, 2 * len, preallocated */
	struct sc_u64_vec first; /* the first merge's output: determinism */
	struct sc_u64_vec out;	 /* timed merges' output, reserved and touched once */
	uint64_t *evict;	 /* EVICT_BYTES written before each method */
};

/* Larger than the L2 + L3 of the machines we run on (2 + 32 MiB here). */
#define EVICT_BYTES (64u << 20)

/*
 * Every method starts from the same cold cache, whatever ran before it:
 * without this the merge's random reads into the two 800 KB reservoirs
 * cost twice as much after a sort of the 1.6 MB concatenation as after
 * another merge, and the rotation order would decide the numbers.
 */
static void evict_caches(struct bench_ctx *c)
{
	static uint64_t gen;
	size_t i;

	gen++;
	for (i = 0; i < EVICT_BYTES / sizeof(*c->evict); i += 8)
		c->evict[i] = gen;
}

enum method {
	M_MERGE,	/* the merge alone: ns per output sample */
	M_MERGE_WARM,	/* the same right after an untimed merge (inputs cached) */
	M_MERGE_SELECT, /* merge + sc_percentiles_select: the library path */
	M_CONCAT_QSORT, /* sort-everything: concat both + qsort + sorted percentiles */
	M_CONCAT_RADIX, /* the same with a fast sort */
	M_SELECT,	/* on the merged output: copy + select */
	M_QSORT,	/* on the merged output: copy + qsort + sorted percentiles */
	M_RADIX,	/* on the merged output: copy + radix + sorted percentiles */
	METHOD_MAX
};

static const char *const method_names[METHOD_MAX] = {
	"merge",	"merge (warm)", "merge+select", "concat+qsort",
	"concat+radix", "copy+select",	"copy+qsort",	"copy+radix",
};

/*
 * Runs method m once, timing only its own work; out receives the three
 * percentiles (nothing for M_MERGE). `same` is cleared when a timed merge's
 * output differs from the first merge's. Checks happen after the clock.
 */
static int run_method(struct bench_ctx *c, enum method m, uint64_t out[NPS], uint64_t *ns,
		      bool *same)
{
	struct sc_u64_vec *v = &c->out;
	uint64_t t0, t1, *w = c->concat;
	size_t i, n = 2 * c->len;
	int err = 0;

	evict_caches(c);
	if (m == M_MERGE_WARM) {
		v->len = 0;
		err = sc_weighted_merge_reservoirs(c->a, c->len, c->w_a, c->b, c->len, c->w_b,
						   c->cap, v);
		if (err < 0)
			return err;
	}
	v->len = 0; /* capacity kept: the allocator stays out of the timing */
	t0 = now_ns();
	switch (m) {
	case M_MERGE:
	case M_MERGE_WARM:
	case M_MERGE_SELECT:
		err = sc_weighted_merge_reservoirs(c->a, c->len, c->w_a, c->b, c->len, c->w_b,
						   c->cap, v);
		if (!err && m == M_MERGE_SELECT)
			err = sc_percentiles_select(v->v, v->len, ps, NPS, out);
		break;
	case M_CONCAT_QSORT:
	case M_CONCAT_RADIX:
		memcpy(w, c->a, c->len * sizeof(*w));
		memcpy(w + c->len, c->b, c->len * sizeof(*w));
		if (m == M_CONCAT_QSORT)
			qsort(w, n, sizeof(*w), cmp_u64);
		else
			radix_sort_u64(w, c->tmp, n);
		for (i = 0; i < NPS; i++)
			out[i] = sc_percentile_sorted(w, n, ps[i]);
		break;
	case M_SELECT:
	case M_QSORT:
	case M_RADIX:
	default:
		n = c->first.len;
		memcpy(w, c->first.v, n * sizeof(*w));
		if (m == M_SELECT) {
			err = sc_percentiles_select(w, n, ps, NPS, out);
			break;
		}
		if (m == M_QSORT)
			qsort(w, n, sizeof(*w), cmp_u64);
		else
			radix_sort_u64(w, c->tmp, n);
		for (i = 0; i < NPS; i++)
			out[i] = sc_percentile_sorted(w, n, ps[i]);
		break;
	}
	t1 = now_ns();
	*ns = t1 - t0;
	if (!err && (m == M_MERGE || m == M_MERGE_WARM) &&
	    (v->len != c->first.len || memcmp(v->v, c->first.v, v->len * sizeof(*v->v))))
		*same = false;
	return err;
}

/* ---- driver ------------------------------------------------------------- */

struct pop_case {
	const char *name;
	uint64_t w_a, w_b;
};

/* Populations behind the two full reservoirs. */
static const struct pop_case cases[] = {
	{ "3:1", 3000000, 1000000 },
	{ "1:1", 1000000, 1000000 },
	{ "1000:1", 100000000, 100000 },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-reservoir [-r REPS] [-s SEED]\n"
		"  -r REPS  interleaved rounds per case, 1..%d (default 21)\n"
		"  -s SEED  data seed (default 0x5eed)\n"
		"Exit status: 0 if every check passed (identical answers, deterministic\n"
		"merge, A-share within %.0f sigma), 1 if not, 2 on a usage or allocation\n"
		"error. Speed never affects the status.\n",
		MAX_REPS, SIGMAS);
}

struct case_result {
	uint64_t med_ns[METHOD_MAX], best_ns[METHOD_MAX];
	size_t from_a;
	double dev_sigma;
	unsigned bad;
};

/* Sorted-reference percentiles of a copy of v[0..n), outside any timing. */
static int sorted_percentiles(const uint64_t *v, size_t n, uint64_t out[NPS])
{
	uint64_t *w = malloc(n * sizeof(*w));
	size_t i;

	if (!w)
		return -ENOMEM;
	memcpy(w, v, n * sizeof(*w));
	qsort(w, n, sizeof(*w), cmp_u64);
	for (i = 0; i < NPS; i++)
		out[i] = sc_percentile_sorted(w, n, ps[i]);
	free(w);
	return 0;
}

/* One population case: checks, then `reps` interleaved timing rounds. */
static void run_case(struct bench_ctx *c, const struct pop_case *pc, unsigned reps,
		     struct case_result *res)
{
	static uint64_t ns[METHOD_MAX][MAX_REPS];
	struct sc_u64_vec again = { 0 };
	uint64_t want_merged[NPS], want_union[NPS];
	double p, mean, sigma;
	unsigned r, k;
	bool same = true;
	size_t i;
	int err;

	memset(res, 0, sizeof(*res));
	c->w_a = pc->w_a;
	c->w_b = pc->w_b;
	sc_u64_vec_release(&c->first);
	err = sc_weighted_merge_reservoirs(c->a, c->len, c->w_a, c->b, c->len, c->w_b, c->cap,
					   &c->first);
	if (!err)
		err = sc_weighted_merge_reservoirs(c->a, c->len, c->w_a, c->b, c->len, c->w_b,
						   c->cap, &again);
	if (!err)
		err = sorted_percentiles(c->first.v, c->first.len, want_merged);
	if (!err) {
		memcpy(c->concat, c->a, c->len * sizeof(*c->a));
		memcpy(c->concat + c->len, c->b, c->len * sizeof(*c->b));
		err = sorted_percentiles(c->concat, 2 * c->len, want_union);
	}
	if (err < 0) {
		fprintf(stderr, "%s: setup failed: %d\n", pc->name, err);
		sc_u64_vec_release(&again);
		res->bad++;
		return;
	}
	if (c->first.len != c->cap || again.len != c->cap ||
	    memcmp(c->first.v, again.v, c->cap * sizeof(*again.v))) {
		fprintf(stderr, "%s: two merges of the same input differ\n", pc->name);
		res->bad++;
	}
	sc_u64_vec_release(&again);

	/* A-share: binomial(cap, p), accepted within SIGMAS standard deviations. */
	for (i = 0; i < c->first.len; i++)
		res->from_a += !(c->first.v[i] & 1);
	p = (double)c->w_a / ((double)c->w_a + (double)c->w_b);
	mean = (double)c->cap * p;
	sigma = sqrt((double)c->cap * p * (1.0 - p));
	res->dev_sigma = ((double)res->from_a - mean) / sigma;
	if (!(fabs(res->dev_sigma) <= SIGMAS)) {
		fprintf(stderr, "%s: A-share %zu of %zu is %.2f sigma from %.1f\n", pc->name,
			res->from_a, c->cap, res->dev_sigma, mean);
		res->bad++;
	}

	for (r = 0; r < reps; r++) {
		for (k = 0; k < METHOD_MAX; k++) {
			enum method m = (enum method)((r + k) % METHOD_MAX);
			const uint64_t *want;
			uint64_t got[NPS];

			err = run_method(c, m, got, &ns[m][r], &same);
			if (err < 0) {
				fprintf(stderr, "%s %s: error %d\n", pc->name, method_names[m],
					err);
				res->bad++;
				continue;
			}
			if (m == M_MERGE || m == M_MERGE_WARM)
				continue;
			want = m == M_CONCAT_QSORT || m == M_CONCAT_RADIX ? want_union
									  : want_merged;
			for (i = 0; i < NPS; i++)
				if (got[i] != want[i]) {
					fprintf(stderr,
						"MISMATCH %s %s p=%g: got %" PRIu64 " want %" PRIu64
						"\n",
						pc->name, method_names[m], ps[i], got[i], want[i]);
					res->bad++;
				}
		}
	}
	if (!same) {
		fprintf(stderr, "%s: a timed merge differed from the first one\n", pc->name);
		res->bad++;
	}
	for (k = 0; k < METHOD_MAX; k++) {
		qsort(ns[k], reps, sizeof(ns[k][0]), cmp_u64);
		res->best_ns[k] = ns[k][0];
		res->med_ns[k] = ns[k][reps / 2];
	}

	printf("w_a:w_b = %s (w_a=%" PRIu64 ", w_b=%" PRIu64 ")\n", pc->name, c->w_a, c->w_b);
	printf("  %-14s %10s %10s\n", "method", "median ms", "best ms");
	for (k = 0; k < METHOD_MAX; k++) {
		printf("  %-14s %10.3f %10.3f", method_names[k], res->med_ns[k] / 1e6,
		       res->best_ns[k] / 1e6);
		if (k == M_MERGE || k == M_MERGE_WARM)
			printf("   %.2f ns per output sample (median), %.2f (best)",
			       (double)res->med_ns[k] / (double)c->cap,
			       (double)res->best_ns[k] / (double)c->cap);
		printf("\n");
	}
	printf("  merged p50=%" PRIu64 " p99=%" PRIu64 " p99.9=%" PRIu64
	       " ns: select == qsort == radix: %s\n",
	       want_merged[0] >> 1, want_merged[1] >> 1, want_merged[2] >> 1,
	       res->bad ? "NO" : "yes");
	printf("  deterministic: %s; A-share %zu / %zu, expected %.1f +- %.1f (1 sigma): "
	       "%+.2f sigma (bound %.0f): %s\n\n",
	       same && res->bad == 0 ? "yes" : "NO", res->from_a, c->cap, mean, sigma,
	       res->dev_sigma, SIGMAS, fabs(res->dev_sigma) <= SIGMAS ? "ok" : "FAIL");
	fflush(stdout);
}

static double ratio(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : INFINITY;
}

int main(int argc, char **argv)
{
	struct case_result res[NCASES];
	struct bench_ctx c = { 0 };
	uint64_t seed = 0x5eed, x, s;
	uint64_t *a, *b;
	unsigned reps = 21, bad = 0;
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "r:s:h")) != -1) {
		switch (opt) {
		case 'r':
			if (parse_u64(optarg, &x) < 0 || !x || x > MAX_REPS) {
				usage(stderr);
				return 2;
			}
			reps = (unsigned)x;
			break;
		case 's':
			if (parse_u64(optarg, &seed) < 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	c.len = SC_MAX_WAKE_SAMPLES;
	c.cap = SC_MAX_WAKE_SAMPLES;
	a = malloc(c.len * sizeof(*a));
	b = malloc(c.len * sizeof(*b));
	c.concat = malloc(2 * c.len * sizeof(*c.concat));
	c.tmp = malloc(2 * c.len * sizeof(*c.tmp));
	c.evict = malloc(EVICT_BYTES);
	if (!a || !b || !c.concat || !c.tmp || !c.evict) {
		fprintf(stderr, "bench-reservoir: out of memory\n");
		free(a);
		free(b);
		free(c.concat);
		free(c.tmp);
		free(c.evict);
		return 2;
	}
	if (sc_u64_vec_reserve(&c.out, c.cap) < 0) {
		fprintf(stderr, "bench-reservoir: out of memory\n");
		free(a);
		free(b);
		free(c.concat);
		free(c.tmp);
		free(c.evict);
		return 2;
	}
	/* Fault every page in before the clock starts. */
	memset(c.out.v, 0, c.cap * sizeof(*c.out.v));
	memset(c.concat, 0, 2 * c.len * sizeof(*c.concat));
	memset(c.evict, 0, EVICT_BYTES);
	memset(c.tmp, 0, 2 * c.len * sizeof(*c.tmp));
	/* Two cgroups with different latency: A around 30 us, B around 80 us. */
	s = seed ? seed : 1;
	for (i = 0; i < c.len; i++)
		a[i] = latency_like(&s, 30000.0) << 1;
	for (i = 0; i < c.len; i++)
		b[i] = (latency_like(&s, 80000.0) << 1) | 1;
	c.a = a;
	c.b = b;

	printf("bench-reservoir: sc_weighted_merge_reservoirs of two full reservoirs "
	       "(%zu + %zu samples -> cap %zu)\n",
	       c.len, c.len, c.cap);
	printf("  merge        = the merge alone (output vector reused: no allocation timed)\n");
	printf("  merge (warm) = the same right after an untimed merge (inputs in cache);\n"
	       "                 every other method starts with caches evicted (64 MiB written)\n");
	printf("  merge+select = merge + sc_percentiles_select(p50, p99, p99.9): the library "
	       "path\n");
	printf("  concat+qsort = sort-everything reference: concatenate both reservoirs (%zu\n"
	       "                 samples), glibc qsort, sc_percentile_sorted x3 (what a naive\n"
	       "                 implementation would do; it ignores the weights, so it is a\n"
	       "                 cost reference, not a correct answer)\n",
	       2 * c.len);
	printf("  concat+radix = the same with an LSD radix sort (scratch preallocated)\n");
	printf("  copy+select / copy+qsort / copy+radix = percentiles of the merged output\n"
	       "                 (%zu samples) by selection vs by sorting\n",
	       c.cap);
	printf("  %u interleaved rounds per case; seed 0x%" PRIx64 "\n\n", reps, seed);

	for (i = 0; i < NCASES; i++) {
		run_case(&c, &cases[i], reps, &res[i]);
		bad += res[i].bad;
	}

	printf("summary (medians; ratios of medians)\n");
	printf("%-8s %7s %7s %13s %13s %9s %12s %12s %8s %6s\n", "w_a:w_b", "merge", "merge",
	       "concat+qsort/", "concat+radix/", "merge+", "qsort/select", "radix/select",
	       "A-share", "checks");
	printf("%-8s %7s %7s %13s %13s %9s %12s %12s %8s %6s\n", "", "ns/smp", "warm",
	       "merge+select", "merge+select", "select ms", "(merged)", "(merged)", "sigma", "");
	for (i = 0; i < NCASES; i++) {
		const struct case_result *q = &res[i];

		printf("%-8s %7.2f %7.2f %12.1fx %12.1fx %9.3f %11.1fx %11.1fx %+8.2f %6s\n",
		       cases[i].name, (double)q->med_ns[M_MERGE] / (double)c.cap,
		       (double)q->med_ns[M_MERGE_WARM] / (double)c.cap,
		       ratio(q->med_ns[M_CONCAT_QSORT], q->med_ns[M_MERGE_SELECT]),
		       ratio(q->med_ns[M_CONCAT_RADIX], q->med_ns[M_MERGE_SELECT]),
		       q->med_ns[M_MERGE_SELECT] / 1e6,
		       ratio(q->med_ns[M_QSORT], q->med_ns[M_SELECT]),
		       ratio(q->med_ns[M_RADIX], q->med_ns[M_SELECT]), q->dev_sigma,
		       q->bad ? "FAIL" : "ok");
	}
	printf("\nchecks: %s\n", bad ? "FAILED (see stderr)" : "all passed");

	sc_u64_vec_release(&c.first);
	sc_u64_vec_release(&c.out);
	free(a);
	free(b);
	free(c.concat);
	free(c.tmp);
	free(c.evict);
	return bad ? 1 : 0;
}
