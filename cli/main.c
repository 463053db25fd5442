/*
 * main.c - the `brass` command: dispatches to sub-commands and prints the top-level help and
 * version. Each sub-command lives in its own cli/cmd_*.c file.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "cli.h"

static const cli_command *const commands[] = {&cli_embed,  &cli_index,   &cli_search, &cli_status,
                                              &cli_remove, &cli_compact, &cli_serve,  &cli_model,
                                              &cli_eval,   &cli_rerank,  &cli_get,    &cli_mcp};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int cli_parse_int(const char *opt, const char *text, int lo, int hi, int *out) {
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < lo || v > hi) {
    cli_error(CLI_USAGE, "%s: expected an integer from %d to %d, got '%s'", opt, lo, hi, text);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int cli_parse_threads(const char *opt, const char *text, int *out) {
  return cli_parse_int(opt, text, 1, 256, out);
}

/* Refuses a malformed $BRASS_THREADS or $BRASS_KERNEL as --threads refuses a bad value, instead
 * of the library silently falling back to its defaults. */
static int check_env(void) {
  int n = 0;
  const char *t = getenv("BRASS_THREADS");
  if (t && *t && cli_parse_threads("BRASS_THREADS", t, &n)) return -1;
  static const char *const kernels[] = {
      "ref", "avx2", "avx512", "wasm", "wasm-simd128", "wasm-relaxed-simd", "avx-vnni"};
  const char *k = getenv("BRASS_KERNEL");
  if (!k || !*k) return 0;
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
    if (!strcmp(k, kernels[i])) return 0;
  cli_error(CLI_USAGE, "BRASS_KERNEL: expected ref, avx2, avx-vnni, avx512 or wasm, got '%s'", k);
  return -1;
}

int cli_parse_dtype(const char *text, int *out) {
  int d = brass_dtype_parse(text);
  if (d < 0) {
    cli_error(CLI_USAGE, "--dtype: expected int8 or f32, got '%s'", text);
    return -1;
  }
  *out = d;
  return 0;
}

int cli_option_value(int argc, char **argv, int *i, const char *name, const char **value) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0) return 0;
  if (arg[n] == '=') {
    *value = arg + n + 1;
    return 1;
  }
  if (arg[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_error(CLI_USAGE, "%s needs a value (see 'brass help %s')", name, argv[0]);
    return -1;
  }
  *value = argv[++*i];
  return 1;
}

static void print_usage(FILE *f) {
  fprintf(f,
          "brass %s - local-first hybrid search: embeddings on your own CPU\n"
          "\n"
          "usage: brass <command> [options]\n"
          "\n"
          "commands:\n",
          brass_version());
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(f,
          "  %-10s %s\n"
          "\n"
          "options:\n"
          "  --help     show this help\n"
          "  --version  show the version, SIMD kernel and default thread count\n"
          "\n"
          "environment:\n"
          "  BRASS_THREADS  default thread count (otherwise the number of online cores)\n"
          "  BRASS_KERNEL   cap the SIMD kernel: ref, avx2, avx512\n"
          "\n"
          "'brass help <command>' describes a command and all of its options.\n",
          "help", "describe a command");
}

static const cli_command *find_command(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i]->name, name) == 0) return commands[i];
  return NULL;
}

static int run(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    print_usage(stdout);
    return CLI_OK;
  }
  if (check_env()) return CLI_USAGE;
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("brass %s (kernel %s, %d threads by default)\n", brass_version(), brass_kernel_name(),
           brass_default_threads());
    const char *pdf = brass_pdf_support();
    printf("pdf: %s\n", pdf ? pdf : "not built in (configure with poppler-glib)");
    return CLI_OK;
  }
  if (!strcmp(cmd, "help")) {
    if (argc < 3) {
      print_usage(stdout);
      return CLI_OK;
    }
    const cli_command *c = find_command(argv[2]);
    if (!c) return cli_error(CLI_USAGE, "no command '%s' (see 'brass --help')", argv[2]);
    fputs(c->help, stdout);
    return CLI_OK;
  }
  const cli_command *c = find_command(cmd);
  if (!c) return cli_error(CLI_USAGE, "no command '%s' (see 'brass --help')", cmd);
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(c->help, stdout);
      return CLI_OK;
    }
  }
  return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv) {
#ifdef SIGXFSZ
  /* past a file size limit (ulimit -f) a write fails with EFBIG, reported by
   * cli_finish_output, instead of the signal killing brass without a word */
  signal(SIGXFSZ, SIG_IGN);
#endif
  cli_output_init();
  return cli_finish_output(run(argc, argv));
}
