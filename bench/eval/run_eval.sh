#!/usr/bin/env bash
# run_eval.sh - search quality in `make bench`: builds the evaluation sets from installed Debian
# packages (bench/eval/make_sets.py), runs the plain SQLite FTS5 BM25 baseline (porter stemming,
# OR of the query words; bench/eval/fts5_baseline.py) and brass's keyword mode on each, in the
# same run, scored by the same code (`brass eval --run BASELINE --mode keyword`), and prints a
# markdown table: MRR@10 and NDCG@10 with bootstrap 95% intervals, and keyword / baseline.
#
#   pydocs  brass indexes the HTML pages themselves (its HTML extractor, headings) and is scored
#           with --queries/--qrels (suffix match); the baseline gets the pages' text;
#   debian, man, man-zh, man-ref, man-de, man-ja: BEIR folders indexed by `brass eval` into a
#           library kept under OUT.
# The sets and libraries are cached under $BRASS_BUILD/bench/eval (sets rebuilt when make_sets.py
# changes); about 5 minutes the first time on 2 idle cores. Usage: run_eval.sh [SET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BRASS_BUILD:-$PWD/build}
OUT=$BUILD/bench/eval
PY=/usr/bin/python3
BRASS=$BUILD/brass
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(pydocs debian man man-zh man-ref man-de man-ja)
mkdir -p "$OUT"
cmake --build "$BUILD" -j2 --target brass_cli >/dev/null

if [ ! -f "$OUT/.built" ] || [ bench/eval/make_sets.py -nt "$OUT/.built" ]; then
  rm -rf "$OUT"/*
  $PY bench/eval/make_sets.py "$OUT" "${SETS[@]}" || true
  touch "$OUT/.built"
fi
# Libraries indexed under an older schema keep what that schema stored (e.g. no key terms before
# version 5: a migrated library has them empty until its documents are indexed again), so they
# are dropped and indexed again when the schema version changes.
SCHEMA=$(grep -o 'define STORE_SCHEMA_VERSION [0-9]*' src/store/store.h | grep -o '[0-9]*$')
if [ "$(cat "$OUT/.schema" 2>/dev/null)" != "$SCHEMA" ]; then
  rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm
  echo "$SCHEMA" >"$OUT/.schema"
fi

echo
echo "Search quality, keyword mode against plain SQLite FTS5 BM25 (porter, OR of words), same run"
echo "(\`bench/eval/run_eval.sh\`; 95% bootstrap intervals over queries; load: $(cut -d' ' -f1-3 /proc/loadavg)):"
echo
echo "| set | queries | FTS5 porter MRR@10 | brass keyword MRR@10 | ratio | FTS5 NDCG@10 | brass NDCG@10 | p (MRR) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for s in "${SETS[@]}"; do
  D=$OUT/$s
  [ -f "$D/corpus.jsonl" ] || { echo "| $s | (not built) | | | | | | |"; continue; }
  $PY bench/eval/fts5_baseline.py "$D" "$D/fts5-porter.run"
  if [ "$s" = pydocs ]; then
    # the HTML pages themselves, indexed by brass (kept; unchanged pages are skipped)
    "$BRASS" index --quiet --library "$OUT/$s.db" "$D/files" >/dev/null
    "$BRASS" eval --queries "$D/queries.jsonl" --qrels "$D/qrels/test.tsv" --library "$OUT/$s.db" \
      --run "$D/fts5-porter.run" --mode keyword --quiet --json >"$D/eval.json"
  else
    "$BRASS" eval "$D" --library "$OUT/$s.db" --run "$D/fts5-porter.run" --mode keyword --quiet \
      --json >"$D/eval.json"
  fi
  $PY - "$D/eval.json" "$s" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
b, k = j["systems"][0], j["systems"][1]
p = [c["p"] for c in j["comparisons"] if c["metric"] == "mrr@10"][0]
f = lambda s, m: "%.3f [%.3f, %.3f]" % (s[m], s[m + "_ci"][0], s[m + "_ci"][1])
print("| %s | %d | %s | %s | %.3f | %s | %s | %.3f |" % (sys.argv[2], j["queries"], f(b, "mrr@10"),
      f(k, "mrr@10"), k["mrr@10"] / b["mrr@10"] if b["mrr@10"] else 0, f(b, "ndcg@10"),
      f(k, "ndcg@10"), p))
PYEOF
done
