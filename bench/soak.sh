#!/usr/bin/env bash
# soak.sh - `make soak` (and the last step of `make bench`): the library under abuse for a long
# time (issue 10). An indexer works through a large corpus (about 100k chunks: the Python 3.11
# HTML docs, Debian package descriptions and /usr/share/doc text) and is killed with kill -9 at
# random moments, again and again, while the corpus changes between runs (edits, deletions,
# additions) and two loops read the library the whole time: `brass search` processes in every
# mode, and `brass serve --library`'s /api/search. At the end a last run completes and the
# library is checked: SQLite integrity_check and foreign_key_check, FTS5 integrity-check, chunks
# and vectors counted (vectors = chunks), no partly written source, the graph current and holding
# every vector, every search and API call answered, and the same sources and chunks per source as
# a library built in one uninterrupted run of the final corpus. Prints a summary; exit 1 when any
# check fails.
#
#   SOAK_SECONDS   how long to kill and resume (default 1800)
#   SOAK_SCALE     corpus size: 1 = about 100k chunks (default); 0.1 = about a tenth
#   SOAK_KILL_MAX  longest a run lives before kill -9, seconds (default 20)
#   SOAK_REFERENCE 0 skips the uninterrupted reference run (default 1)
#   SOAK_DIR       work folder (default build/soak; the corpus is cached there)
# The embedding model is a tiny random one (2 layers, 64 wide): the soak is about surviving,
# not about embedding speed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BRASS_BUILD:-$ROOT/build}
BRASS=$BUILD/brass
PY=/usr/bin/python3
SECS=${SOAK_SECONDS:-1800}
SCALE=${SOAK_SCALE:-1}
KILL_MAX=${SOAK_KILL_MAX:-20}
OUT=${SOAK_DIR:-$BUILD/soak}
export BRASS_THREADS=${BRASS_THREADS:-2}
unset BRASS_LIBRARY BRASS_MODEL
say() { echo "soak: $*" >&2; }
[ -x "$BRASS" ] || { say "build brass first ($BRASS)"; exit 1; }
mkdir -p "$OUT"
C=$OUT/corpus
L=$OUT/lib.db
M=$OUT/model

# ---- model and corpus (cached) ----
if [ ! -f "$M/model.safetensors" ]; then
  $PY tests/oracle/make_model.py "$M" --layers 2 --hidden 64 --heads 4 --intermediate 128 --seed 1 >/dev/null ||
    { say "make_model.py failed"; exit 1; }
fi
if [ ! -f "$C/.scale" ] || [ "$(cat "$C/.scale")" != "$SCALE" ]; then
  say "building the corpus (scale $SCALE)"
  rm -rf "$C"
  mkdir -p "$C/pydocs" "$C/packages" "$C/doc"
  $PY - "$C" "$SCALE" <<'PYEOF'
import gzip, os, random, shutil, subprocess, sys
out, scale = sys.argv[1], float(sys.argv[2])
rng = random.Random(11)
# Python docs (HTML, python3.11-doc), a share of the pages by scale
src = "/usr/share/doc/python3.11/html"
pages = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(".html"))
for p in pages[: int(len(pages) * min(1.0, scale))]:
    dst = os.path.join(out, "pydocs", os.path.relpath(p, src))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(p, dst)
# Debian package descriptions: markdown files of 100 packages, one section each
dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True).stdout
pkgs, cur = [], {}
for line in dump.split("\n"):
    if not line:
        if "Package" in cur: pkgs.append(cur)
        cur = {}
    elif line.startswith("Package: "): cur["Package"] = line[9:]
    elif line.startswith("Description: "): cur["d"] = [line[13:]]
    elif line.startswith(" ") and "d" in cur: cur["d"].append(line[1:].replace(" .", ""))
pkgs = pkgs[: int(len(pkgs) * min(1.0, scale))]
for i in range(0, len(pkgs), 100):
    d = os.path.join(out, "packages", "p%03d" % (i // 10000))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "pkgs%05d.md" % i), "w") as f:
        for p in pkgs[i : i + 100]:
            f.write("# %s\n\n%s\n\n" % (p["Package"], "\n".join(p.get("d", ["(no description)"]))))
# /usr/share/doc: README and changelog text (decompressed), a share by scale
docs = sorted(os.path.join(d, f) for d, _, fs in os.walk("/usr/share/doc") for f in fs
              if (f.startswith("README") or f.startswith("changelog")) and "python3.11/html" not in d)
rng.shuffle(docs)
for k, p in enumerate(docs[: int(400 * scale)]):
    try:
        data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
    except OSError:
        continue
    with open(os.path.join(out, "doc", "doc%04d.txt" % k), "wb") as f:
        f.write(data[: 400000])
PYEOF
  echo "$SCALE" >"$C/.scale"
fi
nfiles=$(find "$C" -type f ! -name '.*' | wc -l)
say "corpus: $nfiles files, $(du -sh "$C" | cut -f1)"

# corpus changes between runs: a few edits, deletions and additions in the packages folder
mutate() {
  $PY - "$C/packages" "$1" <<'PYEOF'
import os, random, sys
root, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
for p in rng.sample(files, min(5, len(files))):
    with open(p, "a") as f: f.write("\n# soak edit %d\n\nSoakedit%06d was appended here.\n" % (seed, seed))
for p in rng.sample(files, min(2, len(files))):
    os.remove(p)
d = os.path.join(root, "added")
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, "add%06d.md" % seed), "w") as f:
    f.write("# added %d\n\nSoakadd%06d file added by the soak.\n" % (seed, seed))
PYEOF
}

rm -f "$L" "$L"-*
idx_args=(index --model "$M" --library "$L" --quiet)
# ---- a first stretch of indexing, so that the readers have a library to open ----
(timeout -s KILL 15 "$BRASS" "${idx_args[@]}" "$C" >/dev/null 2>&1; true) 2>/dev/null
PORT=$((20000 + RANDOM % 20000))
mkdir -p "$OUT/www"
"$BRASS" serve --library "$L" --port $PORT --root "$OUT/www" >/dev/null 2>"$OUT/serve.err" &
serve_pid=$!
STOP=$OUT/stop
rm -f "$STOP" "$OUT"/search.log "$OUT"/api.log
words=(python json socket thread parser library package install debian file string module error
  network shell regex unicode sqlite3 asyncio logging)
# readers: each writes one line per request: ok or FAIL <why>
(
  i=0
  while [ ! -e "$STOP" ]; do
    modes=(hybrid vector keyword)
    m=${modes[$((i % 3))]}
    q="${words[$((RANDOM % ${#words[@]}))]} ${words[$((RANDOM % ${#words[@]}))]}"
    if out=$("$BRASS" search --library "$L" --mode $m --json -n 5 "$q" 2>&1 >/dev/null); then echo ok; else echo "FAIL $m '$q': $out"; fi
    i=$((i + 1))
  done
) >"$OUT/search.log" &
search_pid=$!
(
  sleep 1
  while [ ! -e "$STOP" ]; do
    q="${words[$((RANDOM % ${#words[@]}))]}"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/search?q=$q&k=5")
    if [ "$code" == 200 ]; then echo ok; else echo "FAIL api '$q': HTTP $code"; fi
  done
) >"$OUT/api.log" &
api_pid=$!

# ---- kill -9 at random moments ----
t_end=$((SECONDS + SECS))
kills=0 completed=0 round=0 integrity_fail=0
RANDOM=17
while [ $SECONDS -lt $t_end ]; do
  round=$((round + 1))
  [ $((round % 3)) -eq 0 ] && mutate $round
  "$BRASS" "${idx_args[@]}" "$C" >/dev/null 2>"$OUT/run.err" &
  pid=$!
  live_ms=$((500 + RANDOM % (KILL_MAX * 1000)))
  left_ms=$(((t_end - SECONDS) * 1000))
  [ $left_ms -lt $live_ms ] && live_ms=$((left_ms > 100 ? left_ms : 100))
  waited=0
  while [ $waited -lt $live_ms ] && kill -0 $pid 2>/dev/null; do
    sleep 0.1
    waited=$((waited + 100))
  done
  if kill -9 $pid 2>/dev/null; then
    wait $pid 2>/dev/null
    kills=$((kills + 1))
  else
    wait $pid && completed=$((completed + 1)) || say "a run failed by itself: $(tail -n 3 "$OUT/run.err")"
  fi
  r=$($PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma quick_check").fetchone()[0])' "$L")
  [ "$r" == ok ] || { integrity_fail=$((integrity_fail + 1)); say "quick_check after round $round: $r"; }
done

# ---- the last run completes ----
"$BRASS" "${idx_args[@]}" --json "$C" >"$OUT/final.json" 2>"$OUT/final.err"
final_rc=$?
sleep 2
touch "$STOP"
wait $search_pid $api_pid 2>/dev/null
kill $serve_pid 2>/dev/null
wait $serve_pid 2>/dev/null
"$BRASS" status --library "$L" --json >"$OUT/status.json"

ref_note="skipped (SOAK_REFERENCE=0)"
if [ "${SOAK_REFERENCE:-1}" != 0 ]; then
  say "building the uninterrupted reference"
  rm -f "$OUT/ref.db" "$OUT"/ref.db-*
  "$BRASS" index --model "$M" --library "$OUT/ref.db" --quiet "$C" >/dev/null 2>&1 || say "reference run failed"
  ref_note=
fi

$PY - "$L" "$OUT" "$SECS" "$kills" "$completed" "$round" "$integrity_fail" "$final_rc" "$ref_note" <<'PYEOF'
import json, sqlite3, sys
lib, out, secs, kills, completed, rounds, qfail, final_rc, ref_note = sys.argv[1:10]
c = sqlite3.connect(lib)
one = lambda q: c.execute(q).fetchone()[0]
st = json.load(open(out + "/status.json"))
checks = []
def check(name, good, detail=""):
    checks.append((name, bool(good), detail))
check("final run completed", final_rc == "0", open(out + "/final.err").read()[-300:])
check("integrity_check", one("pragma integrity_check") == "ok")
check("foreign_key_check empty", c.execute("pragma foreign_key_check").fetchone() is None)
try:
    c.execute("insert into chunks_fts(chunks_fts, rank) values ('integrity-check', 1)")
    check("FTS5 integrity-check", True)
except sqlite3.DatabaseError as e:
    check("FTS5 integrity-check", False, str(e))
chunks, vectors = one("select count(*) from chunks"), one("select count(*) from vectors")
check("vectors = chunks (counted)", chunks == vectors, "%d chunks, %d vectors" % (chunks, vectors))
check("status agrees", st["chunks"] == chunks and st["vectors"] == vectors)
check("no partly written source", st["partial_sources"] == 0)
check("graph current", st["graph"] == "current", st["graph"])
check("graph holds every vector", one("select vectors from hnsw_params") == vectors)
check("quick_check after every kill", qfail == "0", qfail + " failed")
for name in ("search", "api"):
    lines = open("%s/%s.log" % (out, name)).read().split("\n")
    okn = sum(1 for l in lines if l == "ok")
    bad = [l for l in lines if l.startswith("FAIL")]
    check("%s requests all answered" % name, okn > 0 and not bad, "%d ok, %d failed %s" % (okn, len(bad), bad[:2]))
    globals()[name + "_n"] = (okn, len(bad))
if not ref_note:
    r = sqlite3.connect(out + "/ref.db")
    q = ("select s.path, hex(s.sha256), count(c.id) from sources s left join documents d on d.source_id = s.id"
         " left join chunks c on c.document_id = d.id group by s.id order by s.path")
    a, b = c.execute(q).fetchall(), r.execute(q).fetchall()
    diff = sorted(set(a) ^ set(b))
    check("same sources, hashes and chunks per source as an uninterrupted run", a == b,
          "%d sources here, %d in the reference; differences: %s" % (len(a), len(b), diff[:3]))
print("\n## soak summary\n")
print("| | |\n| --- | --- |")
print("| duration | %s s of kill -9 and resume, %s rounds |" % (secs, rounds))
print("| indexer | %s kill -9, %s runs completed by themselves, then a final run |" % (kills, completed))
print("| library | %d sources, %d chunks, %d vectors, graph %s, %.1f MB |" % (st["sources"], chunks, vectors, st["graph"], st["bytes"] / 1e6))
print("| readers | %d searches (%d failed), %d /api/search calls (%d failed) |" % (search_n + api_n))
print("| reference | %s |" % (ref_note or "compared with an uninterrupted run"))
print()
for name, good, detail in checks:
    print("%s %s%s" % ("ok:  " if good else "FAIL:", name, (" (" + detail + ")") if detail and not good else ""))
sys.exit(0 if all(g for _, g, _ in checks) else 1)
PYEOF
