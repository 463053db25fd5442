/*
 * progress.c - per-source records kept in meta (no schema change); deleting a source drops them.
 *  - Progress of a file written in several batches: a large file is committed a batch of chunks
 *    at a time; until its last batch is in, the library records which content (SHA-256) is being
 *    written and how many of its chunks are committed ("partial:<source id>"), so a later run
 *    continues after them instead of starting over, and status can say that a source is partial.
 *  - Explicitly indexed files ("explicit:<source id>"): a file given by name to `brass index` is
 *    not removed by a later run over a folder above it whose walk does not select it (hidden,
 *    ignored); only its disappearance or `brass remove` takes it out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static void progress_key(char *key, size_t cap, int64_t id) {
  snprintf(key, cap, "partial:%lld", (long long)id);
}

int store_source_progress_get(store *st, int64_t id, unsigned char sha256[32], int64_t *done,
                              brass_error *err) {
  char key[48], val[96];
  progress_key(key, sizeof key, id);
  int rc = store_meta_get(st, key, val, sizeof val, err);
  if (rc <= 0) return rc;
  long long n = -1;
  for (int i = 0; i < 32; i++) {
    unsigned int b;
    if (sscanf(val + 2 * i, "%2x", &b) != 1) return 0; /* unreadable record: start over */
    sha256[i] = (unsigned char)b;
  }
  if (sscanf(val + 64, " %lld", &n) != 1 || n < 0) return 0;
  *done = n;
  return 1;
}

int store_source_progress_set(store *st, int64_t id, const unsigned char sha256[32], int64_t done,
                              brass_error *err) {
  char key[48], val[96];
  progress_key(key, sizeof key, id);
  for (int i = 0; i < 32; i++) snprintf(val + 2 * i, 3, "%02x", sha256[i]);
  snprintf(val + 64, sizeof val - 64, " %lld", (long long)done);
  return store_meta_set(st, key, val, err);
}

static int meta_delete(store *st, const char *key, brass_error *err) {
  static const char sql[] = "DELETE FROM meta WHERE key = ?1";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(s);
  store_stmt_done(s);
  return rc == SQLITE_DONE ? 0 : store_sqlerr(st, rc, "clearing a source's record", err);
}

int store_source_progress_clear(store *st, int64_t id, brass_error *err) {
  char key[48];
  progress_key(key, sizeof key, id);
  return meta_delete(st, key, err);
}

int store_source_records_clear(store *st, int64_t id, brass_error *err) {
  char key[48];
  snprintf(key, sizeof key, "explicit:%lld", (long long)id);
  int rc = meta_delete(st, key, err);
  return rc ? rc : store_source_progress_clear(st, id, err);
}

int64_t store_source_progress_count(store *st, brass_error *err) {
  static const char sql[] = "SELECT count(*) FROM meta WHERE key GLOB 'partial:*'";
  sqlite3_stmt *s;
  int rc = store_stmt(st, sql, &s, err);
  if (rc < 0) return rc;
  rc = sqlite3_step(s);
  int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0)
                               : store_sqlerr(st, rc, "counting partial sources", err);
  store_stmt_done(s);
  return n;
}

int store_source_explicit_get(store *st, int64_t id, brass_error *err) {
  char key[48], val[8];
  snprintf(key, sizeof key, "explicit:%lld", (long long)id);
  return store_meta_get(st, key, val, sizeof val, err);
}

int store_source_explicit_set(store *st, int64_t id, brass_error *err) {
  char key[48];
  snprintf(key, sizeof key, "explicit:%lld", (long long)id);
  return store_meta_set(st, key, "1", err);
}
