/*
 * cli_output.c - every line of plain text the CLI prints, and the last word on standard output:
 * cli_line/cli_text format and write through term_text_vprintf (so that file names, headings,
 * snippets and messages quoting them cannot act on the terminal), cli_error prints
 * "brass: ..." the same way, and cli_finish_output turns a failed write, flush or close of
 * standard output into "brass: writing output: REASON" and exit status 1 instead of a silent 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/term_text.h"
#include "cli.h"

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
  /* stdio keeps the bytes of a failed write and tries them again at the flush, so the flush
   * reports the cause (ENOSPC, EFBIG, EIO) even when an earlier write failed first */
  int failed = ferror(stdout);
  errno = 0;
  if (fflush(stdout) != 0) failed = 1;
  int e = errno;
  if (fclose(stdout) != 0) {
    if (!e) e = errno;
    failed = 1;
  }
  if (!failed) return rc;
  cli_error(CLI_FAIL, "writing output: %s", e ? strerror(e) : "a write to standard output failed");
  return rc ? rc : CLI_FAIL;
}
