// SPDX-License-Identifier: MIT
/*
 * `schedcheck run`, `list`, `show-scenario` and `checks`: from a scenario to
 * a verdict, with a report on the terminal, a sidecar on disk and an exit
 * code; plus the commands that show what can be run and checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/cgroup.h>
#include <schedcheck/files.h>
#include <schedcheck/monitor.h>
#include <schedcheck/report.h>
#include <schedcheck/scenario.h>
#include <schedcheck/sidecar.h>

#include "cli.h"

static volatile sig_atomic_t stop_flag;
static volatile int stop_flag_int;

static void on_signal(int sig)
{
	if (stop_flag) {
		/* Second signal: no more patience. Async-signal-safe cleanup, then out. */
		sc_cgroup_emergency_cleanup_all();
		_exit(SC_EXIT_INTERRUPTED);
	}
	stop_flag = sig;
	stop_flag_int = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void show_progress(void *ctx, const char *phase, uint64_t elapsed_ms, uint64_t total_ms)
{
	(void)ctx;
	fprintf(stderr, "\r\033[K[%s] %.1f / %.1f s", phase, (double)elapsed_ms / 1000.0,
		(double)total_ms / 1000.0);
	fflush(stderr);
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: schedcheck run [options] [SCENARIO | FILE.json]\n\n"
		"Runs a canned scenario (see `schedcheck list`; default: %s) or a scenario file\n"
		"on this host and gives a verdict.\n\n"
		"  -o, --output FILE     sidecar path (default: a new file in "
		"$SCHEDCHECK_RESULTS_DIR,\n"
		"                        /var/lib/schedcheck/results as root, else\n"
		"                        ~/.local/state/schedcheck/results)\n"
		"      --json            print the result as JSON on stdout instead of the report\n"
		"  -c, --check KEY=VALUE override a check threshold (repeatable; VALUE may be "
		"'off');\n"
		"                        see `schedcheck checks`\n"
		"      --strict          a skipped run exits 5 instead of 0\n"
		"  -v, --verbose         list passing checks too\n"
		"      --cgroup-root DIR existing cgroup under which the run's cgroups go\n"
		"      --no-progress     no progress line even on a terminal\n\n"
		"exit codes: 0 pass (or skip), 1 fail, 2 bad input, 3 inconclusive, 4 environment\n"
		"error, 5 skip with --strict, 130 interrupted (partial result written)\n",
		SC_DEFAULT_SCENARIO);
}

int sc_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "check", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "cgroup-root", required_argument, NULL, 'r' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL, *cg_root = NULL, *which;
	char **checks = NULL, path_buf[PATH_MAX], dir[PATH_MAX];
	size_t n_checks = 0, k;
	int json = 0, strict = 0, verbose = 0, want_progress = 1, c, r, code;
	struct sc_cpu_set online = { 0 }, nodes = { 0 };
	struct sc_scenario_env env = { NULL, NULL };
	struct sc_scenario scn;
	struct sc_sidecar sc;
	struct sc_run_options ro;
	struct sc_monitor_config mcfg;
	struct sc_error err;
	bool interrupted = false;

	optind = 1;
	checks = calloc((size_t)argc + 1, sizeof(*checks));
	if (!checks)
		return SC_EXIT_ENV;
	while ((c = getopt_long(argc, argv, "o:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			checks[n_checks++] = optarg;
			break;
		case 's':
			strict = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'r':
			cg_root = optarg;
			break;
		case 'P':
			want_progress = 0;
			break;
		case 'h':
			run_usage(stdout);
			free(checks);
			return SC_EXIT_PASS;
		default:
			run_usage(stderr);
			free(checks);
			return SC_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "schedcheck run: one scenario at a time (got %d)\n", argc - optind);
		free(checks);
		return SC_EXIT_USAGE;
	}
	which = optind < argc ? argv[optind] : SC_DEFAULT_SCENARIO;
	if (sc_cpu_set_read_file("/sys/devices/system/cpu/online", &online) == 0)
		env.online_cpus = &online;
	if (sc_cpu_set_read_file("/sys/devices/system/node/online", &nodes) == 0)
		env.online_nodes = &nodes;
	r = sc_scenario_load_file(which, &env, &scn, &err);
	sc_cpu_set_release(&online);
	sc_cpu_set_release(&nodes);
	if (r < 0) {
		fprintf(stderr, "schedcheck run: %s\n", err.msg);
		free(checks);
		return r == -ENOMEM ? SC_EXIT_ENV : SC_EXIT_USAGE;
	}
	for (k = 0; k < n_checks; k++) {
		if (sc_check_config_apply(&scn.checks, checks[k], &err) < 0) {
			fprintf(stderr, "schedcheck run: %s\n", err.msg);
			sc_scenario_release(&scn);
			free(checks);
			return SC_EXIT_USAGE;
		}
	}
	free(checks);

	/* Where the sidecar goes is settled before anything runs. */
	if (!out_path) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];

		sc_cli_results_dir(dir, sizeof(dir));
		r = sc_mkdir_p(dir, 0755);
		if (r < 0) {
			fprintf(stderr, "schedcheck run: results directory %s: %s (use -o)\n", dir,
				strerror(-r));
			sc_scenario_release(&scn);
			return SC_EXIT_ENV;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (snprintf(path_buf, sizeof(path_buf), "%s/%s-%s-%d.json", dir, scn.name, stamp,
			     (int)getpid()) >= (int)sizeof(path_buf)) {
			fprintf(stderr,
				"schedcheck run: results directory path too long (use -o)\n");
			sc_scenario_release(&scn);
			return SC_EXIT_ENV;
		}
		out_path = path_buf;
	}

	sc_sidecar_init(&sc);
	sc.runs = calloc(1, sizeof(*sc.runs));
	if (!sc.runs) {
		sc_scenario_release(&scn);
		return SC_EXIT_ENV;
	}
	sc.n_runs = 1;
	sc_run_info_init(&sc.runs[0]);
	sc.runs[0].schedcheck_version = strdup(SC_VERSION);
	sc.runs[0].scenario = strdup(scn.name);
	sc.runs[0].argv = calloc((size_t)argc + 2, sizeof(char *));
	if (sc.runs[0].argv) {
		sc.runs[0].argv[0] = strdup("schedcheck");
		for (c = 0; c < argc; c++)
			sc.runs[0].argv[c + 1] = strdup(argv[c]);
		sc.runs[0].argc = (size_t)argc + 1;
	}
	sc_monitor_config_init(&mcfg);
	if (sc_monitor_collect_run_info(&mcfg, &sc.runs[0], &err) < 0)
		fprintf(stderr, "schedcheck run: warning: run conditions incomplete: %s\n",
			err.msg);

	install_signals();
	sc_run_options_init(&ro);
	ro.cgroup_root = cg_root;
	ro.stop_flag = &stop_flag_int;
	if (want_progress && !json && isatty(STDERR_FILENO))
		ro.progress = show_progress;
	sc.runs[0].start_unix_ns = sc_cli_realtime_ns();
	r = sc_scenario_run(&scn, &ro, &sc.result, &sc.runs[0], &interrupted, &err);
	sc.runs[0].end_unix_ns = sc_cli_realtime_ns();
	sc.runs[0].interrupted = interrupted;
	if (ro.progress)
		fprintf(stderr, "\r\033[K");
	if (r < 0) {
		char why[SC_ERROR_MSG_MAX + 64];

		fprintf(stderr, "schedcheck run: %s (the partial result is kept)\n", err.msg);
		snprintf(why, sizeof(why), "the run did not complete: %s", err.msg);
		sc_cli_mark_incomplete(&sc.result, why);
	}

	{
		int w = sc_cli_emit_result("run", &sc, out_path, json, verbose, NULL);

		if (w < 0 && r == 0)
			r = w;
	}
	if (interrupted)
		code = SC_EXIT_INTERRUPTED;
	else if (r < 0)
		code = SC_EXIT_ENV;
	else
		code = sc_cli_exit_for(sc_assert_result_outcome(&sc.result), strict);
	sc_sidecar_release(&sc);
	sc_scenario_release(&scn);
	return code;
}

int sc_cmd_list(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: schedcheck list\n\nLists the canned scenarios built into "
		       "schedcheck.\n");
		return SC_EXIT_PASS;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: schedcheck list\n");
		return SC_EXIT_USAGE;
	}
	for (i = 0; i < sc_canned_count(); i++)
		printf("%-18s %s\n", sc_canned_name(i), sc_canned_summary(i));
	return SC_EXIT_PASS;
}

int sc_cmd_show_scenario(int argc, char **argv)
{
	const char *json;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: schedcheck show-scenario NAME\n\nPrints a canned scenario as JSON, "
			"to start a new scenario file from.\n");
		return argc == 2 ? SC_EXIT_PASS : SC_EXIT_USAGE;
	}
	json = sc_canned_json(argv[1]);
	if (!json) {
		fprintf(stderr,
			"schedcheck show-scenario: no canned scenario '%s' (see `schedcheck "
			"list`)\n",
			argv[1]);
		return SC_EXIT_USAGE;
	}
	fputs(json, stdout);
	return SC_EXIT_PASS;
}

int sc_cmd_checks(int argc, char **argv)
{
	int i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: schedcheck checks\n\nLists every check, its threshold key, default "
		       "and unit.\n");
		return SC_EXIT_PASS;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: schedcheck checks\n");
		return SC_EXIT_USAGE;
	}
	printf("%-22s %-32s %10s %-12s %s\n", "CHECK", "THRESHOLD KEY", "DEFAULT", "UNIT", "WHAT");
	for (i = 0; i < SC_CHECK_MAX; i++) {
		const struct sc_check_def *d = sc_check_def_at((enum sc_check_id)i);
		char dflt[32];

		if (isnan(d->default_value))
			snprintf(dflt, sizeof(dflt), "off");
		else if (i == SC_CHECK_ISOLATION)
			snprintf(dflt, sizeof(dflt), "on");
		else
			snprintf(dflt, sizeof(dflt), "%g", d->default_value);
		printf("%-22s %-32s %10s %-12s %s\n", d->name, d->key, dflt, d->unit,
		       d->description);
	}
	printf("\nSet per scenario under \"checks\" or per run with --check KEY=VALUE "
	       "(VALUE 'off' disables).\n");
	return SC_EXIT_PASS;
}
