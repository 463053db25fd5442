/*
 * get.c - brass_get: a line range of an indexed source, read from the file as it is now. Only
 * sources the library holds are served (what `brass get`, /api/get and the MCP tool `get` may
 * read is exactly what was indexed), the file is opened without following a symbolic link in its
 * last component, and the reply says when the file changed since it was indexed. Documents (PDF,
 * DOCX, ODT, EPUB) are read as their extracted text, whose lines the chunks' line ranges count.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/sha256.h"
#include "engine/engine.h"
#include "text/extract.h"

#define GET_MAX_BYTES (64u << 20)

void brass_lines_free(brass_lines *l) {
  if (!l) return;
  free(l->source);
  free(l->text);
  memset(l, 0, sizeof *l);
}

/* Finds the stored source for what the caller named: the stored path itself, else its absolute,
 * resolved form. */
static int get_find(brass_library *lib, const char *source, store_source *out, brass_error *err) {
  int rc = store_source_find(lib->st, source, out, err);
  if (rc) return rc;
  char abs[PATH_MAX];
  if (realpath(source, abs) && strcmp(abs, source))
    return store_source_find(lib->st, abs, out, err);
  return 0;
}

/* Reads the whole regular file path (no symlink at the end) into a heap buffer. */
static int get_read(const char *path, char **data, size_t *len, brass_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return err_set(err, BRASS_EIO, "%s: cannot open the indexed file (%s)%s", path, strerror(errno),
                   errno == ELOOP ? ": it became a symbolic link" : "");
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    close(fd);
    return err_set(err, BRASS_EIO, "%s: no longer a regular file", path);
  }
  if ((uint64_t)st.st_size > GET_MAX_BYTES) {
    close(fd);
    return err_set(err, BRASS_ERANGE, "%s: %lld bytes, more than get reads (%u MiB)", path,
                   (long long)st.st_size, GET_MAX_BYTES >> 20);
  }
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) {
    close(fd);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  }
  size_t n = 0;
  while (n < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
  }
  close(fd);
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 0;
}

/* A crawled page (its source is its URL, src/net/crawl.c): the page is not fetched again here;
 * the text indexed from it is returned instead, the chunks whose lines overlap [from, to] (all
 * without a range) joined by blank lines, with their line range in the page. */
typedef struct get_web {
  int from, to;
  char *text;
  size_t len, cap;
  int first, last, any, oom;
} get_web;

static int get_web_chunk(void *ctx, const store_chunk *c) {
  get_web *g = ctx;
  if ((g->from && c->line_end < g->from) || (g->to && c->line_start > g->to)) return 0;
  size_t need = g->len + c->text_len + 3;
  if (need > g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 4096;
    while (cap < need) cap *= 2;
    char *t = realloc(g->text, cap);
    if (!t) {
      g->oom = 1;
      return 1;
    }
    g->text = t;
    g->cap = cap;
  }
  if (g->any) {
    memcpy(g->text + g->len, "\n\n", 2);
    g->len += 2;
  }
  memcpy(g->text + g->len, c->text, c->text_len);
  g->len += c->text_len;
  g->text[g->len] = '\0';
  if (!g->any || c->line_start < g->first) g->first = c->line_start;
  if (!g->any || c->line_end > g->last) g->last = c->line_end;
  g->any = 1;
  return 0;
}

static int get_web_page(brass_library *lib, const store_source *src, int from, int to,
                        brass_lines *out, brass_error *err) {
  get_web g = {from, to, NULL, 0, 0, 0, 0, 0, 0};
  int rc = store_source_chunks(lib->st, src->path, get_web_chunk, &g, err);
  if (rc < 0 && !g.oom) {
    free(g.text);
    return rc;
  }
  out->source = strdup(src->path);
  out->text = g.text ? g.text : strdup("");
  out->line_start = g.any ? g.first : from;
  out->line_end = g.any ? g.last : from ? from - 1 : 0;
  out->total_lines = g.last;
  out->changed = 0;
  if (g.oom || !out->source || !out->text || engine_utf8_fix(&out->text)) {
    brass_lines_free(out);
    return err_set(err, BRASS_ENOMEM, "get %s: out of memory", src->path);
  }
  return 0;
}

/* Replaces the document's bytes *data by its extracted text (docs/chunking.md). */
static int get_document(char **data, size_t *len, doc_kind kind, const char *path,
                        brass_error *err) {
  extract_doc doc;
  brass_error xerr;
  int rc = extract_document(*data, *len, kind, &doc, &xerr);
  char *text = rc ? NULL : malloc(doc.len + 1);
  if (text) {
    memcpy(text, doc.text, doc.len);
    text[doc.len] = '\0';
    *len = doc.len;
  }
  if (!rc) extract_doc_free(&doc);
  free(*data);
  *data = text;
  if (rc) return err_set(err, rc, "%s: %s", path, xerr.message);
  return text ? 0 : err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
}

int brass_get(brass_library *lib, const char *source, int from, int to, brass_lines *out,
              brass_error *err) {
  memset(out, 0, sizeof *out);
  if (!lib || !source || !*source) return err_set(err, BRASS_EINVAL, "get: no source given");
  if (from < 0 || to < 0 || (to && from > to))
    return err_set(err, BRASS_EINVAL, "get %s: bad line range %d-%d", source, from, to);
  store_source src;
  int rc = get_find(lib, source, &src, err);
  if (rc < 0) return rc;
  if (rc == 0)
    return err_set(err, BRASS_EINVAL,
                   "get %s: not a source in this library (only indexed files can be read)", source);
  if (strstr(src.path, "://")) {
    rc = get_web_page(lib, &src, from, to, out, err);
    store_source_clear(&src);
    return rc;
  }
  char *data = NULL;
  size_t len = 0;
  rc = get_read(src.path, &data, &len, err);
  if (rc) {
    store_source_clear(&src);
    return rc;
  }
  unsigned char sum[32];
  sha256(data, len, sum);
  out->changed = (int64_t)len != src.size || memcmp(sum, src.sha256, 32) != 0;
  doc_kind kind = extract_kind_for_path(src.path);
  if (extract_kind_is_document(kind) && (rc = get_document(&data, &len, kind, src.path, err))) {
    store_source_clear(&src);
    return rc;
  }
  /* lines: [start of line from, end of line to) */
  int line = 1, total = len ? 1 : 0;
  size_t a = len, b = len;
  int first = from ? from : 1;
  if (first == 1) a = 0;
  for (size_t i = 0; i < len; i++) {
    if (data[i] != '\n') continue;
    if (line == to) b = i + 1;
    line++;
    if (i + 1 < len) total++;
    if (line == first) a = i + 1;
  }
  int last = to && to < total ? to : total;
  if (first > total) a = b = len;
  out->line_start = first;
  out->line_end = first > total ? first - 1 : last;
  out->total_lines = total;
  out->source = strdup(src.path);
  out->text = malloc(b - a + 1);
  store_source_clear(&src);
  if (out->text) {
    memcpy(out->text, data + a, b - a);
    out->text[b - a] = '\0';
  }
  free(data);
  if (!out->source || !out->text || engine_utf8_fix(&out->text) || engine_utf8_fix(&out->source)) {
    brass_lines_free(out);
    return err_set(err, BRASS_ENOMEM, "get %s: out of memory", source);
  }
  return 0;
}

char *brass_lines_json(const brass_lines *l) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "source", l->source ? l->source : "");
  cJSON_AddNumberToObject(o, "line_start", l->line_start);
  cJSON_AddNumberToObject(o, "line_end", l->line_end);
  cJSON_AddNumberToObject(o, "total_lines", l->total_lines);
  cJSON_AddBoolToObject(o, "changed", l->changed != 0);
  cJSON_AddStringToObject(o, "text", l->text ? l->text : "");
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}
