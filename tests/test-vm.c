// SPDX-License-Identifier: MIT
/*
 * Unit tests of the vm layer's pure parts: topology presets and N,L,C,T
 * parsing, the qemu argv for a topology, the accelerator choice on a fake
 * root, console classification, and the initramfs written and listed back.
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

#include <schedcheck/vm.h>

static void test_presets(void **state)
{
	const struct sc_vm_topology_preset *p;
	struct sc_vm_topology t;
	struct sc_error err;
	size_t i;

	(void)state;
	for (i = 0; (p = sc_vm_topology_preset_at(i)); i++) {
		assert_int_equal(sc_vm_topology_validate(&p->topo, &err), 0);
		assert_ptr_equal(sc_vm_topology_preset_find(p->name), p);
	}
	assert_int_equal(i, SC_VM_TOPO_PRESET_MAX);
	assert_true(i >= 4);
	assert_int_equal(sc_vm_topology_parse("numa2-4llc", &t, &err), 0);
	assert_int_equal(t.nodes, 2);
	assert_int_equal(t.llcs_per_node, 2);
	assert_int_equal(sc_vm_topology_cpus(&t), 8);
	assert_int_equal(sc_vm_topology_parse("odd-3llc", &t, &err), 0);
	assert_int_equal(t.llcs_per_node, 3);
	assert_int_equal(sc_vm_topology_parse("smt-2llc", &t, &err), 0);
	assert_int_equal(t.threads_per_core, 2);
	assert_int_equal(sc_vm_topology_parse("tiny-1llc", &t, &err), 0);
	assert_int_equal(sc_vm_topology_cpus(&t), 2);
}

static void test_parse_nlct(void **state)
{
	struct sc_vm_topology t = { 9, 9, 9, 9 };
	struct sc_error err;

	(void)state;
	assert_int_equal(sc_vm_topology_parse("2,3,1,2", &t, &err), 0);
	assert_int_equal(t.nodes, 2);
	assert_int_equal(t.llcs_per_node, 3);
	assert_int_equal(t.cores_per_llc, 1);
	assert_int_equal(t.threads_per_core, 2);
	assert_int_equal(sc_vm_topology_cpus(&t), 12);
	assert_int_equal(sc_vm_topology_node_of(&t, 5), 0);
	assert_int_equal(sc_vm_topology_node_of(&t, 6), 1);
	t.nodes = 77;
#define BAD(s, needle)                                                               \
	do {                                                                         \
		memset(&err, 0, sizeof(err));                                        \
		assert_int_equal(sc_vm_topology_parse(s, &t, &err), -EINVAL);        \
		if (!strstr(err.msg, needle))                                        \
			fail_msg("'%s': error '%s' lacks '%s'", s, err.msg, needle); \
		assert_int_equal(t.nodes, 77); /* untouched on error */              \
	} while (0)
	BAD("", "empty");
	BAD("2,2,2", "bad field 3");
	BAD("2,2,2,2,2", "bad field 4");
	BAD("2,,2,2", "bad field 2");
	BAD("-1,1,1,1", "bad field 1");
	BAD("1,1,1,1 ", "bad field 4");
	BAD("0,1,1,1", "nodes must be 1..");
	BAD("1,1,0,1", "cores per LLC must be 1..");
	BAD("9,1,1,1", "at most 8 NUMA nodes");
	BAD("1,1,1,8", "at most 4 threads per core");
	BAD("4,4,4,2", "128 CPUs in all");
	BAD("99999999999,1,1,1", "bad field 1");
	BAD("numa3-7llc", "not a preset");
#undef BAD
}

static int find_arg(const struct sc_argv *a, const char *s)
{
	long i = sc_argv_find(a, s);

	if (i < 0)
		fail_msg("qemu argv lacks '%s'", s);
	return (int)i;
}

/* The value after the first occurrence of flag. */
static const char *after(const struct sc_argv *a, const char *flag)
{
	int i = find_arg(a, flag);

	assert_true((size_t)i + 1 < a->n);
	return a->v[i + 1];
}

static size_t count(const struct sc_argv *a, const char *s)
{
	size_t i, n = 0;

	for (i = 0; i < a->n; i++)
		n += !strcmp(a->v[i], s);
	return n;
}

static void base_config(struct sc_vm_qemu_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kernel = "/k/vmlinuz";
	c->initrd = "/c/run.cpio";
	c->console_log = "/r/x.console.log";
	c->frames_path = "/r/x.frames";
	c->memory_mib = 1000;
	c->accel = SC_VM_ACCEL_TCG;
}

static void test_qemu_argv_numa2_4llc(void **state)
{
	struct sc_vm_qemu_config c;
	struct sc_argv a;
	struct sc_error err;

	(void)state;
	base_config(&c);
	assert_int_equal(sc_vm_topology_parse("numa2-4llc", &c.topo, &err), 0);
	sc_argv_init(&a);
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), 0);
	assert_null(a.v[a.n]);
	assert_string_equal(a.v[0], "qemu-system-x86_64");
	find_arg(&a, "-nodefaults");
	find_arg(&a, "-nographic");
	find_arg(&a, "-no-reboot");
	assert_string_equal(after(&a, "-accel"), "tcg,thread=multi");
	assert_string_equal(after(&a, "-m"), "1000");
	/* 2 nodes x 2 LLCs: 4 sockets of 2 cores. */
	assert_string_equal(after(&a, "-smp"), "8,sockets=4,cores=2,threads=1");
	find_arg(&a, "memory-backend-ram,id=mem0,size=500M");
	find_arg(&a, "memory-backend-ram,id=mem1,size=500M");
	find_arg(&a, "node,nodeid=0,memdev=mem0");
	find_arg(&a, "node,nodeid=1,memdev=mem1");
	find_arg(&a, "cpu,node-id=0,socket-id=0");
	find_arg(&a, "cpu,node-id=0,socket-id=1");
	find_arg(&a, "cpu,node-id=1,socket-id=2");
	find_arg(&a, "cpu,node-id=1,socket-id=3");
	find_arg(&a, "dist,src=0,dst=1,val=20");
	assert_int_equal(count(&a, "-numa"), 2 + 4 + 1);
	assert_string_equal(after(&a, "-kernel"), "/k/vmlinuz");
	assert_string_equal(after(&a, "-initrd"), "/c/run.cpio");
	assert_string_equal(after(&a, "-serial"), "file:/r/x.console.log");
	find_arg(&a, "file,id=scframes,path=/r/x.frames");
	find_arg(&a, "virtserialport,bus=vser0.0,chardev=scframes,name=" SC_VM_PORT_NAME);
	assert_non_null(strstr(after(&a, "-append"), "console=ttyS0"));
	assert_non_null(strstr(after(&a, "-append"), "panic=-1"));
	assert_non_null(strstr(after(&a, "-append"), "rdinit=/bin/schedcheck -- guest"));
	sc_argv_release(&a);
}

static void test_qemu_argv_smt_kvm_odd_memory(void **state)
{
	struct sc_vm_qemu_config c;
	struct sc_argv a;
	struct sc_error err;

	(void)state;
	base_config(&c);
	c.accel = SC_VM_ACCEL_KVM;
	c.memory_mib = 1001; /* 3 nodes: 333 MiB each, 999 in all */
	c.append = "sched_verbose";
	assert_int_equal(sc_vm_topology_parse("3,1,1,2", &c.topo, &err), 0);
	sc_argv_init(&a);
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), 0);
	assert_string_equal(after(&a, "-accel"), "kvm");
	assert_string_equal(after(&a, "-cpu"), "host");
	assert_string_equal(after(&a, "-m"), "999");
	assert_string_equal(after(&a, "-smp"), "6,sockets=3,cores=1,threads=2");
	find_arg(&a, "dist,src=0,dst=1,val=20");
	find_arg(&a, "dist,src=0,dst=2,val=20");
	find_arg(&a, "dist,src=1,dst=2,val=20");
	assert_non_null(strstr(after(&a, "-append"), " sched_verbose -- guest"));
	sc_argv_release(&a);
	/* A single node has no -numa dist lines. */
	assert_int_equal(sc_vm_topology_parse("tiny-1llc", &c.topo, &err), 0);
	c.append = NULL;
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), 0);
	assert_int_equal(count(&a, "-numa"), 2);
	sc_argv_release(&a);
}

static void test_qemu_argv_refuses(void **state)
{
	struct sc_vm_qemu_config c;
	struct sc_argv a;
	struct sc_error err;

	(void)state;
	sc_argv_init(&a);
	base_config(&c);
	c.topo = (struct sc_vm_topology){ 1, 1, 1, 1 };
	c.accel = SC_VM_ACCEL_AUTO;
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "resolved"));
	c.accel = SC_VM_ACCEL_TCG;
	c.frames_path = "/a,b";
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "','"));
	base_config(&c);
	c.topo = (struct sc_vm_topology){ 1, 1, 1, 1 };
	c.memory_mib = SC_VM_MAX_MEMORY_MIB + 1;
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), -EINVAL);
	c.memory_mib = 512;
	c.topo.nodes = 0;
	assert_int_equal(sc_vm_qemu_argv(&c, &a, &err), -EINVAL);
	assert_int_equal(a.n, 0);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/test-vm-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void touch(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void test_accel_resolve(void **state)
{
	char *root = tmpdir(), p[PATH_MAX], why[256];

	(void)state;
	assert_int_equal(sc_vm_accel_resolve(SC_VM_ACCEL_KVM, root, why, sizeof(why)),
			 SC_VM_ACCEL_KVM);
	assert_int_equal(sc_vm_accel_resolve(SC_VM_ACCEL_TCG, root, why, sizeof(why)),
			 SC_VM_ACCEL_TCG);
	/* No /dev/kvm: TCG. */
	assert_int_equal(sc_vm_accel_resolve(SC_VM_ACCEL_AUTO, root, why, sizeof(why)),
			 SC_VM_ACCEL_TCG);
	assert_non_null(strstr(why, "cannot be opened"));
	/* A /dev/kvm that opens: KVM. */
	snprintf(p, sizeof(p), "%s/dev", root);
	assert_int_equal(mkdir(p, 0755), 0);
	touch(root, "dev/kvm");
	assert_int_equal(sc_vm_accel_resolve(SC_VM_ACCEL_AUTO, root, why, sizeof(why)),
			 SC_VM_ACCEL_KVM);
	/* ...unless it is kvm_pvm. */
	snprintf(p, sizeof(p), "%s/sys", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/sys/module", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/sys/module/kvm_pvm", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(sc_vm_accel_resolve(SC_VM_ACCEL_AUTO, root, why, sizeof(why)),
			 SC_VM_ACCEL_TCG);
	assert_non_null(strstr(why, "kvm_pvm"));
	assert_int_equal(sc_vm_accel_parse("tcg", &(enum sc_vm_accel){ 0 }), 0);
	assert_int_equal(sc_vm_accel_parse("xen", &(enum sc_vm_accel){ 0 }), -EINVAL);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/sys/module", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/sys", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/dev/kvm", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dev", root);
	rmdir(p);
	rmdir(root);
	free(root);
}

static void test_console_classify(void **state)
{
	static const char panic[] =
		"[    1.0] ok\n[    2.5] sysrq: Trigger a crash\n[    2.6] Kernel panic - not "
		"syncing: sysrq triggered crash\n";
	static const char hung[] =
		"boot\r\nINFO: task kworker:1 blocked for more than 30 seconds.\n";
	static const char oops[] =
		"x\nBUG: kernel NULL pointer dereference, address: 0\nOops: 0002\n";
	static const char clean[] =
		"[ 1.0] Run /bin/schedcheck as init process\nreboot: Power down\n";
	char line[256], tail[64];

	(void)state;
	assert_int_equal(sc_vm_console_classify(panic, sizeof(panic) - 1, line, sizeof(line)),
			 SC_VM_END_PANIC);
	assert_non_null(strstr(line, "sysrq: Trigger a crash"));
	assert_int_equal(sc_vm_console_classify(hung, sizeof(hung) - 1, line, sizeof(line)),
			 SC_VM_END_HUNG_TASK);
	assert_int_equal(sc_vm_console_classify(oops, sizeof(oops) - 1, line, sizeof(line)),
			 SC_VM_END_OOPS);
	assert_int_equal(sc_vm_console_classify(clean, sizeof(clean) - 1, line, sizeof(line)),
			 SC_VM_END_OK);
	sc_vm_console_tail(panic, sizeof(panic) - 1, 1, line, sizeof(line));
	assert_string_equal(line, "[    2.6] Kernel panic - not syncing: sysrq triggered crash");
	/* Cut at the front to fit the buffer. */
	sc_vm_console_tail(panic, sizeof(panic) - 1, 1, tail, 16);
	assert_string_equal(tail, "triggered crash");
	sc_vm_console_tail(clean, sizeof(clean) - 1, 5, line, sizeof(line));
	assert_string_equal(line, "[ 1.0] Run /bin/schedcheck as init process\nreboot: Power down");
	sc_vm_console_tail(panic, sizeof(panic) - 1, 2, line, sizeof(line));
	assert_string_equal(line, "[    2.5] sysrq: Trigger a crash\n[    2.6] Kernel panic - not "
				  "syncing: sysrq triggered crash");
}

static bool listed(const struct sc_argv *a, const char *s)
{
	return sc_argv_find(a, s) >= 0;
}

static void test_initramfs_write_list_cache(void **state)
{
	static const char scenario[] = "{\"name\":\"x\"}";
	char *dir = tmpdir(), bin[PATH_MAX], path[PATH_MAX], path2[PATH_MAX], cmd[PATH_MAX + 16];
	struct sc_vm_initramfs_inputs in;
	struct sc_argv names;
	struct sc_error err;
	struct stat st;
	bool hit = true;
	FILE *f;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/fake-schedcheck", dir);
	f = fopen(bin, "we");
	assert_non_null(f);
	fputs("\177ELF not really", f);
	fclose(f);
	memset(&in, 0, sizeof(in));
	in.guest_binary = bin;
	in.busybox = bin;
	in.scenario_json = scenario;
	in.scenario_len = strlen(scenario);
	in.checks = "max_gap_ms=5\n";
	assert_int_equal(sc_vm_initramfs_prepare(&in, dir, path, sizeof(path), &hit, &err), 0);
	assert_false(hit);
	sc_argv_init(&names);
	assert_int_equal(sc_vm_initramfs_list(path, &names, &err), 0);
	/* Base archive, then the scenario archive appended. */
	assert_true(listed(&names, "bin/schedcheck"));
	assert_true(listed(&names, "init"));
	assert_true(listed(&names, "bin/busybox"));
	assert_true(listed(&names, "bin/sh"));
	assert_true(listed(&names, "sys"));
	assert_true(listed(&names, "etc/schedcheck/scenario.json"));
	assert_true(listed(&names, "etc/schedcheck/checks"));
	assert_true(sc_argv_find(&names, "bin/schedcheck") <
		    sc_argv_find(&names, "etc/schedcheck/scenario.json"));
	sc_argv_release(&names);
	/* Same inputs: a cache hit on the same file. */
	assert_int_equal(sc_vm_initramfs_prepare(&in, dir, path2, sizeof(path2), &hit, &err), 0);
	assert_true(hit);
	assert_string_equal(path, path2);
	/* Another scenario: a new file, the base reused. */
	in.scenario_json = "{\"name\":\"y\"}";
	assert_int_equal(sc_vm_initramfs_prepare(&in, dir, path2, sizeof(path2), &hit, &err), 0);
	assert_false(hit);
	assert_string_not_equal(path, path2);
	/* gzip compresses; the listing reads it too. */
	in.compression = SC_VM_INITRD_GZIP;
	assert_int_equal(sc_vm_initramfs_prepare(&in, dir, path2, sizeof(path2), &hit, &err), 0);
	assert_int_equal(stat(path2, &st), 0);
	sc_argv_init(&names);
	assert_int_equal(sc_vm_initramfs_list(path2, &names, &err), 0);
	assert_true(listed(&names, "bin/schedcheck"));
	sc_argv_release(&names);
	/* A missing input is an error naming it. */
	in.busybox = "/nonexistent/busybox";
	assert_true(sc_vm_initramfs_prepare(&in, dir, path2, sizeof(path2), &hit, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/busybox"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void test_elf_static(void **state)
{
	struct sc_error err;
	bool st = true;

	(void)state;
	/* /bin/sh is dynamically linked on every Debian. */
	assert_int_equal(sc_vm_elf_is_static("/bin/sh", &st, &err), 0);
	assert_false(st);
	assert_int_equal(sc_vm_elf_is_static("/etc/passwd", &st, &err), -ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_parse_nlct),
		cmocka_unit_test(test_qemu_argv_numa2_4llc),
		cmocka_unit_test(test_qemu_argv_smt_kvm_odd_memory),
		cmocka_unit_test(test_qemu_argv_refuses),
		cmocka_unit_test(test_accel_resolve),
		cmocka_unit_test(test_console_classify),
		cmocka_unit_test(test_initramfs_write_list_cache),
		cmocka_unit_test(test_elf_static),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
