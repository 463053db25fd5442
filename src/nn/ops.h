/*
 * ops.h - the element-wise and row-wise operations of a transformer besides matrix products:
 * LayerNorm, softmax, exact GELU, L2 normalisation. Row operations parallelise over rows on the
 * pool; each row is computed by one thread in a fixed order, so results do not depend on the
 * thread count.
 */
#ifndef BRASS_NN_OPS_H
#define BRASS_NN_OPS_H

#include <stddef.h>

#include "base/pool.h"

/* y = (x - mean) / sqrt(var + eps) * gamma + beta, per row of cols values (biased variance,
 * as torch.nn.LayerNorm; mean and variance taken in double). y may equal x (same ld). gamma or
 * beta may be NULL (1 and 0). */
void layernorm_f32(pool *p, int rows, int cols, const float *x, int ldx, const float *gamma,
                   const float *beta, float eps, float *y, int ldy);

/* In-place numerically stable softmax of n values (exp(x - max) / sum; arguments below -87
 * give 0). */
void softmax_f32(float *x, int n);

/* In-place exact GELU, 0.5*x*(1+erf(x/sqrt(2))), with a vectorised erf accurate to ~1e-7. */
void gelu_f32(float *x, size_t n);

/* x[i] = GELU(x[i]) * g[i] (JinaBERT's GEGLU; x and g do not overlap): the bits of gelu_f32
 * followed by a float multiply, in one pass where the kernel has one. */
void geglu_f32(float *x, const float *g, size_t n);

/* erf of one float with the polynomial every kernel's GELU uses (nn/mathpoly.h): absolute
 * error about 1e-7 at most (for tests). */
float erf_f32(float x);

/* Scales x to unit L2 norm (leaves an all-zero vector unchanged). */
void l2_normalize_f32(float *x, int n);

#endif
