/*
 * fts.c - BM25 keyword search over chunk title, heading path and text with SQLite's FTS5.
 *
 * The query is parsed by store_query_parse (fts_query.c) and rewritten into an FTS5 expression in
 * which every user term is a quoted string, so user text never reaches the FTS5 parser as syntax:
 *   (required phrases AND ...) AND (plain words and prefixes joined by OR (any) / AND (all))
 *   NOT (excluded terms joined by OR)
 * Two indexes answer it (schema.c): chunks_stem (porter stemming over unicode61, plus the CJK
 * character pairs in its grams column) and chunks_fts (exact words). A chunk's score is
 *   -bm25(chunks_stem) + STORE_FTS_EXACT_WEIGHT * -bm25(chunks_fts)
 * so "files" finds "file" while a chunk holding the exact identifier still ranks above one that
 * only shares its stem. In both, title and heading words weigh more than body words (BM25 column
 * weights, STORE_FTS_W_*), and so do a chunk's key terms (the HTML <dt> texts in it, such as
 * Sphinx's API signatures, so the page that defines a name outranks the pages that mention it; and
 * in a document's first chunk its first 30 words, which say what the document is about). A
 * query with CJK terms is answered by chunks_stem alone (chunks_fts has no pairs); a CJK run
 * matches any of its character pairs, ranked by BM25 (in a "phrase" or excluded: all of them, in
 * order). Larger scores are better.
 */
#include <stdlib.h>
#include <string.h>

#include "base/str_buf.h"
#include "store/store_internal.h"

#define STORE_FTS_W_TITLE 4.0
#define STORE_FTS_W_HEADING 2.0
#define STORE_FTS_W_BODY 1.0
#define STORE_FTS_W_TERMS 4.0 /* key terms: what a chunk defines, what a document is about */
#define STORE_FTS_EXACT_WEIGHT 0.5

/* One term as an FTS5 string: "text" (quotes doubled), "text"* for a prefix, and for a CJK run
 * the phrase of its character pairs in the grams column. */
static void fts_term(str_buf *b, const store_term *t) {
  char *pairs = NULL;
  if (t->cjk && !t->required && !t->excluded) { /* any of its pairs, ranked by BM25 */
    if (store_cjk_grams(t->text, strlen(t->text), &pairs)) {
      b->failed = 1;
      return;
    }
    const char *p = pairs ? pairs : "";
    for (int n = 0; *p; n++) {
      size_t len = strcspn(p, " ");
      str_buf_puts(b, n ? " OR grams : \"" : "grams : \"");
      str_buf_put(b, p, len);
      str_buf_put(b, "\"", 1);
      p += len;
      while (*p == ' ') p++;
    }
    free(pairs);
    return;
  }
  const char *s = t->text;
  if (t->cjk) {
    if (store_cjk_grams(t->text, strlen(t->text), &pairs)) {
      b->failed = 1;
      return;
    }
    if (pairs) s = pairs;
    str_buf_puts(b, "grams : ");
  }
  str_buf_put(b, "\"", 1);
  for (; *s; s++) str_buf_put(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
  str_buf_put(b, "\"", 1);
  if (t->kind == STORE_TERM_PREFIX) str_buf_put(b, "*", 1);
  free(pairs);
}

/* Appends the terms chosen by pick (0 = positive plain, 1 = required, 2 = excluded), joined by op;
 * returns how many. */
static int fts_join(str_buf *b, const store_query *q, int pick, const char *op) {
  int count = 0;
  for (size_t i = 0; i < q->n; i++) {
    const store_term *t = &q->terms[i];
    int kind = t->excluded ? 2 : t->required ? 1 : 0;
    if (kind != pick) continue;
    if (count++) str_buf_puts(b, op);
    fts_term(b, t);
  }
  return count;
}

/* Builds the FTS5 expression for q into *out (heap); *out stays NULL when nothing can match. */
static int fts_expr(const store_query *q, int mode, char **out) {
  *out = NULL;
  str_buf r = {0}, p = {0}, x = {0}, b = {0};
  int req = fts_join(&r, q, 1, " AND ");
  int pos = fts_join(&p, q, 0, mode == STORE_FTS_ALL ? " AND " : " OR ");
  int exc = fts_join(&x, q, 2, " OR ");
  int failed = r.failed || p.failed || x.failed;
  if (!failed && (req || pos)) {
    str_buf_puts(&b, "(");
    if (req) str_buf_puts(&b, r.d);
    if (req && pos) str_buf_puts(&b, " AND (");
    if (pos) str_buf_puts(&b, p.d);
    str_buf_puts(&b, req && pos ? "))" : ")");
    if (exc) {
      str_buf_puts(&b, " NOT (");
      str_buf_puts(&b, x.d);
      str_buf_puts(&b, ")");
    }
    failed = b.failed;
  }
  free(r.d);
  free(p.d);
  free(x.d);
  if (failed) {
    free(b.d);
    return BRASS_ENOMEM;
  }
  *out = b.d;
  return 0;
}

/* Runs one MATCH against the prepared statement sql; appends up to limit hits to *h. acc: the
 * filter bound to ?6 (NULL: sql has none). */
static int fts_run(store *st, const char *sql, const char *expr, int limit, const store_accept *acc,
                   store_hit **h, size_t *count, brass_error *err) {
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_text(s, 1, expr, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 2, limit);
  sqlite3_bind_double(s, 3, STORE_FTS_W_TITLE);
  sqlite3_bind_double(s, 4, STORE_FTS_W_HEADING);
  sqlite3_bind_double(s, 5, STORE_FTS_W_BODY);
  sqlite3_bind_double(s, 7, STORE_FTS_W_TERMS);
  if (acc) sqlite3_bind_pointer(s, 6, (void *)acc, "brass_accept", NULL);
  size_t cap = *count + (size_t)limit;
  store_hit *nh = realloc(*h, cap * sizeof *nh);
  if (!nh) {
    store_stmt_done(s);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory collecting search hits", st->path);
  }
  *h = nh;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && *count < cap) {
    nh[*count].chunk_id = sqlite3_column_int64(s, 0);
    nh[*count].score = sqlite3_column_double(s, 1);
    (*count)++;
  }
  int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_sqlerr(st, rc, "searching", err);
  store_stmt_done(s);
  return ret;
}

static int fts_by_id(const void *a, const void *b) {
  const store_hit *x = a, *y = b;
  return (x->chunk_id > y->chunk_id) - (x->chunk_id < y->chunk_id);
}

static int fts_by_score(const void *a, const void *b) {
  const store_hit *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return (x->chunk_id > y->chunk_id) - (x->chunk_id < y->chunk_id);
}

int store_fts_search(store *st, const char *query, int mode, int limit, store_hit **hits, size_t *n,
                     brass_error *err) {
  return store_fts_search_where(st, query, mode, limit, NULL, hits, n, err);
}

/* The filtered form joins each hit's source and checks the filter (?6) before ORDER BY ... LIMIT,
 * so a filter never empties the top n that other sources filled. */
#define FTS_FILTER_JOIN \
  " JOIN documents d ON d.id = c.document_id JOIN sources src ON src.id = d.source_id"
#define FTS_FILTER_WHERE " AND brass_accept(?6, src.path, src.mtime_ns)"

int store_fts_search_where(store *st, const char *query, int mode, int limit,
                           const store_accept *acc, store_hit **hits, size_t *n, brass_error *err) {
  static const char stem_sql[] =
      "SELECT rowid, -bm25(chunks_stem, ?3, ?4, ?5, 1.0, ?7) AS s FROM chunks_stem"
      " WHERE chunks_stem MATCH ?1 ORDER BY s DESC LIMIT ?2";
  static const char exact_sql[] =
      "SELECT rowid, -bm25(chunks_fts, ?3, ?4, ?5, ?7) AS s FROM chunks_fts"
      " WHERE chunks_fts MATCH ?1 ORDER BY s DESC LIMIT ?2";
  static const char stem_where[] =
      "SELECT chunks_stem.rowid, -bm25(chunks_stem, ?3, ?4, ?5, 1.0, ?7) AS s FROM chunks_stem"
      " JOIN chunks c ON c.id = chunks_stem.rowid" FTS_FILTER_JOIN
      " WHERE chunks_stem MATCH ?1" FTS_FILTER_WHERE " ORDER BY s DESC LIMIT ?2";
  static const char exact_where[] =
      "SELECT chunks_fts.rowid, -bm25(chunks_fts, ?3, ?4, ?5, ?7) AS s FROM chunks_fts"
      " JOIN chunks c ON c.id = chunks_fts.rowid" FTS_FILTER_JOIN
      " WHERE chunks_fts MATCH ?1" FTS_FILTER_WHERE " ORDER BY s DESC LIMIT ?2";
  *hits = NULL;
  *n = 0;
  if (limit <= 0 || !query) return 0;
  int reg = acc ? store_accept_register(st, err) : 0;
  if (reg < 0) return reg;
  store_query q;
  char *expr = NULL;
  if (store_query_parse(query, &q) || fts_expr(&q, mode, &expr) < 0) {
    store_query_free(&q);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory building a search", st->path);
  }
  int cjk = 0;
  for (size_t i = 0; i < q.n; i++) cjk |= q.terms[i].cjk;
  store_query_free(&q);
  if (!expr) return 0;
  store_hit *h = NULL;
  size_t count = 0, nstem;
  int rc = fts_run(st, acc ? stem_where : stem_sql, expr, limit, acc, &h, &count, err);
  nstem = count;
  if (!rc && !cjk)
    rc = fts_run(st, acc ? exact_where : exact_sql, expr, limit, acc, &h, &count, err);
  free(expr);
  if (rc < 0) {
    free(h);
    return rc;
  }
  /* merge: a chunk's score is its stemmed score plus the weighted exact one */
  for (size_t i = nstem; i < count; i++) h[i].score *= STORE_FTS_EXACT_WEIGHT;
  if (count) qsort(h, count, sizeof *h, fts_by_id);
  size_t m = 0;
  for (size_t i = 0; i < count; i++) {
    if (m && h[m - 1].chunk_id == h[i].chunk_id)
      h[m - 1].score += h[i].score;
    else
      h[m++] = h[i];
  }
  if (m) qsort(h, m, sizeof *h, fts_by_score);
  if (m > (size_t)limit) m = (size_t)limit;
  if (!m) {
    free(h);
    h = NULL;
  }
  *hits = h;
  *n = m;
  return 0;
}
