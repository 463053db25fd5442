/*
 * test_embedder.c - the embedding API end to end without Python (so it also runs in the
 * WebAssembly build): writes a tiny random BERT model folder from C (safetensors, config.json,
 * vocab.txt, sentence-transformers files), embeds texts with brass and compares every vector with
 * a straightforward double-precision BERT forward written here (per text, padded nothing, textbook
 * formulas). Also checks: results are byte-identical across thread counts, batch sizes and batch
 * composition; windows of more than 1024 texts; CLS pooling and no normalisation; prefixes;
 * max_seq_length; F16/BF16 weights; argument errors.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brass.h"
#include "check.h"
#include "model/safetensors.h"

enum { H = 16, HEADS = 2, HD = H / HEADS, I = 24, LAYERS = 2, MAXPOS = 32, TYPES = 2 };

static const char *const words[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the", "quick",  "brown",
    "fox",   "jump",  "##s",   "over",  "lazy",   "dog",   "a",     "b",   "c",      "d",
    "e",     "##e",   "##d",   ",",     ".",      "!",     "query", ":",   "passage"};
#define VOCAB ((int)(sizeof words / sizeof *words))

/* ---- a tiny model, weights from a fixed LCG ---- */

static uint64_t rng = 12345;
static double uniform(void) { /* in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rng >> 11) / 4503599627370496.0 - 1.0;
}

typedef struct tensor {
  char name[96];
  int rows, cols; /* cols 0: 1-D */
  float *v;
} tensor;

static tensor ts[16 * LAYERS + 8];
static int nts;

static float *add(const char *name, int rows, int cols, double scale, double mean) {
  tensor *t = &ts[nts++];
  snprintf(t->name, sizeof t->name, "%s", name);
  t->rows = rows;
  t->cols = cols;
  size_t n = (size_t)rows * (size_t)(cols ? cols : 1);
  t->v = malloc(n * sizeof *t->v);
  for (size_t i = 0; i < n; i++) t->v[i] = (float)(mean + scale * uniform());
  return t->v;
}

static const tensor *get(const char *name) {
  for (int i = 0; i < nts; i++)
    if (strcmp(ts[i].name, name) == 0) return &ts[i];
  return NULL;
}

static void make_weights(void) {
  char n[96];
  add("embeddings.word_embeddings.weight", VOCAB, H, 0.5, 0);
  add("embeddings.position_embeddings.weight", MAXPOS, H, 0.3, 0);
  add("embeddings.token_type_embeddings.weight", TYPES, H, 0.3, 0);
  add("embeddings.LayerNorm.weight", H, 0, 0.2, 1);
  add("embeddings.LayerNorm.bias", H, 0, 0.1, 0);
  static const char *const lin[6] = {"attention.self.query", "attention.self.key",
                                     "attention.self.value", "attention.output.dense",
                                     "intermediate.dense",   "output.dense"};
  for (int l = 0; l < LAYERS; l++) {
    for (int j = 0; j < 6; j++) {
      int out = j == 4 ? I : H, in = j == 5 ? I : H;
      double gain = j < 2 ? 2.0 : 1.0; /* peaky attention */
      snprintf(n, sizeof n, "encoder.layer.%d.%s.weight", l, lin[j]);
      add(n, out, in, gain * sqrt(3.0 / in), 0);
      snprintf(n, sizeof n, "encoder.layer.%d.%s.bias", l, lin[j]);
      add(n, out, 0, 0.1, 0);
    }
    snprintf(n, sizeof n, "encoder.layer.%d.attention.output.LayerNorm.weight", l);
    add(n, H, 0, 0.2, 1);
    snprintf(n, sizeof n, "encoder.layer.%d.attention.output.LayerNorm.bias", l);
    add(n, H, 0, 0.1, 0);
    snprintf(n, sizeof n, "encoder.layer.%d.output.LayerNorm.weight", l);
    add(n, H, 0, 0.2, 1);
    snprintf(n, sizeof n, "encoder.layer.%d.output.LayerNorm.bias", l);
    add(n, H, 0, 0.1, 0);
  }
}

static uint16_t to_bf16(float f) { /* round to nearest even (no NaNs here) */
  uint32_t b;
  memcpy(&b, &f, 4);
  b += 0x7fff + ((b >> 16) & 1);
  return (uint16_t)(b >> 16);
}

static uint16_t to_f16(float f) { /* normal range only, round to nearest even */
  uint32_t b;
  memcpy(&b, &f, 4);
  uint32_t sign = (b >> 16) & 0x8000;
  int e = (int)((b >> 23) & 0xff) - 127 + 15;
  uint32_t m = b & 0x7fffff;
  if (e <= 0) return (uint16_t)sign; /* tiny values flush to zero (none in this model matter) */
  uint32_t h = (uint32_t)e << 10 | m >> 13, rest = m & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
  return (uint16_t)(sign | h);
}

/* Writes model.safetensors with every tensor in dtype (ST_F32, ST_F16 or ST_BF16); the in-memory
 * weights are rounded to what was written, so the reference sees the same values. */
static void write_safetensors(const char *path, st_dtype dtype) {
  size_t es = dtype == ST_F32 ? 4 : 2, off = 0;
  char *hdr = malloc(65536);
  size_t hl = (size_t)sprintf(hdr, "{\"__metadata__\":{\"format\":\"pt\"}");
  for (int i = 0; i < nts; i++) {
    size_t n = (size_t)ts[i].rows * (size_t)(ts[i].cols ? ts[i].cols : 1);
    char shape[32];
    if (ts[i].cols)
      sprintf(shape, "[%d,%d]", ts[i].rows, ts[i].cols);
    else
      sprintf(shape, "[%d]", ts[i].rows);
    hl += (size_t)sprintf(hdr + hl,
                          ",\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%zu,%zu]}",
                          ts[i].name, st_dtype_name(dtype), shape, off, off + n * es);
    off += n * es;
  }
  hl += (size_t)sprintf(hdr + hl, "}");
  while (hl % 8) hdr[hl++] = ' ';
  FILE *f = fopen(path, "wb");
  uint64_t len = hl;
  fwrite(&len, 8, 1, f);
  fwrite(hdr, 1, hl, f);
  for (int i = 0; i < nts; i++) {
    size_t n = (size_t)ts[i].rows * (size_t)(ts[i].cols ? ts[i].cols : 1);
    for (size_t k = 0; k < n; k++) {
      float v = ts[i].v[k];
      if (dtype == ST_F32) {
        fwrite(&v, 4, 1, f);
        continue;
      }
      uint16_t h = dtype == ST_F16 ? to_f16(v) : to_bf16(v);
      fwrite(&h, 2, 1, f);
      ts[i].v[k] = dtype == ST_F16 ? st_f16_to_f32(h) : st_bf16_to_f32(h);
    }
  }
  fclose(f);
  free(hdr);
}

static void write_text(const char *dir, const char *name, const char *text) {
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* A model folder: pooling "mean"/"cls", normalize 0/1 (via modules.json), dtype. */
static void make_model_dir(const char *dir, const char *pooling, int normalize, st_dtype dtype) {
  char path[1024], buf[1024];
  mkdir(dir, 0755);
  snprintf(buf, sizeof buf,
           "{\"model_type\":\"bert\",\"hidden_size\":%d,\"num_hidden_layers\":%d,"
           "\"num_attention_heads\":%d,\"intermediate_size\":%d,\"max_position_embeddings\":%d,"
           "\"type_vocab_size\":%d,\"vocab_size\":%d,\"layer_norm_eps\":1e-12,"
           "\"hidden_act\":\"gelu\"}",
           H, LAYERS, HEADS, I, MAXPOS, TYPES, VOCAB);
  write_text(dir, "config.json", buf);
  FILE *f;
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  f = fopen(path, "w");
  for (int i = 0; i < VOCAB; i++) fprintf(f, "%s\n", words[i]);
  fclose(f);
  snprintf(buf, sizeof buf,
           "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models."
           "Transformer\"},{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":"
           "\"sentence_transformers.models.Pooling\"}%s]",
           normalize ? ",{\"idx\":2,\"name\":\"2\",\"path\":\"2_Normalize\",\"type\":"
                       "\"sentence_transformers.models.Normalize\"}"
                     : "");
  write_text(dir, "modules.json", buf);
  snprintf(path, sizeof path, "%s/1_Pooling", dir);
  mkdir(path, 0755);
  snprintf(buf, sizeof buf,
           "{\"word_embedding_dimension\":%d,\"pooling_mode_cls_token\":%s,"
           "\"pooling_mode_mean_tokens\":%s}",
           H, strcmp(pooling, "cls") == 0 ? "true" : "false",
           strcmp(pooling, "mean") == 0 ? "true" : "false");
  write_text(path, "config.json", buf);
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  write_safetensors(path, dtype);
}

/* ---- the reference forward, in double ---- */

static const float *w(const char *fmt, int l) {
  char n[96];
  snprintf(n, sizeof n, fmt, l);
  const tensor *t = get(n);
  if (!t) {
    fprintf(stderr, "no tensor %s\n", n);
    exit(2);
  }
  return t->v;
}

static void ref_layernorm(double *x, int n, const float *g, const float *b) {
  double mean = 0, var = 0;
  for (int i = 0; i < n; i++) mean += x[i];
  mean /= n;
  for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
  var /= n;
  for (int i = 0; i < n; i++) x[i] = (x[i] - mean) / sqrt(var + 1e-12) * g[i] + b[i];
}

/* y (rows x out) = x (rows x in) W^T + b */
static void ref_linear(const double *x, int rows, int in, const float *W, const float *b, int out,
                       double *y) {
  for (int r = 0; r < rows; r++)
    for (int o = 0; o < out; o++) {
      double s = b[o];
      for (int k = 0; k < in; k++) s += x[r * in + k] * W[o * in + k];
      y[r * out + o] = s;
    }
}

static void ref_embed(const int32_t *ids, int T, int cls, int normalize, double *out) {
  double x[MAXPOS * H], q[MAXPOS * H], k[MAXPOS * H], v[MAXPOS * H], ctx[MAXPOS * H];
  double t1[MAXPOS * H], f[MAXPOS * I];
  const float *we = w("embeddings.word_embeddings.weight", 0);
  const float *pe = w("embeddings.position_embeddings.weight", 0);
  const float *te = w("embeddings.token_type_embeddings.weight", 0);
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < H; i++) x[t * H + i] = (double)we[ids[t] * H + i] + te[i] + pe[t * H + i];
    ref_layernorm(x + t * H, H, w("embeddings.LayerNorm.weight", 0),
                  w("embeddings.LayerNorm.bias", 0));
  }
  for (int l = 0; l < LAYERS; l++) {
    ref_linear(x, T, H, w("encoder.layer.%d.attention.self.query.weight", l),
               w("encoder.layer.%d.attention.self.query.bias", l), H, q);
    ref_linear(x, T, H, w("encoder.layer.%d.attention.self.key.weight", l),
               w("encoder.layer.%d.attention.self.key.bias", l), H, k);
    ref_linear(x, T, H, w("encoder.layer.%d.attention.self.value.weight", l),
               w("encoder.layer.%d.attention.self.value.bias", l), H, v);
    for (int h = 0; h < HEADS; h++)
      for (int i = 0; i < T; i++) {
        double s[MAXPOS], mx = -1e300, sum = 0;
        for (int j = 0; j < T; j++) {
          s[j] = 0;
          for (int d = 0; d < HD; d++) s[j] += q[i * H + h * HD + d] * k[j * H + h * HD + d];
          s[j] /= sqrt((double)HD);
          if (s[j] > mx) mx = s[j];
        }
        for (int j = 0; j < T; j++) sum += s[j] = exp(s[j] - mx);
        for (int d = 0; d < HD; d++) {
          double acc = 0;
          for (int j = 0; j < T; j++) acc += s[j] / sum * v[j * H + h * HD + d];
          ctx[i * H + h * HD + d] = acc;
        }
      }
    ref_linear(ctx, T, H, w("encoder.layer.%d.attention.output.dense.weight", l),
               w("encoder.layer.%d.attention.output.dense.bias", l), H, t1);
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < H; i++) x[t * H + i] += t1[t * H + i];
      ref_layernorm(x + t * H, H, w("encoder.layer.%d.attention.output.LayerNorm.weight", l),
                    w("encoder.layer.%d.attention.output.LayerNorm.bias", l));
    }
    ref_linear(x, T, H, w("encoder.layer.%d.intermediate.dense.weight", l),
               w("encoder.layer.%d.intermediate.dense.bias", l), I, f);
    for (int i = 0; i < T * I; i++) f[i] = 0.5 * f[i] * (1 + erf(f[i] / sqrt(2.0)));
    ref_linear(f, T, I, w("encoder.layer.%d.output.dense.weight", l),
               w("encoder.layer.%d.output.dense.bias", l), H, t1);
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < H; i++) x[t * H + i] += t1[t * H + i];
      ref_layernorm(x + t * H, H, w("encoder.layer.%d.output.LayerNorm.weight", l),
                    w("encoder.layer.%d.output.LayerNorm.bias", l));
    }
  }
  double norm = 0;
  for (int i = 0; i < H; i++) {
    double s = 0;
    if (cls) {
      s = x[i];
    } else {
      for (int t = 0; t < T; t++) s += x[t * H + i];
      s /= T;
    }
    out[i] = s;
    norm += s * s;
  }
  if (normalize)
    for (int i = 0; i < H; i++) out[i] /= sqrt(norm);
}

/* ---- tests ---- */

static char root[64];

/* n texts of varied length from the vocabulary (some empty, some beyond MAXPOS tokens). */
static char **make_texts(int n) {
  char **t = malloc((size_t)n * sizeof *t);
  for (int i = 0; i < n; i++) {
    int len = i % 97 == 0 ? 0 : (int)((uniform() + 1) * (i % 5 == 0 ? 30 : 8));
    t[i] = malloc(16 * (size_t)len + 1);
    t[i][0] = 0;
    for (int j = 0; j < len; j++) {
      strcat(t[i], j ? " " : "");
      strcat(t[i], words[5 + (int)((uniform() + 1) / 2 * (VOCAB - 5 - 3))]);
    }
  }
  return t;
}

static void free_texts(char **t, int n) {
  for (int i = 0; i < n; i++) free(t[i]);
  free(t);
}

static brass_model *open_model(const char *dir, int threads, int batch, brass_error *err) {
  brass_model_options o = {.threads = threads, .batch_size = batch};
  brass_model *m = NULL;
  int rc = brass_model_open(dir, &o, &m, err);
  CHECK_MSG(rc == 0, "open %s: %s", dir, err->message);
  return m;
}

/* Every vector of texts against the reference; returns the largest difference. */
static double compare_with_reference(brass_model *m, char **texts, int n, const float *out, int cls,
                                     int normalize) {
  double worst = 0;
  int32_t ids[MAXPOS];
  for (int i = 0; i < n; i++) {
    brass_error err;
    int T = brass_tokenize(m, texts[i], ids, MAXPOS, &err);
    if (T < 2 || T > MAXPOS) {
      CHECK_MSG(0, "text %d: %d tokens", i, T);
      continue;
    }
    double ref[H];
    ref_embed(ids, T, cls, normalize, ref);
    for (int j = 0; j < H; j++) {
      double d = fabs(ref[j] - out[(size_t)i * H + j]);
      if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
  }
  return worst;
}

static void test_mean_normalized(void) {
  char dir[128];
  snprintf(dir, sizeof dir, "%s/mean", root);
  make_model_dir(dir, "mean", 1, ST_F32);
  brass_error err = {0};
  brass_model *m1 = open_model(dir, 1, 32, &err);
  brass_model *m3 = open_model(dir, 3, 5, &err);
  if (!m1 || !m3) goto done;
  CHECK(brass_model_dim(m1) == H);
  CHECK(brass_model_max_length(m1) == MAXPOS);
  CHECK(brass_model_threads(m3) == 3);
  CHECK_MSG(strstr(brass_model_describe(m1), "2 layers") != NULL, "%s", brass_model_describe(m1));
  CHECK(brass_model_is_static(m1) == 0 && brass_model_is_static(NULL) == 0);

  const int n = 1100; /* more than one window */
  char **texts = make_texts(n);
  float *a = malloc((size_t)n * H * sizeof *a), *b = malloc((size_t)n * H * sizeof *b);
  CHECK(brass_embed(m1, (const char *const *)texts, (size_t)n, a, &err) == 0);
  CHECK(brass_embed(m3, (const char *const *)texts, (size_t)n, b, &err) == 0);
  double worst = compare_with_reference(m1, texts, n, a, 0, 1);
  CHECK_MSG(worst < 2e-5, "max |brass - reference| = %g", worst);
  printf("mean pooling: max abs difference from the double reference %.3g\n", worst);
  CHECK_MSG(memcmp(a, b, (size_t)n * H * sizeof *a) == 0,
            "1 thread batch 32 and 3 threads batch 5 differ");
  /* one text alone gives the same bits as inside a big batch */
  for (int i = 0; i < n; i += 137) {
    float one[H];
    CHECK(brass_embed(m3, (const char *const *)&texts[i], 1, one, &err) == 0);
    CHECK_MSG(memcmp(one, a + (size_t)i * H, sizeof one) == 0, "text %d alone differs", i);
  }
  /* unit length */
  double norm = 0;
  for (int j = 0; j < H; j++) norm += (double)a[j] * a[j];
  CHECK_NEAR(norm, 1.0, 1e-5);

  /* argument errors */
  const char *bad[2] = {"hello", NULL};
  CHECK(brass_embed(m1, bad, 2, a, &err) == BRASS_EINVAL);
  CHECK(brass_embed(m1, NULL, 1, a, &err) == BRASS_EINVAL);
  CHECK(brass_embed(m1, bad, 0, NULL, &err) == 0);
  CHECK(brass_embed_as(m1, (brass_text_kind)7, bad, 1, a, &err) == BRASS_EINVAL);
  int32_t ids[4];
  CHECK(brass_tokenize(m1, "hello world", ids, 4, &err) == 4 && ids[0] == 2 && ids[1] == 5 &&
        ids[2] == 6 && ids[3] == 3);
  CHECK(brass_tokenize(m1, "hello world hello", ids, 2, &err) == 5);
  free(a);
  free(b);
  free_texts(texts, n);
done:
  brass_model_close(m1);
  brass_model_close(m3);
}

typedef struct concurrent_job {
  brass_model *m;
  char **texts;
  int n;
  const float *expect;
  int mismatches;
} concurrent_job;

static void *concurrent_main(void *arg) {
  concurrent_job *j = arg;
  float *out = malloc((size_t)j->n * H * sizeof *out);
  for (int r = 0; r < 3; r++) {
    brass_error err;
    if (brass_embed(j->m, (const char *const *)j->texts, (size_t)j->n, out, &err) != 0 ||
        memcmp(out, j->expect, (size_t)j->n * H * sizeof *out) != 0)
      j->mismatches++;
  }
  free(out);
  return NULL;
}

/* Two threads embedding with one model at the same time get the same results as one. */
static void test_concurrent(void) {
  char dir[128];
  snprintf(dir, sizeof dir, "%s/mean", root);
  brass_error err = {0};
  brass_model *m = open_model(dir, 2, 4, &err);
  if (!m) return;
  const int n = 40;
  char **texts = make_texts(n);
  float *expect = malloc((size_t)n * H * sizeof *expect);
  CHECK(brass_embed(m, (const char *const *)texts, (size_t)n, expect, &err) == 0);
  concurrent_job jobs[2] = {{m, texts, n, expect, 0}, {m, texts, n, expect, 0}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, concurrent_main, &jobs[i]) == 0);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  CHECK_MSG(jobs[0].mismatches == 0 && jobs[1].mismatches == 0, "concurrent calls differ");
  free(expect);
  free_texts(texts, n);
  brass_model_close(m);
}

static void test_cls_dtypes(void) {
  static const st_dtype dtypes[3] = {ST_F32, ST_F16, ST_BF16};
  for (int d = 0; d < 3; d++) {
    char dir[128];
    snprintf(dir, sizeof dir, "%s/cls-%s", root, st_dtype_name(dtypes[d]));
    make_model_dir(dir, d == 1 ? "mean" : "cls", d != 0, dtypes[d]);
    brass_error err = {0};
    brass_model *m = open_model(dir, 2, 8, &err);
    if (!m) continue;
    const int n = 60;
    char **texts = make_texts(n);
    float *a = malloc((size_t)n * H * sizeof *a);
    CHECK(brass_embed(m, (const char *const *)texts, (size_t)n, a, &err) == 0);
    double worst = compare_with_reference(m, texts, n, a, d != 1, d != 0);
    CHECK_MSG(worst < 2e-5, "%s: max |brass - reference| = %g", dir, worst);
    printf("%s: max abs difference %.3g\n", dir, worst);
    free(a);
    free_texts(texts, n);
    brass_model_close(m);
  }
}

static void test_prefix_and_length(void) {
  char dir[128];
  snprintf(dir, sizeof dir, "%s/mean", root);
  brass_model_options o = {
      .threads = 2, .query_prefix = "query : ", .passage_prefix = "", .max_seq_length = 6};
  brass_model *m = NULL;
  brass_error err = {0};
  CHECK(brass_model_open(dir, &o, &m, &err) == 0);
  if (!m) return;
  CHECK(brass_model_max_length(m) == 6);
  int32_t ids[8];
  CHECK(brass_tokenize(m, "the quick brown fox jumps over", ids, 8, &err) == 6 && ids[5] == 3);
  const char *q[1] = {"hello world"}, *p[1] = {"query : hello world"};
  float a[H], b[H];
  CHECK(brass_embed_as(m, BRASS_QUERY, q, 1, a, &err) == 0);
  CHECK(brass_embed_as(m, BRASS_PASSAGE, p, 1, b, &err) == 0);
  CHECK_MSG(memcmp(a, b, sizeof a) == 0, "the query prefix is not prepended");
  CHECK(brass_embed(m, q, 1, b, &err) == 0);
  CHECK(memcmp(a, b, sizeof a) != 0);
  brass_model_close(m);

  /* Without sentence_bert_config.json the tokenizer's model_max_length applies. */
  char dir2[128];
  snprintf(dir2, sizeof dir2, "%s/short", root);
  make_model_dir(dir2, "mean", 1, ST_F32);
  write_text(dir2, "tokenizer_config.json", "{\"model_max_length\": 10, \"do_lower_case\": true}");
  CHECK(brass_model_open(dir2, NULL, &m, &err) == 0);
  if (m) {
    CHECK_MSG(brass_model_max_length(m) == 10, "max length %d", brass_model_max_length(m));
    CHECK(brass_tokenize(m, "the quick brown fox jumps over the lazy dog a b c d", ids, 8, &err) ==
          10);
    brass_model_close(m);
  }

  o.max_seq_length = MAXPOS + 1;
  CHECK(brass_model_open(dir, &o, &m, &err) == BRASS_ERANGE && m == NULL);
  CHECK(brass_model_open("/nonexistent/model", NULL, &m, &err) == BRASS_EIO);
  CHECK(strstr(err.message, "/nonexistent/model/config.json") != NULL);
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/brass_test_embed_XXXXXX");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  make_weights();
  test_mean_normalized();
  test_concurrent();
  test_cls_dtypes();
  test_prefix_and_length();
  for (int i = 0; i < nts; i++) free(ts[i].v);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  CHECK_DONE();
}
