// SPDX-License-Identifier: MIT
/*
 * Unit tests of the monitor layer: the pure /proc parsers on real and
 * hand-made fixtures (tests/data/monitor), deterministic samples from fixture
 * trees with an injected clock, the per-phase reduction per MetricKind, the
 * run's recorded conditions, and a few invariants on the live /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <schedcheck/metrics.h>
#include <schedcheck/monitor.h>

#include "monitor/procfs-internal.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

#define NEAR(a, b) \
	assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1.0, fabs((double)(b))))

static char *fixture_path(const char *name)
{
	const char *root = getenv("SC_SOURCE_ROOT");
	char *p = NULL;

	if (!root)
		fail_msg("SC_SOURCE_ROOT is not set (run through meson test)");
	assert_true(asprintf(&p, "%s/tests/data/monitor/%s", root, name) > 0);
	return p;
}

/* The whole fixture, NUL-terminated for convenience (parsers get the length). */
static char *read_fixture(const char *name, size_t *len)
{
	char *path = fixture_path(name), *buf;
	struct stat sb;
	FILE *f = fopen(path, "rbe");

	if (!f)
		fail_msg("cannot open fixture %s", path);
	assert_int_equal(fstat(fileno(f), &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, f), (size_t)sb.st_size);
	buf[sb.st_size] = '\0';
	*len = (size_t)sb.st_size;
	fclose(f);
	free(path);
	return buf;
}

static uint64_t ns_per_tick(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	assert_true(hz > 0);
	assert_int_equal(1000000000L % hz, 0);
	return 1000000000ull / (uint64_t)hz;
}

/* A scratch root with proc/ and sys/ below it. */
struct tree {
	char root[64];
	char proc[96];
	char sys[96];
};

static void tree_init(struct tree *t)
{
	snprintf(t->root, sizeof(t->root), "/tmp/sc-test-monitor-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->root);
	snprintf(t->sys, sizeof(t->sys), "%s/sys", t->root);
	assert_int_equal(mkdir(t->proc, 0755), 0);
	assert_int_equal(mkdir(t->sys, 0755), 0);
}

/* Writes rel (e.g. "proc/stat") in place: truncate, so open fds see the new text. */
static void tree_write(const struct tree *t, const char *rel, const char *data, size_t len)
{
	char path[512];
	size_t i, off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (i = strlen(t->root) + 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0)
			assert_int_equal(errno, EEXIST);
		path[i] = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
	close(fd);
}

static void tree_puts(const struct tree *t, const char *rel, const char *text)
{
	tree_write(t, rel, text, strlen(text));
}

static void tree_fixture(const struct tree *t, const char *rel, const char *fixture)
{
	size_t len;
	char *buf = read_fixture(fixture, &len);

	tree_write(t, rel, buf, len);
	free(buf);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Each tree test gets a fresh tree, removed even when the test fails. */
static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	tree_init(t);
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	int rc = nftw(t->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(t);
	return rc;
}

static uint64_t fake_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

static void tree_config(const struct tree *t, struct sc_monitor_config *cfg, uint64_t *clock_now)
{
	sc_monitor_config_init(cfg);
	cfg->proc_root = t->proc;
	cfg->sys_root = t->sys;
	cfg->clock = fake_clock;
	cfg->clock_ctx = clock_now;
}

static double get(const struct sc_metric_map *m, const char *key)
{
	double v = NAN;

	if (!sc_metric_map_get(m, key, &v))
		fail_msg("metric %s is absent", key);
	return v;
}

static void assert_absent(const struct sc_metric_map *m, const char *key)
{
	double v;

	if (sc_metric_map_get(m, key, &v))
		fail_msg("metric %s should be absent, has %g", key, v);
}

/* Every key a sample writes is registered and not a derived kind. */
static void assert_registered(const struct sc_metric_map *m)
{
	size_t i;

	for (i = 0; i < m->len; i++) {
		const struct sc_metric_def *d = sc_metric_def_lookup(m->e[i].name);

		if (!d)
			fail_msg("%s is not registered", m->e[i].name);
		assert_false(sc_metric_kind_is_derived(&d->kind));
		assert_true(isfinite(m->e[i].value));
	}
}

/* ------------------------------------------------------------------------ */
/* /proc/stat                                                                */
/* ------------------------------------------------------------------------ */

static void parse_stat_fixture(const char *name, struct sc_mon_proc_stat *st,
			       struct sc_mon_cpu_stat *cpus, size_t cap)
{
	size_t len;
	char *buf = read_fixture(name, &len);

	memset(st, 0xa5, sizeof(*st)); /* every Out field must be reset */
	st->cpu = cpus;
	st->cpu_cap = cap;
	sc_mon_parse_proc_stat(buf, len, st);
	free(buf);
}

static void test_proc_stat_host(void **state)
{
	struct sc_mon_cpu_stat cpus[8];
	struct sc_mon_proc_stat st;
	size_t len, first_line;
	char *buf;

	(void)state;
	memset(cpus, 0xa5, sizeof(cpus));
	parse_stat_fixture("proc-stat.host", &st, cpus, 8);
	/* cpu  41037 0 5558 155873 333 0 38 28 0 0 */
	assert_true(st.has_all);
	assert_int_equal(st.all.busy, 41037 + 5558 + 38 + 28);
	assert_int_equal(st.all.total, 41037 + 5558 + 38 + 28 + 155873 + 333);
	assert_int_equal(st.nr_cpus, 2);
	assert_int_equal(st.cpu_id_end, 2);
	/* cpu0 16273 0 2549 82500 32 0 7 13 0 0 */
	assert_true(cpus[0].present);
	assert_int_equal(cpus[0].busy, 16273 + 2549 + 7 + 13);
	assert_int_equal(cpus[0].total, 16273 + 2549 + 7 + 13 + 82500 + 32);
	/* cpu1 24763 0 3008 73373 301 0 31 15 0 0 */
	assert_int_equal(cpus[1].busy, 24763 + 3008 + 31 + 15);
	assert_int_equal(cpus[1].total, 24763 + 3008 + 31 + 15 + 73373 + 301);
	assert_false(cpus[2].present);
	assert_false(cpus[7].present);
	assert_true(st.has_ctxt);
	assert_int_equal(st.ctxt, 514244);
	assert_true(st.has_procs_running);
	assert_int_equal(st.procs_running, 4);

	/* The buffer need not be NUL-terminated: stop after the first line. */
	buf = read_fixture("proc-stat.host", &len);
	first_line = (size_t)(strchr(buf, '\n') - buf);
	st.cpu = cpus;
	st.cpu_cap = 8;
	sc_mon_parse_proc_stat(buf, first_line, &st);
	assert_true(st.has_all);
	assert_int_equal(st.nr_cpus, 0);
	assert_false(cpus[0].present);
	assert_false(st.has_ctxt);
	/* Cut inside "cpu0 1627": a shorter valid line, not the fixture's. */
	sc_mon_parse_proc_stat(buf, first_line + 1 + 9, &st);
	assert_false(cpus[0].present); /* "cpu0 1627" has one field, needs four */
	free(buf);
}

static void test_proc_stat_small_cap_reports_needed(void **state)
{
	struct sc_mon_cpu_stat cpus[1];
	struct sc_mon_proc_stat st;

	(void)state;
	parse_stat_fixture("proc-stat.host", &st, cpus, 1);
	assert_int_equal(st.nr_cpus, 1);
	assert_int_equal(st.cpu_id_end, 2); /* the caller grows and reparses */
	assert_true(cpus[0].present);

	parse_stat_fixture("proc-stat.host", &st, NULL, 0);
	assert_int_equal(st.nr_cpus, 0);
	assert_int_equal(st.cpu_id_end, 2);
	assert_true(st.has_all);
}

static void test_proc_stat_percpu_only(void **state)
{
	struct sc_mon_cpu_stat cpus[4];
	struct sc_mon_proc_stat st;

	(void)state;
	parse_stat_fixture("proc-stat.percpu-only", &st, cpus, 4);
	assert_false(st.has_all);
	assert_int_equal(st.nr_cpus, 2);
	assert_int_equal(st.cpu_id_end, 3);
	/* cpu0 10 1 5 100 4 2 3 1: steal counts as busy, iowait as not */
	assert_int_equal(cpus[0].busy, 10 + 1 + 5 + 2 + 3 + 1);
	assert_int_equal(cpus[0].total, 22 + 100 + 4);
	assert_false(cpus[1].present);
	assert_int_equal(cpus[2].busy, 30);
	assert_int_equal(cpus[2].total, 230);
	assert_int_equal(st.ctxt, 42);
	assert_true(st.has_procs_running);
	assert_int_equal(st.procs_running, 0);
}

static void test_proc_stat_no_cpu_lines(void **state)
{
	struct sc_mon_cpu_stat cpus[2];
	struct sc_mon_proc_stat st;

	(void)state;
	parse_stat_fixture("proc-stat.no-cpu-lines", &st, cpus, 2);
	assert_false(st.has_all);
	assert_int_equal(st.nr_cpus, 0);
	assert_int_equal(st.cpu_id_end, 0);
	assert_true(st.has_ctxt);
	assert_int_equal(st.ctxt, 777);
	assert_int_equal(st.procs_running, 1);
}

static void test_proc_stat_garbage(void **state)
{
	struct sc_mon_cpu_stat cpus[8];
	struct sc_mon_proc_stat st;
	size_t i;

	(void)state;
	parse_stat_fixture("proc-stat.garbage", &st, cpus, 8);
	/* Only "cpu 1 2 3 4" and the tab-separated cpu4 line are well formed. */
	assert_true(st.has_all);
	assert_int_equal(st.all.busy, 6);
	assert_int_equal(st.all.total, 10);
	assert_int_equal(st.nr_cpus, 1);
	assert_int_equal(st.cpu_id_end, 5);
	for (i = 0; i < 8; i++)
		assert_int_equal(cpus[i].present, i == 4);
	assert_int_equal(cpus[4].busy, 1 + 2 + 3 + 6 + 7 + 8);
	assert_int_equal(cpus[4].total, 27 + 4 + 5);
	/* "ctxt -5", "ctxt 12 extra", "procs_running 3 4": not measured, not 0. */
	assert_false(st.has_ctxt);
	assert_false(st.has_procs_running);
}

static void test_proc_stat_huge_values(void **state)
{
	struct sc_mon_cpu_stat cpus[4];
	struct sc_mon_proc_stat st;

	(void)state;
	parse_stat_fixture("proc-stat.huge", &st, cpus, 4);
	assert_true(st.has_all);
	assert_int_equal(st.all.busy, UINT64_MAX); /* saturated, not wrapped */
	assert_int_equal(st.all.total, UINT64_MAX);
	assert_true(cpus[0].present);
	assert_int_equal(cpus[0].busy, UINT64_MAX);
	/* 2^64 and a 26-digit number do not fit: those lines are skipped. */
	assert_false(cpus[1].present);
	assert_false(cpus[2].present);
	assert_int_equal(st.nr_cpus, 1);
	assert_int_equal(st.ctxt, UINT64_MAX);
	assert_false(st.has_procs_running);
	assert_int_equal(sc_mon_ticks_to_ns(st.all.busy, 100), UINT64_MAX);
}

static void test_proc_stat_old_kernel(void **state)
{
	struct sc_mon_cpu_stat cpus[2];
	struct sc_mon_proc_stat st;

	(void)state;
	/* Linux 2.4: four fields, no procs_running. */
	parse_stat_fixture("proc-stat.old-kernel", &st, cpus, 2);
	assert_true(st.has_all);
	assert_int_equal(st.all.busy, 155);
	assert_int_equal(st.all.total, 1000);
	assert_int_equal(st.nr_cpus, 1);
	assert_int_equal(st.ctxt, 115315);
	assert_false(st.has_procs_running);
}

static void test_proc_stat_empty(void **state)
{
	struct sc_mon_cpu_stat cpus[2] = { { true, 1, 2 }, { true, 3, 4 } };
	struct sc_mon_proc_stat st = {
		.cpu = cpus, .cpu_cap = 2, .has_all = true, .has_ctxt = true
	};

	(void)state;
	sc_mon_parse_proc_stat("", 0, &st);
	assert_false(st.has_all);
	assert_false(st.has_ctxt);
	assert_false(cpus[0].present);
	assert_false(cpus[1].present);
	st.has_ctxt = true;
	sc_mon_parse_proc_stat(NULL, 0, &st);
	assert_false(st.has_ctxt);
}

/* ------------------------------------------------------------------------ */
/* PSI, vmstat, loadavg, CPU lists                                           */
/* ------------------------------------------------------------------------ */

static void parse_psi_fixture(const char *name, struct sc_mon_psi *psi)
{
	size_t len;
	char *buf = read_fixture(name, &len);

	sc_mon_parse_psi(buf, len, psi);
	free(buf);
}

static void test_psi(void **state)
{
	struct sc_mon_psi psi;

	(void)state;
	parse_psi_fixture("pressure-cpu.host", &psi);
	assert_true(psi.has_some_avg10);
	NEAR(psi.some_avg10, 32.59);
	assert_true(psi.has_some_total);
	assert_int_equal(psi.some_total_us, 48058406);

	/* Kernels before 5.13 have no "full" line for cpu. */
	parse_psi_fixture("pressure-cpu.some-only", &psi);
	NEAR(psi.some_avg10, 1.25);
	assert_int_equal(psi.some_total_us, 123456);

	/* Unreadable values in the first "some" line are absent, never 0, and
	 * the "full" line's avg10 is not taken for it. */
	parse_psi_fixture("pressure-cpu.garbage", &psi);
	assert_false(psi.has_some_avg10);
	assert_false(psi.has_some_total);

	parse_psi_fixture("pressure-cpu.out-of-range", &psi);
	assert_false(psi.has_some_avg10);
	assert_true(psi.has_some_total);
	assert_int_equal(psi.some_total_us, 99);

	sc_mon_parse_psi("some avg10=7.5", 14, &psi); /* no newline, no total */
	NEAR(psi.some_avg10, 7.5);
	assert_false(psi.has_some_total);
	sc_mon_parse_psi("some avg10=7.5", 12, &psi); /* cut to "avg10=7" */
	NEAR(psi.some_avg10, 7.0);
	sc_mon_parse_psi("some avg10=7.", 13, &psi);
	assert_false(psi.has_some_avg10);
	sc_mon_parse_psi("", 0, &psi);
	assert_false(psi.has_some_avg10);
}

static void test_vmstat(void **state)
{
	uint64_t v = 77;
	size_t len;
	char *buf;

	(void)state;
	buf = read_fixture("vmstat.host", &len);
	assert_int_equal(sc_mon_parse_keyed_u64(buf, len, "numa_pages_migrated", &v), 0);
	assert_int_equal(v, 0); /* a real measured zero on this host */
	assert_int_equal(sc_mon_parse_keyed_u64(buf, len, "numa_hit", &v), 0);
	assert_true(v > 0);
	free(buf);

	/* A longer key and an unreadable value are skipped; the first good wins. */
	buf = read_fixture("vmstat.numa", &len);
	assert_int_equal(sc_mon_parse_keyed_u64(buf, len, "numa_pages_migrated", &v), 0);
	assert_int_equal(v, 12345);
	free(buf);

	v = 77;
	buf = read_fixture("vmstat.no-numa", &len);
	assert_int_equal(sc_mon_parse_keyed_u64(buf, len, "numa_pages_migrated", &v), -ENODATA);
	assert_int_equal(v, 77);
	free(buf);
	assert_int_equal(sc_mon_parse_keyed_u64(NULL, 0, "x", &v), -ENODATA);
}

static void test_loadavg(void **state)
{
	double d = -1;
	size_t len;
	char *buf;

	(void)state;
	buf = read_fixture("loadavg.host", &len);
	assert_int_equal(sc_mon_parse_loadavg(buf, len, &d), 0);
	NEAR(d, 2.54);
	free(buf);
	assert_int_equal(sc_mon_parse_loadavg("0.5", 3, &d), 0);
	NEAR(d, 0.5);
	assert_int_equal(sc_mon_parse_loadavg("12\n", 3, &d), 0);
	NEAR(d, 12.0);
	d = -1;
	assert_int_equal(sc_mon_parse_loadavg("garbage\n", 8, &d), -ENODATA);
	assert_int_equal(sc_mon_parse_loadavg("1e3 1 1", 7, &d), -ENODATA);
	assert_int_equal(sc_mon_parse_loadavg("-1.0 1 1", 8, &d), -ENODATA);
	assert_int_equal(sc_mon_parse_loadavg("", 0, &d), -ENODATA);
	assert_true(d == -1);
}

static void test_cpu_list(void **state)
{
	uint64_t n = 99, top = 99;

	(void)state;
	assert_int_equal(sc_mon_parse_cpu_list("0-1\n", 4, &n, &top), 0);
	assert_int_equal(n, 2);
	assert_int_equal(top, 2);
	assert_int_equal(sc_mon_parse_cpu_list("0-3,8,10-11\n", 12, &n, &top), 0);
	assert_int_equal(n, 7);
	assert_int_equal(top, 12);
	assert_int_equal(sc_mon_parse_cpu_list("5", 1, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sc_mon_parse_cpu_list("\n", 1, &n, &top), 0);
	assert_int_equal(n, 0);
	assert_int_equal(top, 0);
	n = 42;
	assert_int_equal(sc_mon_parse_cpu_list("3-1", 3, &n, NULL), -EINVAL);
	assert_int_equal(sc_mon_parse_cpu_list("0-3,", 4, &n, NULL), -EINVAL);
	assert_int_equal(sc_mon_parse_cpu_list("0,,1", 4, &n, NULL), -EINVAL);
	assert_int_equal(sc_mon_parse_cpu_list("0-", 2, &n, NULL), -EINVAL);
	assert_int_equal(sc_mon_parse_cpu_list("a", 1, &n, NULL), -EINVAL);
	assert_int_equal(sc_mon_parse_cpu_list("65536", 5, &n, NULL), -EINVAL);
	assert_int_equal(sc_mon_parse_cpu_list("0-99999999999999999999", 22, &n, NULL), -EINVAL);
	assert_int_equal(n, 42);
}

static void test_ticks_and_release(void **state)
{
	(void)state;
	assert_int_equal(sc_mon_ticks_to_ns(100, 100), 1000000000ull);
	assert_int_equal(sc_mon_ticks_to_ns(1, 100), 10000000ull);
	assert_int_equal(sc_mon_ticks_to_ns(3, 1024), 2929687ull); /* floor(3e9 / 1024) */
	assert_int_equal(sc_mon_ticks_to_ns(UINT64_MAX, 100), UINT64_MAX);
	assert_int_equal(sc_mon_ticks_to_ns(UINT64_MAX / 100, 1), UINT64_MAX);
	assert_int_equal(sc_mon_ticks_to_ns(5, 0), 0);

	assert_true(sc_mon_release_before("6.5.0-rc1", 6, 6));
	assert_true(sc_mon_release_before("5.15.0-91-generic", 6, 6));
	assert_false(sc_mon_release_before("6.6.0", 6, 6));
	assert_false(sc_mon_release_before("6.18.44-fc-v509", 6, 6));
	assert_false(sc_mon_release_before("10.1", 6, 6));
	assert_false(sc_mon_release_before("6", 6, 6));
	assert_false(sc_mon_release_before("garbage", 6, 6));
	assert_false(sc_mon_release_before(NULL, 6, 6));
}

/* ------------------------------------------------------------------------ */
/* schedstat and the scheduler debug file                                    */
/* ------------------------------------------------------------------------ */

static int parse_ss_fixture(const char *name, struct sc_mon_schedstat *ss,
			    struct sc_mon_schedstat_cpu *cpus, size_t cap)
{
	size_t len;
	char *buf = read_fixture(name, &len);
	int rc;

	ss->cpu = cpus;
	ss->cpu_cap = cap;
	rc = sc_mon_parse_schedstat(buf, len, ss);
	free(buf);
	return rc;
}

static void test_schedstat(void **state)
{
	struct sc_mon_schedstat_cpu cpus[4];
	struct sc_mon_schedstat ss;
	const char dup[] = "version 15\ncpu0 0 0 1 1 1 1 1 5 6\nversion 15\n";
	const char nover[] = "cpu0 0 0 1 1 1 1 1 5 6\n";

	(void)state;
	assert_int_equal(parse_ss_fixture("schedstat.t0", &ss, cpus, 4), 0);
	assert_int_equal(ss.version, 15);
	assert_int_equal(ss.nr_cpus, 2);
	assert_int_equal(cpus[0].run_delay_ns, 1000000000ull);
	assert_int_equal(cpus[0].pcount, 900);
	assert_int_equal(cpus[1].run_delay_ns, 2000000000ull);
	assert_false(cpus[2].present);

	/* Version 17 names its domains; cpu lines keep their layout. */
	assert_int_equal(parse_ss_fixture("schedstat.v17", &ss, cpus, 4), 0);
	assert_int_equal(ss.version, 17);
	assert_int_equal(ss.nr_cpus, 3);
	assert_int_equal(ss.cpu_id_end, 4);
	assert_int_equal(cpus[0].run_delay_ns, 5612398111ull);
	assert_int_equal(cpus[1].pcount, 311009);
	assert_false(cpus[2].present);
	assert_int_equal(cpus[3].run_delay_ns, 7);

	/* Version 14 had 12 fields with another meaning: refused, nothing kept. */
	assert_int_equal(parse_ss_fixture("schedstat.v14", &ss, cpus, 4), -EPROTONOSUPPORT);
	assert_int_equal(ss.version, 14);
	assert_int_equal(ss.nr_cpus, 0);
	assert_false(cpus[0].present);

	/* Short and non-numeric cpu lines are skipped; a 10-field line is read. */
	assert_int_equal(parse_ss_fixture("schedstat.garbage", &ss, cpus, 4), 0);
	assert_int_equal(ss.nr_cpus, 1);
	assert_false(cpus[0].present);
	assert_false(cpus[1].present);
	assert_int_equal(cpus[2].run_delay_ns, 123);
	assert_int_equal(cpus[2].pcount, 456);

	ss.cpu = cpus;
	ss.cpu_cap = 4;
	assert_int_equal(sc_mon_parse_schedstat(dup, sizeof(dup) - 1, &ss), -EPROTONOSUPPORT);
	assert_int_equal(ss.nr_cpus, 0);
	assert_int_equal(sc_mon_parse_schedstat(nover, sizeof(nover) - 1, &ss), -EPROTONOSUPPORT);
	assert_false(cpus[0].present);
}

static void parse_dbg_fixture(const char *name, struct sc_mon_sched_debug *sd,
			      struct sc_mon_rq_cpu *cpus, size_t cap)
{
	size_t len;
	char *buf = read_fixture(name, &len);

	sd->cpu = cpus;
	sd->cpu_cap = cap;
	sc_mon_parse_sched_debug(buf, len, sd);
	free(buf);
}

static void test_sched_debug(void **state)
{
	struct sc_mon_rq_cpu cpus[8];
	struct sc_mon_sched_debug sd;

	(void)state;
	/* cfs_rq/rt_rq nr_running and task names are not the run-queue depth. */
	parse_dbg_fixture("sched-debug.x86", &sd, cpus, 8);
	assert_int_equal(sd.nr_cpus, 2);
	assert_int_equal(sd.cpu_id_end, 2);
	assert_true(cpus[0].present);
	assert_int_equal(cpus[0].nr_running, 3);
	assert_true(cpus[0].has_curr_pid);
	assert_int_equal(cpus[0].curr_pid, 4242);
	assert_int_equal(cpus[1].nr_running, 0);
	assert_int_equal(cpus[1].curr_pid, 0);
	assert_false(cpus[2].present);

	/* No MHz on other arches, offline CPUs missing, a bad value skipped. */
	parse_dbg_fixture("sched-debug.arm-hotplug", &sd, cpus, 8);
	assert_int_equal(sd.nr_cpus, 3);
	assert_int_equal(sd.cpu_id_end, 6);
	assert_int_equal(cpus[0].nr_running, 1);
	assert_int_equal(cpus[0].curr_pid, 17);
	assert_false(cpus[1].present);
	assert_int_equal(cpus[2].nr_running, 4);
	assert_false(cpus[3].present);
	assert_false(cpus[3].has_curr_pid);
	assert_false(cpus[4].present);
	assert_int_equal(cpus[5].nr_running, 2);
	assert_int_equal(cpus[5].curr_pid, -1);

	/* With room for one CPU the parser still reports how many it saw. */
	parse_dbg_fixture("sched-debug.arm-hotplug", &sd, cpus, 1);
	assert_int_equal(sd.nr_cpus, 1);
	assert_int_equal(sd.cpu_id_end, 6);
}

/* ------------------------------------------------------------------------ */
/* Mutation robustness: every parser on damaged fixtures                     */
/* ------------------------------------------------------------------------ */

static uint64_t rng(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static void mutate(char *buf, size_t *len, size_t cap, uint64_t *seed)
{
	static const char alphabet[] = "0123456789 \t\n.-:#=,cpuversion_\xff";
	unsigned k, nmut = 1 + (unsigned)(rng(seed) % 8);

	for (k = 0; k < nmut && *len; k++) {
		size_t at = (size_t)(rng(seed) % *len);

		switch (rng(seed) % 5) {
		case 0: /* overwrite */
			buf[at] = alphabet[rng(seed) % (sizeof(alphabet) - 1)];
			break;
		case 1: /* delete */
			memmove(buf + at, buf + at + 1, *len - at - 1);
			(*len)--;
			break;
		case 2: /* insert a digit run: overflow bait */
			if (*len + 24 < cap) {
				memmove(buf + at + 24, buf + at, *len - at);
				memset(buf + at, '9', 24);
				*len += 24;
			}
			break;
		case 3: /* truncate */
			*len = at;
			break;
		default: /* a NUL byte */
			buf[at] = '\0';
			break;
		}
	}
}

static void test_parsers_survive_mutation(void **state)
{
	static const char *const fixtures[] = {
		"proc-stat.host",    "proc-stat.t1",	"proc-stat.garbage",
		"pressure-cpu.host", "vmstat.numa",	"schedstat.v17",
		"schedstat.t0",	     "sched-debug.x86", "sched-debug.arm-hotplug",
		"loadavg.host",	     "cpu-online.host",
	};
	uint64_t seed = 0x5eed5eed12345678ull;
	size_t f;

	(void)state;
	for (f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		size_t orig_len, len, cap, i;
		char *orig = read_fixture(fixtures[f], &orig_len);
		char *buf;
		int round;

		cap = orig_len * 4 + 64;
		buf = malloc(cap);
		assert_non_null(buf);
		for (round = 0; round < 1500; round++) {
			struct sc_mon_cpu_stat cs[4];
			struct sc_mon_proc_stat st = { .cpu = cs, .cpu_cap = 4 };
			struct sc_mon_schedstat_cpu ssc[4];
			struct sc_mon_schedstat ss = { .cpu = ssc, .cpu_cap = 4 };
			struct sc_mon_rq_cpu rq[4];
			struct sc_mon_sched_debug sd = { .cpu = rq, .cpu_cap = 4 };
			struct sc_mon_psi psi;
			uint64_t v, n, top;
			double d;
			size_t seen;

			memcpy(buf, orig, orig_len);
			len = orig_len;
			mutate(buf, &len, cap, &seed);
			/* Exact-length heap copy: ASan catches any read past len. */
			{
				char *exact = malloc(len ? len : 1);

				assert_non_null(exact);
				memcpy(exact, buf, len);
				sc_mon_parse_proc_stat(exact, len, &st);
				sc_mon_parse_psi(exact, len, &psi);
				(void)sc_mon_parse_keyed_u64(exact, len, "numa_pages_migrated", &v);
				(void)sc_mon_parse_schedstat(exact, len, &ss);
				sc_mon_parse_sched_debug(exact, len, &sd);
				if (!sc_mon_parse_loadavg(exact, len, &d))
					assert_true(d >= 0 && isfinite(d));
				if (!sc_mon_parse_cpu_list(exact, len, &n, &top))
					assert_true(n <= top && top <= SC_MON_CPU_ID_LIMIT);
				free(exact);
			}
			for (i = 0, seen = 0; i < 4; i++) {
				seen += cs[i].present;
				if (cs[i].present)
					assert_true(cs[i].busy <= cs[i].total);
			}
			assert_int_equal(seen, st.nr_cpus);
			assert_true(st.cpu_id_end <= SC_MON_CPU_ID_LIMIT);
			if (st.has_all)
				assert_true(st.all.busy <= st.all.total);
			for (i = 0, seen = 0; i < 4; i++)
				seen += ssc[i].present;
			assert_int_equal(seen, ss.nr_cpus);
			for (i = 0, seen = 0; i < 4; i++) {
				seen += rq[i].present;
				if (rq[i].has_curr_pid)
					assert_true(rq[i].present);
			}
			assert_int_equal(seen, sd.nr_cpus);
			if (psi.has_some_avg10)
				assert_true(psi.some_avg10 >= 0 && psi.some_avg10 <= 100);
		}
		free(buf);
		free(orig);
	}
}

/* ------------------------------------------------------------------------ */
/* Samples from fixture trees                                                */
/* ------------------------------------------------------------------------ */

static void test_monitor_schedstat_windows(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_metric_map s1 = { 0 }, s2 = { 0 }, s3 = { 0 }, phase = { 0 };
	struct sc_metric_map both[2];
	struct sc_monitor *m = NULL;
	struct sc_error err = { { 0 } };
	uint64_t now = 5000000000ull, numa = 0;
	const uint64_t tick = ns_per_tick();
	struct tree *t = *state;

	tree_fixture(t, "proc/stat", "proc-stat.t0");
	tree_fixture(t, "proc/pressure/cpu", "pressure-cpu.host");
	tree_fixture(t, "proc/vmstat", "vmstat.numa");
	tree_fixture(t, "proc/schedstat", "schedstat.t0");
	tree_puts(t, "sys/devices/system/cpu/possible", "0-1\n");
	tree_config(t, &cfg, &now);

	assert_int_equal(sc_monitor_open(&cfg, &m, &err), 0);
	assert_int_equal(sc_monitor_rq_source(m), SC_MONITOR_RQ_SCHEDSTAT);
	assert_string_equal(sc_monitor_rq_source_name(sc_monitor_rq_source(m)), "schedstat");

	/* First sample: counters and instantaneous gauges, no window yet. */
	now += 1000000000ull;
	assert_int_equal(sc_metric_map_set(&s1, "nr_cgroups", 4), 0);
	assert_int_equal(sc_monitor_sample(m, 1000, &s1), 0);
	assert_registered(&s1);
	NEAR(get(&s1, "context_switches"), 10000);
	NEAR(get(&s1, "cpu_busy_ns"), 1200.0 * (double)tick);
	NEAR(get(&s1, "cpu_total_ns"), 9300.0 * (double)tick);
	NEAR(get(&s1, "elapsed_ns"), 1e9);
	NEAR(get(&s1, "last_sample_ms"), 1000);
	NEAR(get(&s1, "mean_nr_running"), 2); /* procs_running 3, less the sampler */
	NEAR(get(&s1, "mean_psi_cpu_some_pct"), 32.59);
	NEAR(get(&s1, "nr_cgroups"), 4); /* not the monitor's key: untouched */
	assert_absent(&s1, "mean_cpu_busy_pct");
	assert_absent(&s1, "max_cpu_busy_pct");
	assert_absent(&s1, "peak_nr_running");
	assert_absent(&s1, "rq_imbalance");
	assert_int_equal(s1.len, 8);

	/* One second later: cpu0 ran 90 of 100 ticks, cpu1 30; cpu0's queue
	 * waited 1.5 s in total, cpu1's not at all. */
	tree_fixture(t, "proc/stat", "proc-stat.t1");
	tree_fixture(t, "proc/schedstat", "schedstat.t1");
	now += 1000000000ull;
	assert_int_equal(sc_monitor_sample(m, 2000, &s2), 0);
	assert_registered(&s2);
	NEAR(get(&s2, "context_switches"), 10500);
	NEAR(get(&s2, "cpu_busy_ns"), 1320.0 * (double)tick);
	NEAR(get(&s2, "cpu_total_ns"), 9500.0 * (double)tick);
	NEAR(get(&s2, "elapsed_ns"), 2e9);
	NEAR(get(&s2, "mean_cpu_busy_pct"), 60.0);
	NEAR(get(&s2, "max_cpu_busy_pct"), 90.0);
	NEAR(get(&s2, "mean_nr_running"), 4);
	NEAR(get(&s2, "peak_nr_running"), 0.9 + 1.5);
	NEAR(get(&s2, "rq_imbalance"), (0.9 + 1.5) - 0.3);
	assert_int_equal(s2.len, 11);

	assert_int_equal(sc_monitor_vmstat_numa_pages_migrated(m, &numa), 0);
	assert_int_equal(numa, 12345);

	/* The phase over both samples: rates from the counters' deltas. */
	both[0] = s1;
	both[1] = s2;
	assert_int_equal(sc_monitor_reduce_phase(both, 2, &phase), 0);
	NEAR(get(&phase, "cpu_util_pct"), 100.0 * 120 / 200);
	NEAR(get(&phase, "context_switch_rate"), 500.0);
	NEAR(get(&phase, "context_switches"), 500);
	NEAR(get(&phase, "elapsed_ns"), 1e9);
	NEAR(get(&phase, "mean_cpu_busy_pct"), 60.0); /* only s2 had it */
	NEAR(get(&phase, "mean_nr_running"), 3.0);
	NEAR(get(&phase, "nr_cgroups"), 4);
	NEAR(get(&phase, "last_sample_ms"), 2000);

	/* Nothing moved and PSI vanished: window gauges absent, stale keys
	 * removed from a reused map rather than left at their old values. */
	tree_puts(t, "proc/pressure/cpu", "");
	assert_int_equal(sc_metric_map_copy(&s3, &s2), 0);
	now += 1000000000ull;
	assert_int_equal(sc_monitor_sample(m, 3000, &s3), 0);
	assert_absent(&s3, "mean_psi_cpu_some_pct");
	assert_absent(&s3, "mean_cpu_busy_pct");
	assert_absent(&s3, "max_cpu_busy_pct");
	assert_absent(&s3, "peak_nr_running");
	assert_absent(&s3, "rq_imbalance");
	NEAR(get(&s3, "context_switches"), 10500);
	NEAR(get(&s3, "elapsed_ns"), 3e9);

	sc_metric_map_release(&s1);
	sc_metric_map_release(&s2);
	sc_metric_map_release(&s3);
	sc_metric_map_release(&phase);
	sc_monitor_free(m);
}

/* The x86 debug fixture with cpu#0's current task replaced by `pid`. */
static void put_debug(const struct tree *t, const char *rel, long pid)
{
	size_t len;
	char *buf = read_fixture("sched-debug.x86", &len), *at, *out = NULL;
	int n;

	at = strstr(buf, "4242\n");
	assert_non_null(at);
	*at = '\0';
	n = asprintf(&out, "%s%ld\n%s", buf, pid, at + 5);
	assert_true(n > 0);
	tree_write(t, rel, out, (size_t)n);
	free(out);
	free(buf);
}

static void test_monitor_sched_debug(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_metric_map s = { 0 };
	struct sc_monitor *m = NULL;
	uint64_t now = 0;
	long self = (long)gettid();
	struct tree *t = *state;

	tree_fixture(t, "proc/stat", "proc-stat.t0");
	tree_fixture(t, "proc/schedstat", "schedstat.t0"); /* debug wins in AUTO */
	put_debug(t, "sys/kernel/debug/sched/debug", self);
	tree_config(t, &cfg, &now);
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_rq_source(m), SC_MONITOR_RQ_SCHED_DEBUG);

	/* cpu#0 has 3 runnable, one of them the sampling thread itself. */
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	NEAR(get(&s, "peak_nr_running"), 2);
	NEAR(get(&s, "rq_imbalance"), 2);
	NEAR(get(&s, "mean_nr_running"), 2);	    /* procs_running 3 - 1 */
	assert_absent(&s, "mean_psi_cpu_some_pct"); /* no PSI in this tree */

	/* Another task on cpu#0: all three count. */
	put_debug(t, "sys/kernel/debug/sched/debug", self + 1);
	assert_int_equal(sc_monitor_sample(m, 100, &s), 0);
	NEAR(get(&s, "peak_nr_running"), 3);
	NEAR(get(&s, "rq_imbalance"), 3);
	sc_monitor_free(m);

	/* Without procs_running, mean_nr_running is the per-CPU sum. */
	tree_fixture(t, "proc/stat", "proc-stat.old-kernel");
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	NEAR(get(&s, "mean_nr_running"), 3);
	sc_monitor_free(m);

	/* A debug file that stops parsing is not measured (and not zero). */
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	tree_puts(t, "sys/kernel/debug/sched/debug", "Sched Debug Version: v0.12\n");
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	assert_absent(&s, "peak_nr_running");
	assert_absent(&s, "rq_imbalance");
	sc_monitor_free(m);

	/* Kernels before 5.13: /proc/sched_debug. */
	tree_puts(t, "sys/kernel/debug/sched/debug", "");
	put_debug(t, "proc/sched_debug", self + 1);
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_rq_source(m), SC_MONITOR_RQ_SCHED_DEBUG);
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	NEAR(get(&s, "peak_nr_running"), 3);
	sc_monitor_free(m);

	sc_metric_map_release(&s);
}

static void test_monitor_source_selection(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_metric_map s = { 0 };
	struct sc_monitor *m = NULL;
	struct sc_error err = { { 0 } };
	uint64_t now = 0;
	struct tree *t = *state;

	tree_fixture(t, "proc/stat", "proc-stat.t0");
	tree_config(t, &cfg, &now);

	cfg.rq_source = SC_MONITOR_RQ_SCHED_DEBUG;
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), -ENOENT);
	assert_null(m);
	assert_non_null(strstr(err.msg, "debugfs"));

	/* A schedstat layout we do not know is not a source. */
	tree_fixture(t, "proc/schedstat", "schedstat.v14");
	cfg.rq_source = SC_MONITOR_RQ_SCHEDSTAT;
	err.msg[0] = '\0';
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "schedstat"));
	cfg.rq_source = SC_MONITOR_RQ_AUTO;
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), 0);
	assert_int_equal(sc_monitor_rq_source(m), SC_MONITOR_RQ_NONE);
	sc_monitor_free(m);

	/* NONE is honoured even when a source exists. */
	put_debug(t, "sys/kernel/debug/sched/debug", 1);
	cfg.rq_source = SC_MONITOR_RQ_NONE;
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), 0);
	assert_int_equal(sc_monitor_rq_source(m), SC_MONITOR_RQ_NONE);
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	assert_absent(&s, "peak_nr_running");
	assert_absent(&s, "rq_imbalance");
	sc_monitor_free(m);

	cfg.rq_source = SC_MONITOR_RQ_SOURCE_MAX;
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), -EINVAL);
	assert_int_equal(sc_monitor_open(&cfg, NULL, &err), -EINVAL);
	assert_string_equal(sc_monitor_rq_source_name(SC_MONITOR_RQ_SOURCE_MAX), "unknown");
	assert_string_equal(sc_monitor_rq_source_name(SC_MONITOR_RQ_AUTO), "auto");

	sc_metric_map_release(&s);
}

static void test_monitor_nothing_readable(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_metric_map s = { 0 };
	struct sc_monitor *m = NULL;
	uint64_t now = 100, v = 5;
	struct tree *t = *state;

	tree_config(t, &cfg, &now);
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_rq_source(m), SC_MONITOR_RQ_NONE);
	now = 350;
	assert_int_equal(sc_monitor_sample(m, 7, &s), 0);
	/* Only the monitor's own clock is measured. */
	assert_int_equal(s.len, 2);
	NEAR(get(&s, "elapsed_ns"), 250);
	NEAR(get(&s, "last_sample_ms"), 7);
	assert_int_equal(sc_monitor_vmstat_numa_pages_migrated(m, &v), -ENODATA);
	assert_int_equal(v, 5);
	assert_int_equal(sc_monitor_sample(NULL, 0, &s), -EINVAL);
	assert_int_equal(sc_monitor_sample(m, 0, NULL), -EINVAL);
	sc_monitor_free(m);
	sc_monitor_free(NULL);

	/* vmstat without the NUMA line: not measured. */
	tree_fixture(t, "proc/vmstat", "vmstat.no-numa");
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_vmstat_numa_pages_migrated(m, &v), -ENODATA);
	sc_monitor_free(m);

	sc_metric_map_release(&s);
}

static void test_monitor_bad_roots(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_monitor *m = NULL;
	struct sc_error err = { { 0 } };
	uint64_t now = 0;
	struct tree *t = *state;

	tree_fixture(t, "proc/stat", "proc-stat.t0");
	tree_config(t, &cfg, &now);
	cfg.proc_root = "/nonexistent/sc-proc";
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), -ENOENT);
	assert_null(m);
	assert_non_null(strstr(err.msg, "/nonexistent/sc-proc"));

	/* A regular file is not a root. */
	tree_config(t, &cfg, &now);
	snprintf(t->sys, sizeof(t->sys), "%s/proc/stat", t->root);
	cfg.sys_root = t->sys;
	assert_int_equal(sc_monitor_open(&cfg, &m, &err), -ENOTDIR);
	assert_non_null(strstr(err.msg, "sys root"));
	assert_null(m);
}

static void test_monitor_cpu_growth_and_hotplug(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_metric_map s = { 0 };
	struct sc_monitor *m = NULL;
	uint64_t now = 0;
	struct tree *t = *state;

	/* possible says one CPU, /proc/stat shows two: the arrays grow. */
	tree_puts(t, "sys/devices/system/cpu/possible", "0\n");
	tree_fixture(t, "proc/stat", "proc-stat.t0");
	tree_fixture(t, "proc/schedstat", "schedstat.t0");
	tree_config(t, &cfg, &now);
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	now = 1000000000ull;
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	tree_fixture(t, "proc/stat", "proc-stat.t1");
	tree_fixture(t, "proc/schedstat", "schedstat.t1");
	now = 2000000000ull;
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	/* cpu1 (beyond the first capacity) took part in both readings. */
	NEAR(get(&s, "rq_imbalance"), 2.4 - 0.3);

	sc_monitor_free(m);

	/* Growth while sampling (no run-queue source probed at open): the
	 * busiest CPU is cpu1, beyond the first capacity of one. */
	cfg.rq_source = SC_MONITOR_RQ_NONE;
	tree_puts(t, "proc/stat",
		  "cpu  0 0 0 200 0 0 0 0 0 0\ncpu0 0 0 0 100 0 0 0 0 0 0\n"
		  "cpu1 0 0 0 100 0 0 0 0 0 0\n");
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	tree_puts(t, "proc/stat",
		  "cpu  80 0 0 320 0 0 0 0 0 0\ncpu0 10 0 0 190 0 0 0 0 0 0\n"
		  "cpu1 70 0 0 130 0 0 0 0 0 0\n");
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	NEAR(get(&s, "max_cpu_busy_pct"), 70);
	NEAR(get(&s, "mean_cpu_busy_pct"), 40);
	tree_fixture(t, "proc/stat", "proc-stat.t1");
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);

	/* cpu1 goes offline: the busiest-CPU gauge uses the CPUs in both
	 * readings, the aggregate line still carries the whole machine. */
	tree_puts(t, "proc/stat",
		  "cpu  1200 0 240 8140 120 0 0 0 0 0\n"
		  "cpu0 630 0 120 4060 50 0 0 0 0 0\n"
		  "ctxt 11000\nprocs_running 1\n");
	now = 3000000000ull;
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	/* cpu0: busy 690 -> 750 (+60) of total 4750 -> 4860 (+110) */
	NEAR(get(&s, "max_cpu_busy_pct"), 100.0 * 60 / 110);
	/* aggregate: busy 1320 -> 1440, total 9500 -> 9700 */
	NEAR(get(&s, "mean_cpu_busy_pct"), 100.0 * 120 / 200);
	NEAR(get(&s, "mean_nr_running"), 0);

	/* Counters that run backwards (a bogus reading) give no window. */
	tree_fixture(t, "proc/stat", "proc-stat.t0");
	now = 4000000000ull;
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	assert_absent(&s, "mean_cpu_busy_pct");
	assert_absent(&s, "max_cpu_busy_pct");
	NEAR(get(&s, "context_switches"), 10000);

	sc_metric_map_release(&s);
	sc_monitor_free(m);
}

static void test_monitor_percpu_fallback(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_metric_map s = { 0 };
	struct sc_monitor *m = NULL;
	uint64_t now = 0;
	const uint64_t tick = ns_per_tick();
	struct tree *t = *state;

	tree_fixture(t, "proc/stat", "proc-stat.percpu-only");
	tree_config(t, &cfg, &now);
	assert_int_equal(sc_monitor_open(&cfg, &m, NULL), 0);
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	/* No "cpu " line: the counters are the per-CPU sums. */
	NEAR(get(&s, "cpu_busy_ns"), 52.0 * (double)tick);
	NEAR(get(&s, "cpu_total_ns"), 356.0 * (double)tick);
	NEAR(get(&s, "mean_nr_running"), 0); /* procs_running 0: floored, not -1 */

	/* The source switches to the "cpu " line: no window across the switch. */
	tree_puts(t, "proc/stat", "cpu  100 0 0 900 0 0 0 0 0 0\n");
	assert_int_equal(sc_monitor_sample(m, 0, &s), 0);
	assert_absent(&s, "mean_cpu_busy_pct");
	assert_absent(&s, "context_switches");
	assert_absent(&s, "mean_nr_running");
	NEAR(get(&s, "cpu_total_ns"), 1000.0 * (double)tick);
	sc_metric_map_release(&s);
	sc_monitor_free(m);
}

/* fds the process has open that lack FD_CLOEXEC, and the total count. */
static void count_fds(int *total, int *no_cloexec)
{
	int fd;

	*total = *no_cloexec = 0;
	for (fd = 3; fd < 1024; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl < 0)
			continue;
		(*total)++;
		if (!(fl & FD_CLOEXEC))
			(*no_cloexec)++;
	}
}

static void spin_ms(unsigned ms)
{
	struct timespec a, b;
	volatile uint64_t x = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		x++;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < (long)ms);
}

static void test_monitor_live_proc(void **state)
{
	struct sc_metric_map s[2] = { { 0 } }, phase = { 0 };
	struct sc_monitor *m = NULL;
	struct sc_error err = { { 0 } };
	int fds0, open0, fds1, open1, i;
	struct timespec ms = { 0, 1000000 };
	bool psi;

	(void)state;
	if (access("/proc/stat", R_OK)) {
		print_message("no /proc/stat: skipping the live check\n");
		skip();
	}
	count_fds(&fds0, &open0);
	if (sc_monitor_open(NULL, &m, &err))
		fail_msg("open: %s", err.msg);
	count_fds(&fds1, &open1);
	assert_true(fds1 > fds0);
	assert_int_equal(open1, open0); /* every new fd is O_CLOEXEC */

	assert_int_equal(sc_monitor_sample(m, 0, &s[0]), 0);
	spin_ms(200);
	for (i = 0; i < 20; i++)
		nanosleep(&ms, NULL);
	assert_int_equal(sc_monitor_sample(m, 230, &s[1]), 0);
	assert_registered(&s[0]);
	assert_registered(&s[1]);

	/* Real counters move forwards; each sleep switched context at least once. */
	assert_true(get(&s[1], "context_switches") - get(&s[0], "context_switches") >= 20);
	assert_true(get(&s[1], "cpu_busy_ns") >= get(&s[0], "cpu_busy_ns"));
	assert_true(get(&s[1], "cpu_total_ns") > get(&s[0], "cpu_total_ns"));
	assert_true(get(&s[1], "cpu_busy_ns") <= get(&s[1], "cpu_total_ns"));
	assert_true(get(&s[1], "elapsed_ns") - get(&s[0], "elapsed_ns") >= 200e6);
	assert_absent(&s[0], "mean_cpu_busy_pct");
	assert_true(get(&s[1], "mean_cpu_busy_pct") >= 0);
	assert_true(get(&s[1], "mean_cpu_busy_pct") <= 100);
	/* 200 ms of spinning kept some CPU busy most of the window. */
	assert_true(get(&s[1], "max_cpu_busy_pct") >= 50);
	assert_true(get(&s[1], "max_cpu_busy_pct") >= get(&s[1], "mean_cpu_busy_pct") - 1e-9);
	assert_true(get(&s[1], "mean_nr_running") >= 0);
	psi = access("/proc/pressure/cpu", R_OK) == 0;
	assert_int_equal(sc_metric_map_get(&s[1], "mean_psi_cpu_some_pct", NULL), psi);
	if (sc_monitor_rq_source(m) == SC_MONITOR_RQ_NONE)
		assert_absent(&s[1], "peak_nr_running");

	assert_int_equal(sc_monitor_reduce_phase(s, 2, &phase), 0);
	assert_true(get(&phase, "cpu_util_pct") > 0 && get(&phase, "cpu_util_pct") <= 100);
	assert_true(get(&phase, "context_switch_rate") > 0);

	sc_monitor_free(m);
	count_fds(&fds1, &open1);
	assert_int_equal(fds1, fds0); /* nothing leaked */
	sc_metric_map_release(&s[0]);
	sc_metric_map_release(&s[1]);
	sc_metric_map_release(&phase);
}

/* ------------------------------------------------------------------------ */
/* Per-phase reduction                                                       */
/* ------------------------------------------------------------------------ */

/* Builds samples[i] from rows of key/values; NAN in `v` means "absent". */
static void build(struct sc_metric_map *samples, size_t n, const char *key, const double *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]) || signbit(v[i]))
			assert_int_equal(sc_metric_map_set(&samples[i], key, v[i]), 0);
}

static void release_all(struct sc_metric_map *samples, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sc_metric_map_release(&samples[i]);
}

/* -NAN is stored (a non-finite value in a sample); NAN means the key is absent. */
#define ABSENT NAN
#define STORED_NAN (-NAN)

static void test_reduce_counter(void **state)
{
	struct sc_metric_map s[4] = { { 0 } }, out = { 0 };
	const double ctx[4] = { STORED_NAN, 100, 150, 400 };
	const double one[4] = { ABSENT, ABSENT, 7, ABSENT };
	const double inf[4] = { 5, INFINITY, 9, STORED_NAN };

	(void)state;
	build(s, 4, "context_switches", ctx);
	build(s, 4, "cpu_busy_ns", one);
	build(s, 4, "cpu_total_ns", inf);
	assert_int_equal(sc_monitor_reduce_phase(s, 4, &out), 0);
	NEAR(get(&out, "context_switches"), 300); /* last - first finite */
	assert_absent(&out, "cpu_busy_ns");	  /* one reading spans nothing */
	NEAR(get(&out, "cpu_total_ns"), 4);
	assert_absent(&out, "cpu_util_pct"); /* its numerator is absent */
	sc_metric_map_release(&out);
	release_all(s, 4);
}

static void test_reduce_delta_sum_and_peak(void **state)
{
	struct sc_metric_map s[3] = { { 0 } }, out = { 0 };
	const double thr[3] = { 1, 2, 3 };
	const double us[3] = { ABSENT, 250, STORED_NAN };
	const double peak[3] = { 1, 5, 3 };
	const double neg_peak[3] = { -4, -2, -9 };

	(void)state;
	build(s, 3, "nr_throttled", thr);
	build(s, 3, "throttled_us", us);
	build(s, 3, "peak_nr_running", peak);
	build(s, 3, "total_migrations", neg_peak); /* a Counter: last - first */
	assert_int_equal(sc_monitor_reduce_phase(s, 3, &out), 0);
	NEAR(get(&out, "nr_throttled"), 6);
	NEAR(get(&out, "throttled_us"), 250);
	NEAR(get(&out, "peak_nr_running"), 5);
	NEAR(get(&out, "total_migrations"), -5);
	sc_metric_map_release(&out);
	release_all(s, 3);
}

static void test_reduce_gauges_and_timestamp(void **state)
{
	struct sc_metric_map s[4] = { { 0 } }, out = { 0 };
	const double avg[4] = { ABSENT, 10, STORED_NAN, 50 };
	const double gmax[4] = { 1, 4, 2, ABSENT };
	const double glast[4] = { 3, 4, ABSENT, STORED_NAN };
	const double ts[4] = { 100, 200, 300, ABSENT };
	const double all_nan[4] = { STORED_NAN, STORED_NAN, ABSENT, ABSENT };

	(void)state;
	build(s, 4, "mean_cpu_busy_pct", avg);
	build(s, 4, "rq_imbalance", gmax);
	build(s, 4, "nr_cgroups", glast);
	build(s, 4, "last_sample_ms", ts);
	build(s, 4, "mean_psi_cpu_some_pct", all_nan);
	assert_int_equal(sc_monitor_reduce_phase(s, 4, &out), 0);
	NEAR(get(&out, "mean_cpu_busy_pct"), 30); /* over the samples that had it */
	NEAR(get(&out, "rq_imbalance"), 4);
	NEAR(get(&out, "nr_cgroups"), 4); /* last finite */
	NEAR(get(&out, "last_sample_ms"), 300);
	assert_absent(&out, "mean_psi_cpu_some_pct"); /* no finite value */
	assert_int_equal(out.len, 4);
	sc_metric_map_release(&out);
	release_all(s, 4);
}

static void test_reduce_skips_derived_and_unknown(void **state)
{
	struct sc_metric_map s[2] = { { 0 } }, out = { 0 };
	const double v[2] = { 1, 2 };

	(void)state;
	build(s, 2, "cpu_util_pct", v);	       /* Rate: re-derived, not reduced */
	build(s, 2, "migration_ratio", v);     /* PerPhase */
	build(s, 2, "p99_wake_latency_us", v); /* Distribution */
	build(s, 2, "numa_pages_migrated", v); /* PerPhaseDeltaSum: per phase */
	build(s, 2, "no_such_metric", v);      /* unregistered */
	assert_int_equal(sc_monitor_reduce_phase(s, 2, &out), 0);
	assert_int_equal(out.len, 0);
	sc_metric_map_release(&out);
	release_all(s, 2);
}

static void test_reduce_rates_and_out(void **state)
{
	struct sc_metric_map s[3] = { { 0 } }, out = { 0 };
	const double busy[3] = { 0, 20, 50 };
	const double total[3] = { 0, 100, 200 };
	const double ctx[3] = { 1000, 1000, 1500 };
	const double el[3] = { 0, 0, 5e8 };
	const double late[3] = { ABSENT, ABSENT, 9 };

	(void)state;
	build(s, 3, "cpu_busy_ns", busy);
	build(s, 3, "cpu_total_ns", total);
	build(s, 3, "context_switches", ctx);
	build(s, 3, "elapsed_ns", el);
	build(s, 3, "peak_nr_running", late);
	assert_int_equal(sc_metric_map_set(&out, "stale", 1), 0);
	assert_int_equal(sc_monitor_reduce_phase(s, 3, &out), 0);
	assert_absent(&out, "stale"); /* replaced, not merged */
	NEAR(get(&out, "cpu_util_pct"), 25);
	NEAR(get(&out, "context_switch_rate"), 1000); /* 500 switches in 0.5 s */
	NEAR(get(&out, "peak_nr_running"), 9);

	/* Zero elapsed: the rate is not measured, not infinite. */
	assert_int_equal(sc_monitor_reduce_phase(s, 2, &out), 0);
	assert_absent(&out, "context_switch_rate");
	NEAR(get(&out, "context_switches"), 0);
	NEAR(get(&out, "elapsed_ns"), 0);
	NEAR(get(&out, "cpu_util_pct"), 20);

	/* Bad arguments leave out untouched; no samples give an empty phase. */
	assert_int_equal(sc_monitor_reduce_phase(NULL, 2, &out), -EINVAL);
	NEAR(get(&out, "cpu_util_pct"), 20);
	assert_int_equal(sc_monitor_reduce_phase(s, 3, NULL), -EINVAL);
	assert_int_equal(sc_monitor_reduce_phase(NULL, 0, &out), 0);
	assert_int_equal(out.len, 0);
	sc_metric_map_release(&out);
	release_all(s, 3);
}

/* ------------------------------------------------------------------------ */
/* Run info                                                                  */
/* ------------------------------------------------------------------------ */

static const char *expected_default_scheduler(void)
{
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	return sc_mon_release_before(u.release, 6, 6) ? "cfs" : "eevdf";
}

static void test_run_info_fixture(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_run_info ri;
	struct sc_error err = { { 0 } };
	struct utsname u;
	uint64_t now = 0;
	struct tree *t = *state;

	tree_puts(t, "sys/devices/system/cpu/online", "0-3,6\n");
	tree_puts(t, "sys/devices/system/node/online", "0-1\n");
	tree_puts(t, "sys/kernel/sched_ext/state", "enabled\n");
	tree_puts(t, "sys/kernel/sched_ext/root/ops", "scx_rusty\n");
	tree_puts(t, "sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n");
	tree_fixture(t, "proc/loadavg", "loadavg.host");
	tree_config(t, &cfg, &now);

	sc_run_info_init(&ri);
	ri.schedcheck_version = strdup("9.9");
	ri.cgroup_mode = strdup("v2");
	ri.hostname = strdup("stale-host"); /* replaced, and freed (ASan checks) */
	ri.start_unix_ns = 123;
	assert_non_null(ri.hostname);
	assert_int_equal(sc_monitor_collect_run_info(&cfg, &ri, &err), 0);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(ri.hostname, u.nodename);
	assert_string_equal(ri.kernel_release, u.release);
	assert_string_equal(ri.kernel_version, u.version);
	assert_string_equal(ri.machine, u.machine);
	assert_string_equal(ri.cpus_online, "0-3,6");
	assert_int_equal(ri.nr_cpus_online, 5);
	assert_int_equal(ri.nr_numa_nodes, 2);
	assert_string_equal(ri.scheduler, "scx_rusty");
	assert_string_equal(ri.clocksource, "tsc");
	assert_true(ri.loadavg_1min.present);
	NEAR(ri.loadavg_1min.value, 2.54);
	/* Fields the monitor does not own are untouched. */
	assert_string_equal(ri.schedcheck_version, "9.9");
	assert_string_equal(ri.cgroup_mode, "v2");
	assert_int_equal(ri.start_unix_ns, 123);

	/* sched_ext enabled but the ops name unreadable. */
	tree_puts(t, "sys/kernel/sched_ext/root/ops", "");
	assert_int_equal(sc_monitor_collect_run_info(&cfg, &ri, &err), 0);
	assert_string_equal(ri.scheduler, "sched_ext");

	/* Loaded but not switched on yet, or gone: the kernel's own. */
	tree_puts(t, "sys/kernel/sched_ext/state", "enabling\n");
	assert_int_equal(sc_monitor_collect_run_info(&cfg, &ri, &err), 0);
	assert_string_equal(ri.scheduler, expected_default_scheduler());
	tree_puts(t, "sys/kernel/sched_ext/state", "disabled\n");
	assert_int_equal(sc_monitor_collect_run_info(&cfg, &ri, &err), 0);
	assert_string_equal(ri.scheduler, expected_default_scheduler());

	sc_run_info_release(&ri);
}

static void test_run_info_missing_files(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_run_info ri;
	uint64_t now = 0;
	struct tree *t = *state;

	/* Online list malformed: fall back to the CPUs /proc/stat lists. */
	tree_puts(t, "sys/devices/system/cpu/online", "0-\n");
	tree_fixture(t, "proc/stat", "proc-stat.percpu-only");
	tree_puts(t, "proc/loadavg", "garbage\n");
	tree_config(t, &cfg, &now);
	sc_run_info_init(&ri);
	ri.clocksource = strdup("stale");
	assert_int_equal(sc_monitor_collect_run_info(&cfg, &ri, NULL), 0);
	assert_null(ri.cpus_online);
	assert_int_equal(ri.nr_cpus_online, 2); /* cpu0 and cpu2 */
	assert_int_equal(ri.nr_numa_nodes, 1);	/* no node directory: one node */
	assert_null(ri.clocksource);		/* not measured replaces stale */
	assert_false(ri.loadavg_1min.present);
	assert_null(ri.cgroup_mode);
	assert_string_equal(ri.scheduler, expected_default_scheduler());
	assert_non_null(ri.hostname);
	sc_run_info_release(&ri);
}

static void test_run_info_bad_root_and_live(void **state)
{
	struct sc_monitor_config cfg;
	struct sc_run_info ri;
	struct sc_error err = { { 0 } };
	struct utsname u;

	(void)state;
	sc_monitor_config_init(&cfg);
	cfg.sys_root = "/nonexistent/sc-sys";
	sc_run_info_init(&ri);
	ri.hostname = strdup("keep");
	assert_int_equal(sc_monitor_collect_run_info(&cfg, &ri, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/sc-sys"));
	assert_string_equal(ri.hostname, "keep"); /* unchanged on error */
	assert_int_equal(sc_monitor_collect_run_info(&cfg, NULL, &err), -EINVAL);

	/* This machine. */
	assert_int_equal(sc_monitor_collect_run_info(NULL, &ri, &err), 0);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(ri.hostname, u.nodename);
	assert_int_equal(ri.nr_cpus_online, (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(ri.nr_numa_nodes >= 1);
	assert_non_null(ri.scheduler);
	if (access("/sys/kernel/sched_ext/state", R_OK))
		assert_string_equal(ri.scheduler, expected_default_scheduler());
	if (!access("/sys/devices/system/clocksource/clocksource0/current_clocksource", R_OK))
		assert_non_null(ri.clocksource);
	if (!access("/proc/loadavg", R_OK))
		assert_true(ri.loadavg_1min.present && ri.loadavg_1min.value >= 0);
	if (!access("/sys/devices/system/cpu/online", R_OK))
		assert_non_null(ri.cpus_online);
	sc_run_info_release(&ri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_stat_host),
		cmocka_unit_test(test_proc_stat_small_cap_reports_needed),
		cmocka_unit_test(test_proc_stat_percpu_only),
		cmocka_unit_test(test_proc_stat_no_cpu_lines),
		cmocka_unit_test(test_proc_stat_garbage),
		cmocka_unit_test(test_proc_stat_huge_values),
		cmocka_unit_test(test_proc_stat_old_kernel),
		cmocka_unit_test(test_proc_stat_empty),
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_vmstat),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_cpu_list),
		cmocka_unit_test(test_ticks_and_release),
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_sched_debug),
		cmocka_unit_test(test_parsers_survive_mutation),
		cmocka_unit_test_setup_teardown(test_monitor_schedstat_windows, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_monitor_sched_debug, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_monitor_source_selection, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_monitor_nothing_readable, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_monitor_bad_roots, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_monitor_cpu_growth_and_hotplug, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_monitor_percpu_fallback, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_monitor_live_proc),
		cmocka_unit_test(test_reduce_counter),
		cmocka_unit_test(test_reduce_delta_sum_and_peak),
		cmocka_unit_test(test_reduce_gauges_and_timestamp),
		cmocka_unit_test(test_reduce_skips_derived_and_unknown),
		cmocka_unit_test(test_reduce_rates_and_out),
		cmocka_unit_test_setup_teardown(test_run_info_fixture, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_run_info_missing_files, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_run_info_bad_root_and_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
