/*
 * hnsw_dot.c - the portable inner product and the choice of kernel (see hnsw_dot.h).
 *
 * The reference kernel keeps 16 independent partial sums, which GCC and clang vectorise at -O2
 * (and which is why the padded row length matters); the partial sums are added pairwise at the
 * end, the same order the SIMD kernels use, so results agree to a few ulps.
 */
#include "index/hnsw_dot.h"

#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"

float hnsw_dot_ref(const float *a, const float *b, size_t n) {
  float acc[HNSW_DOT_LANES] = {0};
  for (size_t i = 0; i < n; i += HNSW_DOT_LANES)
    for (int j = 0; j < HNSW_DOT_LANES; j++) acc[j] += a[i + j] * b[i + j];
  for (int w = HNSW_DOT_LANES / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return acc[0];
}

hnsw_dot_fn hnsw_dot_select(void) {
  /* BRASS_KERNEL names the best kernel allowed; an unknown name caps nothing (as in gemm.c). */
  const char *cap = getenv("BRASS_KERNEL");
  int level = 3; /* 3: any, 2: up to avx2, 1: ref only */
  if (cap && strcmp(cap, "avx2") == 0) level = 2;
  if (cap && strcmp(cap, "ref") == 0) level = 1;
#if defined(__EMSCRIPTEN__)
  if (level > 1) return hnsw_dot_wasm;
#elif defined(__x86_64__)
  const cpu_features *f = cpu_detect();
  if (level >= 3 && f->avx512f) return hnsw_dot_avx512;
  if (level >= 2 && f->avx2_fma) return hnsw_dot_avx2;
#endif
  return hnsw_dot_ref;
}

const char *hnsw_dot_name(hnsw_dot_fn fn) {
#if defined(__EMSCRIPTEN__)
  if (fn == hnsw_dot_wasm) return "wasm-simd128";
#elif defined(__x86_64__)
  if (fn == hnsw_dot_avx512) return "avx512";
  if (fn == hnsw_dot_avx2) return "avx2";
#endif
  return "ref";
}
