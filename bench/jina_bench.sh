#!/usr/bin/env bash
# jina_bench.sh - JinaBERT v2 (jina-embeddings-v2-small-en's shape: 4 layers, hidden 512, 8 heads,
# intermediate 2048, 30,528 tokens, F16 weights) in brass against ONNX Runtime (onnxruntime-node)
# on the same weights: tests/oracle/torch_jina.py's JinaEmbedder exported to ONNX in float32 by
# bench/export_onnx.py (ALiBi and GEGLU in the graph; ORT fuses no attention for it). Texts of
# exactly 128 tokens (64 of them) and 2,048 tokens (4), at 1 and 2 threads, f32 compute on both
# sides, then int8 on both sides (brass --dtype int8; ORT on the graph bench/quantize_onnx.py
# writes, quantize_dynamic(QInt8)'s rewrite, its vectors checked against the float64 reference
# first); then brass alone on one text of 512 .. 8,192 tokens (time per token, peak RSS).
# Prints a markdown table; run by bench/run.sh (BENCH_JINA=0 skips it) or alone:
#   BRASS_BUILD=build bash bench/jina_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BRASS_BUILD:-$ROOT/build}
OUT=$BUILD/bench/jina
PY=/usr/bin/python3
SECS=${BENCH_SECONDS:-3}
export NODE_PATH=$ROOT/node_modules${NODE_PATH:+:$NODE_PATH}
mkdir -p "$OUT"
say() { echo "jina bench: $*" >&2; }

[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target bench_embed >/dev/null
MODEL=$OUT/jina-small
if [ ! -f "$MODEL/model.safetensors" ] || [ tests/oracle/make_model.py -nt "$MODEL/model.safetensors" ]; then
  say "generating the jina-small-shaped model"
  rm -rf "$MODEL"
  $PY tests/oracle/make_model.py "$MODEL" --preset jina-small --dtype f16 --seed 42 >/dev/null
fi
ONNX=$OUT/jina-small.onnx
if [ ! -f "$ONNX" ] || [ "$MODEL/model.safetensors" -nt "$ONNX" ] ||
  [ bench/export_onnx.py -nt "$ONNX" ] || [ tests/oracle/torch_jina.py -nt "$ONNX" ]; then
  say "exporting ONNX"
  $PY bench/export_onnx.py "$MODEL" "$ONNX" >&2
fi
Q8=$OUT/jina-small-int8.onnx
if [ ! -f "$Q8" ] || [ "$ONNX" -nt "$Q8" ] || [ bench/quantize_onnx.py -nt "$Q8" ]; then
  $PY bench/quantize_onnx.py "$ONNX" "$Q8" >&2
fi
for n in 128 2048; do
  c=64
  [ $n = 2048 ] && c=4
  $PY bench/fixed_texts.py "$MODEL" --tokens $n --count $c >"$OUT/fixed$n.txt"
done
for n in 512 1024 2048 4096 8192; do
  $PY bench/fixed_texts.py "$MODEL" --tokens $n --count 1 --seed 9 >"$OUT/one$n.txt"
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
for t in 1 2; do
  for d in f32 int8; do
    sfx=$([ $d = f32 ] && echo "" || echo "-int8")
    for n in 128 2048; do
      say "brass $d fixed$n, $t thread(s)"
      "$BUILD/bench/bench_embed" --model "$MODEL" --texts "$OUT/fixed$n.txt" --threads $t \
        --batch 32 --dtype $d --min-seconds "$SECS" >"$OUT/brass$sfx-$n-t$t.json"
    done
    say "onnxruntime-node $d, $t thread(s)"
    onnx=$ONNX check=()
    # the random-weight Jina model amplifies quantization error: ORT's per-tensor int8 reaches
    # cosine ~0.979 to the float64 reference (per-channel weights: the same), brass int8 ~0.997
    # to its f32; 0.97 still tells a faithful peer from a broken graph
    [ $d = int8 ] && onnx=$Q8 check=(--check "$ONNX.check.json" --min-cosine 0.97)
    node bench/ort_embed_bench.js --onnx "$onnx" --model "$MODEL" --threads $t --batch 32 \
      "${check[@]}" --min-seconds "$SECS" --texts fixed128="$OUT/fixed128.txt" \
      --texts fixed2048="$OUT/fixed2048.txt" >"$OUT/ort$sfx-t$t.json"
  done
done
for n in 512 1024 2048 4096 8192; do
  say "brass one text of $n tokens"
  "$BUILD/bench/bench_embed" --model "$MODEL" --texts "$OUT/one$n.txt" --threads 1 \
    --min-seconds 0 >"$OUT/long-$n.json"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

$PY - "$OUT" "$load_start" "$load_end" <<'PY'
import json, os, sys
out, l0, l1 = sys.argv[1:4]
def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)
print("JinaBERT v2, jina-embeddings-v2-small-en shape (random F16 weights), f32 compute; "
      "tokens/s (tokens per CPU-second in brackets); load average %s -> %s" % (l0, l1))
print()
print("| texts | threads | dtype | brass tok/s | ORT tok/s | brass / ORT |")
print("| --- | --- | --- | --- | --- | --- |")
for sfx, d in (("", "f32"), ("-int8", "int8")):
    for t in (1, 2):
        ort = load("ort%s-t%d.json" % (sfx, t))
        for n in (128, 2048):
            b = load("brass%s-%d-t%d.json" % (sfx, n, t))
            o = ort["results"]["fixed%d" % n]
            print("| %d x %d tokens | %d | %s | %.0f (%.0f) | %.0f (%.0f) | %.2fx (%.2fx per CPU-s) |"
                  % (64 if n == 128 else 4, n, t, d, b["tokens_per_s"], b["tokens_per_cpu_s"],
                     o["tokens_per_s"], o["tokens_per_cpu_s"], b["tokens_per_s"] / o["tokens_per_s"],
                     b["tokens_per_cpu_s"] / o["tokens_per_cpu_s"]))
print()
print("| one text of | ms per token (CPU) | x the 512-token cost | peak RSS |")
print("| --- | --- | --- | --- |")
base = None
for n in (512, 1024, 2048, 4096, 8192):
    d = load("long-%d.json" % n)
    ms = 1000.0 / d["tokens_per_cpu_s"]
    base = base or ms
    print("| %d tokens | %.3f | %.2f | %.0f MB |" % (n, ms, ms / base, d["peak_rss_kb"] / 1024))
PY
