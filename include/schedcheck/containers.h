/* SPDX-License-Identifier: MIT */
/*
 * Plain growable containers used by every stats type: u64 / f64 vectors, a
 * sorted CPU set (the seed's BTreeSet<usize>) and a sorted name -> f64 map
 * (the seed's BTreeMap<String, f64>). Pure memory management, no I/O.
 */
#ifndef SCHEDCHECK_CONTAINERS_H
#define SCHEDCHECK_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Saturating u64 addition: counters from outside never wrap. */
static inline uint64_t sc_sat_add_u64(uint64_t a, uint64_t b)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return UINT64_MAX;
	return r;
}

/* An optional f64: `present == false` is "not measured", never a 0.0. */
struct sc_opt_f64 {
	bool present;
	double value;
};

static inline struct sc_opt_f64 sc_some_f64(double v)
{
	struct sc_opt_f64 o = { true, v };
	return o;
}

static inline struct sc_opt_f64 sc_none_f64(void)
{
	struct sc_opt_f64 o = { false, 0.0 };
	return o;
}

/* Growable u64 vector. Zero-initialised is a valid empty vector. */
struct sc_u64_vec {
	uint64_t *v;
	size_t len;
	size_t cap;
};

/* Ensures room for `extra` more elements. -ENOMEM / -EOVERFLOW on failure. */
int sc_u64_vec_reserve(struct sc_u64_vec *vec, size_t extra);
int sc_u64_vec_push(struct sc_u64_vec *vec, uint64_t x);
int sc_u64_vec_append(struct sc_u64_vec *vec, const uint64_t *src, size_t n);
/* Deep copy into an empty `dst`. */
int sc_u64_vec_copy(struct sc_u64_vec *dst, const struct sc_u64_vec *src);
/* Moves `src` into `dst` (after releasing dst); src becomes empty. */
void sc_u64_vec_move(struct sc_u64_vec *dst, struct sc_u64_vec *src);
void sc_u64_vec_release(struct sc_u64_vec *vec);

/* Growable f64 vector. Zero-initialised is a valid empty vector. */
struct sc_f64_vec {
	double *v;
	size_t len;
	size_t cap;
};

int sc_f64_vec_reserve(struct sc_f64_vec *vec, size_t extra);
int sc_f64_vec_push(struct sc_f64_vec *vec, double x);
int sc_f64_vec_append(struct sc_f64_vec *vec, const double *src, size_t n);
int sc_f64_vec_copy(struct sc_f64_vec *dst, const struct sc_f64_vec *src);
void sc_f64_vec_release(struct sc_f64_vec *vec);

/*
 * Sorted set of CPU ids without duplicates. CPU ids are u64 so any value a
 * sidecar or guest sends is representable; iteration is ascending.
 */
struct sc_cpu_set {
	uint64_t *cpus;
	size_t len;
	size_t cap;
};

int sc_cpu_set_add(struct sc_cpu_set *set, uint64_t cpu);
bool sc_cpu_set_contains(const struct sc_cpu_set *set, uint64_t cpu);
/* dst = dst | src. On -ENOMEM dst is unchanged. */
int sc_cpu_set_union(struct sc_cpu_set *dst, const struct sc_cpu_set *src);
int sc_cpu_set_copy(struct sc_cpu_set *dst, const struct sc_cpu_set *src);
bool sc_cpu_set_equal(const struct sc_cpu_set *a, const struct sc_cpu_set *b);
void sc_cpu_set_release(struct sc_cpu_set *set);
/*
 * Parses a kernel cpulist ("0-3,8,10-11", surrounding whitespace and a
 * trailing newline allowed, "" is the empty set) into an empty `set`. Ids
 * above `max_id` -> -ERANGE, bad syntax -> -EINVAL; `set` is filled only on
 * success.
 */
int sc_cpu_set_parse_list(const char *s, uint64_t max_id, struct sc_cpu_set *set);
/* Formats as a cpulist ("0-3,8"); returns snprintf's length (truncates safely). */
int sc_cpu_set_format_list(const struct sc_cpu_set *set, char *buf, size_t len);

/* Sorted (strcmp order, as a BTreeMap<String, _>) name -> f64 map. */
struct sc_metric_entry {
	char *name;
	double value;
};

struct sc_metric_map {
	struct sc_metric_entry *e;
	size_t len;
	size_t cap;
};

/* Inserts or replaces. Copies `name`. */
int sc_metric_map_set(struct sc_metric_map *map, const char *name, double value);
/* Returns true and sets *out when present; *out untouched otherwise. */
bool sc_metric_map_get(const struct sc_metric_map *map, const char *name, double *out);
/* Removes `name` if present; returns whether it was present. */
bool sc_metric_map_remove(struct sc_metric_map *map, const char *name);
int sc_metric_map_copy(struct sc_metric_map *dst, const struct sc_metric_map *src);
void sc_metric_map_release(struct sc_metric_map *map);

/* strdup that accepts NULL (returns NULL) and reports failure via *err. */
char *sc_strdup_or_null(const char *s, int *err);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_CONTAINERS_H */
