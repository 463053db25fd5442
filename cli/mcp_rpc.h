/*
 * mcp_rpc.h - the Model Context Protocol server core shared by `brass mcp` (stdio, cmd_mcp.c) and
 * `brass serve --library` (/mcp over Streamable HTTP, server/mcp_http.c): JSON-RPC 2.0 messages
 * in, JSON-RPC responses out, tools search / get / status over one open library. Transport-free:
 * it never reads or writes a stream itself.
 */
#ifndef BRASS_MCP_RPC_H
#define BRASS_MCP_RPC_H

#include <pthread.h>
#include <stddef.h>

#include "brass.h"

/* Largest JSON-RPC message accepted (bytes). */
#define MCP_MESSAGE_MAX (1u << 20)
/* The protocol version brass prefers (the newest it implements). */
#define MCP_PROTOCOL_LATEST "2025-11-25"

typedef struct mcp_core {
  brass_library *lib;
  const char *library_path;
  pthread_mutex_t *mu; /* NULL, or held around every library call (the HTTP server's threads) */
} mcp_core;

/* What mcp_handle learned about the message (for the transport). */
typedef struct mcp_info {
  int is_initialize; /* an initialize request that succeeded */
  char version[32];  /* the protocol version it negotiated */
  int has_request;   /* the message was a request (it gets a response) */
} mcp_info;

/* 1 if v is a protocol version brass speaks. */
int mcp_version_supported(const char *v);

/* Handles one JSON-RPC message (len bytes). Returns a malloc'd JSON response, or NULL when
 * there is none to send (a notification or a response from the client). Malformed JSON gets a
 * -32700 parse error, a non-request -32600, an unknown method -32601, bad parameters -32602; a
 * tool that fails returns a result with isError. *oom is set when memory ran out (the caller
 * answers with a generic error). */
char *mcp_handle(mcp_core *m, const char *msg, size_t len, mcp_info *info, int *oom);

/* A JSON-RPC error response with a null id (for transports refusing a message). malloc'd. */
char *mcp_error_json(int code, const char *message);

#endif
