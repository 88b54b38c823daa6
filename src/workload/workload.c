// SPDX-License-Identifier: MIT
/*
 * The controller: spawns workers blocked at a gate, releases them together,
 * drains per-phase reports, stops and collects with deadlines, and reaps
 * every process on every path (SIGKILL after a deadline, never a hang).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload-internal.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

size_t sc_workload_count(const struct sc_workload *wl)
{
	return wl ? wl->n : 0;
}

int sc_workload_worker_ids(const struct sc_workload *wl, size_t i, struct sc_worker_ids *out)
{
	const struct sc_wl_slot *s;

	if (!wl || i >= wl->n)
		return -ERANGE;
	s = &wl->sh->slot[i];
	out->pid = (pid_t)atomic_load(&s->pid);
	out->tid = (pid_t)atomic_load(&s->tid);
	if (!out->pid)
		out->pid = wl->procs[wl->w[i].proc].pid;
	out->spec_index = wl->w[i].spec;
	out->index = wl->w[i].index;
	return 0;
}

const char *sc_workload_setup_error(const struct sc_workload *wl, size_t i)
{
	if (!wl || i >= wl->n || !wl->sh->slot[i].setup_error[0])
		return NULL;
	return wl->sh->slot[i].setup_error;
}

uint64_t sc_workload_worker_iterations(const struct sc_workload *wl, size_t i)
{
	if (!wl || i >= wl->n)
		return 0;
	return atomic_load_explicit(&wl->sh->slot[i].iterations, memory_order_relaxed);
}

/* Reaps any of our processes that have ended; returns how many did now. */
static size_t sweep(struct sc_workload *wl)
{
	size_t i, got = 0;

	for (i = 0; i < wl->n_procs; i++) {
		struct sc_wl_proc *p = &wl->procs[i];
		int st;
		pid_t r;

		if (p->reaped || p->pid <= 0)
			continue;
		r = waitpid(p->pid, &st, WNOHANG);
		if (r == p->pid || (r < 0 && errno == ECHILD)) {
			/* ECHILD: someone else reaped it (SIGCHLD ignored); call it killed. */
			p->reaped = true;
			p->status = r == p->pid ? st : (SIGKILL & 0x7f);
			got++;
		}
	}
	return got;
}

static void kill_proc(struct sc_wl_proc *p)
{
	if (p->reaped || p->pid <= 0)
		return;
	kill(p->pid, SIGKILL);
	p->killed = true;
}

/* SIGKILLs and reaps every process still there (blocking: SIGKILL is final). */
static void kill_and_reap_all(struct sc_workload *wl)
{
	size_t i;

	for (i = 0; i < wl->n_procs; i++)
		kill_proc(&wl->procs[i]);
	for (i = 0; i < wl->n_procs; i++) {
		struct sc_wl_proc *p = &wl->procs[i];
		int st;

		if (p->reaped || p->pid <= 0)
			continue;
		while (waitpid(p->pid, &st, 0) < 0) {
			if (errno != EINTR) {
				st = SIGKILL & 0x7f;
				break;
			}
		}
		p->reaped = true;
		p->status = st;
	}
}

static bool proc_dead(const struct sc_workload *wl, size_t worker)
{
	return wl->procs[wl->w[worker].proc].reaped;
}

static void describe_status(char *buf, size_t len, int st)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "ended with wait status %#x", st);
}

static int wait_ready(struct sc_workload *wl, uint64_t deadline_ns, struct sc_error *err)
{
	struct sc_wl_ctl *c = &wl->sh->ctl;

	for (;;) {
		uint32_t v = atomic_load_explicit(&c->ready, memory_order_acquire);
		uint64_t now;
		size_t i;

		if (v >= wl->n)
			return 0;
		if (sweep(wl)) {
			for (i = 0; i < wl->n; i++) {
				char how[64];

				if (!proc_dead(wl, i))
					continue;
				describe_status(how, sizeof(how), wl->procs[wl->w[i].proc].status);
				sc_error_set(err, "worker %zu (%s #%zu) %s during setup%s%s", i,
					     sc_work_type_name(wl->specs[wl->w[i].spec].type),
					     wl->w[i].index, how,
					     wl->sh->slot[i].setup_error[0] ? ": " : "",
					     wl->sh->slot[i].setup_error);
				return -ECHILD;
			}
		}
		now = sc_wl_now();
		if (now >= deadline_ns) {
			sc_error_set(err, "only %u of %zu workers were ready by the spawn deadline",
				     v, wl->n);
			return -ETIMEDOUT;
		}
		sc_futex_wait(&c->ready, v, min_u64(deadline_ns, now + SC_WL_SWEEP_NS));
	}
}

static void free_contents(struct sc_workload *wl)
{
	size_t i;

	if (wl->w) {
		for (i = 0; i < wl->n; i++) {
			if (wl->w[i].pipe_rd >= 0)
				close(wl->w[i].pipe_rd);
			if (wl->w[i].pipe_wr >= 0)
				close(wl->w[i].pipe_wr);
		}
	}
	if (wl->rx)
		for (i = 0; i < wl->n; i++)
			sc_worker_report_release(&wl->rx[i].rep);
	if (wl->specs)
		for (i = 0; i < wl->n_specs; i++)
			sc_work_spec_release(&wl->specs[i]);
	if (wl->sock_rx >= 0)
		close(wl->sock_rx);
	if (wl->sock_tx >= 0)
		close(wl->sock_tx);
	if (wl->sh)
		munmap(wl->sh, wl->sh_len);
	free(wl->rx);
	free(wl->rxbuf);
	free(wl->procs);
	free(wl->w);
	free(wl->specs);
}

void sc_workload_free(struct sc_workload *wl)
{
	if (!wl)
		return;
	/* A forked worker never frees the controller's workload. */
	if (getpid() == wl->owner && wl->procs)
		kill_and_reap_all(wl);
	free_contents(wl);
	free(wl);
}

void sc_worker_reports_free(struct sc_worker_report *reports, size_t n)
{
	size_t i;

	if (!reports)
		return;
	for (i = 0; i < n; i++)
		sc_worker_report_release(&reports[i]);
	free(reports);
}

static int setup_layout(struct sc_workload *wl, const struct sc_work_spec *specs, size_t n_specs,
			size_t total, struct sc_error *err)
{
	size_t s, i, k = 0, p = 0;
	int r;

	wl->specs = calloc(n_specs, sizeof(*wl->specs));
	wl->w = calloc(total, sizeof(*wl->w));
	wl->rx = calloc(total, sizeof(*wl->rx));
	wl->rxbuf = malloc(sizeof(struct sc_wire_hdr) + SC_WIRE_MAX_PAYLOAD + 64);
	if (!wl->specs || !wl->w || !wl->rx || !wl->rxbuf)
		goto nomem;
	for (i = 0; i < total; i++) {
		wl->w[i].pipe_rd = -1;
		wl->w[i].pipe_wr = -1;
		sc_worker_report_init(&wl->rx[i].rep);
	}
	for (s = 0; s < n_specs; s++) {
		if ((r = sc_work_spec_copy(&wl->specs[s], &specs[s])) < 0)
			goto nomem;
		wl->n_specs = s + 1;
		wl->n_procs += specs[s].clone_mode == SC_CLONE_THREAD ? 1 : specs[s].workers;
	}
	wl->n = total;
	wl->procs = calloc(wl->n_procs, sizeof(*wl->procs));
	if (!wl->procs)
		goto nomem;
	for (s = 0; s < n_specs; s++) {
		bool thread = specs[s].clone_mode == SC_CLONE_THREAD;
		size_t base = k;

		if (thread) {
			wl->procs[p].first = k;
			wl->procs[p].count = specs[s].workers;
		}
		for (i = 0; i < specs[s].workers; i++, k++) {
			wl->w[k].spec = s;
			wl->w[k].index = i;
			wl->w[k].base = base;
			if (!thread) {
				wl->procs[p].first = k;
				wl->procs[p].count = 1;
				wl->w[k].proc = p++;
			} else {
				wl->w[k].proc = p;
			}
			if (specs[s].type == SC_WORK_WAKE_CHAIN &&
			    specs[s].params.chain_mode == SC_CHAIN_PIPE) {
				int fds[2];

				if (pipe2(fds, O_CLOEXEC) < 0) {
					r = -errno;
					sc_error_set(err, "wake_chain pipe: %s", strerror(errno));
					return r;
				}
				wl->w[k].pipe_rd = fds[0];
				wl->w[k].pipe_wr = fds[1];
			}
		}
		if (thread)
			p++;
	}
	return 0;
nomem:
	sc_error_set(err, "workload: out of memory");
	return -ENOMEM;
}

int sc_workload_spawn(const struct sc_work_spec *specs, size_t n_specs, uint64_t deadline_ns,
		      struct sc_workload **out, struct sc_error *err)
{
	struct sc_workload *wl;
	size_t s, total = 0, i;
	int sv[2], r;

	if (!specs || !n_specs || !out) {
		sc_error_set(err, "workload: no work specs");
		return -EINVAL;
	}
	for (s = 0; s < n_specs; s++) {
		if ((r = sc_work_spec_validate(&specs[s], err)) < 0) {
			sc_error_prefix(err, "work spec %zu", s);
			return r;
		}
		total += specs[s].workers;
		if (total > SC_WORKLOAD_MAX_WORKERS) {
			sc_error_set(err, "workload: more than %u workers in total",
				     SC_WORKLOAD_MAX_WORKERS);
			return -E2BIG;
		}
	}
	wl = calloc(1, sizeof(*wl));
	if (!wl) {
		sc_error_set(err, "workload: out of memory");
		return -ENOMEM;
	}
	wl->sock_rx = wl->sock_tx = -1;
	wl->owner = getpid();
	if ((r = setup_layout(wl, specs, n_specs, total, err)) < 0)
		goto fail;

	wl->sh_len = sizeof(struct sc_wl_shared) + total * sizeof(struct sc_wl_slot);
	wl->sh = mmap(NULL, wl->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (wl->sh == MAP_FAILED) {
		wl->sh = NULL;
		r = -errno;
		sc_error_set(err, "workload: shared memory of %zu bytes: %s", wl->sh_len,
			     strerror(errno));
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		sc_error_set(err, "workload: report socket: %s", strerror(errno));
		goto fail;
	}
	wl->sock_rx = sv[0];
	wl->sock_tx = sv[1];

	for (i = 0; i < wl->n_procs; i++) {
		struct sc_wl_proc *p = &wl->procs[i];
		bool thread = wl->specs[wl->w[p->first].spec].clone_mode == SC_CLONE_THREAD;
		pid_t pid = fork();

		if (pid == 0) {
			if (thread)
				sc_wk_thread_host_main(wl, i);
			sc_wk_child_main(wl, p->first);
		}
		if (pid < 0) {
			r = -errno;
			sc_error_set(err, "workload: fork of worker %zu of %zu: %s", p->first,
				     total, strerror(errno));
			goto fail;
		}
		p->pid = pid;
	}
	close(wl->sock_tx);
	wl->sock_tx = -1;
	if ((r = wait_ready(wl, deadline_ns, err)) < 0)
		goto fail;
	*out = wl;
	return 0;
fail:
	sc_workload_free(wl);
	return r;
}

int sc_workload_release(struct sc_workload *wl, struct sc_error *err)
{
	if (wl->released || wl->stopped) {
		sc_error_set(err, "workload: already %s", wl->stopped ? "stopped" : "released");
		return -EALREADY;
	}
	wl->released = true;
	atomic_store_explicit(&wl->sh->ctl.release_ns, sc_wl_now(), memory_order_relaxed);
	atomic_store_explicit(&wl->sh->ctl.release, 1, memory_order_release);
	sc_futex_wake(&wl->sh->ctl.release, INT_MAX);
	return 0;
}

/* Wakes every wait a worker can be in, so it looks at stop / phase_gen. */
static void nudge_all(struct sc_workload *wl, bool slots)
{
	static const uint64_t poke = 0;
	struct sc_wl_ctl *c = &wl->sh->ctl;
	size_t i;

	atomic_fetch_add_explicit(&c->epoch, 1, memory_order_seq_cst);
	sc_futex_wake(&c->epoch, INT_MAX);
	for (i = 0; i < wl->n; i++) {
		if (slots) {
			sc_futex_wake(&wl->sh->slot[i].word, INT_MAX);
			sc_futex_wake(&wl->sh->slot[i].aux, INT_MAX);
		}
		/* One 8-byte poke never fills a pipe: ignore the (impossible) error. */
		if (wl->w[i].pipe_wr >= 0 && write(wl->w[i].pipe_wr, &poke, sizeof(poke)) < 0)
			continue;
	}
}

int sc_workload_stop(struct sc_workload *wl, uint64_t deadline_ns, struct sc_error *err)
{
	struct sc_wl_ctl *c = &wl->sh->ctl;
	size_t i, late = 0;

	if (wl->stopped)
		return 0;
	wl->stopped = true;
	atomic_store_explicit(&c->stop, 1, memory_order_seq_cst);
	atomic_store_explicit(&c->release, 1, memory_order_seq_cst);
	sc_futex_wake(&c->release, INT_MAX);
	nudge_all(wl, true);
	for (;;) {
		uint32_t v = atomic_load_explicit(&c->stopped, memory_order_acquire);
		bool all = true;
		uint64_t now;

		sweep(wl);
		for (i = 0; i < wl->n && all; i++)
			if (atomic_load(&wl->sh->slot[i].state) != SC_SLOT_STOPPED &&
			    !proc_dead(wl, i))
				all = false;
		if (all)
			return 0;
		now = sc_wl_now();
		if (now >= deadline_ns)
			break;
		sc_futex_wait(&c->stopped, v, min_u64(deadline_ns, now + SC_WL_SWEEP_NS));
	}
	for (i = 0; i < wl->n; i++) {
		if (atomic_load(&wl->sh->slot[i].state) == SC_SLOT_STOPPED || proc_dead(wl, i))
			continue;
		wl->w[i].timed_out = true;
		kill_proc(&wl->procs[wl->w[i].proc]);
		late++;
	}
	sc_error_set(err, "workload: %zu worker(s) did not stop by the deadline and were killed",
		     late);
	return (int)(late > INT_MAX ? INT_MAX : late);
}

/*
 * Reads the records waiting on the socket without blocking. Bounded by the
 * deadline too: a worker that floods the socket cannot keep us here.
 */
static int read_records(struct sc_workload *wl, uint32_t gen, uint64_t deadline_ns)
{
	size_t cap = sizeof(struct sc_wire_hdr) + SC_WIRE_MAX_PAYLOAD + 64;
	unsigned k = 0;

	for (;;) {
		ssize_t n;
		int r;

		if (++k % 256 == 0 && sc_wl_now() >= deadline_ns)
			return 0;
		n = recv(wl->sock_rx, wl->rxbuf, cap, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		if (n == 0)
			return 0;
		if ((size_t)n > cap) {
			wl->dropped++; /* oversized: truncated, so untrustworthy */
			continue;
		}
		r = sc_wl_rx_record(wl->rx, wl->n, gen, wl->rxbuf, (size_t)n, &wl->dropped);
		if (r < 0)
			return r;
	}
}

static bool answered(const struct sc_workload *wl, size_t i)
{
	return wl->rx[i].done || wl->rx[i].bad;
}

/*
 * Receives generation `gen` until every worker has answered or is dead, or
 * the deadline passes. Death is checked before the socket is read, so the
 * records a worker sent before it died are always seen.
 */
static int receive_gen(struct sc_workload *wl, uint32_t gen, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd pfd = { .fd = wl->sock_rx, .events = POLLIN };
		struct timespec ts;
		uint64_t now, until;
		bool all = true;
		size_t i;
		int r;

		sweep(wl);
		if ((r = read_records(wl, gen, deadline_ns)) < 0)
			return r;
		for (i = 0; i < wl->n && all; i++)
			if (!answered(wl, i) && !proc_dead(wl, i))
				all = false;
		if (all)
			return 0;
		now = sc_wl_now();
		if (now >= deadline_ns)
			return 0;
		until = min_u64(deadline_ns, now + SC_WL_SWEEP_NS) - now;
		ts.tv_sec = (time_t)(until / SC_NS_PER_SEC);
		ts.tv_nsec = (long)(until % SC_NS_PER_SEC);
		if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR)
			return -errno;
	}
}

static void reset_rx(struct sc_workload *wl)
{
	size_t i;

	for (i = 0; i < wl->n; i++)
		sc_wl_rx_reset(&wl->rx[i]);
}

static int set_error(struct sc_worker_report *r, const char *a, const char *b)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	char *s;

	if (!la && !lb)
		return 0;
	s = malloc(la + lb + 3);
	if (!s)
		return -ENOMEM;
	snprintf(s, la + lb + 3, "%s%s%s", la ? a : "", la && lb ? "; " : "", lb ? b : "");
	free(r->error);
	r->error = s;
	return 0;
}

/*
 * Moves worker i's received report into *out, or builds the empty one that
 * says why there is none. `final` selects whole-run exit semantics.
 */
static int take_report(struct sc_workload *wl, size_t i, bool final, struct sc_worker_report *out)
{
	struct sc_wl_rx *rx = &wl->rx[i];
	const struct sc_wl_proc *p = &wl->procs[wl->w[i].proc];
	const struct sc_wl_slot *slot = &wl->sh->slot[i];
	bool have = rx->done && !rx->bad;
	char note[224];
	int r = 0;

	note[0] = '\0';
	sc_worker_report_init(out);
	if (have) {
		*out = rx->rep;
		sc_worker_report_init(&rx->rep);
	} else {
		out->tid = (uint64_t)atomic_load(&slot->tid);
		/* The last count it published: what it did before it went. */
		out->iterations = atomic_load_explicit(&slot->iterations, memory_order_relaxed);
		if (rx->bad)
			snprintf(note, sizeof(note), "malformed report: %s", rx->why);
		if (slot->setup_error[0])
			r = set_error(out, slot->setup_error, NULL);
	}
	if (p->reaped) {
		int st = p->status;

		if (!have && (wl->w[i].timed_out || (p->killed && final))) {
			out->exit_kind = SC_WORKER_TIMED_OUT;
			out->exit_status = SIGKILL;
		} else if (WIFSIGNALED(st)) {
			out->exit_kind = SC_WORKER_SIGNALED;
			out->exit_status = WTERMSIG(st);
		} else {
			out->exit_kind = SC_WORKER_EXITED;
			out->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : st;
		}
		if (!have && !note[0] && out->exit_kind != SC_WORKER_TIMED_OUT)
			snprintf(note, sizeof(note), "no report: the worker ended first");
	} else if (!have) {
		out->exit_kind = SC_WORKER_TIMED_OUT;
		out->exit_status = 0;
		if (!note[0])
			snprintf(note, sizeof(note), "no %s by the deadline",
				 final ? "report" : "phase report");
	} else {
		out->exit_kind = SC_WORKER_RUNNING;
	}
	if (note[0] && r == 0)
		r = set_error(out, out->error, note);
	return r;
}

static int build_reports(struct sc_workload *wl, bool final, struct sc_worker_report **reports,
			 size_t *n, struct sc_error *err)
{
	struct sc_worker_report *v = calloc(wl->n, sizeof(*v));
	size_t i;

	if (!v) {
		sc_error_set(err, "workload: out of memory for %zu reports", wl->n);
		return -ENOMEM;
	}
	for (i = 0; i < wl->n; i++) {
		if (take_report(wl, i, final, &v[i]) < 0) {
			sc_worker_reports_free(v, i + 1);
			sc_error_set(err, "workload: out of memory building reports");
			return -ENOMEM;
		}
	}
	*reports = v;
	*n = wl->n;
	return 0;
}

int sc_workload_drain_phase(struct sc_workload *wl, uint64_t deadline_ns,
			    struct sc_worker_report **reports, size_t *n, struct sc_error *err)
{
	struct sc_wl_ctl *c = &wl->sh->ctl;
	int r;

	if (!wl->released || wl->stopped || wl->collected) {
		sc_error_set(err, "workload: drain needs a released, running workload");
		return -EINVAL;
	}
	wl->gen++;
	if (wl->gen == SC_WIRE_GEN_FINAL)
		wl->gen = 1;
	reset_rx(wl);
	atomic_store_explicit(&c->phase_gen, wl->gen, memory_order_seq_cst);
	nudge_all(wl, false);
	if ((r = receive_gen(wl, wl->gen, deadline_ns)) < 0) {
		sc_error_set(err, "workload: reading phase reports: %s", strerror(-r));
		return r;
	}
	return build_reports(wl, false, reports, n, err);
}

int sc_workload_collect(struct sc_workload *wl, uint64_t deadline_ns,
			struct sc_worker_report **reports, size_t *n, struct sc_error *err)
{
	struct sc_error stop_err;
	size_t i;
	int r;

	if (wl->collected) {
		sc_error_set(err, "workload: already collected");
		return -EALREADY;
	}
	if (!wl->stopped)
		sc_workload_stop(wl, deadline_ns, &stop_err);
	wl->collected = true;
	reset_rx(wl);
	r = receive_gen(wl, SC_WIRE_GEN_FINAL, deadline_ns);
	/* Whoever has not answered by now is late: kill it. */
	for (i = 0; i < wl->n; i++) {
		if (answered(wl, i) || proc_dead(wl, i))
			continue;
		wl->w[i].timed_out = true;
		kill_proc(&wl->procs[wl->w[i].proc]);
	}
	/* Everyone answered: give them until the deadline to exit, then SIGKILL. */
	for (;;) {
		bool all = true;
		uint64_t now;

		sweep(wl);
		for (i = 0; i < wl->n_procs && all; i++)
			if (!wl->procs[i].reaped)
				all = false;
		now = sc_wl_now();
		if (all || now >= deadline_ns)
			break;
		{
			uint64_t until = min_u64(deadline_ns, now + SC_NS_PER_MS);
			struct timespec ts = { .tv_sec = (time_t)(until / SC_NS_PER_SEC),
					       .tv_nsec = (long)(until % SC_NS_PER_SEC) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
	}
	kill_and_reap_all(wl);
	if (r < 0) {
		sc_error_set(err, "workload: reading reports: %s", strerror(-r));
		return r;
	}
	return build_reports(wl, true, reports, n, err);
}

/* The slot layout the comments promise: partner line, own line, error text. */
_Static_assert(sizeof(struct sc_wl_slot) == 2 * SC_CACHELINE + SC_WL_ERR_MAX,
	       "worker slot is two cache lines plus the error text");
_Static_assert(offsetof(struct sc_wl_slot, state) == SC_CACHELINE,
	       "worker-written fields start on their own cache line");
