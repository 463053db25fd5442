/*
 * cross_encoder.c - BERT cross-encoders (BertForSequenceClassification with one label) that score
 * (query, passage) pairs: brass_reranker_* and brass_rerank_pairs in brass.h.
 *
 * A pair is tokenised as Hugging Face does ([CLS] q [SEP] p [SEP], token types 0 then 1,
 * longest_first truncation; tok_encode_pair), run through the shared BERT encoder (bert.c, which
 * finishes only the [CLS] rows of the last layer), then the head written here:
 *   pooled = tanh(W_pool h_CLS + b_pool)          (the BertPooler, a Linear on the GEMM path)
 *   score  = w_cls . pooled + b_cls                (the one-label classifier: the raw logit)
 * Anything else (XLM-RoBERTa rerankers, two labels, a missing or misshapen head) is refused with
 * one line naming the file. Pairs go through the encoder in input order, packed into ragged
 * batches of at most RERANK_BATCH_TOKENS tokens; each score depends only on its own pair.
 *
 * Whole pairs per thread (int8): on several threads, as many pairs as fill every thread equally
 * (the window's pairs less its count modulo the threads) each run through the encoder on one
 * thread, serially, with that worker's own activations (wscratch), longest pairs first so that the
 * threads finish together: one pool barrier for all of them instead of several per operation and
 * layer of every batch, which cost most in the browser (Atomics.wait wake-ups). The pairs left over
 * take the batched path split across the threads. Every row of a pair is computed the same way
 * alone or in a batch, on one thread or several, so the scores are the same bits either way
 * (test_rerank_static: threads 1 and 2, both dtypes).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"
#include "model/model.h"
#include "nn/gemm.h"

#define RERANK_PATH_MAX 4096
#define RERANK_BATCH_TOKENS 4096 /* bounds activation memory, as the embedder does */
#define RERANK_WINDOW 64         /* pairs tokenised together */

struct brass_reranker {
  model_config cfg;
  bert_model bert;
  tokenizer *tok;
  pool *pool;
  int threads;
  gemm_weight *pooler; /* packed (hidden, hidden) */
  float *pooler_bias;  /* (hidden) */
  float *cls_weight;   /* (hidden) */
  float cls_bias;
  pthread_mutex_t mu; /* one call at a time: the working memory below is shared */
  int32_t *ids, *pos; /* (RERANK_WINDOW * max_len) */
  uint8_t *types;     /* (RERANK_WINDOW * max_len) */
  int ntok[RERANK_WINDOW];
  int start[RERANK_WINDOW], len[RERANK_WINDOW];
  float *pooled; /* (RERANK_WINDOW, hidden) */
  bert_scratch scratch;
  bert_scratch *wscratch; /* (threads) each worker's activations for whole pairs */
  int whole;              /* run whole pairs per thread (ce_whole_default) */
  char description[256];
};

/* Whole pairs per thread (see the top comment) for int8 models; f32 keeps the batched path
 * (natively whole pairs cost it ~7% more CPU time: its 4x larger weights, streamed by each
 * thread for a different layer, no longer share the L3 cache). $BRASS_RERANK_WHOLE=0 or 1
 * overrides: the same scores either way; the variable exists to measure one against the other. */
static int ce_whole_default(int int8) {
  const char *e = getenv("BRASS_RERANK_WHOLE");
  if (e && (e[0] == '0' || e[0] == '1') && !e[1]) return e[0] == '1';
  return int8;
}

/* ---- opening ------------------------------------------------------------------------------ */

/* Checks config.json says BertForSequenceClassification with one label. */
static int ce_check_config(const char *path, brass_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = file_read_all(path, 4u << 20, &text, &len, err);
  if (rc) return rc;
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return err_set(err, BRASS_EFORMAT, "%s: not a valid JSON object", path);
  }
  const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures"), *a;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "model_type");
  const char *first = NULL;
  int ok = 0;
  cJSON_ArrayForEach(a, archs) {
    if (!cJSON_IsString(a)) continue;
    if (!first) first = a->valuestring;
    if (strcmp(a->valuestring, "BertForSequenceClassification") == 0) ok = 1;
  }
  if (!ok) {
    const char *what = first ? first : cJSON_IsString(type) ? type->valuestring : "none given";
    int xlmr = strstr(what, "XLMRoberta") || strstr(what, "xlm-roberta");
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: architecture '%.64s' is not a BERT cross-encoder%s (brass reranks with "
                 "BertForSequenceClassification models)",
                 path, what,
                 xlmr ? " (XLM-RoBERTa rerankers such as bge-reranker are not supported)" : "");
    goto done;
  }
  /* Labels: id2label's size, else num_labels, else transformers' default of 2. */
  const cJSON *id2label = cJSON_GetObjectItemCaseSensitive(root, "id2label");
  const cJSON *num = cJSON_GetObjectItemCaseSensitive(root, "num_labels");
  int labels = 2;
  if (cJSON_IsObject(id2label))
    labels = cJSON_GetArraySize(id2label);
  else if (cJSON_IsNumber(num))
    labels = num->valueint;
  if (labels != 1)
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: the classifier has %d labels (brass reranks with one-label cross-encoders "
                 "that output a single relevance logit)",
                 path, labels);
done:
  cJSON_Delete(root);
  return rc;
}

/* Finds tensor name (with or without "bert.") of shape [d0] or [d0, d1], F32/F16/BF16. */
static int ce_tensor(const st_file *f, const char *path, const char *name, int64_t d0, int64_t d1,
                     const st_tensor **out, brass_error *err) {
  char full[128];
  snprintf(full, sizeof full, "bert.%s", name);
  const st_tensor *t = safetensors_find(f, name);
  if (!t) t = safetensors_find(f, full);
  if (!t)
    return err_set(err, BRASS_EFORMAT,
                   "%s: missing tensor '%s' (a cross-encoder needs the pooler and a classifier)",
                   path, name);
  if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16)
    return err_set(err, BRASS_EUNSUPPORTED, "%s: tensor '%s' has dtype %s (F32, F16 or BF16)", path,
                   name, st_dtype_name(t->dtype));
  int ndim = d1 < 0 ? 1 : 2;
  if (t->ndim != ndim || t->shape[0] != d0 || (ndim == 2 && t->shape[1] != d1)) {
    if (ndim == 2)
      return err_set(err, BRASS_EFORMAT,
                     "%s: tensor '%s' has %d dimensions of shape [%lld, ...], expected [%lld, "
                     "%lld]",
                     path, name, t->ndim, (long long)(t->ndim ? t->shape[0] : 0), (long long)d0,
                     (long long)d1);
    return err_set(err, BRASS_EFORMAT,
                   "%s: tensor '%s' has %d dimensions of shape [%lld, ...], expected [%lld]", path,
                   name, t->ndim, (long long)(t->ndim ? t->shape[0] : 0), (long long)d0);
  }
  *out = t;
  return 0;
}

/* Loads the pooler and the classifier from the safetensors file at path. */
static int ce_load_head(brass_reranker *r, const char *path, brass_error *err) {
  st_file f;
  int rc = safetensors_open(path, &f, err);
  if (rc) return rc;
  const int64_t H = r->cfg.hidden;
  const st_tensor *pw, *pb, *cw, *cb;
  if ((rc = ce_tensor(&f, path, "pooler.dense.weight", H, H, &pw, err)) ||
      (rc = ce_tensor(&f, path, "pooler.dense.bias", H, -1, &pb, err)) ||
      (rc = ce_tensor(&f, path, "classifier.weight", 1, H, &cw, err)) ||
      (rc = ce_tensor(&f, path, "classifier.bias", 1, -1, &cb, err)))
    goto done;
  float *w = malloc((size_t)(H * H) * sizeof *w);
  r->pooler_bias = malloc((size_t)H * sizeof(float));
  r->cls_weight = malloc((size_t)H * sizeof(float));
  if (!w || !r->pooler_bias || !r->cls_weight) {
    free(w);
    rc = err_set(err, BRASS_ENOMEM, "%s: out of memory loading the classifier", path);
    goto done;
  }
  st_to_f32(pw->dtype, pw->data, (size_t)(H * H), w);
  st_to_f32(pb->dtype, pb->data, (size_t)H, r->pooler_bias);
  st_to_f32(cw->dtype, cw->data, (size_t)H, r->cls_weight);
  st_to_f32(cb->dtype, cb->data, 1, &r->cls_bias);
  r->pooler = gemm_weight_pack(gemm_kernel_default(), (int)H, (int)H, w, (int)H);
  free(w);
  if (!r->pooler) rc = err_set(err, BRASS_ENOMEM, "%s: out of memory packing the pooler", path);
done:
  safetensors_close(&f);
  return rc;
}

static void ce_free(brass_reranker *r) {
  pool_destroy(r->pool);
  bert_free(&r->bert);
  if (r->tok) tok_close(r->tok);
  if (r->pooler) gemm_weight_free(r->pooler);
  free(r->pooler_bias);
  free(r->cls_weight);
  free(r->ids);
  free(r->pos);
  free(r->types);
  free(r->pooled);
  bert_scratch_free(&r->scratch);
  for (int t = 0; r->wscratch && t < r->threads; t++) bert_scratch_free(&r->wscratch[t]);
  free(r->wscratch);
  free(r);
}

int brass_reranker_open(const char *dir, const brass_reranker_options *opts, brass_reranker **out,
                        brass_error *err) {
  brass_reranker_options o = {0};
  if (opts) o = *opts;
  if (out) *out = NULL;
  if (!dir || !out) return err_set(err, BRASS_EINVAL, "brass_reranker_open: NULL argument");
  if (o.threads < 0 || o.max_length < 0)
    return err_set(err, BRASS_EINVAL, "%s: negative threads or max_length", dir);
  if (o.threads > POOL_MAX_THREADS) o.threads = POOL_MAX_THREADS;
  char path[RERANK_PATH_MAX];
  if (path_join(path, sizeof path, dir, "config.json"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
  int rc = ce_check_config(path, err);
  if (rc) return rc;

  brass_reranker *r = calloc(1, sizeof *r);
  if (!r) return err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
  if ((rc = config_load(dir, o.max_length, &r->cfg, err))) goto fail;
  int dtype = 0;
  if ((rc = model_resolve_dtype(o.dtype, &dtype, err))) goto fail;
  r->cfg.dtype = dtype == BRASS_DTYPE_INT8 ? GEMM_INT8 : GEMM_F32;
  if ((rc = model_open_tokenizer(dir, &r->tok, err))) goto fail;
  if (tok_vocab_size(r->tok) > r->cfg.vocab) {
    rc = err_set(err, BRASS_EFORMAT, "%s: vocab_size %d is smaller than the tokenizer's %d tokens",
                 path, r->cfg.vocab, tok_vocab_size(r->tok));
    goto fail;
  }
  if (r->cfg.type_vocab < 2) {
    rc = err_set(err, BRASS_EFORMAT, "%s: type_vocab_size %d leaves no token type for passages",
                 path, r->cfg.type_vocab);
    goto fail;
  }
  /* Sentence-transformers' CrossEncoder truncates to the tokenizer's limit. */
  int tok_limit = tok_max_length(r->tok);
  if (!r->cfg.max_seq_given && tok_limit > 0)
    r->cfg.max_seq_length = tok_limit < r->cfg.max_position ? tok_limit : r->cfg.max_position;
  if (r->cfg.max_seq_length < tok_num_special(r->tok) + tok_num_special(r->tok) / 2 + 2) {
    rc = err_set(err, BRASS_ERANGE, "%s: max length %d leaves no room for a pair", dir,
                 r->cfg.max_seq_length);
    goto fail;
  }
  char weights[RERANK_PATH_MAX];
  if (path_join(weights, sizeof weights, dir, "model.safetensors")) {
    rc = err_set(err, BRASS_EINVAL, "%s: path too long", dir);
    goto fail;
  }
  if ((rc = ce_load_head(r, weights, err))) goto fail;
  if ((rc = bert_load(weights, &r->cfg, gemm_kernel_default(), &r->bert, err))) goto fail;
  r->pool = pool_create(o.threads);
  const size_t room = (size_t)RERANK_WINDOW * (size_t)r->cfg.max_seq_length;
  r->ids = malloc(room * sizeof *r->ids);
  r->pos = malloc(room * sizeof *r->pos);
  r->types = malloc(room);
  r->pooled = malloc((size_t)RERANK_WINDOW * (size_t)r->cfg.hidden * sizeof *r->pooled);
  if (!r->pool || !r->ids || !r->pos || !r->types || !r->pooled ||
      pthread_mutex_init(&r->mu, NULL) != 0) {
    rc = err_set(err, BRASS_ENOMEM, "%s: out of memory or threads", dir);
    goto fail;
  }
  r->threads = pool_threads(r->pool);
  r->wscratch = calloc((size_t)r->threads, sizeof *r->wscratch);
  if (!r->wscratch) {
    rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
    goto fail;
  }
  r->whole = ce_whole_default(r->cfg.dtype == GEMM_INT8);
  snprintf(r->description, sizeof r->description,
           "bert cross-encoder %d layers, hidden %d, %d heads, max %d tokens, kernel %s",
           r->cfg.layers, r->cfg.hidden, r->cfg.heads, r->cfg.max_seq_length,
           gemm_kernel_name(r->bert.kern));
  *out = r;
  return 0;
fail:
  ce_free(r);
  return rc;
}

void brass_reranker_close(brass_reranker *r) {
  if (!r) return;
  gemm_scratch_release();
  pthread_mutex_destroy(&r->mu);
  ce_free(r);
}

const char *brass_reranker_describe(const brass_reranker *r) {
  return r ? r->description : "";
}

int brass_reranker_max_length(const brass_reranker *r) {
  return r ? r->cfg.max_seq_length : 0;
}

int brass_tokenize_pair(const brass_reranker *r, const char *query, const char *passage,
                        int32_t *ids, uint8_t *types, int cap, brass_error *err) {
  if (!r || !query || !passage || cap < 0 || (cap > 0 && (!ids || !types)))
    return err_set(err, BRASS_EINVAL, "brass_tokenize_pair: invalid argument");
  int n = tok_encode_pair(r->tok, query, strlen(query), passage, strlen(passage),
                          r->cfg.max_seq_length, ids, types, cap);
  if (n < 0) return err_set(err, n, "tokenizer failed on the pair (error %d)", n);
  return n;
}

/* ---- scoring ------------------------------------------------------------------------------ */

typedef struct ce_tok_job {
  brass_reranker *r;
  const char *const *queries, *const *passages;
} ce_tok_job;

static void ce_tokenize_rows(void *ctx, size_t begin, size_t end, int worker) {
  (void)worker;
  const ce_tok_job *j = ctx;
  brass_reranker *r = j->r;
  const int seq = r->cfg.max_seq_length;
  for (size_t i = begin; i < end; i++) {
    int32_t *ids = r->ids + i * (size_t)seq;
    int n = tok_encode_pair(r->tok, j->queries[i], strlen(j->queries[i]), j->passages[i],
                            strlen(j->passages[i]), seq, ids, r->types + i * (size_t)seq, seq);
    if (n > seq) n = BRASS_EFORMAT;
    for (int k = 0; k < n; k++)
      if (ids[k] < 0 || ids[k] >= r->cfg.vocab) n = BRASS_ERANGE;
    r->ntok[i] = n;
  }
}

/* The score of a pair from its pooled row p: w_cls . tanh(p) + b_cls. */
static float ce_score(const brass_reranker *r, const float *p) {
  double acc = 0;
  for (int i = 0; i < r->cfg.hidden; i++) acc += (double)r->cls_weight[i] * tanh((double)p[i]);
  return (float)(acc + r->cls_bias);
}

typedef struct ce_whole_job {
  brass_reranker *r;
  float *scores;
  int *rc;          /* (pairs) 0 or BRASS_ENOMEM */
  const int *order; /* (pairs) the pairs by decreasing length: the threads finish together */
} ce_whole_job;

/* Pairs [begin, end) of the window, each through the encoder and the head on this worker alone
 * (its tokens at their own slots of ids and types, positions 0.. from pos). */
static void ce_whole_pairs(void *ctx, size_t begin, size_t end, int worker) {
  const ce_whole_job *j = ctx;
  brass_reranker *r = j->r;
  const size_t seq = (size_t)r->cfg.max_seq_length, H = (size_t)r->cfg.hidden;
  for (size_t t = begin; t < end; t++) {
    const size_t i = (size_t)j->order[t];
    const int start = 0, len = r->ntok[i];
    bert_batch b = {.nseq = 1,
                    .ntok = len,
                    .start = &start,
                    .len = &len,
                    .ids = r->ids + i * seq,
                    .pos = r->pos,
                    .types = r->types + i * seq};
    const float *cls;
    j->rc[i] = bert_forward(&r->bert, NULL, &b, 1, &r->wscratch[worker], &cls);
    if (j->rc[i]) continue;
    gemm_epilogue ep = {.bias = r->pooler_bias};
    gemm_linear(NULL, 1, cls, (int)H, r->pooler, r->pooled + i * H, (int)H, &ep);
    j->scores[i] = ce_score(r, r->pooled + i * H);
  }
}

/* Scores pairs [0, whole) of the window whole, one per thread at a time. */
static int ce_window_whole(brass_reranker *r, int whole, float *scores, brass_error *err) {
  int longest = 0, rcs[RERANK_WINDOW], order[RERANK_WINDOW];
  for (int i = 0; i < whole; i++) { /* insertion sort, longest first (ties in input order) */
    int at = i;
    for (; at > 0 && r->ntok[order[at - 1]] < r->ntok[i]; at--) order[at] = order[at - 1];
    order[at] = i;
    longest = r->ntok[i] > longest ? r->ntok[i] : longest;
  }
  for (int t = 0; t < r->threads; t++)
    if (bert_scratch_reserve(&r->wscratch[t], &r->bert, (size_t)longest))
      return err_set(err, BRASS_ENOMEM, "out of memory for activations of %d tokens", longest);
  for (int p = 0; p < longest; p++) r->pos[p] = p;
  ce_whole_job job = {r, scores, rcs, order};
  pool_for(r->pool, (size_t)whole, 1, ce_whole_pairs, &job);
  for (int i = 0; i < whole; i++)
    if (rcs[i]) return err_set(err, BRASS_ENOMEM, "out of memory in attention");
  return 0;
}

/* Scores the pairs [0, n) of the window: whole pairs per thread first where that fills every
 * thread, then the rest in ragged batches, in order. */
static int ce_window(brass_reranker *r, int n, size_t first, float *scores, brass_error *err) {
  const int seq = r->cfg.max_seq_length, H = r->cfg.hidden;
  for (int i = 0; i < n; i++)
    if (r->ntok[i] <= 0)
      return err_set(err, r->ntok[i] ? r->ntok[i] : BRASS_EFORMAT, "pair %zu: %s",
                     first + (size_t)i,
                     r->ntok[i] == BRASS_ERANGE ? "a token id is outside the model's vocabulary"
                                                : "the tokenizer failed");
  int k = 0;
  if (r->whole && r->threads > 1 && n >= r->threads) {
    const int whole = n - n % r->threads;
    int rc = ce_window_whole(r, whole, scores, err);
    if (rc) return rc;
    k = whole;
  }
  while (k < n) {
    int nseq = 0, ntok = 0, k0 = k;
    while (k < n && (nseq == 0 || ntok + r->ntok[k] <= RERANK_BATCH_TOKENS)) {
      int len = r->ntok[k];
      r->start[nseq] = ntok;
      r->len[nseq] = len;
      /* pack the pair's ids and types behind the previous ones (in place: ntok <= k * seq) */
      memmove(r->ids + ntok, r->ids + (size_t)k * seq, (size_t)len * sizeof *r->ids);
      memmove(r->types + ntok, r->types + (size_t)k * seq, (size_t)len);
      for (int p = 0; p < len; p++) r->pos[ntok + p] = p;
      ntok += len;
      nseq++;
      k++;
    }
    if (bert_scratch_reserve(&r->scratch, &r->bert, (size_t)ntok))
      return err_set(err, BRASS_ENOMEM, "out of memory for activations of %d tokens", ntok);
    bert_batch b = {.nseq = nseq,
                    .ntok = ntok,
                    .start = r->start,
                    .len = r->len,
                    .ids = r->ids,
                    .pos = r->pos,
                    .types = r->types};
    const float *cls;
    if (bert_forward(&r->bert, r->pool, &b, 1, &r->scratch, &cls))
      return err_set(err, BRASS_ENOMEM, "out of memory in attention");
    gemm_epilogue ep = {.bias = r->pooler_bias};
    gemm_linear(r->pool, nseq, cls, H, r->pooler, r->pooled, H, &ep);
    for (int s = 0; s < nseq; s++) scores[k0 + s] = ce_score(r, r->pooled + (size_t)s * H);
    /* later pairs of the window still sit at their own slots: packing only moved earlier ones */
  }
  return 0;
}

int brass_rerank_pairs(brass_reranker *r, const char *const *queries, const char *const *passages,
                       size_t n, float *scores, brass_error *err) {
  if (!r || (n > 0 && (!queries || !passages || !scores)))
    return err_set(err, BRASS_EINVAL, "brass_rerank_pairs: invalid argument");
  for (size_t i = 0; i < n; i++)
    if (!queries[i] || !passages[i])
      return err_set(err, BRASS_EINVAL, "brass_rerank_pairs: pair %zu has a NULL text", i);
  pthread_mutex_lock(&r->mu);
  int rc = 0;
  for (size_t first = 0; first < n && rc == 0; first += RERANK_WINDOW) {
    int count = n - first < RERANK_WINDOW ? (int)(n - first) : RERANK_WINDOW;
    ce_tok_job tj = {r, queries + first, passages + first};
    pool_for(r->pool, (size_t)count, 4, ce_tokenize_rows, &tj);
    rc = ce_window(r, count, first, scores + first, err);
  }
  pthread_mutex_unlock(&r->mu);
  return rc;
}
