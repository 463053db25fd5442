/*
 * bert_calib.h - int8 mean centring for BERT models, set up at load time (internal to src/model).
 *
 * A Linear layer's inputs share a large mean across the tokens of real text (LayerNorm's beta,
 * the biases, GELU's positive mean). int8 with activations centred on that mean: each row is
 * quantized as x - mu (a narrower range, so a finer step) and W mu goes into the bias, once, at
 * load (qgemm_weight_pack_fix). The weights' rounding error along mu, the same for every token
 * and amplified by 12 random layers, disappears with it; the run-time cost is a subtraction per
 * value in the activations' quantization.
 * mu is measured, not guessed: while the layers are quantized one by one, a short sequence of
 * pseudo-random tokens (BERT_CALIB_TOKENS, fixed ids) runs through each layer as soon as it is
 * packed, on one thread, and each Linear's mean input is taken from it. Random tokens give the
 * same means as real text to within the noise (docs/int8.md, "Accuracy"). The pass is
 * deterministic (fixed ids, serial sums), so the model's bits do not depend on the thread count.
 */
#ifndef BRASS_MODEL_BERT_CALIB_H
#define BRASS_MODEL_BERT_CALIB_H

#include "model/bert.h"

#define BERT_CALIB_TOKENS 64

typedef struct bert_calib {
  int n;                    /* calibration tokens (rows) */
  float *x, *qkv, *ctx, *f; /* (n, H), (n, 3H), (n, H), (n, I) */
  float *mu;                /* (max(H, I)): the last bert_calib_mean */
  double *sum;              /* (max(H, I)): its column sums */
  void *block;
} bert_calib;

/* Allocates c and fills c->x with the embedded calibration tokens (after the embedding
 * LayerNorm); m's embeddings must be loaded. 0 or BRASS_ENOMEM. */
int bert_calib_begin(bert_calib *c, const bert_model *m);
void bert_calib_free(bert_calib *c);

/* c->mu = the column means of the (n, k) rows a (stride lda); returns c->mu. */
const float *bert_calib_mean(bert_calib *c, const float *a, int lda, int k);

/* The steps of one BERT layer on the calibration rows, each once the weights it uses are
 * packed: QKV and attention (c->ctx); the output projection, residual and LayerNorm (c->x); the
 * up projection and GELU (c->f); the down projection, residual and LayerNorm (c->x).
 * bert_calib_attention returns 0 or BRASS_ENOMEM. */
int bert_calib_attention(bert_calib *c, const bert_model *m, const bert_layer *y);
void bert_calib_out(bert_calib *c, const bert_model *m, const bert_layer *y);
void bert_calib_up(bert_calib *c, const bert_model *m, const bert_layer *y);
void bert_calib_down(bert_calib *c, const bert_model *m, const bert_layer *y);

#endif
