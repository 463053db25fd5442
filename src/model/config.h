/*
 * config.h - what a model directory says about the model: the BERT hyper-parameters from
 * config.json and the sentence-transformers pipeline (pooling, normalisation, sequence length,
 * prompts) from modules.json, 1_Pooling/config.json, sentence_bert_config.json and
 * config_sentence_transformers.json.
 *
 * Choices where the files are silent (documented in docs/ and in config.c):
 *   - Missing BERT fields take BertConfig's defaults (hidden 768, 12 layers, eps 1e-12, ...); the
 *     weights' shapes are checked against the result, so a wrong default cannot go unnoticed.
 *   - Pooling: mean when there is no pooling config.
 *   - Normalisation: when modules.json exists, exactly when it lists a Normalize module (as
 *     sentence-transformers does); without modules.json brass normalises, since it embeds for
 *     cosine search.
 *   - Sequence length: sentence_bert_config.json's max_seq_length, else the tokenizer's own
 *     limit (applied by model.c once the tokenizer is open), else min(512,
 *     max_position_embeddings) (JinaBERT: max_position_embeddings, 8,192, as its
 *     sentence-transformers file says); never more than max_position_embeddings.
 *   - Prefixes: config_sentence_transformers.json's prompts {"query", "passage"/"document"} if
 *     present; else "query: " / "passage: " for e5 models (an "e5" word in the directory's name,
 *     or the repository's in a Hugging Face cache snapshot, or in config.json's _name_or_path);
 *     else none. brass_model_options override all of this.
 */
#ifndef BRASS_MODEL_CONFIG_H
#define BRASS_MODEL_CONFIG_H

#include "brass.h"
#include "nn/gemm.h"

typedef enum model_pooling { MODEL_POOL_MEAN = 0, MODEL_POOL_CLS = 1 } model_pooling;

/* The encoder's family: BERT (absolute positions, GELU feed-forward), or JinaBERT v2 (ALiBi
 * attention bias instead of positions, GEGLU feed-forward; see model/jina.c). */
typedef enum model_arch { MODEL_ARCH_BERT = 0, MODEL_ARCH_JINA = 1 } model_arch;

#define MODEL_PREFIX_MAX 256

typedef struct model_config {
  /* config.json (BERT) */
  int hidden;       /* hidden_size */
  int layers;       /* num_hidden_layers */
  int heads;        /* num_attention_heads; divides hidden */
  int intermediate; /* intermediate_size */
  int max_position; /* max_position_embeddings */
  int type_vocab;   /* type_vocab_size (>= 1: row 0 is used) */
  int vocab;        /* vocab_size */
  float ln_eps;     /* layer_norm_eps */
  model_arch arch;  /* JINA: position_embedding_type "alibi" with feed_forward_type "geglu" */
  /* sentence-transformers */
  model_pooling pooling;
  int normalize;
  int max_seq_length; /* tokens including [CLS] and [SEP]; 2 .. max_position */
  int max_seq_given;  /* 1 if max_seq_length came from sentence_bert_config.json or the caller */
  int is_e5;
  char query_prefix[MODEL_PREFIX_MAX];
  char passage_prefix[MODEL_PREFIX_MAX];
  /* not from the files: how the caller wants the Linear layers run (config_load sets GEMM_F32;
   * model.c applies brass_model_options.dtype / $BRASS_DTYPE) */
  gemm_dtype dtype;
} model_config;

/* Parses config.json text (path names it in messages) into the BERT fields of cfg, refusing
 * other architectures and activations with BRASS_EUNSUPPORTED. Sets is_e5 from _name_or_path.
 * JinaBERT v2 (architectures JinaBert*, position_embedding_type "alibi", feed_forward_type
 * "geglu") sets arch = MODEL_ARCH_JINA. */
int config_parse_bert(const char *json, size_t len, const char *path, model_config *cfg,
                      brass_error *err);

/* Loads everything above from dir (config.json is required; the others are optional).
 * max_seq_length > 0 overrides the model's value (BRASS_ERANGE if it exceeds the positions). */
int config_load(const char *dir, int max_seq_length, model_config *cfg, brass_error *err);

#endif
