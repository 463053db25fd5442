#!/usr/bin/env python3
"""compare_lines.py - compares the oracle's output with ours line by line (byte-exact) for the
tokenizer parity test, printing how many lines were compared and the first few differences.

  compare_lines.py LABEL EXPECTED ACTUAL INPUT [--show N]

Exit status 1 on any difference, on differing line counts, or on empty output.
"""
import sys


def lines_of(path):
    with open(path, "rb") as f:
        data = f.read()
    out = data.split(b"\n")
    if out and out[-1] == b"":
        out.pop()
    return out


def main():
    if len(sys.argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    label, exp_path, act_path, in_path = sys.argv[1:5]
    show = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--show" else 5
    exp, act, src = lines_of(exp_path), lines_of(act_path), lines_of(in_path)
    n = min(len(exp), len(act))
    bad = [i for i in range(n) if exp[i] != act[i]]
    ok = not bad and len(exp) == len(act) == len(src) and n > 0
    print("%-40s %7d lines compared, %d differ%s" % (
        label, n, len(bad), "" if len(exp) == len(act) == len(src) else
        " (line counts: input %d, expected %d, actual %d)" % (len(src), len(exp), len(act))))
    for i in bad[:show]:
        text = src[i] if i < len(src) else b"?"
        print("  line %d: input %r%s" % (i + 1, text[:160], "..." if len(text) > 160 else ""))
        print("    hf:   %s" % exp[i][:400].decode("utf-8", "replace"))
        print("    ours: %s" % act[i][:400].decode("utf-8", "replace"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
