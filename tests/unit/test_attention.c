/*
 * test_attention.c - attention_f32() against a naive double-precision implementation written
 * here: padded batches (len < S, padding rows filled with NaN to prove they are never read or
 * written), ragged batches, len = 1 and len = 0, sequences longer than one query block, many
 * heads x head_dim combinations, padded leading dimensions; every kernel; bit-identical output
 * for 1..4 threads. The same for attention_alibi_f32() (JinaBERT's ALiBi bias -slope_h |i - j|),
 * with sequences long enough (700, 2000) that it shrinks its query blocks. A kernel's register
 * path for short sequences (attn_small) gives the general path's bits. attention_first_f32() (the
 * first query of each sequence only) gives attention_f32()'s first rows bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "check.h"
#include "nn/attention.h"
#include "nn/gemm.h"
#include "nn/kernel.h"

static int quick;
static uint64_t rng = 0x853c49e6748fea9bull;

static float frand(void) { /* uniform in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng >> 40) / (double)(1ull << 23) - 1.0);
}

#define OUT_SENTINEL -999.0f

/* ALiBi slopes of the cases being run (per head), or NULL for plain attention. */
static const float *alibi;
static const float slopes12[12] = {0.5f,        0.25f,       0.125f,      0.0625f,
                                   0.03125f,    0.015625f,   0.0078125f,  0.00390625f,
                                   0.70710678f, 0.35355339f, 0.17677670f, 0.08838835f};

typedef struct batch {
  int nseq, heads, hd, rows, ld_qkv, ld_out;
  int *start, *len;
  float *qkv, *out;
} batch;

/* padded: sequence b at rows b*S; ragged: packed back to back. */
static batch make_batch(int nseq, const int *lens, int padded, int heads, int hd) {
  batch bt = {nseq, heads, hd, 0, 3 * heads * hd + 5, heads * hd + 3, NULL, NULL, NULL, NULL};
  bt.start = malloc(sizeof(int) * nseq);
  bt.len = malloc(sizeof(int) * nseq);
  int smax = 1;
  for (int b = 0; b < nseq; b++) smax = lens[b] > smax ? lens[b] : smax;
  for (int b = 0; b < nseq; b++) {
    bt.start[b] = padded ? b * smax : bt.rows;
    bt.len[b] = lens[b];
    bt.rows = padded ? (b + 1) * smax : bt.rows + lens[b];
  }
  if (bt.rows == 0) bt.rows = 1;
  bt.qkv = malloc(sizeof(float) * bt.rows * bt.ld_qkv);
  bt.out = malloc(sizeof(float) * bt.rows * bt.ld_out);
  for (int i = 0; i < bt.rows * bt.ld_qkv; i++) bt.qkv[i] = NAN; /* never read */
  for (int i = 0; i < bt.rows * bt.ld_out; i++) bt.out[i] = OUT_SENTINEL;
  for (int b = 0; b < nseq; b++)
    for (int r = bt.start[b]; r < bt.start[b] + bt.len[b]; r++)
      for (int c = 0; c < 3 * heads * hd; c++) bt.qkv[(size_t)r * bt.ld_qkv + c] = frand() * 1.5f;
  return bt;
}

static void free_batch(batch *bt) {
  free(bt->start);
  free(bt->len);
  free(bt->qkv);
  free(bt->out);
}

/* Compares bt.out with a double-precision attention; checks untouched rows and padding. */
static void check_batch(const char *what, const batch *bt) {
  int bad = 0, width = bt->heads * bt->hd;
  double *p = malloc(sizeof(double) * (bt->rows + 1));
  char *real = calloc((size_t)bt->rows, 1);
  for (int b = 0; b < bt->nseq; b++) {
    int n = bt->len[b], s0 = bt->start[b];
    for (int r = s0; r < s0 + n; r++) real[r] = 1;
    for (int h = 0; h < bt->heads; h++)
      for (int i = 0; i < n; i++) {
        const float *q = bt->qkv + (size_t)(s0 + i) * bt->ld_qkv + h * bt->hd;
        double mx = -INFINITY, sum = 0.0;
        for (int j = 0; j < n; j++) {
          const float *k = bt->qkv + (size_t)(s0 + j) * bt->ld_qkv + width + h * bt->hd;
          double d = 0.0;
          for (int t = 0; t < bt->hd; t++) d += (double)q[t] * k[t];
          p[j] = d / sqrt((double)bt->hd) - (alibi ? (double)alibi[h] * abs(i - j) : 0.0);
          mx = fmax(mx, p[j]);
        }
        for (int j = 0; j < n; j++) sum += p[j] = exp(p[j] - mx);
        for (int t = 0; t < bt->hd; t++) {
          double o = 0.0, mag = 0.0;
          for (int j = 0; j < n; j++) {
            double v = bt->qkv[(size_t)(s0 + j) * bt->ld_qkv + 2 * width + h * bt->hd + t];
            o += p[j] / sum * v;
            mag += p[j] / sum * fabs(v);
          }
          float got = bt->out[(size_t)(s0 + i) * bt->ld_out + h * bt->hd + t];
          if (!(fabs(got - o) <= 4e-6 * mag + 2e-6 * fabs(o) + 1e-7) && bad++ < 3)
            fprintf(stderr, "%s: seq %d head %d query %d dim %d: %.9g, want %.9g\n", what, b, h, i,
                    t, (double)got, o);
        }
      }
  }
  for (int r = 0; r < bt->rows; r++)
    for (int c = real[r] ? width : 0; c < bt->ld_out; c++)
      if (bt->out[(size_t)r * bt->ld_out + c] != OUT_SENTINEL && bad++ < 3)
        fprintf(stderr, "%s: out[%d][%d] written\n", what, r, c);
  CHECK_MSG(bad == 0, "%s: %d bad values", what, bad);
  free(p);
  free(real);
}

static void run_case(const gemm_kernel *kern, pool *p, int nseq, const int *lens, int padded,
                     int heads, int hd) {
  batch bt = make_batch(nseq, lens, padded, heads, hd);
  int rc = attention_alibi_f32(p, kern, nseq, bt.start, bt.len, heads, hd, alibi, bt.qkv, bt.ld_qkv,
                               bt.out, bt.ld_out);
  CHECK(rc == 0);
  char what[128];
  snprintf(what, sizeof what, "%s%s %s nseq=%d heads=%d hd=%d", kern->name, alibi ? " alibi" : "",
           padded ? "padded" : "ragged", nseq, heads, hd);
  check_batch(what, &bt);
  free_batch(&bt);
}

static void test_kernel(const gemm_kernel *kern, pool *p) {
  static const int hh[][2] = {{1, 1}, {2, 3}, {12, 64}, {4, 32}, {3, 17}, {2, 80}};
  const int nhh = quick ? 5 : 6;
  const int lens_a[] = {20, 7, 1, 13, 0, 2};
  const int lens_b[] = {1};
  const int lens_c[] = {quick ? 140 : 300, 129, 5};
  for (int i = 0; i < nhh; i++) {
    if (quick && hh[i][0] == 12) continue;
    run_case(kern, p, 6, lens_a, 1, hh[i][0], hh[i][1]);
    run_case(kern, p, 6, lens_a, 0, hh[i][0], hh[i][1]);
    run_case(kern, p, 1, lens_b, 1, hh[i][0], hh[i][1]);
  }
  run_case(kern, p, 3, lens_c, 0, quick ? 1 : 2, 64);
  run_case(kern, p, 3, lens_c, 1, 3, 16);
  const int zero[] = {0, 0};
  run_case(kern, p, 2, zero, 1, 2, 8);
}

/* Bit-identical for 1..4 threads (with blocks of queries in play: len > 128). */
static void test_determinism(const gemm_kernel *kern) {
  const int lens[] = {quick ? 140 : 260, 64, 3, 128, 77};
  const int heads = quick ? 3 : 12;
  batch bt = make_batch(5, lens, 1, heads, 64);
  size_t bytes = sizeof(float) * bt.rows * bt.ld_out;
  float *ref = malloc(bytes);
  attention_alibi_f32(NULL, kern, 5, bt.start, bt.len, heads, 64, alibi, bt.qkv, bt.ld_qkv, bt.out,
                      bt.ld_out);
  memcpy(ref, bt.out, bytes);
  for (int t = 1; t <= 4; t++) {
    pool *p = pool_create(t);
    for (int i = 0; i < bt.rows * bt.ld_out; i++) bt.out[i] = OUT_SENTINEL;
    attention_alibi_f32(p, kern, 5, bt.start, bt.len, heads, 64, alibi, bt.qkv, bt.ld_qkv, bt.out,
                        bt.ld_out);
    CHECK_MSG(memcmp(ref, bt.out, bytes) == 0, "%s attention: %d threads differ", kern->name, t);
    pool_destroy(p);
  }
  free(ref);
  free_batch(&bt);
}

/* ALiBi: the same cases with 12 slopes (power-of-two and in-between ones), plus sequences long
 * enough for smaller query blocks, and thread invariance. */
static void test_alibi(const gemm_kernel *kern, pool *p) {
  alibi = slopes12;
  test_kernel(kern, p);
  const int lens_long[] = {quick ? 700 : 2000, 3, 700};
  run_case(kern, p, quick ? 1 : 3, lens_long, 0, 12, 16);
  run_case(kern, p, 2, lens_long + 1, 1, 3, 64);
  test_determinism(kern);
  /* Without per-thread scratch the keys and values of long sequences are packed into buffers of
   * their own instead of the calling thread's arena (gemm_scratch_kv): the same bits. */
  const int lens2[] = {quick ? 300 : 700, 5};
  batch bt = make_batch(2, lens2, 1, 12, 16);
  size_t bytes = sizeof(float) * (size_t)bt.rows * (size_t)bt.ld_out;
  float *ref = malloc(bytes);
  CHECK(attention_alibi_f32(p, kern, 2, bt.start, bt.len, 12, 16, alibi, bt.qkv, bt.ld_qkv, bt.out,
                            bt.ld_out) == 0);
  memcpy(ref, bt.out, bytes);
  for (int i = 0; i < bt.rows * bt.ld_out; i++) bt.out[i] = OUT_SENTINEL;
  gemm_debug_force_small(1);
  CHECK(attention_alibi_f32(p, kern, 2, bt.start, bt.len, 12, 16, alibi, bt.qkv, bt.ld_qkv, bt.out,
                            bt.ld_out) == 0);
  gemm_debug_force_small(0);
  CHECK_MSG(memcmp(ref, bt.out, bytes) == 0, "%s alibi: arena and own buffers differ", kern->name);
  free(ref);
  free_batch(&bt);
  alibi = NULL;
}

/* The kernel's register path for short sequences (attn_small) against the general one it
 * replaces, gemm_serial (Q K^T) + softmax + gemm_serial (P V) with the same kernel: bit for bit,
 * for every length it takes (1..64) and head sizes of 1 to 8 vectors; it refuses what it cannot
 * take without writing. */
static void test_attn_small(const gemm_kernel *kern) {
  static const int hds[] = {16, 32, 64, 80, 128};
  const int maxn = 65, ld = 3 * 128 + 7, ldo = 128 + 5;
  float *qkv = malloc(sizeof(float) * (size_t)maxn * ld);
  float *s = malloc(sizeof(float) * (size_t)maxn * maxn);
  float *ref = malloc(sizeof(float) * (size_t)maxn * ldo);
  float *got = malloc(sizeof(float) * (size_t)maxn * ldo);
  for (int i = 0; i < maxn * ld; i++) qkv[i] = frand() * (i % 7 == 0 ? 6.0f : 1.0f);
  int bad = 0, taken = 0;
  for (size_t h = 0; h < sizeof hds / sizeof hds[0]; h++) {
    const int hd = hds[h];
    const float *q = qkv, *k = qkv + 128, *v = qkv + 256, scale = 1.0f / sqrtf((float)hd);
    for (int n = 1; n <= maxn; n += (quick && n > 20 ? 7 : 1)) {
      for (int i = 0; i < maxn * ldo; i++) got[i] = ref[i] = OUT_SENTINEL;
      if (!kern->attn_small(n, hd, q, k, v, (size_t)ld, scale, got, (size_t)ldo)) {
        CHECK_MSG(n > 64, "%s attn_small refused n=%d hd=%d", kern->name, n, hd);
        for (int i = 0; i < maxn * ldo; i++) bad += got[i] != OUT_SENTINEL;
        continue;
      }
      taken++;
      gemm_serial(kern, 0, 1, n, n, hd, 1.0f, q, ld, k, ld, 0.0f, s, n);
      for (int r = 0; r < n; r++) kern->softmax(s + (size_t)r * n, (size_t)n, scale);
      gemm_serial(kern, 0, 0, n, hd, n, 1.0f, s, n, v, ld, 0.0f, ref, ldo);
      if (memcmp(ref, got, sizeof(float) * (size_t)maxn * ldo) != 0) {
        bad++;
        fprintf(stderr, "%s attn_small n=%d hd=%d differs from the general path\n", kern->name, n,
                hd);
      }
    }
  }
  CHECK_MSG(bad == 0, "%s attn_small: %d cases differ", kern->name, bad);
  CHECK(taken > 0);
  CHECK(!kern->attn_small(4, 24, qkv, qkv, qkv, (size_t)ld, 1.0f, got, (size_t)ldo));
  free(qkv);
  free(s);
  free(ref);
  free(got);
}

/* attention_first_f32: row b of its output is row start[b] of attention_f32's, bit for bit
 * (short sequences, which attn_small may take, and ones of several query blocks; a padded and a
 * ragged batch; on the pool and without), and nothing else is written. */
static void test_first(const gemm_kernel *kern, pool *p) {
  const int lens[] = {quick ? 140 : 261, 1, 64, 3, 129, 0, 77};
  const int nseq = 7, heads = 4, hd = 32;
  for (int padded = 0; padded < 2; padded++) {
    batch bt = make_batch(nseq, lens, padded, heads, hd);
    CHECK(attention_f32(p, kern, nseq, bt.start, bt.len, heads, hd, bt.qkv, bt.ld_qkv, bt.out,
                        bt.ld_out) == 0);
    float *first = malloc(sizeof(float) * (size_t)(nseq + 1) * (size_t)bt.ld_out);
    for (pool *q = NULL;; q = p) {
      for (int i = 0; i < (nseq + 1) * bt.ld_out; i++) first[i] = OUT_SENTINEL;
      CHECK(attention_first_f32(q, kern, nseq, bt.start, bt.len, heads, hd, bt.qkv, bt.ld_qkv,
                                first, bt.ld_out) == 0);
      int bad = 0;
      for (int b = 0; b < nseq; b++)
        for (int c = 0; c < bt.ld_out; c++) {
          float want = c < heads * hd && bt.len[b] > 0 ? bt.out[(size_t)bt.start[b] * bt.ld_out + c]
                                                       : OUT_SENTINEL;
          bad += memcmp(&first[(size_t)b * bt.ld_out + c], &want, sizeof want) != 0;
        }
      for (int c = 0; c < bt.ld_out; c++)
        bad += first[(size_t)nseq * bt.ld_out + c] != OUT_SENTINEL;
      CHECK_MSG(bad == 0,
                "%s attention_first %s%s: %d values differ from attention_f32's first rows",
                kern->name, padded ? "padded" : "ragged", q ? " on the pool" : "", bad);
      if (q) break;
    }
    free(first);
    free_batch(&bt);
  }
  const int one[] = {5};
  batch bt = make_batch(1, one, 0, 2, 8);
  CHECK(attention_first_f32(NULL, kern, 1, bt.start, bt.len, 2, 8, bt.qkv, 47, bt.out, bt.ld_out) ==
        BRASS_EINVAL);
  free_batch(&bt);
}

int main(void) {
  const char *q = getenv("BRASS_TEST_QUICK");
  quick = q && *q && strcmp(q, "0") != 0;
  static const char *const names[] = {"ref", "avx2", "avx512", "wasm"};
  pool *p = pool_create(3);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const gemm_kernel *kern = gemm_kernel_by_name(names[i]);
    if (!kern) continue;
    int before = check_failed;
    test_kernel(kern, p);
    test_determinism(kern);
    test_alibi(kern, p);
    if (kern->attn_small) test_attn_small(kern);
    test_first(kern, p);
    printf("kernel %s: %s\n", kern->name, check_failed == before ? "ok" : "FAILED");
  }
  /* NULL kernel means the default one */
  const int lens[] = {5};
  batch bt = make_batch(1, lens, 0, 2, 8);
  CHECK(attention_f32(NULL, NULL, 1, bt.start, bt.len, 2, 8, bt.qkv, bt.ld_qkv, bt.out,
                      bt.ld_out) == 0);
  check_batch("default kernel", &bt);
  /* bad sizes are refused */
  CHECK(attention_f32(NULL, NULL, 1, bt.start, bt.len, 2, 8, bt.qkv, 47, bt.out, bt.ld_out) ==
        BRASS_EINVAL);
  CHECK(attention_f32(NULL, NULL, 1, bt.start, bt.len, 2, 8, bt.qkv, bt.ld_qkv, bt.out, 15) ==
        BRASS_EINVAL);
  CHECK(attention_f32(NULL, NULL, 1, bt.start, bt.len, 0, 8, bt.qkv, bt.ld_qkv, bt.out, 16) ==
        BRASS_EINVAL);
  CHECK(attention_f32(NULL, NULL, 0, NULL, NULL, 2, 8, NULL, 0, NULL, 0) == 0);
  free_batch(&bt);
  pool_destroy(p);
  gemm_scratch_release();
  CHECK_DONE();
}
