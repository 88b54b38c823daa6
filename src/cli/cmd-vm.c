// SPDX-License-Identifier: MIT
/*
 * `schedcheck vm`: runs a scenario in a fresh qemu guest with a chosen CPU
 * topology and renders the same report, sidecar and exit code as `run`,
 * plus how the guest was run (kernel, topology, accelerator).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/report.h>
#include <schedcheck/scenario.h>
#include <schedcheck/sidecar.h>
#include <schedcheck/vm.h>

#include <schedcheck/files.h>

#include "cli.h"

static volatile sig_atomic_t vm_signal;
static volatile int vm_stop;

static void vm_on_signal(int sig)
{
	vm_signal = sig;
	vm_stop = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void vm_usage(FILE *f)
{
	fprintf(f,
		"usage: schedcheck vm [options] [SCENARIO | FILE.json] [-- SCHEDULER ARGS]\n\n"
		"Boots a kernel in qemu with the chosen CPU topology, runs the scenario inside\n"
		"(schedcheck is the guest's PID 1) and gives the same verdict, report and\n"
		"sidecar as `schedcheck run`. docs/vm.md has the details.\n\n"
		"  --kernel PATH         kernel image (default: $SCHEDCHECK_KERNEL, then the "
		"newest\n"
		"                        <cache>/kernels/*/boot/vmlinuz-*, then "
		"/boot/vmlinuz-$(uname -r))\n"
		"  --topology SPEC       a preset (--list-topologies) or N,L,C,T: NUMA nodes, "
		"LLCs\n"
		"                        per node, cores per LLC, threads per core (default %s)\n"
		"  --memory MIB          guest memory, split evenly over the nodes (default 1024)\n"
		"  --accel auto|kvm|tcg  auto: KVM when it can run the kernel, else TCG (default)\n"
		"  --timeout S           whole run, boot included (default: scenario + 300 s)\n"
		"  --scheduler PATH|NAME sched_ext scheduler started in the guest first and "
		"watched\n"
		"                        for the whole run (its failure is a Fail); a NAME such "
		"as\n"
		"                        scx_simple is one built by `schedcheck kernel "
		"schedulers`;\n"
		"                        its arguments follow `--` at the end. Without --kernel, "
		"the\n"
		"                        newest cached sched_ext kernel is used "
		"(docs/sched_ext.md)\n"
		"  --guest-binary PATH   the static schedcheck for the guest (default: this one "
		"if\n"
		"                        static, else schedcheck-static beside it, "
		"$SCHEDCHECK_GUEST_BIN)\n"
		"  --busybox PATH        static busybox for the guest (default /bin/busybox)\n"
		"  --initrd-compression none|gzip  (default none: faster to unpack under TCG)\n"
		"  --append TEXT         extra kernel command line\n"
		"  -o, --output FILE     sidecar path; FILE.console.log, FILE.qemu.log and\n"
		"                        FILE.frames go beside it\n"
		"      --json            print the result as JSON on stdout instead of the report\n"
		"  -c, --check KEY=VALUE override a check threshold (repeatable)\n"
		"      --strict          a skipped run exits 5 instead of 0\n"
		"  -v, --verbose         list passing checks too\n"
		"      --no-progress     no progress line\n"
		"      --list-topologies print the topology presets and exit\n"
		"      --print-qemu      print the qemu command line and exit\n"
		"      --prepare-only    build (or find) the initramfs, print its path and exit\n"
		"      --decode-frames FILE  read a saved guest stream (FILE.frames), check it "
		"like\n"
		"                        the host does and render its result (2: corrupt "
		"stream)\n\n"
		"cache: $SCHEDCHECK_CACHE_DIR, else /var/cache/schedcheck as root, else\n"
		"$XDG_CACHE_HOME/schedcheck or ~/.cache/schedcheck\n"
		"exit codes: as `schedcheck run`; a guest panic, oops, hang or timeout is a fail "
		"(1)\n",
		SC_VM_DEFAULT_TOPOLOGY);
}

static void list_topologies(void)
{
	const struct sc_vm_topology_preset *p;
	char spec[64];
	size_t i;

	printf("%-12s %-9s %5s %s\n", "PRESET", "N,L,C,T", "CPUS", "WHAT");
	for (i = 0; (p = sc_vm_topology_preset_at(i)); i++) {
		sc_vm_topology_format(&p->topo, spec, sizeof(spec));
		printf("%-12s %-9s %5u %s\n", p->name, spec, sc_vm_topology_cpus(&p->topo),
		       p->summary);
	}
}

struct vm_ui {
	bool progress;
};

static void ui_progress(void *ctx, const struct sc_frame_progress *p)
{
	struct vm_ui *ui = ctx;

	if (!ui->progress)
		return;
	fprintf(stderr, "\r\033[K[guest %s] %.1f / %.1f s", p->phase,
		(double)p->elapsed_ms / 1000.0, (double)p->total_ms / 1000.0);
	fflush(stderr);
}

static void ui_log(void *ctx, const char *text)
{
	struct vm_ui *ui = ctx;

	fprintf(stderr, "%sguest: %s\n", ui->progress ? "\r\033[K" : "", text);
}

static void ui_status(void *ctx, const char *what)
{
	struct vm_ui *ui = ctx;

	if (ui->progress)
		fprintf(stderr, "\r\033[K[vm] %s", what);
}

static int note_text(struct sc_assert_result *r, const char *key, const char *text)
{
	struct sc_note_value v;

	v.type = SC_NOTE_TEXT;
	v.v.text = (char *)text;
	return sc_assert_result_note_value(r, key, &v);
}

static int note_u64(struct sc_assert_result *r, const char *key, uint64_t x)
{
	struct sc_note_value v;

	v.type = SC_NOTE_U64;
	v.v.u64 = x;
	return sc_assert_result_note_value(r, key, &v);
}

/* Replays a saved frame stream through the host collector. */
static int decode_frames(const char *path, int json, int verbose)
{
	struct sc_vm_collector col;
	struct sc_sidecar sc;
	struct sc_error err;
	char buf[65536];
	int fd, r = 0, code;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "schedcheck vm: %s: %s\n", path, strerror(errno));
		return SC_EXIT_USAGE;
	}
	sc_vm_collector_init(&col);
	while (r == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sc_error_set(&err, "%s: %s", path, strerror(errno));
			r = -EIO;
			break;
		}
		r = sc_vm_collector_feed(&col, buf, (size_t)n, &err);
	}
	close(fd);
	if (r == 0)
		r = sc_vm_collector_finish(&col, &sc, &err);
	sc_vm_collector_release(&col);
	if (r < 0) {
		fprintf(stderr, "schedcheck vm: %s: %s\n", path, err.msg);
		return r == -EIO || r == -ENOMEM ? SC_EXIT_ENV : SC_EXIT_USAGE;
	}
	if (json) {
		char *jt = NULL;
		size_t jl = 0;

		if (sc_sidecar_to_json(&sc, true, &jt, &jl) == 0) {
			fwrite(jt, 1, jl, stdout);
			fputc('\n', stdout);
		}
		free(jt);
	} else {
		sc_report_write(stdout, &sc, verbose);
	}
	code = sc_cli_exit_for(sc_assert_result_outcome(&sc.result), 0);
	sc_sidecar_release(&sc);
	return code;
}

int sc_cmd_vm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "topology", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "accel", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "scheduler", required_argument, NULL, 'S' },
		{ "guest-binary", required_argument, NULL, 'g' },
		{ "busybox", required_argument, NULL, 'b' },
		{ "initrd-compression", required_argument, NULL, 'z' },
		{ "append", required_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "check", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "list-topologies", no_argument, NULL, 'L' },
		{ "print-qemu", no_argument, NULL, 'Q' },
		{ "prepare-only", no_argument, NULL, 'R' },
		{ "decode-frames", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kernel_arg = NULL, *topo_arg = SC_VM_DEFAULT_TOPOLOGY, *out_path = NULL;
	const char *guest_arg = NULL, *busybox = NULL, *scheduler = NULL, *append = NULL, *which;
	char kernel[PATH_MAX], guest_bin[PATH_MAX], self[PATH_MAX], cache[PATH_MAX];
	char initrd[PATH_MAX], dir[PATH_MAX], path_buf[PATH_MAX], console[PATH_MAX + 16];
	char qemu_log[PATH_MAX + 16], frames[PATH_MAX + 16], spec[64], *text = NULL;
	char *checks_text = NULL, *end;
	size_t text_len = 0, checks_len = 0, k;
	uint64_t memory_mib = 1024, timeout_s = 0, t_prep;
	enum sc_vm_accel accel = SC_VM_ACCEL_AUTO;
	enum sc_vm_initramfs_compression comp = SC_VM_INITRD_NONE;
	int json = 0, strict = 0, verbose = 0, progress = 1, print_qemu = 0, prepare_only = 0;
	int c, r, code = SC_EXIT_ENV;
	struct sc_vm_topology topo;
	struct sc_cpu_set cpus = { 0 }, nodes = { 0 };
	struct sc_scenario_env env;
	struct sc_vm_initramfs_inputs in;
	struct sc_vm_run_options ro;
	struct sc_vm_run_report rep;
	struct sc_scenario scn;
	struct sc_sidecar sc;
	struct sc_error err;
	struct vm_ui ui = { false };
	struct sigaction sa;
	bool hit = false, have_scn = false;
	char sched_path[PATH_MAX], *sched_args = NULL;
	int full_argc = argc;
	ssize_t sl;
	uint32_t i;

	optind = 1;
	memset(&err, 0, sizeof(err));
	/* `-- ARGS` after everything else: the scheduler's arguments. */
	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--"))
			continue;
		{
			size_t need = 1;
			int k2;

			for (k2 = c + 1; k2 < argc; k2++) {
				if (strchr(argv[k2], '\n')) {
					fprintf(stderr,
						"schedcheck vm: a scheduler argument holds a "
						"newline\n");
					return SC_EXIT_USAGE;
				}
				need += strlen(argv[k2]) + 1;
			}
			if (argc - c - 1 > (int)SC_VM_SCX_MAX_ARGS - 1 || need > 4000) {
				fprintf(stderr, "schedcheck vm: too many scheduler arguments\n");
				return SC_EXIT_USAGE;
			}
			if (argc - c - 1 > 0) {
				size_t o = 0;

				sched_args = malloc(need);
				if (!sched_args)
					return SC_EXIT_ENV;
				for (k2 = c + 1; k2 < argc; k2++)
					o += (size_t)snprintf(sched_args + o, need - o, "%s\n",
							      argv[k2]);
			}
		}
		argc = c;
		break;
	}
	while ((c = getopt_long(argc, argv, "o:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel_arg = optarg;
			break;
		case 't':
			topo_arg = optarg;
			break;
		case 'm':
			errno = 0;
			memory_mib = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || memory_mib < SC_VM_MIN_MEMORY_MIB ||
			    memory_mib > SC_VM_MAX_MEMORY_MIB) {
				fprintf(stderr, "schedcheck vm: --memory: %u..%u MiB\n",
					SC_VM_MIN_MEMORY_MIB, SC_VM_MAX_MEMORY_MIB);
				return SC_EXIT_USAGE;
			}
			break;
		case 'a':
			if (sc_vm_accel_parse(optarg, &accel) < 0) {
				fprintf(stderr, "schedcheck vm: --accel: auto, kvm or tcg\n");
				return SC_EXIT_USAGE;
			}
			break;
		case 'T':
			errno = 0;
			timeout_s = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || !timeout_s ||
			    timeout_s > 7 * 24 * 3600) {
				fprintf(stderr, "schedcheck vm: --timeout: 1..604800 seconds\n");
				return SC_EXIT_USAGE;
			}
			break;
		case 'S':
			scheduler = optarg;
			break;
		case 'g':
			guest_arg = optarg;
			break;
		case 'b':
			busybox = optarg;
			break;
		case 'z':
			if (sc_vm_initramfs_compression_parse(optarg, &comp) < 0) {
				fprintf(stderr,
					"schedcheck vm: --initrd-compression: none or gzip\n");
				return SC_EXIT_USAGE;
			}
			break;
		case 'A':
			append = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			/* Validated against the scenario below; sent to the guest as lines. */
			if (checks_len + strlen(optarg) + 2 > 64 * 1024) {
				fprintf(stderr, "schedcheck vm: too many --check options\n");
				free(checks_text);
				free(sched_args);
				return SC_EXIT_USAGE;
			}
			{
				char *p = realloc(checks_text, checks_len + strlen(optarg) + 2);

				if (!p) {
					free(checks_text);
					free(sched_args);
					return SC_EXIT_ENV;
				}
				checks_text = p;
				checks_len += (size_t)snprintf(checks_text + checks_len,
							       strlen(optarg) + 2, "%s\n", optarg);
			}
			break;
		case 's':
			strict = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'P':
			progress = 0;
			break;
		case 'L':
			list_topologies();
			free(checks_text);
			free(sched_args);
			return SC_EXIT_PASS;
		case 'Q':
			print_qemu = 1;
			break;
		case 'R':
			prepare_only = 1;
			break;
		case 'D':
			free(checks_text);
			free(sched_args);
			return decode_frames(optarg, json, verbose);
		case 'h':
			vm_usage(stdout);
			free(checks_text);
			free(sched_args);
			return SC_EXIT_PASS;
		default:
			vm_usage(stderr);
			free(checks_text);
			free(sched_args);
			return SC_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "schedcheck vm: one scenario at a time (got %d)\n", argc - optind);
		free(checks_text);
		free(sched_args);
		return SC_EXIT_USAGE;
	}
	if (sc_vm_topology_parse(topo_arg, &topo, &err) < 0) {
		fprintf(stderr, "schedcheck vm: %s\n", err.msg);
		free(checks_text);
		free(sched_args);
		return SC_EXIT_USAGE;
	}
	if (memory_mib / topo.nodes < 64) {
		fprintf(stderr, "schedcheck vm: --memory %llu is less than 64 MiB per node\n",
			(unsigned long long)memory_mib);
		free(checks_text);
		free(sched_args);
		return SC_EXIT_USAGE;
	}

	/* The scenario text goes into the guest; it is validated here against the topology. */
	which = optind < argc ? argv[optind] : SC_DEFAULT_SCENARIO;
	r = sc_scenario_read_text(which, &text, &text_len, &err);
	if (r < 0) {
		fprintf(stderr, "schedcheck vm: %s\n", err.msg);
		free(checks_text);
		free(sched_args);
		return r == -ENOMEM ? SC_EXIT_ENV : SC_EXIT_USAGE;
	}
	for (i = 0; i < sc_vm_topology_cpus(&topo); i++)
		sc_cpu_set_add(&cpus, i);
	for (i = 0; i < topo.nodes; i++)
		sc_cpu_set_add(&nodes, i);
	env.online_cpus = &cpus;
	env.online_nodes = &nodes;
	r = sc_scenario_parse(text, text_len, which, &env, &scn, &err);
	sc_cpu_set_release(&cpus);
	sc_cpu_set_release(&nodes);
	if (r < 0) {
		sc_vm_topology_format(&topo, spec, sizeof(spec));
		fprintf(stderr, "schedcheck vm: %s (topology %s)\n", err.msg, spec);
		goto out_usage;
	}
	have_scn = true;
	for (k = 0, end = checks_text; end && *end; k++) {
		char *nl = strchr(end, '\n');

		*nl = '\0';
		r = sc_check_config_apply(&scn.checks, end, &err);
		*nl = '\n';
		if (r < 0) {
			fprintf(stderr, "schedcheck vm: %s\n", err.msg);
			goto out_usage;
		}
		end = nl + 1;
	}
	if (!timeout_s)
		timeout_s = sc_scenario_duration_ms(&scn) / 1000 + 300;

	if (scn.expect.has_scheduler_error && !scheduler) {
		fprintf(stderr,
			"schedcheck vm: %s expects a scheduler error "
			"(expect.scheduler_error); pass --scheduler\n",
			which);
		goto out_usage;
	}
	if (sched_args && !scheduler) {
		fprintf(stderr, "schedcheck vm: arguments after -- are the scheduler's; pass "
				"--scheduler\n");
		goto out_usage;
	}

	/* Kernel (a cached sched_ext one first when there is a scheduler), guest binary, busybox,
	 * cache. */
	if (sc_vm_find_kernel_for(kernel_arg, scheduler != NULL, kernel, sizeof(kernel), &err) <
	    0) {
		fprintf(stderr, "schedcheck vm: %s\n", err.msg);
		goto out_env;
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sl > 0 ? sl : 0] = '\0';
	if (sc_vm_find_guest_binary(guest_arg, sl > 0 ? self : NULL, guest_bin, sizeof(guest_bin),
				    &err) < 0) {
		fprintf(stderr, "schedcheck vm: %s\n", err.msg);
		goto out_env;
	}
	if (!busybox && access("/bin/busybox", X_OK) == 0)
		busybox = "/bin/busybox";
	if (busybox) {
		bool st = false;

		if (sc_vm_elf_is_static(busybox, &st, &err) < 0 || !st) {
			fprintf(stderr, "schedcheck vm: %s: %s\n", busybox,
				st ? err.msg : "not a static busybox (Debian: busybox-static)");
			goto out_env;
		}
	}
	if (sc_vm_cache_dir(cache, sizeof(cache)) < 0) {
		fprintf(stderr, "schedcheck vm: no cache directory (set $SCHEDCHECK_CACHE_DIR)\n");
		goto out_env;
	}
	/* `--scheduler scx_simple`: the one built for this kernel (`schedcheck kernel schedulers`).
	 */
	if (scheduler && !strchr(scheduler, '/') && access(scheduler, F_OK) != 0) {
		if (sc_vm_kbuild_find_scheduler(cache, kernel, scheduler, sched_path,
						sizeof(sched_path), &err) < 0) {
			fprintf(stderr, "schedcheck vm: %s\n", err.msg);
			goto out_env;
		}
		scheduler = sched_path;
	}
	if (scheduler && access(scheduler, X_OK) != 0) {
		fprintf(stderr, "schedcheck vm: scheduler %s: %s\n", scheduler, strerror(errno));
		goto out_env;
	}
	memset(&in, 0, sizeof(in));
	in.guest_binary = guest_bin;
	in.busybox = busybox;
	in.scheduler = scheduler;
	in.scenario_json = text;
	in.scenario_len = text_len;
	in.checks = checks_text;
	in.compression = comp;
	in.scheduler_args = sched_args;
	t_prep = mono_ms();
	r = sc_vm_initramfs_prepare(&in, cache, initrd, sizeof(initrd), &hit, &err);
	t_prep = mono_ms() - t_prep;
	if (r < 0) {
		fprintf(stderr, "schedcheck vm: %s\n", err.msg);
		goto out_env;
	}
	if (prepare_only) {
		printf("%s\n", initrd);
		fprintf(stderr, "initramfs %s in %llu ms (kernel %s)\n", hit ? "cached" : "built",
			(unsigned long long)t_prep, kernel);
		code = SC_EXIT_PASS;
		goto out;
	}

	/* Where everything goes. */
	if (!out_path) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];

		sc_cli_results_dir(dir, sizeof(dir));
		if (sc_mkdir_p(dir, 0755) < 0) {
			fprintf(stderr, "schedcheck vm: results directory %s: %s (use -o)\n", dir,
				strerror(errno));
			goto out_env;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (snprintf(path_buf, sizeof(path_buf), "%s/%s-vm-%s-%d.json", dir, scn.name,
			     stamp, (int)getpid()) >= (int)sizeof(path_buf)) {
			fprintf(stderr,
				"schedcheck vm: results directory path too long (use -o)\n");
			goto out_env;
		}
		out_path = path_buf;
	}
	{
		size_t n = strlen(out_path);

		if (n > 5 && !strcmp(out_path + n - 5, ".json"))
			n -= 5;
		snprintf(console, sizeof(console), "%.*s.console.log", (int)n, out_path);
		snprintf(qemu_log, sizeof(qemu_log), "%.*s.qemu.log", (int)n, out_path);
		snprintf(frames, sizeof(frames), "%.*s.frames", (int)n, out_path);
	}

	sc_vm_run_options_init(&ro);
	ro.kernel = kernel;
	ro.initrd = initrd;
	ro.console_log = console;
	ro.qemu_log = qemu_log;
	ro.frames_path = frames;
	ro.topo = topo;
	ro.memory_mib = memory_mib;
	ro.accel = accel;
	ro.append = append;
	ro.timeout_ms = timeout_s * 1000;
	ro.stop_flag = &vm_stop;
	ui.progress = progress && !json && isatty(STDERR_FILENO);
	ro.on_progress = ui_progress;
	ro.on_log = ui_log;
	ro.on_status = ui_status;
	ro.ctx = &ui;
	if (print_qemu) {
		struct sc_vm_qemu_config qc;
		struct sc_argv av;

		memset(&qc, 0, sizeof(qc));
		qc.kernel = kernel;
		qc.initrd = initrd;
		qc.console_log = console;
		qc.frames_path = frames;
		qc.topo = topo;
		qc.memory_mib = memory_mib;
		qc.accel = sc_vm_accel_resolve(accel, "/", NULL, 0);
		qc.append = append;
		sc_argv_init(&av);
		if (sc_vm_qemu_argv(&qc, &av, &err) < 0) {
			fprintf(stderr, "schedcheck vm: %s\n", err.msg);
			goto out_env;
		}
		for (k = 0; k < av.n; k++)
			printf("%s'%s'", k ? " " : "", av.v[k]);
		printf("\n");
		sc_argv_release(&av);
		code = SC_EXIT_PASS;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vm_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	{
		uint64_t start_ns = sc_cli_realtime_ns();
		int w;

		r = sc_vm_run(&ro, &sc, &rep, &err);
		if (ui.progress)
			fprintf(stderr, "\r\033[K");
		if (r < 0) {
			fprintf(stderr, "schedcheck vm: %s\n", err.msg);
			goto out_env;
		}
		/* The guest's conditions stay; the command line and times are the host's. */
		if (!sc.n_runs) {
			sc.runs = calloc(1, sizeof(*sc.runs));
			if (sc.runs) {
				sc.n_runs = 1;
				sc_run_info_init(&sc.runs[0]);
				sc.runs[0].schedcheck_version = strdup(SC_VERSION);
				sc.runs[0].scenario = strdup(scn.name);
			}
		}
		if (sc.n_runs) {
			struct sc_run_info *ri = &sc.runs[0];

			for (k = 0; k < ri->argc; k++)
				free(ri->argv[k]);
			free(ri->argv);
			ri->argc = 0;
			ri->argv = calloc((size_t)full_argc + 2, sizeof(char *));
			if (ri->argv) {
				ri->argv[0] = strdup("schedcheck");
				for (c = 0; c < full_argc; c++)
					ri->argv[c + 1] = strdup(argv[c]);
				ri->argc = (size_t)full_argc + 1;
			}
			ri->start_unix_ns = start_ns;
			ri->end_unix_ns = sc_cli_realtime_ns();
			if (rep.end == SC_VM_END_INTERRUPTED)
				ri->interrupted = true;
		}
		sc_vm_topology_format(&topo, spec, sizeof(spec));
		note_text(&sc.result, "vm.accel", sc_vm_accel_name(rep.accel));
		note_text(&sc.result, "vm.accel_reason", rep.accel_why);
		note_text(&sc.result, "vm.topology", topo_arg);
		note_text(&sc.result, "vm.topology_nlct", spec);
		note_u64(&sc.result, "vm.cpus", sc_vm_topology_cpus(&topo));
		note_u64(&sc.result, "vm.memory_mib", memory_mib);
		note_text(&sc.result, "vm.kernel", kernel);
		if (scheduler) {
			/* The guest records ops and failures; the host knows the file and args. */
			note_text(&sc.result, "vm.scheduler", scheduler);
			if (sched_args)
				note_text(&sc.result, "vm.scheduler.args", sched_args);
		}
		note_text(&sc.result, "vm.end", sc_vm_end_name(rep.end));
		note_u64(&sc.result, "vm.wall_ms", rep.wall_ms);
		if (rep.first_frame_ms)
			note_u64(&sc.result, "vm.boot_to_hello_ms", rep.first_frame_ms);
		note_u64(&sc.result, "vm.initramfs_prep_ms", t_prep);
		note_text(&sc.result, "vm.console_log", console);
		if (rep.accel == SC_VM_ACCEL_TCG) {
			sc_assert_result_note(
				&sc.result, "vm",
				"the guest ran under TCG (software emulation): timing "
				"figures (latencies, rates, gaps) are emulated, not "
				"those of real hardware");
			if (!json)
				fprintf(stderr,
					"schedcheck vm: warning: TCG (%s); timing figures are "
					"emulated\n",
					rep.accel_why);
		}
		if (rep.end == SC_VM_END_OK && rep.guest_status < 0) {
			char why[sizeof(rep.guest_error) + 64];

			fprintf(stderr, "schedcheck vm: the guest's run failed: %s\n",
				rep.guest_error[0] ? rep.guest_error : "(no message)");
			snprintf(why, sizeof(why), "the guest's run did not complete: %s",
				 rep.guest_error[0] ? rep.guest_error : "(no message)");
			sc_cli_mark_incomplete(&sc.result, why);
		}
		{
			char trailer[sizeof(console) + 16];

			snprintf(trailer, sizeof(trailer), "console: %s\n", console);
			w = sc_cli_emit_result("vm", &sc, out_path, json, verbose, trailer);
		}
		if (rep.end == SC_VM_END_INTERRUPTED || vm_signal)
			code = SC_EXIT_INTERRUPTED;
		else if (rep.end == SC_VM_END_OK && rep.guest_status < 0)
			code = SC_EXIT_ENV;
		else if (w < 0)
			code = SC_EXIT_ENV;
		else
			code = sc_cli_exit_for(sc_assert_result_outcome(&sc.result), strict);
		sc_sidecar_release(&sc);
	}
	goto out;
out_usage:
	code = SC_EXIT_USAGE;
	goto out;
out_env:
	code = SC_EXIT_ENV;
out:
	if (have_scn)
		sc_scenario_release(&scn);
	free(text);
	free(checks_text);
	free(sched_args);
	return code;
}
