/*
 * extract_html.c - the HTML extractor: one left-to-right pass that drops tags, comments,
 * <script>/<style>/<noscript>/<template> (raw text up to the matching close tag), <head> and
 * <nav> (and elements marked role="navigation": breadcrumb bars and sidebars, as Sphinx writes
 * them), and heading permalinks (<a class="headerlink">, Sphinx's "¶"); decodes character
 * references (a named set plus &#N; / &#xH;, invalid ones stay as text); collapses whitespace
 * outside <pre>; turns block elements into paragraph breaks (a new block) and <br>/<li>/<tr> into
 * line breaks; h1-h6 give the heading path; <pre> becomes a code block, lists and tables list
 * blocks. Nesting is tracked with counters only (no element stack), so 100k nested tags cost
 * nothing, and '>' is found with a cached forward search so unclosed tags stay linear. Every output
 * byte maps back to its source bytes (extract_run).
 */
#include "text/extract.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/file.h"

typedef struct html_state {
  const char *src;
  size_t len;
  extract_doc *doc;
  extract_heads heads;
  char *out;
  size_t out_len, out_cap;
  int oom;
  /* the block being written */
  int block_open, block_kind, block_level;
  size_t block_start;
  int pending_nl, pending_space;
  size_t space_s, space_e; /* source span of the pending whitespace */
  /* element counters */
  int pre, list, nav, head, h_level, path;
  /* an open <dt> (definition term) and where its text starts */
  int dt_open;
  size_t dt_start;
  /* role="navigation" blocks: how many <div>s are open, and the depths at which such a block
   * opened (a short stack; deeper nesting of navigation blocks is counted but not closed early) */
  int divs, nav_divs;
  int nav_div_at[8];
  size_t gt;   /* position of the next '>' at or after the last search start */
  int gt_none; /* no '>' remains */
} html_state;

static int html_is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Appends n bytes mapped to source [s, s_end); verbatim bytes map one to one (s_end unused). */
static void html_emit(html_state *st, const char *bytes, size_t n, size_t s, size_t s_end,
                      int verbatim) {
  if (st->oom || n == 0) return;
  if (st->out_len + n > st->out_cap) {
    size_t cap = st->out_cap ? st->out_cap : 4096;
    while (cap < st->out_len + n) cap *= 2;
    char *o = realloc(st->out, cap);
    if (!o) {
      st->oom = 1;
      return;
    }
    st->out = o;
    st->out_cap = cap;
  }
  extract_doc *doc = st->doc;
  extract_run *last = doc->nruns ? &doc->runs[doc->nruns - 1] : NULL;
  if (!(verbatim && last && last->verbatim && last->s + (st->out_len - last->t) == s)) {
    if (doc->nruns == doc->runs_cap) {
      size_t cap = doc->runs_cap ? doc->runs_cap * 2 : 256;
      extract_run *r = realloc(doc->runs, cap * sizeof *r);
      if (!r) {
        st->oom = 1;
        return;
      }
      doc->runs = r;
      doc->runs_cap = cap;
    }
    doc->runs[doc->nruns++] = (extract_run){st->out_len, s, verbatim ? s + n : s_end, verbatim};
  }
  memcpy(st->out + st->out_len, bytes, n);
  st->out_len += n;
}

static int html_kind(const html_state *st) {
  if (st->h_level) return EXB_HEADING;
  if (st->pre) return EXB_CODE;
  if (st->list) return EXB_LIST;
  return EXB_PARA;
}

/* Ends the open block (a heading block sets the path first). */
static void html_boundary(html_state *st) {
  if (!st->block_open) return;
  st->block_open = 0;
  st->pending_nl = st->pending_space = 0;
  if (st->oom) return;
  int path = st->path;
  if (st->block_kind == EXB_HEADING) {
    int p = extract_heads_push(&st->heads, st->doc, st->block_level, st->out + st->block_start,
                               st->out_len - st->block_start);
    if (p < 0) {
      st->oom = 1;
      return;
    }
    st->path = path = p;
  }
  st->doc->text = st->out; /* extract_add_block reads the text */
  if (extract_add_block(st->doc, st->block_start, st->out_len, st->block_kind, path) < 0)
    st->oom = 1;
}

/* Called before visible text at source position p: opens a block, writes pending breaks. */
static void html_before_text(html_state *st, size_t p) {
  if (!st->block_open) {
    if (st->out_len) html_emit(st, "\n\n", 2, p, p, 0);
    st->block_open = 1;
    st->block_kind = html_kind(st);
    st->block_level = st->h_level;
    st->block_start = st->out_len;
    st->pending_nl = st->pending_space = 0;
  } else if (st->pending_nl) {
    html_emit(st, "\n", 1, p, p, 0);
  } else if (st->pending_space) {
    if (st->space_e - st->space_s == 1 && st->src[st->space_s] == ' ')
      html_emit(st, " ", 1, st->space_s, 0, 1);
    else
      html_emit(st, " ", 1, st->space_s, st->space_e, 0);
  }
  st->pending_nl = st->pending_space = 0;
}

typedef struct html_entity {
  const char *name;
  unsigned cp;
} html_entity;

static const html_entity html_entities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"copy", 0xA9},     {"reg", 0xAE},
    {"trade", 0x2122},  {"hellip", 0x2026}, {"mdash", 0x2014},  {"ndash", 0x2013},
    {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"ldquo", 0x201C},  {"rdquo", 0x201D},
    {"sbquo", 0x201A},  {"bdquo", 0x201E},  {"laquo", 0xAB},    {"raquo", 0xBB},
    {"bull", 0x2022},   {"middot", 0xB7},   {"deg", 0xB0},      {"plusmn", 0xB1},
    {"times", 0xD7},    {"divide", 0xF7},   {"euro", 0x20AC},   {"pound", 0xA3},
    {"yen", 0xA5},      {"cent", 0xA2},     {"sect", 0xA7},     {"para", 0xB6},
    {"shy", 0xAD},      {"iexcl", 0xA1},    {"iquest", 0xBF},   {"larr", 0x2190},
    {"rarr", 0x2192},   {"uarr", 0x2191},   {"darr", 0x2193},   {"harr", 0x2194},
    {"le", 0x2264},     {"ge", 0x2265},     {"ne", 0x2260},     {"asymp", 0x2248},
    {"infin", 0x221E},  {"minus", 0x2212},  {"prime", 0x2032},  {"Prime", 0x2033},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"ensp", 0x2002},
    {"emsp", 0x2003},   {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},
    {"eacute", 0xE9},   {"egrave", 0xE8},   {"ecirc", 0xEA},    {"euml", 0xEB},
    {"aacute", 0xE1},   {"agrave", 0xE0},   {"acirc", 0xE2},    {"auml", 0xE4},
    {"aring", 0xE5},    {"ccedil", 0xE7},   {"iacute", 0xED},   {"iuml", 0xEF},
    {"ntilde", 0xF1},   {"oacute", 0xF3},   {"ouml", 0xF6},     {"uacute", 0xFA},
    {"uuml", 0xFC},     {"szlig", 0xDF},    {"Auml", 0xC4},     {"Ouml", 0xD6},
    {"Uuml", 0xDC},     {"Eacute", 0xC9},   {"alpha", 0x3B1},   {"beta", 0x3B2},
    {"gamma", 0x3B3},   {"delta", 0x3B4},   {"pi", 0x3C0},      {"sigma", 0x3C3},
    {"mu", 0x3BC},      {"lambda", 0x3BB},  {"omega", 0x3C9},   {"sum", 0x2211},
    {"radic", 0x221A},  {"check", 0x2713},  {NULL, 0}};

static size_t html_utf8(unsigned cp, char *b) {
  if (cp < 0x80) return b[0] = (char)cp, 1;
  if (cp < 0x800) return b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), 2;
  if (cp < 0x10000) {
    b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes the character reference at src[p] == '&' into b; returns the bytes it spans in the
 * source (through ';'), or 0 if it is not a valid reference (then '&' is plain text). */
static size_t html_entity_at(const char *src, size_t len, size_t p, char *b, size_t *blen) {
  size_t i = p + 1;
  unsigned long cp = 0;
  if (i < len && src[i] == '#') {
    i++;
    int hex = i < len && (src[i] == 'x' || src[i] == 'X');
    if (hex) i++;
    size_t d0 = i;
    while (i < len && i - d0 < 8) {
      char c = src[i];
      unsigned v;
      if (c >= '0' && c <= '9')
        v = (unsigned)(c - '0');
      else if (hex && c >= 'a' && c <= 'f')
        v = (unsigned)(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F')
        v = (unsigned)(c - 'A' + 10);
      else
        break;
      cp = cp * (hex ? 16 : 10) + v;
      i++;
    }
    if (i == d0 || i >= len || src[i] != ';') return 0;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    *blen = html_utf8((unsigned)cp, b);
    return i + 1 - p;
  }
  size_t n0 = i;
  while (i < len && i - n0 < 10 &&
         ((src[i] >= 'a' && src[i] <= 'z') || (src[i] >= 'A' && src[i] <= 'Z') ||
          (src[i] >= '0' && src[i] <= '9')))
    i++;
  if (i == n0 || i >= len || src[i] != ';') return 0;
  for (const html_entity *e = html_entities; e->name; e++)
    if (strlen(e->name) == i - n0 && memcmp(e->name, src + n0, i - n0) == 0) {
      *blen = html_utf8(e->cp, b);
      return i + 1 - p;
    }
  return 0;
}

/* Writes the text src[p, q) (no tags in it). */
static void html_text(html_state *st, size_t p, size_t q) {
  const char *src = st->src;
  if (st->nav || st->head) {
    /* text in <head> (other than whitespace) means the body began without a <body> tag */
    size_t k = p;
    while (k < q && html_is_space((unsigned char)src[k])) k++;
    if (k == q || st->nav) return;
    st->head = 0;
  }
  while (p < q && !st->oom) {
    unsigned char c = (unsigned char)src[p];
    if (html_is_space(c) && !st->pre) {
      size_t e = p;
      while (e < q && html_is_space((unsigned char)src[e])) e++;
      if (st->block_open && !st->pending_nl && !st->pending_space) {
        st->pending_space = 1;
        st->space_s = p, st->space_e = e;
      }
      p = e;
    } else if (c == '&') {
      char b[4];
      size_t bl = 0, n = html_entity_at(src, st->len, p, b, &bl);
      html_before_text(st, p);
      if (n && n <= q - p) {
        html_emit(st, b, bl, p, p + n, 0);
        p += n;
      } else {
        html_emit(st, "&", 1, p, 0, 1);
        p++;
      }
    } else {
      size_t e = p + 1;
      while (e < q && src[e] != '&' && (st->pre || !html_is_space((unsigned char)src[e]))) e++;
      html_before_text(st, p);
      html_emit(st, src + p, e - p, p, 0, 1);
      p = e;
    }
  }
}

/* Position of the first '>' at or after from, or len. Searches only forward overall. */
static size_t html_find_gt(html_state *st, size_t from) {
  if (st->gt_none) return st->len;
  if (st->gt < from || st->src[st->gt] != '>') {
    const char *g = memchr(st->src + from, '>', st->len - from);
    if (!g) {
      st->gt_none = 1;
      return st->len;
    }
    st->gt = (size_t)(g - st->src);
  }
  return st->gt;
}

/* Position after the close tag </name ...> from p on (case-insensitive), or len. */
static size_t html_skip_raw(html_state *st, size_t p, const char *name, size_t nlen) {
  const char *src = st->src;
  while (p < st->len) {
    const char *lt = memchr(src + p, '<', st->len - p);
    if (!lt) return st->len;
    p = (size_t)(lt - src);
    if (p + 2 + nlen <= st->len && src[p + 1] == '/' && strncasecmp(src + p + 2, name, nlen) == 0) {
      size_t g = html_find_gt(st, p);
      return g < st->len ? g + 1 : st->len;
    }
    p++;
  }
  return st->len;
}

static int html_name_is(const char *name, const char *const *set) {
  for (int i = 0; set[i]; i++)
    if (strcmp(name, set[i]) == 0) return 1;
  return 0;
}

static const char *const html_par_tags[] = {
    "p",          "div",  "section", "article", "header",     "footer",  "main",    "aside",
    "blockquote", "hr",   "form",    "figure",  "figcaption", "address", "details", "summary",
    "fieldset",   "body", "html",    "center",  "dialog",     "caption", "hgroup",  "search",
    "ul",         "ol",   "dl",      "table",   "menu",       NULL};
static const char *const html_line_tags[] = {"br",     "li",    "tr",    "dt",    "dd",
                                             "option", "thead", "tbody", "tfoot", NULL};
static const char *const html_list_tags[] = {"ul", "ol", "dl", "table", "menu", NULL};
static const char *const html_raw_tags[] = {"script", "style",    "noscript", "template",
                                            "title",  "textarea", "xmp",      NULL};
static const char *const html_head_tags[] = {"meta",   "link",     "base",     "title", "style",
                                             "script", "noscript", "template", NULL};

/* Whether the attributes src[p, q) contain needle (ASCII, case-insensitive). */
static int html_attr_has(const char *src, size_t p, size_t q, const char *needle) {
  size_t n = strlen(needle);
  for (; p + n <= q; p++)
    if (strncasecmp(src + p, needle, n) == 0) return 1;
  return 0;
}

static int html_role_navigation(const char *src, size_t p, size_t q) {
  return html_attr_has(src, p, q, "role=\"navigation\"") ||
         html_attr_has(src, p, q, "role='navigation'") ||
         html_attr_has(src, p, q, "role=navigation");
}

/* Handles <div> and </div>: a div marked role="navigation" is skipped like <nav>. */
static void html_div(html_state *st, int close, size_t attrs, size_t gt) {
  if (!close) {
    if (html_role_navigation(st->src, attrs, gt)) {
      if (st->nav_divs < (int)(sizeof st->nav_div_at / sizeof st->nav_div_at[0]))
        st->nav_div_at[st->nav_divs++] = st->divs;
      st->nav++;
    }
    st->divs++;
    return;
  }
  if (st->divs > 0) st->divs--;
  if (st->nav_divs > 0 && st->nav_div_at[st->nav_divs - 1] == st->divs) {
    st->nav_divs--;
    if (st->nav > 0) st->nav--;
  }
}

/* <dt> opens a definition term; </dt>, <dd>, <dl>, </dl> or the next <dt> ends it (also when
 * </dt> is missing). Its text goes to doc->terms as well as to the body. */
static void html_term(html_state *st, const char *name, int close) {
  int dt = strcmp(name, "dt") == 0;
  if (!dt && strcmp(name, "dd") != 0 && strcmp(name, "dl") != 0) return;
  if (st->dt_open) {
    st->dt_open = 0;
    st->doc->text = st->out; /* extract_add_term reads the text */
    if (!st->oom && extract_add_term(st->doc, st->dt_start, st->out_len) < 0) st->oom = 1;
  }
  if (dt && !close) {
    st->dt_open = 1;
    st->dt_start = st->out_len;
  }
}

/* Handles tag <name attrs...> (close: </name>) ending at gt; returns the position after it. */
static size_t html_tag(html_state *st, const char *name, int close, size_t attrs, size_t gt) {
  size_t after = gt + 1;
  if (!close && strcmp(name, "a") == 0 && html_attr_has(st->src, attrs, gt, "headerlink")) {
    /* a heading's permalink ("¶"): skip it up to its </a> */
    size_t p = after;
    while (p < st->len) {
      const char *lt = memchr(st->src + p, '<', st->len - p);
      if (!lt) return st->len;
      p = (size_t)(lt - st->src);
      if (p + 3 < st->len && st->src[p + 1] == '/' && (st->src[p + 2] | 0x20) == 'a' &&
          (st->src[p + 3] == '>' || html_is_space((unsigned char)st->src[p + 3]))) {
        size_t g = html_find_gt(st, p);
        return g < st->len ? g + 1 : st->len;
      }
      p++;
    }
    return st->len;
  }
  if (name[0] == 'd') html_term(st, name, close);
  if (strcmp(name, "div") == 0) html_div(st, close, attrs, gt);
  if (!close && html_name_is(name, html_raw_tags)) {
    if (strcmp(name, "textarea") == 0 || strcmp(name, "xmp") == 0) return after;
    if (strcmp(name, "title") == 0 && !st->head) return after; /* a stray title: keep its text */
    return html_skip_raw(st, after, name, strlen(name));
  }
  if (strcmp(name, "head") == 0) {
    st->head = !close;
    return after;
  }
  if (st->head && !close && !html_name_is(name, html_head_tags)) st->head = 0;
  if (strcmp(name, "nav") == 0) {
    if (!close)
      st->nav++;
    else if (st->nav > 0)
      st->nav--;
    html_boundary(st);
    return after;
  }
  if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0') {
    html_boundary(st);
    st->h_level = close ? 0 : name[1] - '0';
    return after;
  }
  if (strcmp(name, "pre") == 0) {
    html_boundary(st);
    if (!close)
      st->pre++;
    else if (st->pre > 0)
      st->pre--;
    return after;
  }
  if (html_name_is(name, html_list_tags)) {
    if (close && st->list > 0) st->list--;
    if (st->list == 0)
      html_boundary(st);
    else if (st->block_open)
      st->pending_nl = 1;
    if (!close) st->list++;
    return after;
  }
  if (html_name_is(name, html_par_tags)) {
    if (st->list > 0 || st->pre > 0) { /* inside a list or pre: only a line break */
      if (st->block_open) st->pending_nl = 1;
    } else {
      html_boundary(st);
    }
    return after;
  }
  if (html_name_is(name, html_line_tags)) {
    if (st->block_open) st->pending_nl = 1;
    return after;
  }
  if ((strcmp(name, "td") == 0 || strcmp(name, "th") == 0) && st->block_open && !st->pending_nl) {
    st->pending_space = 1;
    st->space_s = st->space_e = gt;
  }
  return after;
}

int extract_html(const char *src, size_t len, extract_doc *doc, brass_error *err) {
  memset(doc, 0, sizeof *doc);
  doc->src = src;
  doc->src_len = len;
  html_state st = {.src = src, .len = len, .doc = doc, .path = -1};
  size_t p = file_bom_len(src, len);
  while (p < len && !st.oom) {
    const char *lt = memchr(src + p, '<', len - p);
    size_t q = lt ? (size_t)(lt - src) : len;
    html_text(&st, p, q);
    if (q >= len) break;
    p = q;
    /* src[p] == '<' */
    if (p + 3 < len && memcmp(src + p, "<!--", 4) == 0) {
      const char *e = memmem(src + p + 4, len - p - 4, "-->", 3);
      p = e ? (size_t)(e - src) + 3 : len;
      continue;
    }
    int close = p + 1 < len && src[p + 1] == '/';
    size_t ns = p + 1 + (size_t)close;
    int letter = ns < len && ((src[ns] | 0x20) >= 'a' && (src[ns] | 0x20) <= 'z');
    if (!letter && !(ns < len && (src[ns] == '!' || src[ns] == '?') && !close)) {
      html_text(&st, p, p + 1); /* a lone '<' is text */
      p++;
      continue;
    }
    size_t gt = html_find_gt(&st, p);
    if (gt >= len) { /* no '>' anywhere after: the rest is text */
      html_text(&st, p, len);
      break;
    }
    if (!letter) { /* <!DOCTYPE ...>, <?xml ...?> */
      p = gt + 1;
      continue;
    }
    char name[16];
    size_t k = 0;
    while (ns + k < gt && k < sizeof name - 1) {
      char c = src[ns + k];
      if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9')) break;
      name[k] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
      k++;
    }
    name[k] = '\0';
    p = html_tag(&st, name, close, ns + k, gt);
  }
  html_term(&st, "dl", 1);
  html_boundary(&st);
  extract_heads_free(&st.heads);
  doc->text = st.out;
  doc->owned_text = st.out;
  doc->len = st.out_len;
  if (!doc->text) doc->text = "";
  if (st.oom) {
    extract_doc_free(doc);
    return err_set(err, BRASS_ENOMEM, "extract: out of memory");
  }
  return 0;
}
