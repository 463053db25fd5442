/*
 * static_model.c - loading static embedding models (model2vec, sentence-transformers
 * StaticEmbedding) and averaging their token rows; see static_model.h. brass_model uses this
 * instead of the BERT encoder when static_detect() recognises the folder (model.c, embedder.c).
 */
#include "model/static_model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"
#include "nn/ops.h"

#define STATIC_PATH_MAX 4096
#define MODEL2VEC_MAX_IDS 512 /* model2vec's encode(max_length=512): also the character cut */

static cJSON *static_read_json(const char *path, brass_error *err) {
  char *text = NULL;
  size_t len = 0;
  if (file_read_all(path, 4u << 20, &text, &len, err)) return NULL;
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  if (!root) err_set(err, BRASS_EFORMAT, "%s: not valid JSON", path);
  return root;
}

/* The StaticEmbedding module's folder in modules.json, or "" if there is none. */
static int static_st_module(const char *path, char *dir, size_t cap, int *normalize,
                            brass_error *err) {
  cJSON *root = static_read_json(path, err);
  if (!root) return err ? err->code : BRASS_EFORMAT;
  dir[0] = '\0';
  *normalize = 0;
  int rc = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, root) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "path");
    if (!cJSON_IsString(type)) continue;
    size_t n = strlen(type->valuestring);
    if (n >= 9 && strcmp(type->valuestring + n - 9, "Normalize") == 0) *normalize = 1;
    if (n >= 15 && strcmp(type->valuestring + n - 15, "StaticEmbedding") == 0) {
      if (!cJSON_IsString(p) || strstr(p->valuestring, "..") || strlen(p->valuestring) >= cap) {
        rc = err_set(err, BRASS_EFORMAT, "%s: the StaticEmbedding module has no usable path", path);
        break;
      }
      strcpy(dir, p->valuestring);
    }
  }
  cJSON_Delete(root);
  return rc;
}

int static_detect(const char *dir, char *tok_dir, size_t cap, brass_error *err) {
  char path[STATIC_PATH_MAX], sub[STATIC_PATH_MAX];
  int normalize;
  if (path_join(path, sizeof path, dir, "modules.json") == 0 && file_exists(path)) {
    int rc = static_st_module(path, sub, sizeof sub, &normalize, err);
    if (rc) return rc;
    if (sub[0]) {
      if (path_join(tok_dir, cap, dir, sub))
        return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
      return STATIC_ST;
    }
  }
  if (path_join(path, sizeof path, dir, "config.json") == 0 && file_exists(path)) {
    brass_error ignored;
    cJSON *root = static_read_json(path, &ignored);
    const cJSON *t = root ? cJSON_GetObjectItemCaseSensitive(root, "model_type") : NULL;
    int m2v = cJSON_IsString(t) && strcmp(t->valuestring, "model2vec") == 0;
    cJSON_Delete(root);
    if (m2v) {
      if (strlen(dir) >= cap) return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
      strcpy(tok_dir, dir);
      return STATIC_MODEL2VEC;
    }
  }
  return STATIC_NONE;
}

int static_load(const char *dir, static_kind kind, const char *tok_dir, static_model *s,
                brass_error *err) {
  memset(s, 0, sizeof *s);
  s->kind = kind;
  char path[STATIC_PATH_MAX], weights[STATIC_PATH_MAX];
  int rc = 0;
  if (kind == STATIC_MODEL2VEC) {
    if (path_join(path, sizeof path, dir, "config.json"))
      return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
    cJSON *root = static_read_json(path, err);
    if (!root) return err ? err->code : BRASS_EFORMAT;
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalize");
    if (norm && !cJSON_IsBool(norm) && !cJSON_IsNull(norm))
      rc = err_set(err, BRASS_EFORMAT, "%s: normalize must be true or false", path);
    s->normalize = cJSON_IsTrue(norm);
    cJSON_Delete(root);
    if (rc) return rc;
    s->drop_unk = 1;
    s->max_ids = MODEL2VEC_MAX_IDS;
  } else {
    if (path_join(path, sizeof path, dir, "modules.json"))
      return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
    char sub[STATIC_PATH_MAX];
    if ((rc = static_st_module(path, sub, sizeof sub, &s->normalize, err))) return rc;
  }
  if (path_join(weights, sizeof weights, tok_dir, "model.safetensors"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", tok_dir);
  if ((rc = safetensors_open(weights, &s->file, err))) return rc;
  const char *name = kind == STATIC_MODEL2VEC ? "embeddings" : "embedding.weight";
  const st_tensor *t = safetensors_find(&s->file, name);
  if (!t) {
    rc = err_set(err, BRASS_EFORMAT, "%s: missing tensor '%s' (the static embedding table)",
                 weights, name);
  } else if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16) {
    rc = err_set(err, BRASS_EUNSUPPORTED, "%s: tensor '%s' has dtype %s (F32, F16 or BF16)",
                 weights, name, st_dtype_name(t->dtype));
  } else if (t->ndim != 2 || t->shape[0] < 1 || t->shape[1] < 1 || t->shape[0] > (1 << 24) ||
             t->shape[1] > 65536) {
    rc = err_set(err, BRASS_EFORMAT, "%s: tensor '%s' is not a (vocabulary, dimension) matrix",
                 weights, name);
  }
  if (rc) {
    safetensors_close(&s->file);
    return rc;
  }
  s->vocab = (int)t->shape[0];
  s->dim = (int)t->shape[1];
  s->dtype = t->dtype;
  s->table = t->data;
  if (!s->file.map.mapped) { /* read into memory (WebAssembly): keep the table only */
    size_t bytes = (size_t)s->vocab * (size_t)s->dim * st_dtype_size(s->dtype);
    s->table_copy = malloc(bytes);
    if (!s->table_copy) {
      safetensors_close(&s->file);
      return err_set(err, BRASS_ENOMEM, "%s: out of memory for the embedding table", weights);
    }
    memcpy(s->table_copy, s->table, bytes);
    s->table = s->table_copy;
    safetensors_close(&s->file);
  }
  return 0;
}

void static_free(static_model *s) {
  if (!s) return;
  free(s->table_copy);
  if (!s->table_copy && s->table) safetensors_close(&s->file);
  memset(s, 0, sizeof *s);
}

void static_embed_ids(const static_model *s, const int32_t *ids, int n, int unk_id, float *out) {
  const size_t D = (size_t)s->dim, row = D * st_dtype_size(s->dtype);
  float tmp[1024];
  memset(out, 0, D * sizeof *out);
  int used = 0;
  for (int i = 0; i < n && (s->max_ids == 0 || used < s->max_ids); i++) {
    if (s->drop_unk && ids[i] == unk_id) continue;
    const unsigned char *r = s->table + (size_t)ids[i] * row;
    if (s->dtype == ST_F32) {
      const float *f = (const float *)(const void *)r;
      for (size_t k = 0; k < D; k++) {
        float v;
        memcpy(&v, f + k, sizeof v); /* the mapped row may be unaligned */
        out[k] += v;
      }
    } else {
      for (size_t k0 = 0; k0 < D; k0 += 1024) {
        size_t m = D - k0 < 1024 ? D - k0 : 1024;
        st_to_f32(s->dtype, r + k0 * st_dtype_size(s->dtype), m, tmp);
        for (size_t k = 0; k < m; k++) out[k0 + k] += tmp[k];
      }
    }
    used++;
  }
  if (used == 0) return;
  const float count = (float)used;
  for (size_t k = 0; k < D; k++) out[k] /= count;
  if (s->normalize) l2_normalize_f32(out, (int)D);
}

static int static_cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Code points in a UTF-8 string (bytes that are not continuation bytes). */
static int static_chars(const char *t) {
  int n = 0;
  for (; *t; t++) n += ((unsigned char)*t & 0xC0) != 0x80;
  return n;
}

void static_set_char_limit(static_model *s, const tokenizer *tok) {
  s->max_chars = 0;
  int n = tok_vocab_size(tok);
  if (s->kind != STATIC_MODEL2VEC || s->max_ids <= 0 || n <= 0) return;
  int *len = malloc((size_t)n * sizeof *len);
  if (!len) return; /* no cut: the first max_ids ids are still the limit */
  int m = 0;
  for (int i = 0; i < n; i++) {
    const char *t = tok_id_token(tok, i);
    if (t) len[m++] = static_chars(t);
  }
  if (m > 0) {
    qsort(len, (size_t)m, sizeof *len, static_cmp_int);
    /* numpy's median: the middle value, or the mean of the two middle ones; int() truncates */
    int median = m % 2 ? len[m / 2] : (len[m / 2 - 1] + len[m / 2]) / 2;
    s->max_chars = (size_t)s->max_ids * (size_t)(median > 0 ? median : 1);
  }
  free(len);
}

size_t static_cut_bytes(const static_model *s, const char *text, size_t len) {
  if (!s->max_chars || len <= s->max_chars) return len; /* fewer bytes than the limit: whole */
  size_t chars = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80 && chars++ == s->max_chars) return i;
  return len;
}
