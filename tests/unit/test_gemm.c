/*
 * test_gemm.c - every compiled-in SGEMM kernel against a naive double-precision triple loop:
 * gemm_linear() on many shapes (odd, edge, K = 1, K across several k-blocks), every epilogue
 * combination, padded leading dimensions (padding must stay untouched), residual aliasing C;
 * gemm_serial() in all four transpose combinations with alpha/beta; bit-identical results for
 * 1..4 threads and for the stack-only fallback path; weights packed from W^T (gemm_weight_pack_t)
 * equal to packed from W. BRASS_TEST_QUICK=1 shrinks the big shapes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "check.h"
#include "nn/gemm.h"
#include "nn/kernel.h"

static int quick;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(void) { /* uniform in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng >> 40) / (double)(1ull << 23) - 1.0);
}

static float *rand_buf(size_t n) {
  float *p = malloc(sizeof(float) * (n ? n : 1));
  for (size_t i = 0; i < n; i++) p[i] = frand();
  return p;
}

static double gelu_d(double x) {
  return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

#define SENTINEL 12345.0f

/* Checks C (m x n, ld ldc) against the double reference with an error bound proportional to
 * sum |a||w|; padding columns n..ldc-1 must still hold SENTINEL. Returns the worst ratio. */
static double check_linear(const char *what, int m, int n, int k, const float *a, int lda,
                           const float *w, const float *bias, int gelu, const float *res0, int ldr,
                           const float *c, int ldc) {
  double worst = 0.0;
  int bad = 0;
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      double s = 0.0, mag = 0.0;
      for (int kk = 0; kk < k; kk++) {
        double p = (double)a[(size_t)i * lda + kk] * (double)w[(size_t)j * k + kk];
        s += p;
        mag += fabs(p);
      }
      if (bias) {
        s += bias[j];
        mag += fabs(bias[j]);
      }
      if (gelu) s = gelu_d(s);
      if (res0) {
        s += res0[(size_t)i * ldr + j];
        mag += fabs(res0[(size_t)i * ldr + j]);
      }
      double tol = (double)(k + 4) * 1.2e-7 * mag + 2e-7;
      double err = fabs((double)c[(size_t)i * ldc + j] - s);
      if (err / tol > worst) worst = err / tol;
      if (!(err <= tol) && bad++ < 3)
        fprintf(stderr, "%s: C[%d][%d] = %.9g, want %.9g (tol %g)\n", what, i, j,
                (double)c[(size_t)i * ldc + j], s, tol);
    }
    for (int j = n; j < ldc; j++)
      if (c[(size_t)i * ldc + j] != SENTINEL && bad++ < 3)
        fprintf(stderr, "%s: padding C[%d][%d] was written\n", what, i, j);
  }
  CHECK_MSG(bad == 0, "%s: %d bad elements (m=%d n=%d k=%d)", what, bad, m, n, k);
  return worst;
}

/* One gemm_linear case with the given epilogue flags; residual either separate or C itself. */
static void linear_case(const gemm_kernel *kern, pool *p, int m, int n, int k, int use_bias,
                        int gelu, int use_res, int res_in_c) {
  int lda = k + 3, ldc = n + 5;
  float *a = rand_buf((size_t)m * lda), *w = rand_buf((size_t)n * k + 1);
  float *bias = use_bias ? rand_buf((size_t)n) : NULL;
  float *c = malloc(sizeof(float) * (size_t)m * ldc);
  float *res = NULL;
  int ldr = n + 2;
  if (use_res) res = rand_buf((size_t)m * (res_in_c ? ldc : ldr));
  for (size_t i = 0; i < (size_t)m * ldc; i++) c[i] = SENTINEL;
  if (res_in_c) { /* residual lives in C, padding stays SENTINEL */
    ldr = ldc;
    for (int i = 0; i < m; i++)
      memcpy(c + (size_t)i * ldc, res + (size_t)i * ldc, sizeof(float) * n);
    for (int i = 0; i < m; i++)
      for (int j = n; j < ldc; j++) res[(size_t)i * ldc + j] = SENTINEL;
  }
  gemm_weight *pw = gemm_weight_pack(kern, n, k, w, k);
  CHECK(pw != NULL);
  if (!pw) return;
  CHECK(gemm_weight_n(pw) == n && gemm_weight_k(pw) == k && gemm_weight_kernel(pw) == kern);
  CHECK(gemm_weight_bytes(pw) >= sizeof(float) * (size_t)n * k);
  gemm_epilogue ep = {bias, gelu, use_res ? (res_in_c ? c : res) : NULL, ldr};
  gemm_linear(p, m, a, lda, pw, c, ldc, &ep);
  char what[160];
  snprintf(what, sizeof what, "%s linear %dx%dx%d bias=%d gelu=%d res=%d%s", kern->name, m, n, k,
           use_bias, gelu, use_res, res_in_c ? "(in C)" : "");
  check_linear(what, m, n, k, a, lda, w, bias, gelu, res, ldr, c, ldc);
  gemm_weight_free(pw);
  free(a);
  free(w);
  free(bias);
  free(c);
  free(res);
}

static void test_linear_shapes(const gemm_kernel *kern, pool *p) {
  static const int shapes[][3] = {
      {1, 1, 1},     {7, 13, 5},   {1, 1, 384},  {13, 37, 1},   {33, 65, 100},
      {5, 17, 1000}, {25, 33, 17}, {11, 64, 64}, {49, 97, 385}, {64, 48, 769},
      {3, 200, 2},   {97, 31, 31}, {2, 1, 7},    {1, 129, 3},
  };
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    linear_case(kern, p, shapes[s][0], shapes[s][1], shapes[s][2], 0, 0, 0, 0);
  /* every epilogue combination, on a shape with edges in both m and n and several k-blocks */
  for (int e = 0; e < 8; e++) {
    linear_case(kern, p, 29, 45, 70, e & 1, (e >> 1) & 1, (e >> 2) & 1, 0);
    linear_case(kern, p, 37, 70, 900, e & 1, (e >> 1) & 1, (e >> 2) & 1, 0);
  }
  /* residual aliasing C: one k-block and several */
  for (int g = 0; g < 2; g++) {
    linear_case(kern, p, 31, 50, 40, 1, g, 1, 1);
    linear_case(kern, p, 31, 50, 1000, 1, g, 1, 1);
  }
  /* the model's shapes, one tall one */
  int m = quick ? 40 : 150;
  linear_case(kern, p, m, 1152, 384, 1, 0, 0, 0);
  linear_case(kern, p, m, 384, 1536, 1, 0, 1, 1);
  if (!quick) linear_case(kern, p, m, 1536, 384, 1, 1, 0, 0);
}

/* K = 0: C is the epilogue of zeros. */
static void test_linear_k0(const gemm_kernel *kern) {
  float bias[3] = {1.0f, -2.0f, 0.5f}, c[6];
  gemm_weight *pw = gemm_weight_pack(kern, 3, 0, NULL, 0);
  CHECK(pw != NULL);
  if (!pw) return;
  gemm_epilogue ep = {bias, 0, NULL, 0};
  gemm_linear(NULL, 2, NULL, 0, pw, c, 3, &ep);
  for (int i = 0; i < 6; i++) CHECK(c[i] == bias[i % 3]);
  gemm_weight_free(pw);
  CHECK(gemm_weight_pack(kern, 0, 4, bias, 4) == NULL);
  CHECK(gemm_weight_pack(kern, 2, 4, bias, 3) == NULL); /* ldw < k */
}

/* gemm_weight_pack_t(_in) from W^T gives the products of gemm_weight_pack(_in) from W, bit for
 * bit, for widths around the panel width (attention packs its values this way). */
static void test_pack_t(const gemm_kernel *kern) {
  static const int shapes[][2] = {{64, 200}, {1, 7}, {33, 1}, {31, 130}, {65, 64}}; /* n, k */
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const int n = shapes[s][0], k = shapes[s][1], m = 13, ldt = n + 3;
    float *w = rand_buf((size_t)n * k), *a = rand_buf((size_t)m * k);
    float *wt = calloc((size_t)k * ldt, sizeof(float));
    float *c0 = calloc((size_t)m * n, sizeof(float)), *c1 = calloc((size_t)m * n, sizeof(float));
    float *c2 = calloc((size_t)m * n, sizeof(float));
    for (int r = 0; r < n; r++)
      for (int c = 0; c < k; c++) wt[(size_t)c * ldt + r] = w[(size_t)r * k + c];
    size_t bytes = gemm_weight_pack_size(kern, n, k);
    void *mem = aligned_alloc(64, (bytes + 63) / 64 * 64);
    gemm_weight *p0 = gemm_weight_pack(kern, n, k, w, k),
                *p1 = gemm_weight_pack_t(kern, n, k, wt, ldt);
    gemm_weight *p2 = gemm_weight_pack_t_in(mem, kern, n, k, wt, ldt);
    CHECK(p0 && p1 && p2);
    if (p0 && p1 && p2) {
      gemm_linear(NULL, m, a, k, p0, c0, n, NULL);
      gemm_linear(NULL, m, a, k, p1, c1, n, NULL);
      gemm_linear(NULL, m, a, k, p2, c2, n, NULL);
      CHECK_MSG(
          memcmp(c0, c1, sizeof(float) * m * n) == 0 && memcmp(c0, c2, sizeof(float) * m * n) == 0,
          "%s pack_t n=%d k=%d differs from pack", kern->name, n, k);
    }
    CHECK(gemm_weight_pack_t(kern, n, k, wt, n - 1) == NULL); /* ldwt < n */
    gemm_weight_free(p0);
    gemm_weight_free(p1);
    free(mem);
    free(w);
    free(a);
    free(wt);
    free(c0);
    free(c1);
    free(c2);
  }
}

/* Bit-identical results for 1..4 threads and for the stack-only fallback. */
static void test_determinism(const gemm_kernel *kern) {
  int m = quick ? 61 : 203, n = 1152, k = 384;
  float *a = rand_buf((size_t)m * k), *w = rand_buf((size_t)n * k), *bias = rand_buf((size_t)n);
  float *res = rand_buf((size_t)m * n);
  size_t bytes = sizeof(float) * (size_t)m * n;
  float *c0 = malloc(bytes), *c1 = malloc(bytes);
  gemm_weight *pw = gemm_weight_pack(kern, n, k, w, k);
  gemm_epilogue ep = {bias, 1, res, n};
  gemm_linear(NULL, m, a, k, pw, c0, n, &ep);
  for (int t = 1; t <= 4; t++) {
    pool *p = pool_create(t);
    CHECK(p != NULL);
    memset(c1, 0, bytes);
    gemm_linear(p, m, a, k, pw, c1, n, &ep);
    CHECK_MSG(memcmp(c0, c1, bytes) == 0, "%s: %d threads differ", kern->name, t);
    pool_destroy(p);
  }
  /* stack-only fallback, with k spanning several k-blocks and residual in C */
  gemm_weight *pw2 = gemm_weight_pack(kern, 96, 1000, w, 1000);
  float *a2 = rand_buf((size_t)37 * 1000);
  size_t bytes2 = sizeof(float) * 37 * 96;
  float *d0 = malloc(bytes2), *d1 = malloc(bytes2);
  memcpy(d0, res, bytes2);
  memcpy(d1, res, bytes2);
  gemm_epilogue ep2 = {bias, 1, d0, 96};
  gemm_linear(NULL, 37, a2, 1000, pw2, d0, 96, &ep2);
  gemm_debug_force_small(1);
  ep2.residual = d1;
  gemm_linear(NULL, 37, a2, 1000, pw2, d1, 96, &ep2);
  gemm_debug_force_small(0);
  CHECK_MSG(memcmp(d0, d1, bytes2) == 0, "%s: fallback path differs", kern->name);
  gemm_weight_free(pw2);
  free(a2);
  free(d0);
  free(d1);
  gemm_weight_free(pw);
  free(a);
  free(w);
  free(bias);
  free(res);
  free(c0);
  free(c1);
}

/* gemm_serial: C = alpha op(A) op(B) + beta C for all transposes, vs double. */
static void serial_case(const gemm_kernel *kern, int ta, int tb, int m, int n, int k, float alpha,
                        float beta, int small) {
  int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
  int arows = ta ? k : m, brows = tb ? n : k;
  float *a = rand_buf((size_t)arows * lda + 1), *b = rand_buf((size_t)brows * ldb + 1);
  float *c = rand_buf((size_t)m * ldc), *c0 = malloc(sizeof(float) * (size_t)m * ldc);
  if (beta == 0.0f) /* beta == 0 must ignore C, even NaN */
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = NAN;
  memcpy(c0, c, sizeof(float) * (size_t)m * ldc);
  gemm_debug_force_small(small);
  gemm_serial(kern, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  gemm_debug_force_small(0);
  int bad = 0;
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      double s = 0.0, mag = 0.0;
      for (int kk = 0; kk < k; kk++) {
        double x = ta ? a[(size_t)kk * lda + i] : a[(size_t)i * lda + kk];
        double y = tb ? b[(size_t)j * ldb + kk] : b[(size_t)kk * ldb + j];
        s += x * y;
        mag += fabs(x * y);
      }
      double want = alpha * s, old = c0[(size_t)i * ldc + j];
      mag = fabs(alpha) * mag;
      if (beta != 0.0f) {
        want += beta * old;
        mag += fabs(beta * old);
      }
      double tol = (double)(k + 3) * 1.2e-7 * mag + 1e-7;
      if (!(fabs(c[(size_t)i * ldc + j] - want) <= tol) && bad++ < 3)
        fprintf(stderr, "%s serial ta=%d tb=%d %dx%dx%d: C[%d][%d] = %g, want %g\n", kern->name, ta,
                tb, m, n, k, i, j, (double)c[(size_t)i * ldc + j], want);
    }
    for (int j = n; j < ldc; j++)
      if (c[(size_t)i * ldc + j] != c0[(size_t)i * ldc + j]) bad++;
  }
  CHECK_MSG(bad == 0, "%s serial ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g small=%d", kern->name,
            ta, tb, m, n, k, (double)alpha, (double)beta, small);
  free(a);
  free(b);
  free(c);
  free(c0);
}

static void test_serial(const gemm_kernel *kern) {
  static const int shapes[][3] = {{1, 1, 1}, {7, 13, 5},  {64, 100, 64}, {33, 64, 129},
                                  {5, 3, 0}, {17, 70, 1}, {100, 64, 300}};
  for (int t = 0; t < 4; t++)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
      serial_case(kern, t & 1, t >> 1, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, 0.0f, 0);
      serial_case(kern, t & 1, t >> 1, shapes[s][0], shapes[s][1], shapes[s][2], 0.125f, 1.0f, 0);
      serial_case(kern, t & 1, t >> 1, shapes[s][0], shapes[s][1], shapes[s][2], -0.5f, 0.75f, 1);
    }
}

int main(void) {
  const char *q = getenv("BRASS_TEST_QUICK");
  quick = q && *q && strcmp(q, "0") != 0;
  static const char *const names[] = {"ref", "avx2", "avx512", "wasm"};
  const gemm_kernel *def = gemm_kernel_default();
  CHECK(def != NULL);
  CHECK(strcmp(brass_kernel_name(), gemm_kernel_name(def)) == 0);
  CHECK(gemm_kernel_by_name("no-such-kernel") == NULL);
  CHECK(gemm_kernel_by_name("ref") != NULL);
  printf("default kernel: %s\n", brass_kernel_name());
  pool *p = pool_create(2);
  CHECK(p != NULL);
  int tested = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const gemm_kernel *kern = gemm_kernel_by_name(names[i]);
    if (!kern) {
      printf("kernel %s: not available here\n", names[i]);
      continue;
    }
    tested++;
    CHECK(kern->mr >= 1 && kern->mr <= GEMM_MR_MAX && kern->nr >= 1 && kern->nr <= GEMM_NR_MAX);
    CHECK(kern->mr * kern->nr <= GEMM_TILE_MAX);
    int before = check_failed;
    test_linear_shapes(kern, p);
    test_linear_k0(kern);
    test_determinism(kern);
    test_serial(kern);
    test_pack_t(kern);
    printf("kernel %s (%dx%d): %s\n", kern->name, kern->mr, kern->nr,
           check_failed == before ? "ok" : "FAILED");
  }
  CHECK(tested >= 1);
  pool_destroy(p);
  gemm_scratch_release();
  CHECK_DONE();
}
