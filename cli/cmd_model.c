/*
 * cmd_model.c - `brass model pull NAME` and `brass model list`: fetching a known model (embedding,
 * static or cross-encoder) from the Hugging Face hub (table in model_table.c, download in
 * model_fetch.c) into the models folder, and showing what is there. Also cli_resolve_model(), which
 * lets --model NAME stand for a pulled model. A pull downloads into NAME.tmp-PID and renames the
 * folder at the end, so a failed or interrupted pull never leaves a half model under NAME.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "brass.h"
#include "cli.h"
#include "model_table.h"
#ifndef __EMSCRIPTEN__
#include "model_fetch.h"
#endif

#define MODEL_DEFAULT_ENDPOINT "https://huggingface.co"
#define MODEL_PROVENANCE ".brass-model.json"
#define MODEL_UNKNOWN_SIZE_LIMIT (2LL << 30)

static const char model_help[] =
    "usage: brass model pull NAME [--force] [--allow-unverified] [--quiet]\n"
    "       brass model list [--json]\n"
    "\n"
    "pull  downloads a known model from the Hugging Face hub at a pinned commit, checks every\n"
    "      file's size and SHA-256 against the table built into brass, and stores it as\n"
    "      MODELS/NAME. Known (see 'brass model list'): embedding models all-MiniLM-L6-v2,\n"
    "      bge-small-en-v1.5, e5-small-v2, jina-embeddings-v2-small-en; the static model\n"
    "      potion-base-8M; cross-encoders (for rerank, search --rerank) ms-marco-MiniLM-L6-v2,\n"
    "      ms-marco-MiniLM-L12-v2, ms-marco-TinyBERT-L2-v2.\n"
    "      The folder appears only once every file is verified; a failed pull leaves nothing.\n"
    "      Afterwards `--model NAME` works wherever a model folder is expected.\n"
    "list  shows the known models (present or absent, path, size on disk) and any other\n"
    "      folders in MODELS.\n"
    "\n"
    "options:\n"
    "  --force             pull again even if the model is present (replaces it at the end)\n"
    "  --allow-unverified  download table files that have no pinned SHA-256 (only possible\n"
    "                      with $BRASS_MODEL_TABLE entries; each is reported as not verified)\n"
    "  --quiet             pull: print only errors and the final line\n"
    "  --json              list: print one JSON object {\"dir\", \"models\": [{\"name\", "
    "\"repo\",\n"
    "                      \"revision\", \"known\", \"status\", \"path\", \"bytes\"}]}\n"
    "\n"
    "environment:\n"
    "  XDG_DATA_HOME       MODELS is $XDG_DATA_HOME/brass/models, else "
    "~/.local/share/brass/models\n"
    "  HF_ENDPOINT         hub address (default https://huggingface.co); files are fetched from\n"
    "                      $HF_ENDPOINT/REPO/resolve/REVISION/PATH\n"
    "  BRASS_MODEL_TABLE   JSON file of extra models, added to the built-in ones (same name:\n"
    "                      replaces it): [{\"name\", \"repo\", \"revision\", \"files\":\n"
    "                      [{\"path\", \"size\", \"sha256\"}]}]\n"
    "\n"
    "exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

/* ---- the models folder and --model NAME ---- */

static int model_is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void model_mkdirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
  mkdir(path, 0755);
}

/* The models folder into buf; NULL if neither XDG_DATA_HOME nor HOME is set. */
static const char *model_dir_path(char *buf, size_t cap, int create) {
  if (cli_data_path("models", buf, cap)) return NULL;
  if (create) model_mkdirs(buf);
  return buf;
}

const char *cli_resolve_model(const char *arg) {
  static char resolved[PATH_MAX];
  char dir[PATH_MAX];
  if (!arg || !*arg || model_is_dir(arg) || !mt_valid_name(arg)) return arg;
  if (!model_dir_path(dir, sizeof dir, 0)) return arg;
  int n = snprintf(resolved, sizeof resolved, "%s/%s", dir, arg);
  if (n < 0 || (size_t)n >= sizeof resolved || !model_is_dir(resolved)) return arg;
  return resolved;
}

int cli_model_unknown(const char *cmd, const char *arg) {
  if (!arg || !*arg || model_is_dir(arg) || cli_resolve_model(arg) != arg) return 0;
  if (!mt_valid_name(arg)) return 0; /* a path: the library names it in its own message */
  mt_table t;
  brass_error err;
  int known = 0;
  if (!mt_load(getenv("BRASS_MODEL_TABLE"), &t, &err)) {
    known = mt_find(&t, arg) != NULL;
    mt_free(&t);
  }
  if (known)
    cli_error(CLI_FAIL,
              "%s: --model %s: no such folder, and the model %s is not pulled yet: run 'brass "
              "model pull %s' first",
              cmd, arg, arg, arg);
  else
    cli_error(CLI_FAIL,
              "%s: --model %s: no such folder and no pulled model of that name (see 'brass "
              "model list'; 'brass model pull NAME' fetches a known one)",
              cmd, arg);
  return 1;
}

/* ---- small file helpers ---- */

/* Bytes of the regular files under path. */
static long long model_du(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return 0;
  if (!S_ISDIR(st.st_mode)) return S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
  long long total = 0;
  DIR *d = opendir(path);
  if (!d) return 0;
  struct dirent *e;
  char sub[PATH_MAX];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub)
      total += model_du(sub);
  }
  closedir(d);
  return total;
}

/* "present": every table file exists with its size (where known); "incomplete": the folder
 * exists but does not; "absent": no folder. */
static const char *model_status(const mt_model *m, const char *dir) {
  if (!model_is_dir(dir)) return "absent";
  char p[PATH_MAX];
  for (int i = 0; i < m->nfiles; i++) {
    struct stat st;
    if (snprintf(p, sizeof p, "%s/%s", dir, m->files[i].path) >= (int)sizeof p) return "incomplete";
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) return "incomplete";
    if (m->files[i].size >= 0 && (long long)st.st_size != m->files[i].size) return "incomplete";
  }
  return "present";
}

static int model_load_table(mt_table *t) {
  brass_error err;
  if (mt_load(getenv("BRASS_MODEL_TABLE"), t, &err)) return cli_error(CLI_FAIL, "%s", err.message);
  return 0;
}

static void model_human(long long bytes, char *buf, size_t cap) {
  if (bytes >= 1000000)
    snprintf(buf, cap, "%.1f MB", bytes / 1e6);
  else if (bytes >= 1000)
    snprintf(buf, cap, "%.1f kB", bytes / 1e3);
  else
    snprintf(buf, cap, "%lld B", bytes);
}

/* ---- list ---- */

static int model_list(int argc, char **argv) {
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      json = 1;
    else
      return cli_error(CLI_USAGE, "model list: unknown argument '%s' (see 'brass help model')",
                       argv[i]);
  }
  mt_table t;
  if (model_load_table(&t)) return CLI_FAIL;
  char dir[PATH_MAX], p[PATH_MAX], size[32];
  if (!model_dir_path(dir, sizeof dir, 0)) {
    mt_free(&t);
    return cli_error(CLI_FAIL, "model list: no models folder: set $XDG_DATA_HOME or $HOME");
  }
  cJSON *root = json ? cJSON_CreateObject() : NULL, *arr = NULL;
  if (json) {
    cJSON_AddStringToObject(root, "dir", dir);
    arr = cJSON_AddArrayToObject(root, "models");
  } else {
    cli_line(stdout, "models folder: %s", dir);
  }
  for (int i = 0; i < t.n; i++) {
    const mt_model *m = &t.models[i];
    if (snprintf(p, sizeof p, "%s/%s", dir, m->name) >= (int)sizeof p) continue;
    const char *st = model_status(m, p);
    long long bytes = strcmp(st, "absent") ? model_du(p) : 0;
    if (json) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", m->name);
      cJSON_AddStringToObject(o, "repo", m->repo);
      cJSON_AddStringToObject(o, "revision", m->revision);
      cJSON_AddBoolToObject(o, "known", 1);
      cJSON_AddStringToObject(o, "status", st);
      if (strcmp(st, "absent"))
        cJSON_AddStringToObject(o, "path", p);
      else
        cJSON_AddNullToObject(o, "path");
      cJSON_AddNumberToObject(o, "bytes", (double)bytes);
      cJSON_AddItemToArray(arr, o);
    } else {
      model_human(bytes, size, sizeof size);
      cli_line(stdout, "  %-27s %-10s %10s  %s", m->name, st, strcmp(st, "absent") ? size : "-",
               strcmp(st, "absent") ? p : m->repo);
    }
  }
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.' || mt_find(&t, e->d_name)) continue;
      if (strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".old-")) continue;
      if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p || !model_is_dir(p))
        continue;
      long long bytes = model_du(p);
      if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", e->d_name);
        cJSON_AddNullToObject(o, "repo");
        cJSON_AddNullToObject(o, "revision");
        cJSON_AddBoolToObject(o, "known", 0);
        cJSON_AddStringToObject(o, "status", "other");
        cJSON_AddStringToObject(o, "path", p);
        cJSON_AddNumberToObject(o, "bytes", (double)bytes);
        cJSON_AddItemToArray(arr, o);
      } else {
        model_human(bytes, size, sizeof size);
        cli_line(stdout, "  %-27s %-10s %10s  %s", e->d_name, "other", size, p);
      }
    }
    closedir(d);
  }
  int rc = CLI_OK;
  if (json) {
    char *s = cJSON_PrintUnformatted(root);
    if (s)
      puts(s);
    else
      rc = cli_error(CLI_FAIL, "model list: out of memory");
    cJSON_free(s);
    cJSON_Delete(root);
  }
  mt_free(&t);
  return rc;
}

/* ---- pull ---- */

#ifdef __EMSCRIPTEN__

static int model_pull(int argc, char **argv) {
  (void)argc, (void)argv;
  return cli_error(CLI_FAIL,
                   "model pull: not available in the WebAssembly build (no network client); "
                   "pull with the native brass and pass the folder, or --model NAME");
}

#else

/* Removes path and everything under it (no symlinks are followed). */
static void model_rm_rf(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *e;
      char sub[PATH_MAX];
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub) model_rm_rf(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

static void model_print_known(FILE *f, const mt_table *t) {
  for (int i = 0; i < t->n; i++) fprintf(f, "%s%s", i ? ", " : "", t->models[i].name);
}

static void model_on_signal(int sig) {
  (void)sig;
  mf_interrupt();
}

/* Removes NAME.tmp-PID folders left by pulls whose process is gone. */
static void model_clean_stale(const char *dir, const char *name) {
  DIR *d = opendir(dir);
  if (!d) return;
  size_t n = strlen(name);
  struct dirent *e;
  char p[PATH_MAX];
  while ((e = readdir(d))) {
    const char *s = e->d_name;
    if (strncmp(s, name, n) != 0) continue;
    if (strncmp(s + n, ".tmp-", 5) != 0 && strncmp(s + n, ".old-", 5) != 0) continue;
    char *end = NULL;
    long pid = strtol(s + n + 5, &end, 10);
    if (!end || *end || pid <= 0) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* still running */
    if (snprintf(p, sizeof p, "%s/%s", dir, s) < (int)sizeof p) model_rm_rf(p);
  }
  closedir(d);
}

/* Creates the folders leading to tmp/rel. */
static int model_make_parents(const char *tmp, const char *rel, char *out, size_t cap) {
  if (snprintf(out, cap, "%s/%s", tmp, rel) >= (int)cap) return -1;
  size_t base = strlen(tmp) + 1;
  for (char *p = out + base; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(out, 0755) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return 0;
}

static int model_write_provenance(const char *tmp, const mt_model *m, const char *endpoint,
                                  char (*shas)[65]) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", m->name);
  cJSON_AddStringToObject(o, "repo", m->repo);
  cJSON_AddStringToObject(o, "revision", m->revision);
  cJSON_AddStringToObject(o, "endpoint", endpoint);
  cJSON *files = cJSON_AddArrayToObject(o, "files");
  for (int i = 0; i < m->nfiles; i++) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "path", m->files[i].path);
    cJSON_AddStringToObject(f, "sha256", shas[i]);
    cJSON_AddBoolToObject(f, "verified", m->files[i].sha256[0] != '\0');
    cJSON_AddItemToArray(files, f);
  }
  char *s = cJSON_Print(o);
  cJSON_Delete(o);
  char p[PATH_MAX];
  int rc = -1;
  if (s && snprintf(p, sizeof p, "%s/%s", tmp, MODEL_PROVENANCE) < (int)sizeof p) {
    FILE *f = fopen(p, "w");
    if (f) {
      int ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
      rc = (fclose(f) == 0 && ok) ? 0 : -1;
    }
  }
  cJSON_free(s);
  return rc;
}

/* Downloads every file of m into tmp; returns CLI_OK or CLI_FAIL (after printing the error). */
static int model_download(const mt_model *m, const char *tmp, const char *endpoint, int quiet) {
  brass_error err;
  char(*shas)[65] = calloc((size_t)m->nfiles, sizeof *shas);
  if (!shas) return cli_error(CLI_FAIL, "model pull: out of memory");
  int rc = CLI_OK, tty = cli_isatty(2) && !quiet;
  for (int i = 0; i < m->nfiles && rc == CLI_OK; i++) {
    const mt_file *f = &m->files[i];
    char dest[PATH_MAX], url[8192], label[512];
    if (model_make_parents(tmp, f->path, dest, sizeof dest)) {
      rc = cli_error(CLI_FAIL, "%s/%s: cannot create its folder in %s: %s", m->name, f->path, tmp,
                     strerror(errno));
      break;
    }
    snprintf(url, sizeof url, "%s/%s/resolve/%s/%s", endpoint, m->repo, m->revision, f->path);
    snprintf(label, sizeof label, "%s/%s", m->name, f->path);
    mf_request r = {url, dest, label, f->size, MODEL_UNKNOWN_SIZE_LIMIT, f->sha256, tty};
    if (mf_fetch(&r, shas[i], &err)) {
      rc = cli_error(CLI_FAIL, "%s", err.message);
      break;
    }
    if (!f->sha256[0])
      cli_line(stderr, "brass: not verified: no pinned hash: %s (got sha256 %s)", label, shas[i]);
    else if (!quiet)
      cli_line(stderr, "  %-40s ok (SHA-256 verified)", f->path);
  }
  if (rc == CLI_OK && model_write_provenance(tmp, m, endpoint, shas))
    rc = cli_error(CLI_FAIL, "%s/%s: cannot write: %s", tmp, MODEL_PROVENANCE, strerror(errno));
  free(shas);
  return rc;
}

static int model_pull(int argc, char **argv) {
  const char *name = NULL;
  int force = 0, allow_unverified = 0, quiet = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--force"))
      force = 1;
    else if (!strcmp(argv[i], "--allow-unverified"))
      allow_unverified = 1;
    else if (!strcmp(argv[i], "--quiet"))
      quiet = 1;
    else if (argv[i][0] == '-' || name)
      return cli_error(CLI_USAGE, "model pull: unexpected argument '%s' (see 'brass help model')",
                       argv[i]);
    else
      name = argv[i];
  }
  if (!name) return cli_error(CLI_USAGE, "model pull: which model? (see 'brass model list')");
  mt_table t;
  if (model_load_table(&t)) return CLI_FAIL;
  const mt_model *m = mt_find(&t, name);
  if (!m) {
    cli_text(stderr, "brass: model pull: unknown model '%s' (known: ", name);
    model_print_known(stderr, &t);
    fputs(")\n", stderr);
    mt_free(&t);
    return CLI_FAIL;
  }
  int rc = CLI_OK;
  for (int i = 0; i < m->nfiles && !allow_unverified; i++) {
    if (!m->files[i].sha256[0]) {
      rc = cli_error(CLI_FAIL,
                     "model pull: %s/%s: not verified: no pinned hash (pass --allow-unverified "
                     "to download it anyway)",
                     m->name, m->files[i].path);
      break;
    }
  }
  char dir[PATH_MAX], dest[PATH_MAX], tmp[PATH_MAX], old[PATH_MAX];
  if (rc == CLI_OK && !model_dir_path(dir, sizeof dir, 1))
    rc = cli_error(CLI_FAIL, "model pull: no models folder: set $XDG_DATA_HOME or $HOME");
  if (rc != CLI_OK) {
    mt_free(&t);
    return rc;
  }
  long pid = (long)getpid();
  if (snprintf(dest, sizeof dest, "%s/%s", dir, m->name) >= (int)sizeof dest ||
      snprintf(tmp, sizeof tmp, "%s/%s.tmp-%ld", dir, m->name, pid) >= (int)sizeof tmp ||
      snprintf(old, sizeof old, "%s/%s.old-%ld", dir, m->name, pid) >= (int)sizeof old) {
    mt_free(&t);
    return cli_error(CLI_FAIL, "model pull: %s: path too long", dir);
  }
  model_clean_stale(dir, m->name);
  int exists = model_is_dir(dest);
  if (exists && !force) {
    int present = !strcmp(model_status(m, dest), "present");
    if (present)
      cli_line(stdout, "already present: %s (%s)", m->name, dest);
    else
      rc = cli_error(CLI_FAIL,
                     "model pull: %s exists but does not match the table (missing or resized "
                     "files); pass --force to replace it",
                     dest);
    mt_free(&t);
    return rc;
  }
  if (mkdir(tmp, 0755) != 0) {
    rc = cli_error(CLI_FAIL, "model pull: cannot create %s: %s", tmp, strerror(errno));
    mt_free(&t);
    return rc;
  }
  char endpoint[2048];
  const char *ep = getenv("HF_ENDPOINT");
  snprintf(endpoint, sizeof endpoint, "%s", ep && *ep ? ep : MODEL_DEFAULT_ENDPOINT);
  for (size_t n = strlen(endpoint); n > 0 && endpoint[n - 1] == '/'; n--) endpoint[n - 1] = '\0';

  /* INT, TERM and HUP stop the download and clean up (unless they were ignored, as by nohup) */
  static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction sa, saved[3];
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = model_on_signal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++) {
    sigaction(sigs[i], NULL, &saved[i]);
    if (saved[i].sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
  }

  brass_error err;
  if (mf_global_init(&err)) {
    rc = cli_error(CLI_FAIL, "%s", err.message);
  } else {
    long long total = 0;
    for (int i = 0; i < m->nfiles; i++) total += m->files[i].size > 0 ? m->files[i].size : 0;
    if (!quiet)
      cli_line(stderr, "pulling %s (%s at %.12s) from %s: %d files, %.1f MB", m->name, m->repo,
               m->revision, endpoint, m->nfiles, total / 1e6);
    rc = model_download(m, tmp, endpoint, quiet);
    mf_global_cleanup();
  }
  if (rc == CLI_OK && exists && rename(dest, old) != 0)
    rc = cli_error(CLI_FAIL, "model pull: cannot move the old %s aside: %s", dest, strerror(errno));
  if (rc == CLI_OK && rename(tmp, dest) != 0) {
    rc = cli_error(CLI_FAIL, "model pull: cannot rename %s to %s: %s", tmp, dest, strerror(errno));
    if (exists) rename(old, dest);
  }
  if (rc == CLI_OK && exists) model_rm_rf(old);
  if (rc != CLI_OK) model_rm_rf(tmp);
  for (int i = 0; i < 3; i++) sigaction(sigs[i], &saved[i], NULL);
  if (rc == CLI_OK)
    cli_line(stdout, "pulled %s into %s (%lld bytes)", m->name, dest, model_du(dest));
  mt_free(&t);
  return rc;
}

#endif

static int run_model(int argc, char **argv) {
  if (argc < 2)
    return cli_error(CLI_USAGE, "model: expected 'pull NAME' or 'list' (see 'brass help model')");
  if (!strcmp(argv[1], "pull")) return model_pull(argc - 1, argv + 1);
  if (!strcmp(argv[1], "list")) return model_list(argc - 1, argv + 1);
  return cli_error(CLI_USAGE, "model: unknown sub-command '%s' (expected pull or list)", argv[1]);
}

const cli_command cli_model = {"model", "pull a known model, list pulled models", model_help,
                               run_model};
