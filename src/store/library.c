/*
 * library.c - opening and closing a library file, transactions, and the helpers every store file
 * uses (statement cache, error mapping).
 *
 * Opening checks, in order: the file is SQLite (else "not an SQLite database"), it is a brass
 * library or empty (application_id, or no tables yet), its schema is not newer than this binary;
 * an empty file or database becomes a library only when the open may create one.
 * Then a writable open switches to WAL (readers never block the single writer), turns foreign keys
 * on (cascading deletes depend on it) and migrates. Every connection waits for locks as
 * wait.c says (10 minutes unless the caller sets another wait).
 *
 * Permissions are checked before SQLite sees the path, so that messages name the cause (a
 * missing or unwritable folder, a read-only file) instead of "unable to open database file". A
 * reader (STORE_READ_FALLBACK) of a library it may not write opens it read-only; when the folder
 * cannot hold WAL's -wal/-shm files either, it opens it immutable (see store.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

sqlite3 *store_db(store *st) {
  return st->db;
}
const char *store_path(const store *st) {
  return st->path;
}

int store_sqlerr(store *st, int rc, const char *what, brass_error *err) {
  const char *path = st ? st->path : "?";
  if (st && st->tx) st->tx_failed = 1;
  int saved_errno = errno;
  const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
  /* A failed write reaches SQLite as an I/O error; the system's errno says whether the disk (or a
   * quota or file size limit) is full, which deserves the plain message below. SQLite 3.40 does
   * not always record it (sqlite3_system_errno answers 0 after a failed WAL write), but errno
   * still holds it when this runs right after the failed call. */
  int sys = (rc & 0xff) == SQLITE_IOERR && st && st->db ? sqlite3_system_errno(st->db) : 0;
  int full = saved_errno == ENOSPC || saved_errno == EFBIG || saved_errno == EDQUOT;
  if ((rc & 0xff) == SQLITE_IOERR && !sys && full) sys = saved_errno;
  if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT) rc = SQLITE_FULL;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return err_set(err, BRASS_EIO,
                     "%s: disk full (or the library reached its size limit) while %s%s%s%s", path,
                     what, sys ? " (" : "", sys ? strerror(sys) : "", sys ? ")" : "");
    case SQLITE_IOERR:
      return err_set(err, BRASS_EIO, "%s: %s: %s%s%s%s", path, what, msg, sys ? " (" : "",
                     sys ? strerror(sys) : "", sys ? ")" : "");
    case SQLITE_NOTADB:
      return err_set(err, BRASS_EFORMAT,
                     "%s: not a brass library (the file is not an SQLite database)", path);
    case SQLITE_CORRUPT:
      return err_set(err, BRASS_EFORMAT, "%s: the library file is corrupt (%s) while %s", path, msg,
                     what);
    case SQLITE_CONSTRAINT:
      return err_set(err, BRASS_EINVAL, "%s: %s: %s", path, what, msg);
    case SQLITE_NOMEM:
      return err_set(err, BRASS_ENOMEM, "%s: out of memory while %s", path, what);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return err_set(err, BRASS_EIO, "%s: the library is locked by another process while %s", path,
                     what);
    default:
      return err_set(err, BRASS_EIO, "%s: %s: %s", path, what, msg);
  }
}

int store_check_tx(store *st, brass_error *err) {
  if (st->tx && (st->tx_failed || sqlite3_get_autocommit(st->db)))
    return err_set(err, BRASS_EIO,
                   "%s: the batch failed earlier and was not written; roll it back and retry",
                   st->path);
  return 0;
}

int store_stmt(store *st, const char *sql, sqlite3_stmt **out, brass_error *err) {
  int trc = store_check_tx(st, err);
  if (trc < 0) return trc;
  for (int i = 0; i < st->ncache; i++)
    if (st->cache[i].sql == sql) {
      *out = st->cache[i].stmt;
      return 0;
    }
  sqlite3_stmt *s = NULL;
  int keep = st->ncache < STORE_STMT_CACHE;
  int rc = sqlite3_prepare_v3(st->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &s, NULL);
  if (rc != SQLITE_OK) return store_sqlerr(st, rc, "preparing a query", err);
  if (!keep) {
    /* Cache full (a programming error: raise STORE_STMT_CACHE); evict the oldest entry. */
    sqlite3_finalize(st->cache[0].stmt);
    memmove(st->cache, st->cache + 1, sizeof st->cache[0] * (STORE_STMT_CACHE - 1));
    st->ncache--;
  }
  st->cache[st->ncache].sql = sql;
  st->cache[st->ncache].stmt = s;
  st->ncache++;
  *out = s;
  return 0;
}

void store_stmt_done(sqlite3_stmt *s) {
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

int store_exec(store *st, const char *sql, const char *what, brass_error *err) {
  int rc = store_check_tx(st, err);
  if (rc < 0) return rc;
  rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : store_sqlerr(st, rc, what, err);
}

/* Reads one integer pragma (application_id, user_version) into *v. */
static int store_pragma_int(store *st, const char *sql, int *v, brass_error *err) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    *v = sqlite3_column_int(s, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(s);
  return rc == SQLITE_OK ? 0 : store_sqlerr(st, rc, "reading the library header", err);
}

int store_schema_version(store *st) {
  int v = -1;
  if (store_pragma_int(st, "PRAGMA user_version", &v, NULL) < 0) return -1;
  return v;
}

/* Checks the file is a brass library (or an empty database about to become one) whose schema this
 * binary understands. Sets *version to the schema version found. */
static int store_check_header(store *st, int *version, brass_error *err) {
  int app = 0, ver = 0, tables = 0;
  /* One read transaction: another process may be creating the library meanwhile, and separate
   * reads could see its committed tables after reading the header from before its commit. */
  sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
  int rc = store_pragma_int(st, "PRAGMA application_id", &app, err);
  if (rc == 0) rc = store_pragma_int(st, "PRAGMA user_version", &ver, err);
  if (rc == 0) rc = store_pragma_int(st, "SELECT count(*) FROM sqlite_master", &tables, err);
  if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
  if (rc < 0) return rc;
  if (app != 0 && app != STORE_APPLICATION_ID)
    return err_set(err, BRASS_EFORMAT,
                   "%s: not a brass library (an SQLite database of another application, id 0x%08x)",
                   st->path, (unsigned)app);
  if (app == 0 && tables > 0)
    return err_set(err, BRASS_EFORMAT,
                   "%s: not a brass library (an SQLite database with other tables)", st->path);
  if (ver > STORE_SCHEMA_VERSION)
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: library schema version %d is newer than this brass %s understands (%d); "
                   "upgrade brass to open it",
                   st->path, ver, BRASS_VERSION, STORE_SCHEMA_VERSION);
  *version = ver;
  return 0;
}

int store_open(const char *path, store **out, brass_error *err) {
  return store_open_flags(path, 0, out, err);
}

int store_is_readonly(const store *st) {
  return st->readonly;
}

/* The folder part of path into buf ("." for a bare name, "/" for a file in the root). */
static void store_dir_of(const char *path, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", path);
  char *slash = strrchr(buf, '/');
  if (!slash)
    snprintf(buf, cap, ".");
  else if (slash == buf)
    buf[1] = '\0';
  else
    *slash = '\0';
}

/* 1 for a path that a WebAssembly SQLite VFS keeps outside the file system (wasm/opfs_vfs.c
 * stores "/opfs/..." names in the browser's Origin Private File System): stat() cannot see those
 * files or their folder, so only SQLite's own errors apply to them. */
static int store_path_in_vfs(const char *path) {
#ifdef __EMSCRIPTEN__
  return strncmp(path, "/opfs/", 6) == 0;
#else
  (void)path;
  return 0;
#endif
}

/* Why a new library cannot be created at path (its folder missing, not a folder or not
 * writable); 0 when it can, as far as the file system's permissions tell. */
static int store_check_creatable(const char *path, brass_error *err) {
  char dir[PATH_MAX];
  store_dir_of(path, dir, sizeof dir);
  struct stat ds;
  if (stat(dir, &ds) != 0)
    return err_set(err, BRASS_EIO, "%s: cannot create the library: folder %s %s", path, dir,
                   errno == ENOENT ? "does not exist" : strerror(errno));
  if (!S_ISDIR(ds.st_mode))
    return err_set(err, BRASS_EIO, "%s: cannot create the library: %s is not a folder", path, dir);
  if (access(dir, W_OK | X_OK) != 0)
    return err_set(err, BRASS_EIO, "%s: cannot create the library in folder %s: %s", path, dir,
                   strerror(errno));
  return 0;
}

/* 0 when the library file and its folder (which must hold the -wal and -shm files of WAL mode)
 * can be written; otherwise the errno of the file (*in_dir 0) or of the folder (*in_dir 1). */
static int store_write_errno(const char *path, int *in_dir) {
  char dir[PATH_MAX];
  *in_dir = 0;
  if (access(path, W_OK) != 0) return errno;
  store_dir_of(path, dir, sizeof dir);
  *in_dir = 1;
  if (access(dir, W_OK | X_OK) != 0) return errno;
  return 0;
}

/* "file:PATH?immutable=1" with PATH percent-encoded where URI syntax needs it. */
static char *store_immutable_uri(const char *path) {
  size_t n = strlen(path);
  char *u = malloc(3 * n + 32);
  if (!u) return NULL;
  size_t k = (size_t)sprintf(u, path[0] == '/' ? "file://" : "file:");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)path[i];
    if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7F)
      k += (size_t)sprintf(u + k, "%%%02X", c);
    else
      u[k++] = (char)c;
  }
  strcpy(u + k, "?immutable=1");
  return u;
}

int store_open_flags(const char *path, int flags, store **out, brass_error *err) {
  *out = NULL;
  if (!path || !*path) return err_set(err, BRASS_EINVAL, "store_open: empty library path");
  int readonly = (flags & STORE_READONLY) != 0;
  struct stat sb;
  int exists = stat(path, &sb) == 0;
  if (!exists && (readonly || (flags & STORE_NOCREATE)))
    return err_set(err, BRASS_EIO, "%s: no such library", path);
  if (exists && !S_ISREG(sb.st_mode))
    return err_set(err, BRASS_EIO, "%s: not a brass library (not a regular file)", path);
  if (!exists && !store_path_in_vfs(path)) {
    int crc = store_check_creatable(path, err);
    if (crc < 0) return crc;
  }
  int in_dir = 0, werr = exists && !readonly ? store_write_errno(path, &in_dir) : 0;
  if (werr && !(flags & STORE_READ_FALLBACK)) {
    char dir[PATH_MAX];
    store_dir_of(path, dir, sizeof dir);
    if (in_dir)
      return err_set(err, BRASS_EIO,
                     "%s: cannot write to the library: its folder %s is not writable (%s), and "
                     "SQLite keeps its -wal and -shm files there",
                     path, dir, strerror(werr));
    return err_set(err, BRASS_EIO, "%s: cannot write to the library: %s", path, strerror(werr));
  }
  if (werr) readonly = 1; /* a reader of a library it may not write: read-only, see store.h */
  /* A reader that may not write reads the file as it is (SQLite's immutable=1: no locks, and no
   * -wal/-shm files created, which in a shared folder would belong to the wrong user or could not
   * be created at all), unless a -wal file holds commits not yet merged into the file: then it
   * reads through the WAL, which needs the -shm file to exist or its folder to be writable. */
  int immutable = 0;
  if (readonly) {
    char dir[PATH_MAX], side[PATH_MAX + 8];
    store_dir_of(path, dir, sizeof dir);
    struct stat ws;
    int wal_full = snprintf(side, sizeof side, "%s-wal", path) < (int)sizeof side &&
                   stat(side, &ws) == 0 && ws.st_size > 0;
    int dir_ro = access(dir, W_OK | X_OK) != 0;
    int shm = snprintf(side, sizeof side, "%s-shm", path) < (int)sizeof side && !stat(side, &ws);
    if (!wal_full && (werr || dir_ro)) immutable = 1;
    if (wal_full && dir_ro && !shm)
      return err_set(err, BRASS_EIO,
                     "%s: cannot read the library: its folder %s is not writable and %s-wal "
                     "holds changes not yet written into the library (open it once with write "
                     "access, e.g. 'brass status' as its owner)",
                     path, dir, path);
  }
  store *st = calloc(1, sizeof *st);
  if (!st) return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  st->path = strdup(path);
  st->readonly = readonly;
  st->model_dim = -1;
  st->lock_fd = -1;
  st->wait_ms = STORE_WAIT_DEFAULT_MS;
  if (!st->path) {
    free(st);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  }
  int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  char *uri = immutable ? store_immutable_uri(path) : NULL;
  if (immutable && !uri) {
    store_close(st);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  }
  int rc = sqlite3_open_v2(uri ? uri : path, &st->db, oflags | (uri ? SQLITE_OPEN_URI : 0), NULL);
  free(uri);
  int ret = 0;
  if (rc != SQLITE_OK) {
    ret = err_set(err, rc == SQLITE_NOMEM ? BRASS_ENOMEM : BRASS_EIO, "%s: cannot open library: %s",
                  path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    goto fail;
  }
  sqlite3_extended_result_codes(st->db, 1);
  store_wait_install(st);
#ifdef __EMSCRIPTEN__
  /* Emscripten's file systems cannot share the WAL index through mmap (reopening a WAL library
   * hangs): keep the index in heap memory by holding the file exclusively. One handle per library
   * per process in WebAssembly. */
  if ((ret = store_exec(st, "PRAGMA locking_mode=EXCLUSIVE", "configuring the library", err)) < 0)
    goto fail;
#endif

  int version = 0;
  if ((ret = store_check_header(st, &version, err)) < 0) goto fail;
  if (version == 0 && (flags & STORE_NOCREATE)) {
    /* An empty file (or empty database) is no library yet: only a creating open makes it one, so
     * that searching it never writes a schema into a file the user named by mistake. */
    ret = err_set(err, BRASS_EFORMAT,
                  exists && sb.st_size == 0 ? "%s: not a brass library (an empty file)"
                                            : "%s: not a brass library (an empty database)",
                  path);
    goto fail;
  }
  if (readonly) {
    if (version < STORE_SCHEMA_VERSION) {
      ret = err_set(err, BRASS_EUNSUPPORTED,
                    version == 0 ? "%s: not a brass library (empty database)"
                                 : "%s: library schema is older than this brass; index into it "
                                   "once (opening it for writing migrates it)",
                    path);
      goto fail;
    }
    if ((ret = store_exec(st, "PRAGMA foreign_keys=ON", "configuring the library", err)) < 0)
      goto fail;
  } else {
    /* WAL must be set outside a transaction; the result row says which mode is in effect. */
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    int wal =
        rc == SQLITE_ROW && sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
      ret = store_sqlerr(st, rc, "switching to WAL mode", err);
      goto fail;
    }
    if (!wal) {
      ret = err_set(err, BRASS_EUNSUPPORTED,
                    "%s: the library's file system does not support SQLite's WAL mode", path);
      goto fail;
    }
    if ((ret = store_exec(st, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL",
                          "configuring the library", err)) < 0)
      goto fail;
    if (version < STORE_SCHEMA_VERSION && (ret = store_migrate(st, err)) < 0) goto fail;
  }
  *out = st;
  return 0;
fail:
  store_close(st);
  return ret;
}

void store_close(store *st) {
  if (!st) return;
  for (int i = 0; i < st->ncache; i++) sqlite3_finalize(st->cache[i].stmt);
  if (st->db) {
    if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(st->db);
  }
  while (st->lock_depth > 0) store_unlock_writer(st);
  free(st->path);
  free(st);
}

/* ---- transactions -----------------------------------------------------------------------------
 */

int store_in_transaction(const store *st) {
  return st->tx || !sqlite3_get_autocommit(st->db);
}

int store_begin(store *st, brass_error *err) {
  if (st->readonly)
    return err_set(err, BRASS_EINVAL,
                   "%s: the library is open read-only (it, or its folder, is not writable)",
                   st->path);
  if (store_in_transaction(st))
    return err_set(err, BRASS_EINVAL, "%s: a transaction is already open", st->path);
  int rc = store_exec(st, "BEGIN IMMEDIATE", "starting a transaction", err);
  if (rc == 0) {
    st->tx = 1;
    st->tx_failed = 0;
  }
  return rc;
}

int store_try_begin(store *st, brass_error *err) {
  sqlite3_busy_handler(st->db, NULL, NULL);
  int rc = store_begin(st, err);
  store_wait_install(st);
  return rc;
}

int store_commit(store *st, brass_error *err) {
  if (!st->tx) return err_set(err, BRASS_EINVAL, "%s: no transaction to commit", st->path);
  int rc = store_check_tx(st, err);
  if (rc == 0) rc = store_exec(st, "COMMIT", "committing", err);
  /* A failed COMMIT (e.g. disk full) may leave the transaction open: undo it so the file keeps
   * only the last committed batch and the handle stays usable. */
  if (rc < 0) {
    if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->model_dim = -1;
  }
  st->tx = 0;
  st->tx_failed = 0;
  return rc;
}

int store_rollback(store *st, brass_error *err) {
  st->tx = 0;
  st->tx_failed = 0;
  st->model_dim = -1; /* a model bound inside the transaction is undone too */
  /* SQLite rolls some failures (SQLITE_FULL, SQLITE_NOMEM) back by itself. */
  if (sqlite3_get_autocommit(st->db)) return 0;
  return store_exec(st, "ROLLBACK", "rolling back", err);
}
