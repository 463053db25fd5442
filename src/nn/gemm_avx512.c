/*
 * gemm_avx512.c - the AVX-512 kernel (x86-64, 32 zmm registers): a 12 x 32 SGEMM micro-kernel
 * (24 accumulators + 2 B vectors + 1 broadcast), a 16 x 16 transposing B packer, 16-lane
 * masked GELU/softmax/epilogue helpers and a LayerNorm row (8 double lanes). All AVX-512 intrinsics
 * of brass live in this file.
 *
 * Per k step: 2 loads of B (32 floats), 12 broadcasts of A (one per row of the unpacked A),
 * 24 FMAs. On Zen 4 a 512-bit FMA takes both 256-bit pipes, so the peak equals AVX2's; the gain
 * is fewer instructions and loads per FMA. Tiles measured on Zen 4 with A read in place (% of
 * the FMA peak on the model's shapes, one thread): 12x32 93-96, 8x48 91-96, 16x32 90-94,
 * 6x64 92-93. Each accumulator lane is one FMA chain in increasing k, independent of how k is
 * split. AVX512_MR / AVX512_NV override the tile for such experiments.
 */
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#include <immintrin.h>
#include <float.h>
#include <math.h>

#include "nn/kernel.h"
#include "nn/mathpoly.h"

#ifndef AVX512_MR
#define AVX512_MR 12
#endif
#ifndef AVX512_NV
#define AVX512_NV 2 /* 16-float vectors per row: NR = 16 * NV */
#endif
#define MR AVX512_MR
#define NV AVX512_NV
#define NR (16 * NV)

static void avx512_micro(size_t kc, const float *a, size_t lda, const float *b, size_t ldb,
                         float *c, size_t ldc, int accumulate) {
  __m512 acc[MR][NV];
  if (accumulate) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_loadu_ps(c + i * ldc + 16 * v);
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
  }
  for (size_t k = 0; k < kc; k++) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      __m512 ai = _mm512_set1_ps(a[i * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    b += ldb;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) _mm512_storeu_ps(c + i * ldc + 16 * v, acc[i][v]);
}

static inline __mmask16 mask16(size_t n) {
  return (__mmask16)((1u << n) - 1u);
}

/* In-register transpose of 16 rows of 16 floats (4 rounds of shuffles). */
static inline void transpose16(__m512 r[16]) {
  __m512 t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 16
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 1] =
        _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 2] = _mm512_castpd_ps(
        _mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    r[i + 3] = _mm512_castpd_ps(
        _mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
  }
  /* r[4q + s] now holds, for rows 4q..4q+3, column s + 4c in 128-bit lane c */
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
  }
}

/* B panel from rows (see kernel.h), 16 k at a time: one 16 x 16 transpose per 16 columns. */
static void avx512_pack_bt(const float *src, size_t ld, int cols, int kb, float *dst) {
  for (int k0 = 0; k0 < kb; k0 += 16) {
    int kn = kb - k0 < 16 ? kb - k0 : 16;
    __mmask16 m = mask16((size_t)kn);
    for (int h = 0; h < NV; h++) {
      __m512 r[16];
#pragma GCC unroll 16
      for (int t = 0; t < 16; t++) {
        int j = h * 16 + t;
        r[t] = j < cols ? _mm512_maskz_loadu_ps(m, src + (size_t)j * ld + k0) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int t = 0; t < kn; t++) _mm512_storeu_ps(dst + (size_t)(k0 + t) * NR + h * 16, r[t]);
    }
  }
}

/* ---- vector erf / GELU / exp ------------------------------------------------------------ */

/* GELU through mathpoly.h's MP_PHI: each coefficient is a 16-entry vpermps lookup by rne(t)
 * (cvtps2dq rounds to nearest even like vreduceps' u = t - rne(t), so u and the index agree). */
static inline __m512 gelu16(__m512 x) {
  __m512 t = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(MP_PHI_SCALE));
  t = _mm512_min_ps(_mm512_set1_ps(MP_PHI_TMAX), t); /* NaN stays NaN */
  __m512i idx = _mm512_cvtps_epi32(t);
  __m512 u = _mm512_reduce_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#define COEF(j) _mm512_permutexvar_ps(idx, _mm512_loadu_ps(MP_PHI[j]))
  __m512 r = COEF(MP_PHI_DEGREE);
#pragma GCC unroll 8
  for (int j = MP_PHI_DEGREE - 1; j >= 0; j--) r = _mm512_fmadd_ps(r, u, COEF(j));
#undef COEF
  /* h takes x's sign (ternary logic 0x78: r ^ (x & sign)) */
  const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
  __m512 h = _mm512_castsi512_ps(
      _mm512_ternarylogic_epi32(_mm512_castps_si512(r), _mm512_castps_si512(x), sign, 0x78));
  return _mm512_mul_ps(x, _mm512_add_ps(_mm512_set1_ps(0.5f), h));
}

static inline __m512 exp16(__m512 x) {
  __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(MP_EXP_MIN), _CMP_NLT_UQ);
  x = _mm512_max_ps(x, _mm512_set1_ps(MP_EXP_MIN));
  x = _mm512_min_ps(x, _mm512_set1_ps(MP_EXP_MAX));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(MP_LOG2E)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(MP_LN2_HI), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(MP_LN2_LO), r);
  __m512 p = _mm512_set1_ps(MP_EXP[MP_EXP_DEGREE]);
#pragma GCC unroll 16
  for (int j = MP_EXP_DEGREE - 1; j >= 0; j--) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MP_EXP[j]));
  __m512i e =
      _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_maskz_mul_ps(keep, p, _mm512_castsi512_ps(e));
}

/* ---- epilogue, GELU, softmax ------------------------------------------------------------ */

static void avx512_epilogue(int rows, int cols, const float *src, size_t lds, float *dst,
                            size_t ldd, const float *bias, int gelu, const float *res, size_t ldr) {
  for (int i = 0; i < rows; i++) {
    const float *s = src + i * lds;
    float *d = dst + i * ldd;
    const float *r = res ? res + i * ldr : NULL;
    int j = 0;
    /* whole vectors with plain loads and stores: a masked load cannot take its data from the
     * micro-kernel's store still in flight (store-to-load forwarding) and waits for it */
    for (; j + 16 <= cols; j += 16) {
      __m512 v = _mm512_loadu_ps(s + j);
      if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias + j));
      if (gelu) v = gelu16(v);
      if (r) v = _mm512_add_ps(v, _mm512_loadu_ps(r + j));
      _mm512_storeu_ps(d + j, v);
    }
    if (j < cols) {
      __mmask16 m = mask16((size_t)(cols - j));
      __m512 v = _mm512_maskz_loadu_ps(m, s + j);
      if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
      if (gelu) v = gelu16(v);
      if (r) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, r + j));
      _mm512_mask_storeu_ps(d + j, m, v);
    }
  }
}

static void avx512_gelu(float *x, size_t n) {
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : mask16(n - i);
    _mm512_mask_storeu_ps(x + i, m, gelu16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

/* Loads and stores of whole vectors are plain ones (see avx512_epilogue); a tail is masked. */
static inline __m512 load_n(const float *x, size_t n) {
  return n >= 16 ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(mask16(n), x);
}
static inline void store_n(float *x, size_t n, __m512 v) {
  if (n >= 16)
    _mm512_storeu_ps(x, v);
  else
    _mm512_mask_storeu_ps(x, mask16(n), v);
}

static void avx512_geglu(float *x, const float *g, size_t n) {
  for (size_t i = 0; i < n; i += 16)
    store_n(x + i, n - i, _mm512_mul_ps(gelu16(load_n(x + i, n - i)), load_n(g + i, n - i)));
}

static void avx512_softmax(float *x, size_t n, float scale) {
  __m512 vmax = _mm512_set1_ps(-FLT_MAX);
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : mask16(n - i);
    vmax = _mm512_mask_max_ps(vmax, m, vmax, load_n(x + i, n - i));
  }
  __m512 sc = _mm512_set1_ps(scale), smx = _mm512_set1_ps(scale * _mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : mask16(n - i);
    __m512 e = _mm512_maskz_mov_ps(m, exp16(_mm512_fmsub_ps(sc, load_n(x + i, n - i), smx)));
    store_n(x + i, n - i, e);
    vsum = _mm512_add_ps(vsum, e);
  }
  __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
  for (size_t i = 0; i < n; i += 16)
    store_n(x + i, n - i, _mm512_mul_ps(load_n(x + i, n - i), inv));
}

/* ---- attention of one head over a short sequence ---------------------------------------- */

/* avx512_softmax's steps on a row held in nv vectors (n <= 16 nv scores; lanes past n are
 * ignored and come out 0): the same operations in the same order, so the same bits. */
static inline __attribute__((always_inline)) void softmax_regs(__m512 *x, const int nv, int n,
                                                               float scale) {
  __m512 vmax = _mm512_set1_ps(-FLT_MAX);
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    __mmask16 m = n - 16 * v >= 16 ? (__mmask16)0xffff : mask16((size_t)(n - 16 * v));
    vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_mov_ps(m, x[v]));
  }
  __m512 sc = _mm512_set1_ps(scale), smx = _mm512_set1_ps(scale * _mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    __mmask16 m = n - 16 * v >= 16 ? (__mmask16)0xffff : mask16((size_t)(n - 16 * v));
    x[v] = _mm512_maskz_mov_ps(m, exp16(_mm512_fmsub_ps(sc, x[v], smx)));
    vsum = _mm512_add_ps(vsum, x[v]);
  }
  __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) x[v] = _mm512_mul_ps(x[v], inv);
}

#define ATTN_SMALL_MAX 64  /* keys: at most 4 vectors of scores per row */
#define ATTN_SMALL_HD 128  /* head_dim limit of the stack buffers */
#define ATTN_SMALL_ROWS 12 /* score accumulators per row group (rows x nv) */

/* acc[r][v] = sum over k < kc of a[r][k] * b[k * ldb + 16 v] for r < rg, v < nv: one FMA chain
 * per lane from 0 in increasing k, as avx512_micro computes a tile. */
static inline __attribute__((always_inline)) void rows_fma(const int rg, const int nv, int kc,
                                                           const float *const *a, const float *b,
                                                           size_t ldb,
                                                           __m512 acc[ATTN_SMALL_ROWS][4]) {
#pragma GCC unroll 12
  for (int r = 0; r < rg; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m512 bv[4];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) bv[v] = _mm512_loadu_ps(b + (size_t)k * ldb + 16 * v);
#pragma GCC unroll 12
    for (int r = 0; r < rg; r++) {
      __m512 x = _mm512_set1_ps(a[r][k]);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[r][v] = _mm512_fmadd_ps(x, bv[v], acc[r][v]);
    }
  }
}

/* S = Q K^T softmaxed, rows of w = 16 nv floats in p: K is transposed once (kt: hd x w, zero
 * past n), then groups of rows run as FMA chains in increasing c from 0, as avx512_micro does. */
static inline __attribute__((always_inline)) void attn_scores(const int nv, int n, int hd,
                                                              const float *q, const float *k,
                                                              size_t ld, float scale, float *p) {
  _Alignas(64) float kt[ATTN_SMALL_HD * ATTN_SMALL_MAX];
  const int w = 16 * nv, rg = ATTN_SMALL_ROWS / nv;
#pragma GCC unroll 4
  for (int h = 0; h < nv; h++)
    for (int c0 = 0; c0 < hd; c0 += 16) {
      __m512 r[16];
#pragma GCC unroll 16
      for (int t = 0; t < 16; t++)
        r[t] = h * 16 + t < n ? _mm512_loadu_ps(k + (size_t)(h * 16 + t) * ld + c0)
                              : _mm512_setzero_ps();
      transpose16(r);
#pragma GCC unroll 16
      for (int t = 0; t < 16; t++) _mm512_store_ps(kt + (size_t)(c0 + t) * w + h * 16, r[t]);
    }
  for (int i0 = 0; i0 < n; i0 += rg) {
    __m512 acc[ATTN_SMALL_ROWS][4];
    const float *qr[ATTN_SMALL_ROWS];
#pragma GCC unroll 12
    for (int r = 0; r < rg; r++) /* rows past n: recomputed, not stored */
      qr[r] = q + (size_t)(i0 + r < n ? i0 + r : n - 1) * ld;
    rows_fma(rg, nv, hd, qr, kt, (size_t)w, acc);
#pragma GCC unroll 12
    for (int r = 0; r < rg; r++) {
      if (i0 + r >= n) break;
      softmax_regs(acc[r], nv, n, scale);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) _mm512_store_ps(p + (size_t)(i0 + r) * w + 16 * v, acc[r][v]);
    }
  }
}

/* O = P V for cv vectors of columns from c0: FMA chains in increasing key j from 0 (V read in
 * place), as avx512_micro does with V as its B panel. */
static inline __attribute__((always_inline)) void attn_pv(const int cv, int n, int w,
                                                          const float *p, const float *v, size_t ld,
                                                          float *o, size_t ldo) {
  const int rg = 8 / cv > 2 ? 8 / cv : 2;
  for (int i0 = 0; i0 < n; i0 += rg) {
    __m512 acc[ATTN_SMALL_ROWS][4];
    const float *pr[ATTN_SMALL_ROWS];
    const int rows = n - i0 < rg ? n - i0 : rg;
#pragma GCC unroll 8
    for (int r = 0; r < rg; r++) pr[r] = p + (size_t)(i0 + (r < rows ? r : 0)) * w;
    rows_fma(rg, cv, n, pr, v, ld, acc);
#pragma GCC unroll 8
    for (int r = 0; r < rg; r++) {
      if (r >= rows) break;
#pragma GCC unroll 4
      for (int u = 0; u < cv; u++) _mm512_storeu_ps(o + (size_t)(i0 + r) * ldo + 16 * u, acc[r][u]);
    }
  }
}

/* kernel.h's attn_small: one head's softmax(scale Q K^T) V for n <= ATTN_SMALL_MAX tokens. */
static int avx512_attn_small(int n, int hd, const float *q, const float *k, const float *v,
                             size_t ld, float scale, float *o, size_t ldo) {
  if (n < 1 || n > ATTN_SMALL_MAX || hd < 16 || hd > ATTN_SMALL_HD || hd % 16) return 0;
  _Alignas(64) float p[ATTN_SMALL_MAX * ATTN_SMALL_MAX];
  const int nv = (n + 15) / 16;
  switch (nv) {
    case 1:
      attn_scores(1, n, hd, q, k, ld, scale, p);
      break;
    case 2:
      attn_scores(2, n, hd, q, k, ld, scale, p);
      break;
    case 3:
      attn_scores(3, n, hd, q, k, ld, scale, p);
      break;
    default:
      attn_scores(4, n, hd, q, k, ld, scale, p);
      break;
  }
  for (int c0 = 0; c0 < hd; c0 += 64) {
    const int w = 16 * nv, cv = hd - c0 >= 64 ? 4 : (hd - c0) / 16;
    switch (cv) {
      case 1:
        attn_pv(1, n, w, p, v + c0, ld, o + c0, ldo);
        break;
      case 2:
        attn_pv(2, n, w, p, v + c0, ld, o + c0, ldo);
        break;
      case 3:
        attn_pv(3, n, w, p, v + c0, ld, o + c0, ldo);
        break;
      default:
        attn_pv(4, n, w, p, v + c0, ld, o + c0, ldo);
        break;
    }
  }
  return 1;
}

/* ---- LayerNorm row ---------------------------------------------------------------------- */

/* An empty asm between a multiply and the add that follows keeps the compiler from fusing them
 * into an FMA (this file has -mfma and GNU C's default -ffp-contract=fast): layernorm_row_ref
 * rounds both. */
static inline __m512d nofuse_pd(__m512d v) {
  __asm__("" : "+v"(v));
  return v;
}
static inline __m512 nofuse_ps(__m512 v) {
  __asm__("" : "+v"(v));
  return v;
}

/* x[0..n) as doubles (n <= 8; missing lanes are 0). */
static inline __m512d load8_pd(const float *x, int n) {
  if (n >= 8) return _mm512_cvtps_pd(_mm256_loadu_ps(x));
  return _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)((1u << n) - 1u), x));
}

/* The 8 partial sums in lane order, from 0.0, as layernorm_row_ref adds them. */
static inline double lanes_sum_pd(__m512d v) {
  double part[8], s = 0.0;
  _mm512_storeu_pd(part, v);
  for (int l = 0; l < 8; l++) s += part[l];
  return s;
}

/* layernorm_row_ref's bits (kernel.h) for nr rows at once (1 or 2): lane l of one zmm of doubles
 * is partial sum l, so every sum is the same additions in the same order (a tail adds exact zeros
 * to the lanes it lacks). Each sum is one dependent chain of adds; two rows interleave two. */
static inline __attribute__((always_inline)) void ln_rows_avx512(const int nr, int cols,
                                                                 const float *const *x,
                                                                 const float *gamma,
                                                                 const float *beta, float eps,
                                                                 float *const *y) {
  __m512d acc[2], mean[2], rstd[2];
#pragma GCC unroll 2
  for (int r = 0; r < nr; r++) acc[r] = _mm512_setzero_pd();
  for (int i = 0; i < cols; i += 8)
#pragma GCC unroll 2
    for (int r = 0; r < nr; r++) acc[r] = _mm512_add_pd(acc[r], load8_pd(x[r] + i, cols - i));
#pragma GCC unroll 2
  for (int r = 0; r < nr; r++) {
    mean[r] = _mm512_set1_pd(lanes_sum_pd(acc[r]) / cols);
    acc[r] = _mm512_setzero_pd();
  }
  for (int i = 0; i < cols; i += 8) {
    __mmask8 m = cols - i >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (cols - i)) - 1u);
#pragma GCC unroll 2
    for (int r = 0; r < nr; r++) {
      __m512d d = _mm512_maskz_sub_pd(m, load8_pd(x[r] + i, cols - i), mean[r]);
      acc[r] = _mm512_add_pd(acc[r], nofuse_pd(_mm512_mul_pd(d, d)));
    }
  }
#pragma GCC unroll 2
  for (int r = 0; r < nr; r++) {
    const double var = lanes_sum_pd(acc[r]) / cols;
    rstd[r] = _mm512_set1_pd(1.0 / sqrt(var + (double)eps));
  }
  for (int i = 0; i < cols; i += 16) {
    const int n = cols - i;
    __mmask16 m = n >= 16 ? (__mmask16)0xffff : mask16((size_t)n);
    __m512 g = gamma ? _mm512_maskz_loadu_ps(m, gamma + i) : _mm512_set1_ps(1.0f);
    __m512 b = beta ? _mm512_maskz_loadu_ps(m, beta + i) : _mm512_setzero_ps();
#pragma GCC unroll 2
    for (int r = 0; r < nr; r++) {
      __m256 lo =
          _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_sub_pd(load8_pd(x[r] + i, n), mean[r]), rstd[r]));
      __m256 hi = n > 8 ? _mm512_cvtpd_ps(_mm512_mul_pd(
                              _mm512_sub_pd(load8_pd(x[r] + i + 8, n - 8), mean[r]), rstd[r]))
                        : _mm256_setzero_ps();
      __m512 v = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
      _mm512_mask_storeu_ps(y[r] + i, m, _mm512_add_ps(nofuse_ps(_mm512_mul_ps(v, g)), b));
    }
  }
}

static void avx512_layernorm(int cols, const float *x, const float *gamma, const float *beta,
                             float eps, float *y) {
  ln_rows_avx512(1, cols, &x, gamma, beta, eps, &y);
}

static void avx512_layernorm2(int cols, const float *x0, const float *x1, const float *gamma,
                              const float *beta, float eps, float *y0, float *y1) {
  const float *x[2] = {x0, x1};
  float *y[2] = {y0, y1};
  ln_rows_avx512(2, cols, x, gamma, beta, eps, y);
}

/* 16 independent FMA chains in zmm registers. */
static double avx512_fma_loop(size_t n, float *sink) {
  __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  __m512 r[16];
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++) r[j] = _mm512_set1_ps(1.0f + 0.01f * (float)j); /* distinct */
  for (size_t i = 0; i < n; i++) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) r[j] = _mm512_fmadd_ps(r[j], x, y);
    /* every chain "changes" here, so the compiler can neither merge chains nor fold the loop */
    __asm__ volatile(""
                     : "+v"(r[0]), "+v"(r[1]), "+v"(r[2]), "+v"(r[3]), "+v"(r[4]), "+v"(r[5]),
                       "+v"(r[6]), "+v"(r[7]));
    __asm__ volatile(""
                     : "+v"(r[8]), "+v"(r[9]), "+v"(r[10]), "+v"(r[11]), "+v"(r[12]), "+v"(r[13]),
                       "+v"(r[14]), "+v"(r[15]));
  }
  __m512 s = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++) s = _mm512_add_ps(s, r[j]);
  *sink = _mm512_reduce_add_ps(s);
  return (double)n * 16 * 16 * 2;
}

const gemm_kernel gemm_kernel_avx512 = {
    .name = "avx512",
    .mr = MR,
    .nr = NR,
    .kc = 512, /* JinaBERT small's hidden 512 in one k-block: +4% on its products (Zen 5) */
    .mc = 96,
    .nc = 384,
    .micro = avx512_micro,
    .pack_bt = avx512_pack_bt,
    .epilogue = avx512_epilogue,
    .gelu = avx512_gelu,
    .geglu = avx512_geglu,
    .softmax = avx512_softmax,
    .attn_small = avx512_attn_small,
    .layernorm = avx512_layernorm,
    .layernorm2 = avx512_layernorm2,
    .fma_loop = avx512_fma_loop,
};

#endif
