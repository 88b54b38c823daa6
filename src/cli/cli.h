/* SPDX-License-Identifier: MIT */
/*
 * Shared CLI plumbing: exit codes (stable, documented in docs/cli.md) and
 * the subcommand entry points. Only cli/ prints and chooses exit codes.
 */
#ifndef SCHEDCHECK_CLI_H
#define SCHEDCHECK_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <schedcheck/verdict.h>

enum sc_exit_code {
	SC_EXIT_PASS = 0,	  /* pass (and skip without --strict) */
	SC_EXIT_FAIL = 1,	  /* at least one check failed */
	SC_EXIT_USAGE = 2,	  /* bad input: flag, scenario, sidecar */
	SC_EXIT_INCONCLUSIVE = 3, /* nothing failed, something could not be decided */
	SC_EXIT_ENV = 4,	  /* the environment broke: I/O, memory, kernel */
	SC_EXIT_SKIP = 5,	  /* everything skipped, with --strict */
	SC_EXIT_INTERRUPTED = 130,
};

/* CLOCK_REALTIME in ns, for the sidecar's start/end times. */
uint64_t sc_cli_realtime_ns(void);
/*
 * The documented default results directory: $SCHEDCHECK_RESULTS_DIR, else
 * /var/lib/schedcheck/results as root, else $XDG_STATE_HOME/schedcheck/results
 * or ~/.local/state/schedcheck/results.
 */
void sc_cli_results_dir(char *buf, size_t len);

struct sc_sidecar;
/*
 * Writes the sidecar to `out_path` (atomically), then prints either the JSON
 * (`json`) or the text report and the sidecar path plus `trailer` (may be
 * NULL). Returns the write's result (< 0: the sidecar is missing).
 */
int sc_cli_emit_result(const char *cmd, const struct sc_sidecar *sc, const char *out_path, int json,
		       int verbose, const char *trailer);

/*
 * Records an Inconclusive "run" outcome: the run did not complete (an
 * environment error), so the result's verdict must not read as a Pass.
 */
void sc_cli_mark_incomplete(struct sc_assert_result *r, const char *why);

/* The exit code for a folded verdict. */
int sc_cli_exit_for(enum sc_outcome_kind k, int strict);

int sc_cmd_metrics(int argc, char **argv);
int sc_cmd_run(int argc, char **argv);
int sc_cmd_list(int argc, char **argv);
int sc_cmd_show_scenario(int argc, char **argv);
int sc_cmd_checks(int argc, char **argv);
int sc_cmd_merge(int argc, char **argv);
int sc_cmd_vm(int argc, char **argv);
int sc_cmd_guest(int argc, char **argv);
int sc_cmd_kernel(int argc, char **argv);

#endif /* SCHEDCHECK_CLI_H */
