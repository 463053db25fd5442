/*
 * brass.h - the public API of brass, a local-first hybrid search engine.
 *
 * This header is the only one a front end (CLI, server, WebAssembly exports) includes. It exposes
 * opaque handles and plain functions. Conventions:
 *   - Functions return 0 on success or a negative BRASS_E* code, and fill the caller's
 *     brass_error (if not NULL) with a one-line message naming the input and the problem.
 *   - Whoever allocates documents who frees: every *_open has a matching *_close.
 *   - Library code never exits or aborts on bad input.
 */
#ifndef BRASS_H
#define BRASS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BRASS_VERSION "0.1.0"

/* Error codes (negative return values). */
enum {
  BRASS_OK = 0,
  BRASS_EINVAL = -1,       /* invalid argument from the caller */
  BRASS_EIO = -2,          /* a file could not be opened, read or mapped */
  BRASS_ENOMEM = -3,       /* an allocation failed */
  BRASS_EFORMAT = -4,      /* a file is malformed (JSON, safetensors, vocabulary) */
  BRASS_EUNSUPPORTED = -5, /* a valid file that brass does not support (architecture, dtype) */
  BRASS_ERANGE = -6,       /* a value is out of its allowed range */
};

/* A message of at most BRASS_ERROR_MAX-1 bytes, one line, naming the input and the problem. */
#define BRASS_ERROR_MAX 512
typedef struct brass_error {
  int code;
  char message[BRASS_ERROR_MAX];
} brass_error;

/* Version string of the library ("0.1.0"). */
const char *brass_version(void);

/* Number of threads brass uses when asked for 0: $BRASS_THREADS if set to a positive integer,
 * otherwise the number of online cores. */
int brass_default_threads(void);

/* Name of the SGEMM micro-kernel chosen at start-up ("avx512", "avx2", "wasm-simd128", "ref"). */
const char *brass_kernel_name(void);

/* ---- Embedding models ---------------------------------------------------------------------- */

typedef struct brass_model brass_model;

typedef struct brass_model_options {
  int threads;              /* worker threads including the caller; 0 = brass_default_threads() */
  int max_seq_length;       /* 0 = the model's (sentence_bert_config.json, else config.json) */
  int batch_size;           /* texts per forward pass; 0 = 32 */
  const char *query_prefix; /* prepended to queries (NULL = the model's default, e.g. "query: ") */
  const char *passage_prefix; /* prepended to documents (NULL = the model's default) */
} brass_model_options;

/* What a text is, for models that embed queries and passages differently (e5). */
typedef enum brass_text_kind { BRASS_PASSAGE = 0, BRASS_QUERY = 1 } brass_text_kind;

/* Opens a Hugging Face model directory (config.json, model.safetensors, tokenizer.json or
 * vocab.txt, and the sentence-transformers files when present). opts may be NULL for defaults. */
int brass_model_open(const char *dir, const brass_model_options *opts, brass_model **out,
                     brass_error *err);
void brass_model_close(brass_model *model);

/* Embedding dimension, maximum sequence length (tokens, including [CLS] and [SEP]), threads. */
int brass_model_dim(const brass_model *model);
int brass_model_max_length(const brass_model *model);
int brass_model_threads(const brass_model *model);
/* A short description, e.g. "bert 6 layers, hidden 384, mean pooling, normalized". */
const char *brass_model_describe(const brass_model *model);

/* Embeds n UTF-8 texts (NUL-terminated) as passages; writes n * dim floats to out, row by row.
 * Empty texts are embedded like any other text. */
int brass_embed(brass_model *model, const char *const *texts, size_t n, float *out,
                brass_error *err);
/* The same with an explicit kind (the query or passage prefix is prepended). */
int brass_embed_as(brass_model *model, brass_text_kind kind, const char *const *texts, size_t n,
                   float *out, brass_error *err);

/* Tokenizes one text exactly as the model will see it ([CLS] ... [SEP], truncated to the max
 * length; no prefix is added). Writes at most cap ids and returns the number of ids (which may
 * exceed cap, in which case only cap were written), or a negative error code. */
int brass_tokenize(const brass_model *model, const char *text, int32_t *ids, int cap,
                   brass_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BRASS_H */
