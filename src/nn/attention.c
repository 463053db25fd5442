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
 * (2n floats beside its scores), copies each row's slice into S, and lets the score GEMM add to
 * it: S = scale * Q K^T + S (gemm_serial's alpha and beta), then softmax without a scale. So
 * the memory stays O(threads x 128 x len) at any length: no (heads, len, len) tensor, and no
 * (len, len) block per head either; 8,192 tokens need 130 x 8,192 floats (4.3 MB) per thread.
 */
#include "nn/attention.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "nn/kernel.h"

#define ATTN_QBLOCK 128

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
  const float *slopes; /* (heads) ALiBi slopes, or NULL */
  float *scores;       /* per worker: ATTN_QBLOCK x max_len scores, then 2 x max_len ramp (ALiBi) */
  size_t scores_per_worker;
  size_t max_len;
} attn_job;

/* Query blocks of a sequence of n tokens: as few as possible, of equal size. */
static int attn_blocks(int n) {
  return n <= 0 ? 0 : (n + ATTN_QBLOCK - 1) / ATTN_QBLOCK;
}

static void attn_task(void *ctx, size_t begin, size_t end, int worker) {
  const attn_job *j = ctx;
  float *s = j->scores + (size_t)worker * j->scores_per_worker;
  const size_t hd = (size_t)j->head_dim, width = (size_t)j->heads * hd;
  int b = 0;
  for (size_t t = begin; t < end; t++) {
    while (t >= (size_t)j->task0[b + 1]) b++; /* tasks arrive in increasing order */
    int n = j->len[b], nb = attn_blocks(n);
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
    if (j->slopes) {
      /* ramp[t] = -slope * |t - (n - 1)|; the bias row of query q0 + r starts at n - 1 - q0 - r */
      float *ramp = s + (size_t)ATTN_QBLOCK * j->max_len, slope = j->slopes[h];
      for (int t = 0; t < 2 * n - 1; t++) ramp[t] = -(slope * (float)abs(t - (n - 1)));
      for (int r = 0; r < rows; r++)
        memcpy(s + (size_t)r * (size_t)n, ramp + (n - 1 - q0 - r), (size_t)n * sizeof(float));
      gemm_serial(j->kern, 0, 1, rows, n, (int)hd, j->scale, q, (int)j->ld_qkv, k, (int)j->ld_qkv,
                  1.0f, s, n);
      for (int r = 0; r < rows; r++) j->kern->softmax(s + (size_t)r * (size_t)n, (size_t)n, 1.0f);
    } else {
      gemm_serial(j->kern, 0, 1, rows, n, (int)hd, 1.0f, q, (int)j->ld_qkv, k, (int)j->ld_qkv, 0.0f,
                  s, n);
      for (int r = 0; r < rows; r++)
        j->kern->softmax(s + (size_t)r * (size_t)n, (size_t)n, j->scale);
    }
    gemm_serial(j->kern, 0, 0, rows, (int)hd, n, 1.0f, s, n, v, (int)j->ld_qkv, 0.0f, o,
                (int)j->ld_out);
  }
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
  task0[0] = 0;
  for (int b = 0; b < nseq; b++) {
    int n = len[b] > 0 ? len[b] : 0;
    if (n > max_len) max_len = n;
    task0[b + 1] = task0[b] + heads * attn_blocks(n);
  }
  if (task0[nseq] == 0) {
    free(task0);
    return 0;
  }
  int nthreads = pool_threads(p);
  size_t per_worker = (size_t)(ATTN_QBLOCK + (slopes ? 2 : 0)) * (size_t)max_len;
  float *scores = malloc(sizeof(float) * per_worker * (size_t)nthreads);
  if (!scores) {
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
                  .scores = scores,
                  .scores_per_worker = per_worker,
                  .max_len = (size_t)max_len};
  pool_for(p, (size_t)task0[nseq], 1, attn_task, &job);
  free(scores);
  free(task0);
  return 0;
}

int attention_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start, const int *len,
                  int heads, int head_dim, const float *qkv, int ld_qkv, float *out, int ld_out) {
  return attention_alibi_f32(p, kern, nseq, start, len, heads, head_dim, NULL, qkv, ld_qkv, out,
                             ld_out);
}
