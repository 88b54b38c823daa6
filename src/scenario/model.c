// SPDX-License-Identifier: MIT
/*
 * The scenario model's lifecycle, its derived totals, the op name table and
 * the check table with its threshold configuration.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario-internal.h"

static const char *const op_names[] = {
#define SC_X_(id, name) [SC_OP_##id] = name,
	SC_OP_KINDS(SC_X_)
#undef SC_X_
};

const char *sc_op_kind_name(enum sc_op_kind k)
{
	return (unsigned)k < SC_OP_KIND_MAX ? op_names[k] : "unknown";
}

/* One sentence per check; docs/checks.md says the same. */
#define DESC_NOT_STARVED                                          \
	"no worker waits longer than the limit between two work " \
	"units (the largest scheduling gap)"
#define DESC_OFF_CPU_SPREAD                                      \
	"within a cgroup, max - min worker off-CPU share stays " \
	"below the limit (fairness inside the group)"
#define DESC_ISOLATION "every CPU a worker ran on is in its cgroup's effective cpuset"
#define DESC_WAKE_P99 "99th percentile wake-to-run latency per cgroup"
#define DESC_WAKE_CV "pooled wake latency stddev / mean per cgroup"
#define DESC_ITERATION_RATE                                      \
	"work units per second per worker, per cgroup (0: only " \
	"checks that workers made progress)"
#define DESC_MIGRATION_RATIO "CPU migrations per work unit, per cgroup"
#define DESC_RQ_IMBALANCE                                         \
	"largest max - min per-CPU runnable count in any sample " \
	"(needs per-CPU run-queue depth from the kernel)"
#define DESC_PAGE_LOCALITY                                      \
	"share of pages on the memory policy's nodes (cgroups " \
	"with a bind/preferred/interleave policy)"
#define DESC_CROSS_NODE "cross-node migrated pages / resident pages per cgroup"
#define DESC_WEIGHTED_FAIRNESS                                   \
	"under contention, each weighted cgroup's CPU share vs " \
	"the share its cpu.weight entitles it to: "              \
	"|got - want| / want"
#define DESC_TIMER_P99                                             \
	"99th percentile timer latency per cgroup (timer_latency " \
	"workers)"

static const struct sc_check_def check_defs[] = {
#define SC_X_(id, name, key, def, unit) { name, key, def, unit, DESC_##id },
	SC_CHECKS(SC_X_)
#undef SC_X_
};

const struct sc_check_def *sc_check_def_at(enum sc_check_id id)
{
	return (unsigned)id < SC_CHECK_MAX ? &check_defs[id] : NULL;
}

int sc_check_lookup(const char *key)
{
	int i;

	for (i = 0; i < SC_CHECK_MAX; i++)
		if (!strcmp(check_defs[i].key, key) || !strcmp(check_defs[i].name, key))
			return i;
	return -1;
}

void sc_check_config_init(struct sc_check_config *c)
{
	int i;

	for (i = 0; i < SC_CHECK_MAX; i++)
		c->value[i] = check_defs[i].default_value;
}

int sc_check_config_apply(struct sc_check_config *c, const char *assignment, struct sc_error *err)
{
	const char *eq = strchr(assignment, '=');
	char key[128], *end;
	size_t klen;
	double v;
	int i;

	if (!eq || eq == assignment) {
		sc_error_set(err, "--check '%s': expected KEY=VALUE (e.g. max_gap_ms=500)",
			     assignment);
		return -EINVAL;
	}
	klen = (size_t)(eq - assignment);
	if (klen >= sizeof(key)) {
		sc_error_set(err, "--check: key too long");
		return -EINVAL;
	}
	memcpy(key, assignment, klen);
	key[klen] = '\0';
	i = sc_check_lookup(key);
	if (i < 0) {
		sc_error_set(err, "--check '%s': unknown check (see `schedcheck checks`)", key);
		return -EINVAL;
	}
	if (!strcmp(eq + 1, "off")) {
		c->value[i] = NAN;
		return 0;
	}
	if (i == SC_CHECK_ISOLATION) {
		if (!strcmp(eq + 1, "true") || !strcmp(eq + 1, "on") || !strcmp(eq + 1, "1")) {
			c->value[i] = 1.0;
			return 0;
		}
		if (!strcmp(eq + 1, "false") || !strcmp(eq + 1, "0")) {
			c->value[i] = NAN;
			return 0;
		}
		sc_error_set(err, "--check isolation: expected true, false or off");
		return -EINVAL;
	}
	errno = 0;
	v = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || *end || !isfinite(v) || v < 0) {
		sc_error_set(err, "--check %s: '%s' is not a number >= 0 (or off)", key, eq + 1);
		return -EINVAL;
	}
	c->value[i] = v;
	return 0;
}

void sc_cgroup_settings_release(struct sc_cgroup_settings *st)
{
	sc_cpu_set_release(&st->cpus);
	sc_cpu_set_release(&st->mems);
}

void sc_scenario_init(struct sc_scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->settle_ms = 1000;
	s->sample_interval_ms = 100;
	s->requires.min_cpus = 1;
	s->requires.min_numa_nodes = 1;
	s->requires.root = false;
	sc_check_config_init(&s->checks);
}

void sc_scenario_release(struct sc_scenario *s)
{
	size_t i, j;

	if (!s)
		return;
	free(s->name);
	free(s->description);
	for (i = 0; i < s->n_cgroups; i++) {
		struct sc_scenario_cgroup *cg = &s->cgroups[i];

		free(cg->name);
		sc_cgroup_settings_release(&cg->settings);
		for (j = 0; j < cg->n_work; j++)
			sc_work_spec_release(&cg->work[j]);
		free(cg->work);
	}
	free(s->cgroups);
	for (i = 0; i < s->n_steps; i++) {
		for (j = 0; j < s->steps[i].n_ops; j++) {
			struct sc_scenario_op *op = &s->steps[i].ops[j];

			sc_cpu_set_release(&op->cpus);
			sc_cpu_set_release(&op->mems);
			if (op->kind == SC_OP_SPAWN)
				sc_work_spec_release(&op->work);
		}
		free(s->steps[i].ops);
	}
	free(s->steps);
	sc_scenario_init(s);
}

uint64_t sc_scenario_duration_ms(const struct sc_scenario *s)
{
	uint64_t total = s->settle_ms;
	size_t i;

	for (i = 0; i < s->n_steps; i++)
		total = sc_sat_add_u64(total, s->steps[i].hold_ms);
	return total;
}

uint64_t sc_scenario_total_workers(const struct sc_scenario *s)
{
	uint64_t n = 0;
	size_t i, j;

	for (i = 0; i < s->n_cgroups; i++)
		for (j = 0; j < s->cgroups[i].n_work; j++)
			n += s->cgroups[i].work[j].workers;
	for (i = 0; i < s->n_steps; i++)
		for (j = 0; j < s->steps[i].n_ops; j++)
			if (s->steps[i].ops[j].kind == SC_OP_SPAWN)
				n += s->steps[i].ops[j].work.workers;
	return n;
}
