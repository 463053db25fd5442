/*
 * cjk.c - character pairs for Chinese, Japanese and Korean text. FTS5's unicode61 tokenizer makes
 * a whole run of CJK letters one token (these scripts do not put spaces between words), so a
 * query word inside the run never matches. Each chunk therefore also stores the overlapping pairs
 * of its CJK runs in the grams column, indexed as ordinary space-separated tokens in chunks_stem;
 * a query's CJK run becomes the phrase of its pairs (fts.c), which matches exactly where the run
 * occurs as a substring.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "text/tok_internal.h"

int store_cjk_letter(uint32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) ||   /* hiragana, katakana */
         (c >= 0x3400 && c <= 0x4DBF) ||   /* CJK extension A */
         (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK unified ideographs */
         (c >= 0xAC00 && c <= 0xD7AF) ||   /* Hangul syllables */
         (c >= 0x1100 && c <= 0x11FF) ||   /* Hangul jamo */
         (c >= 0x3130 && c <= 0x318F) ||   /* Hangul compatibility jamo */
         (c >= 0xF900 && c <= 0xFAFF) ||   /* CJK compatibility ideographs */
         (c >= 0xFF66 && c <= 0xFF9F) ||   /* half-width katakana */
         (c >= 0x20000 && c <= 0x3134F) || /* CJK extensions B..G */
         c == 0x30FC;                      /* prolonged sound mark */
}

int store_cjk_grams(const char *text, size_t len, char **out) {
  *out = NULL;
  const unsigned char *u = (const unsigned char *)text;
  char *d = NULL;
  size_t n = 0, pos = 0;
  size_t prev_at = 0, prev_len = 0; /* the previous CJK letter of the current run */
  int run = 0;                      /* letters in the current run */
  while (pos <= len) {
    size_t at = pos;
    uint32_t c = pos < len ? tok_utf8_next(u, len, &pos) : 0;
    if (pos == at) pos++; /* the end */
    int cjk = at < len && store_cjk_letter(c);
    if (cjk && !d && !(d = malloc(3 * len + 2))) return BRASS_ENOMEM; /* pairs: < 7/3 x text */
    if (cjk) {
      if (run >= 1) { /* the pair prev + this */
        if (n) d[n++] = ' ';
        memcpy(d + n, text + prev_at, prev_len + (pos - at));
        n += prev_len + (pos - at);
      }
      run++;
      prev_at = at;
      prev_len = pos - at;
    } else {
      if (run == 1) { /* a lone letter is its own token */
        if (n) d[n++] = ' ';
        memcpy(d + n, text + prev_at, prev_len);
        n += prev_len;
      }
      run = 0;
    }
  }
  if (d) d[n] = '\0';
  *out = d;
  return 0;
}

int store_cjk_fill(store *st, brass_error *err) {
  static const char sel[] = "SELECT id, body FROM chunks";
  static const char upd[] = "UPDATE chunks SET grams = ?2 WHERE id = ?1";
  sqlite3_stmt *s, *w = NULL;
  int rc = sqlite3_prepare_v2(st->db, sel, -1, &s, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "reading chunks for CJK pairs", err);
  int ret = 0;
  while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    char *g = NULL;
    if (store_cjk_grams((const char *)sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1),
                        &g)) {
      ret = err_set(err, BRASS_ENOMEM, "%s: out of memory", st->path);
      break;
    }
    if (!g) continue;
    if (!w && (rc = sqlite3_prepare_v2(st->db, upd, -1, &w, NULL)) != SQLITE_OK) {
      free(g);
      ret = store_sqlerr(st, rc, "storing CJK pairs", err);
      break;
    }
    sqlite3_bind_int64(w, 1, sqlite3_column_int64(s, 0));
    sqlite3_bind_text(w, 2, g, -1, free);
    if ((rc = sqlite3_step(w)) != SQLITE_DONE) ret = store_sqlerr(st, rc, "storing CJK pairs", err);
    sqlite3_reset(w);
  }
  if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
    ret = store_sqlerr(st, rc, "reading chunks for CJK pairs", err);
  sqlite3_finalize(s);
  sqlite3_finalize(w);
  return ret;
}
