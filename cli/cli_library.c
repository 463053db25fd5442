/*
 * cli_library.c - what every sub-command that works on a library shares: reading its --library
 * and --model options, and opening the library they name (the default location rule of
 * cli_library_path, a model name resolved by cli_resolve_model, one "brass: ..." error line and
 * the exit code on failure), so that index, search, status, remove and compact cannot drift apart.
 */
#include <limits.h>
#include <stdio.h>

#include "brass.h"
#include "cli.h"

int cli_library_option(int argc, char **argv, int *i, const char **library, const char **model) {
  const char *v = NULL;
  int r = cli_option_value(argc, argv, i, "--library", &v);
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
  const char *p = cli_library_path(library, buf, sizeof buf, !(flags & BRASS_OPEN_EXISTING));
  if (!p) return cli_error(CLI_USAGE, "%s: no library path: set --library or $HOME", cmd);
  brass_error err;
  if (brass_library_open(p, cli_resolve_model(model), mopts, flags, out, &err))
    return cli_error(CLI_FAIL, "%s", err.message);
  if (path) *path = p;
  return CLI_OK;
}
