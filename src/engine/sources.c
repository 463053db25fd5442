/*
 * sources.c - brass_sources and brass_source_chunks: what a library holds, for front ends that
 * list sources and preview a source's text from its chunks (the browser keeps no original files).
 */
#include <string.h>

#include "base/error.h"
#include "engine/engine.h"

typedef struct src_list_ctx {
  int (*fn)(void *ctx, const brass_source_info *s);
  void *ctx;
} src_list_ctx;

static int src_list_fn(void *ctx, const char *path, int64_t bytes, int64_t chunks) {
  src_list_ctx *c = ctx;
  brass_source_info info = {path, bytes, chunks};
  return c->fn(c->ctx, &info);
}

int brass_sources(brass_library *lib, int (*fn)(void *ctx, const brass_source_info *s), void *ctx,
                  brass_error *err) {
  if (!lib || !fn) return err_set(err, BRASS_EINVAL, "sources: no library or callback");
  src_list_ctx c = {fn, ctx};
  return store_source_list(lib->st, src_list_fn, &c, err);
}

typedef struct src_chunk_ctx {
  int (*fn)(void *ctx, const brass_chunk_info *c);
  void *ctx;
  int seen;
} src_chunk_ctx;

static int src_chunk_fn(void *ctx, const store_chunk *c) {
  src_chunk_ctx *k = ctx;
  brass_chunk_info info = {c->text, c->text_len, c->line_start, c->line_end, c->heading};
  k->seen = 1;
  return k->fn(k->ctx, &info);
}

int brass_source_chunks(brass_library *lib, const char *source,
                        int (*fn)(void *ctx, const brass_chunk_info *c), void *ctx,
                        brass_error *err) {
  if (!lib || !source || !fn) return err_set(err, BRASS_EINVAL, "source chunks: bad arguments");
  src_chunk_ctx k = {fn, ctx, 0};
  int rc = store_source_chunks(lib->st, source, src_chunk_fn, &k, err);
  return rc ? rc : k.seen;
}
