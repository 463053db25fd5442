/*
 * bench_qgemm.c - how close the int8 kernels come to the machine's integer peak (a program, not a
 * test), the int8 counterpart of bench_gemm.c.
 *
 * 1. Peak: each int8 kernel's register-only loop of independent dot-product instructions
 *    (qkernel.h's mac_loop: vpdpbusd zmm / ymm, vpmaddwd + vpaddd) on one thread, in G
 *    multiply-adds per second (GOP/s = 2x that).
 * 2. gemm_linear() with an INT8 weight on a MiniLM layer's shapes (QKV 1152x384, attention output
 *    384x384, FFN up 1536x384 with GELU, FFN down 384x1536 with the residual), at 1 and 2
 *    threads: GOP/s counting 2 m n k, by CPU time, and % of that kernel's peak x threads. The
 *    time includes the per-row activation quantization and the dequantizing epilogue, as the
 *    model runs it; f32 gemm_linear on the same shapes is printed beside it.
 * Usage: bench_qgemm [--m ROWS] [--kernel NAME] (BRASS_KERNEL caps the f32 kernel as usual)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/pool.h"
#include "nn/gemm.h"
#include "nn/kernel.h"
#include "nn/qkernel.h"

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *rand_buf(size_t n, uint64_t s) {
  float *p = malloc(sizeof(float) * n);
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = (float)((double)(s >> 40) / (double)(1ull << 23) - 1.0);
  }
  return p;
}

/* Best G multiply-adds per second of the kernel's loop, by this thread's CPU time. */
static double peak_gmacs(const qgemm_kernel *k) {
  if (!k->mac_loop) return 0.0;
  int32_t sink;
  double best = 0.0;
  size_t n = 1u << 18;
  for (int r = 0; r < 5; r++) {
    double t = clock_s(CLOCK_THREAD_CPUTIME_ID), macs = k->mac_loop(n, &sink);
    double dt = clock_s(CLOCK_THREAD_CPUTIME_ID) - t;
    if (dt < 0.05) {
      n *= 2;
      r--;
      continue;
    }
    if (macs / dt > best) best = macs / dt;
  }
  return best * 1e-9;
}

typedef struct shape {
  const char *name;
  int n, k, gelu, residual;
} shape;

static const shape shapes[] = {
    {"qkv", 1152, 384, 0, 0},
    {"attn_out", 384, 384, 0, 1},
    {"ffn_up", 1536, 384, 1, 0},
    {"ffn_down", 384, 1536, 0, 1},
};

/* Best CPU seconds per gemm_linear call (at least 3 runs and 0.3 s). */
static double time_linear(pool *p, gemm_dtype dt, const qgemm_kernel *qk, int m, const shape *s) {
  float *a = rand_buf((size_t)m * s->k, 1), *w = rand_buf((size_t)s->n * s->k, 2);
  float *bias = rand_buf((size_t)s->n, 3), *c = rand_buf((size_t)m * s->n, 4);
  gemm_weight *pw = NULL;
  if (dt == GEMM_INT8 && qk) {
    /* a specific int8 kernel: pack through qkernel.h, run through gemm_linear's int8 path */
    qgemm_weight *qw = qgemm_weight_pack(qk, s->n, s->k, w, s->k);
    gemm_epilogue ep = {bias, s->gelu, s->residual ? c : NULL, s->n};
    double best = 1e30, start = clock_s(CLOCK_MONOTONIC);
    qgemm_linear(p, gemm_kernel_default(), m, a, s->k, qw, c, s->n, &ep);
    for (int r = 0; r < 3 || clock_s(CLOCK_MONOTONIC) - start < 0.3; r++) {
      double u = clock_s(CLOCK_PROCESS_CPUTIME_ID);
      qgemm_linear(p, gemm_kernel_default(), m, a, s->k, qw, c, s->n, &ep);
      u = clock_s(CLOCK_PROCESS_CPUTIME_ID) - u;
      if (u < best) best = u;
    }
    qgemm_weight_free(qw);
    free(a), free(w), free(bias), free(c);
    return best;
  }
  pw = gemm_weight_pack_dtype(gemm_kernel_default(), dt, s->n, s->k, w, s->k);
  gemm_epilogue ep = {bias, s->gelu, s->residual ? c : NULL, s->n};
  double best = 1e30, start = clock_s(CLOCK_MONOTONIC);
  gemm_linear(p, m, a, s->k, pw, c, s->n, &ep);
  for (int r = 0; r < 3 || clock_s(CLOCK_MONOTONIC) - start < 0.3; r++) {
    double u = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    gemm_linear(p, m, a, s->k, pw, c, s->n, &ep);
    u = clock_s(CLOCK_PROCESS_CPUTIME_ID) - u;
    if (u < best) best = u;
  }
  gemm_weight_free(pw);
  free(a), free(w), free(bias), free(c);
  return best;
}

int main(int argc, char **argv) {
  int m = 512;
  const char *only = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--m"))
      m = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--kernel"))
      only = argv[i + 1];
  }
  double l1 = 0;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l1) != 1) l1 = 0;
    fclose(f);
  }
  printf("int8 GEMM: load average (1 min) at start %.2f; m = %d rows; GOP/s = 2 m n k / CPU s\n",
         l1, m);
  static const char *const names[] = {"avx512-vnni", "avx-vnni", "avx2", "wasm", "ref"};
  printf("%-12s %10s %10s\n", "kernel", "peak GMAC/s", "GOP/s");
  for (int i = 0; i < 5; i++) {
    const qgemm_kernel *k = qgemm_kernel_by_name(names[i]);
    if (!k || !k->mac_loop) continue;
    double g = peak_gmacs(k);
    printf("%-12s %10.1f %10.1f\n", k->name, g, 2 * g);
  }
  printf("\n%-12s %-9s %3s %9s %8s %9s %8s\n", "kernel", "shape", "thr", "int8 GOP/s", "% peak",
         "f32 GF/s", "int8/f32");
  for (int i = 0; i < 5; i++) {
    const qgemm_kernel *k = qgemm_kernel_by_name(names[i]);
    if (!k || !k->mac_loop || (only && strcmp(only, k->name))) continue;
    double peak = peak_gmacs(k) * 2;
    for (int t = 1; t <= 2; t++) {
      pool *p = pool_create(t);
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        double ops = 2.0 * m * shapes[s].n * shapes[s].k;
        double ti = time_linear(p, GEMM_INT8, k, m, &shapes[s]);
        double tf = time_linear(p, GEMM_F32, NULL, m, &shapes[s]);
        printf("%-12s %-9s %3d %9.1f %7.1f%% %9.1f %7.2fx\n", k->name, shapes[s].name, t,
               ops / ti * 1e-9, peak > 0 ? 100.0 * ops / ti * 1e-9 / peak : 0.0, ops / tf * 1e-9,
               tf / ti);
      }
      pool_destroy(p);
    }
  }
  return 0;
}
