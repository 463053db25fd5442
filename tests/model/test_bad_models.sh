#!/usr/bin/env bash
# test_bad_models.sh - `brass embed` on broken model folders must fail cleanly: for each of ~25
# corruptions of a valid small model (truncated or lying safetensors, wrong shapes, dtypes and
# names, malformed or unsupported JSON, missing files) it must exit non-zero (but < 128: no crash
# by signal), print exactly one line on stderr naming the file at fault, print no sanitizer report
# and nothing on stdout. A few unusual but valid variants (F16, BF16, "bert." names, legacy
# LayerNorm gamma/beta names, vocab.txt instead of tokenizer.json) must embed successfully.
# Needs BRASS and BRASS_SRC (ctest sets them) and /usr/bin/python3 with torch (for make_model.py).
set -euo pipefail
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
[ -x "$BRASS" ] || { echo "FAIL: $BRASS is not an executable"; exit 1; }
$PY -c 'import torch' 2>/dev/null || { echo "FAIL: $PY cannot import torch (run scripts/setup.sh)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/brass-badmodels.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'hello world\nthe quick brown fox\n\n' >"$work/texts.txt"

# The valid model everything else is derived from: 2 layers, hidden 48, 500 tokens.
$PY "$BRASS_SRC/tests/oracle/make_model.py" "$work/good" --layers 2 --hidden 48 --heads 3 \
  --intermediate 80 --max-pos 64 --vocab-size 500 >/dev/null

failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

# st_edit DIR PYTHON: rewrites DIR/model.safetensors's header; PYTHON is the body of a function
# of `h` (the header dict) that edits it in place. Data bytes are kept as they are.
st_edit() {
  $PY - "$1/model.safetensors" "$2" <<'EOF'
import json, struct, sys
path, body = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
(n,) = struct.unpack("<Q", data[:8])
h = json.loads(data[8:8 + n])
exec(body)
text = json.dumps(h).encode()
text += b" " * (-len(text) % 8)
open(path, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
EOF
}

# json_edit FILE PYTHON: loads FILE as JSON into `j`, runs PYTHON, writes it back.
json_edit() {
  $PY - "$1" "$2" <<'EOF'
import json, sys
path, body = sys.argv[1], sys.argv[2]
j = json.load(open(path))
exec(body)
json.dump(j, open(path, "w"))
EOF
}

# bytes_edit FILE PYTHON: loads FILE's bytes into `b` (a bytearray), runs PYTHON, writes it back.
bytes_edit() {
  $PY - "$1" "$2" <<'EOF'
import sys
path, body = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
exec(body)
open(path, "wb").write(b)
EOF
}

# new_case NAME: a fresh copy of the good model at $work/NAME (printed).
new_case() {
  rm -rf "${work:?}/$1"
  cp -r "$work/good" "$work/$1"
  echo "$work/$1"
}

# expect_fail NAME WHAT: runs brass on $work/NAME and checks the failure; WHAT is a string the
# one-line message must contain (the path of the file at fault).
expect_fail() {
  local name=$1 what=$2 dir=$work/$1 rc=0
  "$BRASS" embed --model "$dir" <"$work/texts.txt" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  local lines
  lines=$(wc -l <"$work/$name.err")
  if [ "$rc" = 0 ]; then
    fail "$name: exit status 0"
  elif [ "$rc" -ge 128 ]; then
    fail "$name: killed by a signal (exit status $rc)"
  elif grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$work/$name.err"; then
    fail "$name: sanitizer report:"
    head -20 "$work/$name.err"
  elif [ "$lines" != 1 ]; then
    fail "$name: $lines lines on stderr, expected 1:"
    head -5 "$work/$name.err"
  elif ! grep -qF -- "$what" "$work/$name.err"; then
    fail "$name: message does not name '$what': $(cat "$work/$name.err")"
  elif [ -s "$work/$name.out" ]; then
    fail "$name: output on stdout despite the error"
  else
    echo "ok   $name: $(cat "$work/$name.err")"
  fi
}

expect_ok() {
  local name=$1 dir=$work/$1 rc=0
  "$BRASS" embed --model "$dir" <"$work/texts.txt" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  if [ "$rc" != 0 ] || [ -s "$work/$name.err" ]; then
    fail "$name: exit status $rc: $(head -3 "$work/$name.err")"
  elif [ "$(grep -c '^\[' "$work/$name.out")" != 3 ]; then
    fail "$name: expected 3 vectors, got: $(head -c 200 "$work/$name.out")"
  else
    echo "ok   $name: embeds"
  fi
}

ST=model.safetensors
Q=encoder.layer.0.attention.self.query.weight

expect_ok good

# ---- model.safetensors ----
d=$(new_case st_truncated)
bytes_edit "$d/$ST" 'del b[len(b) // 2:]'
expect_fail st_truncated "$d/$ST"

d=$(new_case st_empty)
: >"$d/$ST"
expect_fail st_empty "$d/$ST"

d=$(new_case st_tiny)
printf 'abc' >"$d/$ST"
expect_fail st_tiny "$d/$ST"

d=$(new_case st_header_beyond_file)
bytes_edit "$d/$ST" 'import struct; b[0:8] = struct.pack("<Q", len(b))'
expect_fail st_header_beyond_file "$d/$ST"

d=$(new_case st_header_huge)
bytes_edit "$d/$ST" 'b[0:8] = b"\xff" * 8'
expect_fail st_header_huge "$d/$ST"

d=$(new_case st_header_garbage)
bytes_edit "$d/$ST" 'b[8:40] = b"#" * 32'
expect_fail st_header_garbage "$d/$ST"

d=$(new_case st_offsets_beyond)
st_edit "$d" "h['$Q']['data_offsets'][1] += 1 << 40"
expect_fail st_offsets_beyond "$d/$ST"

d=$(new_case st_offsets_reversed)
st_edit "$d" "o = h['$Q']['data_offsets']; o.reverse()"
expect_fail st_offsets_reversed "$d/$ST"

d=$(new_case st_size_mismatch)
st_edit "$d" "h['$Q']['shape'] = [48, 47]"
expect_fail st_size_mismatch "$d/$ST"

d=$(new_case st_shape_mismatch)
st_edit "$d" "h['$Q']['shape'] = [24, 96]"
expect_fail st_shape_mismatch "$d/$ST"

d=$(new_case st_negative_dim)
st_edit "$d" "h['$Q']['shape'] = [-48, -48]"
expect_fail st_negative_dim "$d/$ST"

d=$(new_case st_int_dtype)
st_edit "$d" "h['$Q']['dtype'] = 'I32'"
expect_fail st_int_dtype "$d/$ST"

d=$(new_case st_unknown_dtype)
st_edit "$d" "h['$Q']['dtype'] = 'F31'"
expect_fail st_unknown_dtype "$d/$ST"

d=$(new_case st_missing_tensor)
st_edit "$d" "h['renamed'] = h.pop('$Q')"
expect_fail st_missing_tensor "$d/$ST"

d=$(new_case st_missing_embeddings)
st_edit "$d" "h.pop('embeddings.word_embeddings.weight')"
expect_fail st_missing_embeddings "$d/$ST"

d=$(new_case st_overlap)
st_edit "$d" "h['encoder.layer.0.attention.self.key.weight']['data_offsets'] = h['$Q']['data_offsets']"
expect_fail st_overlap "$d/$ST"

d=$(new_case st_missing_file)
rm "$d/$ST"
expect_fail st_missing_file "$d/$ST"

d=$(new_case st_directory)
rm "$d/$ST" && mkdir "$d/$ST"
expect_fail st_directory "$d/$ST"

d=$(new_case st_pytorch_only)
mv "$d/$ST" "$d/pytorch_model.bin"
expect_fail st_pytorch_only "$d/pytorch_model.bin"

# ---- config.json ----
d=$(new_case cfg_malformed)
printf '{"model_type": "bert", "hidden_size": ' >"$d/config.json"
expect_fail cfg_malformed "$d/config.json"

d=$(new_case cfg_missing)
rm "$d/config.json"
expect_fail cfg_missing "$d/config.json"

d=$(new_case cfg_roberta)
json_edit "$d/config.json" "j['model_type'] = 'roberta'; j['architectures'] = ['RobertaModel']"
expect_fail cfg_roberta "$d/config.json"

d=$(new_case cfg_gpt2)
json_edit "$d/config.json" "del j['model_type']; j['architectures'] = ['GPT2LMHeadModel']"
expect_fail cfg_gpt2 "$d/config.json"

d=$(new_case cfg_activation)
json_edit "$d/config.json" "j['hidden_act'] = 'gelu_new'"
expect_fail cfg_activation "$d/config.json"

d=$(new_case cfg_bad_type)
json_edit "$d/config.json" "j['num_hidden_layers'] = 'two'"
expect_fail cfg_bad_type "$d/config.json"

d=$(new_case cfg_wrong_size)
json_edit "$d/config.json" "j['intermediate_size'] = 96"
expect_fail cfg_wrong_size "$d/$ST"

d=$(new_case cfg_more_layers)
json_edit "$d/config.json" "j['num_hidden_layers'] = 3"
expect_fail cfg_more_layers "$d/$ST"

d=$(new_case cfg_small_vocab)
json_edit "$d/config.json" "j['vocab_size'] = 100"
expect_fail cfg_small_vocab "$d/config.json"

# ---- sentence-transformers files ----
d=$(new_case st_modules_malformed)
printf '[{"type": ' >"$d/modules.json"
expect_fail st_modules_malformed "$d/modules.json"

d=$(new_case st_dense_module)
json_edit "$d/modules.json" "j.append({'idx': 3, 'name': '3', 'path': '3_Dense', 'type': 'sentence_transformers.models.Dense'})"
expect_fail st_dense_module "$d/modules.json"

d=$(new_case pool_max)
json_edit "$d/1_Pooling/config.json" "j['pooling_mode_mean_tokens'] = False; j['pooling_mode_max_tokens'] = True"
expect_fail pool_max "$d/1_Pooling/config.json"

d=$(new_case sbert_bad_length)
json_edit "$d/sentence_bert_config.json" "j['max_seq_length'] = 'long'"
expect_fail sbert_bad_length "$d/sentence_bert_config.json"

# ---- tokenizer ----
d=$(new_case tok_malformed)
printf '{"model": {"type": "WordPiece", "vocab": {' >"$d/tokenizer.json"
expect_fail tok_malformed "$d/tokenizer.json"

d=$(new_case tok_missing)
rm -f "$d/tokenizer.json" "$d/vocab.txt"
expect_fail tok_missing "$d"

d=$(new_case missing_dir)
rm -rf "$d"
expect_fail missing_dir "$d/config.json"

# ---- unusual but valid ----
$PY "$BRASS_SRC/tests/oracle/make_model.py" "$work/f16_prefixed" --layers 1 --hidden 32 --heads 2 \
  --intermediate 40 --max-pos 32 --vocab-size 500 --dtype f16 --bert-prefix --position-ids >/dev/null
expect_ok f16_prefixed
$PY "$BRASS_SRC/tests/oracle/make_model.py" "$work/bf16_cls" --layers 1 --hidden 32 --heads 2 \
  --intermediate 40 --max-pos 32 --vocab-size 500 --dtype bf16 --pooling cls >/dev/null
expect_ok bf16_cls

d=$(new_case legacy_layernorm)
st_edit "$d" "
for k in list(h):
    if k.endswith('LayerNorm.weight'): h[k[:-6] + 'gamma'] = h.pop(k)
    elif k.endswith('LayerNorm.bias'): h[k[:-4] + 'beta'] = h.pop(k)"
expect_ok legacy_layernorm
# ... and the result equals the model's with the modern names
cmp -s "$work/good.out" "$work/legacy_layernorm.out" || fail "legacy_layernorm: vectors differ from good"

d=$(new_case vocab_only)
rm "$d/tokenizer.json"
expect_ok vocab_only
cmp -s "$work/good.out" "$work/vocab_only.out" || fail "vocab_only: vectors differ from good"

d=$(new_case no_st_files)
rm -rf "$d/modules.json" "$d/1_Pooling" "$d/2_Normalize" "$d/sentence_bert_config.json" \
  "$d/config_sentence_transformers.json"
expect_ok no_st_files
cmp -s "$work/good.out" "$work/no_st_files.out" || fail "no_st_files: vectors differ from good"

if [ "$failures" != 0 ]; then
  echo "$failures failures"
  exit 1
fi
echo "all bad-model checks passed"
