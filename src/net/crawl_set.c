/*
 * crawl_set.c - the crawler's set of strings (URLs seen, pages indexed in a run): open
 * addressing with FNV-1a hashes, grown at 70% load.
 */
#include <stdlib.h>
#include <string.h>

#include "net/crawl_internal.h"

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

int crawl_set_has(const crawl_set *t, const char *s) {
  if (!t->cap) return 0;
  for (size_t i = str_hash(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->slot[i]) return 0;
    if (!strcmp(t->slot[i], s)) return 1;
  }
}

int crawl_set_add(crawl_set *t, const char *s) {
  if (crawl_set_has(t, s)) return 0;
  if ((t->n + 1) * 10 > t->cap * 7) {
    size_t c = t->cap ? t->cap * 2 : 256;
    char **a = calloc(c, sizeof *a);
    if (!a) return BRASS_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
      if (!t->slot[i]) continue;
      size_t j = str_hash(t->slot[i]) & (c - 1);
      while (a[j]) j = (j + 1) & (c - 1);
      a[j] = t->slot[i];
    }
    free(t->slot);
    t->slot = a;
    t->cap = c;
  }
  char *d = strdup(s);
  if (!d) return BRASS_ENOMEM;
  size_t i = str_hash(s) & (t->cap - 1);
  while (t->slot[i]) i = (i + 1) & (t->cap - 1);
  t->slot[i] = d;
  t->n++;
  return 1;
}

void crawl_set_free(crawl_set *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->slot[i]);
  free(t->slot);
  memset(t, 0, sizeof *t);
}