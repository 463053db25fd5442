/*
 * pdf_poppler.c - a PDF's text page by page through poppler-glib (pdf_poppler.h). poppler parses
 * in-process, so the bounds are the ones a caller can set around it: the file size limit of the
 * indexer, a page count, the bytes of extracted text and a time budget checked between pages.
 * poppler reports syntax problems of damaged files through GLib logging ("Poppler" domain); those
 * are dropped so that a bad file gives the single line of its error, not a screenful of warnings.
 */
#include "text/pdf_poppler.h"

#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "text/extract.h"

static void pdf_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer data) {
  (void)domain, (void)level, (void)message, (void)data;
}

static pthread_once_t pdf_log_once = PTHREAD_ONCE_INIT;
static void pdf_log_init(void) {
  g_log_set_handler("Poppler", (GLogLevelFlags)(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL), pdf_log_drop,
                    NULL);
}

static char pdf_version[64];
static pthread_once_t pdf_version_once = PTHREAD_ONCE_INIT;
static void pdf_version_init(void) {
  snprintf(pdf_version, sizeof pdf_version, "poppler-glib %s", poppler_get_version());
}

const char *pdf_poppler_version(void) {
  pthread_once(&pdf_version_once, pdf_version_init);
  return pdf_version;
}

static double pdf_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The document, or an error naming the problem (a password, damage). */
static int pdf_open(GBytes *bytes, PopplerDocument **out, brass_error *err) {
  GError *ge = NULL;
  *out = poppler_document_new_from_bytes(bytes, NULL, &ge);
  if (*out) return 0;
  int rc;
  if (ge && ge->domain == POPPLER_ERROR && ge->code == POPPLER_ERROR_ENCRYPTED)
    rc = err_set(err, BRASS_EUNSUPPORTED, "pdf: encrypted (needs a password)");
  else
    rc = err_set(err, BRASS_EFORMAT, "pdf: damaged or not a PDF (%s)",
                 ge && ge->message ? ge->message : "poppler could not open it");
  if (ge) g_error_free(ge);
  return rc;
}

int pdf_poppler_text(const char *src, size_t len, char **out, size_t *out_len, brass_error *err) {
  *out = NULL;
  *out_len = 0;
  pthread_once(&pdf_log_once, pdf_log_init);
  double t0 = pdf_now();
  GBytes *bytes = g_bytes_new_static(src, len);
  PopplerDocument *pd = NULL;
  int rc = pdf_open(bytes, &pd, err);
  g_bytes_unref(bytes);
  if (rc) return rc;
  int pages = poppler_document_get_n_pages(pd);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  if (pages > EXTRACT_PDF_MAX_PAGES)
    rc = err_set(err, BRASS_ERANGE, "pdf: %d pages, over the limit %d", pages,
                 EXTRACT_PDF_MAX_PAGES);
  for (int i = 0; !rc && i < pages; i++) {
    if (pdf_now() - t0 > EXTRACT_PDF_MAX_SECONDS) {
      rc = err_set(err, BRASS_ERANGE, "pdf: over %d s at page %d of %d, over the time limit",
                   EXTRACT_PDF_MAX_SECONDS, i + 1, pages);
      break;
    }
    PopplerPage *page = poppler_document_get_page(pd, i);
    char *t = page ? poppler_page_get_text(page) : NULL;
    size_t tl = t ? strlen(t) : 0;
    if (n + tl + 3 > EXTRACT_PDF_MAX_TEXT) {
      rc = err_set(err, BRASS_ERANGE, "pdf: more than %u MiB of text by page %d, over the limit",
                   EXTRACT_PDF_MAX_TEXT >> 20, i + 1);
    } else if (n + tl + 3 > cap) {
      size_t c = cap ? cap : 4096;
      while (c < n + tl + 3) c *= 2;
      char *nb = realloc(buf, c);
      if (nb) {
        buf = nb;
        cap = c;
      } else {
        rc = err_set(err, BRASS_ENOMEM, "pdf: out of memory");
      }
    }
    if (!rc) {
      if (i) {
        buf[n++] = '\f';
        buf[n++] = '\n';
      }
      for (size_t k = 0; k < tl; k++) buf[n + k] = t[k] == '\f' ? ' ' : t[k];
      n += tl;
    }
    g_free(t);
    if (page) g_object_unref(page);
  }
  g_object_unref(pd);
  if (!rc && !buf && !(buf = malloc(1))) rc = err_set(err, BRASS_ENOMEM, "pdf: out of memory");
  if (rc) {
    free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return 0;
}
