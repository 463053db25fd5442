/*
 * tokenizer.h - BERT WordPiece tokenisation exactly as Hugging Face tokenizers runs it.
 *
 * Pipeline: added/special tokens are split out of the raw text first; the rest goes through
 * BertNormalizer (clean text, spaces around CJK ideographs, lowercase, NFD + strip accents,
 * as configured), BertPreTokenizer (split on whitespace, isolate Unicode punctuation), WordPiece
 * (greedy longest match with the continuation prefix, words longer than max_input_chars_per_word
 * become [UNK]), truncation, and the [CLS] ... [SEP] template.
 * Loaded from tokenizer.json, or from vocab.txt (+ tokenizer_config.json for do_lower_case etc.).
 * Invalid UTF-8 in the input is decoded as WHATWG's TextDecoder does: each maximal invalid
 * subpart becomes one U+FFFD (see utf8.c), which clean_text then drops.
 */
#ifndef BRASS_TEXT_TOKENIZER_H
#define BRASS_TEXT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"

typedef struct tokenizer tokenizer;

int tok_open_json(const char *path, tokenizer **out, brass_error *err);
/* The same from a tokenizer.json already in memory; name (may be NULL) is used in messages. */
int tok_open_json_mem(const char *data, size_t len, const char *name, tokenizer **out,
                      brass_error *err);
/* config_path (tokenizer_config.json) may be NULL or name a missing file: defaults apply. */
int tok_open_vocab(const char *vocab_path, const char *config_path, tokenizer **out,
                   brass_error *err);
void tok_close(tokenizer *t);

int tok_vocab_size(const tokenizer *t);
/* Id of a token string, or -1. */
int tok_token_id(const tokenizer *t, const char *token);
/* Token string of an id, or NULL. */
const char *tok_id_token(const tokenizer *t, int id);
int tok_cls_id(const tokenizer *t);
int tok_sep_id(const tokenizer *t);
int tok_pad_id(const tokenizer *t);
int tok_unk_id(const tokenizer *t);
/* The file's own length limit (tokenizer.json truncation.max_length, or tokenizer_config.json
 * model_max_length), or 0 if it gives none. */
int tok_max_length(const tokenizer *t);
/* Ids the template adds around the sequence (2 for [CLS] ... [SEP]). */
int tok_num_special(const tokenizer *t);

/* Encodes len bytes of text as [CLS] tokens [SEP], keeping at most max_len ids in all
 * (max_len >= tok_num_special(t), else BRASS_EINVAL; longer inputs are truncated before [SEP],
 * as HF truncation does; max_len <= 0 means no truncation). Writes at most cap ids to ids and,
 * if offsets is not NULL, 2 * cap ints: the byte range [start, end) in text that each id came
 * from ([0, 0) for the template's [CLS]/[SEP]; the characters HF reports, as bytes). Returns
 * the number of ids the encoding has (which may exceed cap), or a negative BRASS_E* code.
 * Any bytes are accepted (invalid UTF-8 included). Thread-safe: t is only read; the work
 * stops once max_len ids are known, so long documents cost no more than their first ids. */
int tok_encode(const tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids,
               int32_t *offsets, int cap);

/* The same without the template ([CLS], [SEP]): the text's own ids, at most max_len of them
 * (max_len <= 0: all), as HF's encode(text, add_special_tokens=False) gives them. */
int tok_encode_plain(const tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids,
                     int cap);

/* Encodes a pair as HF's encode(a, b) does for BERT: [CLS] a [SEP] b [SEP], token types 0 up to
 * and including the first [SEP] and 1 after it, the two texts truncated `longest_first` so that
 * the whole has at most max_len ids (max_len <= 0: no truncation; otherwise at least the
 * template's ids, else BRASS_EINVAL). Writes ids and types (cap each) only when the encoding
 * fits in cap; returns its length either way, or a negative BRASS_E* code. */
int tok_encode_pair(const tokenizer *t, const char *a, size_t alen, const char *b, size_t blen,
                    int max_len, int32_t *ids, uint8_t *types, int cap);

/* Runs only the added-token split, normalizer and pre-tokenizer, calling fn once per word with
 * its normalized UTF-8 (len bytes) and character count (for tests and tools; added tokens that
 * match are skipped; a word over max_input_chars_per_word characters is cut to that many).
 * Returns 0 or a negative BRASS_E* code. */
typedef void (*tok_word_fn)(void *ctx, const char *word, size_t len, int chars);
int tok_pretokenize(const tokenizer *t, const char *text, size_t len, tok_word_fn fn, void *ctx);

#endif
