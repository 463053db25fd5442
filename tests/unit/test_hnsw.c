/*
 * test_hnsw.c - the HNSW index (src/index/): exact search against a naive sort, recall@10 of the
 * graph search against exact search on clustered vectors, inserts from 1/2/4 pool threads and from
 * concurrent callers all findable, tombstones never returned and the rebuild threshold,
 * serialise -> load -> identical answers, corrupt and truncated buffers refused, edge cases (empty
 * index, k > n, duplicate vectors, dimension 1, bad input), and the SIMD inner products against
 * the portable one. BRASS_TEST_QUICK=1 (sanitizer builds) shrinks the sizes.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cpu.h"
#include "base/pool.h"
#include "check.h"
#include "index/hnsw.h"
#include "index/hnsw_dot.h"
#include "index/hnsw_internal.h"
#include "../rand_gauss.h"

static int quick;

/* ---- data ---- */

static float *random_vectors(size_t n, int dim, uint64_t seed) {
  float *x = malloc(n * (size_t)dim * sizeof *x);
  for (size_t i = 0; i < n * (size_t)dim; i++) x[i] = rng_gauss(&seed);
  return x;
}

/* n vectors around n / 100 centres, each spread over a 32-dimensional subspace of its own plus
 * isotropic noise: clustered with a low intrinsic dimension, like sentence embeddings. (The
 * recipe of bench/bench_hnsw.c, which defaults to 200 centres, 64-dimensional subspaces and a
 * little more noise: a harder set, so that its recall curve spans 0.9 .. 0.99.) */
static float *clustered_vectors(size_t n, int dim, uint64_t seed) {
  enum { R = 32 };
  const size_t K = n / 100 > 10 ? n / 100 : 10;
  float *c = random_vectors(K, dim, seed);
  float *basis = random_vectors((size_t)K * R, dim, seed + 1);
  float *x = malloc(n * (size_t)dim * sizeof *x);
  float inv = 1.0f / sqrtf((float)dim);
  uint64_t s = seed + 2;
  for (size_t i = 0; i < n; i++) {
    size_t k = rng_next(&s) % K;
    float *xi = x + i * (size_t)dim;
    double norm = 0;
    for (int j = 0; j < dim; j++) norm += (double)c[k * dim + j] * c[k * dim + j];
    for (int j = 0; j < dim; j++) xi[j] = c[k * dim + j] / (float)sqrt(norm);
    for (int r = 0; r < R; r++) {
      float z = rng_gauss(&s) * inv;
      const float *b = basis + (k * R + r) * (size_t)dim;
      for (int j = 0; j < dim; j++) xi[j] += z * b[j];
    }
    for (int j = 0; j < dim; j++) xi[j] += 1.2f * inv * rng_gauss(&s);
  }
  free(c);
  free(basis);
  return x;
}

static double cosine(const float *a, const float *b, int dim) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < dim; i++) {
    ab += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

static hnsw *make_index(int dim, size_t capacity) {
  hnsw_params p;
  hnsw_params_init(&p, dim);
  p.capacity = capacity;
  hnsw *h = NULL;
  brass_error err;
  int rc = hnsw_create(&p, &h, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  return h;
}

static int64_t label_of(size_t i) {
  return (int64_t)i * 7 - 1000;
}

static hnsw *build(const float *x, size_t n, int dim, pool *p) {
  hnsw *h = make_index(dim, 0);
  int64_t *labels = malloc(n * sizeof *labels);
  for (size_t i = 0; i < n; i++) labels[i] = label_of(i);
  brass_error err;
  int rc = hnsw_add_batch(h, p, labels, x, n, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  free(labels);
  return h;
}

/* ---- exact search against a naive sort ---- */

typedef struct scored {
  double s;
  size_t i;
} scored;

static int by_score_desc(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->s != y->s) return x->s > y->s ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static void test_exact(void) {
  const int dim = 24;
  const size_t n = 600;
  float *x = random_vectors(n, dim, 11), *q = random_vectors(20, dim, 12);
  hnsw *h = build(x, n, dim, NULL);
  scored *all = malloc(n * sizeof *all);
  int64_t labels[50];
  float scores[50];
  int bad = 0;
  for (int t = 0; t < 20; t++) {
    const float *qt = q + t * dim;
    for (size_t i = 0; i < n; i++) all[i] = (scored){cosine(qt, x + i * dim, dim), i};
    qsort(all, n, sizeof *all, by_score_desc);
    int got = hnsw_search_exact(h, qt, 50, labels, scores, NULL);
    CHECK(got == 50);
    for (int r = 0; r < got; r++) {
      /* same label unless two true scores are within rounding of each other */
      if (labels[r] != label_of(all[r].i) && fabs(all[r].s - all[r + 1].s) > 1e-5) bad++;
      if (fabs(scores[r] - all[r].s) > 1e-5) bad++;
      if (r && scores[r] > scores[r - 1]) bad++;
    }
  }
  CHECK_MSG(bad == 0, "%d mismatches against the naive sort", bad);
  /* searches from one thread reuse one pooled scratch: no allocation per query */
  for (int t = 0; t < 20; t++) hnsw_search(h, q + t * dim, 10, 0, labels, scores, NULL);
  CHECK(h->scratch_count == 1);
  free(all);
  free(x);
  free(q);
  hnsw_free(h);
}

/* ---- recall ---- */

static double recall_at_10(hnsw *h, const float *q, size_t nq, int dim, int ef) {
  size_t hits = 0;
  for (size_t t = 0; t < nq; t++) {
    int64_t a[10], e[10];
    int na = hnsw_search(h, q + t * dim, 10, ef, a, NULL, NULL);
    int ne = hnsw_search_exact(h, q + t * dim, 10, e, NULL, NULL);
    for (int i = 0; i < na; i++)
      for (int j = 0; j < ne; j++)
        if (a[i] == e[j]) hits++;
  }
  return (double)hits / (double)(nq * 10);
}

static void test_recall(pool *p) {
  const int dim = quick ? 96 : 384;
  const size_t n = quick ? 3000 : 20000, nq = quick ? 100 : 200;
  float *x = clustered_vectors(n + nq, dim, 21);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  hnsw *h = build(x, n, dim, p);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double r = recall_at_10(h, x + n * dim, nq, dim, 0);
  double r_low = recall_at_10(h, x + n * dim, nq, dim, 10);
  hnsw_stats st;
  hnsw_get_stats(h, &st);
  printf(
      "recall@10 %zu x %d: %.4f at default ef %d, %.4f at ef 10 (build %.2f s, %d threads, "
      "%s kernel, %.1f MB)\n",
      n, dim, r, st.ef_search, r_low,
      (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), pool_threads(p),
      st.kernel, (double)st.memory_bytes / 1e6);
  CHECK_MSG(r >= 0.95, "recall %.4f", r);
  CHECK(r >= r_low);
  CHECK(st.live == n && st.deleted == 0 && st.max_level >= 1);
  free(x);
  hnsw_free(h);
}

/* ---- threads ---- */

/* How many of the n vectors, searched for, do not come back first with score ~1. HNSW promises
 * no more than "almost all" (a rare outlier can sit where no greedy walk leads), so callers allow
 * one miss in a thousand; the hard guarantee is checked by unreachable() below. */
static int self_missed(hnsw *h, const float *x, size_t n, int dim) {
  int missing = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t l;
    float s;
    if (hnsw_search(h, x + i * dim, 1, 64, &l, &s, NULL) != 1 || l != label_of(i) || s < 0.999f)
      missing++;
  }
  return missing;
}

/* Slots that no walk over level-0 links from the entry point reaches (a lost insert would be
 * one), and slots whose in-degree counter disagrees with the lists. */
static size_t unreachable(const hnsw *h, size_t *bad_indeg) {
  size_t count = h->g.count, head = 0, tail = 0;
  if (count == 0) return 0;
  char *seen = calloc(count, 1);
  uint32_t *queue = malloc(count * sizeof *queue), *indeg = calloc(count, sizeof *indeg);
  uint32_t ep = (uint32_t)h->g.entry;
  seen[ep] = 1;
  queue[tail++] = ep;
  while (head < tail) {
    const uint32_t *list = hnsw_list(h, queue[head++], 0);
    for (uint32_t j = 1; j <= list[0]; j++) {
      indeg[list[j]]++;
      if (!seen[list[j]]) seen[list[j]] = 1, queue[tail++] = list[j];
    }
  }
  *bad_indeg = 0;
  for (size_t i = 0; i < count; i++) *bad_indeg += seen[i] && indeg[i] != h->g.indeg[i];
  free(seen);
  free(queue);
  free(indeg);
  return count - tail;
}

/* All slots reachable, in-degrees right, and at most one vector in a thousand not found first
 * when searched for. */
static void check_findable(hnsw *h, const float *x, size_t n, int dim, const char *what) {
  size_t bad_indeg = 0, lost = unreachable(h, &bad_indeg);
  int missed = self_missed(h, x, n, dim);
  CHECK_MSG(lost == 0 && bad_indeg == 0, "%s: %zu slots unreachable, %zu bad in-degrees", what,
            lost, bad_indeg);
  CHECK_MSG(missed <= (int)(n / 1000), "%s: %d of %zu vectors not found first", what, missed, n);
}

typedef struct adder {
  hnsw *h;
  const float *x;
  int dim;
  size_t begin, end;
  int failures;
} adder;

static void *add_thread(void *arg) {
  adder *a = arg;
  for (size_t i = a->begin; i < a->end; i++) {
    if (hnsw_add(a->h, label_of(i), a->x + i * a->dim, NULL) != 0) a->failures++;
    if (i % 16 == 0) { /* searches interleaved with inserts from other threads */
      int64_t l[3];
      hnsw_search(a->h, a->x + i * a->dim, 3, 0, l, NULL, NULL);
    }
  }
  return NULL;
}

static void test_threads(void) {
  const int dim = 32;
  const size_t n = quick ? 600 : 3000;
  float *x = random_vectors(n, dim, 31);
  int threads[] = {1, 2, 4};
  for (int t = 0; t < 3; t++) {
    pool *p = pool_create(threads[t]);
    hnsw *h = build(x, n, dim, p);
    CHECK(hnsw_size(h) == n);
    char what[64];
    snprintf(what, sizeof what, "%d pool threads", threads[t]);
    check_findable(h, x, n, dim, what);
    hnsw_free(h);
    pool_destroy(p);
  }
  /* Four caller threads calling hnsw_add directly, starting from one slot: the index grows
   * while others insert and search. */
  hnsw *h = make_index(dim, 1);
  pthread_t tid[4];
  adder a[4];
  for (int t = 0; t < 4; t++) {
    a[t] = (adder){h, x, dim, n * t / 4, n * (t + 1) / 4, 0};
    pthread_create(&tid[t], NULL, add_thread, &a[t]);
  }
  int failures = 0;
  for (int t = 0; t < 4; t++) {
    pthread_join(tid[t], NULL);
    failures += a[t].failures;
  }
  CHECK(failures == 0);
  CHECK(hnsw_size(h) == n);
  check_findable(h, x, n, dim, "4 threads calling hnsw_add");
  hnsw_free(h);
  free(x);
}

/* ---- deletes ---- */

static void test_deletes(pool *p) {
  const int dim = 32;
  const size_t n = quick ? 800 : 4000;
  float *x = clustered_vectors(n, dim, 41);
  hnsw *h = build(x, n, dim, p);
  char *gone = calloc(n, 1);
  uint64_t s = 42;
  size_t removed = 0;
  int flag_early = 0;
  brass_error err;
  while (removed < n * 2 / 5) {
    size_t i = rng_next(&s) % n;
    if (gone[i]) continue;
    CHECK(hnsw_remove(h, label_of(i), &err) == 0);
    gone[i] = 1;
    removed++;
    if (removed * 10 <= n * 3 && hnsw_needs_rebuild(h)) flag_early = 1;
  }
  CHECK(!flag_early);
  CHECK(hnsw_needs_rebuild(h));
  CHECK(hnsw_size(h) == n - removed);
  CHECK(hnsw_remove(h, label_of(0) + (gone[0] ? 0 : 100000 * 7), NULL) == BRASS_EINVAL);
  CHECK(!hnsw_contains(h, label_of(0)) == !!gone[0]);

  int returned_deleted = 0, short_answers = 0;
  int64_t l[20];
  for (size_t i = 0; i < n; i += 7) {
    int got = hnsw_search(h, x + i * dim, 20, 0, l, NULL, NULL);
    if (got != 20) short_answers++;
    for (int r = 0; r < got; r++) {
      size_t idx = (size_t)((l[r] + 1000) / 7);
      if (gone[idx]) returned_deleted++;
    }
    got = hnsw_search_exact(h, x + i * dim, 20, l, NULL, NULL);
    for (int r = 0; r < got; r++)
      if (gone[(l[r] + 1000) / 7]) returned_deleted++;
  }
  CHECK_MSG(returned_deleted == 0, "%d tombstones returned", returned_deleted);
  CHECK(short_answers == 0);

  /* a removed label can come back, with a new vector */
  size_t back = 0;
  while (!gone[back]) back++;
  const float *other = x + ((back + 1) % n) * dim;
  CHECK(hnsw_add(h, label_of(back), other, NULL) == 0);
  float v[32];
  CHECK(hnsw_get_vector(h, label_of(back), v, NULL) == 0);
  CHECK(cosine(v, other, dim) > 0.9999);
  CHECK(hnsw_remove(h, label_of(back), NULL) == 0);

  hnsw_stats before;
  hnsw_get_stats(h, &before);
  CHECK(hnsw_rebuild(h, p, &err) == 0);
  hnsw_stats after;
  hnsw_get_stats(h, &after);
  CHECK(after.deleted == 0 && after.slots == n - removed && after.live == n - removed);
  CHECK(after.memory_bytes < before.memory_bytes);
  CHECK(!hnsw_needs_rebuild(h));
  int missing = 0;
  for (size_t i = 0; i < n; i++) {
    CHECK(hnsw_contains(h, label_of(i)) == !gone[i]);
    if (gone[i]) continue;
    if (hnsw_search(h, x + i * dim, 1, 64, l, NULL, NULL) != 1 || l[0] != label_of(i)) missing++;
  }
  size_t bad_indeg = 0;
  CHECK(unreachable(h, &bad_indeg) == 0 && bad_indeg == 0);
  CHECK_MSG(missing <= (int)(n / 1000), "%d live vectors not found after rebuild", missing);
  free(gone);
  free(x);
  hnsw_free(h);
}

/* ---- serialisation ---- */

static int same_answers(hnsw *a, hnsw *b, const float *q, size_t nq, int dim) {
  int diff = 0;
  for (size_t t = 0; t < nq; t++) {
    int64_t la[10], lb[10];
    float sa[10], sb[10];
    int na = hnsw_search(a, q + t * dim, 10, 0, la, sa, NULL);
    int nb = hnsw_search(b, q + t * dim, 10, 0, lb, sb, NULL);
    if (na != nb || memcmp(la, lb, na * sizeof *la) || memcmp(sa, sb, na * sizeof *sa)) diff++;
  }
  return diff;
}

static void test_serialize(pool *p) {
  const int dim = 48;
  const size_t n = quick ? 1000 : 5000;
  float *x = clustered_vectors(n + 100, dim, 51);
  hnsw *h = build(x, n, dim, p);
  for (size_t i = 0; i < n; i += 5) hnsw_remove(h, label_of(i), NULL);
  hnsw_set_ef_search(h, 37);
  uint8_t *buf = NULL;
  size_t len = 0;
  brass_error err;
  CHECK(hnsw_serialize_alloc(h, &buf, &len, &err) == 0);
  CHECK(len == hnsw_serialized_size(h));
  CHECK(hnsw_serialize(h, buf, len - 1, NULL) == BRASS_ERANGE);
  hnsw *g = NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = hnsw_deserialize(buf, len, &g, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (rc == 0) {
    printf("serialised %zu slots in %zu bytes, loaded in %.1f ms\n", n, len,
           1e3 * (double)(t1.tv_sec - t0.tv_sec) + 1e-6 * (double)(t1.tv_nsec - t0.tv_nsec));
    hnsw_stats sa, sb;
    hnsw_get_stats(h, &sa);
    hnsw_get_stats(g, &sb);
    CHECK(sa.live == sb.live && sa.deleted == sb.deleted && sa.max_level == sb.max_level);
    CHECK(sb.ef_search == 37);
    CHECK(same_answers(h, g, x + n * dim, 100, dim) == 0);
    CHECK(same_answers(h, g, x, 100, dim) == 0);
    uint8_t *buf2 = NULL;
    size_t len2 = 0;
    CHECK(hnsw_serialize_alloc(g, &buf2, &len2, NULL) == 0);
    CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    free(buf2);
    /* the loaded index keeps working: inserts and removals */
    CHECK(hnsw_add(g, -1, x + n * dim, NULL) == 0);
    int64_t l;
    CHECK(hnsw_search(g, x + n * dim, 1, 0, &l, NULL, NULL) == 1 && l == -1);
    CHECK(hnsw_remove(g, label_of(1), NULL) == 0);
    CHECK(hnsw_remove(g, label_of(0), NULL) == BRASS_EINVAL); /* a tombstone already */
    hnsw_free(g);
  }
  free(buf);
  free(x);
  hnsw_free(h);
}

static int load_rc(const uint8_t *buf, size_t len) {
  hnsw *g = NULL;
  brass_error err;
  int rc = hnsw_deserialize(buf, len, &g, &err);
  if (rc == 0) {
    hnsw_free(g);
  } else if (err.code != rc || !strstr(err.message, "hnsw")) {
    return 1; /* the error must be reported */
  }
  return rc;
}

/* Writes v at off and fixes the checksum, so only the structural checks can catch it. */
static int load_patched(const uint8_t *orig, size_t len, size_t off, const void *v, size_t w) {
  uint8_t *b = malloc(len);
  memcpy(b, orig, len);
  memcpy(b + off, v, w);
  uint64_t c = hnsw_io_checksum(b, len);
  for (int i = 0; i < 8; i++) b[72 + i] = (uint8_t)(c >> (8 * i));
  int rc = load_rc(b, len);
  free(b);
  return rc;
}

static void test_corrupt(void) {
  const int dim = 8;
  const size_t n = 60;
  float *x = random_vectors(n, dim, 61);
  hnsw *h = build(x, n, dim, NULL);
  hnsw_remove(h, label_of(3), NULL);
  uint8_t *buf = NULL;
  size_t len = 0;
  CHECK(hnsw_serialize_alloc(h, &buf, &len, NULL) == 0);
  CHECK(load_rc(buf, len) == 0);
  CHECK(load_rc(NULL, 0) == BRASS_EFORMAT);

  int accepted = 0;
  for (size_t cut = 0; cut < len; cut++)
    if (load_rc(buf, cut) != BRASS_EFORMAT) accepted++;
  CHECK_MSG(accepted == 0, "%d truncations accepted", accepted);

  uint8_t *b = malloc(len + 1);
  uint64_t s = 62;
  accepted = 0;
  for (int t = 0; t < 2000; t++) {
    memcpy(b, buf, len);
    size_t at = rng_next(&s) % len;
    b[at] ^= (uint8_t)(1u << (rng_next(&s) % 8));
    int rc = load_rc(b, len);
    if (rc != BRASS_EFORMAT && !(rc == BRASS_EUNSUPPORTED && at >= 8 && at < 12)) accepted++;
  }
  CHECK_MSG(accepted == 0, "%d bit flips accepted", accepted);
  memcpy(b, buf, len);
  b[len] = 0;
  CHECK(load_rc(b, len + 1) == BRASS_EFORMAT); /* trailing byte */
  free(b);

  /* Structurally bad buffers with a valid checksum. */
  size_t labels = 80, levels = labels + n * 8, flags = levels + n, vecs = flags + n;
  size_t lists = vecs + n * dim * 4;
  uint32_t big = 1000, version = 3; /* 2 is the int8 format (test_hnsw_int8.c) */
  uint8_t two = 2, lvl = 30;
  float nan = NAN;
  CHECK(load_patched(buf, len, lists, &big, 4) == BRASS_EFORMAT);     /* n > M0 */
  CHECK(load_patched(buf, len, lists + 4, &big, 4) == BRASS_EFORMAT); /* id >= count */
  uint32_t self = 0;
  CHECK(load_patched(buf, len, lists + 4, &self, 4) == BRASS_EFORMAT);         /* self link */
  CHECK(load_patched(buf, len, flags + 5, &two, 1) == BRASS_EFORMAT);          /* bad flag */
  CHECK(load_patched(buf, len, levels + 7, &lvl, 1) == BRASS_EFORMAT);         /* above top */
  CHECK(load_patched(buf, len, vecs + 12, &nan, 4) == BRASS_EFORMAT);          /* NaN */
  CHECK(load_patched(buf, len, labels + 8, buf + labels, 8) == BRASS_EFORMAT); /* dup label */
  CHECK(load_patched(buf, len, 36, &big, 4) == BRASS_EFORMAT);                 /* count */
  CHECK(load_patched(buf, len, 40, &big, 4) == BRASS_EFORMAT);                 /* entry */
  CHECK(load_patched(buf, len, 16, &big, 0) == 0);                             /* control */
  uint32_t zero = 0;
  CHECK(load_patched(buf, len, 20, &zero, 4) == BRASS_EFORMAT); /* M */
  CHECK(load_patched(buf, len, 16, &zero, 4) == BRASS_EFORMAT); /* dim */
  CHECK(load_patched(buf, len, 8, &version, 4) == BRASS_EUNSUPPORTED);
  free(buf);
  free(x);
  hnsw_free(h);
}

/* ---- edge cases ---- */

static void test_edges(void) {
  brass_error err;
  int64_t l[8];
  float s[8];
  float v[4] = {1, 2, 3, 4};

  hnsw *h = make_index(4, 0);
  CHECK(hnsw_search(h, v, 5, 0, l, s, NULL) == 0);
  CHECK(hnsw_search_exact(h, v, 5, l, s, NULL) == 0);
  CHECK(hnsw_search(h, v, 0, 0, l, s, &err) == BRASS_EINVAL && err.code == BRASS_EINVAL);
  CHECK(hnsw_needs_rebuild(h) == 0);
  CHECK(hnsw_rebuild(h, NULL, NULL) == 0 && hnsw_size(h) == 0);
  uint8_t *buf;
  size_t len;
  CHECK(hnsw_serialize_alloc(h, &buf, &len, NULL) == 0);
  hnsw *g = NULL;
  CHECK(hnsw_deserialize(buf, len, &g, NULL) == 0 && g && hnsw_size(g) == 0);
  hnsw_free(g);
  free(buf);

  /* k > n, and bad input refused without changing the index */
  float w[3][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, 0, 0}};
  int64_t lab[3] = {10, 20, 30};
  CHECK(hnsw_add_batch(h, NULL, lab, &w[0][0], 3, NULL) == 0);
  CHECK(hnsw_search(h, w[0], 8, 0, l, s, NULL) == 3);
  CHECK(l[0] == 10 && fabsf(s[0] - 1) < 1e-6f && l[1] == 30 && fabsf(s[1] - sqrtf(0.5f)) < 1e-6f);
  CHECK(hnsw_search_exact(h, w[0], 8, l, s, NULL) == 3 && l[2] == 20 && fabsf(s[2]) < 1e-6f);
  CHECK(hnsw_add(h, 20, v, &err) == BRASS_EINVAL && strstr(err.message, "20"));
  int64_t dup[2] = {40, 40};
  CHECK(hnsw_add_batch(h, NULL, dup, &w[0][0], 2, NULL) == BRASS_EINVAL);
  float bad[4] = {1, NAN, 0, 0};
  CHECK(hnsw_add(h, 50, bad, NULL) == BRASS_EINVAL);
  CHECK(hnsw_search(h, bad, 1, 0, l, s, NULL) == BRASS_EINVAL);
  CHECK(hnsw_size(h) == 3 && !hnsw_contains(h, 40) && !hnsw_contains(h, 50));
  float zero[4] = {0, 0, 0, 0};
  CHECK(hnsw_add(h, 60, zero, NULL) == 0);
  CHECK(hnsw_search(h, zero, 1, 0, l, s, NULL) == 1 && s[0] == 0);
  hnsw_free(h);

  hnsw_params p;
  hnsw_params_init(&p, 0);
  CHECK(hnsw_create(&p, &h, &err) == BRASS_EINVAL && h == NULL);
  hnsw_params_init(&p, 8);
  p.M = 1;
  CHECK(hnsw_create(&p, &h, &err) == BRASS_EINVAL);

  /* duplicate vectors: 40 copies of one vector among random others all come back with score 1 */
  const int dim = 16;
  const size_t n = 1000, copies = 40;
  float *x = random_vectors(n, dim, 71);
  for (size_t i = 1; i < copies; i++) memcpy(x + i * 25 * dim, x, dim * sizeof *x);
  h = build(x, n, dim, NULL);
  int64_t many[40];
  float sc[40];
  CHECK(hnsw_search(h, x, 40, 200, many, sc, NULL) == 40);
  int ones = 0;
  for (int i = 0; i < 40; i++) ones += sc[i] > 0.9999f;
  CHECK_MSG(ones == (int)copies, "%d of %zu copies found", ones, copies);
  CHECK(self_missed(h, x, n, dim) <= (int)copies); /* copies may answer for each other */
  hnsw_free(h);
  free(x);

  /* dimension 1: every vector normalises to +1, -1 or 0 */
  float one[200];
  int64_t lone[200];
  for (int i = 0; i < 200; i++) {
    one[i] = (float)(i % 3) - 1.0f;
    lone[i] = i;
  }
  h = make_index(1, 0);
  CHECK(hnsw_add_batch(h, NULL, lone, one, 200, NULL) == 0);
  float plus = 3.0f;
  int got = hnsw_search(h, &plus, 8, 0, l, s, NULL);
  CHECK(got == 8);
  for (int i = 0; i < got; i++) CHECK(s[i] == 1.0f && l[i] % 3 == 2);
  got = hnsw_search_exact(h, &plus, 8, l, s, NULL);
  CHECK(got == 8 && l[0] == 2 && l[7] == 23 && s[7] == 1.0f); /* ties in insertion order */
  hnsw_free(h);
}

/* ---- kernels ---- */

static void test_kernels(void) {
  float *a = random_vectors(1, 1024, 81), *b = random_vectors(1, 1024, 82);
  hnsw_dot_fn best = hnsw_dot_select();
  int bad = 0;
  for (size_t n = 16; n <= 1024; n += 16) {
    double exact = 0;
    for (size_t i = 0; i < n; i++) exact += (double)a[i] * b[i];
    float tol = 1e-4f * sqrtf((float)n);
    if (fabs(hnsw_dot_ref(a, b, n) - exact) > tol) bad++;
    if (fabs(best(a, b, n) - exact) > tol) bad++;
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
    if (cpu_detect()->avx2_fma && fabs(hnsw_dot_avx2(a, b, n) - exact) > tol) bad++;
#endif
  }
  CHECK_MSG(bad == 0, "%d kernel mismatches (best: %s)", bad, hnsw_dot_name(best));
  free(a);
  free(b);
}

int main(void) {
  const char *q = getenv("BRASS_TEST_QUICK");
  quick = q && *q && strcmp(q, "0") != 0;
  pool *p = pool_create(2);
  test_kernels();
  test_exact();
  test_edges();
  test_corrupt();
  test_serialize(p);
  test_deletes(p);
  test_threads();
  test_recall(p);
  pool_destroy(p);
  CHECK_DONE();
}
