/*
 * gemm_ref.c - the portable C kernel: the oracle the SIMD kernels are tested against, and the
 * fallback on machines (or builds) without a SIMD kernel. Plain loops, no intrinsics; the
 * compiler may auto-vectorise them. Multiply and add stay separate operations in this file.
 */
#include <float.h>

#include "nn/kernel.h"
#include "nn/mathpoly.h"

#define REF_MR 4
#define REF_NR 16

/* Register tile 4 x 16 held in a local array; one multiply-add per element per k. */
static void ref_micro(size_t kc, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                      size_t ldc, int accumulate) {
  float acc[REF_MR][REF_NR];
  for (int i = 0; i < REF_MR; i++)
    for (int j = 0; j < REF_NR; j++) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
  for (size_t k = 0; k < kc; k++) {
    const float *bk = b + k * ldb;
    for (int i = 0; i < REF_MR; i++) {
      float ai = a[i * lda + k];
      for (int j = 0; j < REF_NR; j++) acc[i][j] += ai * bk[j];
    }
  }
  for (int i = 0; i < REF_MR; i++)
    for (int j = 0; j < REF_NR; j++) c[i * ldc + j] = acc[i][j];
}

static void ref_pack_bt(const float *src, size_t ld, int cols, int kb, float *dst) {
  for (int k = 0; k < kb; k++) {
    float *d = dst + (size_t)k * REF_NR;
    for (int j = 0; j < cols; j++) d[j] = src[(size_t)j * ld + k];
    for (int j = cols; j < REF_NR; j++) d[j] = 0.0f;
  }
}

static float ref_gelu1(float x) {
  return mp_gelu(x);
}

static void ref_epilogue(int rows, int cols, const float *src, size_t lds, float *dst, size_t ldd,
                         const float *bias, int gelu, const float *res, size_t ldr) {
  for (int i = 0; i < rows; i++) {
    const float *s = src + i * lds;
    float *d = dst + i * ldd;
    const float *r = res ? res + i * ldr : NULL;
    for (int j = 0; j < cols; j++) {
      float v = s[j];
      if (bias) v += bias[j];
      if (gelu) v = ref_gelu1(v);
      if (r) v += r[j];
      d[j] = v;
    }
  }
}

static void ref_gelu(float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = ref_gelu1(x[i]);
}

static void ref_softmax(float *x, size_t n, float scale) {
  float mx = -FLT_MAX;
  for (size_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  float smx = scale * mx, sum = 0.0f;
  for (size_t i = 0; i < n; i++) {
    x[i] = mp_exp(scale * x[i] - smx);
    sum += x[i];
  }
  float inv = 1.0f / sum;
  for (size_t i = 0; i < n; i++) x[i] *= inv;
}

const gemm_kernel gemm_kernel_ref = {
    .name = "ref",
    .mr = REF_MR,
    .nr = REF_NR,
    .kc = 256,
    .mc = 64,
    .nc = 256,
    .micro = ref_micro,
    .pack_bt = ref_pack_bt,
    .epilogue = ref_epilogue,
    .gelu = ref_gelu,
    .softmax = ref_softmax,
};
