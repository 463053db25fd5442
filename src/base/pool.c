/*
 * pool.c - persistent worker threads with a generation counter (see pool.h for the contract).
 *
 * One job runs at a time. pool_for() publishes the job (fn, ctx, chunk count), bumps `generation`
 * and wakes the workers; every thread then claims chunks with an atomic counter until none are
 * left. `busy` counts workers that have not yet finished the current generation; the caller waits
 * for it to reach zero before returning, so the job description is never reused while a worker
 * still reads it. Waiting spins for a short while (jobs in a forward pass come back to back) and
 * then sleeps on a condition variable, so idle pools cost no CPU.
 */
#include "base/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __EMSCRIPTEN__
#include <emscripten/threading.h>
#endif

/* Spin this many rounds before sleeping; only when every thread can have a core of its own
 * (spinning on an oversubscribed machine steals the core the awaited thread needs). The window
 * is meant to outlast the gap between back-to-back jobs of a forward pass (one GEMM task, tens of
 * microseconds): natively 4000 rounds of `pause` last about 90 us on this EPYC. WebAssembly has no
 * pause, so a round is a bare atomic load: 4000 rounds lasted 5 us in V8 (node 20), and a browser
 * pool's threads fell asleep, to be woken through Atomics.wait/notify, at nearly every barrier
 * (the int8 path has about 3x as many barriers as f32 and half the work per barrier). */
#ifdef __EMSCRIPTEN__
#define SPIN_ITERATIONS 100000 /* about 90 us in V8, as native */
#else
#define SPIN_ITERATIONS 4000
#endif
#define SPIN_YIELD_EVERY 256

typedef struct worker {
  struct pool *pool;
  int index;
} worker;

struct pool {
  int nthreads;
  int spin; /* rounds to spin before sleeping: SPIN_ITERATIONS or 0 */
  pthread_t *threads;
  worker *workers;
  pthread_mutex_t job_mu; /* one pool_for() at a time, whoever calls it */
  pthread_mutex_t mu;
  pthread_cond_t cv_work;
  pthread_cond_t cv_done;
  atomic_uint_fast64_t generation;
  atomic_int busy;
  atomic_int stop;
  /* the job of the current generation */
  pool_fn fn;
  void *ctx;
  size_t n, grain, nchunks;
  atomic_size_t next_chunk;
};

static _Thread_local int in_pool_job;

/* One round of a spin wait: a pause, and now and then a yield so a descheduled thread can run. */
static inline void spin_round(int round) {
  if (round % SPIN_YIELD_EVERY == SPIN_YIELD_EVERY - 1) {
    sched_yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void run_chunks(pool *p, int index) {
  in_pool_job = 1;
  for (;;) {
    size_t c = atomic_fetch_add_explicit(&p->next_chunk, 1, memory_order_relaxed);
    if (c >= p->nchunks) break;
    size_t begin = c * p->grain;
    size_t end = begin + p->grain < p->n ? begin + p->grain : p->n;
    p->fn(p->ctx, begin, end, index);
  }
  in_pool_job = 0;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pool *p = w->pool;
  uint_fast64_t seen = 0;
  for (;;) {
    uint_fast64_t g;
    int spins = 0;
    while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
           !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
      if (++spins < p->spin) {
        spin_round(spins);
        continue;
      }
      pthread_mutex_lock(&p->mu);
      while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop))
        pthread_cond_wait(&p->cv_work, &p->mu);
      pthread_mutex_unlock(&p->mu);
      break;
    }
    if (atomic_load(&p->stop)) break;
    seen = g;
    run_chunks(p, w->index);
    if (atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->cv_done);
      pthread_mutex_unlock(&p->mu);
    }
  }
  return NULL;
}

int pool_default_threads(void) {
  const char *env = getenv("BRASS_THREADS");
  if (env && *env) {
    char *end = NULL;
    long v = strtol(env, &end, 10);
    if (end && *end == '\0' && v > 0) return v > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)v;
  }
#ifdef __EMSCRIPTEN__
  long n = emscripten_num_logical_cores(); /* navigator.hardwareConcurrency, or node's os.cpus() */
#else
  long n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
  if (n < 1) n = 1;
  return n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n;
}

pool *pool_create(int nthreads) {
  if (nthreads <= 0) nthreads = pool_default_threads();
  if (nthreads > POOL_MAX_THREADS) nthreads = POOL_MAX_THREADS;
  pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->nthreads = nthreads;
#ifdef __EMSCRIPTEN__
  long cores = emscripten_num_logical_cores();
#else
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
#endif
  p->spin = nthreads <= cores ? SPIN_ITERATIONS : 0;
  pthread_mutex_init(&p->job_mu, NULL);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv_work, NULL);
  pthread_cond_init(&p->cv_done, NULL);
  atomic_init(&p->generation, 0);
  atomic_init(&p->busy, 0);
  atomic_init(&p->stop, 0);
  atomic_init(&p->next_chunk, 0);
  if (nthreads == 1) return p;
  p->threads = calloc((size_t)nthreads, sizeof *p->threads);
  p->workers = calloc((size_t)nthreads, sizeof *p->workers);
  if (!p->threads || !p->workers) {
    pool_destroy(p);
    return NULL;
  }
  for (int i = 1; i < nthreads; i++) {
    p->workers[i].pool = p;
    p->workers[i].index = i;
    if (pthread_create(&p->threads[i], NULL, worker_main, &p->workers[i]) != 0) {
      p->nthreads = i; /* destroy joins only the threads that exist */
      pool_destroy(p);
      return NULL;
    }
  }
  return p;
}

void pool_destroy(pool *p) {
  if (!p) return;
  if (p->threads) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
  }
  pthread_mutex_destroy(&p->job_mu);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv_work);
  pthread_cond_destroy(&p->cv_done);
  free(p->threads);
  free(p->workers);
  free(p);
}

int pool_threads(const pool *p) {
  return p ? p->nthreads : 1;
}

void pool_for(pool *p, size_t n, size_t grain, pool_fn fn, void *ctx) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  size_t nchunks = (n + grain - 1) / grain;
  if (!p || p->nthreads == 1 || nchunks == 1 || in_pool_job) {
    /* Same chunk boundaries as the parallel path, so results do not change. */
    for (size_t begin = 0; begin < n; begin += grain)
      fn(ctx, begin, begin + grain < n ? begin + grain : n, 0);
    return;
  }
  pthread_mutex_lock(&p->job_mu);
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->n = n;
  p->grain = grain;
  p->nchunks = nchunks;
  atomic_store_explicit(&p->next_chunk, 0, memory_order_relaxed);
  atomic_store_explicit(&p->busy, p->nthreads - 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
  pthread_cond_broadcast(&p->cv_work);
  pthread_mutex_unlock(&p->mu);

  run_chunks(p, 0);

  for (int spins = 0; atomic_load_explicit(&p->busy, memory_order_acquire) > 0; spins++) {
    if (spins < p->spin) {
      spin_round(spins);
      continue;
    }
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    break;
  }
  pthread_mutex_unlock(&p->job_mu);
}
