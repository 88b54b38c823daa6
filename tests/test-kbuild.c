// SPDX-License-Identifier: MIT
/*
 * Unit tests of issue 5's host and guest pieces that need no kernel build:
 * the kbuild cache (keys, entries, kernel discovery), a program's shared
 * libraries, the scenario's "expect" key, and the scheduler verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <schedcheck/scenario.h>
#include <schedcheck/vm.h>

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_tmp(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/sc-test-kbuild-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_key_and_cache(void **state)
{
	char tmp[64], tree[256], frag[256], key1[96], key2[96], key3[96], p[1024];
	char dir[512], kernel[PATH_MAX];
	struct sc_vm_kbuild_options o;
	struct sc_vm_kbuild_entry e, *v;
	struct sc_error err;
	size_t n;

	(void)state;
	make_tmp(tmp, sizeof(tmp));
	snprintf(tree, sizeof(tree), "%s/linux", tmp);
	assert_int_equal(mkdir(tree, 0755), 0);
	snprintf(p, sizeof(p), "%s/Makefile", tree);
	write_file(p, "# SPDX\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 57\nEXTRAVERSION =\n");
	snprintf(frag, sizeof(frag), "%s/frag.config", tmp);
	write_file(frag, "CONFIG_SCHED_CLASS_EXT=y\n");

	memset(&o, 0, sizeof(o));
	o.source = tree;
	o.fragment = frag;
	o.cache_dir = tmp;
	assert_int_equal(sc_vm_kbuild_key(&o, key1, sizeof(key1), &err), 0);
	assert_int_equal(sc_vm_kbuild_key(&o, key2, sizeof(key2), &err), 0);
	assert_string_equal(key1, key2);
	assert_true(!strncmp(key1, "linux-", 6));
	/* Another fragment, another key. */
	write_file(frag, "CONFIG_SCHED_CLASS_EXT=y\nCONFIG_NUMA=y\n");
	assert_int_equal(sc_vm_kbuild_key(&o, key3, sizeof(key3), &err), 0);
	assert_string_not_equal(key1, key3);
	/* No source, no fragment: errors that say so. */
	o.source = "/nonexistent/linux";
	assert_true(sc_vm_kbuild_key(&o, key3, sizeof(key3), &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/linux"));
	o.source = tree;
	o.fragment = NULL;
	assert_int_equal(sc_vm_kbuild_key(&o, key3, sizeof(key3), &err), -EINVAL);

	/* An empty cache lists nothing; a complete entry is found and preferred. */
	assert_int_equal(sc_vm_kbuild_list(tmp, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(sc_vm_kbuild_newest(tmp, &e), -ENOENT);
	snprintf(dir, sizeof(dir), "%s/" SC_VM_KBUILD_SUBDIR "/%s", tmp, key1);
	snprintf(p, sizeof(p), "%s/" SC_VM_KBUILD_SUBDIR, tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	/* Without info: incomplete (a build in progress). */
	assert_int_equal(sc_vm_kbuild_list(tmp, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_false(v[0].complete);
	free(v);
	assert_int_equal(sc_vm_kbuild_newest(tmp, &e), -ENOENT);
	snprintf(p, sizeof(p), "%s/bzImage", dir);
	write_file(p, "not really a kernel");
	snprintf(p, sizeof(p), "%s/info", dir);
	write_file(p, "source=/x\nrelease=6.12.57\ntree=/x/src\nobjtree=/x/src\nfragment=/f\n"
		      "fragment_sha256=00\nbuilt_unix_s=1700000000\nbuild_ms=660000\n");
	assert_int_equal(sc_vm_kbuild_newest(tmp, &e), 0);
	assert_true(e.complete);
	assert_string_equal(e.release, "6.12.57");
	assert_int_equal(e.build_ms, 660000);
	assert_string_equal(e.key, key1);

	/* vm finds it by itself when a scheduler is given, not otherwise. */
	setenv("SCHEDCHECK_CACHE_DIR", tmp, 1);
	unsetenv("SCHEDCHECK_KERNEL");
	assert_int_equal(sc_vm_find_kernel_for(NULL, true, kernel, sizeof(kernel), &err), 0);
	assert_string_equal(kernel, e.bzimage);
	if (sc_vm_find_kernel_for(NULL, false, kernel, sizeof(kernel), &err) == 0)
		assert_string_not_equal(kernel, e.bzimage);
	/* --kernel still wins. */
	assert_int_equal(sc_vm_find_kernel_for(p, true, kernel, sizeof(kernel), &err), 0);
	assert_string_equal(kernel, p);

	/* Schedulers by name: from the kernel's entry. */
	assert_int_equal(
		sc_vm_kbuild_find_scheduler(tmp, e.bzimage, "scx_simple", p, sizeof(p), &err),
		-ENOENT);
	assert_non_null(strstr(err.msg, "kernel schedulers"));
	snprintf(p, sizeof(p), "%s/schedulers", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/schedulers/scx_simple", dir);
	write_file(p, "#!/bin/sh\n");
	assert_int_equal(sc_vm_kbuild_find_scheduler(tmp, e.bzimage, "scx_simple", kernel,
						     sizeof(kernel), &err),
			 0);
	assert_string_equal(kernel, p);
	assert_int_equal(
		sc_vm_kbuild_find_scheduler(tmp, NULL, "a/b", kernel, sizeof(kernel), &err),
		-EINVAL);
	unsetenv("SCHEDCHECK_CACHE_DIR");
	rm_rf(tmp);
}

static void test_elf_deps(void **state)
{
	struct sc_vm_elf_dep deps[SC_VM_ELF_MAX_DEPS];
	struct sc_error err;
	bool libc = false, interp = false;
	size_t n = 0, i;

	(void)state;
	/* /bin/sh is dynamically linked on Debian. */
	assert_int_equal(sc_vm_elf_deps("/bin/sh", NULL, deps, SC_VM_ELF_MAX_DEPS, &n, &err), 0);
	assert_true(n >= 2);
	for (i = 0; i < n; i++) {
		assert_true(deps[i].guest[0] != '/');
		assert_int_equal(access(deps[i].host, R_OK), 0);
		if (strstr(deps[i].guest, "/libc.so.6"))
			libc = true;
		if (!strncmp(deps[i].guest, "lib64/ld-linux", 14))
			interp = true;
	}
	assert_true(libc);
	assert_true(interp);
	/* A static program needs nothing (busybox-static, when installed). */
	if (access("/bin/busybox", R_OK) == 0) {
		bool st = false;

		if (sc_vm_elf_is_static("/bin/busybox", &st, &err) == 0 && st) {
			assert_int_equal(sc_vm_elf_deps("/bin/busybox", NULL, deps,
							SC_VM_ELF_MAX_DEPS, &n, &err),
					 0);
			assert_int_equal(n, 0);
		}
	}
	/* Not an ELF. */
	assert_int_equal(sc_vm_elf_deps("/etc/passwd", NULL, deps, SC_VM_ELF_MAX_DEPS, &n, &err),
			 -ENOEXEC);
	/* Too small a buffer. */
	assert_true(sc_vm_elf_deps("/bin/sh", NULL, deps, 1, &n, &err) < 0);
}

static const char *scenario_with(const char *expect)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\n  \"name\": \"x\",\n  \"cgroups\": [{\"name\": \"a\", \"work\": [{\"type\": "
		 "\"spin\", \"workers\": 1}]}]%s%s\n}\n",
		 expect ? ",\n  \"expect\": " : "", expect ? expect : "");
	return buf;
}

static void test_scenario_expect(void **state)
{
	struct sc_scenario s;
	struct sc_error err;
	const char *t;
	int r;

	(void)state;
	t = scenario_with(NULL);
	r = sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err);
	if (r < 0)
		fail_msg("base scenario: %s", err.msg);
	assert_false(s.expect.has_scheduler_error);
	sc_scenario_release(&s);

	t = scenario_with("{\"scheduler_error\": \"runnable task stall\"}");
	assert_int_equal(sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err), 0);
	assert_true(s.expect.has_scheduler_error);
	assert_string_equal(s.expect.scheduler_error, "runnable task stall");
	sc_scenario_release(&s);

	t = scenario_with("{\"scheduler_error\": \"(unclosed\"}");
	assert_int_equal(sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "x.json:4:"));
	assert_non_null(strstr(err.msg, "regex"));

	t = scenario_with("{\"scheduler_eror\": \"x\"}");
	assert_int_equal(sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown key"));

	t = scenario_with("{\"scheduler_error\": 5}");
	assert_int_equal(sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err), -EINVAL);
	t = scenario_with("{\"scheduler_error\": \"\"}");
	assert_int_equal(sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err), -EINVAL);
	t = scenario_with("\"stall\"");
	assert_int_equal(sc_scenario_parse(t, strlen(t), "x.json", NULL, &s, &err), -EINVAL);
}

static void fake_failed(struct sc_vm_scx_watch *w)
{
	sc_vm_scx_watch_init(w);
	snprintf(w->ops, sizeof(w->ops), "qmap");
	w->enabled_after_ms = 120;
	w->enabled = true;
	w->failed = true;
	snprintf(w->kernel_reason, sizeof(w->kernel_reason), "runnable task stall");
	snprintf(w->reason, sizeof(w->reason),
		 "sched_ext: BPF scheduler \"qmap\" disabled (runnable task stall)");
}

static void add_check_fail(struct sc_assert_result *r)
{
	struct sc_assert_detail d;

	sc_assert_detail_init(&d);
	assert_int_equal(sc_assert_detail_set(&d, "not_starved", "a", "gap of 6000 ms"), 0);
	assert_int_equal(sc_assert_result_record_fail(r, &d), 0);
	sc_assert_detail_release(&d);
}

static void test_verdict(void **state)
{
	struct sc_vm_scx_watch w;
	struct sc_assert_result r;
	const struct sc_note_value *v;
	size_t cur = 0;
	const struct sc_assert_detail *d;

	(void)state;
	/* A failure without an expectation: Fail naming the reason, ops recorded. */
	fake_failed(&w);
	sc_assert_result_init(&r);
	assert_int_equal(sc_vm_scx_watch_verdict(&w, "/bin/scheduler", NULL, &r), 0);
	assert_true(sc_assert_result_is_fail(&r));
	d = sc_assert_result_next_detail(&r, SC_OUTCOME_FAIL, &cur);
	assert_non_null(d);
	assert_string_equal(d->check, "scheduler");
	assert_non_null(strstr(d->message, "runnable task stall"));
	v = sc_measurement_map_get(&r.measurements, "vm.scheduler.ops");
	assert_non_null(v);
	assert_string_equal(v->v.text, "qmap");
	sc_assert_result_release(&r);

	/* Expected and matching: Pass; a check's Fail becomes a note. */
	sc_assert_result_init(&r);
	add_check_fail(&r);
	assert_int_equal(sc_vm_scx_watch_verdict(&w, NULL, "runnable task stall", &r), 0);
	assert_true(sc_assert_result_is_pass(&r));
	assert_int_equal(sc_assert_result_count(&r, SC_OUTCOME_FAIL), 0);
	sc_assert_result_release(&r);

	/* Expected but another error: Fail. */
	sc_assert_result_init(&r);
	assert_int_equal(sc_vm_scx_watch_verdict(&w, NULL, "^watchdog$", &r), 0);
	assert_true(sc_assert_result_is_fail(&r));
	sc_assert_result_release(&r);

	/* Expected and nothing happened: Fail. No expectation, nothing happened: Pass. */
	sc_vm_scx_watch_init(&w);
	snprintf(w.ops, sizeof(w.ops), "simple");
	w.enabled = true;
	sc_assert_result_init(&r);
	assert_int_equal(sc_vm_scx_watch_verdict(&w, NULL, "stall", &r), 0);
	assert_true(sc_assert_result_is_fail(&r));
	sc_assert_result_release(&r);
	sc_assert_result_init(&r);
	assert_int_equal(sc_vm_scx_watch_verdict(&w, NULL, NULL, &r), 0);
	assert_true(sc_assert_result_is_pass(&r));
	sc_assert_result_release(&r);
	/* A bad pattern is refused. */
	sc_assert_result_init(&r);
	assert_int_equal(sc_vm_scx_watch_verdict(&w, NULL, "(", &r), -EINVAL);
	sc_assert_result_release(&r);
}

static void test_watch_process(void **state)
{
	char *const argv[] = { (char *)"/bin/sh", (char *)"-c",
			       (char *)"echo hello; echo EXIT: boom >&2; exit 3", NULL };
	struct sc_vm_scx_watch w;
	struct sc_error err;
	char tmp[64], p[256], text[1024];

	(void)state;
	/* A fake sysfs without sched_ext: refused up front. */
	make_tmp(tmp, sizeof(tmp));
	sc_vm_scx_watch_init(&w);
	assert_int_equal(sc_vm_scx_watch_start(&w, argv, tmp, 100, &err), -EOPNOTSUPP);
	sc_vm_scx_watch_close(&w, 100);
	/* A scheduler that exits before enabling: -ECHILD with its output kept. */
	snprintf(p, sizeof(p), "%s/kernel", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/kernel/sched_ext", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/kernel/sched_ext/state", tmp);
	write_file(p, "disabled\n");
	sc_vm_scx_watch_init(&w);
	assert_int_equal(sc_vm_scx_watch_start(&w, argv, tmp, 5000, &err), -ECHILD);
	assert_true(w.failed);
	assert_non_null(strstr(w.reason, "status 3"));
	sc_vm_scx_tail_text(&w.sched_tail, text, sizeof(text));
	assert_non_null(strstr(text, "hello"));
	assert_non_null(strstr(text, "EXIT: boom"));
	sc_vm_scx_watch_close(&w, 100);
	rm_rf(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_and_cache),	cmocka_unit_test(test_elf_deps),
		cmocka_unit_test(test_scenario_expect), cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_watch_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
