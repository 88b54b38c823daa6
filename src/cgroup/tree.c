// SPDX-License-Identifier: MIT
/*
 * The run-specific cgroup tree: picks the hierarchies for the wanted
 * controllers, creates "schedcheck-<pid>-<hex>" under the chosen root in each,
 * creates nested cgroups, and tears everything down (kill, then rmdir).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"

void sc_cgroup_tree_opts_init(struct sc_cgroup_tree_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->use = SC_CGROUP_USE_AUTO;
}

/* "/a/b/" -> "a/b"; NULL, "" and "/" -> "". Refuses "." and ".." components. */
static int normalize_root(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in ? in : "";

	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (o + (o ? 1 : 0) + n + 1 > len)
			return -ENAMETOOLONG;
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return 0;
}

static int tree_hier_for_layout(struct sc_cgroup_tree *t, int layout_index)
{
	for (unsigned int i = 0; i < t->nr_hiers; i++)
		if (t->hiers[i].layout_index == layout_index)
			return (int)i;
	return -1;
}

static int tree_add_hier(struct sc_cgroup_tree *t, const struct sc_cgroup_layout *l, int li)
{
	int h = tree_hier_for_layout(t, li);
	struct sc_cg_hier *th;

	if (h >= 0)
		return h;
	if (t->nr_hiers == SC_CGROUP_MAX_HIERARCHIES)
		return -ENOSPC;
	th = &t->hiers[t->nr_hiers];
	th->layout_index = li;
	th->v2 = l->hierarchies[li].v2;
	th->freezer = !th->v2 &&
		      (l->hierarchies[li].controllers & SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_FREEZER));
	th->root_fd = -1;
	return (int)t->nr_hiers++;
}

/* Decides which controllers the tree uses and in which hierarchies. */
static int choose_hierarchies(struct sc_cgroup_tree *t, const struct sc_cgroup_layout *l,
			      const struct sc_cgroup_tree_opts *o, struct sc_error *err)
{
	uint32_t wanted = o->controllers ? o->controllers : SC_CGROUP_CTRL_ALL;
	int h;

	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++) {
		const char *name = sc_cgroup_controller_name(c);
		const struct sc_cgroup_hierarchy *lh;
		int li = l->ctrl_index[c];

		t->ctrl_hier[c] = -1;
		if (!(wanted & SC_CGROUP_CTRL_BIT(c))) {
			snprintf(t->ctrl_why[c], sizeof(t->ctrl_why[c]),
				 "the %s controller was not requested", name);
			continue;
		}
		if (li < 0) {
			if (!sc_cgroup_controller_v2_name(c) && o->use == SC_CGROUP_USE_V2)
				snprintf(t->ctrl_why[c], sizeof(t->ctrl_why[c]),
					 "%s is a cgroup v1 controller and the tree uses v2 only",
					 name);
			else
				snprintf(
					t->ctrl_why[c], sizeof(t->ctrl_why[c]),
					"the %s controller is not available (no v1 mount of it and "
					"not in the v2 cgroup.controllers)",
					name);
			continue;
		}
		lh = &l->hierarchies[li];
		if (o->use == SC_CGROUP_USE_V2 && !lh->v2) {
			snprintf(t->ctrl_why[c], sizeof(t->ctrl_why[c]),
				 "the %s controller is bound to the v1 hierarchy at %.512s and the "
				 "tree uses v2 only",
				 name, lh->mount_point);
			continue;
		}
		if (o->use == SC_CGROUP_USE_V1 && lh->v2) {
			snprintf(
				t->ctrl_why[c], sizeof(t->ctrl_why[c]),
				"the %s controller is only on cgroup v2 (%.512s) and the tree uses "
				"v1 only",
				name, lh->mount_point);
			continue;
		}
		if (lh->noprefix) {
			snprintf(
				t->ctrl_why[c], sizeof(t->ctrl_why[c]),
				"the v1 hierarchy at %.512s is mounted with noprefix (unsupported)",
				lh->mount_point);
			continue;
		}
		h = tree_add_hier(t, l, li);
		if (h < 0)
			return h;
		t->ctrl_hier[c] = h;
		t->hiers[h].controllers |= SC_CGROUP_CTRL_BIT(c);
	}
	/* v2 brings cgroup.kill, cgroup.freeze and cpu.stat usage even without controllers. */
	if (o->use != SC_CGROUP_USE_V1 && l->v2_index >= 0) {
		h = tree_add_hier(t, l, l->v2_index);
		if (h < 0)
			return h;
	}
	if (t->nr_hiers == 0) {
		sc_error_set(err, "cgroup: no usable hierarchy for a %s tree (layout: %s)",
			     sc_cgroup_use_name(o->use), sc_cgroup_mode_name(l->mode));
		return -ENOENT;
	}
	t->primary = 0;
	for (unsigned int i = 0; i < t->nr_hiers; i++)
		if (t->hiers[i].v2)
			t->primary = (int)i;
	return 0;
}

static bool token_in(const char *list, const char *tok)
{
	size_t tl = strlen(tok);
	const char *p = list;

	while ((p = strstr(p, tok))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[tl] == '\0' || p[tl] == ' ' || p[tl] == '\n'))
			return true;
		p += tl;
	}
	return false;
}

/*
 * v2: turns the hierarchy's controllers on in `dirpath`/cgroup.subtree_control
 * (relative to dirfd). A controller that cannot be enabled is dropped from
 * the tree with the reason, unless required.
 */
static int enable_subtree(struct sc_cgroup_tree *t, int h, int dirfd, const char *dirpath,
			  const char *abs_base, uint32_t required, struct sc_error *err)
{
	struct sc_cg_hier *th = &t->hiers[h];
	char file[SC_CGROUP_PATH_MAX], cur[512], val[32];
	int r;

	r = sc_cg_join(file, sizeof(file), dirpath, "cgroup.subtree_control");
	if (r < 0)
		return r;
	r = sc_cg_read(dirfd, file, cur, sizeof(cur), abs_base, err);
	if (r < 0)
		return r;
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++) {
		const char *name = sc_cgroup_controller_v2_name(c);
		struct sc_error e2;

		if (!(th->controllers & SC_CGROUP_CTRL_BIT(c)) || !name || token_in(cur, name))
			continue;
		snprintf(val, sizeof(val), "+%s", name);
		r = sc_cg_write(dirfd, file, val, abs_base, &e2);
		if (r == 0)
			continue;
		if (required & SC_CGROUP_CTRL_BIT(c)) {
			sc_error_set(err, "%s", e2.msg);
			return r;
		}
		th->controllers &= ~SC_CGROUP_CTRL_BIT(c);
		t->ctrl_hier[c] = -1;
		snprintf(t->ctrl_why[c], sizeof(t->ctrl_why[c]), "cannot enable %s: %.900s", name,
			 e2.msg);
	}
	return 0;
}

/*
 * Opens opts->root in hierarchy `h`, enabling controllers on the way down
 * on v2 so the run parent gets their files.
 */
static int open_root(struct sc_cgroup_tree *t, int h, const struct sc_cgroup_layout *l,
		     const char *root, uint32_t required, struct sc_error *err)
{
	struct sc_cg_hier *th = &t->hiers[h];
	const char *mnt = l->hierarchies[th->layout_index].mount_point;
	char abs[SC_CGROUP_PATH_MAX];
	const char *p = root;
	int fd, r;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		char ebuf[128];

		r = -errno;
		sc_error_set(err, "%s: open: %s", mnt, sc_cg_strerror(-r, ebuf, sizeof(ebuf)));
		return r;
	}
	snprintf(abs, sizeof(abs), "%s", mnt);
	for (;;) {
		size_t n;
		char comp[256];
		int nfd;

		if (th->v2) {
			r = enable_subtree(t, h, fd, "", abs, required, err);
			if (r < 0)
				goto fail;
		}
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n >= sizeof(comp)) {
			r = -ENAMETOOLONG;
			sc_error_set(err, "cgroup root \"%s\": component too long", root);
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (*p == '/')
			p++;
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			char ebuf[128];

			r = -errno;
			sc_error_set(err, "%s/%s: open: %s", abs, comp,
				     sc_cg_strerror(-r, ebuf, sizeof(ebuf)));
			goto fail;
		}
		close(fd);
		fd = nfd;
		r = sc_cg_join(abs, sizeof(abs), abs, comp);
		if (r < 0)
			goto fail;
	}
	th->root_path = strdup(abs);
	th->path = sc_cg_join_alloc(abs, t->name);
	if (!th->root_path || !th->path) {
		r = -ENOMEM;
		sc_error_set(err, "cgroup: out of memory");
		goto fail;
	}
	/* Published for the emergency path only once it is a valid fd. */
	__atomic_store_n(&th->root_fd, fd, __ATOMIC_RELEASE);
	return 0;
fail:
	close(fd);
	return r;
}

/* v1 cpuset: a new cpuset is empty and refuses tasks; inherit the parent's cpus and mems. */
static int cpuset_inherit(struct sc_cgroup_tree *t, int h, const char *parent_path,
			  const char *child_path, struct sc_error *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	static const char *const fallback[] = { "cpuset.effective_cpus", "cpuset.effective_mems" };
	struct sc_cg_hier *th = &t->hiers[h];
	char src[SC_CGROUP_PATH_MAX], dst[SC_CGROUP_PATH_MAX], val[4096];
	int r;

	for (int i = 0; i < 2; i++) {
		r = sc_cg_join(src, sizeof(src), parent_path, files[i]);
		if (r < 0)
			return r;
		r = sc_cg_read(th->root_fd, src, val, sizeof(val), th->root_path, err);
		if (r < 0)
			return r;
		if (r == 0 || val[0] == '\n') {
			r = sc_cg_join(src, sizeof(src), parent_path, fallback[i]);
			if (r < 0)
				return r;
			r = sc_cg_read(th->root_fd, src, val, sizeof(val), th->root_path, err);
			if (r < 0)
				return r;
		}
		val[strcspn(val, "\n")] = '\0';
		if (!val[0]) {
			/* Tasks could never join; say why now rather than ENOSPC at attach. */
			r = sc_cg_join(src, sizeof(src), parent_path, files[i]);
			sc_error_set(err,
				     "%s/%s: empty: give the cgroup cpus and mems before "
				     "creating cgroups under it",
				     th->root_path, r < 0 ? files[i] : src);
			return -ENOSPC;
		}
		r = sc_cg_join(dst, sizeof(dst), child_path, files[i]);
		if (r < 0)
			return r;
		r = sc_cg_write(th->root_fd, dst, val, th->root_path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void random_suffix(char *out, size_t len)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)(sc_cg_now_ns() ^ ((uint64_t)getpid() << 16));
	snprintf(out, len, "%08" PRIx32, v);
}

/* Publishes cgroups[nr] (path already malloc'ed) for the emergency path. */
static struct sc_cgroup *publish_cgroup(struct sc_cgroup_tree *t, struct sc_cgroup *parent,
					char *path)
{
	unsigned int nr = t->nr_cgroups;
	struct sc_cgroup *cg = &t->cgroups[nr];
	size_t nl = strlen(t->name);

	cg->tree = t;
	cg->parent = parent;
	cg->path = path;
	cg->rel = path[nl] == '/' ? path + nl + 1 : path + nl;
	cg->subtree_enabled = false;
	__atomic_store_n(&t->nr_cgroups, nr + 1, __ATOMIC_RELEASE);
	return cg;
}

static void unpublish_last(struct sc_cgroup_tree *t)
{
	unsigned int nr = t->nr_cgroups - 1;

	__atomic_store_n(&t->nr_cgroups, nr, __ATOMIC_RELEASE);
	free(t->cgroups[nr].path);
	t->cgroups[nr].path = NULL;
}

/* Kill + rmdir of the whole tree in every hierarchy, in sc_cg_pass_of() order. */
static int teardown(struct sc_cgroup_tree *t, struct sc_error *err)
{
	int first = 0;

	for (int pass = 0; pass < SC_CG_NR_PASSES; pass++) {
		for (unsigned int h = 0; h < t->nr_hiers; h++) {
			struct sc_cg_hier *th = &t->hiers[h];
			struct sc_cg_target tg = {
				.base_fd = th->root_fd,
				.path = t->name,
				.abs_base = th->root_path,
				.v2 = th->v2,
				.freezer = th->freezer,
				.marker = t->name,
			};
			struct sc_error e2;
			int r;

			if (sc_cg_pass_of(th->v2, th->freezer) != pass || th->root_fd < 0)
				continue;
			r = sc_cg_kill_subtree(&tg, sc_cg_now_ns() + t->timeout_ns, &e2);
			if (r < 0 && !first) {
				first = r;
				sc_error_set(err, "%s", e2.msg);
			}
			r = sc_cg_rmdir_subtree(&tg, sc_cg_now_ns() + t->timeout_ns, &e2);
			if (r < 0 && !first) {
				first = r;
				sc_error_set(err, "%s", e2.msg);
			}
		}
	}
	return first;
}

static void tree_free(struct sc_cgroup_tree *t)
{
	if (t->registered)
		sc_cg_unregister(t);
	__atomic_store_n(&t->nr_cgroups, 0, __ATOMIC_RELEASE);
	for (unsigned int h = 0; h < t->nr_hiers; h++) {
		if (t->hiers[h].root_fd >= 0)
			close(t->hiers[h].root_fd);
		free(t->hiers[h].root_path);
		free(t->hiers[h].path);
	}
	if (t->cgroups) {
		for (unsigned int i = 0; i < t->cap; i++)
			free(t->cgroups[i].path);
		free(t->cgroups);
	}
	free(t);
}

int sc_cgroup_tree_create(const struct sc_cgroup_layout *layout,
			  const struct sc_cgroup_tree_opts *opts, struct sc_cgroup_tree **out,
			  struct sc_error *err)
{
	struct sc_cgroup_tree_opts dflt;
	struct sc_error scratch; /* teardown after a failure must not overwrite err */
	struct sc_cgroup_tree *t;
	char root[SC_CGROUP_PATH_MAX], hex[16];
	uint32_t usable = 0;
	char *ppath;
	int r;

	if (!layout || !out) {
		sc_error_set(err, "cgroup tree: invalid argument");
		return -EINVAL;
	}
	if (!opts) {
		sc_cgroup_tree_opts_init(&dflt);
		opts = &dflt;
	}
	if ((unsigned int)opts->use >= SC_CGROUP_USE_MAX ||
	    opts->max_cgroups > SC_CGROUP_MAX_CGROUPS ||
	    (opts->controllers & ~SC_CGROUP_CTRL_ALL) || (opts->required & ~SC_CGROUP_CTRL_ALL)) {
		sc_error_set(err, "cgroup tree: invalid options (max_cgroups at most %u)",
			     SC_CGROUP_MAX_CGROUPS);
		return -EINVAL;
	}
	r = normalize_root(opts->root, root, sizeof(root));
	if (r < 0) {
		sc_error_set(err, "cgroup root \"%s\": %s", opts->root,
			     r == -EINVAL ? "\".\" and \"..\" are not allowed" : "too long");
		return r;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		sc_error_set(err, "cgroup tree: out of memory");
		return -ENOMEM;
	}
	t->owner = getpid();
	t->timeout_ns = opts->timeout_ns ? opts->timeout_ns : SC_CGROUP_DEFAULT_TIMEOUT_NS;
	t->cap = opts->max_cgroups ? opts->max_cgroups : SC_CGROUP_DEFAULT_MAX_CGROUPS;
	random_suffix(hex, sizeof(hex));
	snprintf(t->name, sizeof(t->name), SC_CG_PREFIX "%d-%s", (int)t->owner, hex);
	t->cgroups = calloc(t->cap, sizeof(*t->cgroups));
	if (!t->cgroups) {
		free(t);
		sc_error_set(err, "cgroup tree: out of memory");
		return -ENOMEM;
	}
	for (unsigned int h = 0; h < SC_CGROUP_MAX_HIERARCHIES; h++)
		t->hiers[h].root_fd = -1;
	r = choose_hierarchies(t, layout, opts, err);
	if (r < 0)
		goto fail;
	/* From here on a signal handler can clean up after us. */
	r = sc_cg_register(t);
	if (r < 0) {
		sc_error_set(err, "cgroup tree: more than %d live trees", SC_CG_MAX_LIVE_TREES);
		goto fail;
	}
	t->registered = true;
	for (unsigned int h = 0; h < t->nr_hiers; h++) {
		r = open_root(t, (int)h, layout, root, opts->required, err);
		if (r < 0)
			goto fail;
	}
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
		if (t->ctrl_hier[c] >= 0)
			usable |= SC_CGROUP_CTRL_BIT(c);
	if (opts->required & ~usable) {
		for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++) {
			if ((opts->required & ~usable) & SC_CGROUP_CTRL_BIT(c)) {
				sc_error_set(err, "cgroup tree: required: %s", t->ctrl_why[c]);
				break;
			}
		}
		r = -EOPNOTSUPP;
		goto fail;
	}
	ppath = strdup(t->name);
	if (!ppath) {
		r = -ENOMEM;
		sc_error_set(err, "cgroup tree: out of memory");
		goto fail;
	}
	publish_cgroup(t, NULL, ppath);
	for (unsigned int h = 0; h < t->nr_hiers; h++) {
		struct sc_cg_hier *th = &t->hiers[h];

		if (mkdirat(th->root_fd, t->name, 0755) < 0) {
			char ebuf[128];

			r = -errno;
			sc_error_set(err, "%s: mkdir: %s", th->path,
				     sc_cg_strerror(-r, ebuf, sizeof(ebuf)));
			goto fail;
		}
		if (th->v2) {
			char kill_file[SC_CG_NAME_MAX + 16];

			snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", t->name);
			th->has_kill = faccessat(th->root_fd, kill_file, F_OK, 0) == 0;
		}
		if (th->controllers & SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUSET) && !th->v2) {
			r = cpuset_inherit(t, (int)h, "", t->name, err);
			if (r < 0)
				goto fail;
		}
	}
	sc_cg_probe_features(t);
	*out = t;
	return 0;
fail:
	teardown(t, &scratch);
	tree_free(t);
	return r;
}

int sc_cgroup_tree_destroy(struct sc_cgroup_tree *tree, struct sc_error *err)
{
	int r;

	if (!tree)
		return 0;
	r = teardown(tree, err);
	tree_free(tree);
	return r;
}

const char *sc_cgroup_tree_name(const struct sc_cgroup_tree *tree)
{
	return tree->name;
}

struct sc_cgroup *sc_cgroup_tree_parent(struct sc_cgroup_tree *tree)
{
	return &tree->cgroups[0];
}

uint32_t sc_cgroup_tree_controllers(const struct sc_cgroup_tree *tree)
{
	uint32_t m = 0;

	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
		if (tree->ctrl_hier[c] >= 0)
			m |= SC_CGROUP_CTRL_BIT(c);
	return m;
}

unsigned int sc_cgroup_tree_nr_dirs(const struct sc_cgroup_tree *tree)
{
	return tree->nr_hiers;
}

const char *sc_cgroup_tree_dir(const struct sc_cgroup_tree *tree, unsigned int i)
{
	return i < tree->nr_hiers ? tree->hiers[i].path : NULL;
}

bool sc_cgroup_tree_uses_v2(const struct sc_cgroup_tree *tree)
{
	for (unsigned int h = 0; h < tree->nr_hiers; h++)
		if (tree->hiers[h].v2)
			return true;
	return false;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

struct sc_cgroup *sc_cgroup_tree_find(struct sc_cgroup_tree *tree, const char *rel)
{
	for (unsigned int i = 0; i < tree->nr_cgroups; i++)
		if (strcmp(tree->cgroups[i].rel, rel) == 0)
			return &tree->cgroups[i];
	return NULL;
}

int sc_cgroup_create(struct sc_cgroup_tree *t, struct sc_cgroup *parent, const char *name,
		     struct sc_cgroup **out, struct sc_error *err)
{
	struct sc_cgroup *cg;
	unsigned int made = 0;
	char *path;
	int r;

	if (!t || !name || !out) {
		sc_error_set(err, "cgroup create: invalid argument");
		return -EINVAL;
	}
	if (!parent)
		parent = &t->cgroups[0];
	if (parent->tree != t) {
		sc_error_set(err, "cgroup create: parent belongs to another tree");
		return -EINVAL;
	}
	if (!valid_name(name)) {
		sc_error_set(err,
			     "cgroup name \"%s\": use 1-255 of [A-Za-z0-9_.-], not starting "
			     "with '.'",
			     name);
		return -EINVAL;
	}
	if (t->nr_cgroups >= t->cap) {
		sc_error_set(err, "cgroup %s/%s: the tree is limited to %u cgroups", parent->path,
			     name, t->cap);
		return -ENOSPC;
	}
	if (strlen(parent->path) + 1 + strlen(name) >= SC_CG_NAME_MAX + SC_CGROUP_REL_MAX) {
		sc_error_set(err, "cgroup %s/%s: path too long", parent->path, name);
		return -ENAMETOOLONG;
	}
	path = sc_cg_join_alloc(parent->path, name);
	if (!path) {
		sc_error_set(err, "cgroup create: out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < t->nr_cgroups; i++) {
		if (strcmp(t->cgroups[i].path, path) == 0) {
			sc_error_set(err, "cgroup %s: already exists in the tree", path);
			free(path);
			return -EEXIST;
		}
	}
	/* v2: children get controller files only once the parent hands them down. */
	if (!parent->subtree_enabled) {
		for (unsigned int h = 0; h < t->nr_hiers; h++) {
			if (!t->hiers[h].v2 || !t->hiers[h].controllers)
				continue;
			r = enable_subtree(t, (int)h, t->hiers[h].root_fd, parent->path,
					   t->hiers[h].root_path, SC_CGROUP_CTRL_ALL, err);
			if (r < 0) {
				free(path);
				return r;
			}
		}
		parent->subtree_enabled = true;
	}
	/* Published before mkdir so a signal arriving in between still removes it. */
	cg = publish_cgroup(t, parent, path);
	for (made = 0; made < t->nr_hiers; made++) {
		struct sc_cg_hier *th = &t->hiers[made];

		if (mkdirat(th->root_fd, path, 0755) < 0) {
			char ebuf[128];

			r = -errno;
			sc_error_set(err, "%s/%s: mkdir: %s", th->root_path, path,
				     sc_cg_strerror(-r, ebuf, sizeof(ebuf)));
			goto rollback;
		}
		if (!th->v2 && (th->controllers & SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPUSET))) {
			r = cpuset_inherit(t, (int)made, parent->path, path, err);
			if (r < 0) {
				made++;
				goto rollback;
			}
		}
	}
	*out = cg;
	return 0;
rollback:
	while (made-- > 0)
		unlinkat(t->hiers[made].root_fd, path, AT_REMOVEDIR);
	unpublish_last(t);
	return r;
}

const char *sc_cgroup_rel_path(const struct sc_cgroup *cg)
{
	return cg->rel;
}

static int cg_path_in(const struct sc_cgroup *cg, int h, char *buf, size_t len)
{
	const struct sc_cg_hier *th = &cg->tree->hiers[h];

	return sc_cg_join(buf, len, th->root_path, cg->path);
}

int sc_cgroup_path(const struct sc_cgroup *cg, enum sc_cgroup_controller ctrl, char *buf,
		   size_t len)
{
	if ((unsigned int)ctrl >= SC_CGROUP_CTRL_MAX || cg->tree->ctrl_hier[ctrl] < 0)
		return -EOPNOTSUPP;
	return cg_path_in(cg, cg->tree->ctrl_hier[ctrl], buf, len);
}

int sc_cgroup_primary_path(const struct sc_cgroup *cg, char *buf, size_t len)
{
	return cg_path_in(cg, cg->tree->primary, buf, len);
}

int sc_cgroup_kill(struct sc_cgroup *cg, struct sc_error *err)
{
	struct sc_cgroup_tree *t;
	uint64_t deadline;

	if (!cg)
		return -EINVAL;
	t = cg->tree;
	deadline = sc_cg_now_ns() + t->timeout_ns;
	for (int pass = 0; pass < SC_CG_NR_PASSES; pass++) {
		for (unsigned int h = 0; h < t->nr_hiers; h++) {
			struct sc_cg_hier *th = &t->hiers[h];
			struct sc_cg_target tg = {
				.base_fd = th->root_fd,
				.path = cg->path,
				.abs_base = th->root_path,
				.v2 = th->v2,
				.freezer = th->freezer,
				.marker = t->name,
			};
			int r;

			if (sc_cg_pass_of(th->v2, th->freezer) != pass)
				continue;
			r = sc_cg_kill_subtree(&tg, deadline, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
