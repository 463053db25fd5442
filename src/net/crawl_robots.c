/*
 * crawl_robots.c - robots.txt parsing and longest-match rule checking (crawl_robots.h).
 * Groups are runs of User-agent lines followed by rules; a rule line ends the run of agents.
 * Rules of the matching groups (several groups for one agent are merged) are kept; the rest
 * of the file is skipped line by line in linear time.
 */
#include "net/crawl_robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brass.h"

#define ROBOTS_LINE_MAX 1024

typedef struct robots_group_rules {
  crawl_robots_rule *rules;
  size_t n, cap;
  double delay;
  int any; /* a group matched */
} robots_group_rules;

static int rules_add(robots_group_rules *g, const char *v, size_t n, int allow) {
  if (g->n >= CRAWL_ROBOTS_MAX_RULES) return 0;
  if (g->n == g->cap) {
    size_t c = g->cap ? g->cap * 2 : 16;
    crawl_robots_rule *r = realloc(g->rules, c * sizeof *r);
    if (!r) return BRASS_ENOMEM;
    g->rules = r;
    g->cap = c;
  }
  char *p = malloc(n + 1);
  if (!p) return BRASS_ENOMEM;
  memcpy(p, v, n);
  p[n] = '\0';
  g->rules[g->n++] = (crawl_robots_rule){p, allow};
  return 0;
}

static void group_free(robots_group_rules *g) {
  for (size_t i = 0; i < g->n; i++) free(g->rules[i].pattern);
  free(g->rules);
  memset(g, 0, sizeof *g);
}

static size_t trim(const char **s, size_t n) {
  while (n && isspace((unsigned char)**s)) {
    (*s)++;
    n--;
  }
  while (n && isspace((unsigned char)(*s)[n - 1])) n--;
  return n;
}

int crawl_robots_parse(const char *txt, size_t len, const char *agent, crawl_robots *r) {
  memset(r, 0, sizeof *r);
  robots_group_rules mine = {0}, star = {0};
  int in_agents = 0;              /* the previous line was a User-agent line */
  int cur_mine = 0, cur_star = 0; /* the current group applies to agent / to "*" */
  size_t alen = strlen(agent);
  size_t i = 0;
  if (len >= 3 && !memcmp(txt, "\xEF\xBB\xBF", 3)) i = 3;
  int rc = 0;
  while (i < len && !rc) {
    size_t j = i;
    while (j < len && txt[j] != '\n' && txt[j] != '\r') j++;
    const char *line = txt + i;
    size_t n = j - i > ROBOTS_LINE_MAX ? ROBOTS_LINE_MAX : j - i;
    i = j + 1;
    const char *hash = memchr(line, '#', n);
    if (hash) n = (size_t)(hash - line);
    const char *colon = memchr(line, ':', n);
    if (!colon) continue;
    const char *key = line, *val = colon + 1;
    size_t kn = trim(&key, (size_t)(colon - line));
    size_t vn = trim(&val, n - (size_t)(colon - line) - 1);
    if (kn == 10 && !strncasecmp(key, "user-agent", 10)) {
      if (!in_agents) cur_mine = cur_star = 0;
      in_agents = 1;
      /* the product token: up to the first '/' or space */
      size_t tn = 0;
      while (tn < vn && val[tn] != '/' && !isspace((unsigned char)val[tn])) tn++;
      if (tn == 1 && val[0] == '*')
        cur_star = 1;
      else if (tn == alen && !strncasecmp(val, agent, alen))
        cur_mine = 1;
      continue;
    }
    in_agents = 0;
    int allow = kn == 5 && !strncasecmp(key, "allow", 5);
    int disallow = kn == 8 && !strncasecmp(key, "disallow", 8);
    int delay = kn == 11 && !strncasecmp(key, "crawl-delay", 11);
    robots_group_rules *gs[2] = {cur_mine ? &mine : NULL, cur_star ? &star : NULL};
    for (int g = 0; g < 2 && !rc; g++) {
      if (!gs[g]) continue;
      gs[g]->any = 1;
      if ((allow || disallow) && vn) {
        rc = rules_add(gs[g], val, vn, allow);
      } else if (delay && vn) {
        char buf[32];
        size_t m = vn < sizeof buf - 1 ? vn : sizeof buf - 1;
        memcpy(buf, val, m);
        buf[m] = '\0';
        double d = strtod(buf, NULL);
        if (d > 0 && d < 1e6) gs[g]->delay = d;
      }
    }
  }
  if (rc) {
    group_free(&mine);
    group_free(&star);
    return rc;
  }
  robots_group_rules *use = mine.any ? &mine : &star;
  r->rules = use->rules;
  r->n = use->n;
  r->crawl_delay = use->delay;
  group_free(use == &mine ? &star : &mine);
  return 0;
}

/* Length of the match of pattern against path (-1: none). '*' matches any run, a final '$'
 * anchors at the end. Iterative with one backtrack point: linear-ish and never recursive. */
static long robots_match(const char *pat, const char *path) {
  size_t pn = strlen(pat);
  int anchored = pn && pat[pn - 1] == '$';
  if (anchored) pn--;
  const char *s = path;
  size_t p = 0;
  size_t star_p = (size_t)-1;
  const char *star_s = NULL;
  for (;;) {
    if (p == pn) {
      if (!anchored || !*s) return (long)pn;
      /* anchored but text left: backtrack */
    } else if (pat[p] == '*') {
      star_p = ++p;
      star_s = s;
      continue;
    } else if (*s && *s == pat[p]) {
      p++;
      s++;
      continue;
    }
    if (star_p == (size_t)-1 || !*star_s) return -1;
    p = star_p;
    s = ++star_s;
  }
}

int crawl_robots_allowed(const crawl_robots *r, const char *path) {
  if (r->disallow_all) return 0;
  if (!strcmp(path, "/robots.txt")) return 1;
  long best = -1;
  int allow = 1;
  for (size_t i = 0; i < r->n; i++) {
    long m = robots_match(r->rules[i].pattern, path);
    if (m < 0) continue;
    if (m > best || (m == best && r->rules[i].allow)) {
      best = m;
      allow = r->rules[i].allow;
    }
  }
  return allow;
}

void crawl_robots_free(crawl_robots *r) {
  for (size_t i = 0; i < r->n; i++) free(r->rules[i].pattern);
  free(r->rules);
  memset(r, 0, sizeof *r);
}
