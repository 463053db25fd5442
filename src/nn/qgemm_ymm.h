/*
 * qgemm_ymm.h - the 256-bit helpers the two ymm int8 kernels share (qgemm_avx2.c and
 * qgemm_avxvnni.c include it; each compiles it with its own flags): the dequantizing store of an
 * accumulator tile and the activation row's range and quantization (qkernel.h's rules).
 */
#ifndef BRASS_NN_QGEMM_YMM_H
#define BRASS_NN_QGEMM_YMM_H

#include <immintrin.h>

#include "nn/qkernel.h"

/* c[i * nr + 8 v ..] = the dequantized accumulator acc of row i, vector v (qkernel.h's
 * formula). Takes the vector by value: an accumulator array passed by address would be kept in
 * memory by GCC for the whole k loop. */
static inline void ymm_store_dq(__m256i acc, int i, int v, int nr, const qgemm_dq *dq, float *c) {
  __m256i col = _mm256_loadu_si256((const __m256i *)(const void *)(dq->colsum + 8 * v));
  __m256 f = _mm256_cvtepi32_ps(
      _mm256_sub_epi32(acc, _mm256_mullo_epi32(_mm256_set1_epi32(dq->za[i]), col)));
  __m256 s = _mm256_mul_ps(_mm256_set1_ps(dq->sa[i]), _mm256_loadu_ps(dq->sw + 8 * v));
  _mm256_storeu_ps(c + i * nr + 8 * v, _mm256_mul_ps(f, s));
}

static inline float ymm_hmin(__m256 v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  float m = t[0];
  for (int i = 1; i < 8; i++) m = t[i] < m ? t[i] : m;
  return m;
}

static inline float ymm_hmax(__m256 v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  float m = t[0];
  for (int i = 1; i < 8; i++) m = t[i] > m ? t[i] : m;
  return m;
}

/* 8 values of the row from x + i, less mu + i where mu is given (qkernel.h) */
static inline __m256 ymm_ld8(const float *x, const float *mu, int i) {
  const __m256 v = _mm256_loadu_ps(x + i);
  return mu ? _mm256_sub_ps(v, _mm256_loadu_ps(mu + i)) : v;
}

static inline void ymm_range(const float *x, const float *mu, int k, float *lo, float *hi) {
  __m256 l = _mm256_setzero_ps(), h = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256 v = ymm_ld8(x, mu, i);
    l = _mm256_min_ps(v, l);
    h = _mm256_max_ps(v, h);
  }
  float tl, th;
  qgemm_range_ref(x + i, mu ? mu + i : NULL, k - i, &tl, &th);
  float ml = ymm_hmin(l), mh = ymm_hmax(h);
  *lo = tl < ml ? tl : ml;
  *hi = th > mh ? th : mh;
}

static inline void ymm_quant(const float *x, const float *mu, int k, float inv, int32_t zero,
                             uint8_t *q) {
  const __m256 vi = _mm256_set1_ps(inv);
  const __m256i z = _mm256_set1_epi32(zero), top = _mm256_set1_epi32(255);
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256i r = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(ymm_ld8(x, mu, i), vi)), z);
    r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_setzero_si256()), top);
    __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    _mm_storel_epi64((__m128i *)(void *)(q + i), _mm_packus_epi16(w, w));
  }
  qgemm_quant_ref(x + i, mu ? mu + i : NULL, k - i, inv, zero, q + i);
}

#endif
