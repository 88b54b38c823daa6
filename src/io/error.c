// SPDX-License-Identifier: MIT
/*
 * The caller-owned error message buffer (include/schedcheck/error.h): library
 * code writes one sentence naming the place; only cli/ prints it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <schedcheck/error.h>

void sc_error_set(struct sc_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
}

/* Appends s[0..n) to msg at *off, keeping room for the terminating NUL. */
static void append(char *msg, size_t size, size_t *off, const char *s, size_t n)
{
	size_t room = size - 1 - *off;

	if (n > room)
		n = room;
	memcpy(msg + *off, s, n);
	*off += n;
}

void sc_error_prefix(struct sc_error *err, const char *fmt, ...)
{
	char prefix[SC_ERROR_MSG_MAX];
	char old[SC_ERROR_MSG_MAX];
	size_t off = 0;
	va_list ap;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* The old message may be unterminated if the caller never set it. */
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	append(err->msg, sizeof(err->msg), &off, prefix, strlen(prefix));
	if (old[0]) {
		append(err->msg, sizeof(err->msg), &off, ": ", 2);
		append(err->msg, sizeof(err->msg), &off, old, strlen(old));
	}
	err->msg[off] = '\0';
}
