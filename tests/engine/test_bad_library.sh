#!/bin/bash
# test_bad_library.sh - the CLI facing a library file it cannot use, and a disk that fills up.
# Files that are not brass libraries (random bytes, a text file, a truncated library, an empty
# file) and a library with a newer schema version: every command (index, search, status, remove,
# compact) exits 1 with one line on stderr that names the file, and leaves the file byte for byte
# as it was (no WAL or journal left beside it). An empty file becomes a library only through
# `brass index`. Then `brass index` under a file size limit (ulimit -f, SIGXFSZ ignored so that
# writes fail with EFBIG) and, where mounting is permitted, on a small tmpfs (ENOSPC): a clear
# "disk full" message and exit 1; the file passes PRAGMA integrity_check; a run without the limit
# completes, and every source committed before the failure is still there.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
MNT=""
cleanup() {
  [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
nfiles=200
[ -n "${BRASS_TEST_QUICK:-}" ] && nfiles=120

tiny_model "$T/model"
uniq_corpus "$T/corpus" "$nfiles" 4 150
mkdir -p "$T/small"
echo "a few words to index" >"$T/small/a.txt"

# ---- files that are not libraries, and a newer schema ----
B="$T/bad"
mkdir -p "$B"
"$PY" -c 'import random,sys; sys.stdout.buffer.write(random.Random(3).randbytes(8192))' >"$B/random.db"
printf 'This is a text file,\nnot a library.\n' >"$B/text.db"
: >"$B/empty.db"
"$BRASS" index --library "$T/good.db" --model "$T/model" --quiet "$T/small" >/dev/null ||
  fail "index a small library"
head -c 3000 "$T/good.db" >"$B/truncated.db"
cp "$T/good.db" "$B/newer.db"
v=$(sql "$B/newer.db" "PRAGMA user_version")
[ -n "$v" ] && [ "$v" -ge 1 ] || fail "schema version of a new library: '$v'"
"$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=%d" % (int(sys.argv[2]) + 1)); c.commit(); c.close()' \
  "$B/newer.db" "$v"
expect "newer.db schema version" "$(sql "$B/newer.db" "PRAGMA user_version")" $((v + 1))

# check_refused FILE WHAT COMMAND...: exit 1, one stderr line naming FILE and containing WHAT,
# FILE unchanged, no side files.
check_refused() {
  local f=$1 what=$2
  shift 2
  local before after
  before=$(sha256sum "$f" | cut -d' ' -f1)
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  after=$(sha256sum "$f" | cut -d' ' -f1)
  local name="$(basename "$f"): $2 ${5:-}"
  [ $rc -eq 1 ] || fail "$name: exit $rc, want 1 ($(head -c 300 "$T/err"))"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$T/err")"
  grep -qF "$f" "$T/err" || fail "$name: message does not name the file: $(cat "$T/err")"
  grep -qiF "$what" "$T/err" || fail "$name: message does not say '$what': $(cat "$T/err")"
  [ "$before" == "$after" ] || fail "$name: the file changed"
  for s in -wal -shm -journal; do [ -e "$f$s" ] && fail "$name: left $f$s behind"; done
  [ $rc -eq 1 ] && ok "$name refused: $(cat "$T/err")"
}
for f in random text truncated newer empty; do
  case $f in
    random | text) what="not a brass library" ;;
    truncated) what="corrupt" ;;
    newer) what="newer" ;;
    empty) what="empty" ;;
  esac
  L="$B/$f.db"
  [ $f != empty ] && check_refused "$L" "$what" "$BRASS" index --library "$L" --model "$T/model" "$T/small"
  check_refused "$L" "$what" "$BRASS" search --library "$L" words
  check_refused "$L" "$what" "$BRASS" search --library "$L" --mode vector --model "$T/model" words
  check_refused "$L" "$what" "$BRASS" status --library "$L"
  check_refused "$L" "$what" "$BRASS" remove --library "$L" "$T/small/a.txt"
  check_refused "$L" "$what" "$BRASS" compact --library "$L"
done
# an empty file is a library not yet created: `brass index` makes it one
"$BRASS" index --library "$B/empty.db" --model "$T/model" --quiet "$T/small" >/dev/null 2>"$T/err" ||
  fail "index into an empty file: $(cat "$T/err")"
expect "sources in the formerly empty file" "$(sql "$B/empty.db" "SELECT count(*) FROM sources")" 1

# ---- a disk that fills up ----
integrity() { sql "$1" "PRAGMA integrity_check"; }
sources() { sql "$1" "SELECT path FROM sources ORDER BY path"; }
"$BRASS" index --model "$T/model" --library "$T/ref.db" --batch 16 --quiet --json "$T/corpus" \
  >/dev/null || fail "reference index"
ref_sources=$(sources "$T/ref.db" | wc -l)
ref_chunks=$(sql "$T/ref.db" "SELECT count(*) FROM chunks")
expect "reference sources" "$ref_sources" "$nfiles"
ref_kb=$(($(stat -c %s "$T/ref.db") / 1024))

# after_full NAME LIB: the failed run's library is sound and a run without the limit completes
# without losing what was committed before.
after_full() {
  local name=$1 L=$2
  expect "$name: integrity after the failure" "$(integrity "$L")" ok
  sources "$L" >"$T/committed"
  local n
  n=$(wc -l <"$T/committed")
  if [ "$n" -ge 1 ] && [ "$n" -lt "$ref_sources" ]; then
    ok "$name: $n of $ref_sources sources committed before the failure"
  else
    fail "$name: $n of $ref_sources sources committed before the failure (want some, not all)"
  fi
  "$BRASS" index --model "$T/model" --library "$L" --batch 16 --quiet --json "$T/corpus" \
    >/dev/null 2>"$T/err" || fail "$name: index without the limit: $(cat "$T/err")"
  expect "$name: integrity after completing" "$(integrity "$L")" ok
  expect "$name: sources after completing" "$(sources "$L" | wc -l)" "$ref_sources"
  expect "$name: chunks after completing" "$(sql "$L" "SELECT count(*) FROM chunks")" "$ref_chunks"
  local lost
  lost=$(sources "$L" | comm -23 "$T/committed" -)
  [ -z "$lost" ] && ok "$name: no committed source lost" || fail "$name: committed sources lost: $lost"
  "$BRASS" search --library "$L" --mode keyword --json -n 1 Uniq0000word >"$T/s.json" 2>"$T/err" &&
    grep -q 'f000.md' "$T/s.json" || fail "$name: search after completing: $(cat "$T/err")"
}

# full_run NAME LIB [ulimit -f KB]: one `brass index` that must fail with a disk-full message
full_run() {
  local name=$1 L=$2 kb=${3:-}
  (
    [ -n "$kb" ] && ulimit -f "$kb"
    trap '' XFSZ
    exec "$BRASS" index --model "$T/model" --library "$L" --batch 16 --quiet --json "$T/corpus"
  ) >/dev/null 2>"$T/err"
  local rc=$?
  [ $rc -eq 1 ] || fail "$name: exit $rc, want 1 ($(cat "$T/err"))"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$T/err")"
  grep -qF "$L: disk full" "$T/err" && ok "$name: $(cat "$T/err")" ||
    fail "$name: no clear disk-full message naming the file: $(cat "$T/err")"
}

limit=$((ref_kb / 2))
full_run "file size limit ${limit} KiB" "$T/limited.db" "$limit"
after_full "file size limit" "$T/limited.db"

MNT="$T/mnt"
mkdir -p "$MNT"
if mount -t tmpfs -o size=$((ref_kb / 2))k tmpfs "$MNT" 2>/dev/null; then
  full_run "tmpfs of $((ref_kb / 2)) KiB" "$MNT/lib.db"
  if mount -o remount,size=$((ref_kb * 4))k "$MNT" 2>/dev/null; then
    after_full "tmpfs" "$MNT/lib.db"
  else
    fail "cannot grow the tmpfs"
  fi
else
  MNT=""
  echo "skip: cannot mount a tmpfs here (not root?): the file size limit covers a full disk"
fi

if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
