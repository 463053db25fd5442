/*
 * out_buf.c - a growing output buffer that sub-commands fill per group of input lines and write
 * to stdout with write(2), retrying on EAGAIN: under node (the WebAssembly build) stdout can be a
 * non-blocking pipe, where stdio would report a full pipe as a failed write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void out_reserve(out_buf *o, size_t more) {
  if (o->failed || o->len + more <= o->cap) return;
  size_t cap = o->cap ? o->cap : 1 << 16;
  while (cap < o->len + more) cap *= 2;
  char *d = realloc(o->data, cap);
  if (!d) {
    o->failed = 1;
    return;
  }
  o->data = d;
  o->cap = cap;
}

void out_printf_float(out_buf *o, const char *sep, float v) {
  out_reserve(o, 32);
  if (!o->failed) o->len += (size_t)snprintf(o->data + o->len, 32, "%s%.9g", sep, v);
}

void out_printf_int(out_buf *o, const char *sep, int v) {
  out_reserve(o, 16);
  if (!o->failed) o->len += (size_t)snprintf(o->data + o->len, 16, "%s%d", sep, v);
}

void out_str(out_buf *o, const char *str) {
  size_t n = strlen(str);
  if (n == 0) return; /* nothing to add, and data may still be NULL */
  out_reserve(o, n);
  if (!o->failed) {
    memcpy(o->data + o->len, str, n);
    o->len += n;
  }
}

/* Writes and empties the buffer; returns 0 or -1 on a write error other than EAGAIN/EINTR. */
int out_flush(out_buf *o) {
  size_t off = 0;
  while (off < o->len) {
    ssize_t w = write(STDOUT_FILENO, o->data + off, o->len - off);
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
      continue;
    }
    if (w <= 0) return -1;
    off += (size_t)w;
  }
  o->len = 0;
  return 0;
}

int out_group_done(out_buf *o) {
  if (o->failed) return cli_error(CLI_FAIL, "out of memory formatting the output");
  if (out_flush(o)) return cli_error(CLI_FAIL, "stdout: write failed: %s", strerror(errno));
  return CLI_OK;
}
