/* SPDX-License-Identifier: MIT */
/*
 * The sidecar: a whole result as JSON, for programs. Field names follow the
 * founding document's structs as serde_json writes them (snake_case, Phase as
 * a bare integer, maps as objects, sets as sorted arrays, absent optionals as
 * null); u64 values round-trip exactly. docs/sidecar.md is the schema.
 */
#ifndef SCHEDCHECK_SIDECAR_H
#define SCHEDCHECK_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/error.h>
#include <schedcheck/verdict.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_SIDECAR_SCHEMA_VERSION 1
/* Hard limits a reader enforces on hostile input. */
#define SC_SIDECAR_MAX_BYTES (1024ull * 1024 * 1024)
#define SC_SIDECAR_MAX_DEPTH 64

/* The conditions of one run: who ran what, where, when. */
struct sc_run_info {
	char *schedcheck_version;
	char **argv; /* the command line */
	size_t argc;
	char *scenario;		/* scenario name, may be NULL */
	uint64_t start_unix_ns; /* CLOCK_REALTIME at start */
	uint64_t end_unix_ns;
	char *hostname;
	char *kernel_release; /* uname -r */
	char *kernel_version; /* uname -v */
	char *machine;	      /* uname -m */
	uint64_t nr_cpus_online;
	uint64_t nr_numa_nodes;
	char *cpus_online; /* kernel list format, e.g. "0-3" */
	char *scheduler;   /* "eevdf", or the sched_ext ops name */
	char *clocksource;
	struct sc_opt_f64 loadavg_1min;
	char *cgroup_mode; /* "v2", "v1", "hybrid", or NULL */
	bool interrupted;  /* stopped by a signal before the end */
};

struct sc_sidecar {
	uint32_t schema_version;
	struct sc_run_info *runs; /* one per run merged into `result` */
	size_t n_runs;
	struct sc_assert_result result;
};

void sc_run_info_init(struct sc_run_info *ri);
void sc_run_info_release(struct sc_run_info *ri);
int sc_run_info_copy(struct sc_run_info *dst, const struct sc_run_info *src);

void sc_sidecar_init(struct sc_sidecar *s);
void sc_sidecar_release(struct sc_sidecar *s);

/*
 * Serialises to a NUL-terminated JSON string (malloc'ed, caller frees).
 * `pretty` indents with two spaces. -ENOMEM; -EINVAL / -E2BIG when the
 * structure breaks a rule the reader would reject (unsorted sets or maps,
 * oversized reservoirs, a misplaced pass sentinel...), so whatever is
 * written can always be read back.
 */
int sc_sidecar_to_json(const struct sc_sidecar *s, bool pretty, char **out, size_t *out_len);
/* Writes atomically (temp file + rename). Errors name the path. */
int sc_sidecar_write_file(const struct sc_sidecar *s, const char *path, struct sc_error *err);

/*
 * Parses `len` bytes (need not be NUL-terminated). On error returns -EINVAL
 * (or -ENOMEM / -E2BIG) with `err` naming the place: "line L col C" for a
 * syntax error, the JSON path (e.g. result.stats.phases[2].per_cgroup.web.
 * wake_latencies_ns[7]) for a type, range or limit error. *out is
 * initialised and filled only on success.
 */
int sc_sidecar_from_json(const char *buf, size_t len, struct sc_sidecar *out, struct sc_error *err);
int sc_sidecar_read_file(const char *path, struct sc_sidecar *out, struct sc_error *err);

/*
 * Merges `b` into `a`: the results per sc_assert_result_merge, the run infos
 * appended. `b` is consumed on success.
 */
int sc_sidecar_merge(struct sc_sidecar *a, struct sc_sidecar *b);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_SIDECAR_H */
