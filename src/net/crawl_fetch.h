/*
 * crawl_fetch.h - parallel HTTP(S) GETs for the crawler on libcurl's multi interface. Redirects
 * are not followed (the crawler decides where a Location may lead), only http and https are
 * spoken, every request has a total timeout, and a body is cut off (the transfer aborted) past
 * its byte limit, whether announced by Content-Length or not; compressed bodies count decoded.
 * Scheduling (which URL, which host, when) is the caller's: this file only runs transfers.
 */
#ifndef BRASS_NET_CRAWL_FETCH_H
#define BRASS_NET_CRAWL_FETCH_H

#include <stddef.h>

#include "brass.h"

enum {
  CRAWL_FETCH_OK = 0,
  CRAWL_FETCH_TIMEOUT,   /* the request's timeout fired */
  CRAWL_FETCH_TOO_LARGE, /* the body passed its byte limit */
  CRAWL_FETCH_NETWORK    /* could not connect, TLS, reset, malformed reply, ... (errmsg) */
};

typedef struct crawl_response {
  void *user;  /* as given to crawl_fetch_start */
  long status; /* HTTP status; 0 after a transport error */
  int error;   /* CRAWL_FETCH_* */
  char errmsg[256];
  char *body; /* heap, NUL-terminated (len bytes before the NUL) */
  size_t len;
  char *content_type, *location, *etag, *last_modified; /* header values, heap or NULL */
} crawl_response;

typedef struct crawl_fetch crawl_fetch;

/* user_agent: the User-Agent header; timeout_ms: per request, connection included. */
int crawl_fetch_open(crawl_fetch **out, const char *user_agent, long timeout_ms, brass_error *err);
/* Starts GET url; etag / last_modified (or NULL) are sent as If-None-Match / If-Modified-Since.
 * max_bytes bounds the body; truncate: keep the first max_bytes instead of failing (robots.txt). */
int crawl_fetch_start(crawl_fetch *f, const char *url, const char *etag, const char *last_modified,
                      size_t max_bytes, int truncate, void *user, brass_error *err);
/* Runs transfers for at most timeout_ms (less when one finishes). */
int crawl_fetch_run(crawl_fetch *f, int timeout_ms, brass_error *err);
/* A finished transfer's response (free with crawl_response_free), or NULL when none is. */
crawl_response *crawl_fetch_next(crawl_fetch *f);
/* Transfers started and not yet returned by crawl_fetch_next. */
int crawl_fetch_active(const crawl_fetch *f);
void crawl_response_free(crawl_response *r);
/* Aborts what is in flight and frees f (NULL allowed). */
void crawl_fetch_close(crawl_fetch *f);

#endif
