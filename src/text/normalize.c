/*
 * normalize.c - the per-character Unicode rules of Hugging Face's BertNormalizer.
 *
 * BertNormalizer runs, in this order (each step only if switched on):
 *   clean_text     drop U+0000, U+FFFD and "control" characters (categories Cc, Cf, Co, except
 *                  \t \n \r), then turn every whitespace character (\t \n \r and White_Space)
 *                  into ' '. A character that is both control and whitespace (\v, \f, U+0085)
 *                  is dropped, because the drop comes first.
 *   chinese chars  put ' ' before and after every CJK ideograph (tok_is_chinese's blocks).
 *   strip_accents  NFD, then drop category Mn. When the file says null it follows lowercase.
 *   lowercase      Rust char::to_lowercase per character: full (not simple) mapping, so U+0130
 *                  becomes "i" U+0307, and no context rules (a final sigma stays U+03C3).
 * The encoder (tokenizer.c) streams characters through these steps; this file answers the
 * per-character questions.
 *
 * Unicode versions: HF takes "control" and "nonspacing mark" from the unicode_categories crate
 * (Unicode 8.0 categories), NFD from an older unicode-normalization (Unicode 9.0 combining
 * classes), lowercase from Rust's std (Unicode 16.0). utf8proc has its own version (15.0 on
 * Debian 12). So the control and mark sets come whole from the generated unicode_tables.c, and
 * NFD, combining classes and lowercase come from utf8proc except where those tables list HF's
 * different answer. All were probed from HF over every scalar value; see
 * tests/oracle/gen_unicode_tables.py.
 */
#include <utf8proc.h>

#include "text/tok_internal.h"

int tok_in_ranges(const uint32_t (*r)[2], int n, uint32_t cp) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (cp < r[mid][0])
      hi = mid - 1;
    else if (cp > r[mid][1])
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

int tok_find_row(const uint32_t *rows, int stride, int n, uint32_t cp) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    uint32_t v = rows[(size_t)mid * (size_t)stride];
    if (cp < v)
      hi = mid - 1;
    else if (cp > v)
      lo = mid + 1;
    else
      return mid;
  }
  return -1;
}

int tok_is_control(uint32_t cp) {
  return tok_in_ranges(tok_uc_control, tok_uc_control_n, cp);
}

int tok_is_chinese(uint32_t cp) {
  /* The blocks as Hugging Face lists them (note 2B920, not 2B820, starts Extension E there). */
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

int tok_is_nonspacing_mark(uint32_t cp) {
  return cp >= 0x300 && tok_in_ranges(tok_uc_mark, tok_uc_mark_n, cp);
}

int tok_ccc(uint32_t cp) {
  if (cp < 0x300) return 0; /* nothing below U+0300 combines */
  int c = utf8proc_get_property((utf8proc_int32_t)cp)->combining_class;
  if (c && tok_in_ranges(tok_uc_ccc0, tok_uc_ccc0_n, cp)) return 0; /* newer than HF's NFD */
  return c;
}

int tok_nfd(uint32_t cp, uint32_t *out) {
  if (cp < 0xC0) {
    out[0] = cp; /* nothing below U+00C0 decomposes */
    return 1;
  }
  int row = tok_find_row(&tok_uc_nfd[0][0], 6, tok_uc_nfd_n, cp);
  if (row >= 0) {
    int n = (int)tok_uc_nfd[row][1];
    for (int i = 0; i < n; i++) out[i] = tok_uc_nfd[row][2 + i];
    return n;
  }
  utf8proc_int32_t buf[8];
  int last = 0;
  utf8proc_ssize_t n =
      utf8proc_decompose_char((utf8proc_int32_t)cp, buf, 8, UTF8PROC_DECOMPOSE, &last);
  if (n <= 0 || n > 8) { /* cannot happen for a scalar value; keep the character */
    out[0] = cp;
    return 1;
  }
  for (utf8proc_ssize_t i = 0; i < n; i++) out[i] = (uint32_t)buf[i];
  return (int)n;
}

int tok_lower(uint32_t cp, uint32_t *out) {
  if (cp < 0x80) {
    out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return 1;
  }
  if (cp == 0x130) { /* the one unconditional multi-character lowercase mapping */
    out[0] = 'i';
    out[1] = 0x307;
    return 2;
  }
  int row = tok_find_row(&tok_uc_lower[0][0], 2, tok_uc_lower_n, cp);
  out[0] = row >= 0 ? tok_uc_lower[row][1] : (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
  return 1;
}
