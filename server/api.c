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
  if (msg) {
    free(q);
    return msg;
  }
  brass_results *r = NULL;
  brass_error err;
  pthread_mutex_lock(&a->mu);
  int rc = brass_search(a->lib, q, &so, &r, &err);
  pthread_mutex_unlock(&a->mu);
  free(q);
  if (rc) {
    *status = rc == BRASS_EINVAL || rc == BRASS_ERANGE ? 400 : 500;
    return json_error(err.message);
  }
  char *s = brass_results_json(r);
  brass_results_free(r);
  *status = 200;
  return s;
}

int serve_api_handle(serve_api *a, struct MHD_Connection *c, const char *sub, char **body) {
  int status = 404;
  if (!strcmp(sub, "status"))
    *body = status_json(a, &status);
  else if (!strcmp(sub, "search"))
    *body = search_json(a, c, &status);
  else
    *body = json_error("no such endpoint: use /api/status or /api/search");
  return *body ? status : 500;
}
