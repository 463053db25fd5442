/*
 * brass.h - the public API of brass, a local-first hybrid search engine.
 *
 * This header is the only one a front end (CLI, server, WebAssembly exports) includes. It exposes
 * opaque handles and plain functions. Conventions:
 *   - Functions return 0 on success or a negative BRASS_E* code, and fill the caller's
 *     brass_error (if not NULL) with a one-line message naming the input and the problem.
 *   - Whoever allocates documents who frees: every *_open has a matching *_close.
 *   - Library code never exits or aborts on bad input.
 */
#ifndef BRASS_H
#define BRASS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BRASS_VERSION "0.1.0"

/* Error codes (negative return values). */
enum {
  BRASS_OK = 0,
  BRASS_EINVAL = -1,       /* invalid argument from the caller */
  BRASS_EIO = -2,          /* a file could not be opened, read or mapped */
  BRASS_ENOMEM = -3,       /* an allocation failed */
  BRASS_EFORMAT = -4,      /* a file is malformed (JSON, safetensors, vocabulary) */
  BRASS_EUNSUPPORTED = -5, /* a valid file that brass does not support (architecture, dtype) */
  BRASS_ERANGE = -6,       /* a value is out of its allowed range */
};

/* A message of at most BRASS_ERROR_MAX-1 bytes, one line, naming the input and the problem. */
#define BRASS_ERROR_MAX 512
typedef struct brass_error {
  int code;
  char message[BRASS_ERROR_MAX];
} brass_error;

/* Version string of the library ("0.1.0"). */
const char *brass_version(void);

/* Number of threads brass uses when asked for 0: $BRASS_THREADS if set to a positive integer,
 * otherwise the number of online cores. */
int brass_default_threads(void);

/* Name of the SGEMM micro-kernel chosen at start-up ("avx512", "avx2", "wasm-simd128", "ref"). */
const char *brass_kernel_name(void);

/* ---- Embedding models ---------------------------------------------------------------------- */

typedef struct brass_model brass_model;

typedef struct brass_model_options {
  int threads;              /* worker threads including the caller; 0 = brass_default_threads() */
  int max_seq_length;       /* 0 = the model's (sentence_bert_config.json, else config.json) */
  int batch_size;           /* texts per forward pass; 0 = 32 */
  const char *query_prefix; /* prepended to queries (NULL = the model's default, e.g. "query: ") */
  const char *passage_prefix; /* prepended to documents (NULL = the model's default) */
} brass_model_options;

/* What a text is, for models that embed queries and passages differently (e5). */
typedef enum brass_text_kind { BRASS_PASSAGE = 0, BRASS_QUERY = 1 } brass_text_kind;

/* Opens a Hugging Face model directory (config.json, model.safetensors, tokenizer.json or
 * vocab.txt, and the sentence-transformers files when present). opts may be NULL for defaults. */
int brass_model_open(const char *dir, const brass_model_options *opts, brass_model **out,
                     brass_error *err);
void brass_model_close(brass_model *model);

/* Embedding dimension, maximum sequence length (tokens, including [CLS] and [SEP]), threads. */
int brass_model_dim(const brass_model *model);
int brass_model_max_length(const brass_model *model);
int brass_model_threads(const brass_model *model);
/* A short description, e.g. "bert 6 layers, hidden 384, mean pooling, normalized". */
const char *brass_model_describe(const brass_model *model);

/* Embeds n UTF-8 texts (NUL-terminated) as passages; writes n * dim floats to out, row by row.
 * Empty texts are embedded like any other text. */
int brass_embed(brass_model *model, const char *const *texts, size_t n, float *out,
                brass_error *err);
/* The same with an explicit kind (the query or passage prefix is prepended). */
int brass_embed_as(brass_model *model, brass_text_kind kind, const char *const *texts, size_t n,
                   float *out, brass_error *err);

/* Tokenizes one text exactly as the model will see it ([CLS] ... [SEP], truncated to the max
 * length; no prefix is added). Writes at most cap ids and returns the number of ids (which may
 * exceed cap, in which case only cap were written), or a negative error code. */
int brass_tokenize(const brass_model *model, const char *text, int32_t *ids, int cap,
                   brass_error *err);

/* ---- Libraries: index folders into one SQLite file, search them -------------------------- */

typedef struct brass_library brass_library;

/* Opens (creating if needed) the library file at path. model_dir names an embedding model
 * folder; NULL uses the folder recorded in the library by an earlier `brass_index` with a model
 * (if it still exists), and otherwise opens the library keyword-only; "" opens no model at all. A
 * model different from the one the library was indexed with is refused with a message that says
 * what to do. mopts may be NULL. flags: BRASS_OPEN_EXISTING refuses to create a new library file.
 */
enum { BRASS_OPEN_EXISTING = 1 };
int brass_library_open(const char *path, const char *model_dir, const brass_model_options *mopts,
                       int flags, brass_library **out, brass_error *err);
void brass_library_close(brass_library *lib);
/* The library's model, or NULL when it is keyword-only. Owned by the library. */
brass_model *brass_library_model(const brass_library *lib);

typedef struct brass_library_info {
  int64_t sources, chunks, vectors;
  int64_t generation; /* ingest batches committed so far */
  int graph;          /* 0: no saved HNSW graph, 1: saved and current, 2: saved but stale */
  int schema_version;
  int64_t file_bytes;   /* the library file plus its WAL */
  char model_name[256]; /* "" when the library is keyword-only */
  int model_dim;
  char model_hash[65];
  char model_dir[1024]; /* folder recorded at indexing, "" if none */
  int model_open;       /* 1: this handle has the model open */
} brass_library_info;

/* Counts and the recorded model of the library. */
int brass_library_info_get(brass_library *lib, brass_library_info *out, brass_error *err);

typedef struct brass_index_options {
  int64_t max_file_bytes; /* files larger than this are skipped; 0 = 16 MiB */
  int chunk_tokens;       /* chunk size in model tokens; 0 = 256 (512 for models of > 512) */
  int batch_chunks;       /* chunks embedded and committed per transaction; 0 = 64 */
  /* NULL: sources are stored as absolute paths. Otherwise an absolute folder holding uploaded
   * copies (the browser build): files under it are stored by their path relative to it
   * ("notes/a.md"); the copies are transient, so a source whose file is missing is neither taken
   * as renamed nor dropped as vanished. */
  const char *root;
} brass_index_options;

typedef struct brass_index_summary {
  int64_t added, updated, unchanged, removed; /* sources */
  int64_t renamed;                            /* sources moved with their vectors (in added) */
  int64_t skipped;                            /* binary, too large or unreadable files */
  int64_t chunks_embedded, tokens;            /* in this run */
  double seconds;
} brass_index_summary;

typedef struct brass_index_progress {
  int64_t files_done, files_total;
  int64_t chunks_done, tokens_done;
  double seconds;
  const char *path; /* the file just handled, or a skip notice; NULL after a batch is embedded */
  const char *note; /* NULL, or why path was skipped */
} brass_index_progress;

typedef void (*brass_progress_fn)(void *ctx, const brass_index_progress *p);

/* Indexes n files or folders (recursing into folders; hidden entries, `.git`, binary files,
 * symlinked folders and files over the size limit are skipped). Unchanged files (same SHA-256)
 * are kept; changed ones are re-chunked and re-embedded; files that vanished from an indexed
 * folder are dropped. Every batch is committed in its own transaction. progress may be NULL. */
int brass_index(brass_library *lib, const char *const *paths, size_t n,
                const brass_index_options *opts, brass_index_summary *summary,
                brass_progress_fn progress, void *ctx, brass_error *err);

typedef struct brass_remove_summary {
  int64_t sources; /* sources removed */
  int64_t chunks;  /* their chunks (and vectors) */
} brass_remove_summary;

/* Removes indexed sources: a path names one source exactly, or a folder and every source under
 * it (paths are made absolute and normalised as brass_index stores them; they need not exist
 * any more; a relative path also matches sources stored relative to an index root as given).
 * Everything matched is deleted in one transaction; the HNSW graph then tombstones their vectors
 * (rebuilt past 30% tombstones) and is saved. matched, if not NULL, receives for each of the n
 * paths how many sources it matched (0: none; not an error here). */
int brass_remove(brass_library *lib, const char *const *paths, size_t n, int64_t *matched,
                 brass_remove_summary *summary, brass_error *err);

/* One source for brass_sources: its stored path, its size in bytes and its number of chunks. */
typedef struct brass_source_info {
  const char *source; /* valid only during the callback */
  int64_t bytes, chunks;
} brass_source_info;

/* Calls fn for every source in path order; fn's non-zero return stops and is returned. */
int brass_sources(brass_library *lib, int (*fn)(void *ctx, const brass_source_info *s), void *ctx,
                  brass_error *err);

/* One chunk for brass_source_chunks: its text and where it came from in the source. */
typedef struct brass_chunk_info {
  const char *text; /* text_len bytes, NUL-terminated; valid only during the callback */
  size_t text_len;
  int line_start, line_end; /* 1-based, inclusive */
  const char *heading;      /* heading path, "" when none */
} brass_chunk_info;

/* Calls fn for every chunk of the source stored under exactly this path, in order; returns 1 if
 * the source has chunks, 0 if none (unknown source), fn's non-zero return, or an error. */
int brass_source_chunks(brass_library *lib, const char *source,
                        int (*fn)(void *ctx, const brass_chunk_info *c), void *ctx,
                        brass_error *err);

/* Rebuilds the HNSW graph from the live vectors (dropping tombstones; skipped when the library's
 * model is not open), saves it, then VACUUMs the file. bytes_before/after (may be NULL) receive
 * the size of the library file plus its WAL. */
int brass_compact(brass_library *lib, int64_t *bytes_before, int64_t *bytes_after,
                  brass_error *err);

typedef enum brass_search_mode {
  BRASS_SEARCH_HYBRID = 0,
  BRASS_SEARCH_VECTOR = 1,
  BRASS_SEARCH_KEYWORD = 2
} brass_search_mode;

typedef struct brass_search_options {
  int k;                  /* documents to return; 0 = 10 */
  brass_search_mode mode; /* hybrid, vector or keyword (without a model: keyword) */
  int exact;              /* 1: brute-force vector search instead of HNSW */
  int rrf_k;              /* Reciprocal Rank Fusion constant; 0 = 60 */
  int candidates;         /* chunks taken from each list before fusion; 0 = max(50, 10 k) */
  int ef_search;         /* HNSW candidate list size; 0 = the default (192), raised to candidates */
  const char *mark_open; /* around query terms in snippets; NULL = "**" */
  const char *mark_close; /* NULL = "**" */
} brass_search_options;

typedef struct brass_result {
  int rank; /* 1.. */
  char *source;
  int line_start, line_end;
  char *heading; /* heading path, "" when none */
  double score;  /* hybrid: RRF score; vector: cosine similarity; keyword: BM25 */
  char *snippet; /* one line around the first query term, terms marked */
  char *text;    /* the chunk's full text */
  int64_t chunk_id;
} brass_result;

/* Every string in the results is valid UTF-8 (invalid sequences read as U+FFFD). */
typedef struct brass_results {
  char *query; /* the query searched for */
  brass_result *items;
  size_t count;
  brass_search_mode mode; /* the mode that ran (keyword when the library has no model) */
  const char *note;       /* NULL, or why the mode differs from the one asked for */
  double took_ms, embed_ms, vector_ms, keyword_ms, fuse_ms, fetch_ms;
} brass_results;

/* Searches the library: results grouped per source (its best chunk), best first. */
int brass_search(brass_library *lib, const char *query, const brass_search_options *opts,
                 brass_results **out, brass_error *err);
void brass_results_free(brass_results *r);
/* The results as one JSON object (the shape `brass search --json` prints: query, mode, note,
 * took_ms, timings {embed_ms, vector_ms, keyword_ms, fuse_ms, fetch_ms}, results [{rank, source,
 * line_start, line_end, heading, score, snippet, text}]). malloc'd; NULL when out of memory. */
char *brass_results_json(const brass_results *r);
/* A library's status as one JSON object (`brass status --json`: library, sources, chunks,
 * vectors, graph, generation, schema_version, bytes, model {name, dim, hash, dir, open} or null).
 * malloc'd; NULL when out of memory. */
char *brass_library_info_json(const brass_library_info *in, const char *library_path);
/* An index run's summary as one JSON object (`brass index --json`: added, updated, unchanged,
 * removed, renamed, skipped, chunks_embedded, tokens, seconds). malloc'd; NULL when out of memory.
 */
char *brass_index_summary_json(const brass_index_summary *sum);
/* "hybrid", "vector" or "keyword". */
const char *brass_search_mode_name(brass_search_mode mode);

#ifdef __cplusplus
}
#endif
#endif /* BRASS_H */
