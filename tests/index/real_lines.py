#!/usr/bin/python3
"""real_lines.py - N distinct lines of real English text for the HNSW recall test, shuffled with a
fixed seed: the short descriptions of Debian's packages and the sentences of the installed ones'
long descriptions (via tests/model/make_texts.py), then, when those run short, the sentences of
the Python documentation's reStructuredText sources (Debian package python3.11-doc, installed by
scripts/setup.sh). Code blocks and directives are left out; lines are de-duplicated ignoring case.

  /usr/bin/python3 tests/index/real_lines.py --count 101000 > lines.txt
"""
import argparse
import glob
import os
import random
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model"))
from make_texts import debian_descriptions  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def doc_paragraphs():
    """Prose paragraphs of the Python documentation sources, in a fixed order: directive bodies
    are dedented, literal blocks (after "::"), directives, tables, lists and doctests skipped."""
    files = sorted(glob.glob("/usr/share/doc/python3*/html/_sources/**/*.txt", recursive=True))
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        literal = False
        for para in text.split("\n\n"):
            rows = [r.strip() for r in para.strip("\n").split("\n")]
            indented = para.strip("\n").startswith((" ", "\t"))
            if literal and indented:
                continue
            literal = False
            if not rows or not rows[0] or rows[0].startswith(("..", ">>>", "*", "-", "=", "|", "+")):
                continue
            para = " ".join(rows)
            if para.endswith("::"):
                literal = True
                para = para[:-1]
            yield para


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    seen, lines = set(), []

    def add(s):
        s = " ".join(s.split())
        if 12 <= len(s) <= 400 and s.lower() not in seen:
            seen.add(s.lower())
            lines.append(s)

    shorts, longs = debian_descriptions()
    for s in shorts:
        add(s)
    for text in longs:
        for s in SENTENCE_END.split(text):
            add(s)
    if len(lines) < a.count:
        for para in doc_paragraphs():
            for s in SENTENCE_END.split(para):
                add(s)
            if len(lines) >= a.count:
                break
    if len(lines) < a.count:
        sys.exit(f"real_lines: only {len(lines)} distinct lines found, {a.count} wanted")
    rng = random.Random(a.seed)
    rng.shuffle(lines)
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)
    for s in lines[: a.count]:
        out.write(s + "\n")
    out.flush()


if __name__ == "__main__":
    main()
