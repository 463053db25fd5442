/*
 * test_store.c - the library file: create/open/reopen, idempotent migrations, refusal of newer
 * schemas, non-SQLite files and foreign databases, model binding and mismatch, transactions that
 * roll back to nothing, FTS5 BM25 search (matches, ranking, query syntax neutralised), cascading
 * deletes through chunks, vectors and FTS rows, renames that keep chunks, disk-full errors that
 * leave committed data intact, a reader alongside a writer (second handle and second process), and
 * the HNSW graph BLOBs.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef __EMSCRIPTEN__
#include <sys/wait.h>
#endif

#include "base/sha256.h"
#include "check.h"
#include "store/store.h"
#include "store/store_internal.h"

static char tmpdir[256];

/* A fresh library path inside the test's temporary directory (any old file removed). */
static const char *lib_path(const char *name) {
  static char buf[8][512];
  static int k;
  char *p = buf[k++ % 8];
  snprintf(p, 512, "%s/%s", tmpdir, name);
  return p;
}

static void remove_lib(const char *path) {
  char b[600];
  unlink(path);
  snprintf(b, sizeof b, "%s-wal", path);
  unlink(b);
  snprintf(b, sizeof b, "%s-shm", path);
  unlink(b);
}

static int64_t query_int(store *st, const char *sql) {
  sqlite3_stmt *s = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

static const char *query_text(store *st, const char *sql, char *buf, size_t cap) {
  sqlite3_stmt *s = NULL;
  buf[0] = '\0';
  if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return buf;
}

/* 1 if SQLite's and FTS5's own consistency checks pass. */
static int integrity_ok(store *st) {
  char b[64];
  if (strcmp(query_text(st, "PRAGMA integrity_check", b, sizeof b), "ok") != 0) return 0;
  if (strcmp(query_text(st, "PRAGMA foreign_key_check", b, sizeof b), "") != 0) return 0;
  return sqlite3_exec(store_db(st),
                      "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)",
                      NULL, NULL, NULL) == SQLITE_OK;
}

static void hash_of(const char *s, unsigned char out[32]) {
  sha256(s, strlen(s), out);
}

/* Adds one source with one document and the given chunk texts (and a vector per chunk whose
 * first component is the chunk's index). Chunk ids go to ids (if not NULL). */
static int add_source(store *st, const char *path, const char *const *texts, int n, int dim,
                      int64_t *ids, int64_t *source_id) {
  brass_error err;
  unsigned char h[32];
  hash_of(path, h);
  int64_t sid, did;
  if (store_source_add(st, path, 100, 1700000000000000000LL, h, &sid, &err) < 0) return -1;
  if (store_document_add(st, sid, path, &did, &err) < 0) return -1;
  float v[64] = {0};
  for (int i = 0; i < n; i++) {
    store_chunk c = {0};
    c.document_id = did;
    c.seq = i;
    c.text = texts[i];
    c.text_len = strlen(texts[i]);
    c.byte_start = 10 * i;
    c.byte_end = 10 * i + (int64_t)c.text_len;
    c.line_start = i + 1;
    c.line_end = i + 2;
    c.heading = "Top > Sub";
    int64_t cid;
    if (store_chunk_add(st, &c, &cid, &err) < 0) return -1;
    v[0] = (float)i;
    v[1] = 0.5f;
    if (store_vector_put(st, cid, v, dim, &err) < 0) return -1;
    if (ids) ids[i] = cid;
  }
  if (source_id) *source_id = sid;
  return 0;
}

static size_t fts_count(store *st, const char *q, int mode) {
  store_hit *hits;
  size_t n;
  brass_error err;
  if (store_fts_search(st, q, mode, 100, &hits, &n, &err) < 0) return (size_t)-1;
  free(hits);
  return n;
}

static void test_create_reopen(void) {
  const char *p = lib_path("create.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open_flags(p, STORE_NOCREATE, &st, &err) == BRASS_EIO);
  CHECK(strstr(err.message, p) != NULL);
  CHECK(store_open_flags(p, STORE_READONLY, &st, &err) == BRASS_EIO);
  CHECK(store_open(p, &st, &err) == 0);
  CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION);
  char b[64];
  CHECK(strcmp(query_text(st, "PRAGMA journal_mode", b, sizeof b), "wal") == 0);
  CHECK(query_int(st, "PRAGMA foreign_keys") == 1);
  CHECK(query_int(st, "PRAGMA application_id") == STORE_APPLICATION_ID);
  CHECK(store_meta_get(st, "created_by", b, sizeof b, &err) == 1);
  CHECK(strncmp(b, "brass ", 6) == 0);
  CHECK(store_meta_get(st, "no such key", b, sizeof b, &err) == 0);
  CHECK(store_meta_set(st, "k", "v1", &err) == 0);
  int64_t tables = query_int(st, "SELECT count(*) FROM sqlite_master");
  CHECK(tables > 8);
  /* Migrating again changes nothing. */
  CHECK(store_migrate(st, &err) == 0);
  CHECK(query_int(st, "SELECT count(*) FROM sqlite_master") == tables);
  store_close(st);

  for (int i = 0; i < 3; i++) {
    CHECK(store_open(p, &st, &err) == 0);
    CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION);
    CHECK(query_int(st, "SELECT count(*) FROM sqlite_master") == tables);
    CHECK(store_meta_get(st, "k", b, sizeof b, &err) == 1 && strcmp(b, "v1") == 0);
    /* A small buffer gets a truncated, terminated copy. */
    char small[2];
    CHECK(store_meta_get(st, "k", small, sizeof small, &err) == 1 && strcmp(small, "v") == 0);
    store_close(st);
  }
  CHECK(store_open_flags(p, STORE_READONLY, &st, &err) == 0);
  CHECK(store_begin(st, &err) == BRASS_EINVAL);
  CHECK(store_meta_set(st, "k", "v2", &err) < 0);
  store_close(st);
  store_close(NULL);
  remove_lib(p);
}

static void test_refusals(void) {
  brass_error err;
  store *st = NULL;
  /* Newer schema. */
  const char *p = lib_path("newer.brass");
  remove_lib(p);
  CHECK(store_open(p, &st, &err) == 0);
  CHECK(sqlite3_exec(store_db(st), "PRAGMA user_version=99", NULL, NULL, NULL) == SQLITE_OK);
  store_close(st);
  st = (store *)1;
  CHECK(store_open(p, &st, &err) == BRASS_EUNSUPPORTED);
  CHECK(st == NULL);
  CHECK(strstr(err.message, p) && strstr(err.message, "upgrade brass") &&
        strstr(err.message, "99"));
  CHECK(store_open_flags(p, STORE_READONLY, &st, &err) == BRASS_EUNSUPPORTED);
  remove_lib(p);

  /* Not SQLite: a text file and a binary one; both stay byte-for-byte untouched. */
  const char *texts[2] = {"# notes\nthis is a markdown file, not a library\n", NULL};
  char bin[4096];
  for (size_t i = 0; i < sizeof bin; i++) bin[i] = (char)(i * 7 + 3);
  for (int k = 0; k < 2; k++) {
    const char *q = lib_path(k ? "junk.bin" : "notes.md");
    const char *data = k ? bin : texts[0];
    size_t len = k ? sizeof bin : strlen(texts[0]);
    FILE *f = fopen(q, "wb");
    CHECK(f != NULL);
    if (!f) continue;
    fwrite(data, 1, len, f);
    fclose(f);
    CHECK(store_open(q, &st, &err) == BRASS_EFORMAT);
    CHECK(strstr(err.message, q) != NULL);
    CHECK(strstr(err.message, "not an SQLite database") != NULL);
    CHECK(store_open_flags(q, STORE_READONLY, &st, &err) == BRASS_EFORMAT);
    char back[4096];
    f = fopen(q, "rb");
    size_t got = f ? fread(back, 1, sizeof back, f) : 0;
    if (f) fclose(f);
    CHECK(got == len && memcmp(back, data, len) == 0);
    remove_lib(q);
  }

  /* Another application's SQLite database. */
  const char *o = lib_path("other.sqlite");
  remove_lib(o);
  sqlite3 *db;
  CHECK(sqlite3_open(o, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL) == 0);
  sqlite3_close(db);
  CHECK(store_open(o, &st, &err) == BRASS_EFORMAT);
  CHECK(strstr(err.message, o) && strstr(err.message, "not a brass library"));
  remove_lib(o);

  /* A directory. */
  CHECK(store_open(tmpdir, &st, &err) == BRASS_EIO);
  CHECK(store_open("", &st, &err) == BRASS_EINVAL);
}

static void test_model(void) {
  const char *p = lib_path("model.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open(p, &st, &err) == 0);
  store_model_info m = {0}, got;
  CHECK(store_model_get(st, &got, &err) == 0);
  snprintf(m.name, sizeof m.name, "all-MiniLM-L6-v2");
  m.dim = 4;
  unsigned char h[32];
  hash_of("config+weights A", h);
  sha256_hex(h, m.hash);
  CHECK(store_model_bind(st, &m, &err) == 0);
  CHECK(store_model_bind(st, &m, &err) == 0);
  CHECK(store_model_get(st, &got, &err) == 1);
  CHECK(strcmp(got.name, m.name) == 0 && got.dim == 4 && strcmp(got.hash, m.hash) == 0);
  store_close(st);

  CHECK(store_open(p, &st, &err) == 0);
  store_model_info other = m;
  hash_of("config+weights B", h);
  sha256_hex(h, other.hash);
  CHECK(store_model_bind(st, &other, &err) == BRASS_EUNSUPPORTED);
  CHECK(strstr(err.message, p) && strstr(err.message, "brass index --model all-MiniLM-L6-v2") &&
        strstr(err.message, "new library"));
  other = m;
  other.dim = 8;
  CHECK(store_model_bind(st, &other, &err) == BRASS_EUNSUPPORTED);
  other = m;
  snprintf(other.name, sizeof other.name, "bge-small-en-v1.5");
  CHECK(store_model_bind(st, &other, &err) == BRASS_EUNSUPPORTED);
  CHECK(store_model_bind(st, &m, &err) == 0);
  /* Vectors must have the model's dimension. */
  const char *t[] = {"hello"};
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "a.md", t, 1, 4, NULL, NULL) == 0);
  CHECK(add_source(st, "b.md", t, 1, 5, NULL, NULL) < 0);
  CHECK(store_rollback(st, &err) == 0);
  store_model_info bad = {0};
  CHECK(store_model_bind(st, &bad, &err) == BRASS_EINVAL);
  store_close(st);

  /* Binding inside a transaction that is rolled back leaves no model. */
  const char *q = lib_path("model2.brass");
  remove_lib(q);
  CHECK(store_open(q, &st, &err) == 0);
  CHECK(store_begin(st, &err) == 0);
  CHECK(store_model_bind(st, &m, &err) == 0);
  CHECK(store_rollback(st, &err) == 0);
  CHECK(store_model_get(st, &got, &err) == 0);
  CHECK(add_source(st, "c.md", t, 1, 7, NULL, NULL) == 0); /* no model: any dimension */
  store_close(st);
  remove_lib(p);
  remove_lib(q);
}

static void test_rollback(void) {
  const char *p = lib_path("rollback.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open(p, &st, &err) == 0);
  const char *t[] = {"alpha bravo charlie", "delta echo foxtrot", "golf hotel india"};
  CHECK(store_begin(st, &err) == 0);
  CHECK(store_in_transaction(st));
  CHECK(store_begin(st, &err) == BRASS_EINVAL);
  CHECK(add_source(st, "x.md", t, 3, 4, NULL, NULL) == 0);
  CHECK(store_chunk_count(st, &err) == 3);
  CHECK(fts_count(st, "echo", STORE_FTS_ANY) == 1);
  CHECK(store_rollback(st, &err) == 0);
  CHECK(!store_in_transaction(st));
  CHECK(store_chunk_count(st, &err) == 0);
  CHECK(query_int(st, "SELECT count(*) FROM vectors") == 0);
  CHECK(query_int(st, "SELECT count(*) FROM documents") == 0);
  CHECK(query_int(st, "SELECT count(*) FROM sources") == 0);
  CHECK(fts_count(st, "echo", STORE_FTS_ANY) == 0);
  store_source s;
  CHECK(store_source_find(st, "x.md", &s, &err) == 0);
  CHECK(store_commit(st, &err) == BRASS_EINVAL);
  CHECK(store_rollback(st, &err) == 0);
  /* Committed batches persist across a reopen. */
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "y.md", t, 3, 4, NULL, NULL) == 0);
  CHECK(store_commit(st, &err) == 0);
  store_close(st);
  CHECK(store_open(p, &st, &err) == 0);
  CHECK(store_chunk_count(st, &err) == 3);
  CHECK(fts_count(st, "echo", STORE_FTS_ANY) == 1);
  /* An open transaction is rolled back by close. */
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "z.md", t, 3, 4, NULL, NULL) == 0);
  store_close(st);
  CHECK(store_open(p, &st, &err) == 0);
  CHECK(store_chunk_count(st, &err) == 3);
  CHECK(integrity_ok(st));
  store_close(st);
  remove_lib(p);
}

static void test_fts(void) {
  const char *p = lib_path("fts.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open(p, &st, &err) == 0);
  const char *t[] = {
      "the quick brown fox jumps over the lazy dog",
      "zebra zebra zebra grazing",
      ("a long passage about many things where zebra appears once among lots and lots of other "
       "words that dilute it considerably more than anything else in this collection"),
      "Caf\xc3\xa9 culture and espresso",
      "nothing relevant here",
  };
  int64_t ids[5];
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "doc.md", t, 5, 4, ids, NULL) == 0);
  CHECK(store_commit(st, &err) == 0);

  store_hit *hits;
  size_t n;
  CHECK(store_fts_search(st, "zebra", STORE_FTS_ANY, 10, &hits, &n, &err) == 0);
  CHECK(n == 2);
  if (n == 2) {
    /* Term frequency and length normalisation: the short repeated chunk ranks first. */
    CHECK(hits[0].chunk_id == ids[1] && hits[1].chunk_id == ids[2]);
    CHECK(hits[0].score > hits[1].score && hits[1].score > 0);
  }
  free(hits);
  CHECK(store_fts_search(st, "ZEBRA fox", STORE_FTS_ANY, 10, &hits, &n, &err) == 0);
  CHECK(n == 3);
  for (size_t i = 1; i < n; i++) CHECK(hits[i - 1].score >= hits[i].score);
  free(hits);
  CHECK(store_fts_search(st, "zebra fox", STORE_FTS_ALL, 10, &hits, &n, &err) == 0);
  CHECK(n == 0 && hits == NULL);
  CHECK(store_fts_search(st, "zebra grazing", STORE_FTS_ALL, 10, &hits, &n, &err) == 0);
  CHECK(n == 1 && hits[0].chunk_id == ids[1]);
  free(hits);
  /* limit */
  CHECK(store_fts_search(st, "zebra fox", STORE_FTS_ANY, 1, &hits, &n, &err) == 0);
  CHECK(n == 1);
  free(hits);
  /* Diacritics fold both ways; heading path is searchable. */
  CHECK(fts_count(st, "cafe", STORE_FTS_ANY) == 1);
  CHECK(fts_count(st, "CAF\xc3\x89", STORE_FTS_ANY) == 1);
  CHECK(fts_count(st, "sub", STORE_FTS_ANY) == 5);
  /* FTS5 syntax in user text is neutralised, never an error. */
  const char *weird[] = {"\"",
                         "zebra\"",
                         "NEAR(zebra fox)",
                         "zebra*",
                         "-zebra",
                         "zebra AND",
                         "OR",
                         "body:zebra",
                         "(",
                         "^zebra",
                         "{zebra}",
                         "'",
                         "zebra NOT fox",
                         "\xe2\x80\x94",
                         ("zebra \xe2\x80\x9c"
                          "fox\xe2\x80\x9d"),
                         "\xff\xfe"};
  for (size_t i = 0; i < sizeof weird / sizeof weird[0]; i++) {
    size_t c = fts_count(st, weird[i], STORE_FTS_ANY);
    CHECK_MSG(c != (size_t)-1, "query %s", weird[i]);
    c = fts_count(st, weird[i], STORE_FTS_ALL);
    CHECK_MSG(c != (size_t)-1, "query %s", weird[i]);
  }
  CHECK(fts_count(st, "NEAR(zebra fox)", STORE_FTS_ANY) == 3);
  CHECK(fts_count(st, "zebra \xe2\x80\x94", STORE_FTS_ANY) == 2); /* em dash: no word */
  CHECK(fts_count(st, "", STORE_FTS_ANY) == 0);
  CHECK(fts_count(st, " ,.;!? ", STORE_FTS_ANY) == 0);
  CHECK(fts_count(st, "unicorn", STORE_FTS_ANY) == 0);
  /* Updating a chunk's text moves its FTS row. */
  CHECK(sqlite3_exec(store_db(st), "UPDATE chunks SET body = 'unicorn' WHERE seq = 4", NULL, NULL,
                     NULL) == SQLITE_OK);
  CHECK(fts_count(st, "unicorn", STORE_FTS_ANY) == 1);
  CHECK(fts_count(st, "relevant", STORE_FTS_ANY) == 0);
  CHECK(integrity_ok(st));
  store_close(st);
  remove_lib(p);
}

static int count_sources(void *ctx, const store_source *s) {
  (*(int *)ctx)++;
  return s->size == 100 ? 0 : 1;
}

typedef struct vec_ctx {
  int n;
  int64_t last;
  int ordered;
  float sum0;
} vec_ctx;

static int collect_vectors(void *ctx, int64_t id, const float *v, int dim) {
  vec_ctx *c = ctx;
  if (id <= c->last || dim != 4) c->ordered = 0;
  c->last = id;
  c->n++;
  c->sum0 += v[0];
  return 0;
}

static void test_sources_cascade_rename(void) {
  const char *p = lib_path("sources.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open(p, &st, &err) == 0);
  const char *ta[] = {"apple banana", "cherry date", "elderberry fig"};
  const char *tb[] = {"grape honeydew", "kiwi lemon"};
  int64_t ia[3], ib[2], sa, sb;
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "notes/a.md", ta, 3, 4, ia, &sa) == 0);
  CHECK(add_source(st, "notes/b.md", tb, 2, 4, ib, &sb) == 0);
  CHECK(store_commit(st, &err) == 0);

  /* Lookups and round trips. */
  store_source s;
  CHECK(store_source_find(st, "notes/a.md", &s, &err) == 1);
  unsigned char h[32];
  hash_of("notes/a.md", h);
  CHECK(s.id == sa && s.size == 100 && s.mtime_ns == 1700000000000000000LL &&
        memcmp(s.sha256, h, 32) == 0 && strcmp(s.path, "notes/a.md") == 0);
  store_source_clear(&s);
  CHECK(store_source_add(st, "notes/a.md", 1, 1, h, NULL, &err) == BRASS_EINVAL);
  CHECK(strstr(err.message, "notes/a.md") != NULL);
  CHECK(store_source_update(st, 9999, 1, 1, h, &err) == BRASS_EINVAL);
  CHECK(store_source_rename(st, 9999, "q", &err) == BRASS_EINVAL);
  CHECK(store_source_delete(st, 9999, &err) == BRASS_EINVAL);
  CHECK(store_document_add(st, 9999, "t", NULL, &err) == BRASS_EINVAL);
  store_chunk bad = {0};
  bad.document_id = 9999;
  bad.text = "x";
  bad.text_len = 1;
  bad.line_start = bad.line_end = 1;
  CHECK(store_chunk_add(st, &bad, NULL, &err) == BRASS_EINVAL);
  float v4[4] = {1, 2, 3, 4};
  CHECK(store_vector_put(st, 9999, v4, 4, &err) == BRASS_EINVAL);
  int count = 0;
  CHECK(store_source_foreach(st, count_sources, &count, &err) == 0 && count == 2);

  store_chunk c;
  char *owned;
  CHECK(store_chunk_get(st, ia[1], &c, &owned, &err) == 1);
  CHECK(strcmp(c.text, "cherry date") == 0 && c.text_len == 11 && c.seq == 1 &&
        c.byte_start == 10 && c.byte_end == 21 && c.line_start == 2 && c.line_end == 3 &&
        strcmp(c.heading, "Top > Sub") == 0 && c.id == ia[1]);
  free(owned);
  CHECK(store_chunk_get(st, 9999, &c, &owned, &err) == 0 && owned == NULL);
  float v[4];
  CHECK(store_vector_get(st, ia[2], v, 4, &err) == 1 && v[0] == 2.0f && v[1] == 0.5f);
  CHECK(store_vector_get(st, ia[2], v, 3, &err) == BRASS_EFORMAT);
  vec_ctx vc = {0, 0, 1, 0};
  CHECK(store_vector_foreach(st, collect_vectors, &vc, &err) == 0);
  CHECK(vc.n == 5 && vc.ordered && vc.sum0 == 0 + 1 + 2 + 0 + 1);

  /* Rename: the same content under a new path keeps chunk ids, vectors and FTS rows. */
  CHECK(store_source_find_by_hash(st, h, &s, &err) == 1 && s.id == sa);
  CHECK(store_begin(st, &err) == 0);
  CHECK(store_source_rename(st, s.id, "archive/a.md", &err) == 0);
  CHECK(store_commit(st, &err) == 0);
  store_source_clear(&s);
  CHECK(store_source_find(st, "notes/a.md", &s, &err) == 0);
  CHECK(store_source_find(st, "archive/a.md", &s, &err) == 1 && s.id == sa);
  store_source_clear(&s);
  int64_t src;
  char *path;
  CHECK(store_chunk_source(st, ia[0], &src, &path, &err) == 1);
  CHECK(src == sa && path && strcmp(path, "archive/a.md") == 0);
  free(path);
  CHECK(store_chunk_get(st, ia[0], &c, &owned, &err) == 1 && strcmp(c.text, "apple banana") == 0);
  free(owned);
  CHECK(fts_count(st, "banana", STORE_FTS_ANY) == 1);

  /* Content change: clear documents, update the hash; the source row stays. */
  CHECK(store_begin(st, &err) == 0);
  CHECK(store_source_clear_documents(st, sb, &err) == 0);
  unsigned char h2[32];
  hash_of("new content", h2);
  CHECK(store_source_update(st, sb, 7, 8, h2, &err) == 0);
  CHECK(store_commit(st, &err) == 0);
  CHECK(store_chunk_count(st, &err) == 3);
  CHECK(fts_count(st, "kiwi", STORE_FTS_ANY) == 0);
  CHECK(store_vector_get(st, ib[0], v, 4, &err) == 0);
  CHECK(store_source_find_by_hash(st, h2, &s, &err) == 1 && s.id == sb && s.size == 7);
  store_source_clear(&s);

  /* Delete cascades through documents, chunks, vectors and FTS rows. */
  CHECK(store_begin(st, &err) == 0);
  CHECK(store_source_delete(st, sa, &err) == 0);
  CHECK(store_commit(st, &err) == 0);
  CHECK(store_chunk_count(st, &err) == 0);
  CHECK(query_int(st, "SELECT count(*) FROM documents WHERE source_id = 1") == 0);
  CHECK(query_int(st, "SELECT count(*) FROM vectors") == 0);
  CHECK(store_vector_get(st, ia[0], v, 4, &err) == 0);
  CHECK(fts_count(st, "banana cherry elderberry", STORE_FTS_ANY) == 0);
  CHECK(store_source_find(st, "notes/b.md", &s, &err) == 1);
  store_source_clear(&s);
  /* Chunk ids are never reused. */
  const char *tc[] = {"new chunk"};
  int64_t ic[1];
  CHECK(add_source(st, "c.md", tc, 1, 4, ic, NULL) == 0);
  CHECK(ic[0] > ib[1] && ic[0] > ia[2]);
  CHECK(integrity_ok(st));
  store_close(st);
  remove_lib(p);
}

static void test_disk_full(void) {
  const char *p = lib_path("full.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open(p, &st, &err) == 0);
  const char *t[] = {"committed words survive", "second committed chunk"};
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "kept.md", t, 2, 4, NULL, NULL) == 0);
  CHECK(store_commit(st, &err) == 0);
  int64_t pages = query_int(st, "PRAGMA page_count");
  CHECK(pages > 0);
  char sql[96];
  snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 4);
  CHECK(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) == SQLITE_OK);

  /* Write far more than 4 pages in one batch: some write (or the commit) must fail. */
  static char big[3000];
  memset(big, 'w', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  unsigned char h[32];
  hash_of("big", h);
  int64_t sid = 0, did = 0;
  int rc = store_begin(st, &err);
  CHECK(rc == 0);
  if (rc == 0) rc = store_source_add(st, "big.md", 1, 1, h, &sid, &err);
  if (rc == 0) rc = store_document_add(st, sid, "", &did, &err);
  store_chunk c = {0};
  c.document_id = did;
  c.text = big;
  c.text_len = strlen(big);
  for (int i = 0; rc == 0 && i < 200; i++) {
    c.seq = i;
    rc = store_chunk_add(st, &c, NULL, &err);
  }
  if (rc == 0) rc = store_commit(st, &err);
  CHECK(rc == BRASS_EIO);
  CHECK_MSG(strstr(err.message, p) && strstr(err.message, "disk full"), "%s", err.message);
  /* After the failure the batch can only be rolled back: more writes and the commit fail (no
   * half batch is ever committed or autocommitted). */
  hash_of("late", h);
  CHECK(store_source_add(st, "late.md", 1, 1, h, NULL, &err) == BRASS_EIO);
  CHECK(store_commit(st, &err) == BRASS_EIO);
  CHECK(strstr(err.message, "roll it back") != NULL);
  CHECK(store_rollback(st, &err) == 0);
  CHECK(!store_in_transaction(st));
  CHECK(sqlite3_exec(store_db(st), "PRAGMA max_page_count = 1000000", NULL, NULL, NULL) == 0);
  CHECK(store_chunk_count(st, &err) == 2);
  CHECK(query_int(st, "SELECT count(*) FROM sources") == 1);
  CHECK(fts_count(st, "survive", STORE_FTS_ANY) == 1);
  CHECK(fts_count(st, "wwwwwwwwww", STORE_FTS_ANY) == 0);
  CHECK(integrity_ok(st));
  /* The handle still works afterwards. */
  CHECK(store_begin(st, &err) == 0);
  CHECK(add_source(st, "after.md", t, 1, 4, NULL, NULL) == 0);
  CHECK(store_commit(st, &err) == 0);
  store_close(st);
  CHECK(store_open(p, &st, &err) == 0);
  CHECK(store_chunk_count(st, &err) == 3);
  store_close(st);
  remove_lib(p);
}

#ifndef __EMSCRIPTEN__
/* Not in WebAssembly, where a library is held by one handle at a time (library.c). */
static void test_concurrent_reader(void) {
  const char *p = lib_path("concurrent.brass");
  remove_lib(p);
  brass_error err;
  store *w, *r;
  CHECK(store_open(p, &w, &err) == 0);
  const char *t1[] = {"first batch words"};
  const char *t2[] = {"second batch words"};
  CHECK(store_begin(w, &err) == 0);
  CHECK(add_source(w, "1.md", t1, 1, 4, NULL, NULL) == 0);
  CHECK(store_commit(w, &err) == 0);

  CHECK(store_open_flags(p, STORE_READONLY, &r, &err) == 0);
  CHECK(store_begin(w, &err) == 0);
  CHECK(add_source(w, "2.md", t2, 1, 4, NULL, NULL) == 0);
  /* The reader sees only the committed batch and is not blocked by the open write. */
  CHECK(fts_count(r, "batch", STORE_FTS_ANY) == 1);
  CHECK(fts_count(r, "second", STORE_FTS_ANY) == 0);
  CHECK(store_commit(w, &err) == 0);
  CHECK(fts_count(r, "batch", STORE_FTS_ANY) == 2);
  /* A second writable handle takes the write lock once the first has committed. */
  store *w2;
  CHECK(store_open(p, &w2, &err) == 0);
  CHECK(store_begin(w2, &err) == 0);
  CHECK(store_rollback(w2, &err) == 0);
  store_close(w2);
  store_close(r);

  /* A second process searches while this one writes batches. */
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    store *cr;
    brass_error cerr;
    int bad = 0;
    size_t last = 0;
    if (store_open_flags(p, STORE_READONLY, &cr, &cerr) != 0) _exit(2);
    for (int i = 0; i < 400; i++) {
      store_hit *hits;
      size_t n;
      if (store_fts_search(cr, "batch", STORE_FTS_ANY, 1000, &hits, &n, &cerr) < 0) bad = 1;
      free(hits);
      if (n < last) bad = 1; /* committed batches never disappear */
      last = n;
      if (n >= 22) break;
      usleep(1000);
    }
    store_close(cr);
    _exit(bad ? 1 : last >= 22 ? 0 : 3);
  }
  CHECK(pid > 0);
  const char *t3[] = {"later batch text"};
  for (int i = 0; i < 20; i++) {
    char path[32];
    snprintf(path, sizeof path, "later%d.md", i);
    CHECK(store_begin(w, &err) == 0);
    CHECK(add_source(w, path, t3, 1, 4, NULL, NULL) == 0);
    CHECK(store_commit(w, &err) == 0);
    usleep(2000);
  }
  int status = -1;
  if (pid > 0) waitpid(pid, &status, 0);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader status %d", status);

  /* A second writing process waits (busy timeout) while this one holds a batch open, then
   * writes its own batch. Fork while no transaction is open (SQLite's per-process lock state must
   * not be inherited mid-transaction); a pipe tells the child when the batch is open. */
  int go[2];
  CHECK(pipe(go) == 0);
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    store *cw;
    brass_error cerr;
    const char *tc[] = {"from the child"};
    char c;
    close(go[1]);
    if (read(go[0], &c, 1) != 1) _exit(3);
    if (store_open(p, &cw, &cerr) != 0) _exit(2);
    int bad = store_begin(cw, &cerr) != 0 ||
              add_source(cw, "child.md", tc, 1, 4, NULL, NULL) != 0 || store_commit(cw, &cerr) != 0;
    if (bad) fprintf(stderr, "child writer: %s\n", cerr.message);
    store_close(cw);
    _exit(bad ? 1 : 0);
  }
  close(go[0]);
  CHECK(store_begin(w, &err) == 0);
  CHECK(add_source(w, "held.md", t3, 1, 4, NULL, NULL) == 0);
  CHECK(write(go[1], "g", 1) == 1);
  close(go[1]);
  CHECK(pid > 0);
  usleep(200000);
  CHECK(store_commit(w, &err) == 0);
  status = -1;
  if (pid > 0) waitpid(pid, &status, 0);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer status %d", status);
  store_source s;
  CHECK(store_source_find(w, "child.md", &s, &err) == 1);
  store_source_clear(&s);
  CHECK(store_source_find(w, "held.md", &s, &err) == 1);
  store_source_clear(&s);
  CHECK(fts_count(w, "child", STORE_FTS_ANY) == 1);
  store_close(w);
  remove_lib(p);
}
#endif

static void test_graph(void) {
  const char *p = lib_path("graph.brass");
  remove_lib(p);
  brass_error err;
  store *st;
  CHECK(store_open(p, &st, &err) == 0);
  store_graph_info gi = {384, 16, 200, 64, 0xfedcba9876543210ULL, 12345}, got;
  unsigned char *data;
  size_t len;
  CHECK(store_graph_load(st, &got, &data, &len, &err) == 0 && data == NULL);
  size_t n = 100000;
  unsigned char *bytes = malloc(n);
  for (size_t i = 0; i < n; i++) bytes[i] = (unsigned char)(i * 2654435761u >> 13);
  CHECK(store_graph_save(st, &gi, bytes, n, &err) == 0);
  store_close(st);
  CHECK(store_open(p, &st, &err) == 0);
  CHECK(store_graph_load(st, &got, &data, &len, &err) == 1);
  CHECK(len == n && data && memcmp(data, bytes, n) == 0);
  CHECK(got.dim == 384 && got.M == 16 && got.ef_construction == 200 && got.ef_search == 64 &&
        got.seed == 0xfedcba9876543210ULL && got.vectors == 12345);
  free(data);
  /* Replacing with an empty graph, inside a caller's transaction that rolls back, keeps the old. */
  CHECK(store_begin(st, &err) == 0);
  CHECK(store_graph_save(st, &gi, NULL, 0, &err) == 0);
  CHECK(store_graph_load(st, &got, &data, &len, &err) == 1 && len == 0);
  free(data);
  CHECK(store_rollback(st, &err) == 0);
  CHECK(store_graph_load(st, &got, &data, &len, &err) == 1 && len == n);
  free(data);
  /* A missing part is detected. */
  CHECK(sqlite3_exec(store_db(st), "UPDATE hnsw_params SET parts = 2, bytes = 200000", NULL, NULL,
                     NULL) == SQLITE_OK);
  CHECK(store_graph_load(st, &got, &data, &len, &err) == BRASS_EFORMAT && data == NULL);
  CHECK(store_graph_drop(st, &err) == 0);
  CHECK(store_graph_load(st, &got, &data, &len, &err) == 0);
  free(bytes);
  store_close(st);
  remove_lib(p);
}

/* Runs one test, naming it first so a hang or crash shows where. */
#define RUN(fn)                      \
  do {                               \
    fprintf(stderr, "== %s\n", #fn); \
    fn();                            \
  } while (0)

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/brass-store-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  RUN(test_create_reopen);
  RUN(test_refusals);
  RUN(test_model);
  RUN(test_rollback);
  RUN(test_fts);
  RUN(test_sources_cascade_rename);
  RUN(test_disk_full);
#ifndef __EMSCRIPTEN__
  RUN(test_concurrent_reader);
#endif
  RUN(test_graph);
  rmdir(tmpdir);
  CHECK_DONE();
}
