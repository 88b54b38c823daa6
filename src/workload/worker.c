// SPDX-License-Identifier: MIT
/*
 * The worker side: process / thread setup (signals, parent-death signal,
 * scheduling policy, nice, affinity, memory policy), the release gate, the
 * measurement windows (whole run and current phase) and the report records.
 */
#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload-internal.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* The kernel ABI of sched_setattr(2); glibc 2.36 has no wrapper. */
struct sc_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

void sc_wk_error(struct sc_wk *w, const char *fmt, ...)
{
	size_t len = strlen(w->err);
	va_list ap;

	if (len + 3 >= sizeof(w->err))
		return;
	if (len) {
		memcpy(w->err + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(w->err + len, sizeof(w->err) - len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * A forked worker must not run the caller's handlers (a runner's SIGINT
 * cleanup would remove cgroups from inside a worker): everything back to
 * default, terminal signals ignored (the controller stops workers), and
 * SIGKILL when the controller dies so no worker outlives it.
 */
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * A worker never execs, so O_CLOEXEC does not protect the caller's fds:
 * close all of them except stdio, the report socket and this process's
 * chain pipes, so no worker holds a runner's file, pipe or cgroup fd open.
 */
static void close_inherited_fds(const struct sc_workload *wl, size_t proc)
{
	const struct sc_wl_proc *p = &wl->procs[proc];
	int keep[2 * SC_WORK_MAX_PIPE_WORKERS + 1];
	size_t n = 0, i;
	unsigned lo = 3;

	keep[n++] = wl->sock_tx;
	for (i = p->first; i < p->first + p->count && n + 2 <= 2 * SC_WORK_MAX_PIPE_WORKERS + 1;
	     i++) {
		if (wl->w[i].pipe_rd < 0)
			continue;
		keep[n++] = wl->w[i].pipe_rd;
		keep[n++] = wl->w[sc_wl_chain_succ(wl, i)].pipe_wr;
	}
	qsort(keep, n, sizeof(keep[0]), cmp_int);
	for (i = 0; i < n; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

static void child_common_init(struct sc_workload *wl, size_t proc)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		sigaction(sig, &sa, NULL);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != wl->owner)
		_exit(1);
	close_inherited_fds(wl, proc);
}

static void apply_mempolicy(struct sc_wk *w)
{
	const struct sc_mem_policy *m = &w->spec->mem;
	unsigned long mask[(SC_WORK_MAX_NODES + 64) / 64] = { 0 };
	int mode;
	size_t i;

	switch (m->kind) {
	case SC_MEMPOL_DEFAULT:
		return;
	case SC_MEMPOL_BIND:
		mode = MPOL_BIND;
		break;
	case SC_MEMPOL_PREFERRED:
		mode = MPOL_PREFERRED;
		break;
	case SC_MEMPOL_INTERLEAVE:
		mode = MPOL_INTERLEAVE;
		break;
	case SC_MEMPOL_LOCAL:
		mode = MPOL_LOCAL;
		break;
	default:
		return;
	}
	for (i = 0; i < m->nodes.len; i++)
		mask[m->nodes.cpus[i] / 64] |= 1ul << (m->nodes.cpus[i] % 64);
	/* maxnode counts one past the last bit, as libnuma passes it. */
	if (set_mempolicy(mode, mode == MPOL_LOCAL ? NULL : mask,
			  mode == MPOL_LOCAL ? 0 : SC_WORK_MAX_NODES + 1) < 0)
		sc_wk_error(w, "memory policy %s: %s", sc_mem_policy_name(m->kind),
			    strerror(errno));
}

static void apply_sched(struct sc_wk *w)
{
	const struct sc_sched_policy *p = &w->spec->sched;

	if (p->kind == SC_SCHED_DEADLINE) {
		struct sc_sched_attr a;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.sched_policy = SCHED_DEADLINE;
		a.sched_runtime = p->runtime_ns;
		a.sched_deadline = p->deadline_ns;
		a.sched_period = p->period_ns ? p->period_ns : p->deadline_ns;
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			sc_wk_error(w, "policy deadline %llu/%llu/%llu: %s",
				    (unsigned long long)a.sched_runtime,
				    (unsigned long long)a.sched_deadline,
				    (unsigned long long)a.sched_period, strerror(errno));
	} else {
		static const int pol[] = {
			[SC_SCHED_NORMAL] = SCHED_OTHER, [SC_SCHED_BATCH] = SCHED_BATCH,
			[SC_SCHED_IDLE] = SCHED_IDLE,	 [SC_SCHED_FIFO] = SCHED_FIFO,
			[SC_SCHED_RR] = SCHED_RR,
		};
		struct sched_param sp = { .sched_priority = (int)p->priority };

		if (sched_setscheduler(0, pol[p->kind], &sp) < 0)
			sc_wk_error(w, "policy %s:%u: %s", sc_sched_kind_name(p->kind), p->priority,
				    strerror(errno));
	}
	if (w->spec->nice_set && setpriority(PRIO_PROCESS, (id_t)w->tid, w->spec->nice) < 0)
		sc_wk_error(w, "nice %d: %s", w->spec->nice, strerror(errno));
}

static void prepare_affinity(struct sc_wk *w)
{
	const struct sc_cpu_set *a = &w->spec->affinity;
	size_t i;

	if (!a->len)
		return;
	w->aff = CPU_ALLOC(SC_WORK_MAX_CPUS);
	if (!w->aff) {
		sc_wk_error(w, "affinity: out of memory");
		return;
	}
	w->aff_size = CPU_ALLOC_SIZE(SC_WORK_MAX_CPUS);
	CPU_ZERO_S(w->aff_size, w->aff);
	for (i = 0; i < a->len; i++)
		CPU_SET_S(a->cpus[i], w->aff_size, w->aff);
}

/* Applies the requested affinity unless it is already in force. */
static void apply_affinity(struct sc_wk *w, const char *when)
{
	cpu_set_t *cur;

	if (!w->aff)
		return;
	cur = CPU_ALLOC(SC_WORK_MAX_CPUS);
	if (cur && sched_getaffinity(0, w->aff_size, cur) == 0 &&
	    CPU_EQUAL_S(w->aff_size, cur, w->aff)) {
		CPU_FREE(cur);
		return;
	}
	CPU_FREE(cur);
	if (sched_setaffinity(0, w->aff_size, w->aff) < 0)
		sc_wk_error(w, "affinity (%s): %s", when, strerror(errno));
}

/* ------------------------------------------------------------------------ */
/* Windows and records                                                       */
/* ------------------------------------------------------------------------ */

static void window_start(struct sc_wk *w, struct sc_wk_window *win, uint64_t now, uint64_t cpu_ns,
			 const struct sc_schedstat *ss, uint64_t vm, uint64_t seed)
{
	win->start_ns = now;
	win->cpu_start_ns = cpu_ns;
	win->ss_start = *ss;
	win->vm_migrated_start = vm;
	win->iter_start = w->iterations;
	win->migr_start = w->migrations;
	win->max_gap_ns = 0;
	win->max_gap_cpu = 0;
	win->max_gap_at_ns = 0;
	memset(win->cpus, 0, sizeof(win->cpus));
	if (w->last_cpu >= 0 && w->last_cpu < (int)SC_WORK_MAX_CPUS)
		win->cpus[w->last_cpu >> 6] |= 1ull << (w->last_cpu & 63);
	sc_reservoir_release(&win->wake);
	sc_reservoir_release(&win->timer);
	sc_reservoir_init(&win->wake, SC_MAX_WAKE_SAMPLES, seed);
	sc_reservoir_init(&win->timer, SC_MAX_WAKE_SAMPLES, seed ^ 0x7133ull);
}

void sc_wk_wake_sample(struct sc_wk *w, uint64_t ns)
{
	if (sc_reservoir_push(&w->run.wake, ns) < 0 || sc_reservoir_push(&w->phase.wake, ns) < 0)
		sc_wk_error(w, "wake samples: out of memory");
}

void sc_wk_timer_sample(struct sc_wk *w, uint64_t ns)
{
	if (sc_reservoir_push(&w->run.timer, ns) < 0 || sc_reservoir_push(&w->phase.timer, ns) < 0)
		sc_wk_error(w, "timer samples: out of memory");
}

static int send_record(struct sc_wk *w, uint16_t kind, uint32_t gen, const void *payload,
		       uint32_t count, size_t bytes)
{
	struct sc_wire_hdr h = {
		.magic = SC_WIRE_MAGIC,
		.version = SC_WIRE_VERSION,
		.kind = kind,
		.worker = w->idx,
		.gen = gen,
		.count = count,
	};
	size_t len = sizeof(h) + bytes;

	memcpy(w->txbuf, &h, sizeof(h));
	if (bytes)
		memcpy(w->txbuf + sizeof(h), payload, bytes);
	for (;;) {
		ssize_t n = send(w->sock, w->txbuf, len, MSG_NOSIGNAL);

		if (n == (ssize_t)len)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : -EMSGSIZE;
	}
	if (kind != SC_MSG_END)
		w->records++;
	return 0;
}

static int send_u64s(struct sc_wk *w, uint16_t kind, uint32_t gen, const uint64_t *v, size_t n)
{
	size_t off = 0;
	int r;

	while (off < n) {
		size_t c = n - off > SC_WIRE_CHUNK ? SC_WIRE_CHUNK : n - off;

		if ((r = send_record(w, kind, gen, v + off, (uint32_t)c, c * 8)) < 0)
			return r;
		off += c;
	}
	return 0;
}

/* The nodes that count as local: the policy's, else those of the CPUs used. */
static uint64_t local_node_mask(const struct sc_wk *w, const struct sc_wk_window *win)
{
	const struct sc_mem_policy *m = &w->spec->mem;
	uint64_t mask = 0;
	size_t i;

	if (m->kind == SC_MEMPOL_BIND || m->kind == SC_MEMPOL_PREFERRED ||
	    m->kind == SC_MEMPOL_INTERLEAVE) {
		for (i = 0; i < m->nodes.len; i++)
			if (m->nodes.cpus[i] < 64)
				mask |= 1ull << m->nodes.cpus[i];
		return mask;
	}
	for (i = 0; i < SC_WORK_MAX_CPUS; i++) {
		if (win->cpus[i >> 6] & (1ull << (i & 63))) {
			int node = sc_wl_cpu_node((unsigned)i);

			if (node >= 0 && node < 64)
				mask |= 1ull << node;
		}
	}
	return mask;
}

struct sc_wk_reading {
	uint64_t now;
	uint64_t cpu_ns;
	struct sc_schedstat ss;
	uint64_t vm;
};

static void take_reading(struct sc_wk *w, struct sc_wk_reading *rd)
{
	rd->now = sc_wl_now();
	rd->cpu_ns = sc_wl_thread_cpu_ns();
	if (w->ss_fd < 0 || sc_wl_read_schedstat(w->ss_fd, &rd->ss) < 0)
		memset(&rd->ss, 0, sizeof(rd->ss));
	if (w->vm_fd < 0 || sc_wl_read_vmstat_migrated(w->vm_fd, &rd->vm) < 0)
		rd->vm = 0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * schbench: the role and loop count, then the non-empty buckets of both
 * histograms as (hist << 32 | bucket, count) pairs in ascending key order.
 */
static int send_schbench(struct sc_wk *w, const struct sc_schbench_stats *sb, uint32_t gen,
			 uint64_t *n_pairs)
{
	const struct sc_lat_hist *hist[SC_WIRE_SCHB_HISTS] = { &sb->wakeup, &sb->request };
	struct sc_wire_schbench rec = {
		.role = w->local % (w->spec->params.threads_per_message + 1) ? SC_SCHB_WORKER
									     : SC_SCHB_MESSAGE,
		.loop_count = sb->loop_count,
	};
	size_t fill = 0, hi, b;
	int r;

	*n_pairs = 0;
	if ((r = send_record(w, SC_MSG_SCHB, gen, &rec, 1, sizeof(rec))) < 0)
		return r;
	for (hi = 0; hi < SC_WIRE_SCHB_HISTS; hi++) {
		if (!hist[hi]->count)
			continue;
		for (b = 0; b < SC_LAT_HIST_BUCKETS; b++) {
			if (!hist[hi]->buckets[b])
				continue;
			w->schb_buf[2 * fill] = (uint64_t)hi << 32 | b;
			w->schb_buf[2 * fill + 1] = hist[hi]->buckets[b];
			if (++fill == SC_WIRE_CHUNK / 2) {
				r = send_record(w, SC_MSG_SCHB_HIST, gen, w->schb_buf,
						(uint32_t)fill, fill * 16);
				if (r < 0)
					return r;
				*n_pairs += fill;
				fill = 0;
			}
		}
	}
	if (fill) {
		r = send_record(w, SC_MSG_SCHB_HIST, gen, w->schb_buf, (uint32_t)fill, fill * 16);
		if (r < 0)
			return r;
		*n_pairs += fill;
	}
	return 0;
}

/* Sends the report of `win` closed at `rd` as generation `gen`. */
static int send_window(struct sc_wk *w, struct sc_wk_window *win, const struct sc_wk_reading *rd,
		       uint32_t gen)
{
	struct sc_wire_scalars s;
	struct sc_wire_end e;
	uint64_t cpus[SC_WORK_MAX_CPUS];
	size_t ncpu = 0, i;
	int r;

	memset(&s, 0, sizeof(s));
	w->records = 0;
	s.tid = (uint64_t)w->tid;
	s.iterations = w->iterations - win->iter_start;
	s.wall_time_ns = sub0(rd->now, win->start_ns);
	s.cpu_time_ns = sub0(rd->cpu_ns, win->cpu_start_ns);
	s.off_cpu_ns = sub0(s.wall_time_ns, s.cpu_time_ns);
	s.schedstat_cpu_time_ns = sub0(rd->ss.cpu_ns, win->ss_start.cpu_ns);
	s.schedstat_run_delay_ns = sub0(rd->ss.delay_ns, win->ss_start.delay_ns);
	s.schedstat_run_count = sub0(rd->ss.count, win->ss_start.count);
	s.migrations = w->migrations - win->migr_start;
	s.max_gap_ms = win->max_gap_ns / SC_NS_PER_MS;
	s.max_gap_cpu = win->max_gap_cpu;
	s.max_gap_at_ns = win->max_gap_at_ns;
	s.wake_sample_total = win->wake.total;
	s.timer_sample_total = win->timer.total;
	s.numa_pages_migrated = sub0(rd->vm, win->vm_migrated_start);
	if (w->numa_measure && sc_wl_read_numa_maps(local_node_mask(w, win), &s.numa_pages_local,
						    &s.numa_pages_total) < 0)
		s.numa_pages_local = s.numa_pages_total = 0;
	for (i = 0; i < SC_WORK_MAX_CPUS; i++)
		if (win->cpus[i >> 6] & (1ull << (i & 63)))
			cpus[ncpu++] = i;
	if ((r = send_record(w, SC_MSG_SCALARS, gen, &s, 1, sizeof(s))) < 0 ||
	    (r = send_u64s(w, SC_MSG_CPUS, gen, cpus, ncpu)) < 0 ||
	    (r = send_u64s(w, SC_MSG_WAKE, gen, win->wake.samples.v, win->wake.samples.len)) < 0 ||
	    (r = send_u64s(w, SC_MSG_TIMER, gen, win->timer.samples.v, win->timer.samples.len)) < 0)
		return r;
	e.n_schb = 0;
	if (w->schb_run && (r = send_schbench(w, win == &w->run ? w->schb_run : w->schb_phase, gen,
					      &e.n_schb)) < 0)
		return r;
	if (w->err[0] && (r = send_record(w, SC_MSG_ERROR, gen, w->err, (uint32_t)strlen(w->err),
					  strlen(w->err))) < 0)
		return r;
	e.n_cpus = ncpu;
	e.n_wake = win->wake.samples.len;
	e.n_timer = win->timer.samples.len;
	e.n_records = w->records;
	return send_record(w, SC_MSG_END, gen, &e, 1, sizeof(e));
}

/* Answers drain `gen`: closes the phase window and opens the next one. */
static void answer_drain(struct sc_wk *w, uint32_t gen)
{
	struct sc_wk_reading rd;

	take_reading(w, &rd);
	if (send_window(w, &w->phase, &rd, gen) < 0)
		w->failed = true; /* the collector is gone; stop will kill us */
	window_start(w, &w->phase, rd.now, rd.cpu_ns, &rd.ss, rd.vm,
		     w->spec->seed ^ ((uint64_t)w->idx << 20) ^ gen);
	if (w->schb_phase)
		sc_schbench_stats_init(w->schb_phase);
	/* The drain's own cost is not a scheduling gap. */
	w->last_ns = sc_wl_now();
}

bool sc_wk_poll_slow(struct sc_wk *w)
{
	struct sc_wl_ctl *c = &w->sh->ctl;
	uint32_t gen = atomic_load_explicit(&c->phase_gen, memory_order_acquire);

	if (w->spec->debug_ignore_stop) {
		w->gen = gen; /* deaf on purpose */
		return false;
	}
	if (gen != w->gen) {
		answer_drain(w, gen);
		w->gen = gen;
	}
	return atomic_load_explicit(&c->stop, memory_order_acquire) != 0;
}

bool sc_wk_sleep_until(struct sc_wk *w, uint64_t deadline_ns)
{
	struct sc_wl_ctl *c = &w->sh->ctl;

	for (;;) {
		/* Epoch first: a drain or stop posted after the poll still wakes us. */
		uint32_t e = atomic_load_explicit(&c->epoch, memory_order_acquire);

		if (sc_wk_poll(w))
			return true;
		if (sc_wl_now() >= deadline_ns)
			return false;
		sc_futex_wait(&c->epoch, e, deadline_ns);
	}
}

void sc_wk_idle_until_stop(struct sc_wk *w)
{
	while (!sc_wk_sleep_until(w, sc_wl_now() + SC_NS_PER_SEC))
		;
}

/* ------------------------------------------------------------------------ */
/* Type resources                                                            */
/* ------------------------------------------------------------------------ */

static void prepare_type(struct sc_wk *w)
{
	const struct sc_work_params *p = &w->spec->params;

	switch (w->spec->type) {
	case SC_WORK_CACHE_PRESSURE:
	case SC_WORK_NUMA_SWEEP:
		w->mem_len = (size_t)p->footprint_kib * 1024;
		w->mem = mmap(NULL, w->mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
		if (w->mem == MAP_FAILED) {
			w->mem = NULL;
			sc_wk_error(w, "footprint of %llu KiB: %s",
				    (unsigned long long)p->footprint_kib, strerror(errno));
			w->failed = true;
		}
		break;
	case SC_WORK_IO_SYNC: {
		const char *dir = p->io_dir;

		if (!dir)
			dir = secure_getenv("TMPDIR");
		if (!dir || dir[0] != '/')
			dir = "/var/tmp";
		w->io_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (w->io_fd < 0) {
			char path[4096];
			int n = snprintf(path, sizeof(path), "%s/schedcheck-io-XXXXXX", dir);

			if (n > 0 && (size_t)n < sizeof(path)) {
				w->io_fd = mkostemp(path, O_CLOEXEC);
				if (w->io_fd >= 0)
					unlink(path);
			}
		}
		w->io_buf = malloc(p->io_bytes);
		if (w->io_fd < 0 || !w->io_buf) {
			sc_wk_error(w, "io_sync temp file in %s: %s", dir, strerror(errno));
			w->failed = true;
		} else {
			memset(w->io_buf, 0x5c, p->io_bytes);
		}
		break;
	}
	case SC_WORK_SCHBENCH:
		if (sc_schbench_stats_new(&w->schb_run) < 0 ||
		    sc_schbench_stats_new(&w->schb_phase) < 0 ||
		    !(w->schb_buf = malloc(SC_WIRE_CHUNK * sizeof(uint64_t)))) {
			sc_wk_error(w, "schbench histograms: out of memory");
			sc_schbench_stats_free(w->schb_run);
			sc_schbench_stats_free(w->schb_phase);
			free(w->schb_buf);
			w->schb_run = w->schb_phase = NULL;
			w->schb_buf = NULL;
			w->failed = true;
		}
		break;
	case SC_WORK_WAKE_CHAIN:
		w->pipe_rd = w->wl->w[w->idx].pipe_rd;
		w->pipe_wr = w->wl->w[sc_wl_chain_succ(w->wl, w->idx)].pipe_wr;
		break;
	default:
		break;
	}
}

static void release_type(struct sc_wk *w)
{
	if (w->mem)
		munmap(w->mem, w->mem_len);
	if (w->io_fd >= 0)
		close(w->io_fd);
	free(w->io_buf);
	sc_schbench_stats_free(w->schb_run);
	sc_schbench_stats_free(w->schb_phase);
	free(w->schb_buf);
	w->schb_run = w->schb_phase = NULL;
	w->schb_buf = NULL;
	w->mem = NULL;
	w->io_fd = -1;
	w->io_buf = NULL;
}

/* ------------------------------------------------------------------------ */
/* One worker, start to report                                               */
/* ------------------------------------------------------------------------ */

static int worker_run(struct sc_workload *wl, size_t idx)
{
	struct sc_wl_ctl *c = &wl->sh->ctl;
	struct sc_wk_reading rd;
	struct sc_wk *w;
	char path[64];
	int status = 0;

	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(wl->sh->slot[idx].setup_error, SC_WL_ERR_MAX, "worker: out of memory");
		return 2;
	}
	w->wl = wl;
	w->idx = (uint32_t)idx;
	w->spec = &wl->specs[wl->w[idx].spec];
	w->local = (uint32_t)wl->w[idx].index;
	w->base = (uint32_t)wl->w[idx].base;
	w->sh = wl->sh;
	w->slot = &wl->sh->slot[idx];
	w->sock = wl->sock_tx;
	w->tid = sc_wl_gettid();
	w->io_fd = -1;
	w->pipe_rd = -1;
	w->pipe_wr = -1;
	w->last_cpu = -1;
	w->numa_measure = w->spec->mem.kind != SC_MEMPOL_DEFAULT ||
			  w->spec->type == SC_WORK_NUMA_SWEEP ||
			  w->spec->type == SC_WORK_CACHE_PRESSURE;
	atomic_store(&w->slot->tid, (int32_t)w->tid);
	atomic_store(&w->slot->pid, (int32_t)getpid());

	w->txbuf = malloc(sizeof(struct sc_wire_hdr) + SC_WIRE_MAX_PAYLOAD);
	if (!w->txbuf) {
		snprintf(w->slot->setup_error, SC_WL_ERR_MAX, "worker: out of memory");
		free(w);
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)w->tid);
	w->ss_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (w->ss_fd < 0)
		sc_wk_error(w, "%s: %s (no schedstat deltas)", path, strerror(errno));
	w->vm_fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);

	/* Settings: errors are recorded and the worker runs on with defaults. */
	apply_mempolicy(w);
	apply_sched(w);
	prepare_affinity(w);
	apply_affinity(w, "at spawn");
	prepare_type(w);
	snprintf(w->slot->setup_error, SC_WL_ERR_MAX, "%s", w->err);

	atomic_store_explicit(&w->slot->state, SC_SLOT_READY, memory_order_release);
	atomic_fetch_add_explicit(&c->ready, 1, memory_order_acq_rel);
	sc_futex_wake(&c->ready, 1);
	while (!atomic_load_explicit(&c->release, memory_order_acquire))
		sc_futex_wait(&c->release, 0, 0);

	/* A cpuset move during placement resets affinity: re-apply it. */
	apply_affinity(w, "at release");
	w->last_cpu = sched_getcpu();
	take_reading(w, &rd);
	/*
	 * Windows start at the release itself, not when this worker first got
	 * a CPU after it: a slow first wake-up is wall and off-CPU time. Gaps
	 * are between work units, so the first one starts from this first run.
	 */
	w->last_ns = rd.now;
	w->release_ns = atomic_load_explicit(&c->release_ns, memory_order_relaxed);
	if (!w->release_ns || w->release_ns > rd.now)
		w->release_ns = rd.now; /* stopped before release */
	rd.now = w->release_ns;
	w->gen = atomic_load_explicit(&c->phase_gen, memory_order_acquire);
	window_start(w, &w->run, rd.now, rd.cpu_ns, &rd.ss, rd.vm,
		     w->spec->seed ^ ((uint64_t)idx * 0x9E3779B97F4A7C15ull));
	window_start(w, &w->phase, rd.now, rd.cpu_ns, &rd.ss, rd.vm,
		     w->spec->seed ^ ((uint64_t)idx << 20));
	atomic_store_explicit(&w->slot->state, SC_SLOT_RUNNING, memory_order_release);

	if (!atomic_load_explicit(&c->stop, memory_order_acquire) || w->spec->debug_ignore_stop) {
		if (w->failed)
			sc_wk_idle_until_stop(w);
		else
			sc_wk_run_type(w);
	}

	take_reading(w, &rd);
	atomic_store_explicit(&w->slot->state, SC_SLOT_STOPPED, memory_order_release);
	atomic_fetch_add_explicit(&c->stopped, 1, memory_order_acq_rel);
	sc_futex_wake(&c->stopped, 1);
	if (send_window(w, &w->run, &rd, SC_WIRE_GEN_FINAL) < 0)
		status = 3;

	release_type(w);
	sc_reservoir_release(&w->run.wake);
	sc_reservoir_release(&w->run.timer);
	sc_reservoir_release(&w->phase.wake);
	sc_reservoir_release(&w->phase.timer);
	if (w->aff)
		CPU_FREE(w->aff);
	if (w->ss_fd >= 0)
		close(w->ss_fd);
	if (w->vm_fd >= 0)
		close(w->vm_fd);
	free(w->txbuf);
	free(w);
	return status;
}

void sc_wk_child_main(struct sc_workload *wl, size_t idx)
{
	child_common_init(wl, wl->w[idx].proc);
	_exit(worker_run(wl, idx));
}

struct thread_arg {
	struct sc_workload *wl;
	size_t idx;
	int status;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;

	a->status = worker_run(a->wl, a->idx);
	return NULL;
}

void sc_wk_thread_host_main(struct sc_workload *wl, size_t proc)
{
	const struct sc_wl_proc *pr = &wl->procs[proc];
	struct thread_arg *args;
	pthread_t *th;
	pthread_attr_t attr;
	size_t i;
	int status = 0;

	child_common_init(wl, proc);
	args = calloc(pr->count, sizeof(*args));
	th = calloc(pr->count, sizeof(*th));
	if (!args || !th || pthread_attr_init(&attr)) {
		snprintf(wl->sh->slot[pr->first].setup_error, SC_WL_ERR_MAX,
			 "thread host: out of memory");
		_exit(2);
	}
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (i = 0; i < pr->count; i++) {
		int r;

		args[i].wl = wl;
		args[i].idx = pr->first + i;
		r = pthread_create(&th[i], &attr, thread_main, &args[i]);
		if (r) {
			/* The threads made so far sit at the gate; _exit ends them. */
			snprintf(wl->sh->slot[pr->first + i].setup_error, SC_WL_ERR_MAX,
				 "pthread_create: %s", strerror(r));
			_exit(2);
		}
	}
	for (i = 0; i < pr->count; i++) {
		pthread_join(th[i], NULL);
		if (args[i].status > status)
			status = args[i].status;
	}
	_exit(status);
}
