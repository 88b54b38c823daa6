/* SPDX-License-Identifier: MIT */
/*
 * A caller-owned error message buffer. Library code never prints: it fills
 * one of these with a sentence naming the place (file:line:col, a JSON path,
 * a cgroup file) and returns -errno. Only cli/ prints.
 */
#ifndef SCHEDCHECK_ERROR_H
#define SCHEDCHECK_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SC_ERROR_MSG_MAX 1024

struct sc_error {
	char msg[SC_ERROR_MSG_MAX];
};

/* printf-style; NULL `err` is allowed and ignored. Always NUL-terminates. */
void sc_error_set(struct sc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends "prefix: " to the existing message. */
void sc_error_prefix(struct sc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_ERROR_H */
