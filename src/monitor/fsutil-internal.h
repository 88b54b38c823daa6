/* SPDX-License-Identifier: MIT */
/*
 * Small file helpers shared by the monitor and the run-info collector:
 * opening a root directory, whole-file preads into a growable buffer, and
 * one-shot reads of short sysfs/procfs files relative to a directory fd.
 */
#ifndef SC_MONITOR_FSUTIL_INTERNAL_H
#define SC_MONITOR_FSUTIL_INTERNAL_H

#include <stddef.h>

#include <schedcheck/error.h>

/* Kernel text files larger than this are refused (-EFBIG), not read. */
#define SC_MON_MAX_FILE_BYTES (64u << 20)

/* An O_PATH | O_DIRECTORY | O_CLOEXEC fd for `path`; -errno, naming it in err. */
int sc_mon_open_root(const char *path, const char *what, struct sc_error *err);

/* openat(dfd, rel, O_RDONLY | O_CLOEXEC); -1 when missing or unreadable. */
int sc_mon_open_file(int dfd, const char *rel);

/*
 * Reads the whole file behind `fd` from offset 0 with pread (so one fd serves
 * every sample) into *buf, growing it (*cap) when it is full; NUL-terminates.
 * Returns 0 and *len, or -errno (-EFBIG past SC_MON_MAX_FILE_BYTES, -ENOMEM).
 */
int sc_mon_pread_all(int fd, char **buf, size_t *cap, size_t *len);

/*
 * Reads at most cap - 1 bytes of dfd/rel into buf (NUL-terminated), for
 * short files. Returns 0 and *len, or -errno (-ENOENT when missing).
 */
int sc_mon_read_small(int dfd, const char *rel, char *buf, size_t cap, size_t *len);

#endif /* SC_MONITOR_FSUTIL_INTERNAL_H */
