/*
 * file.h - reading files whole (with a size bound) and mapping large ones read-only.
 *
 * Natively, file_map() uses mmap so that weights are paged in on demand and shared with the page
 * cache; under Emscripten (no real mmap of host files) it reads the file into linear memory. Both
 * report failures as one-line messages naming the path.
 */
#ifndef BRASS_BASE_FILE_H
#define BRASS_BASE_FILE_H

#include <stddef.h>

#include "brass.h"

typedef struct file_map {
  const unsigned char *data;
  size_t size;
  int mapped; /* 1: munmap on release, 0: free */
} file_map;

/* Reads the whole file into a NUL-terminated heap buffer (*out, *len excludes the NUL).
 * Files larger than max_bytes are refused with BRASS_ERANGE. */
int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len, brass_error *err);

/* 3 if data starts with the UTF-8 byte-order mark EF BB BF, else 0. */
size_t file_bom_len(const char *data, size_t len);
/* file_read_all for text that brass parses itself (JSON, vocab.txt, .gitignore, tables): a
 * leading UTF-8 byte-order mark, which editors on Windows write, is dropped so that it cannot
 * turn the first line or key into something else. */
int file_read_text(const char *path, size_t max_bytes, char **out, size_t *len, brass_error *err);

/* Maps (or reads) the whole file read-only. An empty file maps to data == NULL, size == 0. */
int file_map_open(const char *path, file_map *m, brass_error *err);
void file_map_close(file_map *m);

/* Tells the OS that bytes [offset, offset+len) of the mapping will not be needed again, so their
 * pages leave the resident set (no-op for read-in files). */
void file_map_discard(file_map *m, size_t offset, size_t len);

/* 1 if path names an existing regular file. */
int file_exists(const char *path);

/* Joins dir and name with one '/' into buf (size cap); returns 0, or -1 if it does not fit. */
int path_join(char *buf, size_t cap, const char *dir, const char *name);

#endif
