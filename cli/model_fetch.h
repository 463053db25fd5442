/*
 * model_fetch.h - downloading one file over HTTP(S) with libcurl for `brass model pull`: streamed
 * into DEST.part while counting bytes and hashing (SHA-256), checked against the expected size and
 * digest, then renamed to DEST. Not built for WebAssembly (no libcurl there).
 */
#ifndef BRASS_CLI_MODEL_FETCH_H
#define BRASS_CLI_MODEL_FETCH_H

#include "brass.h"

typedef struct mf_request {
  const char *url;
  const char *dest;   /* final path; the download goes to dest + ".part" first */
  const char *label;  /* the name errors and progress use, e.g. "all-MiniLM-L6-v2/config.json" */
  long long size;     /* expected bytes, or -1 if unknown */
  long long max_size; /* refuse more than this when size is -1 */
  const char *sha256; /* expected lower-case hex digest, or NULL / "" to skip the check */
  int progress;       /* 1: draw a progress line on stderr */
} mf_request;

/* Initialises libcurl (once per process); call mf_global_cleanup() at the end. */
int mf_global_init(brass_error *err);
void mf_global_cleanup(void);

/* Downloads r->url to r->dest. On failure nothing is left at dest or dest.part, and err says
 * "LABEL: problem" (HTTP status, connection refused, size or SHA-256 mismatch, disk full...).
 * got_sha (65 bytes, may be NULL) receives the digest of what was received. */
int mf_fetch(const mf_request *r, char *got_sha, brass_error *err);

/* Set from a signal handler: makes a running mf_fetch stop with "interrupted". */
void mf_interrupt(void);

#endif
