/*
 * model_table.c - the known-model table of `brass model pull` and its $BRASS_MODEL_TABLE extension
 * (see model_table.h). Every size and SHA-256 below was read from public sources named next to
 * it, none was computed here; a file whose hash no source gave is left out of the set when brass
 * works without it. A size of -1 means no source gave the size: the SHA-256 still verifies it.
 * Where sources disagree, or a hash has one source only, the note next to the entry says so (a
 * wrong hash can only make a pull fail, never install other bytes).
 */
#include "model_table.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"

typedef struct mt_builtin_file {
  const char *path;
  long long size;
  const char *sha256;
} mt_builtin_file;

typedef struct mt_builtin {
  const char *name, *repo, *revision;
  const mt_builtin_file *files;
  int nfiles;
} mt_builtin;

/* sentence-transformers/all-MiniLM-L6-v2 at 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 (the repo's
 * head commit per a research note that read the HF API on 2026-09-20). Sources, public GitHub
 * files: a C3 "SciFact pinned MiniLM embeddings" script (EXPECTED_MODEL_FILES_SHA256 at this
 * revision, all ten hashes); PaperReach's beat-demo fetch_models.py (sizes of all files at this
 * revision, the weights' hash); a "tinyworlds-p-semantic" report (bytes + SHA-256 table of the
 * same eleven files); a Go project's fetch-model.sh (weights and vocab.txt at this revision);
 * several Rust/Python pins agree on the weights, tokenizer.json and config.json. */
static const mt_builtin_file mt_minilm_files[] = {
    {"config.json", 612, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"},
    {"tokenizer.json", 466247, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"},
    {"vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
    {"tokenizer_config.json", 350,
     "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"},
    {"special_tokens_map.json", 112,
     "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"},
    {"modules.json", 349, "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"},
    {"sentence_bert_config.json", 53,
     "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"},
    {"config_sentence_transformers.json", 116,
     "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"},
    {"1_Pooling/config.json", 190,
     "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"},
    {"model.safetensors", 90868376,
     "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"},
};

/* BAAI/bge-small-en-v1.5 at 5c38ec7c405ec4b44b94cc5a9bb96e735b38267a. Sources, public GitHub
 * files: msitarzewski/AutoPaper scripts/fetch-model.sh (config.json, tokenizer.json and
 * model.safetensors with sizes; the weights' hash is the LFS SHA-256 from the HF API); a
 * "genereview_link" model-identity module (SHA-256 of every file at this revision); a GGUF
 * conversion note (same hashes, read from resolve/main); a Go "docker agent" downloader (sizes
 * of tokenizer_config.json 366, special_tokens_map.json 125, vocab.txt 231508). Sizes given by a
 * single source only (sentence_bert_config.json, 1_Pooling/config.json) are left at -1. The
 * pooling config matters: bge pools the CLS token, brass's default is mean pooling. */
static const mt_builtin_file mt_bge_files[] = {
    {"config.json", 743, "094f8e891b932f2000c92cfc663bac4c62069f5d8af5b5278c4306aef3084750"},
    {"tokenizer.json", 711396, "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66"},
    {"vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
    {"tokenizer_config.json", 366,
     "9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3"},
    {"special_tokens_map.json", 125,
     "b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3"},
    {"modules.json", 349, "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"},
    {"sentence_bert_config.json", -1,
     "84e39fda68ccbff05bfa723ae9c0e70e23e2ec373b76e0f8c6e71af72a693cbf"},
    {"1_Pooling/config.json", -1,
     "d1caf60c96f5fba2157c0c26b76d80818fad6cf0b8eb5e73ec372ff9818eba5c"},
    {"model.safetensors", 133466304,
     "3c9f31665447c8911517620762200d2245a2518d6e7208acc78cd9db317e21ad"},
};

/* intfloat/e5-small-v2 at ffb93f3bd4047442299a41ebb6fa998a38507c52. Sources, public GitHub files:
 * the "sediment" Rust embedder (model.safetensors, tokenizer.json and config.json hashes at this
 * revision); a Python ModelSpec E5_SMALL_V2 (config.json and tokenizer.json hashes, same values);
 * a local-ranking protocol and harness (weights: 133466304 bytes, 45bfa600...). tokenizer.json has
 * the same SHA-256 as bge-small's, hence the same 711396 bytes. No source gave config.json's size
 * (-1). Left out, as brass works without them and no source gave their hashes (or only one):
 * vocab.txt, tokenizer_config.json, modules.json, sentence_bert_config.json,
 * 1_Pooling/config.json (e5 pools by mean, brass's default; the "query: " / "passage: " prefixes
 * come from the folder name e5-small-v2). */
static const mt_builtin_file mt_e5_files[] = {
    {"config.json", -1, "5dfb0363cd0243be179c03bcaafd1542d0fbb95e8cbcf575fff3e229342adc2f"},
    {"tokenizer.json", 711396, "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66"},
    {"model.safetensors", 133466304,
     "45bfa60070649aae2244fbc9d508537779b93b6f353c17b0f95ceccb1c5116c1"},
};

/* jinaai/jina-embeddings-v2-small-en at 44e7d1d6caec8c883c2d4b207588504d519788d0 (JinaBERT v2,
 * 512-d, 8,192 tokens). Sources, public GitHub files: a retrieval-evaluation script pinning this
 * revision with the SHA-256 of config.json, model.safetensors, special_tokens_map.json,
 * tokenizer.json, tokenizer_config.json and vocab.txt; a Rust "nowdocs" embedder and its tests
 * (this revision, the weights' SHA-256, "~66MB" F16); an R model registry (this revision,
 * tokenizer.json 711573 bytes, same hash); two desktop-app fetch scripts (tokenizer.json's hash
 * from resolve/main, and vocab.txt's). The special_tokens_map.json hash equals bge-small's file's.
 * No source gave the weights' size (-1: the SHA-256 checks it). Left out, as no source gave
 * their hashes: modules.json, sentence_bert_config.json, 1_Pooling/config.json and
 * config_sentence_transformers.json. Without them brass pools by mean (as the model does), takes
 * 8,192 tokens for a JinaBERT config (config.c), and normalises vectors (the folder's own
 * modules.json would leave them unnormalised: same directions, so the same search results). */
static const mt_builtin_file mt_jina_small_files[] = {
    {"config.json", -1, "940582c6d428408d92d628b94541092e7ca9cbee6c3f147de54e9d4ddfe30ace"},
    {"tokenizer.json", 711573, "e9f999ac74497843ed9f4303246a8f43d9f100ee8aab8e133667903f447ceb48"},
    {"vocab.txt", -1, "109753d618dbb576a35112f9c20ef35cf3517d46106175bcf010c986a4bef1df"},
    {"tokenizer_config.json", -1,
     "25cbd867af916b5a5718e80e9a702cf72c61bf890a1bc141c6fbce6d74c99632"},
    {"special_tokens_map.json", 125,
     "b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3"},
    {"model.safetensors", -1, "c9a9a7ec012d01efd780474fbb65e25917f3a2aebdff84b5f87daa00f7e90b27"},
};

/* cross-encoder/ms-marco-MiniLM-L6-v2 at 233902d25c440f23af6f7d6e94d2946bac0bee0a (the reranker of
 * `brass rerank` / `search --rerank`; the repository was renamed from ms-marco-MiniLM-L-6-v2,
 * whose URLs redirect). Sources, public GitHub files (most name this revision):
 * Alacrity-Education/KINA docker/model/ms-marco-MiniLM-L6-v2.sha256 (config.json,
 * tokenizer_config.json, vocab.txt); a Python "S2" relevance backend (size and SHA-256 of all six
 * files); a Python cross-encoder scorer's _CROSS_ENCODER_REQUIRED_FILES (the same six, sizes and
 * hashes); a Rust reranker manifest (config.json 794, tokenizer.json, special_tokens_map.json 132,
 * tokenizer_config.json 1,330); a Go rerank package, a Rust crate's PINNED table and a fetch.sh
 * (config.json, tokenizer.json, model.safetensors); a design note that lists bytes and SHA-256 of
 * those three and reads the weights' header (106 tensors: 105 F32 and the I64 position_ids buffer,
 * which brass skips); an experiment's artifact manifests (bytes and SHA-256 of all six). An mlperf
 * runner pins the same six hashes at the older revision c5ee24cb16019beea0893ab7796b1df96625c6b8.
 * One project's notes give another weights file for this revision (90,866,412 bytes, a6e1fd85...),
 * probably a save without position_ids (4,186 bytes less); every other source disagrees, so it is
 * not used. */
static const mt_builtin_file mt_msmarco_l6_files[] = {
    {"config.json", 794, "380e02c93f431831be65d99a4e7e5f67c133985bf2e77d9d4eba46847190bacc"},
    {"tokenizer.json", 711396, "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66"},
    {"vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
    {"tokenizer_config.json", 1330,
     "a5c2e5a7b1a29a0702cd28c08a399b5ecc110c263009d17f7e3b415f25905fd8"},
    {"special_tokens_map.json", 132,
     "3c3507f36dff57bce437223db3b3081d1e2b52ec3e56ee55438193ecb2c94dd6"},
    {"model.safetensors", 90870598,
     "821d1aa69520101d6e0737f78a042ae25b19e5cb9160701909d10434f4aeb0ae"},
};

/* cross-encoder/ms-marco-MiniLM-L12-v2 (formerly -L-12-v2) at
 * 7b0235231ca2674cb8ca8f022859a6eba2b1c968 (the revision several model cards and a Dockerfile
 * pin). Source: one project's task-demand scripts (two files) with EXPECTED_MODEL_FILES at this
 * revision, all six hashes; no second source gave config.json's or the weights' hash, and none
 * their sizes (-1). The four tokenizer files have the SHA-256 of ms-marco-MiniLM-L6-v2's (above),
 * hence its sizes. */
static const mt_builtin_file mt_msmarco_l12_files[] = {
    {"config.json", -1, "69a745055b0307584d2903ea5cf4e1899254e511834f358be80d049918b144d8"},
    {"tokenizer.json", 711396, "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66"},
    {"vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
    {"tokenizer_config.json", 1330,
     "a5c2e5a7b1a29a0702cd28c08a399b5ecc110c263009d17f7e3b415f25905fd8"},
    {"special_tokens_map.json", 132,
     "3c3507f36dff57bce437223db3b3081d1e2b52ec3e56ee55438193ecb2c94dd6"},
    {"model.safetensors", -1, "1ed84b90cdf3518f76ec9bb93a16f97887eea7c4e7ee5dfb03cc297e394fbbc3"},
};

/* cross-encoder/ms-marco-TinyBERT-L2-v2 (formerly -L-2-v2) at
 * 81d1926f67cb8eee2c2be17ca9f793c7c3bd20cc. Sources: the fathomdb project's reranker loader,
 * CUDA smoke scripts and cache manifest (config.json, tokenizer.json and model.safetensors at
 * this revision); a shell script comparing TinyBERT with MiniLM-L2 (config.json's hash, the
 * same). The weights' hash has that one project as its source; no source gave the sizes of
 * config.json or the weights (-1); tokenizer.json is ms-marco-MiniLM-L6-v2's file. Left out, as
 * no source gave their hashes: vocab.txt, tokenizer_config.json, special_tokens_map.json (brass
 * reads tokenizer.json). */
static const mt_builtin_file mt_tinybert_files[] = {
    {"config.json", -1, "2144195e107cd7ea61556478e7add12986ebfbc3085f924fc0b90c2410604879"},
    {"tokenizer.json", 711396, "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66"},
    {"model.safetensors", -1, "a0e7364ddf91ff7028f1102e1b91ac7a72e3db4061241bd84efe45c72c9af03a"},
};

/* minishlab/potion-base-8M at bf8b056651a2c21b8d2565580b8569da283cab23 (model2vec static model,
 * 256-d: `index` with it, `--rerank` with a cross-encoder). Sources, public GitHub files (most
 * name this revision): a Python "manual search model" fetcher and a Go matcher (size and SHA-256 of
 * all three files); a Python runtime pin (PINNED_SOURCE_FILES, same); a TypeScript fetch-model
 * manifest (same, read from resolve/main); an R sbert manifest (the same bytes and hashes);
 * several others pin the hashes alone (a Rust staticembed crate, Node and shell
 * fetchers). Left out, as brass works without them: the ONNX export, vocab.txt, modules.json,
 * tokenizer_config.json and special_tokens_map.json (a model2vec folder is config.json,
 * tokenizer.json and model.safetensors). */
static const mt_builtin_file mt_potion_8m_files[] = {
    {"config.json", 202, "2a6ac0e9aaa356a68a5688070db78fc3a464fefe85d2f06a1905ce3718687553"},
    {"tokenizer.json", 683666, "e67e803f624fb4d67dea1c730d06e1067e1b14d830e2c2202569e3ef0f70bb50"},
    {"model.safetensors", 30236760,
     "f65d0f325faadc1e121c319e2faa41170d3fa07d8c89abd48ca5358d9a223de2"},
};

#define MT_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const mt_builtin mt_builtins[] = {
    {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2",
     "1110a243fdf4706b3f48f1d95db1a4f5529b4d41", mt_minilm_files, MT_COUNT(mt_minilm_files)},
    {"bge-small-en-v1.5", "BAAI/bge-small-en-v1.5", "5c38ec7c405ec4b44b94cc5a9bb96e735b38267a",
     mt_bge_files, MT_COUNT(mt_bge_files)},
    {"e5-small-v2", "intfloat/e5-small-v2", "ffb93f3bd4047442299a41ebb6fa998a38507c52", mt_e5_files,
     MT_COUNT(mt_e5_files)},
    {"jina-embeddings-v2-small-en", "jinaai/jina-embeddings-v2-small-en",
     "44e7d1d6caec8c883c2d4b207588504d519788d0", mt_jina_small_files,
     MT_COUNT(mt_jina_small_files)},
    {"ms-marco-MiniLM-L6-v2", "cross-encoder/ms-marco-MiniLM-L6-v2",
     "233902d25c440f23af6f7d6e94d2946bac0bee0a", mt_msmarco_l6_files,
     MT_COUNT(mt_msmarco_l6_files)},
    {"ms-marco-MiniLM-L12-v2", "cross-encoder/ms-marco-MiniLM-L12-v2",
     "7b0235231ca2674cb8ca8f022859a6eba2b1c968", mt_msmarco_l12_files,
     MT_COUNT(mt_msmarco_l12_files)},
    {"ms-marco-TinyBERT-L2-v2", "cross-encoder/ms-marco-TinyBERT-L2-v2",
     "81d1926f67cb8eee2c2be17ca9f793c7c3bd20cc", mt_tinybert_files, MT_COUNT(mt_tinybert_files)},
    {"potion-base-8M", "minishlab/potion-base-8M", "bf8b056651a2c21b8d2565580b8569da283cab23",
     mt_potion_8m_files, MT_COUNT(mt_potion_8m_files)},
};

#define MT_MAX_TABLE_BYTES (4u << 20)
#define MT_MAX_FILES 256

static int mt_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

int mt_valid_name(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 128 || name[0] == '.') return 0;
  for (size_t i = 0; i < n; i++)
    if (!mt_name_char(name[i])) return 0;
  return strstr(name, ".tmp-") == NULL && strstr(name, ".old-") == NULL;
}

/* A relative path of '/'-separated components, each a run of [A-Za-z0-9._-], none "." or "..". */
static int mt_valid_rel_path(const char *p) {
  size_t n = p ? strlen(p) : 0;
  if (n == 0 || n > 512 || p[0] == '/' || p[n - 1] == '/') return 0;
  const char *c = p;
  while (*c) {
    const char *end = strchr(c, '/');
    size_t len = end ? (size_t)(end - c) : strlen(c);
    if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) return 0;
    for (size_t i = 0; i < len; i++)
      if (!mt_name_char(c[i])) return 0;
    c += len;
    if (*c == '/') c++;
  }
  return 1;
}

static int mt_valid_sha(const char *s) {
  if (!s || strlen(s) != 64) return 0;
  for (int i = 0; i < 64; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return 1;
}

static char *mt_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static void mt_model_free(mt_model *m) {
  for (int i = 0; i < m->nfiles; i++) free(m->files[i].path);
  free(m->files);
  free(m->name);
  free(m->repo);
  free(m->revision);
  memset(m, 0, sizeof *m);
}

void mt_free(mt_table *t) {
  if (!t) return;
  for (int i = 0; i < t->n; i++) mt_model_free(&t->models[i]);
  free(t->models);
  t->models = NULL;
  t->n = 0;
}

const mt_model *mt_find(const mt_table *t, const char *name) {
  for (int i = 0; i < t->n; i++)
    if (strcmp(t->models[i].name, name) == 0) return &t->models[i];
  return NULL;
}

/* Appends a model (taking ownership of m's allocations); a model with the same name is replaced. */
static int mt_put(mt_table *t, mt_model *m, brass_error *err) {
  for (int i = 0; i < t->n; i++) {
    if (strcmp(t->models[i].name, m->name) == 0) {
      mt_model_free(&t->models[i]);
      t->models[i] = *m;
      return 0;
    }
  }
  mt_model *grown = realloc(t->models, (size_t)(t->n + 1) * sizeof *grown);
  if (!grown) {
    mt_model_free(m);
    return err_set(err, BRASS_ENOMEM, "model table: out of memory");
  }
  t->models = grown;
  t->models[t->n++] = *m;
  return 0;
}

/* The checks mt_parse_entry applies to $BRASS_MODEL_TABLE, so that a mistyped built-in value is
 * an error on the first `model list`, not a pull that can never verify. */
static int mt_check_builtin(const mt_builtin *b, brass_error *err) {
  if (!mt_valid_name(b->name) || !mt_valid_rel_path(b->repo) || !strchr(b->repo, '/') ||
      !mt_valid_rel_path(b->revision) || strchr(b->revision, '/'))
    return err_set(err, BRASS_EINVAL,
                   "model table: built-in entry '%s' has a bad name, repo or revision", b->name);
  for (int i = 0; i < b->nfiles; i++)
    if (!mt_valid_rel_path(b->files[i].path) || !mt_valid_sha(b->files[i].sha256) ||
        b->files[i].size < -1)
      return err_set(err, BRASS_EINVAL,
                     "model table: built-in entry '%s': file %d has a bad path, size or SHA-256",
                     b->name, i);
  return 0;
}

static int mt_add_builtin(mt_table *t, const mt_builtin *b, brass_error *err) {
  int rc = mt_check_builtin(b, err);
  if (rc) return rc;
  mt_model m = {0};
  m.builtin = 1;
  m.name = mt_strdup(b->name);
  m.repo = mt_strdup(b->repo);
  m.revision = mt_strdup(b->revision);
  m.files = calloc((size_t)b->nfiles, sizeof *m.files);
  if (!m.name || !m.repo || !m.revision || !m.files) goto oom;
  for (int i = 0; i < b->nfiles; i++) {
    if (!(m.files[i].path = mt_strdup(b->files[i].path))) goto oom;
    m.nfiles = i + 1;
    m.files[i].size = b->files[i].size;
    snprintf(m.files[i].sha256, sizeof m.files[i].sha256, "%s", b->files[i].sha256);
  }
  return mt_put(t, &m, err);
oom:
  mt_model_free(&m);
  return err_set(err, BRASS_ENOMEM, "model table: out of memory");
}

static const char *mt_json_string(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Parses one entry of the JSON table into m; messages name the file and the entry. */
static int mt_parse_entry(const char *path, int idx, const cJSON *e, mt_model *m,
                          brass_error *err) {
  if (!cJSON_IsObject(e))
    return err_set(err, BRASS_EFORMAT, "%s: entry %d is not an object", path, idx);
  const char *name = mt_json_string(e, "name"), *repo = mt_json_string(e, "repo");
  const char *rev = mt_json_string(e, "revision");
  if (!name || !mt_valid_name(name))
    return err_set(err, BRASS_EFORMAT,
                   "%s: entry %d: \"name\" must be a folder name ([A-Za-z0-9._-], no leading dot)",
                   path, idx);
  if (!repo || !mt_valid_rel_path(repo) || !strchr(repo, '/'))
    return err_set(err, BRASS_EFORMAT, "%s: %s: \"repo\" must look like owner/name", path, name);
  if (!rev || !mt_valid_rel_path(rev) || strchr(rev, '/'))
    return err_set(err, BRASS_EFORMAT, "%s: %s: \"revision\" must be a commit or ref name", path,
                   name);
  const cJSON *files = cJSON_GetObjectItemCaseSensitive(e, "files");
  int nf = cJSON_IsArray(files) ? cJSON_GetArraySize(files) : 0;
  if (nf <= 0 || nf > MT_MAX_FILES)
    return err_set(err, BRASS_EFORMAT, "%s: %s: \"files\" must be an array of 1 to %d objects",
                   path, name, MT_MAX_FILES);
  memset(m, 0, sizeof *m);
  m->name = mt_strdup(name);
  m->repo = mt_strdup(repo);
  m->revision = mt_strdup(rev);
  m->files = calloc((size_t)nf, sizeof *m->files);
  if (!m->name || !m->repo || !m->revision || !m->files) {
    mt_model_free(m);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  }
  int rc = 0;
  for (int i = 0; i < nf && !rc; i++) {
    const cJSON *f = cJSON_GetArrayItem(files, i);
    const char *fp = cJSON_IsObject(f) ? mt_json_string(f, "path") : NULL;
    if (!fp || !mt_valid_rel_path(fp)) {
      rc = err_set(err, BRASS_EFORMAT, "%s: %s: file %d needs a relative \"path\" without ..", path,
                   name, i);
      break;
    }
    for (int j = 0; j < i; j++)
      if (strcmp(m->files[j].path, fp) == 0)
        rc = err_set(err, BRASS_EFORMAT, "%s: %s: %s is listed twice", path, name, fp);
    if (rc) break;
    mt_file *out = &m->files[i];
    if (!(out->path = mt_strdup(fp))) {
      rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
      break;
    }
    m->nfiles = i + 1;
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
    out->size = -1;
    if (size && !cJSON_IsNull(size)) {
      double d = cJSON_IsNumber(size) ? size->valuedouble : -1;
      if (d < 0 || d > 1e15 || d != (double)(long long)d) {
        rc = err_set(err, BRASS_EFORMAT, "%s: %s: %s: \"size\" must be a byte count", path, name,
                     fp);
        break;
      }
      out->size = (long long)d;
    }
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
    if (sha && !cJSON_IsNull(sha)) {
      if (!cJSON_IsString(sha) || !mt_valid_sha(sha->valuestring)) {
        rc = err_set(err, BRASS_EFORMAT, "%s: %s: %s: \"sha256\" must be 64 lower-case hex digits",
                     path, name, fp);
        break;
      }
      snprintf(out->sha256, sizeof out->sha256, "%s", sha->valuestring);
    }
  }
  if (rc) mt_model_free(m);
  return rc;
}

static int mt_load_json(const char *path, mt_table *t, brass_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = file_read_text(path, MT_MAX_TABLE_BYTES, &text, &len, err);
  if (rc) return rc;
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  if (!root) return err_set(err, BRASS_EFORMAT, "%s: not valid JSON", path);
  if (!cJSON_IsArray(root)) {
    cJSON_Delete(root);
    return err_set(err, BRASS_EFORMAT, "%s: expected a JSON array of models", path);
  }
  int n = cJSON_GetArraySize(root);
  for (int i = 0; i < n && !rc; i++) {
    mt_model m;
    rc = mt_parse_entry(path, i, cJSON_GetArrayItem(root, i), &m, err);
    if (!rc) rc = mt_put(t, &m, err);
  }
  cJSON_Delete(root);
  return rc;
}

int mt_load(const char *extra, mt_table *t, brass_error *err) {
  memset(t, 0, sizeof *t);
  int rc = 0;
  for (int i = 0; i < MT_COUNT(mt_builtins) && !rc; i++)
    rc = mt_add_builtin(t, &mt_builtins[i], err);
  if (!rc && extra && *extra) rc = mt_load_json(extra, t, err);
  if (rc) mt_free(t);
  return rc;
}
