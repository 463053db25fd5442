/*
 * meta.c - the meta key/value table and the embedding model a library is bound to. Vectors from
 * different models are not comparable, so a library records its model (name, dimension, hash of
 * config and weights) once and refuses any other afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

int store_meta_get(store *st, const char *key, char *buf, size_t cap, brass_error *err) {
  static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step(s);
  int ret;
  if (rc == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(s, 0);
    size_t n = v ? strlen(v) : 0;
    if (cap) {
      if (n >= cap) n = cap - 1;
      if (n) memcpy(buf, v, n);
      buf[n] = '\0';
    }
    ret = 1;
  } else if (rc == SQLITE_DONE) {
    ret = 0;
  } else {
    ret = store_sqlerr(st, rc, "reading library metadata", err);
  }
  store_stmt_done(s);
  return ret;
}

int store_meta_set(store *st, const char *key, const char *value, brass_error *err) {
  static const char sql[] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  return rc == SQLITE_DONE ? 0 : store_sqlerr(st, rc, "writing library metadata", err);
}

int store_model_get(store *st, store_model_info *out, brass_error *err) {
  memset(out, 0, sizeof *out);
  char dim[32];
  int rc = store_meta_get(st, "model_name", out->name, sizeof out->name, err);
  if (rc <= 0) {
    if (rc == 0) st->model_dim = 0;
    return rc;
  }
  if ((rc = store_meta_get(st, "model_dim", dim, sizeof dim, err)) < 0) return rc;
  if (rc == 0 || (out->dim = atoi(dim)) <= 0)
    return err_set(err, BRASS_EFORMAT, "%s: the library's model record is incomplete", st->path);
  if ((rc = store_meta_get(st, "model_hash", out->hash, sizeof out->hash, err)) < 0) return rc;
  st->model_dim = out->dim;
  return 1;
}

int store_model_bind(store *st, const store_model_info *m, brass_error *err) {
  if (!m->name[0] || m->dim <= 0)
    return err_set(err, BRASS_EINVAL, "%s: model needs a name and a positive dimension", st->path);
  store_model_info have;
  int rc = store_model_get(st, &have, err);
  if (rc < 0) return rc;
  if (rc == 1) {
    if (strcmp(have.name, m->name) == 0 && have.dim == m->dim && strcmp(have.hash, m->hash) == 0)
      return 0;
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: the library was indexed with model %s (dim %d, hash %.12s), not %s (dim "
                   "%d, hash %.12s); index into a new library to use this model, or run `brass "
                   "index --model %s` to keep using this library",
                   st->path, have.name, have.dim, have.hash, m->name, m->dim, m->hash, have.name);
  }
  int own = !store_in_transaction(st);
  if (own && (rc = store_begin(st, err)) < 0) return rc;
  char dim[32];
  snprintf(dim, sizeof dim, "%d", m->dim);
  if ((rc = store_meta_set(st, "model_name", m->name, err)) < 0 ||
      (rc = store_meta_set(st, "model_dim", dim, err)) < 0 ||
      (rc = store_meta_set(st, "model_hash", m->hash, err)) < 0) {
    if (own) store_rollback(st, NULL);
    return rc;
  }
  if (own && (rc = store_commit(st, err)) < 0) return rc;
  st->model_dim = m->dim;
  return 0;
}
