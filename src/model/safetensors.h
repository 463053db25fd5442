/*
 * safetensors.h - reading Hugging Face .safetensors files, trusting nothing in them.
 *
 * Format: an 8-byte little-endian header length N, then N bytes of JSON, then the data buffer.
 * The JSON maps tensor names to {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin,
 * end]} (offsets relative to the data buffer) plus an optional "__metadata__" object of strings.
 * safetensors_parse() validates everything before anyone reads tensor bytes: N against the buffer
 * size and a 100 MB cap, the JSON's types, known dtypes, non-negative shapes whose element count
 * does not overflow, begin <= end <= data size, end - begin == elements * dtype size, no two
 * tensors overlapping, no duplicate names. After a successful parse every tensor's bytes lie
 * inside the buffer, so readers need no further bounds checks.
 *
 * Natively the file is mmapped (weights page in on demand and can be discarded after packing);
 * under Emscripten file_map reads it into linear memory. Tensor data is not necessarily aligned:
 * read it with memcpy or the st_*_to_f32 converters, never by casting the pointer.
 */
#ifndef BRASS_MODEL_SAFETENSORS_H
#define BRASS_MODEL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "base/file.h"
#include "brass.h"

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u * 1000u * 1000u) /* the reference implementation's cap */

typedef enum st_dtype {
  ST_BOOL,
  ST_U8,
  ST_I8,
  ST_F8_E5M2,
  ST_F8_E4M3,
  ST_I16,
  ST_U16,
  ST_F16,
  ST_BF16,
  ST_I32,
  ST_U32,
  ST_F32,
  ST_F64,
  ST_I64,
  ST_U64,
  ST_DTYPE_COUNT
} st_dtype;

typedef struct st_tensor {
  char *name; /* owned */
  st_dtype dtype;
  int ndim; /* 0 .. ST_MAX_DIMS (0 = scalar) */
  int64_t shape[ST_MAX_DIMS];
  size_t numel;              /* product of shape (1 for a scalar) */
  size_t offset;             /* absolute byte offset of the data from the start of the file */
  size_t nbytes;             /* numel * st_dtype_size(dtype) */
  const unsigned char *data; /* base + offset: inside the parsed buffer */
} st_tensor;

typedef struct st_file {
  char *path; /* owned copy, for error messages */
  file_map map;
  st_tensor *tensors; /* sorted by name */
  int ntensors;
} st_file;

/* Name ("F32") and byte size of a dtype. */
const char *st_dtype_name(st_dtype d);
size_t st_dtype_size(st_dtype d);

/* Parses a whole safetensors image of size bytes. name is used in error messages. On success
 * *tensors (sorted by name, free with st_tensors_free) and *n are set; data pointers point into
 * `data`. Returns 0 or BRASS_EFORMAT / BRASS_EUNSUPPORTED (unknown dtype) / BRASS_ENOMEM. */
int safetensors_parse(const void *data, size_t size, const char *name, st_tensor **tensors, int *n,
                      brass_error *err);
void st_tensors_free(st_tensor *tensors, int n);

/* Maps and parses path. On failure f is left empty (safe to close). */
int safetensors_open(const char *path, st_file *f, brass_error *err);
void safetensors_close(st_file *f);

/* The tensor called name, or NULL. */
const st_tensor *safetensors_find(const st_file *f, const char *name);

/* Converts count elements of an F32, F16 or BF16 buffer (any alignment) to floats.
 * Returns 0, or -1 for any other dtype. */
int st_to_f32(st_dtype dtype, const void *src, size_t count, float *dst);

/* IEEE half and bfloat16 to float (exact; subnormals, infinities and NaNs included). */
float st_f16_to_f32(uint16_t h);
float st_bf16_to_f32(uint16_t h);

#endif
