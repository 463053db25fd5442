/*
 * hnsw_dot8.h - int8 vectors for HNSW: symmetric per-vector quantisation and the integer inner
 * product, one kernel per instruction set (the int8 twin of hnsw_dot.h).
 *
 * A vector x (already normalised) is stored as codes c[i] = round(x[i] / s) in [-127, 127] with
 * one float scale s = max|x[i]| / 127, so x ~ s * c. -128 never occurs: the AVX2 kernel multiplies
 * |a| (0..127) by b with the sign of a in 16-bit pairs, and 2 * 127 * 127 stays below 32767, so
 * nothing saturates. Rows are padded with zero codes to a multiple of HNSW_DOT8_LANES bytes. Every
 * kernel returns the exact int32 sum, so they all agree bit for bit with the reference.
 */
#ifndef BRASS_INDEX_HNSW_DOT8_H
#define BRASS_INDEX_HNSW_DOT8_H

#include <stddef.h>
#include <stdint.h>

#define HNSW_DOT8_LANES 64

/* Returns sum a[i] * b[i] for i < n; n is a multiple of HNSW_DOT8_LANES, codes in [-127, 127]. */
typedef int32_t (*hnsw_dot8_fn)(const int8_t *a, const int8_t *b, size_t n);

int32_t hnsw_dot8_ref(const int8_t *a, const int8_t *b, size_t n);
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
int32_t hnsw_dot8_avx2(const int8_t *a, const int8_t *b, size_t n);
int32_t hnsw_dot8_avx512vnni(const int8_t *a, const int8_t *b, size_t n);
int32_t hnsw_dot8_avxvnni(const int8_t *a, const int8_t *b, size_t n);
#endif
#if defined(__EMSCRIPTEN__)
int32_t hnsw_dot8_wasm(const int8_t *a, const int8_t *b, size_t n);
#endif

/* The fastest kernel this machine runs: AVX-512 VNNI, AVX-VNNI, AVX2, WebAssembly SIMD128 or the
 * reference. BRASS_KERNEL=ref|avx2|avx-vnni|avx512 caps it, as for the float kernels. */
hnsw_dot8_fn hnsw_dot8_select(void);
/* Its name: "avx512-vnni", "avx-vnni", "avx2", "wasm-simd128" or "ref". */
const char *hnsw_dot8_name(hnsw_dot8_fn fn);

/* Returns sum q[i] * c[i] for i < n (float query, int8 codes; n a multiple of 16): the
 * re-ranking score, portable C that compilers vectorise. */
float hnsw_dot_f8(const float *q, const int8_t *c, size_t n);

/* Quantises x (dim finite floats) to codes (dim bytes; the caller zeroes any padding) and returns
 * the scale s (0 for a zero vector, whose codes are all 0). */
float hnsw_quantize8(const float *x, int dim, int8_t *codes);

#endif
