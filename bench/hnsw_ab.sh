#!/usr/bin/env bash
# hnsw_ab.sh DIR ROUNDS EFS [--vectors int8] -- BIN... : interleaved search timings of several
# bench_hnsw builds (e.g. a copy from before a change and the current one) on ONE saved graph, so
# that load drift on a shared machine cancels (A/B/A/B). The name `native` runs
# build/bench/hnswlib_native on its own saved graph. DIR holds base.f32 and queries.f32 (from an
# earlier bench_hnsw run); the graphs are built once into DIR/brass-<vectors>.idx and
# DIR/native.idx (bench_hnsw/hnswlib_native --index) and reused. Prints, per run, each efSearch's
# recall, mean QPS per thread-CPU-second and that of the fastest pass, and the load average. Name a
# bench_hnsw build first: its first run writes the exact top 10 and meta.json that native reads.
#   bash bench/hnsw_ab.sh build/bench-hnsw 3 48,64,96 -- /tmp/bench_hnsw.old build/bench/bench_hnsw native
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$1 ROUNDS=$2 EFS=$3
shift 3
VEC=f32
if [ "${1:-}" = --vectors ]; then VEC=$2; shift 2; fi
[ "${1:-}" = -- ] && shift
mkdir -p "$DIR/ab-$VEC"
report() {
  /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
print('%s %-28s' % (sys.argv[2], sys.argv[3]), ' | '.join('ef %d recall %.4f cpu %5.0f best %5.0f' % (
    s['ef'], s['recall'], s['cpu_qps'], s['best_cpu_qps']) for s in d['search']),
    '| load', open('/proc/loadavg').read().split()[0])" "$@"
}
for r in $(seq 1 "$ROUNDS"); do
  for b in "$@"; do
    if [ "$b" = native ]; then
      build/bench/hnswlib_native --dir "$DIR/ab-$VEC" --index "$DIR/native.idx" --ef "$EFS" \
        --threads 2 --min-time 1 >/dev/null
      report "$DIR/ab-$VEC/hnswlib-native.json" "$r" native
    else
      "$b" --dir "$DIR/ab-$VEC" --data "$DIR/base.f32" --queries "$DIR/queries.f32" \
        --index "$DIR/brass-$VEC.idx" --vectors "$VEC" --ef "$EFS" --threads 2 --min-time 1 >/dev/null
      report "$DIR/ab-$VEC/brass.json" "$r" "$b"
    fi
  done
done
