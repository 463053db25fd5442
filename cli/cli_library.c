/*
 * cli_library.c - what every sub-command that works on a library shares: reading its --library
 * and --model options, and opening the library they name (the default location rule of
 * cli_library_path, a model name resolved by cli_resolve_model, one "brass: ..." error line and
 * the exit code on failure), so that index, search, status, remove and compact cannot drift apart.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/term_text.h"
#include "brass.h"
#include "cli.h"

int cli_data_path(const char *leaf, char *buf, size_t cap) {
  const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
  int n;
  /* the XDG Base Directory spec: a relative $XDG_DATA_HOME is invalid and must be ignored */
  if (xdg && xdg[0] == '/')
    n = snprintf(buf, cap, "%s/brass/%s", xdg, leaf);
  else if (home && *home)
    n = snprintf(buf, cap, "%s/.local/share/brass/%s", home, leaf);
  else
    return -1;
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int cli_library_option(int argc, char **argv, int *i, const char **library, const char **model) {
  const char *v = NULL;
  int r = cli_option_value(argc, argv, i, "--library", &v);
  if (r > 0 && !*v) {
    cli_error(CLI_USAGE, "--library needs a file name, not an empty one (see 'brass help %s')",
              argv[0]);
    return -1;
  }
  if (r > 0) *library = v;
  if (r || !model) return r;
  r = cli_option_value(argc, argv, i, "--model", &v);
  if (r > 0) *model = v;
  return r;
}

int cli_open_library(const char *cmd, const char *library, const char *model,
                     const brass_model_options *mopts, int flags, brass_library **out,
                     const char **path) {
  static char buf[PATH_MAX];
  *out = NULL;
  if (cli_model_unknown(cmd, model)) return CLI_FAIL;
  const char *p = cli_library_path(library, buf, sizeof buf, !(flags & BRASS_OPEN_EXISTING));
  if (!p) return cli_error(CLI_USAGE, "%s: no library path: set --library or $HOME", cmd);
  brass_error err;
  if (brass_library_open(p, cli_resolve_model(model), mopts, flags, out, &err))
    return cli_error(CLI_FAIL, "%s", err.message);
  if (path) *path = p;
  return CLI_OK;
}

int cli_wait_option(int argc, char **argv, int *i, int *seconds) {
  const char *v = NULL;
  int r = cli_option_value(argc, argv, i, "--wait", &v);
  if (r > 0 && cli_parse_int("--wait", v, 0, 7 * 24 * 3600, seconds)) return -1;
  return r;
}

static void cli_wait_notice(void *ctx, const char *path, const char *what) {
  (void)ctx;
  term_text_printf(stderr, "brass: waiting for another process %s %s...", what, path);
  fputc('\n', stderr);
  fflush(stderr);
}

void cli_library_wait(brass_library *lib, int seconds, int quiet) {
  brass_library_set_wait(lib, seconds, quiet ? NULL : cli_wait_notice, NULL);
}
