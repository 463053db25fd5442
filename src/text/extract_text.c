/*
 * extract_text.c - the plain-text extractor (paragraphs separated by blank lines) and the helpers
 * every extractor shares: building an extract_doc, the heading-path stack, the text->source map
 * lookup, choosing an extractor by file extension and the binary-content test. See extract.h.
 */
#include "text/extract.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/file.h"

static int ext_is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int extract_add_block(extract_doc *doc, size_t start, size_t end, int kind, int path) {
  while (start < end && ext_is_space((unsigned char)doc->text[start])) start++;
  while (end > start && ext_is_space((unsigned char)doc->text[end - 1])) end--;
  if (start >= end) return 0;
  if (doc->nblocks == doc->blocks_cap) {
    size_t cap = doc->blocks_cap ? doc->blocks_cap * 2 : 64;
    extract_block *b = realloc(doc->blocks, cap * sizeof *b);
    if (!b) return BRASS_ENOMEM;
    doc->blocks = b;
    doc->blocks_cap = cap;
  }
  doc->blocks[doc->nblocks++] = (extract_block){start, end, kind, path};
  return 0;
}

int extract_add_term(extract_doc *doc, size_t start, size_t end) {
  while (start < end && ext_is_space((unsigned char)doc->text[start])) start++;
  while (end > start && ext_is_space((unsigned char)doc->text[end - 1])) end--;
  if (start >= end) return 0;
  if (doc->nterms == doc->terms_cap) {
    size_t cap = doc->terms_cap ? doc->terms_cap * 2 : 16;
    extract_span *t = realloc(doc->terms, cap * sizeof *t);
    if (!t) return BRASS_ENOMEM;
    doc->terms = t;
    doc->terms_cap = cap;
  }
  doc->terms[doc->nterms++] = (extract_span){start, end};
  return 0;
}

int extract_heads_push(extract_heads *h, extract_doc *doc, int level, const char *s, size_t n) {
  if (level < 1) level = 1;
  if (level > 6) level = 6;
  /* the heading text with whitespace runs collapsed, at most 200 bytes (cut at a UTF-8 start) */
  char buf[201];
  size_t k = 0;
  int space = 0;
  for (size_t i = 0; i < n && k < 200; i++) {
    unsigned char c = (unsigned char)s[i];
    if (ext_is_space(c)) {
      space = k > 0;
      continue;
    }
    if (space && k < 199) buf[k++] = ' ';
    space = 0;
    buf[k++] = (char)c;
  }
  if (k == 200)
    while (k > 0 && ((unsigned char)buf[k] & 0xC0) == 0x80) k--;
  buf[k] = '\0';
  for (int l = level; l <= 6; l++) {
    free(h->text[l]);
    h->text[l] = NULL;
    h->len[l] = 0;
  }
  h->text[level] = malloc(k + 1);
  if (!h->text[level]) return BRASS_ENOMEM;
  memcpy(h->text[level], buf, k + 1);
  h->len[level] = k;
  size_t total = 1;
  for (int l = 1; l <= level; l++)
    if (h->len[l]) total += h->len[l] + 3;
  char *path = malloc(total);
  if (!path) return BRASS_ENOMEM;
  size_t p = 0;
  for (int l = 1; l <= level; l++) {
    if (!h->len[l]) continue;
    if (p) {
      memcpy(path + p, " > ", 3);
      p += 3;
    }
    memcpy(path + p, h->text[l], h->len[l]);
    p += h->len[l];
  }
  path[p] = '\0';
  if (doc->npaths == doc->paths_cap) {
    size_t cap = doc->paths_cap ? doc->paths_cap * 2 : 16;
    char **np = realloc(doc->paths, cap * sizeof *np);
    if (!np) {
      free(path);
      return BRASS_ENOMEM;
    }
    doc->paths = np;
    doc->paths_cap = cap;
  }
  doc->paths[doc->npaths] = path;
  return (int)doc->npaths++;
}

void extract_heads_free(extract_heads *h) {
  for (int l = 0; l <= 6; l++) free(h->text[l]);
  memset(h, 0, sizeof *h);
}

void extract_doc_free(extract_doc *doc) {
  if (!doc) return;
  free(doc->owned_text);
  free(doc->runs);
  free(doc->blocks);
  for (size_t i = 0; i < doc->npaths; i++) free(doc->paths[i]);
  free(doc->paths);
  free(doc->terms);
  memset(doc, 0, sizeof *doc);
}

/* The run holding text byte i (runs are sorted by t, the first has t == 0). */
static const extract_run *ext_find_run(const extract_doc *doc, size_t i) {
  size_t lo = 0, hi = doc->nruns; /* invariant: runs[lo].t <= i, answer in [lo, hi) */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (doc->runs[mid].t <= i)
      lo = mid;
    else
      hi = mid;
  }
  return &doc->runs[lo];
}

void extract_src_range(const extract_doc *doc, size_t ts, size_t te, size_t *s, size_t *e) {
  if (!doc->runs || doc->nruns == 0) {
    *s = ts;
    *e = te;
    return;
  }
  const extract_run *r = ext_find_run(doc, ts);
  *s = r->verbatim ? r->s + (ts - r->t) : r->s;
  r = ext_find_run(doc, te - 1);
  *e = r->verbatim ? r->s + (te - r->t) : r->s_end;
  if (*e < *s) *e = *s;
}

int extract_add_paras(extract_doc *doc, size_t start, size_t end, int path) {
  /* paragraphs: runs of lines separated by lines holding only whitespace */
  const char *src = doc->text;
  size_t para = start, i = start;
  while (i < end) {
    const char *nl = memchr(src + i, '\n', end - i);
    size_t eol = nl ? (size_t)(nl - src) : end;
    int blank = 1;
    for (size_t k = i; k < eol && blank; k++) blank = ext_is_space((unsigned char)src[k]);
    if (blank) {
      if (extract_add_block(doc, para, i, EXB_PARA, path) < 0) return BRASS_ENOMEM;
      para = eol;
    }
    i = eol + 1;
  }
  return extract_add_block(doc, para, end, EXB_PARA, path);
}

int extract_text(const char *src, size_t len, extract_doc *doc, brass_error *err) {
  memset(doc, 0, sizeof *doc);
  doc->src = doc->text = src;
  doc->src_len = doc->len = len;
  if (extract_add_paras(doc, file_bom_len(src, len), len, -1) < 0) {
    extract_doc_free(doc);
    return err_set(err, BRASS_ENOMEM, "extract: out of memory");
  }
  return 0;
}

int extract_document(const char *src, size_t len, doc_kind kind, extract_doc *doc,
                     brass_error *err) {
  switch (kind) {
    case DOC_MARKDOWN:
      return extract_markdown(src, len, doc, err);
    case DOC_HTML:
      return extract_html(src, len, doc, err);
    case DOC_CODE:
      return extract_code(src, len, doc, err);
    case DOC_DOCX:
    case DOC_ODT:
    case DOC_EPUB:
      return extract_office(src, len, kind, doc, err);
    case DOC_PDF:
      return extract_pdf(src, len, doc, err);
    default:
      return extract_text(src, len, doc, err);
  }
}

doc_kind extract_kind_for_path(const char *path) {
  static const char *const md[] = {"md", "markdown", "mdx", "mkd", NULL};
  static const char *const html[] = {"html", "htm", "xhtml", NULL};
  static const char *const code[] = {
      "c",     "h",     "cc",   "cpp",   "cxx",  "hpp", "hh",     "hxx", "py",   "pyi",
      "js",    "mjs",   "cjs",  "jsx",   "ts",   "tsx", "go",     "rs",  "java", "kt",
      "kts",   "scala", "cs",   "swift", "m",    "mm",  "rb",     "php", "pl",   "pm",
      "lua",   "sh",    "bash", "zsh",   "fish", "ps1", "r",      "jl",  "dart", "zig",
      "nim",   "ex",    "exs",  "erl",   "hs",   "ml",  "mli",    "fs",  "clj",  "el",
      "lisp",  "scm",   "sql",  "cmake", "mk",   "vue", "svelte", "css", "scss", "less",
      "proto", "glsl",  "wgsl", "cu",    "v",    "vhd", NULL};
  if (!path) return DOC_TEXT;
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (strcasecmp(base, "Makefile") == 0 || strcasecmp(base, "CMakeLists.txt") == 0 ||
      strcasecmp(base, "Dockerfile") == 0)
    return DOC_CODE;
  const char *dot = strrchr(base, '.');
  if (!dot || dot == base) return DOC_TEXT;
  const char *ext = dot + 1;
  for (int i = 0; md[i]; i++)
    if (strcasecmp(ext, md[i]) == 0) return DOC_MARKDOWN;
  for (int i = 0; html[i]; i++)
    if (strcasecmp(ext, html[i]) == 0) return DOC_HTML;
  for (int i = 0; code[i]; i++)
    if (strcasecmp(ext, code[i]) == 0) return DOC_CODE;
  if (strcasecmp(ext, "docx") == 0) return DOC_DOCX;
  if (strcasecmp(ext, "odt") == 0) return DOC_ODT;
  if (strcasecmp(ext, "epub") == 0) return DOC_EPUB;
  if (strcasecmp(ext, "pdf") == 0) return DOC_PDF;
  return DOC_TEXT;
}

int extract_kind_is_document(doc_kind kind) {
  return kind == DOC_DOCX || kind == DOC_ODT || kind == DOC_EPUB || kind == DOC_PDF;
}

/* 1 little-endian, 2 big-endian, 0 no UTF-16 byte-order mark. */
static int ext_utf16_order(const char *src, size_t len) {
  if (len < 2) return 0;
  unsigned char a = (unsigned char)src[0], b = (unsigned char)src[1];
  return a == 0xFF && b == 0xFE ? 1 : a == 0xFE && b == 0xFF ? 2 : 0;
}

size_t extract_utf16_next(const char *src, size_t len, size_t at, uint32_t *cp) {
  const unsigned char *p = (const unsigned char *)src;
  int le = ext_utf16_order(src, len) == 1;
  if (at + 1 >= len) {
    *cp = 0xFFFD; /* an odd last byte */
    return at < len ? 1 : 0;
  }
  uint32_t c = le ? (uint32_t)(p[at] | p[at + 1] << 8) : (uint32_t)(p[at] << 8 | p[at + 1]);
  if (c >= 0xD800 && c <= 0xDBFF && at + 3 < len) {
    uint32_t d =
        le ? (uint32_t)(p[at + 2] | p[at + 3] << 8) : (uint32_t)(p[at + 2] << 8 | p[at + 3]);
    if (d >= 0xDC00 && d <= 0xDFFF) {
      *cp = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
      return 4;
    }
  }
  *cp = c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c; /* an unpaired surrogate */
  return 2;
}

size_t extract_utf8_len(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

int extract_utf16_decode(const char *src, size_t len, char **out, size_t *out_len) {
  if (!ext_utf16_order(src, len)) return 0;
  /* every 2 source bytes give at most 3 UTF-8 bytes (4 bytes: 4), an odd last byte 3 */
  char *o = malloc(len / 2 * 3 + 4);
  if (!o) return BRASS_ENOMEM;
  size_t k = 0, at = 2, step;
  uint32_t c;
  while ((step = extract_utf16_next(src, len, at, &c)) > 0) {
    at += step;
    if (c < 0x80) {
      o[k++] = (char)c;
    } else if (c < 0x800) {
      o[k++] = (char)(0xC0 | c >> 6);
      o[k++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      o[k++] = (char)(0xE0 | c >> 12);
      o[k++] = (char)(0x80 | (c >> 6 & 0x3F));
      o[k++] = (char)(0x80 | (c & 0x3F));
    } else {
      o[k++] = (char)(0xF0 | c >> 18);
      o[k++] = (char)(0x80 | (c >> 12 & 0x3F));
      o[k++] = (char)(0x80 | (c >> 6 & 0x3F));
      o[k++] = (char)(0x80 | (c & 0x3F));
    }
  }
  o[k] = '\0';
  *out = o;
  *out_len = k;
  return 1;
}

int extract_is_binary(const char *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  size_t n = len < 65536 ? len : 65536, bad = 0, i = 0;
  if (ext_utf16_order(data, len)) {
    for (i = 2; i + 1 < n; i += 2)
      if (!p[i] && !p[i + 1]) return 1;
    return 0;
  }
  if (memchr(p, 0, n)) return 1;
  while (i < n) {
    unsigned char c = p[i];
    size_t need;
    uint32_t min;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      need = 1, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3, min = 0x10000;
    } else {
      bad++, i++;
      continue;
    }
    if (i + need >= n && n < len) break; /* a sequence cut by the sample's end */
    uint32_t cp = c & (0x3F >> need);
    size_t k = 1;
    for (; k <= need && i + k < n && (p[i + k] & 0xC0) == 0x80; k++)
      cp = (cp << 6) | (p[i + k] & 0x3F);
    if (k <= need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      bad += k;
      i += k;
    } else {
      i += need + 1;
    }
  }
  return bad * 10 > n;
}
