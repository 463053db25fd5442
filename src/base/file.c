/* file.c - whole-file reads and read-only mappings (see file.h). */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifndef __EMSCRIPTEN__
#include <sys/mman.h>
#endif

#include "base/error.h"

static int open_regular(const char *path, size_t *size, brass_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return err_set(err, BRASS_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return err_set(err, BRASS_EIO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return err_set(err, BRASS_EIO, "%s: not a regular file", path);
  }
  *size = (size_t)st.st_size;
  return fd;
}

static int read_fully(int fd, unsigned char *buf, size_t len, const char *path, brass_error *err) {
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(fd, buf + got, len - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return err_set(err, BRASS_EIO, "%s: read failed: %s", path, strerror(errno));
    if (r == 0) return err_set(err, BRASS_EIO, "%s: file shrank while reading", path);
    got += (size_t)r;
  }
  return 0;
}

int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len, brass_error *err) {
  *out = NULL;
  if (len) *len = 0;
  size_t size = 0;
  int fd = open_regular(path, &size, err);
  if (fd < 0) return fd;
  if (size > max_bytes) {
    close(fd);
    return err_set(err, BRASS_ERANGE, "%s: file is %zu bytes, more than the limit of %zu", path,
                   size, max_bytes);
  }
  char *buf = malloc(size + 1);
  if (!buf) {
    close(fd);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory reading %zu bytes", path, size);
  }
  int rc = read_fully(fd, (unsigned char *)buf, size, path, err);
  close(fd);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[size] = '\0';
  *out = buf;
  if (len) *len = size;
  return 0;
}

size_t file_bom_len(const char *data, size_t len) {
  return len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

int file_read_text(const char *path, size_t max_bytes, char **out, size_t *len, brass_error *err) {
  size_t n = 0;
  int rc = file_read_all(path, max_bytes, out, &n, err);
  size_t bom = rc ? 0 : file_bom_len(*out, n);
  if (bom) memmove(*out, *out + bom, n - bom + 1); /* with the terminating NUL */
  if (len) *len = rc ? 0 : n - bom;
  return rc;
}

int file_map_open(const char *path, file_map *m, brass_error *err) {
  memset(m, 0, sizeof *m);
  size_t size = 0;
  int fd = open_regular(path, &size, err);
  if (fd < 0) return fd;
  if (size == 0) {
    close(fd);
    return 0;
  }
#ifndef __EMSCRIPTEN__
  void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p != MAP_FAILED) {
    close(fd);
    m->data = p;
    m->size = size;
    m->mapped = 1;
    return 0;
  }
#endif
  unsigned char *buf = malloc(size);
  if (!buf) {
    close(fd);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory reading %zu bytes", path, size);
  }
  int rc = read_fully(fd, buf, size, path, err);
  close(fd);
  if (rc) {
    free(buf);
    return rc;
  }
  m->data = buf;
  m->size = size;
  return 0;
}

void file_map_close(file_map *m) {
  if (!m || !m->data) return;
#ifndef __EMSCRIPTEN__
  if (m->mapped) {
    munmap((void *)m->data, m->size);
  } else
#endif
    free((void *)m->data);
  memset(m, 0, sizeof *m);
}

void file_map_discard(file_map *m, size_t offset, size_t len) {
#ifndef __EMSCRIPTEN__
  if (!m->mapped || offset >= m->size) return;
  if (len > m->size - offset) len = m->size - offset;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t start = (offset + page - 1) / page * page; /* only whole pages inside the range */
  size_t end = (offset + len) / page * page;
  if (end > start) madvise((void *)(m->data + start), end - start, MADV_DONTNEED);
#else
  (void)m, (void)offset, (void)len;
#endif
}

int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int path_join(char *buf, size_t cap, const char *dir, const char *name) {
  size_t dl = strlen(dir);
  while (dl > 1 && dir[dl - 1] == '/') dl--;
  int n = snprintf(buf, cap, "%.*s/%s", (int)dl, dir, name);
  return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}
