/*
 * kernel.h - the table of functions one instruction set provides to src/nn (internal to src/nn).
 *
 * Each gemm_<isa>.c file defines one `gemm_kernel` and keeps all of its intrinsics to itself; the
 * portable drivers (gemm.c, ops.c, attention.c) only call through this table. The table holds the
 * SGEMM micro-kernel with its register tile and cache-blocking sizes, plus the vectorised helpers
 * that run right after it while data is hot (the GEMM epilogue, GELU, softmax, a LayerNorm row).
 *
 * What the micro-kernel reads:
 *   A: mr rows straight from the row-major matrix, a[i * lda + k] (no packing: measured faster
 *      than packing A on Zen 4, since the mr x kc slice stays in L1 while the kernel sweeps B);
 *   B: a micro-panel, kc x nr, k-major: b[k * ldb + j] = op(B)[k][j]: packed (ldb = nr; W[j][k]
 *      for a weight, as pack_bt() writes it) or, when op(B) is row-major and nr columns wide,
 *      read in place (ldb = its leading dimension; attention's V).
 * Columns past the matrix edge are zero in the panels and missing rows of A are supplied as
 * zero rows by the drivers, so the micro-kernel always computes a full mr x nr tile; the drivers
 * clip what they store.
 */
#ifndef BRASS_NN_KERNEL_H
#define BRASS_NN_KERNEL_H

#include <stddef.h>

#include "nn/gemm.h"

/* C[0..mr)[0..nr) (leading dimension ldc) = (accumulate ? C : 0) + sum over k < kc of
 * a[i*lda + k] * b[k*ldb + j], one fused (or, without FMA, multiply-then-add) step per k in
 * increasing k order, so stopping after some k, storing C and continuing with accumulate = 1
 * gives the same bits as one call. kc may be 0. No alignment needed. */
typedef void (*gemm_micro_fn)(size_t kc, const float *a, size_t lda, const float *b, size_t ldb,
                              float *c, size_t ldc, int accumulate);

/* Packs a B micro-panel from rows: dst[k*nr + j] = src[j*ld + k] for j < cols (<= nr), k < kb;
 * dst[k*nr + j] = 0 for cols <= j < nr. (W's rows, or K's rows for Q K^T, become columns.) */
typedef void (*gemm_pack_bt_fn)(const float *src, size_t ld, int cols, int kb, float *dst);

/* dst[i][j] = f(src[i][j]) for i < rows, j < cols, where f is: + bias[j] (bias may be NULL),
 * then exact GELU if gelu, then + res[i * ldr + j] (res may be NULL). src may equal dst; res may
 * equal dst (same element read before it is written). */
typedef void (*gemm_epilogue_fn)(int rows, int cols, const float *src, size_t lds, float *dst,
                                 size_t ldd, const float *bias, int gelu, const float *res,
                                 size_t ldr);

struct gemm_kernel {
  const char *name;
  int mr, nr;     /* register tile of the micro-kernel */
  int kc, mc, nc; /* gemm_linear's blocks: kc deep, mc rows (multiple of mr), nc cols (of nr) */
  gemm_micro_fn micro;
  gemm_pack_bt_fn pack_bt;
  gemm_epilogue_fn epilogue;
  void (*gelu)(float *x, size_t n); /* in place, exact GELU (mathpoly.h: MP_PHI or erf) */
  /* x[i] = gelu(x[i]) * g[i] in one pass (JinaBERT's GEGLU), the bits of gelu() then a float
   * multiply; NULL where ops.c's two passes serve. */
  void (*geglu)(float *x, const float *g, size_t n);
  /* in place: x[i] = exp(scale*x[i] - scale*max) / sum (scale > 0; attention folds its
   * 1/sqrt(head_dim) in here); n >= 1 */
  void (*softmax)(float *x, size_t n, float scale);
  /* Optional (NULL: attention.c's general path). One head of attention over a short sequence
   * in registers and on the stack: o[i] = softmax(scale q_i K^T) V for i < n, with q, k, v rows
   * of n tokens at stride ld and o rows at stride ldo, the same bits as gemm_serial (Q K^T),
   * softmax, gemm_serial (P V) with this kernel. Returns 0 without writing when it does not take
   * the shape (n, head_dim hd), else 1. */
  int (*attn_small)(int n, int hd, const float *q, const float *k, const float *v, size_t ld,
                    float scale, float *o, size_t ldo);
  /* One LayerNorm row (layernorm_f32 in ops.h), or NULL where ops.c's portable
   * layernorm_row_ref serves; when set it must give the same bits as layernorm_row_ref. */
  void (*layernorm)(int cols, const float *x, const float *gamma, const float *beta, float eps,
                    float *y);
  /* Optional: two such rows at once (x0 -> y0, x1 -> y1), each with layernorm's bits; their
   * dependent sums interleave. NULL: rows one by one. */
  void (*layernorm2)(int cols, const float *x0, const float *x1, const float *gamma,
                     const float *beta, float eps, float *y0, float *y1);
  /* For benchmarks: a register-only loop of independent FMAs (n iterations); returns the
   * number of floating-point operations done. NULL where it means nothing (ref). */
  double (*fma_loop)(size_t n, float *sink);
};

/* Limits the drivers' stack buffers assume (checked by tests/unit/test_gemm.c). */
#define GEMM_MR_MAX 16    /* largest mr of any kernel */
#define GEMM_NR_MAX 64    /* largest nr of any kernel */
#define GEMM_TILE_MAX 512 /* largest mr * nr */

/* The portable LayerNorm row (ops.c): mean and variance in double, each a sum of 8 interleaved
 * partial sums (partial l takes x[i] for i % 8 == l, in increasing i) added up in lane order;
 * then y[c] = (float)((x[c] - mean) * rstd) * gamma[c] + beta[c] with a separate float multiply
 * and add (gamma NULL: 1, beta NULL: 0). y may equal x. */
void layernorm_row_ref(int cols, const float *x, const float *gamma, const float *beta, float eps,
                       float *y);

/* Test hook: when on, gemm_linear() and gemm_serial() take the stack-only path they use when
 * scratch cannot be allocated (it must give the same bits). Not for production use. */
void gemm_debug_force_small(int on);

/* The kernels compiled into this build (each defined in its own file). */
extern const gemm_kernel gemm_kernel_ref;
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define GEMM_HAVE_X86 1
extern const gemm_kernel gemm_kernel_avx2;
extern const gemm_kernel gemm_kernel_avx512;
#endif
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
#define GEMM_HAVE_WASM 1
extern const gemm_kernel gemm_kernel_wasm;
#endif

#endif
