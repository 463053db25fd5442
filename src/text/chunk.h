/*
 * chunk.h - cutting a document into chunks sized in model tokens, each with its byte range and
 * line range in the original file and the heading path it falls under (see docs/chunking.md).
 *
 * The document is extracted first (extract.h: markdown, HTML, code or plain text); headings
 * start new chunks; code blocks and lists stay whole when they fit; prose is packed by
 * sentences, code and lists by lines; consecutive chunks of one section share about 15% of
 * their tokens. With a tokenizer, a chunk's token count (without [CLS]/[SEP]) never exceeds
 * min(max_tokens, model max length - specials); without one (tok NULL) sizes are estimated
 * from words: 4 tokens per 3 words, a word being a run of non-space bytes, counted as one word
 * per 16 bytes or part.
 */
#ifndef BRASS_TEXT_CHUNK_H
#define BRASS_TEXT_CHUNK_H

#include <stddef.h>

#include "brass.h"
#include "text/extract.h"
#include "text/tokenizer.h"

/* The default chunk size, for every model, long-context ones (JinaBERT v2's 8,192) included:
 * `brass eval` ranks keyword search better with 256-token chunks than with 512 or 1,024 on every
 * evaluation set measured (docs/chunking.md, "Long-context models"). */
#define CHUNK_TOKENS 256

/* The chunk size (tokens without specials) used when none is given, for a model of
 * model_max_length tokens (counting its nspecial specials; 0 = 512): CHUNK_TOKENS, never more
 * than fits. *max_tokens (may be NULL) gets the most that fits. The
 * one rule behind the CLI's default and the web app's chunk-size setting. */
int chunk_default_tokens(int model_max_length, int nspecial, int *max_tokens);

typedef struct chunk_options {
  int max_tokens;       /* target chunk size in tokens without specials; 0 = CHUNK_TOKENS (never
                           more than fits) */
  int overlap_tokens;   /* tokens repeated from the previous chunk: 0 = 15% of max_tokens,
                           negative = none */
  int model_max_length; /* hard limit counting [CLS]/[SEP]; 0 = tok_max_length(tok), or 512 */
  size_t max_bytes;     /* a chunk's text never exceeds this; 0 = 16 * max_tokens */
} chunk_options;

typedef struct chunk {
  char *text; /* NUL-terminated; the original bytes (extracted text for HTML) */
  size_t text_len;
  size_t start, end;        /* byte range [start, end) in the original file */
  int line_start, line_end; /* 1-based lines of start and of end - 1 in the original file */
  char *heading;            /* heading path "Install > Linux", "" when none */
  char *terms; /* key terms, one a line, a search field: in a document's first chunk its lead
                  (first 30 words; not for code), then the definition terms (extract_doc.terms,
                  HTML <dt>: API signatures) that start in the chunk; NULL when none */
  int tokens;  /* model tokens without specials (or the word estimate without a tokenizer) */
} chunk;

typedef struct chunk_list {
  chunk *items;
  size_t count, cap;
} chunk_list;

/* Extracts text (len bytes, any content) as kind and appends its chunks, in document order, to
 * out (zeroed by the caller, or a list from an earlier call). tok and opt may be NULL. Returns
 * 0 (an empty or all-whitespace text gives no chunks), BRASS_EINVAL for bad options (a model
 * limit too small for one token) or BRASS_ENOMEM; err names "chunk". Thread-safe for distinct
 * outputs (tok is only read). Linear time in len. */
int chunk_document(const tokenizer *tok, const char *text, size_t len, doc_kind kind,
                   const chunk_options *opt, chunk_list *out, brass_error *err);

/* Frees the chunks and their strings and zeroes the list. */
void chunk_list_free(chunk_list *list);

#endif
