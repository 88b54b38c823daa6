// SPDX-License-Identifier: MIT
/*
 * VM topologies: the preset table, "N,L,C,T" parsing and validation, the
 * CPU count and node mapping, and the accelerator choice (KVM vs TCG).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <schedcheck/vm.h>

static const struct sc_vm_topology_preset presets[] = {
#define SC_X_(id, name, n, l, c, t, summary) [SC_VM_TOPO_##id] = { name, summary, { n, l, c, t } },
	SC_VM_TOPOLOGY_PRESETS(SC_X_)
#undef SC_X_
};

const struct sc_vm_topology_preset *sc_vm_topology_preset_at(size_t i)
{
	return i < SC_VM_TOPO_PRESET_MAX ? &presets[i] : NULL;
}

const struct sc_vm_topology_preset *sc_vm_topology_preset_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < SC_VM_TOPO_PRESET_MAX; i++)
		if (!strcmp(presets[i].name, name))
			return &presets[i];
	return NULL;
}

uint32_t sc_vm_topology_cpus(const struct sc_vm_topology *t)
{
	uint64_t n = (uint64_t)t->nodes * t->llcs_per_node * t->cores_per_llc * t->threads_per_core;

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t sc_vm_topology_node_of(const struct sc_vm_topology *t, uint32_t cpu)
{
	uint32_t per_node = t->llcs_per_node * t->cores_per_llc * t->threads_per_core;

	return per_node ? cpu / per_node : 0;
}

int sc_vm_topology_format(const struct sc_vm_topology *t, char *buf, size_t len)
{
	return snprintf(buf, len, "%u,%u,%u,%u", t->nodes, t->llcs_per_node, t->cores_per_llc,
			t->threads_per_core);
}

int sc_vm_topology_validate(const struct sc_vm_topology *t, struct sc_error *err)
{
	static const char *const names[] = { "nodes", "LLCs per node", "cores per LLC",
					     "threads per core" };
	const uint32_t v[] = { t->nodes, t->llcs_per_node, t->cores_per_llc, t->threads_per_core };
	uint64_t cpus;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (v[i] == 0 || v[i] > SC_VM_MAX_CPUS) {
			sc_error_set(err, "topology: %s must be 1..%u (got %u)", names[i],
				     SC_VM_MAX_CPUS, v[i]);
			return -EINVAL;
		}
	}
	if (t->nodes > SC_VM_MAX_NODES) {
		sc_error_set(err, "topology: at most %u NUMA nodes (got %u)", SC_VM_MAX_NODES,
			     t->nodes);
		return -EINVAL;
	}
	if (t->threads_per_core > SC_VM_MAX_THREADS_PER_CORE) {
		sc_error_set(err, "topology: at most %u threads per core (got %u)",
			     SC_VM_MAX_THREADS_PER_CORE, t->threads_per_core);
		return -EINVAL;
	}
	cpus = (uint64_t)t->nodes * t->llcs_per_node * t->cores_per_llc * t->threads_per_core;
	if (cpus > SC_VM_MAX_CPUS) {
		sc_error_set(err, "topology: %llu CPUs in all, more than the limit of %u",
			     (unsigned long long)cpus, SC_VM_MAX_CPUS);
		return -EINVAL;
	}
	return 0;
}

/* One decimal field of "N,L,C,T": digits only, no sign, no overflow. */
static int parse_field(const char **s, uint32_t *out)
{
	uint64_t v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
		p++;
	}
	*out = (uint32_t)v;
	*s = p;
	return 0;
}

int sc_vm_topology_parse(const char *spec, struct sc_vm_topology *out, struct sc_error *err)
{
	const struct sc_vm_topology_preset *p;
	struct sc_vm_topology t;
	uint32_t f[4];
	const char *s = spec;
	size_t i;
	int r;

	if (!spec || !*spec) {
		sc_error_set(err, "topology: empty (a preset name or N,L,C,T)");
		return -EINVAL;
	}
	p = sc_vm_topology_preset_find(spec);
	if (p) {
		*out = p->topo;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		r = parse_field(&s, &f[i]);
		if (r < 0 || (i < 3 && *s != ',') || (i == 3 && *s)) {
			sc_error_set(err,
				     "topology '%s': not a preset (see `schedcheck vm "
				     "--list-topologies`) nor N,L,C,T (nodes, LLCs per node, cores "
				     "per LLC, threads per core); bad field %zu at column %zu",
				     spec, i + 1, (size_t)(s - spec) + 1);
			return -EINVAL;
		}
		if (i < 3)
			s++;
	}
	t.nodes = f[0];
	t.llcs_per_node = f[1];
	t.cores_per_llc = f[2];
	t.threads_per_core = f[3];
	r = sc_vm_topology_validate(&t, err);
	if (r < 0)
		return r;
	*out = t;
	return 0;
}

/* ---- acceleration ------------------------------------------------------ */

static const char *const accel_names[] = {
#define SC_X_(id, name) [SC_VM_ACCEL_##id] = name,
	SC_VM_ACCELS(SC_X_)
#undef SC_X_
};

const char *sc_vm_accel_name(enum sc_vm_accel a)
{
	return (unsigned)a < SC_VM_ACCEL_MAX ? accel_names[a] : "?";
}

int sc_vm_accel_parse(const char *s, enum sc_vm_accel *out)
{
	int i;

	for (i = 0; s && i < SC_VM_ACCEL_MAX; i++) {
		if (!strcmp(s, accel_names[i])) {
			*out = (enum sc_vm_accel)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum sc_vm_accel sc_vm_accel_resolve(enum sc_vm_accel want, const char *root, char *why,
				     size_t why_len)
{
	char path[PATH_MAX];
	int fd;

	if (!why)
		why_len = 0;
	if (want == SC_VM_ACCEL_KVM || want == SC_VM_ACCEL_TCG) {
		if (why_len)
			snprintf(why, why_len, "--accel %s", sc_vm_accel_name(want));
		return want;
	}
	if (!root || !*root)
		root = "/";
	snprintf(path, sizeof(path), "%s/sys/module/kvm_pvm", root);
	if (access(path, F_OK) == 0) {
		if (why_len)
			snprintf(why, why_len,
				 "/dev/kvm is kvm_pvm, which cannot run stock kernels: using TCG");
		return SC_VM_ACCEL_TCG;
	}
	snprintf(path, sizeof(path), "%s/dev/kvm", root);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (why_len)
			snprintf(why, why_len, "%s cannot be opened (%s): using TCG", path,
				 strerror(errno));
		return SC_VM_ACCEL_TCG;
	}
	close(fd);
	if (why_len)
		snprintf(why, why_len, "%s is usable: using KVM", path);
	return SC_VM_ACCEL_KVM;
}
