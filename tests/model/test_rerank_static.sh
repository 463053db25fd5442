#!/usr/bin/env bash
# test_rerank_static.sh - cross-encoder reranking and static embedding models against independent
# references, on generated random-weight models:
#   - `brass rerank --tokens` == Hugging Face tokenizers' encode(query, passage) (ids and token
#     types, longest_first truncation) on real pairs, long ones included;
#   - `brass rerank` logits within 1e-4 of torch_cross_encoder.py (float64) for a small model
#     (64 positions: much truncation), an F16 one, and the ms-marco TinyBERT-L-2 / MiniLM-L-6
#     shapes with the real vocabulary; threads 1 and 2 give identical output (int8: 1, 2, 3 and
#     with whole pairs per thread off; f32 with them on);
#   - static models (model2vec normalised, F16; sentence-transformers StaticEmbedding with and
#     without Normalize): `brass embed --tokens` == HF encode(text, add_special_tokens=False),
#     vectors within 1e-4 of torch_static.py;
#   - `brass search --rerank`: reranked order, scores equal to `brass rerank` on the same pairs,
#     rerank_ms in the JSON timings; a static model indexes and searches;
#   - bad folders and bad JSONL lines: one-line errors, exit status 1.
# BRASS_TEST_QUICK=1 skips the MiniLM-L-6 shape; BRASS_TEST_WASM=1 (the WebAssembly CLI in node,
# tests/wasm/run_wasm_tests.sh) skips the serve check.
set -euo pipefail
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
ORACLE=$BRASS_SRC/tests/oracle
HERE=$BRASS_SRC/tests/model
export NODE_PATH=$BRASS_SRC/node_modules${NODE_PATH:+:$NODE_PATH}
$PY -c 'import torch' 2>/dev/null || { echo "FAIL: $PY cannot import torch"; exit 1; }
command -v node >/dev/null || { echo "FAIL: node not found"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/brass-rerank.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
ok() { echo "ok   $*"; }

$PY "$HERE/make_texts.py" --count 60 --seed 5 >"$work/texts.txt"
$PY "$HERE/make_pairs.py" "$work/texts.txt" --count 30 >"$work/pairs.jsonl"
mk() { $PY "$ORACLE/make_model.py" "$@" >/dev/null; }

# ---- cross-encoders ----
mk "$work/ce-small" --kind cross-encoder --vocab-size 5000 --max-pos 64 --layers 2 --seed 1
mk "$work/ce-f16" --kind cross-encoder --vocab-size 8000 --max-pos 96 --layers 2 --dtype f16 \
  --hidden 64 --heads 4 --intermediate 96 --seed 2
mk "$work/ce-tiny" --preset ce-tinybert-l2 --seed 3
models="ce-small ce-f16 ce-tiny"
if [ "${BRASS_TEST_QUICK:-0}" != 1 ]; then
  mk "$work/ce-minilm" --preset ce-minilm-l6 --seed 4
  models="$models ce-minilm"
fi
for name in $models; do
  dir=$work/$name
  maxlen=$($PY -c 'import json,sys; print(min(512, json.load(open(sys.argv[1]))["max_position_embeddings"]))' "$dir/config.json")
  pairs=$work/pairs.jsonl
  [ "$name" = ce-minilm ] && { head -2 "$work/pairs.jsonl"; tail -10 "$work/pairs.jsonl" | head -3; } >"$work/pairs-minilm.jsonl" &&
    pairs=$work/pairs-minilm.jsonl
  node "$ORACLE/hf_tokenize.js" "$dir/tokenizer.json" --pairs --max-len "$maxlen" <"$pairs" >"$work/$name.hf" ||
    { fail "$name: hf_tokenize.js failed"; continue; }
  "$BRASS" rerank --model "$dir" --tokens <"$pairs" >"$work/$name.tok" || { fail "$name: rerank --tokens"; continue; }
  $PY "$HERE/compare_vectors.py" ids "$work/$name.tok" "$work/$name.hf" --texts "$pairs" \
    --label "$name pair tokens (max $maxlen)" || fail "$name: pair tokens differ from HF"
  $PY "$ORACLE/torch_cross_encoder.py" "$dir" <"$work/$name.hf" | sed 's/.*/[&]/' >"$work/$name.ref" ||
    { fail "$name: torch_cross_encoder.py failed"; continue; }
  "$BRASS" rerank --model "$dir" --threads 2 <"$pairs" | sed 's/.*/[&]/' >"$work/$name.got" ||
    { fail "$name: brass rerank failed"; continue; }
  $PY "$HERE/compare_vectors.py" vectors "$work/$name.got" "$work/$name.ref" --tol 1e-4 \
    --label "$name logits" || fail "$name: logits differ from the float64 reference"
  "$BRASS" rerank --model "$dir" --threads 1 <"$pairs" | sed 's/.*/[&]/' >"$work/$name.t1"
  cmp -s "$work/$name.t1" "$work/$name.got" && ok "$name: threads 1 and 2 identical" ||
    fail "$name: thread count changes the scores"
done
# int8, and whole pairs per thread (cross_encoder.c): the same scores on 1, 2 and 3 threads (3
# leaves one of the 40 pairs to the batched path) and with whole pairs turned off; f32 (batched by
# default) the same with whole pairs turned on
BRASS_RERANK_WHOLE=1 "$BRASS" rerank --model "$work/ce-tiny" --threads 2 <"$work/pairs.jsonl" |
  sed 's/.*/[&]/' | cmp -s - "$work/ce-tiny.t1" && ok "ce-tiny f32: whole pairs per thread identical" ||
  fail "ce-tiny f32: whole pairs per thread change the scores"
for t in 1 2 3; do
  BRASS_DTYPE=int8 "$BRASS" rerank --model "$work/ce-tiny" --threads $t <"$work/pairs.jsonl" >"$work/int8.t$t"
done
BRASS_RERANK_WHOLE=0 BRASS_DTYPE=int8 "$BRASS" rerank --model "$work/ce-tiny" --threads 2 \
  <"$work/pairs.jsonl" >"$work/int8.w0"
[ "$(wc -l <"$work/int8.t1")" = "$(wc -l <"$work/pairs.jsonl")" ] &&
  cmp -s "$work/int8.t1" "$work/int8.t2" && cmp -s "$work/int8.t1" "$work/int8.t3" &&
  cmp -s "$work/int8.t1" "$work/int8.w0" &&
  ok "ce-tiny int8: threads 1, 2, 3 and batched-only identical" ||
  fail "ce-tiny int8: thread count or whole pairs change the scores"
# --json shape
"$BRASS" rerank --model "$work/ce-small" --json <"$work/pairs.jsonl" | head -1 |
  grep -Eq '^\{"score":-?[0-9.e+-]+\}$' && ok "rerank --json prints {\"score\": S}" || fail "rerank --json shape"

# ---- static models ----
mk "$work/m2v" --kind model2vec --hidden 64 --vocab-size 20000 --seed 5
mk "$work/m2v-f16" --kind model2vec --hidden 48 --dtype f16 --no-normalize --seed 6
mk "$work/sst" --kind static-st --hidden 96 --no-normalize --seed 7
mk "$work/sst-norm" --kind static-st --hidden 32 --seed 8
# blank texts (zero vectors) are checked below; a text of [UNK]s only (Thai) is a zero vector for
# model2vec, so the unit-length check runs on the sentence-transformers model
grep -v '^[[:space:]]*$' "$work/texts.txt" >"$work/texts-static.txt"
for name in m2v m2v-f16 sst sst-norm; do
  dir=$work/$name tok=$work/$name/tokenizer.json
  [ -f "$tok" ] || tok=$work/$name/0_StaticEmbedding/tokenizer.json
  node "$ORACLE/hf_tokenize.js" "$tok" --plain --max-len 0 <"$work/texts-static.txt" >"$work/$name.hf"
  "$BRASS" embed --model "$dir" --tokens <"$work/texts-static.txt" >"$work/$name.tok"
  $PY "$HERE/compare_vectors.py" ids "$work/$name.tok" "$work/$name.hf" \
    --texts "$work/texts-static.txt" --label "$name ids" ||
    fail "$name: ids differ from HF (no special tokens)"
  $PY "$ORACLE/torch_static.py" "$dir" <"$work/$name.hf" >"$work/$name.ref"
  "$BRASS" embed --model "$dir" --threads 2 <"$work/texts-static.txt" >"$work/$name.got"
  norm=
  [ "$name" = sst-norm ] && norm=--normalized
  $PY "$HERE/compare_vectors.py" vectors "$work/$name.got" "$work/$name.ref" --tol 1e-4 \
    --label "$name vectors" $norm || fail "$name: vectors differ from the float64 reference"
  printf '\n[UNK] [UNK]\n' | "$BRASS" embed --model "$dir" >"$work/$name.empty"
  $PY -c 'import json,sys; v=[json.loads(l) for l in open(sys.argv[1])]; assert all(x == 0 for x in v[0]), v[0][:4]' \
    "$work/$name.empty" && ok "$name: an empty text embeds as zeros" || fail "$name: empty text"
done

# model2vec's character cut: encode() (max_length=512) first cuts a text to 512 x the median
# length of the vocabulary's tokens in characters. A long text whose words are mostly [UNK]s (over
# 100 characters) keeps far fewer than 512 ids after the cut than without it, so only a cut
# at the same place matches the reference made from the cut text (and the uncut one must not).
$PY - "$work/m2v/tokenizer.json" "$work/long.txt" "$work/long-cut.txt" <<'PYEOF' || fail "long text"
import json, statistics, sys
vocab = json.load(open(sys.argv[1]))["model"]["vocab"]
m = 512 * int(statistics.median(len(t) for t in vocab))  # model2vec's median_token_length
words = ["alpha", "package", "library", "river", "mountain", "été", "café"]
text = " ".join(("x%03d" % i) * 30 + " " + words[i % len(words)] for i in range(400))
assert len(text) > 2 * m, (len(text), m)
open(sys.argv[2], "w").write(text + "\n")
open(sys.argv[3], "w").write(text[:m] + "\n")
print("ok   long text: %d characters, cut at %d" % (len(text), m))
PYEOF
for f in long long-cut; do
  node "$ORACLE/hf_tokenize.js" "$work/m2v/tokenizer.json" --plain --max-len 0 <"$work/$f.txt" |
    $PY "$ORACLE/torch_static.py" "$work/m2v" >"$work/$f.ref"
done
"$BRASS" embed --model "$work/m2v" <"$work/long.txt" >"$work/long.got"
$PY "$HERE/compare_vectors.py" vectors "$work/long.got" "$work/long-cut.ref" --tol 1e-4 \
  --label "m2v long text vs the cut reference" || fail "m2v: a long text is not cut as model2vec cuts it"
$PY -c 'import json,sys; a,b=(json.loads(open(f).readline()) for f in sys.argv[1:]); sys.exit(max(abs(x-y) for x,y in zip(a,b)) < 1e-3)' \
  "$work/long.got" "$work/long.ref" && ok "m2v: the uncut text's vector differs (the check can fail)" ||
  fail "m2v: the cut made no difference to the long text"

# ---- search --rerank, and a static model behind index/search ----
mkdir -p "$work/docs"
head -40 "$work/texts.txt" | awk -v d="$work/docs" '{ print > (d "/doc" NR ".txt") }'
lib=$work/lib.db
"$BRASS" index --library "$lib" --model "$work/m2v" "$work/docs" >/dev/null || fail "index with a static model"
"$BRASS" search --library "$lib" --json -n 5 "package library" >"$work/plain.json" || fail "search with a static model"
"$BRASS" search --library "$lib" --json -n 5 --rerank "$work/ce-small" --rerank-top 8 "package library" \
  >"$work/rr.json" || fail "search --rerank failed"
$PY - "$work/rr.json" "$work/rr.pairs" <<'PYEOF' || fail "search --rerank JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["reranked"] == len(r["results"]) == 5, r.get("reranked")
assert r["timings"]["rerank_ms"] > 0
s = [x["score"] for x in r["results"]]
assert s == sorted(s, reverse=True), s
assert [x["rank"] for x in r["results"]] == [1, 2, 3, 4, 5]
with open(sys.argv[2], "w") as f:
    for x in r["results"]:
        f.write(json.dumps({"query": r["query"], "passage": x["text"]}) + "\n")
print("ok   search --rerank: 5 results reranked in order, rerank_ms %.1f" % r["timings"]["rerank_ms"])
PYEOF
if [ -f "$work/rr.pairs" ]; then
  "$BRASS" rerank --model "$work/ce-small" <"$work/rr.pairs" >"$work/rr.scores"
  $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); s=[float(l) for l in open(sys.argv[2])]; assert all(abs(a["score"]-b)<1e-5 for a,b in zip(r["results"],s)), s' \
    "$work/rr.json" "$work/rr.scores" && ok "search --rerank scores == brass rerank scores" ||
    fail "search --rerank scores differ from brass rerank"
fi
"$BRASS" search --library "$lib" -n 3 --rerank "$work/ce-small" "package" | grep -q "^reranked the top" &&
  ok "text output reports the rerank time" || fail "text output lacks the rerank time"

# ---- serve: /api/search?rerank=1 ----
if command -v curl >/dev/null && [ "${BRASS_TEST_WASM:-0}" != 1 ]; then
  "$BRASS" serve --port 0 --root "$work/docs" --library "$lib" --rerank "$work/ce-small" \
    >"$work/serve.out" 2>"$work/serve.err" &
  spid=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's#^brass serve: http://127\.0\.0\.1:\([0-9][0-9]*\)/ .*#\1#p' "$work/serve.out")
    [ -n "$port" ] && break
    kill -0 $spid 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$port" ]; then
    curl -s "http://127.0.0.1:$port/api/search?q=package+library&k=5&rerank=1&rerank_top=8" >"$work/api.json"
    curl -s "http://127.0.0.1:$port/api/search?q=package+library&k=5" >"$work/api0.json"
    curl -s "http://127.0.0.1:$port/rerank-model/manifest.json" | grep -q '"model.safetensors"' &&
      ok "serve: the cross-encoder's files at /rerank-model/" || fail "serve /rerank-model/manifest.json"
    $PY - "$work/api.json" "$work/rr.json" "$work/api0.json" <<'PYEOF' && ok "serve /api/search?rerank=1 == search --rerank" || fail "serve rerank"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
assert a["reranked"] == 5 and "rerank_ms" in a["timings"], a
assert [x["source"] for x in a["results"]] == [x["source"] for x in b["results"]]
assert "reranked" not in c
PYEOF
  else
    fail "serve did not start: $(cat "$work/serve.err")"
  fi
  kill $spid 2>/dev/null || true
  wait $spid 2>/dev/null || true
fi

# ---- bad input: one line, exit 1 ----
expect_error() { # NAME PATTERN COMMAND...
  local name=$1 pattern=$2
  shift 2
  set +e
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  set -e
  if [ $rc -eq 1 ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q -- "$pattern" "$work/err"; then
    ok "$name: $(cat "$work/err")"
  else
    fail "$name: exit $rc, stderr: $(head -3 "$work/err")"
  fi
}
mk "$work/two-labels" --kind cross-encoder --vocab-size 3000 --labels 2
mk "$work/no-head" --kind cross-encoder --vocab-size 3000 --no-classifier
cp -r "$work/ce-small" "$work/xlmr"
$PY - "$work/xlmr/config.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1])); c["architectures"] = ["XLMRobertaForSequenceClassification"]
c["model_type"] = "xlm-roberta"; json.dump(c, open(sys.argv[1], "w"))
PYEOF
cp -r "$work/ce-small" "$work/wide-head"
$PY - "$work/wide-head" <<'PYEOF'
import sys, os
sys.path.insert(0, os.path.join(os.environ["BRASS_SRC"], "tests", "oracle"))
from make_model import write_safetensors
from torch_bert import read_safetensors
import torch
p = os.path.join(sys.argv[1], "model.safetensors")
w = {k: v.to(torch.float32) for k, v in read_safetensors(p).items()}
w["classifier.weight"] = torch.zeros(1, 7)
write_safetensors(p, w)
PYEOF
one=$(head -1 "$work/pairs.jsonl")
expect_error "two labels" "2 labels" "$BRASS" rerank --model "$work/two-labels" <<<"$one"
expect_error "missing classifier" "classifier.weight" "$BRASS" rerank --model "$work/no-head" <<<"$one"
expect_error "XLM-RoBERTa" "XLM-RoBERTa" "$BRASS" rerank --model "$work/xlmr" <<<"$one"
expect_error "classifier shape" "classifier.weight" "$BRASS" rerank --model "$work/wide-head" <<<"$one"
expect_error "embedding model as reranker" "not a BERT cross-encoder" "$BRASS" rerank --model "$work/m2v" <<<"$one"
printf '%s\nnot json\n' "$one" >"$work/bad1.jsonl"
expect_error "bad JSONL line" "line 2" "$BRASS" rerank --model "$work/ce-small" <"$work/bad1.jsonl"
printf '{"query": 1, "passage": "x"}\n' >"$work/bad2.jsonl"
expect_error "non-string query" "line 1" "$BRASS" rerank --model "$work/ce-small" <"$work/bad2.jsonl"
cp -r "$work/m2v" "$work/m2v-bad"
$PY -c 'import sys,os; sys.path.insert(0, os.path.join(os.environ["BRASS_SRC"], "tests", "oracle")); from make_model import write_safetensors; import torch; write_safetensors(sys.argv[1], {"emb": torch.zeros(3, 4)})' \
  "$work/m2v-bad/model.safetensors"
expect_error "static table missing" "embeddings" "$BRASS" embed --model "$work/m2v-bad" <<<"x"
cp -r "$work/sst" "$work/sst-small"
$PY -c 'import sys,os; sys.path.insert(0, os.path.join(os.environ["BRASS_SRC"], "tests", "oracle")); from make_model import write_safetensors; import torch; write_safetensors(sys.argv[1], {"embedding.weight": torch.zeros(100, 4)})' \
  "$work/sst-small/0_StaticEmbedding/model.safetensors"
cp -r "$work/sst" "$work/sst-unigram"
$PY - "$work/sst-unigram/0_StaticEmbedding/tokenizer.json" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
t["model"] = {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}
json.dump(t, open(sys.argv[1], "w"))
PYEOF
expect_error "Unigram tokenizer (XLM-R static models)" "only WordPiece" "$BRASS" embed --model "$work/sst-unigram" <<<"x"
expect_error "static table too small" "fewer than the tokenizer" "$BRASS" embed --model "$work/sst-small" <<<"x"

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all rerank and static-model checks passed"
