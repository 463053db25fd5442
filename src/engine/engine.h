/*
 * engine.h - the brass_library handle shared by the engine's files: library.c opens a store and
 * (optionally) a model and checks that they belong together, ingest.c fills the store, search.c
 * answers queries, rrf.c fuses ranked lists.
 *
 * Invariants: with a model, every chunk in the store has a vector of dim floats (ingest writes a
 * file's chunks and their vectors in one transaction). The meta key "generation" counts committed
 * ingest batches; the saved HNSW graph is current only when "graph_generation" equals it.
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
  int keyword_only_vectors; /* 1: the library has chunks indexed without a model */
  int model_missing;        /* 1: a model is recorded but this handle has none open */
  hnsw *graph;              /* cached graph for search (NULL until needed) */
  int64_t graph_generation; /* generation the cached graph reflects */
};

/* Reads the meta key "generation" (0 when absent). */
int64_t engine_generation(store *st, brass_error *err);
/* Writes generation + 1 into meta (inside the caller's transaction). */
int engine_bump_generation(store *st, brass_error *err);

/* Records lib's model (identity and folder) in the store, in its own transaction. */
int engine_record_model(brass_library *lib, brass_error *err);

/* Makes lib->graph match the stored vectors for searching (graph.c). */
int engine_graph_current(brass_library *lib, brass_error *err);
/* After an indexing run that started at generation gen0: updates the graph incrementally and
 * saves it with the current generation (own transaction); a no-op when the saved one is current. */
int engine_graph_update(brass_library *lib, int64_t gen0, brass_error *err);
/* Rebuilds the current graph from its live vectors (dropping tombstones) and saves it (own
 * transaction). Needs lib's model dimension (lib->dim > 0). */
int engine_graph_compact(brass_library *lib, brass_error *err);

/* 1 if the absolute path lies inside the folder root (a root ending in '/' is a folder too), or,
 * with or_equal, is root itself. Shared by index (files gone from an indexed folder) and remove. */
int engine_path_under(const char *path, const char *root, int or_equal);
/* Replaces the heap string *s by a copy in which every invalid UTF-8 sequence is U+FFFD (search.c),
 * so that text can go into JSON as it is. Returns 0 or BRASS_ENOMEM (then *s is kept). */
int engine_utf8_fix(char **s);
/* Appends id to a growing array; returns 0 or BRASS_ENOMEM (the array is unchanged). */
int engine_ids_push(int64_t **ids, size_t *n, size_t *cap, int64_t id);

#endif
