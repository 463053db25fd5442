/*
 * tok_internal.h - the private layout of a tokenizer and the helpers its files share.
 *
 * A tokenizer is built once by tokenizer_load.c and then only read, so one instance may encode
 * on many threads at once. The pieces:
 *   - tok_vocab (wordpiece.c): token strings in one pool, ids into it, and two open-addressing
 *     hash tables: "whole" maps every token, "cont" maps tokens that start with the continuing
 *     prefix ("##") by the text after the prefix, so word pieces are looked up in place without
 *     building "##piece" strings.
 *   - the BertNormalizer switches, the pre-tokenizer kind and a 128-entry table that folds the
 *     whole per-character pipeline for ASCII bytes (the common case) into one lookup.
 *   - added tokens (the specials), matched in the raw text before anything else.
 *   - the post-processor template as the ids before and after the sequence.
 * UTF-8 decoding (utf8.c), the per-character Unicode rules (normalize.c, pretokenize.c) and the
 * encoder (tokenizer.c) meet here.
 */
#ifndef BRASS_TEXT_TOK_INTERNAL_H
#define BRASS_TEXT_TOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "text/tokenizer.h"

/* Limits the loaders enforce; inputs beyond them are refused as malformed. */
#define TOK_MAX_ID ((1 << 24) - 1)      /* largest token id */
#define TOK_MAX_TOKEN_BYTES 1024        /* longest token string */
#define TOK_MAX_PREFIX_BYTES 16         /* longest continuing-subword prefix */
#define TOK_MAX_WORD_CHARS 100000       /* largest max_input_chars_per_word */
#define TOK_MAX_ADDED 16384             /* most added tokens */
#define TOK_MAX_TEMPLATE 8              /* most ids before or after the sequence */
#define TOK_MAX_FILE_BYTES (256u << 20) /* largest tokenizer.json / vocab.txt */

/* ---- UTF-8 (utf8.c) ---------------------------------------------------------------------- */

/* Decodes one code point from s[*pos..len) (requires *pos < len) and advances *pos past it.
 * Invalid input decodes to U+FFFD, one per maximal invalid subpart (WHATWG / TextDecoder). */
uint32_t tok_utf8_next(const unsigned char *s, size_t len, size_t *pos);
/* Writes cp (a scalar value) as UTF-8 to out (4 bytes of room); returns the byte count. */
int tok_utf8_put(uint32_t cp, unsigned char *out);

/* ---- vocabulary (wordpiece.c) ------------------------------------------------------------ */

typedef struct tok_table {
  uint64_t *slots; /* (mask + 1): 0 = empty, else hash tag | key length | id + 1 (wordpiece.c) */
  uint64_t *bloom; /* (bloom_mask + 1) / 64 words: one bit per key hash, a filter for misses */
  uint64_t bloom_mask;
  uint32_t mask;    /* capacity - 1, capacity a power of two at least twice the entries */
  uint32_t skip;    /* key = token string minus its first skip bytes (the prefix, for "cont") */
  uint32_t max_key; /* longest key in bytes: longer candidates cannot match */
} tok_table;

typedef struct tok_vocab {
  char *pool; /* all token strings, each NUL-terminated */
  size_t pool_len, pool_cap;
  uint32_t *off;   /* (n_ids) offset of each id's string in pool, UINT32_MAX = no token */
  uint32_t *len;   /* (n_ids) byte length of each id's string */
  int n_ids;       /* ids are 0 .. n_ids-1 (holes allowed); capacity until finished */
  int top;         /* largest id added + 1 */
  int n_tokens;    /* distinct strings in the whole table */
  tok_table whole; /* every token */
  tok_table cont;  /* tokens starting with the prefix, keyed without it */
} tok_vocab;

/* Builds an empty vocabulary; tok_vocab_add() fills it, tok_vocab_finish() builds the tables. */
void tok_vocab_init(tok_vocab *v);
void tok_vocab_free(tok_vocab *v);
/* Records token (len bytes) with id. Returns 0, BRASS_ENOMEM, or 1 if id is already taken. */
int tok_vocab_add(tok_vocab *v, const char *token, size_t len, int id);
/* Builds both hash tables. A string given twice resolves to the later id if later_wins, else
 * *dup receives the first duplicated id and BRASS_EFORMAT is returned. */
int tok_vocab_finish(tok_vocab *v, const char *prefix, size_t prefix_len, int later_wins, int *dup);
/* Id of key (len bytes) in table, or -1. */
int tok_table_find(const tok_vocab *v, const tok_table *tab, const char *key, size_t len);

/* ---- the tokenizer ----------------------------------------------------------------------- */

/* What the per-character pipeline does with one ASCII byte (precomputed per tokenizer). */
enum { TOK_A_DROP = 0, TOK_A_SPACE = 1, TOK_A_PUNCT = 2, TOK_A_CHAR = 3 };

typedef struct tok_added {
  char *content; /* NUL-terminated */
  size_t len;
  int id;
  unsigned char single_word, lstrip, rstrip;
} tok_added;

enum { TOK_PRE_NONE = 0, TOK_PRE_BERT = 1 };

struct tokenizer {
  tok_vocab vocab;
  char prefix[TOK_MAX_PREFIX_BYTES + 1]; /* continuing-subword prefix, usually "##" */
  size_t prefix_len;
  int unk_id;
  int max_word_chars; /* max_input_chars_per_word: longer words become [UNK] */

  /* BertNormalizer (all 0 when the file has no normalizer). */
  int clean_text, handle_chinese, strip_accents, lowercase;
  int pre;                                      /* TOK_PRE_* */
  unsigned char ascii_act[128], ascii_chr[128]; /* TOK_A_* and the byte it becomes */

  /* Added tokens matched in the raw text, longest first; first_byte marks their first bytes. */
  tok_added *added;
  int n_added;
  unsigned char first_byte[256];

  /* Post-processor template: pre ids, the sequence, post ids. */
  int32_t tmpl_pre[TOK_MAX_TEMPLATE], tmpl_post[TOK_MAX_TEMPLATE];
  int n_pre, n_post;

  int cls_id, sep_id, pad_id;
  int max_length; /* from the file's truncation or model_max_length; 0 = none given */
};

/* Fills ascii_act / ascii_chr from the normalizer and pre-tokenizer switches. */
void tok_build_ascii_table(tokenizer *t);

/* One WordPiece piece: its id and its byte range in the word. */
typedef struct tok_piece {
  int32_t id;
  uint32_t start, end;
} tok_piece;

/* Splits word w (wlen > 0 bytes of valid UTF-8, at most max_word_chars characters) greedily,
 * longest match first. Returns the piece count (pieces needs room for one per character), or
 * 0 when some part of the word matches nothing, so the word is [UNK]. */
int tok_wordpiece(const tokenizer *t, const unsigned char *w, size_t wlen, tok_piece *pieces);

/* ---- per-character Unicode rules (normalize.c, pretokenize.c) ----------------------------- */

/* HF's BertNormalizer is_control: categories Cc, Cf, Co, except \t \n \r. */
int tok_is_control(uint32_t cp);
/* Rust char::is_whitespace (the Unicode White_Space property). */
int tok_is_whitespace(uint32_t cp);
/* The CJK ideograph blocks BertNormalizer puts spaces around. */
int tok_is_chinese(uint32_t cp);
/* Category Mn (what strip_accents drops after NFD). */
int tok_is_nonspacing_mark(uint32_t cp);
/* Canonical combining class (NFD orders runs of non-zero classes). */
int tok_ccc(uint32_t cp);
/* Canonical decomposition (NFD) of cp into out (room for 8); returns the count. */
int tok_nfd(uint32_t cp, uint32_t *out);
/* Rust char::to_lowercase into out (room for 3); returns the count. */
int tok_lower(uint32_t cp, uint32_t *out);
/* BertPreTokenizer punctuation: ASCII punctuation or Unicode category P*. */
int tok_is_punct(uint32_t cp);

/* ---- generated tables (unicode_tables.c, see tests/oracle/gen_unicode_tables.py) ---------- */

extern const uint32_t tok_uc_control[][2], tok_uc_punct[][2], tok_uc_mark[][2], tok_uc_ccc0[][2];
extern const int tok_uc_control_n, tok_uc_punct_n, tok_uc_mark_n, tok_uc_ccc0_n;
extern const uint32_t tok_uc_nfd[][6]; /* cp, n, n code points */
extern const int tok_uc_nfd_n;
extern const uint32_t tok_uc_lower[][2]; /* cp, lowercase */
extern const int tok_uc_lower_n;

/* 1 if cp lies in one of the n sorted, disjoint ranges [lo, hi]. */
int tok_in_ranges(const uint32_t (*r)[2], int n, uint32_t cp);
/* Row of a table sorted by its first column whose first entry is cp, or -1. */
int tok_find_row(const uint32_t *rows, int stride, int n, uint32_t cp);

#endif
