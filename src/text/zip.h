/*
 * zip.h - a small, bounded reader for ZIP archives held in memory (the containers of DOCX, ODT
 * and EPUB). It reads the central directory only (no ZIP64, no encryption, no multi-disk), and
 * extracts stored or deflated entries (zlib raw inflate) with a CRC-32 check. Every size is
 * checked before anything is allocated: the entry count, each entry's and the archive's total
 * uncompressed size, and the compression ratio, so that a zip bomb is refused up front; inflate
 * never writes past the declared size.
 */
#ifndef BRASS_TEXT_ZIP_H
#define BRASS_TEXT_ZIP_H

#include <stddef.h>

#include "brass.h"

#define ZIP_MAX_ENTRIES 10000
#define ZIP_MAX_ENTRY_BYTES ((size_t)64 << 20)  /* one entry, uncompressed */
#define ZIP_MAX_TOTAL_BYTES ((size_t)256 << 20) /* all entries read from one archive */
#define ZIP_MAX_RATIO 100 /* uncompressed : compressed, for entries over 1 MiB */

typedef struct zip_archive {
  const unsigned char *data; /* borrowed */
  size_t len;
  size_t cd_off, cd_len; /* the central directory */
  size_t nentries;
  size_t total_read; /* uncompressed bytes handed out so far */
  const char *what;  /* the name used in messages ("docx") */
} zip_archive;

/* Opens len bytes (kept borrowed). Returns 0, or BRASS_EFORMAT / BRASS_EUNSUPPORTED with err
 * naming what ("docx: not a zip archive"). */
int zip_open(zip_archive *z, const char *data, size_t len, const char *what, brass_error *err);

/* Extracts the entry named name (exact bytes): *out is a new NUL-terminated buffer of *out_len
 * bytes. Returns 0, 1 when there is no such entry (err unset), or a negative code with err set
 * (unsupported method, encrypted, over a limit, corrupt data, CRC mismatch, out of memory). */
int zip_read(zip_archive *z, const char *name, char **out, size_t *out_len, brass_error *err);

#endif
