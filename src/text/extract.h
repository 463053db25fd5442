/*
 * extract.h - turning a file's bytes into clean text with structure, before chunking.
 *
 * Every extractor (markdown, HTML, source code, plain text) fills the same extract_doc: a text
 * (for markdown, code and plain text the original bytes themselves; for HTML a new buffer of
 * decoded, whitespace-collapsed text), a map from text positions back to source positions
 * (NULL = identity), and a list of blocks in text order. A block is a paragraph, heading, code
 * block or list/table; it carries the heading path in force ("Install > Linux"). The chunker
 * (chunk.h) cuts blocks into chunks; it never looks at the syntax again.
 *
 * All extractors run in linear time and memory over any bytes (invalid UTF-8, unclosed fences
 * or tags, deep nesting, megabyte lines): they keep counters, not stacks.
 * The helpers shared by all extractors (doc building, path map, binary test) live in
 * extract_text.c.
 */
#ifndef BRASS_TEXT_EXTRACT_H
#define BRASS_TEXT_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "brass.h"

/* DOC_DOCX, DOC_ODT and DOC_EPUB are zip containers (extract_office.c): their text is new and
 * has no map back into the file; chunk ranges are positions in that text. */
typedef enum doc_kind {
  DOC_TEXT = 0,
  DOC_MARKDOWN,
  DOC_HTML,
  DOC_CODE,
  DOC_DOCX,
  DOC_ODT,
  DOC_EPUB,
  DOC_PDF /* text by page (extract_pdf.c); blocks carry the path "page N" */
} doc_kind;

typedef enum extract_block_kind {
  EXB_PARA = 0, /* prose: split by sentences when too long */
  EXB_HEADING,  /* a heading line: starts a new section (and chunk) */
  EXB_CODE,     /* fenced/pre code or a source-code block: kept whole if it fits, else by lines */
  EXB_LIST      /* list or table: kept whole if it fits, else by lines */
} extract_block_kind;

typedef struct extract_block {
  size_t start, end; /* [start, end) in doc->text, trimmed of surrounding whitespace */
  int kind;          /* extract_block_kind */
  int path;          /* index in doc->paths of the heading path in force, -1 = none */
} extract_block;

/* One stretch of the text map: text bytes [t, next run's t) come from the source at s. A verbatim
 * run maps byte for byte (s + i); an atomic run (decoded entity, synthetic break) maps every byte
 * to the whole source span [s, s_end). */
typedef struct extract_run {
  size_t t, s, s_end;
  int verbatim;
} extract_run;

/* A definition term (HTML <dt>: Sphinx's API signatures, glossary words): [start, end) in
 * doc->text, trimmed of surrounding whitespace. */
typedef struct extract_span {
  size_t start, end;
} extract_span;

typedef struct extract_doc {
  const char *src; /* the original bytes (borrowed) */
  size_t src_len;
  const char *text; /* == src, or owned_text */
  size_t len;
  char *owned_text;
  extract_run *runs; /* NULL = text is src */
  size_t nruns, runs_cap;
  extract_block *blocks;
  size_t nblocks, blocks_cap;
  char **paths; /* heading paths, "A > B", owned */
  size_t npaths, paths_cap;
  extract_span *terms; /* definition terms in text order (HTML only; the chunker gives each chunk
                          the terms that start in it, a search field: see chunk.h) */
  size_t nterms, terms_cap;
} extract_doc;

/* Fills doc (which the caller zeroes or that was freed) from len bytes of src, which must stay
 * alive as long as doc. Return 0 or BRASS_ENOMEM (err names "extract"). On failure doc is freed. */
int extract_markdown(const char *src, size_t len, extract_doc *doc, brass_error *err);
int extract_html(const char *src, size_t len, extract_doc *doc, brass_error *err);
int extract_code(const char *src, size_t len, extract_doc *doc, brass_error *err);
int extract_text(const char *src, size_t len, extract_doc *doc, brass_error *err);
/* DOCX/ODT/EPUB (kind): unlike the others this fails on bad input: BRASS_EFORMAT (not a zip,
 * truncated, a part missing, a DTD internal subset), BRASS_ERANGE (over a size, count or ratio
 * limit: zip bombs), BRASS_EUNSUPPORTED (encrypted, ZIP64, multi-part, other compression
 * methods), BRASS_ENOMEM, with err naming the kind and the problem ("docx: word/document.xml:
 * ..."). The text is owned and is also doc->src (runs NULL). */
int extract_office(const char *src, size_t len, doc_kind kind, extract_doc *doc, brass_error *err);
/* PDF (extract_pdf.c), for files and for the crawler's application/pdf responses: the text of
 * each page, its blocks under the heading path "page N" (so no chunk spans two pages; results
 * name the page). src is either a PDF (read with poppler-glib when the build has it: see
 * brass_pdf_support) or text already extracted page by page (the browser's pdf.js does that):
 * EXTRACT_PAGES_MAGIC, then the pages' UTF-8 text separated by form feeds (the producers here
 * write "\f\n", so that each page starts a line; line ranges count lines of this text). Fails like
 * extract_office: BRASS_EFORMAT (no %PDF- header, damaged), BRASS_EUNSUPPORTED (encrypted with a
 * password; or a PDF in a build without poppler: "pdf: support not built in (configure with
 * poppler-glib)"), BRASS_ERANGE (over EXTRACT_PDF_MAX_PAGES pages, EXTRACT_PDF_MAX_TEXT bytes of
 * text or EXTRACT_PDF_MAX_SECONDS), BRASS_ENOMEM; err names "pdf" and the problem. */
#define EXTRACT_PAGES_MAGIC "%brass-pages 1\n"
/* What pdf.js could not read arrives as EXTRACT_PAGES_ERROR and one line saying why: it fails
 * with BRASS_EFORMAT and "pdf: " and that line (at most 300 bytes). */
#define EXTRACT_PAGES_ERROR "%brass-pages-error "
#define EXTRACT_PDF_MAX_PAGES 10000
#define EXTRACT_PDF_MAX_TEXT (64u << 20)
#define EXTRACT_PDF_MAX_SECONDS 60           /* $BRASS_PDF_SECONDS changes it (natively) */
#define EXTRACT_PDF_MAX_MEMORY (1024u << 20) /* address space poppler's process may add */
int extract_pdf(const char *src, size_t len, extract_doc *doc, brass_error *err);
/* 1 for the document kinds (zip containers and PDF; never tested with extract_is_binary). */
int extract_kind_is_document(doc_kind kind);
/* Runs the extractor for kind. */
int extract_document(const char *src, size_t len, doc_kind kind, extract_doc *doc,
                     brass_error *err);
void extract_doc_free(extract_doc *doc);

/* The source byte range [*s, *e) that text bytes [ts, te) (ts < te) came from. */
void extract_src_range(const extract_doc *doc, size_t ts, size_t te, size_t *s, size_t *e);

/* The extractor for a file name, by extension (case-insensitive): .md/.markdown/.mdx -> markdown,
 * .html/.htm/.xhtml -> HTML, common source extensions -> code, .docx/.odt/.epub/.pdf ->
 * those documents, anything else -> plain text. */
doc_kind extract_kind_for_path(const char *path);

/* 1 if data looks binary: a NUL byte in the first 64 KiB, or more than 10% of its bytes in
 * invalid UTF-8 sequences (so the crawler can skip it); 0 for text (empty included). UTF-16 with
 * a byte-order mark is text unless a NUL code unit appears in its first 64 KiB. */
int extract_is_binary(const char *data, size_t len);

/* ---- byte-order marks (extract_text.c) ---- */
/* Every extractor starts after a UTF-8 byte-order mark (file_bom_len), so that it can neither
 * hide a first heading nor lead a snippet. */
/* A file that starts with a UTF-16 byte-order mark (FF FE little-endian, FE FF big-endian) is
 * UTF-16 text: decoded into a new UTF-8 buffer *out (NUL-terminated, *out_len bytes, the mark
 * dropped, unpaired surrogates and an odd last byte read as U+FFFD). Returns 1 when decoded, 0
 * when src has no UTF-16 mark (nothing allocated), BRASS_ENOMEM. UTF-16 without a mark is not
 * recognised (its NUL bytes make it binary). */
int extract_utf16_decode(const char *src, size_t len, char **out, size_t *out_len);
/* One character of UTF-16 text src (which starts with its byte-order mark) at byte at (>= 2):
 * stores it in *cp (U+FFFD for an unpaired surrogate or an odd last byte) and returns the bytes
 * it takes (2, 4, or 1), 0 at the end. extract_utf8_len: the UTF-8 length of a code point. */
size_t extract_utf16_next(const char *src, size_t len, size_t at, uint32_t *cp);
size_t extract_utf8_len(uint32_t cp);

/* ---- helpers for the extractors (extract_text.c) ---- */
/* Appends block [start, end) of doc->text after trimming ASCII whitespace; empty ones are
 * dropped. Returns 0 or BRASS_ENOMEM. */
int extract_add_block(extract_doc *doc, size_t start, size_t end, int kind, int path);
/* Appends the definition term [start, end) of doc->text after trimming ASCII whitespace; empty
 * ones are dropped. Returns 0 or BRASS_ENOMEM. */
int extract_add_term(extract_doc *doc, size_t start, size_t end);
/* Heading-path stack: levels 1..6 of heading text. */
typedef struct extract_heads {
  char *text[7];
  size_t len[7];
} extract_heads;
/* Sets level (1..6) to the heading text (whitespace collapsed, cut at 200 bytes), clears the
 * deeper levels and appends the joined path to doc->paths. Returns its index or BRASS_ENOMEM. */
int extract_heads_push(extract_heads *h, extract_doc *doc, int level, const char *s, size_t n);
void extract_heads_free(extract_heads *h);
/* Appends the paragraphs (runs of lines between whitespace-only lines) of doc->text [start, end)
 * as EXB_PARA blocks under path. Returns 0 or BRASS_ENOMEM. */
int extract_add_paras(extract_doc *doc, size_t start, size_t end, int path);

#endif
