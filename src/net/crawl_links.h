/*
 * crawl_links.h - what the crawler needs from an HTML page besides its text (pure, no network):
 * the links it points to (<a href>, <area href>), its <base href>, its <link rel=canonical>, its
 * <title>, and a <meta name=robots> noindex / nofollow. A small tag scanner, linear in the page:
 * comments, <script> and <style> contents are skipped; attribute values have the common entity
 * references decoded. At most CRAWL_LINKS_MAX links are kept per page.
 */
#ifndef BRASS_NET_CRAWL_LINKS_H
#define BRASS_NET_CRAWL_LINKS_H

#include <stddef.h>

#define CRAWL_LINKS_MAX 5000

typedef struct crawl_links {
  char **hrefs; /* as written (not yet resolved), heap */
  size_t n, cap;
  char *base, *canonical, *title; /* heap or NULL */
  int noindex, nofollow;
} crawl_links;

/* Scans len bytes of HTML into out (zeroed first). Returns 0 or BRASS_ENOMEM (out freed). */
int crawl_links_parse(const char *html, size_t len, crawl_links *out);
void crawl_links_free(crawl_links *l);

#endif
