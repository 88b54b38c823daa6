// SPDX-License-Identifier: MIT
/*
 * Strict JSON reading on top of json-c: the parse with line:col errors, a
 * lexical pass for what json-c 0.16 accepts but JSON forbids, the duplicate
 * key check, and typed getters whose errors name the JSON path.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json-internal.h"

/* ------------------------------------------------------------------------ */
/* Paths                                                                     */
/* ------------------------------------------------------------------------ */

void sc_jpath_init(struct sc_jpath *p)
{
	p->buf[0] = '\0';
	p->len = 0;
}

/* Appends `s` (n bytes); a path that no longer fits ends in "...". */
static void jpath_append(struct sc_jpath *p, const char *s, size_t n)
{
	size_t room = sizeof(p->buf) - 1 - p->len;

	if (n > room) {
		memcpy(p->buf + p->len, s, room);
		p->len += room;
		memcpy(p->buf + p->len - 3, "...", 3);
	} else {
		memcpy(p->buf + p->len, s, n);
		p->len += n;
	}
	p->buf[p->len] = '\0';
}

static bool key_is_plain(const char *key)
{
	const char *c;

	if (!*key)
		return false;
	for (c = key; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return false;
	}
	return true;
}

size_t sc_jpath_push_key(struct sc_jpath *p, const char *key)
{
	size_t saved = p->len;
	const char *c;
	size_t n = 0;

	if (key_is_plain(key) && strlen(key) <= 64) {
		if (p->len)
			jpath_append(p, ".", 1);
		jpath_append(p, key, strlen(key));
		return saved;
	}
	/* Other keys are quoted, with quotes, backslashes and controls escaped. */
	jpath_append(p, "[\"", 2);
	/* At most 64 bytes of the key, cut at a character boundary. */
	for (c = key; *c && (n < 64 || ((unsigned char)*c & 0xc0) == 0x80); c++, n++) {
		unsigned char u = (unsigned char)*c;
		char esc[8];

		if (u == '"' || u == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u;
			jpath_append(p, esc, 2);
		} else if (u < 0x20 || u == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", u);
			jpath_append(p, esc, 4);
		} else {
			jpath_append(p, c, 1);
		}
	}
	if (*c)
		jpath_append(p, "...", 3);
	jpath_append(p, "\"]", 2);
	return saved;
}

size_t sc_jpath_push_index(struct sc_jpath *p, size_t i)
{
	size_t saved = p->len;
	char b[32];
	int n = snprintf(b, sizeof(b), "[%zu]", i);

	jpath_append(p, b, (size_t)n);
	return saved;
}

void sc_jpath_pop(struct sc_jpath *p, size_t saved)
{
	if (saved <= p->len) {
		p->len = saved;
		p->buf[saved] = '\0';
	}
}

const char *sc_jpath_str(const struct sc_jpath *p)
{
	return p->len ? p->buf : "top level";
}

/* ------------------------------------------------------------------------ */
/* Line and column                                                           */
/* ------------------------------------------------------------------------ */

void sc_json_line_col(const char *buf, size_t len, size_t off, size_t *line, size_t *col)
{
	size_t i, l = 1, c = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		unsigned char u = (unsigned char)buf[i];

		if (u == '\n') {
			l++;
			c = 1;
		} else if ((u & 0xc0) != 0x80) {
			/* Count characters, not UTF-8 continuation bytes. */
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int fail_at(struct sc_error *err, int rc, const char *buf, size_t len, size_t off,
		   const char *what)
{
	size_t line, col;

	sc_json_line_col(buf, len, off, &line, &col);
	sc_error_set(err, "line %zu col %zu: %s", line, col, what);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The lexical pass                                                          */
/* ------------------------------------------------------------------------ */

/*
 * json-c has already accepted the text, so the structure is sound; this pass
 * re-reads it to refuse what json-c tolerates, and counts the keys written
 * in each object (in document order) for the duplicate-key check.
 */
struct scan {
	const char *buf;
	size_t len;
	size_t pos;
	struct sc_error *err;
	uint32_t *counts; /* keys per object, in order of the objects' '{' */
	size_t n_obj;
	size_t cap_obj;
	size_t *stack; /* object index, or SIZE_MAX for an array */
	size_t depth;
	size_t max_depth;
};

enum scan_state {
	ST_VALUE,
	ST_VALUE_OR_END,
	ST_KEY,
	ST_KEY_OR_END,
	ST_COLON,
	ST_COMMA_OR_END,
	ST_DONE
};

static int scan_fail(struct scan *s, size_t off, const char *what)
{
	return fail_at(s->err, -EINVAL, s->buf, s->len, off, what);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int scan_string(struct scan *s)
{
	size_t start = s->pos;

	s->pos++; /* the opening quote */
	while (s->pos < s->len) {
		unsigned char c = (unsigned char)s->buf[s->pos];

		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c < 0x20)
			return scan_fail(
				s, s->pos,
				"raw control character in a string (JSON needs it escaped)");
		if (c != '\\') {
			s->pos++;
			continue;
		}
		if (s->pos + 1 >= s->len)
			break;
		switch (s->buf[s->pos + 1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			s->pos += 2;
			break;
		case 'u':
			if (s->pos + 6 > s->len || !is_hex(s->buf[s->pos + 2]) ||
			    !is_hex(s->buf[s->pos + 3]) || !is_hex(s->buf[s->pos + 4]) ||
			    !is_hex(s->buf[s->pos + 5]))
				return scan_fail(s, s->pos, "invalid \\u escape");
			if (!memcmp(s->buf + s->pos + 2, "0000", 4))
				return scan_fail(s, s->pos,
						 "\\u0000 (NUL) is not allowed in strings");
			s->pos += 6;
			break;
		default:
			return scan_fail(s, s->pos, "invalid escape in a string");
		}
	}
	return scan_fail(s, start, "unterminated string");
}

/* Whether the digit string d[0..n) (no leading zeros) is <= limit. */
static bool digits_le(const char *d, size_t n, const char *limit)
{
	size_t ln = strlen(limit);

	if (n != ln)
		return n < ln;
	return memcmp(d, limit, n) <= 0;
}

static int scan_number(struct scan *s)
{
	size_t start = s->pos, p = s->pos, int_start, int_len;
	bool neg = false, integral = true;

	if (p < s->len && s->buf[p] == '-') {
		neg = true;
		p++;
	}
	if (p < s->len && (s->buf[p] == 'I' || s->buf[p] == 'N'))
		return scan_fail(
			s, start,
			"NaN and Infinity are not JSON (non-finite numbers are written as null)");
	int_start = p;
	if (p < s->len && s->buf[p] == '0') {
		p++;
	} else if (p < s->len && s->buf[p] >= '1' && s->buf[p] <= '9') {
		while (p < s->len && is_digit(s->buf[p]))
			p++;
	} else {
		return scan_fail(s, start, "invalid number");
	}
	int_len = p - int_start;
	if (p < s->len && s->buf[p] == '.') {
		integral = false;
		p++;
		if (p >= s->len || !is_digit(s->buf[p]))
			return scan_fail(s, start, "invalid number: a digit must follow the '.'");
		while (p < s->len && is_digit(s->buf[p]))
			p++;
	}
	if (p < s->len && (s->buf[p] == 'e' || s->buf[p] == 'E')) {
		integral = false;
		p++;
		if (p < s->len && (s->buf[p] == '+' || s->buf[p] == '-'))
			p++;
		if (p >= s->len || !is_digit(s->buf[p]))
			return scan_fail(s, start,
					 "invalid number: digits must follow the exponent");
		while (p < s->len && is_digit(s->buf[p]))
			p++;
	}
	if (p < s->len && (is_digit(s->buf[p]) || s->buf[p] == '.'))
		return scan_fail(s, start, "invalid number (leading zeros are not JSON)");
	/* json-c clamps out-of-range integers without a word; refuse them here. */
	if (integral && !digits_le(s->buf + int_start, int_len,
				   neg ? "9223372036854775808" : "18446744073709551615"))
		return scan_fail(s, start,
				 "integer out of range (integers must lie in [-2^63, 2^64 - 1])");
	s->pos = p;
	return 0;
}

static int scan_literal(struct scan *s)
{
	static const char *const lits[] = { "true", "false", "null" };
	size_t i;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		size_t n = strlen(lits[i]);

		if (s->len - s->pos >= n && !memcmp(s->buf + s->pos, lits[i], n)) {
			s->pos += n;
			return 0;
		}
	}
	if (s->buf[s->pos] == 'N' || s->buf[s->pos] == 'I')
		return scan_fail(
			s, s->pos,
			"NaN and Infinity are not JSON (non-finite numbers are written as null)");
	return scan_fail(s, s->pos, "unexpected character");
}

static int scan_push(struct scan *s, bool object)
{
	size_t idx = SIZE_MAX;

	if (s->depth >= s->max_depth)
		return fail_at(s->err, -E2BIG, s->buf, s->len, s->pos, "nesting too deep");
	if (object) {
		if (s->n_obj == s->cap_obj) {
			size_t ncap = s->cap_obj ? s->cap_obj * 2 : 64;
			uint32_t *n;

			if (ncap > SIZE_MAX / sizeof(*n))
				return -ENOMEM;
			n = realloc(s->counts, ncap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			s->counts = n;
			s->cap_obj = ncap;
		}
		idx = s->n_obj++;
		s->counts[idx] = 0;
	}
	s->stack[s->depth++] = idx;
	return 0;
}

static enum scan_state after_value(const struct scan *s)
{
	return s->depth ? ST_COMMA_OR_END : ST_DONE;
}

static int scan_run(struct scan *s)
{
	enum scan_state st = ST_VALUE;
	int rc;

	while (s->pos < s->len) {
		char c = s->buf[s->pos];
		bool in_obj = s->depth && s->stack[s->depth - 1] != SIZE_MAX;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			s->pos++;
			continue;
		}
		if (st == ST_DONE)
			return scan_fail(s, s->pos, "trailing characters after the document");
		switch (c) {
		case '{':
		case '[':
			if (st != ST_VALUE && st != ST_VALUE_OR_END)
				return scan_fail(s, s->pos, "unexpected character");
			rc = scan_push(s, c == '{');
			if (rc < 0)
				return rc;
			s->pos++;
			st = c == '{' ? ST_KEY_OR_END : ST_VALUE_OR_END;
			break;
		case '}':
		case ']':
			if (!s->depth || in_obj != (c == '}') ||
			    (st != ST_COMMA_OR_END && st != ST_KEY_OR_END && st != ST_VALUE_OR_END))
				return scan_fail(s, s->pos, "unexpected character");
			s->depth--;
			s->pos++;
			st = after_value(s);
			break;
		case ':':
			if (st != ST_COLON)
				return scan_fail(s, s->pos, "unexpected character");
			s->pos++;
			st = ST_VALUE;
			break;
		case ',':
			if (st != ST_COMMA_OR_END)
				return scan_fail(s, s->pos, "unexpected character");
			s->pos++;
			st = in_obj ? ST_KEY : ST_VALUE;
			break;
		case '"':
			if (st == ST_KEY || st == ST_KEY_OR_END) {
				s->counts[s->stack[s->depth - 1]]++;
				rc = scan_string(s);
				st = ST_COLON;
			} else if (st == ST_VALUE || st == ST_VALUE_OR_END) {
				rc = scan_string(s);
				st = after_value(s);
			} else {
				rc = scan_fail(s, s->pos, "unexpected character");
			}
			if (rc < 0)
				return rc;
			break;
		default:
			if (st != ST_VALUE && st != ST_VALUE_OR_END)
				return scan_fail(s, s->pos, "unexpected character");
			rc = (c == '-' || is_digit(c)) ? scan_number(s) : scan_literal(s);
			if (rc < 0)
				return rc;
			st = after_value(s);
			break;
		}
	}
	if (st != ST_DONE)
		return scan_fail(s, s->len, "unexpected end of input");
	return 0;
}

/*
 * json-c keeps the last of duplicate keys, so an object with a duplicate has
 * fewer keys than were written. Walking the tree in document order (json-c
 * iterates keys in insertion order) meets objects in the order of their
 * '{', and the first object whose count differs is one with a duplicate.
 */
static int dup_walk(struct sc_jreader *r, struct json_object *j, const uint32_t *counts, size_t n,
		    size_t *idx)
{
	size_t saved, i, len;
	int rc;

	if (json_object_is_type(j, json_type_object)) {
		if (*idx >= n || (size_t)json_object_object_length(j) != counts[*idx])
			return sc_jr_fail(r, -EINVAL, "duplicate key in object");
		(*idx)++;
		json_object_object_foreach(j, key, val)
		{
			saved = sc_jpath_push_key(&r->path, key);
			rc = dup_walk(r, val, counts, n, idx);
			if (rc < 0)
				return rc;
			sc_jpath_pop(&r->path, saved);
		}
	} else if (json_object_is_type(j, json_type_array)) {
		len = json_object_array_length(j);
		for (i = 0; i < len; i++) {
			saved = sc_jpath_push_index(&r->path, i);
			rc = dup_walk(r, json_object_array_get_idx(j, i), counts, n, idx);
			if (rc < 0)
				return rc;
			sc_jpath_pop(&r->path, saved);
		}
	}
	return 0;
}

int sc_json_parse_strict(const char *buf, size_t len, int max_depth, struct json_object **out,
			 struct sc_error *err)
{
	struct json_tokener *tok;
	struct json_object *root = NULL;
	enum json_tokener_error jerr;
	struct scan s = { 0 };
	struct sc_jreader r;
	size_t end, idx = 0;
	int rc;

	if (len > INT32_MAX) {
		sc_error_set(err, "document of %zu bytes is too large to parse", len);
		return -E2BIG;
	}
	if (max_depth < 1)
		return -EINVAL;
	tok = json_tokener_new_ex(max_depth);
	if (!tok) {
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, len ? buf : "", (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/*
		 * json-c cannot tell "null" or "12" from a prefix of a longer
		 * token without seeing the end: a NUL byte marks it. A document
		 * that is still incomplete after that is truncated.
		 */
		root = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
		if (jerr != json_tokener_success) {
			json_object_put(root);
			json_tokener_free(tok);
			return fail_at(err, -EINVAL, buf, len, len,
				       len ? "unexpected end of input (truncated document?)"
					   : "empty document");
		}
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		char what[128];

		json_object_put(root);
		if (jerr == json_tokener_error_depth) {
			snprintf(what, sizeof(what), "nesting deeper than %d levels", max_depth);
			return fail_at(err, -E2BIG, buf, len, end, what);
		}
		snprintf(what, sizeof(what), "syntax error: %s", json_tokener_error_desc(jerr));
		return fail_at(err, -EINVAL, buf, len, end, what);
	}

	s.buf = buf;
	s.len = len;
	s.err = err;
	s.max_depth = (size_t)max_depth;
	s.stack = calloc((size_t)max_depth, sizeof(*s.stack));
	if (!s.stack) {
		rc = -ENOMEM;
		goto out;
	}
	rc = scan_run(&s);
	if (rc < 0)
		goto out;
	sc_jpath_init(&r.path);
	r.err = err;
	rc = dup_walk(&r, root, s.counts, s.n_obj, &idx);
	if (rc < 0)
		goto out;
	if (idx != s.n_obj) {
		rc = sc_jr_fail(&r, -EINVAL, "duplicate key in object");
		goto out;
	}
	*out = root;
	root = NULL;
out:
	if (rc == -ENOMEM)
		sc_error_set(err, "out of memory");
	free(s.stack);
	free(s.counts);
	json_object_put(root);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Typed reading                                                             */
/* ------------------------------------------------------------------------ */

int sc_jr_fail(struct sc_jreader *r, int rc, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_error_set(r->err, "%s: %s", sc_jpath_str(&r->path), msg);
	return rc;
}

const char *sc_json_kind(struct json_object *j)
{
	switch (json_object_get_type(j)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "non-integer number";
	case json_type_int:
		return json_object_get_int64(j) < 0 ? "negative integer" : "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

int sc_jr_fields(struct sc_jreader *r, struct json_object *j, const char *const *names, size_t n,
		 struct json_object **vals)
{
	uint64_t seen = 0;
	size_t i;

	if (n > 64)
		return -EINVAL;
	if (!json_object_is_type(j, json_type_object))
		return sc_jr_fail(r, -EINVAL, "expected an object, got %s", sc_json_kind(j));
	for (i = 0; i < n; i++)
		vals[i] = NULL;
	json_object_object_foreach(j, key, val)
	{
		for (i = 0; i < n; i++) {
			if (!strcmp(key, names[i]))
				break;
		}
		if (i == n) {
			sc_jpath_push_key(&r->path, key);
			return sc_jr_fail(r, -EINVAL, "unknown key");
		}
		seen |= UINT64_C(1) << i;
		vals[i] = val;
	}
	for (i = 0; i < n; i++) {
		if (!(seen & (UINT64_C(1) << i)))
			return sc_jr_fail(r, -EINVAL, "missing key \"%s\"", names[i]);
	}
	return 0;
}

int sc_jr_array(struct sc_jreader *r, struct json_object *j, size_t max, size_t *n)
{
	size_t len;

	if (!json_object_is_type(j, json_type_array))
		return sc_jr_fail(r, -EINVAL, "expected an array, got %s", sc_json_kind(j));
	len = json_object_array_length(j);
	if (max && len > max)
		return sc_jr_fail(r, -E2BIG, "%zu elements, more than the limit of %zu", len, max);
	*n = len;
	return 0;
}

int sc_jr_object(struct sc_jreader *r, struct json_object *j, size_t *n)
{
	if (!json_object_is_type(j, json_type_object))
		return sc_jr_fail(r, -EINVAL, "expected an object, got %s", sc_json_kind(j));
	*n = (size_t)json_object_object_length(j);
	return 0;
}

int sc_jr_u64(struct sc_jreader *r, struct json_object *j, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!json_object_is_type(j, json_type_int))
		return sc_jr_fail(r, -EINVAL, "expected an unsigned integer, got %s",
				  sc_json_kind(j));
	if (json_object_get_int64(j) < 0)
		return sc_jr_fail(r, -EINVAL,
				  "expected an unsigned integer, got negative integer %" PRId64,
				  json_object_get_int64(j));
	v = json_object_get_uint64(j);
	if (v > max)
		return sc_jr_fail(r, -EINVAL, "%" PRIu64 " is out of range (at most %" PRIu64 ")",
				  v, max);
	*out = v;
	return 0;
}

int sc_jr_i64(struct sc_jreader *r, struct json_object *j, int64_t *out)
{
	int64_t v;

	if (!json_object_is_type(j, json_type_int))
		return sc_jr_fail(r, -EINVAL, "expected an integer, got %s", sc_json_kind(j));
	v = json_object_get_int64(j);
	/* json-c keeps values above INT64_MAX as uint64 and clamps get_int64. */
	if (v == INT64_MAX && json_object_get_uint64(j) > (uint64_t)INT64_MAX)
		return sc_jr_fail(r, -EINVAL, "%" PRIu64 " is out of the signed 64-bit range",
				  json_object_get_uint64(j));
	*out = v;
	return 0;
}

static int read_number(struct sc_jreader *r, struct json_object *j, double *out)
{
	double v;

	if (json_object_is_type(j, json_type_int)) {
		int64_t i = json_object_get_int64(j);

		v = i < 0 ? (double)i : (double)json_object_get_uint64(j);
	} else if (json_object_is_type(j, json_type_double)) {
		v = json_object_get_double(j);
		if (!isfinite(v))
			return sc_jr_fail(r, -EINVAL, "number out of the double range");
	} else {
		return sc_jr_fail(r, -EINVAL, "expected a number or null, got %s", sc_json_kind(j));
	}
	*out = v;
	return 0;
}

int sc_jr_f64(struct sc_jreader *r, struct json_object *j, double *out)
{
	if (!j) {
		*out = NAN;
		return 0;
	}
	return read_number(r, j, out);
}

int sc_jr_opt_f64(struct sc_jreader *r, struct json_object *j, struct sc_opt_f64 *out)
{
	double v = 0.0;
	int rc;

	if (!j) {
		*out = sc_none_f64();
		return 0;
	}
	rc = read_number(r, j, &v);
	if (rc < 0)
		return rc;
	*out = sc_some_f64(v);
	return 0;
}

int sc_jr_bool(struct sc_jreader *r, struct json_object *j, bool *out)
{
	if (!json_object_is_type(j, json_type_boolean))
		return sc_jr_fail(r, -EINVAL, "expected true or false, got %s", sc_json_kind(j));
	*out = json_object_get_boolean(j);
	return 0;
}

int sc_jr_str(struct sc_jreader *r, struct json_object *j, bool nullable, char **out)
{
	const char *s;
	size_t len;
	char *copy;

	if (!j && nullable) {
		*out = NULL;
		return 0;
	}
	if (!json_object_is_type(j, json_type_string))
		return sc_jr_fail(r, -EINVAL, "expected a string%s, got %s",
				  nullable ? " or null" : "", sc_json_kind(j));
	s = json_object_get_string(j);
	len = (size_t)json_object_get_string_len(j);
	if (len > SC_JSON_MAX_STRING)
		return sc_jr_fail(r, -E2BIG, "string of %zu bytes, longer than the limit of %u",
				  len, SC_JSON_MAX_STRING);
	if (memchr(s, '\0', len))
		return sc_jr_fail(r, -EINVAL, "string contains a NUL character");
	if (!sc_utf8_valid(s, len))
		return sc_jr_fail(r, -EINVAL, "string is not valid UTF-8");
	copy = malloc(len + 1);
	if (!copy)
		return sc_jr_fail(r, -ENOMEM, "out of memory");
	memcpy(copy, s, len);
	copy[len] = '\0';
	*out = copy;
	return 0;
}

int sc_jr_key(struct sc_jreader *r, const char *key)
{
	size_t len = strlen(key);

	if (len > SC_JSON_MAX_STRING)
		return sc_jr_fail(r, -E2BIG, "key of %zu bytes, longer than the limit of %u", len,
				  SC_JSON_MAX_STRING);
	if (!sc_utf8_valid(key, len))
		return sc_jr_fail(r, -EINVAL, "key is not valid UTF-8");
	return 0;
}
