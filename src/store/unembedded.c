/*
 * unembedded.c - counting vectors and finding the chunks that have none. A chunk stored without
 * a model (keyword-only indexing) has no vector until an indexing run with a model embeds it;
 * status must count what is there rather than assume one vector per chunk, and an indexing run
 * must find every such chunk, wherever its source lies.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

int64_t store_vector_count(store *st, brass_error *err) {
  static const char sql[] = "SELECT count(*) FROM vectors";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  rc = sqlite3_step(s);
  int64_t n =
      rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : store_sqlerr(st, rc, "counting vectors", err);
  store_stmt_done(s);
  return n;
}

int64_t store_chunks_unembedded_count(store *st, brass_error *err) {
  static const char sql[] =
      "SELECT count(*) FROM chunks c"
      " WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  rc = sqlite3_step(s);
  int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0)
                               : store_sqlerr(st, rc, "counting chunks without vectors", err);
  store_stmt_done(s);
  return n;
}

int store_sources_unembedded(store *st, int64_t **ids, size_t *n, brass_error *err) {
  static const char sql[] =
      "SELECT DISTINCT d.source_id FROM chunks c JOIN documents d ON d.id = c.document_id"
      " WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id) ORDER BY 1";
  *ids = NULL;
  *n = 0;
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  size_t cap = 0;
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      int64_t *a = realloc(*ids, cap * sizeof *a);
      if (!a) {
        ret = err_set(err, BRASS_ENOMEM, "%s: out of memory", st->path);
        break;
      }
      *ids = a;
    }
    (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
  }
  if (!ret && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "finding chunks without vectors", err);
  store_stmt_done(s);
  if (ret) {
    free(*ids);
    *ids = NULL;
    *n = 0;
  }
  return ret;
}

int store_chunks_unembedded(store *st, int64_t after, int limit,
                            int (*fn)(void *ctx, int64_t chunk_id, const char *text, size_t len),
                            void *ctx, brass_error *err) {
  static const char sql[] =
      "SELECT c.id, c.body FROM chunks c WHERE c.id > ?1"
      " AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id) ORDER BY c.id LIMIT ?2";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, after);
  sqlite3_bind_int(s, 2, limit);
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(s, 1);
    if ((ret = fn(ctx, sqlite3_column_int64(s, 0), t ? t : "",
                  (size_t)sqlite3_column_bytes(s, 1))) != 0)
      break;
  }
  if (!ret && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "finding chunks without vectors", err);
  store_stmt_done(s);
  return ret;
}
