/*
 * model_embed.c - a small driver of the model API for tests and measurements, independent of the
 * CLI: reads one text per line from stdin and prints one JSON array of floats per line, or with
 * --bench measures throughput (tokens per second, tokens as the model sees them).
 *
 *   model_embed --model DIR [--threads N] [--batch N] [--query] [--tokens] [--bench REPEATS]
 *
 * Exit status: 0 on success, 1 on a usage error, 2 when the library reports an error (printed
 * as one line on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "brass.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  const char *dir = NULL;
  brass_model_options opts = {0};
  int query = 0, tokens = 0, bench = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      opts.threads = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
      opts.batch_size = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc) {
      bench = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--query") == 0) {
      query = 1;
    } else if (strcmp(argv[i], "--tokens") == 0) {
      tokens = 1;
    } else {
      fprintf(stderr,
              "usage: model_embed --model DIR [--threads N] [--batch N] [--query] "
              "[--tokens] [--bench REPEATS]\n");
      return 1;
    }
  }
  if (!dir) {
    fprintf(stderr, "model_embed: --model DIR is required\n");
    return 1;
  }

  /* Read all lines. */
  size_t n = 0, cap = 0;
  char **texts = NULL, *line = NULL;
  size_t line_cap = 0;
  ssize_t got;
  while ((got = getline(&line, &line_cap, stdin)) >= 0) {
    if (got > 0 && line[got - 1] == '\n') line[--got] = '\0';
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      texts = realloc(texts, cap * sizeof *texts);
    }
    texts[n++] = strdup(line);
  }
  free(line);

  brass_error err = {0};
  brass_model *m = NULL;
  double t0 = now_s();
  int rc = brass_model_open(dir, &opts, &m, &err);
  double t_open = now_s() - t0;
  int status = 0;
  if (rc) {
    fprintf(stderr, "%s\n", err.message);
    status = 2;
    goto done;
  }
  const int dim = brass_model_dim(m);
  if (tokens) {
    int32_t *ids = malloc((size_t)brass_model_max_length(m) * sizeof *ids);
    for (size_t i = 0; i < n && !status; i++) {
      int k = brass_tokenize(m, texts[i], ids, brass_model_max_length(m), &err);
      if (k < 0) {
        fprintf(stderr, "%s\n", err.message);
        status = 2;
        break;
      }
      printf("[");
      for (int j = 0; j < k; j++) printf("%s%d", j ? "," : "", ids[j]);
      printf("]\n");
    }
    free(ids);
    goto done;
  }
  float *out = malloc((n ? n : 1) * (size_t)dim * sizeof *out);
  brass_text_kind kind = query ? BRASS_QUERY : BRASS_PASSAGE;
  if (bench > 0) {
    long total = 0;
    int32_t *ids = malloc((size_t)brass_model_max_length(m) * sizeof *ids);
    for (size_t i = 0; i < n; i++) total += brass_tokenize(m, texts[i], ids, 0, NULL);
    free(ids);
    rc = brass_embed_as(m, kind, (const char *const *)texts, n, out, &err); /* warm-up */
    double best = 1e30;
    for (int r = 0; r < bench && rc == 0; r++) {
      double t = now_s();
      rc = brass_embed_as(m, kind, (const char *const *)texts, n, out, &err);
      t = now_s() - t;
      if (t < best) best = t;
    }
    if (rc == 0)
      printf(
          "%s\nthreads %d, %zu texts, %ld tokens, load %.3f s, best of %d: %.3f s, "
          "%.0f tokens/s\n",
          brass_model_describe(m), brass_model_threads(m), n, total, t_open, bench, best,
          (double)total / best);
  } else {
    rc = brass_embed_as(m, kind, (const char *const *)texts, n, out, &err);
    for (size_t i = 0; i < n && rc == 0; i++) {
      printf("[");
      for (int j = 0; j < dim; j++) printf("%s%.9g", j ? "," : "", out[i * (size_t)dim + j]);
      printf("]\n");
    }
  }
  if (rc) {
    fprintf(stderr, "%s\n", err.message);
    status = 2;
  }
  free(out);
done:
  brass_model_close(m);
  for (size_t i = 0; i < n; i++) free(texts[i]);
  free(texts);
  return status;
}
