/*
 * ignore.c - .gitignore rules for the folder walk (see ignore.h). Rules live in one array that
 * grows as the walk descends and is truncated as it climbs back, so a folder's rules apply to
 * exactly its subtree.
 */
#include "engine/ignore.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "brass.h"

#define IGNORE_MAX_BYTES (1 << 20)

static int ignore_push(ignore_list *l, const ignore_rule *r) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    ignore_rule *a = realloc(l->rules, cap * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    l->rules = a;
    l->cap = cap;
  }
  l->rules[l->n++] = *r;
  return 0;
}

int ignore_load(ignore_list *l, const char *dir) {
  char path[PATH_MAX];
  if (path_join(path, sizeof path, dir, ".gitignore") || !file_exists(path)) return 0;
  char *text = NULL;
  size_t len = 0;
  brass_error err;
  if (file_read_text(path, IGNORE_MAX_BYTES, &text, &len, &err)) return 0;
  char *base = strdup(dir);
  if (!base) {
    free(text);
    return BRASS_ENOMEM;
  }
  int owned = 0, rc = 0;
  for (char *line = text; line && *line && !rc;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = 0;
    ignore_rule r = {NULL, base, 0, 0, 0, 0};
    char *p = line;
    if (!*p || *p == '#') {
      line = next;
      continue;
    }
    if (*p == '!') r.negate = 1, p++;
    n = strlen(p);
    if (n && p[n - 1] == '/') r.dir_only = 1, p[--n] = '\0';
    if (*p == '/') r.anchored = 1, p++;
    if (strchr(p, '/')) r.anchored = 1;
    if (*p) {
      r.glob = strdup(p);
      r.owns_base = !owned;
      if (!r.glob || ignore_push(l, &r)) {
        free(r.glob);
        rc = BRASS_ENOMEM;
      } else {
        owned = 1;
      }
    }
    line = next;
  }
  if (!owned) free(base);
  free(text);
  return rc;
}

void ignore_truncate(ignore_list *l, size_t n) {
  while (l->n > n) {
    ignore_rule *r = &l->rules[--l->n];
    free(r->glob);
    if (r->owns_base) free((char *)r->base);
  }
}

void ignore_free(ignore_list *l) {
  ignore_truncate(l, 0);
  free(l->rules);
  l->rules = NULL;
  l->cap = 0;
}

int ignore_match(const ignore_list *l, const char *path, const char *name, int is_dir) {
  int ignored = 0;
  for (size_t i = 0; i < l->n; i++) {
    const ignore_rule *r = &l->rules[i];
    if (r->dir_only && !is_dir) continue;
    int hit;
    if (r->anchored) {
      size_t b = strlen(r->base);
      if (strncmp(path, r->base, b) || path[b] != '/') continue;
      hit = !fnmatch(r->glob, path + b + 1, FNM_PATHNAME);
    } else {
      hit = !fnmatch(r->glob, name, 0);
    }
    if (hit) ignored = !r->negate;
  }
  return ignored;
}
