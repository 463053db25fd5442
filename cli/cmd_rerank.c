/*
 * cmd_rerank.c - `brass rerank`: JSONL {"query", "passage"} pairs on stdin -> one score per line
 * (the cross-encoder's raw logit), in input order. Lines are read and scored in groups so memory
 * stays bounded; a bad line stops with one error naming its line number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "brass.h"
#include "cli.h"

#define RR_GROUP_LINES 256
#define RR_MAX_LINE_BYTES (16u << 20)

static const char rerank_help[] =
    "usage: brass rerank --model DIR [options] < pairs.jsonl\n"
    "\n"
    "Scores (query, passage) pairs with a cross-encoder (a BertForSequenceClassification folder\n"
    "with one label, such as cross-encoder/ms-marco-MiniLM-L-6-v2). Each stdin line is a JSON\n"
    "object {\"query\": \"...\", \"passage\": \"...\"}; each output line is the pair's score, the\n"
    "model's raw logit (higher = more relevant), in input order. Pairs are tokenised as\n"
    "[CLS] query [SEP] passage [SEP] and truncated longest-first to the model's max length.\n"
    "\n"
    "options:\n"
    "  --model DIR       cross-encoder folder, or a pulled model's name; also $BRASS_RERANKER\n"
    "  --json            print {\"score\": S} per line instead of the bare number\n"
    "  --tokens          print {\"ids\": [...], \"types\": [...]} per line instead of scoring\n"
    "  --threads N       threads to use (default: $BRASS_THREADS, else all online cores)\n"
    "  --max-length N    pair length in tokens (default: the tokenizer's, 512 for ms-marco)\n"
    "  --help            show this help\n"
    "\n"
    "exit status: 0 on success, 1 on bad input (the message names the line and the problem),\n"
    "2 on a usage error.\n";

typedef struct rerank_args {
  const char *model_dir;
  brass_reranker_options opts;
  int json, tokens;
} rerank_args;

static int parse_args(int argc, char **argv, rerank_args *a) {
  memset(a, 0, sizeof *a);
  a->model_dir = getenv("BRASS_RERANKER");
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if ((r = cli_option_value(argc, argv, &i, "--model", &v))) {
      if (r < 0) return -1;
      a->model_dir = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
      if (r < 0 || cli_parse_int("--threads", v, 1, 256, &a->opts.threads)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--max-length", &v))) {
      if (r < 0 || cli_parse_int("--max-length", v, 5, 1 << 20, &a->opts.max_length)) return -1;
    } else if (!strcmp(argv[i], "--json")) {
      a->json = 1;
    } else if (!strcmp(argv[i], "--tokens")) {
      a->tokens = 1;
    } else {
      cli_error(CLI_USAGE, "rerank: unknown argument '%s' (see 'brass help rerank')", argv[i]);
      return -1;
    }
  }
  if (!a->model_dir || !*a->model_dir) {
    cli_error(CLI_USAGE, "rerank: --model DIR is required (see 'brass help rerank')");
    return -1;
  }
  return 0;
}

/* The query and passage strings of one JSONL line (owned by *root), or an error naming it. */
static int parse_pair(const char *line, long lineno, cJSON **root, const char **q, const char **p) {
  *root = cJSON_Parse(line);
  if (!cJSON_IsObject(*root))
    return cli_error(CLI_FAIL, "stdin line %ld: not a JSON object {\"query\", \"passage\"}",
                     lineno);
  const cJSON *jq = cJSON_GetObjectItemCaseSensitive(*root, "query");
  const cJSON *jp = cJSON_GetObjectItemCaseSensitive(*root, "passage");
  if (!cJSON_IsString(jq) || !cJSON_IsString(jp))
    return cli_error(CLI_FAIL, "stdin line %ld: \"query\" and \"passage\" must both be strings",
                     lineno);
  *q = jq->valuestring;
  *p = jp->valuestring;
  return 0;
}

static int print_pair_tokens(out_buf *o, const brass_reranker *r, const char *q, const char *p,
                             int32_t *ids, uint8_t *types, int cap, long lineno) {
  brass_error err;
  int n = brass_tokenize_pair(r, q, p, ids, types, cap, &err);
  if (n < 0 || n > cap) return cli_error(CLI_FAIL, "stdin line %ld: %s", lineno, err.message);
  out_str(o, "{\"ids\":[");
  for (int j = 0; j < n; j++) out_printf_int(o, j ? "," : "", ids[j]);
  out_str(o, "],\"types\":[");
  for (int j = 0; j < n; j++) out_printf_int(o, j ? "," : "", types[j]);
  out_str(o, "]}\n");
  return 0;
}

static int run_rerank(int argc, char **argv) {
  rerank_args a;
  if (parse_args(argc, argv, &a)) return CLI_USAGE;
  brass_error err;
  brass_reranker *r = NULL;
  if (brass_reranker_open(cli_resolve_model(a.model_dir), &a.opts, &r, &err))
    return cli_error(CLI_FAIL, "%s", err.message);
  const int cap = brass_reranker_max_length(r);
  char *line = NULL;
  size_t line_cap = 0;
  cJSON *roots[RR_GROUP_LINES] = {0};
  const char *qs[RR_GROUP_LINES], *ps[RR_GROUP_LINES];
  float scores[RR_GROUP_LINES];
  int32_t *ids = malloc((size_t)cap * sizeof *ids);
  uint8_t *types = malloc((size_t)cap);
  out_buf out = {0};
  int rc = ids && types ? CLI_OK : cli_error(CLI_FAIL, "out of memory");
  long lineno = 0;
  int eof = 0;
  while (rc == CLI_OK && !eof) {
    int n = 0;
    while (rc == CLI_OK && n < RR_GROUP_LINES) {
      long len = cli_read_line(&line, &line_cap, &lineno, RR_MAX_LINE_BYTES);
      if (len == -1) {
        eof = 1;
        break;
      }
      if (len < 0)
        rc = CLI_FAIL;
      else if (parse_pair(line, lineno, &roots[n], &qs[n], &ps[n]))
        rc = CLI_FAIL;
      else if (a.tokens && print_pair_tokens(&out, r, qs[n], ps[n], ids, types, cap, lineno))
        rc = CLI_FAIL;
      n++;
    }
    if (rc == CLI_OK && !a.tokens && n > 0) {
      if (brass_rerank_pairs(r, qs, ps, (size_t)n, scores, &err)) {
        rc = cli_error(CLI_FAIL, "stdin lines %ld-%ld: %s", lineno - n + 1, lineno, err.message);
      } else {
        for (int i = 0; i < n; i++) {
          out_str(&out, a.json ? "{\"score\":" : "");
          out_printf_float(&out, "", scores[i]);
          out_str(&out, a.json ? "}\n" : "\n");
        }
      }
    }
    for (int i = 0; i < n; i++) {
      cJSON_Delete(roots[i]);
      roots[i] = NULL;
    }
    if (rc == CLI_OK) rc = out_group_done(&out);
  }
  if (rc == CLI_OK && ferror(stdin)) rc = cli_error(CLI_FAIL, "stdin: read failed");
  free(line);
  free(out.data);
  free(ids);
  free(types);
  brass_reranker_close(r);
  return rc;
}

const cli_command cli_rerank = {
    .name = "rerank",
    .summary = "score (query, passage) JSONL pairs with a cross-encoder",
    .help = rerank_help,
    .run = run_rerank,
};
