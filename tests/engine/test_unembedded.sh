#!/bin/bash
# test_unembedded.sh - issue 10, defect 1: chunks indexed before the library had a model must get
# vectors from the next indexing run that has one (wherever their files lie), `status` must count
# vectors instead of assuming one per chunk, and vector/hybrid search must say when some chunks
# have no vector rather than silently missing them.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

tiny_model "$T/model"
mkdir -p "$T/a" "$T/b"
for i in 1 2 3; do
  printf '# Alpha %d\n\nThe zorblatt%d paragraph lives in folder A and talks about kettles.\n' $i $i >"$T/a/a$i.md"
  printf '# Beta %d\n\nThe quimfrey%d paragraph lives in folder B and talks about ladders.\n' $i $i >"$T/b/b$i.md"
done
L="$T/lib.db"
st() { "$BRASS" status --library "$L" --json >"$T/st.json" && json "$T/st.json" "$1"; }
nvec() { sql "$L" "select count(*) from vectors"; }
nchunk() { sql "$L" "select count(*) from chunks"; }

# ---- the issue's sequence: A without a model, B with it, A again ----
"$BRASS" index --library "$L" --quiet --json "$T/a" >"$T/i1.json" || fail "index A without a model"
expect "keyword-only: status vectors (counted)" "$(st 'j["vectors"]')" 0
expect "keyword-only: chunks" "$(st 'j["chunks"]')" 3
"$BRASS" index --library "$L" --model "$T/model" --quiet --json "$T/b" >"$T/i2.json" || fail "index B with the model"
expect "B's run embeds B's and A's chunks" "$(json "$T/i2.json" 'j["chunks_embedded"]')" 6
expect "vectors in the file = chunks" "$(nvec)" "$(nchunk)"
expect "status vectors = what the file holds" "$(st 'j["vectors"]')" "$(nvec)"
"$BRASS" index --library "$L" --quiet --json "$T/a" >"$T/i3.json" || fail "index A again"
expect "A again: nothing left to embed" "$(json "$T/i3.json" 'j["chunks_embedded"]')" 0
expect "A again: unchanged" "$(json "$T/i3.json" 'j["unchanged"]')" 3
# A's chunks are found by the vector half: a chunk's own text is its nearest neighbour
"$BRASS" search --library "$L" --mode keyword --json zorblatt2 >"$T/k.json"
TEXT=$(json "$T/k.json" 'j["results"][0]["text"]')
for ex in "" --exact; do
  "$BRASS" search --library "$L" --mode vector $ex --json -- "$TEXT" >"$T/v.json" || fail "vector search $ex"
  expect "vector$ex finds A's chunk" "$(json "$T/v.json" 'j["results"][0]["source"].endswith("a/a2.md")')" True
  expect "vector$ex: no note" "$(json "$T/v.json" 'j["note"]')" None
done

# ---- a library left with chunks but no vectors (as older brass versions left them) ----
# drop_vectors PATTERN: deletes the vectors of the sources whose path is LIKE PATTERN, committed as
# a batch (generation bumped), which is the state the old bug left: a graph without those vectors
drop_vectors() {
  "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("delete from vectors where chunk_id in (select c.id from chunks c join documents d on d.id=c.document_id join sources s on s.id=d.source_id where s.path like ?)", (sys.argv[2],)); c.execute("update meta set value = value + 1 where key = ?", ("generation",)); c.commit()' "$L" "$1"
}
drop_vectors "%/a/%"
expect "status counts the missing vectors" "$(st 'j["chunks"] - j["vectors"]')" 3
"$BRASS" status --library "$L" >"$T/st.txt"
grep -q "3 chunks have no vector yet" "$T/st.txt" && ok "status text says 3 chunks have no vector" ||
  fail "status text does not name the missing vectors: $(cat "$T/st.txt")"
for mode in vector hybrid; do
  for ex in "" --exact; do
    [ "$mode" == hybrid ] && [ -n "$ex" ] && continue
    "$BRASS" search --library "$L" --mode $mode $ex --json -- "$TEXT" >"$T/n.json" 2>"$T/n.err" || fail "search $mode $ex"
    expect "$mode$ex search: unembedded count" "$(json "$T/n.json" 'j["unembedded"]')" 3
    expect "$mode$ex search: note says so" "$(json "$T/n.json" '"no vector" in (j["note"] or "")')" True
  done
done
"$BRASS" search --library "$L" --mode vector -- "$TEXT" >/dev/null 2>"$T/n.err"
grep -q "no vector yet" "$T/n.err" && ok "text search warns on stderr" || fail "no warning on stderr: $(cat "$T/n.err")"
# the next run with the model embeds them, even though it is given only folder B
"$BRASS" index --library "$L" --quiet --json "$T/b" >"$T/i4.json" || fail "index B again"
expect "run over B embeds A's missing vectors" "$(json "$T/i4.json" 'j["chunks_embedded"]')" 3
expect "vectors = chunks again" "$(nvec)" "$(nchunk)"
expect "graph current" "$(st 'j["graph"]')" current
"$BRASS" search --library "$L" --mode vector --json -- "$TEXT" >"$T/v.json"
expect "A's chunk found again" "$(json "$T/v.json" 'j["results"][0]["source"].endswith("a/a2.md")')" True
expect "no note any more" "$(json "$T/v.json" 'j["unembedded"]')" 0

# ---- a walked file whose chunks lack vectors is re-chunked with the model's tokenizer ----
drop_vectors "%/b/b1.md"
"$BRASS" index --library "$L" --quiet --json "$T/b" >"$T/i5.json" || fail "index B a third time"
expect "b1 re-embedded as an update" "$(json "$T/i5.json" '(j["updated"], j["unchanged"], j["chunks_embedded"])')" "(1, 2, 1)"
expect "vectors = chunks at the end" "$(nvec)" "$(nchunk)"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all unembedded-vector checks passed"
