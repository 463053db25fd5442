/*
 * rrf.h - Reciprocal Rank Fusion: merges ranked lists of ids into one ranking. An id at 1-based
 * rank r in a list earns 1 / (k + r) from that list; its fused score is the sum over the lists
 * that hold it. Ids absent from a list earn nothing from it. Ties are broken by the best rank the
 * id reached in any list, then by the id, so the result does not depend on hash or sort order.
 */
#ifndef BRASS_ENGINE_RRF_H
#define BRASS_ENGINE_RRF_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"

#define RRF_DEFAULT_K 60

typedef struct rrf_item {
  int64_t id;
  double score;  /* sum of 1 / (k + rank) */
  int best_rank; /* smallest 1-based rank over the lists */
} rrf_item;

/* Fuses nlists lists (lists[i] has lens[i] ids, best first; an id repeated within one list counts
 * at its first rank only). k >= 1. Writes the fused items, best first, into a heap array *out
 * (free(); NULL when empty) and their number into *n. Returns 0 or BRASS_ENOMEM/BRASS_EINVAL. */
int rrf_fuse(const int64_t *const *lists, const size_t *lens, int nlists, int k, rrf_item **out,
             size_t *n, brass_error *err);

#endif
