/*
 * static_embed.c - brass_embed for static embedding models (static_model.h): each text is
 * tokenised without [CLS]/[SEP] and its rows averaged, texts in parallel on the model's pool.
 * No batching or working memory is needed: a text costs its tokenisation and one pass over its
 * rows, which is what makes these models ~100x faster than a transformer.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "model/model.h"

#define STATIC_STACK_IDS 2048

typedef struct static_job {
  const brass_model *m;
  const char *const *texts;
  float *out;
  int *failed; /* (n): 0 or a negative BRASS_E* code per text */
} static_job;

static void static_rows(void *ctx, size_t begin, size_t end, int worker) {
  (void)worker;
  const static_job *j = ctx;
  const brass_model *m = j->m;
  const size_t D = (size_t)m->stat.dim;
  int32_t stack[STATIC_STACK_IDS];
  for (size_t i = begin; i < end; i++) {
    const char *text = j->texts[i];
    size_t len = static_cut_bytes(&m->stat, text, strlen(text)); /* model2vec's character cut */
    /* at most one id per byte (every piece covers at least one byte) */
    size_t cap = len + 1;
    int32_t *ids = cap <= STATIC_STACK_IDS ? stack : malloc(cap * sizeof *ids);
    if (!ids) {
      j->failed[i] = BRASS_ENOMEM;
      continue;
    }
    int n = tok_encode_plain(m->tok, text, len, 0, ids, (int)cap);
    if (n > (int)cap) n = BRASS_EFORMAT;
    for (int k = 0; k < n; k++)
      if (ids[k] < 0 || ids[k] >= m->stat.vocab) n = BRASS_ERANGE;
    if (n >= 0) static_embed_ids(&m->stat, ids, n, tok_unk_id(m->tok), j->out + i * D);
    j->failed[i] = n < 0 ? n : 0;
    if (ids != stack) free(ids);
  }
}

int static_embed_texts(brass_model *m, const char *const *texts, size_t n, float *out,
                       brass_error *err) {
  int *failed = calloc(n ? n : 1, sizeof *failed);
  if (!failed) return err_set(err, BRASS_ENOMEM, "out of memory embedding %zu texts", n);
  static_job j = {m, texts, out, failed};
  pool_for(m->pool, n, 16, static_rows, &j);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    if (failed[i])
      rc = err_set(err, failed[i], "text %zu: %s", i,
                   failed[i] == BRASS_ENOMEM   ? "out of memory while tokenizing"
                   : failed[i] == BRASS_ERANGE ? "a token id is outside the embedding table"
                                               : "the tokenizer failed");
  free(failed);
  return rc;
}
