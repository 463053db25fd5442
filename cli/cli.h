/*
 * cli.h - what the `brass` sub-commands share: their entry points, the help texts, and small
 * argument helpers. Sub-commands parse and print only; all work goes through include/brass.h.
 */
#ifndef BRASS_CLI_H
#define BRASS_CLI_H

#include <stdio.h>

#include "brass.h"

/* Exit codes: 0 success, 1 failure (bad input, I/O), 2 usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_command {
  const char *name;
  const char *summary;               /* one line for `brass --help` */
  const char *help;                  /* full text for `brass help NAME` */
  int (*run)(int argc, char **argv); /* argv[0] is the sub-command's name */
} cli_command;

extern const cli_command cli_embed;
extern const cli_command cli_index;
extern const cli_command cli_search;
extern const cli_command cli_status;
extern const cli_command cli_remove;
extern const cli_command cli_compact;
extern const cli_command cli_serve;
extern const cli_command cli_model;
extern const cli_command cli_get;
extern const cli_command cli_mcp;

/* The library file: given (--library) if set, else $BRASS_LIBRARY, else
 * $XDG_DATA_HOME/brass/library.db, else $HOME/.local/share/brass/library.db (written into buf).
 * With create_dirs the default's folders are created. NULL when no location can be found. */
/* isatty(fd), except always 0 in the WebAssembly build (no colour or progress bars there). */
int cli_isatty(int fd);

const char *cli_library_path(const char *given, char *buf, size_t cap, int create_dirs);

/* Prints "brass: " + message + newline to stderr; returns code. */
int cli_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parses a decimal integer in [lo, hi] for option `opt`; prints a usage error and returns -1 if
 * the text is not one. */
int cli_parse_int(const char *opt, const char *text, int lo, int hi, int *out);

/* If argv[*i] is `--name VALUE` or `--name=VALUE`, stores VALUE, advances *i and returns 1;
 * returns -1 (after printing a usage error) if the value is missing, 0 if argv[*i] is another
 * option. */
int cli_option_value(int argc, char **argv, int *i, const char *name, const char **value);

/* --model ARG: ARG itself if it is a folder (or NULL/empty, or not a model name); otherwise, if
 * a model of that name was pulled (`brass model pull ARG`), its folder under the models folder
 * (a static buffer, valid until the next call). Defined in cmd_model.c. */
const char *cli_resolve_model(const char *arg);

/* ---- opening the library a sub-command works on (cli_library.c) ---- */

/* If argv[*i] is --library FILE or (when model is not NULL) --model DIR, in either the `--name
 * VALUE` or `--name=VALUE` form, stores the value, advances *i and returns 1; returns -1 after a
 * usage error (missing value), 0 for any other argument. */
int cli_library_option(int argc, char **argv, int *i, const char **library, const char **model);

/* Opens the library for sub-command cmd (named in messages): the file cli_library_path(library)
 * gives (creating the default's folders unless flags has BRASS_OPEN_EXISTING), with the model
 * cli_resolve_model(model) (NULL: the one the library was indexed with; "": none). Returns CLI_OK
 * with *out open and, if path is not NULL, *path the library file (library itself or a static
 * buffer); otherwise prints one error line and returns CLI_USAGE (no path) or CLI_FAIL. */
int cli_open_library(const char *cmd, const char *library, const char *model,
                     const brass_model_options *mopts, int flags, brass_library **out,
                     const char **path);

#endif
