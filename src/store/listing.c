/*
 * listing.c - read-only listings for front ends that show a library's contents: every source with
 * its chunk count, and one source's chunks in document order (the browser's preview reads the
 * text back from here, as the original files are not kept). Statements are not cached: callbacks
 * may call back into the store while a listing runs.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

int store_source_list(store *st,
                      int (*fn)(void *ctx, const char *path, int64_t bytes, int64_t chunks),
                      void *ctx, brass_error *err) {
  static const char sql[] =
      "SELECT s.path, s.size, (SELECT count(*) FROM documents d JOIN chunks c"
      " ON c.document_id = d.id WHERE d.source_id = s.id) FROM sources s ORDER BY s.path";
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "listing sources", err);
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *p = (const char *)sqlite3_column_text(s, 0);
    if ((ret = fn(ctx, p ? p : "", sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2))) != 0)
      break;
  }
  if (ret == 0 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "listing sources", err);
  sqlite3_finalize(s);
  return ret;
}

int store_source_chunks(store *st, const char *path, int (*fn)(void *ctx, const store_chunk *c),
                        void *ctx, brass_error *err) {
  static const char sql[] =
      "SELECT c.id, c.document_id, c.seq, c.body, c.byte_start, c.byte_end, c.line_start,"
      " c.line_end, c.heading FROM sources s JOIN documents d ON d.source_id = s.id"
      " JOIN chunks c ON c.document_id = d.id WHERE s.path = ?1 ORDER BY d.id, c.seq";
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "reading a source's chunks", err);
  sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    store_chunk c;
    const char *text = (const char *)sqlite3_column_text(s, 3);
    const char *head = (const char *)sqlite3_column_text(s, 8);
    c.id = sqlite3_column_int64(s, 0);
    c.document_id = sqlite3_column_int64(s, 1);
    c.seq = sqlite3_column_int(s, 2);
    c.text = text ? text : "";
    c.text_len = (size_t)sqlite3_column_bytes(s, 3);
    c.byte_start = sqlite3_column_int64(s, 4);
    c.byte_end = sqlite3_column_int64(s, 5);
    c.line_start = sqlite3_column_int(s, 6);
    c.line_end = sqlite3_column_int(s, 7);
    c.heading = head ? head : "";
    if ((ret = fn(ctx, &c)) != 0) break;
  }
  if (ret == 0 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "reading a source's chunks", err);
  sqlite3_finalize(s);
  return ret;
}
