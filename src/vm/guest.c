// SPDX-License-Identifier: MIT
/*
 * The guest side of VM mode, as PID 1: the pseudo filesystems, cgroup
 * controllers for schedcheck's subtree, the virtio-serial port found by
 * name, and the scheduler hook (sched_ext state).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/vm.h>

struct guest_mount {
	const char *src, *dir, *type;
	unsigned long flags;
	bool optional;
};

static const struct guest_mount guest_mounts[] = {
	{ "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
	{ "sysfs", "sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
	{ "devtmpfs", "dev", "devtmpfs", MS_NOSUID, false },
	{ "tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, true },
	{ "cgroup2", "sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, false },
	{ "debugfs", "sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, true },
	{ "tracefs", "sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, true },
};

static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

static int write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

int sc_vm_guest_enable_controllers(const char *cgroup_dir, struct sc_error *err)
{
	char path[PATH_MAX], buf[1024], *tok, *save = NULL, cmd[64];
	int r, failed = 0;

	if (snprintf(path, sizeof(path), "%s/cgroup.controllers", cgroup_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = read_small(path, buf, sizeof(buf));
	if (r < 0) {
		sc_error_set(err, "%s: %s", path, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cgroup_dir);
	/* One write per controller: one that cannot be enabled spoils no other. */
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (snprintf(cmd, sizeof(cmd), "+%s", tok) >= (int)sizeof(cmd))
			continue;
		r = write_str(path, cmd);
		if (r < 0 && !failed) {
			failed = r;
			sc_error_set(err, "%s: enabling %s: %s", path, tok, strerror(-r));
		}
	}
	return failed;
}

/* mkdir -p relative to `root`. */
static int mkdirs_under(const char *root, const char *rel)
{
	char p[PATH_MAX];
	size_t base;
	char *c;

	if (snprintf(p, sizeof(p), "%s/%s", strcmp(root, "/") ? root : "", rel) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	base = strcmp(root, "/") ? strlen(root) + 1 : 1;
	for (c = p + base; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int sc_vm_guest_mount_all(const char *root, char *warn, size_t warn_len, struct sc_error *err)
{
	char target[PATH_MAX];
	size_t i, used = 0;
	int r;

	if (warn && warn_len)
		warn[0] = '\0';
	for (i = 0; i < sizeof(guest_mounts) / sizeof(guest_mounts[0]); i++) {
		const struct guest_mount *m = &guest_mounts[i];

		snprintf(target, sizeof(target), "%s/%s", strcmp(root, "/") ? root : "", m->dir);
		r = mkdirs_under(root, m->dir);
		if (r == 0 && mount(m->src, target, m->type, m->flags, NULL) < 0 && errno != EBUSY)
			r = -errno;
		if (r == 0)
			continue;
		if (!m->optional) {
			sc_error_set(err, "mounting %s on %s: %s", m->type, target, strerror(-r));
			return r;
		}
		if (warn && used + 2 < warn_len) {
			int n = snprintf(warn + used, warn_len - used, "%s%s on %s: %s",
					 used ? "; " : "", m->type, target, strerror(-r));

			if (n > 0)
				used += (size_t)n < warn_len - used ? (size_t)n
								    : warn_len - used - 1;
		}
	}
	snprintf(target, sizeof(target), "%s/sys/fs/cgroup", strcmp(root, "/") ? root : "");
	return sc_vm_guest_enable_controllers(target, err);
}

int sc_vm_guest_find_port(const char *sysfs, const char *name, char *out, size_t len,
			  struct sc_error *err)
{
	char dir[PATH_MAX], p[PATH_MAX], buf[256];
	struct dirent *e;
	DIR *d;
	int found = -ENOENT;

	if (snprintf(p, sizeof(p), "/dev/virtio-ports/%s", name) < (int)sizeof(p) &&
	    access(p, W_OK) == 0 && snprintf(out, len, "%s", p) < (int)len)
		return 0;
	if (snprintf(dir, sizeof(dir), "%s/class/virtio-ports", sysfs) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d) {
		sc_error_set(err, "%s: %s (no virtio-serial device?)", dir, strerror(errno));
		return -ENOENT;
	}
	while ((e = readdir(d))) {
		int n;

		if (strncmp(e->d_name, "vport", 5))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s/name", dir, e->d_name) >= (int)sizeof(p))
			continue;
		n = read_small(p, buf, sizeof(buf));
		if (n <= 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, name))
			continue;
		if (snprintf(out, len, "/dev/%s", e->d_name) < (int)len)
			found = 0;
		break;
	}
	closedir(d);
	if (found < 0)
		sc_error_set(err, "no virtio-serial port named %s under %s", name, dir);
	return found;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int sc_vm_guest_start_scheduler(const char *path, const char *sysfs, uint64_t timeout_ms, int *pid,
				struct sc_error *err)
{
	char state[PATH_MAX], buf[64];
	uint64_t deadline;
	pid_t child;
	int r, status;

	*pid = -1;
	if (!path)
		return 0;
	if (snprintf(state, sizeof(state), "%s/kernel/sched_ext/state", sysfs) >=
	    (int)sizeof(state))
		return -ENAMETOOLONG;
	if (access(state, R_OK) < 0) {
		sc_error_set(err,
			     "%s is missing: this kernel has no sched_ext "
			     "(CONFIG_SCHED_CLASS_EXT); see docs/vm.md",
			     state);
		return -EOPNOTSUPP;
	}
	child = fork();
	if (child < 0) {
		r = -errno;
		sc_error_set(err, "fork for the scheduler: %s", strerror(errno));
		return r;
	}
	if (child == 0) {
		char *const argv[] = { (char *)path, NULL };

		execv(path, argv);
		_exit(127);
	}
	*pid = child;
	deadline = mono_ms() + (timeout_ms ? timeout_ms : 10000);
	for (;;) {
		if (read_small(state, buf, sizeof(buf)) > 0 && !strncmp(buf, "enabled", 7))
			return 0;
		if (waitpid(child, &status, WNOHANG) == child) {
			*pid = -1;
			sc_error_set(err,
				     "the scheduler %s exited (status 0x%x) before sched_ext "
				     "was enabled",
				     path, status);
			return -ECHILD;
		}
		if (mono_ms() >= deadline) {
			sc_error_set(err, "sched_ext not enabled %llu ms after starting %s (%s)",
				     (unsigned long long)(timeout_ms ? timeout_ms : 10000), path,
				     state);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}
