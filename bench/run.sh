#!/usr/bin/env bash
# run.sh - `make bench`: brass against ONNX Runtime on the same MiniLM-shaped model, same texts,
# same work (texts -> tokens -> normalised sentence embeddings), at 1 and 2 threads, in one run.
#
#   1. builds brass and the bench programs (build/, or $BRASS_BUILD);
#   2. generates the all-MiniLM-L6-v2-shaped random model into build/bench/minilm, exports it to
#      ONNX (bench/export_onnx.py), writes the texts: 512 Debian package synopses, 256 real
#      Debian package descriptions and 64 texts of exactly 128 tokens;
#   3. runs bench_embed (brass) and ort_embed_bench.js (onnxruntime-node) at 1 and 2 threads,
#      bench_gemm (kernel peak and GEMM efficiency) when built, and the WebAssembly CLI in node
#      when build-wasm/brass.js can embed;
#   4. prints a markdown table (also written to build/bench/results.md) for the README;
#   5. bench/bench_e2e.sh: indexes the Python 3.11 docs (python3.11-doc) with the same model and
#      times hybrid search in process (bench_search), appending its rows to results.md. The
#      library is cached under build/bench/e2e/: the first run indexes for about 5 minutes on 2
#      idle cores, later runs only search (under a minute).
#   6. HNSW: brass vs hnswlib vs FAISS on 8k x 384 vectors (about 2 minutes; BENCH_HNSW=0 skips).
#   7. MCP search round trip on 10k chunks and filtered HNSW search (BENCH_MCP=0 skips).
# BENCH_SECONDS (default 3) is the minimum measuring time per configuration. About 3-5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BRASS_BUILD:-$ROOT/build}
OUT=$BUILD/bench
RES=$OUT/results
PY=/usr/bin/python3
SECS=${BENCH_SECONDS:-3}
export NODE_PATH=$ROOT/node_modules${NODE_PATH:+:$NODE_PATH}
mkdir -p "$RES"
rm -f "$RES"/*

say() { echo "bench: $*" >&2; }

# 1. build
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
targets=(brass_cli bench_embed)
[ -f bench/bench_gemm.c ] && targets+=(bench_gemm)
cmake --build "$BUILD" -j"$(nproc)" --target "${targets[@]}" >/dev/null

# 2. model, ONNX export, texts (regenerated when the generator is newer)
MODEL=$OUT/minilm
if [ ! -f "$MODEL/model.safetensors" ] || [ tests/oracle/make_model.py -nt "$MODEL/model.safetensors" ]; then
  say "generating the MiniLM-shaped model"
  rm -rf "$MODEL"
  $PY tests/oracle/make_model.py "$MODEL" --preset minilm --dtype f32 --seed 42
fi
ONNX=$OUT/minilm.onnx
if [ ! -f "$ONNX" ] || [ "$MODEL/model.safetensors" -nt "$ONNX" ] ||
  [ bench/export_onnx.py -nt "$ONNX" ] || [ tests/oracle/torch_bert.py -nt "$ONNX" ]; then
  say "exporting ONNX"
  $PY bench/export_onnx.py "$MODEL" "$ONNX" >&2
fi
SHORT=$OUT/texts-short.txt
REAL=$OUT/texts-real.txt
FIXED=$OUT/texts-fixed128.txt
# short: one-line package synopses (about 12 tokens each), every 37th of the archive's
apt-cache dumpavail | sed -n 's/^Description: //p' | awk 'NR % 37 == 0 && n < 512 { print; n++ }' >"$SHORT"
$PY tests/model/make_texts.py --plain --count 256 --seed 3 >"$REAL"
$PY bench/fixed_texts.py "$MODEL" --tokens 128 --count 64 >"$FIXED"

# 3. measurements, one process per configuration (peak RSS is per process)
cat /proc/loadavg >"$RES/loadavg-start.txt" 2>/dev/null || true
for t in 1 2; do
  for set in short real fixed128; do
    case $set in short) file=$SHORT ;; real) file=$REAL ;; fixed128) file=$FIXED ;; esac
    say "brass $set, $t thread(s)"
    "$BUILD/bench/bench_embed" --model "$MODEL" --texts "$file" --threads $t --batch 32 \
      --min-seconds "$SECS" >"$RES/brass-$set-t$t.json"
  done
  say "onnxruntime-node, $t thread(s)"
  node bench/ort_embed_bench.js --onnx "$ONNX" --model "$MODEL" --threads $t --batch 32 \
    --min-seconds "$SECS" --texts short="$SHORT" --texts real="$REAL" --texts fixed128="$FIXED" >"$RES/ort-t$t.json"
done

if [ -x "$BUILD/bench/bench_gemm" ]; then
  say "bench_gemm"
  "$BUILD/bench/bench_gemm" >"$RES/gemm.txt" 2>&1 || say "bench_gemm failed (see $RES/gemm.txt)"
fi

# WebAssembly: the node CLI embeds the real texts (bench/wasm_bench.py subtracts model loading and
# checks the vectors against native). Skipped when build-wasm/brass.js is missing or cannot embed.
WASM=${BRASS_WASM:-$ROOT/build-wasm/brass.js}
if [ -f "$WASM" ] && head -1 "$REAL" >"$OUT/one.txt" &&
  node --no-experimental-fetch "$WASM" embed --model "$MODEL" --threads 1 <"$OUT/one.txt" \
    >"$OUT/one.vec" 2>/dev/null && grep -q '^\[' "$OUT/one.vec"; then
  for t in 1 2; do
    say "WebAssembly in node, $t thread(s)"
    $PY bench/wasm_bench.py "$WASM" "$BUILD/brass" "$MODEL" "$REAL" $t >"$RES/wasm-t$t.json" ||
      say "WebAssembly run failed"
  done
else
  say "no runnable build-wasm/brass.js with 'embed' (make wasm): WebAssembly skipped"
fi
# Browser: brass's web build (web/dist, `make wasm`) against ONNX Runtime Web in headless Chromium
# (bench/web/run_web_bench.mjs); skipped when either is missing. Its table goes after the main one.
WEB_SUMMARY=$OUT/web-summary.txt
rm -f "$WEB_SUMMARY"
if [ -f web/dist/engine-worker.js ] && [ -x "${BRASS_CHROMIUM:-/usr/bin/chromium}" ]; then
  say "browser: brass web vs onnxruntime-web"
  node bench/web/run_web_bench.mjs --brass "$BUILD/brass" --model "$MODEL" --onnx "$ONNX" --texts "$SHORT" \
    --min-seconds "$SECS" --out "$RES/web.json" >"$WEB_SUMMARY" || say "browser benchmark failed"
else
  say "no web/dist (make wasm) or no Chromium: browser benchmark skipped"
fi
# Browser rerank (20 pairs, MiniLM-L-6 cross-encoder shape, f32/int8, N and 1 threads) and static
# vs MiniLM indexing through the app's engine worker, native numbers beside (issue 14;
# bench/web/run_web_rerank.mjs, a few minutes). BENCH_WEB_RERANK=0 skips it.
if [ "${BENCH_WEB_RERANK:-1}" != 0 ] && [ -f web/dist/engine-worker.js ] &&
  [ -x "${BRASS_CHROMIUM:-/usr/bin/chromium}" ]; then
  say "browser: rerank and static-model indexing"
  { echo; BRASS=$BUILD/brass BRASS_BUILD=$BUILD node bench/web/run_web_rerank.mjs --out "$RES/web-rerank.json"; } \
    >>"$WEB_SUMMARY" || say "browser rerank benchmark failed"
fi
cat /proc/loadavg >"$RES/loadavg-end.txt" 2>/dev/null || true

# 4. the table
$PY bench/report.py "$OUT" | tee "$OUT/results.md"
if [ -s "$WEB_SUMMARY" ]; then
  { echo; sed 's/^/    /' "$WEB_SUMMARY"; } | tee -a "$OUT/results.md"
fi

# int8: brass int8 vs ONNX Runtime int8 (bench/bench_int8.sh; BENCH_INT8=0 skips)
if [ "${BENCH_INT8:-1}" != 0 ]; then
  { echo; BRASS_BUILD=$BUILD bash bench/bench_int8.sh; } | tee -a "$OUT/results.md" ||
    say "int8 step failed"
fi

# 5. end to end: index the Python docs (cached) and time searches in one process
BRASS_BUILD=$BUILD bash bench/bench_e2e.sh | tee -a "$OUT/results.md"

# 5b. search quality: keyword mode against plain FTS5 BM25 on the evaluation sets (bench/eval/,
# about 5 minutes the first time). BENCH_EVAL=0 skips this step.
if [ "${BENCH_EVAL:-1}" != 0 ]; then
  say "search quality: brass keyword vs FTS5 porter BM25 (bench/eval)"
  BRASS_BUILD=$BUILD bash bench/eval/run_eval.sh | tee -a "$OUT/results.md" || say "eval step failed"
fi

# 6. HNSW: brass against hnswlib and FAISS on 8k x 384 vectors (bench/hnsw_compare.sh, about 2
# minutes; `make bench-hnsw` is the 100k run). BENCH_HNSW=0 skips this step.
if [ "${BENCH_HNSW:-1}" != 0 ]; then
  say "HNSW: brass vs hnswlib vs FAISS (8k x 384)"
  { echo; BRASS_BUILD=$BUILD bash bench/hnsw_compare.sh; } | tee -a "$OUT/results.md" ||
    say "HNSW step failed"
fi

# 7. JinaBERT v2 (jina-embeddings-v2-small-en's shape) against ONNX Runtime at 128 and 2,048
# tokens, and its time per token up to 8,192 tokens (bench/jina_bench.sh, a few minutes).
# BENCH_JINA=0 skips this step.
if [ "${BENCH_JINA:-1}" != 0 ]; then
  say "JinaBERT v2: brass vs onnxruntime-node"
  { echo; BRASS_BUILD=$BUILD bash bench/jina_bench.sh; } | tee -a "$OUT/results.md" ||
    say "JinaBERT step failed"
fi
# 8. MCP: search round trips through the official SDK client over stdio and HTTP on a 10k-chunk
# library (bench/bench_mcp.sh; the library is cached, its first build indexes for a few minutes),
# and filtered vector search: graph walk vs exact over the allowed set (bench_filter).
# BENCH_MCP=0 skips this step.
if [ "${BENCH_MCP:-1}" != 0 ]; then
  say "MCP round trip and filtered search"
  { echo; BRASS_BUILD=$BUILD bash bench/bench_mcp.sh; } | tee -a "$OUT/results.md" || say "MCP step failed"
  cmake --build "$BUILD" --target bench_filter >/dev/null &&
    { echo; "$BUILD/bench/bench_filter" 30000 128 100; } | tee -a "$OUT/results.md" || say "filter step failed"
fi
# 9. soak (issue 10): kill -9 of an indexer at random moments for SOAK_SECONDS (default 30
# minutes) while searches and /api/search run, then integrity, counts and graph checks
# (bench/soak.sh; `make soak` runs it alone). BENCH_SOAK=0 skips this step.
if [ "${BENCH_SOAK:-1}" != 0 ]; then
  say "soak: kill -9 while indexing, searching and serving (${SOAK_SECONDS:-1800} s)"
  { echo; BRASS_BUILD=$BUILD bash bench/soak.sh; } | tee -a "$OUT/results.md" || say "soak failed"
fi
