// SPDX-License-Identifier: MIT
/*
 * schedcheck: the command-line entry point. Dispatches subcommands; each
 * lives in its own cmd-*.c and returns an exit code from cli.h.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand commands[] = {
	{ "run", sc_cmd_run, "run a scenario on this host and give a verdict" },
	{ "list", sc_cmd_list, "list the canned scenarios" },
	{ "show-scenario", sc_cmd_show_scenario, "print a canned scenario as JSON" },
	{ "checks", sc_cmd_checks, "list the checks, their thresholds and defaults" },
	{ "merge", sc_cmd_merge, "merge result sidecars (repeats or shards) into one" },
	{ "metrics", sc_cmd_metrics, "list the metric registry" },
#ifdef SC_HAVE_VM
	{ "vm", sc_cmd_vm, "run a scenario in a qemu guest with a chosen CPU topology" },
	{ "guest", sc_cmd_guest, "the guest side of `vm` (PID 1 inside the VM)" },
	{ "kernel", sc_cmd_kernel, "build and cache a sched_ext kernel and example schedulers" },
#endif
};

int sc_cli_exit_for(enum sc_outcome_kind k, int strict)
{
	switch (k) {
	case SC_OUTCOME_FAIL:
		return SC_EXIT_FAIL;
	case SC_OUTCOME_INCONCLUSIVE:
		return SC_EXIT_INCONCLUSIVE;
	case SC_OUTCOME_SKIP:
		return strict ? SC_EXIT_SKIP : SC_EXIT_PASS;
	default:
		return SC_EXIT_PASS;
	}
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: schedcheck <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`schedcheck <command> --help` describes one command.\n"
		   "exit codes: 0 pass, 1 fail, 2 bad input, 3 inconclusive, 4 environment "
		   "error,\n            5 skipped (--strict), 130 interrupted\n");
}

int main(int argc, char **argv)
{
	size_t i;

	/* Numbers are printed and parsed in the C locale, whatever the user's. */
	setlocale(LC_ALL, "C");
	if (argc < 2) {
		usage(stderr);
		return SC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return SC_EXIT_PASS;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("schedcheck %s\n", SC_VERSION);
		return SC_EXIT_PASS;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "schedcheck: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return SC_EXIT_USAGE;
}
