// SPDX-License-Identifier: MIT
/*
 * cgroup layout detection: name tables for the X-macro enums and a pure
 * /proc/self/mountinfo parser that finds the cgroup2 hierarchy and the v1
 * controller hierarchies, plus the thin wrapper that reads the real files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"

/* --- names -------------------------------------------------------------- */

static const char *const ctrl_v2_names[] = {
#define SC_X_(id, v2, v1) v2,
	SC_CGROUP_CONTROLLERS(SC_X_)
#undef SC_X_
};

static const char *const ctrl_v1_names[] = {
#define SC_X_(id, v2, v1) v1,
	SC_CGROUP_CONTROLLERS(SC_X_)
#undef SC_X_
};

static const char *const mode_names[] = {
#define SC_X_(id, name) name,
	SC_CGROUP_MODES(SC_X_)
#undef SC_X_
};

static const char *const feature_names[] = {
#define SC_X_(id, name) name,
	SC_CGROUP_FEATURES(SC_X_)
#undef SC_X_
};

static const char *const use_names[] = {
#define SC_X_(id, name) name,
	SC_CGROUP_USES(SC_X_)
#undef SC_X_
};

const char *sc_cgroup_controller_name(enum sc_cgroup_controller c)
{
	if ((unsigned int)c >= SC_CGROUP_CTRL_MAX)
		return "?";
	return ctrl_v2_names[c] ? ctrl_v2_names[c] : ctrl_v1_names[c];
}

const char *sc_cgroup_controller_v1_name(enum sc_cgroup_controller c)
{
	return (unsigned int)c < SC_CGROUP_CTRL_MAX ? ctrl_v1_names[c] : NULL;
}

const char *sc_cgroup_controller_v2_name(enum sc_cgroup_controller c)
{
	return (unsigned int)c < SC_CGROUP_CTRL_MAX ? ctrl_v2_names[c] : NULL;
}

static int ctrl_from_name_n(const char *name, size_t len, bool v1, bool v2)
{
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++) {
		const char *n1 = ctrl_v1_names[c], *n2 = ctrl_v2_names[c];

		if (v1 && n1 && strlen(n1) == len && memcmp(n1, name, len) == 0)
			return c;
		if (v2 && n2 && strlen(n2) == len && memcmp(n2, name, len) == 0)
			return c;
	}
	return -EINVAL;
}

int sc_cgroup_controller_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	return ctrl_from_name_n(name, strlen(name), true, true);
}

const char *sc_cgroup_mode_name(enum sc_cgroup_mode m)
{
	return (unsigned int)m < SC_CGROUP_MODE_MAX ? mode_names[m] : "?";
}

const char *sc_cgroup_feature_name(enum sc_cgroup_feature f)
{
	return (unsigned int)f < SC_CGROUP_FEAT_MAX ? feature_names[f] : "?";
}

const char *sc_cgroup_use_name(enum sc_cgroup_use u)
{
	return (unsigned int)u < SC_CGROUP_USE_MAX ? use_names[u] : "?";
}

/* --- layout ------------------------------------------------------------- */

void sc_cgroup_layout_init(struct sc_cgroup_layout *layout)
{
	memset(layout, 0, sizeof(*layout));
	layout->mode = SC_CGROUP_MODE_NONE;
	layout->v2_index = -1;
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
		layout->ctrl_index[c] = -1;
}

/* Recomputes v2_index, ctrl_index[] and mode from hierarchies[]. */
static void layout_resolve(struct sc_cgroup_layout *l)
{
	unsigned int nr_v1 = 0;

	l->v2_index = -1;
	for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
		l->ctrl_index[c] = -1;
	for (unsigned int i = 0; i < l->nr_hierarchies; i++) {
		const struct sc_cgroup_hierarchy *h = &l->hierarchies[i];

		if (h->v2) {
			l->v2_index = (int)i;
			continue;
		}
		nr_v1++;
		for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
			if (h->controllers & SC_CGROUP_CTRL_BIT(c))
				l->ctrl_index[c] = (int)i;
	}
	if (l->v2_index >= 0) {
		uint32_t v2c = l->hierarchies[l->v2_index].controllers;

		for (int c = 0; c < SC_CGROUP_CTRL_MAX; c++)
			if (l->ctrl_index[c] < 0 && ctrl_v2_names[c] &&
			    (v2c & SC_CGROUP_CTRL_BIT(c)))
				l->ctrl_index[c] = l->v2_index;
	}
	if (l->v2_index >= 0)
		l->mode = nr_v1 ? SC_CGROUP_MODE_HYBRID : SC_CGROUP_MODE_UNIFIED;
	else
		l->mode = nr_v1 ? SC_CGROUP_MODE_LEGACY : SC_CGROUP_MODE_NONE;
}

/*
 * Decodes mountinfo's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash). A backslash not followed by three octal digits is kept
 * as is; a decoded NUL is refused.
 */
static int unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			ch = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				    (s[i + 3] - '0'));
			if (ch == '\0')
				return -EINVAL;
			i += 3;
		}
		if (o + 1 >= outlen)
			return -ENAMETOOLONG;
		out[o++] = ch;
	}
	out[o] = '\0';
	return 0;
}

static bool path_is_under(const char *child, const char *parent)
{
	size_t pl = strlen(parent);

	if (pl == 1 && parent[0] == '/')
		return child[0] == '/';
	return strncmp(child, parent, pl) == 0 && (child[pl] == '\0' || child[pl] == '/');
}

static bool tok_eq(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

static int parse_uint(const char *p, size_t n, unsigned int *out)
{
	unsigned long long v = 0;

	if (n == 0 || n > 10)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

struct mi_tok {
	const char *p;
	size_t n;
};

#define MI_MAX_TOKENS 48

/* A decoded line: only the fields the layout needs. */
struct mi_line {
	unsigned int major, minor;
	bool at_root;
	char mnt[SC_CGROUP_PATH_MAX];
	struct mi_tok fstype, sopts;
};

/* 0: parsed; -EINVAL: malformed. */
static int parse_line(const char *p, size_t n, struct mi_line *ml)
{
	struct mi_tok t[MI_MAX_TOKENS];
	size_t nt = 0, i = 0, sep;
	char root[SC_CGROUP_PATH_MAX];
	const char *colon;

	while (i < n) {
		size_t s = i;

		while (i < n && p[i] != ' ')
			i++;
		if (i == s || nt == MI_MAX_TOKENS)
			return -EINVAL; /* empty field (double space) or absurd line */
		t[nt].p = p + s;
		t[nt].n = i - s;
		nt++;
		if (i < n)
			i++; /* the space */
		if (i == n && p[n - 1] == ' ')
			return -EINVAL; /* trailing space */
	}
	/* id parent maj:min root mnt opts [optional...] - fstype source superopts */
	for (sep = 6; sep < nt; sep++)
		if (tok_eq(t[sep].p, t[sep].n, "-"))
			break;
	if (sep >= nt || nt != sep + 4)
		return -EINVAL;
	for (size_t k = 0; k < 2; k++) {
		unsigned int dummy;

		if (parse_uint(t[k].p, t[k].n, &dummy) < 0)
			return -EINVAL;
	}
	colon = memchr(t[2].p, ':', t[2].n);
	if (!colon || parse_uint(t[2].p, (size_t)(colon - t[2].p), &ml->major) < 0 ||
	    parse_uint(colon + 1, t[2].n - (size_t)(colon - t[2].p) - 1, &ml->minor) < 0)
		return -EINVAL;
	if (unescape(t[3].p, t[3].n, root, sizeof(root)) < 0 || root[0] != '/')
		return -EINVAL;
	if (unescape(t[4].p, t[4].n, ml->mnt, sizeof(ml->mnt)) < 0 || ml->mnt[0] != '/')
		return -EINVAL;
	ml->at_root = strcmp(root, "/") == 0;
	ml->fstype = t[sep + 1];
	ml->sopts = t[sep + 3];
	return 0;
}

static void drop_hierarchy(struct sc_cgroup_layout *l, unsigned int idx)
{
	memmove(&l->hierarchies[idx], &l->hierarchies[idx + 1],
		(l->nr_hierarchies - idx - 1) * sizeof(l->hierarchies[0]));
	l->nr_hierarchies--;
}

/* Returns false if the line contradicts what was already recorded. */
static bool record_cgroup(struct sc_cgroup_layout *l, const struct mi_line *ml, bool v2)
{
	struct sc_cgroup_hierarchy *h;
	uint32_t ctrls = 0;
	bool noprefix = false;

	if (!v2) {
		const char *p = ml->sopts.p, *end = p + ml->sopts.n;

		while (p < end) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
			int c = ctrl_from_name_n(p, n, true, false);

			if (c >= 0)
				ctrls |= SC_CGROUP_CTRL_BIT(c);
			else if (tok_eq(p, n, "noprefix"))
				noprefix = true;
			p += n + (comma ? 1 : 0);
		}
		if (!ctrls)
			return true; /* name=systemd, devices, net_cls...: not ours */
	}
	for (unsigned int i = 0; i < l->nr_hierarchies; i++) {
		h = &l->hierarchies[i];
		if (h->v2 != v2)
			continue;
		if (v2 || (h->dev_major == ml->major && h->dev_minor == ml->minor)) {
			if (!v2 && h->controllers != ctrls)
				return false;
			/* Another mount of a known hierarchy: prefer one showing its root. */
			if (!h->at_hierarchy_root && ml->at_root) {
				memcpy(h->mount_point, ml->mnt, sizeof(h->mount_point));
				h->at_hierarchy_root = true;
				h->dev_major = ml->major;
				h->dev_minor = ml->minor;
			}
			return true;
		}
		if (h->controllers & ctrls)
			return false; /* a controller cannot live in two v1 hierarchies */
	}
	if (l->nr_hierarchies == SC_CGROUP_MAX_HIERARCHIES)
		return false;
	h = &l->hierarchies[l->nr_hierarchies++];
	memset(h, 0, sizeof(*h));
	memcpy(h->mount_point, ml->mnt, sizeof(h->mount_point));
	h->dev_major = ml->major;
	h->dev_minor = ml->minor;
	h->v2 = v2;
	h->at_hierarchy_root = ml->at_root;
	h->noprefix = noprefix;
	h->controllers = ctrls;
	return true;
}

int sc_cgroup_layout_parse_mountinfo(struct sc_cgroup_layout *out, const char *buf, size_t len,
				     struct sc_error *err)
{
	struct sc_cgroup_layout *l;
	struct mi_line *ml;
	size_t pos = 0;

	if (!out || (!buf && len)) {
		sc_error_set(err, "mountinfo: invalid argument");
		return -EINVAL;
	}
	/* Both are large (PATH_MAX arrays): keep them off the stack. */
	l = malloc(sizeof(*l));
	ml = malloc(sizeof(*ml));
	if (!l || !ml) {
		free(l);
		free(ml);
		sc_error_set(err, "mountinfo: out of memory");
		return -ENOMEM;
	}
	sc_cgroup_layout_init(l);
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (n == 0)
			continue;
		if (memchr(line, '\0', n) || parse_line(line, n, ml) < 0) {
			l->nr_bad_lines++;
			continue;
		}
		/* A later mount at or above a cgroup mount point hides it. */
		for (unsigned int i = l->nr_hierarchies; i-- > 0;)
			if (path_is_under(l->hierarchies[i].mount_point, ml->mnt))
				drop_hierarchy(l, i);
		if (tok_eq(ml->fstype.p, ml->fstype.n, "cgroup2")) {
			if (!record_cgroup(l, ml, true))
				l->nr_bad_lines++;
		} else if (tok_eq(ml->fstype.p, ml->fstype.n, "cgroup")) {
			if (!record_cgroup(l, ml, false))
				l->nr_bad_lines++;
		}
	}
	layout_resolve(l);
	memcpy(out, l, sizeof(*l));
	free(l);
	free(ml);
	return 0;
}

int sc_cgroup_layout_set_v2_controllers(struct sc_cgroup_layout *layout, const char *line)
{
	uint32_t ctrls = 0;
	const char *p = line;

	if (!layout || !line)
		return -EINVAL;
	if (layout->v2_index < 0)
		return -ENOENT;
	while (*p) {
		size_t n;
		int c;

		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		n = strcspn(p, " \n\t");
		if (n == 0)
			break;
		c = ctrl_from_name_n(p, n, false, true);
		if (c >= 0)
			ctrls |= SC_CGROUP_CTRL_BIT(c);
		p += n;
	}
	layout->hierarchies[layout->v2_index].controllers = ctrls;
	layout_resolve(layout);
	return 0;
}

int sc_cgroup_layout_detect(struct sc_cgroup_layout *out, struct sc_error *err)
{
	struct sc_cgroup_layout *l;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!out)
		return -EINVAL;
	l = malloc(sizeof(*l));
	if (!l) {
		sc_error_set(err, "cgroup layout: out of memory");
		return -ENOMEM;
	}
	r = sc_cg_read_path_alloc("/proc/self/mountinfo", &text, &len, err);
	if (r < 0)
		goto out;
	r = sc_cgroup_layout_parse_mountinfo(l, text, len, err);
	if (r < 0)
		goto out;
	if (l->v2_index >= 0) {
		const char *mnt = l->hierarchies[l->v2_index].mount_point;
		char line[512];
		int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			char ebuf[128];

			r = -errno;
			sc_error_set(err, "%s: open: %s", mnt,
				     sc_cg_strerror(-r, ebuf, sizeof(ebuf)));
			goto out;
		}
		r = sc_cg_read(fd, "cgroup.controllers", line, sizeof(line), mnt, err);
		close(fd);
		if (r < 0)
			goto out;
		r = sc_cgroup_layout_set_v2_controllers(l, line);
		if (r < 0)
			goto out;
	}
	memcpy(out, l, sizeof(*l));
	r = 0;
out:
	free(text);
	free(l);
	return r;
}
