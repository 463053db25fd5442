/*
 * zip.c - the bounded in-memory ZIP reader (see zip.h): end-of-central-directory search, central
 * directory walk by name, stored/deflate extraction with zlib's raw inflate and a CRC-32 check,
 * and the limits that refuse zip bombs before any allocation.
 */
#include "text/zip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/error.h"

static unsigned zip_u16(const unsigned char *p) {
  return (unsigned)p[0] | (unsigned)p[1] << 8;
}
static uint32_t zip_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int zip_open(zip_archive *z, const char *data, size_t len, const char *what, brass_error *err) {
  memset(z, 0, sizeof *z);
  z->data = (const unsigned char *)data;
  z->len = len;
  z->what = what;
  if (len < 22 || zip_u32(z->data) != 0x04034b50)
    return err_set(err, BRASS_EFORMAT, "%s: not a zip archive", what);
  /* the end-of-central-directory record: 22 bytes plus a comment of at most 65535 */
  size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
  size_t eocd = (size_t)-1;
  for (size_t p = len - 22 + 1; p-- > lo;)
    if (zip_u32(z->data + p) == 0x06054b50 && p + 22 + zip_u16(z->data + p + 20) == len) {
      eocd = p;
      break;
    }
  if (eocd == (size_t)-1)
    return err_set(err, BRASS_EFORMAT, "%s: truncated zip archive (no central directory end)",
                   what);
  const unsigned char *e = z->data + eocd;
  unsigned count = zip_u16(e + 10);
  uint32_t cd_len = zip_u32(e + 12), cd_off = zip_u32(e + 16);
  if (zip_u16(e + 4) != 0 || zip_u16(e + 6) != 0 || zip_u16(e + 8) != count)
    return err_set(err, BRASS_EUNSUPPORTED, "%s: multi-part zip archives are not supported", what);
  if (count == 0xFFFF || cd_len == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu)
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: ZIP64 archive (over 65535 entries or 4 GiB) is not supported", what);
  if (count > ZIP_MAX_ENTRIES)
    return err_set(err, BRASS_ERANGE, "%s: zip archive has %u entries, over the limit of %d", what,
                   count, ZIP_MAX_ENTRIES);
  if ((size_t)cd_off > eocd || (size_t)cd_len > eocd - cd_off)
    return err_set(err, BRASS_EFORMAT, "%s: truncated or corrupt zip central directory", what);
  z->cd_off = cd_off;
  z->cd_len = cd_len;
  z->nentries = count;
  return 0;
}

/* Inflates raw deflate data src[0, n) into exactly out_len bytes of out. */
static int zip_inflate(const zip_archive *z, const char *name, const unsigned char *src, size_t n,
                       char *out, size_t out_len, brass_error *err) {
  z_stream s;
  memset(&s, 0, sizeof s);
  if (inflateInit2(&s, -15) != Z_OK)
    return err_set(err, BRASS_ENOMEM, "%s: %s: out of memory", z->what, name);
  s.next_in = (unsigned char *)src;
  s.avail_in = (uInt)n;
  s.next_out = (unsigned char *)out;
  s.avail_out = (uInt)out_len;
  int r = inflate(&s, Z_FINISH);
  size_t got = out_len - s.avail_out;
  inflateEnd(&s);
  if (r == Z_STREAM_END && got == out_len) return 0;
  if (r == Z_BUF_ERROR && s.avail_out == 0)
    return err_set(err, BRASS_EFORMAT, "%s: %s: inflates to more than its declared %zu bytes",
                   z->what, name, out_len);
  return err_set(err, BRASS_EFORMAT, "%s: %s: corrupt or truncated compressed data", z->what, name);
}

int zip_read(zip_archive *z, const char *name, char **out, size_t *out_len, brass_error *err) {
  *out = NULL;
  *out_len = 0;
  size_t nlen = strlen(name);
  const unsigned char *d = z->data;
  size_t p = z->cd_off, end = z->cd_off + z->cd_len;
  for (size_t i = 0; i < z->nentries; i++) {
    if (end - p < 46 || zip_u32(d + p) != 0x02014b50)
      return err_set(err, BRASS_EFORMAT, "%s: corrupt zip central directory", z->what);
    size_t fn = zip_u16(d + p + 28), xl = zip_u16(d + p + 30), cl = zip_u16(d + p + 32);
    if (end - p - 46 < fn + xl + cl)
      return err_set(err, BRASS_EFORMAT, "%s: corrupt zip central directory", z->what);
    const unsigned char *h = d + p;
    p += 46 + fn + xl + cl;
    if (fn != nlen || memcmp(h + 46, name, nlen) != 0) continue;
    unsigned flags = zip_u16(h + 8), method = zip_u16(h + 10);
    uint32_t crc = zip_u32(h + 16), csize = zip_u32(h + 20), usize = zip_u32(h + 24);
    size_t loc = zip_u32(h + 42);
    if (flags & 1)
      return err_set(err, BRASS_EUNSUPPORTED, "%s: %s: encrypted zip entry", z->what, name);
    if (method != 0 && method != 8)
      return err_set(err, BRASS_EUNSUPPORTED, "%s: %s: zip compression method %u not supported",
                     z->what, name, method);
    if (usize > ZIP_MAX_ENTRY_BYTES || usize > ZIP_MAX_TOTAL_BYTES - z->total_read)
      return err_set(err, BRASS_ERANGE, "%s: %s: uncompressed size %lu over the limit (zip bomb?)",
                     z->what, name, (unsigned long)usize);
    if (usize > ((size_t)1 << 20) && (uint64_t)usize > (uint64_t)csize * ZIP_MAX_RATIO)
      return err_set(err, BRASS_ERANGE,
                     "%s: %s: compression ratio %lu:1 over the limit %d:1 (zip bomb?)", z->what,
                     name, (unsigned long)(usize / (csize ? csize : 1)), ZIP_MAX_RATIO);
    if (method == 0 && csize != usize)
      return err_set(err, BRASS_EFORMAT, "%s: %s: stored entry with two sizes", z->what, name);
    if (loc > z->cd_off || z->cd_off - loc < 30 || zip_u32(d + loc) != 0x04034b50)
      return err_set(err, BRASS_EFORMAT, "%s: %s: corrupt zip local header", z->what, name);
    size_t data_at = loc + 30 + zip_u16(d + loc + 26) + zip_u16(d + loc + 28);
    if (data_at > z->cd_off || z->cd_off - data_at < csize)
      return err_set(err, BRASS_EFORMAT, "%s: %s: truncated zip entry", z->what, name);
    char *buf = malloc((size_t)usize + 1);
    if (!buf) return err_set(err, BRASS_ENOMEM, "%s: %s: out of memory", z->what, name);
    int rc = 0;
    if (method == 0)
      memcpy(buf, d + data_at, usize);
    else
      rc = zip_inflate(z, name, d + data_at, csize, buf, usize, err);
    if (!rc && crc32(0L, (const Bytef *)buf, (uInt)usize) != crc)
      rc =
          err_set(err, BRASS_EFORMAT, "%s: %s: CRC-32 mismatch (corrupt zip entry)", z->what, name);
    if (rc) {
      free(buf);
      return rc;
    }
    buf[usize] = '\0';
    z->total_read += usize;
    *out = buf;
    *out_len = usize;
    return 0;
  }
  return 1;
}
