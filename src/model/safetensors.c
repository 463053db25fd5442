/*
 * safetensors.c - parsing and validating safetensors images (see safetensors.h for the format).
 *
 * The parser works on a byte buffer so that the same code serves the mmapped file, the read-in
 * file under Emscripten and the fuzzer. It never reads outside [data, data + size): the header
 * length is checked before cJSON sees the header, cJSON is given the exact length, and every
 * tensor's byte range is checked against the data buffer before a pointer to it is formed.
 */
#include "model/safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

static const struct {
  const char *name;
  size_t size;
} st_dtypes[ST_DTYPE_COUNT] = {
    [ST_BOOL] = {"BOOL", 1},       [ST_U8] = {"U8", 1},           [ST_I8] = {"I8", 1},
    [ST_F8_E5M2] = {"F8_E5M2", 1}, [ST_F8_E4M3] = {"F8_E4M3", 1}, [ST_I16] = {"I16", 2},
    [ST_U16] = {"U16", 2},         [ST_F16] = {"F16", 2},         [ST_BF16] = {"BF16", 2},
    [ST_I32] = {"I32", 4},         [ST_U32] = {"U32", 4},         [ST_F32] = {"F32", 4},
    [ST_F64] = {"F64", 8},         [ST_I64] = {"I64", 8},         [ST_U64] = {"U64", 8},
};

const char *st_dtype_name(st_dtype d) {
  return (unsigned)d < ST_DTYPE_COUNT ? st_dtypes[d].name : "?";
}

size_t st_dtype_size(st_dtype d) {
  return (unsigned)d < ST_DTYPE_COUNT ? st_dtypes[d].size : 0;
}

/* Largest integer a JSON number (a double in cJSON) holds exactly. */
#define ST_MAX_JSON_INT 9007199254740992.0

/* Reads a non-negative integral JSON number into *v; 0 on success, -1 otherwise. */
static int st_json_uint(const cJSON *item, uint64_t *v) {
  if (!cJSON_IsNumber(item)) return -1;
  double d = item->valuedouble;
  if (!(d >= 0.0) || d > ST_MAX_JSON_INT || d != floor(d)) return -1;
  *v = (uint64_t)d;
  return 0;
}

void st_tensors_free(st_tensor *tensors, int n) {
  if (!tensors) return;
  for (int i = 0; i < n; i++) free(tensors[i].name);
  free(tensors);
}

static int st_cmp_name(const void *a, const void *b) {
  return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

static int st_cmp_offset(const void *a, const void *b) {
  const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
  return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

/* Fills t from one header entry; data/dsize describe the data buffer. */
static int st_parse_entry(const cJSON *entry, const unsigned char *base, size_t dsize,
                          size_t base_offset, const char *name, st_tensor *t, brass_error *err) {
  const char *tn = entry->string;
  if (!cJSON_IsObject(entry))
    return err_set(err, BRASS_EFORMAT, "%s: header entry '%.100s' is not an object", name, tn);
  const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
  const cJSON *offs = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
  if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs))
    return err_set(
        err, BRASS_EFORMAT,
        "%s: tensor '%.100s' lacks a string dtype, a shape array or a data_offsets array", name,
        tn);
  int d = 0;
  while (d < ST_DTYPE_COUNT && strcmp(st_dtypes[d].name, dtype->valuestring) != 0) d++;
  if (d == ST_DTYPE_COUNT)
    return err_set(err, BRASS_EUNSUPPORTED, "%s: tensor '%.100s' has unknown dtype '%.20s'", name,
                   tn, dtype->valuestring);
  t->dtype = (st_dtype)d;

  int ndim = cJSON_GetArraySize(shape);
  if (ndim > ST_MAX_DIMS)
    return err_set(err, BRASS_EUNSUPPORTED, "%s: tensor '%.100s' has %d dimensions (at most %d)",
                   name, tn, ndim, ST_MAX_DIMS);
  t->ndim = ndim;
  size_t numel = 1;
  int overflow = 0, i = 0;
  const cJSON *dim;
  cJSON_ArrayForEach(dim, shape) {
    uint64_t v;
    if (st_json_uint(dim, &v) != 0)
      return err_set(err, BRASS_EFORMAT,
                     "%s: tensor '%.100s' has a shape entry that is not a non-negative integer",
                     name, tn);
    t->shape[i++] = (int64_t)v;
    if (v > SIZE_MAX || __builtin_mul_overflow(numel, (size_t)v, &numel)) overflow = 1;
  }
  /* A zero dimension makes the product 0 even if an earlier step overflowed. */
  for (int j = 0; j < ndim; j++)
    if (t->shape[j] == 0) numel = 0, overflow = 0;
  size_t esize = st_dtypes[d].size, nbytes = 0;
  if (overflow || __builtin_mul_overflow(numel, esize, &nbytes))
    return err_set(err, BRASS_EFORMAT, "%s: tensor '%.100s' has a shape too large to address", name,
                   tn);
  t->numel = numel;
  t->nbytes = nbytes;

  uint64_t begin, end;
  if (cJSON_GetArraySize(offs) != 2 || st_json_uint(cJSON_GetArrayItem(offs, 0), &begin) != 0 ||
      st_json_uint(cJSON_GetArrayItem(offs, 1), &end) != 0)
    return err_set(err, BRASS_EFORMAT,
                   "%s: tensor '%.100s' data_offsets is not a pair of non-negative integers", name,
                   tn);
  if (begin > end)
    return err_set(err, BRASS_EFORMAT, "%s: tensor '%.100s' data_offsets [%llu, %llu] are reversed",
                   name, tn, (unsigned long long)begin, (unsigned long long)end);
  if (end > dsize)
    return err_set(err, BRASS_EFORMAT,
                   "%s: tensor '%.100s' data_offsets end %llu is beyond the data (%zu bytes); "
                   "the file is truncated or corrupt",
                   name, tn, (unsigned long long)end, dsize);
  if (end - begin != nbytes)
    return err_set(err, BRASS_EFORMAT,
                   "%s: tensor '%.100s' holds %llu bytes but its shape and dtype %s need %zu", name,
                   tn, (unsigned long long)(end - begin), st_dtypes[d].name, nbytes);
  t->offset = base_offset + (size_t)begin;
  t->data = base + begin;
  return 0;
}

int safetensors_parse(const void *data, size_t size, const char *name, st_tensor **tensors, int *n,
                      brass_error *err) {
  *tensors = NULL;
  *n = 0;
  const unsigned char *bytes = data;
  if (size < 8)
    return err_set(err, BRASS_EFORMAT, "%s: %zu bytes is too short for a safetensors file", name,
                   size);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | bytes[i];
  if (hlen > ST_MAX_HEADER)
    return err_set(err, BRASS_EFORMAT,
                   "%s: header length %llu exceeds the limit of %u bytes (not a safetensors file?)",
                   name, (unsigned long long)hlen, ST_MAX_HEADER);
  if (hlen > size - 8)
    return err_set(err, BRASS_EFORMAT,
                   "%s: header length %llu is beyond the end of the file (%zu bytes); truncated?",
                   name, (unsigned long long)hlen, size);
  if (hlen < 2 || bytes[8] != '{')
    return err_set(err, BRASS_EFORMAT, "%s: header is not a JSON object", name);

  const char *json = (const char *)bytes + 8, *parse_end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(json, (size_t)hlen, &parse_end, 0);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return err_set(err, BRASS_EFORMAT, "%s: header is not valid JSON", name);
  }
  /* The reference writer pads the header with spaces; anything else after the object is junk. */
  for (const char *p = parse_end; p && p < json + hlen; p++) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
      cJSON_Delete(root);
      return err_set(err, BRASS_EFORMAT, "%s: unexpected bytes after the JSON header", name);
    }
  }

  int count = 0, rc = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, root) {
    if (strcmp(entry->string, "__metadata__") == 0) {
      if (!cJSON_IsObject(entry)) {
        cJSON_Delete(root);
        return err_set(err, BRASS_EFORMAT, "%s: __metadata__ is not an object", name);
      }
      continue;
    }
    count++;
  }
  st_tensor *ts = calloc(count ? (size_t)count : 1, sizeof *ts);
  st_tensor **by_offset = calloc(count ? (size_t)count : 1, sizeof *by_offset);
  if (!ts || !by_offset) {
    free(ts);
    free(by_offset);
    cJSON_Delete(root);
    return err_set(err, BRASS_ENOMEM, "%s: out of memory for %d tensors", name, count);
  }
  const unsigned char *base = bytes + 8 + hlen;
  size_t dsize = size - 8 - (size_t)hlen;
  int k = 0;
  cJSON_ArrayForEach(entry, root) {
    if (strcmp(entry->string, "__metadata__") == 0) continue;
    rc = st_parse_entry(entry, base, dsize, 8 + (size_t)hlen, name, &ts[k], err);
    if (rc) break;
    ts[k].name = strdup(entry->string);
    if (!ts[k].name) {
      rc = err_set(err, BRASS_ENOMEM, "%s: out of memory", name);
      break;
    }
    k++;
  }
  cJSON_Delete(root);
  if (rc) {
    free(by_offset);
    st_tensors_free(ts, k);
    return rc;
  }

  qsort(ts, (size_t)count, sizeof *ts, st_cmp_name);
  for (int i = 1; i < count && !rc; i++)
    if (strcmp(ts[i - 1].name, ts[i].name) == 0)
      rc = err_set(err, BRASS_EFORMAT, "%s: tensor '%.100s' appears twice", name, ts[i].name);
  /* No two non-empty tensors may share bytes: sort by start and compare neighbours. */
  int nonempty = 0;
  for (int i = 0; i < count; i++)
    if (ts[i].nbytes) by_offset[nonempty++] = &ts[i];
  qsort(by_offset, (size_t)nonempty, sizeof *by_offset, st_cmp_offset);
  for (int i = 1; i < nonempty && !rc; i++)
    if (by_offset[i - 1]->offset + by_offset[i - 1]->nbytes > by_offset[i]->offset)
      rc = err_set(err, BRASS_EFORMAT, "%s: tensors '%.100s' and '%.100s' overlap", name,
                   by_offset[i - 1]->name, by_offset[i]->name);
  free(by_offset);
  if (rc) {
    st_tensors_free(ts, count);
    return rc;
  }
  *tensors = ts;
  *n = count;
  return 0;
}

int safetensors_open(const char *path, st_file *f, brass_error *err) {
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  if (!f->path) return err_set(err, BRASS_ENOMEM, "%s: out of memory", path);
  int rc = file_map_open(path, &f->map, err);
  if (rc == 0)
    rc = safetensors_parse(f->map.data, f->map.size, path, &f->tensors, &f->ntensors, err);
  if (rc) safetensors_close(f);
  return rc;
}

void safetensors_close(st_file *f) {
  if (!f) return;
  st_tensors_free(f->tensors, f->ntensors);
  file_map_close(&f->map);
  free(f->path);
  memset(f, 0, sizeof *f);
}

const st_tensor *safetensors_find(const st_file *f, const char *name) {
  int lo = 0, hi = f->ntensors - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(f->tensors[mid].name, name);
    if (c == 0) return &f->tensors[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return NULL;
}

float st_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13); /* infinity or NaN */
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13); /* normal: rebias 15 -> 127 */
  } else if (mant == 0) {
    bits = sign; /* signed zero */
  } else {
    /* subnormal: value = mant * 2^-24, exact in float */
    float v = (float)mant * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

float st_bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

int st_to_f32(st_dtype dtype, const void *src, size_t count, float *dst) {
  const unsigned char *s = src;
  switch (dtype) {
    case ST_F32:
      memcpy(dst, s, count * sizeof(float));
      return 0;
    case ST_F16:
      for (size_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, s + 2 * i, 2);
        dst[i] = st_f16_to_f32(h);
      }
      return 0;
    case ST_BF16:
      for (size_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, s + 2 * i, 2);
        dst[i] = st_bf16_to_f32(h);
      }
      return 0;
    default:
      return -1;
  }
}
