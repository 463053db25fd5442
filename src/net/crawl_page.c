/*
 * crawl_page.c - what each answer means to the crawler: robots.txt rules; a page's type (by
 * Content-Type, then sniffing), its charset, its links, canonical URL and noindex/nofollow; 304,
 * redirects inside and outside the scope, 404/410 removal, errors kept as indexed. crawl.c
 * schedules the requests and runs the crawl.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "net/crawl_internal.h"
#include "net/crawl_links.h"
#include "text/extract.h"

static void robots_done(crawl_state *s, crawl_req *q, crawl_response *r) {
  crawl_origin *o = &s->origins[q->origin];
  o->active--;
  o->robots_state = 2;
  if (r->error == CRAWL_FETCH_OK && r->status >= 200 && r->status < 300) {
    if (crawl_robots_parse(r->body, r->len, CRAWL_AGENT, &o->robots)) {
      o->robots.disallow_all = 1;
      snprintf(o->why, sizeof o->why, "robots.txt: out of memory: the site is not crawled");
    }
    double d = o->robots.crawl_delay;
    if (d > CRAWL_MAX_CRAWL_DELAY_S) d = CRAWL_MAX_CRAWL_DELAY_S;
    if (d > 0) {
      if (d > o->delay) o->delay = d;
      o->cap = 1;
      o->next_at = crawl_now() + o->delay; /* the robots.txt request counts as one */
    }
  } else if (r->error != CRAWL_FETCH_OK || r->status >= 500 || r->status == 429) {
    /* unreachable or failing robots.txt: the site is not crawled in this run (RFC 9309) */
    o->robots.disallow_all = 1;
    if (r->error)
      snprintf(o->why, sizeof o->why, "robots.txt: %.120s: the site is not crawled", r->errmsg);
    else
      snprintf(o->why, sizeof o->why, "robots.txt: HTTP %ld: the site is not crawled", r->status);
  } /* 3xx and other 4xx: no rules */
}

/* A PDF is indexed page by page (src/text/extract_pdf.c) where the build reads PDFs. */
static int pdf_kind(const char **why) {
  if (brass_pdf_support()) return DOC_PDF;
  *why = "pdf: support not built in (configure with poppler-glib)";
  return -1;
}

/* The extract kind of a 200 crawl_handle, or -1 with *why set (a type not indexed). */
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
    if (r->len >= 5 && !memcmp(r->body, "%PDF-", 5)) return pdf_kind(why);
    if (!strncasecmp(b, "<!doctype html", 14) || !strncasecmp(b, "<html", 5))
      kind = DOC_HTML;
    else
      kind = md_name ? DOC_MARKDOWN : DOC_TEXT;
  } else if (!strcmp(ct, "application/pdf")) {
    return pdf_kind(why);
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
  if (recode_latin1(r)) return crawl_oom(err);
  int kind = page_kind(q->url, r, &why);
  if (kind < 0) {
    s->sum->skipped_type++;
    snprintf(s->note, sizeof s->note, "%s: %s", why, r->content_type ? r->content_type : "?");
    crawl_event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
    return 0;
  }
  crawl_links l;
  memset(&l, 0, sizeof l);
  if (kind == DOC_HTML && crawl_links_parse(r->body, r->len, &l)) return crawl_oom(err);
  char base[CRAWL_URL_MAX], name[CRAWL_URL_MAX], u[CRAWL_URL_MAX];
  snprintf(base, sizeof base, "%s", q->url);
  snprintf(name, sizeof name, "%s", q->url);
  if (l.base && crawl_url_resolve(q->url, l.base, u) == CRAWL_URL_OK) memcpy(base, u, sizeof u);
  size_t ol = crawl_url_origin_len(q->url);
  if (l.canonical && crawl_url_resolve(base, l.canonical, u) == CRAWL_URL_OK &&
      crawl_url_origin_len(u) == ol && !strncmp(u, q->url, ol) && strcmp(u, q->url)) {
    memcpy(name, u, sizeof u); /* the canonical URL inside the origin names the page */
    if (crawl_set_add(&s->seen, name) < 0) {
      crawl_links_free(&l);
      return crawl_oom(err);
    }
  }
  int rc = 0;
  char *links = NULL;
  size_t ln = 0, lcap = 0;
  for (size_t i = 0; i < l.n && !rc && !l.nofollow && q->depth < s->o.max_depth; i++) {
    if (crawl_url_resolve(base, l.hrefs[i], u) != CRAWL_URL_OK) continue; /* mailto:, bad */
    rc = crawl_follow(s, u, q->depth + 1, 0, err);
    if (!rc && crawl_in_scope(s, u) && links_append(&links, &ln, &lcap, u)) rc = crawl_oom(err);
  }
  if (!rc && crawl_set_has(&s->indexed, name)) {
    s->sum->duplicates++;
    snprintf(s->note, sizeof s->note, "the same page as %s", name);
    crawl_event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
  } else if (!rc && l.noindex) {
    crawl_event(s, BRASS_PROGRESS_SKIPPED, q->url, "noindex");
  } else if (!rc) {
    if (crawl_set_add(&s->indexed, name) < 0) rc = crawl_oom(err);
    double t0 = crawl_now();
    if (!rc)
      rc = engine_ingest_source(s->ing, name, l.title && *l.title ? l.title : name, r->body, r->len,
                                kind, err);
    s->ingest_s += crawl_now() - t0;
    if (!rc && crawl_record_add(s, name, r, links)) rc = crawl_oom(err);
    if (!rc) crawl_event(s, BRASS_PROGRESS_STEP, name, NULL);
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
    if (crawl_url_normalise(p, u) == CRAWL_URL_OK) rc = crawl_follow(s, u, q->depth + 1, 0, err);
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
    crawl_event(s, BRASS_PROGRESS_UNREADABLE, q->url, s->note);
    return 0;
  }
  if (!crawl_in_scope(s, u) && q->depth == 0 && q->hops < CRAWL_MAX_HOPS) {
    /* a start URL that redirects (http -> https, example.org -> www.example.org): the origin it
     * leads to is the site asked for, and joins the scope */
    char **a = realloc(s->start, (s->nstart + 1) * sizeof *a);
    if (!a) return crawl_oom(err);
    s->start = a;
    if (!(s->start[s->nstart] = strndup(u, crawl_url_origin_len(u)))) return crawl_oom(err);
    s->nstart++;
  }
  if (!crawl_in_scope(s, u)) {
    s->sum->off_origin++;
    snprintf(s->note, sizeof s->note, "redirects to %s on another origin (not followed)", u);
    crawl_event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
    return 0;
  }
  if (q->hops >= CRAWL_MAX_HOPS) {
    s->sum->errors++;
    crawl_event(s, BRASS_PROGRESS_UNREADABLE, q->url, "too many redirects");
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
  crawl_event(s, BRASS_PROGRESS_STEP, NULL, NULL);
  return crawl_follow(s, u, q->depth, q->hops + 1, err);
}

int crawl_handle(crawl_state *s, crawl_response *r, brass_error *err) {
  crawl_req *q = r->user;
  if (q->robots) {
    robots_done(s, q, r);
    return 0;
  }
  s->origins[q->origin].active--;
  s->active_pages--;
  if (r->error == CRAWL_FETCH_TIMEOUT && !q->retry &&
      s->ingest_s - q->ingest_at_start > 0.25 * s->o.timeout_s) {
    /* the crawl itself kept this transfer waiting (pages were being embedded): one more try,
     * not counted against the page limit */
    s->pages_started--;
    return crawl_enqueue(s, q->url, q->depth, q->hops, 1, err);
  }
  s->done++;
  s->sum->bytes += (int64_t)r->len;
  int rc = 0;
  long st = r->status;
  if (r->error == CRAWL_FETCH_TOO_LARGE) {
    s->sum->too_large++;
    crawl_event(s, BRASS_PROGRESS_SKIPPED, q->url, r->errmsg);
  } else if (r->error) {
    s->sum->errors++;
    crawl_event(s, BRASS_PROGRESS_UNREADABLE, q->url, r->errmsg);
  } else if (st == 304) {
    s->sum->not_modified++;
    s->isum->unchanged++;
    crawl_event(s, BRASS_PROGRESS_STEP, q->url, NULL);
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
      crawl_event(s, BRASS_PROGRESS_SKIPPED, q->url, s->note);
    }
  } else if (st < 200 || st >= 300) {
    s->sum->errors++;
    snprintf(s->note, sizeof s->note, "HTTP %ld", st);
    crawl_event(s, BRASS_PROGRESS_UNREADABLE, q->url, s->note);
  } else {
    s->sum->fetched++;
    rc = page_done(s, q, r, err);
  }
  if (s->sum->bytes >= s->o.max_total_bytes) s->stopped = 1;
  return rc < 0 ? rc : 0;
}