/*
 * hnsw.h - approximate nearest-neighbour search over L2-normalised float vectors (cosine
 * similarity, computed as an inner product) with a Hierarchical Navigable Small World graph.
 *
 * Vectors are identified by caller-chosen int64 labels. The index copies and normalises every
 * vector it is given, so queries and stored vectors need not be normalised by the caller; a zero
 * vector stays zero and scores 0 against everything. Scores returned are cosine similarities,
 * best first.
 *
 * Threads: hnsw_add, hnsw_add_batch, hnsw_remove, hnsw_search, hnsw_search_exact and the getters
 * may all be called concurrently from any threads. hnsw_rebuild, hnsw_serialize and hnsw_free
 * need the index to themselves (no other call in flight). Searches allocate nothing once the
 * index has served as many concurrent searches before (per-thread scratch is pooled and reused).
 *
 * Deletes are tombstones: a removed vector is never returned but still routes searches. Once
 * hnsw_needs_rebuild() says so (more than 30% of slots are tombstones), hnsw_rebuild() rebuilds
 * the graph from the live vectors.
 */
#ifndef BRASS_INDEX_HNSW_H
#define BRASS_INDEX_HNSW_H

#include <stddef.h>
#include <stdint.h>

#include "base/pool.h"
#include "brass.h"

#define HNSW_DEFAULT_M 16
#define HNSW_DEFAULT_EF_CONSTRUCTION 200
/* Recall@10 >= 0.95 at M = 16 on both 100k x 384 test sets (tests/index/test_hnsw_recall.sh):
 * clustered synthetic vectors need about 64, embeddings of real text by a random-weight model
 * (crowded: mean cosine 0.84) about 160; 192 leaves a margin (see docs/hnsw.md). */
#define HNSW_DEFAULT_EF_SEARCH 192
#define HNSW_MAX_DIM 65536
#define HNSW_MAX_M 64
/* A rebuild is due when tombstones exceed this share of the slots. */
#define HNSW_REBUILD_RATIO 0.30

typedef struct hnsw hnsw;

/* How the index stores its vectors: float32, or int8 codes with one float scale per vector
 * (hnsw_dot8.h: 4x less memory; distances are integer inner products, searches re-rank their
 * candidates with the float query against the codes, see docs/hnsw.md). */
enum { HNSW_VEC_F32 = 0, HNSW_VEC_INT8 = 1 };

typedef struct hnsw_params {
  int dim;             /* vector dimension, 1..HNSW_MAX_DIM */
  int M;               /* links per node on levels >= 1 (level 0 keeps 2 * M); 2..HNSW_MAX_M */
  int ef_construction; /* candidate list size while inserting, >= 1 */
  int ef_search;       /* default candidate list size for hnsw_search, >= 1 */
  uint64_t seed;       /* seeds the level of each vector (a hash of seed and label) */
  size_t capacity;     /* slots to allocate up front (the index grows by doubling); 0 = 1024 */
  int vectors;         /* HNSW_VEC_F32 (0) or HNSW_VEC_INT8 */
} hnsw_params;

typedef struct hnsw_stats {
  size_t live;         /* vectors that searches can return */
  size_t deleted;      /* tombstones */
  size_t slots;        /* live + deleted */
  size_t capacity;     /* allocated slots */
  size_t memory_bytes; /* heap bytes held by the index (vectors, graph, maps, scratch) */
  int max_level;       /* top level of the graph, -1 when empty */
  int dim, M, ef_construction, ef_search;
  const char *kernel; /* inner-product kernel: "avx512", "avx2", "wasm-simd128", "ref" (f32);
                         "avx512-vnni", "avx2", "wasm-simd128", "ref" (int8) */
  int vectors;        /* HNSW_VEC_F32 or HNSW_VEC_INT8 */
} hnsw_stats;

/* Fills p with the defaults for dimension dim (M 16, efConstruction 200, efSearch 192, seed 42,
 * float32 vectors). */
void hnsw_params_init(hnsw_params *p, int dim);

/* Creates an empty index. Returns 0, BRASS_EINVAL for bad parameters, or BRASS_ENOMEM. */
int hnsw_create(const hnsw_params *p, hnsw **out, brass_error *err);
/* Frees the index and everything it holds; NULL is fine. */
void hnsw_free(hnsw *h);

/* Makes room for n vectors in all, so the next inserts up to n do not reallocate. */
int hnsw_reserve(hnsw *h, size_t n, brass_error *err);

/* Inserts one vector (dim floats, any norm, finite) under label. A label already live in the
 * index is refused with BRASS_EINVAL (remove it first); a removed label may be added again. */
int hnsw_add(hnsw *h, int64_t label, const float *vec, brass_error *err);

/* Inserts n vectors (vecs: (n, dim) row-major) with their labels, linking them into the graph in
 * parallel on pool p (NULL runs on the caller). All or nothing: on an error (bad vector, label
 * live already or repeated in the batch, no memory) nothing is inserted. */
int hnsw_add_batch(hnsw *h, pool *p, const int64_t *labels, const float *vecs, size_t n,
                   brass_error *err);

/* Tombstones label. Returns 0, or BRASS_EINVAL if the label is not live in the index. */
int hnsw_remove(hnsw *h, int64_t label, brass_error *err);

/* 1 if label is live in the index, else 0. */
int hnsw_contains(const hnsw *h, int64_t label);

/* Copies label's stored (normalised) vector, dim floats, to out (an int8 index: its codes times
 * its scale). BRASS_EINVAL if not live. */
int hnsw_get_vector(const hnsw *h, int64_t label, float *out, brass_error *err);

/* Approximate k nearest live vectors to q (dim floats). ef is the candidate list size, 0 for the
 * index's ef_search; values below k are raised to k. Writes up to k labels and scores (cosine
 * similarity, best first; scores may be NULL) and returns how many were written (fewer than k
 * when the index holds fewer live vectors), or a negative BRASS_E* code. */
int hnsw_search(const hnsw *h, const float *q, int k, int ef, int64_t *labels, float *scores,
                brass_error *err);

/* The same answer computed exactly, by comparing q with every live vector; ties are broken by
 * insertion order. For verification and for small sets. */
int hnsw_search_exact(const hnsw *h, const float *q, int k, int64_t *labels, float *scores,
                      brass_error *err);

/* Filtered search: hnsw_search returning only labels for which accept(ctx, label) is non-zero.
 * Rejected nodes still route the walk (as tombstones do) and the walk goes on until ef accepted
 * nodes are held, so k results come back whenever k accepted vectors are reachable. Its cost
 * grows as the accepted share shrinks; for a small accepted set hnsw_search_labels is cheaper
 * (engine/search.c decides by selectivity, see docs/hnsw.md). accept must be thread-safe. */
typedef int (*hnsw_accept_fn)(void *ctx, int64_t label);
int hnsw_search_filter(const hnsw *h, const float *q, int k, int ef, hnsw_accept_fn accept,
                       void *ctx, int64_t *labels, float *scores, brass_error *err);

/* Exact k nearest among the ncand given labels (those not live in the index are ignored). */
int hnsw_search_labels(const hnsw *h, const float *q, int k, const int64_t *cand, size_t ncand,
                       int64_t *labels, float *scores, brass_error *err);

/* Sets the default candidate list size for hnsw_search (clamped to >= 1). */
void hnsw_set_ef_search(hnsw *h, int ef);

void hnsw_get_stats(const hnsw *h, hnsw_stats *out);
/* Live vectors. */
size_t hnsw_size(const hnsw *h);

/* 1 when tombstones exceed HNSW_REBUILD_RATIO of the slots, else 0. */
int hnsw_needs_rebuild(const hnsw *h);
/* Rebuilds the graph from the live vectors (same labels, parameters and seed), dropping every
 * tombstone; inserts run on pool p (NULL: the caller). On error the index is left unchanged. */
int hnsw_rebuild(hnsw *h, pool *p, brass_error *err);

/* ---- serialisation (hnsw_io.c) ----------------------------------------------------------------
 * A self-contained little-endian byte format with a magic, a version and a checksum: parameters,
 * labels, levels, tombstones, vectors and every neighbour list. Loading validates everything and
 * answers BRASS_EFORMAT for any corrupt or truncated buffer (BRASS_EUNSUPPORTED for a newer
 * version); the loaded index answers every search exactly as the saved one did. */

/* Bytes hnsw_serialize will write. */
size_t hnsw_serialized_size(const hnsw *h);
/* Writes the index to buf (cap bytes, at least hnsw_serialized_size()). Returns 0, or BRASS_ERANGE
 * if cap is too small. */
int hnsw_serialize(const hnsw *h, void *buf, size_t cap, brass_error *err);
/* The same into a new malloc'd buffer that the caller frees with free(). */
int hnsw_serialize_alloc(const hnsw *h, uint8_t **out, size_t *len, brass_error *err);
/* Builds an index from a buffer written by hnsw_serialize; the buffer is not kept. */
int hnsw_deserialize(const void *buf, size_t len, hnsw **out, brass_error *err);

#endif
