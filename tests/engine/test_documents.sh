#!/bin/bash
# test_documents.sh - DOCX, ODT and EPUB files written by a real producer (pandoc) are indexed
# (keyword mode, no model): known words are found in each, with the heading path of their
# section in --json; table cells and list items are searchable. Bad documents are skipped with a
# one-line message naming the file and the problem, quickly and in bounded memory: truncated, not
# a zip, a zip bomb (refused by the ratio limit), a DOCTYPE with entity declarations (billion
# laughs), a zip with 20k and one with 100k entries, an encrypted entry, a missing part.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
if ! command -v pandoc >/dev/null; then
  echo "skip: pandoc is not installed (scripts/setup.sh installs it)"
  exit 77
fi
D="$T/docs"
mkdir -p "$D"
cat >"$T/book.md" <<'MD'
---
title: Field Guide
---

# Mountains

The quartzite ridge rises above the valley.

## Glaciers

Meltwater feeds the turquoise lake.

| Peak | Height |
|------|--------|
| Zirconia | 4120 |
| Basalto | 3980 |

# Rivers

## Deltas

Sediment forms the braided delta near the estuary &amp;amp; the sea.

- first item about herons
- second item about kingfishers
MD
for f in docx odt epub; do
  pandoc "$T/book.md" -o "$D/book.$f" || fail "pandoc -> $f"
done
LIB="$T/lib.db"
"$BRASS" index --quiet --json --library "$LIB" "$D" >"$T/sum.json" 2>"$T/err" || fail "index: $(cat "$T/err")"
expect "documents added" "$(json "$T/sum.json" 'j["added"]')" 3
expect "documents skipped" "$(json "$T/sum.json" 'j["skipped"]')" 0

# search WORD: "ext:heading" per result, sorted
search() {
  "$BRASS" search --library "$LIB" --json -n 10 "$1" >"$T/s.json" 2>/dev/null || fail "search $1"
  json "$T/s.json" '"\n".join(sorted(r["source"].rsplit(".",1)[1]+":"+r["heading"] for r in j["results"]))' | tr '\n' ';'
}
expect "quartzite" "$(search quartzite)" "docx:Mountains;epub:Mountains;odt:Mountains;"
expect "turquoise" "$(search turquoise)" \
  "docx:Mountains > Glaciers;epub:Mountains > Glaciers;odt:Mountains > Glaciers;"
expect "table cell Zirconia" "$(search Zirconia)" \
  "docx:Mountains > Glaciers;epub:Mountains > Glaciers;odt:Mountains > Glaciers;"
expect "list item kingfishers" "$(search kingfishers)" \
  "docx:Rivers > Deltas;epub:Rivers > Deltas;odt:Rivers > Deltas;"
"$BRASS" search --library "$LIB" --json estuary >"$T/s.json"
expect "entity decoded once" "$(json "$T/s.json" 'all("estuary &amp; the sea" in r["text"] for r in j["results"])')" True
expect "line ranges in the extracted text" \
  "$(json "$T/s.json" 'all(1 <= r["line_start"] <= r["line_end"] < 40 for r in j["results"])')" True
# brass get reads a document as its extracted text, whose lines the ranges count
for f in docx odt epub; do
  range=$(json "$T/s.json" '[("%d-%d" % (r["line_start"], r["line_end"])) for r in j["results"] if r["source"].endswith(sys.argv[3])][0]' ".$f")
  "$BRASS" get --library "$LIB" --json "$D/book.$f:$range" >"$T/get.json" || fail "get book.$f:$range"
  expect "get book.$f:$range" "$(json "$T/get.json" '"estuary &amp; the sea" in j["text"]')" True
done

# ---- bad documents ----
B="$T/bad"
mkdir -p "$B"
head -c 3000 "$D/book.docx" >"$B/truncated.docx"
printf 'hello, I am not a zip\n' >"$B/fake.docx"
"$PY" - "$B" <<'PYEOF' || fail "making bad documents"
import sys, zipfile
b = sys.argv[1]
def z(name, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(b + "/" + name, "w", method) as f:
        for n, data in entries:
            f.writestr(n, data)
# 50 MiB of zeros (under the 64 MiB entry limit) deflate to ~50 KB: a ratio near 1000:1
z("bomb.docx", [("word/document.xml", b"\0" * (50 << 20))])
laughs = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
laughs += "".join(' <!ENTITY lol%d "%s">\n' % (i, ("&lol%s;" % (i - 1 if i > 1 else "")) * 10)
                  for i in range(1, 10))
laughs += ']>\n<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
z("laughs.docx", [("word/document.xml", laughs)])
z("many.odt", [("f%d" % i, b"") for i in range(20000)], zipfile.ZIP_STORED)
z("huge.epub", [("f%d" % i, b"") for i in range(100000)], zipfile.ZIP_STORED)
z("nodoc.docx", [("word/other.xml", "<x/>")])
z("locked.docx", [("word/document.xml", "<w:p><w:t>secret</w:t></w:p>")])
data = bytearray(open(b + "/locked.docx", "rb").read())
cd = data.rfind(b"PK\x01\x02")
data[cd + 8] |= 1  # the encrypted flag in the central directory
open(b + "/locked.docx", "wb").write(bytes(data))
PYEOF
# 1 GB of address space is plenty for these files; a sanitizer build reserves far more up front,
# so there only the time is bounded (ASan itself reports a leak or an overflow)
VLIMIT=1000000
( ulimit -v $VLIMIT; "$BRASS" --help >/dev/null 2>&1 ) || { VLIMIT=unlimited; echo "note: no address-space limit (sanitizer build)"; }
start=$(date +%s)
( ulimit -v $VLIMIT; timeout 60 "$BRASS" index --json --library "$T/bad.db" "$B" >"$T/bad.json" 2>"$T/bad.err" )
rc=$?
expect "bad documents: exit status" "$rc" 0
expect "bad documents: all skipped" "$(json "$T/bad.json" 'j["skipped"]')" 8
expect "bad documents: none added" "$(json "$T/bad.json" 'j["added"]')" 0
expect_skipped "$T/bad.err" "$B" truncated.docx "truncated"
expect_skipped "$T/bad.err" "$B" fake.docx "not a zip archive"
expect_skipped "$T/bad.err" "$B" bomb.docx "compression ratio"
expect_skipped "$T/bad.err" "$B" laughs.docx "DOCTYPE with an internal subset"
expect_skipped "$T/bad.err" "$B" many.odt "20000 entries, over the limit"
expect_skipped "$T/bad.err" "$B" huge.epub "ZIP64"
expect_skipped "$T/bad.err" "$B" nodoc.docx "no word/document.xml"
expect_skipped "$T/bad.err" "$B" locked.docx "encrypted"
took=$(($(date +%s) - start))
if [ "$took" -le 30 ]; then ok "bad documents in ${took}s"; else fail "bad documents took ${took}s"; fi
[ "$fails" = 0 ] || exit 1
echo "all document checks passed"
