/*
 * gemm.c - the portable SGEMM drivers around the per-ISA micro-kernels: kernel choice, weight
 * packing, the blocked parallel gemm_linear(), the single-thread gemm_serial(), the per-thread
 * scratch they use, and a stack-only fallback for when that scratch cannot be allocated.
 *
 * gemm_linear (C = A * W^T + epilogue), BLIS-style:
 *   W (n x k) is packed once into nr-wide panels spanning all of k (panel p holds columns
 *   p*nr .. p*nr+nr-1, k-major), so any k-range of a panel is one contiguous run. The output is
 *   cut into tasks of mc rows x nc columns chosen from the shape alone; the pool hands tasks to
 *   threads. A task walks k in blocks of kc; in each, every mr-row slice of A (read in place:
 *   mr rows x kc stay in L1) meets every nr-column panel of the kc x nc weight block (which stays
 *   in L2). Only a last slice of fewer than mr rows is copied, zero-padded, to scratch. The first
 *   k-block writes C, later ones add to it, and after the last one the epilogue (bias, GELU,
 *   residual) runs on the tile while it is still in L1.
 * Determinism: every C element is produced by one micro-kernel lane as the same chain of
 *   multiply-adds in increasing k; storing the partial sum between k-blocks and reloading it is
 *   exact, so neither the blocking nor the task layout nor the thread that runs a task can change
 *   a bit: results are identical for any number of threads (and for the fallback path).
 * Residual aliasing: when residual == C, the sums must not land in C before the epilogue has
 *   read the residual: one k-block goes through a tile on the stack, several through a
 *   per-thread buffer for the whole task.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "base/cpu.h"
#include "brass.h"
#include "nn/kernel.h"
#include "nn/qkernel.h"

#define SMALL_KB 64       /* k step of the stack-only fallback */
#define GEMM_MIN_TASKS 24 /* gemm_linear splits into at least this many tasks when it can */
#define GEMM_ALIGN 64

/* ---- kernel choice ---------------------------------------------------------------------- */

static const gemm_kernel *kernel_available(const char *name) {
  if (!name) return NULL;
  if (strcmp(name, "ref") == 0) return &gemm_kernel_ref;
#ifdef GEMM_HAVE_X86
  const cpu_features *f = cpu_detect();
  if (strcmp(name, "avx2") == 0 && f->avx2_fma) return &gemm_kernel_avx2;
  if (strcmp(name, "avx512") == 0 && f->avx512f) return &gemm_kernel_avx512;
#endif
#ifdef GEMM_HAVE_WASM
  /* one wasm kernel per binary: "wasm-simd128", or "wasm-relaxed-simd" in the relaxed build */
  if (strcmp(name, "wasm") == 0 || strcmp(name, gemm_kernel_wasm.name) == 0)
    return &gemm_kernel_wasm;
#endif
  return NULL;
}

const gemm_kernel *gemm_kernel_by_name(const char *name) {
  return kernel_available(name);
}

const char *gemm_kernel_name(const gemm_kernel *k) {
  return k ? k->name : "none";
}

static const gemm_kernel *default_kernel;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

/* Best first; BRASS_KERNEL names the best one allowed (an unknown name is ignored). */
static void choose_default(void) {
  static const char *const order[] = {"avx512", "avx2", "wasm", "ref"};
  const char *cap = getenv("BRASS_KERNEL");
  int start = 0, n = (int)(sizeof order / sizeof order[0]);
  if (cap && *cap) {
    for (int i = 0; i < n; i++)
      if (strcmp(cap, order[i]) == 0 || (i == 2 && strncmp(cap, "wasm-", 5) == 0)) start = i;
  }
  for (int i = start; i < n && !default_kernel; i++) default_kernel = kernel_available(order[i]);
}

const gemm_kernel *gemm_kernel_default(void) {
  pthread_once(&default_once, choose_default);
  return default_kernel;
}

const char *brass_kernel_name(void) {
  return gemm_kernel_name(gemm_kernel_default());
}

/* ---- per-thread scratch ----------------------------------------------------------------- */

/* Each thread owns up to GEMM_SCRATCH_SLOTS growable, 64-byte aligned buffers. They live in
 * thread-local storage, are reused across calls (no allocation in steady state), and are freed
 * by a pthread key destructor when the thread exits, or by gemm_scratch_release(). */
enum {
  SCRATCH_A = 0,
  SCRATCH_B = 1,
  SCRATCH_C = 2,
  SCRATCH_Q = 3,
  SCRATCH_KV = 4,
  GEMM_SCRATCH_SLOTS = 5
};

typedef struct scratch {
  float *buf[GEMM_SCRATCH_SLOTS];
  size_t cap[GEMM_SCRATCH_SLOTS]; /* floats */
} scratch;

static _Thread_local scratch tls_scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void scratch_free(scratch *s) {
  for (int i = 0; i < GEMM_SCRATCH_SLOTS; i++) {
    free(s->buf[i]);
    s->buf[i] = NULL;
    s->cap[i] = 0;
  }
}

static void scratch_destructor(void *arg) {
  scratch_free(arg);
}

static void scratch_key_init(void) {
  scratch_key_ok = pthread_key_create(&scratch_key, scratch_destructor) == 0;
}

void gemm_scratch_release(void) {
  scratch_free(&tls_scratch);
  if (scratch_key_ok) pthread_setspecific(scratch_key, NULL);
}

static _Atomic int force_small; /* gemm_debug_force_small() */

void gemm_debug_force_small(int on) {
  force_small = on;
}

/* A buffer of at least n floats for this thread (contents undefined), or NULL. */
static float *scratch_get(int slot, size_t n) {
  scratch *s = &tls_scratch;
  if (force_small) return NULL;
  if (s->cap[slot] >= n && s->buf[slot]) return s->buf[slot];
  pthread_once(&scratch_once, scratch_key_init);
  if (scratch_key_ok) pthread_setspecific(scratch_key, s);
  size_t cap = n < 1024 ? 1024 : n + n / 4;
  size_t bytes = (cap * sizeof(float) + GEMM_ALIGN - 1) / GEMM_ALIGN * GEMM_ALIGN;
  float *p = aligned_alloc(GEMM_ALIGN, bytes);
  if (!p) return NULL;
  free(s->buf[slot]);
  s->buf[slot] = p;
  s->cap[slot] = cap;
  return p;
}

void *gemm_scratch_q(size_t bytes) {
  return scratch_get(SCRATCH_Q, (bytes + sizeof(float) - 1) / sizeof(float));
}

void *gemm_scratch_kv(size_t bytes) {
  return scratch_get(SCRATCH_KV, (bytes + sizeof(float) - 1) / sizeof(float));
}

/* ---- packing ---------------------------------------------------------------------------- */

static size_t round_up(size_t x, size_t to) {
  return (x + to - 1) / to * to;
}

/* dst (mr rows, ld kb) = rows x kb of op(A) starting at a, missing rows zero: the row-major,
 * zero-padded copy the micro-kernel reads at an edge (or when A is transposed).
 * op(A)[i][k] = a[i*lda + k] (ta = 0) or a[k*lda + i] (ta = 1). */
static void copy_a(const float *a, size_t lda, int ta, int rows, int kb, int mr, float *dst) {
  for (int i = 0; i < rows; i++) {
    float *d = dst + (size_t)i * (size_t)kb;
    if (ta)
      for (int k = 0; k < kb; k++) d[k] = a[(size_t)k * lda + (size_t)i];
    else
      memcpy(d, a + (size_t)i * lda, sizeof(float) * (size_t)kb);
  }
  memset(dst + (size_t)rows * (size_t)kb, 0, sizeof(float) * (size_t)(mr - rows) * (size_t)kb);
}

/* A B micro-panel (kb x nr) of op(B) starting at b: op(B)[k][j] = b[j*ldb + k] (tb = 1, packed
 * by the kernel's vectorised transpose) or b[k*ldb + j] (tb = 0, row copies). */
static void pack_b(const gemm_kernel *kern, const float *b, size_t ldb, int tb, int cols, int kb,
                   float *dst) {
  const int nr = kern->nr;
  if (tb) {
    kern->pack_bt(b, ldb, cols, kb, dst);
    return;
  }
  for (int k = 0; k < kb; k++) {
    float *d = dst + (size_t)k * (size_t)nr;
    if (k + 8 < kb) __builtin_prefetch(b + (size_t)(k + 8) * ldb);
    memcpy(d, b + (size_t)k * ldb, sizeof(float) * (size_t)cols);
    for (int j = cols; j < nr; j++) d[j] = 0.0f;
  }
}

/* ---- packed weights --------------------------------------------------------------------- */

struct gemm_weight {
  const gemm_kernel *kern;
  qgemm_weight *q; /* GEMM_INT8: the quantized weight (data is NULL) */
  int n, k;
  int npanels;  /* ceil(n / nr) */
  float *data;  /* (npanels, k, nr): data[(p*k + kk)*nr + j] = W[p*nr + j][kk], 0 past n */
  size_t bytes; /* of data */
};

/* Fills pw's shape for an n x k weight; the panels' size goes to pw->bytes. */
static void weight_shape(gemm_weight *pw, const gemm_kernel *kern, int n, int k) {
  int nr = kern->nr;
  pw->kern = kern;
  pw->n = n;
  pw->k = k;
  pw->npanels = (n + nr - 1) / nr;
  size_t floats = (size_t)pw->npanels * (size_t)k * (size_t)nr;
  pw->bytes = round_up((floats ? floats : 1) * sizeof(float), GEMM_ALIGN);
}

/* The panels from W (n x k, ldw), or from W^T (k x n, ldw) when trans: then each panel row is
 * a plain copy of nr consecutive floats of one row of W^T (pack_b), no transpose needed. */
static void weight_fill(gemm_weight *pw, const float *w, int ldw, int trans) {
  const int nr = pw->kern->nr, n = pw->n, k = pw->k;
  for (int p = 0; p < pw->npanels && k > 0; p++) {
    int rows = n - p * nr < nr ? n - p * nr : nr;
    float *dst = pw->data + (size_t)p * (size_t)k * (size_t)nr;
    if (trans)
      pack_b(pw->kern, w + (size_t)p * nr, (size_t)ldw, 0, rows, k, dst);
    else
      pw->kern->pack_bt(w + (size_t)p * nr * (size_t)ldw, (size_t)ldw, rows, k, dst);
  }
}

static int weight_args_ok(const gemm_kernel *kern, int n, int k, const float *w, int ldw,
                          int trans) {
  return kern && n > 0 && k >= 0 && ldw >= (trans ? n : k) && (w || k == 0);
}

static gemm_weight *weight_pack(const gemm_kernel *kern, int n, int k, const float *w, int ldw,
                                int trans) {
  if (!weight_args_ok(kern, n, k, w, ldw, trans)) return NULL;
  gemm_weight *pw = calloc(1, sizeof *pw);
  if (!pw) return NULL;
  weight_shape(pw, kern, n, k);
  pw->data = aligned_alloc(GEMM_ALIGN, pw->bytes);
  if (!pw->data) {
    free(pw);
    return NULL;
  }
  weight_fill(pw, w, ldw, trans);
  return pw;
}

gemm_weight *gemm_weight_pack(const gemm_kernel *kern, int n, int k, const float *w, int ldw) {
  return weight_pack(kern, n, k, w, ldw, 0);
}

gemm_weight *gemm_weight_pack_t(const gemm_kernel *kern, int n, int k, const float *wt, int ldwt) {
  return weight_pack(kern, n, k, wt, ldwt, 1);
}

/* the handle first, then the panels at the next 64-byte boundary */
#define WEIGHT_HEAD round_up(sizeof(gemm_weight), GEMM_ALIGN)

size_t gemm_weight_pack_size(const gemm_kernel *kern, int n, int k) {
  gemm_weight shape;
  if (!kern || n <= 0 || k < 0) return 0;
  weight_shape(&shape, kern, n, k);
  return WEIGHT_HEAD + shape.bytes;
}

static gemm_weight *weight_pack_in(void *mem, const gemm_kernel *kern, int n, int k, const float *w,
                                   int ldw, int trans) {
  if (!mem || !weight_args_ok(kern, n, k, w, ldw, trans)) return NULL;
  gemm_weight *pw = mem;
  memset(pw, 0, sizeof *pw);
  weight_shape(pw, kern, n, k);
  pw->data = (float *)(void *)((char *)mem + WEIGHT_HEAD);
  weight_fill(pw, w, ldw, trans);
  return pw;
}

gemm_weight *gemm_weight_pack_in(void *mem, const gemm_kernel *kern, int n, int k, const float *w,
                                 int ldw) {
  return weight_pack_in(mem, kern, n, k, w, ldw, 0);
}

gemm_weight *gemm_weight_pack_t_in(void *mem, const gemm_kernel *kern, int n, int k,
                                   const float *wt, int ldwt) {
  return weight_pack_in(mem, kern, n, k, wt, ldwt, 1);
}

gemm_weight *gemm_weight_pack_dtype(const gemm_kernel *kern, gemm_dtype dtype, int n, int k,
                                    const float *w, int ldw) {
  if (dtype == GEMM_F32) return gemm_weight_pack(kern, n, k, w, ldw);
  if (dtype != GEMM_INT8) return NULL;
  return gemm_weight_pack_int8_fix(kern, n, k, w, ldw, NULL, NULL);
}

gemm_weight *gemm_weight_pack_int8_fix(const gemm_kernel *kern, int n, int k, const float *w,
                                       int ldw, const float *mu, float *fix) {
  if (!kern || n <= 0 || k < 0 || ldw < k || (!w && k > 0) || (mu && !fix)) return NULL;
  gemm_weight *pw = calloc(1, sizeof *pw);
  if (!pw) return NULL;
  pw->kern = kern;
  pw->n = n;
  pw->k = k;
  pw->q = qgemm_weight_pack_fix(qgemm_kernel_default(), n, k, w, ldw, mu, fix);
  if (!pw->q) {
    free(pw);
    return NULL;
  }
  pw->bytes = qgemm_weight_bytes(pw->q);
  return pw;
}

gemm_dtype gemm_weight_dtype(const gemm_weight *w) {
  return w && w->q ? GEMM_INT8 : GEMM_F32;
}

const char *gemm_weight_kernel_name(const gemm_weight *w) {
  if (!w) return "none";
  return w->q ? qgemm_weight_kernel(w->q)->name : w->kern->name;
}

void gemm_weight_free(gemm_weight *w) {
  if (!w) return;
  qgemm_weight_free(w->q);
  free(w->data);
  free(w);
}

int gemm_weight_n(const gemm_weight *w) {
  return w->n;
}
int gemm_weight_k(const gemm_weight *w) {
  return w->k;
}
size_t gemm_weight_bytes(const gemm_weight *w) {
  return w ? w->bytes + sizeof *w : 0;
}
const gemm_kernel *gemm_weight_kernel(const gemm_weight *w) {
  return w->kern;
}

/* ---- the stack-only fallback ------------------------------------------------------------ */

/* tile (mr x nr, ld nr) = op(A) (rows x k) * op(B) (k x cols), copying k in steps of SMALL_KB
 * on the stack: the path taken when scratch cannot be allocated. a points at op(A)[0][0] and b
 * at op(B)[0][0] (see copy_a/pack_b for ta/tb), unless bpacked (a k x nr panel) is given.
 * Splitting k does not change the result (the micro-kernel continues each chain exactly), so
 * this matches the fast paths bit for bit. */
static void tile_small(const gemm_kernel *kern, int rows, int cols, int k, const float *a,
                       size_t lda, int ta, const float *b, size_t ldb, int tb, const float *bpacked,
                       float *tile) {
  _Alignas(GEMM_ALIGN) float apan[GEMM_MR_MAX * SMALL_KB];
  _Alignas(GEMM_ALIGN) float bpan[SMALL_KB * GEMM_NR_MAX];
  const int mr = kern->mr, nr = kern->nr;
  int kk = 0;
  do {
    int kb = k - kk < SMALL_KB ? k - kk : SMALL_KB;
    copy_a(ta ? a + (size_t)kk * lda : a + kk, lda, ta, rows, kb, mr, apan);
    const float *bp = bpan;
    if (bpacked)
      bp = bpacked + (size_t)kk * (size_t)nr;
    else
      pack_b(kern, tb ? b + kk : b + (size_t)kk * ldb, ldb, tb, cols, kb, bpan);
    kern->micro((size_t)kb, apan, (size_t)kb, bp, (size_t)nr, tile, (size_t)nr, kk > 0);
    kk += kb;
  } while (kk < k);
}

/* ---- gemm_linear ------------------------------------------------------------------------ */

typedef struct linear_job {
  const gemm_kernel *kern;
  int m, n, k;
  const float *a;
  size_t lda;
  const gemm_weight *w;
  float *c;
  size_t ldc;
  const float *bias;
  int gelu;
  const float *res;
  size_t ldr;
  int has_epilogue;
  int res_is_c; /* the residual is C itself: C is written only by the epilogue */
  int alias;    /* res_is_c and k spans several k-blocks: partial sums go to scratch */
  int mc, nc, kc;
  int tasks_n; /* tasks along n */
} linear_job;

/* Copies the rows x cols corner of src into a zeroed mr x nr tile (ld nr), or back. */
static void tile_in(const float *src, size_t lds, int rows, int cols, float *tile, int nr, int mr) {
  memset(tile, 0, sizeof(float) * (size_t)mr * (size_t)nr);
  for (int i = 0; i < rows; i++) memcpy(tile + i * nr, src + i * lds, sizeof(float) * cols);
}

static void tile_out(const float *tile, int nr, int rows, int cols, float *dst, size_t ldd) {
  for (int i = 0; i < rows; i++) memcpy(dst + i * ldd, tile + i * nr, sizeof(float) * cols);
}

/* The epilogue of the tile at rows i, columns j of C, reading the finished sums from src. */
static void linear_finish(const linear_job *job, int i, int j, int rows, int cols, const float *src,
                          size_t lds) {
  job->kern->epilogue(rows, cols, src, lds, job->c + (size_t)i * job->ldc + (size_t)j, job->ldc,
                      job->bias ? job->bias + j : NULL, job->gelu,
                      job->res ? job->res + (size_t)i * job->ldr + (size_t)j : NULL, job->ldr);
}

/* linear_block without scratch: one tile at a time through tile_small. */
static void linear_block_small(const linear_job *job, int i0, int mb, int j0, int nb) {
  const gemm_kernel *kern = job->kern;
  const int mr = kern->mr, nr = kern->nr;
  _Alignas(GEMM_ALIGN) float tile[GEMM_TILE_MAX];
  for (int ir = 0; ir < mb; ir += mr) {
    const int rows = mb - ir < mr ? mb - ir : mr;
    for (int jr = 0; jr < nb; jr += nr) {
      const int cols = nb - jr < nr ? nb - jr : nr;
      const float *bp = job->w->data + (size_t)(j0 + jr) / nr * (size_t)job->k * (size_t)nr;
      tile_small(kern, rows, cols, job->k, job->a + (size_t)(i0 + ir) * job->lda, job->lda, 0, NULL,
                 0, 0, bp, tile);
      linear_finish(job, i0 + ir, j0 + jr, rows, cols, tile, (size_t)nr);
    }
  }
}

/* Rows [i0, i0+mb) x columns [j0, j0+nb) of C, all of k. Loop order: k-blocks, then mr-row
 * slices of A (read in place, kept in L1), then the nr-column weight panels (the kc x nb block
 * stays in L2). */
static void linear_block(const linear_job *job, int i0, int mb, int j0, int nb) {
  const gemm_kernel *kern = job->kern;
  const int mr = kern->mr, nr = kern->nr, k = job->k;
  const size_t kc_max = (size_t)(job->kc < k ? job->kc : (k > 0 ? k : 1));
  float *pa = NULL; /* zero-padded copy of the last, partial row slice */
  float *cb = NULL; /* partial sums when job->alias */
  size_t ldcb = round_up((size_t)nb, (size_t)nr);
  if (mb % mr) pa = scratch_get(SCRATCH_A, (size_t)mr * kc_max);
  if (job->alias) cb = scratch_get(SCRATCH_C, round_up((size_t)mb, (size_t)mr) * ldcb);
  if ((mb % mr && !pa) || (job->alias && !cb)) {
    linear_block_small(job, i0, mb, j0, nb);
    return;
  }
  _Alignas(GEMM_ALIGN) float tile[GEMM_TILE_MAX];

  int pc = 0;
  do {
    const int kb = k - pc < job->kc ? k - pc : job->kc;
    const int acc = pc > 0, last = pc + kb >= k;
    for (int ir = 0; ir < mb; ir += mr) {
      const int rows = mb - ir < mr ? mb - ir : mr;
      const float *ap = job->a + (size_t)(i0 + ir) * job->lda + (size_t)pc;
      size_t lda = job->lda;
      if (rows < mr) {
        copy_a(ap, lda, 0, rows, kb, mr, pa);
        ap = pa;
        lda = (size_t)kb;
      }
      for (int jr = 0; jr < nb; jr += nr) {
        const int cols = nb - jr < nr ? nb - jr : nr;
        const float *bp =
            job->w->data + ((size_t)(j0 + jr) / nr * (size_t)k + (size_t)pc) * (size_t)nr;
        float *cij = job->c + (size_t)(i0 + ir) * job->ldc + (size_t)(j0 + jr);
        float *dst;
        size_t ldd;
        if (cb) {
          dst = cb + (size_t)ir * ldcb + (size_t)jr;
          ldd = ldcb;
        } else if (rows == mr && cols == nr && !job->res_is_c) {
          dst = cij;
          ldd = job->ldc;
        } else {
          dst = tile;
          ldd = (size_t)nr;
          if (acc) tile_in(cij, job->ldc, rows, cols, tile, nr, mr);
        }
        kern->micro((size_t)kb, ap, lda, bp, (size_t)nr, dst, ldd, acc);
        if (last && (job->has_epilogue || dst != cij))
          linear_finish(job, i0 + ir, j0 + jr, rows, cols, dst, ldd);
        else if (!last && dst == tile)
          tile_out(tile, nr, rows, cols, cij, job->ldc);
      }
    }
    pc += kb;
  } while (pc < k);
}

static void linear_task(void *ctx, size_t begin, size_t end, int worker) {
  const linear_job *job = ctx;
  (void)worker;
  for (size_t t = begin; t < end; t++) {
    int ti = (int)(t / (size_t)job->tasks_n), tj = (int)(t % (size_t)job->tasks_n);
    int i0 = ti * job->mc, j0 = tj * job->nc;
    int mb = job->m - i0 < job->mc ? job->m - i0 : job->mc;
    int nb = job->n - j0 < job->nc ? job->n - j0 : job->nc;
    linear_block(job, i0, mb, j0, nb);
  }
}

/* Task layout from the shape alone: with few rows, narrow the column blocks (to 2 panels at
 * least), then the row blocks (to 4 slices), until there are GEMM_MIN_TASKS tasks to share. */
void gemm_task_layout(int m, int n, int mr, int nr, int mc0, int nc0, int *mc, int *nc) {
  int bm = (int)round_up((size_t)mc0, (size_t)mr), bn = (int)round_up((size_t)nc0, (size_t)nr);
  int tasks_m = (m + bm - 1) / bm;
  while (tasks_m * ((n + bn - 1) / bn) < GEMM_MIN_TASKS && bn > 2 * nr)
    bn = (int)round_up((size_t)bn / 2, (size_t)nr);
  while (tasks_m * ((n + bn - 1) / bn) < GEMM_MIN_TASKS && bm > 4 * mr) {
    bm = (int)round_up((size_t)bm / 2, (size_t)mr);
    tasks_m = (m + bm - 1) / bm;
  }
  *mc = bm;
  *nc = bn;
}

void gemm_linear(pool *p, int m, const float *a, int lda, const gemm_weight *w, float *c, int ldc,
                 const gemm_epilogue *ep) {
  if (!w || m <= 0) return;
  if (w->q) {
    qgemm_linear(p, w->kern, m, a, lda, w->q, c, ldc, ep);
    return;
  }
  linear_job job = {0};
  job.kern = w->kern;
  job.m = m;
  job.n = w->n;
  job.k = w->k;
  static const float no_a[1];
  job.a = w->k > 0 ? a : no_a; /* with k == 0, A is never read (and may be NULL) */
  job.lda = w->k > 0 ? (size_t)lda : 0;
  job.w = w;
  job.c = c;
  job.ldc = (size_t)ldc;
  if (ep) {
    job.bias = ep->bias;
    job.gelu = ep->gelu;
    job.res = ep->residual;
    job.ldr = (size_t)ep->ld_residual;
    job.has_epilogue = ep->bias || ep->gelu || ep->residual;
  }
  const gemm_kernel *kern = job.kern;
  job.kc = kern->kc;
  job.mc = (int)round_up((size_t)kern->mc, (size_t)kern->mr);
  job.nc = (int)round_up((size_t)kern->nc, (size_t)kern->nr);
  job.res_is_c = job.res && job.res == c;
  job.alias = job.res_is_c && job.k > job.kc;
  gemm_task_layout(m, job.n, kern->mr, kern->nr, job.mc, job.nc, &job.mc, &job.nc);
  int tasks_m = (m + job.mc - 1) / job.mc;
  job.tasks_n = (job.n + job.nc - 1) / job.nc;
  pool_for(p, (size_t)tasks_m * (size_t)job.tasks_n, 1, linear_task, &job);
}

/* ---- gemm_serial ------------------------------------------------------------------------ */

/* C (rows x cols) = alpha * tile + beta * C, or alpha * tile when beta == 0 (C not read). */
static void serial_store(const float *tile, int nr, int rows, int cols, float alpha, float beta,
                         float *c, size_t ldc) {
  for (int i = 0; i < rows; i++) {
    float *ci = c + (size_t)i * ldc;
    const float *ti = tile + i * nr;
    if (beta == 0.0f)
      for (int j = 0; j < cols; j++) ci[j] = alpha * ti[j];
    else
      for (int j = 0; j < cols; j++) ci[j] = alpha * ti[j] + beta * ci[j];
  }
}

void gemm_serial(const gemm_kernel *kern, int trans_a, int trans_b, int m, int n, int k,
                 float alpha, const float *a, int lda, const float *b, int ldb, float beta,
                 float *c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (!kern) kern = gemm_kernel_default();
  const int mr = kern->mr, nr = kern->nr;
  const int kk = k > 0 ? k : 0;
  const size_t ka = (size_t)lda, kb1 = kk ? (size_t)kk : 1;
  const int npanels = (n + nr - 1) / nr;
  _Alignas(GEMM_ALIGN) float tile[GEMM_TILE_MAX];
  if (kk == 0) { /* op(A) op(B) is zero; A and B are not read (and may be NULL) */
    memset(tile, 0, sizeof tile);
    for (int i0 = 0; i0 < m; i0 += mr)
      for (int j0 = 0; j0 < n; j0 += nr)
        serial_store(tile, nr, m - i0 < mr ? m - i0 : mr, n - j0 < nr ? n - j0 : nr, alpha, beta,
                     c + (size_t)i0 * (size_t)ldc + j0, (size_t)ldc);
    return;
  }
  /* op(B) panels: a row-major B (trans_b == 0) is read in place, except a last panel narrower
   * than nr; a transposed B is packed whole. */
  const int packed = trans_b ? npanels : (n % nr != 0);
  float *pb = packed ? scratch_get(SCRATCH_B, (size_t)packed * kb1 * (size_t)nr) : NULL;
  float *pa = NULL; /* row-major zero-padded A slice, for edges and for trans_a */
  if (trans_a || m % mr) pa = scratch_get(SCRATCH_A, (size_t)mr * kb1);
  if ((packed && !pb) || ((trans_a || m % mr) && !pa)) { /* out of memory: stack only */
    for (int i0 = 0; i0 < m; i0 += mr) {
      int rows = m - i0 < mr ? m - i0 : mr;
      for (int j0 = 0; j0 < n; j0 += nr) {
        int cols = n - j0 < nr ? n - j0 : nr;
        tile_small(kern, rows, cols, kk, trans_a ? a + i0 : a + (size_t)i0 * ka, ka, trans_a,
                   trans_b ? b + (size_t)j0 * (size_t)ldb : b + j0, (size_t)ldb, trans_b, NULL,
                   tile);
        serial_store(tile, nr, rows, cols, alpha, beta, c + (size_t)i0 * (size_t)ldc + j0,
                     (size_t)ldc);
      }
    }
    return;
  }

  if (trans_b)
    for (int p = 0; p < npanels; p++) {
      int j0 = p * nr, cols = n - j0 < nr ? n - j0 : nr;
      pack_b(kern, b + (size_t)j0 * (size_t)ldb, (size_t)ldb, 1, cols, kk,
             pb + (size_t)p * kb1 * (size_t)nr);
    }
  else if (packed)
    pack_b(kern, b + (size_t)(npanels - 1) * nr, (size_t)ldb, 0, n - (npanels - 1) * nr, kk, pb);
  for (int i0 = 0; i0 < m; i0 += mr) {
    int rows = m - i0 < mr ? m - i0 : mr;
    const float *ap = a + (size_t)i0 * ka;
    size_t ldap = ka;
    if (trans_a || rows < mr) {
      copy_a(trans_a ? a + i0 : ap, ka, trans_a, rows, kk, mr, pa);
      ap = pa;
      ldap = (size_t)kk;
    }
    for (int p = 0; p < npanels; p++) {
      int j0 = p * nr, cols = n - j0 < nr ? n - j0 : nr;
      float *cij = c + (size_t)i0 * (size_t)ldc + (size_t)j0;
      const float *bp = pb;
      size_t ldbp = (size_t)nr;
      if (trans_b)
        bp = pb + (size_t)p * kb1 * (size_t)nr;
      else if (cols == nr)
        bp = b + j0, ldbp = (size_t)ldb;
      if (alpha == 1.0f && beta == 0.0f && rows == mr && cols == nr) {
        kern->micro((size_t)kk, ap, ldap, bp, ldbp, cij, (size_t)ldc, 0);
        continue;
      }
      kern->micro((size_t)kk, ap, ldap, bp, ldbp, tile, (size_t)nr, 0);
      serial_store(tile, nr, rows, cols, alpha, beta, cij, (size_t)ldc);
    }
  }
}
