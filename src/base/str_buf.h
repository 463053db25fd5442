/*
 * str_buf.h - a growing NUL-terminated string that remembers a failed allocation, so builders
 * (FTS5 query expressions, search snippets) can append without checking every call and test
 * `failed` once at the end.
 */
#ifndef BRASS_BASE_STR_BUF_H
#define BRASS_BASE_STR_BUF_H

#include <stddef.h>

typedef struct str_buf {
  char *d;    /* the text so far, NUL-terminated once anything was added; owned (free) */
  size_t n;   /* its length */
  size_t cap; /* bytes allocated */
  int failed; /* an allocation failed: appends are ignored from then on */
} str_buf;

/* Appends n bytes of s. */
void str_buf_put(str_buf *b, const char *s, size_t n);
/* Appends the string s. */
void str_buf_puts(str_buf *b, const char *s);

#endif
