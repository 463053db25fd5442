/*
 * xml.h - a small pull scanner for the XML inside office documents (DOCX, ODT, EPUB package
 * files). It reports start, end and empty-element tags and character data; comments, processing
 * instructions and a DOCTYPE without an internal subset are skipped. It never expands entities
 * beyond the five predefined ones and numeric character references (others stay literal text),
 * and a DOCTYPE with an internal subset ('[') is refused, so entity-expansion attacks ("billion
 * laughs") cannot cost anything. Linear time, no allocation; names are matched by local name
 * (the part after the namespace prefix).
 */
#ifndef BRASS_TEXT_XML_H
#define BRASS_TEXT_XML_H

#include <stddef.h>

enum { XML_EOF = 0, XML_OPEN, XML_CLOSE, XML_EMPTY, XML_TEXT, XML_ERROR };

typedef struct xml_scanner {
  const char *s;
  size_t len, pos;
  const char *error; /* set with XML_ERROR: what is wrong */
} xml_scanner;

typedef struct xml_token {
  int type;
  const char *name; /* local name (tags) */
  size_t name_len;
  const char *attrs; /* the raw attribute text of a start tag */
  size_t attrs_len;
  const char *text; /* raw character data (XML_TEXT; entities not decoded; CDATA content) */
  size_t text_len;
  int cdata;
} xml_token;

void xml_init(xml_scanner *x, const char *s, size_t len);
/* The next token; XML_EOF at the end, XML_ERROR for a refused DOCTYPE or an unclosed markup. */
int xml_next(xml_scanner *x, xml_token *t);
/* 1 if the tag's local name is name. */
int xml_is(const xml_token *t, const char *name);
/* The raw value of the attribute with local name name in t (entities not decoded): 1 found,
 * 0 not. */
int xml_attr(const xml_token *t, const char *name, const char **val, size_t *vlen);
/* Decodes n bytes of character data s (the five predefined entities, &#N; and &#xH;; anything
 * else is copied literally) into out, which must hold n bytes; returns the decoded length. */
size_t xml_decode(const char *s, size_t n, char *out);

#endif
