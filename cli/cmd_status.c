/*
 * cmd_status.c - `brass status`: what a library holds (sources, chunks, vectors, the HNSW graph,
 * the model, size on disk), as lines of text or with --json one object.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "cli.h"

static const char status_help[] =
    "usage: brass status [options]\n"
    "\n"
    "Shows what the library holds: sources, chunks, vectors, whether the saved HNSW graph is\n"
    "current, the embedding model it was indexed with, and its size on disk. The model is not\n"
    "opened.\n"
    "\n"
    "options:\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --json             print one JSON object: {\"library\", \"sources\", \"chunks\",\n"
    "                     \"vectors\", \"graph\", \"generation\", \"schema_version\", \"bytes\",\n"
    "                     \"model\": {\"name\", \"dim\", \"hash\", \"dir\"} or null}\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success, 1 on bad input, 2 on a usage error.\n";

static const char *graph_name(int g) {
  return g == 1   ? "current"
         : g == 2 ? "stale (rebuilt in memory; the next index run saves it)"
                  : "none";
}

static int run_status(int argc, char **argv) {
  const char *given = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if ((r = cli_option_value(argc, argv, &i, "--library", &v))) {
      if (r < 0) return CLI_USAGE;
      given = v;
    } else if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else {
      return cli_error(CLI_USAGE, "status: unknown argument '%s' (see 'brass help status')",
                       argv[i]);
    }
  }
  char buf[PATH_MAX];
  const char *path = cli_library_path(given, buf, sizeof buf, 0);
  if (!path) return cli_error(CLI_USAGE, "status: no library path: set --library or $HOME");
  brass_error err;
  brass_library *lib = NULL;
  /* an empty model folder name opens no model: status only reads the store */
  if (brass_library_open(path, "", NULL, BRASS_OPEN_EXISTING, &lib, &err))
    return cli_error(CLI_FAIL, "%s", err.message);
  brass_library_info in;
  int rc = brass_library_info_get(lib, &in, &err);
  brass_library_close(lib);
  if (rc) return cli_error(CLI_FAIL, "%s", err.message);
  if (json) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return cli_error(CLI_FAIL, "out of memory");
    cJSON_AddStringToObject(o, "library", path);
    cJSON_AddNumberToObject(o, "sources", (double)in.sources);
    cJSON_AddNumberToObject(o, "chunks", (double)in.chunks);
    cJSON_AddNumberToObject(o, "vectors", (double)in.vectors);
    cJSON_AddStringToObject(o, "graph",
                            in.graph == 1   ? "current"
                            : in.graph == 2 ? "stale"
                                            : "none");
    cJSON_AddNumberToObject(o, "generation", (double)in.generation);
    cJSON_AddNumberToObject(o, "schema_version", in.schema_version);
    cJSON_AddNumberToObject(o, "bytes", (double)in.file_bytes);
    if (in.model_name[0]) {
      cJSON *m = cJSON_AddObjectToObject(o, "model");
      if (m) {
        cJSON_AddStringToObject(m, "name", in.model_name);
        cJSON_AddNumberToObject(m, "dim", in.model_dim);
        cJSON_AddStringToObject(m, "hash", in.model_hash);
        cJSON_AddStringToObject(m, "dir", in.model_dir);
      }
    } else {
      cJSON_AddNullToObject(o, "model");
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s) return cli_error(CLI_FAIL, "out of memory");
    puts(s);
    free(s);
  } else {
    printf("library   %s (schema %d, %.1f MB)\n", path, in.schema_version,
           (double)in.file_bytes / 1e6);
    printf("sources   %lld\nchunks    %lld\nvectors   %lld\ngraph     %s\n", (long long)in.sources,
           (long long)in.chunks, (long long)in.vectors, graph_name(in.graph));
    if (in.model_name[0])
      printf("model     %s (dim %d, hash %.12s)\n          %s\n", in.model_name, in.model_dim,
             in.model_hash, in.model_dir[0] ? in.model_dir : "(folder not recorded)");
    else
      printf("model     none (keyword search only)\n");
  }
  if (fflush(stdout)) return cli_error(CLI_FAIL, "stdout: write failed: %s", strerror(errno));
  return CLI_OK;
}

const cli_command cli_status = {
    .name = "status",
    .summary = "show what a library holds",
    .help = status_help,
    .run = run_status,
};
