/*
 * hnsw_dot.h - the inner product HNSW spends its time in, one kernel per instruction set.
 *
 * Vectors inside the index are stored with rows padded to HNSW_DOT_LANES floats (zeros in the
 * padding), so every kernel runs over a multiple of 16 floats and needs no scalar tail. The kernel
 * is chosen once per index from cpu_detect() (natively) or at compile time (WebAssembly SIMD128);
 * hnsw_dot_ref is the portable oracle the others are tested against.
 */
#ifndef BRASS_INDEX_HNSW_DOT_H
#define BRASS_INDEX_HNSW_DOT_H

#include <stddef.h>

#define HNSW_DOT_LANES 16

/* Returns sum a[i] * b[i] for i < n; n is a multiple of HNSW_DOT_LANES. */
typedef float (*hnsw_dot_fn)(const float *a, const float *b, size_t n);

float hnsw_dot_ref(const float *a, const float *b, size_t n);
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
float hnsw_dot_avx2(const float *a, const float *b, size_t n);
float hnsw_dot_avx512(const float *a, const float *b, size_t n);
#endif
#if defined(__EMSCRIPTEN__)
float hnsw_dot_wasm(const float *a, const float *b, size_t n);
#endif

/* The fastest kernel this machine runs (BRASS_KERNEL=ref|avx2|avx512 caps it, as for SGEMM). */
hnsw_dot_fn hnsw_dot_select(void);
/* Its name: "avx512", "avx2", "wasm-simd128" or "ref". */
const char *hnsw_dot_name(hnsw_dot_fn fn);

#endif
