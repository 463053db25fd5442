#!/usr/bin/env python3
"""make_sets.py - builds brass's evaluation sets from text installed by Debian packages, which
nobody on the project wrote; each set is a BEIR folder (corpus.jsonl, queries.jsonl,
qrels/test.tsv) and its queries are known-item queries taken from the text's own structure:

  pydocs   python3.11-doc: every page of the HTML documentation (but the index pages) is a
           document; the queries are entries of Sphinx's general index (genindex-*.html: "S_IFBLK
           (in module stat)", "sorting (built-in function)") that point at exactly one page,
           judged relevant for that page. The HTML pages themselves are also copied to files/
           (the corpus ids are their relative paths), so brass can index them with its own HTML
           extractor and be scored with --queries/--qrels (suffix match).
  debian   the installed packages (/var/lib/dpkg/status; apt's lists carry no long
           descriptions): the document is a package's long description (title: the package
           name); the query is its one-line synopsis.
  man      man pages (/usr/share/man/man1, man8): the document is the page without its NAME
           section (title: the page name); the query is the NAME line's description ("list
           directory contents").
  man-zh   the same over manpages-zh's Chinese pages (CJK queries: "列出目录内容").
  man-ref  the same over sections 3, 5 and 7 (library calls, file formats, overviews: "print
           formatted error messages"); other authors and a different kind of page than man1/man8.
  man-de   German and
  man-ja   Japanese man1/man8 pages that packages ship beside the English ones (a second
           European language, a second CJK script). These three were added to check a ranking
           change on text it was not tuned on (docs/eval.md).

Queries whose text is not unique in a set are dropped (they have no single known item). Every
choice is deterministic (sorted inputs, fixed strides), so two runs build the same sets.

usage: make_sets.py OUT_DIR [SET...]   (default: all sets)
"""
import gzip
import html
import json
import os
import re
import shutil
import sys
from html.parser import HTMLParser

PYDOCS = "/usr/share/doc/python3.11/html"
MAX_QUERIES = 400


def write_beir(out, docs, queries):
    """docs: [(id, title, text)], queries: [(qid, text, doc_id)] -> a BEIR folder."""
    os.makedirs(os.path.join(out, "qrels"), exist_ok=True)
    with open(os.path.join(out, "corpus.jsonl"), "w") as f:
        for i, t, x in docs:
            f.write(json.dumps({"_id": i, "title": t, "text": x}, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "queries.jsonl"), "w") as f:
        for q, t, _ in queries:
            f.write(json.dumps({"_id": q, "text": t}, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "qrels", "test.tsv"), "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q, _, d in queries:
            f.write("%s\t%s\t1\n" % (q, d))
    print("%s: %d documents, %d queries" % (out, len(docs), len(queries)), file=sys.stderr)


def unique_queries(cands, limit=MAX_QUERIES):
    """cands: [(text, doc)] -> those whose text occurs once, every n-th to keep at most limit."""
    count = {}
    for t, _ in cands:
        k = " ".join(t.lower().split())
        count[k] = count.get(k, 0) + 1
    keep = [(t, d) for t, d in cands if count[" ".join(t.lower().split())] == 1]
    step = max(1, len(keep) // limit)
    return [("q%d" % i, t, d) for i, (t, d) in enumerate(keep[::step][:limit])]


# ---- pydocs ------------------------------------------------------------------------------------

class PageText(HTMLParser):
    """All text of a page but script and style, as a reader sees it; the <title> apart."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip, self.title, self.in_title = [], 0, "", False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "title":
            self.in_title = True

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(data)


def make_pydocs(out):
    if not os.path.isdir(PYDOCS):
        print("pydocs: %s missing (apt-get install python3.11-doc)" % PYDOCS, file=sys.stderr)
        return False
    pages = []
    for root, dirs, files in os.walk(PYDOCS):
        dirs[:] = sorted(d for d in dirs if not d.startswith("_"))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), PYDOCS)
            if f.endswith(".html") and not re.match(r"(genindex|py-modindex|search|contents|index)",
                                                     rel):
                pages.append(rel)
    docs = []
    shutil.rmtree(os.path.join(out, "files"), ignore_errors=True)
    for rel in pages:
        p = PageText()
        with open(os.path.join(PYDOCS, rel), encoding="utf-8", errors="replace") as f:
            raw = f.read()
        p.feed(raw)
        text = re.sub(r"\s+", " ", " ".join(p.parts)).strip()
        docs.append((rel, p.title.strip(), text))
        dst = os.path.join(out, "files", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(PYDOCS, rel), dst)
    known = set(pages)
    cands = []
    entry = re.compile(r'<li><a href="([^"#]+)(?:#[^"]*)?">([^<]+)</a>(?!\s*,\s*<a)')
    for g in sorted(os.listdir(PYDOCS)):
        if not re.match(r"genindex-[A-Z_]+\.html$", g):
            continue
        with open(os.path.join(PYDOCS, g), encoding="utf-8") as f:
            for href, text in entry.findall(f.read()):
                if href in known:
                    cands.append((html.unescape(text).strip(), href))
    write_beir(out, docs, unique_queries(cands))
    return True


# ---- debian ------------------------------------------------------------------------------------

def make_debian(out):
    try:
        with open("/var/lib/dpkg/status", encoding="utf-8", errors="replace") as f:
            dump = f.read()
    except OSError as e:
        print("debian: %s" % e, file=sys.stderr)
        return False
    pkgs = {}
    for rec in dump.split("\n\n"):
        m = re.search(r"^Package: (\S+)", rec, re.M)
        d = re.search(r"^Description: (.*)\n((?: .*\n?)*)", rec, re.M)
        if not m or not d:
            continue
        lines = [l[1:] for l in d.group(2).splitlines()]
        long = "\n".join("" if l.strip() == "." else l for l in lines).strip()
        if len(long) >= 200:
            pkgs[m.group(1)] = (d.group(1).strip(), long)
    names = sorted(pkgs)
    step = max(1, len(names) // 6000)
    names = names[::step]
    docs = [(n, n, pkgs[n][1]) for n in names]
    cands = [(pkgs[n][0], n) for n in names if len(pkgs[n][0].split()) >= 3]
    write_beir(out, docs, unique_queries(cands))
    return True


# ---- man pages ---------------------------------------------------------------------------------

FONT = re.compile(r"\\f(\[[^\]]*\]|\(..|.)")
SPECIAL = re.compile(r"\\(\(..|\[[^\]]*\]|\*\(..|\*\[[^\]]*\]|\*.)")


# groff's named glyphs as the pages write them (\(:u or \[:u]); without this, "f\(:ur" (für) became
# "f r". A name not listed here (and \[uXXXX], decoded below) still becomes a space.
GLYPHS = {
    ":a": "ä", ":o": "ö", ":u": "ü", ":A": "Ä", ":O": "Ö", ":U": "Ü", "ss": "ß", "'a": "á",
    "'e": "é", "'o": "ó", "`a": "à", "`e": "è", "^e": "ê", ",c": "ç", "/l": "ł", "ae": "æ",
    "aq": "'", "dq": '"', "lq": "“", "rq": "”", "oq": "‘", "cq": "’", "Bq": "„", "bq": "‚",
    "Fo": "«", "Fc": "»", "fo": "‹", "fc": "›", "hy": "-", "en": "–", "em": "—", "bu": "•",
    "de": "°", "co": "©", "ga": "`", "sl": "/", "rs": "\\", "at": "@", "pl": "+", "Aq": "'",
}


def glyph(m):
    g = m.group(1)
    name = g[1:] if g.startswith("(") else g[1:-1] if g.startswith("[") else g[2:-1] if g.startswith(
        "*[") else g[2:] if g.startswith("*(") else g[1:]
    if re.fullmatch(r"u[0-9A-F]{4,6}", name):
        return chr(int(name[1:], 16))
    return GLYPHS.get(name, " ")


def roff_text(line):
    line = FONT.sub("", line)
    line = line.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "").replace("\\ ", " ")
    line = re.sub(r"\\s[-+]?\d", "", line)
    line = line.replace("\\,", "").replace("\\/", "").replace("\\|", "").replace("\\^", "")
    return SPECIAL.sub(glyph, line)


def man_page(path):
    """(name description, text without the NAME section) of a roff page, or None."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            src = f.read()
    except OSError:
        return None
    if re.search(r"^\.so ", src, re.M):
        return None  # a link to another page
    sections, cur = [], None
    for line in src.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith((".SH", ".Sh")):
            cur = [roff_text(line[3:]).strip().strip('"'), []]
            sections.append(cur)
            continue
        if cur is None:
            continue
        if line.startswith((".", "'")):
            m = re.match(r"[.'](B|I|BR|RB|IR|RI|BI|IB|SM|SS|Nm|Nd|Fl|Ar|Op|Xr|Cm|Pa)\s+(.*)", line)
            if not m:
                continue
            line = m.group(2).replace('"', "")
        cur[1].append(roff_text(line))
    if len(sections) < 2 or not sections[0][1]:
        return None
    name = " ".join(" ".join(sections[0][1]).split())
    parts = re.split(r"\s+-+\s+|\s+—\s+", name, maxsplit=1)
    if len(parts) != 2:
        return None
    body = "\n\n".join(h + "\n" + "\n".join(lines) for h, lines in sections[1:])
    return parts[1].strip(), body.strip()


def make_man(out, lang="", secs=("man1", "man8")):
    base = os.path.join("/usr/share/man", lang)
    files = []
    for sec in secs:
        d = os.path.join(base, sec)
        if os.path.isdir(d):
            files += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".gz")]
    if not files:
        print("man%s: no pages under %s" % ("-" + lang if lang else "", base), file=sys.stderr)
        return False
    step = max(1, len(files) // 4000)
    docs, cands = [], []
    for p in files[::step]:
        got = man_page(p)
        if not got or len(got[1]) < 200:
            continue
        desc, body = got
        name = os.path.basename(p)[: -len(".gz")]
        docs.append((name, name.rsplit(".", 1)[0], body))
        if len(desc) >= 4:
            cands.append((desc, name))
    write_beir(out, docs, unique_queries(cands))
    return True


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    sets = sys.argv[2:] or ["pydocs", "debian", "man", "man-zh", "man-ref", "man-de", "man-ja"]
    makers = {"pydocs": make_pydocs, "debian": make_debian, "man": make_man,
              "man-zh": lambda o: make_man(o, "zh_CN"),
              "man-ref": lambda o: make_man(o, "", ("man3", "man5", "man7")),
              "man-de": lambda o: make_man(o, "de"), "man-ja": lambda o: make_man(o, "ja")}
    ok = True
    for s in sets:
        if s not in makers:
            print("unknown set %s (pydocs, debian, man, man-zh, man-ref, man-de, man-ja)" % s,
                  file=sys.stderr)
            return 2
        ok &= makers[s](os.path.join(out, s))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
