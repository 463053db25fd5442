/*
 * qkernel.h - the table of functions one instruction set provides for int8 inference (internal
 * to src/nn), the integer counterpart of kernel.h. qgemm.c is the portable driver; each
 * qgemm_<isa>.c defines one `qgemm_kernel` and keeps its intrinsics to itself.
 *
 * Numbers: a Linear weight W (n x k) is quantized per output channel, symmetric (row j: scale
 * sw[j] = max|W[j]| / 127, q = round(W / sw), in -127..127); an activation row i is quantized
 * when the layer runs, asymmetric uint8 like ONNX's DynamicQuantizeLinear (range [min(A[i], 0),
 * max(A[i], 0)] onto 0..255: sa[i] = range / 255, zero point za[i], q = round(A / sa) + za),
 * which keeps a bit that a symmetric code would waste on GELU's one-sided output. The
 * micro-kernel sums qa[i][k] * qw[j][k] exactly in int32 (255 * 127 * k fits for k <= 2^16,
 * which packing enforces); the driver subtracts za[i] * sum_k qw[j][k]. So every kernel,
 * blocking and thread count gives the same integers; the driver turns them into floats and runs
 * the f32 kernel's epilogue (bias, GELU, residual) on the tile while it is in L1.
 *
 * Layout: k is padded to a multiple of 4 with zeros and cut into groups of 4 bytes:
 *   - w8 kernels (VNNI, ref): a group is 4 int8 weights of k, activations are uint8 (what
 *     vpdpbusd multiplies: unsigned by signed bytes);
 *   - w16 kernels (AVX2, WebAssembly): a group is 2 int16 values of k (both weights and the
 *     uint8 activations widened), for vpmaddwd / i32x4.dot_i16x8_s, which multiply 16-bit pairs
 *     with no saturation (vpmaddubsw would saturate int16 on two products near 127 * 255).
 * B micro-panel (nr columns, all of k): b[(g * nr + j) * 4 + t] = byte t of group g of column j.
 * A rows: row i's group g is the 4 bytes at a + i * lda + 4 * g (lda in bytes).
 */
#ifndef BRASS_NN_QKERNEL_H
#define BRASS_NN_QKERNEL_H

#include <stddef.h>
#include <stdint.h>

/* What turns a tile's integer sums into floats: per row i < mr its scale sa[i] and zero point
 * za[i], per column j < nr the weight scale sw[j] and sum colsum[j] of its quantized weights. */
typedef struct qgemm_dq {
  const float *sa;
  const int32_t *za;
  const float *sw;
  const int32_t *colsum;
} qgemm_dq;

/* With acc[i][j] = sum over groups g < ng (= kp / 4, or kp / 2 for w16) of the dot product of
 * row i's group g with column j's group g (in the kernel's element type), exact in int32:
 *   c[i * nr + j] = (float)(acc[i][j] - za[i] * colsum[j]) * (sa[i] * sw[j])
 * for i < mr, j < nr: an int32 -> float conversion (round to nearest even) and two float
 * multiplies, so every kernel produces the same bits. */
typedef void (*qgemm_micro_fn)(size_t ng, const uint8_t *a, size_t lda, const uint8_t *b,
                               const qgemm_dq *dq, float *c);

/* Quantizes an activation row: q[i] = clamp(rne(v[i] * inv) + zero, 0, 255) for i < k, with
 * v[i] = x[i] - mu[i] (mu non-NULL: the row centred on a mean, computed as that one float
 * subtraction on every kernel) or x[i]; rne
 * rounding half to even (the default floating-point rounding mode), so that vector conversions
 * and the scalar nearbyintf() agree. */
typedef void (*qgemm_quant_fn)(const float *x, const float *mu, int k, float inv, int32_t zero,
                               uint8_t *q);
/* The same values as qgemm_quant_fn, written as int16 (the w16 layout's activations): one pass
 * instead of quantizing to bytes and widening them. */
typedef void (*qgemm_quant16_fn)(const float *x, const float *mu, int k, float inv, int32_t zero,
                                 int16_t *q);
/* min(0, v[0..k)) and max(0, v[0..k)), v as above: exact in any order. */
typedef void (*qgemm_range_fn)(const float *x, const float *mu, int k, float *lo, float *hi);

typedef struct qgemm_kernel {
  const char *name;
  int mr, nr;
  int w16;    /* groups hold 2 int16 values (else 4 int8 values) */
  int mc, nc; /* task blocks: mc rows (multiple of mr) x nc columns (multiple of nr) */
  qgemm_micro_fn micro;
  qgemm_range_fn range;
  qgemm_quant_fn quant;
  qgemm_quant16_fn quant16; /* w16 kernels: optional (NULL: quant, then widened) */
  /* For benchmarks: a register-only loop of independent integer dot-product instructions (n
   * iterations); returns the number of multiply-adds done. NULL for ref. */
  double (*mac_loop)(size_t n, int32_t *sink);
} qgemm_kernel;

#define QGEMM_MR_MAX 16
#define QGEMM_NR_MAX 64
#define QGEMM_TILE_MAX 512

extern const qgemm_kernel qgemm_kernel_ref;
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
extern const qgemm_kernel qgemm_kernel_avx2;
extern const qgemm_kernel qgemm_kernel_avxvnni;
extern const qgemm_kernel qgemm_kernel_avx512vnni;
#endif
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
extern const qgemm_kernel qgemm_kernel_wasm;
#endif

/* The best int8 kernel for this CPU, capped by BRASS_KERNEL (ref < avx2 < avx-vnni < avx512,
 * where avx512 means AVX-512 VNNI; wasm has one). */
const qgemm_kernel *qgemm_kernel_default(void);
/* By name ("ref", "avx2", "avx-vnni", "avx512-vnni", "wasm-dot-i16"), or NULL if not usable. */
const qgemm_kernel *qgemm_kernel_by_name(const char *name);

/* ---- the driver's side (qgemm.c), used by gemm.c ------------------------------------------ */

#include "base/pool.h"
#include "nn/gemm.h"
#include "nn/kernel.h"

typedef struct qgemm_weight qgemm_weight;

/* Quantizes and packs W (n x k, leading dimension ldw) for qk. NULL when out of memory. */
qgemm_weight *qgemm_weight_pack(const qgemm_kernel *qk, int n, int k, const float *w, int ldw);
/* The same, and with mu (k values) non-NULL centres the activations on mu: every row x is
 * quantized as x - mu when the weight runs, and fix[j] (the caller's bias) gains
 * sum_k w[j][k] * mu[k] (f32 weights, a fixed order of float sums) to give the product back. With
 * mu the layer's mean input, this is int8's mean correction (model/bert_calib.h): the weights'
 * rounding error along the mean disappears and the rows' ranges shrink. */
qgemm_weight *qgemm_weight_pack_fix(const qgemm_kernel *qk, int n, int k, const float *w, int ldw,
                                    const float *mu, float *fix);
void qgemm_weight_free(qgemm_weight *w);
size_t qgemm_weight_bytes(const qgemm_weight *w);
const qgemm_kernel *qgemm_weight_kernel(const qgemm_weight *w);

/* gemm_linear() for an int8 weight: quantizes A's rows, runs the integer GEMM, dequantizes each
 * tile and applies ep with fk's epilogue. */
void qgemm_linear(pool *p, const gemm_kernel *fk, int m, const float *a, int lda,
                  const qgemm_weight *w, float *c, int ldc, const gemm_epilogue *ep);

/* Test hook: when on, qgemm_linear() takes the allocation-free path it uses when scratch cannot
 * be allocated (it must give the same bits). Not for production use. */
void qgemm_debug_force_slow(int on);

/* Quantizes one weight row x (k values) to q in -127..127 and returns its scale max|x| / 127
 * (0 for an all-zero row). Rounding: half away from zero. */
float qgemm_quantize_row(const float *x, int k, int8_t *q);
/* Quantizes one activation row to q in 0..255 with *zero; returns the scale (see above), using
 * kernel qk's range and quant. */
float qgemm_quantize_act(const qgemm_kernel *qk, const float *x, int k, uint8_t *q, int32_t *zero);
/* The same for the row x - mu (mu: k values, or NULL for x itself). */
float qgemm_quantize_act_mu(const qgemm_kernel *qk, const float *x, const float *mu, int k,
                            uint8_t *q, int32_t *zero);
/* The row's parameters from its range (lo <= 0 <= hi): *inv = 255 / (hi - lo) and
 * *zero = rne(-lo * inv); returns the scale (hi - lo) / 255, or 0 with *inv = 0, *zero = 0 for
 * an empty or non-finite range. */
float qgemm_act_params(float lo, float hi, float *inv, int32_t *zero);
/* The portable quant and range (qgemm_ref.c), also for the other kernels' edges. */
void qgemm_quant_ref(const float *x, const float *mu, int k, float inv, int32_t zero, uint8_t *q);
void qgemm_range_ref(const float *x, const float *mu, int k, float *lo, float *hi);

/* gemm.c's per-thread scratch for other drivers: at least `bytes` bytes, 64-byte aligned,
 * owned by the calling thread (slot SCRATCH_Q), or NULL. */
void *gemm_scratch_q(size_t bytes);

/* The task split gemm_linear uses, from the shape alone: *mc rows (a multiple of mr, at most
 * mc0) by *nc columns (a multiple of nr, at most nc0), narrowed until there are enough tasks. */
void gemm_task_layout(int m, int n, int mr, int nr, int mc0, int nc0, int *mc, int *nc);

#endif
