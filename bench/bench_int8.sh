#!/usr/bin/env bash
# bench_int8.sh - int8 inference against ONNX Runtime's int8 (`make bench-int8`; bench/run.sh runs
# it after the f32 table): the same MiniLM-shaped model, texts and work as run.sh, four engines
# side by side in one run: brass f32, brass int8 (--dtype int8), onnxruntime-node f32, and
# onnxruntime-node int8 on the graph bench/quantize_onnx.py writes (quantize_dynamic(QInt8)'s
# rewrite; its vectors are checked against the float64 reference, cosine >= 0.99, before timing).
# Then bench_qgemm: each int8 kernel's integer peak and % of it on the model's GEMM shapes.
# Prints markdown (also build/bench/int8.md). BENCH_SECONDS (default 3) per configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BRASS_BUILD:-$ROOT/build}
OUT=$BUILD/bench
RES=$OUT/results-int8
PY=/usr/bin/python3
SECS=${BENCH_SECONDS:-3}
export NODE_PATH=$ROOT/node_modules${NODE_PATH:+:$NODE_PATH}
mkdir -p "$RES"
rm -f "$RES"/*
say() { echo "bench-int8: $*" >&2; }

[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target brass_cli bench_embed bench_qgemm >/dev/null
MODEL=$OUT/minilm
ONNX=$OUT/minilm.onnx
if [ ! -f "$MODEL/model.safetensors" ]; then
  $PY tests/oracle/make_model.py "$MODEL" --preset minilm --dtype f32 --seed 42
fi
[ -f "$ONNX" ] && [ "$ONNX" -nt "$MODEL/model.safetensors" ] || $PY bench/export_onnx.py "$MODEL" "$ONNX" >&2
Q8=$OUT/minilm-int8.onnx
if [ ! -f "$Q8" ] || [ "$ONNX" -nt "$Q8" ] || [ bench/quantize_onnx.py -nt "$Q8" ]; then
  $PY bench/quantize_onnx.py "$ONNX" "$Q8"
fi
SHORT=$OUT/texts-short.txt
REAL=$OUT/texts-real.txt
FIXED=$OUT/texts-fixed128.txt
[ -s "$SHORT" ] || apt-cache dumpavail | sed -n 's/^Description: //p' |
  awk 'NR % 37 == 0 && n < 512 { print; n++ }' >"$SHORT"
[ -s "$REAL" ] || $PY tests/model/make_texts.py --plain --count 256 --seed 3 >"$REAL"
[ -s "$FIXED" ] || $PY bench/fixed_texts.py "$MODEL" --tokens 128 --count 64 >"$FIXED"

cat /proc/loadavg >"$RES/loadavg-start.txt" 2>/dev/null || true
for t in 1 2; do
  for d in f32 int8; do
    for set in short real fixed128; do
      case $set in short) file=$SHORT ;; real) file=$REAL ;; fixed128) file=$FIXED ;; esac
      say "brass $d $set, $t thread(s)"
      "$BUILD/bench/bench_embed" --model "$MODEL" --texts "$file" --threads $t --batch 32 \
        --dtype $d --min-seconds "$SECS" >"$RES/brass-$d-$set-t$t.json"
    done
  done
  say "onnxruntime-node f32, $t thread(s)"
  node bench/ort_embed_bench.js --onnx "$ONNX" --model "$MODEL" --threads $t --batch 32 \
    --min-seconds "$SECS" --texts short="$SHORT" --texts real="$REAL" --texts fixed128="$FIXED" \
    >"$RES/ort-f32-t$t.json"
  say "onnxruntime-node int8, $t thread(s)"
  node bench/ort_embed_bench.js --onnx "$Q8" --model "$MODEL" --threads $t --batch 32 \
    --check "$ONNX.check.json" --min-cosine 0.99 --min-seconds "$SECS" --texts short="$SHORT" \
    --texts real="$REAL" --texts fixed128="$FIXED" >"$RES/ort-int8-t$t.json"
done
"$BUILD/bench/bench_qgemm" >"$RES/qgemm.txt" 2>&1 || say "bench_qgemm failed"
cat /proc/loadavg >"$RES/loadavg-end.txt" 2>/dev/null || true
$PY bench/int8_report.py "$OUT" | tee "$OUT/int8.md"
