/*
 * gemm_wasm.c - the WebAssembly SIMD128 kernel (built only under Emscripten with -msimd128):
 * a 4 x 8 SGEMM micro-kernel and 4-lane GELU/softmax/epilogue helpers (erf4 / gelu4 / exp4 in
 * wasm_math.h, shared with the int8 kernel qgemm_wasm.c). brass's f32 wasm_simd128.h intrinsics
 * live in these files.
 *
 * WebAssembly SIMD has no fused multiply-add, so each k step is a multiply then an add (two
 * roundings, the same on every engine). Engines map v128 onto the host's 16 SSE/AVX or NEON
 * registers; 4 rows x 2 vectors of accumulators + 2 B vectors + 1 broadcast fit comfortably
 * (6 x 8 and larger tiles measured 20-40% slower in node 20, from spills). Each accumulator lane is
 * one chain in increasing k, so splitting k does not change the result. Tails (n not a multiple of
 * 4) go through a small local buffer, as there are no masked loads.
 *
 * Measured limits (node 20 / V8 11.3, Zen 4): the loop runs at about 5 machine instructions per
 * cycle, so what counts is instructions per k step (4 x 8: 16 mul/add + 4 lea + 4 broadcasts +
 * 2 B loads + loop and stack-guard overhead, ~31). Unrolling k would cut the overhead, but
 * TurboFan hoists the loads of the unrolled body above the arithmetic, which spills accumulators
 * (2x unroll: 20% slower); 3 x 8 with a 2x unroll and B at constant offsets was 3% faster on the
 * bare kernel and within noise end to end.
 *
 * Relaxed SIMD (BRASS_WASM_RELAXED, a second binary chosen at load time by feature detection):
 * the multiply-adds become f32x4.relaxed_madd, which engines lower to a fused multiply-add where
 * the host has one. Emscripten 3.1.6's LLVM 14 only knows the pre-standard encoding of that
 * instruction (0xfd 0xaf 0x01, "f32x4.fma", a + b * c), which current engines reject; the build
 * therefore rewrites each one to the standard relaxed_madd (0xfd 0x85 0x02, a * b + c) after
 * linking (scripts/wasm_relaxed_madd.py, which checks it rewrote exactly the instructions the
 * disassembler counts). Because the standard instruction multiplies its first two operands, the
 * source passes them in that order: MADD(a, b, c) = a * b + c either way.
 */
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
#include <float.h>
#include <math.h>
#include <string.h>
#include <wasm_simd128.h>

#include "nn/kernel.h"
#include "nn/wasm_math.h"

#ifndef WASM_MR
#define WASM_MR 4 /* 4 x 8 measured fastest in node 20 on Zen 4 (6 x 8 spills: 40% slower) */
#endif
#ifndef WASM_NV
#define WASM_NV 2 /* 4-float vectors per row: NR = 4 * NV */
#endif
#define KERNEL_NAME WASM_F32_KERNEL_NAME
#define MR WASM_MR
#define NV WASM_NV
#define NR (4 * NV)

static void wasm_micro(size_t kc, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                       size_t ldc, int accumulate) {
  v128_t acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++)
      acc[i][v] = accumulate ? wasm_v128_load(c + i * ldc + 4 * v) : wasm_f32x4_splat(0.0f);
  for (size_t k = 0; k < kc; k++) {
    v128_t bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = wasm_v128_load(b + 4 * v);
    for (int i = 0; i < MR; i++) {
      v128_t ai = wasm_v128_load32_splat(a + i * lda + k);
      for (int v = 0; v < NV; v++) acc[i][v] = MADD(ai, bv[v], acc[i][v]);
    }
    b += ldb;
  }
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) wasm_v128_store(c + i * ldc + 4 * v, acc[i][v]);
}

/* B panel from rows (see kernel.h), 4 k at a time: two 4 x 4 transposes per step. */
static void wasm_pack_bt(const float *src, size_t ld, int cols, int kb, float *dst) {
  for (int k0 = 0; k0 < kb; k0 += 4) {
    int kn = kb - k0 < 4 ? kb - k0 : 4;
    for (int h = 0; h < NR / 4; h++) {
      v128_t r[4];
      for (int t = 0; t < 4; t++) {
        int j = h * 4 + t;
        if (j < cols && kn == 4) {
          r[t] = wasm_v128_load(src + (size_t)j * ld + k0);
        } else {
          float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
          if (j < cols) memcpy(tmp, src + (size_t)j * ld + k0, sizeof(float) * (size_t)kn);
          r[t] = wasm_v128_load(tmp);
        }
      }
      v128_t t0 = wasm_i32x4_shuffle(r[0], r[1], 0, 4, 1, 5);
      v128_t t1 = wasm_i32x4_shuffle(r[0], r[1], 2, 6, 3, 7);
      v128_t t2 = wasm_i32x4_shuffle(r[2], r[3], 0, 4, 1, 5);
      v128_t t3 = wasm_i32x4_shuffle(r[2], r[3], 2, 6, 3, 7);
      v128_t col[4] = {
          wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5), wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7),
          wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5), wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7)};
      for (int t = 0; t < kn; t++) wasm_v128_store(dst + (size_t)(k0 + t) * NR + h * 4, col[t]);
    }
  }
}

/* ---- epilogue, GELU, softmax ------------------------------------------------------------ */

static inline v128_t epi4(v128_t v, const float *bias, int gelu, const float *res) {
  if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias));
  if (gelu) v = gelu4(v);
  if (res) v = wasm_f32x4_add(v, wasm_v128_load(res));
  return v;
}

static void wasm_epilogue(int rows, int cols, const float *src, size_t lds, float *dst, size_t ldd,
                          const float *bias, int gelu, const float *res, size_t ldr) {
  for (int i = 0; i < rows; i++) {
    const float *s = src + i * lds;
    float *d = dst + i * ldd;
    const float *r = res ? res + i * ldr : NULL;
    int j = 0;
    for (; j + 4 <= cols; j += 4)
      wasm_v128_store(d + j,
                      epi4(wasm_v128_load(s + j), bias ? bias + j : NULL, gelu, r ? r + j : NULL));
    if (j < cols) { /* tail through zero-padded buffers */
      size_t n = (size_t)(cols - j) * sizeof(float);
      float ts[4] = {0}, tb[4] = {0}, tr[4] = {0}, out[4];
      memcpy(ts, s + j, n);
      if (bias) memcpy(tb, bias + j, n);
      if (r) memcpy(tr, r + j, n);
      wasm_v128_store(out, epi4(wasm_v128_load(ts), bias ? tb : NULL, gelu, r ? tr : NULL));
      memcpy(d + j, out, n);
    }
  }
}

static void wasm_gelu(float *x, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, gelu4(wasm_v128_load(x + i)));
  if (i < n) {
    float t[4] = {0};
    memcpy(t, x + i, (n - i) * sizeof(float));
    wasm_v128_store(t, gelu4(wasm_v128_load(t)));
    memcpy(x + i, t, (n - i) * sizeof(float));
  }
}

static void wasm_softmax(float *x, size_t n, float scale) {
  size_t body = n & ~(size_t)3, i;
  v128_t vmax = wasm_f32x4_splat(-FLT_MAX);
  for (i = 0; i < body; i += 4) vmax = wasm_f32x4_pmax(vmax, wasm_v128_load(x + i));
  float m01 = wasm_f32x4_extract_lane(vmax, 0), m1 = wasm_f32x4_extract_lane(vmax, 1);
  float m2 = wasm_f32x4_extract_lane(vmax, 2), m3 = wasm_f32x4_extract_lane(vmax, 3);
  m01 = m1 > m01 ? m1 : m01;
  m2 = m3 > m2 ? m3 : m2;
  float mx = m2 > m01 ? m2 : m01;
  for (i = body; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  v128_t sc = wasm_f32x4_splat(scale), smx = wasm_f32x4_splat(scale * mx);
  v128_t vsum = wasm_f32x4_splat(0.0f);
  for (i = 0; i < body; i += 4) {
    v128_t e = exp4(wasm_f32x4_sub(wasm_f32x4_mul(sc, wasm_v128_load(x + i)), smx));
    wasm_v128_store(x + i, e);
    vsum = wasm_f32x4_add(vsum, e);
  }
  float sum = (wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1)) +
              (wasm_f32x4_extract_lane(vsum, 2) + wasm_f32x4_extract_lane(vsum, 3));
  if (body < n) {
    float t[4] = {0};
    memcpy(t, x + body, (n - body) * sizeof(float));
    wasm_v128_store(t, exp4(wasm_f32x4_sub(wasm_f32x4_mul(sc, wasm_v128_load(t)), smx)));
    memcpy(x + body, t, (n - body) * sizeof(float));
    for (i = body; i < n; i++) sum += x[i];
  }
  v128_t inv = wasm_f32x4_splat(1.0f / sum);
  for (i = 0; i < body; i += 4) wasm_v128_store(x + i, wasm_f32x4_mul(wasm_v128_load(x + i), inv));
  for (i = body; i < n; i++) x[i] *= 1.0f / sum;
}

/* ---- LayerNorm row ---------------------------------------------------------------------- */

/* layernorm_row_ref's 8 partial sums (kernel.h) in four f64x2: lanes 2v, 2v + 1 of p[v]. */
static inline void ln_add8(v128_t p[4], v128_t a, v128_t b, int sq, v128_t mean) {
  const v128_t h[4] = {a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1), b,
                       wasm_i32x4_shuffle(b, b, 2, 3, 0, 1)};
  for (int v = 0; v < 4; v++) {
    v128_t d = wasm_f64x2_promote_low_f32x4(h[v]);
    if (sq) {
      d = wasm_f64x2_sub(d, mean);
      d = wasm_f64x2_mul(d, d);
    }
    p[v] = wasm_f64x2_add(p[v], d);
  }
}

/* sum over x[0..n) of x (sq 0) or (x - mean)^2 (sq 1), with layernorm_row_ref's additions */
static double ln_sum(const float *x, int n, int sq, double mean) {
  v128_t p[4], m = wasm_f64x2_splat(mean);
  for (int v = 0; v < 4; v++) p[v] = wasm_f64x2_splat(0.0);
  int i = 0;
  for (; i + 8 <= n; i += 8) ln_add8(p, wasm_v128_load(x + i), wasm_v128_load(x + i + 4), sq, m);
  double part[8];
  for (int v = 0; v < 4; v++) wasm_v128_store(part + 2 * v, p[v]);
  for (int l = 0; i < n; i++, l++) {
    double d = sq ? (double)x[i] - mean : (double)x[i];
    part[l] += sq ? d * d : d;
  }
  double s = 0.0;
  for (int l = 0; l < 8; l++) s += part[l];
  return s;
}

/* layernorm_row_ref's bits: the same double sums in the same order, then per 4 columns
 * (float)((x - mean) * rstd) in double, times gamma plus beta in float. */
static void wasm_layernorm(int cols, const float *x, const float *gamma, const float *beta,
                           float eps, float *y) {
  const double mean = ln_sum(x, cols, 0, 0.0) / cols;
  const double var = ln_sum(x, cols, 1, mean) / cols;
  const double rstd = 1.0 / sqrt(var + (double)eps);
  const v128_t m = wasm_f64x2_splat(mean), r = wasm_f64x2_splat(rstd);
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  int c = 0;
  for (; c + 4 <= cols; c += 4) {
    const v128_t v = wasm_v128_load(x + c);
    const v128_t lo = wasm_f64x2_mul(wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(v), m), r);
    const v128_t hi = wasm_f64x2_mul(
        wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)), m), r);
    const v128_t f = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo),
                                        wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
    const v128_t g = gamma ? wasm_v128_load(gamma + c) : one;
    const v128_t b = beta ? wasm_v128_load(beta + c) : zero;
    wasm_v128_store(y + c, wasm_f32x4_add(wasm_f32x4_mul(f, g), b));
  }
  for (; c < cols; c++) {
    float v = (float)(((double)x[c] - mean) * rstd);
    y[c] = v * (gamma ? gamma[c] : 1.0f) + (beta ? beta[c] : 0.0f);
  }
}

const gemm_kernel gemm_kernel_wasm = {
    .name = KERNEL_NAME,
    .mr = MR,
    .nr = NR,
    .kc = 256,
    .mc = 96,
    .nc = 256,
    .micro = wasm_micro,
    .pack_bt = wasm_pack_bt,
    .epilogue = wasm_epilogue,
    .gelu = wasm_gelu,
    .softmax = wasm_softmax,
    .layernorm = wasm_layernorm,
    .fma_loop = NULL,
};

#endif
