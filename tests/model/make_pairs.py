#!/usr/bin/python3
"""make_pairs.py - (query, passage) JSONL pairs for the rerank tests, from make_texts.py lines.

Queries are the first few words of one text, passages whole other texts, plus the edge cases
longest_first truncation must get right: both sides long (odd and even room), only the query long,
only the passage long, equal lengths, empty query or passage, Unicode.

  make_pairs.py TEXTS [--count N] > pairs.jsonl
"""
import argparse
import json
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("texts")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    with open(a.texts, encoding="utf-8") as f:
        texts = [t for t in f.read().split("\n") if t.strip()]
    rng = random.Random(a.seed)
    longest = sorted(texts, key=len)[-4:]
    pairs = []
    for _ in range(a.count):
        q = " ".join(rng.choice(texts).split()[:rng.randint(1, 12)])
        pairs.append((q, rng.choice(texts)))
    pairs += [(longest[0], longest[1]), (longest[1], longest[0]), (longest[2], longest[2]),
              (longest[3], "short passage"), ("short query", longest[3]),
              (longest[0] + " x", longest[0]), ("", longest[1]), ("what is this?", ""), ("", ""),
              ("café naïve 東京 Ünïcödé", "Les élèves ont étudié à Zürich. 東京は大きい。 " * 20)]
    for q, p in pairs:
        print(json.dumps({"query": q, "passage": p}, ensure_ascii=False))


if __name__ == "__main__":
    main()
