// SPDX-License-Identifier: MIT
/*
 * Small helpers for the cgroup layer: monotonic time, path joining, and
 * whole-file reads and single-write writes relative to a directory fd with
 * error messages that name the file (and the value written).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"

uint64_t sc_cg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sc_cg_poll_sleep(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += SC_CG_POLL_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

const char *sc_cg_strerror(int errnum, char *buf, size_t len)
{
	/* GNU strerror_r: returns a pointer, possibly not into buf. */
	return strerror_r(errnum, buf, len);
}

int sc_cg_join(char *dst, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a), lb, need;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	lb = strlen(b);
	if (la == 0 || lb == 0) {
		const char *only = la ? a : b;
		size_t lo = la ? la : lb;

		if (lo + 1 > len)
			return -ENAMETOOLONG;
		memcpy(dst, only, lo);
		dst[lo] = '\0';
		return 0;
	}
	/* "/" + "x" is "/x", not "//x". */
	need = la + (a[la - 1] == '/' ? 0 : 1) + lb + 1;
	if (need > len)
		return -ENAMETOOLONG;
	memcpy(dst, a, la);
	if (a[la - 1] != '/')
		dst[la++] = '/';
	memcpy(dst + la, b, lb);
	dst[la + lb] = '\0';
	return 0;
}

char *sc_cg_join_alloc(const char *a, const char *b)
{
	size_t len = strlen(a) + strlen(b) + 2;
	char *p = malloc(len);

	if (!p)
		return NULL;
	if (sc_cg_join(p, len, a, b) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static void set_file_error(struct sc_error *err, const char *abs_base, const char *path,
			   const char *what, int errnum)
{
	char ebuf[128];
	char full[SC_CGROUP_PATH_MAX + SC_CGROUP_REL_MAX];

	if (sc_cg_join(full, sizeof(full), abs_base ? abs_base : "", path) < 0)
		snprintf(full, sizeof(full), "%s", path);
	sc_error_set(err, "%s: %s: %s", full, what, sc_cg_strerror(errnum, ebuf, sizeof(ebuf)));
}

int sc_cg_write(int dirfd, const char *path, const char *value, const char *abs_base,
		struct sc_error *err)
{
	char what[160];
	size_t len = strlen(value);
	ssize_t n;
	int fd, e;

	snprintf(what, sizeof(what), "write \"%s\"", value);
	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		set_file_error(err, abs_base, path, "open for writing", e);
		return -e;
	}
	/* cgroup files take one value per write(); a short write is an error. */
	do {
		n = write(fd, value, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		e = errno;
		close(fd);
		set_file_error(err, abs_base, path, what, e);
		return -e;
	}
	close(fd);
	if ((size_t)n != len) {
		set_file_error(err, abs_base, path, what, EIO);
		return -EIO;
	}
	return 0;
}

int sc_cg_read(int dirfd, const char *path, char *buf, size_t size, const char *abs_base,
	       struct sc_error *err)
{
	size_t off = 0;
	ssize_t n;
	char extra;
	int fd, e;

	if (size == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		set_file_error(err, abs_base, path, "open", e);
		return -e;
	}
	for (;;) {
		if (off == size - 1) {
			/* Full: is there more? */
			do {
				n = read(fd, &extra, 1);
			} while (n < 0 && errno == EINTR);
			if (n > 0) {
				close(fd);
				set_file_error(err, abs_base, path, "read", EFBIG);
				return -EFBIG;
			}
		} else {
			do {
				n = read(fd, buf + off, size - 1 - off);
			} while (n < 0 && errno == EINTR);
		}
		if (n < 0) {
			e = errno;
			close(fd);
			set_file_error(err, abs_base, path, "read", e);
			return -e;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (int)off;
}

static int read_fd_alloc(int fd, char **out, size_t *len)
{
	size_t cap = 4096, off = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (cap - off < 2) {
			if (cap >= SC_CG_READ_MAX) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		do {
			n = read(fd, buf + off, cap - 1 - off);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	*out = buf;
	*len = off;
	return 0;
}

int sc_cg_read_alloc(int dirfd, const char *path, char **out, size_t *len, const char *abs_base,
		     struct sc_error *err)
{
	int fd, r;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		set_file_error(err, abs_base, path, "open", r);
		return -r;
	}
	r = read_fd_alloc(fd, out, len);
	close(fd);
	if (r < 0)
		set_file_error(err, abs_base, path, "read", -r);
	return r;
}

int sc_cg_read_path_alloc(const char *path, char **out, size_t *len, struct sc_error *err)
{
	return sc_cg_read_alloc(AT_FDCWD, path, out, len, NULL, err);
}

int sc_cg_parse_pids(const char *buf, int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	const char *p = buf;
	int count = 0, r;

	while (*p) {
		uint64_t v = 0;
		const char *start = p;

		if (*p == '\n') {
			p++;
			continue;
		}
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > INT32_MAX)
				return -EINVAL;
			p++;
		}
		if (p == start || (*p != '\n' && *p != '\0') || v == 0)
			return -EINVAL;
		if (fn) {
			r = fn((pid_t)v, ctx);
			if (r < 0)
				return r;
		}
		count++;
	}
	return count;
}

int sc_cg_keyed_u64(const char *buf, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (*p) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			const char *q = p + klen + 1;
			uint64_t v = 0;

			if (q == eol)
				return -EINVAL;
			for (; q < eol; q++) {
				if (*q < '0' || *q > '9')
					return -EINVAL;
				if (__builtin_mul_overflow(v, 10, &v) ||
				    __builtin_add_overflow(v, (uint64_t)(*q - '0'), &v))
					return -ERANGE;
			}
			*out = v;
			return 0;
		}
		p = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}
