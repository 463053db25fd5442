/*
 * vacuum.c - giving a library's free space back: after sources are removed SQLite keeps their
 * pages for reuse; VACUUM rewrites the file compactly and a TRUNCATE checkpoint empties the WAL.
 */
#include "store/store_internal.h"

int store_vacuum(store *st, brass_error *err) {
  if (st->tx) return err_set(err, BRASS_EINVAL, "%s: vacuum inside a transaction", st->path);
  if (st->readonly) return err_set(err, BRASS_EINVAL, "%s: vacuum on a read-only handle", st->path);
  int rc = store_exec(st, "VACUUM", "vacuum", err);
  if (!rc) rc = store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint", err);
  return rc;
}
