/*
 * fts_source.c - how a source's matching chunks combine into its keyword score.
 *
 * Results are grouped per source at the rank of the source's best chunk (search.c). The best
 * chunk alone ignores that a page whose text matches the query in several places is more likely
 * the page sought than one with a single dense passage (a table of contents, a changelog entry);
 * summing every chunk favours long pages that repeat common words (docs/eval.md). So the best
 * chunk of each source gets STORE_FTS_SECOND_WEIGHT times the score of the source's next best
 * chunk that is not a neighbour of the best one: neighbours share the chunker's overlap, so their
 * match is often the same sentence counted twice. Only the hits at hand count (the top candidates
 * of the two BM25 lists), so the bonus costs one indexed lookup per hit.
 */
#include <stdlib.h>

#include "store/store_internal.h"

#define STORE_FTS_SECOND_WEIGHT 0.1

typedef struct fts_src {
  int64_t source, document, seq;
  size_t at; /* index in the hits, best first */
} fts_src;

static int fts_src_cmp(const void *a, const void *b) {
  const fts_src *x = a, *y = b;
  if (x->source != y->source) return x->source < y->source ? -1 : 1;
  return (x->at > y->at) - (x->at < y->at);
}

static int fts_src_adjacent(const fts_src *a, const fts_src *b) {
  return a->document == b->document && (a->seq - b->seq == 1 || b->seq - a->seq == 1);
}

int store_fts_source_bonus(store *st, store_hit *h, size_t n, brass_error *err) {
  static const char sql[] =
      "SELECT d.source_id, c.document_id, c.seq FROM chunks c"
      " JOIN documents d ON d.id = c.document_id WHERE c.id = ?1";
  if (n < 2) return 0;
  fts_src *s = malloc(n * sizeof *s);
  if (!s) return err_set(err, BRASS_ENOMEM, "%s: out of memory ranking search hits", st->path);
  sqlite3_stmt *q = NULL;
  int rc = store_stmt(st, sql, &q, err);
  size_t m = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    sqlite3_bind_int64(q, 1, h[i].chunk_id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW)
      s[m++] = (fts_src){sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
                         sqlite3_column_int64(q, 2), i};
    else if (r != SQLITE_DONE) /* SQLITE_DONE: deleted meanwhile, no bonus */
      rc = store_sqlerr(st, r, "ranking search hits", err);
    sqlite3_reset(q);
  }
  if (q) store_stmt_done(q);
  if (!rc && m) qsort(s, m, sizeof *s, fts_src_cmp);
  for (size_t g = 0; !rc && g < m;) { /* one source: s[g] is its best hit */
    size_t e = g + 1;
    while (e < m && s[e].source == s[g].source) e++;
    for (size_t j = g + 1; j < e; j++)
      if (!fts_src_adjacent(&s[g], &s[j])) {
        h[s[g].at].score += STORE_FTS_SECOND_WEIGHT * h[s[j].at].score;
        break;
      }
    g = e;
  }
  free(s);
  return rc;
}
