#!/usr/bin/python3
"""make_long_texts.py - deterministic long texts for the long-context tests: each line joins real
Debian package descriptions (tests/model/make_texts.py) until it has at least the given number
of words, so that a WordPiece tokenizer makes roughly 1.2-1.5 tokens of each word.

  /usr/bin/python3 tests/model/make_long_texts.py 800 1900 3000 [--seed 1] > long.txt
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_texts import debian_descriptions  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("words", type=int, nargs="+", help="minimum words of each line")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    _, longs = debian_descriptions()
    if len(longs) < 50:
        sys.exit("make_long_texts: too few Debian package descriptions")
    for want in a.words:
        parts, n = [], 0
        while n < want:
            d = rng.choice(longs).replace("\n", " ")
            parts.append(d)
            n += len(d.split())
        print(" ".join(parts))


if __name__ == "__main__":
    main()
