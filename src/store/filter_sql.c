/*
 * filter_sql.c - search filters inside SQL: the function brass_accept(ptr, path, mtime_ns) calls
 * a store_accept predicate handed over with sqlite3_bind_pointer (so no filter text is ever
 * spliced into SQL), and the list of chunk ids a filter allows, which the vector search uses.
 */
#include <stdlib.h>

#include "store/store_internal.h"

static void store_accept_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const store_accept *acc = sqlite3_value_pointer(argv[0], "brass_accept");
  const char *path = (const char *)sqlite3_value_text(argv[1]);
  if (!acc || !acc->fn || !path) {
    sqlite3_result_int(ctx, acc == NULL || acc->fn == NULL);
    return;
  }
  sqlite3_result_int(ctx, acc->fn(acc->ctx, path, sqlite3_value_int64(argv[2])) != 0);
}

int store_accept_register(store *st, brass_error *err) {
  if (st->accept_fn) return 0;
  int rc = sqlite3_create_function_v2(st->db, "brass_accept", 3, SQLITE_UTF8, NULL,
                                      store_accept_sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "registering the search filter", err);
  st->accept_fn = 1;
  return 0;
}

int store_chunk_ids_where(store *st, const store_accept *acc, int64_t **ids, size_t *n,
                          brass_error *err) {
  static const char sql[] =
      "SELECT c.id FROM sources s JOIN documents d ON d.source_id = s.id"
      " JOIN chunks c ON c.document_id = d.id WHERE brass_accept(?1, s.path, s.mtime_ns)"
      " ORDER BY c.id";
  *ids = NULL;
  *n = 0;
  int rc = store_accept_register(st, err);
  if (rc < 0) return rc;
  sqlite3_stmt *s;
  if ((rc = store_stmt(st, sql, &s, err)) < 0) return rc;
  sqlite3_bind_pointer(s, 1, (void *)acc, "brass_accept", NULL);
  int64_t *v = NULL;
  size_t cap = 0, count = 0;
  int ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (count == cap) {
      size_t nc = cap ? cap * 2 : 256;
      int64_t *nv = realloc(v, nc * sizeof *nv);
      if (!nv) {
        ret = err_set(err, BRASS_ENOMEM, "%s: out of memory listing filtered chunks", st->path);
        break;
      }
      v = nv;
      cap = nc;
    }
    v[count++] = sqlite3_column_int64(s, 0);
  }
  if (ret == 0 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "listing filtered chunks", err);
  store_stmt_done(s);
  if (ret < 0) {
    free(v);
    return ret;
  }
  *ids = v;
  *n = count;
  return 0;
}
