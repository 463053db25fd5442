/*
 * schema.c - the library schema as numbered migrations. Migration N turns a version N-1 file into
 * a version N file; PRAGMA user_version records the last one applied. Rules: never edit a released
 * migration, only append a new one (and raise STORE_SCHEMA_VERSION); each runs inside the one
 * write transaction of store_migrate, so a crash leaves the file at the old version.
 * docs/store.md explains every table and invariant.
 */
#include <stdio.h>

#include "store/store_internal.h"

/* Version 1: the first schema. */
static const char store_migration_1[] =
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"

    "CREATE TABLE sources("
    "  id INTEGER PRIMARY KEY,"
    "  path TEXT NOT NULL UNIQUE,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  mtime_ns INTEGER NOT NULL,"
    "  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
    "  indexed_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))"
    ");"
    "CREATE INDEX sources_sha256 ON sources(sha256);"

    "CREATE TABLE documents("
    "  id INTEGER PRIMARY KEY,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
    "  title TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX documents_source ON documents(source_id);"

    /* AUTOINCREMENT: chunk ids are never reused, so they can label HNSW nodes for good. */
    "CREATE TABLE chunks("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  byte_start INTEGER NOT NULL,"
    "  byte_end INTEGER NOT NULL,"
    "  line_start INTEGER NOT NULL,"
    "  line_end INTEGER NOT NULL,"
    "  heading TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (document_id, seq),"
    "  CHECK (byte_start >= 0 AND byte_end >= byte_start AND line_end >= line_start)"
    ");"

    "CREATE TABLE vectors("
    "  chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,"
    "  embedding BLOB NOT NULL"
    ");"

    /* BM25 over chunk text and heading path; external content kept in sync by the triggers. */
    "CREATE VIRTUAL TABLE chunks_fts USING fts5("
    "  body, heading, content='chunks', content_rowid='id',"
    "  tokenize='unicode61 remove_diacritics 2'"
    ");"
    "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('rank', 'bm25(1.0, 0.5)');"
    "CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN"
    "  INSERT INTO chunks_fts(rowid, body, heading) VALUES (new.id, new.body, new.heading);"
    "END;"
    "CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN"
    "  INSERT INTO chunks_fts(chunks_fts, rowid, body, heading)"
    "    VALUES ('delete', old.id, old.body, old.heading);"
    "END;"
    "CREATE TRIGGER chunks_fts_update AFTER UPDATE OF body, heading ON chunks BEGIN"
    "  INSERT INTO chunks_fts(chunks_fts, rowid, body, heading)"
    "    VALUES ('delete', old.id, old.body, old.heading);"
    "  INSERT INTO chunks_fts(rowid, body, heading) VALUES (new.id, new.body, new.heading);"
    "END;"

    /* The serialized HNSW graph: parameters in one row, bytes in ordered parts. */
    "CREATE TABLE hnsw_params("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  dim INTEGER NOT NULL, m INTEGER NOT NULL, ef_construction INTEGER NOT NULL,"
    "  ef_search INTEGER NOT NULL, seed INTEGER NOT NULL, vectors INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL, parts INTEGER NOT NULL"
    ");"
    "CREATE TABLE hnsw_graph("
    "  part INTEGER PRIMARY KEY,"
    "  data BLOB NOT NULL"
    ");";

/* Ranking: each chunk carries its document's title and the CJK bigrams of its text (grams, filled
 * from C: store_cjk_fill); two FTS5 indexes over (title, heading, body): chunks_fts keeps exact
 * words (unicode61), chunks_stem stems them (porter) and adds grams, so "files" finds "file" and
 * Chinese, Japanese and Korean text is found by its character pairs. Both are rebuilt from the
 * stored chunk text. docs/engine.md explains how the two are scored together. */
static const char store_migration_ranking[] =
    "ALTER TABLE chunks ADD COLUMN title TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE chunks ADD COLUMN grams TEXT NOT NULL DEFAULT '';"
    "UPDATE chunks SET title = coalesce((SELECT d.title FROM documents d"
    "  WHERE d.id = chunks.document_id), '');"
    "DROP TRIGGER chunks_fts_insert;"
    "DROP TRIGGER chunks_fts_delete;"
    "DROP TRIGGER chunks_fts_update;"
    "DROP TABLE chunks_fts;"
    "CREATE VIRTUAL TABLE chunks_fts USING fts5("
    "  title, heading, body, content='chunks', content_rowid='id',"
    "  tokenize='unicode61 remove_diacritics 2'"
    ");"
    "CREATE VIRTUAL TABLE chunks_stem USING fts5("
    "  title, heading, body, grams, content='chunks', content_rowid='id',"
    "  tokenize='porter unicode61 remove_diacritics 2'"
    ");"
    "INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');"
    "INSERT INTO chunks_stem(chunks_stem) VALUES ('rebuild');"
    "CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN"
    "  INSERT INTO chunks_fts(rowid, title, heading, body)"
    "    VALUES (new.id, new.title, new.heading, new.body);"
    "  INSERT INTO chunks_stem(rowid, title, heading, body, grams)"
    "    VALUES (new.id, new.title, new.heading, new.body, new.grams);"
    "END;"
    "CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN"
    "  INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, body)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body);"
    "  INSERT INTO chunks_stem(chunks_stem, rowid, title, heading, body, grams)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body, old.grams);"
    "END;"
    "CREATE TRIGGER chunks_fts_update AFTER UPDATE OF title, heading, body, grams ON chunks BEGIN"
    "  INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, body)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body);"
    "  INSERT INTO chunks_stem(chunks_stem, rowid, title, heading, body, grams)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body, old.grams);"
    "  INSERT INTO chunks_fts(rowid, title, heading, body)"
    "    VALUES (new.id, new.title, new.heading, new.body);"
    "  INSERT INTO chunks_stem(rowid, title, heading, body, grams)"
    "    VALUES (new.id, new.title, new.heading, new.body, new.grams);"
    "END;";

/* int8 vectors: the HNSW graph may hold int8 codes with a scale per vector (src/store/vecfmt.c);
 * the meta key vector_format says which. Libraries that already hold vectors have float32 ones. */
static const char store_migration_int8vec[] =
    "INSERT OR IGNORE INTO meta(key, value)"
    "  SELECT 'vector_format', 'f32' WHERE EXISTS (SELECT 1 FROM vectors);";

/* Crawled pages (src/net/crawl.c): per source fetched over HTTP, the validators of the version
 * indexed (ETag, Last-Modified) for conditional re-fetching, and its outgoing links (normalised
 * URLs, one a line) so that a re-crawl answered 304 Not Modified still walks on from it. */
static const char store_migration_crawl[] =
    "CREATE TABLE IF NOT EXISTS source_http("
    "  source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,"
    "  etag TEXT,"
    "  last_modified TEXT,"
    "  links TEXT"
    ");";

/* Key terms: each chunk's `terms` (a document's lead in its first chunk, then the HTML <dt> texts
 * that start in the chunk: API signatures, glossary words; src/text/chunk.c) become a search
 * field of both FTS5 indexes, weighted as titles (src/store/fts.c). FTS5 cannot add a column, so
 * both indexes are made again and rebuilt from the stored chunks; chunks stored before have no
 * terms until their file is indexed again. */
static const char store_terms_fts[] =
    "DROP TRIGGER IF EXISTS chunks_fts_insert;"
    "DROP TRIGGER IF EXISTS chunks_fts_delete;"
    "DROP TRIGGER IF EXISTS chunks_fts_update;"
    "DROP TABLE IF EXISTS chunks_fts;"
    "DROP TABLE IF EXISTS chunks_stem;"
    "CREATE VIRTUAL TABLE chunks_fts USING fts5("
    "  title, heading, body, terms, content='chunks', content_rowid='id',"
    "  tokenize='unicode61 remove_diacritics 2'"
    ");"
    "CREATE VIRTUAL TABLE chunks_stem USING fts5("
    "  title, heading, body, grams, terms, content='chunks', content_rowid='id',"
    "  tokenize='porter unicode61 remove_diacritics 2'"
    ");"
    "INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');"
    "INSERT INTO chunks_stem(chunks_stem) VALUES ('rebuild');"
    "CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN"
    "  INSERT INTO chunks_fts(rowid, title, heading, body, terms)"
    "    VALUES (new.id, new.title, new.heading, new.body, new.terms);"
    "  INSERT INTO chunks_stem(rowid, title, heading, body, grams, terms)"
    "    VALUES (new.id, new.title, new.heading, new.body, new.grams, new.terms);"
    "END;"
    "CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN"
    "  INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, body, terms)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body, old.terms);"
    "  INSERT INTO chunks_stem(chunks_stem, rowid, title, heading, body, grams, terms)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body, old.grams, old.terms);"
    "END;"
    "CREATE TRIGGER chunks_fts_update AFTER UPDATE OF title, heading, body, grams, terms ON chunks"
    " BEGIN"
    "  INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, body, terms)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body, old.terms);"
    "  INSERT INTO chunks_stem(chunks_stem, rowid, title, heading, body, grams, terms)"
    "    VALUES ('delete', old.id, old.title, old.heading, old.body, old.grams, old.terms);"
    "  INSERT INTO chunks_fts(rowid, title, heading, body, terms)"
    "    VALUES (new.id, new.title, new.heading, new.body, new.terms);"
    "  INSERT INTO chunks_stem(rowid, title, heading, body, grams, terms)"
    "    VALUES (new.id, new.title, new.heading, new.body, new.grams, new.terms);"
    "END;";

/* The column is added only when missing (a file whose version was wound back, as tests do, has
 * it), then both indexes are made again (store_terms_fts). Runs as the C step of migration 5,
 * whose SQL is empty. */
static int store_terms_add(store *st, brass_error *err) {
  sqlite3_stmt *s;
  int rc = store_stmt(st, "SELECT count(*) FROM pragma_table_info('chunks') WHERE name = 'terms'",
                      &s, err);
  if (rc < 0) return rc;
  rc = sqlite3_step(s);
  int have = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  store_stmt_done(s);
  if (have < 0) return store_sqlerr(st, rc, "migrating the schema to definition terms", err);
  if (!have && (rc = store_exec(st, "ALTER TABLE chunks ADD COLUMN terms TEXT NOT NULL DEFAULT ''",
                                "adding the chunks' definition terms", err)) < 0)
    return rc;
  return store_exec(st, store_terms_fts, "making the search indexes with definition terms", err);
}
static const char store_migration_terms[] = "";

/* migrations[i] takes version i to version i + 1. */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
    store_migration_1, store_migration_ranking, store_migration_int8vec, store_migration_crawl,
    store_migration_terms};
/* Steps in C after migration i's SQL (NULL: none). */
static int (*const store_migration_steps[STORE_SCHEMA_VERSION])(store *, brass_error *) = {
    NULL, store_cjk_fill, NULL, NULL, store_terms_add};

int store_migrate(store *st, brass_error *err) {
  int rc = store_exec(st, "BEGIN IMMEDIATE", "starting the schema migration", err);
  if (rc < 0) return rc;
  /* Read the version again under the write lock: another process may have migrated meanwhile. */
  int version = store_schema_version(st);
  if (version < 0) {
    rc = store_sqlerr(st, SQLITE_ERROR, "reading the schema version", err);
    goto fail;
  }
  if (version > STORE_SCHEMA_VERSION) {
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: library schema version %d is newer than this brass %s understands (%d); "
                 "upgrade brass to open it",
                 st->path, version, BRASS_VERSION, STORE_SCHEMA_VERSION);
    goto fail;
  }
  for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
    char what[64];
    snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
    if ((rc = store_exec(st, store_migrations[v], what, err)) < 0) goto fail;
    if (store_migration_steps[v] && (rc = store_migration_steps[v](st, err)) < 0) goto fail;
  }
  if (version == 0 && (rc = store_meta_set(st, "created_by", "brass " BRASS_VERSION, err)) < 0)
    goto fail;
  if (version < STORE_SCHEMA_VERSION) {
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
             STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
    if ((rc = store_exec(st, sql, "recording the schema version", err)) < 0) goto fail;
  }
  if ((rc = store_exec(st, "COMMIT", "committing the schema migration", err)) < 0) goto fail;
  return 0;
fail:
  if (store_in_transaction(st)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}
