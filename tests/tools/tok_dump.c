/*
 * tok_dump.c - prints our tokenizer's ids for each line of stdin, one JSON array per line, so
 * the parity test can diff them against Hugging Face's (tests/oracle/hf_tokenize.js).
 *
 *   tok_dump [--vocab] [--max-len N] [--offsets|--char-offsets] [--words] [--bench] PATH
 *
 * PATH is a tokenizer.json file or a model directory (its tokenizer.json, or with --vocab or
 * when that is missing, its vocab.txt + tokenizer_config.json). Lines are split on '\n' only
 * (a '\r' stays in the text); bytes go to the tokenizer as they are, invalid UTF-8 included.
 * --max-len N truncates to N ids (default 512; 0 = no truncation). --offsets prints
 * [id, start, end] triples with byte offsets; --char-offsets the same in characters as decoded
 * (each maximal invalid subpart counting one, as node's TextDecoder does), which is what HF's
 * offsets count. --words prints the normalized, pre-tokenized
 * words (JSON strings) instead of ids. --bench also reports tokens/s on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/file.h"
#include "text/tok_internal.h" /* tok_utf8_next, for --char-offsets */
#include "text/tokenizer.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *read_stdin(size_t *len) {
  size_t cap = 1 << 20, n = 0;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (n == cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) {
        free(buf);
        return NULL;
      }
      buf = b;
    }
    size_t r = fread(buf + n, 1, cap - n, stdin);
    if (r == 0) break;
    n += r;
  }
  *len = n;
  return buf;
}

/* Prints one word as a JSON string escaped exactly as JavaScript's JSON.stringify does (UTF-8
 * kept; quote, backslash and controls escaped), so the output can be compared byte for byte. */
static void print_word(void *ctx, const char *w, size_t len, int chars) {
  int *count = ctx;
  fputs((*count)++ ? ",\"" : "\"", stdout);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)w[i];
    const char *short_esc = c == '"'    ? "\\\""
                            : c == '\\' ? "\\\\"
                            : c == '\b' ? "\\b"
                            : c == '\t' ? "\\t"
                            : c == '\n' ? "\\n"
                            : c == '\f' ? "\\f"
                            : c == '\r' ? "\\r"
                                        : NULL;
    if (short_esc)
      fputs(short_esc, stdout);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

/* --bench: encodes every line (ids only, no output) three times and reports the best pass. */
static int bench(const tokenizer *t, const char *in, size_t len, int max_len) {
  int32_t ids[1024];
  double best = 1e30;
  long long total = 0, lines = 0;
  for (int pass = 0; pass < 3; pass++) {
    total = lines = 0;
    double a = now_s();
    for (size_t p = 0; p < len;) {
      const char *nl = memchr(in + p, '\n', len - p);
      size_t end = nl ? (size_t)(nl - in) : len;
      int n = tok_encode(t, in + p, end - p, max_len, ids, NULL, 1024);
      if (n < 0) return 1;
      total += n;
      lines++;
      p = end + 1;
    }
    double dt = now_s() - a;
    if (dt < best) best = dt;
  }
  long long body = total - lines * tok_num_special(t);
  fprintf(stderr,
          "tok_dump --bench: %lld lines, %.1f MB, max length %d: %lld ids (%lld without "
          "[CLS]/[SEP]) in %.3f s: %.2f M ids/s (%.2f M word pieces/s), %.1f MB/s\n",
          lines, (double)len / 1e6, max_len, total, body, best, (double)total / best / 1e6,
          (double)body / best / 1e6, (double)len / best / 1e6);
  return 0;
}

static int open_tokenizer(const char *path, int force_vocab, tokenizer **t, brass_error *err) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    char json[4096], vocab[4096], cfg[4096];
    if (path_join(json, sizeof json, path, "tokenizer.json") ||
        path_join(vocab, sizeof vocab, path, "vocab.txt") ||
        path_join(cfg, sizeof cfg, path, "tokenizer_config.json")) {
      fprintf(stderr, "tok_dump: path too long\n");
      return -1;
    }
    if (!force_vocab && file_exists(json)) return tok_open_json(json, t, err);
    return tok_open_vocab(vocab, cfg, t, err);
  }
  return tok_open_json(path, t, err);
}

int main(int argc, char **argv) {
  int max_len = 512, force_vocab = 0, want_offsets = 0, do_bench = 0, words = 0, chars = 0;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--max-len") == 0 && i + 1 < argc)
      max_len = atoi(argv[++i]);
    else if (strcmp(argv[i], "--vocab") == 0)
      force_vocab = 1;
    else if (strcmp(argv[i], "--offsets") == 0)
      want_offsets = 1;
    else if (strcmp(argv[i], "--char-offsets") == 0)
      want_offsets = chars = 1;
    else if (strcmp(argv[i], "--bench") == 0)
      do_bench = 1;
    else if (strcmp(argv[i], "--words") == 0)
      words = 1;
    else if (argv[i][0] != '-' && !path)
      path = argv[i];
    else {
      fprintf(stderr,
              "usage: tok_dump [--vocab] [--max-len N] [--offsets|--char-offsets] [--words] "
              "[--bench] PATH\n");
      return 2;
    }
  }
  if (!path) {
    fprintf(stderr,
            "usage: tok_dump [--vocab] [--max-len N] [--offsets|--char-offsets] [--words] "
            "[--bench] PATH\n");
    return 2;
  }
  brass_error err = {0};
  tokenizer *t = NULL;
  if (open_tokenizer(path, force_vocab, &t, &err)) {
    fprintf(stderr, "tok_dump: %s\n", err.message);
    return 1;
  }
  size_t len = 0;
  char *in = read_stdin(&len);
  if (!in) {
    fprintf(stderr, "tok_dump: out of memory reading stdin\n");
    tok_close(t);
    return 1;
  }
  if (do_bench) {
    int brc = bench(t, in, len, max_len);
    free(in);
    tok_close(t);
    return brc;
  }
  int cap = 1024;
  int32_t *ids = malloc((size_t)cap * sizeof *ids);
  int32_t *offs = malloc(2 * (size_t)cap * sizeof *offs);
  long long lines = 0;
  size_t p = 0;
  int rc = 0;
  while (p < len && ids && offs) {
    const char *nl = memchr(in + p, '\n', len - p);
    size_t end = nl ? (size_t)(nl - in) : len;
    if (words) {
      int count = 0;
      putchar('[');
      if (tok_pretokenize(t, in + p, end - p, print_word, &count)) rc = 1;
      fputs("]\n", stdout);
      lines++;
      p = end + 1;
      continue;
    }
    int n = tok_encode(t, in + p, end - p, max_len, ids, want_offsets ? offs : NULL, cap);
    while (n > cap) { /* grow and encode again */
      cap = n;
      int32_t *i2 = realloc(ids, (size_t)cap * sizeof *ids);
      if (i2) ids = i2;
      int32_t *o2 = realloc(offs, 2 * (size_t)cap * sizeof *offs);
      if (o2) offs = o2;
      if (!i2 || !o2) break;
      n = tok_encode(t, in + p, end - p, max_len, ids, want_offsets ? offs : NULL, cap);
    }
    if (n < 0 || n > cap) {
      fprintf(stderr, "tok_dump: line %lld: encode failed (%d)\n", lines + 1, n);
      rc = 1;
      break;
    }
    if (chars) { /* byte offsets -> character offsets */
      int32_t *map = malloc((end - p + 1) * sizeof *map);
      if (!map) break;
      size_t q = 0, c = 0, m = end - p;
      while (q < m) {
        size_t r = q;
        tok_utf8_next((const unsigned char *)in + p, m, &r);
        while (q < r) map[q++] = (int32_t)c;
        c++;
      }
      map[m] = (int32_t)c;
      for (int i = 0; i < 2 * n; i++) offs[i] = map[offs[i]];
      free(map);
    }
    putchar('[');
    for (int i = 0; i < n; i++) {
      if (want_offsets)
        printf(i ? ",[%d,%d,%d]" : "[%d,%d,%d]", ids[i], offs[2 * i], offs[2 * i + 1]);
      else
        printf(i ? ",%d" : "%d", ids[i]);
    }
    fputs("]\n", stdout);
    lines++;
    p = end + 1;
  }
  free(ids);
  free(offs);
  free(in);
  tok_close(t);
  return rc;
}
