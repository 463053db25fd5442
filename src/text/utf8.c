/*
 * utf8.c - UTF-8 decoding with replacement, and encoding, for the tokenizer.
 *
 * Text reaches the tokenizer as bytes that are usually, not always, UTF-8. The oracle we match
 * (Hugging Face tokenizers behind node) only ever sees a JavaScript string, which node makes
 * from bytes with the WHATWG decoder (TextDecoder, Buffer#toString). So we decode the same way:
 *
 *   Each *maximal subpart* of an ill-formed sequence becomes one U+FFFD (Unicode 15 §3.9,
 *   "U+FFFD Substitution of Maximal Subparts", which WHATWG's decoder implements). A lead byte
 *   C2..DF, E0..EF or F0..F4 starts a sequence; each following byte must lie in the allowed
 *   range (80..BF, except A0..BF after E0, 80..9F after ED, 90..BF after F0, 80..8F after F4,
 *   which rule out overlongs, surrogates and values above U+10FFFF). The first byte that does
 *   not fit ends the subpart, which is replaced by one U+FFFD, and is then decoded afresh
 *   (never swallowed). A stray continuation byte, C0, C1 and F5..FF are one U+FFFD each. A
 *   truncated sequence at the end of the input is one U+FFFD.
 *
 * Examples: "E2 82 41" -> U+FFFD 'A'; "ED A0 80" -> three U+FFFD; "F0 9F 98" -> one U+FFFD.
 * Decoding never reads past len and never fails.
 */
#include "text/tok_internal.h"

uint32_t tok_utf8_next(const unsigned char *s, size_t len, size_t *pos) {
  size_t i = *pos;
  unsigned b = s[i++];
  if (b < 0x80) {
    *pos = i;
    return b;
  }
  unsigned need, lo = 0x80, hi = 0xBF;
  uint32_t cp;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    cp = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    cp = b & 0x07;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    *pos = i; /* 80..C1 or F5..FF: a subpart of one byte */
    return 0xFFFD;
  }
  while (need > 0) {
    if (i >= len || s[i] < lo || s[i] > hi) {
      *pos = i; /* the offending byte (if any) is decoded next time */
      return 0xFFFD;
    }
    cp = (cp << 6) | (s[i++] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
    need--;
  }
  *pos = i;
  return cp;
}

int tok_utf8_put(uint32_t cp, unsigned char *out) {
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (unsigned char)(0xE0 | (cp >> 12));
    out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (unsigned char)(0xF0 | (cp >> 18));
  out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}
