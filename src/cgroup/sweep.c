// SPDX-License-Identifier: MIT
/*
 * Sweeping trees left behind by runs that died without cleaning up (SIGKILL,
 * a crash): "schedcheck-<pid>-<hex>" directories whose <pid> is gone are
 * emptied of tasks and removed, in every hierarchy of the layout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"

/* "schedcheck-<decimal pid>-<1..16 hex>" -> pid; else 0. */
static pid_t parse_tree_name(const char *name)
{
	const char *p = name + strlen(SC_CG_PREFIX);
	long pid = 0;
	size_t nhex = 0;

	if (strncmp(name, SC_CG_PREFIX, strlen(SC_CG_PREFIX)) != 0)
		return 0;
	if (*p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		pid = pid * 10 + (*p - '0');
		if (pid > 0x3fffffff)
			return 0;
	}
	if (*p++ != '-')
		return 0;
	for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		nhex++;
	if (*p != '\0' || nhex == 0 || nhex > 16)
		return 0;
	return (pid_t)pid;
}

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* Sweeps one hierarchy; adds to *removed; returns the first error. */
static int sweep_one(const struct sc_cgroup_hierarchy *lh, const char *root, uint64_t timeout_ns,
		     int *removed, struct sc_error *err)
{
	char abs[SC_CGROUP_PATH_MAX], ebuf[128];
	struct dirent *de;
	int fd, dfd, first = 0;
	DIR *d;

	if (sc_cg_join(abs, sizeof(abs), lh->mount_point, root) < 0) {
		sc_error_set(err, "%s/%s: path too long", lh->mount_point, root);
		return -ENAMETOOLONG;
	}
	fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return 0; /* no such root in this hierarchy: nothing of ours there */
		sc_error_set(err, "%s: open: %s", abs, sc_cg_strerror(e, ebuf, sizeof(ebuf)));
		return -e;
	}
	dfd = dup(fd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		int e = errno;

		if (dfd >= 0)
			close(dfd);
		close(fd);
		sc_error_set(err, "%s: opendir: %s", abs, sc_cg_strerror(e, ebuf, sizeof(ebuf)));
		return -e;
	}
	while ((de = readdir(d))) {
		struct sc_cg_target tg = {
			.base_fd = fd,
			.path = de->d_name,
			.abs_base = abs,
			.v2 = lh->v2,
			.freezer = !lh->v2 &&
				   (lh->controllers & SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_FREEZER)),
			.marker = de->d_name,
		};
		struct sc_error e2;
		pid_t pid = parse_tree_name(de->d_name);
		int r;

		if (pid <= 0 || pid_alive(pid))
			continue;
		r = sc_cg_kill_subtree(&tg, sc_cg_now_ns() + timeout_ns, &e2);
		if (r == 0)
			r = sc_cg_rmdir_subtree(&tg, sc_cg_now_ns() + timeout_ns, &e2);
		if (r == 0) {
			(*removed)++;
		} else if (!first) {
			first = r;
			sc_error_set(err, "%s", e2.msg);
		}
	}
	closedir(d);
	close(fd);
	return first;
}

int sc_cgroup_sweep_stale(const struct sc_cgroup_layout *layout,
			  const struct sc_cgroup_tree_opts *opts, struct sc_error *err)
{
	enum sc_cgroup_use use = opts ? opts->use : SC_CGROUP_USE_AUTO;
	uint64_t timeout_ns =
		opts && opts->timeout_ns ? opts->timeout_ns : SC_CGROUP_DEFAULT_TIMEOUT_NS;
	char root[SC_CGROUP_PATH_MAX];
	const char *in = opts && opts->root ? opts->root : "";
	int removed = 0, first = 0;
	size_t o = 0;

	if (!layout) {
		sc_error_set(err, "cgroup sweep: invalid argument");
		return -EINVAL;
	}
	/* Same root rules as tree creation. */
	for (const char *p = in; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
		    o + n + 2 > sizeof(root)) {
			sc_error_set(err, "cgroup root \"%s\": invalid", in);
			return -EINVAL;
		}
		if (o)
			root[o++] = '/';
		memcpy(root + o, p, n);
		o += n;
		p += n;
	}
	root[o] = '\0';

	for (int pass = 0; pass < SC_CG_NR_PASSES; pass++) {
		for (unsigned int i = 0; i < layout->nr_hierarchies; i++) {
			const struct sc_cgroup_hierarchy *lh = &layout->hierarchies[i];
			bool freezer = !lh->v2 && (lh->controllers &
						   SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_FREEZER));
			struct sc_error e2;
			int r;

			if (sc_cg_pass_of(lh->v2, freezer) != pass)
				continue;
			if ((use == SC_CGROUP_USE_V2 && !lh->v2) ||
			    (use == SC_CGROUP_USE_V1 && lh->v2))
				continue;
			r = sweep_one(lh, root, timeout_ns, &removed, &e2);
			if (r < 0 && !first) {
				first = r;
				sc_error_set(err, "%s", e2.msg);
			}
		}
	}
	return first ? first : removed;
}
