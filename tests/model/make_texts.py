#!/usr/bin/python3
"""make_texts.py - deterministic test/benchmark texts, one per line, from real Debian package
descriptions: the short descriptions of `apt-cache dumpavail` and the long descriptions of the
installed packages (/var/lib/dpkg/status), plus (unless --plain) empty and whitespace-only lines,
texts far beyond any model's max length, and lines of Unicode that stress the tokenizer (accents,
CJK, combining marks, emoji, zero-width and control characters, very long words).

  /usr/bin/python3 tests/model/make_texts.py --count 200 [--seed 1] [--plain] > texts.txt
"""
import argparse
import random
import subprocess
import sys

UNICODE_LINES = [
    "Café Müller serves crème brûlée; naïve façade, résumé, coöperate, Ångström",
    "東京は日本の首都です。北京是中国的首都。",
    "한국어 텍스트와 English text 混合 mixed",
    "ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "مرحبا بالعالم — Arabic text, right to left",
    "Ελληνικά: Αθήνα, Θεσσαλονίκη; Русский: Москва, Санкт-Петербург",
    "emoji 😀🎉👍🏽 and flags 🇩🇪🇯🇵 and ZWJ 👩‍👩‍👧",
    "combining marks: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ",
    "zero\u200bwidth\u200cjoiners\u200d and soft\u00adhyphen and nbsp\u00a0here",
    "tabs\tbetween\twords and   multiple   spaces  ",
    "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ and ｶﾀｶﾅ",
    "math ∑ ∫ √ ≤ ≥ ≠ ∞ and arrows → ⇒ ↔, currency € £ ¥ ₹",
    "MiXeD CaSe WORDS and ALLCAPS Ｉstanbul İstanbul ß ẞ",
    "!!!???... ---- (((nested))) [brackets] {braces} <angle> \"quotes\" 'single' `back`",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3 + " short",
    "3.14159 1,000,000 2023-10-05 12:30:45 +1-555-0100 0x7fffffff",
    "https://example.org/path?q=search&lang=en user@example.com #hashtag @mention",
    "int main(void) { return printf(\"%d\\n\", 42) == 3 ? 0 : 1; }",
    "\u0001control\u0002chars\u007f and \ufffd replacement \ufeff bom",
    "Ǆemo ǅ ǆ ligatures ﬁ ﬂ ﬀ and roman numerals Ⅻ ⅻ and superscripts x² y³",
    "हिन्दी भाषा और বাংলা ভাষা",
    "עברית מימין לשמאל with English",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝒮𝒸𝓇𝒾𝓅𝓉 and 𠀀𠀁 supplementary ideographs",
]


def parse_stanzas(text):
    """Yields (short, long) descriptions from Debian control-file stanzas."""
    short, long_lines, in_desc = None, [], False
    for line in text.split("\n") + [""]:
        if line.startswith("Description:"):
            short, long_lines, in_desc = line[12:].strip(), [], True
        elif line.startswith(" ") and in_desc:
            s = line.strip()
            if s != ".":
                long_lines.append(s)
        elif line == "" and short is not None:
            yield short, " ".join(long_lines)
            short, long_lines, in_desc = None, [], False
        else:
            in_desc = False


def debian_descriptions():
    shorts, longs = set(), set()
    try:
        out = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True,
                             errors="replace").stdout
        for s, l in parse_stanzas(out):
            shorts.add(s)
            if l:
                longs.add(l)
    except OSError:
        pass
    try:
        with open("/var/lib/dpkg/status", encoding="utf-8", errors="replace") as f:
            for s, l in parse_stanzas(f.read()):
                shorts.add(s)
                if l:
                    longs.add(s + ". " + l)
    except OSError:
        pass
    return sorted(shorts), sorted(longs)


def make_texts(count, seed=1, plain=False):
    rng = random.Random(seed)
    shorts, longs = debian_descriptions()
    if len(shorts) < 20 or len(longs) < 20:
        sys.exit("make_texts: too few Debian package descriptions found "
                 "(apt-cache dumpavail and /var/lib/dpkg/status)")
    texts = []
    if not plain:
        texts += ["", "   ", ""] + UNICODE_LINES
        # far beyond 512 tokens: several long descriptions in one line
        for _ in range(3):
            texts.append(" ".join(rng.sample(longs, 8)))
    rest = max(0, count - len(texts))
    n_long = rest * 2 // 5
    texts += rng.sample(longs, min(n_long, len(longs)))
    texts += rng.sample(shorts, min(rest - n_long, len(shorts)))
    texts = [t.replace("\n", " ").replace("\r", " ") for t in texts[:count]]
    rng.shuffle(texts)
    return texts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plain", action="store_true",
                    help="only package descriptions (benchmarks)")
    a = ap.parse_args()
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)
    for t in make_texts(a.count, a.seed, a.plain):
        out.write(t + "\n")
    out.flush()


if __name__ == "__main__":
    main()
