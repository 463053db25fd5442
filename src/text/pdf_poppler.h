/*
 * pdf_poppler.h - reading a PDF's text page by page with poppler-glib. Compiled only when CMake
 * finds poppler-glib and BRASS_PDF is not OFF (a binary linked with it is GPL-2 as a whole).
 */
#ifndef BRASS_TEXT_PDF_POPPLER_H
#define BRASS_TEXT_PDF_POPPLER_H

#include <stddef.h>

#include "brass.h"

/* The UTF-8 text of the len-byte PDF src: its pages in order, separated by "\f\n" (form
 * feeds inside a page's text become spaces), NUL-terminated in a malloc'd *out of *out_len
 * bytes. poppler runs in a child process (fork) limited to EXTRACT_PDF_MAX_MEMORY more address
 * space and killed after EXTRACT_PDF_MAX_SECONDS ($BRASS_PDF_SECONDS); at most
 * EXTRACT_PDF_MAX_PAGES pages and EXTRACT_PDF_MAX_TEXT bytes of text. A crash in poppler is a
 * skipped file. poppler's and GLib's warnings are silenced.
 * Returns 0, BRASS_EFORMAT (damaged), BRASS_EUNSUPPORTED (needs a password), BRASS_ERANGE,
 * BRASS_ENOMEM, with err naming "pdf" and the problem. */
int pdf_poppler_text(const char *src, size_t len, char **out, size_t *out_len, brass_error *err);

/* "poppler-glib X.Y.Z" (the library found at run time). */
const char *pdf_poppler_version(void);

#endif
