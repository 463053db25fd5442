/*
 * attention.h - multi-head scaled dot-product self-attention over a batch of sequences.
 *
 * The batch is stored as rows of one matrix, one row per token; sequence b owns rows
 * start[b] .. start[b] + len[b] - 1. This covers both a padded batch (start[b] = b * S, len[b] =
 * real length: keys beyond len[b] are masked out, which is BERT's key-padding mask) and a ragged
 * batch with no padding at all. Row r of qkv holds [q | k | v], each heads * head_dim floats
 * (the output of one fused QKV projection). Only the rows of real tokens are read and written.
 * Work is split per (sequence, head, block of queries) so each task's keys and values stay in
 * cache; the score block is softmaxed in place and multiplied by V with gemm_serial().
 */
#ifndef BRASS_NN_ATTENTION_H
#define BRASS_NN_ATTENTION_H

#include "base/pool.h"
#include "nn/gemm.h"

/* out row r = concat over heads h of softmax(q_h k_h^T / sqrt(head_dim)) v_h.
 * ld_qkv >= 3 * heads * head_dim; ld_out >= heads * head_dim. kern NULL means
 * gemm_kernel_default(). Sequences with len <= 0 are skipped. Allocates one scores buffer per
 * call (pool_threads(p) x 128 x max len floats). Returns 0, BRASS_EINVAL (bad sizes or NULL
 * arrays), or BRASS_ENOMEM. */
int attention_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start, const int *len,
                  int heads, int head_dim, const float *qkv, int ld_qkv, float *out, int ld_out);

/* The same with ALiBi (JinaBERT v2): head h's score of query i for key j gets the bias
 * -slopes[h] * |i - j| (positions within the sequence) after the 1/sqrt(head_dim) scaling:
 * softmax(q_h k_h^T / sqrt(head_dim) - slopes[h] |i - j|) v_h. The bias is made on the fly
 * from one ramp of 2 * len floats per task, never as a (heads, len, len) tensor. Memory: per
 * thread at most 128 x max len scores (fewer rows for long sequences) plus the ramp, and for
 * sequences longer than one query block their keys and values packed once (2 x len x heads x
 * head_dim floats). slopes NULL is attention_f32(). Returns as attention_f32(). */
int attention_alibi_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start,
                        const int *len, int heads, int head_dim, const float *slopes,
                        const float *qkv, int ld_qkv, float *out, int ld_out);

/* Only the first query of each sequence (a cross-encoder's or CLS-pooled embedder's last layer,
 * whose other rows are never used): row b of out = row start[b] of attention_f32's output, the
 * same bits (the same products and softmax on that row alone), while reading every key and value.
 * Returns as attention_f32(). */
int attention_first_f32(pool *p, const gemm_kernel *kern, int nseq, const int *start,
                        const int *len, int heads, int head_dim, const float *qkv, int ld_qkv,
                        float *out, int ld_out);

#endif
