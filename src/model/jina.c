/*
 * jina.c - JinaBERT v2's layers: loading their tensors and running them (see jina.h).
 *
 * JinaBERT v2 is BERT with three changes (Jina AI's reference implementation, "JinaBert"):
 *   - no position embeddings: x = LayerNorm(word[id] + type[0]); positions enter as ALiBi, a
 *     bias -slope_h * |i - j| added to head h's scaled scores, symmetric (the encoder variant),
 *     the same in every layer;
 *   - a GEGLU feed-forward: g = x Wg^T (no bias, Wg is (2I, H)), m = GELU(g[:, :I]) * g[:, I:]
 *     (the FIRST half through the exact erf GELU), then x = LayerNorm(m Wo^T + bo + x);
 *   - its own tensor names: mlp.gated_layers, mlp.wo, mlp.layernorm.
 * Attention and its output projection are BERT's (post-LN), so the layer reads, with T tokens:
 *   qkv = x Wqkv^T + bqkv                                                qkv: (T, 3H)
 *   ctx = attention with ALiBi (nn/attention.c), per sequence and head   ctx: (T, H)
 *   x   = LayerNorm(ctx Wo^T + bo + x)
 *   for each block of JINA_FFN_ROWS rows:
 *     g = x Wg^T;  g[:, :I] = GELU(g[:, :I]) * g[:, I:]                  g: (rows, 2I)
 *     x = LayerNorm(g[:, :I] Wwo^T + bwo + x)
 * Blocking the feed-forward keeps its buffer at JINA_FFN_ROWS x 2I floats, so one 8,192-token
 * text needs about 5H floats per token of activations (x, qkv, ctx) and nothing quadratic. Every
 * product goes through gemm_linear() on packed weights, as in bert.c, so each output element
 * has one fixed order of operations and the result does not depend on the thread count (nor
 * on the blocking: a row's arithmetic is the same in any block).
 *
 * ALiBi slopes for n heads (ALiBi's recipe, as the reference computes them): for n a power of
 * two, slope_k = 2^(-8 (k + 1) / n); otherwise, with p = 2^floor(log2 n), the p-head slopes
 * followed by the slopes of 2p heads at even indices 0, 2, 4, ..., n - p of them.
 *
 * jina-embeddings-v2-base-code is a different model (the "QK post-norm" JinaBERT: LayerNorms on
 * Q and K, mlp.up_gated_layer / mlp.down_layer with the second half activated); it is refused
 * by name rather than run wrong.
 */
#include "model/jina.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "nn/attention.h"
#include "nn/ops.h"

/* ---- loading ---------------------------------------------------------------------------- */

int jina_load_layer(bert_loader *L, int l, bert_layer *y) {
  char name[160];
  snprintf(name, sizeof name, "%sencoder.layer.%d.mlp.up_gated_layer.weight", L->prefix, l);
  if (safetensors_find(&L->m->file, name))
    return err_set(L->err, BRASS_EUNSUPPORTED,
                   "%s: '%s' marks the QK-post-norm JinaBERT (jina-embeddings-v2-base-code), "
                   "which brass does not run (it runs jina-embeddings-v2-small-en and -base-en)",
                   L->path, name);

  static const bl_layer_names jina = {
      .linear = {"attention.self.query", "attention.self.key", "attention.self.value",
                 "attention.output.dense", "mlp.gated_layers", "mlp.wo"},
      .up_parts = 2,   /* the gate's and the value's rows, stacked */
      .up_bias = NULL, /* the gated FFN's up projection has no bias */
      .down_bias = "mlp.wo.bias",
      .ln2_gamma = "mlp.layernorm.weight",
      .ln2_beta = "mlp.layernorm.bias"};
  return bl_layer_tensors(L, l, &jina, y);
}

void jina_alibi_slopes(int heads, float *out) {
  int p = 1;
  while (2 * p <= heads) p *= 2;
  /* the p-head slopes 2^(-8 (k+1) / p), then the 2p-head ones at even k: 2^(-8 (k+1) / (2p)) */
  for (int k = 0; k < p; k++) out[k] = (float)exp2(-8.0 * (k + 1) / p);
  for (int k = 0; k < heads - p; k++) out[p + k] = (float)exp2(-8.0 * (2 * k + 1) / (2 * p));
}

/* ---- forward ---------------------------------------------------------------------------- */

typedef struct jina_geglu_job {
  float *g; /* (rows, 2I) */
  size_t I;
} jina_geglu_job;

/* g[r][:I] = GELU(g[r][:I]) * g[r][I:] for rows [begin, end). */
static void jina_geglu_rows(void *ctx, size_t begin, size_t end, int worker) {
  const jina_geglu_job *j = ctx;
  (void)worker;
  for (size_t r = begin; r < end; r++) {
    float *a = j->g + r * 2 * j->I;
    geglu_f32(a, a + j->I, j->I);
  }
}

/* x = LN(GEGLU(x Wg^T) Wwo^T + bwo + x) on `rows` rows, JINA_FFN_ROWS at a time. */
static void jina_ffn(const bert_model *m, pool *p, const bert_layer *y, int rows, float *x,
                     float *g) {
  const int H = m->hidden, I = m->intermediate;
  for (int r0 = 0; r0 < rows; r0 += JINA_FFN_ROWS) {
    const int nr = rows - r0 < JINA_FFN_ROWS ? rows - r0 : JINA_FFN_ROWS;
    float *xr = x + (size_t)r0 * (size_t)H;
    gemm_linear(p, nr, xr, H, y->ffn_up, g, 2 * I, NULL);
    jina_geglu_job gj = {g, (size_t)I};
    pool_for(p, (size_t)nr, 8, jina_geglu_rows, &gj);
    gemm_epilogue e_wo = {.bias = y->ffn_down_bias, .residual = xr, .ld_residual = H};
    gemm_linear(p, nr, g, 2 * I, y->ffn_down, xr, H, &e_wo);
    layernorm_f32(p, nr, H, xr, H, y->ln2_gamma, y->ln2_beta, m->ln_eps, xr, H);
  }
}

int jina_encode(const bert_model *m, pool *p, const bert_batch *b, int cls_only, bert_scratch *s,
                const float **out) {
  const int T = b->ntok, H = m->hidden;
  float *x = s->x, *qkv = s->qkv, *ctx = s->ctx;
  for (int l = 0; l < m->layers; l++) {
    const bert_layer *y = &m->layer[l];
    gemm_epilogue e_qkv = {.bias = y->qkv_bias};
    gemm_linear(p, T, x, H, y->qkv, qkv, 3 * H, &e_qkv);
    int rc = attention_alibi_f32(p, m->kern, b->nseq, b->start, b->len, m->heads, H / m->heads,
                                 m->alibi, qkv, 3 * H, ctx, H);
    if (rc) return rc;
    gemm_epilogue e_out = {.bias = y->attn_out_bias, .residual = x, .ld_residual = H};
    gemm_linear(p, T, ctx, H, y->attn_out, x, H, &e_out);
    layernorm_f32(p, T, H, x, H, y->ln1_gamma, y->ln1_beta, m->ln_eps, x, H);
    jina_ffn(m, p, y, T, x, s->ffn);
  }
  if (cls_only) /* one row per sequence, in order: row k <- row start[k] (>= k, so in place) */
    for (int k = 0; k < b->nseq; k++)
      memmove(x + (size_t)k * (size_t)H, x + (size_t)b->start[k] * (size_t)H,
              (size_t)H * sizeof(float));
  *out = x;
  return 0;
}
