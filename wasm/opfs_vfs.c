/*
 * opfs_vfs.c - an SQLite VFS for the browser builds that keeps the library in the Origin Private
 * File System. Files whose name starts with "/opfs/" are stored through FileSystemSyncAccessHandle
 * objects that the engine worker opened beforehand (createSyncAccessHandle is asynchronous, SQLite
 * is not); opfs_vfs.js holds the handles and does the synchronous read/write/truncate/getSize/
 * flush calls. Every other name (temporary files, a library in MEMFS) goes to the default VFS.
 *
 * The handles live in the engine worker's JavaScript realm, so SQLite must only run on that thread
 * (brass runs SQLite on the calling thread; its pool threads only run kernels). No locking: a sync
 * access handle is exclusive per origin already, and the store uses locking_mode=EXCLUSIVE (WAL
 * without shared memory). Deleting a file truncates it to 0 bytes; a file "exists" when it is
 * non-empty. A write refused for quota sets a flag the web API turns into a clear message.
 */
#include "opfs_vfs.h"

#include <sqlite3.h>
#include <string.h>

/* Implemented in opfs_vfs.js. */
extern int opfs_js_slot(const char *name); /* handle slot for name, -1 when not pre-opened */
extern double opfs_js_size(int slot);      /* bytes (cached), or -1 on error */
extern void opfs_js_forget(int slot);      /* drops the cached size */
extern int opfs_js_read(int slot, void *buf, int n, double offset);        /* bytes read or -1 */
extern int opfs_js_write(int slot, const void *buf, int n, double offset); /* 0, 1 quota, 2 */
extern int opfs_js_truncate(int slot, double size);                        /* 0, 1 quota, 2 */
extern int opfs_js_flush(int slot);                                        /* 0 or 2 */

#define OPFS_PREFIX "/opfs/"

typedef struct opfs_file {
  sqlite3_file base;
  int slot;
} opfs_file;

static sqlite3_vfs opfs_vfs;
static sqlite3_vfs *opfs_parent;
static int opfs_quota;

static int opfs_is_ours(const char *name) {
  return name && strncmp(name, OPFS_PREFIX, sizeof OPFS_PREFIX - 1) == 0;
}

static int opfs_close(sqlite3_file *f) {
  (void)f;
  return SQLITE_OK;
}

static int opfs_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
  int got = opfs_js_read(((opfs_file *)f)->slot, buf, n, (double)off);
  if (got < 0) return SQLITE_IOERR_READ;
  if (got < n) {
    memset((char *)buf + got, 0, (size_t)(n - got));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

static int opfs_result(int r, int ioerr) {
  if (r == 1) {
    opfs_quota = 1;
    return SQLITE_FULL;
  }
  return r ? ioerr : SQLITE_OK;
}

static int opfs_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
  return opfs_result(opfs_js_write(((opfs_file *)f)->slot, buf, n, (double)off),
                     SQLITE_IOERR_WRITE);
}

static int opfs_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return opfs_result(opfs_js_truncate(((opfs_file *)f)->slot, (double)size), SQLITE_IOERR_TRUNCATE);
}

static int opfs_sync(sqlite3_file *f, int flags) {
  (void)flags;
  return opfs_js_flush(((opfs_file *)f)->slot) ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}

static int opfs_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  double s = opfs_js_size(((opfs_file *)f)->slot);
  if (s < 0) return SQLITE_IOERR_FSTAT;
  *size = (sqlite3_int64)s;
  return SQLITE_OK;
}

static int opfs_lock(sqlite3_file *f, int level) {
  (void)f;
  (void)level;
  return SQLITE_OK;
}

static int opfs_check_reserved(sqlite3_file *f, int *out) {
  (void)f;
  *out = 0;
  return SQLITE_OK;
}

static int opfs_file_control(sqlite3_file *f, int op, void *arg) {
  (void)f;
  (void)op;
  (void)arg;
  return SQLITE_NOTFOUND;
}

static int opfs_sector_size(sqlite3_file *f) {
  (void)f;
  return 4096;
}

static int opfs_device_characteristics(sqlite3_file *f) {
  (void)f;
  return SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static const sqlite3_io_methods opfs_io = {
    1, /* iVersion: no shared memory, no mmap */
    opfs_close,
    opfs_read,
    opfs_write,
    opfs_truncate,
    opfs_sync,
    opfs_file_size,
    opfs_lock,
    opfs_lock,
    opfs_check_reserved,
    opfs_file_control,
    opfs_sector_size,
    opfs_device_characteristics,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

static int opfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                     int *out_flags) {
  (void)vfs;
  if (!opfs_is_ours(name)) return opfs_parent->xOpen(opfs_parent, name, f, flags, out_flags);
  opfs_file *of = (opfs_file *)f;
  memset(of, 0, sizeof *of);
  of->slot = opfs_js_slot(name);
  if (of->slot < 0) return SQLITE_CANTOPEN;
  opfs_js_forget(of->slot); /* the worker may have truncated it since the last open */
  if (flags & SQLITE_OPEN_DELETEONCLOSE) {
    /* not expected for the library's files; start empty like a fresh temporary file */
    opfs_js_truncate(of->slot, 0);
  }
  of->base.pMethods = &opfs_io;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

static int opfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  if (!opfs_is_ours(name)) return opfs_parent->xDelete(opfs_parent, name, sync_dir);
  int slot = opfs_js_slot(name);
  if (slot < 0) return SQLITE_IOERR_DELETE_NOENT;
  int r = opfs_js_truncate(slot, 0);
  if (!r) r = opfs_js_flush(slot);
  return r ? SQLITE_IOERR_DELETE : SQLITE_OK;
}

static int opfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs;
  if (!opfs_is_ours(name)) return opfs_parent->xAccess(opfs_parent, name, flags, out);
  int slot = opfs_js_slot(name);
  *out = slot >= 0 && opfs_js_size(slot) > 0;
  return SQLITE_OK;
}

static int opfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  if (!opfs_is_ours(name)) return opfs_parent->xFullPathname(opfs_parent, name, n, out);
  if ((int)strlen(name) >= n) return SQLITE_CANTOPEN;
  strcpy(out, name);
  return SQLITE_OK;
}

/* The rest is the parent's business (dlopen is off, randomness, sleeping, time). */
static void *opfs_dlopen(sqlite3_vfs *v, const char *p) {
  (void)v;
  return opfs_parent->xDlOpen(opfs_parent, p);
}
static void opfs_dlerror(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  opfs_parent->xDlError(opfs_parent, n, out);
}
static void (*opfs_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) {
  (void)v;
  return opfs_parent->xDlSym(opfs_parent, h, s);
}
static void opfs_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  opfs_parent->xDlClose(opfs_parent, h);
}
static int opfs_randomness(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return opfs_parent->xRandomness(opfs_parent, n, out);
}
static int opfs_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return opfs_parent->xSleep(opfs_parent, us);
}
static int opfs_current_time(sqlite3_vfs *v, double *t) {
  (void)v;
  return opfs_parent->xCurrentTime(opfs_parent, t);
}
static int opfs_last_error(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return opfs_parent->xGetLastError ? opfs_parent->xGetLastError(opfs_parent, n, out) : 0;
}
static int opfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *t) {
  (void)v;
  return opfs_parent->xCurrentTimeInt64(opfs_parent, t);
}

int opfs_vfs_register(void) {
  if (opfs_parent) return 0;
  sqlite3_vfs *parent = sqlite3_vfs_find(NULL);
  if (!parent || parent->iVersion < 2) return -1;
  opfs_parent = parent;
  opfs_vfs.iVersion = 2;
  opfs_vfs.szOsFile =
      parent->szOsFile > (int)sizeof(opfs_file) ? parent->szOsFile : (int)sizeof(opfs_file);
  opfs_vfs.mxPathname = parent->mxPathname;
  opfs_vfs.zName = "brass-opfs";
  opfs_vfs.xOpen = opfs_open;
  opfs_vfs.xDelete = opfs_delete;
  opfs_vfs.xAccess = opfs_access;
  opfs_vfs.xFullPathname = opfs_full_pathname;
  opfs_vfs.xDlOpen = opfs_dlopen;
  opfs_vfs.xDlError = opfs_dlerror;
  opfs_vfs.xDlSym = opfs_dlsym;
  opfs_vfs.xDlClose = opfs_dlclose;
  opfs_vfs.xRandomness = opfs_randomness;
  opfs_vfs.xSleep = opfs_sleep;
  opfs_vfs.xCurrentTime = opfs_current_time;
  opfs_vfs.xGetLastError = opfs_last_error;
  opfs_vfs.xCurrentTimeInt64 = opfs_current_time64;
  if (sqlite3_vfs_register(&opfs_vfs, 1) != SQLITE_OK) {
    opfs_parent = NULL;
    return -1;
  }
  return 0;
}

int64_t opfs_vfs_bytes(const char *name) {
  if (!opfs_is_ours(name)) return -1;
  int slot = opfs_js_slot(name);
  double s = slot >= 0 ? opfs_js_size(slot) : -1;
  return s < 0 ? 0 : (int64_t)s;
}

int opfs_vfs_take_quota_error(void) {
  int q = opfs_quota;
  opfs_quota = 0;
  return q;
}
