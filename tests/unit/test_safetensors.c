/*
 * test_safetensors.c - the safetensors parser: a valid image with every feature, each way a header
 * can lie (each must fail with a one-line message naming the file, and never read out of bounds;
 * run under ASan), the half and bfloat16 conversions against a formula, and the file path.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "model/safetensors.h"

/* An image: 8-byte LE length of json, json, then data. The caller frees it. */
static unsigned char *image(const char *json, const void *data, size_t dlen, size_t *size) {
  size_t jl = strlen(json);
  *size = 8 + jl + dlen;
  unsigned char *b = malloc(*size ? *size : 1);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)jl >> (8 * i));
  memcpy(b + 8, json, jl);
  if (dlen) memcpy(b + 8 + jl, data, dlen);
  return b;
}

/* Parses json + dlen zero bytes of data; expects failure with code and a message naming "T". */
static void expect_fail(const char *json, size_t dlen, int code, const char *what) {
  unsigned char *zeros = calloc(dlen ? dlen : 1, 1);
  size_t size;
  unsigned char *b = image(json, zeros, dlen, &size);
  /* Copy into an exact-size allocation so ASan catches any read past the end. */
  unsigned char *exact = malloc(size);
  memcpy(exact, b, size);
  st_tensor *ts = (st_tensor *)1;
  int n = -1;
  brass_error err = {0};
  int rc = safetensors_parse(exact, size, "T.safetensors", &ts, &n, &err);
  CHECK_MSG(rc == code, "%s: rc %d, expected %d (%s)", what, rc, code, err.message);
  CHECK_MSG(ts == NULL && n == 0, "%s: outputs not cleared", what);
  CHECK_MSG(strncmp(err.message, "T.safetensors: ", 15) == 0, "%s: message '%s'", what,
            err.message);
  CHECK_MSG(strchr(err.message, '\n') == NULL, "%s: message has a newline", what);
  free(exact);
  free(b);
  free(zeros);
}

static void test_valid(void) {
  /* data: a F32 2x3 at 0..24, F16 [4] at 24..32, BF16 [2] at 32..36, I64 [1,1] at 40..48,
   * F32 scalar at 36..40, an empty F32 [0, 5] at 48..48 */
  unsigned char data[48] = {0};
  float f32[6] = {1, -2, 3.5f, 1e-3f, 0, 65504};
  memcpy(data, f32, sizeof f32);
  uint16_t f16[4] = {0x3c00, 0xc000, 0x0001, 0x7c00}; /* 1, -2, 2^-24, inf */
  memcpy(data + 24, f16, sizeof f16);
  uint16_t bf16[2] = {0x3f80, 0xc0a0}; /* 1, -5 */
  memcpy(data + 32, bf16, sizeof bf16);
  float scalar = 7.25f;
  memcpy(data + 36, &scalar, 4);
  int64_t i64 = 42;
  memcpy(data + 40, &i64, 8);
  const char *json =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      "\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
      "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[32,36]},"
      "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[36,40]},"
      "\"i\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[40,48]},"
      "\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[48,48]}}    ";
  size_t size;
  unsigned char *b = image(json, data, sizeof data, &size);
  st_tensor *ts = NULL;
  int n = 0;
  brass_error err = {0};
  int rc = safetensors_parse(b, size, "ok.safetensors", &ts, &n, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  CHECK(n == 6);
  if (rc == 0 && n == 6) {
    /* sorted by name: b e h i s w */
    CHECK(strcmp(ts[0].name, "b") == 0 && ts[0].dtype == ST_BF16 && ts[0].numel == 2);
    CHECK(strcmp(ts[1].name, "e") == 0 && ts[1].numel == 0 && ts[1].nbytes == 0);
    CHECK(strcmp(ts[2].name, "h") == 0 && ts[2].dtype == ST_F16 && ts[2].nbytes == 8);
    CHECK(strcmp(ts[3].name, "i") == 0 && ts[3].dtype == ST_I64 && ts[3].ndim == 2);
    CHECK(strcmp(ts[4].name, "s") == 0 && ts[4].ndim == 0 && ts[4].numel == 1);
    CHECK(strcmp(ts[5].name, "w") == 0 && ts[5].ndim == 2 && ts[5].shape[0] == 2 &&
          ts[5].shape[1] == 3);
    size_t hdr = 8 + strlen(json);
    CHECK(ts[5].offset == hdr && ts[5].data == b + hdr);
    CHECK(ts[2].offset == hdr + 24);
    float out[6];
    CHECK(st_to_f32(ts[5].dtype, ts[5].data, 6, out) == 0);
    CHECK(memcmp(out, f32, sizeof f32) == 0);
    CHECK(st_to_f32(ts[2].dtype, ts[2].data, 4, out) == 0);
    CHECK(out[0] == 1.0f && out[1] == -2.0f && out[2] == ldexpf(1.0f, -24) && isinf(out[3]));
    CHECK(st_to_f32(ts[0].dtype, ts[0].data, 2, out) == 0);
    CHECK(out[0] == 1.0f && out[1] == -5.0f);
    CHECK(st_to_f32(ts[3].dtype, ts[3].data, 1, out) == -1);
    CHECK(st_to_f32(ts[4].dtype, ts[4].data, 1, out) == 0 && out[0] == 7.25f);
  }
  st_tensors_free(ts, n);

  /* An empty header object is a valid file with no tensors. */
  free(b);
  b = image("{}", NULL, 0, &size);
  rc = safetensors_parse(b, size, "empty.safetensors", &ts, &n, &err);
  CHECK(rc == 0 && n == 0);
  st_tensors_free(ts, n);
  free(b);
}

static void test_invalid(void) {
  /* Too short, and header lengths that lie. */
  brass_error err = {0};
  st_tensor *ts;
  int n;
  unsigned char tiny[5] = {1, 0, 0, 0, 0};
  CHECK(safetensors_parse(tiny, sizeof tiny, "T.safetensors", &ts, &n, &err) == BRASS_EFORMAT);
  CHECK(strstr(err.message, "T.safetensors") != NULL);
  unsigned char big[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
  CHECK(safetensors_parse(big, sizeof big, "T.safetensors", &ts, &n, &err) == BRASS_EFORMAT);
  CHECK(strstr(err.message, "exceeds") != NULL);
  unsigned char beyond[16] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
  CHECK(safetensors_parse(beyond, sizeof beyond, "T.safetensors", &ts, &n, &err) == BRASS_EFORMAT);
  CHECK(strstr(err.message, "beyond the end") != NULL);

  const char *w = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
  char buf[512];
  expect_fail("", 0, BRASS_EFORMAT, "empty header");
  expect_fail("not json at all", 8, BRASS_EFORMAT, "garbage");
  expect_fail("{\"w\":", 8, BRASS_EFORMAT, "truncated JSON");
  expect_fail("[1,2]", 8, BRASS_EFORMAT, "array root");
  snprintf(buf, sizeof buf, "{%s} x", w);
  expect_fail(buf, 8, BRASS_EFORMAT, "trailing junk");
  expect_fail("{\"w\":3}", 8, BRASS_EFORMAT, "entry not an object");
  expect_fail("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, BRASS_EFORMAT, "no dtype");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, BRASS_EFORMAT, "no shape");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, BRASS_EFORMAT, "no offsets");
  expect_fail("{\"w\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
              BRASS_EUNSUPPORTED, "unknown dtype");
  expect_fail("{\"w\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, BRASS_EFORMAT,
              "numeric dtype");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, BRASS_EFORMAT,
              "negative dim");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10,
              BRASS_EFORMAT, "fractional dim");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8,
              BRASS_EFORMAT, "string dim");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
              BRASS_EUNSUPPORTED, "too many dims");
  expect_fail(
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,8]}}", 8,
      BRASS_EFORMAT, "element count overflow");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,8]}}", 8,
              BRASS_EFORMAT, "huge dim");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, BRASS_EFORMAT,
              "reversed offsets");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 7, BRASS_EFORMAT,
              "offsets beyond data");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 9,
              BRASS_EFORMAT, "three offsets");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]}}", 8, BRASS_EFORMAT,
              "negative offset");
  expect_fail("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, BRASS_EFORMAT,
              "size mismatch");
  expect_fail("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, BRASS_EFORMAT,
              "dtype size mismatch");
  expect_fail(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
      12, BRASS_EFORMAT, "overlap");
  expect_fail(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
      16, BRASS_EFORMAT, "duplicate name");
  snprintf(buf, sizeof buf, "{\"__metadata__\":[1],%s}", w);
  expect_fail(buf, 8, BRASS_EFORMAT, "metadata not an object");
}

/* Every half value against sign * 2^(e-15) * (1 + m/1024) (or the subnormal/special cases). */
static void test_half(void) {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    float got = st_f16_to_f32((uint16_t)h);
    double want;
    if (e == 31) {
      if (m ? !isnan(got) : !(isinf(got) && (got < 0) == s)) bad++;
      continue;
    }
    want = e ? ldexp(1.0 + m / 1024.0, e - 15) : ldexp(m, -24);
    if (s) want = -want;
    if ((double)got != want || (signbit(got) != 0) != s) bad++;
  }
  CHECK_MSG(bad == 0, "%d half values converted wrongly", bad);
  CHECK(st_bf16_to_f32(0x4049) == 3.140625f);
  CHECK(isnan(st_bf16_to_f32(0x7fc0)));
}

static void test_file(void) {
  char path[] = "/tmp/brass_test_st_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  float data[4] = {1, 2, 3, 4};
  size_t size;
  unsigned char *b = image(
      "{\"x.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]}}",
      data, sizeof data, &size);
  CHECK(write(fd, b, size) == (ssize_t)size);
  close(fd);
  free(b);
  st_file f;
  brass_error err = {0};
  int rc = safetensors_open(path, &f, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (rc == 0) {
    const st_tensor *t = safetensors_find(&f, "x.weight");
    CHECK(t && t->numel == 4);
    float out[4];
    if (t) CHECK(st_to_f32(t->dtype, t->data, 4, out) == 0 && out[3] == 4.0f);
    CHECK(safetensors_find(&f, "a") != NULL);
    CHECK(safetensors_find(&f, "x") == NULL);
    CHECK(safetensors_find(&f, "zzz") == NULL);
    safetensors_close(&f);
  }
  /* Truncate the file: data offsets now lie beyond the end. */
  CHECK(truncate(path, (off_t)(size - 3)) == 0);
  rc = safetensors_open(path, &f, &err);
  CHECK(rc == BRASS_EFORMAT && strstr(err.message, path) != NULL);
  safetensors_close(&f); /* safe on a failed open */
  unlink(path);
  rc = safetensors_open(path, &f, &err);
  CHECK(rc == BRASS_EIO && strstr(err.message, path) != NULL);
}

int main(void) {
  test_valid();
  test_invalid();
  test_half();
  test_file();
  CHECK_DONE();
}
