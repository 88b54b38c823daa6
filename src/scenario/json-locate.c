// SPDX-License-Identifier: MIT
/*
 * A read-only JSON skimmer that walks a path through source text to give a
 * semantic error its line:col. It assumes the text already parsed (json-c did
 * that), so it only skips values; on anything unexpected it gives up (-1).
 */
#include <string.h>

#include "json-locate.h"

#define LOCATE_MAX_DEPTH 512

struct cursor {
	const char *s;
	size_t len, pos;
};

static void skip_ws(struct cursor *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' ||
				   c->s[c->pos] == '\n' || c->s[c->pos] == '\r'))
		c->pos++;
}

/* Skips a string starting at the quote; 0 on success. */
static int skip_string(struct cursor *c)
{
	if (c->pos >= c->len || c->s[c->pos] != '"')
		return -1;
	for (c->pos++; c->pos < c->len; c->pos++) {
		if (c->s[c->pos] == '\\')
			c->pos++;
		else if (c->s[c->pos] == '"') {
			c->pos++;
			return 0;
		}
	}
	return -1;
}

/* Compares the string at the cursor with `key` (escapes compared raw except \" and \\). */
static int string_equals(const struct cursor *c, const char *key)
{
	size_t p = c->pos + 1, k = 0, klen = strlen(key);

	while (p < c->len && c->s[p] != '"') {
		char ch = c->s[p];

		if (ch == '\\' && p + 1 < c->len) {
			p++;
			ch = c->s[p];
			if (ch != '"' && ch != '\\' && ch != '/')
				return 0;
		}
		if (k >= klen || key[k] != ch)
			return 0;
		k++;
		p++;
	}
	return k == klen;
}

static int skip_value(struct cursor *c, int depth)
{
	char open;

	skip_ws(c);
	if (c->pos >= c->len || depth > LOCATE_MAX_DEPTH)
		return -1;
	open = c->s[c->pos];
	if (open == '"')
		return skip_string(c);
	if (open == '{' || open == '[') {
		char close = open == '{' ? '}' : ']';

		c->pos++;
		skip_ws(c);
		if (c->pos < c->len && c->s[c->pos] == close) {
			c->pos++;
			return 0;
		}
		for (;;) {
			if (open == '{') {
				skip_ws(c);
				if (skip_string(c) < 0)
					return -1;
				skip_ws(c);
				if (c->pos >= c->len || c->s[c->pos] != ':')
					return -1;
				c->pos++;
			}
			if (skip_value(c, depth + 1) < 0)
				return -1;
			skip_ws(c);
			if (c->pos >= c->len)
				return -1;
			if (c->s[c->pos] == ',') {
				c->pos++;
				continue;
			}
			if (c->s[c->pos] == close) {
				c->pos++;
				return 0;
			}
			return -1;
		}
	}
	/* number or literal */
	while (c->pos < c->len && !strchr(",]} \t\r\n", c->s[c->pos]))
		c->pos++;
	return 0;
}

/* With the cursor on '{', moves to the value of the LAST member named key. */
static int find_key(struct cursor *c, const char *key, size_t *key_pos)
{
	size_t found = (size_t)-1, found_key = 0;

	c->pos++;
	skip_ws(c);
	if (c->pos < c->len && c->s[c->pos] == '}')
		return -1;
	for (;;) {
		size_t kpos;
		int eq;

		skip_ws(c);
		kpos = c->pos;
		eq = c->pos < c->len && c->s[c->pos] == '"' && string_equals(c, key);
		if (skip_string(c) < 0)
			return -1;
		skip_ws(c);
		if (c->pos >= c->len || c->s[c->pos] != ':')
			return -1;
		c->pos++;
		skip_ws(c);
		if (eq) {
			/* json-c keeps the last duplicate; point at that one. */
			found = c->pos;
			found_key = kpos;
		}
		if (skip_value(c, 1) < 0)
			return -1;
		skip_ws(c);
		if (c->pos < c->len && c->s[c->pos] == ',') {
			c->pos++;
			continue;
		}
		break;
	}
	if (found == (size_t)-1)
		return -1;
	c->pos = found;
	*key_pos = found_key;
	return 0;
}

long sc_json_locate(const char *text, size_t len, const struct sc_json_step *path, size_t n,
		    int at_key)
{
	struct cursor c = { text, len, 0 };
	size_t i, key_pos = 0;

	skip_ws(&c);
	for (i = 0; i < n; i++) {
		if (c.pos >= c.len)
			return -1;
		if (path[i].key) {
			if (c.s[c.pos] != '{' || find_key(&c, path[i].key, &key_pos) < 0)
				return -1;
		} else {
			size_t k;

			if (c.s[c.pos] != '[')
				return -1;
			c.pos++;
			for (k = 0; k < path[i].index; k++) {
				if (skip_value(&c, 1) < 0)
					return -1;
				skip_ws(&c);
				if (c.pos >= c.len || c.s[c.pos] != ',')
					return -1;
				c.pos++;
			}
			skip_ws(&c);
			if (c.pos >= c.len || c.s[c.pos] == ']')
				return -1;
		}
	}
	if (at_key && n && path[n - 1].key)
		return (long)key_pos;
	return (long)c.pos;
}
