/*
 * web_api.c - the functions the browser's engine worker (web/engine-worker.js) calls: a thin layer
 * over include/brass.h that takes and returns JSON strings, so the worker needs only ccall.
 *
 * Every web_* function that returns a string returns a malloc'd JSON text that the caller frees
 * with web_free: the answer, or {"error": "one line"}. One library is open at a time. Uploaded
 * files are written by the worker into MEMFS under /input/ and indexed with /input as the index
 * root, so sources are stored as the relative paths the user dropped ("notes/a.md"). Progress
 * during indexing goes to Module.onProgress(json) in the worker. Snippets mark query terms with
 * U+E000 ... U+E001 (private-use characters the UI turns into highlights after escaping).
 * All of this runs on the worker's own thread; the model's pool threads only run kernels.
 */
#include <cjson/cJSON.h>
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "opfs_vfs.h"

#define WEB_INPUT_ROOT "/input"
#define WEB_MARK_OPEN "\xee\x80\x80"  /* U+E000 */
#define WEB_MARK_CLOSE "\xee\x80\x81" /* U+E001 */
#define WEB_PREVIEW_CONTEXT 5         /* lines shown before and after the asked range */
#define WEB_BATCH_STATIC 256          /* chunks per indexing transaction with a static model */

static brass_library *web_lib;
static char web_path[1024];
static brass_reranker *web_reranker; /* web_reranker_open's cross-encoder, or NULL */

/* clang-format off */
EM_JS(void, web_js_progress, (const char *json), {
  if (Module['onProgress']) Module['onProgress'](UTF8ToString(json));
});
EM_JS(int, web_js_workers, (void), {
  return typeof PThread !== 'undefined' ? PThread.runningWorkers.length : 0;
});
/* Threads started on workers beyond the preloaded pool (a reranker's pool beside the model's): such
 * a worker loads asynchronously and its thread only runs once the engine worker has handled the
 * worker's "loaded" message, i.e. returned to its event loop (runPthread still set until then). */
EM_JS(int, web_js_workers_starting, (void), {
  return typeof PThread !== 'undefined' ? PThread.runningWorkers.filter(w => w.runPthread).length : 0;
});
/* clang-format on */

static char *web_print(cJSON *o) {
  char *s = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return s ? s : strdup("{\"error\":\"out of memory\"}");
}

/* {"error": message}, with the messages a user can act on made plain. */
static char *web_error(const char *message) {
  cJSON *o = cJSON_CreateObject();
  if (opfs_vfs_take_quota_error()) message = "storage quota exceeded while writing the library";
  cJSON_AddStringToObject(o, "error", message && *message ? message : "unknown error");
  return web_print(o);
}

static char *web_no_library(void) {
  return web_error("no library is open");
}

EMSCRIPTEN_KEEPALIVE void web_free(void *p) {
  free(p);
}

EMSCRIPTEN_KEEPALIVE int web_workers(void) {
  return web_js_workers();
}

/* The number of started threads that still wait for their worker to load (see above). */
EMSCRIPTEN_KEEPALIVE int web_workers_starting(void) {
  return web_js_workers_starting();
}

static cJSON *web_info_json(brass_error *err) {
  brass_library_info info;
  if (brass_library_info_get(web_lib, &info, err)) return NULL;
  int64_t opfs = opfs_vfs_bytes(web_path);
  if (opfs >= 0) {
    char side[1100];
    snprintf(side, sizeof side, "%s-wal", web_path);
    info.file_bytes = opfs + opfs_vfs_bytes(side);
  }
  brass_model *m = brass_library_model(web_lib);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "sources", (double)info.sources);
  cJSON_AddNumberToObject(o, "chunks", (double)info.chunks);
  cJSON_AddNumberToObject(o, "vectors", (double)info.vectors);
  cJSON_AddNumberToObject(o, "file_bytes", (double)info.file_bytes);
  cJSON_AddStringToObject(o, "model_name", info.model_name);
  cJSON_AddNumberToObject(o, "model_dim", info.model_dim);
  cJSON_AddStringToObject(o, "vector_format", info.vector_format);
  cJSON_AddNumberToObject(o, "threads", m ? brass_model_threads(m) : 1);
  cJSON_AddNumberToObject(o, "generation", (double)info.generation);
  cJSON_AddStringToObject(o, "kernel", brass_kernel_name());
  return o;
}

EMSCRIPTEN_KEEPALIVE void web_close(void) {
  brass_library_close(web_lib);
  web_lib = NULL;
}

/* Opens the library at path (a "/opfs/..." name is kept in the Origin Private File System) with
 * the model in model_dir ("" for keyword-only) on threads threads (the caller included), in dtype
 * ("f32", "int8", or "" for the library's, else the default). A
 * library indexed with another model opens keyword-only, with a "warning" saying so. */
EMSCRIPTEN_KEEPALIVE char *web_open(const char *path, const char *model_dir, int threads,
                                    const char *dtype) {
  if (opfs_vfs_register()) return web_error("cannot register the OPFS file system with SQLite");
  web_close();
  brass_model_options mo = {0};
  mo.threads = threads > 0 ? threads : 1;
  if (dtype && *dtype) {
    mo.dtype = brass_dtype_parse(dtype);
    if (mo.dtype < 0) return web_error("unknown dtype (use int8 or f32)");
  }
  brass_error err = {0};
  char warning[600] = "";
  int rc = brass_library_open(path, model_dir ? model_dir : "", &mo, 0, &web_lib, &err);
  if (rc == BRASS_EUNSUPPORTED && model_dir && *model_dir) {
    /* Indexed with another model: open it keyword-only, so it can still be searched or cleared. */
    brass_library_info have;
    brass_error e2 = {0};
    if (!brass_library_open(path, "", &mo, 0, &web_lib, &e2) &&
        !brass_library_info_get(web_lib, &have, &e2)) {
      snprintf(warning, sizeof warning,
               "the library was indexed with model %s, not this one: searching by keyword only; "
               "clear the library to index with this model",
               have.model_name);
      rc = 0;
    }
  }
  if (rc) {
    brass_library_close(web_lib);
    web_lib = NULL;
    return web_error(err.message);
  }
  snprintf(web_path, sizeof web_path, "%s", path);
  cJSON *info = web_info_json(&err);
  if (!info) return web_error(err.message);
  cJSON *o = cJSON_CreateObject();
  if (warning[0]) cJSON_AddStringToObject(o, "warning", warning);
  brass_model *m = brass_library_model(web_lib);
  if (m) {
    cJSON *mj = cJSON_AddObjectToObject(o, "model");
    cJSON_AddStringToObject(mj, "name", cJSON_GetObjectItem(info, "model_name")->valuestring);
    cJSON_AddNumberToObject(mj, "dim", brass_model_dim(m));
    cJSON_AddNumberToObject(mj, "max_length", brass_model_max_length(m));
    int chunk_max = 0, chunk_default = brass_model_chunk_tokens(m, &chunk_max);
    cJSON_AddNumberToObject(mj, "chunk_tokens", chunk_default); /* what chunk_tokens 0 uses */
    cJSON_AddNumberToObject(mj, "chunk_tokens_max", chunk_max);
    cJSON_AddStringToObject(mj, "describe", brass_model_describe(m));
    cJSON_AddStringToObject(mj, "dtype", brass_dtype_name(brass_model_dtype(m)));
  } else {
    cJSON_AddNullToObject(o, "model");
  }
  cJSON_AddNumberToObject(o, "threads", m ? brass_model_threads(m) : 1);
  cJSON_AddItemToObject(o, "info", info);
  return web_print(o);
}

EMSCRIPTEN_KEEPALIVE char *web_info(void) {
  if (!web_lib) return web_no_library();
  brass_error err = {0};
  cJSON *o = web_info_json(&err);
  return o ? web_print(o) : web_error(err.message);
}

static void web_progress(void *ctx, const brass_index_progress *p) {
  (void)ctx;
  cJSON *o = cJSON_CreateObject();
  if (!o) return;
  cJSON_AddNumberToObject(o, "files_done", (double)p->files_done);
  cJSON_AddNumberToObject(o, "files_total", (double)p->files_total);
  cJSON_AddNumberToObject(o, "chunks_done", (double)p->chunks_done);
  cJSON_AddNumberToObject(o, "tokens_done", (double)p->tokens_done);
  cJSON_AddNumberToObject(o, "seconds", p->seconds);
  double tps = p->seconds > 0 ? (double)p->tokens_done / p->seconds : 0;
  cJSON_AddNumberToObject(o, "tokens_per_s", tps);
  double eta = -1;
  if (p->files_done > 0 && p->seconds > 0)
    eta = p->seconds * (double)(p->files_total - p->files_done) / (double)p->files_done;
  cJSON_AddNumberToObject(o, "eta_s", eta);
  cJSON_AddStringToObject(o, "path", p->path ? p->path : "");
  if (p->note) cJSON_AddStringToObject(o, "note", p->note);
  /* progress inside a large file (event FILE_PART) or the graph build (GRAPH) */
  cJSON_AddNumberToObject(o, "event", p->event);
  if (p->event == BRASS_PROGRESS_GRAPH) cJSON_AddStringToObject(o, "phase", "graph");
  cJSON_AddNumberToObject(o, "part_done", (double)p->part_done);
  cJSON_AddNumberToObject(o, "part_total", (double)p->part_total);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (s) web_js_progress(s);
  free(s);
}

/* 1 if path is relative and has no ".." component (it stays under the upload folder). */
static int web_relative_path(const char *path) {
  if (!path[0] || path[0] == '/') return 0;
  for (const char *p = path; *p;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.') return 0;
    p += n + (e ? 1 : 0);
  }
  return 1;
}

/* Indexes files already written under /input/: paths_json is a JSON array of their paths
 * relative to /input ("notes/a.md"), which become the sources' names. */
EMSCRIPTEN_KEEPALIVE char *web_index(const char *paths_json, int chunk_tokens) {
  if (!web_lib) return web_no_library();
  cJSON *arr = cJSON_Parse(paths_json ? paths_json : "");
  if (!cJSON_IsArray(arr)) {
    cJSON_Delete(arr);
    return web_error("index: expected a JSON array of paths");
  }
  int n = cJSON_GetArraySize(arr);
  char **paths = calloc((size_t)(n > 0 ? n : 1), sizeof *paths);
  char *out = NULL;
  int k = 0;
  for (cJSON *e = arr->child; paths && e; e = e->next) {
    if (!cJSON_IsString(e) || !web_relative_path(e->valuestring)) {
      out = web_error("index: paths must be relative and stay inside the upload folder");
      break;
    }
    size_t len = strlen(WEB_INPUT_ROOT) + strlen(e->valuestring) + 2;
    if (!(paths[k] = malloc(len))) break;
    snprintf(paths[k++], len, "%s/%s", WEB_INPUT_ROOT, e->valuestring);
  }
  if (!out && (!paths || k != n)) out = web_error("index: out of memory");
  if (!out) {
    brass_index_options io = {0};
    io.chunk_tokens = chunk_tokens > 0 ? chunk_tokens : 0;
    io.root = WEB_INPUT_ROOT;
    /* A transformer: progress after every batch, so keep them short in a slower runtime. A static
     * model embeds a batch in microseconds, and each batch is one transaction whose cost in OPFS
     * (FTS5 segment flush and merges, WAL frames written one JS call each) dwarfs the embedding:
     * larger batches, fewer transactions (the same crash rule: a commit is all or nothing). */
    io.batch_chunks = brass_model_is_static(brass_library_model(web_lib)) ? WEB_BATCH_STATIC : 32;
    brass_index_summary sum;
    brass_error err = {0};
    if (brass_index(web_lib, (const char *const *)paths, (size_t)n, &io, &sum, web_progress, NULL,
                    &err)) {
      out = web_error(err.message);
    } else {
      out = brass_index_summary_json(&sum);
      if (!out) out = web_error("index: out of memory");
    }
  }
  for (int i = 0; paths && i < k; i++) free(paths[i]);
  free(paths);
  cJSON_Delete(arr);
  return out;
}

/* Opens the cross-encoder folder dir (replacing any open one) on threads threads, its Linear
 * layers in dtype ("int8", "f32", or "" for the default, as web_open); its description, or an
 * error. */
EMSCRIPTEN_KEEPALIVE char *web_reranker_open(const char *dir, int threads, const char *dtype) {
  brass_reranker_close(web_reranker);
  web_reranker = NULL;
  brass_reranker_options ro = {.threads = threads > 0 ? threads : 1};
  if (dtype && *dtype) {
    ro.dtype = brass_dtype_parse(dtype);
    if (ro.dtype < 0) return web_error("unknown dtype (use int8 or f32)");
  }
  brass_error err = {0};
  if (brass_reranker_open(dir ? dir : "", &ro, &web_reranker, &err)) return web_error(err.message);
  cJSON *o = cJSON_CreateObject();
  if (!o) return web_error("out of memory");
  cJSON_AddStringToObject(o, "reranker", brass_reranker_describe(web_reranker));
  return web_print(o);
}

/* Scores pairs with the open cross-encoder, as `brass rerank` does: pairs_json is
 * [{"query": Q, "passage": P}, ...]; answers {"scores": [raw logit per pair, in order], "ms": T}
 * (T: the scoring alone, tokenisation included), or an error. */
EMSCRIPTEN_KEEPALIVE char *web_rerank(const char *pairs_json) {
  if (!web_reranker) return web_error("rerank: no reranker is loaded");
  cJSON *arr = cJSON_Parse(pairs_json ? pairs_json : "");
  int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
  if (n < 0) {
    cJSON_Delete(arr);
    return web_error("rerank: pairs must be a JSON array of {query, passage}");
  }
  const char **q = calloc((size_t)n + 1, sizeof *q);
  const char **p = calloc((size_t)n + 1, sizeof *p);
  float *scores = calloc((size_t)n + 1, sizeof *scores);
  char *out = NULL;
  if (!q || !p || !scores) out = web_error("rerank: out of memory");
  int i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) {
    if (out) break;
    const cJSON *jq = cJSON_GetObjectItemCaseSensitive(e, "query");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(e, "passage");
    if (!cJSON_IsString(jq) || !cJSON_IsString(jp)) {
      char msg[96];
      snprintf(msg, sizeof msg, "rerank: pair %d needs string query and passage", i + 1);
      out = web_error(msg);
    } else {
      q[i] = jq->valuestring;
      p[i++] = jp->valuestring;
    }
  }
  brass_error err = {0};
  double t0 = emscripten_get_now();
  if (!out && brass_rerank_pairs(web_reranker, q, p, (size_t)n, scores, &err))
    out = web_error(err.message);
  double ms = emscripten_get_now() - t0;
  if (!out) {
    cJSON *o = cJSON_CreateObject();
    cJSON *js = o ? cJSON_AddArrayToObject(o, "scores") : NULL;
    for (i = 0; js && i < n; i++) cJSON_AddItemToArray(js, cJSON_CreateNumber(scores[i]));
    if (js) cJSON_AddNumberToObject(o, "ms", ms);
    if (!js) cJSON_Delete(o);
    out = js ? web_print(o) : web_error("rerank: out of memory");
  }
  free(q);
  free(p);
  free(scores);
  cJSON_Delete(arr);
  return out;
}

/* mode: "hybrid", "vector" or "keyword"; k and rrf_k: 0 for the defaults. */
#define WEB_PATHS_MAX 64

/* Reads the filter of a search: {"path": [prefix or glob, ...], "type": "md,py", "since": T,
 * "before": T} (docs/mcp.md). Returns NULL, or an error message. */
static const char *web_filter(const cJSON *j, brass_filter *f, const char **paths) {
  memset(f, 0, sizeof *f);
  f->paths = paths;
  if (!j) return NULL;
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "path");
  const cJSON *e;
  cJSON_ArrayForEach(e, p) {
    if (!cJSON_IsString(e) || f->n_paths == WEB_PATHS_MAX)
      return "search: filter path must be at most 64 strings";
    if (*e->valuestring) paths[f->n_paths++] = e->valuestring;
  }
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
  if (cJSON_IsString(t)) f->types = t->valuestring;
  static brass_error err;
  const char *keys[2] = {"since", "before"};
  int64_t *outs[2] = {&f->since_ns, &f->before_ns};
  for (int i = 0; i < 2; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
    if (cJSON_IsString(v) && *v->valuestring && brass_parse_time(v->valuestring, 0, outs[i], &err))
      return err.message;
  }
  return NULL;
}

/* mode: "hybrid", "vector" or "keyword"; k and rrf_k: 0 for the defaults; filter_json: see
 * web_filter; rerank_top > 0: rerank that many fused documents with the cross-encoder of
 * web_reranker_open (an error if none). */
EMSCRIPTEN_KEEPALIVE char *web_search_rerank(const char *query, const char *mode, int k, int rrf_k,
                                             const char *filter_json, int rerank_top) {
  if (!web_lib) return web_no_library();
  cJSON *fj = filter_json && *filter_json ? cJSON_Parse(filter_json) : NULL;
  const char *paths[WEB_PATHS_MAX];
  brass_filter filt;
  const char *ferr = web_filter(fj, &filt, paths);
  if (ferr) {
    char *out = web_error(ferr);
    cJSON_Delete(fj);
    return out;
  }
  brass_search_options so = {0};
  if (brass_filter_active(&filt)) so.filter = &filt;
  so.k = k > 0 ? k : 0;
  so.rrf_k = rrf_k > 0 ? rrf_k : 0;
  so.mode = BRASS_SEARCH_HYBRID;
  if (mode && !strcmp(mode, "vector"))
    so.mode = BRASS_SEARCH_VECTOR;
  else if (mode && !strcmp(mode, "keyword"))
    so.mode = BRASS_SEARCH_KEYWORD;
  else if (mode && *mode && strcmp(mode, "hybrid")) {
    cJSON_Delete(fj);
    return web_error("search: mode must be hybrid, vector or keyword");
  }
  if (rerank_top > 0) {
    if (!web_reranker) {
      cJSON_Delete(fj);
      return web_error("search: no reranker is loaded");
    }
    so.reranker = web_reranker;
    so.rerank_top = rerank_top;
  }
  so.mark_open = WEB_MARK_OPEN;
  so.mark_close = WEB_MARK_CLOSE;
  brass_results *r = NULL;
  brass_error err = {0};
  int rc = brass_search(web_lib, query ? query : "", &so, &r, &err);
  cJSON_Delete(fj);
  if (rc) return web_error(err.message);
  char *out = brass_results_json(r);
  brass_results_free(r);
  return out ? out : web_error("search: out of memory");
}

/* web_search_rerank without reranking. */
EMSCRIPTEN_KEEPALIVE char *web_search(const char *query, const char *mode, int k, int rrf_k,
                                      const char *filter_json) {
  return web_search_rerank(query, mode, k, rrf_k, filter_json, 0);
}

static int web_source_fn(void *ctx, const brass_source_info *s) {
  cJSON *e = cJSON_CreateObject();
  if (!e) return BRASS_ENOMEM;
  cJSON_AddStringToObject(e, "source", s->source);
  cJSON_AddNumberToObject(e, "chunks", (double)s->chunks);
  cJSON_AddNumberToObject(e, "bytes", (double)s->bytes);
  cJSON_AddItemToArray((cJSON *)ctx, e);
  return 0;
}

EMSCRIPTEN_KEEPALIVE char *web_sources(void) {
  if (!web_lib) return web_no_library();
  cJSON *arr = cJSON_CreateArray();
  brass_error err = {0};
  int rc = brass_sources(web_lib, web_source_fn, arr, &err);
  if (rc) {
    cJSON_Delete(arr);
    return web_error(rc == BRASS_ENOMEM ? "sources: out of memory" : err.message);
  }
  return web_print(arr);
}

/* Lines [lo, hi] of a source rebuilt from its chunks: the first chunk that covers a line gives it
 * (chunks overlap; a chunk's text starts at its first line). */
typedef struct web_lines {
  int lo, hi;
  char **lines; /* hi - lo + 1 entries, NULL until seen */
  int last;     /* highest line the chunks reach */
} web_lines;

static int web_preview_fn(void *ctx, const brass_chunk_info *c) {
  web_lines *p = ctx;
  if (c->line_end > p->last) p->last = c->line_end;
  const char *s = c->text, *end = c->text + c->text_len;
  for (int n = c->line_start; n <= c->line_end && s <= end; n++) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    if (n >= p->lo && n <= p->hi && !p->lines[n - p->lo]) {
      size_t len = (size_t)(e - s);
      char *line = malloc(len + 1);
      if (!line) return BRASS_ENOMEM;
      memcpy(line, s, len);
      line[len] = '\0';
      p->lines[n - p->lo] = line;
    }
    if (!nl) break;
    s = nl + 1;
  }
  return 0;
}

EMSCRIPTEN_KEEPALIVE char *web_preview(const char *source, int line_start, int line_end) {
  if (!web_lib) return web_no_library();
  if (!source || !*source) return web_error("preview: no source");
  if (line_start < 1) line_start = 1;
  if (line_end < line_start) line_end = line_start;
  if (line_end - line_start > 100000) line_end = line_start + 100000;
  web_lines p = {0};
  p.lo = line_start > WEB_PREVIEW_CONTEXT ? line_start - WEB_PREVIEW_CONTEXT : 1;
  p.hi = line_end + WEB_PREVIEW_CONTEXT;
  p.lines = calloc((size_t)(p.hi - p.lo + 1), sizeof *p.lines);
  if (!p.lines) return web_error("preview: out of memory");
  brass_error err = {0};
  int rc = brass_source_chunks(web_lib, source, web_preview_fn, &p, &err);
  char *out;
  if (rc < 0) {
    out = web_error(rc == BRASS_ENOMEM && !err.message[0] ? "preview: out of memory" : err.message);
  } else if (rc == 0) {
    char msg[1200];
    snprintf(msg, sizeof msg, "%s: no such source in the library", source);
    out = web_error(msg);
  } else {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "source", source);
    cJSON *arr = cJSON_AddArrayToObject(o, "lines");
    int hi = p.hi < p.last ? p.hi : p.last;
    for (int n = p.lo; n <= hi; n++) {
      cJSON *e = cJSON_CreateObject();
      cJSON_AddNumberToObject(e, "n", n);
      cJSON_AddStringToObject(e, "text", p.lines[n - p.lo] ? p.lines[n - p.lo] : "");
      cJSON_AddItemToArray(arr, e);
    }
    out = web_print(o);
  }
  for (int i = 0; i <= p.hi - p.lo; i++) free(p.lines[i]);
  free(p.lines);
  return out;
}

/* Removes a source (a stored path such as "notes/a.md") or every source under a folder. */
EMSCRIPTEN_KEEPALIVE char *web_remove(const char *source) {
  if (!web_lib) return web_no_library();
  if (!source || !*source) return web_error("remove: no source");
  brass_remove_summary sum;
  brass_error err = {0};
  const char *paths[] = {source};
  if (brass_remove(web_lib, paths, 1, NULL, &sum, &err)) return web_error(err.message);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "sources", (double)sum.sources);
  cJSON_AddNumberToObject(o, "chunks", (double)sum.chunks);
  return web_print(o);
}
