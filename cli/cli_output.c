/*
 * cli_output.c - every line of plain text the CLI prints, and the last word on standard output:
 * cli_line/cli_text format and write through term_text_vprintf (so that file names, headings,
 * snippets and messages quoting them cannot act on the terminal), cli_error prints
 * "brass: ..." the same way, and cli_finish_output turns a failed write, flush or close of
 * standard output into "brass: writing output: REASON" and exit status 1 instead of a silent 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/term_text.h"
#include "cli.h"

/* The errno of the first failed write or close of standard output (0: none yet). stdio keeps
 * only a flag, and after a short write on a full disk the final fflush may succeed with the
 * failed bytes dropped, so the cause is recorded where the write happens. */
static int out_errno;

#if defined(__GLIBC__)
static ssize_t out_write(void *cookie, const char *buf, size_t n) {
  (void)cookie;
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(STDOUT_FILENO, buf + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (!out_errno) out_errno = w < 0 ? errno : EIO;
      return off ? (ssize_t)off : -1;
    }
    off += (size_t)w;
  }
  return (ssize_t)n;
}

static int out_close(void *cookie) {
  (void)cookie;
  if (close(STDOUT_FILENO) != 0 && errno != EBADF) {
    if (!out_errno) out_errno = errno;
    return -1;
  }
  return 0;
}

void cli_output_init(void) {
  cookie_io_functions_t io = {NULL, out_write, NULL, out_close};
  FILE *f = fopencookie(NULL, "w", io);
  if (!f) return; /* plain stdout: failures are still caught, their cause may read generic */
  setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
  stdout = f;
}
#else
void cli_output_init(void) {}
#endif

void cli_text(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  term_text_vprintf(f, fmt, ap);
  va_end(ap);
}

void cli_line(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  term_text_vprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
}

int cli_error(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("brass: ", stderr);
  term_text_vprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

int cli_finish_output(int rc) {
  int failed = ferror(stdout) != 0;
  errno = 0;
  if (fflush(stdout) != 0) failed = 1;
  int e = errno;
#ifndef __EMSCRIPTEN__
  /* a close can fail too (NFS reports a full server there); the WebAssembly build leaves
   * stdout to the runtime, which writes it out through node at exit */
  if (fclose(stdout) != 0) {
    if (!e) e = errno;
    failed = 1;
  }
#endif
  if (out_errno) e = out_errno; /* the first failure is the cause */
  if (!failed && !out_errno) return rc;
  cli_error(CLI_FAIL, "writing output: %s", e ? strerror(e) : "a write to standard output failed");
  return rc ? rc : CLI_FAIL;
}
