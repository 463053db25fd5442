/*
 * line_in.c - reading stdin one line at a time for the line-oriented commands (embed, rerank):
 * the one place that counts lines for "stdin line N: ..." messages, refuses lines over a size
 * limit and drops the newline, so both commands read and report alike.
 */
#include <stdio.h>

#include "cli.h"

long cli_read_line(char **line, size_t *cap, long *lineno, size_t max_bytes) {
  ssize_t len = getline(line, cap, stdin);
  if (len < 0) return -1;
  ++*lineno;
  if ((size_t)len > max_bytes) {
    cli_error(CLI_FAIL, "stdin line %ld: longer than %zu bytes", *lineno, max_bytes);
    return -2;
  }
  if (len > 0 && (*line)[len - 1] == '\n') (*line)[--len] = '\0';
  return (long)len;
}
