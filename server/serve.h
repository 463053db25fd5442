/*
 * serve.h - `brass serve`, a small static HTTP server for the browser app on GNU libmicrohttpd
 * (native build only). serve.c owns the daemon and request routing, static_files.c safe path
 * resolution and MIME types, model_files.c the /model/ manifest and files, api.c the optional
 * /api/ endpoints over a native library. The HTTP parsing is libmicrohttpd's; this code only
 * decides which file (if any) a request may read.
 */
#ifndef BRASS_SERVE_H
#define BRASS_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "brass.h"

struct MHD_Connection;

typedef struct serve_options {
  const char *host;       /* address to bind (IPv4 or IPv6 literal); NULL = 127.0.0.1 */
  int port;               /* 0 = pick a free port */
  const char *root;       /* folder of static files (must exist) */
  const char *model_dir;  /* NULL, or a model folder served under /model/ */
  const char *library;    /* NULL, or a library file answering /api/ */
  int threads;            /* threads for the library's model; 0 = default */
  int dtype;              /* BRASS_DTYPE_* for the library's model; 0 = the library's */
  const char *rerank_dir; /* NULL, or a cross-encoder for /api/search?rerank=1 */
  const char *token;      /* NULL, or the bearer token /api/ and /mcp require (guard.c) */
} serve_options;

/* Serves until SIGINT or SIGTERM. Prints "brass serve: http://HOST:PORT/ (root DIR)" on stdout once
 * listening. Returns 0 after a clean stop, or a negative BRASS_E* code (err filled). */
int serve_run(const serve_options *opts, brass_error *err);

/* ---- static_files.c ---- */

/* Largest decoded request path accepted (longer ones get 414). */
#define SERVE_PATH_MAX 2048

/* Percent-decodes the raw request path `raw` (as sent, before '?') into out. Returns 0, or an HTTP
 * status: 400 when the path does not start with '/', has a malformed escape, an encoded '/', a
 * backslash, NUL or control character, or a "." or ".." segment; 414 when it is too long. Runs of
 * '/' are collapsed to one. */
int serve_path_decode(const char *raw, char *out, size_t cap);

/* Percent-decodes a query-string value ('+' is a space). Returns the length, or -1 on a malformed
 * escape, a NUL byte or when it does not fit in cap (including the terminator). */
int serve_query_decode(const char *raw, char *out, size_t cap);

/* MIME type for a file name, by extension; "application/octet-stream" if unknown. */
const char *serve_mime_type(const char *name);

/* Opens a regular file for streaming: O_NONBLOCK while opening (a FIFO cannot block the server),
 * blocking afterwards; follow = 0 refuses a symlink in the last component (paths already resolved
 * under the root), 1 follows it (model folders link to cached blobs). Returns 0 and fills fd,
 * size and mtime, or 404. */
int serve_open_regular(const char *path, int follow, int *fd, uint64_t *size, int64_t *mtime_ns);

/* Opens the regular file for decoded path `path` under root_real (a realpath): a folder means its
 * index.html; files and folders whose names start with '.' are hidden; the resolved file must lie
 * inside root_real (symbolic links pointing out of it are refused). Returns 0 with *fd (the caller
 * closes it) and the file's size and modification time, or 404. */
int serve_static_open(const char *root_real, const char *path, int *fd, uint64_t *size,
                      int64_t *mtime_ns, const char **mime);

/* ---- model_files.c ---- */

typedef struct serve_model serve_model;

/* Checks the model folder (it must hold config.json) and remembers it. */
int serve_model_open(const char *dir, serve_model **out, brass_error *err);
void serve_model_close(serve_model *m);
/* The folder name shown in the manifest. */
const char *serve_model_name(const serve_model *m);
/* {"name": ..., "files": [{"path", "size"}, ...]} for the allowed files present now; malloc'd
 * (NULL when out of memory). */
char *serve_model_manifest(const serve_model *m);
/* Opens one allowed model file by its manifest path; 0 with *fd, size, mtime and MIME, or 404. */
int serve_model_file_open(const serve_model *m, const char *rel, int *fd, uint64_t *size,
                          int64_t *mtime_ns, const char **mime);

/* ---- api.c ---- */

typedef struct serve_api serve_api;

/* Opens the library (which must exist) with the model it was indexed with (dtype: BRASS_DTYPE_*,
 * 0 = the library's), and the cross-encoder rerank_dir if not NULL. */
int serve_api_open(const char *library, int threads, int dtype, const char *rerank_dir,
                   serve_api **out, brass_error *err);
void serve_api_close(serve_api *a);
/* Answers /api/<sub> ("status" or "search") for the connection's query arguments. Returns the HTTP
 * status and stores a malloc'd JSON body in *body (NULL only when out of memory). */
int serve_api_handle(serve_api *a, struct MHD_Connection *c, const char *sub, char **body);

/* The library handle, its mutex and its path (for the MCP endpoint, which shares them). */
brass_library *serve_api_library(serve_api *a, pthread_mutex_t **mu, const char **path);

/* ---- guard.c: who may read the library (/api/ and /mcp) ---- */

typedef struct serve_guard {
  int loopback;  /* bound to a loopback address: Host must name it */
  char host[64]; /* the bound address as given (an IPv6 one without brackets) */
  unsigned port;
  char token[128]; /* "" = no token required */
} serve_guard;

/* 1 if host (an address literal or "localhost") is a loopback address. */
int serve_host_is_loopback(const char *host);
/* Fills g for a server bound to host:port. */
void serve_guard_init(serve_guard *g, const char *host, unsigned port, const char *token);
/* Writes a fresh random token (64 hex digits) into out (cap >= 65). 0, or -1 without randomness. */
int serve_token_new(char *out, size_t cap);
/* Checks a request to /api/ or /mcp: Host must be the server's own address when bound to
 * loopback (DNS rebinding), a browser's Origin must be the server's own origin and its
 * Sec-Fetch-Site same-origin or none (other sites), and the bearer token must match when one is
 * set. Returns 0, 403 or 401, with a one-line reason in *why. */
int serve_guard_check(const serve_guard *g, struct MHD_Connection *c, const char **why);

/* ---- mcp_http.c: the MCP Streamable HTTP transport at /mcp ---- */

typedef struct serve_mcp serve_mcp;
struct MHD_Response;

int serve_mcp_open(serve_api *api, serve_mcp **out, brass_error *err);
void serve_mcp_close(serve_mcp *m);
/* One libmicrohttpd callback for /mcp. Returns 0 while the request body is still arriving, else
 * the HTTP status with *resp set (NULL only when out of memory). */
int serve_mcp_handle(serve_mcp *m, struct MHD_Connection *c, const char *method, const char *upload,
                     size_t *upload_size, void **req_cls, struct MHD_Response **resp);
/* Frees what serve_mcp_handle left in *req_cls (on request completion); other pointers are
 * ignored. */
void serve_mcp_request_done(void *req_cls);

#endif
