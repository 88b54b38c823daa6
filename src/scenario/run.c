// SPDX-License-Identifier: MIT
/*
 * The step loop: from a parsed scenario to a filled AssertResult. Creates the
 * cgroups, spawns and places workers, releases them together, walks BASELINE
 * and each step (ops, monitor samples, per-phase carriers), collects, reduces
 * and evaluates the checks; tears everything down on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/cgroup.h>
#include <schedcheck/files.h>
#include <schedcheck/metrics.h>
#include <schedcheck/monitor.h>
#include <schedcheck/sidecar.h>
#include <schedcheck/verdict.h>
#include <schedcheck/workload.h>

#include "run-internal.h"

#define NS_PER_MS 1000000ull
#define MAX_SAMPLES_PER_PHASE 100000u

struct rt_cgroup {
	struct sc_cgroup *cg; /* NULL: not created (no tree) or removed */
	bool alive;
	bool frozen;
	struct sc_workload **wls;
	size_t n_wls;
	struct sc_worker_report *reports; /* whole-run, of collected workloads */
	size_t n_reports;
};

struct runner {
	const struct sc_scenario *s;
	const struct sc_run_options *o;
	struct sc_assert_result *r;
	struct sc_error *err;
	struct sc_cgroup_layout layout;
	struct sc_cgroup_tree *tree;
	struct sc_monitor *mon;
	struct rt_cgroup *cgs;
	struct sc_run_record rec;
	uint64_t t0_ns;
	uint64_t timeout_ns;
	uint64_t drain_timeout_ns; /* a phase boundary waits at most this for answers */
	bool interrupted;
	bool *pending_disturbed; /* set by ops, applied to the phase they open */
	uint64_t *rt_sub;	 /* RT-bearing cgroups in each cgroup's subtree */
	uint64_t rt_share_us;	 /* v1 RT runtime granted per RT-bearing cgroup */
	bool have_numa;
	uint64_t numa_last; /* /proc/vmstat numa_pages_migrated at the last boundary */
	char why_no_cgroups[SC_ERROR_MSG_MAX + 64];
};

void sc_run_options_init(struct sc_run_options *o)
{
	memset(o, 0, sizeof(*o));
}

static uint64_t now_ns(void)
{
	return sc_workload_now_ns();
}

static bool ended_early(const struct runner *rn)
{
	return rn->o->end_flag && *rn->o->end_flag;
}

static bool stop_requested(const struct runner *rn)
{
	return (rn->o->stop_flag && *rn->o->stop_flag) || ended_early(rn);
}

/* Records an outcome with a formatted message; allocation failure is reported. */
__attribute__((format(printf, 6, 7))) static int outcome(struct runner *rn,
							 enum sc_outcome_kind kind,
							 const char *check, const char *cgroup,
							 int phase, const char *fmt, ...)
{
	struct sc_assert_detail d;
	char msg[1024];
	va_list ap;
	int e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_assert_detail_init(&d);
	if (phase >= 0) {
		d.has_phase = true;
		d.phase = (uint16_t)phase;
	}
	e = sc_assert_detail_set(&d, check, cgroup, msg);
	if (!e)
		e = sc_assert_result_record_outcome(rn->r, kind, &d);
	sc_assert_detail_release(&d);
	return e;
}

static void note(struct runner *rn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct runner *rn, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_assert_result_note(rn->r, "runner", msg);
}

/* ---- requirements ------------------------------------------------------- */

/* Unmet requirements make the whole run a Skip with the reason. */
static bool requirements_met(struct runner *rn)
{
	const struct sc_scenario_requires *rq = &rn->s->requires;
	struct sc_cpu_set nodes = { 0 };
	size_t n_nodes = 1;

	if (rn->rec.online.len < rq->min_cpus) {
		outcome(rn, SC_OUTCOME_SKIP, "requirements", NULL, -1,
			"needs %u CPUs, this machine has %zu online", rq->min_cpus,
			rn->rec.online.len);
		return false;
	}
	if (sc_cpu_set_read_file("/sys/devices/system/node/online", &nodes) == 0)
		n_nodes = nodes.len ? nodes.len : 1;
	sc_cpu_set_release(&nodes);
	if (n_nodes < rq->min_numa_nodes) {
		outcome(rn, SC_OUTCOME_SKIP, "requirements", NULL, -1,
			"needs %u NUMA nodes, this machine has %zu", rq->min_numa_nodes, n_nodes);
		return false;
	}
	if (rq->root && geteuid() != 0) {
		outcome(rn, SC_OUTCOME_SKIP, "requirements", NULL, -1,
			"needs root (cgroups, scheduling policies); run as root or set "
			"\"requires\": {\"root\": false}");
		return false;
	}
	if (rq->cgroup_v2 &&
	    (rn->layout.v2_index < 0 || !(rn->layout.hierarchies[rn->layout.v2_index].controllers &
					  SC_CGROUP_CTRL_BIT(SC_CGROUP_CTRL_CPU)))) {
		outcome(rn, SC_OUTCOME_SKIP, "requirements", NULL, -1,
			"needs cgroup v2 with the cpu controller; this host's layout is %s",
			sc_cgroup_mode_name(rn->layout.mode));
		return false;
	}
	return true;
}

/* ---- cgroups ------------------------------------------------------------ */

/* A setting the environment cannot apply is a Skip naming it, not an abort. */
static void setting_result(struct runner *rn, const char *cgroup, const char *what, int r,
			   const struct sc_error *e)
{
	if (!r)
		return;
	outcome(rn, r == -EOPNOTSUPP ? SC_OUTCOME_SKIP : SC_OUTCOME_FAIL, "cgroup_setting", cgroup,
		-1, "%s: %s", what, e->msg);
}

static void apply_settings(struct runner *rn, size_t i)
{
	const struct sc_cgroup_settings *st = &rn->s->cgroups[i].settings;
	const char *name = rn->s->cgroups[i].name;
	struct sc_cgroup *cg = rn->cgs[i].cg;
	struct sc_error e;
	char list[4096];

	if (!cg) {
		if (st->has_cpus || st->has_mems || st->has_weight || st->has_cpu_max ||
		    st->has_idle || st->has_memory_max || st->has_memory_high ||
		    st->has_memory_low || st->has_io_weight || st->has_pids_max)
			outcome(rn, SC_OUTCOME_SKIP, "cgroup_setting", name, -1,
				"settings not applied: %s", rn->why_no_cgroups);
		return;
	}
	/* mems before cpus: a v1 cpuset needs both before tasks may join. */
	if (st->has_mems) {
		sc_cpu_set_format_list(&st->mems, list, sizeof(list));
		setting_result(rn, name, "cpuset.mems", sc_cgroup_set_mems(cg, list, &e), &e);
	}
	if (st->has_cpus) {
		sc_cpu_set_format_list(&st->cpus, list, sizeof(list));
		setting_result(rn, name, "cpuset.cpus", sc_cgroup_set_cpus(cg, list, &e), &e);
	}
	if (st->has_weight)
		setting_result(rn, name, "cpu.weight", sc_cgroup_set_cpu_weight(cg, st->weight, &e),
			       &e);
	if (st->has_cpu_max)
		setting_result(rn, name, "cpu.max",
			       sc_cgroup_set_cpu_max(cg, st->quota_us, st->period_us, &e), &e);
	if (st->has_idle)
		setting_result(rn, name, "cpu.idle", sc_cgroup_set_cpu_idle(cg, st->idle, &e), &e);
	if (st->has_memory_max)
		setting_result(rn, name, "memory.max",
			       sc_cgroup_set_memory_max(cg, st->memory_max, &e), &e);
	if (st->has_memory_high)
		setting_result(rn, name, "memory.high",
			       sc_cgroup_set_memory_high(cg, st->memory_high, &e), &e);
	if (st->has_memory_low)
		setting_result(rn, name, "memory.low",
			       sc_cgroup_set_memory_low(cg, st->memory_low, &e), &e);
	if (st->has_io_weight)
		setting_result(rn, name, "io.weight",
			       sc_cgroup_set_io_weight(cg, st->io_weight, &e), &e);
	if (st->has_pids_max)
		setting_result(rn, name, "pids.max", sc_cgroup_set_pids_max(cg, st->pids_max, &e),
			       &e);
}

static int create_cgroup(struct runner *rn, size_t i)
{
	const struct sc_scenario_cgroup *sc = &rn->s->cgroups[i];
	struct sc_cgroup *parent = NULL;
	int r;

	rn->cgs[i].alive = true;
	if (!rn->tree)
		return 0;
	if (sc->parent >= 0) {
		parent = rn->cgs[sc->parent].cg;
		if (!parent)
			return 0;
	}
	r = sc_cgroup_create(rn->tree, parent, sc->name, &rn->cgs[i].cg, rn->err);
	if (r < 0)
		return r;
	if (rn->rt_share_us && rn->rt_sub[i]) {
		struct sc_error e;

		if (sc_cgroup_set_rt_runtime(rn->cgs[i].cg, rn->rt_share_us * rn->rt_sub[i], &e) <
		    0)
			outcome(rn, SC_OUTCOME_SKIP, "cgroup_setting", sc->name, -1,
				"RT runtime for its fifo/rr workers: %s", e.msg);
	}
	apply_settings(rn, i);
	return 0;
}

static bool is_rt(const struct sc_work_spec *w)
{
	return w->sched.kind == SC_SCHED_FIFO || w->sched.kind == SC_SCHED_RR;
}

/*
 * cgroup v1 with RT group scheduling refuses fifo/rr tasks in a cgroup
 * without RT runtime. Grant the run parent a budget (as much as the root
 * lets it have, up to 90 %) and split it over the cgroups that run RT
 * workers, parents holding their subtree's sum.
 */
static void grant_rt_runtime(struct runner *rn)
{
	const struct sc_scenario *s = rn->s;
	uint64_t total = 0, budget;
	size_t i, j, k;

	if (!rn->tree || sc_cgroup_tree_supports(rn->tree, SC_CGROUP_FEAT_CPU_RT_RUNTIME, NULL))
		return;
	for (i = 0; i < s->n_cgroups; i++)
		for (k = 0; k < s->cgroups[i].n_work; k++)
			if (is_rt(&s->cgroups[i].work[k]))
				rn->rt_sub[i] = 1;
	for (i = 0; i < s->n_steps; i++)
		for (j = 0; j < s->steps[i].n_ops; j++)
			if (s->steps[i].ops[j].kind == SC_OP_SPAWN &&
			    is_rt(&s->steps[i].ops[j].work))
				rn->rt_sub[s->steps[i].ops[j].cgroup] = 1;
	for (i = 0; i < s->n_cgroups; i++)
		total += rn->rt_sub[i];
	if (!total)
		return;
	for (i = s->n_cgroups; i-- > 0;)
		if (s->cgroups[i].parent >= 0)
			rn->rt_sub[s->cgroups[i].parent] += rn->rt_sub[i];
	for (budget = 900000; budget >= 10000; budget /= 2) {
		struct sc_error e;

		if (sc_cgroup_set_rt_runtime(sc_cgroup_tree_parent(rn->tree), budget, &e) == 0) {
			rn->rt_share_us = budget / total;
			return;
		}
	}
	note(rn, "could not grant RT runtime to the run's cgroups: fifo/rr workers may be refused");
}

/* ---- workers ------------------------------------------------------------ */

static int add_workload(struct rt_cgroup *rc, struct sc_workload *wl)
{
	void *p = realloc(rc->wls, (rc->n_wls + 1) * sizeof(*rc->wls));

	if (!p)
		return -ENOMEM;
	rc->wls = p;
	rc->wls[rc->n_wls++] = wl;
	return 0;
}

/* Moves every process of `wl` into `cg` (thread mode: the host process). */
static int place(struct runner *rn, struct sc_workload *wl, struct sc_cgroup *cg)
{
	size_t i, n = sc_workload_count(wl);
	pid_t last = 0;

	if (!cg)
		return 0;
	for (i = 0; i < n; i++) {
		struct sc_worker_ids ids;
		int r;

		if (sc_workload_worker_ids(wl, i, &ids) < 0 || ids.pid == last)
			continue;
		last = ids.pid;
		r = sc_cgroup_attach_process(cg, ids.pid, rn->err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Spawns specs into cgroup i, blocked at the gate, placed. Not released. */
static int spawn_into(struct runner *rn, size_t i, const struct sc_work_spec *specs, size_t n,
		      struct sc_workload **out)
{
	struct sc_workload *wl = NULL;
	size_t k;
	int r;

	*out = NULL;
	if (!n)
		return 0;
	r = sc_workload_spawn(specs, n, now_ns() + rn->timeout_ns, &wl, rn->err);
	if (r < 0) {
		sc_error_prefix(rn->err, "cgroup %s: spawning workers", rn->s->cgroups[i].name);
		return r;
	}
	r = place(rn, wl, rn->cgs[i].cg);
	if (r < 0) {
		sc_error_prefix(rn->err, "cgroup %s: placing workers", rn->s->cgroups[i].name);
		sc_workload_free(wl);
		return r;
	}
	{
		/* One outcome per cgroup and spawn, however many workers share the problem. */
		const char *first = NULL;
		size_t bad = 0, first_k = 0;

		for (k = 0; k < sc_workload_count(wl); k++) {
			const char *why = sc_workload_setup_error(wl, k);

			if (why && !bad++) {
				first = why;
				first_k = k;
			}
		}
		if (bad)
			outcome(rn, SC_OUTCOME_SKIP, "worker_setup", rn->s->cgroups[i].name, -1,
				"%zu of %zu workers run without part of their setup; worker %zu: "
				"%s",
				bad, sc_workload_count(wl), first_k, first);
	}
	r = add_workload(&rn->cgs[i], wl);
	if (r < 0) {
		sc_workload_free(wl);
		return r;
	}
	*out = wl;
	return 0;
}

/* Collects every workload of cgroup i into its whole-run reports. */
static int collect_cgroup(struct runner *rn, size_t i)
{
	struct rt_cgroup *rc = &rn->cgs[i];
	size_t k;
	int ret = 0;

	for (k = 0; k < rc->n_wls; k++) {
		struct sc_worker_report *reps = NULL;
		struct sc_error e;
		size_t n = 0, j;
		void *p;
		int r;

		r = sc_workload_collect(rc->wls[k], now_ns() + rn->timeout_ns, &reps, &n, &e);
		sc_workload_free(rc->wls[k]);
		rc->wls[k] = NULL;
		if (r < 0) {
			outcome(rn, SC_OUTCOME_FAIL, "workers", rn->s->cgroups[i].name, -1,
				"collecting reports: %s", e.msg);
			ret = r;
			continue;
		}
		p = realloc(rc->reports, (rc->n_reports + n) * sizeof(*rc->reports));
		if (!p) {
			sc_worker_reports_free(reps, n);
			ret = -ENOMEM;
			continue;
		}
		rc->reports = p;
		for (j = 0; j < n; j++)
			rc->reports[rc->n_reports++] = reps[j];
		free(reps);
	}
	free(rc->wls);
	rc->wls = NULL;
	rc->n_wls = 0;
	return ret;
}

/* ---- phases ------------------------------------------------------------- */

static int record_phase_start(struct runner *rn, uint16_t step_index, uint64_t start_ms)
{
	size_t n = rn->s->n_cgroups, i;
	struct sc_phase_record *pr;
	void *p;

	p = realloc(rn->rec.phases, (rn->rec.n_phases + 1) * sizeof(*rn->rec.phases));
	if (!p)
		return -ENOMEM;
	rn->rec.phases = p;
	pr = &rn->rec.phases[rn->rec.n_phases];
	memset(pr, 0, sizeof(*pr));
	pr->step_index = step_index;
	pr->start_ms = start_ms;
	pr->effective = calloc(n ? n : 1, sizeof(*pr->effective));
	pr->effective_known = calloc(n ? n : 1, sizeof(bool));
	pr->disturbed = calloc(n ? n : 1, sizeof(bool));
	pr->alive = calloc(n ? n : 1, sizeof(bool));
	rn->rec.n_phases++;
	if (!pr->effective || !pr->effective_known || !pr->disturbed || !pr->alive)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char buf[4096];
		struct sc_error e;

		pr->alive[i] = rn->cgs[i].alive;
		pr->disturbed[i] = rn->cgs[i].frozen || rn->pending_disturbed[i];
		rn->pending_disturbed[i] = false;
		if (!rn->cgs[i].cg || !rn->cgs[i].alive)
			continue;
		if (sc_cgroup_read_effective_cpus(rn->cgs[i].cg, buf, sizeof(buf), &e) == 0 &&
		    sc_cpu_set_parse_list(buf, 1u << 20, &pr->effective[i]) == 0)
			pr->effective_known[i] = true;
	}
	return 0;
}

static struct sc_phase_record *cur_phase(struct runner *rn)
{
	return &rn->rec.phases[rn->rec.n_phases - 1];
}

/* Drains every live workload into per-cgroup carriers of bucket b. */
static int drain_all(struct runner *rn, struct sc_phase_bucket *b)
{
	size_t i, k;
	int r;

	for (i = 0; i < rn->s->n_cgroups; i++) {
		struct rt_cgroup *rc = &rn->cgs[i];
		struct sc_phase_cgroup_stats carrier;
		bool any = false;

		/* A frozen cgroup cannot answer; its data lands in the next phase. */
		if (rc->frozen || !rc->n_wls)
			continue;
		sc_phase_cgroup_stats_init(&carrier);
		for (k = 0; k < rc->n_wls; k++) {
			struct sc_worker_report *reps = NULL, *live;
			struct sc_phase_cgroup_stats one;
			size_t n = 0, j, nl = 0;
			struct sc_error e;

			if (!rc->wls[k])
				continue;
			r = sc_workload_drain_phase(rc->wls[k], now_ns() + rn->drain_timeout_ns,
						    &reps, &n, &e);
			if (r == -EINVAL)
				continue; /* stopped workload */
			if (r < 0) {
				sc_phase_cgroup_stats_release(&carrier);
				sc_error_set(rn->err, "cgroup %s: draining phase: %s",
					     rn->s->cgroups[i].name, e.msg);
				return r;
			}
			/* Only workers that answered carry data for this phase. */
			live = calloc(n ? n : 1, sizeof(*live));
			if (!live) {
				sc_worker_reports_free(reps, n);
				sc_phase_cgroup_stats_release(&carrier);
				return -ENOMEM;
			}
			for (j = 0; j < n; j++) {
				if (reps[j].exit_kind == SC_WORKER_RUNNING)
					live[nl++] = reps[j];
				else if (reps[j].exit_kind == SC_WORKER_TIMED_OUT)
					/* Starved or frozen: not_starved judges it, this only
					 * explains the hole. */
					note(rn,
					     "cgroup %s: worker %zu did not answer the %s drain "
					     "within "
					     "%llu ms (starved?); its telemetry for that phase is "
					     "missing",
					     rn->s->cgroups[i].name, j, b->label,
					     (unsigned long long)(rn->drain_timeout_ns /
								  NS_PER_MS));
				else if (reps[j].exit_kind != SC_WORKER_EXITED ||
					 reps[j].exit_status != 0)
					outcome(rn, SC_OUTCOME_FAIL, "workers",
						rn->s->cgroups[i].name, b->step_index,
						"worker %zu %s (status %d) during %s", j,
						sc_worker_exit_kind_name(reps[j].exit_kind),
						reps[j].exit_status, b->label);
			}
			r = sc_phase_cgroup_stats_from_reports(live, nl, &one);
			free(live);
			sc_worker_reports_free(reps, n);
			if (r < 0) {
				sc_phase_cgroup_stats_release(&carrier);
				return r;
			}
			if (!any) {
				carrier = one;
				any = true;
			} else if ((r = sc_phase_cgroup_stats_merge(&carrier, &one)) < 0) {
				sc_phase_cgroup_stats_release(&one);
				sc_phase_cgroup_stats_release(&carrier);
				return r;
			}
		}
		if (!any)
			continue;
		r = sc_carrier_map_put(&b->per_cgroup, rn->s->cgroups[i].name, &carrier);
		if (r < 0) {
			sc_phase_cgroup_stats_release(&carrier);
			return r;
		}
	}
	return 0;
}

/* Adds the run's own per-cgroup monitor counters (cpu.stat) to a sample. */
static void sample_cgroups(struct runner *rn, struct sc_metric_map *m, uint64_t *prev_thr,
			   uint64_t *prev_nthr, bool first)
{
	uint64_t thr = 0, nthr = 0;
	bool have = false;
	size_t i;

	for (i = 0; i < rn->s->n_cgroups; i++) {
		struct sc_cgroup_cpu_stat st;
		struct sc_error e;

		if (!rn->cgs[i].cg || !rn->cgs[i].alive ||
		    sc_cgroup_read_cpu_stat(rn->cgs[i].cg, &st, &e) < 0 || !st.has_throttling)
			continue;
		thr += st.throttled_us;
		nthr += st.nr_throttled;
		have = true;
	}
	if (!have) {
		sc_metric_map_remove(m, "throttled_us");
		sc_metric_map_remove(m, "nr_throttled");
		return;
	}
	/* DeltaSum: per-read deltas; the first read of a phase contributes 0. */
	sc_metric_map_set(m, "throttled_us",
			  first || thr < *prev_thr ? 0 : (double)(thr - *prev_thr));
	sc_metric_map_set(m, "nr_throttled",
			  first || nthr < *prev_nthr ? 0 : (double)(nthr - *prev_nthr));
	*prev_thr = thr;
	*prev_nthr = nthr;
}

struct sampler {
	struct sc_metric_map *samples;
	size_t n, cap;
	uint64_t prev_thr, prev_nthr;
	bool first;
};

static int take_sample(struct runner *rn, struct sampler *sp)
{
	struct sc_metric_map m = { 0 };
	uint64_t elapsed_ms = (now_ns() - rn->t0_ns) / NS_PER_MS;
	size_t i, alive = 0;
	int r;

	if (!rn->mon || sp->n >= MAX_SAMPLES_PER_PHASE)
		return 0;
	r = sc_monitor_sample(rn->mon, elapsed_ms, &m);
	if (r < 0) {
		sc_metric_map_release(&m);
		return r == -ENOMEM ? r : 0;
	}
	for (i = 0; i < rn->s->n_cgroups; i++)
		alive += rn->cgs[i].alive;
	sc_metric_map_set(&m, "nr_cgroups", (double)alive);
	sample_cgroups(rn, &m, &sp->prev_thr, &sp->prev_nthr, sp->first);
	sp->first = false;
	if (sp->n == sp->cap) {
		size_t ncap = sp->cap ? sp->cap * 2 : 64;
		void *p = realloc(sp->samples, ncap * sizeof(*sp->samples));

		if (!p) {
			sc_metric_map_release(&m);
			return -ENOMEM;
		}
		sp->samples = p;
		sp->cap = ncap;
	}
	sp->samples[sp->n++] = m;
	return 0;
}

static void sampler_reset(struct sampler *sp, bool keep_last)
{
	size_t i;
	struct sc_metric_map last = { 0 };

	if (keep_last && sp->n) {
		last = sp->samples[sp->n - 1];
		sp->n--;
	}
	for (i = 0; i < sp->n; i++)
		sc_metric_map_release(&sp->samples[i]);
	sp->n = 0;
	if (keep_last && last.e) {
		/* The boundary sample closes one phase and opens the next. */
		sp->samples[0] = last;
		sp->n = 1;
	}
}

static void progress(struct runner *rn, const char *label, uint64_t total_ms)
{
	if (rn->o->progress)
		rn->o->progress(rn->o->progress_ctx, label, (now_ns() - rn->t0_ns) / NS_PER_MS,
				total_ms);
}

/* Sleeps until `deadline_ns`, sampling on the way; false when interrupted. */
static bool hold(struct runner *rn, struct sampler *sp, uint64_t deadline_ns, const char *label,
		 uint64_t total_ms)
{
	uint64_t interval = rn->s->sample_interval_ms * NS_PER_MS;
	uint64_t next = now_ns() + interval;

	for (;;) {
		uint64_t wake = next < deadline_ns ? next : deadline_ns;
		struct timespec ts = { (time_t)(wake / 1000000000ull),
				       (long)(wake % 1000000000ull) };

		if (stop_requested(rn))
			return false;
		if (now_ns() >= deadline_ns)
			return true;
		/* EINTR (a signal) just re-checks the stop flag. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (stop_requested(rn))
			return false;
		if (now_ns() >= next && now_ns() < deadline_ns) {
			take_sample(rn, sp);
			progress(rn, label, total_ms);
			next += interval;
			if (next < now_ns())
				next = now_ns() + interval;
		}
	}
}

static int finish_phase(struct runner *rn, struct sampler *sp, uint16_t step_index)
{
	struct sc_phase_bucket b;
	uint64_t end_ms = (now_ns() - rn->t0_ns) / NS_PER_MS;
	int r;

	take_sample(rn, sp); /* the boundary sample */
	r = sc_phase_bucket_init(&b, step_index);
	if (r < 0)
		return r;
	b.start_ms = cur_phase(rn)->start_ms;
	b.end_ms = end_ms;
	b.sample_count = sp->n;
	cur_phase(rn)->end_ms = end_ms;
	if (sp->n) {
		r = sc_monitor_reduce_phase(sp->samples, sp->n, &b.metrics);
		if (r < 0)
			goto fail;
	}
	if (rn->mon) {
		uint64_t v;

		/* PerPhaseDeltaSum: the system-wide counter's delta over this phase. */
		if (sc_monitor_vmstat_numa_pages_migrated(rn->mon, &v) == 0) {
			if (rn->have_numa && v >= rn->numa_last)
				sc_metric_map_set(&b.metrics, "numa_pages_migrated",
						  (double)(v - rn->numa_last));
			rn->numa_last = v;
			rn->have_numa = true;
		}
	}
	r = drain_all(rn, &b);
	if (r < 0)
		goto fail;
	r = sc_derive_phase_metrics(&b);
	if (r < 0)
		goto fail;
	r = sc_scenario_stats_put_phase(&rn->r->stats, &b);
	if (r < 0)
		goto fail;
	sampler_reset(sp, true);
	return 0;
fail:
	sc_phase_bucket_release(&b);
	return r;
}

/* ---- ops ---------------------------------------------------------------- */

static int set_affinity_all(struct runner *rn, size_t i, const struct sc_cpu_set *cpus)
{
	struct rt_cgroup *rc = &rn->cgs[i];
	cpu_set_t mask;
	size_t k, j;

	CPU_ZERO(&mask);
	for (j = 0; j < cpus->len; j++)
		if (cpus->cpus[j] < CPU_SETSIZE)
			CPU_SET(cpus->cpus[j], &mask);
	for (k = 0; k < rc->n_wls; k++) {
		for (j = 0; rc->wls[k] && j < sc_workload_count(rc->wls[k]); j++) {
			struct sc_worker_ids ids;

			if (sc_workload_worker_ids(rc->wls[k], j, &ids) < 0)
				continue;
			if (sched_setaffinity(ids.tid, sizeof(mask), &mask) < 0 && errno != ESRCH) {
				int r = -errno;

				sc_error_set(rn->err, "sched_setaffinity(%d): %s", (int)ids.tid,
					     strerror(errno));
				return r;
			}
		}
	}
	return 0;
}

static void op_failed(struct runner *rn, const struct sc_scenario_op *op, int step, int r,
		      const char *what)
{
	outcome(rn, r == -EOPNOTSUPP ? SC_OUTCOME_SKIP : SC_OUTCOME_FAIL, "op",
		op->cgroup >= 0 ? rn->s->cgroups[op->cgroup].name : NULL, step, "%s: %s",
		sc_op_kind_name(op->kind), what);
}

/* Writes `value` to a /proc file; -errno. */
static int write_proc(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int apply_sysrq(struct runner *rn, const struct sc_scenario_op *op, int phase)
{
	char key[2] = { op->sysrq_key, '\0' };
	char why[128];
	int r;

	if (!rn->o->allow_sysrq) {
		op_failed(rn, op, phase, -EOPNOTSUPP,
			  "refused outside a schedcheck vm guest (it could crash this host)");
		return 0;
	}
	note(rn, "sysrq '%c' at step index %d", op->sysrq_key, phase);
	write_proc("/proc/sys/kernel/sysrq", "1");
	r = write_proc("/proc/sysrq-trigger", key);
	if (r < 0) {
		snprintf(why, sizeof(why), "/proc/sysrq-trigger: %s", strerror(-r));
		op_failed(rn, op, phase, r, why);
	}
	return 0;
}

static int apply_scheduler_op(struct runner *rn, const struct sc_scenario_op *op, int phase)
{
	char why[512] = "";
	int r;

	if (!rn->o->scheduler_op) {
		op_failed(rn, op, phase, -EOPNOTSUPP,
			  "needs a sched_ext scheduler: schedcheck vm --scheduler");
		return 0;
	}
	r = rn->o->scheduler_op(rn->o->scheduler_ctx, op->kind, why, sizeof(why));
	if (r < 0)
		op_failed(rn, op, phase, r, why[0] ? why : strerror(-r));
	else
		note(rn, "%s at step index %d%s%s", sc_op_kind_name(op->kind), phase,
		     why[0] ? ": " : "", why);
	return 0;
}

static int apply_op(struct runner *rn, const struct sc_scenario_op *op, int phase)
{
	if (op->kind == SC_OP_SYSRQ)
		return apply_sysrq(rn, op, phase);
	if (op->kind == SC_OP_DETACH_SCHEDULER || op->kind == SC_OP_ATTACH_SCHEDULER ||
	    op->kind == SC_OP_REPLACE_SCHEDULER)
		return apply_scheduler_op(rn, op, phase);
	struct rt_cgroup *rc = &rn->cgs[op->cgroup];
	struct sc_error e;
	char list[4096];
	size_t k;
	int r = 0;

	e.msg[0] = '\0';
	switch (op->kind) {
	case SC_OP_ADD_CGROUP: {
		size_t i;

		/* The added cgroup and any children declared inside it. */
		for (i = (size_t)op->cgroup; i < rn->s->n_cgroups; i++) {
			struct sc_workload *wl;

			if (i != (size_t)op->cgroup &&
			    (rn->s->cgroups[i].parent < op->cgroup || rn->cgs[i].alive))
				break;
			r = create_cgroup(rn, i);
			if (r < 0)
				return r;
			r = spawn_into(rn, i, rn->s->cgroups[i].work, rn->s->cgroups[i].n_work,
				       &wl);
			if (r < 0)
				return r;
			if (wl && (r = sc_workload_release(wl, rn->err)) < 0)
				return r;
		}
		return 0;
	}
	case SC_OP_REMOVE_CGROUP:
		r = collect_cgroup(rn, (size_t)op->cgroup);
		if (rc->cg && (r = sc_cgroup_kill(rc->cg, &e)) < 0)
			op_failed(rn, op, phase, r, e.msg);
		rc->alive = false;
		rc->cg = NULL; /* the directory goes with the tree */
		return 0;
	case SC_OP_SET_CPUSET:
	case SC_OP_CLEAR_CPUSET:
		if (!rc->cg) {
			op_failed(rn, op, phase, -EOPNOTSUPP, rn->why_no_cgroups);
			return 0;
		}
		if (op->kind == SC_OP_CLEAR_CPUSET)
			sc_cpu_set_format_list(&rn->rec.online, list, sizeof(list));
		else
			sc_cpu_set_format_list(&op->cpus, list, sizeof(list));
		if (op->has_mems) {
			char mems[1024];

			sc_cpu_set_format_list(&op->mems, mems, sizeof(mems));
			if ((r = sc_cgroup_set_mems(rc->cg, mems, &e)) < 0)
				op_failed(rn, op, phase, r, e.msg);
		}
		if ((r = sc_cgroup_set_cpus(rc->cg, list, &e)) < 0)
			op_failed(rn, op, phase, r, e.msg);
		return 0;
	case SC_OP_SWAP_CPUSETS: {
		struct rt_cgroup *ro = &rn->cgs[op->other];
		char a[4096], b[4096];

		if (!rc->cg || !ro->cg) {
			op_failed(rn, op, phase, -EOPNOTSUPP, rn->why_no_cgroups);
			return 0;
		}
		if ((r = sc_cgroup_read_effective_cpus(rc->cg, a, sizeof(a), &e)) < 0 ||
		    (r = sc_cgroup_read_effective_cpus(ro->cg, b, sizeof(b), &e)) < 0 ||
		    (r = sc_cgroup_set_cpus(rc->cg, b, &e)) < 0 ||
		    (r = sc_cgroup_set_cpus(ro->cg, a, &e)) < 0)
			op_failed(rn, op, phase, r, e.msg);
		return 0;
	}
	case SC_OP_SET_WEIGHT:
		if (!rc->cg)
			op_failed(rn, op, phase, -EOPNOTSUPP, rn->why_no_cgroups);
		else if ((r = sc_cgroup_set_cpu_weight(rc->cg, op->weight, &e)) < 0)
			op_failed(rn, op, phase, r, e.msg);
		return 0;
	case SC_OP_SET_QUOTA:
		if (!rc->cg)
			op_failed(rn, op, phase, -EOPNOTSUPP, rn->why_no_cgroups);
		else if ((r = sc_cgroup_set_cpu_max(rc->cg, op->quota_us, op->period_us, &e)) < 0)
			op_failed(rn, op, phase, r, e.msg);
		return 0;
	case SC_OP_SPAWN: {
		struct sc_workload *wl;

		r = spawn_into(rn, (size_t)op->cgroup, &op->work, 1, &wl);
		if (r < 0)
			return r;
		return wl ? sc_workload_release(wl, rn->err) : 0;
	}
	case SC_OP_STOP_WORKERS:
		rn->pending_disturbed[op->cgroup] = true;
		return collect_cgroup(rn, (size_t)op->cgroup);
	case SC_OP_SET_AFFINITY:
		r = set_affinity_all(rn, (size_t)op->cgroup, &op->cpus);
		if (r < 0) {
			op_failed(rn, op, phase, r, rn->err->msg);
			rn->err->msg[0] = '\0';
		}
		return 0;
	case SC_OP_MOVE_TASKS: {
		struct rt_cgroup *to = &rn->cgs[op->other];

		for (k = 0; k < rc->n_wls; k++) {
			if (rc->wls[k] && to->cg && (r = place(rn, rc->wls[k], to->cg)) < 0) {
				op_failed(rn, op, phase, r, rn->err->msg);
				rn->err->msg[0] = '\0';
			}
			if ((r = add_workload(to, rc->wls[k])) < 0)
				return r;
		}
		/* The workers now belong to `to`: their telemetry follows them. */
		free(rc->wls);
		rc->wls = NULL;
		rc->n_wls = 0;
		rn->pending_disturbed[op->cgroup] = true;
		rn->pending_disturbed[op->other] = true;
		return 0;
	}
	case SC_OP_FREEZE:
	case SC_OP_UNFREEZE:
		if (!rc->cg) {
			op_failed(rn, op, phase, -EOPNOTSUPP, rn->why_no_cgroups);
			return 0;
		}
		r = sc_cgroup_freeze(rc->cg, op->kind == SC_OP_FREEZE, &e);
		if (r < 0) {
			op_failed(rn, op, phase, r, e.msg);
			return 0;
		}
		rc->frozen = op->kind == SC_OP_FREEZE;
		rn->pending_disturbed[op->cgroup] = true;
		return 0;
	default:
		return 0;
	}
}

/* ---- the run ------------------------------------------------------------ */

static int setup_cgroups(struct runner *rn)
{
	struct sc_cgroup_tree_opts topts;
	struct sc_error e;
	int r;

	r = sc_cgroup_layout_detect(&rn->layout, &e);
	if (r < 0) {
		snprintf(rn->why_no_cgroups, sizeof(rn->why_no_cgroups), "no cgroups: %s", e.msg);
		return 0;
	}
	/* Leftovers of crashed earlier runs go first. */
	sc_cgroup_tree_opts_init(&topts);
	topts.root = rn->o->cgroup_root;
	sc_cgroup_sweep_stale(&rn->layout, &topts, &e);
	r = sc_cgroup_tree_create(&rn->layout, &topts, &rn->tree, &e);
	if (r < 0) {
		rn->tree = NULL;
		snprintf(rn->why_no_cgroups, sizeof(rn->why_no_cgroups),
			 "the run could not create its cgroups (%s)", e.msg);
		note(rn, "running without cgroups: %s", e.msg);
		return 0;
	}
	rn->rec.have_cgroups = true;
	grant_rt_runtime(rn);
	return 0;
}

static void reduce_cgroups(struct runner *rn)
{
	size_t i;

	for (i = 0; i < rn->s->n_cgroups; i++) {
		struct rt_cgroup *rc = &rn->cgs[i];
		struct sc_cgroup_stats cs;
		size_t k;

		if (!rc->n_reports)
			continue; /* a pure parent: no workers, nothing to reduce */
		for (k = 0; k < rc->n_reports; k++) {
			const struct sc_worker_report *w = &rc->reports[k];

			if (w->exit_kind == SC_WORKER_EXITED && w->exit_status == 0)
				continue;
			outcome(rn, SC_OUTCOME_FAIL, "workers", rn->s->cgroups[i].name, -1,
				"worker %zu ended %s (status %d)%s%s", k,
				sc_worker_exit_kind_name(w->exit_kind), w->exit_status,
				w->error ? ": " : "", w->error ? w->error : "");
		}
		if (sc_cgroup_stats_reduce(rc->reports, rc->n_reports, &cs) < 0)
			continue;
		cs.cgroup_name = strdup(rn->s->cgroups[i].name);
		if (sc_scenario_stats_add_cgroup(&rn->r->stats, &cs) < 0)
			sc_cgroup_stats_release(&cs);
	}
}

static void teardown(struct runner *rn)
{
	size_t i, k;
	struct sc_error e;

	for (i = 0; rn->cgs && i < rn->s->n_cgroups; i++) {
		for (k = 0; k < rn->cgs[i].n_wls; k++)
			sc_workload_free(rn->cgs[i].wls[k]);
		free(rn->cgs[i].wls);
		sc_worker_reports_free(rn->cgs[i].reports, rn->cgs[i].n_reports);
	}
	free(rn->cgs);
	rn->cgs = NULL;
	if (rn->tree && sc_cgroup_tree_destroy(rn->tree, &e) < 0)
		note(rn, "cgroup cleanup: %s", e.msg);
	rn->tree = NULL;
	sc_monitor_free(rn->mon);
	rn->mon = NULL;
}

void sc_run_record_release(struct sc_run_record *rec)
{
	size_t i, j;

	for (i = 0; i < rec->n_phases; i++) {
		struct sc_phase_record *p = &rec->phases[i];

		for (j = 0; p->effective && rec->s && j < rec->s->n_cgroups; j++)
			sc_cpu_set_release(&p->effective[j]);
		free(p->effective);
		free(p->effective_known);
		free(p->disturbed);
		free(p->alive);
	}
	free(rec->phases);
	sc_cpu_set_release(&rec->online);
	memset(rec, 0, sizeof(*rec));
}

/*
 * Phase boundaries: a step's ops are applied at the END of the previous phase,
 * before its drain, so whatever workers did while the new conditions took
 * hold is attributed to the phase that was ending (whose checks allow for the
 * transition); the new phase starts clean, after the ops.
 */
static int run_phases(struct runner *rn)
{
	const struct sc_scenario *s = rn->s;
	uint64_t total_ms = sc_scenario_duration_ms(s), phase_end;
	struct sampler sp = { 0 };
	uint16_t cur_idx = 0;
	size_t i, k;
	int r = 0;

	sp.first = true;
	phase_end = rn->t0_ns + s->settle_ms * NS_PER_MS;
	if ((r = record_phase_start(rn, 0, 0)) < 0)
		goto out;
	take_sample(rn, &sp);
	progress(rn, "BASELINE", total_ms);
	if (!hold(rn, &sp, phase_end, "BASELINE", total_ms))
		rn->interrupted = true;
	for (i = 0; i < s->n_steps && !rn->interrupted; i++) {
		uint16_t idx = sc_phase_step((uint16_t)i).raw;
		char label[32];

		sc_phase_format(sc_phase_step((uint16_t)i), label, sizeof(label));
		for (k = 0; k < s->steps[i].n_ops; k++) {
			r = apply_op(rn, &s->steps[i].ops[k], idx);
			if (r < 0) {
				sc_error_prefix(rn->err, "%s, op %zu (%s)", label, k,
						sc_op_kind_name(s->steps[i].ops[k].kind));
				goto out;
			}
		}
		if ((r = finish_phase(rn, &sp, cur_idx)) < 0)
			goto out;
		cur_idx = idx;
		if ((r = record_phase_start(rn, idx, (now_ns() - rn->t0_ns) / NS_PER_MS)) < 0)
			goto out;
		phase_end = now_ns() + s->steps[i].hold_ms * NS_PER_MS;
		progress(rn, label, total_ms);
		if (!hold(rn, &sp, phase_end, label, total_ms))
			rn->interrupted = true;
	}
	/* The last phase (partial when interrupted: still measured, still kept). */
	r = finish_phase(rn, &sp, cur_idx);
out:
	sampler_reset(&sp, false);
	free(sp.samples);
	return r;
}

int sc_scenario_run(const struct sc_scenario *s, const struct sc_run_options *opts,
		    struct sc_assert_result *result, struct sc_run_info *ri, bool *interrupted,
		    struct sc_error *err)
{
	struct sc_run_options dflt;
	struct runner rn;
	struct sc_monitor_config mcfg;
	struct sc_error e;
	size_t i;
	int r = 0;

	if (!opts) {
		sc_run_options_init(&dflt);
		opts = &dflt;
	}
	memset(&rn, 0, sizeof(rn));
	rn.s = s;
	rn.o = opts;
	rn.r = result;
	rn.err = err;
	rn.rec.s = s;
	rn.timeout_ns = (opts->worker_timeout_ms ? opts->worker_timeout_ms : 5000) * NS_PER_MS;
	rn.drain_timeout_ns = rn.timeout_ns < 1000 * NS_PER_MS ? rn.timeout_ns : 1000 * NS_PER_MS;
	sc_assert_result_init(result);
	sc_cgroup_layout_init(&rn.layout);
	if (interrupted)
		*interrupted = false;
	err->msg[0] = '\0';

	if (sc_cpu_set_read_file("/sys/devices/system/cpu/online", &rn.rec.online) < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		for (i = 0; i < (size_t)(n > 0 ? n : 1); i++)
			sc_cpu_set_add(&rn.rec.online, i);
	}
	if (sc_cgroup_layout_detect(&rn.layout, &e) < 0)
		sc_cgroup_layout_init(&rn.layout);
	if (ri) {
		free(ri->cgroup_mode);
		ri->cgroup_mode = strdup(sc_cgroup_mode_name(rn.layout.mode));
	}
	if (!requirements_met(&rn))
		goto done;
	rn.cgs = calloc(s->n_cgroups ? s->n_cgroups : 1, sizeof(*rn.cgs));
	rn.pending_disturbed = calloc(s->n_cgroups ? s->n_cgroups : 1, sizeof(bool));
	rn.rt_sub = calloc(s->n_cgroups ? s->n_cgroups : 1, sizeof(*rn.rt_sub));
	if (!rn.cgs || !rn.pending_disturbed || !rn.rt_sub) {
		r = -ENOMEM;
		goto done;
	}
	setup_cgroups(&rn);
	sc_monitor_config_init(&mcfg);
	if (sc_monitor_open(&mcfg, &rn.mon, &e) < 0) {
		rn.mon = NULL;
		note(&rn, "monitor unavailable: %s", e.msg);
	}
	/* Spawn and place everything first, then release together. */
	for (i = 0; i < s->n_cgroups; i++) {
		struct sc_workload *wl;

		if (!s->cgroups[i].initial)
			continue;
		if ((r = create_cgroup(&rn, i)) < 0)
			goto teardown;
		if ((r = spawn_into(&rn, i, s->cgroups[i].work, s->cgroups[i].n_work, &wl)) < 0)
			goto teardown;
	}
	if (rn.mon && sc_monitor_vmstat_numa_pages_migrated(rn.mon, &rn.numa_last) == 0)
		rn.have_numa = true;
	rn.t0_ns = now_ns();
	for (i = 0; i < s->n_cgroups; i++) {
		size_t k;

		for (k = 0; k < rn.cgs[i].n_wls; k++)
			if ((r = sc_workload_release(rn.cgs[i].wls[k], err)) < 0)
				goto teardown;
	}
	r = run_phases(&rn);
	if (rn.interrupted && ended_early(&rn) && !(opts->stop_flag && *opts->stop_flag)) {
		/* The caller ended it (its scheduler failed): a short run, still judged. */
		rn.interrupted = false;
		note(&rn,
		     "the run was ended early after %llu ms; the checks cover what was "
		     "measured until then",
		     (unsigned long long)((now_ns() - rn.t0_ns) / NS_PER_MS));
	}
	if (rn.interrupted)
		/* Never a clean Pass: the checks below judge only part of the run. */
		outcome(&rn, SC_OUTCOME_INCONCLUSIVE, "run", NULL, -1,
			"interrupted by a signal after %llu of %llu ms; the checks cover only "
			"what was measured until then",
			(unsigned long long)((now_ns() - rn.t0_ns) / NS_PER_MS),
			(unsigned long long)sc_scenario_duration_ms(s));
teardown:
	/* Collect whatever ran, even after an error: nothing measured is lost. */
	for (i = 0; rn.cgs && i < s->n_cgroups; i++) {
		int c = collect_cgroup(&rn, i);

		if (c < 0 && !r)
			r = c;
	}
	reduce_cgroups(&rn);
	if (sc_populate_run_metrics(&result->stats) < 0 && !r)
		r = -ENOMEM;
	if (r == 0)
		r = sc_scenario_evaluate(s, &rn.rec, result);
	teardown(&rn);
done:
	if (r < 0 && !err->msg[0])
		sc_error_set(err, "%s", strerror(-r));
	if (interrupted)
		*interrupted = rn.interrupted;
	free(rn.cgs);
	free(rn.pending_disturbed);
	free(rn.rt_sub);
	sc_run_record_release(&rn.rec);
	return r;
}
