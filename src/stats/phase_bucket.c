// SPDX-License-Identifier: MIT
/*
 * Phases and phase buckets: labels, lookups, the carrier map, the matched
 * bucket merge, the guest-carrier fold and the per-phase metric derivation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/metrics.h>
#include <schedcheck/stats.h>

int sc_phase_format(sc_phase p, char *buf, size_t len)
{
	if (sc_phase_is_baseline(p))
		return snprintf(buf, len, "BASELINE");
	return snprintf(buf, len, "Step[%u]", (unsigned)p.raw - 1);
}

/* ---- carrier map -------------------------------------------------------- */

static size_t carrier_lower_bound(const struct sc_carrier_map *m, const char *name)
{
	size_t lo = 0, hi = m->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(m->e[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sc_phase_cgroup_stats *sc_carrier_map_find(const struct sc_carrier_map *m, const char *name)
{
	size_t i = carrier_lower_bound(m, name);

	if (i < m->len && !strcmp(m->e[i].name, name))
		return &m->e[i].stats;
	return NULL;
}

int sc_carrier_map_put(struct sc_carrier_map *m, const char *name,
		       struct sc_phase_cgroup_stats *stats)
{
	size_t i = carrier_lower_bound(m, name);
	char *copy;

	if (i < m->len && !strcmp(m->e[i].name, name))
		return sc_phase_cgroup_stats_merge(&m->e[i].stats, stats);
	if (m->len == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 4;
		void *p;

		if (ncap > SIZE_MAX / sizeof(*m->e))
			return -EOVERFLOW;
		p = realloc(m->e, ncap * sizeof(*m->e));
		if (!p)
			return -ENOMEM;
		m->e = p;
		m->cap = ncap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	memmove(m->e + i + 1, m->e + i, (m->len - i) * sizeof(*m->e));
	m->e[i].name = copy;
	m->e[i].stats = *stats;
	m->len++;
	sc_phase_cgroup_stats_init(stats);
	return 0;
}

void sc_carrier_map_release(struct sc_carrier_map *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->len; i++) {
		free(m->e[i].name);
		sc_phase_cgroup_stats_release(&m->e[i].stats);
	}
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* ---- bucket ------------------------------------------------------------- */

int sc_phase_bucket_init(struct sc_phase_bucket *b, uint16_t step_index)
{
	char label[32];

	memset(b, 0, sizeof(*b));
	b->step_index = step_index;
	sc_phase_format((sc_phase){ step_index }, label, sizeof(label));
	b->label = strdup(label);
	return b->label ? 0 : -ENOMEM;
}

void sc_phase_bucket_release(struct sc_phase_bucket *b)
{
	if (!b)
		return;
	free(b->label);
	sc_metric_map_release(&b->metrics);
	sc_carrier_map_release(&b->per_cgroup);
	memset(b, 0, sizeof(*b));
}

int sc_phase_bucket_copy(struct sc_phase_bucket *dst, const struct sc_phase_bucket *src)
{
	struct sc_phase_bucket t;
	size_t i;
	int r = 0;

	memset(&t, 0, sizeof(t));
	t.step_index = src->step_index;
	t.start_ms = src->start_ms;
	t.end_ms = src->end_ms;
	t.sample_count = src->sample_count;
	t.label = sc_strdup_or_null(src->label, &r);
	if (r < 0)
		goto fail;
	r = sc_metric_map_copy(&t.metrics, &src->metrics);
	if (r < 0)
		goto fail;
	for (i = 0; i < src->per_cgroup.len; i++) {
		struct sc_phase_cgroup_stats c;

		r = sc_phase_cgroup_stats_copy(&c, &src->per_cgroup.e[i].stats);
		if (r < 0)
			goto fail;
		r = sc_carrier_map_put(&t.per_cgroup, src->per_cgroup.e[i].name, &c);
		if (r < 0) {
			sc_phase_cgroup_stats_release(&c);
			goto fail;
		}
	}
	*dst = t;
	return 0;
fail:
	sc_phase_bucket_release(&t);
	return r;
}

bool sc_phase_bucket_get(const struct sc_phase_bucket *b, const char *metric, double *out)
{
	return sc_metric_map_get(&b->metrics, metric, out);
}

int sc_phase_bucket_expect_metric(const struct sc_phase_bucket *b, const char *metric, double *out,
				  char *err, size_t errlen)
{
	size_t i;
	int pos;

	if (sc_metric_map_get(&b->metrics, metric, out))
		return 0;
	if (!err || !errlen)
		return -ENOENT;
	pos = snprintf(err, errlen,
		       "metric '%s' absent from phase step_index=%u ('%s') with sample_count=%llu; "
		       "metric keys present in this bucket: [",
		       metric, (unsigned)b->step_index, b->label ? b->label : "",
		       (unsigned long long)b->sample_count);
	for (i = 0; i < b->metrics.len && pos >= 0 && (size_t)pos < errlen; i++)
		pos += snprintf(err + pos, errlen - pos, "%s%s", i ? ", " : "",
				b->metrics.e[i].name);
	if (pos >= 0 && (size_t)pos < errlen)
		snprintf(err + pos, errlen - pos, "]. %s",
			 b->sample_count ? "Captures landed but gave no finite value for it, "
					   "or the name is a typo (see `schedcheck metrics`)."
					 : "The phase fired no captures at all (sample_count 0).");
	return -ENOENT;
}

bool sc_phase_bucket_cgroup_counter_total(const struct sc_phase_bucket *b, const char *name,
					  double *out)
{
	uint64_t sum = 0;
	size_t i;
	int which;

	if (!strcmp(name, "total_migrations"))
		which = 0;
	else if (!strcmp(name, "total_iterations"))
		which = 1;
	else if (!strcmp(name, "total_cpu_time_ns"))
		which = 2;
	else
		return false;
	if (!b->per_cgroup.len)
		return false;
	for (i = 0; i < b->per_cgroup.len; i++) {
		const struct sc_phase_cgroup_stats *c = &b->per_cgroup.e[i].stats;
		uint64_t v = which == 0	  ? c->total_migrations
			     : which == 1 ? c->total_iterations
					  : c->total_cpu_time_ns;

		sum = sc_sat_add_u64(sum, v);
	}
	*out = (double)sum;
	return true;
}

/* ---- merges ------------------------------------------------------------- */

/* The per-key metric merge of two same-phase buckets into *out. */
static int merge_bucket_metrics(const struct sc_phase_bucket *a, const struct sc_phase_bucket *b,
				struct sc_metric_map *out)
{
	struct sc_metric_map m = { 0 };
	size_t i = 0, j = 0;
	int r = 0;

	/* Both maps are sorted: walk their union once. */
	while (i < a->metrics.len || j < b->metrics.len) {
		const struct sc_metric_entry *ea = i < a->metrics.len ? &a->metrics.e[i] : NULL;
		const struct sc_metric_entry *eb = j < b->metrics.len ? &b->metrics.e[j] : NULL;
		const struct sc_metric_def *def;
		const char *key;
		int c;
		double v;

		c = !ea ? 1 : !eb ? -1 : strcmp(ea->name, eb->name);
		key = c <= 0 ? ea->name : eb->name;
		def = sc_metric_def_lookup(key);
		if (c < 0) {
			v = ea->value;
			i++;
		} else if (c > 0) {
			v = eb->value;
			j++;
		} else {
			i++;
			j++;
			if (!(def && sc_metric_kind_is_derived(&def->kind))) {
				r = sc_merge_metric_values(
					def ? &def->kind : NULL, ea->value, eb->value,
					a->sample_count, b->sample_count, a->end_ms, b->end_ms, &v);
				if (r < 0)
					goto fail;
			}
		}
		/* Derived values are re-derived from components, never folded. */
		if (def && sc_metric_kind_is_derived(&def->kind))
			continue;
		r = sc_metric_map_set(&m, key, v);
		if (r < 0)
			goto fail;
	}
	r = sc_derive_rate_metrics(&m);
	if (r < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	sc_metric_map_release(&m);
	return r;
}

int sc_merge_matched_phase_buckets(struct sc_phase_bucket *a, struct sc_phase_bucket *b)
{
	struct sc_metric_map metrics;
	size_t i;
	int r;

	if (a->step_index != b->step_index)
		return -EINVAL;
	r = merge_bucket_metrics(a, b, &metrics);
	if (r < 0)
		return r;
	/* Reserve the carrier slots so moves below cannot fail halfway. */
	if (a->per_cgroup.cap < a->per_cgroup.len + b->per_cgroup.len) {
		size_t ncap = a->per_cgroup.len + b->per_cgroup.len;
		void *p = realloc(a->per_cgroup.e, ncap * sizeof(*a->per_cgroup.e));

		if (!p) {
			sc_metric_map_release(&metrics);
			return -ENOMEM;
		}
		a->per_cgroup.e = p;
		a->per_cgroup.cap = ncap;
	}
	/*
	 * Union the carriers by name. A carrier merge can still fail (memory);
	 * then what was folded stays in a, the rest stays in b: nothing is lost.
	 */
	for (i = 0; i < b->per_cgroup.len;) {
		struct sc_cgroup_carrier *bc = &b->per_cgroup.e[i];

		r = sc_carrier_map_put(&a->per_cgroup, bc->name, &bc->stats);
		if (r < 0) {
			sc_metric_map_release(&metrics);
			return r;
		}
		free(bc->name);
		memmove(bc, bc + 1, (b->per_cgroup.len - i - 1) * sizeof(*bc));
		b->per_cgroup.len--;
	}
	sc_metric_map_release(&a->metrics);
	a->metrics = metrics;
	if (b->start_ms < a->start_ms)
		a->start_ms = b->start_ms;
	if (b->end_ms > a->end_ms)
		a->end_ms = b->end_ms;
	a->sample_count = sc_sat_add_u64(a->sample_count, b->sample_count);
	sc_phase_bucket_release(b);
	return 0;
}

/* Inserts (moves) `b` into the sorted array, merging on an equal step_index. */
static int put_sorted(struct sc_phase_bucket *arr, size_t *n, struct sc_phase_bucket *b)
{
	size_t lo = 0, hi = *n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (arr[mid].step_index < b->step_index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < *n && arr[lo].step_index == b->step_index)
		return sc_merge_matched_phase_buckets(&arr[lo], b);
	memmove(arr + lo + 1, arr + lo, (*n - lo) * sizeof(*arr));
	arr[lo] = *b;
	memset(b, 0, sizeof(*b));
	(*n)++;
	return 0;
}

int sc_fold_guest_per_cgroup_into_host_buckets(struct sc_phase_bucket *host, size_t n_host,
					       struct sc_phase_bucket *guest, size_t n_guest,
					       struct sc_phase_bucket **out, size_t *n_out)
{
	struct sc_phase_bucket *arr;
	size_t i, n = 0, total;
	int r = 0;

	/* Validate everything before consuming anything. */
	for (i = 0; i < n_guest; i++)
		if (guest[i].start_ms != UINT64_MAX || guest[i].end_ms != 0)
			return -EINVAL;
	if (__builtin_add_overflow(n_host, n_guest, &total) || total > SIZE_MAX / sizeof(*arr))
		return -EOVERFLOW;
	arr = calloc(total ? total : 1, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	/* Host duplicates merge (no silent drop). */
	for (i = 0; i < n_host; i++) {
		r = put_sorted(arr, &n, &host[i]);
		if (r < 0)
			goto fail;
	}
	for (i = 0; i < n_guest; i++) {
		uint16_t idx = guest[i].step_index;
		size_t before = n, k;

		r = put_sorted(arr, &n, &guest[i]);
		if (r < 0)
			goto fail;
		if (n == before)
			continue;
		/*
		 * Orphan: no host bucket for this step. Normalise the
		 * merge-neutral window to (0, 0) so durations never underflow;
		 * (0, 0) with carriers and no metrics reads "window not measured".
		 */
		for (k = 0; k < n; k++) {
			if (arr[k].step_index == idx) {
				arr[k].start_ms = 0;
				arr[k].end_ms = 0;
				break;
			}
		}
	}
	*out = arr;
	*n_out = n;
	return 0;
fail:
	/* Inputs are consumed on every path past validation. */
	for (i = 0; i < n; i++)
		sc_phase_bucket_release(&arr[i]);
	for (i = 0; i < n_host; i++)
		sc_phase_bucket_release(&host[i]);
	for (i = 0; i < n_guest; i++)
		sc_phase_bucket_release(&guest[i]);
	free(arr);
	return r;
}

/* ---- per-phase derivation ----------------------------------------------- */

static int set_if(struct sc_metric_map *m, bool have, const char *name, double v)
{
	if (!have) {
		sc_metric_map_remove(m, name);
		return 0;
	}
	return sc_metric_map_set(m, name, v);
}

/* Writes every PerPhase metric of one carrier into `m`; absent stays absent. */
static int derive_carrier(const struct sc_phase_cgroup_stats *c, struct sc_metric_map *m)
{
	double a, b, d, e;
	bool have;
	int err = 0, r;

	have = sc_phase_cgroup_stats_wake_summary(c, &a, &b, &err);
	if (err < 0)
		return err;
	if ((r = set_if(m, have, "wake_p99_us", a)) < 0 ||
	    (r = set_if(m, have, "wake_median_us", b)) < 0)
		return r;
	have = sc_phase_cgroup_stats_wake_cv(c, &a);
	if ((r = set_if(m, have, "wake_cv", a)) < 0)
		return r;
	have = sc_phase_cgroup_stats_timer_summary(c, &a, &b, &d, &err);
	if (err < 0)
		return err;
	if ((r = set_if(m, have, "timer_median_us", a)) < 0 ||
	    (r = set_if(m, have, "timer_p99_us", b)) < 0 ||
	    (r = set_if(m, have, "timer_p999_us", d)) < 0)
		return r;
	have = sc_phase_cgroup_stats_run_delay_summary(c, &a, &b);
	if ((r = set_if(m, have, "run_delay_mean_us", a)) < 0 ||
	    (r = set_if(m, have, "run_delay_max_us", b)) < 0)
		return r;
	have = sc_phase_cgroup_stats_off_cpu_summary(c, &a, &b, &d, &e);
	if ((r = set_if(m, have, "off_cpu_avg_pct", a)) < 0 ||
	    (r = set_if(m, have, "off_cpu_min_pct", b)) < 0 ||
	    (r = set_if(m, have, "off_cpu_max_pct", d)) < 0 ||
	    (r = set_if(m, have, "off_cpu_spread_pct", e)) < 0)
		return r;
	have = c->total_iterations > 0;
	if ((r = set_if(m, have, "migration_ratio",
			have ? (double)c->total_migrations / (double)c->total_iterations : 0)) < 0)
		return r;
	have = sc_iterations_per_worker_of(c->num_workers, c->total_iterations, &a);
	if ((r = set_if(m, have, "iterations_per_worker", a)) < 0)
		return r;
	have = sc_iterations_per_cpu_sec_of(c->num_workers, c->total_cpu_time_ns,
					    c->total_iterations, &a);
	if ((r = set_if(m, have, "iterations_per_cpu_sec", a)) < 0)
		return r;
	have = c->numa_pages_total > 0;
	a = have ? (double)c->numa_pages_local / (double)c->numa_pages_total : 0;
	b = have ? (double)c->cross_node_migrated / (double)c->numa_pages_total : 0;
	if ((r = set_if(m, have, "page_locality", a)) < 0 ||
	    (r = set_if(m, have, "cross_node_migration_ratio", b)) < 0)
		return r;
	/* schbench keys only for a carrier that has the schbench component. */
	if (c->schbench)
		return sc_schbench_stats_derive(c->schbench, m);
	return 0;
}

int sc_derive_phase_metrics(struct sc_phase_bucket *b)
{
	struct sc_phase_cgroup_stats pooled, one;
	size_t i;
	int r = 0;

	if (!b->per_cgroup.len)
		return 0;
	sc_phase_cgroup_stats_init(&pooled);
	for (i = 0; i < b->per_cgroup.len; i++) {
		r = derive_carrier(&b->per_cgroup.e[i].stats, &b->per_cgroup.e[i].stats.metrics);
		if (r < 0)
			goto out;
		r = sc_phase_cgroup_stats_copy(&one, &b->per_cgroup.e[i].stats);
		if (r < 0)
			goto out;
		if (i == 0) {
			pooled = one;
		} else {
			r = sc_phase_cgroup_stats_merge(&pooled, &one);
			if (r < 0) {
				sc_phase_cgroup_stats_release(&one);
				goto out;
			}
		}
	}
	/* The pooled set: the same reducers over every cgroup's components. */
	r = derive_carrier(&pooled, &b->metrics);
out:
	sc_phase_cgroup_stats_release(&pooled);
	return r;
}
