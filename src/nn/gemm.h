/*
 * gemm.h - single-precision matrix products, the arithmetic core of the forward pass.
 *
 * Two entry points:
 *   gemm_linear():  C = A * W^T (+ bias, GELU, residual), where W is a Linear layer's weight
 *                   (N x K, row-major, as PyTorch stores it) packed once at model load into the
 *                   micro-kernel's panel layout. Cache-blocked, parallel over the pool.
 *   gemm_serial():  a general C = alpha * op(A) * op(B) + beta * C on one thread, packing on the
 *                   fly; attention calls it per (sequence, head, block) from inside a pool job.
 * The micro-kernel (register tile MR x NR) is chosen once: AVX-512, AVX2+FMA, WebAssembly SIMD128
 * or portable C (gemm_ref.c, the oracle in tests). Each instruction set lives in its own file.
 * Results for a given kernel do not depend on the number of threads: every output element is
 * computed by one thread with the same k-order.
 */
#ifndef BRASS_NN_GEMM_H
#define BRASS_NN_GEMM_H

#include <stddef.h>

#include "base/pool.h"

typedef struct gemm_kernel gemm_kernel;

/* The best kernel for this machine, honouring BRASS_KERNEL=ref|avx2|avx512|wasm as a cap. */
const gemm_kernel *gemm_kernel_default(void);
/* A kernel by name, or NULL if it is not compiled in or the CPU lacks it. */
const gemm_kernel *gemm_kernel_by_name(const char *name);
const char *gemm_kernel_name(const gemm_kernel *k);

/* A Linear weight W (n rows of k floats) packed for one kernel. */
typedef struct gemm_weight gemm_weight;

/* How a packed weight is stored and multiplied: F32 (SGEMM), or INT8 (per-output-channel
 * symmetric int8 weights, activations quantized per row when the layer runs, int32 sums; see
 * nn/qkernel.h). The dtype is a property of the weight alone: gemm_linear() takes either. */
typedef enum gemm_dtype { GEMM_F32 = 0, GEMM_INT8 = 1 } gemm_dtype;

/* Packs W (n x k, leading dimension ldw >= k). Returns NULL when out of memory. */
gemm_weight *gemm_weight_pack(const gemm_kernel *kern, int n, int k, const float *w, int ldw);
/* The same for a dtype; INT8 quantizes W and packs it for the int8 kernel of this machine
 * (qgemm_kernel_default()), keeping kern for the epilogue. */
gemm_weight *gemm_weight_pack_dtype(const gemm_kernel *kern, gemm_dtype dtype, int n, int k,
                                    const float *w, int ldw);
/* INT8, and with mu (k values) non-NULL, activations centred on mu, W mu added to fix
 * (qgemm_weight_pack_fix: the mean correction of docs/int8.md). */
gemm_weight *gemm_weight_pack_int8_fix(const gemm_kernel *kern, int n, int k, const float *w,
                                       int ldw, const float *mu, float *fix);
gemm_dtype gemm_weight_dtype(const gemm_weight *w);
/* Name of the kernel doing w's products ("avx512", "avx512-vnni", ...). */
const char *gemm_weight_kernel_name(const gemm_weight *w);
void gemm_weight_free(gemm_weight *w);
/* gemm_weight_pack into caller memory, for weights made afresh on every call (attention's keys
 * and values): gemm_weight_pack_size(kern, n, k) bytes at mem, 64-byte aligned, hold the handle
 * and its panels. The result lives as long as mem and is never passed to gemm_weight_free. NULL
 * on bad arguments. */
size_t gemm_weight_pack_size(const gemm_kernel *kern, int n, int k);
gemm_weight *gemm_weight_pack_in(void *mem, const gemm_kernel *kern, int n, int k, const float *w,
                                 int ldw);
/* The same two from W^T (k rows of n floats, leading dimension ldwt >= n), as attention's values
 * lie in memory: the same panels as packing W = wt^T, without a transposed copy. */
gemm_weight *gemm_weight_pack_t(const gemm_kernel *kern, int n, int k, const float *wt, int ldwt);
gemm_weight *gemm_weight_pack_t_in(void *mem, const gemm_kernel *kern, int n, int k,
                                   const float *wt, int ldwt);
int gemm_weight_n(const gemm_weight *w);
int gemm_weight_k(const gemm_weight *w);
/* Bytes held by the packed weight. */
size_t gemm_weight_bytes(const gemm_weight *w);
/* The kernel a weight was packed for. */
const gemm_kernel *gemm_weight_kernel(const gemm_weight *w);

typedef struct gemm_epilogue {
  const float *bias;     /* n values added to every row, or NULL */
  int gelu;              /* apply exact GELU, 0.5*x*(1+erf(x/sqrt(2))), after the bias */
  const float *residual; /* m x n values added last (after GELU), or NULL; may equal C (then with
                            ld_residual == ldc); must not overlap C otherwise */
  int ld_residual;
} gemm_epilogue;

/* C (m x n, leading dimension ldc) = A (m x k, lda) * W^T, then the epilogue (ep may be NULL).
 * The kernel is the one W was packed for. Parallel over p (may be NULL). A must not overlap C.
 * Never fails: when per-thread scratch cannot be allocated it falls back to a slower path that
 * needs only the stack and gives the same bits. */
void gemm_linear(pool *p, int m, const float *a, int lda, const gemm_weight *w, float *c, int ldc,
                 const gemm_epilogue *ep);

/* C (m x n) = alpha * op(A) * op(B) + beta * C on the calling thread. op(A) is m x k: A is m x k
 * (trans_a = 0) or k x m (trans_a = 1); op(B) is k x n: B is k x n (trans_b = 0) or n x k
 * (trans_b = 1). All row-major with the given leading dimensions. beta == 0 ignores C's contents.
 * Uses per-thread scratch; safe to call concurrently from pool workers. */
void gemm_serial(const gemm_kernel *kern, int trans_a, int trans_b, int m, int n, int k,
                 float alpha, const float *a, int lda, const float *b, int ldb, float beta,
                 float *c, int ldc);

/* Per-thread scratch: gemm_linear() and gemm_serial() pack into growable buffers owned by the
 * calling thread (thread-local; reused, so steady state allocates nothing). They are freed when
 * the thread exits (pool workers at pool_destroy()); a thread that keeps running, like main(),
 * may free its own early with gemm_scratch_release(). Calling it between calls is always safe. */
void gemm_scratch_release(void);
/* The calling thread's attention arena (a fifth scratch slot, freed the same way): at least
 * `bytes` bytes, 64-byte aligned, contents undefined, or NULL. */
void *gemm_scratch_kv(size_t bytes);

#endif
