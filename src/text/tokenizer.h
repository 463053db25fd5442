/*
 * tokenizer.h - BERT WordPiece tokenisation exactly as Hugging Face tokenizers runs it.
 *
 * Pipeline: added/special tokens are split out of the raw text first; the rest goes through
 * BertNormalizer (clean text, spaces around CJK ideographs, lowercase, NFD + strip accents,
 * as configured), BertPreTokenizer (split on whitespace, isolate Unicode punctuation), WordPiece
 * (greedy longest match with the continuation prefix, words longer than max_input_chars_per_word
 * become [UNK]), truncation, and the [CLS] ... [SEP] template.
 * Loaded from tokenizer.json, or from vocab.txt (+ tokenizer_config.json for do_lower_case etc.).
 * Invalid UTF-8 in the input is decoded with each bad byte replaced by U+FFFD (see the .c file).
 */
#ifndef BRASS_TEXT_TOKENIZER_H
#define BRASS_TEXT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"

typedef struct tokenizer tokenizer;

int tok_open_json(const char *path, tokenizer **out, brass_error *err);
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

/* Encodes len bytes of text as [CLS] tokens [SEP], keeping at most max_len ids in all
 * (max_len >= 2; longer inputs are truncated before [SEP], as HF truncation does). Writes at
 * most cap ids to ids and, if offsets is not NULL, 2 * cap ints: the byte range [start, end) in
 * text that each id came from ([0, 0) for the template's [CLS]/[SEP]). Returns the number of ids
 * the encoding has (which may exceed cap), or a negative BRASS_E* code. Thread-safe: t is only read. */
int tok_encode(const tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids,
               int32_t *offsets, int cap);

#endif
