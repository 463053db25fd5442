/*
 * error.h - filling a brass_error: every failing function sets a code and a one-line message that
 * names the input (usually a file path) and the problem, then returns the code.
 */
#ifndef BRASS_BASE_ERROR_H
#define BRASS_BASE_ERROR_H

#include "brass.h"

#if defined(__GNUC__)
#define BRASS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BRASS_PRINTF(a, b)
#endif

/* Sets err (if not NULL) to code and a printf-style message, replacing newlines by spaces so the
 * message stays on one line. Returns code, so callers can write `return err_set(err, ...);`. */
int err_set(brass_error *err, int code, const char *fmt, ...) BRASS_PRINTF(3, 4);

/* Clears err to BRASS_OK with an empty message. */
void err_clear(brass_error *err);

#endif
