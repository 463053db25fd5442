/*
 * crawl_internal.h - what the crawler's files share (src/net/crawl*.c, not a public API): the
 * limits and defaults, the run's state (frontier, origins, seen URLs, pages to record), and the
 * helpers crawl.c (scheduling, the run) and crawl_page.c (what each answer means) both use.
 */
#ifndef BRASS_NET_CRAWL_INTERNAL_H
#define BRASS_NET_CRAWL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"
#include "engine/engine.h"
#include "net/crawl_fetch.h"
#include "net/crawl_robots.h"
#include "net/crawl_url.h"

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
#define CRAWL_LINKS_RECORD (64 << 10)  /* bytes of links stored per page */
#define CRAWL_RECORDS_BYTES (16 << 20) /* pages' records held before they are written */
#define CRAWL_SCAN 512                 /* frontier entries looked at per scheduling pass */
#define CRAWL_SEEN_MAX (1 << 20)       /* URLs remembered; past it new links are not followed */
#define CRAWL_AGENT "brass"
#define CRAWL_USER_AGENT "brass/" BRASS_VERSION " (web crawler; robots.txt token: brass)"

/* A set of strings (open addressing, crawl_set.c). */
typedef struct crawl_set {
  char **slot;
  size_t cap, n;
} crawl_set;

int crawl_set_has(const crawl_set *t, const char *s);
/* Adds a copy of s: 1 added, 0 already there, BRASS_ENOMEM. */
int crawl_set_add(crawl_set *t, const char *s);
void crawl_set_free(crawl_set *t);

typedef struct crawl_item {
  char *url; /* NULL once taken */
  int depth, hops, origin;
  int retry; /* a second try after a timeout the crawl itself caused */
} crawl_item;

typedef struct crawl_req { /* a request in flight */
  char *url;
  int depth, hops, origin, robots;
  char *old_links; /* the page's stored links (walked on from after a 304) */
  int retry;
  double ingest_at_start; /* crawl_state.ingest_s when the request started */
} crawl_req;

typedef struct crawl_origin {
  char *origin;     /* "https://host:port" */
  int robots_state; /* 0 not asked, 1 in flight, 2 known */
  crawl_robots robots;
  int active, cap;
  double next_at, delay;
  char why[192]; /* why nothing of it is crawled ("" when its robots.txt was read) */
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
  crawl_set seen, indexed;
  crawl_record *recs;
  size_t nrecs, rcap, recs_bytes;
  crawl_fetch *f;
  int64_t pages_started, done, active_pages;
  int64_t dropped; /* in-scope URLs not queued: the page limit could never reach them */
  char *dropped_example;
  int stopped;
  double ingest_s; /* seconds spent indexing pages so far (transfers wait meanwhile) */
  char note[CRAWL_URL_MAX + 256];
} crawl_state;

double crawl_now(void);
/* Reports progress, with an event about url (note: why). */
void crawl_event(crawl_state *s, int ev, const char *url, const char *note);
int crawl_oom(brass_error *err);
/* 1 if url (normalised) may be crawled: a start URL's origin, or an allowed host. */
int crawl_in_scope(const crawl_state *s, const char *url);
/* Queues url at depth (retry: a second try after a timeout); the caller checked it is new. */
int crawl_enqueue(crawl_state *s, const char *url, int depth, int hops, int retry,
                  brass_error *err);
/* Queues a link found on a page (or a redirect target) at depth, unless seen; counts the rest. */
int crawl_follow(crawl_state *s, const char *url, int depth, int hops, brass_error *err);
/* Remembers the validators of r and the links of the page url, stored at the end of the run. */
int crawl_record_add(crawl_state *s, const char *url, const crawl_response *r, const char *links);
/* Handles one finished request (crawl_page.c): robots.txt rules, or a page's answer. */
int crawl_handle(crawl_state *s, crawl_response *r, brass_error *err);

#endif
