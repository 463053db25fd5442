#!/bin/bash
# test_big_file.sh - issue 10, defect 6: a file larger than a batch is committed a batch of
# chunks at a time, with progress shown inside the file, so kill -9 in the middle of it loses at
# most the batch in flight; the next run continues where the last committed batch ended (the
# library records the content hash and the chunks committed) instead of starting over, and ends
# with exactly the chunks of an uninterrupted run. If the file changed in between, the next run
# starts it over.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
command -v script >/dev/null || { echo "FAIL: util-linux script(1) is missing" >&2; exit 1; }

sections=300
[ -n "${BRASS_TEST_QUICK:-}" ] && sections=120
tiny_model "$T/model"
mkdir -p "$T/c"
"$PY" - "$T/c/big.md" "$sections" <<'PYEOF'
import random, sys
rng = random.Random(3)
words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
with open(sys.argv[1], "w") as f:
    for s in range(int(sys.argv[2])):
        f.write("# Part %d\n\n" % s)
        for p in range(4):
            f.write("Bigword%04d %s.\n\n" % (s * 4 + p, " ".join(rng.choice(words) for _ in range(40))))
PYEOF
BATCH=32
idx() { "$BRASS" index --model "$T/model" --library "$1" --batch $BATCH --chunk-tokens 16 "${@:2}" "$T/c"; }
chunks_of() { sql "$1" "select count(*) from chunks"; }
listing() { sql "$1" "select seq || ':' || byte_start || '-' || byte_end || ':' || length(body) from chunks order by seq"; }
integrity() { sql "$1" "pragma integrity_check"; }

# ---- reference, on a terminal: progress inside the file ----
script -qec "stty cols 150; exec $BRASS index --model '$T/model' --library '$T/ref.db' --batch $BATCH --chunk-tokens 16 '$T/c'" \
  /dev/null >"$T/tty.out" </dev/null || fail "reference index"
N=$(chunks_of "$T/ref.db")
[ "$N" -gt $((BATCH * 20)) ] && ok "big file: $N chunks, batches of $BATCH" || fail "only $N chunks: the file is not big"
"$PY" - "$T/tty.out" <<'PYEOF' && ok "progress shown inside the file" || fail "no progress inside the file: $(tail -c 300 "$T/tty.out")"
import re, sys
d = open(sys.argv[1], "rb").read().decode()
def num(t):
    return float(t[:-1]) * 1000 if t.endswith("k") else float(t)
parts = re.findall(r"big\.md (\d+(?:\.\d)?k?)/(\d+(?:\.\d)?k?) chunks", d)
# a count drawn part-way through the file: the bar redraws at most 10 times a second and the
# file takes well under a second on a fast build, so the number of draws is not asserted
sys.exit(0 if any(0 < num(a) < num(b) for a, b in parts) else 1)
PYEOF
# the graph build (over 1024 vectors) shows its progress too
grep -qaE "graph [0-9.]+k?/[0-9.]+k?" "$T/tty.out" && ok "graph build progress shown" || fail "no graph progress: $(tail -c 300 "$T/tty.out")"

# ---- kill -9 in the middle of the file ----
L="$T/lib.db"
killed=0
for attempt in 1 2 3; do
  rm -f "$L"*
  "$BRASS" index --model "$T/model" --library "$L" --batch $BATCH --chunk-tokens 16 --quiet "$T/c" >/dev/null 2>&1 &
  pid=$!
  # wait until about a third of the file is committed, then kill
  for _ in $(seq 1 600); do
    n=$(chunks_of "$L" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge $((N / 3)) ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.02
  done
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  K=$(chunks_of "$L")
  if [ "$K" -gt 0 ] && [ "$K" -lt "$N" ]; then killed=1; break; fi
done
[ $killed -eq 1 ] && ok "killed with $K of $N chunks committed" || fail "could not kill the run in the middle of the file ($K of $N)"
expect "integrity after kill" "$(integrity "$L")" ok
expect "committed whole batches only" "$((K % BATCH))" 0
expect "vectors = committed chunks" "$(sql "$L" 'select count(*) from vectors')" "$K"
"$BRASS" status --library "$L" --json >"$T/st.json"
expect "status: one partly written source" "$(json "$T/st.json" 'j["partial_sources"]')" 1
"$BRASS" status --library "$L" | grep -q "1 sources partly written" && ok "status text says so" || fail "status text silent"
"$BRASS" search --library "$L" --mode keyword --json Bigword0000 >"$T/s.json"
expect "the committed part is searchable" "$(json "$T/s.json" 'len(j["results"])')" 1

# ---- resume: only the rest is embedded, the result equals the uninterrupted run ----
idx "$L" --quiet --json >"$T/r.json" || fail "resume"
expect "resumed" "$(json "$T/r.json" '(j["resumed"], j["updated"], j["added"])')" "(1, 1, 0)"
expect "only the rest embedded" "$(json "$T/r.json" 'j["chunks_embedded"]')" "$((N - K))"
expect "chunks after resume" "$(chunks_of "$L")" "$N"
expect "vectors after resume" "$(sql "$L" 'select count(*) from vectors')" "$N"
[ "$(listing "$L")" == "$(listing "$T/ref.db")" ] && ok "same chunks (seq, byte ranges, lengths) as the uninterrupted run" ||
  fail "resumed chunks differ from the uninterrupted run"
"$BRASS" status --library "$L" --json >"$T/st.json"
expect "status after resume" "$(json "$T/st.json" '(j["partial_sources"], j["graph"], j["vectors"] == j["chunks"])')" "(0, 'current', True)"
"$BRASS" search --library "$L" --mode keyword --json "Bigword$(printf %04d $((sections * 4 - 1)))" >"$T/s.json"
expect "the last part is searchable" "$(json "$T/s.json" 'len(j["results"])')" 1
expect "integrity at the end" "$(integrity "$L")" ok
idx "$L" --quiet --json >"$T/u.json" || fail "index again"
expect "then unchanged" "$(json "$T/u.json" '(j["unchanged"], j["chunks_embedded"])')" "(1, 0)"

# ---- interrupted, then the file changes: started over, not continued ----
rm -f "$L"*
"$BRASS" index --model "$T/model" --library "$L" --batch $BATCH --chunk-tokens 16 --quiet "$T/c" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(chunks_of "$L" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge $((N / 4)) ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
sed -i '1s/^/# A new first line\n\nChangedword here.\n\n/' "$T/c/big.md"
idx "$L" --quiet --json >"$T/c.json" || fail "index the changed file"
expect "changed file: not resumed" "$(json "$T/c.json" 'j["resumed"]')" 0
idx "$T/ref2.db" --quiet >/dev/null || fail "reference of the changed file"
[ "$(listing "$L")" == "$(listing "$T/ref2.db")" ] && ok "changed file: same chunks as a fresh run" || fail "changed file: chunks differ from a fresh run"
expect "changed file: vectors = chunks" "$(sql "$L" 'select count(*) from vectors')" "$(chunks_of "$L")"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all big-file checks passed"
