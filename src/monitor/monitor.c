// SPDX-License-Identifier: MIT
/*
 * The periodic system sampler (include/schedcheck/monitor.h): a few preads of
 * files opened once, pure parsing into preallocated per-CPU arrays, and the
 * window arithmetic that turns two readings into gauges.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/metrics.h>
#include <schedcheck/monitor.h>

#include "monitor/fsutil-internal.h"
#include "monitor/procfs-internal.h"

#define INITIAL_BUF_BYTES (16u << 10)

struct sc_monitor {
	int proc_dfd;
	int sys_dfd;
	int stat_fd;   /* proc/stat */
	int psi_fd;    /* proc/pressure/cpu */
	int vmstat_fd; /* proc/vmstat */
	int rq_fd;     /* the scheduler debug file or proc/schedstat */
	enum sc_monitor_rq_source rq_source;
	sc_monitor_clock_fn clock;
	void *clock_ctx;
	uint64_t t0_ns;
	uint64_t hz; /* USER_HZ */

	char *buf; /* one scratch buffer: files are read one after another */
	size_t buf_cap;

	/* Per-CPU state, all arrays cpu_cap long, indexed by CPU id. */
	size_t cpu_cap;
	struct sc_mon_cpu_stat *stat_cur, *stat_prev;
	double *busy_frac; /* this window's busy share per CPU; NAN unknown */
	struct sc_mon_rq_cpu *dbg;
	struct sc_mon_schedstat_cpu *ss_cur, *ss_prev;

	bool have_prev_stat;
	struct sc_mon_cpu_stat all_cur, all_prev; /* what the counters were built from */
	bool all_cur_summed, all_prev_summed;	  /* per-CPU sum, not the "cpu " line */
	bool have_prev_ss;
	uint64_t ss_prev_ns;
};

/* The metrics a sample owns, in one place: written or removed together. */
/* clang-format off */
#define SAMPLE_METRICS(X)                                       \
	X(CONTEXT_SWITCHES, "context_switches")                 \
	X(CPU_BUSY_NS, "cpu_busy_ns")                           \
	X(CPU_TOTAL_NS, "cpu_total_ns")                         \
	X(ELAPSED_NS, "elapsed_ns")                             \
	X(LAST_SAMPLE_MS, "last_sample_ms")                     \
	X(MAX_CPU_BUSY_PCT, "max_cpu_busy_pct")                 \
	X(MEAN_CPU_BUSY_PCT, "mean_cpu_busy_pct")               \
	X(MEAN_NR_RUNNING, "mean_nr_running")                   \
	X(MEAN_PSI_CPU_SOME_PCT, "mean_psi_cpu_some_pct")       \
	X(PEAK_NR_RUNNING, "peak_nr_running")                   \
	X(RQ_IMBALANCE, "rq_imbalance")

enum sample_metric {
#define SC_X_(id, name) SM_##id,
	SAMPLE_METRICS(SC_X_)
#undef SC_X_
	SM_MAX
};
/* clang-format on */

static const char *const sample_metric_names[SM_MAX] = {
#define SC_X_(id, name) [SM_##id] = name,
	SAMPLE_METRICS(SC_X_)
#undef SC_X_
};

struct sample {
	bool present[SM_MAX];
	double value[SM_MAX];
};

static void put(struct sample *s, enum sample_metric k, double v)
{
	s->present[k] = true;
	s->value[k] = v;
}

const char *sc_monitor_rq_source_name(enum sc_monitor_rq_source s)
{
	static const char *const names[] = {
#define SC_X_(id, name) [SC_MONITOR_RQ_##id] = name,
		SC_MONITOR_RQ_SOURCES(SC_X_)
#undef SC_X_
	};

	return (unsigned)s < SC_MONITOR_RQ_SOURCE_MAX ? names[s] : "unknown";
}

static uint64_t monotonic_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sc_monitor_config_init(struct sc_monitor_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->proc_root = "/proc";
	cfg->sys_root = "/sys";
	cfg->rq_source = SC_MONITOR_RQ_AUTO;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void sc_monitor_free(struct sc_monitor *m)
{
	if (!m)
		return;
	close_fd(&m->proc_dfd);
	close_fd(&m->sys_dfd);
	close_fd(&m->stat_fd);
	close_fd(&m->psi_fd);
	close_fd(&m->vmstat_fd);
	close_fd(&m->rq_fd);
	free(m->buf);
	free(m->stat_cur);
	free(m->stat_prev);
	free(m->busy_frac);
	free(m->dbg);
	free(m->ss_cur);
	free(m->ss_prev);
	free(m);
}

enum sc_monitor_rq_source sc_monitor_rq_source(const struct sc_monitor *m)
{
	return m ? m->rq_source : SC_MONITOR_RQ_NONE;
}

/* realloc to n elements, zeroing the new tail; *p unchanged on failure. */
static int grow_array(void **p, size_t old_n, size_t n, size_t elem)
{
	void *np;

	if (n > SIZE_MAX / elem)
		return -ENOMEM;
	np = realloc(*p, n * elem);
	if (!np)
		return -ENOMEM;
	memset((char *)np + old_n * elem, 0, (n - old_n) * elem);
	*p = np;
	return 0;
}

/* Grows every per-CPU array to hold ids below `need` (off the steady path). */
static int ensure_cpu_cap(struct sc_monitor *m, size_t need)
{
	size_t old = m->cpu_cap, n = old ? old : 1, i;
	int rc;

	if (need <= old)
		return 0;
	while (n < need)
		n *= 2;
	if ((rc = grow_array((void **)&m->stat_cur, old, n, sizeof(*m->stat_cur))) ||
	    (rc = grow_array((void **)&m->stat_prev, old, n, sizeof(*m->stat_prev))) ||
	    (rc = grow_array((void **)&m->busy_frac, old, n, sizeof(*m->busy_frac))) ||
	    (rc = grow_array((void **)&m->dbg, old, n, sizeof(*m->dbg))) ||
	    (rc = grow_array((void **)&m->ss_cur, old, n, sizeof(*m->ss_cur))) ||
	    (rc = grow_array((void **)&m->ss_prev, old, n, sizeof(*m->ss_prev))))
		return rc; /* arrays already grown stay grown; cpu_cap stays old */
	for (i = old; i < n; i++)
		m->busy_frac[i] = NAN;
	m->cpu_cap = n;
	return 0;
}

static int read_file(struct sc_monitor *m, int fd, size_t *len)
{
	return sc_mon_pread_all(fd, &m->buf, &m->buf_cap, len);
}

/* Parses m->buf as /proc/stat into stat_cur, growing the arrays if a CPU id needs it. */
static int parse_stat(struct sc_monitor *m, size_t len, struct sc_mon_proc_stat *st)
{
	int rc;

	st->cpu = m->stat_cur;
	st->cpu_cap = m->cpu_cap;
	sc_mon_parse_proc_stat(m->buf, len, st);
	if (st->cpu_id_end <= m->cpu_cap)
		return 0;
	rc = ensure_cpu_cap(m, st->cpu_id_end);
	if (rc < 0)
		return rc;
	st->cpu = m->stat_cur;
	st->cpu_cap = m->cpu_cap;
	sc_mon_parse_proc_stat(m->buf, len, st);
	return 0;
}

static int parse_debug(struct sc_monitor *m, size_t len, struct sc_mon_sched_debug *sd)
{
	int rc;

	sd->cpu = m->dbg;
	sd->cpu_cap = m->cpu_cap;
	sc_mon_parse_sched_debug(m->buf, len, sd);
	if (sd->cpu_id_end <= m->cpu_cap)
		return 0;
	rc = ensure_cpu_cap(m, sd->cpu_id_end);
	if (rc < 0)
		return rc;
	sd->cpu = m->dbg;
	sd->cpu_cap = m->cpu_cap;
	sc_mon_parse_sched_debug(m->buf, len, sd);
	return 0;
}

static int parse_schedstat(struct sc_monitor *m, size_t len, struct sc_mon_schedstat *ss)
{
	int rc;

	ss->cpu = m->ss_cur;
	ss->cpu_cap = m->cpu_cap;
	rc = sc_mon_parse_schedstat(m->buf, len, ss);
	if (rc < 0 || ss->cpu_id_end <= m->cpu_cap)
		return rc;
	rc = ensure_cpu_cap(m, ss->cpu_id_end);
	if (rc < 0)
		return rc;
	ss->cpu = m->ss_cur;
	ss->cpu_cap = m->cpu_cap;
	return sc_mon_parse_schedstat(m->buf, len, ss);
}

/* Probes whether `fd` yields usable run-queue data of `src` now. */
static bool rq_source_usable(struct sc_monitor *m, enum sc_monitor_rq_source src, int fd)
{
	size_t len;

	if (fd < 0 || read_file(m, fd, &len) < 0)
		return false;
	if (src == SC_MONITOR_RQ_SCHED_DEBUG) {
		struct sc_mon_sched_debug sd;

		return parse_debug(m, len, &sd) == 0 && sd.nr_cpus > 0;
	} else {
		struct sc_mon_schedstat ss;

		return parse_schedstat(m, len, &ss) == 0 && ss.nr_cpus > 0;
	}
}

static int open_rq_source(struct sc_monitor *m, enum sc_monitor_rq_source want,
			  struct sc_error *err)
{
	int fd;

	if (want == SC_MONITOR_RQ_NONE) {
		m->rq_source = SC_MONITOR_RQ_NONE;
		return 0;
	}
	if (want == SC_MONITOR_RQ_AUTO || want == SC_MONITOR_RQ_SCHED_DEBUG) {
		/* debugfs (5.13+) first, then the older /proc/sched_debug. */
		static const struct {
			bool sys;
			const char *rel;
		} paths[] = { { true, "kernel/debug/sched/debug" }, { false, "sched_debug" } };
		size_t i;

		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			fd = sc_mon_open_file(paths[i].sys ? m->sys_dfd : m->proc_dfd,
					      paths[i].rel);
			if (rq_source_usable(m, SC_MONITOR_RQ_SCHED_DEBUG, fd)) {
				m->rq_fd = fd;
				m->rq_source = SC_MONITOR_RQ_SCHED_DEBUG;
				return 0;
			}
			close_fd(&fd);
		}
		if (want == SC_MONITOR_RQ_SCHED_DEBUG) {
			sc_error_set(err, "run-queue source sched_debug: neither "
					  "kernel/debug/sched/debug under the sys root nor "
					  "sched_debug under the proc root is readable "
					  "(debugfs must already be mounted)");
			return -ENOENT;
		}
	}
	fd = sc_mon_open_file(m->proc_dfd, "schedstat");
	if (rq_source_usable(m, SC_MONITOR_RQ_SCHEDSTAT, fd)) {
		m->rq_fd = fd;
		m->rq_source = SC_MONITOR_RQ_SCHEDSTAT;
		return 0;
	}
	close_fd(&fd);
	if (want == SC_MONITOR_RQ_SCHEDSTAT) {
		sc_error_set(err, "run-queue source schedstat: schedstat under the proc root is "
				  "missing, unreadable or not version 15-17");
		return -ENOENT;
	}
	m->rq_source = SC_MONITOR_RQ_NONE;
	return 0;
}

/* Initial per-CPU capacity: the possible CPUs, else the CPUs /proc/stat lists. */
static size_t initial_cpu_cap(struct sc_monitor *m)
{
	char small[256];
	uint64_t count, top;
	size_t len;

	if (!sc_mon_read_small(m->sys_dfd, "devices/system/cpu/possible", small, sizeof(small),
			       &len) &&
	    !sc_mon_parse_cpu_list(small, len, &count, &top) && top)
		return (size_t)top;
	if (m->stat_fd >= 0 && !read_file(m, m->stat_fd, &len)) {
		struct sc_mon_proc_stat st = { 0 };

		sc_mon_parse_proc_stat(m->buf, len, &st);
		if (st.cpu_id_end)
			return st.cpu_id_end;
	}
	return 1;
}

int sc_monitor_open(const struct sc_monitor_config *cfg, struct sc_monitor **out,
		    struct sc_error *err)
{
	struct sc_monitor_config def;
	struct sc_monitor *m;
	long hz;
	int rc;

	if (!out) {
		sc_error_set(err, "monitor: no output pointer");
		return -EINVAL;
	}
	if (!cfg) {
		sc_monitor_config_init(&def);
		cfg = &def;
	}
	if ((unsigned)cfg->rq_source >= SC_MONITOR_RQ_SOURCE_MAX) {
		sc_error_set(err, "monitor: invalid run-queue source %d", (int)cfg->rq_source);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		sc_error_set(err, "monitor: out of memory");
		return -ENOMEM;
	}
	m->proc_dfd = m->sys_dfd = m->stat_fd = m->psi_fd = m->vmstat_fd = m->rq_fd = -1;
	m->clock = cfg->clock ? cfg->clock : monotonic_ns;
	m->clock_ctx = cfg->clock_ctx;
	hz = sysconf(_SC_CLK_TCK);
	m->hz = hz > 0 ? (uint64_t)hz : 100;

	rc = sc_mon_open_root(cfg->proc_root ? cfg->proc_root : "/proc", "proc root", err);
	if (rc < 0)
		goto fail;
	m->proc_dfd = rc;
	rc = sc_mon_open_root(cfg->sys_root ? cfg->sys_root : "/sys", "sys root", err);
	if (rc < 0)
		goto fail;
	m->sys_dfd = rc;

	/* Missing files are "not measured", not errors. */
	m->stat_fd = sc_mon_open_file(m->proc_dfd, "stat");
	m->psi_fd = sc_mon_open_file(m->proc_dfd, "pressure/cpu");
	m->vmstat_fd = sc_mon_open_file(m->proc_dfd, "vmstat");

	rc = -ENOMEM;
	m->buf = malloc(INITIAL_BUF_BYTES);
	if (!m->buf)
		goto fail_nomem;
	m->buf_cap = INITIAL_BUF_BYTES;
	if (ensure_cpu_cap(m, initial_cpu_cap(m)) < 0)
		goto fail_nomem;

	rc = open_rq_source(m, cfg->rq_source, err);
	if (rc < 0)
		goto fail;
	m->t0_ns = m->clock(m->clock_ctx);
	*out = m;
	return 0;

fail_nomem:
	sc_error_set(err, "monitor: out of memory");
fail:
	sc_monitor_free(m);
	return rc;
}

/* ---- one sample ------------------------------------------------------------ */

static double pct(uint64_t part, uint64_t whole)
{
	double v = 100.0 * (double)part / (double)whole;

	return v > 100.0 ? 100.0 : v;
}

/* /proc/stat: counters, busy shares over the window, procs_running. */
static int sample_stat(struct sc_monitor *m, struct sample *s, bool *ok, uint64_t *procs_running,
		       bool *has_procs_running)
{
	struct sc_mon_proc_stat st;
	struct sc_mon_cpu_stat all = { 0 };
	bool summed = false, any_max = false;
	double max_pct = 0.0;
	size_t len, i;
	int rc;

	*ok = false;
	for (i = 0; i < m->cpu_cap; i++)
		m->busy_frac[i] = NAN;
	if (m->stat_fd < 0 || read_file(m, m->stat_fd, &len) < 0)
		return 0;
	rc = parse_stat(m, len, &st);
	if (rc < 0)
		return rc;
	*ok = true;
	if (st.has_ctxt)
		put(s, SM_CONTEXT_SWITCHES, (double)st.ctxt);
	*has_procs_running = st.has_procs_running;
	*procs_running = st.procs_running;

	/*
	 * The "cpu " line sums every possible CPU, so it never drops when a CPU
	 * goes offline; the per-CPU sum is only the fallback.
	 */
	if (st.has_all) {
		all = st.all;
	} else if (st.nr_cpus) {
		for (i = 0; i < m->cpu_cap; i++) {
			if (!m->stat_cur[i].present)
				continue;
			all.busy = sc_sat_add_u64(all.busy, m->stat_cur[i].busy);
			all.total = sc_sat_add_u64(all.total, m->stat_cur[i].total);
		}
		all.present = true;
		summed = true;
	}
	if (all.present) {
		put(s, SM_CPU_BUSY_NS, (double)sc_mon_ticks_to_ns(all.busy, m->hz));
		put(s, SM_CPU_TOTAL_NS, (double)sc_mon_ticks_to_ns(all.total, m->hz));
	}
	if (all.present && m->have_prev_stat && m->all_prev.present &&
	    summed == m->all_prev_summed && all.total > m->all_prev.total &&
	    all.busy >= m->all_prev.busy)
		put(s, SM_MEAN_CPU_BUSY_PCT,
		    pct(all.busy - m->all_prev.busy, all.total - m->all_prev.total));
	m->all_cur = all;
	m->all_cur_summed = summed;

	for (i = 0; i < m->cpu_cap; i++) {
		const struct sc_mon_cpu_stat *c = &m->stat_cur[i], *p = &m->stat_prev[i];

		if (!m->have_prev_stat || !c->present || !p->present || c->total <= p->total ||
		    c->busy < p->busy)
			continue;
		m->busy_frac[i] = pct(c->busy - p->busy, c->total - p->total) / 100.0;
		if (!any_max || m->busy_frac[i] * 100.0 > max_pct)
			max_pct = m->busy_frac[i] * 100.0;
		any_max = true;
	}
	if (any_max)
		put(s, SM_MAX_CPU_BUSY_PCT, max_pct);
	return 0;
}

static void put_depths(struct sample *s, double max, double min)
{
	put(s, SM_PEAK_NR_RUNNING, max);
	put(s, SM_RQ_IMBALANCE, max - min);
}

/* Instantaneous per-CPU nr_running, less the calling thread on its CPU. */
static int sample_debug(struct sc_monitor *m, struct sample *s, bool *has_sum, double *sum)
{
	struct sc_mon_sched_debug sd;
	int64_t self = (int64_t)gettid();
	double max = 0, min = 0, total = 0;
	size_t len, i;
	bool any = false;
	int rc;

	if (read_file(m, m->rq_fd, &len) < 0)
		return 0;
	rc = parse_debug(m, len, &sd);
	if (rc < 0)
		return rc;
	for (i = 0; i < m->cpu_cap; i++) {
		const struct sc_mon_rq_cpu *c = &m->dbg[i];
		uint64_t n;

		if (!c->present)
			continue;
		n = c->nr_running;
		if (c->has_curr_pid && c->curr_pid == self && n)
			n--;
		if (!any || (double)n > max)
			max = (double)n;
		if (!any || (double)n < min)
			min = (double)n;
		total += (double)n;
		any = true;
	}
	if (any) {
		put_depths(s, max, min);
		*has_sum = true;
		*sum = total;
	}
	return 0;
}

/*
 * /proc/schedstat has no instantaneous depth. Over the window, a CPU's mean
 * runnable count is the share of time it ran something plus the mean number
 * waiting, which is the growth of its run_delay per wall nanosecond.
 */
static int sample_schedstat(struct sc_monitor *m, struct sample *s, uint64_t now)
{
	struct sc_mon_schedstat ss;
	struct sc_mon_schedstat_cpu *tmp;
	double max = 0, min = 0;
	size_t len, i;
	bool any = false;
	int rc;

	if (read_file(m, m->rq_fd, &len) < 0)
		return 0;
	rc = parse_schedstat(m, len, &ss);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return 0;
	if (m->have_prev_ss && now > m->ss_prev_ns) {
		double dt = (double)(now - m->ss_prev_ns);

		for (i = 0; i < m->cpu_cap; i++) {
			const struct sc_mon_schedstat_cpu *c = &m->ss_cur[i], *p = &m->ss_prev[i];
			double depth;

			if (!c->present || !p->present || c->run_delay_ns < p->run_delay_ns ||
			    isnan(m->busy_frac[i]))
				continue;
			depth = m->busy_frac[i] + (double)(c->run_delay_ns - p->run_delay_ns) / dt;
			if (!any || depth > max)
				max = depth;
			if (!any || depth < min)
				min = depth;
			any = true;
		}
	}
	if (any)
		put_depths(s, max, min);
	tmp = m->ss_prev;
	m->ss_prev = m->ss_cur;
	m->ss_cur = tmp;
	m->ss_prev_ns = now;
	m->have_prev_ss = true;
	return 0;
}

static void sample_psi(struct sc_monitor *m, struct sample *s)
{
	struct sc_mon_psi psi;
	size_t len;

	if (m->psi_fd < 0 || read_file(m, m->psi_fd, &len) < 0)
		return;
	sc_mon_parse_psi(m->buf, len, &psi);
	if (psi.has_some_avg10)
		put(s, SM_MEAN_PSI_CPU_SOME_PCT, psi.some_avg10);
}

static int write_sample(const struct sample *s, struct sc_metric_map *out)
{
	int i, rc;

	for (i = 0; i < SM_MAX; i++) {
		if (!s->present[i]) {
			sc_metric_map_remove(out, sample_metric_names[i]);
			continue;
		}
		rc = sc_metric_map_set(out, sample_metric_names[i], s->value[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sc_monitor_sample(struct sc_monitor *m, uint64_t elapsed_ms, struct sc_metric_map *out)
{
	struct sample s = { { false } };
	struct sc_mon_cpu_stat *tmp;
	uint64_t now, procs_running = 0;
	bool stat_ok, has_procs_running = false, has_dbg_sum = false;
	double dbg_sum = 0;
	int rc;

	if (!m || !out)
		return -EINVAL;
	now = m->clock(m->clock_ctx);
	put(&s, SM_ELAPSED_NS, (double)(now > m->t0_ns ? now - m->t0_ns : 0));
	put(&s, SM_LAST_SAMPLE_MS, (double)elapsed_ms);

	rc = sample_stat(m, &s, &stat_ok, &procs_running, &has_procs_running);
	if (rc < 0)
		return rc;
	if (m->rq_source == SC_MONITOR_RQ_SCHED_DEBUG)
		rc = sample_debug(m, &s, &has_dbg_sum, &dbg_sum);
	else if (m->rq_source == SC_MONITOR_RQ_SCHEDSTAT)
		rc = sample_schedstat(m, &s, now);
	if (rc < 0)
		return rc;
	/* procs_running counts the thread reading it; the monitor is not load. */
	if (has_procs_running)
		put(&s, SM_MEAN_NR_RUNNING, (double)(procs_running ? procs_running - 1 : 0));
	else if (has_dbg_sum)
		put(&s, SM_MEAN_NR_RUNNING, dbg_sum);
	sample_psi(m, &s);

	/* The next window starts at this reading (a failed read keeps the older one). */
	if (stat_ok) {
		tmp = m->stat_prev;
		m->stat_prev = m->stat_cur;
		m->stat_cur = tmp;
		m->all_prev = m->all_cur;
		m->all_prev_summed = m->all_cur_summed;
		m->have_prev_stat = true;
	}
	return write_sample(&s, out);
}

int sc_monitor_vmstat_numa_pages_migrated(struct sc_monitor *m, uint64_t *val)
{
	uint64_t v;
	size_t len;
	int rc;

	if (!m || !val)
		return -EINVAL;
	if (m->vmstat_fd < 0)
		return -ENODATA;
	rc = read_file(m, m->vmstat_fd, &len);
	if (rc < 0)
		return rc;
	rc = sc_mon_parse_keyed_u64(m->buf, len, "numa_pages_migrated", &v);
	if (rc < 0)
		return rc;
	*val = v;
	return 0;
}
