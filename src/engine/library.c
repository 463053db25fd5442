/*
 * library.c - opening a brass library: the store file plus, when there is one, the embedding
 * model its vectors came from.
 *
 * A model is identified by a name (config.json's _name_or_path, else the folder's name), its
 * dimension and a SHA-256 over config.json, the weights' size and three 1 MiB samples of the
 * weights (start, which holds the safetensors header with every tensor's name, shape and offset;
 * middle; end). Hashing samples instead of every byte keeps opening a 100 MB model for one search
 * cheap while any re-export or different checkpoint still changes the hash.
 *
 * The folder of the model used to index is kept in meta "model_dir", so later searches find the
 * model without --model. The dtype it ran with is kept in meta "model_dtype" ("f32" or "int8";
 * absent in libraries indexed before int8 existed: f32): opening without an explicit dtype uses
 * it; searching with the other dtype is allowed (query vectors differ by ~0.1%), indexing with it
 * is refused (ingest.c), so a library never mixes vectors of two dtypes. Binding (recording the
 * model in the store) happens at the first indexing with a model, not at open: searching with a
 * model never writes.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file.h"
#include "base/sha256.h"
#include "engine/engine.h"
#include "model/static_model.h"

#define LIB_SAMPLE_BYTES (1u << 20)

int64_t engine_generation(store *st, brass_error *err) {
  char buf[32];
  int rc = store_meta_get(st, "generation", buf, sizeof buf, err);
  if (rc <= 0) return rc;
  return strtoll(buf, NULL, 10);
}

int engine_bump_generation(store *st, brass_error *err) {
  int64_t g = engine_generation(st, err);
  if (g < 0) return (int)g;
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", (long long)(g + 1));
  return store_meta_set(st, "generation", buf, err);
}

int engine_end_write(store *st, int rc, int bump, brass_error *err) {
  if (!rc && bump) rc = engine_bump_generation(st, err);
  if (!rc) rc = store_commit(st, err);
  if (rc && store_in_transaction(st)) {
    brass_error ignored;
    store_rollback(st, &ignored);
  }
  return rc;
}

/* Fills m->name and m->hash for the model folder dir. */
static int lib_model_identity(const char *dir, store_model_info *m, brass_error *err) {
  char path[PATH_MAX];
  char *cfg = NULL;
  size_t cfg_len = 0;
  if (path_join(path, sizeof path, dir, "config.json"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
  /* sentence-transformers StaticEmbedding folders have modules.json and no config.json */
  if (!file_exists(path) && path_join(path, sizeof path, dir, "modules.json"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
  int rc = file_read_all(path, 16u << 20, &cfg, &cfg_len, err);
  if (rc) return rc;
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, cfg, cfg_len);
  /* name: _name_or_path, else the folder's last component */
  m->name[0] = '\0';
  cJSON *j = cJSON_ParseWithLength(cfg, cfg_len);
  const cJSON *n = j ? cJSON_GetObjectItemCaseSensitive(j, "_name_or_path") : NULL;
  if (cJSON_IsString(n) && n->valuestring[0])
    snprintf(m->name, sizeof m->name, "%s", n->valuestring);
  cJSON_Delete(j);
  free(cfg);
  if (!m->name[0]) {
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    size_t b = len;
    while (b > 0 && dir[b - 1] != '/') b--;
    snprintf(m->name, sizeof m->name, "%.*s", (int)(len - b), dir + b);
  }
  char weights_dir[PATH_MAX];
  if (static_detect(dir, weights_dir, sizeof weights_dir, NULL) != STATIC_ST)
    snprintf(weights_dir, sizeof weights_dir, "%s", dir); /* else the module's own folder */
  if (path_join(path, sizeof path, weights_dir, "model.safetensors"))
    return err_set(err, BRASS_EINVAL, "%s: path too long", dir);
  file_map fm;
  if ((rc = file_map_open(path, &fm, err))) return rc;
  uint64_t size = fm.size;
  sha256_update(&c, &size, sizeof size);
  size_t take = fm.size < LIB_SAMPLE_BYTES ? fm.size : LIB_SAMPLE_BYTES;
  if (take) {
    sha256_update(&c, fm.data, take);
    sha256_update(&c, fm.data + fm.size / 2 - take / 2, take);
    sha256_update(&c, fm.data + fm.size - take, take);
  }
  file_map_close(&fm);
  unsigned char d[SHA256_DIGEST_SIZE];
  sha256_final(&c, d);
  sha256_hex(d, m->hash);
  return 0;
}

/* 1 if dir holds a config.json. */
static int lib_model_dir_exists(const char *dir) {
  char path[PATH_MAX];
  return (!path_join(path, sizeof path, dir, "config.json") && file_exists(path)) ||
         (!path_join(path, sizeof path, dir, "modules.json") && file_exists(path));
}

/* lib->indexed_dtype from meta "model_dtype" (f32 for a library bound before the key existed). */
static int lib_recorded_dtype(brass_library *lib, int recorded, brass_error *err) {
  char buf[16];
  int got = store_meta_get(lib->st, "model_dtype", buf, sizeof buf, err);
  if (got < 0) return got;
  lib->indexed_dtype = BRASS_DTYPE_DEFAULT;
  if (got == 1) {
    int d = brass_dtype_parse(buf);
    if (d < 0)
      return err_set(err, BRASS_EFORMAT, "%s: unknown model_dtype '%s' in the library's meta",
                     store_path(lib->st), buf);
    lib->indexed_dtype = d;
  } else if (recorded) {
    lib->indexed_dtype = BRASS_DTYPE_F32;
  }
  return 0;
}

int brass_library_open(const char *path, const char *model_dir, const brass_model_options *mopts,
                       int flags, brass_library **out, brass_error *err) {
  *out = NULL;
  if (!path || !*path) return err_set(err, BRASS_EINVAL, "library: no library path given");
  struct stat sb;
  int existed = stat(path, &sb) == 0;
  /* a new library needs its model first: a missing model folder must not leave a file behind */
  if (!existed && model_dir && *model_dir && !lib_model_dir_exists(model_dir))
    return err_set(err, BRASS_EIO, "%s: model folder not found (or it has no config.json)",
                   model_dir);
  brass_library *lib = calloc(1, sizeof *lib);
  if (!lib) return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  int sflags = ((flags & BRASS_OPEN_EXISTING) ? STORE_NOCREATE : 0) |
               ((flags & BRASS_OPEN_READ) ? STORE_READ_FALLBACK : 0);
  int rc = store_open_flags(path, sflags, &lib->st, err);
  if (rc) goto fail;
  store_model_info have;
  int recorded = store_model_get(lib->st, &have, err);
  if (recorded < 0) {
    rc = recorded;
    goto fail;
  }
  char saved_dir[PATH_MAX];
  int lookup_done = model_dir != NULL; /* "" means: open no model, not even the recorded one */
  if (!model_dir && !lookup_done) {
    int got = store_meta_get(lib->st, "model_dir", saved_dir, sizeof saved_dir, err);
    if (got < 0) {
      rc = got;
      goto fail;
    }
    if (got == 1 && recorded && lib_model_dir_exists(saved_dir)) model_dir = saved_dir;
  }
  if (model_dir && !*model_dir) model_dir = NULL; /* "": no model at all */
  if (model_dir) {
    char abs[PATH_MAX];
    if (!realpath(model_dir, abs)) {
      rc = err_set(err, BRASS_EIO, "%s: model folder not found", model_dir);
      goto fail;
    }
    store_model_info m;
    memset(&m, 0, sizeof m);
    if ((rc = lib_model_identity(abs, &m, err))) goto fail;
    if ((rc = lib_recorded_dtype(lib, recorded, err))) goto fail;
    brass_model_options mo = {0};
    if (mopts) mo = *mopts;
    if (mo.dtype == BRASS_DTYPE_DEFAULT) mo.dtype = lib->indexed_dtype;
    if ((rc = brass_model_open(abs, &mo, &lib->model, err))) goto fail;
    m.dim = brass_model_dim(lib->model);
    if (recorded && (strcmp(have.name, m.name) || have.dim != m.dim || strcmp(have.hash, m.hash))) {
      rc = err_set(err, BRASS_EUNSUPPORTED,
                   "%s: the library was indexed with model %s (dim %d, hash %.12s), not %s (dim "
                   "%d, hash %.12s); use that model, or index into a new library (--library FILE)",
                   path, have.name, have.dim, have.hash, m.name, m.dim, m.hash);
      goto fail;
    }
    lib->dim = m.dim;
    lib->ident = m;
    lib->model_dir = strdup(abs);
    if (!lib->model_dir) {
      rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
      goto fail;
    }
  }
  lib->model_missing = recorded && !lib->model;
  lib->created = !existed;
  *out = lib;
  return 0;
fail:;
  int created = !existed && lib->st != NULL;
  brass_library_close(lib);
  if (created) engine_remove_library_files(path);
  return rc;
}

void engine_remove_library_files(const char *path) {
  char p[PATH_MAX + 8];
  unlink(path);
  if (snprintf(p, sizeof p, "%s-wal", path) < (int)sizeof p) unlink(p);
  if (snprintf(p, sizeof p, "%s-shm", path) < (int)sizeof p) unlink(p);
}

void brass_library_set_wait(brass_library *lib, int wait_seconds,
                            void (*notice)(void *ctx, const char *path, const char *what),
                            void *ctx) {
  if (!lib || !lib->st) return;
  int ms = wait_seconds < 0 ? -1 : wait_seconds > INT_MAX / 1000 ? INT_MAX : wait_seconds * 1000;
  store_set_wait(lib->st, ms, notice, ctx);
}

int engine_record_model(brass_library *lib, brass_error *err) {
  if (!lib->model) return 0;
  int rc = store_begin(lib->st, err);
  if (!rc) rc = store_model_bind(lib->st, &lib->ident, err);
  if (!rc) rc = store_meta_set(lib->st, "model_dir", lib->model_dir, err);
  if (!rc)
    rc = store_meta_set(lib->st, "model_dtype", brass_dtype_name(brass_model_dtype(lib->model)),
                        err);
  return engine_end_write(lib->st, rc, 0, err);
}

void brass_library_close(brass_library *lib) {
  if (!lib) return;
  hnsw_free(lib->graph);
  brass_model_close(lib->model);
  store_close(lib->st);
  free(lib->model_dir);
  free(lib);
}

brass_model *brass_library_model(const brass_library *lib) {
  return lib ? lib->model : NULL;
}

typedef struct lib_count {
  int64_t n;
} lib_count;

static int lib_count_fn(void *ctx, const store_source *s) {
  (void)s;
  ((lib_count *)ctx)->n++;
  return 0;
}

void brass_library_close_failed(brass_library *lib) {
  if (!lib) return;
  char *path = NULL;
  if (lib->created && !store_is_readonly(lib->st)) {
    lib_count c = {0};
    brass_error ignored;
    if (!store_source_foreach(lib->st, lib_count_fn, &c, &ignored) && c.n == 0)
      path = strdup(store_path(lib->st));
  }
  brass_library_close(lib);
  if (path) engine_remove_library_files(path);
  free(path);
}

int brass_library_info_get(brass_library *lib, brass_library_info *out, brass_error *err) {
  memset(out, 0, sizeof *out);
  lib_count c = {0};
  int rc = store_source_foreach(lib->st, lib_count_fn, &c, err);
  if (rc) return rc;
  out->sources = c.n;
  out->chunks = store_chunk_count(lib->st, err);
  if (out->chunks < 0) return (int)out->chunks;
  out->generation = engine_generation(lib->st, err);
  if (out->generation < 0) return (int)out->generation;
  store_model_info m;
  int have = store_model_get(lib->st, &m, err);
  if (have < 0) return have;
  if (have) {
    snprintf(out->model_name, sizeof out->model_name, "%s", m.name);
    out->model_dim = m.dim;
    snprintf(out->model_hash, sizeof out->model_hash, "%s", m.hash);
  }
  /* counted, not assumed: chunks indexed before the library had a model have no vector */
  out->vectors = store_vector_count(lib->st, err);
  if (out->vectors < 0) return (int)out->vectors;
  out->partial_sources = store_source_progress_count(lib->st, err);
  if (out->partial_sources < 0) return (int)out->partial_sources;
  if ((rc = store_meta_get(lib->st, "model_dir", out->model_dir, sizeof out->model_dir, err)) < 0)
    return rc;
  if ((rc = store_meta_get(lib->st, "model_dtype", out->model_dtype, sizeof out->model_dtype,
                           err)) < 0)
    return rc;
  if (!rc && have) snprintf(out->model_dtype, sizeof out->model_dtype, "f32");
  char buf[32];
  if ((rc = store_meta_get(lib->st, "graph_generation", buf, sizeof buf, err)) < 0) return rc;
  if (rc) out->graph = strtoll(buf, NULL, 10) == out->generation ? 1 : 2;
  out->schema_version = store_schema_version(lib->st);
  int fmt = store_vector_format(lib->st, err);
  if (fmt < 0) return fmt;
  snprintf(out->vector_format, sizeof out->vector_format, "%s",
           fmt == STORE_VECTORS_INT8  ? "int8"
           : fmt == STORE_VECTORS_F32 ? "f32"
                                      : "");
  out->model_open = lib->model != NULL;
  struct stat sb;
  char wal[PATH_MAX];
  if (!stat(store_path(lib->st), &sb)) out->file_bytes += (int64_t)sb.st_size;
  if (snprintf(wal, sizeof wal, "%s-wal", store_path(lib->st)) < (int)sizeof wal && !stat(wal, &sb))
    out->file_bytes += (int64_t)sb.st_size;
  return 0;
}

int engine_path_under(const char *path, const char *root, int or_equal) {
  size_t n = strlen(root);
  if (n == 0 || strncmp(path, root, n) != 0) return 0;
  return path[n] == '/' || root[n - 1] == '/' || (or_equal && path[n] == '\0');
}

int engine_path_gone(const char *path) {
  struct stat sb;
  if (strstr(path, "://")) return 0; /* a crawled page (its URL): never a file that vanished */
  if (stat(path, &sb)) return errno == ENOENT || errno == ENOTDIR;
  return !S_ISREG(sb.st_mode);
}

int engine_ids_push(int64_t **ids, size_t *n, size_t *cap, int64_t id) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 32;
    int64_t *a = realloc(*ids, c * sizeof *a);
    if (!a) return BRASS_ENOMEM;
    *ids = a;
    *cap = c;
  }
  (*ids)[(*n)++] = id;
  return 0;
}
