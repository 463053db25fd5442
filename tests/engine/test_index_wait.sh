#!/bin/bash
# test_index_wait.sh - issue 10 leftover: a second writer waits for the first instead of failing.
#  - While `brass index` runs (stopped with SIGSTOP once it holds the writer lock, so that this
#    does not depend on the machine's speed), a second `brass index` on the same library waits
#    for it (one notice "waiting for another process indexing LIB..." on stderr, even without a
#    terminal) and finishes after it; `--wait 0` fails at once with "locked by another process";
#    a search meanwhile answers (readers never wait for writers).
#  - The writer lock (an flock on LIB-lock) held by another process: index, remove and compact
#    with --wait 0 fail at once, a --wait shorter than the hold gives up after it, the default
#    waits and succeeds once the lock is released.
#  - SQLite's write lock held by another process for longer than a second (as a search saving a
#    rebuilt graph does): the index run waits ("writing to") and succeeds. (Each hold ends when
#    the waiter has said it waits, so no check depends on the machine's speed.)
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

tiny_model "$T/model"
na=40
[ "${BRASS_TEST_QUICK:-0}" = 1 ] && na=12 # the first run is stopped anyway; ASan is slow
uniq_corpus "$T/a" $na 4 80
mkdir -p "$T/b"
echo "Bravoonlyword lives in the second folder." >"$T/b/only.md"
L="$T/lib.db"
held() { ! flock -n "$L-lock" true 2>/dev/null; }
# notice FILE WHAT: waits (up to 30 s: slow under ASan) for the waiting notice in FILE; 1 if none
notice() {
  for _ in $(seq 1500); do
    grep -q "^brass: waiting for another process $2 $L\.\.\.$" "$1" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# ---- a real indexer running: the second waits, --wait 0 fails, a search answers ----
"$BRASS" index --model "$T/model" --library "$L" --batch 2 --quiet "$T/b" >/dev/null ||
  fail "first small index"
"$BRASS" index --model "$T/model" --library "$L" --batch 2 --quiet "$T/a" >"$T/a.out" 2>"$T/a.err" &
pa=$!
for _ in $(seq 500); do held && break; sleep 0.01; done
# stopped while it holds the writer lock (and perhaps SQLite's write lock in a batch), so that the
# checks below see it running however fast this machine is
kill -STOP $pa
if held; then
  timeout 20 "$BRASS" index --library "$L" --wait 0 "$T/b" >"$T/w0.out" 2>"$T/w0.err"
  expect "--wait 0 while another indexes: exit status (at once, not after a wait)" $? 1
  grep -q "lib.db: the library is locked by another process" "$T/w0.err" ||
    fail "--wait 0 message: $(cat "$T/w0.err")"
  "$BRASS" search --library "$L" --mode keyword --json Bravoonlyword >"$T/s.json" 2>"$T/s.err"
  expect "a search while indexing: exit status" $? 0
  expect "a search while indexing finds the first run's file" \
    "$(json "$T/s.json" 'j["results"][0]["source"].endswith("only.md")')" True
  echo "Secondrunword was added later." >>"$T/b/only.md"
  "$BRASS" index --library "$L" "$T/b" >"$T/w.out" 2>"$T/w.err" &
  pb=$!
  notice "$T/w.err" indexing && ok "the second indexer says it waits" ||
    fail "no waiting notice from the second indexer: $(cat "$T/w.err")"
  expect "the second indexer waits" "$(kill -0 $pb 2>/dev/null && echo waiting || echo finished)" waiting
  kill -CONT $pa
  wait $pb
  expect "second indexer: exit status" $? 0
  # each run writes its summary line last: the first's must be older than the second's
  expect "the first indexer had finished before the second finished" \
    "$("$PY" -c "import os; print(os.path.getmtime('$T/a.out') <= os.path.getmtime('$T/w.out'))")" True
  expect "second indexer: one waiting notice" \
    "$(grep -c "^brass: waiting for another process indexing $L\.\.\.$" "$T/w.err")" 1
else
  kill -CONT $pa
  fail "the first indexer never held the writer lock"
fi
wait $pa
expect "first indexer: exit status" $? 0
"$BRASS" search --library "$L" --mode keyword --json Secondrunword >"$T/s2.json"
expect "the second run's change is indexed" \
  "$(json "$T/s2.json" 'j["results"][0]["source"].endswith("only.md")')" True
"$BRASS" status --library "$L" --json >"$T/st.json"
expect "sources after both runs" "$(json "$T/st.json" 'j["sources"]')" $((na + 1))
expect "every chunk has a vector" "$(json "$T/st.json" 'j["vectors"] == j["chunks"]')" True

# ---- the writer lock held by another process until it is killed ----
"$PY" -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' "$L-lock" &
ph=$!
for _ in $(seq 200); do held && break; sleep 0.02; done
for cmd in "index:$T/b" "remove:$T/b/only.md" "compact:"; do
  # shellcheck disable=SC2086
  "$BRASS" "${cmd%%:*}" --library "$L" --wait 0 ${cmd#*:} >/dev/null 2>"$T/c.err"
  expect "${cmd%%:*} --wait 0 while locked: exit status" $? 1
  grep -q "locked by another process" "$T/c.err" || fail "${cmd%%:*} --wait 0: $(cat "$T/c.err")"
done
"$BRASS" index --library "$L" --wait 1 --quiet "$T/b" >/dev/null 2>"$T/c.err"
expect "index --wait 1 while locked: exit status" $? 1
grep -q "locked by another process (still indexing, removing or compacting it after 1 s)" \
  "$T/c.err" || fail "--wait 1 message: $(cat "$T/c.err")"
echo "b2" >>"$T/b/only.md"
"$BRASS" index --library "$L" "$T/b" >/dev/null 2>"$T/c.err" &
pi=$!
notice "$T/c.err" indexing || fail "no waiting notice while locked: $(cat "$T/c.err")"
ki=$(kill -0 $pi 2>/dev/null && echo waiting || echo finished)
expect "index (default wait) while locked" "$ki" waiting
kill $ph
wait $ph 2>/dev/null
wait $pi
expect "index after the lock was let go: exit status" $? 0
expect "index after the lock was let go: one waiting notice" \
  "$(grep -c "^brass: waiting for another process indexing $L\.\.\.$" "$T/c.err")" 1
expect "no lock file left beside the library" "$(ls "$T" | grep -c 'lib.db-lock')" 0

# ---- SQLite's write lock held by another process until the indexer says it waits ----
rm -f "$T/c.err"
"$PY" - "$L" "$T/c.err" <<'PYEOF' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[1] + ".held", "w").close()
for _ in range(1500):  # up to 30 s
    if os.path.exists(sys.argv[2]) and "waiting for another process writing to" in open(sys.argv[2]).read():
        break
    time.sleep(0.02)
c.execute("ROLLBACK")
PYEOF
pp=$!
for _ in $(seq 200); do [ -e "$L.held" ] && break; sleep 0.02; done
echo "b3" >>"$T/b/only.md"
"$BRASS" index --library "$L" "$T/b" >/dev/null 2>"$T/c.err"
expect "index while SQLite's write lock is held: exit status" $? 0
expect "index while SQLite's write lock is held: one 'writing to' notice" \
  "$(grep -c "^brass: waiting for another process writing to $L\.\.\.$" "$T/c.err")" 1
wait $pp

[ "$fails" -eq 0 ] && echo "all ok" || { echo "$fails failed" >&2; exit 1; }
