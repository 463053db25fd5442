#!/usr/bin/env bash
# test_tokenizer_parity.sh - our tokenizer (tests/tools/tok_dump) must give the same ids as
# Hugging Face tokenizers (tests/oracle/hf_tokenize.js, Rust via node) on every line of a corpus
# of >= 10,000 real texts (Debian package descriptions) plus edge cases and random mixtures,
# including invalid UTF-8 bytes. Checked: ids at max length 128 and 512, character offsets,
# vocab.txt + tokenizer_config.json loading the same as tokenizer.json, other normalizer
# settings, and the normalized words of every Unicode scalar value. Prints the number of
# lines compared per check and the first differences; exits non-zero on any difference.
# BRASS_TEST_QUICK=1 (the sanitizer run) skips the settings variants and the code point sweep.
set -euo pipefail

SRC=${BRASS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BRASS_BUILD:-$SRC/build}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TOK_DUMP="$BUILD/tests/tok_dump"
VOCAB="$SRC/.cache/bert-uncased-vocab.txt" # written by make setup (scripts/bert_vocab.py)
ORACLE="$SRC/tests/oracle/hf_tokenize.js"
HERE="$SRC/tests/tokenizer"

fail() { echo "test_tokenizer_parity: FAIL: $*" >&2; exit 1; }
[ -x "$TOK_DUMP" ] || fail "$TOK_DUMP not built"
[ -f "$VOCAB" ] || fail "vocabulary $VOCAB missing (run make setup)"
command -v node >/dev/null || fail "node not found"
[ -d "$SRC/node_modules/@anush008/tokenizers" ] || fail "node_modules/@anush008/tokenizers missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" "$SRC/tests/oracle/make_tokenizer.py" "$tmp/uncased" "$VOCAB"
if [ -z "${BRASS_TEST_QUICK:-}" ]; then
  "$PY" "$HERE/make_corpus.py" "$tmp/corpus.txt" --small "$tmp/small.txt" \
    --codepoints "$tmp/codepoints.txt"
else
  "$PY" "$HERE/make_corpus.py" "$tmp/corpus.txt"
fi

status=0
total=0
check() { # label expected actual input
  if ! "$PY" "$HERE/compare_lines.py" "$@"; then status=1; fi
  total=$((total + $(wc -l <"$4")))
}

# ids at both lengths, and offsets; our throughput (informational) without truncation
node "$ORACLE" "$tmp/uncased/tokenizer.json" --max-len 128 <"$tmp/corpus.txt" >"$tmp/hf.128"
"$TOK_DUMP" --max-len 128 "$tmp/uncased/tokenizer.json" <"$tmp/corpus.txt" >"$tmp/ours.128"
check "uncased ids, max length 128" "$tmp/hf.128" "$tmp/ours.128" "$tmp/corpus.txt"

node "$ORACLE" "$tmp/uncased/tokenizer.json" --max-len 512 <"$tmp/corpus.txt" >"$tmp/hf.512"
"$TOK_DUMP" --max-len 512 "$tmp/uncased/tokenizer.json" <"$tmp/corpus.txt" >"$tmp/ours.512"
check "uncased ids, max length 512" "$tmp/hf.512" "$tmp/ours.512" "$tmp/corpus.txt"
"$TOK_DUMP" --bench --max-len 0 "$tmp/uncased/tokenizer.json" <"$tmp/corpus.txt"

node "$ORACLE" "$tmp/uncased/tokenizer.json" --offsets --max-len 512 <"$tmp/corpus.txt" \
  >"$tmp/hf.off"
"$TOK_DUMP" --char-offsets --max-len 512 "$tmp/uncased/tokenizer.json" <"$tmp/corpus.txt" \
  >"$tmp/ours.off"
check "uncased ids + offsets, max length 512" "$tmp/hf.off" "$tmp/ours.off" "$tmp/corpus.txt"

# jina-embeddings-v2's 30,528-token vocabulary (bert-base-uncased + 6 names at 30522-30527), at
# its 8,192-token length, with the six names added to every 50th line
{ cat "$VOCAB"; printf '%s\n' bowang georgiosmastrapas jackminong alaeddineabdessalem isabellemohr \
  michaelguenther; } >"$tmp/jina-vocab.txt"
"$PY" "$SRC/tests/oracle/make_tokenizer.py" "$tmp/jina" "$tmp/jina-vocab.txt"
awk 'NR % 50 == 0 { $0 = $0 " BoWang georgiosmastrapas, JackMinOng alaeddineabdessalem" \
  " isabellemohr michaelguenther." } { print }' "$tmp/corpus.txt" >"$tmp/jina-corpus.txt"
node "$ORACLE" "$tmp/jina/tokenizer.json" --max-len 8192 <"$tmp/jina-corpus.txt" >"$tmp/hf.jina"
"$TOK_DUMP" --max-len 8192 "$tmp/jina/tokenizer.json" <"$tmp/jina-corpus.txt" >"$tmp/ours.jina"
check "jina 30,528 vocab ids, max length 8192" "$tmp/hf.jina" "$tmp/ours.jina" "$tmp/jina-corpus.txt"
grep -q '30527' "$tmp/ours.jina" || fail "jina vocab: id 30527 (michaelguenther) never produced"

# vocab.txt + tokenizer_config.json must give what tokenizer.json gives
"$TOK_DUMP" --vocab --max-len 512 "$tmp/uncased" <"$tmp/corpus.txt" >"$tmp/vocab.512"
check "vocab.txt loader vs tokenizer.json" "$tmp/ours.512" "$tmp/vocab.512" "$tmp/corpus.txt"

if [ -z "${BRASS_TEST_QUICK:-}" ]; then
  # other BertNormalizer settings, MiniLM-style truncation/padding blocks in the file, and
  # added tokens with lstrip / rstrip / single_word
  extra='[{"id": 30522, "content": "<sw>", "single_word": true},
    {"id": 30523, "content": "[SEP]x"},
    {"id": 30524, "content": "é!", "single_word": true, "lstrip": true},
    {"id": 103, "content": "[MASK]", "lstrip": true, "rstrip": true, "special": true}]'
  for variant in "--cased" "--strip-accents false" "--no-chinese" "--no-clean" \
    "--max-length 128" "--extra-added"; do
    d="$tmp/variant"
    rm -rf "$d"
    if [ "$variant" = "--extra-added" ]; then
      "$PY" "$SRC/tests/oracle/make_tokenizer.py" "$d" "$VOCAB" --extra-added "$extra"
    else
      # shellcheck disable=SC2086
      "$PY" "$SRC/tests/oracle/make_tokenizer.py" "$d" "$VOCAB" $variant
    fi
    node "$ORACLE" "$d/tokenizer.json" --offsets --max-len 256 <"$tmp/small.txt" >"$tmp/hf.v"
    "$TOK_DUMP" --char-offsets --max-len 256 "$d/tokenizer.json" <"$tmp/small.txt" >"$tmp/ours.v"
    check "settings $variant, max length 256" "$tmp/hf.v" "$tmp/ours.v" "$tmp/small.txt"
  done

  # scalar values between two letters (all in planes 0-1, sampled beyond; see make_corpus.py):
  # the normalized, pre-tokenized words
  for variant in "" "--cased" "--strip-accents false"; do
    d="$tmp/variant"
    rm -rf "$d"
    # shellcheck disable=SC2086
    "$PY" "$SRC/tests/oracle/make_tokenizer.py" "$d" "$VOCAB" $variant
    node "$ORACLE" "$d/tokenizer.json" --words <"$tmp/codepoints.txt" >"$tmp/hf.w"
    "$TOK_DUMP" --words "$d/tokenizer.json" <"$tmp/codepoints.txt" >"$tmp/ours.w"
    check "code point sweep, words ${variant:-uncased}" "$tmp/hf.w" "$tmp/ours.w" \
      "$tmp/codepoints.txt"
  done
fi

if [ "$status" -ne 0 ]; then
  fail "tokenizer output differs from Hugging Face tokenizers (see above)"
fi
echo "test_tokenizer_parity: OK, $total lines compared, all identical"
