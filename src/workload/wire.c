// SPDX-License-Identifier: MIT
/*
 * The collector's side of the report wire: validates each record a worker
 * sends (untrusted: magic, version, kind, lengths, limits, ordering) and
 * reassembles one sc_worker_report per worker and generation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload-internal.h"

void sc_wl_rx_reset(struct sc_wl_rx *rx)
{
	sc_worker_report_release(&rx->rep);
	rx->n_cpus = rx->n_wake = rx->n_timer = rx->n_records = 0;
	rx->n_schb = rx->schb_last_key = rx->schb_role = 0;
	rx->have_schb = false;
	rx->have_scalars = rx->done = rx->bad = false;
	rx->why[0] = '\0';
}

static int mark_bad(struct sc_wl_rx *rx, const char *why)
{
	if (!rx->bad)
		snprintf(rx->why, sizeof(rx->why), "%s", why);
	rx->bad = true;
	return 0;
}

static void take_scalars(struct sc_worker_report *r, const struct sc_wire_scalars *s)
{
	r->tid = s->tid;
	r->iterations = s->iterations;
	r->wall_time_ns = s->wall_time_ns;
	r->cpu_time_ns = s->cpu_time_ns;
	r->off_cpu_ns = s->off_cpu_ns;
	r->schedstat_cpu_time_ns = s->schedstat_cpu_time_ns;
	r->schedstat_run_delay_ns = s->schedstat_run_delay_ns;
	r->schedstat_run_count = s->schedstat_run_count;
	r->migrations = s->migrations;
	r->max_gap_ms = s->max_gap_ms;
	r->max_gap_cpu = s->max_gap_cpu;
	r->max_gap_at_ns = s->max_gap_at_ns;
	r->wake_sample_total = s->wake_sample_total;
	r->timer_sample_total = s->timer_sample_total;
	r->numa_pages_local = s->numa_pages_local;
	r->numa_pages_total = s->numa_pages_total;
	r->numa_pages_migrated = s->numa_pages_migrated;
}

/* Keeps printable ASCII only, so a worker's bytes cannot forge output. */
static char *sanitized_copy(const char *p, size_t len)
{
	char *s = malloc(len + 1);
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	s[len] = '\0';
	return s;
}

int sc_wl_rx_record(struct sc_wl_rx *rxs, size_t n_workers, uint32_t gen, const void *buf,
		    size_t len, uint64_t *dropped)
{
	struct sc_wire_hdr h;
	const unsigned char *payload;
	size_t plen;
	struct sc_wl_rx *rx;
	uint64_t i;
	int r;

	if (len < sizeof(h)) {
		(*dropped)++;
		return 0;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != SC_WIRE_MAGIC || h.version != SC_WIRE_VERSION || h.worker >= n_workers) {
		(*dropped)++;
		return 0;
	}
	if (h.gen != gen) {
		/* A late answer to an earlier drain: dropped, as documented. */
		(*dropped)++;
		return 0;
	}
	rx = &rxs[h.worker];
	if (rx->bad)
		return 0;
	if (rx->done)
		return mark_bad(rx, "record after end");
	payload = (const unsigned char *)buf + sizeof(h);
	plen = len - sizeof(h);
	switch (h.kind) {
	case SC_MSG_SCALARS: {
		struct sc_wire_scalars s;

		if (rx->have_scalars)
			return mark_bad(rx, "duplicate scalars");
		if (h.count != 1 || plen != sizeof(s))
			return mark_bad(rx, "scalars record has the wrong length");
		memcpy(&s, payload, sizeof(s));
		take_scalars(&rx->rep, &s);
		rx->have_scalars = true;
		break;
	}
	case SC_MSG_CPUS:
	case SC_MSG_WAKE:
	case SC_MSG_TIMER: {
		uint64_t *have = h.kind == SC_MSG_CPUS	 ? &rx->n_cpus
				 : h.kind == SC_MSG_WAKE ? &rx->n_wake
							 : &rx->n_timer;
		uint64_t limit = h.kind == SC_MSG_CPUS ? SC_WORK_MAX_CPUS : SC_MAX_WAKE_SAMPLES;
		struct sc_u64_vec *vec = h.kind == SC_MSG_WAKE ? &rx->rep.wake_latencies_ns
							       : &rx->rep.timer_latencies_ns;

		if (h.count > SC_WIRE_CHUNK || plen != (size_t)h.count * 8)
			return mark_bad(rx, "sample record length does not match its count");
		if (*have + h.count > limit)
			return mark_bad(rx, "more samples than the limit");
		if (h.kind == SC_MSG_CPUS) {
			for (i = 0; i < h.count; i++) {
				uint64_t cpu;

				memcpy(&cpu, payload + i * 8, 8);
				if (cpu >= SC_WORK_MAX_CPUS)
					return mark_bad(rx, "CPU id out of range");
				if ((r = sc_cpu_set_add(&rx->rep.cpus_used, cpu)) < 0)
					return r;
			}
		} else {
			if ((r = sc_u64_vec_reserve(vec, h.count)) < 0)
				return r;
			memcpy(vec->v + vec->len, payload, plen);
			vec->len += h.count;
		}
		*have += h.count;
		break;
	}
	case SC_MSG_SCHB: {
		struct sc_wire_schbench sb;

		if (rx->have_schb)
			return mark_bad(rx, "duplicate schbench record");
		if (h.count != 1 || plen != sizeof(sb))
			return mark_bad(rx, "schbench record has the wrong length");
		memcpy(&sb, payload, sizeof(sb));
		if (sb.role != SC_SCHB_MESSAGE && sb.role != SC_SCHB_WORKER)
			return mark_bad(rx, "schbench record has an unknown role");
		if (!rx->rep.schbench && (r = sc_schbench_stats_new(&rx->rep.schbench)) < 0)
			return r;
		rx->rep.schbench->loop_count = sb.loop_count;
		/* The run-delay pair is filled from the scalars at END, by role. */
		rx->schb_role = sb.role;
		rx->have_schb = true;
		break;
	}
	case SC_MSG_SCHB_HIST:
		if (!rx->have_schb)
			return mark_bad(rx, "schbench histogram before its record");
		if (h.count > SC_WIRE_CHUNK / 2 || plen != (size_t)h.count * 16)
			return mark_bad(rx, "histogram record length does not match its count");
		if (rx->n_schb + h.count > SC_WIRE_SCHB_MAX_PAIRS)
			return mark_bad(rx, "more histogram buckets than exist");
		for (i = 0; i < h.count; i++) {
			uint64_t key, count, bucket;

			memcpy(&key, payload + i * 16, 8);
			memcpy(&count, payload + i * 16 + 8, 8);
			bucket = key & 0xffffffffu;
			if (key >> 32 >= SC_WIRE_SCHB_HISTS || bucket >= SC_LAT_HIST_BUCKETS)
				return mark_bad(rx, "histogram bucket out of range");
			if ((rx->n_schb || i) && key <= rx->schb_last_key)
				return mark_bad(rx, "histogram buckets out of order");
			if (!count)
				return mark_bad(rx, "empty histogram bucket");
			sc_lat_hist_add_bucket(key >> 32 ? &rx->rep.schbench->request
							 : &rx->rep.schbench->wakeup,
					       (size_t)bucket, count);
			rx->schb_last_key = key;
		}
		rx->n_schb += h.count;
		break;
	case SC_MSG_ERROR: {
		char *s, *joined;

		if (plen == 0 || plen > SC_WL_ERR_MAX || h.count != plen)
			return mark_bad(rx, "error record has the wrong length");
		s = sanitized_copy((const char *)payload, plen);
		if (!s)
			return -ENOMEM;
		if (rx->rep.error) {
			size_t a = strlen(rx->rep.error);

			joined = malloc(a + 2 + plen + 1);
			if (!joined) {
				free(s);
				return -ENOMEM;
			}
			memcpy(joined, rx->rep.error, a);
			memcpy(joined + a, "; ", 2);
			memcpy(joined + a + 2, s, plen + 1);
			free(s);
			free(rx->rep.error);
			rx->rep.error = joined;
		} else {
			rx->rep.error = s;
		}
		break;
	}
	case SC_MSG_END: {
		struct sc_wire_end e;

		if (h.count != 1 || plen != sizeof(e))
			return mark_bad(rx, "end record has the wrong length");
		memcpy(&e, payload, sizeof(e));
		if (!rx->have_scalars)
			return mark_bad(rx, "end before scalars");
		if (e.n_cpus != rx->n_cpus || e.n_wake != rx->n_wake || e.n_timer != rx->n_timer ||
		    e.n_records != rx->n_records)
			return mark_bad(rx, "end counts do not match the records received");
		if (rx->rep.wake_sample_total < rx->n_wake ||
		    rx->rep.timer_sample_total < rx->n_timer)
			return mark_bad(rx, "sample total below the samples sent");
		if (rx->rep.off_cpu_ns > rx->rep.wall_time_ns)
			return mark_bad(rx, "off-CPU time exceeds wall time");
		if (e.n_schb != rx->n_schb)
			return mark_bad(rx, "end counts do not match the histogram received");
		if (rx->rep.schbench) {
			struct sc_schbench_stats *sb = rx->rep.schbench;
			bool msg = rx->schb_role == SC_SCHB_MESSAGE;

			sb->wall_ns = rx->rep.wall_time_ns;
			if (msg) {
				sb->msg_run_delay_ns = rx->rep.schedstat_run_delay_ns;
				sb->msg_pcount = rx->rep.schedstat_run_count;
			} else {
				sb->worker_run_delay_ns = rx->rep.schedstat_run_delay_ns;
				sb->worker_pcount = rx->rep.schedstat_run_count;
			}
		}
		rx->done = true;
		return 0;
	}
	default:
		return mark_bad(rx, "unknown record kind");
	}
	rx->n_records++;
	return 0;
}
