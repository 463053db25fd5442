/*
 * cmd_index.c - `brass index`: add files and folders to a library (brass_index) and print a
 * summary line, or with --json one JSON object. Also owns cli_library_path(), the library
 * location rule shared with `brass search`.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brass.h"
#include "cli.h"
#include "base/term_text.h"
#include "index_crawl.h"
#include "index_notes.h"
#ifndef __EMSCRIPTEN__
#include "watch.h"
#endif

static const char index_help[] =
    "usage: brass index [options] PATH...\n"
    "       brass index [options] [crawl options] URL...\n"
    "\n"
    "Adds files and folders to the library. Folders are walked recursively; hidden files and\n"
    "folders (.git included), symlinked folders, binary files and files over the size limit are\n"
    "skipped. Files whose content (SHA-256) is unchanged are kept as they are; changed files are\n"
    "re-chunked and re-embedded; files that vanished from an indexed folder are removed (and\n"
    "named); a file moved or renamed keeps its vectors. Files and folders that cannot be read, "
    "and\n"
    "folders deeper than 64 levels, keep what was indexed from them and are named. Chunks indexed\n"
    "without a model are embedded by the next run with one. Each batch is committed on its own\n"
    "(a large file over several batches), so an interrupted run loses at most one batch and the\n"
    "next run resumes, inside a large file too.\n"
    "\n"
    "options:\n"
    "  --model DIR          embedding model folder (also $BRASS_MODEL); default: the model the\n"
    "                       library was indexed with. Without any model the library is\n"
    "                       keyword-only (BM25).\n"
    "  --library FILE       library file (default: $BRASS_LIBRARY, else\n"
    "                       $XDG_DATA_HOME/brass/library.db, else "
    "~/.local/share/brass/library.db)\n"
    "  --json               print the summary as one JSON object: {\"added\", \"updated\",\n"
    "                       \"unchanged\", \"removed\", \"chunks_embedded\", \"tokens\", "
    "\"seconds\",\n"
    "                       \"unreadable\", \"not_walked\", \"resumed\", \"removed_paths\",\n"
    "                       \"unreadable_paths\", \"not_walked_example\", ...}\n"
    "  --dtype int8|f32     Linear layers in int8 (faster; vectors within 0.1% of f32) or f32\n"
    "                       (default: the dtype the library was indexed with, else $BRASS_DTYPE,\n"
    "                       else f32); a library is indexed with one dtype only\n"
    "  --threads N          threads to use (default: $BRASS_THREADS, else all online cores)\n"
    "  --max-file-size N    skip files larger than N bytes (default 16777216)\n"
    "  --chunk-tokens N     chunk size in model tokens (default 256, long-context models\n"
    "                       included; at most what the model takes)\n"
    "  --batch N            chunks embedded and committed per transaction (default 64)\n"
    "  --vectors int8|f32   how the search graph holds chunk vectors: int8 codes with a scale\n"
    "                       per vector (4x less search memory, a smaller library; candidates\n"
    "                       are re-ranked with the float32 vectors; the default for a new\n"
    "                       library) or float32. Recorded in the library; switching rebuilds\n"
    "                       the graph\n"
    "  --wait SECONDS       wait at most this long for another process indexing, removing or\n"
    "                       compacting the same library, then fail (default 600; 0: fail at\n"
    "                       once); a wait of over a second is said once on stderr\n"
    "  --quiet              no progress, skip or wait notices on stderr\n"
    "  --watch              after indexing, follow the folders (inotify) and index changes as\n"
    "                       they happen (saved, created, moved, deleted files, new folders,\n"
    "                       .gitignore edits), about 0.2 s after the last change; Ctrl-C stops\n"
    "                       with the library consistent\n"
    "  --help               show this help\n"
    "\n"
    "Given http(s) URLs, brass crawls them breadth first (same origin, robots.txt honoured) and\n"
    "indexes HTML, plain-text and Markdown pages as sources named by their URLs; a re-crawl\n"
    "sends conditional requests and re-embeds nothing unchanged; pages now answering 404/410\n"
    "are removed; errors and limits keep what was indexed (docs/crawl.md). Crawl options:\n"
    "  --allow-host HOST    also crawl this host (any port; repeatable)\n"
    "  --max-depth N        links followed from a start URL (default 5; 0: start URLs only)\n"
    "  --max-pages N        page requests in all (default 1000)\n"
    "  --max-page-bytes N   skip pages larger than N bytes (default 8388608)\n"
    "  --max-total-bytes N  stop after N bytes in all (default 268435456)\n"
    "  --timeout S          seconds per request (default 20)\n"
    "  --delay S            seconds between requests to one site (default 0.25; Crawl-delay\n"
    "                       raises it)\n"
    "  --parallel N         requests in flight (default 4); --per-host N: per site (default 2)\n"
    "--json adds a \"crawl\" object (fetched, not_modified, skipped_type, robots_refused,\n"
    "off_origin, errors, gone, too_large, duplicates, not_fetched, bytes). An invalid URL exits\n"
    "1; pages that fail are named and kept as indexed, and the run exits 0.\n"
    "\n"
    "exit status: 0 on success (also when some entries inside a folder could not be read: they\n"
    "are named), 1 on bad input, including a file or folder given that cannot be read (the\n"
    "message names the file and the problem), 2 on a usage error.\n";

/* mkdir -p for the folder part of path; errors surface when the library is opened. */
static void make_parent_dirs(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return;
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf) return;
  *slash = '\0';
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(buf, 0700);
    *p = '/';
  }
  mkdir(buf, 0700);
}

const char *cli_library_path(const char *given, char *buf, size_t cap, int create_dirs) {
  if (given && *given) return given;
  const char *env = getenv("BRASS_LIBRARY");
  if (env && *env) return env;
  if (cli_data_path("library.db", buf, cap)) return NULL;
  if (create_dirs) make_parent_dirs(buf);
  return buf;
}

int cli_isatty(int fd) {
#ifdef __EMSCRIPTEN__
  (void)fd;
  return 0; /* node reports pipes as terminals through NODERAWFS: print plain output */
#else
  return isatty(fd);
#endif
}

typedef struct index_args {
  const char *library, *model_dir;
  brass_model_options mopts;
  brass_index_options iopts;
  int json, quiet, watch;
  int wait; /* --wait SECONDS; -1: the default */
  int first_path;
  index_crawl_args crawl;
  int urls; /* the arguments are URLs: crawl */
} index_args;

static int parse_args(int argc, char **argv, index_args *a) {
  memset(a, 0, sizeof *a);
  a->wait = -1;
  a->model_dir = getenv("BRASS_MODEL");
  if (a->model_dir && !*a->model_dir) a->model_dir = NULL;
  int i = 1;
  for (; i < argc; i++) {
    const char *v = NULL;
    int r, n = 0;
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (argv[i][0] != '-' || !argv[i][1]) break;
    if ((r = cli_library_option(argc, argv, &i, &a->library, &a->model_dir))) {
      if (r < 0) return -1;
    } else if ((r = index_crawl_option(argc, argv, &i, &a->crawl))) {
      if (r < 0) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--dtype", &v))) {
      if (r < 0 || cli_parse_dtype(v, &a->mopts.dtype)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--threads", &v))) {
      if (r < 0 || cli_parse_threads("--threads", v, &a->mopts.threads)) return -1;
    } else if ((r = cli_wait_option(argc, argv, &i, &a->wait))) {
      if (r < 0) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--max-file-size", &v))) {
      if (r < 0 || cli_parse_int("--max-file-size", v, 1, 1 << 30, &n)) return -1;
      a->iopts.max_file_bytes = n;
    } else if ((r = cli_option_value(argc, argv, &i, "--chunk-tokens", &v))) {
      if (r < 0 || cli_parse_int("--chunk-tokens", v, 8, 8192, &a->iopts.chunk_tokens)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--batch", &v))) {
      if (r < 0 || cli_parse_int("--batch", v, 1, 1 << 16, &a->iopts.batch_chunks)) return -1;
    } else if ((r = cli_option_value(argc, argv, &i, "--vectors", &v))) {
      if (r < 0) return -1;
      if (!strcmp(v, "int8")) {
        a->iopts.vectors = BRASS_VECTORS_INT8;
      } else if (!strcmp(v, "f32")) {
        a->iopts.vectors = BRASS_VECTORS_F32;
      } else {
        cli_error(CLI_USAGE, "index: --vectors must be int8 or f32, not '%s'", v);
        return -1;
      }
    } else if (!strcmp(argv[i], "--json")) {
      a->json = 1;
    } else if (!strcmp(argv[i], "--quiet")) {
      a->quiet = 1;
    } else if (!strcmp(argv[i], "--watch")) {
      a->watch = 1;
    } else {
      cli_error(CLI_USAGE, "index: unknown option '%s' (see 'brass help index')", argv[i]);
      return -1;
    }
  }
  if (i >= argc) {
    cli_error(CLI_USAGE, "index: give at least one file or folder (see 'brass help index')");
    return -1;
  }
  a->first_path = i;
  for (int k = i; k < argc; k++) a->urls += index_crawl_is_url(argv[k]);
  if (a->urls && a->urls != argc - i) {
    cli_error(CLI_USAGE, "index: give either files and folders or URLs, not both");
    return -1;
  }
  if (a->urls && a->watch) {
    cli_error(CLI_USAGE, "index: --watch follows folders, not URLs");
    return -1;
  }
  return 0;
}

typedef struct progress_state {
  int tty, quiet;
  int shown;                 /* a progress line is on screen, the cursor at its end (tty) */
  int have;                  /* last holds a report */
  double last_draw;          /* seconds at the last redraw (tty) or plain line */
  brass_index_progress last; /* the latest report (its path and note are not kept) */
  char part[128];            /* progress inside a large file or the graph build, "" when none */
  int part_event;            /* the event of the part last drawn (a new phase is drawn at once) */
  index_notes notes;         /* removed, unreadable, not walked: named in the output */
} progress_state;

#define PROGRESS_REDRAW_S 0.1 /* terminal: at most 10 redraws a second */
#define PROGRESS_PLAIN_S 5.0  /* otherwise: a plain line every 5 seconds */

/* Columns of the terminal on fd: TIOCGWINSZ, else $COLUMNS, else 80. Read at every redraw so
 * that a resized window is followed. */
static int term_width(int fd) {
#ifdef TIOCGWINSZ
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
#else
  (void)fd;
#endif
  const char *c = getenv("COLUMNS");
  int n = c ? atoi(c) : 0;
  return n > 0 ? n : 80;
}

/* 1234 -> "1234", 52100 -> "52.1k", 3.2e6 -> "3.2M". */
static void fmt_count(char *buf, size_t cap, double v) {
  if (v < 1e4)
    snprintf(buf, cap, "%.0f", v);
  else if (v < 1e6)
    snprintf(buf, cap, "%.1fk", v / 1e3);
  else
    snprintf(buf, cap, "%.1fM", v / 1e6);
}

/* Seconds as m:ss or h:mm:ss; "--:--" when unknown. */
static void fmt_duration(char *buf, size_t cap, double s) {
  if (!(s >= 0) || s > 359999) {
    snprintf(buf, cap, "--:--");
    return;
  }
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

/* Redraws the terminal line: "[=====>    ] 12/200 files  340 chunks  5.2k tokens/s  ETA 0:12",
 * fitted to the terminal's width less one column (so that it never wraps); the bar is dropped
 * on narrow terminals and the text cut short on very narrow ones. */
static void draw_bar(progress_state *s) {
  const brass_index_progress *p = &s->last;
  char rate[32], eta[32], text[256], line[512];
  fmt_count(rate, sizeof rate, p->seconds > 0 ? (double)p->tokens_done / p->seconds : 0);
  if (p->files_done >= p->files_total)
    fmt_duration(eta, sizeof eta, 0);
  else if (p->files_done > 0 && p->seconds > 0)
    fmt_duration(eta, sizeof eta,
                 p->seconds * (double)(p->files_total - p->files_done) / (double)p->files_done);
  else
    fmt_duration(eta, sizeof eta, -1);
  int width = term_width(STDERR_FILENO) - 1;
  if (width > (int)sizeof line - 1) width = (int)sizeof line - 1;
  int tlen = 0;
  /* the part (inside a large file, the graph) only where it fits beside a bar of 10 columns */
  for (int with_part = s->part[0] != '\0'; with_part >= 0; with_part--) {
    tlen = snprintf(text, sizeof text, " %lld/%lld files  %lld chunks  %s tokens/s  ETA %s%s",
                    (long long)p->files_done, (long long)p->files_total, (long long)p->chunks_done,
                    rate, eta, with_part ? s->part : "");
    if (tlen < 0) return;
    if (tlen >= (int)sizeof text) tlen = (int)sizeof text - 1;
    if (width - tlen - 2 >= 10) break;
  }
  int bar = width - tlen - 2, n = 0;
  if (bar >= 10) {
    double frac = p->files_total > 0 ? (double)p->files_done / (double)p->files_total : 0;
    if (frac > 1) frac = 1;
    int fill = (int)(frac * bar);
    line[n++] = '[';
    for (int i = 0; i < bar; i++) line[n++] = i < fill ? '=' : i == fill ? '>' : ' ';
    line[n++] = ']';
    memcpy(line + n, text, (size_t)tlen);
    n += tlen;
  } else {
    n = tlen - 1 < width ? tlen - 1 : width; /* without the leading space */
    if (n < 0) n = 0;
    memcpy(line, text + 1, (size_t)n);
  }
  line[n] = '\0';
  fputc('\r', stderr);
  term_text_write(stderr, line, (size_t)n, 0); /* the part names a file: no raw controls */
  fputs("\033[K", stderr);
  fflush(stderr);
  s->shown = 1;
}

static void plain_line(const progress_state *s) {
  const brass_index_progress *p = &s->last;
  cli_line(stderr, "brass: files %lld/%lld, chunks %lld, %.0f tokens/s, %.1f s%s",
           (long long)p->files_done, (long long)p->files_total, (long long)p->chunks_done,
           p->seconds > 0 ? (double)p->tokens_done / p->seconds : 0, p->seconds, s->part);
}

/* "  notes.md 3.2k/80.0k chunks" or "  graph 4.1k/80.0k" while a large file or graph build is
 * under way, "" otherwise. */
static void set_part(progress_state *s, const brass_index_progress *p) {
  s->part[0] = '\0';
  if (p->part_total <= 0 || p->part_done >= p->part_total) return;
  char done[32], total[32];
  fmt_count(done, sizeof done, (double)p->part_done);
  fmt_count(total, sizeof total, (double)p->part_total);
  if (p->event == BRASS_PROGRESS_GRAPH) {
    snprintf(s->part, sizeof s->part, "  graph %s/%s", done, total);
  } else {
    const char *b = p->path ? strrchr(p->path, '/') : NULL;
    snprintf(s->part, sizeof s->part, "  %.60s %s/%s chunks",
             b         ? b + 1
             : p->path ? p->path
                       : "",
             done, total);
  }
}

/* A removal, an unreadable entry or folders not walked: one line each (removals: the first
 * INDEX_NOTES_REMOVED_SHOWN; progress_end counts the rest). */
static void notice(progress_state *s, const brass_index_progress *p) {
  if (s->quiet) return;
  if (p->event == BRASS_PROGRESS_REMOVED && s->notes.nremoved > INDEX_NOTES_REMOVED_SHOWN) return;
  if (s->shown) fputs("\r\033[K", stderr);
  s->shown = 0;
  if (p->event == BRASS_PROGRESS_REMOVED)
    cli_line(stderr, "brass: removed %s (%s)", p->path, p->note);
  else if (p->event == BRASS_PROGRESS_UNREADABLE)
    cli_line(stderr, "brass: cannot read %s (%s); what was indexed from it is kept", p->path,
             p->note);
  else
    cli_line(stderr, "brass: %s, e.g. %s", p->note, p->path);
}

/* On a terminal: one line on stderr redrawn in place (progress bar, files, chunks, tokens/s,
 * ETA from the file count), at most 10 times a second. Otherwise: a plain line every 5 seconds.
 * Skips are always reported on their own line. progress_end() writes the last state. */
static void on_progress(void *ctx, const brass_index_progress *p) {
  progress_state *s = ctx;
  if (index_notes_add(&s->notes, p)) {
    notice(s, p);
    return;
  }
  if (s->quiet) return;
  int new_phase = 0;
  if (p->event == BRASS_PROGRESS_FILE_PART || p->event == BRASS_PROGRESS_GRAPH) {
    set_part(s, p);
    new_phase = p->event != s->part_event;
    s->part_event = p->event;
    if (!s->have) return;
    s->last.seconds = p->seconds;
    p = &s->last; /* counters unchanged: redraw with the part */
  } else if (p->note) {
    if (s->shown) fputs("\r\033[K", stderr);
    s->shown = 0;
    cli_line(stderr, "brass: skipped %s (%s)", p->path, p->note);
    return;
  }
  if (p != &s->last) {
    s->last = *p;
    s->last.path = s->last.note = NULL;
  }
  s->have = 1;
  if (s->tty) {
    if (!s->shown || new_phase || p->seconds - s->last_draw >= PROGRESS_REDRAW_S) {
      s->last_draw = p->seconds;
      draw_bar(s);
    }
  } else if (p->seconds - s->last_draw >= PROGRESS_PLAIN_S) {
    s->last_draw = p->seconds;
    plain_line(s);
  }
}

/* The final state: on a terminal the bar is drawn once more and kept (the cursor moves to the
 * next line); otherwise one last plain line when the run succeeded. */
static void progress_end(progress_state *s, int ok) {
  s->part[0] = '\0';
  if (!s->quiet && s->notes.nremoved > INDEX_NOTES_REMOVED_SHOWN)
    fprintf(stderr, "brass: ... and %zu more removed (--json lists them all)\n",
            s->notes.nremoved - INDEX_NOTES_REMOVED_SHOWN);
  if (s->quiet || !s->have) return;
  if (s->tty) {
    draw_bar(s);
    fputc('\n', stderr);
    s->shown = 0;
  } else if (ok) {
    plain_line(s);
  }
}

static int run_index(int argc, char **argv) {
  index_args a;
  if (parse_args(argc, argv, &a)) return CLI_USAGE;
  void *watch = NULL;
#ifdef __EMSCRIPTEN__
  if (a.watch) return cli_error(CLI_FAIL, "index --watch: not available in the WebAssembly build");
#else
  if (a.watch) {
    int wrc = cli_watch_open(argv + a.first_path, (size_t)(argc - a.first_path), a.quiet,
                             (watcher **)&watch);
    if (wrc) return wrc;
  }
#endif
  brass_library *lib = NULL;
  int orc = cli_open_library("index", a.library, a.model_dir, &a.mopts, 0, &lib, NULL);
  if (orc) return orc;
  cli_library_wait(lib, a.wait, a.quiet);
  brass_error err;
  int keyword_only = !brass_library_model(lib);
  if (keyword_only && !a.quiet)
    fprintf(stderr,
            "brass: no model: indexing for keyword search only (pass --model DIR for "
            "hybrid search)\n");
  progress_state ps = {.tty = cli_isatty(STDERR_FILENO), .quiet = a.quiet};
  brass_index_summary sum;
  brass_crawl_summary csum;
  int rc;
  if (a.urls)
    rc = index_crawl_run(lib, (const char *const *)argv + a.first_path,
                         (size_t)(argc - a.first_path), &a.crawl, &a.iopts, &sum, &csum,
                         on_progress, &ps, &err);
  else
    rc = brass_index(lib, (const char *const *)argv + a.first_path, (size_t)(argc - a.first_path),
                     &a.iopts, &sum, on_progress, &ps, &err);
  progress_end(&ps, rc == 0);
#ifndef __EMSCRIPTEN__
  if (rc && watch) cli_watch_close(watch);
#endif
  if (rc) {
    brass_library_close_failed(lib); /* a library this run created stays only if it holds data */
    index_notes_free(&ps.notes);
    return cli_error(CLI_FAIL, "%s", err.message);
  }
  if (!watch) brass_library_close(lib);
  if (a.json) {
    char *s = index_notes_json(&ps.notes, &sum);
    if (a.urls) s = index_crawl_json(s, &csum);
    index_notes_free(&ps.notes);
    if (!s) return cli_error(CLI_FAIL, "out of memory");
    puts(s);
    free(s);
  } else {
    index_notes_free(&ps.notes);
    printf("%lld added, %lld updated, %lld unchanged, %lld removed, %lld skipped; ",
           (long long)sum.added, (long long)sum.updated, (long long)sum.unchanged,
           (long long)sum.removed, (long long)sum.skipped);
    if (keyword_only) /* nothing is embedded without a model: say so, not "0 chunks embedded" */
      printf("keyword index only, nothing embedded (no model), in %.2f s\n", sum.seconds);
    else
      printf("%lld chunks embedded (%lld tokens) in %.2f s\n", (long long)sum.chunks_embedded,
             (long long)sum.tokens, sum.seconds);
    if (sum.unreadable || sum.not_walked || sum.resumed)
      printf(
          "%lld could not be read (kept as indexed), %lld folders not walked, %lld files "
          "resumed\n",
          (long long)sum.unreadable, (long long)sum.not_walked, (long long)sum.resumed);
    if (a.urls) index_crawl_print(&csum);
  }
#ifndef __EMSCRIPTEN__
  if (watch) {
    if (fflush(stdout)) return cli_error(CLI_FAIL, "stdout: write failed: %s", strerror(errno));
    rc = cli_watch_run(watch, lib, &a.iopts);
    brass_library_close(lib);
    return rc;
  }
#endif
  return CLI_OK;
}

const cli_command cli_index = {
    .name = "index",
    .summary = "add files and folders to a library (hybrid or keyword search)",
    .help = index_help,
    .run = run_index,
};
