/*
 * chunk.c - the chunker (chunk.h): extracted blocks -> pieces -> chunks.
 *
 * Pieces are the smallest units a chunk boundary may fall between: sentences of prose, lines of
 * code and lists, a heading line. Each piece is measured once (tok_encode with an early stop,
 * or the word estimate); a piece over the budget is cut at word boundaries (the token offsets
 * tell where a word starts: a piece that is not "##..."), and a run of non-space bytes over
 * max_bytes at a UTF-8 boundary. Because pieces meet at whitespace or punctuation, where the
 * BERT pre-tokenizer splits anyway, a chunk's token count is the sum of its pieces' counts.
 *
 * Packing is greedy within a section (the blocks under one heading): code and list blocks that
 * fit in a chunk are added whole (starting a new chunk, without overlap, if needed), other
 * blocks piece by piece.
 * When a chunk is full, the next starts with the previous chunk's last pieces worth at most
 * overlap tokens (fewer if the next unit would not fit otherwise). Only the current block's
 * pieces and those of the open chunk are held, so memory stays bounded by the largest block.
 */
#include "text/chunk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

typedef struct ck_piece {
  size_t s, e; /* [s, e) in the extracted text */
  int tokens;
} ck_piece;

typedef struct ck_state {
  const tokenizer *tok;
  const extract_doc *doc;
  chunk_list *out;
  int budget;          /* tokens per chunk, without specials */
  int overlap;         /* tokens of overlap */
  size_t max_bytes;    /* bytes per chunk */
  int nspec, lead;     /* specials in the template, leading ones */
  int32_t *ids, *offs; /* scratch for tok_encode: (budget + nspec + 1), 2 * that */
  int cap;
  ck_piece *pieces; /* pieces[0, n): the open chunk's pieces from index a, then the block's */
  size_t n, pcap, a;
  int open;    /* a chunk is open: pieces [a, n) */
  long tokens; /* tokens of pieces [a, n) */
  int path;
  int lead_done; /* the first chunk took the document's lead (or the kind has none: code) */
  /* line cursors (positions only grow) */
  size_t lpos[2];
  int lline[2];
  int oom;
} ck_state;

static int ck_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Estimated tokens of a text without a tokenizer (see chunk.h); stops counting past limit. */
static long ck_estimate(const char *s, size_t n, long limit) {
  long words = 0;
  size_t i = 0;
  while (i < n && (words * 4 + 2) / 3 <= limit) {
    while (i < n && ck_space((unsigned char)s[i])) i++;
    size_t w = i;
    while (i < n && !ck_space((unsigned char)s[i])) i++;
    if (i > w) words += (long)((i - w + 15) / 16);
  }
  return (words * 4 + 2) / 3;
}

/* Tokens of text [s, e), exact up to budget; budget + 1 means "over". With a tokenizer the
 * ids/offsets of the first budget + 1 content tokens are left in st->ids / st->offs. */
static long ck_measure(ck_state *st, size_t s, size_t e) {
  const char *t = st->doc->text + s;
  if (!st->tok) return ck_estimate(t, e - s, st->budget);
  int n = tok_encode(st->tok, t, e - s, st->budget + st->nspec + 1, st->ids, st->offs, st->cap);
  if (n < 0) return st->budget + 1; /* cannot happen for in-range input; treated as too big */
  return n - st->nspec;
}

static int ck_push(ck_state *st, size_t s, size_t e, long tokens) {
  while (s < e && ck_space((unsigned char)st->doc->text[s])) s++;
  while (e > s && ck_space((unsigned char)st->doc->text[e - 1])) e--;
  if (s >= e) return 0;
  if (st->n == st->pcap) {
    size_t cap = st->pcap ? st->pcap * 2 : 256;
    ck_piece *p = realloc(st->pieces, cap * sizeof *p);
    if (!p) return st->oom = 1, BRASS_ENOMEM;
    st->pieces = p;
    st->pcap = cap;
  }
  if (tokens < 0) tokens = 0;
  st->pieces[st->n++] = (ck_piece){s, e, (int)tokens};
  return 0;
}

/* The start of the UTF-8 character at p, looking back at most 3 bytes and not reaching s
 * (p > s); p itself if there is none, so every cut makes progress. */
static size_t ck_utf8_floor(const char *text, size_t s, size_t p) {
  size_t q = p;
  while (q > s + 1 && ((unsigned char)text[q] & 0xC0) == 0x80 && p - q < 4) q--;
  return q > s ? q : p;
}

/* Adds [s, e) as pieces that each fit the budget and max_bytes. */
static int ck_add_piece(ck_state *st, size_t s, size_t e) {
  const char *text = st->doc->text;
  while (s < e) {
    while (s < e && ck_space((unsigned char)text[s])) s++;
    if (s >= e) break;
    size_t lim = e;
    if (lim - s > st->max_bytes) { /* cut at the last space in the allowed span, or mid-run */
      lim = s + st->max_bytes;
      size_t k = lim;
      while (k > s + st->max_bytes / 2 && !ck_space((unsigned char)text[k])) k--;
      lim = ck_space((unsigned char)text[k]) ? k : ck_utf8_floor(text, s, lim);
    }
    long n = ck_measure(st, s, lim);
    if (n <= st->budget) {
      if (st->tok && lim < e && !ck_space((unsigned char)text[lim])) {
        /* a byte cut inside a run of non-space bytes: move it back to the start of the last
         * word (a token that is not "##..."), so the next piece begins a word as it would in
         * the whole text; one word over max_bytes is cut where it is (it is one [UNK]) */
        for (long k = n - 1; k > 0; k--) {
          const char *piece = tok_id_token(st->tok, st->ids[st->lead + k]);
          if (piece && piece[0] == '#' && piece[1] == '#') continue;
          size_t at = s + (size_t)st->offs[2 * (st->lead + k)];
          if (at > s && at < lim) lim = at, n = k;
          break;
        }
      }
      if (ck_push(st, s, lim, n) < 0) return BRASS_ENOMEM;
      s = lim;
      continue;
    }
    size_t cut = 0;
    long got = 0;
    if (st->tok) {
      /* content token j is ids[lead + j], its bytes offs[2 * (lead + j)] .. +1 (relative to s);
       * cut before the last token k <= budget that starts a word */
      int k = st->budget;
      for (; k > 0; k--) {
        const char *piece = tok_id_token(st->tok, st->ids[st->lead + k]);
        if (!(piece && piece[0] == '#' && piece[1] == '#')) break;
      }
      if (k == 0) k = st->budget; /* one word over the budget: cut it (rare) */
      cut = s + (size_t)st->offs[2 * (st->lead + k - 1) + 1];
      got = k;
    } else {
      /* words up to the budget */
      size_t i = s;
      long words = 0;
      while (i < lim) {
        size_t w = i;
        while (w < lim && ck_space((unsigned char)text[w])) w++;
        size_t we = w;
        while (we < lim && !ck_space((unsigned char)text[we])) we++;
        long add = (long)((we - w + 15) / 16);
        if (we == w || ((words + add) * 4 + 2) / 3 > st->budget) break;
        words += add;
        i = we;
      }
      cut = i;
      got = (words * 4 + 2) / 3;
    }
    if (cut <= s) {
      /* the first run of non-space bytes alone is over the budget (only without a tokenizer,
       * when max_bytes is large for the budget): cut it at the bytes its estimate allows */
      size_t words = (size_t)(st->budget * 3 / 4 > 1 ? st->budget * 3 / 4 : 1);
      cut = s + 16 * words < lim ? ck_utf8_floor(text, s, s + 16 * words) : lim;
      got = ck_measure(st, s, cut);
    }
    if (ck_push(st, s, cut, got) < 0) return BRASS_ENOMEM;
    s = cut;
  }
  return 0;
}

/* 1-based line of source byte pos, with cursor c (0: starts, 1: ends) moving forward. */
static int ck_line(ck_state *st, int c, size_t pos) {
  const char *src = st->doc->src;
  if (pos < st->lpos[c]) st->lpos[c] = 0, st->lline[c] = 1;
  while (st->lpos[c] < pos) {
    const char *nl = memchr(src + st->lpos[c], '\n', pos - st->lpos[c]);
    if (!nl) {
      st->lpos[c] = pos;
      break;
    }
    st->lline[c]++;
    st->lpos[c] = (size_t)(nl - src) + 1;
  }
  return st->lline[c];
}

/* len bytes of s cut to at most max, before a UTF-8 continuation byte (s[len] is readable when
 * len > max). */
static size_t ck_utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  len = max;
  while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) len--;
  return len;
}

/* A term's bytes, at most CK_TERM_MAX: a chunk's terms then take at most its own length plus
 * CK_TERM_MAX, however long a <dt> is. */
#define CK_TERM_MAX 200
static size_t ck_term_len(const extract_doc *doc, const extract_span *sp) {
  return ck_utf8_cut(doc->text + sp->start, sp->end - sp->start, CK_TERM_MAX);
}

/* A document's lead, its first CK_LEAD_WORDS words (whitespace runs become one space, each word
 * at most CK_LEAD_WORD_MAX bytes, cut before a UTF-8 continuation byte), from text[0, n) into buf
 * (CK_LEAD_MAX + 1 bytes); returns its length. The start of a text usually says what the whole is
 * about (a package's or a manual page's first line, a module's summary), so it is a search field
 * like a definition term. */
#define CK_LEAD_WORDS 30
#define CK_LEAD_WORD_MAX 64
#define CK_LEAD_MAX (CK_LEAD_WORDS * (CK_LEAD_WORD_MAX + 1))
static size_t ck_lead(const char *text, size_t n, char *buf) {
  size_t k = 0, i = 0;
  for (int words = 0; words < CK_LEAD_WORDS; words++) {
    while (i < n && ck_space((unsigned char)text[i])) i++;
    size_t w = i;
    while (i < n && !ck_space((unsigned char)text[i])) i++;
    if (i == w) break;
    size_t len = ck_utf8_cut(text + w, i - w, CK_LEAD_WORD_MAX);
    if (k) buf[k++] = ' ';
    memcpy(buf + k, text + w, len);
    k += len;
  }
  buf[k] = '\0';
  return k;
}

/* The chunk's key terms into *out (heap; NULL when none), one a line: the lead (when lead_len)
 * and then the definition terms of doc that start in text [ts, te). Returns 0 or BRASS_ENOMEM. */
static int ck_terms(const extract_doc *doc, size_t ts, size_t te, const char *lead, size_t lead_len,
                    char **out) {
  *out = NULL;
  size_t lo = 0, hi = doc->nterms; /* the first term starting at or after ts */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (doc->terms[mid].start < ts)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t n = lead_len ? lead_len + 1 : 0, i;
  for (i = lo; i < doc->nterms && doc->terms[i].start < te; i++)
    n += ck_term_len(doc, &doc->terms[i]) + 1;
  if (!n) return 0;
  char *t = malloc(n);
  if (!t) return BRASS_ENOMEM;
  size_t k = lead_len;
  memcpy(t, lead, lead_len);
  for (i = lo; i < doc->nterms && doc->terms[i].start < te; i++) {
    const extract_span *sp = &doc->terms[i];
    size_t len = ck_term_len(doc, sp);
    if (k) t[k++] = '\n';
    memcpy(t + k, doc->text + sp->start, len);
    k += len;
  }
  t[k] = '\0';
  *out = t;
  return 0;
}

/* Emits the chunk of pieces [a, b). */
static int ck_emit(ck_state *st, size_t a, size_t b) {
  const extract_doc *doc = st->doc;
  size_t ts = st->pieces[a].s, te = st->pieces[b - 1].e;
  long tokens = 0;
  for (size_t i = a; i < b; i++) tokens += st->pieces[i].tokens;
  chunk_list *out = st->out;
  if (out->count == out->cap) {
    size_t cap = out->cap ? out->cap * 2 : 16;
    chunk *c = realloc(out->items, cap * sizeof *c);
    if (!c) return st->oom = 1, BRASS_ENOMEM;
    out->items = c;
    out->cap = cap;
  }
  chunk *c = &out->items[out->count];
  memset(c, 0, sizeof *c);
  const char *path = st->path >= 0 ? doc->paths[st->path] : "";
  size_t pl = strlen(path);
  c->text = malloc(te - ts + 1);
  c->heading = malloc(pl + 1);
  char lead[CK_LEAD_MAX + 1];
  size_t lead_len = st->lead_done ? 0 : ck_lead(doc->text + ts, te - ts, lead);
  st->lead_done = 1;
  if (!c->text || !c->heading || ck_terms(doc, ts, te, lead, lead_len, &c->terms) < 0) {
    free(c->text);
    free(c->heading);
    free(c->terms);
    return st->oom = 1, BRASS_ENOMEM;
  }
  memcpy(c->text, doc->text + ts, te - ts);
  c->text[te - ts] = '\0';
  c->text_len = te - ts;
  memcpy(c->heading, path, pl + 1);
  extract_src_range(doc, ts, te, &c->start, &c->end);
  c->line_start = ck_line(st, 0, c->start);
  c->line_end = ck_line(st, 1, c->end > c->start ? c->end - 1 : c->start);
  c->tokens = (int)tokens;
  out->count++;
  return 0;
}

/* Closes the open chunk. If next_tokens >= 0 the section goes on with a unit of that many
 * tokens ending at text position next_end: the new chunk starts with the overlap that leaves
 * room for it. */
static int ck_flush(ck_state *st, long next_tokens, size_t next_end) {
  if (!st->open) return 0;
  size_t b = st->n;
  if (ck_emit(st, st->a, b) < 0) return BRASS_ENOMEM;
  st->open = 0;
  st->tokens = 0;
  if (next_tokens < 0) {
    st->a = b;
    return 0;
  }
  long room = st->budget - next_tokens;
  if (room > st->overlap) room = st->overlap;
  size_t k = b;
  long tot = 0;
  while (k - 1 > st->a && tot + st->pieces[k - 1].tokens <= room &&
         next_end - st->pieces[k - 1].s <= st->max_bytes) {
    k--;
    tot += st->pieces[k].tokens;
  }
  st->a = k;
  if (k < b) {
    st->open = 1;
    st->tokens = tot;
  }
  return 0;
}

/* Adds pieces [i, j) to the open chunk. */
static void ck_take(ck_state *st, size_t i, size_t j) {
  if (!st->open) st->a = i, st->open = 1, st->tokens = 0;
  for (size_t k = i; k < j; k++) st->tokens += st->pieces[k].tokens;
}

/* Span in bytes from the open chunk's start to piece j's end. */
static size_t ck_span(const ck_state *st, size_t first, size_t j) {
  size_t s = st->open ? st->pieces[st->a].s : st->pieces[first].s;
  return st->pieces[j].e - s;
}

/* Adds the sentences of prose [s, e) as pieces: a sentence ends after '.', '!' or '?' (and any
 * closing quotes or brackets) followed by whitespace, or after CJK 。！？. */
static int ck_sentences(ck_state *st, size_t s, size_t e) {
  const char *text = st->doc->text;
  size_t i = s;
  while (i < e) {
    unsigned char c = (unsigned char)text[i];
    size_t end = 0;
    if (c == '.' || c == '!' || c == '?') {
      size_t k = i + 1;
      while (k < e && (text[k] == ')' || text[k] == '"' || text[k] == '\'' || text[k] == ']' ||
                       text[k] == '.' || text[k] == '!' || text[k] == '?'))
        k++;
      if (k == e || ck_space((unsigned char)text[k])) end = k;
      i = k;
    } else if (c == 0xE3 && i + 2 < e && (unsigned char)text[i + 1] == 0x80 &&
               (unsigned char)text[i + 2] == 0x82) { /* 。 */
      end = i += 3;
    } else if (c == 0xEF && i + 2 < e && (unsigned char)text[i + 1] == 0xBC &&
               ((unsigned char)text[i + 2] == 0x81 || (unsigned char)text[i + 2] == 0x9F)) {
      end = i += 3; /* ！ ？ */
    } else {
      i++;
    }
    if (end) {
      if (ck_add_piece(st, s, end) < 0) return BRASS_ENOMEM;
      s = end;
    }
  }
  return ck_add_piece(st, s, e);
}

/* 1 if the line at s (up to e) opens a list item: "- ", "* ", "+ ", "12. ", "3) " or '|'. */
static int ck_item_start(const char *text, size_t s, size_t e) {
  while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
  if (s >= e) return 0;
  size_t i = s;
  if (text[i] == '|') return 1;
  if (text[i] == '-' || text[i] == '*' || text[i] == '+') {
    i++;
  } else {
    while (i < e && i - s < 9 && text[i] >= '0' && text[i] <= '9') i++;
    if (i == s || i >= e || (text[i] != '.' && text[i] != ')')) return 0;
    i++;
  }
  return i == e || text[i] == ' ' || text[i] == '\t' || text[i] == '\n';
}

/* Adds list item [s, e): one piece if it fits, else by sentences. */
static int ck_item(ck_state *st, size_t s, size_t e) {
  if (e - s <= st->max_bytes) {
    long n = ck_measure(st, s, e);
    if (n <= st->budget) return ck_push(st, s, e, n);
  }
  return ck_sentences(st, s, e);
}

/* Splits block bl into pieces (appended after the open chunk's) and packs them. */
static int ck_block(ck_state *st, const extract_block *bl) {
  const char *text = st->doc->text;
  size_t first = st->n;
  if (bl->kind == EXB_PARA) {
    if (ck_sentences(st, bl->start, bl->end) < 0) return BRASS_ENOMEM;
  } else if (bl->kind == EXB_HEADING) {
    if (ck_add_piece(st, bl->start, bl->end) < 0) return BRASS_ENOMEM;
  } else if (bl->kind == EXB_LIST) {
    /* items: a line opening with a list marker or '|' starts one (if the first line has no
     * marker, as in HTML lists, every line does); an item that fits is one piece, a longer
     * one goes by sentences */
    int every_line = !ck_item_start(text, bl->start, bl->end);
    size_t s = bl->start, item = bl->start;
    while (s < bl->end) {
      const char *nl = memchr(text + s, '\n', bl->end - s);
      size_t next = nl ? (size_t)(nl - text) + 1 : bl->end;
      if (s > item && (every_line || ck_item_start(text, s, bl->end))) {
        if (ck_item(st, item, s) < 0) return BRASS_ENOMEM;
        item = s;
      }
      s = next;
    }
    if (ck_item(st, item, bl->end) < 0) return BRASS_ENOMEM;
  } else { /* code: lines */
    size_t s = bl->start;
    while (s < bl->end) {
      const char *nl = memchr(text + s, '\n', bl->end - s);
      size_t e = nl ? (size_t)(nl - text) : bl->end;
      if (ck_add_piece(st, s, e) < 0) return BRASS_ENOMEM;
      s = nl ? e + 1 : bl->end;
    }
  }
  size_t last = st->n;
  if (last == first) return 0;
  long bt = 0;
  for (size_t k = first; k < last; k++) bt += st->pieces[k].tokens;
  size_t bbytes = st->pieces[last - 1].e - st->pieces[first].s;
  int whole =
      (bl->kind == EXB_CODE || bl->kind == EXB_LIST) && bt <= st->budget && bbytes <= st->max_bytes;
  if (whole) {
    if (st->open &&
        (st->tokens + bt > st->budget || ck_span(st, first, last - 1) > st->max_bytes)) {
      /* the chunk is pieces [a, first); the block starts the next one, without overlap: a
       * whole code block or list is its own context */
      st->n = first;
      int rc = ck_flush(st, -1, 0);
      st->n = last;
      if (rc < 0) return BRASS_ENOMEM;
    }
    ck_take(st, first, last);
  } else {
    for (size_t k = first; k < last; k++) {
      if (st->open && (st->tokens + st->pieces[k].tokens > st->budget ||
                       ck_span(st, first, k) > st->max_bytes)) {
        /* flush the chunk of pieces [a, k): later pieces of this block wait after it */
        size_t save_n = st->n;
        st->n = k;
        int rc = ck_flush(st, st->pieces[k].tokens, st->pieces[k].e);
        st->n = save_n;
        if (rc < 0) return BRASS_ENOMEM;
      }
      ck_take(st, k, k + 1);
    }
  }
  /* drop the pieces before the open chunk (or all, if none is open) */
  size_t keep = st->open ? st->a : st->n;
  if (keep > 0) {
    memmove(st->pieces, st->pieces + keep, (st->n - keep) * sizeof *st->pieces);
    st->n -= keep;
    st->a = 0; /* the open chunk, if any, now starts at index 0 */
  }
  return 0;
}

/* Source byte of UTF-8 position u8 of the text that UTF-16 src decodes to; the cursor (u8, at)
 * only moves forward unless asked for an earlier position. */
static size_t ck_utf16_src(const char *src, size_t len, size_t cur[2], size_t u8) {
  if (u8 < cur[0]) cur[0] = 0, cur[1] = 2;
  uint32_t cp;
  size_t step;
  while (cur[0] < u8 && (step = extract_utf16_next(src, len, cur[1], &cp)) > 0) {
    cur[0] += extract_utf8_len(cp);
    cur[1] += step;
  }
  return cur[1];
}

/* Maps the byte ranges of chunks [first, count) from the decoded text back to the UTF-16 file. */
static void ck_utf16_ranges(const char *src, size_t len, chunk_list *out, size_t first) {
  size_t cs[2] = {0, 2}, ce[2] = {0, 2};
  for (size_t i = first; i < out->count; i++) {
    out->items[i].start = ck_utf16_src(src, len, cs, out->items[i].start);
    out->items[i].end = ck_utf16_src(src, len, ce, out->items[i].end);
  }
}

int chunk_default_tokens(int model_max_length, int nspecial, int *max_tokens) {
  int model_max = model_max_length > 0 ? model_max_length : 512;
  int room = model_max - nspecial;
  /* long-context models (JinaBERT: 8,192) too: docs/chunking.md, "Long-context models" */
  if (max_tokens) *max_tokens = room;
  return CHUNK_TOKENS < room ? CHUNK_TOKENS : room;
}

int chunk_document(const tokenizer *tok, const char *text, size_t len, doc_kind kind,
                   const chunk_options *opt, chunk_list *out, brass_error *err) {
  if (!out || (!text && len)) return err_set(err, BRASS_EINVAL, "chunk: no text or output");
  chunk_options o = opt ? *opt : (chunk_options){0};
  int nspec = tok ? tok_num_special(tok) : 2; /* without a tokenizer: assume [CLS] [SEP] */
  int model_max = o.model_max_length > 0 ? o.model_max_length : 0;
  if (!model_max && tok) model_max = tok_max_length(tok) > 0 ? tok_max_length(tok) : 512;
  if (o.max_tokens <= 0) o.max_tokens = chunk_default_tokens(model_max, nspec, NULL);
  int budget = o.max_tokens;
  if (model_max && budget > model_max - nspec) budget = model_max - nspec;
  if (budget < 1)
    return err_set(err, BRASS_EINVAL, "chunk: model max length %d leaves no room for text",
                   model_max);
  if (!tok && budget < 2) budget = 2; /* the estimate of one word is 2 tokens */
  int overlap = o.overlap_tokens < 0 ? 0 : o.overlap_tokens ? o.overlap_tokens : budget * 15 / 100;
  if (overlap > budget / 2) overlap = budget / 2;
  size_t max_bytes = o.max_bytes ? o.max_bytes : (size_t)budget * 16;
  if (max_bytes < 64) max_bytes = 64;

  /* UTF-16 text (with a byte-order mark) is chunked as the UTF-8 it decodes to; the byte ranges
   * are mapped back to the file afterwards (lines are the same in both) */
  const char *u16 = text;
  size_t u16_len = len, first = out->count;
  char *utf8 = NULL;
  size_t utf8_len = 0;
  int dec = text ? extract_utf16_decode(text, len, &utf8, &utf8_len) : 0;
  if (dec < 0) return err_set(err, BRASS_ENOMEM, "chunk: out of memory");
  if (dec) text = utf8, len = utf8_len;
  extract_doc doc;
  int rc = extract_document(text ? text : "", len, kind, &doc, err);
  if (rc < 0) {
    free(utf8);
    return rc;
  }
  ck_state st = {.tok = tok,
                 .doc = &doc,
                 .out = out,
                 .budget = budget,
                 .overlap = overlap,
                 .max_bytes = max_bytes,
                 .nspec = nspec,
                 .path = -1,
                 .lead_done = kind == DOC_CODE, /* code starts with imports and licences */
                 .lline = {1, 1}};
  if (tok) {
    st.cap = budget + nspec + 1;
    st.ids = malloc((size_t)st.cap * sizeof *st.ids);
    st.offs = malloc((size_t)st.cap * 2 * sizeof *st.offs);
    if (!st.ids || !st.offs) rc = BRASS_ENOMEM;
    /* is there a leading special ([CLS])? encode nothing and look */
    if (rc == 0 && nspec > 0) {
      int n = tok_encode(tok, "", 0, 0, st.ids, st.offs, st.cap);
      st.lead = n > 0 && st.ids[0] == tok_cls_id(tok) ? 1 : 0;
    }
  }
  for (size_t i = 0; rc == 0 && i < doc.nblocks; i++) {
    const extract_block *bl = &doc.blocks[i];
    if (bl->kind == EXB_HEADING || bl->path != st.path) { /* a new section */
      rc = ck_flush(&st, -1, 0);
      st.n = st.a = 0;
      st.path = bl->path;
    }
    if (rc == 0) rc = ck_block(&st, bl);
  }
  if (rc == 0) rc = ck_flush(&st, -1, 0);
  free(st.pieces);
  free(st.ids);
  free(st.offs);
  extract_doc_free(&doc);
  free(utf8);
  if (rc == 0 && dec) ck_utf16_ranges(u16, u16_len, out, first);
  if (rc < 0) return err_set(err, BRASS_ENOMEM, "chunk: out of memory");
  return 0;
}

void chunk_list_free(chunk_list *list) {
  if (!list) return;
  for (size_t i = 0; i < list->count; i++) {
    free(list->items[i].text);
    free(list->items[i].heading);
    free(list->items[i].terms);
  }
  free(list->items);
  memset(list, 0, sizeof *list);
}
