/*
 * tokenizer.c - encoding: the Hugging Face pipeline for BERT run as one streaming pass.
 *
 * HF builds strings stage by stage (added-token split, normalize, pre-tokenize, WordPiece,
 * truncate, template). Every stage but one is local to a character or a word, so we stream:
 *
 *   raw bytes --added-token scan--> segments --UTF-8 decode--> characters
 *     --clean_text / CJK spacing--> --NFD + canonical reordering--> --drop Mn, lowercase-->
 *     --whitespace / punctuation splits--> word buffer --WordPiece--> ids
 *
 * Each character carries the byte range [os, oe) of the raw character it came from, which
 * gives every id its offsets. The one non-local step is NFD's canonical reordering: a run of
 * non-starters (combining class > 0) is held back until the next starter and then sorted
 * stably by class, as NFD does over the whole string. Segments are independent, exactly as in
 * HF (each piece between added tokens is its own normalized string).
 *
 * Truncation keeps the first max_len - (template ids) pieces, so the encoder simply stops once
 * it has that many: a long document costs no more than its first 512 tokens.
 *
 * Memory: one scratch area per call (on the stack unless max_input_chars_per_word is large,
 * or a run of combining marks is very long), nothing per token. ASCII bytes, the common case,
 * take one table lookup for the whole normalizer + pre-tokenizer.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "text/tok_internal.h"

typedef struct tok_mark {
  uint32_t cp;
  int32_t os, oe;
  int ccc;
} tok_mark;

typedef struct tok_enc {
  const tokenizer *t;
  /* output */
  int32_t *ids;          /* (cap) */
  int32_t *offs;         /* (2 * cap) or NULL */
  int cap, n;            /* n: ids produced so far, written while n < cap */
  int body, limit, full; /* pieces so far, most allowed, body == limit */
  /* the current word: UTF-8 bytes, and per byte the raw range of the character it is from */
  unsigned char *w;   /* (wcap) */
  int32_t *wos, *woe; /* (wcap) */
  size_t wlen, wcap;
  int wchars;         /* characters in the word, counted past max_word_chars */
  int32_t w_os, w_oe; /* raw range of the whole word */
  tok_piece *pieces;  /* (max_word_chars) */
  /* a pending run of non-starters (NFD), sorted by combining class when it ends */
  tok_mark *run, *run_tmp; /* (run_cap) */
  int run_n, run_cap, run_heap;
  int oom;
  tok_word_fn word_fn; /* tok_pretokenize: words go here instead of to WordPiece */
  void *word_ctx;
} tok_enc;

static void emit(tok_enc *e, int32_t id, int32_t os, int32_t oe) {
  if (e->n < e->cap) {
    e->ids[e->n] = id;
    if (e->offs) {
      e->offs[2 * e->n] = os;
      e->offs[2 * e->n + 1] = oe;
    }
  }
  e->n++;
}

static void emit_body(tok_enc *e, int32_t id, int32_t os, int32_t oe) {
  emit(e, id, os, oe);
  if (++e->body >= e->limit) e->full = 1;
}

/* Ends the current word: WordPiece it into ids. */
static void word_end(tok_enc *e) {
  const tokenizer *t = e->t;
  if (e->wchars == 0) return;
  if (e->word_fn) {
    e->word_fn(e->word_ctx, (const char *)e->w, e->wlen, e->wchars);
  } else if (!e->full) {
    int np = e->wchars > t->max_word_chars ? 0 : tok_wordpiece(t, e->w, e->wlen, e->pieces);
    if (np == 0) {
      emit_body(e, t->unk_id, e->w_os, e->w_oe);
    } else {
      for (int i = 0; i < np && !e->full; i++)
        emit_body(e, e->pieces[i].id, e->wos[e->pieces[i].start], e->woe[e->pieces[i].end - 1]);
    }
  }
  e->wlen = 0;
  e->wchars = 0;
}

static void word_add(tok_enc *e, uint32_t cp, int32_t os, int32_t oe) {
  if (e->wchars == 0) e->w_os = os;
  e->w_oe = oe;
  /* Past max_word_chars the word is [UNK] whatever it holds: count (saturating), do not store. */
  if (e->wchars >= e->t->max_word_chars) {
    if (e->wchars < INT_MAX) e->wchars++;
    return;
  }
  e->wchars++;
  int k = tok_utf8_put(cp, e->w + e->wlen);
  for (int i = 0; i < k; i++) {
    e->wos[e->wlen + i] = os;
    e->woe[e->wlen + i] = oe;
  }
  e->wlen += (size_t)k;
}

/* Pre-tokenizer: whitespace ends a word, punctuation is a word of its own. */
static void pretok_char(tok_enc *e, uint32_t cp, int32_t os, int32_t oe) {
  if (e->t->pre == TOK_PRE_BERT) {
    if (tok_is_whitespace(cp)) {
      word_end(e);
      return;
    }
    if (tok_is_punct(cp)) {
      word_end(e);
      word_add(e, cp, os, oe);
      word_end(e);
      return;
    }
  }
  word_add(e, cp, os, oe);
}

/* After NFD: strip_accents drops Mn, then lowercase. */
static void after_nfd(tok_enc *e, uint32_t cp, int32_t os, int32_t oe) {
  const tokenizer *t = e->t;
  if (t->strip_accents && cp >= 0x300 && tok_is_nonspacing_mark(cp)) return;
  if (t->lowercase) {
    uint32_t lo[3];
    int k = tok_lower(cp, lo);
    for (int i = 0; i < k; i++) pretok_char(e, lo[i], os, oe);
  } else {
    pretok_char(e, cp, os, oe);
  }
}

/* Emits the pending run of non-starters in canonical order (stable by combining class).
 * Offsets stay with the positions, not with the characters: HF's NFD aligns the i-th output
 * character of a reordered run with the i-th input one, and we report what HF reports. */
static void run_flush(tok_enc *e) {
  int n = e->run_n;
  if (n == 0) return;
  tok_mark *r = e->run, *orig = e->run_tmp;
  if (n <= 32) {
    memcpy(orig, r, (size_t)n * sizeof *r);
    for (int i = 1; i < n; i++) {
      tok_mark m = r[i];
      int j = i;
      while (j > 0 && r[j - 1].ccc > m.ccc) {
        r[j] = r[j - 1];
        j--;
      }
      r[j] = m;
    }
  } else { /* long runs (e.g. "zalgo" text): counting sort by class, still stable */
    int count[257] = {0};
    for (int i = 0; i < n; i++) count[r[i].ccc + 1]++;
    for (int c = 1; c < 257; c++) count[c] += count[c - 1];
    for (int i = 0; i < n; i++) e->run_tmp[count[r[i].ccc]++] = r[i];
    orig = r;
    r = e->run_tmp;
  }
  e->run_n = 0;
  for (int i = 0; i < n; i++) after_nfd(e, r[i].cp, orig[i].os, orig[i].oe);
}

static void run_push(tok_enc *e, uint32_t cp, int32_t os, int32_t oe, int ccc) {
  if (e->run_n == e->run_cap) {
    int cap = e->run_cap <= INT_MAX / 2 ? e->run_cap * 2 : 0;
    tok_mark *run = cap ? malloc((size_t)cap * sizeof *run) : NULL;
    tok_mark *tmp = cap ? malloc((size_t)cap * sizeof *tmp) : NULL;
    if (!run || !tmp) {
      free(run);
      free(tmp);
      e->oom = 1;
      e->full = 1;
      return;
    }
    memcpy(run, e->run, (size_t)e->run_n * sizeof *run);
    if (e->run_heap) {
      free(e->run);
      free(e->run_tmp);
    }
    e->run = run;
    e->run_tmp = tmp;
    e->run_cap = cap;
    e->run_heap = 1;
  }
  e->run[e->run_n].cp = cp;
  e->run[e->run_n].os = os;
  e->run[e->run_n].oe = oe;
  e->run[e->run_n].ccc = ccc;
  e->run_n++;
}

/* strip_accents: NFD each character; starters flush the pending run of non-starters. */
static void nfd_char(tok_enc *e, uint32_t cp, int32_t os, int32_t oe) {
  if (!e->t->strip_accents) {
    after_nfd(e, cp, os, oe);
    return;
  }
  uint32_t d[8];
  int k = tok_nfd(cp, d);
  for (int i = 0; i < k; i++) {
    int ccc = tok_ccc(d[i]);
    if (ccc == 0) {
      run_flush(e);
      after_nfd(e, d[i], os, oe);
    } else {
      run_push(e, d[i], os, oe, ccc);
    }
  }
}

/* clean_text and CJK spacing, for one decoded character. */
static void norm_char(tok_enc *e, uint32_t cp, int32_t os, int32_t oe) {
  const tokenizer *t = e->t;
  if (t->clean_text) {
    if (cp == 0 || cp == 0xFFFD || tok_is_control(cp)) return;
    if (tok_is_whitespace(cp)) cp = ' ';
  }
  if (t->handle_chinese && tok_is_chinese(cp)) {
    nfd_char(e, ' ', os, oe);
    nfd_char(e, cp, os, oe);
    nfd_char(e, ' ', os, oe);
  } else {
    nfd_char(e, cp, os, oe);
  }
}

/* Runs text[a, b) (no added tokens inside) through normalizer, pre-tokenizer and WordPiece. */
static void encode_segment(tok_enc *e, const unsigned char *s, size_t a, size_t b) {
  const tokenizer *t = e->t;
  size_t p = a;
  while (p < b && !e->full) {
    unsigned c = s[p];
    if (c < 0x80 && e->run_n == 0) {
      switch (t->ascii_act[c]) {
        case TOK_A_DROP:
          break;
        case TOK_A_SPACE:
          word_end(e);
          break;
        case TOK_A_PUNCT:
          word_end(e);
          word_add(e, t->ascii_chr[c], (int32_t)p, (int32_t)p + 1);
          word_end(e);
          break;
        default:
          if (e->wchars < t->max_word_chars) { /* inline word_add for one byte */
            if (e->wchars == 0) e->w_os = (int32_t)p;
            e->w[e->wlen] = t->ascii_chr[c];
            e->wos[e->wlen] = (int32_t)p;
            e->woe[e->wlen] = (int32_t)p + 1;
            e->wlen++;
            e->wchars++;
            e->w_oe = (int32_t)p + 1;
          } else {
            word_add(e, t->ascii_chr[c], (int32_t)p, (int32_t)p + 1);
          }
      }
      p++;
      continue;
    }
    size_t q = p;
    uint32_t cp = tok_utf8_next(s, b, &q);
    norm_char(e, cp, (int32_t)p, (int32_t)q);
    p = q;
  }
  run_flush(e);
  word_end(e);
}

/* Regex \w (Unicode): letters, marks, decimal digits, connector punctuation, joiners. */
static int is_word_char(uint32_t cp) {
  if (cp == 0x200C || cp == 0x200D) return 1;
  switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_PC:
      return 1;
    default:
      return 0;
  }
}

/* The character that ends just before byte p (p > 0). */
static uint32_t char_before(const unsigned char *s, size_t p) {
  size_t q = p - 1;
  while (q > 0 && p - q < 4 && (s[q] & 0xC0) == 0x80) q--;
  size_t r = q;
  uint32_t cp = tok_utf8_next(s, p, &r);
  return r == p ? cp : 0xFFFD;
}

/* Splits the raw text on added tokens (leftmost, then longest, as HF's Aho-Corasick with
 * LeftmostLongest does), encoding the text between them. lstrip / rstrip absorb whitespace
 * next to a match; a single_word token that touches a word character does not match (and,
 * as in HF, its bytes are not searched again). */
static void encode_text(tok_enc *e, const unsigned char *s, size_t len) {
  const tokenizer *t = e->t;
  if (t->n_added == 0) {
    encode_segment(e, s, 0, len);
    return;
  }
  size_t seg = 0, p = 0;
  while (p < len && !e->full) {
    if (!t->first_byte[s[p]]) {
      p++;
      continue;
    }
    const tok_added *m = NULL;
    for (int k = 0; k < t->n_added; k++) { /* sorted longest first */
      const tok_added *a = &t->added[k];
      if (a->len <= len - p && memcmp(s + p, a->content, a->len) == 0) {
        m = a;
        break;
      }
    }
    if (!m) {
      p++;
      continue;
    }
    size_t start = p, stop = p + m->len;
    if (m->single_word) {
      int before = start > 0 && is_word_char(char_before(s, start));
      size_t q = stop;
      int after = stop < len && is_word_char(tok_utf8_next(s, len, &q));
      if (before || after) {
        p = stop;
        continue;
      }
    }
    if (m->lstrip) { /* start of the whitespace run ending at start, not before seg */
      size_t q = seg, ws = seg;
      while (q < start) {
        uint32_t cp = tok_utf8_next(s, start, &q);
        if (!tok_is_whitespace(cp)) ws = q;
      }
      start = ws;
    }
    if (m->rstrip) {
      while (stop < len) {
        size_t q = stop;
        if (!tok_is_whitespace(tok_utf8_next(s, len, &q))) break;
        stop = q;
      }
    }
    encode_segment(e, s, seg, start);
    if (!e->full) emit_body(e, m->id, (int32_t)start, (int32_t)stop);
    seg = p = stop;
  }
  if (!e->full) encode_segment(e, s, seg, len);
}

static int run(const tokenizer *t, const char *text, size_t len, int limit, int32_t *ids,
               int32_t *offsets, int cap, tok_word_fn fn, void *ctx, int templ) {
  /* Scratch: the word (4 bytes and two offsets per byte) and its pieces. */
  size_t wcap = 4 * (size_t)t->max_word_chars + 4;
  size_t need = wcap + 2 * wcap * sizeof(int32_t) + (size_t)t->max_word_chars * sizeof(tok_piece);
  need = (need + 15) & ~(size_t)15;
  _Alignas(16) unsigned char stack[8192];
  unsigned char *scratch = need <= sizeof stack ? stack : malloc(need);
  if (!scratch) return BRASS_ENOMEM;
  tok_mark run_stack[16], run_tmp_stack[16];

  tok_enc e;
  memset(&e, 0, sizeof e);
  e.t = t;
  e.ids = ids;
  e.offs = offsets;
  e.cap = cap;
  e.limit = limit;
  e.full = limit == 0;
  e.wcap = wcap;
  e.wos = (int32_t *)scratch;
  e.woe = e.wos + wcap;
  e.pieces = (tok_piece *)(e.woe + wcap);
  e.w = (unsigned char *)(e.pieces + t->max_word_chars);
  e.run = run_stack;
  e.run_tmp = run_tmp_stack;
  e.run_cap = 16;
  e.word_fn = fn;
  e.word_ctx = ctx;

  if (templ)
    for (int i = 0; i < t->n_pre; i++) emit(&e, t->tmpl_pre[i], 0, 0);
  if (!e.full) encode_text(&e, (const unsigned char *)text, len);
  if (templ)
    for (int i = 0; i < t->n_post; i++) emit(&e, t->tmpl_post[i], 0, 0);

  if (e.run_heap) {
    free(e.run);
    free(e.run_tmp);
  }
  if (scratch != stack) free(scratch);
  return e.oom ? BRASS_ENOMEM : e.n;
}

int tok_encode(const tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids,
               int32_t *offsets, int cap) {
  if (!t || (!text && len) || cap < 0 || (cap > 0 && !ids)) return BRASS_EINVAL;
  /* offsets are int32, and at most one piece per byte (+ template) keeps the count an int */
  if (len > (size_t)INT32_MAX - 64) return BRASS_ERANGE;
  int nspecial = t->n_pre + t->n_post;
  int limit = INT_MAX;
  if (max_len > 0) {
    if (max_len < nspecial) return BRASS_EINVAL;
    limit = max_len - nspecial;
  }
  return run(t, text, len, limit, ids, offsets, cap, NULL, NULL, 1);
}

int tok_encode_plain(const tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids,
                     int cap) {
  if (!t || (!text && len) || cap < 0 || (cap > 0 && !ids)) return BRASS_EINVAL;
  if (len > (size_t)INT32_MAX - 64) return BRASS_ERANGE;
  return run(t, text, len, max_len > 0 ? max_len : INT_MAX, ids, NULL, cap, NULL, NULL, 0);
}

/* Lengths after HF's LongestFirst truncation of two sequences of n1 and n2 ids to target ids
 * (tokenizers' utils/truncation.rs): if only the longer must shrink it gets what the shorter
 * leaves; if both must, the first gets target / 2 and the second the rest when the first is not
 * the longer one, and the other way round when it is. */
static void pair_truncate(int *a, int *b, int target) {
  int n1 = *a, n2 = *b, swap = 0;
  if (n1 + n2 <= target) return;
  if (n1 > n2) {
    swap = 1;
    n1 = *b;
    n2 = *a;
  }
  n2 = n1 > target ? n1 : (n1 > target - n1 ? n1 : target - n1);
  if (n1 + n2 > target) {
    n1 = target / 2;
    n2 = n1 + target % 2;
  }
  if (swap) {
    int tmp = n1;
    n1 = n2;
    n2 = tmp;
  }
  if (n1 < *a) *a = n1;
  if (n2 < *b) *b = n2;
}

int tok_encode_pair(const tokenizer *t, const char *a, size_t alen, const char *b, size_t blen,
                    int max_len, int32_t *ids, uint8_t *types, int cap) {
  if (!t || (!a && alen) || (!b && blen) || cap < 0 || (cap > 0 && (!ids || !types)))
    return BRASS_EINVAL;
  if (alen > (size_t)INT32_MAX - 64 || blen > (size_t)INT32_MAX - 64) return BRASS_ERANGE;
  const int nspecial = t->n_pre + 2 * t->n_post;
  if (max_len > 0 && max_len < nspecial) return BRASS_EINVAL;
  int32_t unused;
  /* Both texts' full lengths decide the truncation (which one is longer matters). */
  int na = run(t, a, alen, INT_MAX, &unused, NULL, 0, NULL, NULL, 0);
  if (na < 0) return na;
  int nb = run(t, b, blen, INT_MAX, &unused, NULL, 0, NULL, NULL, 0);
  if (nb < 0) return nb;
  if (max_len > 0) pair_truncate(&na, &nb, max_len - nspecial);
  const int total = nspecial + na + nb;
  if (total > cap) return total;
  /* [CLS] A [SEP] with type 0, then B [SEP] with type 1. */
  int n = 0, rc;
  for (int i = 0; i < t->n_pre; i++) ids[n++] = t->tmpl_pre[i];
  if (na > 0 && (rc = run(t, a, alen, na, ids + n, NULL, na, NULL, NULL, 0)) < 0) return rc;
  n += na;
  for (int i = 0; i < t->n_post; i++) ids[n++] = t->tmpl_post[i];
  memset(types, 0, (size_t)n);
  const int second = n;
  if (nb > 0 && (rc = run(t, b, blen, nb, ids + n, NULL, nb, NULL, NULL, 0)) < 0) return rc;
  n += nb;
  for (int i = 0; i < t->n_post; i++) ids[n++] = t->tmpl_post[i];
  memset(types + second, 1, (size_t)(n - second));
  return n;
}

int tok_pretokenize(const tokenizer *t, const char *text, size_t len, tok_word_fn fn, void *ctx) {
  if (!t || (!text && len) || !fn) return BRASS_EINVAL;
  if (len > (size_t)INT32_MAX - 64) return BRASS_ERANGE;
  int32_t unused;
  int n = run(t, text, len, INT_MAX, &unused, NULL, 0, fn, ctx, 0);
  return n < 0 ? n : 0;
}

/* ---- accessors ---------------------------------------------------------------------------- */

int tok_vocab_size(const tokenizer *t) {
  return t->vocab.n_ids;
}

int tok_token_id(const tokenizer *t, const char *token) {
  return tok_table_find(&t->vocab, &t->vocab.whole, token, strlen(token));
}

const char *tok_id_token(const tokenizer *t, int id) {
  if (id < 0 || id >= t->vocab.n_ids || t->vocab.off[id] == UINT32_MAX) return NULL;
  return t->vocab.pool + t->vocab.off[id];
}

int tok_cls_id(const tokenizer *t) {
  return t->cls_id;
}
int tok_sep_id(const tokenizer *t) {
  return t->sep_id;
}
int tok_pad_id(const tokenizer *t) {
  return t->pad_id;
}
int tok_unk_id(const tokenizer *t) {
  return t->unk_id;
}
int tok_max_length(const tokenizer *t) {
  return t->max_length;
}
int tok_num_special(const tokenizer *t) {
  return t->n_pre + t->n_post;
}

void tok_close(tokenizer *t) {
  if (!t) return;
  tok_vocab_free(&t->vocab);
  for (int i = 0; i < t->n_added; i++) free(t->added[i].content);
  free(t->added);
  free(t);
}
