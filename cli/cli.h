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
extern const cli_command cli_eval;
extern const cli_command cli_rerank;
extern const cli_command cli_get;
extern const cli_command cli_mcp;

/* The library file: given (--library) if set, else $BRASS_LIBRARY, else
 * $XDG_DATA_HOME/brass/library.db, else $HOME/.local/share/brass/library.db (written into buf).
 * With create_dirs the default's folders are created. NULL when no location can be found. */
/* isatty(fd), except always 0 in the WebAssembly build (no colour or progress bars there). */
int cli_isatty(int fd);

const char *cli_library_path(const char *given, char *buf, size_t cap, int create_dirs);

/* $XDG_DATA_HOME/brass/LEAF when $XDG_DATA_HOME is an absolute path (a relative one is ignored,
 * as the XDG Base Directory spec says), else $HOME/.local/share/brass/LEAF, into buf. Returns 0,
 * or -1 when neither is set or the path does not fit. Defined in cli_library.c. */
int cli_data_path(const char *leaf, char *buf, size_t cap);

/* If arg (a --model value) is neither a folder nor a pulled model but looks like a model name,
 * prints why ("not pulled yet: run 'brass model pull NAME'" for a known model) and returns 1;
 * otherwise 0 (the library reports a missing folder path itself). Defined in cmd_model.c. */
int cli_model_unknown(const char *cmd, const char *arg);

/* ---- output (cli_output.c) ---- */

/* Prints "brass: " + message + newline to stderr, with control characters in the message shown
 * as escapes (see cli_line); returns code. */
int cli_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The one printer for plain-text output: formats like fprintf and writes the result to f with
 * every character that could act on a terminal (C0 controls but tab, DEL, C1 controls, ESC
 * sequences, invalid UTF-8, bidi overrides) shown as a visible escape such as \n, \e or \x9b
 * (term_text.h), so a file name, heading or snippet can neither split a line nor send escape
 * sequences. cli_line adds a newline. JSON output is printed as it is (it escapes itself). */
void cli_text(FILE *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_line(FILE *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Called once by main() after the command ran: flushes and closes stdout. Returns rc when every
 * write succeeded; otherwise prints "brass: writing output: REASON" (No space left on device,
 * File too large, ...) and returns rc, or CLI_FAIL when rc was 0, so output can never be lost
 * with exit status 0. */
int cli_finish_output(int rc);
/* Called once by main() first: routes stdout through a writer that records why a write failed
 * (glibc; elsewhere the message may only say that a write failed). */
void cli_output_init(void);

/* Parses a decimal integer in [lo, hi] for option `opt`; prints a usage error and returns -1 if
 * the text is not one. */
int cli_parse_int(const char *opt, const char *text, int lo, int hi, int *out);
/* A thread count (1..256) for --threads or $BRASS_THREADS: the one parser both go through. */
int cli_parse_threads(const char *opt, const char *text, int *out);

/* Parses --dtype's value (int8 or f32) into a BRASS_DTYPE_*; prints a usage error and returns -1
 * if it is not one. */
int cli_parse_dtype(const char *text, int *out);

/* If argv[*i] is `--name VALUE` or `--name=VALUE`, stores VALUE, advances *i and returns 1;
 * returns -1 (after printing a usage error) if the value is missing, 0 if argv[*i] is another
 * option. */
int cli_option_value(int argc, char **argv, int *i, const char *name, const char **value);

/* --model ARG: ARG itself if it is a folder (or NULL/empty, or not a model name); otherwise, if
 * a model of that name was pulled (`brass model pull ARG`), its folder under the models folder
 * (a static buffer, valid until the next call). Defined in cmd_model.c. */
const char *cli_resolve_model(const char *arg);

/* ---- stdin lines for line-oriented commands (line_in.c) ---- */
/* Reads the next stdin line into *line (getline's buffer), without its newline; *lineno counts
 * the lines read. Returns its length, -1 at the end of input, or -2 (after printing "stdin line
 * N: longer than MAX bytes") for a line longer than max_bytes. */
long cli_read_line(char **line, size_t *cap, long *lineno, size_t max_bytes);

/* ---- buffered stdout for line-oriented commands (out_buf.c) ---- */

typedef struct out_buf {
  char *data;
  size_t len, cap;
  int failed; /* allocation failed */
} out_buf;

void out_reserve(out_buf *o, size_t more);
void out_printf_float(out_buf *o, const char *sep, float v); /* sep then %.9g */
void out_printf_int(out_buf *o, const char *sep, int v);
void out_str(out_buf *o, const char *str);
/* Writes and empties the buffer; returns 0 or -1 on a write error other than EAGAIN/EINTR. */
int out_flush(out_buf *o);
/* The end of a group of input lines: out_flush, with "out of memory formatting the output" or
 * "stdout: write failed: ..." printed on failure. Returns CLI_OK or CLI_FAIL. */
int out_group_done(out_buf *o);

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

/* --wait SECONDS of the writing commands (index, remove, compact): how long to wait for another
 * process writing the library; stores it in *seconds (0..604800). Returns like cli_option_value. */
int cli_wait_option(int argc, char **argv, int *i, int *seconds);
/* Applies a --wait value (< 0: the default, 600 s) to lib; unless quiet, a wait of over a second
 * prints "brass: waiting for another process indexing LIB..." once on stderr. */
void cli_library_wait(brass_library *lib, int seconds, int quiet);

#endif
