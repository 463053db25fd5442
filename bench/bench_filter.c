/*
 * bench_filter.c - filtered vector search: the graph walk that checks the filter at every node
 * (hnsw_search_filter) against exact search over the allowed set (hnsw_search_labels), per query,
 * for filters keeping 0.5% .. 50% of N vectors. engine/search.c picks exact while
 * n_allowed^2 <= SRCH_FILTER_EXACT_RATIO * ef * N; this prints, for each share, both times, the
 * walk's recall against exact, and the ratio n^2 / (ef N) so the crossover can be read off.
 * usage: bench_filter [N [DIM [QUERIES]]]   (defaults 50000 128 100)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/pool.h"
#include "index/hnsw.h"
#include "../tests/rand_gauss.h"

#define K 100 /* search.c asks for `candidates` = max(50, 10 k) = 100 at k = 10 */
#define EF 192

typedef struct filt {
  unsigned m; /* keeps labels whose hash % 10000 < m */
} filt;

static int accept(void *ctx, int64_t label) {
  const filt *f = ctx;
  uint64_t s = (uint64_t)label;
  return rng_next(&s) % 10000 < f->m;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 50000, dim = argc > 2 ? atoi(argv[2]) : 128;
  int nq = argc > 3 ? atoi(argv[3]) : 100;
  uint64_t seed = 7;
  float *x = malloc((size_t)n * dim * sizeof *x), *q = malloc((size_t)nq * dim * sizeof *q);
  int64_t *labels = malloc((size_t)n * sizeof *labels);
  float *cent = malloc((size_t)100 * dim * sizeof *cent);
  for (int i = 0; i < 100 * dim; i++) cent[i] = rng_gauss(&seed);
  for (int i = 0; i < n; i++) {
    int c = (int)(rng_next(&seed) % 100);
    labels[i] = i;
    for (int j = 0; j < dim; j++) x[(size_t)i * dim + j] = cent[c * dim + j] + rng_gauss(&seed);
  }
  for (int i = 0; i < nq; i++)
    for (int j = 0; j < dim; j++) q[(size_t)i * dim + j] = x[(size_t)(i * 37 % n) * dim + j];
  hnsw_params prm;
  hnsw_params_init(&prm, dim);
  hnsw *h;
  brass_error err;
  pool *p = pool_create(0);
  double t0 = now_ms();
  if (hnsw_create(&prm, &h, &err) || hnsw_add_batch(h, p, labels, x, (size_t)n, &err)) {
    fprintf(stderr, "bench_filter: %s\n", err.message);
    return 1;
  }
  fprintf(stderr, "built %d x %d in %.1f s\n", n, dim, (now_ms() - t0) / 1e3);
  pool_destroy(p);
  printf("%-8s %8s %10s %10s %8s %12s\n", "kept", "allowed", "walk_ms", "exact_ms", "recall",
         "n^2/(ef*N)");
  const unsigned shares[] = {50, 100, 200, 500, 1000, 2500, 5000};
  int64_t *allowed = malloc((size_t)n * sizeof *allowed);
  int64_t got[K], want[K];
  for (size_t s = 0; s < sizeof shares / sizeof *shares; s++) {
    filt f = {shares[s]};
    size_t na = 0;
    for (int i = 0; i < n; i++)
      if (accept(&f, i)) allowed[na++] = i;
    double walk = 0, exact = 0, rec = 0;
    for (int i = 0; i < nq; i++) {
      const float *qi = q + (size_t)i * dim;
      double a = now_ms();
      int ng = hnsw_search_filter(h, qi, K, EF, accept, &f, got, NULL, &err);
      double b = now_ms();
      int nw = hnsw_search_labels(h, qi, K, allowed, na, want, NULL, &err);
      double c = now_ms();
      walk += b - a;
      exact += c - b;
      int hit = 0;
      for (int j = 0; j < 10 && j < nw; j++)
        for (int k = 0; k < 10 && k < ng; k++) hit += want[j] == got[k];
      rec += nw ? (double)hit / (nw < 10 ? nw : 10) : 1;
    }
    printf("%6.1f%% %8zu %10.3f %10.3f %8.4f %12.2f\n", shares[s] / 100.0, na, walk / nq,
           exact / nq, rec / nq, (double)na * na / ((double)EF * n));
  }
  hnsw_free(h);
  free(allowed);
  free(x);
  free(q);
  free(labels);
  free(cent);
  return 0;
}
