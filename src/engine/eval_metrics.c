/*
 * eval_metrics.c - ranking-quality metrics with trec_eval's definitions and the percentile
 * bootstrap over queries. Pure functions over arrays: the judged-set loading and searching live
 * in eval.c, so these can be checked in isolation (tests/engine/test_eval_metrics.sh compares them
 * with an independent Python implementation).
 *
 * Definitions (trec_eval 9.x, relevance level 1, graded gains):
 *   ndcg_cut.k  DCG@k / IDCG@k, DCG = sum over ranks i <= k of grade_i / log2(i + 1), the ideal
 *               ranking being the judged grades sorted down (grades <= 0 give no gain);
 *   mrr@k       1 / rank of the first relevant document within the first k, else 0;
 *   map_cut.k   sum over relevant documents at ranks i <= k of precision@i, divided by the
 *               number of relevant documents judged (not by min(R, k));
 *   recall.k    relevant documents in the first k / relevant documents judged.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"

const char *brass_eval_metric_label(int metric, int k, char *buf, size_t cap) {
  static const char *const names[BRASS_EVAL_METRICS] = {"ndcg", "mrr", "map", "recall", "recall"};
  if (metric < 0 || metric >= BRASS_EVAL_METRICS) return "";
  snprintf(buf, cap, "%s@%d", names[metric], metric == BRASS_EVAL_RECALL100 ? 100 : k);
  return buf;
}

static int eval_grade_cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x < y) - (x > y); /* descending */
}

/* The grade of doc in the judgments, 0 when unjudged. */
static int eval_grade(const brass_judgment *j, size_t nj, const char *doc) {
  for (size_t i = 0; i < nj; i++)
    if (!strcmp(j[i].doc, doc)) return j[i].grade;
  return 0;
}

/* 1 if ranking[i] already appeared before position i. */
static int eval_repeated(const char *const *ranking, size_t i) {
  for (size_t p = 0; p < i; p++)
    if (!strcmp(ranking[p], ranking[i])) return 1;
  return 0;
}

void brass_eval_score(const char *const *ranking, size_t n, const brass_judgment *j, size_t nj,
                      int k, double out[BRASS_EVAL_METRICS]) {
  for (int m = 0; m < BRASS_EVAL_METRICS; m++) out[m] = 0;
  if (k < 1) k = 1;
  size_t num_rel = 0;
  for (size_t i = 0; i < nj; i++) num_rel += j[i].grade >= 1;
  if (!num_rel) return;
  /* ideal DCG from the judged grades, best first */
  int *g = malloc(nj * sizeof *g);
  double idcg = 0;
  if (g) {
    for (size_t i = 0; i < nj; i++) g[i] = j[i].grade;
    qsort(g, nj, sizeof *g, eval_grade_cmp);
    for (size_t i = 0; i < nj && i < (size_t)k; i++)
      if (g[i] > 0) idcg += g[i] / log2((double)i + 2);
    free(g);
  }
  double dcg = 0, ap = 0;
  size_t rel_k = 0, rel_100 = 0, rank = 0;
  for (size_t i = 0; i < n; i++) {
    if (eval_repeated(ranking, i)) continue;
    rank++;
    int grade = eval_grade(j, nj, ranking[i]);
    if (rank <= (size_t)k && grade > 0) dcg += grade / log2((double)rank + 1);
    if (grade < 1) continue;
    if (rank <= 100) rel_100++;
    if (rank > (size_t)k) continue;
    rel_k++;
    if (rel_k == 1) out[BRASS_EVAL_MRR] = 1.0 / (double)rank;
    ap += (double)rel_k / (double)rank;
  }
  out[BRASS_EVAL_NDCG] = idcg > 0 ? dcg / idcg : 0;
  out[BRASS_EVAL_MAP] = ap / (double)num_rel;
  out[BRASS_EVAL_RECALL] = (double)rel_k / (double)num_rel;
  out[BRASS_EVAL_RECALL100] = (double)rel_100 / (double)num_rel;
}

/* splitmix64: a tiny generator whose stream the Python test can reproduce. */
static uint64_t eval_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int eval_double_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void brass_eval_bootstrap(const double *x, const double *y, size_t n, int resamples, uint64_t seed,
                          double *mean, double *lo, double *hi, double *p) {
  *mean = *lo = *hi = 0;
  if (p) *p = 1;
  if (!n) return;
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += x[i] - (y ? y[i] : 0);
  *mean = sum / (double)n;
  if (resamples < 1) resamples = 1;
  double *means = malloc((size_t)resamples * sizeof *means);
  if (!means) {
    *lo = *hi = *mean;
    return;
  }
  uint64_t s = seed;
  size_t below = 0, above = 0;
  for (int b = 0; b < resamples; b++) {
    double t = 0;
    for (size_t i = 0; i < n; i++) {
      size_t q = (size_t)(eval_next(&s) % n);
      t += x[q] - (y ? y[q] : 0);
    }
    means[b] = t / (double)n;
    below += means[b] <= 0;
    above += means[b] >= 0;
  }
  qsort(means, (size_t)resamples, sizeof *means, eval_double_cmp);
  size_t ilo = (size_t)floor(0.025 * resamples), ihi = (size_t)ceil(0.975 * resamples);
  if (ihi > 0) ihi--;
  *lo = means[ilo];
  *hi = means[ihi];
  if (p) {
    double tail = (double)(below < above ? below : above) / (double)resamples;
    *p = 2 * tail > 1 ? 1 : 2 * tail;
  }
  free(means);
}
