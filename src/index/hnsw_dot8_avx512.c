/* hnsw_dot8_avx512.c - int8 inner product with AVX-512 VNNI: vpdpbusd of |a| (unsigned) and b
 * negated where a is negative, 64 bytes per instruction, two accumulators. Chosen only when the
 * processor has AVX512_VNNI (hnsw_dot8_select). */
#include <immintrin.h>

#include "index/hnsw_dot8.h"

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static inline __m512i step(__m512i acc,
                                                                                  __m512i a,
                                                                                  __m512i b) {
  __m512i sb = _mm512_mask_sub_epi8(b, _mm512_movepi8_mask(a), _mm512_setzero_si512(), b);
  return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(a), sb);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) int32_t hnsw_dot8_avx512vnni(const int8_t *a,
                                                                                    const int8_t *b,
                                                                                    size_t n) {
  __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    s0 = step(s0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    s1 = step(s1, _mm512_loadu_si512(a + i + 64), _mm512_loadu_si512(b + i + 64));
  }
  if (i < n) s0 = step(s0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
  return _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
}
