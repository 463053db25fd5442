#!/bin/bash
# test_vector_format.sh - `brass index --vectors int8|f32` end to end with a tiny random-weight model:
# a new library gets int8 (recorded, shown by status and its JSON), vector search finds a chunk by
# its own text in both formats and their top 10 agree (int8 candidates are re-ranked with the float
# vectors), the saved int8 graph is smaller, switching a library's format rebuilds its graph, a
# library of schema 1 (before int8 vectors: no vector_format key) opens, searches and is migrated
# to f32, and a bad --vectors value is a usage error.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

tiny_model "$T/model"
uniq_corpus "$T/c" 48 3 40
B() { timeout 120 "$BRASS" "$@"; }
L8="$T/int8.db" L32="$T/f32.db"

B index --model "$T/model" --library "$L8" --quiet "$T/c" || fail "index (default format)"
B index --model "$T/model" --library "$L32" --vectors f32 --quiet "$T/c" || fail "index --vectors f32"
B status --library "$L8" --json >"$T/s8.json" && B status --library "$L32" --json >"$T/s32.json" ||
  fail "status"
expect "new library's vector format" "$(json "$T/s8.json" 'j["vector_format"]')" "int8"
expect "--vectors f32 library's format" "$(json "$T/s32.json" 'j["vector_format"]')" "f32"
# the schema this brass writes; the int8-vectors migration is its last one
SCHEMA=$(grep -o 'define STORE_SCHEMA_VERSION [0-9]*' "$BRASS_SRC/src/store/store.h" | grep -o '[0-9]*$')
expect "int8 schema version" "$(json "$T/s8.json" 'j["schema_version"]')" "$SCHEMA"
B status --library "$L8" | grep -q "(int8)" && ok "status text names int8" || fail "status text"

# vector search with a chunk's own text finds its file first, in both formats
q="Uniq0017word appears here. $(sed -n 3p "$T/c/d05/f017.md" | cut -d' ' -f4-20)"
for lib in "$L8" "$L32"; do
  B search --library "$lib" --mode vector --json -n 10 "$q" >"$T/v.json" || fail "search $lib"
  expect "top hit ($(basename "$lib"))" "$(json "$T/v.json" 'j["results"][0]["source"].split("/")[-1]')" "f017.md"
  json "$T/v.json" '"\n".join(r["source"] for r in j["results"])' >"$lib.top"
done
agree=$(sort "$L8.top" | comm -12 - <(sort "$L32.top") | wc -l)
[ "$agree" -ge 9 ] && ok "int8 and f32 top 10 share $agree" || fail "int8 and f32 top 10 share only $agree"

# the saved graph: int8 codes instead of floats
g8=$(sql "$L8" "SELECT sum(length(data)) FROM hnsw_graph")
g32=$(sql "$L32" "SELECT sum(length(data)) FROM hnsw_graph")
echo "saved graph: int8 $g8 bytes, f32 $g32 bytes"
[ "$g8" -gt 0 ] && [ $((g8 * 10)) -lt $((g32 * 7)) ] && ok "int8 graph < 0.7x f32" ||
  fail "int8 graph $g8 bytes vs f32 $g32"

# switching the format rebuilds the graph in the new one; later runs keep it
B index --library "$L8" --vectors f32 --quiet "$T/c" || fail "index --vectors f32 on an int8 library"
B status --library "$L8" --json >"$T/s.json"
expect "switched format" "$(json "$T/s.json" 'j["vector_format"]')" "f32"
expect "graph after switching" "$(json "$T/s.json" 'j["graph"]')" "current"
gs=$(sql "$L8" "SELECT sum(length(data)) FROM hnsw_graph") # links may differ: threads race
[ $((gs * 20)) -gt $((g32 * 19)) ] && [ $((gs * 20)) -lt $((g32 * 21)) ] &&
  ok "graph rebuilt as f32 ($gs bytes)" || fail "graph after switching: $gs bytes, f32 library $g32"
B index --library "$L8" --quiet "$T/c" || fail "re-index"
expect "format kept without --vectors" "$(B status --library "$L8" --json | json /dev/stdin 'j["vector_format"]')" "f32"

# a library from before int8 vectors (made from an f32 one: no vector_format key, the schema
# version before the int8-vectors migration) opens, searches, is migrated and keeps f32; indexing
# it again keeps f32
OLD="$T/old.db"
cp "$L32" "$OLD"
INT8VEC_FROM=2 # the int8-vectors migration is schema version 3 (later ones re-run harmlessly)
"$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM meta WHERE key=?", ("vector_format",)); c.execute("PRAGMA user_version=%d" % int(sys.argv[2])); c.commit()' "$OLD" "$INT8VEC_FROM"
expect "old library's schema before" "$(sql "$OLD" "PRAGMA user_version")" "$INT8VEC_FROM"
B search --library "$OLD" --mode vector --json -n 10 "$q" >"$T/o.json" || fail "search an old library"
expect "old library's top hit" "$(json "$T/o.json" 'j["results"][0]["source"].split("/")[-1]')" "f017.md"
expect "old library's schema after" "$(sql "$OLD" "PRAGMA user_version")" "$SCHEMA"
expect "old library's format" "$(sql "$OLD" "SELECT value FROM meta WHERE key='vector_format'")" "f32"
B index --library "$OLD" --quiet "$T/c" || fail "index an old library"
expect "old library keeps f32" "$(B status --library "$OLD" --json | json /dev/stdin 'j["vector_format"]')" "f32"
B index --library "$OLD" --vectors int8 --quiet "$T/c" || fail "switch an old library to int8"
B search --library "$OLD" --mode vector --json -n 10 "$q" >"$T/o.json" || fail "search after switching"
expect "int8 top hit after switching" "$(json "$T/o.json" 'j["results"][0]["source"].split("/")[-1]')" "f017.md"

# bad input
B index --library "$L8" --vectors int4 "$T/c" 2>"$T/e.txt"
expect "exit status of --vectors int4" "$?" "2"
grep -q "int8 or f32" "$T/e.txt" && ok "--vectors error names the choices" || fail "error: $(cat "$T/e.txt")"

[ $fails -eq 0 ] && echo "PASS" || { echo "$fails failure(s)" >&2; exit 1; }
