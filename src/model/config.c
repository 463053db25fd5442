/*
 * config.c - reading a model directory's JSON configuration (see config.h for the defaults chosen
 * where the files are silent). Every value is type- and range-checked; a bad one is reported as
 * "<file>: <key> ..." and nothing is half-filled in the caller's struct on error.
 */
#include "model/config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"

#define CONFIG_MAX_BYTES (4u << 20) /* config files are a few KB; refuse absurd ones */
#define CONFIG_PATH_MAX 4096

/* Reads and parses a JSON file into *root. Missing files are BRASS_EIO from file_read_all. */
static int cfg_read_json(const char *path, cJSON **root, brass_error *err) {
  char *text = NULL;
  size_t len = 0;
  *root = NULL;
  int rc = file_read_text(path, CONFIG_MAX_BYTES, &text, &len, err);
  if (rc) return rc;
  *root = cJSON_ParseWithLength(text, len);
  free(text);
  if (!*root) return err_set(err, BRASS_EFORMAT, "%s: not valid JSON", path);
  return 0;
}

/* Reads integer key into *out if present (else leaves the default). Must lie in [lo, hi]. */
static int cfg_int(const cJSON *root, const char *key, int lo, int hi, int *out, const char *path,
                   brass_error *err) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
  if (!it || cJSON_IsNull(it)) return 0;
  double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
  if (!(d >= lo && d <= hi) || d != floor(d))
    return err_set(err, BRASS_EFORMAT, "%s: %s must be an integer in [%d, %d]", path, key, lo, hi);
  *out = (int)d;
  return 0;
}

/* Reads boolean key (absent = 0); a non-boolean is an error. */
static int cfg_bool(const cJSON *root, const char *key, int *out, const char *path,
                    brass_error *err) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
  *out = 0;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsBool(it))
    return err_set(err, BRASS_EFORMAT, "%s: %s must be true or false", path, key);
  *out = cJSON_IsTrue(it);
  return 0;
}

/* Reads string key into *out (NULL when absent); a non-string is an error. */
static int cfg_str(const cJSON *root, const char *key, const char **out, const char *path,
                   brass_error *err) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
  *out = NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsString(it)) return err_set(err, BRASS_EFORMAT, "%s: %s must be a string", path, key);
  *out = it->valuestring;
  return 0;
}

/* 1 if s contains "e5" as a word: not preceded or followed by a letter or digit ("e5-small-v2",
 * "intfloat/multilingual-e5-base"), case-insensitively. */
static int cfg_names_e5(const char *s) {
  if (!s) return 0;
  for (size_t i = 0; s[i] && s[i + 1]; i++) {
    if (tolower((unsigned char)s[i]) != 'e' || s[i + 1] != '5') continue;
    int before = i > 0 && isalnum((unsigned char)s[i - 1]);
    int after = isalnum((unsigned char)s[i + 2]);
    if (!before && !after) return 1;
  }
  return 0;
}

int config_parse_bert(const char *json, size_t len, const char *path, model_config *out,
                      brass_error *err) {
  cJSON *root = cJSON_ParseWithLength(json, len);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return err_set(err, BRASS_EFORMAT, "%s: not a valid JSON object", path);
  }
  /* BertConfig's defaults. */
  model_config c = *out;
  c.hidden = 768;
  c.layers = 12;
  c.heads = 12;
  c.intermediate = 3072;
  c.max_position = 512;
  c.type_vocab = 2;
  c.vocab = 30522;
  c.ln_eps = 1e-12f;
  c.is_e5 = 0;
  c.arch = MODEL_ARCH_BERT;

  int rc = 0;
  const char *model_type = NULL, *act = NULL, *pos_type = NULL, *ff_type = NULL, *name = NULL;
  if ((rc = cfg_str(root, "model_type", &model_type, path, err))) goto done;
  if (model_type && strcmp(model_type, "bert") != 0) {
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: model_type '%.64s' is not supported (brass runs BERT encoders)", path,
                 model_type);
    goto done;
  }
  /* Old configs name only the architecture: accept BertModel, BertForMaskedLM, ... and
   * JinaBertModel, JinaBertForMaskedLM (JinaBERT v2 says model_type "bert" as well). */
  const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures"), *a;
  int bert = 0, jina_arch = 0;
  const char *first = NULL;
  cJSON_ArrayForEach(a, archs) {
    if (!cJSON_IsString(a)) continue;
    if (!first) first = a->valuestring;
    if (strncmp(a->valuestring, "Bert", 4) == 0) bert = 1;
    if (strncmp(a->valuestring, "JinaBert", 8) == 0) bert = jina_arch = 1;
  }
  if (!model_type) {
    if (!bert) {
      rc = first ? err_set(err, BRASS_EUNSUPPORTED,
                           "%s: architecture '%.64s' is not supported (brass runs BERT encoders)",
                           path, first)
                 : err_set(err, BRASS_EUNSUPPORTED,
                           "%s: no model_type or architectures saying this is a BERT model", path);
      goto done;
    }
  }
  if ((rc = cfg_str(root, "hidden_act", &act, path, err))) goto done;
  if (act && strcmp(act, "gelu") != 0) {
    rc = err_set(err, BRASS_EUNSUPPORTED, "%s: hidden_act '%.64s' is not supported (only gelu)",
                 path, act);
    goto done;
  }
  if ((rc = cfg_str(root, "position_embedding_type", &pos_type, path, err)) ||
      (rc = cfg_str(root, "feed_forward_type", &ff_type, path, err)))
    goto done;
  /* JinaBERT v2: ALiBi instead of position embeddings (JinaBertConfig's default when a Jina
   * architecture leaves it out), and a GEGLU feed-forward. */
  c.arch = (pos_type && strcmp(pos_type, "alibi") == 0) || (jina_arch && !pos_type)
               ? MODEL_ARCH_JINA
               : MODEL_ARCH_BERT;
  if (c.arch == MODEL_ARCH_BERT && pos_type && strcmp(pos_type, "absolute") != 0) {
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: position_embedding_type '%.64s' is not supported (only absolute, or alibi "
                 "for JinaBERT v2)",
                 path, pos_type);
    goto done;
  }
  if (c.arch == MODEL_ARCH_JINA && (!ff_type || strcmp(ff_type, "geglu") != 0)) {
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: feed_forward_type '%.64s' is not supported with ALiBi (JinaBERT v2 uses "
                 "geglu)",
                 path, ff_type ? ff_type : "original");
    goto done;
  }
  if (c.arch == MODEL_ARCH_BERT && ff_type && strcmp(ff_type, "original") != 0) {
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: feed_forward_type '%.64s' needs position_embedding_type alibi (JinaBERT v2)",
                 path, ff_type);
    goto done;
  }
  if ((rc = cfg_int(root, "hidden_size", 1, 16384, &c.hidden, path, err)) ||
      (rc = cfg_int(root, "num_hidden_layers", 1, 256, &c.layers, path, err)) ||
      (rc = cfg_int(root, "num_attention_heads", 1, 1024, &c.heads, path, err)) ||
      (rc = cfg_int(root, "intermediate_size", 1, 65536, &c.intermediate, path, err)) ||
      (rc = cfg_int(root, "max_position_embeddings", 2, 65536, &c.max_position, path, err)) ||
      (rc = cfg_int(root, "type_vocab_size", 1, 65536, &c.type_vocab, path, err)) ||
      (rc = cfg_int(root, "vocab_size", 1, 1 << 24, &c.vocab, path, err)))
    goto done;
  if (c.hidden % c.heads != 0) {
    rc = err_set(err, BRASS_EFORMAT,
                 "%s: hidden_size %d is not a multiple of num_attention_heads %d", path, c.hidden,
                 c.heads);
    goto done;
  }
  const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, "layer_norm_eps");
  if (eps && !cJSON_IsNull(eps)) {
    if (!cJSON_IsNumber(eps) || !(eps->valuedouble > 0 && eps->valuedouble < 1)) {
      rc = err_set(err, BRASS_EFORMAT, "%s: layer_norm_eps must be a number in (0, 1)", path);
      goto done;
    }
    c.ln_eps = (float)eps->valuedouble;
  }
  if ((rc = cfg_str(root, "_name_or_path", &name, path, err))) goto done;
  c.is_e5 = cfg_names_e5(name);
  *out = c;
done:
  cJSON_Delete(root);
  return rc;
}

/* modules.json: which sentence-transformers modules follow the Transformer. */
static int cfg_modules(const char *path, char *pool_dir, size_t cap, int *normalize,
                       brass_error *err) {
  cJSON *root;
  int rc = cfg_read_json(path, &root, err);
  if (rc) return rc;
  if (!cJSON_IsArray(root)) {
    cJSON_Delete(root);
    return err_set(err, BRASS_EFORMAT, "%s: not a JSON array of modules", path);
  }
  *normalize = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, root) {
    const char *type = NULL, *dir = NULL;
    if (!cJSON_IsObject(m) || (rc = cfg_str(m, "type", &type, path, err)) ||
        (rc = cfg_str(m, "path", &dir, path, err)) || !type) {
      if (!rc) rc = err_set(err, BRASS_EFORMAT, "%s: a module lacks its type", path);
      break;
    }
    const char *dot = strrchr(type, '.');
    const char *kind = dot ? dot + 1 : type;
    if (strcmp(kind, "Transformer") == 0) continue;
    if (strcmp(kind, "Normalize") == 0) {
      *normalize = 1;
    } else if (strcmp(kind, "Pooling") == 0) {
      if (!dir || strlen(dir) >= cap || strstr(dir, "..")) {
        rc = err_set(err, BRASS_EFORMAT, "%s: the Pooling module has no usable path", path);
        break;
      }
      strcpy(pool_dir, dir);
    } else {
      rc = err_set(err, BRASS_EUNSUPPORTED, "%s: module type '%.80s' is not supported", path, type);
      break;
    }
  }
  cJSON_Delete(root);
  return rc;
}

/* <pooling dir>/config.json: mean or CLS pooling. */
static int cfg_pooling(const char *path, int hidden, model_pooling *pooling, brass_error *err) {
  cJSON *root;
  int rc = cfg_read_json(path, &root, err);
  if (rc) return rc;
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return err_set(err, BRASS_EFORMAT, "%s: not a JSON object", path);
  }
  static const char *const unsupported[] = {
      "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
      "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"};
  int cls = 0, mean = 0, dim = hidden;
  if ((rc = cfg_bool(root, "pooling_mode_cls_token", &cls, path, err)) ||
      (rc = cfg_bool(root, "pooling_mode_mean_tokens", &mean, path, err)) ||
      (rc = cfg_int(root, "word_embedding_dimension", 1, INT_MAX, &dim, path, err)))
    goto done;
  for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++) {
    int on = 0;
    if ((rc = cfg_bool(root, unsupported[i], &on, path, err))) goto done;
    if (on) {
      rc = err_set(err, BRASS_EUNSUPPORTED, "%s: %s is not supported (only mean or CLS pooling)",
                   path, unsupported[i]);
      goto done;
    }
  }
  if (cls + mean != 1) {
    rc = err_set(err, BRASS_EUNSUPPORTED,
                 "%s: exactly one of pooling_mode_mean_tokens and pooling_mode_cls_token must be "
                 "true",
                 path);
    goto done;
  }
  if (dim != hidden) {
    rc = err_set(err, BRASS_EFORMAT,
                 "%s: word_embedding_dimension %d does not match the model's hidden_size %d", path,
                 dim, hidden);
    goto done;
  }
  *pooling = cls ? MODEL_POOL_CLS : MODEL_POOL_MEAN;
done:
  cJSON_Delete(root);
  return rc;
}

/* config_sentence_transformers.json: {"prompts": {"query": "...", "passage"|"document": "..."}}. */
static int cfg_prompts(const char *path, model_config *c, int *found, brass_error *err) {
  cJSON *root;
  int rc = cfg_read_json(path, &root, err);
  if (rc) return rc;
  const cJSON *prompts = cJSON_GetObjectItemCaseSensitive(root, "prompts");
  const char *q = NULL, *p = NULL, *d = NULL;
  if (cJSON_IsObject(prompts) && !(rc = cfg_str(prompts, "query", &q, path, err)) &&
      !(rc = cfg_str(prompts, "passage", &p, path, err)) &&
      !(rc = cfg_str(prompts, "document", &d, path, err))) {
    if (!p) p = d;
    if ((q && strlen(q) >= MODEL_PREFIX_MAX) || (p && strlen(p) >= MODEL_PREFIX_MAX)) {
      rc = err_set(err, BRASS_ERANGE, "%s: a prompt is longer than %d bytes", path,
                   MODEL_PREFIX_MAX - 1);
    } else if (q || p) {
      strcpy(c->query_prefix, q ? q : "");
      strcpy(c->passage_prefix, p ? p : "");
      *found = 1;
    }
  }
  cJSON_Delete(root);
  return rc;
}

/* The model folder's name: the last component of dir ("." and trailing slashes resolved where
 * the OS allows), or for a Hugging Face cache snapshot (.../models--org--name/snapshots/HASH)
 * the path from the repository folder on, so that its name counts. */
static void cfg_dir_name(const char *dir, char *buf, size_t cap) {
  char *real = realpath(dir, NULL);
  const char *s = real ? real : dir;
  size_t end = strlen(s);
  while (end > 1 && s[end - 1] == '/') end--;
  size_t begin = end;
  while (begin > 0 && s[begin - 1] != '/') begin--;
  if (begin >= 11 && strncmp(s + begin - 11, "/snapshots/", 11) == 0) {
    begin -= 11; /* step over "/snapshots/" to the repository folder */
    while (begin > 0 && s[begin - 1] != '/') begin--;
  }
  size_t n = end - begin < cap - 1 ? end - begin : cap - 1;
  memcpy(buf, s + begin, n);
  buf[n] = '\0';
  free(real);
}

int config_load(const char *dir, int max_seq_length, model_config *out, brass_error *err) {
  char path[CONFIG_PATH_MAX], pool_dir[CONFIG_PATH_MAX] = "1_Pooling";
  model_config c;
  memset(&c, 0, sizeof c);
  if (path_join(path, sizeof path, dir, "config.json"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
  char *text = NULL;
  size_t len = 0;
  int rc = file_read_text(path, CONFIG_MAX_BYTES, &text, &len, err);
  if (rc) return rc;
  rc = config_parse_bert(text, len, path, &c, err);
  free(text);
  if (rc) return rc;

  /* Normalisation and the pooling module's folder. */
  c.normalize = 1;
  if (path_join(path, sizeof path, dir, "modules.json") == 0 && file_exists(path)) {
    if ((rc = cfg_modules(path, pool_dir, sizeof pool_dir, &c.normalize, err))) return rc;
  }
  c.pooling = MODEL_POOL_MEAN;
  char pool_cfg[CONFIG_PATH_MAX];
  if (path_join(path, sizeof path, dir, pool_dir) == 0 &&
      path_join(pool_cfg, sizeof pool_cfg, path, "config.json") == 0 && file_exists(pool_cfg)) {
    if ((rc = cfg_pooling(pool_cfg, c.hidden, &c.pooling, err))) return rc;
  }

  /* Sequence length. */
  int limit = c.max_position < 512 ? c.max_position : 512;
  if (c.arch == MODEL_ARCH_JINA) limit = c.max_position; /* ALiBi: made for 8,192 tokens */
  if (path_join(path, sizeof path, dir, "sentence_bert_config.json") == 0 && file_exists(path)) {
    cJSON *root;
    if ((rc = cfg_read_json(path, &root, err))) return rc;
    int msl = 0;
    rc = cJSON_IsObject(root) ? cfg_int(root, "max_seq_length", 2, INT_MAX, &msl, path, err)
                              : err_set(err, BRASS_EFORMAT, "%s: not a JSON object", path);
    cJSON_Delete(root);
    if (rc) return rc;
    if (msl) {
      limit = msl < c.max_position ? msl : c.max_position;
      c.max_seq_given = 1;
    }
  }
  if (max_seq_length > 0) {
    if (max_seq_length < 2 || max_seq_length > c.max_position)
      return err_set(err, BRASS_ERANGE,
                     "%s: max_seq_length %d is outside [2, max_position_embeddings %d]", dir,
                     max_seq_length, c.max_position);
    limit = max_seq_length;
    c.max_seq_given = 1;
  }
  c.max_seq_length = limit;

  /* Prefixes. */
  char name[512];
  cfg_dir_name(dir, name, sizeof name);
  c.is_e5 = c.is_e5 || cfg_names_e5(name);
  int found = 0;
  if (path_join(path, sizeof path, dir, "config_sentence_transformers.json") == 0 &&
      file_exists(path)) {
    if ((rc = cfg_prompts(path, &c, &found, err))) return rc;
  }
  if (!found && c.is_e5) {
    strcpy(c.query_prefix, "query: ");
    strcpy(c.passage_prefix, "passage: ");
  }
  *out = c;
  return 0;
}
