/* hnsw_dot8_wasm.c - int8 inner product with WebAssembly SIMD128: bytes widened to 16 bits and
 * multiplied pairwise into 32-bit lanes (i32x4.dot_i16x8_s), four accumulators. */
#include <wasm_simd128.h>

#include "index/hnsw_dot8.h"

static inline v128_t step(v128_t acc, v128_t a, v128_t b) {
  acc = wasm_i32x4_add(
      acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_i16x8_extend_low_i8x16(b)));
  return wasm_i32x4_add(
      acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_i16x8_extend_high_i8x16(b)));
}

int32_t hnsw_dot8_wasm(const int8_t *a, const int8_t *b, size_t n) {
  v128_t s0 = wasm_i32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < n; i += 64) {
    s0 = step(s0, wasm_v128_load(a + i), wasm_v128_load(b + i));
    s1 = step(s1, wasm_v128_load(a + i + 16), wasm_v128_load(b + i + 16));
    s2 = step(s2, wasm_v128_load(a + i + 32), wasm_v128_load(b + i + 32));
    s3 = step(s3, wasm_v128_load(a + i + 48), wasm_v128_load(b + i + 48));
  }
  v128_t s = wasm_i32x4_add(wasm_i32x4_add(s0, s1), wasm_i32x4_add(s2, s3));
  return wasm_i32x4_extract_lane(s, 0) + wasm_i32x4_extract_lane(s, 1) +
         wasm_i32x4_extract_lane(s, 2) + wasm_i32x4_extract_lane(s, 3);
}
