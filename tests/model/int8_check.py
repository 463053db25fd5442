#!/usr/bin/python3
"""int8_check.py - the accuracy assertions of test_int8_parity.sh, on files of JSON arrays.

  int8_check.py cosine INT8 F32 [--mean 0.999] [--min 0.995] [--label NAME]
      same count and dimension; per-text cosine between the int8 and the f32 vector; mean and
      minimum at least the bounds. Prints both.
  int8_check.py topk CORPUS_INT8 CORPUS_F32 QUERIES_INT8 QUERIES_F32 [--k 10] [--min 0.9]
      exact top-k neighbours (cosine) of each query among the corpus vectors, once all f32 and
      once all int8; the mean fraction of f32's top k that int8 also returns is at least --min.
Exit status 0 when the check holds, 1 otherwise.
"""
import argparse
import json
import math
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def unit(v):
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / n for x in v]


def cosine(a):
    got, ref = load(a.got), load(a.ref)
    if len(got) != len(ref) or not ref:
        return "%d int8 vectors, %d f32" % (len(got), len(ref))
    cs = []
    for i, (g, r) in enumerate(zip(got, ref)):
        if len(g) != len(r) or not all(math.isfinite(x) for x in g):
            return "line %d: bad int8 vector" % (i + 1)
        cs.append(sum(x * y for x, y in zip(unit(g), unit(r))))
    mean, low = sum(cs) / len(cs), min(cs)
    print("%s: %d vectors, cosine int8 vs f32 mean %.6f min %.6f (line %d)" %
          (a.label, len(cs), mean, low, cs.index(low) + 1))
    if mean < a.mean or low < a.min:
        return "cosine mean %.6f (want >= %g), min %.6f (want >= %g)" % (mean, a.mean, low, a.min)
    return None


def topk_sets(corpus, queries, k):
    corpus = [unit(v) for v in corpus]
    out = []
    for q in queries:
        q = unit(q)
        s = sorted(range(len(corpus)), key=lambda i: -sum(x * y for x, y in zip(q, corpus[i])))
        out.append(set(s[:k]))
    return out


def topk(a):
    c8, c32, q8, q32 = load(a.got), load(a.ref), load(a.q8), load(a.q32)
    if len(c8) != len(c32) or len(q8) != len(q32) or len(c32) < 2 * a.k:
        return "vector counts differ or corpus too small"
    t8, t32 = topk_sets(c8, q8, a.k), topk_sets(c32, q32, a.k)
    ov = [len(x & y) / a.k for x, y in zip(t8, t32)]
    mean = sum(ov) / len(ov)
    print("%s: %d queries over %d texts, top-%d overlap int8 vs f32 mean %.4f min %.2f" %
          (a.label, len(ov), len(c32), a.k, mean, min(ov)))
    if mean < a.min:
        return "top-%d overlap %.4f < %g" % (a.k, mean, a.min)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["cosine", "topk"])
    ap.add_argument("got")
    ap.add_argument("ref")
    ap.add_argument("q8", nargs="?")
    ap.add_argument("q32", nargs="?")
    ap.add_argument("--mean", type=float, default=0.999)
    ap.add_argument("--min", type=float, default=None)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--label", default="int8")
    a = ap.parse_args()
    if a.min is None:
        a.min = 0.995 if a.mode == "cosine" else 0.9
    problem = cosine(a) if a.mode == "cosine" else topk(a)
    if problem:
        print("FAIL %s: %s" % (a.label, problem))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
