/*
 * chunks.c - documents, their chunks and one vector per chunk. A chunk row carries its text,
 * byte range and line range in the source, and its heading path; inserting, updating or deleting
 * a chunk keeps chunks_fts in step through triggers (schema.c). Vectors are BLOBs of dim float32
 * in little-endian order, dim being the bound model's dimension.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define STORE_MAX_DIM 65536

int store_document_add(store *st, int64_t source_id, const char *title, int64_t *id,
                       brass_error *err) {
  static const char sql[] = "INSERT INTO documents(source_id, title) VALUES (?1, ?2)";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, source_id);
  sqlite3_bind_text(s, 2, title ? title : "", -1, SQLITE_STATIC);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return err_set(err, BRASS_EINVAL, "%s: adding a document: no source with id %lld", st->path,
                   (long long)source_id);
  if (rc != SQLITE_DONE) return store_sqlerr(st, rc, "adding a document", err);
  if (id) *id = sqlite3_last_insert_rowid(st->db);
  return 0;
}

int store_chunk_add(store *st, const store_chunk *c, int64_t *id, brass_error *err) {
  static const char sql[] =
      "INSERT INTO chunks(document_id, seq, body, byte_start, byte_end, line_start, line_end,"
      " heading, title, grams, terms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
  if (!c->text && c->text_len)
    return err_set(err, BRASS_EINVAL, "%s: adding a chunk: NULL text", st->path);
  if (c->text_len > 0x7fffffff)
    return err_set(err, BRASS_ERANGE, "%s: adding a chunk: text of %zu bytes is too long", st->path,
                   c->text_len);
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, c->document_id);
  sqlite3_bind_int(s, 2, c->seq);
  sqlite3_bind_text(s, 3, c->text ? c->text : "", (int)c->text_len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 4, c->byte_start);
  sqlite3_bind_int64(s, 5, c->byte_end);
  sqlite3_bind_int(s, 6, c->line_start);
  sqlite3_bind_int(s, 7, c->line_end);
  sqlite3_bind_text(s, 8, c->heading ? c->heading : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 9, c->title ? c->title : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 11, c->terms ? c->terms : "", -1, SQLITE_STATIC);
  char *grams = NULL;
  if (store_cjk_grams(c->text ? c->text : "", c->text_len, &grams)) {
    sqlite3_reset(s);
    return err_set(err, BRASS_ENOMEM, "%s: adding a chunk: out of memory", st->path);
  }
  sqlite3_bind_text(s, 10, grams ? grams : "", -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(s);
  free(grams);
  store_stmt_done(s);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return err_set(err, BRASS_EINVAL, "%s: adding a chunk: no document with id %lld", st->path,
                   (long long)c->document_id);
  if (rc != SQLITE_DONE) return store_sqlerr(st, rc, "adding a chunk", err);
  if (id) *id = sqlite3_last_insert_rowid(st->db);
  return 0;
}

int store_chunk_get(store *st, int64_t id, store_chunk *out, char **owned, brass_error *err) {
  static const char sql[] =
      "SELECT document_id, seq, body, byte_start, byte_end, line_start, line_end, heading"
      " FROM chunks WHERE id = ?1";
  memset(out, 0, sizeof *out);
  *owned = NULL;
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  int ret = 0;
  if (rc == SQLITE_ROW) {
    /* One block: text NUL heading NUL. */
    const char *text = (const char *)sqlite3_column_text(s, 2);
    size_t tlen = (size_t)sqlite3_column_bytes(s, 2);
    const char *head = (const char *)sqlite3_column_text(s, 7);
    size_t hlen = (size_t)sqlite3_column_bytes(s, 7);
    char *block = malloc(tlen + hlen + 2);
    if (!block) {
      ret = err_set(err, BRASS_ENOMEM, "%s: out of memory reading chunk %lld", st->path,
                    (long long)id);
    } else {
      if (tlen) memcpy(block, text, tlen);
      block[tlen] = '\0';
      if (hlen) memcpy(block + tlen + 1, head, hlen);
      block[tlen + 1 + hlen] = '\0';
      out->id = id;
      out->document_id = sqlite3_column_int64(s, 0);
      out->seq = sqlite3_column_int(s, 1);
      out->text = block;
      out->text_len = tlen;
      out->byte_start = sqlite3_column_int64(s, 3);
      out->byte_end = sqlite3_column_int64(s, 4);
      out->line_start = sqlite3_column_int(s, 5);
      out->line_end = sqlite3_column_int(s, 6);
      out->heading = block + tlen + 1;
      *owned = block;
      ret = 1;
    }
  } else if (rc != SQLITE_DONE) {
    ret = store_sqlerr(st, rc, "reading a chunk", err);
  }
  store_stmt_done(s);
  return ret;
}

int store_chunk_source(store *st, int64_t chunk_id, int64_t *source_id, char **path,
                       brass_error *err) {
  static const char sql[] =
      "SELECT s.id, s.path FROM chunks c JOIN documents d ON d.id = c.document_id"
      " JOIN sources s ON s.id = d.source_id WHERE c.id = ?1";
  *path = NULL;
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, chunk_id);
  rc = sqlite3_step(s);
  int ret = 0;
  if (rc == SQLITE_ROW) {
    *source_id = sqlite3_column_int64(s, 0);
    const char *p = (const char *)sqlite3_column_text(s, 1);
    *path = strdup(p ? p : "");
    ret = *path ? 1 : err_set(err, BRASS_ENOMEM, "%s: out of memory", st->path);
  } else if (rc != SQLITE_DONE) {
    ret = store_sqlerr(st, rc, "finding the source of a chunk", err);
  }
  store_stmt_done(s);
  return ret;
}

int64_t store_chunk_count(store *st, brass_error *err) {
  static const char sql[] = "SELECT count(*) FROM chunks";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  rc = sqlite3_step(s);
  int64_t n =
      rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : store_sqlerr(st, rc, "counting chunks", err);
  store_stmt_done(s);
  return n;
}

/* Checks dim against the bound model (read once per handle and cached). */
static int store_check_dim(store *st, int dim, brass_error *err) {
  if (dim <= 0 || dim > STORE_MAX_DIM)
    return err_set(err, BRASS_ERANGE, "%s: vector dimension %d out of range", st->path, dim);
  if (st->model_dim < 0) {
    store_model_info m;
    int rc = store_model_get(st, &m, err);
    if (rc < 0) return rc;
  }
  if (st->model_dim > 0 && dim != st->model_dim)
    return err_set(err, BRASS_EINVAL, "%s: vector of dimension %d, but the library's model has %d",
                   st->path, dim, st->model_dim);
  return 0;
}

int store_vector_put(store *st, int64_t chunk_id, const float *v, int dim, brass_error *err) {
  static const char sql[] = "INSERT OR REPLACE INTO vectors(chunk_id, embedding) VALUES (?1, ?2)";
  int rc = store_check_dim(st, dim, err);
  if (rc < 0) return rc;
  sqlite3_stmt *s;
  if ((rc = store_stmt(st, sql, &s, err)) < 0) return rc;
  sqlite3_bind_int64(s, 1, chunk_id);
  sqlite3_bind_blob(s, 2, v, dim * (int)sizeof(float), SQLITE_STATIC);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return err_set(err, BRASS_EINVAL, "%s: storing a vector: no chunk with id %lld", st->path,
                   (long long)chunk_id);
  return rc == SQLITE_DONE ? 0 : store_sqlerr(st, rc, "storing a vector", err);
}

int store_vector_get(store *st, int64_t chunk_id, float *out, int dim, brass_error *err) {
  static const char sql[] = "SELECT embedding FROM vectors WHERE chunk_id = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(s, 1, chunk_id);
  rc = sqlite3_step(s);
  int ret = 0;
  if (rc == SQLITE_ROW) {
    int bytes = sqlite3_column_bytes(s, 0);
    if (dim <= 0 || bytes != dim * (int)sizeof(float)) {
      ret = err_set(err, BRASS_EFORMAT, "%s: vector of chunk %lld has %d bytes, expected %d floats",
                    st->path, (long long)chunk_id, bytes, dim);
    } else {
      memcpy(out, sqlite3_column_blob(s, 0), (size_t)bytes);
      ret = 1;
    }
  } else if (rc != SQLITE_DONE) {
    ret = store_sqlerr(st, rc, "reading a vector", err);
  }
  store_stmt_done(s);
  return ret;
}

int store_vector_foreach(store *st, int (*fn)(void *ctx, int64_t chunk_id, const float *v, int dim),
                         void *ctx, brass_error *err) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, "SELECT chunk_id, embedding FROM vectors ORDER BY chunk_id",
                              -1, &s, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "listing vectors", err);
  /* BLOB memory from SQLite is only 1-byte aligned in principle: copy each vector into an
   * aligned scratch buffer that grows to the largest dimension seen. */
  float *buf = NULL;
  int cap = 0, ret = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int bytes = sqlite3_column_bytes(s, 1);
    int dim = bytes / (int)sizeof(float);
    if (dim <= 0 || bytes % (int)sizeof(float)) {
      ret = err_set(err, BRASS_EFORMAT, "%s: vector of chunk %lld has %d bytes", st->path,
                    (long long)sqlite3_column_int64(s, 0), bytes);
      break;
    }
    if (dim > cap) {
      float *nb = realloc(buf, (size_t)dim * sizeof(float));
      if (!nb) {
        ret = err_set(err, BRASS_ENOMEM, "%s: out of memory listing vectors", st->path);
        break;
      }
      buf = nb;
      cap = dim;
    }
    memcpy(buf, sqlite3_column_blob(s, 1), (size_t)bytes);
    if ((ret = fn(ctx, sqlite3_column_int64(s, 0), buf, dim)) != 0) break;
  }
  if (ret == 0 && rc != SQLITE_DONE) ret = store_sqlerr(st, rc, "listing vectors", err);
  free(buf);
  sqlite3_finalize(s);
  return ret;
}
