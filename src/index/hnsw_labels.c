/*
 * hnsw_labels.c - label -> slot hash map (see hnsw_labels.h).
 *
 * Invariant: every present key sits in the first empty-free run of cells starting at its home
 * cell (hash & (cap - 1)), so a lookup stops at the first empty cell. Deletion shifts later cells
 * of the run back when their home allows it (Knuth's algorithm R), which keeps the invariant.
 */
#include "index/hnsw_labels.h"

#include <stdlib.h>

#include "brass.h"

static size_t label_hash(int64_t label) {
  uint64_t x = (uint64_t)label;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return (size_t)x;
}

int hnsw_labels_reserve(hnsw_labels *m, size_t n) {
  size_t cap = m->cap ? m->cap : 16;
  while (cap / 2 < n) cap *= 2;
  if (cap == m->cap) return 0;
  int64_t *keys = malloc(cap * sizeof *keys);
  uint32_t *vals = malloc(cap * sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return BRASS_ENOMEM;
  }
  for (size_t i = 0; i < cap; i++) vals[i] = HNSW_NO_SLOT;
  for (size_t i = 0; i < m->cap; i++) {
    if (m->vals[i] == HNSW_NO_SLOT) continue;
    size_t j = label_hash(m->keys[i]) & (cap - 1);
    while (vals[j] != HNSW_NO_SLOT) j = (j + 1) & (cap - 1);
    keys[j] = m->keys[i];
    vals[j] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return 0;
}

uint32_t hnsw_labels_get(const hnsw_labels *m, int64_t label) {
  if (!m->cap) return HNSW_NO_SLOT;
  for (size_t j = label_hash(label) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
    if (m->vals[j] == HNSW_NO_SLOT) return HNSW_NO_SLOT;
    if (m->keys[j] == label) return m->vals[j];
  }
}

void hnsw_labels_put(hnsw_labels *m, int64_t label, uint32_t slot) {
  size_t j = label_hash(label) & (m->cap - 1);
  while (m->vals[j] != HNSW_NO_SLOT) j = (j + 1) & (m->cap - 1);
  m->keys[j] = label;
  m->vals[j] = slot;
  m->len++;
}

uint32_t hnsw_labels_del(hnsw_labels *m, int64_t label) {
  if (!m->cap) return HNSW_NO_SLOT;
  size_t mask = m->cap - 1, i = label_hash(label) & mask;
  for (;; i = (i + 1) & mask) {
    if (m->vals[i] == HNSW_NO_SLOT) return HNSW_NO_SLOT;
    if (m->keys[i] == label) break;
  }
  uint32_t slot = m->vals[i];
  /* Backward shift: move a later cell into the hole when the hole lies on its probe path. */
  for (size_t j = (i + 1) & mask; m->vals[j] != HNSW_NO_SLOT; j = (j + 1) & mask) {
    size_t home = label_hash(m->keys[j]) & mask;
    int on_path = i <= j ? (home <= i || home > j) : (home <= i && home > j);
    if (on_path) {
      m->keys[i] = m->keys[j];
      m->vals[i] = m->vals[j];
      i = j;
    }
  }
  m->vals[i] = HNSW_NO_SLOT;
  m->len--;
  return slot;
}

void hnsw_labels_free(hnsw_labels *m) {
  free(m->keys);
  free(m->vals);
  m->keys = NULL;
  m->vals = NULL;
  m->cap = m->len = 0;
}
