// SPDX-License-Identifier: MIT
/*
 * The work type loops. Each unit of work ends with sc_wk_unit_done() (one
 * clock read, one CPU read) and sc_wk_poll() (stop / drain); waits are
 * bounded so stop and drain are always seen. See docs/workloads.md.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workload-internal.h"

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void run_spin(struct sc_wk *w)
{
	uint64_t loops = w->spec->params.spin_loops, x = w->idx + 1;

	do {
		x = sc_wl_spin(loops, x);
		sc_wk_unit_done(w);
	} while (!sc_wk_poll(w));
	w->spin_sink = x;
}

static void run_yield(struct sc_wk *w)
{
	uint64_t loops = w->spec->params.spin_loops, x = w->idx + 1;

	do {
		x = sc_wl_spin(loops, x);
		sched_yield();
		sc_wk_unit_done(w);
	} while (!sc_wk_poll(w));
	w->spin_sink = x;
}

static void run_mixed(struct sc_wk *w)
{
	const struct sc_work_params *p = &w->spec->params;
	uint64_t x = w->idx + 1, n = 0;
	bool stop = false;

	do {
		x = sc_wl_spin(p->spin_loops, x);
		n++;
		if (p->yield_every && n % p->yield_every == 0)
			sched_yield();
		if (p->sleep_every && n % p->sleep_every == 0)
			stop = sc_wk_sleep_until(w, sc_wl_now() + p->sleep_us * SC_NS_PER_US);
		sc_wk_unit_done(w);
	} while (!stop && !sc_wk_poll(w));
	w->spin_sink = x;
}

static void run_bursty(struct sc_wk *w)
{
	const struct sc_work_params *p = &w->spec->params;
	uint64_t x = w->idx + 1, period = sc_wl_now();

	for (;;) {
		uint64_t burst_end = period + p->burst_us * SC_NS_PER_US, wake;

		do {
			x = sc_wl_spin(p->spin_loops, x);
			sc_wk_unit_done(w);
			if (sc_wk_poll(w))
				goto out;
		} while (w->last_ns < burst_end);
		wake = burst_end + p->idle_us * SC_NS_PER_US;
		if (sc_wk_sleep_until(w, wake))
			break;
		/* A burst that overran its period starts the next one late. */
		period = wake > w->last_ns ? wake : w->last_ns;
	}
out:
	w->spin_sink = x;
}

/* cyclictest's method: absolute deadlines, latency = observed wake - deadline. */
static void run_timer_latency(struct sc_wk *w)
{
	uint64_t interval = w->spec->params.interval_us * SC_NS_PER_US;
	uint64_t next = sc_wl_now() + interval;

	for (;;) {
		struct timespec ts = {
			.tv_sec = (time_t)(next / SC_NS_PER_SEC),
			.tv_nsec = (long)(next % SC_NS_PER_SEC),
		};
		uint64_t now;

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = sc_wl_now();
		sc_wk_timer_sample(w, sub0(now, next));
		sc_wk_unit_done_at(w, now);
		if (sc_wk_poll(w))
			return;
		next += interval;
		if (next <= now) {
			/* Missed periods are skipped (and counted), as cyclictest does. */
			uint64_t skip = (now - next) / interval + 1;

			next += skip * interval;
			w->overruns += skip;
		}
	}
}

/*
 * Waits until *word differs from `seen`. Returns true when the worker must
 * stop. On a change, *t is the clock read first thing after the wait
 * returned (or now, when no wait was needed): the wakee's half of
 * wake-to-run.
 */
static bool wait_change(struct sc_wk *w, _Atomic uint32_t *word, uint32_t seen, uint64_t *t)
{
	for (;;) {
		uint64_t now;

		if (atomic_load_explicit(word, memory_order_acquire) != seen) {
			*t = sc_wl_now();
			return false;
		}
		if (sc_wk_poll(w))
			return true;
		sc_futex_wait(word, seen, sc_wl_now() + SC_WL_BACKSTOP_NS);
		now = sc_wl_now();
		if (atomic_load_explicit(word, memory_order_acquire) != seen) {
			*t = now;
			return false;
		}
	}
}

/* The waker's half: stamp, publish, wake. */
static void stamp_and_wake(struct sc_wl_slot *s, int n)
{
	atomic_store_explicit(&s->stamp_ns, sc_wl_now(), memory_order_relaxed);
	atomic_fetch_add_explicit(&s->word, 1, memory_order_acq_rel);
	sc_futex_wake(&s->word, n);
}

static void run_futex_pingpong(struct sc_wk *w)
{
	struct sc_wl_slot *p = &w->sh->slot[w->base + (w->local & ~1u)];
	uint32_t role = w->local & 1;
	uint64_t x = w->idx + 1;

	for (;;) {
		uint32_t cur = atomic_load_explicit(&p->word, memory_order_acquire);

		uint64_t t;

		/*
		 * Even words are worker A's turn, odd ones B's. Every hand-off is
		 * a sample, also when the turn came back before we could sleep:
		 * skipping those would keep only the slow hand-offs.
		 */
		if ((cur & 1) != role) {
			if (wait_change(w, &p->word, cur, &t))
				break;
			sc_wk_wake_sample(w, sub0(t, atomic_load_explicit(&p->stamp_ns,
									  memory_order_relaxed)));
		} else if (cur) {
			t = sc_wl_now();
			sc_wk_wake_sample(w, sub0(t, atomic_load_explicit(&p->stamp_ns,
									  memory_order_relaxed)));
		}
		x = sc_wl_spin(w->spec->params.spin_loops, x);
		sc_wk_unit_done(w);
		if (sc_wk_poll(w))
			break;
		stamp_and_wake(p, 1);
	}
	w->spin_sink = x;
}

static void run_chain_futex(struct sc_wk *w)
{
	uint32_t d = w->spec->params.chain_depth, pos = w->local % d;
	uint32_t first = w->base + (w->local / d) * d;
	struct sc_wl_slot *me = w->slot, *succ = &w->sh->slot[first + (pos + 1) % d];
	uint32_t seen = 0; /* words start at 0 and move only after release */
	uint64_t x = w->idx + 1;

	if (pos == 0)
		stamp_and_wake(succ, 1);
	for (;;) {
		uint64_t t;

		if (wait_change(w, &me->word, seen, &t))
			break;
		seen = atomic_load_explicit(&me->word, memory_order_acquire);
		sc_wk_wake_sample(
			w, sub0(t, atomic_load_explicit(&me->stamp_ns, memory_order_relaxed)));
		x = sc_wl_spin(w->spec->params.spin_loops, x);
		sc_wk_unit_done(w);
		if (sc_wk_poll(w))
			break;
		stamp_and_wake(succ, 1);
	}
	w->spin_sink = x;
}

static bool pipe_pass(struct sc_wk *w)
{
	uint64_t stamp = sc_wl_now();

	for (;;) {
		ssize_t n = write(w->pipe_wr, &stamp, sizeof(stamp));

		if (n == (ssize_t)sizeof(stamp))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		sc_wk_error(w, "wake_chain pipe write: %s", n < 0 ? strerror(errno) : "short");
		return false;
	}
}

/* The stamp travels in the pipe; a zero stamp is the controller's poke. */
static void run_chain_pipe(struct sc_wk *w)
{
	uint32_t d = w->spec->params.chain_depth;
	uint64_t x = w->idx + 1;

	if (w->local % d == 0 && !pipe_pass(w))
		goto fail;
	for (;;) {
		uint64_t stamp, t;
		ssize_t n = read(w->pipe_rd, &stamp, sizeof(stamp));

		t = sc_wl_now();
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(stamp)) {
			sc_wk_error(w, "wake_chain pipe read: %s",
				    n < 0 ? strerror(errno) : "short");
			goto fail;
		}
		if (!stamp) {
			if (sc_wk_poll(w))
				break;
			continue;
		}
		sc_wk_wake_sample(w, sub0(t, stamp));
		x = sc_wl_spin(w->spec->params.spin_loops, x);
		sc_wk_unit_done(w);
		if (sc_wk_poll(w))
			break;
		if (!pipe_pass(w))
			goto fail;
	}
	w->spin_sink = x;
	return;
fail:
	sc_wk_idle_until_stop(w);
}

static void run_fanout(struct sc_wk *w)
{
	uint32_t g = w->spec->params.fanout + 1, pos = w->local % g;
	struct sc_wl_slot *gs = &w->sh->slot[w->base + (w->local / g) * g];
	uint32_t wakees = g - 1, seen = 0;
	uint64_t x = w->idx + 1;

	if (pos == 0) {
		/* The waker: one stamp, one FUTEX_WAKE for all, then wait for acks. */
		for (;;) {
			uint32_t a;

			x = sc_wl_spin(w->spec->params.spin_loops, x);
			atomic_store_explicit(&gs->aux, 0, memory_order_release);
			stamp_and_wake(gs, INT_MAX);
			while ((a = atomic_load_explicit(&gs->aux, memory_order_acquire)) <
			       wakees) {
				if (sc_wk_poll(w))
					goto out;
				sc_futex_wait(&gs->aux, a, sc_wl_now() + SC_WL_BACKSTOP_NS);
			}
			sc_wk_unit_done(w);
			if (sc_wk_poll(w))
				break;
		}
	} else {
		for (;;) {
			uint64_t t;

			if (wait_change(w, &gs->word, seen, &t))
				break;
			seen = atomic_load_explicit(&gs->word, memory_order_acquire);
			sc_wk_wake_sample(w, sub0(t, atomic_load_explicit(&gs->stamp_ns,
									  memory_order_relaxed)));
			x = sc_wl_spin(w->spec->params.spin_loops, x);
			sc_wk_unit_done(w);
			if (atomic_fetch_add_explicit(&gs->aux, 1, memory_order_acq_rel) + 1 ==
			    wakees)
				sc_futex_wake(&gs->aux, 1);
			if (sc_wk_poll(w))
				break;
		}
	}
out:
	w->spin_sink = x;
}

/*
 * schbench: groups of one message thread (position 0) and T worker threads.
 * Each round the message thread enqueues one request per worker: it stamps
 * the worker's slot (the enqueue time, which is also the wake stamp),
 * publishes and FUTEX_WAKEs it, then waits until all T have acked. A worker
 * records wake-to-run (first clock read after its wait - stamp), burns
 * request_us of on-CPU time, records the request latency (completion -
 * enqueue) and acks; the last ack wakes the message thread. One round is a
 * loop (the message thread's unit); one request is a worker's unit.
 */
static void schb_loop_done(struct sc_wk *w)
{
	w->schb_run->loop_count++;
	w->schb_phase->loop_count++;
}

static void schb_sample(struct sc_lat_hist *run, struct sc_lat_hist *phase, uint64_t ns)
{
	sc_lat_hist_add(run, ns);
	sc_lat_hist_add(phase, ns);
}

/* Burns `ns` of this thread's on-CPU time (not wall time: preemption is latency). */
static uint64_t burn_cpu_ns(uint64_t ns, uint64_t x)
{
	uint64_t end;

	if (!ns)
		return x;
	end = sc_wl_thread_cpu_ns() + ns;
	do
		x = sc_wl_spin(256, x); /* ~1000 cycles between clock reads */
	while (sc_wl_thread_cpu_ns() < end);
	return x;
}

static void run_schbench(struct sc_wk *w)
{
	uint32_t t = w->spec->params.threads_per_message, g = t + 1, pos = w->local % g, i;
	struct sc_wl_slot *ms = &w->sh->slot[w->base + (w->local / g) * g];
	uint64_t work_ns = w->spec->params.request_us * SC_NS_PER_US, x = w->idx + 1;

	if (pos == 0) {
		for (;;) {
			uint32_t a;

			atomic_store_explicit(&ms->aux, 0, memory_order_release);
			for (i = 1; i <= t; i++)
				stamp_and_wake(ms + i, 1);
			while ((a = atomic_load_explicit(&ms->aux, memory_order_acquire)) < t) {
				if (sc_wk_poll(w))
					return;
				sc_futex_wait(&ms->aux, a, sc_wl_now() + SC_WL_BACKSTOP_NS);
			}
			schb_loop_done(w);
			sc_wk_unit_done(w);
			if (sc_wk_poll(w))
				return;
		}
	} else {
		struct sc_wl_slot *me = w->slot;
		uint32_t seen = 0; /* words start at 0 and move only after release */

		for (;;) {
			uint64_t woke, stamp, done;

			if (wait_change(w, &me->word, seen, &woke))
				break;
			seen = atomic_load_explicit(&me->word, memory_order_acquire);
			stamp = atomic_load_explicit(&me->stamp_ns, memory_order_relaxed);
			sc_wk_wake_sample(w, sub0(woke, stamp));
			schb_sample(&w->schb_run->wakeup, &w->schb_phase->wakeup,
				    sub0(woke, stamp));
			x = burn_cpu_ns(work_ns, x);
			done = sc_wl_now();
			schb_sample(&w->schb_run->request, &w->schb_phase->request,
				    sub0(done, stamp));
			sc_wk_unit_done_at(w, done);
			if (atomic_fetch_add_explicit(&ms->aux, 1, memory_order_acq_rel) + 1 == t)
				sc_futex_wake(&ms->aux, 1);
			if (sc_wk_poll(w))
				break;
		}
	}
	w->spin_sink = x;
}

static void run_io_sync(struct sc_wk *w)
{
	size_t len = (size_t)w->spec->params.io_bytes;
	off_t off = 0;

	do {
		ssize_t n = pwrite(w->io_fd, w->io_buf, len, off);

		if (n != (ssize_t)len || fdatasync(w->io_fd) < 0) {
			if (n < 0 && errno == EINTR)
				continue;
			sc_wk_error(w, "io_sync: %s",
				    n >= 0 && n != (ssize_t)len ? "short write" : strerror(errno));
			sc_wk_idle_until_stop(w);
			return;
		}
		/* Cycle over 64 blocks so the file stays small. */
		off = (off + (off_t)len) % (off_t)(64 * len);
		sc_wk_unit_done(w);
	} while (!sc_wk_poll(w));
}

static void run_fork_exit(struct sc_wk *w)
{
	do {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			sc_wk_error(w, "fork_exit: fork: %s", strerror(errno));
			sc_wk_idle_until_stop(w);
			return;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		sc_wk_unit_done(w);
	} while (!sc_wk_poll(w));
}

static void run_cache_pressure(struct sc_wk *w)
{
	volatile unsigned char *p = w->mem;
	size_t stride = (size_t)w->spec->params.stride_bytes, i;

	do {
		for (i = 0; i < w->mem_len; i += stride)
			p[i]++;
		sc_wk_unit_done(w);
	} while (!sc_wk_poll(w));
}

static void run_numa_sweep(struct sc_wk *w)
{
	volatile unsigned char *p = w->mem;
	long pg = sysconf(_SC_PAGESIZE);
	size_t step = pg > 0 ? (size_t)pg : 4096, i;

	do {
		for (i = 0; i < w->mem_len; i += step)
			p[i] = (unsigned char)w->iterations;
		sc_wk_unit_done(w);
	} while (!sc_wk_poll(w));
}

void sc_wk_run_type(struct sc_wk *w)
{
	if (w->spec->debug_ignore_stop) {
		/* The test hook: a worker that never answers stop or drain. */
		run_spin(w);
		return;
	}
	switch (w->spec->type) {
	case SC_WORK_SPIN:
		run_spin(w);
		break;
	case SC_WORK_YIELD:
		run_yield(w);
		break;
	case SC_WORK_MIXED:
		run_mixed(w);
		break;
	case SC_WORK_BURSTY:
		run_bursty(w);
		break;
	case SC_WORK_TIMER_LATENCY:
		run_timer_latency(w);
		break;
	case SC_WORK_FUTEX_PINGPONG:
		run_futex_pingpong(w);
		break;
	case SC_WORK_WAKE_CHAIN:
		if (w->spec->params.chain_mode == SC_CHAIN_PIPE)
			run_chain_pipe(w);
		else
			run_chain_futex(w);
		break;
	case SC_WORK_FANOUT:
		run_fanout(w);
		break;
	case SC_WORK_IO_SYNC:
		run_io_sync(w);
		break;
	case SC_WORK_FORK_EXIT:
		run_fork_exit(w);
		break;
	case SC_WORK_CACHE_PRESSURE:
		run_cache_pressure(w);
		break;
	case SC_WORK_NUMA_SWEEP:
		run_numa_sweep(w);
		break;
	case SC_WORK_SCHBENCH:
		run_schbench(w);
		break;
	default:
		/* Validation rejects unimplemented types; never half-run one. */
		sc_wk_error(w, "%s: not implemented yet", sc_work_type_name(w->spec->type));
		sc_wk_idle_until_stop(w);
		break;
	}
}
