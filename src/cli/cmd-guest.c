// SPDX-License-Identifier: MIT
/*
 * `schedcheck guest`: the guest side of VM mode, run as PID 1 by the kernel
 * (rdinit=/bin/schedcheck -- guest). Mounts, finds the virtio-serial port,
 * runs the embedded scenario, streams the result as frames, powers off.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/monitor.h>
#include <schedcheck/scenario.h>
#include <schedcheck/sidecar.h>
#include <schedcheck/vm.h>

#include <schedcheck/files.h>

#include "cli.h"

/* Hard limit on the checks file the host writes. */
#define GUEST_CHECKS_MAX (64u * 1024)

static volatile int guest_stop;
/* Set when the scheduler fails: the run ends early but is still judged. */
static volatile int guest_end;

struct guest_ctx {
	int fd;
	uint64_t last_ms;
	char last_phase[SC_FRAME_PHASE_LABEL_MAX];
	struct sc_vm_scx_watch *scx;   /* NULL without a scheduler, or detached */
	struct sc_vm_scx_watch *watch; /* the scheduler's watch, attached or not */
	char **sched_argv;
	bool attached;
};

static void send_log(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits up to 5 s for sched_ext to leave "enabled" after a detach. */
static bool wait_disabled(void)
{
	int i;

	for (i = 0; i < 500; i++) {
		char state[64] = "";
		FILE *f = fopen("/sys/kernel/sched_ext/state", "re");

		if (f) {
			if (!fgets(state, sizeof(state), f))
				state[0] = '\0';
			fclose(f);
		}
		if (strncmp(state, "enabled", 7))
			return true;
		usleep(10000);
	}
	return false;
}

/* The scenario's scheduler ops: detach, attach, replace (detach + attach). */
static int guest_scheduler_op(void *vctx, enum sc_op_kind kind, char *why, size_t len)
{
	struct guest_ctx *g = vctx;
	struct sc_vm_scx_watch *w = g->watch;
	struct sc_error err;
	int r;

	if (kind == SC_OP_DETACH_SCHEDULER || kind == SC_OP_REPLACE_SCHEDULER) {
		if (!g->attached) {
			snprintf(why, len, "the scheduler is not attached");
			return -EALREADY;
		}
		g->scx = NULL; /* its exit from now on is ours, not a failure */
		sc_vm_scx_watch_close(w, 3000);
		g->attached = false;
		if (!wait_disabled()) {
			snprintf(why, len,
				 "sched_ext still enabled 5 s after stopping the scheduler");
			return -ETIMEDOUT;
		}
		send_log(g->fd, "scheduler \"%s\" detached", w->ops);
	}
	if (kind == SC_OP_ATTACH_SCHEDULER || kind == SC_OP_REPLACE_SCHEDULER) {
		if (g->attached) {
			snprintf(why, len, "the scheduler is already attached");
			return -EALREADY;
		}
		w->stopping = false;
		w->failed = false;
		w->enabled = false;
		w->kernel_reason[0] = w->kernel_detail[0] = w->reason[0] = '\0';
		r = sc_vm_scx_watch_start(w, g->sched_argv, "/sys", 30000, &err);
		if (r < 0) {
			snprintf(why, len, "%s", err.msg);
			return r;
		}
		g->attached = true;
		g->scx = w;
		snprintf(why, len, "\"%s\" enabled after %llu ms", w->ops,
			 (unsigned long long)w->enabled_after_ms);
		send_log(g->fd, "scheduler %s", why);
	}
	return 0;
}

static void send_log(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_log(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* On the console too: it is what a post-mortem reads first. */
	fprintf(stderr, "schedcheck guest: %s\n", buf);
	if (fd >= 0)
		sc_vm_send_frame(fd, SC_FRAME_LOG, buf, strlen(buf));
}

/* The scheduler's output goes to the console (kept on the host as FILE.console.log). */
static void scheduler_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "[scheduler] %s\n", line);
}

/* A progress frame per phase change and at most one per 250 ms otherwise. */
static void guest_progress(void *vctx, const char *phase, uint64_t elapsed_ms, uint64_t total_ms)
{
	struct guest_ctx *g = vctx;
	struct sc_frame_progress p;
	char *payload = NULL;
	size_t len = 0;

	/* The scheduler is watched at every sample: its failure ends the run. */
	if (g->scx && sc_vm_scx_watch_poll(g->scx) == 1) {
		guest_end = 1;
		send_log(g->fd, "the scheduler failed after %.1f s: %s; ending the run",
			 (double)elapsed_ms / 1000.0, g->scx->reason);
	}

	if (!strcmp(phase, g->last_phase) && elapsed_ms < g->last_ms + 250)
		return;
	memset(&p, 0, sizeof(p));
	snprintf(p.phase, sizeof(p.phase), "%s", phase);
	snprintf(g->last_phase, sizeof(g->last_phase), "%s", phase);
	g->last_ms = elapsed_ms;
	p.elapsed_ms = elapsed_ms;
	p.total_ms = total_ms;
	if (sc_frame_progress_encode(&p, &payload, &len) == 0)
		sc_vm_send_frame(g->fd, SC_FRAME_PROGRESS, payload, len);
	free(payload);
}

/* Applies "key=value" lines from the checks file. */
static int apply_checks(const char *path, struct sc_check_config *cfg, struct sc_error *err)
{
	char line[512];
	unsigned n = 0;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (++n > GUEST_CHECKS_MAX / 4) {
			sc_error_set(err, "%s: too many lines", path);
			r = -E2BIG;
			break;
		}
		r = sc_check_config_apply(cfg, line, err);
		if (r < 0)
			break;
	}
	fclose(f);
	return r;
}

/* The scheduler's argv: its path, then the args file's lines. */
static int scheduler_argv(const char *path, const char *args_file, char **argv, char *buf,
			  size_t buf_len)
{
	size_t n = 0, len;
	char *p, *nl;
	FILE *f;

	argv[n++] = (char *)path;
	f = fopen(args_file, "re");
	if (f) {
		len = fread(buf, 1, buf_len - 1, f);
		buf[len] = '\0';
		fclose(f);
		for (p = buf; *p && n < SC_VM_SCX_MAX_ARGS; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl) {
				argv[n++] = p;
				break;
			}
			*nl = '\0';
			argv[n++] = p;
		}
	}
	argv[n] = NULL;
	return (int)n;
}

static void guest_usage(FILE *f)
{
	fprintf(f,
		"usage: schedcheck guest [options]\n\n"
		"The guest side of `schedcheck vm`: the kernel starts it as PID 1. It mounts\n"
		"proc, sys, dev, cgroup2, debugfs and tracefs, runs " SC_VM_GUEST_SCENARIO ",\n"
		"streams the result as frames over the virtio-serial port " SC_VM_PORT_NAME "\n"
		"and powers off. Outside a VM (tests), the options below replace those parts.\n\n"
		"  --port PATH       write frames to PATH (created) instead of the virtio port\n"
		"  --scenario FILE   scenario file (default " SC_VM_GUEST_SCENARIO ")\n"
		"  --checks FILE     KEY=VALUE threshold lines (default " SC_VM_GUEST_CHECKS ")\n"
		"  --cgroup-root DIR existing cgroup under which the run's cgroups go\n"
		"  --no-mount        do not mount anything (default when not PID 1)\n"
		"  --no-poweroff     exit instead of powering off (default when not PID 1)\n");
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* PID 1 must not exit: that panics the kernel. */
	for (;;)
		pause();
}

int sc_cmd_guest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, 's' },
		{ "checks", required_argument, NULL, 'c' },
		{ "cgroup-root", required_argument, NULL, 'r' },
		{ "no-mount", no_argument, NULL, 'M' },
		{ "no-poweroff", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *port = NULL, *scenario = SC_VM_GUEST_SCENARIO, *checks = SC_VM_GUEST_CHECKS;
	const char *cg_root = NULL;
	bool pid1 = getpid() == 1, do_mount, do_poweroff, interrupted = false;
	int c, r, fd = -1, code;
	char port_path[PATH_MAX], warn[512];
	struct sc_cpu_set online = { 0 }, nodes = { 0 };
	struct sc_scenario_env env = { NULL, NULL };
	struct sc_monitor_config mcfg;
	struct sc_frame_hello hello;
	struct guest_ctx gctx;
	struct sc_run_options ro;
	struct sc_scenario scn;
	struct sc_sidecar sc;
	struct sc_error err;
	struct sc_vm_scx_watch scx;
	char *sargv[SC_VM_SCX_MAX_ARGS + 2], sargs[4096];
	bool have_scx = false, scx_ok = false;
	char *payload = NULL;
	size_t len = 0;

	sc_vm_scx_watch_init(&scx);
	do_mount = do_poweroff = pid1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = optarg;
			break;
		case 's':
			scenario = optarg;
			break;
		case 'c':
			checks = optarg;
			break;
		case 'r':
			cg_root = optarg;
			break;
		case 'M':
			do_mount = false;
			break;
		case 'P':
			do_poweroff = false;
			break;
		case 'h':
			guest_usage(stdout);
			return SC_EXIT_PASS;
		default:
			guest_usage(stderr);
			if (pid1)
				power_off();
			return SC_EXIT_USAGE;
		}
	}
	memset(&err, 0, sizeof(err));
	if (do_mount) {
		r = sc_vm_guest_mount_all("/", warn, sizeof(warn), &err);
		if (r < 0)
			fprintf(stderr, "schedcheck guest: %s\n", err.msg);
		else if (warn[0])
			fprintf(stderr, "schedcheck guest: optional mounts failed: %s\n", warn);
	}
	if (port) {
		fd = open(port, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else {
		unsigned tries;

		/* The port may be probed a moment after init starts. */
		for (tries = 0; tries < 200; tries++) {
			if (sc_vm_guest_find_port("/sys", SC_VM_PORT_NAME, port_path,
						  sizeof(port_path), &err) == 0)
				break;
			usleep(10000);
		}
		fd = tries < 200 ? open(port_path, O_WRONLY | O_CLOEXEC) : -1;
	}
	if (fd < 0) {
		fprintf(stderr, "schedcheck guest: no frame channel: %s\n",
			port ? strerror(errno) : err.msg);
		if (do_poweroff)
			power_off();
		return SC_EXIT_ENV;
	}
	hello.protocol = SC_FRAME_PROTOCOL_VERSION;
	hello.schedcheck_version = (char *)SC_VERSION;
	if (sc_frame_hello_encode(&hello, &payload, &len) == 0)
		sc_vm_send_frame(fd, SC_FRAME_HELLO, payload, len);
	free(payload);

	sc_sidecar_init(&sc);
	sc.runs = calloc(1, sizeof(*sc.runs));
	if (!sc.runs) {
		send_log(fd, "out of memory");
		close(fd);
		if (do_poweroff)
			power_off();
		return SC_EXIT_ENV;
	}
	sc.n_runs = 1;
	sc_run_info_init(&sc.runs[0]);
	sc.runs[0].schedcheck_version = strdup(SC_VERSION);
	sc_monitor_config_init(&mcfg);
	if (sc_monitor_collect_run_info(&mcfg, &sc.runs[0], &err) < 0)
		send_log(fd, "run conditions incomplete: %s", err.msg);

	if (sc_cpu_set_read_file("/sys/devices/system/cpu/online", &online) == 0)
		env.online_cpus = &online;
	if (sc_cpu_set_read_file("/sys/devices/system/node/online", &nodes) == 0)
		env.online_nodes = &nodes;
	r = sc_scenario_load_file(scenario, &env, &scn, &err);
	sc_cpu_set_release(&online);
	sc_cpu_set_release(&nodes);
	if (r == 0) {
		r = apply_checks(checks, &scn.checks, &err);
		if (r < 0)
			sc_scenario_release(&scn);
	}
	if (r < 0) {
		send_log(fd, "%s", err.msg);
	} else {
		sc.runs[0].scenario = strdup(scn.name);
		if (access(SC_VM_GUEST_SCHEDULER, X_OK) == 0) {
			/* Issue 5: the scheduler starts before the scenario, watched throughout. */
			scheduler_argv(SC_VM_GUEST_SCHEDULER, SC_VM_GUEST_SCHEDULER_ARGS, sargv,
				       sargs, sizeof(sargs));
			scx.on_line = scheduler_line;
			have_scx = true;
			r = sc_vm_scx_watch_start(&scx, sargv, "/sys", 30000, &err);
			if (r == 0) {
				scx_ok = true;
				send_log(fd, "sched_ext scheduler \"%s\" enabled after %llu ms",
					 scx.ops, (unsigned long long)scx.enabled_after_ms);
				/* The run's conditions again: the scheduler in charge changed. */
				if (sc_monitor_collect_run_info(&mcfg, &sc.runs[0], &err) < 0)
					send_log(fd, "run conditions incomplete: %s", err.msg);
			} else if (r == -EOPNOTSUPP) {
				send_log(fd, "%s", err.msg);
			} else {
				/* It did not attach: that is the scheduler's verdict, not ours. */
				send_log(fd, "%s", err.msg);
				sc_assert_result_init(&sc.result);
				r = 1;
			}
		}
		if (r == 0) {
			sc_run_options_init(&ro);
			ro.cgroup_root = cg_root;
			ro.stop_flag = &guest_stop;
			ro.end_flag = &guest_end;
			ro.allow_sysrq = true; /* a guest may crash itself: that is the test */
			memset(&gctx, 0, sizeof(gctx));
			gctx.fd = fd;
			gctx.scx = scx_ok ? &scx : NULL;
			gctx.watch = &scx;
			gctx.sched_argv = sargv;
			gctx.attached = scx_ok;
			if (scx_ok) {
				ro.scheduler_op = guest_scheduler_op;
				ro.scheduler_ctx = &gctx;
			}
			/*
			 * A stalled worker runs again once the sched_ext watchdog (at most
			 * 30 s) disables the scheduler: spawning outlasts that, so the run
			 * still starts and the failure is judged with what was measured.
			 */
			if (scx_ok)
				ro.worker_timeout_ms = 35000;
			ro.progress = guest_progress;
			ro.progress_ctx = &gctx;
			sc.runs[0].start_unix_ns = sc_cli_realtime_ns();
			r = sc_scenario_run(&scn, &ro, &sc.result, &sc.runs[0], &interrupted, &err);
			sc.runs[0].end_unix_ns = sc_cli_realtime_ns();
			sc.runs[0].interrupted = interrupted;
			if (r < 0)
				send_log(fd, "%s (the partial result is kept)", err.msg);
		}
		if (r == 1)
			r = 0;
		if (have_scx && (r == 0 || scx_ok)) {
			struct sc_error verr;
			int v;

			/* A last look, then stop it (its exit now is ours, not a failure). */
			if (scx_ok && !scx.failed && sc_vm_scx_watch_poll(&scx) == 1)
				send_log(fd, "the scheduler failed at the end of the run: %s",
					 scx.reason);
			if (r < 0 && scx.failed) {
				/* The run broke because the scheduler did: its failure is the
				 * verdict. */
				char note[sizeof(err.msg) + 64];

				snprintf(note, sizeof(note), "the run stopped early: %s", err.msg);
				sc_assert_result_note(&sc.result, "runner", note);
				r = 0;
			}
			sc_vm_scx_watch_close(&scx, 3000);
			v = sc_vm_scx_watch_verdict(
				&scx, SC_VM_GUEST_SCHEDULER,
				scn.expect.has_scheduler_error ? scn.expect.scheduler_error : NULL,
				&sc.result);
			if (v < 0) {
				sc_error_set(&verr, "recording the scheduler's verdict: %s",
					     strerror(-v));
				send_log(fd, "%s", verr.msg);
			}
		} else if (scn.expect.has_scheduler_error && r == 0) {
			struct sc_assert_detail d;

			/* An expected scheduler error without a scheduler cannot pass. */
			sc_assert_detail_init(&d);
			if (sc_assert_detail_set(&d, "scheduler", NULL,
						 "the scenario expects a scheduler error, but no "
						 "scheduler was given (--scheduler)") == 0)
				sc_assert_result_record_fail(&sc.result, &d);
			sc_assert_detail_release(&d);
		}
		sc_scenario_release(&scn);
	}
	if (have_scx)
		sc_vm_scx_watch_close(&scx, 3000);
	{
		struct sc_error serr;
		int s = sc_vm_guest_stream_result(fd, &sc, r < 0 ? r : 0, interrupted,
						  r < 0 ? err.msg : NULL, &serr);

		if (s < 0)
			fprintf(stderr, "schedcheck guest: %s\n", serr.msg);
	}
	fsync(fd);
	close(fd);
	code = r < 0 ? SC_EXIT_ENV : sc_cli_exit_for(sc_assert_result_outcome(&sc.result), 0);
	sc_sidecar_release(&sc);
	if (do_poweroff)
		power_off();
	return code;
}
