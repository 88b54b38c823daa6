/* SPDX-License-Identifier: MIT */
/*
 * The verdict model: outcomes and their fold (Fail > Inconclusive > Pass >
 * Skip, empty = Pass), the bounded record of passing claims, typed
 * measurements, informational notes, the scenario's aggregated stats, and the
 * merge of two results (repeats of a run, shards of a matrix).
 */
#ifndef SCHEDCHECK_VERDICT_H
#define SCHEDCHECK_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>
#include <schedcheck/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ordered by fold precedence, lowest first. */
#define SC_OUTCOME_KINDS(X)             \
	X(SKIP, "skip")                 \
	X(PASS, "pass")                 \
	X(INCONCLUSIVE, "inconclusive") \
	X(FAIL, "fail")

enum sc_outcome_kind {
#define SC_X_(id, name) SC_OUTCOME_##id,
	SC_OUTCOME_KINDS(SC_X_)
#undef SC_X_
		SC_OUTCOME_KIND_MAX
};

const char *sc_outcome_kind_name(enum sc_outcome_kind k);
int sc_outcome_kind_parse(const char *name, enum sc_outcome_kind *out);

/*
 * What a check says about one claim. Every string is owned and may be NULL
 * except `message`. Optional numbers carry their own presence flag.
 */
struct sc_assert_detail {
	char *check;  /* check name, e.g. "max_gap" */
	char *cgroup; /* NULL when not cgroup-scoped */
	bool has_phase;
	uint16_t phase;		 /* sc_phase raw encoding */
	struct sc_opt_f64 value; /* measured value */
	struct sc_opt_f64 limit; /* threshold it was held to */
	char *unit;		 /* unit of value and limit */
	char *message;		 /* one human sentence; never NULL once recorded */
};

struct sc_outcome {
	enum sc_outcome_kind kind;
	struct sc_assert_detail detail;
};

/* A positive confirmation recorded by a check's pass arm. */
struct sc_pass_detail {
	char *name; /* claim name; the sentinel name marks truncation */
	char *message;
	bool has_phase;
	uint16_t phase;
	struct sc_opt_f64 value;
	struct sc_opt_f64 limit;
};

/* At most this many real pass records; then one sentinel at the tail. */
#define SC_MAX_RECORDED_PASSES 1024u
#define SC_PASSES_TRUNCATION_SENTINEL_NAME "__passes_truncated__"

#define SC_NOTE_VALUE_TYPES(X) \
	X(U64, "u64") X(I64, "i64") X(F64, "f64") X(BOOL, "bool") X(TEXT, "text")

enum sc_note_value_type {
#define SC_X_(id, name) SC_NOTE_##id,
	SC_NOTE_VALUE_TYPES(SC_X_)
#undef SC_X_
		SC_NOTE_VALUE_TYPE_MAX
};

const char *sc_note_value_type_name(enum sc_note_value_type t);
int sc_note_value_type_parse(const char *name, enum sc_note_value_type *out);

struct sc_note_value {
	enum sc_note_value_type type;
	union {
		uint64_t u64;
		int64_t i64;
		double f64;
		bool b;
		char *text; /* owned */
	} v;
};

struct sc_measurement {
	char *key;
	struct sc_note_value value;
};

/* Sorted key -> typed value (a BTreeMap<String, NoteValue>). */
struct sc_measurement_map {
	struct sc_measurement *e;
	size_t len;
	size_t cap;
};

struct sc_info_note {
	char *source; /* who said it (a check, the runner); may be NULL */
	char *text;
};

/*
 * The scenario's aggregated stats: per-cgroup whole-run reductions, run-level
 * worsts, per-phase buckets (sorted by step_index) and extensible metrics.
 */
struct sc_scenario_stats {
	struct sc_cgroup_stats *cgroups;
	size_t n_cgroups;
	uint64_t total_workers;
	uint64_t total_cpus; /* distinct CPUs used across cgroups (max on merge) */
	uint64_t total_migrations;
	uint64_t total_iterations;
	struct sc_opt_f64 worst_spread; /* max per-cgroup spread; absent when none measured */
	uint64_t worst_gap_ms;
	uint64_t worst_gap_cpu;
	struct sc_phase_bucket *phases;
	size_t n_phases;
	struct sc_metric_map ext_metrics;
};

struct sc_assert_result {
	struct sc_outcome *outcomes;
	size_t n_outcomes;
	size_t cap_outcomes;
	struct sc_pass_detail *passes;
	size_t n_passes;
	size_t cap_passes;
	struct sc_scenario_stats stats;
	struct sc_measurement_map measurements;
	struct sc_info_note *info_notes;
	size_t n_info_notes;
	size_t cap_info_notes;
};

/* Pass: the empty result (the identity of the fold and of merge). */
void sc_assert_result_init(struct sc_assert_result *r);
/* A result seeded with one Skip / Fail outcome carrying `detail` (moved in). */
int sc_assert_result_init_skip(struct sc_assert_result *r, struct sc_assert_detail *detail);
int sc_assert_result_init_fail(struct sc_assert_result *r, struct sc_assert_detail *detail);
void sc_assert_result_release(struct sc_assert_result *r);

/* The folded verdict: Fail > Inconclusive > Pass > Skip; empty -> Pass. */
enum sc_outcome_kind sc_assert_result_outcome(const struct sc_assert_result *r);
bool sc_assert_result_is_pass(const struct sc_assert_result *r);
bool sc_assert_result_is_fail(const struct sc_assert_result *r);
bool sc_assert_result_is_inconclusive(const struct sc_assert_result *r);
bool sc_assert_result_is_skip(const struct sc_assert_result *r);

/*
 * Recording: each pushes one outcome; the detail's contents are moved in
 * (the caller's struct is re-initialised) on success.
 */
int sc_assert_result_record_outcome(struct sc_assert_result *r, enum sc_outcome_kind kind,
				    struct sc_assert_detail *detail);
int sc_assert_result_record_pass(struct sc_assert_result *r, struct sc_assert_detail *detail);
int sc_assert_result_record_skip(struct sc_assert_result *r, struct sc_assert_detail *detail);
int sc_assert_result_record_inconclusive(struct sc_assert_result *r,
					 struct sc_assert_detail *detail);
int sc_assert_result_record_fail(struct sc_assert_result *r, struct sc_assert_detail *detail);

/*
 * Builds a detail from copies of the given strings (check, cgroup, message
 * may be NULL except message); value/limit optional via sc_opt_f64.
 */
int sc_assert_detail_set(struct sc_assert_detail *d, const char *check, const char *cgroup,
			 const char *message);
void sc_assert_detail_init(struct sc_assert_detail *d);
void sc_assert_detail_release(struct sc_assert_detail *d);
int sc_assert_detail_copy(struct sc_assert_detail *dst, const struct sc_assert_detail *src);

/*
 * Iterates the details of outcomes of one kind: start with *cursor = 0; each
 * call returns the next matching detail or NULL at the end.
 */
const struct sc_assert_detail *sc_assert_result_next_detail(const struct sc_assert_result *r,
							    enum sc_outcome_kind kind,
							    size_t *cursor);
size_t sc_assert_result_count(const struct sc_assert_result *r, enum sc_outcome_kind kind);

/*
 * Appends a pass record (moved in). Past SC_MAX_RECORDED_PASSES real records
 * the record is dropped and the single tail sentinel counts it (its value
 * holds the number dropped). Dropping is success (returns 0).
 */
int sc_assert_result_record_pass_detail(struct sc_assert_result *r, struct sc_pass_detail *p);
/* True when the passes were truncated (the sentinel is at the tail). */
bool sc_assert_result_passes_truncated(const struct sc_assert_result *r);
void sc_pass_detail_init(struct sc_pass_detail *p);
void sc_pass_detail_release(struct sc_pass_detail *p);

/* Measurements: insert or replace `key` (copied); text values are copied. */
int sc_assert_result_note_value(struct sc_assert_result *r, const char *key,
				const struct sc_note_value *v);
const struct sc_note_value *sc_measurement_map_get(const struct sc_measurement_map *m,
						   const char *key);
void sc_note_value_release(struct sc_note_value *v);
int sc_note_value_copy(struct sc_note_value *dst, const struct sc_note_value *src);

/* Informational note, kept apart from outcomes. Strings copied. */
int sc_assert_result_note(struct sc_assert_result *r, const char *source, const char *text);

void sc_scenario_stats_init(struct sc_scenario_stats *s);
void sc_scenario_stats_release(struct sc_scenario_stats *s);
/* Appends a whole-run cgroup reduction (moved in) and updates the worsts. */
int sc_scenario_stats_add_cgroup(struct sc_scenario_stats *s, struct sc_cgroup_stats *cs);
/* Looks up the phase bucket for `phase`, or NULL. */
const struct sc_phase_bucket *sc_scenario_stats_phase(const struct sc_scenario_stats *s,
						      sc_phase phase);
/*
 * Inserts a phase bucket (moved in), keeping phases sorted by step_index;
 * a bucket for an existing step_index is merged into it.
 */
int sc_scenario_stats_put_phase(struct sc_scenario_stats *s, struct sc_phase_bucket *b);

/*
 * Re-pools the run-level derived metrics into s->ext_metrics from the raw
 * components: every Distribution over the phase carriers' samples (wake and
 * timer samples weighted by true population / kept samples, so a phase past
 * the reservoir cap counts by its population; weighted nearest rank equals
 * the plain one when every weight is 1), falling back to the mean of the
 * cgroups that measured the source when there are no carriers;
 * WorstLowest (lowest per-cgroup efficiency, a measured 0 wins, absence
 * skipped), WakeLatencyTailRatio (max p99/median over cgroups with wake
 * samples), WorstCrossNodeRatio. A metric nothing measured is removed.
 */
int sc_populate_run_metrics(struct sc_scenario_stats *s);

/*
 * a = merge(a, b) for the stats of two results: cgroups appended, totals
 * summed (saturating), worsts kept, phases matched by step_index (then their
 * per-phase metrics re-derived), ext_metrics merged by key. `b` is consumed
 * on success; on -ENOMEM what was folded is in a and the rest remains in b.
 */
int sc_scenario_stats_merge(struct sc_scenario_stats *a, struct sc_scenario_stats *b);

/*
 * a = merge(a, b): outcomes, passes (bounded) and info notes appended in
 * order; measurements by key (b wins a duplicate key); stats merged
 * (cgroups appended, counters summed saturating, worsts kept, phases matched
 * by step_index, ext_metrics by key as unregistered means unless registered).
 * `b` is consumed on success. On error (-ENOMEM) nothing measured is lost:
 * what was folded is in `a`, the rest remains in `b`; both stay releasable.
 */
int sc_assert_result_merge(struct sc_assert_result *a, struct sc_assert_result *b);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_VERDICT_H */
