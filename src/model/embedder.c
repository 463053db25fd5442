/*
 * embedder.c - texts in, vectors out (brass_embed / brass_embed_as in brass.h).
 *
 * Texts are handled in windows of up to EMBED_WINDOW texts: the window is tokenised in parallel
 * (prefix prepended), its texts are sorted by token count, and consecutive runs of up to batch_size
 * texts (and at most batch_tokens tokens) go through the encoder as one ragged batch: all their
 * tokens are rows of one matrix, with no padding, so no work is spent on pad tokens and similar
 * lengths keep attention tasks balanced. Each sequence is then pooled (mean over its tokens, or its
 * [CLS] row), L2-normalised if the model says so, and written to the caller's row for that text.
 *
 * All working memory lives in the model (embed_work) and is reused across calls; it grows
 * geometrically when a longer batch arrives, so nothing is allocated per token or per batch in
 * the steady state. A per-model mutex serialises calls, since they share that memory.
 * Each text's vector depends only on that text: the sort order, the batch composition and the
 * thread count do not change which arithmetic is done for its rows.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "model/model.h"
#include "nn/ops.h"

void embed_work_free(brass_model *m) {
  embed_work *w = &m->work;
  if (w->concat)
    for (int i = 0; i < m->threads; i++) free(w->concat[i]);
  free(w->concat);
  free(w->concat_cap);
  free(w->ids);
  free(w->ntok);
  free(w->order);
  free(w->start);
  free(w->len);
  free(w->bids);
  free(w->bpos);
  bert_scratch_free(&w->scratch);
  memset(w, 0, sizeof *w);
}

/* Allocates the fixed-size parts of the working memory on first use. */
static int embed_work_init(brass_model *m) {
  embed_work *w = &m->work;
  if (w->ids) return 0;
  size_t seq = (size_t)m->cfg.max_seq_length, bs = (size_t)m->batch_size;
  size_t win = (size_t)m->window;
  if (bs > win) bs = win;
  w->ids = malloc(win * seq * sizeof *w->ids);
  w->ntok = malloc(win * sizeof *w->ntok);
  w->order = malloc(win * sizeof *w->order);
  w->start = malloc(bs * sizeof *w->start);
  w->len = malloc(bs * sizeof *w->len);
  w->bids = malloc((size_t)m->batch_tokens * sizeof *w->bids);
  w->bpos = malloc((size_t)m->batch_tokens * sizeof *w->bpos);
  w->concat = calloc((size_t)m->threads, sizeof *w->concat);
  w->concat_cap = calloc((size_t)m->threads, sizeof *w->concat_cap);
  if (!w->ids || !w->ntok || !w->order || !w->start || !w->len || !w->bids || !w->bpos ||
      !w->concat || !w->concat_cap) {
    embed_work_free(m);
    return BRASS_ENOMEM;
  }
  return 0;
}

/* ---- tokenisation ------------------------------------------------------------------------ */

typedef struct embed_tok_job {
  brass_model *m;
  const char *const *texts;
  const char *prefix;
  size_t prefix_len;
} embed_tok_job;

/* Tokenises texts [begin, end) of the window into w->ids; w->ntok[i] = count or error code. */
static void embed_tokenize_rows(void *ctx, size_t begin, size_t end, int worker) {
  const embed_tok_job *j = ctx;
  brass_model *m = j->m;
  embed_work *w = &m->work;
  const int seq = m->cfg.max_seq_length, vocab = m->cfg.vocab;
  for (size_t i = begin; i < end; i++) {
    const char *text = j->texts[i];
    size_t len = strlen(text);
    if (j->prefix_len) {
      /* The prefix is tokenised together with the text, as the reference libraries do. */
      size_t need = j->prefix_len + len + 1;
      if (need > w->concat_cap[worker]) {
        char *grown = realloc(w->concat[worker], need + need / 2);
        if (!grown) {
          w->ntok[i] = BRASS_ENOMEM;
          continue;
        }
        w->concat[worker] = grown;
        w->concat_cap[worker] = need + need / 2;
      }
      memcpy(w->concat[worker], j->prefix, j->prefix_len);
      memcpy(w->concat[worker] + j->prefix_len, text, len + 1);
      text = w->concat[worker];
      len += j->prefix_len;
    }
    int32_t *ids = w->ids + i * (size_t)seq;
    int n = tok_encode(m->tok, text, len, seq, ids, NULL, seq);
    if (n > seq) n = BRASS_EFORMAT; /* the tokenizer broke its contract */
    for (int k = 0; k < n; k++)
      if (ids[k] < 0 || ids[k] >= vocab) n = BRASS_ERANGE;
    if (n == 0) n = BRASS_EFORMAT; /* at least [CLS] and [SEP] are expected */
    w->ntok[i] = n;
  }
}

/* Orders window indices by token count, ties by index (a stable counting sort: counts lie in
 * 1 .. max_seq), so batches are deterministic. */
static int embed_sort(const int *ntok, int n, int max_seq, int *order) {
  int *count = calloc((size_t)max_seq + 2, sizeof *count);
  if (!count) return BRASS_ENOMEM;
  for (int i = 0; i < n; i++) count[ntok[i] + 1]++;
  for (int c = 1; c <= max_seq + 1; c++) count[c] += count[c - 1];
  for (int i = 0; i < n; i++) order[count[ntok[i]]++] = i;
  free(count);
  return 0;
}

/* ---- pooling ----------------------------------------------------------------------------- */

typedef struct embed_pool_job {
  const brass_model *m;
  const float *hidden; /* mean: (batch tokens, H); CLS: (nseq, H), one row per sequence */
  const int *start, *len;
  const int *rows; /* (nseq): output row (text index in the call) of each sequence */
  float *out;
} embed_pool_job;

static void embed_pool_rows(void *ctx, size_t begin, size_t end, int worker) {
  const embed_pool_job *j = ctx;
  const size_t H = (size_t)j->m->cfg.hidden;
  const int mean = j->m->cfg.pooling == MODEL_POOL_MEAN;
  for (size_t s = begin; s < end; s++) {
    float *o = j->out + (size_t)j->rows[s] * H;
    /* CLS: the forward left one row per sequence; mean: all rows of every sequence. */
    const float *x = j->hidden + (mean ? (size_t)j->start[s] : s) * H;
    memcpy(o, x, H * sizeof *o); /* [CLS] row, or the first term of the mean */
    if (mean) {
      const int n = j->len[s];
      for (int t = 1; t < n; t++) {
        const float *r = x + (size_t)t * H;
        for (size_t i = 0; i < H; i++) o[i] += r[i];
      }
      const float count = (float)n;
      for (size_t i = 0; i < H; i++) o[i] /= count;
    }
    if (j->m->cfg.normalize) l2_normalize_f32(o, (int)H);
  }
}

/* ---- the window loop --------------------------------------------------------------------- */

/* Embeds n <= m->window texts into out (n rows of dim floats). */
static int embed_window(brass_model *m, const char *prefix, const char *const *texts, int n,
                        size_t first, float *out, brass_error *err) {
  embed_work *w = &m->work;
  const int seq = m->cfg.max_seq_length;
  embed_tok_job tj = {m, texts, prefix, strlen(prefix)};
  pool_for(m->pool, (size_t)n, 8, embed_tokenize_rows, &tj);
  for (int i = 0; i < n; i++)
    if (w->ntok[i] < 0)
      return err_set(err, w->ntok[i], "text %zu: %s", first + (size_t)i,
                     w->ntok[i] == BRASS_ENOMEM   ? "out of memory while tokenizing"
                     : w->ntok[i] == BRASS_ERANGE ? "a token id is outside the model's vocabulary"
                                                  : "the tokenizer failed");
  if (embed_sort(w->ntok, n, seq, w->order))
    return err_set(err, BRASS_ENOMEM, "out of memory sorting texts");

  const int max_seqs = m->batch_size < m->window ? m->batch_size : m->window;
  int rows[EMBED_WINDOW];
  for (int k = 0; k < n;) {
    /* Next batch: up to max_seqs texts and batch_tokens tokens (always at least one text). */
    int nseq = 0, ntok = 0;
    while (k < n && nseq < max_seqs) {
      int i = w->order[k], len = w->ntok[i];
      if (nseq > 0 && ntok + len > m->batch_tokens) break;
      w->start[nseq] = ntok;
      w->len[nseq] = len;
      rows[nseq] = i;
      memcpy(w->bids + ntok, w->ids + (size_t)i * (size_t)seq, (size_t)len * sizeof *w->bids);
      for (int p = 0; p < len; p++) w->bpos[ntok + p] = p;
      ntok += len;
      nseq++;
      k++;
    }
    if ((size_t)ntok > w->scratch.cap_tokens) {
      size_t want = 2 * w->scratch.cap_tokens;
      if (want > (size_t)m->batch_tokens) want = (size_t)m->batch_tokens;
      if (want < (size_t)ntok) want = (size_t)ntok;
      if (bert_scratch_reserve(&w->scratch, &m->bert, want))
        return err_set(err, BRASS_ENOMEM, "out of memory for activations of %zu tokens", want);
    }
    bert_batch b = {.nseq = nseq,
                    .ntok = ntok,
                    .start = w->start,
                    .len = w->len,
                    .ids = w->bids,
                    .pos = w->bpos};
    const int cls = m->cfg.pooling == MODEL_POOL_CLS;
    const float *hidden;
    if (bert_forward(&m->bert, m->pool, &b, cls, &w->scratch, &hidden))
      return err_set(err, BRASS_ENOMEM, "out of memory in attention");
    embed_pool_job pj = {m, hidden, w->start, w->len, rows, out};
    pool_for(m->pool, (size_t)nseq, 4, embed_pool_rows, &pj);
  }
  return 0;
}

int brass_embed_as(brass_model *m, brass_text_kind kind, const char *const *texts, size_t n,
                   float *out, brass_error *err) {
  if (!m || (n > 0 && (!texts || !out)) || (kind != BRASS_PASSAGE && kind != BRASS_QUERY))
    return err_set(err, BRASS_EINVAL, "brass_embed: invalid argument");
  for (size_t i = 0; i < n; i++)
    if (!texts[i]) return err_set(err, BRASS_EINVAL, "brass_embed: text %zu is NULL", i);
  if (n == 0) return 0;
  if (m->stat.kind != STATIC_NONE) return static_embed_texts(m, texts, n, out, err);
  pthread_mutex_lock(&m->mu);
  int rc = embed_work_init(m);
  if (rc) {
    pthread_mutex_unlock(&m->mu);
    return err_set(err, rc, "out of memory for the embedder's working memory");
  }
  const size_t dim = (size_t)m->cfg.hidden;
  const size_t win = (size_t)m->window;
  for (size_t first = 0; first < n && rc == 0; first += win) {
    int count = n - first < win ? (int)(n - first) : (int)win;
    rc = embed_window(m, m->prefix[kind], texts + first, count, first, out + first * dim, err);
  }
  pthread_mutex_unlock(&m->mu);
  return rc;
}

int brass_embed(brass_model *m, const char *const *texts, size_t n, float *out, brass_error *err) {
  return brass_embed_as(m, BRASS_PASSAGE, texts, n, out, err);
}
