// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the scenario parser: any input either parses into a
 * scenario within the hard limits, or fails with a message that starts with
 * the file name and a line:col (never a crash, a hang or a leak).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/scenario.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_cpu_set cpus, nodes;
	static int ready;
	struct sc_scenario_env env = { &cpus, &nodes };
	struct sc_scenario s;
	struct sc_error err;

	if (!ready) {
		sc_cpu_set_parse_list("0-3", 64, &cpus);
		sc_cpu_set_parse_list("0-1", 64, &nodes);
		ready = 1;
	}
	err.msg[0] = '\0';
	if (sc_scenario_parse((const char *)data, size, "f.json", &env, &s, &err) == 0) {
		if (sc_scenario_total_workers(&s) > SC_SCENARIO_MAX_WORKERS ||
		    sc_scenario_duration_ms(&s) > SC_SCENARIO_MAX_DURATION_MS ||
		    s.n_cgroups > SC_SCENARIO_MAX_CGROUPS || !s.n_cgroups)
			abort();
		sc_scenario_release(&s);
	} else if (strncmp(err.msg, "f.json", 6)) {
		abort(); /* every error names the place */
	}
	return 0;
}
