/*
 * index_notes.h - what `brass index` must name besides its counts: the files a run removed, the
 * files and folders it could not read and the folders it did not walk. Collected from the
 * progress callback; text mode prints them as they come (removals: the first few, then a
 * count), --json adds them to the summary object.
 */
#ifndef BRASS_CLI_INDEX_NOTES_H
#define BRASS_CLI_INDEX_NOTES_H

#include <stddef.h>

#include "brass.h"

#define INDEX_NOTES_REMOVED_SHOWN 5 /* removals printed one per line in text mode */

typedef struct index_notes {
  char **removed, **unreadable;
  size_t nremoved, nunreadable, removed_cap, unreadable_cap;
  char *not_walked; /* an example folder */
  int failed;       /* out of memory while collecting (the JSON then says so) */
} index_notes;

/* Records p when it is a removal, an unreadable entry or a not-walked report. Returns 1 when p
 * was one of those, 0 otherwise. */
int index_notes_add(index_notes *n, const brass_index_progress *p);
/* The summary JSON with "removed_paths", "unreadable_paths" and "not_walked_example" added;
 * malloc'd, NULL when out of memory. */
char *index_notes_json(const index_notes *n, const brass_index_summary *sum);
void index_notes_free(index_notes *n);

#endif
