/*
 * cmd_get.c - `brass get SOURCE[:FROM[-TO]]`: prints lines of an indexed source as the file is
 * now (brass_get), refusing anything the library did not index; --json prints the brass_lines
 * object that /api/get and the MCP tool `get` return.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "cli.h"

static const char get_help[] =
    "usage: brass get [options] SOURCE[:FROM[-TO]]\n"
    "\n"
    "Prints lines FROM to TO (1-based, inclusive; default: the whole file; FROM alone: to the\n"
    "end) of an indexed source, read from the file as it is now. SOURCE is a path as 'brass\n"
    "search' prints it (a relative path is made absolute). Paths the library did not index are\n"
    "refused. Warns on stderr when the file changed since it was indexed (line numbers from an\n"
    "earlier search may have moved).\n"
    "\n"
    "options:\n"
    "  --json             print {\"source\", \"line_start\", \"line_end\", \"total_lines\",\n"
    "                     \"changed\", \"text\"}\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 on success, 1 when the source is not indexed or unreadable, 2 on a usage\n"
    "error.\n";

/* Splits "path:FROM-TO" / "path:FROM" / "path" (a colon followed by anything but a range stays in
 * the path). */
static int parse_spec(char *spec, int *from, int *to) {
  *from = *to = 0;
  char *c = strrchr(spec, ':');
  if (!c) return 0;
  char *end = NULL;
  long a = strtol(c + 1, &end, 10), b = 0;
  if (end == c + 1 || a < 1 || a > 100000000) return 0;
  if (*end == '-') {
    char *e2 = NULL;
    b = strtol(end + 1, &e2, 10);
    if (e2 == end + 1 || *e2 || b < a || b > 100000000) return -1;
  } else if (*end) {
    return 0;
  }
  *c = '\0';
  *from = (int)a;
  *to = (int)b;
  return 0;
}

static int run_get(int argc, char **argv) {
  const char *library = NULL, *spec = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    if ((r = cli_library_option(argc, argv, &i, &library, NULL))) {
      if (r < 0) return CLI_USAGE;
    } else if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_error(CLI_USAGE, "get: unknown option '%s' (see 'brass help get')", argv[i]);
    } else if (spec) {
      return cli_error(CLI_USAGE, "get: one SOURCE[:FROM[-TO]] at a time");
    } else {
      spec = argv[i];
    }
  }
  if (!spec) return cli_error(CLI_USAGE, "get: give SOURCE[:FROM[-TO]] (see 'brass help get')");
  char *path = strdup(spec);
  if (!path) return cli_error(CLI_FAIL, "out of memory");
  int from, to;
  if (parse_spec(path, &from, &to)) {
    free(path);
    return cli_error(CLI_USAGE, "get: %s: the line range must be FROM or FROM-TO with FROM <= TO",
                     spec);
  }
  brass_library *lib = NULL;
  int orc = cli_open_library("get", library, "", NULL, BRASS_OPEN_EXISTING, &lib, NULL);
  if (orc) {
    free(path);
    return orc;
  }
  brass_lines l;
  brass_error err;
  int rc = brass_get(lib, path, from, to, &l, &err);
  brass_library_close(lib);
  free(path);
  if (rc) return cli_error(CLI_FAIL, "%s", err.message);
  if (l.changed)
    fprintf(stderr, "brass: %s changed since it was indexed (re-run 'brass index')\n", l.source);
  if (json) {
    char *s = brass_lines_json(&l);
    if (s) puts(s);
    free(s);
  } else {
    fputs(l.text, stdout);
  }
  brass_lines_free(&l);
  if (fflush(stdout)) return cli_error(CLI_FAIL, "stdout: write failed: %s", strerror(errno));
  return CLI_OK;
}

const cli_command cli_get = {
    .name = "get",
    .summary = "print lines of an indexed source (SOURCE:FROM-TO)",
    .help = get_help,
    .run = run_get,
};
