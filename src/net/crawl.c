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
 * so a re-crawl sends conditional requests and walks on from pages answered 304. The answers
 * are read in crawl_page.c; the state and limits are in crawl_internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "net/crawl_internal.h"

double crawl_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void crawl_event(crawl_state *s, int ev, const char *url, const char *note) {
  int64_t total = s->done + s->active_pages + (int64_t)s->pending;
  if (!s->stopped && total > s->o.max_pages) total = s->o.max_pages;
  if (total < s->done) total = s->done;
  engine_ingest_event(s->ing, ev, url, note, s->done, total);
}

int crawl_oom(brass_error *err) {
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
int crawl_in_scope(const crawl_state *s, const char *url) {
  size_t ol = crawl_url_origin_len(url);
  for (size_t i = 0; i < s->nstart; i++)
    if (strlen(s->start[i]) == ol && !strncmp(s->start[i], url, ol)) return 1;
  char host[CRAWL_URL_MAX];
  if (crawl_url_host(url, host, sizeof host)) return 0;
  for (size_t i = 0; i < s->o.nallow_hosts; i++)
    if (!strcasecmp(s->o.allow_hosts[i], host)) return 1;
  return 0;
}

int crawl_enqueue(crawl_state *s, const char *url, int depth, int hops, int retry,
                  brass_error *err) {
  int o = origin_of(s, url);
  if (o < 0) return crawl_oom(err);
  if (s->qn == s->qcap) {
    if (s->qhead > s->qn / 2) { /* drop the taken head */
      memmove(s->q, s->q + s->qhead, (s->qn - s->qhead) * sizeof *s->q);
      s->qn -= s->qhead;
      s->qhead = 0;
    }
    if (s->qn == s->qcap) {
      size_t c = s->qcap ? s->qcap * 2 : 64;
      crawl_item *a = realloc(s->q, c * sizeof *a);
      if (!a) return crawl_oom(err);
      s->q = a;
      s->qcap = c;
    }
  }
  char *d = strdup(url);
  if (!d) return crawl_oom(err);
  s->q[s->qn++] = (crawl_item){d, depth, hops, o, retry};
  s->pending++;
  return 0;
}

/* Queues a link found on a page (or a redirect target) unless seen; counts other origins. The
 * frontier never holds more than the page limit can still fetch, and the set of URLs seen stops
 * growing at CRAWL_SEEN_MAX (memory stays bounded on sites with endless distinct links). */
int crawl_follow(crawl_state *s, const char *url, int depth, int hops, brass_error *err) {
  int scope = crawl_in_scope(s, url);
  if (crawl_set_has(&s->seen, url)) return 0;
  if (s->seen.n >= CRAWL_SEEN_MAX) {
    if (scope) {
      if (!s->dropped++ && !(s->dropped_example = strdup(url))) return crawl_oom(err);
    } else {
      s->sum->off_origin++;
    }
    return 0;
  }
  if (crawl_set_add(&s->seen, url) < 0) return crawl_oom(err);
  if (!scope) {
    s->sum->off_origin++;
    return 0;
  }
  if (s->pages_started + (int64_t)s->pending >= s->o.max_pages) {
    if (!s->dropped++ && !(s->dropped_example = strdup(url))) return crawl_oom(err);
    return 0;
  }
  return crawl_enqueue(s, url, depth, hops, 0, err);
}

static void req_free(crawl_req *r) {
  if (!r) return;
  free(r->url);
  free(r->old_links);
  free(r);
}

int crawl_record_add(crawl_state *s, const char *url, const crawl_response *r, const char *links) {
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
  s->recs_bytes += strlen(url) + (links ? strlen(links) : 0) + 256;
  if (!c->url || (r->etag && !c->etag) || (r->last_modified && !c->last_modified) ||
      (links && !c->links))
    return BRASS_ENOMEM;
  return 0;
}

/* ---- starting requests ---- */
static int start_robots(crawl_state *s, int oi, brass_error *err) {
  crawl_origin *o = &s->origins[oi];
  crawl_req *r = calloc(1, sizeof *r);
  if (!r) return crawl_oom(err);
  size_t n = strlen(o->origin) + sizeof "/robots.txt";
  if (!(r->url = malloc(n))) {
    free(r);
    return crawl_oom(err);
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
  o->next_at = crawl_now() + o->delay;
  return 0;
}

/* Takes frontier item i as a page request (ownership of its URL moves to the request). */
static int start_page(crawl_state *s, crawl_item *it, brass_error *err) {
  crawl_origin *o = &s->origins[it->origin];
  crawl_req *r = calloc(1, sizeof *r);
  if (!r) return crawl_oom(err);
  r->url = it->url;
  r->depth = it->depth;
  r->hops = it->hops;
  r->origin = it->origin;
  r->retry = it->retry;
  r->ingest_at_start = s->ingest_s;
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
  o->next_at = crawl_now() + o->delay;
  s->pages_started++;
  s->active_pages++;
  return 0;
}

/* Starts what the caps allow, in frontier order; *wait_ms: how long until an origin's delay
 * lets the next one start. */
static int schedule(crawl_state *s, int *wait_ms, brass_error *err) {
  double now = crawl_now();
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
      crawl_event(s, BRASS_PROGRESS_SKIPPED, it->url,
                  o->robots.disallow_all ? o->why : "disallowed by robots.txt");
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

/* Stores the validators and links of the pages indexed in this run (one transaction). */
static void records_free(crawl_state *s) {
  for (size_t i = 0; i < s->nrecs; i++) {
    free(s->recs[i].url);
    free(s->recs[i].etag);
    free(s->recs[i].last_modified);
    free(s->recs[i].links);
  }
  s->nrecs = 0;
  s->recs_bytes = 0;
}

/* Writes the records of the pages indexed so far (one transaction) once their sources exist:
 * queued pages are committed first. Called when the records pass CRAWL_RECORDS_BYTES and at the
 * end, so memory stays bounded on long crawls. */
static int store_records(crawl_state *s, brass_error *err) {
  if (!s->nrecs) return 0;
  int rc = engine_ingest_flush(s->ing, err);
  if (rc) return rc;
  store *st = s->lib->st;
  rc = store_begin(st, err);
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
  rc = engine_end_write(st, rc, 0, err);
  if (!rc) records_free(s);
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
  records_free(s);
  free(s->recs);
  crawl_set_free(&s->seen);
  crawl_set_free(&s->indexed);
  free(s->dropped_example);
}

/* Normalises the start URLs, records their origins and queues them. */
static int seed(crawl_state *s, const char *const *urls, size_t n, brass_error *err) {
  if (!(s->start = calloc(n ? n : 1, sizeof *s->start))) return crawl_oom(err);
  char u[CRAWL_URL_MAX];
  for (size_t i = 0; i < n; i++) {
    int v = urls[i] ? crawl_url_normalise(urls[i], u) : CRAWL_URL_INVALID;
    if (v == CRAWL_URL_SCHEME)
      return err_set(err, BRASS_EINVAL, "%s: only http and https URLs can be crawled", urls[i]);
    if (v)
      return err_set(err, BRASS_EINVAL, "%s: not a valid http(s) URL",
                     urls[i] ? urls[i] : "(null)");
    if (!(s->start[s->nstart++] = strndup(u, crawl_url_origin_len(u)))) return crawl_oom(err);
  }
  for (size_t i = 0; i < n; i++) {
    crawl_url_normalise(urls[i], u);
    int added = crawl_set_add(&s->seen, u);
    if (added < 0) return crawl_oom(err);
    if (added && crawl_enqueue(s, u, 0, 0, 0, err)) return BRASS_ENOMEM;
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
      rc = crawl_handle(&s, r, err);
      if (!rc && s.recs_bytes > CRAWL_RECORDS_BYTES) rc = store_records(&s, err);
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
      crawl_event(&s, BRASS_PROGRESS_NOT_WALKED, s.pending ? s.q[s.qhead].url : s.dropped_example,
                  s.note);
    }
    if (!rc) crawl_event(&s, BRASS_PROGRESS_STEP, NULL, NULL); /* the final count */
    if (!rc) rc = engine_ingest_flush(s.ing, err);
    if (!rc) rc = store_records(&s, err);
    rc = engine_ingest_end(s.ing, rc, err);
  }
  state_free(&s);
  return rc;
}
