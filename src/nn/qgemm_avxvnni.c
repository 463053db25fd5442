/*
 * qgemm_avxvnni.c - the AVX-VNNI int8 kernel (x86-64, VEX-encoded 256-bit vpdpbusd, 16 ymm
 * registers): a 6 x 16 micro-kernel (12 accumulators + 2 B vectors + 1 broadcast). Same numbers
 * as the AVX-512 VNNI kernel (unsigned activation bytes times signed weight bytes). All AVX-VNNI
 * intrinsics of brass live in this file (compiled with -mavxvnni).
 */
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#include <immintrin.h>
#include <string.h>

#include "nn/qgemm_ymm.h"
#include "nn/qkernel.h"

/* acc += dot4(u8 a, s8 b) per lane, in place (see qgemm_avx512vnni.c for why not the intrinsic) */
#define DPBUSD(acc, a, b) __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b))
#define MR 6
#define NV 2
#define NR (8 * NV)

static void avxvnni_micro(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b,
                          const qgemm_dq *dq, float *c) {
  __m256i acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = _mm256_setzero_si256();
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
      for (int v = 0; v < NV; v++) DPBUSD(acc[i][v], ai, bv[v]);
    }
    b += NR * 4;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) ymm_store_dq(acc[i][v], i, v, NR, dq, c);
}

static void avxvnni_range(const float *x, const float *mu, int k, float *lo, float *hi) {
  ymm_range(x, mu, k, lo, hi);
}

static void avxvnni_quant(const float *x, const float *mu, int k, float inv, int32_t zero,
                          uint8_t *q) {
  ymm_quant(x, mu, k, inv, zero, q);
}

/* 12 independent vpdpbusd chains in ymm registers. */
static double avxvnni_mac_loop(size_t n, int32_t *sink) {
  __m256i x = _mm256_set1_epi8(3), y = _mm256_set1_epi8(-2);
  __m256i r[12];
#pragma GCC unroll 12
  for (int j = 0; j < 12; j++) r[j] = _mm256_set1_epi32(j);
  for (size_t i = 0; i < n; i++) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; j++) DPBUSD(r[j], x, y);
    __asm__ volatile("" : "+x"(r[0]), "+x"(r[1]), "+x"(r[2]), "+x"(r[3]), "+x"(r[4]), "+x"(r[5]));
    __asm__ volatile("" : "+x"(r[6]), "+x"(r[7]), "+x"(r[8]), "+x"(r[9]), "+x"(r[10]), "+x"(r[11]));
  }
  __m256i s = _mm256_setzero_si256();
#pragma GCC unroll 12
  for (int j = 0; j < 12; j++) s = _mm256_add_epi32(s, r[j]);
  int32_t l[8];
  _mm256_storeu_si256((__m256i *)l, s);
  *sink = l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7];
  return (double)n * 12 * 32;
}

const qgemm_kernel qgemm_kernel_avxvnni = {
    .name = "avx-vnni",
    .mr = MR,
    .nr = NR,
    .w16 = 0,
    .mc = 60,
    .nc = 256,
    .micro = avxvnni_micro,
    .range = avxvnni_range,
    .quant = avxvnni_quant,
    .mac_loop = avxvnni_mac_loop,
};

#endif
