// SPDX-License-Identifier: MIT
/*
 * Tests for the cgroup layer: mountinfo parsing over fixture texts (pure,
 * always run), then real trees on this host's v1 and v2 hierarchies, cleanup
 * by destroy, by a SIGINT/SIGTERM handler, and by the stale sweep after SIGKILL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <schedcheck/cgroup.h>

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                  */
/* ------------------------------------------------------------------------ */

/* This host (kernel 6.18, hybrid): v1 controllers plus an empty cgroup2. */
static const char mi_hybrid_host[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
	"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs "
	"rw,size=12334556k,nr_inodes=3083639,mode=755\n"
	"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A current distribution: cgroup2 only, with optional fields. */
static const char mi_pure_v2[] =
	"22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"24 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
	"35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"36 24 0:31 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:5 - bpf bpf rw,mode=700\n";

/* systemd's hybrid layout: co-mounted cpu,cpuacct and a release_agent. */
static const char mi_hybrid_systemd[] =
	"31 23 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"32 31 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
	"cgroup2 rw,nsdelegate\n"
	"33 31 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
	"cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n"
	"36 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - "
	"cgroup cgroup rw,cpu,cpuacct\n"
	"37 31 0:32 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - "
	"cgroup cgroup rw,net_cls,net_prio\n"
	"38 31 0:33 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup "
	"cgroup rw,cpuset\n"
	"39 31 0:34 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup "
	"cgroup rw,pids\n";

/* CentOS 7 style: v1 only, controllers listed out of order. */
static const char mi_v1_only[] =
	"18 62 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw\n"
	"25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:7 - tmpfs tmpfs ro,mode=755\n"
	"26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:8 - cgroup "
	"cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n"
	"29 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - "
	"cgroup cgroup rw,cpuacct,cpu\n"
	"30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup "
	"cgroup rw,memory\n"
	"31 25 0:27 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:13 - cgroup "
	"cgroup rw,cpuset\n"
	"32 25 0:28 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
	"cgroup rw,blkio\n"
	"33 25 0:29 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
	"cgroup rw,freezer\n";

static void parse_ok(const char *text, struct sc_cgroup_layout *l)
{
	struct sc_error err = { { 0 } };

	assert_int_equal(sc_cgroup_layout_parse_mountinfo(l, text, strlen(text), &err), 0);
}

static const char *ctrl_mount(const struct sc_cgroup_layout *l, enum sc_cgroup_controller c)
{
	return l->ctrl_index[c] < 0 ? NULL : l->hierarchies[l->ctrl_index[c]].mount_point;
}

/* ------------------------------------------------------------------------ */
/* Pure tests                                                                */
/* ------------------------------------------------------------------------ */

static void test_parse_pure_v2(void **state)
{
	struct sc_cgroup_layout l;

	(void)state;
	parse_ok(mi_pure_v2, &l);
	assert_int_equal(l.mode, SC_CGROUP_MODE_UNIFIED);
	assert_int_equal(l.nr_hierarchies, 1);
	assert_int_equal(l.nr_bad_lines, 0);
	assert_int_equal(l.v2_index, 0);
	assert_string_equal(l.hierarchies[0].mount_point, "/sys/fs/cgroup");
	assert_true(l.hierarchies[0].v2);
	assert_int_equal(l.hierarchies[0].dev_major, 0);
	assert_int_equal(l.hierarchies[0].dev_minor, 30);
	/* Controllers are unknown until cgroup.controllers is read. */
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
		assert_int_equal(l.ctrl_index[c], -1);

	assert_int_equal(sc_cgroup_layout_set_v2_controllers(
				 &l, "cpuset cpu io memory hugetlb pids rdma misc\n"),
			 0);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPUSET), "/sys/fs/cgroup");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_MEMORY), "/sys/fs/cgroup");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_IO), "/sys/fs/cgroup");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_PIDS), "/sys/fs/cgroup");
	/* v1-only controllers never resolve to v2. */
	assert_null(ctrl_mount(&l, SC_CGROUP_CTRL_CPUACCT));
	assert_null(ctrl_mount(&l, SC_CGROUP_CTRL_FREEZER));

	/* A shorter list drops the rest (unknown names are ignored). */
	assert_int_equal(sc_cgroup_layout_set_v2_controllers(&l, "memory bogus pids"), 0);
	assert_null(ctrl_mount(&l, SC_CGROUP_CTRL_CPU));
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_PIDS), "/sys/fs/cgroup");
}

static void test_parse_hybrid_host(void **state)
{
	struct sc_cgroup_layout l;

	(void)state;
	parse_ok(mi_hybrid_host, &l);
	assert_int_equal(l.mode, SC_CGROUP_MODE_HYBRID);
	assert_int_equal(l.nr_bad_lines, 0);
	/* cpu cpuacct cpuset memory freezer blkio pids + unified; not devices, not systemd. */
	assert_int_equal(l.nr_hierarchies, 8);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPUACCT), "/sys/fs/cgroup/cpuacct");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPUSET), "/sys/fs/cgroup/cpuset");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_MEMORY), "/sys/fs/cgroup/memory");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_IO), "/sys/fs/cgroup/blkio");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_PIDS), "/sys/fs/cgroup/pids");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_FREEZER), "/sys/fs/cgroup/freezer");
	assert_true(l.v2_index >= 0);
	assert_string_equal(l.hierarchies[l.v2_index].mount_point, "/sys/fs/cgroup/unified");
	assert_int_equal(l.hierarchies[l.ctrl_index[SC_CGROUP_CTRL_CPU]].dev_minor, 29);
	assert_false(l.hierarchies[l.ctrl_index[SC_CGROUP_CTRL_CPU]].v2);

	/* The empty unified hierarchy hosts nothing; v1 keeps its controllers. */
	assert_int_equal(sc_cgroup_layout_set_v2_controllers(&l, "\n"), 0);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu");
	assert_int_equal(l.mode, SC_CGROUP_MODE_HYBRID);
}

static void test_parse_hybrid_systemd(void **state)
{
	struct sc_cgroup_layout l;

	(void)state;
	parse_ok(mi_hybrid_systemd, &l);
	assert_int_equal(l.mode, SC_CGROUP_MODE_HYBRID);
	assert_int_equal(l.nr_bad_lines, 0);
	assert_int_equal(l.nr_hierarchies, 4); /* cpu,cpuacct  cpuset  pids  unified */
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(l.ctrl_index[SC_CGROUP_CTRL_CPU], l.ctrl_index[SC_CGROUP_CTRL_CPUACCT]);
	assert_null(ctrl_mount(&l, SC_CGROUP_CTRL_MEMORY));
	/* cgroup_no_v1=memory: memory shows up on the unified side only. */
	assert_int_equal(sc_cgroup_layout_set_v2_controllers(&l, "memory io"), 0);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_MEMORY), "/sys/fs/cgroup/unified");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_IO), "/sys/fs/cgroup/unified");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu,cpuacct");
	/* Even if v2 claims cpu, a v1 binding wins (the kernel would not list it). */
	assert_int_equal(sc_cgroup_layout_set_v2_controllers(&l, "cpu"), 0);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu,cpuacct");
}

static void test_parse_v1_only(void **state)
{
	struct sc_cgroup_layout l;

	(void)state;
	parse_ok(mi_v1_only, &l);
	assert_int_equal(l.mode, SC_CGROUP_MODE_LEGACY);
	assert_int_equal(l.v2_index, -1);
	assert_int_equal(l.nr_bad_lines, 0);
	assert_int_equal(l.nr_hierarchies, 5);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPUACCT), "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_IO), "/sys/fs/cgroup/blkio");
	assert_null(ctrl_mount(&l, SC_CGROUP_CTRL_PIDS));
	assert_int_equal(sc_cgroup_layout_set_v2_controllers(&l, "cpu"), -ENOENT);
}

static void test_parse_garbage(void **state)
{
	static const char text[] =
		"\n"
		"garbage\n"
		"1 2 3\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime cgroup2 cgroup2 rw\n" /* no "-" */
		"41 31 0:38 / /x rw,relatime - cgroup2 cgroup2\n"   /* 2 after "-" */
		"x1 31 0:38 / /y rw - cgroup2 cgroup2 rw\n"	    /* bad id */
		"41 31 038 / /y rw - cgroup2 cgroup2 rw\n"	    /* bad dev */
		"41 31 0:38 relative /y rw - cgroup2 cgroup2 rw\n"  /* bad root */
		"41 31 0:38 / y rw - cgroup2 cgroup2 rw\n"	    /* bad mnt */
		"41  31 0:38 / /y rw - cgroup2 cgroup2 rw\n"	    /* empty field */
		"41 31 0:38 / /y rw - cgroup2 cgroup2 rw \n"	    /* trailing space */
		"41 31 0:38 / /\\000nul rw - cgroup2 cgroup2 rw\n"  /* decoded NUL */
		"4294967296 31 0:38 / /z rw - cgroup2 cgroup2 rw\n" /* id beyond u32 */
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"99 31 0:77 / /other/cpu rw - cgroup cgroup rw,cpu\n" /* cpu twice: contradiction */
		/* The last line has no newline and still counts. */
		"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset";
	struct sc_cgroup_layout l;
	/* Embedded NUL inside a line. */
	static const char with_nul[] = "1 2 0:3 / /a\0b rw - cgroup cgroup rw,cpu\n";

	(void)state;
	parse_ok(text, &l);
	assert_int_equal(l.nr_bad_lines, 13);
	assert_int_equal(l.mode, SC_CGROUP_MODE_LEGACY);
	assert_int_equal(l.nr_hierarchies, 2);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu");
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPUSET), "/sys/fs/cgroup/cpuset");

	assert_int_equal(sc_cgroup_layout_parse_mountinfo(&l, with_nul, sizeof(with_nul) - 1, NULL),
			 0);
	assert_int_equal(l.nr_bad_lines, 1);
	assert_int_equal(l.mode, SC_CGROUP_MODE_NONE);

	/* Empty input, NULL with zero length. */
	assert_int_equal(sc_cgroup_layout_parse_mountinfo(&l, NULL, 0, NULL), 0);
	assert_int_equal(l.mode, SC_CGROUP_MODE_NONE);
	assert_int_equal(l.nr_hierarchies, 0);
	assert_int_equal(sc_cgroup_layout_parse_mountinfo(NULL, "", 0, NULL), -EINVAL);
	assert_int_equal(sc_cgroup_layout_parse_mountinfo(&l, NULL, 5, NULL), -EINVAL);
}

static void test_parse_escapes(void **state)
{
	static const char text[] =
		"41 31 0:38 / /mnt/my\\040cgroups\\011v2 rw master:3 shared:9 - cgroup2 cgroup2 "
		"rw\n"
		"42 31 0:39 / /mnt/back\\134slash\\9 rw - cgroup cgroup rw,pids\n";
	struct sc_cgroup_layout l;

	(void)state;
	parse_ok(text, &l);
	assert_int_equal(l.nr_bad_lines, 0);
	assert_int_equal(l.mode, SC_CGROUP_MODE_HYBRID);
	assert_string_equal(l.hierarchies[l.v2_index].mount_point, "/mnt/my cgroups\tv2");
	/* \134 is a backslash; "\9" is no escape and stays literal. */
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_PIDS), "/mnt/back\\slash\\9");
}

static void test_parse_shadow_and_bind(void **state)
{
	/* cgroup2 at /sys/fs/cgroup, then a tmpfs over it: v2 is hidden. */
	static const char shadowed[] =
		"35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
		"36 24 0:40 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		"37 36 0:41 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
	/* The same v1 hierarchy twice: a subtree bind first, then its root. */
	static const char binds[] = "50 24 0:41 /sub /ctr/cpu rw - cgroup cgroup rw,cpu\n"
				    "51 24 0:41 / /host/cpu rw - cgroup cgroup rw,cpu\n"
				    "52 24 0:41 /other /ctr2/cpu rw - cgroup cgroup rw,cpu\n"
				    "53 24 0:30 /x /c2 rw - cgroup2 cgroup2 rw\n"
				    "54 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	/* A later mount of / hides everything recorded so far. */
	static const char over_root[] = "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
					"60 1 8:1 / / rw - ext4 /dev/sda1 rw\n";
	struct sc_cgroup_layout l;

	(void)state;
	parse_ok(shadowed, &l);
	assert_int_equal(l.mode, SC_CGROUP_MODE_LEGACY);
	assert_int_equal(l.v2_index, -1);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/sys/fs/cgroup/cpu");

	parse_ok(binds, &l);
	assert_int_equal(l.nr_hierarchies, 2);
	assert_int_equal(l.nr_bad_lines, 0);
	assert_string_equal(ctrl_mount(&l, SC_CGROUP_CTRL_CPU), "/host/cpu");
	assert_true(l.hierarchies[l.ctrl_index[SC_CGROUP_CTRL_CPU]].at_hierarchy_root);
	assert_string_equal(l.hierarchies[l.v2_index].mount_point, "/sys/fs/cgroup");

	parse_ok(over_root, &l);
	assert_int_equal(l.mode, SC_CGROUP_MODE_NONE);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sc_cgroup_controller_name(SC_CGROUP_CTRL_IO), "io");
	assert_string_equal(sc_cgroup_controller_v1_name(SC_CGROUP_CTRL_IO), "blkio");
	assert_string_equal(sc_cgroup_controller_name(SC_CGROUP_CTRL_CPUACCT), "cpuacct");
	assert_null(sc_cgroup_controller_v2_name(SC_CGROUP_CTRL_FREEZER));
	assert_int_equal(sc_cgroup_controller_from_name("blkio"), SC_CGROUP_CTRL_IO);
	assert_int_equal(sc_cgroup_controller_from_name("io"), SC_CGROUP_CTRL_IO);
	assert_int_equal(sc_cgroup_controller_from_name("cpu,cpuacct"), -EINVAL);
	assert_int_equal(sc_cgroup_controller_from_name(NULL), -EINVAL);
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
		assert_int_equal(sc_cgroup_controller_from_name(sc_cgroup_controller_name(c)), c);
	assert_string_equal(sc_cgroup_mode_name(SC_CGROUP_MODE_HYBRID), "hybrid");
	assert_string_equal(sc_cgroup_mode_name(SC_CGROUP_MODE_MAX), "?");
	assert_string_equal(sc_cgroup_feature_name(SC_CGROUP_FEAT_CPU_WEIGHT), "cpu.weight");
	assert_string_equal(sc_cgroup_use_name(SC_CGROUP_USE_V1), "v1");
}

static void test_weight_shares(void **state)
{
	(void)state;
	assert_int_equal(sc_cgroup_weight_to_shares(100), 1024);
	assert_int_equal(sc_cgroup_weight_to_shares(1), 10);
	assert_int_equal(sc_cgroup_weight_to_shares(200), 2048);
	assert_int_equal(sc_cgroup_weight_to_shares(10000), 102400);
	assert_int_equal(sc_cgroup_weight_to_shares(3), 31); /* 30.72 rounds up, as the kernel */
	assert_int_equal(sc_cgroup_shares_to_weight(1024), 100);
	assert_int_equal(sc_cgroup_shares_to_weight(2), 0);
	assert_int_equal(sc_cgroup_shares_to_weight(UINT64_MAX), UINT32_MAX);
	for (uint32_t w = 1; w <= 10000; w++)
		assert_int_equal(sc_cgroup_shares_to_weight(sc_cgroup_weight_to_shares(w)), w);
}

static void test_cpulist(void **state)
{
	cpu_set_t s;

	(void)state;
	assert_int_equal(sc_cgroup_cpulist_parse("0-3,8,10-11\n", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 7);
	assert_true(CPU_ISSET(0, &s) && CPU_ISSET(3, &s) && CPU_ISSET(8, &s) && CPU_ISSET(11, &s));
	assert_false(CPU_ISSET(4, &s) || CPU_ISSET(9, &s));
	assert_int_equal(sc_cgroup_cpulist_parse("\n", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 0);
	assert_int_equal(sc_cgroup_cpulist_parse("", &s), 0);
	assert_int_equal(sc_cgroup_cpulist_parse("5", &s), 0);
	assert_int_equal(CPU_COUNT(&s), 1);
	assert_int_equal(sc_cgroup_cpulist_parse("3-1", &s), -EINVAL);
	assert_int_equal(sc_cgroup_cpulist_parse("1,", &s), -EINVAL);
	assert_int_equal(sc_cgroup_cpulist_parse("1,,2", &s), -EINVAL);
	assert_int_equal(sc_cgroup_cpulist_parse("a", &s), -EINVAL);
	assert_int_equal(sc_cgroup_cpulist_parse("1-", &s), -EINVAL);
	assert_int_equal(sc_cgroup_cpulist_parse("1\n2", &s), -EINVAL);
	assert_int_equal(sc_cgroup_cpulist_parse("0-99999", &s), -ERANGE);
}

/* ------------------------------------------------------------------------ */
/* Host helpers                                                              */
/* ------------------------------------------------------------------------ */

#define HOST_CTRLS                                                                              \
	(SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPU) | SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUSET) |   \
	 SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUACCT) | SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_PIDS) | \
	 SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_FREEZER))

static struct sc_cgroup_layout host_layout;
static bool host_layout_ok;
/* Trees and children to clean up if an assertion aborts a test midway. */
static struct sc_cgroup_tree *live_tree;
static pid_t live_pids[8];
/*
 * A test-private root ("/sctest-<pid>" in every hierarchy) for the sweep test:
 * other runs of this binary may sweep the shared roots at the same time.
 */
static char private_root[64];

static void track_pid(pid_t p)
{
	for (size_t i = 0; i < sizeof(live_pids) / sizeof(live_pids[0]); i++) {
		if (live_pids[i] == 0) {
			live_pids[i] = p;
			return;
		}
	}
}

static void private_root_remove(void);

static int host_teardown(void **state)
{
	(void)state;
	sc_cgroup_tree_destroy(live_tree, NULL);
	live_tree = NULL;
	for (size_t i = 0; i < sizeof(live_pids) / sizeof(live_pids[0]); i++) {
		if (live_pids[i] > 0) {
			kill(live_pids[i], SIGKILL);
			waitpid(live_pids[i], NULL, 0);
		}
		live_pids[i] = 0;
	}
	private_root_remove();
	return 0;
}

/* Skips (with the reason printed) unless root with a detected layout. */
static bool host_ready(void)
{
	struct sc_error err = { { 0 } };

	if (geteuid() != 0) {
		print_message("skip: needs root to create cgroups\n");
		return false;
	}
	if (!host_layout_ok) {
		int r = sc_cgroup_layout_detect(&host_layout, &err);

		if (r < 0) {
			print_message("skip: no cgroup layout: %s\n", err.msg);
			return false;
		}
		host_layout_ok = true;
	}
	if (host_layout.mode == SC_CGROUP_MODE_NONE) {
		print_message("skip: no cgroup filesystem mounted\n");
		return false;
	}
	return true;
}

/* Creates a tree, or skips when the hierarchy is not writable for us. */
static bool make_tree(const struct sc_cgroup_tree_opts *o, struct sc_cgroup_tree **t)
{
	struct sc_error err = { { 0 } };
	int r = sc_cgroup_tree_create(&host_layout, o, t, &err);

	if (r == -EACCES || r == -EPERM || r == -EROFS) {
		print_message("skip: cgroup hierarchy not writable: %s\n", err.msg);
		return false;
	}
	if (r < 0)
		print_message("tree create: %s\n", err.msg);
	assert_int_equal(r, 0);
	live_tree = *t;
	return true;
}

static void read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		print_message("open %s: %s\n", path, strerror(errno));
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Waits up to timeout_ms for `pid` to be reapable; returns its status or -1. */
static int reap(pid_t pid, int timeout_ms)
{
	for (int i = 0; i < timeout_ms; i++) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			for (size_t k = 0; k < sizeof(live_pids) / sizeof(live_pids[0]); k++)
				if (live_pids[k] == pid)
					live_pids[k] = 0;
			return st;
		}
		if (r < 0)
			return -1;
		usleep(1000);
	}
	return -1;
}

/* A child that blocks reading `*wfd`'s pipe; on byte 'f' it forks a like grandchild. */
static pid_t spawn_blocked(int *wfd, int *report_rfd)
{
	int go[2], rep[2];
	pid_t p;

	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(rep, O_CLOEXEC), 0);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		char c;

		close(go[1]);
		close(rep[0]);
		while (read(go[0], &c, 1) == 1) {
			if (c == 'f') {
				pid_t g = fork();

				if (g == 0) {
					while (read(go[0], &c, 1) == 1)
						;
					_exit(0);
				}
				if (write(rep[1], &g, sizeof(g)) != sizeof(g))
					_exit(3);
			}
		}
		_exit(0);
	}
	close(go[0]);
	close(rep[1]);
	*wfd = go[1];
	if (report_rfd)
		*report_rfd = rep[0];
	else
		close(rep[0]);
	track_pid(p);
	return p;
}

static bool proc_cgroup_has(pid_t pid, const char *needle)
{
	char path[64], buf[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void write_file(const char *dir, const char *file, const char *val)
{
	char path[SC_CGROUP_PATH_MAX + 64];
	int fd;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, file) < (int)sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

static void private_root_make(void)
{
	char path[SC_CGROUP_PATH_MAX + 64], buf[256];

	snprintf(private_root, sizeof(private_root), "sctest-%d", (int)getpid());
	for (unsigned int i = 0; i < host_layout.nr_hierarchies; i++) {
		const struct sc_cgroup_hierarchy *h = &host_layout.hierarchies[i];

		snprintf(path, sizeof(path), "%s/%s", h->mount_point, private_root);
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		/* A new v1 cpuset is empty; the tree refuses to inherit nothing. */
		if (!h->v2 && (h->controllers & SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUSET))) {
			read_file(h->mount_point, "cpuset.cpus", buf, sizeof(buf));
			write_file(path, "cpuset.cpus", buf);
			read_file(h->mount_point, "cpuset.mems", buf, sizeof(buf));
			write_file(path, "cpuset.mems", buf);
		}
	}
}

static void private_root_remove(void)
{
	struct sc_cgroup_tree_opts o;
	char path[SC_CGROUP_PATH_MAX + 64];

	if (!private_root[0])
		return;
	/* A failed test may have left a dead child's tree in it. */
	sc_cgroup_tree_opts_init(&o);
	o.root = private_root;
	sc_cgroup_sweep_stale(&host_layout, &o, NULL);
	for (unsigned int i = 0; i < host_layout.nr_hierarchies; i++) {
		snprintf(path, sizeof(path), "%s/%s", host_layout.hierarchies[i].mount_point,
			 private_root);
		rmdir(path);
	}
	private_root[0] = '\0';
}

/* Counts entries "schedcheck-<pid>-*" under the (private) root of every hierarchy. */
static int count_trees_of(pid_t pid)
{
	char prefix[64], dir[SC_CGROUP_PATH_MAX + 64];
	int count = 0;

	snprintf(prefix, sizeof(prefix), "schedcheck-%d-", (int)pid);
	for (unsigned int i = 0; i < host_layout.nr_hierarchies; i++) {
		DIR *d;
		struct dirent *de;

		snprintf(dir, sizeof(dir), "%s/%s", host_layout.hierarchies[i].mount_point,
			 private_root);
		d = opendir(dir);

		if (!d)
			continue;
		while ((de = readdir(d)))
			if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
				count++;
		closedir(d);
	}
	return count;
}

/* ------------------------------------------------------------------------ */
/* Host tests                                                                */
/* ------------------------------------------------------------------------ */

static void test_host_detect(void **state)
{
	(void)state;
	if (!host_ready())
		skip();
	print_message("layout: %s, %u hierarchies\n", sc_cgroup_mode_name(host_layout.mode),
		      host_layout.nr_hierarchies);
	for (unsigned int i = 0; i < host_layout.nr_hierarchies; i++) {
		const struct sc_cgroup_hierarchy *h = &host_layout.hierarchies[i];
		char probe[SC_CGROUP_PATH_MAX + 32];

		snprintf(probe, sizeof(probe), "%s/%s", h->mount_point,
			 h->v2 ? "cgroup.controllers" : "tasks");
		assert_true(exists(probe));
	}
	/* Every controller resolved to a v1 hierarchy has its files there. */
	if (host_layout.ctrl_index[SC_CGROUP_CTRL_CPU] >= 0 &&
	    !host_layout.hierarchies[host_layout.ctrl_index[SC_CGROUP_CTRL_CPU]].v2) {
		char probe[SC_CGROUP_PATH_MAX + 32];

		snprintf(probe, sizeof(probe), "%s/cpu.shares",
			 ctrl_mount(&host_layout, SC_CGROUP_CTRL_CPU));
		assert_true(exists(probe));
	}
	if (host_layout.ctrl_index[SC_CGROUP_CTRL_CPUSET] >= 0 &&
	    !host_layout.hierarchies[host_layout.ctrl_index[SC_CGROUP_CTRL_CPUSET]].v2) {
		char probe[SC_CGROUP_PATH_MAX + 32];

		snprintf(probe, sizeof(probe), "%s/cpuset.cpus",
			 ctrl_mount(&host_layout, SC_CGROUP_CTRL_CPUSET));
		assert_true(exists(probe));
	}
}

static void test_host_bad_args(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t = NULL;
	struct sc_cgroup *cg, *a, *b;
	struct sc_error err = { { 0 } };

	(void)state;
	assert_int_equal(sc_cgroup_tree_destroy(NULL, NULL), 0);
	if (!host_ready())
		skip();
	sc_cgroup_tree_opts_init(&o);
	o.root = "/../etc";
	assert_int_equal(sc_cgroup_tree_create(&host_layout, &o, &t, &err), -EINVAL);
	assert_null(t);
	o.root = "/does-not-exist-schedcheck";
	o.controllers = HOST_CTRLS;
	assert_true(sc_cgroup_tree_create(&host_layout, &o, &t, &err) == -ENOENT);
	assert_non_null(strstr(err.msg, "does-not-exist-schedcheck"));
	/* cpuacct exists only on v1: requiring it on a v2-only tree fails with the reason. */
	if (host_layout.v2_index >= 0) {
		sc_cgroup_tree_opts_init(&o);
		o.use = SC_CGROUP_USE_V2;
		o.required = SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUACCT);
		assert_int_equal(sc_cgroup_tree_create(&host_layout, &o, &t, &err), -EOPNOTSUPP);
		assert_non_null(strstr(err.msg, "cpuacct"));
	}
	/* A v1 cpuset root without cpus: refused up front, naming the empty file. */
	if (host_layout.ctrl_index[SC_CGROUP_CTRL_CPUSET] >= 0 &&
	    !host_layout.hierarchies[host_layout.ctrl_index[SC_CGROUP_CTRL_CPUSET]].v2) {
		const char *mnt = ctrl_mount(&host_layout, SC_CGROUP_CTRL_CPUSET);
		char empty[SC_CGROUP_PATH_MAX + 64], name[64];

		snprintf(name, sizeof(name), "sctest-empty-%d", (int)getpid());
		snprintf(empty, sizeof(empty), "%s/%s", mnt, name);
		assert_int_equal(mkdir(empty, 0755), 0);
		sc_cgroup_tree_opts_init(&o);
		o.use = SC_CGROUP_USE_V1;
		o.controllers = SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUSET);
		o.root = name;
		assert_int_equal(sc_cgroup_tree_create(&host_layout, &o, &t, &err), -ENOSPC);
		assert_non_null(strstr(err.msg, "cpuset.cpus: empty"));
		assert_non_null(strstr(err.msg, name));
		/* Nothing left inside: rmdir of the root succeeds. */
		assert_int_equal(rmdir(empty), 0);
	}
	sc_cgroup_tree_opts_init(&o);
	o.controllers = HOST_CTRLS;
	o.max_cgroups = 3;
	if (!make_tree(&o, &t))
		skip();
	assert_int_equal(sc_cgroup_create(t, NULL, "../x", &cg, &err), -EINVAL);
	assert_int_equal(sc_cgroup_create(t, NULL, ".hidden", &cg, &err), -EINVAL);
	assert_int_equal(sc_cgroup_create(t, NULL, "", &cg, &err), -EINVAL);
	assert_int_equal(sc_cgroup_create(t, NULL, "a", &a, &err), 0);
	assert_int_equal(sc_cgroup_create(t, NULL, "a", &cg, &err), -EEXIST);
	assert_int_equal(sc_cgroup_create(t, a, "b", &b, &err), 0);
	assert_int_equal(sc_cgroup_create(t, a, "c", &cg, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "limited to 3"));
	assert_ptr_equal(sc_cgroup_tree_find(t, "a/b"), b);
	assert_ptr_equal(sc_cgroup_tree_find(t, ""), sc_cgroup_tree_parent(t));
	assert_null(sc_cgroup_tree_find(t, "a/c"));
	assert_string_equal(sc_cgroup_rel_path(b), "a/b");
	assert_int_equal(sc_cgroup_tree_destroy(t, &err), 0);
	live_tree = NULL;
}

/* The v1 path: cpu, cpuset, cpuacct, pids, freezer hierarchies, no cgroup.kill. */
static void test_host_v1_tree(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t;
	struct sc_cgroup *web, *db;
	struct sc_cgroup_cpu_stat st;
	struct sc_error err = { { 0 } };
	char dirs[SC_CGROUP_MAX_HIERARCHIES][SC_CGROUP_PATH_MAX];
	char path[SC_CGROUP_PATH_MAX], buf[256], expect[SC_CGROUP_PATH_MAX + 256];
	unsigned int nr_dirs;
	pid_t child, grandchild, *pids = NULL;
	size_t nr = 0;
	int wfd, rfd, r, status;

	(void)state;
	if (!host_ready())
		skip();
	if (host_layout.ctrl_index[SC_CGROUP_CTRL_CPU] < 0 ||
	    host_layout.hierarchies[host_layout.ctrl_index[SC_CGROUP_CTRL_CPU]].v2 ||
	    host_layout.ctrl_index[SC_CGROUP_CTRL_CPUSET] < 0 ||
	    host_layout.hierarchies[host_layout.ctrl_index[SC_CGROUP_CTRL_CPUSET]].v2) {
		print_message("skip: no v1 cpu and cpuset hierarchies on this host\n");
		skip();
	}
	sc_cgroup_tree_opts_init(&o);
	o.use = SC_CGROUP_USE_V1;
	o.controllers = HOST_CTRLS;
	o.required =
		SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPU) | SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUSET);
	if (!make_tree(&o, &t))
		skip();
	assert_false(sc_cgroup_tree_uses_v2(t));
	nr_dirs = sc_cgroup_tree_nr_dirs(t);
	assert_true(nr_dirs >= 2);
	for (unsigned int i = 0; i < nr_dirs; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s", sc_cgroup_tree_dir(t, i));
		assert_true(exists(dirs[i]));
		assert_non_null(strstr(dirs[i], sc_cgroup_tree_name(t)));
	}

	assert_int_equal(sc_cgroup_create(t, NULL, "web", &web, &err), 0);
	/* cpuset first, so that "db" inherits it (v1 children must be subsets). */
	assert_int_equal(sc_cgroup_set_cpus(web, "0", &err), 0);
	assert_int_equal(sc_cgroup_create(t, web, "db", &db, &err), 0);
	assert_int_equal(sc_cgroup_path(db, SC_CGROUP_CTRL_CPUSET, path, sizeof(path)), 0);
	read_file(path, "cpuset.cpus", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	read_file(path, "cpuset.mems", buf, sizeof(buf));
	assert_true(buf[0] != '\0'); /* inherited, so tasks may join */
	assert_int_equal(sc_cgroup_read_effective_cpus(db, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "0");

	/* The error names the file, the value and the reason. */
	r = sc_cgroup_set_cpus(db, "0-99999", &err);
	assert_true(r < 0);
	snprintf(expect, sizeof(expect), "%s/cpuset.cpus: write \"0-99999\": %s", path,
		 strerror(-r));
	assert_string_equal(err.msg, expect);

	/* weight -> shares */
	assert_int_equal(sc_cgroup_set_cpu_weight(web, 200, &err), 0);
	assert_int_equal(sc_cgroup_path(web, SC_CGROUP_CTRL_CPU, path, sizeof(path)), 0);
	read_file(path, "cpu.shares", buf, sizeof(buf));
	assert_string_equal(buf, "2048");
	assert_int_equal(sc_cgroup_set_cpu_weight(web, 0, &err), -EINVAL);

	/* quota / period */
	assert_int_equal(sc_cgroup_set_cpu_max(web, 50000, 100000, &err), 0);
	read_file(path, "cpu.cfs_quota_us", buf, sizeof(buf));
	assert_string_equal(buf, "50000");
	read_file(path, "cpu.cfs_period_us", buf, sizeof(buf));
	assert_string_equal(buf, "100000");
	assert_int_equal(sc_cgroup_set_cpu_max(web, SC_CGROUP_UNLIMITED, 200000, &err), 0);
	read_file(path, "cpu.cfs_quota_us", buf, sizeof(buf));
	assert_string_equal(buf, "-1");
	read_file(path, "cpu.cfs_period_us", buf, sizeof(buf));
	assert_string_equal(buf, "200000");

	/* cpu.idle where the kernel has it on v1 (5.15+), else a clear refusal. */
	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_CPU_IDLE, &err) == 0) {
		assert_int_equal(sc_cgroup_set_cpu_idle(web, true, &err), 0);
		read_file(path, "cpu.idle", buf, sizeof(buf));
		assert_string_equal(buf, "1");
	} else {
		assert_int_equal(sc_cgroup_set_cpu_idle(web, true, &err), -EOPNOTSUPP);
		assert_non_null(strstr(err.msg, "cpu.idle"));
	}

	/* memory was not requested: refused with the reason, nothing written. */
	assert_int_equal(sc_cgroup_set_memory_high(web, 1 << 20, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "memory"));

	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_PIDS_MAX, &err) == 0) {
		assert_int_equal(sc_cgroup_set_pids_max(db, 100, &err), 0);
		assert_int_equal(sc_cgroup_path(db, SC_CGROUP_CTRL_PIDS, path, sizeof(path)), 0);
		read_file(path, "pids.max", buf, sizeof(buf));
		assert_string_equal(buf, "100");
		assert_int_equal(sc_cgroup_set_pids_max(db, SC_CGROUP_UNLIMITED, &err), 0);
		read_file(path, "pids.max", buf, sizeof(buf));
		assert_string_equal(buf, "max");
	}

	/* A blocked child joins db; then it forks a grandchild inside. */
	child = spawn_blocked(&wfd, &rfd);
	assert_int_equal(sc_cgroup_attach_process(db, child, &err), 0);
	assert_int_equal(sc_cgroup_read_procs(db, &pids, &nr, &err), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(pids[0], child);
	free(pids);
	assert_int_equal(sc_cgroup_path(db, SC_CGROUP_CTRL_CPUSET, path, sizeof(path)), 0);
	read_file(path, "tasks", buf, sizeof(buf));
	assert_int_equal(strtol(buf, NULL, 10), child);
	assert_true(proc_cgroup_has(child, sc_cgroup_tree_name(t)));
	assert_int_equal(write(wfd, "f", 1), 1);
	assert_int_equal(read(rfd, &grandchild, sizeof(grandchild)), sizeof(grandchild));
	track_pid(grandchild);
	assert_int_equal(sc_cgroup_read_procs(db, &pids, &nr, &err), 0);
	assert_int_equal(nr, 2);
	free(pids);

	/* Usage is counted by cpuacct, throttling by cpu.stat. */
	assert_int_equal(sc_cgroup_read_cpu_stat(db, &st, &err), 0);
	assert_true(st.has_usage);
	assert_true(st.has_throttling);

	/* Leave them frozen: destroy must thaw before the SIGKILL lands. */
	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_FREEZE, &err) == 0) {
		r = sc_cgroup_freeze(db, true, &err);
		if (r < 0)
			print_message("freeze: %s\n", err.msg);
		assert_int_equal(r, 0);
		assert_int_equal(sc_cgroup_path(db, SC_CGROUP_CTRL_FREEZER, path, sizeof(path)), 0);
		read_file(path, "freezer.state", buf, sizeof(buf));
		assert_string_equal(buf, "FROZEN");
	}

	r = sc_cgroup_tree_destroy(t, &err);
	live_tree = NULL;
	if (r < 0)
		print_message("destroy: %s\n", err.msg);
	assert_int_equal(r, 0);
	for (unsigned int i = 0; i < nr_dirs; i++)
		assert_false(exists(dirs[i]));
	/* Killed even though we still hold the pipe they block on. */
	status = reap(child, 5000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	status = reap(grandchild, 5000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(wfd);
	close(rfd);
}

/* v1 memory and blkio: limits and weights without moving any task there. */
static void test_host_v1_memory_io(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t;
	struct sc_cgroup *m;
	struct sc_error err = { { 0 } };
	char path[SC_CGROUP_PATH_MAX], buf[256];

	(void)state;
	if (!host_ready())
		skip();
	if (host_layout.ctrl_index[SC_CGROUP_CTRL_MEMORY] < 0 ||
	    host_layout.hierarchies[host_layout.ctrl_index[SC_CGROUP_CTRL_MEMORY]].v2) {
		print_message("skip: no v1 memory hierarchy on this host\n");
		skip();
	}
	sc_cgroup_tree_opts_init(&o);
	o.use = SC_CGROUP_USE_V1;
	o.controllers =
		SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_MEMORY) | SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_IO);
	if (!make_tree(&o, &t))
		skip();
	assert_int_equal(sc_cgroup_create(t, NULL, "m", &m, &err), 0);
	assert_int_equal(sc_cgroup_path(m, SC_CGROUP_CTRL_MEMORY, path, sizeof(path)), 0);
	assert_int_equal(sc_cgroup_set_memory_max(m, 64ull << 20, &err), 0);
	read_file(path, "memory.limit_in_bytes", buf, sizeof(buf));
	assert_string_equal(buf, "67108864");
	assert_int_equal(sc_cgroup_set_memory_max(m, SC_CGROUP_UNLIMITED, &err), 0);
	read_file(path, "memory.limit_in_bytes", buf, sizeof(buf));
	assert_true(strtoull(buf, NULL, 10) > (1ull << 60)); /* "-1" reads back as the max */
	/* No v1 equivalent: refused, with the reason, before touching any file. */
	assert_int_equal(sc_cgroup_set_memory_high(m, 1 << 20, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "memory.high"));
	assert_non_null(strstr(err.msg, "v1"));
	assert_int_equal(sc_cgroup_set_memory_low(m, 1 << 20, &err), -EOPNOTSUPP);
	assert_int_equal(sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_MEMORY_LOW, &err), -EOPNOTSUPP);
	/* cpu was not requested. */
	assert_int_equal(sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_CPU_WEIGHT, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "not requested"));

	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_IO_WEIGHT, &err) == 0) {
		assert_int_equal(sc_cgroup_set_io_weight(m, 300, &err), 0);
		assert_int_equal(sc_cgroup_path(m, SC_CGROUP_CTRL_IO, path, sizeof(path)), 0);
		/* blkio.weight (CFQ era) or blkio.bfq.weight, whichever this kernel has. */
		snprintf(buf, sizeof(buf), "%.200s/blkio.weight", path);
		if (exists(buf))
			read_file(path, "blkio.weight", buf, sizeof(buf));
		else
			read_file(path, "blkio.bfq.weight", buf, sizeof(buf));
		assert_non_null(strstr(buf, "300"));
	} else {
		print_message("io weight unsupported here: %s\n", err.msg);
	}
	assert_int_equal(sc_cgroup_tree_destroy(t, &err), 0);
	live_tree = NULL;
	assert_false(exists(path));
}

/* The v2 path, on whatever controllers the cgroup2 hierarchy has (none on this host). */
static void test_host_v2_tree(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t;
	struct sc_cgroup *a, *b;
	struct sc_cgroup_cpu_stat st;
	struct sc_error err = { { 0 } };
	char dir[SC_CGROUP_PATH_MAX], path[SC_CGROUP_PATH_MAX], buf[512];
	pid_t child, *pids = NULL;
	size_t nr = 0;
	int wfd, r, status;

	(void)state;
	if (!host_ready())
		skip();
	if (host_layout.v2_index < 0) {
		print_message("skip: no cgroup2 hierarchy on this host\n");
		skip();
	}
	sc_cgroup_tree_opts_init(&o);
	o.use = SC_CGROUP_USE_V2;
	if (!make_tree(&o, &t))
		skip();
	assert_true(sc_cgroup_tree_uses_v2(t));
	assert_int_equal(sc_cgroup_tree_nr_dirs(t), 1);
	snprintf(dir, sizeof(dir), "%s", sc_cgroup_tree_dir(t, 0));
	assert_true(exists(dir));
	assert_int_equal(sc_cgroup_create(t, NULL, "a", &a, &err), 0);
	assert_int_equal(sc_cgroup_create(t, a, "b", &b, &err), 0);
	assert_int_equal(sc_cgroup_primary_path(b, path, sizeof(path)), 0);
	assert_true(exists(path));

	/* Whatever the hierarchy offers works, the rest is refused with a reason. */
	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_CPU_WEIGHT, &err) == 0) {
		assert_int_equal(sc_cgroup_set_cpu_weight(b, 250, &err), 0);
		read_file(path, "cpu.weight", buf, sizeof(buf));
		assert_string_equal(buf, "250");
		assert_int_equal(sc_cgroup_set_cpu_max(b, 20000, 100000, &err), 0);
		read_file(path, "cpu.max", buf, sizeof(buf));
		assert_string_equal(buf, "20000 100000");
	} else {
		assert_int_equal(sc_cgroup_set_cpu_weight(b, 250, &err), -EOPNOTSUPP);
		assert_non_null(strstr(err.msg, "cpu"));
		print_message("v2 cpu.weight unsupported here: %s\n", err.msg);
	}
	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_CPUSET_CPUS, &err) == 0) {
		assert_int_equal(sc_cgroup_set_cpus(b, "0", &err), 0);
		read_file(path, "cpuset.cpus", buf, sizeof(buf));
		assert_string_equal(buf, "0");
		assert_int_equal(sc_cgroup_read_effective_cpus(b, buf, sizeof(buf), &err), 0);
		assert_string_equal(buf, "0");
	} else {
		assert_int_equal(sc_cgroup_set_cpus(b, "0", &err), -EOPNOTSUPP);
		assert_non_null(strstr(err.msg, "cpuset"));
	}
	/* cpu.idle never needs v1 help; memory.high is v2-only. */
	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_MEMORY_HIGH, &err) == 0) {
		assert_int_equal(sc_cgroup_set_memory_high(b, 64 << 20, &err), 0);
		read_file(path, "memory.high", buf, sizeof(buf));
		assert_string_equal(buf, "67108864");
	}

	child = spawn_blocked(&wfd, NULL);
	r = sc_cgroup_attach_process(b, child, &err);
	if (r < 0)
		print_message("attach: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_int_equal(sc_cgroup_read_procs(b, &pids, &nr, &err), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(pids[0], child);
	free(pids);
	read_file(path, "cgroup.procs", buf, sizeof(buf));
	assert_int_equal(strtol(buf, NULL, 10), child);
	read_file(dir, "cgroup.events", buf, sizeof(buf));
	assert_string_equal(buf, "populated 1");
	snprintf(buf, sizeof(buf), "0::/%s/a/b", sc_cgroup_tree_name(t));
	assert_true(proc_cgroup_has(child, buf));

	/* Core cpu.stat counts usage even with no controller enabled. */
	assert_int_equal(sc_cgroup_read_cpu_stat(b, &st, &err), 0);
	assert_true(st.has_usage);

	/* Frozen, and left frozen: cgroup.kill must still get it. */
	if (sc_cgroup_tree_supports(t, SC_CGROUP_FEAT_FREEZE, &err) == 0) {
		assert_int_equal(sc_cgroup_freeze(a, true, &err), 0);
		{
			char events[512];
			int fd;
			ssize_t n;

			snprintf(events, sizeof(events), "%.400s/cgroup.events", path);
			fd = open(events, O_RDONLY | O_CLOEXEC);
			assert_true(fd >= 0);
			n = read(fd, events, sizeof(events) - 1);
			close(fd);
			assert_true(n > 0);
			events[n] = '\0';
			assert_non_null(strstr(events, "frozen 1"));
		}
		assert_int_equal(sc_cgroup_freeze(a, false, &err), 0);
		assert_int_equal(sc_cgroup_freeze(a, true, &err), 0);
	}

	r = sc_cgroup_tree_destroy(t, &err);
	live_tree = NULL;
	if (r < 0)
		print_message("destroy: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_false(exists(path));
	assert_false(exists(dir));
	status = reap(child, 5000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(wfd);
}

/* AUTO on a hybrid host: the same tree in v1 and v2 at once. */
static void test_host_auto_tree(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t;
	struct sc_cgroup *w;
	struct sc_error err = { { 0 } };
	char dirs[SC_CGROUP_MAX_HIERARCHIES][SC_CGROUP_PATH_MAX], needle[128];
	unsigned int nr_dirs;
	pid_t child;
	int wfd, r, status;

	(void)state;
	if (!host_ready())
		skip();
	sc_cgroup_tree_opts_init(&o);
	o.controllers = HOST_CTRLS;
	if (!make_tree(&o, &t))
		skip();
	nr_dirs = sc_cgroup_tree_nr_dirs(t);
	if (host_layout.mode == SC_CGROUP_MODE_HYBRID)
		assert_true(nr_dirs >= 2 && sc_cgroup_tree_uses_v2(t));
	for (unsigned int i = 0; i < nr_dirs; i++)
		snprintf(dirs[i], sizeof(dirs[i]), "%s", sc_cgroup_tree_dir(t, i));
	assert_int_equal(sc_cgroup_create(t, NULL, "w", &w, &err), 0);
	child = spawn_blocked(&wfd, NULL);
	assert_int_equal(sc_cgroup_attach_process(w, child, &err), 0);
	snprintf(needle, sizeof(needle), "/%s/w\n", sc_cgroup_tree_name(t));
	assert_true(proc_cgroup_has(child, needle));
	if (host_layout.mode == SC_CGROUP_MODE_HYBRID) {
		snprintf(needle, sizeof(needle), ":cpu:/%s/w\n", sc_cgroup_tree_name(t));
		assert_true(proc_cgroup_has(child, needle));
		snprintf(needle, sizeof(needle), "0::/%s/w\n", sc_cgroup_tree_name(t));
		assert_true(proc_cgroup_has(child, needle));
	}
	r = sc_cgroup_kill(w, &err);
	if (r < 0)
		print_message("kill: %s\n", err.msg);
	assert_int_equal(r, 0);
	status = reap(child, 5000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(sc_cgroup_tree_destroy(t, &err), 0);
	live_tree = NULL;
	for (unsigned int i = 0; i < nr_dirs; i++)
		assert_false(exists(dirs[i]));
	close(wfd);
}

/* What a child reports back once its tree is populated. */
struct child_report {
	int status;
	pid_t grandchild;
	char name[64];
	char msg[SC_ERROR_MSG_MAX];
};

static void on_term(int sig)
{
	sc_cgroup_emergency_cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

enum child_mode { CHILD_BARE, CHILD_HANDLERS, CHILD_ATEXIT };

/*
 * Forked child: builds a tree (AUTO), puts a sleeping grandchild in it,
 * reports, then waits to be killed, or (CHILD_ATEXIT) calls exit() once
 * `go_fd` delivers a byte. Never returns.
 */
static void run_tree_child(int report_fd, int go_fd, enum child_mode mode)
{
	struct child_report rep = { 0 };
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t;
	struct sc_cgroup *w;
	struct sc_error err = { { 0 } };
	pid_t g;

	if (mode == CHILD_ATEXIT)
		atexit(sc_cgroup_emergency_cleanup_all);
	if (mode == CHILD_HANDLERS) {
		struct sigaction sa = { 0 };

		sa.sa_handler = on_term;
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGINT);
		sigaddset(&sa.sa_mask, SIGTERM);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	sc_cgroup_tree_opts_init(&o);
	o.controllers = HOST_CTRLS;
	o.root = private_root[0] ? private_root : NULL;
	rep.status = sc_cgroup_tree_create(&host_layout, &o, &t, &err);
	if (rep.status == 0)
		rep.status = sc_cgroup_create(t, NULL, "w", &w, &err);
	if (rep.status == 0) {
		g = fork();
		if (g == 0) {
			for (;;)
				pause();
		}
		rep.grandchild = g;
		rep.status = sc_cgroup_attach_process(w, g, &err);
		snprintf(rep.name, sizeof(rep.name), "%s", sc_cgroup_tree_name(t));
	}
	snprintf(rep.msg, sizeof(rep.msg), "%s", err.msg);
	if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(2);
	if (mode == CHILD_ATEXIT) {
		char ch;

		if (read(go_fd, &ch, 1) == 1)
			exit(0); /* runs the atexit hook, no destroy */
		_exit(3);
	}
	for (;;)
		pause();
}

static pid_t spawn_tree_child(enum child_mode mode, struct child_report *rep, int *go_wfd)
{
	int p[2], go[2];
	pid_t c;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		close(p[0]);
		close(go[1]);
		run_tree_child(p[1], go[0], mode);
	}
	close(p[1]);
	close(go[0]);
	if (go_wfd)
		*go_wfd = go[1];
	else
		close(go[1]);
	track_pid(c);
	assert_int_equal(read(p[0], rep, sizeof(*rep)), sizeof(*rep));
	close(p[0]);
	if (rep->grandchild > 0)
		track_pid(rep->grandchild);
	if (rep->status < 0)
		print_message("child: %s\n", rep->msg);
	assert_int_equal(rep->status, 0);
	/* Really in place before we pull the plug. */
	assert_true(proc_cgroup_has(rep->grandchild, rep->name));
	assert_true(count_trees_of(c) >= 1);
	return c;
}

static void emergency_case(int sig)
{
	struct child_report rep;
	pid_t c;
	int status;

	if (!host_ready())
		skip();
	c = spawn_tree_child(CHILD_HANDLERS, &rep, NULL);
	assert_int_equal(kill(c, sig), 0);
	status = reap(c, 10000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig);
	/* The handler ran before the default action: nothing of c's is left. */
	assert_int_equal(count_trees_of(c), 0);
	/* We are the subreaper: the orphaned grandchild comes to us, killed. */
	status = reap(rep.grandchild, 10000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_host_emergency_sigint(void **state)
{
	(void)state;
	emergency_case(SIGINT);
}

static void test_host_emergency_sigterm(void **state)
{
	(void)state;
	emergency_case(SIGTERM);
}

static void test_host_emergency_atexit(void **state)
{
	struct child_report rep;
	pid_t c;
	int status, go;

	(void)state;
	if (!host_ready())
		skip();
	c = spawn_tree_child(CHILD_ATEXIT, &rep, &go);
	assert_int_equal(write(go, "x", 1), 1);
	close(go);
	status = reap(c, 10000);
	assert_true(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(count_trees_of(c), 0);
	status = reap(rep.grandchild, 10000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_host_crash_sweep(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *mine;
	struct child_report rep;
	struct sc_error err = { { 0 } };
	pid_t c;
	int status, left, r;

	(void)state;
	if (!host_ready())
		skip();
	/* Our own root: a concurrent run sweeping the shared roots cannot interfere. */
	private_root_make();
	/* A live tree of ours, which the sweep must leave alone. */
	sc_cgroup_tree_opts_init(&o);
	o.controllers = HOST_CTRLS;
	o.root = private_root;
	if (!make_tree(&o, &mine))
		skip();

	c = spawn_tree_child(CHILD_BARE, &rep, NULL);
	assert_int_equal(kill(c, SIGKILL), 0);
	status = reap(c, 10000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* No handler could run: the tree and the grandchild are still there. */
	left = count_trees_of(c);
	assert_true(left >= 1);
	assert_int_equal(kill(rep.grandchild, 0), 0);
	assert_true(proc_cgroup_has(rep.grandchild, rep.name));

	r = sc_cgroup_sweep_stale(&host_layout, &o, &err);
	if (r < 0)
		print_message("sweep: %s\n", err.msg);
	assert_int_equal(r, left);
	assert_int_equal(count_trees_of(c), 0);
	status = reap(rep.grandchild, 10000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	for (unsigned int i = 0; i < sc_cgroup_tree_nr_dirs(mine); i++)
		assert_true(exists(sc_cgroup_tree_dir(mine, i)));
	assert_int_equal(sc_cgroup_sweep_stale(&host_layout, &o, &err), 0);
	assert_int_equal(sc_cgroup_tree_destroy(mine, &err), 0);
	live_tree = NULL;
	private_root_remove();
	/* The default (hierarchy root) sweep runs too; other runs' leftovers may be there. */
	assert_true(sc_cgroup_sweep_stale(&host_layout, NULL, &err) >= 0);
}

/* The emergency path inside the creating process itself, then a normal destroy. */
static void test_host_emergency_inline(void **state)
{
	struct sc_cgroup_tree_opts o;
	struct sc_cgroup_tree *t;
	struct sc_cgroup *w;
	struct sc_error err = { { 0 } };
	char dirs[SC_CGROUP_MAX_HIERARCHIES][SC_CGROUP_PATH_MAX];
	unsigned int nr_dirs;
	pid_t child;
	int wfd, status;

	(void)state;
	if (!host_ready())
		skip();
	sc_cgroup_tree_opts_init(&o);
	o.use = SC_CGROUP_USE_V1;
	o.controllers = HOST_CTRLS;
	if (host_layout.mode == SC_CGROUP_MODE_UNIFIED)
		o.use = SC_CGROUP_USE_V2;
	if (!make_tree(&o, &t))
		skip();
	nr_dirs = sc_cgroup_tree_nr_dirs(t);
	for (unsigned int i = 0; i < nr_dirs; i++)
		snprintf(dirs[i], sizeof(dirs[i]), "%s", sc_cgroup_tree_dir(t, i));
	assert_int_equal(sc_cgroup_create(t, NULL, "x", &w, &err), 0);
	assert_int_equal(sc_cgroup_create(t, w, "y", &w, &err), 0);
	child = spawn_blocked(&wfd, NULL);
	assert_int_equal(sc_cgroup_attach_process(w, child, &err), 0);
	/* A forked worker inherits hooks and handlers: in it the cleanup does nothing. */
	{
		pid_t worker = fork();

		assert_true(worker >= 0);
		if (worker == 0) {
			sc_cgroup_emergency_cleanup_all();
			_exit(0);
		}
		status = reap(worker, 10000);
		assert_true(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		for (unsigned int i = 0; i < nr_dirs; i++)
			assert_true(exists(dirs[i]));
		assert_int_equal(kill(child, 0), 0);
	}
	sc_cgroup_emergency_cleanup_all();
	for (unsigned int i = 0; i < nr_dirs; i++)
		assert_false(exists(dirs[i]));
	status = reap(child, 5000);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* destroy after the emergency path: nothing left to do, no error. */
	assert_int_equal(sc_cgroup_tree_destroy(t, &err), 0);
	live_tree = NULL;
	close(wfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pure_v2),
		cmocka_unit_test(test_parse_hybrid_host),
		cmocka_unit_test(test_parse_hybrid_systemd),
		cmocka_unit_test(test_parse_v1_only),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_escapes),
		cmocka_unit_test(test_parse_shadow_and_bind),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_weight_shares),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test_teardown(test_host_detect, host_teardown),
		cmocka_unit_test_teardown(test_host_bad_args, host_teardown),
		cmocka_unit_test_teardown(test_host_v1_tree, host_teardown),
		cmocka_unit_test_teardown(test_host_v1_memory_io, host_teardown),
		cmocka_unit_test_teardown(test_host_v2_tree, host_teardown),
		cmocka_unit_test_teardown(test_host_auto_tree, host_teardown),
		cmocka_unit_test_teardown(test_host_emergency_inline, host_teardown),
		cmocka_unit_test_teardown(test_host_emergency_sigint, host_teardown),
		cmocka_unit_test_teardown(test_host_emergency_sigterm, host_teardown),
		cmocka_unit_test_teardown(test_host_emergency_atexit, host_teardown),
		cmocka_unit_test_teardown(test_host_crash_sweep, host_teardown),
	};

	/* Orphaned grandchildren come back to us, so tests can reap and check them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
