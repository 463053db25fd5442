/*
 * static_model.h - static embedding models: a token-embedding table and nothing else. Two layouts:
 *   - model2vec (minishlab/potion-*): config.json {"model_type": "model2vec", "normalize"},
 *     model.safetensors ["embeddings"] (vocab, dim), tokenizer.json;
 *   - sentence-transformers StaticEmbedding (static-retrieval-mrl-en-v1): modules.json naming a
 *     StaticEmbedding module folder with model.safetensors ["embedding.weight"] and
 *     tokenizer.json, and a Normalize module when the vectors are normalised.
 * A text's vector is the mean of its tokens' rows (no [CLS]/[SEP]), optionally L2-normalised.
 * model2vec does what its encode() does by default (max_length=512): the text is first cut to
 * 512 x the vocabulary's median token length in characters, [UNK] ids are dropped, at most 512
 * ids kept. The sentence-transformers module keeps every id.
 */
#ifndef BRASS_MODEL_STATIC_MODEL_H
#define BRASS_MODEL_STATIC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"
#include "model/safetensors.h"
#include "text/tokenizer.h"

typedef enum static_kind { STATIC_NONE = 0, STATIC_MODEL2VEC = 1, STATIC_ST = 2 } static_kind;

typedef struct static_model {
  static_kind kind;
  int vocab, dim;
  int normalize;
  int drop_unk; /* model2vec: [UNK] ids are removed before averaging */
  int max_ids;  /* ids kept per text after dropping; 0 = all */
  /* model2vec: characters (code points) of a text kept before tokenising; 0 = all */
  size_t max_chars;
  st_file file; /* stays open: rows are read from it */
  const unsigned char *table;
  unsigned char *table_copy; /* read-in files (WebAssembly): the table's own copy, file closed */
  st_dtype dtype;
} static_model;

/* Which layout dir holds (STATIC_NONE for a BERT folder); tok_dir receives the folder holding
 * its tokenizer.json and model.safetensors. Errors (a broken modules.json) are negative. */
int static_detect(const char *dir, char *tok_dir, size_t cap, brass_error *err);

/* Loads the table and settings of a folder static_detect() recognised. */
int static_load(const char *dir, static_kind kind, const char *tok_dir, static_model *s,
                brass_error *err);
void static_free(static_model *s);

/* out (dim floats) = mean of the rows of ids[0..n) (after dropping unk_id when the model says
 * so), normalised if the model says so; zeros when no id is left. */
void static_embed_ids(const static_model *s, const int32_t *ids, int n, int unk_id, float *out);

/* model2vec: sets max_chars to max_ids x the median length in characters of tok's vocabulary
 * entries (numpy's median, truncated to an int, as model2vec's median_token_length). */
void static_set_char_limit(static_model *s, const tokenizer *tok);
/* How many bytes of the UTF-8 text (len bytes) hold its first s->max_chars characters. */
size_t static_cut_bytes(const static_model *s, const char *text, size_t len);

#endif
