// SPDX-License-Identifier: MIT
/*
 * Building json-c values for the writers: exact u64, shortest round-trip
 * doubles in the "C" numeric locale, non-finite as null, strings made valid
 * UTF-8 and bounded so that everything written can be read back.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "io/json-internal.h"

void sc_jw_fail(struct sc_jwriter *w, int rc, const char *fmt, ...)
{
	char msg[SC_ERROR_MSG_MAX];
	va_list ap;

	if (w->rc)
		return;
	w->rc = rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc_error_set(w->err, "%s: %s", sc_jpath_str(&w->path), msg);
}

static struct json_object *check(struct sc_jwriter *w, struct json_object *o)
{
	if (!o)
		sc_jw_fail(w, -ENOMEM, "out of memory");
	return o;
}

struct json_object *sc_jw_u64(struct sc_jwriter *w, uint64_t v)
{
	if (w->rc)
		return NULL;
	return check(w, json_object_new_uint64(v));
}

struct json_object *sc_jw_i64(struct sc_jwriter *w, int64_t v)
{
	if (w->rc)
		return NULL;
	return check(w, json_object_new_int64(v));
}

void sc_json_format_f64(double v, char *buf, size_t len)
{
	int p;

	/* %.17g always round-trips; stop at the first shorter form that does. */
	char plain[48];
	const char *e;
	long x;

	for (p = 1; p <= 17; p++) {
		snprintf(buf, len, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/*
	 * %g picks an exponent once the exponent reaches the precision, so the
	 * shortest digits of 100 print as "1e+02"; spell such moderate values
	 * out ("100.0") when that still reads back exactly.
	 */
	e = strpbrk(buf, "eE");
	if (e) {
		x = strtol(e + 1, NULL, 10);
		if (x >= -4 && x < 17 && x + 1 > p) {
			snprintf(plain, sizeof(plain), "%.*g", (int)x + 1, v);
			if (strtod(plain, NULL) == v && strlen(plain) < len)
				memcpy(buf, plain, strlen(plain) + 1);
		}
	}
	/* Keep the value visibly a float, as serde_json does ("1.0"). */
	if (!strpbrk(buf, ".eE")) {
		size_t n = strlen(buf);

		if (n + 3 <= len)
			memcpy(buf + n, ".0", 3);
	}
}

struct json_object *sc_jw_f64(struct sc_jwriter *w, double v)
{
	char buf[48];

	if (w->rc || !isfinite(v))
		return NULL;
	sc_json_format_f64(v, buf, sizeof(buf));
	/* json-c prints the given text verbatim for this value. */
	return check(w, json_object_new_double_s(v, buf));
}

struct json_object *sc_jw_opt_f64(struct sc_jwriter *w, struct sc_opt_f64 v)
{
	return v.present ? sc_jw_f64(w, v.value) : NULL;
}

struct json_object *sc_jw_bool(struct sc_jwriter *w, bool v)
{
	if (w->rc)
		return NULL;
	return check(w, json_object_new_boolean(v));
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0; /* overlong, or a UTF-16 surrogate */
		return 3;
	}
	if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
		return 0;
	if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, or beyond U+10FFFF */
	return 4;
}

bool sc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(u + i, len - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

struct json_object *sc_jw_str(struct sc_jwriter *w, const char *s)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *u = (const unsigned char *)s;
	struct json_object *o;
	size_t len, i = 0, n = 0, cap;
	char *clean;

	if (w->rc || !s)
		return NULL;
	len = strlen(s);
	if (len <= SC_JSON_MAX_STRING && sc_utf8_valid(s, len))
		return check(w, json_object_new_string_len(s, (int)len));

	/* Every input byte yields at most 3 output bytes; we stop at the limit. */
	cap = len < SC_JSON_MAX_STRING ? len * 3 : SC_JSON_MAX_STRING;
	clean = malloc(cap + 1);
	if (!clean)
		return check(w, NULL);
	while (i < len) {
		size_t k = utf8_seq(u + i, len - i);
		const char *src = s + i;
		size_t out = k;

		if (!k) {
			src = repl;
			out = 3;
			k = 1;
		}
		if (n + out > cap)
			break;
		memcpy(clean + n, src, out);
		n += out;
		i += k;
	}
	clean[n] = '\0';
	o = check(w, json_object_new_string_len(clean, (int)n));
	free(clean);
	return o;
}

struct json_object *sc_jw_object(struct sc_jwriter *w)
{
	if (w->rc)
		return NULL;
	return check(w, json_object_new_object());
}

struct json_object *sc_jw_array(struct sc_jwriter *w)
{
	if (w->rc)
		return NULL;
	return check(w, json_object_new_array());
}

/* json-c pretty-prints an empty container over two lines; keep "[]" / "{}". */
static int empty_array_text(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	return printbuf_strappend(pb, "[]");
}

static int empty_object_text(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	return printbuf_strappend(pb, "{}");
}

static void compact_if_empty(struct json_object *val)
{
	if (json_object_is_type(val, json_type_array) && !json_object_array_length(val))
		json_object_set_serializer(val, empty_array_text, NULL, NULL);
	else if (json_object_is_type(val, json_type_object) && !json_object_object_length(val))
		json_object_set_serializer(val, empty_object_text, NULL, NULL);
}

void sc_jw_put(struct sc_jwriter *w, struct json_object *obj, const char *key,
	       struct json_object *val, bool constant_key)
{
	/* Callers write keys once, in order (the maps are sorted and unique). */
	unsigned opts = JSON_C_OBJECT_ADD_KEY_IS_NEW;

	if (constant_key)
		opts |= JSON_C_OBJECT_ADD_CONSTANT_KEY;
	if (w->rc || !obj) {
		json_object_put(val);
		return;
	}
	compact_if_empty(val);
	if (json_object_object_add_ex(obj, key, val, opts) < 0) {
		json_object_put(val);
		sc_jw_fail(w, -ENOMEM, "out of memory");
	}
}

void sc_jw_append(struct sc_jwriter *w, struct json_object *arr, struct json_object *val)
{
	if (w->rc || !arr) {
		json_object_put(val);
		return;
	}
	compact_if_empty(val);
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		sc_jw_fail(w, -ENOMEM, "out of memory");
	}
}
