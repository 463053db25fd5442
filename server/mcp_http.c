/*
 * mcp_http.c - the MCP Streamable HTTP transport at /mcp of `brass serve --library`, over the
 * same protocol core as `brass mcp` (cli/mcp_rpc.c) and the /api/ library handle:
 *   POST   one JSON-RPC message (Content-Type application/json, at most 1 MiB). A request is
 *          answered 200 with one application/json response (brass never streams); a
 *          notification or response 202 with no body. initialize creates a session whose id
 *          comes back in Mcp-Session-Id; every later message must carry it (400 without, 404 for
 *          an unknown or ended one). An MCP-Protocol-Version header must name a version brass
 *          speaks (400).
 *   GET    405: no server-to-client SSE stream.
 *   DELETE ends the session named by Mcp-Session-Id.
 * serve.c checks the guard (Host, Origin, token) before any of this.
 */
#define _GNU_SOURCE /* strcasestr */
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../cli/mcp_rpc.h"
#include "serve.h"

#define MCP_SESSIONS 256
#define MCP_REQ_MAGIC 0x6d637071u

typedef struct mcp_session {
  char id[65]; /* "" = free */
  char version[32];
  uint64_t used; /* last use, a counter (least recently used is evicted) */
} mcp_session;

struct serve_mcp {
  mcp_core core;
  pthread_mutex_t mu; /* sessions */
  mcp_session sessions[MCP_SESSIONS];
  uint64_t clock;
};

typedef struct mcp_req {
  uint32_t magic;
  char *body;
  size_t len, cap;
  int too_big;
} mcp_req;

int serve_mcp_open(serve_api *api, serve_mcp **out, brass_error *err) {
  serve_mcp *m = calloc(1, sizeof *m);
  if (!m) {
    err->code = BRASS_ENOMEM;
    snprintf(err->message, sizeof err->message, "mcp: out of memory");
    return BRASS_ENOMEM;
  }
  m->core.lib = serve_api_library(api, &m->core.mu, &m->core.library_path);
  pthread_mutex_init(&m->mu, NULL);
  *out = m;
  return 0;
}

void serve_mcp_close(serve_mcp *m) {
  if (!m) return;
  pthread_mutex_destroy(&m->mu);
  free(m);
}

void serve_mcp_request_done(void *req_cls) {
  mcp_req *r = req_cls;
  if (!r || r->magic != MCP_REQ_MAGIC) return;
  free(r->body);
  free(r);
}

/* ---- sessions ---- */

/* Finds session id; 1 and its version in ver when known. */
static int mcp_session_find(serve_mcp *m, const char *id, char *ver, size_t cap) {
  int found = 0;
  pthread_mutex_lock(&m->mu);
  for (int i = 0; i < MCP_SESSIONS && !found; i++) {
    if (m->sessions[i].id[0] && !strcmp(m->sessions[i].id, id)) {
      m->sessions[i].used = ++m->clock;
      snprintf(ver, cap, "%s", m->sessions[i].version);
      found = 1;
    }
  }
  pthread_mutex_unlock(&m->mu);
  return found;
}

static int mcp_session_new(serve_mcp *m, const char *version, char *id) {
  if (serve_token_new(id, 65)) return -1;
  pthread_mutex_lock(&m->mu);
  int slot = 0;
  for (int i = 0; i < MCP_SESSIONS; i++) {
    if (!m->sessions[i].id[0]) {
      slot = i;
      break;
    }
    if (m->sessions[i].used < m->sessions[slot].used) slot = i;
  }
  mcp_session *s = &m->sessions[slot];
  snprintf(s->id, sizeof s->id, "%s", id);
  snprintf(s->version, sizeof s->version, "%s", version);
  s->used = ++m->clock;
  pthread_mutex_unlock(&m->mu);
  return 0;
}

static int mcp_session_end(serve_mcp *m, const char *id) {
  int found = 0;
  pthread_mutex_lock(&m->mu);
  for (int i = 0; i < MCP_SESSIONS; i++)
    if (m->sessions[i].id[0] && !strcmp(m->sessions[i].id, id)) {
      memset(&m->sessions[i], 0, sizeof m->sessions[i]);
      found = 1;
    }
  pthread_mutex_unlock(&m->mu);
  return found;
}

/* ---- responses ---- */

static struct MHD_Response *mcp_json(char *body) {
  if (!body) return NULL;
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(body);
    return NULL;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  return r;
}

static int mcp_fail(int status, int code, const char *message, struct MHD_Response **resp) {
  *resp = mcp_json(mcp_error_json(code, message));
  return status;
}

static struct MHD_Response *mcp_empty(void) {
  return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
}

/* 1 if the header value list (comma-separated media types) allows application/json. */
static int mcp_accepts_json(const char *accept) {
  return !accept || strcasestr(accept, "application/json") || strstr(accept, "*/*") ||
         strcasestr(accept, "application/*");
}

/* The method of a JSON-RPC message, if it is an initialize request. */
static int mcp_is_initialize(const char *body, size_t len) {
  cJSON *j = cJSON_ParseWithLength(body, len);
  const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, "method") : NULL;
  int init = cJSON_IsString(m) && !strcmp(m->valuestring, "initialize");
  cJSON_Delete(j);
  return init;
}

static int mcp_post_done(serve_mcp *m, struct MHD_Connection *c, mcp_req *q,
                         struct MHD_Response **resp) {
  if (q->too_big) return mcp_fail(413, -32600, "message larger than 1 MiB", resp);
  const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Session-Id");
  int init = mcp_is_initialize(q->body ? q->body : "", q->len);
  char ver[32] = "";
  if (!init) {
    if (!sid) return mcp_fail(400, -32600, "missing Mcp-Session-Id: initialize first", resp);
    if (!mcp_session_find(m, sid, ver, sizeof ver))
      return mcp_fail(404, -32001, "session not found: initialize again", resp);
  }
  mcp_info info;
  int oom = 0;
  char *out = mcp_handle(&m->core, q->body ? q->body : "", q->len, &info, &oom);
  if (!out && oom) return mcp_fail(500, -32603, "internal error: out of memory", resp);
  if (!out) {
    *resp = mcp_empty();
    return 202;
  }
  *resp = mcp_json(out);
  if (!*resp) return 500;
  if (info.is_initialize) {
    char id[65];
    if (mcp_session_new(m, info.version, id)) {
      MHD_destroy_response(*resp);
      return mcp_fail(500, -32603, "internal error: no randomness for a session id", resp);
    }
    MHD_add_response_header(*resp, "Mcp-Session-Id", id);
  }
  return info.has_request ? 200 : 400;
}

int serve_mcp_handle(serve_mcp *m, struct MHD_Connection *c, const char *method, const char *upload,
                     size_t *upload_size, void **req_cls, struct MHD_Response **resp) {
  *resp = NULL;
  if (!strcmp(method, MHD_HTTP_METHOD_DELETE)) {
    const char *sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Mcp-Session-Id");
    if (!sid) return mcp_fail(400, -32600, "missing Mcp-Session-Id", resp);
    if (!mcp_session_end(m, sid)) return mcp_fail(404, -32001, "session not found", resp);
    *resp = mcp_empty();
    return 200;
  }
  if (strcmp(method, MHD_HTTP_METHOD_POST)) {
    int status = mcp_fail(405, -32600, "POST JSON-RPC messages to /mcp (no SSE stream)", resp);
    if (*resp) MHD_add_response_header(*resp, "Allow", "POST, DELETE");
    return status;
  }
  mcp_req *q = *req_cls;
  if (!q) { /* headers only so far */
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *pv = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "MCP-Protocol-Version");
    if (!ct || strncasecmp(ct, "application/json", 16))
      return mcp_fail(415, -32600, "Content-Type must be application/json", resp);
    if (!mcp_accepts_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept")))
      return mcp_fail(406, -32600, "Accept must allow application/json", resp);
    if (pv && !mcp_version_supported(pv))
      return mcp_fail(400, -32600, "unsupported MCP-Protocol-Version", resp);
    if (!(q = calloc(1, sizeof *q))) return 500;
    q->magic = MCP_REQ_MAGIC;
    *req_cls = q;
    return 0;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (q->too_big || q->len + n > MCP_MESSAGE_MAX) {
      q->too_big = 1;
      return 0;
    }
    if (q->len + n + 1 > q->cap) {
      size_t cap = q->cap ? q->cap : 4096;
      while (cap < q->len + n + 1) cap *= 2;
      char *b = realloc(q->body, cap);
      if (!b) {
        q->too_big = 1;
        return 0;
      }
      q->body = b;
      q->cap = cap;
    }
    memcpy(q->body + q->len, upload, n);
    q->len += n;
    q->body[q->len] = '\0';
    return 0;
  }
  return mcp_post_done(m, c, q, resp);
}
