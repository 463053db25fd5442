/*
 * api.c - the optional /api/ part of `brass serve` (only with --library): /api/status and
 * /api/search?q=..&mode=..&k=..&rrf_k=..&rerank=0|1&rerank_top=N answered from a native library, as
 * JSON of the same shape as `brass status --json` and `brass search --json` (snippets mark query
 * terms with U+E000 ... U+E001, as the browser engine does). One library handle is shared by the
 * server's threads behind a mutex. All JSON is built with cJSON, so nothing from a request reaches
 * the output unescaped.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define API_QUERY_MAX 8192
#define API_PATHS_MAX 64
#define API_ARG_MAX 1024

struct serve_api {
  pthread_mutex_t mu;
  brass_library *lib;
  brass_reranker *reranker; /* NULL unless started with --rerank */
  char path[PATH_MAX];
};

int serve_api_open(const char *library, int threads, int dtype, const char *rerank_dir,
                   serve_api **out, brass_error *err) {
  *out = NULL;
  serve_api *a = calloc(1, sizeof *a);
  if (!a) {
    err->code = BRASS_ENOMEM;
    snprintf(err->message, sizeof err->message, "%s: out of memory", library);
    return BRASS_ENOMEM;
  }
  snprintf(a->path, sizeof a->path, "%s", library);
  brass_model_options mo;
  memset(&mo, 0, sizeof mo);
  mo.threads = threads;
  mo.dtype = dtype;
  int rc =
      brass_library_open(library, NULL, &mo, BRASS_OPEN_EXISTING | BRASS_OPEN_READ, &a->lib, err);
  if (!rc && rerank_dir) {
    brass_reranker_options ro = {.threads = threads, .dtype = dtype};
    if ((rc = brass_reranker_open(rerank_dir, &ro, &a->reranker, err))) brass_library_close(a->lib);
  }
  if (rc) {
    free(a);
    return rc;
  }
  pthread_mutex_init(&a->mu, NULL);
  *out = a;
  return 0;
}

void serve_api_close(serve_api *a) {
  if (!a) return;
  brass_library_close(a->lib);
  brass_reranker_close(a->reranker);
  pthread_mutex_destroy(&a->mu);
  free(a);
}

static char *json_error(const char *message) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "error", message);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

static char *status_json(serve_api *a, int *status) {
  brass_library_info in;
  brass_error err;
  pthread_mutex_lock(&a->mu);
  int rc = brass_library_info_get(a->lib, &in, &err);
  pthread_mutex_unlock(&a->mu);
  if (rc) {
    *status = 500;
    return json_error(err.message);
  }
  char *s = brass_library_info_json(&in, a->path);
  *status = 200;
  return s;
}

/* Reads an optional integer argument in [lo, hi]; 0 when absent or valid, -1 otherwise. */
static int int_arg(struct MHD_Connection *c, const char *key, int lo, int hi, int *out) {
  const char *raw = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
  if (!raw || !*raw) return 0;
  char buf[32], *end = NULL;
  if (serve_query_decode(raw, buf, sizeof buf) < 1) return -1;
  long v = strtol(buf, &end, 10);
  if (*end || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

/* The filter arguments of /api/search: path (repeatable), type, since, before. */
typedef struct api_filter {
  brass_filter f;
  const char *paths[API_PATHS_MAX];
  char path_buf[API_PATHS_MAX][API_ARG_MAX];
  char types[API_ARG_MAX];
  int bad;
} api_filter;

static enum MHD_Result api_path_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value) {
  api_filter *af = cls;
  (void)kind;
  if (strcmp(key, "path") || !value || !*value) return MHD_YES;
  if (af->f.n_paths == API_PATHS_MAX ||
      serve_query_decode(value, af->path_buf[af->f.n_paths], API_ARG_MAX) < 1) {
    af->bad = 1;
    return MHD_NO;
  }
  af->paths[af->f.n_paths] = af->path_buf[af->f.n_paths];
  af->f.n_paths++;
  return MHD_YES;
}

/* Reads the filter arguments; NULL or a JSON error (status 400). */
static char *filter_args(struct MHD_Connection *c, api_filter *af) {
  memset(af, 0, sizeof *af);
  af->f.paths = af->paths;
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, api_path_arg, af);
  if (af->bad) return json_error("path: malformed, too long, or more than 64 of them");
  const char *raw = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type");
  if (raw && serve_query_decode(raw, af->types, sizeof af->types) < 0)
    return json_error("type: malformed or too long");
  af->f.types = af->types;
  const char *keys[2] = {"since", "before"};
  int64_t *outs[2] = {&af->f.since_ns, &af->f.before_ns};
  for (int i = 0; i < 2; i++) {
    char buf[64];
    brass_error err;
    raw = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, keys[i]);
    if (!raw || !*raw) continue;
    if (serve_query_decode(raw, buf, sizeof buf) < 1) return json_error("since/before: malformed");
    if (brass_parse_time(buf, 0, outs[i], &err)) return json_error(err.message);
  }
  return NULL;
}

static char *search_json(serve_api *a, struct MHD_Connection *c, int *status) {
  *status = 400;
  const char *raw = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
  if (!raw) return json_error("missing the query: /api/search?q=...");
  char *q = malloc(API_QUERY_MAX);
  if (!q) return NULL;
  if (serve_query_decode(raw, q, API_QUERY_MAX) < 0) {
    free(q);
    return json_error("q: malformed or longer than 8191 bytes");
  }
  brass_search_options so;
  memset(&so, 0, sizeof so);
  so.mark_open = "\xee\x80\x80";  /* U+E000 */
  so.mark_close = "\xee\x80\x81"; /* U+E001 */
  char *msg = NULL;
  const char *mode = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mode");
  if (!mode || !*mode || !strcmp(mode, "hybrid"))
    so.mode = BRASS_SEARCH_HYBRID;
  else if (!strcmp(mode, "vector"))
    so.mode = BRASS_SEARCH_VECTOR;
  else if (!strcmp(mode, "keyword"))
    so.mode = BRASS_SEARCH_KEYWORD;
  else
    msg = json_error("mode must be hybrid, vector or keyword");
  if (!msg && int_arg(c, "k", 1, 1000, &so.k)) msg = json_error("k must be an integer 1..1000");
  if (!msg && int_arg(c, "rrf_k", 1, 1000000, &so.rrf_k))
    msg = json_error("rrf_k must be an integer 1..1000000");
  int rerank = 0;
  if (!msg && int_arg(c, "rerank", 0, 1, &rerank)) msg = json_error("rerank must be 0 or 1");
  if (!msg && int_arg(c, "rerank_top", 1, 1000, &so.rerank_top))
    msg = json_error("rerank_top must be an integer 1..1000");
  if (!msg && rerank && !a->reranker)
    msg = json_error("this server has no reranker (start it with --rerank MODEL)");
  if (rerank) so.reranker = a->reranker;
  api_filter *af = msg ? NULL : malloc(sizeof *af);
  if (!msg && !af) msg = json_error("out of memory");
  if (!msg) msg = filter_args(c, af);
  if (msg) {
    free(af);
    free(q);
    return msg;
  }
  if (brass_filter_active(&af->f)) so.filter = &af->f;
  brass_results *r = NULL;
  brass_error err;
  pthread_mutex_lock(&a->mu);
  int rc = brass_search(a->lib, q, &so, &r, &err);
  pthread_mutex_unlock(&a->mu);
  free(q);
  free(af);
  if (rc) {
    *status = rc == BRASS_EINVAL || rc == BRASS_ERANGE ? 400 : 500;
    return json_error(err.message);
  }
  char *s = brass_results_json(r);
  brass_results_free(r);
  *status = 200;
  return s;
}

/* /api/get?source=..&from=..&to=.. */
static char *get_json(serve_api *a, struct MHD_Connection *c, int *status) {
  *status = 400;
  const char *raw = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source");
  char src[PATH_MAX];
  int from = 0, to = 0;
  if (!raw || serve_query_decode(raw, src, sizeof src) < 1)
    return json_error("missing or malformed source: /api/get?source=PATH&from=N&to=M");
  if (int_arg(c, "from", 1, 1 << 30, &from) || int_arg(c, "to", 1, 1 << 30, &to) ||
      (to && from > to))
    return json_error("from and to must be line numbers >= 1 with from <= to");
  brass_lines l;
  brass_error err;
  pthread_mutex_lock(&a->mu);
  int rc = brass_get(a->lib, src, from, to, &l, &err);
  pthread_mutex_unlock(&a->mu);
  if (rc) {
    *status = rc == BRASS_EINVAL ? 404 : rc == BRASS_ENOMEM ? 500 : 409;
    return json_error(err.message);
  }
  char *s = brass_lines_json(&l);
  brass_lines_free(&l);
  *status = 200;
  return s;
}

int serve_api_handle(serve_api *a, struct MHD_Connection *c, const char *sub, char **body) {
  int status = 404;
  if (!strcmp(sub, "status"))
    *body = status_json(a, &status);
  else if (!strcmp(sub, "search"))
    *body = search_json(a, c, &status);
  else if (!strcmp(sub, "get"))
    *body = get_json(a, c, &status);
  else
    *body = json_error("no such endpoint: use /api/status, /api/search or /api/get");
  return *body ? status : 500;
}

brass_library *serve_api_library(serve_api *a, pthread_mutex_t **mu, const char **path) {
  *mu = &a->mu;
  *path = a->path;
  return a->lib;
}
