// SPDX-License-Identifier: MIT
/*
 * Telemetry overhead: a `spin` worker under schedcheck against the same spin
 * loop with telemetry off, alternating on one CPU in one run; prints the
 * work-unit rate ratio (target >= 98%) and exits 1 when it is missed.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/stats.h>
#include <schedcheck/workload.h>

#include "workload/workload-internal.h"

struct bare_shared {
	_Atomic uint32_t go;
	_Atomic uint32_t stop;
	uint64_t units;
	uint64_t ns;
};

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / SC_NS_PER_SEC),
			       .tv_nsec = (long)(t % SC_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The same work unit, with only the stop check: no clock, no CPU read. */
static int bare_leg(unsigned cpu, uint64_t loops, uint64_t ms, double *rate)
{
	struct bare_shared *sh;
	cpu_set_t set;
	pid_t pid;
	int st;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -errno;
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid < 0) {
		munmap(sh, sizeof(*sh));
		return -errno;
	}
	if (pid == 0) {
		uint64_t x = 1, n = 0, t0, t1;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		while (!atomic_load(&sh->go))
			sc_futex_wait(&sh->go, 0, 0);
		t0 = sc_wl_now();
		do {
			x = sc_wl_spin(loops, x);
			n++;
		} while (!atomic_load_explicit(&sh->stop, memory_order_relaxed));
		t1 = sc_wl_now();
		sh->units = n + (x == 0); /* keep x alive */
		sh->ns = t1 - t0;
		_exit(0);
	}
	sleep_until(sc_wl_now() + 50 * SC_NS_PER_MS); /* let it reach the gate */
	atomic_store(&sh->go, 1);
	sc_futex_wake(&sh->go, 1);
	sleep_until(sc_wl_now() + ms * SC_NS_PER_MS);
	atomic_store(&sh->stop, 1);
	waitpid(pid, &st, 0);
	*rate = sh->ns ? (double)sh->units / ((double)sh->ns / 1e9) : 0;
	munmap(sh, sizeof(*sh));
	return 0;
}

static int schedcheck_leg(unsigned cpu, uint64_t loops, uint64_t ms, double *rate)
{
	struct sc_work_spec s;
	struct sc_workload *wl = NULL;
	struct sc_worker_report *r = NULL;
	struct sc_error err;
	size_t n = 0;
	int rc;

	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.params.spin_loops = loops;
	if ((rc = sc_cpu_set_add(&s.affinity, cpu)) < 0)
		return rc;
	rc = sc_workload_spawn(&s, 1, sc_workload_now_ns() + 5 * SC_NS_PER_SEC, &wl, &err);
	if (rc < 0) {
		fprintf(stderr, "spawn: %s\n", err.msg);
		goto out;
	}
	sleep_until(sc_wl_now() + 50 * SC_NS_PER_MS);
	sc_workload_release(wl, &err);
	sleep_until(sc_wl_now() + ms * SC_NS_PER_MS);
	rc = sc_workload_collect(wl, sc_workload_now_ns() + 5 * SC_NS_PER_SEC, &r, &n, &err);
	if (rc < 0 || n != 1 || r[0].exit_kind != SC_WORKER_EXITED) {
		fprintf(stderr, "collect: %s\n", rc < 0 ? err.msg : "worker did not exit cleanly");
		rc = rc < 0 ? rc : -EIO;
		goto out;
	}
	*rate = (double)r[0].iterations / ((double)r[0].wall_time_ns / 1e9);
out:
	sc_worker_reports_free(r, n);
	sc_workload_free(wl);
	sc_work_spec_release(&s);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned cpu = 1, rounds = 10;
	uint64_t ms = 1000, loops_list[] = { 10000, 1000 };
	double ratios[64];
	int opt, fail = 0;
	size_t li;

	while ((opt = getopt(argc, argv, "c:r:m:")) != -1) {
		switch (opt) {
		case 'c':
			cpu = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			ms = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-c CPU] [-r ROUNDS] [-m MS_PER_LEG]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64) {
		fprintf(stderr, "rounds must be 1..64\n");
		return 2;
	}
	printf("# spin worker under schedcheck vs the bare loop, CPU %u, %u rounds x 2 legs "
	       "of %llu ms, alternating order\n",
	       cpu, rounds, (unsigned long long)ms);
	for (li = 0; li < sizeof(loops_list) / sizeof(loops_list[0]); li++) {
		double sum_sc = 0, sum_bare = 0;
		unsigned i;

		printf("spin_loops=%llu\n", (unsigned long long)loops_list[li]);
		printf("%6s %16s %16s %8s\n", "round", "schedcheck u/s", "bare u/s", "ratio");
		for (i = 0; i < rounds; i++) {
			double sc = 0, bare = 0;
			int r1, r2;

			if (i % 2) {
				r1 = schedcheck_leg(cpu, loops_list[li], ms, &sc);
				r2 = bare_leg(cpu, loops_list[li], ms, &bare);
			} else {
				r2 = bare_leg(cpu, loops_list[li], ms, &bare);
				r1 = schedcheck_leg(cpu, loops_list[li], ms, &sc);
			}
			if (r1 < 0 || r2 < 0 || bare <= 0) {
				fprintf(stderr, "round %u failed: %s\n", i,
					strerror(-(r1 < 0 ? r1 : r2)));
				return 1;
			}
			ratios[i] = sc / bare;
			sum_sc += sc;
			sum_bare += bare;
			printf("%6u %16.0f %16.0f %7.2f%%\n", i, sc, bare, 100.0 * ratios[i]);
		}
		qsort(ratios, rounds, sizeof(ratios[0]), cmp_double);
		printf("ratio: median %.2f%%, min %.2f%%, pooled %.2f%% (target >= 98%% at the "
		       "default 10000 loops)\n\n",
		       100.0 * ratios[rounds / 2], 100.0 * ratios[0], 100.0 * sum_sc / sum_bare);
		if (li == 0 && sum_sc / sum_bare < 0.98)
			fail = 1;
	}
	return fail;
}
