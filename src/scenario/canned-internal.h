/* SPDX-License-Identifier: MIT */
/*
 * The generated table of canned scenarios (scenarios/ *.json, see
 * scripts/embed-scenarios.py).
 */
#ifndef SC_CANNED_INTERNAL_H
#define SC_CANNED_INTERNAL_H

#include <stddef.h>

struct sc_canned {
	const char *name;
	const char *summary;
	const char *json;
};

extern const struct sc_canned sc_canned_table[];
extern const size_t sc_canned_table_len;

#endif
