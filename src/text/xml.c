/*
 * xml.c - the office-document XML pull scanner (see xml.h): tags, character data, CDATA;
 * comments, processing instructions and plain DOCTYPEs skipped; internal DTD subsets refused;
 * only predefined and numeric character references decoded.
 */
#include "text/xml.h"

#include <stdint.h>
#include <string.h>

#include "text/tok_internal.h"

void xml_init(xml_scanner *x, const char *s, size_t len) {
  x->s = s;
  x->len = len;
  x->pos = 0;
  x->error = NULL;
}

static int xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Position just after the first occurrence of pat at or after from, or 0 when there is none. */
static size_t xml_after(const xml_scanner *x, size_t from, const char *pat) {
  size_t n = strlen(pat);
  if (from > x->len) return 0;
  const char *f = memmem(x->s + from, x->len - from, pat, n);
  return f ? (size_t)(f - x->s) + n : 0;
}

static int xml_fail(xml_scanner *x, const char *why) {
  x->error = why;
  x->pos = x->len;
  return XML_ERROR;
}

int xml_next(xml_scanner *x, xml_token *t) {
  memset(t, 0, sizeof *t);
  const char *s = x->s;
  for (;;) {
    if (x->pos >= x->len) return t->type = XML_EOF;
    size_t p = x->pos;
    if (s[p] != '<') {
      const char *lt = memchr(s + p, '<', x->len - p);
      size_t q = lt ? (size_t)(lt - s) : x->len;
      t->text = s + p;
      t->text_len = q - p;
      x->pos = q;
      return t->type = XML_TEXT;
    }
    if (x->len - p >= 4 && memcmp(s + p, "<!--", 4) == 0) {
      size_t e = xml_after(x, p + 4, "-->");
      if (!e) return xml_fail(x, "unclosed comment");
      x->pos = e;
      continue;
    }
    if (x->len - p >= 9 && memcmp(s + p, "<![CDATA[", 9) == 0) {
      size_t e = xml_after(x, p + 9, "]]>");
      if (!e) return xml_fail(x, "unclosed CDATA section");
      t->text = s + p + 9;
      t->text_len = e - 3 - (p + 9);
      t->cdata = 1;
      x->pos = e;
      return t->type = XML_TEXT;
    }
    if (x->len - p >= 2 && s[p + 1] == '?') {
      size_t e = xml_after(x, p + 2, "?>");
      if (!e) return xml_fail(x, "unclosed processing instruction");
      x->pos = e;
      continue;
    }
    if (x->len - p >= 2 && s[p + 1] == '!') { /* <!DOCTYPE ...>: no internal subset allowed */
      const char *gt = memchr(s + p, '>', x->len - p);
      if (!gt) return xml_fail(x, "unclosed DOCTYPE");
      if (memchr(s + p, '[', (size_t)(gt - (s + p))))
        return xml_fail(x, "DOCTYPE with an internal subset (entity declarations) refused");
      x->pos = (size_t)(gt - s) + 1;
      continue;
    }
    /* a tag: find its '>' outside quoted attribute values */
    size_t q = p + 1;
    char quote = 0;
    while (q < x->len && (quote || s[q] != '>')) {
      if (quote && s[q] == quote)
        quote = 0;
      else if (!quote && (s[q] == '"' || s[q] == '\''))
        quote = s[q];
      q++;
    }
    if (q >= x->len) return xml_fail(x, "unclosed tag");
    x->pos = q + 1;
    size_t a = p + 1;
    int close = s[a] == '/';
    if (close) a++;
    int empty = !close && q > a && s[q - 1] == '/';
    size_t ne = a;
    while (ne < q && !xml_space(s[ne]) && s[ne] != '/' && s[ne] != '>') ne++;
    size_t ls = a;
    for (size_t k = a; k < ne; k++)
      if (s[k] == ':') ls = k + 1;
    t->name = s + ls;
    t->name_len = ne - ls;
    t->attrs = s + ne;
    t->attrs_len = (empty ? q - 1 : q) - ne;
    return t->type = close ? XML_CLOSE : empty ? XML_EMPTY : XML_OPEN;
  }
}

int xml_is(const xml_token *t, const char *name) {
  size_t n = strlen(name);
  return t->name_len == n && memcmp(t->name, name, n) == 0;
}

int xml_attr(const xml_token *t, const char *name, const char **val, size_t *vlen) {
  const char *s = t->attrs;
  size_t n = t->attrs_len, i = 0, nl = strlen(name);
  while (i < n) {
    while (i < n && xml_space(s[i])) i++;
    size_t k0 = i;
    while (i < n && s[i] != '=' && !xml_space(s[i])) i++;
    size_t k1 = i;
    while (i < n && xml_space(s[i])) i++;
    if (i >= n || s[i] != '=') return 0;
    i++;
    while (i < n && xml_space(s[i])) i++;
    if (i >= n || (s[i] != '"' && s[i] != '\'')) return 0;
    char qc = s[i++];
    size_t v0 = i;
    while (i < n && s[i] != qc) i++;
    size_t v1 = i;
    if (i < n) i++;
    size_t ls = k0;
    for (size_t k = k0; k < k1; k++)
      if (s[k] == ':') ls = k + 1;
    if (k1 - ls == nl && memcmp(s + ls, name, nl) == 0) {
      *val = s + v0;
      *vlen = v1 - v0;
      return 1;
    }
  }
  return 0;
}

/* Decodes the reference at s[0] == '&' into b; returns the source bytes it spans, 0 if none. */
static size_t xml_ref(const char *s, size_t n, char *b, size_t *blen) {
  static const struct {
    const char *name;
    char c;
  } pre[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  for (size_t i = 0; i < 5; i++) {
    size_t l = strlen(pre[i].name);
    if (n > l && memcmp(s + 1, pre[i].name, l) == 0) {
      b[0] = pre[i].c;
      *blen = 1;
      return l + 1;
    }
  }
  if (n < 4 || s[1] != '#') return 0;
  size_t i = 2;
  int hex = s[i] == 'x';
  if (hex) i++;
  size_t d0 = i;
  uint32_t cp = 0;
  while (i < n && i - d0 < 8) {
    char c = s[i];
    uint32_t v;
    if (c >= '0' && c <= '9')
      v = (uint32_t)(c - '0');
    else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      v = (uint32_t)((c | 0x20) - 'a' + 10);
    else
      break;
    cp = cp * (hex ? 16 : 10) + v;
    i++;
  }
  if (i == d0 || i >= n || s[i] != ';') return 0;
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *blen = (size_t)tok_utf8_put(cp, (unsigned char *)b);
  return i + 1;
}

size_t xml_decode(const char *s, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    if (s[i] == '&') {
      char b[4];
      size_t bl = 0, k = xml_ref(s + i, n - i, b, &bl);
      if (k && bl <= k) { /* a reference never decodes longer than it is written */
        memcpy(out + o, b, bl);
        o += bl;
        i += k;
        continue;
      }
    }
    out[o++] = s[i++];
  }
  return o;
}
