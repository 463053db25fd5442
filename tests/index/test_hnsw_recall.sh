#!/bin/bash
# test_hnsw_recall.sh - recall@10 of the HNSW index at the library's defaults (M, efConstruction,
# efSearch) against exact search, on 100k x 384 vectors held out from 1000 query vectors, for two
# sets: embeddings of real text (Debian package descriptions and Python documentation sentences,
# tests/index/real_lines.py) by a generated MiniLM-shaped model cut to 1 layer and 32 tokens
# (hidden 384, 12 heads, intermediate 1536: cheap enough for CI), and 100 synthetic Gaussian
# clusters of low intrinsic dimension. Each set is indexed twice, with float32 and with int8 vectors
# (whose ef candidates are re-ranked with the float32 vectors, as brass_search does); either set
# below recall 0.95 in either format fails. BRASS_TEST_QUICK=1
# (sanitizer builds) uses 10k vectors and a yet cheaper model (intermediate 384, 16 tokens).
set -u
: "${BRASS_BUILD:?BRASS_BUILD must name the build folder}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
TOOL="$BRASS_BUILD/tests/hnsw_recall"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export BRASS_THREADS=2
N=100000 NQ=1000 INTERMEDIATE=1536 MAXSEQ=32
if [ -n "${BRASS_TEST_QUICK:-}" ]; then N=10000 INTERMEDIATE=384 MAXSEQ=16; fi
fails=0
start=$SECONDS

[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built" >&2; exit 1; }
"$PY" "$BRASS_SRC/tests/oracle/make_model.py" "$T/model" --layers 1 --hidden 384 --heads 12 \
  --intermediate $INTERMEDIATE --max-pos 512 --max-seq $MAXSEQ --seed 3 >/dev/null ||
  { echo "FAIL: make_model.py" >&2; exit 1; }
"$PY" "$BRASS_SRC/tests/index/real_lines.py" --count $((N + NQ)) >"$T/lines.txt" ||
  { echo "FAIL: real_lines.py" >&2; exit 1; }

echo "== real text: $((N + NQ)) lines"
"$TOOL" --texts "$T/lines.txt" --model "$T/model" --nq $NQ --threads 2 --min-recall 0.95 \
  --format both ||
  { echo "FAIL: HNSW recall on embeddings of real text" >&2; fails=$((fails + 1)); }
echo "== synthetic: $((N + NQ)) vectors in 100 clusters"
"$TOOL" --synthetic $((N + NQ)) --clusters 100 --rank 32 --dim 384 --nq $NQ --threads 2 \
  --min-recall 0.95 --format both ||
  { echo "FAIL: HNSW recall on clustered synthetic vectors" >&2; fails=$((fails + 1)); }

echo "test_hnsw_recall: $((SECONDS - start)) s"
[ $fails -eq 0 ] && echo "PASS" || { echo "$fails failure(s)" >&2; exit 1; }
