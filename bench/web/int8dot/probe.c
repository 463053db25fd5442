/*
 * probe.c - the browser microbenchmark behind docs/int8.md's decision not to use relaxed SIMD's
 * i32x4.relaxed_dot_i8x16_i7x16_add_s in the WebAssembly int8 kernel. It times 4-row micro-kernels
 * over one 384 x 1536 weight (the MiniLM FFN shape) in G multiply-adds/s, best of 40 runs:
 *   i16        today's kernel (qgemm_wasm.c): int16 pairs, i32x4.dot_i16x8_s, 4 x 8 tile;
 *   i16-4x16   the same on a 4 x 16 tile;
 *   split      exact 8-bit: (x - 128) times the two 7-bit halves of (w + 127), two relaxed dots
 *              per 4 products, 4 x 8 tile (and split-4x16);
 *   w7         7-bit weights, one relaxed dot per 4 products, 4 x 8 and 4 x 16 tiles.
 * It first checks the relaxed dot against scalar sums on runtime data ("check ok").
 * LLVM 14 has no builtin for the instruction: the code calls __builtin_wasm_laneselect_i32x4 (same
 * operands and stack shape), and run.sh rewrites that opcode (0xfd 0xd2 0x01, the old draft
 * encoding) into relaxed_dot_i8x16_i7x16_add_s (0xfd 0x93 0x02) in the linked module.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasm_simd128.h>

#define RDOT(a, b, c) __builtin_wasm_laneselect_i32x4(a, b, c) /* rewritten after linking */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* acc[i][v] over ng groups; per group: NV vectors of B of `step` bytes each, a 4-byte A splat */
#define KERNEL(NAME, NV, GROUP_BYTES, ...)                                               \
  __attribute__((noinline)) static void NAME(size_t ng, const uint8_t *a, size_t lda,    \
                                             const uint8_t *b, int32_t *out) {           \
    v128_t acc[4][NV];                                                                   \
    const v128_t flip = wasm_i32x4_splat((int32_t)0x80808080);                           \
    (void)flip;                                                                          \
    for (int i = 0; i < 4; i++)                                                          \
      for (int v = 0; v < NV; v++) acc[i][v] = wasm_i32x4_splat(0);                      \
    for (size_t g = 0; g < ng; g++) {                                                    \
      __VA_ARGS__;                                                                       \
      b += GROUP_BYTES;                                                                  \
    }                                                                                    \
    for (int i = 0; i < 4; i++)                                                          \
      for (int v = 0; v < NV; v++) wasm_v128_store(out + i * 4 * NV + 4 * v, acc[i][v]); \
  }

#define SPLAT(i) wasm_i32x4_splat(load32(a + (size_t)(i)*lda + 4 * g))
static inline int32_t load32(const uint8_t *p) {
  int32_t x;
  memcpy(&x, p, 4);
  return x;
}

KERNEL(k_i16, 2, 32, {
  v128_t h[2] = {wasm_v128_load(b), wasm_v128_load(b + 16)};
  for (int i = 0; i < 4; i++) {
    v128_t ai = SPLAT(i);
    for (int v = 0; v < 2; v++)
      acc[i][v] = wasm_i32x4_add(acc[i][v], wasm_i32x4_dot_i16x8(ai, h[v]));
  }
})
KERNEL(k_i16w, 4, 64, {
  v128_t h[4];
  for (int v = 0; v < 4; v++) h[v] = wasm_v128_load(b + 16 * v);
  for (int i = 0; i < 4; i++) {
    v128_t ai = SPLAT(i);
    for (int v = 0; v < 4; v++)
      acc[i][v] = wasm_i32x4_add(acc[i][v], wasm_i32x4_dot_i16x8(ai, h[v]));
  }
})
KERNEL(k_split, 2, 64, {
  v128_t h[4];
  for (int v = 0; v < 4; v++) h[v] = wasm_v128_load(b + 16 * v);
  for (int i = 0; i < 4; i++) {
    v128_t ai = wasm_v128_xor(SPLAT(i), flip);
    for (int v = 0; v < 2; v++) acc[i][v] = RDOT(ai, h[2 + v], RDOT(ai, h[v], acc[i][v]));
  }
})
KERNEL(k_split16, 4, 128, {
  v128_t ai[4];
  for (int i = 0; i < 4; i++) ai[i] = wasm_v128_xor(SPLAT(i), flip);
  for (int half = 0; half < 2; half++) {
    v128_t h[4];
    for (int v = 0; v < 4; v++) h[v] = wasm_v128_load(b + 64 * half + 16 * v);
    for (int i = 0; i < 4; i++)
      for (int v = 0; v < 4; v++) acc[i][v] = RDOT(ai[i], h[v], acc[i][v]);
  }
})
KERNEL(k_w7, 2, 32, {
  v128_t h[2] = {wasm_v128_load(b), wasm_v128_load(b + 16)};
  for (int i = 0; i < 4; i++) {
    v128_t ai = wasm_v128_xor(SPLAT(i), flip);
    for (int v = 0; v < 2; v++) acc[i][v] = RDOT(ai, h[v], acc[i][v]);
  }
})
KERNEL(k_w7w, 4, 64, {
  v128_t h[4];
  for (int v = 0; v < 4; v++) h[v] = wasm_v128_load(b + 16 * v);
  for (int i = 0; i < 4; i++) {
    v128_t ai = wasm_v128_xor(SPLAT(i), flip);
    for (int v = 0; v < 4; v++) acc[i][v] = RDOT(ai, h[v], acc[i][v]);
  }
})

typedef void (*kfn)(size_t, const uint8_t *, size_t, const uint8_t *, int32_t *);
static const struct {
  const char *name;
  kfn f;
  int cols, kper; /* columns per call, k values per group */
} K[] = {{"i16", k_i16, 8, 2},     {"i16-4x16", k_i16w, 16, 2},
         {"split", k_split, 8, 4}, {"split-4x16", k_split16, 16, 4},
         {"w7", k_w7, 8, 4},       {"w7-4x16", k_w7w, 16, 4}};
#define NK (int)(sizeof K / sizeof K[0])

int main(int argc, char **argv) {
  (void)argv;
  /* the relaxed dot on runtime data (argc keeps the compiler from folding it) */
  int8_t x[16], y[16];
  int32_t c[4] = {1000, -2000, 3000, -4000}, got[4];
  for (int i = 0; i < 16; i++)
    x[i] = (int8_t)(i * 37 * argc - 128), y[i] = (int8_t)((i * 11 * argc) & 127);
  wasm_v128_store(got, RDOT(wasm_v128_load(x), wasm_v128_load(y), wasm_v128_load(c)));
  int ok = 1;
  for (int j = 0; j < 4; j++) {
    int32_t s = c[j];
    for (int t = 0; t < 4; t++) s += x[4 * j + t] * y[4 * j + t];
    ok &= s == got[j];
  }
  printf("check %s\n", ok ? "ok" : "FAILED (this engine's relaxed dot differs)");
  const int k = 384, n = 1536, reps = 30;
  const size_t lda = 2 * (size_t)k;
  uint8_t *a = malloc(4 * lda), *b = malloc((size_t)n * (size_t)k * 2);
  for (size_t i = 0; i < 4 * lda; i++) a[i] = (uint8_t)(i * 7 * (size_t)argc);
  for (size_t i = 0; i < (size_t)n * (size_t)k * 2; i++)
    b[i] = (uint8_t)((i * 13 * (size_t)argc) & 127);
  double best[NK] = {0};
  int32_t out[64];
  volatile int32_t sink = 0;
  for (int run = 0; run < 40; run++)
    for (int q = 0; q < NK; q++) {
      const int panels = n / K[q].cols;
      const size_t ng = (size_t)k / (size_t)K[q].kper, bytes = (size_t)k * (size_t)K[q].cols * 2;
      double t = now();
      for (int r = 0; r < reps; r++)
        for (int p = 0; p < panels; p++) {
          K[q].f(ng, a, lda, b + (size_t)p * bytes % ((size_t)n * (size_t)k), out);
          sink += out[0];
        }
      double g = 4.0 * k * n * reps / (now() - t) / 1e9;
      if (g > best[q]) best[q] = g;
    }
  printf("best G multiply-adds/s:");
  for (int q = 0; q < NK; q++) printf(" %s %.1f", K[q].name, best[q]);
  printf("\n");
  return 0;
}
