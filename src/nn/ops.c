/*
 * ops.c - LayerNorm, softmax, GELU, erf and L2 normalisation (see ops.h).
 *
 * Softmax and GELU go through the default kernel's vectorised versions (kernel.h), which share
 * one erf/exp polynomial (mathpoly.h). LayerNorm takes mean and variance in double (two passes,
 * 8 interleaved partial sums the compiler can vectorise), so a large common offset in a row costs
 * no accuracy; the order of every sum is fixed by the code, so results never depend on threads.
 * A kernel may bring a vectorised row (kernel.h) that gives the same bits as layernorm_row_ref.
 * Rows are split over the pool in fixed chunks.
 */
#include "nn/ops.h"

#include <math.h>

#include "nn/kernel.h"
#include "nn/mathpoly.h"

#define LN_LANES 8
#define LN_ROWS_PER_TASK 16

float erf_f32(float x) {
  return mp_erf(x);
}

void gelu_f32(float *x, size_t n) {
  gemm_kernel_default()->gelu(x, n);
}

void geglu_f32(float *x, const float *g, size_t n) {
  const gemm_kernel *k = gemm_kernel_default();
  if (k->geglu) {
    k->geglu(x, g, n);
    return;
  }
  k->gelu(x, n);
  for (size_t i = 0; i < n; i++) x[i] *= g[i];
}

void softmax_f32(float *x, int n) {
  if (n > 0) gemm_kernel_default()->softmax(x, (size_t)n, 1.0f);
}

/* Sum of x[0..n) in double, as LN_LANES interleaved partial sums combined in a fixed order
 * (independent chains the compiler can vectorise; the order never depends on threads). */
static double sum_d(const float *x, int n) {
  double part[LN_LANES] = {0};
  int i = 0;
  for (; i + LN_LANES <= n; i += LN_LANES)
    for (int l = 0; l < LN_LANES; l++) part[l] += (double)x[i + l];
  for (int l = 0; i < n; i++, l++) part[l] += (double)x[i];
  double s = 0.0;
  for (int l = 0; l < LN_LANES; l++) s += part[l];
  return s;
}

/* Sum of (x[i] - mean)^2 the same way. */
static double sumsq_d(const float *x, int n, double mean) {
  double part[LN_LANES] = {0};
  int i = 0;
  for (; i + LN_LANES <= n; i += LN_LANES)
    for (int l = 0; l < LN_LANES; l++) {
      double d = (double)x[i + l] - mean;
      part[l] += d * d;
    }
  for (int l = 0; i < n; i++, l++) {
    double d = (double)x[i] - mean;
    part[l] += d * d;
  }
  double s = 0.0;
  for (int l = 0; l < LN_LANES; l++) s += part[l];
  return s;
}

typedef struct ln_job {
  int cols;
  const float *x;
  size_t ldx;
  const float *gamma, *beta;
  float eps;
  float *y;
  size_t ldy;
  void (*row)(int, const float *, const float *, const float *, float, float *);
  /* the kernel's layernorm2, or NULL: rows in pairs, each with row's bits */
  void (*pair)(int, const float *, const float *, const float *, const float *, float, float *,
               float *);
} ln_job;

void layernorm_row_ref(int cols, const float *x, const float *gamma, const float *beta, float eps,
                       float *y) {
  double mean = sum_d(x, cols) / cols;
  double var = sumsq_d(x, cols, mean) / cols;
  double rstd = 1.0 / sqrt(var + (double)eps);
  for (int c = 0; c < cols; c++) {
    float v = (float)(((double)x[c] - mean) * rstd);
    y[c] = v * (gamma ? gamma[c] : 1.0f) + (beta ? beta[c] : 0.0f);
  }
}

static void ln_rows(void *ctx, size_t begin, size_t end, int worker) {
  const ln_job *j = ctx;
  (void)worker;
  size_t r = begin;
  if (j->pair)
    for (; r + 2 <= end; r += 2)
      j->pair(j->cols, j->x + r * j->ldx, j->x + (r + 1) * j->ldx, j->gamma, j->beta, j->eps,
              j->y + r * j->ldy, j->y + (r + 1) * j->ldy);
  for (; r < end; r++)
    j->row(j->cols, j->x + r * j->ldx, j->gamma, j->beta, j->eps, j->y + r * j->ldy);
}

void layernorm_f32(pool *p, int rows, int cols, const float *x, int ldx, const float *gamma,
                   const float *beta, float eps, float *y, int ldy) {
  if (rows <= 0 || cols <= 0) return;
  const gemm_kernel *k = gemm_kernel_default();
  ln_job job = {cols,
                x,
                (size_t)ldx,
                gamma,
                beta,
                eps,
                y,
                (size_t)ldy,
                k->layernorm ? k->layernorm : layernorm_row_ref,
                k->layernorm2};
  pool_for(p, (size_t)rows, LN_ROWS_PER_TASK, ln_rows, &job);
}

void l2_normalize_f32(float *x, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
  if (s <= 0.0) return;
  double inv = 1.0 / sqrt(s);
  for (int i = 0; i < n; i++) x[i] = (float)((double)x[i] * inv);
}
