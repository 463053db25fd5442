/*
 * model_files.c - the /model/ part of `brass serve`: a manifest of the embedding model's files and
 * those files only. The allowed names are a fixed list (the Hugging Face / sentence-transformers
 * files brass reads), so no request path is ever joined onto the model folder: a request either
 * names one of them exactly or gets 404. Besides the files the browser contract names,
 * config_sentence_transformers.json is served too: brass reads its query/passage prompts.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

static const char *const model_files[] = {
    "config.json",
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "model.safetensors",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
    "config_sentence_transformers.json", /* query/passage prompts (e5) */
    /* sentence-transformers static models (static-retrieval-mrl-en-v1): no config.json */
    "0_StaticEmbedding/model.safetensors",
    "0_StaticEmbedding/tokenizer.json",
};
#define NMODEL_FILES (sizeof model_files / sizeof model_files[0])

struct serve_model {
  char dir[PATH_MAX];
  char name[PATH_MAX];
};

int serve_model_open(const char *dir, serve_model **out, brass_error *err) {
  *out = NULL;
  serve_model *m = calloc(1, sizeof *m);
  if (!m) {
    err->code = BRASS_ENOMEM;
    snprintf(err->message, sizeof err->message, "%s: out of memory", dir);
    return BRASS_ENOMEM;
  }
  struct stat st;
  char cfg[PATH_MAX + 16];
  errno = 0;
  if (!realpath(dir, m->dir) || stat(m->dir, &st) || !S_ISDIR(st.st_mode)) {
    err->code = BRASS_EIO;
    snprintf(err->message, sizeof err->message, "%s: not a model folder (%s)", dir,
             errno ? strerror(errno) : "not a folder");
    free(m);
    return BRASS_EIO;
  }
  snprintf(cfg, sizeof cfg, "%s/config.json", m->dir);
  if (stat(cfg, &st) || !S_ISREG(st.st_mode)) /* a static sentence-transformers model */
    snprintf(cfg, sizeof cfg, "%s/modules.json", m->dir);
  if (stat(cfg, &st) || !S_ISREG(st.st_mode)) {
    err->code = BRASS_EIO;
    snprintf(err->message, sizeof err->message,
             "%s: not a model folder (no config.json or modules.json)", dir);
    free(m);
    return BRASS_EIO;
  }
  /* the folder's name as given (a Hugging Face snapshot's real name is a hash) */
  char given[PATH_MAX];
  snprintf(given, sizeof given, "%s", dir);
  size_t n = strlen(given);
  while (n > 1 && given[n - 1] == '/') given[--n] = '\0';
  const char *base = strrchr(given, '/');
  base = base ? base + 1 : given;
  if (!strcmp(base, ".") || !strcmp(base, "..") || !*base) {
    base = strrchr(m->dir, '/');
    base = base && base[1] ? base + 1 : m->dir;
  }
  snprintf(m->name, sizeof m->name, "%s", base);
  *out = m;
  return 0;
}

void serve_model_close(serve_model *m) {
  free(m);
}

const char *serve_model_name(const serve_model *m) {
  return m->name;
}

/* Opens allowed file i (following links: Hugging Face caches link snapshots to blobs). */
static int open_file(const serve_model *m, size_t i, int *fd, uint64_t *size, int64_t *mtime_ns) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", m->dir, model_files[i]);
  return serve_open_regular(path, 1, fd, size, mtime_ns);
}

char *serve_model_manifest(const serve_model *m) {
  cJSON *o = cJSON_CreateObject();
  cJSON *files = cJSON_CreateArray();
  if (!o || !files) {
    cJSON_Delete(o);
    cJSON_Delete(files);
    return NULL;
  }
  cJSON_AddStringToObject(o, "name", m->name);
  cJSON_AddItemToObject(o, "files", files);
  for (size_t i = 0; i < NMODEL_FILES; i++) {
    char path[PATH_MAX + 64];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", m->dir, model_files[i]);
    if (stat(path, &st) || !S_ISREG(st.st_mode)) continue;
    cJSON *e = cJSON_CreateObject();
    if (!e) continue;
    cJSON_AddStringToObject(e, "path", model_files[i]);
    cJSON_AddNumberToObject(e, "size", (double)st.st_size);
    cJSON_AddItemToArray(files, e);
  }
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

int serve_model_file_open(const serve_model *m, const char *rel, int *fd, uint64_t *size,
                          int64_t *mtime_ns, const char **mime) {
  *fd = -1;
  for (size_t i = 0; i < NMODEL_FILES; i++) {
    if (strcmp(rel, model_files[i])) continue;
    int rc = open_file(m, i, fd, size, mtime_ns);
    if (!rc) *mime = serve_mime_type(model_files[i]);
    return rc;
  }
  return 404;
}
