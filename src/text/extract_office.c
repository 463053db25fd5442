/*
 * extract_office.c - the DOCX, ODT and EPUB extractors: each opens the zip container (zip.h),
 * reads its XML with the entity-safe scanner (xml.h) and writes a new text whose blocks carry the
 * heading path. DOCX: word/document.xml paragraphs, headings from the pStyle Title/HeadingN or an
 * outline level, tables as list blocks (one line per row, cells joined by " | "). ODT:
 * content.xml text:h (outline-level) and text:p, lists and tables as list blocks. EPUB:
 * META-INF/container.xml -> the OPF package -> its spine's XHTML files in order, each through
 * the HTML extractor. The text is the document (no map back into the zip): byte and line ranges
 * of chunks are positions in this extracted text (docs/chunking.md). A file that is not a valid
 * document (not a zip, truncated, over a size or ratio limit, encrypted, a part missing, a DTD
 * internal subset) is an error naming the problem, never a hang or a large allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "text/extract.h"
#include "text/xml.h"
#include "text/zip.h"

enum { SEP_NONE = 0, SEP_SPACE, SEP_LINE, SEP_CELL };

/* The text being built: blocks open at the first visible character after ob_para. */
typedef struct ob {
  extract_doc *doc;
  extract_heads heads;
  char *out;
  size_t len, cap;
  int oom;
  int open, kind, level, path; /* the open block; the path in force */
  size_t start;
  int sep; /* separator owed before the next character of the open block */
  int want_kind, want_level;
  char *tmp; /* scratch for decoded character data */
  size_t tmp_cap;
} ob;

static int ob_reserve(ob *b, size_t n) {
  if (b->oom) return -1;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *o = realloc(b->out, cap);
    if (!o) return b->oom = 1, -1;
    b->out = o;
    b->cap = cap;
  }
  return 0;
}

static void ob_put(ob *b, const char *s, size_t n) {
  if (ob_reserve(b, n)) return;
  memcpy(b->out + b->len, s, n);
  b->len += n;
}

/* Ends the open block (a heading sets the path first). */
static void ob_close(ob *b) {
  if (!b->open) return;
  b->open = 0;
  b->sep = SEP_NONE;
  if (b->oom) return;
  if (b->kind == EXB_HEADING) {
    int p = extract_heads_push(&b->heads, b->doc, b->level, b->out + b->start, b->len - b->start);
    if (p < 0) {
      b->oom = 1;
      return;
    }
    b->path = p;
  }
  b->doc->text = b->out;
  if (extract_add_block(b->doc, b->start, b->len, b->kind, b->path) < 0) b->oom = 1;
}

/* Writes one visible byte run (no whitespace inside) of the current paragraph. */
static void ob_word(ob *b, const char *s, size_t n) {
  if (!b->open) {
    if (b->len) ob_put(b, "\n\n", 2);
    b->open = 1;
    b->kind = b->want_kind;
    b->level = b->want_level;
    b->start = b->len;
  } else if (b->sep == SEP_SPACE) {
    ob_put(b, " ", 1);
  } else if (b->sep == SEP_LINE) {
    ob_put(b, "\n", 1);
  } else if (b->sep == SEP_CELL) {
    ob_put(b, " | ", 3);
  }
  b->sep = SEP_NONE;
  ob_put(b, s, n);
}

static void ob_sep(ob *b, int sep) {
  if (b->open && sep > b->sep) b->sep = sep;
}

static int ob_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Character data (raw XML; cdata: not entity-encoded): decoded into the scratch buffer, then
 * written word by word with whitespace runs collapsed to one separator. */
static void ob_text(ob *b, const char *s, size_t n, int cdata) {
  if (b->oom) return;
  if (n > b->tmp_cap) {
    char *t = realloc(b->tmp, n);
    if (!t) {
      b->oom = 1;
      return;
    }
    b->tmp = t;
    b->tmp_cap = n;
  }
  size_t dn = n;
  if (cdata)
    memcpy(b->tmp, s, n);
  else
    dn = xml_decode(s, n, b->tmp);
  const char *t = b->tmp;
  for (size_t i = 0; i < dn;) {
    if (ob_space(t[i])) {
      while (i < dn && ob_space(t[i])) i++;
      ob_sep(b, SEP_SPACE);
      continue;
    }
    size_t j = i;
    while (j < dn && !ob_space(t[j])) j++;
    ob_word(b, t + i, j - i);
    i = j;
  }
}

/* Starts a paragraph: a new block outside containers (tables, lists); inside one, a line break
 * (or, inside a table cell, a space). */
static void ob_para(ob *b, int container, int in_cell, int kind, int level) {
  if (container) {
    ob_sep(b, in_cell ? SEP_SPACE : SEP_LINE);
    if (!b->open) b->want_kind = EXB_LIST, b->want_level = 0;
    return;
  }
  ob_close(b);
  b->want_kind = kind;
  b->want_level = level;
}

/* Parses a decimal attribute value (at most 3 digits); -1 when absent or not a number. */
static int ob_attr_int(const xml_token *t, const char *name) {
  const char *v;
  size_t n;
  if (!xml_attr(t, name, &v, &n) || n == 0 || n > 3) return -1;
  int x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    x = x * 10 + (v[i] - '0');
  }
  return x;
}

static int ob_xml_error(const xml_scanner *x, const char *what, const char *part,
                        brass_error *err) {
  return err_set(err, BRASS_EFORMAT, "%s: %s: %s", what, part, x->error);
}

/* ---- DOCX: word/document.xml ---- */
static int docx_walk(ob *b, const char *xml, size_t n, brass_error *err) {
  xml_scanner x;
  xml_init(&x, xml, n);
  xml_token t;
  int in_t = 0, tbl = 0, cell = 0, in_ppr = 0, level = 0;
  int ty;
  while ((ty = xml_next(&x, &t)) != XML_EOF && !b->oom) {
    if (ty == XML_ERROR) return ob_xml_error(&x, "docx", "word/document.xml", err);
    if (ty == XML_TEXT) {
      if (in_t) ob_text(b, t.text, t.text_len, t.cdata);
      continue;
    }
    int open = ty != XML_CLOSE, close = ty != XML_OPEN;
    if (xml_is(&t, "t")) {
      in_t = ty == XML_OPEN;
    } else if (xml_is(&t, "p")) {
      if (open) {
        level = 0;
        ob_para(b, tbl > 0, cell > 0, EXB_PARA, 0);
      }
      if (close && !tbl) ob_close(b);
    } else if (xml_is(&t, "pPr")) {
      in_ppr = ty == XML_OPEN;
    } else if (in_ppr && !tbl && open && (xml_is(&t, "pStyle") || xml_is(&t, "outlineLvl"))) {
      const char *v;
      size_t vn;
      if (!xml_attr(&t, "val", &v, &vn)) continue;
      if (xml_is(&t, "outlineLvl")) {
        int l = ob_attr_int(&t, "val");
        if (l >= 0 && l <= 8) level = l + 1;
      } else if (vn == 5 && strncasecmp(v, "Title", 5) == 0) {
        level = 1;
      } else if (vn == 8 && strncasecmp(v, "Heading", 7) == 0 && v[7] >= '1' && v[7] <= '9') {
        level = v[7] - '0';
      }
      if (level) b->want_kind = EXB_HEADING, b->want_level = level;
    } else if (xml_is(&t, "tab")) {
      if (!in_ppr) ob_sep(b, SEP_SPACE);
    } else if (xml_is(&t, "br") || xml_is(&t, "cr")) {
      ob_sep(b, SEP_LINE);
    } else if (xml_is(&t, "tbl")) {
      if (ty == XML_OPEN && tbl++ == 0) ob_para(b, 0, 0, EXB_LIST, 0);
      if (ty == XML_CLOSE && tbl > 0 && --tbl == 0) ob_close(b);
    } else if (xml_is(&t, "tr") && tbl) {
      if (ty == XML_OPEN) cell = 0;
      if (close) ob_sep(b, SEP_LINE);
    } else if (xml_is(&t, "tc") && tbl && open) {
      if (cell++ > 0) ob_sep(b, SEP_CELL);
    }
  }
  return 0;
}

/* ---- ODT: content.xml ---- */
static int odt_walk(ob *b, const char *xml, size_t n, brass_error *err) {
  xml_scanner x;
  xml_init(&x, xml, n);
  xml_token t;
  int par = 0, tbl = 0, list = 0, cell = 0;
  int ty;
  while ((ty = xml_next(&x, &t)) != XML_EOF && !b->oom) {
    if (ty == XML_ERROR) return ob_xml_error(&x, "odt", "content.xml", err);
    if (ty == XML_TEXT) {
      if (par > 0) ob_text(b, t.text, t.text_len, t.cdata);
      continue;
    }
    int open = ty != XML_CLOSE, close = ty != XML_OPEN;
    if (xml_is(&t, "h")) {
      if (open) {
        int l = ob_attr_int(&t, "outline-level");
        ob_para(b, 0, 0, EXB_HEADING, l >= 1 ? l : 1);
      }
      if (ty == XML_OPEN) par++;
      if (ty == XML_CLOSE && par > 0) par--;
      if (close) ob_close(b);
    } else if (xml_is(&t, "p")) {
      if (open) ob_para(b, tbl > 0 || list > 0, cell > 0, EXB_PARA, 0);
      if (ty == XML_OPEN) par++;
      if (ty == XML_CLOSE && par > 0) par--;
      if (close && !tbl && !list) ob_close(b);
    } else if (xml_is(&t, "s") || xml_is(&t, "tab")) {
      ob_sep(b, SEP_SPACE);
    } else if (xml_is(&t, "line-break")) {
      ob_sep(b, SEP_LINE);
    } else if (xml_is(&t, "list")) {
      if (ty == XML_OPEN && list++ == 0 && !tbl) ob_para(b, 0, 0, EXB_LIST, 0);
      if (ty == XML_CLOSE && list > 0 && --list == 0 && !tbl) ob_close(b);
    } else if (xml_is(&t, "table")) {
      if (ty == XML_OPEN && tbl++ == 0 && !list) ob_para(b, 0, 0, EXB_LIST, 0);
      if (ty == XML_CLOSE && tbl > 0 && --tbl == 0 && !list) ob_close(b);
    } else if (xml_is(&t, "table-row") && tbl) {
      if (ty == XML_OPEN) cell = 0;
      if (close) ob_sep(b, SEP_LINE);
    } else if (xml_is(&t, "table-cell") && tbl && open) {
      if (cell++ > 0) ob_sep(b, SEP_CELL);
    }
  }
  return 0;
}

/* ---- EPUB: container.xml -> OPF -> spine of XHTML files ---- */

/* Appends an extracted chapter (its text, blocks and heading paths) to the book. */
static void epub_append(ob *b, const extract_doc *ch) {
  ob_close(b);
  if (ch->nblocks == 0) return;
  if (b->len) ob_put(b, "\n\n", 2);
  size_t off = b->len;
  ob_put(b, ch->text, ch->len);
  size_t path0 = b->doc->npaths;
  for (size_t i = 0; i < ch->npaths && !b->oom; i++) {
    if (b->doc->npaths == b->doc->paths_cap) {
      size_t cap = b->doc->paths_cap ? b->doc->paths_cap * 2 : 16;
      char **np = realloc(b->doc->paths, cap * sizeof *np);
      if (!np) return (void)(b->oom = 1);
      b->doc->paths = np;
      b->doc->paths_cap = cap;
    }
    char *p = strdup(ch->paths[i]);
    if (!p) return (void)(b->oom = 1);
    b->doc->paths[b->doc->npaths++] = p;
  }
  if (b->oom) return;
  b->doc->text = b->out;
  for (size_t i = 0; i < ch->nblocks && !b->oom; i++) {
    const extract_block *k = &ch->blocks[i];
    int path = k->path >= 0 ? (int)path0 + k->path : -1;
    if (extract_add_block(b->doc, off + k->start, off + k->end, k->kind, path) < 0) b->oom = 1;
  }
}

static int epub_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The decoded attribute value (entities, then %XX escapes) into buf (cap bytes); 0 if absent
 * or too long. */
static int epub_attr(const xml_token *t, const char *name, char *buf, size_t cap) {
  const char *v;
  size_t n;
  if (!xml_attr(t, name, &v, &n) || n >= cap) return 0;
  size_t m = xml_decode(v, n, buf), o = 0;
  for (size_t i = 0; i < m; i++) {
    int h = i + 2 < m && buf[i] == '%' ? epub_hex(buf[i + 1]) : -1;
    int l = h >= 0 ? epub_hex(buf[i + 2]) : -1;
    if (l >= 0) {
      buf[o++] = (char)(h * 16 + l);
      i += 2;
    } else {
      buf[o++] = buf[i];
    }
  }
  buf[o] = '\0';
  return 1;
}

/* dir (ending in '/' or empty) joined with the relative href (fragment dropped, "." and ".."
 * resolved) into out (cap bytes). 0 if too long. */
static int epub_join(const char *dir, const char *href, char *out, size_t cap) {
  size_t n = 0;
  char tmp[1024];
  int w = snprintf(tmp, sizeof tmp, "%s%s", href[0] == '/' ? "" : dir, href + (href[0] == '/'));
  if (w < 0 || (size_t)w >= sizeof tmp || (size_t)w >= cap) return 0;
  char *hash = strchr(tmp, '#');
  if (hash) *hash = '\0';
  out[0] = '\0';
  for (char *seg = tmp, *next; seg; seg = next) {
    char *sl = strchr(seg, '/');
    next = sl ? sl + 1 : NULL;
    if (sl) *sl = '\0';
    if (seg[0] == '\0' || strcmp(seg, ".") == 0) continue;
    if (strcmp(seg, "..") == 0) {
      while (n > 0 && out[n - 1] != '/') n--;
      if (n > 0) n--;
      out[n] = '\0';
      continue;
    }
    size_t l = strlen(seg);
    if (n) out[n++] = '/';
    memcpy(out + n, seg, l);
    n += l;
    out[n] = '\0';
  }
  return 1;
}

typedef struct epub_item {
  char id[256], href[1024];
} epub_item;

static int epub_walk(ob *b, zip_archive *z, brass_error *err) {
  char *xml = NULL;
  size_t n = 0;
  int rc = zip_read(z, "META-INF/container.xml", &xml, &n, err);
  if (rc == 1) return err_set(err, BRASS_EFORMAT, "epub: no META-INF/container.xml (not an EPUB)");
  if (rc) return rc;
  xml_scanner x;
  xml_token t;
  char opf[1024] = "";
  xml_init(&x, xml, n);
  int ty;
  while ((ty = xml_next(&x, &t)) != XML_EOF && !opf[0])
    if (ty == XML_ERROR) {
      rc = ob_xml_error(&x, "epub", "META-INF/container.xml", err);
      break;
    } else if (ty != XML_CLOSE && xml_is(&t, "rootfile") &&
               !epub_attr(&t, "full-path", opf, sizeof opf)) {
      opf[0] = '\0';
    }
  free(xml);
  if (rc) return rc;
  if (!opf[0]) return err_set(err, BRASS_EFORMAT, "epub: container.xml names no package file");
  rc = zip_read(z, opf, &xml, &n, err);
  if (rc == 1) return err_set(err, BRASS_EFORMAT, "epub: package file %s is missing", opf);
  if (rc) return rc;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", opf);
  char *sl = strrchr(dir, '/');
  if (sl)
    sl[1] = '\0';
  else
    dir[0] = '\0';
  /* manifest items (id -> href of XHTML files), then the spine in order */
  epub_item *items = NULL;
  size_t nitems = 0, cap = 0, nspine = 0;
  xml_init(&x, xml, n);
  while (rc == 0 && (ty = xml_next(&x, &t)) != XML_EOF) {
    if (ty == XML_ERROR) {
      rc = ob_xml_error(&x, "epub", opf, err);
      break;
    }
    if (ty == XML_CLOSE) continue;
    if (xml_is(&t, "item")) {
      char mt[128];
      if (!epub_attr(&t, "media-type", mt, sizeof mt) ||
          (strcmp(mt, "application/xhtml+xml") != 0 && strcmp(mt, "text/html") != 0))
        continue;
      if (nitems == ZIP_MAX_ENTRIES) {
        rc = err_set(err, BRASS_ERANGE, "epub: %s: too many manifest items", opf);
        break;
      }
      if (nitems == cap) {
        cap = cap ? cap * 2 : 16;
        epub_item *ni = realloc(items, cap * sizeof *ni);
        if (!ni) {
          rc = err_set(err, BRASS_ENOMEM, "epub: out of memory");
          break;
        }
        items = ni;
      }
      char href[1024];
      epub_item *it = &items[nitems];
      if (epub_attr(&t, "id", it->id, sizeof it->id) && epub_attr(&t, "href", href, sizeof href) &&
          epub_join(dir, href, it->href, sizeof it->href))
        nitems++;
    } else if (xml_is(&t, "itemref")) {
      char idref[256];
      if (!epub_attr(&t, "idref", idref, sizeof idref)) continue;
      if (++nspine > ZIP_MAX_ENTRIES) {
        rc = err_set(err, BRASS_ERANGE, "epub: %s: too many spine items", opf);
        break;
      }
      for (size_t i = 0; i < nitems; i++) {
        if (strcmp(items[i].id, idref) != 0) continue;
        char *page = NULL;
        size_t plen = 0;
        int r = zip_read(z, items[i].href, &page, &plen, err);
        if (r < 0) {
          rc = r;
          break;
        }
        if (r == 1) break; /* a missing chapter: the rest of the book still counts */
        extract_doc ch;
        r = extract_html(page, plen, &ch, err);
        if (r == 0) {
          epub_append(b, &ch);
          extract_doc_free(&ch);
        }
        free(page);
        if (r) rc = r;
        break;
      }
    }
  }
  free(items);
  free(xml);
  if (!rc && nspine == 0) rc = err_set(err, BRASS_EFORMAT, "epub: %s has no spine", opf);
  return rc;
}

int extract_office(const char *src, size_t len, doc_kind kind, extract_doc *doc, brass_error *err) {
  memset(doc, 0, sizeof *doc);
  const char *what = kind == DOC_DOCX ? "docx" : kind == DOC_ODT ? "odt" : "epub";
  ob b = {.doc = doc, .path = -1, .want_kind = EXB_PARA};
  zip_archive z;
  int rc = zip_open(&z, src, len, what, err);
  if (!rc && kind == DOC_EPUB) {
    rc = epub_walk(&b, &z, err);
  } else if (!rc) {
    const char *part = kind == DOC_DOCX ? "word/document.xml" : "content.xml";
    char *xml = NULL;
    size_t n = 0;
    rc = zip_read(&z, part, &xml, &n, err);
    if (rc == 1)
      rc = err_set(err, BRASS_EFORMAT, "%s: no %s in the archive (not a %s document)", what, part,
                   kind == DOC_DOCX ? "Word" : "OpenDocument text");
    if (!rc) rc = kind == DOC_DOCX ? docx_walk(&b, xml, n, err) : odt_walk(&b, xml, n, err);
    free(xml);
  }
  ob_close(&b);
  extract_heads_free(&b.heads);
  free(b.tmp);
  if (!rc && b.oom) rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", what);
  if (!rc && ob_reserve(&b, 0) == 0) b.out[b.len] = '\0';
  if (b.oom && !rc) rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", what);
  if (rc) {
    free(b.out);
    extract_doc_free(doc);
    return rc;
  }
  doc->owned_text = b.out;
  doc->text = doc->src = b.out ? b.out : "";
  doc->len = doc->src_len = b.len;
  return 0;
}
