/*
 * model.c - opening, describing and closing an embedding model, and tokenising for callers
 * (public API in brass.h). A model directory holds config.json, model.safetensors, tokenizer.json
 * or vocab.txt (+ tokenizer_config.json), and optionally the sentence-transformers files read by
 * config.c. Each failure names the file at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"
#include "model/model.h"
#include "nn/gemm.h"
#include "text/chunk.h"

#define MODEL_PATH_MAX 4096

int model_open_tokenizer(const char *dir, tokenizer **tok, brass_error *err) {
  char path[MODEL_PATH_MAX], cfg[MODEL_PATH_MAX];
  if (path_join(path, sizeof path, dir, "tokenizer.json") == 0 && file_exists(path))
    return tok_open_json(path, tok, err);
  if (path_join(path, sizeof path, dir, "vocab.txt") == 0 && file_exists(path) &&
      path_join(cfg, sizeof cfg, dir, "tokenizer_config.json") == 0)
    return tok_open_vocab(path, cfg, tok, err);
  return err_set(err, BRASS_EIO, "%s: no tokenizer.json or vocab.txt in the model directory", dir);
}

static int model_open_weights(const char *dir, brass_model *m, brass_error *err) {
  char path[MODEL_PATH_MAX], other[MODEL_PATH_MAX];
  if (path_join(path, sizeof path, dir, "model.safetensors"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
  if (!file_exists(path)) {
    if (path_join(other, sizeof other, dir, "model.safetensors.index.json") == 0 &&
        file_exists(other))
      return err_set(err, BRASS_EUNSUPPORTED,
                     "%s: sharded safetensors are not supported (merge into model.safetensors)",
                     other);
    if (path_join(other, sizeof other, dir, "pytorch_model.bin") == 0 && file_exists(other))
      return err_set(err, BRASS_EUNSUPPORTED,
                     "%s: PyTorch pickles are not supported (convert to model.safetensors)", other);
  }
  const gemm_kernel *kern = gemm_kernel_default();
  return bert_load(path, &m->cfg, kern, &m->bert, err);
}

/* The default when neither the options nor $BRASS_DTYPE choose (see docs/int8.md for why). */
#define MODEL_DTYPE_DEFAULT BRASS_DTYPE_F32

int brass_dtype_parse(const char *name) {
  if (!name) return BRASS_EINVAL;
  if (!strcmp(name, "f32") || !strcmp(name, "fp32") || !strcmp(name, "float32"))
    return BRASS_DTYPE_F32;
  if (!strcmp(name, "int8") || !strcmp(name, "q8")) return BRASS_DTYPE_INT8;
  return BRASS_EINVAL;
}

const char *brass_dtype_name(int dtype) {
  switch (dtype) {
    case BRASS_DTYPE_DEFAULT:
      return "default";
    case BRASS_DTYPE_F32:
      return "f32";
    case BRASS_DTYPE_INT8:
      return "int8";
    default:
      return "unknown";
  }
}

/* The dtype asked for: the options', else $BRASS_DTYPE's, else the default. */
int model_resolve_dtype(int asked, int *out, brass_error *err) {
  if (asked == BRASS_DTYPE_F32 || asked == BRASS_DTYPE_INT8) {
    *out = asked;
    return 0;
  }
  if (asked != BRASS_DTYPE_DEFAULT)
    return err_set(err, BRASS_EINVAL, "brass_model_open: unknown dtype %d", asked);
  const char *env = getenv("BRASS_DTYPE");
  if (env && *env) {
    int d = brass_dtype_parse(env);
    if (d < 0)
      return err_set(err, BRASS_EINVAL, "BRASS_DTYPE=%s: unknown dtype (use int8 or f32)", env);
    *out = d;
    return 0;
  }
  *out = MODEL_DTYPE_DEFAULT;
  return 0;
}

int brass_model_dtype(const brass_model *m) {
  return m ? (m->bert.dtype == GEMM_INT8 ? BRASS_DTYPE_INT8 : BRASS_DTYPE_F32) : 0;
}

static char *model_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* The BERT encoder's configuration, tokenizer and weights. */
static int model_open_bert(const char *dir, const brass_model_options *o, int dtype, brass_model *m,
                           brass_error *err) {
  int rc = config_load(dir, o->max_seq_length, &m->cfg, err);
  if (rc) return rc;
  m->cfg.dtype = dtype == BRASS_DTYPE_INT8 ? GEMM_INT8 : GEMM_F32;
  if ((rc = model_open_tokenizer(dir, &m->tok, err))) return rc;
  if (tok_vocab_size(m->tok) > m->cfg.vocab) {
    char cfg[MODEL_PATH_MAX];
    if (path_join(cfg, sizeof cfg, dir, "config.json")) snprintf(cfg, sizeof cfg, "%s", dir);
    rc = err_set(err, BRASS_EFORMAT, "%s: vocab_size %d is smaller than the tokenizer's %d tokens",
                 cfg, m->cfg.vocab, tok_vocab_size(m->tok));
    return rc;
  }
  /* Without sentence_bert_config.json, the tokenizer's own limit applies (as in
   * sentence-transformers), within the position table. */
  int tok_limit = tok_max_length(m->tok);
  if (!m->cfg.max_seq_given && tok_limit > 0)
    m->cfg.max_seq_length = tok_limit < m->cfg.max_position ? tok_limit : m->cfg.max_position;
  if (m->cfg.max_seq_length < tok_num_special(m->tok) || m->cfg.max_seq_length < 2) {
    rc = err_set(err, BRASS_ERANGE, "%s: max_seq_length %d leaves no room for the text", dir,
                 m->cfg.max_seq_length);
    return rc;
  }
  if ((rc = model_open_weights(dir, m, err))) return rc;
  return 0;
}

/* A static embedding model (static_model.h): its table, settings and tokenizer. */
static int model_open_static(const char *dir, static_kind kind, const char *tok_dir, brass_model *m,
                             brass_error *err) {
  int rc = static_load(dir, kind, tok_dir, &m->stat, err);
  if (rc) return rc;
  if ((rc = model_open_tokenizer(tok_dir, &m->tok, err))) return rc;
  if (tok_vocab_size(m->tok) > m->stat.vocab)
    return err_set(err, BRASS_EFORMAT,
                   "%s: the embedding table has %d rows, fewer than the tokenizer's %d tokens",
                   tok_dir, m->stat.vocab, tok_vocab_size(m->tok));
  static_set_char_limit(&m->stat, m->tok);
  m->cfg.hidden = m->stat.dim;
  m->cfg.vocab = m->stat.vocab;
  m->cfg.normalize = m->stat.normalize;
  /* the chunker's budget and brass_tokenize's limit; the model itself takes any length */
  m->cfg.max_seq_length = tok_max_length(m->tok) > 0 ? tok_max_length(m->tok) : 512;
  if (m->cfg.max_seq_length < tok_num_special(m->tok) + 1)
    return err_set(err, BRASS_ERANGE, "%s: tokenizer max length %d leaves no room for text",
                   tok_dir, m->cfg.max_seq_length);
  return 0;
}

int brass_model_open(const char *dir, const brass_model_options *opts, brass_model **out,
                     brass_error *err) {
  brass_model_options o = {0};
  if (opts) o = *opts;
  if (out) *out = NULL;
  if (!dir || !out) return err_set(err, BRASS_EINVAL, "brass_model_open: NULL argument");
  if (o.threads < 0 || o.batch_size < 0 || o.max_seq_length < 0)
    return err_set(err, BRASS_EINVAL, "%s: negative threads, batch_size or max_seq_length", dir);
  if (o.threads > POOL_MAX_THREADS) o.threads = POOL_MAX_THREADS;

  int dtype = MODEL_DTYPE_DEFAULT;
  int rc = model_resolve_dtype(o.dtype, &dtype, err);
  if (rc) return rc;
  brass_model *m = calloc(1, sizeof *m);
  if (!m) return err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
  char tok_dir[MODEL_PATH_MAX];
  rc = static_detect(dir, tok_dir, sizeof tok_dir, err);
  if (rc > 0)
    rc = model_open_static(dir, (static_kind)rc, tok_dir, m, err);
  else if (rc == 0)
    rc = model_open_bert(dir, &o, dtype, m, err);
  if (rc) goto fail;

  m->pool = pool_create(o.threads);
  if (!m->pool) {
    rc = err_set(err, BRASS_ENOMEM, "%s: cannot start %d threads", dir, o.threads);
    goto fail;
  }
  m->threads = pool_threads(m->pool);
  m->batch_size = o.batch_size ? o.batch_size : 32;
  m->window = EMBED_WINDOW_IDS / m->cfg.max_seq_length;
  if (m->window > EMBED_WINDOW) m->window = EMBED_WINDOW;
  if (m->window < 1) m->window = 1;
  m->batch_tokens = EMBED_MAX_BATCH_TOKENS > m->cfg.max_seq_length ? EMBED_MAX_BATCH_TOKENS
                                                                   : m->cfg.max_seq_length;
  const char *passage = o.passage_prefix ? o.passage_prefix : m->cfg.passage_prefix;
  const char *query = o.query_prefix ? o.query_prefix : m->cfg.query_prefix;
  m->prefix[BRASS_PASSAGE] = model_strdup(passage);
  m->prefix[BRASS_QUERY] = model_strdup(query);
  if (!m->prefix[0] || !m->prefix[1] || pthread_mutex_init(&m->mu, NULL) != 0) {
    rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
    free(m->prefix[0]);
    free(m->prefix[1]);
    m->prefix[0] = m->prefix[1] = NULL;
    goto fail;
  }
  if (m->stat.kind != STATIC_NONE)
    snprintf(m->description, sizeof m->description,
             "static embeddings (%s), %d tokens x %d dimensions, %s",
             m->stat.kind == STATIC_MODEL2VEC ? "model2vec" : "sentence-transformers",
             m->stat.vocab, m->stat.dim, m->cfg.normalize ? "normalized" : "not normalized");
  else
    snprintf(m->description, sizeof m->description,
             "bert %d layers, hidden %d, %d heads, %s pooling, %s, max %d tokens, kernel %s%s%s",
             m->cfg.layers, m->cfg.hidden, m->cfg.heads,
             m->cfg.pooling == MODEL_POOL_CLS ? "cls" : "mean",
             m->cfg.normalize ? "normalized" : "not normalized", m->cfg.max_seq_length,
             gemm_kernel_name(m->bert.kern), m->bert.dtype == GEMM_INT8 ? ", int8 " : "",
             m->bert.dtype == GEMM_INT8 && m->bert.layers > 0
                 ? gemm_weight_kernel_name(m->bert.layer[0].qkv)
                 : "");
  *out = m;
  return 0;
fail:
  pool_destroy(m->pool);
  bert_free(&m->bert);
  static_free(&m->stat);
  if (m->tok) tok_close(m->tok);
  free(m);
  return rc;
}

void brass_model_close(brass_model *m) {
  if (!m) return;
  gemm_scratch_release(); /* the calling thread's GEMM packing buffers (workers free theirs) */
  embed_work_free(m);
  pool_destroy(m->pool);
  bert_free(&m->bert);
  static_free(&m->stat);
  if (m->tok) tok_close(m->tok);
  free(m->prefix[0]);
  free(m->prefix[1]);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

int brass_model_dim(const brass_model *m) {
  return m ? m->cfg.hidden : 0;
}
int brass_model_max_length(const brass_model *m) {
  return m ? m->cfg.max_seq_length : 0;
}
int brass_model_chunk_tokens(const brass_model *m, int *max_tokens) {
  int max_len = m ? m->cfg.max_seq_length : 0;
  if (!max_len && m && m->tok) max_len = tok_max_length(m->tok);
  return chunk_default_tokens(max_len, m && m->tok ? tok_num_special(m->tok) : 2, max_tokens);
}
int brass_model_threads(const brass_model *m) {
  return m ? m->threads : 0;
}
const char *brass_model_describe(const brass_model *m) {
  return m ? m->description : "";
}
int brass_model_is_static(const brass_model *m) {
  return m && m->stat.kind != STATIC_NONE;
}

int brass_tokenize(const brass_model *m, const char *text, int32_t *ids, int cap,
                   brass_error *err) {
  if (!m || !text || cap < 0 || (cap > 0 && !ids))
    return err_set(err, BRASS_EINVAL, "brass_tokenize: invalid argument");
  int n = m->stat.kind != STATIC_NONE /* static models see the text's ids alone */
              ? tok_encode_plain(m->tok, text, strlen(text), 0, ids, cap)
              : tok_encode(m->tok, text, strlen(text), m->cfg.max_seq_length, ids, NULL, cap);
  if (n < 0) return err_set(err, n, "tokenizer failed on the text (error %d)", n);
  return n;
}
