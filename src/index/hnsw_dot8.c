/*
 * hnsw_dot8.c - the portable int8 inner product, the quantiser and the choice of int8 kernel
 * (see hnsw_dot8.h).
 */
#include "index/hnsw_dot8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"

int32_t hnsw_dot8_ref(const int8_t *a, const int8_t *b, size_t n) {
  int32_t acc[16] = {0};
  for (size_t i = 0; i < n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += (int32_t)a[i + j] * (int32_t)b[i + j];
  int32_t s = 0;
  for (int j = 0; j < 16; j++) s += acc[j];
  return s;
}

float hnsw_dot_f8(const float *q, const int8_t *c, size_t n) {
  float acc[16] = {0};
  for (size_t i = 0; i < n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += q[i + j] * (float)c[i + j];
  for (int w = 8; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return acc[0];
}

float hnsw_quantize8(const float *x, int dim, int8_t *codes) {
  float m = 0;
  for (int i = 0; i < dim; i++) m = fmaxf(m, fabsf(x[i]));
  if (!(m > 0)) {
    memset(codes, 0, (size_t)dim);
    return 0;
  }
  float inv = 127.0f / m;
  for (int i = 0; i < dim; i++) {
    long q = lrintf(x[i] * inv);
    codes[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
  }
  return m / 127.0f;
}

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
static int has_vnni(void) {
  return cpu_detect()->avx512f && __builtin_cpu_supports("avx512vnni");
}
#endif

hnsw_dot8_fn hnsw_dot8_select(void) {
  const char *cap = getenv("BRASS_KERNEL"); /* as in hnsw_dot_select: unknown names cap nothing */
  int level = 4;
  if (cap && strcmp(cap, "avx-vnni") == 0) level = 3;
  if (cap && strcmp(cap, "avx2") == 0) level = 2;
  if (cap && strcmp(cap, "ref") == 0) level = 1;
#if defined(__EMSCRIPTEN__)
  if (level > 1) return hnsw_dot8_wasm;
#elif defined(__x86_64__)
  if (level >= 4 && has_vnni()) return hnsw_dot8_avx512vnni;
  if (level >= 3 && cpu_detect()->avx_vnni) return hnsw_dot8_avxvnni;
  if (level >= 2 && cpu_detect()->avx2_fma) return hnsw_dot8_avx2;
#endif
  return hnsw_dot8_ref;
}

const char *hnsw_dot8_name(hnsw_dot8_fn fn) {
#if defined(__EMSCRIPTEN__)
  if (fn == hnsw_dot8_wasm) return "wasm-simd128";
#elif defined(__x86_64__)
  if (fn == hnsw_dot8_avx512vnni) return "avx512-vnni";
  if (fn == hnsw_dot8_avxvnni) return "avx-vnni";
  if (fn == hnsw_dot8_avx2) return "avx2";
#endif
  return "ref";
}
