/*
 * engine.h - the brass_library handle shared by the engine's files: library.c opens a store and
 * (optionally) a model and checks that they belong together, ingest.c fills the store, search.c
 * answers queries, rrf.c fuses ranked lists.
 *
 * Vectors: ingest writes a file's chunks and their vectors together when it has a model, but
 * chunks indexed without one have none until an indexing run with the model embeds them
 * (unembedded.c); nothing may assume one vector per chunk: count. The meta key "generation" counts
 * committed ingest batches; the saved HNSW graph is current only when "graph_generation" equals it.
 */
#ifndef BRASS_ENGINE_ENGINE_H
#define BRASS_ENGINE_ENGINE_H

#include <stdint.h>

#include "brass.h"
#include "index/hnsw.h"
#include "store/store.h"

struct brass_library {
  store *st;
  brass_model *model;       /* NULL: keyword-only */
  char *model_dir;          /* absolute folder of model, or NULL */
  int dim;                  /* model dimension, 0 without a model */
  store_model_info ident;   /* the model's name, dim and hash (valid with a model) */
  int model_missing;        /* 1: a model is recorded but this handle has none open */
  hnsw *graph;              /* cached graph for search (NULL until needed) */
  int64_t graph_generation; /* generation the cached graph reflects */
  int created;              /* 1: this handle's open created the library file */
  int64_t graph_unembedded; /* chunks without a vector at graph_generation (search's note) */
  void (*graph_progress)(void *ctx, int64_t done, int64_t total); /* long graph builds */
  void *graph_progress_ctx;
  int indexed_dtype; /* BRASS_DTYPE_* recorded in meta "model_dtype" (0: none yet) */
};

/* Reads the meta key "generation" (0 when absent). */
int64_t engine_generation(store *st, brass_error *err);
/* Writes generation + 1 into meta (inside the caller's transaction). */
int engine_bump_generation(store *st, brass_error *err);
/* Ends the write transaction the caller opened with store_begin, whose steps so far returned rc:
 * if rc is 0, bumps the generation (when bump is set) and commits; if anything failed, rolls back
 * (err keeps the first failure's message). Returns rc, or the bump's or commit's error. */
int engine_end_write(store *st, int rc, int bump, brass_error *err);

/* Removes a library file and its -wal and -shm files (one that a failed open or run created). */
void engine_remove_library_files(const char *path);

/* Records lib's model (identity and folder) in the store, in its own transaction. */
int engine_record_model(brass_library *lib, brass_error *err);

/* Makes lib->graph match the stored vectors for searching (graph.c). */
int engine_graph_current(brass_library *lib, brass_error *err);
/* After an indexing run that started at generation gen0: updates the graph incrementally and
 * saves it with the current generation (own transaction); a no-op when the saved one is current. */
int engine_graph_update(brass_library *lib, int64_t gen0, brass_error *err);
/* Chunks without a vector that the cached graph cannot see (0 without a cached graph). */
int64_t engine_graph_unembedded(brass_library *lib, brass_error *err);
/* Rebuilds the current graph from its live vectors (dropping tombstones) and saves it (own
 * transaction). Needs lib's model dimension (lib->dim > 0). */
int engine_graph_compact(brass_library *lib, brass_error *err);

/* Receives progress as work is done: chunks embedded so far, vectors added to a graph so far out
 * of total (0: unknown). */
typedef void (*engine_progress_fn)(void *ctx, int64_t done, int64_t total);
/* Embeds, from their stored text, the chunks that have no vector (indexed without a model), batch
 * chunks per transaction; *embedded receives their number. A no-op without a model. */
int engine_embed_unembedded(brass_library *lib, int batch, engine_progress_fn report, void *ctx,
                            int64_t *embedded, brass_error *err);

/* 1 if the absolute path lies inside the folder root (a root ending in '/' is a folder too), or,
 * with or_equal, is root itself. Shared by index (files gone from an indexed folder) and remove. */
int engine_path_under(const char *path, const char *root, int or_equal);
/* 1 if no regular file is at path for certain (ENOENT, ENOTDIR, or something else is there now);
 * 0 if one is, or if that cannot be told (EACCES in an unreadable folder: not the same as gone). */
int engine_path_gone(const char *path);
/* Replaces the heap string *s by a copy in which every invalid UTF-8 sequence is U+FFFD (search.c),
 * so that text can go into JSON as it is. Returns 0 or BRASS_ENOMEM (then *s is kept). */
int engine_utf8_fix(char **s);
/* Appends id to a growing array; returns 0 or BRASS_ENOMEM (the array is unchanged). */
int engine_ids_push(int64_t **ids, size_t *n, size_t *cap, int64_t id);

/* An ingest session for sources that arrive one at a time (the crawler): the batching, hashing
 * and embedding of brass_index over in-memory sources named by the caller (ingest.c). */
typedef struct engine_ingest engine_ingest;
/* Starts one (summary zeroed); end it with engine_ingest_end. */
int engine_ingest_begin(brass_library *lib, const brass_index_options *opts,
                        brass_index_summary *summary, brass_progress_fn progress, void *ctx,
                        engine_ingest **out, brass_error *err);
/* Indexes len bytes of data (an extract kind, doc_kind) as source name with title (NULL: the
 * last part of name): unchanged when its SHA-256 is as recorded, else queued (and embedded as
 * batches fill). A document that cannot be read is reported as skipped. 0 or an error. */
int engine_ingest_source(engine_ingest *e, const char *name, const char *title, const char *data,
                         size_t len, int kind, brass_error *err);
/* Reports progress (done of total sources) and, with name, an event about it; SKIPPED and
 * UNREADABLE are counted in the summary. */
void engine_ingest_event(engine_ingest *e, int event, const char *name, const char *note,
                         int64_t done, int64_t total);
/* Removes source name if the library holds it (own transaction), reported as REMOVED (why). */
int engine_ingest_remove(engine_ingest *e, const char *name, const char *why, brass_error *err);
/* Commits everything queued. */
int engine_ingest_flush(engine_ingest *e, brass_error *err);
/* Flushes (when rc is 0), embeds what lacks vectors, updates the graph, frees e. Returns rc or
 * the first error. */
int engine_ingest_end(engine_ingest *e, int rc, brass_error *err);

#endif
