/*
 * index_crawl.h - `brass index URL...`: the crawl options of `brass index`, the call into
 * brass_crawl (absent from the WebAssembly build, where it says so) and the crawl counts added
 * to the summary line and the --json object. docs/crawl.md describes the crawler.
 */
#ifndef BRASS_CLI_INDEX_CRAWL_H
#define BRASS_CLI_INDEX_CRAWL_H

#include <stddef.h>

#include "brass.h"

#define INDEX_CRAWL_MAX_HOSTS 64

typedef struct index_crawl_args {
  brass_crawl_options o;
  const char *hosts[INDEX_CRAWL_MAX_HOSTS]; /* --allow-host values (argv pointers) */
  size_t nhosts;
  int delay_given; /* --delay was given (0 then means none, not the default) */
} index_crawl_args;

/* If argv[*i] is a crawl option, consumes it (and its value) and returns 1; -1 after a usage
 * error; 0 when it is not one. */
int index_crawl_option(int argc, char **argv, int *i, index_crawl_args *a);
/* 1 if arg names a URL ("scheme://..."): `brass index` then crawls. */
int index_crawl_is_url(const char *arg);
/* Crawls urls into lib (brass_crawl), or fails in the WebAssembly build. */
int index_crawl_run(brass_library *lib, const char *const *urls, size_t n, index_crawl_args *a,
                    const brass_index_options *iopts, brass_index_summary *sum,
                    brass_crawl_summary *csum, brass_progress_fn progress, void *ctx,
                    brass_error *err);
/* Adds the crawl counts to the summary JSON text json (freed); malloc'd, NULL when out of
 * memory. */
char *index_crawl_json(char *json, const brass_crawl_summary *c);
/* Prints the crawl counts line of the text summary. */
void index_crawl_print(const brass_crawl_summary *c);

#endif
