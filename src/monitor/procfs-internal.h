/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for the kernel text files the monitor reads (/proc/stat, PSI,
 * /proc/vmstat, /proc/schedstat, the scheduler debug file, /proc/loadavg,
 * CPU lists). They take (buf, len), allocate nothing and never fail on an
 * unknown or malformed line: it is skipped and its value stays "not seen".
 */
#ifndef SC_MONITOR_PROCFS_INTERNAL_H
#define SC_MONITOR_PROCFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPU ids at or above this are garbage, not hardware (NR_CPUS tops at 8192). */
#define SC_MON_CPU_ID_LIMIT 65536u

/* One CPU's /proc/stat times, in USER_HZ ticks. */
struct sc_mon_cpu_stat {
	bool present;
	uint64_t busy;	/* user + nice + system + irq + softirq + steal */
	uint64_t total; /* busy + idle + iowait (guest time is inside user/nice) */
};

struct sc_mon_proc_stat {
	/* In: a caller-owned per-CPU array indexed by CPU id, `cpu_cap` long. */
	struct sc_mon_cpu_stat *cpu;
	size_t cpu_cap;
	/* Out. */
	bool has_all; /* the aggregate "cpu " line */
	struct sc_mon_cpu_stat all;
	size_t nr_cpus;	   /* valid per-CPU lines stored (id < cpu_cap) */
	size_t cpu_id_end; /* highest valid CPU id seen + 1; > cpu_cap: grow, reparse */
	bool has_ctxt;
	uint64_t ctxt;
	bool has_procs_running;
	uint64_t procs_running;
};

/* Resets every Out field and cpu[0..cpu_cap), then fills what the text has. */
void sc_mon_parse_proc_stat(const char *buf, size_t len, struct sc_mon_proc_stat *st);

/* /proc/pressure/cpu (or any PSI file): the "some" line. */
struct sc_mon_psi {
	bool has_some_avg10;
	double some_avg10; /* percent, 0..100 */
	bool has_some_total;
	uint64_t some_total_us;
};

void sc_mon_parse_psi(const char *buf, size_t len, struct sc_mon_psi *psi);

/* "key value" files (/proc/vmstat): 0 and *val, or -ENODATA when absent/bad. */
int sc_mon_parse_keyed_u64(const char *buf, size_t len, const char *key, uint64_t *val);

/* /proc/schedstat per-CPU run-queue totals. */
struct sc_mon_schedstat_cpu {
	bool present;
	uint64_t run_delay_ns; /* time tasks spent waiting on this run queue */
	uint64_t pcount;       /* timeslices run on this CPU */
};

struct sc_mon_schedstat {
	struct sc_mon_schedstat_cpu *cpu; /* In, as in sc_mon_proc_stat */
	size_t cpu_cap;
	unsigned version; /* Out */
	size_t nr_cpus;
	size_t cpu_id_end;
};

/*
 * -EPROTONOSUPPORT (nothing stored) unless the "version" line says 15, 16 or
 * 17, whose cpu lines are "cpuN yld 0 sched goidle ttwu ttwu_local
 * cpu_time_ns run_delay_ns pcount".
 */
int sc_mon_parse_schedstat(const char *buf, size_t len, struct sc_mon_schedstat *ss);

/* The scheduler debug file (sys/kernel/debug/sched/debug, or /proc/sched_debug). */
struct sc_mon_rq_cpu {
	bool present; /* a cpu#N section with an nr_running line */
	uint64_t nr_running;
	bool has_curr_pid;
	int64_t curr_pid;
};

struct sc_mon_sched_debug {
	struct sc_mon_rq_cpu *cpu; /* In, as in sc_mon_proc_stat */
	size_t cpu_cap;
	size_t nr_cpus; /* Out */
	size_t cpu_id_end;
};

void sc_mon_parse_sched_debug(const char *buf, size_t len, struct sc_mon_sched_debug *sd);

/* /proc/loadavg: the 1-minute load. 0, or -ENODATA when malformed. */
int sc_mon_parse_loadavg(const char *buf, size_t len, double *load1);

/*
 * A kernel CPU/node list ("0-3,8,10-11\n"): its member count. -EINVAL when
 * malformed (descending range, empty element, id >= SC_MON_CPU_ID_LIMIT);
 * an empty list counts 0. *max_id_plus1 (may be NULL) gets highest id + 1.
 */
int sc_mon_parse_cpu_list(const char *buf, size_t len, uint64_t *count, uint64_t *max_id_plus1);

/*
 * True when a uname release ("6.5.0-rc1", "5.15.0-91-generic") is older than
 * major.minor; false when it is not, or cannot be read.
 */
bool sc_mon_release_before(const char *release, unsigned major, unsigned minor);

/* Ticks to nanoseconds for a USER_HZ of `hz`, saturating at UINT64_MAX. */
uint64_t sc_mon_ticks_to_ns(uint64_t ticks, uint64_t hz);

#endif /* SC_MONITOR_PROCFS_INTERNAL_H */
