/*
 * cmd_eval.c - `brass eval`: ranking quality of the search modes on judged queries. Parses the
 * options, builds the list of systems to score (one per mode, one hybrid per --rrf-k value, or a
 * TREC run file), runs every query through each (brass_eval_search), and prints per system the
 * mean of each metric with its bootstrap 95% interval, then paired differences between systems.
 * A system is an entry in a small table (eval_system), so a new mode is one more entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "brass.h"
#include "cli.h"

#define EVAL_MAX_SYSTEMS 16
#define EVAL_DEPTH 100 /* results per query: recall@100 needs 100 */
#define EVAL_RESAMPLES 1000
#define EVAL_SEED 42

static const char eval_help[] =
    "usage: brass eval DATASET [options]\n"
    "       brass eval --queries FILE --qrels FILE [--library FILE] [options]\n"
    "\n"
    "Measures ranking quality. DATASET is a BEIR folder (corpus.jsonl with _id, title, text;\n"
    "queries.jsonl with _id, text; qrels/test.tsv with a header 'query-id corpus-id score'):\n"
    "its corpus is indexed into --library FILE (kept) or a temporary library, each document a\n"
    "source named by its _id, titles searched as a field. With --queries and --qrels instead,\n"
    "an existing library is searched and a result counts as corpus id X when its source path is X\n"
    "or ends with /X, with or without its file extension.\n"
    "\n"
    "For every system it prints NDCG@k, MRR@k, MAP@k, recall@k and recall@100 (trec_eval's\n"
    "definitions, graded relevance) with bootstrap 95% intervals over the queries, then paired\n"
    "differences between the systems (95% interval and bootstrap p-value).\n"
    "\n"
    "options:\n"
    "  --mode MODE        keyword, vector, hybrid, rerank or all (default all: keyword, and with "
    "a\n"
    "                     model also vector and hybrid, and with --rerank also rerank)\n"
    "  -k N               cutoff of the @k metrics (default 10)\n"
    "  --rrf-k LIST       hybrid once per Reciprocal Rank Fusion constant, e.g. 10,30,60,100\n"
    "  --rerank MODEL     cross-encoder folder (or pulled name) for the rerank mode: hybrid\n"
    "                     search, then its top --rerank-top results reordered by the model\n"
    "  --rerank-top N     results reranked per query (default 20, as 'brass search')\n"
    "  --run FILE         also score a TREC run file (qid Q0 docid rank score tag), e.g. a\n"
    "                     baseline's; without --mode, only the run is scored\n"
    "  --per-query        also print each query's scores (with --json: its ranking)\n"
    "  --json             one JSON object: {\"dataset\", \"queries\", \"k\", \"systems\": "
    "[{\"mode\",\n"
    "                     \"ndcg@10\", \"ndcg@10_ci\": [lo, hi], ...}], \"comparisons\",\n"
    "                     \"per_query\": [{\"query_id\", \"mode\", \"ranking\", \"ndcg@10\", "
    "...}]}\n"
    "  --queries FILE     queries (JSON Lines with _id and text)\n"
    "  --qrels FILE       judgments (BEIR tsv, or TREC 'qid 0 docid grade')\n"
    "  --library FILE     library to index into (DATASET) or to search (--queries)\n"
    "  --model DIR        embedding model folder or pulled model name\n"
    "  --threads N        threads to use (default: $BRASS_THREADS, else all online cores)\n"
    "  --quiet            no progress bar\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success, 1 on bad input, 2 on a usage error.\n";

typedef enum { SYS_SEARCH, SYS_RUN } eval_kind;

/* One system to score: a search mode (with its fusion constant) or a run file. */
typedef struct eval_system {
  eval_kind kind;
  char label[48];   /* "keyword", "hybrid", "hybrid(rrf_k=30)", "run" */
  const char *mode; /* the "mode" written to JSON */
  brass_search_options o;
  int rrf_k;        /* 0 unless swept */
  double *scores;   /* nq * BRASS_EVAL_METRICS */
  char ***rankings; /* per query, with --per-query --json */
  size_t *nrank;
} eval_system;

typedef struct eval_args {
  const char *dataset, *queries, *qrels, *library, *model_dir, *mode, *rerank, *run;
  brass_model_options mopts;
  int k, per_query, json, quiet;
  int rerank_top; /* 0: BRASS_RERANK_TOP_DEFAULT */
  int rrf[8], nrrf;
} eval_args;

static int parse_rrf(const char *v, eval_args *a) {
  a->nrrf = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", v);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
    if (a->nrrf == 8) {
      cli_error(CLI_USAGE, "eval: --rrf-k takes at most 8 values");
      return -1;
    }
    if (cli_parse_int("--rrf-k", t, 1, 1000000, &a->rrf[a->nrrf++])) return -1;
  }
  if (!a->nrrf) return cli_error(CLI_USAGE, "eval: --rrf-k needs a value"), -1;
  return 0;
}

static int parse_args(int argc, char **argv, eval_args *a) {
  memset(a, 0, sizeof *a);
  a->k = 10;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if (argv[i][0] != '-' || !argv[i][1]) {
      if (a->dataset) {
        cli_error(CLI_USAGE, "eval: one DATASET only (got '%s' and '%s')", a->dataset, argv[i]);
        return -1;
      }
      a->dataset = argv[i];
    } else if ((r = cli_option_value(argc, argv, &i, "-k", &v))) {
      if (r < 0 || cli_parse_int("-k", v, 1, 1000, &a->k)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--mode", &v))) {
      if (r < 0) return -1;
      if (strcmp(v, "keyword") && strcmp(v, "vector") && strcmp(v, "hybrid") &&
          strcmp(v, "rerank") && strcmp(v, "all")) {
        cli_error(CLI_USAGE,
                  "eval: --mode must be keyword, vector, hybrid, rerank or all, not '%s'", v);
        return -1;
      }
      a->mode = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--rrf-k", &v))) {
      if (r < 0 || parse_rrf(v, a)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--rerank", &v))) {
      if (r < 0) return -1;
      a->rerank = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--rerank-top", &v))) {
      if (r < 0 || cli_parse_int("--rerank-top", v, 1, 10000, &a->rerank_top)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--run", &v))) {
      if (r < 0) return -1;
      a->run = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--queries", &v))) {
      if (r < 0) return -1;
      a->queries = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--qrels", &v))) {
      if (r < 0) return -1;
      a->qrels = v;
    } else if ((r = cli_library_option(argc, argv, &i, &a->library, &a->model_dir))) {
      if (r < 0) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
      if (r < 0 || cli_parse_int("--threads", v, 1, 256, &a->mopts.threads)) return -1;
    } else if (!strcmp(argv[i], "--per-query")) {
      a->per_query = 1;
    } else if (!strcmp(argv[i], "--json")) {
      a->json = 1;
    } else if (!strcmp(argv[i], "--quiet")) {
      a->quiet = 1;
    } else {
      cli_error(CLI_USAGE, "eval: unknown option '%s' (see 'brass help eval')", argv[i]);
      return -1;
    }
  }
  if (!a->mode) a->mode = a->run ? "none" : "all";
  if (!a->dataset && !(a->queries && a->qrels)) {
    cli_error(CLI_USAGE,
              "eval: give a BEIR folder, or --queries and --qrels (see 'brass help "
              "eval')");
    return -1;
  }
  if (!strcmp(a->mode, "rerank") && !a->rerank) {
    cli_error(CLI_USAGE, "eval: --mode rerank needs --rerank MODEL");
    return -1;
  }
  return 0;
}

/* ---- progress ----------------------------------------------------------------------------- */

typedef struct eval_progress {
  int tty, quiet, shown;
  const char *what;
} eval_progress;

static void progress_draw(eval_progress *p, long long done, long long total) {
  if (p->quiet || !p->tty) return;
  int width = 40, fill = total > 0 ? (int)(width * done / total) : 0;
  char bar[64];
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
  bar[width] = '\0';
  fprintf(stderr, "\r[%s] %lld/%lld %s\033[K", bar, done, total, p->what);
  fflush(stderr);
  p->shown = 1;
}

static void progress_done(eval_progress *p) {
  if (p->shown) fputc('\n', stderr);
  p->shown = 0;
}

static void on_index_progress(void *ctx, const brass_index_progress *ip) {
  if (ip->note) return;
  progress_draw(ctx, (long long)ip->files_done, (long long)ip->files_total);
}

/* ---- run files ------------------------------------------------------------------------------ */

typedef struct run_line {
  char *qid, *doc;
  double score;
} run_line;

static int run_cmp(const void *a, const void *b) {
  const run_line *x = a, *y = b;
  int c = strcmp(x->qid, y->qid);
  if (c) return c;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return -strcmp(x->doc, y->doc); /* trec_eval: equal scores by docno, descending */
}

/* Reads a TREC run file into per-query rankings of sys (ordered as trec_eval orders them). */
static int load_run(const char *path, brass_eval *ev, eval_system *sys) {
  FILE *f = fopen(path, "r");
  if (!f) return cli_error(CLI_FAIL, "%s: %s", path, strerror(errno));
  run_line *L = NULL;
  size_t n = 0, cap = 0;
  char line[8192];
  long ln = 0;
  int rc = CLI_OK;
  while (fgets(line, sizeof line, f)) {
    ln++;
    char q[1024], it[64], d[4096], tag[256];
    int rank;
    double score;
    if (line[0] == '\n' || line[0] == '\0') continue;
    if (sscanf(line, "%1023s %63s %4095s %d %lf %255s", q, it, d, &rank, &score, tag) < 5) {
      rc = cli_error(CLI_FAIL, "%s:%ld: expected 'qid Q0 docid rank score tag'", path, ln);
      break;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      run_line *nl = realloc(L, cap * sizeof *nl);
      if (!nl) {
        rc = cli_error(CLI_FAIL, "out of memory");
        break;
      }
      L = nl;
    }
    L[n].qid = strdup(q);
    L[n].doc = strdup(d);
    L[n].score = score;
    n++;
    if (!L[n - 1].qid || !L[n - 1].doc) {
      rc = cli_error(CLI_FAIL, "out of memory");
      break;
    }
  }
  fclose(f);
  if (!rc && n) qsort(L, n, sizeof *L, run_cmp);
  for (size_t i = 0; !rc && i < n;) {
    size_t j = i;
    while (j < n && !strcmp(L[j].qid, L[i].qid)) j++;
    long qi = brass_eval_find(ev, L[i].qid);
    if (qi >= 0 && !sys->rankings[qi]) {
      char **r = calloc(j - i, sizeof *r);
      if (!r) {
        rc = cli_error(CLI_FAIL, "out of memory");
        break;
      }
      for (size_t k = i; k < j; k++) {
        r[k - i] = L[k].doc;
        L[k].doc = NULL;
      }
      sys->rankings[qi] = r;
      sys->nrank[qi] = j - i;
    }
    i = j;
  }
  for (size_t i = 0; i < n; i++) {
    free(L[i].qid);
    free(L[i].doc);
  }
  free(L);
  return rc;
}

/* ---- systems ------------------------------------------------------------------------------ */

static int add_system(eval_system *s, int *ns, eval_kind kind, brass_search_mode mode, int rrf_k,
                      int swept) {
  if (*ns >= EVAL_MAX_SYSTEMS) return cli_error(CLI_USAGE, "eval: too many systems");
  eval_system *x = &s[(*ns)++];
  memset(x, 0, sizeof *x);
  x->kind = kind;
  x->o.k = EVAL_DEPTH;
  x->o.mode = mode;
  x->o.rrf_k = rrf_k;
  x->rrf_k = swept ? rrf_k : 0;
  x->mode = kind == SYS_RUN ? "run" : brass_search_mode_name(mode);
  if (swept)
    snprintf(x->label, sizeof x->label, "%s(rrf_k=%d)", x->mode, rrf_k);
  else
    snprintf(x->label, sizeof x->label, "%s", x->mode);
  return 0;
}

/* The rerank system: hybrid search whose top rerank_top results the cross-encoder reorders. */
static int add_rerank(const eval_args *a, brass_reranker *rr, eval_system *s, int *ns) {
  int rc = add_system(s, ns, SYS_SEARCH, BRASS_SEARCH_HYBRID, 0, 0);
  if (rc) return rc;
  eval_system *x = &s[*ns - 1];
  x->o.reranker = rr;
  x->o.rerank_top = a->rerank_top;
  x->mode = "rerank";
  snprintf(x->label, sizeof x->label, "rerank");
  return 0;
}

/* The systems the options ask for; modes that need a model are left out (with a note) when the
 * library has none, unless asked for by name. rr: the opened --rerank model, or NULL. */
static int plan_systems(const eval_args *a, int have_model, brass_reranker *rr, eval_system *s,
                        int *ns) {
  *ns = 0;
  if (a->run) {
    int rc = add_system(s, ns, SYS_RUN, BRASS_SEARCH_KEYWORD, 0, 0);
    const char *b = strrchr(a->run, '/');
    snprintf(s[0].label, sizeof s[0].label, "%s", b ? b + 1 : a->run);
    char *dot = strrchr(s[0].label, '.');
    if (dot && dot != s[0].label) *dot = '\0';
    if (rc || !strcmp(a->mode, "none")) return rc;
  }
  int all = !strcmp(a->mode, "all");
  if ((!all && strcmp(a->mode, "keyword")) && !have_model)
    return cli_error(CLI_FAIL, "eval: --mode %s needs a model (pass --model DIR)", a->mode);
  int rc = 0;
  if (all || !strcmp(a->mode, "keyword"))
    rc = add_system(s, ns, SYS_SEARCH, BRASS_SEARCH_KEYWORD, 0, 0);
  if (!rc && have_model && (all || !strcmp(a->mode, "vector")))
    rc = add_system(s, ns, SYS_SEARCH, BRASS_SEARCH_VECTOR, 0, 0);
  if (!rc && have_model && (all || !strcmp(a->mode, "hybrid"))) {
    if (!a->nrrf) rc = add_system(s, ns, SYS_SEARCH, BRASS_SEARCH_HYBRID, 0, 0);
    for (int i = 0; !rc && i < a->nrrf; i++)
      rc = add_system(s, ns, SYS_SEARCH, BRASS_SEARCH_HYBRID, a->rrf[i], 1);
  }
  if (!rc && have_model && rr && (all || !strcmp(a->mode, "rerank"))) rc = add_rerank(a, rr, s, ns);
  if (!rc && all && !have_model && !a->quiet)
    fprintf(stderr, "brass: eval: the library has no model: keyword mode only\n");
  return rc;
}

/* Searches every query with every search system; fills scores (and rankings when kept). */
static int run_systems(const eval_args *a, brass_eval *ev, brass_library *lib, eval_system *s,
                       int ns, int keep) {
  size_t nq = brass_eval_count(ev);
  eval_progress p = {cli_isatty(STDERR_FILENO), a->quiet, 0, "queries"};
  long long total = (long long)nq * ns, done = 0;
  for (int k = 0; k < ns; k++) {
    for (size_t i = 0; i < nq; i++, done++) {
      char **r = s[k].rankings[i];
      size_t n = s[k].nrank[i];
      if (s[k].kind == SYS_SEARCH) {
        brass_error err;
        if (brass_eval_search(ev, lib, i, &s[k].o, &r, &n, &err)) {
          progress_done(&p);
          return cli_error(CLI_FAIL, "query %s: %s", brass_eval_query_id(ev, i), err.message);
        }
      }
      brass_eval_judge(ev, i, (const char *const *)r, n, a->k,
                       s[k].scores + i * BRASS_EVAL_METRICS);
      if (keep || s[k].kind == SYS_RUN) {
        s[k].rankings[i] = r;
        s[k].nrank[i] = n;
      } else {
        brass_eval_ranking_free(r, n);
      }
      if (done % 16 == 0) progress_draw(&p, done, total);
    }
  }
  progress_draw(&p, total, total);
  progress_done(&p);
  return 0;
}

/* ---- printing ------------------------------------------------------------------------------- */

/* The metric m of every query of system s, as one array (for the bootstrap). */
static void column(const eval_system *s, size_t nq, int m, double *out) {
  for (size_t i = 0; i < nq; i++) out[i] = s->scores[i * BRASS_EVAL_METRICS + m];
}

static void ci_pair(cJSON *o, const char *label, double lo, double hi) {
  char key[64];
  snprintf(key, sizeof key, "%s_ci", label);
  cJSON *a = cJSON_AddArrayToObject(o, key);
  if (!a) return;
  cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
}

static const char *dataset_name(const eval_args *a) {
  const char *d = a->dataset ? a->dataset : a->qrels;
  size_t n = strlen(d);
  while (n > 1 && d[n - 1] == '/') n--;
  static char buf[512];
  snprintf(buf, sizeof buf, "%.*s", (int)n, d);
  return buf;
}

static int print_json(const eval_args *a, brass_eval *ev, eval_system *s, int ns, double *x,
                      double *y) {
  size_t nq = brass_eval_count(ev);
  cJSON *o = cJSON_CreateObject();
  if (!o) return cli_error(CLI_FAIL, "out of memory");
  cJSON_AddStringToObject(o, "dataset", dataset_name(a));
  cJSON_AddNumberToObject(o, "queries", (double)nq);
  cJSON_AddNumberToObject(o, "k", a->k);
  cJSON *sys = cJSON_AddArrayToObject(o, "systems");
  cJSON *cmp = cJSON_AddArrayToObject(o, "comparisons");
  if (!sys || !cmp) {
    cJSON_Delete(o);
    return cli_error(CLI_FAIL, "out of memory");
  }
  char label[32];
  for (int k = 0; k < ns; k++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(sys, e);
    cJSON_AddStringToObject(e, "mode", s[k].mode);
    cJSON_AddStringToObject(e, "system", s[k].label);
    if (s[k].rrf_k) cJSON_AddNumberToObject(e, "rrf_k", s[k].rrf_k);
    for (int m = 0; m < BRASS_EVAL_METRICS; m++) {
      double mean, lo, hi;
      column(&s[k], nq, m, x);
      brass_eval_bootstrap(x, NULL, nq, EVAL_RESAMPLES, EVAL_SEED, &mean, &lo, &hi, NULL);
      brass_eval_metric_label(m, a->k, label, sizeof label);
      cJSON_AddNumberToObject(e, label, mean);
      ci_pair(e, label, lo, hi);
    }
  }
  for (int i = 0; i < ns; i++)
    for (int j = i + 1; j < ns; j++)
      for (int m = 0; m < BRASS_EVAL_METRICS; m++) {
        double mean, lo, hi, p;
        column(&s[j], nq, m, x);
        column(&s[i], nq, m, y);
        brass_eval_bootstrap(x, y, nq, EVAL_RESAMPLES, EVAL_SEED, &mean, &lo, &hi, &p);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(cmp, e);
        cJSON_AddStringToObject(e, "a", s[j].label);
        cJSON_AddStringToObject(e, "b", s[i].label);
        cJSON_AddStringToObject(e, "metric", brass_eval_metric_label(m, a->k, label, sizeof label));
        cJSON_AddNumberToObject(e, "diff", mean);
        ci_pair(e, "diff", lo, hi);
        cJSON_AddNumberToObject(e, "p", p);
      }
  if (a->per_query) {
    cJSON *pq = cJSON_AddArrayToObject(o, "per_query");
    for (int k = 0; pq && k < ns; k++)
      for (size_t i = 0; i < nq; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(pq, e);
        cJSON_AddStringToObject(e, "query_id", brass_eval_query_id(ev, i));
        cJSON_AddStringToObject(e, "mode", s[k].mode);
        if (s[k].rrf_k) cJSON_AddNumberToObject(e, "rrf_k", s[k].rrf_k);
        cJSON *r = cJSON_AddArrayToObject(e, "ranking");
        for (size_t n = 0; r && n < s[k].nrank[i]; n++)
          cJSON_AddItemToArray(r, cJSON_CreateString(s[k].rankings[i][n]));
        for (int m = 0; m < BRASS_EVAL_METRICS; m++)
          cJSON_AddNumberToObject(e, brass_eval_metric_label(m, a->k, label, sizeof label),
                                  s[k].scores[i * BRASS_EVAL_METRICS + m]);
      }
  }
  char *txt = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!txt) return cli_error(CLI_FAIL, "out of memory");
  puts(txt);
  free(txt);
  return 0;
}

static void print_text(const eval_args *a, brass_eval *ev, eval_system *s, int ns, double *x,
                       double *y) {
  size_t nq = brass_eval_count(ev);
  char label[32];
  printf("%s: %zu judged queries, cutoff %d, bootstrap 95%% intervals (%d resamples)\n\n",
         dataset_name(a), nq, a->k, EVAL_RESAMPLES);
  printf("%-20s", "system");
  for (int m = 0; m < BRASS_EVAL_METRICS; m++)
    printf("  %-21s", brass_eval_metric_label(m, a->k, label, sizeof label));
  printf("\n");
  for (int k = 0; k < ns; k++) {
    printf("%-20s", s[k].label);
    for (int m = 0; m < BRASS_EVAL_METRICS; m++) {
      double mean, lo, hi;
      column(&s[k], nq, m, x);
      brass_eval_bootstrap(x, NULL, nq, EVAL_RESAMPLES, EVAL_SEED, &mean, &lo, &hi, NULL);
      printf("  %.4f [%.3f, %.3f]", mean, lo, hi);
    }
    printf("\n");
  }
  if (ns > 1) {
    printf("\npaired differences (a - b: mean [95%% interval] p)\n");
    for (int i = 0; i < ns; i++)
      for (int j = i + 1; j < ns; j++) {
        printf("%s - %s\n", s[j].label, s[i].label);
        for (int m = 0; m < BRASS_EVAL_METRICS; m++) {
          double mean, lo, hi, p;
          column(&s[j], nq, m, x);
          column(&s[i], nq, m, y);
          brass_eval_bootstrap(x, y, nq, EVAL_RESAMPLES, EVAL_SEED, &mean, &lo, &hi, &p);
          printf("  %-11s %+.4f [%+.4f, %+.4f] p=%.3f\n",
                 brass_eval_metric_label(m, a->k, label, sizeof label), mean, lo, hi, p);
        }
      }
  }
  if (a->per_query) {
    printf("\nper query\n%-24s %-20s", "query", "system");
    for (int m = 0; m < BRASS_EVAL_METRICS; m++)
      printf(" %10s", brass_eval_metric_label(m, a->k, label, sizeof label));
    printf("\n");
    for (size_t i = 0; i < nq; i++)
      for (int k = 0; k < ns; k++) {
        printf("%-24s %-20s", brass_eval_query_id(ev, i), s[k].label);
        for (int m = 0; m < BRASS_EVAL_METRICS; m++)
          printf(" %10.4f", s[k].scores[i * BRASS_EVAL_METRICS + m]);
        printf("\n");
      }
  }
}

/* ---- the command ---------------------------------------------------------------------------- */

/* Opens the library: a temporary one for a BEIR folder without --library (its folder in tmpdir,
 * removed by the caller), else the given or default one. */
static int open_library(const eval_args *a, char *tmpdir, size_t cap, brass_library **lib) {
  tmpdir[0] = '\0';
  if (a->dataset && !a->library) {
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, cap, "%s/brass-eval-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
      int e = errno;
      tmpdir[0] = '\0';
      return cli_error(CLI_FAIL, "eval: cannot make a temporary folder: %s", strerror(e));
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/library.db", tmpdir);
    const char *model = a->model_dir ? cli_resolve_model(a->model_dir) : "";
    brass_error err;
    if (brass_library_open(path, model, &a->mopts, 0, lib, &err))
      return cli_error(CLI_FAIL, "%s", err.message);
    return CLI_OK;
  }
  return cli_open_library("eval", a->library, a->model_dir, &a->mopts,
                          a->dataset ? 0 : BRASS_OPEN_EXISTING, lib, NULL);
}

static void remove_tmp(const char *dir) {
  if (!dir[0]) return;
  static const char *const names[] = {"library.db", "library.db-wal", "library.db-shm"};
  char path[4200];
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}

static int run_eval(int argc, char **argv) {
  eval_args a;
  if (parse_args(argc, argv, &a)) return CLI_USAGE;
  brass_error err;
  brass_eval *ev = NULL;
  if (brass_eval_open(a.dataset, a.queries, a.qrels, &ev, &err))
    return cli_error(CLI_FAIL, "%s", err.message);
  size_t nq = brass_eval_count(ev);
  eval_system s[EVAL_MAX_SYSTEMS];
  int ns = 0, rc = CLI_OK;
  brass_library *lib = NULL;
  char tmpdir[4096] = "";
  if (strcmp(a.mode, "none")) {
    rc = open_library(&a, tmpdir, sizeof tmpdir, &lib);
    if (!rc && a.dataset) {
      eval_progress p = {cli_isatty(STDERR_FILENO), a.quiet, 0, "documents indexed"};
      brass_index_summary sum;
      if (brass_eval_index(ev, lib, NULL, &sum, on_index_progress, &p, &err))
        rc = cli_error(CLI_FAIL, "%s", err.message);
      progress_done(&p);
    }
  }
  brass_reranker *rr = NULL;
  if (!rc && a.rerank && strcmp(a.mode, "none")) {
    brass_reranker_options ro = {.threads = a.mopts.threads, .dtype = a.mopts.dtype};
    if (brass_reranker_open(cli_resolve_model(a.rerank), &ro, &rr, &err))
      rc = cli_error(CLI_FAIL, "%s", err.message);
  }
  if (!rc) rc = plan_systems(&a, lib && brass_library_model(lib), rr, s, &ns);
  double *x = malloc((nq ? nq : 1) * sizeof *x), *y = malloc((nq ? nq : 1) * sizeof *y);
  if (!rc && (!x || !y)) rc = cli_error(CLI_FAIL, "out of memory");
  for (int k = 0; !rc && k < ns; k++) {
    s[k].scores = calloc(nq * BRASS_EVAL_METRICS, sizeof *s[k].scores);
    s[k].rankings = calloc(nq, sizeof *s[k].rankings);
    s[k].nrank = calloc(nq, sizeof *s[k].nrank);
    if (!s[k].scores || !s[k].rankings || !s[k].nrank) rc = cli_error(CLI_FAIL, "out of memory");
  }
  if (!rc && a.run) rc = load_run(a.run, ev, &s[0]); /* the run is always system 0 */
  if (!rc) rc = run_systems(&a, ev, lib, s, ns, a.per_query && a.json);
  if (!rc) {
    if (a.json)
      rc = print_json(&a, ev, s, ns, x, y);
    else
      print_text(&a, ev, s, ns, x, y);
  }
  for (int k = 0; k < ns; k++) {
    for (size_t i = 0; s[k].rankings && i < nq; i++)
      brass_eval_ranking_free(s[k].rankings[i], s[k].nrank[i]);
    free(s[k].rankings);
    free(s[k].nrank);
    free(s[k].scores);
  }
  free(x);
  free(y);
  brass_reranker_close(rr);
  brass_library_close(lib);
  remove_tmp(tmpdir);
  brass_eval_close(ev);
  if (!rc && fflush(stdout))
    return cli_error(CLI_FAIL, "stdout: write failed: %s", strerror(errno));
  return rc;
}

const cli_command cli_eval = {
    .name = "eval",
    .summary = "measure ranking quality on judged queries (BEIR folders)",
    .help = eval_help,
    .run = run_eval,
};
