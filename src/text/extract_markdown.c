/*
 * extract_markdown.c - the markdown extractor: one pass over the lines, finding ATX and setext
 * headings (which set the heading path), fenced code (``` or ~~~, closed by a fence of the same
 * character at least as long; an unclosed one runs to the end), indented code (4+ columns, not
 * inside a paragraph or list), lists and tables (kept as one block across blank lines while
 * items continue) and paragraphs. The text is the source itself:
 * chunks slice the original file, markup included. Inline HTML is not interpreted (a <script>
 * in a code block is plain text). See extract.h.
 */
#include "text/extract.h"

#include <stdint.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"

typedef struct md_state {
  extract_doc *doc;
  extract_heads heads;
  int path;          /* heading path in force, -1 before the first heading */
  size_t open_start; /* start of the open paragraph/list, SIZE_MAX when none */
  size_t open_end;   /* end of its last non-blank line */
  int open_kind;     /* EXB_PARA or EXB_LIST */
  int open_blank;    /* a blank line followed the open block's last line */
} md_state;

static int md_flush(md_state *st) {
  int rc = 0;
  if (st->open_start != SIZE_MAX)
    rc = extract_add_block(st->doc, st->open_start, st->open_end, st->open_kind, st->path);
  st->open_start = SIZE_MAX;
  st->open_blank = 0;
  return rc;
}

/* Length of a list marker at s[0..n) ("- ", "* ", "+ ", "12. ", "3) "), 0 if none. */
static size_t md_list_marker(const char *s, size_t n) {
  size_t i = 0;
  if (n >= 1 && (s[0] == '-' || s[0] == '*' || s[0] == '+')) {
    i = 1;
  } else {
    while (i < n && i < 9 && s[i] >= '0' && s[i] <= '9') i++;
    if (i == 0 || i >= n || (s[i] != '.' && s[i] != ')')) return 0;
    i++;
  }
  if (i == n || s[i] == ' ' || s[i] == '\t') return i;
  return 0;
}

/* 1 if s[0..n) is at least three of c with only spaces/tabs between and after. */
static int md_rule_of(const char *s, size_t n, char c) {
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == c)
      count++;
    else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return 0;
  }
  return count >= 3;
}

int extract_markdown(const char *src, size_t len, extract_doc *doc, brass_error *err) {
  memset(doc, 0, sizeof *doc);
  doc->src = doc->text = src;
  doc->src_len = doc->len = len;
  md_state st = {.doc = doc, .path = -1, .open_start = SIZE_MAX};
  int in_fence = 0;
  char fence_char = 0;
  size_t fence_len = 0, fence_start = 0;
  int rc = 0;
  size_t ls = file_bom_len(src, len);
  while (ls < len && rc >= 0) {
    const char *nl = memchr(src + ls, '\n', len - ls);
    size_t le = nl ? (size_t)(nl - src) : len, next = nl ? le + 1 : len;
    size_t le_t = le; /* line end without trailing whitespace */
    while (le_t > ls && (src[le_t - 1] == ' ' || src[le_t - 1] == '\t' || src[le_t - 1] == '\r'))
      le_t--;
    size_t fp = ls, indent = 0; /* first non-blank byte and its column */
    while (fp < le_t && (src[fp] == ' ' || src[fp] == '\t')) indent += src[fp++] == '\t' ? 4 : 1;
    const char *s = src + fp;
    size_t n = le_t - fp;
    if (in_fence) {
      size_t k = 0;
      while (k < n && s[k] == fence_char) k++;
      if (indent <= 3 && k >= fence_len && k == n) {
        rc = extract_add_block(doc, fence_start, le_t, EXB_CODE, st.path);
        in_fence = 0;
      }
      ls = next;
      continue;
    }
    if (n == 0) { /* blank line: ends a paragraph; a list may go on after it */
      if (st.open_start != SIZE_MAX && st.open_kind != EXB_PARA)
        st.open_blank = 1;
      else
        rc = md_flush(&st);
      ls = next;
      continue;
    }
    size_t run = 0;
    while (run < n && s[run] == s[0]) run++;
    if (indent <= 3 && (s[0] == '`' || s[0] == '~') && run >= 3) { /* fence opens */
      rc = md_flush(&st);
      in_fence = 1, fence_char = s[0], fence_len = run, fence_start = ls;
      ls = next;
      continue;
    }
    if (indent <= 3 && s[0] == '#' && run <= 6 && (run == n || s[run] == ' ' || s[run] == '\t')) {
      size_t hs = run, he = n; /* the heading text, without the optional closing #s */
      while (hs < he && (s[hs] == ' ' || s[hs] == '\t')) hs++;
      size_t k = he;
      while (k > hs && s[k - 1] == '#') k--;
      if (k == hs || s[k - 1] == ' ' || s[k - 1] == '\t') he = k;
      if (rc >= 0) rc = md_flush(&st);
      if (rc >= 0) rc = st.path = extract_heads_push(&st.heads, doc, (int)run, s + hs, he - hs);
      if (rc >= 0) rc = extract_add_block(doc, ls, le_t, EXB_HEADING, st.path);
      ls = next;
      continue;
    }
    if (indent <= 3 && (s[0] == '=' || s[0] == '-') && st.open_start != SIZE_MAX &&
        st.open_kind == EXB_PARA && !st.open_blank) {
      size_t k = run;
      while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
      if (k == n) { /* setext underline: the open paragraph is a heading */
        size_t ps = st.open_start, pe = st.open_end;
        st.open_start = SIZE_MAX;
        rc = st.path = extract_heads_push(&st.heads, doc, s[0] == '=' ? 1 : 2, src + ps, pe - ps);
        if (rc >= 0) rc = extract_add_block(doc, ps, le_t, EXB_HEADING, st.path);
        ls = next;
        continue;
      }
    }
    if (indent <= 3 && (md_rule_of(s, n, '-') || md_rule_of(s, n, '*') || md_rule_of(s, n, '_'))) {
      rc = md_flush(&st); /* thematic break: its own block, so the chunker counts it */
      if (rc >= 0) rc = extract_add_block(doc, ls, le_t, EXB_PARA, st.path);
      ls = next;
      continue;
    }
    int item = md_list_marker(s, n) > 0 || s[0] == '|';
    if (st.open_start != SIZE_MAX) {
      if (st.open_kind == EXB_CODE) { /* indented code goes on while lines are indented */
        if (indent >= 4) {
          st.open_end = le_t;
          st.open_blank = 0;
          ls = next;
          continue;
        }
        rc = md_flush(&st);
      } else if (st.open_kind == EXB_LIST) {
        /* after a blank line the list goes on only with an item or an indented line */
        if (!st.open_blank || item || indent >= 2) {
          st.open_end = le_t;
          st.open_blank = 0;
          ls = next;
          continue;
        }
        rc = md_flush(&st);
      } else if (item) {
        rc = md_flush(&st);
      } else {
        st.open_end = le_t;
        ls = next;
        continue;
      }
    }
    st.open_start = ls;
    st.open_end = le_t;
    st.open_kind = indent >= 4 ? EXB_CODE : item ? EXB_LIST : EXB_PARA;
    st.open_blank = 0;
    ls = next;
  }
  if (rc >= 0 && in_fence) rc = extract_add_block(doc, fence_start, len, EXB_CODE, st.path);
  if (rc >= 0) rc = md_flush(&st);
  extract_heads_free(&st.heads);
  if (rc < 0) {
    extract_doc_free(doc);
    return err_set(err, BRASS_ENOMEM, "extract: out of memory");
  }
  return 0;
}
