/*
 * bert.h - a BERT encoder's weights and its forward pass over a ragged batch.
 *
 * Weights come from model.safetensors (names with or without the "bert." prefix). Every Linear
 * weight is converted to F32 and packed once for the GEMM micro-kernel (or, with cfg->dtype
 * GEMM_INT8, quantized to int8 per output channel: the forward code is the same, gemm_linear()
 * follows the weight); Q, K and V are packed as
 * one (3*hidden x hidden) matrix so one GEMM computes all three. The word-embedding table, the
 * one large tensor used sparsely, stays in the mapped file in its own dtype and each looked-up
 * row is converted on the fly, so resident memory stays about one copy of the weights.
 *
 * A batch is a set of sequences stored back to back as rows of one activation matrix, with no
 * padding: sequence b owns rows start[b] .. start[b] + len[b] - 1.
 */
#ifndef BRASS_MODEL_BERT_H
#define BRASS_MODEL_BERT_H

#include <stdint.h>

#include "base/pool.h"
#include "model/config.h"
#include "model/safetensors.h"
#include "model/word_q8.h"
#include "nn/gemm.h"

typedef struct bert_layer {
  gemm_weight *qkv;           /* packed (3*hidden, hidden): rows are [Wq; Wk; Wv] */
  const float *qkv_bias;      /* (3*hidden): [bq; bk; bv] */
  gemm_weight *attn_out;      /* packed (hidden, hidden) */
  const float *attn_out_bias; /* (hidden) */
  const float *ln1_gamma;     /* (hidden) attention.output.LayerNorm */
  const float *ln1_beta;      /* (hidden) */
  gemm_weight *ffn_up;        /* packed (intermediate, hidden), followed by GELU; JINA:
                                 (2*intermediate, hidden), mlp.gated_layers, then GEGLU */
  const float *ffn_up_bias;   /* (intermediate); NULL for JINA (gated_layers has no bias) */
  gemm_weight *ffn_down;      /* packed (hidden, intermediate) */
  const float *ffn_down_bias; /* (hidden) */
  const float *ln2_gamma;     /* (hidden) output.LayerNorm */
  const float *ln2_beta;      /* (hidden) */
} bert_layer;

typedef struct bert_model {
  int hidden, layers, heads, intermediate, vocab, max_seq;
  float ln_eps;
  model_arch arch;    /* BERT, or JINA: no positions, ALiBi attention, GEGLU (model/jina.h) */
  const float *alibi; /* JINA: (heads) ALiBi slopes, inside vectors; NULL for BERT */
  const gemm_kernel *kern;
  gemm_dtype dtype;              /* of the Linear weights (cfg->dtype) */
  st_file file;                  /* stays open: the word embeddings are read from it (f32) */
  const unsigned char *word_emb; /* (vocab, hidden) in word_dtype, inside file; any alignment */
  unsigned char *word_emb_copy;  /* read-in files (WebAssembly): word_emb's own copy, file closed */
  st_dtype word_dtype;
  word_q8 word_q8; /* int8 models: the table in int8 (word_emb is then NULL, its pages dropped) */
  const float *pos_emb;   /* (max_seq, hidden): the first max_seq rows, as F32; NULL for JINA */
  const float *type_emb0; /* (hidden): token type 0, the only one a single text uses */
  const float *type_emb1; /* (hidden): token type 1 (a pair's second text), NULL if none */
  const float *emb_ln_gamma, *emb_ln_beta; /* (hidden) embeddings.LayerNorm */
  bert_layer *layer;                       /* (layers) */
  float *vectors;                          /* one block holding every small F32 vector above */
  size_t packed_bytes;                     /* bytes held by packed weights */
} bert_model;

/* Loads path (a model.safetensors) for cfg, using positions [0, cfg->max_seq_length), packing
 * for kern. Checks every tensor's presence, dtype and shape against cfg. */
int bert_load(const char *path, const model_config *cfg, const gemm_kernel *kern, bert_model *m,
              brass_error *err);
void bert_free(bert_model *m);

/* Activations for up to cap_tokens tokens, grown on demand and reused across batches. */
typedef struct bert_scratch {
  size_t cap_tokens;
  void *block;
  float *x;   /* (tokens, hidden): the hidden state, the forward's output */
  float *qkv; /* (tokens, 3*hidden) */
  float *ctx; /* (tokens, hidden): attention output */
  float *ffn; /* (tokens, intermediate); JINA: (min(tokens, JINA_FFN_ROWS), 2*intermediate) */
} bert_scratch;

/* Makes room for ntok tokens. Returns 0 or BRASS_ENOMEM (the old buffers stay valid). */
/* x = (word[id] + type[type_id]) + pos[pos], the embedding row before its LayerNorm, in PyTorch's
 * order of additions (no position row for JinaBERT, whose positions enter the attention). */
void bert_embed_row(const bert_model *m, size_t id, int type_id, int pos, float *x);

int bert_scratch_reserve(bert_scratch *s, const bert_model *m, size_t ntok);
void bert_scratch_free(bert_scratch *s);

typedef struct bert_batch {
  int nseq, ntok;
  const int *start, *len; /* (nseq): rows of each sequence */
  const int32_t *ids;     /* (ntok): token ids, each < vocab */
  const int32_t *pos;     /* (ntok): position of each token in its sequence, < max_seq */
  const uint8_t *types;   /* (ntok): token type ids (0 or 1), or NULL for all 0 */
} bert_batch;

/* Runs the encoder on b and sets *out to the last layer's hidden states: with cls_only == 0,
 * ntok rows (sequence k's tokens at rows start[k] ..); with cls_only == 1, only the [CLS] row of
 * each sequence is finished, and *out holds nseq rows (row k = sequence k's first token), which
 * saves the last layer's output projection and feed-forward work for all other tokens.
 * s must have room for b->ntok tokens. Returns 0 or BRASS_ENOMEM (attention scratch). */
int bert_forward(const bert_model *m, pool *p, const bert_batch *b, int cls_only, bert_scratch *s,
                 const float **out);

#endif
