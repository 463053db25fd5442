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
#define MR VNNI512_MR
#define NV VNNI512_NV
#define NR (16 * NV)

static void vnni512_micro(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b, int32_t *c) {
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
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], ai, bv[v]);
    }
    b += NR * 4;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) _mm512_storeu_si512((void *)(c + i * NR + 16 * v), acc[i][v]);
}

/* 16 independent vpdpbusd chains in zmm registers. */
static double vnni512_mac_loop(size_t n, int32_t *sink) {
  __m512i x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(-2);
  __m512i r[16];
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++) r[j] = _mm512_set1_epi32(j);
  for (size_t i = 0; i < n; i++) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) r[j] = _mm512_dpbusd_epi32(r[j], x, y);
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
    .mac_loop = vnni512_mac_loop,
};

#endif
