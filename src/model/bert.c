/*
 * bert.c - loading a BERT encoder from safetensors and running its forward pass (see bert.h).
 *
 * Loading resolves each tensor by name ("bert." prefix or not; legacy LayerNorm gamma/beta),
 * checks dtype and exact shape against config.json (all tensors first, before allocating
 * anything sized by the config), converts to F32 and packs Linear weights for
 * the GEMM kernel. Packed weights are private copies, so the file pages they came from are
 * discarded right away (file_map_discard) and resident memory stays near one copy of the model.
 * A file that was read into memory instead (WebAssembly) is closed after loading, keeping a copy
 * of the word embeddings only. int8 models quantize the word embeddings too (model/word_q8.h) and
 * close the file either way.
 *
 * The forward pass, top to bottom, for a ragged batch of T tokens (H hidden, I intermediate):
 *   x = LayerNorm(word[id] + type[0] + pos[p])                          x: (T, H)
 *   for each layer:
 *     qkv = x Wqkv^T + bqkv                                             qkv: (T, 3H)
 *     ctx = attention(qkv) per sequence and head                        ctx: (T, H)
 *     x   = LayerNorm(ctx Wo^T + bo + x)
 *     f   = GELU(x Wup^T + bup)                                         f: (T, I)
 *     x   = LayerNorm(f Wdown^T + bdown + x)
 *   (int8: the last three lines run on blocks of BERT_FFN_ROWS rows per thread, so f stays in
 *   cache)
 * With CLS pooling only each sequence's first row is used, so the last layer's attention runs for
 * that query alone (still reading every token's keys and values) and its output projection and
 * feed-forward on those rows alone.
 * Every step runs on the pool and computes each output element on one thread in a fixed order,
 * so the result does not depend on the thread count.
 */
#include "model/bert.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "model/bert_load.h"
#include "model/jina.h"
#include "nn/attention.h"
#include "nn/ops.h"

/* ---- loading ---------------------------------------------------------------------------- */

static void bl_shape_str(char *buf, size_t cap, int ndim, const int64_t *shape) {
  size_t n = 0;
  n += (size_t)snprintf(buf + n, cap - n, "[");
  for (int i = 0; i < ndim && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
}

/* Finds tensor `name` (without prefix) of shape [d0] (d1 < 0) or [d0, d1] in F32/F16/BF16. */
int bl_find(bert_loader *L, const char *name, int64_t d0, int64_t d1, const st_tensor **out) {
  char full[256];
  snprintf(full, sizeof full, "%s%s", L->prefix, name);
  const st_tensor *t = safetensors_find(&L->m->file, full);
  if (!t) {
    /* Checkpoints converted from TensorFlow call LayerNorm's parameters gamma and beta. */
    size_t n = strlen(full);
    char legacy[256];
    if (n > 16 && strcmp(full + n - 16, "LayerNorm.weight") == 0) {
      snprintf(legacy, sizeof legacy, "%.*sgamma", (int)(n - 6), full);
      t = safetensors_find(&L->m->file, legacy);
    } else if (n > 14 && strcmp(full + n - 14, "LayerNorm.bias") == 0) {
      snprintf(legacy, sizeof legacy, "%.*sbeta", (int)(n - 4), full);
      t = safetensors_find(&L->m->file, legacy);
    }
  }
  if (!t) return err_set(L->err, BRASS_EFORMAT, "%s: missing tensor '%s'", L->path, full);
  if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16)
    return err_set(L->err, BRASS_EUNSUPPORTED,
                   "%s: tensor '%s' has dtype %s (brass reads F32, F16 or BF16)", L->path, full,
                   st_dtype_name(t->dtype));
  int64_t want[2] = {d0, d1};
  int want_ndim = d1 < 0 ? 1 : 2;
  if (t->ndim != want_ndim || t->shape[0] != d0 || (want_ndim == 2 && t->shape[1] != d1)) {
    char got_s[128], want_s[64];
    bl_shape_str(got_s, sizeof got_s, t->ndim, t->shape);
    bl_shape_str(want_s, sizeof want_s, want_ndim, want);
    return err_set(L->err, BRASS_EFORMAT, "%s: tensor '%s' has shape %s, config.json implies %s",
                   L->path, full, got_s, want_s);
  }
  *out = t;
  return 0;
}

/* Converts a 1-D tensor (or the first `rows` rows of a 2-D one) into the vector block. */
int bl_vector(bert_loader *L, const char *name, int64_t d0, int64_t d1, size_t count,
              const float **out) {
  const st_tensor *t;
  int rc = bl_find(L, name, d0, d1, &t);
  if (rc || L->check_only) return rc;
  float *v = L->vec_next;
  L->vec_next += count;
  st_to_f32(t->dtype, t->data, count, v);
  *out = v;
  return 0;
}

/* Index of the first inf or NaN among x[0..n), or (size_t)-1. */
static size_t bl_first_nonfinite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return i;
  return (size_t)-1;
}

/* Packs the Linear weight made of nparts tensors, each (n, k), stacked by rows. */
int bl_linear(bert_loader *L, const char *const *names, int nparts, int n, int k,
              gemm_weight **out) {
  const st_tensor *t[3];
  for (int i = 0; i < nparts; i++) {
    int rc = bl_find(L, names[i], n, k, &t[i]);
    if (rc) return rc;
  }
  if (L->check_only) return 0;
  const float *src;
  size_t part = (size_t)n * (size_t)k;
  if (nparts == 1 && t[0]->dtype == ST_F32 && ((uintptr_t)t[0]->data & 3) == 0) {
    src = (const float *)(const void *)t[0]->data; /* packs straight from the mapping */
  } else {
    for (int i = 0; i < nparts; i++) st_to_f32(t[i]->dtype, t[i]->data, part, L->tmp + i * part);
    src = L->tmp;
  }
  const float *fix_mu = L->fix_mu;
  float *fix_bias = L->fix_bias;
  L->fix_mu = NULL;
  L->fix_bias = NULL;
  if (L->m->dtype == GEMM_INT8) { /* a scale of inf or NaN would quantize the row to nothing */
    size_t bad = bl_first_nonfinite(src, part * (size_t)nparts);
    if (bad != (size_t)-1)
      return err_set(L->err, BRASS_EFORMAT,
                     "%s: tensor '%s' holds a non-finite value (row %zu), which int8 cannot "
                     "quantize; use --dtype f32",
                     L->path, names[bad / part], bad % part / (size_t)k);
  }
  if (L->m->dtype == GEMM_INT8 && fix_mu && fix_bias)
    *out = gemm_weight_pack_int8_fix(L->m->kern, n * nparts, k, src, k, fix_mu, fix_bias);
  else
    *out = gemm_weight_pack_dtype(L->m->kern, L->m->dtype, n * nparts, k, src, k);
  if (!*out)
    return err_set(L->err, BRASS_ENOMEM, "%s: out of memory packing '%s'", L->path, names[0]);
  L->m->packed_bytes += gemm_weight_bytes(*out);
  for (int i = 0; i < nparts; i++) file_map_discard(&L->m->file.map, t[i]->offset, t[i]->nbytes);
  return 0;
}

int bl_layer_tensors(bert_loader *L, int l, const bl_layer_names *nm, bert_layer *y) {
  const int H = L->m->hidden, I = L->m->intermediate;
  char n[6][96];
  for (int i = 0; i < 6; i++)
    snprintf(n[i], sizeof n[i], "encoder.layer.%d.%s.weight", l, nm->linear[i]);
  const char *qkv[3] = {n[0], n[1], n[2]}, *o = n[3], *up = n[4], *down = n[5];
  int rc;
  /* Biases and LayerNorm parameters. The three QKV biases land back to back in the block. */
  const char *vec[10] = {"attention.self.query.bias",
                         "attention.self.key.bias",
                         "attention.self.value.bias",
                         "attention.output.dense.bias",
                         "attention.output.LayerNorm.weight",
                         "attention.output.LayerNorm.bias",
                         nm->up_bias,
                         nm->down_bias,
                         nm->ln2_gamma,
                         nm->ln2_beta};
  const float *bk, *bv;
  const float **dst[10] = {&y->qkv_bias,
                           &bk,
                           &bv,
                           &y->attn_out_bias,
                           &y->ln1_gamma,
                           &y->ln1_beta,
                           &y->ffn_up_bias,
                           &y->ffn_down_bias,
                           &y->ln2_gamma,
                           &y->ln2_beta};
  const int len[10] = {H, H, H, H, H, H, I, H, H, H};
  y->ffn_up_bias = NULL;
  for (int i = 0; i < 10; i++) {
    if (!vec[i]) continue; /* no FFN up bias (a gated FFN) */
    char b[96];
    snprintf(b, sizeof b, "encoder.layer.%d.%s", l, vec[i]);
    if ((rc = bl_vector(L, b, len[i], -1, (size_t)len[i], dst[i]))) return rc;
  }
  /* JinaBERT's gated FFN is not calibrated (bert_calib runs the BERT layer): plain packing */
  if (L->check_only || !L->calib || !L->calib->n || nm->up_parts != 1) {
    if ((rc = bl_linear(L, qkv, 3, H, H, &y->qkv)) ||
        (rc = bl_linear(L, &o, 1, H, H, &y->attn_out)) ||
        (rc = bl_linear(L, &up, 1, nm->up_parts * I, H, &y->ffn_up)) ||
        (rc = bl_linear(L, &down, 1, H, I, &y->ffn_down)))
      return rc;
    return 0;
  }
  /* int8: each Linear's activations are centred on its mean input, measured on the calibration
   * rows run through the layers packed so far, and its bias gains W mu (bert_calib.h). The
   * vectors were just converted into the model's own block, so the biases are writable here. */
  bert_calib *c = L->calib;
  L->fix_mu = bert_calib_mean(c, c->x, H, H);
  L->fix_bias = (float *)y->qkv_bias;
  if ((rc = bl_linear(L, qkv, 3, H, H, &y->qkv))) return rc;
  if ((rc = bert_calib_attention(c, L->m, y)))
    return err_set(L->err, rc, "%s: out of memory loading the model", L->path);
  L->fix_mu = bert_calib_mean(c, c->ctx, H, H);
  L->fix_bias = (float *)y->attn_out_bias;
  if ((rc = bl_linear(L, &o, 1, H, H, &y->attn_out))) return rc;
  bert_calib_out(c, L->m, y);
  L->fix_mu = bert_calib_mean(c, c->x, H, H);
  L->fix_bias = (float *)y->ffn_up_bias;
  if ((rc = bl_linear(L, &up, 1, nm->up_parts * I, H, &y->ffn_up))) return rc;
  bert_calib_up(c, L->m, y);
  L->fix_mu = bert_calib_mean(c, c->f, I, I);
  L->fix_bias = (float *)y->ffn_down_bias;
  if ((rc = bl_linear(L, &down, 1, H, I, &y->ffn_down))) return rc;
  bert_calib_down(c, L->m, y);
  return 0;
}

static int bl_layer(bert_loader *L, int l, bert_layer *y) {
  static const bl_layer_names bert = {
      .linear = {"attention.self.query", "attention.self.key", "attention.self.value",
                 "attention.output.dense", "intermediate.dense", "output.dense"},
      .up_parts = 1,
      .up_bias = "intermediate.dense.bias",
      .down_bias = "output.dense.bias",
      .ln2_gamma = "output.LayerNorm.weight",
      .ln2_beta = "output.LayerNorm.bias"};
  return bl_layer_tensors(L, l, &bert, y);
}

/* int8 models keep the word embeddings in int8 too (model/word_q8.h), dropping the file's rows. */
static int bl_word_q8(bert_loader *L, const st_tensor *word) {
  bert_model *m = L->m;
  size_t bad = 0;
  file_map *map = m->file.map.mapped ? &m->file.map : NULL;
  int rc = word_q8_build(&m->word_q8, word->dtype, word->data, (size_t)m->vocab, (size_t)m->hidden,
                         map, word->offset, &bad);
  if (rc == BRASS_ENOMEM)
    return err_set(L->err, rc, "%s: out of memory quantizing the word embeddings", L->path);
  if (rc)
    return err_set(L->err, rc,
                   "%s: tensor '%sembeddings.word_embeddings.weight' holds a non-finite value "
                   "(row %zu), which int8 cannot quantize; use --dtype f32",
                   L->path, L->prefix, bad);
  m->word_emb = NULL;
  return 0;
}

/* Finds (and unless check_only, loads) every tensor; layers go to m->layer, or all to *dummy. */
static int bl_all(bert_loader *L, const model_config *cfg, bert_layer *dummy) {
  bert_model *m = L->m;
  const size_t H = (size_t)m->hidden;
  const st_tensor *word, *type;
  const float *pos;
  int rc;
  const int jina = m->arch == MODEL_ARCH_JINA; /* no position embeddings: ALiBi */
  if ((rc = bl_find(L, "embeddings.word_embeddings.weight", cfg->vocab, cfg->hidden, &word)) ||
      (rc = bl_find(L, "embeddings.token_type_embeddings.weight", cfg->type_vocab, cfg->hidden,
                    &type)) ||
      (!jina && (rc = bl_vector(L, "embeddings.position_embeddings.weight", cfg->max_position,
                                cfg->hidden, (size_t)m->max_seq * H, &pos))) ||
      (rc = bl_vector(L, "embeddings.LayerNorm.weight", cfg->hidden, -1, H, &m->emb_ln_gamma)) ||
      (rc = bl_vector(L, "embeddings.LayerNorm.bias", cfg->hidden, -1, H, &m->emb_ln_beta)))
    return rc;
  if (!L->check_only) {
    m->pos_emb = jina ? NULL : pos;
    m->word_emb = word->data;
    m->word_dtype = word->dtype;
    if (m->dtype == GEMM_INT8 && (rc = bl_word_q8(L, word))) return rc;
    float *type0 = L->vec_next;
    L->vec_next += H;
    st_to_f32(type->dtype, type->data, H, type0);
    m->type_emb0 = type0;
    if (cfg->type_vocab > 1) { /* row 1, for the second text of a pair (cross-encoders) */
      float *type1 = L->vec_next;
      L->vec_next += H;
      st_to_f32(type->dtype, type->data + H * st_dtype_size(type->dtype), H, type1);
      m->type_emb1 = type1;
    }
    if (m->dtype == GEMM_INT8 && !jina && L->calib && (rc = bert_calib_begin(L->calib, m)))
      return err_set(L->err, rc, "%s: out of memory loading the model", L->path);
  }
  for (int l = 0; l < m->layers; l++) {
    bert_layer *y = dummy ? dummy : &m->layer[l];
    if ((rc = jina ? jina_load_layer(L, l, y) : bl_layer(L, l, y))) return rc;
  }
  return 0;
}

int bert_load(const char *path, const model_config *cfg, const gemm_kernel *kern, bert_model *m,
              brass_error *err) {
  memset(m, 0, sizeof *m);
  m->hidden = cfg->hidden;
  m->layers = cfg->layers;
  m->heads = cfg->heads;
  m->intermediate = cfg->intermediate;
  m->vocab = cfg->vocab;
  m->max_seq = cfg->max_seq_length;
  m->ln_eps = cfg->ln_eps;
  m->arch = cfg->arch;
  m->kern = kern;
  m->dtype = cfg->dtype;
  int rc = safetensors_open(path, &m->file, err);
  if (rc) return rc;

  const size_t H = (size_t)m->hidden, I = (size_t)m->intermediate;
  bert_loader L = {.m = m, .path = path, .err = err, .check_only = 1};
  L.prefix = safetensors_find(&m->file, "bert.embeddings.word_embeddings.weight") ? "bert." : "";
  /* Pass 1 checks every tensor before anything is allocated, so a config that lies about the
   * sizes is reported as a shape mismatch, not as a huge allocation. Pass 2 loads. */
  bert_layer dummy;
  if ((rc = bl_all(&L, cfg, &dummy))) goto fail;
  L.check_only = 0;
  /* Everything small, as F32: embeddings LayerNorm (2H), type row 0 (H), positions (max_seq H),
   * and per layer 3H + H + 2H + I + H + 2H; plus type row 1 (H). */
  size_t nvec = 4 * H + (size_t)m->max_seq * H + (size_t)m->layers * (9 * H + I);
  L.tmp_cap = 3 * H * H > H * I ? 3 * H * H : H * I; /* QKV, or one converted FFN weight */
  if (m->arch == MODEL_ARCH_JINA) { /* no positions, no up bias; ALiBi slopes; 2I x H gate */
    nvec = 4 * H + (size_t)m->layers * 9 * H + (size_t)m->heads; /* 4H: room for type row 1 */
    if (2 * H * I > L.tmp_cap) L.tmp_cap = 2 * H * I;
  }
  m->vectors = malloc(nvec * sizeof(float));
  L.tmp = malloc(L.tmp_cap * sizeof(float));
  m->layer = calloc((size_t)m->layers, sizeof *m->layer);
  if (!m->vectors || !L.tmp || !m->layer) {
    rc = err_set(err, BRASS_ENOMEM, "%s: out of memory loading the model", path);
    goto fail;
  }
  L.vec_next = m->vectors;
  bert_calib calib = {0};
  L.calib = &calib;
  rc = bl_all(&L, cfg, NULL);
  bert_calib_free(&calib);
  if (rc) goto fail;
  if (m->arch == MODEL_ARCH_JINA) {
    jina_alibi_slopes(m->heads, L.vec_next);
    m->alibi = L.vec_next;
    L.vec_next += m->heads;
  }
  free(L.tmp);
  L.tmp = NULL;
  if (m->word_q8.q) {
    safetensors_close(&m->file); /* int8: nothing is read from the file after loading */
  } else if (!m->file.map.mapped) {
    /* The file was read into memory (WebAssembly has no mmap): keep a copy of the word
     * embeddings only, so the whole file does not stay beside the packed weights. */
    size_t bytes = (size_t)m->vocab * H * st_dtype_size(m->word_dtype);
    m->word_emb_copy = malloc(bytes ? bytes : 1);
    if (m->word_emb_copy) {
      memcpy(m->word_emb_copy, m->word_emb, bytes);
      m->word_emb = m->word_emb_copy;
      safetensors_close(&m->file);
    }
  }
  return 0;
fail:
  free(L.tmp);
  bert_free(m);
  return rc;
}

void bert_free(bert_model *m) {
  if (!m) return;
  if (m->layer) {
    for (int l = 0; l < m->layers; l++) {
      bert_layer *y = &m->layer[l];
      if (y->qkv) gemm_weight_free(y->qkv);
      if (y->attn_out) gemm_weight_free(y->attn_out);
      if (y->ffn_up) gemm_weight_free(y->ffn_up);
      if (y->ffn_down) gemm_weight_free(y->ffn_down);
    }
  }
  free(m->layer);
  free(m->vectors);
  free(m->word_emb_copy);
  word_q8_free(&m->word_q8);
  safetensors_close(&m->file);
  memset(m, 0, sizeof *m);
}

/* ---- activations ------------------------------------------------------------------------- */

int bert_scratch_reserve(bert_scratch *s, const bert_model *m, size_t ntok) {
  if (ntok <= s->cap_tokens && s->block) return 0;
  size_t cap = (ntok + 63) / 64 * 64; /* keeps every sub-buffer 256-byte aligned */
  size_t per_tok = 5 * (size_t)m->hidden + (size_t)m->intermediate;
  size_t ffn_extra = 0; /* JINA: the feed-forward runs in blocks of JINA_FFN_ROWS rows */
  if (m->arch == MODEL_ARCH_JINA) {
    per_tok = 5 * (size_t)m->hidden;
    ffn_extra = (cap < JINA_FFN_ROWS ? cap : JINA_FFN_ROWS) * 2 * (size_t)m->intermediate;
  }
  void *block = aligned_alloc(64, (cap * per_tok + ffn_extra) * sizeof(float));
  if (!block) return BRASS_ENOMEM;
  free(s->block);
  s->block = block;
  s->cap_tokens = cap;
  s->x = block;
  s->qkv = s->x + cap * (size_t)m->hidden;
  s->ctx = s->qkv + cap * 3 * (size_t)m->hidden;
  s->ffn = s->ctx + cap * (size_t)m->hidden;
  return 0;
}

void bert_scratch_free(bert_scratch *s) {
  free(s->block);
  memset(s, 0, sizeof *s);
}

#define BERT_FFN_ROWS 64

/* ---- forward ----------------------------------------------------------------------------- */

typedef struct bert_embed_job {
  const bert_model *m;
  const bert_batch *b;
  float *x;
} bert_embed_job;

void bert_embed_row(const bert_model *m, size_t id, int type_id, int pos, float *x) {
  const size_t H = (size_t)m->hidden;
  const float *type = m->type_emb0;
  if (type_id && m->type_emb1) type = m->type_emb1;
  if (m->word_q8.q)
    word_q8_row(&m->word_q8, id, H, x);
  else
    st_to_f32(m->word_dtype, m->word_emb + id * H * st_dtype_size(m->word_dtype), H, x);
  if (!m->pos_emb) { /* JinaBERT: positions enter through the attention bias */
    for (size_t i = 0; i < H; i++) x[i] += type[i];
    return;
  }
  const float *p = m->pos_emb + (size_t)pos * H;
  for (size_t i = 0; i < H; i++) x[i] = (x[i] + type[i]) + p[i];
}

static void bert_embed_rows(void *ctx, size_t begin, size_t end, int worker) {
  const bert_embed_job *j = ctx;
  const size_t H = (size_t)j->m->hidden;
  for (size_t t = begin; t < end; t++)
    bert_embed_row(j->m, (size_t)j->b->ids[t], j->b->types ? j->b->types[t] : 0,
                   j->b->pos ? j->b->pos[t] : 0, j->x + t * H);
}

typedef struct bert_gather_job {
  const bert_batch *b;
  int H;
  const float *x; /* (ntok, H) */
  float *x1;      /* (nseq, H) */
} bert_gather_job;

/* Copies each sequence's first row of x to row k of x1. */
static void bert_gather_rows(void *ctx, size_t begin, size_t end, int worker) {
  const bert_gather_job *j = ctx;
  const size_t H = (size_t)j->H;
  for (size_t k = begin; k < end; k++)
    memcpy(j->x1 + k * H, j->x + (size_t)j->b->start[k] * H, H * sizeof(float));
}

/* x = LN(GELU(x Wup + bup) Wdown + bdown + x) on nr rows xr, the intermediate in f. */
static void bert_ffn_rows(const bert_model *m, pool *p, const bert_layer *y, int nr, float *xr,
                          float *f) {
  const int H = m->hidden, I = m->intermediate;
  gemm_epilogue e_up = {.bias = y->ffn_up_bias, .gelu = 1};
  gemm_linear(p, nr, xr, H, y->ffn_up, f, I, &e_up);
  gemm_epilogue e_down = {.bias = y->ffn_down_bias, .residual = xr, .ld_residual = H};
  gemm_linear(p, nr, f, I, y->ffn_down, xr, H, &e_down);
  layernorm_f32(p, nr, H, xr, H, y->ln2_gamma, y->ln2_beta, m->ln_eps, xr, H);
}

typedef struct bert_ffn_job {
  const bert_model *m;
  const bert_layer *y;
  float *x, *ffn;
} bert_ffn_job;

/* Whole BERT_FFN_ROWS-row blocks, each through the feed-forward on one thread. */
static void bert_ffn_blocks(void *ctx, size_t begin, size_t end, int worker) {
  const bert_ffn_job *j = ctx;
  for (size_t b = begin; b < end; b++) {
    const size_t r0 = b * BERT_FFN_ROWS;
    bert_ffn_rows(j->m, NULL, j->y, BERT_FFN_ROWS, j->x + r0 * (size_t)j->m->hidden,
                  j->ffn + (size_t)worker * BERT_FFN_ROWS * (size_t)j->m->intermediate);
  }
}

/* The rest of a layer after attention, on `rows` rows: x = LN(ctx Wo + bo + x), then
 * x = LN(GELU(x Wup + bup) Wdown + bdown + x). */
static void bert_layer_tail(const bert_model *m, pool *p, const bert_layer *y, int rows,
                            const float *ctx, float *x, float *ffn) {
  const int H = m->hidden;
  gemm_epilogue e_out = {.bias = y->attn_out_bias, .residual = x, .ld_residual = H};
  gemm_linear(p, rows, ctx, H, y->attn_out, x, H, &e_out);
  layernorm_f32(p, rows, H, x, H, y->ln1_gamma, y->ln1_beta, m->ln_eps, x, H);
  /* feed-forward block; with int8 weights in blocks of BERT_FFN_ROWS rows per thread, so the
   * block's (rows, I) intermediate stays in cache between the two products (measured +8-17%
   * tokens per CPU second at 1 thread on short and 128-token texts). f32 runs all rows at once:
   * its 4x larger weights would be streamed once per block (blocks measured no faster). Every
   * row is computed as before either way, so the bits do not change.
   * int8 on several threads: whole blocks, as many per thread, go to the pool as one job (each
   * block on one thread, its intermediate in that worker's BERT_FFN_ROWS rows of ffn, so only
   * threads x BERT_FFN_ROWS rows of it are ever touched): one barrier for all of them
   * instead of three per block, which cost most in the browser (slow thread wake-ups, int8's
   * short products); the rows left over are split across the threads block by block. */
  const int int8 = gemm_weight_dtype(y->ffn_up) == GEMM_INT8;
  const int threads = p ? pool_threads(p) : 1;
  int done = 0;
  if (int8 && threads > 1) {
    const int blocks = rows / BERT_FFN_ROWS / threads * threads;
    bert_ffn_job job = {m, y, x, ffn};
    if (blocks > 0) pool_for(p, (size_t)blocks, 1, bert_ffn_blocks, &job);
    done = blocks * BERT_FFN_ROWS;
  }
  const int fr = int8 ? BERT_FFN_ROWS * threads : (rows > 0 ? rows : 1);
  for (int r0 = done; r0 < rows; r0 += fr) {
    const int nr = rows - r0 < fr ? rows - r0 : fr;
    bert_ffn_rows(m, p, y, nr, x + (size_t)r0 * (size_t)H, ffn);
  }
}

int bert_forward(const bert_model *m, pool *p, const bert_batch *b, int cls_only, bert_scratch *s,
                 const float **out) {
  const int T = b->ntok, H = m->hidden;
  float *x = s->x, *qkv = s->qkv, *ctx = s->ctx, *ffn = s->ffn;

  bert_embed_job ej = {m, b, x};
  pool_for(p, (size_t)T, 16, bert_embed_rows, &ej);
  layernorm_f32(p, T, H, x, H, m->emb_ln_gamma, m->emb_ln_beta, m->ln_eps, x, H);
  if (m->arch == MODEL_ARCH_JINA) return jina_encode(m, p, b, cls_only, s, out);

  for (int l = 0; l < m->layers; l++) {
    const bert_layer *y = &m->layer[l];
    /* self-attention over every token of every sequence */
    gemm_epilogue e_qkv = {.bias = y->qkv_bias};
    gemm_linear(p, T, x, H, y->qkv, qkv, 3 * H, &e_qkv);
    if (cls_only && l == m->layers - 1) {
      /* Only the [CLS] rows are pooled: finish the last layer for those alone, from attention
       * for each sequence's first query only (its row k lands in row k of ctx). qkv is free
       * after it and holds 3 * T * H >= nseq * H floats for the [CLS] rows of x. */
      int rc = attention_first_f32(p, m->kern, b->nseq, b->start, b->len, m->heads, H / m->heads,
                                   qkv, 3 * H, ctx, H);
      if (rc) return rc;
      bert_gather_job gj = {b, H, x, qkv};
      pool_for(p, (size_t)b->nseq, 16, bert_gather_rows, &gj);
      bert_layer_tail(m, p, y, b->nseq, ctx, gj.x1, ffn);
      *out = gj.x1;
      return 0;
    }
    int rc = attention_f32(p, m->kern, b->nseq, b->start, b->len, m->heads, H / m->heads, qkv,
                           3 * H, ctx, H);
    if (rc) return rc;
    bert_layer_tail(m, p, y, T, ctx, x, ffn);
  }
  *out = x;
  return 0;
}
