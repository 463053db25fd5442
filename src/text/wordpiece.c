/*
 * wordpiece.c - the vocabulary (token strings, ids, hash tables) and WordPiece's greedy
 * longest-match-first split of one word.
 *
 * Layout: every token string lives once in a NUL-terminated pool; off[id] / len[id] locate it.
 * Two open-addressing tables (linear probing, load factor <= 1/2) map strings to ids:
 *   whole  every token, for the first piece of a word and for tok_token_id();
 *   cont   tokens that start with the continuing prefix, keyed by the bytes after it, for the
 *          later pieces: HF looks up "##" + piece; we look up the piece itself in cont, which
 *          is the same question without building a string.
 * A slot is one uint64 holding a hash tag, the key length and id + 1 (0 marks an empty slot),
 * so a probe reads the string pool only when tag and length already match; a one-bit-per-hash
 * filter in front answers most misses from a table small enough to stay in cache. Lookups hash
 * the candidate bytes in place: no allocation.
 *
 * WordPiece on a word of n characters: if n > max_input_chars_per_word the word is [UNK].
 * Otherwise, from start = 0, take the longest candidate w[start..end) found in the table
 * (whole at start 0, cont after), shrinking end one character at a time; a piece with no match
 * makes the whole word [UNK]. Candidates longer than the table's longest key are skipped
 * without hashing, so the work per piece is bounded by that length, not by the word.
 */
#include <stdlib.h>
#include <string.h>

#include "text/tok_internal.h"

/* The key hash is built one byte at a time (FNV-1a, 64 bits) and then mixed with the length,
 * so WordPiece can hash every prefix of a piece in one pass (see tok_wordpiece) instead of
 * rehashing each shorter candidate. */
#define FNV_BASIS 0xCBF29CE484222325ull
#define FNV_PRIME 0x100000001B3ull

static inline uint64_t hash_step(uint64_t h, unsigned char b) {
  return (h ^ b) * FNV_PRIME;
}

static inline uint64_t hash_final(uint64_t h, size_t n) {
  h ^= (uint64_t)n * 0x9E3779B97F4A7C15ull;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

static uint64_t tok_hash(const unsigned char *p, size_t n) {
  uint64_t h = FNV_BASIS;
  for (size_t i = 0; i < n; i++) h = hash_step(h, p[i]);
  return hash_final(h, n);
}

void tok_vocab_init(tok_vocab *v) {
  memset(v, 0, sizeof *v);
}

void tok_vocab_free(tok_vocab *v) {
  free(v->pool);
  free(v->off);
  free(v->len);
  free(v->whole.slots);
  free(v->cont.slots);
  free(v->whole.bloom);
  free(v->cont.bloom);
  memset(v, 0, sizeof *v);
}

int tok_vocab_add(tok_vocab *v, const char *token, size_t len, int id) {
  if (id >= v->n_ids) {
    int n = v->n_ids ? v->n_ids : 1024;
    while (n <= id) n *= 2;
    uint32_t *off = realloc(v->off, (size_t)n * sizeof *off);
    if (!off) return BRASS_ENOMEM;
    v->off = off;
    uint32_t *ln = realloc(v->len, (size_t)n * sizeof *ln);
    if (!ln) return BRASS_ENOMEM;
    v->len = ln;
    for (int i = v->n_ids; i < n; i++) {
      v->off[i] = UINT32_MAX;
      v->len[i] = 0;
    }
    v->n_ids = n; /* trimmed to the largest id in tok_vocab_finish */
  }
  if (v->off[id] != UINT32_MAX) return 1;
  if (v->pool_len + len + 1 > v->pool_cap) {
    size_t cap = v->pool_cap ? v->pool_cap : 65536;
    while (cap < v->pool_len + len + 1) cap *= 2;
    if (cap > UINT32_MAX) return BRASS_ENOMEM;
    char *pool = realloc(v->pool, cap);
    if (!pool) return BRASS_ENOMEM;
    v->pool = pool;
    v->pool_cap = cap;
  }
  memcpy(v->pool + v->pool_len, token, len);
  v->pool[v->pool_len + len] = '\0';
  if (id + 1 > v->top) v->top = id + 1;
  v->off[id] = (uint32_t)v->pool_len;
  v->len[id] = (uint32_t)len;
  v->pool_len += len + 1;
  return 0;
}

/* Finds the slot holding key, or the empty slot where it would go. */
/* Slot layout, 64 bits: hash bits 36..63 as a 28-bit tag | key length (11 bits) | id + 1 (25
 * bits; 0 = empty). Tag and length reject almost every non-matching slot without touching the
 * string pool; a match is then confirmed byte by byte. */
#define SLOT_ID_BITS 25
#define SLOT_ID_MASK ((1ull << SLOT_ID_BITS) - 1)
static inline uint64_t slot_check(uint64_t h, size_t len) {
  return ((h >> 36) << 11) | len;
}

static inline int slot_id(uint64_t s) {
  return (int)(s & SLOT_ID_MASK) - 1;
}

/* Finds the slot holding key, or the empty slot where it would go. */
static uint32_t table_probe(const tok_vocab *v, const tok_table *tab, const unsigned char *key,
                            size_t len, uint64_t h) {
  uint32_t i = (uint32_t)h & tab->mask;
  uint64_t check = slot_check(h, len);
  for (;;) {
    uint64_t s = tab->slots[i];
    if (s == 0) return i;
    if ((s >> SLOT_ID_BITS) == check &&
        memcmp(v->pool + v->off[slot_id(s)] + tab->skip, key, len) == 0)
      return i;
    i = (i + 1) & tab->mask;
  }
}

/* The filter: one bit per hash (bits 12..), set for every key; a clear bit means "absent"
 * without a probe of the (larger, colder) slot array. Sized 32 bits per key: ~3% false hits. */
static inline int bloom_maybe(const tok_table *tab, uint64_t h) {
  uint64_t b = (h >> 12) & tab->bloom_mask;
  return (int)((tab->bloom[b >> 6] >> (b & 63)) & 1);
}

/* The lookup with the key's hash already computed. */
static inline int table_find_hashed(const tok_vocab *v, const tok_table *tab,
                                    const unsigned char *key, size_t len, uint64_t h) {
  if (!bloom_maybe(tab, h)) return -1;
  return slot_id(tab->slots[table_probe(v, tab, key, len, h)]);
}

int tok_table_find(const tok_vocab *v, const tok_table *tab, const char *key, size_t len) {
  if (len > tab->max_key || !tab->slots) return -1;
  const unsigned char *k = (const unsigned char *)key;
  return table_find_hashed(v, tab, k, len, tok_hash(k, len));
}

/* Inserts every id whose string starts with prefix (all ids when prefix_len is 0 and skip is
 * 0), keyed from byte skip on. Returns 0, BRASS_ENOMEM, or BRASS_EFORMAT with *dup set. */
static int table_build(tok_vocab *v, tok_table *tab, size_t count, const char *prefix,
                       size_t prefix_len, int later_wins, int *dup) {
  uint32_t cap = 16;
  while (cap < 2 * count + 2) cap *= 2;
  tab->slots = calloc(cap, sizeof *tab->slots);
  size_t bits = 64;
  while (bits < 32 * count) bits *= 2;
  tab->bloom = calloc(bits / 64, sizeof *tab->bloom);
  if (!tab->slots || !tab->bloom) return BRASS_ENOMEM;
  tab->bloom_mask = bits - 1;
  tab->mask = cap - 1;
  tab->skip = (uint32_t)prefix_len;
  tab->max_key = 0;
  for (int id = 0; id < v->n_ids; id++) {
    if (v->off[id] == UINT32_MAX) continue;
    const unsigned char *s = (const unsigned char *)v->pool + v->off[id];
    size_t len = v->len[id];
    if (len < prefix_len || memcmp(s, prefix, prefix_len) != 0) continue;
    uint64_t h = tok_hash(s + prefix_len, len - prefix_len);
    uint32_t i = table_probe(v, tab, s + prefix_len, len - prefix_len, h);
    if (tab->slots[i] != 0 && !later_wins) {
      *dup = id;
      return BRASS_EFORMAT;
    }
    tab->slots[i] = (slot_check(h, len - prefix_len) << SLOT_ID_BITS) | (uint64_t)(id + 1);
    uint64_t b = (h >> 12) & tab->bloom_mask;
    tab->bloom[b >> 6] |= 1ull << (b & 63);
    if (len - prefix_len > tab->max_key) tab->max_key = (uint32_t)(len - prefix_len);
  }
  return 0;
}

int tok_vocab_finish(tok_vocab *v, const char *prefix, size_t prefix_len, int later_wins,
                     int *dup) {
  size_t count = 0, with_prefix = 0;
  int last = -1;
  for (int id = 0; id < v->n_ids; id++) {
    if (v->off[id] == UINT32_MAX) continue;
    count++;
    last = id;
    if (v->len[id] >= prefix_len && memcmp(v->pool + v->off[id], prefix, prefix_len) == 0)
      with_prefix++;
  }
  v->n_ids = last + 1;
  int rc = table_build(v, &v->whole, count, "", 0, later_wins, dup);
  if (rc) return rc;
  rc = table_build(v, &v->cont, with_prefix, prefix, prefix_len, later_wins, dup);
  if (rc) return rc;
  /* Distinct strings: ids that won their slot in the whole table. */
  v->n_tokens = 0;
  for (uint32_t i = 0; i <= v->whole.mask; i++) v->n_tokens += v->whole.slots[i] != 0;
  return 0;
}

int tok_wordpiece(const tokenizer *t, const unsigned char *w, size_t wlen, tok_piece *pieces) {
  const tok_vocab *v = &t->vocab;
  uint64_t ph[TOK_MAX_TOKEN_BYTES + 1]; /* ph[k]: running hash of w[start, start + k) */
  int n = 0;
  size_t start = 0;
  while (start < wlen) {
    const tok_table *tab = start == 0 ? &v->whole : &v->cont;
    if (!tab->slots) return 0;
    size_t end = wlen;
    if (end - start > tab->max_key) {
      end = start + tab->max_key;
      while (end > start && (w[end] & 0xC0) == 0x80) end--; /* back to a character start */
    }
    uint64_t h = FNV_BASIS;
    for (size_t k = 0; k < end - start; k++) ph[k + 1] = h = hash_step(h, w[start + k]);
    int id = -1;
    while (end > start) {
      size_t len = end - start;
      id = table_find_hashed(v, tab, w + start, len, hash_final(ph[len], len));
      if (id >= 0) break;
      end--;
      while (end > start && (w[end] & 0xC0) == 0x80) end--;
    }
    if (id < 0) return 0;
    pieces[n].id = id;
    pieces[n].start = (uint32_t)start;
    pieces[n].end = (uint32_t)end;
    n++;
    start = end;
  }
  return n;
}
