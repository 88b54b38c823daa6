/* SPDX-License-Identifier: MIT */
/*
 * Scenarios: the declared cgroups, workloads, steps and checks of one run,
 * their strict JSON parser (errors carry file:line:col and the JSON path),
 * the canned scenarios built into the binary, and the check thresholds.
 */
#ifndef SCHEDCHECK_SCENARIO_H
#define SCHEDCHECK_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>
#include <schedcheck/error.h>
#include <schedcheck/stats.h>
#include <schedcheck/workload.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hard limits a scenario may not exceed (refused up front). */
#define SC_SCENARIO_MAX_BYTES (4u * 1024 * 1024)
#define SC_SCENARIO_MAX_CGROUPS 256u
#define SC_SCENARIO_MAX_DEPTH 8u /* cgroup nesting */
#define SC_SCENARIO_MAX_STEPS 1024u
#define SC_SCENARIO_MAX_OPS 256u      /* per step */
#define SC_SCENARIO_MAX_WORKERS 4096u /* total over the run, spawned ops included */
#define SC_SCENARIO_MAX_DURATION_MS (24ull * 3600 * 1000)
/* Worst-case latency-reservoir memory of all sampling workers together. */
#define SC_SCENARIO_MAX_SAMPLE_BYTES (2ull << 30)
#define SC_SCENARIO_MIN_SAMPLE_MS 10u
#define SC_SCENARIO_NAME_MAX 64u

/* Settings of one cgroup; each has a presence flag (absent = left alone). */
struct sc_cgroup_settings {
	bool has_cpus;
	struct sc_cpu_set cpus;
	bool has_mems;
	struct sc_cpu_set mems;
	bool has_weight;
	uint32_t weight; /* 1..10000 */
	bool has_cpu_max;
	uint64_t quota_us; /* UINT64_MAX = unlimited */
	uint64_t period_us;
	bool has_idle;
	bool idle;
	bool has_memory_max, has_memory_high, has_memory_low;
	uint64_t memory_max, memory_high, memory_low; /* bytes, UINT64_MAX = max */
	bool has_io_weight;
	uint32_t io_weight;
	bool has_pids_max;
	uint64_t pids_max;
};

struct sc_scenario_cgroup {
	char *name;   /* unique in the scenario */
	int parent;   /* index of the parent cgroup, -1 = top level */
	bool initial; /* exists from the start (false: created by an add op) */
	struct sc_cgroup_settings settings;
	struct sc_work_spec *work;
	size_t n_work;
};

#define SC_OP_KINDS(X)                          \
	X(ADD_CGROUP, "add_cgroup")             \
	X(REMOVE_CGROUP, "remove_cgroup")       \
	X(SET_CPUSET, "set_cpuset")             \
	X(CLEAR_CPUSET, "clear_cpuset")         \
	X(SWAP_CPUSETS, "swap_cpusets")         \
	X(SET_WEIGHT, "set_weight")             \
	X(SET_QUOTA, "set_quota")               \
	X(SPAWN, "spawn")                       \
	X(STOP_WORKERS, "stop_workers")         \
	X(SET_AFFINITY, "set_affinity")         \
	X(MOVE_TASKS, "move_tasks")             \
	X(FREEZE, "freeze")                     \
	X(UNFREEZE, "unfreeze")                 \
	X(SYSRQ, "sysrq")                       \
	X(DETACH_SCHEDULER, "detach_scheduler") \
	X(ATTACH_SCHEDULER, "attach_scheduler") \
	X(REPLACE_SCHEDULER, "replace_scheduler")

enum sc_op_kind {
#define SC_X_(id, name) SC_OP_##id,
	SC_OP_KINDS(SC_X_)
#undef SC_X_
		SC_OP_KIND_MAX
};

const char *sc_op_kind_name(enum sc_op_kind k);

struct sc_scenario_op {
	enum sc_op_kind kind;
	int cgroup;		/* the cgroup acted on (index), or `from` for move_tasks */
	int other;		/* swap_cpusets: the second cgroup; move_tasks: `to`; else -1 */
	struct sc_cpu_set cpus; /* set_cpuset, set_affinity */
	bool has_mems;
	struct sc_cpu_set mems;	      /* set_cpuset */
	uint32_t weight;	      /* set_weight */
	uint64_t quota_us, period_us; /* set_quota (quota UINT64_MAX = unlimited) */
	struct sc_work_spec work;     /* spawn */
	char sysrq_key;		      /* sysrq: the key for /proc/sysrq-trigger */
};

struct sc_scenario_step {
	uint64_t hold_ms;
	struct sc_scenario_op *ops;
	size_t n_ops;
};

/* ------------------------------------------------------------------------ */
/* Checks                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Every check with its threshold key, default, unit and meaning. A NAN
 * default means "off unless set". docs/checks.md is generated from the same
 * facts (sc_check_def_at).
 */
#define SC_CHECKS(X)                                                                           \
	X(NOT_STARVED, "not_starved", "max_gap_ms", 1000.0, "ms")                              \
	X(OFF_CPU_SPREAD, "off_cpu_spread", "max_spread_pct", 25.0, "%")                       \
	X(ISOLATION, "isolation", "isolation", 1.0, "bool")                                    \
	X(WAKE_P99, "wake_latency_p99", "max_p99_wake_latency_us", 20000.0, "us")              \
	X(WAKE_CV, "wake_latency_cv", "max_wake_latency_cv", NAN, "ratio")                     \
	X(ITERATION_RATE, "iteration_rate", "min_iteration_rate", 0.0, "iterations/s")         \
	X(MIGRATION_RATIO, "migration_ratio", "max_migration_ratio", NAN, "ratio")             \
	X(RQ_IMBALANCE, "rq_imbalance", "max_rq_imbalance", NAN, "tasks")                      \
	X(PAGE_LOCALITY, "page_locality", "min_page_locality", 0.8, "ratio")                   \
	X(CROSS_NODE, "cross_node_migration", "max_cross_node_migration_ratio", 0.05, "ratio") \
	X(WEIGHTED_FAIRNESS, "weighted_fairness", "max_fairness_error", 0.25, "ratio")         \
	X(TIMER_P99, "timer_latency_p99", "max_p99_timer_latency_us", 20000.0, "us")

enum sc_check_id {
#define SC_X_(id, name, key, def, unit) SC_CHECK_##id,
	SC_CHECKS(SC_X_)
#undef SC_X_
		SC_CHECK_MAX
};

struct sc_check_def {
	const char *name;     /* the check as reported */
	const char *key;      /* the threshold key in a scenario / --check */
	double default_value; /* NAN = off by default */
	const char *unit;
	const char *description;
};

const struct sc_check_def *sc_check_def_at(enum sc_check_id id);
/* Finds a check by threshold key or check name; -1 when unknown. */
int sc_check_lookup(const char *key);

/* Thresholds in effect; NAN = the check is off. */
struct sc_check_config {
	double value[SC_CHECK_MAX];
};

void sc_check_config_init(struct sc_check_config *c); /* the defaults */
/*
 * Applies "key=value" (a --check flag): the value is a number, "off", or for
 * isolation true/false. -EINVAL with a message naming the key otherwise.
 */
int sc_check_config_apply(struct sc_check_config *c, const char *assignment, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* The scenario                                                              */
/* ------------------------------------------------------------------------ */

struct sc_scenario_requires {
	uint32_t min_cpus;
	uint32_t min_numa_nodes;
	bool cgroup_v2;
	bool root;
};

/* Longest "expect.scheduler_error" pattern. */
#define SC_SCENARIO_PATTERN_MAX 256u

/*
 * What the scenario expects to go wrong (issue 5). With a scheduler error
 * expected, the run passes when the sched_ext scheduler fails with an error
 * matching the pattern (a POSIX extended regex over the kernel's disable
 * reason, its sched_ext lines and the scheduler's last output lines) and
 * fails when it does not. Fixed-size: nothing to free.
 */
struct sc_scenario_expect {
	bool has_scheduler_error;
	char scheduler_error[SC_SCENARIO_PATTERN_MAX];
};

struct sc_scenario {
	char *name;
	char *description;
	struct sc_scenario_requires requires;
	uint64_t settle_ms;		    /* the BASELINE phase */
	uint64_t sample_interval_ms;	    /* monitor period */
	struct sc_scenario_cgroup *cgroups; /* parents before children */
	size_t n_cgroups;
	struct sc_scenario_step *steps;
	size_t n_steps;
	struct sc_check_config checks;
	struct sc_scenario_expect expect; /* the optional top-level "expect" */
};

void sc_scenario_init(struct sc_scenario *s);
void sc_scenario_release(struct sc_scenario *s);

/* settle + every hold, in ms. */
uint64_t sc_scenario_duration_ms(const struct sc_scenario *s);
/* Workers at the start plus every spawn op. */
uint64_t sc_scenario_total_workers(const struct sc_scenario *s);

/* What the parser validates against (the host's facts). */
struct sc_scenario_env {
	const struct sc_cpu_set *online_cpus;  /* NULL: CPUs are not checked */
	const struct sc_cpu_set *online_nodes; /* NULL: nodes are not checked */
};

/*
 * Parses and validates a scenario from `len` bytes of JSON. `file` names the
 * source in messages. Strict: unknown keys, wrong types, out-of-range values,
 * CPUs or nodes outside the online sets, duplicate cgroup names, ops naming
 * a cgroup that does not exist at that step, and limit overruns are errors
 * of the form "FILE:LINE:COL: PATH: what is wrong" (-EINVAL). *out is filled
 * only on success.
 */
int sc_scenario_parse(const char *text, size_t len, const char *file,
		      const struct sc_scenario_env *env, struct sc_scenario *out,
		      struct sc_error *err);

/*
 * The JSON text of a scenario named on a command line: a canned scenario's
 * text, else the file's (at most SC_SCENARIO_MAX_BYTES). *text is malloc'ed
 * (caller frees). -ENOENT when `which` is neither, -errno naming the file.
 */
int sc_scenario_read_text(const char *which, char **text, size_t *len, struct sc_error *err);

/* Reads and parses a scenario (canned name or file; errors name it). */
int sc_scenario_load_file(const char *path, const struct sc_scenario_env *env,
			  struct sc_scenario *out, struct sc_error *err);

/* Canned scenarios, built in. */
size_t sc_canned_count(void);
const char *sc_canned_name(size_t i);
const char *sc_canned_summary(size_t i);
/* The JSON text of a canned scenario, NULL when unknown. */
const char *sc_canned_json(const char *name);
/* The default scenario `schedcheck run` runs without arguments. */
#define SC_DEFAULT_SCENARIO "steady"

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */

struct sc_assert_result;
struct sc_run_info;

struct sc_run_options {
	/* Existing cgroup directory under which the run's tree goes; NULL: the root. */
	const char *cgroup_root;
	/* Set (e.g. by a SIGINT handler) to stop the run early; may be NULL. */
	volatile int *stop_flag;
	/* Called at every sample and phase change; may be NULL. */
	void (*progress)(void *ctx, const char *phase, uint64_t elapsed_ms, uint64_t total_ms);
	void *progress_ctx;
	/* Deadline for spawning, draining and stopping workers, in ms (0: 5000). */
	uint64_t worker_timeout_ms;
	/*
	 * Set to end the run early without calling it interrupted (the
	 * scheduler under test failed): the phases so far are kept and the
	 * checks evaluated over them, with a note. May be NULL.
	 */
	volatile int *end_flag;
	/*
	 * Allows the sysrq op (it can crash the kernel it runs on): set only by
	 * the guest side of `schedcheck vm`. Elsewhere the op is a Skip.
	 */
	bool allow_sysrq;
	/*
	 * Detaches, attaches or replaces (restarts) the sched_ext scheduler
	 * between steps; set by `schedcheck vm --scheduler`'s guest. NULL: the
	 * scheduler ops are Skips. Returns 0 or -errno with a sentence in `why`.
	 */
	int (*scheduler_op)(void *ctx, enum sc_op_kind kind, char *why, size_t why_len);
	void *scheduler_ctx;
};

void sc_run_options_init(struct sc_run_options *o);

/*
 * Runs `s` on this host: checks its requirements (unmet -> a Skip outcome
 * with the reason, nothing run), creates the cgroups, spawns and places the
 * workers, releases them together, walks BASELINE and every step (applying
 * ops, sampling the monitor, draining per-phase carriers at each boundary),
 * collects whole-run reports, reduces them and evaluates the checks.
 * Everything measured lands in `result` (initialised here), even when the
 * run is interrupted (*interrupted set) or an environment error stops it
 * early (-errno with `err`); cgroups and workers are removed on every path.
 * `ri` receives cgroup_mode; may be NULL.
 */
int sc_scenario_run(const struct sc_scenario *s, const struct sc_run_options *opts,
		    struct sc_assert_result *result, struct sc_run_info *ri, bool *interrupted,
		    struct sc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_SCENARIO_H */
