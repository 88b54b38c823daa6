// SPDX-License-Identifier: MIT
/*
 * futex_pingpong wake-to-run against round trips (its own, and `perf bench
 * sched pipe`'s), spread over both CPUs and on one CPU. The relation checked:
 * each hand-off interval contains its wake-to-run interval, so the sum of all
 * wake-to-run samples fits in the run (and mean <= own round trip / 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/stats.h>
#include <schedcheck/workload.h>

#include "workload/workload-internal.h"

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / SC_NS_PER_SEC),
			       .tv_nsec = (long)(t % SC_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* perf bench sched pipe: microseconds per round trip, or < 0. */
static double perf_pipe_us(unsigned loops, int cpu)
{
	char l[32], line[256];
	int fds[2], st;
	double us = -1;
	FILE *f;
	pid_t pid;

	snprintf(l, sizeof(l), "%u", loops);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c[16];

		dup2(fds[1], 1);
		snprintf(c, sizeof(c), "%d", cpu);
		if (cpu >= 0)
			execlp("taskset", "taskset", "-c", c, "perf", "bench", "sched", "pipe",
			       "-l", l, (char *)NULL);
		else
			execlp("perf", "perf", "bench", "sched", "pipe", "-l", l, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		close(fds[0]);
		waitpid(pid, &st, 0);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "usecs/op"))
			us = strtod(line, NULL);
	fclose(f);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? us : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* futex_pingpong pair for `ms`: median / p99 wake-to-run and hand-offs per second. */
static int pingpong(uint64_t ms, int cpu, double *mean_us, double *median_us, double *p99_us,
		    double *rate, double *share, bool *exact)
{
	struct sc_work_spec s;
	struct sc_workload *wl = NULL;
	struct sc_worker_report *r = NULL;
	struct sc_u64_vec all = { 0 };
	struct sc_error err;
	size_t n = 0, i;
	int rc;

	sc_work_spec_init(&s, SC_WORK_FUTEX_PINGPONG);
	if (cpu >= 0 && (rc = sc_cpu_set_add(&s.affinity, (uint64_t)cpu)) < 0)
		return rc;
	rc = sc_workload_spawn(&s, 1, sc_workload_now_ns() + 5 * SC_NS_PER_SEC, &wl, &err);
	if (rc < 0)
		goto out;
	sc_workload_release(wl, &err);
	sleep_until(sc_wl_now() + ms * SC_NS_PER_MS);
	rc = sc_workload_collect(wl, sc_workload_now_ns() + 5 * SC_NS_PER_SEC, &r, &n, &err);
	if (rc < 0)
		goto out;
	*rate = 0;
	*exact = true;
	{
		uint64_t wall = 0;
		double sum = 0, total = 0;

		for (i = 0; i < n; i++) {
			size_t k;
			double part = 0;

			for (k = 0; k < r[i].wake_latencies_ns.len; k++)
				part += (double)r[i].wake_latencies_ns.v[k];
			/* Subsampled: scale the sample sum up to the true count. */
			if (r[i].wake_latencies_ns.len &&
			    r[i].wake_latencies_ns.len < r[i].wake_sample_total) {
				part *= (double)r[i].wake_sample_total /
					(double)r[i].wake_latencies_ns.len;
				*exact = false;
			}
			sum += part;
			total += (double)r[i].wake_sample_total;
			if (r[i].wall_time_ns > wall)
				wall = r[i].wall_time_ns;
		}
		*share = wall ? sum / (double)wall : 0;
		(void)total;
	}
	for (i = 0; i < n; i++) {
		if (r[i].exit_kind != SC_WORKER_EXITED) {
			rc = -EIO;
			goto out;
		}
		if ((rc = sc_u64_vec_append(&all, r[i].wake_latencies_ns.v,
					    r[i].wake_latencies_ns.len)) < 0)
			goto out;
		*rate += (double)r[i].iterations / ((double)r[i].wall_time_ns / 1e9);
	}
	if (!all.len) {
		rc = -ENODATA;
		goto out;
	}
	{
		double sum = 0;

		for (i = 0; i < all.len; i++)
			sum += (double)all.v[i];
		*mean_us = sum / (double)all.len / 1e3;
	}
	qsort(all.v, all.len, sizeof(*all.v), cmp_u64);
	*median_us = (double)sc_percentile_sorted(all.v, all.len, 0.5) / 1e3;
	*p99_us = (double)sc_percentile_sorted(all.v, all.len, 0.99) / 1e3;
	/* A round trip is one hand-off by each worker. */
	*rate /= 2;
out:
	if (rc < 0)
		fprintf(stderr, "pingpong: %s\n", rc == -EIO ? "worker failed" : err.msg);
	sc_u64_vec_release(&all);
	sc_worker_reports_free(r, n);
	sc_workload_free(wl);
	sc_work_spec_release(&s);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned rounds = 3, loops = 100000, i;
	uint64_t ms = 200; /* short enough to keep every sample (below the cap) */
	int placement, fail = 0, opt;

	while ((opt = getopt(argc, argv, "r:l:m:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			loops = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			ms = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-l PERF_LOOPS] [-m PINGPONG_MS]\n",
				argv[0]);
			return 2;
		}
	}
	printf("# futex_pingpong wake-to-run vs perf bench sched pipe round trip, %u rounds\n",
	       rounds);
	printf("%-9s %5s %9s %11s %8s %8s %8s %9s %17s %18s\n", "placement", "round", "w2r_mean",
	       "w2r_median", "w2r_p99", "own_rt", "perf_rt", "w2r_share", "w2r_mean/(own/2)",
	       "w2r_median/(perf/2)");
	for (placement = 0; placement < 2; placement++) {
		int cpu = placement ? 1 : -1;

		for (i = 0; i < rounds; i++) {
			double mean = 0, med = 0, p99 = 0, rate = 0, share = 0, rt, own;
			bool exact = true;
			int rc;

			rt = perf_pipe_us(loops, cpu);
			rc = pingpong(ms, cpu, &mean, &med, &p99, &rate, &share, &exact);
			if (rt <= 0 || rc < 0 || rate <= 0) {
				fprintf(stderr, "round %u failed (perf %.2f, pingpong %d)\n", i, rt,
					rc);
				return 1;
			}
			own = 1e6 / rate;
			printf("%-9s %5u %9.2f %11.2f %8.2f %8.2f %8.2f %8.3f%s %17.3f %18.2f\n",
			       placement ? "one-cpu" : "two-cpus", i, mean, med, p99, own, rt,
			       share, exact ? " " : "~", mean / (own / 2), med / (rt / 2));
			/* Exact only when every sample was kept; an estimate otherwise. */
			if (exact && share > 1.0)
				fail = 1;
		}
	}
	printf("(times in us; w2r_share = sum of wake-to-run / run wall time, ~ = estimated "
	       "from a subsample) relation sum of wake-to-run <= run: %s\n",
	       fail ? "VIOLATED" : "holds");
	return fail;
}
