/*
 * attention.c - multi-head self-attention over a padded or ragged batch (see attention.h).
 *
 * One task = (sequence b, head h, block of up to ATTN_QBLOCK queries). Tasks are numbered
 * sequence-major, then head, then query block, so the tasks a thread picks up in a row mostly
 * share one head's keys and values (len x head_dim each, a few tens of KB: they stay in L1/L2).
 * A task computes
 *   S = Q_blk K^T                  (rows x len; gemm_serial with B transposed)
 *   S[r] = softmax(scale * S[r])   (the kernel's vectorised softmax over the len real keys; the
 *                                   scale 1/sqrt(head_dim) is applied inside it)
 *   out_blk = S V                  (rows x head_dim, written straight into its head's columns)
 * S lives in a buffer allocated once per call and sliced per worker index. Each output row is
 * computed the same way whichever block or thread it lands in, so results do not depend on the
 * thread count. Keys past len[b] (padding) are never read, which is exactly BERT's key mask.
 *
 * ALiBi (JinaBERT v2): the bias -slope_h * |i - j| of query i and key j is one diagonal of a
 * ramp, R[t] = -slope_h * |t - (n - 1)| for t < 2n - 1, since bias(i, j) = R[j - i + n - 1]:
 * row i of the bias is the n consecutive floats R[n - 1 - i ..]. A task writes its ramp once
 * (2n floats beside its scores) and a copy of its queries times 1/sqrt(head_dim); then
 *   S = (scale Q_blk) K^T;  S[r] += R[n - 1 - i ..] (the kernel's vectorised epilogue);
 *   S[r] = softmax(S[r]);  out_blk = S V.
 * Long sequences (more than one query block) have their keys and values packed once per
 * (sequence, head) as GEMM weights before the tasks run, so that no block packs them again and
 * both products are cache-blocked along the sequence (gemm_linear, serially inside the task);
 * their query blocks shrink so that a task's scores stay within ATTN_SCORES_FLOATS (L2). A
 * sequence of one block keeps gemm_serial; both routes give the same bits. Where the slope is
 * steep, most keys of a long sequence are weighted below e^-32 of the largest score: a block then
 * reads only the band of keys that can matter (attn_window; the rest would change the softmax sum
 * by less than float32 rounds away), unpacked and in place. Memory: per thread
 * qblock x len scores + 2 len ramp + qblock x head_dim queries (at 8,192 tokens, 24 x 8,192:
 * under 1 MB), plus the packed keys and values (len x hidden x 2 floats, in one buffer the
 * calling thread keeps for the next call: gemm_scratch_kv): no (heads, len, len) tensor, and no
 * (len, len) block per head either.
 */
#include "nn/attention.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "nn/kernel.h"

#define ATTN_QBLOCK 128
#define ATTN_SCORES_FLOATS (64u << 10) /* ALiBi: a task's scores, 256 KB, stay in L2 */
#define ATTN_QBLOCK_MIN 24
#define ATTN_SKIP_LOG 32.0 /* ALiBi: keys weighted below e^-32 of the largest are skipped */

typedef struct attn_job {
  const gemm_kernel *kern;
  int nseq;
  const int *start, *len;
  const int *task0; /* nseq + 1 prefix sums: first task of each sequence */
  int heads, head_dim;
  const float *qkv;
  size_t ld_qkv;
  float *out;
  size_t ld_out;
  float scale;
  const float *slopes;   /* (heads) ALiBi slopes, or NULL */
  gemm_weight **kpacked; /* ALiBi: (nseq x heads) each head's keys, packed once for all blocks */
  gemm_weight **vpacked; /* ALiBi: (nseq x heads) each head's values, transposed and packed */
  const float *knorm;    /* ALiBi: (nseq x heads) the largest key norm of each packed head */
  float *scores; /* per worker: ATTN_QBLOCK x max_len scores, then 2 x max_len ramp (ALiBi) */
  size_t scores_per_worker;
  size_t max_len;
  int qblock; /* queries per task: ATTN_QBLOCK, or fewer for long ALiBi sequences */
} attn_job;

/* Query blocks of a sequence of n tokens: as few as possible, of equal size. */
static int attn_blocks(int n, int qblock) {
  return n <= 0 ? 0 : (n + qblock - 1) / qblock;
}

/* The keys [*lo, *hi) that can matter to queries q0 .. q0 + rows - 1 of a sequence of n tokens
 * under the ALiBi slope `slope`. qs holds the queries times 1/sqrt(head_dim), k the keys (row
 * stride ld_qkv), kmax the largest key norm. Query i's largest score is at least its score with
 * itself, s_ii (bias 0), and no key scores more than |q_i| kmax (Cauchy-Schwarz), so a key at
 * distance d with |q_i| kmax - s_ii - slope d < -ATTN_SKIP_LOG contributes less than
 * e^-ATTN_SKIP_LOG of the largest term to the softmax: at most n e^-32 (< 1e-10 for 8,192 keys)
 * in all, far below float32's rounding of the sum. Steep heads thus read a band around the
 * diagonal. The band depends only on the block's queries and keys, never on the thread count.
 * Returns [0, n) when the band would not save a quarter of the work, or for non-finite values. */
static void attn_window(const attn_job *j, const float *qs, int rows, const float *k, int q0, int n,
                        float slope, float kmax, int *lo, int *hi) {
  const size_t hd = (size_t)j->head_dim;
  double first = (double)n, last = 0.0;
  *lo = 0;
  *hi = n;
  if (!(slope > 0.0f)) return;
  for (int r = 0; r < rows; r++) {
    const float *qr = qs + (size_t)r * hd, *kr = k + (size_t)(q0 + r) * j->ld_qkv;
    double qq = 0.0, self = 0.0;
    for (size_t c = 0; c < hd; c++) {
      qq += (double)qr[c] * qr[c];
      self += (double)qr[c] * kr[c];
    }
    double reach = (sqrt(qq) * kmax - self + ATTN_SKIP_LOG) / slope; /* keys past it are mute */
    if (!(reach < (double)n)) return;                                /* also NaN and infinity */
    double a = q0 + r - reach, z = q0 + r + reach + 1.0;
    first = a < first ? a : first;
    last = z > last ? z : last;
  }
  int a = first < 0.0 ? 0 : (int)first, z = last > n ? n : (int)ceil(last);
  if ((long long)(z - a) * 4 > (long long)n * 3) return;
  *lo = a;
  *hi = z;
}

static void attn_task(void *ctx, size_t begin, size_t end, int worker) {
  const attn_job *j = ctx;
  float *s = j->scores + (size_t)worker * j->scores_per_worker;
  const size_t hd = (size_t)j->head_dim, width = (size_t)j->heads * hd;
  int b = 0;
  for (size_t t = begin; t < end; t++) {
    while (t >= (size_t)j->task0[b + 1]) b++; /* tasks arrive in increasing order */
    int n = j->len[b], nb = attn_blocks(n, j->qblock);
    int local = (int)t - j->task0[b];
    int h = local / nb, qb = local % nb;
    int per = (n + nb - 1) / nb;
    int q0 = qb * per, rows = n - q0 < per ? n - q0 : per;
    if (rows <= 0) continue;
    const float *base = j->qkv + (size_t)j->start[b] * j->ld_qkv + (size_t)h * hd;
    const float *q = base + (size_t)q0 * j->ld_qkv; /* rows x hd */
    const float *k = base + width;                  /* n x hd */
    const float *v = base + 2 * width;              /* n x hd */
    float *o = j->out + ((size_t)j->start[b] + (size_t)q0) * j->ld_out + (size_t)h * hd;
    const gemm_weight *kw = NULL, *vw = NULL;
    if (j->slopes) {
      /* ramp[t] = -slope * |t - (n - 1)|; the bias row of query q0 + r starts at n - 1 - q0 - r */
      float *ramp = s + (size_t)j->qblock * j->max_len, slope = j->slopes[h];
      float *qs = ramp + 2 * j->max_len; /* rows x hd: the queries times 1/sqrt(hd) */
      for (int t = 0; t < 2 * n - 1; t++) ramp[t] = -(slope * (float)abs(t - (n - 1)));
      for (int r = 0; r < rows; r++)
        for (size_t c = 0; c < hd; c++) qs[(size_t)r * hd + c] = j->scale * q[r * j->ld_qkv + c];
      const size_t pair = (size_t)b * (size_t)j->heads + (size_t)h;
      kw = j->kpacked[pair];
      vw = j->vpacked[pair];
      int lo = 0, hi = n;
      if (kw) attn_window(j, qs, rows, k, q0, n, slope, j->knorm[pair], &lo, &hi);
      if (hi - lo < n) { /* only the keys the bias leaves a say: read in place, unpacked */
        const int m = hi - lo;
        gemm_serial(j->kern, 0, 1, rows, m, (int)hd, 1.0f, qs, (int)hd, k + (size_t)lo * j->ld_qkv,
                    (int)j->ld_qkv, 0.0f, s, m);
        for (int r = 0; r < rows; r++) {
          float *sr = s + (size_t)r * (size_t)m;
          j->kern->epilogue(1, m, sr, (size_t)m, sr, (size_t)m, NULL, 0,
                            ramp + (n - 1 - q0 - r + lo), (size_t)m);
          j->kern->softmax(sr, (size_t)m, 1.0f);
        }
        gemm_serial(j->kern, 0, 0, rows, (int)hd, m, 1.0f, s, m, v + (size_t)lo * j->ld_qkv,
                    (int)j->ld_qkv, 0.0f, o, (int)j->ld_out);
        continue;
      }
      if (kw) /* several query blocks: the keys were packed once */
        gemm_linear(NULL, rows, qs, (int)hd, kw, s, n, NULL);
      else
        gemm_serial(j->kern, 0, 1, rows, n, (int)hd, 1.0f, qs, (int)hd, k, (int)j->ld_qkv, 0.0f, s,
                    n);
      for (int r = 0; r < rows; r++) {
        float *sr = s + (size_t)r * (size_t)n;
        j->kern->epilogue(1, n, sr, (size_t)n, sr, (size_t)n, NULL, 0, ramp + (n - 1 - q0 - r),
                          (size_t)n);
        j->kern->softmax(sr, (size_t)n, 1.0f);
      }
    } else {
      /* a short sequence in one block: the kernel's register path, if it has one (same bits) */
      if (rows == n && j->kern->attn_small &&
          j->kern->attn_small(n, j->head_dim, q, k, v, j->ld_qkv, j->scale, o, j->ld_out))
        continue;
      gemm_serial(j->kern, 0, 1, rows, n, (int)hd, 1.0f, q, (int)j->ld_qkv, k, (int)j->ld_qkv, 0.0f,
                  s, n);
      for (int r = 0; r < rows; r++)
        j->kern->softmax(s + (size_t)r * (size_t)n, (size_t)n, j->scale);
    }
    if (vw) /* the same bits as gemm_serial below (k blocks resume exactly), better cached */
      gemm_linear(NULL, rows, s, n, vw, o, (int)j->ld_out, NULL);
    else
      gemm_serial(j->kern, 0, 0, rows, (int)hd, n, 1.0f, s, n, v, (int)j->ld_qkv, 0.0f, o,
                  (int)j->ld_out);
  }
}

typedef struct attn_pack_job {
  const gemm_kernel *kern;
  const int *start, *len;
  int heads, head_dim;
  const float *qkv;
  size_t ld_qkv;
  size_t npairs; /* nseq x heads */
  int qblock;
  gemm_weight **kw; /* (2 x npairs) out: keys, then values; NULL where one query block covers
                       the sequence, or out of memory */
  float *knorm;     /* (npairs) out: max over the keys of |k|, for attn_window */
  char *arena;      /* the calling thread's gemm_scratch_kv: the packed pairs at off[i]; NULL:
                       each pair allocates its own */
  const size_t *off;
} attn_pack_job;

/* Packs w (n x k; given as w^T, k x n, when trans) at `at` in the arena, or into memory of its
 * own when at is NULL. */
static gemm_weight *attn_pack(const gemm_kernel *kern, char *at, int n, int k, const float *w,
                              int ldw, int trans) {
  if (trans)
    return at ? gemm_weight_pack_t_in(at, kern, n, k, w, ldw)
              : gemm_weight_pack_t(kern, n, k, w, ldw);
  return at ? gemm_weight_pack_in(at, kern, n, k, w, ldw) : gemm_weight_pack(kern, n, k, w, ldw);
}

/* The largest norm of n keys of hd floats (stride ld), for attn_window; NaN if any is NaN, so
 * that attn_window then keeps every key. */
static float attn_max_norm(const float *k, size_t n, size_t hd, size_t ld) {
  float kmax = 0.0f;
  for (size_t t = 0; t < n; t++) {
    float ss = 0.0f;
    for (size_t c = 0; c < hd; c++) ss += k[t * ld + c] * k[t * ld + c];
    kmax = ss > kmax || ss != ss ? ss : kmax;
  }
  return sqrtf(kmax);
}

/* Packs the keys and values of (sequence, head) pairs [begin, end) as GEMM weights, once for
 * all query blocks: S = Q K^T is gemm_linear(Q, K) and S V is gemm_linear(S, V^T), both
 * cache-blocked along the sequence (a strided V read in place would cost a TLB miss per key).
 * V^T's panels are copies of V's rows (gemm_weight_pack_t): no transposed V is written. */
static void attn_pack_kv(void *ctx, size_t begin, size_t end, int worker) {
  const attn_pack_job *j = ctx;
  (void)worker;
  for (size_t i = begin; i < end; i++) {
    size_t b = i / (size_t)j->heads, h = i % (size_t)j->heads, hd = (size_t)j->head_dim;
    size_t n = j->len[b] > 0 ? (size_t)j->len[b] : 0;
    if (attn_blocks((int)n, j->qblock) < 2) continue; /* one block: packing saves nothing */
    const float *k = j->qkv + (size_t)j->start[b] * j->ld_qkv + ((size_t)j->heads + h) * hd;
    const float *v = k + (size_t)j->heads * hd;
    j->knorm[i] = attn_max_norm(k, n, hd, j->ld_qkv);
    char *at = j->arena ? j->arena + j->off[i] : NULL;
    j->kw[i] = attn_pack(j->kern, at, (int)n, (int)hd, k, (int)j->ld_qkv, 0);
    if (at) at += gemm_weight_pack_size(j->kern, (int)n, (int)hd); /* after the keys */
    j->kw[j->npairs + i] = attn_pack(j->kern, at, (int)hd, (int)n, v, (int)j->ld_qkv, 1);
  }
}

/* Frees the array and, unless they live in the arena, the packed weights. */
static void attn_free_kv(gemm_weight **kw, size_t n, int in_arena) {
  for (size_t i = 0; kw && !in_arena && i < n; i++)
    if (kw[i]) gemm_weight_free(kw[i]);
  free(kw);
}

/* Lays out the arena for the pairs that have several query blocks (off[i]) and returns its size
 * in bytes. */
static size_t attn_arena_layout(const gemm_kernel *kern, const int *len, int heads, int head_dim,
                                size_t npairs, int qblock, size_t *off) {
  size_t total = 0;
  for (size_t i = 0; i < npairs; i++) {
    int n = len[i / (size_t)heads];
    if (attn_blocks(n, qblock) < 2) continue;
    off[i] = total;
    total += gemm_weight_pack_size(kern, n, head_dim) + gemm_weight_pack_size(kern, head_dim, n);
  }
  return total;
}

int attention_alibi_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start,
                        const int *len, int heads, int head_dim, const float *slopes,
                        const float *qkv, int ld_qkv, float *out, int ld_out) {
  if (nseq <= 0) return 0;
  if (heads <= 0 || head_dim <= 0 || !start || !len || !qkv || !out ||
      (long long)ld_qkv < 3LL * heads * head_dim || (long long)ld_out < (long long)heads * head_dim)
    return BRASS_EINVAL;
  if (!kern) kern = gemm_kernel_default();
  int *task0 = malloc(sizeof(int) * ((size_t)nseq + 1));
  if (!task0) return BRASS_ENOMEM;
  int max_len = 0;
  for (int b = 0; b < nseq; b++)
    if (len[b] > max_len) max_len = len[b];
  /* Long sequences take fewer queries per task, so that a task's scores stay in L2 */
  int qblock = ATTN_QBLOCK;
  if (slopes && max_len > 0 && (size_t)qblock * (size_t)max_len > ATTN_SCORES_FLOATS) {
    qblock = (int)(ATTN_SCORES_FLOATS / (size_t)max_len) / 8 * 8;
    if (qblock < ATTN_QBLOCK_MIN) qblock = ATTN_QBLOCK_MIN;
  }
  task0[0] = 0;
  for (int b = 0; b < nseq; b++)
    task0[b + 1] = task0[b] + heads * attn_blocks(len[b] > 0 ? len[b] : 0, qblock);
  if (task0[nseq] == 0) {
    free(task0);
    return 0;
  }
  int nthreads = pool_threads(p);
  size_t per_worker = (size_t)qblock * (size_t)max_len;
  if (slopes) per_worker += 2 * (size_t)max_len + (size_t)qblock * (size_t)head_dim;
  float *scores = malloc(sizeof(float) * per_worker * (size_t)nthreads);
  const size_t npairs = (size_t)nseq * (size_t)heads;
  attn_pack_job pj = {.kern = kern,
                      .start = start,
                      .len = len,
                      .heads = heads,
                      .head_dim = head_dim,
                      .qkv = qkv,
                      .ld_qkv = (size_t)ld_qkv,
                      .npairs = npairs,
                      .qblock = qblock};
  size_t *off = NULL;
  if (scores && slopes) {
    pj.kw = calloc(2 * npairs, sizeof *pj.kw);
    pj.knorm = calloc(npairs, sizeof *pj.knorm);
    /* Keys and values are packed afresh on every call: into one buffer the calling thread keeps,
     * so that the layers of a text and the texts after it reuse its pages (fresh allocations
     * cost a page fault per 4 KB, 6% of a 2,048-token int8 forward). */
    off = calloc(npairs, sizeof *off);
    if (off) {
      size_t bytes = attn_arena_layout(kern, len, heads, head_dim, npairs, qblock, off);
      pj.arena = bytes ? gemm_scratch_kv(bytes) : NULL;
      pj.off = off;
    }
    if (pj.kw && pj.knorm) pool_for(p, npairs, 1, attn_pack_kv, &pj);
  }
  const int in_arena = pj.arena != NULL;
  int ok = scores && (!slopes || (pj.kw && pj.knorm));
  for (size_t i = 0; ok && slopes && i < npairs; i++)
    if (attn_blocks(len[i / (size_t)heads], qblock) > 1 && (!pj.kw[i] || !pj.kw[npairs + i]))
      ok = 0;
  if (!ok) {
    attn_free_kv(pj.kw, 2 * npairs, in_arena);
    free(off);
    free(pj.knorm);
    free(scores);
    free(task0);
    return BRASS_ENOMEM;
  }
  attn_job job = {.kern = kern,
                  .nseq = nseq,
                  .start = start,
                  .len = len,
                  .task0 = task0,
                  .heads = heads,
                  .head_dim = head_dim,
                  .qkv = qkv,
                  .ld_qkv = (size_t)ld_qkv,
                  .out = out,
                  .ld_out = (size_t)ld_out,
                  .scale = (float)(1.0 / sqrt((double)head_dim)),
                  .slopes = slopes,
                  .kpacked = pj.kw,
                  .vpacked = pj.kw ? pj.kw + npairs : NULL,
                  .knorm = pj.knorm,
                  .scores = scores,
                  .scores_per_worker = per_worker,
                  .max_len = (size_t)max_len,
                  .qblock = qblock};
  pool_for(p, (size_t)task0[nseq], 1, attn_task, &job);
  attn_free_kv(pj.kw, 2 * npairs, in_arena);
  free(off);
  free(pj.knorm);
  free(scores);
  free(task0);
  return 0;
}

int attention_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start, const int *len,
                  int heads, int head_dim, const float *qkv, int ld_qkv, float *out, int ld_out) {
  return attention_alibi_f32(p, kern, nseq, start, len, heads, head_dim, NULL, qkv, ld_qkv, out,
                             ld_out);
}

typedef struct attn_first_job {
  const gemm_kernel *kern;
  const int *start, *len;
  int heads, head_dim;
  const float *qkv;
  int ld_qkv;
  float *out;
  int ld_out;
  float scale;
  float *scores; /* per worker: max_len floats */
  size_t max_len;
} attn_first_job;

/* (sequence, head) pairs [begin, end): the first query's row, as attn_task computes it (the same
 * gemm_serial products and softmax on that row alone: the same bits). */
static void attn_first_task(void *ctx, size_t begin, size_t end, int worker) {
  const attn_first_job *j = ctx;
  float *s = j->scores + (size_t)worker * j->max_len;
  const size_t hd = (size_t)j->head_dim, width = (size_t)j->heads * hd;
  for (size_t t = begin; t < end; t++) {
    const size_t b = t / (size_t)j->heads, h = t % (size_t)j->heads;
    const int n = j->len[b];
    if (n <= 0) continue;
    const float *q = j->qkv + (size_t)j->start[b] * (size_t)j->ld_qkv + h * hd;
    const float *k = q + width, *v = q + 2 * width;
    float *o = j->out + b * (size_t)j->ld_out + h * hd;
    gemm_serial(j->kern, 0, 1, 1, n, (int)hd, 1.0f, q, j->ld_qkv, k, j->ld_qkv, 0.0f, s, n);
    j->kern->softmax(s, (size_t)n, j->scale);
    gemm_serial(j->kern, 0, 0, 1, (int)hd, n, 1.0f, s, n, v, j->ld_qkv, 0.0f, o, j->ld_out);
  }
}

int attention_first_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start,
                        const int *len, int heads, int head_dim, const float *qkv, int ld_qkv,
                        float *out, int ld_out) {
  if (nseq <= 0) return 0;
  if (heads <= 0 || head_dim <= 0 || !start || !len || !qkv || !out ||
      (long long)ld_qkv < 3LL * heads * head_dim || (long long)ld_out < (long long)heads * head_dim)
    return BRASS_EINVAL;
  if (!kern) kern = gemm_kernel_default();
  int max_len = 0;
  for (int b = 0; b < nseq; b++)
    if (len[b] > max_len) max_len = len[b];
  if (max_len == 0) return 0;
  float *scores = malloc(sizeof(float) * (size_t)max_len * (size_t)pool_threads(p));
  if (!scores) return BRASS_ENOMEM;
  attn_first_job job = {.kern = kern,
                        .start = start,
                        .len = len,
                        .heads = heads,
                        .head_dim = head_dim,
                        .qkv = qkv,
                        .ld_qkv = ld_qkv,
                        .out = out,
                        .ld_out = ld_out,
                        .scale = (float)(1.0 / sqrt((double)head_dim)),
                        .scores = scores,
                        .max_len = (size_t)max_len};
  pool_for(p, (size_t)nseq * (size_t)heads, 4, attn_first_task, &job);
  free(scores);
  return 0;
}
