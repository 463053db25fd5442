/*
 * fts_query.c - the search-box syntax: "exact phrase", -excluded, -"excluded phrase", prefix*,
 * and plain words. A word is a run of ASCII letters, digits, '_' and non-ASCII bytes (UTF-8
 * letters stay whole; FTS5's own tokenizer later splits what it does not count as a letter);
 * every other byte separates words and is never an operator, so text such as `NEAR(a b)`,
 * `col:x`, `^x` or an unbalanced quote is only words. A '-' counts only at the start of a term
 * (after a space or at the start), a '*' only right after a word. Inside words, runs of CJK
 * letters are split off as terms of their own (cjk = 1), since they are searched by character
 * pairs rather than by words.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "text/tok_internal.h"

#define QRY_MAX_BYTES 4096
#define QRY_MAX_TERMS 64

static int qry_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '_';
}

void store_query_free(store_query *q) {
  for (size_t i = 0; i < q->n; i++) free(q->terms[i].text);
  free(q->terms);
  q->terms = NULL;
  q->n = 0;
}

static int qry_add(store_query *q, int kind, int excluded, int required, int cjk, const char *s,
                   size_t len) {
  if (q->n >= QRY_MAX_TERMS || !len) return 0;
  if (!q->terms && !(q->terms = calloc(QRY_MAX_TERMS, sizeof *q->terms))) return BRASS_ENOMEM;
  char *t = malloc(len + 1);
  if (!t) return BRASS_ENOMEM;
  memcpy(t, s, len);
  t[len] = '\0';
  q->terms[q->n++] = (store_term){kind, excluded, required, cjk, t};
  return 0;
}

/* Splits the word w (len bytes of word bytes) into CJK and other segments and adds them; the
 * last non-CJK segment is a prefix when prefix is set. In a phrase (required), only CJK segments
 * are added here; *rest receives the other bytes, space separated (for the phrase text). */
static int qry_segments(store_query *q, const char *w, size_t len, int excluded, int required,
                        int prefix, char *rest, size_t *nrest) {
  const unsigned char *u = (const unsigned char *)w;
  size_t pos = 0, seg = 0;
  int seg_cjk = -1;
  while (pos <= len) {
    size_t at = pos;
    int cjk = pos < len ? store_cjk_letter(tok_utf8_next(u, len, &pos)) : -2;
    if (pos == at) pos++;
    if (cjk == seg_cjk) continue;
    if (seg_cjk >= 0 && at > seg) { /* close the segment [seg, at) */
      int rc = 0;
      if (seg_cjk)
        rc = qry_add(q, STORE_TERM_WORD, excluded, required, 1, w + seg, at - seg);
      else if (rest) {
        if (*nrest) rest[(*nrest)++] = ' ';
        memcpy(rest + *nrest, w + seg, at - seg);
        *nrest += at - seg;
      } else {
        int kind = prefix && at == len ? STORE_TERM_PREFIX : STORE_TERM_WORD;
        rc = qry_add(q, kind, excluded, 0, 0, w + seg, at - seg);
      }
      if (rc) return rc;
    }
    seg = at;
    seg_cjk = cjk;
  }
  return 0;
}

int store_query_parse(const char *query, store_query *q) {
  q->terms = NULL;
  q->n = 0;
  size_t len = strnlen(query, QRY_MAX_BYTES);
  char *rest = malloc(len + 1);
  if (!rest) return BRASS_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < len && !rc;) {
    unsigned char c = (unsigned char)query[i];
    int start = i == 0 || query[i - 1] == ' ' || query[i - 1] == '\t' || query[i - 1] == '\n';
    int excluded = 0;
    if (c == '-' && start && i + 1 < len &&
        (query[i + 1] == '"' || qry_word_byte((unsigned char)query[i + 1]))) {
      excluded = 1;
      c = (unsigned char)query[++i];
    }
    if (c == '"') { /* a phrase, to the closing quote or the end */
      size_t j = i + 1;
      while (j < len && query[j] != '"') j++;
      size_t nrest = 0;
      for (size_t k = i + 1; k < j && !rc;) {
        if (!qry_word_byte((unsigned char)query[k])) {
          k++;
          continue;
        }
        size_t e = k;
        while (e < j && qry_word_byte((unsigned char)query[e])) e++;
        rc = qry_segments(q, query + k, e - k, excluded, 1, 0, rest, &nrest);
        k = e;
      }
      if (!rc) rc = qry_add(q, STORE_TERM_PHRASE, excluded, 1, 0, rest, nrest);
      i = j + 1;
    } else if (qry_word_byte(c)) {
      size_t e = i;
      while (e < len && qry_word_byte((unsigned char)query[e])) e++;
      int prefix = e < len && query[e] == '*';
      rc = qry_segments(q, query + i, e - i, excluded, 0, prefix, NULL, NULL);
      i = e + (size_t)prefix;
    } else {
      i++;
    }
  }
  free(rest);
  if (rc) store_query_free(q);
  return rc;
}
