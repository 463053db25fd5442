/*
 * rand_gauss.h - the seeded random numbers that tests and benchmarks generate vectors from
 * (tests/unit/test_hnsw.c, tests/tools/hnsw_recall.c, bench/bench_hnsw.c): splitmix64, a uniform
 * double in (0, 1] and a Box-Muller normal. Header-only; the same seed gives the same data on
 * every platform, so a failing case can be rerun exactly.
 */
#ifndef BRASS_TESTS_RAND_GAUSS_H
#define BRASS_TESTS_RAND_GAUSS_H

#include <math.h>
#include <stdint.h>

static inline uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline double rng_unit(uint64_t *s) {
  return (double)((rng_next(s) >> 11) + 1) * 0x1.0p-53;
}

static inline float rng_gauss(uint64_t *s) {
  return (float)(sqrt(-2.0 * log(rng_unit(s))) * cos(6.283185307179586 * rng_unit(s)));
}

#endif
