// SPDX-License-Identifier: MIT
/*
 * Configuring and reading cgroups through one interface on v2 and v1: the
 * feature table (which file implements which setting on each version, probed
 * on the run parent), the setters, task placement and the readers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"

/* --- the feature table -------------------------------------------------- */

struct feat_spec {
	enum sc_cgroup_feature feat;
	enum sc_cgroup_controller ctrl;
	const char *v2[2]; /* candidate files, first present wins */
	const char *v1[2];
	const char *v1_why; /* when v1 has no equivalent */
};

/* clang-format off */
static const struct feat_spec feat_specs[] = {
	{ SC_CGROUP_FEAT_CPUSET_CPUS, SC_CGROUP_CTRL_CPUSET, { "cpuset.cpus" }, { "cpuset.cpus" } },
	{ SC_CGROUP_FEAT_CPUSET_MEMS, SC_CGROUP_CTRL_CPUSET, { "cpuset.mems" }, { "cpuset.mems" } },
	{ SC_CGROUP_FEAT_CPUSET_EFFECTIVE, SC_CGROUP_CTRL_CPUSET, { "cpuset.cpus.effective" },
	  { "cpuset.effective_cpus" } },
	{ SC_CGROUP_FEAT_CPU_WEIGHT, SC_CGROUP_CTRL_CPU, { "cpu.weight" }, { "cpu.shares" } },
	{ SC_CGROUP_FEAT_CPU_MAX, SC_CGROUP_CTRL_CPU, { "cpu.max" }, { "cpu.cfs_quota_us" } },
	{ SC_CGROUP_FEAT_CPU_IDLE, SC_CGROUP_CTRL_CPU, { "cpu.idle" }, { "cpu.idle" } },
	{ SC_CGROUP_FEAT_CPU_RT_RUNTIME, SC_CGROUP_CTRL_CPU, { NULL }, { "cpu.rt_runtime_us" },
	  NULL },
	{ SC_CGROUP_FEAT_CPU_THROTTLE, SC_CGROUP_CTRL_CPU, { "cpu.stat" }, { "cpu.stat" } },
	{ SC_CGROUP_FEAT_MEMORY_MAX, SC_CGROUP_CTRL_MEMORY, { "memory.max" },
	  { "memory.limit_in_bytes" } },
	{ SC_CGROUP_FEAT_MEMORY_HIGH, SC_CGROUP_CTRL_MEMORY, { "memory.high" }, { NULL },
	  "cgroup v1 memory has no equivalent of memory.high" },
	{ SC_CGROUP_FEAT_MEMORY_LOW, SC_CGROUP_CTRL_MEMORY, { "memory.low" }, { NULL },
	  "cgroup v1 memory has no equivalent of memory.low (memory.soft_limit_in_bytes is "
	  "a reclaim target, not a protection)" },
	{ SC_CGROUP_FEAT_IO_WEIGHT, SC_CGROUP_CTRL_IO, { "io.weight", "io.bfq.weight" },
	  { "blkio.weight", "blkio.bfq.weight" } },
	{ SC_CGROUP_FEAT_PIDS_MAX, SC_CGROUP_CTRL_PIDS, { "pids.max" }, { "pids.max" } },
};
/* clang-format on */

static bool has_file(struct sc_cgroup_tree *t, int h, const char *file)
{
	char p[SC_CG_NAME_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", t->name, file);
	return faccessat(t->hiers[h].root_fd, p, F_OK, 0) == 0;
}

static void feat_none(struct sc_cgroup_tree *t, enum sc_cgroup_feature f, const char *why)
{
	char tmp[sizeof(t->feat[f].why)];

	/* Via a copy: `why` may be another field of *t. */
	snprintf(tmp, sizeof(tmp), "%s: %.960s", sc_cgroup_feature_name(f), why);
	t->feat[f].hier = -1;
	t->feat[f].file = NULL;
	memcpy(t->feat[f].why, tmp, sizeof(tmp));
}

/* Picks the first candidate file present in hierarchy h. */
static void feat_pick(struct sc_cgroup_tree *t, enum sc_cgroup_feature f, int h,
		      const char *const cand[2])
{
	for (int i = 0; i < 2 && cand[i]; i++) {
		if (has_file(t, h, cand[i])) {
			t->feat[f].hier = h;
			t->feat[f].file = cand[i];
			return;
		}
	}
	t->feat[f].hier = -1;
	snprintf(t->feat[f].why, sizeof(t->feat[f].why), "%s: no %s%s%s in %s",
		 sc_cgroup_feature_name(f), cand[0], cand[1] ? " or " : "", cand[1] ? cand[1] : "",
		 t->hiers[h].path);
}

void sc_cg_probe_features(struct sc_cgroup_tree *t)
{
	int v2 = -1;

	for (unsigned int h = 0; h < t->nr_hiers; h++)
		if (t->hiers[h].v2)
			v2 = (int)h;
	for (size_t i = 0; i < sizeof(feat_specs) / sizeof(feat_specs[0]); i++) {
		const struct feat_spec *s = &feat_specs[i];
		int h = t->ctrl_hier[s->ctrl];

		if (h < 0) {
			feat_none(t, s->feat, t->ctrl_why[s->ctrl]);
			continue;
		}
		if (!t->hiers[h].v2 && !s->v1[0]) {
			feat_none(t, s->feat, s->v1_why);
			continue;
		}
		if (t->hiers[h].v2 && !s->v2[0]) {
			feat_none(t, s->feat,
				  "cgroup v2 has no RT group scheduling (RT tasks need no grant)");
			continue;
		}
		feat_pick(t, s->feat, h, t->hiers[h].v2 ? s->v2 : s->v1);
	}

	/* Usage: core cpu.stat on v2 (no controller needed), else v1 cpuacct. */
	{
		static const char *const v2f[2] = { "cpu.stat" };
		static const char *const v1f[2] = { "cpuacct.usage" };
		int h = t->ctrl_hier[SC_CGROUP_CTRL_CPUACCT];

		if (v2 >= 0)
			feat_pick(t, SC_CGROUP_FEAT_CPU_USAGE, v2, v2f);
		else if (h >= 0)
			feat_pick(t, SC_CGROUP_FEAT_CPU_USAGE, h, v1f);
		else
			feat_none(t, SC_CGROUP_FEAT_CPU_USAGE, t->ctrl_why[SC_CGROUP_CTRL_CPUACCT]);
	}
	/* Freezing: core cgroup.freeze on v2 (kernel >= 5.2), else the v1 freezer. */
	{
		static const char *const v2f[2] = { "cgroup.freeze" };
		static const char *const v1f[2] = { "freezer.state" };
		int h = t->ctrl_hier[SC_CGROUP_CTRL_FREEZER];

		if (v2 >= 0 && has_file(t, v2, "cgroup.freeze"))
			feat_pick(t, SC_CGROUP_FEAT_FREEZE, v2, v2f);
		else if (h >= 0)
			feat_pick(t, SC_CGROUP_FEAT_FREEZE, h, v1f);
		else if (v2 >= 0)
			feat_pick(t, SC_CGROUP_FEAT_FREEZE, v2, v2f); /* records the reason */
		else
			feat_none(t, SC_CGROUP_FEAT_FREEZE, t->ctrl_why[SC_CGROUP_CTRL_FREEZER]);
	}
}

int sc_cgroup_tree_supports(const struct sc_cgroup_tree *tree, enum sc_cgroup_feature feature,
			    struct sc_error *why)
{
	if (!tree || (unsigned int)feature >= SC_CGROUP_FEAT_MAX) {
		sc_error_set(why, "cgroup: invalid feature");
		return -EINVAL;
	}
	if (tree->feat[feature].hier >= 0)
		return 0;
	sc_error_set(why, "%s", tree->feat[feature].why);
	return -EOPNOTSUPP;
}

/* --- file access for one cgroup ---------------------------------------- */

static int feat_check(struct sc_cgroup *cg, enum sc_cgroup_feature f, struct sc_error *err)
{
	if (!cg) {
		sc_error_set(err, "cgroup: NULL cgroup");
		return -EINVAL;
	}
	return sc_cgroup_tree_supports(cg->tree, f, err);
}

static int cg_write(struct sc_cgroup *cg, int h, const char *file, const char *value,
		    struct sc_error *err)
{
	const struct sc_cg_hier *th = &cg->tree->hiers[h];
	char p[SC_CGROUP_PATH_MAX];
	int r;

	r = sc_cg_join(p, sizeof(p), cg->path, file);
	if (r < 0)
		return r;
	return sc_cg_write(th->root_fd, p, value, th->root_path, err);
}

static int cg_read(struct sc_cgroup *cg, int h, const char *file, char *buf, size_t len,
		   struct sc_error *err)
{
	const struct sc_cg_hier *th = &cg->tree->hiers[h];
	char p[SC_CGROUP_PATH_MAX];
	int r;

	r = sc_cg_join(p, sizeof(p), cg->path, file);
	if (r < 0)
		return r;
	return sc_cg_read(th->root_fd, p, buf, len, th->root_path, err);
}

static int feat_write(struct sc_cgroup *cg, enum sc_cgroup_feature f, const char *value,
		      struct sc_error *err)
{
	int r = feat_check(cg, f, err);

	if (r < 0)
		return r;
	return cg_write(cg, cg->tree->feat[f].hier, cg->tree->feat[f].file, value, err);
}

static bool feat_v2(const struct sc_cgroup *cg, enum sc_cgroup_feature f)
{
	return cg->tree->hiers[cg->tree->feat[f].hier].v2;
}

/* --- setters ------------------------------------------------------------ */

int sc_cgroup_set_cpus(struct sc_cgroup *cg, const char *cpus, struct sc_error *err)
{
	if (!cpus)
		return -EINVAL;
	return feat_write(cg, SC_CGROUP_FEAT_CPUSET_CPUS, cpus, err);
}

int sc_cgroup_set_mems(struct sc_cgroup *cg, const char *mems, struct sc_error *err)
{
	if (!mems)
		return -EINVAL;
	return feat_write(cg, SC_CGROUP_FEAT_CPUSET_MEMS, mems, err);
}

uint64_t sc_cgroup_weight_to_shares(uint32_t weight)
{
	return ((uint64_t)weight * 1024 + 50) / 100;
}

uint32_t sc_cgroup_shares_to_weight(uint64_t shares)
{
	uint64_t w;

	if (shares > (UINT64_MAX - 512) / 100)
		return UINT32_MAX;
	w = (shares * 100 + 512) / 1024;
	return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

int sc_cgroup_set_cpu_weight(struct sc_cgroup *cg, uint32_t weight, struct sc_error *err)
{
	char v[32];
	int r = feat_check(cg, SC_CGROUP_FEAT_CPU_WEIGHT, err);

	if (r < 0)
		return r;
	if (weight < 1 || weight > 10000) {
		sc_error_set(err, "cgroup %s: cpu.weight %" PRIu32 " is outside 1..10000", cg->path,
			     weight);
		return -EINVAL;
	}
	if (feat_v2(cg, SC_CGROUP_FEAT_CPU_WEIGHT))
		snprintf(v, sizeof(v), "%" PRIu32, weight);
	else
		snprintf(v, sizeof(v), "%" PRIu64, sc_cgroup_weight_to_shares(weight));
	return feat_write(cg, SC_CGROUP_FEAT_CPU_WEIGHT, v, err);
}

int sc_cgroup_set_cpu_max(struct sc_cgroup *cg, uint64_t quota_us, uint64_t period_us,
			  struct sc_error *err)
{
	char v[64];
	int h, r = feat_check(cg, SC_CGROUP_FEAT_CPU_MAX, err);

	if (r < 0)
		return r;
	if (period_us == 0 || period_us > INT64_MAX ||
	    (quota_us != SC_CGROUP_UNLIMITED && (quota_us == 0 || quota_us > INT64_MAX))) {
		sc_error_set(err,
			     "cgroup %s: cpu.max quota %" PRIu64 " / period %" PRIu64
			     " us is invalid",
			     cg->path, quota_us, period_us);
		return -EINVAL;
	}
	h = cg->tree->feat[SC_CGROUP_FEAT_CPU_MAX].hier;
	if (feat_v2(cg, SC_CGROUP_FEAT_CPU_MAX)) {
		if (quota_us == SC_CGROUP_UNLIMITED)
			snprintf(v, sizeof(v), "max %" PRIu64, period_us);
		else
			snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64, quota_us, period_us);
		return cg_write(cg, h, "cpu.max", v, err);
	}
	/*
	 * v1 checks each write against the other, current, value: lift the
	 * quota first so any period is accepted, then set period, then quota.
	 */
	r = cg_write(cg, h, "cpu.cfs_quota_us", "-1", err);
	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "%" PRIu64, period_us);
	r = cg_write(cg, h, "cpu.cfs_period_us", v, err);
	if (r < 0 || quota_us == SC_CGROUP_UNLIMITED)
		return r;
	snprintf(v, sizeof(v), "%" PRIu64, quota_us);
	return cg_write(cg, h, "cpu.cfs_quota_us", v, err);
}

int sc_cgroup_set_rt_runtime(struct sc_cgroup *cg, uint64_t runtime_us, struct sc_error *err)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, runtime_us);
	return feat_write(cg, SC_CGROUP_FEAT_CPU_RT_RUNTIME, v, err);
}

int sc_cgroup_set_cpu_idle(struct sc_cgroup *cg, bool idle, struct sc_error *err)
{
	return feat_write(cg, SC_CGROUP_FEAT_CPU_IDLE, idle ? "1" : "0", err);
}

static int set_limit(struct sc_cgroup *cg, enum sc_cgroup_feature f, uint64_t val,
		     struct sc_error *err)
{
	char v[32];
	int r = feat_check(cg, f, err);

	if (r < 0)
		return r;
	if (val == SC_CGROUP_UNLIMITED)
		snprintf(v, sizeof(v), "%s",
			 feat_v2(cg, f) || f == SC_CGROUP_FEAT_PIDS_MAX ? "max" : "-1");
	else
		snprintf(v, sizeof(v), "%" PRIu64, val);
	return feat_write(cg, f, v, err);
}

int sc_cgroup_set_memory_max(struct sc_cgroup *cg, uint64_t bytes, struct sc_error *err)
{
	return set_limit(cg, SC_CGROUP_FEAT_MEMORY_MAX, bytes, err);
}

int sc_cgroup_set_memory_high(struct sc_cgroup *cg, uint64_t bytes, struct sc_error *err)
{
	return set_limit(cg, SC_CGROUP_FEAT_MEMORY_HIGH, bytes, err);
}

int sc_cgroup_set_memory_low(struct sc_cgroup *cg, uint64_t bytes, struct sc_error *err)
{
	return set_limit(cg, SC_CGROUP_FEAT_MEMORY_LOW, bytes, err);
}

int sc_cgroup_set_pids_max(struct sc_cgroup *cg, uint64_t max, struct sc_error *err)
{
	return set_limit(cg, SC_CGROUP_FEAT_PIDS_MAX, max, err);
}

int sc_cgroup_set_io_weight(struct sc_cgroup *cg, uint32_t weight, struct sc_error *err)
{
	char v[32];

	if (weight == 0) {
		sc_error_set(err, "cgroup %s: io weight 0 is invalid", cg ? cg->path : "?");
		return -EINVAL;
	}
	snprintf(v, sizeof(v), "%" PRIu32, weight);
	return feat_write(cg, SC_CGROUP_FEAT_IO_WEIGHT, v, err);
}

static int frozen_state(struct sc_cgroup *cg, int h, bool v2, struct sc_error *err)
{
	char buf[256];
	uint64_t v;
	int r;

	if (v2) {
		r = cg_read(cg, h, "cgroup.events", buf, sizeof(buf), err);
		if (r < 0)
			return r;
		r = sc_cg_keyed_u64(buf, "frozen", &v);
		if (r < 0) {
			sc_error_set(err, "%s/%s/cgroup.events: no \"frozen\" key",
				     cg->tree->hiers[h].root_path, cg->path);
			return r;
		}
		return v != 0;
	}
	r = cg_read(cg, h, "freezer.state", buf, sizeof(buf), err);
	if (r < 0)
		return r;
	if (strncmp(buf, "FROZEN", 6) == 0)
		return 1;
	if (strncmp(buf, "THAWED", 6) == 0)
		return 0;
	return 2; /* FREEZING */
}

int sc_cgroup_freeze(struct sc_cgroup *cg, bool frozen, struct sc_error *err)
{
	uint64_t deadline;
	bool v2;
	int h, r = feat_check(cg, SC_CGROUP_FEAT_FREEZE, err);

	if (r < 0)
		return r;
	h = cg->tree->feat[SC_CGROUP_FEAT_FREEZE].hier;
	v2 = cg->tree->hiers[h].v2;
	r = cg_write(cg, h, cg->tree->feat[SC_CGROUP_FEAT_FREEZE].file,
		     v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"), err);
	if (r < 0)
		return r;
	deadline = sc_cg_now_ns() + cg->tree->timeout_ns;
	for (;;) {
		r = frozen_state(cg, h, v2, err);
		if (r < 0)
			return r;
		if (r == (frozen ? 1 : 0))
			return 0;
		if (sc_cg_now_ns() >= deadline) {
			sc_error_set(err, "%s/%s: not %s after %" PRIu64 " ms",
				     cg->tree->hiers[h].root_path, cg->path,
				     frozen ? "frozen" : "thawed", cg->tree->timeout_ns / 1000000);
			return -ETIMEDOUT;
		}
		sc_cg_poll_sleep();
	}
}

/* --- tasks -------------------------------------------------------------- */

static int attach(struct sc_cgroup *cg, pid_t pid, bool thread, struct sc_error *err)
{
	char v[32];
	int r;

	if (!cg || pid <= 0) {
		sc_error_set(err, "cgroup attach: invalid argument");
		return -EINVAL;
	}
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (unsigned int h = 0; h < cg->tree->nr_hiers; h++) {
		const char *file;

		if (thread)
			file = cg->tree->hiers[h].v2 ? "cgroup.threads" : "tasks";
		else
			file = "cgroup.procs";
		r = cg_write(cg, (int)h, file, v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sc_cgroup_attach_process(struct sc_cgroup *cg, pid_t pid, struct sc_error *err)
{
	return attach(cg, pid, false, err);
}

int sc_cgroup_attach_thread(struct sc_cgroup *cg, pid_t tid, struct sc_error *err)
{
	return attach(cg, tid, true, err);
}

struct pid_vec {
	pid_t *v;
	size_t n;
};

static int pid_store(pid_t pid, void *opaque)
{
	struct pid_vec *pv = opaque;

	pv->v[pv->n++] = pid;
	return 0;
}

int sc_cgroup_read_procs(struct sc_cgroup *cg, pid_t **pids, size_t *nr, struct sc_error *err)
{
	const struct sc_cg_hier *th;
	struct pid_vec pv = { 0 };
	char p[SC_CGROUP_PATH_MAX];
	char *text = NULL;
	size_t len;
	int r;

	if (!cg || !pids || !nr)
		return -EINVAL;
	th = &cg->tree->hiers[cg->tree->primary];
	r = sc_cg_join(p, sizeof(p), cg->path, "cgroup.procs");
	if (r < 0)
		return r;
	r = sc_cg_read_alloc(th->root_fd, p, &text, &len, th->root_path, err);
	if (r < 0)
		return r;
	r = sc_cg_parse_pids(text, NULL, NULL);
	if (r < 0) {
		sc_error_set(err, "%s/%s: unparsable pid list", th->root_path, p);
		goto out;
	}
	if (r > 0) {
		pv.v = calloc((size_t)r, sizeof(*pv.v));
		if (!pv.v) {
			r = -ENOMEM;
			sc_error_set(err, "%s/%s: out of memory", th->root_path, p);
			goto out;
		}
		sc_cg_parse_pids(text, pid_store, &pv);
	}
	*pids = pv.v;
	*nr = pv.n;
	r = 0;
out:
	free(text);
	return r;
}

/* --- readers ------------------------------------------------------------ */

int sc_cgroup_read_effective_cpus(struct sc_cgroup *cg, char *buf, size_t len, struct sc_error *err)
{
	int r = feat_check(cg, SC_CGROUP_FEAT_CPUSET_EFFECTIVE, err);

	if (r < 0)
		return r;
	r = cg_read(cg, cg->tree->feat[SC_CGROUP_FEAT_CPUSET_EFFECTIVE].hier,
		    cg->tree->feat[SC_CGROUP_FEAT_CPUSET_EFFECTIVE].file, buf, len, err);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int parse_u64_line(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -ERANGE;
	}
	if (*s != '\0' && *s != '\n')
		return -EINVAL;
	*out = v;
	return 0;
}

int sc_cgroup_read_cpu_stat(struct sc_cgroup *cg, struct sc_cgroup_cpu_stat *out,
			    struct sc_error *err)
{
	struct sc_cgroup_cpu_stat st = { 0 };
	struct sc_cgroup_tree *t;
	char buf[2048];
	int h, r;

	if (!cg || !out)
		return -EINVAL;
	t = cg->tree;
	h = t->feat[SC_CGROUP_FEAT_CPU_USAGE].hier;
	if (h >= 0) {
		const char *file = t->feat[SC_CGROUP_FEAT_CPU_USAGE].file;

		r = cg_read(cg, h, file, buf, sizeof(buf), err);
		if (r < 0)
			return r;
		if (t->hiers[h].v2) {
			r = sc_cg_keyed_u64(buf, "usage_usec", &st.usage_us);
		} else {
			r = parse_u64_line(buf, &st.usage_us);
			st.usage_us /= 1000; /* cpuacct.usage is in ns */
		}
		if (r < 0) {
			sc_error_set(err, "%s/%s/%s: no usage value", t->hiers[h].root_path,
				     cg->path, file);
			return r;
		}
		st.has_usage = true;
	}
	h = t->feat[SC_CGROUP_FEAT_CPU_THROTTLE].hier;
	if (h >= 0) {
		bool v2 = t->hiers[h].v2;
		uint64_t thr;

		r = cg_read(cg, h, "cpu.stat", buf, sizeof(buf), err);
		if (r < 0)
			return r;
		if (sc_cg_keyed_u64(buf, "nr_periods", &st.nr_periods) == 0 &&
		    sc_cg_keyed_u64(buf, "nr_throttled", &st.nr_throttled) == 0 &&
		    sc_cg_keyed_u64(buf, v2 ? "throttled_usec" : "throttled_time", &thr) == 0) {
			st.throttled_us = v2 ? thr : thr / 1000;
			st.has_throttling = true;
		}
	}
	if (!st.has_usage && !st.has_throttling) {
		sc_error_set(err, "%s; %s", t->feat[SC_CGROUP_FEAT_CPU_USAGE].why,
			     t->feat[SC_CGROUP_FEAT_CPU_THROTTLE].why);
		return -EOPNOTSUPP;
	}
	*out = st;
	return 0;
}

/* --- cpulist ------------------------------------------------------------ */

static int parse_cpu(const char **s, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v >= CPU_SETSIZE)
			return -ERANGE;
	}
	*s = p;
	*out = v;
	return 0;
}

int sc_cgroup_cpulist_parse(const char *s, cpu_set_t *set)
{
	cpu_set_t tmp;
	const char *p = s;
	int r;

	if (!s || !set)
		return -EINVAL;
	CPU_ZERO(&tmp);
	while (*p && *p != '\n') {
		unsigned long a, b;

		r = parse_cpu(&p, &a);
		if (r < 0)
			return r;
		b = a;
		if (*p == '-') {
			p++;
			r = parse_cpu(&p, &b);
			if (r < 0)
				return r;
			if (b < a)
				return -EINVAL;
		}
		for (unsigned long c = a; c <= b; c++)
			CPU_SET(c, &tmp);
		if (*p == ',') {
			p++;
			if (*p == '\0' || *p == '\n')
				return -EINVAL;
		} else if (*p && *p != '\n') {
			return -EINVAL;
		}
	}
	if (*p == '\n' && p[1] != '\0')
		return -EINVAL;
	*set = tmp;
	return 0;
}
