// SPDX-License-Identifier: MIT
/*
 * What several commands share: wall-clock stamps and the results directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

uint64_t sc_cli_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sc_cli_results_dir(char *buf, size_t len)
{
	const char *env = getenv("SCHEDCHECK_RESULTS_DIR");
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "/var/lib/schedcheck/results");
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/schedcheck/results", xdg);
	else
		snprintf(buf, len, "%s/.local/state/schedcheck/results", home ? home : ".");
}
