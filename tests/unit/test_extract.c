/*
 * test_extract.c - unit tests of the extractors (src/text/extract*.c): markdown blocks and heading
 * paths, fences (closed, unclosed, holding <script>), lists across blank lines, code blocks at
 * blank lines / closing braces / dedents, HTML text extraction (dropped elements, entities,
 * block breaks, <pre>, the text->source map), extension -> extractor, binary detection, a UTF-8
 * byte-order mark in every extractor, UTF-16 decoding, and pathological inputs that must finish
 * quickly.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "text/extract.h"

#include "base/file.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The text of block i as a NUL-terminated copy (static buffer). */
static const char *block_text(const extract_doc *d, size_t i) {
  static char buf[4096];
  size_t n = d->blocks[i].end - d->blocks[i].start;
  if (n >= sizeof buf) n = sizeof buf - 1;
  memcpy(buf, d->text + d->blocks[i].start, n);
  buf[n] = '\0';
  return buf;
}

static const char *block_path(const extract_doc *d, size_t i) {
  return d->blocks[i].path >= 0 ? d->paths[d->blocks[i].path] : "";
}

static void test_markdown(void) {
  const char *md =
      "Preamble text.\n"
      "\n"
      "# Install\n"
      "Intro line one\n"
      "line two\n"
      "\n"
      "## Linux ##\n"
      "- apt install brass\n"
      "- or build it\n"
      "\n"
      "  continued item\n"
      "\n"
      "```sh\n"
      "make <script>alert(1)</script>\n"
      "\n"
      "# not a heading\n"
      "```\n"
      "Setext Title\n"
      "============\n"
      "body\n"
      "\n"
      "---\n"
      "\n"
      "    indented code\n"
      "\n"
      "      more code\n"
      "after\n"
      "### Deep\n"
      "~~~~\n"
      "unclosed fence\n"
      "```\n";
  extract_doc d;
  brass_error err = {0};
  CHECK(extract_markdown(md, strlen(md), &d, &err) == 0);
  CHECK(d.text == md && d.runs == NULL);
  /* expected blocks, in order */
  struct {
    int kind;
    const char *text, *path;
  } want[] = {
      {EXB_PARA, "Preamble text.", ""},
      {EXB_HEADING, "# Install", "Install"},
      {EXB_PARA, "Intro line one\nline two", "Install"},
      {EXB_HEADING, "## Linux ##", "Install > Linux"},
      {EXB_LIST, "- apt install brass\n- or build it\n\n  continued item", "Install > Linux"},
      {EXB_CODE, "```sh\nmake <script>alert(1)</script>\n\n# not a heading\n```",
       "Install > Linux"},
      {EXB_HEADING, "Setext Title\n============", "Setext Title"},
      {EXB_PARA, "body", "Setext Title"},
      {EXB_PARA, "---", "Setext Title"},
      {EXB_CODE, "indented code\n\n      more code", "Setext Title"},
      {EXB_PARA, "after", "Setext Title"},
      {EXB_HEADING, "### Deep", "Setext Title > Deep"},
      {EXB_CODE, "~~~~\nunclosed fence\n```\n", "Setext Title > Deep"},
  };
  size_t nw = sizeof want / sizeof want[0];
  CHECK_MSG(d.nblocks == nw, "%zu blocks", d.nblocks);
  for (size_t i = 0; i < nw && i < d.nblocks; i++) {
    CHECK_MSG(d.blocks[i].kind == want[i].kind, "block %zu kind %d", i, d.blocks[i].kind);
    /* the unclosed fence runs to the end, trimmed */
    const char *wt = want[i].text;
    size_t wl = strlen(wt);
    while (wl && wt[wl - 1] == '\n') wl--;
    CHECK_MSG(strlen(block_text(&d, i)) == wl && memcmp(block_text(&d, i), wt, wl) == 0,
              "block %zu: [%s]", i, block_text(&d, i));
    CHECK_MSG(strcmp(block_path(&d, i), want[i].path) == 0, "block %zu path [%s]", i,
              block_path(&d, i));
  }
  extract_doc_free(&d);
}

static void test_code(void) {
  const char *c =
      "#include <stdio.h>\n"
      "int f(void) {\n"
      "  return 1;\n"
      "}\n"
      "int g(void) {\n"
      "  return 2;\n"
      "}\n"
      "\n"
      "def a():\n"
      "    return 1\n"
      "def b():\n"
      "    if x:\n"
      "        pass\n"
      "    else:\n"
      "        pass\n";
  extract_doc d;
  CHECK(extract_code(c, strlen(c), &d, NULL) == 0);
  const char *want[] = {"#include <stdio.h>\nint f(void) {\n  return 1;\n}",
                        "int g(void) {\n  return 2;\n}", "def a():\n    return 1",
                        "def b():\n    if x:\n        pass\n    else:\n        pass"};
  CHECK_MSG(d.nblocks == 4, "%zu blocks", d.nblocks);
  for (size_t i = 0; i < 4 && i < d.nblocks; i++) {
    CHECK_MSG(strcmp(block_text(&d, i), want[i]) == 0, "block %zu: [%s]", i, block_text(&d, i));
    CHECK(d.blocks[i].kind == EXB_CODE);
  }
  extract_doc_free(&d);
}

static void test_text(void) {
  const char *t = "First para. Still first.\n   \nSecond\r\npara.\n\n\n";
  extract_doc d;
  CHECK(extract_text(t, strlen(t), &d, NULL) == 0);
  CHECK(d.nblocks == 2);
  if (d.nblocks == 2) {
    CHECK(strcmp(block_text(&d, 0), "First para. Still first.") == 0);
    CHECK(strcmp(block_text(&d, 1), "Second\r\npara.") == 0);
  }
  extract_doc_free(&d);
  CHECK(extract_text("", 0, &d, NULL) == 0 && d.nblocks == 0);
  extract_doc_free(&d);
}

/* Checks that every byte of block i maps back into the source where the same bytes are (for
 * verbatim text) and that the block's source range is inside the source. */
static void check_map(const extract_doc *d) {
  for (size_t i = 0; i < d->nblocks; i++) {
    size_t s, e;
    extract_src_range(d, d->blocks[i].start, d->blocks[i].end, &s, &e);
    CHECK(s < e && e <= d->src_len);
    CHECK(s == 0 || d->src[s - 1] == '>' || d->src[s - 1] == ' ' || d->src[s - 1] == '\n' ||
          d->src[s - 1] == ';');
  }
}

static void test_html(void) {
  const char *h =
      "<!DOCTYPE html><html><head><title>Skip me</title><style>p{color:red}</style>\n"
      "<script>var x = '<p>no</p>';</script></head>\n"
      "<body><nav><a href=/>Home</a> <a>Menu</a></nav>\n"
      "<h1>Guide &amp; Notes</h1>\n"
      "<p>Fish &amp; chips &lt;b&gt; &quot;q&quot; &apos;a&apos; x&nbsp;y &#65;&#x42;&#X43; "
      "&bogus; &#xZZ; &#0; &#55296; AT&T &amp</p>\n"
      "<!-- a comment <p>hidden</p> -->\n"
      "<h2>Install</h2><div>Run   the\n   installer.</div>\n"
      "<ul><li>one</li><li>two <b>bold</b></li></ul>\n"
      "<pre><code>int  x;\n  y &lt; 2;</code></pre>\n"
      "<SCRIPT type=x>document.write('gone')</SCRIPT>\n"
      "<h2>Use</h2><p>a<br>b</p></body></html>";
  extract_doc d;
  brass_error err = {0};
  CHECK(extract_html(h, strlen(h), &d, &err) == 0);
  /* dropped content */
  CHECK(d.text && !memmem(d.text, d.len, "Skip", 4) && !memmem(d.text, d.len, "color", 5));
  CHECK(!memmem(d.text, d.len, "var x", 5) && !memmem(d.text, d.len, "Menu", 4));
  CHECK(!memmem(d.text, d.len, "hidden", 6) && !memmem(d.text, d.len, "gone", 4));
  CHECK(!memmem(d.text, d.len, "<", 1) || memmem(d.text, d.len, "<b>", 3));
  struct {
    int kind;
    const char *text, *path;
  } want[] = {
      {EXB_HEADING, "Guide & Notes", "Guide & Notes"},
      {EXB_PARA, "Fish & chips <b> \"q\" 'a' x\xC2\xA0y ABC &bogus; &#xZZ; &#0; &#55296; AT&T &amp",
       "Guide & Notes"},
      {EXB_HEADING, "Install", "Guide & Notes > Install"},
      {EXB_PARA, "Run the installer.", "Guide & Notes > Install"},
      {EXB_LIST, "one\ntwo bold", "Guide & Notes > Install"},
      {EXB_CODE, "int  x;\n  y < 2;", "Guide & Notes > Install"},
      {EXB_HEADING, "Use", "Guide & Notes > Use"},
      {EXB_PARA, "a\nb", "Guide & Notes > Use"},
  };
  size_t nw = sizeof want / sizeof want[0];
  CHECK_MSG(d.nblocks == nw, "%zu blocks", d.nblocks);
  for (size_t i = 0; i < nw && i < d.nblocks; i++) {
    CHECK_MSG(d.blocks[i].kind == want[i].kind, "block %zu kind %d", i, d.blocks[i].kind);
    CHECK_MSG(strcmp(block_text(&d, i), want[i].text) == 0, "block %zu: [%s]", i,
              block_text(&d, i));
    CHECK_MSG(strcmp(block_path(&d, i), want[i].path) == 0, "block %zu path [%s]", i,
              block_path(&d, i));
  }
  check_map(&d);
  /* the map: "Run the installer." starts at "Run" and ends after "installer." in the source */
  if (d.nblocks > 3) {
    size_t s, e;
    extract_src_range(&d, d.blocks[3].start, d.blocks[3].end, &s, &e);
    CHECK(memcmp(h + s, "Run   the\n   installer.", e - s) == 0 && e - s == 23);
    /* the entity paragraph starts at "Fish" and ends after the final "&amp" */
    extract_src_range(&d, d.blocks[1].start, d.blocks[1].end, &s, &e);
    CHECK(memcmp(h + s, "Fish &amp;", 10) == 0 && memcmp(h + e - 6, "T &amp</", 8) == 0);
    /* "&amp;" in "Fish &amp; chips" maps to its 5 source bytes */
    size_t amp = d.blocks[1].start + 5;
    extract_src_range(&d, amp, amp + 1, &s, &e);
    CHECK(e - s == 5 && memcmp(h + s, "&amp;", 5) == 0);
  }
  extract_doc_free(&d);

  /* unclosed things */
  const char *u = "<p>text <b>bold <i never closed";
  CHECK(extract_html(u, strlen(u), &d, NULL) == 0);
  CHECK(d.nblocks == 1 && strcmp(block_text(&d, 0), "text bold <i never closed") == 0);
  extract_doc_free(&d);
  const char *u2 = "<p>before<script>never closed <p>x";
  CHECK(extract_html(u2, strlen(u2), &d, NULL) == 0);
  CHECK(d.nblocks == 1 && strcmp(block_text(&d, 0), "before") == 0);
  extract_doc_free(&d);
  const char *u3 = "a < b and c<3 <!-- open comment";
  CHECK(extract_html(u3, strlen(u3), &d, NULL) == 0);
  CHECK(d.nblocks == 1 && strcmp(block_text(&d, 0), "a < b and c<3") == 0);
  extract_doc_free(&d);
  /* a body without <body>: text after an unclosed head is kept */
  const char *u4 = "<head><meta charset=utf-8>Body text here";
  CHECK(extract_html(u4, strlen(u4), &d, NULL) == 0);
  CHECK(d.nblocks == 1 && strcmp(block_text(&d, 0), "Body text here") == 0);
  extract_doc_free(&d);
}

/* Sphinx-style pages: navigation blocks marked with role="navigation" (nested divs inside)
 * and heading permalinks are dropped; the content div after them is kept. */
static void test_html_sphinx(void) {
  const char *h =
      "<body><div class=\"related\" role=\"navigation\"><div><ul><li>Previous topic "
      "<a>glob</a></li></ul></div></div>\n"
      "<div class=body><h1>tempfile<a class=\"headerlink\" href=\"#t\">\xC2\xB6</a></h1>"
      "<div><p>Temporary files.</p></div></div>\n"
      "<DIV ROLE='navigation'>Next topic</DIV><div><p>After.</p></div></body>";
  extract_doc d;
  brass_error err = {0};
  CHECK(extract_html(h, strlen(h), &d, &err) == 0);
  CHECK(!memmem(d.text, d.len, "Previous", 8) && !memmem(d.text, d.len, "glob", 4));
  CHECK(!memmem(d.text, d.len, "Next topic", 10) && !memmem(d.text, d.len, "\xC2\xB6", 2));
  CHECK(memmem(d.text, d.len, "Temporary files.", 16) && memmem(d.text, d.len, "After.", 6));
  CHECK_MSG(d.nblocks == 3, "%zu blocks", d.nblocks);
  if (d.nblocks == 3) {
    CHECK(strcmp(block_text(&d, 0), "tempfile") == 0);
    CHECK(strcmp(block_path(&d, 1), "tempfile") == 0);
    CHECK(strcmp(block_text(&d, 2), "After.") == 0);
  }
  check_map(&d);
  extract_doc_free(&d);
}

/* The text of term i (static buffer). */
static const char *term_text(const extract_doc *d, size_t i) {
  static char buf[256];
  size_t n = d->terms[i].end - d->terms[i].start;
  if (n >= sizeof buf) n = sizeof buf - 1;
  memcpy(buf, d->text + d->terms[i].start, n);
  buf[n] = '\0';
  return buf;
}

/* Definition terms (<dt>): Sphinx's signatures without the permalink, ended by </dt>, <dd>, the
 * next <dt> or </dl> when </dt> is missing; the text stays in the body too; none in navigation. */
static void test_html_terms(void) {
  const char *h =
      "<nav><dl><dt>menu</dt></dl></nav><h1>m</h1><dl class=\"py function\">\n"
      "<dt class=\"sig\" id=\"m.f\"><span>m.</span><span>f</span>(<em>x</em>)"
      "<a class=\"headerlink\" href=\"#m.f\">\xC2\xB6</a></dt>\n<dd><p>Does f.</p></dd>"
      "<DT>  alpha <dd>first</dd><dt>beta<dt>gamma\n</dl><p>after</p><dl><dt></dt><dt>delta";
  extract_doc d;
  CHECK(extract_html(h, strlen(h), &d, NULL) == 0);
  CHECK_MSG(d.nterms == 5, "%zu terms", d.nterms);
  const char *want[] = {"m.f(x)", "alpha", "beta", "gamma", "delta"};
  for (size_t i = 0; i < d.nterms && i < 5; i++)
    CHECK_MSG(strcmp(term_text(&d, i), want[i]) == 0, "term %zu: [%s]", i, term_text(&d, i));
  CHECK(memmem(d.text, d.len, "m.f(x)", 6) && !memmem(d.text, d.len, "menu", 4));
  check_map(&d);
  extract_doc_free(&d);
}

static void test_kind_and_binary(void) {
  CHECK(extract_kind_for_path("a/README.md") == DOC_MARKDOWN);
  CHECK(extract_kind_for_path("x.MarkDown") == DOC_MARKDOWN);
  CHECK(extract_kind_for_path("index.HTM") == DOC_HTML);
  CHECK(extract_kind_for_path("p.html") == DOC_HTML);
  CHECK(extract_kind_for_path("src/a.c") == DOC_CODE);
  CHECK(extract_kind_for_path("a.py") == DOC_CODE && extract_kind_for_path("a.rs") == DOC_CODE);
  CHECK(extract_kind_for_path("a.go") == DOC_CODE && extract_kind_for_path("run.sh") == DOC_CODE);
  CHECK(extract_kind_for_path("Makefile") == DOC_CODE);
  CHECK(extract_kind_for_path("notes.txt") == DOC_TEXT);
  CHECK(extract_kind_for_path("LICENSE") == DOC_TEXT);
  CHECK(extract_kind_for_path(".bashrc") == DOC_TEXT);
  CHECK(extract_kind_for_path("dir.md/file") == DOC_TEXT);

  CHECK(extract_is_binary("", 0) == 0);
  CHECK(extract_is_binary("hello\nworld\n", 12) == 0);
  CHECK(extract_is_binary("caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87", 12) == 0);
  CHECK(extract_is_binary("ab\0cd", 5) == 1);
  /* Latin-1 text: a few invalid bytes among many ASCII ones is still text */
  const char *latin1 = "caf\xE9 au lait, tr\xE8s bien, merci beaucoup";
  CHECK(extract_is_binary(latin1, strlen(latin1)) == 0);
  static unsigned char noise[4096];
  unsigned x = 12345;
  for (size_t i = 0; i < sizeof noise; i++) {
    x = x * 1103515245u + 12345u;
    noise[i] = (unsigned char)(0x80 | (x >> 16));
  }
  CHECK(extract_is_binary((const char *)noise, sizeof noise) == 1);
  /* a UTF-8 sequence cut at the 64 KiB sample edge does not count */
  size_t n = 65536 + 10;
  char *big = malloc(n);
  memset(big, 'a', n);
  memcpy(big + 65535, "\xE4\xB8\xAD", 3);
  CHECK(extract_is_binary(big, n) == 0);
  free(big);
}

static void test_pathological(void) {
  extract_doc d;
  /* 100k nested tags, 10 MB of one line, an unclosed tag per byte, a 10 MB single line of md */
  size_t depth = 100000;
  size_t n = depth * 11 + 16;
  char *h = malloc(n);
  size_t p = 0;
  for (size_t i = 0; i < depth; i++) memcpy(h + p, i % 2 ? "<div>" : "<b  >", 5), p += 5;
  memcpy(h + p, "deep", 4), p += 4;
  for (size_t i = 0; i < depth; i++) memcpy(h + p, i % 2 ? "</div>" : "</b  >", 6), p += 6;
  double t0 = now_s();
  CHECK(extract_html(h, p, &d, NULL) == 0);
  CHECK(d.nblocks == 1 && strcmp(block_text(&d, 0), "deep") == 0);
  extract_doc_free(&d);
  free(h);

  size_t big = 10u << 20;
  char *s = malloc(big);
  for (size_t i = 0; i < big; i++) s[i] = "<<a&#x&amp;< > \xFF"[i % 17];
  CHECK(extract_html(s, big, &d, NULL) == 0);
  extract_doc_free(&d);
  for (size_t i = 0; i < big; i++) s[i] = "word <i "[i % 8]; /* no '>' at all */
  CHECK(extract_html(s, big, &d, NULL) == 0 && d.nblocks == 1);
  extract_doc_free(&d);
  for (size_t i = 0; i < big; i++) s[i] = "# `~x- "[i % 7];
  CHECK(extract_markdown(s, big, &d, NULL) == 0);
  extract_doc_free(&d);
  memset(s, '\n', big);
  CHECK(extract_markdown(s, big, &d, NULL) == 0 && d.nblocks == 0);
  extract_doc_free(&d);
  CHECK(extract_code(s, big, &d, NULL) == 0 && d.nblocks == 0);
  extract_doc_free(&d);
  free(s);
  double dt = now_s() - t0;
  CHECK_MSG(dt < 20.0, "pathological inputs took %.2f s", dt);
  printf("pathological extraction: %.2f s\n", dt);
}

/* A UTF-8 byte-order mark: every extractor starts after it, so the markdown heading is found and
 * no block of any extractor starts with (or holds) the mark. */
static void test_bom(void) {
  static const struct {
    doc_kind kind;
    const char *src, *first, *path;
  } cases[] = {
      {DOC_MARKDOWN, "\xEF\xBB\xBF# Bom Head\n\nbody words\n", "# Bom Head", "Bom Head"},
      {DOC_MARKDOWN, "\xEF\xBB\xBFSetext\n===\n\nbody\n", "Setext\n===", "Setext"},
      {DOC_HTML, "\xEF\xBB\xBF<h1>Html Head</h1><p>body</p>", "Html Head", "Html Head"},
      {DOC_HTML, "\xEF\xBB\xBFplain start<p>x</p>", "plain start", ""},
      {DOC_CODE, "\xEF\xBB\xBF#!/bin/sh\necho hi\n", "#!/bin/sh\necho hi", ""},
      {DOC_TEXT,
       "\xEF\xBB\xBF"
       "First paragraph.\n\nSecond.\n",
       "First paragraph.", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    extract_doc d;
    brass_error err;
    CHECK(extract_document(cases[i].src, strlen(cases[i].src), cases[i].kind, &d, &err) == 0);
    CHECK_MSG(d.nblocks >= 1, "case %zu: no blocks", i);
    if (d.nblocks >= 1) {
      CHECK_MSG(!strcmp(block_text(&d, 0), cases[i].first), "case %zu: first block '%s'", i,
                block_text(&d, 0));
      CHECK_MSG(!strcmp(block_path(&d, d.nblocks - 1), cases[i].path), "case %zu: path '%s'", i,
                block_path(&d, d.nblocks - 1));
    }
    for (size_t b = 0; b < d.nblocks; b++)
      CHECK_MSG(!memmem(d.text + d.blocks[b].start, d.blocks[b].end - d.blocks[b].start,
                        "\xEF\xBB\xBF", 3),
                "case %zu: block %zu holds the byte-order mark", i, b);
    extract_doc_free(&d);
  }
  CHECK(file_bom_len("\xEF\xBB", 2) == 0 && file_bom_len("\xEF\xBB\xBF", 3) == 3);
}

/* UTF-16 with a byte-order mark (either order) is text, decoded to UTF-8 without the mark, with
 * surrogate pairs joined and lone surrogates / an odd last byte read as U+FFFD. */
static void test_utf16(void) {
  /* "# Hé\n😀" little-endian, then an unpaired high surrogate and an odd byte */
  static const char le[] = "\xFF\xFE#\0 \0H\0\xE9\0\n\0\x3D\xD8\x00\xDE\x3D\xD8!\0\x41";
  static const char be[] = "\xFE\xFF\0#\0 \0H\0\xE9\0\n\xD8\x3D\xDE\x00";
  char *out = NULL;
  size_t n = 0;
  CHECK(extract_utf16_decode(le, sizeof le - 1, &out, &n) == 1);
  const char *want_le = "# H\xC3\xA9\n\xF0\x9F\x98\x80\xEF\xBF\xBD!\xEF\xBF\xBD";
  CHECK_MSG(out && n == strlen(want_le) && !memcmp(out, want_le, n), "LE decoded to %zu bytes", n);
  free(out);
  CHECK(extract_utf16_decode(be, sizeof be - 1, &out, &n) == 1);
  const char *want_be = "# H\xC3\xA9\n\xF0\x9F\x98\x80";
  CHECK_MSG(out && n == strlen(want_be) && !memcmp(out, want_be, n), "BE decoded to %zu bytes", n);
  free(out);
  CHECK(extract_utf16_decode("plain", 5, &out, &n) == 0);
  CHECK(!extract_is_binary(le, sizeof le - 1) && !extract_is_binary(be, sizeof be - 1));
  CHECK(
      extract_is_binary("\xFF\xFE"
                        "a\0\0\0b\0",
                        8));             /* a NUL code unit: binary */
  CHECK(extract_is_binary("a\0b\0", 4)); /* UTF-16 without a mark: binary */
}

int main(void) {
  test_bom();
  test_utf16();
  test_markdown();
  test_code();
  test_text();
  test_html();
  test_html_sphinx();
  test_html_terms();
  test_kind_and_binary();
  test_pathological();
  CHECK_DONE();
}
