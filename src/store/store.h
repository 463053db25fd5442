/*
 * store.h - a brass library on disk: one SQLite file holding the sources that were indexed, their
 * documents and chunks, one float32 vector per chunk, an FTS5 index for BM25 over chunk text, the
 * serialized HNSW graph and the embedding model the vectors came from. docs/store.md describes the
 * schema and its invariants.
 *
 * Conventions: every function returns 0 (or a documented positive value) on success, or a negative
 * BRASS_E* code with err filled with one line that names the library file and the problem. Writes
 * belong inside store_begin()/store_commit(); a write outside a transaction runs in its own
 * implicit one. A store handle is used by one thread at a time; other threads and processes open
 * their own handles (WAL: readers never block the writer and see only committed batches).
 */
#ifndef BRASS_STORE_STORE_H
#define BRASS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"

/* The schema version this binary writes and understands (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 5
/* PRAGMA application_id of a brass library: "BRSS". */
#define STORE_APPLICATION_ID 0x42525353

typedef struct store store;

enum {
  STORE_READONLY = 1, /* open an existing library for searching; never creates or migrates */
  STORE_NOCREATE = 2, /* fail with BRASS_EIO if the file does not exist, BRASS_EFORMAT if it is
                         an empty file or database (no library yet) */
  /* The caller only reads: when the file or its folder is not writable (permissions, a read-only
   * mount), open read-only instead of failing. A folder that cannot hold WAL's -wal and -shm
   * files is read with SQLite's immutable=1 (no locks: a writer with more rights changing the
   * file meanwhile may make this reader fail; it is refused outright when a -wal file still holds
   * unmerged commits). Without this flag such a library is refused with the cause named. */
  STORE_READ_FALLBACK = 4,
};

/* Opens (creating if needed) the library at path, migrating an older schema to
 * STORE_SCHEMA_VERSION. Refuses files that are not SQLite, SQLite files that are not brass
 * libraries, and schemas newer than this binary. */
int store_open(const char *path, store **out, brass_error *err);
int store_open_flags(const char *path, int flags, store **out, brass_error *err);
/* Closes the handle (rolling back an open transaction). NULL is fine. */
void store_close(store *st);
/* 1 if the handle cannot write (STORE_READONLY, or STORE_READ_FALLBACK found it not writable). */
int store_is_readonly(const store *st);

const char *store_path(const store *st);
/* The schema version found in the file (after migration, STORE_SCHEMA_VERSION). */
int store_schema_version(store *st);

/* ---- waiting for other processes (wait.c) ---------------------------------------------------- */
/* How long a handle waits for a lock held by another process unless told otherwise: 10 minutes. */
#define STORE_WAIT_DEFAULT_MS (10 * 60 * 1000)
/* Called once per handle when a wait has lasted about a second: what is "indexing" (the writer
 * lock) or "writing to" (a transaction of another process). */
typedef void (*store_wait_fn)(void *ctx, const char *path, const char *what);
/* Sets how long lock waits may last (wait_ms < 0: the default; 0: fail at once) and the notice. */
void store_set_wait(store *st, int wait_ms, store_wait_fn fn, void *ctx);
int store_wait_ms(const store *st);
/* The writer lock of a whole run (index, remove, compact): waits up to the handle's wait for
 * another process's run to finish, then holds "<library>-lock" until the matching unlock. Nests
 * within one handle. Fails with BRASS_EIO ("locked by another process") when the wait runs out. */
int store_lock_writer(store *st, brass_error *err);
void store_unlock_writer(store *st);

/* ---- transactions --------------------------------------------------------------------------- */
/* One ingest batch = one transaction. begin takes the write lock at once (BEGIN IMMEDIATE), waiting
 * up to the handle's wait (store_set_wait) for another writer. Nesting is an error (BRASS_EINVAL).
 */
int store_begin(store *st, brass_error *err);
/* store_begin without waiting: fails at once (BRASS_EIO) when another writer holds the lock. */
int store_try_begin(store *st, brass_error *err);
int store_commit(store *st, brass_error *err);
/* Undoes everything since store_begin; a no-op without an open transaction. */
int store_rollback(store *st, brass_error *err);
int store_in_transaction(const store *st);

/* ---- meta and the embedding model ---------------------------------------------------------- */
/* Key/value strings. get copies at most cap-1 bytes into buf; returns 1 if found, 0 if not. */
int store_meta_get(store *st, const char *key, char *buf, size_t cap, brass_error *err);
int store_meta_set(store *st, const char *key, const char *value, brass_error *err);

#define STORE_MODEL_NAME_MAX 256
typedef struct store_model_info {
  char name[STORE_MODEL_NAME_MAX]; /* e.g. "sentence-transformers/all-MiniLM-L6-v2" */
  int dim;                         /* embedding dimension */
  char hash[65];                   /* hex SHA-256 of the model's config and weights */
} store_model_info;

/* Reads the recorded model: 1 if the library has one, 0 if none yet. */
int store_model_get(store *st, store_model_info *out, brass_error *err);
/* Records m as the library's model if none is recorded; otherwise checks that m is the recorded
 * model (same name, dimension and hash) and refuses a different one with BRASS_EUNSUPPORTED and a
 * message saying what to do. Vectors written afterwards must have m->dim floats. */
int store_model_bind(store *st, const store_model_info *m, brass_error *err);

/* ---- sources -------------------------------------------------------------------------------- */
typedef struct store_source {
  int64_t id;
  char *path;       /* heap; owned by the struct (store_source_clear) */
  int64_t size;     /* bytes */
  int64_t mtime_ns; /* modification time, nanoseconds since the epoch */
  unsigned char sha256[32];
} store_source;

void store_source_clear(store_source *s);

/* Adds a source (path or URL, unique). Fails with BRASS_EINVAL if the path is already present. */
int store_source_add(store *st, const char *path, int64_t size, int64_t mtime_ns,
                     const unsigned char sha256[32], int64_t *id, brass_error *err);
/* Updates size, mtime and hash of source id (content changed: delete its documents first). */
int store_source_update(store *st, int64_t id, int64_t size, int64_t mtime_ns,
                        const unsigned char sha256[32], brass_error *err);
/* Renames source id, keeping its documents, chunks and vectors. */
int store_source_rename(store *st, int64_t id, const char *new_path, brass_error *err);
/* Deletes source id and, by cascade, its documents, chunks, vectors and FTS rows. */
int store_source_delete(store *st, int64_t id, brass_error *err);
/* Looks a source up by path / by content hash (the lowest id among equal hashes). 1 found (out
 * filled, free with store_source_clear), 0 not found (out zeroed). */
int store_source_find(store *st, const char *path, store_source *out, brass_error *err);
int store_source_find_by_hash(store *st, const unsigned char sha256[32], store_source *out,
                              brass_error *err);
/* Calls fn for every source in id order; a non-zero return from fn stops and is returned. The
 * store_source passed to fn is valid only during the call. */
int store_source_foreach(store *st, int (*fn)(void *ctx, const store_source *s), void *ctx,
                         brass_error *err);
/* Deletes all documents (and their chunks, vectors, FTS rows) of source id; keeps the source. */
int store_source_clear_documents(store *st, int64_t id, brass_error *err);

/* Progress of a source written in several batches (progress.c): the content being written and
 * how many of its chunks are committed. get: 1 found, 0 none. store_source_delete drops it. */
int store_source_progress_get(store *st, int64_t id, unsigned char sha256[32], int64_t *done,
                              brass_error *err);
int store_source_progress_set(store *st, int64_t id, const unsigned char sha256[32], int64_t done,
                              brass_error *err);
int store_source_progress_clear(store *st, int64_t id, brass_error *err);
/* The number of sources whose writing is unfinished. */
int64_t store_source_progress_count(store *st, brass_error *err);
/* HTTP validators and outgoing links of a crawled source (http.c); NULL/"" for none. get: 1
 * found (*etag, *last_modified, *links heap strings or NULL; free them), 0 none. set: replaces. */
int store_source_http_get(store *st, int64_t id, char **etag, char **last_modified, char **links,
                          brass_error *err);
int store_source_http_set(store *st, int64_t id, const char *etag, const char *last_modified,
                          const char *links, brass_error *err);
/* Files given by name to brass_index (explicit): 1 if source id was, 0 if not. */
int store_source_explicit_get(store *st, int64_t id, brass_error *err);
int store_source_explicit_set(store *st, int64_t id, brass_error *err);
/* Drops every per-source record of id (progress, explicit); store_source_delete calls it. */
int store_source_records_clear(store *st, int64_t id, brass_error *err);

/* ---- documents, chunks, vectors ------------------------------------------------------------ */
/* A document of a source (a file holds one; archives or feeds may hold several). */
int store_document_add(store *st, int64_t source_id, const char *title, int64_t *id,
                       brass_error *err);

typedef struct store_chunk {
  int64_t id; /* set by store_chunk_get; ignored by store_chunk_add */
  int64_t document_id;
  int seq;          /* position within the document, 0.. */
  const char *text; /* UTF-8, text_len bytes */
  size_t text_len;
  int64_t byte_start, byte_end; /* [start, end) in the source file */
  int line_start, line_end;     /* 1-based, inclusive */
  const char *heading;          /* heading path, e.g. "Install > Linux"; NULL = "" */
  const char *title;            /* the document's title (a search field); NULL = "" */
  const char *terms; /* key terms (chunk.h: lead, definition terms), a search field; NULL = "" */
} store_chunk;

int store_chunk_add(store *st, const store_chunk *c, int64_t *id, brass_error *err);
/* Reads chunk id into out; text and heading point into one heap block that *owned receives (free
 * it with free()). Returns 1 if found, 0 if not. */
int store_chunk_get(store *st, int64_t id, store_chunk *out, char **owned, brass_error *err);
/* The source id and path of a chunk (path heap-allocated into *path). 1 found, 0 not. */
int store_chunk_source(store *st, int64_t chunk_id, int64_t *source_id, char **path,
                       brass_error *err);
int64_t store_chunk_count(store *st, brass_error *err);

/* Stores the vector of chunk id (dim floats, encoded in the library's vector format, see
 * store_vector_format; replaces an existing one). dim must match the bound model's dimension when
 * one is bound. */
int store_vector_put(store *st, int64_t chunk_id, const float *v, int dim, brass_error *err);
/* 1 found (dim floats written to out; int8 vectors decoded), 0 not found; BRASS_EFORMAT if the
 * stored size fits neither format for dim. */
int store_vector_get(store *st, int64_t chunk_id, float *out, int dim, brass_error *err);
/* Calls fn for every vector in chunk id order (to rebuild the HNSW graph); fn's non-zero return
 * stops and is returned. v is valid only during the call. */
int store_vector_foreach(store *st, int (*fn)(void *ctx, int64_t chunk_id, const float *v, int dim),
                         void *ctx, brass_error *err);

/* ---- chunks without vectors (unembedded.c) ---------------------------------------------------
 * Chunks stored by keyword-only indexing have no vector until a run with a model embeds them. */
/* The number of stored vectors (counted, not assumed). */
int64_t store_vector_count(store *st, brass_error *err);
/* The number of chunks without a vector (a scan of every chunk: for status and confirmations). */
int64_t store_chunks_unembedded_count(store *st, brass_error *err);
/* Ids of the sources with at least one chunk lacking a vector, ascending, in a heap array *ids
 * (free(); NULL when none) of *n entries. */
int store_sources_unembedded(store *st, int64_t **ids, size_t *n, brass_error *err);
/* Calls fn for up to limit chunks without a vector whose id is above after, in id order, with
 * their text (valid only during the call); fn's non-zero return stops and is returned. */
int store_chunks_unembedded(store *st, int64_t after, int limit,
                            int (*fn)(void *ctx, int64_t chunk_id, const char *text, size_t len),
                            void *ctx, brass_error *err);
/* ---- vector format (vecfmt.c) ------------------------------------------------------------- */
/* How the library's HNSW graph holds the chunk vectors: float32, or int8 codes with a scale per
 * vector (the vectors table stays float32 for exact re-ranking). Values match brass.h's
 * BRASS_VECTORS_*. */
enum { STORE_VECTORS_F32 = 1, STORE_VECTORS_INT8 = 2 };
/* The library's format: STORE_VECTORS_F32 or STORE_VECTORS_INT8, or 0 when none is recorded and
 * no vector is stored yet (the first index run chooses). */
int store_vector_format(store *st, brass_error *err);
/* Records the format; a change drops the saved graph (built in the old one). Inside the caller's
 * transaction or its own. */
int store_vector_format_set(store *st, int fmt, brass_error *err);

/* ---- full-text search (FTS5, BM25) ---------------------------------------------------------- */
typedef struct store_hit {
  int64_t chunk_id;
  double score; /* -bm25(): larger is better */
} store_hit;

enum { STORE_FTS_ANY = 0, STORE_FTS_ALL = 1 };

/* A search query parsed (fts_query.c): "exact phrase", -excluded (a word or a "phrase"), prefix*,
 * and plain words; any other character separates words, so no FTS5 syntax in user text reaches
 * the FTS5 parser. Runs of CJK letters inside words become their own terms (searched by their
 * character pairs). */
enum { STORE_TERM_WORD = 0, STORE_TERM_PREFIX = 1, STORE_TERM_PHRASE = 2 };
typedef struct store_term {
  int kind;     /* STORE_TERM_* */
  int excluded; /* written with a leading '-' */
  int required; /* inside a "phrase": results must contain it */
  int cjk;      /* a run of CJK letters */
  char *text;   /* the word, prefix (without '*') or phrase (words separated by spaces) */
} store_term;
typedef struct store_query {
  store_term *terms;
  size_t n;
} store_query;
/* Parses at most the first 4096 bytes and 64 terms of q. Returns 0 or BRASS_ENOMEM. */
int store_query_parse(const char *q, store_query *out);
void store_query_free(store_query *q);

/* Searches chunk title, heading and text for query (store_query_parse: phrases are required,
 * excluded terms rule chunks out). STORE_FTS_ANY matches chunks with any plain word, STORE_FTS_ALL
 * only those with every one. Scores combine BM25 over stemmed words and over exact words (fts.c).
 * Writes up to limit hits, best first, into a heap array *hits (free() it; NULL when none) and
 * their number into *n. */
int store_fts_search(store *st, const char *query, int mode, int limit, store_hit **hits, size_t *n,
                     brass_error *err);

/* ---- filters (filter_sql.c) ------------------------------------------------------------------
 * A filter is a predicate on a source's path and modification time; it runs inside SQL as the
 * function brass_accept(), so that it applies before LIMIT. */
typedef int (*store_accept_fn)(void *ctx, const char *path, int64_t mtime_ns);
typedef struct store_accept {
  store_accept_fn fn;
  void *ctx;
} store_accept;

/* The ids of every chunk whose source passes acc, ascending, in a heap array *ids (free(); NULL
 * when none) of *n. */
int store_chunk_ids_where(store *st, const store_accept *acc, int64_t **ids, size_t *n,
                          brass_error *err);
/* store_fts_search restricted to chunks whose source passes acc (NULL: all). */
int store_fts_search_where(store *st, const char *query, int mode, int limit,
                           const store_accept *acc, store_hit **hits, size_t *n, brass_error *err);
/* Registers brass_accept() on the connection once (used by the two above and fts.c). */
int store_accept_register(store *st, brass_error *err);

/* ---- the HNSW graph ------------------------------------------------------------------------- */
typedef struct store_graph_info {
  int dim, M, ef_construction, ef_search;
  uint64_t seed;
  int64_t vectors; /* number of vectors the graph held when saved (staleness check) */
} store_graph_info;

/* Replaces the saved graph by len bytes of data (split into BLOB parts of at most 64 MiB). */
int store_graph_save(store *st, const store_graph_info *info, const void *data, size_t len,
                     brass_error *err);
/* Loads the saved graph into a heap buffer *data (free()) of *len bytes. 1 found, 0 none saved. */
int store_graph_load(store *st, store_graph_info *info, unsigned char **data, size_t *len,
                     brass_error *err);
int store_graph_drop(store *st, brass_error *err);

/* ---- upkeep --------------------------------------------------------------------------------- */
/* Rewrites the file without free pages (VACUUM) and truncates the WAL. Not inside a transaction
 * (BRASS_EINVAL); needs a writable handle. */
int store_vacuum(store *st, brass_error *err);

/* ---- listings (listing.c) ------------------------------------------------------------------- */
/* Calls fn for every source in path order with its size in bytes and its number of chunks; fn's
 * non-zero return stops and is returned. path is valid only during the call. */
int store_source_list(store *st,
                      int (*fn)(void *ctx, const char *path, int64_t bytes, int64_t chunks),
                      void *ctx, brass_error *err);
/* Calls fn for every chunk of the source with exactly this path, in document and seq order (none
 * when there is no such source); c's strings are valid only during the call. */
int store_source_chunks(store *st, const char *path, int (*fn)(void *ctx, const store_chunk *c),
                        void *ctx, brass_error *err);

#endif
