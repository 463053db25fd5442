#!/usr/bin/env python3
"""rank_variants.py - tries ways of turning chunk scores into source scores without changing C:
reads the libraries run_eval.sh keeps (OUT/SET.db, indexed by brass) and scores each set's
queries the way brass's keyword mode does (src/store/fts.c: -bm25(chunks_stem, 4, 2, 1, 1, 4) +
0.5 x -bm25(chunks_fts, 4, 2, 1, 4), the last column being schema 5's key terms; a CJK run as
any of its character pairs; a source ranks by its best chunk), then by each variant below, and
prints MRR@10 per set. It reproduces brass's keyword MRR@10 (before schema 5: pydocs 0.831;
debian 0.762 against brass's 0.760, from ties at brass's candidate limit),
so a variant's gain here is worth moving into C; docs/eval.md has what it found.

usage: rank_variants.py OUT_DIR [SET...]   (OUT_DIR: build/bench/eval after run_eval.sh)
"""
import collections
import json
import math
import os
import re
import sys

import sqlite3

WORD = re.compile(r"[A-Za-z0-9_\u0080-\U0010ffff]+")


def cjk(ch):
    o = ord(ch)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or
            0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or
            0xF900 <= o <= 0xFAFF or 0xFF66 <= o <= 0xFF9F or 0x20000 <= o <= 0x3134F or
            o == 0x30FC)


def fts_expr(q):
    """brass's FTS5 expression for a plain query (fts.c, fts_query.c): (expr, has_cjk)."""
    parts, has_cjk = [], False
    for w in WORD.findall(q):
        segs = [[w[0], cjk(w[0])]]
        for ch in w[1:]:
            if cjk(ch) == segs[-1][1]:
                segs[-1][0] += ch
            else:
                segs.append([ch, cjk(ch)])
        for t, c in segs:
            if c:
                has_cjk = True
                pairs = [t[i:i + 2] for i in range(len(t) - 1)] or [t]
                parts += ['grams : "%s"' % p for p in pairs]
            else:
                parts.append('"%s"' % t.replace('"', '""'))
    return " OR ".join(parts), has_cjk


class EvalSet:
    def __init__(self, out, name):
        self.name = name
        self.db = sqlite3.connect("file:%s?mode=ro" % os.path.join(out, name + ".db"), uri=True)
        self.chunk = {}  # chunk id -> (source id, document id, seq)
        for cid, src, doc, seq in self.db.execute(
                "SELECT c.id, d.source_id, c.document_id, c.seq FROM chunks c"
                " JOIN documents d ON d.id = c.document_id"):
            self.chunk[cid] = (src, doc, seq)
        self.nchunks = collections.Counter(s for s, _, _ in self.chunk.values())
        paths = dict(self.db.execute("SELECT id, path FROM sources"))
        strip = lambda p: p[:-5] if p.endswith(".html") else p
        folder = os.path.join(out, name)
        qrels = {}
        with open(os.path.join(folder, "qrels", "test.tsv")) as f:
            for line in f:
                p = line.split()
                if p and p[0] != "query-id":
                    qrels[p[0]] = strip(p[1])
        self.queries = []  # (text, relevant source id or None)
        with open(os.path.join(folder, "queries.jsonl")) as f:
            for line in f:
                q = json.loads(line)
                d = qrels.get(q["_id"])
                if d is None:
                    continue
                rel = [s for s, p in paths.items() if strip(p) == d or strip(p).endswith("/" + d)]
                self.queries.append((q["text"], rel[0] if rel else None))
        self.cache = {}

    def chunk_scores(self, q):
        """{chunk id: brass's keyword score} over every matching chunk."""
        if q not in self.cache:
            expr, has_cjk = fts_expr(q)
            s = collections.defaultdict(float)
            if expr:
                for cid, v in self.db.execute("SELECT rowid, -bm25(chunks_stem, 4, 2, 1, 1, 4) FROM"
                                              " chunks_stem WHERE chunks_stem MATCH ?", (expr,)):
                    s[cid] += v
                if not has_cjk:
                    for cid, v in self.db.execute("SELECT rowid, -bm25(chunks_fts, 4, 2, 1, 4) FROM"
                                                  " chunks_fts WHERE chunks_fts MATCH ?", (expr,)):
                        s[cid] += 0.5 * v
            self.cache[q] = s
        return self.cache[q]

    def mrr10(self, combine):
        total = 0.0
        for text, rel in self.queries:
            per = collections.defaultdict(list)  # source -> [(score, chunk id)], best first
            for cid, v in self.chunk_scores(text).items():
                per[self.chunk[cid][0]].append((v, cid))
            score = {}
            for src, hits in per.items():
                hits.sort(reverse=True)
                score[src] = combine(self, src, hits)
            top = sorted(score, key=lambda s: -score[s])[:10]
            total += 1.0 / (top.index(rel) + 1) if rel in top else 0.0
        return total / len(self.queries)


def next_best(es, hits, skip_neighbour):
    """The score of the source's next best chunk (not the best one's neighbour), else 0."""
    _, bdoc, bseq = es.chunk[hits[0][1]]
    for v, cid in hits[1:]:
        _, doc, seq = es.chunk[cid]
        if not (skip_neighbour and doc == bdoc and abs(seq - bseq) == 1):
            return v
    return 0.0


VARIANTS = [
    ("best chunk (brass)", lambda es, src, h: h[0][0]),
    ("best + 0.1 x next best", lambda es, src, h: h[0][0] + 0.1 * next_best(es, h, False)),
    ("best + 0.1 x next non-neighbour", lambda es, src, h: h[0][0] + 0.1 * next_best(es, h, True)),
    ("best + 0.2 x geometric sum", lambda es, src, h: h[0][0] + 0.2 * sum(
        v * 0.5 ** i for i, (v, _) in enumerate(h[1:]))),
    ("best - 0.1 ln(chunks)", lambda es, src, h: h[0][0] - 0.1 * math.log(es.nchunks[src])),
    ("best - 0.4 ln(chunks)", lambda es, src, h: h[0][0] - 0.4 * math.log(es.nchunks[src])),
    ("best / (1 + 0.06 ln(chunks))", lambda es, src, h: h[0][0] / (
        1 + 0.06 * math.log(es.nchunks[src]))),
]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    names = sys.argv[2:] or ["pydocs", "debian", "man", "man-zh", "man-ref", "man-de", "man-ja"]
    sets = [EvalSet(out, n) for n in names if os.path.exists(os.path.join(out, n + ".db"))]
    print("| variant | " + " | ".join(s.name for s in sets) + " |")
    print("| --- |" + " ---: |" * len(sets))
    for label, fn in VARIANTS:
        print("| %s | %s |" % (label, " | ".join("%.3f" % s.mrr10(fn) for s in sets)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
