/*
 * crawl_links.c - the tag scanner behind crawl_links.h. It looks only at tag names and
 * attributes; the page's text is extracted for indexing by src/text/extract_html.c.
 */
#include "net/crawl_links.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brass.h"

#define LINKS_VALUE_MAX 4096 /* longer attribute values are ignored */
#define LINKS_TITLE_MAX 300

/* Copies [s, s+n) with &amp; &lt; &gt; &quot; &#39; &#N; &#xH; (ASCII only) decoded. */
static char *decode(const char *s, size_t n) {
  char *o = malloc(n + 1);
  if (!o) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '&') {
      static const struct {
        const char *name;
        char c;
      } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
      int done = 0;
      for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !done; e++) {
        size_t l = strlen(ents[e].name);
        if (n - i - 1 >= l && !strncasecmp(s + i + 1, ents[e].name, l)) {
          o[k++] = ents[e].c;
          i += l;
          done = 1;
        }
      }
      if (!done && i + 2 < n && s[i + 1] == '#') {
        int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
        size_t j = i + 2 + (size_t)hex;
        long v = 0;
        while (j < n && (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j])) &&
               v < 0x110000) {
          v = v * (hex ? 16 : 10) +
              (isdigit((unsigned char)s[j]) ? s[j] - '0' : tolower((unsigned char)s[j]) - 'a' + 10);
          j++;
        }
        if (j < n && s[j] == ';' && v > 0 && v < 0x80) {
          o[k++] = (char)v;
          i = j;
          done = 1;
        }
      }
      if (done) continue;
    }
    o[k++] = s[i];
  }
  o[k] = '\0';
  return o;
}

static int push(crawl_links *l, char *h) {
  if (l->n >= CRAWL_LINKS_MAX) {
    free(h);
    return 0;
  }
  if (l->n == l->cap) {
    size_t c = l->cap ? l->cap * 2 : 32;
    char **a = realloc(l->hrefs, c * sizeof *a);
    if (!a) {
      free(h);
      return BRASS_ENOMEM;
    }
    l->hrefs = a;
    l->cap = c;
  }
  l->hrefs[l->n++] = h;
  return 0;
}

/* Case-insensitive search for needle in [p, end); NULL when absent. */
static const char *find_ci(const char *p, const char *end, const char *needle) {
  size_t m = strlen(needle);
  for (; p + m <= end; p++)
    if (!strncasecmp(p, needle, m)) return p;
  return NULL;
}

typedef struct tag_attrs {
  const char *href, *rel, *name, *content;
  size_t href_n, rel_n, name_n, content_n;
} tag_attrs;

/* Reads attributes from p (after the tag name) to the closing '>'; returns the position after
 * it, or NULL when the tag is not closed before the end (then it is ignored, as browsers do). */
static const char *read_attrs(const char *p, const char *end, tag_attrs *a) {
  memset(a, 0, sizeof *a);
  while (p < end && *p != '>') {
    if (isspace((unsigned char)*p) || *p == '/') {
      p++;
      continue;
    }
    const char *an = p;
    while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/') p++;
    size_t anl = (size_t)(p - an);
    while (p < end && isspace((unsigned char)*p)) p++;
    const char *v = NULL;
    size_t vn = 0;
    if (p < end && *p == '=') {
      p++;
      while (p < end && isspace((unsigned char)*p)) p++;
      if (p < end && (*p == '"' || *p == '\'')) {
        char q = *p++;
        v = p;
        while (p < end && *p != q) p++;
        vn = (size_t)(p - v);
        if (p < end) p++;
      } else {
        v = p;
        while (p < end && !isspace((unsigned char)*p) && *p != '>') p++;
        vn = (size_t)(p - v);
      }
    }
    if (!anl) {
      if (p < end && *p != '>') p++;
      continue;
    }
    if (!v || vn > LINKS_VALUE_MAX) continue;
    if (anl == 4 && !strncasecmp(an, "href", 4)) {
      a->href = v;
      a->href_n = vn;
    } else if (anl == 3 && !strncasecmp(an, "rel", 3)) {
      a->rel = v;
      a->rel_n = vn;
    } else if (anl == 4 && !strncasecmp(an, "name", 4)) {
      a->name = v;
      a->name_n = vn;
    } else if (anl == 7 && !strncasecmp(an, "content", 7)) {
      a->content = v;
      a->content_n = vn;
    }
  }
  return p < end ? p + 1 : NULL;
}

/* 1 if the space-separated list [s, s+n) holds word (case-insensitive). */
static int has_word(const char *s, size_t n, const char *word) {
  size_t m = strlen(word);
  for (size_t i = 0; i + m <= n; i++)
    if (!strncasecmp(s + i, word, m) && (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
        (i + m == n || !isalnum((unsigned char)s[i + m])))
      return 1;
  return 0;
}

/* The title text: entities decoded, whitespace collapsed, cut at LINKS_TITLE_MAX bytes. */
static char *title_text(const char *s, size_t n) {
  if (n > LINKS_TITLE_MAX * 4) n = LINKS_TITLE_MAX * 4;
  char *d = decode(s, n);
  if (!d) return NULL;
  size_t k = 0;
  int space = 1, cut = 0;
  for (size_t i = 0; d[i]; i++) {
    if (k >= LINKS_TITLE_MAX) {
      cut = 1;
      break;
    }
    if (isspace((unsigned char)d[i])) {
      if (!space) d[k++] = ' ';
      space = 1;
    } else {
      d[k++] = d[i];
      space = 0;
    }
  }
  if (cut) { /* never end inside a UTF-8 sequence: drop the last, maybe partial, character */
    while (k && ((unsigned char)d[k - 1] & 0xC0) == 0x80) k--;
    if (k && (unsigned char)d[k - 1] >= 0xC0) k--;
  }
  while (k && d[k - 1] == ' ') k--;
  d[k] = '\0';
  return d;
}

int crawl_links_parse(const char *html, size_t len, crawl_links *out) {
  memset(out, 0, sizeof *out);
  const char *p = html, *end = html + len;
  int rc = 0;
  while (!rc && (p = memchr(p, '<', (size_t)(end - p)))) {
    p++;
    if (end - p >= 3 && !memcmp(p, "!--", 3)) {
      const char *c = find_ci(p + 3, end, "-->");
      p = c ? c + 3 : end;
      continue;
    }
    const char *tn = p;
    while (p < end && isalnum((unsigned char)*p)) p++;
    size_t tl = (size_t)(p - tn);
    if (!tl) continue;
    tag_attrs a;
    if ((tl == 6 && !strncasecmp(tn, "script", 6)) || (tl == 5 && !strncasecmp(tn, "style", 5))) {
      if (!(p = read_attrs(p, end, &a))) break;
      const char *c = find_ci(p, end, tl == 6 ? "</script" : "</style");
      p = c ? c : end;
      continue;
    }
    if (!(p = read_attrs(p, end, &a))) break;
    char *v = NULL;
    if ((tl == 1 && !strncasecmp(tn, "a", 1)) || (tl == 4 && !strncasecmp(tn, "area", 4))) {
      if (a.href && !(v = decode(a.href, a.href_n))) rc = BRASS_ENOMEM;
      if (v) rc = push(out, v);
    } else if (tl == 4 && !strncasecmp(tn, "base", 4)) {
      if (a.href && !out->base && !(out->base = decode(a.href, a.href_n))) rc = BRASS_ENOMEM;
    } else if (tl == 4 && !strncasecmp(tn, "link", 4)) {
      if (a.href && a.rel && has_word(a.rel, a.rel_n, "canonical") && !out->canonical &&
          !(out->canonical = decode(a.href, a.href_n)))
        rc = BRASS_ENOMEM;
    } else if (tl == 4 && !strncasecmp(tn, "meta", 4)) {
      if (a.name && a.content && a.name_n == 6 && !strncasecmp(a.name, "robots", 6)) {
        out->noindex |=
            has_word(a.content, a.content_n, "noindex") || has_word(a.content, a.content_n, "none");
        out->nofollow |= has_word(a.content, a.content_n, "nofollow") ||
                         has_word(a.content, a.content_n, "none");
      }
    } else if (tl == 5 && !strncasecmp(tn, "title", 5) && !out->title) {
      const char *c = find_ci(p, end, "</title");
      const char *te = c ? c : end;
      if (!(out->title = title_text(p, (size_t)(te - p)))) rc = BRASS_ENOMEM;
      p = te;
    }
  }
  if (rc) crawl_links_free(out);
  return rc;
}

void crawl_links_free(crawl_links *l) {
  for (size_t i = 0; i < l->n; i++) free(l->hrefs[i]);
  free(l->hrefs);
  free(l->base);
  free(l->canonical);
  free(l->title);
  memset(l, 0, sizeof *l);
}
