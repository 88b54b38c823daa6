// SPDX-License-Identifier: MIT
/*
 * System helpers shared by controller and workers: futex wait/wake on
 * absolute CLOCK_MONOTONIC deadlines, clocks, and the /proc readers behind
 * the report (schedstat, vmstat, numa_maps) and the CPU -> node map.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "workload-internal.h"

uint64_t sc_workload_now_ns(void)
{
	return sc_wl_now();
}

pid_t sc_wl_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

int sc_futex_wait(_Atomic uint32_t *word, uint32_t val, uint64_t deadline_ns)
{
	struct timespec ts, *tsp = NULL;
	long r;

	if (deadline_ns) {
		ts.tv_sec = (time_t)(deadline_ns / SC_NS_PER_SEC);
		ts.tv_nsec = (long)(deadline_ns % SC_NS_PER_SEC);
		tsp = &ts;
	}
	/* WAIT_BITSET takes an absolute timeout (CLOCK_MONOTONIC by default). */
	r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_BITSET, val, tsp, NULL,
		    FUTEX_BITSET_MATCH_ANY);
	return r < 0 ? -errno : 0;
}

void sc_futex_wake(_Atomic uint32_t *word, int n)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, n, NULL, NULL, 0);
}

uint64_t sc_wl_thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * SC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Parses a decimal u64 at *p, advancing it; -EINVAL when none. */
static int parse_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	while (s < end && *s >= '0' && *s <= '9') {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -ERANGE;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int sc_wl_read_schedstat(int fd, struct sc_schedstat *out)
{
	char buf[128];
	const char *p, *end;
	uint64_t v[3];
	ssize_t n;
	int i, r;

	if (fd < 0)
		return -EBADF;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	p = buf;
	end = buf + n;
	for (i = 0; i < 3; i++) {
		while (p < end && *p == ' ')
			p++;
		if ((r = parse_u64(&p, end, &v[i])) < 0)
			return r;
	}
	out->cpu_ns = v[0];
	out->delay_ns = v[1];
	out->count = v[2];
	return 0;
}

int sc_wl_read_vmstat_migrated(int fd, uint64_t *out)
{
	static const char key[] = "numa_pages_migrated ";
	char buf[16384]; /* /proc/vmstat is ~6 KiB; the key sits well inside */
	size_t have = 0;
	const char *p;

	if (fd < 0)
		return -EBADF;
	while (have < sizeof(buf) - 1) {
		ssize_t n = pread(fd, buf + have, sizeof(buf) - 1 - have, (off_t)have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	p = buf;
	while (p < buf + have) {
		const char *nl = memchr(p, '\n', (size_t)(buf + have - p));

		if (!strncmp(p, key, sizeof(key) - 1)) {
			const char *q = p + sizeof(key) - 1;
			uint64_t v;

			if (parse_u64(&q, nl ? nl : buf + have, &v) < 0)
				return -EINVAL;
			*out = v;
			return 0;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return -ENOENT;
}

int sc_wl_read_numa_maps(uint64_t node_mask, uint64_t *local, uint64_t *total)
{
	char buf[16384];
	size_t have = 0;
	uint64_t loc = 0, tot = 0;
	int fd, r = 0;

	fd = open("/proc/self/numa_maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t start = 0, i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		have += (size_t)n;
		/* Each complete line: look for " N<node>=<pages>" tokens. */
		for (i = 0; i < have; i++) {
			const char *p, *end;

			if (buf[i] != '\n' && !(n == 0 && i == have - 1))
				continue;
			end = buf + i + (buf[i] == '\n' ? 0 : 1);
			for (p = buf + start; p + 2 < end; p++) {
				uint64_t node, pages;
				const char *q;

				if (p[0] != ' ' || p[1] != 'N')
					continue;
				q = p + 2;
				if (parse_u64(&q, end, &node) < 0 || q >= end || *q != '=')
					continue;
				q++;
				if (parse_u64(&q, end, &pages) < 0)
					continue;
				tot = sc_sat_add_u64(tot, pages);
				if (node < 64 && (node_mask & (1ull << node)))
					loc = sc_sat_add_u64(loc, pages);
			}
			start = i + 1;
		}
		if (n == 0)
			break;
		if (start == 0 && have == sizeof(buf)) {
			have = 0; /* a line longer than the buffer: skip it */
		} else {
			memmove(buf, buf + start, have - start);
			have -= start;
		}
	}
	close(fd);
	if (r < 0)
		return r;
	*local = loc;
	*total = tot;
	return 0;
}

int sc_wl_cpu_node(unsigned cpu)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int node = -ENOENT;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u", cpu);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *p = de->d_name + 4;
		uint64_t v;

		if (strncmp(de->d_name, "node", 4))
			continue;
		if (parse_u64(&p, p + strlen(p), &v) == 0 && !*p && v < INT_MAX) {
			node = (int)v;
			break;
		}
	}
	closedir(d);
	return node;
}
