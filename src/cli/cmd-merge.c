// SPDX-License-Identifier: MIT
/*
 * `schedcheck merge A.json B.json ... -o OUT.json`: merges result sidecars
 * (repeats of a run, or shards of a matrix) with the model's merge rules and
 * exits with the merged verdict's code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <schedcheck/sidecar.h>

#include "cli.h"

static void merge_usage(FILE *f)
{
	fprintf(f, "usage: schedcheck merge [--strict] -o OUT.json IN.json [IN.json ...]\n\n"
		   "Merges result sidecars: outcomes and notes in order, measurements by key,\n"
		   "cgroups appended, phases matched by step index with per-metric merge rules,\n"
		   "wake/timer reservoirs merged by true population. Exits with the merged\n"
		   "verdict: 0 pass (or skip), 1 fail, 3 inconclusive, 5 skip with --strict;\n"
		   "2 when an input is unreadable or malformed (nothing is written then).\n");
}

int sc_cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL;
	struct sc_sidecar acc, next;
	struct sc_error err;
	int strict = 0, c, i, r;
	enum sc_outcome_kind verdict;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:sh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 's':
			strict = 1;
			break;
		case 'h':
			merge_usage(stdout);
			return SC_EXIT_PASS;
		default:
			merge_usage(stderr);
			return SC_EXIT_USAGE;
		}
	}
	if (!out_path) {
		fprintf(stderr, "schedcheck merge: -o OUT.json is required\n");
		return SC_EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "schedcheck merge: no input sidecars given\n");
		return SC_EXIT_USAGE;
	}
	err.msg[0] = '\0';
	r = sc_sidecar_read_file(argv[optind], &acc, &err);
	if (r < 0) {
		fprintf(stderr, "schedcheck merge: %s\n", err.msg);
		return r == -ENOMEM ? SC_EXIT_ENV : SC_EXIT_USAGE;
	}
	for (i = optind + 1; i < argc; i++) {
		r = sc_sidecar_read_file(argv[i], &next, &err);
		if (r < 0) {
			fprintf(stderr, "schedcheck merge: %s\n", err.msg);
			sc_sidecar_release(&acc);
			return r == -ENOMEM ? SC_EXIT_ENV : SC_EXIT_USAGE;
		}
		r = sc_sidecar_merge(&acc, &next);
		if (r < 0) {
			fprintf(stderr, "schedcheck merge: merging %s: %s\n", argv[i],
				strerror(-r));
			sc_sidecar_release(&next);
			sc_sidecar_release(&acc);
			return SC_EXIT_ENV;
		}
	}
	r = sc_sidecar_write_file(&acc, out_path, &err);
	if (r < 0) {
		fprintf(stderr, "schedcheck merge: %s\n", err.msg);
		sc_sidecar_release(&acc);
		return SC_EXIT_ENV;
	}
	verdict = sc_assert_result_outcome(&acc.result);
	printf("merged %d sidecar(s) (%zu run(s)) into %s: %s (%zu fail, %zu inconclusive, "
	       "%zu pass, %zu skip)\n",
	       argc - optind, acc.n_runs, out_path, sc_outcome_kind_name(verdict),
	       sc_assert_result_count(&acc.result, SC_OUTCOME_FAIL),
	       sc_assert_result_count(&acc.result, SC_OUTCOME_INCONCLUSIVE),
	       sc_assert_result_count(&acc.result, SC_OUTCOME_PASS),
	       sc_assert_result_count(&acc.result, SC_OUTCOME_SKIP));
	sc_sidecar_release(&acc);
	return sc_cli_exit_for(verdict, strict);
}
