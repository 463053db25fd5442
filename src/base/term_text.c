/*
 * term_text.c - the escaper of term_text.h: text from indexed files made harmless for a
 * terminal, one UTF-8 sequence at a time.
 */
#include "base/term_text.h"

#include <stdint.h>
#include <stdlib.h>

/* Length of the valid UTF-8 sequence at s[0..n) (1..4) and its code point, or 0 if invalid. */
static size_t term_utf8(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t need;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    need = 1, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (need >= n) return 0;
  for (size_t k = 1; k <= need; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[k] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return need + 1;
}

static int term_unsafe_cp(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int term_text_write(FILE *f, const char *s, size_t n, int flags) {
  const unsigned char *p = (const unsigned char *)s;
  size_t run = 0, i = 0; /* p[run..i) is safe and not yet written */
  while (i < n) {
    uint32_t cp = 0;
    size_t k = term_utf8(p + i, n - i, &cp);
    char esc[12];
    esc[0] = '\0';
    if (k == 0) {
      snprintf(esc, sizeof esc, "\\x%02x", p[i]);
      k = 1;
    } else if (cp == '\n') {
      snprintf(esc, sizeof esc, "\\n");
    } else if (cp == '\r') {
      snprintf(esc, sizeof esc, "\\r");
    } else if (cp == '\t') {
      if (!(flags & TERM_KEEP_TAB)) snprintf(esc, sizeof esc, "\\t");
    } else if (cp == 0x1B) {
      snprintf(esc, sizeof esc, "\\e");
    } else if (cp < 0x20 || cp == 0x7F) {
      snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
    } else if (term_unsafe_cp(cp)) {
      snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
    }
    if (esc[0]) {
      if (i > run) fwrite(p + run, 1, i - run, f);
      fputs(esc, f);
      run = i + k;
    }
    i += k;
  }
  if (n > run) fwrite(p + run, 1, n - run, f);
  return ferror(f) ? -1 : 0;
}

void term_text_vprintf(FILE *f, const char *fmt, va_list ap) {
  char buf[1024], *s = buf;
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n >= (int)sizeof buf) {
    s = malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap2);
  }
  va_end(ap2);
  if (n > 0 && s) term_text_write(f, s, (size_t)n, TERM_KEEP_TAB);
  if (!s) fputs("(out of memory formatting a message)", f);
  if (s != buf) free(s);
}

void term_text_printf(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  term_text_vprintf(f, fmt, ap);
  va_end(ap);
}
