/*
 * json_out.c - the JSON shapes that front ends print: a search's results (`brass search --json`,
 * `brass serve`'s /api/search, the browser worker's search reply) and a library's status
 * (`brass status --json`, /api/status) and an index run's summary (`brass index --json`, the
 * browser worker's index reply). One writer, so the CLI, the server and the browser can
 * never drift apart on field names or types.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "brass.h"

char *brass_results_json(const brass_results *r) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "query", r->query ? r->query : "");
  cJSON_AddStringToObject(o, "mode", brass_search_mode_name(r->mode));
  if (r->note)
    cJSON_AddStringToObject(o, "note", r->note);
  else
    cJSON_AddNullToObject(o, "note");
  cJSON_AddNumberToObject(o, "took_ms", r->took_ms);
  cJSON_AddNumberToObject(o, "unembedded", (double)r->unembedded);
  cJSON *t = cJSON_AddObjectToObject(o, "timings");
  cJSON *arr = cJSON_AddArrayToObject(o, "results");
  if (!t || !arr) {
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddNumberToObject(t, "embed_ms", r->embed_ms);
  cJSON_AddNumberToObject(t, "vector_ms", r->vector_ms);
  cJSON_AddNumberToObject(t, "keyword_ms", r->keyword_ms);
  cJSON_AddNumberToObject(t, "fuse_ms", r->fuse_ms);
  cJSON_AddNumberToObject(t, "fetch_ms", r->fetch_ms);
  if (r->reranked) {
    cJSON_AddNumberToObject(t, "rerank_ms", r->rerank_ms);
    cJSON_AddNumberToObject(o, "reranked", (double)r->reranked);
  }
  for (size_t i = 0; i < r->count; i++) {
    const brass_result *x = &r->items[i];
    cJSON *e = cJSON_CreateObject();
    if (!e) {
      cJSON_Delete(o);
      return NULL;
    }
    cJSON_AddItemToArray(arr, e);
    cJSON_AddNumberToObject(e, "rank", x->rank);
    cJSON_AddStringToObject(e, "source", x->source);
    cJSON_AddNumberToObject(e, "line_start", x->line_start);
    cJSON_AddNumberToObject(e, "line_end", x->line_end);
    cJSON_AddStringToObject(e, "heading", x->heading);
    cJSON_AddNumberToObject(e, "score", x->score);
    cJSON_AddStringToObject(e, "snippet", x->snippet);
    cJSON_AddStringToObject(e, "text", x->text);
  }
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

char *brass_library_info_json(const brass_library_info *in, const char *library_path) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "library", library_path ? library_path : "");
  cJSON_AddNumberToObject(o, "sources", (double)in->sources);
  cJSON_AddNumberToObject(o, "chunks", (double)in->chunks);
  cJSON_AddNumberToObject(o, "vectors", (double)in->vectors);
  cJSON_AddStringToObject(o, "graph",
                          in->graph == 1   ? "current"
                          : in->graph == 2 ? "stale"
                                           : "none");
  cJSON_AddNumberToObject(o, "generation", (double)in->generation);
  cJSON_AddNumberToObject(o, "schema_version", in->schema_version);
  cJSON_AddNumberToObject(o, "bytes", (double)in->file_bytes);
  cJSON_AddNumberToObject(o, "partial_sources", (double)in->partial_sources);
  if (in->vector_format[0])
    cJSON_AddStringToObject(o, "vector_format", in->vector_format);
  else
    cJSON_AddNullToObject(o, "vector_format");
  if (in->model_name[0]) {
    cJSON *m = cJSON_AddObjectToObject(o, "model");
    if (!m) {
      cJSON_Delete(o);
      return NULL;
    }
    cJSON_AddStringToObject(m, "name", in->model_name);
    cJSON_AddNumberToObject(m, "dim", in->model_dim);
    cJSON_AddStringToObject(m, "hash", in->model_hash);
    cJSON_AddStringToObject(m, "dir", in->model_dir);
    cJSON_AddStringToObject(m, "dtype", in->model_dtype);
    cJSON_AddBoolToObject(m, "open", in->model_open != 0);
  } else {
    cJSON_AddNullToObject(o, "model");
  }
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

char *brass_index_summary_json(const brass_index_summary *sum) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddNumberToObject(o, "added", (double)sum->added);
  cJSON_AddNumberToObject(o, "updated", (double)sum->updated);
  cJSON_AddNumberToObject(o, "unchanged", (double)sum->unchanged);
  cJSON_AddNumberToObject(o, "removed", (double)sum->removed);
  cJSON_AddNumberToObject(o, "renamed", (double)sum->renamed);
  cJSON_AddNumberToObject(o, "skipped", (double)sum->skipped);
  cJSON_AddNumberToObject(o, "chunks_embedded", (double)sum->chunks_embedded);
  cJSON_AddNumberToObject(o, "tokens", (double)sum->tokens);
  cJSON_AddNumberToObject(o, "seconds", sum->seconds);
  cJSON_AddNumberToObject(o, "unreadable", (double)sum->unreadable);
  cJSON_AddNumberToObject(o, "not_walked", (double)sum->not_walked);
  cJSON_AddNumberToObject(o, "resumed", (double)sum->resumed);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}
