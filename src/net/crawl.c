/*
 * crawl.c - brass_crawl: breadth-first crawling of web sites into a library (docs/crawl.md).
 *
 * A FIFO frontier of normalised URLs (crawl_url.h) with their depth; a set of URLs seen, so that
 * each is queued once; per origin (scheme, host, port) its robots.txt rules (crawl_robots.h),
 * requests in flight and the earliest time of its next request (the politeness delay, raised by
 * Crawl-delay). The scheduler starts requests in frontier order while the global and per-origin
 * caps allow; libcurl's multi interface runs them (crawl_fetch.h). Pages go through the same
 * ingest queue as files (engine_ingest_*: hashing, batching, embedding): a page whose bytes hash
 * as recorded is unchanged, a 304 is unchanged without a body, a 404/410 removes the page, any
 * other failure (network, timeout, 5xx, a limit) keeps what was indexed. ETag, Last-Modified and
 * the page's in-scope links are stored per page (store_source_http_*) once its source exists,
 * so a re-crawl sends conditional requests and walks on from pages answered 304.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "engine/engine.h"
#include "net/crawl_fetch.h"
#include "net/crawl_links.h"
#include "net/crawl_robots.h"
#include "net/crawl_url.h"
#include "text/extract.h"

#define CRAWL_DEF_DEPTH 5
#define CRAWL_DEF_PAGES 1000
#define CRAWL_DEF_PAGE_BYTES (8 << 20)
#define CRAWL_DEF_TOTAL_BYTES (256LL << 20)
#define CRAWL_DEF_TIMEOUT_S 20.0
#define CRAWL_DEF_PARALLEL 4
#define CRAWL_DEF_PER_HOST 2
#define CRAWL_DEF_DELAY_S 0.25
#define CRAWL_MAX_CRAWL_DELAY_S 60.0 /* a longer Crawl-delay is read as this */
#define CRAWL_ROBOTS_BYTES (512 << 10)
#define CRAWL_MAX_HOPS 5               /* redirects followed in a row */
#define CRAWL_LINKS_RECORD (256 << 10) /* bytes of links stored per page */
#define CRAWL_SCAN 512                 /* frontier entries looked at per scheduling pass */
#define CRAWL_SEEN_MAX (1 << 20)       /* URLs remembered; past it new links are not followed */
#define CRAWL_AGENT "brass"
#define CRAWL_USER_AGENT "brass/" BRASS_VERSION " (web crawler; robots.txt token: brass)"

/* ---- a set of strings (open addressing) ---- */
typedef struct strset {
  char **slot;
  size_t cap, n;
} strset;

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int set_has(const strset *t, const char *s) {
  if (!t->cap) return 0;
  for (size_t i = str_hash(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->slot[i]) return 0;
    if (!strcmp(t->slot[i], s)) return 1;
  }
}

/* Adds a copy of s: 1 added, 0 already there, BRASS_ENOMEM. */
static int set_add(strset *t, const char *s) {
  if (set_has(t, s)) return 0;
  if ((t->n + 1) * 10 > t->cap * 7) {
    size_t c = t->cap ? t->cap * 2 : 256;
    char **a = calloc(c, sizeof *a);
    if (!a) return BRASS_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
      if (!t->slot[i]) continue;
      size_t j = str_hash(t->slot[i]) & (c - 1);
      while (a[j]) j = (j + 1) & (c - 1);
      a[j] = t->slot[i];
    }
    free(t->slot);
    t->slot = a;
    t->cap = c;
  }
  char *d = strdup(s);
  if (!d) return BRASS_ENOMEM;
  size_t i = str_hash(s) & (t->cap - 1);
  while (t->slot[i]) i = (i + 1) & (t->cap - 1);
  t->slot[i] = d;
  t->n++;
  return 1;
}

static void set_free(strset *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->slot[i]);
  free(t->slot);
  memset(t, 0, sizeof *t);
}

/* ---- state ---- */
typedef struct crawl_item {
  char *url; /* NULL once taken */
  int depth, hops, origin;
} crawl_item;

typedef struct crawl_req { /* a request in flight */
  char *url;
  int depth, hops, origin, robots;
  char *old_links; /* the page's stored links (walked on from after a 304) */
} crawl_req;

typedef struct crawl_origin {
  char *origin;     /* "https://host:port" */
  int robots_state; /* 0 not asked, 1 in flight, 2 known */
  crawl_robots robots;
  int active, cap;
  double next_at, delay;
} crawl_origin;

typedef struct crawl_record { /* validators and links of a page, stored at the end */
  char *url, *etag, *last_modified, *links;
} crawl_record;

typedef struct crawl_state {
  brass_library *lib;
  engine_ingest *ing;
  brass_index_summary *isum;
  brass_crawl_summary *sum;
  brass_crawl_options o;
  char **start; /* origins of the start URLs */
  size_t nstart;
  crawl_item *q;
  size_t qhead, qn, qcap, pending;
  crawl_origin *origins;
  size_t norigins, ocap;
  strset seen, indexed;
  crawl_record *recs;
  size_t nrecs, rcap;
  crawl_fetch *f;
  int64_t pages_started, done, active_pages;
  int64_t dropped; /* in-scope URLs not queued: the page limit could never reach them */
  char *dropped_example;
  int stopped;
  char note[CRAWL_URL_MAX + 256];
} crawl_state;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void event(crawl_state *s, int ev, const char *url, const char *note) {
  int64_t total = s->done + s->active_pages + (int64_t)s->pending;
  if (!s->stopped && total > s->o.max_pages) total = s->o.max_pages;
  if (total < s->done) total = s->done;
  engine_ingest_event(s->ing, ev, url, note, s->done, total);
}

static int oom(brass_error *err) {
  return err_set(err, BRASS_ENOMEM, "crawl: out of memory");
}

/* The index of url's origin, added when new; -1 when out of memory. */
static int origin_of(crawl_state *s, const char *url) {
  size_t ol = crawl_url_origin_len(url);
  for (size_t i = 0; i < s->norigins; i++)
    if (strlen(s->origins[i].origin) == ol && !strncmp(s->origins[i].origin, url, ol))
      return (int)i;
  if (s->norigins == s->ocap) {
    size_t c = s->ocap ? s->ocap * 2 : 8;
    crawl_origin *a = realloc(s->origins, c * sizeof *a);
    if (!a) return -1;
    s->origins = a;
    s->ocap = c;
  }
  crawl_origin *o = &s->origins[s->norigins];
  memset(o, 0, sizeof *o);
  if (!(o->origin = strndup(url, ol))) return -1;
  o->cap = s->o.per_host;
  o->delay = s->o.delay_s;
  return (int)s->norigins++;
}

/* 1 if url (normalised) may be crawled: a start URL's origin, or an allowed host. */
static int in_scope(const crawl_state *s, const char *url) {
  size_t ol = crawl_url_origin_len(url);
  for (size_t i = 0; i < s->nstart; i++)
    if (strlen(s->start[i]) == ol && !strncmp(s->start[i], url, ol)) return 1;
  char host[CRAWL_URL_MAX];
  if (crawl_url_host(url, host, sizeof host)) return 0;
  for (size_t i = 0; i < s->o.nallow_hosts; i++)
    if (!strcasecmp(s->o.allow_hosts[i], host)) return 1;
  return 0;
}

static int enqueue(crawl_state *s, const char *url, int depth, int hops, brass_error *err) {
  int o = origin_of(s, url);
  if (o < 0) return oom(err);
  if (s->qn == s->qcap) {
    if (s->qhead > s->qn / 2) { /* drop the taken head */
      memmove(s->q, s->q + s->qhead, (s->qn - s->qhead) * sizeof *s->q);
      s->qn -= s->qhead;
      s->qhead = 0;
    }
    if (s->qn == s->qcap) {
      size_t c = s->qcap ? s->qcap * 2 : 64;
      crawl_item *a = realloc(s->q, c * sizeof *a);
      if (!a) return oom(err);
      s->q = a;
      s->qcap = c;
    }
  }
  char *d = strdup(url);
  if (!d) return oom(err);
  s->q[s->qn++] = (crawl_item){d, depth, hops, o};
  s->pending++;
  return 0;
}

/* Queues a link found on a page (or a redirect target) unless seen; counts other origins. The
 * frontier never holds more than the page limit can still fetch, and the set of URLs seen stops
 * growing at CRAWL_SEEN_MAX (memory stays bounded on sites with endless distinct links). */
static int follow(crawl_state *s, const char *url, int depth, int hops, brass_error *err) {
  int scope = in_scope(s, url);
  if (set_has(&s->seen, url)) return 0;
  if (s->seen.n >= CRAWL_SEEN_MAX) {
    if (scope) {
      if (!s->dropped++ && !(s->dropped_example = strdup(url))) return oom(err);
    } else {
      s->sum->off_origin++;
    }
    return 0;
  }
  if (set_add(&s->seen, url) < 0) return oom(err);
  if (!scope) {
    s->sum->off_origin++;
    return 0;
  }
  if (s->pages_started + (int64_t)s->pending >= s->o.max_pages) {
    if (!s->dropped++ && !(s->dropped_example = strdup(url))) return oom(err);
    return 0;
  }
  return enqueue(s, url, depth, hops, err);
}

static void req_free(crawl_req *r) {
  if (!r) return;
  free(r->url);
  free(r->old_links);
  free(r);
}

static int record_add(crawl_state *s, const char *url, const crawl_response *r, const char *links) {
  if (s->nrecs == s->rcap) {
    size_t c = s->rcap ? s->rcap * 2 : 64;
    crawl_record *a = realloc(s->recs, c * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    s->recs = a;
    s->rcap = c;
  }
  crawl_record *c = &s->recs[s->nrecs];
  memset(c, 0, sizeof *c);
  c->url = strdup(url);
  c->etag = r->etag ? strdup(r->etag) : NULL;
  c->last_modified = r->last_modified ? strdup(r->last_modified) : NULL;
  c->links = links ? strdup(links) : NULL;
  s->nrecs++;
  if (!c->url || (r->etag && !c->etag) || (r->last_modified && !c->last_modified) ||
      (links && !c->links))
    return BRASS_ENOMEM;
  return 0;
}

/* ---- starting requests ---- */
static int start_robots(crawl_state *s, int oi, brass_error *err) {
  crawl_origin *o = &s->origins[oi];
  crawl_req *r = calloc(1, sizeof *r);
  if (!r) return oom(err);
  size_t n = strlen(o->origin) + sizeof "/robots.txt";
  if (!(r->url = malloc(n))) {
    free(r);
    return oom(err);
  }
  snprintf(r->url, n, "%s/robots.txt", o->origin);
  r->origin = oi;
  r->robots = 1;
  int rc = crawl_fetch_start(s->f, r->url, NULL, NULL, CRAWL_ROBOTS_BYTES, 1, r, err);
  if (rc) {
    req_free(r);
    return rc;
  }
  o->robots_state = 1;
  o->active++;
  o->next_at = now_s() + o->delay;
  return 0;
}

/* Takes frontier item i as a page request (ownership of its URL moves to the request). */
static int start_page(crawl_state *s, crawl_item *it, brass_error *err) {
  crawl_origin *o = &s->origins[it->origin];
  crawl_req *r = calloc(1, sizeof *r);
  if (!r) return oom(err);
  r->url = it->url;
  r->depth = it->depth;
  r->hops = it->hops;
  r->origin = it->origin;
  it->url = NULL;
  s->pending--;
  char *etag = NULL, *lm = NULL;
  store_source src;
  memset(&src, 0, sizeof src);
  int rc = store_source_find(s->lib->st, r->url, &src, err);
  if (rc == 1) {
    int64_t id = src.id;
    store_source_clear(&src);
    rc = store_source_http_get(s->lib->st, id, &etag, &lm, &r->old_links, err);
  }
  if (rc >= 0)
    rc = crawl_fetch_start(s->f, r->url, etag, lm, (size_t)s->o.max_page_bytes, 0, r, err);
  free(etag);
  free(lm);
  if (rc) {
    req_free(r);
    return rc;
  }
  o->active++;
  o->next_at = now_s() + o->delay;
  s->pages_started++;
  s->active_pages++;
  return 0;
}

/* Starts what the caps allow, in frontier order; *wait_ms: how long until an origin's delay
 * lets the next one start. */
static int schedule(crawl_state *s, int *wait_ms, brass_error *err) {
  double now = now_s();
  *wait_ms = 200;
  size_t scanned = 0;
  int rc = 0;
  for (size_t i = s->qhead; i < s->qn && scanned < CRAWL_SCAN && !rc; i++) {
    crawl_item *it = &s->q[i];
    if (!it->url) continue;
    scanned++;
    if (crawl_fetch_active(s->f) >= s->o.parallel) break;
    crawl_origin *o = &s->origins[it->origin];
    if (o->robots_state == 0) {
      if (o->active < o->cap) rc = start_robots(s, it->origin, err);
      continue;
    }
    if (o->robots_state == 1) continue;
    const char *path = it->url + crawl_url_origin_len(it->url);
    if (!crawl_robots_allowed(&o->robots, path)) {
      s->sum->robots_refused++;
      s->pending--;
      event(s, BRASS_PROGRESS_SKIPPED, it->url,
            o->robots.disallow_all ? "robots.txt could not be fetched: the site is not crawled"
                                   : "disallowed by robots.txt");
      free(it->url);
      it->url = NULL;
      continue;
    }
    if (o->active >= o->cap) continue;
    if (now < o->next_at) {
      int ms = (int)((o->next_at - now) * 1000) + 1;
      if (ms < *wait_ms) *wait_ms = ms;
      continue;
    }
    if (s->pages_started >= s->o.max_pages || s->sum->bytes >= s->o.max_total_bytes) {
      s->stopped = 1;
      break;
    }
    rc = start_page(s, it, err);
  }
  while (s->qhead < s->qn && !s->q[s->qhead].url) s->qhead++;
  return rc;
}

/* ---- handling responses ---- */
static void robots_done(crawl_state *s, crawl_req *q, crawl_response *r) {
  crawl_origin *o = &s->origins[q->origin];
  o->active--;
  o->robots_state = 2;
  if (r->error == CRAWL_FETCH_OK && r->status >= 200 && r->status < 300) {
    if (crawl_robots_parse(r->body, r->len, CRAWL_AGENT, &o->robots)) o->robots.disallow_all = 1;
    double d = o->robots.crawl_delay;
    if (d > CRAWL_MAX_CRAWL_DELAY_S) d = CRAWL_MAX_CRAWL_DELAY_S;
    if (d > 0) {
      if (d > o->delay) o->delay = d;
      o->cap = 1;
      o->next_at = now_s() + o->delay; /* the robots.txt request counts as one */
    }
  } else if (r->error != CRAWL_FETCH_OK || r->status >= 500 || r->status == 429) {
    /* unreachable or failing robots.txt: the site is not crawled in this run (RFC 9309) */
    o->robots.disallow_all = 1;
  } /* 3xx and other 4xx: no rules */
}

/* The extract kind of a 200 response, or -1 with *why set (a type not indexed). */
static int page_kind(const char *url, const crawl_response *r, const char **why) {
  char ct[128] = "";
  if (r->content_type) {
    size_t k = 0;
    for (const char *p = r->content_type; *p && *p != ';' && k + 1 < sizeof ct; p++)
      if (!isspace((unsigned char)*p)) ct[k++] = (char)tolower((unsigned char)*p);
    ct[k] = '\0';
  }
  const char *path = url + crawl_url_origin_len(url);
  size_t pl = strcspn(path, "?");
  int md_name = (pl >= 3 && !strncasecmp(path + pl - 3, ".md", 3)) ||
                (pl >= 9 && !strncasecmp(path + pl - 9, ".markdown", 9));
  int kind;
  if (!strcmp(ct, "text/html") || !strcmp(ct, "application/xhtml+xml")) {
    kind = DOC_HTML;
  } else if (!strcmp(ct, "text/markdown") || !strcmp(ct, "text/x-markdown")) {
    kind = DOC_MARKDOWN;
  } else if (!strcmp(ct, "text/plain")) {
    kind = md_name ? DOC_MARKDOWN : DOC_TEXT;
  } else if (!ct[0] || !strcmp(ct, "application/octet-stream")) {
    /* no usable type: sniff */
    const char *b = r->body;
    while (*b && isspace((unsigned char)*b)) b++;
    if (!strncasecmp(b, "<!doctype html", 14) || !strncasecmp(b, "<html", 5))
      kind = DOC_HTML;
    else
      kind = md_name ? DOC_MARKDOWN : DOC_TEXT;
  } else if (!strcmp(ct, "application/pdf")) {
    /* PDF: the hook for a PDF extractor in src/text (none in this build yet) */
    *why = "PDF (no PDF extractor in this build)";
    return -1;
  } else {
    *why = "type not indexed";
    return -1;
  }
  if (extract_is_binary(r->body, r->len)) {
    *why = "binary content";
    return -1;
  }
  return kind;
}

/* A body declared ISO-8859-1 or windows-1252 (Content-Type charset) is recoded to UTF-8 in
 * place of r->body (the web's most common non-UTF-8 charsets; others are read as UTF-8, where
 * invalid bytes show as U+FFFD). Returns 0 or BRASS_ENOMEM. */
static int recode_latin1(crawl_response *r) {
  static const uint16_t cp1252[32] = {
      0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
  const char *cs = r->content_type ? strcasestr(r->content_type, "charset=") : NULL;
  if (!cs) return 0;
  cs += 8;
  if (*cs == '"' || *cs == '\'') cs++;
  if (strncasecmp(cs, "iso-8859-1", 10) && strncasecmp(cs, "latin1", 6) &&
      strncasecmp(cs, "windows-1252", 12))
    return 0;
  size_t high = 0;
  for (size_t i = 0; i < r->len; i++) high += (unsigned char)r->body[i] >= 0x80;
  if (!high) return 0;
  char *o = malloc(r->len + 2 * high + 1), *p = o;
  if (!o) return BRASS_ENOMEM;
  for (size_t i = 0; i < r->len; i++) {
    unsigned c = (unsigned char)r->body[i];
    if (c >= 0x80 && c < 0xA0) c = cp1252[c - 0x80]; /* windows-1252 (a superset in practice) */
    if (c < 0x80) {
      *p++ = (char)c;
    } else if (c < 0x800) {
      *p++ = (char)(0xC0 | (c >> 6));
      *p++ = (char)(0x80 | (c & 0x3F));
    } else {
      *p++ = (char)(0xE0 | (c >> 12));
      *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
      *p++ = (char)(0x80 | (c & 0x3F));
    }
  }
  *p = '\0';
  free(r->body);
  r->body = o;
  r->len = (size_t)(p - o);
  return 0;
}

/* Appends url and a newline to the links record (bounded). */
static int links_append(char **buf, size_t *n, size_t *cap, const char *url) {
  size_t l = strlen(url);
  if (*n + l + 2 > CRAWL_LINKS_RECORD) return 0;
  if (*n + l + 2 > *cap) {
    size_t c = *cap ? *cap * 2 : 4096;
    while (c < *n + l + 2) c *= 2;
    char *b = realloc(*buf, c);
    if (!b) return BRASS_ENOMEM;
    *buf = b;
    *cap = c;
  }
  memcpy(*buf + *n, url, l);
  (*buf)[*n + l] = '\n';
  *n += l + 1;
  (*buf)[*n] = '\0';
  return 0;
}

/* A 200 page: its links followed, its text indexed under its (canonical) URL. */
static int page_done(crawl_state *s, crawl_req *q, crawl_response *r, brass_error *err) {
  const char *why = NULL;
  if (recode_latin1(r)) return oom(err);
  int kind = page_kind(q->url, r, &why);
  if (kind < 0) {
    s->sum->skipped_type++;
    snprintf(s->note, sizeof s->note, "%s: %s", why, r->content_type ? r->content_type : "?");
    event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
    return 0;
  }
  crawl_links l;
  memset(&l, 0, sizeof l);
  if (kind == DOC_HTML && crawl_links_parse(r->body, r->len, &l)) return oom(err);
  char base[CRAWL_URL_MAX], name[CRAWL_URL_MAX], u[CRAWL_URL_MAX];
  snprintf(base, sizeof base, "%s", q->url);
  snprintf(name, sizeof name, "%s", q->url);
  if (l.base && crawl_url_resolve(q->url, l.base, u) == CRAWL_URL_OK) memcpy(base, u, sizeof u);
  size_t ol = crawl_url_origin_len(q->url);
  if (l.canonical && crawl_url_resolve(base, l.canonical, u) == CRAWL_URL_OK &&
      crawl_url_origin_len(u) == ol && !strncmp(u, q->url, ol) && strcmp(u, q->url)) {
    memcpy(name, u, sizeof u); /* the canonical URL inside the origin names the page */
    if (set_add(&s->seen, name) < 0) {
      crawl_links_free(&l);
      return oom(err);
    }
  }
  int rc = 0;
  char *links = NULL;
  size_t ln = 0, lcap = 0;
  for (size_t i = 0; i < l.n && !rc && !l.nofollow && q->depth < s->o.max_depth; i++) {
    if (crawl_url_resolve(base, l.hrefs[i], u) != CRAWL_URL_OK) continue; /* mailto:, bad */
    rc = follow(s, u, q->depth + 1, 0, err);
    if (!rc && in_scope(s, u) && links_append(&links, &ln, &lcap, u)) rc = oom(err);
  }
  if (!rc && set_has(&s->indexed, name)) {
    s->sum->duplicates++;
    snprintf(s->note, sizeof s->note, "the same page as %s", name);
    event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
  } else if (!rc && l.noindex) {
    event(s, BRASS_PROGRESS_SKIPPED, q->url, "noindex");
  } else if (!rc) {
    if (set_add(&s->indexed, name) < 0) rc = oom(err);
    if (!rc)
      rc = engine_ingest_source(s->ing, name, l.title && *l.title ? l.title : name, r->body, r->len,
                                kind, err);
    if (!rc && record_add(s, name, r, links)) rc = oom(err);
    if (!rc) event(s, BRASS_PROGRESS_STEP, name, NULL);
  }
  free(links);
  crawl_links_free(&l);
  return rc;
}

/* Walks on from a page answered 304 along its stored links. */
static int replay_links(crawl_state *s, crawl_req *q, brass_error *err) {
  if (!q->old_links || q->depth >= s->o.max_depth) return 0;
  int rc = 0;
  for (char *p = q->old_links; *p && !rc;) {
    char *e = strchr(p, '\n');
    if (e) *e = '\0';
    char u[CRAWL_URL_MAX];
    if (crawl_url_normalise(p, u) == CRAWL_URL_OK) rc = follow(s, u, q->depth + 1, 0, err);
    if (!e) break;
    p = e + 1;
  }
  return rc;
}

static int redirect(crawl_state *s, crawl_req *q, crawl_response *r, brass_error *err) {
  char u[CRAWL_URL_MAX];
  if (!r->location || crawl_url_resolve(q->url, r->location, u) != CRAWL_URL_OK) {
    s->sum->errors++;
    snprintf(s->note, sizeof s->note, "HTTP %ld redirect to an invalid or non-http(s) URL",
             r->status);
    event(s, BRASS_PROGRESS_UNREADABLE, q->url, s->note);
    return 0;
  }
  if (!in_scope(s, u) && q->depth == 0 && q->hops < CRAWL_MAX_HOPS) {
    /* a start URL that redirects (http -> https, example.org -> www.example.org): the origin it
     * leads to is the site asked for, and joins the scope */
    char **a = realloc(s->start, (s->nstart + 1) * sizeof *a);
    if (!a) return oom(err);
    s->start = a;
    if (!(s->start[s->nstart] = strndup(u, crawl_url_origin_len(u)))) return oom(err);
    s->nstart++;
  }
  if (!in_scope(s, u)) {
    s->sum->off_origin++;
    snprintf(s->note, sizeof s->note, "redirects to %s on another origin (not followed)", u);
    event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
    return 0;
  }
  if (q->hops >= CRAWL_MAX_HOPS) {
    s->sum->errors++;
    event(s, BRASS_PROGRESS_UNREADABLE, q->url, "too many redirects");
    return 0;
  }
  if (r->status == 301 || r->status == 308) {
    /* moved for good: a page indexed under the old URL would duplicate the new one */
    store_source src;
    memset(&src, 0, sizeof src);
    int rc = store_source_find(s->lib->st, q->url, &src, err);
    if (rc < 0) return rc;
    if (rc == 1) {
      store_source_clear(&src);
      snprintf(s->note, sizeof s->note, "moved permanently to %s", u);
      if ((rc = engine_ingest_remove(s->ing, q->url, s->note, err))) return rc;
    }
  }
  event(s, BRASS_PROGRESS_STEP, NULL, NULL);
  return follow(s, u, q->depth, q->hops + 1, err);
}

static int response(crawl_state *s, crawl_response *r, brass_error *err) {
  crawl_req *q = r->user;
  if (q->robots) {
    robots_done(s, q, r);
    return 0;
  }
  s->origins[q->origin].active--;
  s->active_pages--;
  s->done++;
  s->sum->bytes += (int64_t)r->len;
  int rc = 0;
  long st = r->status;
  if (r->error == CRAWL_FETCH_TOO_LARGE) {
    s->sum->too_large++;
    event(s, BRASS_PROGRESS_SKIPPED, q->url, r->errmsg);
  } else if (r->error) {
    s->sum->errors++;
    event(s, BRASS_PROGRESS_UNREADABLE, q->url, r->errmsg);
  } else if (st == 304) {
    s->sum->not_modified++;
    s->isum->unchanged++;
    event(s, BRASS_PROGRESS_STEP, q->url, NULL);
    rc = replay_links(s, q, err);
  } else if (st >= 300 && st < 400) {
    rc = redirect(s, q, r, err);
  } else if (st == 404 || st == 410) {
    s->sum->gone++;
    snprintf(s->note, sizeof s->note, "HTTP %ld", st);
    store_source src;
    memset(&src, 0, sizeof src);
    rc = store_source_find(s->lib->st, q->url, &src, err);
    if (rc == 1) {
      store_source_clear(&src);
      rc = engine_ingest_remove(s->ing, q->url, s->note, err);
    } else if (rc == 0) {
      event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
    }
  } else if (st < 200 || st >= 300) {
    s->sum->errors++;
    snprintf(s->note, sizeof s->note, "HTTP %ld", st);
    event(s, BRASS_PROGRESS_UNREADABLE, q->url, s->note);
  } else {
    s->sum->fetched++;
    rc = page_done(s, q, r, err);
  }
  if (s->sum->bytes >= s->o.max_total_bytes) s->stopped = 1;
  return rc < 0 ? rc : 0;
}

/* Stores the validators and links of the pages indexed in this run (one transaction). */
static int store_records(crawl_state *s, brass_error *err) {
  if (!s->nrecs) return 0;
  store *st = s->lib->st;
  int rc = store_begin(st, err);
  for (size_t i = 0; i < s->nrecs && !rc; i++) {
    store_source src;
    memset(&src, 0, sizeof src);
    rc = store_source_find(st, s->recs[i].url, &src, err);
    if (rc != 1) {
      rc = rc < 0 ? rc : 0;
      continue;
    }
    int64_t id = src.id;
    store_source_clear(&src);
    rc = store_source_http_set(st, id, s->recs[i].etag, s->recs[i].last_modified, s->recs[i].links,
                               err);
  }
  if (!rc) rc = store_commit(st, err);
  if (rc && store_in_transaction(st)) {
    brass_error ignored;
    store_rollback(st, &ignored);
  }
  return rc;
}

static void options(brass_crawl_options *o, const brass_crawl_options *in) {
  memset(o, 0, sizeof *o);
  if (in) *o = *in;
  if (o->max_depth == 0) o->max_depth = CRAWL_DEF_DEPTH;
  if (o->max_depth < 0) o->max_depth = 0;
  if (o->max_pages <= 0) o->max_pages = CRAWL_DEF_PAGES;
  if (o->max_page_bytes <= 0) o->max_page_bytes = CRAWL_DEF_PAGE_BYTES;
  if (o->max_total_bytes <= 0) o->max_total_bytes = CRAWL_DEF_TOTAL_BYTES;
  if (!(o->timeout_s > 0)) o->timeout_s = CRAWL_DEF_TIMEOUT_S;
  if (o->parallel <= 0) o->parallel = CRAWL_DEF_PARALLEL;
  if (o->per_host <= 0) o->per_host = CRAWL_DEF_PER_HOST;
  if (o->delay_s < 0) o->delay_s = CRAWL_DEF_DELAY_S;
}

static void state_free(crawl_state *s) {
  crawl_fetch_close(s->f);
  for (size_t i = s->qhead; i < s->qn; i++) free(s->q[i].url);
  free(s->q);
  for (size_t i = 0; i < s->norigins; i++) {
    free(s->origins[i].origin);
    crawl_robots_free(&s->origins[i].robots);
  }
  free(s->origins);
  for (size_t i = 0; i < s->nstart; i++) free(s->start[i]);
  free(s->start);
  for (size_t i = 0; i < s->nrecs; i++) {
    free(s->recs[i].url);
    free(s->recs[i].etag);
    free(s->recs[i].last_modified);
    free(s->recs[i].links);
  }
  free(s->recs);
  set_free(&s->seen);
  set_free(&s->indexed);
  free(s->dropped_example);
}

/* Normalises the start URLs, records their origins and queues them. */
static int seed(crawl_state *s, const char *const *urls, size_t n, brass_error *err) {
  if (!(s->start = calloc(n ? n : 1, sizeof *s->start))) return oom(err);
  char u[CRAWL_URL_MAX];
  for (size_t i = 0; i < n; i++) {
    int v = urls[i] ? crawl_url_normalise(urls[i], u) : CRAWL_URL_INVALID;
    if (v == CRAWL_URL_SCHEME)
      return err_set(err, BRASS_EINVAL, "%s: only http and https URLs can be crawled", urls[i]);
    if (v)
      return err_set(err, BRASS_EINVAL, "%s: not a valid http(s) URL",
                     urls[i] ? urls[i] : "(null)");
    if (!(s->start[s->nstart++] = strndup(u, crawl_url_origin_len(u)))) return oom(err);
  }
  for (size_t i = 0; i < n; i++) {
    crawl_url_normalise(urls[i], u);
    int added = set_add(&s->seen, u);
    if (added < 0) return oom(err);
    if (added && enqueue(s, u, 0, 0, err)) return BRASS_ENOMEM;
  }
  return 0;
}

int brass_crawl(brass_library *lib, const char *const *urls, size_t n,
                const brass_crawl_options *copts, const brass_index_options *opts,
                brass_index_summary *summary, brass_crawl_summary *crawl,
                brass_progress_fn progress, void *ctx, brass_error *err) {
  brass_index_summary ilocal;
  brass_crawl_summary clocal;
  if (!summary) summary = &ilocal;
  if (!crawl) crawl = &clocal;
  memset(summary, 0, sizeof *summary);
  memset(crawl, 0, sizeof *crawl);
  if (!lib || !urls || !n) return err_set(err, BRASS_EINVAL, "crawl: no library or URLs");
  crawl_state s;
  memset(&s, 0, sizeof s);
  s.lib = lib;
  s.isum = summary;
  s.sum = crawl;
  options(&s.o, copts);
  int rc = seed(&s, urls, n, err);
  if (!rc) rc = crawl_fetch_open(&s.f, CRAWL_USER_AGENT, (long)(s.o.timeout_s * 1000), err);
  if (!rc) rc = engine_ingest_begin(lib, opts, summary, progress, ctx, &s.ing, err);
  while (!rc) {
    int wait_ms = 0;
    if (!s.stopped && (rc = schedule(&s, &wait_ms, err))) break;
    if (!crawl_fetch_active(s.f) && (s.stopped || s.qhead >= s.qn)) break;
    if ((rc = crawl_fetch_run(s.f, wait_ms, err))) break;
    crawl_response *r;
    while (!rc && (r = crawl_fetch_next(s.f))) {
      rc = response(&s, r, err);
      req_free(r->user);
      crawl_response_free(r);
    }
  }
  if (s.ing) {
    if (!rc) crawl->not_fetched = summary->not_walked = (int64_t)s.pending + s.dropped;
    if (!rc && (s.pending || s.dropped)) {
      snprintf(s.note, sizeof s.note, "%lld URLs not fetched: the %s limit was reached",
               (long long)(s.pending + s.dropped),
               s.sum->bytes >= s.o.max_total_bytes ? "total byte" : "page");
      event(&s, BRASS_PROGRESS_NOT_WALKED, s.pending ? s.q[s.qhead].url : s.dropped_example,
            s.note);
    }
    if (!rc) event(&s, BRASS_PROGRESS_STEP, NULL, NULL); /* the final count */
    if (!rc) rc = engine_ingest_flush(s.ing, err);
    if (!rc) rc = store_records(&s, err);
    rc = engine_ingest_end(s.ing, rc, err);
  }
  state_free(&s);
  return rc;
}
