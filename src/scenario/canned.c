// SPDX-License-Identifier: MIT
/*
 * Lookups into the canned scenarios compiled into the binary.
 */
#include <string.h>

#include <schedcheck/scenario.h>

#include "canned-internal.h"

size_t sc_canned_count(void)
{
	return sc_canned_table_len;
}

const char *sc_canned_name(size_t i)
{
	return i < sc_canned_table_len ? sc_canned_table[i].name : NULL;
}

const char *sc_canned_summary(size_t i)
{
	return i < sc_canned_table_len ? sc_canned_table[i].summary : NULL;
}

const char *sc_canned_json(const char *name)
{
	size_t i;

	for (i = 0; i < sc_canned_table_len; i++)
		if (!strcmp(sc_canned_table[i].name, name))
			return sc_canned_table[i].json;
	return NULL;
}
