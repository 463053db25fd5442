#!/usr/bin/python3
"""compare_vectors.py - the assertions of test_model_parity.sh, on files of JSON arrays (one per line).

  compare_vectors.py vectors GOT REF --tol 1e-4 [--label NAME] [--normalized]
      same line count and dimension, all finite, max |GOT - REF| <= tol on every vector; REF must
      not be degenerate (distinct texts give clearly distinct vectors, else parity proves nothing).
      Prints the max difference observed.
  compare_vectors.py ids GOT REF [--texts FILE] [--label NAME]
      token id lists identical line by line; a mismatch prints the text and both lists.
Exit status 0 when the check holds, 1 otherwise.
"""
import argparse
import json
import math
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f.read().split("\n") if line != ""]


def check_vectors(a):
    got, ref = load(a.got), load(a.ref)
    if len(got) != len(ref) or not ref:
        return "%d vectors from brass, %d from the reference" % (len(got), len(ref))
    dim = len(ref[0])
    worst, worst_line = 0.0, 0
    for i, (g, r) in enumerate(zip(got, ref)):
        if len(g) != dim or len(r) != dim:
            return "line %d: dimension %d vs %d (expected %d)" % (i + 1, len(g), len(r), dim)
        for x, y in zip(g, r):
            if not (math.isfinite(x) and math.isfinite(y)):
                return "line %d: non-finite value (%r vs %r)" % (i + 1, x, y)
            if abs(x - y) > worst:
                worst, worst_line = abs(x - y), i + 1
        if a.normalized and abs(math.sqrt(sum(x * x for x in g)) - 1.0) > 1e-5:
            return "line %d: brass vector is not unit length" % (i + 1)
    # distinct reference vectors must differ by far more than the tolerance
    spread = max(max(abs(x - y) for x, y in zip(ref[0], r)) for r in ref[1:]) if len(ref) > 1 \
        else 1.0
    print("%s: %d vectors, dim %d, max abs diff %.3g (line %d), reference spread %.3g" %
          (a.label, len(ref), dim, worst, worst_line, spread))
    if spread < 100 * a.tol:
        return "reference vectors barely differ (spread %.3g): degenerate model" % spread
    if worst > a.tol:
        return "max abs diff %.3g > %.3g at line %d" % (worst, a.tol, worst_line)
    return None


def check_ids(a):
    got, ref = load(a.got), load(a.ref)
    texts = None
    if a.texts:
        with open(a.texts, encoding="utf-8") as f:
            texts = f.read().split("\n")
    if len(got) != len(ref):
        return "%d id lists from brass, %d from HF tokenizers" % (len(got), len(ref))
    for i, (g, r) in enumerate(zip(got, ref)):
        if g != r:
            text = texts[i] if texts and i < len(texts) else "?"
            return "line %d: ids differ\n  text:  %r\n  brass: %s\n  hf:    %s" % (
                i + 1, text[:300], g[:60], r[:60])
    print("%s: %d token lists identical (%d tokens)" % (a.label, len(ref),
                                                        sum(len(r) for r in ref)))
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["vectors", "ids"])
    ap.add_argument("got")
    ap.add_argument("ref")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--label", default="compare")
    ap.add_argument("--texts")
    ap.add_argument("--normalized", action="store_true")
    a = ap.parse_args()
    problem = check_vectors(a) if a.mode == "vectors" else check_ids(a)
    if problem:
        print("FAIL %s: %s" % (a.label, problem))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
