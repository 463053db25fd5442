/*
 * unembedded.c - embedding the chunks that have no vector yet. Chunks indexed before the library
 * had a model (keyword-only) keep their text but no vector; an indexing run with the model embeds
 * every such chunk in the library, not only those under the paths it was given, so that vector
 * and hybrid search can see them. Walked files are re-chunked by ingest.c with the model's
 * tokenizer; the chunks left (their sources were not walked) are embedded from their stored
 * text here, a batch per transaction, like any other ingest batch.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "engine/engine.h"
#include "model/model.h"

typedef struct unemb_batch {
  int64_t *ids;
  char **texts;
  size_t n;
} unemb_batch;

static int unemb_collect(void *ctx, int64_t id, const char *text, size_t len) {
  unemb_batch *b = ctx;
  char *t = malloc(len + 1);
  if (!t) return BRASS_ENOMEM;
  memcpy(t, text, len);
  t[len] = '\0';
  b->ids[b->n] = id;
  b->texts[b->n++] = t;
  return 0;
}

int engine_embed_unembedded(brass_library *lib, int batch, engine_progress_fn report, void *ctx,
                            int64_t *embedded, brass_error *err) {
  *embedded = 0;
  if (!lib->model || batch <= 0) return 0;
  unemb_batch b = {malloc((size_t)batch * sizeof *b.ids), malloc((size_t)batch * sizeof *b.texts),
                   0};
  float *vecs = malloc((size_t)batch * (size_t)lib->dim * sizeof *vecs);
  int rc = b.ids && b.texts && vecs ? 0 : err_set(err, BRASS_ENOMEM, "index: out of memory");
  int64_t after = 0;
  while (!rc) {
    b.n = 0;
    rc = store_chunks_unembedded(lib->st, after, batch, unemb_collect, &b, err);
    if (rc == BRASS_ENOMEM) rc = err_set(err, rc, "index: out of memory");
    if (rc || !b.n) {
      for (size_t i = 0; i < b.n; i++) free(b.texts[i]);
      break;
    }
    after = b.ids[b.n - 1];
    rc = brass_embed_as(lib->model, BRASS_PASSAGE, (const char *const *)b.texts, b.n, vecs, err);
    if (!rc) rc = store_begin(lib->st, err);
    for (size_t i = 0; i < b.n && !rc; i++) {
      brass_error ignored;
      int r = store_vector_put(lib->st, b.ids[i], vecs + i * (size_t)lib->dim, lib->dim, &ignored);
      /* BRASS_EINVAL: the chunk was deleted by another writer meanwhile (nothing written) */
      if (r && r != BRASS_EINVAL) rc = err_set(err, r, "%s", ignored.message);
    }
    rc = engine_end_write(lib->st, rc, 1, err);
    for (size_t i = 0; i < b.n; i++) free(b.texts[i]);
    if (!rc) {
      *embedded += (int64_t)b.n;
      if (report) report(ctx, *embedded, 0);
    }
  }
  free(b.ids);
  free(b.texts);
  free(vecs);
  return rc;
}
