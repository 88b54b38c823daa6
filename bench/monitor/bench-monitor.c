// SPDX-License-Identifier: MIT
/*
 * Benchmark: the cost of one monitor sample on this machine's live /proc,
 * against a naive fopen/fgets/sscanf reader of the same files, with its
 * parts (the preads alone, the parsing alone) and heap allocations counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/monitor.h>

#include "monitor/fsutil-internal.h"
#include "monitor/procfs-internal.h"

#include "../bench-common.h"

#define MAX_ROUNDS 51
#define STEADY_CALLS 200

/* ---- allocation counting ---------------------------------------------------- */

/*
 * glibc lets a program replace malloc (its manual, "Replacing malloc"); these
 * count calls and forward to glibc's own allocator. Not under ASan, which
 * owns malloc itself: there the count is reported as unavailable.
 */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif

static unsigned long n_allocs;

#if COUNT_ALLOCS
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
	n_allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	n_allocs++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	n_allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

/* ---- timing ------------------------------------------------------------------ */

struct stats {
	double mean, p50, p99, max;
};

/* Summary of per-call times (sorts `t`). */
static struct stats summarise(uint64_t *t, size_t n)
{
	struct stats s = { 0 };
	double sum = 0;
	size_t i;

	qsort(t, n, sizeof(*t), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)t[i];
	s.mean = sum / (double)n;
	s.p50 = (double)t[n / 2];
	s.p99 = (double)t[(size_t)((double)(n - 1) * 0.99)];
	s.max = (double)t[n - 1];
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the methods ------------------------------------------------------------- */

enum method { M_SAMPLE, M_SAMPLE_FRESH_MAP, M_NAIVE, M_PREAD_STAT, M_PARSE_STAT, METHOD_MAX };

static const char *const method_names[METHOD_MAX] = {
	[M_SAMPLE] = "sc_monitor_sample (map reused)",
	[M_SAMPLE_FRESH_MAP] = "sc_monitor_sample (new map each)",
	[M_NAIVE] = "naive fopen+fgets+sscanf",
	[M_PREAD_STAT] = "  part: pread /proc/stat",
	[M_PARSE_STAT] = "  part: parse /proc/stat text",
};

/* What a first implementation would do: reopen and scan with stdio each time. */
static int naive_sample(uint64_t *ctxt, double *psi)
{
	char line[4096];
	unsigned long long u, n, s, i, w, q, sq, st, total_busy = 0, total_all = 0;
	int got = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cpu", 3) &&
		    sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &s, &i, &w,
			   &q, &sq, &st) == 8) {
			total_busy += u + n + s + q + sq + st;
			total_all += u + n + s + q + sq + st + i + w;
		} else if (sscanf(line, "ctxt %llu", &u) == 1) {
			*ctxt = u;
			got++;
		}
	}
	fclose(f);
	f = fopen("/proc/pressure/cpu", "re");
	if (f) {
		if (fgets(line, sizeof(line), f) && sscanf(line, "some avg10=%lf", psi) == 1)
			got++;
		fclose(f);
	}
	return total_all >= total_busy ? got : -EINVAL;
}

struct ctx {
	struct sc_monitor *m;
	struct sc_metric_map map;
	int stat_fd;
	char *buf;
	size_t cap, len;
	struct sc_mon_cpu_stat cpus[1024];
	unsigned bad;
};

static void run_one(struct ctx *c, enum method k, uint64_t tick)
{
	struct sc_metric_map fresh = { 0 };
	struct sc_mon_proc_stat st;
	uint64_t ctxt = 0;
	double v, psi = 0;
	size_t len;

	switch (k) {
	case M_SAMPLE:
		if (sc_monitor_sample(c->m, tick, &c->map) < 0 ||
		    !sc_metric_map_get(&c->map, "context_switches", &v) || v <= 0)
			c->bad++;
		break;
	case M_SAMPLE_FRESH_MAP:
		if (sc_monitor_sample(c->m, tick, &fresh) < 0 ||
		    !sc_metric_map_get(&fresh, "cpu_total_ns", &v) || v <= 0)
			c->bad++;
		sc_metric_map_release(&fresh);
		break;
	case M_NAIVE:
		if (naive_sample(&ctxt, &psi) < 1 || !ctxt)
			c->bad++;
		break;
	case M_PREAD_STAT:
		if (sc_mon_pread_all(c->stat_fd, &c->buf, &c->cap, &len) < 0 || !len)
			c->bad++;
		break;
	case M_PARSE_STAT:
		st.cpu = c->cpus;
		st.cpu_cap = sizeof(c->cpus) / sizeof(c->cpus[0]);
		sc_mon_parse_proc_stat(c->buf, c->len, &st);
		if (!st.has_all || !st.has_ctxt)
			c->bad++;
		break;
	default:
		break;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-monitor [-n CALLS] [-r ROUNDS] [-i INTERVAL_US]\n"
		"  -n CALLS        calls per method per round (default 5000)\n"
		"  -r ROUNDS       rounds, methods interleaved, 1..%d (default 5)\n"
		"  -i INTERVAL_US  sleep between calls, as the real sampler does\n"
		"                  (default 0: back to back)\n"
		"Exit status: 0 if every call succeeded and read sane values, 1 if not,\n"
		"2 on a usage or setup error. Speed never affects the status.\n",
		MAX_ROUNDS);
}

int main(int argc, char **argv)
{
	double per_round[METHOD_MAX][MAX_ROUNDS];
	struct stats last[METHOD_MAX];
	uint64_t calls = 5000, rounds = 5, interval_us = 0, x, *t;
	unsigned long allocs_before, steady_allocs;
	struct sc_error err = { { 0 } };
	struct ctx c = { 0 };
	struct timespec gap;
	unsigned r, k, i;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:i:h")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_u64(optarg, &x) < 0 || x < 10 || x > 10000000) {
				usage(stderr);
				return 2;
			}
			calls = x;
			break;
		case 'r':
			if (parse_u64(optarg, &x) < 0 || !x || x > MAX_ROUNDS) {
				usage(stderr);
				return 2;
			}
			rounds = x;
			break;
		case 'i':
			if (parse_u64(optarg, &x) < 0 || x > 10000000) {
				usage(stderr);
				return 2;
			}
			interval_us = x;
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
	gap.tv_sec = (time_t)(interval_us / 1000000);
	gap.tv_nsec = (long)(interval_us % 1000000) * 1000;

	if (sc_monitor_open(NULL, &c.m, &err) < 0) {
		fprintf(stderr, "bench-monitor: %s\n", err.msg);
		return 2;
	}
	c.stat_fd = sc_mon_open_file(AT_FDCWD, "/proc/stat");
	t = calloc(calls, sizeof(*t));
	if (c.stat_fd < 0 || !t || sc_mon_pread_all(c.stat_fd, &c.buf, &c.cap, &c.len) < 0) {
		fprintf(stderr, "bench-monitor: cannot read /proc/stat or out of memory\n");
		return 2;
	}

	/*
	 * Steady-state allocations with a reused map, at the chosen interval:
	 * none, unless a metric comes and goes (back to back, the CPU-time
	 * window is often shorter than a tick, so the busy gauges do).
	 */
	for (i = 0; i < 3; i++) {
		run_one(&c, M_SAMPLE, i);
		nanosleep(&gap, NULL);
	}
	allocs_before = n_allocs;
	for (i = 0; i < STEADY_CALLS; i++) {
		run_one(&c, M_SAMPLE, i);
		if (interval_us)
			nanosleep(&gap, NULL);
	}
	steady_allocs = n_allocs - allocs_before;

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < METHOD_MAX; k++) {
			/* Rotate the order so no method always runs first. */
			enum method m = (enum method)((k + r) % METHOD_MAX);

			for (i = 0; i < calls; i++) {
				uint64_t t0 = now_ns();

				run_one(&c, m, i);
				t[i] = now_ns() - t0;
				if (interval_us)
					nanosleep(&gap, NULL);
			}
			last[m] = summarise(t, calls);
			per_round[m][r] = last[m].mean;
		}
	}

	printf("monitor sample cost: %" PRIu64 " calls x %" PRIu64 " rounds, interval %" PRIu64
	       " us\n",
	       calls, rounds, interval_us);
	printf("run-queue source: %s; PSI: %s; CLK_TCK %ld\n",
	       sc_monitor_rq_source_name(sc_monitor_rq_source(c.m)),
	       access("/proc/pressure/cpu", R_OK) ? "absent" : "present", sysconf(_SC_CLK_TCK));
	printf("%-34s %12s %10s %10s %10s %8s\n", "method", "mean ns", "p50", "p99", "max",
	       "vs naive");
	{
		double med[METHOD_MAX];

		for (k = 0; k < METHOD_MAX; k++)
			med[k] = median(per_round[k], rounds);
		for (k = 0; k < METHOD_MAX; k++) {
			printf("%-34s %12.0f %10.0f %10.0f %10.0f", method_names[k], med[k],
			       last[k].p50, last[k].p99, last[k].max);
			if (k <= M_NAIVE)
				printf(" %7.2fx", med[M_NAIVE] / med[k]);
			printf("\n");
		}
	}
	printf("(mean: median over rounds of each round's mean; p50/p99/max: last round)\n");
	if (COUNT_ALLOCS)
		printf("heap allocations per steady sample (map reused): %.3f (%lu in %d)\n",
		       (double)steady_allocs / STEADY_CALLS, steady_allocs, STEADY_CALLS);
	else
		printf("heap allocations per steady sample: not counted under ASan\n");
	if (c.bad)
		fprintf(stderr, "bench-monitor: %u calls failed or read insane values\n", c.bad);

	sc_metric_map_release(&c.map);
	sc_monitor_free(c.m);
	close(c.stat_fd);
	free(c.buf);
	free(t);
	return c.bad ? 1 : 0;
}
