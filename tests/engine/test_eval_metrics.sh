#!/bin/bash
# test_eval_metrics.sh - `brass eval`'s metrics against hand-worked cases and against an
# independent Python implementation of trec_eval's definitions written here (graded NDCG@k with
# linear gains, MRR@k, MAP@k divided by all relevant documents, recall@k and recall@100), on
# random qrels and TREC run files scored with --run (so no search is involved). The bootstrap
# intervals are recomputed in Python from the same splitmix64 stream. Also: the run file's
# ordering (score down, equal scores by docno down, as trec_eval), and bad input.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"

# ---- hand-worked cases: qrels, a run, the expected numbers worked out on paper ----
cat >"$T/q.jsonl" <<'Q'
{"_id": "a", "text": "first"}
{"_id": "b", "text": "second"}
{"_id": "c", "text": "third"}
{"_id": "z", "text": "no relevant judgment"}
Q
printf 'query-id\tcorpus-id\tscore\na\td1\t1\nb\td1\t2\nb\td2\t1\nb\td3\t1\nc\tx\t1\nz\td1\t0\n' >"$T/qrels.tsv"
# a: d1 at rank 2.  b: d1 (2) at rank 1, d3 at rank 3, d2 unretrieved.  c: nothing relevant.
cat >"$T/run.txt" <<'R'
a Q0 d9 1 10 t
a Q0 d1 2 9 t
b Q0 d1 1 5 t
b Q0 d7 2 4 t
b Q0 d3 3 3 t
c Q0 y 1 1 t
R
"$BRASS" eval --queries "$T/q.jsonl" --qrels "$T/qrels.tsv" --run "$T/run.txt" --json --per-query \
  >"$T/hand.json" 2>"$T/hand.err" || fail "eval --run: $(cat "$T/hand.err")"
"$PY" - "$T/hand.json" <<'PY' && ok "hand-worked cases" || fail "hand-worked cases"
import json, math, sys
j = json.load(open(sys.argv[1]))
pq = {e["query_id"]: e for e in j["per_query"]}
assert set(pq) == {"a", "b", "c"}, pq.keys()          # z has no relevant judgment: left out
assert j["queries"] == 3
L = math.log2
want = {
  "a": {"ndcg@10": (1 / L(3)) / 1, "mrr@10": 0.5, "map@10": 0.5, "recall@10": 1, "recall@100": 1},
  # DCG = 2/log2(2) + 1/log2(4) = 2.5; IDCG = 2/1 + 1/log2(3) + 1/log2(4)
  "b": {"ndcg@10": 2.5 / (2 + 1 / L(3) + 0.5), "mrr@10": 1.0, "map@10": (1 + 2 / 3) / 3,
        "recall@10": 2 / 3, "recall@100": 2 / 3},
  "c": {"ndcg@10": 0, "mrr@10": 0, "map@10": 0, "recall@10": 0, "recall@100": 0},
}
for q, w in want.items():
    for m, v in w.items():
        assert abs(pq[q][m] - v) < 1e-12, (q, m, pq[q][m], v)
s = j["systems"][0]
assert s["mode"] == "run" and s["system"] == "run", s
for m in want["a"]:
    assert abs(s[m] - sum(w[m] for w in want.values()) / 3) < 1e-12, m
assert pq["b"]["ranking"] == ["d1", "d7", "d3"], pq["b"]["ranking"]
PY

# cutoff: -k 1 (a's d1 at rank 2 no longer counts)
"$BRASS" eval --queries "$T/q.jsonl" --qrels "$T/qrels.tsv" --run "$T/run.txt" -k 1 --json \
  >"$T/k1.json" 2>&1 || fail "eval -k 1"
expect "mrr@1" "$(json "$T/k1.json" 'round(j["systems"][0]["mrr@1"], 9)')" "0.333333333"

# ---- random cases against the independent implementation ----
"$PY" - "$T" <<'PY' || { fail "random case generation"; exit 1; }
import json, random, sys
T = sys.argv[1]
rng = random.Random(11)
docs = ["doc%03d" % i for i in range(150)]
with open(T + "/rq.jsonl", "w") as q, open(T + "/rqrels.txt", "w") as r, open(T + "/rrun.txt", "w") as run:
    for i in range(120):
        qid = "q%d" % i
        q.write(json.dumps({"_id": qid, "text": "query %d" % i}) + "\n")
        for d in rng.sample(docs, rng.randint(1, 12)):
            r.write("%s 0 %s %d\n" % (qid, d, rng.choice([0, 1, 1, 2, 3])))   # TREC qrels
        n = rng.randint(0, 130)
        for rank, d in enumerate(rng.sample(docs, n)):
            # coarse scores make ties, which trec_eval breaks by docno, descending
            run.write("%s Q0 %s %d %.1f t\n" % (qid, d, rank + 1, rng.randint(0, 40) / 2))
PY
"$BRASS" eval --queries "$T/rq.jsonl" --qrels "$T/rqrels.txt" --run "$T/rrun.txt" --json \
  --per-query >"$T/rand.json" 2>"$T/rand.err" || fail "eval random: $(cat "$T/rand.err")"
"$PY" - "$T" <<'PY' && ok "random cases match the Python implementation" || fail "random cases"
import json, math, sys
from collections import defaultdict
T = sys.argv[1]
qrels = defaultdict(dict)
for line in open(T + "/rqrels.txt"):
    qid, _, d, g = line.split()
    qrels[qid][d] = int(g)
run = defaultdict(list)
for line in open(T + "/rrun.txt"):
    qid, _, d, _, s, _ = line.split()
    run[qid].append((float(s), d))

def ranking(qid):
    # trec_eval: score descending, then docno descending
    return [d for s, d in sorted(run[qid], key=lambda x: (x[0], x[1]), reverse=True)]

def metrics(rank, rel, k=10):
    nrel = sum(1 for g in rel.values() if g >= 1)
    gains = [max(rel.get(d, 0), 0) for d in rank]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = sorted((g for g in rel.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    hits = [rel.get(d, 0) >= 1 for d in rank]
    mrr = next((1 / (i + 1) for i, h in enumerate(hits[:k]) if h), 0.0)
    ap, found = 0.0, 0
    for i, h in enumerate(hits[:k]):
        if h:
            found += 1
            ap += found / (i + 1)
    return {"ndcg@10": dcg / idcg if idcg else 0.0, "mrr@10": mrr, "map@10": ap / nrel,
            "recall@10": sum(hits[:k]) / nrel, "recall@100": sum(hits[:100]) / nrel}

j = json.load(open(T + "/rand.json"))
judged = [q for q in qrels if any(g >= 1 for g in qrels[q].values())]
pq = {e["query_id"]: e for e in j["per_query"]}
assert set(pq) == set(judged), (len(pq), len(judged))
per = {q: metrics(ranking(q), qrels[q]) for q in judged}
for q in judged:
    assert pq[q]["ranking"] == ranking(q), q
    for m, v in per[q].items():
        assert abs(pq[q][m] - v) < 1e-9, (q, m, pq[q][m], v)
order = [json.loads(l)["_id"] for l in open(T + "/rq.jsonl")]
order = [q for q in order if q in per]

# the bootstrap: splitmix64, index = next % n, percentile interval
M = (1 << 64) - 1
def boot(x, B=1000, seed=42):
    s, n, means = seed, len(x), []
    for _ in range(B):
        t = 0.0
        for _ in range(n):
            s = (s + 0x9E3779B97F4A7C15) & M
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
            z ^= z >> 31
            t += x[z % n]
        means.append(t / n)
    means.sort()
    return means[int(math.floor(0.025 * B))], means[int(math.ceil(0.975 * B)) - 1]

s = j["systems"][0]
for m in ("ndcg@10", "mrr@10", "recall@100"):
    x = [per[q][m] for q in order]
    assert abs(s[m] - sum(x) / len(x)) < 1e-9, m
    lo, hi = boot(x)
    assert abs(s[m + "_ci"][0] - lo) < 1e-9 and abs(s[m + "_ci"][1] - hi) < 1e-9, (m, s[m + "_ci"], lo, hi)
    assert lo <= s[m] <= hi
print("checked %d queries" % len(judged))
PY

# ---- bad input: one line naming the file and the problem, exit 1; usage errors exit 2 ----
printf 'q1 d1\n' >"$T/bad.tsv"
"$BRASS" eval --queries "$T/q.jsonl" --qrels "$T/bad.tsv" --run "$T/run.txt" >/dev/null 2>"$T/e1"
expect "bad qrels exit" "$?" 1
grep -q "bad.tsv:1:" "$T/e1" && ok "bad qrels names file:line" || fail "bad qrels message: $(cat "$T/e1")"
printf '{"text": "no id"}\n' >"$T/noid.jsonl"
"$BRASS" eval --queries "$T/noid.jsonl" --qrels "$T/qrels.tsv" --run "$T/run.txt" >/dev/null 2>"$T/e2"
expect "query without _id exit" "$?" 1
grep -q "noid.jsonl:1:" "$T/e2" && ok "query without _id names file:line" || fail "$(cat "$T/e2")"
printf 'a Q0 d1 x\n' >"$T/badrun.txt"
"$BRASS" eval --queries "$T/q.jsonl" --qrels "$T/qrels.tsv" --run "$T/badrun.txt" >/dev/null 2>"$T/e3"
expect "bad run exit" "$?" 1
"$BRASS" eval "$T/nowhere" >/dev/null 2>"$T/e4"
expect "missing folder exit" "$?" 1
"$BRASS" eval "$T" --mode rerank >/dev/null 2>"$T/e5"
expect "rerank without model exit" "$?" 2
grep -q "needs --rerank MODEL" "$T/e5" && ok "rerank message" || fail "$(cat "$T/e5")"
"$BRASS" eval --mode sideways "$T" >/dev/null 2>&1
expect "bad mode exit" "$?" 2
[ "$fails" = 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
