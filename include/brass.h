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

/* The PDF library built in ("poppler-glib 22.12.0"; a binary with it is GPL-2 as a whole), or NULL
 * when this build has no PDF support (CMake BRASS_PDF=OFF, or the WebAssembly engine, which gets
 * pages already extracted by pdf.js). */
const char *brass_pdf_support(void);

/* ---- Embedding models ---------------------------------------------------------------------- */

typedef struct brass_model brass_model;

typedef struct brass_model_options {
  int threads;              /* worker threads including the caller; 0 = brass_default_threads() */
  int max_seq_length;       /* 0 = the model's (sentence_bert_config.json, else config.json) */
  int batch_size;           /* texts per forward pass; 0 = 32 */
  const char *query_prefix; /* prepended to queries (NULL = the model's default, e.g. "query: ") */
  const char *passage_prefix; /* prepended to documents (NULL = the model's default) */
  int dtype; /* BRASS_DTYPE_*: how the Linear layers run; 0 = $BRASS_DTYPE, else the default */
} brass_model_options;

/* Inference precision of a model's Linear layers. INT8 quantizes the weights at load time (per
 * output channel) and each activation row when a layer runs, with int32 sums; attention,
 * LayerNorm and softmax stay f32. Vectors differ from F32's by about 0.1% (cosine >= 0.999). */
enum { BRASS_DTYPE_DEFAULT = 0, BRASS_DTYPE_F32 = 1, BRASS_DTYPE_INT8 = 2 };
/* The dtype F32 or INT8 for "f32" / "int8" (also "fp32", "float32", "q8"), or BRASS_EINVAL. */
int brass_dtype_parse(const char *name);
/* "f32" or "int8" ("default" for BRASS_DTYPE_DEFAULT, "unknown" otherwise). */
const char *brass_dtype_name(int dtype);
/* The dtype a model runs with (never BRASS_DTYPE_DEFAULT), or 0 for NULL. */
int brass_model_dtype(const brass_model *model);

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
/* 1 for a static embedding model (model2vec, StaticEmbedding: a mean of token rows, no encoder),
 * else 0: callers size their batches by it (embedding is almost free there, writing is not). */
int brass_model_is_static(const brass_model *model);
/* The chunk size in tokens that indexing with this model uses when none is given
 * (brass_index_options.chunk_tokens = 0): 256 tokens for every model, never
 * more than fits. *max_tokens (may be NULL): the largest chunk the model takes (larger settings are
 * cut to it). The CLI and the web app's setting follow it. */
int brass_model_chunk_tokens(const brass_model *model, int *max_tokens);

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

/* ---- Cross-encoders: score (query, passage) pairs for reranking ------------------------------ */

/* A BertForSequenceClassification folder with one label (cross-encoder/ms-marco-MiniLM-L-6-v2
 * and the like): config.json, model.safetensors, tokenizer.json or vocab.txt. */
typedef struct brass_reranker brass_reranker;

typedef struct brass_reranker_options {
  int threads;    /* worker threads including the caller; 0 = brass_default_threads() */
  int max_length; /* pair length in tokens; 0 = the tokenizer's limit (512 for ms-marco) */
  int dtype;      /* BRASS_DTYPE_*: the encoder's Linear layers in int8 or f32; 0 = $BRASS_DTYPE */
} brass_reranker_options;

/* Opens a cross-encoder folder; other architectures, two labels or a missing head are refused
 * with BRASS_EUNSUPPORTED / BRASS_EFORMAT and one line naming the file. opts may be NULL. */
int brass_reranker_open(const char *dir, const brass_reranker_options *opts, brass_reranker **out,
                        brass_error *err);
void brass_reranker_close(brass_reranker *r);
/* A short description, e.g. "bert cross-encoder 6 layers, hidden 384, ...". */
const char *brass_reranker_describe(const brass_reranker *r);
int brass_reranker_max_length(const brass_reranker *r);

/* Scores n pairs (queries[i], passages[i]): scores[i] is the model's raw logit (higher = more
 * relevant). A score depends only on its pair. */
int brass_rerank_pairs(brass_reranker *r, const char *const *queries, const char *const *passages,
                       size_t n, float *scores, brass_error *err);

/* The pair's ids and token types as the model sees them ([CLS] q [SEP] p [SEP], longest_first
 * truncation to the max length). Writes them only if they fit in cap; returns the length. */
int brass_tokenize_pair(const brass_reranker *r, const char *query, const char *passage,
                        int32_t *ids, uint8_t *types, int cap, brass_error *err);

/* ---- Libraries: index folders into one SQLite file, search them -------------------------- */

typedef struct brass_library brass_library;

/* Opens (creating if needed) the library file at path. model_dir names an embedding model
 * folder; NULL uses the folder recorded in the library by an earlier `brass_index` with a model
 * (if it still exists), and otherwise opens the library keyword-only; "" opens no model at all. A
 * model different from the one the library was indexed with is refused with a message that says
 * what to do. mopts may be NULL. flags: BRASS_OPEN_EXISTING refuses to create a new library file.
 */
enum { BRASS_OPEN_EXISTING = 1 };
/* flags: BRASS_OPEN_READ says the caller only reads (search, status): a library whose file or
 * folder is not writable is then opened read-only (docs/robustness.md) instead of refused with
 * the cause named. A new library is created only where its folder exists and is writable, and a
 * failed open removes the file it created. */
enum { BRASS_OPEN_READ = 2 };
int brass_library_open(const char *path, const char *model_dir, const brass_model_options *mopts,
                       int flags, brass_library **out, brass_error *err);
void brass_library_close(brass_library *lib);
/* How long lib waits for another process: a writing run (brass_index, brass_index_documents,
 * brass_remove, brass_compact) waits for another process's run on the same library to finish, and
 * any write waits for another process's transaction (e.g. a search saving its graph). Readers never
 * wait for writers (WAL). wait_seconds < 0: the default, 600; 0: fail at once ("the library is
 * locked by another process"). notice (may be NULL) is called once when a wait has lasted about a
 * second; what is "indexing" (another run) or "writing to" (another transaction). */
void brass_library_set_wait(brass_library *lib, int wait_seconds,
                            void (*notice)(void *ctx, const char *path, const char *what),
                            void *ctx);
/* Closes lib after a run that failed: when this handle created the library file and it still
 * holds no source, the file (and its -wal/-shm) is removed too, so a failed first run leaves no
 * empty library behind. Otherwise as brass_library_close. */
void brass_library_close_failed(brass_library *lib);
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
  char model_dir[1024];    /* folder recorded at indexing, "" if none */
  int model_open;          /* 1: this handle has the model open */
  int64_t partial_sources; /* sources whose interrupted batched writing the next index finishes */
  char model_dtype[8];     /* "f32" or "int8": the dtype it was indexed with; "" without a model */
  char vector_format[8];   /* how chunk vectors are stored: "int8", "f32", "" before the first */
} brass_library_info;

/* Counts and the recorded model of the library. */
int brass_library_info_get(brass_library *lib, brass_library_info *out, brass_error *err);

/* How a library's HNSW graph holds its chunk vectors: float32, or int8 codes with a scale per
 * vector (4x less search memory, a smaller library; the float32 vectors stay in the library and
 * re-rank the graph's candidates, so recall holds: numbers in docs/hnsw.md). */
enum { BRASS_VECTORS_DEFAULT = 0, BRASS_VECTORS_F32 = 1, BRASS_VECTORS_INT8 = 2 };

typedef struct brass_index_options {
  int64_t max_file_bytes; /* files larger than this are skipped; 0 = 16 MiB */
  int chunk_tokens;       /* chunk size in model tokens; 0 = 256 (or what fits) */
  int batch_chunks;       /* chunks embedded and committed per transaction; 0 = 64 */
  /* NULL: sources are stored as absolute paths. Otherwise an absolute folder holding uploaded
   * copies (the browser build): files under it are stored by their path relative to it
   * ("notes/a.md"); the copies are transient, so a source whose file is missing is neither taken
   * as renamed nor dropped as vanished. */
  const char *root;
  /* BRASS_VECTORS_DEFAULT: keep the library's format (a new library gets int8); F32 or INT8: use
   * that one (switching a library's format rebuilds its graph). */
  int vectors;
  /* 1: the files named in paths are not recorded as indexed by name (index --watch re-indexing
   * what changed: a later .gitignore or walk still decides about them); 0: they are, and a run
   * over a folder above them keeps them while they exist. */
  int not_explicit;
} brass_index_options;

typedef struct brass_index_summary {
  int64_t added, updated, unchanged, removed; /* sources */
  int64_t renamed;                            /* sources moved with their vectors (in added) */
  int64_t skipped;                            /* binary, too large or unreadable files */
  int64_t chunks_embedded, tokens;            /* in this run */
  double seconds;
  int64_t unreadable; /* files and folders that could not be read (in skipped; kept as indexed) */
  int64_t not_walked; /* folders deeper than the walk's depth limit (what is under them is kept) */
  int64_t resumed;    /* files whose interrupted batches were continued (in updated) */
} brass_index_summary;

typedef struct brass_index_progress {
  int64_t files_done, files_total;
  int64_t chunks_done, tokens_done;
  double seconds;
  const char *path; /* the file just handled, or a skip notice; NULL after a batch is embedded */
  const char *note; /* NULL, or why path was skipped */
  int event;        /* what this report is: BRASS_PROGRESS_* */
  /* BRASS_PROGRESS_FILE_PART: chunks of path committed so far / in all (a file written in several
   * batches); BRASS_PROGRESS_GRAPH: vectors added to the HNSW graph so far / to add */
  int64_t part_done, part_total;
} brass_index_progress;

enum {
  BRASS_PROGRESS_STEP = 0,   /* a file handled (path) or a batch committed (path NULL) */
  BRASS_PROGRESS_SKIPPED,    /* path skipped: note says why (binary, too large) */
  BRASS_PROGRESS_UNREADABLE, /* path could not be read: note says why; what was indexed is kept */
  BRASS_PROGRESS_REMOVED,    /* path was removed from the library: note says why */
  BRASS_PROGRESS_NOT_WALKED, /* folders past the depth limit: path is one, note says how many */
  BRASS_PROGRESS_FILE_PART,  /* a batch of a large file committed (part_done / part_total) */
  BRASS_PROGRESS_GRAPH,      /* building the HNSW graph (part_done / part_total vectors) */
};

typedef void (*brass_progress_fn)(void *ctx, const brass_index_progress *p);

/* Indexes n files or folders (recursing into folders; hidden entries, `.git`, binary files,
 * symlinked folders and files over the size limit are skipped). Unchanged files (same SHA-256)
 * are kept; changed ones are re-chunked and re-embedded; files that vanished from an indexed
 * folder are dropped. Every batch is committed in its own transaction. progress may be NULL. */
int brass_index(brass_library *lib, const char *const *paths, size_t n,
                const brass_index_options *opts, brass_index_summary *summary,
                brass_progress_fn progress, void *ctx, brass_error *err);

/* 1 if brass_index(root) would not take path: a component below root is hidden (starts with
 * '.') or matched by a .gitignore in root or a folder between; 0 if it would (whether or not the
 * file exists). For watchers deciding which changed files to index. */
int brass_index_skips(const char *root, const char *path);

/* ---- Crawling web sites (src/net/, docs/crawl.md; not in the WebAssembly build) ---- */

typedef struct brass_crawl_options {
  const char *const *allow_hosts; /* hosts besides the start URLs' origins (any port, http(s)) */
  size_t nallow_hosts;
  int max_depth;           /* links followed from a start URL (0: 5; -1: start URLs only) */
  int64_t max_pages;       /* page requests (0: 1000) */
  int64_t max_page_bytes;  /* body bytes per page (0: 8 MiB); larger pages are skipped */
  int64_t max_total_bytes; /* body bytes in all (0: 256 MiB); then the crawl stops */
  double timeout_s;        /* per request, connection included (0: 20 s) */
  int parallel;            /* requests in flight in all (0: 4) */
  int per_host;            /* requests in flight per origin (0: 2; 1 under a Crawl-delay) */
  double delay_s;          /* between request starts to one origin (< 0: 0.25 s; 0: none) */
} brass_crawl_options;

typedef struct brass_crawl_summary {
  int64_t fetched;        /* pages answered 200 */
  int64_t not_modified;   /* pages answered 304 (kept as indexed; in unchanged) */
  int64_t skipped_type;   /* pages of a type not indexed (images, archives, PDF, ...) */
  int64_t robots_refused; /* URLs robots.txt disallows */
  int64_t off_origin;     /* links and redirects to other origins (not followed) */
  int64_t errors;         /* network errors, timeouts, HTTP 4xx/5xx (kept as indexed) */
  int64_t gone;           /* pages answered 404 or 410 (removed when indexed) */
  int64_t too_large;      /* pages over max_page_bytes */
  int64_t duplicates;     /* pages whose canonical URL was already indexed in this run */
  int64_t not_fetched;    /* URLs left unvisited by the page or byte limit */
  int64_t bytes;          /* body bytes received */
} brass_crawl_summary;

/* Crawls from n http(s) URLs, breadth first, and indexes their pages as sources named by their
 * URLs (index options and summary as brass_index; a re-crawl sends conditional requests and
 * re-embeds nothing unchanged; 404/410 pages are removed; errors and limits keep what was
 * indexed). An invalid start URL fails with BRASS_EINVAL naming it. crawl may be NULL. */
int brass_crawl(brass_library *lib, const char *const *urls, size_t n,
                const brass_crawl_options *copts, const brass_index_options *opts,
                brass_index_summary *summary, brass_crawl_summary *crawl,
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

/* Narrows a search to some sources. Applied before the top-k cut of both the keyword and the
 * vector list, so a filtered search still returns k results when k matching chunks exist. A
 * source matches when every given part matches:
 *   paths: any of n_paths patterns. A pattern with '*', '?' or '[' is a glob ('*' also crosses
 *          '/'); one starting with '/' matches the whole stored path, any other matches the path
 *          or any tail of it after a '/' ("*.md", "docs/x*.txt"). Without glob characters it is a
 *          folder or file prefix: "/home/me/notes" matches that file or everything under that
 *          folder; a relative one ("notes", "src/engine") matches wherever those whole
 *          components appear in the path.
 *   types: comma-separated file extensions without the dot, case-insensitive ("md,py").
 *   since_ns / before_ns: the file's modification time recorded at indexing is >= since_ns /
 *          < before_ns (nanoseconds since the epoch; 0 = no bound). */
typedef struct brass_filter {
  const char *const *paths;
  size_t n_paths;
  const char *types; /* NULL or "" = any */
  int64_t since_ns, before_ns;
} brass_filter;

/* 1 if a source (stored path, modification time) passes the filter (NULL passes everything). */
int brass_filter_match(const brass_filter *f, const char *path, int64_t mtime_ns);
/* 1 if the filter restricts anything. */
int brass_filter_active(const brass_filter *f);
/* Parses a time for --since/--before: an ISO date "2024-05-01", a date and time
 * "2024-05-01T12:30[:00][Z]" (UTC), or an age before now_ns: a number and a unit s, m, h, d or w
 * ("7d", "12h"; now_ns 0 = the current time). Writes nanoseconds since the epoch. BRASS_EINVAL with
 * a message otherwise. */
int brass_parse_time(const char *text, int64_t now_ns, int64_t *out_ns, brass_error *err);

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

  brass_reranker *reranker; /* not NULL: rerank the fused top rerank_top with this model */
  int rerank_top;           /* 0 = BRASS_RERANK_TOP_DEFAULT (raised to k) */
  /* NULL = every source */
  const brass_filter *filter;
} brass_search_options;

/* Documents reranked by default: about 0.4 s for MiniLM-L-6 at 2 idle cores (docs/models.md). */
#define BRASS_RERANK_TOP_DEFAULT 20

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
  /* chunks the vector half could not see because they have no vector yet (indexed without a
   * model; the next `brass index` with the model embeds them); note says so when > 0 */
  int64_t unembedded;
  size_t reranked;  /* results scored by a cross-encoder (the first ones); 0 = none */
  double rerank_ms; /* time spent reranking (in took_ms) */
} brass_results;

/* Searches the library: results grouped per source (its best chunk), best first. */
int brass_search(brass_library *lib, const char *query, const brass_search_options *opts,
                 brass_results **out, brass_error *err);
void brass_results_free(brass_results *r);
/* Reranks the first top results of r (all if top is 0 or beyond the count) by r's query with
 * the cross-encoder: they are reordered by its logit (ties keep their order), score becomes the
 * logit, ranks are renumbered, reranked and rerank_ms (added to took_ms) are set; later results
 * keep their order after them. For `brass eval` and front ends that search first. */
int brass_results_rerank(brass_reranker *reranker, brass_results *r, size_t top, brass_error *err);
/* The results as one JSON object (the shape `brass search --json` prints: query, mode, note,
 * took_ms, timings {embed_ms, vector_ms, keyword_ms, fuse_ms, fetch_ms}, results [{rank, source,
 * line_start, line_end, heading, score, snippet, text}]). malloc'd; NULL when out of memory. */
char *brass_results_json(const brass_results *r);
/* A library's status as one JSON object (`brass status --json`: library, sources, chunks,
 * vectors, graph, generation, schema_version, bytes, vector_format ("int8", "f32" or null),
 * model {name, dim, hash, dir, open} or null).
 * malloc'd; NULL when out of memory. */
char *brass_library_info_json(const brass_library_info *in, const char *library_path);
/* An index run's summary as one JSON object (`brass index --json`: added, updated, unchanged,
 * removed, renamed, skipped, chunks_embedded, tokens, seconds). malloc'd; NULL when out of memory.
 */
char *brass_index_summary_json(const brass_index_summary *sum);
/* Lines of an indexed source, read from the file as it is now (brass_get). */
typedef struct brass_lines {
  char *source;             /* the stored path */
  int line_start, line_end; /* 1-based, inclusive; line_end < line_start when the file is empty */
  int total_lines;          /* lines in the file now */
  int changed;              /* 1: the file differs from what was indexed (size or SHA-256) */
  char *text;               /* the lines, each with its newline (valid UTF-8) */
} brass_lines;

/* Reads lines from..to (1-based, inclusive; 0 = first / last line; clamped to the file) of an
 * indexed source. source is a stored path, or a path that names one once made absolute. Paths
 * that are not indexed sources are refused (BRASS_EINVAL: the library only serves what it holds),
 * as is a source whose file became a symbolic link. */
int brass_get(brass_library *lib, const char *source, int from, int to, brass_lines *out,
              brass_error *err);
void brass_lines_free(brass_lines *l);
/* {"source", "line_start", "line_end", "total_lines", "changed", "text"}; malloc'd or NULL. */
char *brass_lines_json(const brass_lines *l);

/* "hybrid", "vector" or "keyword". */
const char *brass_search_mode_name(brass_search_mode mode);

/* ---- Indexing documents given in memory (BEIR corpora, feeds) ------------------------------ */

/* One document: stored as the source `name` (exactly, no path handling), its title a search
 * field of every chunk (FTS title column, and prefixed to each chunk's embedded text). */
typedef struct brass_document {
  const char *name;  /* source name, unique in the library */
  const char *title; /* NULL or "" for none */
  const char *text;  /* UTF-8 */
  size_t text_len;
} brass_document;

/* Adds or updates n documents (unchanged ones, by SHA-256 of title and text, are kept), in
 * batches like brass_index; progress reports count documents as files. */
int brass_index_documents(brass_library *lib, const brass_document *docs, size_t n,
                          const brass_index_options *opts, brass_index_summary *summary,
                          brass_progress_fn progress, void *ctx, brass_error *err);

/* ---- Evaluation: ranking quality on judged queries (eval.c, eval_metrics.c, docs/eval.md) --- */

/* Metrics with trec_eval's definitions (graded relevance: a judgment's grade is its gain, a
 * document is relevant when its grade >= 1): ndcg_cut.k, recip_rank cut at k, map_cut.k,
 * recall.k and recall.100. */
enum {
  BRASS_EVAL_NDCG = 0,
  BRASS_EVAL_MRR,
  BRASS_EVAL_MAP,
  BRASS_EVAL_RECALL,
  BRASS_EVAL_RECALL100,
  BRASS_EVAL_METRICS
};
/* "ndcg@10", "mrr@10", "map@10", "recall@10", "recall@100" for k = 10 (written into buf). */
const char *brass_eval_metric_label(int metric, int k, char *buf, size_t cap);

typedef struct brass_judgment {
  const char *doc; /* corpus id */
  int grade;       /* 0 = judged not relevant */
} brass_judgment;

/* Scores one ranking (corpus ids, best first; a repeated id counts at its first rank only)
 * against the judgments of its query, at cutoff k (>= 1). out receives BRASS_EVAL_METRICS values;
 * all are 0 when no judgment has grade >= 1. */
void brass_eval_score(const char *const *ranking, size_t n, const brass_judgment *j, size_t nj,
                      int k, double out[BRASS_EVAL_METRICS]);

/* Percentile bootstrap over queries (resamples >= 1, seed fixed: the same numbers every run).
 * With y == NULL: the mean of x and its 95% interval. With y: the paired difference mean(x - y),
 * its 95% interval, and in *p (may be NULL) the two-sided bootstrap p-value. */
void brass_eval_bootstrap(const double *x, const double *y, size_t n, int resamples, uint64_t seed,
                          double *mean, double *lo, double *hi, double *p);

/* An evaluation set: queries with graded judgments, and optionally a BEIR corpus. */
typedef struct brass_eval brass_eval;
/* dataset: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv); or NULL with queries (a
 * queries.jsonl) and qrels (BEIR tsv `query-id corpus-id score` with or without its header, or
 * TREC `qid 0 docid grade`). Only queries with at least one judgment of grade >= 1 are kept. */
int brass_eval_open(const char *dataset, const char *queries, const char *qrels, brass_eval **out,
                    brass_error *err);
void brass_eval_close(brass_eval *ev);
size_t brass_eval_count(const brass_eval *ev);
const char *brass_eval_query_id(const brass_eval *ev, size_t i);
const char *brass_eval_query_text(const brass_eval *ev, size_t i);
/* 1 when the set came with a corpus (a BEIR folder). */
int brass_eval_has_corpus(const brass_eval *ev);
/* Indexes the BEIR corpus into lib, each document the source named by its _id, titles as a
 * field (brass_index_documents). */
int brass_eval_index(brass_eval *ev, brass_library *lib, const brass_index_options *opts,
                     brass_index_summary *summary, brass_progress_fn progress, void *ctx,
                     brass_error *err);
/* Searches query i with o (o->k results) and maps the result sources to corpus ids: a source is
 * a judged id when its path equals it or ends with "/" + id, with or without the path's file
 * extension; other sources keep their path. *ranking: heap array of heap strings, best first,
 * each id once (free with brass_eval_ranking_free). */
int brass_eval_search(brass_eval *ev, brass_library *lib, size_t i, const brass_search_options *o,
                      char ***ranking, size_t *n, brass_error *err);
void brass_eval_ranking_free(char **ranking, size_t n);
/* brass_eval_score of a ranking for query i. */
void brass_eval_judge(const brass_eval *ev, size_t i, const char *const *ranking, size_t n, int k,
                      double out[BRASS_EVAL_METRICS]);
/* Query i's index for a query id, or -1. */
long brass_eval_find(const brass_eval *ev, const char *query_id);

#ifdef __cplusplus
}
#endif
#endif /* BRASS_H */
