// SPDX-License-Identifier: MIT
/*
 * Watching a sched_ext scheduler in the guest for the whole run: its process
 * and output, /sys/kernel/sched_ext/state and the kernel log's "BPF scheduler
 * ... disabled (REASON)" lines, so that its failure becomes a verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/vm.h>

/* After a failure shows, wait this long for the kernel's reason line. */
#define REASON_GRACE_MS 1500u

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int read_line_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void tail_push(struct sc_vm_scx_tail *t, const char *line)
{
	snprintf(t->line[t->next], SC_VM_SCX_LINE_MAX, "%s", line);
	t->next = (t->next + 1) % SC_VM_SCX_TAIL_LINES;
	if (t->n < SC_VM_SCX_TAIL_LINES)
		t->n++;
}

void sc_vm_scx_tail_text(const struct sc_vm_scx_tail *t, char *out, size_t len)
{
	unsigned i, start = (t->next + SC_VM_SCX_TAIL_LINES - t->n) % SC_VM_SCX_TAIL_LINES;
	size_t used = 0;

	if (!len)
		return;
	out[0] = '\0';
	for (i = 0; i < t->n; i++) {
		int w = snprintf(out + used, len - used, "%s%s", i ? "\n" : "",
				 t->line[(start + i) % SC_VM_SCX_TAIL_LINES]);

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

void sc_vm_scx_watch_init(struct sc_vm_scx_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->pid = -1;
	w->out_fd = -1;
	w->kmsg_fd = -1;
}

/* Printable: control bytes (colour codes and the like) become spaces. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			*s = ' ';
}

static void drain_output(struct sc_vm_scx_watch *w)
{
	struct sc_vm_scx_tail *t = &w->sched_tail;
	char buf[4096];
	ssize_t n, i;

	if (w->out_fd < 0)
		return;
	for (;;) {
		n = read(w->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			close(w->out_fd);
			w->out_fd = -1;
			break;
		}
		if (n < 0)
			break; /* EAGAIN */
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || t->partial_len + 1 >= sizeof(t->partial)) {
				t->partial[t->partial_len] = '\0';
				clean(t->partial);
				/* Blank lines carry nothing worth a slot of the tail. */
				if (t->partial[strspn(t->partial, " \t")]) {
					tail_push(t, t->partial);
					if (w->on_line)
						w->on_line(w->ctx, t->partial);
				}
				t->partial_len = 0;
				if (buf[i] == '\n')
					continue;
			}
			t->partial[t->partial_len++] = buf[i];
		}
	}
	if (w->out_fd < 0 && t->partial_len) {
		t->partial[t->partial_len] = '\0';
		clean(t->partial);
		tail_push(t, t->partial);
		if (w->on_line)
			w->on_line(w->ctx, t->partial);
		t->partial_len = 0;
	}
}

/* One kmsg record: "prio,seq,usec,flags;text\n[ continuation lines]". */
static void kmsg_record(struct sc_vm_scx_watch *w, char *rec)
{
	char *text = strchr(rec, ';'), *p;

	if (!text)
		return;
	text++;
	text[strcspn(text, "\n")] = '\0';
	clean(text);
	if (!strstr(text, "sched_ext"))
		return;
	tail_push(&w->kernel_tail, text);
	/* "sched_ext: qmap: schedcheck[88] failed to run for 5.053s" follows the disable line. */
	if (w->kernel_reason[0] && !w->kernel_detail[0] && !strstr(text, "BPF scheduler") &&
	    (p = strstr(text, "sched_ext: ")) && (p = strstr(p + 11, ": ")))
		snprintf(w->kernel_detail, sizeof(w->kernel_detail), "%s", p + 2);
	/* sched_ext: BPF scheduler "qmap" disabled (runnable task stall) */
	p = strstr(text, "sched_ext: BPF scheduler");
	if (p && strstr(p, " disabled (") && !w->ops[0]) {
		/* It never attached long enough to read root/ops: the line names it. */
		char *q1 = strchr(p, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;

		if (q2 && q2 - q1 - 1 < (long)sizeof(w->ops))
			snprintf(w->ops, sizeof(w->ops), "%.*s", (int)(q2 - q1 - 1), q1 + 1);
	}
	if (p && (p = strstr(p, " disabled ("))) {
		char *close = strrchr(p, ')');

		p += strlen(" disabled (");
		if (close && close > p && !w->kernel_reason[0])
			snprintf(w->kernel_reason, sizeof(w->kernel_reason), "%.*s",
				 (int)(close - p), p);
	}
}

static void drain_kmsg(struct sc_vm_scx_watch *w)
{
	char rec[2048];
	ssize_t n;

	if (w->kmsg_fd < 0)
		return;
	for (;;) {
		n = read(w->kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: records were overwritten; go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		kmsg_record(w, rec);
	}
}

static bool state_enabled(const struct sc_vm_scx_watch *w, char *state, size_t len)
{
	if (read_line_file(w->state_path, state, len) < 0)
		snprintf(state, len, "unreadable");
	return !strcmp(state, "enabled");
}

static void reap(struct sc_vm_scx_watch *w, bool block)
{
	int st;
	pid_t p;

	if (w->pid <= 0)
		return;
	do
		p = waitpid(w->pid, &st, block ? 0 : WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == w->pid || (p < 0 && errno == ECHILD)) {
		w->exit_status = p == w->pid ? st : 0;
		w->pid = -1;
	}
}

static void describe_exit(const struct sc_vm_scx_watch *w, char *out, size_t len)
{
	if (WIFSIGNALED(w->exit_status))
		snprintf(out, len, "the scheduler was killed by signal %d (%s)",
			 WTERMSIG(w->exit_status), strsignal(WTERMSIG(w->exit_status)));
	else if (WEXITSTATUS(w->exit_status) == 127)
		snprintf(out, len,
			 "the scheduler could not be executed (exit status 127: a "
			 "missing shared library or interpreter?)");
	else
		snprintf(out, len, "the scheduler exited with status %d",
			 WEXITSTATUS(w->exit_status));
}

/* Called once when a failure first shows: waits briefly for the reason, composes it. */
static void settle_failure(struct sc_vm_scx_watch *w, const char *state)
{
	uint64_t deadline = mono_ms() + REASON_GRACE_MS;
	char ex[160] = "";

	while (mono_ms() < deadline && (!w->kernel_reason[0] || w->pid > 0 || w->out_fd >= 0)) {
		drain_kmsg(w);
		drain_output(w);
		reap(w, false);
		sleep_ms(20);
	}
	drain_kmsg(w);
	drain_output(w);
	if (w->pid < 0)
		describe_exit(w, ex, sizeof(ex));
	if (w->kernel_reason[0]) {
		int n = snprintf(w->reason, sizeof(w->reason),
				 "sched_ext: BPF scheduler \"%s\" disabled (%s)%s%s%s%s",
				 w->ops[0] ? w->ops : "?", w->kernel_reason,
				 w->kernel_detail[0] ? ": " : "", w->kernel_detail,
				 ex[0] ? "; " : "", ex);

		if (n >= (int)sizeof(w->reason))
			w->reason[sizeof(w->reason) - 2] = '~'; /* cut */
	} else if (ex[0]) {
		snprintf(w->reason, sizeof(w->reason), "%s; sched_ext state: %s", ex, state);
	} else {
		snprintf(w->reason, sizeof(w->reason),
			 "sched_ext state became \"%s\" while the scheduler was running", state);
	}
	w->failed = true;
}

int sc_vm_scx_watch_poll(struct sc_vm_scx_watch *w)
{
	char state[64];
	bool gone;

	drain_output(w);
	drain_kmsg(w);
	if (w->failed || w->stopping)
		return 0;
	reap(w, false);
	gone = w->pid < 0;
	if (!gone && state_enabled(w, state, sizeof(state)) && !w->kernel_reason[0])
		return 0;
	if (gone)
		state_enabled(w, state, sizeof(state));
	settle_failure(w, state);
	return 1;
}

int sc_vm_scx_watch_start(struct sc_vm_scx_watch *w, char *const argv[], const char *sysfs,
			  uint64_t timeout_ms, struct sc_error *err)
{
	char state[64];
	uint64_t t0, deadline;
	int p[2], r;
	pid_t child;

	if (snprintf(w->state_path, sizeof(w->state_path), "%s/kernel/sched_ext/state", sysfs) >=
		    (int)sizeof(w->state_path) ||
	    snprintf(w->ops_path, sizeof(w->ops_path), "%s/kernel/sched_ext/root/ops", sysfs) >=
		    (int)sizeof(w->ops_path))
		return -ENAMETOOLONG;
	if (access(w->state_path, R_OK) < 0) {
		sc_error_set(
			err,
			"%s is missing: this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT); "
			"build one with `schedcheck kernel build` (docs/sched_ext.md)",
			w->state_path);
		return -EOPNOTSUPP;
	}
	/* The kernel log from now on (an unreadable one only costs the reason). */
	w->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->kmsg_fd >= 0)
		lseek(w->kmsg_fd, 0, SEEK_END);
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		sc_error_set(err, "pipe for the scheduler: %s", strerror(errno));
		return r;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	t0 = mono_ms();
	child = fork();
	if (child < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		sc_error_set(err, "fork for the scheduler: %s", strerror(errno));
		return r;
	}
	if (child == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	w->pid = child;
	w->out_fd = p[0];
	deadline = t0 + (timeout_ms ? timeout_ms : 10000);
	for (;;) {
		drain_output(w);
		drain_kmsg(w);
		if (state_enabled(w, state, sizeof(state))) {
			w->enabled_after_ms = mono_ms() - t0;
			w->enabled = true;
			if (read_line_file(w->ops_path, w->ops, sizeof(w->ops)) < 0)
				w->ops[0] = '\0';
			return 0;
		}
		reap(w, false);
		if (w->pid < 0) {
			settle_failure(w, state);
			sc_error_set(err, "%s did not attach: %s", argv[0], w->reason);
			return -ECHILD;
		}
		if (mono_ms() >= deadline) {
			snprintf(w->reason, sizeof(w->reason),
				 "sched_ext was not enabled %llu ms after starting %s (state: %s)",
				 (unsigned long long)(deadline - t0), argv[0], state);
			w->failed = true;
			sc_error_set(err, "%s", w->reason);
			return -ETIMEDOUT;
		}
		sleep_ms(10);
	}
}

void sc_vm_scx_watch_close(struct sc_vm_scx_watch *w, uint64_t grace_ms)
{
	uint64_t deadline;

	w->stopping = true;
	if (w->pid > 0) {
		kill(w->pid, SIGINT);
		deadline = mono_ms() + grace_ms;
		while (w->pid > 0 && mono_ms() < deadline) {
			drain_output(w);
			reap(w, false);
			if (w->pid > 0)
				sleep_ms(10);
		}
		if (w->pid > 0) {
			kill(w->pid, SIGKILL);
			reap(w, true);
		}
	}
	drain_output(w);
	drain_kmsg(w);
	if (w->out_fd >= 0)
		close(w->out_fd);
	if (w->kmsg_fd >= 0)
		close(w->kmsg_fd);
	w->out_fd = w->kmsg_fd = -1;
}

static bool rx_match(const regex_t *rx, const char *s)
{
	return s && s[0] && regexec(rx, s, 0, NULL, 0) == 0;
}

int sc_vm_scx_watch_matches(const struct sc_vm_scx_watch *w, const char *pattern, bool *match)
{
	regex_t rx;
	unsigned i;

	if (regcomp(&rx, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return -EINVAL;
	*match = w->failed && (rx_match(&rx, w->reason) || rx_match(&rx, w->kernel_reason));
	for (i = 0; w->failed && !*match && i < w->kernel_tail.n; i++)
		*match = rx_match(&rx, w->kernel_tail.line[i]);
	for (i = 0; w->failed && !*match && i < w->sched_tail.n; i++)
		*match = rx_match(&rx, w->sched_tail.line[i]);
	regfree(&rx);
	return 0;
}

static int note_text(struct sc_assert_result *r, const char *key, const char *text)
{
	struct sc_note_value v;

	v.type = SC_NOTE_TEXT;
	v.v.text = (char *)text;
	return sc_assert_result_note_value(r, key, &v);
}

static int outcome(struct sc_assert_result *r, enum sc_outcome_kind kind, const char *msg)
{
	struct sc_assert_detail d;
	int ret;

	sc_assert_detail_init(&d);
	ret = sc_assert_detail_set(&d, "scheduler", NULL, msg);
	if (ret == 0)
		ret = sc_assert_result_record_outcome(r, kind, &d);
	sc_assert_detail_release(&d);
	return ret;
}

/* The checks' Fails become notes: the provoked error explains them. */
static int demote_check_fails(struct sc_assert_result *r)
{
	size_t i, o = 0;
	int ret = 0;

	for (i = 0; i < r->n_outcomes; i++) {
		struct sc_outcome *oc = &r->outcomes[i];

		if (oc->kind == SC_OUTCOME_FAIL && ret == 0) {
			char text[1024];

			snprintf(text, sizeof(text),
				 "%s%s%s: %s (not held against the run: the "
				 "expected scheduler error explains it)",
				 oc->detail.check ? oc->detail.check : "check",
				 oc->detail.cgroup ? " / " : "",
				 oc->detail.cgroup ? oc->detail.cgroup : "",
				 oc->detail.message ? oc->detail.message : "");
			ret = sc_assert_result_note(r, "expected scheduler error", text);
			if (ret == 0) {
				sc_assert_detail_release(&oc->detail);
				continue;
			}
		}
		if (o != i)
			r->outcomes[o] = *oc;
		o++;
	}
	r->n_outcomes = o;
	return ret;
}

int sc_vm_scx_watch_verdict(const struct sc_vm_scx_watch *w, const char *path,
			    const char *expect_pattern, struct sc_assert_result *r)
{
	struct sc_note_value v;
	char text[SC_VM_SCX_TAIL_LINES * SC_VM_SCX_LINE_MAX], msg[1024];
	const char *ops = w->ops[0] ? w->ops : "?";
	bool match = false;
	int ret = 0;

	if (expect_pattern && sc_vm_scx_watch_matches(w, expect_pattern, &match) < 0)
		return -EINVAL;
	if (w->ops[0])
		ret |= note_text(r, "vm.scheduler.ops", w->ops);
	if (path)
		ret |= note_text(r, "vm.scheduler.path", path);
	if (w->enabled) {
		v.type = SC_NOTE_U64;
		v.v.u64 = w->enabled_after_ms;
		ret |= sc_assert_result_note_value(r, "vm.scheduler.enabled_ms", &v);
	}
	v.type = SC_NOTE_BOOL;
	v.v.b = w->failed;
	ret |= sc_assert_result_note_value(r, "vm.scheduler.failed", &v);
	if (w->failed)
		ret |= note_text(r, "vm.scheduler.reason", w->reason);
	if (w->kernel_reason[0])
		ret |= note_text(r, "vm.scheduler.kernel_reason", w->kernel_reason);
	if (expect_pattern)
		ret |= note_text(r, "vm.scheduler.expected_error", expect_pattern);
	if (ret)
		return -ENOMEM;

	if (w->enabled)
		snprintf(msg, sizeof(msg),
			 "sched_ext scheduler %s: ops \"%s\", enabled %llu ms after it started%s%s",
			 path ? path : "?", ops, (unsigned long long)w->enabled_after_ms,
			 w->failed ? "; failed: " : "; stayed enabled for the whole run",
			 w->failed ? w->reason : "");
	else
		snprintf(msg, sizeof(msg), "sched_ext scheduler %s (ops \"%s\") never attached: %s",
			 path ? path : "?", ops, w->reason);
	if ((ret = sc_assert_result_note(r, "scheduler", msg)) < 0)
		return ret;
	sc_vm_scx_tail_text(&w->sched_tail, text, sizeof(text));
	if (text[0] && (ret = sc_assert_result_note(r, "scheduler output (last lines)", text)) < 0)
		return ret;
	sc_vm_scx_tail_text(&w->kernel_tail, text, sizeof(text));
	if (text[0] && (ret = sc_assert_result_note(r, "kernel sched_ext lines (last)", text)) < 0)
		return ret;

	if (!expect_pattern) {
		if (w->failed) {
			snprintf(msg, sizeof(msg), "the scheduler failed: %s", w->reason);
			return outcome(r, SC_OUTCOME_FAIL, msg);
		}
		snprintf(msg, sizeof(msg),
			 "sched_ext scheduler \"%s\" stayed enabled for the whole run", ops);
		return outcome(r, SC_OUTCOME_PASS, msg);
	}
	if (w->failed && match) {
		if ((ret = demote_check_fails(r)) < 0)
			return ret;
		snprintf(msg, sizeof(msg), "the expected scheduler error happened (/%s/): %s",
			 expect_pattern, w->reason);
		return outcome(r, SC_OUTCOME_PASS, msg);
	}
	if (w->failed)
		snprintf(msg, sizeof(msg),
			 "the scheduler failed, but not with the expected error "
			 "(/%s/): %s",
			 expect_pattern, w->reason);
	else
		snprintf(msg, sizeof(msg),
			 "expected a scheduler error matching /%s/; none happened: "
			 "\"%s\" stayed enabled for the whole run",
			 expect_pattern, ops);
	return outcome(r, SC_OUTCOME_FAIL, msg);
}
