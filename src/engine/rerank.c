/*
 * rerank.c - second-stage reranking of a result list with a cross-encoder
 * (brass_results_rerank in brass.h), used by brass_search's rerank option, by front ends and by
 * `brass eval`. The cross-encoder itself lives in src/model/cross_encoder.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "engine/engine.h"

typedef struct rr_item {
  float score;
  size_t index;
} rr_item;

/* Higher score first; equal scores keep their earlier order. */
static int rr_cmp(const void *a, const void *b) {
  const rr_item *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

int brass_results_rerank(brass_reranker *reranker, brass_results *r, size_t top, brass_error *err) {
  if (!reranker || !r) return err_set(err, BRASS_EINVAL, "rerank: no reranker or results");
  if (top == 0 || top > r->count) top = r->count;
  if (top == 0) return 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const char **queries = malloc(top * sizeof *queries);
  const char **passages = malloc(top * sizeof *passages);
  float *scores = malloc(top * sizeof *scores);
  rr_item *order = malloc(top * sizeof *order);
  brass_result *moved = malloc(top * sizeof *moved);
  int rc = 0;
  if (!queries || !passages || !scores || !order || !moved)
    rc = err_set(err, BRASS_ENOMEM, "rerank: out of memory");
  for (size_t i = 0; !rc && i < top; i++) {
    queries[i] = r->query ? r->query : "";
    passages[i] = r->items[i].text ? r->items[i].text : "";
  }
  if (!rc) rc = brass_rerank_pairs(reranker, queries, passages, top, scores, err);
  if (!rc) {
    for (size_t i = 0; i < top; i++) order[i] = (rr_item){scores[i], i};
    qsort(order, top, sizeof *order, rr_cmp);
    for (size_t i = 0; i < top; i++) {
      moved[i] = r->items[order[i].index];
      moved[i].score = order[i].score;
      moved[i].rank = (int)i + 1;
    }
    memcpy(r->items, moved, top * sizeof *moved);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->reranked = top;
    r->rerank_ms = 1e3 * (double)(t1.tv_sec - t0.tv_sec) + 1e-6 * (double)(t1.tv_nsec - t0.tv_nsec);
    r->took_ms += r->rerank_ms;
  }
  free(queries);
  free(passages);
  free(scores);
  free(order);
  free(moved);
  return rc;
}
