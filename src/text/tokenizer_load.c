/*
 * tokenizer_load.c - building a tokenizer from tokenizer.json, or from vocab.txt plus
 * tokenizer_config.json, with every malformed input refused by a message naming the file.
 *
 * tokenizer.json (Hugging Face tokenizers' serialisation) is read with cJSON. We accept what
 * BERT-family models ship: model WordPiece (a missing "type" is accepted when the object has
 * WordPiece's fields, as old files do), normalizer BertNormalizer or null, pre_tokenizer
 * BertPreTokenizer or null, post_processor TemplateProcessing, BertProcessing or null, and
 * added tokens matched in the raw text (normalized=false). Anything else (BPE, Unigram, other
 * normalizers...) is BRASS_EUNSUPPORTED rather than silently tokenized differently.
 *
 * vocab.txt holds one token per line, the id being the line number (a string listed twice
 * resolves to the later line, as HF's Python loader does). tokenizer_config.json supplies
 * do_lower_case, tokenize_chinese_chars, strip_accents, the special token strings,
 * added_tokens_decoder and model_max_length; the result is the tokenizer HF's BertTokenizerFast
 * builds from the same files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/error.h"
#include "base/file.h"
#include "text/tok_internal.h"

static tokenizer *tok_new(void) {
  tokenizer *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  tok_vocab_init(&t->vocab);
  memcpy(t->prefix, "##", 3);
  t->prefix_len = 2;
  t->max_word_chars = 100;
  t->unk_id = t->cls_id = t->sep_id = t->pad_id = -1;
  return t;
}

static int utf8_valid(const char *s, size_t len) {
  size_t p = 0;
  while (p < len) {
    size_t q = p;
    uint32_t cp = tok_utf8_next((const unsigned char *)s, len, &q);
    if (cp == 0xFFFD && !(q - p == 3 && (unsigned char)s[p] == 0xEF)) return 0;
    p = q;
  }
  return 1;
}

/* Appends an added token (content copied). Returns 0, BRASS_ENOMEM, or BRASS_ERANGE past
 * TOK_MAX_ADDED tokens. */
static int add_token(tokenizer *t, const char *content, int id, int single_word, int lstrip,
                     int rstrip) {
  size_t len = strlen(content);
  for (int i = 0; i < t->n_added; i++) /* a repeated entry updates the earlier one */
    if (t->added[i].len == len && memcmp(t->added[i].content, content, len) == 0) {
      t->added[i].id = id;
      t->added[i].single_word = (unsigned char)single_word;
      t->added[i].lstrip = (unsigned char)lstrip;
      t->added[i].rstrip = (unsigned char)rstrip;
      return 0;
    }
  if (t->n_added >= TOK_MAX_ADDED) return BRASS_ERANGE;
  tok_added *a = realloc(t->added, (size_t)(t->n_added + 1) * sizeof *a);
  if (!a) return BRASS_ENOMEM;
  t->added = a;
  char *c = malloc(len + 1);
  if (!c) return BRASS_ENOMEM;
  memcpy(c, content, len + 1);
  a[t->n_added].content = c;
  a[t->n_added].len = len;
  a[t->n_added].id = id;
  a[t->n_added].single_word = (unsigned char)single_word;
  a[t->n_added].lstrip = (unsigned char)lstrip;
  a[t->n_added].rstrip = (unsigned char)rstrip;
  t->n_added++;
  return 0;
}

/* Linear search for a string among the ids (before the hash tables exist); the last id wins. */
static int vocab_find_linear(const tokenizer *t, const char *s, size_t len) {
  int id = -1;
  for (int i = 0; i < t->vocab.n_ids; i++)
    if (t->vocab.off[i] != UINT32_MAX && t->vocab.len[i] == len &&
        memcmp(t->vocab.pool + t->vocab.off[i], s, len) == 0)
      id = i;
  return id;
}

static int vocab_has(const tokenizer *t, const char *s, size_t len) {
  return vocab_find_linear(t, s, len) >= 0;
}

/* Gives an added token's id its string in the vocabulary (so tok_id_token knows it), unless
 * the id already has one or the string is there under another id. Returns 0 or ENOMEM. */
static int vocab_add_if_new(tokenizer *t, const char *s, size_t len, int id) {
  if (id < t->vocab.n_ids && t->vocab.off[id] != UINT32_MAX) return 0;
  if (vocab_has(t, s, len)) return 0;
  return tok_vocab_add(&t->vocab, s, len, id) == BRASS_ENOMEM ? BRASS_ENOMEM : 0;
}

/* add_token, with the message on failure. */
static int add_token_msg(tokenizer *t, const char *content, int id, int sw, int ls, int rs,
                         const char *name, brass_error *err) {
  int rc = add_token(t, content, id, sw, ls, rs);
  if (rc == BRASS_ERANGE)
    return err_set(err, rc, "%s: more than %d added tokens", name, TOK_MAX_ADDED);
  if (rc) return err_set(err, rc, "%s: out of memory", name);
  return 0;
}

static int cmp_added_len(const void *a, const void *b) {
  const tok_added *x = a, *y = b;
  return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

/* Shared last steps: hash tables, [UNK], special ids, tables for the encoder. */
static int tok_finish(tokenizer *t, const char *name, const char *unk, int later_wins,
                      brass_error *err) {
  int dup = -1;
  int rc = tok_vocab_finish(&t->vocab, t->prefix, t->prefix_len, later_wins, &dup);
  if (rc == BRASS_ENOMEM)
    return err_set(err, rc, "%s: out of memory building the vocabulary", name);
  if (rc)
    return err_set(err, rc, "%s: token \"%.64s\" (id %d) is listed twice", name,
                   tok_id_token(t, dup), dup);
  if (t->vocab.n_tokens == 0)
    return err_set(err, BRASS_EFORMAT, "%s: the vocabulary is empty", name);
  t->unk_id = tok_token_id(t, unk);
  if (t->unk_id < 0)
    return err_set(err, BRASS_EFORMAT, "%s: unk_token \"%.64s\" is not in the vocabulary", name,
                   unk);
  if (t->n_added > 1) qsort(t->added, (size_t)t->n_added, sizeof *t->added, cmp_added_len);
  memset(t->first_byte, 0, sizeof t->first_byte);
  for (int i = 0; i < t->n_added; i++) t->first_byte[(unsigned char)t->added[i].content[0]] = 1;
  if (t->cls_id < 0) t->cls_id = t->n_pre > 0 ? t->tmpl_pre[0] : tok_token_id(t, "[CLS]");
  if (t->sep_id < 0)
    t->sep_id = t->n_post > 0 ? t->tmpl_post[t->n_post - 1] : tok_token_id(t, "[SEP]");
  if (t->pad_id < 0) t->pad_id = tok_token_id(t, "[PAD]");
  if (t->pad_id < 0) t->pad_id = 0;
  tok_build_ascii_table(t);
  return 0;
}

/* ---- JSON helpers ------------------------------------------------------------------------- */

/* Reads an optional boolean: absent or null gives dflt; anything else but a bool is an error. */
static int json_bool(const cJSON *obj, const char *key, int dflt, int *out, const char *name,
                     const char *where, brass_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return 0;
  }
  if (!cJSON_IsBool(v))
    return err_set(err, BRASS_EFORMAT, "%s: %s \"%s\" is not true or false", name, where, key);
  *out = cJSON_IsTrue(v);
  return 0;
}

/* Reads an integer in [lo, hi]. */
static int json_int(const cJSON *v, long lo, long hi, long *out) {
  if (!cJSON_IsNumber(v)) return -1;
  double d = v->valuedouble;
  if (!(d >= (double)lo && d <= (double)hi) || floor(d) != d) return -1;
  *out = (long)d;
  return 0;
}

static const char *json_str(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- tokenizer.json ----------------------------------------------------------------------- */

static int load_model(tokenizer *t, const cJSON *model, const char *name, const char **unk,
                      brass_error *err) {
  if (!cJSON_IsObject(model)) return err_set(err, BRASS_EFORMAT, "%s: no \"model\" object", name);
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
  const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
  if (type) {
    if (!cJSON_IsString(type))
      return err_set(err, BRASS_EFORMAT, "%s: model \"type\" is not a string", name);
    if (strcmp(type->valuestring, "WordPiece") != 0)
      return err_set(err, BRASS_EUNSUPPORTED,
                     "%s: model type \"%.32s\" is not supported (only WordPiece)", name,
                     type->valuestring);
  } else if (cJSON_GetObjectItemCaseSensitive(model, "merges") || cJSON_IsArray(vocab) ||
             !cJSON_GetObjectItemCaseSensitive(model, "continuing_subword_prefix")) {
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: model has no \"type\" and is not WordPiece (only WordPiece is supported)",
                   name);
  }
  if (!cJSON_IsObject(vocab))
    return err_set(err, BRASS_EFORMAT, "%s: model has no \"vocab\" object", name);

  const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(model, "continuing_subword_prefix");
  if (prefix && !cJSON_IsNull(prefix)) {
    if (!cJSON_IsString(prefix) || strlen(prefix->valuestring) > TOK_MAX_PREFIX_BYTES)
      return err_set(err, BRASS_EFORMAT,
                     "%s: continuing_subword_prefix is not a string of at most %d bytes", name,
                     TOK_MAX_PREFIX_BYTES);
    t->prefix_len = strlen(prefix->valuestring);
    memcpy(t->prefix, prefix->valuestring, t->prefix_len + 1);
  }
  const cJSON *mc = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
  if (mc && !cJSON_IsNull(mc)) {
    long v;
    if (json_int(mc, 1, TOK_MAX_WORD_CHARS, &v))
      return err_set(err, BRASS_EFORMAT, "%s: max_input_chars_per_word is not an integer in 1..%d",
                     name, TOK_MAX_WORD_CHARS);
    t->max_word_chars = (int)v;
  }
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
  if (u && !cJSON_IsString(u))
    return err_set(err, BRASS_EFORMAT, "%s: model unk_token is not a string", name);
  *unk = u ? u->valuestring : "[UNK]";

  const cJSON *item;
  cJSON_ArrayForEach(item, vocab) {
    long id;
    if (json_int(item, 0, TOK_MAX_ID, &id))
      return err_set(err, BRASS_EFORMAT, "%s: vocab entry \"%.64s\" has no integer id in 0..%d",
                     name, item->string, TOK_MAX_ID);
    size_t len = strlen(item->string);
    if (len > TOK_MAX_TOKEN_BYTES)
      return err_set(err, BRASS_EFORMAT, "%s: vocab entry \"%.64s...\" is longer than %d bytes",
                     name, item->string, TOK_MAX_TOKEN_BYTES);
    int rc = tok_vocab_add(&t->vocab, item->string, len, (int)id);
    if (rc == BRASS_ENOMEM) return err_set(err, rc, "%s: out of memory", name);
    if (rc)
      return err_set(err, BRASS_EFORMAT, "%s: id %ld is given to \"%.64s\" and \"%.64s\"", name, id,
                     t->vocab.pool + t->vocab.off[id], item->string);
  }
  return 0;
}

static int load_added(tokenizer *t, const cJSON *added, const char *name, brass_error *err) {
  if (!added || cJSON_IsNull(added)) return 0;
  if (!cJSON_IsArray(added))
    return err_set(err, BRASS_EFORMAT, "%s: \"added_tokens\" is not an array", name);
  const cJSON *a;
  int i = 0;
  cJSON_ArrayForEach(a, added) {
    long id;
    const char *content = json_str(a, "content");
    if (!cJSON_IsObject(a) || !content ||
        json_int(cJSON_GetObjectItemCaseSensitive(a, "id"), 0, TOK_MAX_ID, &id))
      return err_set(
          err, BRASS_EFORMAT,
          "%s: added_tokens[%d] lacks a string \"content\" or an integer \"id\" in 0..%d", name, i,
          TOK_MAX_ID);
    size_t len = strlen(content);
    if (len > TOK_MAX_TOKEN_BYTES || !utf8_valid(content, len))
      return err_set(err, BRASS_EFORMAT,
                     "%s: added_tokens[%d] is longer than %d bytes or not UTF-8", name, i,
                     TOK_MAX_TOKEN_BYTES);
    int special, normalized, sw, ls, rs, rc;
    if ((rc = json_bool(a, "special", 0, &special, name, "added token", err)) ||
        (rc = json_bool(a, "normalized", !special, &normalized, name, "added token", err)) ||
        (rc = json_bool(a, "single_word", 0, &sw, name, "added token", err)) ||
        (rc = json_bool(a, "lstrip", 0, &ls, name, "added token", err)) ||
        (rc = json_bool(a, "rstrip", 0, &rs, name, "added token", err)))
      return rc;
    i++;
    if (len == 0) continue; /* HF ignores empty added tokens */
    if (vocab_add_if_new(t, content, len, (int)id))
      return err_set(err, BRASS_ENOMEM, "%s: out of memory", name);
    if (normalized) {
      /* Matched in normalized text only. With lowercase on, a token holding an ASCII capital
       * (e.g. "[SEP]" marked normalized) can never match there, so it changes nothing. */
      int can_match = 1;
      for (size_t k = 0; k < len; k++)
        if (t->lowercase && content[k] >= 'A' && content[k] <= 'Z') can_match = 0;
      if (can_match)
        return err_set(err, BRASS_EUNSUPPORTED,
                       "%s: added token \"%.64s\" with normalized=true is not supported", name,
                       content);
      continue;
    }
    if ((rc = add_token_msg(t, content, (int)id, sw, ls, rs, name, err))) return rc;
  }
  return 0;
}

static int load_normalizer(tokenizer *t, const cJSON *n, const char *name, brass_error *err) {
  if (!n || cJSON_IsNull(n)) return 0;
  const char *type = json_str(n, "type");
  if (!cJSON_IsObject(n) || !type)
    return err_set(err, BRASS_EFORMAT, "%s: \"normalizer\" has no \"type\"", name);
  if (strcmp(type, "BertNormalizer") != 0)
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: normalizer \"%.32s\" is not supported (only BertNormalizer)", name, type);
  int rc;
  if ((rc = json_bool(n, "clean_text", 1, &t->clean_text, name, "normalizer", err)) ||
      (rc = json_bool(n, "handle_chinese_chars", 1, &t->handle_chinese, name, "normalizer", err)) ||
      (rc = json_bool(n, "lowercase", 1, &t->lowercase, name, "normalizer", err)) ||
      (rc =
           json_bool(n, "strip_accents", t->lowercase, &t->strip_accents, name, "normalizer", err)))
    return rc;
  return 0;
}

static int load_pre(tokenizer *t, const cJSON *p, const char *name, brass_error *err) {
  t->pre = TOK_PRE_NONE;
  if (!p || cJSON_IsNull(p)) return 0;
  const char *type = json_str(p, "type");
  if (!cJSON_IsObject(p) || !type)
    return err_set(err, BRASS_EFORMAT, "%s: \"pre_tokenizer\" has no \"type\"", name);
  if (strcmp(type, "BertPreTokenizer") != 0)
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: pre_tokenizer \"%.32s\" is not supported (only BertPreTokenizer)", name,
                   type);
  t->pre = TOK_PRE_BERT;
  return 0;
}

/* Appends the ids of a template's SpecialToken to pre or post. */
static int template_special(tokenizer *t, const cJSON *specials, const char *tok_name,
                            int after_seq, const char *name, brass_error *err) {
  const cJSON *sp = cJSON_GetObjectItemCaseSensitive(specials, tok_name);
  const cJSON *ids = cJSON_GetObjectItemCaseSensitive(sp, "ids");
  if (!cJSON_IsArray(ids))
    return err_set(err, BRASS_EFORMAT,
                   "%s: post_processor special token \"%.64s\" has no \"ids\" array", name,
                   tok_name);
  const cJSON *v;
  cJSON_ArrayForEach(v, ids) {
    long id;
    int *n = after_seq ? &t->n_post : &t->n_pre;
    if (json_int(v, 0, TOK_MAX_ID, &id) || *n >= TOK_MAX_TEMPLATE)
      return err_set(err, BRASS_EFORMAT,
                     "%s: post_processor ids for \"%.64s\" are not integers in 0..%d, or more "
                     "than %d",
                     name, tok_name, TOK_MAX_ID, TOK_MAX_TEMPLATE);
    (after_seq ? t->tmpl_post : t->tmpl_pre)[(*n)++] = (int32_t)id;
  }
  return 0;
}

static int load_post(tokenizer *t, const cJSON *p, const char *name, brass_error *err) {
  if (!p || cJSON_IsNull(p)) return 0;
  const char *type = json_str(p, "type");
  if (!cJSON_IsObject(p) || !type)
    return err_set(err, BRASS_EFORMAT, "%s: \"post_processor\" has no \"type\"", name);
  if (strcmp(type, "BertProcessing") == 0) {
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(p, "cls");
    const cJSON *sep = cJSON_GetObjectItemCaseSensitive(p, "sep");
    long c, s;
    if (cJSON_GetArraySize(cls) != 2 || cJSON_GetArraySize(sep) != 2 ||
        json_int(cJSON_GetArrayItem(cls, 1), 0, TOK_MAX_ID, &c) ||
        json_int(cJSON_GetArrayItem(sep, 1), 0, TOK_MAX_ID, &s))
      return err_set(err, BRASS_EFORMAT,
                     "%s: BertProcessing needs \"cls\" and \"sep\" as [token, id]", name);
    t->tmpl_pre[t->n_pre++] = (int32_t)c;
    t->tmpl_post[t->n_post++] = (int32_t)s;
    return 0;
  }
  if (strcmp(type, "TemplateProcessing") != 0)
    return err_set(err, BRASS_EUNSUPPORTED,
                   "%s: post_processor \"%.32s\" is not supported (TemplateProcessing, "
                   "BertProcessing)",
                   name, type);
  const cJSON *single = cJSON_GetObjectItemCaseSensitive(p, "single");
  const cJSON *specials = cJSON_GetObjectItemCaseSensitive(p, "special_tokens");
  if (!cJSON_IsArray(single))
    return err_set(err, BRASS_EFORMAT, "%s: TemplateProcessing has no \"single\" array", name);
  int seen_seq = 0;
  const cJSON *piece;
  cJSON_ArrayForEach(piece, single) {
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(piece, "SpecialToken");
    const cJSON *sq = cJSON_GetObjectItemCaseSensitive(piece, "Sequence");
    if (sp && json_str(sp, "id")) {
      int rc = template_special(t, specials, json_str(sp, "id"), seen_seq, name, err);
      if (rc) return rc;
    } else if (sq && !seen_seq) {
      const char *id = json_str(sq, "id");
      if (!id || strcmp(id, "A") != 0)
        return err_set(err, BRASS_EUNSUPPORTED,
                       "%s: TemplateProcessing \"single\" uses a sequence other than A", name);
      seen_seq = 1;
    } else {
      return err_set(err, BRASS_EFORMAT,
                     "%s: TemplateProcessing \"single\" has a piece that is neither one "
                     "SpecialToken nor the sequence",
                     name);
    }
  }
  if (!seen_seq)
    return err_set(err, BRASS_EFORMAT, "%s: TemplateProcessing \"single\" has no sequence", name);
  return 0;
}

static int load_json_root(tokenizer *t, const cJSON *root, const char *name, brass_error *err) {
  if (!cJSON_IsObject(root)) return err_set(err, BRASS_EFORMAT, "%s: not a JSON object", name);
  const char *unk = NULL;
  int rc;
  if ((rc = load_normalizer(t, cJSON_GetObjectItemCaseSensitive(root, "normalizer"), name, err)))
    return rc;
  if ((rc = load_model(t, cJSON_GetObjectItemCaseSensitive(root, "model"), name, &unk, err)))
    return rc;
  if ((rc = load_added(t, cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), name, err)))
    return rc;
  if ((rc = load_pre(t, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), name, err)))
    return rc;
  if ((rc = load_post(t, cJSON_GetObjectItemCaseSensitive(root, "post_processor"), name, err)))
    return rc;
  const cJSON *trunc = cJSON_GetObjectItemCaseSensitive(root, "truncation");
  long v;
  if (cJSON_IsObject(trunc) &&
      !json_int(cJSON_GetObjectItemCaseSensitive(trunc, "max_length"), 1, 1 << 24, &v))
    t->max_length = (int)v;
  const cJSON *pad = cJSON_GetObjectItemCaseSensitive(root, "padding");
  if (cJSON_IsObject(pad) &&
      !json_int(cJSON_GetObjectItemCaseSensitive(pad, "pad_id"), 0, TOK_MAX_ID, &v))
    t->pad_id = (int)v;
  return tok_finish(t, name, unk, 0, err);
}

int tok_open_json_mem(const char *data, size_t len, const char *name, tokenizer **out,
                      brass_error *err) {
  *out = NULL;
  if (!name) name = "tokenizer.json";
  cJSON *root = cJSON_ParseWithLength(data, len);
  if (!root) return err_set(err, BRASS_EFORMAT, "%s: not valid JSON", name);
  tokenizer *t = tok_new();
  if (!t) {
    cJSON_Delete(root);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", name);
  }
  int rc = load_json_root(t, root, name, err);
  cJSON_Delete(root);
  if (rc) {
    tok_close(t);
    return rc;
  }
  *out = t;
  return 0;
}

int tok_open_json(const char *path, tokenizer **out, brass_error *err) {
  *out = NULL;
  char *data = NULL;
  size_t len = 0;
  int rc = file_read_text(path, TOK_MAX_FILE_BYTES, &data, &len, err);
  if (rc) return rc;
  rc = tok_open_json_mem(data, len, path, out, err);
  free(data);
  return rc;
}

/* ---- vocab.txt + tokenizer_config.json ---------------------------------------------------- */

/* A special token in tokenizer_config.json: a string, or an object with "content". */
static const char *config_token(const cJSON *cfg, const char *key, const char *dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
  if (cJSON_IsString(v)) return v->valuestring;
  if (cJSON_IsObject(v) && json_str(v, "content")) return json_str(v, "content");
  return dflt;
}

/* Adds a special token by string: its vocabulary id, or the next free id (as HF does). */
static int add_special(tokenizer *t, const char *content, const char *name, brass_error *err) {
  size_t len = strlen(content);
  if (len == 0) return 0;
  if (len > TOK_MAX_TOKEN_BYTES || !utf8_valid(content, len))
    return err_set(err, BRASS_EFORMAT, "%s: special token is longer than %d bytes or not UTF-8",
                   name, TOK_MAX_TOKEN_BYTES);
  int id = vocab_find_linear(t, content, len); /* the later line wins, as in the table */
  if (id < 0) {
    for (int i = 0; i < t->n_added; i++)
      if (strcmp(t->added[i].content, content) == 0) return 0;
    id = t->vocab.top; /* the next id after the vocabulary */
    if (id > TOK_MAX_ID || tok_vocab_add(&t->vocab, content, len, id) == BRASS_ENOMEM)
      return err_set(err, BRASS_ENOMEM, "%s: out of memory or ids", name);
  }
  return add_token_msg(t, content, id, 0, 0, 0, name, err);
}

static int load_config(tokenizer *t, const cJSON *cfg, const char *name, const char **unk,
                       brass_error *err) {
  int rc;
  t->pre = TOK_PRE_BERT;
  t->clean_text = 1;
  if ((rc = json_bool(cfg, "do_lower_case", 1, &t->lowercase, name, "config", err)) ||
      (rc = json_bool(cfg, "tokenize_chinese_chars", 1, &t->handle_chinese, name, "config", err)) ||
      (rc = json_bool(cfg, "strip_accents", t->lowercase, &t->strip_accents, name, "config", err)))
    return rc;
  long v;
  if (!json_int(cJSON_GetObjectItemCaseSensitive(cfg, "model_max_length"), 1, 1 << 24, &v))
    t->max_length = (int)v;
  *unk = config_token(cfg, "unk_token", "[UNK]");
  const char *cls = config_token(cfg, "cls_token", "[CLS]");
  const char *sep = config_token(cfg, "sep_token", "[SEP]");
  const char *names[5] = {config_token(cfg, "pad_token", "[PAD]"), *unk, cls, sep,
                          config_token(cfg, "mask_token", "[MASK]")};
  for (int i = 0; i < 5; i++)
    if ((rc = add_special(t, names[i], name, err))) return rc;
  const cJSON *extra = cJSON_GetObjectItemCaseSensitive(cfg, "additional_special_tokens"), *x;
  if (cJSON_IsArray(extra)) cJSON_ArrayForEach(x, extra) {
      const char *c = cJSON_IsString(x) ? x->valuestring : json_str(x, "content");
      if (c && (rc = add_special(t, c, name, err))) return rc;
    }
  /* added_tokens_decoder: {"id": {"content": ..., "lstrip": ...}} overrides ids and flags. */
  const cJSON *dec = cJSON_GetObjectItemCaseSensitive(cfg, "added_tokens_decoder");
  if (cJSON_IsObject(dec)) cJSON_ArrayForEach(x, dec) {
      char *end = NULL;
      long id = strtol(x->string, &end, 10);
      const char *c = json_str(x, "content");
      int sw, ls, rs, norm;
      if (!c || *end || end == x->string || id < 0 || id > TOK_MAX_ID || !*c ||
          strlen(c) > TOK_MAX_TOKEN_BYTES || !utf8_valid(c, strlen(c)))
        return err_set(err, BRASS_EFORMAT, "%s: added_tokens_decoder entry \"%.32s\" is invalid",
                       name, x->string);
      if ((rc = json_bool(x, "single_word", 0, &sw, name, "added token", err)) ||
          (rc = json_bool(x, "lstrip", 0, &ls, name, "added token", err)) ||
          (rc = json_bool(x, "rstrip", 0, &rs, name, "added token", err)) ||
          (rc = json_bool(x, "normalized", 0, &norm, name, "added token", err)))
        return rc;
      if (norm)
        return err_set(err, BRASS_EUNSUPPORTED,
                       "%s: added token \"%.64s\" with normalized=true is not supported", name, c);
      if (vocab_add_if_new(t, c, strlen(c), (int)id))
        return err_set(err, BRASS_ENOMEM, "%s: out of memory", name);
      if ((rc = add_token_msg(t, c, (int)id, sw, ls, rs, name, err))) return rc;
    }
  /* The template [CLS] $A [SEP] once the vocabulary is known. */
  int cls_id = -1, sep_id = -1;
  for (int i = 0; i < t->n_added; i++) {
    if (strcmp(t->added[i].content, cls) == 0) cls_id = t->added[i].id;
    if (strcmp(t->added[i].content, sep) == 0) sep_id = t->added[i].id;
  }
  if (cls_id < 0 || sep_id < 0)
    return err_set(err, BRASS_EFORMAT, "%s: cls_token or sep_token is empty", name);
  t->tmpl_pre[t->n_pre++] = cls_id;
  t->tmpl_post[t->n_post++] = sep_id;
  return 0;
}

static int load_vocab_lines(tokenizer *t, const char *data, size_t len, const char *path,
                            brass_error *err) {
  size_t p = 0;
  int id = 0;
  while (p < len) {
    const char *nl = memchr(data + p, '\n', len - p);
    size_t end = nl ? (size_t)(nl - data) : len;
    size_t tl = end - p;
    if (tl > 0 && data[p + tl - 1] == '\r') tl--;
    if (tl > TOK_MAX_TOKEN_BYTES)
      return err_set(err, BRASS_EFORMAT, "%s: line %d is longer than %d bytes", path, id + 1,
                     TOK_MAX_TOKEN_BYTES);
    if (id > TOK_MAX_ID)
      return err_set(err, BRASS_EFORMAT, "%s: more than %d lines", path, TOK_MAX_ID + 1);
    if (tok_vocab_add(&t->vocab, data + p, tl, id) == BRASS_ENOMEM)
      return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
    id++;
    p = end + 1;
  }
  if (id == 0) return err_set(err, BRASS_EFORMAT, "%s: the vocabulary is empty", path);
  return 0;
}

int tok_open_vocab(const char *vocab_path, const char *config_path, tokenizer **out,
                   brass_error *err) {
  *out = NULL;
  tokenizer *t = tok_new();
  if (!t) return err_set(err, BRASS_ENOMEM, "%s: out of memory", vocab_path);
  char *data = NULL, *cdata = NULL;
  size_t len = 0, clen = 0;
  cJSON *cfg = NULL;
  const char *unk = "[UNK]";
  int rc = file_read_text(vocab_path, TOK_MAX_FILE_BYTES, &data, &len, err);
  if (!rc) rc = load_vocab_lines(t, data, len, vocab_path, err);
  if (!rc && config_path && file_exists(config_path)) {
    rc = file_read_text(config_path, TOK_MAX_FILE_BYTES, &cdata, &clen, err);
    if (!rc) {
      cfg = cJSON_ParseWithLength(cdata, clen);
      if (!cJSON_IsObject(cfg))
        rc = err_set(err, BRASS_EFORMAT, "%s: not a JSON object", config_path);
    }
  }
  if (!rc) {
    cJSON *empty = cfg ? NULL : cJSON_CreateObject();
    rc = (cfg || empty)
             ? load_config(t, cfg ? cfg : empty, cfg ? config_path : vocab_path, &unk, err)
             : err_set(err, BRASS_ENOMEM, "%s: out of memory", vocab_path);
    /* unk points into the config; finish before freeing it */
    if (!rc) rc = tok_finish(t, vocab_path, unk, 1, err);
    cJSON_Delete(empty);
  }
  cJSON_Delete(cfg);
  free(cdata);
  free(data);
  if (rc) {
    tok_close(t);
    return rc;
  }
  *out = t;
  return 0;
}
