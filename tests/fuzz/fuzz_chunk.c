/*
 * fuzz_chunk.c - libFuzzer target for extraction and chunking: the first byte picks the document
 * kind (text, markdown, HTML, code) and a small token budget, the rest is the document. Checks the
 * invariants every consumer relies on: chunks in order, byte ranges inside the input, line ranges
 * ordered, token counts within the budget, and (except for HTML, whose text is extracted, and
 * UTF-16, which is decoded) each chunk's text equal to its source bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  doc_kind kind = (doc_kind)(data[0] % 4);
  chunk_options opt = {0};
  opt.max_tokens = 8 + (data[0] >> 2) % 64;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  /* UTF-16 with a byte-order mark is chunked decoded: no chunk is a slice of the input */
  int utf16 =
      len >= 2 && ((data[1] == 0xFF && data[2] == 0xFE) || (data[1] == 0xFE && data[2] == 0xFF));
  chunk_list list = {0};
  brass_error err;
  if (chunk_document(NULL, text, len, kind, &opt, &list, &err) == 0) {
    size_t prev_start = 0;
    for (size_t i = 0; i < list.count; i++) {
      const chunk *c = &list.items[i];
      if (c->start > c->end || c->end > len) abort();
      if (i > 0 && c->start < prev_start) abort();
      if (c->line_start < 1 || c->line_end < c->line_start) abort();
      if (c->tokens > opt.max_tokens) abort();
      if (kind != DOC_HTML && !utf16 &&
          (c->text_len != c->end - c->start || memcmp(c->text, text + c->start, c->text_len) != 0))
        abort();
      prev_start = c->start;
    }
  }
  chunk_list_free(&list);
  return 0;
}
