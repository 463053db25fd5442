/*
 * test_model_config.c - reading a model directory's configuration: BERT fields and defaults,
 * refusal of other architectures and activations, the sentence-transformers files (modules,
 * pooling, normalisation, sequence length, prompts) and the e5 prefix rule. Each case writes its
 * files into a fresh temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "model/config.h"

static char root[64];
static int case_no;

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return;
  }
  fputs(text, f);
  fclose(f);
}

/* A new model directory root/<n>-<name> holding config.json = cfg (if not NULL). */
static const char *new_dir(const char *name, const char *cfg) {
  static char dir[256];
  snprintf(dir, sizeof dir, "%s/%d-%s", root, ++case_no, name);
  mkdir(dir, 0755);
  if (cfg) write_file(dir, "config.json", cfg);
  return dir;
}

#define MINI                                                                           \
  "{\"model_type\":\"bert\",\"hidden_size\":48,\"num_hidden_layers\":2,"               \
  "\"num_attention_heads\":3,\"intermediate_size\":80,\"max_position_embeddings\":64," \
  "\"vocab_size\":100,\"type_vocab_size\":2,\"layer_norm_eps\":1e-5,\"hidden_act\":\"gelu\"}"

/* Loads dir and expects code; on failure the message must name `file` (a path suffix). */
static void expect(const char *dir, int max_seq, int code, const char *file, const char *word,
                   model_config *c) {
  brass_error err = {0};
  model_config tmp;
  int rc = config_load(dir, max_seq, c ? c : &tmp, &err);
  CHECK_MSG(rc == code, "%s: rc %d, expected %d (%s)", dir, rc, code, err.message);
  if (code != 0) {
    CHECK_MSG(strstr(err.message, file) != NULL, "%s: message '%s' does not name %s", dir,
              err.message, file);
    if (word)
      CHECK_MSG(strstr(err.message, word) != NULL, "message '%s' lacks '%s'", err.message, word);
    CHECK(strchr(err.message, '\n') == NULL);
  }
}

static void test_bert(void) {
  model_config c;
  const char *d = new_dir("mini", MINI);
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.hidden == 48 && c.layers == 2 && c.heads == 3 && c.intermediate == 80);
  CHECK(c.max_position == 64 && c.vocab == 100 && c.type_vocab == 2);
  CHECK(fabsf(c.ln_eps - 1e-5f) < 1e-12f);
  CHECK(c.pooling == MODEL_POOL_MEAN && c.normalize == 1 && c.max_seq_length == 64);
  CHECK(!c.max_seq_given);
  CHECK(c.query_prefix[0] == 0 && c.passage_prefix[0] == 0 && !c.is_e5);

  /* BertConfig defaults for absent fields; old configs with only architectures. */
  d = new_dir("defaults", "{\"architectures\":[\"BertForMaskedLM\"]}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.hidden == 768 && c.layers == 12 && c.heads == 12 && c.intermediate == 3072);
  CHECK(c.max_position == 512 && c.vocab == 30522 && c.max_seq_length == 512);
  CHECK(fabsf(c.ln_eps - 1e-12f) < 1e-18f);

  expect(new_dir("roberta", "{\"model_type\":\"roberta\"}"), 0, BRASS_EUNSUPPORTED, "config.json",
         "roberta", NULL);
  expect(new_dir("gpt2", "{\"architectures\":[\"GPT2LMHeadModel\"]}"), 0, BRASS_EUNSUPPORTED,
         "config.json", "GPT2LMHeadModel", NULL);
  expect(new_dir("nothing", "{}"), 0, BRASS_EUNSUPPORTED, "config.json", NULL, NULL);
  expect(new_dir("act", "{\"model_type\":\"bert\",\"hidden_act\":\"gelu_new\"}"), 0,
         BRASS_EUNSUPPORTED, "config.json", "gelu_new", NULL);
  expect(
      new_dir("relpos", "{\"model_type\":\"bert\",\"position_embedding_type\":\"relative_key\"}"),
      0, BRASS_EUNSUPPORTED, "config.json", "relative_key", NULL);
  expect(new_dir("strhidden", "{\"model_type\":\"bert\",\"hidden_size\":\"384\"}"), 0,
         BRASS_EFORMAT, "config.json", "hidden_size", NULL);
  expect(new_dir("neglayers", "{\"model_type\":\"bert\",\"num_hidden_layers\":-1}"), 0,
         BRASS_EFORMAT, "config.json", "num_hidden_layers", NULL);
  expect(new_dir("frac", "{\"model_type\":\"bert\",\"vocab_size\":10.5}"), 0, BRASS_EFORMAT,
         "config.json", "vocab_size", NULL);
  expect(
      new_dir("heads", "{\"model_type\":\"bert\",\"hidden_size\":100,\"num_attention_heads\":3}"),
      0, BRASS_EFORMAT, "config.json", "multiple", NULL);
  expect(new_dir("eps", "{\"model_type\":\"bert\",\"layer_norm_eps\":-1}"), 0, BRASS_EFORMAT,
         "config.json", "layer_norm_eps", NULL);
  expect(new_dir("badjson", "{\"model_type\":\"bert\","), 0, BRASS_EFORMAT, "config.json", NULL,
         NULL);
  expect(new_dir("array", "[1,2,3]"), 0, BRASS_EFORMAT, "config.json", NULL, NULL);
  expect(new_dir("missing", NULL), 0, BRASS_EIO, "config.json", NULL, NULL);
  expect("/nonexistent/brass/model", 0, BRASS_EIO, "/nonexistent/brass/model/config.json", NULL,
         NULL);
}

/* JinaBERT v2: detected by position_embedding_type "alibi" (or a JinaBert architecture without
 * one), needs feed_forward_type "geglu"; its sequence length defaults to max_position (8192). */
static void test_jina(void) {
  model_config c;
  const char *d = new_dir("jina",
                          "{\"architectures\":[\"JinaBertForMaskedLM\"],"
                          "\"model_type\":\"bert\",\"position_embedding_type\":"
                          "\"alibi\",\"feed_forward_type\":\"geglu\",\"hidden_size\":"
                          "512,\"num_hidden_layers\":4,\"num_attention_heads\":8,"
                          "\"intermediate_size\":2048,\"max_position_embeddings\":8192,"
                          "\"vocab_size\":30528,\"emb_pooler\":\"mean\"}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.arch == MODEL_ARCH_JINA && c.hidden == 512 && c.heads == 8 && c.vocab == 30528);
  CHECK(c.max_seq_length == 8192 && c.pooling == MODEL_POOL_MEAN);
  expect(d, 1000, 0, NULL, NULL, &c);
  CHECK(c.max_seq_length == 1000);
  /* a Jina architecture without position_embedding_type: JinaBertConfig's default, alibi */
  expect(new_dir("jina-arch",
                 "{\"architectures\":[\"JinaBertModel\"],"
                 "\"feed_forward_type\":\"geglu\"}"),
         0, 0, NULL, NULL, &c);
  CHECK(c.arch == MODEL_ARCH_JINA);
  /* plain BERT stays BERT, with or without "absolute" and "original" */
  expect(new_dir("bert-ff",
                 "{\"model_type\":\"bert\",\"position_embedding_type\":"
                 "\"absolute\",\"feed_forward_type\":\"original\"}"),
         0, 0, NULL, NULL, &c);
  CHECK(c.arch == MODEL_ARCH_BERT && c.max_seq_length == 512);
  /* ALiBi without GEGLU, and GEGLU without ALiBi, are refused naming the key */
  expect(new_dir("alibi-noglu",
                 "{\"model_type\":\"bert\",\"position_embedding_type\":"
                 "\"alibi\"}"),
         0, BRASS_EUNSUPPORTED, "config.json", "feed_forward_type", NULL);
  expect(new_dir("alibi-relu",
                 "{\"model_type\":\"bert\",\"position_embedding_type\":"
                 "\"alibi\",\"feed_forward_type\":\"reglu\"}"),
         0, BRASS_EUNSUPPORTED, "config.json", "reglu", NULL);
  expect(new_dir("glu-abs", "{\"model_type\":\"bert\",\"feed_forward_type\":\"geglu\"}"), 0,
         BRASS_EUNSUPPORTED, "config.json", "alibi", NULL);
}

#define MODULES(extra)                                                                \
  "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models." \
  "Transformer\"},{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":"         \
  "\"sentence_transformers.models.Pooling\"}" extra "]"
#define NORMALIZE                                                                                \
  ",{\"idx\":2,\"name\":\"2\",\"path\":\"2_Normalize\",\"type\":\"sentence_transformers.models." \
  "Normalize\"}"

static void write_pooling(const char *dir, const char *json) {
  char sub[512];
  snprintf(sub, sizeof sub, "%s/1_Pooling", dir);
  mkdir(sub, 0755);
  write_file(sub, "config.json", json);
}

static void test_sentence_transformers(void) {
  model_config c;
  const char *d = new_dir("norm", MINI);
  write_file(d, "modules.json", MODULES(NORMALIZE));
  write_pooling(d,
                "{\"word_embedding_dimension\":48,\"pooling_mode_cls_token\":true,"
                "\"pooling_mode_mean_tokens\":false,\"pooling_mode_max_tokens\":false}");
  write_file(d, "sentence_bert_config.json", "{\"max_seq_length\":40,\"do_lower_case\":false}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.normalize == 1 && c.pooling == MODEL_POOL_CLS && c.max_seq_length == 40);
  CHECK(c.max_seq_given);
  expect(d, 20, 0, NULL, NULL, &c);
  CHECK(c.max_seq_length == 20);
  expect(d, 65, BRASS_ERANGE, d, "max_seq_length", NULL);

  d = new_dir("nonorm", MINI);
  write_file(d, "modules.json", MODULES(""));
  write_file(d, "sentence_bert_config.json", "{\"max_seq_length\":1000}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.normalize == 0 && c.pooling == MODEL_POOL_MEAN && c.max_seq_length == 64);

  d = new_dir("dense", MINI);
  write_file(d, "modules.json",
             MODULES(",{\"idx\":2,\"path\":\"2_Dense\",\"type\":\"sentence_transformers.models."
                     "Dense\"}"));
  expect(d, 0, BRASS_EUNSUPPORTED, "modules.json", "Dense", NULL);
  d = new_dir("modbad", MINI);
  write_file(d, "modules.json", "{\"a\":1}");
  expect(d, 0, BRASS_EFORMAT, "modules.json", NULL, NULL);

  d = new_dir("maxpool", MINI);
  write_pooling(d, "{\"pooling_mode_mean_tokens\":false,\"pooling_mode_max_tokens\":true}");
  expect(d, 0, BRASS_EUNSUPPORTED, "1_Pooling/config.json", "max_tokens", NULL);
  d = new_dir("both", MINI);
  write_pooling(d, "{\"pooling_mode_mean_tokens\":true,\"pooling_mode_cls_token\":true}");
  expect(d, 0, BRASS_EUNSUPPORTED, "1_Pooling/config.json", NULL, NULL);
  d = new_dir("pooldim", MINI);
  write_pooling(d, "{\"pooling_mode_mean_tokens\":true,\"word_embedding_dimension\":384}");
  expect(d, 0, BRASS_EFORMAT, "1_Pooling/config.json", "384", NULL);
  d = new_dir("poolbool", MINI);
  write_pooling(d, "{\"pooling_mode_mean_tokens\":1}");
  expect(d, 0, BRASS_EFORMAT, "1_Pooling/config.json", "pooling_mode_mean_tokens", NULL);
  d = new_dir("sbert", MINI);
  write_file(d, "sentence_bert_config.json", "{\"max_seq_length\":\"long\"}");
  expect(d, 0, BRASS_EFORMAT, "sentence_bert_config.json", "max_seq_length", NULL);
}

static void test_prefixes(void) {
  model_config c;
  const char *d = new_dir("e5-small-v2", MINI);
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.is_e5 && strcmp(c.query_prefix, "query: ") == 0 &&
        strcmp(c.passage_prefix, "passage: ") == 0);
  /* a trailing slash and "." still find the directory's name */
  char slash[300];
  snprintf(slash, sizeof slash, "%s/", d);
  expect(slash, 0, 0, NULL, NULL, &c);
  CHECK(c.is_e5);
  char cwd[512];
  if (getcwd(cwd, sizeof cwd) && chdir(d) == 0) {
    expect(".", 0, 0, NULL, NULL, &c);
    CHECK(c.is_e5);
    CHECK(chdir(cwd) == 0);
  }

  /* a Hugging Face cache snapshot: the repository folder's name counts */
  char snap[400];
  snprintf(snap, sizeof snap, "%s/models--intfloat--e5-small-v2", root);
  mkdir(snap, 0755);
  strcat(snap, "/snapshots");
  mkdir(snap, 0755);
  strcat(snap, "/0123abcd");
  mkdir(snap, 0755);
  write_file(snap, "config.json", MINI);
  expect(snap, 0, 0, NULL, NULL, &c);
  CHECK(c.is_e5 && strcmp(c.query_prefix, "query: ") == 0);

  d = new_dir("byname",
              "{\"model_type\":\"bert\",\"_name_or_path\":\"intfloat/multilingual-e5-base\"}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(c.is_e5 && strcmp(c.query_prefix, "query: ") == 0);
  d = new_dir("notE5", "{\"model_type\":\"bert\",\"_name_or_path\":\"acme/bge5-e50\"}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(!c.is_e5 && c.query_prefix[0] == 0);

  /* config_sentence_transformers.json prompts win over the e5 default */
  d = new_dir("e5-prompts", MINI);
  write_file(d, "config_sentence_transformers.json",
             "{\"prompts\":{\"query\":\"Q> \",\"document\":\"D> \"},\"default_prompt_name\":null}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(strcmp(c.query_prefix, "Q> ") == 0 && strcmp(c.passage_prefix, "D> ") == 0);
  d = new_dir("e5-empty-prompts", MINI);
  write_file(d, "config_sentence_transformers.json", "{\"prompts\":{}}");
  expect(d, 0, 0, NULL, NULL, &c);
  CHECK(strcmp(c.query_prefix, "query: ") == 0);
  d = new_dir("badprompt", MINI);
  write_file(d, "config_sentence_transformers.json", "{\"prompts\":{\"query\":5}}");
  expect(d, 0, BRASS_EFORMAT, "config_sentence_transformers.json", "query", NULL);
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/brass_test_cfg_XXXXXX");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  test_bert();
  test_jina();
  test_sentence_transformers();
  test_prefixes();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  CHECK_DONE();
}
