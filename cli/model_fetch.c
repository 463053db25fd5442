/*
 * model_fetch.c - one verified HTTP(S) download for `brass model pull` (see model_fetch.h).
 * libcurl streams the body through mf_write, which bounds the byte count, feeds SHA-256
 * (src/base/sha256.h) and writes DEST.part; DEST appears only after the size and digest match.
 * Each run starts DEST.part afresh (O_TRUNC), so a stale partial file is never mistaken for a
 * complete one. Every failure removes DEST.part and reports one line naming the file.
 */
#include "model_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/sha256.h"

static volatile sig_atomic_t mf_stop;

void mf_interrupt(void) {
  mf_stop = 1;
}

int mf_global_init(brass_error *err) {
  CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (c != CURLE_OK)
    return err_set(err, BRASS_EIO, "libcurl: initialisation failed: %s", curl_easy_strerror(c));
  return 0;
}

void mf_global_cleanup(void) {
  curl_global_cleanup();
}

typedef struct mf_state {
  const mf_request *r;
  CURL *curl;
  int fd;
  long long got;
  sha256_ctx sha;
  int checked_length;
  double last_draw;
  int drew;
  brass_error *err;
  int failed; /* err already holds the reason */
} mf_state;

static double mf_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void mf_draw(mf_state *s, long long total, int force) {
  if (!s->r->progress || (total >= 0 && total < 1000000)) return; /* small files: no bar */
  double now = mf_now();
  if (!force && now - s->last_draw < 0.2) return;
  s->last_draw = now;
  if (total > 0)
    fprintf(stderr, "\r  %-40.40s %8.1f / %.1f MB %3d%%", s->r->label, s->got / 1e6, total / 1e6,
            (int)(100.0 * (double)s->got / (double)total));
  else
    fprintf(stderr, "\r  %-40.40s %8.1f MB", s->r->label, s->got / 1e6);
  s->drew = 1;
}

static void mf_clear_line(mf_state *s) {
  if (s->drew) fprintf(stderr, "\r%78s\r", "");
  s->drew = 0;
}

static int mf_write_error(mf_state *s, int e) {
  const char *what = e == ENOSPC || e == EDQUOT ? "disk full"
                     : e == EFBIG               ? "file size limit reached"
                                                : "write failed";
  s->failed = 1;
  return err_set(s->err, BRASS_EIO, "%s: %s while writing %s.part (%s)", s->r->label, what,
                 s->r->dest, strerror(e));
}

static size_t mf_write(char *data, size_t one, size_t n, void *arg) {
  mf_state *s = arg;
  (void)one; /* always 1 for CURLOPT_WRITEFUNCTION */
  if (mf_stop) return 0;
  if (!s->checked_length) {
    s->checked_length = 1;
    curl_off_t len = -1;
    if (curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK &&
        len >= 0 && s->r->size >= 0 && (long long)len != s->r->size) {
      s->failed = 1;
      err_set(s->err, BRASS_EFORMAT,
              "%s: size mismatch: the server announces %lld bytes, the table says %lld",
              s->r->label, (long long)len, s->r->size);
      return 0;
    }
  }
  long long limit = s->r->size >= 0 ? s->r->size : s->r->max_size;
  if (s->got + (long long)n > limit) {
    s->failed = 1;
    if (s->r->size >= 0)
      err_set(s->err, BRASS_EFORMAT, "%s: size mismatch: more than the expected %lld bytes",
              s->r->label, s->r->size);
    else
      err_set(s->err, BRASS_ERANGE, "%s: larger than the %lld-byte limit", s->r->label,
              s->r->max_size);
    return 0;
  }
  sha256_update(&s->sha, data, n);
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(s->fd, data + off, n - off);
    if (w < 0) {
      if (errno == EINTR && !mf_stop) continue;
      mf_write_error(s, errno);
      return 0;
    }
    if (w == 0) {
      mf_write_error(s, ENOSPC);
      return 0;
    }
    off += (size_t)w;
  }
  s->got += (long long)n;
  return n;
}

static int mf_xfer(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow) {
  mf_state *s = arg;
  (void)dlnow, (void)ultotal, (void)ulnow;
  if (mf_stop) return 1;
  mf_draw(s, s->r->size >= 0 ? s->r->size : (long long)dltotal, 0);
  return 0;
}

/* Reports a failed transfer from libcurl's code (unless mf_write already explained it). */
static int mf_curl_error(mf_state *s, CURLcode c, const char *errbuf) {
  const mf_request *r = s->r;
  if (s->failed) return s->err->code;
  if (mf_stop || c == CURLE_ABORTED_BY_CALLBACK)
    return err_set(s->err, BRASS_EIO, "%s: interrupted", r->label);
  const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(c);
  if (c == CURLE_HTTP_RETURNED_ERROR) {
    long status = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    return err_set(s->err, BRASS_EIO, "%s: HTTP %ld from %s", r->label, status, r->url);
  }
  if (c == CURLE_COULDNT_CONNECT)
    return err_set(s->err, BRASS_EIO, "%s: connection refused or unreachable: %s", r->label,
                   detail);
  if (c == CURLE_COULDNT_RESOLVE_HOST)
    return err_set(s->err, BRASS_EIO, "%s: cannot resolve host: %s", r->label, detail);
  if (c == CURLE_OPERATION_TIMEDOUT)
    return err_set(s->err, BRASS_EIO, "%s: timed out: %s", r->label, detail);
  if (c == CURLE_PARTIAL_FILE)
    return err_set(s->err, BRASS_EFORMAT,
                   "%s: size mismatch: the connection closed after %lld bytes (%s)", r->label,
                   s->got, detail);
  return err_set(s->err, BRASS_EIO, "%s: download failed: %s", r->label, detail);
}

static int mf_setup(mf_state *s, CURL *curl, char *errbuf) {
  const mf_request *r = s->r;
  int https = strncmp(r->url, "https://", 8) == 0;
  CURLcode c = CURLE_OK;
#define MF_SET(opt, val) \
  if (c == CURLE_OK) c = curl_easy_setopt(curl, opt, val)
  MF_SET(CURLOPT_URL, r->url);
  MF_SET(CURLOPT_ERRORBUFFER, errbuf);
  MF_SET(CURLOPT_PROTOCOLS_STR, "http,https");
  MF_SET(CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
  MF_SET(CURLOPT_FOLLOWLOCATION, 1L);
  MF_SET(CURLOPT_MAXREDIRS, 10L);
  MF_SET(CURLOPT_FAILONERROR, 1L);
  MF_SET(CURLOPT_USERAGENT, "brass-model-pull/1");
  MF_SET(CURLOPT_CONNECTTIMEOUT, 30L);
  MF_SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
  MF_SET(CURLOPT_LOW_SPEED_TIME, 60L);
  MF_SET(CURLOPT_NOSIGNAL, 1L);
  MF_SET(CURLOPT_WRITEFUNCTION, mf_write);
  MF_SET(CURLOPT_WRITEDATA, s);
  MF_SET(CURLOPT_NOPROGRESS, 0L);
  MF_SET(CURLOPT_XFERINFOFUNCTION, mf_xfer);
  MF_SET(CURLOPT_XFERINFODATA, s);
#undef MF_SET
  if (c != CURLE_OK)
    return err_set(s->err, BRASS_EIO, "%s: libcurl setup failed: %s", r->label,
                   curl_easy_strerror(c));
  return 0;
}

int mf_fetch(const mf_request *r, char *got_sha, brass_error *err) {
  char part[4096];
  if (snprintf(part, sizeof part, "%s.part", r->dest) >= (int)sizeof part)
    return err_set(err, BRASS_EINVAL, "%s: path too long", r->dest);
  mf_state s;
  memset(&s, 0, sizeof s);
  s.r = r;
  s.err = err;
  sha256_init(&s.sha);
  s.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s.fd < 0)
    return err_set(err, BRASS_EIO, "%s: cannot create %s: %s", r->label, part, strerror(errno));
  s.curl = curl_easy_init();
  char errbuf[CURL_ERROR_SIZE] = "";
  int rc = s.curl ? mf_setup(&s, s.curl, errbuf)
                  : err_set(err, BRASS_ENOMEM, "%s: libcurl: out of memory", r->label);
  if (!rc) {
    CURLcode c = curl_easy_perform(s.curl);
    mf_clear_line(&s);
    if (c != CURLE_OK) rc = mf_curl_error(&s, c, errbuf);
  }
  unsigned char digest[SHA256_DIGEST_SIZE];
  char hex[SHA256_HEX_SIZE];
  sha256_final(&s.sha, digest);
  sha256_hex(digest, hex);
  if (got_sha) memcpy(got_sha, hex, SHA256_HEX_SIZE);
  if (!rc && r->size >= 0 && s.got != r->size)
    rc = err_set(err, BRASS_EFORMAT, "%s: size mismatch: got %lld bytes, expected %lld", r->label,
                 s.got, r->size);
  if (!rc && r->sha256 && *r->sha256 && strcmp(hex, r->sha256) != 0)
    rc = err_set(err, BRASS_EFORMAT, "%s: SHA-256 mismatch: got %s, expected %s", r->label, hex,
                 r->sha256);
  if (!rc && fsync(s.fd) != 0 && errno != EINVAL) {
    mf_write_error(&s, errno);
    rc = err->code;
  }
  if (close(s.fd) != 0 && !rc) {
    mf_write_error(&s, errno);
    rc = err->code;
  }
  if (s.curl) curl_easy_cleanup(s.curl);
  if (!rc && rename(part, r->dest) != 0)
    rc = err_set(err, BRASS_EIO, "%s: cannot rename %s: %s", r->label, part, strerror(errno));
  if (rc) unlink(part);
  return rc;
}
