/*
 * qgemm_avx2.c - the AVX2 int8 kernel (x86-64 without VNNI): a 4 x 16 micro-kernel on vpmaddwd,
 * which multiplies pairs of int16 and adds each pair into an int32 lane exactly (int8 weights and
 * uint8 activations widened to int16 at packing / quantization: vpmaddubsw on bytes
 * would saturate its int16 pair sums). Per pair of k: 2 loads of B, 4 broadcasts of A, 8
 * vpmaddwd + 8 vpaddd (= 128 multiply-adds); 6 x 16 spilled accumulators (GCC hoists all the
 * broadcasts): 45% of the vpmaddwd peak against 70-79% for 4 x 16. All AVX2 integer intrinsics of
 * brass live here.
 */
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#include <immintrin.h>
#include <string.h>

#include "nn/qgemm_ymm.h"
#include "nn/qkernel.h"

#define MR 4
#define NV 2
#define NR (8 * NV)

static void qavx2_micro(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b,
                        const qgemm_dq *dq, float *c) {
  __m256i acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = _mm256_setzero_si256();
  /* a group here is 2 int16 values of k (4 bytes) */
  for (size_t g = 0; g < ng; g++) {
    __m256i bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = _mm256_loadu_si256((const __m256i *)(b + 32 * v));
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      int32_t x;
      memcpy(&x, a + (size_t)i * lda + 4 * g, 4);
      __m256i ai = _mm256_set1_epi32(x);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++)
        acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(ai, bv[v]));
    }
    b += NR * 4;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) ymm_store_dq(acc[i][v], i, v, NR, dq, c);
}

static void qavx2_range(const float *x, const float *mu, int k, float *lo, float *hi) {
  ymm_range(x, mu, k, lo, hi);
}

static void qavx2_quant(const float *x, const float *mu, int k, float inv, int32_t zero,
                        uint8_t *q) {
  ymm_quant(x, mu, k, inv, zero, q);
}

/* 12 independent vpmaddwd + vpaddd chains in ymm registers. */
static double qavx2_mac_loop(size_t n, int32_t *sink) {
  __m256i y = _mm256_set1_epi16(-2);
  __m256i r[12];
#pragma GCC unroll 12
  for (int j = 0; j < 12; j++) r[j] = _mm256_set1_epi32(j);
  for (size_t i = 0; i < n; i++) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; j++) r[j] = _mm256_add_epi32(r[j], _mm256_madd_epi16(r[j], y));
    __asm__ volatile("" : "+x"(r[0]), "+x"(r[1]), "+x"(r[2]), "+x"(r[3]), "+x"(r[4]), "+x"(r[5]));
    __asm__ volatile("" : "+x"(r[6]), "+x"(r[7]), "+x"(r[8]), "+x"(r[9]), "+x"(r[10]), "+x"(r[11]));
  }
  __m256i s = _mm256_setzero_si256();
#pragma GCC unroll 12
  for (int j = 0; j < 12; j++) s = _mm256_add_epi32(s, r[j]);
  int32_t l[8];
  _mm256_storeu_si256((__m256i *)l, s);
  *sink = l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7];
  return (double)n * 12 * 16;
}

const qgemm_kernel qgemm_kernel_avx2 = {
    .name = "avx2",
    .mr = MR,
    .nr = NR,
    .w16 = 1,
    .mc = 64,
    .nc = 256,
    .micro = qavx2_micro,
    .range = qavx2_range,
    .quant = qavx2_quant,
    .mac_loop = qavx2_mac_loop,
};

#endif
