// SPDX-License-Identifier: MIT
/*
 * AssertResult: outcome recording and folding, bounded pass records, typed
 * measurements, info notes, and the merge of two results.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/verdict.h>

static const char *const outcome_names[] = {
#define SC_X_(id, name) [SC_OUTCOME_##id] = name,
	SC_OUTCOME_KINDS(SC_X_)
#undef SC_X_
};

static const char *const note_type_names[] = {
#define SC_X_(id, name) [SC_NOTE_##id] = name,
	SC_NOTE_VALUE_TYPES(SC_X_)
#undef SC_X_
};

const char *sc_outcome_kind_name(enum sc_outcome_kind k)
{
	return (unsigned)k < SC_OUTCOME_KIND_MAX ? outcome_names[k] : "unknown";
}

int sc_outcome_kind_parse(const char *name, enum sc_outcome_kind *out)
{
	unsigned i;

	for (i = 0; i < SC_OUTCOME_KIND_MAX; i++)
		if (!strcmp(name, outcome_names[i])) {
			*out = (enum sc_outcome_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *sc_note_value_type_name(enum sc_note_value_type t)
{
	return (unsigned)t < SC_NOTE_VALUE_TYPE_MAX ? note_type_names[t] : "unknown";
}

int sc_note_value_type_parse(const char *name, enum sc_note_value_type *out)
{
	unsigned i;

	for (i = 0; i < SC_NOTE_VALUE_TYPE_MAX; i++)
		if (!strcmp(name, note_type_names[i])) {
			*out = (enum sc_note_value_type)i;
			return 0;
		}
	return -EINVAL;
}

/* Grows an array of `elem`-sized items so that cap >= need. */
static int grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 4;
	while (ncap < need)
		if (__builtin_mul_overflow(ncap, 2, &ncap))
			return -EOVERFLOW;
	if (ncap > SIZE_MAX / elem)
		return -EOVERFLOW;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* ---- details ------------------------------------------------------------ */

void sc_assert_detail_init(struct sc_assert_detail *d)
{
	memset(d, 0, sizeof(*d));
}

void sc_assert_detail_release(struct sc_assert_detail *d)
{
	if (!d)
		return;
	free(d->check);
	free(d->cgroup);
	free(d->unit);
	free(d->message);
	sc_assert_detail_init(d);
}

int sc_assert_detail_set(struct sc_assert_detail *d, const char *check, const char *cgroup,
			 const char *message)
{
	struct sc_assert_detail t;
	int r = 0;

	sc_assert_detail_init(&t);
	t.check = sc_strdup_or_null(check, &r);
	t.cgroup = sc_strdup_or_null(cgroup, &r);
	t.message = sc_strdup_or_null(message ? message : "", &r);
	if (r < 0) {
		sc_assert_detail_release(&t);
		return r;
	}
	t.has_phase = d->has_phase;
	t.phase = d->phase;
	t.value = d->value;
	t.limit = d->limit;
	t.unit = d->unit;
	d->unit = NULL;
	sc_assert_detail_release(d);
	*d = t;
	return 0;
}

int sc_assert_detail_copy(struct sc_assert_detail *dst, const struct sc_assert_detail *src)
{
	struct sc_assert_detail t = *src;
	int r = 0;

	t.check = sc_strdup_or_null(src->check, &r);
	t.cgroup = sc_strdup_or_null(src->cgroup, &r);
	t.unit = sc_strdup_or_null(src->unit, &r);
	t.message = sc_strdup_or_null(src->message, &r);
	if (r < 0) {
		sc_assert_detail_release(&t);
		return r;
	}
	*dst = t;
	return 0;
}

void sc_pass_detail_init(struct sc_pass_detail *p)
{
	memset(p, 0, sizeof(*p));
}

void sc_pass_detail_release(struct sc_pass_detail *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->message);
	sc_pass_detail_init(p);
}

void sc_note_value_release(struct sc_note_value *v)
{
	if (v && v->type == SC_NOTE_TEXT) {
		free(v->v.text);
		v->v.text = NULL;
	}
}

int sc_note_value_copy(struct sc_note_value *dst, const struct sc_note_value *src)
{
	struct sc_note_value t = *src;

	if (src->type == SC_NOTE_TEXT) {
		t.v.text = strdup(src->v.text ? src->v.text : "");
		if (!t.v.text)
			return -ENOMEM;
	}
	*dst = t;
	return 0;
}

/* ---- result ------------------------------------------------------------- */

void sc_assert_result_init(struct sc_assert_result *r)
{
	memset(r, 0, sizeof(*r));
	sc_scenario_stats_init(&r->stats);
}

void sc_assert_result_release(struct sc_assert_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_outcomes; i++)
		sc_assert_detail_release(&r->outcomes[i].detail);
	free(r->outcomes);
	for (i = 0; i < r->n_passes; i++)
		sc_pass_detail_release(&r->passes[i]);
	free(r->passes);
	sc_scenario_stats_release(&r->stats);
	for (i = 0; i < r->measurements.len; i++) {
		free(r->measurements.e[i].key);
		sc_note_value_release(&r->measurements.e[i].value);
	}
	free(r->measurements.e);
	for (i = 0; i < r->n_info_notes; i++) {
		free(r->info_notes[i].source);
		free(r->info_notes[i].text);
	}
	free(r->info_notes);
	sc_assert_result_init(r);
}

int sc_assert_result_record_outcome(struct sc_assert_result *r, enum sc_outcome_kind kind,
				    struct sc_assert_detail *detail)
{
	int e;

	if ((unsigned)kind >= SC_OUTCOME_KIND_MAX)
		return -EINVAL;
	e = grow_array((void **)&r->outcomes, &r->cap_outcomes, r->n_outcomes + 1,
		       sizeof(*r->outcomes));
	if (e < 0)
		return e;
	r->outcomes[r->n_outcomes].kind = kind;
	if (detail) {
		r->outcomes[r->n_outcomes].detail = *detail;
		sc_assert_detail_init(detail);
	} else {
		sc_assert_detail_init(&r->outcomes[r->n_outcomes].detail);
	}
	r->n_outcomes++;
	return 0;
}

int sc_assert_result_record_pass(struct sc_assert_result *r, struct sc_assert_detail *d)
{
	return sc_assert_result_record_outcome(r, SC_OUTCOME_PASS, d);
}

int sc_assert_result_record_skip(struct sc_assert_result *r, struct sc_assert_detail *d)
{
	return sc_assert_result_record_outcome(r, SC_OUTCOME_SKIP, d);
}

int sc_assert_result_record_inconclusive(struct sc_assert_result *r, struct sc_assert_detail *d)
{
	return sc_assert_result_record_outcome(r, SC_OUTCOME_INCONCLUSIVE, d);
}

int sc_assert_result_record_fail(struct sc_assert_result *r, struct sc_assert_detail *d)
{
	return sc_assert_result_record_outcome(r, SC_OUTCOME_FAIL, d);
}

int sc_assert_result_init_skip(struct sc_assert_result *r, struct sc_assert_detail *detail)
{
	sc_assert_result_init(r);
	return sc_assert_result_record_skip(r, detail);
}

int sc_assert_result_init_fail(struct sc_assert_result *r, struct sc_assert_detail *detail)
{
	sc_assert_result_init(r);
	return sc_assert_result_record_fail(r, detail);
}

enum sc_outcome_kind sc_assert_result_outcome(const struct sc_assert_result *r)
{
	bool any[SC_OUTCOME_KIND_MAX] = { false };
	size_t i;

	/* Ordered precedence, not a pairwise fold: empty is the Pass identity. */
	for (i = 0; i < r->n_outcomes; i++)
		if ((unsigned)r->outcomes[i].kind < SC_OUTCOME_KIND_MAX)
			any[r->outcomes[i].kind] = true;
	if (any[SC_OUTCOME_FAIL])
		return SC_OUTCOME_FAIL;
	if (any[SC_OUTCOME_INCONCLUSIVE])
		return SC_OUTCOME_INCONCLUSIVE;
	if (any[SC_OUTCOME_PASS] || !r->n_outcomes)
		return SC_OUTCOME_PASS;
	return SC_OUTCOME_SKIP;
}

bool sc_assert_result_is_pass(const struct sc_assert_result *r)
{
	return sc_assert_result_outcome(r) == SC_OUTCOME_PASS;
}

bool sc_assert_result_is_fail(const struct sc_assert_result *r)
{
	return sc_assert_result_outcome(r) == SC_OUTCOME_FAIL;
}

bool sc_assert_result_is_inconclusive(const struct sc_assert_result *r)
{
	return sc_assert_result_outcome(r) == SC_OUTCOME_INCONCLUSIVE;
}

bool sc_assert_result_is_skip(const struct sc_assert_result *r)
{
	return sc_assert_result_outcome(r) == SC_OUTCOME_SKIP;
}

const struct sc_assert_detail *sc_assert_result_next_detail(const struct sc_assert_result *r,
							    enum sc_outcome_kind kind,
							    size_t *cursor)
{
	while (*cursor < r->n_outcomes) {
		const struct sc_outcome *o = &r->outcomes[(*cursor)++];

		if (o->kind == kind)
			return &o->detail;
	}
	return NULL;
}

size_t sc_assert_result_count(const struct sc_assert_result *r, enum sc_outcome_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_outcomes; i++)
		n += r->outcomes[i].kind == kind;
	return n;
}

/* ---- passes ------------------------------------------------------------- */

static bool is_sentinel(const struct sc_pass_detail *p)
{
	return p->name && !strcmp(p->name, SC_PASSES_TRUNCATION_SENTINEL_NAME);
}

bool sc_assert_result_passes_truncated(const struct sc_assert_result *r)
{
	return r->n_passes && is_sentinel(&r->passes[r->n_passes - 1]);
}

/* Counts `dropped` more records on the tail sentinel, creating it once. */
static int count_dropped(struct sc_assert_result *r, double dropped)
{
	struct sc_pass_detail *s;
	int e;

	if (sc_assert_result_passes_truncated(r)) {
		s = &r->passes[r->n_passes - 1];
		s->value.present = true;
		s->value.value += dropped;
		return 0;
	}
	e = grow_array((void **)&r->passes, &r->cap_passes, r->n_passes + 1, sizeof(*r->passes));
	if (e < 0)
		return e;
	s = &r->passes[r->n_passes];
	sc_pass_detail_init(s);
	s->name = strdup(SC_PASSES_TRUNCATION_SENTINEL_NAME);
	s->message = strdup("further pass records were dropped; value = how many");
	if (!s->name || !s->message) {
		sc_pass_detail_release(s);
		return -ENOMEM;
	}
	s->value = sc_some_f64(dropped);
	r->n_passes++;
	return 0;
}

int sc_assert_result_record_pass_detail(struct sc_assert_result *r, struct sc_pass_detail *p)
{
	size_t real = r->n_passes - (sc_assert_result_passes_truncated(r) ? 1 : 0);
	int e;

	if (is_sentinel(p)) {
		/* A sentinel arriving from a merged result carries its count. */
		e = count_dropped(r, p->value.present ? p->value.value : 0.0);
		if (!e)
			sc_pass_detail_release(p);
		return e;
	}
	if (real >= SC_MAX_RECORDED_PASSES) {
		e = count_dropped(r, 1.0);
		if (!e)
			sc_pass_detail_release(p);
		return e;
	}
	e = grow_array((void **)&r->passes, &r->cap_passes, r->n_passes + 1, sizeof(*r->passes));
	if (e < 0)
		return e;
	if (sc_assert_result_passes_truncated(r)) {
		/* Unreachable while real < max, kept for hand-built inputs: stay at the tail. */
		r->passes[r->n_passes] = r->passes[r->n_passes - 1];
		r->passes[r->n_passes - 1] = *p;
	} else {
		r->passes[r->n_passes] = *p;
	}
	r->n_passes++;
	sc_pass_detail_init(p);
	return 0;
}

/* ---- measurements and notes --------------------------------------------- */

static size_t meas_lower_bound(const struct sc_measurement_map *m, const char *key)
{
	size_t lo = 0, hi = m->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(m->e[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct sc_note_value *sc_measurement_map_get(const struct sc_measurement_map *m,
						   const char *key)
{
	size_t i = meas_lower_bound(m, key);

	return i < m->len && !strcmp(m->e[i].key, key) ? &m->e[i].value : NULL;
}

int sc_assert_result_note_value(struct sc_assert_result *r, const char *key,
				const struct sc_note_value *v)
{
	struct sc_measurement_map *m = &r->measurements;
	size_t i = meas_lower_bound(m, key);
	struct sc_note_value copy;
	char *k;
	int e;

	if ((unsigned)v->type >= SC_NOTE_VALUE_TYPE_MAX)
		return -EINVAL;
	e = sc_note_value_copy(&copy, v);
	if (e < 0)
		return e;
	if (i < m->len && !strcmp(m->e[i].key, key)) {
		sc_note_value_release(&m->e[i].value);
		m->e[i].value = copy;
		return 0;
	}
	e = grow_array((void **)&m->e, &m->cap, m->len + 1, sizeof(*m->e));
	k = e < 0 ? NULL : strdup(key);
	if (!k) {
		sc_note_value_release(&copy);
		return e < 0 ? e : -ENOMEM;
	}
	memmove(m->e + i + 1, m->e + i, (m->len - i) * sizeof(*m->e));
	m->e[i].key = k;
	m->e[i].value = copy;
	m->len++;
	return 0;
}

int sc_assert_result_note(struct sc_assert_result *r, const char *source, const char *text)
{
	struct sc_info_note n = { 0 };
	int e = 0;

	n.source = sc_strdup_or_null(source, &e);
	n.text = sc_strdup_or_null(text ? text : "", &e);
	if (!e)
		e = grow_array((void **)&r->info_notes, &r->cap_info_notes, r->n_info_notes + 1,
			       sizeof(*r->info_notes));
	if (e < 0) {
		free(n.source);
		free(n.text);
		return e;
	}
	r->info_notes[r->n_info_notes++] = n;
	return 0;
}

/* ---- merge -------------------------------------------------------------- */

int sc_assert_result_merge(struct sc_assert_result *a, struct sc_assert_result *b)
{
	size_t i;
	int e;

	/* Reserve first so the appends below cannot fail halfway. */
	e = grow_array((void **)&a->outcomes, &a->cap_outcomes, a->n_outcomes + b->n_outcomes,
		       sizeof(*a->outcomes));
	if (e < 0)
		return e;
	e = grow_array((void **)&a->info_notes, &a->cap_info_notes,
		       a->n_info_notes + b->n_info_notes, sizeof(*a->info_notes));
	if (e < 0)
		return e;
	e = sc_scenario_stats_merge(&a->stats, &b->stats);
	if (e < 0)
		return e;
	if (b->n_outcomes)
		memcpy(a->outcomes + a->n_outcomes, b->outcomes,
		       b->n_outcomes * sizeof(*b->outcomes));
	a->n_outcomes += b->n_outcomes;
	b->n_outcomes = 0;
	if (b->n_info_notes)
		memcpy(a->info_notes + a->n_info_notes, b->info_notes,
		       b->n_info_notes * sizeof(*b->info_notes));
	a->n_info_notes += b->n_info_notes;
	b->n_info_notes = 0;
	/*
	 * Passes and measurements may still meet memory pressure; whatever is
	 * not yet moved stays in b, so a failure loses nothing.
	 */
	for (i = 0; i < b->n_passes; i++) {
		e = sc_assert_result_record_pass_detail(a, &b->passes[i]);
		if (e < 0) {
			memmove(b->passes, b->passes + i, (b->n_passes - i) * sizeof(*b->passes));
			b->n_passes -= i;
			return e;
		}
	}
	b->n_passes = 0;
	for (i = 0; i < b->measurements.len; i++) {
		e = sc_assert_result_note_value(a, b->measurements.e[i].key,
						&b->measurements.e[i].value);
		if (e < 0)
			return e;
	}
	sc_assert_result_release(b);
	return 0;
}
