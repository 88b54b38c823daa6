// SPDX-License-Identifier: MIT
/*
 * The run's recorded conditions (sc_monitor_collect_run_info): uname, online
 * CPUs and NUMA nodes, the scheduler in charge (EEVDF/CFS or a sched_ext
 * ops name), the clocksource and the host load, read from the proc/sys roots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <schedcheck/monitor.h>

#include "monitor/fsutil-internal.h"
#include "monitor/procfs-internal.h"

#define SMALL_FILE_BYTES 4096

/* The first line of a sysfs value without trailing blanks; NULL when empty. */
static char *first_line_dup(const char *buf, size_t len, int *rc)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	char *s;

	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
		n--;
	if (!n || memchr(buf, '\0', n))
		return NULL;
	s = strndup(buf, n);
	if (!s)
		*rc = -ENOMEM;
	return s;
}

/* dfd/rel's first line, or NULL when the file is missing, empty or unreadable. */
static char *read_line_dup(int dfd, const char *rel, int *rc)
{
	char buf[SMALL_FILE_BYTES];
	size_t len;

	if (sc_mon_read_small(dfd, rel, buf, sizeof(buf), &len) < 0)
		return NULL;
	return first_line_dup(buf, len, rc);
}

/* "eevdf" / "cfs", or the sched_ext ops name when a BPF scheduler is loaded. */
static char *scheduler_name(int sys_dfd, const char *release, int *rc)
{
	char *state = read_line_dup(sys_dfd, "kernel/sched_ext/state", rc);
	bool scx = state && !strcmp(state, "enabled");
	char *name;

	free(state);
	if (*rc < 0)
		return NULL;
	if (scx) {
		name = read_line_dup(sys_dfd, "kernel/sched_ext/root/ops", rc);
		if (name || *rc < 0)
			return name;
		return strdup("sched_ext");
	}
	/* EEVDF replaced CFS's pick in Linux 6.6. */
	return strdup(sc_mon_release_before(release, 6, 6) ? "cfs" : "eevdf");
}

/* Fallback CPU count: per-CPU lines of proc/stat, then sysconf. */
static uint64_t count_cpus_fallback(int proc_dfd, int *rc)
{
	struct sc_mon_proc_stat st = { 0 };
	struct sc_mon_cpu_stat *cpus = NULL;
	uint64_t n = 0;
	char *buf = NULL;
	size_t cap = 0, len;
	long online;
	int fd = sc_mon_open_file(proc_dfd, "stat");

	if (fd >= 0 && !sc_mon_pread_all(fd, &buf, &cap, &len)) {
		/* First pass finds the highest id, the second counts distinct lines. */
		sc_mon_parse_proc_stat(buf, len, &st);
		if (st.cpu_id_end) {
			cpus = calloc(st.cpu_id_end, sizeof(*cpus));
			if (!cpus) {
				*rc = -ENOMEM;
			} else {
				st.cpu = cpus;
				st.cpu_cap = st.cpu_id_end;
				sc_mon_parse_proc_stat(buf, len, &st);
				n = st.nr_cpus;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	free(cpus);
	free(buf);
	if (n || *rc < 0)
		return n;
	online = sysconf(_SC_NPROCESSORS_ONLN);
	return online > 0 ? (uint64_t)online : 0;
}

static void replace_str(char **dst, char *src)
{
	free(*dst);
	*dst = src;
}

int sc_monitor_collect_run_info(const struct sc_monitor_config *cfg, struct sc_run_info *ri,
				struct sc_error *err)
{
	struct sc_run_info t;
	struct utsname u;
	char buf[SMALL_FILE_BYTES];
	int proc_dfd = -1, sys_dfd = -1, rc = 0;
	uint64_t count;
	size_t len;
	double load;

	if (!ri) {
		sc_error_set(err, "run info: no output");
		return -EINVAL;
	}
	sc_run_info_init(&t);
	rc = sc_mon_open_root(cfg && cfg->proc_root ? cfg->proc_root : "/proc", "proc root", err);
	if (rc < 0)
		goto out;
	proc_dfd = rc;
	rc = sc_mon_open_root(cfg && cfg->sys_root ? cfg->sys_root : "/sys", "sys root", err);
	if (rc < 0)
		goto out;
	sys_dfd = rc;
	rc = 0;

	if (!uname(&u)) {
		t.hostname = strdup(u.nodename);
		t.kernel_release = strdup(u.release);
		t.kernel_version = strdup(u.version);
		t.machine = strdup(u.machine);
		if (!t.hostname || !t.kernel_release || !t.kernel_version || !t.machine)
			rc = -ENOMEM;
	}

	if (!rc &&
	    !sc_mon_read_small(sys_dfd, "devices/system/cpu/online", buf, sizeof(buf), &len) &&
	    !sc_mon_parse_cpu_list(buf, len, &count, NULL) && count) {
		t.nr_cpus_online = count;
		t.cpus_online = first_line_dup(buf, len, &rc);
	} else if (!rc) {
		t.nr_cpus_online = count_cpus_fallback(proc_dfd, &rc);
	}

	/* A kernel without NUMA has no node directory: one node. */
	t.nr_numa_nodes = 1;
	if (!sc_mon_read_small(sys_dfd, "devices/system/node/online", buf, sizeof(buf), &len) &&
	    !sc_mon_parse_cpu_list(buf, len, &count, NULL) && count)
		t.nr_numa_nodes = count;

	if (!rc)
		t.scheduler = scheduler_name(sys_dfd, t.kernel_release, &rc);
	if (!rc && !t.scheduler)
		rc = -ENOMEM;
	if (!rc)
		t.clocksource = read_line_dup(
			sys_dfd, "devices/system/clocksource/clocksource0/current_clocksource",
			&rc);
	if (!rc && !sc_mon_read_small(proc_dfd, "loadavg", buf, sizeof(buf), &len) &&
	    !sc_mon_parse_loadavg(buf, len, &load))
		t.loadavg_1min = sc_some_f64(load);
	if (rc < 0) {
		sc_error_set(err, "run info: out of memory");
		goto out;
	}

	replace_str(&ri->hostname, t.hostname);
	replace_str(&ri->kernel_release, t.kernel_release);
	replace_str(&ri->kernel_version, t.kernel_version);
	replace_str(&ri->machine, t.machine);
	replace_str(&ri->cpus_online, t.cpus_online);
	replace_str(&ri->scheduler, t.scheduler);
	replace_str(&ri->clocksource, t.clocksource);
	ri->nr_cpus_online = t.nr_cpus_online;
	ri->nr_numa_nodes = t.nr_numa_nodes;
	ri->loadavg_1min = t.loadavg_1min;
	sc_run_info_init(&t); /* ownership moved to ri */
out:
	sc_run_info_release(&t);
	if (proc_dfd >= 0)
		close(proc_dfd);
	if (sys_dfd >= 0)
		close(sys_dfd);
	return rc;
}
