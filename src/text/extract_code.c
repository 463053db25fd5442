/*
 * extract_code.c - the source-code extractor: blocks are runs of lines cut at blank lines, after a
 * top-level closing line ("}", "};", "end") and where a top-level line follows an indented one
 * (a Python def after the previous body) unless it closes or continues it ("}", ")", "else",
 * "except", ...). Blocks are EXB_CODE: the chunker keeps each whole when it fits and packs small
 * neighbours together. The text is the source itself. See extract.h.
 */
#include "text/extract.h"

#include <string.h>

#include "base/error.h"
#include "base/file.h"

/* 1 if a top-level line s[0..n) continues the block before it rather than starting one. */
static int code_continues(const char *s, size_t n) {
  static const char *const words[] = {"else",   "elif",   "except", "finally", "catch", "end",
                                      "rescue", "ensure", "fi",     "done",    "esac",  NULL};
  if (s[0] == '}' || s[0] == ')' || s[0] == ']') return 1;
  for (int i = 0; words[i]; i++) {
    size_t w = strlen(words[i]);
    if (n >= w && memcmp(s, words[i], w) == 0 &&
        (n == w || !((s[w] >= 'a' && s[w] <= 'z') || (s[w] >= 'A' && s[w] <= 'Z') ||
                     (s[w] >= '0' && s[w] <= '9') || s[w] == '_')))
      return 1;
  }
  return 0;
}

/* 1 if a top-level line closes a construct ("}", "};", "})", "end"). */
static int code_closes(const char *s, size_t n) {
  if (n == 3 && memcmp(s, "end", 3) == 0) return 1;
  if (s[0] != '}') return 0;
  for (size_t i = 1; i < n; i++)
    if (s[i] != ';' && s[i] != ')' && s[i] != ',' && s[i] != ' ' && s[i] != '\t') return 0;
  return 1;
}

int extract_code(const char *src, size_t len, extract_doc *doc, brass_error *err) {
  memset(doc, 0, sizeof *doc);
  doc->src = doc->text = src;
  doc->src_len = doc->len = len;
  size_t start = 0, ls = file_bom_len(src, len), last_end = 0;
  int have = 0, prev_indented = 0, prev_closed = 0, rc = 0;
  while (ls < len && rc >= 0) {
    const char *nl = memchr(src + ls, '\n', len - ls);
    size_t le = nl ? (size_t)(nl - src) : len, next = nl ? le + 1 : len;
    size_t le_t = le;
    while (le_t > ls && (src[le_t - 1] == ' ' || src[le_t - 1] == '\t' || src[le_t - 1] == '\r'))
      le_t--;
    size_t fp = ls;
    while (fp < le_t && (src[fp] == ' ' || src[fp] == '\t')) fp++;
    if (fp == le_t) { /* blank line */
      if (have) rc = extract_add_block(doc, start, last_end, EXB_CODE, -1);
      have = 0;
      ls = next;
      continue;
    }
    const char *s = src + fp;
    size_t n = le_t - fp;
    int top = fp == ls;
    if (have && top && (prev_closed || (prev_indented && !code_continues(s, n)))) {
      rc = extract_add_block(doc, start, last_end, EXB_CODE, -1);
      have = 0;
    }
    if (!have) start = ls, have = 1;
    last_end = le_t;
    prev_indented = !top;
    prev_closed = top && code_closes(s, n);
    ls = next;
  }
  if (rc >= 0 && have) rc = extract_add_block(doc, start, last_end, EXB_CODE, -1);
  if (rc < 0) {
    extract_doc_free(doc);
    return err_set(err, BRASS_ENOMEM, "extract: out of memory");
  }
  return 0;
}
