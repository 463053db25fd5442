/*
 * qgemm_ref.c - the portable int8 kernel: the oracle the SIMD int8 kernels are tested against,
 * and the fallback where none applies. Unsigned activation bytes times signed weight bytes
 * in groups of 4 (qkernel.h), plain int32 loops.
 */
#include <math.h>

#include "nn/qkernel.h"

#define QREF_MR 4
#define QREF_NR 16

static void qref_micro(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b,
                       const qgemm_dq *dq, float *c) {
  int32_t acc[QREF_MR][QREF_NR] = {{0}};
  for (size_t g = 0; g < ng; g++) {
    const int8_t *bg = (const int8_t *)b + g * QREF_NR * 4;
    for (int i = 0; i < QREF_MR; i++) {
      const uint8_t *ai = a + (size_t)i * lda + g * 4;
      for (int j = 0; j < QREF_NR; j++)
        for (int t = 0; t < 4; t++) acc[i][j] += (int32_t)ai[t] * (int32_t)bg[j * 4 + t];
    }
  }
  for (int i = 0; i < QREF_MR; i++)
    for (int j = 0; j < QREF_NR; j++)
      c[i * QREF_NR + j] = (float)(acc[i][j] - dq->za[i] * dq->colsum[j]) * (dq->sa[i] * dq->sw[j]);
}

void qgemm_quant_ref(const float *x, const float *mu, int k, float inv, int32_t zero, uint8_t *q) {
  for (int i = 0; i < k; i++) {
    int v = (int)nearbyintf((mu ? x[i] - mu[i] : x[i]) * inv) + zero;
    q[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

void qgemm_range_ref(const float *x, const float *mu, int k, float *lo, float *hi) {
  float l = 0.0f, h = 0.0f;
  for (int i = 0; i < k; i++) {
    const float v = mu ? x[i] - mu[i] : x[i];
    l = v < l ? v : l;
    h = v > h ? v : h;
  }
  *lo = l;
  *hi = h;
}

const qgemm_kernel qgemm_kernel_ref = {
    .name = "ref",
    .mr = QREF_MR,
    .nr = QREF_NR,
    .w16 = 0,
    .mc = 64,
    .nc = 256,
    .micro = qref_micro,
    .range = qgemm_range_ref,
    .quant = qgemm_quant_ref,
};
