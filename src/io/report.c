// SPDX-License-Identifier: MIT
/*
 * The text report a person reads: the verdict first, then every check, a
 * per-cgroup table and a per-phase timeline. Every figure carries its unit.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/report.h>

static const char *verdict_word(enum sc_outcome_kind k)
{
	switch (k) {
	case SC_OUTCOME_FAIL:
		return "FAIL";
	case SC_OUTCOME_INCONCLUSIVE:
		return "INCONCLUSIVE";
	case SC_OUTCOME_SKIP:
		return "SKIP";
	default:
		return "PASS";
	}
}

static void opt_pct(FILE *f, struct sc_opt_f64 v)
{
	if (v.present)
		fprintf(f, "%9.1f", v.value);
	else
		fprintf(f, "%9s", "n/a");
}

static void print_outcomes(FILE *f, const struct sc_assert_result *r, bool verbose)
{
	static const enum sc_outcome_kind order[] = { SC_OUTCOME_FAIL, SC_OUTCOME_INCONCLUSIVE,
						      SC_OUTCOME_SKIP, SC_OUTCOME_PASS };
	size_t i, k;

	fprintf(f, "\nchecks (%zu fail, %zu inconclusive, %zu skip, %zu pass):\n",
		sc_assert_result_count(r, SC_OUTCOME_FAIL),
		sc_assert_result_count(r, SC_OUTCOME_INCONCLUSIVE),
		sc_assert_result_count(r, SC_OUTCOME_SKIP),
		sc_assert_result_count(r, SC_OUTCOME_PASS));
	for (k = 0; k < 4; k++) {
		for (i = 0; i < r->n_outcomes; i++) {
			const struct sc_outcome *o = &r->outcomes[i];
			const struct sc_assert_detail *d = &o->detail;
			char phase[32] = "";

			if (o->kind != order[k])
				continue;
			if (o->kind == SC_OUTCOME_PASS && !verbose)
				continue;
			if (d->has_phase)
				sc_phase_format((sc_phase){ d->phase }, phase, sizeof(phase));
			fprintf(f, "  %-12s %-22s %-14s %-9s %s\n", verdict_word(o->kind),
				d->check ? d->check : "-", d->cgroup ? d->cgroup : "-",
				phase[0] ? phase : "-", d->message ? d->message : "");
		}
	}
	if (!verbose && sc_assert_result_count(r, SC_OUTCOME_PASS))
		fprintf(f, "  (%zu passing checks not shown; --verbose lists them)\n",
			sc_assert_result_count(r, SC_OUTCOME_PASS));
}

static void print_cgroups(FILE *f, const struct sc_scenario_stats *st)
{
	size_t i;

	if (!st->n_cgroups)
		return;
	fprintf(f, "\ncgroups (whole run):\n");
	fprintf(f, "  %-14s %7s %11s %9s %9s %9s %10s %11s %11s %12s %11s %6s\n", "cgroup",
		"workers", "iterations", "off-cpu%", "spread%", "max-gap", "gap-cpu", "wake-p99",
		"wake-p50", "run-delay", "migrations", "cpus");
	fprintf(f, "  %-14s %7s %11s %9s %9s %9s %10s %11s %11s %12s %11s %6s\n", "", "", "", "avg",
		"", "ms", "", "us", "us", "mean us", "", "");
	for (i = 0; i < st->n_cgroups; i++) {
		const struct sc_cgroup_stats *cs = &st->cgroups[i];
		char cpus[64];

		sc_cpu_set_format_list(&cs->cpus_used, cpus, sizeof(cpus));
		fprintf(f, "  %-14s %7llu %11llu ", cs->cgroup_name ? cs->cgroup_name : "-",
			(unsigned long long)cs->num_workers,
			(unsigned long long)cs->total_iterations);
		opt_pct(f, cs->avg_off_cpu_pct);
		fprintf(f, " ");
		opt_pct(f, cs->spread);
		fprintf(f, " %9llu %10llu ", (unsigned long long)cs->max_gap_ms,
			(unsigned long long)cs->max_gap_cpu);
		if (cs->wake_measured)
			fprintf(f, "%11.1f %11.1f ", cs->p99_wake_latency_us,
				cs->median_wake_latency_us);
		else
			fprintf(f, "%11s %11s ", "n/a", "n/a");
		if (cs->run_delay_measured)
			fprintf(f, "%12.1f ", cs->mean_run_delay_us);
		else
			fprintf(f, "%12s ", "n/a");
		fprintf(f, "%11llu %6s\n", (unsigned long long)cs->total_migrations, cpus);
		if (cs->timer_measured)
			fprintf(f,
				"  %-14s timer latency: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
				"worst %.1f us\n",
				"", cs->median_timer_latency_us, cs->p99_timer_latency_us,
				cs->p999_timer_latency_us, cs->worst_timer_latency_us);
	}
}

static void print_timeline(FILE *f, const struct sc_scenario_stats *st)
{
	size_t p, i;

	if (!st->n_phases)
		return;
	fprintf(f, "\ntimeline:\n");
	for (p = 0; p < st->n_phases; p++) {
		const struct sc_phase_bucket *b = &st->phases[p];
		double v;

		if (b->start_ms == 0 && b->end_ms == 0 && !b->metrics.len && b->per_cgroup.len)
			fprintf(f, "  %-9s window not measured, %llu samples", b->label,
				(unsigned long long)b->sample_count);
		else
			fprintf(f, "  %-9s %6llu..%-6llu ms (%llu ms), %llu samples", b->label,
				(unsigned long long)b->start_ms, (unsigned long long)b->end_ms,
				(unsigned long long)(b->end_ms >= b->start_ms
							     ? b->end_ms - b->start_ms
							     : 0),
				(unsigned long long)b->sample_count);
		if (sc_phase_bucket_get(b, "cpu_util_pct", &v))
			fprintf(f, ", cpu busy %.0f %%", v);
		if (sc_phase_bucket_get(b, "mean_nr_running", &v))
			fprintf(f, ", runnable %.1f", v);
		fprintf(f, "\n");
		for (i = 0; i < b->per_cgroup.len; i++) {
			const struct sc_phase_cgroup_stats *c = &b->per_cgroup.e[i].stats;
			double avg, mn, mx, sp, mean, worst, p99, med;
			int err = 0;

			fprintf(f,
				"    %-14s %3llu workers %10llu iters %6llu migr gap %4llu "
				"ms@cpu%llu",
				b->per_cgroup.e[i].name, (unsigned long long)c->num_workers,
				(unsigned long long)c->total_iterations,
				(unsigned long long)c->total_migrations,
				(unsigned long long)c->max_gap_ms,
				(unsigned long long)c->max_gap_cpu);
			if (sc_phase_cgroup_stats_off_cpu_summary(c, &avg, &mn, &mx, &sp))
				fprintf(f, "  off-cpu %.1f %%", avg);
			else if (c->stripped)
				fprintf(f, "  off-cpu (samples stripped)");
			if (sc_phase_cgroup_stats_run_delay_summary(c, &mean, &worst))
				fprintf(f, "  run-delay %.0f us", mean);
			if (sc_phase_cgroup_stats_wake_summary(c, &p99, &med, &err))
				fprintf(f, "  wake p99 %.1f us", p99);
			fprintf(f, "\n");
		}
	}
}

int sc_report_write(FILE *f, const struct sc_sidecar *s, bool verbose)
{
	const struct sc_assert_result *r = &s->result;
	enum sc_outcome_kind v = sc_assert_result_outcome(r);
	size_t i;

	if (s->n_runs && s->runs[0].scenario)
		fprintf(f, "schedcheck: %s: %s\n", s->runs[0].scenario, verdict_word(v));
	else
		fprintf(f, "schedcheck: %s\n", verdict_word(v));
	if (s->n_runs) {
		const struct sc_run_info *ri = &s->runs[0];

		fprintf(f,
			"  kernel %s, %llu CPUs (%s), %llu NUMA node(s), scheduler %s, cgroups "
			"%s%s\n",
			ri->kernel_release ? ri->kernel_release : "?",
			(unsigned long long)ri->nr_cpus_online,
			ri->cpus_online ? ri->cpus_online : "?",
			(unsigned long long)ri->nr_numa_nodes, ri->scheduler ? ri->scheduler : "?",
			ri->cgroup_mode ? ri->cgroup_mode : "?",
			ri->interrupted ? ", INTERRUPTED (partial result)" : "");
		if (ri->end_unix_ns > ri->start_unix_ns)
			fprintf(f, "  duration %.2f s\n",
				(double)(ri->end_unix_ns - ri->start_unix_ns) / 1e9);
	}
	print_outcomes(f, r, verbose);
	print_cgroups(f, &r->stats);
	print_timeline(f, &r->stats);
	if (r->n_info_notes) {
		fprintf(f, "\nnotes:\n");
		for (i = 0; i < r->n_info_notes; i++)
			fprintf(f, "  %s%s%s\n",
				r->info_notes[i].source ? r->info_notes[i].source : "",
				r->info_notes[i].source ? ": " : "", r->info_notes[i].text);
	}
	return ferror(f) ? -EIO : 0;
}
