/*
 * test_office.c - unit tests of the document extractors (src/text/extract_office.c) and what they
 * stand on: the XML scanner (xml.c: tokens, attributes, only predefined and numeric references
 * decoded, DOCTYPE internal subsets refused) and the bounded zip reader (zip.c: CRC mismatch,
 * an entry inflating past its declared size, the ratio limit, every truncation and random byte
 * flips of a small archive finish without a crash). Archives are built here by a minimal zip
 * writer (stored, or raw deflate through zlib); the end-to-end test with files written by pandoc
 * is tests/engine/test_documents.sh. The WebAssembly build runs it too (zlib from Debian source).
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "text/extract.h"
#include "text/xml.h"

#include <zlib.h>

#include "text/zip.h"

/* ---- a minimal zip writer ---- */
typedef struct zbuf {
  unsigned char *b;
  size_t n, cap;
} zbuf;

static void zput(zbuf *z, const void *p, size_t n) {
  if (z->n + n > z->cap) {
    z->cap = (z->n + n) * 2;
    z->b = realloc(z->b, z->cap);
  }
  memcpy(z->b + z->n, p, n);
  z->n += n;
}
static void z16(zbuf *z, unsigned v) {
  unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
  zput(z, b, 2);
}
static void z32(zbuf *z, uint32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  zput(z, b, 4);
}

typedef struct zentry {
  const char *name;
  const char *data;
  size_t len;       /* 0: strlen(data) */
  int deflate;      /* 1: raw deflate */
  long usize_delta; /* added to the declared uncompressed size */
} zentry;

/* Builds an archive of n entries into *out (malloc'd). */
static size_t zip_make(const zentry *e, int n, unsigned char **out) {
  zbuf z = {0}, cd = {0};
  for (int i = 0; i < n; i++) {
    size_t len = e[i].len ? e[i].len : strlen(e[i].data);
    unsigned char *c = (unsigned char *)e[i].data;
    size_t clen = len;
    if (e[i].deflate) {
      z_stream s;
      memset(&s, 0, sizeof s);
      deflateInit2(&s, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
      clen = deflateBound(&s, len);
      c = malloc(clen);
      s.next_in = (unsigned char *)e[i].data;
      s.avail_in = (uInt)len;
      s.next_out = c;
      s.avail_out = (uInt)clen;
      deflate(&s, Z_FINISH);
      clen = s.total_out;
      deflateEnd(&s);
    }
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)e[i].data, (uInt)len);
    uint32_t usize = (uint32_t)((long)len + e[i].usize_delta);
    size_t off = z.n, nl = strlen(e[i].name);
    z32(&z, 0x04034b50), z16(&z, 20), z16(&z, 0), z16(&z, e[i].deflate ? 8 : 0), z16(&z, 0);
    z16(&z, 0), z32(&z, crc), z32(&z, (uint32_t)clen), z32(&z, usize), z16(&z, (unsigned)nl);
    z16(&z, 0), zput(&z, e[i].name, nl), zput(&z, c, clen);
    z32(&cd, 0x02014b50), z16(&cd, 20), z16(&cd, 20), z16(&cd, 0);
    z16(&cd, e[i].deflate ? 8 : 0), z16(&cd, 0), z16(&cd, 0), z32(&cd, crc);
    z32(&cd, (uint32_t)clen), z32(&cd, usize), z16(&cd, (unsigned)nl), z16(&cd, 0), z16(&cd, 0);
    z16(&cd, 0), z16(&cd, 0), z32(&cd, 0), z32(&cd, (uint32_t)off), zput(&cd, e[i].name, nl);
    if (e[i].deflate) free(c);
  }
  size_t cd_off = z.n;
  zput(&z, cd.b, cd.n);
  z32(&z, 0x06054b50), z16(&z, 0), z16(&z, 0), z16(&z, (unsigned)n), z16(&z, (unsigned)n);
  z32(&z, (uint32_t)cd.n), z32(&z, (uint32_t)cd_off), z16(&z, 0);
  free(cd.b);
  *out = z.b;
  return z.n;
}

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

/* Extracts one archive of entries as kind; returns the extract_office result. */
static int office(const zentry *e, int n, doc_kind kind, extract_doc *d, brass_error *err) {
  unsigned char *z;
  size_t len = zip_make(e, n, &z);
  int rc = extract_office((const char *)z, len, kind, d, err);
  free(z);
  return rc;
}

static void test_xml(void) {
  const char *x =
      "<?xml version=\"1.0\"?><!DOCTYPE html><!-- c --><a:b k='v>w' n:id=\"7\">t&amp;"
      "<![CDATA[<raw>]]></a:b><e/>";
  xml_scanner s;
  xml_token t;
  xml_init(&s, x, strlen(x));
  CHECK(xml_next(&s, &t) == XML_OPEN && xml_is(&t, "b"));
  const char *v;
  size_t vn;
  CHECK(xml_attr(&t, "k", &v, &vn) && vn == 3 && memcmp(v, "v>w", 3) == 0);
  CHECK(xml_attr(&t, "id", &v, &vn) && vn == 1 && v[0] == '7');
  CHECK(!xml_attr(&t, "zz", &v, &vn));
  CHECK(xml_next(&s, &t) == XML_TEXT && t.text_len == 6 && !t.cdata);
  CHECK(xml_next(&s, &t) == XML_TEXT && t.cdata && t.text_len == 5);
  CHECK(xml_next(&s, &t) == XML_CLOSE && xml_is(&t, "b"));
  CHECK(xml_next(&s, &t) == XML_EMPTY && xml_is(&t, "e"));
  CHECK(xml_next(&s, &t) == XML_EOF);
  /* only predefined and numeric references; nothing else expands */
  const char *in = "&lt;&amp;amp;&#x41;&#66;&lol9;&#0;&#xD800;&";
  char out[64];
  size_t n = xml_decode(in, strlen(in), out);
  out[n] = '\0';
  CHECK_MSG(strcmp(out, "<&amp;AB&lol9;&#0;&#xD800;&") == 0, "%s", out);
  const char *dtd = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>";
  xml_init(&s, dtd, strlen(dtd));
  CHECK(xml_next(&s, &t) == XML_ERROR && s.error && strstr(s.error, "internal subset"));
  xml_init(&s, "<a b='", 6);
  CHECK(xml_next(&s, &t) == XML_ERROR);
}

static void test_docx(void) {
  const char *doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<w:document xmlns:w=\"w\"><w:body>"
      "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>Guide</w:t></w:r></w:p>"
      "<w:p><w:pPr><w:pStyle w:val=\"Heading2\"/><w:tabs><w:tab w:val=\"left\"/></w:tabs>"
      "</w:pPr><w:r><w:t>Set</w:t></w:r><w:r><w:t xml:space=\"preserve\">up </w:t></w:r></w:p>"
      "<w:p><w:r><w:t>Tom &amp; Jerry</w:t><w:tab/><w:t>run</w:t><w:br/><w:t>fast</w:t>"
      "<w:delText>gone</w:delText><w:instrText>PAGE</w:instrText></w:r></w:p>"
      "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p><w:p><w:r><w:t>b</w:t></w:r></w:p>"
      "</w:tc><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr>"
      "<w:tr><w:tc><w:p><w:r><w:t>d</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl>"
      "<w:p><w:pPr><w:outlineLvl w:val=\"0\"/></w:pPr><w:r><w:t>Next</w:t></w:r></w:p>"
      "<w:p><w:r><w:t>after</w:t></w:r></w:p>"
      "</w:body></w:document>";
  zentry e[] = {{"[Content_Types].xml", "<Types/>", 0, 0, 0}, {"word/document.xml", doc, 0, 1, 0}};
  extract_doc d;
  brass_error err;
  CHECK(office(e, 2, DOC_DOCX, &d, &err) == 0);
  CHECK_MSG(d.nblocks == 6, "%zu blocks", d.nblocks);
  if (d.nblocks == 6) {
    CHECK(d.blocks[0].kind == EXB_HEADING && strcmp(block_text(&d, 0), "Guide") == 0);
    CHECK(d.blocks[1].kind == EXB_HEADING && strcmp(block_text(&d, 1), "Setup") == 0);
    CHECK(strcmp(block_path(&d, 1), "Guide > Setup") == 0);
    CHECK_MSG(strcmp(block_text(&d, 2), "Tom & Jerry run\nfast") == 0, "%s", block_text(&d, 2));
    CHECK(d.blocks[3].kind == EXB_LIST);
    CHECK_MSG(strcmp(block_text(&d, 3), "a b | c\nd") == 0, "%s", block_text(&d, 3));
    CHECK(strcmp(block_path(&d, 3), "Guide > Setup") == 0);
    CHECK(d.blocks[4].kind == EXB_HEADING && strcmp(block_path(&d, 5), "Next") == 0);
  }
  CHECK(d.src == d.text && d.runs == NULL && d.text[d.len] == '\0');
  extract_doc_free(&d);
  /* missing part, DTD */
  zentry nodoc[] = {{"word/styles.xml", "<x/>", 0, 0, 0}};
  CHECK(office(nodoc, 1, DOC_DOCX, &d, &err) == BRASS_EFORMAT &&
        strstr(err.message, "no word/document.xml"));
  zentry lol[] = {{"word/document.xml",
                   "<!DOCTYPE d [<!ENTITY a \"x\"><!ENTITY b \"&a;&a;&a;&a;\">]><w:p><w:t>&b;</w:t>"
                   "</w:p>",
                   0, 1, 0}};
  CHECK(office(lol, 1, DOC_DOCX, &d, &err) == BRASS_EFORMAT && strstr(err.message, "DOCTYPE"));
}

static void test_odt(void) {
  const char *c =
      "<office:document-content><office:body><office:text>"
      "<text:h text:outline-level=\"1\">Intro</text:h><text:p>One<text:s text:c=\"3\"/>two"
      "<text:tab/>three<text:line-break/>four <text:span>five</text:span></text:p>"
      "<text:h text:outline-level=\"3\">Deep</text:h>"
      "<text:list><text:list-item><text:p>x1</text:p></text:list-item><text:list-item>"
      "<text:p>x2</text:p></text:list-item></text:list>"
      "<table:table><table:table-row><table:table-cell><text:p>p</text:p></table:table-cell>"
      "<table:table-cell><text:p>q</text:p></table:table-cell></table:table-row></table:table>"
      "</office:text></office:body></office:document-content>";
  zentry e[] = {{"mimetype", "application/vnd.oasis.opendocument.text", 0, 0, 0},
                {"content.xml", c, 0, 1, 0}};
  extract_doc d;
  brass_error err;
  CHECK(office(e, 2, DOC_ODT, &d, &err) == 0);
  CHECK_MSG(d.nblocks == 5, "%zu blocks", d.nblocks);
  if (d.nblocks == 5) {
    CHECK(strcmp(block_text(&d, 1), "One two three\nfour five") == 0);
    CHECK(strcmp(block_path(&d, 2), "Intro > Deep") == 0 && d.blocks[2].kind == EXB_HEADING);
    CHECK(d.blocks[3].kind == EXB_LIST && strcmp(block_text(&d, 3), "x1\nx2") == 0);
    CHECK(d.blocks[4].kind == EXB_LIST && strcmp(block_text(&d, 4), "p | q") == 0);
  }
  extract_doc_free(&d);
}

static void test_epub(void) {
  zentry e[] = {
      {"mimetype", "application/epub+zip", 0, 0, 0},
      {"META-INF/container.xml",
       "<container><rootfiles><rootfile full-path=\"OEBPS/content.opf\"/></rootfiles></container>",
       0, 1, 0},
      {"OEBPS/content.opf",
       "<package><manifest><item id=\"c2\" href=\"text/ch%202.xhtml\" "
       "media-type=\"application/xhtml+xml\"/><item id=\"c1\" href=\"text/./ch1.xhtml#top\" "
       "media-type=\"application/xhtml+xml\"/><item id=\"css\" href=\"s.css\" "
       "media-type=\"text/css\"/>"
       "<item id=\"gone\" href=\"missing.xhtml\" media-type=\"application/xhtml+xml\"/>"
       "</manifest><spine><itemref idref=\"c1\"/><itemref idref=\"gone\"/><itemref idref=\"c2\"/>"
       "<itemref idref=\"css\"/></spine></package>",
       0, 1, 0},
      {"OEBPS/text/ch1.xhtml",
       "<?xml version=\"1.0\"?><html><head><title>T</title></head><body><h1>One</h1><p>alpha</p>"
       "<h2>Sub</h2><p>beta</p></body></html>",
       0, 1, 0},
      {"OEBPS/text/ch 2.xhtml", "<html><body><h1>Two</h1><p>gamma</p></body></html>", 0, 0, 0},
      {"OEBPS/s.css", "p{}", 0, 0, 0}};
  extract_doc d;
  brass_error err;
  CHECK(office(e, 6, DOC_EPUB, &d, &err) == 0);
  CHECK_MSG(d.nblocks == 6, "%zu blocks", d.nblocks);
  if (d.nblocks == 6) {
    CHECK(strcmp(block_text(&d, 1), "alpha") == 0 && strcmp(block_path(&d, 1), "One") == 0);
    CHECK(strcmp(block_text(&d, 3), "beta") == 0 && strcmp(block_path(&d, 3), "One > Sub") == 0);
    CHECK(strcmp(block_text(&d, 5), "gamma") == 0 && strcmp(block_path(&d, 5), "Two") == 0);
  }
  extract_doc_free(&d);
  zentry nocont[] = {{"mimetype", "application/epub+zip", 0, 0, 0}};
  CHECK(office(nocont, 1, DOC_EPUB, &d, &err) == BRASS_EFORMAT &&
        strstr(err.message, "container.xml"));
}

static void test_zip_limits(void) {
  extract_doc d;
  brass_error err;
  const char *doc = "<w:p><w:t>hello world</w:t></w:p>";
  /* an entry that inflates past its declared size */
  zentry lie[] = {{"word/document.xml", doc, 0, 1, -5}};
  CHECK(office(lie, 1, DOC_DOCX, &d, &err) == BRASS_EFORMAT &&
        strstr(err.message, "more than its declared"));
  /* a stored entry whose bytes do not match its CRC */
  unsigned char *z;
  zentry st[] = {{"word/document.xml", doc, 0, 0, 0}};
  size_t n = zip_make(st, 1, &z);
  unsigned char *hit = memmem(z, n, "hello", 5);
  if (hit) hit[0] = 'j';
  CHECK(extract_office((const char *)z, n, DOC_DOCX, &d, &err) == BRASS_EFORMAT &&
        strstr(err.message, "CRC-32"));
  free(z);
  /* 2 MiB of zeros: a ratio far over the limit */
  size_t big = (size_t)2 << 20;
  char *zeros = calloc(1, big);
  zentry bomb[] = {{"word/document.xml", zeros, big, 1, 0}};
  CHECK(office(bomb, 1, DOC_DOCX, &d, &err) == BRASS_ERANGE &&
        strstr(err.message, "compression ratio"));
  free(zeros);
  /* every truncation and random byte flips of a valid archive: an answer, never a crash */
  zentry ok[] = {{"[Content_Types].xml", "<Types/>", 0, 1, 0},
                 {"word/document.xml",
                  "<w:document><w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>Head"
                  "</w:t></w:r></w:p><w:p><w:r><w:t>body text here</w:t></w:r></w:p></w:document>",
                  0, 1, 0}};
  n = zip_make(ok, 2, &z);
  CHECK(extract_office((const char *)z, n, DOC_DOCX, &d, &err) == 0 && d.nblocks == 2);
  extract_doc_free(&d);
  int fails = 0;
  for (size_t cut = 0; cut < n; cut++) {
    char *c = malloc(cut + 1);
    memcpy(c, z, cut);
    if (extract_office(c, cut, DOC_DOCX, &d, &err) == 0) fails++;
    extract_doc_free(&d);
    free(c);
  }
  CHECK_MSG(fails == 0, "%d truncations accepted", fails);
  unsigned x = 7;
  unsigned char *m = malloc(n);
  for (int it = 0; it < 3000; it++) {
    memcpy(m, z, n);
    for (int k = 0; k < 3; k++) {
      x = x * 1103515245u + 12345u;
      m[(x >> 8) % n] ^= (unsigned char)(1u << ((x >> 4) & 7));
    }
    if (extract_office((const char *)m, n, DOC_DOCX, &d, &err) == 0) extract_doc_free(&d);
  }
  free(m);
  free(z);
  CHECK(extract_kind_for_path("a/B.DOCX") == DOC_DOCX && extract_kind_for_path("x.odt") == DOC_ODT);
  CHECK(extract_kind_for_path("book.epub") == DOC_EPUB && extract_kind_is_document(DOC_EPUB));
  CHECK(!extract_kind_is_document(DOC_HTML));
}

int main(void) {
  test_xml();
  test_docx();
  test_odt();
  test_epub();
  test_zip_limits();
  CHECK_DONE();
}
