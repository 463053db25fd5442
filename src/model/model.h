/*
 * model.h - the brass_model handle behind the public embedding API (brass.h): configuration,
 * tokenizer, BERT weights, the thread pool the model owns, and the embedder's reusable working
 * memory. model.c opens and describes a model; embedder.c turns texts into vectors.
 */
#ifndef BRASS_MODEL_MODEL_H
#define BRASS_MODEL_MODEL_H

#include <pthread.h>
#include <stdint.h>

#include "base/pool.h"
#include "brass.h"
#include "model/bert.h"
#include "model/config.h"
#include "model/static_model.h"
#include "text/tokenizer.h"

/* Texts tokenised and sorted together; their ids are kept until the window is embedded. A
 * window holds at most EMBED_WINDOW texts and EMBED_WINDOW_IDS ids of room (max_seq per text). */
#define EMBED_WINDOW 1024
#define EMBED_WINDOW_IDS (1 << 20)
/* At most this many tokens (or one longest text) go through one forward pass; bounds the
 * activation memory at about tokens * (5 * hidden + intermediate) floats. */
#define EMBED_MAX_BATCH_TOKENS 4096

typedef struct embed_work {
  int32_t *ids;         /* (EMBED_WINDOW, max_seq): ids of each window text */
  int *ntok;            /* (EMBED_WINDOW): token count of each, or a negative error code */
  int *order;           /* (EMBED_WINDOW): window indices sorted by token count */
  int *start, *len;     /* (batch_size): rows of each sequence in the batch */
  int32_t *bids, *bpos; /* (batch tokens): the batch's ids and positions */
  char **concat;        /* (threads): per-worker buffer for prefix + text */
  size_t *concat_cap;
  bert_scratch scratch;
} embed_work;

struct brass_model {
  model_config cfg;
  bert_model bert;
  static_model stat; /* kind != STATIC_NONE: a static embedding model (no BERT weights) */
  tokenizer *tok;
  pool *pool;
  int threads;
  int batch_size;
  int batch_tokens; /* max tokens per forward pass */
  int window;       /* texts per window: <= EMBED_WINDOW */
  char *prefix[2];  /* indexed by brass_text_kind: passage, query (never NULL) */
  char description[256];
  pthread_mutex_t mu; /* one brass_embed at a time: the working memory below is shared */
  embed_work work;
};

/* Opens dir's tokenizer.json, else its vocab.txt (+ tokenizer_config.json) (model.c). */
int model_open_tokenizer(const char *dir, tokenizer **tok, brass_error *err);

/* brass_embed for static models (static_embed.c): n texts into n rows of stat.dim floats. */
int static_embed_texts(brass_model *m, const char *const *texts, size_t n, float *out,
                       brass_error *err);

/* Frees the embedder's working memory (embedder.c). */
void embed_work_free(brass_model *m);

/* The dtype asked for (BRASS_DTYPE_*): asked when set, else $BRASS_DTYPE's, else the default;
 * BRASS_EINVAL for an unknown value. Shared by models and cross-encoders. */
int model_resolve_dtype(int asked, int *out, brass_error *err);

#endif
