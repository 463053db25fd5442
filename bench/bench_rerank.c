/*
 * bench_rerank.c - brass's side of the rerank benchmark (bench/rerank_bench.sh runs it next to
 * ONNX Runtime): one query and its passages in, one logit per passage out, through the public API.
 *
 *   bench_rerank --model DIR --pairs FILE [--threads N] [--runs 15]
 *
 * FILE: the query on the first line, one passage per following line. After one warm-up call,
 * each run scores every (query, passage) pair with one brass_rerank_pairs call (tokenisation
 * included, as a search does); prints one JSON object with the p50, p90 and minimum latency and
 * the scores of the last run (the script checks them against ONNX Runtime's). cpu_p50_ms is the
 * median process CPU time of a run (all threads): on a loaded machine wall time also counts time
 * the scheduler gave to others, CPU time much less so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "brass.h"

#define MAX_PASSAGES 1024

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  const char *model_dir = NULL, *pairs_path = NULL;
  brass_reranker_options o = {0};
  int runs = 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--model"))
      model_dir = argv[i + 1];
    else if (!strcmp(argv[i], "--pairs"))
      pairs_path = argv[i + 1];
    else if (!strcmp(argv[i], "--threads"))
      o.threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--runs"))
      runs = atoi(argv[i + 1]);
  }
  if (!model_dir || !pairs_path || runs < 1) {
    fprintf(stderr, "usage: bench_rerank --model DIR --pairs FILE [--threads N] [--runs R]\n");
    return 2;
  }
  FILE *f = fopen(pairs_path, "r");
  if (!f) {
    fprintf(stderr, "bench_rerank: %s: cannot open\n", pairs_path);
    return 1;
  }
  char *lines[MAX_PASSAGES + 1];
  size_t n = 0, cap = 0;
  char *line = NULL;
  ssize_t len;
  while (n < MAX_PASSAGES + 1 && (len = getline(&line, &cap, f)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
    lines[n++] = strdup(line);
  }
  free(line);
  fclose(f);
  if (n < 2) {
    fprintf(stderr, "bench_rerank: %s: needs a query and at least one passage\n", pairs_path);
    return 1;
  }
  const size_t np = n - 1;
  const char *queries[MAX_PASSAGES];
  for (size_t i = 0; i < np; i++) queries[i] = lines[0];
  brass_error err;
  brass_reranker *r = NULL;
  double t0 = now_ms();
  if (brass_reranker_open(model_dir, &o, &r, &err)) {
    fprintf(stderr, "bench_rerank: %s\n", err.message);
    return 1;
  }
  double load_ms = now_ms() - t0;
  float scores[MAX_PASSAGES];
  double *ms = malloc((size_t)runs * sizeof *ms), *cpu = malloc((size_t)runs * sizeof *cpu);
  long tokens = 0;
  int32_t ids[4096];
  uint8_t types[4096];
  for (size_t i = 0; i < np; i++)
    tokens += brass_tokenize_pair(r, lines[0], lines[i + 1], ids, types, 4096, &err);
  int rc = brass_rerank_pairs(r, queries, (const char *const *)lines + 1, np, scores, &err);
  for (int k = 0; !rc && k < runs; k++) {
    t0 = now_ms();
    double c0 = cpu_ms();
    rc = brass_rerank_pairs(r, queries, (const char *const *)lines + 1, np, scores, &err);
    ms[k] = now_ms() - t0;
    cpu[k] = cpu_ms() - c0;
  }
  if (rc) {
    fprintf(stderr, "bench_rerank: %s\n", err.message);
    return 1;
  }
  qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
  qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
  printf(
      "{\"engine\":\"brass\",\"describe\":\"%s\",\"pairs\":%zu,\"tokens\":%ld,\"runs\":%d,"
      "\"load_ms\":%.1f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"min_ms\":%.2f,\"cpu_p50_ms\":%.2f,"
      "\"scores\":[",
      brass_reranker_describe(r), np, tokens, runs, load_ms, ms[runs / 2],
      ms[(runs * 9) / 10 < runs ? (runs * 9) / 10 : runs - 1], ms[0], cpu[runs / 2]);
  for (size_t i = 0; i < np; i++) printf("%s%.6g", i ? "," : "", scores[i]);
  printf("]}\n");
  free(ms);
  free(cpu);
  for (size_t i = 0; i < n; i++) free(lines[i]);
  brass_reranker_close(r);
  return 0;
}
