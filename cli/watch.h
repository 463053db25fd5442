/*
 * watch.h - `brass index --watch` (watch.c, native Linux only): watches are set up before the
 * first indexing run (so changes made during it are seen), then the loop follows the folders
 * until SIGINT/SIGTERM.
 */
#ifndef BRASS_CLI_WATCH_H
#define BRASS_CLI_WATCH_H

#include <stddef.h>

#include "brass.h"

typedef struct watcher watcher;

/* Watches the folders paths[0..n) and everything below them that indexing would enter. Returns
 * CLI_OK with *out, or an exit code after printing why (a path that is not a folder). */
int cli_watch_open(char *const *paths, size_t n, int quiet, watcher **out);
/* Frees w without running it. */
void cli_watch_close(watcher *w);
/* Follows the changes into lib until SIGINT/SIGTERM; frees w. Returns an exit code. */
int cli_watch_run(watcher *w, brass_library *lib, const brass_index_options *io);

#endif
