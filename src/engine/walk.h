/*
 * walk.h - the file walk behind brass_index: which regular files lie under the paths given, and
 * what the walk could not examine. A source is only ever dropped from the library when the walk
 * examined the place it lives in and did not find it there; places it could not examine
 * (unreadable folders and entries, folders past the depth limit) are recorded in `unseen`, so
 * the sources under them are kept as indexed.
 */
#ifndef BRASS_ENGINE_WALK_H
#define BRASS_ENGINE_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"

#define WALK_MAX_DEPTH 64

typedef struct walk_result {
  char **paths; /* regular files found (absolute), sorted and unique */
  size_t n, cap;
  char **roots; /* folders given (absolute), for vanished-file detection */
  size_t nroots, roots_cap;
  char **unseen; /* files and folders under a root the walk could not examine */
  size_t nunseen, unseen_cap;
  int64_t unreadable; /* entries in unseen because they could not be read */
  int64_t too_deep;   /* folders in unseen because they lie past WALK_MAX_DEPTH */
  char *too_deep_example;
  char **given; /* files given by name (absolute): indexed explicitly */
  size_t ngiven, given_cap;
} walk_result;

/* Called for every entry that could not be read: its path and the reason (strerror). */
typedef void (*walk_note_fn)(void *ctx, const char *path, const char *why);

/* Fills w from the caller's paths. A path that does not exist or cannot be read itself (a folder
 * that cannot be listed, a file that cannot be opened) is an error: nothing is indexed. */
int walk_all(walk_result *w, const char *const *paths, size_t n, walk_note_fn note, void *ctx,
             brass_error *err);
void walk_free(walk_result *w);
/* 1 if path lies in (or is) a place the walk could not examine. */
int walk_unseen(const walk_result *w, const char *path);
/* Index of path in w->paths, or -1. */
long walk_find(const walk_result *w, const char *path);

#endif
