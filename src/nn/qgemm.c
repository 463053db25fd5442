/*
 * qgemm.c - the portable int8 GEMM driver around the per-ISA integer micro-kernels (qkernel.h):
 * kernel choice, weight quantization and packing, the per-row activation quantization and the
 * blocked parallel qgemm_linear() that gemm_linear() hands int8 weights to.
 *
 * qgemm_linear (C = A * W^T + epilogue), one pool_for:
 *   1. A's rows are quantized into one buffer owned by the calling thread: row i holds k values
 *      padded to a multiple of 4 (uint8, or uint8 values in int16 as the kernel wants), with its
 *      scale and zero point; rows are padded to a multiple of mr with zero rows, so the
 *      micro-kernel always reads a full mr-row slice. A row block is quantized by the tasks that
 *      need it, when the first of them starts: each claims QSLICE-row slices of the block until
 *      none is left, then waits for the slices others claimed (a few microseconds). This was a
 *      pool_for of its own, i.e. one barrier more per int8 product: in the browser, where waking
 *      a thread is slow, the int8 path has about 3x as many barriers as f32 per layer.
 *   2. Tasks of mc rows x nc columns (gemm_task_layout, as the f32 driver) go to the pool. A
 *      task walks its mr-row slices (mr x k bytes, in L1) against each nr-column panel of its
 *      weight block (in L2); the micro-kernel returns the exact int32 tile, which is turned into
 *      floats, (acc - za[i] * colsum[j]) * (sa[i] * sw[j]), and finished by the f32 kernel's
 * epilogue (bias, GELU, residual) straight into C. Determinism: the integers are exact, and every
 * float step is the same scalar code for a given element, so results do not depend on the thread
 * count, the blocking or the int8 kernel. Residual aliasing (residual == C): each C element is
 * written once, by the epilogue that reads its residual first, so no buffering is needed.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "base/cpu.h"
#include "nn/qkernel.h"

#define QGEMM_ALIGN 64

/* ---- kernel choice ---------------------------------------------------------------------- */

const qgemm_kernel *qgemm_kernel_by_name(const char *name) {
  if (!name) return NULL;
  if (strcmp(name, "ref") == 0) return &qgemm_kernel_ref;
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
  const cpu_features *f = cpu_detect();
  if (strcmp(name, "avx2") == 0 && f->avx2_fma) return &qgemm_kernel_avx2;
  if (strcmp(name, "avx-vnni") == 0 && f->avx_vnni) return &qgemm_kernel_avxvnni;
  if (strcmp(name, "avx512-vnni") == 0 && f->avx512_vnni) return &qgemm_kernel_avx512vnni;
#endif
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
  if (strcmp(name, "wasm") == 0 || strcmp(name, qgemm_kernel_wasm.name) == 0)
    return &qgemm_kernel_wasm;
#endif
  return NULL;
}

static const qgemm_kernel *qdefault;
static pthread_once_t qdefault_once = PTHREAD_ONCE_INIT;

/* Best first. BRASS_KERNEL caps as for SGEMM: "avx512" allows AVX-512 VNNI, "avx-vnni" stops at
 * the 256-bit VNNI kernel, "avx2" at vpmaddwd, "ref" at the portable one. */
static void qchoose(void) {
  static const char *const order[] = {"avx512-vnni", "avx-vnni", "avx2", "wasm", "ref"};
  static const char *const caps[] = {"avx512", "avx-vnni", "avx2", "wasm", "ref"};
  const int n = (int)(sizeof order / sizeof order[0]);
  const char *cap = getenv("BRASS_KERNEL");
  int start = 0;
  if (cap && *cap)
    for (int i = 0; i < n; i++)
      if (strcmp(cap, caps[i]) == 0 || strcmp(cap, order[i]) == 0 ||
          (i == 3 && strncmp(cap, "wasm-", 5) == 0))
        start = i;
  for (int i = start; i < n && !qdefault; i++) qdefault = qgemm_kernel_by_name(order[i]);
}

const qgemm_kernel *qgemm_kernel_default(void) {
  pthread_once(&qdefault_once, qchoose);
  return qdefault;
}

/* ---- quantization ----------------------------------------------------------------------- */

static size_t round_up(size_t x, size_t to) {
  return (x + to - 1) / to * to;
}

/* round half away from zero of x (|x| <= 127.5 here): the weights' rounding */
static inline int q_round(float x) {
  return (int)(x + (x >= 0.0f ? 0.5f : -0.5f));
}

float qgemm_quantize_row(const float *x, int k, int8_t *q) {
  float mx = 0.0f;
  for (int i = 0; i < k; i++) {
    float v = fabsf(x[i]);
    mx = v > mx ? v : mx;
  }
  if (!(mx > 0.0f) || !isfinite(mx)) {
    if (k > 0) memset(q, 0, (size_t)k);
    return 0.0f;
  }
  const float inv = 127.0f / mx;
  for (int i = 0; i < k; i++) q[i] = (int8_t)q_round(x[i] * inv);
  return mx / 127.0f;
}

float qgemm_act_params(float lo, float hi, float *inv, int32_t *zero) {
  float span = hi - lo;
  if (!(span > 0.0f) || !isfinite(span)) {
    *inv = 0.0f;
    *zero = 0;
    return 0.0f;
  }
  *inv = 255.0f / span;
  *zero = (int32_t)nearbyintf(-lo * *inv);
  return span / 255.0f;
}

float qgemm_quantize_act_mu(const qgemm_kernel *qk, const float *x, const float *mu, int k,
                            uint8_t *q, int32_t *zero) {
  float lo, hi, inv;
  qk->range(x, mu, k, &lo, &hi);
  float s = qgemm_act_params(lo, hi, &inv, zero);
  qk->quant(x, mu, k, inv, *zero, q);
  return s;
}

float qgemm_quantize_act(const qgemm_kernel *qk, const float *x, int k, uint8_t *q, int32_t *zero) {
  return qgemm_quantize_act_mu(qk, x, NULL, k, q, zero);
}

/* ---- packed weights --------------------------------------------------------------------- */

struct qgemm_weight {
  const qgemm_kernel *qk;
  int n, k, kp;    /* kp: k rounded up to a multiple of 4 */
  int npanels;     /* ceil(n / nr) */
  uint8_t *data;   /* npanels panels of (kp / 4 groups) x nr columns x 4 bytes */
  float *scale;    /* (npanels * nr): sw[j], 0 past n */
  int32_t *colsum; /* (npanels * nr): sum_k qw[j][k], for the activations' zero points */
  float *shift;    /* (k) or NULL: subtracted from every activation row before it is quantized */
  size_t bytes;
};

qgemm_weight *qgemm_weight_pack(const qgemm_kernel *qk, int n, int k, const float *w, int ldw) {
  return qgemm_weight_pack_fix(qk, n, k, w, ldw, NULL, NULL);
}

/* sum_k w[k] * mu[k], in 16 interleaved float partial sums that the compiler can keep in vector
 * registers (one dependent chain per row cost as much load time as the calibration pass); the
 * order is fixed, so the result is too */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic"))) /* GCC's -O2 does not */
#endif
static float
dot_along(const float *w, const float *mu, int k) {
  float part[16] = {0};
  int i = 0;
  for (; i + 16 <= k; i += 16)
    for (int t = 0; t < 16; t++) part[t] += w[i + t] * mu[i + t];
  for (; i < k; i++) part[0] += w[i] * mu[i];
  for (int h = 8; h > 0; h /= 2)
    for (int t = 0; t < h; t++) part[t] += part[t + h];
  return part[0];
}

qgemm_weight *qgemm_weight_pack_fix(const qgemm_kernel *qk, int n, int k, const float *w, int ldw,
                                    const float *mu, float *fix) {
  /* 255 * 127 * k must fit in int32: k <= 65536 (models have k <= 16384) */
  if (!qk || n <= 0 || k < 0 || k > 65536) return NULL;
  qgemm_weight *pw = calloc(1, sizeof *pw);
  int8_t *row = malloc((size_t)(k > 0 ? k : 1));
  if (!pw || !row) goto oom;
  const int nr = qk->nr;
  pw->qk = qk;
  pw->n = n;
  pw->k = k;
  pw->kp = (int)round_up((size_t)(k > 0 ? k : 1), 4);
  pw->npanels = (n + nr - 1) / nr;
  const size_t cols = (size_t)pw->npanels * (size_t)nr, esize = qk->w16 ? 2 : 1;
  const size_t panel = (size_t)pw->kp * (size_t)nr * esize; /* bytes */
  size_t data_bytes = round_up(panel * (size_t)pw->npanels, QGEMM_ALIGN);
  pw->data = aligned_alloc(QGEMM_ALIGN, data_bytes);
  pw->scale = calloc(cols, sizeof(float));
  pw->colsum = calloc(cols, sizeof(int32_t));
  if (!pw->data || !pw->scale || !pw->colsum) goto oom;
  memset(pw->data, 0, data_bytes);
  pw->bytes = sizeof *pw + data_bytes + cols * (sizeof(float) + sizeof(int32_t));
  /* values per group: 4 int8 or 2 int16 */
  const int per = qk->w16 ? 2 : 4;
  for (int j = 0; j < n; j++) {
    pw->scale[j] = qgemm_quantize_row(w + (size_t)j * (size_t)ldw, k, row);
    int32_t sum = 0;
    uint8_t *pan = pw->data + (size_t)(j / nr) * panel;
    const int jj = j % nr;
    for (int kk = 0; kk < k; kk++) {
      sum += row[kk];
      size_t g = (size_t)(kk / per), t = (size_t)(kk % per);
      uint8_t *cell = pan + (g * (size_t)nr + (size_t)jj) * 4;
      if (qk->w16) {
        int16_t v = row[kk];
        memcpy(cell + 2 * t, &v, 2);
      } else {
        cell[t] = (uint8_t)row[kk];
      }
    }
    pw->colsum[j] = sum;
    if (mu) fix[j] += dot_along(w + (size_t)j * (size_t)ldw, mu, k);
  }
  free(row);
  if (mu) {
    pw->shift = malloc(sizeof(float) * (size_t)(k > 0 ? k : 1));
    if (!pw->shift) goto oom_row_freed;
    if (k > 0) memcpy(pw->shift, mu, sizeof(float) * (size_t)k);
    pw->bytes += sizeof(float) * (size_t)k;
  }
  return pw;
oom:
  free(row);
oom_row_freed:
  qgemm_weight_free(pw);
  return NULL;
}

void qgemm_weight_free(qgemm_weight *w) {
  if (!w) return;
  free(w->data);
  free(w->scale);
  free(w->colsum);
  free(w->shift);
  free(w);
}

size_t qgemm_weight_bytes(const qgemm_weight *w) {
  return w ? w->bytes : 0;
}

const qgemm_kernel *qgemm_weight_kernel(const qgemm_weight *w) {
  return w->qk;
}

/* ---- qgemm_linear ----------------------------------------------------------------------- */

typedef struct qlinear_job {
  const gemm_kernel *fk;
  const qgemm_kernel *qk;
  const qgemm_weight *w;
  int m, mp; /* rows, and rows padded to mr */
  const float *a;
  size_t lda;
  uint8_t *qa; /* (mp, ldq) quantized rows */
  size_t ldq;  /* bytes per quantized row */
  float *sa;   /* (mp) row scales */
  int32_t *za; /* (mp) row zero points */
  float *c;
  size_t ldc;
  const float *bias;
  int gelu;
  const float *res;
  size_t ldr;
  int mc, nc, tasks_n;
  atomic_int *qstate; /* per row block of mc rows: slices claimed, slices quantized */
} qlinear_job;

#define QSLICE 8 /* rows quantized per claim */
/* Row i of A quantized into q (k values), with the weight's shift if it has one. */
static float qlinear_quantize_row(const qlinear_job *j, size_t i, uint8_t *q, int32_t *zero) {
  const float *x = j->a + i * j->lda;
  return qgemm_quantize_act_mu(j->qk, x, j->w->shift, j->w->k, q, zero);
}

/* Quantizes rows [begin, end) of A (rows past m become zero rows). */
static void qlinear_quantize(void *ctx, size_t begin, size_t end, int worker) {
  const qlinear_job *j = ctx;
  const int k = j->w->k, kp = j->w->kp;
  (void)worker;
  for (size_t i = begin; i < end; i++) {
    uint8_t *q = j->qa + i * j->ldq;
    if ((int)i >= j->m) {
      memset(q, 0, j->ldq);
      j->sa[i] = 0.0f;
      j->za[i] = 0;
      continue;
    }
    if (j->qk->w16) {
      /* int16 rows: quantize into the row's last k bytes, then widen in increasing k (d[kk]
       * never overwrites a byte not yet read) */
      int16_t *d = (int16_t *)(void *)q;
      if (j->qk->quant16) { /* the same values, straight to int16 */
        const float *x = j->a + i * j->lda;
        float lo, hi, inv;
        j->qk->range(x, j->w->shift, k, &lo, &hi);
        j->sa[i] = qgemm_act_params(lo, hi, &inv, &j->za[i]);
        j->qk->quant16(x, j->w->shift, k, inv, j->za[i], d);
      } else {
        uint8_t *hi = (uint8_t *)(void *)(d + kp) - k;
        j->sa[i] = qlinear_quantize_row(j, i, hi, &j->za[i]);
        for (int kk = 0; kk < k; kk++) d[kk] = hi[kk];
      }
      for (int kk = k; kk < kp; kk++) d[kk] = 0;
    } else {
      j->sa[i] = qlinear_quantize_row(j, i, q, &j->za[i]);
      memset(q + k, 0, (size_t)(kp - k));
    }
  }
}

/* Makes row block blk (rows [blk * mc, +mc) of the padded rows) quantized: claims and quantizes
 * its slices until none is left, then waits for those another thread is still on. Rows are
 * quantized the same way whoever does it, so the bits never depend on the thread count. */
static void qlinear_block_ready(const qlinear_job *j, size_t blk) {
  const size_t r0 = blk * (size_t)j->mc;
  const size_t r1 = r0 + (size_t)j->mc < (size_t)j->mp ? r0 + (size_t)j->mc : (size_t)j->mp;
  const int n = (int)((r1 - r0 + QSLICE - 1) / QSLICE);
  atomic_int *claimed = j->qstate + 2 * blk, *done = claimed + 1;
  if (atomic_load_explicit(done, memory_order_acquire) == n) return;
  for (int s; (s = atomic_fetch_add_explicit(claimed, 1, memory_order_relaxed)) < n;) {
    const size_t b = r0 + (size_t)s * QSLICE;
    qlinear_quantize((void *)j, b, b + QSLICE < r1 ? b + QSLICE : r1, 0);
    atomic_fetch_add_explicit(done, 1, memory_order_release);
  }
  while (atomic_load_explicit(done, memory_order_acquire) < n) sched_yield();
}

/* The tile at (i0, j0): the micro-kernel's dequantized floats, finished by the f32 epilogue. */
static void qlinear_finish(const qlinear_job *j, int i0, int j0, int rows, int cols,
                           const float *tile) {
  j->fk->epilogue(rows, cols, tile, (size_t)j->qk->nr, j->c + (size_t)i0 * j->ldc + (size_t)j0,
                  j->ldc, j->bias ? j->bias + j0 : NULL, j->gelu,
                  j->res ? j->res + (size_t)i0 * j->ldr + (size_t)j0 : NULL, j->ldr);
}

static _Atomic int force_slow; /* qgemm_debug_force_slow() */

void qgemm_debug_force_slow(int on) {
  force_slow = on;
}

static void qlinear_task(void *ctx, size_t begin, size_t end, int worker) {
  const qlinear_job *j = ctx;
  const qgemm_kernel *qk = j->qk;
  const int mr = qk->mr, nr = qk->nr;
  const size_t ng = (size_t)j->w->kp / (qk->w16 ? 2 : 4), panel = ng * (size_t)nr * 4;
  _Alignas(QGEMM_ALIGN) float tile[QGEMM_TILE_MAX];
  (void)worker;
  for (size_t t = begin; t < end; t++) {
    qlinear_block_ready(j, t / (size_t)j->tasks_n);
    int i0 = (int)(t / (size_t)j->tasks_n) * j->mc, j0 = (int)(t % (size_t)j->tasks_n) * j->nc;
    int mb = j->m - i0 < j->mc ? j->m - i0 : j->mc;
    int nb = j->w->n - j0 < j->nc ? j->w->n - j0 : j->nc;
    for (int ir = 0; ir < mb; ir += mr) {
      const int rows = mb - ir < mr ? mb - ir : mr;
      const uint8_t *ap = j->qa + (size_t)(i0 + ir) * j->ldq;
      for (int jr = 0; jr < nb; jr += nr) {
        const int cols = nb - jr < nr ? nb - jr : nr;
        qgemm_dq dq = {j->sa + i0 + ir, j->za + i0 + ir, j->w->scale + j0 + jr,
                       j->w->colsum + j0 + jr};
        qk->micro(ng, ap, j->ldq, j->w->data + (size_t)(j0 + jr) / (size_t)nr * panel, &dq, tile);
        qlinear_finish(j, i0 + ir, j0 + jr, rows, cols, tile);
      }
    }
  }
}

/* Without scratch for the quantized rows: element by element, re-quantizing A's values on the
 * fly (slow, allocation- and stack-free; the same integers, so the same bits). */
static void qlinear_slow(const qlinear_job *j) {
  _Alignas(QGEMM_ALIGN) float tile[QGEMM_TILE_MAX];
  float sa[QGEMM_MR_MAX], inv[QGEMM_MR_MAX];
  int32_t za[QGEMM_MR_MAX];
  const qgemm_weight *w = j->w;
  const int mr = j->qk->mr, nr = j->qk->nr, per = j->qk->w16 ? 2 : 4, k = w->k;
  const size_t panel = (size_t)w->kp / (size_t)per * (size_t)nr * 4;
  qlinear_job one = *j;
  one.sa = sa;
  one.za = za;
  for (int i0 = 0; i0 < j->m; i0 += mr) {
    const int rows = j->m - i0 < mr ? j->m - i0 : mr;
    for (int i = 0; i < rows; i++) {
      float lo, hi;
      qgemm_range_ref(j->a + (size_t)(i0 + i) * j->lda, w->shift, k, &lo, &hi);
      sa[i] = qgemm_act_params(lo, hi, &inv[i], &za[i]);
    }
    one.a = j->a + (size_t)i0 * j->lda;
    one.c = j->c + (size_t)i0 * j->ldc;
    one.res = j->res ? j->res + (size_t)i0 * j->ldr : NULL;
    for (int j0 = 0; j0 < w->n; j0 += nr) {
      const int cols = w->n - j0 < nr ? w->n - j0 : nr;
      const uint8_t *pan = w->data + (size_t)j0 / (size_t)nr * panel;
      for (int i = 0; i < rows; i++)
        for (int c = 0; c < cols; c++) {
          int32_t s = 0;
          for (int kk = 0; kk < k; kk++) {
            const uint8_t *cell = pan + ((size_t)(kk / per) * (size_t)nr + (size_t)c) * 4;
            int32_t wq;
            if (j->qk->w16) {
              int16_t v;
              memcpy(&v, cell + 2 * (kk % per), 2);
              wq = v;
            } else {
              wq = (int8_t)cell[kk % per];
            }
            uint8_t qa;
            qgemm_quant_ref(j->a + (size_t)(i0 + i) * j->lda + kk, w->shift ? w->shift + kk : NULL,
                            1, inv[i], za[i], &qa);
            s += qa * wq;
          }
          tile[i * nr + c] = (float)(s - za[i] * w->colsum[j0 + c]) * (sa[i] * w->scale[j0 + c]);
        }
      qlinear_finish(&one, 0, j0, rows, cols, tile);
    }
  }
}

void qgemm_linear(pool *p, const gemm_kernel *fk, int m, const float *a, int lda,
                  const qgemm_weight *w, float *c, int ldc, const gemm_epilogue *ep) {
  if (!w || m <= 0) return;
  qlinear_job j = {0};
  j.fk = fk;
  j.qk = w->qk;
  j.w = w;
  j.m = m;
  j.mp = (int)round_up((size_t)m, (size_t)w->qk->mr);
  j.a = a;
  j.lda = (size_t)lda;
  j.ldq = (size_t)w->kp * (w->qk->w16 ? 2 : 1);
  j.c = c;
  j.ldc = (size_t)ldc;
  if (ep) {
    j.bias = ep->bias;
    j.gelu = ep->gelu;
    j.res = ep->residual;
    j.ldr = (size_t)ep->ld_residual;
  }
  static const float zero_row[4];
  if (w->k == 0) j.a = zero_row, j.lda = 0; /* A is not read */
  gemm_task_layout(m, w->n, w->qk->mr, w->qk->nr, w->qk->mc, w->qk->nc, &j.mc, &j.nc);
  j.tasks_n = (w->n + j.nc - 1) / j.nc;
  const size_t blocks = (size_t)((m + j.mc - 1) / j.mc);
  const size_t qbytes = round_up((size_t)j.mp * j.ldq, QGEMM_ALIGN);
  const size_t sbytes = (size_t)j.mp * (sizeof(float) + sizeof(int32_t));
  uint8_t *buf =
      force_slow ? NULL : gemm_scratch_q(qbytes + sbytes + 2 * blocks * sizeof(atomic_int));
  if (!buf) {
    qlinear_slow(&j);
    return;
  }
  j.qa = buf;
  j.sa = (float *)(void *)(buf + qbytes);
  j.za = (int32_t *)(void *)(j.sa + j.mp);
  j.qstate = (atomic_int *)(void *)(buf + qbytes + sbytes);
  for (size_t b = 0; b < 2 * blocks; b++) atomic_init(&j.qstate[b], 0);
  pool_for(p, blocks * (size_t)j.tasks_n, 1, qlinear_task, &j);
}
