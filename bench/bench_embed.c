/*
 * bench_embed.c - brass's side of the embedding benchmark (bench/run.sh runs it next to ONNX
 * Runtime): texts in, normalised sentence embeddings out, through the public API only.
 *
 *   bench_embed --model DIR --texts FILE [--threads N] [--batch 32] [--min-seconds 3]
 *               [--dtype int8|f32]
 *
 * Opens the model with N threads and the given batch size, counts tokens with brass_tokenize
 * (real tokens including [CLS]/[SEP], after truncation: the same count the ORT side reports),
 * warms up on the first texts, then embeds the whole file with brass_embed (which tokenizes,
 * sorts by length and batches inside: what a user of the API does) repeatedly until at least
 * min-seconds have passed. Prints one JSON object: tokens per wall second and per CPU second
 * (all threads), load time, peak RSS (getrusage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "brass.h"

typedef struct bench_texts {
  char **lines; /* n NUL-terminated lines, owned */
  size_t n;
} bench_texts;

static double bench_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static double bench_now(void) {
  return bench_clock(CLOCK_MONOTONIC);
}
/* CPU seconds of the whole process (all threads): on a shared machine wall time also counts
 * time the scheduler gave to others. */
static double bench_cpu(void) {
  return bench_clock(CLOCK_PROCESS_CPUTIME_ID);
}

static int bench_read_lines(const char *path, bench_texts *t) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "bench_embed: %s: cannot open\n", path);
    return -1;
  }
  size_t cap = 0;
  char *line = NULL;
  size_t linecap = 0;
  ssize_t len;
  t->lines = NULL;
  t->n = 0;
  while ((len = getline(&line, &linecap, f)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
    if (t->n == cap) {
      cap = cap ? cap * 2 : 256;
      char **grown = realloc(t->lines, cap * sizeof *grown);
      if (!grown) break;
      t->lines = grown;
    }
    t->lines[t->n++] = strdup(line);
  }
  free(line);
  fclose(f);
  return t->n ? 0 : -1;
}

static void bench_free_lines(bench_texts *t) {
  for (size_t i = 0; i < t->n; i++) free(t->lines[i]);
  free(t->lines);
}

static long bench_peak_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss; /* kilobytes on Linux */
}

int main(int argc, char **argv) {
  const char *model_dir = NULL, *texts_path = NULL;
  brass_model_options opts = {0};
  double min_seconds = 3.0;
  opts.batch_size = 32;
  for (int i = 1; i < argc; i += 2) { /* every option takes a value */
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) {
      fprintf(stderr, "bench_embed: %s needs a value\n", a);
      return 2;
    }
    if (!strcmp(a, "--model"))
      model_dir = v;
    else if (!strcmp(a, "--texts"))
      texts_path = v;
    else if (!strcmp(a, "--threads"))
      opts.threads = atoi(v);
    else if (!strcmp(a, "--batch"))
      opts.batch_size = atoi(v);
    else if (!strcmp(a, "--dtype")) {
      opts.dtype = brass_dtype_parse(v);
      if (opts.dtype < 0) {
        fprintf(stderr, "bench_embed: --dtype %s: expected int8 or f32\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--min-seconds"))
      min_seconds = atof(v);
    else {
      fprintf(stderr, "bench_embed: unknown argument %s\n", a);
      return 2;
    }
  }
  if (!model_dir || !texts_path) {
    fprintf(stderr,
            "usage: bench_embed --model DIR --texts FILE [--threads N] [--batch 32] [--dtype D] "
            "[--min-seconds 3]\n");
    return 2;
  }

  bench_texts t;
  if (bench_read_lines(texts_path, &t)) {
    fprintf(stderr, "bench_embed: %s: no texts\n", texts_path);
    return 1;
  }
  brass_error err;
  brass_model *model = NULL;
  double t0 = bench_now();
  if (brass_model_open(model_dir, &opts, &model, &err)) {
    fprintf(stderr, "bench_embed: %s\n", err.message);
    bench_free_lines(&t);
    return 1;
  }
  double load_s = bench_now() - t0;
  int dim = brass_model_dim(model), maxlen = brass_model_max_length(model);
  float *out = malloc(sizeof(float) * (size_t)dim * t.n);
  int32_t *ids = malloc(sizeof(int32_t) * (size_t)maxlen);
  int rc = 1;
  if (!out || !ids) {
    fprintf(stderr, "bench_embed: out of memory\n");
    goto done;
  }

  long long tokens = 0; /* real tokens per pass, [CLS] and [SEP] included, no padding */
  for (size_t i = 0; i < t.n; i++) {
    int n = brass_tokenize(model, t.lines[i], ids, maxlen, &err);
    if (n < 0) {
      fprintf(stderr, "bench_embed: %s\n", err.message);
      goto done;
    }
    tokens += n < maxlen ? n : maxlen;
  }

  size_t warm = t.n < 64 ? t.n : 64;
  if (brass_embed(model, (const char *const *)t.lines, warm, out, &err)) {
    fprintf(stderr, "bench_embed: %s\n", err.message);
    goto done;
  }
  int passes = 0;
  double start = bench_now(), cpu_start = bench_cpu(), elapsed = 0;
  do {
    if (brass_embed(model, (const char *const *)t.lines, t.n, out, &err)) {
      fprintf(stderr, "bench_embed: %s\n", err.message);
      goto done;
    }
    passes++;
    elapsed = bench_now() - start;
  } while (elapsed < min_seconds);
  double cpu = bench_cpu() - cpu_start;

  /* a checksum keeps the work observable and catches NaNs */
  double sum = 0;
  for (size_t i = 0; i < (size_t)dim * t.n; i++) sum += out[i] * out[i];
  printf(
      "{\"engine\":\"brass\",\"dtype\":\"%s\",\"kernel\":\"%s\",\"threads\":%d,\"batch\":%d,"
      "\"texts\":%zu,"
      "\"tokens\":%lld,\"passes\":%d,\"seconds\":%.4f,\"cpu_seconds\":%.4f,"
      "\"tokens_per_s\":%.1f,\"tokens_per_cpu_s\":%.1f,"
      "\"load_seconds\":%.4f,\"peak_rss_kb\":%ld,\"sum_sq\":%.6f}\n",
      brass_dtype_name(brass_model_dtype(model)), brass_kernel_name(), brass_model_threads(model),
      opts.batch_size, t.n, tokens, passes, elapsed, cpu, (double)tokens * passes / elapsed,
      (double)tokens * passes / cpu, load_s, bench_peak_rss_kb(), sum);
  rc = 0;
done:
  free(out);
  free(ids);
  brass_model_close(model);
  bench_free_lines(&t);
  return rc;
}
