// SPDX-License-Identifier: MIT
/*
 * File helpers of the monitor layer (fsutil-internal.h). Every fd is
 * O_CLOEXEC; reads are preads from offset 0 so an fd opened once serves
 * every sample (procfs and debugfs seq files regenerate at offset 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/fsutil-internal.h"

int sc_mon_open_root(const char *path, const char *what, struct sc_error *err)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int rc = -errno;

		sc_error_set(err, "%s %s: cannot open as a directory: %s", what, path,
			     strerror(-rc));
		return rc;
	}
	return fd;
}

int sc_mon_open_file(int dfd, const char *rel)
{
	int fd;

	do {
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	} while (fd < 0 && errno == EINTR);
	return fd < 0 ? -1 : fd;
}

int sc_mon_pread_all(int fd, char **buf, size_t *cap, size_t *len)
{
	size_t off = 0;

	if (fd < 0)
		return -EBADF;
	for (;;) {
		ssize_t n;

		if (!*buf || *cap - off < 2) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *nb;

			if (ncap > SC_MON_MAX_FILE_BYTES + 1)
				return -EFBIG;
			nb = realloc(*buf, ncap);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = ncap;
		}
		n = pread(fd, *buf + off, *cap - 1 - off, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	(*buf)[off] = '\0';
	*len = off;
	return 0;
}

int sc_mon_read_small(int dfd, const char *rel, char *buf, size_t cap, size_t *len)
{
	size_t off = 0;
	int fd, rc = 0;

	if (cap < 2)
		return -EINVAL;
	do {
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	while (off < cap - 1) {
		ssize_t n = read(fd, buf + off, cap - 1 - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	*len = off;
out:
	close(fd);
	return rc;
}
