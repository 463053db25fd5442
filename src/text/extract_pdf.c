/*
 * extract_pdf.c - PDF documents as text by page (extract.h). The pages' text, separated by form
 * feeds, becomes one block list where every page's paragraphs carry the heading path "page N":
 * the chunker starts a new section when the path changes, so no chunk spans two pages and each
 * result names its page. The text comes either from poppler-glib (pdf_poppler.c, an optional
 * GPL-2 build component: CMake BRASS_PDF) or, in the browser, from pdf.js in the worker, which
 * hands the engine the already-extracted pages behind EXTRACT_PAGES_MAGIC. A build without
 * poppler refuses real PDFs with one line saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "text/extract.h"
#ifdef BRASS_HAVE_POPPLER
#include "text/pdf_poppler.h"
#endif

/* Blocks of doc->text: pages split at form feeds, page N's paragraphs under path
 * "page N" (empty pages add nothing but still count). */
static int pdf_pages(extract_doc *doc, brass_error *err) {
  const char *t = doc->text;
  size_t at = 0;
  long page = 1;
  while (at <= doc->len) {
    const char *ff = memchr(t + at, '\f', doc->len - at);
    size_t end = ff ? (size_t)(ff - t) : doc->len;
    if (page > EXTRACT_PDF_MAX_PAGES)
      return err_set(err, BRASS_ERANGE, "pdf: more than %d pages, over the limit",
                     EXTRACT_PDF_MAX_PAGES);
    size_t k = at;
    while (k < end && (t[k] == ' ' || t[k] == '\n' || t[k] == '\r' || t[k] == '\t')) k++;
    if (k < end) {
      char name[32];
      int n = snprintf(name, sizeof name, "page %ld", page);
      extract_heads h = {0};
      int p = extract_heads_push(&h, doc, 1, name, (size_t)n);
      extract_heads_free(&h);
      if (p < 0 || extract_add_paras(doc, at, end, p) < 0)
        return err_set(err, BRASS_ENOMEM, "pdf: out of memory");
    }
    if (!ff) break;
    at = end + 1;
    page++;
  }
  return 0;
}

/* Fills doc from the pages' text (n bytes, malloc'd, NUL-terminated), which it adopts. */
static int pdf_doc(extract_doc *doc, char *text, size_t n, brass_error *err) {
  doc->owned_text = text;
  doc->src = doc->text = text;
  doc->src_len = doc->len = n;
  int rc = pdf_pages(doc, err);
  if (rc) extract_doc_free(doc);
  return rc;
}

const char *brass_pdf_support(void) {
#ifdef BRASS_HAVE_POPPLER
  return pdf_poppler_version();
#else
  return NULL;
#endif
}

int extract_pdf(const char *src, size_t len, extract_doc *doc, brass_error *err) {
  memset(doc, 0, sizeof *doc);
  size_t mlen = sizeof EXTRACT_PAGES_MAGIC - 1;
  if (len >= mlen && !memcmp(src, EXTRACT_PAGES_MAGIC, mlen)) { /* pages extracted by pdf.js */
    /* a copy without the marker, so that byte and line ranges match the native build's */
    if (len - mlen > EXTRACT_PDF_MAX_TEXT)
      return err_set(err, BRASS_ERANGE, "pdf: more than %u MiB of text, over the limit",
                     EXTRACT_PDF_MAX_TEXT >> 20);
    char *text = malloc(len - mlen + 1);
    if (!text) return err_set(err, BRASS_ENOMEM, "pdf: out of memory");
    memcpy(text, src + mlen, len - mlen);
    text[len - mlen] = '\0';
    return pdf_doc(doc, text, len - mlen, err);
  }
  size_t elen = sizeof EXTRACT_PAGES_ERROR - 1;
  if (len >= elen && !memcmp(src, EXTRACT_PAGES_ERROR, elen)) { /* pdf.js could not read it */
    size_t n = 0;
    while (elen + n < len && n < 300 && (unsigned char)src[elen + n] >= ' ') n++;
    return err_set(err, BRASS_EFORMAT, "pdf: %.*s", (int)n, src + elen);
  }
  /* the header may follow up to 1 KiB of junk, as readers allow */
  size_t head = len < 1024 ? len : 1024;
  if (!memmem(src, head, "%PDF-", 5))
    return err_set(err, BRASS_EFORMAT, "pdf: not a PDF file (no %%PDF- header)");
#ifdef BRASS_HAVE_POPPLER
  char *text = NULL;
  size_t n = 0;
  int rc = pdf_poppler_text(src, len, &text, &n, err);
  return rc ? rc : pdf_doc(doc, text, n, err);
#else
  return err_set(err, BRASS_EUNSUPPORTED,
                 "pdf: support not built in (configure with poppler-glib)");
#endif
}
