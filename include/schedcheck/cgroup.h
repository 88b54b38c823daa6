/* SPDX-License-Identifier: MIT */
/*
 * The cgroup layer: detects the cgroup layout (pure v2, hybrid, v1) from
 * /proc/self/mountinfo, creates one run-specific tree of cgroups, configures
 * them through one interface on both versions and removes everything again on
 * every exit path (normal, error, signal via an async-signal-safe path, crash
 * via a sweep of stale trees on the next run). See docs/cgroups.md.
 */
#ifndef SCHEDCHECK_CGROUP_H
#define SCHEDCHECK_CGROUP_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <schedcheck/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Controllers schedcheck uses: id, cgroup v2 name, cgroup v1 name. NULL means
 * "no such controller on that version": cpuacct's usage is core cpu.stat on
 * v2 and the freezer is core cgroup.freeze on v2.
 */
/* clang-format off */
#define SC_CGROUP_CONTROLLERS(X)            \
	X(CPU, "cpu", "cpu")                \
	X(CPUACCT, NULL, "cpuacct")         \
	X(CPUSET, "cpuset", "cpuset")       \
	X(MEMORY, "memory", "memory")       \
	X(IO, "io", "blkio")                \
	X(PIDS, "pids", "pids")             \
	X(FREEZER, NULL, "freezer")

enum sc_cgroup_controller {
#define SC_X_(id, v2, v1) SC_CGROUP_CTRL_##id,
	SC_CGROUP_CONTROLLERS(SC_X_)
#undef SC_X_
	SC_CGROUP_CTRL_MAX
};
/* clang-format on */

#define SC_CGROUP_CTRL_BIT(c) (1u << (c))
#define SC_CGROUP_CTRL_ALL ((1u << SC_CGROUP_CTRL_MAX) - 1)

/* The v2 name, or the v1 name for v1-only controllers ("cpuacct", "freezer"). */
const char *sc_cgroup_controller_name(enum sc_cgroup_controller c);
/* The name on one version, NULL if the controller does not exist there. */
const char *sc_cgroup_controller_v1_name(enum sc_cgroup_controller c);
const char *sc_cgroup_controller_v2_name(enum sc_cgroup_controller c);
/* Accepts a v2 or a v1 name ("io" and "blkio" both give IO); -EINVAL if unknown. */
int sc_cgroup_controller_from_name(const char *name);

/* The layout of the host, decided from the mounts alone. */
/* clang-format off */
#define SC_CGROUP_MODES(X)                                                        \
	X(NONE, "none")       /* no cgroup filesystem mounted */                  \
	X(UNIFIED, "v2")      /* one cgroup2 hierarchy, no v1 controller mounts */ \
	X(HYBRID, "hybrid")   /* v1 controller mounts plus a cgroup2 mount */      \
	X(LEGACY, "v1")       /* v1 controller mounts only */

enum sc_cgroup_mode {
#define SC_X_(id, name) SC_CGROUP_MODE_##id,
	SC_CGROUP_MODES(SC_X_)
#undef SC_X_
	SC_CGROUP_MODE_MAX
};
/* clang-format on */

const char *sc_cgroup_mode_name(enum sc_cgroup_mode m);

/*
 * What a tree can configure or read. Each maps to one file per version, e.g.
 * CPU_WEIGHT is cpu.weight on v2 and cpu.shares on v1.
 */
/* clang-format off */
#define SC_CGROUP_FEATURES(X)                                   \
	X(CPUSET_CPUS, "cpuset.cpus")                           \
	X(CPUSET_MEMS, "cpuset.mems")                           \
	X(CPUSET_EFFECTIVE, "cpuset.cpus.effective")            \
	X(CPU_WEIGHT, "cpu.weight")                             \
	X(CPU_MAX, "cpu.max")                                   \
	X(CPU_IDLE, "cpu.idle")                                 \
	X(CPU_RT_RUNTIME, "cpu.rt_runtime_us")                  \
	X(CPU_USAGE, "cpu.stat usage")                          \
	X(CPU_THROTTLE, "cpu.stat throttling")                  \
	X(MEMORY_MAX, "memory.max")                             \
	X(MEMORY_HIGH, "memory.high")                           \
	X(MEMORY_LOW, "memory.low")                             \
	X(IO_WEIGHT, "io.weight")                               \
	X(PIDS_MAX, "pids.max")                                 \
	X(FREEZE, "cgroup.freeze")

enum sc_cgroup_feature {
#define SC_X_(id, name) SC_CGROUP_FEAT_##id,
	SC_CGROUP_FEATURES(SC_X_)
#undef SC_X_
	SC_CGROUP_FEAT_MAX
};
/* clang-format on */

const char *sc_cgroup_feature_name(enum sc_cgroup_feature f);

/* Which hierarchies a tree may use. */
/* clang-format off */
#define SC_CGROUP_USES(X)                                                          \
	X(AUTO, "auto") /* every hierarchy hosting a wanted controller, plus v2 */ \
	X(V2, "v2")     /* only the cgroup2 hierarchy */                           \
	X(V1, "v1")     /* only v1 controller hierarchies */

enum sc_cgroup_use {
#define SC_X_(id, name) SC_CGROUP_USE_##id,
	SC_CGROUP_USES(SC_X_)
#undef SC_X_
	SC_CGROUP_USE_MAX
};
/* clang-format on */

const char *sc_cgroup_use_name(enum sc_cgroup_use u);

/* ------------------------------------------------------------------------ */
/* Layout detection                                                          */
/* ------------------------------------------------------------------------ */

#define SC_CGROUP_PATH_MAX 4096
/* A controller lives in at most one hierarchy: 7 v1 ones plus cgroup2. */
#define SC_CGROUP_MAX_HIERARCHIES 8

/* One mounted cgroup hierarchy (bind mounts of it are folded into one). */
struct sc_cgroup_hierarchy {
	char mount_point[SC_CGROUP_PATH_MAX]; /* unescaped */
	unsigned int dev_major, dev_minor;    /* the superblock: identifies the hierarchy */
	bool v2;
	bool at_hierarchy_root; /* mountinfo "root" field is "/" */
	bool noprefix;		/* v1 "noprefix" mount option: files lack the "ctrl." prefix */
	/* v1: controllers bound to it; v2: the mount's cgroup.controllers. */
	uint32_t controllers;
};

struct sc_cgroup_layout {
	enum sc_cgroup_mode mode;
	unsigned int nr_hierarchies;
	struct sc_cgroup_hierarchy hierarchies[SC_CGROUP_MAX_HIERARCHIES];
	int v2_index;			    /* -1: no cgroup2 mount */
	int ctrl_index[SC_CGROUP_CTRL_MAX]; /* hierarchy hosting each controller, -1: none */
	unsigned int nr_bad_lines;	    /* unparsable mountinfo lines that were skipped */
};

/* An empty layout (mode NONE, no hierarchies). Allocates nothing. */
void sc_cgroup_layout_init(struct sc_cgroup_layout *layout);

/*
 * Pure: parses the text of a /proc/<pid>/mountinfo into `out`. Octal escapes
 * (\040 etc.) in mount points are decoded, a later mount on the same or a
 * parent directory hides an earlier cgroup mount, bind mounts of one
 * hierarchy are folded (the one showing the hierarchy root wins). Lines that
 * do not parse are skipped and counted in nr_bad_lines; named v1 hierarchies
 * (name=systemd) and v1 hierarchies without a controller listed above are
 * ignored. The v2 hierarchy's controllers are unknown here (empty): feed its
 * cgroup.controllers to sc_cgroup_layout_set_v2_controllers().
 * Returns 0; -EINVAL for a NULL argument. `out` is written only on success.
 */
int sc_cgroup_layout_parse_mountinfo(struct sc_cgroup_layout *out, const char *buf, size_t len,
				     struct sc_error *err);

/*
 * Pure: records the v2 hierarchy's cgroup.controllers line ("cpuset cpu io
 * memory pids ...", unknown names ignored) and re-resolves which hierarchy
 * hosts each controller (a v1 mount wins: a controller bound to v1 is not
 * usable on v2). -ENOENT if the layout has no v2 hierarchy.
 */
int sc_cgroup_layout_set_v2_controllers(struct sc_cgroup_layout *layout, const char *line);

/*
 * Reads /proc/self/mountinfo and the v2 mount's cgroup.controllers.
 * -errno with the file named in `err` on failure.
 */
int sc_cgroup_layout_detect(struct sc_cgroup_layout *out, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Trees                                                                     */
/* ------------------------------------------------------------------------ */

#define SC_CGROUP_DEFAULT_MAX_CGROUPS 256u
#define SC_CGROUP_MAX_CGROUPS 65536u
#define SC_CGROUP_DEFAULT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)
/* Longest path of a cgroup below the run parent ("web/db"). */
#define SC_CGROUP_REL_MAX 1024
/* "No limit" for cpu.max quota, memory.* and pids.max. */
#define SC_CGROUP_UNLIMITED UINT64_MAX

struct sc_cgroup_tree_opts {
	/*
	 * Existing directory inside every used hierarchy under which the run
	 * parent is created, as a cgroup path ("/", "/schedcheck.slice").
	 * NULL or "/" is the hierarchy root. ".." is refused.
	 */
	const char *root;
	enum sc_cgroup_use use;
	/* Controllers wanted (0: all); absent ones only show up as unsupported features. */
	uint32_t controllers;
	/* Creation fails unless each of these is usable. */
	uint32_t required;
	/* Hard limit on cgroups in the tree, run parent included (0: default). */
	unsigned int max_cgroups;
	/* Deadline for kill, rmdir retries and freezing (0: default). */
	uint64_t timeout_ns;
};

/* Defaults: hierarchy root, AUTO, every controller, none required. */
void sc_cgroup_tree_opts_init(struct sc_cgroup_tree_opts *opts);

struct sc_cgroup_tree;
/* One cgroup of a tree. Owned by the tree; valid until the tree is destroyed. */
struct sc_cgroup;

/*
 * Creates the run parent "schedcheck-<pid>-<8 hex>" under opts->root in every
 * used hierarchy (v2: enabling the wanted controllers in cgroup.subtree_control
 * from the hierarchy root down; v1 cpuset: copying cpus and mems from the
 * parent) and registers it for sc_cgroup_emergency_cleanup_all(). Controllers
 * that cannot be used are recorded with the reason; see sc_cgroup_tree_supports().
 * -ENOENT (no usable hierarchy), -EOPNOTSUPP (a required controller missing),
 * -ENOSPC (too many live trees), or the -errno of the failing file operation.
 * On failure nothing is left behind. `opts` may be NULL.
 */
int sc_cgroup_tree_create(const struct sc_cgroup_layout *layout,
			  const struct sc_cgroup_tree_opts *opts, struct sc_cgroup_tree **out,
			  struct sc_error *err);

/*
 * Kills every task left in the tree (v2: cgroup.kill; otherwise SIGKILL to
 * each pid in cgroup.procs, repeated until empty; v1 freezer cgroups are
 * thawed first), then removes the directories depth-first in every hierarchy,
 * including ones a worker created, retrying on EBUSY until the deadline.
 * Frees the tree whatever happens. NULL is accepted. -ETIMEDOUT / -EBUSY or
 * the first -errno, naming the directory, if something could not be removed.
 */
int sc_cgroup_tree_destroy(struct sc_cgroup_tree *tree, struct sc_error *err);

/* "schedcheck-<pid>-<hex>". */
const char *sc_cgroup_tree_name(const struct sc_cgroup_tree *tree);
/* The run parent itself. */
struct sc_cgroup *sc_cgroup_tree_parent(struct sc_cgroup_tree *tree);
/* Controllers the tree can use (SC_CGROUP_CTRL_BIT mask). */
uint32_t sc_cgroup_tree_controllers(const struct sc_cgroup_tree *tree);
/* Number of hierarchies the tree lives in, and the run parent's absolute path in each. */
unsigned int sc_cgroup_tree_nr_dirs(const struct sc_cgroup_tree *tree);
const char *sc_cgroup_tree_dir(const struct sc_cgroup_tree *tree, unsigned int i);
/* Whether the tree lives in the cgroup2 hierarchy. */
bool sc_cgroup_tree_uses_v2(const struct sc_cgroup_tree *tree);

/*
 * 0 if `feature` works on this tree, else -EOPNOTSUPP with the reason in `why`
 * (e.g. "cpu.idle: no cpu.idle in /sys/fs/cgroup/cpu/schedcheck-1-ab (kernel
 * older than 5.15?)"), for a caller to Skip with.
 */
int sc_cgroup_tree_supports(const struct sc_cgroup_tree *tree, enum sc_cgroup_feature feature,
			    struct sc_error *why);

/*
 * Creates cgroup `name` (one path component of [A-Za-z0-9_.-], not starting
 * with '.') under `parent` (NULL: the run parent) in every hierarchy of the
 * tree. v2: enables the tree's controllers in the parent's
 * cgroup.subtree_control first (the parent then may hold no tasks); v1 cpuset:
 * copies the parent's cpus and mems so tasks can join. -EINVAL (bad name),
 * -ENOSPC (max_cgroups reached), -ENAMETOOLONG, or the failing -errno.
 */
int sc_cgroup_create(struct sc_cgroup_tree *tree, struct sc_cgroup *parent, const char *name,
		     struct sc_cgroup **out, struct sc_error *err);

/* The cgroup at `rel` ("web/db"; "" is the run parent), NULL if the tree has none. */
struct sc_cgroup *sc_cgroup_tree_find(struct sc_cgroup_tree *tree, const char *rel);

/* Path below the run parent ("" for the run parent). */
const char *sc_cgroup_rel_path(const struct sc_cgroup *cg);

/*
 * Absolute directory of `cg` in the hierarchy hosting `ctrl`. -EOPNOTSUPP if
 * the tree does not use that controller, -ENAMETOOLONG if `len` is too small.
 */
int sc_cgroup_path(const struct sc_cgroup *cg, enum sc_cgroup_controller ctrl, char *buf,
		   size_t len);
/* Absolute directory of `cg` in the primary hierarchy (v2 if used, else the first v1). */
int sc_cgroup_primary_path(const struct sc_cgroup *cg, char *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* Settings. All fail with -EOPNOTSUPP and the reason when the tree lacks    */
/* the feature, and name the file and the value on a write error, e.g.      */
/* "/sys/fs/cgroup/cpuset/schedcheck-1-ab/web/cpuset.cpus: write "0-9":     */
/* Invalid argument".                                                        */
/* ------------------------------------------------------------------------ */

/* cpuset.cpus / cpuset.mems (cpulist syntax, "0-3,6"), both versions. */
int sc_cgroup_set_cpus(struct sc_cgroup *cg, const char *cpus, struct sc_error *err);
int sc_cgroup_set_mems(struct sc_cgroup *cg, const char *mems, struct sc_error *err);

/*
 * cpu.weight in [1, 10000] (default 100). v1: cpu.shares =
 * sc_cgroup_weight_to_shares(weight), the kernel's own v2->v1 mapping.
 */
int sc_cgroup_set_cpu_weight(struct sc_cgroup *cg, uint32_t weight, struct sc_error *err);

/*
 * Bandwidth limit: `quota_us` per `period_us` (SC_CGROUP_UNLIMITED: no limit).
 * v2 cpu.max; v1 cpu.cfs_quota_us (-1 for unlimited) and cpu.cfs_period_us.
 */
int sc_cgroup_set_cpu_max(struct sc_cgroup *cg, uint64_t quota_us, uint64_t period_us,
			  struct sc_error *err);

/*
 * RT group scheduling (v1 cpu.rt_runtime_us, microseconds per
 * cpu.rt_period_us): a v1 cpu cgroup starts with 0, and the kernel then
 * refuses SCHED_FIFO / SCHED_RR tasks in it. A cgroup's runtime must fit in
 * its parent's, so grant parents first. v2 has no RT group scheduling
 * (-EOPNOTSUPP with the reason: RT tasks need no grant there).
 */
int sc_cgroup_set_rt_runtime(struct sc_cgroup *cg, uint64_t runtime_us, struct sc_error *err);

/* cpu.idle (SCHED_IDLE for the whole group); where the kernel offers the file. */
int sc_cgroup_set_cpu_idle(struct sc_cgroup *cg, bool idle, struct sc_error *err);

/*
 * memory.max / memory.high / memory.low in bytes (SC_CGROUP_UNLIMITED: "max").
 * v1: memory.max is memory.limit_in_bytes; high and low have no v1
 * equivalent (-EOPNOTSUPP).
 */
int sc_cgroup_set_memory_max(struct sc_cgroup *cg, uint64_t bytes, struct sc_error *err);
int sc_cgroup_set_memory_high(struct sc_cgroup *cg, uint64_t bytes, struct sc_error *err);
int sc_cgroup_set_memory_low(struct sc_cgroup *cg, uint64_t bytes, struct sc_error *err);

/*
 * Proportional I/O weight: v2 io.weight (iocost, 1..10000) or io.bfq.weight
 * (1..1000); v1 blkio.weight or blkio.bfq.weight. The kernel checks the range.
 */
int sc_cgroup_set_io_weight(struct sc_cgroup *cg, uint32_t weight, struct sc_error *err);

/* pids.max (SC_CGROUP_UNLIMITED: "max"). */
int sc_cgroup_set_pids_max(struct sc_cgroup *cg, uint64_t max, struct sc_error *err);

/*
 * Freezes or thaws `cg` and its descendants and waits (up to the tree's
 * timeout, then -ETIMEDOUT) until the kernel reports the state: v2
 * cgroup.freeze / cgroup.events "frozen"; v1 freezer.state FROZEN / THAWED.
 */
int sc_cgroup_freeze(struct sc_cgroup *cg, bool frozen, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */
/* ------------------------------------------------------------------------ */

/* Moves every thread of process `pid` into `cg` (cgroup.procs in every hierarchy). */
int sc_cgroup_attach_process(struct sc_cgroup *cg, pid_t pid, struct sc_error *err);
/*
 * Moves one thread: v1 "tasks"; v2 "cgroup.threads" (the kernel only allows
 * this within a threaded subtree; domain cgroups answer -EOPNOTSUPP/-EINVAL).
 */
int sc_cgroup_attach_thread(struct sc_cgroup *cg, pid_t tid, struct sc_error *err);

/*
 * The processes in `cg` itself (not descendants), from the primary
 * hierarchy's cgroup.procs. *pids is malloc'ed (caller frees; NULL when *nr is 0).
 */
int sc_cgroup_read_procs(struct sc_cgroup *cg, pid_t **pids, size_t *nr, struct sc_error *err);

/*
 * Kills every task in `cg` and its descendants and waits until they are gone
 * (v2 cgroup.events "populated 0"; v1 every cgroup.procs empty), up to the
 * tree's timeout (-ETIMEDOUT). Zombies do not count: they have left.
 */
int sc_cgroup_kill(struct sc_cgroup *cg, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

/* The effective CPUs as a cpulist (v2 cpuset.cpus.effective, v1 cpuset.effective_cpus). */
int sc_cgroup_read_effective_cpus(struct sc_cgroup *cg, char *buf, size_t len,
				  struct sc_error *err);

/* Not measured is not zero: each group of fields has its own presence flag. */
struct sc_cgroup_cpu_stat {
	bool has_usage;
	uint64_t usage_us; /* v2 cpu.stat usage_usec; v1 cpuacct.usage / 1000 */
	bool has_throttling;
	uint64_t nr_periods;
	uint64_t nr_throttled;
	uint64_t throttled_us; /* v2 throttled_usec; v1 throttled_time / 1000 */
};

/* Reads what the tree supports (CPU_USAGE, CPU_THROTTLE); neither -> -EOPNOTSUPP. */
int sc_cgroup_read_cpu_stat(struct sc_cgroup *cg, struct sc_cgroup_cpu_stat *out,
			    struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Pure helpers                                                              */
/* ------------------------------------------------------------------------ */

/*
 * v2 weight <-> v1 shares, as the kernel converts (round to nearest):
 * shares = round(weight * 1024 / 100), weight = round(shares * 100 / 1024).
 * 100 <-> 1024; every weight in [1, 10000] survives the round trip.
 */
uint64_t sc_cgroup_weight_to_shares(uint32_t weight);
uint32_t sc_cgroup_shares_to_weight(uint64_t shares);

#ifdef CPU_SETSIZE /* cpu_set_t needs _GNU_SOURCE, which the project always defines */
/*
 * Parses a kernel cpulist ("0-3,8,10-11\n"; empty is the empty set) into
 * `set`. -EINVAL for bad syntax, -ERANGE for a CPU >= CPU_SETSIZE.
 */
int sc_cgroup_cpulist_parse(const char *s, cpu_set_t *set);
#endif

/* ------------------------------------------------------------------------ */
/* Cleanup paths that do not go through sc_cgroup_tree_destroy()             */
/* ------------------------------------------------------------------------ */

/*
 * Async-signal-safe: kills the tasks of and removes every cgroup the tree
 * recorded (only the ones created through this API), using only open, read,
 * write, kill, rmdir (unlinkat), clock_gettime and nanosleep, bounded by the
 * tree's timeout. Allocates and frees nothing; the tree still has to be
 * destroyed (or the process end). Does nothing in a process other than the one
 * that created the tree (forked workers inherit handlers and atexit hooks).
 */
void sc_cgroup_tree_emergency_cleanup(struct sc_cgroup_tree *tree);

/*
 * Async-signal-safe: sc_cgroup_tree_emergency_cleanup() on every live tree.
 * Usable as an atexit() hook or from a SIGINT/SIGTERM handler, which should
 * block the other termination signals (sa_mask) while it runs.
 */
void sc_cgroup_emergency_cleanup_all(void);

/*
 * Removes trees left by runs that died without cleaning up: every
 * "schedcheck-<pid>-<hex>" directory under opts->root (NULL opts: hierarchy
 * root) in every hierarchy of `layout` whose <pid> no longer exists. Tasks
 * still inside are killed first. Returns the number of directories removed
 * (one per hierarchy), or -errno naming the first one that could not be.
 * A <pid> from another PID namespace looks dead: do not share one cgroup root
 * between schedcheck runs in different PID namespaces.
 */
int sc_cgroup_sweep_stale(const struct sc_cgroup_layout *layout,
			  const struct sc_cgroup_tree_opts *opts, struct sc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_CGROUP_H */
