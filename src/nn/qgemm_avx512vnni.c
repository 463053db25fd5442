/*
 * qgemm_avx512vnni.c - the AVX-512 VNNI int8 kernel (x86-64): an 8 x 48 micro-kernel on
 * vpdpbusd zmm (24 int32 accumulators + 3 B vectors + 1 broadcast of 32 registers). Each
 * vpdpbusd adds, per int32 lane, four products of an unsigned activation byte (0..255, zero point
 * za) and a signed weight byte; the driver subtracts za * the column sum. Per group of 4 k: 3 loads
 * of B, 8 broadcasts of A, 24 vpdpbusd (= 1536 multiply-adds). All AVX-512 VNNI intrinsics of brass
 * live in this file (compiled with -mavx512vnni; used only when cpuid reports it).
 */
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#include <immintrin.h>
#include <string.h>

#include "nn/qkernel.h"

#ifndef VNNI512_MR
#define VNNI512_MR 8
#endif
#ifndef VNNI512_NV
#define VNNI512_NV 3 /* 16-lane vectors per row: NR = 16 * NV */
#endif
/* acc += dot4(u8 a, s8 b) per lane, updated in place: GCC 12 copies the accumulators around
 * the intrinsic (_mm512_dpbusd_epi32: 64 register moves per 24 vpdpbusd measured), inline
 * assembly keeps each accumulator in its register. */
#define DPBUSD(acc, a, b) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b))
#define MR VNNI512_MR
#define NV VNNI512_NV
#define NR (16 * NV)

static void vnni512_micro(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b,
                          const qgemm_dq *dq, float *c) {
  __m512i acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_si512();
  for (size_t g = 0; g < ng; g++) {
    __m512i bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_si512((const void *)(b + 64 * v));
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      int32_t x;
      memcpy(&x, a + (size_t)i * lda + 4 * g, 4);
      __m512i ai = _mm512_set1_epi32(x);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) DPBUSD(acc[i][v], ai, bv[v]);
    }
    b += NR * 4;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    const __m512i za = _mm512_set1_epi32(dq->za[i]);
    const __m512 sa = _mm512_set1_ps(dq->sa[i]);
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      __m512i col = _mm512_loadu_si512((const void *)(dq->colsum + 16 * v));
      __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][v], _mm512_mullo_epi32(za, col)));
      __m512 s = _mm512_mul_ps(sa, _mm512_loadu_ps(dq->sw + 16 * v));
      _mm512_storeu_ps(c + i * NR + 16 * v, _mm512_mul_ps(f, s));
    }
  }
}

/* min and max are exact in any order: four pairs of accumulators keep four vectors in flight
 * (one pair would make each step wait for the last one) */
/* 16 values of the row from x + i, less mu + i where mu is given (qkernel.h) */
static inline __m512 ld16(const float *x, const float *mu, int i) {
  const __m512 v = _mm512_loadu_ps(x + i);
  return mu ? _mm512_sub_ps(v, _mm512_loadu_ps(mu + i)) : v;
}

static inline __attribute__((always_inline)) void range_body(const float *x, const float *mu, int k,
                                                             float *lo, float *hi) {
  __m512 l = _mm512_setzero_ps(), h = _mm512_setzero_ps();
  __m512 l1 = l, h1 = h, l2 = l, h2 = h, l3 = l, h3 = h;
  int i = 0;
  for (; i + 64 <= k; i += 64) {
    __m512 v0 = ld16(x, mu, i), v1 = ld16(x, mu, i + 16);
    __m512 v2 = ld16(x, mu, i + 32), v3 = ld16(x, mu, i + 48);
    l = _mm512_min_ps(v0, l);
    h = _mm512_max_ps(v0, h);
    l1 = _mm512_min_ps(v1, l1);
    h1 = _mm512_max_ps(v1, h1);
    l2 = _mm512_min_ps(v2, l2);
    h2 = _mm512_max_ps(v2, h2);
    l3 = _mm512_min_ps(v3, l3);
    h3 = _mm512_max_ps(v3, h3);
  }
  l = _mm512_min_ps(_mm512_min_ps(l, l1), _mm512_min_ps(l2, l3));
  h = _mm512_max_ps(_mm512_max_ps(h, h1), _mm512_max_ps(h2, h3));
  for (; i + 16 <= k; i += 16) {
    __m512 v = ld16(x, mu, i);
    l = _mm512_min_ps(v, l);
    h = _mm512_max_ps(v, h);
  }
  if (i < k) {
    const __mmask16 m = (__mmask16)((1u << (k - i)) - 1u);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    if (mu) v = _mm512_sub_ps(v, _mm512_maskz_loadu_ps(m, mu + i));
    l = _mm512_min_ps(v, l);
    h = _mm512_max_ps(v, h);
  }
  *lo = _mm512_reduce_min_ps(l);
  *hi = _mm512_reduce_max_ps(h);
}

static inline __attribute__((always_inline)) void quant_body(const float *x, const float *mu, int k,
                                                             float inv, int32_t zero, uint8_t *q) {
  const __m512 vi = _mm512_set1_ps(inv);
  const __m512i z = _mm512_set1_epi32(zero);
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    __m512i r = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(ld16(x, mu, i), vi)), z);
    /* clamp at 0, then vpmovusdb saturates at 255 (the same bytes as min(., 255) + vpmovdb) */
    r = _mm512_max_epi32(r, _mm512_setzero_si512());
    _mm_storeu_si128((__m128i *)(void *)(q + i), _mm512_cvtusepi32_epi8(r));
  }
  qgemm_quant_ref(x + i, mu ? mu + i : NULL, k - i, inv, zero, q + i);
}

/* one copy of each loop with mu, one without: no test of mu per vector */
static void vnni512_range(const float *x, const float *mu, int k, float *lo, float *hi) {
  if (mu)
    range_body(x, mu, k, lo, hi);
  else
    range_body(x, NULL, k, lo, hi);
}

static void vnni512_quant(const float *x, const float *mu, int k, float inv, int32_t zero,
                          uint8_t *q) {
  if (mu)
    quant_body(x, mu, k, inv, zero, q);
  else
    quant_body(x, NULL, k, inv, zero, q);
}

/* 16 independent vpdpbusd chains in zmm registers. */
static double vnni512_mac_loop(size_t n, int32_t *sink) {
  __m512i x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(-2);
  __m512i r[16];
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++) r[j] = _mm512_set1_epi32(j);
  for (size_t i = 0; i < n; i++) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) DPBUSD(r[j], x, y);
    __asm__ volatile(""
                     : "+v"(r[0]), "+v"(r[1]), "+v"(r[2]), "+v"(r[3]), "+v"(r[4]), "+v"(r[5]),
                       "+v"(r[6]), "+v"(r[7]));
    __asm__ volatile(""
                     : "+v"(r[8]), "+v"(r[9]), "+v"(r[10]), "+v"(r[11]), "+v"(r[12]), "+v"(r[13]),
                       "+v"(r[14]), "+v"(r[15]));
  }
  __m512i s = _mm512_setzero_si512();
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++) s = _mm512_add_epi32(s, r[j]);
  *sink = _mm512_reduce_add_epi32(s);
  return (double)n * 16 * 64;
}

const qgemm_kernel qgemm_kernel_avx512vnni = {
    .name = "avx512-vnni",
    .mr = MR,
    .nr = NR,
    .w16 = 0,
    .mc = 64,
    .nc = 384,
    .micro = vnni512_micro,
    .range = vnni512_range,
    .quant = vnni512_quant,
    .mac_loop = vnni512_mac_loop,
};

#endif
