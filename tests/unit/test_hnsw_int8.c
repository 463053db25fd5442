/*
 * test_hnsw_int8.c - int8 vectors in the HNSW index (src/index/hnsw_dot8*.c, HNSW_VEC_INT8): every
 * int8 kernel this machine runs against the portable reference (exact int32 sums, extreme codes
 * included), BRASS_KERNEL capping the choice at each level, the quantiser's error bound, recall@10
 * of an int8 index against exact float32 search on clustered vectors, serialise -> load ->
 * identical answers, corrupt int8 buffers refused, the float32 format unchanged (version 1), the
 * memory and byte sizes against a float32 index, removal and rebuild. BRASS_TEST_QUICK=1 shrinks
 * the sizes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "index/hnsw.h"
#include "index/hnsw_dot8.h"
#include "index/hnsw_internal.h"
#include "../rand_gauss.h"
#include "base/cpu.h"

static int quick;

/* n vectors of dim around n / 50 random centres plus Gaussian noise of about the centre's norm. */
static float *clustered(size_t n, int dim, uint64_t seed) {
  size_t nc = n / 50 > 4 ? n / 50 : 4;
  float *c = malloc(nc * (size_t)dim * sizeof *c), *x = malloc(n * (size_t)dim * sizeof *x);
  for (size_t i = 0; i < nc * (size_t)dim; i++) c[i] = rng_gauss(&seed);
  for (size_t i = 0; i < n; i++) {
    const float *ci = c + (rng_next(&seed) % nc) * (size_t)dim;
    for (int j = 0; j < dim; j++) x[i * (size_t)dim + j] = ci[j] + 0.8f * rng_gauss(&seed);
  }
  free(c);
  return x;
}

static double dot_norm(const float *a, const float *b, int dim) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < dim; i++)
    ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
  return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

static hnsw *make(int dim, int vectors) {
  hnsw_params p;
  hnsw_params_init(&p, dim);
  p.vectors = vectors;
  hnsw *h = NULL;
  brass_error err;
  CHECK(hnsw_create(&p, &h, &err) == 0);
  return h;
}

/* ---- kernels ---- */

static void test_kernels(void) {
  hnsw_dot8_fn fns[5];
  const char *names[5];
  int nf = 0;
#if defined(__EMSCRIPTEN__)
  fns[nf] = hnsw_dot8_wasm, names[nf++] = "wasm";
#elif defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) fns[nf] = hnsw_dot8_avx2, names[nf++] = "avx2";
  if (cpu_detect()->avx_vnni) fns[nf] = hnsw_dot8_avxvnni, names[nf++] = "avx-vnni";
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw"))
    fns[nf] = hnsw_dot8_avx512vnni, names[nf++] = "avx512-vnni";
#endif
  uint64_t seed = 7;
  int8_t *a = aligned_alloc(64, 4096), *b = aligned_alloc(64, 4096);
  for (int trial = 0; trial < 200; trial++) {
    size_t n = 64 * (1 + rng_next(&seed) % 64);
    int mode = trial % 4; /* 0 random, 1 all +127/-127 extremes, 2 one side zero, 3 mixed sign */
    for (size_t i = 0; i < n; i++) {
      int x = (int)(rng_next(&seed) % 255) - 127, y = (int)(rng_next(&seed) % 255) - 127;
      if (mode == 1) x = (rng_next(&seed) & 1) ? 127 : -127, y = (rng_next(&seed) & 1) ? 127 : -127;
      if (mode == 2) x = 0;
      if (mode == 3) x = 127, y = -127;
      a[i] = (int8_t)x, b[i] = (int8_t)y;
    }
    int64_t want = 0;
    for (size_t i = 0; i < n; i++) want += (int64_t)a[i] * b[i];
    CHECK(hnsw_dot8_ref(a, b, n) == want);
    for (int f = 0; f < nf; f++)
      CHECK_MSG(fns[f](a, b, n) == want, "%s, n %zu, mode %d: %d vs %lld", names[f], n, mode,
                (int)fns[f](a, b, n), (long long)want);
  }
  printf("int8 kernels checked against the reference: ref");
  for (int f = 0; f < nf; f++) printf(", %s", names[f]);
  printf("\n");
  /* float query x int8 codes */
  float *q = aligned_alloc(64, 4096 * sizeof *q);
  for (size_t i = 0; i < 384; i++) q[i] = rng_gauss(&seed), a[i] = (int8_t)((int)i % 255 - 127);
  double want = 0;
  for (size_t i = 0; i < 384; i++) want += (double)q[i] * a[i];
  CHECK_NEAR(hnsw_dot_f8(q, a, 384), want, 1e-3 * (fabs(want) + 1));
  free(q);
  free(a);
  free(b);
}

/* BRASS_KERNEL caps the int8 kernel as it caps the float ones. */
static void test_kernel_caps(void) {
  const char *levels[] = {"ref", "avx2", "avx512", "avx-vnni"};
  for (int l = 0; l < 4; l++) {
    setenv("BRASS_KERNEL", levels[l], 1);
    const char *got = hnsw_dot8_name(hnsw_dot8_select());
    if (l == 0) CHECK(strcmp(got, "ref") == 0);
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
    if (l == 1) CHECK(strcmp(got, __builtin_cpu_supports("avx2") ? "avx2" : "ref") == 0);
    if (l == 2 && __builtin_cpu_supports("avx512vnni")) CHECK(strcmp(got, "avx512-vnni") == 0);
    if (l == 3)
      CHECK(strcmp(got, cpu_detect()->avx_vnni ? "avx-vnni" : "avx2") == 0 ||
            !cpu_detect()->avx2_fma);
#endif
    /* an index made now runs the capped kernel */
    hnsw *h = make(16, HNSW_VEC_INT8);
    hnsw_stats st;
    hnsw_get_stats(h, &st);
    CHECK(strcmp(st.kernel, got) == 0 && st.vectors == HNSW_VEC_INT8);
    hnsw_free(h);
  }
  unsetenv("BRASS_KERNEL");
}

static void test_quantize(void) {
  uint64_t seed = 3;
  float x[300];
  int8_t c[300];
  for (int t = 0; t < 50; t++) {
    for (int i = 0; i < 300; i++) x[i] = rng_gauss(&seed) * (float)(t + 1);
    float s = hnsw_quantize8(x, 300, c);
    int maxc = 0;
    for (int i = 0; i < 300; i++) {
      maxc = abs(c[i]) > maxc ? abs(c[i]) : maxc;
      CHECK(c[i] >= -127 && c[i] <= 127);
      CHECK(fabsf(x[i] - s * c[i]) <= 0.5001f * s);
    }
    CHECK(maxc == 127);
  }
  memset(x, 0, sizeof x);
  CHECK(hnsw_quantize8(x, 300, c) == 0.0f);
  for (int i = 0; i < 300; i++) CHECK(c[i] == 0);
}

/* ---- the index ---- */

/* Recall@10 of h against exact float32 search over x (labels = row numbers). */
static double recall10(const hnsw *h, const float *x, size_t n, const float *q, size_t nq,
                       int dim) {
  size_t hits = 0;
  double *sims = malloc(n * sizeof *sims);
  for (size_t t = 0; t < nq; t++) {
    const float *qt = q + t * (size_t)dim;
    for (size_t i = 0; i < n; i++) sims[i] = dot_norm(qt, x + i * (size_t)dim, dim);
    double top[10];
    for (int r = 0; r < 10; r++) top[r] = -2;
    for (size_t i = 0; i < n; i++) {
      if (sims[i] <= top[9]) continue;
      int r = 9;
      for (; r > 0 && top[r - 1] < sims[i]; r--) top[r] = top[r - 1];
      top[r] = sims[i];
    }
    int64_t labels[10];
    int got = hnsw_search(h, qt, 10, 0, labels, NULL, NULL);
    for (int a = 0; a < got; a++) hits += sims[labels[a]] >= top[9] - 1e-6;
  }
  free(sims);
  return (double)hits / (double)(nq * 10);
}

static void test_recall_and_sizes(void) {
  const int dim = quick ? 64 : 384;
  const size_t n = quick ? 1500 : 5000, nq = quick ? 50 : 150;
  float *x = clustered(n + nq, dim, 11);
  int64_t *labels = malloc(n * sizeof *labels);
  for (size_t i = 0; i < n; i++) labels[i] = (int64_t)i;
  hnsw *h8 = make(dim, HNSW_VEC_INT8), *h32 = make(dim, HNSW_VEC_F32);
  brass_error err;
  CHECK(hnsw_add_batch(h8, NULL, labels, x, n, &err) == 0);
  CHECK(hnsw_add_batch(h32, NULL, labels, x, n, &err) == 0);
  const float *q = x + n * (size_t)dim;
  double r8 = recall10(h8, x, n, q, nq, dim), r32 = recall10(h32, x, n, q, nq, dim);
  printf("recall@10 against exact float32 search, %zu x %d: int8 %.4f, f32 %.4f\n", n, dim, r8,
         r32);
  CHECK(r8 >= 0.95);
  CHECK(r8 >= r32 - 0.02);

  /* scores: the re-ranked cosine, close to the float one */
  int64_t l8[10];
  float s8[10];
  CHECK(hnsw_search(h8, q, 10, 0, l8, s8, &err) == 10);
  for (int i = 0; i < 10; i++) {
    CHECK_NEAR(s8[i], dot_norm(q, x + (size_t)l8[i] * dim, dim), 0.01);
    if (i) CHECK(s8[i] <= s8[i - 1]);
  }
  /* hnsw_get_vector: the codes times the scale ~ the normalised vector */
  float v[384];
  CHECK(hnsw_get_vector(h8, 5, v, &err) == 0);
  CHECK(dot_norm(v, x + 5 * (size_t)dim, dim) > 0.999);

  /* memory and bytes: int8 rows are a quarter of the float ones (plus a scale) */
  hnsw_stats st8, st32;
  hnsw_get_stats(h8, &st8);
  hnsw_get_stats(h32, &st32);
  size_t z8 = hnsw_serialized_size(h8), z32 = hnsw_serialized_size(h32);
  printf("memory: int8 %zu bytes, f32 %zu bytes (%.2fx); serialised: %zu vs %zu (%.2fx)\n",
         st8.memory_bytes, st32.memory_bytes, (double)st8.memory_bytes / st32.memory_bytes, z8, z32,
         (double)z8 / z32);
  CHECK(st8.memory_bytes < st32.memory_bytes * (quick ? 0.8 : 0.5));
  CHECK(z8 < z32 * (quick ? 0.6 : 0.4) && z8 > 80 + n * (14 + (size_t)dim));

  /* serialise -> load -> identical answers; the float format stays version 1 */
  uint8_t *buf = NULL, *buf32 = NULL;
  size_t len = 0, len32 = 0;
  CHECK(hnsw_serialize_alloc(h8, &buf, &len, &err) == 0);
  CHECK(hnsw_serialize_alloc(h32, &buf32, &len32, &err) == 0);
  CHECK(buf[8] == 2 && buf32[8] == 1 && buf[64] == HNSW_VEC_INT8 && buf32[64] == 0);
  hnsw *back = NULL;
  CHECK(hnsw_deserialize(buf, len, &back, &err) == 0);
  for (size_t t = 0; back && t < nq; t++) {
    int64_t a[10], b[10];
    float sa[10], sb[10];
    int na = hnsw_search(h8, q + t * (size_t)dim, 10, 0, a, sa, NULL);
    int nb = hnsw_search(back, q + t * (size_t)dim, 10, 0, b, sb, NULL);
    CHECK(na == nb && !memcmp(a, b, sizeof a) && !memcmp(sa, sb, sizeof sa));
  }
  hnsw_free(back);

  /* corrupt int8 buffers: a -128 code, a negative scale, an unknown vector type */
  size_t codes_at = 80 + n * 10, scales_at = codes_at + n * (size_t)dim;
  struct {
    size_t at;
    uint8_t v;
  } bad[] = {{codes_at + 3, 0x80}, {scales_at + 3, 0xbf}, {64, 7}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    uint8_t *c = malloc(len);
    memcpy(c, buf, len);
    c[bad[i].at] = bad[i].v;
    uint64_t cs = hnsw_io_checksum(c, len);
    for (int j = 0; j < 8; j++) c[72 + j] = (uint8_t)(cs >> (8 * j));
    back = NULL;
    CHECK(hnsw_deserialize(c, len, &back, &err) == BRASS_EFORMAT && back == NULL);
    free(c);
  }
  free(buf);
  free(buf32);

  /* removal and rebuild keep the int8 rows */
  for (int64_t i = 0; i < (int64_t)n / 2; i++) CHECK(hnsw_remove(h8, i, &err) == 0);
  CHECK(hnsw_needs_rebuild(h8));
  CHECK(hnsw_rebuild(h8, NULL, &err) == 0);
  CHECK(hnsw_size(h8) == n - n / 2);
  int64_t got[10];
  CHECK(hnsw_search(h8, x + (n - 1) * (size_t)dim, 1, 0, got, NULL, &err) == 1 &&
        got[0] == (int64_t)n - 1);

  hnsw_free(h8);
  hnsw_free(h32);
  free(labels);
  free(x);
}

int main(void) {
  quick = getenv("BRASS_TEST_QUICK") != NULL;
  test_kernels();
  test_kernel_caps();
  test_quantize();
  test_recall_and_sizes();
  CHECK_DONE();
}
