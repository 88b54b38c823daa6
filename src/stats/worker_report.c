// SPDX-License-Identifier: MIT
/*
 * The worker report lifecycle and the exit-kind name table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/stats.h>

static const char *const exit_kind_names[] = {
#define SC_X_(id, name) [SC_WORKER_##id] = name,
	SC_WORKER_EXIT_KINDS(SC_X_)
#undef SC_X_
};

const char *sc_worker_exit_kind_name(enum sc_worker_exit_kind k)
{
	return (unsigned)k < SC_WORKER_EXIT_KIND_MAX ? exit_kind_names[k] : "unknown";
}

int sc_worker_exit_kind_parse(const char *name, enum sc_worker_exit_kind *out)
{
	unsigned i;

	for (i = 0; i < SC_WORKER_EXIT_KIND_MAX; i++) {
		if (!strcmp(name, exit_kind_names[i])) {
			*out = (enum sc_worker_exit_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const source_names[] = {
#define SC_X_(id, name) [SC_SOURCE_##id] = name,
	SC_SAMPLE_SOURCES(SC_X_)
#undef SC_X_
};

const char *sc_sample_source_name(enum sc_sample_source s)
{
	return (unsigned)s < SC_SAMPLE_SOURCE_MAX ? source_names[s] : "unknown";
}

void sc_worker_report_init(struct sc_worker_report *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_kind = SC_WORKER_RUNNING;
}

void sc_worker_report_release(struct sc_worker_report *r)
{
	if (!r)
		return;
	sc_cpu_set_release(&r->cpus_used);
	sc_u64_vec_release(&r->wake_latencies_ns);
	sc_u64_vec_release(&r->timer_latencies_ns);
	free(r->error);
	sc_schbench_stats_free(r->schbench);
	sc_worker_report_init(r);
}
