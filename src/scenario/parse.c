// SPDX-License-Identifier: MIT
/*
 * The strict scenario parser: json-c parses, then a typed walk over the tree
 * checks every key, type, range and cross-reference and reports the first
 * problem as FILE:LINE:COL: PATH: message.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "io/json-internal.h"
#include "json-locate.h"
#include "scenario-internal.h"

#define PATH_MAX_DEPTH 32

struct pctx {
	const char *text;
	size_t len;
	const char *file;
	const struct sc_scenario_env *env;
	struct sc_json_step path[PATH_MAX_DEPTH];
	size_t depth;
	struct sc_error *err;
	struct sc_scenario *s;
	uint64_t workers;
	uint64_t sample_bytes;	 /* worst-case reservoir memory of sampling workers */
	bool scheduler_attached; /* for the scheduler ops' order */
};

static void push_key(struct pctx *c, const char *key)
{
	if (c->depth < PATH_MAX_DEPTH) {
		c->path[c->depth].key = key;
		c->path[c->depth].index = 0;
	}
	c->depth++;
}

static void push_index(struct pctx *c, size_t i)
{
	if (c->depth < PATH_MAX_DEPTH) {
		c->path[c->depth].key = NULL;
		c->path[c->depth].index = i;
	}
	c->depth++;
}

static void pop(struct pctx *c)
{
	c->depth--;
}

/* "cgroups[1].work[0].type", or "(top level)". */
static void format_path(const struct pctx *c, char *buf, size_t len)
{
	size_t i, n = c->depth < PATH_MAX_DEPTH ? c->depth : PATH_MAX_DEPTH;
	int pos = 0;

	buf[0] = '\0';
	for (i = 0; i < n && pos >= 0 && (size_t)pos < len; i++) {
		if (c->path[i].key)
			pos += snprintf(buf + pos, len - pos, "%s%s", i ? "." : "", c->path[i].key);
		else
			pos += snprintf(buf + pos, len - pos, "[%zu]", c->path[i].index);
	}
	if (!n)
		snprintf(buf, len, "(top level)");
}

/*
 * Records an error at the current path. `at_key`: point at the key rather
 * than its value (unknown keys). Falls back to the nearest locatable parent.
 */
__attribute__((format(printf, 3, 4))) static int perr(struct pctx *c, int at_key, const char *fmt,
						      ...)
{
	char path[512], msg[512];
	size_t line = 1, col = 1;
	size_t n = c->depth < PATH_MAX_DEPTH ? c->depth : PATH_MAX_DEPTH;
	long off = -1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	format_path(c, path, sizeof(path));
	for (;; n--) {
		off = sc_json_locate(c->text, c->len, c->path, n, at_key);
		if (off >= 0 || n == 0)
			break;
		at_key = 0;
	}
	if (off >= 0)
		sc_json_line_col(c->text, c->len, (size_t)off, &line, &col);
	sc_error_set(c->err, "%s:%zu:%zu: %s: %s", c->file, line, col, path, msg);
	return -EINVAL;
}

static const char *type_name(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number with a fraction";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "something else";
}

/* Rejects keys of `o` not in the NULL-terminated `allowed` list. */
static int check_keys(struct pctx *c, json_object *o, const char *const *allowed)
{
	json_object_object_foreach(o, key, val)
	{
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a) {
			char list[512];
			int pos = 0;

			list[0] = '\0';
			for (a = allowed; *a && pos >= 0 && (size_t)pos < sizeof(list); a++)
				pos += snprintf(list + pos, sizeof(list) - pos, "%s%s",
						a == allowed ? "" : ", ", *a);
			push_key(c, key);
			perr(c, 1, "unknown key (allowed here: %s)", list);
			pop(c);
			return -EINVAL;
		}
	}
	return 0;
}

static int expect_type(struct pctx *c, json_object *v, json_type t, const char *what)
{
	if (json_object_get_type(v) != t)
		return perr(c, 0, "expected %s, got %s", what, type_name(v));
	return 0;
}

/* Fetches `key` of `o` (pushing it onto the path when present). */
static json_object *get(struct pctx *c, json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	push_key(c, key);
	return v;
}

static int missing(struct pctx *c, const char *key)
{
	return perr(c, 0, "missing required key \"%s\"", key);
}

/* An unsigned integer in [min, max]. */
static int as_u64(struct pctx *c, json_object *v, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t x;

	if (json_object_get_type(v) != json_type_int)
		return perr(c, 0, "expected an unsigned integer, got %s", type_name(v));
	if (json_object_get_int64(v) < 0)
		return perr(c, 0, "expected an unsigned integer, got a negative number");
	x = json_object_get_uint64(v);
	if (x < min || x > max)
		return perr(c, 0, "%llu is out of range [%llu, %llu]", (unsigned long long)x,
			    (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

static int opt_u64(struct pctx *c, json_object *o, const char *key, uint64_t min, uint64_t max,
		   uint64_t *out, bool *present)
{
	json_object *v = get(c, o, key);
	int r;

	if (!v)
		return 0;
	r = as_u64(c, v, min, max, out);
	pop(c);
	if (!r && present)
		*present = true;
	return r;
}

static int opt_u32(struct pctx *c, json_object *o, const char *key, uint32_t min, uint32_t max,
		   uint32_t *out, bool *present)
{
	uint64_t x = *out;
	int r = opt_u64(c, o, key, min, max, &x, present);

	if (!r)
		*out = (uint32_t)x;
	return r;
}

static int opt_bool(struct pctx *c, json_object *o, const char *key, bool *out, bool *present)
{
	json_object *v = get(c, o, key);
	int r = 0;

	if (!v)
		return 0;
	r = expect_type(c, v, json_type_boolean, "true or false");
	if (!r) {
		*out = json_object_get_boolean(v);
		if (present)
			*present = true;
	}
	pop(c);
	return r;
}

static int dup_string(struct pctx *c, json_object *v, size_t max, char **out)
{
	const char *str;

	if (expect_type(c, v, json_type_string, "a string"))
		return -EINVAL;
	str = json_object_get_string(v);
	if (strlen(str) > max)
		return perr(c, 0, "string longer than %zu bytes", max);
	*out = strdup(str);
	if (!*out) {
		sc_error_set(c->err, "%s: out of memory", c->file);
		return -ENOMEM;
	}
	return 0;
}

static int opt_string(struct pctx *c, json_object *o, const char *key, size_t max, char **out)
{
	json_object *v = get(c, o, key);
	int r;

	if (!v)
		return 0;
	free(*out);
	*out = NULL;
	r = dup_string(c, v, max, out);
	pop(c);
	return r;
}

/* A cpulist string, checked against `online` when given. */
static int as_cpulist(struct pctx *c, json_object *v, const struct sc_cpu_set *online,
		      const char *what, bool allow_empty, struct sc_cpu_set *out)
{
	struct sc_cpu_set set = { 0 };
	size_t i;
	int r;

	if (expect_type(c, v, json_type_string, "a cpulist string such as \"0-3,6\""))
		return -EINVAL;
	r = sc_cpu_set_parse_list(json_object_get_string(v), 65535, &set);
	if (r == -EINVAL)
		return perr(c, 0, "\"%s\" is not a cpulist (e.g. \"0-3,6\")",
			    json_object_get_string(v));
	if (r == -ERANGE)
		return perr(c, 0, "\"%s\": %s id above 65535", json_object_get_string(v), what);
	if (r < 0)
		return perr(c, 0, "%s", strerror(-r));
	if (!set.len && !allow_empty) {
		sc_cpu_set_release(&set);
		return perr(c, 0, "empty %s list", what);
	}
	if (online) {
		for (i = 0; i < set.len; i++) {
			if (!sc_cpu_set_contains(online, set.cpus[i])) {
				char on[256];

				sc_cpu_set_format_list(online, on, sizeof(on));
				r = perr(c, 0, "%s %llu is not online (online: %s)", what,
					 (unsigned long long)set.cpus[i], on);
				sc_cpu_set_release(&set);
				return r;
			}
		}
	}
	sc_cpu_set_release(out);
	*out = set;
	return 0;
}

static int opt_cpulist(struct pctx *c, json_object *o, const char *key,
		       const struct sc_cpu_set *online, const char *what, struct sc_cpu_set *out,
		       bool *present)
{
	json_object *v = get(c, o, key);
	int r;

	if (!v)
		return 0;
	r = as_cpulist(c, v, online, what, false, out);
	pop(c);
	if (!r && present)
		*present = true;
	return r;
}

/* ---- work specs --------------------------------------------------------- */

static int parse_params(struct pctx *c, json_object *o, struct sc_work_params *p)
{
	static const char *const keys[] = {
		"spin_loops", "yield_every", "sleep_every",   "sleep_us",     "burst_us",
		"idle_us",    "interval_us", "chain_depth",   "chain_mode",   "fanout",
		"io_bytes",   "io_dir",	     "footprint_kib", "stride_bytes", "threads_per_message",
		"request_us", NULL
	};
	json_object *v;
	int r;

	if (expect_type(c, o, json_type_object, "an object") || check_keys(c, o, keys))
		return -EINVAL;
	if ((r = opt_u64(c, o, "spin_loops", 1, 1ull << 40, &p->spin_loops, NULL)) ||
	    (r = opt_u32(c, o, "yield_every", 0, UINT32_MAX, &p->yield_every, NULL)) ||
	    (r = opt_u32(c, o, "sleep_every", 0, UINT32_MAX, &p->sleep_every, NULL)) ||
	    (r = opt_u64(c, o, "sleep_us", 0, 60000000, &p->sleep_us, NULL)) ||
	    (r = opt_u64(c, o, "burst_us", 1, 60000000, &p->burst_us, NULL)) ||
	    (r = opt_u64(c, o, "idle_us", 0, 60000000, &p->idle_us, NULL)) ||
	    (r = opt_u64(c, o, "interval_us", 1, 60000000, &p->interval_us, NULL)) ||
	    (r = opt_u32(c, o, "chain_depth", 1, 65536, &p->chain_depth, NULL)) ||
	    (r = opt_u32(c, o, "fanout", 1, 65536, &p->fanout, NULL)) ||
	    (r = opt_u64(c, o, "io_bytes", 1, 1u << 20, &p->io_bytes, NULL)) ||
	    (r = opt_string(c, o, "io_dir", 4096, &p->io_dir)) ||
	    (r = opt_u64(c, o, "footprint_kib", 1, SC_WORK_MAX_FOOTPRINT_KIB, &p->footprint_kib,
			 NULL)) ||
	    (r = opt_u64(c, o, "stride_bytes", 1, 1u << 20, &p->stride_bytes, NULL)) ||
	    (r = opt_u32(c, o, "threads_per_message", 1, 1023, &p->threads_per_message, NULL)) ||
	    (r = opt_u64(c, o, "request_us", 0, 1000000, &p->request_us, NULL)))
		return r;
	v = get(c, o, "chain_mode");
	if (v) {
		if (expect_type(c, v, json_type_string, "\"futex\" or \"pipe\"") ||
		    sc_chain_mode_parse(json_object_get_string(v), &p->chain_mode))
			return perr(c, 0, "expected \"futex\" or \"pipe\"");
		pop(c);
	}
	return 0;
}

/* Parses one work spec object into *w (initialised here). */
static int parse_work(struct pctx *c, json_object *o, struct sc_work_spec *w)
{
	static const char *const keys[] = { "type", "workers",	"clone",     "policy",
					    "nice", "affinity", "mempolicy", "nodes",
					    "seed", "params",	NULL };
	enum sc_work_type type;
	struct sc_error verr;
	json_object *v;
	uint64_t x;
	int r;

	if (expect_type(c, o, json_type_object, "a work object") || check_keys(c, o, keys))
		return -EINVAL;
	v = get(c, o, "type");
	if (!v)
		return missing(c, "type");
	if (expect_type(c, v, json_type_string, "a work type name"))
		return -EINVAL;
	if (sc_work_type_parse(json_object_get_string(v), &type) < 0) {
		char list[512];
		int pos = 0, i;

		list[0] = '\0';
		for (i = 0; i < SC_WORK_TYPE_MAX && pos >= 0 && (size_t)pos < sizeof(list); i++)
			pos += snprintf(list + pos, sizeof(list) - pos, "%s%s", i ? ", " : "",
					sc_work_type_name((enum sc_work_type)i));
		return perr(c, 0, "unknown work type \"%s\" (known: %s)", json_object_get_string(v),
			    list);
	}
	pop(c);
	sc_work_spec_init(w, type);
	x = w->workers;
	if ((r = opt_u64(c, o, "workers", 1, SC_WORKLOAD_MAX_WORKERS, &x, NULL)))
		return r;
	w->workers = (uint32_t)x;
	v = get(c, o, "clone");
	if (v) {
		if (expect_type(c, v, json_type_string, "\"fork\" or \"thread\"") ||
		    sc_clone_mode_parse(json_object_get_string(v), &w->clone_mode))
			return perr(c, 0, "expected \"fork\" or \"thread\"");
		pop(c);
	}
	v = get(c, o, "policy");
	if (v) {
		if (expect_type(c, v, json_type_string, "a policy string"))
			return -EINVAL;
		if (sc_sched_policy_parse(json_object_get_string(v), &w->sched, &verr) < 0)
			return perr(c, 0, "%s", verr.msg);
		pop(c);
	}
	v = get(c, o, "nice");
	if (v) {
		int64_t n;

		if (json_object_get_type(v) != json_type_int)
			return perr(c, 0, "expected an integer in [-20, 19], got %s", type_name(v));
		n = json_object_get_int64(v);
		if (n < -20 || n > 19)
			return perr(c, 0, "%lld is out of range [-20, 19]", (long long)n);
		w->nice = (int)n;
		w->nice_set = true;
		pop(c);
	}
	if ((r = opt_cpulist(c, o, "affinity", c->env ? c->env->online_cpus : NULL, "CPU",
			     &w->affinity, NULL)))
		return r;
	v = get(c, o, "mempolicy");
	if (v) {
		if (expect_type(c, v, json_type_string, "a memory policy name") ||
		    sc_mem_policy_parse(json_object_get_string(v), &w->mem.kind))
			return perr(c, 0,
				    "expected one of default, bind, preferred, interleave, local");
		pop(c);
	}
	if ((r = opt_cpulist(c, o, "nodes", c->env ? c->env->online_nodes : NULL, "NUMA node",
			     &w->mem.nodes, NULL)))
		return r;
	if ((r = opt_u64(c, o, "seed", 0, UINT64_MAX, &w->seed, NULL)))
		return r;
	v = get(c, o, "params");
	if (v) {
		if ((r = parse_params(c, v, &w->params)))
			return r;
		pop(c);
	}
	if (sc_work_spec_validate(w, &verr) < 0)
		return perr(c, 0, "%s", verr.msg);
	c->workers += w->workers;
	if (c->workers > SC_SCENARIO_MAX_WORKERS)
		return perr(c, 0, "the scenario would run more than %u workers",
			    SC_SCENARIO_MAX_WORKERS);
	/*
	 * Latency samples: each sampling worker may fill a whole-run and a
	 * per-phase reservoir of SC_MAX_WAKE_SAMPLES u64s. Refuse what could not
	 * fit in memory rather than die of it halfway through a run.
	 */
	if (w->type != SC_WORK_SPIN && w->type != SC_WORK_YIELD && w->type != SC_WORK_MIXED &&
	    w->type != SC_WORK_BURSTY && w->type != SC_WORK_CACHE_PRESSURE &&
	    w->type != SC_WORK_NUMA_SWEEP && w->type != SC_WORK_IO_SYNC &&
	    w->type != SC_WORK_FORK_EXIT)
		c->sample_bytes +=
			(uint64_t)w->workers * 2 * SC_MAX_WAKE_SAMPLES * sizeof(uint64_t);
	if (c->sample_bytes > SC_SCENARIO_MAX_SAMPLE_BYTES)
		return perr(c, 0,
			    "latency reservoirs of this many sampling workers could take %llu MiB "
			    "(limit %llu MiB)",
			    (unsigned long long)(c->sample_bytes >> 20),
			    (unsigned long long)(SC_SCENARIO_MAX_SAMPLE_BYTES >> 20));
	return 0;
}

/* ---- cgroups ------------------------------------------------------------ */

static int find_cgroup(const struct sc_scenario *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_cgroups; i++)
		if (!strcmp(s->cgroups[i].name, name))
			return (int)i;
	return -1;
}

static int valid_cgroup_name(const char *n)
{
	size_t i, len = strlen(n);

	if (!len || len > SC_SCENARIO_NAME_MAX || n[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char ch = n[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return 0;
	}
	return 1;
}

static int parse_cpu_max(struct pctx *c, json_object *v, uint64_t *quota, uint64_t *period)
{
	static const char *const keys[] = { "quota_us", "period_us", NULL };
	json_object *q;
	int r;

	if (expect_type(c, v, json_type_object, "{\"quota_us\": N or null, \"period_us\": N}") ||
	    check_keys(c, v, keys))
		return -EINVAL;
	*period = 100000;
	if ((r = opt_u64(c, v, "period_us", 1000, 1000000, period, NULL)))
		return r;
	q = get(c, v, "quota_us");
	if (!q)
		return missing(c, "quota_us");
	if (json_object_get_type(q) == json_type_null)
		*quota = UINT64_MAX;
	else if ((r = as_u64(c, q, 1000, 1000000000000ull, quota)))
		return r;
	pop(c);
	return 0;
}

/* A byte count, or null / "max" for no limit. */
static int opt_bytes(struct pctx *c, json_object *o, const char *key, uint64_t *out, bool *has)
{
	json_object *v = get(c, o, key);
	int r = 0;

	if (!v)
		return 0;
	if (json_object_get_type(v) == json_type_null ||
	    (json_object_get_type(v) == json_type_string &&
	     !strcmp(json_object_get_string(v), "max")))
		*out = UINT64_MAX;
	else
		r = as_u64(c, v, 4096, UINT64_MAX - 1, out);
	pop(c);
	if (!r)
		*has = true;
	return r;
}

static int parse_settings(struct pctx *c, json_object *o, struct sc_cgroup_settings *st)
{
	const struct sc_cpu_set *cpus = c->env ? c->env->online_cpus : NULL;
	const struct sc_cpu_set *nodes = c->env ? c->env->online_nodes : NULL;
	json_object *v;
	int r;

	if ((r = opt_cpulist(c, o, "cpus", cpus, "CPU", &st->cpus, &st->has_cpus)) ||
	    (r = opt_cpulist(c, o, "mems", nodes, "NUMA node", &st->mems, &st->has_mems)) ||
	    (r = opt_u32(c, o, "weight", 1, 10000, &st->weight, &st->has_weight)) ||
	    (r = opt_bool(c, o, "idle", &st->idle, &st->has_idle)) ||
	    (r = opt_bytes(c, o, "memory_max", &st->memory_max, &st->has_memory_max)) ||
	    (r = opt_bytes(c, o, "memory_high", &st->memory_high, &st->has_memory_high)) ||
	    (r = opt_bytes(c, o, "memory_low", &st->memory_low, &st->has_memory_low)) ||
	    (r = opt_u32(c, o, "io_weight", 1, 10000, &st->io_weight, &st->has_io_weight)) ||
	    (r = opt_u64(c, o, "pids_max", 1, 4194304, &st->pids_max, &st->has_pids_max)))
		return r;
	v = get(c, o, "cpu_max");
	if (v) {
		if ((r = parse_cpu_max(c, v, &st->quota_us, &st->period_us)))
			return r;
		st->has_cpu_max = true;
		pop(c);
	}
	return 0;
}

static int add_cgroup_slot(struct pctx *c, struct sc_scenario_cgroup **out)
{
	struct sc_scenario *s = c->s;
	void *p;

	if (s->n_cgroups >= SC_SCENARIO_MAX_CGROUPS)
		return perr(c, 0, "more than %u cgroups", SC_SCENARIO_MAX_CGROUPS);
	p = realloc(s->cgroups, (s->n_cgroups + 1) * sizeof(*s->cgroups));
	if (!p) {
		sc_error_set(c->err, "%s: out of memory", c->file);
		return -ENOMEM;
	}
	s->cgroups = p;
	*out = &s->cgroups[s->n_cgroups++];
	memset(*out, 0, sizeof(**out));
	(*out)->parent = -1;
	return 0;
}

/* Parses a cgroup object (and, recursively, its children). */
static int parse_cgroup(struct pctx *c, json_object *o, int parent, unsigned depth, bool initial,
			int *index_out)
{
	static const char *const keys[] = { "name",	  "cpus",      "mems",	     "weight",
					    "cpu_max",	  "idle",      "memory_max", "memory_high",
					    "memory_low", "io_weight", "pids_max",   "work",
					    "children",	  NULL };
	struct sc_scenario_cgroup *cg = NULL;
	json_object *v;
	int r, idx;
	size_t i, n;

	if (expect_type(c, o, json_type_object, "a cgroup object") || check_keys(c, o, keys))
		return -EINVAL;
	if (depth > SC_SCENARIO_MAX_DEPTH)
		return perr(c, 0, "cgroups nested deeper than %u", SC_SCENARIO_MAX_DEPTH);
	v = get(c, o, "name");
	if (!v)
		return missing(c, "name");
	if (expect_type(c, v, json_type_string, "a cgroup name"))
		return -EINVAL;
	if (!valid_cgroup_name(json_object_get_string(v)))
		return perr(c, 0,
			    "\"%s\" is not a valid cgroup name (1-%u of [A-Za-z0-9_.-], not "
			    "starting with '.')",
			    json_object_get_string(v), SC_SCENARIO_NAME_MAX);
	if (find_cgroup(c->s, json_object_get_string(v)) >= 0)
		return perr(c, 0, "duplicate cgroup name \"%s\"", json_object_get_string(v));
	if ((r = add_cgroup_slot(c, &cg)))
		return r;
	idx = (int)(c->s->n_cgroups - 1);
	cg->parent = parent;
	cg->initial = initial;
	cg->name = strdup(json_object_get_string(v));
	if (!cg->name)
		return -ENOMEM;
	pop(c);
	if ((r = parse_settings(c, o, &cg->settings)))
		return r;
	v = get(c, o, "work");
	if (v) {
		if (expect_type(c, v, json_type_array, "an array of work objects"))
			return -EINVAL;
		n = json_object_array_length(v);
		if (n > SC_WORKLOAD_MAX_WORKERS)
			return perr(c, 0, "too many work specs");
		/* Children parsing may move s->cgroups: index, never hold cg across it. */
		c->s->cgroups[idx].work = calloc(n ? n : 1, sizeof(struct sc_work_spec));
		if (!c->s->cgroups[idx].work)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			push_index(c, i);
			r = parse_work(c, json_object_array_get_idx(v, i),
				       &c->s->cgroups[idx].work[i]);
			if (r) {
				/* A spec that failed half-way is still released with the rest. */
				c->s->cgroups[idx].n_work = i + 1;
				return r;
			}
			c->s->cgroups[idx].n_work = i + 1;
			pop(c);
		}
		pop(c);
	}
	v = get(c, o, "children");
	if (v) {
		if (expect_type(c, v, json_type_array, "an array of cgroup objects"))
			return -EINVAL;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			push_index(c, i);
			if ((r = parse_cgroup(c, json_object_array_get_idx(v, i), idx, depth + 1,
					      initial, NULL)))
				return r;
			pop(c);
		}
		pop(c);
	}
	if (index_out)
		*index_out = idx;
	return 0;
}

/* ---- steps and ops ------------------------------------------------------ */

/* A cgroup name that must be alive at this step. */
static int alive_ref(struct pctx *c, json_object *o, const char *key, const bool *alive, int *out)
{
	json_object *v = get(c, o, key);
	int i;

	if (!v)
		return missing(c, key);
	if (expect_type(c, v, json_type_string, "a cgroup name"))
		return -EINVAL;
	i = find_cgroup(c->s, json_object_get_string(v));
	if (i < 0)
		return perr(c, 0, "no cgroup named \"%s\" in this scenario",
			    json_object_get_string(v));
	if (!alive[i])
		return perr(c, 0, "cgroup \"%s\" does not exist at this step (%s)",
			    json_object_get_string(v),
			    c->s->cgroups[i].initial ? "it was removed earlier"
						     : "it is added by a later op or was removed");
	pop(c);
	*out = i;
	return 0;
}

/* An op on two different live cgroups: op->cgroup and op->other. */
static int two_refs(struct pctx *c, json_object *o, const char *a, const char *b, const bool *alive,
		    struct sc_scenario_op *op)
{
	int r;

	if ((r = alive_ref(c, o, a, alive, &op->cgroup)) ||
	    (r = alive_ref(c, o, b, alive, &op->other)))
		return r;
	if (op->cgroup == op->other)
		return perr(c, 0, "%s needs two different cgroups", sc_op_kind_name(op->kind));
	return 0;
}

static int parse_op(struct pctx *c, json_object *o, bool **alive, struct sc_scenario_op *op)
{
	static const char *const common[] = { "op",   "cgroup", "other",  "from",     "to",
					      "cpus", "mems",	"weight", "quota_us", "period_us",
					      "work", "parent", "key",	  NULL };
	json_object *v;
	int r, i;

	memset(op, 0, sizeof(*op));
	op->cgroup = op->other = -1;
	if (expect_type(c, o, json_type_object, "an op object") || check_keys(c, o, common))
		return -EINVAL;
	v = get(c, o, "op");
	if (!v)
		return missing(c, "op");
	if (expect_type(c, v, json_type_string, "an op name"))
		return -EINVAL;
	for (i = 0; i < SC_OP_KIND_MAX; i++)
		if (!strcmp(sc_op_kind_name((enum sc_op_kind)i), json_object_get_string(v)))
			break;
	if (i == SC_OP_KIND_MAX)
		return perr(c, 0,
			    "unknown op \"%s\" (known: add_cgroup, remove_cgroup, set_cpuset, "
			    "clear_cpuset, swap_cpusets, set_weight, set_quota, spawn, "
			    "stop_workers, set_affinity, move_tasks, freeze, unfreeze, sysrq, "
			    "detach_scheduler, attach_scheduler, replace_scheduler)",
			    json_object_get_string(v));
	op->kind = (enum sc_op_kind)i;
	pop(c);

	switch (op->kind) {
	case SC_OP_ADD_CGROUP: {
		int parent = -1, idx;
		void *p;

		if (json_object_object_get_ex(o, "parent", &v)) {
			if ((r = alive_ref(c, o, "parent", *alive, &parent)))
				return r;
		}
		v = get(c, o, "cgroup");
		if (!v)
			return missing(c, "cgroup");
		if ((r = parse_cgroup(c, v, parent, 1, false, &idx)))
			return r;
		pop(c);
		/* Grow the alive map to the new cgroup count; all added ones become alive. */
		p = realloc(*alive, c->s->n_cgroups * sizeof(**alive));
		if (!p)
			return -ENOMEM;
		*alive = p;
		for (i = idx; i < (int)c->s->n_cgroups; i++)
			(*alive)[i] = true;
		op->cgroup = idx;
		return 0;
	}
	case SC_OP_SWAP_CPUSETS:
		return two_refs(c, o, "cgroup", "other", *alive, op);
	case SC_OP_DETACH_SCHEDULER:
	case SC_OP_ATTACH_SCHEDULER:
	case SC_OP_REPLACE_SCHEDULER:
		/* The --scheduler given to `schedcheck vm`, attached when the run starts. */
		if (op->kind == SC_OP_ATTACH_SCHEDULER ? c->scheduler_attached
						       : !c->scheduler_attached)
			return perr(c, 0, "the scheduler is %s at this step",
				    c->scheduler_attached ? "already attached" : "detached");
		if (op->kind != SC_OP_REPLACE_SCHEDULER)
			c->scheduler_attached = op->kind == SC_OP_ATTACH_SCHEDULER;
		return 0;
	case SC_OP_SYSRQ: {
		const char *k;

		/* Crashes or reboots the kernel it runs on: only schedcheck vm's guest runs it. */
		v = get(c, o, "key");
		if (!v)
			return missing(c, "key");
		if (expect_type(c, v, json_type_string, "a one-letter sysrq key such as \"c\""))
			return -EINVAL;
		k = json_object_get_string(v);
		if (strlen(k) != 1 ||
		    !((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= '0' && k[0] <= '9')))
			return perr(c, 0, "\"%s\" is not a sysrq key (one of a-z, 0-9)", k);
		op->sysrq_key = k[0];
		pop(c);
		return 0;
	}
	case SC_OP_MOVE_TASKS:
		return two_refs(c, o, "from", "to", *alive, op);
	default:
		break;
	}
	if ((r = alive_ref(c, o, "cgroup", *alive, &op->cgroup)))
		return r;
	switch (op->kind) {
	case SC_OP_REMOVE_CGROUP: {
		size_t k;

		for (k = 0; k < c->s->n_cgroups; k++)
			if ((*alive)[k] && c->s->cgroups[k].parent == op->cgroup)
				return perr(c, 0,
					    "cgroup \"%s\" still has child \"%s\": remove it first",
					    c->s->cgroups[op->cgroup].name, c->s->cgroups[k].name);
		(*alive)[op->cgroup] = false;
		return 0;
	}
	case SC_OP_SET_CPUSET:
		v = get(c, o, "cpus");
		if (!v)
			return missing(c, "cpus");
		if ((r = as_cpulist(c, v, c->env ? c->env->online_cpus : NULL, "CPU", false,
				    &op->cpus)))
			return r;
		pop(c);
		return opt_cpulist(c, o, "mems", c->env ? c->env->online_nodes : NULL, "NUMA node",
				   &op->mems, &op->has_mems);
	case SC_OP_SET_AFFINITY:
		v = get(c, o, "cpus");
		if (!v)
			return missing(c, "cpus");
		if ((r = as_cpulist(c, v, c->env ? c->env->online_cpus : NULL, "CPU", false,
				    &op->cpus)))
			return r;
		pop(c);
		return 0;
	case SC_OP_SET_WEIGHT:
		if (!json_object_object_get_ex(o, "weight", &v))
			return missing(c, "weight");
		return opt_u32(c, o, "weight", 1, 10000, &op->weight, NULL);
	case SC_OP_SET_QUOTA: {
		json_object *q;

		op->period_us = 100000;
		if ((r = opt_u64(c, o, "period_us", 1000, 1000000, &op->period_us, NULL)))
			return r;
		q = get(c, o, "quota_us");
		if (!q)
			return missing(c, "quota_us");
		if (json_object_get_type(q) == json_type_null)
			op->quota_us = UINT64_MAX;
		else if ((r = as_u64(c, q, 1000, 1000000000000ull, &op->quota_us)))
			return r;
		pop(c);
		return 0;
	}
	case SC_OP_SPAWN:
		v = get(c, o, "work");
		if (!v)
			return missing(c, "work");
		if ((r = parse_work(c, v, &op->work)))
			return r;
		pop(c);
		return 0;
	default:
		return 0;
	}
}

static int parse_steps(struct pctx *c, json_object *arr)
{
	struct sc_scenario *s = c->s;
	bool *alive;
	size_t i, j, n;
	int r = 0;

	if (expect_type(c, arr, json_type_array, "an array of steps"))
		return -EINVAL;
	n = json_object_array_length(arr);
	if (n > SC_SCENARIO_MAX_STEPS)
		return perr(c, 0, "more than %u steps", SC_SCENARIO_MAX_STEPS);
	s->steps = calloc(n ? n : 1, sizeof(*s->steps));
	alive = calloc(s->n_cgroups ? s->n_cgroups : 1, sizeof(*alive));
	if (!s->steps || !alive) {
		free(alive);
		return -ENOMEM;
	}
	for (i = 0; i < s->n_cgroups; i++)
		alive[i] = s->cgroups[i].initial;
	for (i = 0; i < n && !r; i++) {
		static const char *const keys[] = { "hold_ms", "ops", NULL };
		json_object *st = json_object_array_get_idx(arr, i), *ops;
		struct sc_scenario_step *step = &s->steps[i];

		s->n_steps = i + 1;
		push_index(c, i);
		if (expect_type(c, st, json_type_object, "a step object") ||
		    check_keys(c, st, keys)) {
			r = -EINVAL;
			break;
		}
		if (!json_object_object_get_ex(st, "hold_ms", &ops)) {
			r = missing(c, "hold_ms");
			break;
		}
		if ((r = opt_u64(c, st, "hold_ms", 0, SC_SCENARIO_MAX_DURATION_MS, &step->hold_ms,
				 NULL)))
			break;
		ops = get(c, st, "ops");
		if (ops) {
			size_t nops;

			if (expect_type(c, ops, json_type_array, "an array of ops")) {
				r = -EINVAL;
				break;
			}
			nops = json_object_array_length(ops);
			if (nops > SC_SCENARIO_MAX_OPS) {
				r = perr(c, 0, "more than %u ops in one step", SC_SCENARIO_MAX_OPS);
				break;
			}
			step->ops = calloc(nops ? nops : 1, sizeof(*step->ops));
			if (!step->ops) {
				r = -ENOMEM;
				break;
			}
			for (j = 0; j < nops && !r; j++) {
				push_index(c, j);
				step->n_ops = j + 1;
				r = parse_op(c, json_object_array_get_idx(ops, j), &alive,
					     &step->ops[j]);
				pop(c);
			}
			pop(c);
		}
		pop(c);
	}
	free(alive);
	return r;
}

static int parse_checks(struct pctx *c, json_object *o)
{
	struct sc_check_config *cfg = &c->s->checks;
	int i;

	if (expect_type(c, o, json_type_object, "an object of check thresholds"))
		return -EINVAL;
	json_object_object_foreach(o, key, val)
	{
		i = sc_check_lookup(key);
		push_key(c, key);
		if (i < 0 || strcmp(sc_check_def_at((enum sc_check_id)i)->key, key)) {
			char list[768];
			int pos = 0, k;

			list[0] = '\0';
			for (k = 0; k < SC_CHECK_MAX && pos >= 0 && (size_t)pos < sizeof(list); k++)
				pos += snprintf(list + pos, sizeof(list) - pos, "%s%s",
						k ? ", " : "",
						sc_check_def_at((enum sc_check_id)k)->key);
			return perr(c, 1, "unknown check threshold (known: %s)", list);
		}
		if (json_object_get_type(val) == json_type_null) {
			cfg->value[i] = NAN; /* off */
		} else if (i == SC_CHECK_ISOLATION) {
			if (expect_type(c, val, json_type_boolean, "true or false"))
				return -EINVAL;
			cfg->value[i] = json_object_get_boolean(val) ? 1.0 : NAN;
		} else {
			double d;

			if (json_object_get_type(val) != json_type_int &&
			    json_object_get_type(val) != json_type_double)
				return perr(c, 0, "expected a number or null (off), got %s",
					    type_name(val));
			d = json_object_get_double(val);
			if (!isfinite(d) || d < 0)
				return perr(c, 0, "threshold must be a finite number >= 0");
			cfg->value[i] = d;
		}
		pop(c);
	}
	return 0;
}

static int parse_requires(struct pctx *c, json_object *o, struct sc_scenario_requires *rq)
{
	static const char *const keys[] = { "min_cpus", "min_numa_nodes", "cgroup_v2", "root",
					    NULL };
	int r;

	if (expect_type(c, o, json_type_object, "an object") || check_keys(c, o, keys))
		return -EINVAL;
	if ((r = opt_u32(c, o, "min_cpus", 1, 65536, &rq->min_cpus, NULL)) ||
	    (r = opt_u32(c, o, "min_numa_nodes", 1, 1024, &rq->min_numa_nodes, NULL)) ||
	    (r = opt_bool(c, o, "cgroup_v2", &rq->cgroup_v2, NULL)) ||
	    (r = opt_bool(c, o, "root", &rq->root, NULL)))
		return r;
	return 0;
}

/* "expect": {"scheduler_error": "REGEX"} */
static int parse_expect(struct pctx *c, json_object *o, struct sc_scenario_expect *ex)
{
	static const char *const keys[] = { "scheduler_error", NULL };
	json_object *v;
	const char *pat;
	regex_t rx;
	int rc;

	if (expect_type(c, o, json_type_object, "an object") || check_keys(c, o, keys))
		return -EINVAL;
	v = get(c, o, "scheduler_error");
	if (!v)
		return 0;
	if (expect_type(c, v, json_type_string, "a pattern string (POSIX extended regex)"))
		return -EINVAL;
	pat = json_object_get_string(v);
	if (!pat[0])
		return perr(c, 0, "the pattern is empty");
	if (strlen(pat) >= SC_SCENARIO_PATTERN_MAX)
		return perr(c, 0, "the pattern is longer than %u bytes",
			    SC_SCENARIO_PATTERN_MAX - 1);
	rc = regcomp(&rx, pat, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];

		regerror(rc, &rx, why, sizeof(why));
		return perr(c, 0, "not a valid POSIX extended regex: %s", why);
	}
	regfree(&rx);
	snprintf(ex->scheduler_error, sizeof(ex->scheduler_error), "%s", pat);
	ex->has_scheduler_error = true;
	pop(c);
	return 0;
}

static int parse_top(struct pctx *c, json_object *root)
{
	static const char *const keys[] = {
		"name",	   "description", "requires", "settle_ms", "sample_interval_ms",
		"cgroups", "steps",	  "checks",   "expect",	   NULL
	};
	struct sc_scenario *s = c->s;
	json_object *v;
	size_t i, n;
	int r;

	if (expect_type(c, root, json_type_object, "a scenario object") ||
	    check_keys(c, root, keys))
		return -EINVAL;
	v = get(c, root, "name");
	if (!v)
		return missing(c, "name");
	if ((r = dup_string(c, v, SC_SCENARIO_NAME_MAX, &s->name)))
		return r;
	if (!valid_cgroup_name(s->name))
		return perr(c, 0, "\"%s\" is not a valid name ([A-Za-z0-9_.-])", s->name);
	pop(c);
	if ((r = opt_string(c, root, "description", 4096, &s->description)))
		return r;
	v = get(c, root, "requires");
	if (v) {
		if ((r = parse_requires(c, v, &s->requires)))
			return r;
		pop(c);
	}
	if ((r = opt_u64(c, root, "settle_ms", 0, SC_SCENARIO_MAX_DURATION_MS, &s->settle_ms,
			 NULL)) ||
	    (r = opt_u64(c, root, "sample_interval_ms", SC_SCENARIO_MIN_SAMPLE_MS, 60000,
			 &s->sample_interval_ms, NULL)))
		return r;
	v = get(c, root, "cgroups");
	if (!v)
		return missing(c, "cgroups");
	if (expect_type(c, v, json_type_array, "an array of cgroup objects"))
		return -EINVAL;
	n = json_object_array_length(v);
	if (!n)
		return perr(c, 0, "a scenario needs at least one cgroup");
	for (i = 0; i < n; i++) {
		push_index(c, i);
		if ((r = parse_cgroup(c, json_object_array_get_idx(v, i), -1, 1, true, NULL)))
			return r;
		pop(c);
	}
	pop(c);
	v = get(c, root, "steps");
	if (v) {
		if ((r = parse_steps(c, v)))
			return r;
		pop(c);
	}
	v = get(c, root, "checks");
	if (v) {
		if ((r = parse_checks(c, v)))
			return r;
		pop(c);
	}
	v = get(c, root, "expect");
	if (v) {
		if ((r = parse_expect(c, v, &s->expect)))
			return r;
		pop(c);
	}
	if (sc_scenario_duration_ms(s) > SC_SCENARIO_MAX_DURATION_MS)
		return perr(c, 0, "the scenario lasts more than %llu ms",
			    (unsigned long long)SC_SCENARIO_MAX_DURATION_MS);
	return 0;
}

int sc_scenario_parse(const char *text, size_t len, const char *file,
		      const struct sc_scenario_env *env, struct sc_scenario *out,
		      struct sc_error *err)
{
	struct sc_scenario s;
	struct pctx c;
	json_object *root = NULL;
	struct sc_error jerr;
	int r;

	if (!file)
		file = "<scenario>";
	if (len > SC_SCENARIO_MAX_BYTES) {
		sc_error_set(err, "%s: larger than %u bytes", file, SC_SCENARIO_MAX_BYTES);
		return -E2BIG;
	}
	if (memchr(text, '\0', len)) {
		size_t off = (size_t)((const char *)memchr(text, '\0', len) - text);
		size_t line, col;

		sc_json_line_col(text, len, off, &line, &col);
		sc_error_set(err, "%s:%zu:%zu: NUL byte in the scenario text", file, line, col);
		return -EINVAL;
	}
	/* The project's strict parse: json-c plus what json-c lets through. */
	r = sc_json_parse_strict(text, len, 64, &root, &jerr);
	if (r < 0) {
		size_t line, col;
		int used = 0;

		if (sscanf(jerr.msg, "line %zu col %zu: %n", &line, &col, &used) == 2 && used > 0)
			sc_error_set(err, "%s:%zu:%zu: invalid JSON: %s", file, line, col,
				     jerr.msg + used);
		else
			sc_error_set(err, "%s: invalid JSON: %s", file, jerr.msg);
		return r == -E2BIG ? -EINVAL : r;
	}
	sc_scenario_init(&s);
	memset(&c, 0, sizeof(c));
	c.text = text;
	c.len = len;
	c.file = file;
	c.env = env;
	c.err = err;
	c.s = &s;
	c.scheduler_attached = true;
	r = parse_top(&c, root);
	json_object_put(root);
	if (r < 0) {
		if (r == -ENOMEM)
			sc_error_set(err, "%s: out of memory", file);
		sc_scenario_release(&s);
		return r;
	}
	*out = s;
	return 0;
}

int sc_scenario_read_text(const char *which, char **text, size_t *len, struct sc_error *err)
{
	const char *canned = sc_canned_json(which);
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, r;

	if (canned) {
		*text = strdup(canned);
		if (!*text)
			return -ENOMEM;
		*len = strlen(canned);
		return 0;
	}
	if (access(which, F_OK) < 0 && !strchr(which, '/') && !strstr(which, ".json")) {
		sc_error_set(err,
			     "'%s' is neither a canned scenario (see `schedcheck list`) nor a file",
			     which);
		return -ENOENT;
	}
	fd = open(which, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", which, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		sc_error_set(err, "%s: not a regular file", which);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > SC_SCENARIO_MAX_BYTES) {
		close(fd);
		sc_error_set(err, "%s: larger than %u bytes", which, SC_SCENARIO_MAX_BYTES);
		return -E2BIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			sc_error_set(err, "%s: read: %s", which, strerror(-r));
			free(buf);
			close(fd);
			return r;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

int sc_scenario_load_file(const char *path, const struct sc_scenario_env *env,
			  struct sc_scenario *out, struct sc_error *err)
{
	char *buf;
	size_t len;
	int r = sc_scenario_read_text(path, &buf, &len, err);

	if (r < 0)
		return r;
	r = sc_scenario_parse(buf, len, path, env, out, err);
	free(buf);
	return r;
}
