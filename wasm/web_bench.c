/*
 * web_bench.c - the browser benchmark's entry points into brass's web build (bench/web): open a
 * model folder from the module's file system and embed a JSON array of texts with brass_embed
 * (tokenise, sort by length, batch: what bench_embed does natively), so the browser benchmark
 * measures the same call as the native one. Kept apart from web_api.c (the app's functions):
 * it holds its own model and never touches a library.
 *
 *   web_bench_open(model_dir, threads, batch, dtype) -> {"dim", "threads", "max_length",
 *       "describe", "dtype"} | {"error"}; dtype "f32", "int8", or NULL / "" for the default
 *   web_bench_tokens(texts_json) -> {"count", "tokens"} (brass_tokenize, [CLS]/[SEP] in)
 *   web_bench_embed(texts_json)  -> {"count", "dim", "ms", "checksum"} | {"error"}
 * texts_json is a JSON array of strings, or {"texts": [...], "vectors": n}: then the answer also
 * holds "vectors", the first n embeddings (to compare engines by cosine; n = 0 keeps none).
 * Returned strings are malloc'ed; the caller frees them with free().
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <emscripten/emscripten.h>

#include "brass.h"

static brass_model *web_bench_model;

static char *web_bench_error(const char *msg) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", msg);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

static char *web_bench_print(cJSON *o) {
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

static double web_bench_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Parses a JSON array of strings, or {"texts": [...], "vectors": n} (*keep = n, else 0); *texts
 * points into the returned cJSON tree (free with it). */
static cJSON *web_bench_texts(const char *json, const char ***texts, size_t *n, size_t *keep) {
  cJSON *root = cJSON_Parse(json);
  cJSON *arr = root;
  *keep = 0;
  if (cJSON_IsObject(root)) {
    arr = cJSON_GetObjectItemCaseSensitive(root, "texts");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "vectors");
    if (cJSON_IsNumber(v) && v->valuedouble > 0) *keep = (size_t)v->valuedouble;
  }
  if (!cJSON_IsArray(arr)) {
    cJSON_Delete(root);
    return NULL;
  }
  size_t count = (size_t)cJSON_GetArraySize(arr);
  const char **t = calloc(count ? count : 1, sizeof *t);
  if (!t) {
    cJSON_Delete(root);
    return NULL;
  }
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, arr) {
    if (!cJSON_IsString(it)) {
      free(t);
      cJSON_Delete(root);
      return NULL;
    }
    t[i++] = it->valuestring;
  }
  *texts = t;
  *n = count;
  if (*keep > count) *keep = count;
  return root;
}

EMSCRIPTEN_KEEPALIVE char *web_bench_open(const char *model_dir, int threads, int batch,
                                          const char *dtype) {
  brass_model_close(web_bench_model);
  web_bench_model = NULL;
  brass_model_options o = {0};
  o.threads = threads;
  o.batch_size = batch;
  if (dtype && *dtype) {
    o.dtype = brass_dtype_parse(dtype);
    if (o.dtype < 0) return web_bench_error("web_bench: unknown dtype (use int8 or f32)");
  }
  brass_error err = {0};
  if (brass_model_open(model_dir, &o, &web_bench_model, &err)) return web_bench_error(err.message);
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "dim", brass_model_dim(web_bench_model));
  cJSON_AddNumberToObject(r, "threads", brass_model_threads(web_bench_model));
  cJSON_AddNumberToObject(r, "max_length", brass_model_max_length(web_bench_model));
  cJSON_AddStringToObject(r, "describe", brass_model_describe(web_bench_model));
  cJSON_AddStringToObject(r, "dtype", brass_dtype_name(brass_model_dtype(web_bench_model)));
  return web_bench_print(r);
}

EMSCRIPTEN_KEEPALIVE char *web_bench_tokens(const char *texts_json) {
  if (!web_bench_model) return web_bench_error("web_bench: no model open");
  const char **texts = NULL;
  size_t n = 0, keep = 0;
  cJSON *arr = web_bench_texts(texts_json, &texts, &n, &keep);
  if (!arr) return web_bench_error("web_bench: texts must be a JSON array of strings");
  int cap = brass_model_max_length(web_bench_model);
  int32_t *ids = malloc((size_t)cap * sizeof *ids);
  double tokens = 0;
  brass_error err = {0};
  for (size_t i = 0; ids && i < n; i++) {
    int k = brass_tokenize(web_bench_model, texts[i], ids, cap, &err);
    if (k < 0) break;
    tokens += k;
  }
  free(ids);
  free(texts);
  cJSON_Delete(arr);
  if (err.message[0]) return web_bench_error(err.message);
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "count", (double)n);
  cJSON_AddNumberToObject(r, "tokens", tokens);
  return web_bench_print(r);
}

EMSCRIPTEN_KEEPALIVE char *web_bench_embed(const char *texts_json) {
  if (!web_bench_model) return web_bench_error("web_bench: no model open");
  const char **texts = NULL;
  size_t n = 0, keep = 0;
  cJSON *arr = web_bench_texts(texts_json, &texts, &n, &keep);
  if (!arr) return web_bench_error("web_bench: texts must be a JSON array of strings");
  int dim = brass_model_dim(web_bench_model);
  float *out = malloc((n ? n : 1) * (size_t)dim * sizeof *out);
  brass_error err = {0};
  double t0 = web_bench_now_ms();
  int rc = out ? brass_embed(web_bench_model, texts, n, out, &err) : -1;
  double ms = web_bench_now_ms() - t0;
  double sum = 0;
  for (size_t i = 0; rc == 0 && i < n * (size_t)dim; i++) sum += out[i];
  free(texts);
  cJSON_Delete(arr);
  if (rc) {
    free(out);
    return web_bench_error(err.message[0] ? err.message : "web_bench: out of memory");
  }
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "count", (double)n);
  cJSON_AddNumberToObject(r, "dim", dim);
  cJSON_AddNumberToObject(r, "ms", ms);
  cJSON_AddNumberToObject(r, "checksum", sum);
  if (keep) {
    cJSON *vs = cJSON_AddArrayToObject(r, "vectors");
    for (size_t i = 0; vs && i < keep; i++)
      cJSON_AddItemToArray(vs, cJSON_CreateFloatArray(out + i * (size_t)dim, dim));
  }
  free(out);
  return web_bench_print(r);
}
