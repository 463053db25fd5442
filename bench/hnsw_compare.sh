#!/usr/bin/env bash
# hnsw_compare.sh - the HNSW step of `make bench` (bench/run.sh, step 6), also runnable alone:
# brass against hnswlib (python3-hnswlib) and FAISS (python3-faiss, IndexHNSWFlat) on the same
# 8k x 384 clustered vectors and 300 queries (bench_hnsw writes them and the exact top 10, the peers
# read them), M 16, efConstruction 200: build at 1 and 2 threads, single-thread QPS at the first
# efSearch reaching recall@10 0.90 / 0.95 / 0.99, memory; brass also with BRASS_KERNEL=ref (its
# portable SSE2 inner product, the SIMD width of Debian's hnswlib), 1 thread. Prints a markdown
# table (bench/hnsw_peers.py --report). About 2 minutes on 2 cores, most of it FAISS's build
# (Debian's GENERIC build, mostly scalar). `make bench-hnsw` is the 100k run.
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
rm -rf "$DIR"/*.json "$DIR"/*.txt "$DIR/ref"
t0=$SECONDS
cat /proc/loadavg >"$DIR/loadavg-start.txt" 2>/dev/null || true
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
if cmake --build "$BUILD" -j"$(nproc)" --target bench_hnsw >/dev/null &&
  "$BUILD/bench/bench_hnsw" --dir "$DIR" "${COMMON[@]}" >"$DIR/brass.txt"; then
  BRASS_KERNEL=ref "$BUILD/bench/bench_hnsw" --dir "$DIR/ref" "${COMMON[@]}" --threads 1 \
    >"$DIR/brass-ref.txt" || say "bench_hnsw with BRASS_KERNEL=ref failed"
  # one process per peer (hnsw_peers.py forks them), so each RSS growth is its own
  $PY bench/hnsw_peers.py --dir "$DIR" --peers hnswlib,faiss --threads 1,2 "${SWEEP[@]}" \
    >"$DIR/peers.txt" || say "HNSW peers failed (see $DIR/peers.txt)"
else
  say "bench_hnsw failed (see $DIR/brass.txt)"
fi
cat /proc/loadavg >"$DIR/loadavg-end.txt" 2>/dev/null || true
$PY bench/hnsw_peers.py --dir "$DIR" --report --seconds $((SECONDS - t0))
