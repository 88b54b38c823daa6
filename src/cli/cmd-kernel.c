// SPDX-License-Identifier: MIT
/*
 * `schedcheck kernel build|schedulers|list|path`: builds and caches a
 * sched_ext kernel and the kernel tree's example BPF schedulers, and shows
 * what is cached. docs/sched_ext.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/vm.h>

#include "cli.h"

struct kui {
	bool progress;
	uint64_t t0_ms;
	unsigned long lines;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void ui_step(void *ctx, const char *step)
{
	struct kui *ui = ctx;

	fprintf(stderr, "%s[kernel] %s\n", ui->progress ? "\r\033[K" : "", step);
}

/* On a terminal: elapsed time, objects done and make's current line. */
static void ui_line(void *ctx, const char *line)
{
	struct kui *ui = ctx;
	uint64_t s;

	ui->lines++;
	if (!ui->progress)
		return;
	s = (mono_ms() - ui->t0_ms) / 1000;
	fprintf(stderr, "\r\033[K[%um%02us, %lu lines] %.60s", (unsigned)(s / 60),
		(unsigned)(s % 60), ui->lines, line);
	fflush(stderr);
}

static void kernel_usage(FILE *f)
{
	fprintf(f,
		"usage: schedcheck kernel build [--source DIR|TARBALL] [--config FRAGMENT] [-j N] "
		"[--force]\n"
		"       schedcheck kernel schedulers [--key KEY] [--clang-suffix -NN] [-j N] "
		"[--force]\n"
		"       schedcheck kernel list\n"
		"       schedcheck kernel key [--source PATH] [--config FRAGMENT]\n"
		"       schedcheck kernel path [--key KEY] [SCHEDULER]\n\n"
		"build       builds a bzImage with sched_ext, BPF/BTF, cgroup v2, NUMA, "
		"schedstats\n"
		"            and the virtio console from a kernel tree or, by default, Debian's\n"
		"            " SC_VM_KBUILD_DEFAULT_SOURCE " (apt-get install linux-source-6.12);\n"
		"            x86_64_defconfig + kvm_guest.config + the fragment (default: "
		"configs/" SC_VM_KBUILD_FRAGMENT_NAME ");\n"
		"            about 11 min with 2 CPUs. Cached by (source, fragment): a second "
		"build is\n"
		"            instant. Prints the image path on stdout.\n"
		"schedulers  builds tools/sched_ext (" SC_VM_SCX_EXAMPLES ") of that\n"
		"            tree with clang >= 16 (Debian clang-16 llvm-16 lld-16) into "
		"<entry>/schedulers/\n"
		"list        the cached kernels and their schedulers\n"
		"path        the newest (or KEY's) bzImage, or a scheduler's path\n"
		"key         the cache key `build` would use (nothing is built)\n\n"
		"  --source PATH       kernel tree (built with O=, left untouched) or linux-source "
		"tarball\n"
		"  --config FRAGMENT   Kconfig fragment (default: $SCHEDCHECK_KCONFIG, then "
		"configs/" SC_VM_KBUILD_FRAGMENT_NAME "\n"
		"                      beside the binary's source tree, then "
		"/usr/share/schedcheck/)\n"
		"  --key KEY           a cache entry (see `list`); default the newest complete "
		"one\n"
		"  -j N                make jobs (default: online CPUs)\n"
		"  --force             rebuild even when cached\n"
		"  --no-progress       no progress line\n\n"
		"cache: <cache>/" SC_VM_KBUILD_SUBDIR
		"/<key>/ where <cache> is $SCHEDCHECK_CACHE_DIR,\n"
		"else /var/cache/schedcheck as root, else $XDG_CACHE_HOME/schedcheck or "
		"~/.cache/schedcheck\n");
}

/* configs/sched_ext.config: $SCHEDCHECK_KCONFIG, the source tree of this binary, /usr/share. */
static int find_fragment(char *out, size_t len)
{
	const char *env = getenv("SCHEDCHECK_KCONFIG");
	char self[PATH_MAX], p[PATH_MAX + 64], *slash;
	static const char *const rel[] = { "/../configs/", "/../../configs/", "/configs/" };
	ssize_t n;
	size_t i;

	if (env && *env)
		return snprintf(out, len, "%s", env) < (int)len && access(env, R_OK) == 0 ? 0
											  : -ENOENT;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(p, sizeof(p), "%s%s" SC_VM_KBUILD_FRAGMENT_NAME, self, rel[i]);
			if (access(p, R_OK) == 0 && realpath(p, out))
				return 0;
		}
	}
	snprintf(p, sizeof(p), "/usr/share/schedcheck/configs/" SC_VM_KBUILD_FRAGMENT_NAME);
	if (access(p, R_OK) == 0 && snprintf(out, len, "%s", p) < (int)len)
		return 0;
	snprintf(p, sizeof(p), "/usr/local/share/schedcheck/configs/" SC_VM_KBUILD_FRAGMENT_NAME);
	if (access(p, R_OK) == 0 && snprintf(out, len, "%s", p) < (int)len)
		return 0;
	return -ENOENT;
}

static int pick_entry(const char *cache, const char *key, struct sc_vm_kbuild_entry *e)
{
	char dir[PATH_MAX + 128];

	if (!key) {
		if (sc_vm_kbuild_newest(cache, e) == 0)
			return 0;
		fprintf(stderr,
			"schedcheck kernel: no sched_ext kernel in %s/" SC_VM_KBUILD_SUBDIR
			" (run `schedcheck kernel build`)\n",
			cache);
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/" SC_VM_KBUILD_SUBDIR "/%s", cache, key);
	if (sc_vm_kbuild_read_entry(dir, e) < 0 || !e->complete) {
		fprintf(stderr,
			"schedcheck kernel: %s is not a complete build (see `schedcheck "
			"kernel list`)\n",
			dir);
		return -ENOENT;
	}
	return 0;
}

static int do_list(const char *cache)
{
	struct sc_vm_kbuild_entry *v;
	struct sc_error err;
	size_t n, i;
	int r = sc_vm_kbuild_list(cache, &v, &n, &err);

	if (r < 0) {
		fprintf(stderr, "schedcheck kernel: %s\n", err.msg);
		return SC_EXIT_ENV;
	}
	if (!n) {
		printf("no sched_ext kernels in %s/" SC_VM_KBUILD_SUBDIR
		       " (`schedcheck kernel build` makes one)\n",
		       cache);
		return SC_EXIT_PASS;
	}
	printf("%-40s %-10s %-17s %8s  %s\n", "KEY", "RELEASE", "BUILT (UTC)", "BUILD_S",
	       "SCHEDULERS / IMAGE");
	for (i = 0; i < n; i++) {
		char when[32] = "-", scheds[256] = "", p[PATH_MAX * 2];
		static const char *const names[] = { "scx_simple", "scx_qmap", "scx_central",
						     "scx_flatcg" };
		size_t k, used = 0;

		if (v[i].built_unix_s) {
			time_t t = (time_t)v[i].built_unix_s;
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		}
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			snprintf(p, sizeof(p), "%s/schedulers/%s", v[i].dir, names[k]);
			if (access(p, X_OK) == 0 && used + strlen(names[k]) + 2 < sizeof(scheds))
				used += (size_t)snprintf(scheds + used, sizeof(scheds) - used,
							 "%s%s", used ? "," : "", names[k]);
		}
		printf("%-40s %-10s %-17s %8.0f  %s\n", v[i].key,
		       v[i].release[0] ? v[i].release : "?", when, (double)v[i].build_ms / 1000.0,
		       v[i].complete
			       ? (scheds[0] ? scheds : "(no schedulers: `kernel schedulers`)")
			       : "INCOMPLETE (building, or interrupted: `kernel build` resumes)");
		if (v[i].complete)
			printf("%-40s %s\n", "", v[i].bzimage);
	}
	free(v);
	return SC_EXIT_PASS;
}

int sc_cmd_kernel(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "clang-suffix", required_argument, NULL, 'C' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub, *source = NULL, *config = NULL, *key = NULL, *clang = NULL;
	char cache[PATH_MAX], frag[PATH_MAX], built[256], out[PATH_MAX];
	struct sc_vm_kbuild_entry e;
	struct sc_error err;
	struct kui ui = { false, 0, 0 };
	unsigned jobs = 0;
	bool force = false, progress = true, hit = false;
	int c, r;
	char *end;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		kernel_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SC_EXIT_USAGE : SC_EXIT_PASS;
	}
	sub = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "j:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			source = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'C':
			clang = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'P':
			progress = false;
			break;
		case 'j':
			errno = 0;
			jobs = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || !jobs || jobs > 1024) {
				fprintf(stderr, "schedcheck kernel: -j: 1..1024\n");
				return SC_EXIT_USAGE;
			}
			break;
		case 'h':
			kernel_usage(stdout);
			return SC_EXIT_PASS;
		default:
			kernel_usage(stderr);
			return SC_EXIT_USAGE;
		}
	}
	memset(&err, 0, sizeof(err));
	if (sc_vm_cache_dir(cache, sizeof(cache)) < 0) {
		fprintf(stderr,
			"schedcheck kernel: no cache directory (set $SCHEDCHECK_CACHE_DIR)\n");
		return SC_EXIT_ENV;
	}
	ui.progress = progress && isatty(STDERR_FILENO);
	ui.t0_ms = mono_ms();

	if (!strcmp(sub, "list"))
		return do_list(cache);
	if (!strcmp(sub, "path")) {
		if (pick_entry(cache, key, &e) < 0)
			return SC_EXIT_ENV;
		if (optind + 1 < argc) {
			r = sc_vm_kbuild_find_scheduler(cache, e.bzimage, argv[optind + 1], out,
							sizeof(out), &err);
			if (r < 0) {
				fprintf(stderr, "schedcheck kernel: %s\n", err.msg);
				return SC_EXIT_ENV;
			}
			printf("%s\n", out);
		} else {
			printf("%s\n", e.bzimage);
		}
		return SC_EXIT_PASS;
	}
	if (!strcmp(sub, "build") || !strcmp(sub, "key")) {
		struct sc_vm_kbuild_options o;

		if (!config) {
			if (find_fragment(frag, sizeof(frag)) < 0) {
				fprintf(stderr,
					"schedcheck kernel: no config fragment found (pass "
					"--config configs/" SC_VM_KBUILD_FRAGMENT_NAME ")\n");
				return SC_EXIT_USAGE;
			}
			config = frag;
		}
		memset(&o, 0, sizeof(o));
		o.source = source;
		o.fragment = config;
		o.cache_dir = cache;
		o.jobs = jobs;
		o.force = force;
		o.on_step = ui_step;
		o.on_line = ui_line;
		o.ctx = &ui;
		if (!strcmp(sub, "key")) {
			r = sc_vm_kbuild_key(&o, out, sizeof(out), &err);
			if (r < 0) {
				fprintf(stderr, "schedcheck kernel: %s\n", err.msg);
				return SC_EXIT_USAGE;
			}
			printf("%s\n", out);
			return SC_EXIT_PASS;
		}
		r = sc_vm_kbuild(&o, &e, &hit, &err);
		if (ui.progress)
			fprintf(stderr, "\r\033[K");
		if (r < 0) {
			fprintf(stderr, "schedcheck kernel: %s\n", err.msg);
			return r == -EINVAL || r == -ENOENT ? SC_EXIT_USAGE : SC_EXIT_ENV;
		}
		fprintf(stderr, "schedcheck kernel: %s %s (%s) in %.1f s\n",
			hit ? "cached" : "built", e.key, e.release,
			(double)(mono_ms() - ui.t0_ms) / 1000.0);
		printf("%s\n", e.bzimage);
		return SC_EXIT_PASS;
	}
	if (!strcmp(sub, "schedulers")) {
		struct sc_vm_scx_build_options so;

		if (pick_entry(cache, key, &e) < 0)
			return SC_EXIT_ENV;
		memset(&so, 0, sizeof(so));
		so.clang_suffix = clang;
		so.jobs = jobs;
		so.force = force;
		so.on_step = ui_step;
		so.on_line = ui_line;
		so.ctx = &ui;
		r = sc_vm_kbuild_schedulers(&e, &so, built, sizeof(built), &hit, &err);
		if (ui.progress)
			fprintf(stderr, "\r\033[K");
		if (r < 0) {
			fprintf(stderr, "schedcheck kernel: %s\n", err.msg);
			return SC_EXIT_ENV;
		}
		fprintf(stderr, "schedcheck kernel: %s %s in %.1f s\n", hit ? "cached" : "built",
			built, (double)(mono_ms() - ui.t0_ms) / 1000.0);
		printf("%s/schedulers\n", e.dir);
		return SC_EXIT_PASS;
	}
	fprintf(stderr, "schedcheck kernel: unknown subcommand '%s'\n\n", sub);
	kernel_usage(stderr);
	return SC_EXIT_USAGE;
}
