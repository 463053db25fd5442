/*
 * ignore.h - the subset of .gitignore that the folder walk honours: one pattern per line; blank
 * lines and lines starting with '#' are skipped; a leading '!' re-includes; a trailing '/'
 * matches folders only; a pattern with a '/' (other than a trailing one) is matched against the
 * path relative to the .gitignore's folder (a leading '/' just anchors), any other pattern
 * against the entry's name at any depth below. Globs are fnmatch(3) (`*`, `?`, `[...]`; `*` does
 * not cross '/' in anchored patterns; `**` is not special). The last matching pattern wins.
 */
#ifndef BRASS_ENGINE_IGNORE_H
#define BRASS_ENGINE_IGNORE_H

#include <stddef.h>

typedef struct ignore_rule {
  char *glob;       /* heap; without the '!', leading '/' and trailing '/' */
  const char *base; /* folder of the .gitignore (heap, shared by its rules; owned by first) */
  int owns_base;
  int negate, dir_only, anchored;
} ignore_rule;

typedef struct ignore_list {
  ignore_rule *rules;
  size_t n, cap;
} ignore_list;

/* Appends the rules of dir/.gitignore (if there is one; an unreadable or huge one is ignored).
 * Returns 0 or BRASS_ENOMEM. */
int ignore_load(ignore_list *l, const char *dir);
/* Drops the rules after the first n (those of folders the walk has left). */
void ignore_truncate(ignore_list *l, size_t n);
void ignore_free(ignore_list *l);
/* 1 if path (absolute, below every rule's base; name = its last component) is ignored. */
int ignore_match(const ignore_list *l, const char *path, const char *name, int is_dir);

#endif
