// SPDX-License-Identifier: MIT
/*
 * Unit tests of the sidecar JSON reader/writer: lossless round trips of a
 * fully populated result, exact u64 and double text, path-naming errors,
 * hostile input (truncation, nesting, oversize reservoirs) and the corpus.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include <schedcheck/sidecar.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	assert_non_null(d);
	return d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	assert_non_null(p);
	return p;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

/* Replaces the first `from` in `s` with `to` (new allocation). */
static char *replace_once(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	size_t a, b, c;
	char *out;

	assert_non_null(p);
	a = (size_t)(p - s);
	b = strlen(to);
	c = strlen(p + strlen(from));
	out = malloc(a + b + c + 1);
	assert_non_null(out);
	memcpy(out, s, a);
	memcpy(out + a, to, b);
	memcpy(out + a + b, p + strlen(from), c + 1);
	return out;
}

static void u64_vec_set(struct sc_u64_vec *v, const uint64_t *x, size_t n)
{
	assert_int_equal(sc_u64_vec_append(v, x, n), 0);
}

static void f64_vec_set(struct sc_f64_vec *v, const double *x, size_t n)
{
	assert_int_equal(sc_f64_vec_append(v, x, n), 0);
}

static void cpus_set(struct sc_cpu_set *s, const uint64_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(sc_cpu_set_add(s, x[i]), 0);
}

static void metric(struct sc_metric_map *m, const char *name, double v)
{
	assert_int_equal(sc_metric_map_set(m, name, v), 0);
}

/* ------------------------------------------------------------------------ */
/* The fully populated fixture                                               */
/* ------------------------------------------------------------------------ */

static void fill_carrier_full(struct sc_phase_cgroup_stats *c, size_t n_wake)
{
	static const uint64_t cpus[] = { 2, 3, UINT64_MAX };
	static const uint64_t timer[] = { 5, 6 };
	static const uint64_t delays[] = { 100, 0, UINT64_MAX };
	static const double pcts[] = { 0.0, -0.0, 12.5, 100.0, 1e-310, 33.333333333333336 };
	size_t i;

	c->num_workers = UINT64_MAX;
	cpus_set(&c->cpus_used, cpus, 3);
	for (i = 0; i < n_wake; i++)
		assert_int_equal(
			sc_u64_vec_push(&c->wake_latencies_ns, i == 2 ? UINT64_MAX : i * 1000 + 7),
			0);
	c->wake_sample_total = UINT64_MAX;
	u64_vec_set(&c->timer_latencies_ns, timer, 2);
	c->timer_sample_total = 2;
	u64_vec_set(&c->run_delays_ns, delays, 3);
	f64_vec_set(&c->off_cpu_pcts, pcts, 6);
	c->total_migrations = 11;
	c->total_iterations = UINT64_MAX - 1;
	c->total_cpu_time_ns = 123456789012345ull;
	c->numa_pages_local = 10;
	c->numa_pages_total = 20;
	c->cross_node_migrated = 3;
	c->max_gap_ms = 42;
	c->max_gap_cpu = 3;
	c->stripped = true;
	metric(&c->metrics, "wake_p99_us", 1.5);
	metric(&c->metrics, "migration_ratio", 0.001);
	if (n_wake == 3) {
		/* Bucket edges, the top bucket, and a saturated bucket and total. */
		assert_int_equal(sc_schbench_stats_new(&c->schbench), 0);
		sc_lat_hist_add(&c->schbench->wakeup, 0);
		sc_lat_hist_add(&c->schbench->wakeup, 255);
		sc_lat_hist_add(&c->schbench->wakeup, 256);
		sc_lat_hist_add(&c->schbench->wakeup, 257);
		sc_lat_hist_add(&c->schbench->wakeup, 123456789);
		sc_lat_hist_add(&c->schbench->wakeup, UINT64_MAX);
		assert_int_equal(sc_lat_hist_add_bucket(&c->schbench->request, 300, UINT64_MAX), 0);
		sc_lat_hist_add(&c->schbench->request, 1000000);
		c->schbench->loop_count = UINT64_MAX;
		c->schbench->wall_ns = 1000000000;
		c->schbench->msg_run_delay_ns = 1;
		c->schbench->msg_pcount = 2;
		c->schbench->worker_run_delay_ns = 0;
		c->schbench->worker_pcount = UINT64_MAX;
	}
}

static void put_carrier(struct sc_phase_bucket *b, const char *name,
			struct sc_phase_cgroup_stats *c)
{
	assert_int_equal(sc_carrier_map_put(&b->per_cgroup, name, c), 0);
}

static void fill_detail(struct sc_assert_detail *d, const char *check, const char *cgroup,
			bool has_phase, uint16_t phase, struct sc_opt_f64 value,
			struct sc_opt_f64 limit, const char *unit, const char *message)
{
	d->check = xstrdup(check);
	d->cgroup = xstrdup(cgroup);
	d->has_phase = has_phase;
	d->phase = phase;
	d->value = value;
	d->limit = limit;
	d->unit = xstrdup(unit);
	d->message = xstrdup(message);
}

static void fill_run_full(struct sc_run_info *ri)
{
	static const char *const argv[] = { "schedcheck", "run", "--scenario",
					    "mixed \"quoted\" \xc3\xbc/\\ \xe2\x82\xac" };
	size_t i;

	sc_run_info_init(ri);
	ri->schedcheck_version = xstrdup("0.1.0");
	ri->argv = xcalloc(5, sizeof(char *));
	for (i = 0; i < 4; i++)
		ri->argv[i] = xstrdup(argv[i]);
	ri->argc = 4;
	ri->scenario = xstrdup("mixed");
	ri->start_unix_ns = 1700000000123456789ull;
	ri->end_unix_ns = UINT64_MAX;
	ri->hostname = xstrdup("host-1");
	ri->kernel_release = xstrdup("6.8.0-sched");
	ri->kernel_version = xstrdup("#1 SMP PREEMPT_DYNAMIC Tue Jan  2 00:00:00 UTC 2024");
	ri->machine = xstrdup("x86_64");
	ri->nr_cpus_online = 8;
	ri->nr_numa_nodes = 2;
	ri->cpus_online = xstrdup("0-7");
	ri->scheduler = xstrdup("scx_rusty");
	ri->clocksource = xstrdup("tsc");
	ri->loadavg_1min = sc_some_f64(0.25);
	ri->cgroup_mode = xstrdup("v2");
	ri->interrupted = false;
}

/*
 * Every field set at least once, UINT64_MAX values, absent optionals, NULL
 * strings, empty and non-empty maps, negative zero, subnormals and DBL_MAX.
 */
static void build_full(struct sc_sidecar *s)
{
	static const uint64_t cg_cpus[] = { 7, 0, 1, UINT64_MAX };
	struct sc_assert_result *r = &s->result;
	struct sc_scenario_stats *st = &r->stats;
	struct sc_cgroup_stats *cg;
	struct sc_phase_cgroup_stats c;
	struct sc_phase_bucket *b;
	struct sc_measurement *m;

	sc_sidecar_init(s);

	s->runs = xcalloc(2, sizeof(*s->runs));
	s->n_runs = 2;
	fill_run_full(&s->runs[0]);
	sc_run_info_init(&s->runs[1]);
	s->runs[1].interrupted = true;

	r->outcomes = xcalloc(4, sizeof(*r->outcomes));
	r->n_outcomes = r->cap_outcomes = 4;
	r->outcomes[0].kind = SC_OUTCOME_FAIL;
	fill_detail(&r->outcomes[0].detail, "max_gap", "web", true, 3, sc_some_f64(1500.5),
		    sc_some_f64(1000.0), "ms", "gap of 1500.5 ms exceeds 1000 ms");
	r->outcomes[1].kind = SC_OUTCOME_INCONCLUSIVE;
	fill_detail(&r->outcomes[1].detail, NULL, NULL, false, 0, sc_none_f64(), sc_none_f64(),
		    NULL, "no wake samples");
	r->outcomes[2].kind = SC_OUTCOME_PASS;
	fill_detail(&r->outcomes[2].detail, "spread", "batch", true, 0, sc_some_f64(-0.0),
		    sc_none_f64(), "pct", "ok");
	r->outcomes[3].kind = SC_OUTCOME_SKIP;
	fill_detail(&r->outcomes[3].detail, "numa", NULL, false, 0, sc_none_f64(),
		    sc_some_f64(-7.0), NULL, "no NUMA: \"1 node\"\n");

	r->passes = xcalloc(3, sizeof(*r->passes));
	r->n_passes = r->cap_passes = 3;
	r->passes[0].name = xstrdup("wake_p99");
	r->passes[0].message = xstrdup("p99 within limit");
	r->passes[0].has_phase = true;
	r->passes[0].phase = UINT16_MAX;
	r->passes[0].value = sc_some_f64(1e-300);
	r->passes[0].limit = sc_some_f64(4.9406564584124654e-324);
	r->passes[1].name = NULL;
	r->passes[1].message = NULL;
	r->passes[2].name = xstrdup(SC_PASSES_TRUNCATION_SENTINEL_NAME);
	r->passes[2].message = xstrdup("dropped");
	r->passes[2].value = sc_some_f64(42.0);

	st->cgroups = xcalloc(2, sizeof(*st->cgroups));
	st->n_cgroups = 2;
	cg = &st->cgroups[0];
	sc_cgroup_stats_init(cg);
	cg->cgroup_name = xstrdup("web");
	cg->num_workers = 4;
	cpus_set(&cg->cpus_used, cg_cpus, 4);
	cg->num_cpus = 4;
	cg->avg_off_cpu_pct = sc_some_f64(12.5);
	cg->min_off_cpu_pct = sc_some_f64(0.0);
	cg->max_off_cpu_pct = sc_some_f64(25.0);
	cg->spread = sc_some_f64(25.0);
	cg->max_gap_ms = UINT64_MAX;
	cg->max_gap_cpu = 7;
	cg->total_migrations = 123;
	cg->migration_ratio = 0.1;
	cg->p99_wake_latency_us = 123.456;
	cg->median_wake_latency_us = 7.25;
	cg->wake_latency_cv = DBL_MAX;
	cg->wake_measured = true;
	cg->median_timer_latency_us = 1.0 / 3.0;
	cg->p99_timer_latency_us = 2.0 / 3.0;
	cg->p999_timer_latency_us = 1e21;
	cg->worst_timer_latency_us = -1e-7;
	cg->timer_measured = true;
	cg->total_iterations = UINT64_MAX;
	cg->total_cpu_time_ns = 5000000000ull;
	cg->mean_run_delay_us = 3.5;
	cg->worst_run_delay_us = 99.75;
	cg->run_delay_measured = true;
	cg->page_locality = 1.0;
	cg->cross_node_migration_ratio = DBL_MIN;
	metric(&cg->ext_metrics, "iterations_per_worker", 2.5);
	metric(&cg->ext_metrics, "z_last", -1e-5);
	metric(&cg->ext_metrics, "\xc3\xa4_unicode key", 3.0);
	sc_cgroup_stats_init(&st->cgroups[1]);

	st->total_workers = 4;
	st->total_cpus = 4;
	st->total_migrations = UINT64_MAX;
	st->total_iterations = 0;
	st->worst_spread = sc_some_f64(25.0);
	st->worst_gap_ms = 10;
	st->worst_gap_cpu = 3;

	st->phases = xcalloc(3, sizeof(*st->phases));
	st->n_phases = 3;
	b = &st->phases[0];
	assert_int_equal(sc_phase_bucket_init(b, 0), 0);
	b->start_ms = 0;
	b->end_ms = 100;
	b->sample_count = 5;
	metric(&b->metrics, "cpu_util", 0.5);

	b = &st->phases[1];
	assert_int_equal(sc_phase_bucket_init(b, 1), 0);
	b->start_ms = UINT64_MAX; /* the merge-neutral guest window */
	b->end_ms = 0;
	sc_phase_cgroup_stats_init(&c);
	put_carrier(b, "batch", &c);
	sc_phase_cgroup_stats_init(&c);
	fill_carrier_full(&c, 3);
	put_carrier(b, "web", &c);

	b = &st->phases[2];
	assert_int_equal(sc_phase_bucket_init(b, UINT16_MAX), 0);
	b->start_ms = 100;
	b->end_ms = UINT64_MAX;
	b->sample_count = UINT64_MAX;
	metric(&b->metrics, "iteration_rate", 1234.5);
	metric(&b->metrics, "a_first", 0.0);
	sc_phase_cgroup_stats_init(&c);
	fill_carrier_full(&c, 10);
	put_carrier(b, "web", &c);

	metric(&st->ext_metrics, "worst_tail_ratio", 3.0);

	/* Measurements, sorted by key. */
	r->measurements.e = xcalloc(8, sizeof(*r->measurements.e));
	r->measurements.len = r->measurements.cap = 8;
	m = r->measurements.e;
	m[0].key = xstrdup("a_u64_max");
	m[0].value.type = SC_NOTE_U64;
	m[0].value.v.u64 = UINT64_MAX;
	m[1].key = xstrdup("b_u64_zero");
	m[1].value.type = SC_NOTE_U64;
	m[1].value.v.u64 = 0;
	m[2].key = xstrdup("c_i64_min");
	m[2].value.type = SC_NOTE_I64;
	m[2].value.v.i64 = INT64_MIN;
	m[3].key = xstrdup("d_i64_max");
	m[3].value.type = SC_NOTE_I64;
	m[3].value.v.i64 = INT64_MAX;
	m[4].key = xstrdup("e_f64");
	m[4].value.type = SC_NOTE_F64;
	m[4].value.v.f64 = -2.5e-7;
	m[5].key = xstrdup("f_bool");
	m[5].value.type = SC_NOTE_BOOL;
	m[5].value.v.b = true;
	m[6].key = xstrdup("g_text");
	m[6].value.type = SC_NOTE_TEXT;
	m[6].value.v.text = xstrdup("hello \"world\"\n\t/ \xf0\x9f\x98\x80");
	m[7].key = xstrdup("h_f64_integral");
	m[7].value.type = SC_NOTE_F64;
	m[7].value.v.f64 = 3.0;

	r->info_notes = xcalloc(2, sizeof(*r->info_notes));
	r->n_info_notes = r->cap_info_notes = 2;
	r->info_notes[0].source = xstrdup("runner");
	r->info_notes[0].text = xstrdup("kernel is tainted");
	r->info_notes[1].source = NULL;
	r->info_notes[1].text = xstrdup("plain note");
}

/* ------------------------------------------------------------------------ */
/* Deep equality, field by field                                             */
/* ------------------------------------------------------------------------ */

static void eq_f64(double a, double b)
{
	if (isnan(a)) {
		assert_true(isnan(b));
		return;
	}
	/* Bitwise: -0.0 and 0.0 are different values for a lossless format. */
	assert_memory_equal(&a, &b, sizeof(a));
}

static void eq_opt(struct sc_opt_f64 a, struct sc_opt_f64 b)
{
	assert_int_equal(a.present, b.present);
	if (a.present)
		eq_f64(a.value, b.value);
}

static void eq_str(const char *a, const char *b)
{
	if (!a || !b) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_string_equal(a, b);
}

static void eq_cpus(const struct sc_cpu_set *a, const struct sc_cpu_set *b)
{
	assert_true(sc_cpu_set_equal(a, b));
}

static void eq_u64v(const struct sc_u64_vec *a, const struct sc_u64_vec *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len)
		assert_memory_equal(a->v, b->v, a->len * sizeof(*a->v));
}

static void eq_f64v(const struct sc_f64_vec *a, const struct sc_f64_vec *b)
{
	size_t i;

	assert_int_equal(a->len, b->len);
	for (i = 0; i < a->len; i++)
		eq_f64(a->v[i], b->v[i]);
}

static void eq_metrics(const struct sc_metric_map *a, const struct sc_metric_map *b)
{
	size_t i;

	assert_int_equal(a->len, b->len);
	for (i = 0; i < a->len; i++) {
		assert_string_equal(a->e[i].name, b->e[i].name);
		eq_f64(a->e[i].value, b->e[i].value);
	}
}

static void eq_run(const struct sc_run_info *a, const struct sc_run_info *b)
{
	size_t i;

	eq_str(a->schedcheck_version, b->schedcheck_version);
	assert_int_equal(a->argc, b->argc);
	for (i = 0; i < a->argc; i++)
		eq_str(a->argv[i], b->argv[i]);
	if (b->argc)
		assert_null(b->argv[b->argc]); /* NULL-terminated */
	eq_str(a->scenario, b->scenario);
	assert_int_equal(a->start_unix_ns, b->start_unix_ns);
	assert_int_equal(a->end_unix_ns, b->end_unix_ns);
	eq_str(a->hostname, b->hostname);
	eq_str(a->kernel_release, b->kernel_release);
	eq_str(a->kernel_version, b->kernel_version);
	eq_str(a->machine, b->machine);
	assert_int_equal(a->nr_cpus_online, b->nr_cpus_online);
	assert_int_equal(a->nr_numa_nodes, b->nr_numa_nodes);
	eq_str(a->cpus_online, b->cpus_online);
	eq_str(a->scheduler, b->scheduler);
	eq_str(a->clocksource, b->clocksource);
	eq_opt(a->loadavg_1min, b->loadavg_1min);
	eq_str(a->cgroup_mode, b->cgroup_mode);
	assert_int_equal(a->interrupted, b->interrupted);
}

static void eq_cgroup(const struct sc_cgroup_stats *a, const struct sc_cgroup_stats *b)
{
	eq_str(a->cgroup_name, b->cgroup_name);
	assert_int_equal(a->num_workers, b->num_workers);
	eq_cpus(&a->cpus_used, &b->cpus_used);
	assert_int_equal(a->num_cpus, b->num_cpus);
	eq_opt(a->avg_off_cpu_pct, b->avg_off_cpu_pct);
	eq_opt(a->min_off_cpu_pct, b->min_off_cpu_pct);
	eq_opt(a->max_off_cpu_pct, b->max_off_cpu_pct);
	eq_opt(a->spread, b->spread);
	assert_int_equal(a->max_gap_ms, b->max_gap_ms);
	assert_int_equal(a->max_gap_cpu, b->max_gap_cpu);
	assert_int_equal(a->total_migrations, b->total_migrations);
	eq_f64(a->migration_ratio, b->migration_ratio);
	eq_f64(a->p99_wake_latency_us, b->p99_wake_latency_us);
	eq_f64(a->median_wake_latency_us, b->median_wake_latency_us);
	eq_f64(a->wake_latency_cv, b->wake_latency_cv);
	assert_int_equal(a->wake_measured, b->wake_measured);
	eq_f64(a->median_timer_latency_us, b->median_timer_latency_us);
	eq_f64(a->p99_timer_latency_us, b->p99_timer_latency_us);
	eq_f64(a->p999_timer_latency_us, b->p999_timer_latency_us);
	eq_f64(a->worst_timer_latency_us, b->worst_timer_latency_us);
	assert_int_equal(a->timer_measured, b->timer_measured);
	assert_int_equal(a->total_iterations, b->total_iterations);
	assert_int_equal(a->total_cpu_time_ns, b->total_cpu_time_ns);
	eq_f64(a->mean_run_delay_us, b->mean_run_delay_us);
	eq_f64(a->worst_run_delay_us, b->worst_run_delay_us);
	assert_int_equal(a->run_delay_measured, b->run_delay_measured);
	eq_f64(a->page_locality, b->page_locality);
	eq_f64(a->cross_node_migration_ratio, b->cross_node_migration_ratio);
	eq_metrics(&a->ext_metrics, &b->ext_metrics);
}

static void eq_carrier(const struct sc_phase_cgroup_stats *a, const struct sc_phase_cgroup_stats *b)
{
	assert_int_equal(a->num_workers, b->num_workers);
	eq_cpus(&a->cpus_used, &b->cpus_used);
	eq_u64v(&a->wake_latencies_ns, &b->wake_latencies_ns);
	assert_int_equal(a->wake_sample_total, b->wake_sample_total);
	eq_u64v(&a->timer_latencies_ns, &b->timer_latencies_ns);
	assert_int_equal(a->timer_sample_total, b->timer_sample_total);
	eq_u64v(&a->run_delays_ns, &b->run_delays_ns);
	eq_f64v(&a->off_cpu_pcts, &b->off_cpu_pcts);
	assert_int_equal(a->total_migrations, b->total_migrations);
	assert_int_equal(a->total_iterations, b->total_iterations);
	assert_int_equal(a->total_cpu_time_ns, b->total_cpu_time_ns);
	assert_int_equal(a->numa_pages_local, b->numa_pages_local);
	assert_int_equal(a->numa_pages_total, b->numa_pages_total);
	assert_int_equal(a->cross_node_migrated, b->cross_node_migrated);
	assert_int_equal(a->max_gap_ms, b->max_gap_ms);
	assert_int_equal(a->max_gap_cpu, b->max_gap_cpu);
	assert_int_equal(a->stripped, b->stripped);
	eq_metrics(&a->metrics, &b->metrics);
	assert_int_equal(a->schbench != NULL, b->schbench != NULL);
	if (a->schbench)
		assert_true(sc_schbench_stats_equal(a->schbench, b->schbench));
}

static void eq_bucket(const struct sc_phase_bucket *a, const struct sc_phase_bucket *b)
{
	size_t i;

	assert_int_equal(a->step_index, b->step_index);
	eq_str(a->label, b->label);
	assert_int_equal(a->start_ms, b->start_ms);
	assert_int_equal(a->end_ms, b->end_ms);
	assert_int_equal(a->sample_count, b->sample_count);
	eq_metrics(&a->metrics, &b->metrics);
	assert_int_equal(a->per_cgroup.len, b->per_cgroup.len);
	for (i = 0; i < a->per_cgroup.len; i++) {
		assert_string_equal(a->per_cgroup.e[i].name, b->per_cgroup.e[i].name);
		eq_carrier(&a->per_cgroup.e[i].stats, &b->per_cgroup.e[i].stats);
	}
}

static void eq_detail(const struct sc_assert_detail *a, const struct sc_assert_detail *b)
{
	eq_str(a->check, b->check);
	eq_str(a->cgroup, b->cgroup);
	assert_int_equal(a->has_phase, b->has_phase);
	if (a->has_phase)
		assert_int_equal(a->phase, b->phase);
	eq_opt(a->value, b->value);
	eq_opt(a->limit, b->limit);
	eq_str(a->unit, b->unit);
	eq_str(a->message, b->message);
}

static void eq_note(const struct sc_note_value *a, const struct sc_note_value *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case SC_NOTE_U64:
		assert_int_equal(a->v.u64, b->v.u64);
		break;
	case SC_NOTE_I64:
		assert_true(a->v.i64 == b->v.i64);
		break;
	case SC_NOTE_F64:
		eq_f64(a->v.f64, b->v.f64);
		break;
	case SC_NOTE_BOOL:
		assert_int_equal(a->v.b, b->v.b);
		break;
	case SC_NOTE_TEXT:
		eq_str(a->v.text, b->v.text);
		break;
	default:
		fail_msg("bad note type %d", (int)a->type);
	}
}

static void eq_sidecar(const struct sc_sidecar *a, const struct sc_sidecar *b)
{
	const struct sc_assert_result *ra = &a->result, *rb = &b->result;
	size_t i;

	assert_int_equal(b->schema_version, SC_SIDECAR_SCHEMA_VERSION);
	assert_int_equal(a->n_runs, b->n_runs);
	for (i = 0; i < a->n_runs; i++)
		eq_run(&a->runs[i], &b->runs[i]);
	assert_int_equal(ra->n_outcomes, rb->n_outcomes);
	for (i = 0; i < ra->n_outcomes; i++) {
		assert_int_equal(ra->outcomes[i].kind, rb->outcomes[i].kind);
		eq_detail(&ra->outcomes[i].detail, &rb->outcomes[i].detail);
	}
	assert_int_equal(ra->n_passes, rb->n_passes);
	for (i = 0; i < ra->n_passes; i++) {
		eq_str(ra->passes[i].name, rb->passes[i].name);
		eq_str(ra->passes[i].message, rb->passes[i].message);
		assert_int_equal(ra->passes[i].has_phase, rb->passes[i].has_phase);
		if (ra->passes[i].has_phase)
			assert_int_equal(ra->passes[i].phase, rb->passes[i].phase);
		eq_opt(ra->passes[i].value, rb->passes[i].value);
		eq_opt(ra->passes[i].limit, rb->passes[i].limit);
	}
	assert_int_equal(ra->stats.n_cgroups, rb->stats.n_cgroups);
	for (i = 0; i < ra->stats.n_cgroups; i++)
		eq_cgroup(&ra->stats.cgroups[i], &rb->stats.cgroups[i]);
	assert_int_equal(ra->stats.total_workers, rb->stats.total_workers);
	assert_int_equal(ra->stats.total_cpus, rb->stats.total_cpus);
	assert_int_equal(ra->stats.total_migrations, rb->stats.total_migrations);
	assert_int_equal(ra->stats.total_iterations, rb->stats.total_iterations);
	eq_opt(ra->stats.worst_spread, rb->stats.worst_spread);
	assert_int_equal(ra->stats.worst_gap_ms, rb->stats.worst_gap_ms);
	assert_int_equal(ra->stats.worst_gap_cpu, rb->stats.worst_gap_cpu);
	assert_int_equal(ra->stats.n_phases, rb->stats.n_phases);
	for (i = 0; i < ra->stats.n_phases; i++)
		eq_bucket(&ra->stats.phases[i], &rb->stats.phases[i]);
	eq_metrics(&ra->stats.ext_metrics, &rb->stats.ext_metrics);
	assert_int_equal(ra->measurements.len, rb->measurements.len);
	for (i = 0; i < ra->measurements.len; i++) {
		assert_string_equal(ra->measurements.e[i].key, rb->measurements.e[i].key);
		eq_note(&ra->measurements.e[i].value, &rb->measurements.e[i].value);
	}
	assert_int_equal(ra->n_info_notes, rb->n_info_notes);
	for (i = 0; i < ra->n_info_notes; i++) {
		eq_str(ra->info_notes[i].source, rb->info_notes[i].source);
		eq_str(ra->info_notes[i].text, rb->info_notes[i].text);
	}
}

/* ------------------------------------------------------------------------ */
/* Parse helpers                                                             */
/* ------------------------------------------------------------------------ */

static char *to_json(const struct sc_sidecar *s, bool pretty)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(sc_sidecar_to_json(s, pretty, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

static char *full_json(bool pretty)
{
	struct sc_sidecar s;
	char *out;

	build_full(&s);
	out = to_json(&s, pretty);
	sc_sidecar_release(&s);
	return out;
}

/*
 * Parses `text`, expecting failure with code `rc` and a message containing
 * `want`; checks *out was not touched.
 */
static void expect_error(const char *text, size_t len, int rc, const char *want)
{
	struct sc_sidecar out;
	struct sc_sidecar canary;
	struct sc_error err;
	int got;

	memset(&out, 0xa5, sizeof(out));
	memset(&canary, 0xa5, sizeof(canary));
	memset(&err, 0, sizeof(err));
	got = sc_sidecar_from_json(text, len, &out, &err);
	if (got >= 0 || (rc && got != rc) || (want && !strstr(err.msg, want)))
		fail_msg("expected error %d containing \"%s\", got %d: \"%s\"", rc,
			 want ? want : "", got, err.msg);
	assert_true(err.msg[0] != '\0');
	assert_memory_equal(&out, &canary, sizeof(out));
}

static void expect_error_str(const char *text, int rc, const char *want)
{
	expect_error(text, strlen(text), rc, want);
}

static void parse_ok(const char *text, size_t len, struct sc_sidecar *out)
{
	struct sc_error err = { { 0 } };
	int rc = sc_sidecar_from_json(text, len, out, &err);

	if (rc < 0)
		fail_msg("parse failed (%d): %s", rc, err.msg);
}

/* write(read(text)) must equal text byte for byte (text is our own output). */
static void assert_stable(const char *text, bool pretty)
{
	struct sc_sidecar s;
	char *again;

	parse_ok(text, strlen(text), &s);
	again = to_json(&s, pretty);
	assert_string_equal(again, text);
	free(again);
	sc_sidecar_release(&s);
}

/*
 * A JSON-path-addressed edit of a document: the value at `path` (a.b[2].c)
 * replaced by the raw text `repl`, or removed when `repl` is NULL. With
 * `add_key`, `path` names an object that gains `add_key: repl`.
 */
static char *edit(const char *text, const char *path, const char *add_key, const char *repl)
{
	struct json_object *root = json_tokener_parse(text), *cur = root, *parent = NULL;
	char key[256] = "";
	const char *p = path;
	long idx = -1;
	char *out, *result;

	assert_non_null(root);
	while (*p) {
		parent = cur;
		if (*p == '.')
			p++;
		if (*p == '[') {
			idx = strtol(p + 1, (char **)&p, 10);
			assert_true(*p == ']');
			p++;
			cur = json_object_array_get_idx(parent, (size_t)idx);
			key[0] = '\0';
		} else {
			size_t n = strcspn(p, ".[");

			assert_true(n < sizeof(key));
			memcpy(key, p, n);
			key[n] = '\0';
			p += n;
			idx = -1;
			assert_true(json_object_object_get_ex(parent, key, &cur));
		}
	}
	if (add_key) {
		json_object_object_add(cur, add_key, json_object_new_string("@@REPL@@"));
	} else if (!repl) {
		assert_non_null(parent);
		if (key[0])
			json_object_object_del(parent, key);
		else
			json_object_array_del_idx(parent, (size_t)idx, 1);
	} else if (!parent) {
		json_object_put(root);
		return xstrdup(repl);
	} else if (key[0]) {
		json_object_object_add(parent, key, json_object_new_string("@@REPL@@"));
	} else {
		json_object_array_put_idx(parent, (size_t)idx, json_object_new_string("@@REPL@@"));
	}
	out = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	if (!repl)
		return out;
	result = replace_once(out, "\"@@REPL@@\"", repl);
	free(out);
	return result;
}

static void expect_edit_error(const char *base, const char *path, const char *add_key,
			      const char *repl, int rc, const char *want)
{
	char *text = edit(base, path, add_key, repl);

	expect_error_str(text, rc, want);
	free(text);
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                               */
/* ------------------------------------------------------------------------ */

static void test_round_trip_full(void **state)
{
	struct sc_sidecar s, back;
	int pretty;

	build_full(&s);
	for (pretty = 0; pretty <= 1; pretty++) {
		char *text = to_json(&s, pretty), *again;

		parse_ok(text, strlen(text), &back);
		eq_sidecar(&s, &back);
		again = to_json(&back, pretty);
		assert_string_equal(again, text);
		free(again);
		sc_sidecar_release(&back);
		free(text);
	}
	sc_sidecar_release(&s);
}

static void test_round_trip_empty(void **state)
{
	static const char expected[] =
		"{\"schema_version\":1,\"runs\":[],\"result\":{\"outcomes\":[],\"passes\":[],"
		"\"stats\":{\"cgroups\":[],\"total_workers\":0,\"total_cpus\":0,"
		"\"total_migrations\":0,\"total_iterations\":0,\"worst_spread\":null,"
		"\"worst_gap_ms\":0,\"worst_gap_cpu\":0,\"phases\":[],\"ext_metrics\":{}},"
		"\"measurements\":{},\"info_notes\":[]}}";
	struct sc_sidecar s, back;
	char *text;

	sc_sidecar_init(&s);
	text = to_json(&s, false);
	assert_string_equal(text, expected);
	parse_ok(text, strlen(text), &back);
	eq_sidecar(&s, &back);
	assert_null(back.runs);
	assert_null(back.result.outcomes);
	free(text);
	sc_sidecar_release(&back);
	sc_sidecar_release(&s);
}

/* The exact text of the values whose spelling the schema pins down. */
static void test_exact_value_text(void **state)
{
	char *text = full_json(false);

	assert_non_null(
		strstr(text, "\"a_u64_max\":{\"type\":\"u64\",\"value\":18446744073709551615}"));
	assert_non_null(
		strstr(text, "\"c_i64_min\":{\"type\":\"i64\",\"value\":-9223372036854775808}"));
	assert_non_null(
		strstr(text, "\"d_i64_max\":{\"type\":\"i64\",\"value\":9223372036854775807}"));
	assert_non_null(strstr(text, "\"e_f64\":{\"type\":\"f64\",\"value\":-2.5e-07}"));
	assert_non_null(strstr(text, "\"f_bool\":{\"type\":\"bool\",\"value\":true}"));
	assert_non_null(strstr(text, "\"h_f64_integral\":{\"type\":\"f64\",\"value\":3.0}"));
	/* Shortest round-trip doubles, integral ones with ".0", -0.0 kept. */
	assert_non_null(strstr(text, "\"migration_ratio\":0.1,"));
	assert_non_null(strstr(text, "\"wake_latency_cv\":1.7976931348623157e+308,"));
	assert_non_null(strstr(text, "\"page_locality\":1.0,"));
	assert_non_null(strstr(text, "\"p999_timer_latency_us\":1e+21,"));
	assert_non_null(
		strstr(text, "\"off_cpu_pcts\":[0.0,-0.0,12.5,100.0,1e-310,33.333333333333336]"));
	/* Optionals: absent -> null; Phase a bare integer; CPU sets sorted. */
	assert_non_null(strstr(text, "{\"kind\":\"inconclusive\",\"detail\":{\"check\":null,"
				     "\"cgroup\":null,\"phase\":null,\"value\":null,\"limit\":null,"
				     "\"unit\":null,\"message\":\"no wake samples\"}}"));
	assert_non_null(strstr(text,
			       "{\"kind\":\"fail\",\"detail\":{\"check\":\"max_gap\","
			       "\"cgroup\":\"web\",\"phase\":3,\"value\":1500.5,\"limit\":1000.0,"
			       "\"unit\":\"ms\",\"message\":"));
	assert_non_null(strstr(text, "\"cpus_used\":[0,1,7,18446744073709551615]"));
	/* Maps are objects with sorted keys; no slash escaping. */
	assert_non_null(strstr(text, "\"metrics\":{\"a_first\":0.0,\"iteration_rate\":1234.5}"));
	assert_non_null(
		strstr(text, "\"--scenario\",\"mixed \\\"quoted\\\" \xc3\xbc/\\\\ \xe2\x82\xac\""));
	assert_non_null(
		strstr(text, "\"schema_version\":1,\"runs\":[{\"schedcheck_version\":\"0.1.0\""));
	free(text);
}

static void test_pretty_is_indented(void **state)
{
	char *text = full_json(true);

	assert_true(strncmp(text, "{\n  \"schema_version\": 1,\n  \"runs\": [\n", 37) == 0);
	assert_non_null(strstr(text, "\n    \"outcomes\": [\n"));
	assert_stable(text, true);
	free(text);
}

/* Non-finite doubles are written as null; they read back as NaN or absent. */
static void test_non_finite(void **state)
{
	struct sc_sidecar s, back;
	struct sc_cgroup_stats *cg;
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;
	double vals[] = { NAN, INFINITY, -INFINITY, 1.0 };
	struct sc_note_value nv = { .type = SC_NOTE_F64, .v.f64 = -INFINITY };
	char *text, *again;
	double d;

	sc_sidecar_init(&s);
	cg = xcalloc(1, sizeof(*cg));
	sc_cgroup_stats_init(cg);
	cg->migration_ratio = NAN;
	cg->p99_wake_latency_us = INFINITY;
	cg->spread = sc_some_f64(-INFINITY);
	metric(&cg->ext_metrics, "inf", INFINITY);
	s.result.stats.cgroups = cg;
	s.result.stats.n_cgroups = 1;
	assert_int_equal(sc_phase_bucket_init(&b, 2), 0);
	sc_phase_cgroup_stats_init(&c);
	f64_vec_set(&c.off_cpu_pcts, vals, 4);
	put_carrier(&b, "x", &c);
	assert_int_equal(sc_scenario_stats_put_phase(&s.result.stats, &b), 0);
	assert_int_equal(sc_assert_result_note_value(&s.result, "nv", &nv), 0);

	text = to_json(&s, false);
	assert_non_null(strstr(text, "\"spread\":null"));
	assert_non_null(strstr(text, "\"migration_ratio\":null"));
	assert_non_null(strstr(text, "\"p99_wake_latency_us\":null"));
	assert_non_null(strstr(text, "\"ext_metrics\":{\"inf\":null}"));
	assert_non_null(strstr(text, "\"off_cpu_pcts\":[null,null,null,1.0]"));
	assert_non_null(strstr(text, "\"nv\":{\"type\":\"f64\",\"value\":null}"));
	/* No NaN / Infinity / inf literal anywhere. */
	assert_null(strstr(text, "Infinity"));
	assert_null(strstr(text, "NaN"));
	assert_null(strstr(text, ":inf"));
	assert_null(strstr(text, ":-inf"));
	assert_null(strstr(text, ":nan"));

	parse_ok(text, strlen(text), &back);
	cg = &back.result.stats.cgroups[0];
	assert_true(isnan(cg->migration_ratio));
	assert_true(isnan(cg->p99_wake_latency_us));
	assert_false(cg->spread.present); /* Some(non-finite) reads back as absent */
	assert_true(sc_metric_map_get(&cg->ext_metrics, "inf", &d));
	assert_true(isnan(d));
	{
		const struct sc_phase_cgroup_stats *pc =
			sc_carrier_map_find(&back.result.stats.phases[0].per_cgroup, "x");

		assert_non_null(pc);
		assert_int_equal(pc->off_cpu_pcts.len, 4);
		assert_true(isnan(pc->off_cpu_pcts.v[0]) && isnan(pc->off_cpu_pcts.v[1]) &&
			    isnan(pc->off_cpu_pcts.v[2]));
		assert_true(pc->off_cpu_pcts.v[3] == 1.0);
	}
	assert_true(isnan(sc_measurement_map_get(&back.result.measurements, "nv")->v.f64));
	again = to_json(&back, false);
	assert_string_equal(again, text);

	free(again);
	free(text);
	sc_sidecar_release(&back);
	sc_sidecar_release(&s);
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Every finite double survives the text form bit for bit. */
static void test_double_exact(void **state)
{
	static const double special[] = {
		0.1,
		0.2,
		0.3,
		1.0 / 3.0,
		-2.0 / 3.0,
		DBL_MAX,
		-DBL_MAX,
		DBL_MIN,
		4.9406564584124654e-324,
		-4.9406564584124654e-324,
		9007199254740993.0,
		18446744073709551616.0,
		1e22,
		1e23,
		123456789.123456789,
		5e-324,
		2.2250738585072009e-308,
		-0.0,
		0.0,
		100.0,
		1e16,
		1e-7,
	};
	const size_t n_special = sizeof(special) / sizeof(special[0]);
	const size_t n = n_special + 20000;
	struct sc_sidecar s, back;
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;
	const struct sc_phase_cgroup_stats *pc;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	double *v = xcalloc(n, sizeof(*v));
	char *text, buf[64];
	size_t i;

	memcpy(v, special, sizeof(special));
	for (i = n_special; i < n; i++) {
		uint64_t bits;

		do {
			bits = xorshift(&x);
			memcpy(&v[i], &bits, sizeof(bits));
		} while (!isfinite(v[i]));
	}
	sc_sidecar_init(&s);
	assert_int_equal(sc_phase_bucket_init(&b, 0), 0);
	sc_phase_cgroup_stats_init(&c);
	f64_vec_set(&c.off_cpu_pcts, v, n);
	put_carrier(&b, "w", &c);
	assert_int_equal(sc_scenario_stats_put_phase(&s.result.stats, &b), 0);
	text = to_json(&s, false);
	parse_ok(text, strlen(text), &back);
	pc = sc_carrier_map_find(&back.result.stats.phases[0].per_cgroup, "w");
	assert_non_null(pc);
	assert_int_equal(pc->off_cpu_pcts.len, n);
	for (i = 0; i < n; i++) {
		if (memcmp(&pc->off_cpu_pcts.v[i], &v[i], sizeof(double)))
			fail_msg("double %zu (%.17g) read back as %.17g", i, v[i],
				 pc->off_cpu_pcts.v[i]);
	}
	/* Shortest form: 0.1 is "0.1", not "0.10000000000000001". */
	snprintf(buf, sizeof(buf), "[0.1,0.2,0.3,0.3333333333333333,-0.6666666666666666,");
	assert_non_null(strstr(text, buf));
	assert_non_null(strstr(text, ",9007199254740992.0,1.8446744073709552e+19,1e+22,1e+23,"));
	assert_stable(text, false);
	free(text);
	free(v);
	sc_sidecar_release(&back);
	sc_sidecar_release(&s);
}

/* Under a ',' decimal-point locale the text is unchanged and still parses. */
static void test_locale_independent(void **state)
{
	static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8",  "fr_FR.UTF-8",
					       "fr_FR.utf8",  "ru_RU.UTF-8", "nl_NL.UTF-8" };
	char *c_text = full_json(false), *l_text;
	struct sc_sidecar back;
	const char *used = NULL;
	size_t i;

	for (i = 0; i < sizeof(locales) / sizeof(locales[0]) && !used; i++) {
		if (setlocale(LC_ALL, locales[i]))
			used = locales[i];
	}
	if (!used || strcmp(localeconv()->decimal_point, ",") != 0) {
		setlocale(LC_ALL, "C");
		free(c_text);
		/* The locale is a system package; say so rather than pass. */
		print_message("no ',' decimal-point locale installed (set LOCPATH to a "
			      "localedef'd de_DE.UTF-8 to run this)\n");
		skip();
		return;
	}
	l_text = full_json(false);
	assert_string_equal(l_text, c_text);
	parse_ok(l_text, strlen(l_text), &back);
	assert_true(back.result.stats.cgroups[0].migration_ratio == 0.1);
	assert_true(back.result.stats.cgroups[0].p99_wake_latency_us == 123.456);
	sc_sidecar_release(&back);
	setlocale(LC_ALL, "C");
	free(l_text);
	free(c_text);
}

/* ------------------------------------------------------------------------ */
/* Integers                                                                  */
/* ------------------------------------------------------------------------ */

static void test_u64_limits(void **state)
{
	char *base = full_json(false), *text;
	struct sc_sidecar s;

	/* 0 and UINT64_MAX are read exactly. */
	text = edit(base, "result.stats.total_workers", NULL, "18446744073709551615");
	parse_ok(text, strlen(text), &s);
	assert_true(s.result.stats.total_workers == UINT64_MAX);
	sc_sidecar_release(&s);
	free(text);
	text = edit(base, "result.stats.total_migrations", NULL, "0");
	parse_ok(text, strlen(text), &s);
	assert_true(s.result.stats.total_migrations == 0);
	sc_sidecar_release(&s);
	free(text);

	/* One past u64 is refused (json-c would clamp it) with line and column. */
	expect_error_str("{\"schema_version\":1,\"runs\":[18446744073709551616]}", -EINVAL,
			 "line 1 col 29: integer out of range");
	expect_edit_error(base, "result.stats.total_workers", NULL, "18446744073709551616", -EINVAL,
			  "integer out of range");
	expect_edit_error(base, "result.stats.total_workers", NULL, "99999999999999999999999",
			  -EINVAL, "integer out of range");
	expect_edit_error(base, "result.stats.total_workers", NULL, "-9223372036854775809", -EINVAL,
			  "integer out of range");
	/* Negatives, fractions and exponents are not unsigned integers. */
	expect_edit_error(base, "result.stats.total_workers", NULL, "-1", -EINVAL,
			  "result.stats.total_workers: expected an unsigned integer, got negative "
			  "integer -1");
	expect_edit_error(base, "result.stats.total_workers", NULL, "-9223372036854775808", -EINVAL,
			  "got negative integer -9223372036854775808");
	expect_edit_error(
		base, "result.stats.total_workers", NULL, "1.0", -EINVAL,
		"result.stats.total_workers: expected an unsigned integer, got non-integer "
		"number");
	expect_edit_error(base, "result.stats.total_workers", NULL, "1e2", -EINVAL,
			  "expected an unsigned integer, got non-integer number");
	/* u16 fields. */
	expect_edit_error(
		base, "result.stats.phases[2].step_index", NULL, "65536", -EINVAL,
		"result.stats.phases[2].step_index: 65536 is out of range (at most 65535)");
	expect_edit_error(base, "result.outcomes[0].detail.phase", NULL, "70000", -EINVAL,
			  "result.outcomes[0].detail.phase: 70000 is out of range (at most 65535)");
	/* i64 measurements: the full signed range, nothing beyond. */
	expect_edit_error(base, "result.measurements.d_i64_max.value", NULL, "9223372036854775808",
			  -EINVAL,
			  "result.measurements.d_i64_max.value: 9223372036854775808 is out of "
			  "the signed 64-bit range");
	text = edit(base, "result.measurements.d_i64_max.value", NULL, "-5");
	parse_ok(text, strlen(text), &s);
	assert_true(sc_measurement_map_get(&s.result.measurements, "d_i64_max")->v.i64 == -5);
	sc_sidecar_release(&s);
	free(text);
	/* f64 fields take integers, including past 2^53. */
	text = edit(base, "result.stats.cgroups[0].migration_ratio", NULL, "18446744073709551615");
	parse_ok(text, strlen(text), &s);
	assert_true(s.result.stats.cgroups[0].migration_ratio == 18446744073709551615.0);
	sc_sidecar_release(&s);
	free(text);
	text = edit(base, "result.stats.cgroups[0].migration_ratio", NULL, "-3");
	parse_ok(text, strlen(text), &s);
	assert_true(s.result.stats.cgroups[0].migration_ratio == -3.0);
	sc_sidecar_release(&s);
	free(text);
	expect_edit_error(
		base, "result.stats.cgroups[0].migration_ratio", NULL, "1e400", -EINVAL,
		"result.stats.cgroups[0].migration_ratio: number out of the double range");
	free(base);
}

/* ------------------------------------------------------------------------ */
/* Type, key and invariant errors name the path                              */
/* ------------------------------------------------------------------------ */

struct path_case {
	const char *path;
	const char *add_key; /* add this key to the object at path */
	const char *repl;    /* NULL: delete */
	int rc;
	const char *want;
};

static void test_errors_name_the_path(void **state)
{
	static const struct path_case cases[] = {
		{ "result.stats.phases[2].per_cgroup.web.wake_latencies_ns[7]", NULL, "\"x\"",
		  -EINVAL,
		  "result.stats.phases[2].per_cgroup.web.wake_latencies_ns[7]: expected an "
		  "unsigned "
		  "integer, got string" },
		{ "result.stats.phases[1].per_cgroup.batch.off_cpu_pcts", NULL, "[1,\"a\"]",
		  -EINVAL,
		  "result.stats.phases[1].per_cgroup.batch.off_cpu_pcts[1]: expected a number or "
		  "null, got string" },
		{ "result.stats.phases[1].per_cgroup.web.stripped", NULL, "1", -EINVAL,
		  "result.stats.phases[1].per_cgroup.web.stripped: expected true or false, got "
		  "integer" },
		{ "result.stats.phases[1].per_cgroup.web.metrics.wake_p99_us", NULL, "\"1.5\"",
		  -EINVAL,
		  "result.stats.phases[1].per_cgroup.web.metrics.wake_p99_us: expected a "
		  "number or null, got string" },
		{ "result.stats.cgroups[0].cpus_used[1]", NULL, "true", -EINVAL,
		  "result.stats.cgroups[0].cpus_used[1]: expected an unsigned integer, got "
		  "boolean" },
		{ "result.stats.cgroups[0].cgroup_name", NULL, "7", -EINVAL,
		  "result.stats.cgroups[0].cgroup_name: expected a string or null, got integer" },
		{ "result.stats.cgroups[0].avg_off_cpu_pct", NULL, "[]", -EINVAL,
		  "result.stats.cgroups[0].avg_off_cpu_pct: expected a number or null, got array" },
		{ "result.stats.cgroups[1].ext_metrics", NULL, "[]", -EINVAL,
		  "result.stats.cgroups[1].ext_metrics: expected an object, got array" },
		{ "result.stats.cgroups[0].ext_metrics.\xc3\xa4_unicode key", NULL, "{}", -EINVAL,
		  "result.stats.cgroups[0].ext_metrics[\"\xc3\xa4_unicode key\"]: expected a "
		  "number "
		  "or null, got object" },
		{ "result.stats.cgroups[0].num_workers", NULL, "null", -EINVAL,
		  "result.stats.cgroups[0].num_workers: expected an unsigned integer, got null" },
		{ "result.stats.cgroups[0].wake_measured", NULL, "null", -EINVAL,
		  "result.stats.cgroups[0].wake_measured: expected true or false, got null" },
		{ "result.stats.phases[0].per_cgroup", NULL, "[]", -EINVAL,
		  "result.stats.phases[0].per_cgroup: expected an object, got array" },
		{ "result.stats.phases[0].label", NULL, "{}", -EINVAL,
		  "result.stats.phases[0].label: expected a string or null, got object" },
		{ "result.stats", NULL, "5", -EINVAL,
		  "result.stats: expected an object, got integer" },
		{ "result.outcomes", NULL, "{}", -EINVAL,
		  "result.outcomes: expected an array, got object" },
		{ "result.outcomes[0].kind", NULL, "\"bogus\"", -EINVAL,
		  "result.outcomes[0].kind: unknown outcome kind" },
		{ "result.outcomes[0].kind", NULL, "3", -EINVAL,
		  "result.outcomes[0].kind: expected a string, got integer" },
		{ "result.outcomes[1].detail.message", NULL, "false", -EINVAL,
		  "result.outcomes[1].detail.message: expected a string or null, got boolean" },
		{ "result.passes[0].phase", NULL, "-1", -EINVAL,
		  "result.passes[0].phase: expected an unsigned integer, got negative integer -1" },
		{ "result.measurements.a_u64_max.type", NULL, "\"u32\"", -EINVAL,
		  "result.measurements.a_u64_max.type: unknown value type" },
		{ "result.measurements.a_u64_max.value", NULL, "1.5", -EINVAL,
		  "result.measurements.a_u64_max.value: expected an unsigned integer, got "
		  "non-integer "
		  "number" },
		{ "result.measurements.f_bool.value", NULL, "\"true\"", -EINVAL,
		  "result.measurements.f_bool.value: expected true or false, got string" },
		{ "result.measurements.g_text.value", NULL, "[]", -EINVAL,
		  "result.measurements.g_text.value: expected a string or null, got array" },
		{ "result.measurements.e_f64", NULL, "1", -EINVAL,
		  "result.measurements.e_f64: expected an object, got integer" },
		{ "result.info_notes[1].text", NULL, "1", -EINVAL,
		  "result.info_notes[1].text: expected a string or null, got integer" },
		{ "runs[0].argv[2]", NULL, "null", -EINVAL,
		  "runs[0].argv[2]: expected a string, got null" },
		{ "runs[0].argv", NULL, "\"schedcheck run\"", -EINVAL,
		  "runs[0].argv: expected an array, got string" },
		{ "runs[1].interrupted", NULL, "\"yes\"", -EINVAL,
		  "runs[1].interrupted: expected true or false, got string" },
		{ "runs[0].loadavg_1min", NULL, "\"0.25\"", -EINVAL,
		  "runs[0].loadavg_1min: expected a number or null, got string" },
		{ "runs", NULL, "null", -EINVAL, "runs: expected an array, got null" },
		{ "", NULL, "[]", -EINVAL, "top level: expected an object, got array" },
		{ "", NULL, "null", -EINVAL, "top level: expected an object, got null" },
		/* Unknown keys, at several depths. */
		{ "", "extra", "1", -EINVAL, "extra: unknown key" },
		{ "result", "verdict", "1", -EINVAL, "result.verdict: unknown key" },
		{ "result.stats.phases[1].per_cgroup.web", "taobench", "null", -EINVAL,
		  "result.stats.phases[1].per_cgroup.web.taobench: unknown key" },
		{ "result.stats.cgroups[0]", "taobench_whole", "null", -EINVAL,
		  "result.stats.cgroups[0].taobench_whole: unknown key" },
		{ "result.outcomes[0].detail", "severity", "1", -EINVAL,
		  "result.outcomes[0].detail.severity: unknown key" },
		{ "result.outcomes[0]", "x y", "1", -EINVAL,
		  "result.outcomes[0][\"x y\"]: unknown key" },
		{ "result.measurements.b_u64_zero", "unit", "\"ns\"", -EINVAL,
		  "result.measurements.b_u64_zero.unit: unknown key" },
		{ "runs[1]", "uptime", "1", -EINVAL, "runs[1].uptime: unknown key" },
		/* Missing keys. */
		{ "result.stats.phases[2].per_cgroup.web.timer_sample_total", NULL, NULL, -EINVAL,
		  "result.stats.phases[2].per_cgroup.web: missing key \"timer_sample_total\"" },
		{ "result.stats.cgroups[1].spread", NULL, NULL, -EINVAL,
		  "result.stats.cgroups[1]: missing key \"spread\"" },
		{ "result.outcomes[2].detail.phase", NULL, NULL, -EINVAL,
		  "result.outcomes[2].detail: missing key \"phase\"" },
		{ "result.info_notes", NULL, NULL, -EINVAL, "result: missing key \"info_notes\"" },
		{ "result.measurements.c_i64_min.value", NULL, NULL, -EINVAL,
		  "result.measurements.c_i64_min: missing key \"value\"" },
		{ "runs[0].hostname", NULL, NULL, -EINVAL, "runs[0]: missing key \"hostname\"" },
		{ "result", NULL, NULL, -EINVAL, "top level: missing key \"result\"" },
		/* Invariants the model relies on. */
		{ "result.stats.cgroups[0].cpus_used", NULL, "[0,7,1]", -EINVAL,
		  "result.stats.cgroups[0].cpus_used[2]: CPU 1 after 7: a CPU set must be strictly "
		  "ascending" },
		{ "result.stats.cgroups[0].cpus_used", NULL, "[0,1,1]", -EINVAL,
		  "result.stats.cgroups[0].cpus_used[2]: CPU 1 after 1" },
		{ "result.stats.phases[1].step_index", NULL, "0", -EINVAL,
		  "result.stats.phases[1].step_index: 0 does not follow 0: phases must be sorted "
		  "by "
		  "step_index" },
		{ "result.stats.phases[2].step_index", NULL, "1", -EINVAL,
		  "result.stats.phases[2].step_index: 1 does not follow 1" },
		{ "result.passes[1].name", NULL, "\"" SC_PASSES_TRUNCATION_SENTINEL_NAME "\"",
		  -EINVAL,
		  "result.passes[1]: the truncation sentinel may only be the last record" },
		{ "schema_version", NULL, "2", -EINVAL,
		  "schema_version: schema version 2 is not supported (this build reads 1)" },
		{ "schema_version", NULL, "\"1\"", -EINVAL,
		  "schema_version: expected an unsigned integer, got string" },
		{ "schema_version", NULL, NULL, -EINVAL,
		  "top level: missing key \"schema_version\"" },
		/* Strings: NUL, length. */
		{ "runs[0].hostname", NULL, "\"a\\u0000b\"", -EINVAL,
		  "\\u0000 (NUL) is not allowed in strings" },
	};
	char *base = full_json(false);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct path_case *c = &cases[i];
		char *text = edit(base, c->path, c->add_key, c->repl);

		print_message("case %zu: %s\n", i, c->want);
		expect_error_str(text, c->rc, c->want);
		free(text);
	}
	free(base);
}

/* A newer schema is refused for its version, not for its first new key. */
static void test_schema_version_first(void **state)
{
	char *base = full_json(false), *text, *t2;

	text = edit(base, "", "new_in_v2", "{}");
	t2 = edit(text, "schema_version", NULL, "2");
	expect_error_str(t2, -EINVAL, "schema_version: schema version 2 is not supported");
	free(t2);
	free(text);
	free(base);
}

/* PhaseCgroupStats.schbench: None, round trip, strict histograms, old sidecars. */
static void test_schbench(void **state)
{
	const char *web = "result.stats.phases[1].per_cgroup.web";
	const char *hist = "result.stats.phases[1].per_cgroup.web.schbench.wakeup";
	char *base = full_json(false), *text, *again, *big;
	struct sc_sidecar s;
	struct sc_phase_cgroup_stats *c;
	size_t i, pos;

	(void)state;
	/* Absent is written as null; present as the sparse pair list. */
	assert_non_null(strstr(base, "\"batch\":{"));
	assert_non_null(strstr(base, "\"metrics\":{},\"schbench\":null}"));
	assert_non_null(strstr(base, "\"wakeup\":[[0,1],[255,1],[256,2],[123207680,1],"
				     "[18374686479671623680,1]]"));
	assert_non_null(strstr(base, "\"request\":[[344,18446744073709551615],[999424,1]]"));

	/* A sidecar written before the key existed reads as None, and back as null. */
	text = edit(base, "result.stats.phases[2].per_cgroup.web.schbench", NULL, NULL);
	parse_ok(text, strlen(text), &s);
	c = sc_carrier_map_find(&s.result.stats.phases[2].per_cgroup, "web");
	assert_non_null(c);
	assert_null(c->schbench);
	c = sc_carrier_map_find(&s.result.stats.phases[1].per_cgroup, "web");
	assert_non_null(c->schbench);
	assert_int_equal(c->schbench->request.count, UINT64_MAX);
	assert_int_equal(c->schbench->wakeup.count, 6);
	again = to_json(&s, false);
	assert_string_equal(again, base);
	free(again);
	sc_sidecar_release(&s);
	free(text);

	/* Strict histograms. */
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[1]", NULL,
			  "[257,1]", -EINVAL, "wakeup[1]: 257 is not the lower bound of a bucket");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[1]", NULL,
			  "[0,1]", -EINVAL,
			  "wakeup[1]: bucket 0 after 0: buckets must be strictly ascending");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[2]", NULL,
			  "[2,1]", -EINVAL,
			  "wakeup[2]: bucket 2 after 255: buckets must be strictly ascending");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[0]", NULL,
			  "[0,0]", -EINVAL, "wakeup[0]: empty bucket");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[0]", NULL,
			  "[0,1,2]", -EINVAL, "wakeup[0]: expected a [low_ns, count] pair");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[0]", NULL,
			  "[0,-1]", -EINVAL,
			  "wakeup[0]: expected an unsigned integer, got negative");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wakeup[0]", NULL,
			  "0", -EINVAL, "wakeup[0]: expected an array, got integer");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.loop_count", NULL,
			  "-1", -EINVAL, "schbench.loop_count: expected an unsigned integer");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench", NULL, "[]",
			  -EINVAL, "web.schbench: expected an object, got array");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench", "extra", "1",
			  -EINVAL, "web.schbench.extra: unknown key");
	expect_edit_error(base, "result.stats.phases[1].per_cgroup.web.schbench.wall_ns", NULL,
			  NULL, -EINVAL, "web.schbench: missing key \"wall_ns\"");
	(void)web;

	/* More pairs than buckets: -E2BIG before anything is read. */
	big = xcalloc(SC_LAT_HIST_BUCKETS + 2, 16);
	pos = (size_t)snprintf(big, 16, "[");
	for (i = 0; i <= SC_LAT_HIST_BUCKETS; i++)
		pos += (size_t)snprintf(big + pos, (SC_LAT_HIST_BUCKETS + 2) * 16 - pos,
					"%s[%zu,1]", i ? "," : "", i);
	snprintf(big + pos, (SC_LAT_HIST_BUCKETS + 2) * 16 - pos, "]");
	text = edit(base, hist, NULL, big);
	expect_error_str(text, -E2BIG, "wakeup: 7425 elements, more than the limit of 7424");
	free(text);
	free(big);

	/* Two saturated buckets: the total saturates too, and round-trips. */
	text = edit(base, hist, NULL, "[[1,18446744073709551615],[2,18446744073709551615]]");
	parse_ok(text, strlen(text), &s);
	c = sc_carrier_map_find(&s.result.stats.phases[1].per_cgroup, "web");
	assert_int_equal(c->schbench->wakeup.count, UINT64_MAX);
	again = to_json(&s, false);
	assert_string_equal(again, text);
	free(again);

	/* The writer refuses a total that does not match the buckets. */
	c->schbench->wakeup.count = 5;
	{
		char *out = NULL;
		size_t len = 0;

		assert_int_equal(sc_sidecar_to_json(&s, false, &out, &len), -EINVAL);
		assert_null(out);
	}
	sc_sidecar_release(&s);
	free(text);
	free(base);
}

static void test_syntax_errors_line_col(void **state)
{
	/* Columns count characters: the "ü" below is one column. */
	expect_error_str("{\n  \"schema_version\": 1,\n  \"runs\": [,]\n}", -EINVAL,
			 "line 3 col 12: syntax error: unexpected character");
	expect_error_str("{\n\"\xc3\xbc\": x}", -EINVAL, "line 2 col 6: syntax error");
	expect_error_str("{\"a\":1", -EINVAL, "line 1 col 7: unexpected end of input");
	expect_error_str("", -EINVAL, "line 1 col 1: empty document");
	expect_error_str("   \n", -EINVAL, "line 2 col 1: unexpected end of input");
	expect_error_str("{\"a\": 1} x", -EINVAL, "line 1 col 10: syntax error");
	expect_error_str("{\"a\": 1,}", -EINVAL, "line 1 col 9: syntax error");
	/* json-c takes a single-quoted key; the lexical pass does not. */
	expect_error_str("{'a': 1}", -EINVAL, "line 1 col 2: unexpected character");
	expect_error_str("null", -EINVAL, "top level: expected an object, got null");
	expect_error_str("12", -EINVAL, "top level: expected an object, got integer");
	expect_error_str("{\"a\": tru", -EINVAL, "line 1 col 10: unexpected end of input");
	expect_error_str("{\"a\": 01}", -EINVAL, "line 1 col 9: syntax error: number expected");
	expect_error_str("{\"a\": /* c */ 1}", -EINVAL, "line 1 col 7: syntax error");
	/* What json-c 0.16 lets through in strict mode, refused with a place. */
	expect_error_str("{\"a\":\n NaN}", -EINVAL,
			 "line 2 col 2: NaN and Infinity are not JSON (non-finite numbers are "
			 "written as null)");
	expect_error_str("{\"a\": -Infinity}", -EINVAL, "line 1 col 7: NaN and Infinity");
	expect_error_str("{\"a\": Infinity}", -EINVAL, "line 1 col 7: NaN and Infinity");
	expect_error_str("{\"a\": 1.}", -EINVAL,
			 "line 1 col 7: invalid number: a digit must follow the '.'");
	expect_error_str("{\"a\": \"tab\there\"}", -EINVAL,
			 "line 1 col 11: raw control character in a string");
	expect_error_str("{\"a\": [1, 2], \"a\": 3}", -EINVAL,
			 "top level: duplicate key in object");
	expect_error_str("{\"schema_version\": 1, \"runs\": [], \"result\": {\"stats\": {\"x\": "
			 "1, \"y\": {\"k\": 1, \"k\": 2}}}}",
			 -EINVAL, "result.stats.y: duplicate key in object");
	/* Invalid UTF-8 is a syntax error from json-c's validation. */
	expect_error_str("{\"a\": \"\xff\"}", -EINVAL, "line 1 col 8: syntax error: invalid utf-8");
	/* NUL bytes end the document for json-c. */
	expect_error("{\"a\":\0 1}", 9, -EINVAL, "line 1 col 6");
}

/* Duplicate keys anywhere, including inside a known struct, are refused. */
static void test_duplicate_keys(void **state)
{
	char *base = full_json(false), *text;

	text = replace_once(base, "\"total_workers\":4,",
			    "\"total_workers\":4,\"total_workers\":5,");
	expect_error_str(text, -EINVAL, "result.stats: duplicate key in object");
	free(text);
	text = replace_once(base, "\"wake_p99_us\":1.5", "\"wake_p99_us\":1.5,\"wake_p99_us\":2.5");
	expect_error_str(text, -EINVAL,
			 "result.stats.phases[1].per_cgroup.web.metrics: duplicate key in object");
	free(text);
	/* A duplicate whose first value held objects (json-c drops that subtree). */
	text = replace_once(base, "\"runs\":[", "\"runs\":{\"a\":{}},\"runs\":[");
	expect_error_str(text, -EINVAL, "top level: duplicate key in object");
	free(text);
	free(base);
}

/* ------------------------------------------------------------------------ */
/* Hostile input                                                             */
/* ------------------------------------------------------------------------ */

static void truncate_everywhere(const char *text)
{
	size_t len = strlen(text), i;
	struct sc_sidecar out, canary;
	struct sc_error err;

	memset(&canary, 0x5a, sizeof(canary));
	for (i = 0; i < len; i++) {
		int rc;

		memset(&out, 0x5a, sizeof(out));
		err.msg[0] = '\0';
		rc = sc_sidecar_from_json(text, i, &out, &err);
		if (rc >= 0)
			fail_msg("prefix of %zu bytes parsed", i);
		if (!err.msg[0])
			fail_msg("prefix of %zu bytes: empty message", i);
		if (memcmp(&out, &canary, sizeof(out)))
			fail_msg("prefix of %zu bytes touched *out", i);
	}
}

static void test_truncated_every_offset(void **state)
{
	char *text = full_json(false);

	truncate_everywhere(text);
	free(text);
	text = full_json(true);
	truncate_everywhere(text);
	free(text);
}

static void test_deep_nesting(void **state)
{
	size_t n = 10000, i;
	char *buf = malloc(n * 5 + 1);
	char *text, *base;

	assert_non_null(buf);
	memset(buf, '[', n);
	expect_error(buf, n, -E2BIG, "line 1 col 65: nesting deeper than 64 levels");
	for (i = 0; i < n; i++)
		memcpy(buf + i * 5, "{\"a\":", 5);
	expect_error(buf, n * 5, -E2BIG, "nesting deeper than 64 levels");
	free(buf);

	/* Deep nesting inside an otherwise valid document. */
	base = full_json(false);
	buf = malloc(201);
	assert_non_null(buf);
	memset(buf, '[', 100);
	memset(buf + 100, ']', 100);
	buf[200] = '\0';
	text = edit(base, "result.stats.ext_metrics.worst_tail_ratio", NULL, buf);
	expect_error_str(text, -E2BIG, "nesting deeper than 64 levels");
	free(text);
	free(buf);
	free(base);
}

/* Builds a document whose one carrier holds `n` wake or timer samples. */
static char *reservoir_doc(size_t n, const char *field)
{
	struct sc_sidecar s;
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;
	char *text, *big, *p, *out, *needle;
	size_t i;

	sc_sidecar_init(&s);
	assert_int_equal(sc_phase_bucket_init(&b, 0), 0);
	sc_phase_cgroup_stats_init(&c);
	put_carrier(&b, "web", &c);
	assert_int_equal(sc_scenario_stats_put_phase(&s.result.stats, &b), 0);
	text = to_json(&s, false);
	sc_sidecar_release(&s);

	big = malloc(n * 2 + 3);
	assert_non_null(big);
	p = big;
	*p++ = '[';
	for (i = 0; i < n; i++) {
		*p++ = i ? ',' : '7';
		if (i)
			*p++ = '7';
	}
	*p++ = ']';
	*p = '\0';
	needle = xasprintf("\"%s\":[]", field);
	p = xasprintf("\"%s\":%s", field, big);
	out = replace_once(text, needle, p);
	free(p);
	free(needle);
	free(big);
	free(text);
	return out;
}

static void test_reservoir_cap(void **state)
{
	static const char *const fields[] = { "wake_latencies_ns", "timer_latencies_ns" };
	struct sc_sidecar s, w;
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;
	char *text, *want, *out = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		text = reservoir_doc(SC_MAX_WAKE_SAMPLES, fields[i]);
		parse_ok(text, strlen(text), &s);
		assert_int_equal(
			s.result.stats.phases[0].per_cgroup.e[0].stats.wake_latencies_ns.len +
				s.result.stats.phases[0]
					.per_cgroup.e[0]
					.stats.timer_latencies_ns.len,
			SC_MAX_WAKE_SAMPLES);
		sc_sidecar_release(&s);
		free(text);

		text = reservoir_doc(SC_MAX_WAKE_SAMPLES + 1, fields[i]);
		want = xasprintf("result.stats.phases[0].per_cgroup.web.%s: %u elements, more than "
				 "the limit of %u",
				 fields[i], SC_MAX_WAKE_SAMPLES + 1, SC_MAX_WAKE_SAMPLES);
		expect_error_str(text, -E2BIG, want);
		free(want);
		free(text);
	}
	/* run_delays_ns has no cap of its own (one per worker): bounded by the file. */
	text = reservoir_doc(SC_MAX_WAKE_SAMPLES + 1, "run_delays_ns");
	parse_ok(text, strlen(text), &s);
	sc_sidecar_release(&s);
	free(text);

	/* The writer refuses what the reader would refuse. */
	sc_sidecar_init(&w);
	assert_int_equal(sc_phase_bucket_init(&b, 0), 0);
	sc_phase_cgroup_stats_init(&c);
	for (i = 0; i <= SC_MAX_WAKE_SAMPLES; i++)
		assert_int_equal(sc_u64_vec_push(&c.wake_latencies_ns, i), 0);
	put_carrier(&b, "web", &c);
	assert_int_equal(sc_scenario_stats_put_phase(&w.result.stats, &b), 0);
	assert_int_equal(sc_sidecar_to_json(&w, false, &out, NULL), -E2BIG);
	assert_null(out);
	sc_sidecar_release(&w);
}

static void test_size_limit(void **state)
{
	struct sc_sidecar out;
	struct sc_error err = { { 0 } };

	/* The length alone is checked first: nothing is read past the buffer. */
	assert_int_equal(sc_sidecar_from_json("{}", (size_t)SC_SIDECAR_MAX_BYTES + 1, &out, &err),
			 -E2BIG);
	assert_non_null(strstr(err.msg, "larger than the limit"));
}

static void test_long_strings(void **state)
{
	char *base = full_json(false), *big, *text;
	size_t n = 65536;
	struct sc_sidecar s;

	big = malloc(n + 4);
	assert_non_null(big);
	big[0] = '"';
	memset(big + 1, 'x', n);
	big[n + 1] = '"';
	big[n + 2] = '\0';
	/* Exactly 64 KiB is accepted... */
	text = edit(base, "runs[0].hostname", NULL, big);
	parse_ok(text, strlen(text), &s);
	assert_int_equal(strlen(s.runs[0].hostname), n);
	sc_sidecar_release(&s);
	free(text);
	/* ...one byte more is not. */
	big[n + 1] = 'x';
	big[n + 2] = '"';
	big[n + 3] = '\0';
	text = edit(base, "runs[0].hostname", NULL, big);
	expect_error_str(text, -E2BIG,
			 "runs[0].hostname: string of 65537 bytes, longer than the limit of 65536");
	free(text);
	/* Map keys have the same limit. */
	{
		/* big is now a quoted run of 65537 x's. */
		char *t2 = replace_once(base, "\"worst_tail_ratio\"", big);

		/* Long keys are cut in the path: 64 bytes, then "...". */
		expect_error_str(
			t2, -E2BIG,
			"result.stats.ext_metrics[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxx...\"]: key of");
		expect_error_str(t2, -E2BIG, "key of 65537 bytes, longer than the limit of 65536");
		free(t2);
	}
	free(big);
	free(base);
}

/* What C hands the writer is made valid: U+FFFD for bad bytes, long text cut. */
static void test_writer_sanitises_strings(void **state)
{
	struct sc_sidecar s, back;
	size_t n = 30000, i;
	char *text, *euros;

	sc_sidecar_init(&s);
	s.runs = xcalloc(1, sizeof(*s.runs));
	s.n_runs = 1;
	sc_run_info_init(&s.runs[0]);
	s.runs[0].hostname = xstrdup("a\xff"
				     "b\xc3");	     /* a stray byte, a cut sequence */
	s.runs[0].machine = xstrdup("\xed\xa0\x80"); /* a UTF-16 surrogate */
	euros = malloc(n * 3 + 1);
	assert_non_null(euros);
	for (i = 0; i < n; i++)
		memcpy(euros + i * 3, "\xe2\x82\xac", 3);
	euros[n * 3] = '\0';
	s.runs[0].scheduler = euros;
	text = to_json(&s, false);
	assert_non_null(strstr(text, "\"hostname\":\"a\xef\xbf\xbd"
				     "b\xef\xbf\xbd\""));
	assert_non_null(strstr(text, "\"machine\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""));
	parse_ok(text, strlen(text), &back);
	/* 90000 bytes of 3-byte characters, cut at a character boundary <= 64 KiB. */
	assert_int_equal(strlen(back.runs[0].scheduler), 65535);
	assert_memory_equal(back.runs[0].scheduler, euros, 65535);
	assert_stable(text, false);
	free(text);
	sc_sidecar_release(&back);
	sc_sidecar_release(&s);
}

/* The writer refuses structures the reader would refuse, naming the place. */
static void test_writer_checks_invariants(void **state)
{
	struct sc_sidecar s;
	struct sc_error err;
	char *out = NULL;
	char path[] = "/tmp/sc-sidecar-inv-XXXXXX";
	char *file;
	int fd;

	/* An unsorted CPU set (built by hand, bypassing sc_cpu_set_add). */
	sc_sidecar_init(&s);
	s.result.stats.cgroups = xcalloc(1, sizeof(struct sc_cgroup_stats));
	s.result.stats.n_cgroups = 1;
	sc_cgroup_stats_init(&s.result.stats.cgroups[0]);
	s.result.stats.cgroups[0].cpus_used.cpus = xcalloc(2, sizeof(uint64_t));
	s.result.stats.cgroups[0].cpus_used.cpus[0] = 3;
	s.result.stats.cgroups[0].cpus_used.cpus[1] = 1;
	s.result.stats.cgroups[0].cpus_used.len = s.result.stats.cgroups[0].cpus_used.cap = 2;
	assert_int_equal(sc_sidecar_to_json(&s, false, &out, NULL), -EINVAL);
	assert_null(out);
	/* Through write_file the message names the path in the document. */
	assert_non_null(mkdtemp(path));
	file = xasprintf("%s/x.json", path);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sc_sidecar_write_file(&s, file, &err), -EINVAL);
	assert_non_null(strstr(err.msg, file));
	assert_non_null(strstr(err.msg,
			       "result.stats.cgroups[0].cpus_used: CPU set is not strictly "
			       "ascending at index 1"));
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd < 0); /* nothing was written */
	sc_sidecar_release(&s);

	/* Unsorted map keys. */
	sc_sidecar_init(&s);
	s.result.stats.ext_metrics.e = xcalloc(2, sizeof(struct sc_metric_entry));
	s.result.stats.ext_metrics.e[0].name = xstrdup("b");
	s.result.stats.ext_metrics.e[1].name = xstrdup("a");
	s.result.stats.ext_metrics.len = s.result.stats.ext_metrics.cap = 2;
	memset(&err, 0, sizeof(err));
	assert_int_equal(sc_sidecar_write_file(&s, file, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "result.stats.ext_metrics.a: map keys are not sorted"));
	sc_sidecar_release(&s);

	/* A map key that is not UTF-8. */
	sc_sidecar_init(&s);
	metric(&s.result.stats.ext_metrics, "bad\xff", 1.0);
	assert_int_equal(sc_sidecar_to_json(&s, false, &out, NULL), -EINVAL);
	sc_sidecar_release(&s);

	/* Unsorted phases, and a sentinel in the middle of the passes. */
	sc_sidecar_init(&s);
	s.result.stats.phases = xcalloc(2, sizeof(struct sc_phase_bucket));
	s.result.stats.n_phases = 2;
	assert_int_equal(sc_phase_bucket_init(&s.result.stats.phases[0], 2), 0);
	assert_int_equal(sc_phase_bucket_init(&s.result.stats.phases[1], 1), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sc_sidecar_write_file(&s, file, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "result.stats.phases[1]: phases are not sorted"));
	sc_sidecar_release(&s);
	sc_sidecar_init(&s);
	s.result.passes = xcalloc(2, sizeof(struct sc_pass_detail));
	s.result.n_passes = s.result.cap_passes = 2;
	s.result.passes[0].name = xstrdup(SC_PASSES_TRUNCATION_SENTINEL_NAME);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sc_sidecar_write_file(&s, file, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "result.passes[0]: the truncation sentinel"));
	sc_sidecar_release(&s);

	/* An invalid enum value. */
	sc_sidecar_init(&s);
	s.result.outcomes = xcalloc(1, sizeof(struct sc_outcome));
	s.result.n_outcomes = s.result.cap_outcomes = 1;
	s.result.outcomes[0].kind = SC_OUTCOME_KIND_MAX;
	memset(&err, 0, sizeof(err));
	assert_int_equal(sc_sidecar_write_file(&s, file, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "result.outcomes[0].kind: invalid outcome kind"));
	sc_sidecar_release(&s);

	assert_int_equal(rmdir(path), 0); /* also proves no temp file was left */
	free(file);
}

static void test_passes_bound(void **state)
{
	static const char one[] = "{\"name\":\"q\",\"message\":null,\"phase\":null,"
				  "\"value\":null,\"limit\":null},";
	struct sc_sidecar s;
	size_t n, i;
	char *text, *t1, *t2;
	int with_sentinel;

	/* SC_MAX_RECORDED_PASSES real records, with or without the tail sentinel. */
	for (with_sentinel = 0; with_sentinel <= 1; with_sentinel++) {
		n = SC_MAX_RECORDED_PASSES + (size_t)with_sentinel;
		sc_sidecar_init(&s);
		s.result.passes = xcalloc(n, sizeof(struct sc_pass_detail));
		s.result.n_passes = s.result.cap_passes = n;
		for (i = 0; i < n; i++)
			s.result.passes[i].name = xstrdup(
				i == SC_MAX_RECORDED_PASSES ? SC_PASSES_TRUNCATION_SENTINEL_NAME
							    : "p");
		text = to_json(&s, false);
		assert_stable(text, false);
		if (!with_sentinel) {
			char *more = xasprintf("\"passes\":[%s", one);

			/* One more real record is one too many... */
			t1 = replace_once(text, "\"passes\":[", more);
			expect_error_str(t1, -EINVAL,
					 "result.passes[1024]: more real records than "
					 "SC_MAX_RECORDED_PASSES");
			/* ...and two more exceed the array bound itself. */
			t2 = replace_once(t1, "\"passes\":[", more);
			expect_error_str(
				t2, -E2BIG,
				"result.passes: 1026 elements, more than the limit of 1025");
			free(t2);
			free(t1);
			free(more);
		}
		free(text);
		sc_sidecar_release(&s);
	}
}

/* ------------------------------------------------------------------------ */
/* Files, merge, lifecycle                                                   */
/* ------------------------------------------------------------------------ */

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	}
	closedir(d);
	return n;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_file_round_trip(void **state)
{
	char dir[] = "/tmp/sc-sidecar-XXXXXX";
	struct sc_sidecar s, back;
	struct sc_error err = { { 0 } };
	struct stat st;
	char *path, *bad, *content, *pretty;
	size_t len;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/result.json", dir);
	build_full(&s);
	assert_int_equal(sc_sidecar_write_file(&s, path, &err), 0);
	/* Overwriting is atomic too. */
	assert_int_equal(sc_sidecar_write_file(&s, path, &err), 0);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	content = slurp(path, &len);
	pretty = to_json(&s, true);
	assert_int_equal(len, strlen(pretty) + 1);
	assert_memory_equal(content, pretty, len - 1);
	assert_int_equal(content[len - 1], '\n');
	assert_int_equal(sc_sidecar_read_file(path, &back, &err), 0);
	eq_sidecar(&s, &back);
	sc_sidecar_release(&back);
	free(content);
	free(pretty);

	/* Errors name the path and the reason. */
	bad = xasprintf("%s/missing/result.json", dir);
	assert_int_equal(sc_sidecar_write_file(&s, bad, &err), -ENOENT);
	assert_non_null(strstr(err.msg, bad));
	assert_non_null(strstr(err.msg, strerror(ENOENT)));
	memset(&back, 0x33, sizeof(back));
	assert_int_equal(sc_sidecar_read_file(bad, &back, &err), -ENOENT);
	assert_non_null(strstr(err.msg, bad));
	assert_non_null(strstr(err.msg, strerror(ENOENT)));
	assert_int_equal(sc_sidecar_read_file(dir, &back, &err), -EISDIR);
	assert_non_null(strstr(err.msg, dir));
	free(bad);

	/* A parse error in a file is prefixed with the file name. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\n  \"schema_version\": 1,\n  \"runs\": [1 2]\n}\n", f);
	fclose(f);
	assert_int_equal(sc_sidecar_read_file(path, &back, &err), -EINVAL);
	bad = xasprintf("%s: line 3 col 14: syntax error: ", path);
	assert_true(strncmp(err.msg, bad, strlen(bad)) == 0);
	free(bad);

	/* A file of more than 1 GiB is not read (sparse: no disk used). */
	assert_int_equal(truncate(path, (off_t)SC_SIDECAR_MAX_BYTES + 10), 0);
	assert_int_equal(sc_sidecar_read_file(path, &back, &err), -E2BIG);
	assert_non_null(strstr(err.msg, path));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(path);
	sc_sidecar_release(&s);
}

static void test_merge(void **state)
{
	struct sc_sidecar a, b;
	struct sc_assert_detail d;
	size_t i;

	build_full(&a);
	sc_sidecar_init(&b);
	b.runs = xcalloc(2, sizeof(*b.runs));
	b.n_runs = 2;
	fill_run_full(&b.runs[0]);
	free(b.runs[0].hostname);
	b.runs[0].hostname = xstrdup("host-2");
	sc_run_info_init(&b.runs[1]);
	sc_assert_detail_init(&d);
	assert_int_equal(sc_assert_detail_set(&d, "late", NULL, "from b"), 0);
	assert_int_equal(sc_assert_result_record_fail(&b.result, &d), 0);

	assert_int_equal(sc_sidecar_merge(&a, &b), 0);
	assert_int_equal(a.n_runs, 4);
	assert_string_equal(a.runs[0].hostname, "host-1");
	assert_null(a.runs[1].hostname);
	assert_string_equal(a.runs[2].hostname, "host-2");
	assert_true(a.runs[3].argc == 0 && a.runs[3].argv == NULL);
	assert_int_equal(a.result.n_outcomes, 5);
	assert_string_equal(a.result.outcomes[4].detail.message, "from b");
	/* b is consumed and empty. */
	assert_int_equal(b.n_runs, 0);
	assert_null(b.runs);
	assert_int_equal(b.result.n_outcomes, 0);
	assert_int_equal(sc_sidecar_merge(&a, &a), -EINVAL);
	/* The merged sidecar still serialises and reads back. */
	{
		char *text = to_json(&a, false);

		assert_stable(text, false);
		free(text);
	}
	for (i = 0; i < a.n_runs; i++)
		assert_true(a.runs[i].argc == 0 || a.runs[i].argv[a.runs[i].argc] == NULL);
	sc_sidecar_release(&b);
	sc_sidecar_release(&a);
}

/* Merging a sidecar read from disk with another: the result still writes. */
static void test_merge_read_back(void **state)
{
	struct sc_sidecar a, b;
	char *text, *merged;

	text = full_json(false);
	/* The fixture's UINT64_MAX populations cannot be summed; use real ones. */
	{
		char *t = replace_once(text, "\"wake_sample_total\":18446744073709551615",
				       "\"wake_sample_total\":1000");
		char *t2 = replace_once(t, "\"wake_sample_total\":18446744073709551615",
					"\"wake_sample_total\":1000");

		free(text);
		free(t);
		text = t2;
	}
	parse_ok(text, strlen(text), &a);
	parse_ok(text, strlen(text), &b);
	assert_int_equal(sc_sidecar_merge(&a, &b), 0);
	assert_int_equal(a.n_runs, 4);
	assert_int_equal(a.result.n_outcomes, 8);
	assert_int_equal(a.result.stats.n_cgroups, 4);
	assert_int_equal(a.result.stats.n_phases, 3);
	merged = to_json(&a, false);
	assert_stable(merged, false);
	free(merged);
	free(text);
	sc_sidecar_release(&b);
	sc_sidecar_release(&a);
}

static void test_run_info_copy(void **state)
{
	struct sc_run_info a, b, empty, e2;

	fill_run_full(&a);
	assert_int_equal(sc_run_info_copy(&b, &a), 0);
	eq_run(&a, &b);
	assert_ptr_not_equal(a.argv, b.argv);
	assert_ptr_not_equal(a.argv[0], b.argv[0]);
	assert_ptr_not_equal(a.hostname, b.hostname);
	assert_null(b.argv[b.argc]);
	sc_run_info_release(&a);
	/* The copy owns its memory. */
	assert_string_equal(b.argv[3], "mixed \"quoted\" \xc3\xbc/\\ \xe2\x82\xac");
	sc_run_info_release(&b);
	sc_run_info_release(&b); /* release leaves an initialised struct */
	sc_run_info_release(NULL);

	sc_run_info_init(&empty);
	assert_false(empty.loadavg_1min.present);
	assert_int_equal(sc_run_info_copy(&e2, &empty), 0);
	eq_run(&empty, &e2);
	sc_run_info_release(&e2);

	/* argc without argv is refused, and the destination is left alone. */
	empty.argc = 2;
	memset(&e2, 0x11, sizeof(e2));
	assert_int_equal(sc_run_info_copy(&e2, &empty), -EINVAL);
	assert_int_equal(((unsigned char *)&e2)[0], 0x11);
	sc_sidecar_release(NULL);
}

static void test_error_helpers(void **state)
{
	struct sc_error err;
	char long_text[2000];

	sc_error_set(NULL, "ignored %d", 1);
	sc_error_prefix(NULL, "ignored");
	sc_error_set(&err, "value %d in %s", 7, "x");
	assert_string_equal(err.msg, "value 7 in x");
	sc_error_prefix(&err, "file %s", "a.json");
	assert_string_equal(err.msg, "file a.json: value 7 in x");
	memset(long_text, 'y', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	sc_error_set(&err, "%s", long_text);
	assert_int_equal(strlen(err.msg), SC_ERROR_MSG_MAX - 1);
	sc_error_prefix(&err, "p");
	assert_int_equal(strlen(err.msg), SC_ERROR_MSG_MAX - 1);
	assert_true(strncmp(err.msg, "p: yyy", 6) == 0);
	err.msg[0] = '\0';
	sc_error_prefix(&err, "only");
	assert_string_equal(err.msg, "only");
}

/* ------------------------------------------------------------------------ */
/* Corpus replay                                                             */
/* ------------------------------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every file of the fuzz corpus: no crash; bad-* fail with a message; good-*
 * parse and write -> read -> write byte-identically.
 */
static void test_corpus_replay(void **state)
{
	const char *root = getenv("SC_SOURCE_ROOT");
	char *dir, **names = NULL;
	size_t n = 0, i, good = 0, bad = 0;
	DIR *d;
	struct dirent *e;

	if (!root) {
		print_message("SC_SOURCE_ROOT is not set (run through meson test)\n");
		skip();
		return;
	}
	dir = xasprintf("%s/fuzz/corpus/sidecar", root);
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open the corpus %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]), *buf, *w1, *w2;
		struct sc_sidecar s, s2;
		struct sc_error err;
		size_t len;
		int rc;

		buf = slurp(path, &len);
		memset(&err, 0, sizeof(err));
		rc = sc_sidecar_from_json(buf, len, &s, &err);
		if (!strncmp(names[i], "bad-", 4)) {
			if (rc >= 0)
				fail_msg("%s parsed but should not", names[i]);
			if (!err.msg[0])
				fail_msg("%s: error without a message", names[i]);
			print_message("%s: %s\n", names[i], err.msg);
			bad++;
		} else if (rc >= 0) {
			w1 = to_json(&s, false);
			parse_ok(w1, strlen(w1), &s2);
			w2 = to_json(&s2, false);
			if (strcmp(w1, w2))
				fail_msg("%s: write -> read -> write differs", names[i]);
			free(w1);
			free(w2);
			sc_sidecar_release(&s2);
			sc_sidecar_release(&s);
			if (!strncmp(names[i], "good-", 5))
				good++;
		} else if (!strncmp(names[i], "good-", 5)) {
			fail_msg("%s failed to parse: %s", names[i], err.msg);
		}
		free(buf);
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
	/* The corpus is checked in; an empty replay would pass vacuously. */
	assert_true(good >= 4);
	assert_true(bad >= 10);
}

/* The example in docs/sidecar.md is real writer output, byte for byte. */
static void test_doc_example(void **state)
{
	const char *root = getenv("SC_SOURCE_ROOT");
	char *path, *doc, *start, *end, *again;
	struct sc_sidecar s;
	size_t len;

	if (!root) {
		print_message("SC_SOURCE_ROOT is not set (run through meson test)\n");
		skip();
		return;
	}
	path = xasprintf("%s/docs/sidecar.md", root);
	doc = slurp(path, &len);
	start = strstr(doc, "\n## Example\n");
	assert_non_null(start);
	start = strstr(start, "```json\n");
	assert_non_null(start);
	start += strlen("```json\n");
	end = strstr(start, "\n```\n");
	assert_non_null(end);
	*end = '\0';
	parse_ok(start, strlen(start), &s);
	assert_int_equal(s.n_runs, 1);
	assert_true(sc_assert_result_is_fail(&s.result));
	again = to_json(&s, true);
	assert_string_equal(again, start);
	free(again);
	sc_sidecar_release(&s);
	free(doc);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_exact_value_text),
		cmocka_unit_test(test_pretty_is_indented),
		cmocka_unit_test(test_non_finite),
		cmocka_unit_test(test_double_exact),
		cmocka_unit_test(test_locale_independent),
		cmocka_unit_test(test_u64_limits),
		cmocka_unit_test(test_errors_name_the_path),
		cmocka_unit_test(test_schbench),
		cmocka_unit_test(test_schema_version_first),
		cmocka_unit_test(test_syntax_errors_line_col),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_truncated_every_offset),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_reservoir_cap),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_writer_sanitises_strings),
		cmocka_unit_test(test_writer_checks_invariants),
		cmocka_unit_test(test_passes_bound),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_read_back),
		cmocka_unit_test(test_run_info_copy),
		cmocka_unit_test(test_error_helpers),
		cmocka_unit_test(test_corpus_replay),
		cmocka_unit_test(test_doc_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
