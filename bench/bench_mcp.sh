#!/usr/bin/env bash
# bench_mcp.sh - MCP search round trip on a 10k-chunk library (goal of issue 15: p50 <= 30 ms).
# Builds (once, cached in build/bench/mcp/) a library of about 10,000 chunks: 1,250 generated
# markdown files of 8 paragraphs, indexed with the MiniLM-shaped model (make_model.py --preset
# minilm, random weights: the same work per token as all-MiniLM-L6-v2) at 32 tokens per chunk.
# Then bench/mcp_roundtrip.mjs times 200 searches through the official MCP SDK client over stdio
# and over HTTP, next to brass's in-process search time. Indexing takes a few minutes on 2 cores
# the first time; the timing itself under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BRASS_BUILD:-$ROOT/build}
OUT=$BUILD/bench/mcp
PY=/usr/bin/python3
export NODE_PATH=$ROOT/node_modules${NODE_PATH:+:$NODE_PATH}
mkdir -p "$OUT"
cmake --build "$BUILD" --target brass_cli >/dev/null
MODEL=$OUT/minilm
[ -f "$MODEL/model.safetensors" ] || $PY tests/oracle/make_model.py "$MODEL" --preset minilm --dtype f32 --seed 42 >/dev/null
LIB=$OUT/lib.db
if [ ! -f "$OUT/done" ]; then
  rm -rf "$OUT/corpus" "$LIB"*
  $PY - "$OUT/corpus" <<'PYEOF'
import os, random, sys
out = sys.argv[1]
rng = random.Random(15)
words = ("install configure search index vector keyword model library folder file server agent "
         "query result chunk token thread memory cache graph build test release network disk "
         "window button editor format parser record table column value option default error "
         "message signal process kernel driver device user group policy update version").split()
for i in range(1250):
    d = os.path.join(out, "d%02d" % (i % 25))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%04d.md" % i), "w") as f:
        for s in range(8):
            f.write("## Part %d\n\n%s.\n\n" % (s, " ".join(rng.choice(words) for _ in range(22))))
PYEOF
  "$BUILD/brass" index --quiet --library "$LIB" --model "$MODEL" --chunk-tokens 32 "$OUT/corpus" >&2
  touch "$OUT/done"
fi
chunks=$("$BUILD/brass" status --library "$LIB" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["chunks"])')
mkdir -p "$OUT/root" && echo '<!doctype html>' >"$OUT/root/index.html"
echo "MCP search round trip, $chunks chunks, MiniLM-shaped model, BRASS_THREADS=${BRASS_THREADS:-all}, load $(cut -d' ' -f1-3 /proc/loadavg)"
node bench/mcp_roundtrip.mjs "$BUILD/brass" "$LIB" "$OUT/root" "${MCP_CALLS:-200}"
