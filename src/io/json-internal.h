/* SPDX-License-Identifier: MIT */
/*
 * Private JSON helpers of the io layer, on top of json-c: a strict parse
 * (json-c plus the checks it lacks), a JSON path tracker, typed readers that
 * name the path in their errors, and writers for exact numbers and clean text.
 */
#ifndef SC_IO_JSON_INTERNAL_H
#define SC_IO_JSON_INTERNAL_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <schedcheck/containers.h>
#include <schedcheck/error.h>

/* Longest string (in bytes, after UTF-8 decoding of escapes) a reader accepts. */
#define SC_JSON_MAX_STRING (64u * 1024)
/* Longest path kept for messages; deeper paths end in "...". */
#define SC_JSON_PATH_MAX 480

/* ------------------------------------------------------------------------ */
/* Paths                                                                     */
/* ------------------------------------------------------------------------ */

/* A JSON path such as result.stats.phases[2].per_cgroup.web. */
struct sc_jpath {
	char buf[SC_JSON_PATH_MAX];
	size_t len;
};

void sc_jpath_init(struct sc_jpath *p);
/* Each push returns the length to hand back to sc_jpath_pop(). */
size_t sc_jpath_push_key(struct sc_jpath *p, const char *key);
size_t sc_jpath_push_index(struct sc_jpath *p, size_t i);
void sc_jpath_pop(struct sc_jpath *p, size_t saved);
/* The path, or "top level" for the root. */
const char *sc_jpath_str(const struct sc_jpath *p);

/* ------------------------------------------------------------------------ */
/* Strict parsing                                                            */
/* ------------------------------------------------------------------------ */

/* 1-based line and column (in characters) of byte `off` in `buf`. */
void sc_json_line_col(const char *buf, size_t len, size_t off, size_t *line, size_t *col);

/*
 * Parses exactly one JSON value from `len` bytes with json-c (nesting at most
 * `max_depth`, UTF-8 validated), then applies what json-c 0.16 lets through:
 * NaN / Infinity literals, numbers outside the JSON grammar ("1.", "00"),
 * integers beyond [-2^63, 2^64 - 1] (json-c clamps them silently), raw
 * control characters and \u0000 in strings, and duplicate object keys
 * (json-c keeps the last). Errors name line and column, or the path of an
 * object with a duplicate key. -EINVAL, -E2BIG (nesting), -ENOMEM.
 */
int sc_json_parse_strict(const char *buf, size_t len, int max_depth, struct json_object **out,
			 struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Typed reading                                                             */
/* ------------------------------------------------------------------------ */

struct sc_jreader {
	struct sc_jpath path;
	struct sc_error *err;
};

/* Sets "<path>: <message>" and returns `rc`. */
int sc_jr_fail(struct sc_jreader *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "string", "integer", "negative integer", ... for messages. */
const char *sc_json_kind(struct json_object *j);

/*
 * Checks that `j` is an object with exactly the keys `names[0..n)`: an
 * unknown key or a missing one is an error naming it. vals[i] receives the
 * value of names[i] (NULL for a JSON null).
 */
int sc_jr_fields(struct sc_jreader *r, struct json_object *j, const char *const *names, size_t n,
		 struct json_object **vals);

/* An array of at most `max` elements (0: no limit beyond the input's size). */
int sc_jr_array(struct sc_jreader *r, struct json_object *j, size_t max, size_t *n);
/* An object (a map); *n is its number of keys. */
int sc_jr_object(struct sc_jreader *r, struct json_object *j, size_t *n);

/* An unsigned integer <= max: no negatives, no fractions, no exponents. */
int sc_jr_u64(struct sc_jreader *r, struct json_object *j, uint64_t max, uint64_t *out);
int sc_jr_i64(struct sc_jreader *r, struct json_object *j, int64_t *out);
/* Any finite number; null reads as NaN (written for a non-finite value). */
int sc_jr_f64(struct sc_jreader *r, struct json_object *j, double *out);
/* Any finite number, or null for absent. */
int sc_jr_opt_f64(struct sc_jreader *r, struct json_object *j, struct sc_opt_f64 *out);
int sc_jr_bool(struct sc_jreader *r, struct json_object *j, bool *out);
/*
 * A string of at most SC_JSON_MAX_STRING bytes, copied into *out
 * (malloc'ed). With `nullable`, null reads as NULL.
 */
int sc_jr_str(struct sc_jreader *r, struct json_object *j, bool nullable, char **out);
/* A map key: at most SC_JSON_MAX_STRING bytes. */
int sc_jr_key(struct sc_jreader *r, const char *key);

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Writer state: a sticky error code (the first failure wins and later calls
 * do nothing), the path of the value being written, and the "C" numeric
 * locale the float formatting runs under.
 */
struct sc_jwriter {
	int rc;
	struct sc_jpath path;
	struct sc_error *err;
	locale_t c_locale;
};

/* Fails with `rc` naming the current path (only the first failure sticks). */
void sc_jw_fail(struct sc_jwriter *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct json_object *sc_jw_u64(struct sc_jwriter *w, uint64_t v);
struct json_object *sc_jw_i64(struct sc_jwriter *w, int64_t v);
/* Shortest text that reads back to the same double; NULL (null) if non-finite. */
struct json_object *sc_jw_f64(struct sc_jwriter *w, double v);
struct json_object *sc_jw_opt_f64(struct sc_jwriter *w, struct sc_opt_f64 v);
struct json_object *sc_jw_bool(struct sc_jwriter *w, bool v);
/*
 * NULL -> null. Invalid UTF-8 is replaced by U+FFFD and text longer than
 * SC_JSON_MAX_STRING is cut at a character boundary, so what is written can
 * always be read back.
 */
struct json_object *sc_jw_str(struct sc_jwriter *w, const char *s);
struct json_object *sc_jw_object(struct sc_jwriter *w);
struct json_object *sc_jw_array(struct sc_jwriter *w);

/*
 * Adds `val` under `key` (a static string when `constant_key`) or appends it;
 * on a sticky error or a failure `val` is released instead.
 */
void sc_jw_put(struct sc_jwriter *w, struct json_object *obj, const char *key,
	       struct json_object *val, bool constant_key);
void sc_jw_append(struct sc_jwriter *w, struct json_object *arr, struct json_object *val);

/* Whether `s` (NUL-terminated) is valid UTF-8 (RFC 3629: no overlongs, surrogates). */
bool sc_utf8_valid(const char *s, size_t len);

/*
 * Formats `v` (finite) into buf as the shortest "%.<p>g" that strtod reads
 * back bit-identical, with ".0" added to integral values. The caller has
 * switched to the "C" numeric locale.
 */
void sc_json_format_f64(double v, char *buf, size_t len);

#endif /* SC_IO_JSON_INTERNAL_H */
