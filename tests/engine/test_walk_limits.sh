#!/bin/bash
# test_walk_limits.sh - issue 10, defect 5: folders deeper than the walk's 64 levels are not
# dropped silently (count and an example path, on stderr and in --json); a file indexed by hand
# down there is kept by the next run on its parent (and removed once it is really gone); and
# every file a run removes is named (--json "removed_paths" lists all; text mode shows the first
# five and counts the rest); files indexed by name inside hidden or ignored places are kept by
# runs over their parent folder until they are gone.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

C="$T/c"
L="$T/lib.db"
# a chain of 70 folders: d1/d2/.../d70, a file at depth 60 and one at depth 70
p="$C"
for i in $(seq 1 70); do
  p="$p/d$i"
  [ $i -eq 60 ] && deep60="$p"
done
mkdir -p "$p"
echo "file at depth sixty with the word quillomber" >"$deep60/sixty.md"
echo "file at depth seventy with the word brastivane" >"$p/seventy.md"
echo "top file with the word hemlocrash" >"$C/top.md"

"$BRASS" index --library "$L" --quiet --json "$p/seventy.md" >"$T/i0.json" || fail "index the deep file by hand"
expect "deep file indexed by hand" "$(json "$T/i0.json" 'j["added"]')" 1
"$BRASS" index --library "$L" --json "$C" >"$T/i1.json" 2>"$T/i1.err" || fail "index the parent: $(cat "$T/i1.err")"
expect "parent run: added (top + depth 60)" "$(json "$T/i1.json" 'j["added"]')" 2
expect "parent run: the hand-indexed deep file is not removed" "$(json "$T/i1.json" '(j["removed"], j["removed_paths"])')" "(0, [])"
expect "parent run: folders not walked" "$(json "$T/i1.json" 'j["not_walked"]')" 1
ex=$(json "$T/i1.json" 'j["not_walked_example"]')
case "$ex" in "$C"/d1/*/d65) ok "example path is the first folder past the limit" ;; *) fail "not_walked_example: $ex" ;; esac
grep -q "1 folder deeper than 64 levels not walked (what is indexed there is kept), e.g. $C/d1/.*/d65\$" "$T/i1.err" &&
  ok "stderr says what was not walked" || fail "stderr: $(cat "$T/i1.err")"
for w in quillomber brastivane hemlocrash; do
  "$BRASS" search --library "$L" --mode keyword --json "$w" >"$T/s.json"
  expect "'$w' found" "$(json "$T/s.json" 'len(j["results"])')" 1
done
# once the deep file is really gone, the parent run removes it and names it
rm "$p/seventy.md"
"$BRASS" index --library "$L" --json --quiet "$C" >"$T/i2.json" || fail "index after deleting the deep file"
expect "gone deep file removed and named" "$(json "$T/i2.json" '[q.rsplit("/", 1)[1] for q in j["removed_paths"]]')" "['seventy.md']"

# ---- removals are named: text mode shows five and counts the rest, --json lists all ----
mkdir -p "$C/many"
for i in $(seq 1 8); do echo "many file $i" >"$C/many/m$i.md"; done
"$BRASS" index --library "$L" --quiet "$C" >/dev/null || fail "index many"
rm "$C"/many/m*.md
"$BRASS" index --library "$L" "$C" >"$T/t.out" 2>"$T/t.err" || fail "index after deleting many"
expect "text mode: removal lines" "$(grep -c "^brass: removed $C/many/m[0-9].md (deleted)\$" "$T/t.err")" 5
grep -q "^brass: ... and 3 more removed (--json lists them all)\$" "$T/t.err" && ok "text mode counts the rest" || fail "stderr: $(cat "$T/t.err")"
grep -q "8 removed" "$T/t.out" && ok "summary: 8 removed" || fail "summary: $(cat "$T/t.out")"
for i in $(seq 1 8); do echo "many file $i again" >"$C/many/m$i.md"; done
"$BRASS" index --library "$L" --quiet "$C" >/dev/null || fail "index many again"
rm "$C"/many/m*.md
"$BRASS" index --library "$L" --json --quiet "$C" >"$T/j.json" || fail "index --json after deleting many"
expect "json lists every removal" "$(json "$T/j.json" 'sorted(q.rsplit("/", 1)[1] for q in j["removed_paths"])')" \
  "['m1.md', 'm2.md', 'm3.md', 'm4.md', 'm5.md', 'm6.md', 'm7.md', 'm8.md']"
# a file that is now ignored is removed with that reason
echo "ignored later with the word frondelsk" >"$C/later.md"
"$BRASS" index --library "$L" --quiet "$C" >/dev/null || fail "index later.md"
echo "later.md" >"$C/.gitignore"
"$BRASS" index --library "$L" "$C" >/dev/null 2>"$T/g.err" || fail "index with the ignore rule"
grep -q "removed $C/later.md (no longer indexed: ignored, hidden, binary or too large)" "$T/g.err" &&
  ok "an ignored file's removal says why" || fail "stderr: $(cat "$T/g.err")"

# ---- files indexed by name in places a folder walk does not select stay until they are gone ----
mkdir -p "$C/.hidden"
echo "hidden file with the word skarnolith" >"$C/.hidden/h.md"
echo "ignored file with the word pellodrane" >"$C/ignored.md"
echo "ignored.md" >>"$C/.gitignore"
"$BRASS" index --library "$L" --quiet --json "$C/.hidden/h.md" "$C/ignored.md" >"$T/e.json" || fail "index by name"
expect "indexed by name" "$(json "$T/e.json" 'j["added"]')" 2
"$BRASS" index --library "$L" --quiet --json "$C" >"$T/e2.json" || fail "index the parent"
expect "the parent run keeps files indexed by name" "$(json "$T/e2.json" '(j["removed"], j["removed_paths"])')" "(0, [])"
for w in skarnolith pellodrane; do
  "$BRASS" search --library "$L" --mode keyword --json "$w" >"$T/s.json"
  expect "'$w' still found" "$(json "$T/s.json" 'len(j["results"])')" 1
done
rm "$C/ignored.md"
"$BRASS" index --library "$L" --quiet --json "$C" >"$T/e3.json" || fail "index after deleting one"
expect "a file indexed by name is removed once gone" "$(json "$T/e3.json" '[q.rsplit("/", 1)[1] for q in j["removed_paths"]]')" "['ignored.md']"
expect "and its record goes with it" "$(sql "$L" "select count(*) from meta where key like 'explicit:%'")" 1

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all walk-limit checks passed"
