/*
 * store_internal.h - what the store's files share: the handle, the prepared-statement cache and
 * the mapping of SQLite result codes to brass errors. Not for use outside src/store/ except by
 * tests (store_db gives them the raw connection).
 */
#ifndef BRASS_STORE_INTERNAL_H
#define BRASS_STORE_INTERNAL_H

#include <sqlite3.h>

#include "base/error.h"
#include "store/store.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "the store writes float32 vectors in host order and assumes little-endian hosts"
#endif

#define STORE_STMT_CACHE 48

struct store {
  sqlite3 *db;
  char *path;
  int readonly;
  int tx;        /* 1 between store_begin and store_commit/store_rollback */
  int tx_failed; /* an SQLite error happened inside the transaction: it can only be rolled back */
  int model_dim; /* dimension of the bound model; 0 = none recorded, -1 = not read yet */
  /* Prepared statements keyed by the address of their (static) SQL text. Invariant: a cached
   * statement is reset and unbound whenever it is not in use. */
  struct {
    const char *sql;
    sqlite3_stmt *stmt;
  } cache[STORE_STMT_CACHE];
  int ncache;
  int accept_fn; /* 1 once brass_accept() is registered on db (filter.c) */
  /* waiting for other processes (wait.c) */
  int wait_ms;           /* how long a wait for a lock may last; 0: fail at once */
  store_wait_fn wait_fn; /* called once when a wait has lasted a second */
  void *wait_ctx;
  int wait_noticed;
  int64_t busy_t0; /* when the current SQLite busy wait began (ms, monotonic) */
  int lock_fd;     /* the flocked "<library>-lock" while lock_depth > 0, else -1 */
  int lock_depth;
};

/* (Re)installs the SQLite busy handler for st->wait_ms on st->db (wait.c). */
void store_wait_install(store *st);

/* The raw connection (tests use it to set pragmas such as max_page_count). */
sqlite3 *store_db(store *st);

/* Fills err from SQLite result rc while doing `what` and marks an open transaction as failed;
 * returns the brass code:
 * SQLITE_FULL -> BRASS_EIO ("disk full"), SQLITE_NOTADB -> BRASS_EFORMAT, SQLITE_CONSTRAINT ->
 * BRASS_EINVAL, SQLITE_NOMEM -> BRASS_ENOMEM, anything else -> BRASS_EIO. */
int store_sqlerr(store *st, int rc, const char *what, brass_error *err);

/* Fails with BRASS_EIO once an SQLite error happened inside the caller's transaction (SQLite may
 * even have rolled it back itself, after SQLITE_FULL or SQLITE_NOMEM): going on would commit, or
 * autocommit, half a batch. Only store_rollback clears this. */
int store_check_tx(store *st, brass_error *err);

/* Returns the cached statement for static SQL text sql (preparing it on first use) in *out. */
int store_stmt(store *st, const char *sql, sqlite3_stmt **out, brass_error *err);
/* Resets and unbinds a cached statement after use. */
void store_stmt_done(sqlite3_stmt *s);

/* Runs one or more statements without results. */
int store_exec(store *st, const char *sql, const char *what, brass_error *err);

/* Applies the numbered migrations up to STORE_SCHEMA_VERSION inside one write transaction
 * (schema.c). from is the version found on open; a concurrent migrator is tolerated. */
int store_migrate(store *st, brass_error *err);

/* ---- CJK character pairs (cjk.c) ---- */
/* 1 if code point c is a Chinese, Japanese or Korean letter (ideographs, kana, Hangul). */
int store_cjk_letter(uint32_t c);
/* The grams column of a text: for every run of CJK letters, its overlapping pairs ("ABC" ->
 * "AB BC"; a run of one: itself), space separated. *out: heap string, or NULL when the text has
 * no CJK letter. Returns 0 or BRASS_ENOMEM. */
int store_cjk_grams(const char *text, size_t len, char **out);
/* Migration step: fills chunks.grams for every stored chunk with CJK text. */
int store_cjk_fill(store *st, brass_error *err);

#endif
