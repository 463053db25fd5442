/*
 * fuzz_safetensors.c - libFuzzer target for the safetensors parser. Whatever the bytes, parsing
 * must not crash, leak or read outside the buffer; when it succeeds every tensor's bytes must lie
 * inside the buffer (touched here, so ASan checks it) and the F32/F16/BF16 converters must run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size copy, so a read one byte past the end is caught. */
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return 0;
  if (size) memcpy(buf, data, size);
  st_tensor *ts = NULL;
  int n = 0;
  brass_error err;
  if (safetensors_parse(buf, size, "fuzz.safetensors", &ts, &n, &err) == 0) {
    unsigned sum = 0;
    for (int i = 0; i < n; i++) {
      const st_tensor *t = &ts[i];
      if (t->nbytes) sum += t->data[0] + t->data[t->nbytes - 1];
      if (t->data < buf || t->data + t->nbytes > buf + size) abort();
      float tmp[64];
      size_t count = t->numel < 64 ? t->numel : 64;
      st_to_f32(t->dtype, t->data, count, tmp);
    }
    (void)sum;
    st_tensors_free(ts, n);
  }
  free(buf);
  return 0;
}
