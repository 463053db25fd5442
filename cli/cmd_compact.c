/*
 * cmd_compact.c - `brass compact`: rebuilds the HNSW graph without tombstones and VACUUMs the
 * library file, printing its size before and after.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "cli.h"

static const char compact_help[] =
    "usage: brass compact [options]\n"
    "\n"
    "Rebuilds the HNSW graph from the live vectors (dropping the tombstones left by removed or\n"
    "changed files) and saves it, then rewrites the library file without free pages (SQLite\n"
    "VACUUM) and empties its write-ahead log. Prints the size before and after.\n"
    "\n"
    "options:\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --model DIR        model folder, for the graph (default: $BRASS_MODEL, else the folder\n"
    "                     recorded at indexing; without one only the file is compacted)\n"
    "  --wait SECONDS     wait at most this long for another process indexing, removing or\n"
    "                     compacting the library (default 600; 0: fail at once)\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

static int run_compact(int argc, char **argv) {
  const char *given = NULL, *model_dir = getenv("BRASS_MODEL");
  if (model_dir && !*model_dir) model_dir = NULL;
  int wait = -1;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_library_option(argc, argv, &i, &given, &model_dir))) {
      if (r < 0) return CLI_USAGE;
    } else if ((r = cli_wait_option(argc, argv, &i, &wait))) {
      if (r < 0) return CLI_USAGE;
    } else {
      return cli_error(CLI_USAGE, "compact: unknown argument '%s' (see 'brass help compact')",
                       argv[i]);
    }
  }
  brass_library *lib = NULL;
  const char *path = NULL;
  int orc = cli_open_library("compact", given, model_dir, NULL, BRASS_OPEN_EXISTING, &lib, &path);
  if (orc) return orc;
  cli_library_wait(lib, wait, 0);
  brass_error err;
  int64_t before = 0, after = 0;
  int rc = brass_compact(lib, &before, &after, &err);
  brass_library_close(lib);
  if (rc) return cli_error(CLI_FAIL, "%s", err.message);
  cli_line(stdout, "%s: %lld bytes before, %lld after", path, (long long)before, (long long)after);
  return CLI_OK;
}

const cli_command cli_compact = {
    .name = "compact",
    .summary = "rebuild the graph without tombstones and shrink the library file",
    .help = compact_help,
    .run = run_compact,
};
