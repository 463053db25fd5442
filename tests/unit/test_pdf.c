/*
 * test_pdf.c - unit tests of the PDF extractor's page model (src/text/extract_pdf.c) on text
 * already split into pages, the form the browser's pdf.js hands the engine: every page's blocks
 * carry "page N", empty pages still count, chunks never span two pages, byte and line ranges
 * count the text after the marker, and the page and size limits hold. Real PDFs: with poppler
 * built in, damaged ones are refused with one line; without it (the WebAssembly build, or
 * BRASS_PDF=OFF) the "not built in" line. Files printed by Chromium: tests/engine/test_pdf.sh.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "text/chunk.h"
#include "text/extract.h"

static void test_pages(void) {
  static const char in[] = EXTRACT_PAGES_MAGIC
      "Alpha heading\nThe quartzite ridge.\n\nSecond paragraph.\f\n"
      "\f\n"
      "  Meltwater feeds the turquoise lake.\f\nEstuary delta";
  extract_doc d;
  brass_error err;
  CHECK(extract_pdf(in, sizeof in - 1, &d, &err) == 0);
  CHECK(d.nblocks == 4);
  if (d.nblocks == 4) {
    CHECK(!strcmp(d.paths[d.blocks[0].path], "page 1"));
    CHECK(d.blocks[0].path == d.blocks[1].path);
    CHECK(!strcmp(d.paths[d.blocks[2].path], "page 3"));
    CHECK(!strcmp(d.paths[d.blocks[3].path], "page 4"));
    CHECK(!strncmp(d.text + d.blocks[0].start, "Alpha heading", 13));
    CHECK(!strncmp(d.text + d.blocks[3].start, "Estuary delta", 13) && d.blocks[3].end == d.len);
  }
  extract_doc_free(&d);

  chunk_list cl = {0};
  chunk_options co = {.max_tokens = 64};
  CHECK(chunk_document(NULL, in, sizeof in - 1, DOC_PDF, &co, &cl, &err) == 0);
  CHECK(cl.count == 3);
  if (cl.count == 3) {
    CHECK(!strcmp(cl.items[0].heading, "page 1") && cl.items[0].line_start == 1);
    CHECK(!strcmp(cl.items[1].heading, "page 3") && cl.items[1].line_start == 6);
    CHECK(!strcmp(cl.items[2].heading, "page 4") && cl.items[2].line_start == 7);
    CHECK(!strcmp(cl.items[2].text, "Estuary delta"));
    for (size_t i = 0; i < cl.count; i++)
      CHECK(!memchr(cl.items[i].text, '\f', cl.items[i].text_len));
  }
  chunk_list_free(&cl);

  /* one long page: many chunks, all on that page; the next page starts its own chunk */
  size_t n = 0, cap = 64 << 10;
  char *big = malloc(cap);
  n = (size_t)sprintf(big, "%s", EXTRACT_PAGES_MAGIC);
  for (int i = 0; i < 400; i++) n += (size_t)sprintf(big + n, "Sentence %d of the long page. ", i);
  n += (size_t)sprintf(big + n, "\f\nTail page words.");
  CHECK(chunk_document(NULL, big, n, DOC_PDF, &co, &cl, &err) == 0);
  CHECK(cl.count > 5);
  for (size_t i = 0; i + 1 < cl.count; i++) CHECK(!strcmp(cl.items[i].heading, "page 1"));
  if (cl.count) {
    CHECK(!strcmp(cl.items[cl.count - 1].heading, "page 2"));
    CHECK(!strcmp(cl.items[cl.count - 1].text, "Tail page words."));
  }
  chunk_list_free(&cl);
  free(big);
}

static void test_limits(void) {
  extract_doc d;
  brass_error err;
  /* EXTRACT_PDF_MAX_PAGES form feeds: one page too many */
  size_t ml = sizeof EXTRACT_PAGES_MAGIC - 1, n = ml + EXTRACT_PDF_MAX_PAGES + 1;
  char *p = malloc(n);
  memcpy(p, EXTRACT_PAGES_MAGIC, ml);
  memset(p + ml, '\f', EXTRACT_PDF_MAX_PAGES);
  p[n - 1] = 'x';
  CHECK(extract_pdf(p, n, &d, &err) == BRASS_ERANGE &&
        strstr(err.message, "pages, over the limit"));
  p[ml] = 'y'; /* one form feed fewer: exactly the limit */
  CHECK(extract_pdf(p, n, &d, &err) == 0 && d.nblocks == 2);
  if (d.nblocks == 2) CHECK(!strcmp(d.paths[d.blocks[1].path], "page 10000"));
  extract_doc_free(&d);
  free(p);

  CHECK(extract_pdf("hello", 5, &d, &err) == BRASS_EFORMAT &&
        strstr(err.message, "no %PDF- header"));
  CHECK(extract_pdf("", 0, &d, &err) == BRASS_EFORMAT);
  static const char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x01\x02 trailer";
  int rc = extract_pdf(junk, sizeof junk - 1, &d, &err);
  if (brass_pdf_support()) {
    CHECK_MSG(rc == BRASS_EFORMAT && !strncmp(err.message, "pdf: ", 5), "rc %d: %s", rc,
              err.message);
  } else {
    CHECK(rc == BRASS_EUNSUPPORTED &&
          !strcmp(err.message, "pdf: support not built in (configure with poppler-glib)"));
  }
  static const char jserr[] = EXTRACT_PAGES_ERROR "encrypted (needs a password)\nrest";
  CHECK(extract_pdf(jserr, sizeof jserr - 1, &d, &err) == BRASS_EFORMAT &&
        !strcmp(err.message, "pdf: encrypted (needs a password)"));
  CHECK(extract_kind_for_path("Report.PDF") == DOC_PDF && extract_kind_is_document(DOC_PDF));
}

int main(void) {
  test_pages();
  test_limits();
  CHECK_DONE();
}
