#!/usr/bin/env bash
# test_jina_parity.sh - JinaBERT v2 (ALiBi attention, GEGLU feed-forward, no position embeddings)
# against the independent float64 reference tests/oracle/torch_jina.py, on generated
# Jina-shaped models (tests/oracle/make_model.py --arch jina):
#   - small-en's shape (4 layers, hidden 512, 8 heads: power-of-two slopes), F16, the 30,528-token
#     vocabulary (bert-base-uncased + the 6 Jina tokens): real texts (Debian descriptions, Unicode,
#     empty lines, the 6 extra tokens), ids identical to Hugging Face's Rust tokenizer (node),
#     vectors within 1e-4 of the reference;
#   - 12 heads (non-power-of-two slopes), narrow, F16, 4,096 tokens: texts of about 1,000 to
#     4,000 tokens, within 1e-4 (the reference runs them padded in one batch, so the key mask is
#     exercised next to ALiBi);
#   - 6 heads in BF16 and 3 heads in F32 (more non-power-of-two slope sets), not normalised and
#     normalised; --threads 1/2/3 byte-identical everywhere;
#   - refusals: the QK-post-norm variant (jina-embeddings-v2-base-code's tensor names) and ALiBi
#     without GEGLU, each one line on stderr naming the file, non-zero exit.
# BRASS_TEST_QUICK=1 uses fewer texts and skips the longest. Needs BRASS and BRASS_SRC (ctest sets
# them), /usr/bin/python3 with torch, node with @anush008/tokenizers in node_modules.
set -euo pipefail
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
ORACLE=$BRASS_SRC/tests/oracle
HERE=$BRASS_SRC/tests/model
QUICK=${BRASS_TEST_QUICK:-0}
export NODE_PATH=$BRASS_SRC/node_modules${NODE_PATH:+:$NODE_PATH}
$PY -c 'import torch' 2>/dev/null || { echo "FAIL: $PY cannot import torch (run scripts/setup.sh)"; exit 1; }
command -v node >/dev/null || { echo "FAIL: node not found (run scripts/setup.sh)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/brass-jina.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
start=$SECONDS
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

if [ "$QUICK" = 1 ]; then n=12; words="700 1500"; else n=20; words="750 1700 2900"; fi
$PY "$HERE/make_texts.py" --count "$n" --seed 13 >"$work/texts.txt"
# the 6 tokens Jina added to the vocabulary, alone, in text, in capitals and glued to others
cat >>"$work/texts.txt" <<'TXT'
bowang georgiosmastrapas jackminong alaeddineabdessalem isabellemohr michaelguenther
Thanks to BoWang and Michael Guenther (michaelguenther) for JinaBERT; isabellemohr, JackminOng.
bowangs georgiosmastrapas-jackminong alaeddineabdessalem2 ISABELLEMOHR
TXT
$PY "$HERE/make_long_texts.py" $words --seed 5 >"$work/long.txt"

mk() {
  local name=$1
  shift
  $PY "$ORACLE/make_model.py" "$work/$name" --arch jina "$@" >/dev/null
}

pending=()
reference() { # DIR IDS OUT BATCH
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  ($PY "$ORACLE/torch_jina.py" "$1" --batch "$4" <"$2" >"$3" 2>"$3.err" || echo "torch_jina.py failed" >>"$3.err") &
}

# check NAME TEXTS [MIN_TOKENS]: ids vs HF, vectors vs the reference, thread invariance
check() {
  local name=$1 texts=$2 min=${3:-0} dir=$work/$1 out=$work/$1.out
  local maxlen
  maxlen=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_seq_length"])' \
    "$dir/sentence_bert_config.json")
  node "$ORACLE/hf_tokenize.js" "$dir/tokenizer.json" --max-len "$maxlen" <"$texts" >"$out.hf.ids" ||
    { fail "$name: hf_tokenize.js failed"; return; }
  "$BRASS" embed --model "$dir" --tokens <"$texts" >"$out.brass.ids" ||
    { fail "$name: brass embed --tokens failed"; return; }
  $PY "$HERE/compare_vectors.py" ids "$out.brass.ids" "$out.hf.ids" --texts "$texts" \
    --label "$name ids" || fail "$name: token ids differ from HF tokenizers"
  if [ "$min" -gt 0 ]; then
    local shortest
    shortest=$(awk -F, '{ print NF }' "$out.hf.ids" | sort -n | head -1)
    echo "$name: token counts $(awk -F, '{ printf "%d ", NF }' "$out.hf.ids")"
    [ "$shortest" -ge "$min" ] || fail "$name: a long text has only $shortest tokens (< $min)"
  fi
  # long texts one at a time (no padding to 4,000 tokens); short ones padded, 8 at a time
  reference "$dir" "$out.hf.ids" "$out.ref" "$([ "$min" -gt 0 ] && echo 1 || echo 8)"
  local norm=--normalized
  grep -q Normalize "$dir/modules.json" || norm=
  pending+=("$name|$out|$norm")
  local t
  for t in 1 2 3; do
    "$BRASS" embed --model "$dir" --threads "$t" <"$texts" >"$out.t$t" ||
      { fail "$name: brass embed --threads $t failed"; continue; }
    [ "$t" = 1 ] || cmp -s "$out.t1" "$out.t$t" || fail "$name: --threads $t differs from --threads 1"
  done
}

# small-en's shape with its vocabulary, F16 (the real weights' dtype); 512 tokens is plenty here
mk small --preset jina-small --dtype f16 --max-seq 512 --seed 21
grep -q '"JinaBertForMaskedLM"' "$work/small/config.json" || fail "small: generator wrote no Jina config"
[ "$(wc -l <"$work/small/vocab.txt")" = 30528 ] || fail "small: vocabulary is not 30,528 tokens"
check small "$work/texts.txt"
# 12 heads (slopes 2^-1 .. 2^-8, then 2^-0.5 .. 2^-3.5), narrow, long texts
mk long12 --layers 2 --hidden 96 --heads 12 --intermediate 128 --max-pos 4096 --max-seq 4096 \
  --dtype f16 --no-normalize --seed 22
check long12 "$work/long.txt" 1000
# 6 heads (slopes of 4 heads, then 2^-1, 2^-3), BF16, normalised; 3 heads, F32
mk bf16 --layers 3 --hidden 48 --heads 6 --intermediate 72 --max-pos 512 --max-seq 512 \
  --vocab-size 12000 --dtype bf16 --seed 23
check bf16 "$work/texts.txt"
mk f32 --layers 2 --hidden 48 --heads 3 --intermediate 40 --max-pos 256 --max-seq 200 \
  --vocab-size 6000 --dtype f32 --no-normalize --seed 24
check f32 "$work/texts.txt"

# refusals: one line on stderr naming the file, non-zero exit, nothing on stdout
refuse() { # NAME PATTERN
  local dir=$work/$1 rc=0
  "$BRASS" embed --model "$dir" <<<"hello world" >"$work/$1.stdout" 2>"$work/$1.stderr" || rc=$?
  if [ "$rc" = 0 ] || [ "$rc" -ge 128 ] || [ -s "$work/$1.stdout" ] ||
    [ "$(wc -l <"$work/$1.stderr")" != 1 ] || ! grep -q "$2" "$work/$1.stderr"; then
    fail "$1: expected one error line matching '$2', got rc $rc: $(head -3 "$work/$1.stderr")"
  else
    echo "$1: refused: $(cat "$work/$1.stderr")"
  fi
}
cp -r "$work/f32" "$work/code"
$PY - "$work/code/model.safetensors" <<'PY'
import json, struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
(n,) = struct.unpack("<Q", data[:8])
h = json.loads(data[8:8 + n])
for k in list(h):  # jina-embeddings-v2-base-code's names for the feed-forward
    if ".mlp.gated_layers." in k:
        h[k.replace(".mlp.gated_layers.", ".mlp.up_gated_layer.")] = h.pop(k)
    elif ".mlp.wo." in k:
        h[k.replace(".mlp.wo.", ".mlp.down_layer.")] = h.pop(k)
text = json.dumps(h).encode()
text += b" " * (-len(text) % 8)
open(path, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
refuse code "model.safetensors.*base-code"
cp -r "$work/f32" "$work/noglu"
sed -i 's/"feed_forward_type": "geglu"/"feed_forward_type": "original"/' "$work/noglu/config.json"
refuse noglu "config.json.*feed_forward_type"

wait
for p in "${pending[@]}"; do
  IFS='|' read -r name out norm <<<"$p"
  if [ -s "$out.ref.err" ]; then
    fail "$name: the reference failed: $(tail -3 "$out.ref.err")"
    continue
  fi
  $PY "$HERE/compare_vectors.py" vectors "$out.t1" "$out.ref" --tol 1e-4 $norm --label "$name" |
    tee -a "$work/diffs" || fail "$name: vectors differ from the reference"
done
worst=$(grep -o 'max abs diff [0-9.e+-]*' "$work/diffs" | awk '{ print $4 }' | sort -g | tail -1)
echo "max abs diff over all Jina models: ${worst:-none} (tolerance 1e-4); $((SECONDS - start)) s"
if [ "$failures" -gt 0 ]; then
  echo "test_jina_parity: $failures check(s) failed"
  exit 1
fi
echo "test_jina_parity: ok"
