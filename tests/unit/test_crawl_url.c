/*
 * test_crawl_url.c - the crawler's pure parts (src/net/): URL normalisation and resolution,
 * robots.txt matching, and link extraction from HTML. Native only (src/net/ is not in the
 * WebAssembly build).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net/crawl_links.h"
#include "net/crawl_robots.h"
#include "net/crawl_url.h"

static void norm(const char *in, int want_rc, const char *want) {
  char out[CRAWL_URL_MAX];
  int rc = crawl_url_normalise(in, out);
  CHECK_MSG(rc == want_rc, "%s: rc %d, want %d", in, rc, want_rc);
  if (want) CHECK_MSG(!strcmp(out, want), "%s: got '%s', want '%s'", in, out, want);
}

static void resolve(const char *base, const char *ref, int want_rc, const char *want) {
  char out[CRAWL_URL_MAX];
  int rc = crawl_url_resolve(base, ref, out);
  CHECK_MSG(rc == want_rc, "%s + %s: rc %d, want %d", base, ref, rc, want_rc);
  if (want) CHECK_MSG(!strcmp(out, want), "%s + %s: got '%s', want '%s'", base, ref, out, want);
}

static int allowed(const char *txt, const char *path) {
  crawl_robots r;
  CHECK(crawl_robots_parse(txt, strlen(txt), "brass", &r) == 0);
  int a = crawl_robots_allowed(&r, path);
  crawl_robots_free(&r);
  return a;
}

int main(void) {
  /* normalisation */
  norm("HTTP://Example.COM:80/a/./b/../c#frag", CRAWL_URL_OK, "http://example.com/a/c");
  norm("https://example.com:443", CRAWL_URL_OK, "https://example.com/");
  norm("https://example.com:8443/x?", CRAWL_URL_OK, "https://example.com:8443/x");
  norm("  http://h/a b?q=1 2  ", CRAWL_URL_OK, "http://h/a%20b?q=1%202");
  norm("http://h/%7ea/%zz", CRAWL_URL_OK, "http://h/%7Ea/%25zz");
  norm("http://h/a/../../..", CRAWL_URL_OK, "http://h/");
  norm("http://h/a/b/..", CRAWL_URL_OK, "http://h/a/");
  norm("http://h./p", CRAWL_URL_OK, "http://h/p");
  norm("http://[::1]:8080/p", CRAWL_URL_OK, "http://[::1]:8080/p");
  norm("http://h/\xc3\xa9", CRAWL_URL_OK, "http://h/%C3%A9");
  norm("http://user:pw@h/", CRAWL_URL_INVALID, NULL);
  norm("http://h:99999/", CRAWL_URL_INVALID, NULL);
  norm("http://h:/", CRAWL_URL_OK, "http://h/");
  norm("http:///p", CRAWL_URL_INVALID, NULL);
  norm("http://h%41/", CRAWL_URL_INVALID, NULL);
  norm("http://../f", CRAWL_URL_INVALID, NULL); /* found by fuzzing: empty host labels */
  norm("http://a..b/", CRAWL_URL_INVALID, NULL);
  norm("example.com/a", CRAWL_URL_INVALID, NULL);
  norm("ftp://h/a", CRAWL_URL_SCHEME, NULL);
  norm("javascript:alert(1)", CRAWL_URL_SCHEME, NULL);
  norm("", CRAWL_URL_INVALID, NULL);
  char *big = malloc(CRAWL_URL_MAX + 16);
  memcpy(big, "http://h/", 9);
  memset(big + 9, 'a', CRAWL_URL_MAX);
  big[CRAWL_URL_MAX + 9] = '\0';
  norm(big, CRAWL_URL_INVALID, NULL);
  /* a path that only grows past the limit when encoded */
  memset(big + 9, ' ', CRAWL_URL_MAX - 20);
  big[CRAWL_URL_MAX - 12] = 'x';
  big[CRAWL_URL_MAX - 11] = '\0';
  norm(big, CRAWL_URL_INVALID, NULL);
  free(big);

  /* resolution */
  const char *b = "http://h:81/d/e/page.html?x=1";
  resolve(b, "other.html", CRAWL_URL_OK, "http://h:81/d/e/other.html");
  resolve(b, "../up.html#s", CRAWL_URL_OK, "http://h:81/d/up.html");
  resolve(b, "/root", CRAWL_URL_OK, "http://h:81/root");
  resolve(b, "//other.org/z", CRAWL_URL_OK, "http://other.org/z");
  resolve(b, "?y=2", CRAWL_URL_OK, "http://h:81/d/e/page.html?y=2");
  resolve(b, "#only", CRAWL_URL_OK, "http://h:81/d/e/page.html?x=1");
  resolve(b, "", CRAWL_URL_OK, "http://h:81/d/e/page.html?x=1");
  resolve(b, "HTTPS://H/", CRAWL_URL_OK, "https://h/");
  resolve(b, "mailto:a@b", CRAWL_URL_SCHEME, NULL);
  resolve(b, "javascript:void(0)", CRAWL_URL_SCHEME, NULL);
  resolve("http://h", "a", CRAWL_URL_OK, "http://h/a");
  CHECK(crawl_url_origin_len("https://h:8/x") == strlen("https://h:8"));
  char host[64];
  CHECK(crawl_url_host("http://[::1]:80/", host, sizeof host) == 0 && !strcmp(host, "::1"));
  CHECK(crawl_url_host("http://a.b:80/", host, sizeof host) == 0 && !strcmp(host, "a.b"));
  CHECK(crawl_url_is_web("HTTPS://x") && !crawl_url_is_web("/tmp/x") &&
        !crawl_url_is_web("ftp://x"));

  /* robots.txt: longest match, Allow wins ties, wildcards, groups */
  const char *r1 = "User-agent: *\nDisallow: /private\nAllow: /private/ok\nDisallow: /*.pdf$\n";
  CHECK(allowed(r1, "/") == 1);
  CHECK(allowed(r1, "/private/x") == 0);
  CHECK(allowed(r1, "/private/ok/y") == 1);
  CHECK(allowed(r1, "/doc.pdf") == 0);
  CHECK(allowed(r1, "/doc.pdf?x") == 1);
  CHECK(allowed(r1, "/robots.txt") == 1);
  const char *r2 =
      "User-agent: other\nDisallow: /\n\nUser-agent: Brass/1.0\nUser-agent: x\n"
      "Disallow: /b\nCrawl-delay: 2.5\n\nUser-agent: *\nDisallow: /\n";
  CHECK(allowed(r2, "/a") == 1); /* brass's own group, not "*" */
  CHECK(allowed(r2, "/b/c") == 0);
  crawl_robots r;
  CHECK(crawl_robots_parse(r2, strlen(r2), "brass", &r) == 0);
  CHECK_NEAR(r.crawl_delay, 2.5, 1e-9);
  crawl_robots_free(&r);
  CHECK(allowed("User-agent: *\nDisallow:\n", "/x") == 1);
  CHECK(allowed("User-agent: *\nDisallow: /a*b*c\n", "/axxbyyc") == 0);
  CHECK(allowed("User-agent: *\nDisallow: /a*b*c\n", "/axxbyy") == 1);
  CHECK(allowed("User-agent: *\r\nDisallow: /x # comment\r\n", "/x/y") == 0);
  CHECK(allowed("garbage\n\0\xff:::\nDisallow /x\n", "/x") == 1);
  CHECK(allowed("", "/x") == 1);

  /* links */
  const char *html =
      "<html><head><title> A &amp; B\n title </title><base href=\"/base/\">"
      "<link rel=\"alternate canonical\" href='/canon'>"
      "<meta name=robots content=\"noindex, follow\"></head><body>"
      "<a href=one.html>1</a><!-- <a href=\"no.html\"> -->"
      "<script>var s = '<a href=\"no2.html\">';</script>"
      "<A HREF=\"two.html?a=1&amp;b=2\">2</A><area href=\"three\"><a name=x>"
      "<a href=\"mailto:x@y\">m</a><a href=\"unclosed";
  crawl_links l;
  CHECK(crawl_links_parse(html, strlen(html), &l) == 0);
  CHECK(l.title && !strcmp(l.title, "A & B title"));
  CHECK(l.base && !strcmp(l.base, "/base/"));
  CHECK(l.canonical && !strcmp(l.canonical, "/canon"));
  CHECK(l.noindex == 1 && l.nofollow == 0);
  CHECK_MSG(l.n == 4, "%zu links", l.n);
  if (l.n == 4) {
    CHECK(!strcmp(l.hrefs[0], "one.html"));
    CHECK(!strcmp(l.hrefs[1], "two.html?a=1&b=2"));
    CHECK(!strcmp(l.hrefs[2], "three"));
    CHECK(!strcmp(l.hrefs[3], "mailto:x@y"));
  }
  crawl_links_free(&l);
  CHECK(crawl_links_parse("<a href=", 8, &l) == 0 && l.n == 0);
  crawl_links_free(&l);
  CHECK_DONE();
}
