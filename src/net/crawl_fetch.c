/*
 * crawl_fetch.c - the libcurl multi transfers behind crawl_fetch.h. One easy handle per request,
 * created when it starts and cleaned up when it is returned; header and body callbacks fill a
 * crawl_response and enforce the byte limit.
 */
#include "net/crawl_fetch.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"

#define FETCH_HEADER_MAX 4096 /* longer header values are ignored */

typedef struct fetch_xfer {
  CURL *easy;
  struct curl_slist *headers;
  crawl_response *r;
  size_t cap, max_bytes;
  int truncate, too_large, cut;   /* cut: truncated at the limit (a complete answer) */
  struct fetch_xfer *prev, *next; /* the transfers in flight */
} fetch_xfer;

struct crawl_fetch {
  CURLM *multi;
  char *user_agent;
  long timeout_ms;
  int active;
  fetch_xfer *list; /* in flight */
};

static void list_unlink(crawl_fetch *f, fetch_xfer *x) {
  if (x->prev)
    x->prev->next = x->next;
  else
    f->list = x->next;
  if (x->next) x->next->prev = x->prev;
  x->prev = x->next = NULL;
}

int crawl_fetch_open(crawl_fetch **out, const char *user_agent, long timeout_ms, brass_error *err) {
  *out = NULL;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return err_set(err, BRASS_EIO, "crawl: libcurl could not be initialised");
  crawl_fetch *f = calloc(1, sizeof *f);
  if (!f || !(f->user_agent = strdup(user_agent)) || !(f->multi = curl_multi_init())) {
    if (f) free(f->user_agent);
    free(f);
    curl_global_cleanup();
    return err_set(err, BRASS_ENOMEM, "crawl: out of memory");
  }
  f->timeout_ms = timeout_ms;
  *out = f;
  return 0;
}

void crawl_response_free(crawl_response *r) {
  if (!r) return;
  free(r->body);
  free(r->content_type);
  free(r->location);
  free(r->etag);
  free(r->last_modified);
  free(r);
}

static void xfer_free(fetch_xfer *x) {
  if (!x) return;
  if (x->easy) curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->headers);
  crawl_response_free(x->r);
  free(x);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  fetch_xfer *x = ctx;
  size_t len = size * n, take = len;
  crawl_response *r = x->r;
  if (r->len + len > x->max_bytes) {
    if (!x->truncate) {
      x->too_large = 1;
      return 0; /* aborts the transfer */
    }
    take = x->max_bytes - r->len;
    x->cut = 1; /* keep what fits, then stop the transfer: no need to read the rest */
  }
  if (r->len + take + 1 > x->cap) {
    size_t c = x->cap ? x->cap : 16384;
    while (c < r->len + take + 1) c *= 2;
    if (c > x->max_bytes + 1) c = x->max_bytes + 1;
    char *b = realloc(r->body, c);
    if (!b) return 0;
    r->body = b;
    x->cap = c;
  }
  memcpy(r->body + r->len, data, take);
  r->len += take;
  r->body[r->len] = '\0';
  return x->cut ? 0 : len;
}

/* Copies a header value (trimmed) into *dst when the line is "name: value". */
static int header_take(const char *line, size_t n, const char *name, char **dst) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(line, name, k) || line[k] != ':') return 0;
  const char *v = line + k + 1, *e = line + n;
  while (v < e && (*v == ' ' || *v == '\t')) v++;
  while (e > v && isspace((unsigned char)e[-1])) e--;
  if ((size_t)(e - v) > FETCH_HEADER_MAX) return 1;
  char *d = malloc((size_t)(e - v) + 1);
  if (!d) return -1;
  memcpy(d, v, (size_t)(e - v));
  d[e - v] = '\0';
  free(*dst);
  *dst = d;
  return 1;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx) {
  fetch_xfer *x = ctx;
  crawl_response *r = x->r;
  size_t len = size * n;
  if (len >= 5 && !strncmp(line, "HTTP/", 5)) { /* a new response (after 100 Continue) */
    free(r->content_type);
    free(r->location);
    free(r->etag);
    free(r->last_modified);
    r->content_type = r->location = r->etag = r->last_modified = NULL;
    return len;
  }
  if (header_take(line, len, "content-type", &r->content_type) < 0 ||
      header_take(line, len, "location", &r->location) < 0 ||
      header_take(line, len, "etag", &r->etag) < 0 ||
      header_take(line, len, "last-modified", &r->last_modified) < 0)
    return 0;
  if (len > 15 && !strncasecmp(line, "content-length:", 15) && !x->truncate) {
    unsigned long long cl = strtoull(line + 15, NULL, 10);
    if (cl > x->max_bytes) {
      x->too_large = 1;
      return 0; /* announced over the limit: not even started */
    }
  }
  return len;
}

int crawl_fetch_start(crawl_fetch *f, const char *url, const char *etag, const char *last_modified,
                      size_t max_bytes, int truncate, void *user, brass_error *err) {
  fetch_xfer *x = calloc(1, sizeof *x);
  if (!x || !(x->r = calloc(1, sizeof *x->r)) || !(x->easy = curl_easy_init())) {
    xfer_free(x);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory", url);
  }
  x->r->user = user;
  x->max_bytes = max_bytes;
  x->truncate = truncate;
  char h[FETCH_HEADER_MAX + 32];
  if (etag && *etag && strlen(etag) < FETCH_HEADER_MAX) {
    snprintf(h, sizeof h, "If-None-Match: %s", etag);
    struct curl_slist *l = curl_slist_append(x->headers, h);
    if (l) x->headers = l;
  }
  if (last_modified && *last_modified && strlen(last_modified) < FETCH_HEADER_MAX) {
    snprintf(h, sizeof h, "If-Modified-Since: %s", last_modified);
    struct curl_slist *l = curl_slist_append(x->headers, h);
    if (l) x->headers = l;
  }
  CURL *c = x->easy;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, f->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, f->timeout_ms);
  curl_easy_setopt(c, CURLOPT_USERAGENT, f->user_agent);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* what this libcurl can decode */
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(c, CURLOPT_PRIVATE, x);
  if (x->headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
  if (curl_multi_add_handle(f->multi, c) != CURLM_OK) {
    xfer_free(x);
    return err_set(err, BRASS_EIO, "%s: could not start the request", url);
  }
  f->active++;
  x->next = f->list;
  if (f->list) f->list->prev = x;
  f->list = x;
  return 0;
}

int crawl_fetch_run(crawl_fetch *f, int timeout_ms, brass_error *err) {
  int running = 0;
  CURLMcode m = curl_multi_perform(f->multi, &running);
  if (m == CURLM_OK && running) m = curl_multi_poll(f->multi, NULL, 0, timeout_ms, NULL);
  if (m == CURLM_OK) m = curl_multi_perform(f->multi, &running);
  if (m != CURLM_OK) return err_set(err, BRASS_EIO, "crawl: libcurl: %s", curl_multi_strerror(m));
  return 0;
}

crawl_response *crawl_fetch_next(crawl_fetch *f) {
  int left = 0;
  CURLMsg *msg;
  while ((msg = curl_multi_info_read(f->multi, &left))) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *c = msg->easy_handle;
    CURLcode code = msg->data.result;
    fetch_xfer *x = NULL;
    curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&x);
    curl_multi_remove_handle(f->multi, c);
    list_unlink(f, x);
    f->active--;
    crawl_response *r = x->r;
    x->r = NULL;
    if (x->too_large) {
      r->error = CRAWL_FETCH_TOO_LARGE;
      snprintf(r->errmsg, sizeof r->errmsg, "larger than %zu bytes", x->max_bytes);
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
      r->error = CRAWL_FETCH_TIMEOUT;
      snprintf(r->errmsg, sizeof r->errmsg, "timed out after %.1f s", f->timeout_ms / 1000.0);
    } else if (code != CURLE_OK && !(x->cut && code == CURLE_WRITE_ERROR)) {
      r->error = CRAWL_FETCH_NETWORK;
      snprintf(r->errmsg, sizeof r->errmsg, "%s", curl_easy_strerror(code));
    } else {
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    }
    if (r->error) r->status = 0;
    if (!r->body && (r->body = malloc(1))) r->body[0] = '\0';
    xfer_free(x);
    if (!r->body) {
      r->error = CRAWL_FETCH_NETWORK;
      snprintf(r->errmsg, sizeof r->errmsg, "out of memory");
    }
    return r;
  }
  return NULL;
}

int crawl_fetch_active(const crawl_fetch *f) {
  return f->active;
}

void crawl_fetch_close(crawl_fetch *f) {
  if (!f) return;
  while (f->list) {
    fetch_xfer *x = f->list;
    list_unlink(f, x);
    curl_multi_remove_handle(f->multi, x->easy);
    xfer_free(x);
  }
  curl_multi_cleanup(f->multi);
  free(f->user_agent);
  free(f);
  curl_global_cleanup();
}
