// SPDX-License-Identifier: MIT
/*
 * ScenarioStats: the per-cgroup whole-run reductions of a scenario, the
 * run-level worsts, and its phase buckets sorted by step_index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/metrics.h>
#include <schedcheck/verdict.h>

void sc_scenario_stats_init(struct sc_scenario_stats *s)
{
	memset(s, 0, sizeof(*s));
}

void sc_scenario_stats_release(struct sc_scenario_stats *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_cgroups; i++)
		sc_cgroup_stats_release(&s->cgroups[i]);
	free(s->cgroups);
	for (i = 0; i < s->n_phases; i++)
		sc_phase_bucket_release(&s->phases[i]);
	free(s->phases);
	sc_metric_map_release(&s->ext_metrics);
	sc_scenario_stats_init(s);
}

/* Folds one cgroup's reduction into the run-level totals and worsts. */
static void account_cgroup(struct sc_scenario_stats *s, const struct sc_cgroup_stats *cs)
{
	s->total_workers = sc_sat_add_u64(s->total_workers, cs->num_workers);
	s->total_migrations = sc_sat_add_u64(s->total_migrations, cs->total_migrations);
	s->total_iterations = sc_sat_add_u64(s->total_iterations, cs->total_iterations);
	if (cs->spread.present &&
	    (!s->worst_spread.present || cs->spread.value > s->worst_spread.value))
		s->worst_spread = cs->spread;
	if (cs->max_gap_ms >= s->worst_gap_ms) {
		s->worst_gap_ms = cs->max_gap_ms;
		s->worst_gap_cpu = cs->max_gap_cpu;
	}
}

/* Distinct CPUs used across every cgroup. */
static int recount_cpus(struct sc_scenario_stats *s)
{
	struct sc_cpu_set all = { 0 };
	size_t i;
	int r;

	for (i = 0; i < s->n_cgroups; i++) {
		r = sc_cpu_set_union(&all, &s->cgroups[i].cpus_used);
		if (r < 0) {
			sc_cpu_set_release(&all);
			return r;
		}
	}
	if (all.len > s->total_cpus)
		s->total_cpus = all.len;
	sc_cpu_set_release(&all);
	return 0;
}

int sc_scenario_stats_add_cgroup(struct sc_scenario_stats *s, struct sc_cgroup_stats *cs)
{
	void *p;

	if (s->n_cgroups >= SIZE_MAX / sizeof(*s->cgroups) - 1)
		return -EOVERFLOW;
	p = realloc(s->cgroups, (s->n_cgroups + 1) * sizeof(*s->cgroups));
	if (!p)
		return -ENOMEM;
	s->cgroups = p;
	s->cgroups[s->n_cgroups++] = *cs;
	sc_cgroup_stats_init(cs);
	account_cgroup(s, &s->cgroups[s->n_cgroups - 1]);
	return recount_cpus(s);
}

const struct sc_phase_bucket *sc_scenario_stats_phase(const struct sc_scenario_stats *s,
						      sc_phase phase)
{
	size_t i;

	for (i = 0; i < s->n_phases; i++)
		if (s->phases[i].step_index == phase.raw)
			return &s->phases[i];
	return NULL;
}

int sc_scenario_stats_put_phase(struct sc_scenario_stats *s, struct sc_phase_bucket *b)
{
	size_t i;
	void *p;

	for (i = 0; i < s->n_phases && s->phases[i].step_index < b->step_index; i++)
		;
	if (i < s->n_phases && s->phases[i].step_index == b->step_index)
		return sc_merge_matched_phase_buckets(&s->phases[i], b);
	if (s->n_phases >= SIZE_MAX / sizeof(*s->phases) - 1)
		return -EOVERFLOW;
	p = realloc(s->phases, (s->n_phases + 1) * sizeof(*s->phases));
	if (!p)
		return -ENOMEM;
	s->phases = p;
	memmove(s->phases + i + 1, s->phases + i, (s->n_phases - i) * sizeof(*s->phases));
	s->phases[i] = *b;
	memset(b, 0, sizeof(*b));
	s->n_phases++;
	return 0;
}

/*
 * Run-level ext_metrics merge by key: registered non-derived kinds by their
 * MetricKind (no sample counts or windows at run level: weight 1, a wins a
 * Last tie), derived and unregistered keys by the mean.
 */
static int merge_ext_metrics(struct sc_metric_map *a, const struct sc_metric_map *b)
{
	struct sc_metric_map m = { 0 };
	size_t i;
	int r = sc_metric_map_copy(&m, a);

	if (r < 0)
		return r;
	for (i = 0; i < b->len; i++) {
		const struct sc_metric_def *def = sc_metric_def_lookup(b->e[i].name);
		double av, v = b->e[i].value;

		if (sc_metric_map_get(&m, b->e[i].name, &av)) {
			bool plain = def && !sc_metric_kind_is_derived(&def->kind);

			r = sc_merge_metric_values(plain ? &def->kind : NULL, av, v, 1, 1, 0, 0,
						   &v);
			if (r < 0)
				goto fail;
		}
		r = sc_metric_map_set(&m, b->e[i].name, v);
		if (r < 0)
			goto fail;
	}
	sc_metric_map_release(a);
	*a = m;
	return 0;
fail:
	sc_metric_map_release(&m);
	return r;
}

int sc_scenario_stats_merge(struct sc_scenario_stats *a, struct sc_scenario_stats *b)
{
	size_t i, need;
	void *p;
	int r;

	if (__builtin_add_overflow(a->n_cgroups, b->n_cgroups, &need) ||
	    need > SIZE_MAX / sizeof(*a->cgroups))
		return -EOVERFLOW;
	p = realloc(a->cgroups, (need ? need : 1) * sizeof(*a->cgroups));
	if (!p)
		return -ENOMEM;
	a->cgroups = p;
	r = merge_ext_metrics(&a->ext_metrics, &b->ext_metrics);
	if (r < 0)
		return r;
	/* Phases matched by step_index; unmatched ones keep their place in order. */
	for (i = 0; i < b->n_phases; i++) {
		r = sc_scenario_stats_put_phase(a, &b->phases[i]);
		if (r < 0) {
			/* What is folded stays in a; the rest stays in b. */
			memmove(b->phases, b->phases + i, (b->n_phases - i) * sizeof(*b->phases));
			b->n_phases -= i;
			return r;
		}
	}
	b->n_phases = 0;
	for (i = 0; i < b->n_cgroups; i++) {
		a->cgroups[a->n_cgroups++] = b->cgroups[i];
		sc_cgroup_stats_init(&b->cgroups[i]);
	}
	b->n_cgroups = 0;
	a->total_workers = sc_sat_add_u64(a->total_workers, b->total_workers);
	a->total_migrations = sc_sat_add_u64(a->total_migrations, b->total_migrations);
	a->total_iterations = sc_sat_add_u64(a->total_iterations, b->total_iterations);
	if (b->total_cpus > a->total_cpus)
		a->total_cpus = b->total_cpus;
	if (b->worst_spread.present &&
	    (!a->worst_spread.present || b->worst_spread.value > a->worst_spread.value))
		a->worst_spread = b->worst_spread;
	if (b->worst_gap_ms >= a->worst_gap_ms) {
		a->worst_gap_ms = b->worst_gap_ms;
		a->worst_gap_cpu = b->worst_gap_cpu;
	}
	sc_scenario_stats_release(b);
	/* Per-phase derived metrics were emptied by the carrier merges. */
	for (i = 0; i < a->n_phases; i++) {
		r = sc_derive_phase_metrics(&a->phases[i]);
		if (r < 0)
			return r;
	}
	/* Run-level derived metrics re-pool from the merged components. */
	return sc_populate_run_metrics(a);
}
