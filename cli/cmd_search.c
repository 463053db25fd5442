/*
 * cmd_search.c - `brass search`: one query against a library (brass_search), printed as a ranked
 * list (query terms in colour on a terminal) or with --json as one JSON object.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brass.h"
#include "cli.h"

#define QUERY_MAX 8192

static const char search_help[] =
    "usage: brass search [options] QUERY...\n"
    "\n"
    "Searches the library and prints the best documents, each once at the rank of its best\n"
    "chunk, with its path, line range, heading path, score and a snippet with the query words\n"
    "marked. The words of QUERY... are joined with spaces.\n"
    "\n"
    "options:\n"
    "  -n K               documents to return (default 10)\n"
    "  --mode MODE        hybrid (default: vector and BM25 lists fused with Reciprocal Rank\n"
    "                     Fusion), vector, or keyword (BM25). A library without a model\n"
    "                     searches by keyword and says so.\n"
    "  --exact            brute-force vector search instead of the HNSW graph\n"
    "  --rrf-k N          Reciprocal Rank Fusion constant (default 60)\n"
    "  --candidates N     chunks taken from each list before fusion (default max(50, 10 K))\n"
    "  --ef N             HNSW search list size (default 192; more: better recall, slower)\n"
    "  --rerank MODEL     rerank the fused top documents with a cross-encoder folder (or a\n"
    "                     pulled model's name, e.g. ms-marco-MiniLM-L6-v2); the score becomes\n"
    "                     its logit and the rerank time is reported\n"
    "  --rerank-top N     documents reranked (default 20: about 0.5 s with MiniLM-L-6 on 2\n"
    "                     cores; raised to -n)\n"
    "  --path P           only sources under the folder or file P, or matching the glob P\n"
    "                     ('*.md', 'docs/*'); repeatable (any may match). An existing relative\n"
    "                     folder is made absolute; other relative prefixes match whole path\n"
    "                     components anywhere ('src/engine')\n"
    "  --type EXTS        only files with these extensions (comma-separated: md,py)\n"
    "  --since T          only files modified at or after T: 2024-05-01, 2024-05-01T12:00Z\n"
    "                     (UTC), or an age: 30m, 12h, 7d, 2w\n"
    "  --before T         only files modified before T\n"
    "  --json             print one JSON object: {\"query\", \"mode\", \"took_ms\", \"timings\",\n"
    "                     \"results\": [{\"rank\", \"source\", \"line_start\", \"line_end\",\n"
    "                     \"heading\", \"score\", \"snippet\", \"text\"}]}; with --rerank also\n"
    "                     \"reranked\" and timings.rerank_ms\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --model DIR        embedding model folder (default: the one the library was indexed with)\n"
    "  --dtype int8|f32   embed the query in int8 or f32 (default: the dtype the library was\n"
    "                     indexed with, else $BRASS_DTYPE, else f32)\n"
    "  --threads N        threads to use (default: $BRASS_THREADS, else all online cores)\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success (also when nothing matches), 1 on bad input, 2 on a usage error.\n";

#define PATHS_MAX 64

typedef struct search_args {
  const char *library, *model_dir, *rerank;
  const char *paths[PATHS_MAX];
  char *owned[PATHS_MAX]; /* paths made absolute */
  brass_filter filter;
  brass_model_options mopts;
  brass_search_options sopts;
  int json;
  char query[QUERY_MAX];
} search_args;

static int parse_time(const char *opt, const char *v, int64_t *out) {
  brass_error err;
  if (!brass_parse_time(v, 0, out, &err)) return 0;
  cli_error(CLI_USAGE, "search: %s: %s", opt, err.message);
  return -1;
}

static int parse_args(int argc, char **argv, search_args *a) {
  memset(a, 0, sizeof *a);
  size_t qlen = 0;
  int options_done = 0;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if (!options_done && argv[i][0] == '-' && argv[i][1]) {
      if (!strcmp(argv[i], "--")) {
        options_done = 1;
      } else if ((r = cli_option_value(argc, argv, &i, "-n", &v))) {
        if (r < 0 || cli_parse_int("-n", v, 1, 10000, &a->sopts.k)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--mode", &v))) {
        if (r < 0) return -1;
        if (!strcmp(v, "hybrid"))
          a->sopts.mode = BRASS_SEARCH_HYBRID;
        else if (!strcmp(v, "vector"))
          a->sopts.mode = BRASS_SEARCH_VECTOR;
        else if (!strcmp(v, "keyword"))
          a->sopts.mode = BRASS_SEARCH_KEYWORD;
        else {
          cli_error(CLI_USAGE, "search: --mode must be hybrid, vector or keyword, not '%s'", v);
          return -1;
        }
      } else if ((r = cli_option_value(argc, argv, &i, "--rrf-k", &v))) {
        if (r < 0 || cli_parse_int("--rrf-k", v, 1, 1000000, &a->sopts.rrf_k)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--ef", &v))) {
        if (r < 0 || cli_parse_int("--ef", v, 1, 100000, &a->sopts.ef_search)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--candidates", &v))) {
        if (r < 0 || cli_parse_int("--candidates", v, 1, 100000, &a->sopts.candidates)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--rerank-top", &v))) {
        if (r < 0 || cli_parse_int("--rerank-top", v, 1, 10000, &a->sopts.rerank_top)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--rerank", &v))) {
        if (r < 0) return -1;
        a->rerank = v;
      } else if ((r = cli_library_option(argc, argv, &i, &a->library, &a->model_dir))) {
        if (r < 0) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--dtype", &v))) {
        if (r < 0 || cli_parse_dtype(v, &a->mopts.dtype)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
        if (r < 0 || cli_parse_threads("--threads", v, &a->mopts.threads)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--path", &v))) {
        if (r < 0) return -1;
        if (a->filter.n_paths == PATHS_MAX) {
          cli_error(CLI_USAGE, "search: at most %d --path options", PATHS_MAX);
          return -1;
        }
        char *abs = strpbrk(v, "*?[") || v[0] == '/' ? NULL : realpath(v, NULL);
        a->owned[a->filter.n_paths] = abs;
        a->paths[a->filter.n_paths++] = abs ? abs : v;
      } else if ((r = cli_option_value(argc, argv, &i, "--type", &v))) {
        if (r < 0) return -1;
        a->filter.types = v;
      } else if ((r = cli_option_value(argc, argv, &i, "--since", &v))) {
        if (r < 0 || parse_time("--since", v, &a->filter.since_ns)) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--before", &v))) {
        if (r < 0 || parse_time("--before", v, &a->filter.before_ns)) return -1;
      } else if (!strcmp(argv[i], "--exact")) {
        a->sopts.exact = 1;
      } else if (!strcmp(argv[i], "--json")) {
        a->json = 1;
      } else {
        cli_error(CLI_USAGE, "search: unknown option '%s' (see 'brass help search')", argv[i]);
        return -1;
      }
      continue;
    }
    size_t n = strlen(argv[i]);
    if (qlen + n + 2 > sizeof a->query) {
      cli_error(CLI_USAGE, "search: the query is longer than %d bytes", QUERY_MAX - 2);
      return -1;
    }
    if (qlen) a->query[qlen++] = ' ';
    memcpy(a->query + qlen, argv[i], n + 1);
    qlen += n;
  }
  if (!qlen) {
    cli_error(CLI_USAGE, "search: give a query (see 'brass help search')");
    return -1;
  }
  a->filter.paths = a->paths;
  if (brass_filter_active(&a->filter)) a->sopts.filter = &a->filter;
  return 0;
}

static int search_with(search_args *ap);

static int print_json(const brass_results *r) {
  char *s = brass_results_json(r);
  if (!s) return cli_error(CLI_FAIL, "out of memory");
  puts(s);
  free(s);
  return 0;
}

/* The marks the engine puts around query terms in text mode (U+E000, U+E001, private use): they
 * survive the escaping of the snippet and are then replaced by colour or '*'. */
#define MARK_OPEN "\xee\x80\x80"
#define MARK_CLOSE "\xee\x80\x81"

/* Writes the snippet with control characters escaped and the marks as open/close. */
static void print_snippet(const char *s, const char *open, const char *close) {
  while (*s) {
    const char *a = strstr(s, MARK_OPEN), *b = strstr(s, MARK_CLOSE);
    const char *m = a && (!b || a < b) ? a : b;
    size_t n = m ? (size_t)(m - s) : strlen(s);
    cli_text(stdout, "%.*s", (int)n, s);
    if (!m) break;
    fputs(m == a ? open : close, stdout);
    s = m + strlen(MARK_OPEN);
  }
}

static void print_text(const brass_results *r, int color) {
  if (r->note) cli_error(0, "%s", r->note);
  if (!r->count) {
    printf("no results\n");
    return;
  }
  for (size_t i = 0; i < r->count; i++) {
    const brass_result *x = &r->items[i];
    cli_text(stdout, "%d. %s:%d-%d", x->rank, x->source, x->line_start, x->line_end);
    if (x->heading[0]) cli_text(stdout, "  [%s]", x->heading);
    printf("  (%.4g)\n   ", x->score);
    print_snippet(x->snippet, color ? "\033[1;33m" : "*", color ? "\033[0m" : "*");
    putchar('\n');
  }
  if (r->reranked)
    printf("reranked the top %zu in %.0f ms (search %.0f ms in all)\n", r->reranked, r->rerank_ms,
           r->took_ms);
}

static void free_args(search_args *a) {
  for (size_t i = 0; i < PATHS_MAX; i++) free(a->owned[i]);
}

static int run_search(int argc, char **argv) {
  search_args a;
  int prc = parse_args(argc, argv, &a);
  int rc = prc ? CLI_USAGE : search_with(&a);
  free_args(&a);
  return rc;
}

static int search_with(search_args *ap) {
  search_args a = *ap;
  int color = !a.json && cli_isatty(STDOUT_FILENO);
  a.sopts.mark_open = a.json ? "**" : MARK_OPEN;
  a.sopts.mark_close = a.json ? "**" : MARK_CLOSE;
  brass_reranker *reranker = NULL;
  brass_error err;
  if (a.rerank) {
    brass_reranker_options ro = {.threads = a.mopts.threads, .dtype = a.mopts.dtype};
    if (brass_reranker_open(cli_resolve_model(a.rerank), &ro, &reranker, &err))
      return cli_error(CLI_FAIL, "%s", err.message);
    a.sopts.reranker = reranker;
  }
  brass_library *lib = NULL;
  int orc = cli_open_library("search", a.library, a.model_dir, &a.mopts,
                             BRASS_OPEN_EXISTING | BRASS_OPEN_READ, &lib, NULL);
  if (orc) {
    brass_reranker_close(reranker);
    return orc;
  }
  brass_results *r = NULL;
  int rc = brass_search(lib, a.query, &a.sopts, &r, &err);
  brass_library_close(lib);
  brass_reranker_close(reranker);
  if (rc) return cli_error(CLI_FAIL, "%s", err.message);
  rc = a.json ? print_json(r) : (print_text(r, color), 0);
  brass_results_free(r);
  return rc;
}

const cli_command cli_search = {
    .name = "search",
    .summary = "search a library (hybrid, vector or keyword)",
    .help = search_help,
    .run = run_search,
};
