/*
 * term_text.h - writing text that came from indexed files (names, headings, snippets, messages
 * quoting them) to a terminal without letting it act on the terminal. One escaper for the CLI's
 * plain-text output and the server's log lines; JSON output escapes by itself and never uses it.
 */
#ifndef BRASS_BASE_TERM_TEXT_H
#define BRASS_BASE_TERM_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum {
  TERM_KEEP_TAB = 1, /* write a tab as it is (prose); otherwise as \t */
};

/* Writes n bytes of s to f, showing every character that could move the cursor, split a line or
 * start a terminal control sequence as a visible escape: \n, \r, \t (unless TERM_KEEP_TAB), \e
 * (ESC), \xHH for the other C0 controls, DEL and bytes that are not valid UTF-8 (a lone 0x9B is
 * a CSI for 8-bit terminals), \uHHHH for the C1 controls U+0080..U+009F, the line and paragraph
 * separators U+2028/U+2029 and the bidirectional overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069) that can reorder what a line appears to say. Everything else, backslashes
 * included, is written as it is. Returns 0, or -1 when f reported a write error. */
int term_text_write(FILE *f, const char *s, size_t n, int flags);

/* Formats like vfprintf and writes the result through term_text_write with TERM_KEEP_TAB: the
 * one printer behind the CLI's plain-text output (cli_line, cli_error) and the server's log
 * lines. A newline the caller wants must be written separately. */
void term_text_vprintf(FILE *f, const char *fmt, va_list ap);
void term_text_printf(FILE *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
