/*
 * cmd_serve.c - `brass serve`: parses the options, finds the web root and runs the static server
 * in server/ (native build only; the WebAssembly build says the command is unavailable).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brass.h"
#include "cli.h"
#ifndef __EMSCRIPTEN__
#include "serve.h"
#endif

static const char serve_help[] =
    "usage: brass serve [options]\n"
    "\n"
    "Serves the browser app (web/dist) over HTTP with the headers it needs for cross-origin\n"
    "isolation (threads in the browser): COOP same-origin, COEP require-corp, CORP same-origin.\n"
    "GET and HEAD only; no folder listings; paths leaving the root are refused. Prints\n"
    "\"brass serve: http://HOST:PORT/ (root DIR)\" once listening; Ctrl-C or SIGTERM stops it.\n"
    "\n"
    "options:\n"
    "  --port N           TCP port (default 8080; 0 picks a free one)\n"
    "  --host ADDR        address to listen on: an IPv4 or IPv6 address, or localhost (default\n"
    "                     127.0.0.1: this machine only)\n"
    "  --root DIR         folder to serve (default: $BRASS_WEB_ROOT, else ../web/dist next to\n"
    "                     the brass executable, else ./web/dist)\n"
    "  --model DIR|NAME   also serve this model folder's files (or those of a model pulled\n"
    "                     with 'brass model pull NAME') under /model/ (manifest at\n"
    "                     /model/manifest.json)\n"
    "  --library FILE     also answer /api/status and /api/search?q=..&mode=..&k=.. from this\n"
    "                     library (JSON, as 'brass status --json' / 'brass search --json')\n"
    "  --dtype int8|f32   dtype of the library's model (default: the library's, else\n"
    "                     $BRASS_DTYPE, else f32)\n"
    "  --rerank DIR|NAME  a cross-encoder: its files at /rerank-model/ (for the browser app's\n"
    "                     rerank switch) and, with --library, /api/search?rerank=1[&rerank_top=N]\n"
    "                     (off unless asked for per request; default top 20)\n"
    "  --threads N        threads for the library's model (default: $BRASS_THREADS, else all)\n"
    "  --token T          require 'Authorization: Bearer T' on /api/ and /mcp (off loopback a\n"
    "                     token is always required: without --token one is made and printed)\n"
    "\n"
    "With --library the same tools as 'brass mcp' are served at /mcp (MCP Streamable HTTP),\n"
    "and /api/get?source=..&from=..&to=.. returns lines of an indexed file. /api/search takes\n"
    "the filters path (repeatable), type, since and before. /api/ and /mcp answer only requests\n"
    "whose Host is this server's address and refuse other sites' pages (Origin,\n"
    "Sec-Fetch-Site), so DNS rebinding cannot read the library (docs/serve.md).\n"
    "  --help             show this help\n"
    "\n"
    "exit status: 0 after a clean stop, 1 on failure (port taken, missing root), 2 on a usage\n"
    "error.\n";

#ifdef __EMSCRIPTEN__
static int run_serve(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_error(CLI_FAIL,
                   "serve: not available in the WebAssembly build (use the native brass)");
}
#else
static int is_dir(const char *p) {
  struct stat st;
  return p && *p && !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Picks the web root into buf; NULL (after printing why) when none exists. */
static const char *find_root(const char *given, char *buf, size_t cap) {
  if (given) {
    if (is_dir(given)) return given;
    cli_error(CLI_FAIL, "serve: --root %s: not a folder", given);
    return NULL;
  }
  const char *env = getenv("BRASS_WEB_ROOT");
  if (env && *env) {
    if (is_dir(env)) return env;
    cli_error(CLI_FAIL, "serve: $BRASS_WEB_ROOT=%s: not a folder", env);
    return NULL;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  char tried[PATH_MAX + 32] = "";
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    int w = snprintf(buf, cap, "%s/../web/dist", exe);
    if (w > 0 && (size_t)w < cap && is_dir(buf)) return buf;
    snprintf(tried, sizeof tried, "%s, ", buf);
  }
  snprintf(buf, cap, "web/dist");
  if (is_dir(buf)) return buf;
  cli_error(CLI_FAIL,
            "serve: no web root: tried %s./web/dist (build it with 'make wasm', or give --root DIR "
            "or set $BRASS_WEB_ROOT)",
            tried);
  return NULL;
}

static int run_serve(int argc, char **argv) {
  serve_options o;
  memset(&o, 0, sizeof o);
  o.port = 8080;
  const char *root = NULL;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int r;
    if ((r = cli_option_value(argc, argv, &i, "--port", &v))) {
      if (r < 0 || cli_parse_int("--port", v, 0, 65535, &o.port)) return CLI_USAGE;
    } else if ((r = cli_option_value(argc, argv, &i, "--host", &v))) {
      if (r < 0) return CLI_USAGE;
      o.host = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--root", &v))) {
      if (r < 0) return CLI_USAGE;
      root = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--model", &v))) {
      if (r < 0) return CLI_USAGE;
      o.model_dir = v;
    } else if ((r = cli_library_option(argc, argv, &i, &o.library, NULL))) {
      if (r < 0) return CLI_USAGE;
    } else if ((r = cli_option_value(argc, argv, &i, "--dtype", &v))) {
      if (r < 0 || cli_parse_dtype(v, &o.dtype)) return CLI_USAGE;
    } else if ((r = cli_option_value(argc, argv, &i, "--rerank", &v))) {
      if (r < 0) return CLI_USAGE;
      o.rerank_dir = v;
    } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
      if (r < 0 || cli_parse_threads("--threads", v, &o.threads)) return CLI_USAGE;
    } else if ((r = cli_option_value(argc, argv, &i, "--token", &v))) {
      if (r < 0) return CLI_USAGE;
      if (strlen(v) < 16 || strlen(v) > 127)
        return cli_error(CLI_USAGE, "serve: --token must have 16 to 127 characters");
      o.token = v;
    } else {
      return cli_error(CLI_USAGE, "serve: unknown argument '%s' (see 'brass help serve')", argv[i]);
    }
  }
  char rerank_buf[PATH_MAX];
  if (o.rerank_dir) { /* copied: cli_resolve_model's buffer is reused for --model below */
    snprintf(rerank_buf, sizeof rerank_buf, "%s", cli_resolve_model(o.rerank_dir));
    o.rerank_dir = rerank_buf;
  }
  if (cli_model_unknown("serve", o.model_dir)) return CLI_FAIL;
  if (o.model_dir) o.model_dir = cli_resolve_model(o.model_dir); /* a pulled model's name */
  char buf[PATH_MAX];
  o.root = find_root(root, buf, sizeof buf);
  if (!o.root) return CLI_FAIL;
  brass_error err;
  if (serve_run(&o, &err)) return cli_error(CLI_FAIL, "serve: %s", err.message);
  return CLI_OK;
}
#endif

const cli_command cli_serve = {
    .name = "serve",
    .summary = "serve the browser app over HTTP (localhost)",
    .help = serve_help,
    .run = run_serve,
};
