// SPDX-License-Identifier: MIT
/*
 * Pure parsers over kernel text (procfs-internal.h): no I/O, no allocation,
 * no locale. Every line is checked on its own; one that does not match the
 * expected shape exactly is skipped, so a format change loses a value, never
 * invents one.
 */
#include <errno.h>
#include <string.h>

#include <schedcheck/containers.h>

#include "monitor/procfs-internal.h"

/* ---- scanning helpers --------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blank(const char *p, const char *e)
{
	while (p < e && is_blank(*p))
		p++;
	return p;
}

/* True when p ends a token: end of line or a blank. */
static bool token_end(const char *p, const char *e)
{
	return p == e || is_blank(*p);
}

/* Only blanks left before e. */
static bool rest_blank(const char *p, const char *e)
{
	return skip_blank(p, e) == e;
}

/* The next line [*ls, *le) without its '\n'; false at the end of buf. */
static bool next_line(const char **pos, const char *end, const char **ls, const char **le)
{
	const char *p = *pos, *nl;

	if (p >= end)
		return false;
	nl = memchr(p, '\n', (size_t)(end - p));
	*ls = p;
	*le = nl ? nl : end;
	*pos = nl ? nl + 1 : end;
	return true;
}

/* Decimal digits at *pp into *v; false when there are none or they overflow. */
static bool scan_u64(const char **pp, const char *e, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;

	if (p >= e || !is_digit(*p))
		return false;
	while (p < e && is_digit(*p)) {
		if (__builtin_mul_overflow(x, 10u, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(*p - '0'), &x))
			return false;
		p++;
	}
	*pp = p;
	*v = x;
	return true;
}

/* An optionally negative integer that fits an int64_t. */
static bool scan_i64(const char **pp, const char *e, int64_t *v)
{
	const char *p = *pp;
	bool neg = false;
	uint64_t x;

	if (p < e && *p == '-') {
		neg = true;
		p++;
	}
	if (!scan_u64(&p, e, &x))
		return false;
	if (neg ? x > (uint64_t)INT64_MAX + 1 : x > (uint64_t)INT64_MAX)
		return false;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	*pp = p;
	return true;
}

/* "123" or "123.45" (no sign, no exponent), locale-independent. */
static bool scan_decimal(const char **pp, const char *e, double *v)
{
	const char *p = *pp;
	uint64_t ip, fp = 0, scale = 1;

	if (!scan_u64(&p, e, &ip))
		return false;
	if (p < e && *p == '.') {
		p++;
		if (p >= e || !is_digit(*p))
			return false;
		for (; p < e && is_digit(*p); p++) {
			/* Digits past the 18th cannot change a double; skip them. */
			if (scale < 1000000000000000000ull) {
				fp = fp * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	*v = (double)ip + (double)fp / (double)scale;
	*pp = p;
	return true;
}

/* Line starts with `word` followed by a blank; *rest points past the word. */
static bool starts_with_word(const char *ls, const char *le, const char *word, const char **rest)
{
	size_t n = strlen(word);

	if ((size_t)(le - ls) <= n || memcmp(ls, word, n) || !is_blank(ls[n]))
		return false;
	*rest = ls + n;
	return true;
}

/* "word value" with nothing but blanks after the value. */
static bool scan_single_value(const char *p, const char *le, uint64_t *v)
{
	p = skip_blank(p, le);
	return scan_u64(&p, le, v) && rest_blank(p, le);
}

/* "cpuN" with N followed by a blank: the id. */
static bool scan_cpu_id(const char *p, const char *le, const char **rest, size_t *id)
{
	uint64_t v;

	if (!scan_u64(&p, le, &v) || !token_end(p, le) || v >= SC_MON_CPU_ID_LIMIT)
		return false;
	*id = (size_t)v;
	*rest = p;
	return true;
}

/* Up to `max` blank-separated u64 fields; stops at the end or after max. */
static bool scan_fields(const char *p, const char *le, uint64_t *f, size_t max, size_t *n)
{
	size_t k = 0;

	while (k < max) {
		p = skip_blank(p, le);
		if (p == le)
			break;
		if (!scan_u64(&p, le, &f[k]) || !token_end(p, le))
			return false;
		k++;
	}
	*n = k;
	return true;
}

/* ---- /proc/stat ----------------------------------------------------------- */

enum { F_USER, F_NICE, F_SYSTEM, F_IDLE, F_IOWAIT, F_IRQ, F_SOFTIRQ, F_STEAL, F_MAX_USED };

static bool scan_cpu_times(const char *p, const char *le, struct sc_mon_cpu_stat *out)
{
	uint64_t f[F_MAX_USED] = { 0 };
	uint64_t busy;
	size_t n;

	/* Fields past steal (guest, guest_nice) are already inside user/nice. */
	if (!scan_fields(p, le, f, F_MAX_USED, &n) || n < F_IOWAIT)
		return false;
	busy = sc_sat_add_u64(f[F_USER], f[F_NICE]);
	busy = sc_sat_add_u64(busy, f[F_SYSTEM]);
	busy = sc_sat_add_u64(busy, f[F_IRQ]);
	busy = sc_sat_add_u64(busy, f[F_SOFTIRQ]);
	busy = sc_sat_add_u64(busy, f[F_STEAL]);
	out->present = true;
	out->busy = busy;
	out->total = sc_sat_add_u64(sc_sat_add_u64(busy, f[F_IDLE]), f[F_IOWAIT]);
	return true;
}

void sc_mon_parse_proc_stat(const char *buf, size_t len, struct sc_mon_proc_stat *st)
{
	const char *pos = buf, *end = buf + len, *ls, *le, *p;

	st->has_all = false;
	memset(&st->all, 0, sizeof(st->all));
	st->nr_cpus = 0;
	st->cpu_id_end = 0;
	st->has_ctxt = false;
	st->ctxt = 0;
	st->has_procs_running = false;
	st->procs_running = 0;
	if (st->cpu_cap)
		memset(st->cpu, 0, st->cpu_cap * sizeof(*st->cpu));
	if (!buf)
		return;

	while (next_line(&pos, end, &ls, &le)) {
		struct sc_mon_cpu_stat t;
		size_t id;
		uint64_t v;

		if (le - ls > 3 && !memcmp(ls, "cpu", 3)) {
			p = ls + 3;
			if (is_blank(*p)) {
				if (scan_cpu_times(p, le, &t)) {
					st->all = t;
					st->has_all = true;
				}
				continue;
			}
			if (!scan_cpu_id(p, le, &p, &id) || !scan_cpu_times(p, le, &t))
				continue;
			if (id + 1 > st->cpu_id_end)
				st->cpu_id_end = id + 1;
			if (id < st->cpu_cap) {
				if (!st->cpu[id].present)
					st->nr_cpus++;
				st->cpu[id] = t;
			}
		} else if (starts_with_word(ls, le, "ctxt", &p)) {
			if (scan_single_value(p, le, &v)) {
				st->ctxt = v;
				st->has_ctxt = true;
			}
		} else if (starts_with_word(ls, le, "procs_running", &p)) {
			if (scan_single_value(p, le, &v)) {
				st->procs_running = v;
				st->has_procs_running = true;
			}
		}
	}
}

/* ---- PSI ------------------------------------------------------------------ */

void sc_mon_parse_psi(const char *buf, size_t len, struct sc_mon_psi *psi)
{
	const char *pos = buf, *end = buf + len, *ls, *le, *p;

	memset(psi, 0, sizeof(*psi));
	if (!buf)
		return;
	while (next_line(&pos, end, &ls, &le)) {
		if (!starts_with_word(ls, le, "some", &p))
			continue;
		for (;;) {
			const char *tok;
			double d;
			uint64_t v;

			p = skip_blank(p, le);
			if (p == le)
				break;
			tok = p;
			while (p < le && !is_blank(*p))
				p++;
			/* tok..p is one "key=value". */
			if (p - tok > 6 && !memcmp(tok, "avg10=", 6)) {
				const char *q = tok + 6;

				if (scan_decimal(&q, p, &d) && q == p && d <= 100.0) {
					psi->some_avg10 = d;
					psi->has_some_avg10 = true;
				}
			} else if (p - tok > 6 && !memcmp(tok, "total=", 6)) {
				const char *q = tok + 6;

				if (scan_u64(&q, p, &v) && q == p) {
					psi->some_total_us = v;
					psi->has_some_total = true;
				}
			}
		}
		return; /* only the first "some" line counts */
	}
}

/* ---- key value files ------------------------------------------------------ */

int sc_mon_parse_keyed_u64(const char *buf, size_t len, const char *key, uint64_t *val)
{
	const char *pos = buf, *end = buf + len, *ls, *le, *p;
	uint64_t v;

	if (!buf || !key || !*key)
		return -ENODATA;
	while (next_line(&pos, end, &ls, &le)) {
		if (starts_with_word(ls, le, key, &p) && scan_single_value(p, le, &v)) {
			*val = v;
			return 0;
		}
	}
	return -ENODATA;
}

/* ---- /proc/schedstat ------------------------------------------------------ */

enum {
	SS_YLD,
	SS_LEGACY,
	SS_SCHED,
	SS_GOIDLE,
	SS_TTWU,
	SS_TTWU_LOCAL,
	SS_CPU_TIME,
	SS_RUN_DELAY,
	SS_PCOUNT,
	SS_NR
};

int sc_mon_parse_schedstat(const char *buf, size_t len, struct sc_mon_schedstat *ss)
{
	const char *pos = buf, *end = buf + len, *ls, *le, *p;
	bool seen_version = false, supported = false;

	ss->version = 0;
	ss->nr_cpus = 0;
	ss->cpu_id_end = 0;
	if (ss->cpu_cap)
		memset(ss->cpu, 0, ss->cpu_cap * sizeof(*ss->cpu));
	if (!buf)
		return -EPROTONOSUPPORT;

	while (next_line(&pos, end, &ls, &le)) {
		uint64_t f[SS_NR], v;
		size_t id, n;

		if (starts_with_word(ls, le, "version", &p)) {
			/* A second or unreadable version line: trust nothing. */
			if (seen_version || !scan_single_value(p, le, &v)) {
				supported = false;
				break;
			}
			seen_version = true;
			ss->version = v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
			supported = v >= 15 && v <= 17;
			if (!supported)
				break;
			continue;
		}
		/* cpu lines count only under a version whose layout we know. */
		if (!supported || le - ls <= 3 || memcmp(ls, "cpu", 3))
			continue;
		if (!scan_cpu_id(ls + 3, le, &p, &id) || !scan_fields(p, le, f, SS_NR, &n) ||
		    n < SS_NR)
			continue;
		if (id + 1 > ss->cpu_id_end)
			ss->cpu_id_end = id + 1;
		if (id < ss->cpu_cap) {
			if (!ss->cpu[id].present)
				ss->nr_cpus++;
			ss->cpu[id].present = true;
			ss->cpu[id].run_delay_ns = f[SS_RUN_DELAY];
			ss->cpu[id].pcount = f[SS_PCOUNT];
		}
	}
	if (!supported) {
		ss->nr_cpus = 0;
		ss->cpu_id_end = 0;
		if (ss->cpu_cap)
			memset(ss->cpu, 0, ss->cpu_cap * sizeof(*ss->cpu));
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* ---- scheduler debug file ------------------------------------------------- */

/* "  .key   : value": the key and the value's start; false for other shapes. */
static bool scan_debug_field(const char *ls, const char *le, const char **k, size_t *klen,
			     const char **val)
{
	const char *p = skip_blank(ls, le), *ks;

	if (p == ls || p == le || *p != '.')
		return false;
	ks = ++p;
	while (p < le && !is_blank(*p) && *p != ':')
		p++;
	if (p == ks)
		return false;
	*k = ks;
	*klen = (size_t)(p - ks);
	p = skip_blank(p, le);
	if (p == le || *p != ':')
		return false;
	*val = skip_blank(p + 1, le);
	return true;
}

static bool key_is(const char *k, size_t klen, const char *want)
{
	return klen == strlen(want) && !memcmp(k, want, klen);
}

void sc_mon_parse_sched_debug(const char *buf, size_t len, struct sc_mon_sched_debug *sd)
{
	const char *pos = buf, *end = buf + len, *ls, *le, *p, *k, *val;
	bool in_cpu = false;
	size_t cur = 0, klen;

	sd->nr_cpus = 0;
	sd->cpu_id_end = 0;
	if (sd->cpu_cap)
		memset(sd->cpu, 0, sd->cpu_cap * sizeof(*sd->cpu));
	if (!buf)
		return;

	while (next_line(&pos, end, &ls, &le)) {
		uint64_t v;
		int64_t s;

		if (ls == le)
			continue; /* blank lines separate, they do not end a section */
		if (!is_blank(*ls)) {
			/* Any unindented line starts a new section: cfs_rq[N], rt_rq[N], ... */
			in_cpu = false;
			if (le - ls > 4 && !memcmp(ls, "cpu#", 4)) {
				p = ls + 4;
				if (scan_u64(&p, le, &v) && v < SC_MON_CPU_ID_LIMIT &&
				    (p == le || *p == ',' || is_blank(*p))) {
					in_cpu = true;
					cur = (size_t)v;
				}
			}
			continue;
		}
		if (!in_cpu || !scan_debug_field(ls, le, &k, &klen, &val))
			continue;
		if (key_is(k, klen, "nr_running")) {
			p = val;
			if (!scan_u64(&p, le, &v) || !rest_blank(p, le))
				continue;
			if (cur + 1 > sd->cpu_id_end)
				sd->cpu_id_end = cur + 1;
			if (cur < sd->cpu_cap) {
				if (!sd->cpu[cur].present)
					sd->nr_cpus++;
				sd->cpu[cur].present = true;
				sd->cpu[cur].nr_running = v;
			}
		} else if (key_is(k, klen, "curr->pid")) {
			p = val;
			if (!scan_i64(&p, le, &s) || !rest_blank(p, le))
				continue;
			if (cur < sd->cpu_cap) {
				sd->cpu[cur].has_curr_pid = true;
				sd->cpu[cur].curr_pid = s;
			}
		}
	}
	/* A section whose nr_running line was missing or bad is not measured. */
	for (cur = 0; cur < sd->cpu_cap; cur++)
		if (!sd->cpu[cur].present)
			sd->cpu[cur].has_curr_pid = false;
}

/* ---- /proc/loadavg, CPU lists ---------------------------------------------- */

int sc_mon_parse_loadavg(const char *buf, size_t len, double *load1)
{
	const char *p, *e;
	double d;

	if (!buf)
		return -ENODATA;
	e = buf + len;
	p = skip_blank(buf, e);
	if (!scan_decimal(&p, e, &d) || !(p == e || is_blank(*p) || *p == '\n'))
		return -ENODATA;
	*load1 = d;
	return 0;
}

int sc_mon_parse_cpu_list(const char *buf, size_t len, uint64_t *count, uint64_t *max_id_plus1)
{
	const char *p, *e;
	uint64_t n = 0, top = 0;

	if (!buf)
		return -EINVAL;
	p = buf;
	e = buf + len;
	/* Trailing newline and blanks are part of the sysfs format. */
	while (e > p && (e[-1] == '\n' || is_blank(e[-1])))
		e--;
	p = skip_blank(p, e);
	if (p == e) {
		*count = 0;
		if (max_id_plus1)
			*max_id_plus1 = 0;
		return 0;
	}
	for (;;) {
		uint64_t a, b;

		if (!scan_u64(&p, e, &a))
			return -EINVAL;
		b = a;
		if (p < e && *p == '-') {
			p++;
			if (!scan_u64(&p, e, &b))
				return -EINVAL;
		}
		if (b < a || b >= SC_MON_CPU_ID_LIMIT)
			return -EINVAL;
		n += b - a + 1;
		if (b + 1 > top)
			top = b + 1;
		if (p == e)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*count = n;
	if (max_id_plus1)
		*max_id_plus1 = top;
	return 0;
}

bool sc_mon_release_before(const char *release, unsigned major, unsigned minor)
{
	const char *p, *e;
	uint64_t a, b;

	if (!release)
		return false;
	p = release;
	e = release + strlen(release);
	if (!scan_u64(&p, e, &a) || p == e || *p != '.')
		return false;
	p++;
	if (!scan_u64(&p, e, &b))
		return false;
	return a < major || (a == major && b < minor);
}

uint64_t sc_mon_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	const uint64_t ns_per_s = 1000000000ull;
	uint64_t whole, frac;

	if (!hz)
		return 0;
	/* Split so ticks * 1e9 never overflows before the division. */
	if (__builtin_mul_overflow(ticks / hz, ns_per_s, &whole))
		return UINT64_MAX;
	if (__builtin_mul_overflow(ticks % hz, ns_per_s, &frac))
		return UINT64_MAX;
	return sc_sat_add_u64(whole, frac / hz);
}
