/*
 * test_qgemm.c - the int8 GEMM path (nn/qkernel.h): every compiled-in int8 kernel against the
 * portable one bit for bit (the integer sums are exact, so every kernel must give the same
 * floats), on odd and model shapes, with every epilogue and the residual aliasing C; against a
 * double-precision product of the unquantized floats within the quantization error bound;
 * bit-identical for 1..4 threads and for the allocation-free fallback; the rounding rule and
 * corner cases of the row quantizer; gemm_weight_pack_dtype() routing through gemm_linear();
 * gemm_weight_pack_int8_fix() and qgemm_weight_pack_fix(): activations centred on mu, W mu in
 * the bias, the same bits on every kernel, thread count and path.
 * BRASS_TEST_QUICK=1 shrinks the big shapes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "check.h"
#include "nn/gemm.h"
#include "nn/kernel.h"
#include "nn/qkernel.h"

static int quick;
static uint64_t rng = 0x243f6a8885a308d3ull;

static float frand(void) { /* uniform in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng >> 40) / (double)(1ull << 23) - 1.0);
}

static float *rand_buf(size_t n) {
  float *p = malloc(sizeof(float) * (n ? n : 1));
  for (size_t i = 0; i < n; i++) p[i] = frand();
  return p;
}

static const char *const qnames[] = {"ref", "avx2", "avx-vnni", "avx512-vnni", "wasm"};
#define NQ ((int)(sizeof qnames / sizeof qnames[0]))

/* C = A W^T (+ epilogue) through qk, with f32 kernel fk's epilogue; C is m x n with ld n + 3. */
static float *run_fk(const gemm_kernel *fk, const qgemm_kernel *qk, pool *p, int m, int n, int k,
                     const float *a, const float *w, const float *bias, int gelu, const float *res,
                     int res_in_c) {
  const int ldc = n + 3;
  float *c = malloc(sizeof(float) * (size_t)m * (size_t)ldc);
  for (size_t i = 0; i < (size_t)m * (size_t)ldc; i++) c[i] = res_in_c && res ? res[i] : 777.0f;
  qgemm_weight *qw = qgemm_weight_pack(qk, n, k, w, k);
  CHECK(qw != NULL);
  gemm_epilogue ep = {
      .bias = bias, .gelu = gelu, .residual = res_in_c ? c : res, .ld_residual = ldc};
  qgemm_linear(p, fk, m, a, k, qw, c, ldc, &ep);
  qgemm_weight_free(qw);
  return c;
}

/* run_fk with the ref f32 epilogue */
static float *run(const qgemm_kernel *qk, pool *p, int m, int n, int k, const float *a,
                  const float *w, const float *bias, int gelu, const float *res, int res_in_c) {
  return run_fk(&gemm_kernel_ref, qk, p, m, n, k, a, w, bias, gelu, res, res_in_c);
}

/* |C - A W^T - epilogue| within the quantization bound, padding untouched. */
static void check_accuracy(const char *what, int m, int n, int k, const float *a, const float *w,
                           const float *bias, const float *res, int res_in_c, const float *c) {
  const int ldc = n + 3;
  int bad = 0;
  for (int i = 0; i < m; i++) {
    double amax = 0;
    for (int kk = 0; kk < k; kk++) amax = fmax(amax, fabs(a[(size_t)i * k + kk]));
    for (int j = 0; j < n; j++) {
      double s = 0, wmax = 0;
      for (int kk = 0; kk < k; kk++) {
        s += (double)a[(size_t)i * k + kk] * w[(size_t)j * k + kk];
        wmax = fmax(wmax, fabs(w[(size_t)j * k + kk]));
      }
      if (bias) s += bias[j];
      if (res) s += res[(size_t)i * ldc + j];
      /* each factor is off by at most half a step (weights max / 254, activations up to
       * 2 max / 510, plus the zero point's rounding: one more half step) */
      double tol = (double)k * amax * wmax * (1.0 / 254 + 2.0 / 255 + 2.0 / (254.0 * 255)) + 1e-5;
      if (!(fabs(c[(size_t)i * ldc + j] - s) <= tol) && bad++ < 3)
        fprintf(stderr, "%s: C[%d][%d] = %g, want %g (tol %g)\n", what, i, j,
                (double)c[(size_t)i * ldc + j], s, tol);
    }
    for (int j = n; j < ldc; j++)
      if (c[(size_t)i * ldc + j] != (res_in_c ? res[(size_t)i * ldc + j] : 777.0f) && bad++ < 3)
        fprintf(stderr, "%s: padding C[%d][%d] was written\n", what, i, j);
  }
  CHECK_MSG(bad == 0, "%s: %d bad (m=%d n=%d k=%d)", what, bad, m, n, k);
}

static void shape_case(pool *p, int m, int n, int k) {
  const int ldc = n + 3;
  float *a = rand_buf((size_t)m * k), *w = rand_buf((size_t)n * k), *bias = rand_buf((size_t)n);
  float *res = rand_buf((size_t)m * ldc);
  /* an all-zero row and a row with one large value: scales 0 and dominated */
  if (m > 2) {
    memset(a + (size_t)k, 0, sizeof(float) * (size_t)k);
    a[2 * (size_t)k] = 40.0f;
  }
  for (int e = 0; e < 4; e++) {
    const float *b = (e & 1) ? bias : NULL;
    int gelu = e == 2, res_in_c = e == 3;
    const float *r = (e == 1 || e == 3) ? res : NULL;
    float *want = run(&qgemm_kernel_ref, p, m, n, k, a, w, b, gelu, r, res_in_c);
    char what[96];
    if (!gelu) {
      snprintf(what, sizeof what, "ref %dx%dx%d e%d", m, n, k, e);
      check_accuracy(what, m, n, k, a, w, b, r, res_in_c, want);
    }
    for (int q = 1; q < NQ; q++) {
      const qgemm_kernel *qk = qgemm_kernel_by_name(qnames[q]);
      if (!qk) continue;
      float *got = run(qk, p, m, n, k, a, w, b, gelu, r, res_in_c);
      CHECK_MSG(memcmp(got, want, sizeof(float) * (size_t)m * ldc) == 0,
                "%s differs from ref: m=%d n=%d k=%d epilogue %d", qk->name, m, n, k, e);
      free(got);
    }
    free(want);
  }
  free(a);
  free(w);
  free(bias);
  free(res);
}

/* Kernels with micro_epi finish whole tiles in registers when the f32 kernel is the one whose
 * epilogue they reproduce: the same bits as the tile + epilogue path (the allocation-free path
 * never fuses), for every epilogue combination, whole and partial tiles, and k = 384 (the
 * constant-stride copies) as well as odd k. */
static void fused_case(pool *p) {
  const qgemm_kernel *qk = qgemm_kernel_default();
  const gemm_kernel *fk = gemm_kernel_default();
  if (!qk->micro_epi) return;
  CHECK(qk->epi_f32_kernel && strcmp(qk->epi_f32_kernel, fk->name) == 0);
  static const int shapes[][3] = {{13, 40, 384}, {8, 16, 70}, {5, 33, 1536}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ldc = n + 3;
    float *a = rand_buf((size_t)m * k), *w = rand_buf((size_t)n * k), *bias = rand_buf((size_t)n);
    float *res = rand_buf((size_t)m * ldc);
    for (int e = 0; e < 8; e++) { /* bit 0 bias, bit 1 GELU, bit 2 residual (in C when e == 7) */
      const float *b = (e & 1) ? bias : NULL, *r = (e & 4) ? res : NULL;
      float *got = run_fk(fk, qk, p, m, n, k, a, w, b, e & 2, r, e == 7);
      qgemm_debug_force_slow(1);
      float *want = run_fk(fk, qk, NULL, m, n, k, a, w, b, e & 2, r, e == 7);
      qgemm_debug_force_slow(0);
      CHECK_MSG(memcmp(got, want, sizeof(float) * (size_t)m * ldc) == 0,
                "%s fused tiles differ: m=%d n=%d k=%d epilogue %d", qk->name, m, n, k, e);
      free(got);
      free(want);
    }
    free(a);
    free(w);
    free(bias);
    free(res);
  }
}

/* Same bits for 1..4 threads and for the allocation-free path, with the default kernel. */
static void threads_case(int m, int n, int k) {
  const int ldc = n + 3;
  float *a = rand_buf((size_t)m * k), *w = rand_buf((size_t)n * k), *bias = rand_buf((size_t)n);
  float *res = rand_buf((size_t)m * ldc);
  const qgemm_kernel *qk = qgemm_kernel_default();
  float *want = run(qk, NULL, m, n, k, a, w, bias, 1, res, 1);
  for (int t = 1; t <= 4; t++) {
    pool *p = pool_create(t);
    float *got = run(qk, p, m, n, k, a, w, bias, 1, res, 1);
    CHECK_MSG(memcmp(got, want, sizeof(float) * (size_t)m * ldc) == 0, "%d threads differ", t);
    free(got);
    pool_destroy(p);
  }
  qgemm_debug_force_slow(1);
  float *got = run(qk, NULL, m, n, k, a, w, bias, 1, res, 1);
  qgemm_debug_force_slow(0);
  CHECK_MSG(memcmp(got, want, sizeof(float) * (size_t)m * ldc) == 0, "slow path differs (%s)",
            qk->name);
  free(got);
  free(want);
  free(a);
  free(w);
  free(bias);
  free(res);
}

static void quantizer_case(void) {
  float x[7] = {0.5f, -1.0f, 0.25f, 1.0f / 254.0f, -1.0f / 254.0f, 0.0f, 1.0f};
  int8_t q[7];
  float s = qgemm_quantize_row(x, 7, q);
  CHECK_NEAR(s, 1.0f / 127.0f, 1e-9);
  CHECK(q[0] == 64 && q[1] == -127 && q[2] == 32 && q[5] == 0 && q[6] == 127);
  CHECK(q[3] == 1 && q[4] == -1); /* half a step rounds away from zero */
  /* activations: [-1, 1] onto 0..255, zero point 128 (127.5 rounded away from zero) */
  uint8_t u[7];
  int32_t z = -1;
  s = qgemm_quantize_act(&qgemm_kernel_ref, x, 7, u, &z);
  CHECK_NEAR(s, 2.0f / 255.0f, 1e-9);
  CHECK(z == 128 && u[1] == 0 && u[5] == 128 && u[6] == 255);
  /* one-sided rows use the whole range: GELU-like output */
  float g[4] = {0.0f, 2.0f, 1.0f, -0.0f};
  s = qgemm_quantize_act(&qgemm_kernel_ref, g, 4, u, &z);
  CHECK(z == 0 && u[1] == 255 && u[2] == 128 && u[0] == 0);
  float z3[3] = {0, 0, 0};
  CHECK(qgemm_quantize_row(z3, 3, q) == 0.0f && q[0] == 0 && q[2] == 0);
  CHECK(qgemm_quantize_act(&qgemm_kernel_ref, z3, 3, u, &z) == 0.0f && u[0] == 0 && z == 0);
  /* every kernel's vector range and quantizer give the ref's bytes, on every tail length */
  float row[100];
  for (int i = 0; i < 100; i++) row[i] = frand() * (i % 7 == 0 ? 3.0f : 1.0f);
  row[37] = 0.5f / (255.0f / (3.0f * 2)); /* exact halves are likely somewhere; not required */
  for (int q = 1; q < NQ; q++) {
    const qgemm_kernel *qk = qgemm_kernel_by_name(qnames[q]);
    if (!qk) continue;
    for (int k = 0; k <= 100; k += (k < 40 ? 1 : 13)) {
      uint8_t want[100], got[100];
      int32_t zw, zg;
      float sw = qgemm_quantize_act(&qgemm_kernel_ref, row, k, want, &zw);
      float sg = qgemm_quantize_act(qk, row, k, got, &zg);
      CHECK_MSG(sw == sg && zw == zg && memcmp(want, got, (size_t)k) == 0,
                "%s quantizes a row of %d differently", qk->name, k);
      if (!qk->quant16) continue;
      /* the int16 form: the same values, with and without a mean (row shifted by 0.3) */
      for (int c = 0; c < 2; c++) {
        const float *mu = c ? row + 1 : NULL;
        float lo, hi, inv;
        int32_t z16;
        qgemm_range_ref(row, mu, k, &lo, &hi);
        qgemm_act_params(lo, hi, &inv, &z16);
        qgemm_quant_ref(row, mu, k, inv, z16, want);
        int16_t got16[100];
        qk->quant16(row, mu, k, inv, z16, got16);
        int same = 1;
        for (int i = 0; i < k; i++) same &= got16[i] == want[i];
        CHECK_MSG(same, "%s quant16 differs from the bytes on a row of %d (mean %d)", qk->name, k,
                  c);
      }
    }
  }
}

/* The public route: an INT8 gemm_weight through gemm_linear(). */
static void public_case(pool *p) {
  const int m = 5, n = 33, k = 70;
  float *a = rand_buf((size_t)m * k), *w = rand_buf((size_t)n * k);
  gemm_weight *gw = gemm_weight_pack_dtype(gemm_kernel_default(), GEMM_INT8, n, k, w, k);
  CHECK(gw && gemm_weight_dtype(gw) == GEMM_INT8);
  CHECK(strcmp(gemm_weight_kernel_name(gw), qgemm_kernel_default()->name) == 0);
  float *c = malloc(sizeof(float) * m * (n + 3));
  for (int i = 0; i < m * (n + 3); i++) c[i] = 777.0f;
  gemm_linear(p, m, a, k, gw, c, n + 3, NULL);
  check_accuracy("gemm_linear int8", m, n, k, a, w, NULL, NULL, 0, c);
  /* F32 stays F32 */
  gemm_weight *fw = gemm_weight_pack_dtype(gemm_kernel_default(), GEMM_F32, n, k, w, k);
  CHECK(fw && gemm_weight_dtype(fw) == GEMM_F32);
  /* a quarter of f32's bytes (w16 kernels: a half), plus per-column scales and sums */
  CHECK(gemm_weight_bytes(gw) * (qgemm_kernel_default()->w16 ? 3 : 6) < gemm_weight_bytes(fw) * 2);
  CHECK(gemm_weight_pack_dtype(gemm_kernel_default(), (gemm_dtype)7, n, k, w, k) == NULL);
  gemm_weight_free(gw);
  gemm_weight_free(fw);
  free(c);
  free(a);
  free(w);
}

/* The mean correction: fix[j] gains sum_k w[j][k] mu[k]; the packed weights are those of the
 * plain pack; activation rows are quantized as x - mu, the same integers on every kernel, every
 * thread count and the allocation-free path (k = 700 crosses the shift's 256-value chunks); a row
 * equal to mu gives exactly bias + W mu, nearer the f32 product than the plain int8 one. */
static void correction_case(void) {
  const int n = 48, k = 700, m = 21;
  float *w = rand_buf((size_t)n * k), *mu = rand_buf((size_t)k), fix[48], zero[48] = {0};
  float *a = rand_buf((size_t)m * k), *bias = rand_buf((size_t)n);
  for (int i = 0; i < k; i++) mu[i] = 0.5f + 0.25f * mu[i]; /* a one-sided mean, as GELU's */
  for (int r = 0; r < m; r++)
    for (int i = 0; i < k; i++) a[(size_t)r * k + i] += mu[i];
  memcpy(a, mu, sizeof(float) * k);              /* row 0 is the mean itself */
  for (int j = 0; j < n; j++) fix[j] = (float)j; /* added to, not overwritten */
  gemm_weight *plain = gemm_weight_pack_dtype(gemm_kernel_default(), GEMM_INT8, n, k, w, k);
  gemm_weight *fixed = gemm_weight_pack_int8_fix(gemm_kernel_default(), n, k, w, k, mu, fix);
  CHECK(plain && fixed && gemm_weight_dtype(fixed) == GEMM_INT8);
  CHECK(gemm_weight_pack_int8_fix(gemm_kernel_default(), n, k, w, k, mu, NULL) == NULL);
  CHECK(gemm_weight_bytes(fixed) == gemm_weight_bytes(plain) + sizeof(float) * k);
  for (int j = 0; j < n; j++) {
    double e = 0.0;
    for (int i = 0; i < k; i++) e += (double)w[(size_t)j * k + i] * mu[i];
    CHECK(fabs((double)fix[j] - j - e) <= 1e-5 * (1.0 + fabs(e)));
    fix[j] -= (float)j;
  }
  float *c0 = malloc(sizeof(float) * (size_t)m * n), *c1 = malloc(sizeof(float) * (size_t)m * n);
  gemm_epilogue e0 = {.bias = zero}, e1 = {.bias = fix};
  gemm_linear(NULL, 1, a, k, plain, c0, n, &e0);
  gemm_linear(NULL, 1, a, k, fixed, c1, n, &e1);
  double err0 = 0.0, err1 = 0.0;
  for (int j = 0; j < n; j++) {
    CHECK(c1[j] == fix[j]); /* mu - mu quantizes to zero: the product is the bias alone */
    double ref = 0.0;
    for (int i = 0; i < k; i++) ref += (double)w[(size_t)j * k + i] * mu[i];
    err0 += (c0[j] - ref) * (c0[j] - ref);
    err1 += (c1[j] - ref) * (c1[j] - ref);
  }
  fprintf(stderr, "mean correction: squared error at mu %.3g -> %.3g\n", err0, err1);
  CHECK(err1 < 0.01 * err0);
  /* every kernel, 1..3 threads and the slow path: the bits of the ref kernel on one thread */
  const int ldc = n + 3;
  float *want = NULL;
  for (int q = 0; q < NQ; q++) {
    const qgemm_kernel *qk = qgemm_kernel_by_name(qnames[q]);
    if (!qk) continue;
    for (int t = 1; t <= 4; t++) {
      pool *p = t > 1 && t < 4 ? pool_create(t) : NULL;
      float *c = malloc(sizeof(float) * (size_t)m * ldc), f2[48];
      memcpy(f2, zero, sizeof f2);
      qgemm_weight *qw = qgemm_weight_pack_fix(qk, n, k, w, k, mu, f2);
      CHECK(qw != NULL);
      for (int j = 0; j < n; j++) f2[j] += bias[j];
      gemm_epilogue ep = {.bias = f2, .gelu = 1};
      if (t == 4) qgemm_debug_force_slow(1);
      qgemm_linear(p, &gemm_kernel_ref, m, a, k, qw, c, ldc, &ep);
      qgemm_debug_force_slow(0);
      if (!want)
        want = c;
      else {
        int same = 1;
        for (int r = 0; r < m; r++)
          same &= memcmp(c + (size_t)r * ldc, want + (size_t)r * ldc, sizeof(float) * n) == 0;
        CHECK_MSG(same, "mean-centred int8 differs: kernel %s, %s", qk->name,
                  t == 4  ? "slow path"
                  : t > 1 ? "threads"
                          : "1 thread");
        free(c);
      }
      qgemm_weight_free(qw);
      if (p) pool_destroy(p);
    }
  }
  free(want);
  gemm_weight_free(plain);
  gemm_weight_free(fixed);
  free(c0);
  free(c1);
  free(a);
  free(bias);
  free(mu);
  free(w);
}

int main(void) {
  quick = getenv("BRASS_TEST_QUICK") != NULL;
  for (int q = 0; q < NQ; q++) {
    const qgemm_kernel *qk = qgemm_kernel_by_name(qnames[q]);
    printf("int8 kernel %-12s %s\n", qnames[q], qk ? "tested" : "not available here");
    if (qk)
      CHECK(qk->mr <= QGEMM_MR_MAX && qk->nr <= QGEMM_NR_MAX && qk->mr * qk->nr <= QGEMM_TILE_MAX);
  }
  printf("default int8 kernel: %s\n", qgemm_kernel_default()->name);
  quantizer_case();
  pool *p = pool_create(2);
  static const int shapes[][3] = {{1, 1, 1},      {3, 5, 7},       {7, 17, 3},
                                  {13, 49, 33},   {9, 48, 64},     {17, 100, 129},
                                  {33, 384, 384}, {20, 1536, 384}, {40, 384, 1536}};
  int nshapes = (int)(sizeof shapes / sizeof shapes[0]) - (quick ? 2 : 0);
  for (int s = 0; s < nshapes; s++) shape_case(p, shapes[s][0], shapes[s][1], shapes[s][2]);
  threads_case(quick ? 29 : 77, 131, 200);
  threads_case(19, 64, 1100); /* k past any stack buffer */
  /* many row blocks, each quantized by the tasks that share it */
  threads_case(quick ? 150 : 300, 24, 70);
  public_case(p);
  fused_case(p);
  correction_case();
  pool_destroy(p);
  CHECK_DONE();
}
