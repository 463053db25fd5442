/*
 * bench_gemm.c - how close the nn kernels come to the machine's peak (a program, not a test).
 *
 * 1. Peak: a register-only loop of independent FMAs for the best kernel's instruction set on one
 *    thread (kernel.h's fma_loop), in GFLOP/s.
 * 2. gemm_linear() on the shapes of a MiniLM-sized BERT layer (hidden 384, FFN 1536):
 *    C (m x n) = A (m x k) W^T for (n, k) = (1152, 384) fused QKV, (384, 384) attention output,
 *    (1536, 384) FFN up (with bias + GELU, as the model runs it), (384, 1536) FFN down (bias +
 *    residual), at 1 and 2 threads, as GFLOP/s and % of peak x threads.
 * 3. attention_f32() on a padded batch (32 x 128 tokens, 12 heads of 64), and GELU/softmax
 *    throughput.
 * Each measurement repeats until ~0.3 s have passed (at least 3 runs) and reports the best run.
 * Usage: bench_gemm [--json] [--kernel NAME] [--m ROWS[,ROWS...]] [--threads N] [--quick]
 *   --m: token rows per GEMM (default 512,2048: a batch of 32 short texts, and of 32 x 64)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/pool.h"
#include "nn/attention.h"
#include "nn/gemm.h"
#include "nn/kernel.h"
#include "nn/ops.h"

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double now(void) {
  return clock_s(CLOCK_MONOTONIC);
}
/* CPU seconds of the whole process (all threads): with other programs on the machine, wall time
 * counts time the scheduler gave away; CPU time only counts time we actually ran. */
static double cpu_now(void) {
  return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* Repeated runs: the best wall time of one run, and the mean CPU time per run and thread over
 * all of them (the kernel's view of other threads' CPU time lags by up to a scheduler tick, so
 * only a total over many runs is accurate). */
typedef struct timing {
  double wall, cpu;
  double cpu_sum;
  int runs;
} timing;

static void timing_add(timing *t, double wall, double cpu, int threads) {
  if (wall < t->wall) t->wall = wall;
  t->cpu_sum += cpu;
  t->runs++;
  t->cpu = t->cpu_sum / t->runs / threads;
}

static double min_time = 0.3;

static float *rand_buf(size_t n) {
  float *p = malloc(sizeof(float) * n);
  uint64_t s = 12345;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = (float)((double)(s >> 40) / (double)(1ull << 23) - 1.0);
  }
  return p;
}

/* Best GFLOP/s of the FMA loop over a few runs, by this thread's CPU time. */
static double measure_peak(const gemm_kernel *k) {
  if (!k->fma_loop) return 0.0;
  float sink;
  double best = 0.0;
  size_t n = 1u << 20;
  for (int r = 0; r < 5; r++) {
    double t = clock_s(CLOCK_THREAD_CPUTIME_ID), flops = k->fma_loop(n, &sink);
    double dt = clock_s(CLOCK_THREAD_CPUTIME_ID) - t;
    if (dt < 0.05) {
      n *= 2;
      r--;
      continue;
    }
    if (flops / dt > best) best = flops / dt;
  }
  return best * 1e-9;
}

typedef struct shape {
  const char *name;
  int n, k, bias, gelu, residual;
} shape;

static const shape shapes[] = {
    {"qkv", 1152, 384, 1, 0, 0},
    {"attn_out", 384, 384, 1, 0, 1},
    {"ffn_up", 1536, 384, 1, 1, 0},
    {"ffn_down", 384, 1536, 1, 0, 1},
};

/* Best seconds per call of gemm_linear for one shape. */
static timing time_linear(pool *p, const gemm_kernel *kern, int m, const shape *s) {
  float *a = rand_buf((size_t)m * s->k), *w = rand_buf((size_t)s->n * s->k);
  float *bias = rand_buf((size_t)s->n), *c = rand_buf((size_t)m * s->n);
  gemm_weight *pw = gemm_weight_pack(kern, s->n, s->k, w, s->k);
  gemm_epilogue ep = {s->bias ? bias : NULL, s->gelu, s->residual ? c : NULL, s->n};
  gemm_linear(p, m, a, s->k, pw, c, s->n, &ep); /* warm up: scratch, caches, pool */
  timing best = {1e30, 0.0, 0.0, 0};
  double start = now();
  for (int r = 0; r < 3 || now() - start < min_time; r++) {
    double t = now(), u = cpu_now();
    gemm_linear(p, m, a, s->k, pw, c, s->n, &ep);
    timing_add(&best, now() - t, cpu_now() - u, pool_threads(p));
  }
  gemm_weight_free(pw);
  free(a);
  free(w);
  free(bias);
  free(c);
  return best;
}

static timing time_attention(pool *p, const gemm_kernel *kern, int nseq, int seq, int heads,
                             int hd) {
  int width = heads * hd;
  float *qkv = rand_buf((size_t)nseq * seq * 3 * width),
        *out = rand_buf((size_t)nseq * seq * width);
  int *start = malloc(sizeof(int) * nseq), *len = malloc(sizeof(int) * nseq);
  for (int b = 0; b < nseq; b++) start[b] = b * seq, len[b] = seq;
  attention_f32(p, kern, nseq, start, len, heads, hd, qkv, 3 * width, out, width);
  timing best = {1e30, 0.0, 0.0, 0};
  double t0 = now();
  for (int r = 0; r < 3 || now() - t0 < min_time; r++) {
    double t = now(), u = cpu_now();
    attention_f32(p, kern, nseq, start, len, heads, hd, qkv, 3 * width, out, width);
    timing_add(&best, now() - t, cpu_now() - u, pool_threads(p));
  }
  free(qkv);
  free(out);
  free(start);
  free(len);
  return best;
}

/* Best CPU seconds of GELU (which = 0) or row softmax (1) over n values. */
static double time_elementwise(const gemm_kernel *kern, int which, size_t n) {
  float *x = rand_buf(n);
  double best = 1e30, t0 = now();
  for (int r = 0; r < 3 || now() - t0 < min_time; r++) {
    double u = cpu_now();
    if (which == 0)
      kern->gelu(x, n);
    else
      for (size_t i = 0; i + 128 <= n; i += 128) kern->softmax(x + i, 128, 0.125f);
    u = cpu_now() - u;
    if (u < best) best = u;
  }
  free(x);
  return best;
}

static void print_load(int json) {
  double l1 = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l1) != 1) l1 = -1;
    fclose(f);
  }
  if (json)
    printf("\"loadavg_1min\":%.2f,", l1);
  else if (l1 >= 0)
    printf("load average (1 min) at start: %.2f on %d cores%s\n", l1, pool_default_threads(),
           l1 > 0.5 ? " - other programs are running: wall-clock figures will suffer" : "");
}

int main(int argc, char **argv) {
  int json = 0, max_threads = 2, ms[8] = {512, 2048}, nm = 2;
  const char *kname = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc)
      kname = argv[++i];
    else if (strcmp(argv[i], "--m") == 0 && i + 1 < argc) {
      nm = 0;
      for (char *tok = strtok(argv[++i], ","); tok && nm < 8; tok = strtok(NULL, ","))
        if ((ms[nm] = atoi(tok)) > 0) nm++;
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      max_threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "--quick") == 0)
      min_time = 0.05;
    else {
      fprintf(stderr, "usage: %s [--json] [--kernel NAME] [--m ROWS] [--threads N] [--quick]\n",
              argv[0]);
      return 2;
    }
  }
  const gemm_kernel *kern = kname ? gemm_kernel_by_name(kname) : gemm_kernel_default();
  if (!kern || nm < 1 || max_threads < 1) {
    fprintf(stderr, "bench_gemm: kernel %s not available or bad arguments\n", kname ? kname : "?");
    return 2;
  }
  /* The peak is that of the best instruction set on this machine, whatever kernel is measured. */
  const gemm_kernel *best = gemm_kernel_by_name("avx512");
  if (!best) best = gemm_kernel_by_name("avx2");
  double peak = best ? measure_peak(best) : 0.0;

  if (json) {
    printf("{");
    print_load(1);
    printf(
        "\"kernel\":\"%s\",\"mr\":%d,\"nr\":%d,\"peak_isa\":\"%s\",\"peak_gflops_1t\":%.2f,"
        "\"linear\":[",
        kern->name, kern->mr, kern->nr, best ? best->name : "", peak);
  } else {
    print_load(0);
    printf(
        "kernel %s (%dx%d tile); FMA peak, 1 thread (%s): %.1f GFLOP/s\n"
        "wall: by elapsed time, %% of peak x threads; cpu: by CPU time per thread (what the\n"
        "kernel reaches while it runs, immune to other programs taking the cores)\n\n"
        "%-9s %5s %5s %5s %3s %9s %9s %7s %9s %7s\n",
        kern->name, kern->mr, kern->nr, best ? best->name : "-", peak, "shape", "m", "n", "k",
        "thr", "wall ms", "GFLOP/s", "%peak", "cpu GF/s", "%peak");
  }
  int first = 1;
  for (int mi = 0; mi < nm; mi++)
    for (int t = 1; t <= max_threads; t++) {
      const int m = ms[mi];
      pool *p = pool_create(t);
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        timing tm = time_linear(p, kern, m, &shapes[s]);
        double flop = 2.0 * m * shapes[s].n * shapes[s].k;
        double gf = flop / tm.wall * 1e-9, gfc = flop / tm.cpu * 1e-9;
        double pct = peak > 0 ? 100.0 * gf / (peak * t) : 0.0;
        double pctc = peak > 0 ? 100.0 * gfc / (peak * t) : 0.0;
        if (json)
          printf(
              "%s{\"shape\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"threads\":%d,\"wall_ms\":%.3f,"
              "\"gflops\":%.2f,\"pct_peak\":%.1f,\"cpu_gflops\":%.2f,\"cpu_pct_peak\":%.1f}",
              first ? "" : ",", shapes[s].name, m, shapes[s].n, shapes[s].k, t, tm.wall * 1e3, gf,
              pct, gfc, pctc);
        else
          printf("%-9s %5d %5d %5d %3d %9.3f %9.1f %6.1f%% %9.1f %6.1f%%\n", shapes[s].name, m,
                 shapes[s].n, shapes[s].k, t, tm.wall * 1e3, gf, pct, gfc, pctc);
        first = 0;
      }
      pool_destroy(p);
    }
  if (json)
    printf("],\"attention\":[");
  else
    printf("\n%-20s %3s %9s %9s %9s %12s\n", "attention", "thr", "wall ms", "GFLOP/s", "cpu GF/s",
           "tokens/s");
  first = 1;
  const int nseq = 32, seq = 128, heads = 12, hd = 64;
  for (int t = 1; t <= max_threads; t++) {
    pool *p = pool_create(t);
    timing tm = time_attention(p, kern, nseq, seq, heads, hd);
    double flop = 4.0 * nseq * heads * (double)seq * seq * hd;
    double gf = flop / tm.wall * 1e-9, gfc = flop / tm.cpu * 1e-9;
    if (json)
      printf(
          "%s{\"batch\":%d,\"seq\":%d,\"heads\":%d,\"head_dim\":%d,\"threads\":%d,"
          "\"wall_ms\":%.3f,\"gflops\":%.2f,\"cpu_gflops\":%.2f,\"tokens_per_s\":%.0f}",
          first ? "" : ",", nseq, seq, heads, hd, t, tm.wall * 1e3, gf, gfc, nseq * seq / tm.wall);
    else
      printf("%2dx%-3d h%-2d d%-3d      %3d %9.3f %9.1f %9.1f %12.0f\n", nseq, seq, heads, hd, t,
             tm.wall * 1e3, gf, gfc, nseq * seq / tm.wall);
    first = 0;
    pool_destroy(p);
  }
  size_t ne = (size_t)1 << 20;
  double gelu_s = time_elementwise(kern, 0, ne), sm_s = time_elementwise(kern, 1, ne);
  if (json)
    printf("],\"gelu_mvals_per_s\":%.1f,\"softmax128_mvals_per_s\":%.1f}\n", ne / gelu_s * 1e-6,
           ne / sm_s * 1e-6);
  else
    printf("\nGELU %.0f M values/s, softmax (rows of 128) %.0f M values/s (1 thread, cpu time)\n",
           ne / gelu_s * 1e-6, ne / sm_s * 1e-6);
  gemm_scratch_release();
  return 0;
}
