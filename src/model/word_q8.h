/*
 * word_q8.h - the word-embedding table in int8, for models loaded with int8 weights
 * (internal to src/model).
 *
 * Each row (one token's embedding) gets its own symmetric scale, as the Linear weights do:
 * scale = max|row| / 127, q = round(x * 127 / max|row|) half away from zero (the codes
 * qgemm_quantize_row gives), so a value comes back within scale / 2 of the original. The lookup
 * dequantizes one row to F32.
 * For MiniLM (30,522 x 384) the table takes 11.8 MB instead of the 47 MB F32 rows of the file,
 * whose pages are dropped as they are quantized (docs/int8.md).
 */
#ifndef BRASS_MODEL_WORD_Q8_H
#define BRASS_MODEL_WORD_Q8_H

#include <stddef.h>
#include <stdint.h>

#include "base/file.h"
#include "model/safetensors.h"

typedef struct word_q8 {
  float *scale; /* (rows); NULL when the table is not quantized */
  int8_t *q;    /* (rows, cols), inside the same block as scale */
  size_t bytes; /* of the block */
} word_q8;

/* Quantizes rows x cols values of dtype at src (any alignment). With map set (src inside the
 * mapped file at byte offset `offset`), the file pages already quantized are discarded along the
 * way, so the F32 rows never become resident all at once. Returns 0, BRASS_ENOMEM, or
 * BRASS_EFORMAT with *bad_row naming the first row holding an inf or NaN (it has no scale). */
int word_q8_build(word_q8 *w, st_dtype dtype, const unsigned char *src, size_t rows, size_t cols,
                  file_map *map, size_t offset, size_t *bad_row);

/* x[0..cols) = row `row` dequantized: q * scale. */
void word_q8_row(const word_q8 *w, size_t row, size_t cols, float *x);

void word_q8_free(word_q8 *w);

#endif
