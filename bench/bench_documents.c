/*
 * bench_documents.c - extraction speed of one document (PDF, DOCX, ODT, EPUB, or any file by its
 * extension): extract_document run REPEATS times on the bytes in memory, best time kept. Prints one
 * JSON line: kind, file bytes, extracted text bytes, blocks, pages (PDF: the "page N" paths;
 * others 0), best seconds, pages/s, MB/s of text. bench/bench_pdf.sh drives it next to pdf.js.
 * usage: bench_documents FILE [REPEATS]   (default 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/file.h"
#include "text/extract.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_documents FILE [REPEATS]\n");
    return 2;
  }
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  if (reps < 1) reps = 1;
  char *data = NULL;
  size_t len = 0;
  brass_error err;
  if (file_read_all(argv[1], (size_t)1 << 30, &data, &len, &err)) {
    fprintf(stderr, "bench_documents: %s\n", err.message);
    return 1;
  }
  doc_kind kind = extract_kind_for_path(argv[1]);
  double best = 1e30;
  size_t text = 0, blocks = 0, pages = 0;
  for (int r = 0; r < reps; r++) {
    extract_doc d;
    double t0 = now_s();
    if (extract_document(data, len, kind, &d, &err)) {
      fprintf(stderr, "bench_documents: %s: %s\n", argv[1], err.message);
      free(data);
      return 1;
    }
    double t = now_s() - t0;
    if (t < best) best = t;
    text = d.len;
    blocks = d.nblocks;
    pages = kind == DOC_PDF ? d.npaths : 0;
    extract_doc_free(&d);
  }
  free(data);
  printf(
      "{\"kind\":%d,\"file_bytes\":%zu,\"text_bytes\":%zu,\"blocks\":%zu,\"pages\":%zu,"
      "\"seconds\":%.4f,\"pages_per_s\":%.0f,\"mb_per_s\":%.1f}\n",
      (int)kind, len, text, blocks, pages, best, (double)pages / best, (double)text / best / 1e6);
  return 0;
}
