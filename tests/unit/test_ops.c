/*
 * test_ops.c - erf/GELU, softmax, LayerNorm and L2 normalisation against double-precision
 * references computed here with libm: erf_f32 on a dense grid (max abs error printed and
 * bounded), every kernel's vectorised GELU and softmax (all tail lengths), LayerNorm with odd
 * widths, offsets and in-place use, bit-identical LayerNorm for 1..4 threads, and every
 * kernel's vectorised LayerNorm row bit-identical to the portable one (edge values included).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/kernel.h"
#include "nn/ops.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static float frand(void) { /* uniform in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng >> 40) / (double)(1ull << 23) - 1.0);
}

static double gelu_d(double x) {
  return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

static void test_erf(void) {
  double worst = 0.0, worst_x = 0.0;
  for (int i = -80000; i <= 80000; i++) { /* [-8, 8] in steps of 1e-4 */
    float x = (float)i * 1e-4f;
    double e = fabs((double)erf_f32(x) - erf((double)x));
    if (e > worst) worst = e, worst_x = x;
  }
  for (int i = 0; i < 100000; i++) { /* tiny and random arguments */
    float x = frand() * (i % 2 ? 4.5f : 1e-3f);
    double e = fabs((double)erf_f32(x) - erf((double)x));
    if (e > worst) worst = e, worst_x = x;
  }
  printf("erf_f32: max abs error %.3g (at x = %.6g)\n", worst, worst_x);
  CHECK_MSG(worst < 1.2e-7, "erf max abs error %g", worst);
  CHECK(erf_f32(INFINITY) == 1.0f && erf_f32(-INFINITY) == -1.0f);
  CHECK(erf_f32(30.0f) == 1.0f && erf_f32(-30.0f) == -1.0f);
  CHECK(isnan(erf_f32(NAN)));
  CHECK(fabsf(erf_f32(0.0f)) < 1e-8f);
  CHECK(erf_f32(-0.7f) == -erf_f32(0.7f));
}

/* One kernel's GELU over n values (n covers every tail length) vs double. */
static double gelu_check(const gemm_kernel *k, size_t n) {
  float *x = malloc(sizeof(float) * (n + 1)), *y = malloc(sizeof(float) * (n + 1));
  for (size_t i = 0; i < n; i++) x[i] = frand() * 7.0f;
  if (n > 3) x[0] = 0.0f, x[1] = -12.0f, x[2] = 12.0f;
  memcpy(y, x, sizeof(float) * n);
  y[n] = 777.0f; /* past the end: must stay */
  k->gelu(y, n);
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) {
    double want = gelu_d(x[i]), e = fabs(y[i] - want);
    double tol = 0.5 * fabs(x[i]) * 1.3e-7 + fabs(want) * 1.2e-7 + 1e-9;
    if (e / tol > worst) worst = e / tol;
    if (!(e <= tol))
      fprintf(stderr, "%s gelu(%.9g) = %.9g, want %.9g\n", k->name, (double)x[i], (double)y[i],
              want);
  }
  CHECK(y[n] == 777.0f);
  free(x);
  free(y);
  return worst;
}

/* One kernel's softmax over n values with a scale, vs double. */
static void softmax_check(const gemm_kernel *k, size_t n, float scale, float spread) {
  float *x = malloc(sizeof(float) * (n + 1));
  double *want = malloc(sizeof(double) * n);
  for (size_t i = 0; i < n; i++) x[i] = frand() * spread;
  x[n] = 777.0f;
  double mx = -INFINITY, sum = 0.0;
  for (size_t i = 0; i < n; i++) mx = fmax(mx, (double)scale * x[i]);
  for (size_t i = 0; i < n; i++) sum += want[i] = exp((double)scale * x[i] - mx);
  k->softmax(x, n, scale);
  double total = 0.0;
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    double w = want[i] / sum;
    total += x[i];
    /* float rounding of the exponent scale*x - max alone moves the result by |arg| * 6e-8 */
    double tol = w * (1e-6 + 1.2e-7 * fabs(log(want[i]))) + 1e-37;
    if (!(fabs(x[i] - w) <= tol) && bad++ < 3)
      fprintf(stderr, "%s softmax n=%zu [%zu] = %.9g, want %.9g\n", k->name, n, i, (double)x[i], w);
  }
  CHECK_MSG(bad == 0 && fabs(total - 1.0) < 1e-5 && x[n] == 777.0f, "%s softmax n=%zu", k->name, n);
  free(x);
  free(want);
}

static void test_kernels(void) {
  static const char *const names[] = {"ref", "avx2", "avx512", "wasm"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const gemm_kernel *k = gemm_kernel_by_name(names[i]);
    if (!k) continue;
    double worst = 0.0;
    for (size_t n = 0; n <= 40; n++) {
      double w = gelu_check(k, n);
      if (w > worst) worst = w;
    }
    double w = gelu_check(k, 100003);
    if (w > worst) worst = w;
    printf("%s gelu: worst error / bound = %.3f\n", k->name, worst);
    CHECK_MSG(worst <= 1.0, "%s gelu", k->name);
    for (size_t n = 1; n <= 70; n++) softmax_check(k, n, 1.0f, 5.0f);
    softmax_check(k, 128, 0.125f, 40.0f);
    softmax_check(k, 513, 1.0f, 30.0f);
    softmax_check(k, 1000, 0.5f, 0.001f);
    /* equal values, a huge spread (exp underflows to 0, no NaN) */
    float eq[7] = {3, 3, 3, 3, 3, 3, 3}, big[5] = {1000.0f, -1000.0f, 0.0f, 999.0f, -FLT_MAX};
    k->softmax(eq, 7, 1.0f);
    for (int j = 0; j < 7; j++) CHECK(fabsf(eq[j] - 1.0f / 7.0f) < 1e-7f);
    k->softmax(big, 5, 1.0f);
    CHECK(fabsf(big[0] - 0.7310586f) < 1e-6f && fabsf(big[3] - 0.2689414f) < 1e-6f);
    CHECK(big[1] == 0.0f && big[2] == 0.0f && big[4] == 0.0f);
  }
  /* the public entry points use the default kernel */
  float x[3] = {1.0f, 2.0f, 3.0f};
  softmax_f32(x, 3);
  CHECK(fabsf(x[0] + x[1] + x[2] - 1.0f) < 1e-6f && x[2] > x[1] && x[1] > x[0]);
  float g[2] = {1.0f, -1.0f};
  gelu_f32(g, 2);
  CHECK_NEAR(g[0], gelu_d(1.0), 2e-7);
  CHECK_NEAR(g[1], gelu_d(-1.0), 2e-7);
}

/* Each kernel's one-pass GEGLU gives the bits of its GELU followed by a float multiply, and the
 * public geglu_f32 those of gelu_f32 then the multiply (JinaBERT's feed-forward relies on it). */
static void test_geglu(void) {
  static const char *const names[] = {"ref", "avx2", "avx512", "wasm"};
  enum { N = 1000 };
  float *x = malloc(N * sizeof(float)), *g = malloc(N * sizeof(float));
  float *y0 = malloc(N * sizeof(float)), *y1 = malloc(N * sizeof(float));
  CHECK(x && g && y0 && y1);
  for (int i = 0; i < N; i++) {
    x[i] = (float)((i * 7919) % 2001 - 1000) / 150.0f; /* -6.7 .. 6.7 */
    g[i] = (float)((i * 104729) % 1999 - 999) / 333.0f;
  }
  for (size_t k = 0; k <= sizeof names / sizeof names[0]; k++) {
    const gemm_kernel *kern = k < 4 ? gemm_kernel_by_name(names[k]) : NULL;
    if (k < 4 && (!kern || !kern->geglu)) continue;
    for (size_t n = 0; n <= N; n += n < 40 ? 1 : 479) {
      memcpy(y0, x, n * sizeof(float));
      memcpy(y1, x, n * sizeof(float));
      if (kern) {
        kern->gelu(y0, n);
        for (size_t i = 0; i < n; i++) y0[i] *= g[i];
        kern->geglu(y1, g, n);
      } else {
        gelu_f32(y0, n);
        for (size_t i = 0; i < n; i++) y0[i] *= g[i];
        geglu_f32(y1, g, n);
      }
      CHECK_MSG(memcmp(y0, y1, n * sizeof(float)) == 0, "%s geglu n=%zu differs from gelu * g",
                kern ? names[k] : "geglu_f32", n);
    }
    printf("%s geglu: bit-identical to gelu then multiply\n", kern ? names[k] : "geglu_f32");
  }
  free(x);
  free(g);
  free(y0);
  free(y1);
}

static void layernorm_ref(int rows, int cols, const float *x, int ldx, const float *gamma,
                          const float *beta, double eps, double *y) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (size_t)r * ldx;
    double mean = 0.0, var = 0.0;
    for (int c = 0; c < cols; c++) mean += xr[c];
    mean /= cols;
    for (int c = 0; c < cols; c++) var += (xr[c] - mean) * (xr[c] - mean);
    var /= cols;
    for (int c = 0; c < cols; c++)
      y[(size_t)r * cols + c] = (xr[c] - mean) / sqrt(var + eps) * gamma[c] + beta[c];
  }
}

static void test_layernorm(void) {
  static const int widths[] = {1, 7, 33, 384, 768};
  pool *p = pool_create(2);
  for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
    int cols = widths[w], rows = 37, ld = cols + 3;
    for (int offset = 0; offset < 2; offset++) {
      float *x = malloc(sizeof(float) * rows * ld), *y = malloc(sizeof(float) * rows * ld);
      float *g = malloc(sizeof(float) * cols), *b = malloc(sizeof(float) * cols);
      double *want = malloc(sizeof(double) * rows * cols);
      for (int i = 0; i < rows * ld; i++) x[i] = frand() * 3.0f + (offset ? 1000.0f : 0.0f);
      for (int c = 0; c < cols; c++) g[c] = 1.0f + frand() * 0.5f, b[c] = frand();
      layernorm_ref(rows, cols, x, ld, g, b, 1e-12, want);
      layernorm_f32(p, rows, cols, x, ld, g, b, 1e-12f, y, ld);
      double worst = 0.0;
      for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
          worst = fmax(worst, fabs(y[(size_t)r * ld + c] - want[(size_t)r * cols + c]));
      CHECK_MSG(worst < 2e-6, "layernorm cols=%d offset=%d: error %g", cols, offset, worst);
      if (cols == 384) printf("layernorm 384 (offset %d): max abs error %.3g\n", offset, worst);
      /* in place gives the same bits */
      layernorm_f32(p, rows, cols, x, ld, g, b, 1e-12f, x, ld);
      int same = 1;
      for (int r = 0; r < rows; r++)
        same &= memcmp(x + (size_t)r * ld, y + (size_t)r * ld, sizeof(float) * cols) == 0;
      CHECK_MSG(same, "layernorm in place cols=%d", cols);
      free(x);
      free(y);
      free(g);
      free(b);
      free(want);
    }
  }
  /* a constant row: variance 0, output = beta */
  float cst[8] = {5, 5, 5, 5, 5, 5, 5, 5}, g1[8], b1[8], out[8];
  for (int c = 0; c < 8; c++) g1[c] = 2.0f, b1[c] = (float)c;
  layernorm_f32(NULL, 1, 8, cst, 8, g1, b1, 1e-5f, out, 8);
  for (int c = 0; c < 8; c++) CHECK(out[c] == (float)c);
  pool_destroy(p);

  /* bit-identical for 1..4 threads */
  int rows = 301, cols = 384;
  float *x = malloc(sizeof(float) * rows * cols), *g = malloc(sizeof(float) * cols);
  float *y0 = malloc(sizeof(float) * rows * cols), *y1 = malloc(sizeof(float) * rows * cols);
  for (int i = 0; i < rows * cols; i++) x[i] = frand() * 4.0f;
  for (int c = 0; c < cols; c++) g[c] = frand();
  layernorm_f32(NULL, rows, cols, x, cols, g, g, 1e-12f, y0, cols);
  for (int t = 1; t <= 4; t++) {
    pool *q = pool_create(t);
    layernorm_f32(q, rows, cols, x, cols, g, g, 1e-12f, y1, cols);
    CHECK_MSG(memcmp(y0, y1, sizeof(float) * rows * cols) == 0, "layernorm %d threads", t);
    pool_destroy(q);
  }
  free(x);
  free(g);
  free(y0);
  free(y1);
}

/* Each kernel's LayerNorm row gives layernorm_row_ref's bits: all tail lengths, model widths,
 * NULL gamma/beta, a large offset, denormals, zeros, huge values, inf and NaN. */
static void test_layernorm_kernels(void) {
  static const char *const names[] = {"ref", "avx2", "avx512", "wasm"};
  enum { MAXC = 1024 };
  float *x = malloc(sizeof(float) * MAXC), *g = malloc(sizeof(float) * MAXC);
  float *b = malloc(sizeof(float) * MAXC), *y0 = malloc(sizeof(float) * MAXC);
  float *y1 = malloc(sizeof(float) * MAXC);
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    const gemm_kernel *kern = gemm_kernel_by_name(names[k]);
    if (!kern || !kern->layernorm) continue;
    int checked = 0;
    for (int cols = 1; cols <= MAXC; cols = cols < 40 ? cols + 1 : cols * 2 - cols / 4) {
      for (int kind = 0; kind < 8; kind++) {
        for (int c = 0; c < cols; c++) {
          g[c] = 1.0f + frand() * 0.5f, b[c] = frand();
          float v = frand() * 3.0f;
          switch (kind) {
            case 1:
              v += 1000.0f;
              break; /* large common offset */
            case 2:
              v *= 1e-39f;
              break; /* denormals */
            case 3:
              v = c % 3 ? 0.0f : -0.0f;
              break; /* zero variance */
            case 4:
              v *= 1e30f;
              break; /* huge: variance overflows float */
            case 5:
              if (c == cols / 2) v = INFINITY;
              break;
            case 6:
              if (c == cols - 1) v = NAN;
              break;
            default:
              break;
          }
          x[c] = v;
        }
        const float *gg = kind == 7 ? NULL : g, *bb = kind == 7 ? NULL : b;
        layernorm_row_ref(cols, x, gg, bb, 1e-12f, y0);
        kern->layernorm(cols, x, gg, bb, 1e-12f, y1);
        int same = memcmp(y0, y1, sizeof(float) * (size_t)cols) == 0;
        CHECK_MSG(same, "%s layernorm row: cols=%d kind=%d differs from the portable row", names[k],
                  cols, kind);
        if (kern->layernorm2) { /* two rows at once: x and x reversed */
          float *xr = malloc(sizeof(float) * 3 * (size_t)cols), *yr = xr + cols, *y2 = yr + cols;
          for (int c = 0; c < cols; c++) xr[c] = x[cols - 1 - c], y1[c] = y2[c] = -1.0f;
          layernorm_row_ref(cols, xr, gg, bb, 1e-12f, yr);
          kern->layernorm2(cols, x, xr, gg, bb, 1e-12f, y1, y2);
          CHECK_MSG(memcmp(y0, y1, sizeof(float) * (size_t)cols) == 0 &&
                        memcmp(yr, y2, sizeof(float) * (size_t)cols) == 0,
                    "%s layernorm2: cols=%d kind=%d differs from the portable row", names[k], cols,
                    kind);
          free(xr);
        }
        /* in place */
        kern->layernorm(cols, x, gg, bb, 1e-12f, x);
        CHECK_MSG(memcmp(y0, x, sizeof(float) * (size_t)cols) == 0,
                  "%s layernorm row in place: cols=%d kind=%d", names[k], cols, kind);
        checked++;
      }
    }
    printf("layernorm row %s: %d rows bit-identical to the portable row\n", names[k], checked);
  }
  free(x);
  free(g);
  free(b);
  free(y0);
  free(y1);
}

static void test_l2(void) {
  float v[5] = {3.0f, 0.0f, -4.0f, 0.0f, 0.0f};
  l2_normalize_f32(v, 5);
  CHECK_NEAR(v[0], 0.6, 1e-7);
  CHECK_NEAR(v[2], -0.8, 1e-7);
  float z[3] = {0, 0, 0};
  l2_normalize_f32(z, 3);
  CHECK(z[0] == 0.0f && z[1] == 0.0f && z[2] == 0.0f);
  float r[384];
  double s = 0.0;
  for (int i = 0; i < 384; i++) r[i] = frand() * 1e-20f; /* tiny values: no underflow to 0 */
  l2_normalize_f32(r, 384);
  for (int i = 0; i < 384; i++) s += (double)r[i] * r[i];
  CHECK_NEAR(s, 1.0, 1e-6);
}

int main(void) {
  test_erf();
  test_kernels();
  test_layernorm();
  test_layernorm_kernels();
  test_geglu();
  test_l2();
  gemm_scratch_release();
  CHECK_DONE();
}
