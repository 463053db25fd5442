#!/bin/bash
# test_eval_beir.sh - `brass eval` end to end on small BEIR folders: the corpus indexed into a
# kept library with each document the source named exactly by its _id and its title searchable;
# keyword, vector and hybrid systems with an --rrf-k sweep and a tiny random model (the JSON
# shape: systems, comparisons, per-query rankings of corpus ids); a second run re-indexes
# nothing; the existing-library mode with suffix matching of file paths; the temporary library
# removed afterwards; the rerank system (hybrid + a tiny random cross-encoder) against `brass
# rerank` on the same pairs.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
tiny_model "$T/model"
D="$T/set"
mkdir -p "$D/qrels"
"$PY" - "$D" <<'PY' || { fail "making the set"; exit 1; }
import json, sys
D = sys.argv[1]
topics = ["kangaroo", "volcano", "glacier", "harbor", "orchard", "lantern", "compass", "meadow",
          "canyon", "falcon", "saddle", "quarry"]
with open(D + "/corpus.jsonl", "w") as c, open(D + "/queries.jsonl", "w") as q, open(D + "/qrels/test.tsv", "w") as r:
    r.write("query-id\tcorpus-id\tscore\n")
    for i, t in enumerate(topics):
        did = "doc/%d" % i if i % 2 else "D%d" % i          # ids with a slash too
        title = "All about the %s" % t
        text = " ".join("The %s number %d is described here with care." % (t, k) for k in range(3))
        c.write(json.dumps({"_id": did, "title": title, "text": text}) + "\n")
        q.write(json.dumps({"_id": "q%d" % i, "text": "%s description" % t}) + "\n")
        r.write("q%d\t%s\t2\n" % (i, did))
    # a document found only by its title
    c.write(json.dumps({"_id": "titled", "title": "Zeppelin maintenance", "text": "nothing else here"}) + "\n")
    q.write(json.dumps({"_id": "qt", "text": "zeppelin"}) + "\n")
    r.write("qt\ttitled\t1\n")
PY
L="$T/lib.db"
"$BRASS" eval "$D" --library "$L" --model "$T/model" --rrf-k 10,60 --json --per-query --quiet \
  >"$T/e.json" 2>"$T/e.err" || fail "eval: $(cat "$T/e.err")"
expect "systems" "$(json "$T/e.json" '" ".join(s["system"] for s in j["systems"])')" \
  "keyword vector hybrid(rrf_k=10) hybrid(rrf_k=60)"
expect "rrf_k recorded" "$(json "$T/e.json" '[s.get("rrf_k") for s in j["systems"]]')" "[None, None, 10, 60]"
expect "queries" "$(json "$T/e.json" 'j["queries"]')" "13"
expect "comparisons" "$(json "$T/e.json" 'len(j["comparisons"])')" "30"
expect "per_query entries" "$(json "$T/e.json" 'len(j["per_query"])')" "52"
expect "keyword mrr@10" "$(json "$T/e.json" 'j["systems"][0]["mrr@10"]')" "1"
expect "title-only document" "$(json "$T/e.json" '[e["ranking"][0] for e in j["per_query"] if e["query_id"] == "qt" and e["mode"] == "keyword"][0]')" "titled"
expect "rankings hold corpus ids" "$(json "$T/e.json" 'all(set(e["ranking"]) <= {"D0","doc/1","D2","doc/3","D4","doc/5","D6","doc/7","D8","doc/9","D10","doc/11","titled"} for e in j["per_query"])')" "True"
json "$T/e.json" 'all(s[m + "_ci"][0] <= s[m] <= s[m + "_ci"][1] for s in j["systems"] for m in ("ndcg@10", "mrr@10", "map@10", "recall@10", "recall@100"))' |
  grep -q True && ok "means inside their intervals" || fail "a mean outside its interval"
expect "sources named by _id" "$(sql "$L" "SELECT count(*) FROM sources WHERE path IN ('D0', 'doc/1', 'titled')")" "3"
expect "titles stored" "$(sql "$L" "SELECT title FROM documents d JOIN sources s ON s.id = d.source_id WHERE s.path = 'titled'")" "Zeppelin maintenance"
# a second run indexes nothing new (same chunks, same ids)
before=$(sql "$L" "SELECT max(id) FROM chunks")
"$BRASS" eval "$D" --library "$L" --model "$T/model" --mode keyword --json --quiet >"$T/e2.json" 2>&1 || fail "second run"
expect "second run re-indexes nothing" "$(sql "$L" "SELECT max(id) FROM chunks")" "$before"
# text output names the systems and the paired differences
"$BRASS" eval "$D" --library "$L" --model "$T/model" --quiet >"$T/e.txt" 2>&1 || fail "text output"
grep -q "^hybrid - keyword" "$T/e.txt" && ok "text: paired differences" || fail "text output: $(head -5 "$T/e.txt")"

# temporary library: gone afterwards
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
"$BRASS" eval "$D" --quiet >/dev/null 2>&1 || fail "eval into a temporary library"
expect "temporary library removed" "$(ls -A "$TMPDIR")" ""
unset TMPDIR

# existing library + queries/qrels: suffix match of paths, with and without the extension
mkdir -p "$T/files/sub"
for i in 0 2 4; do printf 'A text about topic%d and nothing else.\n' $i >"$T/files/sub/D$i.txt"; done
"$BRASS" index --quiet --library "$T/f.db" "$T/files" >/dev/null 2>&1 || fail "index files"
printf '{"_id": "a", "text": "topic0"}\n{"_id": "b", "text": "topic2"}\n{"_id": "c", "text": "topic4"}\n' >"$T/fq.jsonl"
printf 'a 0 sub/D0.txt 1\nb 0 D2 1\nc 0 nowhere/D4 1\n' >"$T/fqrels.txt"
"$BRASS" eval --queries "$T/fq.jsonl" --qrels "$T/fqrels.txt" --library "$T/f.db" --json --per-query \
  --quiet >"$T/f.json" 2>"$T/f.err" || fail "eval on a library: $(cat "$T/f.err")"
expect "suffix match" "$(json "$T/f.json" '[float(e["mrr@10"]) for e in j["per_query"]]')" "[1.0, 1.0, 0.0]"
"$BRASS" eval --queries "$T/fq.jsonl" --qrels "$T/fqrels.txt" --library "$T/f.db" --mode vector \
  >/dev/null 2>"$T/v.err"
expect "vector without a model: exit" "$?" "1"

# --mode rerank (here inside all): hybrid, then the top --rerank-top reordered by a cross-encoder.
# Checked against `brass rerank` on the same (query, chunk text) pairs: per query, the top 5 of
# rerank are hybrid's top 5 sorted by those scores, the rest is hybrid's order unchanged.
"$PY" "$BRASS_SRC/tests/oracle/make_model.py" "$T/ce" --kind cross-encoder --layers 2 --hidden 64 \
  --heads 4 --intermediate 128 --max-pos 128 --seed 7 >/dev/null || fail "make cross-encoder"
"$BRASS" eval "$D" --library "$L" --model "$T/model" --rerank "$T/ce" --rerank-top 5 --json \
  --per-query --quiet >"$T/r.json" 2>"$T/r.err" || fail "eval --rerank: $(cat "$T/r.err")"
expect "systems with --rerank" "$(json "$T/r.json" '" ".join(s["system"] for s in j["systems"])')" \
  "keyword vector hybrid rerank"
expect "rerank metrics" "$(json "$T/r.json" 'all(0 <= j["systems"][3][m] <= 1 for m in ("ndcg@10", "mrr@10", "recall@100"))')" True
"$PY" - "$T/r.json" "$D/queries.jsonl" "$L" "$T/pairs.jsonl" <<'PYEOF' || fail "rerank pairs"
import json, sqlite3, sys
j = json.load(open(sys.argv[1]))
q = {x["_id"]: x["text"] for x in map(json.loads, open(sys.argv[2]))}
body = dict(sqlite3.connect(sys.argv[3]).execute(
    "SELECT s.path, c.body FROM chunks c JOIN documents d ON d.id = c.document_id "
    "JOIN sources s ON s.id = d.source_id"))
with open(sys.argv[4], "w") as f:
    for e in j["per_query"]:
        if e["mode"] == "hybrid":
            for doc in e["ranking"][:5]:
                f.write(json.dumps({"query": q[e["query_id"]], "passage": body[doc]}) + "\n")
PYEOF
"$BRASS" rerank --model "$T/ce" <"$T/pairs.jsonl" >"$T/pairs.scores" 2>"$T/pairs.err" ||
  fail "brass rerank: $(cat "$T/pairs.err")"
"$PY" - "$T/r.json" "$T/pairs.scores" <<'PYEOF' && ok "rerank = hybrid's top 5 sorted by the cross-encoder, the rest unchanged" || fail "rerank order"
import json, sys
j = json.load(open(sys.argv[1]))
scores = [float(l) for l in open(sys.argv[2])]
hyb = {e["query_id"]: e["ranking"] for e in j["per_query"] if e["mode"] == "hybrid"}
rr = {e["query_id"]: e["ranking"] for e in j["per_query"] if e["mode"] == "rerank"}
assert hyb.keys() == rr.keys() and len(rr) == 13, (len(hyb), len(rr))
at, changed = 0, 0
for qid, h in hyb.items():
    top = h[:5]
    sc = scores[at:at + len(top)]
    at += len(top)
    want = [d for _, d in sorted(zip(sc, top), key=lambda x: -x[0])]
    assert rr[qid][:5] == want, (qid, rr[qid][:5], want, sc)
    assert rr[qid][5:] == h[5:], (qid, rr[qid], h)
    changed += rr[qid] != h
assert at == len(scores)
assert changed > 0, "the reranker changed no query's order"
print("queries reordered by the reranker: %d of %d" % (changed, len(rr)))
PYEOF
"$BRASS" eval "$D" --library "$L" --model "$T/model" --mode rerank --rerank "$T/ce" --quiet >"$T/r.txt" 2>&1 ||
  fail "eval --mode rerank: $(cat "$T/r.txt")"
grep -q "^rerank" "$T/r.txt" && ok "text output names the rerank system" || fail "rerank text: $(head -5 "$T/r.txt")"
"$BRASS" eval "$D" --library "$L" --model "$T/model" --mode rerank --quiet >/dev/null 2>"$T/r.err"
expect "--mode rerank without --rerank: exit" "$?" "2"
[ "$fails" = 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
