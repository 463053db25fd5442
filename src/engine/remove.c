/*
 * remove.c - taking sources out of a library (brass_remove) and giving the space back
 * (brass_compact).
 *
 * Paths are matched against sources as brass_index stores them: absolute, symlinks resolved
 * (realpath) when the path still exists, otherwise normalised lexically (".", ".." and repeated
 * slashes folded), so a deleted file can still be removed. A path matches the source with exactly
 * that path and every source under it as a folder. A relative path also matches, as given,
 * sources stored relative to an index root (brass_index_options.root: "notes/a.md", "notes").
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "engine/engine.h"

/* Writes the absolute, normalised form of path into out (PATH_MAX bytes). */
static int rm_normalise(const char *path, char *out, brass_error *err) {
  if (realpath(path, out)) return 0;
  char joined[PATH_MAX * 2];
  if (path[0] == '/') {
    snprintf(joined, sizeof joined, "%s", path);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return err_set(err, BRASS_EIO, "%s: %s", path, strerror(errno));
    snprintf(joined, sizeof joined, "%s/%s", cwd, path);
  }
  /* fold components: invariant: out holds "/a/b" without a trailing slash (or "" for root) */
  size_t len = 0;
  const char *p = joined;
  while (*p) {
    while (*p == '/') p++;
    const char *e = p;
    while (*e && *e != '/') e++;
    size_t n = (size_t)(e - p);
    if (n == 0 || (n == 1 && p[0] == '.')) {
      /* nothing */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      while (len > 0 && out[len - 1] != '/') len--;
      if (len > 0) len--;
    } else {
      if (len + 1 + n >= PATH_MAX) return err_set(err, BRASS_EINVAL, "%s: path too long", path);
      out[len++] = '/';
      memcpy(out + len, p, n);
      len += n;
    }
    p = e;
  }
  if (len == 0) out[len++] = '/';
  out[len] = '\0';
  return 0;
}

/* Ids of the sources matched, and per path how many. */
typedef struct rm_match {
  char **paths;           /* normalised */
  const char *const *raw; /* as given: relative ones also match root-relative sources */
  size_t n;
  int64_t *matched; /* per path */
  int64_t *ids;
  size_t nids, cap;
} rm_match;

static int rm_match_fn(void *ctx, const store_source *s) {
  rm_match *m = ctx;
  int hit = 0;
  for (size_t i = 0; i < m->n; i++) {
    if (engine_path_under(s->path, m->paths[i], 1) ||
        (m->raw[i][0] != '/' && engine_path_under(s->path, m->raw[i], 1))) {
      m->matched[i]++;
      hit = 1;
    }
  }
  return hit ? engine_ids_push(&m->ids, &m->nids, &m->cap, s->id) : 0;
}

/* Deletes the matched sources and bumps the generation in one transaction. */
static int rm_delete(brass_library *lib, const rm_match *m, brass_remove_summary *sum,
                     brass_error *err) {
  store *st = lib->st;
  int rc = store_begin(st, err);
  int64_t before = rc ? 0 : store_chunk_count(st, err);
  if (before < 0) rc = (int)before;
  for (size_t i = 0; i < m->nids && !rc; i++) rc = store_source_delete(st, m->ids[i], err);
  int64_t after = rc ? 0 : store_chunk_count(st, err);
  if (after < 0) rc = (int)after;
  rc = engine_end_write(st, rc, 1, err);
  if (rc) return rc;
  sum->sources = (int64_t)m->nids;
  sum->chunks = before - after;
  return 0;
}

int brass_remove(brass_library *lib, const char *const *paths, size_t n, int64_t *matched,
                 brass_remove_summary *summary, brass_error *err) {
  brass_remove_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  if (!lib || !paths || !n) return err_set(err, BRASS_EINVAL, "remove: no library or paths");
  for (size_t i = 0; i < n; i++)
    if (!paths[i] || !*paths[i]) return err_set(err, BRASS_EINVAL, "remove: empty path");
  int lrc = store_lock_writer(lib->st, err); /* one writing run at a time (wait.c) */
  if (lrc) return lrc;
  int64_t gen0 = engine_generation(lib->st, err);
  if (gen0 < 0) {
    store_unlock_writer(lib->st);
    return (int)gen0;
  }
  rm_match m;
  memset(&m, 0, sizeof m);
  m.n = n;
  m.raw = paths;
  m.paths = calloc(n, sizeof *m.paths);
  m.matched = calloc(n, sizeof *m.matched);
  int rc = m.paths && m.matched ? 0 : err_set(err, BRASS_ENOMEM, "remove: out of memory");
  char abs[PATH_MAX];
  for (size_t i = 0; i < n && !rc; i++) {
    rc = rm_normalise(paths[i], abs, err);
    if (!rc && !(m.paths[i] = strdup(abs)))
      rc = err_set(err, BRASS_ENOMEM, "remove: out of memory");
  }
  if (!rc) rc = store_source_foreach(lib->st, rm_match_fn, &m, err);
  if (rc == BRASS_ENOMEM) rc = err_set(err, rc, "remove: out of memory");
  if (!rc && m.nids) rc = rm_delete(lib, &m, summary, err);
  if (!rc && m.nids && lib->model) rc = engine_graph_update(lib, gen0, err);
  if (!rc && matched) memcpy(matched, m.matched, n * sizeof *matched);
  for (size_t i = 0; m.paths && i < n; i++) free(m.paths[i]);
  free(m.paths);
  free(m.matched);
  free(m.ids);
  store_unlock_writer(lib->st);
  return rc;
}

int brass_compact(brass_library *lib, int64_t *bytes_before, int64_t *bytes_after,
                  brass_error *err) {
  if (!lib) return err_set(err, BRASS_EINVAL, "compact: no library");
  int rc = store_lock_writer(lib->st, err); /* one writing run at a time (wait.c) */
  if (rc) return rc;
  brass_library_info info;
  rc = brass_library_info_get(lib, &info, err);
  if (!rc && bytes_before) *bytes_before = info.file_bytes;
  if (!rc && lib->model && lib->dim > 0) rc = engine_graph_compact(lib, err);
  if (!rc) rc = store_vacuum(lib->st, err);
  if (!rc) rc = brass_library_info_get(lib, &info, err);
  if (!rc && bytes_after) *bytes_after = info.file_bytes;
  store_unlock_writer(lib->st);
  return rc;
}
