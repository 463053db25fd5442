#!/bin/bash
# test_unreadable.sh - issue 10, defect 4 and its sibling: unreadable is not deleted. A file or a
# folder inside an indexed folder that cannot be read keeps what was indexed from it and is named
# (stderr, --json "unreadable_paths"); a file or folder given as an argument that cannot be read
# is an error (exit 1, library untouched); a file deleted during a run is called "deleted during
# the run", not unreadable.
#
# Tests run as root, where mode 000 does not stop reads. brass is therefore run without the
# capabilities that bypass file permissions (setpriv drops CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH from its bounding set), so root-owned mode-000 entries really fail with
# EACCES while the library (owned by root, mode 644) stays writable. The test checks that the
# condition holds (cat must fail) and fails loudly, saying why, when it cannot be created.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

C="$T/c"
mkdir -p "$C/sub"
echo "alpha file with the word plumquat" >"$C/f1.md"
echo "second file with the word vendrisk" >"$C/f2.md"
echo "sub file with the word torvalque" >"$C/sub/s1.md"
echo "another sub file with the word gimblewick" >"$C/sub/s2.md"
L="$T/lib.db"
"$BRASS" index --library "$L" --quiet --json "$C" >"$T/i0.json" || fail "first index"
expect "first index added" "$(json "$T/i0.json" 'j["added"]')" 4

# RUN: how brass runs without permission bypass
if [ "$(id -u)" != 0 ]; then
  RUN=()
elif setpriv --bounding-set -dac_override,-dac_read_search true 2>/dev/null; then
  RUN=(setpriv --bounding-set -dac_override,-dac_read_search)
else
  echo "FAIL: running as root and setpriv cannot drop CAP_DAC_OVERRIDE here: cannot create an unreadable file, so this test cannot check anything" >&2
  exit 1
fi
chmod 000 "$C/f2.md" "$C/sub"
if "${RUN[@]}" cat "$C/f2.md" >/dev/null 2>&1 || "${RUN[@]}" ls "$C/sub" >/dev/null 2>&1; then
  chmod 755 "$C/sub"
  echo "FAIL: mode 000 entries are still readable under '${RUN[*]}': cannot create an unreadable condition here" >&2
  exit 1
fi
ok "unreadable condition created (${RUN[*]:-plain user})"

# ---- inside a folder: kept, named, exit 0 ----
# a copy of a file in the unreadable folder is a new file, not that file renamed (it is not gone)
cat >"$C/copy.md" <<<"sub file with the word torvalque"
"${RUN[@]}" "$BRASS" index --library "$L" --json "$C" >"$T/i1.json" 2>"$T/i1.err"
expect "exit status with unreadable entries inside" "$?" 0
expect "the copy is added, not taken as a rename" "$(json "$T/i1.json" '(j["added"], j["renamed"])')" "(1, 0)"
rm "$C/copy.md"
expect "nothing removed" "$(json "$T/i1.json" 'j["removed"]')" 0
expect "unreadable count" "$(json "$T/i1.json" 'j["unreadable"]')" 2
expect "unreadable paths named" "$(json "$T/i1.json" 'sorted(p.rsplit("/c/", 1)[1] for p in j["unreadable_paths"])')" "['f2.md', 'sub']"
grep -q "cannot read $C/f2.md (Permission denied)" "$T/i1.err" && ok "stderr names the file" || fail "stderr: $(cat "$T/i1.err")"
grep -q "cannot read $C/sub (Permission denied)" "$T/i1.err" && ok "stderr names the folder" || fail "stderr: $(cat "$T/i1.err")"
expect "sources kept (and the copy)" "$(sql "$L" 'select count(*) from sources')" 5
for w in vendrisk gimblewick plumquat; do
  "$BRASS" search --library "$L" --mode keyword --json "$w" >"$T/s.json"
  expect "'$w' still found" "$(json "$T/s.json" 'len(j["results"])')" 1
done
"$BRASS" search --library "$L" --mode keyword --json -n 5 torvalque >"$T/s.json"
expect "'torvalque' found in the unreadable folder and the copy" "$(json "$T/s.json" 'sorted(r["source"].rsplit("/c/", 1)[1] for r in j["results"])')" "['copy.md', 'sub/s1.md']"
# text mode says it too, in its summary
"${RUN[@]}" "$BRASS" index --library "$L" "$C" >"$T/i1.out" 2>/dev/null
grep -q "2 could not be read (kept as indexed)" "$T/i1.out" && ok "text summary counts them" || fail "text summary: $(cat "$T/i1.out")"
grep -q "1 removed" "$T/i1.out" && ok "the deleted copy is removed" || fail "text summary: $(cat "$T/i1.out")"

# ---- an argument that cannot be read: exit 1, one line, library untouched ----
gen=$(sql "$L" "select value from meta where key='generation'")
"${RUN[@]}" "$BRASS" index --library "$L" "$C/sub" >"$T/a.out" 2>"$T/a.err"
expect "unreadable folder argument: exit" "$?" 1
expect "message" "$(tail -n 1 "$T/a.err")" "brass: $C/sub: cannot read the folder: Permission denied"
"${RUN[@]}" "$BRASS" index --library "$L" "$C/f2.md" >"$T/a.out" 2>"$T/a.err"
expect "unreadable file argument: exit" "$?" 1
expect "message" "$(tail -n 1 "$T/a.err")" "brass: $C/f2.md: cannot read the file: Permission denied"
expect "library untouched" "$(sql "$L" "select value from meta where key='generation'")/$(sql "$L" 'select count(*) from sources')" "$gen/4"

# ---- readable again: everything unchanged ----
chmod 755 "$C/sub"
chmod 644 "$C/f2.md"
"$BRASS" index --library "$L" --quiet --json "$C" >"$T/i2.json" || fail "index after chmod back"
expect "readable again: unchanged" "$(json "$T/i2.json" '(j["unchanged"], j["removed"], j["unreadable"])')" "(4, 0, 0)"

# ---- a file deleted during a run: "deleted during the run", then removed and named ----
tiny_model "$T/model"
D="$T/d"
uniq_corpus "$D" 120 3 60
echo "last file with the word zapquill" >"$D/zz.md"
L2="$T/lib2.db"
"$BRASS" index --library "$L2" --model "$T/model" --quiet "$D/zz.md" >/dev/null || fail "index zz.md"
"$BRASS" index --library "$L2" --model "$T/model" --batch 4 --json "$D" >"$T/d.json" 2>"$T/d.err" &
pid=$!
# the walk is done once the first batch is in; zz.md is handled last
for _ in $(seq 1 400); do
  n=$(sql "$L2" "select count(*) from sources" 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 1 ] && break
  sleep 0.05
done
rm -f "$D/zz.md"
wait $pid || fail "index while a file is deleted: $(cat "$T/d.err")"
if grep -q "zz.md (deleted during the run)" "$T/d.err"; then
  ok "a file deleted during the run is called so"
  expect "and it is removed and named" "$(json "$T/d.json" '[p.rsplit("/", 1)[1] for p in j["removed_paths"]]')" "['zz.md']"
  grep -q "removed $D/zz.md (deleted)" "$T/d.err" && ok "removal named on stderr" || fail "removal not named: $(cat "$T/d.err")"
else
  fail "the deletion did not happen during the run, or was called something else: $(grep zz.md "$T/d.err")"
fi
grep -q "unreadable\|cannot read" "$T/d.err" && fail "a deleted file was called unreadable" || ok "nothing called unreadable"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all unreadable checks passed"
