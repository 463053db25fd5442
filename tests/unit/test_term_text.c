/*
 * test_term_text.c - unit tests of src/base/term_text.c, the escaper behind every line of plain
 * text the CLI and the server print: each kind of character that could act on a terminal
 * becomes its visible escape, everything else (UTF-8 text, backslashes, tabs where kept) passes
 * unchanged, and the formatting printer escapes what it formats.
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/term_text.h"
#include "check.h"

/* The escaped form of n bytes of s (static buffer). */
static const char *esc(const char *s, size_t n, int flags) {
  static char out[1024];
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  CHECK(f && term_text_write(f, s, n, flags) == 0);
  if (f) fclose(f);
  snprintf(out, sizeof out, "%s", buf ? buf : "");
  free(buf);
  return out;
}

static void expect(const char *in, size_t n, int flags, const char *want) {
  const char *got = esc(in, n, flags);
  CHECK_MSG(!strcmp(got, want), "'%s' -> '%s', want '%s'", in, got, want);
}

/* a literal with its length (it may hold NUL) */
#define EXPECT(lit, flags, want) expect(lit, sizeof lit - 1, flags, want)

int main(void) {
  EXPECT("plain text, caf\xC3\xA9 \xE6\x97\xA5\xF0\x9F\x98\x80 C:\\dir", 0,
         "plain text, caf\xC3\xA9 \xE6\x97\xA5\xF0\x9F\x98\x80 C:\\dir");
  EXPECT("a\nb\rc", 0, "a\\nb\\rc");
  EXPECT("t\tab", 0, "t\\tab");
  EXPECT("t\tab", TERM_KEEP_TAB, "t\tab");
  EXPECT("\033]0;title\007", 0, "\\e]0;title\\x07");
  EXPECT("\033[2J", 0, "\\e[2J");
  EXPECT("nul\0x", 0, "nul\\x00x");
  EXPECT("del\x7f", 0, "del\\x7f");
  EXPECT(
      "c1 \xC2\x9B"
      "1m",
      0, "c1 \\u009b1m"); /* U+009B, the 8-bit CSI */
  EXPECT(
      "raw \x9B"
      "1m",
      0, "raw \\x9b1m"); /* a lone byte 0x9B */
  EXPECT(
      "bidi \xE2\x80\xAE"
      "cba",
      0, "bidi \\u202ecba"); /* RIGHT-TO-LEFT OVERRIDE */
  EXPECT("iso \xE2\x81\xA6x\xE2\x81\xA9", 0, "iso \\u2066x\\u2069");
  EXPECT(
      "ls \xE2\x80\xA8"
      "ps",
      0, "ls \\u2028ps");
  EXPECT("bad \xC3(", 0, "bad \\xc3(");          /* a cut sequence */
  EXPECT("over \xC0\xAF", 0, "over \\xc0\\xaf"); /* an overlong '/' */
  EXPECT("sur \xED\xA0\x80", 0, "sur \\xed\\xa0\\x80");
  EXPECT("end \xE2\x80", 0, "end \\xe2\\x80");
  /* the printer escapes what it formats, the format's own text included */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f) {
    term_text_printf(f, "%d. %s [%s]", 3, "name\nwith\033newline", "head\ting");
    fclose(f);
  }
  CHECK_MSG(buf && !strcmp(buf, "3. name\\nwith\\enewline [head\ting]"), "printf: '%s'", buf);
  free(buf);
  /* a long line goes through the heap path */
  char big[5000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  big[2500] = '\033';
  buf = NULL;
  f = open_memstream(&buf, &len);
  if (f) {
    term_text_printf(f, "%s", big);
    fclose(f);
  }
  CHECK(buf && len == sizeof big && !memcmp(buf + 2500, "\\e", 2) && !strchr(buf, '\033'));
  free(buf);
  CHECK_DONE();
}
