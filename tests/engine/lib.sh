# lib.sh - what the end-to-end shell tests in tests/engine share, sourced after they check BRASS
# and BRASS_SRC: a temporary folder $T removed on exit, 2 threads, no library or model from the
# environment, a failure counter with ok/fail/expect, JSON and SQL one-liners, and a tiny model.
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export BRASS_THREADS=2
unset BRASS_LIBRARY BRASS_MODEL
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# expect WHAT GOT WANT
expect() { if [ "$2" == "$3" ]; then ok "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
# json FILE EXPR [ARG]: evaluates a python expression over the parsed JSON object `j` (ARG is sys.argv[3]).
json() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
# sql DB QUERY: the first column of every row, one per line.
sql() { "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join(str(r[0]) for r in c.execute(sys.argv[2])))' "$1" "$2"; }
# expect_skipped ERRFILE DIR NAME PATTERN: ERRFILE has exactly one "skipped DIR/NAME (" line and it
# matches PATTERN (a bad file is named once, with its problem).
expect_skipped() {
  local line
  line=$(grep -F "skipped $2/$3 (" "$1")
  if [ "$(printf '%s\n' "$line" | grep -c .)" = 1 ] && printf '%s' "$line" | grep -q -- "$4"; then
    ok "$3: $line"
  else
    fail "$3: want one line matching '$4', got '$line'"
  fi
}
# tiny_model DIR: a 2-layer, 64-wide random BERT with the real vocabulary (fast to embed); exits on failure.
tiny_model() {
  "$PY" "$BRASS_SRC/tests/oracle/make_model.py" "$1" --layers 2 --hidden 64 --heads 4 \
    --intermediate 128 --seed 1 >/dev/null || { echo "FAIL: make_model.py" >&2; exit 1; }
}
# uniq_corpus DIR N SECTIONS WORDS: N markdown files in 12 folders, each with SECTIONS sections of
# WORDS random words and its own made-up word (Uniq0000word ...), the same bytes on every run.
uniq_corpus() {
  "$PY" - "$@" <<'PYEOF'
import os, random, sys
out, n, sections, nwords = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(5)
words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
for i in range(n):
    d = os.path.join(out, "d%02d" % (i % 12))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%03d.md" % i), "w") as f:
        for s in range(sections):
            f.write("# Section %d of file %d\n\n" % (s, i))
            body = " ".join(rng.choice(words) for _ in range(nwords))
            f.write("Uniq%04dword appears here. %s\n\n" % (i, body))
PYEOF
}
