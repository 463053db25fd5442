/*
 * crawl_robots.h - robots.txt rules for one host (pure: parsing and matching, no network).
 * The groups for the user agent "brass" are used when the file has any, else those for "*".
 * A path is allowed unless the longest matching rule is a Disallow (an Allow wins a tie);
 * patterns may hold '*' (any run of bytes) and end with '$' (end of the path). Crawl-delay is
 * read in seconds (fractions allowed). Sizes are bounded: CRAWL_ROBOTS_MAX_RULES rules, lines
 * cut at 1 KiB.
 */
#ifndef BRASS_NET_CRAWL_ROBOTS_H
#define BRASS_NET_CRAWL_ROBOTS_H

#include <stddef.h>

#define CRAWL_ROBOTS_MAX_RULES 1024

typedef struct crawl_robots_rule {
  char *pattern;
  int allow;
} crawl_robots_rule;

typedef struct crawl_robots {
  crawl_robots_rule *rules;
  size_t n;
  double crawl_delay; /* seconds, 0 when none */
  int disallow_all;   /* robots.txt could not be fetched (5xx, network): nothing is allowed */
} crawl_robots;

/* Parses len bytes of robots.txt for agent (lowercase product token, "brass") into r (zeroed
 * first). Returns 0 or BRASS_ENOMEM (then r is freed). */
int crawl_robots_parse(const char *txt, size_t len, const char *agent, crawl_robots *r);
/* 1 if the path-and-query path (starting with '/') may be fetched, 0 if not. */
int crawl_robots_allowed(const crawl_robots *r, const char *path);
void crawl_robots_free(crawl_robots *r);

#endif
