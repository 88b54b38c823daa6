/* SPDX-License-Identifier: MIT */
/*
 * Private to the workload engine: the shared-memory control block and worker
 * slots, the report wire format, the controller and worker state, and the
 * small system helpers (futex, clocks, /proc readers) both sides use.
 */
#ifndef SC_WORKLOAD_INTERNAL_H
#define SC_WORKLOAD_INTERNAL_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <schedcheck/workload.h>

#define SC_CACHELINE 64
#define SC_NS_PER_SEC 1000000000ull
#define SC_NS_PER_MS 1000000ull
#define SC_NS_PER_US 1000ull

/* How often the controller looks for dead workers while it waits. */
#define SC_WL_SWEEP_NS (5 * SC_NS_PER_MS)
/* Bound on a worker's wait for a partner, so it always sees stop/drain. */
#define SC_WL_BACKSTOP_NS (50 * SC_NS_PER_MS)
#define SC_WL_ERR_MAX 256

/* ------------------------------------------------------------------------ */
/* Shared memory (MAP_SHARED, created before fork)                           */
/* ------------------------------------------------------------------------ */

struct sc_wl_ctl {
	_Atomic uint32_t release;    /* futex: 0 = gate closed, 1 = open */
	_Atomic uint32_t epoch;	     /* futex: bumped on drain and stop (wakes sleepers) */
	_Atomic uint32_t stop;	     /* 1 = leave the work loop */
	_Atomic uint32_t phase_gen;  /* bumped by each drain */
	_Atomic uint32_t ready;	     /* futex: workers blocked at the gate */
	_Atomic uint32_t stopped;    /* futex: workers out of their loop */
	_Atomic uint64_t release_ns; /* when the gate opened: every window's start */
} __attribute__((aligned(SC_CACHELINE)));

enum sc_slot_state {
	SC_SLOT_SPAWNED = 0,
	SC_SLOT_READY,
	SC_SLOT_RUNNING,
	SC_SLOT_STOPPED,
};

struct sc_wl_slot {
	/* Line 0: written by the partner that wakes this worker. */
	_Atomic uint32_t word;	   /* futex: pingpong turn / chain token / fanout round */
	_Atomic uint32_t aux;	   /* futex: fanout acks */
	_Atomic uint64_t stamp_ns; /* waker's CLOCK_MONOTONIC just before the wake */
	char pad0[SC_CACHELINE - 16];
	/* Line 1: written by the worker itself. */
	_Atomic uint32_t state;
	_Atomic int32_t tid;
	_Atomic int32_t pid;
	uint32_t pad1;
	_Atomic uint64_t iterations; /* published every unit, survives a crash */
	char pad2[SC_CACHELINE - 24];
	char setup_error[SC_WL_ERR_MAX]; /* written before READY */
} __attribute__((aligned(SC_CACHELINE)));

struct sc_wl_shared {
	struct sc_wl_ctl ctl;
	struct sc_wl_slot slot[]; /* one per worker */
};

/* ------------------------------------------------------------------------ */
/* Wire format: worker -> collector records on a SOCK_SEQPACKET socket       */
/* ------------------------------------------------------------------------ */

#define SC_WIRE_MAGIC 0x53435752u /* "SCWR" */
#define SC_WIRE_VERSION 1u
#define SC_WIRE_GEN_FINAL UINT32_MAX
#define SC_WIRE_CHUNK 4096u /* u64 values per record */
#define SC_WIRE_MAX_PAYLOAD (SC_WIRE_CHUNK * 8u)

enum sc_wire_kind {
	SC_MSG_SCALARS = 1,
	SC_MSG_CPUS,
	SC_MSG_WAKE,
	SC_MSG_TIMER,
	SC_MSG_ERROR,
	SC_MSG_END,
	SC_MSG_SCHB,	  /* schbench: one struct sc_wire_schbench */
	SC_MSG_SCHB_HIST, /* schbench: (key, count) pairs, key = hist << 32 | bucket */
	SC_MSG_KIND_MAX,
};

/* schbench histograms on the wire: 0 = wakeup, 1 = request. */
#define SC_WIRE_SCHB_HISTS 2u
#define SC_WIRE_SCHB_MAX_PAIRS (SC_WIRE_SCHB_HISTS * SC_LAT_HIST_BUCKETS)

enum sc_schb_role {
	SC_SCHB_MESSAGE = 0, /* the message thread of a group */
	SC_SCHB_WORKER = 1,
};

struct sc_wire_schbench {
	uint64_t role; /* enum sc_schb_role: which run-delay pair schedstat feeds */
	uint64_t loop_count;
};

struct sc_wire_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t kind;
	uint32_t worker;
	uint32_t gen;
	uint32_t count; /* values (or bytes for ERROR) in the payload */
	uint32_t pad;
};

struct sc_wire_scalars {
	uint64_t tid;
	uint64_t iterations;
	uint64_t wall_time_ns;
	uint64_t cpu_time_ns;
	uint64_t off_cpu_ns;
	uint64_t schedstat_cpu_time_ns;
	uint64_t schedstat_run_delay_ns;
	uint64_t schedstat_run_count;
	uint64_t migrations;
	uint64_t max_gap_ms;
	uint64_t max_gap_cpu;
	uint64_t max_gap_at_ns;
	uint64_t wake_sample_total;
	uint64_t timer_sample_total;
	uint64_t numa_pages_local;
	uint64_t numa_pages_total;
	uint64_t numa_pages_migrated;
};

struct sc_wire_end {
	uint64_t n_cpus;
	uint64_t n_wake;
	uint64_t n_timer;
	uint64_t n_records; /* records sent before END for this gen */
	uint64_t n_schb;    /* schbench histogram pairs sent */
};

/* Reassembly of one worker's answer for one generation (collector side). */
struct sc_wl_rx {
	struct sc_worker_report rep;
	uint64_t n_cpus, n_wake, n_timer, n_records;
	uint64_t n_schb, schb_last_key; /* pairs so far; keys strictly ascend */
	uint64_t schb_role;		/* enum sc_schb_role, from the SCHB record */
	bool have_schb;
	bool have_scalars;
	bool done;
	bool bad;
	char why[160];
};

void sc_wl_rx_reset(struct sc_wl_rx *rx);
/*
 * Validates and folds one received record (`len` bytes) into rx[worker]
 * for generation `gen`. Records for other generations or unknown workers
 * are dropped (returns 0); a record that breaks the protocol marks that
 * worker bad with the reason. -ENOMEM only.
 */
int sc_wl_rx_record(struct sc_wl_rx *rx, size_t n_workers, uint32_t gen, const void *buf,
		    size_t len, uint64_t *dropped);

/* ------------------------------------------------------------------------ */
/* Controller                                                                */
/* ------------------------------------------------------------------------ */

struct sc_wl_proc {
	pid_t pid;
	bool reaped;
	bool killed;  /* we sent SIGKILL */
	int status;   /* waitpid status once reaped */
	size_t first; /* first worker index hosted */
	size_t count; /* workers hosted */
};

struct sc_wl_worker {
	size_t spec;
	size_t index; /* within the spec */
	size_t base;  /* global index of the spec's worker 0 */
	size_t proc;
	int pipe_rd; /* wake_chain pipe mode, else -1 */
	int pipe_wr;
	bool timed_out; /* did not stop by the stop deadline */
};

struct sc_workload {
	struct sc_work_spec *specs;
	size_t n_specs;
	struct sc_wl_worker *w;
	size_t n;
	struct sc_wl_proc *procs;
	size_t n_procs;
	struct sc_wl_shared *sh;
	size_t sh_len;
	int sock_rx;
	int sock_tx;
	pid_t owner;
	bool released;
	bool stopped;
	bool collected;
	uint32_t gen;
	struct sc_wl_rx *rx;
	void *rxbuf;
	uint64_t dropped;
};

/* ------------------------------------------------------------------------ */
/* Worker                                                                    */
/* ------------------------------------------------------------------------ */

struct sc_schedstat {
	uint64_t cpu_ns, delay_ns, count;
};

/* One measurement window: the whole run, or the current phase. */
struct sc_wk_window {
	uint64_t start_ns;
	uint64_t cpu_start_ns;
	struct sc_schedstat ss_start;
	uint64_t vm_migrated_start;
	uint64_t iter_start;
	uint64_t migr_start;
	uint64_t max_gap_ns;
	uint64_t max_gap_cpu;
	uint64_t max_gap_at_ns;
	uint64_t cpus[SC_WORK_MAX_CPUS / 64];
	struct sc_reservoir wake;
	struct sc_reservoir timer;
};

struct sc_wk {
	/* Inputs. */
	const struct sc_workload *wl;
	const struct sc_work_spec *spec;
	struct sc_wl_shared *sh;
	struct sc_wl_slot *slot;
	uint32_t idx;	/* global worker index */
	uint32_t local; /* index within the spec */
	uint32_t base;	/* global index of the spec's worker 0 */
	int sock;
	/* State. */
	pid_t tid;
	int ss_fd; /* /proc/self/task/<tid>/schedstat */
	int vm_fd; /* /proc/vmstat */
	bool numa_measure;
	uint32_t gen;	/* last phase generation answered */
	uint32_t epoch; /* last control epoch seen */
	uint64_t iterations;
	uint64_t migrations;
	uint64_t last_ns;
	int last_cpu;
	uint64_t release_ns;
	uint64_t spin_sink;
	void *mem; /* cache_pressure / numa_sweep footprint */
	size_t mem_len;
	int io_fd;
	void *io_buf;
	int pipe_rd;	/* wake_chain pipe mode: own read end */
	int pipe_wr;	/* successor's write end */
	cpu_set_t *aff; /* requested affinity (CPU_ALLOC'ed) or NULL */
	size_t aff_size;
	unsigned char *txbuf;
	uint32_t records;		      /* records sent for the current answer */
	uint64_t overruns;		      /* timer_latency: periods skipped */
	struct sc_schbench_stats *schb_run;   /* schbench: whole-run histograms ... */
	struct sc_schbench_stats *schb_phase; /* ... and the current phase's */
	uint64_t *schb_buf;		      /* one record of histogram pairs */
	/* Outputs. */
	struct sc_wk_window run;
	struct sc_wk_window phase;
	char err[SC_WL_ERR_MAX];
	bool failed; /* a fatal runtime error: the loop idles until stop */
};

/* The next worker in wake_chain ring order after global worker `idx`. */
static inline size_t sc_wl_chain_succ(const struct sc_workload *wl, size_t idx)
{
	uint32_t d = wl->specs[wl->w[idx].spec].params.chain_depth;
	size_t local = wl->w[idx].index;

	return wl->w[idx].base + (local / d) * d + (local % d + 1) % d;
}

/* Fork-mode child / thread-mode thread entry: never returns in fork mode. */
void sc_wk_child_main(struct sc_workload *wl, size_t idx) __attribute__((noreturn));
void sc_wk_thread_host_main(struct sc_workload *wl, size_t proc) __attribute__((noreturn));

/* Work type loops (types.c). Each runs until stop; returns nothing. */
void sc_wk_run_type(struct sc_wk *w);

/* Telemetry helpers used by the type loops (worker.c). */
bool sc_wk_poll_slow(struct sc_wk *w);
void sc_wk_wake_sample(struct sc_wk *w, uint64_t ns);
void sc_wk_timer_sample(struct sc_wk *w, uint64_t ns);
void sc_wk_error(struct sc_wk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sleeps until `deadline_ns` unless stop is requested (returns true then). */
bool sc_wk_sleep_until(struct sc_wk *w, uint64_t deadline_ns);
/* After a fatal runtime error: wait for stop, answering drains. */
void sc_wk_idle_until_stop(struct sc_wk *w);

/* ------------------------------------------------------------------------ */
/* Shared helpers (sys.c)                                                    */
/* ------------------------------------------------------------------------ */

static inline uint64_t sc_wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The spin work unit: `loops` rounds of a dependent multiply-add chain. */
static inline uint64_t sc_wl_spin(uint64_t loops, uint64_t x)
{
	uint64_t i;

	for (i = 0; i < loops; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* FUTEX_WAIT_BITSET on CLOCK_MONOTONIC; deadline 0 = none. 0 / -errno. */
int sc_futex_wait(_Atomic uint32_t *word, uint32_t val, uint64_t deadline_ns);
void sc_futex_wake(_Atomic uint32_t *word, int n);

uint64_t sc_wl_thread_cpu_ns(void);
/* Reads the three schedstat fields with pread from an open fd. */
int sc_wl_read_schedstat(int fd, struct sc_schedstat *out);
/* numa_pages_migrated from an open /proc/vmstat; -ENOENT when absent. */
int sc_wl_read_vmstat_migrated(int fd, uint64_t *out);
/*
 * Pages per node from /proc/self/numa_maps: `local` counts pages on nodes
 * set in `node_mask` (bit n = node n, n < 64), `total` all.
 */
int sc_wl_read_numa_maps(uint64_t node_mask, uint64_t *local, uint64_t *total);
/* NUMA node of a CPU from sysfs; -ENOENT when unknown. */
int sc_wl_cpu_node(unsigned cpu);
pid_t sc_wl_gettid(void);

/* ------------------------------------------------------------------------ */
/* The per-unit hot path: one vDSO clock read, one rseq CPU read, no syscall */
/* ------------------------------------------------------------------------ */

static inline void sc_wk_mark_cpu(struct sc_wk *w, int cpu)
{
	if (cpu < 0 || cpu >= (int)SC_WORK_MAX_CPUS)
		return;
	w->run.cpus[cpu >> 6] |= 1ull << (cpu & 63);
	w->phase.cpus[cpu >> 6] |= 1ull << (cpu & 63);
}

/* Closes one work unit that ended at `now` (CLOCK_MONOTONIC ns). */
static inline void sc_wk_unit_done_at(struct sc_wk *w, uint64_t now)
{
	int cpu = sched_getcpu();
	uint64_t gap = now > w->last_ns ? now - w->last_ns : 0;

	w->iterations++;
	atomic_store_explicit(&w->slot->iterations, w->iterations, memory_order_relaxed);
	if (__builtin_expect(cpu != w->last_cpu, 0)) {
		if (w->last_cpu >= 0 && cpu >= 0)
			w->migrations++;
		if (cpu >= 0) {
			w->last_cpu = cpu;
			sc_wk_mark_cpu(w, cpu);
		}
	}
	/* run.max_gap_ns >= phase.max_gap_ns always, so the run check nests. */
	if (__builtin_expect(gap > w->phase.max_gap_ns, 0)) {
		w->phase.max_gap_ns = gap;
		w->phase.max_gap_cpu = (uint64_t)(cpu < 0 ? 0 : cpu);
		w->phase.max_gap_at_ns = now - w->release_ns;
		if (gap > w->run.max_gap_ns) {
			w->run.max_gap_ns = gap;
			w->run.max_gap_cpu = w->phase.max_gap_cpu;
			w->run.max_gap_at_ns = w->phase.max_gap_at_ns;
		}
	}
	w->last_ns = now;
}

static inline void sc_wk_unit_done(struct sc_wk *w)
{
	sc_wk_unit_done_at(w, sc_wl_now());
}

/*
 * Between units: answers a pending drain and returns true when the worker
 * must stop. Two relaxed loads of a read-mostly line in the common case.
 */
static inline bool sc_wk_poll(struct sc_wk *w)
{
	const struct sc_wl_ctl *c = &w->sh->ctl;

	if (__builtin_expect(atomic_load_explicit(&c->phase_gen, memory_order_relaxed) != w->gen ||
				     atomic_load_explicit(&c->stop, memory_order_relaxed),
			     0))
		return sc_wk_poll_slow(w);
	return false;
}

#endif /* SC_WORKLOAD_INTERNAL_H */
