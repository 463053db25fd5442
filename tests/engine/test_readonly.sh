#!/bin/bash
# test_readonly.sh - libraries brass may read but not write, and libraries it cannot create
# (issue 10). Permission bits do not stop root, so brass runs as the unprivileged user nobody
# (setpriv) where the test runs as root; a read-only bind mount covers EROFS for root itself.
#  - a library in a folder nobody may not write: search (text, --json), status and serve's
#    /api/search work, create no -wal/-shm files, and change nothing; index, remove and compact
#    exit 1 naming the cause;
#  - a read-only library file in a folder anyone may write (sticky, like /tmp): search works and
#    leaves no files owned by the reader beside it;
#  - a -wal file holding commits beside a library in a read-only folder: read through it when the
#    -shm file exists (a writer is active), a clear message when it does not;
#  - creating a library in a missing folder or one nobody may not write: "folder ... does not
#    exist" / "Permission denied", not "unable to open database file";
#  - a read-only bind mount (when mounting is permitted): root searches, index says why not.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
MNT=""
cleanup() {
  [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "skip: needs root and setpriv to run brass as nobody (permission bits do not bind root)"
  exit 0
fi
chmod 755 "$T"
# the brass binary and its folders must be reachable by nobody
BIN="$T/bin"
mkdir -p "$BIN" && cp "$BRASS" "$BIN/brass" && chmod 755 "$BIN" "$BIN/brass"
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$BIN/brass")

C="$T/corpus"
mkdir -p "$C"
printf '# Guide\n\nThe quorflax setting lives here.\n' >"$C/guide.md"
printf 'Another quorflax note.\n' >"$C/note.txt"
chmod -R a+rX "$C"
D="$T/ro"
mkdir -p "$D"
"$BRASS" index --quiet --library "$D/lib.db" "$C" >/dev/null || fail "index as root"
chmod 755 "$D" && chmod 644 "$D/lib.db"
sum_before=$(sha256sum "$D/lib.db")

# ---- read-only folder ----
"${AS_NOBODY[@]}" search --library "$D/lib.db" quorflax >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] && grep -q 'guide.md' "$T/out" && grep -q 'note.txt' "$T/out" &&
  ok "nobody searches a library in a read-only folder" || fail "search read-only folder: exit $rc, $(cat "$T/out" "$T/err")"
"${AS_NOBODY[@]}" search --library "$D/lib.db" --json quorflax >"$T/j" 2>"$T/err"
expect "--json search results" "$(json "$T/j" 'len(j["results"])')" 2
"${AS_NOBODY[@]}" status --library "$D/lib.db" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] && grep -q '^sources   2$' "$T/out" && ok "nobody runs status on it" ||
  fail "status read-only folder: exit $rc, $(cat "$T/out" "$T/err")"
expect "files beside the library" "$(ls "$D")" "lib.db"
expect "library unchanged" "$(sha256sum "$D/lib.db")" "$sum_before"
refused() { # refused WHAT ARGS...: run as nobody, exit 1 naming the read-only library
  local what="$1"
  shift
  "${AS_NOBODY[@]}" "$@" >/dev/null 2>"$T/err"
  local rc=$?
  [ "$rc" = 1 ] && grep -q "$D/lib.db: cannot write to the library: Permission denied" "$T/err" &&
    ok "$what refused: $(cat "$T/err")" || fail "$what on a read-only library: exit $rc, $(cat "$T/err")"
}
refused index index --library "$D/lib.db" "$C"
refused remove remove --library "$D/lib.db" "$C/note.txt"
refused compact compact --library "$D/lib.db"
expect "library still unchanged" "$(sha256sum "$D/lib.db")" "$sum_before"

# ---- brass serve --library on it: /api/search answers (needs curl) ----
if command -v curl >/dev/null; then
  WEB="$T/web"
  mkdir -p "$WEB" && echo '<!doctype html>' >"$WEB/index.html" && chmod -R a+rX "$WEB"
  "${AS_NOBODY[@]}" serve --port 0 --root "$WEB" --library "$D/lib.db" >"$T/sout" 2>"$T/serr" &
  SPID=$!
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's#^brass serve: http://127\.0\.0\.1:\([0-9][0-9]*\)/ .*#\1#p' "$T/sout")
    [ -n "$PORT" ] && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$PORT" ]; then
    curl -s --max-time 10 "http://127.0.0.1:$PORT/api/search?q=quorflax&mode=keyword" >"$T/j"
    expect "serve /api/search on a read-only library: results" "$(json "$T/j" 'len(j["results"])' 2>&1)" 2
  else
    fail "serve --library on a read-only library did not start: $(cat "$T/sout" "$T/serr")"
  fi
  kill -TERM "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null
  expect "files beside the library after serve" "$(ls "$D")" "lib.db"
fi

# ---- read-only file in a folder anyone may write ----
chmod 1777 "$D"
"${AS_NOBODY[@]}" search --library "$D/lib.db" quorflax >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] && grep -q 'guide.md' "$T/out" && ok "nobody searches a read-only file in a sticky folder" ||
  fail "search read-only file: exit $rc, $(cat "$T/err")"
expect "no files left by the reader" "$(ls "$D")" "lib.db"
"${AS_NOBODY[@]}" index --library "$D/lib.db" "$C" >/dev/null 2>"$T/err"
grep -q "cannot write to the library: Permission denied" "$T/err" && ok "index refused: read-only file" ||
  fail "index read-only file: $(cat "$T/err")"
chmod 755 "$D"

# ---- a -wal file with commits beside it ----
W="$T/wal"
mkdir -p "$W"
cp "$D/lib.db" "$W/lib.db"
"$PY" - "$W/lib.db" "$T/wal-copy" <<'PY' &
import os, shutil, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("INSERT INTO meta(key, value) VALUES ('test_wal_marker', '1')")
os.makedirs(sys.argv[2])
for s in ("", "-wal"):  # a copy with the -wal but no -shm: what a crashed writer leaves behind
    shutil.copy(sys.argv[1] + s, sys.argv[2] + "/lib.db" + s)
open(sys.argv[2] + "/ready", "w").close()
time.sleep(4)
PY
WPID=$!
for _ in $(seq 50); do [ -e "$T/wal-copy/ready" ] && break; sleep 0.1; done
rm -f "$T/wal-copy/ready"
chmod 755 "$W" "$T/wal-copy" && chmod 644 "$W"/* "$T/wal-copy"/*
[ -s "$W/lib.db-wal" ] && [ -e "$W/lib.db-shm" ] && ok "a writer holds a -wal with commits" || fail "no -wal: $(ls -l "$W")"
"${AS_NOBODY[@]}" search --library "$W/lib.db" quorflax >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] && grep -q guide.md "$T/out" && ok "search works with a -wal and -shm beside it in a read-only folder" ||
  fail "search with a -wal: exit $rc, $(cat "$T/err")"
"${AS_NOBODY[@]}" search --library "$T/wal-copy/lib.db" quorflax >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && grep -q "lib.db-wal holds changes not yet written into the library" "$T/err" &&
  ok "-wal without -shm in a read-only folder: $(cat "$T/err")" || fail "-wal without -shm: exit $rc, $(cat "$T/err")"
wait "$WPID"

# ---- creating a library where that is impossible ----
"$BRASS" index --library "$T/missing/dir/lib.db" "$C" >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && grep -qF "$T/missing/dir/lib.db: cannot create the library: folder $T/missing/dir does not exist" "$T/err" &&
  ok "missing folder named: $(cat "$T/err")" || fail "missing folder: exit $rc, $(cat "$T/err")"
"${AS_NOBODY[@]}" index --library "$D/new.db" "$C" >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && grep -qF "$D/new.db: cannot create the library in folder $D: Permission denied" "$T/err" &&
  [ ! -e "$D/new.db" ] && ok "unwritable folder named: $(cat "$T/err")" || fail "unwritable folder: exit $rc, $(cat "$T/err")"
"$BRASS" index --library "$C/guide.md/lib.db" "$C" >/dev/null 2>"$T/err"
grep -q "is not a folder" "$T/err" && ok "a file as the folder: $(cat "$T/err")" || fail "file as folder: $(cat "$T/err")"

# ---- a read-only mount: root itself cannot write ----
MNT="$T/mnt"
mkdir -p "$MNT"
if mount --bind "$D" "$MNT" 2>/dev/null && mount -o remount,ro,bind "$MNT" 2>/dev/null; then
  "$BRASS" search --library "$MNT/lib.db" quorflax >"$T/out" 2>"$T/err"
  rc=$?
  [ "$rc" = 0 ] && grep -q guide.md "$T/out" && ok "root searches a library on a read-only mount" ||
    fail "read-only mount search: exit $rc, $(cat "$T/err")"
  "$BRASS" index --library "$MNT/lib.db" "$C" >/dev/null 2>"$T/err"
  grep -q "cannot write to the library: Read-only file system" "$T/err" && ok "index on a read-only mount: $(cat "$T/err")" ||
    fail "read-only mount index: $(cat "$T/err")"
  umount "$MNT"
else
  umount "$MNT" 2>/dev/null
  MNT=""
  echo "skip: cannot make a read-only bind mount here; the nobody checks cover read-only use"
fi

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all read-only library checks passed"
