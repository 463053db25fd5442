/*
 * fuzz_office.c - libFuzzer target for the DOCX/ODT/EPUB extractors (src/text/extract_office.c,
 * zip.c, xml.c): the first byte picks the kind, the rest is the file. Any input must give 0 or a
 * negative code with a one-line message, never a crash, a leak or an out-of-bounds read; a
 * success must give blocks inside the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const doc_kind kinds[] = {DOC_DOCX, DOC_ODT, DOC_EPUB};
  doc_kind kind = kinds[data[0] % 3];
  extract_doc doc;
  brass_error err;
  int rc = extract_office((const char *)data + 1, size - 1, kind, &doc, &err);
  if (rc == 0) {
    for (size_t i = 0; i < doc.nblocks; i++)
      if (doc.blocks[i].start >= doc.blocks[i].end || doc.blocks[i].end > doc.len) abort();
    extract_doc_free(&doc);
  } else if (!err.message[0] || strchr(err.message, '\n')) {
    abort();
  }
  return 0;
}
