/*
 * jina.h - JinaBERT v2 (jina-embeddings-v2-small-en / -base-en): what differs from BERT.
 *
 * The weights live in the same bert_model (arch MODEL_ARCH_JINA) and are loaded by bert.c's
 * loader: jina_load_layer() names a layer's tensors, which are packed for the same GEMM entry
 * points BERT uses. bert_forward() embeds the tokens (word + token type 0, no positions) and
 * hands the encoder layers to jina_encode(). See jina.c for the forward pass.
 */
#ifndef BRASS_MODEL_JINA_H
#define BRASS_MODEL_JINA_H

#include "model/bert.h"
#include "model/bert_load.h"

/* Rows of the GEGLU feed-forward computed at a time: bounds its (rows, 2 * intermediate)
 * buffer (8 MB for small-en), however long the text. */
#define JINA_FFN_ROWS 512

/* Loads (or with L->check_only, checks) layer l's tensors into y. Refuses the QK-post-norm
 * variant (jina-embeddings-v2-base-code: mlp.up_gated_layer / mlp.down_layer, layer_norm_q/k)
 * with BRASS_EUNSUPPORTED. */
int jina_load_layer(bert_loader *L, int l, bert_layer *y);

/* The ALiBi slopes of `heads` heads (see jina.c), as F32. */
void jina_alibi_slopes(int heads, float *out);

/* The encoder layers on s->x (embedded and normalised by bert_forward), as bert_forward()
 * specifies: *out gets all rows, or with cls_only one row per sequence. Returns 0 or
 * BRASS_ENOMEM (attention scratch). */
int jina_encode(const bert_model *m, pool *p, const bert_batch *b, int cls_only, bert_scratch *s,
                const float **out);

#endif
