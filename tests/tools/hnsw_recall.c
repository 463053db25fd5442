/*
 * hnsw_recall.c - recall@k of the HNSW index at the library's defaults (M, efConstruction and
 * efSearch from hnsw_params_init), against an exact brute-force top k, for the recall test
 * (tests/index/test_hnsw_recall.sh). The last --nq rows of the set are held out as queries and
 * never inserted; the rest are inserted with hnsw_add_batch on a thread pool. A returned label
 * counts as a hit when its exact similarity reaches the k-th best exact similarity (so that equal
 * vectors, e.g. texts that tokenize alike, cannot make the measure depend on tie order).
 *
 *   hnsw_recall (--vectors FILE.f32 --dim D | --texts FILE --model DIR [--max-length N]
 *               [--save FILE.f32] | --synthetic N [--clusters C] [--rank R] [--dim D])
 *               [--nq 1000] [--k 10] [--threads N] [--min-recall 0.95] [--sweep EF,EF,...]
 *               [--format f32|int8|both] [--no-rerank]
 *
 * --vectors reads raw little-endian float32 rows; --texts embeds one text per line with the model
 * (brass_embed, the passage path); --synthetic generates C Gaussian clusters, each spread over a
 * rank-R subspace of its own plus isotropic noise (R 0: isotropic only). Prints the recall at the
 * default efSearch (and at each --sweep ef, for information) with timings. --format int8 builds
 * the index with int8 vectors (HNSW_VEC_INT8) instead, both builds one of each; recall is always
 * against the exact float32 top k, and an int8 search re-ranks its ef candidates with the float32
 * vectors as brass_search does (--no-rerank: the graph's own int8 ranking). Exit status: 0 when
 * the recall at the default efSearch is at least --min-recall for every index built, 3 when below,
 * 1 on a usage error, 2 on a library error.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/pool.h"
#include "brass.h"
#include "index/hnsw.h"
#include "index/hnsw_dot.h"
#include "../rand_gauss.h"

#define MAX_K 100

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
/* CPU seconds of the whole process: on a shared machine the steadier measure. */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* n rows around `clusters` random unit centres: each row is its centre plus a Gaussian spread
 * over a rank-dimensional subspace of the centre's own (unit variance in total per direction
 * scaled by 1/sqrt(dim)) plus isotropic Gaussian noise of norm about 1.2. */
static float *synthetic(size_t n, int dim, int clusters, int rank, uint64_t seed) {
  float *c = malloc((size_t)clusters * dim * sizeof *c);
  float *basis = malloc(((size_t)clusters * rank + 1) * dim * sizeof *basis);
  float *x = malloc(n * (size_t)dim * sizeof *x);
  if (!c || !basis || !x) {
    free(c), free(basis), free(x);
    return NULL;
  }
  uint64_t s = seed;
  for (size_t i = 0; i < (size_t)clusters * dim; i++) c[i] = rng_gauss(&s);
  for (size_t i = 0; i < (size_t)clusters * rank * dim; i++) basis[i] = rng_gauss(&s);
  const float inv = 1.0f / sqrtf((float)dim);
  for (size_t i = 0; i < n; i++) {
    size_t k = rng_next(&s) % (size_t)clusters;
    float *xi = x + i * (size_t)dim;
    const float *ck = c + k * (size_t)dim;
    double norm = 0;
    for (int j = 0; j < dim; j++) norm += (double)ck[j] * ck[j];
    for (int j = 0; j < dim; j++) xi[j] = ck[j] / (float)sqrt(norm);
    for (int r = 0; r < rank; r++) {
      float z = rng_gauss(&s) * inv;
      const float *b = basis + (k * (size_t)rank + (size_t)r) * dim;
      for (int j = 0; j < dim; j++) xi[j] += z * b[j];
    }
    for (int j = 0; j < dim; j++) xi[j] += 1.2f * inv * rng_gauss(&s);
  }
  free(c);
  free(basis);
  return x;
}

static float *read_vectors(const char *path, int dim, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  float *x = NULL;
  long bytes = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
  size_t row = (size_t)dim * sizeof *x;
  if (bytes > 0 && (size_t)bytes % row == 0 && !fseek(f, 0, SEEK_SET)) {
    *n = (size_t)bytes / row;
    x = malloc((size_t)bytes);
    if (x && fread(x, row, *n, f) != *n) {
      free(x);
      x = NULL;
    }
  }
  fclose(f);
  return x;
}

/* Embeds every line of path with the model at dir; returns n * dim floats. */
static float *embed_lines(const char *path, const char *dir, int max_length, int threads, size_t *n,
                          int *dim) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "hnsw_recall: %s: cannot open\n", path);
    return NULL;
  }
  char **texts = NULL, *line = NULL;
  size_t count = 0, cap = 0, line_cap = 0;
  ssize_t got;
  while ((got = getline(&line, &line_cap, f)) >= 0) {
    if (got > 0 && line[got - 1] == '\n') line[got - 1] = '\0';
    if (count == cap) {
      cap = cap ? 2 * cap : 1024;
      char **t = realloc(texts, cap * sizeof *t);
      if (!t) break;
      texts = t;
    }
    texts[count++] = strdup(line);
  }
  free(line);
  fclose(f);
  brass_model_options o = {.threads = threads, .max_seq_length = max_length};
  brass_model *m = NULL;
  brass_error err = {0};
  float *x = NULL;
  double t0 = now_s(), c0 = cpu_s();
  if (brass_model_open(dir, &o, &m, &err) == 0) {
    *dim = brass_model_dim(m);
    x = malloc(count * (size_t)*dim * sizeof *x);
    if (x && brass_embed(m, (const char *const *)texts, count, x, &err)) {
      free(x);
      x = NULL;
    }
  }
  if (!x) fprintf(stderr, "hnsw_recall: %s\n", err.message[0] ? err.message : "out of memory");
  if (m)
    printf("embedded %zu lines with %s in %.1f s (%.1f s cpu)\n", count, brass_model_describe(m),
           now_s() - t0, cpu_s() - c0);
  brass_model_close(m);
  for (size_t i = 0; i < count; i++) free(texts[i]);
  free(texts);
  *n = count;
  return x;
}

/* ---- exact top k by brute force, parallel over queries ---- */

typedef struct exact_job {
  const float *base, *q; /* rows padded to pdim floats, normalised */
  size_t n, nq;
  int pdim, k;
  hnsw_dot_fn dot;
  float *kth; /* per query: the k-th best similarity */
} exact_job;

/* Queries go in blocks of EXACT_BLOCK that share one pass over the base rows, so each row is
 * fetched from memory once per block rather than once per query. */
#define EXACT_BLOCK 16
static void exact_range(void *ctx, size_t begin, size_t end, int worker) {
  (void)worker;
  exact_job *j = ctx;
  static _Thread_local float best[EXACT_BLOCK][MAX_K];
  for (size_t t0 = begin * EXACT_BLOCK; t0 < end * EXACT_BLOCK && t0 < j->nq; t0 += EXACT_BLOCK) {
    size_t nb = j->nq - t0 < EXACT_BLOCK ? j->nq - t0 : EXACT_BLOCK;
    for (size_t b = 0; b < nb; b++)
      for (int r = 0; r < j->k; r++) best[b][r] = -INFINITY;
    for (size_t i = 0; i < j->n; i++) {
      const float *x = j->base + i * (size_t)j->pdim;
      for (size_t b = 0; b < nb; b++) {
        float s = j->dot(j->q + (t0 + b) * (size_t)j->pdim, x, (size_t)j->pdim);
        float *bb = best[b];
        if (s <= bb[j->k - 1]) continue;
        int r = j->k - 1;
        for (; r > 0 && bb[r - 1] < s; r--) bb[r] = bb[r - 1];
        bb[r] = s;
      }
    }
    for (size_t b = 0; b < nb; b++) j->kth[t0 + b] = best[b][j->k - 1];
  }
}

/* Copies rows to a zero-padded, normalised layout of pdim floats per row. */
static float *padded(const float *x, size_t n, int dim, int pdim) {
  float *y = calloc(n * (size_t)pdim, sizeof *y);
  if (!y) return NULL;
  for (size_t i = 0; i < n; i++) {
    double ss = 0;
    for (int j = 0; j < dim; j++) ss += (double)x[i * dim + j] * x[i * dim + j];
    float s = ss > 0 ? (float)(1 / sqrt(ss)) : 0;
    for (int j = 0; j < dim; j++) y[i * (size_t)pdim + j] = x[i * dim + j] * s;
  }
  return y;
}

/* With rerank_f32 set, a search asks for ef candidates and keeps the k best by their exact float32
 * similarity, as brass_search does with an int8 graph. */
static int rerank_f32;

/* Recall of hnsw_search at ef over the queries (tie-aware, see the top comment). */
static double recall_at(const hnsw *h, const float *pq, const float *pbase, size_t nq, int pdim,
                        int k, int ef, const float *kth, hnsw_dot_fn dot, double *qps) {
  static int64_t labels[4096];
  static float sims[4096];
  size_t hits = 0;
  hnsw_stats hs;
  hnsw_get_stats(h, &hs);
  int e = ef > 0 ? ef : hs.ef_search, want = rerank_f32 && e > k ? (e < 4096 ? e : 4096) : k;
  double t0 = now_s();
  for (size_t t = 0; t < nq; t++) {
    const float *q = pq + t * (size_t)pdim;
    int got = hnsw_search(h, q, want, e, labels, NULL, NULL);
    for (int a = 0; a < got; a++) sims[a] = dot(q, pbase + (size_t)labels[a] * pdim, (size_t)pdim);
    for (int a = 0; a < got && a < k; a++) { /* selection: the k best first */
      int b = a;
      for (int c = a + 1; c < got; c++) b = sims[c] > sims[b] ? c : b;
      float ts = sims[a];
      sims[a] = sims[b], sims[b] = ts;
      hits += sims[a] >= kth[t] - 1e-5f;
    }
  }
  *qps = (double)nq / (now_s() - t0);
  return (double)hits / (double)(nq * (size_t)k);
}

static int usage(void) {
  fprintf(stderr,
          "usage: hnsw_recall (--vectors FILE.f32 --dim D | --texts FILE --model DIR "
          "[--max-length N] [--save FILE.f32] | --synthetic N [--clusters C] [--rank R] "
          "[--dim D]) [--nq 1000] [--k 10] [--threads N] [--min-recall 0.95] "
          "[--sweep EF,...] [--format f32|int8|both] [--no-rerank] [--M M --ef-construction EF "
          "(not the defaults: for "
          "experiments)]\n");
  return 1;
}

int main(int argc, char **argv) {
  const char *vectors = NULL, *texts = NULL, *model = NULL, *save = NULL, *sweep = NULL;
  size_t synth = 0, nq = 1000;
  int dim = 384, clusters = 100, rank = 32, k = 10, threads = 0, max_length = 0;
  int M = 0, ef_construction = 0; /* 0: the library's defaults */
  int int8 = 0, rerank = 1;
  double min_recall = 0.95;
  setvbuf(stdout, NULL, _IOLBF, 0); /* each phase's line as it ends, also into a log */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--no-rerank")) {
      rerank = 0;
      continue;
    }
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) return usage();
    i++;
    if (!strcmp(a, "--vectors"))
      vectors = v;
    else if (!strcmp(a, "--texts"))
      texts = v;
    else if (!strcmp(a, "--format") &&
             (!strcmp(v, "f32") || !strcmp(v, "int8") || !strcmp(v, "both")))
      int8 = !strcmp(v, "f32") ? 0 : !strcmp(v, "int8") ? 1 : 2;
    else if (!strcmp(a, "--model"))
      model = v;
    else if (!strcmp(a, "--save"))
      save = v;
    else if (!strcmp(a, "--sweep"))
      sweep = v;
    else if (!strcmp(a, "--synthetic"))
      synth = (size_t)atol(v);
    else if (!strcmp(a, "--nq"))
      nq = (size_t)atol(v);
    else if (!strcmp(a, "--dim"))
      dim = atoi(v);
    else if (!strcmp(a, "--clusters"))
      clusters = atoi(v);
    else if (!strcmp(a, "--rank"))
      rank = atoi(v);
    else if (!strcmp(a, "--k"))
      k = atoi(v);
    else if (!strcmp(a, "--threads"))
      threads = atoi(v);
    else if (!strcmp(a, "--max-length"))
      max_length = atoi(v);
    else if (!strcmp(a, "--M"))
      M = atoi(v);
    else if (!strcmp(a, "--ef-construction"))
      ef_construction = atoi(v);
    else if (!strcmp(a, "--min-recall"))
      min_recall = atof(v);
    else
      return usage();
  }
  if (!!vectors + !!texts + !!synth != 1 || (texts && !model) || k < 1 || k > MAX_K || dim < 1 ||
      dim > HNSW_MAX_DIM || clusters < 1 || rank < 0 || nq < 1)
    return usage();
  if (threads <= 0) threads = pool_default_threads();

  size_t n = 0;
  float *x = NULL;
  if (vectors) {
    x = read_vectors(vectors, dim, &n);
    if (!x) fprintf(stderr, "hnsw_recall: %s: cannot read rows of %d float32\n", vectors, dim);
  } else if (texts) {
    x = embed_lines(texts, model, max_length, threads, &n, &dim);
  } else {
    n = synth;
    x = synthetic(n, dim, clusters, rank, 20240611);
  }
  if (!x) return 2;
  if (save) {
    FILE *f = fopen(save, "wb");
    if (!f || fwrite(x, (size_t)dim * sizeof *x, n, f) != n)
      fprintf(stderr, "cannot write %s\n", save);
    if (f) fclose(f);
  }
  if (n <= nq + (size_t)k) {
    fprintf(stderr, "hnsw_recall: %zu vectors are too few for %zu queries\n", n, nq);
    free(x);
    return 1;
  }
  const size_t nb = n - nq;
  const int pdim = (dim + HNSW_DOT_LANES - 1) / HNSW_DOT_LANES * HNSW_DOT_LANES;
  hnsw_dot_fn dot = hnsw_dot_select();
  pool *p = pool_create(threads);
  float *pbase = padded(x, nb, dim, pdim), *pq = padded(x + nb * (size_t)dim, nq, dim, pdim);
  int64_t *labels = malloc(nb * sizeof *labels);
  float *kth = malloc(nq * sizeof *kth);
  hnsw *h = NULL;
  brass_error err = {0};
  int status = 2;
  if (!p || !pbase || !pq || !labels || !kth) {
    fprintf(stderr, "hnsw_recall: out of memory\n");
    goto done;
  }
  for (size_t i = 0; i < nb; i++) labels[i] = (int64_t)i;

  double t0 = now_s();
  exact_job job = {pbase, pq, nb, nq, pdim, k, dot, kth};
  pool_for(p, (nq + EXACT_BLOCK - 1) / EXACT_BLOCK, 1, exact_range, &job);
  printf("exact top %d of %zu queries in %.1f s\n", k, nq, now_s() - t0);
  status = 0;
  for (int pass = 0; pass < 2; pass++) {
    int i8 = pass == 1;
    if (i8 ? !int8 : int8 == 1) continue; /* int8: 0 f32 only, 1 int8 only, 2 both */
    hnsw_free(h);
    h = NULL;
    hnsw_params prm;
    hnsw_params_init(&prm, dim);
    if (M) prm.M = M;
    if (ef_construction) prm.ef_construction = ef_construction;
    if (i8) prm.vectors = HNSW_VEC_INT8;
    /* the int8 graph's candidates are re-ranked with the float vectors, as brass_search does */
    rerank_f32 = i8 && rerank;
    t0 = now_s();
    double c0 = cpu_s();
    if (hnsw_create(&prm, &h, &err) || hnsw_add_batch(h, p, labels, x, nb, &err)) {
      fprintf(stderr, "hnsw_recall: %s\n", err.message);
      status = 2;
      goto done;
    }
    double t_build = now_s() - t0, c_build = cpu_s() - c0;
    /* Cross-check the brute force with the library's own exact search on a few queries (an int8
     * index scores its stored codes: within quantisation error). */
    for (size_t t = 0; t < nq && t < 8; t++) {
      int64_t el[MAX_K];
      float es[MAX_K];
      if (hnsw_search_exact(h, pq + t * (size_t)pdim, k, el, es, &err) != k ||
          fabsf(es[k - 1] - kth[t]) > (i8 ? 2e-2f : 1e-4f)) {
        fprintf(stderr, "hnsw_recall: query %zu: k-th exact similarity %g, hnsw_search_exact %g\n",
                t, kth[t], es[k - 1]);
        status = 2;
        goto done;
      }
    }
    hnsw_stats hs;
    hnsw_get_stats(h, &hs);
    printf(
        "%zu x %d inserted (%s vectors, M %d, efConstruction %d, %d threads) in %.1f s (%.1f s "
        "cpu); index memory %.1f MB, kernel %s\n",
        nb, dim, i8 ? "int8" : "f32", prm.M, prm.ef_construction, threads, t_build, c_build,
        (double)hs.memory_bytes / 1e6, hs.kernel);
    double qps;
    double recall = recall_at(h, pq, pbase, nq, pdim, k, 0, kth, dot, &qps);
    printf("%s recall@%d at the default efSearch %d%s: %.4f (%.0f queries/s, one thread)\n",
           i8 ? "int8" : "f32", k, prm.ef_search,
           rerank_f32 ? ", candidates re-ranked with float32" : "", recall, qps);
    for (const char *sw = sweep; sw && *sw;) {
      int ef = atoi(sw);
      if (ef > 0) {
        double r = recall_at(h, pq, pbase, nq, pdim, k, ef, kth, dot, &qps);
        printf("  ef %4d: recall@%d %.4f (%.0f queries/s)\n", ef, k, r, qps);
      }
      sw = strchr(sw, ',');
      if (sw) sw++;
    }
    if (i8 && rerank_f32) { /* for information: the graph's own (int8) ranking */
      rerank_f32 = 0;
      double r = recall_at(h, pq, pbase, nq, pdim, k, 0, kth, dot, &qps);
      printf("  int8 without the float32 re-rank: recall@%d %.4f (%.0f queries/s)\n", k, r, qps);
    }
    if (recall >= min_recall) {
      printf("ok: %s recall@%d %.4f >= %.2f\n", i8 ? "int8" : "f32", k, recall, min_recall);
    } else {
      printf("FAIL: %s recall@%d %.4f < %.2f at the default efSearch %d\n", i8 ? "int8" : "f32", k,
             recall, min_recall, prm.ef_search);
      status = 3;
    }
  }
done:
  hnsw_free(h);
  pool_destroy(p);
  free(pbase);
  free(pq);
  free(labels);
  free(kth);
  free(x);
  return status;
}
