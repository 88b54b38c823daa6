// SPDX-License-Identifier: MIT
/*
 * The checks: each turns measurements into Pass / Fail / Skip / Inconclusive
 * outcomes whose detail names the check, cgroup, phase, measured value and
 * limit. Inconclusive exactly where a denominator is legitimately zero; Skip
 * where the environment cannot measure it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/metrics.h>
#include <schedcheck/verdict.h>

#include "run-internal.h"

struct ev {
	const struct sc_scenario *s;
	const struct sc_run_record *rec;
	struct sc_assert_result *r;
	int err;
};

__attribute__((format(printf, 9, 10))) static void emit(struct ev *ev, enum sc_outcome_kind k,
							enum sc_check_id id, const char *cgroup,
							int phase, bool has_value, double value,
							bool has_limit, const char *fmt, ...)
{
	const struct sc_check_def *def = sc_check_def_at(id);
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
	if (has_value)
		d.value = sc_some_f64(value);
	if (has_limit)
		d.limit = sc_some_f64(ev->s->checks.value[id]);
	d.unit = strdup(def->unit);
	e = d.unit ? sc_assert_detail_set(&d, def->name, cgroup, msg) : -ENOMEM;
	if (!e)
		e = sc_assert_result_record_outcome(ev->r, k, &d);
	sc_assert_detail_release(&d);
	if (e < 0 && !ev->err)
		ev->err = e;
}

static bool enabled(const struct ev *ev, enum sc_check_id id)
{
	return !isnan(ev->s->checks.value[id]);
}

static double limit(const struct ev *ev, enum sc_check_id id)
{
	return ev->s->checks.value[id];
}

static const char *phase_label(uint16_t idx, char *buf, size_t len)
{
	sc_phase_format((sc_phase){ idx }, buf, len);
	return buf;
}

static int cgroup_index(const struct sc_scenario *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_cgroups; i++)
		if (!strcmp(s->cgroups[i].name, name))
			return (int)i;
	return -1;
}

static const struct sc_phase_record *record_for(const struct sc_run_record *rec, uint16_t idx)
{
	size_t i;

	for (i = 0; i < rec->n_phases; i++)
		if (rec->phases[i].step_index == idx)
			return &rec->phases[i];
	return NULL;
}

/* Whether every work spec the cgroup ever runs keeps its workers runnable. */
static bool always_runnable(const struct sc_scenario *s, size_t ci)
{
	size_t k, i, j;

	for (k = 0; k < s->cgroups[ci].n_work; k++) {
		enum sc_work_type t = s->cgroups[ci].work[k].type;

		if (t != SC_WORK_SPIN && t != SC_WORK_CACHE_PRESSURE && t != SC_WORK_NUMA_SWEEP)
			return false;
	}
	for (i = 0; i < s->n_steps; i++)
		for (j = 0; j < s->steps[i].n_ops; j++) {
			const struct sc_scenario_op *op = &s->steps[i].ops[j];

			if (op->kind == SC_OP_SPAWN && op->cgroup == (int)ci &&
			    op->work.type != SC_WORK_SPIN)
				return false;
		}
	return s->cgroups[ci].n_work > 0;
}

/* ---- not starved -------------------------------------------------------- */

static void check_not_starved(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	size_t ci, p;
	char lbl[32];

	for (ci = 0; ci < ev->s->n_cgroups; ci++) {
		const char *name = ev->s->cgroups[ci].name;
		uint64_t worst = 0, cpu = 0;
		int worst_phase = -1;
		size_t seen = 0, skipped = 0;

		for (p = 0; p < st->n_phases; p++) {
			const struct sc_phase_cgroup_stats *c =
				sc_carrier_map_find(&st->phases[p].per_cgroup, name);
			const struct sc_phase_record *pr =
				record_for(ev->rec, st->phases[p].step_index);

			if (!c || !c->num_workers)
				continue;
			if (pr && pr->disturbed[ci]) {
				skipped++;
				continue;
			}
			seen++;
			if (c->max_gap_ms >= worst) {
				worst = c->max_gap_ms;
				cpu = c->max_gap_cpu;
				worst_phase = st->phases[p].step_index;
			}
		}
		if (!seen) {
			if (skipped)
				emit(ev, SC_OUTCOME_SKIP, SC_CHECK_NOT_STARVED, name, -1, false, 0,
				     false,
				     "every phase with workers was disturbed by a freeze, move or "
				     "stop");
			continue;
		}
		if ((double)worst > limit(ev, SC_CHECK_NOT_STARVED))
			emit(ev, SC_OUTCOME_FAIL, SC_CHECK_NOT_STARVED, name, worst_phase, true,
			     (double)worst, true,
			     "a worker waited %llu ms between two work units (on CPU %llu, in %s); "
			     "limit %g ms",
			     (unsigned long long)worst, (unsigned long long)cpu,
			     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)),
			     limit(ev, SC_CHECK_NOT_STARVED));
		else
			emit(ev, SC_OUTCOME_PASS, SC_CHECK_NOT_STARVED, name, worst_phase, true,
			     (double)worst, true, "largest gap %llu ms (CPU %llu, %s) <= %g ms",
			     (unsigned long long)worst, (unsigned long long)cpu,
			     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)),
			     limit(ev, SC_CHECK_NOT_STARVED));
	}
}

/* ---- off-CPU spread ----------------------------------------------------- */

static void check_spread(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	size_t ci, p;
	char lbl[32];

	for (ci = 0; ci < ev->s->n_cgroups; ci++) {
		const char *name = ev->s->cgroups[ci].name;
		double worst = -1;
		int worst_phase = -1;
		bool measured = false, any = false;

		if (!always_runnable(ev->s, ci))
			continue; /* off-CPU shares differ by design: not applicable */
		for (p = 0; p < st->n_phases; p++) {
			const struct sc_phase_cgroup_stats *c =
				sc_carrier_map_find(&st->phases[p].per_cgroup, name);
			const struct sc_phase_record *pr =
				record_for(ev->rec, st->phases[p].step_index);
			double avg, mn, mx, sp;

			if (!c || c->num_workers < 2 || (pr && pr->disturbed[ci]))
				continue;
			any = true;
			if (!sc_phase_cgroup_stats_off_cpu_summary(c, &avg, &mn, &mx, &sp))
				continue;
			measured = true;
			if (sp > worst) {
				worst = sp;
				worst_phase = st->phases[p].step_index;
			}
		}
		if (!any)
			continue; /* fewer than two workers: nothing to compare */
		if (!measured) {
			emit(ev, SC_OUTCOME_INCONCLUSIVE, SC_CHECK_OFF_CPU_SPREAD, name, -1, false,
			     0, true, "no worker had measurable wall time");
			continue;
		}
		emit(ev,
		     worst > limit(ev, SC_CHECK_OFF_CPU_SPREAD) ? SC_OUTCOME_FAIL : SC_OUTCOME_PASS,
		     SC_CHECK_OFF_CPU_SPREAD, name, worst_phase, true, worst, true,
		     "off-CPU share spread %.1f %% between its workers in %s (limit %g %%)", worst,
		     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)),
		     limit(ev, SC_CHECK_OFF_CPU_SPREAD));
	}
}

/* ---- isolation ---------------------------------------------------------- */

static void check_isolation(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	size_t ci, p, k;
	char lbl[32];

	if (!ev->rec->have_cgroups) {
		emit(ev, SC_OUTCOME_SKIP, SC_CHECK_ISOLATION, NULL, -1, false, 0, false,
		     "the run has no cgroups of its own, so no cpusets to hold workers to");
		return;
	}
	for (ci = 0; ci < ev->s->n_cgroups; ci++) {
		const char *name = ev->s->cgroups[ci].name;
		bool checked = false, failed = false;

		for (p = 0; p < st->n_phases && !failed; p++) {
			const struct sc_phase_cgroup_stats *c =
				sc_carrier_map_find(&st->phases[p].per_cgroup, name);
			const struct sc_phase_record *pr =
				record_for(ev->rec, st->phases[p].step_index);
			const struct sc_phase_record *next = NULL;
			char used[256], allowed[256];

			if (!c || !pr || !pr->effective_known[ci])
				continue;
			/* The ops closing this phase may have widened the set already. */
			for (k = 0; k + 1 < ev->rec->n_phases; k++)
				if (&ev->rec->phases[k] == pr)
					next = &ev->rec->phases[k + 1];
			checked = true;
			for (k = 0; k < c->cpus_used.len; k++) {
				uint64_t cpu = c->cpus_used.cpus[k];

				if (sc_cpu_set_contains(&pr->effective[ci], cpu))
					continue;
				if (next && next->effective_known[ci] &&
				    sc_cpu_set_contains(&next->effective[ci], cpu))
					continue;
				sc_cpu_set_format_list(&c->cpus_used, used, sizeof(used));
				sc_cpu_set_format_list(&pr->effective[ci], allowed,
						       sizeof(allowed));
				emit(ev, SC_OUTCOME_FAIL, SC_CHECK_ISOLATION, name,
				     st->phases[p].step_index, true, (double)cpu, false,
				     "a worker ran on CPU %llu in %s, outside the cgroup's "
				     "effective "
				     "cpuset %s (CPUs used: %s)",
				     (unsigned long long)cpu,
				     phase_label(st->phases[p].step_index, lbl, sizeof(lbl)),
				     allowed, used);
				failed = true;
				break;
			}
		}
		if (checked && !failed)
			emit(ev, SC_OUTCOME_PASS, SC_CHECK_ISOLATION, name, -1, false, 0, false,
			     "every CPU its workers ran on was in its effective cpuset");
		else if (!checked && ev->s->cgroups[ci].n_work)
			emit(ev, SC_OUTCOME_SKIP, SC_CHECK_ISOLATION, name, -1, false, 0, false,
			     "effective cpuset not readable for this cgroup");
	}
}

/* ---- whole-run per-cgroup distributions --------------------------------- */

static void check_latency(struct ev *ev, enum sc_check_id id)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	size_t i;

	for (i = 0; i < st->n_cgroups; i++) {
		const struct sc_cgroup_stats *cs = &st->cgroups[i];
		double v;
		const char *what;

		if (id == SC_CHECK_TIMER_P99) {
			if (!cs->timer_measured)
				continue;
			v = cs->p99_timer_latency_us;
			what = "p99 timer latency";
		} else if (id == SC_CHECK_WAKE_P99) {
			if (!cs->wake_measured)
				continue;
			v = cs->p99_wake_latency_us;
			what = "p99 wake-to-run latency";
		} else {
			if (!cs->wake_measured)
				continue;
			v = cs->wake_latency_cv;
			what = "wake latency CV";
		}
		emit(ev, v > limit(ev, id) ? SC_OUTCOME_FAIL : SC_OUTCOME_PASS, id, cs->cgroup_name,
		     -1, true, v, true, "%s %.*f %s (limit %g)", what,
		     id == SC_CHECK_WAKE_CV ? 3 : 1, v, sc_check_def_at(id)->unit, limit(ev, id));
	}
}

static void check_migration_ratio(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	size_t i;

	for (i = 0; i < st->n_cgroups; i++) {
		const struct sc_cgroup_stats *cs = &st->cgroups[i];

		if (!cs->num_workers)
			continue;
		if (!cs->total_iterations) {
			emit(ev, SC_OUTCOME_INCONCLUSIVE, SC_CHECK_MIGRATION_RATIO, cs->cgroup_name,
			     -1, false, 0, true,
			     "no work units completed: migrations per unit undefined");
			continue;
		}
		emit(ev,
		     cs->migration_ratio > limit(ev, SC_CHECK_MIGRATION_RATIO) ? SC_OUTCOME_FAIL
									       : SC_OUTCOME_PASS,
		     SC_CHECK_MIGRATION_RATIO, cs->cgroup_name, -1, true, cs->migration_ratio, true,
		     "%llu migrations over %llu work units = %.4f (limit %g)",
		     (unsigned long long)cs->total_migrations,
		     (unsigned long long)cs->total_iterations, cs->migration_ratio,
		     limit(ev, SC_CHECK_MIGRATION_RATIO));
	}
}

/* Memory-policy checks apply to cgroups that asked for placement. */
static bool wants_numa(const struct sc_scenario *s, const char *name)
{
	int ci = cgroup_index(s, name);
	size_t k;

	if (ci < 0)
		return false;
	for (k = 0; k < s->cgroups[ci].n_work; k++) {
		const struct sc_work_spec *w = &s->cgroups[ci].work[k];

		if (w->type == SC_WORK_NUMA_SWEEP ||
		    (w->mem.kind != SC_MEMPOL_DEFAULT && w->mem.kind != SC_MEMPOL_LOCAL))
			return true;
	}
	return false;
}

static void check_numa(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	size_t i;

	for (i = 0; i < st->n_cgroups; i++) {
		const struct sc_cgroup_stats *cs = &st->cgroups[i];
		bool measured;
		size_t p;

		if (!wants_numa(ev->s, cs->cgroup_name))
			continue;
		/* Resident pages come from the carriers; none means not measured. */
		measured = false;
		for (p = 0; p < st->n_phases; p++) {
			const struct sc_phase_cgroup_stats *c =
				sc_carrier_map_find(&st->phases[p].per_cgroup, cs->cgroup_name);

			if (c && c->numa_pages_total)
				measured = true;
		}
		if (enabled(ev, SC_CHECK_PAGE_LOCALITY)) {
			if (!measured && cs->page_locality == 0.0)
				emit(ev, SC_OUTCOME_INCONCLUSIVE, SC_CHECK_PAGE_LOCALITY,
				     cs->cgroup_name, -1, false, 0, true,
				     "no resident pages were counted: locality undefined");
			else
				emit(ev,
				     cs->page_locality < limit(ev, SC_CHECK_PAGE_LOCALITY)
					     ? SC_OUTCOME_FAIL
					     : SC_OUTCOME_PASS,
				     SC_CHECK_PAGE_LOCALITY, cs->cgroup_name, -1, true,
				     cs->page_locality, true,
				     "%.1f %% of pages on the policy's nodes (minimum %.1f %%)",
				     cs->page_locality * 100,
				     limit(ev, SC_CHECK_PAGE_LOCALITY) * 100);
		}
		if (enabled(ev, SC_CHECK_CROSS_NODE)) {
			if (!measured && cs->page_locality == 0.0)
				emit(ev, SC_OUTCOME_INCONCLUSIVE, SC_CHECK_CROSS_NODE,
				     cs->cgroup_name, -1, false, 0, true,
				     "no resident pages were counted: migration ratio undefined");
			else
				emit(ev,
				     cs->cross_node_migration_ratio > limit(ev, SC_CHECK_CROSS_NODE)
					     ? SC_OUTCOME_FAIL
					     : SC_OUTCOME_PASS,
				     SC_CHECK_CROSS_NODE, cs->cgroup_name, -1, true,
				     cs->cross_node_migration_ratio, true,
				     "cross-node migrated pages / resident pages = %.4f (limit %g)",
				     cs->cross_node_migration_ratio,
				     limit(ev, SC_CHECK_CROSS_NODE));
		}
	}
}

/* ---- iteration rate ----------------------------------------------------- */

static void check_iteration_rate(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	double lim = limit(ev, SC_CHECK_ITERATION_RATE);
	size_t ci, p;
	char lbl[32];

	for (ci = 0; ci < ev->s->n_cgroups; ci++) {
		const char *name = ev->s->cgroups[ci].name;
		double worst = INFINITY;
		int worst_phase = -1;

		for (p = 0; p < st->n_phases; p++) {
			const struct sc_phase_bucket *b = &st->phases[p];
			const struct sc_phase_cgroup_stats *c =
				sc_carrier_map_find(&b->per_cgroup, name);
			const struct sc_phase_record *pr = record_for(ev->rec, b->step_index);
			double secs, rate;

			if (!c || !c->num_workers || (pr && pr->disturbed[ci]) ||
			    b->end_ms <= b->start_ms)
				continue;
			secs = (double)(b->end_ms - b->start_ms) / 1000.0;
			rate = (double)c->total_iterations / (double)c->num_workers / secs;
			if (rate < worst) {
				worst = rate;
				worst_phase = b->step_index;
			}
		}
		if (worst_phase < 0)
			continue;
		if (lim == 0.0 ? worst == 0.0 : worst < lim)
			emit(ev, SC_OUTCOME_FAIL, SC_CHECK_ITERATION_RATE, name, worst_phase, true,
			     worst, true,
			     "%.1f work units per second per worker in %s (minimum %g%s)", worst,
			     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)), lim,
			     lim == 0.0 ? ": no progress at all" : "");
		else
			emit(ev, SC_OUTCOME_PASS, SC_CHECK_ITERATION_RATE, name, worst_phase, true,
			     worst, true,
			     "lowest rate %.1f work units/s per worker (%s), minimum %g", worst,
			     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)), lim);
	}
}

/* ---- run-queue imbalance ------------------------------------------------ */

static void check_rq_imbalance(struct ev *ev)
{
	const struct sc_scenario_stats *st = &ev->r->stats;
	double worst = -1;
	int worst_phase = -1;
	size_t p;
	char lbl[32];

	for (p = 0; p < st->n_phases; p++) {
		double v;

		if (sc_phase_bucket_get(&st->phases[p], "rq_imbalance", &v) && v > worst) {
			worst = v;
			worst_phase = st->phases[p].step_index;
		}
	}
	if (worst_phase < 0) {
		emit(ev, SC_OUTCOME_SKIP, SC_CHECK_RQ_IMBALANCE, NULL, -1, false, 0, true,
		     "this kernel exposes no per-CPU run-queue depth (no sched debug file, no "
		     "/proc/schedstat)");
		return;
	}
	emit(ev, worst > limit(ev, SC_CHECK_RQ_IMBALANCE) ? SC_OUTCOME_FAIL : SC_OUTCOME_PASS,
	     SC_CHECK_RQ_IMBALANCE, NULL, worst_phase, true, worst, true,
	     "largest per-CPU runnable imbalance %.1f tasks in %s (limit %g)", worst,
	     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)),
	     limit(ev, SC_CHECK_RQ_IMBALANCE));
}

/* ---- weighted fairness -------------------------------------------------- */

/* CPUs cgroup ci may use in a phase: its effective cpuset, else all online. */
static const struct sc_cpu_set *cpus_of(const struct ev *ev, const struct sc_phase_record *pr,
					size_t ci)
{
	if (pr && pr->effective_known[ci])
		return &pr->effective[ci];
	return &ev->rec->online;
}

static void check_weighted_fairness(struct ev *ev)
{
	const struct sc_scenario *s = ev->s;
	const struct sc_scenario_stats *st = &ev->r->stats;
	double tol = limit(ev, SC_CHECK_WEIGHTED_FAIRNESS);
	size_t ci, cj, p, k;
	bool *done;
	char lbl[32];

	if (!ev->rec->have_cgroups)
		return;
	done = calloc(s->n_cgroups ? s->n_cgroups : 1, sizeof(*done));
	if (!done) {
		ev->err = -ENOMEM;
		return;
	}
	/* Groups: siblings with an explicit weight and always-runnable workers. */
	for (ci = 0; ci < s->n_cgroups; ci++) {
		size_t members[64], nm = 0;
		double worst = -1;
		int worst_phase = -1;
		bool any_phase = false, zero = false;
		char detail[512] = "";

		if (done[ci] || !s->cgroups[ci].settings.has_weight || !always_runnable(s, ci))
			continue;
		for (cj = ci; cj < s->n_cgroups && nm < 64; cj++)
			if (!done[cj] && s->cgroups[cj].parent == s->cgroups[ci].parent &&
			    s->cgroups[cj].settings.has_weight && always_runnable(s, cj)) {
				members[nm++] = cj;
				done[cj] = true;
			}
		if (nm < 2)
			continue;
		for (p = 0; p < st->n_phases; p++) {
			const struct sc_phase_bucket *b = &st->phases[p];
			const struct sc_phase_record *pr = record_for(ev->rec, b->step_index);
			const struct sc_cpu_set *cpus0 = cpus_of(ev, pr, members[0]);
			double total_cpu = 0, total_w = 0;
			bool complete = true;

			/*
			 * The weights say how members share CPUs they all compete for
			 * while each could use them all: same effective cpuset, and at
			 * least as many runnable workers as CPUs in it, for every member.
			 */
			for (k = 0; k < nm && complete; k++) {
				const struct sc_phase_cgroup_stats *c = sc_carrier_map_find(
					&b->per_cgroup, s->cgroups[members[k]].name);

				if (!c || !c->num_workers || (pr && pr->disturbed[members[k]]) ||
				    !sc_cpu_set_equal(cpus_of(ev, pr, members[k]), cpus0) ||
				    c->num_workers < cpus0->len) {
					complete = false;
					break;
				}
				total_cpu += (double)c->total_cpu_time_ns;
				total_w += s->cgroups[members[k]].settings.weight;
			}
			if (!complete)
				continue;
			any_phase = true;
			if (total_cpu <= 0) {
				zero = true;
				continue;
			}
			for (k = 0; k < nm; k++) {
				const struct sc_phase_cgroup_stats *c = sc_carrier_map_find(
					&b->per_cgroup, s->cgroups[members[k]].name);
				double got = (double)c->total_cpu_time_ns / total_cpu;
				double want = s->cgroups[members[k]].settings.weight / total_w;
				double e = fabs(got - want) / want;

				if (e > worst) {
					worst = e;
					worst_phase = b->step_index;
					snprintf(detail, sizeof(detail),
						 "%s got %.1f %% of the group's CPU time, its "
						 "weight "
						 "entitles it to %.1f %%",
						 s->cgroups[members[k]].name, got * 100,
						 want * 100);
				}
			}
		}
		if (!any_phase)
			continue; /* never under contention: weights do not bind */
		if (worst < 0 && zero) {
			emit(ev, SC_OUTCOME_INCONCLUSIVE, SC_CHECK_WEIGHTED_FAIRNESS,
			     s->cgroups[ci].name, -1, false, 0, true,
			     "no on-CPU time was recorded under contention: shares undefined");
			continue;
		}
		emit(ev, worst > tol ? SC_OUTCOME_FAIL : SC_OUTCOME_PASS,
		     SC_CHECK_WEIGHTED_FAIRNESS, s->cgroups[ci].name, worst_phase, true, worst,
		     true, "worst relative share error %.3f in %s: %s (limit %g)", worst,
		     phase_label((uint16_t)worst_phase, lbl, sizeof(lbl)), detail, tol);
	}
	free(done);
}

int sc_scenario_evaluate(const struct sc_scenario *s, const struct sc_run_record *rec,
			 struct sc_assert_result *r)
{
	struct ev ev = { s, rec, r, 0 };

	if (enabled(&ev, SC_CHECK_NOT_STARVED))
		check_not_starved(&ev);
	if (enabled(&ev, SC_CHECK_OFF_CPU_SPREAD))
		check_spread(&ev);
	if (enabled(&ev, SC_CHECK_ISOLATION))
		check_isolation(&ev);
	if (enabled(&ev, SC_CHECK_WAKE_P99))
		check_latency(&ev, SC_CHECK_WAKE_P99);
	if (enabled(&ev, SC_CHECK_WAKE_CV))
		check_latency(&ev, SC_CHECK_WAKE_CV);
	if (enabled(&ev, SC_CHECK_TIMER_P99))
		check_latency(&ev, SC_CHECK_TIMER_P99);
	if (enabled(&ev, SC_CHECK_ITERATION_RATE))
		check_iteration_rate(&ev);
	if (enabled(&ev, SC_CHECK_MIGRATION_RATIO))
		check_migration_ratio(&ev);
	if (enabled(&ev, SC_CHECK_RQ_IMBALANCE))
		check_rq_imbalance(&ev);
	if (enabled(&ev, SC_CHECK_PAGE_LOCALITY) || enabled(&ev, SC_CHECK_CROSS_NODE))
		check_numa(&ev);
	if (enabled(&ev, SC_CHECK_WEIGHTED_FAIRNESS))
		check_weighted_fairness(&ev);
	return ev.err;
}
