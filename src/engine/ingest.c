/*
 * ingest.c - brass_index: walk the given files and folders (walk.c), hash every file, and bring
 * the library up to date with as little embedding as possible.
 *
 * Per file: same SHA-256 as recorded -> unchanged (unless some of its chunks have no vector yet:
 * it is re-chunked and embedded, or its batched writing was interrupted: it is continued);
 * recorded with another hash -> updated (its documents are dropped and it is re-chunked and
 * re-embedded); unknown path whose content matches a source whose file is gone -> renamed (keeps
 * its chunks and vectors); otherwise added. Files that are binary or too large are skipped;
 * files that cannot be read are skipped but keep what was indexed (unreadable is not deleted);
 * a file that vanished during the run is "deleted during the run". Sources under an indexed
 * folder are removed only when the walk examined the place they live in and did not keep them,
 * and every removal is named through the progress callback.
 *
 * With an index root (brass_index_options.root, the browser build), files under the root are
 * stored by their path relative to it, and since those files are transient uploaded copies, a
 * missing file means nothing: no rename detection, no vanished-file removal.
 *
 * Batches: changed files are chunked and queued; whenever the queue holds batch_chunks chunks,
 * at most that many are embedded in one call and written in one transaction (sources, documents,
 * chunks, vectors, and the generation bump), so a crash loses at most the batch in flight. A file
 * that fits in a batch is never split (the batch ends before it); a file larger than a batch is
 * written across several: until its last chunk is in, the store records its
 * content hash and how many chunks are committed (store_source_progress_*), so a later run
 * continues after them, and progress inside the file is reported. After the walk, chunks still
 * without vectors anywhere in the library are embedded (unembedded.c); the HNSW graph is updated
 * and saved once at the end when anything changed (graph.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/error.h"
#include "base/file.h"
#include "base/sha256.h"
#include "engine/engine.h"
#include "engine/walk.h"
#include "model/model.h"
#include "text/chunk.h"

#define ING_DEFAULT_MAX_BYTES (16 << 20)
#define ING_DEFAULT_BATCH 64

/* A changed or new file waiting in the queue. */
typedef struct ing_file {
  char *path;  /* the key it is stored under */
  char *title; /* NULL: the file name (brass_index); else the document's title */
  int64_t size, mtime_ns;
  unsigned char sha[32];
  int64_t source_id; /* > 0: an existing source (updated), else added */
  int resumed;       /* its interrupted batched writing is being continued */
  int abandoned;     /* another writer rewrote it between two of its batches: left to that one */
  chunk_list chunks;
  size_t done;      /* chunks committed */
  int64_t sid, did; /* its source and document once its first batch is committed (or resumed) */
} ing_file;

typedef struct ing_state {
  brass_library *lib;
  brass_index_options opt;
  brass_index_summary *sum;
  brass_progress_fn progress;
  void *ctx;
  struct timespec t0;
  ing_file *files;                   /* the queue; only its head can be partly committed */
  size_t nfiles, files_cap, nchunks; /* nchunks: chunks queued and not yet committed */
  float *vecs;                       /* batch_chunks vectors */
  const char **texts;                /* batch_chunks texts */
  char **titled;                     /* batch_chunks "title\ntext" copies (documents with titles) */
  int64_t files_done, files_total;
  int64_t *unembedded; /* sources with chunks that lack a vector (ascending), with a model */
  size_t nunembedded;
  int64_t embedded_base; /* chunks embedded before the run embeds unembedded ones */
  char root[PATH_MAX];   /* absolute index root, "" when none */
  char note[256];        /* a formatted note, valid during one progress call */
} ing_state;

/* The path a file is stored under: relative to the index root when it lies under it. */
static const char *ing_key(const ing_state *s, const char *path) {
  size_t n = strlen(s->root);
  if (!n || !engine_path_under(path, s->root, 0)) return path;
  return path + n + (s->root[n - 1] == '/' ? 0 : 1);
}

static double ing_seconds(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void ing_event(ing_state *s, int event, const char *path, const char *note, int64_t done,
                      int64_t total) {
  if (!s->progress) return;
  brass_index_progress p = {s->files_done,
                            s->files_total,
                            s->sum->chunks_embedded,
                            s->sum->tokens,
                            ing_seconds(&s->t0),
                            path,
                            note,
                            event,
                            done,
                            total};
  s->progress(s->ctx, &p);
}

static void ing_report(ing_state *s, const char *path, const char *note) {
  ing_event(s, note ? BRASS_PROGRESS_SKIPPED : BRASS_PROGRESS_STEP, path, note, 0, 0);
}

static void ing_file_free(ing_file *f) {
  free(f->path);
  free(f->title);
  chunk_list_free(&f->chunks);
}

static const char *ing_basename(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

static int ing_cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Writes chunks [a, b) of a queued file inside the open transaction; v: their vectors (or NULL).
 * The first batch of a file (a == 0) replaces whatever the library held for its path; later
 * batches check that the file's recorded progress is still theirs. */
static int ing_write_piece(ing_state *s, ing_file *f, size_t a, size_t b, const float *v,
                           brass_error *err) {
  store *st = s->lib->st;
  int rc, existed = 0;
  if (a == 0) {
    /* Look the path up again inside the transaction: another brass process may have added or
     * removed it since this file was queued; the last writer wins and the library stays whole. */
    store_source cur;
    memset(&cur, 0, sizeof cur);
    rc = store_source_find(st, f->path, &cur, err);
    if (rc < 0) return rc;
    if (rc == 1) {
      existed = 1;
      f->sid = cur.id;
      store_source_clear(&cur);
      if ((rc = store_source_clear_documents(st, f->sid, err)) ||
          (rc = store_source_update(st, f->sid, f->size, f->mtime_ns, f->sha, err)))
        return rc;
    } else if ((rc = store_source_add(st, f->path, f->size, f->mtime_ns, f->sha, &f->sid, err))) {
      return rc;
    }
    if ((rc = store_document_add(st, f->sid, f->title ? f->title : ing_basename(f->path), &f->did,
                                 err)))
      return rc;
  } else {
    unsigned char sha[32];
    int64_t done = -1;
    rc = store_source_progress_get(st, f->sid, sha, &done, err);
    if (rc < 0) return rc;
    if (rc == 0 || done != (int64_t)a || memcmp(sha, f->sha, 32)) {
      f->abandoned = 1; /* rewritten or removed by another writer meanwhile */
      return 0;
    }
  }
  for (size_t i = a; i < b; i++) {
    const chunk *c = &f->chunks.items[i];
    store_chunk sc = {0,
                      f->did,
                      (int)i,
                      c->text,
                      c->text_len,
                      (int64_t)c->start,
                      (int64_t)c->end,
                      c->line_start,
                      c->line_end,
                      c->heading,
                      f->title ? f->title : ing_basename(f->path),
                      c->terms};
    int64_t cid;
    if ((rc = store_chunk_add(st, &sc, &cid, err))) return rc;
    if (v && (rc = store_vector_put(st, cid, v + (i - a) * (size_t)s->lib->dim, s->lib->dim, err)))
      return rc;
  }
  if (b < f->chunks.count) return store_source_progress_set(st, f->sid, f->sha, (int64_t)b, err);
  return a > 0 || existed ? store_source_progress_clear(st, f->sid, err) : 0;
}

/* "title\ntext" into a heap string *out: a document's title goes with each chunk it embeds. */
static int ing_titled(const char *title, const char *text, char **out, brass_error *err) {
  size_t a = strlen(title), b = strlen(text);
  char *d = malloc(a + b + 2);
  if (!d) return err_set(err, BRASS_ENOMEM, "index: out of memory");
  memcpy(d, title, a);
  d[a] = '\n';
  memcpy(d + a + 1, text, b + 1);
  *out = d;
  return 0;
}

/* One batch: which queued files (from the head) and which of their chunks. */
typedef struct ing_piece {
  size_t file, a, b;
} ing_piece;

/* Takes up to batch_chunks queued chunks from the head of the queue, embeds them in one call and
 * commits them in one transaction. *taken: the number of pieces (files) the batch touched. */
static int ing_commit_batch(ing_state *s, ing_piece *pieces, size_t *taken, brass_error *err) {
  brass_library *lib = s->lib;
  size_t budget = (size_t)s->opt.batch_chunks, np = 0, nt = 0;
  for (size_t i = 0; i < s->nfiles; i++) {
    ing_file *f = &s->files[i];
    size_t rest = f->chunks.count - f->done;
    if (rest && !budget) break;
    /* a file that fits in a batch is never split: it waits for the next batch instead */
    if (np && rest > budget && rest <= (size_t)s->opt.batch_chunks) break;
    size_t take = rest < budget ? rest : budget;
    pieces[np++] = (ing_piece){i, f->done, f->done + take};
    for (size_t j = f->done; j < f->done + take; j++) s->texts[nt++] = f->chunks.items[j].text;
    budget -= take;
    if (take < rest) break;
  }
  *taken = np;
  int rc = 0;
  if (lib->model && nt) {
    size_t k = 0;
    for (size_t i = 0; i < np && !rc; i++) {
      const ing_file *f = &s->files[pieces[i].file];
      for (size_t j = pieces[i].a; j < pieces[i].b && !rc; j++, k++)
        if (f->title && *f->title && !(rc = ing_titled(f->title, s->texts[k], &s->titled[k], err)))
          s->texts[k] = s->titled[k];
    }
    if (!rc) rc = brass_embed_as(lib->model, BRASS_PASSAGE, s->texts, nt, s->vecs, err);
    for (size_t i = 0; i < nt; i++) {
      free(s->titled[i]);
      s->titled[i] = NULL;
    }
  }
  if (!rc) rc = store_begin(lib->st, err);
  size_t off = 0;
  for (size_t i = 0; i < np && !rc; i++) {
    const float *v = lib->model ? s->vecs + off * (size_t)lib->dim : NULL;
    rc = ing_write_piece(s, &s->files[pieces[i].file], pieces[i].a, pieces[i].b, v, err);
    off += pieces[i].b - pieces[i].a;
  }
  return engine_end_write(lib->st, rc, 1, err);
}

/* Commits queued chunks a batch at a time while the queue holds a full batch (all of it when
 * final), then drops the files that are complete from the queue. */
static int ing_flush(ing_state *s, int final, brass_error *err) {
  brass_library *lib = s->lib;
  size_t batch = (size_t)s->opt.batch_chunks;
  ing_piece *pieces = NULL;
  size_t pieces_cap = 0;
  int rc = 0;
  while (!rc && s->nfiles && (final || s->nchunks >= batch)) {
    if (s->nfiles > pieces_cap) { /* a batch touches each queued file at most once */
      ing_piece *p = realloc(pieces, s->nfiles * sizeof *p);
      if (!p) {
        rc = err_set(err, BRASS_ENOMEM, "index: out of memory");
        break;
      }
      pieces = p;
      pieces_cap = s->nfiles;
    }
    size_t np = 0;
    if ((rc = ing_commit_batch(s, pieces, &np, err))) break;
    size_t complete = 0;
    for (size_t i = 0; i < np; i++) {
      ing_file *f = &s->files[pieces[i].file];
      size_t n = pieces[i].b - pieces[i].a;
      s->nchunks -= f->abandoned ? f->chunks.count - f->done : n;
      if (!f->abandoned) {
        s->sum->chunks_embedded += lib->model ? (int64_t)n : 0;
        for (size_t j = pieces[i].a; j < pieces[i].b; j++)
          s->sum->tokens += f->chunks.items[j].tokens + (lib->model ? 2 : 0);
        f->done = pieces[i].b;
      }
      if (f->chunks.count > batch && !f->abandoned)
        ing_event(s, BRASS_PROGRESS_FILE_PART, f->path, NULL, (int64_t)f->done,
                  (int64_t)f->chunks.count);
      if (!f->abandoned && f->done < f->chunks.count) continue;
      if (!f->abandoned) {
        if (f->resumed) s->sum->resumed++;
        if (f->source_id > 0)
          s->sum->updated++;
        else
          s->sum->added++;
      }
      ing_file_free(f);
      complete++;
    }
    /* the complete files are the head of the queue */
    memmove(s->files, s->files + complete, (s->nfiles - complete) * sizeof *s->files);
    s->nfiles -= complete;
    ing_report(s, NULL, NULL); /* the embedded chunks and tokens, for a progress display */
  }
  free(pieces);
  return rc;
}

/* Moves source old (whose file is gone) to path, keeping its chunks and vectors. */
static int ing_rename(ing_state *s, const store_source *old, const char *path, int64_t size,
                      int64_t mtime_ns, brass_error *err) {
  store *st = s->lib->st;
  int rc = store_begin(st, err);
  if (!rc) rc = store_source_rename(st, old->id, path, err);
  if (!rc) rc = store_source_update(st, old->id, size, mtime_ns, old->sha256, err);
  return engine_end_write(st, rc, 1, err);
}

/* Where an interrupted batched write of source sid left off, to continue it with the chunks of
 * the same content: the committed chunks must be exactly the first ones of f's chunks (same count,
 * order and byte ranges; the chunk options or the tokenizer may have changed since). */
typedef struct ing_resume {
  int64_t did, n;
  int ok;
  const chunk_list *chunks;
} ing_resume;

static int ing_resume_fn(void *ctx, const store_chunk *c) {
  ing_resume *r = ctx;
  if (r->n == 0) r->did = c->document_id;
  if (c->document_id != r->did || c->seq != r->n || (size_t)r->n >= r->chunks->count ||
      (int64_t)r->chunks->items[r->n].start != c->byte_start ||
      (int64_t)r->chunks->items[r->n].end != c->byte_end)
    r->ok = 0;
  r->n++;
  return 0;
}

static int ing_try_resume(ing_state *s, ing_file *f, int64_t sid, brass_error *err) {
  unsigned char sha[32];
  int64_t done = 0;
  int rc = store_source_progress_get(s->lib->st, sid, sha, &done, err);
  if (rc <= 0 || memcmp(sha, f->sha, 32) || done <= 0 || (size_t)done >= f->chunks.count)
    return rc < 0 ? rc : 0;
  ing_resume r = {0, 0, 1, &f->chunks};
  if ((rc = store_source_chunks(s->lib->st, f->path, ing_resume_fn, &r, err))) return rc;
  if (!r.ok || r.n != done) return 0; /* start over: the first batch replaces what is there */
  f->done = (size_t)done;
  f->sid = sid;
  f->did = r.did;
  f->resumed = 1;
  return 0;
}

static int ing_unembedded(const ing_state *s, int64_t sid) {
  return s->nunembedded &&
         bsearch(&sid, s->unembedded, s->nunembedded, sizeof *s->unembedded, ing_cmp_id);
}

/* A file that could not be stat'ed or read: gone (deleted during the run: not kept, so that the
 * removal step names it) or unreadable (kept as indexed). e: the errno of the failure. */
static void ing_unreadable(ing_state *s, const char *path, const char *key, int e, int *kept) {
  s->sum->skipped++;
  if (engine_path_gone(path)) {
    ing_report(s, key, "deleted during the run");
    return;
  }
  *kept = 1;
  s->sum->unreadable++;
  ing_event(s, BRASS_PROGRESS_UNREADABLE, key, strerror(e ? e : EIO), 0, 0);
}

/* Chunks one changed or new source (data, len bytes of kind) and queues it under key, continuing
 * an interrupted batched write when partial; flushes full batches. what names it in messages;
 * title NULL: the file name. Returns 0, 1 when a document (DOCX, ODT, EPUB) could not be read
 * (reported as skipped, nothing queued), or a negative error. */
static int ing_queue(ing_state *s, const char *what, const char *key, const char *title,
                     const char *data, size_t len, doc_kind kind, const unsigned char sha[32],
                     int64_t mtime_ns, int64_t sid, int partial, brass_error *err) {
  brass_library *lib = s->lib;
  if (s->nfiles == s->files_cap) {
    size_t c = s->files_cap ? s->files_cap * 2 : 16;
    ing_file *f = realloc(s->files, c * sizeof *f);
    if (!f) return err_set(err, BRASS_ENOMEM, "%s: out of memory", what);
    s->files = f;
    s->files_cap = c;
  }
  ing_file *f = &s->files[s->nfiles];
  memset(f, 0, sizeof *f);
  chunk_options co = {0};
  co.max_tokens = s->opt.chunk_tokens;
  if (lib->model) co.model_max_length = brass_model_max_length(lib->model);
  brass_error cerr;
  int rc =
      chunk_document(lib->model ? lib->model->tok : NULL, data, len, kind, &co, &f->chunks, &cerr);
  if (rc && rc != BRASS_ENOMEM && extract_kind_is_document(kind)) {
    /* a broken or refused document (zip bomb, truncated, ...): skipped with the reason */
    chunk_list_free(&f->chunks);
    s->sum->skipped++;
    ing_report(s, key, cerr.message);
    return 1;
  }
  if (rc && err) *err = cerr;
  if (rc) {
    chunk_list_free(&f->chunks);
    return rc;
  }
  f->path = strdup(key);
  f->title = title ? strdup(title) : NULL;
  if (!f->path || (title && !f->title)) {
    ing_file_free(f);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", what);
  }
  f->size = (int64_t)len;
  f->mtime_ns = mtime_ns;
  memcpy(f->sha, sha, 32);
  f->source_id = sid;
  if (partial && (rc = ing_try_resume(s, f, sid, err))) {
    ing_file_free(f);
    return rc;
  }
  s->nfiles++;
  s->nchunks += f->chunks.count - f->done;
  if (f->chunks.count > (size_t)s->opt.batch_chunks)
    ing_event(s, BRASS_PROGRESS_FILE_PART, key, NULL, (int64_t)f->done, (int64_t)f->chunks.count);
  if (s->nchunks >= (size_t)s->opt.batch_chunks) return ing_flush(s, 0, err);
  return 0;
}

/* 1 when source sid holds the same content (sha) completely embedded: nothing to do. *partial:
 * its batched write was interrupted (the same content is continued). Negative: an error. */
static int ing_same_done(ing_state *s, int64_t sid, int same, int *partial, brass_error *err) {
  *partial = 0;
  if (!same) return 0;
  unsigned char psha[32];
  int64_t pdone = 0;
  int rc = store_source_progress_get(s->lib->st, sid, psha, &pdone, err);
  if (rc < 0) return rc;
  *partial = rc == 1;
  return !*partial && !ing_unembedded(s, sid);
}

/* Handles one walked file. *kept is set to 1 when the library keeps a source for it. */
static int ing_file_one(ing_state *s, const char *path, int *kept, brass_error *err) {
  brass_library *lib = s->lib;
  const char *key = ing_key(s, path);
  *kept = 0;
  struct stat sb;
  if (stat(path, &sb)) {
    ing_unreadable(s, path, key, errno, kept);
    return 0;
  }
  if ((int64_t)sb.st_size > s->opt.max_file_bytes) {
    s->sum->skipped++;
    ing_report(s, key, "too large");
    return 0;
  }
  char *data = NULL;
  size_t len = 0;
  brass_error ferr;
  if (file_read_all(path, (size_t)s->opt.max_file_bytes, &data, &len, &ferr)) {
    int e = errno;
    if (ferr.code == BRASS_ERANGE) { /* it grew past the limit since the stat */
      s->sum->skipped++;
      ing_report(s, key, "too large");
    } else {
      ing_unreadable(s, path, key, e, kept);
    }
    return 0;
  }
  doc_kind kind = extract_kind_for_path(path);
  if (!extract_kind_is_document(kind) && extract_is_binary(data, len)) {
    free(data);
    s->sum->skipped++;
    ing_report(s, key, "binary");
    return 0;
  }
  *kept = 1;
  int64_t mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + (int64_t)sb.st_mtim.tv_nsec;
  unsigned char sha[32];
  sha256(data, len, sha);
  store_source src;
  memset(&src, 0, sizeof src);
  int rc = store_source_find(lib->st, key, &src, err);
  if (rc < 0) goto done;
  int64_t sid = 0;
  int partial = 0;
  if (rc == 1) {
    sid = src.id;
    int same = !memcmp(src.sha256, sha, 32);
    store_source_clear(&src);
    if ((rc = ing_same_done(s, sid, same, &partial, err)) < 0) goto done;
    if (rc == 1) {
      s->sum->unchanged++;
      rc = 0;
      goto done;
    }
  } else if (!s->root[0]) {
    rc = store_source_find_by_hash(lib->st, sha, &src, err);
    if (rc < 0) goto done;
    if (rc == 1 && engine_path_gone(src.path)) {
      /* chunks it has without vectors are embedded after the walk (unembedded.c) */
      rc = ing_rename(s, &src, key, (int64_t)len, mtime_ns, err);
      store_source_clear(&src);
      if (!rc) {
        s->sum->added++;
        s->sum->renamed++;
      }
      goto done;
    }
    if (rc == 1) store_source_clear(&src);
  }
  rc = ing_queue(s, path, key, NULL, data, len, kind, sha, mtime_ns, sid, (int)partial, err);
  if (rc == 1) { /* a broken or refused document: skipped, not kept */
    *kept = 0;
    rc = 0;
  }
done:
  free(data);
  return rc;
}

/* Sources under a walked root that the walk examined the place of and did not keep. */
typedef struct ing_gone {
  store *st;
  brass_error *err;
  const walk_result *w;
  const unsigned char *kept; /* per walked path */
  int64_t *ids;
  size_t n, cap;
  char **paths;
  size_t npaths, paths_cap;
} ing_gone;

static int ing_gone_fn(void *ctx, const store_source *s) {
  ing_gone *g = ctx;
  int under = 0;
  for (size_t r = 0; r < g->w->nroots && !under; r++)
    under = engine_path_under(s->path, g->w->roots[r], 0);
  if (!under) return 0;
  long hit = walk_find(g->w, s->path);
  if (hit >= 0 && g->kept[hit]) return 0;
  /* in a place the walk could not examine, or indexed by name: kept as indexed, unless the file
   * is certainly gone */
  if (hit < 0 && walk_unseen(g->w, s->path) && !engine_path_gone(s->path)) return 0;
  if (hit < 0 && !engine_path_gone(s->path)) { /* not selected by the walk, not examined */
    int rc = store_source_explicit_get(g->st, s->id, g->err);
    if (rc) return rc < 0 ? rc : 0;
  }
  if (g->npaths == g->paths_cap) {
    size_t c = g->paths_cap ? g->paths_cap * 2 : 32;
    char **a = realloc(g->paths, c * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    g->paths = a;
    g->paths_cap = c;
  }
  if (!(g->paths[g->npaths] = strdup(s->path))) return BRASS_ENOMEM;
  g->npaths++;
  return engine_ids_push(&g->ids, &g->n, &g->cap, s->id);
}

static int ing_remove_gone(ing_state *s, const walk_result *w, const unsigned char *kept,
                           brass_error *err) {
  ing_gone g;
  memset(&g, 0, sizeof g);
  g.st = s->lib->st;
  g.err = err;
  g.w = w;
  g.kept = kept;
  int rc = store_source_foreach(s->lib->st, ing_gone_fn, &g, err);
  if (rc == BRASS_ENOMEM) rc = err_set(err, rc, "index: out of memory");
  if (!rc && g.n) {
    rc = store_begin(s->lib->st, err);
    for (size_t i = 0; i < g.n && !rc; i++) rc = store_source_delete(s->lib->st, g.ids[i], err);
    rc = engine_end_write(s->lib->st, rc, 1, err);
    if (!rc) {
      s->sum->removed += (int64_t)g.n;
      for (size_t i = 0; i < g.npaths; i++)
        ing_event(s, BRASS_PROGRESS_REMOVED, g.paths[i],
                  !engine_path_gone(g.paths[i])
                      ? "no longer indexed: ignored, hidden, binary or too large"
                      : "deleted",
                  0, 0);
    }
  }
  for (size_t i = 0; i < g.npaths; i++) free(g.paths[i]);
  free(g.paths);
  free(g.ids);
  return rc;
}

/* Records the files given by name (and kept) as indexed explicitly, in one transaction when any
 * is not yet: a later run over a folder above them keeps them while they exist. */
static int ing_mark_explicit(ing_state *s, const walk_result *w, const unsigned char *kept,
                             brass_error *err) {
  store *st = s->lib->st;
  int rc = 0, open = 0;
  for (size_t i = 0; i < w->ngiven && !rc; i++) {
    long k = walk_find(w, w->given[i]);
    if (k < 0 || !kept[k]) continue;
    store_source src;
    memset(&src, 0, sizeof src);
    rc = store_source_find(st, w->given[i], &src, err);
    if (rc <= 0) continue;
    int64_t id = src.id;
    store_source_clear(&src);
    rc = store_source_explicit_get(st, id, err);
    if (rc != 0) {
      rc = rc < 0 ? rc : 0;
      continue;
    }
    if (!open && !(rc = store_begin(st, err))) open = 1;
    if (!rc) rc = store_source_explicit_set(st, id, err);
  }
  return open ? engine_end_write(st, rc, 0, err) : rc;
}

/* Refuses to index without the library's model; records the model (first indexing with one). */
static int ing_bind_model(brass_library *lib, brass_error *err) {
  store_model_info have;
  int recorded = store_model_get(lib->st, &have, err);
  if (recorded < 0) return recorded;
  if (!lib->model && recorded)
    return err_set(err, BRASS_EINVAL,
                   "%s: the library was indexed with model %s, whose folder is gone; pass "
                   "--model DIR",
                   store_path(lib->st), have.name);
  int dtype = brass_model_dtype(lib->model);
  if (lib->model && recorded && lib->indexed_dtype && dtype != lib->indexed_dtype)
    return err_set(err, BRASS_EINVAL,
                   "%s: the library was indexed with --dtype %s; index it with --dtype %s (or "
                   "into a new library with --library FILE) so that its vectors stay comparable",
                   store_path(lib->st), brass_dtype_name(lib->indexed_dtype),
                   brass_dtype_name(lib->indexed_dtype));
  return lib->model ? engine_record_model(lib, err) : 0;
}

static void ing_walk_note(void *ctx, const char *path, const char *why) {
  ing_state *s = ctx;
  s->sum->unreadable++;
  ing_event(s, BRASS_PROGRESS_UNREADABLE, ing_key(s, path), why, 0, 0);
}

static void ing_embedded(void *ctx, int64_t done, int64_t total) {
  ing_state *s = ctx;
  (void)total;
  s->sum->chunks_embedded = s->embedded_base + done;
  ing_report(s, NULL, NULL);
}

static void ing_graph(void *ctx, int64_t done, int64_t total) {
  ing_event(ctx, BRASS_PROGRESS_GRAPH, NULL, NULL, done, total);
}

/* The vector format of new libraries: int8 (docs/hnsw.md has the recall and size numbers). */
#define ING_DEFAULT_VECTORS BRASS_VECTORS_INT8

/* Records the library's vector format on its first indexing with a model, or switches it when
 * another is asked for (dropping the saved graph, in one transaction that also bumps the
 * generation, so every handle's cached graph is rebuilt). */
static int ing_bind_vectors(brass_library *lib, int want, brass_error *err) {
  if (!lib->model) return 0;
  if (want != BRASS_VECTORS_DEFAULT && want != BRASS_VECTORS_F32 && want != BRASS_VECTORS_INT8)
    return err_set(err, BRASS_EINVAL, "index: unknown vector format %d", want);
  int have = store_vector_format(lib->st, err);
  if (have < 0) return have;
  if (want == BRASS_VECTORS_DEFAULT) want = have ? have : ING_DEFAULT_VECTORS;
  if (want == have) return 0;
  int rc = store_begin(lib->st, err);
  if (!rc) rc = store_vector_format_set(lib->st, want, err);
  return engine_end_write(lib->st, rc, have != 0, err);
}

/* The start shared by brass_index and brass_index_documents: options, summary, the model bound,
 * the batch buffers, the sources lacking vectors; *gen0 the generation before this run. */
static int ing_start(ing_state *s, brass_library *lib, const brass_index_options *opts,
                     brass_index_summary *summary, brass_progress_fn progress, void *ctx,
                     int64_t *gen0, brass_error *err) {
  memset(s, 0, sizeof *s);
  s->lib = lib;
  if (opts) s->opt = *opts;
  if (s->opt.max_file_bytes <= 0) s->opt.max_file_bytes = ING_DEFAULT_MAX_BYTES;
  if (s->opt.batch_chunks <= 0) s->opt.batch_chunks = ING_DEFAULT_BATCH;
  s->sum = summary;
  s->progress = progress;
  s->ctx = ctx;
  clock_gettime(CLOCK_MONOTONIC, &s->t0);
  if (s->opt.root && *s->opt.root && !realpath(s->opt.root, s->root))
    return err_set(err, BRASS_EIO, "%s: %s", s->opt.root, strerror(errno));
  int rc = ing_bind_model(lib, err);
  if (!rc) rc = ing_bind_vectors(lib, s->opt.vectors, err);
  if (rc) return rc;
  *gen0 = engine_generation(lib->st, err);
  if (*gen0 < 0) return (int)*gen0;
  size_t batch = (size_t)s->opt.batch_chunks;
  s->texts = malloc(batch * sizeof *s->texts);
  s->titled = calloc(batch, sizeof *s->titled);
  s->vecs = lib->model ? malloc(batch * (size_t)lib->dim * sizeof *s->vecs) : NULL;
  if (!s->texts || !s->titled || (lib->model && !s->vecs))
    return err_set(err, BRASS_ENOMEM, "index: out of memory");
  if (lib->model) return store_sources_unembedded(lib->st, &s->unembedded, &s->nunembedded, err);
  return 0;
}

/* The end (when rc is still 0): chunks left without vectors embedded, the graph brought up to
 * date; then the queue and buffers freed. Returns rc or the first error. */
static int ing_finish(ing_state *s, int64_t gen0, int rc, brass_error *err) {
  brass_library *lib = s->lib;
  if (!rc && lib->model) {
    int64_t more = 0;
    s->embedded_base = s->sum->chunks_embedded;
    rc = engine_embed_unembedded(lib, s->opt.batch_chunks, ing_embedded, s, &more, err);
    s->sum->chunks_embedded = s->embedded_base + more;
  }
  if (!rc && lib->model) {
    lib->graph_progress = ing_graph;
    lib->graph_progress_ctx = s;
    rc = engine_graph_update(lib, gen0, err);
    lib->graph_progress = NULL;
    lib->graph_progress_ctx = NULL;
  }
  for (size_t i = 0; i < s->nfiles; i++) ing_file_free(&s->files[i]);
  free(s->files);
  free(s->vecs);
  free(s->texts);
  free(s->titled);
  free(s->unembedded);
  s->sum->seconds = ing_seconds(&s->t0);
  return rc;
}

int brass_index(brass_library *lib, const char *const *paths, size_t n,
                const brass_index_options *opts, brass_index_summary *summary,
                brass_progress_fn progress, void *ctx, brass_error *err) {
  brass_index_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  if (!lib || (!paths && n)) return err_set(err, BRASS_EINVAL, "index: no library or paths");
  /* one writing run at a time per library: a second indexer waits for this one (wait.c) */
  int rc = store_lock_writer(lib->st, err);
  if (rc) return rc;
  ing_state s;
  int64_t gen0 = 0;
  rc = ing_start(&s, lib, opts, summary, progress, ctx, &gen0, err);

  walk_result w;
  memset(&w, 0, sizeof w);
  unsigned char *kept = NULL;
  if (!rc) rc = walk_all(&w, paths, n, ing_walk_note, &s, err);
  if (!rc && w.n && !(kept = calloc(w.n, 1)))
    rc = err_set(err, BRASS_ENOMEM, "index: out of memory");
  if (!rc && w.too_deep) {
    summary->not_walked = w.too_deep;
    snprintf(s.note, sizeof s.note,
             "%lld folder%s deeper than %d levels not walked (what is indexed there is kept)",
             (long long)w.too_deep, w.too_deep == 1 ? "" : "s", WALK_MAX_DEPTH);
    ing_event(&s, BRASS_PROGRESS_NOT_WALKED, ing_key(&s, w.too_deep_example), s.note, 0, 0);
  }
  s.files_total = (int64_t)w.n;
  for (size_t i = 0; i < w.n && !rc; i++) {
    int k = 0;
    rc = ing_file_one(&s, w.paths[i], &k, err);
    kept[i] = (unsigned char)k;
    s.files_done++;
    if (!rc) ing_report(&s, ing_key(&s, w.paths[i]), NULL);
  }
  if (!rc) rc = ing_flush(&s, 1, err);
  if (!rc && !s.root[0] && !s.opt.not_explicit) rc = ing_mark_explicit(&s, &w, kept, err);
  if (!rc && !s.root[0]) rc = ing_remove_gone(&s, &w, kept, err);
  rc = ing_finish(&s, gen0, rc, err);
  free(kept);
  walk_free(&w);
  store_unlock_writer(lib->st);
  return rc;
}

/* An in-memory source by name (a document, a crawled page): 1 when it is recorded with hash sha
 * and complete (counted unchanged: nothing to do), else 0 with *sid (0 when new) and *partial set
 * for ing_queue; < 0 on error. */
static int ing_known(ing_state *s, const char *name, const unsigned char sha[32], int64_t *sid,
                     int *partial, brass_error *err) {
  store_source src;
  memset(&src, 0, sizeof src);
  *sid = 0;
  *partial = 0;
  int rc = store_source_find(s->lib->st, name, &src, err);
  if (rc != 1) return rc;
  *sid = src.id;
  int same = !memcmp(src.sha256, sha, 32);
  store_source_clear(&src);
  rc = ing_same_done(s, *sid, same, partial, err);
  if (rc == 1) s->sum->unchanged++;
  return rc;
}

/* One in-memory document: kept when its title and text hash as recorded, else queued. */
static int ing_document_one(ing_state *s, const brass_document *d, brass_error *err) {
  const char *title = d->title ? d->title : "";
  size_t tlen = strlen(title);
  char *buf = malloc(tlen + 1 + d->text_len + 1);
  if (!buf) return err_set(err, BRASS_ENOMEM, "%s: out of memory", d->name);
  memcpy(buf, title, tlen);
  buf[tlen] = '\0'; /* title NUL text: the hash input */
  if (d->text_len) memcpy(buf + tlen + 1, d->text, d->text_len);
  buf[tlen + 1 + d->text_len] = '\0';
  unsigned char sha[32];
  sha256(buf, tlen + 1 + d->text_len, sha);
  int64_t sid = 0;
  int partial = 0;
  int rc = ing_known(s, d->name, sha, &sid, &partial, err);
  if (rc == 1) {
    free(buf);
    return 0;
  }
  /* a document with a title only is chunked from its title, so that it can still be found */
  const char *body = d->text_len ? buf + tlen + 1 : buf;
  size_t blen = d->text_len ? d->text_len : tlen;
  if (rc >= 0)
    rc = ing_queue(s, d->name, d->name, title, body, blen, DOC_TEXT, sha, 0, sid, partial, err);
  free(buf);
  return rc;
}

int brass_index_documents(brass_library *lib, const brass_document *docs, size_t n,
                          const brass_index_options *opts, brass_index_summary *summary,
                          brass_progress_fn progress, void *ctx, brass_error *err) {
  brass_index_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  if (!lib || (!docs && n)) return err_set(err, BRASS_EINVAL, "index: no library or documents");
  for (size_t i = 0; i < n; i++)
    if (!docs[i].name || !*docs[i].name || (!docs[i].text && docs[i].text_len))
      return err_set(err, BRASS_EINVAL, "index: document %zu has no name or no text", i + 1);
  int rc = store_lock_writer(lib->st, err);
  if (rc) return rc;
  ing_state s;
  int64_t gen0 = 0;
  rc = ing_start(&s, lib, opts, summary, progress, ctx, &gen0, err);
  s.files_total = (int64_t)n;
  for (size_t i = 0; i < n && !rc; i++) {
    rc = ing_document_one(&s, &docs[i], err);
    s.files_done++;
    if (!rc) ing_report(&s, docs[i].name, NULL);
  }
  if (!rc) rc = ing_flush(&s, 1, err);
  rc = ing_finish(&s, gen0, rc, err);
  store_unlock_writer(lib->st);
  return rc;
}

/* ---- an ingest session for sources fetched one at a time (the crawler, src/net/crawl.c) ---- */

struct engine_ingest {
  ing_state s;
  int64_t gen0;
};

int engine_ingest_begin(brass_library *lib, const brass_index_options *opts,
                        brass_index_summary *summary, brass_progress_fn progress, void *ctx,
                        engine_ingest **out, brass_error *err) {
  *out = NULL;
  memset(summary, 0, sizeof *summary);
  if (!lib) return err_set(err, BRASS_EINVAL, "index: no library");
  engine_ingest *e = calloc(1, sizeof *e);
  if (!e) return err_set(err, BRASS_ENOMEM, "index: out of memory");
  /* a crawl is a writing run like brass_index: held until engine_ingest_end (wait.c) */
  int rc = store_lock_writer(lib->st, err);
  if (rc) {
    free(e);
    return rc;
  }
  rc = ing_start(&e->s, lib, opts, summary, progress, ctx, &e->gen0, err);
  if (rc) {
    ing_finish(&e->s, e->gen0, rc, err);
    store_unlock_writer(lib->st);
    free(e);
    return rc;
  }
  *out = e;
  return 0;
}

int engine_ingest_source(engine_ingest *e, const char *name, const char *title, const char *data,
                         size_t len, int kind, brass_error *err) {
  ing_state *s = &e->s;
  unsigned char sha[32];
  sha256(data, len, sha);
  int64_t sid = 0;
  int partial = 0;
  int rc = ing_known(s, name, sha, &sid, &partial, err);
  if (rc == 1) return 0;
  if (rc >= 0)
    rc = ing_queue(s, name, name, title, data, len, (doc_kind)kind, sha, 0, sid, partial, err);
  return rc < 0 ? rc : 0;
}

void engine_ingest_event(engine_ingest *e, int event, const char *name, const char *note,
                         int64_t done, int64_t total) {
  ing_state *s = &e->s;
  s->files_done = done;
  s->files_total = total;
  if (event == BRASS_PROGRESS_SKIPPED) s->sum->skipped++;
  if (event == BRASS_PROGRESS_UNREADABLE) {
    s->sum->skipped++;
    s->sum->unreadable++;
  }
  ing_event(s, event, name, note, 0, 0);
}

int engine_ingest_remove(engine_ingest *e, const char *name, const char *why, brass_error *err) {
  ing_state *s = &e->s;
  store *st = s->lib->st;
  store_source src;
  memset(&src, 0, sizeof src);
  int rc = store_source_find(st, name, &src, err);
  if (rc <= 0) return rc;
  int64_t id = src.id;
  store_source_clear(&src);
  rc = store_begin(st, err);
  if (!rc) rc = store_source_delete(st, id, err);
  rc = engine_end_write(st, rc, 1, err);
  if (rc) return rc;
  s->sum->removed++;
  ing_event(s, BRASS_PROGRESS_REMOVED, name, why, 0, 0);
  return 0;
}

int engine_ingest_flush(engine_ingest *e, brass_error *err) {
  return ing_flush(&e->s, 1, err);
}

int engine_ingest_end(engine_ingest *e, int rc, brass_error *err) {
  if (!e) return rc;
  if (!rc) rc = ing_flush(&e->s, 1, err);
  rc = ing_finish(&e->s, e->gen0, rc, err);
  store_unlock_writer(e->s.lib->st);
  free(e);
  return rc;
}
