/* error.c - formatting one-line error messages into a brass_error (see error.h). */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(brass_error *err, int code, const char *fmt, ...) {
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  for (char *p = err->message; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  err->code = code;
  return code;
}

void err_clear(brass_error *err) {
  if (!err) return;
  err->code = BRASS_OK;
  err->message[0] = '\0';
}
