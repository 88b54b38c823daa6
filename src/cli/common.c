// SPDX-License-Identifier: MIT
/*
 * What several commands share: wall-clock stamps and the results directory.
 */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <schedcheck/report.h>
#include <schedcheck/sidecar.h>

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

int sc_cli_emit_result(const char *cmd, const struct sc_sidecar *sc, const char *out_path, int json,
		       int verbose, const char *trailer)
{
	struct sc_error werr;
	int w = sc_sidecar_write_file(sc, out_path, &werr);

	if (w < 0)
		fprintf(stderr, "schedcheck %s: writing the sidecar: %s\n", cmd, werr.msg);
	if (json) {
		char *text = NULL;
		size_t len = 0;

		if (sc_sidecar_to_json(sc, true, &text, &len) == 0) {
			fwrite(text, 1, len, stdout);
			fputc('\n', stdout);
		}
		free(text);
	} else {
		sc_report_write(stdout, sc, verbose);
		if (w == 0)
			printf("\nsidecar: %s\n%s", out_path, trailer ? trailer : "");
	}
	return w;
}

void sc_cli_mark_incomplete(struct sc_assert_result *r, const char *why)
{
	struct sc_assert_detail d;

	sc_assert_detail_init(&d);
	if (sc_assert_detail_set(&d, "run", NULL, why) == 0)
		sc_assert_result_record_inconclusive(r, &d);
	sc_assert_detail_release(&d);
}
