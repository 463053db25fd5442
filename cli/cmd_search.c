/*
 * cmd_search.c - `brass search`: one query against a library (brass_search), printed as a ranked
 * list (query terms in colour on a terminal) or with --json as one JSON object.
 */
#include <errno.h>
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
    "                     \"heading\", \"score\", \"snippet\", \"text\"}]}\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --model DIR        embedding model folder (default: the one the library was indexed with)\n"
    "  --threads N        threads to use (default: $BRASS_THREADS, else all online cores)\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success (also when nothing matches), 1 on bad input, 2 on a usage error.\n";

#define PATHS_MAX 64

typedef struct search_args {
  const char *library, *model_dir;
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
      } else if ((r = cli_library_option(argc, argv, &i, &a->library, &a->model_dir))) {
        if (r < 0) return -1;
      } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
        if (r < 0 || cli_parse_int("--threads", v, 1, 256, &a->mopts.threads)) return -1;
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

static void print_text(const brass_results *r) {
  if (r->note) fprintf(stderr, "brass: %s\n", r->note);
  if (!r->count) {
    printf("no results\n");
    return;
  }
  for (size_t i = 0; i < r->count; i++) {
    const brass_result *x = &r->items[i];
    printf("%d. %s:%d-%d", x->rank, x->source, x->line_start, x->line_end);
    if (x->heading[0]) printf("  [%s]", x->heading);
    printf("  (%.4g)\n   %s\n", x->score, x->snippet);
  }
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
  a.sopts.mark_open = a.json ? "**" : color ? "\033[1;33m" : "*";
  a.sopts.mark_close = a.json ? "**" : color ? "\033[0m" : "*";
  brass_library *lib = NULL;
  int orc =
      cli_open_library("search", a.library, a.model_dir, &a.mopts, BRASS_OPEN_EXISTING, &lib, NULL);
  if (orc) return orc;
  brass_error err;
  brass_results *r = NULL;
  int rc = brass_search(lib, a.query, &a.sopts, &r, &err);
  brass_library_close(lib);
  if (rc) return cli_error(CLI_FAIL, "%s", err.message);
  rc = a.json ? print_json(r) : (print_text(r), 0);
  brass_results_free(r);
  if (rc) return rc;
  if (fflush(stdout)) return cli_error(CLI_FAIL, "stdout: write failed: %s", strerror(errno));
  return CLI_OK;
}

const cli_command cli_search = {
    .name = "search",
    .summary = "search a library (hybrid, vector or keyword)",
    .help = search_help,
    .run = run_search,
};
