/*
 * crawl_url.c - parsing, normalising and resolving http(s) URLs for the crawler (crawl_url.h).
 * Everything works in fixed buffers of CRAWL_URL_MAX bytes; nothing here touches the network.
 */
#include "net/crawl_url.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A growing string in a fixed buffer; ok drops to 0 on overflow. */
typedef struct ubuf {
  char *p;
  size_t n, cap;
  int ok;
} ubuf;

static void ub_put(ubuf *b, char c) {
  if (b->n + 1 >= b->cap) {
    b->ok = 0;
    return;
  }
  b->p[b->n++] = c;
  b->p[b->n] = '\0';
}

static void ub_puts(ubuf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) ub_put(b, s[i]);
}

static int is_hex(char c) {
  return isxdigit((unsigned char)c) != 0;
}

/* Appends path or query bytes: spaces, controls, quotes, angle brackets and non-ASCII bytes
 * percent-encoded, a stray '%' as "%25", the hex digits of an escape upper-cased. */
static void ub_put_encoded(ubuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%' && i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      ub_put(b, '%');
      ub_put(b, (char)toupper((unsigned char)s[i + 1]));
      ub_put(b, (char)toupper((unsigned char)s[i + 2]));
      i += 2;
    } else if (c <= 0x20 || c >= 0x7f || c == '%' || c == '"' || c == '<' || c == '>' ||
               c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}') {
      ub_put(b, '%');
      ub_put(b, hex[c >> 4]);
      ub_put(b, hex[c & 15]);
    } else {
      ub_put(b, (char)c);
    }
  }
}

/* Appends path [p, p+n) with "." and ".." segments removed (RFC 3986 section 5.2.4); the
 * result starts with '/'. */
static void ub_put_path(ubuf *b, const char *p, size_t n) {
  size_t start = b->n, i = 0;
  int trailing = 0;
  if (n && p[0] == '/') i = 1;
  while (i <= n) {
    size_t j = i;
    while (j < n && p[j] != '/') j++;
    size_t len = j - i;
    trailing = 0;
    if ((len == 1 && p[i] == '.') || (len == 2 && p[i] == '.' && p[i + 1] == '.')) {
      if (len == 2) { /* drop the last segment */
        while (b->n > start && b->p[b->n - 1] != '/') b->n--;
        if (b->n > start) b->n--;
        b->p[b->n] = '\0';
      }
      trailing = 1;
    } else if (len == 0 && j >= n) {
      trailing = 1; /* the path ends with '/' */
    } else {
      ub_put(b, '/');
      ub_put_encoded(b, p + i, len);
    }
    i = j + 1;
  }
  if (trailing || b->n == start) ub_put(b, '/');
}

static int scheme_len(const char *s) {
  if (!isalpha((unsigned char)s[0])) return 0;
  int i = 1;
  while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.') i++;
  return s[i] == ':' ? i : 0;
}

int crawl_url_is_web(const char *s) {
  return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8));
}

int crawl_url_normalise(const char *in, char *out) {
  out[0] = '\0';
  while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r' || *in == '\f') in++;
  size_t n = strlen(in);
  while (n && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\n' || in[n - 1] == '\r'))
    n--;
  if (n >= CRAWL_URL_MAX) return CRAWL_URL_INVALID;
  int sl = scheme_len(in);
  if (!sl) return CRAWL_URL_INVALID;
  int https;
  if (sl == 4 && !strncasecmp(in, "http", 4))
    https = 0;
  else if (sl == 5 && !strncasecmp(in, "https", 5))
    https = 1;
  else
    return CRAWL_URL_SCHEME;
  const char *p = in + sl + 1, *end = in + n;
  if (end - p < 2 || p[0] != '/' || p[1] != '/') return CRAWL_URL_INVALID;
  p += 2;
  const char *a = p;
  while (p < end && *p != '/' && *p != '?' && *p != '#') p++;
  const char *ae = p; /* authority [a, ae) */
  for (const char *q = a; q < ae; q++)
    if (*q == '@') return CRAWL_URL_INVALID; /* no userinfo: it hides the real host */
  const char *hs = a, *he, *port = NULL;
  if (hs < ae && *hs == '[') {
    he = memchr(hs, ']', (size_t)(ae - hs));
    if (!he) return CRAWL_URL_INVALID;
    he++;
    for (const char *q = hs + 1; q < he - 1; q++)
      if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') return CRAWL_URL_INVALID;
    if (he < ae && *he != ':') return CRAWL_URL_INVALID;
  } else {
    he = hs;
    while (he < ae && *he != ':') he++;
    for (const char *q = hs; q < he; q++)
      if ((!isalnum((unsigned char)*q) && *q != '-' && *q != '.' && *q != '_') ||
          (*q == '.' && (q == hs || q[-1] == '.')))
        return CRAWL_URL_INVALID; /* no empty labels: ".h", "a..b", ".." */
  }
  if (he == hs) return CRAWL_URL_INVALID;
  if (he < ae) port = he + 1;
  long pn = https ? 443 : 80;
  if (port && port < ae) {
    pn = 0;
    for (const char *q = port; q < ae; q++) {
      if (!isdigit((unsigned char)*q) || pn > 65535) return CRAWL_URL_INVALID;
      pn = pn * 10 + (*q - '0');
    }
    if (pn < 1 || pn > 65535) return CRAWL_URL_INVALID;
  }
  ubuf b = {out, 0, CRAWL_URL_MAX, 1};
  ub_puts(&b, https ? "https://" : "http://", https ? 8 : 7);
  size_t hl = (size_t)(he - hs);
  if (hl && hs[hl - 1] == '.' && hs[0] != '[') hl--; /* "example.com." is example.com */
  if (!hl) return CRAWL_URL_INVALID;
  for (size_t i = 0; i < hl; i++) ub_put(&b, (char)tolower((unsigned char)hs[i]));
  if (pn != (https ? 443 : 80)) {
    char ps[16];
    int k = snprintf(ps, sizeof ps, ":%ld", pn);
    ub_puts(&b, ps, (size_t)k);
  }
  const char *ps = ae, *pe = ae;
  while (pe < end && *pe != '?' && *pe != '#') pe++;
  ub_put_path(&b, ps, (size_t)(pe - ps));
  if (pe < end && *pe == '?') {
    const char *qe = pe + 1;
    while (qe < end && *qe != '#') qe++;
    if (qe > pe + 1) {
      ub_put(&b, '?');
      ub_put_encoded(&b, pe + 1, (size_t)(qe - pe - 1));
    }
  }
  if (!b.ok) {
    out[0] = '\0';
    return CRAWL_URL_INVALID;
  }
  return CRAWL_URL_OK;
}

size_t crawl_url_origin_len(const char *url) {
  const char *p = strstr(url, "://");
  if (!p) return 0;
  p += 3;
  while (*p && *p != '/' && *p != '?') p++;
  return (size_t)(p - url);
}

int crawl_url_host(const char *url, char *out, size_t cap) {
  const char *p = strstr(url, "://");
  if (!p) return -1;
  p += 3;
  const char *e = p;
  if (*p == '[') {
    e = strchr(p, ']');
    if (!e) return -1;
    p++;
  } else {
    while (*e && *e != ':' && *e != '/') e++;
  }
  size_t n = (size_t)(e - p);
  if (n + 1 > cap) return -1;
  memcpy(out, p, n);
  out[n] = '\0';
  return 0;
}

int crawl_url_resolve(const char *base, const char *ref, char *out) {
  char joined[CRAWL_URL_MAX * 2];
  while (*ref == ' ' || *ref == '\t' || *ref == '\n' || *ref == '\r' || *ref == '\f') ref++;
  if (strlen(ref) >= CRAWL_URL_MAX) return CRAWL_URL_INVALID;
  if (scheme_len(ref)) return crawl_url_normalise(ref, out);
  size_t ol = crawl_url_origin_len(base);
  if (!ol) return CRAWL_URL_INVALID;
  const char *bq = strchr(base + ol, '?');
  size_t bpath = bq ? (size_t)(bq - base) : strlen(base); /* base up to its query */
  int k;
  if (ref[0] == '/' && ref[1] == '/') {
    const char *c = strchr(base, ':');
    k = snprintf(joined, sizeof joined, "%.*s%s", (int)(c - base + 1), base, ref);
  } else if (ref[0] == '/') {
    k = snprintf(joined, sizeof joined, "%.*s%s", (int)ol, base, ref);
  } else if (ref[0] == '?') {
    k = snprintf(joined, sizeof joined, "%.*s%s", (int)bpath, base, ref);
  } else if (ref[0] == '#' || !ref[0]) {
    k = snprintf(joined, sizeof joined, "%s", base);
  } else {
    size_t dir = bpath;
    while (dir > ol && base[dir - 1] != '/') dir--;
    if (dir == ol)
      k = snprintf(joined, sizeof joined, "%.*s/%s", (int)ol, base, ref);
    else
      k = snprintf(joined, sizeof joined, "%.*s%s", (int)dir, base, ref);
  }
  if (k < 0 || (size_t)k >= sizeof joined) return CRAWL_URL_INVALID;
  return crawl_url_normalise(joined, out);
}
