/*
 * search.c - brass_search: one query against a library.
 *
 * Plan: keyword mode runs FTS5 BM25 only; vector mode embeds the query (BRASS_QUERY) and asks the
 * HNSW graph (or, with exact, compares with every stored vector); hybrid runs both and fuses the
 * two chunk lists with Reciprocal Rank Fusion (rrf.c). Each list holds `candidates` chunks. The
 * fused chunks are then grouped per source: a source appears once, at the rank of its best chunk,
 * and carries that chunk's line range, heading, text and a snippet with the query terms marked.
 *
 * The graph comes from engine_graph_current() (graph.c). An int8 graph (vector format int8) is
 * asked for max(candidates, efSearch) chunks, which are re-ranked with their exact float32
 * similarity from the vectors table and cut to candidates (srch_rerank): quantisation noise
 * reorders close neighbours, the exact scores put them back (docs/hnsw.md).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/str_buf.h"
#include "engine/engine.h"
#include "engine/rrf.h"
#include "model/model.h"
#include "text/tok_internal.h"

static double srch_ms(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return 1e3 * (double)(t.tv_sec - t0->tv_sec) + 1e-6 * (double)(t.tv_nsec - t0->tv_nsec);
}

const char *brass_search_mode_name(brass_search_mode mode) {
  switch (mode) {
    case BRASS_SEARCH_VECTOR:
      return "vector";
    case BRASS_SEARCH_KEYWORD:
      return "keyword";
    default:
      return "hybrid";
  }
}

typedef struct srch_allow srch_allow;
static int srch_allowed(void *ctx, int64_t id);

/* ---- exact search --------------------------------------------------------------------------- */

typedef struct srch_exact {
  const float *q;                 /* normalised query */
  const struct srch_allow *allow; /* NULL: every chunk */
  int dim, k;
  int64_t *ids;
  float *scores;
  int n;
  int64_t seen; /* vectors compared */
} srch_exact;

static int srch_exact_fn(void *ctx, int64_t chunk_id, const float *v, int dim) {
  srch_exact *e = ctx;
  if (dim != e->dim) return BRASS_EFORMAT;
  if (e->allow && !srch_allowed((void *)e->allow, chunk_id)) return 0;
  e->seen++;
  double dot = 0, nv = 0;
  for (int i = 0; i < dim; i++) {
    dot += (double)e->q[i] * v[i];
    nv += (double)v[i] * v[i];
  }
  float s = nv > 0 ? (float)(dot / sqrt(nv)) : 0.0f;
  int pos = e->n; /* insertion into the sorted top-k; equal scores keep id order */
  while (pos > 0 && e->scores[pos - 1] < s) pos--;
  if (pos >= e->k) return 0;
  int last = e->n < e->k ? e->n : e->k - 1;
  memmove(e->ids + pos + 1, e->ids + pos, (size_t)(last - pos) * sizeof *e->ids);
  memmove(e->scores + pos + 1, e->scores + pos, (size_t)(last - pos) * sizeof *e->scores);
  e->ids[pos] = chunk_id;
  e->scores[pos] = s;
  if (e->n < e->k) e->n++;
  return 0;
}

static void srch_normalise(float *q, int dim) {
  double nq = 0;
  for (int i = 0; i < dim; i++) nq += (double)q[i] * q[i];
  nq = nq > 0 ? sqrt(nq) : 1;
  for (int i = 0; i < dim; i++) q[i] = (float)(q[i] / nq);
}

/* Re-scores the n chunks in ids/scores with the exact cosine of their stored float32 vectors
 * against the normalised query q, sorts them best first and keeps at most keep; returns how many
 * are kept, or a negative error. A chunk without a stored vector keeps its graph score. */
static int srch_rerank(brass_library *lib, const float *q, int64_t *ids, float *scores, size_t n,
                       size_t keep, brass_error *err) {
  float *v = malloc((size_t)lib->dim * sizeof *v);
  if (!v) return err_set(err, BRASS_ENOMEM, "search: out of memory");
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    int got = store_vector_get(lib->st, ids[i], v, lib->dim, err);
    if (got < 0) rc = got;
    if (got != 1) continue;
    double dot = 0, nv = 0;
    for (int j = 0; j < lib->dim; j++) dot += (double)q[j] * v[j], nv += (double)v[j] * v[j];
    scores[i] = nv > 0 ? (float)(dot / sqrt(nv)) : 0.0f;
  }
  free(v);
  if (rc) return rc;
  for (size_t i = 1; i < n; i++) { /* insertion sort: n is a few hundred, mostly in order */
    int64_t id = ids[i];
    float s = scores[i];
    size_t j = i;
    for (; j > 0 && scores[j - 1] < s; j--) ids[j] = ids[j - 1], scores[j] = scores[j - 1];
    ids[j] = id, scores[j] = s;
  }
  return (int)(n < keep ? n : keep);
}

/* ---- filters --------------------------------------------------------------------------------
 * A filtered vector search needs the set of allowed chunks (one SQL query over the filtered
 * sources). Then it either compares the query with each allowed vector exactly, or walks the
 * graph checking membership at every node (hnsw_search_filter). The exact pass costs about n
 * inner products for n allowed chunks; the filtered walk about ef * M0 / p for an allowed share
 * p = n / N (it must visit about ef / p nodes to collect ef allowed ones). So exact wins while
 * n * n <= ratio * ef * N. bench/bench_filter.c (30k x 128, ef 192, 100 candidates) put the
 * crossover between n^2 / (ef N) = 9.7 (25% kept: exact 1.05 ms, walk 1.75 ms) and 38.5 (50%:
 * exact 2.36 ms, walk 0.74 ms); at 1% the walk took 44 ms and exact 0.5 ms (docs/hnsw.md). */
#define SRCH_FILTER_EXACT_RATIO 20.0

struct srch_allow {
  int64_t base;
  size_t span;
  uint8_t *bits; /* bit (id - base) set for allowed chunk ids */
};

static int srch_allowed(void *ctx, int64_t id) {
  const srch_allow *a = ctx;
  if (id < a->base || (uint64_t)(id - a->base) >= a->span) return 0;
  size_t i = (size_t)(id - a->base);
  return (a->bits[i >> 3] >> (i & 7)) & 1;
}

static int srch_accept_source(void *ctx, const char *path, int64_t mtime_ns) {
  return brass_filter_match(ctx, path, mtime_ns);
}

/* Builds the membership bitmap of ids[0..n) (ascending). */
static int srch_allow_init(srch_allow *a, const int64_t *ids, size_t n) {
  memset(a, 0, sizeof *a);
  if (!n) return 0;
  a->base = ids[0];
  a->span = (size_t)(ids[n - 1] - ids[0]) + 1;
  a->bits = calloc((a->span + 7) / 8, 1);
  if (!a->bits) return BRASS_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    size_t b = (size_t)(ids[i] - a->base);
    a->bits[b >> 3] |= (uint8_t)(1u << (b & 7));
  }
  return 0;
}

/* Vector candidates under a filter: exact over the allowed set or a filtered graph walk. */
static int srch_vector_filtered(brass_library *lib, const float *qv, const brass_search_options *o,
                                const int64_t *ids, size_t nids, const srch_allow *allow,
                                int64_t *vid, float *vscore, size_t *nv, brass_error *err) {
  *nv = 0;
  if (!nids) return 0;
  int rc = engine_graph_current(lib, err);
  if (rc) return rc;
  double total = (double)hnsw_size(lib->graph);
  int ef = o->ef_search > 0 ? o->ef_search : HNSW_DEFAULT_EF_SEARCH;
  if (ef < o->candidates) ef = o->candidates;
  int got;
  if ((double)nids * (double)nids <= SRCH_FILTER_EXACT_RATIO * ef * total)
    got = hnsw_search_labels(lib->graph, qv, o->candidates, ids, nids, vid, vscore, err);
  else
    got = hnsw_search_filter(lib->graph, qv, o->candidates, ef, srch_allowed, (void *)allow, vid,
                             vscore, err);
  if (got < 0) return got;
  *nv = (size_t)got;
  return 0;
}

/* ---- snippets ------------------------------------------------------------------------------- */

#define SRCH_MAX_TERMS 32
#define SRCH_SNIPPET_BYTES 240

typedef struct srch_terms {
  const char *t[SRCH_MAX_TERMS];
  size_t len[SRCH_MAX_TERMS];
  unsigned char kind[SRCH_MAX_TERMS]; /* 0 whole word, 1 prefix, 2 anywhere (CJK) */
  int n;
  store_query q; /* owns the strings */
} srch_terms;

static int srch_word_byte(unsigned char c) {
  return isalnum(c) || c >= 0x80 || c == '_';
}

/* English words too common to be worth marking in a snippet. */
static int srch_stop_word(const char *w, size_t n) {
  static const char *const stop[] = {
      "a",     "an",    "and",  "are",   "as",    "at",   "be",  "but",  "by", "can",  "do",
      "does",  "for",   "from", "has",   "have",  "how",  "i",   "if",   "in", "into", "is",
      "it",    "its",   "me",   "my",    "no",    "not",  "of",  "on",   "or", "so",   "that",
      "the",   "their", "then", "there", "these", "this", "to",  "was",  "we", "what", "when",
      "where", "which", "who",  "why",   "will",  "with", "you", "your", NULL};
  for (int i = 0; stop[i]; i++)
    if (strlen(stop[i]) == n && !strncasecmp(stop[i], w, n)) return 1;
  return 0;
}

/* The words of query to mark in snippets (store_query_parse: excluded terms are not marked,
 * phrases are marked word by word, prefixes as prefixes, CJK runs wherever they occur); stop
 * words are left out unless the query has nothing else. */
static void srch_split(const char *query, srch_terms *t) {
  t->n = 0;
  if (store_query_parse(query, &t->q)) t->q.n = 0;
  for (int pass = 0; pass < 2 && t->n == 0; pass++)
    for (size_t i = 0; i < t->q.n; i++) {
      const store_term *x = &t->q.terms[i];
      if (x->excluded) continue;
      for (const char *w = x->text; *w && t->n < SRCH_MAX_TERMS;) {
        size_t n = strcspn(w, " ");
        if (n && (pass == 1 || x->cjk || !srch_stop_word(w, n))) {
          t->t[t->n] = w;
          t->len[t->n] = n;
          t->kind[t->n++] = x->cjk ? 2 : x->kind == STORE_TERM_PREFIX ? 1 : 0;
        }
        w += n;
        while (*w == ' ') w++;
      }
    }
}

/* The length of word w (n bytes) without one common English ending and then a final 'e', so
 * that "examples", "example" and "exampled" compare equal (a rough stand-in for the porter
 * stemmer that matched them); a stem stays at least 3 bytes. */
static size_t srch_stem_len(const char *w, size_t n) {
  static const char *const ends[] = {"ings", "ing", "ions", "ion", "ers", "er",
                                     "ies",  "es",  "ed",   "ly",  "s",   NULL};
  for (int k = 0; ends[k]; k++) {
    size_t e = strlen(ends[k]);
    if (n >= e + 3 && !strncasecmp(w + n - e, ends[k], e)) {
      n -= e;
      break;
    }
  }
  if (n > 3 && (w[n - 1] == 'e' || w[n - 1] == 'E')) n--;
  return n;
}

/* Length of the query term at text[i], or 0: whole words (FTS5's unicode61 tokenizer matches
 * whole words, so a snippet marks whole words too: "value" not inside "valuable"; words with
 * the same rough stem, since the index stems: "examples" for "example"), prefixes at a word
 * start, CJK runs anywhere. */
static size_t srch_term_at(const srch_terms *t, const char *text, size_t len, size_t i) {
  int start = i == 0 || !srch_word_byte((unsigned char)text[i - 1]);
  for (int k = 0; k < t->n; k++) {
    size_t n = t->len[k];
    if (t->kind[k] == 0 && start) { /* the whole word, or one with the same rough stem */
      size_t e = i;
      while (e < len && srch_word_byte((unsigned char)text[e])) e++;
      size_t a = srch_stem_len(text + i, e - i), b = srch_stem_len(t->t[k], n);
      if ((e - i == n && !strncasecmp(text + i, t->t[k], n)) ||
          (a == b && !strncasecmp(text + i, t->t[k], a)))
        return e - i;
      continue;
    }
    if (n > len - i || strncasecmp(text + i, t->t[k], n)) continue;
    if (t->kind[k] == 2) return n;
    if (!start) continue;
    if (t->kind[k] == 1) {
      while (i + n < len && srch_word_byte((unsigned char)text[i + n])) n++;
      return n;
    }
    if (i + n == len || !srch_word_byte((unsigned char)text[i + n])) return n;
  }
  return 0;
}

/* One line of about SRCH_SNIPPET_BYTES around the first query term in text, terms marked,
 * whitespace collapsed. Returns a heap string or NULL (no memory). */
static char *srch_snippet(const char *text, size_t len, const srch_terms *t, const char *open,
                          const char *close) {
  size_t first = len;
  for (size_t i = 0; i < len && first == len; i++)
    if (srch_term_at(t, text, len, i)) first = i;
  size_t start = first == len || first < 60 ? 0 : first - 60;
  size_t end = start + SRCH_SNIPPET_BYTES < len ? start + SRCH_SNIPPET_BYTES : len;
  /* cut between words where there is a word boundary to cut at (a boundary is next to an ASCII
   * byte, so it is also a character boundary), else between UTF-8 characters */
  size_t s2 = start, e2 = end;
  while (s2 > 0 && s2 < end && srch_word_byte((unsigned char)text[s2]) &&
         srch_word_byte((unsigned char)text[s2 - 1]))
    s2++;
  while (e2 < len && e2 > s2 && srch_word_byte((unsigned char)text[e2]) &&
         srch_word_byte((unsigned char)text[e2 - 1]))
    e2--;
  if (s2 < e2 && (first == len || (s2 <= first && e2 > first))) start = s2, end = e2;
  while (start < len && ((unsigned char)text[start] & 0xC0) == 0x80) start++;
  while (end < len && end > start && ((unsigned char)text[end] & 0xC0) == 0x80) end--;
  str_buf b = {0};
  str_buf_put(&b, "", 0);
  if (start > 0) str_buf_put(&b, "...", 3);
  int space = 0;
  for (size_t i = start; i < end;) {
    unsigned char c = (unsigned char)text[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = 1;
      i++;
      continue;
    }
    if (space && b.n > 0 && !(b.n == 3 && start > 0)) str_buf_put(&b, " ", 1);
    space = 0;
    size_t m = srch_term_at(t, text, len, i);
    if (m) {
      if (i + m > end) m = end - i;
      str_buf_puts(&b, open);
      str_buf_put(&b, text + i, m);
      str_buf_puts(&b, close);
      i += m;
    } else {
      str_buf_put(&b, text + i, 1);
      i++;
    }
  }
  if (end < len) str_buf_put(&b, "...", 3);
  if (b.failed) {
    free(b.d);
    return NULL;
  }
  return b.d;
}

/* Replaces *s by a copy in which every invalid UTF-8 sequence is U+FFFD (as browsers decode),
 * so that results can go into JSON as they are. Returns 0 or BRASS_ENOMEM (then *s is kept). */
int engine_utf8_fix(char **s) {
  const unsigned char *u = (const unsigned char *)*s;
  size_t len = strlen(*s), pos = 0, bad = 0;
  while (pos < len) {
    size_t at = pos;
    uint32_t cp = tok_utf8_next(u, len, &pos);
    if (cp == 0xFFFD && !(pos - at == 3 && u[at] == 0xEF && u[at + 1] == 0xBF && u[at + 2] == 0xBD))
      bad++;
  }
  if (!bad) return 0;
  char *out = malloc(len + 3 * bad + 1); /* each bad subpart (>= 1 byte) becomes 3 bytes */
  if (!out) return BRASS_ENOMEM;
  size_t o = 0;
  for (pos = 0; pos < len;)
    o += (size_t)tok_utf8_put(tok_utf8_next(u, len, &pos), (unsigned char *)out + o);
  out[o] = '\0';
  free(*s);
  *s = out;
  return 0;
}

/* ---- the search ----------------------------------------------------------------------------- */

void brass_results_free(brass_results *r) {
  if (!r) return;
  for (size_t i = 0; i < r->count; i++) {
    free(r->items[i].source);
    free(r->items[i].heading);
    free(r->items[i].snippet);
    free(r->items[i].text);
  }
  free(r->items);
  free(r->query);
  free(r);
}

/* Fills result res from chunk id (source path moved in). */
static int srch_fill(brass_library *lib, int64_t id, char *path, const srch_terms *t,
                     const brass_search_options *o, brass_result *res, brass_error *err) {
  store_chunk c;
  char *owned = NULL;
  int rc = store_chunk_get(lib->st, id, &c, &owned, err);
  if (rc < 0) {
    free(path);
    return rc;
  }
  res->source = path;
  res->chunk_id = id;
  if (rc == 0) { /* deleted under our feet: keep the source, empty text */
    res->heading = strdup("");
    res->text = strdup("");
    res->snippet = strdup("");
  } else {
    res->line_start = c.line_start;
    res->line_end = c.line_end;
    res->heading = strdup(c.heading ? c.heading : "");
    res->text = malloc(c.text_len + 1);
    if (res->text) {
      memcpy(res->text, c.text, c.text_len);
      res->text[c.text_len] = '\0';
    }
    res->snippet = srch_snippet(c.text, c.text_len, t, o->mark_open, o->mark_close);
  }
  free(owned);
  if (!res->heading || !res->text || !res->snippet || engine_utf8_fix(&res->source) ||
      engine_utf8_fix(&res->heading) || engine_utf8_fix(&res->text) ||
      engine_utf8_fix(&res->snippet))
    return err_set(err, BRASS_ENOMEM, "search: out of memory");
  return 0;
}

int brass_search(brass_library *lib, const char *query, const brass_search_options *opts,
                 brass_results **out, brass_error *err) {
  *out = NULL;
  if (!lib || !query) return err_set(err, BRASS_EINVAL, "search: no library or query");
  /* An empty or blank query matches nothing by keyword and everything equally by vector: refused
   * here, so that the CLI, the server's /api/search and the browser all answer it the same way. */
  if (!query[strspn(query, " \t\n\r\f\v")])
    return err_set(err, BRASS_EINVAL, "search: the query is empty: give some words to search for");
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  brass_search_options o = {0};
  if (opts) o = *opts;
  if (o.k <= 0) o.k = 10;
  /* With a reranker, the fused top max(k, rerank_top) are fetched, reranked, and cut to k. */
  const int k_wanted = o.k;
  if (o.reranker) {
    if (o.rerank_top <= 0) o.rerank_top = BRASS_RERANK_TOP_DEFAULT;
    if (o.rerank_top > o.k) o.k = o.rerank_top;
  }
  if (o.rrf_k <= 0) o.rrf_k = RRF_DEFAULT_K;
  if (o.candidates <= 0) o.candidates = k_wanted * 10 > 50 ? k_wanted * 10 : 50;
  if (o.candidates < o.k) o.candidates = o.k; /* a reranked search fetches up to rerank_top */
  if (!o.mark_open) o.mark_open = "**";
  if (!o.mark_close) o.mark_close = "**";
  brass_results *r = calloc(1, sizeof *r);
  if (!r) return err_set(err, BRASS_ENOMEM, "search: out of memory");
  r->mode = o.mode;
  r->query = strdup(query);
  if (!r->query || engine_utf8_fix(&r->query)) {
    brass_results_free(r);
    return err_set(err, BRASS_ENOMEM, "search: out of memory");
  }
  if (!lib->model && o.mode != BRASS_SEARCH_KEYWORD) {
    r->mode = BRASS_SEARCH_KEYWORD;
    r->note = lib->model_missing ? "the library's model is not available (pass --model DIR): "
                                   "keyword search only"
                                 : "the library has no model: keyword search only";
  }
  int rc = 0;
  int64_t *vid = NULL, *kid = NULL;
  float *vscore = NULL, *qv = NULL;
  store_hit *hits = NULL;
  size_t nv = 0, nk = 0, nf = 0;
  rrf_item *fused = NULL;
  /* filter: the allowed chunks (for the vector list; the keyword list filters in SQL) */
  int filtered = brass_filter_active(o.filter);
  store_accept acc = {srch_accept_source, (void *)o.filter};
  int64_t *allowed = NULL;
  size_t nallowed = 0;
  srch_allow allow = {0};
  if (filtered && r->mode != BRASS_SEARCH_KEYWORD) {
    rc = store_chunk_ids_where(lib->st, &acc, &allowed, &nallowed, err);
    if (!rc && srch_allow_init(&allow, allowed, nallowed))
      rc = err_set(err, BRASS_ENOMEM, "search: out of memory");
  }
  /* vector list */
  if (!rc && r->mode != BRASS_SEARCH_KEYWORD) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    qv = malloc((size_t)lib->dim * sizeof *qv);
    /* an int8 graph returns more, re-ranked below (see the top comment) */
    int ef = o.ef_search > 0 ? o.ef_search : HNSW_DEFAULT_EF_SEARCH;
    int fetch = o.candidates > ef ? o.candidates : ef;
    vid = malloc((size_t)fetch * sizeof *vid);
    vscore = malloc((size_t)fetch * sizeof *vscore);
    if (!qv || !vid || !vscore) rc = err_set(err, BRASS_ENOMEM, "search: out of memory");
    if (!rc) rc = brass_embed_as(lib->model, BRASS_QUERY, &query, 1, qv, err);
    r->embed_ms = srch_ms(&t);
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (!rc && o.exact) {
      srch_normalise(qv, lib->dim);
      srch_exact e = {qv, filtered ? &allow : NULL, lib->dim, o.candidates, vid, vscore, 0, 0};
      rc = store_vector_foreach(lib->st, srch_exact_fn, &e, err);
      int64_t chunks = rc ? 0 : store_chunk_count(lib->st, err);
      if (chunks < 0) rc = (int)chunks;
      if (!rc && chunks > e.seen) r->unembedded = store_chunks_unembedded_count(lib->st, err);
      if (r->unembedded < 0) rc = (int)r->unembedded;
      if (rc == BRASS_EFORMAT)
        rc = err_set(err, rc, "%s: a stored vector has the wrong dimension", store_path(lib->st));
      nv = (size_t)e.n;
    } else if (!rc && filtered) {
      rc = srch_vector_filtered(lib, qv, &o, allowed, nallowed, &allow, vid, vscore, &nv, err);
    } else if (!rc) {
      rc = engine_graph_current(lib, err);
      if (!rc) r->unembedded = engine_graph_unembedded(lib, err);
      if (r->unembedded < 0) rc = (int)r->unembedded;
      hnsw_stats hs = {0};
      if (!rc) hnsw_get_stats(lib->graph, &hs);
      int rerank = hs.vectors == HNSW_VEC_INT8;
      int got = rc ? 0
                   : hnsw_search(lib->graph, qv, rerank ? fetch : o.candidates, o.ef_search, vid,
                                 vscore, err);
      if (got > 0 && rerank) {
        srch_normalise(qv, lib->dim);
        got = srch_rerank(lib, qv, vid, vscore, (size_t)got, (size_t)o.candidates, err);
      }
      if (got < 0) rc = got;
      nv = got > 0 ? (size_t)got : 0;
    }
    r->vector_ms = srch_ms(&t);
    if (!rc && r->unembedded > 0)
      r->note =
          "some chunks have no vector yet (indexed without a model), so the vector search "
          "cannot find them; run `brass index` with the model to embed them";
  }
  /* keyword list */
  if (!rc && r->mode != BRASS_SEARCH_VECTOR) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    rc = store_fts_search_where(lib->st, query, STORE_FTS_ANY, o.candidates, filtered ? &acc : NULL,
                                &hits, &nk, err);
    if (!rc && nk && !(kid = malloc(nk * sizeof *kid)))
      rc = err_set(err, BRASS_ENOMEM, "search: out of memory");
    for (size_t i = 0; !rc && i < nk; i++) kid[i] = hits[i].chunk_id;
    r->keyword_ms = srch_ms(&t);
  }
  /* fuse */
  if (!rc) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    const int64_t *lists[2];
    size_t lens[2];
    int nl = 0;
    if (r->mode != BRASS_SEARCH_KEYWORD) lists[nl] = vid, lens[nl++] = nv;
    if (r->mode != BRASS_SEARCH_VECTOR) lists[nl] = kid, lens[nl++] = nk;
    rc = rrf_fuse(lists, lens, nl, o.rrf_k, &fused, &nf, err);
    r->fuse_ms = srch_ms(&t);
  }
  /* group per source and fetch */
  srch_terms terms;
  srch_split(query, &terms);
  int64_t *seen = NULL;
  clock_gettime(CLOCK_MONOTONIC, &t);
  if (!rc && nf) {
    seen = malloc((size_t)o.k * sizeof *seen);
    r->items = calloc((size_t)o.k, sizeof *r->items);
    if (!seen || !r->items) rc = err_set(err, BRASS_ENOMEM, "search: out of memory");
  }
  for (size_t i = 0; !rc && i < nf && r->count < (size_t)o.k; i++) {
    int64_t sid = 0;
    char *path = NULL;
    int got = store_chunk_source(lib->st, fused[i].id, &sid, &path, err);
    if (got < 0) {
      rc = got;
      break;
    }
    if (got == 0) continue; /* a stale graph label */
    int dup = 0;
    for (size_t j = 0; j < r->count && !dup; j++) dup = seen[j] == sid;
    if (dup) {
      free(path);
      continue;
    }
    brass_result *res = &r->items[r->count];
    seen[r->count] = sid;
    r->count++;
    res->rank = (int)r->count;
    res->score = fused[i].score;
    if (r->mode == BRASS_SEARCH_VECTOR) {
      for (size_t j = 0; j < nv; j++)
        if (vid[j] == fused[i].id) res->score = vscore[j];
    } else if (r->mode == BRASS_SEARCH_KEYWORD) {
      for (size_t j = 0; j < nk; j++)
        if (hits[j].chunk_id == fused[i].id) res->score = hits[j].score;
    }
    rc = srch_fill(lib, fused[i].id, path, &terms, &o, res, err);
  }
  r->fetch_ms = srch_ms(&t);
  store_query_free(&terms.q);
  free(seen);
  free(allowed);
  free(allow.bits);
  free(fused);
  free(hits);
  free(kid);
  free(vid);
  free(vscore);
  free(qv);
  if (rc) {
    brass_results_free(r);
    return rc;
  }
  r->took_ms = srch_ms(&t0);
  if (o.reranker && (rc = brass_results_rerank(o.reranker, r, (size_t)o.rerank_top, err))) {
    brass_results_free(r);
    return rc;
  }
  while (r->count > (size_t)k_wanted) { /* the reranked-away tail */
    brass_result *x = &r->items[--r->count];
    free(x->source);
    free(x->heading);
    free(x->snippet);
    free(x->text);
  }
  if (r->reranked > r->count) r->reranked = r->count;
  *out = r;
  return 0;
}
