#!/usr/bin/env bash
# rerank_bench.sh - the rerank and static-model benchmarks (issue 14), peers measured in the same
# run on the same machine:
#   1. rerank: the top 20 chunks of ~256 tokens for one query with the
#      cross-encoder/ms-marco-MiniLM-L-6-v2 shape (random weights, real vocabulary) at N threads:
#      p50 / p90 latency of bench_rerank (brass) and of ONNX Runtime (onnxruntime-node) running
#      the same model exported by bench/export_onnx.py --cross-encoder; both engines' scores
#      must agree (max |diff| printed).
#   2. static vs transformer indexing: `brass index` of the same corpus with the potion-base-8M
#      shape (model2vec, 256 dims) and with the all-MiniLM-L6-v2 shape; tokens/s and the ratio.
#
#   bash bench/rerank_bench.sh [THREADS (default 2)] [RUNS (default 15)]
# Needs a built tree (make), /usr/bin/python3 with torch, node with onnxruntime-node.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
THREADS=${1:-2}
RUNS=${2:-15}
PY=/usr/bin/python3
BUILD=$ROOT/build
OUT=$BUILD/bench/rerank
mkdir -p "$OUT"
export NODE_PATH=$ROOT/node_modules${NODE_PATH:+:$NODE_PATH}
say() { echo "rerank_bench: $*" >&2; }

CE=$OUT/ce-minilm-l6
[ -f "$CE/model.safetensors" ] || $PY tests/oracle/make_model.py "$CE" --preset ce-minilm-l6 --seed 1 >/dev/null
[ -f "$OUT/ce.onnx" ] || { say "exporting ONNX"; $PY bench/export_onnx.py --cross-encoder "$CE" "$OUT/ce.onnx" >&2; }
# 20 passages of ~256 tokens: real Debian package descriptions, joined until ~135 words
$PY tests/model/make_texts.py --count 2000 --plain --seed 3 >"$OUT/descriptions.txt"
awk '
  BEGIN { print "how do I set up a firewall for my home network" }
  { buf = buf (buf ? " " : "") $0; if (split(buf, w, " ") >= 135) { print buf; buf = ""; n++ } }
  n == 20 { exit }' "$OUT/descriptions.txt" >"$OUT/pairs.txt"

# the int8 peer: the same graph quantized as quantize_dynamic does it (bench/quantize_onnx.py)
[ -f "$OUT/ce-int8.onnx" ] || $PY bench/quantize_onnx.py "$OUT/ce.onnx" "$OUT/ce-int8.onnx" >&2
for d in f32 int8; do
  sfx=$([ $d = f32 ] && echo "" || echo "-int8")
  say "rerank: brass $d at $THREADS threads"
  BRASS_DTYPE=$d BRASS_THREADS=$THREADS "$BUILD/bench/bench_rerank" --model "$CE" \
    --pairs "$OUT/pairs.txt" --threads "$THREADS" --runs "$RUNS" >"$OUT/brass$sfx.json"
  say "rerank: onnxruntime $d at $THREADS threads"
  node bench/ort_rerank_bench.js --onnx "$OUT/ce$sfx.onnx" --model "$CE" --pairs "$OUT/pairs.txt" \
    --threads "$THREADS" --runs "$RUNS" >"$OUT/ort$sfx.json"
done

# static vs transformer indexing on the same corpus (RERANK_ONLY=1 skips it, reusing old results)
if [ "${RERANK_ONLY:-0}" != 1 ]; then
M2V=$OUT/potion-shape MINI=$OUT/minilm
[ -f "$M2V/model.safetensors" ] || $PY tests/oracle/make_model.py "$M2V" --preset potion --seed 2 >/dev/null
[ -f "$MINI/model.safetensors" ] || $PY tests/oracle/make_model.py "$MINI" --preset minilm --seed 3 >/dev/null
rm -rf "$OUT/corpus" && mkdir -p "$OUT/corpus"
$PY tests/model/make_texts.py --count 3000 --plain --seed 9 | awk -v d="$OUT/corpus" '
  { buf = buf $0 "\n"; if (NR % 30 == 0) { print buf > (d "/doc" NR ".txt"); buf = "" } }'
for m in potion-shape minilm; do
  say "index: $m at $THREADS threads"
  rm -f "$OUT/lib-$m.db"*
  "$BUILD/brass" index --json --threads "$THREADS" --library "$OUT/lib-$m.db" --model "$OUT/$m" \
    "$OUT/corpus" 2>/dev/null >"$OUT/index-$m.json"
done
fi

$PY - "$OUT" "$THREADS" <<'PYEOF'
import json, os, sys
out, threads = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(os.path.join(out, name)))
b, o = load("brass.json"), load("ort.json")
bi, oi = load("brass-int8.json"), load("ort-int8.json")
diff = lambda x, y: max(abs(p - q) for p, q in zip(x["scores"], y["scores"]))
print("## rerank: %d pairs, %d tokens (MiniLM-L-6 cross-encoder shape), %s threads, load %s" %
      (b["pairs"], b["tokens"], threads, open("/proc/loadavg").read().split()[0]))
print("| engine | dtype | p50 ms | p90 ms | min ms | CPU ms per run (p50, all threads) |")
print("|---|---|---|---|---|---|")
for r, d in ((b, "f32"), (o, "f32"), (bi, "int8"), (oi, "int8")):
    print("| %s | %s | %.1f | %.1f | %.1f | %.1f |" % (r["engine"], d, r["p50_ms"], r["p90_ms"],
                                                    r["min_ms"], r["cpu_p50_ms"]))
for d, x, y in (("f32", b, o), ("int8", bi, oi)):
    print("%s: brass p50 / ORT p50 = %.2f; CPU per run brass / ORT = %.2f; max |score diff| = %.2g" %
          (d, x["p50_ms"] / y["p50_ms"], x["cpu_p50_ms"] / y["cpu_p50_ms"], diff(x, y)))
print("int8 vs f32 scores: max |diff| brass %.2g, ORT %.2g; brass int8 p50 %.1f ms (goal <= 300)" %
      (diff(bi, b), diff(oi, o), bi["p50_ms"]))
s = json.load(open(os.path.join(out, "index-potion-shape.json")))
m = json.load(open(os.path.join(out, "index-minilm.json")))
ts, tm = s["tokens"] / s["seconds"], m["tokens"] / m["seconds"]
print("## indexing the same corpus (%d chunks), %s threads" % (s["chunks_embedded"], threads))
print("| model | tokens | seconds | tokens/s |")
print("|---|---|---|---|")
print("| potion-base-8M shape (static) | %d | %.2f | %.0f |" % (s["tokens"], s["seconds"], ts))
print("| all-MiniLM-L6-v2 shape | %d | %.2f | %.0f |" % (m["tokens"], m["seconds"], tm))
print("static / transformer = %.0fx (goal >= 50x)" % (ts / tm))
PYEOF
