/*
 * pool.h - the process's thread pool: persistent pthread workers that split index ranges.
 *
 * Every parallel kernel in brass goes through pool_for(). The range [0, n) is cut into fixed
 * chunks of `grain` items; the chunk boundaries depend only on n and grain, never on the number of
 * threads, and each chunk is processed by exactly one thread. A kernel that writes each chunk's
 * result to its own place (and, for reductions, combines per-chunk partials in chunk order) gives
 * bit-identical results for any thread count.
 *
 * The caller takes part as worker 0, so a pool of 1 thread starts no threads at all. Workers spin
 * briefly after a job and then sleep on a condition variable. A pool_for() issued from inside a
 * running pool_for() (nesting) runs serially on the calling thread instead of deadlocking.
 * Under Emscripten the same code runs on Web Workers over SharedArrayBuffer.
 */
#ifndef BRASS_BASE_POOL_H
#define BRASS_BASE_POOL_H

#include <stddef.h>

typedef struct pool pool;

/* Processes items [begin, end) of the range; worker is 0..pool_threads()-1 and is stable for the
 * duration of the call, so it can index per-thread scratch buffers. */
typedef void (*pool_fn)(void *ctx, size_t begin, size_t end, int worker);

/* Creates a pool of nthreads threads including the caller (nthreads <= 0 means
 * pool_default_threads()). Returns NULL if threads cannot be created. */
pool *pool_create(int nthreads);
void pool_destroy(pool *p);
int pool_threads(const pool *p);

/* Runs fn over [0, n) in chunks of grain (grain 0 means 1) and returns when all are done.
 * p may be NULL, which runs everything on the caller. */
void pool_for(pool *p, size_t n, size_t grain, pool_fn fn, void *ctx);

/* $BRASS_THREADS if it is a positive integer, otherwise the number of online cores (>= 1). */
int pool_default_threads(void);

/* Upper bound on threads a pool accepts. */
#define POOL_MAX_THREADS 256

#endif
