/* SPDX-License-Identifier: MIT */
/*
 * Rendering a result for people: the text report (verdict first, checks,
 * per-cgroup table, per-phase timeline).
 */
#ifndef SCHEDCHECK_REPORT_H
#define SCHEDCHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <schedcheck/sidecar.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the text report of `s` to `f`; passing checks only with `verbose`. -EIO. */
int sc_report_write(FILE *f, const struct sc_sidecar *s, bool verbose);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_REPORT_H */
