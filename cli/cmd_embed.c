/*
 * cmd_embed.c - `brass embed`: UTF-8 lines on stdin -> one JSON array per line on stdout (the
 * embedding, or with --tokens the token ids). Lines are read in groups so that output streams and
 * memory stays bounded however long the input is; each group is embedded in one brass_embed call
 * (which sorts by length and batches inside). Output is formatted into a buffer and written with
 * write(2), retrying on EAGAIN: under node (the WebAssembly build) stdout can be a non-blocking
 * pipe, where stdio would report a full pipe as a failed write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "brass.h"
#include "cli.h"

#define GROUP_LINES 512
#define MAX_LINE_BYTES (16u << 20)

static const char embed_help[] =
    "usage: brass embed --model DIR [options] < lines.txt\n"
    "\n"
    "Reads UTF-8 text from standard input, one text per line, and writes one JSON array per\n"
    "line to standard output: the text's embedding (unit length), or with --tokens its token ids\n"
    "including [CLS] and [SEP]. Empty lines are embedded like any other text. Invalid UTF-8 is\n"
    "read with each bad sequence replaced by U+FFFD, as browsers do.\n"
    "\n"
    "options:\n"
    "  --model DIR       Hugging Face model folder (config.json, model.safetensors, "
    "tokenizer.json\n"
    "                    or vocab.txt, sentence-transformers files); also $BRASS_MODEL\n"
    "  --dtype int8|f32  Linear layers in int8 (faster; vectors within 0.1% of f32) or f32\n"
    "                    (default: $BRASS_DTYPE, else f32)\n"
    "  --threads N       threads to use (default: $BRASS_THREADS, else all online cores)\n"
    "  --tokens          print token ids instead of embeddings\n"
    "  --query           embed the lines as queries (models such as e5 prefix \"query: \")\n"
    "  --prefix TEXT     prepend TEXT to every line (overrides the model's prefix)\n"
    "  --batch N         texts per forward pass (default 32)\n"
    "  --max-length N    truncate to N tokens including [CLS] and [SEP] (default: the model's)\n"
    "  --help            show this help\n"
    "\n"
    "exit status: 0 on success, 1 on bad input (the message names the file and the problem),\n"
    "2 on a usage error.\n";

typedef struct embed_args {
  const char *model_dir;
  brass_model_options opts;
  int tokens;
  brass_text_kind kind;
} embed_args;

static int parse_args(int argc, char **argv, embed_args *a) {
  memset(a, 0, sizeof *a);
  a->model_dir = getenv("BRASS_MODEL");
  const char *prefix = NULL;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if ((r = cli_option_value(argc, argv, &i, "--model", &v))) {
      if (r < 0) return -1;
      a->model_dir = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--dtype", &v))) {
      if (r < 0 || cli_parse_dtype(v, &a->opts.dtype)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
      if (r < 0 || cli_parse_threads("--threads", v, &a->opts.threads)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--batch", &v))) {
      if (r < 0 || cli_parse_int("--batch", v, 1, 4096, &a->opts.batch_size)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--max-length", &v))) {
      if (r < 0 || cli_parse_int("--max-length", v, 2, 1 << 20, &a->opts.max_seq_length)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--prefix", &v))) {
      if (r < 0) return -1;
      prefix = v;
    } else if (!strcmp(argv[i], "--tokens")) {
      a->tokens = 1;
    } else if (!strcmp(argv[i], "--query")) {
      a->kind = BRASS_QUERY;
    } else {
      cli_error(CLI_USAGE, "embed: unknown argument '%s' (see 'brass help embed')", argv[i]);
      return -1;
    }
  }
  if (!a->model_dir || !*a->model_dir) {
    cli_error(CLI_USAGE, "embed: --model DIR is required (see 'brass help embed')");
    return -1;
  }
  if (prefix) {
    if (a->kind == BRASS_QUERY)
      a->opts.query_prefix = prefix;
    else
      a->opts.passage_prefix = prefix;
  }
  return 0;
}

/* Reads up to GROUP_LINES lines into lines[]; returns the count, or -1 on a line that is too long
 * (after printing the error). *lineno counts lines read so far. */
static int read_group(char **lines, size_t *caps, long *lineno, int *eof) {
  int n = 0;
  while (n < GROUP_LINES) {
    long len = cli_read_line(&lines[n], &caps[n], lineno, MAX_LINE_BYTES);
    if (len == -1) {
      *eof = 1;
      break;
    }
    if (len < 0) return -1;
    n++;
  }
  return n;
}

static void print_vector(out_buf *o, const float *v, int dim) {
  out_str(o, "[");
  for (int j = 0; j < dim; j++) out_printf_float(o, j ? "," : "", v[j]);
  out_str(o, "]\n");
}

static int print_tokens(out_buf *o, brass_model *model, const char *text, int32_t **ids, int *cap) {
  brass_error err;
  int n = brass_tokenize(model, text, *ids, *cap, &err);
  if (n > *cap) { /* static models see every id of the text: make room and ask again */
    int32_t *grown = realloc(*ids, (size_t)n * sizeof **ids);
    if (!grown) return cli_error(CLI_FAIL, "out of memory");
    *ids = grown;
    *cap = n;
    n = brass_tokenize(model, text, *ids, *cap, &err);
  }
  if (n < 0) return cli_error(CLI_FAIL, "%s", err.message);
  out_str(o, "[");
  for (int j = 0; j < n && j < *cap; j++) out_printf_int(o, j ? "," : "", (*ids)[j]);
  out_str(o, "]\n");
  return 0;
}

static int run_embed(int argc, char **argv) {
  embed_args a;
  if (parse_args(argc, argv, &a)) return CLI_USAGE;

  brass_error err;
  brass_model *model = NULL;
  if (cli_model_unknown("embed", a.model_dir)) return CLI_FAIL;
  if (brass_model_open(cli_resolve_model(a.model_dir), &a.opts, &model, &err))
    return cli_error(CLI_FAIL, "%s", err.message);

  int dim = brass_model_dim(model), maxlen = brass_model_max_length(model);
  char *lines[GROUP_LINES] = {0};
  size_t caps[GROUP_LINES] = {0};
  float *vectors = malloc(sizeof(float) * (size_t)GROUP_LINES * (size_t)dim);
  int32_t *ids = malloc(sizeof(int32_t) * (size_t)maxlen);
  int rc = CLI_OK, eof = 0;
  long lineno = 0;
  out_buf out = {0};
  if (!vectors || !ids) rc = cli_error(CLI_FAIL, "out of memory");
  while (rc == CLI_OK && !eof) {
    long first = lineno + 1;
    int n = read_group(lines, caps, &lineno, &eof);
    if (n < 0) {
      rc = CLI_FAIL;
      break;
    }
    if (a.tokens) {
      for (int i = 0; i < n && rc == CLI_OK; i++)
        if (print_tokens(&out, model, lines[i], &ids, &maxlen)) rc = CLI_FAIL;
    } else if (n > 0) {
      if (brass_embed_as(model, a.kind, (const char *const *)lines, (size_t)n, vectors, &err)) {
        rc = cli_error(CLI_FAIL, "stdin lines %ld-%ld: %s", first, lineno, err.message);
        break;
      }
      for (int i = 0; i < n; i++) print_vector(&out, vectors + (size_t)i * (size_t)dim, dim);
    }
    int orc = out_group_done(&out); /* what was printed before a failure is still written */
    if (rc == CLI_OK) rc = orc;
  }
  if (rc == CLI_OK && ferror(stdin)) rc = cli_error(CLI_FAIL, "stdin: read failed");
  for (int i = 0; i < GROUP_LINES; i++) free(lines[i]);
  free(out.data);
  free(vectors);
  free(ids);
  brass_model_close(model);
  return rc;
}

const cli_command cli_embed = {
    .name = "embed",
    .summary = "embed lines of text from stdin, one JSON array per line",
    .help = embed_help,
    .run = run_embed,
};
