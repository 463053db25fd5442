/*
 * test_pool.c - the thread pool: every item is processed exactly once for any thread count and
 * grain, chunk boundaries do not depend on the thread count, nested pool_for runs serially, many
 * back-to-back jobs do not lose wake-ups, and BRASS_THREADS sets the default.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/pool.h"
#include "check.h"

typedef struct count_ctx {
  atomic_int *hits;
  size_t n;
  atomic_int bad_worker;
  int nthreads;
  atomic_int chunks;
} count_ctx;

static void count_fn(void *ctx, size_t begin, size_t end, int worker) {
  count_ctx *c = ctx;
  if (worker < 0 || worker >= c->nthreads) atomic_store(&c->bad_worker, 1);
  atomic_fetch_add(&c->chunks, 1);
  for (size_t i = begin; i < end; i++) atomic_fetch_add(&c->hits[i], 1);
}

/* Per-chunk partial sums of x[i] = 1/(i+1), combined in chunk order: must be bitwise identical
 * for every thread count. */
typedef struct sum_ctx {
  const float *x;
  float *partial;
  size_t grain;
} sum_ctx;

static void sum_fn(void *ctx, size_t begin, size_t end, int worker) {
  sum_ctx *s = ctx;
  float acc = 0;
  for (size_t i = begin; i < end; i++) acc += s->x[i];
  s->partial[begin / s->grain] = acc;
}

static float chunked_sum(pool *p, const float *x, size_t n, size_t grain) {
  size_t nchunks = (n + grain - 1) / grain;
  float *partial = calloc(nchunks, sizeof *partial);
  sum_ctx s = {x, partial, grain};
  pool_for(p, n, grain, sum_fn, &s);
  float total = 0;
  for (size_t c = 0; c < nchunks; c++) total += partial[c];
  free(partial);
  return total;
}

typedef struct nest_ctx {
  pool *p;
  atomic_int inner;
} nest_ctx;

static void inner_fn(void *ctx, size_t begin, size_t end, int worker) {
  nest_ctx *c = ctx;
  atomic_fetch_add(&c->inner, (int)(end - begin));
}

static void outer_fn(void *ctx, size_t begin, size_t end, int worker) {
  nest_ctx *c = ctx;
  for (size_t i = begin; i < end; i++) pool_for(c->p, 10, 3, inner_fn, c);
}

int main(void) {
  const size_t n = 10007;
  atomic_int *hits = malloc(n * sizeof *hits);
  const size_t grains[] = {1, 7, 64, 1000, 20000};
  for (int t = 1; t <= 8; t++) {
    pool *p = pool_create(t);
    CHECK(p != NULL);
    CHECK(pool_threads(p) == t);
    for (size_t g = 0; g < sizeof grains / sizeof grains[0]; g++) {
      for (size_t i = 0; i < n; i++) atomic_init(&hits[i], 0);
      count_ctx c = {.hits = hits, .n = n, .nthreads = t};
      atomic_init(&c.bad_worker, 0);
      atomic_init(&c.chunks, 0);
      pool_for(p, n, grains[g], count_fn, &c);
      int once = 1;
      for (size_t i = 0; i < n; i++) once &= atomic_load(&hits[i]) == 1;
      CHECK_MSG(once, "threads %d grain %zu: some item not processed exactly once", t, grains[g]);
      CHECK(atomic_load(&c.bad_worker) == 0);
      CHECK(atomic_load(&c.chunks) == (int)((n + grains[g] - 1) / grains[g]));
    }
    pool_destroy(p);
  }
  free(hits);

  /* determinism of chunked reductions */
  size_t m = 100000;
  float *x = malloc(m * sizeof *x);
  for (size_t i = 0; i < m; i++) x[i] = 1.0f / (float)(i + 1);
  float ref = chunked_sum(NULL, x, m, 333);
  for (int t = 2; t <= 4; t++) {
    pool *p = pool_create(t);
    for (int rep = 0; rep < 20; rep++) {
      float s = chunked_sum(p, x, m, 333);
      CHECK_MSG(memcmp(&s, &ref, sizeof s) == 0, "threads %d: %.9g vs %.9g", t, s, ref);
    }
    pool_destroy(p);
  }
  free(x);

  /* many small back-to-back jobs (wake-up races) */
  pool *p = pool_create(4);
  atomic_int one[3];
  int all_ok = 1;
  for (int rep = 0; rep < 20000; rep++) {
    for (int i = 0; i < 3; i++) atomic_init(&one[i], 0);
    count_ctx c = {.hits = one, .n = 3, .nthreads = 4};
    atomic_init(&c.bad_worker, 0);
    atomic_init(&c.chunks, 0);
    pool_for(p, 3, 1, count_fn, &c);
    for (int i = 0; i < 3; i++) all_ok &= atomic_load(&one[i]) == 1;
  }
  CHECK(all_ok);

  /* nesting runs serially instead of deadlocking */
  nest_ctx nc = {.p = p};
  atomic_init(&nc.inner, 0);
  pool_for(p, 16, 1, outer_fn, &nc);
  CHECK(atomic_load(&nc.inner) == 16 * 10);

  /* an empty range and a NULL pool */
  pool_for(p, 0, 1, inner_fn, &nc);
  CHECK(atomic_load(&nc.inner) == 160);
  pool_destroy(p);

  /* BRASS_THREADS */
  setenv("BRASS_THREADS", "3", 1);
  CHECK(pool_default_threads() == 3);
  setenv("BRASS_THREADS", "zero", 1);
  CHECK(pool_default_threads() >= 1);
  setenv("BRASS_THREADS", "-2", 1);
  CHECK(pool_default_threads() >= 1);
  unsetenv("BRASS_THREADS");
  pool *d = pool_create(0);
  CHECK(pool_threads(d) == pool_default_threads());
  pool_destroy(d);
  CHECK_DONE();
}
