/* hnsw_dot8_avxvnni.c - int8 inner product with AVX-VNNI: the VEX-encoded 256-bit vpdpbusd that
 * processors without AVX-512 have (Alder Lake and later client chips), |a| (unsigned) times b with
 * a's sign, 32 bytes per instruction, two accumulators. Chosen only when the processor has AVX_VNNI
 * and no AVX-512 VNNI (hnsw_dot8_select). */
#include <immintrin.h>

#include "index/hnsw_dot8.h"

/* GCC 12 has no plain intrinsic for the VEX form under -mavxvnni alone in every mode: the
 * instruction is written out, as in src/nn/qgemm_avxvnni.c. */
#define DPBUSD(acc, a, b) __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b))

static inline __m256i step(__m256i acc, __m256i a, __m256i b) {
  __m256i ua = _mm256_abs_epi8(a), sb = _mm256_sign_epi8(b, a);
  DPBUSD(acc, ua, sb);
  return acc;
}

int32_t hnsw_dot8_avxvnni(const int8_t *a, const int8_t *b, size_t n) {
  __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += 64) {
    s0 = step(s0, _mm256_loadu_si256((const __m256i *)(a + i)),
              _mm256_loadu_si256((const __m256i *)(b + i)));
    s1 = step(s1, _mm256_loadu_si256((const __m256i *)(a + i + 32)),
              _mm256_loadu_si256((const __m256i *)(b + i + 32)));
  }
  __m256i s = _mm256_add_epi32(s0, s1);
  __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
  return _mm_cvtsi128_si32(h);
}
