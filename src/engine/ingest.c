/*
 * ingest.c - brass_index: walk the given files and folders, hash every file, and bring the
 * library up to date with as little embedding as possible.
 *
 * Walk: opendir/readdir/lstat only (portable to Emscripten). Hidden entries (".git" included) are
 * skipped, and so are entries matched by .gitignore files inside the walked folders (ignore.h);
 * symlinks to files are followed, symlinks to folders are not, so a link loop cannot hang the walk;
 * depth is capped. Paths are absolute, sorted and unique.
 *
 * Per file: same SHA-256 as recorded -> unchanged; recorded with another hash -> updated (its
 * documents are dropped and it is re-chunked and re-embedded); unknown path whose content matches a
 * source whose file is gone -> renamed (keeps its chunks and vectors); otherwise added. Files that
 * are binary, too large or unreadable are skipped. Sources under an indexed folder that the walk
 * did not keep are removed.
 *
 * With an index root (brass_index_options.root, the browser build), files under the root are
 * stored by their path relative to it, and since those files are transient uploaded copies, a
 * missing file means nothing: no rename detection, no vanished-file removal.
 *
 * Batches: changed files are chunked and queued; when the queue holds batch_chunks chunks it is
 * embedded in one call and written in one transaction (source, document, chunks, vectors, and the
 * generation bump), so a crash loses at most the batch in flight and never leaves a file half
 * written. The HNSW graph is rebuilt and saved once at the end when anything changed.
 */
#include <dirent.h>
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
#include "engine/ignore.h"
#include "model/model.h"
#include "text/chunk.h"

#define ING_MAX_DEPTH 64
#define ING_DEFAULT_MAX_BYTES (16 << 20)
#define ING_DEFAULT_BATCH 64

typedef struct ing_walk {
  char **paths;
  size_t n, cap;
  char **roots; /* folders given (absolute), for vanished-file detection */
  size_t nroots, roots_cap;
} ing_walk;

static int ing_push(char ***arr, size_t *n, size_t *cap, const char *s) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 64;
    char **a = realloc(*arr, c * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    *arr = a;
    *cap = c;
  }
  char *d = strdup(s);
  if (!d) return BRASS_ENOMEM;
  (*arr)[(*n)++] = d;
  return 0;
}

static void ing_walk_free(ing_walk *w) {
  for (size_t i = 0; i < w->n; i++) free(w->paths[i]);
  for (size_t i = 0; i < w->nroots; i++) free(w->roots[i]);
  free(w->paths);
  free(w->roots);
}

/* Adds the regular files under dir (an absolute path) to w, honouring the .gitignore rules in
 * ign (plus dir's own). Unreadable folders are skipped. Path buffers are on the heap: the
 * recursion is up to ING_MAX_DEPTH deep and WebAssembly thread stacks are small. */
static int ing_walk_dir(ing_walk *w, ignore_list *ign, const char *dir, int depth,
                        brass_error *err) {
  if (depth > ING_MAX_DEPTH) return 0;
  size_t nrules = ign->n;
  if (ignore_load(ign, dir)) return err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
  DIR *d = opendir(dir);
  char *path = malloc(PATH_MAX);
  int rc = 0;
  if (!path) rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
  struct dirent *e;
  while (d && !rc && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue; /* ".", "..", hidden files and folders, .git */
    if (path_join(path, PATH_MAX, dir, e->d_name)) continue;
    struct stat sb;
    if (lstat(path, &sb)) continue;
    if (S_ISDIR(sb.st_mode)) {
      if (!ignore_match(ign, path, e->d_name, 1)) rc = ing_walk_dir(w, ign, path, depth + 1, err);
    } else if (S_ISREG(sb.st_mode) ||
               (S_ISLNK(sb.st_mode) && !stat(path, &sb) && S_ISREG(sb.st_mode))) {
      if (ignore_match(ign, path, e->d_name, 0)) continue;
      if (ing_push(&w->paths, &w->n, &w->cap, path))
        rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", dir);
    }
  }
  if (d) closedir(d);
  free(path);
  ignore_truncate(ign, nrules);
  return rc;
}

static int ing_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fills w from the caller's paths; a path that does not exist is an error (nothing is indexed). */
static int ing_walk_all(ing_walk *w, const char *const *paths, size_t n, brass_error *err) {
  char abs[PATH_MAX];
  for (size_t i = 0; i < n; i++) {
    struct stat sb;
    if (!paths[i] || !*paths[i]) return err_set(err, BRASS_EINVAL, "index: empty path");
    if (stat(paths[i], &sb) || !realpath(paths[i], abs))
      return err_set(err, BRASS_EIO, "%s: %s", paths[i], strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
      if (ing_push(&w->roots, &w->nroots, &w->roots_cap, abs))
        return err_set(err, BRASS_ENOMEM, "%s: out of memory", paths[i]);
      ignore_list ign = {0};
      int rc = ing_walk_dir(w, &ign, abs, 0, err);
      ignore_free(&ign);
      if (rc) return rc;
    } else if (S_ISREG(sb.st_mode)) {
      if (ing_push(&w->paths, &w->n, &w->cap, abs))
        return err_set(err, BRASS_ENOMEM, "%s: out of memory", paths[i]);
    } else {
      return err_set(err, BRASS_EINVAL, "%s: not a regular file or folder", paths[i]);
    }
  }
  if (w->n) qsort(w->paths, w->n, sizeof *w->paths, ing_cmp);
  size_t k = 0; /* drop duplicates (a file given and also under a folder given) */
  for (size_t i = 0; i < w->n; i++) {
    if (k && !strcmp(w->paths[k - 1], w->paths[i])) {
      free(w->paths[i]);
      continue;
    }
    w->paths[k++] = w->paths[i];
  }
  w->n = k;
  return 0;
}

/* A changed or new file waiting in the batch. */
typedef struct ing_file {
  char *path;
  int64_t size, mtime_ns;
  unsigned char sha[32];
  int64_t source_id; /* > 0: an existing source to update */
  chunk_list chunks;
} ing_file;

typedef struct ing_state {
  brass_library *lib;
  brass_index_options opt;
  brass_index_summary *sum;
  brass_progress_fn progress;
  void *ctx;
  struct timespec t0;
  ing_file *files;
  size_t nfiles, files_cap, nchunks;
  float *vecs;
  size_t vecs_cap; /* floats */
  int64_t files_done, files_total;
  char root[PATH_MAX]; /* absolute index root, "" when none */
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

static void ing_report(ing_state *s, const char *path, const char *note) {
  if (!s->progress) return;
  brass_index_progress p = {s->files_done,
                            s->files_total,
                            s->sum->chunks_embedded,
                            s->sum->tokens,
                            ing_seconds(&s->t0),
                            path,
                            note};
  s->progress(s->ctx, &p);
}

static void ing_file_free(ing_file *f) {
  free(f->path);
  chunk_list_free(&f->chunks);
}

static const char *ing_basename(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

/* Writes one queued file inside the open transaction; v: its chunks' vectors (or NULL). */
static int ing_write_file(ing_state *s, ing_file *f, const float *v, brass_error *err) {
  store *st = s->lib->st;
  int rc;
  int64_t sid = 0, did, cid;
  /* Look the path up again inside the transaction: another brass process may have added or
   * removed it since this file was queued; the last writer wins and the library stays whole. */
  store_source cur;
  memset(&cur, 0, sizeof cur);
  rc = store_source_find(st, f->path, &cur, err);
  if (rc < 0) return rc;
  if (rc == 1) {
    sid = cur.id;
    store_source_clear(&cur);
    if ((rc = store_source_clear_documents(st, sid, err)) ||
        (rc = store_source_update(st, sid, f->size, f->mtime_ns, f->sha, err)))
      return rc;
  } else if ((rc = store_source_add(st, f->path, f->size, f->mtime_ns, f->sha, &sid, err))) {
    return rc;
  }
  if ((rc = store_document_add(st, sid, ing_basename(f->path), &did, err))) return rc;
  for (size_t i = 0; i < f->chunks.count; i++) {
    const chunk *c = &f->chunks.items[i];
    store_chunk sc = {0,
                      did,
                      (int)i,
                      c->text,
                      c->text_len,
                      (int64_t)c->start,
                      (int64_t)c->end,
                      c->line_start,
                      c->line_end,
                      c->heading};
    if ((rc = store_chunk_add(st, &sc, &cid, err))) return rc;
    if (v && (rc = store_vector_put(st, cid, v + i * (size_t)s->lib->dim, s->lib->dim, err)))
      return rc;
  }
  return 0;
}

/* Embeds and commits the queued files in one transaction, then empties the queue. */
static int ing_flush(ing_state *s, brass_error *err) {
  if (!s->nfiles) return 0;
  brass_library *lib = s->lib;
  int rc = 0;
  const char **texts = NULL;
  if (lib->model && s->nchunks) {
    size_t need = s->nchunks * (size_t)lib->dim;
    if (need > s->vecs_cap) {
      float *v = realloc(s->vecs, need * sizeof *v);
      if (!v) return err_set(err, BRASS_ENOMEM, "index: out of memory for vectors");
      s->vecs = v;
      s->vecs_cap = need;
    }
    texts = malloc(s->nchunks * sizeof *texts);
    if (!texts) return err_set(err, BRASS_ENOMEM, "index: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < s->nfiles; i++)
      for (size_t j = 0; j < s->files[i].chunks.count; j++)
        texts[k++] = s->files[i].chunks.items[j].text;
    rc = brass_embed_as(lib->model, BRASS_PASSAGE, texts, s->nchunks, s->vecs, err);
    free(texts);
    if (rc) return rc;
  }
  if ((rc = store_begin(lib->st, err))) return rc;
  size_t off = 0;
  for (size_t i = 0; i < s->nfiles && !rc; i++) {
    const float *v = lib->model ? s->vecs + off * (size_t)lib->dim : NULL;
    rc = ing_write_file(s, &s->files[i], v, err);
    off += s->files[i].chunks.count;
  }
  if (!rc) rc = engine_bump_generation(lib->st, err);
  if (!rc) rc = store_commit(lib->st, err);
  if (rc) {
    brass_error ignored;
    store_rollback(lib->st, &ignored);
    return rc;
  }
  for (size_t i = 0; i < s->nfiles; i++) {
    ing_file *f = &s->files[i];
    if (f->source_id > 0)
      s->sum->updated++;
    else
      s->sum->added++;
    s->sum->chunks_embedded += lib->model ? (int64_t)f->chunks.count : 0;
    for (size_t j = 0; j < f->chunks.count; j++)
      s->sum->tokens += f->chunks.items[j].tokens + (lib->model ? 2 : 0);
    ing_file_free(f);
  }
  s->nfiles = 0;
  s->nchunks = 0;
  ing_report(s, NULL, NULL); /* the embedded chunks and tokens, for a progress display */
  return 0;
}

/* Moves source old (whose file is gone) to path, keeping its chunks and vectors. */
static int ing_rename(ing_state *s, const store_source *old, const char *path, int64_t size,
                      int64_t mtime_ns, brass_error *err) {
  store *st = s->lib->st;
  int rc = store_begin(st, err);
  if (!rc) rc = store_source_rename(st, old->id, path, err);
  if (!rc) rc = store_source_update(st, old->id, size, mtime_ns, old->sha256, err);
  if (!rc) rc = engine_bump_generation(st, err);
  if (!rc) rc = store_commit(st, err);
  if (rc) {
    brass_error ignored;
    store_rollback(st, &ignored);
  }
  return rc;
}

/* Handles one walked file. *kept is set to 1 when the library keeps a source for it. */
static int ing_file_one(ing_state *s, const char *path, int *kept, brass_error *err) {
  brass_library *lib = s->lib;
  const char *key = ing_key(s, path);
  *kept = 0;
  struct stat sb;
  if (stat(path, &sb)) {
    s->sum->skipped++;
    ing_report(s, key, "unreadable");
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
    s->sum->skipped++;
    ing_report(s, key, "unreadable");
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
  if (rc == 1) {
    sid = src.id;
    int same = !memcmp(src.sha256, sha, 32);
    store_source_clear(&src);
    if (same && !lib->keyword_only_vectors) {
      s->sum->unchanged++;
      rc = 0;
      goto done;
    }
  } else if (!s->root[0]) {
    rc = store_source_find_by_hash(lib->st, sha, &src, err);
    if (rc < 0) goto done;
    if (rc == 1 && !file_exists(src.path) && !lib->keyword_only_vectors) {
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
  /* queue it */
  if (s->nfiles == s->files_cap) {
    size_t c = s->files_cap ? s->files_cap * 2 : 16;
    ing_file *f = realloc(s->files, c * sizeof *f);
    if (!f) {
      rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
      goto done;
    }
    s->files = f;
    s->files_cap = c;
  }
  ing_file *f = &s->files[s->nfiles];
  memset(f, 0, sizeof *f);
  chunk_options co = {0};
  co.max_tokens = s->opt.chunk_tokens;
  if (lib->model) co.model_max_length = brass_model_max_length(lib->model);
  brass_error cerr;
  rc = chunk_document(lib->model ? lib->model->tok : NULL, data, len, kind, &co, &f->chunks, &cerr);
  if (rc && rc != BRASS_ENOMEM && extract_kind_is_document(kind)) {
    /* a broken or refused document (zip bomb, truncated, ...): skipped with the reason */
    chunk_list_free(&f->chunks);
    s->sum->skipped++;
    *kept = 0;
    ing_report(s, key, cerr.message);
    rc = 0;
    goto done;
  }
  if (rc && err) *err = cerr;
  if (rc) {
    chunk_list_free(&f->chunks);
    goto done;
  }
  f->path = strdup(key);
  if (!f->path) {
    chunk_list_free(&f->chunks);
    rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  f->size = (int64_t)len;
  f->mtime_ns = mtime_ns;
  memcpy(f->sha, sha, 32);
  f->source_id = sid;
  s->nfiles++;
  s->nchunks += f->chunks.count;
  rc = 0;
  if (s->nchunks >= (size_t)s->opt.batch_chunks) rc = ing_flush(s, err);
done:
  free(data);
  return rc;
}

/* Collects ids of sources under a walked root that the walk did not keep. */
typedef struct ing_gone {
  const ing_walk *w;
  const unsigned char *kept; /* per walked path */
  int64_t *ids;
  size_t n, cap;
} ing_gone;

static int ing_gone_fn(void *ctx, const store_source *s) {
  ing_gone *g = ctx;
  int under = 0;
  for (size_t r = 0; r < g->w->nroots && !under; r++)
    under = engine_path_under(s->path, g->w->roots[r], 0);
  if (!under) return 0;
  const char *key = s->path;
  char **hit = g->w->n ? bsearch(&key, g->w->paths, g->w->n, sizeof *g->w->paths, ing_cmp) : NULL;
  if (hit && g->kept[hit - g->w->paths]) return 0;
  return engine_ids_push(&g->ids, &g->n, &g->cap, s->id);
}

static int ing_remove_gone(ing_state *s, const ing_walk *w, const unsigned char *kept,
                           brass_error *err) {
  ing_gone g = {w, kept, NULL, 0, 0};
  int rc = store_source_foreach(s->lib->st, ing_gone_fn, &g, err);
  if (rc == BRASS_ENOMEM) rc = err_set(err, rc, "index: out of memory");
  if (!rc && g.n) {
    rc = store_begin(s->lib->st, err);
    for (size_t i = 0; i < g.n && !rc; i++) rc = store_source_delete(s->lib->st, g.ids[i], err);
    if (!rc) rc = engine_bump_generation(s->lib->st, err);
    if (!rc) rc = store_commit(s->lib->st, err);
    if (rc) {
      brass_error ignored;
      store_rollback(s->lib->st, &ignored);
    } else {
      s->sum->removed += (int64_t)g.n;
    }
  }
  free(g.ids);
  return rc;
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
  return lib->model ? engine_record_model(lib, err) : 0;
}

int brass_index(brass_library *lib, const char *const *paths, size_t n,
                const brass_index_options *opts, brass_index_summary *summary,
                brass_progress_fn progress, void *ctx, brass_error *err) {
  brass_index_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  if (!lib || (!paths && n)) return err_set(err, BRASS_EINVAL, "index: no library or paths");
  ing_state s;
  memset(&s, 0, sizeof s);
  s.lib = lib;
  if (opts) s.opt = *opts;
  if (s.opt.max_file_bytes <= 0) s.opt.max_file_bytes = ING_DEFAULT_MAX_BYTES;
  if (s.opt.batch_chunks <= 0) s.opt.batch_chunks = ING_DEFAULT_BATCH;
  s.sum = summary;
  s.progress = progress;
  s.ctx = ctx;
  clock_gettime(CLOCK_MONOTONIC, &s.t0);
  if (s.opt.root && *s.opt.root && !realpath(s.opt.root, s.root))
    return err_set(err, BRASS_EIO, "%s: %s", s.opt.root, strerror(errno));

  int rc = ing_bind_model(lib, err);
  if (rc) return rc;
  int64_t gen0 = engine_generation(lib->st, err);
  if (gen0 < 0) return (int)gen0;

  ing_walk w;
  memset(&w, 0, sizeof w);
  unsigned char *kept = NULL;
  rc = ing_walk_all(&w, paths, n, err);
  if (!rc && w.n && !(kept = calloc(w.n, 1)))
    rc = err_set(err, BRASS_ENOMEM, "index: out of memory");
  s.files_total = (int64_t)w.n;
  for (size_t i = 0; i < w.n && !rc; i++) {
    int k = 0;
    rc = ing_file_one(&s, w.paths[i], &k, err);
    kept[i] = (unsigned char)k;
    s.files_done++;
    if (!rc) ing_report(&s, ing_key(&s, w.paths[i]), NULL);
  }
  if (!rc) rc = ing_flush(&s, err);
  if (!rc && !s.root[0]) rc = ing_remove_gone(&s, &w, kept, err);
  if (!rc && lib->model) {
    lib->keyword_only_vectors = 0;
    rc = engine_graph_update(lib, gen0, err);
  }
  for (size_t i = 0; i < s.nfiles; i++) ing_file_free(&s.files[i]);
  free(s.files);
  free(s.vecs);
  free(kept);
  ing_walk_free(&w);
  summary->seconds = ing_seconds(&s.t0);
  return rc;
}
