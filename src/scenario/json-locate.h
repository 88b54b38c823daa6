/* SPDX-License-Identifier: MIT */
/*
 * Finds where a JSON value lives in its source text. json-c reports only the
 * byte offset of syntax errors; semantic errors (a wrong type, an unknown key)
 * are found on the parsed tree, and this maps their JSON path back to
 * line:col so the user sees file:line:col and the path.
 */
#ifndef SC_JSON_LOCATE_H
#define SC_JSON_LOCATE_H

#include <stddef.h>

/* One step of a JSON path: an object key (key != NULL) or an array index. */
struct sc_json_step {
	const char *key;
	size_t index;
};

/*
 * Offset of the value at `path` (n steps) in text[0..len), or of the key
 * itself when `at_key` and the last step is a key. Returns -1 when the path
 * does not exist in the text (then callers fall back to the nearest parent).
 * Never reads past len; bounded nesting.
 */
long sc_json_locate(const char *text, size_t len, const struct sc_json_step *path, size_t n,
		    int at_key);

#endif
