/*
 * gemm_avx2.c - the AVX2 + FMA kernel (x86-64, 16 ymm registers): a 6 x 16 SGEMM micro-kernel
 * (12 accumulators + 2 B vectors + 1 broadcast = 15 registers), and 8-lane GELU/softmax/epilogue
 * helpers. All AVX2 intrinsics of brass live in this file (CMake compiles it with -mavx2 -mfma).
 *
 * Per k step the micro-kernel loads 16 floats of B, broadcasts 6 floats of A (one from each of
 * 6 rows of the unpacked A) and issues 12 FMAs;
 * at two FMA pipes that is 6 cycles of arithmetic per 8 loads. Each accumulator lane is a single
 * FMA chain in increasing k (no k-unrolled partial sums), which keeps results independent of how
 * the drivers split k.
 */
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#include <immintrin.h>
#include <float.h>

#include "nn/kernel.h"
#include "nn/mathpoly.h"

#define MR 6
#define NR 16

static void avx2_micro(size_t kc, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                       size_t ldc, int accumulate) {
  __m256 acc[MR][2]; /* fully unrolled: the compiler keeps all 12 in registers */
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) {
    acc[i][0] = accumulate ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
    acc[i][1] = accumulate ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
  }
  for (size_t k = 0; k < kc; k++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      __m256 ai = _mm256_broadcast_ss(a + i * lda + k);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    b += ldb;
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) {
    _mm256_storeu_ps(c + i * ldc, acc[i][0]);
    _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
  }
}

/* Lane mask for the first n (0..8) lanes. */
static inline __m256i mask8(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* In-register transpose of 8 rows of 8 floats. */
static inline void transpose8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* B panel from rows (see kernel.h), 8 k at a time: two 8 x 8 transposes per step. */
static void avx2_pack_bt(const float *src, size_t ld, int cols, int kb, float *dst) {
  for (int k0 = 0; k0 < kb; k0 += 8) {
    int kn = kb - k0 < 8 ? kb - k0 : 8;
    __m256i m = mask8(kn);
    for (int h = 0; h < NR / 8; h++) {
      __m256 r[8];
#pragma GCC unroll 8
      for (int t = 0; t < 8; t++) {
        int j = h * 8 + t;
        r[t] = j < cols ? _mm256_maskload_ps(src + (size_t)j * ld + k0, m) : _mm256_setzero_ps();
      }
      transpose8(r);
      for (int t = 0; t < kn; t++) _mm256_storeu_ps(dst + (size_t)(k0 + t) * NR + h * 8, r[t]);
    }
  }
}

/* ---- vector erf / GELU / exp ------------------------------------------------------------ */

static inline __m256 erf8(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 ax = _mm256_andnot_ps(sign, x);
  ax = _mm256_min_ps(_mm256_set1_ps(MP_ERF_CLAMP), ax); /* NaN stays NaN */
  __m256i idx = _mm256_min_epi32(_mm256_cvttps_epi32(ax), _mm256_set1_epi32(3));
  __m256 u = _mm256_sub_ps(_mm256_sub_ps(ax, _mm256_cvtepi32_ps(idx)), _mm256_set1_ps(0.5f));
#define COEF(j) _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(MP_ERF[j])), idx)
  __m256 r = COEF(MP_ERF_DEGREE);
#pragma GCC unroll 16
  for (int j = MP_ERF_DEGREE - 1; j >= 0; j--) r = _mm256_fmadd_ps(r, u, COEF(j));
#undef COEF
  return _mm256_xor_ps(r, _mm256_and_ps(sign, x));
}

static inline __m256 gelu8(__m256 x) {
  __m256 e = erf8(_mm256_mul_ps(x, _mm256_set1_ps(MP_SQRT1_2)));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                       _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

static inline __m256 exp8(__m256 x) {
  __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(MP_EXP_MIN), _CMP_NLT_UQ); /* not below: NaN too */
  x = _mm256_max_ps(x, _mm256_set1_ps(MP_EXP_MIN));                        /* NaN -> MP_EXP_MIN */
  x = _mm256_min_ps(x, _mm256_set1_ps(MP_EXP_MAX));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(MP_LOG2E)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(MP_LN2_HI), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(MP_LN2_LO), r);
  __m256 p = _mm256_set1_ps(MP_EXP[MP_EXP_DEGREE]);
#pragma GCC unroll 16
  for (int j = MP_EXP_DEGREE - 1; j >= 0; j--) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(MP_EXP[j]));
  __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(keep, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

/* ---- epilogue, GELU, softmax ------------------------------------------------------------ */

static inline __m256 epi8(__m256 v, const float *bias, int gelu, const float *res, __m256i m,
                          int full) {
  if (bias) v = _mm256_add_ps(v, full ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, m));
  if (gelu) v = gelu8(v);
  if (res) v = _mm256_add_ps(v, full ? _mm256_loadu_ps(res) : _mm256_maskload_ps(res, m));
  return v;
}

static void avx2_epilogue(int rows, int cols, const float *src, size_t lds, float *dst, size_t ldd,
                          const float *bias, int gelu, const float *res, size_t ldr) {
  const __m256i tail = mask8(cols % 8);
  const __m256i all = _mm256_set1_epi32(-1);
  for (int i = 0; i < rows; i++) {
    const float *s = src + i * lds;
    float *d = dst + i * ldd;
    const float *r = res ? res + i * ldr : NULL;
    int j = 0;
    for (; j + 8 <= cols; j += 8)
      _mm256_storeu_ps(d + j, epi8(_mm256_loadu_ps(s + j), bias ? bias + j : NULL, gelu,
                                   r ? r + j : NULL, all, 1));
    if (j < cols)
      _mm256_maskstore_ps(d + j, tail,
                          epi8(_mm256_maskload_ps(s + j, tail), bias ? bias + j : NULL, gelu,
                               r ? r + j : NULL, tail, 0));
  }
}

static void avx2_gelu(float *x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    __m256i m = mask8((int)(n - i));
    _mm256_maskstore_ps(x + i, m, gelu8(_mm256_maskload_ps(x + i, m)));
  }
}

static void avx2_geglu(float *x, const float *g, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, _mm256_mul_ps(gelu8(_mm256_loadu_ps(x + i)), _mm256_loadu_ps(g + i)));
  if (i < n) {
    __m256i m = mask8((int)(n - i));
    __m256 v = gelu8(_mm256_maskload_ps(x + i, m));
    _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(v, _mm256_maskload_ps(g + i, m)));
  }
}

static float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static float hmax8(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static void avx2_softmax(float *x, size_t n, float scale) {
  size_t i = 0, tail = n % 8, body = n - tail;
  __m256i m = mask8((int)tail);
  __m256 neg = _mm256_set1_ps(-FLT_MAX);
  __m256 vmax = neg;
  for (i = 0; i < body; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
  if (tail)
    vmax = _mm256_max_ps(
        vmax, _mm256_blendv_ps(neg, _mm256_maskload_ps(x + i, m), _mm256_castsi256_ps(m)));
  __m256 sc = _mm256_set1_ps(scale), smx = _mm256_set1_ps(scale * hmax8(vmax));
  __m256 vsum = _mm256_setzero_ps();
  for (i = 0; i < body; i += 8) {
    __m256 e = exp8(_mm256_fmsub_ps(sc, _mm256_loadu_ps(x + i), smx));
    _mm256_storeu_ps(x + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  if (tail) {
    __m256 e = exp8(_mm256_fmsub_ps(sc, _mm256_maskload_ps(x + i, m), smx));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(m));
    _mm256_maskstore_ps(x + i, m, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  __m256 inv = _mm256_set1_ps(1.0f / hsum8(vsum));
  for (i = 0; i < body; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
  if (tail) _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_maskload_ps(x + i, m), inv));
}

/* 12 independent FMA chains: more than latency (4) x pipes (2), all in registers. */
static double avx2_fma_loop(size_t n, float *sink) {
  __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  /* distinct starting values, and an empty asm that "changes" every chain each iteration, so the
   * compiler can neither merge chains nor fold the loop */
  __m256 r0 = _mm256_set1_ps(1.0f), r1 = _mm256_set1_ps(1.01f), r2 = _mm256_set1_ps(1.02f),
         r3 = _mm256_set1_ps(1.03f), r4 = _mm256_set1_ps(1.04f), r5 = _mm256_set1_ps(1.05f),
         r6 = _mm256_set1_ps(1.06f), r7 = _mm256_set1_ps(1.07f), r8 = _mm256_set1_ps(1.08f),
         r9 = _mm256_set1_ps(1.09f), r10 = _mm256_set1_ps(1.10f), r11 = _mm256_set1_ps(1.11f);
  for (size_t i = 0; i < n; i++) {
    r0 = _mm256_fmadd_ps(r0, x, y);
    r1 = _mm256_fmadd_ps(r1, x, y);
    r2 = _mm256_fmadd_ps(r2, x, y);
    r3 = _mm256_fmadd_ps(r3, x, y);
    r4 = _mm256_fmadd_ps(r4, x, y);
    r5 = _mm256_fmadd_ps(r5, x, y);
    r6 = _mm256_fmadd_ps(r6, x, y);
    r7 = _mm256_fmadd_ps(r7, x, y);
    r8 = _mm256_fmadd_ps(r8, x, y);
    r9 = _mm256_fmadd_ps(r9, x, y);
    r10 = _mm256_fmadd_ps(r10, x, y);
    r11 = _mm256_fmadd_ps(r11, x, y);
    __asm__ volatile(""
                     : "+x"(r0), "+x"(r1), "+x"(r2), "+x"(r3), "+x"(r4), "+x"(r5), "+x"(r6),
                       "+x"(r7), "+x"(r8), "+x"(r9), "+x"(r10), "+x"(r11));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r0, r1), _mm256_add_ps(r2, r3)),
                           _mm256_add_ps(_mm256_add_ps(r4, r5), _mm256_add_ps(r6, r7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(r8, r9), _mm256_add_ps(r10, r11)));
  *sink = hsum8(s);
  return (double)n * 12 * 8 * 2;
}

const gemm_kernel gemm_kernel_avx2 = {
    .name = "avx2",
    .mr = MR,
    .nr = NR,
    .kc = 384,
    .mc = 96,
    .nc = 384,
    .micro = avx2_micro,
    .pack_bt = avx2_pack_bt,
    .epilogue = avx2_epilogue,
    .gelu = avx2_gelu,
    .geglu = avx2_geglu,
    .softmax = avx2_softmax,
    .fma_loop = avx2_fma_loop,
};

#endif
