/*
 * hnsw.c - Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016), the algorithm in
 * one file: insert, search, delete, rebuild. The memory layout of a node and its neighbour lists
 * is drawn in hnsw_internal.h; the byte format lives in hnsw_io.c.
 *
 * The idea. Every vector is a node with a random level L (P(L >= l) = M^-l). Level 0 holds every
 * node; each higher level holds a thinning subset, so the top levels form a coarse "express" graph.
 * A node keeps up to M neighbours on each level >= 1 and up to M0 = 2 * M on level 0. A search
 * starts at the entry point (a node of the top level), walks greedily towards the query on each
 * level down to 1, then runs a best-first search on level 0 that keeps the ef closest nodes seen
 * (ef trades speed for recall). An insert searches the same way with ef = efConstruction on every
 * level from its own down to 0, picks neighbours with the "heuristic" (a candidate is kept only if
 * it is closer to the new node than to every neighbour already kept, which spreads links across
 * directions), and links both ways; a neighbour whose list overflows re-selects its list with the
 * same heuristic.
 *
 * Distances. Vectors are normalised on the way in, so cosine similarity is an inner product; the
 * graph works on d = -dot (smaller is closer), and scores handed back are dot = -d, exactly the
 * inner product the kernel computed.
 *
 * int8 vectors (HNSW_VEC_INT8). Each normalised vector is kept as int8 codes and one scale
 * (hnsw_dot8.h); the query is quantised the same way, so every distance of the walk is an integer
 * inner product times the two scales. Quantising both sides costs a little ranking accuracy, so a
 * search re-scores the ef candidates it found with the float query against the codes (only the
 * stored side is quantised then) and returns the best k of those: the scores handed back are
 * these re-ranked ones.
 *
 * Threads (see hnsw.h for the contract). Inserts run concurrently: each neighbour list has a
 * one-byte spinlock held only while that list is rewritten (never two at once, so no lock order
 * to get wrong); readers walk lists lock-free with acquire loads (hnsw_internal.h explains why a
 * torn list is still safe). An insert that raises the top level holds entry_mu for its whole
 * duration, as hnswlib does, so the entry point changes one at a time. Slots, labels and vectors
 * are handed out under label_mu before linking starts, and the room is checked there (see
 * reserve_slots); growth takes grow_lock for writing. A node is linked bottom up (insert_slot).
 *
 * Levels come from a hash of (seed, label), not from a shared random stream, so they are the same
 * whatever order threads insert in, and rebuilding reproduces them.
 *
 * Scratch. A search needs a visited set and two heaps. Scratch objects are pooled in the index
 * (a mutex-guarded free list, as hnswlib's VisitedListPool): a search pops one, uses it, pushes
 * it back. The visited set is a uint16 generation tag per slot, so clearing it is one increment
 * (and a memset every 65535 searches).
 */
#include "index/hnsw.h"

#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mem.h"
#include "index/hnsw_internal.h"

/* ---- small helpers ---------------------------------------------------------------------- */

/* Zeroed memory aligned to 64 bytes. Arrays of HNSW_HUGE_MIN bytes and more (at 100k x 384 the
 * vectors are 154 MB and the level-0 lists 19 MB) are aligned to 2 MiB and advised as transparent
 * huge pages before they are first touched: a search reads rows scattered over the whole array, and
 * with 4 KiB pages nearly every row it scores costs a TLB miss (a page walk) on top of its cache
 * misses. The advice is only a hint (THP off, or no huge page free: plain pages, same results). */
#define HNSW_HUGE_MIN ((size_t)4 << 20)
static void *alloc_aligned(size_t bytes) {
  size_t rounded = 0;
  void *p = mem_alloc_large(bytes, 64, HNSW_HUGE_MIN, &rounded);
  if (p) memset(p, 0, rounded);
  return p;
}

static void node_lock(uint8_t *l) {
  unsigned spins = 0;
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
      if (++spins % 64 == 0) {
        sched_yield(); /* the holder may be descheduled on an oversubscribed machine */
      } else {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
    }
  }
}

static void node_unlock(uint8_t *l) {
  __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static inline void prefetch(const void *p) {
#if defined(__GNUC__)
  __builtin_prefetch(p, 0, 3);
#endif
}

/* Prefetches the cache lines of [p, p + bytes). */
static inline void prefetch_range(const void *p, size_t bytes) {
  const char *c = p;
  for (size_t o = 0; o < bytes; o += 64) prefetch(c + o);
}

/* Copies x (dim floats) to out, scaled to unit length; out's padding up to stride stays zero.
 * Returns 0, or -1 if x holds a NaN or infinity. */
static int normalise(const float *x, int dim, float *out) {
  double ss = 0;
  for (int i = 0; i < dim; i++) {
    if (!isfinite(x[i])) return -1;
    ss += (double)x[i] * x[i];
  }
  float scale = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
  for (int i = 0; i < dim; i++) out[i] = x[i] * scale;
  return 0;
}

static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Level of a label: floor(-ln(u) / ln(M)) for u uniform in (0, 1], drawn from hash(seed, label). */
static int level_for(const hnsw *h, int64_t label) {
  uint64_t x = mix64(h->seed ^ mix64((uint64_t)label));
  double u = (double)((x >> 11) + 1) * 0x1.0p-53;
  double l = -log(u) * h->level_mult;
  return l >= HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (int)l;
}

/* A query as the distance functions see it: the normalised float vector, and in an int8 index
 * its codes and scale. */
typedef struct hnsw_qv {
  const float *f;
  const int8_t *c;
  float s;
} hnsw_qv;

static inline int is_int8(const hnsw *h) {
  return h->vectors == HNSW_VEC_INT8;
}

static inline float dist_q(const hnsw *h, const hnsw_qv *q, uint32_t s) {
  if (is_int8(h))
    return -(float)h->dot8(q->c, hnsw_codes(h, s), h->stride8) * (q->s * h->g.scales[s]);
  return -h->dot(q->f, hnsw_vec(h, s), h->stride);
}

static inline float dist_ab(const hnsw *h, uint32_t a, uint32_t b) {
  if (is_int8(h))
    return -(float)h->dot8(hnsw_codes(h, a), hnsw_codes(h, b), h->stride8) *
           (h->g.scales[a] * h->g.scales[b]);
  return -h->dot(hnsw_vec(h, a), hnsw_vec(h, b), h->stride);
}

/* The stored row of slot s (float or int8), for prefetching. */
static inline const char *row_of(const hnsw *h, uint32_t s) {
  return is_int8(h) ? (const char *)hnsw_codes(h, s) : (const char *)hnsw_vec(h, s);
}

/* Slot s's stored vector as a query (inserts search with it). */
static inline hnsw_qv slot_qv(const hnsw *h, uint32_t s) {
  hnsw_qv q = {NULL, NULL, 0};
  if (is_int8(h)) {
    q.c = hnsw_codes(h, s);
    q.s = h->g.scales[s];
  } else {
    q.f = hnsw_vec(h, s);
  }
  return q;
}

/* Distance of the float query q to slot s's int8 codes (the re-ranking score). */
static inline float dist_rerank(const hnsw *h, const float *q, uint32_t s) {
  return -hnsw_dot_f8(q, hnsw_codes(h, s), h->stride) * h->g.scales[s];
}

static inline uint64_t entry_pack(uint32_t slot, int level) {
  return ((uint64_t)(level + 1) << 32) | slot;
}

/* ---- heaps of (d, id), ordered by d then id ---------------------------------------------- */

static inline int cand_less(hnsw_cand a, hnsw_cand b) {
  return a.d < b.d || (a.d == b.d && a.id < b.id);
}

/* Doubles a heap's array; returns 0 if that is impossible (the caller then drops the element:
 * a search loses a little recall rather than failing halfway). */
static int heap_grow(hnsw_cand **a, size_t *cap, hnsw_scratch *s) {
  size_t ncap = *cap ? *cap * 2 : 256;
  hnsw_cand *n = realloc(*a, ncap * sizeof *n);
  if (!n) return 0;
  s->bytes += (ncap - *cap) * sizeof *n;
  *a = n;
  *cap = ncap;
  return 1;
}

/* Min-heap (closest on top) of candidates to expand. */
static void minheap_push(hnsw_cand *a, size_t *len, hnsw_cand c) {
  size_t i = (*len)++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!cand_less(c, a[p])) break;
    a[i] = a[p];
    i = p;
  }
  a[i] = c;
}

static void minheap_pop(hnsw_cand *a, size_t *len) {
  hnsw_cand last = a[--(*len)];
  size_t n = *len, i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && cand_less(a[c + 1], a[c])) c++;
    if (!cand_less(a[c], last)) break;
    a[i] = a[c];
    i = c;
  }
  if (n) a[i] = last;
}

/* Max-heap (farthest on top) of results. */
static void maxheap_push(hnsw_cand *a, size_t *len, hnsw_cand c) {
  size_t i = (*len)++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!cand_less(a[p], c)) break;
    a[i] = a[p];
    i = p;
  }
  a[i] = c;
}

/* Replaces the top (farthest) with c and restores the heap. */
static void maxheap_replace_top(hnsw_cand *a, size_t n, hnsw_cand c) {
  size_t i = 0;
  for (;;) {
    size_t ch = 2 * i + 1;
    if (ch >= n) break;
    if (ch + 1 < n && cand_less(a[ch], a[ch + 1])) ch++;
    if (!cand_less(c, a[ch])) break;
    a[i] = a[ch];
    i = ch;
  }
  a[i] = c;
}

/* Sorts a max-heap in place into ascending order (heapsort's second half). */
static void maxheap_sort(hnsw_cand *a, size_t n) {
  while (n > 1) {
    hnsw_cand top = a[0];
    n--;
    maxheap_replace_top(a, n, a[n]);
    a[n] = top;
  }
}

/* ---- scratch pool ------------------------------------------------------------------------- */

static void scratch_free(hnsw_scratch *s) {
  if (!s) return;
  free(s->visited);
  free(s->cand);
  free(s->res);
  free(s->query);
  free(s->qcodes);
  free(s);
}

/* A scratch with a visited set covering every slot of the current capacity (the caller holds
 * grow_lock for reading, so capacity cannot change underneath). NULL when out of memory. */
static hnsw_scratch *scratch_get(const hnsw *hc) {
  hnsw *h = (hnsw *)hc; /* the pool is internal mutable state of a logically const index */
  pthread_mutex_lock(&h->scratch_mu);
  hnsw_scratch *s = h->free_scratch;
  if (s) h->free_scratch = s->next;
  pthread_mutex_unlock(&h->scratch_mu);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->query = alloc_aligned(h->stride * sizeof(float));
    if (is_int8(h)) {
      s->qcodes = alloc_aligned(h->stride8);
      s->bytes += h->stride8;
    }
    if (!s->query || (is_int8(h) && !s->qcodes) || !heap_grow(&s->cand, &s->cand_cap, s) ||
        !heap_grow(&s->res, &s->res_cap, s)) {
      scratch_free(s);
      return NULL;
    }
    s->bytes += sizeof *s + h->stride * sizeof(float);
    __atomic_fetch_add(&h->scratch_count, 1, __ATOMIC_RELAXED);
  }
  size_t need = h->g.capacity;
  if (s->visited_len < need) {
    uint16_t *v = calloc(need, sizeof *v);
    if (!v) {
      pthread_mutex_lock(&h->scratch_mu);
      s->next = h->free_scratch;
      h->free_scratch = s;
      pthread_mutex_unlock(&h->scratch_mu);
      return NULL;
    }
    free(s->visited);
    s->bytes += (need - s->visited_len) * sizeof *v;
    s->visited = v;
    s->visited_len = need;
    s->gen = 0;
  }
  return s;
}

static void scratch_put(const hnsw *hc, hnsw_scratch *s) {
  hnsw *h = (hnsw *)hc;
  pthread_mutex_lock(&h->scratch_mu);
  s->next = h->free_scratch;
  h->free_scratch = s;
  pthread_mutex_unlock(&h->scratch_mu);
}

static void visited_reset(hnsw_scratch *s) {
  if (++s->gen == 0) {
    memset(s->visited, 0, s->visited_len * sizeof *s->visited);
    s->gen = 1;
  }
}

/* ---- walking the graph -------------------------------------------------------------------- */

/* Greedy walk on one level: moves *cur to a closer neighbour until none is closer. */
static void greedy(const hnsw *h, const hnsw_qv *q, uint32_t *cur, float *dcur, int level) {
  uint32_t maxn = (uint32_t)(level ? h->M : h->M0);
  for (int changed = 1; changed;) {
    changed = 0;
    const uint32_t *list = hnsw_list(h, *cur, level);
    uint32_t n = hnsw_ld32(list);
    if (n > maxn) n = maxn;
    for (uint32_t j = 1; j <= n; j++) {
      uint32_t id = hnsw_ld32(&list[j]);
      float d = dist_q(h, q, id);
      if (d < *dcur) {
        *dcur = d;
        *cur = id;
        changed = 1;
      }
    }
  }
}

/* Best-first search on one level from ep (distance dep). Leaves the up-to-ef closest nodes found
 * in s->res as a max-heap and returns how many. With skip_deleted, tombstones are expanded (they
 * still route) but not kept as results, and the search goes on until ef results are held. */
typedef struct hnsw_pred {
  hnsw_accept_fn fn; /* NULL: every live node */
  void *ctx;
} hnsw_pred;

/* 1 if slot id may be a result: live and, with a predicate, accepted by it. */
static inline int result_ok(const hnsw *h, int skip_deleted, const hnsw_pred *pr, uint32_t id) {
  if (skip_deleted && (hnsw_flags(h, id) & HNSW_F_DELETED)) return 0;
  return !pr || pr->fn(pr->ctx, h->g.labels[id]);
}

/* A predicate (filtered search) works like tombstones: rejected nodes route but are not kept. */
static size_t search_layer(const hnsw *h, hnsw_scratch *s, const hnsw_qv *q, uint32_t ep, float dep,
                           size_t ef, int level, int skip_deleted, const hnsw_pred *pr) {
  uint32_t maxn = (uint32_t)(level ? h->M : h->M0);
  uint16_t *visited = s->visited;
  visited_reset(s);
  uint16_t gen = s->gen;
  size_t ncand = 0, nres = 0;
  hnsw_cand start = {dep, ep};
  visited[ep] = gen;
  minheap_push(s->cand, &ncand, start);
  if (result_ok(h, skip_deleted, pr, ep)) maxheap_push(s->res, &nres, start);
  float lower = nres ? dep : INFINITY; /* distance of the worst result held */

  uint32_t fresh[2 * HNSW_MAX_M];
  size_t row_bytes = is_int8(h) ? h->stride8 : h->stride * sizeof(float); /* 64 | row_bytes */
  size_t half_rest = row_bytes >= 128 ? row_bytes / 2 - 64 : 0;
  size_t list_bytes = (1 + (size_t)maxn) * sizeof(uint32_t);
  while (ncand) {
    hnsw_cand c = s->cand[0];
    if (c.d > lower && nres >= ef) break;
    minheap_pop(s->cand, &ncand);
    /* The new top is most often the next node expanded: its list arrives while c's neighbours
     * are scored (hnswlib gets this from keeping lists and vectors in one record). */
    if (ncand) prefetch_range(hnsw_list(h, s->cand[0].id, level), list_bytes);

    /* Collect the unvisited neighbours first and prefetch their vectors' first lines, then score
     * them, while each is scored fetching the whole next row and the first half of the one after
     * (at 100k x 384 a row is 24 lines from DRAM; the hardware prefetcher alone keeps too few of
     * them in flight). */
    const uint32_t *list = hnsw_list(h, c.id, level);
    uint32_t n = hnsw_ld32(list), m = 0;
    if (n > maxn) n = maxn;
    for (uint32_t j = 1; j <= n; j++) {
      uint32_t id = hnsw_ld32(&list[j]);
      if (visited[id] == gen) continue;
      visited[id] = gen;
      fresh[m++] = id;
      prefetch(row_of(h, id));
      if (is_int8(h)) prefetch(&h->g.scales[id]);
    }
    for (uint32_t j = 0; j < m; j++) {
      uint32_t id = fresh[j];
      if (j + 1 < m) prefetch_range(row_of(h, fresh[j + 1]) + 64, row_bytes - 64);
      if (j + 2 < m) prefetch_range(row_of(h, fresh[j + 2]) + 64, half_rest);
      float d = dist_q(h, q, id);
      if (nres >= ef && d >= lower) continue;
      hnsw_cand nc = {d, id};
      if (ncand < s->cand_cap || heap_grow(&s->cand, &s->cand_cap, s))
        minheap_push(s->cand, &ncand, nc);
      if (!result_ok(h, skip_deleted, pr, id)) continue;
      if (nres < ef) {
        if (nres < s->res_cap || heap_grow(&s->res, &s->res_cap, s))
          maxheap_push(s->res, &nres, nc);
      } else {
        maxheap_replace_top(s->res, nres, nc);
      }
      lower = s->res[0].d;
    }
  }
  return nres;
}

/* ---- linking ------------------------------------------------------------------------------ */

/* The neighbour-selection heuristic: walks candidates c[0..n) in ascending distance to the base
 * node and keeps one unless it is closer to an already kept node than to the base. Keeps at most
 * `keep`; writes them to out and returns how many.
 *
 * Exact copies of the base (distance <= self_d, the base's distance to itself) come first and
 * would all be kept (they tie rather than lose against each other), so a group of identical
 * vectors would fill its lists with one another and become an island the search cannot leave.
 * Instead at most HNSW_COPY_LINKS copies are kept, the newest ones (highest slots), so the group
 * forms a chain that reaches every copy while the rest of the list stays diverse. */
#define HNSW_COPY_LINKS 2
static size_t select_neighbors(const hnsw *h, const hnsw_cand *c, size_t n, size_t keep,
                               float self_d, hnsw_cand *out) {
  size_t copies = 0, m = 0;
  while (copies < n && c[copies].d <= self_d) copies++;
  for (size_t i = copies; i > 0 && m < HNSW_COPY_LINKS && m < keep; i--) out[m++] = c[i - 1];
  if (n - copies + m <= keep) { /* as hnswlib: room for every candidate, keep them all */
    memcpy(out + m, c + copies, (n - copies) * sizeof *c);
    return m + n - copies;
  }
  for (size_t i = copies; i < n && m < keep; i++) {
    int good = 1;
    for (size_t j = 0; j < m && good; j++)
      if (dist_ab(h, c[i].id, out[j].id) < c[i].d) good = 0;
    if (good) out[m++] = c[i];
  }
  return m;
}

static inline uint32_t indeg_of(const hnsw *h, uint32_t s) {
  return __atomic_load_n(&h->g.indeg[s], __ATOMIC_RELAXED);
}

/* Adds link node -> nb on level. If node's list is full, its neighbours plus nb are re-selected
 * with the heuristic. Holds node's lock while reading and writing the list.
 *
 * On level 0 a re-selection never orphans a node: a neighbour whose only in-link is this list
 * stays (appended if the heuristic left room, else in place of a kept neighbour that has other
 * in-links); with `force`, nb is treated the same way when nothing links to it yet. Without this
 * HNSW occasionally leaves a node that no search can reach. (In-degrees are read without locks,
 * so two racing re-selections may still orphan a node; that is rare and only costs recall.) */
static void add_link(const hnsw *h, uint32_t node, uint32_t nb, int level, int force) {
  uint32_t *list = hnsw_list(h, node, level);
  uint32_t maxn = (uint32_t)(level ? h->M : h->M0);
  node_lock(&h->g.locks[node]);
  uint32_t n = __atomic_load_n(list, __ATOMIC_RELAXED);
  for (uint32_t j = 1; j <= n; j++) {
    if (__atomic_load_n(&list[j], __ATOMIC_RELAXED) == nb) {
      node_unlock(&h->g.locks[node]);
      return;
    }
  }
  if (n < maxn) {
    hnsw_st32(&list[n + 1], nb);
    hnsw_st32(&list[0], n + 1);
    if (level == 0) __atomic_fetch_add(&h->g.indeg[nb], 1, __ATOMIC_RELAXED);
    node_unlock(&h->g.locks[node]);
    return;
  }
  hnsw_cand c[2 * HNSW_MAX_M + 1], kept[2 * HNSW_MAX_M + 1];
  for (uint32_t j = 0; j < n; j++) {
    uint32_t id = __atomic_load_n(&list[j + 1], __ATOMIC_RELAXED);
    c[j] = (hnsw_cand){dist_ab(h, node, id), id};
  }
  c[n] = (hnsw_cand){dist_ab(h, node, nb), nb};
  for (uint32_t i = 1; i <= n; i++) { /* insertion sort, ascending */
    hnsw_cand x = c[i];
    uint32_t j = i;
    for (; j > 0 && cand_less(x, c[j - 1]); j--) c[j] = c[j - 1];
    c[j] = x;
  }
  size_t m = select_neighbors(h, c, n + 1, maxn, dist_ab(h, node, node), kept);
  if (level == 0) {
    char in_kept[2 * HNSW_MAX_M + 1] = {0}; /* per candidate: kept by the heuristic? */
    for (size_t k = 0; k < m; k++)
      for (uint32_t i = 0; i <= n; i++)
        if (c[i].id == kept[k].id) in_kept[i] = 1;
    size_t replace = m; /* kept[replace - 1] is the next one to give up its place */
    for (uint32_t i = 0; i <= n; i++) {
      if (in_kept[i]) continue;
      int is_nb = c[i].id == nb;
      if (is_nb ? !(force && indeg_of(h, nb) == 0) : indeg_of(h, c[i].id) != 1) continue;
      if (m < maxn) {
        kept[m++] = c[i];
        continue;
      }
      while (replace > 0 && (kept[replace - 1].id == nb || indeg_of(h, kept[replace - 1].id) < 2))
        replace--;
      if (replace == 0) break;
      kept[--replace] = c[i];
    }
    /* in-degrees: nb gains one if kept; old neighbours that were dropped lose one */
    char now_kept[2 * HNSW_MAX_M + 1] = {0};
    for (size_t k = 0; k < m; k++)
      for (uint32_t i = 0; i <= n; i++)
        if (c[i].id == kept[k].id) now_kept[i] = 1;
    for (uint32_t i = 0; i <= n; i++) {
      if (c[i].id == nb) {
        if (now_kept[i]) __atomic_fetch_add(&h->g.indeg[nb], 1, __ATOMIC_RELAXED);
      } else if (!now_kept[i]) {
        __atomic_fetch_sub(&h->g.indeg[c[i].id], 1, __ATOMIC_RELAXED);
      }
    }
  }
  for (size_t j = 0; j < m; j++) hnsw_st32(&list[j + 1], kept[j].id);
  hnsw_st32(&list[0], (uint32_t)m);
  node_unlock(&h->g.locks[node]);
}

/* Links the reserved slot into the graph (its vector, label, level and upper lists are written).
 * s is this thread's scratch, with a visited set covering the capacity. */
static void insert_slot(hnsw *h, hnsw_scratch *s, uint32_t slot) {
  hnsw_qv qv = slot_qv(h, slot), *q = &qv;
  int level = h->g.levels[slot];

  pthread_mutex_lock(&h->entry_mu);
  uint64_t e = __atomic_load_n(&h->g.entry, __ATOMIC_ACQUIRE);
  int max_level = (int)(e >> 32) - 1;
  int raises = level > max_level;
  if (!raises) pthread_mutex_unlock(&h->entry_mu);
  if (e == 0) { /* the first node: it is the graph */
    __atomic_fetch_or(&h->g.flags[slot], HNSW_F_LINKED, __ATOMIC_RELEASE);
    __atomic_store_n(&h->g.entry, entry_pack(slot, level), __ATOMIC_RELEASE);
    pthread_mutex_unlock(&h->entry_mu);
    return;
  }

  uint32_t cur = (uint32_t)e;
  float dcur = dist_q(h, q, cur), self_d = dist_q(h, q, slot);
  for (int l = max_level; l > level; l--) greedy(h, q, &cur, &dcur, l);

  /* First choose the neighbours on every level, top down; then link, bottom up. The order of
   * linking matters to concurrent walks: the slot becomes visible on level l when its first
   * reverse link there is stored, and a walk that reaches it there goes on down through its
   * lists of levels l-1..0. Linking top down (as the paper's pseudocode reads) would leave those
   * lists empty for a while, and every insert whose walk passed through the slot meanwhile would
   * stop there and link to it alone, a poorly connected node that later searches miss. Linked
   * bottom up, a slot's lists below any level it is reachable on are already complete. */
  int top = level < max_level ? level : max_level;
  uint32_t kept_ids[HNSW_MAX_LEVEL + 1][HNSW_MAX_M]; /* (top + 1, M): chosen neighbours */
  uint8_t kept_n[HNSW_MAX_LEVEL + 1];
  hnsw_cand kept[HNSW_MAX_M];
  for (int l = top; l >= 0; l--) {
    size_t n = search_layer(h, s, q, cur, dcur, (size_t)h->ef_construction, l, 0, NULL);
    maxheap_sort(s->res, n);
    size_t w = 0; /* drop the node itself: a concurrent insert may have linked to it already */
    for (size_t j = 0; j < n; j++)
      if (s->res[j].id != slot) s->res[w++] = s->res[j];
    size_t m = select_neighbors(h, s->res, w, (size_t)h->M, self_d, kept);
    for (size_t j = 0; j < m; j++) kept_ids[l][j] = kept[j].id;
    kept_n[l] = (uint8_t)m;
    if (m) { /* the closest kept neighbour enters the next level down */
      cur = kept[0].id;
      dcur = kept[0].d;
    }
  }
  for (int l = 0; l <= top; l++) {
    const uint32_t *ids = kept_ids[l];
    size_t m = kept_n[l];
    for (size_t j = 0; j < m; j++) add_link(h, slot, ids[j], l, 0);
    for (size_t j = 0; j < m; j++) add_link(h, ids[j], slot, l, 0);
    if (l == 0 && m && indeg_of(h, slot) == 0) add_link(h, ids[0], slot, 0, 1);
  }
  __atomic_fetch_or(&h->g.flags[slot], HNSW_F_LINKED, __ATOMIC_RELEASE);
  if (raises) {
    __atomic_store_n(&h->g.entry, entry_pack(slot, level), __ATOMIC_RELEASE);
    pthread_mutex_unlock(&h->entry_mu);
  }
}

/* ---- storage ------------------------------------------------------------------------------ */

static void graph_free_arrays(hnsw_graph *g) {
  free(g->vectors);
  free(g->codes);
  free(g->scales);
  free(g->links0);
  free(g->upper);
  free(g->labels);
  free(g->levels);
  free(g->flags);
  free(g->locks);
  free(g->indeg);
}

int hnsw_graph_alloc(const hnsw *h, hnsw_graph *g, size_t capacity) {
  memset(g, 0, sizeof *g);
  if (capacity < 1) capacity = 1;
  if (capacity > UINT32_MAX - 1 || capacity > SIZE_MAX / sizeof(float) / h->stride ||
      capacity > SIZE_MAX / sizeof(uint32_t) / h->l0_stride)
    return BRASS_ENOMEM;
  g->capacity = capacity;
  if (is_int8(h)) {
    g->codes = alloc_aligned(capacity * h->stride8);
    g->scales = calloc(capacity, sizeof *g->scales);
  } else {
    g->vectors = alloc_aligned(capacity * h->stride * sizeof(float));
  }
  g->links0 = alloc_aligned(capacity * h->l0_stride * sizeof(uint32_t));
  g->upper = calloc(capacity, sizeof *g->upper);
  g->labels = calloc(capacity, sizeof *g->labels);
  g->levels = calloc(capacity, 1);
  g->flags = calloc(capacity, 1);
  g->locks = calloc(capacity, 1);
  g->indeg = calloc(capacity, sizeof *g->indeg);
  if ((is_int8(h) ? !g->codes || !g->scales : !g->vectors) || !g->links0 || !g->upper ||
      !g->labels || !g->levels || !g->flags || !g->locks || !g->indeg) {
    graph_free_arrays(g);
    memset(g, 0, sizeof *g);
    return BRASS_ENOMEM;
  }
  return 0;
}

void hnsw_graph_free(hnsw_graph *g) {
  if (g->upper)
    for (size_t i = 0; i < g->count; i++) free(g->upper[i]);
  graph_free_arrays(g);
  hnsw_labels_free(&g->map);
  memset(g, 0, sizeof *g);
}

/* Grows the arrays to hold at least need slots. Caller holds grow_lock for writing, so no other
 * thread is inside the index. */
static int graph_grow(hnsw *h, size_t need) {
  hnsw_graph *g = &h->g;
  if (need <= g->capacity) return 0;
  size_t cap = g->capacity * 2 > need ? g->capacity * 2 : need;
  hnsw_graph n;
  if (hnsw_graph_alloc(h, &n, cap) != 0) return BRASS_ENOMEM;
  size_t c = g->count;
  if (is_int8(h)) {
    memcpy(n.codes, g->codes, c * h->stride8);
    memcpy(n.scales, g->scales, c * sizeof *n.scales);
  } else {
    memcpy(n.vectors, g->vectors, c * h->stride * sizeof(float));
  }
  memcpy(n.links0, g->links0, c * h->l0_stride * sizeof(uint32_t));
  memcpy(n.upper, g->upper, c * sizeof *n.upper);
  memcpy(n.labels, g->labels, c * sizeof *n.labels);
  memcpy(n.levels, g->levels, c);
  memcpy(n.flags, g->flags, c);
  memcpy(n.locks, g->locks, c);
  memcpy(n.indeg, g->indeg, c * sizeof *n.indeg);
  n.count = c;
  n.n_deleted = g->n_deleted;
  n.entry = g->entry;
  n.upper_bytes = g->upper_bytes;
  n.map = g->map;
  graph_free_arrays(g);
  *g = n;
  return 0;
}

int hnsw_init_struct(hnsw *h, const hnsw_params *p, brass_error *err) {
  if (p->dim < 1 || p->dim > HNSW_MAX_DIM)
    return err_set(err, BRASS_EINVAL, "hnsw: dimension %d outside 1..%d", p->dim, HNSW_MAX_DIM);
  if (p->M < 2 || p->M > HNSW_MAX_M)
    return err_set(err, BRASS_EINVAL, "hnsw: M = %d outside 2..%d", p->M, HNSW_MAX_M);
  if (p->vectors != HNSW_VEC_F32 && p->vectors != HNSW_VEC_INT8)
    return err_set(err, BRASS_EINVAL, "hnsw: unknown vector type %d", p->vectors);
  if (p->ef_construction < 1 || p->ef_search < 1)
    return err_set(err, BRASS_EINVAL, "hnsw: efConstruction %d and efSearch %d must be >= 1",
                   p->ef_construction, p->ef_search);
  memset(h, 0, sizeof *h);
  h->dim = p->dim;
  h->stride = ((size_t)p->dim + HNSW_DOT_LANES - 1) / HNSW_DOT_LANES * HNSW_DOT_LANES;
  h->M = p->M;
  h->M0 = 2 * p->M;
  h->l0_stride = ((size_t)h->M0 + 1 + 15) / 16 * 16;
  h->ef_construction = p->ef_construction;
  h->ef_search = p->ef_search;
  h->seed = p->seed;
  h->level_mult = 1.0 / log((double)p->M);
  h->dot = hnsw_dot_select();
  h->vectors = p->vectors;
  h->stride8 = ((size_t)p->dim + HNSW_DOT8_LANES - 1) / HNSW_DOT8_LANES * HNSW_DOT8_LANES;
  h->dot8 = hnsw_dot8_select();
  pthread_rwlock_init(&h->grow_lock, NULL);
  pthread_mutex_init(&h->label_mu, NULL);
  pthread_mutex_init(&h->entry_mu, NULL);
  pthread_mutex_init(&h->scratch_mu, NULL);
  return 0;
}

void hnsw_params_init(hnsw_params *p, int dim) {
  memset(p, 0, sizeof *p);
  p->dim = dim;
  p->M = HNSW_DEFAULT_M;
  p->ef_construction = HNSW_DEFAULT_EF_CONSTRUCTION;
  p->ef_search = HNSW_DEFAULT_EF_SEARCH;
  p->seed = 42;
}

int hnsw_create(const hnsw_params *p, hnsw **out, brass_error *err) {
  *out = NULL;
  if (!p) return err_set(err, BRASS_EINVAL, "hnsw: no parameters");
  hnsw *h = malloc(sizeof *h);
  if (!h) return err_set(err, BRASS_ENOMEM, "hnsw: out of memory");
  int rc = hnsw_init_struct(h, p, err);
  if (rc) {
    free(h);
    return rc;
  }
  if (hnsw_graph_alloc(h, &h->g, p->capacity ? p->capacity : 1024) != 0) {
    hnsw_free(h);
    return err_set(err, BRASS_ENOMEM, "hnsw: out of memory for %zu slots", p->capacity);
  }
  *out = h;
  return 0;
}

void hnsw_free(hnsw *h) {
  if (!h) return;
  hnsw_graph_free(&h->g);
  while (h->free_scratch) {
    hnsw_scratch *s = h->free_scratch;
    h->free_scratch = s->next;
    scratch_free(s);
  }
  pthread_rwlock_destroy(&h->grow_lock);
  pthread_mutex_destroy(&h->label_mu);
  pthread_mutex_destroy(&h->entry_mu);
  pthread_mutex_destroy(&h->scratch_mu);
  free(h);
}

/* Takes grow_lock for reading with at least `room` free slots, growing first if needed. */
static int read_lock_with_room(hnsw *h, size_t room, brass_error *err) {
  for (;;) {
    pthread_rwlock_rdlock(&h->grow_lock);
    size_t count = hnsw_count(h);
    if (room <= h->g.capacity && count <= h->g.capacity - room) return 0;
    pthread_rwlock_unlock(&h->grow_lock);
    if (room > UINT32_MAX - 1 - count)
      return err_set(err, BRASS_ERANGE, "hnsw: more than %u vectors", UINT32_MAX - 1);
    pthread_rwlock_wrlock(&h->grow_lock);
    int rc = graph_grow(h, h->g.count + room);
    pthread_rwlock_unlock(&h->grow_lock);
    if (rc) return err_set(err, rc, "hnsw: out of memory growing to %zu slots", count + room);
  }
}

int hnsw_reserve(hnsw *h, size_t n, brass_error *err) {
  size_t count = hnsw_count(h);
  int rc = read_lock_with_room(h, n > count ? n - count : 0, err);
  if (rc) return rc;
  pthread_mutex_lock(&h->label_mu);
  rc = hnsw_labels_reserve(&h->g.map, n);
  pthread_mutex_unlock(&h->label_mu);
  pthread_rwlock_unlock(&h->grow_lock);
  return rc ? err_set(err, rc, "hnsw: out of memory for %zu labels", n) : 0;
}

/* ---- inserting ---------------------------------------------------------------------------- */

/* Where a batch's vectors come from: row i is rows[i] (or i when rows is NULL) of labels[] and of
 * vecs (rows vec_stride floats apart), or, when codes is set (an int8 index rebuilding itself), of
 * codes (rows vec_stride bytes apart) and scales. */
typedef struct hnsw_src {
  const int64_t *labels;
  const float *vecs;
  size_t vec_stride;
  const uint32_t *rows;
  const int8_t *codes;
  const float *scales;
} hnsw_src;

/* Writes source row `row` into slot: normalised (and quantised in an int8 index; tmp: dim floats
 * of scratch for that). */
static void store_row(hnsw *h, const hnsw_src *src, size_t row, uint32_t slot, float *tmp) {
  if (src->codes) {
    memcpy(hnsw_codes(h, slot), src->codes + row * src->vec_stride, (size_t)h->dim);
    h->g.scales[slot] = src->scales[row];
  } else if (is_int8(h)) {
    normalise(src->vecs + row * src->vec_stride, h->dim, tmp);
    h->g.scales[slot] = hnsw_quantize8(tmp, h->dim, hnsw_codes(h, slot));
  } else {
    normalise(src->vecs + row * src->vec_stride, h->dim, hnsw_vec(h, slot));
  }
}

typedef struct link_job {
  hnsw *h;
  uint32_t first;
  hnsw_scratch **scratch; /* one per pool worker */
} link_job;

static void link_range(void *ctx, size_t begin, size_t end, int worker) {
  link_job *job = ctx;
  for (size_t i = begin; i < end; i++)
    insert_slot(job->h, job->scratch[worker], job->first + (uint32_t)i);
}

/* reserve_slots: the room seen by read_lock_with_room was taken by a concurrent insert. */
#define HNSW_RESERVE_RETRY 1

/* Hands out n slots to the batch: checks labels, writes labels, levels, upper lists and
 * normalised vectors, bumps count. All or nothing. Caller holds grow_lock for reading.
 *
 * The room check belongs here, under label_mu, and not only in read_lock_with_room: several
 * threads hold grow_lock for reading at once, so two of them can both see one free slot there
 * and then both reserve it, the second writing past the end of every array. When the slots are
 * gone, nothing is written and HNSW_RESERVE_RETRY is returned: the caller drops grow_lock and
 * grows. */
static int reserve_slots(hnsw *h, const hnsw_src *src, size_t n, uint32_t *first, float *tmp,
                         brass_error *err) {
  hnsw_graph *g = &h->g;
  pthread_mutex_lock(&h->label_mu);
  int rc = 0;
  size_t base = g->count, done = 0;
  if (n > g->capacity - base) {
    pthread_mutex_unlock(&h->label_mu);
    return HNSW_RESERVE_RETRY;
  }
  if (hnsw_labels_reserve(&g->map, g->map.len + n) != 0) {
    rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory for %zu labels", g->map.len + n);
    goto out;
  }
  for (; done < n; done++) {
    size_t row = src->rows ? src->rows[done] : done;
    int64_t label = src->labels[row];
    uint32_t slot = (uint32_t)(base + done);
    if (hnsw_labels_get(&g->map, label) != HNSW_NO_SLOT) {
      rc = err_set(err, BRASS_EINVAL, "hnsw: label %lld is already in the index", (long long)label);
      break;
    }
    int level = level_for(h, label);
    if (level > 0) {
      size_t bytes = (size_t)level * (size_t)(h->M + 1) * sizeof(uint32_t);
      g->upper[slot] = calloc(1, bytes);
      if (!g->upper[slot]) {
        rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory for links");
        break;
      }
      g->upper_bytes += bytes;
    }
    hnsw_labels_put(&g->map, label, slot);
    g->labels[slot] = label;
    g->levels[slot] = (uint8_t)level;
    memset(g->links0 + slot * h->l0_stride, 0, h->l0_stride * sizeof(uint32_t));
    store_row(h, src, row, slot, tmp);
  }
  if (rc) { /* roll back the slots handed out so far */
    for (size_t i = 0; i < done; i++) {
      uint32_t slot = (uint32_t)(base + i);
      hnsw_labels_del(&g->map, g->labels[slot]);
      free(g->upper[slot]);
      if (g->upper[slot]) g->upper_bytes -= (size_t)g->levels[slot] * (h->M + 1) * 4;
      g->upper[slot] = NULL;
    }
    goto out;
  }
  *first = (uint32_t)base;
  __atomic_store_n(&g->count, base + n, __ATOMIC_RELEASE);
out:
  pthread_mutex_unlock(&h->label_mu);
  return rc;
}

static int add_src(hnsw *h, pool *p, const hnsw_src *src, size_t n, brass_error *err) {
  if (n == 0) return 0;
  int nthreads = pool_threads(p);
  hnsw_scratch *local[8] = {0}, **scr = local;
  float *tmp = is_int8(h) ? malloc((size_t)h->dim * sizeof *tmp) : NULL;
  if ((is_int8(h) && !tmp) || (nthreads > 8 && !(scr = calloc((size_t)nthreads, sizeof *scr)))) {
    free(tmp);
    return err_set(err, BRASS_ENOMEM, "hnsw: out of memory");
  }
  int rc;
  do { /* retried while concurrent inserts take the room before this one reserves it */
    rc = read_lock_with_room(h, n, err);
    if (rc) goto out_free;
    for (int t = 0; t < nthreads; t++) {
      if (!(scr[t] = scratch_get(h))) {
        rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory for search scratch");
        break;
      }
    }
    uint32_t first = 0;
    if (rc == 0 && (rc = reserve_slots(h, src, n, &first, tmp, err)) == 0) {
      link_job job = {h, first, scr};
      pool_for(n > 1 ? p : NULL, n, 1, link_range, &job);
    }
    for (int t = 0; t < nthreads; t++) {
      if (scr[t]) scratch_put(h, scr[t]);
      scr[t] = NULL;
    }
    pthread_rwlock_unlock(&h->grow_lock);
  } while (rc == HNSW_RESERVE_RETRY);
out_free:
  if (scr != local) free(scr);
  free(tmp);
  return rc;
}

int hnsw_add_batch(hnsw *h, pool *p, const int64_t *labels, const float *vecs, size_t n,
                   brass_error *err) {
  if (!h || (n && (!labels || !vecs))) return err_set(err, BRASS_EINVAL, "hnsw: no vectors");
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < h->dim; j++)
      if (!isfinite(vecs[i * (size_t)h->dim + j]))
        return err_set(err, BRASS_EINVAL, "hnsw: vector %zu (label %lld) is not finite", i,
                       (long long)labels[i]);
  hnsw_src src = {labels, vecs, (size_t)h->dim, NULL, NULL, NULL};
  return add_src(h, p, &src, n, err);
}

int hnsw_add(hnsw *h, int64_t label, const float *vec, brass_error *err) {
  return hnsw_add_batch(h, NULL, &label, vec, 1, err);
}

/* ---- removing and looking up -------------------------------------------------------------- */

int hnsw_remove(hnsw *h, int64_t label, brass_error *err) {
  pthread_rwlock_rdlock(&h->grow_lock);
  pthread_mutex_lock(&h->label_mu);
  uint32_t slot = hnsw_labels_del(&h->g.map, label);
  if (slot != HNSW_NO_SLOT) {
    __atomic_fetch_or(&h->g.flags[slot], HNSW_F_DELETED, __ATOMIC_RELEASE);
    __atomic_fetch_add(&h->g.n_deleted, 1, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&h->label_mu);
  pthread_rwlock_unlock(&h->grow_lock);
  if (slot == HNSW_NO_SLOT)
    return err_set(err, BRASS_EINVAL, "hnsw: label %lld is not in the index", (long long)label);
  return 0;
}

int hnsw_contains(const hnsw *hc, int64_t label) {
  hnsw *h = (hnsw *)hc;
  pthread_rwlock_rdlock(&h->grow_lock);
  pthread_mutex_lock(&h->label_mu);
  int found = hnsw_labels_get(&h->g.map, label) != HNSW_NO_SLOT;
  pthread_mutex_unlock(&h->label_mu);
  pthread_rwlock_unlock(&h->grow_lock);
  return found;
}

int hnsw_get_vector(const hnsw *hc, int64_t label, float *out, brass_error *err) {
  hnsw *h = (hnsw *)hc;
  pthread_rwlock_rdlock(&h->grow_lock);
  pthread_mutex_lock(&h->label_mu);
  uint32_t slot = hnsw_labels_get(&h->g.map, label);
  if (slot != HNSW_NO_SLOT && is_int8(h)) {
    for (int i = 0; i < h->dim; i++) out[i] = (float)hnsw_codes(h, slot)[i] * h->g.scales[slot];
  } else if (slot != HNSW_NO_SLOT) {
    memcpy(out, hnsw_vec(h, slot), (size_t)h->dim * sizeof(float));
  }
  pthread_mutex_unlock(&h->label_mu);
  pthread_rwlock_unlock(&h->grow_lock);
  if (slot == HNSW_NO_SLOT)
    return err_set(err, BRASS_EINVAL, "hnsw: label %lld is not in the index", (long long)label);
  return 0;
}

/* ---- searching ---------------------------------------------------------------------------- */

static int cand_cmp(const void *a, const void *b) {
  hnsw_cand x = *(const hnsw_cand *)a, y = *(const hnsw_cand *)b;
  return cand_less(x, y) ? -1 : cand_less(y, x);
}

/* Copies the best k of the n results in s->res (a max-heap) to labels/scores, best first. In an
 * int8 index the results are first re-scored with the float query q (see the top comment). */
static int emit_results(const hnsw *h, hnsw_scratch *s, size_t n, int k, const float *q,
                        int64_t *labels, float *scores) {
  if (is_int8(h)) {
    for (size_t i = 0; i < n; i++) s->res[i].d = dist_rerank(h, q, s->res[i].id);
    qsort(s->res, n, sizeof *s->res, cand_cmp);
  } else {
    maxheap_sort(s->res, n);
  }
  size_t m = n < (size_t)k ? n : (size_t)k;
  for (size_t i = 0; i < m; i++) {
    labels[i] = h->g.labels[s->res[i].id];
    if (scores) scores[i] = -s->res[i].d;
  }
  return (int)m;
}

/* Normalises q into s->query (and quantises it in an int8 index); -1 if q is not finite. */
static int prepare_query(const hnsw *h, hnsw_scratch *s, const float *q, hnsw_qv *out) {
  if (normalise(q, h->dim, s->query) != 0) return -1;
  out->f = s->query;
  out->c = s->qcodes;
  out->s = is_int8(h) ? hnsw_quantize8(s->query, h->dim, s->qcodes) : 0;
  return 0;
}

int hnsw_search(const hnsw *h, const float *q, int k, int ef, int64_t *labels, float *scores,
                brass_error *err) {
  return hnsw_search_filter(h, q, k, ef, NULL, NULL, labels, scores, err);
}

int hnsw_search_filter(const hnsw *h, const float *q, int k, int ef, hnsw_accept_fn accept,
                       void *ctx, int64_t *labels, float *scores, brass_error *err) {
  hnsw_pred pred = {accept, ctx};
  if (!h || !q || !labels || k <= 0)
    return err_set(err, BRASS_EINVAL, "hnsw: search needs a query, k >= 1 and room for labels");
  if (ef <= 0) ef = __atomic_load_n(&h->ef_search, __ATOMIC_RELAXED);
  if (ef < k) ef = k;
  hnsw *hm = (hnsw *)h;
  pthread_rwlock_rdlock(&hm->grow_lock);
  int rc = 0;
  uint64_t e = __atomic_load_n(&h->g.entry, __ATOMIC_ACQUIRE);
  if (e == 0) goto out; /* empty index */
  hnsw_scratch *s = scratch_get(h);
  if (!s) {
    rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory for search scratch");
    goto out;
  }
  hnsw_qv qv;
  if (prepare_query(h, s, q, &qv) != 0) {
    rc = err_set(err, BRASS_EINVAL, "hnsw: query vector is not finite");
  } else {
    uint32_t cur = (uint32_t)e;
    float dcur = dist_q(h, &qv, cur);
    for (int l = (int)(e >> 32) - 1; l > 0; l--) greedy(h, &qv, &cur, &dcur, l);
    size_t n = search_layer(h, s, &qv, cur, dcur, (size_t)ef, 0, 1, accept ? &pred : NULL);
    rc = emit_results(h, s, n, k, s->query, labels, scores);
  }
  scratch_put(h, s);
out:
  pthread_rwlock_unlock(&hm->grow_lock);
  return rc;
}

/* Exact search over candidate slots: every linked, live slot when cand is NULL, else the slots
 * of the ncand labels in cand. In an int8 index each candidate gets the re-ranking score (float
 * query, stored codes). */
static int exact_scan(const hnsw *h, const float *q, int k, const int64_t *cand, size_t ncand,
                      int64_t *labels, float *scores, brass_error *err) {
  hnsw *hm = (hnsw *)h;
  pthread_rwlock_rdlock(&hm->grow_lock);
  int rc = 0;
  hnsw_scratch *s = scratch_get(h);
  if (!s) {
    rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory for search scratch");
    goto out;
  }
  size_t count = cand ? ncand : hnsw_count(h), want = (size_t)k < count ? (size_t)k : count;
  while (s->res_cap < want + 1)
    if (!heap_grow(&s->res, &s->res_cap, s)) {
      rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory for %d results", k);
      goto out_put;
    }
  hnsw_qv qv;
  if (prepare_query(h, s, q, &qv) != 0) {
    rc = err_set(err, BRASS_EINVAL, "hnsw: query vector is not finite");
    goto out_put;
  }
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    uint32_t slot = (uint32_t)i;
    if (cand) {
      pthread_mutex_lock(&hm->label_mu);
      slot = hnsw_labels_get(&h->g.map, cand[i]);
      pthread_mutex_unlock(&hm->label_mu);
      if (slot == HNSW_NO_SLOT || !(hnsw_flags(h, slot) & HNSW_F_LINKED)) continue;
    } else {
      uint8_t f = hnsw_flags(h, slot);
      if (!(f & HNSW_F_LINKED) || (f & HNSW_F_DELETED)) continue;
    }
    hnsw_cand c = {is_int8(h) ? dist_rerank(h, s->query, slot) : dist_q(h, &qv, slot), slot};
    if (n < (size_t)k)
      maxheap_push(s->res, &n, c);
    else if (cand_less(c, s->res[0]))
      maxheap_replace_top(s->res, n, c);
  }
  rc = emit_results(h, s, n, k, s->query, labels, scores);
out_put:
  scratch_put(h, s);
out:
  pthread_rwlock_unlock(&hm->grow_lock);
  return rc;
}

int hnsw_search_exact(const hnsw *h, const float *q, int k, int64_t *labels, float *scores,
                      brass_error *err) {
  if (!h || !q || !labels || k <= 0)
    return err_set(err, BRASS_EINVAL, "hnsw: search needs a query, k >= 1 and room for labels");
  return exact_scan(h, q, k, NULL, 0, labels, scores, err);
}

int hnsw_search_labels(const hnsw *h, const float *q, int k, const int64_t *cand, size_t ncand,
                       int64_t *labels, float *scores, brass_error *err) {
  if (!h || !q || !labels || k <= 0 || (ncand && !cand))
    return err_set(err, BRASS_EINVAL, "hnsw: search needs a query, k >= 1 and room for labels");
  static const int64_t none = 0; /* a non-NULL empty candidate list */
  return exact_scan(h, q, k, ncand ? cand : &none, ncand, labels, scores, err);
}

void hnsw_set_ef_search(hnsw *h, int ef) {
  __atomic_store_n(&h->ef_search, ef < 1 ? 1 : ef, __ATOMIC_RELAXED);
}

/* ---- housekeeping ------------------------------------------------------------------------- */

size_t hnsw_memory_bytes(const hnsw *h) {
  const hnsw_graph *g = &h->g;
  size_t cap = g->capacity;
  size_t row = is_int8(h) ? h->stride8 + sizeof(float) : h->stride * sizeof(float);
  size_t bytes = sizeof *h + cap * (row + h->l0_stride * sizeof(uint32_t) + sizeof(uint32_t *) +
                                    sizeof(int64_t) + 3 + sizeof(uint32_t));
  bytes += __atomic_load_n(&g->upper_bytes, __ATOMIC_RELAXED);
  bytes += g->map.cap * (sizeof(int64_t) + sizeof(uint32_t));
  hnsw *hm = (hnsw *)h;
  pthread_mutex_lock(&hm->scratch_mu);
  for (const hnsw_scratch *s = h->free_scratch; s; s = s->next) bytes += s->bytes;
  pthread_mutex_unlock(&hm->scratch_mu);
  return bytes;
}

void hnsw_get_stats(const hnsw *h, hnsw_stats *out) {
  hnsw *hm = (hnsw *)h;
  pthread_rwlock_rdlock(&hm->grow_lock);
  memset(out, 0, sizeof *out);
  out->slots = hnsw_count(h);
  out->deleted = __atomic_load_n(&h->g.n_deleted, __ATOMIC_RELAXED);
  out->live = out->slots - out->deleted;
  out->capacity = h->g.capacity;
  out->memory_bytes = hnsw_memory_bytes(h);
  out->max_level = (int)(__atomic_load_n(&h->g.entry, __ATOMIC_ACQUIRE) >> 32) - 1;
  out->dim = h->dim;
  out->M = h->M;
  out->ef_construction = h->ef_construction;
  out->ef_search = __atomic_load_n(&h->ef_search, __ATOMIC_RELAXED);
  out->kernel = is_int8(h) ? hnsw_dot8_name(h->dot8) : hnsw_dot_name(h->dot);
  out->vectors = h->vectors;
  pthread_rwlock_unlock(&hm->grow_lock);
}

size_t hnsw_size(const hnsw *h) {
  hnsw_stats st;
  hnsw_get_stats(h, &st);
  return st.live;
}

int hnsw_needs_rebuild(const hnsw *h) {
  hnsw_stats st;
  hnsw_get_stats(h, &st);
  return st.slots > 0 && (double)st.deleted > HNSW_REBUILD_RATIO * (double)st.slots;
}

int hnsw_rebuild(hnsw *h, pool *p, brass_error *err) {
  hnsw_params prm = {h->dim, h->M, h->ef_construction, h->ef_search, h->seed, 0, h->vectors};
  size_t count = h->g.count, live = count - h->g.n_deleted;
  prm.capacity = live ? live : 1;
  hnsw *nh = NULL;
  int rc = hnsw_create(&prm, &nh, err);
  if (rc) return rc;
  uint32_t *rows = malloc((live ? live : 1) * sizeof *rows);
  if (!rows) {
    hnsw_free(nh);
    return err_set(err, BRASS_ENOMEM, "hnsw: out of memory rebuilding %zu vectors", live);
  }
  size_t n = 0;
  for (uint32_t i = 0; i < count; i++)
    if (!(h->g.flags[i] & HNSW_F_DELETED)) rows[n++] = i;
  hnsw_src src = {h->g.labels, h->g.vectors, h->stride, rows, h->g.codes, h->g.scales};
  if (is_int8(h)) src.vec_stride = h->stride8;
  rc = add_src(nh, p, &src, n, err);
  free(rows);
  if (rc) {
    hnsw_free(nh);
    return rc;
  }
  pthread_rwlock_wrlock(&h->grow_lock);
  hnsw_graph old = h->g;
  h->g = nh->g;
  nh->g = old;
  pthread_rwlock_unlock(&h->grow_lock);
  hnsw_free(nh);
  return 0;
}
