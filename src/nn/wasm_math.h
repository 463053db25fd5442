/*
 * wasm_math.h - WebAssembly SIMD128 helpers shared by the f32 kernel (gemm_wasm.c) and the int8
 * kernel (qgemm_wasm.c): the multiply-add MADD (relaxed-SIMD fused in the BRASS_WASM_RELAXED
 * build, see gemm_wasm.c's top comment) and the 4-lane erf / GELU / exp. Static inline, so both
 * kernels run the very same instructions: the int8 kernel finishes GELU tiles in its registers
 * with the bits of the f32 kernel's epilogue. Include only under Emscripten with -msimd128.
 */
#ifndef BRASS_NN_WASM_MATH_H
#define BRASS_NN_WASM_MATH_H

#include <wasm_simd128.h>

#include "nn/mathpoly.h"

#ifdef BRASS_WASM_RELAXED
/* a * b + c, fused where the host can (operand order: gemm_wasm.c's top comment) */
#define MADD(a, b, c) __builtin_wasm_fma_f32x4((a), (b), (c))
#define WASM_F32_KERNEL_NAME "wasm-relaxed-simd"
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#define WASM_F32_KERNEL_NAME "wasm-simd128"
#endif
/* ---- vector erf / GELU / exp ------------------------------------------------------------ */

/* The functions below use only instructions that engines lower to one or two machine
 * instructions: pmin/pmax (b < a ? b : a and a < b ? b : a, single minps/maxps) instead of
 * f32x4.min/max (whose NaN and signed-zero rules cost ~8 instructions on x86), and float -> int
 * through the magic number 2^23 (adding it to an integral float below 2^22 puts the integer in
 * the low mantissa bits) instead of i32x4.trunc_sat_f32x4 (~8 instructions). The results are
 * the same bits as with the plain operations: every clamp bound is finite and the integers are
 * small; a NaN stays NaN. */
#define MAGIC_2P23 8388608.0f      /* 2^23: fl + 2^23 has fl's integer in its low bits (0 <= fl) */
#define MAGIC_1P5_2P23 12582912.0f /* 1.5 * 2^23: t + it rounds t to an integer, half to even */

static inline v128_t erf4(v128_t x) {
  v128_t ax = wasm_f32x4_pmin(wasm_f32x4_abs(x), wasm_f32x4_splat(MP_ERF_CLAMP)); /* NaN stays */
  /* the interval, min(floor(ax), 3), as a float and as an integer (0 <= ax <= 4) */
  v128_t fi = wasm_f32x4_pmin(wasm_f32x4_floor(ax), wasm_f32x4_splat(3.0f));
  v128_t idx = wasm_i32x4_sub(wasm_f32x4_add(fi, wasm_f32x4_splat(MAGIC_2P23)),
                              wasm_f32x4_splat(MAGIC_2P23));
  v128_t u = wasm_f32x4_sub(wasm_f32x4_sub(ax, fi), wasm_f32x4_splat(0.5f));
  /* byte indices 4*idx + {0,1,2,3} in each lane pick a lane's coefficient with one swizzle */
  v128_t bidx = wasm_i32x4_add(wasm_i32x4_mul(wasm_i32x4_shl(idx, 2), wasm_i32x4_splat(0x01010101)),
                               wasm_i32x4_splat(0x03020100));
  v128_t r = wasm_i8x16_swizzle(wasm_v128_load(MP_ERF[MP_ERF_DEGREE]), bidx);
#pragma GCC unroll 16
  for (int j = MP_ERF_DEGREE - 1; j >= 0; j--)
    r = MADD(r, u, wasm_i8x16_swizzle(wasm_v128_load(MP_ERF[j]), bidx));
  return wasm_v128_xor(r, wasm_v128_and(x, wasm_f32x4_splat(-0.0f)));
}

static inline v128_t gelu4(v128_t x) {
  v128_t e = erf4(wasm_f32x4_mul(x, wasm_f32x4_splat(MP_SQRT1_2)));
  return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), x),
                        wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
}

static inline v128_t exp4(v128_t x) {
  v128_t drop = wasm_f32x4_lt(x, wasm_f32x4_splat(MP_EXP_MIN)); /* NaN kept */
  x = wasm_f32x4_pmax(x, wasm_f32x4_splat(MP_EXP_MIN));
  x = wasm_f32x4_pmin(x, wasm_f32x4_splat(MP_EXP_MAX));
  /* n = nearest(x * log2 e) (|n| <= 127): t + 1.5 * 2^23 holds n in its low mantissa bits */
  v128_t big = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(MP_LOG2E)),
                              wasm_f32x4_splat(MAGIC_1P5_2P23));
  v128_t n = wasm_f32x4_sub(big, wasm_f32x4_splat(MAGIC_1P5_2P23));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(MP_LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(MP_LN2_LO)));
  v128_t p = wasm_f32x4_splat(MP_EXP[MP_EXP_DEGREE]);
#pragma GCC unroll 16
  for (int j = MP_EXP_DEGREE - 1; j >= 0; j--) p = MADD(p, r, wasm_f32x4_splat(MP_EXP[j]));
  /* 2^n: (n + 127) << 23, with n = bits(big) - bits(1.5 * 2^23) */
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(big, wasm_i32x4_splat(127 - 0x4b400000)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, e), drop);
}

#endif
