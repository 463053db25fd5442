#!/usr/bin/env bash
# test_model_parity.sh - brass's embeddings against an independent float64 PyTorch BERT, and brass's
# token ids against Hugging Face's Rust tokenizers, on generated random-weight models.
#
# For each model (odd and real shapes; F32, F16, BF16; tensor names with and without "bert.";
# mean and CLS pooling; normalised or not; e5-style prompts; one MiniLM-shaped and one bge-shaped
# with the real 30,522-token vocabulary) and ~200 texts (real Debian package descriptions, empty
# lines, texts far beyond the max length, Unicode):
#   - `brass embed --tokens` ids == hf_tokenize.js ids (truncated at the model's max length);
#   - `brass embed` vectors within 1e-4 (max abs, every component) of torch_bert.py run on the
#     HF ids in padded batches;
#   - --threads 1, 2, 3, 4 give byte-identical output.
# BRASS_TEST_QUICK=1 (ASan builds) uses fewer texts and skips the 12-layer model.
# Needs BRASS and BRASS_SRC (ctest sets them), /usr/bin/python3 with torch, node with the npm
# packages in the repo's node_modules.
set -euo pipefail
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
ORACLE=$BRASS_SRC/tests/oracle
HERE=$BRASS_SRC/tests/model
QUICK=${BRASS_TEST_QUICK:-0}
export NODE_PATH=$BRASS_SRC/node_modules${NODE_PATH:+:$NODE_PATH}

$PY -c 'import torch' 2>/dev/null || { echo "FAIL: $PY cannot import torch (run scripts/setup.sh)"; exit 1; }
command -v node >/dev/null || { echo "FAIL: node not found (run scripts/setup.sh)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/brass-parity.XXXXXX")
# on exit: stop the background references this script started, then remove the work folder
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
start=$SECONDS

if [ "$QUICK" = 1 ]; then ntexts=60; else ntexts=200; fi
$PY "$HERE/make_texts.py" --count "$ntexts" --seed 11 >"$work/texts.txt"
# The big models get a subset: the first lines plus the longest text (beyond 512 tokens).
awk '{ print length($0) "\t" NR }' "$work/texts.txt" | sort -n | tail -1 | cut -f2 >"$work/longest"
awk -v n="$([ "$QUICK" = 1 ] && echo 6 || echo 20)" -v l="$(cat "$work/longest")" \
  'NR <= n || NR == l' "$work/texts.txt" >"$work/texts-minilm.txt"
awk -v l="$(cat "$work/longest")" 'length($0) < 200 && c < 5 { print; c++ } NR == l' \
  "$work/texts.txt" >"$work/texts-bge.txt"
echo "texts: $(wc -l <"$work/texts.txt") lines, $(wc -c <"$work/texts.txt") bytes"

failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

max_seq() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_seq_length"])' \
  "$1/sentence_bert_config.json"; }

# The float64 reference is the slow part (Debian's torch uses the reference BLAS): it runs in the
# background, two at a time, while brass runs; the vector comparisons wait for it at the end.
pending=()
reference() { # DIR IDS OUT
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  ($PY "$ORACLE/torch_bert.py" "$1" <"$2" >"$3" 2>"$3.err" || echo "torch_bert.py failed" >>"$3.err") &
}

# check NAME TAG TEXTS PREFIX [brass embed options...]: ids, vectors and thread invariance for the
# model folder $work/NAME on the lines of TEXTS, PREFIX being what brass should prepend.
check() {
  local name=$1 out=$work/$1.$2 texts=$3 prefix=$4
  shift 4
  local dir=$work/$name
  local maxlen
  maxlen=$(max_seq "$dir")
  # Reference ids: HF tokenizers on the prefixed text; brass --tokens adds no prefix.
  awk -v p="$prefix" '{ print p $0 }' "$texts" >"$out.prefixed"
  node "$ORACLE/hf_tokenize.js" "$dir/tokenizer.json" --max-len "$maxlen" <"$out.prefixed" \
    >"$out.hf.ids" || { fail "$name: hf_tokenize.js failed"; return; }
  "$BRASS" embed --model "$dir" --tokens <"$out.prefixed" >"$out.brass.ids" ||
    { fail "$name: brass embed --tokens failed"; return; }
  $PY "$HERE/compare_vectors.py" ids "$out.brass.ids" "$out.hf.ids" --texts "$out.prefixed" \
    --label "$name ids" || fail "$name: token ids differ from HF tokenizers"

  reference "$dir" "$out.hf.ids" "$out.ref.vec"
  local norm=--normalized
  grep -q Normalize "$dir/modules.json" || norm=
  pending+=("$name|$out|$norm|$name${prefix:+ ($prefix)}")
  local t
  for t in 1 2 3 4; do
    "$BRASS" embed --model "$dir" --threads "$t" "$@" <"$texts" >"$out.t$t.vec" ||
      { fail "$name: brass embed --threads $t failed"; continue; }
    [ "$t" = 1 ] || cmp -s "$out.t1.vec" "$out.t$t.vec" ||
      fail "$name: --threads $t output differs from --threads 1 (not byte-identical)"
  done
}

mk() {
  local name=$1
  shift
  $PY "$ORACLE/make_model.py" "$work/$name" "$@"
}

T=$work/texts.txt
# The two real-size models first, so their (slow) references start early.
# 1. all-MiniLM-L6-v2's shape and vocabulary; ids are also checked on every text
mk minilm --preset minilm --dtype f32 --seed 5
check minilm a "$work/texts-minilm.txt" ""
"$BRASS" embed --model "$work/minilm" --tokens <"$T" >"$work/minilm-all.brass.ids"
node "$ORACLE/hf_tokenize.js" "$work/minilm/tokenizer.json" --max-len 256 <"$T" \
  >"$work/minilm-all.hf.ids"
$PY "$HERE/compare_vectors.py" ids "$work/minilm-all.brass.ids" "$work/minilm-all.hf.ids" \
  --texts "$T" --label "minilm ids (all texts)" || fail "minilm: token ids differ from HF"
# 2. bge-small-en-v1.5's shape (12 layers, CLS pooling, 512 positions), BF16, "bert." names
if [ "$QUICK" != 1 ]; then
  mk bge --preset bge-small --dtype bf16 --bert-prefix --seed 6
  check bge a "$work/texts-bge.txt" ""
fi
# 3. odd shape: hidden 48, 3 heads (head dim 16), 2 layers, small vocab, short max length
mk tiny --layers 2 --hidden 48 --heads 3 --intermediate 80 --max-pos 64 --max-seq 40 \
  --vocab-size 3000 --dtype f32 --pooling mean --seed 1
check tiny a "$T" ""
# 4. F16, "bert." names, CLS pooling, a position_ids buffer, 4 heads of 16
mk f16cls --layers 3 --hidden 64 --heads 4 --intermediate 200 --max-pos 128 --max-seq 128 \
  --vocab-size 8000 --dtype f16 --bert-prefix --pooling cls --position-ids --seed 2
check f16cls a "$T" ""
# 5. BF16, full vocabulary, 2 heads of 48, not normalised, no pooler weights
mk bf16raw --layers 2 --hidden 96 --heads 2 --intermediate 136 --max-pos 96 --max-seq 80 \
  --dtype bf16 --pooling mean --no-normalize --no-pooler --seed 3
check bf16raw a "$T" ""
# 6. e5-style prompts: passages get "passage: ", --query lines get "query: "
mk prompts --layers 2 --hidden 128 --heads 8 --intermediate 256 --max-pos 128 --max-seq 100 \
  --vocab-size 12000 --dtype f16 --bert-prefix --prompts --seed 4
check prompts passage "$T" "passage: "
check prompts query "$T" "query: " --query

wait
for p in "${pending[@]}"; do
  IFS='|' read -r name out norm label <<<"$p"
  if [ -s "$out.ref.vec.err" ]; then
    fail "$name: the reference failed: $(tail -3 "$out.ref.vec.err")"
    continue
  fi
  $PY "$HERE/compare_vectors.py" vectors "$out.t1.vec" "$out.ref.vec" --tol 1e-4 $norm \
    --label "$label" | tee -a "$work/diffs" || fail "$name: vectors differ from the reference"
done

worst=$(grep -o 'max abs diff [0-9.e+-]*' "$work/diffs" | awk '{ print $4 }' | sort -g | tail -1)
echo "max abs diff over all models: ${worst:-none} (tolerance 1e-4); $((SECONDS - start)) s"
if [ "$failures" -gt 0 ]; then
  echo "test_model_parity: $failures check(s) failed"
  exit 1
fi
echo "test_model_parity: ok"
