#!/usr/bin/env python3
"""make_corpus.py - builds the tokenizer parity corpus: one text per line, as raw bytes.

  make_corpus.py OUT [--min-real N] [--small OUT2] [--codepoints OUT3]

Lines:
  1. real text: every Debian package description from `apt-cache dumpavail` (continuation
     lines joined with spaces), deduplicated in order; fewer than --min-real (10000) is an
     error, so the test cannot pass on a machine without package lists;
  2. hand-written edge cases (accents, CJK, emoji, controls, U+0130, final sigma, long words,
     specials, invalid UTF-8, combining-mark order, ...);
  3. long texts (many descriptions joined: far past 512 tokens);
  4. seeded random mixtures of words, code points from every plane and invalid bytes.
--small also writes a shorter corpus: the first 10000 descriptions and all of 2-4 (for the
settings variants). --codepoints also writes "X<c>Y" for scalar values c (for the word sweep): every one in planes
0-1, in U+E0000..U+E01FF and within 64 of the CJK block edges of planes 2-3 (HF's own ranges
differ from Unicode's there); every 7th elsewhere in planes 2-3 (ideographs) and every 61st in
the rest (unassigned planes 4-13, private-use planes 15-16); never '\\n'.
Plain python3; deterministic for a given package list.
"""
import argparse
import random
import subprocess
import sys


def debian_descriptions():
    out = subprocess.run(["apt-cache", "dumpavail"], check=True, capture_output=True).stdout
    seen, texts = set(), []
    cur = None
    for raw in out.split(b"\n") + [b""]:
        if cur is not None and raw.startswith(b" "):
            cur.append(raw.strip())
            continue
        if cur is not None:
            text = b" ".join(x for x in cur if x and x != b".")
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
            cur = None
        if raw.startswith(b"Description:"):
            cur = [raw[len(b"Description:"):].strip()]
    return texts


EDGE = [
    # accents and case
    "café", "Café au lait", "naïve façade", "Ångström", "ÅNGSTRÖM résumé", "Crème Brûlée",
    "Tiếng Việt có dấu", "Ελληνικά Αθήνα", "ΟΔΟΣ οδός σοφός ΣΟΦΟΣ", "ς σ Σ", "İstanbul",
    "DİYARBAKIR İİİ", "i̇stanbul", "ß STRASSE Straße", "ǅungla ǈ ǋ", "Ⅻ ⅻ ℌ ℍ", "ﬁnance ﬃ",
    "ＡＢＣ ａｂｃ １２３", "𝐀𝐁𝐂 𝕏", "Ꭰ ꭰ Cherokee", "𐐀𐐨 Deseret", "Ǆ ǅ ǆ",
    # CJK and other scripts
    "中文", "日本語のテキスト", "한국어 텍스트", "中文English混合text", "𠀀𪚥 extension B",
    "㐀 ext A 丽 compat", "鿿 end of block", "ｶﾀｶﾅ half-width", "العربية مُشَكَّلة",
    "עִבְרִית", "हिन्दी भाषा", "ภาษาไทย", "ქართული", "Русский ЯЗЫК", "Հայերեն",
    # emoji
    "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "1️⃣ keycap", "🇫🇷🇩🇪 flags", "🥲🫠 new emoji",
    "emoji😀inside😀word", "❤️ heart", "☃ snowman ✓ ✔",
    # control, format, zero-width and whitespace
    "a\x01b\x02c", "tab\there", "vt\x0bff\x0cx", "cr\rhere", "del\x7fx", "nel\x85x",
    "zw\u200bsp\u200cnj\u200dj", "bom\ufeffx", "ls\u2028ps\u2029x", "nbsp\u00a0x",
    "ideo\u3000space", "thin\u2009space", "shy\u00adhyphen", "lrm\u200erlm\u200f",
    "tag\U000e0041\U000e007fx", "pua\ue000\uf8ff\U000f0000x", "nul\x00x", "repl\ufffdx",
    "\x1c\x1d\x1e\x1f", "   ", "", "\t\t", "\u3000",
    # punctuation
    "Hello, world! How's it going?", "e-mail foo@bar.com http://x.org/a?b=c&d=e#f",
    "C++ x->y a_b foo(bar) [1] {2} <3> $5 100% ^~`|\\", "«quotes» „low“ ‘single’ “double”",
    "3.14 1,000,000 $100.00 10:30pm", "¡Hola! ¿Qué? §1 ¶2 • · … ‽", "——– dash ‐ ‑ ‒",
    "##ing ## #hash", "!!!???...", "a/b\\c|d", "⁅x⁆ ⸨y⸩ 〈z〉 「j」 【k】",
    # combining marks and their order
    "a\u0316\u0301", "a\u0301\u0316", "e\u0301\u0301\u0301", "Z\u0351\u036b\u0343\u036a"
    "\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA",
    "\u0301leading mark", "x\u20e3y", "\u1100\u1161\u11a8 jamo 한", "q\u0307\u0323", "ḍ̇ ḍ̇",
    "x\U0001D165\U0001D16Dy", "\u0e01\u0e48\u0e49", "a\u0345\u0313\u0300",
    # long words and long texts
    "a" * 100, "a" * 101, "b" * 99 + "é", "é" * 100, "é" * 101, "İ" * 60, "İ" * 100,
    "x" * 1000, "supercalifragilisticexpialidocious " * 40, "word " * 600,
    "unaffable " * 200 + "[SEP]", "中" * 700, ("naïve café " * 100).strip(),
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    # literal special tokens
    "[SEP]", "[CLS] hello [SEP] world [PAD][MASK][UNK]", "a[SEP]b", "[sep] [Sep] [SEP",
    "[[SEP]]", "[MASK]ed", "x [UNK] y", "[CLS][CLS][CLS]", "  [SEP]  ", "中[SEP]文",
    "é[MASK]é", "[SEP]" * 300,
    # for the added-token variant (<sw> single_word, [MASK] lstrip+rstrip, "é!" single_word +
    # lstrip, "[SEP]x" longer than [SEP])
    "a  [MASK]  b", "  [MASK]", "x<sw>y", "x <sw> y", "<sw>", "_<sw>", "<sw>_", "<sw>-", "-<sw>",
    "é<sw>", "1<sw>", "a[SEP]x[SEP]", "[SEP]xx", "  é! x", "aé! x", "\u00a0[MASK]\u3000b",
    "[MASK][MASK] [MASK]", "x\u0301<sw>", "\u200d<sw>", "<sw><sw> <sw>", "é!é! é!",
]

INVALID = [
    b"\xff", b"a\xffb", b"\xc0\xaf", b"\xed\xa0\x80 surrogate", b"\xf0\x9f\x98 truncated emoji",
    b"\xe2\x82A", b"\xf4\x90\x80\x80 too big", b"\x80\x80\x80 stray", b"end\xc3",
    b"\xe0\x80\x80 overlong", b"\xf8\x88\x80\x80\x80 five", b"caf\xe9 latin1",
    b"\xe4\xb8\xad\xe6\x96 cut cjk", b"[SEP]\xff[CLS]", b"\xff[SEP]", b"a\xe2\x82[SEP]",
    b"\xc2\xa0\xc2", b"\xef\xbf\xbd literal fffd", b"\xed\x9f\xbf ok \xee\x80\x80 pua",
    b"\xf0\x90\x80\x80 ok \xf4\x8f\xbf\xbf max", b"mix\xc3\xa9\xc3 \xa9x",
]


def random_lines(descs, n, seed=20240601):
    """Random mixtures: words from the descriptions, code points from every plane and block
    of interest, joined by random separators, with random invalid bytes."""
    rng = random.Random(seed)
    words = [w for d in descs[:3000] for w in d.split()]
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F), (0x590, 0x6FF),
              (0x900, 0xDFF), (0xE00, 0xEFF), (0x1100, 0x11FF), (0x1AB0, 0x1AFF),
              (0x1DC0, 0x1DFF), (0x2000, 0x206F), (0x2070, 0x2BFF), (0x2E00, 0x2E7F),
              (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA700, 0xA7FF),
              (0xAC00, 0xD7A3), (0xE000, 0xF8FF), (0xF900, 0xFAFF), (0xFE00, 0xFFFF),
              (0x10000, 0x10FFF), (0x11000, 0x11FFF), (0x1D100, 0x1D1FF), (0x1F300, 0x1FAFF),
              (0x20000, 0x2FFFF), (0xE0000, 0xE01EF), (0x0, 0x10FFFF)]
    seps = [" ", "", "", "  ", "\t", ",", ".", "-", "\u3000", "\u200b", "\x00"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 25)):
            r = rng.random()
            if r < 0.45 and words:
                w = rng.choice(words).decode("utf-8", "replace")
                if rng.random() < 0.3:
                    w = w.upper() if rng.random() < 0.5 else w.title()
                parts.append(w)
            elif r < 0.9:
                lo, hi = rng.choice(blocks)
                s = ""
                for _ in range(rng.randint(1, 6)):
                    c = rng.randint(lo, hi)
                    if 0xD800 <= c <= 0xDFFF or c == 10:
                        c = 0x41
                    s += chr(c)
                parts.append(s)
            elif r < 0.95:
                parts.append(rng.choice(["[SEP]", "[CLS]", "[MASK]", "[UNK]", "[PAD]"]))
            else:
                parts.append(bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 3))))
            parts.append(rng.choice(seps))
        line = b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in parts)
        out.append(line.replace(b"\n", b" "))
    return out


CJK_EDGES = [0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F, 0x2B820, 0x2B920, 0x2CEAF,
             0x2CEB0, 0x2EBE0, 0x2EBF0, 0x2EE5D, 0x2F800, 0x2FA1F, 0x30000, 0x3134A, 0x31350,
             0x323AF]


def sweep_codepoints():
    near_edge = set()
    for e in CJK_EDGES:
        near_edge.update(range(e - 64, e + 65))
    for c in range(0x110000):
        if c == 10 or 0xD800 <= c <= 0xDFFF:
            continue
        if (c < 0x20000 or 0xE0000 <= c <= 0xE01FF or c in near_edge or
                (c < 0x40000 and c % 7 == 0) or c % 61 == 0):
            yield c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--min-real", type=int, default=10000)
    ap.add_argument("--random", type=int, default=3000)
    ap.add_argument("--small")
    ap.add_argument("--codepoints")
    a = ap.parse_args()
    descs = debian_descriptions()
    if len(descs) < a.min_real:
        sys.stderr.write("make_corpus: apt-cache dumpavail gave %d distinct descriptions, fewer "
                         "than %d: install package lists (apt-get update)\n" % (len(descs),
                                                                               a.min_real))
        sys.exit(1)
    synthetic = [e.encode("utf-8") for e in EDGE] + INVALID
    for i in range(0, 200, 10):  # long texts: 50 descriptions each, far past 512 tokens
        synthetic.append(b" ".join(descs[i * 50:(i + 1) * 50]))
    synthetic += random_lines(descs, a.random)
    lines = descs + synthetic
    assert all(b"\n" not in x for x in lines)
    with open(a.out, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    if a.small:
        with open(a.small, "wb") as f:
            f.write(b"\n".join(descs[:10000] + synthetic) + b"\n")
    sys.stderr.write("make_corpus: %d lines (%d real descriptions, %d edge, %d random)\n" % (
        len(lines), len(descs), len(EDGE) + len(INVALID) + 20, a.random))
    if a.codepoints:
        with open(a.codepoints, "wb") as f:
            f.write(b"".join(("X%sY\n" % chr(c)).encode("utf-8") for c in sweep_codepoints()))


if __name__ == "__main__":
    main()
