// SPDX-License-Identifier: MIT
/*
 * The workload engine on this host: spec validation (pure), then real
 * workers of every implemented type, phase drains, crashed / hung workers,
 * no leftover process on any path, and 1,000 workers at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/workload.h>

#include "test-helpers.h"
#include "workload/workload-internal.h"

#define MS 1000000ull
#define SEC 1000000000ull

static uint64_t now_ns(void)
{
	return sc_workload_now_ns();
}

static void sleep_ms(uint64_t ms)
{
	uint64_t until = now_ns() + ms * MS;
	struct timespec ts = { .tv_sec = (time_t)(until / SEC), .tv_nsec = (long)(until % SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static bool have_cpu(unsigned cpu)
{
	cpu_set_t s;

	return sched_getaffinity(0, sizeof(s), &s) == 0 && CPU_ISSET(cpu, &s);
}

/* ------------------------------------------------------------------------ */
/* Validation: pure, nothing spawned                                         */
/* ------------------------------------------------------------------------ */

static void expect_invalid(const struct sc_work_spec *s, int want, const char *needle)
{
	struct sc_error err = { { 0 } };
	int r = sc_work_spec_validate(s, &err);

	if (r != want || !strstr(err.msg, needle))
		fail_msg("validate: got %d \"%s\", want %d containing \"%s\"", r, err.msg, want,
			 needle);
}

static void test_validate(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	enum sc_work_type t;

	(void)state;
	for (t = 0; t < SC_WORK_TYPE_MAX; t++) {
		sc_work_spec_init(&s, t);
		if (t == SC_WORK_FUTEX_PINGPONG)
			s.workers = 2;
		if (sc_work_type_implemented(t)) {
			if (sc_work_spec_validate(&s, &err) != 0)
				fail_msg("%s defaults rejected: %s", sc_work_type_name(t), err.msg);
		} else {
			expect_invalid(&s, -EOPNOTSUPP, "not implemented yet");
		}
		sc_work_spec_release(&s);
	}

	sc_work_spec_init(&s, SC_WORK_FUTEX_PINGPONG);
	s.workers = 3;
	expect_invalid(&s, -EINVAL, "futex_pingpong: workers must be even (got 3)");
	s.workers = 0;
	expect_invalid(&s, -EINVAL, "workers must be in 1..");
	s.workers = SC_WORKLOAD_MAX_WORKERS + 2;
	expect_invalid(&s, -EINVAL, "workers must be in 1..");

	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.sched.kind = SC_SCHED_FIFO;
	expect_invalid(&s, -EINVAL, "sched priority must be in 1..99 (got 0)");
	s.sched.priority = 100;
	expect_invalid(&s, -EINVAL, "sched priority");
	s.sched.kind = SC_SCHED_NORMAL;
	expect_invalid(&s, -EINVAL, "takes no priority");
	s.sched.priority = 0;
	s.sched.kind = SC_SCHED_DEADLINE;
	s.sched.runtime_ns = 5 * MS;
	s.sched.deadline_ns = 1 * MS;
	expect_invalid(&s, -EINVAL, "runtime (5000000) <= deadline (1000000)");
	s.sched.runtime_ns = 1 * MS;
	assert_int_equal(sc_work_spec_validate(&s, NULL), 0);
	s.sched.period_ns = MS / 2;
	expect_invalid(&s, -EINVAL, "<= period");
	s.sched.kind = SC_SCHED_NORMAL;
	s.sched.runtime_ns = s.sched.deadline_ns = s.sched.period_ns = 0;

	s.nice_set = true;
	s.nice = 20;
	expect_invalid(&s, -EINVAL, "nice must be in -20..19 (got 20)");
	s.nice = -20;
	assert_int_equal(sc_work_spec_validate(&s, NULL), 0);

	assert_int_equal(sc_cpu_set_add(&s.affinity, SC_WORK_MAX_CPUS), 0);
	expect_invalid(&s, -EINVAL, "affinity CPU 1024");
	sc_cpu_set_release(&s.affinity);

	s.mem.kind = SC_MEMPOL_BIND;
	expect_invalid(&s, -EINVAL, "memory policy bind needs at least one node");
	assert_int_equal(sc_cpu_set_add(&s.mem.nodes, 0), 0);
	assert_int_equal(sc_work_spec_validate(&s, NULL), 0);
	s.mem.kind = SC_MEMPOL_LOCAL;
	expect_invalid(&s, -EINVAL, "memory policy local takes no nodes");
	s.mem.kind = SC_MEMPOL_PREFERRED;
	assert_int_equal(sc_cpu_set_add(&s.mem.nodes, 1), 0);
	expect_invalid(&s, -EINVAL, "preferred needs exactly one node (got 2)");
	assert_int_equal(sc_cpu_set_add(&s.mem.nodes, 99), 0);
	expect_invalid(&s, -EINVAL, "node 99");
	sc_work_spec_release(&s);

	sc_work_spec_init(&s, SC_WORK_WAKE_CHAIN);
	s.params.chain_depth = 3;
	s.workers = 4;
	expect_invalid(&s, -EINVAL, "workers (4) must be a multiple of chain_depth (3)");
	s.params.chain_depth = 1;
	expect_invalid(&s, -EINVAL, "chain_depth must be in 2..1024");
	s.params.chain_depth = 2;
	s.params.chain_mode = SC_CHAIN_PIPE;
	s.workers = 512;
	expect_invalid(&s, -EINVAL, "pipe mode allows at most 256");

	sc_work_spec_init(&s, SC_WORK_FANOUT);
	s.params.fanout = 3;
	s.workers = 6;
	expect_invalid(&s, -EINVAL, "multiple of fanout + 1 (4)");

	sc_work_spec_init(&s, SC_WORK_SCHBENCH);
	assert_int_equal(s.workers, 3);
	s.workers = 4;
	expect_invalid(&s, -EINVAL,
		       "schbench: workers (4) must be a multiple of threads_per_message + 1 (3)");
	s.workers = 6;
	assert_int_equal(sc_work_spec_validate(&s, NULL), 0);
	s.params.threads_per_message = 0;
	expect_invalid(&s, -EINVAL, "schbench: threads_per_message must be in 1..1023 (got 0)");
	s.params.threads_per_message = 5;
	s.params.request_us = 2000000;
	expect_invalid(&s, -EINVAL, "schbench: request_us must be in 0..1000000");

	sc_work_spec_init(&s, SC_WORK_TIMER_LATENCY);
	s.params.interval_us = 5;
	expect_invalid(&s, -EINVAL, "interval_us must be in 10..100000 (got 5)");

	sc_work_spec_init(&s, SC_WORK_FORK_EXIT);
	s.sched.kind = SC_SCHED_DEADLINE;
	s.sched.runtime_ns = s.sched.deadline_ns = MS;
	expect_invalid(&s, -EINVAL, "deadline task cannot fork");

	sc_work_spec_init(&s, SC_WORK_IO_SYNC);
	s.params.io_bytes = 0;
	expect_invalid(&s, -EINVAL, "io_bytes");

	sc_work_spec_init(&s, SC_WORK_CACHE_PRESSURE);
	s.params.stride_bytes = 4;
	expect_invalid(&s, -EINVAL, "stride_bytes");

	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.type = SC_WORK_TYPE_MAX;
	expect_invalid(&s, -EINVAL, "unknown work type");
	assert_int_equal(sc_work_spec_validate(NULL, NULL), -EINVAL);
}

static void test_names_and_parse(void **state)
{
	struct sc_sched_policy p;
	struct sc_error err = { { 0 } };
	enum sc_work_type t;
	enum sc_mem_policy_kind m;
	enum sc_clone_mode c;

	(void)state;
	for (t = 0; t < SC_WORK_TYPE_MAX; t++) {
		enum sc_work_type back;

		assert_int_equal(sc_work_type_parse(sc_work_type_name(t), &back), 0);
		assert_int_equal(back, t);
	}
	assert_int_equal(sc_work_type_parse("spinny", &t), -EINVAL);
	assert_int_equal(sc_mem_policy_parse("interleave", &m), 0);
	assert_int_equal(m, SC_MEMPOL_INTERLEAVE);
	assert_int_equal(sc_clone_mode_parse("thread", &c), 0);
	assert_int_equal(c, SC_CLONE_THREAD);

	assert_int_equal(sc_sched_policy_parse("fifo:50", &p, &err), 0);
	assert_int_equal(p.kind, SC_SCHED_FIFO);
	assert_int_equal(p.priority, 50);
	assert_int_equal(sc_sched_policy_parse("batch", &p, &err), 0);
	assert_int_equal(p.kind, SC_SCHED_BATCH);
	assert_int_equal(sc_sched_policy_parse("deadline:2ms/10ms/20ms", &p, &err), 0);
	assert_int_equal(p.kind, SC_SCHED_DEADLINE);
	assert_int_equal(p.runtime_ns, 2 * MS);
	assert_int_equal(p.deadline_ns, 10 * MS);
	assert_int_equal(p.period_ns, 20 * MS);
	assert_int_equal(sc_sched_policy_parse("deadline:500us/1000000/1s", &p, &err), 0);
	assert_int_equal(p.runtime_ns, 500000);
	assert_int_equal(p.period_ns, SEC);
	assert_int_equal(sc_sched_policy_parse("rr", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "needs a priority"));
	assert_int_equal(sc_sched_policy_parse("deadline:1ms/2ms", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "RUNTIME/DEADLINE/PERIOD"));
	assert_int_equal(sc_sched_policy_parse("idle:3", &p, &err), -EINVAL);
	assert_int_equal(sc_sched_policy_parse("eevdf", &p, &err), -EINVAL);
	assert_int_equal(sc_sched_policy_parse("deadline:1xs/2ms/2ms", &p, &err), -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* The collector's validation of worker records                              */
/* ------------------------------------------------------------------------ */

static size_t rec(void *buf, uint16_t kind, uint32_t worker, uint32_t gen, const void *payload,
		  uint32_t count, size_t bytes)
{
	struct sc_wire_hdr h = { SC_WIRE_MAGIC, SC_WIRE_VERSION, kind, worker, gen, count, 0 };

	memcpy(buf, &h, sizeof(h));
	if (bytes)
		memcpy((char *)buf + sizeof(h), payload, bytes);
	return sizeof(h) + bytes;
}

static void test_wire_validation(void **state)
{
	struct sc_wl_rx rx[2];
	unsigned char buf[sizeof(struct sc_wire_hdr) + SC_WIRE_MAX_PAYLOAD + 16];
	struct sc_wire_scalars s;
	struct sc_wire_end e;
	uint64_t samples[3] = { 10, 20, 30 }, cpu = 1, dropped = 0, huge = SC_WORK_MAX_CPUS;
	size_t len;

	(void)state;
	memset(rx, 0, sizeof(rx));
	sc_worker_report_init(&rx[0].rep);
	sc_worker_report_init(&rx[1].rep);
	memset(&s, 0, sizeof(s));
	s.iterations = 7;
	s.wall_time_ns = 100;
	s.cpu_time_ns = 60;
	s.off_cpu_ns = 40;
	s.wake_sample_total = 3;

	/* A well-formed answer. */
	len = rec(buf, SC_MSG_SCALARS, 0, 5, &s, 1, sizeof(s));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	len = rec(buf, SC_MSG_WAKE, 0, 5, samples, 3, sizeof(samples));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	len = rec(buf, SC_MSG_CPUS, 0, 5, &cpu, 1, 8);
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	e = (struct sc_wire_end){ 1, 3, 0, 3 };
	len = rec(buf, SC_MSG_END, 0, 5, &e, 1, sizeof(e));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_true(rx[0].done && !rx[0].bad);
	assert_int_equal(rx[0].rep.iterations, 7);
	assert_int_equal(rx[0].rep.wake_latencies_ns.len, 3);
	assert_true(sc_cpu_set_contains(&rx[0].rep.cpus_used, 1));
	/* Anything after END breaks the protocol. */
	len = rec(buf, SC_MSG_CPUS, 0, 5, &cpu, 1, 8);
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_true(rx[0].bad);
	assert_non_null(strstr(rx[0].why, "after end"));

	/* Dropped, not fatal: unknown worker, stale generation, short, bad magic. */
	len = rec(buf, SC_MSG_SCALARS, 9, 5, &s, 1, sizeof(s));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	len = rec(buf, SC_MSG_SCALARS, 1, 4, &s, 1, sizeof(s));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, 3, &dropped), 0);
	buf[0] ^= 0xff;
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_int_equal(dropped, 4);
	assert_false(rx[1].have_scalars);

	/* Count and length disagree. */
	len = rec(buf, SC_MSG_WAKE, 1, 5, samples, 4, sizeof(samples));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_true(rx[1].bad);
	sc_wl_rx_reset(&rx[1]);
	/* A CPU id out of range. */
	len = rec(buf, SC_MSG_CPUS, 1, 5, &huge, 1, 8);
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_true(rx[1].bad);
	sc_wl_rx_reset(&rx[1]);
	/* END counts that do not match what arrived. */
	len = rec(buf, SC_MSG_SCALARS, 1, 5, &s, 1, sizeof(s));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	e = (struct sc_wire_end){ 0, 3, 0, 1 };
	len = rec(buf, SC_MSG_END, 1, 5, &e, 1, sizeof(e));
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_true(rx[1].bad);
	assert_false(rx[1].done);
	sc_wl_rx_reset(&rx[1]);
	/* More samples than the reservoir cap. */
	{
		uint64_t big[SC_WIRE_CHUNK];
		uint64_t sent = 0;

		memset(big, 0, sizeof(big));
		while (sent <= SC_MAX_WAKE_SAMPLES && !rx[1].bad) {
			len = rec(buf, SC_MSG_TIMER, 1, 5, big, SC_WIRE_CHUNK, sizeof(big));
			assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
			sent += SC_WIRE_CHUNK;
		}
		assert_true(rx[1].bad);
		assert_non_null(strstr(rx[1].why, "limit"));
		assert_true(rx[1].rep.timer_latencies_ns.len <= SC_MAX_WAKE_SAMPLES);
	}
	/* An error string is kept printable. */
	sc_wl_rx_reset(&rx[1]);
	len = rec(buf, SC_MSG_ERROR, 1, 5, "bad\033[2Jx\n", 9, 9);
	assert_int_equal(sc_wl_rx_record(rx, 2, 5, buf, len, &dropped), 0);
	assert_string_equal(rx[1].rep.error, "bad?[2Jx?");
	sc_wl_rx_reset(&rx[0]);
	sc_wl_rx_reset(&rx[1]);
}

/* The /proc readers behind the report, on this host. */
static void test_proc_readers(void **state)
{
	struct sc_schedstat ss;
	uint64_t v, local, total;
	char path[64];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)sc_wl_gettid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(sc_wl_read_schedstat(fd, &ss), 0);
	/* cpu_ns is the stored sum_exec_runtime (the running slice is not in it
	 * yet, so it can still read 0); the run count is at least this slice. */
	assert_true(ss.count > 0);
	close(fd);
	assert_int_equal(sc_wl_read_schedstat(-1, &ss), -EBADF);

	fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	v = UINT64_MAX;
	/* Present with NUMA balancing built in, absent otherwise: both answers are exact. */
	if (sc_wl_read_vmstat_migrated(fd, &v) == 0)
		assert_true(v != UINT64_MAX);
	else
		assert_int_equal(sc_wl_read_vmstat_migrated(fd, &v), -ENOENT);
	close(fd);

	assert_int_equal(sc_wl_read_numa_maps(1, &local, &total), 0);
	assert_true(total > 0);
	assert_true(local <= total);
	assert_int_equal(sc_wl_read_numa_maps(0, &local, &total), 0);
	assert_int_equal(local, 0);
	assert_true(sc_wl_cpu_node(0) >= 0);
	assert_true(sc_wl_cpu_node(SC_WORK_MAX_CPUS + 5) < 0);
}

/* ------------------------------------------------------------------------ */
/* Real workers                                                              */
/* ------------------------------------------------------------------------ */

struct run {
	struct sc_workload *wl;
	struct sc_worker_report *r;
	size_t n;
	pid_t pids[SC_WORKLOAD_MAX_WORKERS];
	pid_t tids[SC_WORKLOAD_MAX_WORKERS];
	size_t npids;
};

static struct run *run_new(void)
{
	struct run *run = calloc(1, sizeof(*run));

	assert_non_null(run);
	return run;
}

static void spawn_ok(struct run *run, const struct sc_work_spec *specs, size_t n_specs)
{
	struct sc_error err = { { 0 } };
	size_t i;
	int r = sc_workload_spawn(specs, n_specs, now_ns() + 20 * SEC, &run->wl, &err);

	if (r != 0)
		fail_msg("spawn: %d %s", r, err.msg);
	run->npids = sc_workload_count(run->wl);
	for (i = 0; i < run->npids; i++) {
		struct sc_worker_ids ids;

		assert_int_equal(sc_workload_worker_ids(run->wl, i, &ids), 0);
		assert_true(ids.pid > 0);
		assert_true(ids.tid > 0);
		run->pids[i] = ids.pid;
		run->tids[i] = ids.tid;
	}
}

static void collect_ok(struct run *run, uint64_t deadline_ns)
{
	struct sc_error err = { { 0 } };
	int r = sc_workload_collect(run->wl, deadline_ns, &run->r, &run->n, &err);

	if (r != 0)
		fail_msg("collect: %d %s", r, err.msg);
	assert_int_equal(run->n, run->npids);
}

/* Every pid we were given is gone and we have no child left over. */
static void assert_no_leftovers(const struct run *run)
{
	size_t i;
	int st;

	for (i = 0; i < run->npids; i++) {
		if (kill(run->pids[i], 0) == 0 || errno != ESRCH)
			fail_msg("worker %zu (pid %d) is still there", i, (int)run->pids[i]);
	}
	errno = 0;
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void run_free(struct run *run)
{
	sc_worker_reports_free(run->r, run->n);
	sc_workload_free(run->wl);
	assert_no_leftovers(run);
	free(run);
}

/*
 * Runs at least `ms` and until every worker has completed a unit (this host
 * is shared: under a load of 100+ a worker can wait long for its first slice).
 */
static void run_until_progress(struct run *run, uint64_t ms)
{
	uint64_t give_up = now_ns() + 20 * SEC;
	size_t i = 0;

	sleep_ms(ms);
	while (i < run->npids && now_ns() < give_up) {
		if (sc_workload_worker_iterations(run->wl, i) > 0)
			i++;
		else
			sleep_ms(5);
	}
}

/* Spawn, release, run (see above), collect; returns the run for inspection. */
static struct run *run_for(const struct sc_work_spec *specs, size_t n_specs, uint64_t ms)
{
	struct run *run = run_new();
	struct sc_error err = { { 0 } };

	spawn_ok(run, specs, n_specs);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, ms);
	collect_ok(run, now_ns() + 10 * SEC);
	return run;
}

static void assert_clean_exit(const struct sc_worker_report *r, size_t i)
{
	if (r->exit_kind != SC_WORKER_EXITED || r->exit_status != 0)
		fail_msg("worker %zu: %s status %d (%s)", i, sc_worker_exit_kind_name(r->exit_kind),
			 r->exit_status, r->error ? r->error : "no error");
}

/* The telemetry every worker promises. */
static void assert_plausible(const struct sc_worker_report *r, size_t i, uint64_t min_ms)
{
	size_t k;

	assert_clean_exit(r, i);
	if (r->iterations == 0)
		fail_msg("worker %zu: no iterations", i);
	assert_true(r->wall_time_ns >= min_ms * MS);
	assert_true(r->wall_time_ns < 60 * SEC);
	assert_true(r->cpu_time_ns <= r->wall_time_ns + 10 * MS);
	assert_int_equal(r->off_cpu_ns,
			 r->wall_time_ns > r->cpu_time_ns ? r->wall_time_ns - r->cpu_time_ns : 0);
	/*
	 * schedstat was read (no error) and shows on-CPU time. The run count
	 * can stay 0: a spinner alone on a CPU is never scheduled in again.
	 */
	assert_true(r->schedstat_cpu_time_ns > 0);
	assert_true(r->cpus_used.len >= 1);
	for (k = 0; k < r->cpus_used.len; k++)
		assert_true(r->cpus_used.cpus[k] < SC_WORK_MAX_CPUS);
	assert_true(r->migrations <= r->iterations);
	assert_true(r->max_gap_at_ns <= r->wall_time_ns + MS);
	assert_true(r->wake_latencies_ns.len <= r->wake_sample_total);
	assert_true(r->timer_latencies_ns.len <= r->timer_sample_total);
	assert_true(r->tid > 0);
	if (r->error)
		fail_msg("worker %zu: unexpected error %s", i, r->error);
}

static void test_spin_affinity(void **state)
{
	struct sc_work_spec s;
	struct run *run;
	size_t i;

	(void)state;
	if (!have_cpu(1)) {
		print_message("skip: needs CPU 1 in our affinity\n");
		skip();
	}
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.workers = 3;
	assert_int_equal(sc_cpu_set_add(&s.affinity, 1), 0);
	run = run_for(&s, 1, 200);
	for (i = 0; i < run->n; i++) {
		const struct sc_worker_report *r = &run->r[i];

		assert_plausible(r, i, 150);
		/* Within the affinity given, so no migration either. */
		assert_int_equal(r->cpus_used.len, 1);
		assert_int_equal(r->cpus_used.cpus[0], 1);
		assert_int_equal(r->migrations, 0);
		/* Three spinners share one CPU: each waits, and the wait shows. */
		assert_true(r->schedstat_run_delay_ns > 0);
		assert_true(r->schedstat_run_count > 0);
		assert_true(r->off_cpu_ns > 0);
		assert_true(r->max_gap_ms >= 1);
		assert_int_equal(r->max_gap_cpu, 1);
		assert_int_equal(r->wake_sample_total, 0);
		assert_int_equal(r->timer_sample_total, 0);
		assert_int_equal((pid_t)r->tid, run->tids[i]);
	}
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_thread_mode(void **state)
{
	struct sc_work_spec s;
	struct run *run;
	size_t i;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.workers = 4;
	s.clone_mode = SC_CLONE_THREAD;
	run = run_for(&s, 1, 150);
	for (i = 0; i < run->n; i++) {
		assert_plausible(&run->r[i], i, 100);
		/* One host process, four distinct threads. */
		assert_int_equal(run->pids[i], run->pids[0]);
		if (i)
			assert_true(run->tids[i] != run->tids[i - 1]);
		assert_int_equal((pid_t)run->r[i].tid, run->tids[i]);
	}
	sc_work_spec_release(&s);
	run_free(run);
}

/* One type with its own expectations; runs fork then thread mode. */
static void check_type(enum sc_work_type t, uint32_t workers, void (*tweak)(struct sc_work_spec *),
		       bool wake, bool timer)
{
	enum sc_clone_mode mode;

	for (mode = 0; mode < SC_CLONE_MODE_MAX; mode++) {
		struct sc_work_spec s;
		struct run *run;
		size_t i;

		sc_work_spec_init(&s, t);
		s.workers = workers;
		s.clone_mode = mode;
		if (tweak)
			tweak(&s);
		run = run_for(&s, 1, 250);
		for (i = 0; i < run->n; i++) {
			const struct sc_worker_report *r = &run->r[i];

			assert_plausible(r, i, 200);
			if (wake) {
				if (!r->wake_latencies_ns.len)
					fail_msg("%s/%s worker %zu: no wake samples",
						 sc_work_type_name(t), sc_clone_mode_name(mode), i);
				/* Wake-to-run: never longer than the run. */
				assert_true(r->wake_latencies_ns.v[0] < r->wall_time_ns);
			}
			if (timer) {
				size_t k;

				assert_true(r->timer_latencies_ns.len > 0);
				assert_int_equal(r->timer_latencies_ns.len, r->timer_sample_total);
				/* Latency, not garbage: never longer than the run. */
				for (k = 0; k < r->timer_latencies_ns.len; k++)
					assert_true(r->timer_latencies_ns.v[k] < r->wall_time_ns);
			} else {
				assert_int_equal(r->timer_sample_total, 0);
			}
		}
		sc_work_spec_release(&s);
		run_free(run);
	}
}

static void test_type_yield(void **state)
{
	(void)state;
	check_type(SC_WORK_YIELD, 2, NULL, false, false);
}

static void small_sleeps(struct sc_work_spec *s)
{
	s->params.sleep_every = 2;
	s->params.sleep_us = 500;
}

static void test_type_mixed(void **state)
{
	(void)state;
	check_type(SC_WORK_MIXED, 2, small_sleeps, false, false);
}

static void test_type_bursty(void **state)
{
	(void)state;
	check_type(SC_WORK_BURSTY, 2, NULL, false, false);
}

static void test_type_timer_latency(void **state)
{
	struct sc_work_spec s;
	struct run *run;
	const struct sc_worker_report *r;

	(void)state;
	check_type(SC_WORK_TIMER_LATENCY, 2, NULL, false, true);
	/* 1 ms period for 300 ms: about 300 cycles, one sample each. */
	sc_work_spec_init(&s, SC_WORK_TIMER_LATENCY);
	run = run_for(&s, 1, 300);
	r = &run->r[0];
	assert_plausible(r, 0, 250);
	/* At most one per period of the wall time; most periods even under load. */
	assert_true(r->timer_sample_total >= 100);
	assert_true(r->timer_sample_total <= r->wall_time_ns / MS + 1);
	assert_int_equal(r->iterations, r->timer_sample_total);
	/* A sleeping timer thread is mostly off CPU. */
	assert_true(r->off_cpu_ns > r->wall_time_ns / 2);
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_type_futex_pingpong(void **state)
{
	struct sc_work_spec s;
	struct run *run;
	size_t i;

	(void)state;
	check_type(SC_WORK_FUTEX_PINGPONG, 4, NULL, true, false);
	/* One sample per hand-off received (worker A's first turn is no wake). */
	sc_work_spec_init(&s, SC_WORK_FUTEX_PINGPONG);
	run = run_for(&s, 1, 100);
	for (i = 0; i < 2; i++) {
		assert_plausible(&run->r[i], i, 50);
		assert_true(run->r[i].wake_sample_total + 1 >= run->r[i].iterations);
		assert_true(run->r[i].wake_sample_total <= run->r[i].iterations);
	}
	/* Hand-offs alternate, so the two counts differ by at most one. */
	assert_true(run->r[0].iterations + 1 >= run->r[1].iterations);
	assert_true(run->r[1].iterations + 1 >= run->r[0].iterations);
	sc_work_spec_release(&s);
	run_free(run);
}

static void chain3(struct sc_work_spec *s)
{
	s->params.chain_depth = 3;
}

static void chain3_pipe(struct sc_work_spec *s)
{
	s->params.chain_depth = 3;
	s->params.chain_mode = SC_CHAIN_PIPE;
}

static void test_type_wake_chain(void **state)
{
	(void)state;
	check_type(SC_WORK_WAKE_CHAIN, 6, chain3, true, false);
	check_type(SC_WORK_WAKE_CHAIN, 3, chain3_pipe, true, false);
}

static void fanout3(struct sc_work_spec *s)
{
	s->params.fanout = 3;
}

static void test_type_fanout(void **state)
{
	enum sc_clone_mode mode;

	(void)state;
	for (mode = 0; mode < SC_CLONE_MODE_MAX; mode++) {
		struct sc_work_spec s;
		struct run *run;
		size_t i;

		sc_work_spec_init(&s, SC_WORK_FANOUT);
		fanout3(&s);
		s.workers = 4;
		s.clone_mode = mode;
		run = run_for(&s, 1, 250);
		for (i = 0; i < run->n; i++) {
			assert_plausible(&run->r[i], i, 200);
			/* Wakees (not the waker) carry wake samples, one per round. */
			if (i % 4)
				assert_true(run->r[i].wake_sample_total > 0);
			else
				assert_int_equal(run->r[i].wake_sample_total, 0);
		}
		/* Each wakee saw every round the waker finished (give or take one). */
		assert_true(run->r[1].iterations + 1 >= run->r[0].iterations);
		sc_work_spec_release(&s);
		run_free(run);
	}
}

static void test_type_io_sync(void **state)
{
	(void)state;
	check_type(SC_WORK_IO_SYNC, 1, NULL, false, false);
}

static void test_type_fork_exit(void **state)
{
	(void)state;
	check_type(SC_WORK_FORK_EXIT, 2, NULL, false, false);
}

static void small_footprint(struct sc_work_spec *s)
{
	s->params.footprint_kib = 1024;
}

static void test_type_cache_pressure(void **state)
{
	(void)state;
	check_type(SC_WORK_CACHE_PRESSURE, 2, small_footprint, false, false);
}

static void test_type_numa_sweep(void **state)
{
	struct sc_work_spec s;
	struct run *run;
	const struct sc_worker_report *r;
	enum sc_mem_policy_kind k;

	(void)state;
	check_type(SC_WORK_NUMA_SWEEP, 1, small_footprint, false, false);
	/* Under each policy on node 0: the footprint is resident and all local. */
	for (k = SC_MEMPOL_BIND; k < SC_MEM_POLICY_MAX; k++) {
		sc_work_spec_init(&s, SC_WORK_NUMA_SWEEP);
		small_footprint(&s);
		s.mem.kind = k;
		if (k != SC_MEMPOL_LOCAL)
			assert_int_equal(sc_cpu_set_add(&s.mem.nodes, 0), 0);
		run = run_for(&s, 1, 100);
		r = &run->r[0];
		assert_plausible(r, 0, 50);
		assert_true(r->numa_pages_total >= 256); /* 1 MiB of 4 KiB pages */
		assert_int_equal(r->numa_pages_local, r->numa_pages_total);
		sc_work_spec_release(&s);
		run_free(run);
	}
}

/* Random records (valid headers, hostile payloads): no crash, limits hold. */
static void test_wire_random(void **state)
{
	static unsigned char buf[sizeof(struct sc_wire_hdr) + SC_WIRE_MAX_PAYLOAD];
	struct sc_wl_rx rx[3];
	uint64_t x = 0x9E3779B97F4A7C15ull, dropped = 0;
	size_t i, j;

	(void)state;
	memset(rx, 0, sizeof(rx));
	for (j = 0; j < 3; j++)
		sc_worker_report_init(&rx[j].rep);
	for (i = 0; i < 20000; i++) {
		struct sc_wire_hdr h;
		size_t len, k;

		for (k = 0; k < sizeof(buf); k += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(buf + k, &x, 8);
		}
		h.magic = SC_WIRE_MAGIC;
		h.version = SC_WIRE_VERSION;
		h.kind = (uint16_t)(x % (SC_MSG_KIND_MAX + 1));
		h.worker = (uint32_t)((x >> 8) % 4);
		h.gen = 7;
		h.count = (uint32_t)(x >> 16) % (SC_WIRE_CHUNK + 2);
		if (x & 0x100000)
			h.count = (uint32_t)(x >> 24);
		memcpy(buf, &h, sizeof(h));
		len = (size_t)((x >> 32) % sizeof(buf));
		if (x & 0x200000) /* often a consistent length */
			len = sizeof(h) + (size_t)h.count * 8 % (sizeof(buf) - sizeof(h) + 1);
		assert_int_equal(sc_wl_rx_record(rx, 3, 7, buf, len, &dropped), 0);
		for (j = 0; j < 3; j++) {
			assert_true(rx[j].rep.wake_latencies_ns.len <= SC_MAX_WAKE_SAMPLES);
			assert_true(rx[j].rep.timer_latencies_ns.len <= SC_MAX_WAKE_SAMPLES);
			assert_true(rx[j].rep.cpus_used.len <= SC_WORK_MAX_CPUS);
			if (rx[j].bad || rx[j].done || i % 97 == 0)
				sc_wl_rx_reset(&rx[j]);
		}
	}
	for (j = 0; j < 3; j++)
		sc_wl_rx_reset(&rx[j]);
}

/* The schbench records: role, histogram pairs (strictly ascending), END count. */
static void test_wire_schbench(void **state)
{
	struct sc_wl_rx rx[1];
	unsigned char buf[sizeof(struct sc_wire_hdr) + SC_WIRE_MAX_PAYLOAD + 16];
	struct sc_wire_scalars s;
	struct sc_wire_schbench sb = { SC_SCHB_WORKER, 4 };
	struct sc_wire_end e;
	uint64_t pairs[6] = { 10, 2, 300, 1, 1ull << 32 | 500, 3 }, dropped = 0;
	size_t len;

	(void)state;
	memset(rx, 0, sizeof(rx));
	sc_worker_report_init(&rx[0].rep);
	memset(&s, 0, sizeof(s));
	s.wall_time_ns = 1000;
	s.schedstat_run_delay_ns = 77;
	s.schedstat_run_count = 7;

	len = rec(buf, SC_MSG_SCALARS, 0, 1, &s, 1, sizeof(s));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	len = rec(buf, SC_MSG_SCHB, 0, 1, &sb, 1, sizeof(sb));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	len = rec(buf, SC_MSG_SCHB_HIST, 0, 1, pairs, 3, sizeof(pairs));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	e = (struct sc_wire_end){ 0, 0, 0, 3, 3 };
	len = rec(buf, SC_MSG_END, 0, 1, &e, 1, sizeof(e));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	assert_true(rx[0].done && !rx[0].bad);
	assert_non_null(rx[0].rep.schbench);
	assert_int_equal(rx[0].rep.schbench->wakeup.count, 3);
	assert_int_equal(rx[0].rep.schbench->wakeup.buckets[300], 1);
	assert_int_equal(rx[0].rep.schbench->request.buckets[500], 3);
	assert_int_equal(rx[0].rep.schbench->loop_count, 4);
	assert_int_equal(rx[0].rep.schbench->wall_ns, 1000);
	assert_int_equal(rx[0].rep.schbench->worker_run_delay_ns, 77);
	assert_int_equal(rx[0].rep.schbench->worker_pcount, 7);
	assert_int_equal(rx[0].rep.schbench->msg_pcount, 0);
	sc_wl_rx_reset(&rx[0]);
	assert_null(rx[0].rep.schbench);

	/* Histogram before its record; out of order; out of range; END mismatch. */
	len = rec(buf, SC_MSG_SCHB_HIST, 0, 1, pairs, 1, 16);
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	assert_true(rx[0].bad);
	assert_non_null(strstr(rx[0].why, "before its record"));
	sc_wl_rx_reset(&rx[0]);
	{
		uint64_t bad[4] = { 300, 1, 10, 1 };

		len = rec(buf, SC_MSG_SCHB, 0, 1, &sb, 1, sizeof(sb));
		assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
		len = rec(buf, SC_MSG_SCHB_HIST, 0, 1, bad, 2, sizeof(bad));
		assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
		assert_true(rx[0].bad);
		assert_non_null(strstr(rx[0].why, "out of order"));
		sc_wl_rx_reset(&rx[0]);
		bad[0] = 2ull << 32;
		len = rec(buf, SC_MSG_SCHB, 0, 1, &sb, 1, sizeof(sb));
		assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
		len = rec(buf, SC_MSG_SCHB_HIST, 0, 1, bad, 1, 16);
		assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
		assert_true(rx[0].bad);
		assert_non_null(strstr(rx[0].why, "out of range"));
		sc_wl_rx_reset(&rx[0]);
		sb.role = 9;
		len = rec(buf, SC_MSG_SCHB, 0, 1, &sb, 1, sizeof(sb));
		assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
		assert_true(rx[0].bad);
		sc_wl_rx_reset(&rx[0]);
		sb.role = SC_SCHB_MESSAGE;
	}
	len = rec(buf, SC_MSG_SCALARS, 0, 1, &s, 1, sizeof(s));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	len = rec(buf, SC_MSG_SCHB, 0, 1, &sb, 1, sizeof(sb));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	e = (struct sc_wire_end){ 0, 0, 0, 2, 1 };
	len = rec(buf, SC_MSG_END, 0, 1, &e, 1, sizeof(e));
	assert_int_equal(sc_wl_rx_record(rx, 1, 1, buf, len, &dropped), 0);
	assert_true(rx[0].bad);
	sc_wl_rx_reset(&rx[0]);
}

/*
 * schbench: message threads hand requests to their worker threads. Worker
 * threads carry wake and request latencies (request >= wake + request_us),
 * message threads the loops; phases and the whole run both carry it.
 */
static void test_type_schbench(void **state)
{
	enum sc_clone_mode mode;

	(void)state;
	for (mode = 0; mode < SC_CLONE_MODE_MAX; mode++) {
		struct sc_work_spec s;
		struct sc_error err = { { 0 } };
		struct sc_worker_report *ph = NULL;
		struct sc_phase_cgroup_stats pc;
		struct sc_phase_bucket b;
		struct sc_cgroup_stats cs;
		struct run *run = run_new();
		uint64_t loops[2] = { 0 }, reqs[2] = { 0 }, q, lowest;
		size_t nph = 0, i, k;
		double v;

		sc_work_spec_init(&s, SC_WORK_SCHBENCH);
		s.workers = 6; /* two groups of 1 + 2 */
		s.params.request_us = 50;
		s.clone_mode = mode;
		spawn_ok(run, &s, 1);
		assert_int_equal(sc_workload_release(run->wl, &err), 0);
		run_until_progress(run, 150);
		assert_int_equal(
			sc_workload_drain_phase(run->wl, now_ns() + 5 * SEC, &ph, &nph, &err), 0);
		assert_int_equal(nph, 6);
		for (i = 0; i < 6; i++)
			if (ph[i].exit_kind != SC_WORKER_RUNNING || !ph[i].schbench)
				fail_msg("phase worker %zu: %s, schbench %p (%s)", i,
					 sc_worker_exit_kind_name(ph[i].exit_kind),
					 (void *)ph[i].schbench, ph[i].error ? ph[i].error : "");
		/* The per-phase carrier and its derived metrics. */
		assert_int_equal(sc_phase_cgroup_stats_from_reports(ph, nph, &pc), 0);
		assert_non_null(pc.schbench);
		assert_true(pc.schbench->request.count > 0);
		assert_true(pc.schbench->loop_count > 0);
		assert_true(pc.schbench->msg_pcount > 0 && pc.schbench->worker_pcount > 0);
		assert_int_equal(sc_phase_bucket_init(&b, 1), 0);
		assert_int_equal(sc_carrier_map_put(&b.per_cgroup, "sb", &pc), 0);
		assert_int_equal(sc_derive_phase_metrics(&b), 0);
		assert_true(sc_phase_bucket_get(&b, "schbench_rps", &v) && v > 0);
		assert_true(sc_phase_bucket_get(&b, "schbench_wakeup_p99_us", &v) && v > 0);
		assert_true(sc_phase_bucket_get(&b, "schbench_request_p50_us", &v) && v >= 50.0);
		assert_true(sc_phase_bucket_get(&b, "wake_p99_us", &v));
		sc_phase_bucket_release(&b);
		sc_worker_reports_free(ph, nph);
		sleep_ms(50);
		collect_ok(run, now_ns() + 10 * SEC);

		for (i = 0; i < run->n; i++) {
			const struct sc_worker_report *r = &run->r[i];
			const struct sc_schbench_stats *sb = r->schbench;

			assert_plausible(r, i, 100);
			assert_non_null(sb);
			assert_true(sb->wall_ns == r->wall_time_ns);
			if (i % 3 == 0) {
				/* A message thread: loops, no latencies of its own. */
				assert_true(sb->loop_count > 0);
				assert_int_equal(sb->wakeup.count, 0);
				assert_int_equal(sb->request.count, 0);
				assert_int_equal(r->wake_sample_total, 0);
				assert_int_equal(sb->worker_pcount, 0);
				assert_int_equal(sb->msg_pcount, r->schedstat_run_count);
				loops[i / 3] = sb->loop_count;
				continue;
			}
			/* A worker thread: one wake and one request sample per request. */
			assert_int_equal(sb->loop_count, 0);
			assert_true(sb->request.count > 0);
			assert_int_equal(sb->wakeup.count, sb->request.count);
			assert_int_equal(r->wake_sample_total, sb->wakeup.count);
			assert_int_equal(r->iterations, sb->request.count);
			assert_int_equal(sb->msg_pcount, 0);
			reqs[i / 3] += sb->request.count;
			/* Every request burned 50 us of CPU after its enqueue stamp. */
			for (k = 0; !sb->request.buckets[k]; k++)
				;
			lowest = sc_lat_hist_bucket_high(k);
			assert_true(lowest >= 50 * 1000);
			/* Sane: median wake below 100 ms, median request below 1 s. */
			assert_true(sc_lat_hist_percentile(&sb->wakeup, 0.5, &q) && q < 100 * MS);
			assert_true(sc_lat_hist_percentile(&sb->request, 0.5, &q) && q < SEC);
			assert_true(sc_lat_hist_percentile(&sb->request, 0.99, &q));
			assert_true(q >= 50 * 1000);
		}
		/* Each round gives each of the 2 workers one request (the last may be cut). */
		for (k = 0; k < 2; k++)
			assert_true(reqs[k] >= 2 * loops[k] && reqs[k] <= 2 * (loops[k] + 1));
		/* Whole run: the same metrics in the cgroup's ext_metrics. */
		assert_int_equal(sc_cgroup_stats_reduce(run->r, run->n, &cs), 0);
		assert_true(sc_metric_map_get(&cs.ext_metrics, "schbench_rps", &v) && v > 0);
		assert_true(sc_metric_map_get(&cs.ext_metrics, "schbench_loop_count", &v) &&
			    v == (double)(loops[0] + loops[1]));
		assert_true(sc_metric_map_get(&cs.ext_metrics, "schbench_request_p99_us", &v) &&
			    v >= 50.0);
		sc_cgroup_stats_release(&cs);
		sc_work_spec_release(&s);
		run_free(run);
	}
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                 */
/* ------------------------------------------------------------------------ */

static void test_phase_drain(void **state)
{
	struct sc_work_spec s[2];
	struct sc_error err = { { 0 } };
	struct sc_worker_report *ph[3];
	size_t nph[3], i, k;
	uint64_t sum_iter[4] = { 0 }, sum_timer[4] = { 0 };
	struct run *run = run_new();

	(void)state;
	sc_work_spec_init(&s[0], SC_WORK_FUTEX_PINGPONG);
	s[0].workers = 2;
	sc_work_spec_init(&s[1], SC_WORK_TIMER_LATENCY);
	s[1].workers = 2;
	spawn_ok(run, s, 2);
	assert_int_equal(sc_workload_drain_phase(run->wl, now_ns() + SEC, &ph[0], &nph[0], &err),
			 -EINVAL); /* not released yet */
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	assert_int_equal(sc_workload_release(run->wl, &err), -EALREADY);
	for (k = 0; k < 3; k++) {
		uint64_t base[4], give_up = now_ns() + 20 * SEC;

		for (i = 0; i < 4; i++)
			base[i] = sc_workload_worker_iterations(run->wl, i);
		sleep_ms(100);
		/* Every worker moved on in this phase (this host is shared). */
		for (i = 0; i < 4 && now_ns() < give_up;)
			if (sc_workload_worker_iterations(run->wl, i) > base[i])
				i++;
			else
				sleep_ms(5);
		assert_int_equal(
			sc_workload_drain_phase(run->wl, now_ns() + 5 * SEC, &ph[k], &nph[k], &err),
			0);
		assert_int_equal(nph[k], 4);
		for (i = 0; i < 4; i++) {
			const struct sc_worker_report *r = &ph[k][i];

			if (r->exit_kind != SC_WORKER_RUNNING)
				fail_msg("phase %zu worker %zu: %s (%s)", k, i,
					 sc_worker_exit_kind_name(r->exit_kind),
					 r->error ? r->error : "");
			assert_true(r->iterations > 0);
			assert_true(r->wall_time_ns >= 50 * MS && r->wall_time_ns < 6 * SEC);
			assert_true(r->schedstat_run_count > 0);
			if (i < 2)
				assert_true(r->wake_sample_total > 0);
			else
				assert_true(r->timer_sample_total > 0);
			sum_iter[i] += r->iterations;
			sum_timer[i] += r->timer_sample_total;
		}
		/* The carrier the runner builds from a drain. */
		{
			struct sc_phase_cgroup_stats pc;

			assert_int_equal(sc_phase_cgroup_stats_from_reports(ph[k], 4, &pc), 0);
			assert_int_equal(pc.num_workers, 4);
			assert_true(pc.wake_sample_total > 0 && pc.timer_sample_total > 0);
			assert_int_equal(pc.run_delays_ns.len, 4);
			sc_phase_cgroup_stats_release(&pc);
		}
	}
	collect_ok(run, now_ns() + 10 * SEC);
	for (i = 0; i < 4; i++) {
		assert_plausible(&run->r[i], i, 250);
		/* Phases tile the run: the whole run holds at least their sum. */
		assert_true(run->r[i].iterations >= sum_iter[i]);
		assert_true(run->r[i].timer_sample_total >= sum_timer[i]);
	}
	assert_int_equal(sc_workload_drain_phase(run->wl, now_ns() + SEC, &ph[0], &nph[0], &err),
			 -EINVAL); /* stopped */
	for (k = 0; k < 3; k++)
		sc_worker_reports_free(ph[k], nph[k]);
	sc_work_spec_release(&s[0]);
	sc_work_spec_release(&s[1]);
	run_free(run);
}

/* Each hand-off's wake-to-run lies inside that hand-off: their sum fits the run. */
static void test_wake_to_run_fits_handoffs(void **state)
{
	struct sc_work_spec s;
	struct run *run;
	uint64_t sum = 0, wall = 0;
	bool subsampled = false;
	size_t i, k;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_FUTEX_PINGPONG);
	/* 50 ms at >= 2 us per hand-off stays well below the 100,000 cap. */
	run = run_for(&s, 1, 50);
	for (i = 0; i < 2; i++) {
		const struct sc_worker_report *r = &run->r[i];

		assert_plausible(r, i, 40);
		if (r->wake_latencies_ns.len != r->wake_sample_total)
			subsampled = true;
		for (k = 0; k < r->wake_latencies_ns.len; k++)
			sum += r->wake_latencies_ns.v[k];
		if (r->wall_time_ns > wall)
			wall = r->wall_time_ns;
	}
	sc_work_spec_release(&s);
	run_free(run);
	if (subsampled) {
		print_message("skip: subsampled reservoir, the sum is not the whole\n");
		skip();
	}
	assert_true(sum > 0);
	assert_true(sum <= wall + MS);
}

/* A drain answered late: that answer is dropped, the next phase is clean. */
static void test_late_drain_answer(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct sc_worker_report *ph;
	size_t nph;
	struct run *run = run_new();
	uint64_t t, t_release;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_TIMER_LATENCY);
	s.params.interval_us = 100000; /* sees a drain only at its next 100 ms period */
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	t_release = now_ns();
	sleep_ms(20);
	assert_int_equal(sc_workload_drain_phase(run->wl, now_ns() + MS, &ph, &nph, &err), 0);
	assert_int_equal(ph[0].exit_kind, SC_WORKER_TIMED_OUT);
	assert_non_null(strstr(ph[0].error, "no phase report by the deadline"));
	sc_worker_reports_free(ph, nph);
	sleep_ms(250); /* the late answer arrives meanwhile */
	t = now_ns();
	assert_int_equal(sc_workload_drain_phase(run->wl, t + 2 * SEC, &ph, &nph, &err), 0);
	assert_int_equal(ph[0].exit_kind, SC_WORKER_RUNNING);
	/* This phase began when the worker answered the first drain (~100 ms
	 * in), not at release: the first answer happened and was dropped. */
	assert_true(ph[0].wall_time_ns + 50 * MS < now_ns() - t_release);
	assert_true(ph[0].timer_sample_total >= 1);
	assert_true(ph[0].timer_sample_total <= ph[0].wall_time_ns / (100 * MS) + 1);
	sc_worker_reports_free(ph, nph);
	collect_ok(run, now_ns() + 5 * SEC);
	assert_clean_exit(&run->r[0], 0);
	sc_work_spec_release(&s);
	run_free(run);
}

/* A runtime failure (no such directory) is reported, and the worker still reports. */
static void test_runtime_error_reported(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_IO_SYNC);
	s.params.io_dir = strdup("/nonexistent/schedcheck-test");
	assert_non_null(s.params.io_dir);
	run = run_new();
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	sleep_ms(50);
	collect_ok(run, now_ns() + 10 * SEC);
	assert_clean_exit(&run->r[0], 0);
	assert_int_equal(run->r[0].iterations, 0);
	assert_non_null(run->r[0].error);
	assert_non_null(strstr(run->r[0].error, "io_sync temp file in /nonexistent"));
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_killed_worker(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run = run_new();
	size_t i;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_FUTEX_PINGPONG);
	s.workers = 4;
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, 100);
	assert_int_equal(kill(run->pids[1], SIGKILL), 0);
	sleep_ms(100);
	collect_ok(run, now_ns() + 10 * SEC);
	assert_int_equal(run->r[1].exit_kind, SC_WORKER_SIGNALED);
	assert_int_equal(run->r[1].exit_status, SIGKILL);
	/* What it published before it went is kept. */
	assert_true(run->r[1].iterations > 0);
	assert_non_null(run->r[1].error);
	/* Its partner and the other pair still report normally. */
	for (i = 0; i < 4; i++)
		if (i != 1)
			assert_plausible(&run->r[i], i, 150);
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_killed_thread_host(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run = run_new();
	size_t i;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.workers = 3;
	s.clone_mode = SC_CLONE_THREAD;
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	sleep_ms(50);
	assert_int_equal(kill(run->pids[0], SIGKILL), 0);
	collect_ok(run, now_ns() + 10 * SEC);
	for (i = 0; i < 3; i++) {
		assert_int_equal(run->r[i].exit_kind, SC_WORKER_SIGNALED);
		assert_int_equal(run->r[i].exit_status, SIGKILL);
	}
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_hung_worker(void **state)
{
	struct sc_work_spec s[2];
	struct sc_error err = { { 0 } };
	struct sc_worker_report *ph;
	size_t nph;
	uint64_t t0;
	struct run *run = run_new();
	int r;

	(void)state;
	sc_work_spec_init(&s[0], SC_WORK_SPIN);
	sc_work_spec_init(&s[1], SC_WORK_SPIN);
	s[1].debug_ignore_stop = true;
	spawn_ok(run, s, 2);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, 50);
	/* A drain: the deaf worker's phase report says it timed out; not killed. */
	assert_int_equal(sc_workload_drain_phase(run->wl, now_ns() + 2 * SEC, &ph, &nph, &err), 0);
	assert_int_equal(ph[0].exit_kind, SC_WORKER_RUNNING);
	assert_int_equal(ph[1].exit_kind, SC_WORKER_TIMED_OUT);
	assert_int_equal(kill(run->pids[1], 0), 0);
	sc_worker_reports_free(ph, nph);
	/* Stop: bounded by its deadline, then SIGKILL. */
	t0 = now_ns();
	r = sc_workload_stop(run->wl, t0 + 2 * SEC, &err);
	assert_int_equal(r, 1);
	assert_non_null(strstr(err.msg, "1 worker(s) did not stop"));
	assert_true(now_ns() - t0 < 5 * SEC);
	collect_ok(run, now_ns() + 2 * SEC);
	assert_clean_exit(&run->r[0], 0);
	assert_true(run->r[0].iterations > 0);
	assert_int_equal(run->r[1].exit_kind, SC_WORKER_TIMED_OUT);
	assert_int_equal(run->r[1].exit_status, SIGKILL);
	assert_true(run->r[1].iterations > 0);
	sc_work_spec_release(&s[0]);
	sc_work_spec_release(&s[1]);
	run_free(run);
}

static void test_hung_worker_collect_only(void **state)
{
	struct sc_work_spec s;
	struct run *run = run_new();
	struct sc_error err = { { 0 } };
	uint64_t t0;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.workers = 2;
	s.clone_mode = SC_CLONE_THREAD;
	s.debug_ignore_stop = true;
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	t0 = now_ns();
	collect_ok(run, t0 + 300 * MS);
	assert_true(now_ns() - t0 < 5 * SEC);
	assert_int_equal(run->r[0].exit_kind, SC_WORKER_TIMED_OUT);
	assert_int_equal(run->r[1].exit_kind, SC_WORKER_TIMED_OUT);
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_stop_before_release(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run = run_new();
	size_t i;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_TIMER_LATENCY);
	s.workers = 3;
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_stop(run->wl, now_ns() + 5 * SEC, &err), 0);
	assert_int_equal(sc_workload_release(run->wl, &err), -EALREADY);
	collect_ok(run, now_ns() + 5 * SEC);
	for (i = 0; i < 3; i++) {
		assert_clean_exit(&run->r[i], i);
		assert_int_equal(run->r[i].iterations, 0);
		assert_int_equal(run->r[i].timer_sample_total, 0);
	}
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_free_without_collect(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run = run_new();

	(void)state;
	sc_work_spec_init(&s, SC_WORK_MIXED);
	s.workers = 5;
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	sleep_ms(20);
	sc_work_spec_release(&s);
	run_free(run); /* kills and reaps: nothing left */
}

static void test_spawn_deadline(void **state)
{
	struct sc_work_spec s;
	struct sc_workload *wl = NULL;
	struct sc_error err = { { 0 } };
	int st, r;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.workers = 64;
	/* A deadline already past: all-or-nothing, everything reaped. */
	r = sc_workload_spawn(&s, 1, now_ns(), &wl, &err);
	if (r == 0) {
		/* All 64 made it before the first check: legal, just clean up. */
		sc_workload_free(wl);
	} else {
		assert_int_equal(r, -ETIMEDOUT);
		assert_null(wl);
		assert_non_null(strstr(err.msg, "ready by the spawn deadline"));
	}
	errno = 0;
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_setup_error_kept(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run = run_new();
	const char *e;

	(void)state;
	/* CPU 1000 does not exist here: recorded, and the worker runs on. */
	sc_work_spec_init(&s, SC_WORK_SPIN);
	assert_int_equal(sc_cpu_set_add(&s.affinity, 1000), 0);
	spawn_ok(run, &s, 1);
	e = sc_workload_setup_error(run->wl, 0);
	assert_non_null(e);
	assert_non_null(strstr(e, "affinity (at spawn)"));
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, 100);
	collect_ok(run, now_ns() + 5 * SEC);
	assert_clean_exit(&run->r[0], 0);
	assert_true(run->r[0].iterations > 0);
	assert_non_null(run->r[0].error);
	assert_non_null(strstr(run->r[0].error, "affinity"));
	sc_work_spec_release(&s);
	run_free(run);
}

/* A cpuset move resets affinity between spawn and release: it is re-applied. */
static void test_affinity_reapplied_at_release(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run;
	cpu_set_t other;

	(void)state;
	if (!have_cpu(0) || !have_cpu(1)) {
		print_message("skip: needs CPUs 0 and 1 in our affinity\n");
		skip();
	}
	run = run_new();
	sc_work_spec_init(&s, SC_WORK_SPIN);
	assert_int_equal(sc_cpu_set_add(&s.affinity, 1), 0);
	spawn_ok(run, &s, 1);
	/* What cpuset_attach does to a task moved into a cpuset cgroup. */
	CPU_ZERO(&other);
	CPU_SET(0, &other);
	assert_int_equal(sched_setaffinity(run->tids[0], sizeof(other), &other), 0);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, 100);
	collect_ok(run, now_ns() + 5 * SEC);
	assert_plausible(&run->r[0], 0, 50);
	assert_int_equal(run->r[0].cpus_used.len, 1);
	assert_int_equal(run->r[0].cpus_used.cpus[0], 1);
	sc_work_spec_release(&s);
	run_free(run);
}

static void test_policy_applied(void **state)
{
	struct sc_work_spec s[2];
	struct sc_error err = { { 0 } };
	struct run *run;
	size_t i;

	(void)state;
	if (geteuid() != 0) {
		print_message("skip: fifo and negative nice need root (CAP_SYS_NICE)\n");
		skip();
	}
	if (!have_cpu(1)) {
		print_message("skip: needs CPU 1 in our affinity\n");
		skip();
	}
	run = run_new();
	sc_work_spec_init(&s[0], SC_WORK_TIMER_LATENCY);
	s[0].sched.kind = SC_SCHED_FIFO;
	s[0].sched.priority = 10;
	assert_int_equal(sc_cpu_set_add(&s[0].affinity, 1), 0);
	sc_work_spec_init(&s[1], SC_WORK_SPIN);
	s[1].sched.kind = SC_SCHED_BATCH;
	s[1].nice_set = true;
	s[1].nice = -5;
	s[1].clone_mode = SC_CLONE_THREAD;
	s[1].workers = 2;
	spawn_ok(run, s, 2);
	for (i = 0; i < 3; i++)
		assert_null(sc_workload_setup_error(run->wl, i));
	assert_int_equal(sched_getscheduler(run->tids[0]), SCHED_FIFO);
	assert_int_equal(sched_getscheduler(run->tids[1]), SCHED_BATCH);
	assert_int_equal(sched_getscheduler(run->tids[2]), SCHED_BATCH);
	errno = 0;
	assert_int_equal(getpriority(PRIO_PROCESS, (id_t)run->tids[1]), -5);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, 150);
	collect_ok(run, now_ns() + 5 * SEC);
	for (i = 0; i < 3; i++)
		assert_plausible(&run->r[i], i, 100);
	assert_int_equal(run->r[0].cpus_used.len, 1);
	assert_int_equal(run->r[0].cpus_used.cpus[0], 1);
	sc_work_spec_release(&s[0]);
	sc_work_spec_release(&s[1]);
	run_free(run);
}

static void test_deadline_policy(void **state)
{
	struct sc_work_spec s;
	struct run *run;

	(void)state;
	if (geteuid() != 0) {
		print_message("skip: SCHED_DEADLINE needs root (CAP_SYS_NICE)\n");
		skip();
	}
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.sched.kind = SC_SCHED_DEADLINE;
	s.sched.runtime_ns = 2 * MS;
	s.sched.deadline_ns = 10 * MS;
	s.sched.period_ns = 10 * MS;
	run = run_new();
	spawn_ok(run, &s, 1);
	if (sc_workload_setup_error(run->wl, 0)) {
		/* e.g. EBUSY with no DL bandwidth left in this root domain. */
		print_message("deadline not admitted here: %s\n",
			      sc_workload_setup_error(run->wl, 0));
	} else {
		assert_int_equal(sched_getscheduler(run->tids[0]), 6 /* SCHED_DEADLINE */);
	}
	{
		struct sc_error err = { { 0 } };

		assert_int_equal(sc_workload_release(run->wl, &err), 0);
	}
	run_until_progress(run, 200);
	collect_ok(run, now_ns() + 5 * SEC);
	assert_clean_exit(&run->r[0], 0);
	assert_true(run->r[0].iterations > 0);
	if (!run->r[0].error)
		/* 2 ms every 10 ms: throttled to about 20% of the wall time. */
		assert_true(run->r[0].cpu_time_ns < run->r[0].wall_time_ns / 2);
	sc_work_spec_release(&s);
	run_free(run);
}

/* Terminal signals reach workers too (same process group): they ignore them. */
static void test_workers_ignore_terminal_signals(void **state)
{
	struct sc_work_spec s;
	struct sc_error err = { { 0 } };
	struct run *run = run_new();
	size_t i;

	(void)state;
	sc_work_spec_init(&s, SC_WORK_SPIN);
	s.workers = 2;
	spawn_ok(run, &s, 1);
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	run_until_progress(run, 20);
	for (i = 0; i < 2; i++) {
		assert_int_equal(kill(run->pids[i], SIGINT), 0);
		assert_int_equal(kill(run->pids[i], SIGHUP), 0);
		assert_int_equal(kill(run->pids[i], SIGQUIT), 0);
	}
	sleep_ms(50);
	collect_ok(run, now_ns() + 10 * SEC);
	for (i = 0; i < 2; i++)
		assert_plausible(&run->r[i], i, 50);
	sc_work_spec_release(&s);
	run_free(run);
}

/* Workers do not keep the caller's fds: a pipe of ours sees EOF at once. */
static void test_workers_close_inherited_fds(void **state)
{
	struct sc_work_spec s[2];
	struct run *run = run_new();
	int fds[2];
	char c;

	(void)state;
	assert_int_equal(pipe(fds), 0); /* no O_CLOEXEC: would leak into a fork */
	sc_work_spec_init(&s[0], SC_WORK_SPIN);
	sc_work_spec_init(&s[1], SC_WORK_WAKE_CHAIN);
	s[1].params.chain_mode = SC_CHAIN_PIPE;
	s[1].clone_mode = SC_CLONE_THREAD;
	spawn_ok(run, s, 2);
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 0);
	close(fds[0]);
	/* And the pipe chain still runs on the fds it kept. */
	{
		struct sc_error err = { { 0 } };
		size_t i;

		assert_int_equal(sc_workload_release(run->wl, &err), 0);
		run_until_progress(run, 50);
		collect_ok(run, now_ns() + 10 * SEC);
		for (i = 0; i < run->n; i++)
			assert_plausible(&run->r[i], i, 40);
		assert_true(run->r[1].wake_sample_total > 0);
	}
	sc_work_spec_release(&s[0]);
	sc_work_spec_release(&s[1]);
	run_free(run);
}

/* The controller dies without cleaning up: its workers die with it. */
static void test_controller_death(void **state)
{
	pid_t ctl, pids[3];
	int fds[2], st;
	size_t i, got = 0;

	(void)state;
	/* Orphans come to us, so we can see how they ended. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(fds), 0);
	ctl = fork();
	assert_true(ctl >= 0);
	if (ctl == 0) {
		struct sc_work_spec s;
		struct sc_workload *wl;
		struct sc_error err;
		struct sc_worker_ids ids;

		sc_work_spec_init(&s, SC_WORK_SPIN);
		s.workers = 3;
		if (sc_workload_spawn(&s, 1, now_ns() + 10 * SEC, &wl, &err) < 0 ||
		    sc_workload_release(wl, &err) < 0)
			_exit(1);
		for (i = 0; i < 3; i++) {
			sc_workload_worker_ids(wl, i, &ids);
			if (write(fds[1], &ids.pid, sizeof(ids.pid)) != sizeof(ids.pid))
				_exit(1);
		}
		sleep_ms(50);
		_exit(0); /* no stop, no collect, no free */
	}
	close(fds[1]);
	while (got < 3 && read(fds[0], &pids[got], sizeof(pids[0])) == sizeof(pids[0]))
		got++;
	close(fds[0]);
	assert_int_equal(waitpid(ctl, &st, 0), ctl);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(got, 3);
	for (i = 0; i < 3; i++) {
		/* Reparented to us and killed by the parent-death signal. */
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGKILL);
		assert_int_equal(kill(pids[i], 0), -1);
	}
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
	errno = 0;
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* 1,000 workers: start, report, clean up; reservoirs sized by samples taken. */
static void test_scale_1000(void **state)
{
	struct sc_work_spec s[2];
	struct run *run;
	struct sc_error err = { { 0 } };
	size_t i, cap_sum = 0, samples = 0;
	uint64_t t0, t1, t2;

	(void)state;
	sc_work_spec_init(&s[0], SC_WORK_SPIN);
	s[0].workers = 500;
	s[0].params.spin_loops = 1000;
	sc_work_spec_init(&s[1], SC_WORK_TIMER_LATENCY);
	s[1].workers = 500;
	s[1].params.interval_us = 10000;
	t0 = now_ns();
	run = run_new();
	spawn_ok(run, s, 2);
	t1 = now_ns();
	assert_int_equal(sc_workload_release(run->wl, &err), 0);
	sleep_ms(200);
	t2 = now_ns();
	collect_ok(run, now_ns() + 30 * SEC);
	print_message("1000 workers: spawn %llu ms, run 200 ms, stop + collect %llu ms\n",
		      (unsigned long long)((t1 - t0) / MS),
		      (unsigned long long)((now_ns() - t2) / MS));
	assert_int_equal(run->n, 1000);
	for (i = 0; i < run->n; i++) {
		const struct sc_worker_report *r = &run->r[i];

		assert_clean_exit(r, i);
		assert_true(r->wall_time_ns > 0);
		cap_sum += r->timer_latencies_ns.cap + r->wake_latencies_ns.cap;
		samples += r->timer_latencies_ns.len;
		/* One sample per 10 ms period at most (plus the first). */
		if (i >= 500)
			assert_true(r->timer_latencies_ns.len <= r->wall_time_ns / (10 * MS) + 1);
	}
	/* Memory follows the samples taken, not 1,000 x the 100,000 cap. */
	assert_true(samples > 0);
	assert_true(cap_sum <= 4 * samples + 1000);
	sc_work_spec_release(&s[0]);
	sc_work_spec_release(&s[1]);
	run_free(run);

	/* The same count as threads of one host process. */
	sc_work_spec_init(&s[0], SC_WORK_MIXED);
	s[0].workers = 1000;
	s[0].clone_mode = SC_CLONE_THREAD;
	run = run_for(s, 1, 200);
	assert_int_equal(run->n, 1000);
	for (i = 0; i < run->n; i++) {
		assert_clean_exit(&run->r[i], i);
		assert_int_equal(run->pids[i], run->pids[0]);
	}
	sc_work_spec_release(&s[0]);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_names_and_parse),
		cmocka_unit_test(test_wire_validation),
		cmocka_unit_test(test_wire_random),
		cmocka_unit_test(test_proc_readers),
		cmocka_unit_test(test_wire_schbench),
		cmocka_unit_test(test_type_schbench),
		cmocka_unit_test(test_spin_affinity),
		cmocka_unit_test(test_thread_mode),
		cmocka_unit_test(test_type_yield),
		cmocka_unit_test(test_type_mixed),
		cmocka_unit_test(test_type_bursty),
		cmocka_unit_test(test_type_timer_latency),
		cmocka_unit_test(test_type_futex_pingpong),
		cmocka_unit_test(test_type_wake_chain),
		cmocka_unit_test(test_type_fanout),
		cmocka_unit_test(test_type_io_sync),
		cmocka_unit_test(test_type_fork_exit),
		cmocka_unit_test(test_type_cache_pressure),
		cmocka_unit_test(test_type_numa_sweep),
		cmocka_unit_test(test_phase_drain),
		cmocka_unit_test(test_wake_to_run_fits_handoffs),
		cmocka_unit_test(test_late_drain_answer),
		cmocka_unit_test(test_runtime_error_reported),
		cmocka_unit_test(test_killed_worker),
		cmocka_unit_test(test_killed_thread_host),
		cmocka_unit_test(test_hung_worker),
		cmocka_unit_test(test_hung_worker_collect_only),
		cmocka_unit_test(test_stop_before_release),
		cmocka_unit_test(test_free_without_collect),
		cmocka_unit_test(test_spawn_deadline),
		cmocka_unit_test(test_controller_death),
		cmocka_unit_test(test_workers_close_inherited_fds),
		cmocka_unit_test(test_workers_ignore_terminal_signals),
		cmocka_unit_test(test_setup_error_kept),
		cmocka_unit_test(test_affinity_reapplied_at_release),
		cmocka_unit_test(test_policy_applied),
		cmocka_unit_test(test_deadline_policy),
		cmocka_unit_test(test_scale_1000),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
