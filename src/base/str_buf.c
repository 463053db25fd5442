/*
 * str_buf.c - the growing string of str_buf.h: doubling capacity, NUL kept after the text.
 */
#include "base/str_buf.h"

#include <stdlib.h>
#include <string.h>

void str_buf_put(str_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->n + n + 1) cap *= 2;
    char *d = realloc(b->d, cap);
    if (!d) {
      b->failed = 1;
      return;
    }
    b->d = d;
    b->cap = cap;
  }
  memcpy(b->d + b->n, s, n);
  b->n += n;
  b->d[b->n] = '\0';
}

void str_buf_puts(str_buf *b, const char *s) {
  str_buf_put(b, s, strlen(s));
}
