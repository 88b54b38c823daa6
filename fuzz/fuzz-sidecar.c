// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the sidecar reader: any input either fails with a
 * message or parses into a sidecar that writes, re-reads and re-writes to
 * the same bytes, and that survives a merge with itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/sidecar.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* write -> read -> write must reproduce the first write exactly. */
static void check_stable(const struct sc_sidecar *s, bool pretty)
{
	struct sc_sidecar again;
	struct sc_error err = { { 0 } };
	char *w1 = NULL, *w2 = NULL;
	size_t l1 = 0, l2 = 0;

	if (sc_sidecar_to_json(s, pretty, &w1, &l1) < 0)
		abort(); /* whatever the reader accepts, the writer must write */
	if (sc_sidecar_from_json(w1, l1, &again, &err) < 0)
		abort(); /* and read back */
	if (sc_sidecar_to_json(&again, pretty, &w2, &l2) < 0)
		abort();
	if (l1 != l2 || memcmp(w1, w2, l1))
		abort();
	sc_sidecar_release(&again);
	free(w1);
	free(w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_sidecar a, b;
	struct sc_error err;
	char *out = NULL;

	err.msg[0] = '\0';
	if (sc_sidecar_from_json((const char *)data, size, &a, &err) < 0) {
		if (!err.msg[0])
			abort(); /* every error names its place */
		return 0;
	}
	check_stable(&a, false);
	check_stable(&a, true);

	/* Hostile values through the stats layer's merge (repeats of a run). */
	if (sc_sidecar_from_json((const char *)data, size, &b, &err) < 0)
		abort();
	if (sc_sidecar_merge(&a, &b) == 0) {
		if (sc_sidecar_to_json(&a, false, &out, NULL) < 0)
			abort();
		free(out);
	}
	sc_sidecar_release(&b);
	sc_sidecar_release(&a);
	return 0;
}
