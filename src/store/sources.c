/*
 * sources.c - the files and URLs a library indexed: path, size, mtime and SHA-256 of the content.
 * The engine diffs a folder against these rows: same path and hash -> unchanged; same hash under a
 * new path -> a rename (store_source_rename keeps the chunks and vectors); new hash -> re-chunk
 * (store_source_clear_documents, then store_source_update). Deleting a source cascades through
 * documents, chunks and vectors (foreign keys) and the FTS rows (triggers).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

void store_source_clear(store_source *s) {
  free(s->path);
  memset(s, 0, sizeof *s);
}

/* Copies the current row (id, path, size, mtime_ns, sha256) of s into out. */
static int store_source_row(store *st, sqlite3_stmt *s, store_source *out, int copy_path,
                            brass_error *err) {
  memset(out, 0, sizeof *out);
  out->id = sqlite3_column_int64(s, 0);
  const char *path = (const char *)sqlite3_column_text(s, 1);
  if (copy_path) {
    out->path = strdup(path ? path : "");
    if (!out->path) return err_set(err, BRASS_ENOMEM, "%s: out of memory", st->path);
  } else {
    out->path = (char *)(path ? path : "");
  }
  out->size = sqlite3_column_int64(s, 2);
  out->mtime_ns = sqlite3_column_int64(s, 3);
  if (sqlite3_column_bytes(s, 4) == 32) memcpy(out->sha256, sqlite3_column_blob(s, 4), 32);
  return 0;
}

/* Runs a one-row lookup statement whose parameters are bound; 1 found, 0 not. */
static int store_source_lookup(store *st, sqlite3_stmt *s, store_source *out, brass_error *err) {
  memset(out, 0, sizeof *out);
  int rc = sqlite3_step(s), ret;
  if (rc == SQLITE_ROW)
    ret = store_source_row(st, s, out, 1, err) < 0 ? BRASS_ENOMEM : 1;
  else if (rc == SQLITE_DONE)
    ret = 0;
  else
    ret = store_sqlerr(st, rc, "looking up a source", err);
  store_stmt_done(s);
  return ret;
}

/* Steps a write statement once; when id is non-zero, no changed row means no such source. */
static int store_write(store *st, sqlite3_stmt *s, const char *what, int64_t id, brass_error *err) {
  int rc = sqlite3_step(s);
  store_stmt_done(s);
  if (rc != SQLITE_DONE) return store_sqlerr(st, rc, what, err);
  if (id && sqlite3_changes(st->db) == 0)
    return err_set(err, BRASS_EINVAL, "%s: %s: no source with id %lld", st->path, what,
                   (long long)id);
  return 0;
}

int store_source_add(store *st, const char *path, int64_t size, int64_t mtime_ns,
                     const unsigned char sha256[32], int64_t *id, brass_error *err) {
  static const char sql[] =
      "INSERT INTO sources(path, size, mtime_ns, sha256) VALUES (?1, ?2, ?3, ?4)";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, size);
  sqlite3_bind_int64(s, 3, mtime_ns);
  sqlite3_bind_blob(s, 4, sha256, 32, SQLITE_STATIC);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    return err_set(err, BRASS_EINVAL, "%s: source %s is already in the library", st->path, path);
  if (rc != SQLITE_DONE) return store_sqlerr(st, rc, "adding a source", err);
  if (id) *id = sqlite3_last_insert_rowid(st->db);
  return 0;
}

int store_source_update(store *st, int64_t id, int64_t size, int64_t mtime_ns,
                        const unsigned char sha256[32], brass_error *err) {
  static const char sql[] =
      "UPDATE sources SET size = ?2, mtime_ns = ?3, sha256 = ?4,"
      " indexed_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_int64(s, 2, size);
  sqlite3_bind_int64(s, 3, mtime_ns);
  sqlite3_bind_blob(s, 4, sha256, 32, SQLITE_STATIC);
  return store_write(st, s, "updating a source", id, err);
}

int store_source_rename(store *st, int64_t id, const char *new_path, brass_error *err) {
  static const char sql[] = "UPDATE sources SET path = ?2 WHERE id = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_text(s, 2, new_path, -1, SQLITE_STATIC);
  return store_write(st, s, "renaming a source", id, err);
}

int store_source_delete(store *st, int64_t id, brass_error *err) {
  static const char sql[] = "DELETE FROM sources WHERE id = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  rc = store_write(st, s, "deleting a source", id, err);
  return rc ? rc : store_source_records_clear(st, id, err);
}

int store_source_clear_documents(store *st, int64_t id, brass_error *err) {
  static const char sql[] = "DELETE FROM documents WHERE source_id = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  return store_write(st, s, "deleting the documents of a source", 0, err);
}

int store_source_find(store *st, const char *path, store_source *out, brass_error *err) {
  static const char sql[] = "SELECT id, path, size, mtime_ns, sha256 FROM sources WHERE path = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
  return store_source_lookup(st, s, out, err);
}

int store_source_find_by_hash(store *st, const unsigned char sha256[32], store_source *out,
                              brass_error *err) {
  static const char sql[] =
      "SELECT id, path, size, mtime_ns, sha256 FROM sources WHERE sha256 = ?1 ORDER BY id LIMIT 1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_blob(s, 1, sha256, 32, SQLITE_STATIC);
  return store_source_lookup(st, s, out, err);
}

int store_source_foreach(store *st, int (*fn)(void *ctx, const store_source *s), void *ctx,
                         brass_error *err) {
  /* Not cached: fn may call back into the store (another lookup) while this one is running. */
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(
      st->db, "SELECT id, path, size, mtime_ns, sha256 FROM sources ORDER BY id", -1, &s, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "listing sources", err);
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    store_source src;
    store_source_row(st, s, &src, 0, err);
    if ((ret = fn(ctx, &src)) != 0) break;
  }
  if (ret == 0 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "listing sources", err);
  sqlite3_finalize(s);
  return ret;
}
