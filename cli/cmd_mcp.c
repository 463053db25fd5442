/*
 * cmd_mcp.c - `brass mcp`: a Model Context Protocol server on stdin/stdout (newline-delimited
 * JSON-RPC, the MCP stdio transport) over one library; the protocol itself is mcp_rpc.c. Nothing
 * but protocol messages goes to stdout; notes go to stderr. Ends at end of input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brass.h"
#include "cli.h"
#include "mcp_rpc.h"

static const char mcp_help[] =
    "usage: brass mcp [options]\n"
    "\n"
    "Runs a Model Context Protocol server on stdin/stdout for coding agents and other MCP\n"
    "clients (protocol 2025-11-25; also 2025-06-18, 2025-03-26, 2024-11-05). Tools:\n"
    "  search  {query, mode, n, path, type, since, before}: results as 'brass search --json'\n"
    "  get     {source, from, to}: lines of an indexed file, as 'brass get --json'\n"
    "  status  {}: as 'brass status --json'\n"
    "The same tools are served over HTTP at /mcp by 'brass serve --library FILE'.\n"
    "docs/mcp.md has configuration snippets for agents.\n"
    "\n"
    "options:\n"
    "  --library FILE     library file (default: $BRASS_LIBRARY, else\n"
    "                     $XDG_DATA_HOME/brass/library.db, else ~/.local/share/brass/library.db)\n"
    "  --model DIR|NAME   embedding model (default: the one the library was indexed with)\n"
    "  --threads N        threads for the model (default: $BRASS_THREADS, else all online cores)\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 at end of input, 1 when the library cannot be opened, 2 on a usage error.\n";

/* Reads one line (without its newline) into *buf; returns its length, -1 at end of input, or
 * -2 for a line longer than MCP_MESSAGE_MAX (skipped up to its newline). */
static long read_line(char **buf, size_t *cap) {
  size_t n = 0;
  int c, too_long = 0;
  while ((c = getchar()) != EOF && c != '\n') {
    if (n + 2 > *cap) {
      if (*cap >= MCP_MESSAGE_MAX) {
        too_long = 1;
        continue;
      }
      size_t nc = *cap ? *cap * 2 : 4096;
      char *nb = realloc(*buf, nc);
      if (!nb) {
        too_long = 1;
        continue;
      }
      *buf = nb;
      *cap = nc;
    }
    (*buf)[n++] = (char)c;
  }
  if (c == EOF && n == 0 && !too_long) return -1;
  if (too_long) return -2;
  (*buf)[n] = '\0';
  return (long)n;
}

static int send_message(char *json) {
  if (!json) json = mcp_error_json(-32603, "internal error: out of memory");
  if (!json) return -1;
  int bad = fputs(json, stdout) < 0 || putchar('\n') == EOF || fflush(stdout);
  free(json);
  return bad ? -1 : 0;
}

static int run_mcp(int argc, char **argv) {
  const char *library = NULL, *model = NULL;
  brass_model_options mo;
  memset(&mo, 0, sizeof mo);
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if ((r = cli_library_option(argc, argv, &i, &library, &model))) {
      if (r < 0) return CLI_USAGE;
    } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
      if (r < 0 || cli_parse_int("--threads", v, 1, 256, &mo.threads)) return CLI_USAGE;
    } else {
      return cli_error(CLI_USAGE, "mcp: unknown argument '%s' (see 'brass help mcp')", argv[i]);
    }
  }
  brass_library *lib = NULL;
  const char *path = NULL;
  int orc = cli_open_library("mcp", library, model, &mo, BRASS_OPEN_EXISTING, &lib, &path);
  if (orc) return orc;
  mcp_core core = {lib, path, NULL};
  fprintf(stderr, "brass mcp: serving %s on stdio\n", path);
  char *buf = NULL;
  size_t cap = 0;
  long n;
  int rc = CLI_OK;
  while ((n = read_line(&buf, &cap)) != -1) {
    char *out;
    if (n == -2) {
      out = mcp_error_json(-32600, "message larger than 1 MiB");
    } else {
      size_t len = (size_t)n;
      while (len && (buf[len - 1] == '\r' || buf[len - 1] == ' ')) len--;
      if (!len) continue;
      mcp_info info;
      int oom = 0;
      out = mcp_handle(&core, buf, len, &info, &oom);
      if (!out && !oom) continue; /* a notification */
    }
    if (send_message(out)) {
      rc = cli_error(CLI_FAIL, "mcp: stdout: write failed: %s", strerror(errno));
      break;
    }
  }
  free(buf);
  brass_library_close(lib);
  return rc;
}

const cli_command cli_mcp = {
    .name = "mcp",
    .summary = "Model Context Protocol server on stdio (search, get, status tools)",
    .help = mcp_help,
    .run = run_mcp,
};
