/* SPDX-License-Identifier: MIT */
/*
 * Private to src/cgroup/: the tree and cgroup structs, file helpers relative
 * to directory fds, the subtree walker and the kill / rmdir primitives shared
 * by sc_cgroup_tree_destroy() and sc_cgroup_sweep_stale().
 */
#ifndef SCHEDCHECK_CGROUP_INTERNAL_H
#define SCHEDCHECK_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <schedcheck/cgroup.h>
#include <schedcheck/error.h>

/* Longest run-parent name: "schedcheck-" + pid + "-" + 8 hex digits. */
#define SC_CG_NAME_MAX 64
/* Live trees the emergency path can see at once. */
#define SC_CG_MAX_LIVE_TREES 16
/* Deepest directory nesting the walker follows. */
#define SC_CG_MAX_DEPTH 128
/* Poll step while waiting for tasks to leave or for the freezer. */
#define SC_CG_POLL_NS (1000 * 1000)
/* Largest cgroup file read into memory (cgroup.procs of a huge cgroup). */
#define SC_CG_READ_MAX (64u << 20)

#define SC_CG_PREFIX "schedcheck-"

/* One hierarchy a tree lives in. */
struct sc_cg_hier {
	int layout_index;
	bool v2;
	bool has_kill;	      /* v2 cgroup.kill exists (kernel >= 5.14) */
	bool freezer;	      /* v1 hierarchy carrying the freezer controller */
	uint32_t controllers; /* tree controllers served by this hierarchy */
	int root_fd;	      /* opts->root in this hierarchy; -1 until opened */
	char *root_path;      /* absolute path of root_fd, for messages */
	char *path;	      /* absolute path of the run parent */
};

struct sc_cgroup {
	struct sc_cgroup_tree *tree;
	struct sc_cgroup *parent;
	char *path;	      /* relative to every root_fd: "<name>" or "<name>/web/db" */
	const char *rel;      /* inside path: "" or "web/db" */
	bool subtree_enabled; /* v2: the tree's controllers are on in cgroup.subtree_control */
};

struct sc_cg_feat {
	int hier;	  /* tree hierarchy index, -1: unsupported */
	const char *file; /* file in that hierarchy */
	char why[SC_ERROR_MSG_MAX];
};

struct sc_cgroup_tree {
	char name[SC_CG_NAME_MAX];
	pid_t owner;
	uint64_t timeout_ns;
	unsigned int nr_hiers;
	struct sc_cg_hier hiers[SC_CGROUP_MAX_HIERARCHIES];
	int primary;			   /* tree hierarchy index used for cgroup.procs */
	int ctrl_hier[SC_CGROUP_CTRL_MAX]; /* tree hierarchy per usable controller, -1 */
	char ctrl_why[SC_CGROUP_CTRL_MAX][SC_ERROR_MSG_MAX];
	struct sc_cg_feat feat[SC_CGROUP_FEAT_MAX];
	unsigned int cap;
	/* Published with release stores: the emergency path reads [0, nr_cgroups). */
	unsigned int nr_cgroups;
	struct sc_cgroup *cgroups;
	int emergency_done;
	bool registered;
};

/*
 * Teardown order over hierarchies: a v1 freezer hierarchy first (a frozen v1
 * task sits on a SIGKILL until thawed there), then v2 (one cgroup.kill also
 * empties the v1 copies of the same tasks), then the other v1 hierarchies.
 */
#define SC_CG_NR_PASSES 3
static inline int sc_cg_pass_of(bool v2, bool freezer)
{
	return freezer ? 0 : v2 ? 1 : 2;
}

/* --- util.c ------------------------------------------------------------- */

uint64_t sc_cg_now_ns(void);
/* Sleeps SC_CG_POLL_NS on an absolute deadline. */
void sc_cg_poll_sleep(void);
/* Thread-safe strerror. */
const char *sc_cg_strerror(int errnum, char *buf, size_t len);

/* dst = a "/" b, without doubling slashes; "" parts are skipped. -ENAMETOOLONG. */
int sc_cg_join(char *dst, size_t len, const char *a, const char *b);
/* Same, malloc'ed; NULL on ENOMEM. */
char *sc_cg_join_alloc(const char *a, const char *b);

/*
 * Writes `value` with one write() to `path` relative to `dirfd`. On error the
 * message is "<abs_base>/<path>: write "<value>": <strerror>".
 */
int sc_cg_write(int dirfd, const char *path, const char *value, const char *abs_base,
		struct sc_error *err);
/* Reads `path` into `buf` (NUL-terminated); returns the length, -EFBIG if it does not fit. */
int sc_cg_read(int dirfd, const char *path, char *buf, size_t size, const char *abs_base,
	       struct sc_error *err);
/* Reads a whole file into a malloc'ed NUL-terminated buffer (at most SC_CG_READ_MAX). */
int sc_cg_read_alloc(int dirfd, const char *path, char **out, size_t *len, const char *abs_base,
		     struct sc_error *err);
/* Whole-file read from an absolute path (mountinfo). */
int sc_cg_read_path_alloc(const char *path, char **out, size_t *len, struct sc_error *err);

/* Parses decimal pids, one per line; calls fn for each. Returns count or -EINVAL. */
int sc_cg_parse_pids(const char *buf, int (*fn)(pid_t pid, void *ctx), void *ctx);

/* Value of "key N" in a flat-keyed file such as cpu.stat; -ENOENT if absent. */
int sc_cg_keyed_u64(const char *buf, const char *key, uint64_t *out);

/* --- walk.c ------------------------------------------------------------- */

typedef int (*sc_cg_walk_fn)(int base_fd, const char *path, void *ctx);

/*
 * Visits `path` (relative to base_fd) and every directory below it, parents
 * first (post_order false) or children first. A directory that vanished is
 * skipped. Stops at the first negative return of fn.
 */
int sc_cg_walk(int base_fd, const char *path, bool post_order, sc_cg_walk_fn fn, void *ctx);

/* A subtree of cgroups to empty and remove. */
struct sc_cg_target {
	int base_fd;
	const char *path;     /* relative to base_fd */
	const char *abs_base; /* absolute path of base_fd, for messages */
	bool v2;
	bool freezer;	    /* v1 freezer hierarchy: thaw before killing */
	const char *marker; /* run-parent name a victim's /proc/<pid>/cgroup must contain */
};

/*
 * Kills every task in the subtree (cgroup.kill when v2 offers it, otherwise
 * SIGKILL to each pid listed, thawing v1 freezer cgroups first) and waits
 * until none is left or `deadline_ns` passes (-ETIMEDOUT).
 */
int sc_cg_kill_subtree(const struct sc_cg_target *tg, uint64_t deadline_ns, struct sc_error *err);
/* rmdir children first, retrying EBUSY until `deadline_ns`. A vanished subtree is success. */
int sc_cg_rmdir_subtree(const struct sc_cg_target *tg, uint64_t deadline_ns, struct sc_error *err);

/* --- emergency.c -------------------------------------------------------- */

int sc_cg_register(struct sc_cgroup_tree *tree);
void sc_cg_unregister(struct sc_cgroup_tree *tree);

/* --- settings.c --------------------------------------------------------- */

/* Fills tree->feat[] by probing the run parent's files. */
void sc_cg_probe_features(struct sc_cgroup_tree *tree);

#endif /* SCHEDCHECK_CGROUP_INTERNAL_H */
