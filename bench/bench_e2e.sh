#!/usr/bin/env bash
# bench_e2e.sh - the end-to-end benchmark (called by bench/run.sh, also runnable alone): index the
# Python 3.11 HTML documentation (Debian's python3.11-doc: library/, reference/, tutorial/ and
# howto/, about 11k chunks) with the MiniLM-shaped random model at 2 threads, then time hybrid
# search in one process (bench_search: library opened once, query embedding included).
#
# Indexing takes minutes, so the library is cached under $BUILD/bench/e2e/ keyed by the model's
# files, the corpus listing (paths, sizes, times), the text/chunking sources and the chunk size;
# a rerun with the same key reuses it and reports the indexing rate measured when it was built.
# BENCH_E2E_REINDEX=1 forces a fresh index. Prints markdown rows on stdout (run.sh appends them to
# build/bench/results.md); raw numbers go to $BUILD/bench/results/e2e-*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BRASS_BUILD:-$ROOT/build}
OUT=$BUILD/bench
RES=$OUT/results
E2E=$OUT/e2e
PY=/usr/bin/python3
DOCS=${BRASS_BENCH_DOCS:-/usr/share/doc/python3.11/html}
THREADS=${BENCH_E2E_THREADS:-2}
CHUNK=256
NQ=${BENCH_E2E_QUERIES:-200}
mkdir -p "$RES" "$E2E"
say() { echo "bench_e2e: $*" >&2; }

if [ ! -d "$DOCS/library" ]; then
  say "$DOCS/library not found (apt-get install python3.11-doc): end-to-end benchmark skipped"
  exit 0
fi
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target brass_cli bench_search >/dev/null

MODEL=$OUT/minilm
if [ ! -f "$MODEL/model.safetensors" ]; then
  say "generating the MiniLM-shaped model"
  $PY tests/oracle/make_model.py "$MODEL" --preset minilm --dtype f32 --seed 42 >/dev/null
fi

CORPUS=("$DOCS/library" "$DOCS/reference" "$DOCS/tutorial" "$DOCS/howto")
key=$({
  sha256sum "$MODEL"/model.safetensors "$MODEL"/*.json | cut -c1-64
  find "${CORPUS[@]}" -type f -printf '%p %s %T@\n' | LC_ALL=C sort
  cat src/text/*.c src/text/*.h
  echo "chunk $CHUNK"
} | sha256sum | cut -c1-16)
LIB=$E2E/lib-$key.db
SUMMARY=$E2E/lib-$key.index.json

# 1. indexing (only when the cached library is missing)
if [ "${BENCH_E2E_REINDEX:-0}" = 1 ] || [ ! -s "$SUMMARY" ] || [ ! -f "$LIB" ]; then
  rm -f "$E2E"/lib-*
  say "indexing ${CORPUS[*]} at $THREADS threads (minutes; cached as $LIB)"
  cat /proc/loadavg >"$E2E/lib-$key.loadavg" 2>/dev/null || true
  /usr/bin/time -f '%e %U %S %M' -o "$E2E/lib-$key.time" \
    "$BUILD/brass" index --model "$MODEL" --library "$LIB" --threads "$THREADS" \
    --chunk-tokens "$CHUNK" --json --quiet "${CORPUS[@]}" >"$SUMMARY.tmp"
  cat /proc/loadavg >>"$E2E/lib-$key.loadavg" 2>/dev/null || true
  mv "$SUMMARY.tmp" "$SUMMARY"
else
  say "reusing the cached library $LIB"
fi
cp "$SUMMARY" "$RES/e2e-index.json"
cp "$E2E/lib-$key.time" "$RES/e2e-index.time" 2>/dev/null || true
"$BUILD/brass" status --library "$LIB" --json >"$RES/e2e-status.json"

# 2. queries: NQ section titles spread over the library pages (real, varied, 2-10 words)
QUERIES=$E2E/queries.txt
$PY - "$DOCS" "$NQ" >"$QUERIES" <<'PY'
# section headings of the corpus pages, as query text (markup and the pilcrow removed)
import glob, html, re, sys
docs, n = sys.argv[1], int(sys.argv[2])
out, seen = [], {"table of contents", "previous topic", "next topic", "this page", "navigation"}
for path in sorted(glob.glob(docs + "/library/*.html")):
    for m in re.finditer(r"<h[23][^>]*>(.*?)</h[23]>", open(path, encoding="utf-8").read(), re.S):
        t = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).replace("\u00b6", "").strip()
        t = re.sub(r"^[0-9.]+\s*", "", " ".join(t.split()))
        if 2 <= len(t.split()) <= 10 and t.lower() not in seen:
            seen.add(t.lower())
            out.append(t)
step = max(1, len(out) // n)
print("\n".join(out[::step][:n]))
PY

# 3. search latency, in process
say "hybrid search ($THREADS threads and 1), keyword search: $(wc -l <"$QUERIES") queries each"
"$BUILD/bench/bench_search" --library "$LIB" --model "$MODEL" --queries "$QUERIES" --threads "$THREADS" \
  --mode hybrid --warmup 10 --json >"$RES/e2e-search-hybrid.json"
"$BUILD/bench/bench_search" --library "$LIB" --model "$MODEL" --queries "$QUERIES" --threads 1 \
  --mode hybrid --warmup 10 --json >"$RES/e2e-search-hybrid-t1.json"
"$BUILD/bench/bench_search" --library "$LIB" --model "$MODEL" --queries "$QUERIES" --threads "$THREADS" \
  --mode keyword --warmup 10 --json >"$RES/e2e-search-keyword.json"

cat /proc/loadavg >"$RES/e2e-search.loadavg" 2>/dev/null || true

# 4. markdown
$PY - "$RES" "$LIB" "$E2E/lib-$key.loadavg" <<'PY'
# the end-to-end rows for README.md
import json, os, sys
res, lib, loadf = sys.argv[1], sys.argv[2], sys.argv[3]
ix = json.load(open(os.path.join(res, "e2e-index.json")))
try:  # /usr/bin/time: wall, user, sys seconds, max RSS KB
    tw, tu, ts, trss = open(os.path.join(res, "e2e-index.time")).read().split()[-4:]
    cpu, rss = float(tu) + float(ts), int(trss) / 1e3
except (OSError, ValueError):
    cpu, rss = None, None
try:
    sload = open(os.path.join(res, "e2e-search.loadavg")).read().split()[0]
except OSError:
    sload = "?"
st = json.load(open(os.path.join(res, "e2e-status.json")))
hy = json.load(open(os.path.join(res, "e2e-search-hybrid.json")))
kw = json.load(open(os.path.join(res, "e2e-search-keyword.json")))
h1 = json.load(open(os.path.join(res, "e2e-search-hybrid-t1.json")))
lines = open(loadf).read().split("\n") if os.path.exists(loadf) else []
load = [l.split()[0] if l.strip() else "?" for l in lines[:2]] + ["?"] * (2 - len(lines[:2]))
s = ix["seconds"]
size = sum(os.path.getsize(lib + x) for x in ("", "-wal") if os.path.exists(lib + x))
print()
print("### End to end: index and search the Python 3.11 docs (MiniLM-shaped model)")
print()
print("`bash bench/bench_e2e.sh` (part of `make bench`). Corpus: python3.11-doc HTML, library/, "
      "reference/, tutorial/, howto/ (%d pages); random-weight all-MiniLM-L6-v2 shape, chunks of "
      "at most 256 tokens, %d threads. Load average (1 min) when indexing started / ended: %s / %s; "
      "when searching: %s. Per CPU-second rates are robust to other load on the machine." %
      (ix["added"] + ix["updated"] + ix["unchanged"], hy["threads"], load[0], load[1], sload))
print()
print("| indexing | value |")
print("| --- | ---: |")
print("| documents | %d |" % st["sources"])
print("| chunks | %d |" % st["chunks"])
print("| tokens embedded | %d |" % ix["tokens"])
print("| time | %.1f s |" % s)
print("| documents/s | %.2f |" % (st["sources"] / s))
print("| chunks/s | %.1f |" % (st["chunks"] / s))
print("| tokens/s | %.0f |" % (ix["tokens"] / s))
if cpu:
    print("| CPU time (all threads) | %.1f s |" % cpu)
    print("| chunks per CPU-second | %.1f |" % (st["chunks"] / cpu))
    print("| tokens per CPU-second | %.0f |" % (ix["tokens"] / cpu))
    if rss:
        print("| peak RSS | %.0f MB |" % rss)
print("| library file | %.1f MB (%.2f KB per chunk) |" % (size / 1e6, size / 1e3 / st["chunks"]))
print()
print("| search, %d queries, %d chunks, in process | p50 | p95 | p99 | mean | CPU ms/query | embed | vector | keyword | fuse | fetch |" % (hy["queries"], hy["chunks"]))
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, r in (("hybrid, %d threads (query embedding included)" % hy["threads"], hy),
                ("hybrid, 1 thread (query embedding included)", h1), ("keyword (BM25)", kw)):
    m = r["mean_ms"]
    print("| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
        name, r["p50_ms"], r["p95_ms"], r["p99_ms"], m["took"], r["cpu_ms_per_query"], m["embed"],
        m["vector"], m["keyword"], m["fuse"], m["fetch"]))
print()
print("Stage columns: mean ms per query as brass_search reports them.")
PY
