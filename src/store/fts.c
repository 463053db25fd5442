/*
 * fts.c - BM25 keyword search over chunk text and heading path with SQLite's FTS5.
 *
 * User text never reaches the FTS5 query parser as syntax: it is cut into words at ASCII spaces
 * and punctuation (bytes >= 0x80 stay inside words, so UTF-8 letters survive) and every word is
 * quoted, then the words are joined with OR (any) or AND (all). FTS5's own tokenizer (unicode61,
 * diacritics removed) then splits and folds each quoted word exactly as it did the indexed text.
 * Scores are -bm25 with body weight 1.0 and heading weight 0.5 (the rank set in schema.c), so
 * larger is better.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define STORE_FTS_MAX_WORDS 64
#define STORE_FTS_MAX_QUERY 4096

static int store_fts_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '_';
}

/* Builds the FTS5 MATCH expression for query into a heap string *out; *out stays NULL when the
 * query has no words. */
static int store_fts_expr(const char *query, int mode, char **out) {
  *out = NULL;
  size_t qlen = strnlen(query, STORE_FTS_MAX_QUERY);
  /* Each word costs at most its length + 2 quotes + " AND ". */
  char *e = malloc(qlen * 8 + 16);
  if (!e) return BRASS_ENOMEM;
  size_t n = 0;
  int words = 0;
  const unsigned char *p = (const unsigned char *)query, *end = p + qlen;
  while (p < end && words < STORE_FTS_MAX_WORDS) {
    while (p < end && !store_fts_word_byte(*p)) p++;
    const unsigned char *w = p;
    while (p < end && store_fts_word_byte(*p)) p++;
    if (p == w) break;
    if (words++) {
      const char *op = mode == STORE_FTS_ALL ? " AND " : " OR ";
      memcpy(e + n, op, strlen(op));
      n += strlen(op);
    }
    e[n++] = '"';
    memcpy(e + n, w, (size_t)(p - w));
    n += (size_t)(p - w);
    e[n++] = '"';
  }
  e[n] = '\0';
  if (!words) {
    free(e);
    return 0;
  }
  *out = e;
  return 0;
}

int store_fts_search(store *st, const char *query, int mode, int limit, store_hit **hits, size_t *n,
                     brass_error *err) {
  return store_fts_search_where(st, query, mode, limit, NULL, hits, n, err);
}

int store_fts_search_where(store *st, const char *query, int mode, int limit,
                           const store_accept *acc, store_hit **hits, size_t *n, brass_error *err) {
  static const char sql[] =
      "SELECT rowid, -rank FROM chunks_fts WHERE chunks_fts MATCH ?1 ORDER BY rank LIMIT ?2";
  /* the filter joins the chunk's source and is checked before ORDER BY ... LIMIT */
  static const char sql_where[] =
      "SELECT f.rowid, -f.rank FROM chunks_fts f JOIN chunks c ON c.id = f.rowid"
      " JOIN documents d ON d.id = c.document_id JOIN sources s ON s.id = d.source_id"
      " WHERE chunks_fts MATCH ?1 AND brass_accept(?3, s.path, s.mtime_ns)"
      " ORDER BY f.rank LIMIT ?2";
  *hits = NULL;
  *n = 0;
  if (limit <= 0 || !query) return 0;
  int reg = acc ? store_accept_register(st, err) : 0;
  if (reg < 0) return reg;
  char *expr;
  if (store_fts_expr(query, mode, &expr) < 0)
    return err_set(err, BRASS_ENOMEM, "%s: out of memory building a search", st->path);
  if (!expr) return 0;
  sqlite3_stmt *s;
  int rc = store_stmt(st, acc ? sql_where : sql, &s, err);
  if (rc < 0) {
    free(expr);
    return rc;
  }
  sqlite3_bind_text(s, 1, expr, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 2, limit);
  if (acc) sqlite3_bind_pointer(s, 3, (void *)acc, "brass_accept", NULL);
  store_hit *h = NULL;
  size_t cap = 0, count = 0;
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (count == cap) {
      size_t nc = cap ? cap * 2 : 16;
      if (nc > (size_t)limit) nc = (size_t)limit;
      store_hit *nh = realloc(h, nc * sizeof *nh);
      if (!nh) {
        ret = err_set(err, BRASS_ENOMEM, "%s: out of memory collecting search hits", st->path);
        break;
      }
      h = nh;
      cap = nc;
    }
    h[count].chunk_id = sqlite3_column_int64(s, 0);
    h[count].score = sqlite3_column_double(s, 1);
    count++;
  }
  if (ret == 0 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "searching chunk text", err);
  store_stmt_done(s);
  free(expr);
  if (ret < 0) {
    free(h);
    return ret;
  }
  *hits = h;
  *n = count;
  return 0;
}
