/*
 * pdf_poppler.c - a PDF's text page by page through poppler-glib (pdf_poppler.h). poppler runs in
 * a forked child process, because the bounds that matter cannot be set around an in-process call:
 * its text layout is quadratic in the words of one page and it may crash on hostile input. The
 * child has a memory limit (RLIMIT_AS), checks the page count, the text size and the time between
 * pages, and sends the pages back through a pipe; the parent kills it at the deadline. poppler
 * reports syntax problems of damaged files through GLib logging ("Poppler" domain); those are
 * dropped so that a bad file gives the single line of its error, not a screenful of warnings.
 */
#include "text/pdf_poppler.h"

#include <poppler.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "text/extract.h"

static void pdf_log_drop(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer data) {
  (void)domain, (void)level, (void)message, (void)data;
}

static pthread_once_t pdf_log_once = PTHREAD_ONCE_INIT;
static void pdf_log_init(void) {
  g_log_set_handler("Poppler", (GLogLevelFlags)(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL), pdf_log_drop,
                    NULL);
}

static char pdf_version[64];
static pthread_once_t pdf_version_once = PTHREAD_ONCE_INIT;
static void pdf_version_init(void) {
  snprintf(pdf_version, sizeof pdf_version, "poppler-glib %s", poppler_get_version());
}

const char *pdf_poppler_version(void) {
  pthread_once(&pdf_version_once, pdf_version_init);
  return pdf_version;
}

static double pdf_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The document, or an error naming the problem (a password, damage). */
static int pdf_open(GBytes *bytes, PopplerDocument **out, brass_error *err) {
  GError *ge = NULL;
  *out = poppler_document_new_from_bytes(bytes, NULL, &ge);
  if (*out) return 0;
  int rc;
  if (ge && ge->domain == POPPLER_ERROR && ge->code == POPPLER_ERROR_ENCRYPTED)
    rc = err_set(err, BRASS_EUNSUPPORTED, "pdf: encrypted (needs a password)");
  else
    rc = err_set(err, BRASS_EFORMAT, "pdf: damaged or not a PDF (%s)",
                 ge && ge->message ? ge->message : "poppler could not open it");
  if (ge) g_error_free(ge);
  return rc;
}

/* The extraction itself (in the child process): pages joined by "\f\n", bounded by the page
 * count, the text size and seconds (checked between pages). */
static int pdf_text_here(const char *src, size_t len, int seconds, char **out, size_t *out_len,
                         brass_error *err) {
  *out = NULL;
  *out_len = 0;
  pthread_once(&pdf_log_once, pdf_log_init);
  double t0 = pdf_now();
  GBytes *bytes = g_bytes_new_static(src, len);
  PopplerDocument *pd = NULL;
  int rc = pdf_open(bytes, &pd, err);
  g_bytes_unref(bytes);
  if (rc) return rc;
  int pages = poppler_document_get_n_pages(pd);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  if (pages > EXTRACT_PDF_MAX_PAGES)
    rc = err_set(err, BRASS_ERANGE, "pdf: %d pages, over the limit %d", pages,
                 EXTRACT_PDF_MAX_PAGES);
  for (int i = 0; !rc && i < pages; i++) {
    if (pdf_now() - t0 > seconds) {
      rc = err_set(err, BRASS_ERANGE, "pdf: over %d s at page %d of %d, over the time limit",
                   seconds, i + 1, pages);
      break;
    }
    PopplerPage *page = poppler_document_get_page(pd, i);
    char *t = page ? poppler_page_get_text(page) : NULL;
    size_t tl = t ? strlen(t) : 0;
    if (n + tl + 3 > EXTRACT_PDF_MAX_TEXT) {
      rc = err_set(err, BRASS_ERANGE, "pdf: more than %u MiB of text by page %d, over the limit",
                   EXTRACT_PDF_MAX_TEXT >> 20, i + 1);
    } else if (n + tl + 3 > cap) {
      size_t c = cap ? cap : 4096;
      while (c < n + tl + 3) c *= 2;
      char *nb = realloc(buf, c);
      if (nb) {
        buf = nb;
        cap = c;
      } else {
        rc = err_set(err, BRASS_ENOMEM, "pdf: out of memory");
      }
    }
    if (!rc) {
      if (i) {
        buf[n++] = '\f';
        buf[n++] = '\n';
      }
      for (size_t k = 0; k < tl; k++) buf[n + k] = t[k] == '\f' ? ' ' : t[k];
      n += tl;
    }
    g_free(t);
    if (page) g_object_unref(page);
  }
  g_object_unref(pd);
  if (!rc && !buf && !(buf = malloc(1))) rc = err_set(err, BRASS_ENOMEM, "pdf: out of memory");
  if (rc) {
    free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return 0;
}

/* ---- the child process ---- */

/* The time limit: EXTRACT_PDF_MAX_SECONDS, or $BRASS_PDF_SECONDS (1..3600). */
static int pdf_seconds(void) {
  const char *e = getenv("BRASS_PDF_SECONDS");
  char *end = NULL;
  long v = e && *e ? strtol(e, &end, 10) : 0;
  return end && !*end && v >= 1 && v <= 3600 ? (int)v : EXTRACT_PDF_MAX_SECONDS;
}

static void pdf_write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

/* Bytes of address space this process maps now (0 if unknown). */
static size_t pdf_vm_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f) {
    if (fscanf(f, "%lu", &pages) != 1) pages = 0;
    fclose(f);
  }
  return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* In the child: limits, the extraction, then 'T' and the text or 'E', -code and the message. */
static void pdf_child(int fd, const char *src, size_t len, int seconds) {
  size_t vm = pdf_vm_bytes();
  if (vm) {
    struct rlimit rl = {vm + EXTRACT_PDF_MAX_MEMORY, vm + EXTRACT_PDF_MAX_MEMORY};
    setrlimit(RLIMIT_AS, &rl);
  }
  struct rlimit core = {0, 0}; /* a crash on a hostile file writes no core dump */
  setrlimit(RLIMIT_CORE, &core);
  alarm((unsigned)seconds + 5);
  char *text = NULL;
  size_t n = 0;
  brass_error err;
  int rc = pdf_text_here(src, len, seconds, &text, &n, &err);
  if (rc) {
    char head[2] = {'E', (char)-rc};
    pdf_write_all(fd, head, 2);
    pdf_write_all(fd, err.message, strlen(err.message));
  } else {
    pdf_write_all(fd, "T", 1);
    pdf_write_all(fd, text, n);
  }
  _exit(0); /* no atexit handlers: the parent owns everything else */
}

/* Reads the child's answer into *buf (*n bytes) until it closes the pipe or the deadline. */
static int pdf_collect(int fd, int seconds, char **buf, size_t *n, brass_error *err) {
  size_t cap = 1 << 16, max = EXTRACT_PDF_MAX_TEXT + BRASS_ERROR_MAX + 2;
  *n = 0;
  if (!(*buf = malloc(cap))) return err_set(err, BRASS_ENOMEM, "pdf: out of memory");
  double deadline = pdf_now() + seconds + 1; /* the child checks between pages; this is final */
  for (;;) {
    double left = deadline - pdf_now();
    if (left <= 0)
      return err_set(err, BRASS_ERANGE, "pdf: over %d s, over the time limit", seconds);
    struct pollfd pf = {fd, POLLIN, 0};
    int pr = poll(&pf, 1, (int)(left * 1000) + 1);
    if (pr < 0 && errno != EINTR)
      return err_set(err, BRASS_EIO, "pdf: waiting for the PDF reader (%s)", strerror(errno));
    if (pr <= 0) continue;
    if (*n == cap) {
      if (cap >= max) return err_set(err, BRASS_ERANGE, "pdf: more text than the limit");
      cap = cap * 2 < max ? cap * 2 : max;
      char *nb = realloc(*buf, cap);
      if (!nb) return err_set(err, BRASS_ENOMEM, "pdf: out of memory");
      *buf = nb;
    }
    ssize_t r = read(fd, *buf + *n, cap - *n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return err_set(err, BRASS_EIO, "pdf: reading the PDF reader (%s)", strerror(errno));
    if (r == 0) return 0;
    *n += (size_t)r;
  }
}

/* poppler runs in a child process: a page whose layout takes minutes (poppler's text layout is
 * quadratic in the words of a page: 40,000 scattered words take ~30 s), a decompression bomb or
 * a crash inside poppler then costs the time limit, EXTRACT_PDF_MAX_MEMORY of address space or
 * one skipped file, never the indexer. */
int pdf_poppler_text(const char *src, size_t len, char **out, size_t *out_len, brass_error *err) {
  *out = NULL;
  *out_len = 0;
  int seconds = pdf_seconds(), p[2];
  if (pipe2(p, O_CLOEXEC))
    return err_set(err, BRASS_EIO, "pdf: cannot start the PDF reader (%s)", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(p[0]);
    close(p[1]);
    return err_set(err, BRASS_EIO, "pdf: cannot start the PDF reader (%s)", strerror(e));
  }
  if (pid == 0) {
    close(p[0]);
    pdf_child(p[1], src, len, seconds);
  }
  close(p[1]);
  char *buf = NULL;
  size_t n = 0;
  int rc = pdf_collect(p[0], seconds, &buf, &n, err);
  close(p[0]);
  if (rc) kill(pid, SIGKILL);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  int clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
  if (!rc && n >= 2 && buf[0] == 'E') {
    int code = -(int)(unsigned char)buf[1];
    rc = err_set(err, code < 0 ? code : BRASS_EFORMAT, "%.*s", (int)(n - 2 < 400 ? n - 2 : 400),
                 buf + 2);
  } else if (!rc && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
    rc = err_set(err, BRASS_ERANGE, "pdf: over %d s, over the time limit", seconds);
  } else if (!rc && (!clean || n == 0 || buf[0] != 'T')) {
    rc = err_set(err, BRASS_EFORMAT,
                 "pdf: the PDF reader stopped (%s %d): a damaged file, or over the %u MiB memory "
                 "limit",
                 WIFSIGNALED(st) ? "signal" : "exit status",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), EXTRACT_PDF_MAX_MEMORY >> 20);
  }
  if (rc) {
    free(buf);
    return rc;
  }
  memmove(buf, buf + 1, n - 1);
  buf[n - 1] = '\0';
  *out = buf;
  *out_len = n - 1;
  return 0;
}
