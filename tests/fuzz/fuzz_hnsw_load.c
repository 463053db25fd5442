/*
 * fuzz_hnsw_load.c - hnsw_deserialize must refuse any corrupt buffer without crashing, and an
 * index it accepts must be searchable and serialise back to the same bytes.
 *
 * Random bytes almost never pass the checksum, so besides loading the input as it is, the input
 * also edits a valid buffer (a small index built once): its first 4 bytes pick a cut length, the
 * rest are XORed in from an offset picked by the next 4, and the checksum and size fields are
 * then fixed, so the structural checks behind the checksum get exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/hnsw.h"
#include "index/hnsw_internal.h"

static uint8_t *valid;
static size_t valid_len;

static void make_valid(void) {
  hnsw_params p;
  hnsw_params_init(&p, 4);
  p.M = 4;
  hnsw *h = NULL;
  if (hnsw_create(&p, &h, NULL) != 0) abort();
  for (int i = 0; i < 40; i++) {
    float v[4] = {(float)(i % 7) - 3, (float)(i % 5), (float)(i % 3) + 0.5f, (float)i};
    if (hnsw_add(h, i * 3, v, NULL) != 0) abort();
  }
  hnsw_remove(h, 6, NULL);
  if (hnsw_serialize_alloc(h, &valid, &valid_len, NULL) != 0) abort();
  hnsw_free(h);
}

static void try_load(const uint8_t *buf, size_t len) {
  hnsw *h = NULL;
  brass_error err;
  if (hnsw_deserialize(buf, len, &h, &err) != 0) return;
  float q[4] = {1, 2, 3, 4};
  int64_t labels[5];
  float scores[5];
  hnsw_search(h, q, 5, 0, labels, scores, NULL);
  hnsw_search_exact(h, q, 5, labels, scores, NULL);
  uint8_t *again = NULL;
  size_t again_len = 0;
  if (hnsw_serialize_alloc(h, &again, &again_len, NULL) != 0) abort();
  if (again_len != len || memcmp(again, buf, len) != 0) abort(); /* load must be faithful */
  free(again);
  hnsw_free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!valid) make_valid();
  try_load(data, size);
  if (size < 8) return 0;
  uint32_t cut, at;
  memcpy(&cut, data, 4);
  memcpy(&at, data + 4, 4);
  size_t len = 80 + cut % (valid_len - 79);
  uint8_t *b = malloc(len);
  memcpy(b, valid, len);
  for (size_t i = 8, o = at % len; i < size; i++, o = (o + 1) % len)
    if (o < 56 || (o >= 64 && o < 72) || o >= 80) b[o] ^= data[i]; /* not size, checksum */
  for (int i = 0; i < 8; i++) b[56 + i] = (uint8_t)((uint64_t)len >> (8 * i));
  uint64_t c = hnsw_io_checksum(b, len);
  for (int i = 0; i < 8; i++) b[72 + i] = (uint8_t)(c >> (8 * i));
  try_load(b, len);
  free(b);
  return 0;
}
