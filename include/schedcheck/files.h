/* SPDX-License-Identifier: MIT */
/*
 * Small file helpers shared by every layer above io: creating a directory
 * path, and reading a kernel cpulist file (CPUs or nodes online) into a set.
 */
#ifndef SCHEDCHECK_FILES_H
#define SCHEDCHECK_FILES_H

#include <sys/types.h>

#include <schedcheck/containers.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mkdir -p: creates `dir` and its missing parents with `mode`. -errno. */
int sc_mkdir_p(const char *dir, mode_t mode);

/*
 * Reads a cpulist file such as /sys/devices/system/cpu/online into an empty
 * `set` (ids up to 2^20). -errno from open/read, -EINVAL for bad contents.
 */
int sc_cpu_set_read_file(const char *path, struct sc_cpu_set *set);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_FILES_H */
