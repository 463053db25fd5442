/* hnsw_dot8_avx2.c - int8 inner product with AVX2: |a| * (b with a's sign) in 16-bit pairs
 * (vpmaddubsw, no saturation for codes in [-127, 127]), widened to int32 by vpmaddwd. */
#include <immintrin.h>

#include "index/hnsw_dot8.h"

static inline __m256i step(__m256i acc, __m256i a, __m256i b, __m256i ones) {
  __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
}

int32_t hnsw_dot8_avx2(const int8_t *a, const int8_t *b, size_t n) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += 64) {
    s0 = step(s0, _mm256_loadu_si256((const __m256i *)(a + i)),
              _mm256_loadu_si256((const __m256i *)(b + i)), ones);
    s1 = step(s1, _mm256_loadu_si256((const __m256i *)(a + i + 32)),
              _mm256_loadu_si256((const __m256i *)(b + i + 32)), ones);
  }
  __m256i s = _mm256_add_epi32(s0, s1);
  __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
  return _mm_cvtsi128_si32(h);
}
