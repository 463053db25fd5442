#ifndef __EMSCRIPTEN__
/*
 * watch.c - `brass index --watch DIR...`: after the first indexing run, follows the folders with
 * inotify and brings the library up to date a moment after files change.
 *
 * Every folder the walk would enter gets a watch (new folders as they appear). Events only name
 * paths: they are collected in a pending set and handled together once no event came for
 * WATCH_QUIET_MS (or WATCH_MAX_WAIT_MS after the first, under a steady stream), so an editor's
 * save (write a temporary file, rename it over the original, delete the backup) is one update.
 * Then each pending path is looked at as it is now: a folder is indexed (brass_index walks it and
 * drops what vanished or became ignored under it, so a .gitignore change re-indexes its folder), a
 * file the walk would take is indexed, a path that is gone or now skipped is removed
 * (brass_remove; a folder removes everything under it). Indexing runs before removal so that a
 * move keeps its vectors (brass_index's rename detection). A queue overflow re-indexes the roots.
 *
 * Ctrl-C / SIGTERM: between updates the loop waits in ppoll with the signals unblocked only there,
 * and returns cleanly; during an update the signal is noted and the loop stops after it (every
 * batch is its own transaction, so even a second signal, which ends the process at once, leaves a
 * consistent library).
 */
#define _GNU_SOURCE /* ppoll */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define WATCH_QUIET_MS 200
#define WATCH_MAX_WAIT_MS 1000
#define WATCH_MAX_DEPTH 64
#define WATCH_MASK                                                                         \
  (IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | \
   IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

typedef struct strlist {
  char **v;
  size_t n, cap;
} strlist;

struct watcher {
  int fd;
  brass_library *lib;
  const brass_index_options *io;
  int quiet;
  strlist roots;
  char **wd_path; /* indexed by watch descriptor */
  int wd_cap;
  int nwatches;
  strlist pending;
  int rescan;
};

static volatile sig_atomic_t watch_signals;

static void watch_on_signal(int sig) {
  if (++watch_signals >= 2) { /* a second one while updating: stop now */
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

static double watch_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static int list_add(strlist *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->v[i], s)) return 0;
  if (l->n == l->cap) {
    size_t c = l->cap ? l->cap * 2 : 32;
    char **v = realloc(l->v, c * sizeof *v);
    if (!v) return -1;
    l->v = v;
    l->cap = c;
  }
  if (!(l->v[l->n] = strdup(s))) return -1;
  l->n++;
  return 0;
}

static void list_clear(strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  l->n = 0;
}

static void list_free(strlist *l) {
  list_clear(l);
  free(l->v);
  l->v = NULL;
  l->cap = 0;
}

/* The watched root that path lies in (NULL if none). */
static const char *watch_root_of(const watcher *w, const char *path) {
  const char *best = NULL;
  for (size_t i = 0; i < w->roots.n; i++) {
    size_t n = strlen(w->roots.v[i]);
    if (!strncmp(path, w->roots.v[i], n) && (path[n] == '/' || !path[n]) &&
        (!best || n > strlen(best)))
      best = w->roots.v[i];
  }
  return best;
}

static int watch_set_path(watcher *w, int wd, const char *path) {
  if (wd >= w->wd_cap) {
    int cap = w->wd_cap ? w->wd_cap : 256;
    while (cap <= wd) cap *= 2;
    char **v = realloc(w->wd_path, (size_t)cap * sizeof *v);
    if (!v) return -1;
    memset(v + w->wd_cap, 0, (size_t)(cap - w->wd_cap) * sizeof *v);
    w->wd_path = v;
    w->wd_cap = cap;
  }
  char *copy = strdup(path);
  if (!copy) return -1;
  if (!w->wd_path[wd]) w->nwatches++;
  free(w->wd_path[wd]);
  w->wd_path[wd] = copy;
  return 0;
}

/* Watches dir and every folder below it that the walk would enter. dir may be a watched path
 * that this replaces, so it is copied first. */
static void watch_tree(watcher *w, const char *dir_arg, int depth) {
  char dir[PATH_MAX];
  if (snprintf(dir, sizeof dir, "%s", dir_arg) >= (int)sizeof dir) return;
  const char *root = watch_root_of(w, dir);
  if (!root || depth > WATCH_MAX_DEPTH || (strcmp(root, dir) && brass_index_skips(root, dir)))
    return;
  int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
  if (wd < 0) {
    if (!w->quiet && errno != ENOENT && errno != ENOTDIR)
      fprintf(stderr, "brass: watch: %s: %s\n", dir, strerror(errno));
    return;
  }
  if (watch_set_path(w, wd, dir)) return;
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[PATH_MAX];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    struct stat sb;
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
    if (lstat(path, &sb) || !S_ISDIR(sb.st_mode)) continue;
    watch_tree(w, path, depth + 1);
  }
  closedir(d);
}

/* Reads and sorts the events waiting on the inotify descriptor into the pending set. */
static void watch_read(watcher *w) {
  _Alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t len = read(w->fd, buf, sizeof buf);
    if (len <= 0) return;
    for (char *p = buf; p < buf + len;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        w->rescan = 1;
        continue;
      }
      if (ev->wd < 0 || ev->wd >= w->wd_cap || !w->wd_path[ev->wd]) continue;
      char dir[PATH_MAX]; /* a copy: watch_tree may replace the stored path */
      snprintf(dir, sizeof dir, "%s", w->wd_path[ev->wd]);
      if (ev->mask & IN_IGNORED) {
        free(w->wd_path[ev->wd]);
        w->wd_path[ev->wd] = NULL;
        w->nwatches--;
        continue;
      }
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (list_add(&w->pending, dir)) w->rescan = 1;
        continue;
      }
      if (!ev->len) continue;
      char path[PATH_MAX];
      if (snprintf(path, sizeof path, "%s/%s", dir, ev->name) >= (int)sizeof path) continue;
      if (!strcmp(ev->name, ".gitignore")) {
        /* re-walk the folder: newly ignored files go, newly allowed ones come */
        if (list_add(&w->pending, dir)) w->rescan = 1;
        watch_tree(w, dir, 0);
        continue;
      }
      if (ev->name[0] == '.') continue; /* hidden: editors' swap files, .git */
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) watch_tree(w, path, 0);
      if (!(ev->mask & IN_ISDIR) && (ev->mask & IN_CREATE)) continue; /* CLOSE_WRITE follows */
      if (list_add(&w->pending, path)) w->rescan = 1;
    }
  }
}

/* Brings the library up to date with the pending paths. */
static void watch_update(watcher *w) {
  strlist idx = {0}, rm = {0};
  int oom = 0;
  if (w->rescan) {
    for (size_t i = 0; i < w->roots.n; i++) oom |= list_add(&idx, w->roots.v[i]);
  } else {
    for (size_t i = 0; i < w->pending.n; i++) {
      const char *p = w->pending.v[i], *root = watch_root_of(w, p);
      struct stat sb;
      int exists = !stat(p, &sb) && (S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode));
      if (exists && root && !brass_index_skips(root, p))
        oom |= list_add(&idx, p);
      else
        oom |= list_add(&rm, p);
    }
  }
  if (oom) fprintf(stderr, "brass: watch: out of memory collecting changes\n");
  list_clear(&w->pending);
  w->rescan = 0;
  brass_index_summary sum;
  memset(&sum, 0, sizeof sum);
  brass_remove_summary rs;
  memset(&rs, 0, sizeof rs);
  brass_error err;
  double t0 = watch_now_ms();
  int rc = 0;
  if (idx.n) {
    brass_index_options io = *w->io;
    io.not_explicit = 1; /* changed files, not files the user named */
    rc = brass_index(w->lib, (const char *const *)idx.v, idx.n, &io, &sum, NULL, NULL, &err);
    if (rc) cli_line(stderr, "brass: watch: %s", err.message); /* e.g. deleted meanwhile */
  }
  if (rm.n && brass_remove(w->lib, (const char *const *)rm.v, rm.n, NULL, &rs, &err))
    cli_line(stderr, "brass: watch: %s", err.message);
  if (!w->quiet && (sum.added || sum.updated || sum.removed || rs.sources))
    fprintf(stderr,
            "brass: watch: %lld added, %lld updated, %lld removed (%lld renamed) in %.2f s\n",
            (long long)sum.added, (long long)sum.updated, (long long)(sum.removed + rs.sources),
            (long long)sum.renamed, (watch_now_ms() - t0) / 1e3);
  list_free(&idx);
  list_free(&rm);
}

void cli_watch_close(watcher *w) {
  if (!w) return;
  if (w->fd >= 0) close(w->fd);
  for (int i = 0; i < w->wd_cap; i++) free(w->wd_path[i]);
  free(w->wd_path);
  list_free(&w->pending);
  list_free(&w->roots);
  free(w);
}

int cli_watch_open(char *const *paths, size_t n, int quiet, watcher **out) {
  *out = NULL;
  watcher *w = calloc(1, sizeof *w);
  if (!w) return cli_error(CLI_FAIL, "out of memory");
  w->fd = -1;
  w->quiet = quiet;
  for (size_t i = 0; i < n; i++) {
    char abs[PATH_MAX];
    struct stat sb;
    if (!realpath(paths[i], abs) || stat(abs, &sb) || !S_ISDIR(sb.st_mode)) {
      cli_watch_close(w);
      return cli_error(CLI_USAGE, "index --watch: %s: not a folder (--watch follows folders)",
                       paths[i]);
    }
    if (list_add(&w->roots, abs)) {
      cli_watch_close(w);
      return cli_error(CLI_FAIL, "out of memory");
    }
  }
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd < 0) {
    int e = errno;
    cli_watch_close(w);
    return cli_error(CLI_FAIL, "index --watch: inotify: %s", strerror(e));
  }
  /* watches go up before the first run, so changes made during it are queued */
  for (size_t i = 0; i < w->roots.n; i++) watch_tree(w, w->roots.v[i], 0);
  *out = w;
  return CLI_OK;
}

int cli_watch_run(watcher *wp, brass_library *lib, const brass_index_options *io) {
  watcher w = *wp; /* a local copy for the loop; written back and freed at the end */
  w.lib = lib;
  w.io = io;
  int quiet = w.quiet;
  double first = watch_now_ms(), last = first;

  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  struct sigaction act, old_int, old_term;
  memset(&act, 0, sizeof act);
  act.sa_handler = watch_on_signal;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  sigaction(SIGINT, &act, &old_int);
  sigaction(SIGTERM, &act, &old_term);
  if (!quiet)
    fprintf(stderr, "brass: watching %zu folder%s (%d watches); Ctrl-C stops\n", w.roots.n,
            w.roots.n == 1 ? "" : "s", w.nwatches);
  while (!watch_signals) {
    int pending = w.rescan || w.pending.n;
    double now = watch_now_ms();
    if (pending && (now - last >= WATCH_QUIET_MS || now - first >= WATCH_MAX_WAIT_MS)) {
      watch_update(&w);
      continue;
    }
    double wait = pending ? WATCH_QUIET_MS - (now - last) : -1;
    if (pending && WATCH_MAX_WAIT_MS - (now - first) < wait)
      wait = WATCH_MAX_WAIT_MS - (now - first);
    struct timespec ts = {0, 0}, *tp = NULL;
    if (wait >= 0) {
      ts.tv_sec = (time_t)(wait / 1e3);
      ts.tv_nsec = (long)((wait - 1e3 * (double)ts.tv_sec) * 1e6);
      tp = &ts;
    }
    /* signals are handled only inside ppoll here, so none is lost between the check and the wait */
    pthread_sigmask(SIG_BLOCK, &block, &old);
    struct pollfd pfd = {w.fd, POLLIN, 0};
    sigset_t during = old;
    sigdelset(&during, SIGINT);
    sigdelset(&during, SIGTERM);
    int r = watch_signals ? 0 : ppoll(&pfd, 1, tp, &during);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r > 0) {
      if (!pending) first = watch_now_ms();
      watch_read(&w);
      last = watch_now_ms();
    }
  }
  if (!quiet)
    fprintf(stderr, "brass: watch: stopped; the library is up to date to the last update\n");
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  *wp = w;
  cli_watch_close(wp);
  return CLI_OK;
}
#endif
