/*
 * static_files.c - which file a request path may read, for `brass serve`: strict percent-decoding
 * (encoded '/', backslashes, NUL, control characters and dot segments are refused), hidden names
 * refused, folders mapped to their index.html, and a realpath check so that no symbolic link leads
 * out of the served root. Also the MIME type table.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int serve_path_decode(const char *raw, char *out, size_t cap) {
  if (!raw || raw[0] != '/' || cap < 2) return 400;
  size_t n = 0;
  size_t seg = 0; /* start of the current segment in out */
  out[n++] = '/';
  seg = n;
  for (const char *p = raw + 1;; p++) {
    int c = (unsigned char)*p;
    int end = c == '\0';
    if (!end && c == '%') {
      int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
      if (hi < 0 || lo < 0) return 400;
      c = hi * 16 + lo;
      p += 2;
      if (c == '/' || c == '\0') return 400; /* encoded separators and NUL */
    } else if (!end && c == '/') {
      /* a separator: check the finished segment, collapse runs of '/' */
      size_t len = n - seg;
      if ((len == 1 && out[seg] == '.') || (len == 2 && out[seg] == '.' && out[seg + 1] == '.'))
        return 400;
      if (len == 0) continue;
      if (n + 1 >= cap) return 414;
      out[n++] = '/';
      seg = n;
      continue;
    }
    if (end) {
      size_t len = n - seg;
      if ((len == 1 && out[seg] == '.') || (len == 2 && out[seg] == '.' && out[seg + 1] == '.'))
        return 400;
      out[n] = '\0';
      return 0;
    }
    if (c < 0x20 || c == 0x7f || c == '\\') return 400;
    if (n + 1 >= cap) return 414;
    out[n++] = (char)c;
  }
}

int serve_query_decode(const char *raw, char *out, size_t cap) {
  size_t n = 0;
  for (const char *p = raw; *p; p++) {
    int c = (unsigned char)*p;
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
      if (hi < 0 || lo < 0) return -1;
      c = hi * 16 + lo;
      p += 2;
      if (c == 0) return -1;
    }
    if (n + 1 >= cap) return -1;
    out[n++] = (char)c;
  }
  if (cap == 0) return -1;
  out[n] = '\0';
  return (int)n;
}

static const struct {
  const char *ext, *type;
} mime_table[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"wasm", "application/wasm"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"svg", "image/svg+xml"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"safetensors", "application/octet-stream"},
};

const char *serve_mime_type(const char *name) {
  const char *slash = strrchr(name, '/');
  const char *base = slash ? slash + 1 : name;
  const char *dot = strrchr(base, '.');
  if (dot && dot != base) {
    for (size_t i = 0; i < sizeof mime_table / sizeof mime_table[0]; i++)
      if (!strcasecmp(dot + 1, mime_table[i].ext)) return mime_table[i].type;
  }
  return "application/octet-stream";
}

/* 1 when resolved equals root or lies below it. */
static int inside_root(const char *root, const char *resolved) {
  size_t n = strlen(root);
  if (n == 1 && root[0] == '/') return resolved[0] == '/';
  return strncmp(resolved, root, n) == 0 && (resolved[n] == '/' || resolved[n] == '\0');
}

int serve_open_regular(const char *path, int follow, int *fd, uint64_t *size, int64_t *mtime_ns) {
  int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (f < 0) return 404;
  struct stat st;
  if (fstat(f, &st) || !S_ISREG(st.st_mode)) {
    close(f);
    return 404;
  }
  int fl = fcntl(f, F_GETFL);
  if (fl >= 0) (void)fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
  *fd = f;
  *size = (uint64_t)st.st_size;
  *mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  return 0;
}

int serve_static_open(const char *root_real, const char *path, int *fd, uint64_t *size,
                      int64_t *mtime_ns, const char **mime) {
  *fd = -1;
  if (path[0] != '/') return 404;
  /* hidden names (".git", ".env") are never served */
  for (const char *p = path; (p = strchr(p, '/')); p++)
    if (p[1] == '.') return 404;
  char cand[PATH_MAX], res[PATH_MAX];
  int w = snprintf(cand, sizeof cand, "%s%s", root_real, path);
  if (w < 0 || (size_t)w >= sizeof cand) return 404;
  if (!realpath(cand, res) || !inside_root(root_real, res)) return 404;
  struct stat st;
  if (stat(res, &st)) return 404;
  const char *name = path; /* MIME by the name asked for, not a link's target */
  if (S_ISDIR(st.st_mode)) {
    name = "index.html";
    /* no listings: a folder means its index.html */
    w = snprintf(cand, sizeof cand, "%s/index.html", res);
    if (w < 0 || (size_t)w >= sizeof cand) return 404;
    if (!realpath(cand, res) || !inside_root(root_real, res)) return 404;
  }
  int rc = serve_open_regular(res, 0, fd, size, mtime_ns);
  if (!rc) *mime = serve_mime_type(name);
  return rc;
}
