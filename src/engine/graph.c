/*
 * graph.c - keeping the library's HNSW graph in step with its vectors.
 *
 * The store holds the graph serialized, tagged with the generation (count of committed ingest
 * batches, engine.h) it reflects. After an indexing run, engine_graph_update() brings the graph
 * up to date incrementally: it starts from the handle's cached graph or the saved one (whatever
 * generation it reflects: chunk ids are never reused and a chunk's vector never changes once
 * written, so any saved graph is a valid starting point), tombstones labels whose chunks are
 * gone, inserts the vectors it lacks (in parallel on the model's pool, reporting progress), and
 * rebuilds when tombstones pass HNSW_REBUILD_RATIO.
 *
 * Saving is serialised among writers: the write lock is held from reading the generation to the
 * commit, and a graph is only ever saved for the generation current under that lock. A writer
 * whose batches were overtaken by another's catches up with their vectors under the lock (a
 * small delta), so whichever run finishes last leaves a current graph, and an older graph can
 * never overwrite a newer one.
 *
 * Searches call engine_graph_current(): the cached graph if current, else the saved one if its
 * generation matches, else the saved one brought up to date (after an interrupted run or a
 * removal without the model), which is then saved when the library is writable and its lock is
 * free at once, so the next search loads it instead of building it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "engine/engine.h"
#include "model/model.h"

#define GRAPH_PROGRESS_SLICE 1024 /* vectors added between two progress reports */

/* Chunk ids of every stored vector, plus the vectors the graph lacks (all when graph is NULL). */
typedef struct graph_scan {
  const hnsw *graph;
  int dim;
  int64_t *ids; /* every stored vector's chunk id, ascending */
  size_t nids, ids_cap;
  int64_t *add_ids; /* those not live in graph */
  float *add_vecs;  /* (nadd, dim) */
  size_t nadd, add_cap;
} graph_scan;

static int graph_scan_fn(void *ctx, int64_t chunk_id, const float *v, int dim) {
  graph_scan *g = ctx;
  if (dim != g->dim) return BRASS_EFORMAT;
  if (g->nids == g->ids_cap) {
    size_t cap = g->ids_cap ? g->ids_cap * 2 : 1024;
    int64_t *a = realloc(g->ids, cap * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    g->ids = a;
    g->ids_cap = cap;
  }
  g->ids[g->nids++] = chunk_id;
  if (g->graph && hnsw_contains(g->graph, chunk_id)) return 0;
  if (g->nadd == g->add_cap) {
    size_t cap = g->add_cap ? g->add_cap * 2 : 256;
    int64_t *a = realloc(g->add_ids, cap * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    g->add_ids = a;
    float *f = realloc(g->add_vecs, cap * (size_t)dim * sizeof *f);
    if (!f) return BRASS_ENOMEM;
    g->add_vecs = f;
    g->add_cap = cap;
  }
  g->add_ids[g->nadd] = chunk_id;
  memcpy(g->add_vecs + g->nadd * (size_t)dim, v, (size_t)dim * sizeof *v);
  g->nadd++;
  return 0;
}

static void graph_scan_free(graph_scan *g) {
  free(g->ids);
  free(g->add_ids);
  free(g->add_vecs);
}

static int graph_cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Tombstones every live label of h that is not in ids (sorted). The live labels are listed by
 * an exact search for all of them (k = size), a linear scan the index already offers. */
static int graph_drop_stale(hnsw *h, const int64_t *ids, size_t nids, brass_error *err) {
  size_t live = hnsw_size(h);
  if (!live) return 0;
  if (live > (size_t)INT32_MAX) return err_set(err, BRASS_ERANGE, "graph: too many vectors");
  hnsw_stats hs;
  hnsw_get_stats(h, &hs);
  int64_t *labels = malloc(live * sizeof *labels);
  float *scores = malloc(live * sizeof *scores);
  float *q = calloc((size_t)hs.dim, sizeof *q);
  int rc = 0;
  if (!labels || !scores || !q) rc = err_set(err, BRASS_ENOMEM, "graph: out of memory");
  if (!rc) q[0] = 1.0f;
  int got = rc ? 0 : hnsw_search_exact(h, q, (int)live, labels, scores, err);
  if (got < 0) rc = got;
  for (int i = 0; !rc && i < got; i++)
    if (!nids || !bsearch(&labels[i], ids, nids, sizeof *ids, graph_cmp_id))
      rc = hnsw_remove(h, labels[i], err);
  free(labels);
  free(scores);
  free(q);
  return rc;
}

/* The HNSW vector type matching the library's vector format (HNSW_VEC_*), or a negative error. */
static int graph_vectors(brass_library *lib, brass_error *err) {
  int f = store_vector_format(lib->st, err);
  return f < 0 ? f : f == STORE_VECTORS_INT8 ? HNSW_VEC_INT8 : HNSW_VEC_F32;
}

/* Loads the saved graph if its generation is gen (any generation when gen < 0: a starting point
 * for graph_sync); *out NULL when there is none, it is stale or it is unreadable (the caller then
 * builds one). */
static int graph_load(brass_library *lib, int64_t gen, hnsw **out, brass_error *err) {
  *out = NULL;
  char buf[32];
  int have = store_meta_get(lib->st, "graph_generation", buf, sizeof buf, err);
  if (have <= 0) return have;
  if (gen >= 0 && strtoll(buf, NULL, 10) != gen) return 0;
  store_graph_info info;
  unsigned char *data = NULL;
  size_t len = 0;
  int rc = store_graph_load(lib->st, &info, &data, &len, err);
  if (rc <= 0) return rc;
  brass_error derr;
  hnsw *h = NULL;
  if (hnsw_deserialize(data, len, &h, &derr)) h = NULL; /* corrupt: rebuilt by the caller */
  free(data);
  if (h) {
    hnsw_stats hs;
    hnsw_get_stats(h, &hs);
    int want = graph_vectors(lib, err);
    if (want < 0) {
      hnsw_free(h);
      return want;
    }
    if (hs.dim != lib->dim || hs.vectors != want) {
      hnsw_free(h);
      h = NULL;
    } else {
      /* efSearch is a query-time choice: the saved one is only the default of the build that
       * saved it, so graphs saved before a default changed search at today's default */
      hnsw_set_ef_search(h, HNSW_DEFAULT_EF_SEARCH);
    }
  }
  *out = h;
  return 0;
}

/* Brings h (NULL: a new graph) up to date with the stored vectors. */
static int graph_sync(brass_library *lib, hnsw **hp, brass_error *err) {
  hnsw *h = *hp;
  int rc = 0;
  if (!h) {
    hnsw_params p;
    hnsw_params_init(&p, lib->dim);
    if ((p.vectors = graph_vectors(lib, err)) < 0) return p.vectors;
    if ((rc = hnsw_create(&p, &h, err))) return rc;
    *hp = h;
  }
  graph_scan g = {h, lib->dim, NULL, 0, 0, NULL, NULL, 0, 0};
  rc = store_vector_foreach(lib->st, graph_scan_fn, &g, err);
  if (rc == BRASS_ENOMEM || rc == BRASS_EFORMAT)
    rc = err_set(err, rc, "%s: cannot load the vectors (%s)", store_path(lib->st),
                 rc == BRASS_ENOMEM ? "out of memory" : "wrong dimension");
  pool *p = lib->model ? lib->model->pool : NULL;
  if (!rc) rc = graph_drop_stale(h, g.ids, g.nids, err);
  if (!rc && g.nadd) rc = hnsw_reserve(h, hnsw_size(h) + g.nadd, err);
  /* in slices, so that a long build can report progress */
  size_t slice = lib->graph_progress ? GRAPH_PROGRESS_SLICE : g.nadd;
  if (!rc && g.nadd && lib->graph_progress) /* the build has begun: shown before its first slice */
    lib->graph_progress(lib->graph_progress_ctx, 0, (int64_t)g.nadd);
  for (size_t off = 0; !rc && off < g.nadd; off += slice) {
    size_t m = g.nadd - off < slice ? g.nadd - off : slice;
    rc = hnsw_add_batch(h, p, g.add_ids + off, g.add_vecs + off * (size_t)lib->dim, m, err);
    if (!rc && lib->graph_progress)
      lib->graph_progress(lib->graph_progress_ctx, (int64_t)(off + m), (int64_t)g.nadd);
  }
  if (!rc && hnsw_needs_rebuild(h)) rc = hnsw_rebuild(h, p, err);
  graph_scan_free(&g);
  return rc;
}

/* Saves h under the write lock, which is held from reading the generations to the commit, so
 * that saves are serialised among processes and a graph never replaces a newer one.
 *  - A writer (try = 0) waits for the lock, catches up with batches committed since h was synced
 *    (a delta, under the lock), and saves h as the graph of the generation current under the
 *    lock (also over an equally current one: compaction replaces it); *gen receives it.
 *    Whichever writer saves last leaves a current graph.
 *  - A search (try = 1) never waits: without the lock at once (another process writes and will
 *    save its own), or on a read-only handle, it saves nothing. It saves h tagged with the
 *    generation h reflects (*gen, maybe no longer current while an index run goes on) when the
 *    saved graph is older, so that the next search starts from it and adds only the rest.
 * Returns 1 saved, 0 not saved, or an error (never for a search: it keeps its graph in memory). */
static int graph_save_current(brass_library *lib, hnsw **hp, int64_t *gen, int try,
                              brass_error *err) {
  brass_error lerr;
  int rc = try ? store_try_begin(lib->st, &lerr) : store_begin(lib->st, err);
  if (rc) return try ? 0 : rc;
  char buf[32];
  int64_t now = engine_generation(lib->st, err);
  int have = now < 0 ? (int)now : store_meta_get(lib->st, "graph_generation", buf, sizeof buf, err);
  rc = have < 0 ? have : 0;
  int64_t saved = have > 0 ? strtoll(buf, NULL, 10) : -1;
  if (!rc && !try && now != *gen) rc = graph_sync(lib, hp, err); /* other writers' batches */
  if (!rc && !try) *gen = now;
  int save = !rc && (!try || saved < *gen); /* a search: only over an older graph */
  uint8_t *data = NULL;
  size_t len = 0;
  if (save) rc = hnsw_serialize_alloc(*hp, &data, &len, err);
  if (!rc && save) {
    hnsw_stats hs;
    hnsw_get_stats(*hp, &hs);
    store_graph_info info = {hs.dim, hs.M, hs.ef_construction, hs.ef_search, 42, (int64_t)hs.live};
    char g[32];
    snprintf(g, sizeof g, "%lld", (long long)*gen);
    rc = store_graph_save(lib->st, &info, data, len, err);
    if (!rc) rc = store_meta_set(lib->st, "graph_generation", g, err);
  }
  free(data);
  if (!rc && save) rc = store_commit(lib->st, err);
  if (store_in_transaction(lib->st)) {
    brass_error ignored;
    store_rollback(lib->st, &ignored);
  }
  if (rc && try) return 0;
  return rc ? rc : save;
}

/* Makes h the handle's cached graph for generation gen. */
static void graph_cache(brass_library *lib, hnsw *h, int64_t gen) {
  if (lib->graph != h) hnsw_free(lib->graph);
  lib->graph = h;
  lib->graph_generation = gen;
  lib->graph_unembedded = -1; /* counted again when a search asks */
}

int engine_graph_current(brass_library *lib, brass_error *err) {
  int64_t gen = engine_generation(lib->st, err);
  if (gen < 0) return (int)gen;
  if (lib->graph && lib->graph_generation == gen) return 0;
  hnsw *h = NULL;
  int rc = graph_load(lib, gen, &h, err);
  int stale = !rc && !h;
  if (stale) {
    /* start from the newer of the cached graph (a long-lived handle: serve) and the saved one */
    char buf[32];
    int have = store_meta_get(lib->st, "graph_generation", buf, sizeof buf, err);
    if (have < 0) return have;
    if (lib->graph && (!have || lib->graph_generation >= strtoll(buf, NULL, 10))) {
      h = lib->graph;
      lib->graph = NULL;
    } else {
      rc = graph_load(lib, -1, &h, err);
    }
  }
  if (!rc && stale) rc = graph_sync(lib, &h, err);
  if (!rc && stale) {
    int64_t saved_gen = gen;
    rc = graph_save_current(lib, &h, &saved_gen, 1, err);
    rc = rc < 0 ? rc : 0;
  }
  if (rc) {
    hnsw_free(h);
    return rc;
  }
  graph_cache(lib, h, gen);
  return 0;
}

int engine_graph_update(brass_library *lib, int64_t gen0, brass_error *err) {
  int64_t gen = engine_generation(lib->st, err);
  if (gen < 0) return (int)gen;
  char buf[32];
  int have = store_meta_get(lib->st, "graph_generation", buf, sizeof buf, err);
  if (have < 0) return have;
  if (have && strtoll(buf, NULL, 10) == gen) return 0; /* saved graph is current */
  hnsw *h = NULL;
  int rc = 0;
  if (lib->graph && lib->graph_generation == gen0) {
    h = lib->graph; /* take the cached graph over */
    lib->graph = NULL;
  } else {
    rc = graph_load(lib, -1, &h, err);
  }
  if (!rc) rc = graph_sync(lib, &h, err);
  if (!rc) rc = graph_save_current(lib, &h, &gen, 0, err);
  if (rc < 0) {
    hnsw_free(h);
    return rc;
  }
  graph_cache(lib, h, gen);
  return 0;
}

int engine_graph_compact(brass_library *lib, brass_error *err) {
  int rc = engine_graph_current(lib, err);
  if (rc) return rc;
  pool *p = lib->model ? lib->model->pool : NULL;
  hnsw_stats hs;
  hnsw_get_stats(lib->graph, &hs);
  if (hs.deleted && (rc = hnsw_rebuild(lib->graph, p, err))) return rc;
  int64_t gen = lib->graph_generation;
  rc = graph_save_current(lib, &lib->graph, &gen, 0, err);
  if (rc < 0) return rc;
  lib->graph_generation = gen;
  return 0;
}

int64_t engine_graph_unembedded(brass_library *lib, brass_error *err) {
  if (!lib->graph) return 0;
  if (lib->graph_unembedded < 0) {
    int64_t chunks = store_chunk_count(lib->st, err);
    if (chunks < 0) return chunks;
    int64_t live = (int64_t)hnsw_size(lib->graph);
    /* a cheap estimate, confirmed by counting when it is not 0 (it can be off while another
     * process writes between the two counts) */
    lib->graph_unembedded = chunks > live ? store_chunks_unembedded_count(lib->st, err) : 0;
    if (lib->graph_unembedded < 0) {
      int64_t rc = lib->graph_unembedded;
      lib->graph_unembedded = -1;
      return rc;
    }
  }
  return lib->graph_unembedded;
}
