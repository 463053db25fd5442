#!/usr/bin/env bash
# test_jina_real.sh - brass on the real JinaBERT v2 weights, when they are at hand: runs only when
# BRASS_REAL_MODELS names folders (':'-separated; each a model folder or a folder of model
# folders), and says it was skipped otherwise (nothing downloads weights in tests).
#   - jina-embeddings-v2-small-en (a JinaBERT folder with hidden 512): "hello world", L2-normalised,
#     must start with the published values [-0.0455, -0.0428, -0.0122, 0.0613, 0.0015] (within 1e-3);
#   - every JinaBERT folder found (small-en, base-en, ...): a few real texts within 1e-4 of the float64
#     reference tests/oracle/torch_jina.py on the same weights, ids equal to Hugging Face's
#     tokenizer's, and --threads 1 and 2 byte-identical.
# Needs BRASS and BRASS_SRC (ctest sets them); /usr/bin/python3 with torch and node for the
# reference checks.
set -euo pipefail
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
if [ -z "${BRASS_REAL_MODELS:-}" ]; then
  echo "test_jina_real: skipped: BRASS_REAL_MODELS is not set (set it to folders holding" \
    "jina-embeddings-v2-small-en / -base-en to check brass against the real weights)"
  exit 77 # ctest reports it as Skipped
fi
PY=/usr/bin/python3
ORACLE=$BRASS_SRC/tests/oracle
HERE=$BRASS_SRC/tests/model
export NODE_PATH=$BRASS_SRC/node_modules${NODE_PATH:+:$NODE_PATH}
work=$(mktemp -d "${TMPDIR:-/tmp}/brass-jinareal.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

# JinaBERT folders among the named ones and their children
found=()
IFS=':' read -r -a roots <<<"$BRASS_REAL_MODELS"
for r in "${roots[@]}"; do
  for d in "$r" "$r"/*/; do
    d=${d%/}
    [ -f "$d/config.json" ] && [ -f "$d/model.safetensors" ] || continue
    grep -q '"alibi"' "$d/config.json" && found+=("$d")
  done
done
if [ "${#found[@]}" = 0 ]; then
  echo "test_jina_real: skipped: no JinaBERT folder (config.json with alibi) in $BRASS_REAL_MODELS"
  exit 77
fi

$PY "$HERE/make_texts.py" --count 12 --seed 17 --plain >"$work/texts.txt"
echo "hello world" >>"$work/texts.txt"
small=0
for d in "${found[@]}"; do
  name=$(basename "$d")
  hidden=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["hidden_size"])' "$d/config.json")
  echo "test_jina_real: $d (hidden $hidden)"
  if [ "$hidden" = 512 ]; then
    small=1
    echo "hello world" | "$BRASS" embed --model "$d" >"$work/hello.vec" ||
      { fail "$name: brass embed failed"; continue; }
    $PY - "$work/hello.vec" <<'PY' || fail "$name: 'hello world' differs from the published values"
import json, math, sys
v = json.loads(open(sys.argv[1]).readline())
n = math.sqrt(sum(x * x for x in v))
got = [x / n for x in v[:5]]
want = [-0.0455, -0.0428, -0.0122, 0.0613, 0.0015]
print("hello world, normalised, first five: %s (published %s)" % (
    [round(x, 4) for x in got], want))
sys.exit(0 if all(abs(a - b) <= 1e-3 for a, b in zip(got, want)) else 1)
PY
  fi
  maxlen=512 # enough for these texts; the reference runs them padded in float64
  node "$ORACLE/hf_tokenize.js" "$d/tokenizer.json" --max-len "$maxlen" <"$work/texts.txt" \
    >"$work/$name.hf.ids" || { fail "$name: hf_tokenize.js failed"; continue; }
  "$BRASS" embed --model "$d" --max-length "$maxlen" --tokens <"$work/texts.txt" >"$work/$name.ids"
  $PY "$HERE/compare_vectors.py" ids "$work/$name.ids" "$work/$name.hf.ids" --label "$name ids" ||
    fail "$name: ids differ from HF tokenizers"
  $PY "$ORACLE/torch_jina.py" "$d" <"$work/$name.hf.ids" >"$work/$name.ref" ||
    { fail "$name: reference failed"; continue; }
  for t in 1 2; do
    "$BRASS" embed --model "$d" --max-length "$maxlen" --threads $t <"$work/texts.txt" \
      >"$work/$name.t$t" || fail "$name: brass embed --threads $t failed"
  done
  cmp -s "$work/$name.t1" "$work/$name.t2" || fail "$name: --threads 2 differs from --threads 1"
  norm=
  grep -qs Normalize "$d/modules.json" || [ ! -f "$d/modules.json" ] && norm=--normalized
  if [ -n "$norm" ]; then # brass normalises (folder says so, or no modules.json): so must the reference
    $PY - "$work/$name.ref" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[1], "w") as f:
    for v in rows:
        n = math.sqrt(sum(x * x for x in v))
        f.write(json.dumps([x / n for x in v]) + "\n")
PY
  fi
  $PY "$HERE/compare_vectors.py" vectors "$work/$name.t1" "$work/$name.ref" --tol 1e-4 $norm \
    --label "$name" || fail "$name: vectors differ from the reference"
done
[ "$small" = 1 ] || echo "test_jina_real: no small-en folder (hidden 512): published-values check skipped"
if [ "$failures" -gt 0 ]; then
  echo "test_jina_real: $failures check(s) failed"
  exit 1
fi
echo "test_jina_real: ok"
