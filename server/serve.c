/*
 * serve.c - the `brass serve` daemon: starts libmicrohttpd (internal polling threads, bounded
 * connections, memory and idle time), routes GET/HEAD requests to static files, /model/,
 * /rerank-model/ and /api/, adds the cross-origin isolation headers to every response, and stops
 * cleanly on SIGINT/SIGTERM. libmicrohttpd is told not to unescape URLs so that static_files.c sees
 * the raw path and can refuse encoded separators and dot segments itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/term_text.h"
#include "../cli/mcp_rpc.h"
#include "serve.h"

/* Limits: a request line plus headers must fit in SERVE_CONN_MEMORY bytes (larger ones get
 * 414/431 from libmicrohttpd); idle connections close after SERVE_TIMEOUT_S. */
#define SERVE_CONN_MEMORY (32 * 1024)
#define SERVE_CONN_LIMIT 256
#define SERVE_PER_IP_LIMIT 128
#define SERVE_TIMEOUT_S 30
#define SERVE_THREADS 4

typedef struct serve_state {
  char root[PATH_MAX];
  serve_model *model;
  serve_model *rerank_model; /* --rerank: the cross-encoder's files at /rerank-model/ */
  serve_api *api;
  serve_mcp *mcp;    /* /mcp (with --library) */
  serve_guard guard; /* who may use /api/ and /mcp */
} serve_state;

/* *req_cls of a GET after its headers (see on_request); /mcp keeps its own state there. */
static int serve_seen;

static int set_err(brass_error *err, int code, const char *fmt, const char *a, const char *b) {
  if (err) {
    err->code = code;
    snprintf(err->message, sizeof err->message, fmt, a, b);
  }
  return code;
}

/* Adds the headers every response carries and queues it. */
static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                             const char *mime) {
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(r, "Cross-Origin-Embedder-Policy", "require-corp");
  MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Cache-Control", "no-cache");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  if (mime) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
  enum MHD_Result rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

/* A fixed plain-text error page (never echoes the request). */
static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
  if (r && status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, "Allow", "GET, HEAD");
  return queue(c, status, r, "text/plain; charset=utf-8");
}

static enum MHD_Result error_page(struct MHD_Connection *c, int status) {
  switch (status) {
    case 400:
      return text(c, 400, "400 bad request\n");
    case 403:
      return text(c, 403, "403 forbidden\n");
    case 405:
      return text(c, 405, "405 method not allowed: GET and HEAD only\n");
    case 414:
      return text(c, 414, "414 URI too long\n");
    case 500:
      return text(c, 500, "500 internal error\n");
    default:
      return text(c, 404, "404 not found\n");
  }
}

/* Streams an open file (the response owns fd); answers 304 when the client's ETag matches. */
static enum MHD_Result send_file(struct MHD_Connection *c, int fd, uint64_t size, int64_t mtime_ns,
                                 const char *mime) {
  char etag[64];
  snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)size,
           (unsigned long long)mtime_ns);
  const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
  if (inm && !strcmp(inm, etag)) {
    close(fd);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r) MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    return queue(c, MHD_HTTP_NOT_MODIFIED, r, NULL);
  }
  struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);
  if (!r) {
    close(fd);
    return error_page(c, 500);
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
  return queue(c, MHD_HTTP_OK, r, mime);
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status, char *body) {
  if (!body) return error_page(c, 500);
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(body);
    return error_page(c, 500);
  }
  return queue(c, (unsigned)status, r, "application/json");
}

/* A refusal by the guard, as JSON. */
static enum MHD_Result refuse(struct MHD_Connection *c, int status, const char *why) {
  struct MHD_Response *r = NULL;
  char *body = mcp_error_json(-32600, why);
  if (body && !(r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)))
    free(body);
  if (r && status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
  return queue(c, (unsigned)status, r, "application/json");
}

/* /mcp: the guard on the first call, then mcp_http.c. */
static enum MHD_Result mcp_route(serve_state *st, struct MHD_Connection *c, const char *method,
                                 const char *upload, size_t *upload_size, void **req_cls) {
  if (!st->mcp) return error_page(c, 404);
  const char *why = NULL;
  int g = *req_cls ? 0 : serve_guard_check(&st->guard, c, &why);
  if (g) return refuse(c, g, why);
  struct MHD_Response *r = NULL;
  int status = serve_mcp_handle(st->mcp, c, method, upload, upload_size, req_cls, &r);
  if (!status) return MHD_YES;
  if (!r) return error_page(c, 500);
  return queue(c, (unsigned)status, r, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  if (*req_cls != &serve_seen) serve_mcp_request_done(*req_cls);
  *req_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls) {
  serve_state *st = cls;
  (void)version;
  if (!strcmp(url, "/mcp")) return mcp_route(st, c, method, upload, upload_size, req_cls);
  if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
    return error_page(c, 405); /* at once: the body is never read, the connection closes */
  if (!*req_cls) {
    /* first call, headers only: answering on the next call keeps the connection alive */
    *req_cls = &serve_seen;
    return MHD_YES;
  }
  if (*upload_size) {
    *upload_size = 0; /* a GET with a body: the body is discarded */
    return MHD_YES;
  }
  char path[SERVE_PATH_MAX];
  int bad = serve_path_decode(url, path, sizeof path);
  if (bad) return error_page(c, bad);
  int fd = -1, rc;
  uint64_t size = 0;
  int64_t mtime = 0;
  const char *mime = NULL;
  const int rerank = !strncmp(path, "/rerank-model/", 14) || !strcmp(path, "/rerank-model");
  if (rerank || !strncmp(path, "/model/", 7) || !strcmp(path, "/model")) {
    serve_model *m = rerank ? st->rerank_model : st->model;
    if (!m) return error_page(c, 404);
    const char *rel = rerank ? (path[13] ? path + 14 : "") : (path[6] ? path + 7 : "");
    if (!strcmp(rel, "manifest.json")) {
      char *s = serve_model_manifest(m);
      return send_json(c, 200, s);
    }
    rc = serve_model_file_open(m, rel, &fd, &size, &mtime, &mime);
  } else if (!strncmp(path, "/api/", 5) || !strcmp(path, "/api")) {
    if (!st->api) return error_page(c, 404);
    const char *why = NULL;
    int g = serve_guard_check(&st->guard, c, &why);
    if (g) return refuse(c, g, why);
    char *body = NULL;
    int status = serve_api_handle(st->api, c, path[4] ? path + 5 : "", &body);
    return send_json(c, status, body);
  } else {
    rc = serve_static_open(st->root, path, &fd, &size, &mtime, &mime);
  }
  if (rc) return error_page(c, rc);
  return send_file(c, fd, size, mtime, mime);
}

/* Leaves URLs and arguments as sent; static_files.c decodes them strictly. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls;
  (void)c;
  return strlen(s);
}

static void on_signal(int sig) {
  (void)sig;
}

int serve_run(const serve_options *o, brass_error *err) {
  serve_state st;
  memset(&st, 0, sizeof st);
  const char *host = o->host ? o->host : "127.0.0.1";
  /* the name everyone types: this machine's IPv4 loopback, without asking a resolver */
  if (!strcasecmp(host, "localhost")) host = "127.0.0.1";
  if (!realpath(o->root, st.root))
    return set_err(err, BRASS_EIO, "%s: cannot open the web root (%s)", o->root, strerror(errno));

  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  struct sockaddr *sa;
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
  memset(&a4, 0, sizeof a4);
  memset(&a6, 0, sizeof a6);
  if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
    a4.sin_family = AF_INET;
    a4.sin_port = htons((uint16_t)o->port);
    sa = (struct sockaddr *)&a4;
  } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons((uint16_t)o->port);
    sa = (struct sockaddr *)&a6;
    flags |= MHD_USE_IPv6;
  } else {
    return set_err(err, BRASS_EINVAL, "--host %s: not an IPv4 or IPv6 address (or localhost)%s",
                   host, "");
  }

  /* SIGINT/SIGTERM are taken by sigwait below: block them before any thread starts (the
   * library's model pool, the daemon's threads) so that all inherit the mask, and give them a
   * handler so that an inherited "ignore" does not hide them. */
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = on_signal;
  sigemptyset(&act.sa_mask);
  sigaction(SIGINT, &act, NULL);
  sigaction(SIGTERM, &act, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, &old);

  int rc = 0;
  if ((o->model_dir && (rc = serve_model_open(o->model_dir, &st.model, err))) ||
      (o->rerank_dir && (rc = serve_model_open(o->rerank_dir, &st.rerank_model, err))) ||
      (o->library &&
       (rc = serve_api_open(o->library, o->threads, o->dtype, o->rerank_dir, &st.api, err))) ||
      (st.api && (rc = serve_mcp_open(st.api, &st.mcp, err)))) {
    serve_api_close(st.api);
    serve_model_close(st.model);
    serve_model_close(st.rerank_model);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
  }

  /* a token guards /api/ and /mcp when asked for, and always off loopback */
  char token[128] = "";
  if (o->token) snprintf(token, sizeof token, "%s", o->token);
  if (!token[0] && !serve_host_is_loopback(host) && serve_token_new(token, sizeof token)) {
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    serve_mcp_close(st.mcp);
    serve_api_close(st.api);
    serve_model_close(st.model);
    return set_err(err, BRASS_EIO, "--host %s: no randomness for a token; give --token%s", host,
                   "");
  }
  serve_guard_init(&st.guard, host, (unsigned)o->port, token);
  struct MHD_Daemon *d = MHD_start_daemon(
      flags, (uint16_t)o->port, NULL, NULL, on_request, &st, MHD_OPTION_SOCK_ADDR, sa,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY, MHD_OPTION_CONNECTION_LIMIT,
      (unsigned)SERVE_CONN_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVE_PER_IP_LIMIT,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_TIMEOUT_S, MHD_OPTION_THREAD_POOL_SIZE,
      (unsigned)SERVE_THREADS, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
      MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
      MHD_OPTION_END);
  if (!d) {
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    serve_mcp_close(st.mcp);
    serve_api_close(st.api);
    serve_model_close(st.model);
    serve_model_close(st.rerank_model);
    char port[16];
    snprintf(port, sizeof port, "%d", o->port);
    return set_err(err, BRASS_EIO, "cannot listen on port %s (%s)", port,
                   e ? strerror(e) : "libmicrohttpd refused to start");
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info ? info->port : (unsigned)o->port;
  st.guard.port = port; /* (until now, with --port 0, every Host was refused) */
  int v6 = sa->sa_family == AF_INET6;
  /* names of folders and files go through the terminal-safe printer */
  term_text_printf(stdout, "brass serve: http://%s%s%s:%u/ (root %s)", v6 ? "[" : "", host,
                   v6 ? "]" : "", port, st.root);
  fputc('\n', stdout);
  fflush(stdout);
  if (st.model) {
    term_text_printf(stderr, "brass serve: model %s at /model/ (manifest /model/manifest.json)",
                     serve_model_name(st.model));
    fputc('\n', stderr);
  }
  if (st.rerank_model) {
    term_text_printf(stderr, "brass serve: reranker %s at /rerank-model/%s",
                     serve_model_name(st.rerank_model), st.api ? " and /api/search?rerank=1" : "");
    fputc('\n', stderr);
  }
  if (st.api) {
    term_text_printf(stderr,
                     "brass serve: library %s at /api/status, /api/search, /api/get; MCP at /mcp",
                     o->library);
    fputc('\n', stderr);
  }
  if (token[0] && !o->token)
    fprintf(stderr, "brass serve: token for /api/ and /mcp: %s (Authorization: Bearer TOKEN)\n",
            token);
  if (strcmp(host, "127.0.0.1") && strcmp(host, "::1")) {
    term_text_printf(stderr, "brass serve: warning: listening on %s, not only on this machine",
                     host);
    fputc('\n', stderr);
  }

  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  fprintf(stderr, "brass serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  MHD_stop_daemon(d);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  serve_mcp_close(st.mcp);
  serve_api_close(st.api);
  serve_model_close(st.model);
  serve_model_close(st.rerank_model);
  return 0;
}
