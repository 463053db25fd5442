/*
 * hnsw_internal.h - the HNSW index's memory layout, shared by the algorithm (hnsw.c) and the
 * byte format (hnsw_io.c). Nothing outside src/index/ includes it.
 *
 * Memory layout. Every vector lives in a slot 0..count-1, handed out in insertion order and never
 * reused (a removed vector keeps its slot as a tombstone until hnsw_rebuild). Per slot s:
 *
 *   vectors + s * stride      float[stride]   the normalised vector; stride = dim rounded up to
 *                                             16 floats, padding zero; rows 64-byte aligned
 *   codes + s * stride8       int8[stride8]   instead of vectors in an int8 index (HNSW_VEC_INT8):
 *   scales[s]                 float           the normalised vector ~ scales[s] * codes;
 *                                             stride8 = dim rounded up to 64, padding zero
 *   links0  + s * l0_stride   uint32[l0_stride] level-0 neighbour list:
 *                                             [0] = n (<= M0), [1..n] = neighbour slots
 *                                             l0_stride = 1 + M0 rounded up to 16 (64 bytes)
 *   upper[s]                  NULL when level 0, else uint32[level * (1 + M)]: the lists of
 *                                             levels 1..level, each [n (<= M), ids[M]]
 *   labels[s] int64, levels[s] uint8, flags[s] uint8 (HNSW_F_*), locks[s] uint8 (spinlock),
 *   indeg[s] uint32: how many level-0 lists hold s (kept so pruning never orphans a node)
 *
 * Concurrency. A neighbour list is only written with its node's spinlock held, one word at a time
 * with release stores; searches read it without locks, word by word with acquire loads. A reader
 * may see a list half old, half new, but every id in it is a slot that was fully written (vector,
 * level, upper lists) before its id was first stored anywhere, so following it is safe. Vectors,
 * levels, labels and upper[] pointers of a slot are written once, before the slot is linked, and
 * never change. Reallocation (growing capacity) happens only under grow_lock held for writing;
 * every other operation holds it for reading. Holding it for reading guarantees no free slot:
 * slots are handed out under label_mu, which re-checks count against capacity. A node is linked
 * bottom up (level 0 first), so once it is reachable on level l its lists below l are complete.
 */
#ifndef BRASS_INDEX_HNSW_INTERNAL_H
#define BRASS_INDEX_HNSW_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "index/hnsw.h"
#include "index/hnsw_dot.h"
#include "index/hnsw_dot8.h"
#include "index/hnsw_labels.h"

#define HNSW_MAX_LEVEL 31
#define HNSW_F_LINKED 1u  /* fully inserted: exact search and serialisation may read it */
#define HNSW_F_DELETED 2u /* tombstone */

/* (distance, slot) pair; distance = 1 - cosine similarity, smaller is closer. */
typedef struct hnsw_cand {
  float d;
  uint32_t id;
} hnsw_cand;

/* One thread's scratch for one operation; pooled in the index and reused. */
typedef struct hnsw_scratch {
  struct hnsw_scratch *next; /* free list link */
  uint16_t *visited;         /* (visited_len) generation tags per slot */
  size_t visited_len;
  uint16_t gen;          /* current generation; visited[s] == gen means seen */
  hnsw_cand *cand, *res; /* candidate min-heap and result max-heap */
  size_t cand_cap, res_cap;
  float *query;   /* (stride) normalised query, zero padded, 64-byte aligned */
  int8_t *qcodes; /* (stride8) its int8 codes, in an int8 index */
  size_t bytes;   /* heap bytes held, for stats */
} hnsw_scratch;

/* The graph and its storage: everything hnsw_rebuild swaps wholesale. Fields touched by
 * concurrent threads are read and written with __atomic builtins, never plainly. */
typedef struct hnsw_graph {
  size_t capacity;    /* slots allocated */
  size_t count;       /* slots handed out (atomic; written under label_mu) */
  size_t n_deleted;   /* tombstones (atomic) */
  uint64_t entry;     /* atomic: ((uint64)(max_level + 1) << 32) | entry slot; 0 when empty */
  float *vectors;     /* (capacity, stride); NULL in an int8 index */
  int8_t *codes;      /* (capacity, stride8); int8 index only */
  float *scales;      /* (capacity); int8 index only */
  uint32_t *links0;   /* (capacity, l0_stride) */
  uint32_t **upper;   /* (capacity) */
  int64_t *labels;    /* (capacity) */
  uint8_t *levels;    /* (capacity) */
  uint8_t *flags;     /* (capacity) atomic bytes */
  uint8_t *locks;     /* (capacity) spinlocks */
  uint32_t *indeg;    /* (capacity) atomic: level-0 in-degree */
  size_t upper_bytes; /* bytes in all upper lists, for stats */
  hnsw_labels map;    /* label -> slot of the live vectors (guarded by label_mu) */
} hnsw_graph;

struct hnsw {
  /* parameters, fixed at creation */
  int dim;
  size_t stride;    /* floats per stored vector */
  int M, M0;        /* list capacity on levels >= 1 and on level 0 (= 2 * M) */
  size_t l0_stride; /* uint32 words per level-0 list */
  int ef_construction;
  int ef_search; /* atomic */
  uint64_t seed;
  double level_mult; /* 1 / ln(M) */
  hnsw_dot_fn dot;
  int vectors;    /* HNSW_VEC_F32 or HNSW_VEC_INT8 */
  size_t stride8; /* bytes per int8 row */
  hnsw_dot8_fn dot8;

  hnsw_graph g;

  pthread_rwlock_t grow_lock; /* held for writing only while reallocating g's arrays */
  pthread_mutex_t label_mu;   /* g.map, g.count, slot reservation */
  pthread_mutex_t entry_mu;   /* held by an insert that may raise the top level */
  pthread_mutex_t scratch_mu; /* free_scratch */
  hnsw_scratch *free_scratch;
  size_t scratch_count; /* scratches ever made (atomic) */
};

/* ---- atomics on plain memory ---- */
static inline uint32_t hnsw_ld32(const uint32_t *p) {
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static inline void hnsw_st32(uint32_t *p, uint32_t v) {
  __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
static inline uint8_t hnsw_flags(const hnsw *h, uint32_t s) {
  return __atomic_load_n(&h->g.flags[s], __ATOMIC_ACQUIRE);
}
static inline size_t hnsw_count(const hnsw *h) {
  return __atomic_load_n(&h->g.count, __ATOMIC_ACQUIRE);
}

/* ---- layout accessors ---- */
static inline float *hnsw_vec(const hnsw *h, uint32_t s) {
  return h->g.vectors + s * h->stride;
}
static inline int8_t *hnsw_codes(const hnsw *h, uint32_t s) {
  return h->g.codes + s * h->stride8;
}
/* The list of slot s at level (level <= levels[s]): [n, ids...]. */
static inline uint32_t *hnsw_list(const hnsw *h, uint32_t s, int level) {
  if (level == 0) return h->g.links0 + s * h->l0_stride;
  return h->g.upper[s] + (size_t)(level - 1) * (size_t)(h->M + 1);
}

/* Allocates the arrays of g for capacity slots (zeroed; nothing else set). 0 or BRASS_ENOMEM. */
int hnsw_graph_alloc(const hnsw *h, hnsw_graph *g, size_t capacity);
void hnsw_graph_free(hnsw_graph *g);
/* Recomputes every derived field of h from its parameters (stride, M0, kernel, ...) and creates
 * its locks; g is left empty. Used by hnsw_create and hnsw_deserialize. */
int hnsw_init_struct(hnsw *h, const hnsw_params *p, brass_error *err);
/* The checksum stored at offset 72 of a serialised buffer of `total` bytes (hnsw_io.c). */
uint64_t hnsw_io_checksum(const uint8_t *buf, size_t total);
/* Approximate heap bytes held by the index. */
size_t hnsw_memory_bytes(const hnsw *h);

#endif
