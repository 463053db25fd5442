/*
 * index_crawl.c - the crawl side of `brass index` (index_crawl.h): options, the brass_crawl
 * call, and the crawl counts in the summary.
 */
#include "index_crawl.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "cli.h"

int index_crawl_is_url(const char *arg) {
  const char *p = strstr(arg, "://");
  if (!p || p == arg) return 0;
  for (const char *q = arg; q < p; q++)
    if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '+' || *q == '-' ||
          *q == '.' || (q > arg && *q >= '0' && *q <= '9')))
      return 0;
  return 1;
}

/* A decimal number of seconds in [lo, hi]. */
static int parse_seconds(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end = NULL;
  double d = strtod(v, &end);
  if (!*v || *end || !(d >= lo && d <= hi)) {
    cli_error(CLI_USAGE, "%s: expected seconds from %g to %g, got '%s'", opt, lo, hi, v);
    return -1;
  }
  *out = d;
  return 0;
}

static int parse_bytes(const char *opt, const char *v, int64_t *out) {
  char *end = NULL;
  long long n = strtoll(v, &end, 10);
  if (!*v || *end || n < 1 || n > (1LL << 40)) {
    cli_error(CLI_USAGE, "%s: expected a byte count from 1 to 2^40, got '%s'", opt, v);
    return -1;
  }
  *out = n;
  return 0;
}

int index_crawl_option(int argc, char **argv, int *i, index_crawl_args *a) {
  const char *v = NULL;
  int r, n = 0;
  if ((r = cli_option_value(argc, argv, i, "--allow-host", &v))) {
    if (r < 0) return -1;
    if (a->nhosts == INDEX_CRAWL_MAX_HOSTS) {
      cli_error(CLI_USAGE, "--allow-host: at most %d hosts", INDEX_CRAWL_MAX_HOSTS);
      return -1;
    }
    a->hosts[a->nhosts++] = v;
  } else if ((r = cli_option_value(argc, argv, i, "--max-pages", &v))) {
    if (r < 0 || cli_parse_int("--max-pages", v, 1, 10000000, &n)) return -1;
    a->o.max_pages = n;
  } else if ((r = cli_option_value(argc, argv, i, "--max-depth", &v))) {
    if (r < 0 || cli_parse_int("--max-depth", v, 0, 1000, &n)) return -1;
    a->o.max_depth = n ? n : -1; /* 0: the start URLs only */
  } else if ((r = cli_option_value(argc, argv, i, "--max-page-bytes", &v))) {
    if (r < 0 || parse_bytes("--max-page-bytes", v, &a->o.max_page_bytes)) return -1;
  } else if ((r = cli_option_value(argc, argv, i, "--max-total-bytes", &v))) {
    if (r < 0 || parse_bytes("--max-total-bytes", v, &a->o.max_total_bytes)) return -1;
  } else if ((r = cli_option_value(argc, argv, i, "--timeout", &v))) {
    if (r < 0 || parse_seconds("--timeout", v, 0.1, 3600, &a->o.timeout_s)) return -1;
  } else if ((r = cli_option_value(argc, argv, i, "--delay", &v))) {
    if (r < 0 || parse_seconds("--delay", v, 0, 3600, &a->o.delay_s)) return -1;
    a->delay_given = 1;
  } else if ((r = cli_option_value(argc, argv, i, "--parallel", &v))) {
    if (r < 0 || cli_parse_int("--parallel", v, 1, 64, &a->o.parallel)) return -1;
  } else if ((r = cli_option_value(argc, argv, i, "--per-host", &v))) {
    if (r < 0 || cli_parse_int("--per-host", v, 1, 64, &a->o.per_host)) return -1;
  } else {
    return 0;
  }
  return 1;
}

int index_crawl_run(brass_library *lib, const char *const *urls, size_t n, index_crawl_args *a,
                    const brass_index_options *iopts, brass_index_summary *sum,
                    brass_crawl_summary *csum, brass_progress_fn progress, void *ctx,
                    brass_error *err) {
#ifdef __EMSCRIPTEN__
  (void)lib, (void)urls, (void)n, (void)a, (void)iopts, (void)progress, (void)ctx;
  memset(sum, 0, sizeof *sum);
  memset(csum, 0, sizeof *csum);
  return err_set(err, BRASS_EUNSUPPORTED,
                 "index %s: crawling web sites is not available in the WebAssembly build", urls[0]);
#else
  a->o.allow_hosts = a->hosts;
  a->o.nallow_hosts = a->nhosts;
  if (!a->delay_given) a->o.delay_s = -1; /* the default politeness delay */
  return brass_crawl(lib, urls, n, &a->o, iopts, sum, csum, progress, ctx, err);
#endif
}

char *index_crawl_json(char *json, const brass_crawl_summary *c) {
  cJSON *o = json ? cJSON_Parse(json) : NULL;
  free(json);
  if (!o) return NULL;
  cJSON *k = cJSON_AddObjectToObject(o, "crawl");
  if (k) {
    cJSON_AddNumberToObject(k, "fetched", (double)c->fetched);
    cJSON_AddNumberToObject(k, "not_modified", (double)c->not_modified);
    cJSON_AddNumberToObject(k, "skipped_type", (double)c->skipped_type);
    cJSON_AddNumberToObject(k, "robots_refused", (double)c->robots_refused);
    cJSON_AddNumberToObject(k, "off_origin", (double)c->off_origin);
    cJSON_AddNumberToObject(k, "errors", (double)c->errors);
    cJSON_AddNumberToObject(k, "gone", (double)c->gone);
    cJSON_AddNumberToObject(k, "too_large", (double)c->too_large);
    cJSON_AddNumberToObject(k, "duplicates", (double)c->duplicates);
    cJSON_AddNumberToObject(k, "not_fetched", (double)c->not_fetched);
    cJSON_AddNumberToObject(k, "bytes", (double)c->bytes);
  }
  char *s = k ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return s;
}

void index_crawl_print(const brass_crawl_summary *c) {
  printf(
      "crawl: %lld fetched, %lld not modified, %lld skipped by type, %lld refused by "
      "robots.txt, %lld off-origin, %lld errors, %lld gone, %lld too large, %lld not fetched "
      "(limits), %lld bytes\n",
      (long long)c->fetched, (long long)c->not_modified, (long long)c->skipped_type,
      (long long)c->robots_refused, (long long)c->off_origin, (long long)c->errors,
      (long long)c->gone, (long long)c->too_large, (long long)c->not_fetched, (long long)c->bytes);
}
