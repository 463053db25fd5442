/*
 * test_library_sources.c - the front-end listings and the index root (brass_sources,
 * brass_source_chunks, brass_index_options.root, relative brass_remove) on a keyword-only
 * library in a temporary folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brass.h"
#include "check.h"

static char dir[256];

static void write_file(const char *rel, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  FILE *f = fopen(p, "wb");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

typedef struct listing {
  char names[8][64];
  int64_t bytes[8], chunks[8];
  int n;
} listing;

static int list_fn(void *ctx, const brass_source_info *s) {
  listing *l = ctx;
  if (l->n < 8) {
    snprintf(l->names[l->n], sizeof l->names[0], "%s", s->source);
    l->bytes[l->n] = s->bytes;
    l->chunks[l->n] = s->chunks;
  }
  l->n++;
  return 0;
}

typedef struct collect {
  char text[4096];
  int first_line, last_line, count;
} collect;

static int chunk_fn(void *ctx, const brass_chunk_info *c) {
  collect *k = ctx;
  if (!k->count) k->first_line = c->line_start;
  k->last_line = c->line_end;
  k->count++;
  CHECK(strlen(c->text) == c->text_len);
  strncat(k->text, c->text, sizeof k->text - strlen(k->text) - 1);
  return 0;
}

static int stop_fn(void *ctx, const brass_chunk_info *c) {
  (void)ctx;
  (void)c;
  return 7;
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/brass-srcXXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return 1;
  char sub[300], lib_path[300], up[300];
  snprintf(sub, sizeof sub, "%s/notes", dir);
  snprintf(lib_path, sizeof lib_path, "%s/lib.db", dir);
  snprintf(up, sizeof up, "%s/up", dir);
  mkdir(sub, 0755);
  mkdir(up, 0755);
  const char *a_text = "# Otters\n\nSea otters hold hands while sleeping.\nThey float on kelp.\n";
  const char *b_text = "plain words about badgers\n";
  write_file("notes/a.md", a_text);
  write_file("b.txt", b_text);

  brass_error err = {0};
  brass_library *lib = NULL;
  int rc = brass_library_open(lib_path, "", NULL, 0, &lib, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (rc) CHECK_DONE();

  char pa[300], pb[300];
  snprintf(pa, sizeof pa, "%s/notes/a.md", dir);
  snprintf(pb, sizeof pb, "%s/b.txt", dir);
  const char *paths[] = {pa, pb};
  brass_index_options io = {0};
  io.root = dir;
  brass_index_summary sum;
  rc = brass_index(lib, paths, 2, &io, &sum, NULL, NULL, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  CHECK(sum.added == 2);

  listing l;
  memset(&l, 0, sizeof l);
  CHECK(brass_sources(lib, list_fn, &l, &err) == 0);
  CHECK(l.n == 2);
  CHECK(!strcmp(l.names[0], "b.txt")); /* relative to the root, path order */
  CHECK(!strcmp(l.names[1], "notes/a.md"));
  CHECK(l.bytes[0] == (int64_t)strlen(b_text));
  CHECK(l.bytes[1] == (int64_t)strlen(a_text));
  CHECK(l.chunks[0] >= 1 && l.chunks[1] >= 1);

  collect k;
  memset(&k, 0, sizeof k);
  CHECK(brass_source_chunks(lib, "notes/a.md", chunk_fn, &k, &err) == 1);
  CHECK(k.count == l.chunks[1]);
  CHECK(k.first_line == 1);
  CHECK(k.last_line >= 4);
  CHECK(strstr(k.text, "hold hands") != NULL);
  memset(&k, 0, sizeof k);
  CHECK(brass_source_chunks(lib, "notes/zzz.md", chunk_fn, &k, &err) == 0);
  CHECK(k.count == 0);
  CHECK(brass_source_chunks(lib, "notes/a.md", stop_fn, NULL, &err) == 7);

  brass_results *res = NULL;
  brass_search_options so = {0};
  so.mode = BRASS_SEARCH_KEYWORD;
  CHECK(brass_search(lib, "otters", &so, &res, &err) == 0);
  CHECK(res && res->count == 1 && !strcmp(res->items[0].source, "notes/a.md"));
  brass_results_free(res);

  /* The uploads are transient: after they are gone, a copy of a.md's content under another
   * name is a new source, not a rename, and nothing is dropped as vanished. */
  unlink(pa);
  unlink(pb);
  char pc[320];
  snprintf(pc, sizeof pc, "%s/c.md", up);
  FILE *f = fopen(pc, "wb");
  if (f) {
    fputs(a_text, f);
    fclose(f);
  }
  const char *paths2[] = {pc};
  io.root = up;
  rc = brass_index(lib, paths2, 1, &io, &sum, NULL, NULL, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  CHECK(sum.added == 1 && sum.renamed == 0 && sum.removed == 0);
  memset(&l, 0, sizeof l);
  CHECK(brass_sources(lib, list_fn, &l, &err) == 0);
  CHECK(l.n == 3);
  CHECK(!strcmp(l.names[2], "notes/a.md") && !strcmp(l.names[1], "c.md"));

  /* Relative paths remove root-relative sources, as a file or as a folder. */
  const char *rm1[] = {"notes"};
  brass_remove_summary rs;
  int64_t matched = -1;
  CHECK(brass_remove(lib, rm1, 1, &matched, &rs, &err) == 0);
  CHECK(matched == 1 && rs.sources == 1 && rs.chunks == l.chunks[2]);
  const char *rm2[] = {"c.md"};
  CHECK(brass_remove(lib, rm2, 1, &matched, &rs, &err) == 0);
  CHECK(matched == 1 && rs.sources == 1);
  memset(&l, 0, sizeof l);
  CHECK(brass_sources(lib, list_fn, &l, &err) == 0);
  CHECK(l.n == 1 && !strcmp(l.names[0], "b.txt"));

  /* A root that does not exist is an error naming it. */
  io.root = "/nonexistent-brass-root";
  CHECK(brass_index(lib, paths2, 1, &io, &sum, NULL, NULL, &err) < 0);
  CHECK(strstr(err.message, "nonexistent-brass-root") != NULL);

  brass_library_close(lib);
  unlink(pc);
  rmdir(up);
  rmdir(sub);
  char side[320];
  snprintf(side, sizeof side, "%s-wal", lib_path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", lib_path);
  unlink(side);
  unlink(lib_path);
  rmdir(dir);
  CHECK_DONE();
}
