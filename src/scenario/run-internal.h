/* SPDX-License-Identifier: MIT */
/*
 * What the runner remembers about each phase beyond the stats model (the
 * cpuset in effect, frozen cgroups, who was alive), so the checks can judge
 * the measurements against the conditions they were taken under.
 */
#ifndef SC_RUN_INTERNAL_H
#define SC_RUN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <schedcheck/scenario.h>
#include <schedcheck/verdict.h>

struct sc_phase_record {
	uint16_t step_index;
	uint64_t start_ms, end_ms;
	/* One entry per scenario cgroup. */
	struct sc_cpu_set *effective; /* effective cpuset during the phase */
	bool *effective_known;	      /* false: not readable (no cgroup, or v1 quirk) */
	bool *disturbed;	      /* frozen, moved or stopped in this phase: gaps expected */
	bool *alive;
};

struct sc_run_record {
	const struct sc_scenario *s;
	struct sc_phase_record *phases;
	size_t n_phases;
	struct sc_cpu_set online;
	bool have_cgroups; /* the run got its own cgroup tree */
};

void sc_run_record_release(struct sc_run_record *rec);

/* Evaluates every enabled check into `r`, from r->stats and the record. */
int sc_scenario_evaluate(const struct sc_scenario *s, const struct sc_run_record *rec,
			 struct sc_assert_result *r);

#endif
