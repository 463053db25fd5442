#!/usr/bin/env python3
"""fts5_baseline.py - the peer `make bench` scores brass's keyword mode against: plain SQLite FTS5
BM25 over whole documents (title and text in one column) with porter stemming over unicode61,
the query an OR of its words. Writes a TREC run file (top 100 per query) for `brass eval --run`,
so both systems are scored by the same code and compared pairwise.

usage: fts5_baseline.py BEIR_FOLDER RUN_OUT
"""
import json
import re
import sqlite3
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    folder, out = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, body,"
               " tokenize='porter unicode61 remove_diacritics 2')")
    with open(folder + "/corpus.jsonl", encoding="utf-8") as f:
        rows = []
        for line in f:
            if line.strip():
                o = json.loads(line)
                rows.append((str(o["_id"]), (o.get("title") or "") + "\n" + (o.get("text") or "")))
        db.executemany("INSERT INTO d(id, body) VALUES (?, ?)", rows)
    with open(folder + "/queries.jsonl", encoding="utf-8") as f, open(out, "w") as w:
        for line in f:
            if not line.strip():
                continue
            q = json.loads(line)
            words = re.findall(r"\w+", q["text"])
            if not words:
                continue
            expr = " OR ".join('"%s"' % x for x in words)
            hits = db.execute("SELECT id, bm25(d) FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 100",
                              (expr,)).fetchall()
            for rank, (doc, score) in enumerate(hits):
                w.write("%s Q0 %s %d %.6f fts5\n" % (q["_id"], doc, rank + 1, -score))
    return 0


if __name__ == "__main__":
    sys.exit(main())
