/*
 * cmd_status.c - `brass status`: what a library holds (sources, chunks, vectors, the HNSW graph,
 * the model, size on disk), as lines of text or with --json one object.
 */
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
    "                     \"vectors\" (counted), \"graph\", \"generation\", \"schema_version\",\n"
    "                     \"bytes\", \"partial_sources\",\n"
    "                     \"vector_format\": \"int8\", \"f32\" or null,\n"
    "                     \"model\": {\"name\", \"dim\", \"hash\", \"dir\"} or null}\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success, 1 on bad input, 2 on a usage error.\n";

static const char *graph_name(int g) {
  return g == 1   ? "current"
         : g == 2 ? "stale (the next search or index run brings it up to date and saves it)"
                  : "none";
}

static int run_status(int argc, char **argv) {
  const char *given = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_library_option(argc, argv, &i, &given, NULL))) {
      if (r < 0) return CLI_USAGE;
    } else if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else {
      return cli_error(CLI_USAGE, "status: unknown argument '%s' (see 'brass help status')",
                       argv[i]);
    }
  }
  brass_library *lib = NULL;
  const char *path = NULL;
  /* an empty model folder name opens no model: status only reads the store */
  int orc = cli_open_library("status", given, "", NULL, BRASS_OPEN_EXISTING | BRASS_OPEN_READ, &lib,
                             &path);
  if (orc) return orc;
  brass_error err;
  brass_library_info in;
  int rc = brass_library_info_get(lib, &in, &err);
  brass_library_close(lib);
  if (rc) return cli_error(CLI_FAIL, "%s", err.message);
  if (json) {
    char *s = brass_library_info_json(&in, path);
    if (!s) return cli_error(CLI_FAIL, "out of memory");
    puts(s);
    free(s);
  } else {
    cli_line(stdout, "library   %s (schema %d, %.1f MB)", path, in.schema_version,
             (double)in.file_bytes / 1e6);
    printf("sources   %lld\nchunks    %lld\nvectors   %lld%s%s%s\ngraph     %s\n",
           (long long)in.sources, (long long)in.chunks, (long long)in.vectors,
           in.vector_format[0] ? " (" : "", in.vector_format, in.vector_format[0] ? ")" : "",
           graph_name(in.graph));
    if (in.model_name[0] && in.vectors < in.chunks)
      printf("          %lld chunks have no vector yet: `brass index` with the model embeds them\n",
             (long long)(in.chunks - in.vectors));
    if (in.partial_sources)
      printf("          %lld sources partly written (interrupted): `brass index` finishes them\n",
             (long long)in.partial_sources);
    if (in.model_name[0]) {
      cli_line(stdout, "model     %s (dim %d, hash %.12s, %s)", in.model_name, in.model_dim,
               in.model_hash, in.model_dtype);
      cli_line(stdout, "          %s", in.model_dir[0] ? in.model_dir : "(folder not recorded)");
    } else {
      printf("model     none (keyword search only)\n");
    }
  }
  return CLI_OK;
}

const cli_command cli_status = {
    .name = "status",
    .summary = "show what a library holds",
    .help = status_help,
    .run = run_status,
};
