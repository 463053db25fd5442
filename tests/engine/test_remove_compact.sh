#!/bin/bash
# test_remove_compact.sh - end to end `brass remove` / `brass compact` on a small generated corpus
# with a tiny random-weight model: removing a file or a folder takes its chunks out of keyword and
# vector search and out of the status counts while the rest still answers; paths that match
# nothing fail with one line; compacting keeps search results, does not grow the file and leaves
# a database that passes SQLite's integrity check. Vector mode is checked by querying with a
# chunk's own text (its own vector is the nearest, random weights or not).
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

tiny_model "$T/model"

C="$T/corpus"
mkdir -p "$C/sub/deeper"
words=(alphawug bravowug charliewug deltawug echowug foxwug golfwug hotelwug)
files=(a.md b.md sub/c.md sub/deeper/d.md e.md f.md subway.md h.md)
for i in "${!files[@]}"; do
  {
    echo "# Note ${words[$i]}"
    echo
    for n in 1 2 3; do echo "Paragraph $n of file $i talks about the ${words[$i]} and item $((i * 7 + n))."; done
  } >"$C/${files[$i]}"
done
L="$T/lib.db"
B() { "$BRASS" "$@"; }

B index --model "$T/model" --library "$L" --quiet "$C" >/dev/null 2>"$T/i.err" ||
  fail "index: $(cat "$T/i.err")"
B status --library "$L" --json >"$T/st0.json" || fail "status"
S0=$(json "$T/st0.json" 'j["sources"]')
C0=$(json "$T/st0.json" 'j["chunks"]')
expect "sources indexed" "$S0" 8

# hits WORD: how many keyword results; vself FILE: does a search with FILE's chunk text return FILE
hits() {
  B search --library "$L" --mode keyword --json "$1" >"$T/k.json"
  json "$T/k.json" 'len(j["results"])'
}
chunk_text() {
  B search --library "$L" --mode keyword --json "$1" >"$T/t.json"
  json "$T/t.json" 'j["results"][0]["text"]'
}
vfinds() { # vfinds SUFFIX TEXT [--exact]: True when any vector result's source ends with SUFFIX
  B search --library "$L" --mode vector ${3:-} --json -n 20 -- "$2" >"$T/v.json" || fail "vector search"
  json "$T/v.json" 'any(r["source"].endswith(sys.argv[3]) for r in j["results"])' "$1"
}
TB=$(chunk_text bravowug)
TA=$(chunk_text alphawug)
expect "b found by vector before" "$(vfinds /b.md "$TB")" True

# ---- remove one file ----
B remove --library "$L" --json "$C/b.md" >"$T/r1.json" 2>"$T/r1.err" || fail "remove b: $(cat "$T/r1.err")"
expect "removed sources" "$(json "$T/r1.json" 'j["sources"]')" 1
RC1=$(json "$T/r1.json" 'j["chunks"]')
[ "$RC1" -ge 1 ] && ok "removed chunks $RC1" || fail "removed chunks $RC1"
expect "keyword gone" "$(hits bravowug)" 0
expect "vector gone (hnsw)" "$(vfinds /b.md "$TB")" False
expect "vector gone (exact)" "$(vfinds /b.md "$TB" --exact)" False
expect "others keyword" "$(hits alphawug)" 1
expect "others vector" "$(vfinds /a.md "$TA")" True
B status --library "$L" --json >"$T/st1.json"
expect "status sources" "$(json "$T/st1.json" 'j["sources"]')" $((S0 - 1))
expect "status chunks" "$(json "$T/st1.json" 'j["chunks"]')" $((C0 - RC1))
expect "status graph" "$(json "$T/st1.json" 'j["graph"]')" current

# ---- remove a folder (relative, trailing slash; the sibling subway.md must stay) ----
(cd "$C" && B remove --library "$L" ./sub/ >"$T/r2.out" 2>"$T/r2.err") || fail "remove sub: $(cat "$T/r2.err")"
grep -q "removed 2 sources" "$T/r2.out" && ok "folder: 2 sources" || fail "folder: $(cat "$T/r2.out")"
expect "folder keyword c" "$(hits charliewug)" 0
expect "folder keyword d" "$(hits deltawug)" 0
expect "prefix sibling kept" "$(hits golfwug)" 1

# ---- paths that match nothing ----
B remove --library "$L" "$C/nope.md" >"$T/r3.out" 2>"$T/r3.err"
expect "unknown exit" "$?" 1
expect "unknown one line" "$(wc -l <"$T/r3.err")" 1
grep -q "no indexed source matches $C/nope.md" "$T/r3.err" && ok "unknown names path" || fail "unknown: $(cat "$T/r3.err")"
B remove --library "$L" "$C/sub" >/dev/null 2>&1
expect "already removed exit" "$?" 1
B remove --library "$L" "$C/e.md" "$C/nothere" >/dev/null 2>"$T/r4.err"
expect "mixed exit" "$?" 1
expect "mixed: matched one removed" "$(hits echowug)" 0
# a file deleted from disk can still be removed
rm "$C/f.md"
B remove --library "$L" "$C/f.md" >/dev/null 2>"$T/r5.err" || fail "remove deleted file: $(cat "$T/r5.err")"
expect "deleted file removed" "$(hits foxwug)" 0
B remove --library "$L" >/dev/null 2>&1
expect "no paths: usage" "$?" 2

# ---- compact ----
B search --library "$L" --mode hybrid --json -n 10 "note paragraph" >"$T/c0h.json"
B search --library "$L" --mode vector --json -n 10 -- "$TA" >"$T/c0v.json"
size() { "$PY" -c 'import os,sys; p=sys.argv[1]; print(sum(os.path.getsize(f) for f in (p, p+"-wal") if os.path.exists(f)))' "$L"; }
SZ0=$(size)
B compact --library "$L" >"$T/c.out" 2>"$T/c.err" || fail "compact: $(cat "$T/c.err")"
grep -q "bytes before" "$T/c.out" && ok "compact prints sizes" || fail "compact output: $(cat "$T/c.out")"
SZ1=$(size)
[ "$SZ1" -le "$SZ0" ] && ok "size $SZ0 -> $SZ1" || fail "file grew: $SZ0 -> $SZ1"
B search --library "$L" --mode hybrid --json -n 10 "note paragraph" >"$T/c1h.json"
B search --library "$L" --mode vector --json -n 10 -- "$TA" >"$T/c1v.json"
res() { json "$1" '[(r["source"], round(r["score"], 5)) for r in j["results"]]'; }
expect "hybrid unchanged" "$(res "$T/c1h.json")" "$(res "$T/c0h.json")"
expect "vector unchanged" "$(res "$T/c1v.json")" "$(res "$T/c0v.json")"
expect "results left" "$(json "$T/c1h.json" 'len(j["results"])')" 3
expect "integrity" "$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$L")" ok
B status --library "$L" --json >"$T/st2.json"
expect "status graph after compact" "$(json "$T/st2.json" 'j["graph"]')" current
expect "status sources after" "$(json "$T/st2.json" 'j["sources"]')" 3

# ---- help ----
for f in --library --model --json --help; do
  B help remove | grep -q -- "$f" || fail "help remove lacks $f"
done
for f in --library --model --help; do
  B help compact | grep -q -- "$f" || fail "help compact lacks $f"
done

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s)" >&2
  exit 1
fi
echo "all remove/compact checks passed"
