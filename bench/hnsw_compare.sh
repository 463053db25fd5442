#!/usr/bin/env bash
# hnsw_compare.sh - the HNSW step of `make bench` (bench/run.sh, step 6), also runnable alone:
# brass (float32 and int8 vectors) against hnswlib compiled here with -O3 -march=native
# (bench/hnswlib_native.cc on Debian's libhnswlib-dev header: the strict peer, float32 only, as
# hnswlib has no int8 space), hnswlib (python3-hnswlib) and FAISS (python3-faiss, IndexHNSWFlat) on
# the same 8k x 384 clustered vectors and 300 queries (bench_hnsw writes them and the exact top 10,
# the peers read them), M 16, efConstruction 200: build at 1 and 2 threads, single-thread QPS at
# the first efSearch reaching recall@10 0.90 / 0.95 / 0.99, memory; brass also with
# BRASS_KERNEL=ref (its portable SSE2 inner product, the SIMD width of Debian's hnswlib), 1 thread.
# Prints a markdown table (bench/hnsw_peers.py --report). About 3 minutes on 2 cores, most of it
# FAISS's build (Debian's GENERIC build, mostly scalar). `make bench-hnsw` is the 100k run.
#   BRASS_BUILD=build bash bench/hnsw_compare.sh [N]      (N vectors, default 8000)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BRASS_BUILD:-$PWD/build}
PY=/usr/bin/python3
N=${1:-8000}
DIR=$BUILD/bench/hnsw-$((N / 1000))k
EF=10,16,24,32,40,48,64,80,96,128,160,192,256,320,384,512,768
SWEEP=(--ef "$EF" --min-time 0.3 --stop-recall 0.99)
COMMON=(--n "$N" --nq 300 --rank 32 "${SWEEP[@]}")
say() { echo "bench: $*" >&2; }

mkdir -p "$DIR"
rm -rf "$DIR"/*.json "$DIR"/*.txt "$DIR/ref" "$DIR/int8"
t0=$SECONDS
cat /proc/loadavg >"$DIR/loadavg-start.txt" 2>/dev/null || true
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
if cmake --build "$BUILD" -j"$(nproc)" --target bench_hnsw >/dev/null &&
  "$BUILD/bench/bench_hnsw" --dir "$DIR" "${COMMON[@]}" >"$DIR/brass.txt"; then
  "$BUILD/bench/bench_hnsw" --dir "$DIR/int8" "${COMMON[@]}" --vectors int8 \
    >"$DIR/brass-int8.txt" || say "bench_hnsw --vectors int8 failed"
  BRASS_KERNEL=ref "$BUILD/bench/bench_hnsw" --dir "$DIR/ref" "${COMMON[@]}" --threads 1 \
    >"$DIR/brass-ref.txt" || say "bench_hnsw with BRASS_KERNEL=ref failed"
  if bash bench/hnswlib_native.sh "$BUILD/bench/hnswlib_native"; then
    "$BUILD/bench/hnswlib_native" --dir "$DIR" --threads 1,2 "${SWEEP[@]}" >"$DIR/hnswlib-native.txt" ||
      say "hnswlib_native failed (see $DIR/hnswlib-native.txt)"
  else
    say "hnswlib_native not built (apt-get install libhnswlib-dev g++)"
  fi
  # one process per peer (hnsw_peers.py forks them), so each RSS growth is its own
  $PY bench/hnsw_peers.py --dir "$DIR" --peers hnswlib,faiss --threads 1,2 "${SWEEP[@]}" \
    >"$DIR/peers.txt" || say "HNSW peers failed (see $DIR/peers.txt)"
else
  say "bench_hnsw failed (see $DIR/brass.txt)"
fi
cat /proc/loadavg >"$DIR/loadavg-end.txt" 2>/dev/null || true
$PY bench/hnsw_peers.py --dir "$DIR" --report --seconds $((SECONDS - t0))
