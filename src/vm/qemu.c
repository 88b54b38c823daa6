// SPDX-License-Identifier: MIT
/*
 * The qemu-system-x86_64 command line for a topology, a kernel and an
 * initramfs, and the small owned-argv helper it is built in. Pure: nothing
 * is started here (host.c does that).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/vm.h>

void sc_argv_init(struct sc_argv *a)
{
	memset(a, 0, sizeof(*a));
}

void sc_argv_release(struct sc_argv *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	sc_argv_init(a);
}

/* Takes ownership of `s` (freed on failure). */
static int argv_take(struct sc_argv *a, char *s)
{
	if (!s)
		return -ENOMEM;
	if (a->n + 2 > a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		char **v;

		if (ncap > SIZE_MAX / sizeof(*v)) {
			free(s);
			return -EOVERFLOW;
		}
		v = realloc(a->v, ncap * sizeof(*v));
		if (!v) {
			free(s);
			return -ENOMEM;
		}
		a->v = v;
		a->cap = ncap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

int sc_argv_push(struct sc_argv *a, const char *s)
{
	return argv_take(a, strdup(s));
}

int sc_argv_pushf(struct sc_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	return argv_take(a, s);
}

long sc_argv_find(const struct sc_argv *a, const char *s)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return (long)i;
	return -1;
}

/* A path qemu parses inside a comma-separated option: commas must be doubled. */
static bool option_safe(const char *path)
{
	return path && *path && !strchr(path, ',');
}

int sc_vm_qemu_argv(const struct sc_vm_qemu_config *c, struct sc_argv *out, struct sc_error *err)
{
	const struct sc_vm_topology *t = &c->topo;
	uint32_t cpus, sockets, node, s, i, j;
	uint64_t per_node_mib;
	int r = 0;

	if (out->n) {
		sc_error_set(err, "qemu argv: output is not empty");
		return -EINVAL;
	}
	r = sc_vm_topology_validate(t, err);
	if (r < 0)
		return r;
	if (c->accel != SC_VM_ACCEL_KVM && c->accel != SC_VM_ACCEL_TCG) {
		sc_error_set(err, "qemu argv: the accelerator must be resolved to kvm or tcg");
		return -EINVAL;
	}
	if (!c->kernel || !c->initrd || !c->console_log || !c->frames_path) {
		sc_error_set(err,
			     "qemu argv: kernel, initrd, console log and frames path are needed");
		return -EINVAL;
	}
	if (!option_safe(c->console_log) || !option_safe(c->frames_path)) {
		sc_error_set(err,
			     "qemu argv: the console log and frames paths may not contain ','");
		return -EINVAL;
	}
	per_node_mib = c->memory_mib / t->nodes;
	if (c->memory_mib > SC_VM_MAX_MEMORY_MIB ||
	    per_node_mib < SC_VM_MIN_MEMORY_MIB / t->nodes || per_node_mib == 0) {
		sc_error_set(err, "qemu argv: memory must be %u..%u MiB (got %llu)",
			     SC_VM_MIN_MEMORY_MIB, SC_VM_MAX_MEMORY_MIB,
			     (unsigned long long)c->memory_mib);
		return -EINVAL;
	}
	if (c->append && strlen(c->append) > 1024) {
		sc_error_set(err, "qemu argv: extra kernel command line longer than 1024 bytes");
		return -EINVAL;
	}
	cpus = sc_vm_topology_cpus(t);
	sockets = t->nodes * t->llcs_per_node;

#define PUSH(s)                                       \
	do {                                          \
		if ((r = sc_argv_push(out, (s))) < 0) \
			goto fail;                    \
	} while (0)
#define PUSHF(...)                                             \
	do {                                                   \
		if ((r = sc_argv_pushf(out, __VA_ARGS__)) < 0) \
			goto fail;                             \
	} while (0)

	PUSH(c->qemu ? c->qemu : "qemu-system-x86_64");
	PUSH("-nodefaults");
	PUSH("-nographic");
	PUSH("-no-reboot");
	PUSH("-monitor");
	PUSH("none");
	if (c->accel == SC_VM_ACCEL_KVM) {
		PUSH("-accel");
		PUSH("kvm");
		PUSH("-cpu");
		PUSH("host");
	} else {
		/* Multi-threaded TCG: one host thread per vCPU. */
		PUSH("-accel");
		PUSH("tcg,thread=multi");
		PUSH("-cpu");
		PUSH("max");
	}
	PUSH("-m");
	PUSHF("%llu", (unsigned long long)(per_node_mib * t->nodes));
	PUSH("-smp");
	PUSHF("%u,sockets=%u,cores=%u,threads=%u", cpus, sockets, t->cores_per_llc,
	      t->threads_per_core);
	for (node = 0; node < t->nodes; node++) {
		PUSH("-object");
		PUSHF("memory-backend-ram,id=mem%u,size=%lluM", node,
		      (unsigned long long)per_node_mib);
		PUSH("-numa");
		PUSHF("node,nodeid=%u,memdev=mem%u", node, node);
	}
	for (s = 0; s < sockets; s++) {
		PUSH("-numa");
		PUSHF("cpu,node-id=%u,socket-id=%u", s / t->llcs_per_node, s);
	}
	for (i = 0; t->nodes > 1 && i < t->nodes; i++) {
		for (j = i + 1; j < t->nodes; j++) {
			PUSH("-numa");
			PUSHF("dist,src=%u,dst=%u,val=%u", i, j, SC_VM_NUMA_REMOTE_DISTANCE);
		}
	}
	PUSH("-kernel");
	PUSH(c->kernel);
	PUSH("-initrd");
	PUSH(c->initrd);
	PUSH("-append");
	/*
	 * panic=-1 with -no-reboot turns every panic into a qemu exit; oopses,
	 * hung tasks and soft lockups panic so a broken guest ends at once. The
	 * kernel hands what follows "--" to init: /bin/schedcheck guest.
	 */
	PUSHF("console=ttyS0 earlyprintk=serial,ttyS0 panic=-1 oops=panic "
	      "softlockup_panic=1 hung_task_panic=1 hung_task_timeout_secs=30 "
	      "nmi_watchdog=0 mitigations=off loglevel=4 rdinit=" SC_VM_GUEST_BIN "%s%s -- guest",
	      c->append ? " " : "", c->append ? c->append : "");
	PUSH("-serial");
	PUSHF("file:%s", c->console_log);
	PUSH("-device");
	PUSH("virtio-serial-pci,id=vser0");
	PUSH("-chardev");
	PUSHF("file,id=scframes,path=%s", c->frames_path);
	PUSH("-device");
	PUSH("virtserialport,bus=vser0.0,chardev=scframes,name=" SC_VM_PORT_NAME);
#undef PUSH
#undef PUSHF
	return 0;
fail:
	sc_argv_release(out);
	sc_error_set(err, "qemu argv: out of memory");
	return r;
}
