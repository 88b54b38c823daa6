// SPDX-License-Identifier: MIT
/*
 * Work specs: name tables, defaults, deep copy, the scheduling-policy parser
 * and validation. Pure: no I/O, nothing spawned, so every rule is unit-testable.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "workload-internal.h"

static const char *const type_names[] = {
#define SC_X_(id, name, impl) [SC_WORK_##id] = name,
	SC_WORK_TYPES(SC_X_)
#undef SC_X_
};

static const bool type_impl[] = {
#define SC_X_(id, name, impl) [SC_WORK_##id] = impl,
	SC_WORK_TYPES(SC_X_)
#undef SC_X_
};

static const char *const clone_names[] = {
#define SC_X_(id, name) [SC_CLONE_##id] = name,
	SC_CLONE_MODES(SC_X_)
#undef SC_X_
};

static const char *const sched_names[] = {
#define SC_X_(id, name) [SC_SCHED_##id] = name,
	SC_SCHED_KINDS(SC_X_)
#undef SC_X_
};

static const char *const mempol_names[] = {
#define SC_X_(id, name) [SC_MEMPOL_##id] = name,
	SC_MEM_POLICIES(SC_X_)
#undef SC_X_
};

static const char *const chain_names[] = {
#define SC_X_(id, name) [SC_CHAIN_##id] = name,
	SC_CHAIN_MODES(SC_X_)
#undef SC_X_
};

static int parse_name(const char *const *names, unsigned n, const char *name, unsigned *out)
{
	unsigned i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], name)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sc_work_type_name(enum sc_work_type t)
{
	return (unsigned)t < SC_WORK_TYPE_MAX ? type_names[t] : "unknown";
}

int sc_work_type_parse(const char *name, enum sc_work_type *out)
{
	unsigned v;
	int r = parse_name(type_names, SC_WORK_TYPE_MAX, name, &v);

	if (r == 0)
		*out = (enum sc_work_type)v;
	return r;
}

bool sc_work_type_implemented(enum sc_work_type t)
{
	return (unsigned)t < SC_WORK_TYPE_MAX && type_impl[t];
}

const char *sc_clone_mode_name(enum sc_clone_mode m)
{
	return (unsigned)m < SC_CLONE_MODE_MAX ? clone_names[m] : "unknown";
}

int sc_clone_mode_parse(const char *name, enum sc_clone_mode *out)
{
	unsigned v;
	int r = parse_name(clone_names, SC_CLONE_MODE_MAX, name, &v);

	if (r == 0)
		*out = (enum sc_clone_mode)v;
	return r;
}

const char *sc_sched_kind_name(enum sc_sched_kind k)
{
	return (unsigned)k < SC_SCHED_KIND_MAX ? sched_names[k] : "unknown";
}

const char *sc_mem_policy_name(enum sc_mem_policy_kind k)
{
	return (unsigned)k < SC_MEM_POLICY_MAX ? mempol_names[k] : "unknown";
}

int sc_mem_policy_parse(const char *name, enum sc_mem_policy_kind *out)
{
	unsigned v;
	int r = parse_name(mempol_names, SC_MEM_POLICY_MAX, name, &v);

	if (r == 0)
		*out = (enum sc_mem_policy_kind)v;
	return r;
}

const char *sc_chain_mode_name(enum sc_chain_mode m)
{
	return (unsigned)m < SC_CHAIN_MODE_MAX ? chain_names[m] : "unknown";
}

int sc_chain_mode_parse(const char *name, enum sc_chain_mode *out)
{
	unsigned v;
	int r = parse_name(chain_names, SC_CHAIN_MODE_MAX, name, &v);

	if (r == 0)
		*out = (enum sc_chain_mode)v;
	return r;
}

/* Parses an unsigned decimal with an optional ns/us/ms/s suffix into ns. */
static int parse_duration_ns(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	size_t i = 0;

	if (!len || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -ERANGE;
		i++;
	}
	if (i == len || (len - i == 2 && !strncmp(s + i, "ns", 2)))
		mul = 1;
	else if (len - i == 2 && !strncmp(s + i, "us", 2))
		mul = SC_NS_PER_US;
	else if (len - i == 2 && !strncmp(s + i, "ms", 2))
		mul = SC_NS_PER_MS;
	else if (len - i == 1 && s[i] == 's')
		mul = SC_NS_PER_SEC;
	else
		return -EINVAL;
	if (__builtin_mul_overflow(v, mul, &v))
		return -ERANGE;
	*out = v;
	return 0;
}

int sc_sched_policy_parse(const char *s, struct sc_sched_policy *out, struct sc_error *err)
{
	struct sc_sched_policy p;
	const char *colon, *arg;
	size_t klen;
	unsigned k;

	memset(&p, 0, sizeof(p));
	if (!s) {
		sc_error_set(err, "scheduling policy: missing");
		return -EINVAL;
	}
	colon = strchr(s, ':');
	klen = colon ? (size_t)(colon - s) : strlen(s);
	for (k = 0; k < SC_SCHED_KIND_MAX; k++)
		if (strlen(sched_names[k]) == klen && !strncmp(sched_names[k], s, klen))
			break;
	if (k == SC_SCHED_KIND_MAX) {
		sc_error_set(err,
			     "scheduling policy \"%s\": unknown kind (normal, batch, idle, "
			     "fifo:P, rr:P, deadline:RUNTIME/DEADLINE/PERIOD)",
			     s);
		return -EINVAL;
	}
	p.kind = (enum sc_sched_kind)k;
	arg = colon ? colon + 1 : NULL;
	if (p.kind == SC_SCHED_FIFO || p.kind == SC_SCHED_RR) {
		char *end;
		unsigned long v;

		if (!arg || *arg < '0' || *arg > '9') {
			sc_error_set(err,
				     "scheduling policy \"%s\": %s needs a priority, e.g. %s:50", s,
				     sched_names[k], sched_names[k]);
			return -EINVAL;
		}
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || v > UINT32_MAX) {
			sc_error_set(err, "scheduling policy \"%s\": bad priority", s);
			return -EINVAL;
		}
		p.priority = (uint32_t)v;
	} else if (p.kind == SC_SCHED_DEADLINE) {
		const char *a = arg, *slash1, *slash2;
		uint64_t v[3];

		slash1 = a ? strchr(a, '/') : NULL;
		slash2 = slash1 ? strchr(slash1 + 1, '/') : NULL;
		if (!slash1 || !slash2 || strchr(slash2 + 1, '/') ||
		    parse_duration_ns(a, (size_t)(slash1 - a), &v[0]) < 0 ||
		    parse_duration_ns(slash1 + 1, (size_t)(slash2 - slash1 - 1), &v[1]) < 0 ||
		    parse_duration_ns(slash2 + 1, strlen(slash2 + 1), &v[2]) < 0) {
			sc_error_set(err,
				     "scheduling policy \"%s\": deadline needs "
				     "RUNTIME/DEADLINE/PERIOD, e.g. deadline:2ms/10ms/10ms",
				     s);
			return -EINVAL;
		}
		p.runtime_ns = v[0];
		p.deadline_ns = v[1];
		p.period_ns = v[2];
	} else if (arg) {
		sc_error_set(err, "scheduling policy \"%s\": %s takes no argument", s,
			     sched_names[k]);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

void sc_work_spec_init(struct sc_work_spec *s, enum sc_work_type type)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->workers = 1;
	s->clone_mode = SC_CLONE_FORK;
	s->sched.kind = SC_SCHED_NORMAL;
	s->mem.kind = SC_MEMPOL_DEFAULT;
	s->seed = 0x5c4edc4ecull;
	switch (type) {
	case SC_WORK_YIELD:
		s->params.spin_loops = 1000;
		break;
	case SC_WORK_FUTEX_PINGPONG:
	case SC_WORK_WAKE_CHAIN:
	case SC_WORK_FANOUT:
		/* One pair / ring / group, doing no work between wakes. */
		s->workers = 2;
		s->params.spin_loops = 0;
		break;
	case SC_WORK_SCHBENCH:
		/* One message thread with its two worker threads. */
		s->workers = 3;
		s->params.spin_loops = 0;
		break;
	default:
		s->params.spin_loops = 10000;
		break;
	}
	s->params.yield_every = 4;
	s->params.sleep_every = 16;
	s->params.sleep_us = 100;
	s->params.burst_us = 5000;
	s->params.idle_us = 5000;
	s->params.interval_us = 1000;
	s->params.chain_depth = 2;
	s->params.chain_mode = SC_CHAIN_FUTEX;
	s->params.fanout = 1;
	s->params.io_bytes = 4096;
	s->params.footprint_kib = type == SC_WORK_NUMA_SWEEP ? 16384 : 8192;
	s->params.stride_bytes = 64;
	s->params.threads_per_message = 2;
	s->params.request_us = 100;
}

void sc_work_spec_release(struct sc_work_spec *s)
{
	if (!s)
		return;
	sc_cpu_set_release(&s->affinity);
	sc_cpu_set_release(&s->mem.nodes);
	free(s->params.io_dir);
	s->params.io_dir = NULL;
}

int sc_work_spec_copy(struct sc_work_spec *dst, const struct sc_work_spec *src)
{
	struct sc_work_spec t = *src;
	int r = 0;

	memset(&t.affinity, 0, sizeof(t.affinity));
	memset(&t.mem.nodes, 0, sizeof(t.mem.nodes));
	t.params.io_dir = NULL;
	if ((r = sc_cpu_set_copy(&t.affinity, &src->affinity)) < 0 ||
	    (r = sc_cpu_set_copy(&t.mem.nodes, &src->mem.nodes)) < 0)
		goto fail;
	t.params.io_dir = sc_strdup_or_null(src->params.io_dir, &r);
	if (r < 0)
		goto fail;
	*dst = t;
	return 0;
fail:
	sc_work_spec_release(&t);
	return r;
}

static int check_range(struct sc_error *err, const char *type, const char *field, uint64_t v,
		       uint64_t lo, uint64_t hi)
{
	if (v >= lo && v <= hi)
		return 0;
	sc_error_set(err, "%s: %s must be in %llu..%llu (got %llu)", type, field,
		     (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)v);
	return -EINVAL;
}

static int validate_params(const struct sc_work_spec *s, const char *tn, struct sc_error *err)
{
	const struct sc_work_params *p = &s->params;
	int r;

	if ((r = check_range(err, tn, "spin_loops", p->spin_loops, 0, 1000000000ull)) < 0)
		return r;
	switch (s->type) {
	case SC_WORK_MIXED:
		if ((r = check_range(err, tn, "sleep_us", p->sleep_us, 1, 1000000)) < 0)
			return r;
		break;
	case SC_WORK_BURSTY:
		if ((r = check_range(err, tn, "burst_us", p->burst_us, 1, 10000000)) < 0 ||
		    (r = check_range(err, tn, "idle_us", p->idle_us, 1, 10000000)) < 0)
			return r;
		break;
	case SC_WORK_TIMER_LATENCY:
		if ((r = check_range(err, tn, "interval_us", p->interval_us, 10, 100000)) < 0)
			return r;
		break;
	case SC_WORK_FUTEX_PINGPONG:
		if (s->workers % 2) {
			sc_error_set(err, "%s: workers must be even (got %u): workers pair up", tn,
				     s->workers);
			return -EINVAL;
		}
		break;
	case SC_WORK_WAKE_CHAIN:
		if ((unsigned)p->chain_mode >= SC_CHAIN_MODE_MAX) {
			sc_error_set(err, "%s: unknown chain_mode %d", tn, (int)p->chain_mode);
			return -EINVAL;
		}
		if ((r = check_range(err, tn, "chain_depth", p->chain_depth, 2, 1024)) < 0)
			return r;
		if (s->workers % p->chain_depth) {
			sc_error_set(err, "%s: workers (%u) must be a multiple of chain_depth (%u)",
				     tn, s->workers, p->chain_depth);
			return -EINVAL;
		}
		if (p->chain_mode == SC_CHAIN_PIPE && s->workers > SC_WORK_MAX_PIPE_WORKERS) {
			sc_error_set(err, "%s: pipe mode allows at most %u workers (got %u)", tn,
				     SC_WORK_MAX_PIPE_WORKERS, s->workers);
			return -EINVAL;
		}
		break;
	case SC_WORK_FANOUT:
		if ((r = check_range(err, tn, "fanout", p->fanout, 1, 1023)) < 0)
			return r;
		if (s->workers % (p->fanout + 1)) {
			sc_error_set(err,
				     "%s: workers (%u) must be a multiple of fanout + 1 (%u): "
				     "one waker and %u wakees per group",
				     tn, s->workers, p->fanout + 1, p->fanout);
			return -EINVAL;
		}
		break;
	case SC_WORK_SCHBENCH:
		if ((r = check_range(err, tn, "threads_per_message", p->threads_per_message, 1,
				     1023)) < 0 ||
		    (r = check_range(err, tn, "request_us", p->request_us, 0, 1000000)) < 0)
			return r;
		if (s->workers % (p->threads_per_message + 1)) {
			sc_error_set(
				err,
				"%s: workers (%u) must be a multiple of threads_per_message + 1 "
				"(%u): one message thread and %u worker threads per group",
				tn, s->workers, p->threads_per_message + 1, p->threads_per_message);
			return -EINVAL;
		}
		break;
	case SC_WORK_IO_SYNC:
		if ((r = check_range(err, tn, "io_bytes", p->io_bytes, 1, 1u << 20)) < 0)
			return r;
		if (p->io_dir && (p->io_dir[0] != '/' || strlen(p->io_dir) >= PATH_MAX)) {
			sc_error_set(err,
				     "%s: io_dir must be an absolute path shorter than %d bytes",
				     tn, PATH_MAX);
			return -EINVAL;
		}
		break;
	case SC_WORK_FORK_EXIT:
		if (s->sched.kind == SC_SCHED_DEADLINE) {
			sc_error_set(err, "%s: a deadline task cannot fork; use another policy",
				     tn);
			return -EINVAL;
		}
		break;
	case SC_WORK_CACHE_PRESSURE:
		if ((r = check_range(err, tn, "stride_bytes", p->stride_bytes, 8, 4096)) < 0)
			return r;
		/* fall through */
	case SC_WORK_NUMA_SWEEP:
		if ((r = check_range(err, tn, "footprint_kib", p->footprint_kib, 4,
				     SC_WORK_MAX_FOOTPRINT_KIB)) < 0)
			return r;
		break;
	default:
		break;
	}
	return 0;
}

int sc_work_spec_validate(const struct sc_work_spec *s, struct sc_error *err)
{
	const char *tn;
	size_t i;
	int r;

	if (!s) {
		sc_error_set(err, "work spec: missing");
		return -EINVAL;
	}
	if ((unsigned)s->type >= SC_WORK_TYPE_MAX) {
		sc_error_set(err, "work spec: unknown work type %d", (int)s->type);
		return -EINVAL;
	}
	tn = type_names[s->type];
	if (!type_impl[s->type]) {
		sc_error_set(err, "%s: not implemented yet", tn);
		return -EOPNOTSUPP;
	}
	if (s->workers < 1 || s->workers > SC_WORKLOAD_MAX_WORKERS) {
		sc_error_set(err, "%s: workers must be in 1..%u (got %u)", tn,
			     SC_WORKLOAD_MAX_WORKERS, s->workers);
		return -EINVAL;
	}
	if ((unsigned)s->clone_mode >= SC_CLONE_MODE_MAX) {
		sc_error_set(err, "%s: unknown clone mode %d", tn, (int)s->clone_mode);
		return -EINVAL;
	}
	switch (s->sched.kind) {
	case SC_SCHED_NORMAL:
	case SC_SCHED_BATCH:
	case SC_SCHED_IDLE:
		if (s->sched.priority || s->sched.runtime_ns || s->sched.deadline_ns ||
		    s->sched.period_ns) {
			sc_error_set(err, "%s: policy %s takes no priority or deadline parameters",
				     tn, sched_names[s->sched.kind]);
			return -EINVAL;
		}
		break;
	case SC_SCHED_FIFO:
	case SC_SCHED_RR:
		if ((r = check_range(err, tn, "sched priority", s->sched.priority, 1, 99)) < 0)
			return r;
		break;
	case SC_SCHED_DEADLINE: {
		uint64_t period = s->sched.period_ns ? s->sched.period_ns : s->sched.deadline_ns;

		/* The kernel's own rules (sched_dl_overflow aside): 1024 ns <= runtime
		 * <= deadline <= period < 2^63. */
		if (s->sched.runtime_ns < 1024 || s->sched.runtime_ns > s->sched.deadline_ns ||
		    s->sched.deadline_ns > period || period >= (1ull << 63)) {
			sc_error_set(err,
				     "%s: deadline policy needs 1024 ns <= runtime (%llu) <= "
				     "deadline (%llu) <= period (%llu)",
				     tn, (unsigned long long)s->sched.runtime_ns,
				     (unsigned long long)s->sched.deadline_ns,
				     (unsigned long long)period);
			return -EINVAL;
		}
		if (s->sched.priority) {
			sc_error_set(err, "%s: deadline policy takes no priority", tn);
			return -EINVAL;
		}
		break;
	}
	default:
		sc_error_set(err, "%s: unknown scheduling policy %d", tn, (int)s->sched.kind);
		return -EINVAL;
	}
	if (s->nice_set && (s->nice < -20 || s->nice > 19)) {
		sc_error_set(err, "%s: nice must be in -20..19 (got %d)", tn, s->nice);
		return -EINVAL;
	}
	for (i = 0; i < s->affinity.len; i++) {
		if (s->affinity.cpus[i] >= SC_WORK_MAX_CPUS) {
			sc_error_set(err, "%s: affinity CPU %llu is beyond the limit of %u CPUs",
				     tn, (unsigned long long)s->affinity.cpus[i], SC_WORK_MAX_CPUS);
			return -EINVAL;
		}
	}
	if ((unsigned)s->mem.kind >= SC_MEM_POLICY_MAX) {
		sc_error_set(err, "%s: unknown memory policy %d", tn, (int)s->mem.kind);
		return -EINVAL;
	}
	for (i = 0; i < s->mem.nodes.len; i++) {
		if (s->mem.nodes.cpus[i] >= SC_WORK_MAX_NODES) {
			sc_error_set(err, "%s: memory policy node %llu is beyond the limit of %u",
				     tn, (unsigned long long)s->mem.nodes.cpus[i],
				     SC_WORK_MAX_NODES);
			return -EINVAL;
		}
	}
	switch (s->mem.kind) {
	case SC_MEMPOL_DEFAULT:
	case SC_MEMPOL_LOCAL:
		if (s->mem.nodes.len) {
			sc_error_set(err, "%s: memory policy %s takes no nodes", tn,
				     mempol_names[s->mem.kind]);
			return -EINVAL;
		}
		break;
	case SC_MEMPOL_BIND:
	case SC_MEMPOL_INTERLEAVE:
		if (!s->mem.nodes.len) {
			sc_error_set(err, "%s: memory policy %s needs at least one node", tn,
				     mempol_names[s->mem.kind]);
			return -EINVAL;
		}
		break;
	case SC_MEMPOL_PREFERRED:
		if (s->mem.nodes.len != 1) {
			sc_error_set(err,
				     "%s: memory policy preferred needs exactly one node (got %zu)",
				     tn, s->mem.nodes.len);
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	return validate_params(s, tn, err);
}
