// SPDX-License-Identifier: MIT
/*
 * `schedcheck metrics [--json]`: the metric registry, for people (a table)
 * or programs (JSON through json-c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include <schedcheck/metrics.h>

#include "cli.h"

/* The kind with its parameters, e.g. "gauge(avg)" or "rate(a/b)". */
static void kind_text(const struct sc_metric_kind *k, char *buf, size_t len)
{
	switch (k->tag) {
	case SC_KIND_GAUGE:
		snprintf(buf, len, "gauge(%s)", sc_gauge_agg_name(k->u.gauge));
		break;
	case SC_KIND_RATE:
		snprintf(buf, len, "rate(%s/%s)", k->u.rate.numerator, k->u.rate.denominator);
		break;
	case SC_KIND_DISTRIBUTION:
		snprintf(buf, len, "distribution(%s,%s)", sc_sample_source_name(k->u.dist.source),
			 sc_reduction_name(k->u.dist.reduction));
		break;
	case SC_KIND_WORST_LOWEST:
		snprintf(buf, len, "worst_lowest(%s)", sc_lowest_of_name(k->u.lowest));
		break;
	default:
		snprintf(buf, len, "%s", sc_metric_kind_tag_name(k->tag));
	}
}

static json_object *kind_json(const struct sc_metric_kind *k)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "kind", json_object_new_string(sc_metric_kind_tag_name(k->tag)));
	switch (k->tag) {
	case SC_KIND_GAUGE:
		json_object_object_add(o, "agg",
				       json_object_new_string(sc_gauge_agg_name(k->u.gauge)));
		break;
	case SC_KIND_RATE:
		json_object_object_add(o, "numerator", json_object_new_string(k->u.rate.numerator));
		json_object_object_add(o, "denominator",
				       json_object_new_string(k->u.rate.denominator));
		json_object_object_add(o, "scale", json_object_new_double(k->u.rate.scale));
		break;
	case SC_KIND_DISTRIBUTION:
		json_object_object_add(
			o, "source",
			json_object_new_string(sc_sample_source_name(k->u.dist.source)));
		json_object_object_add(
			o, "reduction",
			json_object_new_string(sc_reduction_name(k->u.dist.reduction)));
		break;
	case SC_KIND_WORST_LOWEST:
		json_object_object_add(o, "of",
				       json_object_new_string(sc_lowest_of_name(k->u.lowest)));
		break;
	default:
		break;
	}
	json_object_object_add(o, "derived", json_object_new_boolean(sc_metric_kind_is_derived(k)));
	return o;
}

static int print_json(void)
{
	json_object *arr = json_object_new_array();
	size_t i;

	if (!arr)
		return SC_EXIT_ENV;
	for (i = 0; i < sc_metric_count(); i++) {
		const struct sc_metric_def *d = sc_metric_at(i);
		json_object *o = json_object_new_object();

		if (!o) {
			json_object_put(arr);
			return SC_EXIT_ENV;
		}
		json_object_object_add(o, "name", json_object_new_string(d->name));
		json_object_object_add(o, "kind", kind_json(&d->kind));
		json_object_object_add(o, "polarity",
				       json_object_new_string(sc_polarity_name(d->polarity)));
		json_object_object_add(o, "default_abs", json_object_new_double(d->default_abs));
		json_object_object_add(o, "default_rel", json_object_new_double(d->default_rel));
		json_object_object_add(o, "unit", json_object_new_string(d->unit));
		json_object_object_add(o, "description", json_object_new_string(d->description));
		json_object_array_add(arr, o);
	}
	puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return SC_EXIT_PASS;
}

static void print_table(void)
{
	size_t i;

	printf("%-34s %-40s %-14s %10s %8s  %s\n", "NAME", "KIND", "POLARITY", "ABS", "REL%",
	       "UNIT");
	for (i = 0; i < sc_metric_count(); i++) {
		const struct sc_metric_def *d = sc_metric_at(i);
		char kind[96];

		kind_text(&d->kind, kind, sizeof(kind));
		printf("%-34s %-40s %-14s %10g %8g  %s\n", d->name, kind,
		       sc_polarity_name(d->polarity), d->default_abs, d->default_rel * 100.0,
		       d->unit);
	}
	printf("\nABS: default absolute regression threshold, in UNIT (0 = none); "
	       "REL%%: default relative threshold (0 = none).\n");
}

int sc_cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			printf("usage: schedcheck metrics [--json]\n\n"
			       "Lists every registered metric: name, kind (how it reduces per "
			       "phase and merges),\npolarity, default thresholds and unit.\n");
			return SC_EXIT_PASS;
		default:
			fprintf(stderr, "usage: schedcheck metrics [--json]\n");
			return SC_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "schedcheck metrics: unexpected argument '%s'\n", argv[optind]);
		return SC_EXIT_USAGE;
	}
	if (json)
		return print_json();
	print_table();
	return SC_EXIT_PASS;
}
