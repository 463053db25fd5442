/*
 * word_q8.c - the word-embedding table in int8 with one scale per row (see word_q8.h): built once
 * at load from the F32/F16/BF16 tensor, read one row at a time by the embedding step.
 */
#include "model/word_q8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "nn/qkernel.h"

enum { WORD_Q8_DISCARD_ROWS = 512 }; /* rows quantized between two file_map_discard calls */

int word_q8_build(word_q8 *w, st_dtype dtype, const unsigned char *src, size_t rows, size_t cols,
                  file_map *map, size_t offset, size_t *bad_row) {
  memset(w, 0, sizeof *w);
  const size_t es = st_dtype_size(dtype), row_bytes = cols * es;
  size_t bytes = rows * sizeof(float) + rows * cols;
  float *x = malloc((cols ? cols : 1) * sizeof *x);
  unsigned char *block = malloc(bytes ? bytes : 1);
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
    float nf = 0.0f; /* x * 0 is NaN for inf and NaN, 0 otherwise */
    for (size_t i = 0; i < cols; i++) nf += x[i] * 0.0f;
    if (nf != 0.0f) {
      *bad_row = r;
      free(x);
      word_q8_free(w);
      return BRASS_EFORMAT;
    }
    w->scale[r] = qgemm_quantize_row(x, (int)cols, w->q + r * cols);
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
