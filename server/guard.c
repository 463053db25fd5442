/*
 * guard.c - who may read the library through `brass serve` (/api/ and /mcp). A web page can make
 * a browser send requests to 127.0.0.1, and with DNS rebinding (evil.example resolving to
 * 127.0.0.1) even read the answers, as the page's own origin. So, for those endpoints:
 *   - Host must name the address brass listens on (127.0.0.1, localhost or [::1] with its port)
 *     when bound to loopback: a rebound name arrives as Host: evil.example:PORT and is refused;
 *   - a browser's Origin must be the server's own origin, and its Sec-Fetch-Site (sent by every
 *     current browser) same-origin or none: other sites are refused even without CORS;
 *   - with a token (required when bound to a non-loopback address), Authorization: Bearer TOKEN,
 *     compared in constant time.
 * Clients that are not browsers (agents, curl) send no Origin and pass the first two checks.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "serve.h"

int serve_host_is_loopback(const char *host) {
  struct in_addr a4;
  struct in6_addr a6;
  if (!host) return 1;
  if (!strcasecmp(host, "localhost")) return 1;
  if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, host, &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
  return 0;
}

void serve_guard_init(serve_guard *g, const char *host, unsigned port, const char *token) {
  memset(g, 0, sizeof *g);
  snprintf(g->host, sizeof g->host, "%s", host ? host : "127.0.0.1");
  g->loopback = serve_host_is_loopback(g->host);
  g->port = port;
  if (token) snprintf(g->token, sizeof g->token, "%s", token);
}

int serve_token_new(char *out, size_t cap) {
  unsigned char r[32];
  if (cap < 65 || getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return -1;
  for (size_t i = 0; i < sizeof r; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
  return 0;
}

/* 1 if host (a Host header value, or the authority of an Origin) names this loopback server. */
static int guard_host_ok(const serve_guard *g, const char *host, size_t len) {
  char want[96];
  const char *names[] = {"127.0.0.1", "localhost", "[::1]", NULL};
  char bound[72];
  snprintf(bound, sizeof bound, strchr(g->host, ':') ? "[%s]" : "%s", g->host);
  names[3] = bound; /* e.g. 127.0.0.2 */
  for (int i = 0; i < 4; i++) {
    int n = snprintf(want, sizeof want, "%s:%u", names[i], g->port);
    if ((size_t)n == len && !strncasecmp(host, want, len)) return 1;
    if (g->port == 80 && strlen(names[i]) == len && !strncasecmp(host, names[i], len)) return 1;
  }
  return 0;
}

/* Constant-time comparison of a presented token with the expected one. */
static int guard_token_ok(const char *given, const char *want) {
  size_t n = strlen(want), m = strlen(given);
  unsigned char d = (unsigned char)(n != m);
  for (size_t i = 0; i < n; i++) d |= (unsigned char)(want[i] ^ (i < m ? given[i] : 0));
  return d == 0;
}

int serve_guard_check(const serve_guard *g, struct MHD_Connection *c, const char **why) {
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
  const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (g->loopback && host && !guard_host_ok(g, host, strlen(host))) {
    *why = "Host is not this server's address (DNS rebinding?)";
    return 403;
  }
  if (origin) {
    int same = 0;
    if (!strncasecmp(origin, "http://", 7)) {
      const char *auth_part = origin + 7;
      size_t len = strlen(auth_part);
      if (g->loopback)
        same = guard_host_ok(g, auth_part, len);
      else
        same = host && strlen(host) == len && !strncasecmp(host, auth_part, len);
    }
    if (!same) {
      *why = "cross-origin requests are refused";
      return 403;
    }
  }
  if (site && strcmp(site, "same-origin") && strcmp(site, "none")) {
    *why = "cross-site requests are refused";
    return 403;
  }
  if (g->token[0]) {
    if (!auth || strncasecmp(auth, "Bearer ", 7) || !guard_token_ok(auth + 7, g->token)) {
      *why = "a bearer token is required (Authorization: Bearer TOKEN)";
      return 401;
    }
  }
  *why = NULL;
  return 0;
}
