/*
 * graph.c - the serialized HNSW graph, stored opaquely: its parameters in the one row of
 * hnsw_params and its bytes split into ordered hnsw_graph parts of at most 64 MiB (SQLite's BLOB
 * limit is 1 GB). Saving replaces the previous graph; the engine saves it in the same transaction
 * as the batch it reflects, so graph and vectors stay consistent. `vectors` records how many
 * vectors the graph held, letting a reader see that it is stale and rebuild from the vectors.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define STORE_GRAPH_PART ((size_t)64 << 20)

int store_graph_drop(store *st, brass_error *err) {
  return store_exec(st, "DELETE FROM hnsw_graph; DELETE FROM hnsw_params", "dropping the graph",
                    err);
}

int store_graph_save(store *st, const store_graph_info *info, const void *data, size_t len,
                     brass_error *err) {
  static const char sql_params[] =
      "INSERT INTO hnsw_params(id, dim, m, ef_construction, ef_search, seed, vectors, bytes,"
      " parts) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  static const char sql_part[] = "INSERT INTO hnsw_graph(part, data) VALUES (?1, ?2)";
  int own = !store_in_transaction(st);
  int rc;
  if (own && (rc = store_begin(st, err)) < 0) return rc;
  if ((rc = store_graph_drop(st, err)) < 0) goto fail;
  size_t parts = (len + STORE_GRAPH_PART - 1) / STORE_GRAPH_PART;
  sqlite3_stmt *s;
  if ((rc = store_stmt(st, sql_params, &s, err)) < 0) goto fail;
  sqlite3_bind_int(s, 1, info->dim);
  sqlite3_bind_int(s, 2, info->M);
  sqlite3_bind_int(s, 3, info->ef_construction);
  sqlite3_bind_int(s, 4, info->ef_search);
  sqlite3_bind_int64(s, 5, (sqlite3_int64)info->seed);
  sqlite3_bind_int64(s, 6, info->vectors);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)len);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)parts);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  if (rc != SQLITE_DONE) {
    rc = store_sqlerr(st, rc, "saving the graph", err);
    goto fail;
  }
  if ((rc = store_stmt(st, sql_part, &s, err)) < 0) goto fail;
  for (size_t i = 0; i < parts; i++) {
    size_t off = i * STORE_GRAPH_PART;
    size_t n = len - off < STORE_GRAPH_PART ? len - off : STORE_GRAPH_PART;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)i);
    sqlite3_bind_blob(s, 2, (const unsigned char *)data + off, (int)n, SQLITE_STATIC);
    rc = sqlite3_step(s);
    store_stmt_done(s);
    if (rc != SQLITE_DONE) {
      rc = store_sqlerr(st, rc, "saving the graph", err);
      goto fail;
    }
  }
  if (own && (rc = store_commit(st, err)) < 0) return rc;
  return 0;
fail:
  if (own) store_rollback(st, NULL);
  return rc;
}

int store_graph_load(store *st, store_graph_info *info, unsigned char **data, size_t *len,
                     brass_error *err) {
  static const char sql_params[] =
      "SELECT dim, m, ef_construction, ef_search, seed, vectors, bytes, parts FROM hnsw_params"
      " WHERE id = 1";
  static const char sql_parts[] = "SELECT part, data FROM hnsw_graph ORDER BY part";
  *data = NULL;
  *len = 0;
  memset(info, 0, sizeof *info);
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql_params, &s, err);
  if (rc < 0) return rc;
  rc = sqlite3_step(s);
  sqlite3_int64 bytes = 0, parts = 0;
  if (rc == SQLITE_ROW) {
    info->dim = sqlite3_column_int(s, 0);
    info->M = sqlite3_column_int(s, 1);
    info->ef_construction = sqlite3_column_int(s, 2);
    info->ef_search = sqlite3_column_int(s, 3);
    info->seed = (uint64_t)sqlite3_column_int64(s, 4);
    info->vectors = sqlite3_column_int64(s, 5);
    bytes = sqlite3_column_int64(s, 6);
    parts = sqlite3_column_int64(s, 7);
  }
  store_stmt_done(s);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return store_sqlerr(st, rc, "loading the graph", err);
  if (bytes < 0 || parts < 0 || (sizeof(size_t) < 8 && bytes > (sqlite3_int64)SIZE_MAX))
    return err_set(err, BRASS_EFORMAT, "%s: the saved graph's size is invalid", st->path);
  unsigned char *buf = malloc(bytes ? (size_t)bytes : 1);
  if (!buf) return err_set(err, BRASS_ENOMEM, "%s: out of memory loading the graph", st->path);
  if ((rc = store_stmt(st, sql_parts, &s, err)) < 0) {
    free(buf);
    return rc;
  }
  size_t off = 0;
  sqlite3_int64 expect = 0;
  int ret = 1;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_bytes(s, 1);
    if (sqlite3_column_int64(s, 0) != expect++ || n > (size_t)bytes - off) {
      ret = err_set(err, BRASS_EFORMAT, "%s: the saved graph's parts are inconsistent", st->path);
      break;
    }
    if (n) memcpy(buf + off, sqlite3_column_blob(s, 1), n);
    off += n;
  }
  if (ret == 1 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "loading the graph", err);
  if (ret == 1 && (off != (size_t)bytes || expect != parts))
    ret = err_set(err, BRASS_EFORMAT, "%s: the saved graph is truncated", st->path);
  store_stmt_done(s);
  if (ret < 0) {
    free(buf);
    return ret;
  }
  *data = buf;
  *len = (size_t)bytes;
  return 1;
}
