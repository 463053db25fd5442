/*
 * test_word_q8.c - the int8 word-embedding table (src/model/word_q8.c) and its use by the BERT
 * loader: every value comes back within half its row's scale of the F32/F16/BF16 original (rows
 * of any magnitude, an all-zero row, unaligned source); a row holding inf or NaN is refused by
 * number; quantizing from a mapped file leaves the file's pages out of the resident set (native
 * builds, /proc/self/smaps); bert_load with int8 weights keeps the table in int8 (vocab x
 * (hidden + 4) bytes), closes the file, matches the F32 model's rows within the bound, and names
 * the tensor and row of a non-finite word embedding in its one-line error.
 */
#include "model/word_q8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brass.h"
#include "check.h"
#include "model/bert.h"
#include "nn/gemm.h"
#include "nn/qkernel.h"

static uint64_t rng = 777;
static double uniform(void) { /* in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rng >> 11) / 4503599627370496.0 - 1.0;
}

/* Checks w against the rows' F32 values: scale = max|row| / 127, |q| <= 127 with 127 reached,
 * |q * scale - x| <= scale / 2, word_q8_row gives q * scale, and q and scale are exactly what
 * qgemm_quantize_row (the Linear weights' quantizer) gives. Returns the number of bad rows. */
static int check_rows(const word_q8 *w, st_dtype dtype, const unsigned char *src, size_t rows,
                      size_t cols) {
  float *x = malloc(cols * sizeof *x), *d = malloc(cols * sizeof *d);
  int8_t *qref = malloc(cols);
  int bad = 0;
  for (size_t r = 0; r < rows; r++) {
    st_to_f32(dtype, src + r * cols * st_dtype_size(dtype), cols, x);
    word_q8_row(w, r, cols, d);
    float mx = 0.0f;
    for (size_t i = 0; i < cols; i++) mx = fabsf(x[i]) > mx ? fabsf(x[i]) : mx;
    const float s = w->scale[r];
    int ok = s == mx / 127.0f, top = mx == 0.0f;
    ok &= qgemm_quantize_row(x, (int)cols, qref) == s; /* the Linear weights' quantizer */
    ok &= memcmp(qref, w->q + r * cols, cols) == 0;
    for (size_t i = 0; i < cols; i++) {
      int q = w->q[r * cols + i];
      ok &= q >= -127 && q <= 127 && d[i] == (float)q * s;
      ok &= fabs((double)d[i] - (double)x[i]) <= 0.5 * (double)s * (1.0 + 1e-5);
      top |= q == 127 || q == -127;
    }
    if (!(ok && top)) {
      if (!bad)
        fprintf(stderr, "row %zu of %s: scale %g, max %g\n", r, st_dtype_name(dtype), s, mx);
      bad++;
    }
  }
  free(x);
  free(d);
  free(qref);
  return bad;
}

/* rows x cols values of dtype, row r scaled by 10^(r % 9 - 4); row 7 zero, row 11 one value. */
static unsigned char *make_table(st_dtype dtype, size_t rows, size_t cols, size_t lead) {
  const size_t es = st_dtype_size(dtype);
  unsigned char *buf = calloc(lead + rows * cols * es, 1), *p = buf + lead;
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < cols; i++) {
      float v = (float)(uniform() * pow(10.0, (double)(r % 9) - 4.0));
      if (r == 7 || (r == 11 && i != 3)) v = 0.0f;
      uint32_t b;
      memcpy(&b, &v, 4);
      uint16_t h;
      if (dtype == ST_F32) {
        memcpy(p + (r * cols + i) * 4, &v, 4);
        continue;
      } else if (dtype == ST_BF16) {
        h = (uint16_t)(b >> 16);
      } else { /* F16: sign, exponent 3..28, random mantissa */
        h = (uint16_t)((b >> 16 & 0x8000u) | (uint32_t)(3 + (r * 5 + i) % 26) << 10 | (b & 0x3ffu));
        if (r == 7 || (r == 11 && i != 3)) h = 0;
      }
      memcpy(p + (r * cols + i) * 2, &h, 2);
    }
  return buf;
}

static void test_bounds(void) {
  static const st_dtype dts[3] = {ST_F32, ST_F16, ST_BF16};
  for (int k = 0; k < 3; k++) {
    const size_t rows = 40, cols = 21, lead = 1; /* lead: an unaligned source */
    unsigned char *buf = make_table(dts[k], rows, cols, lead);
    word_q8 w;
    size_t badrow = 99;
    CHECK(word_q8_build(&w, dts[k], buf + lead, rows, cols, NULL, 0, &badrow) == 0);
    CHECK(w.bytes == rows * (cols + sizeof(float)));
    CHECK_MSG(check_rows(&w, dts[k], buf + lead, rows, cols) == 0, "%s", st_dtype_name(dts[k]));
    for (size_t i = 0; i < cols; i++) CHECK(w.q[7 * cols + i] == 0);
    CHECK(w.scale[7] == 0.0f);
    word_q8_free(&w);
    CHECK(w.q == NULL && w.scale == NULL);
    free(buf);
  }
}

static void test_nonfinite(void) {
  const size_t rows = 8, cols = 5;
  float t[8 * 5];
  for (size_t i = 0; i < rows * cols; i++) t[i] = (float)uniform();
  t[5 * cols + 2] = INFINITY;
  t[3 * cols + 4] = NAN;
  word_q8 w;
  size_t bad = 99;
  CHECK(word_q8_build(&w, ST_F32, (const unsigned char *)t, rows, cols, NULL, 0, &bad) ==
        BRASS_EFORMAT);
  CHECK(bad == 3);
  CHECK(w.q == NULL && w.scale == NULL && w.bytes == 0);
  uint16_t h[3 * 4] = {0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00,
                       0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x7c00}; /* F16 inf in row 2 */
  CHECK(word_q8_build(&w, ST_F16, (const unsigned char *)h, 3, 4, NULL, 0, &bad) == BRASS_EFORMAT);
  CHECK(bad == 2);
}

#ifndef __EMSCRIPTEN__
/* Resident kB of this process's mappings of path (/proc/self/smaps), or -1 if unreadable. */
static long mapped_rss_kb(const char *path) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) return -1;
  char line[512];
  long total = 0, v;
  int in = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long a, b;
    if (sscanf(line, "%lx-%lx ", &a, &b) == 2)
      in = strstr(line, path) != NULL;
    else if (in && sscanf(line, "Rss: %ld", &v) == 1)
      total += v;
  }
  fclose(f);
  return total;
}

/* Quantizing from a mapped file drops its pages: the F32 table never stays resident. */
static void test_discard(void) {
  const size_t rows = 4096, cols = 256, lead = 100; /* 4 MB of F32 after a 100-byte header */
  unsigned char *buf = make_table(ST_F32, rows, cols, lead);
  char path[] = "/tmp/brass-word-q8.XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  size_t n = lead + rows * cols * 4;
  CHECK(write(fd, buf, n) == (ssize_t)n);
  close(fd);
  file_map map;
  brass_error err;
  CHECK(file_map_open(path, &map, &err) == 0);
  size_t nonzero = 0; /* reads a byte of every page: all resident */
  for (size_t i = 0; i < map.size; i += 512) nonzero += map.data[i] != 0;
  CHECK(nonzero > 0);
  long before = mapped_rss_kb(path);
  word_q8 w, plain;
  size_t bad;
  CHECK(word_q8_build(&w, ST_F32, map.data + lead, rows, cols, &map, lead, &bad) == 0);
  long after = mapped_rss_kb(path);
  if (before >= 0) {
    CHECK_MSG(before >= 3000, "%ld kB resident before", before); /* the measurement works */
    long edges = 2 * sysconf(_SC_PAGESIZE) / 1024;               /* the pages the table shares */
    CHECK_MSG(after <= edges, "%ld kB of the file still resident after quantizing", after);
  }
  CHECK(word_q8_build(&plain, ST_F32, buf + lead, rows, cols, NULL, 0, &bad) == 0);
  CHECK(w.bytes == plain.bytes && memcmp(w.scale, plain.scale, w.bytes) == 0);
  word_q8_free(&w);
  word_q8_free(&plain);
  file_map_close(&map);
  unlink(path);
  free(buf);
}
#endif

/* ---- through bert_load: a one-layer BERT in safetensors ---------------------------------- */

enum { V = 50, H = 16, I = 32, P = 16, T = 2 };

typedef struct wt {
  const char *name;
  int d0, d1; /* d1 0: 1-D */
} wt;

static const wt tensors[] = {
    {"embeddings.word_embeddings.weight", V, H},
    {"embeddings.position_embeddings.weight", P, H},
    {"embeddings.token_type_embeddings.weight", T, H},
    {"embeddings.LayerNorm.weight", H, 0},
    {"embeddings.LayerNorm.bias", H, 0},
    {"encoder.layer.0.attention.self.query.weight", H, H},
    {"encoder.layer.0.attention.self.query.bias", H, 0},
    {"encoder.layer.0.attention.self.key.weight", H, H},
    {"encoder.layer.0.attention.self.key.bias", H, 0},
    {"encoder.layer.0.attention.self.value.weight", H, H},
    {"encoder.layer.0.attention.self.value.bias", H, 0},
    {"encoder.layer.0.attention.output.dense.weight", H, H},
    {"encoder.layer.0.attention.output.dense.bias", H, 0},
    {"encoder.layer.0.attention.output.LayerNorm.weight", H, 0},
    {"encoder.layer.0.attention.output.LayerNorm.bias", H, 0},
    {"encoder.layer.0.intermediate.dense.weight", I, H},
    {"encoder.layer.0.intermediate.dense.bias", I, 0},
    {"encoder.layer.0.output.dense.weight", H, I},
    {"encoder.layer.0.output.dense.bias", H, 0},
    {"encoder.layer.0.output.LayerNorm.weight", H, 0},
    {"encoder.layer.0.output.LayerNorm.bias", H, 0},
};
enum { NT = sizeof tensors / sizeof *tensors };

/* Writes the model with F32 values; word table row `inf_row` gets an inf (-1: none). */
static void write_model(const char *path, int inf_row) {
  char json[8192];
  size_t off = 0, len = 0;
  len += (size_t)snprintf(json + len, sizeof json - len, "{");
  for (int t = 0; t < NT; t++) {
    size_t n = (size_t)tensors[t].d0 * (size_t)(tensors[t].d1 ? tensors[t].d1 : 1) * 4;
    char shape[32];
    if (tensors[t].d1)
      snprintf(shape, sizeof shape, "[%d,%d]", tensors[t].d0, tensors[t].d1);
    else
      snprintf(shape, sizeof shape, "[%d]", tensors[t].d0);
    len += (size_t)snprintf(json + len, sizeof json - len,
                            "%s\"%s\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":[%zu,%zu]}",
                            t ? "," : "", tensors[t].name, shape, off, off + n);
    off += n;
  }
  len += (size_t)snprintf(json + len, sizeof json - len, "}");
  FILE *f = fopen(path, "wb");
  uint64_t hl = len;
  unsigned char le[8];
  for (int i = 0; i < 8; i++) le[i] = (unsigned char)(hl >> (8 * i));
  fwrite(le, 1, 8, f);
  fwrite(json, 1, len, f);
  for (int t = 0; t < NT; t++) {
    size_t n = (size_t)tensors[t].d0 * (size_t)(tensors[t].d1 ? tensors[t].d1 : 1);
    for (size_t i = 0; i < n; i++) {
      float v = (float)(0.5 * uniform());
      if (t == 0 && inf_row >= 0 && i == (size_t)inf_row * H + 5) v = INFINITY;
      fwrite(&v, 4, 1, f);
    }
  }
  fclose(f);
}

static void test_bert_load(void) {
  char path[] = "/tmp/brass-word-q8-model.XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  close(fd);
  write_model(path, -1);
  model_config cfg = {.hidden = H,
                      .layers = 1,
                      .heads = 2,
                      .intermediate = I,
                      .max_position = P,
                      .type_vocab = T,
                      .vocab = V,
                      .ln_eps = 1e-12f,
                      .max_seq_length = P};
  brass_error err;
  bert_model f32, q8;
  cfg.dtype = GEMM_F32;
  int rc = bert_load(path, &cfg, gemm_kernel_default(), &f32, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  cfg.dtype = GEMM_INT8;
  int rq = bert_load(path, &cfg, gemm_kernel_default(), &q8, &err);
  CHECK_MSG(rq == 0, "%s", err.message);
  if (rc == 0 && rq == 0) {
    CHECK(f32.word_q8.q == NULL && f32.word_emb != NULL);
    CHECK(q8.word_q8.q != NULL && q8.word_emb == NULL);
    CHECK(q8.word_q8.bytes == (size_t)V * (H + sizeof(float)));
    CHECK(q8.file.map.data == NULL); /* closed: nothing of the file stays mapped */
    CHECK(check_rows(&q8.word_q8, f32.word_dtype, f32.word_emb, V, H) == 0);
  }
  if (rc == 0) bert_free(&f32);
  if (rq == 0) bert_free(&q8);

  write_model(path, 7);
  CHECK(bert_load(path, &cfg, gemm_kernel_default(), &q8, &err) == BRASS_EFORMAT);
  CHECK_MSG(strstr(err.message, "embeddings.word_embeddings.weight") &&
                strstr(err.message, "row 7") && strstr(err.message, path) &&
                !strchr(err.message, '\n'),
            "%s", err.message);
  cfg.dtype = GEMM_F32; /* f32 reads the table as it is */
  rc = bert_load(path, &cfg, gemm_kernel_default(), &f32, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (rc == 0) bert_free(&f32);
  unlink(path);
}

int main(void) {
  test_bounds();
  test_nonfinite();
#ifndef __EMSCRIPTEN__
  test_discard();
#endif
  test_bert_load();
  CHECK_DONE();
}
