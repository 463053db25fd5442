/*
 * hnsw_io.c - the HNSW index as a plain byte buffer (for SQLite BLOBs or files) and back.
 *
 * Format version 1 (float32 vectors) or 2 (int8 vectors), every integer and float little-endian,
 * no alignment assumed:
 *
 *   offset  size  field
 *        0     8  magic "BRSHNSW1"
 *        8     4  version (1)
 *       12     4  header bytes (80)
 *       16     4  dim
 *       20     4  M
 *       24     4  M0 (= 2 * M)
 *       28     4  efConstruction
 *       32     4  efSearch
 *       36     4  count: slots, live and tombstoned
 *       40     4  entry slot (0xffffffff when count is 0)
 *       44     4  top level, int32 (-1 when count is 0)
 *       48     8  seed
 *       56     8  total bytes of the buffer
 *       64     8  reserved, 0 (version 1); version 2: uint32 vector type (1: int8), uint32 0
 *       72     8  checksum of bytes [0, 72) and [80, total)
 *       80        labels   int64[count]
 *                 levels   uint8[count]     (<= top level; the entry slot's level is the top)
 *                 deleted  uint8[count]     (0 or 1)
 *                 vectors  float32[count * dim]                 (version 1)
 *                          or int8[count * dim] codes in [-127, 127]
 *                          and float32[count] scales, finite, >= 0  (version 2, hnsw_dot8.h)
 *                 lists    for each slot s, for level l = 0..levels[s]:
 *                          uint32 n (<= M0 on level 0, <= M above), uint32 ids[n]
 *                          (each id < count, != s, and of level >= l)
 *
 * Loading checks all of the above, plus that vectors are finite and live labels unique, so a
 * buffer that loads is one the search code can walk without reading out of bounds; anything else
 * is BRASS_EFORMAT. The checksum (a 4-lane multiply-rotate hash, not cryptographic) catches bit
 * flips that would still be structurally valid. Slot order is kept, so a loaded index answers
 * searches exactly as the saved one. A float32 index is still written as version 1, so builds that
 * predate int8 vectors keep reading it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "index/hnsw.h"
#include "index/hnsw_internal.h"

#define IO_MAGIC "BRSHNSW1"
#define IO_VERSION 2u
#define IO_HEADER 80u
#define IO_NONE 0xffffffffu

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define IO_BIG_ENDIAN 1
#else
#define IO_BIG_ENDIAN 0
#endif

/* ---- little-endian access ---- */

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) {
  return get32(p) | (uint64_t)get32(p + 4) << 32;
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

/* Copies n 4- or 8-byte words between host order and little-endian (its own inverse). */
static void copy_le(void *dst, const void *src, size_t n, size_t width) {
  memcpy(dst, src, n * width);
#if IO_BIG_ENDIAN
  uint8_t *d = dst;
  for (size_t i = 0; i < n; i++, d += width)
    for (size_t a = 0, b = width - 1; a < b; a++, b--) {
      uint8_t t = d[a];
      d[a] = d[b];
      d[b] = t;
    }
#endif
}

/* ---- checksum ---- */

#define CS_P1 0x9e3779b185ebca87ULL
#define CS_P2 0xc2b2ae3d27d4eb4fULL
#define CS_P3 0x165667b19e3779f9ULL

static inline uint64_t rotl64(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}
static inline uint64_t cs_round(uint64_t acc, uint64_t v) {
  return rotl64(acc + v * CS_P2, 31) * CS_P1;
}

/* Hash of p[0..n) continuing from seed (feed ranges one after another). */
static uint64_t checksum(uint64_t seed, const uint8_t *p, size_t n) {
  uint64_t a = seed + CS_P1, b = seed + CS_P2, c = seed, d = seed - CS_P1;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a = cs_round(a, get64(p + i));
    b = cs_round(b, get64(p + i + 8));
    c = cs_round(c, get64(p + i + 16));
    d = cs_round(d, get64(p + i + 24));
  }
  uint64_t h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18) + (uint64_t)n;
  for (; i + 8 <= n; i += 8) h = rotl64(h ^ cs_round(0, get64(p + i)), 27) * CS_P1 + CS_P3;
  for (; i < n; i++) h = rotl64(h ^ (p[i] * CS_P3), 11) * CS_P1;
  h ^= h >> 33;
  h *= CS_P2;
  h ^= h >> 29;
  h *= CS_P3;
  return h ^ (h >> 32);
}

uint64_t hnsw_io_checksum(const uint8_t *buf, size_t total) {
  return checksum(checksum(0, buf, 72), buf + IO_HEADER, total - IO_HEADER);
}

/* ---- saving ---- */

/* Bytes per slot of its vector: dim floats, or dim codes and a scale. */
static size_t vec_bytes(const hnsw *h) {
  return h->vectors == HNSW_VEC_INT8 ? (size_t)h->dim + 4 : (size_t)h->dim * 4;
}

static uint32_t list_len(const hnsw *h, uint32_t s, int l) {
  uint32_t n = hnsw_ld32(hnsw_list(h, s, l)), maxn = (uint32_t)(l ? h->M : h->M0);
  return n < maxn ? n : maxn;
}

size_t hnsw_serialized_size(const hnsw *h) {
  size_t count = hnsw_count(h);
  size_t bytes = IO_HEADER + count * (8 + 1 + 1 + vec_bytes(h));
  for (uint32_t s = 0; s < count; s++)
    for (int l = 0; l <= h->g.levels[s]; l++) bytes += 4 + 4 * (size_t)list_len(h, s, l);
  return bytes;
}

int hnsw_serialize(const hnsw *h, void *out, size_t cap, brass_error *err) {
  size_t total = hnsw_serialized_size(h);
  if (cap < total)
    return err_set(err, BRASS_ERANGE, "hnsw: serialising needs %zu bytes, buffer has %zu", total,
                   cap);
  const hnsw_graph *g = &h->g;
  uint32_t count = (uint32_t)hnsw_count(h);
  uint64_t e = __atomic_load_n(&g->entry, __ATOMIC_ACQUIRE);
  uint8_t *buf = out;
  memset(buf, 0, IO_HEADER);
  memcpy(buf, IO_MAGIC, 8);
  int i8 = h->vectors == HNSW_VEC_INT8;
  put32(buf + 8, i8 ? 2u : 1u);
  if (i8) put32(buf + 64, HNSW_VEC_INT8);
  put32(buf + 12, IO_HEADER);
  put32(buf + 16, (uint32_t)h->dim);
  put32(buf + 20, (uint32_t)h->M);
  put32(buf + 24, (uint32_t)h->M0);
  put32(buf + 28, (uint32_t)h->ef_construction);
  put32(buf + 32, (uint32_t)__atomic_load_n(&h->ef_search, __ATOMIC_RELAXED));
  put32(buf + 36, count);
  put32(buf + 40, e ? (uint32_t)e : IO_NONE);
  put32(buf + 44, (uint32_t)((int32_t)(e >> 32) - 1));
  put64(buf + 48, h->seed);
  put64(buf + 56, total);

  uint8_t *p = buf + IO_HEADER;
  copy_le(p, g->labels, count, 8);
  p += (size_t)count * 8;
  memcpy(p, g->levels, count);
  p += count;
  for (uint32_t s = 0; s < count; s++) *p++ = (hnsw_flags(h, s) & HNSW_F_DELETED) ? 1 : 0;
  if (i8) {
    for (uint32_t s = 0; s < count; s++, p += h->dim) memcpy(p, hnsw_codes(h, s), (size_t)h->dim);
    copy_le(p, g->scales, count, 4);
    p += (size_t)count * 4;
  } else {
    for (uint32_t s = 0; s < count; s++, p += (size_t)h->dim * 4)
      copy_le(p, hnsw_vec(h, s), (size_t)h->dim, 4);
  }
  for (uint32_t s = 0; s < count; s++) {
    for (int l = 0; l <= g->levels[s]; l++) {
      const uint32_t *list = hnsw_list(h, s, l);
      uint32_t n = list_len(h, s, l);
      put32(p, n);
      for (uint32_t j = 1; j <= n; j++) put32(p + 4 * j, hnsw_ld32(&list[j]));
      p += 4 + 4 * (size_t)n;
    }
  }
  put64(buf + 72, hnsw_io_checksum(buf, total));
  return 0;
}

int hnsw_serialize_alloc(const hnsw *h, uint8_t **out, size_t *len, brass_error *err) {
  *out = NULL;
  *len = 0;
  size_t total = hnsw_serialized_size(h);
  uint8_t *buf = malloc(total);
  if (!buf) return err_set(err, BRASS_ENOMEM, "hnsw: out of memory for %zu bytes", total);
  int rc = hnsw_serialize(h, buf, total, err);
  if (rc) {
    free(buf);
    return rc;
  }
  *out = buf;
  *len = total;
  return 0;
}

/* ---- loading ---- */

#define BAD(...) err_set(err, BRASS_EFORMAT, "hnsw buffer: " __VA_ARGS__)

/* Reads the count vectors at *p (advancing it), checking them: finite floats, or codes in
 * [-127, 127] with finite scales >= 0. */
static int load_vectors(hnsw *h, const uint8_t **pp, brass_error *err) {
  const uint8_t *p = *pp;
  size_t dim = (size_t)h->dim, count = h->g.count;
  if (h->vectors == HNSW_VEC_INT8) {
    for (uint32_t s = 0; s < count; s++, p += dim) {
      int8_t *c = hnsw_codes(h, s);
      memcpy(c, p, dim);
      for (size_t j = 0; j < dim; j++)
        if (c[j] == -128) return BAD("codes of slot %u hold -128", s);
    }
    copy_le(h->g.scales, p, count, 4);
    p += count * 4;
    for (uint32_t s = 0; s < count; s++)
      if (!isfinite(h->g.scales[s]) || h->g.scales[s] < 0)
        return BAD("scale of slot %u is not a finite number >= 0", s);
  } else {
    for (uint32_t s = 0; s < count; s++, p += dim * 4) {
      float *v = hnsw_vec(h, s);
      copy_le(v, p, dim, 4);
      for (size_t j = 0; j < dim; j++)
        if (!isfinite(v[j])) return BAD("vector of slot %u is not finite", s);
    }
  }
  *pp = p;
  return 0;
}

/* Reads the lists of every slot from p[0..len), checking each against the format's rules. */
static int load_lists(hnsw *h, const uint8_t *p, size_t len, brass_error *err) {
  hnsw_graph *g = &h->g;
  size_t pos = 0, count = g->count;
  for (uint32_t s = 0; s < count; s++) {
    int level = g->levels[s];
    if (level > 0) {
      size_t bytes = (size_t)level * (size_t)(h->M + 1) * sizeof(uint32_t);
      if (!(g->upper[s] = calloc(1, bytes)))
        return err_set(err, BRASS_ENOMEM, "hnsw: out of memory for links");
      g->upper_bytes += bytes;
    }
    for (int l = 0; l <= level; l++) {
      if (len - pos < 4) return BAD("truncated in the links of slot %u", s);
      uint32_t n = get32(p + pos), maxn = (uint32_t)(l ? h->M : h->M0);
      pos += 4;
      if (n > maxn) return BAD("slot %u has %u links on level %d (at most %u)", s, n, l, maxn);
      if ((len - pos) / 4 < n) return BAD("truncated in the links of slot %u", s);
      uint32_t *list = hnsw_list(h, s, l);
      for (uint32_t j = 0; j < n; j++, pos += 4) {
        uint32_t id = get32(p + pos);
        if (id >= count || id == s || g->levels[id] < l)
          return BAD("slot %u links to invalid slot %u on level %d", s, id, l);
        list[j + 1] = id;
        if (l == 0) g->indeg[id]++;
      }
      list[0] = n;
    }
  }
  if (pos != len) return BAD("%zu bytes of trailing data", len - pos);
  return 0;
}

int hnsw_deserialize(const void *data, size_t len, hnsw **out, brass_error *err) {
  *out = NULL;
  const uint8_t *buf = data;
  if (!buf || len < IO_HEADER) return BAD("truncated (%zu bytes, header needs %u)", len, IO_HEADER);
  if (memcmp(buf, IO_MAGIC, 8) != 0) return BAD("not an hnsw index (bad magic)");
  uint32_t version = get32(buf + 8);
  if (version > IO_VERSION)
    return err_set(err, BRASS_EUNSUPPORTED, "hnsw buffer: format version %u is newer than %u",
                   version, IO_VERSION);
  uint32_t vtype = version == 2 ? get32(buf + 64) : 0;
  if (version < 1 || get32(buf + 12) != IO_HEADER || get32(buf + 68) != 0 ||
      (version == 1 ? get32(buf + 64) != 0 : vtype != HNSW_VEC_INT8))
    return BAD("bad version %u, header size %u or reserved field", version, get32(buf + 12));
  uint64_t total = get64(buf + 56);
  if (total != len)
    return BAD("size is %zu bytes, header says %llu", len, (unsigned long long)total);
  if (get64(buf + 72) != hnsw_io_checksum(buf, len)) return BAD("checksum mismatch");

  hnsw_params prm = {(int)get32(buf + 16),
                     (int)get32(buf + 20),
                     (int)get32(buf + 28),
                     (int)get32(buf + 32),
                     get64(buf + 48),
                     0,
                     (int)vtype};
  uint32_t m0 = get32(buf + 24), count = get32(buf + 36), entry = get32(buf + 40);
  int32_t top = (int32_t)get32(buf + 44);
  if (get32(buf + 16) > HNSW_MAX_DIM || get32(buf + 20) > HNSW_MAX_M ||
      get32(buf + 28) > INT32_MAX || get32(buf + 32) > INT32_MAX || m0 != 2 * get32(buf + 20))
    return BAD("bad parameters");
  hnsw *h = malloc(sizeof *h);
  if (!h) return err_set(err, BRASS_ENOMEM, "hnsw: out of memory");
  int rc = hnsw_init_struct(h, &prm, err);
  if (rc) {
    free(h);
    return BAD("bad parameters");
  }
  /* From here on h is complete enough for hnsw_free. */
  size_t per_slot = 8 + 1 + 1 + vec_bytes(h);
  const uint8_t *p = buf + IO_HEADER, *end = buf + len;
  hnsw_graph *g = &h->g;
  if (count >= IO_NONE || (size_t)(end - p) / per_slot < count) {
    rc = BAD("truncated: %u slots do not fit in %zu bytes", count, len);
    goto fail;
  }
  if (count == 0 ? (entry != IO_NONE || top != -1)
                 : (entry >= count || top < 0 || top > HNSW_MAX_LEVEL)) {
    rc = BAD("bad entry point %u at level %d for %u slots", entry, (int)top, count);
    goto fail;
  }
  if (hnsw_graph_alloc(h, g, count ? count : 1) != 0 || hnsw_labels_reserve(&g->map, count) != 0) {
    rc = err_set(err, BRASS_ENOMEM, "hnsw: out of memory loading %u slots", count);
    goto fail;
  }
  copy_le(g->labels, p, count, 8);
  p += (size_t)count * 8;
  memcpy(g->levels, p, count);
  p += count;
  g->count = count; /* hnsw_graph_free frees the upper lists of count slots */
  for (uint32_t s = 0; s < count; s++) {
    if (g->levels[s] > top) {
      rc = BAD("slot %u has level %u above the top %d", s, g->levels[s], (int)top);
      goto fail;
    }
    if (p[s] > 1) {
      rc = BAD("slot %u has bad flags %u", s, p[s]);
      goto fail;
    }
    g->flags[s] = HNSW_F_LINKED | (p[s] ? HNSW_F_DELETED : 0);
    if (p[s]) {
      g->n_deleted++;
    } else if (hnsw_labels_get(&g->map, g->labels[s]) != HNSW_NO_SLOT) {
      rc = BAD("label %lld appears twice", (long long)g->labels[s]);
      goto fail;
    } else {
      hnsw_labels_put(&g->map, g->labels[s], s);
    }
  }
  p += count;
  if ((rc = load_vectors(h, &p, err)) != 0) goto fail;
  if (count && g->levels[entry] != top) {
    rc = BAD("entry slot %u has level %u, not the top %d", entry, g->levels[entry], (int)top);
    goto fail;
  }
  if ((rc = load_lists(h, p, (size_t)(end - p), err)) != 0) goto fail;
  g->entry = count ? (((uint64_t)(top + 1) << 32) | entry) : 0;
  *out = h;
  return 0;
fail:
  hnsw_free(h);
  return rc;
}
