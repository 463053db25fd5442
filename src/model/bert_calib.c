/*
 * bert_calib.c - the load-time calibration pass behind int8's mean centring (bert_calib.h):
 * a fixed sequence of pseudo-random tokens run through each BERT layer as it is packed, on one
 * thread, with the model's own kernels, giving each Linear layer its mean input.
 */
#include "model/bert_calib.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/attention.h"
#include "nn/ops.h"

int bert_calib_begin(bert_calib *c, const bert_model *m) {
  memset(c, 0, sizeof *c);
  const int H = m->hidden, I = m->intermediate;
  const int n = m->max_seq < BERT_CALIB_TOKENS ? m->max_seq : BERT_CALIB_TOKENS;
  if (n <= 0 || m->vocab <= 0) return 0; /* nothing to calibrate with: no correction */
  const size_t per = (size_t)5 * (size_t)H + (size_t)I, wide = (size_t)(H > I ? H : I);
  c->block = malloc(((size_t)n * per + 3 * wide) * sizeof(float));
  if (!c->block) return BRASS_ENOMEM;
  c->n = n;
  c->sum = c->block; /* first: malloc's alignment suits doubles */
  c->x = (float *)(void *)(c->sum + wide);
  c->qkv = c->x + (size_t)n * (size_t)H;
  c->ctx = c->qkv + (size_t)n * 3 * (size_t)H;
  c->f = c->ctx + (size_t)n * (size_t)H;
  c->mu = c->f + (size_t)n * (size_t)I;
  /* ids from a fixed LCG, above the first 1/16 of the vocabulary (where BERT vocabularies keep
   * their special and unused tokens); positions 0 .. n-1, token type 0 */
  const uint32_t lo = (uint32_t)m->vocab / 16, span = (uint32_t)m->vocab - lo;
  uint32_t state = 12345u;
  for (int t = 0; t < n; t++) {
    state = state * 1664525u + 1013904223u;
    bert_embed_row(m, lo + (state >> 8) % span, 0, t, c->x + (size_t)t * (size_t)H);
  }
  layernorm_f32(NULL, n, H, c->x, H, m->emb_ln_gamma, m->emb_ln_beta, m->ln_eps, c->x, H);
  return 0;
}

void bert_calib_free(bert_calib *c) {
  free(c->block);
  memset(c, 0, sizeof *c);
}

const float *bert_calib_mean(bert_calib *c, const float *a, int lda, int k) {
  double *sum = c->sum;
  for (int i = 0; i < k; i++) sum[i] = 0.0;
  for (int r = 0; r < c->n; r++) /* row by row: each column's sum in row order */
    for (int i = 0; i < k; i++) sum[i] += a[(size_t)r * (size_t)lda + (size_t)i];
  for (int i = 0; i < k; i++) c->mu[i] = (float)(sum[i] / c->n);
  return c->mu;
}

int bert_calib_attention(bert_calib *c, const bert_model *m, const bert_layer *y) {
  const int H = m->hidden;
  gemm_epilogue e = {.bias = y->qkv_bias};
  gemm_linear(NULL, c->n, c->x, H, y->qkv, c->qkv, 3 * H, &e);
  const int start = 0, len = c->n;
  return attention_f32(NULL, m->kern, 1, &start, &len, m->heads, H / m->heads, c->qkv, 3 * H,
                       c->ctx, H);
}

void bert_calib_out(bert_calib *c, const bert_model *m, const bert_layer *y) {
  const int H = m->hidden;
  gemm_epilogue e = {.bias = y->attn_out_bias, .residual = c->x, .ld_residual = H};
  gemm_linear(NULL, c->n, c->ctx, H, y->attn_out, c->x, H, &e);
  layernorm_f32(NULL, c->n, H, c->x, H, y->ln1_gamma, y->ln1_beta, m->ln_eps, c->x, H);
}

void bert_calib_up(bert_calib *c, const bert_model *m, const bert_layer *y) {
  gemm_epilogue e = {.bias = y->ffn_up_bias, .gelu = 1};
  gemm_linear(NULL, c->n, c->x, m->hidden, y->ffn_up, c->f, m->intermediate, &e);
}

void bert_calib_down(bert_calib *c, const bert_model *m, const bert_layer *y) {
  const int H = m->hidden;
  gemm_epilogue e = {.bias = y->ffn_down_bias, .residual = c->x, .ld_residual = H};
  gemm_linear(NULL, c->n, c->f, m->intermediate, y->ffn_down, c->x, H, &e);
  layernorm_f32(NULL, c->n, H, c->x, H, y->ln2_gamma, y->ln2_beta, m->ln_eps, c->x, H);
}
