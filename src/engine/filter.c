/*
 * filter.c - brass_filter: which sources a search may return (path prefixes and globs, file
 * extensions, modification time), and the time syntax of --since/--before. The predicate is
 * evaluated per source; search.c turns it into the set of allowed chunks (store_chunk_ids_where)
 * and the keyword query's WHERE clause (store_fts_search_where), so both lists are filtered before
 * their top-n cut.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "engine/engine.h"

static int flt_has_glob(const char *p) {
  return strpbrk(p, "*?[") != NULL;
}

/* A glob pattern: anchored when it starts with '/', else the path or any tail after a '/'. */
static int flt_glob(const char *pat, const char *path) {
  if (!fnmatch(pat, path, 0)) return 1;
  if (pat[0] == '/') return 0;
  for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/'))
    if (!fnmatch(pat, s + 1, 0)) return 1;
  return 0;
}

/* A prefix of whole components: absolute ones from the start, relative ones anywhere. */
static int flt_prefix(const char *pre, const char *path) {
  size_t n = strlen(pre);
  while (n > 1 && pre[n - 1] == '/') n--; /* "docs/" is the folder docs */
  if (!n) return 1;
  for (const char *s = path; s; s = strchr(s + 1, '/')) {
    const char *at = s;
    if (pre[0] != '/' && *at == '/') at++; /* relative: match after a separator */
    if (!strncmp(at, pre, n) && (at[n] == '\0' || at[n] == '/' || pre[n - 1] == '/')) return 1;
    if (pre[0] == '/') return 0; /* absolute: only at the start */
  }
  return 0;
}

static int flt_type(const char *types, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  if (!dot || dot == base) return 0;
  const char *ext = dot + 1;
  size_t elen = strlen(ext);
  for (const char *t = types; *t;) {
    while (*t == ',' || *t == ' ' || *t == '.') t++;
    const char *e = t;
    while (*e && *e != ',' && *e != ' ') e++;
    if (e > t && (size_t)(e - t) == elen && !strncasecmp(t, ext, elen)) return 1;
    t = e;
  }
  return 0;
}

int brass_filter_active(const brass_filter *f) {
  return f && (f->n_paths || (f->types && *f->types) || f->since_ns || f->before_ns);
}

int brass_filter_match(const brass_filter *f, const char *path, int64_t mtime_ns) {
  if (!brass_filter_active(f)) return 1;
  if (f->since_ns && mtime_ns < f->since_ns) return 0;
  if (f->before_ns && mtime_ns >= f->before_ns) return 0;
  if (f->types && *f->types && !flt_type(f->types, path)) return 0;
  int given = 0; /* empty patterns restrict nothing */
  for (size_t i = 0; i < f->n_paths; i++) {
    const char *p = f->paths[i];
    if (!p || !*p) continue;
    given = 1;
    if (flt_has_glob(p) ? flt_glob(p, path) : flt_prefix(p, path)) return 1;
  }
  return !given;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t flt_days(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int brass_parse_time(const char *text, int64_t now_ns, int64_t *out_ns, brass_error *err) {
  if (!text || !*text)
    return err_set(err, BRASS_EINVAL, "time: empty (use 2024-05-01, 2024-05-01T12:00Z or 7d)");
  if (!now_ns) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  }
  const char *p = text;
  char *end = NULL;
  long long v = strtoll(p, &end, 10);
  if (end > p && v >= 0 && end[0] && !end[1] && strchr("smhdw", end[0]) &&
      isdigit((unsigned char)*p)) {
    static const int64_t unit[] = {1, 60, 3600, 86400, 604800};
    int64_t sec = unit[strchr("smhdw", end[0]) - "smhdw"];
    if (v > (int64_t)9e18 / 1000000000 / sec)
      return err_set(err, BRASS_ERANGE, "time '%s': too far back", text);
    *out_ns = now_ns - (int64_t)v * sec * 1000000000;
    return 0;
  }
  int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
  if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
    const char *rest = text + n;
    int m2 = 0;
    if (*rest == 'T' || *rest == ' ') {
      if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &m2) != 2 || m2 != 5) goto bad;
      rest += 1 + m2;
      if (*rest == ':') {
        if (sscanf(rest + 1, "%2d%n", &s, &m2) != 1 || m2 != 2) goto bad;
        rest += 3;
      }
      if (*rest == 'Z') rest++;
    }
    if (*rest || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) goto bad;
    int64_t secs = flt_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    *out_ns = secs * 1000000000;
    return 0;
  }
bad:
  return err_set(err, BRASS_EINVAL,
                 "time '%s': not a date (2024-05-01, 2024-05-01T12:00[:00][Z], UTC) or an age "
                 "(30m, 12h, 7d, 2w)",
                 text);
}
