/*
 * mcp_rpc.c - the Model Context Protocol (revision 2025-11-25, also answering clients of
 * 2025-06-18, 2025-03-26 and 2024-11-05) over JSON-RPC 2.0: initialize (version negotiation),
 * ping, tools/list and tools/call for three tools:
 *   search  {query, mode, n, path, type, since, before} -> the `brass search --json` object
 *   get     {source, from, to}                          -> the `brass get --json` object
 *   status  {}                                          -> the `brass status --json` object
 * Every tool declares an inputSchema and an outputSchema and returns structuredContent plus the
 * same JSON as a text block (for clients without structured output). A tool that fails (a source
 * that is not indexed, a bad filter) answers isError: true with the message, so a model can
 * correct itself; protocol mistakes are JSON-RPC errors. JSON is parsed and written with cJSON.
 */
#include "mcp_rpc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  MCP_PARSE_ERROR = -32700,
  MCP_INVALID_REQUEST = -32600,
  MCP_METHOD_NOT_FOUND = -32601,
  MCP_INVALID_PARAMS = -32602,
  MCP_INTERNAL = -32603,
};

#define MCP_PATHS_MAX 64

static const char *const mcp_versions[] = {MCP_PROTOCOL_LATEST, "2025-06-18", "2025-03-26",
                                           "2024-11-05"};

int mcp_version_supported(const char *v) {
  for (size_t i = 0; v && i < sizeof mcp_versions / sizeof *mcp_versions; i++)
    if (!strcmp(v, mcp_versions[i])) return 1;
  return 0;
}

/* ---- tool declarations ---------------------------------------------------------------------- */

#define MCP_RESULT_ITEM                                                                           \
  "{\"type\":\"object\",\"properties\":{\"rank\":{\"type\":\"integer\"},\"source\":{\"type\":"    \
  "\"string\"},\"line_start\":{\"type\":\"integer\"},\"line_end\":{\"type\":\"integer\"},"        \
  "\"heading\":{\"type\":\"string\"},\"score\":{\"type\":\"number\"},\"snippet\":{\"type\":"      \
  "\"string\"},\"text\":{\"type\":\"string\"}},\"required\":[\"rank\",\"source\",\"line_start\"," \
  "\"line_end\",\"heading\",\"score\",\"snippet\",\"text\"]}"

static const char mcp_tools_json[] =
    "[{\"name\":\"search\",\"title\":\"Search the library\","
    "\"description\":\"Hybrid (semantic + keyword) search over the indexed files. Returns the best "
    "documents, each once at its best chunk: source path, line range, heading path, score, a "
    "snippet with query words in **bold** and the chunk text. Read more of a hit with the get "
    "tool (source, line_start, line_end). Narrow with path (folder prefixes or globs such as "
    "'*.md'), type ('md,py'), since/before (2024-05-01 or an age: 7d, 12h).\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{"
    "\"query\":{\"type\":\"string\",\"description\":\"what to look for, in words\"},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"hybrid\",\"vector\",\"keyword\"],\"description\":"
    "\"hybrid (default), vector (meaning only) or keyword (BM25 only)\"},"
    "\"n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"description\":\"documents to "
    "return (default 10)\"},"
    "\"path\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"only sources "
    "under these folders/files or matching these globs (any may match)\"},"
    "\"type\":{\"type\":\"string\",\"description\":\"only these file extensions, comma-separated "
    "(md,py)\"},"
    "\"since\":{\"type\":\"string\",\"description\":\"only files modified at or after: "
    "2024-05-01, 2024-05-01T12:00Z or an age (30m, 12h, 7d, 2w)\"},"
    "\"before\":{\"type\":\"string\",\"description\":\"only files modified before (same "
    "forms)\"}},\"required\":[\"query\"]},"
    "\"outputSchema\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"hybrid\",\"vector\",\"keyword\"]},"
    "\"note\":{\"type\":[\"string\",\"null\"]},\"took_ms\":{\"type\":\"number\"},"
    "\"timings\":{\"type\":\"object\"},\"results\":{\"type\":\"array\",\"items\":" MCP_RESULT_ITEM
    "}},\"required\":[\"query\",\"mode\",\"results\"]},"
    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}},"

    "{\"name\":\"get\",\"title\":\"Read lines of an indexed file\","
    "\"description\":\"The text of lines from..to (1-based, inclusive) of a source in the library, "
    "as the file is now; changed is true when the file differs from what was indexed. Only "
    "indexed sources can be read.\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{"
    "\"source\":{\"type\":\"string\",\"description\":\"a source path as search returns it\"},"
    "\"from\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"first line (default 1)\"},"
    "\"to\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"last line (default: the end)\"}},"
    "\"required\":[\"source\"]},"
    "\"outputSchema\":{\"type\":\"object\",\"properties\":{\"source\":{\"type\":\"string\"},"
    "\"line_start\":{\"type\":\"integer\"},\"line_end\":{\"type\":\"integer\"},\"total_lines\":"
    "{\"type\":\"integer\"},\"changed\":{\"type\":\"boolean\"},\"text\":{\"type\":\"string\"}},"
    "\"required\":[\"source\",\"line_start\",\"line_end\",\"total_lines\",\"changed\",\"text\"]},"
    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}},"

    "{\"name\":\"status\",\"title\":\"Library status\","
    "\"description\":\"What the library holds: sources, chunks, vectors, the HNSW graph's state, "
    "the embedding model.\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{}},"
    "\"outputSchema\":{\"type\":\"object\",\"properties\":{\"library\":{\"type\":\"string\"},"
    "\"sources\":{\"type\":\"integer\"},\"chunks\":{\"type\":\"integer\"},\"vectors\":{\"type\":"
    "\"integer\"},\"graph\":{\"type\":\"string\"},\"generation\":{\"type\":\"integer\"},"
    "\"schema_version\":{\"type\":\"integer\"},\"bytes\":{\"type\":\"integer\"},\"model\":{"
    "\"type\":"
    "[\"object\",\"null\"]}},\"required\":[\"library\",\"sources\",\"chunks\",\"vectors\"]},"
    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}}]";

static const char mcp_instructions[] =
    "brass searches a local library of indexed files. Use search to find passages (filters: path, "
    "type, since, before), then get with the hit's source and line range to read around it.";

/* ---- JSON-RPC envelopes --------------------------------------------------------------------- */

static char *mcp_print(cJSON *o, int *oom) {
  char *s = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!s) *oom = 1;
  return s;
}

static cJSON *mcp_envelope(const cJSON *id) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "jsonrpc", "2.0");
  cJSON *idc = id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull();
  if (!idc) {
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddItemToObject(o, "id", idc);
  return o;
}

static char *mcp_error(const cJSON *id, int code, const char *message, int *oom) {
  cJSON *o = mcp_envelope(id);
  cJSON *e = o ? cJSON_AddObjectToObject(o, "error") : NULL;
  if (!e) {
    cJSON_Delete(o);
    *oom = 1;
    return NULL;
  }
  cJSON_AddNumberToObject(e, "code", code);
  cJSON_AddStringToObject(e, "message", message);
  return mcp_print(o, oom);
}

char *mcp_error_json(int code, const char *message) {
  int oom = 0;
  return mcp_error(NULL, code, message, &oom);
}

static char *mcp_result(const cJSON *id, cJSON *result, int *oom) {
  cJSON *o = mcp_envelope(id);
  if (!o || !result) {
    cJSON_Delete(o);
    cJSON_Delete(result);
    *oom = 1;
    return NULL;
  }
  cJSON_AddItemToObject(o, "result", result);
  return mcp_print(o, oom);
}

/* A tool result: structuredContent = json (an object, taken), content = its text. */
static cJSON *mcp_tool_ok(char *json) {
  cJSON *sc = json ? cJSON_Parse(json) : NULL;
  cJSON *r = cJSON_CreateObject(), *content = r ? cJSON_AddArrayToObject(r, "content") : NULL;
  cJSON *t = content ? cJSON_CreateObject() : NULL;
  if (!sc || !t) {
    free(json);
    cJSON_Delete(sc);
    cJSON_Delete(r);
    cJSON_Delete(t);
    return NULL;
  }
  cJSON_AddItemToArray(content, t);
  cJSON_AddStringToObject(t, "type", "text");
  cJSON_AddStringToObject(t, "text", json);
  free(json);
  cJSON_AddItemToObject(r, "structuredContent", sc);
  cJSON_AddBoolToObject(r, "isError", 0);
  return r;
}

static cJSON *mcp_tool_error(const char *message) {
  cJSON *r = cJSON_CreateObject(), *content = r ? cJSON_AddArrayToObject(r, "content") : NULL;
  cJSON *t = content ? cJSON_CreateObject() : NULL;
  if (!t) {
    cJSON_Delete(r);
    return NULL;
  }
  cJSON_AddItemToArray(content, t);
  cJSON_AddStringToObject(t, "type", "text");
  cJSON_AddStringToObject(t, "text", message);
  cJSON_AddBoolToObject(r, "isError", 1);
  return r;
}

/* ---- tools ------------------------------------------------------------------------------------
 */

static void mcp_lock(mcp_core *m) {
  if (m->mu) pthread_mutex_lock(m->mu);
}

static void mcp_unlock(mcp_core *m) {
  if (m->mu) pthread_mutex_unlock(m->mu);
}

/* Reads an optional string argument; -1 when present but not a string. */
static int mcp_str(const cJSON *args, const char *key, const char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
  *out = NULL;
  if (!v || cJSON_IsNull(v)) return 0;
  if (!cJSON_IsString(v)) return -1;
  *out = v->valuestring;
  return 0;
}

/* Reads an optional integer argument in [lo, hi]; -1 when present but not one. */
static int mcp_int(const cJSON *args, const char *key, int lo, int hi, int *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
  if (!v || cJSON_IsNull(v)) return 0;
  if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble ||
      v->valuedouble < lo || v->valuedouble > hi)
    return -1;
  *out = (int)v->valuedouble;
  return 0;
}

static cJSON *mcp_tool_search(mcp_core *m, const cJSON *args) {
  char msg[BRASS_ERROR_MAX + 64];
  const char *query = NULL, *mode = NULL, *since = NULL, *before = NULL;
  const char *paths[MCP_PATHS_MAX];
  char types[1024] = "";
  brass_filter f;
  memset(&f, 0, sizeof f);
  brass_search_options so;
  memset(&so, 0, sizeof so);
  if (mcp_str(args, "query", &query) || !query || !*query)
    return mcp_tool_error("search: 'query' must be a non-empty string");
  if (mcp_str(args, "mode", &mode)) return mcp_tool_error("search: 'mode' must be a string");
  if (!mode || !strcmp(mode, "hybrid"))
    so.mode = BRASS_SEARCH_HYBRID;
  else if (!strcmp(mode, "vector"))
    so.mode = BRASS_SEARCH_VECTOR;
  else if (!strcmp(mode, "keyword"))
    so.mode = BRASS_SEARCH_KEYWORD;
  else
    return mcp_tool_error("search: 'mode' must be hybrid, vector or keyword");
  if (mcp_int(args, "n", 1, 100, &so.k))
    return mcp_tool_error("search: 'n' must be an integer from 1 to 100");
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(args, "path");
  if (cJSON_IsString(p)) {
    paths[f.n_paths++] = p->valuestring;
  } else if (cJSON_IsArray(p)) {
    const cJSON *e;
    cJSON_ArrayForEach(e, p) {
      if (!cJSON_IsString(e) || f.n_paths == MCP_PATHS_MAX)
        return mcp_tool_error("search: 'path' must be an array of at most 64 strings");
      paths[f.n_paths++] = e->valuestring;
    }
  } else if (p && !cJSON_IsNull(p)) {
    return mcp_tool_error("search: 'path' must be an array of strings");
  }
  f.paths = paths;
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(args, "type");
  if (cJSON_IsString(t)) {
    snprintf(types, sizeof types, "%s", t->valuestring);
  } else if (cJSON_IsArray(t)) { /* ["md", "py"] is accepted too */
    const cJSON *e;
    size_t n = 0;
    cJSON_ArrayForEach(e, t) {
      if (!cJSON_IsString(e) || n + strlen(e->valuestring) + 2 > sizeof types)
        return mcp_tool_error("search: 'type' must be a string such as \"md,py\"");
      n += (size_t)snprintf(types + n, sizeof types - n, "%s%s", n ? "," : "", e->valuestring);
    }
  } else if (t && !cJSON_IsNull(t)) {
    return mcp_tool_error("search: 'type' must be a string such as \"md,py\"");
  }
  f.types = types;
  brass_error err;
  if (mcp_str(args, "since", &since) || mcp_str(args, "before", &before))
    return mcp_tool_error("search: 'since' and 'before' must be strings");
  if ((since && brass_parse_time(since, 0, &f.since_ns, &err)) ||
      (before && brass_parse_time(before, 0, &f.before_ns, &err))) {
    snprintf(msg, sizeof msg, "search: %s", err.message);
    return mcp_tool_error(msg);
  }
  if (brass_filter_active(&f)) so.filter = &f;
  brass_results *r = NULL;
  mcp_lock(m);
  int rc = brass_search(m->lib, query, &so, &r, &err);
  mcp_unlock(m);
  if (rc) return mcp_tool_error(err.message);
  char *json = brass_results_json(r);
  brass_results_free(r);
  return mcp_tool_ok(json);
}

static cJSON *mcp_tool_get(mcp_core *m, const cJSON *args) {
  const char *source = NULL;
  int from = 0, to = 0;
  if (mcp_str(args, "source", &source) || !source || !*source)
    return mcp_tool_error("get: 'source' must be a non-empty string");
  if (mcp_int(args, "from", 1, 1 << 30, &from) || mcp_int(args, "to", 1, 1 << 30, &to) ||
      (to && from > to))
    return mcp_tool_error("get: 'from' and 'to' must be line numbers >= 1 with from <= to");
  brass_lines l;
  brass_error err;
  mcp_lock(m);
  int rc = brass_get(m->lib, source, from, to, &l, &err);
  mcp_unlock(m);
  if (rc) return mcp_tool_error(err.message);
  char *json = brass_lines_json(&l);
  brass_lines_free(&l);
  return mcp_tool_ok(json);
}

static cJSON *mcp_tool_status(mcp_core *m) {
  brass_library_info in;
  brass_error err;
  mcp_lock(m);
  int rc = brass_library_info_get(m->lib, &in, &err);
  mcp_unlock(m);
  if (rc) return mcp_tool_error(err.message);
  return mcp_tool_ok(brass_library_info_json(&in, m->library_path));
}

/* ---- methods ----------------------------------------------------------------------------------
 */

static char *mcp_initialize(const cJSON *id, const cJSON *params, mcp_info *info, int *oom) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
  if (!cJSON_IsString(v))
    return mcp_error(id, MCP_INVALID_PARAMS, "initialize: no protocolVersion", oom);
  /* the client's version if brass speaks it, else the newest brass speaks (the client decides) */
  const char *ver = mcp_version_supported(v->valuestring) ? v->valuestring : MCP_PROTOCOL_LATEST;
  cJSON *r = cJSON_CreateObject();
  cJSON *caps = r ? cJSON_AddObjectToObject(r, "capabilities") : NULL;
  cJSON *tools = caps ? cJSON_AddObjectToObject(caps, "tools") : NULL;
  cJSON *si = tools ? cJSON_AddObjectToObject(r, "serverInfo") : NULL;
  if (!si) {
    cJSON_Delete(r);
    *oom = 1;
    return NULL;
  }
  cJSON_AddStringToObject(r, "protocolVersion", ver);
  cJSON_AddBoolToObject(tools, "listChanged", 0);
  cJSON_AddStringToObject(si, "name", "brass");
  cJSON_AddStringToObject(si, "title", "brass local search");
  cJSON_AddStringToObject(si, "version", brass_version());
  cJSON_AddStringToObject(r, "instructions", mcp_instructions);
  info->is_initialize = 1;
  snprintf(info->version, sizeof info->version, "%s", ver);
  return mcp_result(id, r, oom);
}

static char *mcp_call(mcp_core *m, const cJSON *id, const cJSON *params, int *oom) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
  if (!cJSON_IsString(name))
    return mcp_error(id, MCP_INVALID_PARAMS, "tools/call: no tool name", oom);
  if (args && !cJSON_IsObject(args) && !cJSON_IsNull(args))
    return mcp_error(id, MCP_INVALID_PARAMS, "tools/call: arguments must be an object", oom);
  cJSON *r;
  if (!strcmp(name->valuestring, "search"))
    r = mcp_tool_search(m, args);
  else if (!strcmp(name->valuestring, "get"))
    r = mcp_tool_get(m, args);
  else if (!strcmp(name->valuestring, "status"))
    r = mcp_tool_status(m);
  else
    return mcp_error(id, MCP_INVALID_PARAMS, "tools/call: unknown tool (search, get, status)", oom);
  return mcp_result(id, r, oom);
}

char *mcp_handle(mcp_core *m, const char *msg, size_t len, mcp_info *info, int *oom) {
  memset(info, 0, sizeof *info);
  *oom = 0;
  if (len > MCP_MESSAGE_MAX) return mcp_error(NULL, MCP_INVALID_REQUEST, "message too large", oom);
  cJSON *j = cJSON_ParseWithLength(msg, len);
  if (!j) return mcp_error(NULL, MCP_PARSE_ERROR, "parse error: not JSON", oom);
  char *out = NULL;
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(j, "jsonrpc");
  const cJSON *method = cJSON_GetObjectItemCaseSensitive(j, "method");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
  int id_ok = id && (cJSON_IsString(id) || cJSON_IsNumber(id));
  if (cJSON_IsArray(j)) {
    out = mcp_error(NULL, MCP_INVALID_REQUEST, "JSON-RPC batches are not supported", oom);
  } else if (!cJSON_IsObject(j) || !cJSON_IsString(ver) || strcmp(ver->valuestring, "2.0")) {
    out = mcp_error(NULL, MCP_INVALID_REQUEST, "not a JSON-RPC 2.0 message", oom);
  } else if (!method) {
    /* a response from the client (brass sends no requests): nothing to answer */
    if (!cJSON_GetObjectItemCaseSensitive(j, "result") &&
        !cJSON_GetObjectItemCaseSensitive(j, "error"))
      out = mcp_error(id_ok ? id : NULL, MCP_INVALID_REQUEST, "no method", oom);
  } else if (!cJSON_IsString(method) || (id && !id_ok) ||
             (params && !cJSON_IsObject(params) && !cJSON_IsArray(params))) {
    out = mcp_error(id_ok ? id : NULL, MCP_INVALID_REQUEST, "invalid request", oom);
  } else if (!id) {
    /* notifications (initialized, cancelled, ...) need no answer */
  } else {
    const char *mname = method->valuestring;
    info->has_request = 1;
    if (!strcmp(mname, "initialize"))
      out = mcp_initialize(id, params, info, oom);
    else if (!strcmp(mname, "ping"))
      out = mcp_result(id, cJSON_CreateObject(), oom);
    else if (!strcmp(mname, "tools/list")) {
      cJSON *r = cJSON_CreateObject(), *tools = cJSON_Parse(mcp_tools_json);
      if (r && tools)
        cJSON_AddItemToObject(r, "tools", tools);
      else {
        cJSON_Delete(r);
        cJSON_Delete(tools);
        r = NULL;
      }
      out = mcp_result(id, r, oom);
    } else if (!strcmp(mname, "tools/call"))
      out = mcp_call(m, id, params, oom);
    else
      out = mcp_error(id, MCP_METHOD_NOT_FOUND, "method not found", oom);
  }
  cJSON_Delete(j);
  return out;
}
