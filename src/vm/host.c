// SPDX-License-Identifier: MIT
/*
 * The host side of one VM run: starts qemu (PR_SET_PDEATHSIG, killed and
 * reaped on every path), follows the frames file and the console, enforces
 * the timeout, falls back from a KVM that cannot run the kernel to TCG, and
 * turns a panic, oops, hang, timeout or corrupt stream into a Fail verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/vm.h>

/* Console bytes kept for classification: the tail is what matters. */
#define CONSOLE_KEEP (256u * 1024)
/* Under KVM a guest that has not said hello by then is not going to. */
#define KVM_PROBE_MS 30000u
/* After END the guest powers off; give it this long before killing. */
#define POWEROFF_GRACE_MS 10000u
#define POLL_MS 20u

static const char *const end_names[] = {
#define SC_X_(id, name) [SC_VM_END_##id] = name,
	SC_VM_ENDS(SC_X_)
#undef SC_X_
};

const char *sc_vm_end_name(enum sc_vm_end e)
{
	return (unsigned)e < SC_VM_END_MAX ? end_names[e] : "?";
}

void sc_vm_run_options_init(struct sc_vm_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->memory_mib = 1024;
	o->accel = SC_VM_ACCEL_AUTO;
	o->timeout_ms = 600000;
	sc_vm_topology_parse(SC_VM_DEFAULT_TOPOLOGY, &o->topo, NULL);
}

/* ---- console ------------------------------------------------------------ */

struct console_pattern {
	const char *needle;
	enum sc_vm_end end;
};

/* Order matters only within a line; the earliest line wins. */
static const struct console_pattern console_patterns[] = {
	{ "Kernel panic", SC_VM_END_PANIC },
	{ "sched_ext: BPF scheduler", SC_VM_END_SCHED_EXT }, /* "... disabled (runtime error)" */
	{ "SCHED_EXT", SC_VM_END_SCHED_EXT },
	{ "blocked for more than", SC_VM_END_HUNG_TASK },
	{ "soft lockup", SC_VM_END_SOFTLOCKUP },
	{ "Oops:", SC_VM_END_OOPS },
	{ "BUG: ", SC_VM_END_OOPS },
	{ "general protection fault", SC_VM_END_OOPS },
	{ "sysrq: Trigger a crash", SC_VM_END_PANIC },
};

enum sc_vm_end sc_vm_console_classify(const char *log, size_t len, char *line, size_t line_len)
{
	const char *p = log, *end = log + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), i;
		char buf[512];

		/* A NUL-free, bounded copy of the line to search in. */
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		for (i = 0; i < n; i++)
			if (buf[i] == '\0' || buf[i] == '\r')
				buf[i] = ' ';
		for (i = 0; i < sizeof(console_patterns) / sizeof(console_patterns[0]); i++) {
			/*
			 * "sched_ext: BPF scheduler "x" enabled" and "... disabled
			 * (unregistered from user space)" are a scheduler's normal life.
			 */
			if (console_patterns[i].end == SC_VM_END_SCHED_EXT &&
			    strstr(buf, "sched_ext: BPF scheduler") &&
			    (!strstr(buf, " disabled (") ||
			     strstr(buf, "unregistered from user space")))
				continue;
			if (strstr(buf, console_patterns[i].needle)) {
				if (line && line_len)
					snprintf(line, line_len, "%s", buf);
				return console_patterns[i].end;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return SC_VM_END_OK;
}

void sc_vm_console_tail(const char *log, size_t len, unsigned n, char *out, size_t out_len)
{
	size_t start = len, k, o = 0;
	unsigned lines = 0;

	if (!out_len)
		return;
	/* Ignore a trailing newline, then walk back n lines. */
	while (start > 0 && (log[start - 1] == '\n' || log[start - 1] == '\r'))
		start--;
	len = start;
	while (start > 0) {
		if (log[start - 1] == '\n' && ++lines >= n)
			break;
		start--;
	}
	if (len - start > out_len - 1)
		start = len - (out_len - 1);
	/* Printable text only: a console carries escape sequences and noise. */
	for (k = start; k < len && o + 1 < out_len; k++) {
		unsigned char c = (unsigned char)log[k];

		if (c == 0x1b) {
			/* An escape sequence (ESC c, ESC [ ... final byte): dropped whole. */
			if (k + 1 < len && log[k + 1] == '[') {
				for (k += 2; k < len && !(log[k] >= 0x40 && log[k] <= 0x7e); k++)
					;
			} else {
				k++;
			}
			continue;
		}
		if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f) || c >= 0x80)
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* Reads the last CONSOLE_KEEP bytes of a file (NUL-terminated). */
static char *read_tail(const char *path, size_t *len)
{
	struct stat st;
	off_t off = 0;
	ssize_t n;
	char *buf;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)CONSOLE_KEEP)
		off = st.st_size - (off_t)CONSOLE_KEEP;
	buf = malloc(CONSOLE_KEEP + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	n = pread(fd, buf, CONSOLE_KEEP, off);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* ---- qemu ------------------------------------------------------------------ */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static pid_t spawn_qemu(char **argv, const char *qemu_log, struct sc_error *err)
{
	pid_t parent = getpid(), pid;
	int logfd;

	logfd = open(qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		sc_error_set(err, "%s: %s", qemu_log, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		sc_error_set(err, "fork: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	if (pid == 0) {
		int nul;

		/* qemu dies with us, whatever way we go. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		signal(SIGINT, SIG_IGN); /* Ctrl-C reaches us; we stop qemu ourselves */
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(logfd);
	return pid;
}

/* SIGTERM, a short grace, SIGKILL; always reaps. */
static int stop_qemu(pid_t pid)
{
	int status = 0;
	unsigned i;

	kill(pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Feeds whatever the frames file grew by. */
static void pump_frames(int fd, struct sc_vm_collector *c)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (sc_vm_collector_feed(c, buf, (size_t)n, NULL) < 0)
			return;
	}
}

static bool kvm_cannot_run(const char *qemu_log)
{
	size_t len;
	char *log = read_tail(qemu_log, &len);
	bool bad;

	if (!log)
		return false;
	bad = strstr(log, "KVM internal error") || strstr(log, "failed to set MSR") ||
	      strstr(log, "emulation failure") || strstr(log, "kvm run failed");
	free(log);
	return bad;
}

struct attempt {
	enum sc_vm_end end;
	bool kvm_broken; /* KVM could not run this kernel: retry under TCG */
	int status;
	uint64_t wall_ms, first_frame_ms;
};

static int one_attempt(const struct sc_vm_run_options *o, enum sc_vm_accel accel,
		       struct sc_vm_collector *col, struct attempt *at, struct sc_error *err)
{
	struct sc_vm_qemu_config qc;
	struct sc_argv argv;
	uint64_t t0, end_seen = 0;
	bool exited = false;
	pid_t pid;
	int fd, r;

	memset(at, 0, sizeof(*at));
	memset(&qc, 0, sizeof(qc));
	qc.qemu = o->qemu;
	qc.kernel = o->kernel;
	qc.initrd = o->initrd;
	qc.console_log = o->console_log;
	qc.frames_path = o->frames_path;
	qc.topo = o->topo;
	qc.memory_mib = o->memory_mib;
	qc.accel = accel;
	qc.append = o->append;
	sc_argv_init(&argv);
	r = sc_vm_qemu_argv(&qc, &argv, err);
	if (r < 0)
		return r;
	/* Empty files first, so a read fd exists before qemu writes. */
	fd = open(o->frames_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", o->frames_path, strerror(errno));
		sc_argv_release(&argv);
		return r;
	}
	close(open(o->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	t0 = mono_ms();
	pid = spawn_qemu(argv.v, o->qemu_log, err);
	sc_argv_release(&argv);
	if (pid < 0) {
		close(fd);
		return -ECHILD;
	}
	for (;;) {
		uint64_t now;

		pump_frames(fd, col);
		now = mono_ms();
		if (col->have_hello && !at->first_frame_ms)
			at->first_frame_ms = now - t0;
		if (col->have_end && !end_seen)
			end_seen = now;
		if (waitpid(pid, &at->status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		if (col->error) {
			at->end = SC_VM_END_BAD_STREAM;
			break;
		}
		if (o->stop_flag && *o->stop_flag) {
			at->end = SC_VM_END_INTERRUPTED;
			break;
		}
		if (now - t0 >= o->timeout_ms) {
			at->end = SC_VM_END_TIMEOUT;
			break;
		}
		if (end_seen && now - end_seen >= POWEROFF_GRACE_MS)
			break; /* the result is in; the guest just did not power off */
		if (accel == SC_VM_ACCEL_KVM && !col->have_hello &&
		    (kvm_cannot_run(o->qemu_log) || now - t0 >= KVM_PROBE_MS)) {
			at->kvm_broken = true;
			break;
		}
		sleep_ms(POLL_MS);
	}
	if (!exited)
		at->status = stop_qemu(pid);
	at->wall_ms = mono_ms() - t0;
	/* What arrived before qemu went away. */
	pump_frames(fd, col);
	close(fd);
	if (exited && accel == SC_VM_ACCEL_KVM && !col->have_hello && kvm_cannot_run(o->qemu_log))
		at->kvm_broken = true;
	return 0;
}

static int fail_result(struct sc_sidecar *out, const char *reason, const char *tail)
{
	struct sc_assert_detail d;
	int r;

	sc_assert_detail_init(&d);
	r = sc_assert_detail_set(&d, "vm", NULL, reason);
	if (r == 0)
		r = sc_assert_result_record_fail(&out->result, &d);
	sc_assert_detail_release(&d);
	if (r == 0 && tail && *tail)
		r = sc_assert_result_note(&out->result, "vm console (last lines)", tail);
	return r;
}

int sc_vm_run(const struct sc_vm_run_options *o, struct sc_sidecar *out,
	      struct sc_vm_run_report *rep, struct sc_error *err)
{
	struct sc_vm_collector col;
	struct attempt at;
	enum sc_vm_accel accel;
	struct sc_error cerr;
	char line[512] = "", *log;
	size_t log_len = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	sc_sidecar_init(out);
	accel = sc_vm_accel_resolve(o->accel, "/", rep->accel_why, sizeof(rep->accel_why));
	for (;;) {
		sc_vm_collector_init(&col);
		col.on_progress = o->on_progress;
		col.on_log = o->on_log;
		col.ctx = o->ctx;
		if (o->on_status) {
			char msg[128];

			snprintf(msg, sizeof(msg), "booting under %s", sc_vm_accel_name(accel));
			o->on_status(o->ctx, msg);
		}
		r = one_attempt(o, accel, &col, &at, err);
		if (r < 0) {
			sc_vm_collector_release(&col);
			return r;
		}
		if (at.kvm_broken && o->accel == SC_VM_ACCEL_AUTO) {
			sc_vm_collector_release(&col);
			accel = SC_VM_ACCEL_TCG;
			rep->kvm_fell_back = true;
			snprintf(rep->accel_why, sizeof(rep->accel_why),
				 "KVM could not run this kernel (see %s): fell back to TCG",
				 o->qemu_log);
			continue;
		}
		break;
	}
	rep->accel = accel;
	rep->wall_ms = at.wall_ms;
	rep->first_frame_ms = at.first_frame_ms;
	rep->qemu_status = at.status;

	if (col.have_end) {
		rep->guest_status = col.end.status;
		rep->guest_interrupted = col.end.interrupted;
		snprintf(rep->guest_error, sizeof(rep->guest_error), "%s",
			 col.end.error ? col.end.error : "");
	}
	log = read_tail(o->console_log, &log_len);
	if (at.end == SC_VM_END_OK && col.have_end) {
		r = sc_vm_collector_finish(&col, out, &cerr);
		if (r < 0) {
			at.end = SC_VM_END_BAD_STREAM;
			if (snprintf(rep->reason, sizeof(rep->reason), "corrupt result stream: %s",
				     cerr.msg) >= (int)sizeof(rep->reason))
				rep->reason[sizeof(rep->reason) - 2] = '~';
		}
	} else if (at.end == SC_VM_END_BAD_STREAM) {
		if (snprintf(rep->reason, sizeof(rep->reason), "corrupt result stream: %s",
			     col.last_error.msg) >= (int)sizeof(rep->reason))
			rep->reason[sizeof(rep->reason) - 2] = '~';
	}
	if (at.end == SC_VM_END_OK && !col.have_end) {
		enum sc_vm_end k = log ? sc_vm_console_classify(log, log_len, line, sizeof(line))
				       : SC_VM_END_OK;

		at.end = k != SC_VM_END_OK ? k : SC_VM_END_NO_RESULT;
		if (k != SC_VM_END_OK)
			snprintf(rep->reason, sizeof(rep->reason), "guest %s: %s",
				 sc_vm_end_name(k), line);
		else if (at.kvm_broken)
			snprintf(rep->reason, sizeof(rep->reason),
				 "KVM could not run the kernel (--accel kvm); see %s", o->qemu_log);
		else
			snprintf(rep->reason, sizeof(rep->reason),
				 "the guest stopped without a result (qemu wait status 0x%x; see "
				 "%s and %s)",
				 at.status, o->console_log, o->qemu_log);
	} else if (at.end == SC_VM_END_TIMEOUT) {
		enum sc_vm_end k = log ? sc_vm_console_classify(log, log_len, line, sizeof(line))
				       : SC_VM_END_OK;

		snprintf(rep->reason, sizeof(rep->reason), "timeout: no result after %llu s%s%s%s",
			 (unsigned long long)(o->timeout_ms / 1000),
			 k ? " (the console shows " : "", k ? sc_vm_end_name(k) : "", k ? ")" : "");
	} else if (at.end == SC_VM_END_INTERRUPTED) {
		snprintf(rep->reason, sizeof(rep->reason), "interrupted: the guest was stopped");
	}
	rep->end = at.end;
	if (at.end != SC_VM_END_OK) {
		if (log)
			sc_vm_console_tail(log, log_len, SC_VM_CONSOLE_TAIL_LINES,
					   rep->console_tail, sizeof(rep->console_tail));
		/* Whatever the guest managed to send before is dropped: no END, no trust. */
		sc_sidecar_release(out);
		sc_sidecar_init(out);
		r = fail_result(out, rep->reason, rep->console_tail);
		if (r < 0) {
			free(log);
			sc_vm_collector_release(&col);
			sc_error_set(err, "out of memory");
			return r;
		}
	}
	free(log);
	sc_vm_collector_release(&col);
	return 0;
}
