#!/bin/bash
# test_index_crash.sh - crash safety and concurrency of `brass index`: kill -9 at random moments
# while indexing (20 times; 6 with BRASS_TEST_QUICK=1), checking after each kill that SQLite's
# integrity_check is ok; then a final run must complete and the library must match one built
# without interruption (same sources, chunks and search results). Searches run from other
# processes while an index run is writing must all succeed.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
kills=20 nfiles=300
[ -n "${BRASS_TEST_QUICK:-}" ] && kills=6 nfiles=100

tiny_model "$T/model"
uniq_corpus "$T/corpus" "$nfiles" 3 60

idx() { "$BRASS" index --model "$T/model" --library "$1" --batch 4 --quiet --json "$T/corpus"; }
integrity() {
  "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("pragma integrity_check").fetchone()[0])' "$1"
}

start=$(date +%s%N)
idx "$T/ref.db" >"$T/ref.json" || fail "reference index"
ms=$((($(date +%s%N) - start) / 1000000))
ok "first full index: $(cat "$T/ref.json") in ${ms} ms"

# edit N: changes a fifth of the files, chosen by seed N, so every run below has work to do
edit() {
  "$PY" - "$T/corpus" "$1" <<'PYEOF'
import os, random, sys
rng = random.Random(int(sys.argv[2]))
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs)
for p in rng.sample(files, len(files) // 5):
    with open(p, "a") as f:
        f.write("\nEdit%03dmark added in round %s.\n" % (int(sys.argv[2]), sys.argv[2]))
PYEOF
}

# ---- kill -9 at random moments ----
L="$T/lib.db"
cp "$T/ref.db" "$L"
RANDOM=7
partial=0
for i in $(seq 1 $kills); do
  edit "$i"
  # started directly (not through a function, whose subshell kill -9 would leave brass running)
  "$BRASS" index --model "$T/model" --library "$L" --batch 4 --quiet --json "$T/corpus" \
    >/dev/null 2>&1 &
  pid=$!
  delay=$((RANDOM % (ms / 3 + 20)))
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  r=$(integrity "$L")
  [ "$r" == "ok" ] || fail "integrity after kill $i (${delay} ms): $r"
  "$BRASS" status --library "$L" --json >"$T/k.json" 2>/dev/null &&
    [ "$(json "$T/k.json" 'j["graph"] != "current"')" == True ] && partial=$((partial + 1))
done
[ $partial -gt 0 ] && ok "$kills kills, $partial interrupted a run" ||
  fail "no kill interrupted a run (the test proves nothing)"
# the uninterrupted reference, built from the final corpus
rm -f "$T/ref.db"*
idx "$T/ref.db" >"$T/ref.json" || fail "reference index"

# ---- concurrent searches while the final run writes ----
"$BRASS" index --model "$T/model" --library "$L" --batch 4 --quiet --json "$T/corpus" \
  >"$T/final.json" 2>"$T/final.err" &
pid=$!
sfail=0
for i in $(seq 1 10); do
  "$BRASS" search --library "$L" --mode keyword -n 3 Uniq0001word >/dev/null 2>>"$T/search.err" || sfail=$((sfail + 1))
done
wait $pid || fail "final index after kills: $(cat "$T/final.err")"
expect "searches failed during indexing" "$sfail" 0
idx "$L" >"$T/again.json" || fail "index again"
expect "complete after resume: chunks embedded" "$(json "$T/again.json" 'j["chunks_embedded"]')" 0
expect "integrity at the end" "$(integrity "$L")" ok

# ---- same library as without interruption ----
"$BRASS" status --library "$T/ref.db" --json >"$T/s1.json"
"$BRASS" status --library "$L" --json >"$T/s2.json"
for k in sources chunks vectors graph; do
  expect "status $k" "$(json "$T/s2.json" "j['$k']")" "$(json "$T/s1.json" "j['$k']")"
done
for w in Uniq0000word Uniq0042word "Uniq$(printf %04d $((nfiles - 1)))word" "bravo kilo" "Section 2" Edit001mark \
  "Edit$(printf %03d $kills)mark"; do
  # all matches as a sorted list of (source, lines, score): ties may order differently, since
  # equal BM25 scores are ordered by chunk id, which differs between the two libraries
  q='sorted((r["source"], r["line_start"], r["line_end"], round(r["score"], 6)) for r in j["results"])'
  a=$("$BRASS" search --library "$T/ref.db" --mode keyword --json -n 400 "$w" >"$T/a.json" &&
    json "$T/a.json" "$q")
  b=$("$BRASS" search --library "$L" --mode keyword --json -n 400 "$w" >"$T/b.json" &&
    json "$T/b.json" "$q")
  [ -n "$a" ] && [ "$a" != "[]" ] || fail "no results for '$w' in the reference"
  expect "keyword results for '$w' match" "$b" "$a"
done
# a chunk's own text finds its file in both libraries (HNSW)
"$BRASS" search --library "$L" --mode keyword --json Uniq0042word >"$T/k.json"
TEXT=$(json "$T/k.json" 'j["results"][0]["text"]')
for lib in "$T/ref.db" "$L"; do
  "$BRASS" search --library "$lib" --mode vector --json -n 1 -- "$TEXT" >"$T/v.json"
  expect "vector self-match in $(basename "$lib")" "$(json "$T/v.json" 'j["results"][0]["source"].endswith("f042.md")')" True
done

if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
