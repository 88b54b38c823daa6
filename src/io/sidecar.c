// SPDX-License-Identifier: MIT
/*
 * The sidecar JSON reader and writer (docs/sidecar.md is the schema). One
 * table per struct drives both directions, so a field cannot be written
 * under one name and read under another.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <schedcheck/sidecar.h>

#include "io/json-internal.h"

/* ------------------------------------------------------------------------ */
/* Field tables                                                              */
/* ------------------------------------------------------------------------ */

enum field_kind {
	FK_U64,	    /* uint64_t <= max (0: UINT64_MAX) */
	FK_U16,	    /* uint16_t */
	FK_F64,	    /* double; non-finite <-> null (reads as NaN) */
	FK_OPT_F64, /* struct sc_opt_f64; absent <-> null */
	FK_BOOL,
	FK_STR,	       /* char *, NULL <-> null */
	FK_CPU_SET,    /* struct sc_cpu_set <-> strictly ascending array of u64 */
	FK_U64_VEC,    /* struct sc_u64_vec, at most max elements (0: no limit) */
	FK_F64_VEC,    /* struct sc_f64_vec, elements as FK_F64 */
	FK_METRIC_MAP, /* struct sc_metric_map <-> object of FK_F64 */
	FK_OPT_PHASE,  /* uint16_t at off, bool presence at off2; absent <-> null */
	FK_CUSTOM,
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t off;
	size_t off2;
	uint64_t max;
	int (*read)(struct sc_jreader *r, struct json_object *j, void *base);
	struct json_object *(*write)(struct sc_jwriter *w, const void *base);
};

/* clang-format off */
#define FLD(type, m, k) { .name = #m, .kind = (k), .off = offsetof(type, m) }
#define FLD_MAX(type, m, k, mx) { .name = #m, .kind = (k), .off = offsetof(type, m), .max = (mx) }
#define FLD_PHASE(type, m, flag)                                                   \
	{ .name = #m, .kind = FK_OPT_PHASE, .off = offsetof(type, m),              \
	  .off2 = offsetof(type, flag) }
#define FLD_CUSTOM(name_, rd, wr) { .name = (name_), .kind = FK_CUSTOM, .read = (rd), .write = (wr) }
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIELDS 40
/* clang-format on */

static int read_struct(struct sc_jreader *r, struct json_object *j, const struct field *f, size_t n,
		       void *base);
static struct json_object *write_struct(struct sc_jwriter *w, const struct field *f, size_t n,
					const void *base);

/* ---- argv ---------------------------------------------------------------- */

static int read_argv(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_run_info *ri = base;
	size_t n, i, saved;
	char **argv;
	int rc;

	rc = sc_jr_array(r, j, 0, &n);
	if (rc < 0 || !n)
		return rc;
	/* NULL-terminated as well as counted, so it can be handed to exec. */
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		return sc_jr_fail(r, -ENOMEM, "out of memory");
	ri->argv = argv;
	for (i = 0; i < n; i++) {
		saved = sc_jpath_push_index(&r->path, i);
		rc = sc_jr_str(r, json_object_array_get_idx(j, i), false, &argv[i]);
		if (rc < 0)
			break;
		ri->argc = i + 1;
		sc_jpath_pop(&r->path, saved);
	}
	return rc;
}

static struct json_object *write_argv(struct sc_jwriter *w, const void *base)
{
	const struct sc_run_info *ri = base;
	struct json_object *arr = sc_jw_array(w);
	size_t i, saved;

	if (ri->argc && !ri->argv)
		sc_jw_fail(w, -EINVAL, "argc is %zu but argv is NULL", ri->argc);
	for (i = 0; i < ri->argc && !w->rc; i++) {
		saved = sc_jpath_push_index(&w->path, i);
		if (!ri->argv[i])
			sc_jw_fail(w, -EINVAL, "NULL argument");
		sc_jw_append(w, arr, sc_jw_str(w, ri->argv[i]));
		sc_jpath_pop(&w->path, saved);
	}
	return arr;
}

static const struct field run_info_fields[] = {
	FLD(struct sc_run_info, schedcheck_version, FK_STR),
	FLD_CUSTOM("argv", read_argv, write_argv),
	FLD(struct sc_run_info, scenario, FK_STR),
	FLD(struct sc_run_info, start_unix_ns, FK_U64),
	FLD(struct sc_run_info, end_unix_ns, FK_U64),
	FLD(struct sc_run_info, hostname, FK_STR),
	FLD(struct sc_run_info, kernel_release, FK_STR),
	FLD(struct sc_run_info, kernel_version, FK_STR),
	FLD(struct sc_run_info, machine, FK_STR),
	FLD(struct sc_run_info, nr_cpus_online, FK_U64),
	FLD(struct sc_run_info, nr_numa_nodes, FK_U64),
	FLD(struct sc_run_info, cpus_online, FK_STR),
	FLD(struct sc_run_info, scheduler, FK_STR),
	FLD(struct sc_run_info, clocksource, FK_STR),
	FLD(struct sc_run_info, loadavg_1min, FK_OPT_F64),
	FLD(struct sc_run_info, cgroup_mode, FK_STR),
	FLD(struct sc_run_info, interrupted, FK_BOOL),
};

static const struct field cgroup_stats_fields[] = {
	FLD(struct sc_cgroup_stats, cgroup_name, FK_STR),
	FLD(struct sc_cgroup_stats, num_workers, FK_U64),
	FLD(struct sc_cgroup_stats, cpus_used, FK_CPU_SET),
	FLD(struct sc_cgroup_stats, num_cpus, FK_U64),
	FLD(struct sc_cgroup_stats, avg_off_cpu_pct, FK_OPT_F64),
	FLD(struct sc_cgroup_stats, min_off_cpu_pct, FK_OPT_F64),
	FLD(struct sc_cgroup_stats, max_off_cpu_pct, FK_OPT_F64),
	FLD(struct sc_cgroup_stats, spread, FK_OPT_F64),
	FLD(struct sc_cgroup_stats, max_gap_ms, FK_U64),
	FLD(struct sc_cgroup_stats, max_gap_cpu, FK_U64),
	FLD(struct sc_cgroup_stats, total_migrations, FK_U64),
	FLD(struct sc_cgroup_stats, migration_ratio, FK_F64),
	FLD(struct sc_cgroup_stats, p99_wake_latency_us, FK_F64),
	FLD(struct sc_cgroup_stats, median_wake_latency_us, FK_F64),
	FLD(struct sc_cgroup_stats, wake_latency_cv, FK_F64),
	FLD(struct sc_cgroup_stats, wake_measured, FK_BOOL),
	FLD(struct sc_cgroup_stats, median_timer_latency_us, FK_F64),
	FLD(struct sc_cgroup_stats, p99_timer_latency_us, FK_F64),
	FLD(struct sc_cgroup_stats, p999_timer_latency_us, FK_F64),
	FLD(struct sc_cgroup_stats, worst_timer_latency_us, FK_F64),
	FLD(struct sc_cgroup_stats, timer_measured, FK_BOOL),
	FLD(struct sc_cgroup_stats, total_iterations, FK_U64),
	FLD(struct sc_cgroup_stats, total_cpu_time_ns, FK_U64),
	FLD(struct sc_cgroup_stats, mean_run_delay_us, FK_F64),
	FLD(struct sc_cgroup_stats, worst_run_delay_us, FK_F64),
	FLD(struct sc_cgroup_stats, run_delay_measured, FK_BOOL),
	FLD(struct sc_cgroup_stats, page_locality, FK_F64),
	FLD(struct sc_cgroup_stats, cross_node_migration_ratio, FK_F64),
	FLD(struct sc_cgroup_stats, ext_metrics, FK_METRIC_MAP),
};

/* ---- PhaseCgroupStats.schbench ------------------------------------------- */

/*
 * A histogram is written sparse: [[low_ns, count], ...] for its non-empty
 * buckets, by ascending bucket, where low_ns is the bucket's lower bound.
 * The reader takes nothing else: a low_ns that is not a bucket bound,
 * buckets out of order or repeated, a zero count, more pairs than buckets.
 */
static int read_hist(struct sc_jreader *r, struct json_object *j, struct sc_lat_hist *h)
{
	size_t n, i, saved, idx, prev = 0;
	int rc = 0;

	rc = sc_jr_array(r, j, SC_LAT_HIST_BUCKETS, &n);
	if (rc < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		struct json_object *pair = json_object_array_get_idx(j, i);
		uint64_t low, count;
		size_t m;

		saved = sc_jpath_push_index(&r->path, i);
		rc = sc_jr_array(r, pair, 0, &m);
		if (rc == 0 && m != 2)
			rc = sc_jr_fail(r, -EINVAL,
					"expected a [low_ns, count] pair, got %zu elements", m);
		if (rc == 0)
			rc = sc_jr_u64(r, json_object_array_get_idx(pair, 0), UINT64_MAX, &low);
		if (rc == 0)
			rc = sc_jr_u64(r, json_object_array_get_idx(pair, 1), UINT64_MAX, &count);
		if (rc < 0)
			break;
		idx = sc_lat_hist_index(low);
		if (sc_lat_hist_bucket_low(idx) != low)
			rc = sc_jr_fail(r, -EINVAL, "%llu is not the lower bound of a bucket",
					(unsigned long long)low);
		else if (i && idx <= prev)
			rc = sc_jr_fail(
				r, -EINVAL,
				"bucket %llu after %llu: buckets must be strictly ascending",
				(unsigned long long)low,
				(unsigned long long)sc_lat_hist_bucket_low(prev));
		else if (!count)
			rc = sc_jr_fail(r, -EINVAL,
					"empty bucket (only non-empty ones are written)");
		else
			sc_lat_hist_add_bucket(h, idx, count); /* the total saturates */
		prev = idx;
		if (rc == 0)
			sc_jpath_pop(&r->path, saved);
	}
	return rc;
}

static struct json_object *write_hist(struct sc_jwriter *w, const struct sc_lat_hist *h)
{
	struct json_object *arr = sc_jw_array(w), *pair;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < SC_LAT_HIST_BUCKETS; i++)
		sum = sc_sat_add_u64(sum, h->buckets[i]);
	if (sum != h->count)
		sc_jw_fail(w, -EINVAL, "count %llu does not match its buckets (%llu)",
			   (unsigned long long)h->count, (unsigned long long)sum);
	for (i = 0; i < SC_LAT_HIST_BUCKETS && !w->rc; i++) {
		if (!h->buckets[i])
			continue;
		pair = sc_jw_array(w);
		sc_jw_append(w, pair, sc_jw_u64(w, sc_lat_hist_bucket_low(i)));
		sc_jw_append(w, pair, sc_jw_u64(w, h->buckets[i]));
		sc_jw_append(w, arr, pair);
	}
	return arr;
}

static int read_wakeup(struct sc_jreader *r, struct json_object *j, void *base)
{
	return read_hist(r, j, &((struct sc_schbench_stats *)base)->wakeup);
}

static struct json_object *write_wakeup(struct sc_jwriter *w, const void *base)
{
	return write_hist(w, &((const struct sc_schbench_stats *)base)->wakeup);
}

static int read_request(struct sc_jreader *r, struct json_object *j, void *base)
{
	return read_hist(r, j, &((struct sc_schbench_stats *)base)->request);
}

static struct json_object *write_request(struct sc_jwriter *w, const void *base)
{
	return write_hist(w, &((const struct sc_schbench_stats *)base)->request);
}

static const struct field schbench_fields[] = {
	FLD_CUSTOM("wakeup", read_wakeup, write_wakeup),
	FLD_CUSTOM("request", read_request, write_request),
	FLD(struct sc_schbench_stats, loop_count, FK_U64),
	FLD(struct sc_schbench_stats, wall_ns, FK_U64),
	FLD(struct sc_schbench_stats, msg_run_delay_ns, FK_U64),
	FLD(struct sc_schbench_stats, msg_pcount, FK_U64),
	FLD(struct sc_schbench_stats, worker_run_delay_ns, FK_U64),
	FLD(struct sc_schbench_stats, worker_pcount, FK_U64),
};

/* null (or, in sidecars older than the key, no key at all) is None. */
static int read_schbench(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_phase_cgroup_stats *p = base;
	struct sc_schbench_stats *s;
	int rc;

	if (!j)
		return 0;
	rc = sc_schbench_stats_new(&s);
	if (rc < 0)
		return sc_jr_fail(r, rc, "out of memory");
	rc = read_struct(r, j, schbench_fields, NFIELDS(schbench_fields), s);
	if (rc < 0) {
		sc_schbench_stats_free(s);
		return rc;
	}
	p->schbench = s;
	return 0;
}

static struct json_object *write_schbench(struct sc_jwriter *w, const void *base)
{
	const struct sc_phase_cgroup_stats *p = base;

	if (!p->schbench)
		return NULL;
	return write_struct(w, schbench_fields, NFIELDS(schbench_fields), p->schbench);
}

static const struct field phase_cgroup_stats_fields[] = {
	FLD(struct sc_phase_cgroup_stats, num_workers, FK_U64),
	FLD(struct sc_phase_cgroup_stats, cpus_used, FK_CPU_SET),
	FLD_MAX(struct sc_phase_cgroup_stats, wake_latencies_ns, FK_U64_VEC, SC_MAX_WAKE_SAMPLES),
	FLD(struct sc_phase_cgroup_stats, wake_sample_total, FK_U64),
	FLD_MAX(struct sc_phase_cgroup_stats, timer_latencies_ns, FK_U64_VEC, SC_MAX_WAKE_SAMPLES),
	FLD(struct sc_phase_cgroup_stats, timer_sample_total, FK_U64),
	FLD(struct sc_phase_cgroup_stats, run_delays_ns, FK_U64_VEC),
	FLD(struct sc_phase_cgroup_stats, off_cpu_pcts, FK_F64_VEC),
	FLD(struct sc_phase_cgroup_stats, total_migrations, FK_U64),
	FLD(struct sc_phase_cgroup_stats, total_iterations, FK_U64),
	FLD(struct sc_phase_cgroup_stats, total_cpu_time_ns, FK_U64),
	FLD(struct sc_phase_cgroup_stats, numa_pages_local, FK_U64),
	FLD(struct sc_phase_cgroup_stats, numa_pages_total, FK_U64),
	FLD(struct sc_phase_cgroup_stats, cross_node_migrated, FK_U64),
	FLD(struct sc_phase_cgroup_stats, max_gap_ms, FK_U64),
	FLD(struct sc_phase_cgroup_stats, max_gap_cpu, FK_U64),
	FLD(struct sc_phase_cgroup_stats, stripped, FK_BOOL),
	FLD(struct sc_phase_cgroup_stats, metrics, FK_METRIC_MAP),
	FLD_CUSTOM("schbench", read_schbench, write_schbench), /* keep last: see read_carrier */
};

/* ---- maps: sorted arrays of { char *name; value } ------------------------- */

/*
 * Every map entry type in the model starts with its owned key (name / key),
 * followed by the value at val_off. A reader builds the array in one go and
 * sorts it, so a hostile file with many keys costs O(n log n), not O(n^2).
 */
struct map_ops {
	size_t entry_size;
	size_t val_off;
	void (*init)(void *val);
	void (*release)(void *val);
	int (*read)(struct sc_jreader *r, struct json_object *j, void *val);
	struct json_object *(*write)(struct sc_jwriter *w, const void *val);
};

struct map_view {
	void *e;
	size_t len;
	size_t cap;
};

static int cmp_entry_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void release_entries(const struct map_ops *ops, char *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *entry = e + i * ops->entry_size;

		free(*(char **)entry);
		if (ops->release)
			ops->release(entry + ops->val_off);
	}
	free(e);
}

static int read_map(struct sc_jreader *r, struct json_object *j, const struct map_ops *ops,
		    struct map_view *out)
{
	size_t n, i = 0, saved;
	char *e = NULL;
	int rc;

	rc = sc_jr_object(r, j, &n);
	if (rc < 0 || !n)
		return rc;
	e = calloc(n, ops->entry_size);
	if (!e)
		return sc_jr_fail(r, -ENOMEM, "out of memory");
	json_object_object_foreach(j, key, val)
	{
		char *entry = e + i * ops->entry_size;

		saved = sc_jpath_push_key(&r->path, key);
		rc = sc_jr_key(r, key);
		if (rc < 0)
			break;
		*(char **)entry = strdup(key);
		if (!*(char **)entry) {
			rc = sc_jr_fail(r, -ENOMEM, "out of memory");
			break;
		}
		if (ops->init)
			ops->init(entry + ops->val_off);
		i++;
		rc = ops->read(r, val, entry + ops->val_off);
		if (rc < 0)
			break;
		sc_jpath_pop(&r->path, saved);
	}
	if (rc < 0) {
		release_entries(ops, e, i);
		return rc;
	}
	qsort(e, n, ops->entry_size, cmp_entry_name);
	out->e = e;
	out->len = n;
	out->cap = n;
	return 0;
}

static struct json_object *write_map(struct sc_jwriter *w, const struct map_ops *ops,
				     const void *entries, size_t n)
{
	struct json_object *obj = sc_jw_object(w);
	const char *prev = NULL;
	size_t i, saved;

	for (i = 0; i < n && !w->rc; i++) {
		const char *entry = (const char *)entries + i * ops->entry_size;
		const char *key = *(char *const *)entry;
		size_t len;

		if (!key) {
			sc_jw_fail(w, -EINVAL, "map entry %zu has a NULL key", i);
			break;
		}
		saved = sc_jpath_push_key(&w->path, key);
		len = strlen(key);
		if (len > SC_JSON_MAX_STRING || !sc_utf8_valid(key, len))
			sc_jw_fail(w, -EINVAL, "key is not valid UTF-8 of at most %u bytes",
				   SC_JSON_MAX_STRING);
		else if (prev && strcmp(prev, key) >= 0)
			sc_jw_fail(w, -EINVAL, "map keys are not sorted and unique (after \"%s\")",
				   prev);
		sc_jw_put(w, obj, key, ops->write(w, entry + ops->val_off), false);
		sc_jpath_pop(&w->path, saved);
		prev = key;
	}
	return obj;
}

static int read_metric_value(struct sc_jreader *r, struct json_object *j, void *val)
{
	return sc_jr_f64(r, j, val);
}

static struct json_object *write_metric_value(struct sc_jwriter *w, const void *val)
{
	return sc_jw_f64(w, *(const double *)val);
}

static const struct map_ops metric_map_ops = {
	.entry_size = sizeof(struct sc_metric_entry),
	.val_off = offsetof(struct sc_metric_entry, value),
	.read = read_metric_value,
	.write = write_metric_value,
};

static void carrier_init(void *val)
{
	sc_phase_cgroup_stats_init(val);
}

static void carrier_release(void *val)
{
	sc_phase_cgroup_stats_release(val);
}

static int read_carrier(struct sc_jreader *r, struct json_object *j, void *val)
{
	size_t n = NFIELDS(phase_cgroup_stats_fields);

	/*
	 * "schbench" came after schema version 1 was fixed: a carrier without
	 * the key (an older writer) reads as None instead of being refused.
	 * Every other key stays mandatory.
	 */
	if (json_object_is_type(j, json_type_object) &&
	    !json_object_object_get_ex(j, "schbench", NULL))
		n--;
	return read_struct(r, j, phase_cgroup_stats_fields, n, val);
}

static struct json_object *write_carrier(struct sc_jwriter *w, const void *val)
{
	return write_struct(w, phase_cgroup_stats_fields, NFIELDS(phase_cgroup_stats_fields), val);
}

static const struct map_ops carrier_map_ops = {
	.entry_size = sizeof(struct sc_cgroup_carrier),
	.val_off = offsetof(struct sc_cgroup_carrier, stats),
	.init = carrier_init,
	.release = carrier_release,
	.read = read_carrier,
	.write = write_carrier,
};

/* NoteValue: {"type": "<u64|i64|f64|bool|text>", "value": ...}. */
static const char *const note_type_names[] = {
#define SC_X_(id, name) [SC_NOTE_##id] = name,
	SC_NOTE_VALUE_TYPES(SC_X_)
#undef SC_X_
};

static void note_value_release(void *val)
{
	sc_note_value_release(val);
}

static int read_note_value(struct sc_jreader *r, struct json_object *j, void *val)
{
	static const char *const names[] = { "type", "value" };
	struct sc_note_value *nv = val;
	struct json_object *v[2];
	const char *type;
	size_t saved;
	int t, rc;

	rc = sc_jr_fields(r, j, names, 2, v);
	if (rc < 0)
		return rc;
	saved = sc_jpath_push_key(&r->path, "type");
	if (!json_object_is_type(v[0], json_type_string))
		return sc_jr_fail(r, -EINVAL, "expected a string, got %s", sc_json_kind(v[0]));
	type = json_object_get_string(v[0]);
	for (t = 0; t < SC_NOTE_VALUE_TYPE_MAX; t++) {
		if (!strcmp(type, note_type_names[t]))
			break;
	}
	if (t == SC_NOTE_VALUE_TYPE_MAX)
		return sc_jr_fail(r, -EINVAL,
				  "unknown value type (expected u64, i64, f64, bool or text)");
	sc_jpath_pop(&r->path, saved);
	sc_jpath_push_key(&r->path, "value");
	switch ((enum sc_note_value_type)t) {
	case SC_NOTE_U64:
		rc = sc_jr_u64(r, v[1], UINT64_MAX, &nv->v.u64);
		break;
	case SC_NOTE_I64:
		rc = sc_jr_i64(r, v[1], &nv->v.i64);
		break;
	case SC_NOTE_F64:
		rc = sc_jr_f64(r, v[1], &nv->v.f64);
		break;
	case SC_NOTE_BOOL:
		rc = sc_jr_bool(r, v[1], &nv->v.b);
		break;
	case SC_NOTE_TEXT:
		rc = sc_jr_str(r, v[1], true, &nv->v.text);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc < 0)
		return rc;
	sc_jpath_pop(&r->path, saved);
	nv->type = (enum sc_note_value_type)t;
	return 0;
}

static struct json_object *write_note_value(struct sc_jwriter *w, const void *val)
{
	const struct sc_note_value *nv = val;
	struct json_object *obj = sc_jw_object(w), *v = NULL;

	if ((unsigned)nv->type >= SC_NOTE_VALUE_TYPE_MAX) {
		sc_jw_fail(w, -EINVAL, "invalid note value type %d", (int)nv->type);
		return obj;
	}
	switch (nv->type) {
	case SC_NOTE_U64:
		v = sc_jw_u64(w, nv->v.u64);
		break;
	case SC_NOTE_I64:
		v = sc_jw_i64(w, nv->v.i64);
		break;
	case SC_NOTE_F64:
		v = sc_jw_f64(w, nv->v.f64);
		break;
	case SC_NOTE_BOOL:
		v = sc_jw_bool(w, nv->v.b);
		break;
	case SC_NOTE_TEXT:
		v = sc_jw_str(w, nv->v.text);
		break;
	default:
		break;
	}
	sc_jw_put(w, obj, "type", sc_jw_str(w, note_type_names[nv->type]), true);
	sc_jw_put(w, obj, "value", v, true);
	return obj;
}

static const struct map_ops measurement_map_ops = {
	.entry_size = sizeof(struct sc_measurement),
	.val_off = offsetof(struct sc_measurement, value),
	.release = note_value_release,
	.read = read_note_value,
	.write = write_note_value,
};

/* ---- arrays of structs ----------------------------------------------------- */

struct array_ops {
	size_t elem_size;
	size_t max; /* 0: bounded only by the input */
	void (*init)(void *elem);
	void (*release)(void *elem);
	int (*read)(struct sc_jreader *r, struct json_object *j, void *elem);
	struct json_object *(*write)(struct sc_jwriter *w, const void *elem);
	/* Optional: element i against element i - 1 (ordering invariants). */
	int (*check)(struct sc_jreader *r, const void *prev, const void *cur);
};

static int read_array(struct sc_jreader *r, struct json_object *j, const struct array_ops *ops,
		      void **out, size_t *n_out)
{
	size_t n, i, done = 0, saved;
	char *arr = NULL;
	int rc;

	rc = sc_jr_array(r, j, ops->max, &n);
	if (rc < 0)
		return rc;
	if (n) {
		arr = calloc(n, ops->elem_size);
		if (!arr)
			return sc_jr_fail(r, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		char *elem = arr + i * ops->elem_size;

		if (ops->init)
			ops->init(elem);
		done = i + 1;
		saved = sc_jpath_push_index(&r->path, i);
		rc = ops->read(r, json_object_array_get_idx(j, i), elem);
		if (rc == 0 && i && ops->check)
			rc = ops->check(r, elem - ops->elem_size, elem);
		if (rc < 0)
			break;
		sc_jpath_pop(&r->path, saved);
	}
	if (rc < 0) {
		for (i = 0; i < done; i++)
			ops->release(arr + i * ops->elem_size);
		free(arr);
		return rc;
	}
	*out = arr;
	*n_out = n;
	return 0;
}

static struct json_object *write_array(struct sc_jwriter *w, const struct array_ops *ops,
				       const void *elems, size_t n)
{
	struct json_object *arr = sc_jw_array(w);
	size_t i, saved;

	if (n && !elems)
		sc_jw_fail(w, -EINVAL, "%zu elements but no array", n);
	if (ops->max && n > ops->max)
		sc_jw_fail(w, -E2BIG, "%zu elements, more than the limit of %zu", n, ops->max);
	for (i = 0; i < n && !w->rc; i++) {
		saved = sc_jpath_push_index(&w->path, i);
		sc_jw_append(w, arr, ops->write(w, (const char *)elems + i * ops->elem_size));
		sc_jpath_pop(&w->path, saved);
	}
	return arr;
}

/* ---- runs ------------------------------------------------------------------ */

static void run_info_init_v(void *e)
{
	sc_run_info_init(e);
}

static void run_info_release_v(void *e)
{
	sc_run_info_release(e);
}

static int read_run_info(struct sc_jreader *r, struct json_object *j, void *e)
{
	return read_struct(r, j, run_info_fields, NFIELDS(run_info_fields), e);
}

static struct json_object *write_run_info(struct sc_jwriter *w, const void *e)
{
	return write_struct(w, run_info_fields, NFIELDS(run_info_fields), e);
}

static const struct array_ops run_info_array_ops = {
	.elem_size = sizeof(struct sc_run_info),
	.init = run_info_init_v,
	.release = run_info_release_v,
	.read = read_run_info,
	.write = write_run_info,
};

/* ---- scenario stats ---------------------------------------------------------- */

static void cgroup_stats_init_v(void *e)
{
	sc_cgroup_stats_init(e);
}

static void cgroup_stats_release_v(void *e)
{
	sc_cgroup_stats_release(e);
}

static int read_cgroup_stats(struct sc_jreader *r, struct json_object *j, void *e)
{
	return read_struct(r, j, cgroup_stats_fields, NFIELDS(cgroup_stats_fields), e);
}

static struct json_object *write_cgroup_stats(struct sc_jwriter *w, const void *e)
{
	return write_struct(w, cgroup_stats_fields, NFIELDS(cgroup_stats_fields), e);
}

static const struct array_ops cgroup_array_ops = {
	.elem_size = sizeof(struct sc_cgroup_stats),
	.init = cgroup_stats_init_v,
	.release = cgroup_stats_release_v,
	.read = read_cgroup_stats,
	.write = write_cgroup_stats,
};

static int read_per_cgroup(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_phase_bucket *b = base;
	struct map_view v = { 0 };
	int rc = read_map(r, j, &carrier_map_ops, &v);

	if (rc < 0)
		return rc;
	b->per_cgroup.e = v.e;
	b->per_cgroup.len = v.len;
	b->per_cgroup.cap = v.cap;
	return 0;
}

static struct json_object *write_per_cgroup(struct sc_jwriter *w, const void *base)
{
	const struct sc_phase_bucket *b = base;

	return write_map(w, &carrier_map_ops, b->per_cgroup.e, b->per_cgroup.len);
}

static const struct field phase_bucket_fields[] = {
	FLD(struct sc_phase_bucket, step_index, FK_U16),
	FLD(struct sc_phase_bucket, label, FK_STR),
	FLD(struct sc_phase_bucket, start_ms, FK_U64),
	FLD(struct sc_phase_bucket, end_ms, FK_U64),
	FLD(struct sc_phase_bucket, sample_count, FK_U64),
	FLD(struct sc_phase_bucket, metrics, FK_METRIC_MAP),
	FLD_CUSTOM("per_cgroup", read_per_cgroup, write_per_cgroup),
};

static void bucket_init_v(void *e)
{
	memset(e, 0, sizeof(struct sc_phase_bucket));
}

static void bucket_release_v(void *e)
{
	sc_phase_bucket_release(e);
}

static int read_bucket(struct sc_jreader *r, struct json_object *j, void *e)
{
	return read_struct(r, j, phase_bucket_fields, NFIELDS(phase_bucket_fields), e);
}

static struct json_object *write_bucket(struct sc_jwriter *w, const void *e)
{
	return write_struct(w, phase_bucket_fields, NFIELDS(phase_bucket_fields), e);
}

/* The model keeps phases sorted by step_index, one bucket per step. */
static int check_bucket_order(struct sc_jreader *r, const void *prev, const void *cur)
{
	const struct sc_phase_bucket *a = prev, *b = cur;

	if (b->step_index > a->step_index)
		return 0;
	sc_jpath_push_key(&r->path, "step_index");
	return sc_jr_fail(
		r, -EINVAL,
		"%u does not follow %u: phases must be sorted by step_index, one per step",
		b->step_index, a->step_index);
}

static const struct array_ops bucket_array_ops = {
	.elem_size = sizeof(struct sc_phase_bucket),
	.init = bucket_init_v,
	.release = bucket_release_v,
	.read = read_bucket,
	.write = write_bucket,
	.check = check_bucket_order,
};

static int read_cgroups(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_scenario_stats *s = base;
	void *arr = NULL;
	size_t n = 0;
	int rc = read_array(r, j, &cgroup_array_ops, &arr, &n);

	if (rc < 0)
		return rc;
	s->cgroups = arr;
	s->n_cgroups = n;
	return 0;
}

static struct json_object *write_cgroups(struct sc_jwriter *w, const void *base)
{
	const struct sc_scenario_stats *s = base;

	return write_array(w, &cgroup_array_ops, s->cgroups, s->n_cgroups);
}

static int read_phases(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_scenario_stats *s = base;
	void *arr = NULL;
	size_t n = 0;
	int rc = read_array(r, j, &bucket_array_ops, &arr, &n);

	if (rc < 0)
		return rc;
	s->phases = arr;
	s->n_phases = n;
	return 0;
}

static struct json_object *write_phases(struct sc_jwriter *w, const void *base)
{
	const struct sc_scenario_stats *s = base;
	size_t i;

	for (i = 1; i < s->n_phases; i++) {
		if (s->phases[i].step_index <= s->phases[i - 1].step_index) {
			size_t saved = sc_jpath_push_index(&w->path, i);

			sc_jw_fail(w, -EINVAL, "phases are not sorted by step_index, one per step");
			sc_jpath_pop(&w->path, saved);
		}
	}
	return write_array(w, &bucket_array_ops, s->phases, s->n_phases);
}

static const struct field scenario_stats_fields[] = {
	FLD_CUSTOM("cgroups", read_cgroups, write_cgroups),
	FLD(struct sc_scenario_stats, total_workers, FK_U64),
	FLD(struct sc_scenario_stats, total_cpus, FK_U64),
	FLD(struct sc_scenario_stats, total_migrations, FK_U64),
	FLD(struct sc_scenario_stats, total_iterations, FK_U64),
	FLD(struct sc_scenario_stats, worst_spread, FK_OPT_F64),
	FLD(struct sc_scenario_stats, worst_gap_ms, FK_U64),
	FLD(struct sc_scenario_stats, worst_gap_cpu, FK_U64),
	FLD_CUSTOM("phases", read_phases, write_phases),
	FLD(struct sc_scenario_stats, ext_metrics, FK_METRIC_MAP),
};

/* ---- the assert result ------------------------------------------------------- */

static const struct field detail_fields[] = {
	FLD(struct sc_assert_detail, check, FK_STR),
	FLD(struct sc_assert_detail, cgroup, FK_STR),
	FLD_PHASE(struct sc_assert_detail, phase, has_phase),
	FLD(struct sc_assert_detail, value, FK_OPT_F64),
	FLD(struct sc_assert_detail, limit, FK_OPT_F64),
	FLD(struct sc_assert_detail, unit, FK_STR),
	FLD(struct sc_assert_detail, message, FK_STR),
};

static const char *const outcome_kind_names[] = {
#define SC_X_(id, name) [SC_OUTCOME_##id] = name,
	SC_OUTCOME_KINDS(SC_X_)
#undef SC_X_
};

static int read_outcome_kind(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_outcome *o = base;
	const char *s;
	int k;

	if (!json_object_is_type(j, json_type_string))
		return sc_jr_fail(r, -EINVAL, "expected a string, got %s", sc_json_kind(j));
	s = json_object_get_string(j);
	for (k = 0; k < SC_OUTCOME_KIND_MAX; k++) {
		if (!strcmp(s, outcome_kind_names[k])) {
			o->kind = (enum sc_outcome_kind)k;
			return 0;
		}
	}
	return sc_jr_fail(r, -EINVAL,
			  "unknown outcome kind (expected skip, pass, inconclusive or fail)");
}

static struct json_object *write_outcome_kind(struct sc_jwriter *w, const void *base)
{
	const struct sc_outcome *o = base;

	if ((unsigned)o->kind >= SC_OUTCOME_KIND_MAX) {
		sc_jw_fail(w, -EINVAL, "invalid outcome kind %d", (int)o->kind);
		return NULL;
	}
	return sc_jw_str(w, outcome_kind_names[o->kind]);
}

static int read_outcome_detail(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_outcome *o = base;

	return read_struct(r, j, detail_fields, NFIELDS(detail_fields), &o->detail);
}

static struct json_object *write_outcome_detail(struct sc_jwriter *w, const void *base)
{
	const struct sc_outcome *o = base;

	return write_struct(w, detail_fields, NFIELDS(detail_fields), &o->detail);
}

static const struct field outcome_fields[] = {
	FLD_CUSTOM("kind", read_outcome_kind, write_outcome_kind),
	FLD_CUSTOM("detail", read_outcome_detail, write_outcome_detail),
};

static void outcome_init_v(void *e)
{
	struct sc_outcome *o = e;

	o->kind = SC_OUTCOME_PASS;
	sc_assert_detail_init(&o->detail);
}

static void outcome_release_v(void *e)
{
	struct sc_outcome *o = e;

	sc_assert_detail_release(&o->detail);
}

static int read_outcome(struct sc_jreader *r, struct json_object *j, void *e)
{
	return read_struct(r, j, outcome_fields, NFIELDS(outcome_fields), e);
}

static struct json_object *write_outcome(struct sc_jwriter *w, const void *e)
{
	return write_struct(w, outcome_fields, NFIELDS(outcome_fields), e);
}

static const struct array_ops outcome_array_ops = {
	.elem_size = sizeof(struct sc_outcome),
	.init = outcome_init_v,
	.release = outcome_release_v,
	.read = read_outcome,
	.write = write_outcome,
};

static const struct field pass_fields[] = {
	FLD(struct sc_pass_detail, name, FK_STR),
	FLD(struct sc_pass_detail, message, FK_STR),
	FLD_PHASE(struct sc_pass_detail, phase, has_phase),
	FLD(struct sc_pass_detail, value, FK_OPT_F64),
	FLD(struct sc_pass_detail, limit, FK_OPT_F64),
};

static void pass_init_v(void *e)
{
	sc_pass_detail_init(e);
}

static void pass_release_v(void *e)
{
	sc_pass_detail_release(e);
}

static int read_pass(struct sc_jreader *r, struct json_object *j, void *e)
{
	return read_struct(r, j, pass_fields, NFIELDS(pass_fields), e);
}

static struct json_object *write_pass(struct sc_jwriter *w, const void *e)
{
	return write_struct(w, pass_fields, NFIELDS(pass_fields), e);
}

static const struct array_ops pass_array_ops = {
	.elem_size = sizeof(struct sc_pass_detail),
	.max = SC_MAX_RECORDED_PASSES + 1,
	.init = pass_init_v,
	.release = pass_release_v,
	.read = read_pass,
	.write = write_pass,
};

static bool is_pass_sentinel(const struct sc_pass_detail *p)
{
	return p->name && !strcmp(p->name, SC_PASSES_TRUNCATION_SENTINEL_NAME);
}

/*
 * The bounded record: at most SC_MAX_RECORDED_PASSES real records and at
 * most one truncation sentinel, at the tail. Returns the offending index, or
 * n when the passes are well formed.
 */
static size_t passes_bad_index(const struct sc_pass_detail *p, size_t n, const char **why)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (is_pass_sentinel(&p[i])) {
			*why = "the truncation sentinel may only be the last record";
			return i;
		}
	}
	if (n > SC_MAX_RECORDED_PASSES && !is_pass_sentinel(&p[n - 1])) {
		*why = "more real records than SC_MAX_RECORDED_PASSES";
		return n - 1;
	}
	return n;
}

static int read_passes(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_assert_result *res = base;
	const char *why = NULL;
	void *arr = NULL;
	size_t n = 0, bad;
	int rc = read_array(r, j, &pass_array_ops, &arr, &n);

	if (rc < 0)
		return rc;
	res->passes = arr;
	res->n_passes = n;
	res->cap_passes = n;
	bad = passes_bad_index(res->passes, n, &why);
	if (bad < n) {
		sc_jpath_push_index(&r->path, bad);
		return sc_jr_fail(r, -EINVAL, "%s", why);
	}
	return 0;
}

static struct json_object *write_passes(struct sc_jwriter *w, const void *base)
{
	const struct sc_assert_result *res = base;
	const char *why = NULL;
	size_t bad = res->passes ? passes_bad_index(res->passes, res->n_passes, &why) : 0;

	if (res->passes && bad < res->n_passes) {
		size_t saved = sc_jpath_push_index(&w->path, bad);

		sc_jw_fail(w, -EINVAL, "%s", why);
		sc_jpath_pop(&w->path, saved);
	}
	return write_array(w, &pass_array_ops, res->passes, res->n_passes);
}

static int read_outcomes(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_assert_result *res = base;
	void *arr = NULL;
	size_t n = 0;
	int rc = read_array(r, j, &outcome_array_ops, &arr, &n);

	if (rc < 0)
		return rc;
	res->outcomes = arr;
	res->n_outcomes = n;
	res->cap_outcomes = n;
	return 0;
}

static struct json_object *write_outcomes(struct sc_jwriter *w, const void *base)
{
	const struct sc_assert_result *res = base;

	return write_array(w, &outcome_array_ops, res->outcomes, res->n_outcomes);
}

static int read_stats(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_assert_result *res = base;

	return read_struct(r, j, scenario_stats_fields, NFIELDS(scenario_stats_fields),
			   &res->stats);
}

static struct json_object *write_stats(struct sc_jwriter *w, const void *base)
{
	const struct sc_assert_result *res = base;

	return write_struct(w, scenario_stats_fields, NFIELDS(scenario_stats_fields), &res->stats);
}

static int read_measurements(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_assert_result *res = base;
	struct map_view v = { 0 };
	int rc = read_map(r, j, &measurement_map_ops, &v);

	if (rc < 0)
		return rc;
	res->measurements.e = v.e;
	res->measurements.len = v.len;
	res->measurements.cap = v.cap;
	return 0;
}

static struct json_object *write_measurements(struct sc_jwriter *w, const void *base)
{
	const struct sc_assert_result *res = base;

	return write_map(w, &measurement_map_ops, res->measurements.e, res->measurements.len);
}

static const struct field info_note_fields[] = {
	FLD(struct sc_info_note, source, FK_STR),
	FLD(struct sc_info_note, text, FK_STR),
};

static void info_note_init_v(void *e)
{
	memset(e, 0, sizeof(struct sc_info_note));
}

static void info_note_release_v(void *e)
{
	struct sc_info_note *n = e;

	free(n->source);
	free(n->text);
	memset(n, 0, sizeof(*n));
}

static int read_info_note(struct sc_jreader *r, struct json_object *j, void *e)
{
	return read_struct(r, j, info_note_fields, NFIELDS(info_note_fields), e);
}

static struct json_object *write_info_note(struct sc_jwriter *w, const void *e)
{
	return write_struct(w, info_note_fields, NFIELDS(info_note_fields), e);
}

static const struct array_ops info_note_array_ops = {
	.elem_size = sizeof(struct sc_info_note),
	.init = info_note_init_v,
	.release = info_note_release_v,
	.read = read_info_note,
	.write = write_info_note,
};

static int read_info_notes(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_assert_result *res = base;
	void *arr = NULL;
	size_t n = 0;
	int rc = read_array(r, j, &info_note_array_ops, &arr, &n);

	if (rc < 0)
		return rc;
	res->info_notes = arr;
	res->n_info_notes = n;
	res->cap_info_notes = n;
	return 0;
}

static struct json_object *write_info_notes(struct sc_jwriter *w, const void *base)
{
	const struct sc_assert_result *res = base;

	return write_array(w, &info_note_array_ops, res->info_notes, res->n_info_notes);
}

static const struct field result_fields[] = {
	FLD_CUSTOM("outcomes", read_outcomes, write_outcomes),
	FLD_CUSTOM("passes", read_passes, write_passes),
	FLD_CUSTOM("stats", read_stats, write_stats),
	FLD_CUSTOM("measurements", read_measurements, write_measurements),
	FLD_CUSTOM("info_notes", read_info_notes, write_info_notes),
};

/* ---- the top level --------------------------------------------------------- */

static int read_schema_version(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_sidecar *s = base;
	uint64_t v;
	int rc = sc_jr_u64(r, j, UINT32_MAX, &v);

	if (rc < 0)
		return rc;
	if (v != SC_SIDECAR_SCHEMA_VERSION)
		return sc_jr_fail(r, -EINVAL,
				  "schema version %llu is not supported (this build reads %d)",
				  (unsigned long long)v, SC_SIDECAR_SCHEMA_VERSION);
	s->schema_version = (uint32_t)v;
	return 0;
}

static struct json_object *write_schema_version(struct sc_jwriter *w, const void *base)
{
	/* The layout written is always this build's, whatever the struct says. */
	return sc_jw_u64(w, SC_SIDECAR_SCHEMA_VERSION);
}

static int read_runs(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_sidecar *s = base;
	void *arr = NULL;
	size_t n = 0;
	int rc = read_array(r, j, &run_info_array_ops, &arr, &n);

	if (rc < 0)
		return rc;
	s->runs = arr;
	s->n_runs = n;
	return 0;
}

static struct json_object *write_runs(struct sc_jwriter *w, const void *base)
{
	const struct sc_sidecar *s = base;

	return write_array(w, &run_info_array_ops, s->runs, s->n_runs);
}

static int read_result(struct sc_jreader *r, struct json_object *j, void *base)
{
	struct sc_sidecar *s = base;

	return read_struct(r, j, result_fields, NFIELDS(result_fields), &s->result);
}

static struct json_object *write_result(struct sc_jwriter *w, const void *base)
{
	const struct sc_sidecar *s = base;

	return write_struct(w, result_fields, NFIELDS(result_fields), &s->result);
}

static const struct field sidecar_fields[] = {
	FLD_CUSTOM("schema_version", read_schema_version, write_schema_version),
	FLD_CUSTOM("runs", read_runs, write_runs),
	FLD_CUSTOM("result", read_result, write_result),
};

/* ------------------------------------------------------------------------ */
/* Generic field reading and writing                                         */
/* ------------------------------------------------------------------------ */

static int read_cpu_set(struct sc_jreader *r, struct json_object *j, struct sc_cpu_set *set)
{
	size_t n, i, saved;
	uint64_t *cpus;
	int rc;

	rc = sc_jr_array(r, j, 0, &n);
	if (rc < 0 || !n)
		return rc;
	cpus = calloc(n, sizeof(*cpus));
	if (!cpus)
		return sc_jr_fail(r, -ENOMEM, "out of memory");
	set->cpus = cpus;
	set->cap = n;
	for (i = 0; i < n; i++) {
		saved = sc_jpath_push_index(&r->path, i);
		rc = sc_jr_u64(r, json_object_array_get_idx(j, i), UINT64_MAX, &cpus[i]);
		if (rc < 0)
			return rc;
		/* A set is written ascending without duplicates; anything else is not one. */
		if (i && cpus[i] <= cpus[i - 1])
			return sc_jr_fail(
				r, -EINVAL,
				"CPU %llu after %llu: a CPU set must be strictly ascending",
				(unsigned long long)cpus[i], (unsigned long long)cpus[i - 1]);
		set->len = i + 1;
		sc_jpath_pop(&r->path, saved);
	}
	return 0;
}

static int read_u64_vec(struct sc_jreader *r, struct json_object *j, size_t max,
			struct sc_u64_vec *vec)
{
	size_t n, i, saved;
	int rc;

	rc = sc_jr_array(r, j, max, &n);
	if (rc < 0 || !n)
		return rc;
	rc = sc_u64_vec_reserve(vec, n);
	if (rc < 0)
		return sc_jr_fail(r, rc, "out of memory");
	for (i = 0; i < n; i++) {
		saved = sc_jpath_push_index(&r->path, i);
		rc = sc_jr_u64(r, json_object_array_get_idx(j, i), UINT64_MAX, &vec->v[i]);
		if (rc < 0)
			return rc;
		vec->len = i + 1;
		sc_jpath_pop(&r->path, saved);
	}
	return 0;
}

static int read_f64_vec(struct sc_jreader *r, struct json_object *j, struct sc_f64_vec *vec)
{
	size_t n, i, saved;
	int rc;

	rc = sc_jr_array(r, j, 0, &n);
	if (rc < 0 || !n)
		return rc;
	rc = sc_f64_vec_reserve(vec, n);
	if (rc < 0)
		return sc_jr_fail(r, rc, "out of memory");
	for (i = 0; i < n; i++) {
		saved = sc_jpath_push_index(&r->path, i);
		rc = sc_jr_f64(r, json_object_array_get_idx(j, i), &vec->v[i]);
		if (rc < 0)
			return rc;
		vec->len = i + 1;
		sc_jpath_pop(&r->path, saved);
	}
	return 0;
}

static int read_field(struct sc_jreader *r, const struct field *f, struct json_object *j,
		      void *base)
{
	void *p = (char *)base + f->off;
	struct map_view v = { 0 };
	uint64_t u;
	int rc;

	switch (f->kind) {
	case FK_U64:
		return sc_jr_u64(r, j, f->max ? f->max : UINT64_MAX, p);
	case FK_U16:
		rc = sc_jr_u64(r, j, UINT16_MAX, &u);
		if (rc == 0)
			*(uint16_t *)p = (uint16_t)u;
		return rc;
	case FK_F64:
		return sc_jr_f64(r, j, p);
	case FK_OPT_F64:
		return sc_jr_opt_f64(r, j, p);
	case FK_BOOL:
		return sc_jr_bool(r, j, p);
	case FK_STR:
		return sc_jr_str(r, j, true, p);
	case FK_CPU_SET:
		return read_cpu_set(r, j, p);
	case FK_U64_VEC:
		return read_u64_vec(r, j, (size_t)f->max, p);
	case FK_F64_VEC:
		return read_f64_vec(r, j, p);
	case FK_METRIC_MAP:
		rc = read_map(r, j, &metric_map_ops, &v);
		if (rc == 0) {
			struct sc_metric_map *m = p;

			m->e = v.e;
			m->len = v.len;
			m->cap = v.cap;
		}
		return rc;
	case FK_OPT_PHASE:
		if (!j) {
			*(bool *)((char *)base + f->off2) = false;
			*(uint16_t *)p = 0;
			return 0;
		}
		rc = sc_jr_u64(r, j, UINT16_MAX, &u);
		if (rc == 0) {
			*(bool *)((char *)base + f->off2) = true;
			*(uint16_t *)p = (uint16_t)u;
		}
		return rc;
	case FK_CUSTOM:
		return f->read(r, j, base);
	}
	return -EINVAL;
}

static int read_struct(struct sc_jreader *r, struct json_object *j, const struct field *f, size_t n,
		       void *base)
{
	struct json_object *vals[MAX_FIELDS];
	const char *names[MAX_FIELDS];
	size_t i, saved;
	int rc;

	if (n > MAX_FIELDS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		names[i] = f[i].name;
	rc = sc_jr_fields(r, j, names, n, vals);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		saved = sc_jpath_push_key(&r->path, f[i].name);
		rc = read_field(r, &f[i], vals[i], base);
		if (rc < 0)
			return rc;
		sc_jpath_pop(&r->path, saved);
	}
	return 0;
}

static struct json_object *write_cpu_set(struct sc_jwriter *w, const struct sc_cpu_set *set)
{
	struct json_object *arr = sc_jw_array(w);
	size_t i;

	if (set->len && !set->cpus)
		sc_jw_fail(w, -EINVAL, "%zu CPUs but no array", set->len);
	for (i = 0; i < set->len && !w->rc; i++) {
		if (i && set->cpus[i] <= set->cpus[i - 1])
			sc_jw_fail(w, -EINVAL, "CPU set is not strictly ascending at index %zu", i);
		sc_jw_append(w, arr, sc_jw_u64(w, set->cpus[i]));
	}
	return arr;
}

static struct json_object *write_u64_vec(struct sc_jwriter *w, const struct sc_u64_vec *vec,
					 size_t max)
{
	struct json_object *arr = sc_jw_array(w);
	size_t i;

	if (vec->len && !vec->v)
		sc_jw_fail(w, -EINVAL, "%zu values but no array", vec->len);
	if (max && vec->len > max)
		sc_jw_fail(w, -E2BIG, "%zu values, more than the limit of %zu", vec->len, max);
	for (i = 0; i < vec->len && !w->rc; i++)
		sc_jw_append(w, arr, sc_jw_u64(w, vec->v[i]));
	return arr;
}

static struct json_object *write_f64_vec(struct sc_jwriter *w, const struct sc_f64_vec *vec)
{
	struct json_object *arr = sc_jw_array(w);
	size_t i;

	if (vec->len && !vec->v)
		sc_jw_fail(w, -EINVAL, "%zu values but no array", vec->len);
	for (i = 0; i < vec->len && !w->rc; i++)
		sc_jw_append(w, arr, sc_jw_f64(w, vec->v[i]));
	return arr;
}

static struct json_object *write_field(struct sc_jwriter *w, const struct field *f,
				       const void *base)
{
	const void *p = (const char *)base + f->off;
	const struct sc_metric_map *m;

	switch (f->kind) {
	case FK_U64:
		if (f->max && *(const uint64_t *)p > f->max)
			sc_jw_fail(w, -EINVAL, "value above the limit");
		return sc_jw_u64(w, *(const uint64_t *)p);
	case FK_U16:
		return sc_jw_u64(w, *(const uint16_t *)p);
	case FK_F64:
		return sc_jw_f64(w, *(const double *)p);
	case FK_OPT_F64:
		return sc_jw_opt_f64(w, *(const struct sc_opt_f64 *)p);
	case FK_BOOL:
		return sc_jw_bool(w, *(const bool *)p);
	case FK_STR:
		return sc_jw_str(w, *(char *const *)p);
	case FK_CPU_SET:
		return write_cpu_set(w, p);
	case FK_U64_VEC:
		return write_u64_vec(w, p, (size_t)f->max);
	case FK_F64_VEC:
		return write_f64_vec(w, p);
	case FK_METRIC_MAP:
		m = p;
		return write_map(w, &metric_map_ops, m->e, m->len);
	case FK_OPT_PHASE:
		if (!*(const bool *)((const char *)base + f->off2))
			return NULL;
		return sc_jw_u64(w, *(const uint16_t *)p);
	case FK_CUSTOM:
		return f->write(w, base);
	}
	sc_jw_fail(w, -EINVAL, "unknown field kind");
	return NULL;
}

static struct json_object *write_struct(struct sc_jwriter *w, const struct field *f, size_t n,
					const void *base)
{
	struct json_object *obj = sc_jw_object(w);
	size_t i, saved;

	for (i = 0; i < n && !w->rc; i++) {
		saved = sc_jpath_push_key(&w->path, f[i].name);
		sc_jw_put(w, obj, f[i].name, write_field(w, &f[i], base), true);
		sc_jpath_pop(&w->path, saved);
	}
	return obj;
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                 */
/* ------------------------------------------------------------------------ */

void sc_run_info_init(struct sc_run_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->loadavg_1min = sc_none_f64();
}

void sc_run_info_release(struct sc_run_info *ri)
{
	size_t i;

	if (!ri)
		return;
	free(ri->schedcheck_version);
	if (ri->argv) {
		for (i = 0; i < ri->argc; i++)
			free(ri->argv[i]);
		free(ri->argv);
	}
	free(ri->scenario);
	free(ri->hostname);
	free(ri->kernel_release);
	free(ri->kernel_version);
	free(ri->machine);
	free(ri->cpus_online);
	free(ri->scheduler);
	free(ri->clocksource);
	free(ri->cgroup_mode);
	sc_run_info_init(ri);
}

int sc_run_info_copy(struct sc_run_info *dst, const struct sc_run_info *src)
{
	struct sc_run_info t = *src;
	size_t i;
	int rc = 0;

	if (src->argc && !src->argv)
		return -EINVAL;
	t.argv = NULL;
	t.argc = 0;
	t.schedcheck_version = sc_strdup_or_null(src->schedcheck_version, &rc);
	t.scenario = sc_strdup_or_null(src->scenario, &rc);
	t.hostname = sc_strdup_or_null(src->hostname, &rc);
	t.kernel_release = sc_strdup_or_null(src->kernel_release, &rc);
	t.kernel_version = sc_strdup_or_null(src->kernel_version, &rc);
	t.machine = sc_strdup_or_null(src->machine, &rc);
	t.cpus_online = sc_strdup_or_null(src->cpus_online, &rc);
	t.scheduler = sc_strdup_or_null(src->scheduler, &rc);
	t.clocksource = sc_strdup_or_null(src->clocksource, &rc);
	t.cgroup_mode = sc_strdup_or_null(src->cgroup_mode, &rc);
	if (rc == 0 && src->argc) {
		/* NULL-terminated, like the argv the reader builds. */
		t.argv = calloc(src->argc + 1, sizeof(*t.argv));
		if (!t.argv)
			rc = -ENOMEM;
		for (i = 0; rc == 0 && i < src->argc; i++) {
			if (!src->argv[i]) {
				rc = -EINVAL;
				break;
			}
			t.argv[i] = strdup(src->argv[i]);
			if (!t.argv[i])
				rc = -ENOMEM;
			else
				t.argc = i + 1;
		}
	}
	if (rc < 0) {
		sc_run_info_release(&t);
		return rc;
	}
	*dst = t;
	return 0;
}

void sc_sidecar_init(struct sc_sidecar *s)
{
	memset(s, 0, sizeof(*s));
	s->schema_version = SC_SIDECAR_SCHEMA_VERSION;
	sc_assert_result_init(&s->result);
}

void sc_sidecar_release(struct sc_sidecar *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_runs; i++)
		sc_run_info_release(&s->runs[i]);
	free(s->runs);
	sc_assert_result_release(&s->result);
	sc_sidecar_init(s);
}

int sc_sidecar_merge(struct sc_sidecar *a, struct sc_sidecar *b)
{
	struct sc_run_info *runs;
	size_t n;
	int rc;

	if (a == b)
		return -EINVAL;
	if (__builtin_add_overflow(a->n_runs, b->n_runs, &n) || n > SIZE_MAX / sizeof(*runs))
		return -EOVERFLOW;
	/* Room first: once the results are merged nothing below can fail. */
	if (b->n_runs) {
		runs = realloc(a->runs, n * sizeof(*runs));
		if (!runs)
			return -ENOMEM;
		a->runs = runs;
	}
	rc = sc_assert_result_merge(&a->result, &b->result);
	if (rc < 0)
		return rc;
	if (b->n_runs)
		memcpy(a->runs + a->n_runs, b->runs, b->n_runs * sizeof(*runs));
	a->n_runs = n;
	free(b->runs);
	b->runs = NULL;
	b->n_runs = 0;
	sc_sidecar_release(b);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON text                                                                 */
/* ------------------------------------------------------------------------ */

static int to_json(const struct sc_sidecar *s, bool pretty, bool newline, char **out,
		   size_t *out_len, struct sc_error *err)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	struct sc_jwriter w = { 0 };
	struct json_object *root;
	locale_t old;
	const char *text;
	size_t len;
	char *copy;

	sc_jpath_init(&w.path);
	w.err = err;
	/* Float formatting must not follow LC_NUMERIC (a ',' decimal point). */
	w.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!w.c_locale) {
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	old = uselocale(w.c_locale);
	root = write_struct(&w, sidecar_fields, NFIELDS(sidecar_fields), s);
	uselocale(old);
	freelocale(w.c_locale);
	if (w.rc) {
		json_object_put(root);
		return w.rc;
	}

	if (pretty)
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	text = json_object_to_json_string_length(root, flags, &len);
	if (!text) {
		json_object_put(root);
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	copy = malloc(len + 2);
	if (!copy) {
		json_object_put(root);
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	if (newline)
		copy[len++] = '\n';
	copy[len] = '\0';
	json_object_put(root);
	*out = copy;
	if (out_len)
		*out_len = len;
	return 0;
}

int sc_sidecar_to_json(const struct sc_sidecar *s, bool pretty, char **out, size_t *out_len)
{
	return to_json(s, pretty, false, out, out_len, NULL);
}

int sc_sidecar_from_json(const char *buf, size_t len, struct sc_sidecar *out, struct sc_error *err)
{
	struct json_object *root = NULL, *version;
	struct sc_sidecar tmp;
	struct sc_jreader r;
	int rc;

	if (len > SC_SIDECAR_MAX_BYTES) {
		sc_error_set(err, "sidecar of %zu bytes is larger than the limit of %llu bytes",
			     len, (unsigned long long)SC_SIDECAR_MAX_BYTES);
		return -E2BIG;
	}
	rc = sc_json_parse_strict(buf, len, SC_SIDECAR_MAX_DEPTH, &root, err);
	if (rc < 0)
		return rc;

	sc_sidecar_init(&tmp);
	sc_jpath_init(&r.path);
	r.err = err;
	/* A newer schema fails on its version, not on its first unknown key. */
	if (json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, "schema_version", &version)) {
		sc_jpath_push_key(&r.path, "schema_version");
		rc = read_schema_version(&r, version, &tmp);
		sc_jpath_init(&r.path);
	}
	if (rc == 0)
		rc = read_struct(&r, root, sidecar_fields, NFIELDS(sidecar_fields), &tmp);
	json_object_put(root);
	if (rc < 0) {
		sc_sidecar_release(&tmp);
		return rc;
	}
	*out = tmp;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */
/* ------------------------------------------------------------------------ */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsyncs the directory holding `path`, so the rename itself is durable. */
static int sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a directory; the data is safe anyway. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = -errno;
	close(fd);
	return rc;
}

int sc_sidecar_write_file(const struct sc_sidecar *s, const char *path, struct sc_error *err)
{
	static const char suffix[] = ".tmpXXXXXX";
	char *text = NULL, *tmp = NULL;
	size_t len, plen;
	int fd = -1, rc;

	rc = to_json(s, true, true, &text, &len, err);
	if (rc < 0) {
		sc_error_prefix(err, "cannot write %s", path);
		return rc;
	}
	plen = strlen(path);
	tmp = malloc(plen + sizeof(suffix));
	if (!tmp) {
		rc = -ENOMEM;
		sc_error_set(err, "cannot write %s: %s", path, strerror(-rc));
		goto out;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, suffix, sizeof(suffix));
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		sc_error_set(err, "cannot create a temporary file next to %s: %s", path,
			     strerror(-rc));
		goto out;
	}
	/* mkostemp creates 0600; a result file is as readable as any other. */
	if (fchmod(fd, 0644) < 0) {
		rc = -errno;
		sc_error_set(err, "cannot set the mode of %s: %s", tmp, strerror(-rc));
		goto out;
	}
	rc = write_all(fd, text, len);
	if (rc < 0) {
		sc_error_set(err, "cannot write %s: %s", tmp, strerror(-rc));
		goto out;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		sc_error_set(err, "cannot sync %s: %s", tmp, strerror(-rc));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		rc = -errno;
		sc_error_set(err, "cannot close %s: %s", tmp, strerror(-rc));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		sc_error_set(err, "cannot rename %s to %s: %s", tmp, path, strerror(-rc));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = sync_parent_dir(path);
	if (rc < 0)
		sc_error_set(err, "cannot sync the directory of %s: %s", path, strerror(-rc));
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(text);
	return rc;
}

int sc_sidecar_read_file(const char *path, struct sc_sidecar *out, struct sc_error *err)
{
	const size_t limit = (size_t)SC_SIDECAR_MAX_BYTES;
	size_t len = 0, cap;
	struct stat st;
	char *buf = NULL, *p;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		sc_error_set(err, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		sc_error_set(err, "cannot stat %s: %s", path, strerror(-rc));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		sc_error_set(err, "cannot read %s: %s", path, strerror(EISDIR));
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit) {
		rc = -E2BIG;
		sc_error_set(err, "%s is larger than the sidecar limit of %zu bytes", path, limit);
		goto out;
	}
	/* Size from fstat is a hint only (pipes, /proc); the read loop decides. */
	cap = S_ISREG(st.st_mode) && (uint64_t)st.st_size < limit ? (size_t)st.st_size + 1 : 65536;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		sc_error_set(err, "cannot read %s: %s", path, strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			/* cap never exceeds limit + 1: reading that much is too much. */
			if (len > limit) {
				rc = -E2BIG;
				sc_error_set(err,
					     "%s is larger than the sidecar limit of %zu bytes",
					     path, limit);
				goto out;
			}
			cap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
			p = realloc(buf, cap);
			if (!p) {
				rc = -ENOMEM;
				sc_error_set(err, "cannot read %s: %s", path, strerror(ENOMEM));
				goto out;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			sc_error_set(err, "cannot read %s: %s", path, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = sc_sidecar_from_json(buf, len, out, err);
	if (rc < 0)
		sc_error_prefix(err, "%s", path);
out:
	free(buf);
	close(fd);
	return rc;
}
