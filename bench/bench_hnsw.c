/*
 * bench_hnsw.c - HNSW build time, search QPS against recall@10, memory and load time, on the
 * vectors that bench/hnsw_peers.py feeds to hnswlib and FAISS.
 *
 *   bench_hnsw [--dir DIR] [--n 100000] [--dim 384] [--nq 1000] [--threads 1,2] [--ef LIST]
 *              [--rank 64] [--noise 1.3] [--data FILE.f32 --queries FILE.f32]
 *              [--min-time 0.5] [--stop-recall R] [--vectors f32|int8] [--index FILE]
 *
 * Without --data it generates clustered synthetic vectors (200 centres, each spread over a
 * rank-dimensional subspace of its own plus isotropic noise of the given norm; the recipe of
 * tests/unit/test_hnsw.c, made harder so that recall@10 at M = 16 spans 0.9 .. 0.99 over the
 * efSearch sweep) and writes DIR/base.f32 and DIR/queries.f32 (raw little-endian float32 rows,
 * normalised; the queries come from the same distribution but are not in the base). Either way it
 * writes DIR/gt.i32 (exact top-10 row numbers per query, by brute force), DIR/meta.json, and its
 * results to DIR/brass.json; hnsw_peers.py reads the same files. M = 16, efConstruction = 200.
 * Searches run one query at a time on one thread; recall@10 is against the exact top 10. Each
 * efSearch repeats the query set at least 3 times and for at least --min-time seconds (JSON: mean
 * rates, and best_cpu_qps from the fastest pass, the steadier one on a shared machine);
 * --stop-recall ends the sweep at the first efSearch whose recall reaches R (the short run of `make
 * bench` uses 0.99). --vectors int8 builds the index with int8 vectors (HNSW_VEC_INT8: integer
 * inner products, candidates re-ranked with the float query against the codes; no float32 copy).
 * --index FILE loads the index from FILE (written by hnsw_serialize) instead of building it, or, if
 * FILE does not exist yet, builds as usual and saves the last index there: search changes can then
 * be compared on one fixed graph without a ~1 min CPU build per 100k run.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/pool.h"
#include "index/hnsw.h"
#include "index/hnsw_dot.h"
#include "../tests/rand_gauss.h"

#define K 10

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
/* Wall time, and CPU time of this thread and of the process: on a shared machine the CPU-time
 * rates are the steadier measure of the code itself. */
static double now(void) {
  return clock_s(CLOCK_MONOTONIC);
}
static double thread_cpu(void) {
  return clock_s(CLOCK_THREAD_CPUTIME_ID);
}
static double process_cpu(void) {
  return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* Resident set size in bytes (Linux), 0 if unknown. */
static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (size_t)resident * 4096;
}

/* ---- data ---- */

static void clustered(float *x, size_t n, int dim, int R, float noise, uint64_t seed) {
  enum { NC = 200 };
  float *c = malloc((size_t)NC * dim * sizeof *c), *basis = malloc((size_t)NC * R * dim * 4);
  uint64_t s = seed;
  for (size_t i = 0; i < (size_t)NC * dim; i++) c[i] = rng_gauss(&s);
  for (size_t i = 0; i < (size_t)NC * R * dim; i++) basis[i] = rng_gauss(&s);
  float inv = 1.0f / sqrtf((float)dim);
  for (size_t i = 0; i < n; i++) {
    size_t k = rng_next(&s) % NC;
    float *xi = x + i * (size_t)dim;
    double norm = 0;
    for (int j = 0; j < dim; j++) norm += (double)c[k * dim + j] * c[k * dim + j];
    for (int j = 0; j < dim; j++) xi[j] = c[k * dim + j] / (float)sqrt(norm);
    for (int r = 0; r < R; r++) {
      float z = rng_gauss(&s) * inv;
      const float *b = basis + (k * R + r) * (size_t)dim;
      for (int j = 0; j < dim; j++) xi[j] += z * b[j];
    }
    for (int j = 0; j < dim; j++) xi[j] += noise * inv * rng_gauss(&s);
  }
  free(c);
  free(basis);
}

static void normalise_rows(float *x, size_t n, int dim) {
  for (size_t i = 0; i < n; i++) {
    double ss = 0;
    for (int j = 0; j < dim; j++) ss += (double)x[i * dim + j] * x[i * dim + j];
    float s = ss > 0 ? (float)(1 / sqrt(ss)) : 0;
    for (int j = 0; j < dim; j++) x[i * dim + j] *= s;
  }
}

static int write_file(const char *path, const void *p, size_t bytes) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "bench_hnsw: cannot write %s\n", path);
    if (f) fclose(f);
    return -1;
  }
  return fclose(f);
}

/* The whole file, malloc'd; NULL if it cannot be read. */
static uint8_t *read_bytes(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = bytes > 0 ? malloc((size_t)bytes) : NULL;
  if (b && fread(b, 1, (size_t)bytes, f) != (size_t)bytes) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = b ? (size_t)bytes : 0;
  return b;
}

static float *read_f32(const char *path, int dim, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  *n = (size_t)bytes / (4 * (size_t)dim);
  float *x = malloc(*n * (size_t)dim * 4 + 1);
  if (x && fread(x, 4 * (size_t)dim, *n, f) != *n) {
    free(x);
    x = NULL;
  }
  fclose(f);
  return x;
}

/* ---- ground truth: brute force, parallel over queries ---- */

typedef struct gt_job {
  const float *base, *q;
  size_t n;
  int dim;
  int32_t *gt;
  hnsw_dot_fn dot; /* when dim is a multiple of HNSW_DOT_LANES */
} gt_job;

static void gt_range(void *ctx, size_t begin, size_t end, int worker) {
  gt_job *j = ctx;
  for (size_t t = begin; t < end; t++) {
    float best[K];
    int32_t idx[K];
    for (int r = 0; r < K; r++) best[r] = -INFINITY, idx[r] = -1;
    const float *q = j->q + t * j->dim;
    for (size_t i = 0; i < j->n; i++) {
      const float *x = j->base + i * j->dim;
      float s = 0;
      if (j->dot) {
        s = j->dot(q, x, (size_t)j->dim);
      } else {
        for (int d = 0; d < j->dim; d++) s += q[d] * x[d];
      }
      if (s <= best[K - 1]) continue;
      int r = K - 1;
      for (; r > 0 && best[r - 1] < s; r--) best[r] = best[r - 1], idx[r] = idx[r - 1];
      best[r] = s;
      idx[r] = (int32_t)i;
    }
    memcpy(j->gt + t * K, idx, sizeof idx);
  }
}

/* ---- the benchmark ---- */

static int parse_list(const char *s, int *out, int cap) {
  int n = 0;
  while (*s && n < cap) {
    out[n++] = atoi(s);
    const char *c = strchr(s, ',');
    if (!c) break;
    s = c + 1;
  }
  return n;
}

int main(int argc, char **argv) {
  const char *dir = "bench-hnsw-data", *data = NULL, *queries = NULL, *index_file = NULL;
  size_t n = 100000, nq = 1000;
  int dim = 384, threads[8] = {1, 2}, nthreads = 2, rank = 64;
  float noise = 1.3f;
  double min_time = 0.5, stop_recall = 2.0;
  int efs[32] = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512}, nef = 12;
  int vectors = HNSW_VEC_F32;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
    else if (!strcmp(argv[i], "--n"))
      n = (size_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--nq"))
      nq = (size_t)atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--dim"))
      dim = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--rank"))
      rank = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--noise"))
      noise = (float)atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads"))
      nthreads = parse_list(argv[i + 1], threads, 8);
    else if (!strcmp(argv[i], "--ef"))
      nef = parse_list(argv[i + 1], efs, 32);
    else if (!strcmp(argv[i], "--data"))
      data = argv[i + 1];
    else if (!strcmp(argv[i], "--queries"))
      queries = argv[i + 1];
    else if (!strcmp(argv[i], "--index"))
      index_file = argv[i + 1];
    else if (!strcmp(argv[i], "--min-time"))
      min_time = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--stop-recall"))
      stop_recall = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--vectors") && !strcmp(argv[i + 1], "int8"))
      vectors = HNSW_VEC_INT8;
    else if (!strcmp(argv[i], "--vectors") && !strcmp(argv[i + 1], "f32"))
      vectors = HNSW_VEC_F32;
    else {
      fprintf(stderr, "bench_hnsw: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  mkdir(dir, 0755);
  char path[1024];
  float *base = NULL, *q = NULL;
  if (data) {
    base = read_f32(data, dim, &n);
    q = queries ? read_f32(queries, dim, &nq) : NULL;
    if (!base || !q) {
      fprintf(stderr, "bench_hnsw: cannot read %s / %s\n", data, queries ? queries : "(none)");
      return 1;
    }
  } else {
    base = malloc((n + nq) * (size_t)dim * sizeof *base);
    clustered(base, n + nq, dim, rank, noise, 1234);
    q = malloc(nq * (size_t)dim * sizeof *q);
    memcpy(q, base + n * dim, nq * (size_t)dim * sizeof *q);
  }
  normalise_rows(base, n, dim);
  normalise_rows(q, nq, dim);
  snprintf(path, sizeof path, "%s/base.f32", dir);
  if (write_file(path, base, n * (size_t)dim * 4)) return 1;
  snprintf(path, sizeof path, "%s/queries.f32", dir);
  if (write_file(path, q, nq * (size_t)dim * 4)) return 1;

  pool *p = pool_create(2);
  int32_t *gt = NULL;
  double t0 = now();
  size_t gt_len = 0;
  snprintf(path, sizeof path, "%s/gt.i32", dir);
  FILE *idx = index_file ? fopen(index_file, "rb") : NULL;
  if (idx) { /* a saved index: the data and so the exact top 10 are those of its first run */
    fclose(idx);
    gt = (int32_t *)read_bytes(path, &gt_len);
    if (gt_len != nq * K * sizeof *gt) {
      free(gt);
      gt = NULL;
    }
  }
  if (!gt) {
    gt = malloc(nq * K * sizeof *gt);
    gt_job job = {base, q, n, dim, gt, dim % HNSW_DOT_LANES ? NULL : hnsw_dot_select()};
    pool_for(p, nq, 8, gt_range, &job);
  }
  double t_gt = now() - t0;
  snprintf(path, sizeof path, "%s/gt.i32", dir);
  if (write_file(path, gt, nq * K * sizeof *gt)) return 1;
  snprintf(path, sizeof path, "%s/meta.json", dir);
  FILE *meta = fopen(path, "w");
  fprintf(
      meta,
      "{\"n\": %zu, \"nq\": %zu, \"dim\": %d, \"k\": %d, \"M\": 16, \"ef_construction\": 200}\n", n,
      nq, dim, K);
  fclose(meta);
  printf("brass hnsw: %zu x %d, %zu queries, exact top-%d in %.1f s\n", n, dim, nq, K, t_gt);

  int64_t *labels = malloc(n * sizeof *labels);
  for (size_t i = 0; i < n; i++) labels[i] = (int64_t)i;
  snprintf(path, sizeof path, "%s/brass.json", dir);
  FILE *js = fopen(path, "w");
  fprintf(js, "{\"library\": \"brass\", \"vectors\": \"%s\", \"n\": %zu, \"dim\": %d, \"build\": [",
          vectors == HNSW_VEC_INT8 ? "int8" : "f32", n, dim);

  hnsw *h = NULL;
  size_t cached_len = 0;
  uint8_t *cached = index_file ? read_bytes(index_file, &cached_len) : NULL;
  if (cached) {
    brass_error err;
    int lrc = hnsw_deserialize(cached, cached_len, &h, &err);
    free(cached);
    if (lrc) {
      fprintf(stderr, "bench_hnsw: %s: %s\n", index_file, err.message);
      return 1;
    }
    printf("index loaded from %s (no build)\n", index_file);
    nthreads = 0;
  }
  for (int t = 0; t < nthreads; t++) {
    hnsw_free(h);
    h = NULL;
    pool *bp = pool_create(threads[t]);
    hnsw_params prm;
    hnsw_params_init(&prm, dim);
    prm.vectors = vectors;
    size_t rss0 = rss_bytes();
    brass_error err;
    t0 = now();
    double c0 = process_cpu();
    if (hnsw_create(&prm, &h, &err) || hnsw_add_batch(h, bp, labels, base, n, &err)) {
      fprintf(stderr, "bench_hnsw: %s\n", err.message);
      return 1;
    }
    double tb = now() - t0, cb = process_cpu() - c0;
    size_t rss = rss_bytes() - rss0;
    pool_destroy(bp);
    hnsw_stats st;
    hnsw_get_stats(h, &st);
    printf(
        "build %d thread%s: %.1f s wall, %.1f s cpu (%.0f inserts/s), index %.1f MB (rss +%.1f "
        "MB), kernel %s\n",
        threads[t], threads[t] > 1 ? "s" : "", tb, cb, (double)n / tb, st.memory_bytes / 1e6,
        rss / 1e6, st.kernel);
    fprintf(js,
            "%s{\"threads\": %d, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"memory_mb\": %.1f, "
            "\"rss_mb\": %.1f, \"kernel\": \"%s\"}",
            t ? ", " : "", threads[t], tb, cb, st.memory_bytes / 1e6, rss / 1e6, st.kernel);
  }
  fprintf(js, "], \"search\": [");
  if (index_file && nthreads > 0) { /* built here: keep it for the next run */
    uint8_t *ib = NULL;
    size_t il = 0;
    if (hnsw_serialize_alloc(h, &ib, &il, NULL) != 0 || write_file(index_file, ib, il) != 0)
      return 1;
    free(ib);
  }

  /* Search sweep on the last index built: one query at a time, one thread. */
  printf("%6s %8s %10s %10s %10s\n", "ef", "recall", "QPS", "cpu QPS", "us/query");
  int64_t res[K];
  double target[3] = {0.90, 0.95, 0.99};
  int reached[3] = {0, 0, 0};
  double reached_qps[3] = {0, 0, 0};
  for (int e = 0; e < nef; e++) {
    size_t hits = 0, done = 0;
    t0 = now();
    double elapsed = 0, c0 = thread_cpu(), best = INFINITY;
    do { /* repeat the query set (>= 3 times, >= min_time), for stable timings */
      double p0 = thread_cpu();
      for (size_t t = 0; t < nq; t++) {
        int got = hnsw_search(h, q + t * dim, K, efs[e], res, NULL, NULL);
        if (done < nq)
          for (int a = 0; a < got; a++)
            for (int b = 0; b < K; b++) hits += res[a] == gt[t * K + b];
      }
      done += nq;
      elapsed = now() - t0;
      if (thread_cpu() - p0 < best) best = thread_cpu() - p0;
    } while (elapsed < min_time || done < 3 * nq);
    double recall = (double)hits / (double)(nq * K), qps = (double)done / elapsed;
    double cpu_qps = (double)done / (thread_cpu() - c0), best_qps = (double)nq / best;
    printf("%6d %8.4f %10.0f %10.0f %10.1f\n", efs[e], recall, qps, cpu_qps, 1e6 / qps);
    fprintf(js,
            "%s{\"ef\": %d, \"recall\": %.4f, \"qps\": %.1f, \"cpu_qps\": %.1f, "
            "\"best_cpu_qps\": %.1f}",
            e ? ", " : "", efs[e], recall, qps, cpu_qps, best_qps);
    for (int r = 0; r < 3; r++)
      if (!reached[r] && recall >= target[r]) reached[r] = efs[e], reached_qps[r] = cpu_qps;
    if (recall >= stop_recall) break;
  }
  fprintf(js, "]");
  for (int r = 0; r < 3; r++) {
    if (reached[r])
      printf("recall %.2f: first at ef %d, %.0f cpu QPS\n", target[r], reached[r], reached_qps[r]);
    else
      printf("recall %.2f: not reached\n", target[r]);
  }

  /* Serialise and load. */
  uint8_t *buf = NULL;
  size_t len = 0;
  t0 = now();
  hnsw_serialize_alloc(h, &buf, &len, NULL);
  double ts = now() - t0;
  hnsw *g = NULL;
  brass_error err;
  t0 = now();
  int rc = hnsw_deserialize(buf, len, &g, &err);
  double tl = now() - t0;
  printf("serialise %.1f MB in %.0f ms, load in %.0f ms (%s)\n", len / 1e6, ts * 1e3, tl * 1e3,
         rc ? err.message : "ok");
  fprintf(js, ", \"serialized_mb\": %.1f, \"save_ms\": %.1f, \"load_ms\": %.1f}\n", len / 1e6,
          ts * 1e3, tl * 1e3);
  fclose(js);
  hnsw_free(g);
  free(buf);
  hnsw_free(h);
  pool_destroy(p);
  free(labels);
  free(gt);
  free(base);
  free(q);
  return rc ? 1 : 0;
}
