/*
 * bert_load.h - the tensor loader bert.c uses, shared with jina.c (internal to src/model).
 *
 * Loading runs twice over the same calls: with check_only set, every tensor is found and its
 * dtype and shape checked against config.json, and nothing is allocated or converted; then for
 * real, converting vectors into the model's F32 block and packing Linear weights for the GEMM
 * kernel. A model family's layer loader (bert.c's, jina.c's) is a list of these calls.
 */
#ifndef BRASS_MODEL_BERT_LOAD_H
#define BRASS_MODEL_BERT_LOAD_H

#include "model/bert.h"
#include "model/bert_calib.h"

typedef struct bert_loader {
  bert_model *m;
  const char *path;
  const char *prefix;  /* "bert." or "" */
  float *tmp;          /* conversion buffer for Linear weights */
  size_t tmp_cap;      /* floats */
  float *vec_next;     /* bump allocator over m->vectors */
  int check_only;      /* first pass: find and check every tensor, convert and pack nothing */
  bert_calib *calib;   /* int8 BERT: the calibration rows for the mean centring, or NULL */
  const float *fix_mu; /* for the next bl_linear (int8) only, then cleared: its activations are */
  float *fix_bias;     /* centred on fix_mu and fix_bias gains W fix_mu (bert_calib.h) */
  brass_error *err;
} bert_loader;

/* Finds tensor `name` (without prefix) of shape [d0] (d1 < 0) or [d0, d1] in F32/F16/BF16. */
int bl_find(bert_loader *L, const char *name, int64_t d0, int64_t d1, const st_tensor **out);

/* Converts a 1-D tensor (or the first `count` values of a 2-D one) into the vector block. */
int bl_vector(bert_loader *L, const char *name, int64_t d0, int64_t d1, size_t count,
              const float **out);

/* Packs the Linear weight made of nparts (<= 3) tensors, each (n, k), stacked by rows. */
int bl_linear(bert_loader *L, const char *const *names, int nparts, int n, int k,
              gemm_weight **out);

/* The tensor names of one encoder layer, after "encoder.layer.<l>.": the six Linear weights
 * (query, key, value, attention output, FFN up, FFN down; ".weight" is added) and the vectors
 * that differ between families. The attention biases and its LayerNorm are the same in all. */
typedef struct bl_layer_names {
  const char *linear[6];
  int up_parts;        /* FFN up's output rows in intermediates: 1, or 2 for a gated FFN */
  const char *up_bias; /* NULL: the FFN up projection has none */
  const char *down_bias, *ln2_gamma, *ln2_beta;
} bl_layer_names;

/* Loads (or, in the check pass, checks) one encoder layer's weights and vectors into y. */
int bl_layer_tensors(bert_loader *L, int l, const bl_layer_names *nm, bert_layer *y);

#endif
