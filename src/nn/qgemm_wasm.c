/*
 * qgemm_wasm.c - the WebAssembly SIMD128 int8 kernel (built only under Emscripten with
 * -msimd128): a 4 x 8 micro-kernel on i32x4.dot_i16x8_s, which multiplies pairs of int16 and
 * adds each pair into an int32 lane exactly (the w16 layout of qkernel.h: int8 weights and uint8
 * activations widened to int16). Per pair of k: 2 loads of B, 4 splats of A, 8 dot + 8 add.
 *
 * Both browser binaries use it. Relaxed SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s is not used:
 * its operands are one signed byte and one 7-bit value. 7-bit weights or activations broke the
 * accuracy bounds when measured, and the exact two-instruction form was at most 1.2x this
 * kernel in Chromium (bench/web/int8dot). docs/int8.md has the numbers. All int8 wasm_simd128.h
 * intrinsics of brass live in this file.
 */
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
#include <string.h>
#include <wasm_simd128.h>

#include "nn/qkernel.h"

#define MR 4
#define NV 2
#define NR (4 * NV)

/* The tile for row stride lda (bytes). Inlined into callers with a constant lda, the row
 * addresses become a load's constant offset (wasm addresses are one i32 plus an immediate), so a
 * pair of k costs 2 B loads, 4 splat loads, 8 dot + 8 add and two pointer steps: no address
 * arithmetic per row (which was 5 of ~32 machine instructions per step). */
static inline __attribute__((always_inline)) void qwasm_tile(size_t ng, const uint8_t *a,
                                                             size_t lda, const uint8_t *b,
                                                             const qgemm_dq *dq, float *c) {
  v128_t acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = wasm_i32x4_splat(0);
  const uint8_t *const end = a + 4 * ng;
  for (; a != end; a += 4) {
    v128_t bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = wasm_v128_load(b + 16 * v);
    for (int i = 0; i < MR; i++) {
      v128_t ai = wasm_v128_load32_splat(a + (size_t)i * lda);
      for (int v = 0; v < NV; v++)
        acc[i][v] = wasm_i32x4_add(acc[i][v], wasm_i32x4_dot_i16x8(ai, bv[v]));
    }
    b += NR * 4;
  }
  for (int i = 0; i < MR; i++) {
    const v128_t za = wasm_i32x4_splat(dq->za[i]);
    const v128_t sa = wasm_f32x4_splat(dq->sa[i]);
    for (int v = 0; v < NV; v++) {
      v128_t col = wasm_v128_load(dq->colsum + 4 * v);
      v128_t f = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(acc[i][v], wasm_i32x4_mul(za, col)));
      v128_t s = wasm_f32x4_mul(sa, wasm_v128_load(dq->sw + 4 * v));
      wasm_v128_store(c + i * NR + 4 * v, wasm_f32x4_mul(f, s));
    }
  }
}

/* The quantized rows' stride is 2 kp bytes (w16): constant-stride copies for the widths of the
 * BERT shapes brass runs (k = 384, 768, 1,536, 3,072: MiniLM / bge-small and base models' hidden
 * and intermediate sizes), the general loop for the rest. Same integers either way. */
static void qwasm_micro(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b,
                        const qgemm_dq *dq, float *c) {
  switch (lda) {
    case 768:
      qwasm_tile(ng, a, 768, b, dq, c);
      return;
    case 1536:
      qwasm_tile(ng, a, 1536, b, dq, c);
      return;
    case 3072:
      qwasm_tile(ng, a, 3072, b, dq, c);
      return;
    case 6144:
      qwasm_tile(ng, a, 6144, b, dq, c);
      return;
    default:
      qwasm_tile(ng, a, lda, b, dq, c);
  }
}

/* 4 values of the row from x + i, less mu + i where mu is given (qkernel.h) */
static inline v128_t ld4(const float *x, const float *mu, int i) {
  const v128_t v = wasm_v128_load(x + i);
  return mu ? wasm_f32x4_sub(v, wasm_v128_load(mu + i)) : v;
}

static void qwasm_range(const float *x, const float *mu, int k, float *lo, float *hi) {
  v128_t l = wasm_f32x4_splat(0.0f), h = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= k; i += 4) {
    v128_t v = ld4(x, mu, i);
    l = wasm_f32x4_pmin(v, l); /* v < l ? v : l, as the scalar code */
    h = wasm_f32x4_pmax(v, h);
  }
  float tl, th;
  qgemm_range_ref(x + i, mu ? mu + i : NULL, k - i, &tl, &th);
  for (int j = 0; j < 4; j++) {
    float a = wasm_f32x4_extract_lane(l, 0), b = wasm_f32x4_extract_lane(h, 0);
    tl = a < tl ? a : tl;
    th = b > th ? b : th;
    l = wasm_i32x4_shuffle(l, l, 1, 2, 3, 0);
    h = wasm_i32x4_shuffle(h, h, 1, 2, 3, 0);
  }
  *lo = tl;
  *hi = th;
}

static void qwasm_quant(const float *x, const float *mu, int k, float inv, int32_t zero,
                        uint8_t *q) {
  const v128_t vi = wasm_f32x4_splat(inv), z = wasm_i32x4_splat(zero);
  const v128_t top = wasm_i32x4_splat(255), bottom = wasm_i32x4_splat(0);
  int i = 0;
  for (; i + 4 <= k; i += 4) {
    v128_t r = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(ld4(x, mu, i), vi)));
    r = wasm_i32x4_min(wasm_i32x4_max(wasm_i32x4_add(r, z), bottom), top);
    v128_t b =
        wasm_u8x16_narrow_i16x8(wasm_u16x8_narrow_i32x4(r, r), wasm_u16x8_narrow_i32x4(r, r));
    uint32_t w = wasm_i32x4_extract_lane(b, 0);
    memcpy(q + i, &w, 4);
  }
  qgemm_quant_ref(x + i, mu ? mu + i : NULL, k - i, inv, zero, q + i);
}

/* qwasm_quant's values as int16, 8 at a time (two i32x4 narrowed with saturation: all are in
 * 0..255 already), the tail through qgemm_quant_ref. */
static void qwasm_quant16(const float *x, const float *mu, int k, float inv, int32_t zero,
                          int16_t *q) {
  const v128_t vi = wasm_f32x4_splat(inv), z = wasm_i32x4_splat(zero);
  const v128_t top = wasm_i32x4_splat(255), bottom = wasm_i32x4_splat(0);
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    v128_t r[2];
    for (int h = 0; h < 2; h++) {
      v128_t t =
          wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(ld4(x, mu, i + 4 * h), vi)));
      r[h] = wasm_i32x4_min(wasm_i32x4_max(wasm_i32x4_add(t, z), bottom), top);
    }
    wasm_v128_store(q + i, wasm_i16x8_narrow_i32x4(r[0], r[1]));
  }
  uint8_t tail[8];
  qgemm_quant_ref(x + i, mu ? mu + i : NULL, k - i, inv, zero, tail);
  for (int t = 0; t < k - i; t++) q[i + t] = tail[t];
}

/* 8 independent dot + add chains. */
static double qwasm_mac_loop(size_t n, int32_t *sink) {
  v128_t y = wasm_i16x8_splat(-2);
  v128_t r[8];
  for (int j = 0; j < 8; j++) r[j] = wasm_i32x4_splat(j);
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < 8; j++) r[j] = wasm_i32x4_add(r[j], wasm_i32x4_dot_i16x8(r[j], y));
  v128_t s = wasm_i32x4_splat(0);
  for (int j = 0; j < 8; j++) s = wasm_i32x4_add(s, r[j]);
  *sink = wasm_i32x4_extract_lane(s, 0) + wasm_i32x4_extract_lane(s, 1) +
          wasm_i32x4_extract_lane(s, 2) + wasm_i32x4_extract_lane(s, 3);
  return (double)n * 8 * 8;
}

const qgemm_kernel qgemm_kernel_wasm = {
    .name = "wasm-dot-i16",
    .mr = MR,
    .nr = NR,
    .w16 = 1,
    .mc = 64,
    .nc = 256,
    .micro = qwasm_micro,
    .range = qwasm_range,
    .quant = qwasm_quant,
    .quant16 = qwasm_quant16,
    .mac_loop = qwasm_mac_loop,
};

#endif
