#!/usr/bin/python3
"""fixed_texts.py - texts that tokenize to exactly N ids ([CLS] + N-2 words + [SEP]) for the
fixed-length half of the benchmark: random whole-word entries of a model's vocab.txt (plain
lowercase words, so each is one WordPiece token), seeded, one text per line.

  /usr/bin/python3 bench/fixed_texts.py MODEL_DIR --tokens 128 --count 64 > fixed128.txt
"""
import argparse
import os
import random
import re


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--count", type=int, default=64)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    with open(os.path.join(a.model_dir, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    words = [w for w in vocab[:8000] if re.fullmatch(r"[a-z]{2,}", w)]
    rng = random.Random(a.seed)
    for _ in range(a.count):
        print(" ".join(rng.choice(words) for _ in range(a.tokens - 2)))


if __name__ == "__main__":
    main()
