/*
 * word_q8.c - the word-embedding table in int8 with one scale per row (see word_q8.h): built once
 * at load from the F32/F16/BF16 tensor, read one row at a time by the embedding step.
 */
#include "model/word_q8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "brass.h"

enum { WORD_Q8_DISCARD_ROWS = 512 }; /* rows quantized between two file_map_discard calls */

/* The row's largest |x| as the bits of a non-negative float (the integer order of those bits is
 * the float order): >= 0x7f800000 when the row holds an inf or a NaN. Blocks of 8 let the
 * compiler vectorize it (load time: the whole table goes through here). */
static uint32_t row_absmax_bits(const float *x, size_t n) {
  int32_t m[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) {
      int32_t b;
      memcpy(&b, x + i + j, 4);
      b &= 0x7fffffff;
      m[j] = b > m[j] ? b : m[j];
    }
  for (; i < n; i++) {
    int32_t b;
    memcpy(&b, x + i, 4);
    b &= 0x7fffffff;
    m[0] = b > m[0] ? b : m[0];
  }
  for (int j = 1; j < 8; j++) m[0] = m[j] > m[0] ? m[j] : m[0];
  return (uint32_t)m[0];
}

/* q = round(x * 127 / mx), half away from zero, as qgemm_quantize_row (test_word_q8 checks that
 * they agree); returns the scale mx / 127. mx > 0 and finite. */
static float row_quantize(const float *x, size_t n, float mx, int8_t *q) {
  const float inv = 127.0f / mx;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    int32_t t[8];
    for (int j = 0; j < 8; j++) {
      float v = x[i + j] * inv;
      t[j] = (int32_t)(v + copysignf(0.5f, v));
    }
    for (int j = 0; j < 8; j++) q[i + j] = (int8_t)t[j];
  }
  for (; i < n; i++) {
    float v = x[i] * inv;
    q[i] = (int8_t)(int)(v + (v >= 0.0f ? 0.5f : -0.5f));
  }
  return mx / 127.0f;
}

int word_q8_build(word_q8 *w, st_dtype dtype, const unsigned char *src, size_t rows, size_t cols,
                  file_map *map, size_t offset, size_t *bad_row) {
  memset(w, 0, sizeof *w);
  const size_t es = st_dtype_size(dtype), row_bytes = cols * es;
  size_t bytes = rows * sizeof(float) + rows * cols;
  float *x = malloc((cols ? cols : 1) * sizeof *x);
  /* in huge pages where the system allows them on request (transparent_hugepage "madvise"): the
   * whole block is written at load, and MiniLM's 11.8 MB would otherwise take ~2,900 page faults,
   * which cost more than the quantization itself */
  unsigned char *block = mem_alloc_large(bytes, 64, (size_t)2 << 20, NULL);
  if (!x || !block) {
    free(x);
    free(block);
    return BRASS_ENOMEM;
  }
  w->scale = (float *)(void *)block;
  w->q = (int8_t *)(block + rows * sizeof(float));
  w->bytes = bytes;
  for (size_t r = 0; r < rows; r++) {
    st_to_f32(dtype, src + r * row_bytes, cols, x);
    uint32_t bits = row_absmax_bits(x, cols);
    if (bits >= 0x7f800000u) { /* inf or NaN: no scale */
      *bad_row = r;
      free(x);
      word_q8_free(w);
      return BRASS_EFORMAT;
    }
    float mx;
    memcpy(&mx, &bits, 4);
    if (mx > 0.0f) {
      w->scale[r] = row_quantize(x, cols, mx, w->q + r * cols);
    } else {
      w->scale[r] = 0.0f;
      memset(w->q + r * cols, 0, cols);
    }
    if (map && ((r + 1) % WORD_Q8_DISCARD_ROWS == 0 || r + 1 == rows))
      file_map_discard(map, offset, (r + 1) * row_bytes);
  }
  free(x);
  return 0;
}

void word_q8_row(const word_q8 *w, size_t row, size_t cols, float *x) {
  const int8_t *q = w->q + row * cols;
  const float s = w->scale[row];
  for (size_t i = 0; i < cols; i++) x[i] = (float)q[i] * s;
}

void word_q8_free(word_q8 *w) {
  free(w->scale);
  memset(w, 0, sizeof *w);
}
