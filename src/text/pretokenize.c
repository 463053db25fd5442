/*
 * pretokenize.c - the character classes of Hugging Face's BertPreTokenizer, and the ASCII table
 * that folds normalizer + pre-tokenizer into one lookup per byte.
 *
 * BertPreTokenizer splits the normalized text on whitespace (Rust char::is_whitespace, i.e. the
 * White_Space property; the whitespace is removed) and then makes every punctuation character
 * a word of its own (ASCII punctuation, which includes symbols such as $ + < = > ^ ` | ~, or any
 * Unicode P* category - of Unicode 8.0, as HF's unicode_categories crate has it, so the set
 * comes from the generated unicode_tables.c). The encoder (tokenizer.c) applies the splits as
 * characters stream by.
 */
#include "text/tok_internal.h"

int tok_is_whitespace(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 9 && cp <= 13);
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return 1;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

int tok_is_punct(uint32_t cp) {
  if (cp < 0x80)
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
           (cp >= 123 && cp <= 126);
  return tok_in_ranges(tok_uc_punct, tok_uc_punct_n, cp);
}

/* For each ASCII byte, what clean_text, lowercase and the pre-tokenizer make of it. (ASCII
 * has no CJK, nothing decomposes and no marks, so those steps never apply.) */
void tok_build_ascii_table(tokenizer *t) {
  for (uint32_t b = 0; b < 128; b++) {
    uint32_t c = b;
    unsigned char act = TOK_A_CHAR;
    if (t->clean_text) {
      if (c == 0 || tok_is_control(c))
        act = TOK_A_DROP;
      else if (tok_is_whitespace(c))
        c = ' ';
    }
    if (act != TOK_A_DROP) {
      if (t->lowercase && c >= 'A' && c <= 'Z') c += 32;
      if (t->pre == TOK_PRE_BERT) {
        if (tok_is_whitespace(c))
          act = TOK_A_SPACE;
        else if (tok_is_punct(c))
          act = TOK_A_PUNCT;
      }
    }
    t->ascii_act[b] = act;
    t->ascii_chr[b] = (unsigned char)c;
  }
}
