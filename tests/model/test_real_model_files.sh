#!/usr/bin/env bash
# test_real_model_files.sh - brass on the official small files of real models, when they are at hand:
# $BRASS_REAL_FILES, else ../shared/data/real-model-files beside the checkout (this team's machines
# have it; a plain clone does not, and then this test says it was skipped and exits 77, which ctest
# reports as "Skipped"). Nothing here is needed for any other test.
#
# With the files: their SHA-256 sums match SHA256SUMS (the hashes `brass model pull` pins); brass's
# token ids equal Hugging Face tokenizers' on the real tokenizer.json of all-MiniLM-L6-v2 and
# bge-small-en-v1.5 (vocab.txt + tokenizer_config.json too); and an all-MiniLM-L6-v2 folder with the
# real config and sentence-transformers files and a model.safetensors with the real header (exact
# size, names, offsets; random values) loads and embeds within 1e-4 of the float64 PyTorch reference.
set -euo pipefail
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
REAL=${BRASS_REAL_FILES:-$BRASS_SRC/../shared/data/real-model-files}
if [ ! -f "$REAL/SHA256SUMS" ]; then
  echo "test_real_model_files: SKIPPED: no real model files at $REAL (set BRASS_REAL_FILES to run it)"
  exit 77
fi
REAL=$(cd "$REAL" && pwd)
PY=/usr/bin/python3
ORACLE=$BRASS_SRC/tests/oracle
HERE=$BRASS_SRC/tests/model
TOK_DUMP=${BRASS_BUILD:-$BRASS_SRC/build}/tests/tok_dump
export NODE_PATH=$BRASS_SRC/node_modules${NODE_PATH:+:$NODE_PATH}
work=$(mktemp -d "${TMPDIR:-/tmp}/brass-real.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

(cd "$REAL" && sha256sum --quiet -c SHA256SUMS) || fail "real files differ from SHA256SUMS"

$PY "$HERE/make_texts.py" --count 300 --seed 17 >"$work/texts.txt"
for m in all-MiniLM-L6-v2 bge-small-en-v1.5; do
  node "$ORACLE/hf_tokenize.js" "$REAL/$m/tokenizer.json" --max-len 512 <"$work/texts.txt" \
    >"$work/$m.hf" || { fail "$m: hf_tokenize.js failed"; continue; }
  "$TOK_DUMP" --max-len 512 "$REAL/$m/tokenizer.json" <"$work/texts.txt" >"$work/$m.json.ids" ||
    fail "$m: tok_dump tokenizer.json failed"
  "$TOK_DUMP" --vocab --max-len 512 "$REAL/$m" <"$work/texts.txt" >"$work/$m.vocab.ids" ||
    fail "$m: tok_dump vocab.txt failed"
  for k in json vocab; do
    $PY "$HERE/compare_vectors.py" ids "$work/$m.$k.ids" "$work/$m.hf" --texts "$work/texts.txt" \
      --label "$m ($k) ids" || fail "$m: $k ids differ from HF tokenizers"
  done
done

dir=$work/minilm
mkdir -p "$dir"
cp -r "$REAL/all-MiniLM-L6-v2/." "$dir/"
rm "$dir/model.safetensors.header.json"
$PY "$HERE/fill_real_layout.py" "$REAL/all-MiniLM-L6-v2/model.safetensors.header.json" \
  "$dir/model.safetensors" --seed 3
size=$(stat -c %s "$dir/model.safetensors")
[ "$size" = 90868376 ] || fail "generated model.safetensors is $size bytes, the real one 90868376"
head -40 "$work/texts.txt" >"$work/few.txt"
node "$ORACLE/hf_tokenize.js" "$dir/tokenizer.json" --max-len 256 <"$work/few.txt" >"$work/few.ids"
$PY "$ORACLE/torch_bert.py" "$dir" <"$work/few.ids" >"$work/ref.vec" || fail "torch_bert.py failed"
"$BRASS" embed --model "$dir" <"$work/few.txt" >"$work/brass.vec" || fail "brass embed failed"
$PY "$HERE/compare_vectors.py" vectors "$work/brass.vec" "$work/ref.vec" --tol 1e-4 --normalized \
  --label "all-MiniLM-L6-v2 real layout" || fail "vectors differ from the reference"

if [ "$failures" -ne 0 ]; then
  echo "test_real_model_files: $failures failure(s)"
  exit 1
fi
echo "test_real_model_files: ok"
