// SPDX-License-Identifier: MIT
/*
 * Walking a cgroup subtree through directory fds, and the two teardown
 * primitives built on it: kill every task (bounded wait until empty) and
 * remove the directories children first (retrying EBUSY until a deadline).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-internal.h"

struct name_list {
	char **v;
	size_t n, cap;
};

static void name_list_release(struct name_list *nl)
{
	for (size_t i = 0; i < nl->n; i++)
		free(nl->v[i]);
	free(nl->v);
	nl->v = NULL;
	nl->n = nl->cap = 0;
}

static int name_list_push(struct name_list *nl, const char *name)
{
	char *dup;

	if (nl->n == nl->cap) {
		size_t ncap = nl->cap ? nl->cap * 2 : 16;
		char **nv;

		if (ncap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(nl->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		nl->v = nv;
		nl->cap = ncap;
	}
	dup = strdup(name);
	if (!dup)
		return -ENOMEM;
	nl->v[nl->n++] = dup;
	return 0;
}

/* Subdirectory names of base_fd/path. A vanished directory has none. */
static int list_subdirs(int base_fd, const char *path, struct name_list *out)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = openat(base_fd, path[0] ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	errno = 0;
	while ((de = readdir(d))) {
		bool is_dir = de->d_type == DT_DIR;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				 S_ISDIR(st.st_mode);
		}
		if (is_dir) {
			r = name_list_push(out, de->d_name);
			if (r < 0)
				break;
		}
		errno = 0;
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

static int walk_rec(int base_fd, char *path, size_t cap, int depth, bool post_order,
		    sc_cg_walk_fn fn, void *ctx)
{
	struct name_list kids = { 0 };
	size_t len = strlen(path);
	int r;

	if (depth > SC_CG_MAX_DEPTH)
		return -ELOOP;
	if (!post_order) {
		r = fn(base_fd, path, ctx);
		if (r < 0)
			return r;
	}
	r = list_subdirs(base_fd, path, &kids);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < kids.n; i++) {
		r = sc_cg_join(path + len, cap - len, len ? "/" : "", kids.v[i]);
		if (r < 0)
			goto out;
		/* sc_cg_join("/", x) gives "/x"; a relative root gives just "x". */
		r = walk_rec(base_fd, path, cap, depth + 1, post_order, fn, ctx);
		path[len] = '\0';
		if (r < 0)
			goto out;
	}
	if (post_order)
		r = fn(base_fd, path, ctx);
out:
	path[len] = '\0';
	name_list_release(&kids);
	return r;
}

int sc_cg_walk(int base_fd, const char *path, bool post_order, sc_cg_walk_fn fn, void *ctx)
{
	char *buf;
	size_t cap = SC_CGROUP_PATH_MAX;
	int r;

	if (strlen(path) >= cap)
		return -ENAMETOOLONG;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, strlen(path) + 1);
	r = walk_rec(base_fd, buf, cap, 0, post_order, fn, ctx);
	free(buf);
	return r;
}

/* --- killing ------------------------------------------------------------ */

struct kill_ctx {
	const struct sc_cg_target *tg;
	size_t found;
	struct sc_error *err;
};

/* Whether the process's cgroup paths still lead through `marker` (pid reuse guard). */
static bool pid_in_marker(pid_t pid, const char *marker)
{
	char path[64], buf[4096];
	size_t ml = strlen(marker);
	const char *p;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = sc_cg_read(AT_FDCWD, path, buf, sizeof(buf), NULL, NULL);
	if (r < 0)
		return r == -EFBIG; /* huge: cannot tell, assume ours */
	for (p = buf; (p = strstr(p, marker)); p += ml)
		if (p > buf && p[-1] == '/' && (p[ml] == '/' || p[ml] == '\n' || p[ml] == '\0'))
			return true;
	return false;
}

static int kill_one(pid_t pid, void *opaque)
{
	struct kill_ctx *kc = opaque;
	int pidfd;

	if (pid == getpid())
		goto count; /* never ourselves: the rmdir will report EBUSY */
	/* Pin the process, then check it is still one of ours before signalling. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		if (errno == ESRCH)
			return 0;
		if (errno == ENOSYS)
			kill(pid, SIGKILL);
		goto count;
	}
	if (!kc->tg->marker || pid_in_marker(pid, kc->tg->marker))
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	close(pidfd);
count:
	kc->found++;
	return 0;
}

static int signal_cb(int base_fd, const char *path, void *opaque)
{
	struct kill_ctx *kc = opaque;
	char file[SC_CGROUP_PATH_MAX];
	char *text = NULL;
	size_t len;
	int r;

	/* A frozen v1 task would sit on the SIGKILL: thaw first (not the hierarchy root). */
	if (kc->tg->freezer && path[0]) {
		if (sc_cg_join(file, sizeof(file), path, "freezer.state") == 0)
			sc_cg_write(base_fd, file, "THAWED", NULL, NULL);
	}
	r = sc_cg_join(file, sizeof(file), path, "cgroup.procs");
	if (r < 0)
		return r;
	r = sc_cg_read_alloc(base_fd, file, &text, &len, kc->tg->abs_base, kc->err);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	if (r < 0)
		return r;
	r = sc_cg_parse_pids(text, kill_one, kc);
	free(text);
	if (r == -EINVAL) {
		sc_error_set(kc->err, "%s/%s: unparsable pid list", kc->tg->abs_base, file);
		return r;
	}
	return r < 0 ? r : 0;
}

static int v2_populated(const struct sc_cg_target *tg, struct sc_error *err)
{
	char file[SC_CGROUP_PATH_MAX], buf[256];
	uint64_t v;
	int r;

	r = sc_cg_join(file, sizeof(file), tg->path, "cgroup.events");
	if (r < 0)
		return r;
	r = sc_cg_read(tg->base_fd, file, buf, sizeof(buf), tg->abs_base, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = sc_cg_keyed_u64(buf, "populated", &v);
	if (r < 0) {
		sc_error_set(err, "%s/%s: no \"populated\" key", tg->abs_base, file);
		return r;
	}
	return v != 0;
}

int sc_cg_kill_subtree(const struct sc_cg_target *tg, uint64_t deadline_ns, struct sc_error *err)
{
	char file[SC_CGROUP_PATH_MAX];
	bool use_kill = false;
	int r;

	if (tg->v2) {
		r = sc_cg_join(file, sizeof(file), tg->path, "cgroup.kill");
		if (r < 0)
			return r;
		if (faccessat(tg->base_fd, file, F_OK, 0) == 0) {
			use_kill = true;
			r = sc_cg_write(tg->base_fd, file, "1", tg->abs_base, err);
			if (r == -ENOENT)
				return 0;
			if (r < 0)
				return r;
		}
	}
	for (;;) {
		size_t left;

		if (use_kill) {
			/* cgroup.kill also catches tasks forked while it ran. */
			r = v2_populated(tg, err);
			if (r < 0)
				return r;
			left = (size_t)r;
		} else {
			struct kill_ctx kc = { .tg = tg, .err = err };

			r = sc_cg_walk(tg->base_fd, tg->path, false, signal_cb, &kc);
			if (r < 0)
				return r;
			left = kc.found;
		}
		if (left == 0)
			return 0;
		if (sc_cg_now_ns() >= deadline_ns) {
			if (use_kill)
				sc_error_set(err, "%s/%s: tasks still present after cgroup.kill",
					     tg->abs_base, tg->path);
			else
				sc_error_set(err, "%s/%s: %zu task(s) still present after SIGKILL",
					     tg->abs_base, tg->path, left);
			return -ETIMEDOUT;
		}
		sc_cg_poll_sleep();
	}
}

/* --- removing ----------------------------------------------------------- */

struct rmdir_ctx {
	const struct sc_cg_target *tg;
	struct sc_error *err;
};

static int rmdir_cb(int base_fd, const char *path, void *opaque)
{
	struct rmdir_ctx *rc = opaque;
	char ebuf[128];
	int e;

	if (unlinkat(base_fd, path, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	e = errno;
	sc_error_set(rc->err, "%s/%s: rmdir: %s", rc->tg->abs_base, path,
		     sc_cg_strerror(e, ebuf, sizeof(ebuf)));
	return -e;
}

int sc_cg_rmdir_subtree(const struct sc_cg_target *tg, uint64_t deadline_ns, struct sc_error *err)
{
	struct rmdir_ctx rc = { .tg = tg, .err = err };
	int r;

	for (;;) {
		r = sc_cg_walk(tg->base_fd, tg->path, true, rmdir_cb, &rc);
		if (r != -EBUSY || sc_cg_now_ns() >= deadline_ns)
			return r;
		/* Dying tasks still populate the cgroup for a moment. */
		sc_cg_poll_sleep();
	}
}
