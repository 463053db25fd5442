/*
 * walk.c - the walk behind brass_index (walk.h): opendir/readdir/lstat only (portable to
 * Emscripten). Hidden entries (".git" included) are skipped, and so are entries matched by
 * .gitignore files inside the walked folders (ignore.h); symlinks to files are followed, symlinks
 * to folders are not, so a link loop cannot hang the walk; depth is capped at WALK_MAX_DEPTH.
 * What cannot be examined (a folder that cannot be listed, an entry that cannot be stat'ed, a
 * folder past the depth cap) is recorded, never mistaken for "not there"; an entry that vanished
 * while walking (ENOENT) is simply not there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file.h"
#include "engine/engine.h"
#include "engine/ignore.h"
#include "engine/walk.h"

static int walk_push(char ***arr, size_t *n, size_t *cap, const char *s) {
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

void walk_free(walk_result *w) {
  for (size_t i = 0; i < w->n; i++) free(w->paths[i]);
  for (size_t i = 0; i < w->nroots; i++) free(w->roots[i]);
  for (size_t i = 0; i < w->nunseen; i++) free(w->unseen[i]);
  for (size_t i = 0; i < w->ngiven; i++) free(w->given[i]);
  free(w->given);
  free(w->paths);
  free(w->roots);
  free(w->unseen);
  free(w->too_deep_example);
  memset(w, 0, sizeof *w);
}

typedef struct walk_ctx {
  walk_result *w;
  walk_note_fn note;
  void *ctx;
  brass_error *err;
} walk_ctx;

/* Records path as not examined because of errno e (reported through the note callback). */
static int walk_unreadable(walk_ctx *c, const char *path, int e) {
  if (walk_push(&c->w->unseen, &c->w->nunseen, &c->w->unseen_cap, path))
    return err_set(c->err, BRASS_ENOMEM, "%s: out of memory", path);
  c->w->unreadable++;
  if (c->note) c->note(c->ctx, path, strerror(e));
  return 0;
}

/* Adds the regular files under dir (an absolute path) to w, honouring the .gitignore rules in
 * ign (plus dir's own). Path buffers are on the heap: the recursion is up to WALK_MAX_DEPTH deep
 * and WebAssembly thread stacks are small. */
static int walk_dir(walk_ctx *c, ignore_list *ign, const char *dir, int depth) {
  walk_result *w = c->w;
  if (depth > WALK_MAX_DEPTH) {
    if (walk_push(&w->unseen, &w->nunseen, &w->unseen_cap, dir))
      return err_set(c->err, BRASS_ENOMEM, "%s: out of memory", dir);
    if (!w->too_deep_example && !(w->too_deep_example = strdup(dir)))
      return err_set(c->err, BRASS_ENOMEM, "%s: out of memory", dir);
    w->too_deep++;
    return 0;
  }
  size_t nrules = ign->n;
  if (ignore_load(ign, dir)) return err_set(c->err, BRASS_ENOMEM, "%s: out of memory", dir);
  DIR *d = opendir(dir);
  int rc = 0;
  if (!d && errno != ENOENT) rc = walk_unreadable(c, dir, errno);
  char *path = d ? malloc(PATH_MAX) : NULL;
  if (d && !path) rc = err_set(c->err, BRASS_ENOMEM, "%s: out of memory", dir);
  while (d && !rc) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) rc = walk_unreadable(c, dir, errno); /* listed in part: keep what is under it */
      break;
    }
    if (e->d_name[0] == '.') continue; /* ".", "..", hidden files and folders, .git */
    if (path_join(path, PATH_MAX, dir, e->d_name)) continue;
    struct stat sb;
    if (lstat(path, &sb)) {
      if (errno != ENOENT) rc = walk_unreadable(c, path, errno);
      continue;
    }
    if (S_ISDIR(sb.st_mode)) {
      if (!ignore_match(ign, path, e->d_name, 1)) rc = walk_dir(c, ign, path, depth + 1);
    } else if (S_ISREG(sb.st_mode) ||
               (S_ISLNK(sb.st_mode) && !stat(path, &sb) && S_ISREG(sb.st_mode))) {
      if (ignore_match(ign, path, e->d_name, 0)) continue;
      if (walk_push(&w->paths, &w->n, &w->cap, path))
        rc = err_set(c->err, BRASS_ENOMEM, "%s: out of memory", dir);
    }
  }
  if (d) closedir(d);
  free(path);
  ignore_truncate(ign, nrules);
  return rc;
}

static int walk_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An argument must be readable itself: a folder that can be listed, a file that can be opened. */
static int walk_check_readable(const char *given, const char *abs, int is_dir, brass_error *err) {
  if (is_dir) {
    DIR *d = opendir(abs);
    if (!d)
      return err_set(err, BRASS_EIO, "%s: cannot read the folder: %s", given, strerror(errno));
    closedir(d);
    return 0;
  }
  int fd = open(abs, O_RDONLY);
  if (fd < 0)
    return err_set(err, BRASS_EIO, "%s: cannot read the file: %s", given, strerror(errno));
  close(fd);
  return 0;
}

int walk_all(walk_result *w, const char *const *paths, size_t n, walk_note_fn note, void *ctx,
             brass_error *err) {
  char abs[PATH_MAX];
  walk_ctx c = {w, note, ctx, err};
  for (size_t i = 0; i < n; i++) {
    struct stat sb;
    if (!paths[i] || !*paths[i]) return err_set(err, BRASS_EINVAL, "index: empty path");
    if (stat(paths[i], &sb) || !realpath(paths[i], abs))
      return err_set(err, BRASS_EIO, "%s: %s", paths[i], strerror(errno));
    if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
      return err_set(err, BRASS_EINVAL, "%s: not a regular file or folder", paths[i]);
    int rc = walk_check_readable(paths[i], abs, S_ISDIR(sb.st_mode), err);
    if (rc) return rc;
    if (S_ISDIR(sb.st_mode)) {
      if (walk_push(&w->roots, &w->nroots, &w->roots_cap, abs))
        return err_set(err, BRASS_ENOMEM, "%s: out of memory", paths[i]);
      ignore_list ign = {0};
      rc = walk_dir(&c, &ign, abs, 0);
      ignore_free(&ign);
      if (rc) return rc;
    } else if (walk_push(&w->paths, &w->n, &w->cap, abs) ||
               walk_push(&w->given, &w->ngiven, &w->given_cap, abs)) {
      return err_set(err, BRASS_ENOMEM, "%s: out of memory", paths[i]);
    }
  }
  if (w->n) qsort(w->paths, w->n, sizeof *w->paths, walk_cmp);
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

int walk_unseen(const walk_result *w, const char *path) {
  for (size_t i = 0; i < w->nunseen; i++)
    if (engine_path_under(path, w->unseen[i], 1)) return 1;
  return 0;
}

long walk_find(const walk_result *w, const char *path) {
  if (!w->n) return -1;
  char **hit = bsearch(&path, w->paths, w->n, sizeof *w->paths, walk_cmp);
  return hit ? (long)(hit - w->paths) : -1;
}
