/*
 * index_notes.c - collecting and writing out what an index run must name (index_notes.h).
 */
#include "index_notes.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static void notes_push(index_notes *n, char ***arr, size_t *len, size_t *cap, const char *s) {
  if (*len == *cap) {
    size_t c = *cap ? *cap * 2 : 16;
    char **a = realloc(*arr, c * sizeof *a);
    if (!a) {
      n->failed = 1;
      return;
    }
    *arr = a;
    *cap = c;
  }
  char *d = strdup(s ? s : "");
  if (!d) {
    n->failed = 1;
    return;
  }
  (*arr)[(*len)++] = d;
}

int index_notes_add(index_notes *n, const brass_index_progress *p) {
  switch (p->event) {
    case BRASS_PROGRESS_REMOVED:
      notes_push(n, &n->removed, &n->nremoved, &n->removed_cap, p->path);
      return 1;
    case BRASS_PROGRESS_UNREADABLE:
      notes_push(n, &n->unreadable, &n->nunreadable, &n->unreadable_cap, p->path);
      return 1;
    case BRASS_PROGRESS_NOT_WALKED:
      if (!n->not_walked && !(n->not_walked = strdup(p->path ? p->path : ""))) n->failed = 1;
      return 1;
    default:
      return 0;
  }
}

static void notes_array(cJSON *o, const char *name, char *const *items, size_t n) {
  cJSON *a = cJSON_AddArrayToObject(o, name);
  for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
}

char *index_notes_json(const index_notes *n, const brass_index_summary *sum) {
  char *base = brass_index_summary_json(sum);
  cJSON *o = base ? cJSON_Parse(base) : NULL;
  free(base);
  if (!o || n->failed) {
    cJSON_Delete(o);
    return NULL;
  }
  notes_array(o, "removed_paths", n->removed, n->nremoved);
  notes_array(o, "unreadable_paths", n->unreadable, n->nunreadable);
  if (n->not_walked)
    cJSON_AddStringToObject(o, "not_walked_example", n->not_walked);
  else
    cJSON_AddNullToObject(o, "not_walked_example");
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

void index_notes_free(index_notes *n) {
  for (size_t i = 0; i < n->nremoved; i++) free(n->removed[i]);
  for (size_t i = 0; i < n->nunreadable; i++) free(n->unreadable[i]);
  free(n->removed);
  free(n->unreadable);
  free(n->not_walked);
  memset(n, 0, sizeof *n);
}
