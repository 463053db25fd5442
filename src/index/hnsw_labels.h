/*
 * hnsw_labels.h - the map from caller labels (int64) to HNSW slots (uint32): open addressing with
 * linear probing and backward-shift deletion, so there are no tombstones and lookups stay short.
 * Not thread-safe: the index guards it with its own mutex.
 */
#ifndef BRASS_INDEX_HNSW_LABELS_H
#define BRASS_INDEX_HNSW_LABELS_H

#include <stddef.h>
#include <stdint.h>

#define HNSW_NO_SLOT UINT32_MAX

typedef struct hnsw_labels {
  int64_t *keys;  /* (cap) */
  uint32_t *vals; /* (cap); HNSW_NO_SLOT marks an empty cell */
  size_t cap;     /* a power of two, or 0 */
  size_t len;     /* cells in use; len <= cap / 2 */
} hnsw_labels;

/* Makes room for n entries in all without further allocation. Returns 0 or BRASS_ENOMEM. */
int hnsw_labels_reserve(hnsw_labels *m, size_t n);
/* The slot of label, or HNSW_NO_SLOT. */
uint32_t hnsw_labels_get(const hnsw_labels *m, int64_t label);
/* Adds label -> slot; the label must be absent and room reserved. */
void hnsw_labels_put(hnsw_labels *m, int64_t label, uint32_t slot);
/* Removes label if present; returns its slot or HNSW_NO_SLOT. */
uint32_t hnsw_labels_del(hnsw_labels *m, int64_t label);
void hnsw_labels_free(hnsw_labels *m);

#endif
