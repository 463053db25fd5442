/*
 * vecfmt.c - the library's vector format: how its HNSW graph holds the chunk vectors.
 *
 * f32:  the graph holds float32 vectors (every library before int8 vectors).
 * int8: the graph holds int8 codes with a scale per vector (index/hnsw_dot8.h): 4x less search
 *       memory and a smaller saved graph. The vectors table keeps the float32 vectors either way:
 *       searches re-rank the graph's candidates with them (engine/search.c); quantising the
 *       stored vectors too loses recall on crowded embeddings (docs/hnsw.md has the numbers).
 *
 * The meta key "vector_format" ("f32" or "int8") records the choice; the first index run of a
 * library with a model makes it. A library without the key but with vectors is f32 (schema
 * migration store_migration_int8vec writes the key for those; a read-only handle never migrates).
 * Changing the format drops the saved graph, which the next index run rebuilds in the new one.
 */
#include <string.h>

#include "store/store_internal.h"

int store_vector_format(store *st, brass_error *err) {
  char buf[16];
  int rc = store_meta_get(st, "vector_format", buf, sizeof buf, err);
  if (rc < 0) return rc;
  if (rc == 1) {
    if (strcmp(buf, "int8") == 0) return STORE_VECTORS_INT8;
    if (strcmp(buf, "f32") == 0) return STORE_VECTORS_F32;
    return err_set(err, BRASS_EFORMAT, "%s: unknown vector format \"%s\"", st->path, buf);
  }
  static const char sql[] = "SELECT EXISTS (SELECT 1 FROM vectors)";
  sqlite3_stmt *s;
  if ((rc = store_stmt(st, sql, &s, err)) < 0) return rc;
  rc = sqlite3_step(s);
  int ret = rc == SQLITE_ROW ? (sqlite3_column_int(s, 0) ? STORE_VECTORS_F32 : 0)
                             : store_sqlerr(st, rc, "reading the vector format", err);
  store_stmt_done(s);
  return ret;
}

int store_vector_format_set(store *st, int fmt, brass_error *err) {
  if (fmt != STORE_VECTORS_F32 && fmt != STORE_VECTORS_INT8)
    return err_set(err, BRASS_EINVAL, "%s: unknown vector format %d", st->path, fmt);
  int own = !store_in_transaction(st), rc;
  if (own && (rc = store_begin(st, err)) < 0) return rc;
  int have = store_vector_format(st, err);
  rc = have < 0 ? have : 0;
  if (!rc && have && have != fmt) {
    rc = store_graph_drop(st, err);
    if (!rc)
      rc = store_exec(st, "DELETE FROM meta WHERE key = 'graph_generation'", "dropping the graph",
                      err);
  }
  if (!rc)
    rc = store_meta_set(st, "vector_format", fmt == STORE_VECTORS_INT8 ? "int8" : "f32", err);
  if (own) {
    if (!rc) return store_commit(st, err);
    store_rollback(st, NULL);
  }
  return rc;
}
