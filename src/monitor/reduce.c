// SPDX-License-Identifier: MIT
/*
 * Per-phase reduction of monitor samples by MetricKind
 * (sc_monitor_reduce_phase): pure computation over metric maps, the bridge
 * from periodic samples to the per-phase values the stats layer merges.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>

#include <schedcheck/metrics.h>
#include <schedcheck/monitor.h>

/* Reduces `name` over the samples by `kind`; false when nothing to report. */
static bool reduce_one(const struct sc_metric_kind *kind, const char *name,
		       const struct sc_metric_map *samples, size_t n, double *out)
{
	double first = 0, last = 0, acc = 0;
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		double v;

		if (!sc_metric_map_get(&samples[i], name, &v) || !isfinite(v))
			continue;
		if (!count)
			first = v;
		last = v;
		switch (kind->tag) {
		case SC_KIND_DELTA_SUM:
			acc += v;
			break;
		case SC_KIND_PEAK:
			acc = count ? fmax(acc, v) : v;
			break;
		case SC_KIND_GAUGE:
			if (kind->u.gauge == SC_GAUGE_AVG)
				acc += v;
			else if (kind->u.gauge == SC_GAUGE_MAX)
				acc = count ? fmax(acc, v) : v;
			break;
		default:
			break;
		}
		count++;
	}
	if (!count)
		return false;
	switch (kind->tag) {
	case SC_KIND_COUNTER:
		/* A counter needs two readings to span any time at all. */
		if (count < 2)
			return false;
		*out = last - first;
		return true;
	case SC_KIND_DELTA_SUM:
	case SC_KIND_PEAK:
		*out = acc;
		return true;
	case SC_KIND_TIMESTAMP:
		*out = last;
		return true;
	case SC_KIND_GAUGE:
		switch (kind->u.gauge) {
		case SC_GAUGE_AVG:
			*out = acc / (double)count;
			return true;
		case SC_GAUGE_MAX:
			*out = acc;
			return true;
		case SC_GAUGE_LAST:
			*out = last;
			return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

/* Kinds that come from samples; the rest are derived or computed per phase. */
static bool reducible(const struct sc_metric_def *d)
{
	if (!d || sc_metric_kind_is_derived(&d->kind))
		return false;
	return d->kind.tag != SC_KIND_PER_PHASE_DELTA_SUM;
}

int sc_monitor_reduce_phase(const struct sc_metric_map *samples, size_t n,
			    struct sc_metric_map *out)
{
	struct sc_metric_map res = { 0 }, seen = { 0 };
	size_t i, j;
	int rc = 0;

	if (!out || (n && !samples))
		return -EINVAL;
	for (i = 0; i < n && !rc; i++) {
		for (j = 0; j < samples[i].len; j++) {
			const char *name = samples[i].e[j].name;
			const struct sc_metric_def *d;
			double v;

			/* Each distinct key once, from the first sample that has it. */
			if (sc_metric_map_get(&seen, name, NULL))
				continue;
			rc = sc_metric_map_set(&seen, name, 0.0);
			if (rc < 0)
				break;
			d = sc_metric_def_lookup(name);
			if (!reducible(d))
				continue;
			/* Earlier samples lack the key, so start the scan here. */
			if (!reduce_one(&d->kind, name, samples + i, n - i, &v))
				continue;
			rc = sc_metric_map_set(&res, name, v);
			if (rc < 0)
				break;
		}
	}
	if (!rc)
		rc = sc_derive_rate_metrics(&res);
	sc_metric_map_release(&seen);
	if (rc < 0) {
		sc_metric_map_release(&res);
		return rc;
	}
	sc_metric_map_release(out);
	*out = res;
	return 0;
}
