// SPDX-License-Identifier: MIT
/*
 * The async-signal-safe cleanup path: a fixed registry of live trees and a
 * teardown that uses only open/read/write/close/kill/unlinkat/clock_gettime/
 * nanosleep over the cgroup list each tree recorded in preallocated memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

static struct sc_cgroup_tree *live_trees[SC_CG_MAX_LIVE_TREES];

int sc_cg_register(struct sc_cgroup_tree *tree)
{
	for (int i = 0; i < SC_CG_MAX_LIVE_TREES; i++) {
		struct sc_cgroup_tree *expected = NULL;

		if (__atomic_compare_exchange_n(&live_trees[i], &expected, tree, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 0;
	}
	return -ENOSPC;
}

void sc_cg_unregister(struct sc_cgroup_tree *tree)
{
	for (int i = 0; i < SC_CG_MAX_LIVE_TREES; i++) {
		struct sc_cgroup_tree *expected = tree;

		if (__atomic_compare_exchange_n(&live_trees[i], &expected, NULL, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
	}
}

/* --- async-signal-safe helpers (no stdio, no malloc, no errno reliance) --- */

static uint64_t es_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void es_nap(void)
{
	struct timespec ts = { 0, SC_CG_POLL_NS };

	nanosleep(&ts, NULL);
}

/* dst = a "/" b (b may be NULL); false if it does not fit. */
static bool es_path(char *dst, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;

	if (la + 1 + lb + 1 > len)
		return false;
	memcpy(dst, a, la);
	if (b) {
		dst[la] = '/';
		memcpy(dst + la + 1, b, lb);
		dst[la + 1 + lb] = '\0';
	} else {
		dst[la] = '\0';
	}
	return true;
}

static void es_write(int dirfd, const char *path, const char *val)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* nothing more a signal handler can do */
	}
	close(fd);
}

/* SIGKILLs every pid in <path>/cgroup.procs; returns how many were listed. */
static unsigned int es_kill_procs(int dirfd, const char *path, pid_t self)
{
	char file[SC_CG_NAME_MAX + SC_CGROUP_REL_MAX + 32], buf[512];
	unsigned int found = 0;
	long pid = 0;
	bool in_num = false;
	ssize_t n;
	int fd;

	if (!es_path(file, sizeof(file), path, "cgroup.procs"))
		return 0;
	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				if (pid < 100000000)
					pid = pid * 10 + (buf[i] - '0');
				in_num = true;
				continue;
			}
			if (in_num && pid > 0 && (pid_t)pid != self) {
				kill((pid_t)pid, SIGKILL);
				found++;
			}
			pid = 0;
			in_num = false;
		}
	}
	if (in_num && pid > 0 && (pid_t)pid != self) {
		kill((pid_t)pid, SIGKILL);
		found++;
	}
	close(fd);
	return found;
}

void sc_cgroup_tree_emergency_cleanup(struct sc_cgroup_tree *t)
{
	unsigned int nr;
	uint64_t deadline;
	pid_t self = getpid();
	int saved_errno = errno;
	bool busy;

	if (!t || t->owner != self)
		return;
	if (__atomic_exchange_n(&t->emergency_done, 1, __ATOMIC_ACQ_REL))
		return;
	nr = __atomic_load_n(&t->nr_cgroups, __ATOMIC_ACQUIRE);
	deadline = es_now() + t->timeout_ns;

	for (unsigned int h = 0; h < t->nr_hiers; h++) {
		const struct sc_cg_hier *th = &t->hiers[h];
		int fd = __atomic_load_n(&th->root_fd, __ATOMIC_ACQUIRE);
		char file[SC_CG_NAME_MAX + SC_CGROUP_REL_MAX + 32];

		if (fd < 0 || nr == 0)
			continue;
		/* One write kills the whole subtree, including tasks forked meanwhile. */
		if (th->v2 && th->has_kill &&
		    es_path(file, sizeof(file), t->cgroups[0].path, "cgroup.kill"))
			es_write(fd, file, "1");
		/* Parents first: a v1 frozen task would ignore SIGKILL until thawed. */
		if (th->freezer) {
			for (unsigned int i = 0; i < nr; i++)
				if (es_path(file, sizeof(file), t->cgroups[i].path,
					    "freezer.state"))
					es_write(fd, file, "THAWED");
		}
	}
	/* Signal loop for hierarchies without cgroup.kill, until empty or the deadline. */
	for (;;) {
		unsigned int found = 0;

		for (unsigned int h = 0; h < t->nr_hiers; h++) {
			const struct sc_cg_hier *th = &t->hiers[h];
			int fd = __atomic_load_n(&th->root_fd, __ATOMIC_ACQUIRE);

			if (fd < 0 || (th->v2 && th->has_kill))
				continue;
			for (unsigned int i = nr; i-- > 0;)
				found += es_kill_procs(fd, t->cgroups[i].path, self);
		}
		if (!found || es_now() >= deadline)
			break;
		es_nap();
	}
	/* Children were published after their parents: remove in reverse. */
	for (;;) {
		busy = false;
		for (unsigned int h = 0; h < t->nr_hiers; h++) {
			int fd = __atomic_load_n(&t->hiers[h].root_fd, __ATOMIC_ACQUIRE);

			if (fd < 0)
				continue;
			for (unsigned int i = nr; i-- > 0;)
				if (unlinkat(fd, t->cgroups[i].path, AT_REMOVEDIR) < 0 &&
				    errno == EBUSY)
					busy = true;
		}
		if (!busy || es_now() >= deadline)
			break;
		es_nap();
	}
	errno = saved_errno;
}

void sc_cgroup_emergency_cleanup_all(void)
{
	for (int i = 0; i < SC_CG_MAX_LIVE_TREES; i++) {
		struct sc_cgroup_tree *t = __atomic_load_n(&live_trees[i], __ATOMIC_ACQUIRE);

		if (t)
			sc_cgroup_tree_emergency_cleanup(t);
	}
}
