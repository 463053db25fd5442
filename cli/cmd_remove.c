/*
 * cmd_remove.c - `brass remove`: takes indexed files, or every file under indexed folders, out of
 * a library (documents, chunks, vectors, keyword index and graph nodes), reporting how many.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "brass.h"
#include "cli.h"
#ifndef __EMSCRIPTEN__
#include "net/crawl_url.h"
#endif

static const char remove_help[] =
    "usage: brass remove [options] PATH...\n"
    "\n"
    "Removes indexed sources from the library: a file path removes that file, a folder path every\n"
    "indexed file under it. Paths are made absolute as 'brass index' stores them; they need not\n"
    "exist any more. Their chunks, vectors and keyword entries go in one transaction; their HNSW\n"
    "graph nodes are tombstoned (the graph is rebuilt once tombstones pass 30%). 'brass compact'\n"
    "gives the freed space back. A URL (http:// or https://) removes the crawled pages at and\n"
    "under it as a prefix at '/' boundaries, written in any case or with its default port.\n"
    "\n"
    "options:\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --model DIR        model folder, to update the HNSW graph (default: $BRASS_MODEL, else the\n"
    "                     folder recorded at indexing; without one the graph is rebuilt at the\n"
    "                     next search or index run)\n"
    "  --json             print one JSON object: {\"sources\", \"chunks\", \"unmatched\": "
    "[PATH...]}\n"
    "  --wait SECONDS     wait at most this long for another process indexing, removing or\n"
    "                     compacting the library (default 600; 0: fail at once)\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success; 1 on failure or when a PATH matches no indexed source (the\n"
    "paths that matched are still removed); 2 on a usage error.\n";

static int run_remove(int argc, char **argv) {
  const char *given = NULL, *model_dir = getenv("BRASS_MODEL");
  if (model_dir && !*model_dir) model_dir = NULL;
  int json = 0, i = 1, wait = -1;
  for (; i < argc; i++) {
    int r;
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (argv[i][0] != '-' || !argv[i][1]) break;
    if ((r = cli_library_option(argc, argv, &i, &given, &model_dir))) {
      if (r < 0) return CLI_USAGE;
    } else if ((r = cli_wait_option(argc, argv, &i, &wait))) {
      if (r < 0) return CLI_USAGE;
    } else if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else {
      return cli_error(CLI_USAGE, "remove: unknown option '%s' (see 'brass help remove')", argv[i]);
    }
  }
  if (i >= argc)
    return cli_error(CLI_USAGE, "remove: give at least one path (see 'brass help remove')");
  size_t n = (size_t)(argc - i);
  brass_library *lib = NULL;
  int orc = cli_open_library("remove", given, model_dir, NULL, BRASS_OPEN_EXISTING, &lib, NULL);
  if (orc) return orc;
  cli_library_wait(lib, wait, 0);
  int64_t *matched = calloc(n, sizeof *matched);
  if (!matched) {
    brass_library_close(lib);
    return cli_error(CLI_FAIL, "out of memory");
  }
  brass_error err;
  brass_remove_summary sum;
  /* URLs as the crawler stores them (lowercase scheme and host, no default port, ...) */
  char **keys = calloc(n, sizeof *keys);
  int rc = keys ? 0 : err_set(&err, BRASS_ENOMEM, "remove: out of memory");
  for (size_t k = 0; k < n && !rc; k++) {
    keys[k] = argv[i + k];
#ifndef __EMSCRIPTEN__
    char u[CRAWL_URL_MAX];
    if (crawl_url_is_web(argv[i + k]) && crawl_url_normalise(argv[i + k], u) == CRAWL_URL_OK &&
        strcmp(u, argv[i + k])) {
      /* "https://h" normalises to "https://h/": a prefix of every page of the site */
      if (!(keys[k] = strdup(u))) rc = err_set(&err, BRASS_ENOMEM, "remove: out of memory");
    }
#endif
  }
  if (!rc) rc = brass_remove(lib, (const char *const *)keys, n, matched, &sum, &err);
  for (size_t k = 0; keys && k < n; k++)
    if (keys[k] != argv[i + k]) free(keys[k]);
  free(keys);
  brass_library_close(lib);
  if (rc) {
    free(matched);
    return cli_error(CLI_FAIL, "%s", err.message);
  }
  int status = CLI_OK;
  for (size_t k = 0; k < n; k++)
    if (!matched[k]) status = cli_error(CLI_FAIL, "no indexed source matches %s", argv[i + k]);
  if (json) {
    cJSON *o = cJSON_CreateObject();
    cJSON *un = o ? cJSON_AddArrayToObject(o, "unmatched") : NULL;
    for (size_t k = 0; un && k < n; k++)
      if (!matched[k]) cJSON_AddItemToArray(un, cJSON_CreateString(argv[i + k]));
    char *s = NULL;
    if (un && cJSON_AddNumberToObject(o, "sources", (double)sum.sources) &&
        cJSON_AddNumberToObject(o, "chunks", (double)sum.chunks))
      s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s) {
      free(matched);
      return cli_error(CLI_FAIL, "out of memory");
    }
    puts(s);
    free(s);
  } else {
    printf("removed %lld sources, %lld chunks\n", (long long)sum.sources, (long long)sum.chunks);
  }
  free(matched);
  return status;
}

const cli_command cli_remove = {
    .name = "remove",
    .summary = "take files or folders out of a library",
    .help = remove_help,
    .run = run_remove,
};
