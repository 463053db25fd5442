/*
 * eval.c - evaluation sets for `brass eval`: judged queries loaded from a BEIR folder
 * (queries.jsonl, qrels/test.tsv, corpus.jsonl) or from a queries file and a qrels file, the
 * BEIR corpus indexed as in-memory documents, and each query searched with the engine and its
 * result sources mapped back to corpus ids. The metrics themselves are in eval_metrics.c.
 *
 * Lookups: query ids and judged corpus ids live in sorted arrays searched with bsearch, so a
 * 100k-query set loads in O(n log n).
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "brass.h"
#include "base/error.h"
#include "base/file.h"

/* Corpora are read whole: at most 8 GiB, or half the address space where size_t is 32 bits
 * (WebAssembly). */
#define EVAL_MAX_FILE \
  ((size_t)(SIZE_MAX < (UINT64_C(8) << 30) ? SIZE_MAX / 2 : (UINT64_C(8) << 30)))

typedef struct eval_qrel {
  char *qid, *doc;
  int grade;
} eval_qrel;

typedef struct eval_query {
  char *id, *text;
  brass_judgment *j; /* points into the set's judgment array */
  size_t nj;
} eval_query;

struct brass_eval {
  char *dir; /* the BEIR folder, NULL without a corpus */
  eval_query *q;
  size_t nq;
  brass_judgment *judg; /* all judgments, grouped by query */
  size_t njudg;
  char **docs; /* judged corpus ids, sorted, unique (for suffix matching) */
  size_t ndocs;
};

static int eval_strcmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int eval_qrel_cmp(const void *a, const void *b) {
  const eval_qrel *x = a, *y = b;
  return strcmp(x->qid, y->qid);
}

void brass_eval_close(brass_eval *ev) {
  if (!ev) return;
  for (size_t i = 0; i < ev->nq; i++) {
    free(ev->q[i].id);
    free(ev->q[i].text);
  }
  for (size_t i = 0; i < ev->njudg; i++) free((char *)ev->judg[i].doc);
  free(ev->q);
  free(ev->judg);
  free(ev->docs); /* the strings belong to judg */
  free(ev->dir);
  free(ev);
}

size_t brass_eval_count(const brass_eval *ev) {
  return ev ? ev->nq : 0;
}
const char *brass_eval_query_id(const brass_eval *ev, size_t i) {
  return i < ev->nq ? ev->q[i].id : "";
}
const char *brass_eval_query_text(const brass_eval *ev, size_t i) {
  return i < ev->nq ? ev->q[i].text : "";
}
int brass_eval_has_corpus(const brass_eval *ev) {
  return ev && ev->dir != NULL;
}

/* The id field of a JSON object as a heap string (BEIR ids are strings, some sets use numbers). */
static char *eval_json_id(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (cJSON_IsString(v) && v->valuestring[0]) return strdup(v->valuestring);
  if (cJSON_IsNumber(v)) {
    char b[64];
    snprintf(b, sizeof b, "%.17g", v->valuedouble);
    return strdup(b);
  }
  return NULL;
}

static const char *eval_json_text(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* Calls fn for every non-empty line of a JSON Lines file with the parsed object. */
static int eval_jsonl(const char *path, int (*fn)(void *ctx, const cJSON *o, long line), void *ctx,
                      brass_error *err) {
  char *data = NULL;
  size_t len = 0;
  int rc = file_read_all(path, EVAL_MAX_FILE, &data, &len, err);
  if (rc) return rc;
  long line = 0;
  for (size_t i = 0; i < len && !rc;) {
    size_t e = i;
    while (e < len && data[e] != '\n') e++;
    line++;
    size_t s = i;
    while (s < e && (data[s] == ' ' || data[s] == '\t' || data[s] == '\r')) s++;
    if (s < e) {
      cJSON *o = cJSON_ParseWithLength(data + s, e - s);
      if (!cJSON_IsObject(o))
        rc = err_set(err, BRASS_EFORMAT, "%s:%ld: not a JSON object", path, line);
      else
        rc = fn(ctx, o, line);
      if (rc > 0) /* fn's own failure code: name the line */
        rc = err_set(err, BRASS_EFORMAT, "%s:%ld: no \"_id\" or out of memory", path, line);
      cJSON_Delete(o);
    }
    i = e + 1;
  }
  free(data);
  return rc;
}

/* ---- loading ------------------------------------------------------------------------------ */

typedef struct eval_load {
  eval_qrel *r;
  size_t nr, cap;
  eval_query *q;
  size_t nq, qcap;
} eval_load;

/* Reads a qrels file: BEIR "query-id corpus-id score" (tab or space separated, header optional)
 * or TREC "qid iteration docid grade". */
static int eval_read_qrels(const char *path, eval_load *L, brass_error *err) {
  char *data = NULL;
  size_t len = 0;
  int rc = file_read_all(path, EVAL_MAX_FILE, &data, &len, err);
  if (rc) return rc;
  long line = 0;
  for (char *p = data; p < data + len && !rc;) {
    char *e = memchr(p, '\n', (size_t)(data + len - p));
    if (!e) e = data + len;
    *e = '\0';
    line++;
    char *f[5];
    int nf = 0;
    for (char *t = strtok(p, " \t\r"); t && nf < 5; t = strtok(NULL, " \t\r")) f[nf++] = t;
    p = e + 1;
    if (nf == 0) continue;
    if (nf != 3 && nf != 4) {
      rc =
          err_set(err, BRASS_EFORMAT,
                  "%s:%ld: expected 'query-id corpus-id score' or 'qid 0 docid grade'", path, line);
      break;
    }
    char *end = NULL;
    long g = strtol(f[nf - 1], &end, 10);
    if (!*f[nf - 1] || *end) {
      if (line == 1 && nf == 3) continue; /* the BEIR header */
      rc = err_set(err, BRASS_EFORMAT, "%s:%ld: the grade '%s' is not an integer", path, line,
                   f[nf - 1]);
      break;
    }
    if (L->nr == L->cap) {
      size_t c = L->cap ? L->cap * 2 : 256;
      eval_qrel *r = realloc(L->r, c * sizeof *r);
      if (!r) {
        rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
        break;
      }
      L->r = r;
      L->cap = c;
    }
    eval_qrel *q = &L->r[L->nr];
    q->qid = strdup(f[0]);
    q->doc = strdup(f[nf == 3 ? 1 : 2]);
    q->grade = g > 1000000 ? 1000000 : g < -1000000 ? -1000000 : (int)g;
    if (!q->qid || !q->doc) {
      free(q->qid);
      free(q->doc);
      rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
      break;
    }
    L->nr++;
  }
  free(data);
  return rc;
}

static int eval_query_fn(void *ctx, const cJSON *o, long line) {
  (void)line;
  eval_load *L = ctx;
  if (L->nq == L->qcap) {
    size_t c = L->qcap ? L->qcap * 2 : 256;
    eval_query *q = realloc(L->q, c * sizeof *q);
    if (!q) return 1;
    L->q = q;
    L->qcap = c;
  }
  eval_query *q = &L->q[L->nq];
  memset(q, 0, sizeof *q);
  q->id = eval_json_id(o, "_id");
  q->text = strdup(eval_json_text(o, "text"));
  if (!q->id || !q->text) {
    free(q->id);
    free(q->text);
    return 1;
  }
  L->nq++;
  return 0;
}

static void eval_load_free(eval_load *L) {
  for (size_t i = 0; i < L->nr; i++) {
    free(L->r[i].qid);
    free(L->r[i].doc);
  }
  for (size_t i = 0; i < L->nq; i++) {
    free(L->q[i].id);
    free(L->q[i].text);
  }
  free(L->r);
  free(L->q);
}

/* Keeps the queries that have a relevant judgment, in file order, with their judgments. */
static int eval_assemble(eval_load *L, brass_eval *ev, const char *qrels, brass_error *err) {
  if (L->nr) qsort(L->r, L->nr, sizeof *L->r, eval_qrel_cmp);
  ev->q = calloc(L->nq ? L->nq : 1, sizeof *ev->q);
  ev->judg = calloc(L->nr ? L->nr : 1, sizeof *ev->judg);
  ev->docs = calloc(L->nr ? L->nr : 1, sizeof *ev->docs);
  if (!ev->q || !ev->judg || !ev->docs) return err_set(err, BRASS_ENOMEM, "eval: out of memory");
  for (size_t i = 0; i < L->nq; i++) {
    eval_qrel key = {L->q[i].id, NULL, 0};
    eval_qrel *hit = L->nr ? bsearch(&key, L->r, L->nr, sizeof *L->r, eval_qrel_cmp) : NULL;
    if (!hit) continue;
    while (hit > L->r && !strcmp(hit[-1].qid, key.qid)) hit--;
    size_t first = ev->njudg;
    int relevant = 0;
    for (; hit < L->r + L->nr && !strcmp(hit->qid, key.qid); hit++) {
      if (!hit->doc) continue; /* the query appears twice in queries.jsonl */
      ev->judg[ev->njudg].doc = hit->doc;
      ev->judg[ev->njudg++].grade = hit->grade;
      ev->docs[ev->ndocs++] = hit->doc;
      relevant |= hit->grade >= 1;
      hit->doc = NULL; /* moved */
    }
    if (!relevant) continue;
    eval_query *q = &ev->q[ev->nq++];
    *q = L->q[i];
    q->j = ev->judg + first; /* judg is allocated once, so this stays valid */
    q->nj = ev->njudg - first;
    L->q[i].id = L->q[i].text = NULL;
  }
  if (!ev->nq)
    return err_set(err, BRASS_EFORMAT,
                   "%s: no query has a judgment with grade >= 1 that matches a query id", qrels);
  qsort(ev->docs, ev->ndocs, sizeof *ev->docs, eval_strcmp);
  size_t k = 0;
  for (size_t i = 0; i < ev->ndocs; i++)
    if (!k || strcmp(ev->docs[k - 1], ev->docs[i])) ev->docs[k++] = ev->docs[i];
  ev->ndocs = k;
  return 0;
}

int brass_eval_open(const char *dataset, const char *queries, const char *qrels, brass_eval **out,
                    brass_error *err) {
  *out = NULL;
  char qpath[4096], rpath[4096], cpath[4096];
  if (dataset) {
    if (snprintf(qpath, sizeof qpath, "%s/queries.jsonl", dataset) >= (int)sizeof qpath ||
        snprintf(rpath, sizeof rpath, "%s/qrels/test.tsv", dataset) >= (int)sizeof rpath ||
        snprintf(cpath, sizeof cpath, "%s/corpus.jsonl", dataset) >= (int)sizeof cpath)
      return err_set(err, BRASS_EINVAL, "%s: path too long", dataset);
    if (!file_exists(cpath))
      return err_set(err, BRASS_EIO, "%s: not a BEIR folder (no corpus.jsonl)", dataset);
    if (!queries) queries = qpath;
    if (!qrels) qrels = rpath;
  }
  if (!queries || !qrels)
    return err_set(err, BRASS_EINVAL, "eval: give a BEIR folder or a queries and a qrels file");
  brass_eval *ev = calloc(1, sizeof *ev);
  if (!ev || (dataset && !(ev->dir = strdup(dataset)))) {
    free(ev);
    return err_set(err, BRASS_ENOMEM, "eval: out of memory");
  }
  eval_load L;
  memset(&L, 0, sizeof L);
  int rc = eval_jsonl(queries, eval_query_fn, &L, err);
  if (!rc) rc = eval_read_qrels(qrels, &L, err);
  if (!rc) rc = eval_assemble(&L, ev, qrels, err);
  eval_load_free(&L);
  if (rc) {
    brass_eval_close(ev);
    return rc;
  }
  *out = ev;
  return 0;
}

long brass_eval_find(const brass_eval *ev, const char *query_id) {
  for (size_t i = 0; i < ev->nq; i++)
    if (!strcmp(ev->q[i].id, query_id)) return (long)i;
  return -1;
}

void brass_eval_judge(const brass_eval *ev, size_t i, const char *const *ranking, size_t n, int k,
                      double out[BRASS_EVAL_METRICS]) {
  brass_eval_score(ranking, n, ev->q[i].j, ev->q[i].nj, k, out);
}

/* ---- the corpus ----------------------------------------------------------------------------- */

typedef struct eval_corpus {
  brass_document *d;
  size_t n, cap;
} eval_corpus;

static int eval_doc_fn(void *ctx, const cJSON *o, long line) {
  (void)line;
  eval_corpus *c = ctx;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    brass_document *d = realloc(c->d, cap * sizeof *d);
    if (!d) return 1;
    c->d = d;
    c->cap = cap;
  }
  char *id = eval_json_id(o, "_id");
  char *title = strdup(eval_json_text(o, "title"));
  char *text = strdup(eval_json_text(o, "text"));
  if (!id || !title || !text) {
    free(id);
    free(title);
    free(text);
    return 1;
  }
  c->d[c->n++] = (brass_document){id, title, text, strlen(text)};
  return 0;
}

int brass_eval_index(brass_eval *ev, brass_library *lib, const brass_index_options *opts,
                     brass_index_summary *summary, brass_progress_fn progress, void *ctx,
                     brass_error *err) {
  if (!ev || !ev->dir) return err_set(err, BRASS_EINVAL, "eval: the set has no corpus");
  char path[4096];
  snprintf(path, sizeof path, "%s/corpus.jsonl", ev->dir);
  eval_corpus c = {0};
  int rc = eval_jsonl(path, eval_doc_fn, &c, err);
  if (!rc) rc = brass_index_documents(lib, c.d, c.n, opts, summary, progress, ctx, err);
  for (size_t i = 0; i < c.n; i++) {
    free((char *)c.d[i].name);
    free((char *)c.d[i].title);
    free((char *)c.d[i].text);
  }
  free(c.d);
  return rc;
}

/* ---- searching --------------------------------------------------------------------------------
 */

/* The judged corpus id that path names (path itself, a suffix after a '/', either with its file
 * extension dropped), or NULL. */
static const char *eval_match(const brass_eval *ev, const char *path, char *tmp, size_t cap) {
  for (const char *s = path; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL) {
    if (!*s) break;
    const char *key = s;
    char **hit = bsearch(&key, ev->docs, ev->ndocs, sizeof *ev->docs, eval_strcmp);
    if (hit) return *hit;
    const char *dot = strrchr(s, '.');
    if (dot && dot > s && !strchr(dot, '/') && (size_t)(dot - s) < cap) {
      memcpy(tmp, s, (size_t)(dot - s));
      tmp[dot - s] = '\0';
      key = tmp;
      hit = bsearch(&key, ev->docs, ev->ndocs, sizeof *ev->docs, eval_strcmp);
      if (hit) return *hit;
    }
  }
  return NULL;
}

void brass_eval_ranking_free(char **ranking, size_t n) {
  if (!ranking) return;
  for (size_t i = 0; i < n; i++) free(ranking[i]);
  free(ranking);
}

int brass_eval_search(brass_eval *ev, brass_library *lib, size_t i, const brass_search_options *o,
                      char ***ranking, size_t *n, brass_error *err) {
  *ranking = NULL;
  *n = 0;
  if (!ev || i >= ev->nq) return err_set(err, BRASS_EINVAL, "eval: no query %zu", i);
  brass_results *r = NULL;
  int rc = brass_search(lib, ev->q[i].text, o, &r, err);
  if (rc) return rc;
  char **out = calloc(r->count ? r->count : 1, sizeof *out);
  char tmp[4096];
  size_t m = 0;
  for (size_t k = 0; out && k < r->count; k++) {
    const char *id = eval_match(ev, r->items[k].source, tmp, sizeof tmp);
    if (!id) id = r->items[k].source;
    int dup = 0;
    for (size_t p = 0; p < m && !dup; p++) dup = !strcmp(out[p], id);
    if (dup) continue;
    if (!(out[m] = strdup(id))) {
      brass_eval_ranking_free(out, m);
      out = NULL;
      break;
    }
    m++;
  }
  brass_results_free(r);
  if (!out) return err_set(err, BRASS_ENOMEM, "eval: out of memory");
  *ranking = out;
  *n = m;
  return 0;
}
