/*
 * http.c - per-source records of crawled pages (table source_http, schema.c's
 * store_migration_crawl): ETag and Last-Modified of the version indexed, and its outgoing links.
 * Deleting a source drops its row by cascade.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static char *col_dup(sqlite3_stmt *s, int i, int *oom) {
  const char *v = (const char *)sqlite3_column_text(s, i);
  if (!v || !*v) return NULL;
  char *d = strdup(v);
  if (!d) *oom = 1;
  return d;
}

int store_source_http_get(store *st, int64_t id, char **etag, char **last_modified, char **links,
                          brass_error *err) {
  static const char sql[] =
      "SELECT etag, last_modified, links FROM source_http WHERE source_id = ?1";
  *etag = *last_modified = *links = NULL;
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  int ret = 0, oom = 0;
  if (rc == SQLITE_ROW) {
    *etag = col_dup(s, 0, &oom);
    *last_modified = col_dup(s, 1, &oom);
    *links = col_dup(s, 2, &oom);
    ret = 1;
  } else if (rc != SQLITE_DONE) {
    ret = store_sqlerr(st, rc, "reading a crawled page's record", err);
  }
  store_stmt_done(s);
  if (oom) {
    free(*etag);
    free(*last_modified);
    free(*links);
    *etag = *last_modified = *links = NULL;
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", st->path);
  }
  return ret;
}

int store_source_http_set(store *st, int64_t id, const char *etag, const char *last_modified,
                          const char *links, brass_error *err) {
  static const char sql[] =
      "INSERT OR REPLACE INTO source_http(source_id, etag, last_modified, "
      "links) VALUES (?1, ?2, ?3, ?4)";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_text(s, 2, etag, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, last_modified, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, links, -1, SQLITE_STATIC);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  return rc == SQLITE_DONE ? 0 : store_sqlerr(st, rc, "recording a crawled page", err);
}
