/*
 * bench_search.c - search latency of an indexed library, in one process (bench/bench_e2e.sh runs
 * it): spawning the CLI per query would time process start and model loading, not the search.
 *
 *   bench_search --library FILE --queries FILE [--model DIR] [--threads N] [--mode hybrid]
 *                [-n 10] [--exact] [--warmup 10] [--repeat 1] [--json]
 *
 * Opens the library (and its model) once, runs each line of the queries file through
 * brass_search (query embedding, vector and keyword search, fusion, fetching results: what a
 * user of the API waits for), after a few untimed warm-up queries. Prints p50/p95/p99/max and
 * mean latency with the per-stage means brass reports (embed, vector, keyword, fuse, fetch) and
 * the process's CPU time per query (all threads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "brass.h"

typedef struct bs_queries {
  char **lines;
  size_t n;
} bs_queries;

static double bs_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static double bs_now(void) {
  return bs_clock(CLOCK_MONOTONIC);
}
/* CPU seconds of the whole process (all threads): robust when other programs share the cores. */
static double bs_cpu(void) {
  return bs_clock(CLOCK_PROCESS_CPUTIME_ID);
}

static void bs_free(bs_queries *q) {
  for (size_t i = 0; i < q->n; i++) free(q->lines[i]);
  free(q->lines);
}

static int bs_read(const char *path, bs_queries *q) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "bench_search: %s: cannot open\n", path);
    return -1;
  }
  size_t cap = 0, linecap = 0;
  char *line = NULL;
  ssize_t len;
  int rc = 0;
  q->lines = NULL;
  q->n = 0;
  while ((len = getline(&line, &linecap, f)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    if (q->n == cap) {
      cap = cap ? cap * 2 : 256;
      char **grown = realloc(q->lines, cap * sizeof *grown);
      if (!grown) {
        rc = -1;
        break;
      }
      q->lines = grown;
    }
    if (!(q->lines[q->n] = strdup(line))) {
      rc = -1;
      break;
    }
    q->n++;
  }
  free(line);
  fclose(f);
  if (rc == 0 && q->n == 0) {
    fprintf(stderr, "bench_search: %s: no queries\n", path);
    rc = -1;
  }
  if (rc) bs_free(q);
  return rc;
}

static int bs_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of n sorted values, nearest rank. */
static double bs_pct(const double *v, size_t n, double p) {
  size_t r = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (r < 1) r = 1;
  if (r > n) r = n;
  return v[r - 1];
}

static int bs_usage(void) {
  fprintf(stderr,
          "usage: bench_search --library FILE --queries FILE [--model DIR] [--threads N]"
          " [--mode hybrid|vector|keyword] [-n K] [--exact] [--warmup N] [--repeat N]"
          " [--json]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *lib_path = NULL, *qpath = NULL, *model = NULL, *mode = "hybrid";
  int threads = 0, k = 10, exact = 0, warmup = 10, repeat = 1, json = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json"))
      json = 1;
    else if (!strcmp(a, "--exact"))
      exact = 1;
    else if (!v)
      return bs_usage();
    else if (!strcmp(a, "--library"))
      lib_path = v, i++;
    else if (!strcmp(a, "--queries"))
      qpath = v, i++;
    else if (!strcmp(a, "--model"))
      model = v, i++;
    else if (!strcmp(a, "--mode"))
      mode = v, i++;
    else if (!strcmp(a, "--threads"))
      threads = atoi(v), i++;
    else if (!strcmp(a, "-n"))
      k = atoi(v), i++;
    else if (!strcmp(a, "--warmup"))
      warmup = atoi(v), i++;
    else if (!strcmp(a, "--repeat"))
      repeat = atoi(v), i++;
    else
      return bs_usage();
  }
  brass_search_options so = {.k = k, .exact = exact};
  if (!strcmp(mode, "hybrid"))
    so.mode = BRASS_SEARCH_HYBRID;
  else if (!strcmp(mode, "vector"))
    so.mode = BRASS_SEARCH_VECTOR;
  else if (!strcmp(mode, "keyword"))
    so.mode = BRASS_SEARCH_KEYWORD;
  else
    return bs_usage();
  if (!lib_path || !qpath || k < 1 || repeat < 1 || warmup < 0 || threads < 0) return bs_usage();

  bs_queries q;
  if (bs_read(qpath, &q)) return 1;
  brass_error err = {0};
  brass_model_options mo = {.threads = threads};
  brass_library *lib = NULL;
  double t0 = bs_now();
  if (brass_library_open(lib_path, model, &mo, BRASS_OPEN_EXISTING, &lib, &err)) {
    fprintf(stderr, "bench_search: %s\n", err.message);
    bs_free(&q);
    return 1;
  }
  double open_s = bs_now() - t0;
  size_t total = q.n * (size_t)repeat;
  double *lat = malloc(total * sizeof *lat);
  double sum[6] = {0}; /* took, embed, vector, keyword, fuse, fetch */
  long long hits = 0;
  int rc = 0;
  const char *ran = mode;
  for (int i = 0; i < warmup && !rc; i++) {
    brass_results *r = NULL;
    if (brass_search(lib, q.lines[(size_t)i % q.n], &so, &r, &err)) rc = 1;
    brass_results_free(r);
  }
  double cpu0 = bs_cpu();
  for (size_t i = 0; i < total && lat && !rc; i++) {
    brass_results *r = NULL;
    double s = bs_now();
    if (brass_search(lib, q.lines[i % q.n], &so, &r, &err)) {
      rc = 1;
      break;
    }
    lat[i] = (bs_now() - s) * 1e3;
    sum[0] += r->took_ms, sum[1] += r->embed_ms, sum[2] += r->vector_ms;
    sum[3] += r->keyword_ms, sum[4] += r->fuse_ms, sum[5] += r->fetch_ms;
    hits += (long long)r->count;
    ran = brass_search_mode_name(r->mode);
    brass_results_free(r);
  }
  double cpu_ms = (bs_cpu() - cpu0) * 1e3 / (double)(total ? total : 1);
  if (rc) fprintf(stderr, "bench_search: %s\n", err.message);
  if (!lat) {
    fprintf(stderr, "bench_search: out of memory\n");
    rc = 1;
  }
  if (!rc) {
    brass_library_info info;
    if (brass_library_info_get(lib, &info, &err)) memset(&info, 0, sizeof info);
    qsort(lat, total, sizeof *lat, bs_cmp);
    double mean = 0;
    for (size_t i = 0; i < total; i++) mean += lat[i];
    mean /= (double)total;
    double n = (double)total;
    if (json) {
      printf(
          "{\"mode\": \"%s\", \"exact\": %d, \"k\": %d, \"threads\": %d, \"queries\": %zu, "
          "\"chunks\": %lld, \"open_s\": %.4f, \"p50_ms\": %.4f, \"p95_ms\": %.4f, "
          "\"p99_ms\": %.4f, \"max_ms\": %.4f, \"mean_ms\": {\"wall\": %.4f, \"took\": %.4f, "
          "\"embed\": %.4f, \"vector\": %.4f, \"keyword\": %.4f, \"fuse\": %.4f, "
          "\"fetch\": %.4f}, \"cpu_ms_per_query\": %.4f, \"results_per_query\": %.2f}\n",
          ran, exact, k, threads ? threads : brass_default_threads(), total, (long long)info.chunks,
          open_s, bs_pct(lat, total, 50), bs_pct(lat, total, 95), bs_pct(lat, total, 99),
          lat[total - 1], mean, sum[0] / n, sum[1] / n, sum[2] / n, sum[3] / n, sum[4] / n,
          sum[5] / n, cpu_ms, (double)hits / n);
    } else {
      printf("%s search, %zu queries, %lld chunks, library opened in %.3f s\n", ran, total,
             (long long)info.chunks, open_s);
      printf(
          "latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  mean %.2f  (CPU %.2f per query)\n",
          bs_pct(lat, total, 50), bs_pct(lat, total, 95), bs_pct(lat, total, 99), lat[total - 1],
          mean, cpu_ms);
      printf("stage means ms: embed %.2f  vector %.2f  keyword %.2f  fuse %.2f  fetch %.2f\n",
             sum[1] / n, sum[2] / n, sum[3] / n, sum[4] / n, sum[5] / n);
    }
  }
  free(lat);
  brass_library_close(lib);
  bs_free(&q);
  return rc;
}
