/*
 * rrf.c - Reciprocal Rank Fusion (see rrf.h). The lists are short (tens to hundreds of ids), so
 * fusion concatenates them, sorts by id to merge equal ids, then sorts by fused score: O(N log N)
 * with no hash table and a deterministic result.
 */
#include "engine/rrf.h"

#include <stdlib.h>

#include "base/error.h"

typedef struct rrf_entry {
  int64_t id;
  int list, rank;
} rrf_entry;

static int rrf_by_id(const void *a, const void *b) {
  const rrf_entry *x = a, *y = b;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  if (x->list != y->list) return x->list - y->list;
  return x->rank - y->rank;
}

static int rrf_by_score(const void *a, const void *b) {
  const rrf_item *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  if (x->best_rank != y->best_rank) return x->best_rank - y->best_rank;
  return x->id < y->id ? -1 : x->id > y->id;
}

int rrf_fuse(const int64_t *const *lists, const size_t *lens, int nlists, int k, rrf_item **out,
             size_t *n, brass_error *err) {
  *out = NULL;
  *n = 0;
  if (k < 1 || nlists < 0) return err_set(err, BRASS_EINVAL, "rrf: k must be >= 1");
  size_t total = 0;
  for (int l = 0; l < nlists; l++) total += lens[l];
  if (!total) return 0;
  rrf_entry *e = malloc(total * sizeof *e);
  rrf_item *items = malloc(total * sizeof *items);
  if (!e || !items) {
    free(e);
    free(items);
    return err_set(err, BRASS_ENOMEM, "rrf: out of memory");
  }
  size_t m = 0;
  for (int l = 0; l < nlists; l++)
    for (size_t r = 0; r < lens[l]; r++) e[m++] = (rrf_entry){lists[l][r], l, (int)r + 1};
  qsort(e, m, sizeof *e, rrf_by_id);
  size_t ni = 0;
  for (size_t i = 0; i < m;) {
    rrf_item it = {e[i].id, 0.0, e[i].rank};
    size_t j = i;
    int last_list = -1;
    for (; j < m && e[j].id == e[i].id; j++) {
      if (e[j].list == last_list) continue; /* repeated within one list: first rank only */
      last_list = e[j].list;
      it.score += 1.0 / (double)(k + e[j].rank);
      if (e[j].rank < it.best_rank) it.best_rank = e[j].rank;
    }
    items[ni++] = it;
    i = j;
  }
  free(e);
  qsort(items, ni, sizeof *items, rrf_by_score);
  *out = items;
  *n = ni;
  return 0;
}
