/*
 * crawl_url.h - URLs as the crawler keys them (pure string functions, no network): parsing,
 * normalisation, resolution of links against a page, and origins. Only http and https URLs are
 * accepted; a normalised URL has a lowercase scheme and host, no default port, no userinfo, no
 * fragment, dot segments resolved, a path that starts with '/', and spaces, controls and
 * non-ASCII bytes percent-encoded, so two spellings of one page compare equal as strings.
 */
#ifndef BRASS_NET_CRAWL_URL_H
#define BRASS_NET_CRAWL_URL_H

#include <stddef.h>

#define CRAWL_URL_MAX 2048 /* longer URLs are refused (buffers hold CRAWL_URL_MAX bytes) */

enum {
  CRAWL_URL_OK = 0,
  CRAWL_URL_INVALID = -1, /* not a URL, bad host or port, userinfo, too long */
  CRAWL_URL_SCHEME = -2   /* a URL of another scheme (mailto:, javascript:, ftp:, data:, ...) */
};

/* The normalised form of absolute URL in into out (CRAWL_URL_MAX bytes). */
int crawl_url_normalise(const char *in, char *out);
/* Resolves ref (an href as written, possibly relative) against the normalised URL base into
 * out (CRAWL_URL_MAX bytes), normalised. */
int crawl_url_resolve(const char *base, const char *ref, char *out);
/* The length of the origin prefix of a normalised URL ("https://host:port", up to the path). */
size_t crawl_url_origin_len(const char *url);
/* The host of a normalised URL (without port or brackets) into out (cap bytes); 0 or -1. */
int crawl_url_host(const char *url, char *out, size_t cap);
/* 1 if the string looks like an http(s) URL (scheme followed by "://"), as sources are keyed. */
int crawl_url_is_web(const char *s);

#endif
