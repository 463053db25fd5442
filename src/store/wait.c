/*
 * wait.c - how long a library handle waits for other processes, and the writer lock.
 *
 * Two locks decide who may write. SQLite's write lock is held for one transaction (an ingest
 * batch, a graph save by a search); waiting for it is the busy handler below. A whole writing run
 * (index, remove, compact) also holds an advisory flock on "<library>-lock" from start to end, so
 * that a second indexer waits for the first to finish instead of interleaving its batches with
 * it (or failing after SQLite's old 5 s timeout, as five runs of the 30-minute soak did). Readers
 * take neither and are never blocked (WAL). Both waits are bounded by the handle's wait_ms
 * (STORE_WAIT_DEFAULT_MS unless store_set_wait says otherwise; 0 fails at once); once a wait has
 * lasted STORE_WAIT_NOTICE_MS the handle's notice callback is called, once per handle.
 *
 * The lock file is a separate file because closing any descriptor of the library file would drop
 * SQLite's POSIX locks on it. It exists only while a run holds it (the holder removes it before
 * letting go); a flock is released by the kernel when its holder dies (kill -9), which leaves
 * the empty file behind for the next run to lock.
 * WebAssembly builds take no lock file (one handle per library per process, exclusive locking).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_internal.h"

#define STORE_WAIT_NOTICE_MS 1000

static int64_t wait_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wait_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) && errno == EINTR) {
  }
}

/* Sleeps one step of a wait that began at t0: short steps first (a batch commit takes
 * milliseconds), then 100 ms. Returns 0 when the wait is over (the caller gives up). */
static int wait_step(store *st, int64_t t0, int step, const char *what) {
  int64_t waited = wait_now_ms() - t0;
  if (waited >= st->wait_ms) return 0;
  if (waited >= STORE_WAIT_NOTICE_MS && !st->wait_noticed) {
    st->wait_noticed = 1;
    if (st->wait_fn) st->wait_fn(st->wait_ctx, st->path, what);
  }
  static const int steps[] = {1, 2, 5, 10, 20, 50};
  int ms = step < (int)(sizeof steps / sizeof steps[0]) ? steps[step] : 100;
  if (ms > st->wait_ms - waited) ms = (int)(st->wait_ms - waited);
  wait_sleep_ms(ms);
  return 1;
}

static int store_busy(void *p, int count) {
  store *st = p;
  if (count == 0) st->busy_t0 = wait_now_ms();
  return wait_step(st, st->busy_t0, count, "writing to");
}

void store_wait_install(store *st) {
  sqlite3_busy_handler(st->db, st->wait_ms > 0 ? store_busy : NULL, st);
}

void store_set_wait(store *st, int wait_ms, store_wait_fn fn, void *ctx) {
  st->wait_ms = wait_ms < 0 ? STORE_WAIT_DEFAULT_MS : wait_ms;
  st->wait_fn = fn;
  st->wait_ctx = ctx;
  st->wait_noticed = 0;
  if (st->db) store_wait_install(st);
}

int store_wait_ms(const store *st) {
  return st->wait_ms;
}

#ifdef __EMSCRIPTEN__
int store_lock_writer(store *st, brass_error *err) {
  (void)err;
  st->lock_depth++;
  return 0;
}
void store_unlock_writer(store *st) {
  if (st->lock_depth > 0) st->lock_depth--;
}
#else
/* Opens the lock file and takes the flock without waiting: 1 taken, 0 held by another process,
 * negative on error. A lock file removed meanwhile (its holder finished) is not the one others
 * lock: then it retries on a new one. */
static int lock_try(store *st, const char *lpath, brass_error *err) {
  for (;;) {
    int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return err_set(err, BRASS_EIO, "%s: cannot create the lock file %s: %s", st->path, lpath,
                     strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      close(fd);
      if (e == EWOULDBLOCK || e == EINTR) return 0;
      return err_set(err, BRASS_EIO, "%s: cannot lock %s: %s", st->path, lpath, strerror(e));
    }
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(lpath, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
      st->lock_fd = fd;
      return 1;
    }
    close(fd);
  }
}

int store_lock_writer(store *st, brass_error *err) {
  if (st->readonly)
    return err_set(err, BRASS_EINVAL,
                   "%s: the library is open read-only (it, or its folder, is not writable)",
                   st->path);
  if (st->lock_depth > 0) {
    st->lock_depth++;
    return 0;
  }
  char lpath[4096];
  if (snprintf(lpath, sizeof lpath, "%s-lock", st->path) >= (int)sizeof lpath)
    return err_set(err, BRASS_EINVAL, "%s: path too long", st->path);
  int64_t t0 = wait_now_ms();
  for (int step = 0;; step++) {
    int rc = lock_try(st, lpath, err);
    if (rc < 0) return rc;
    if (rc == 1) break;
    if (!wait_step(st, t0, step, "indexing"))
      return st->wait_ms > 0 ? err_set(err, BRASS_EIO,
                                       "%s: the library is locked by another process (still "
                                       "indexing, removing or compacting it after %d s)",
                                       st->path, (st->wait_ms + 999) / 1000)
                             : err_set(err, BRASS_EIO,
                                       "%s: the library is locked by another process (indexing, "
                                       "removing or compacting it)",
                                       st->path);
  }
  st->lock_depth = 1;
  return 0;
}

void store_unlock_writer(store *st) {
  if (st->lock_depth <= 0) return;
  if (--st->lock_depth > 0) return;
  /* The holder removes the file while it still holds it (so no file is left beside the library);
   * a waiter that then gets the old file's lock sees it is gone and retries on a new one. */
  char lpath[4096];
  if (snprintf(lpath, sizeof lpath, "%s-lock", st->path) < (int)sizeof lpath) unlink(lpath);
  if (st->lock_fd >= 0) close(st->lock_fd); /* closing releases the flock */
  st->lock_fd = -1;
}
#endif
