#!/bin/bash
# test_pdf_files.sh - PDFs printed by a real producer (headless Chromium --print-to-pdf) are
# indexed page by page (keyword mode, no model): a word on a known page is found and its result
# names that page in the CLI, --json and `brass get` (which reads the extracted text); no chunk
# spans two pages. Bad PDFs are skipped with one line naming the file and the problem, quickly
# and without poppler's warnings: truncated, encrypted with a password (qpdf --encrypt), garbage
# behind a %PDF- header, not a PDF, over 10,000 pages, a page whose layout outlasts the time
# limit (poppler runs in a child process that is killed). Needs a build with PDF support (poppler-glib,
# CMake BRASS_PDF): exits 77 (skipped) only when brass says it was built without it.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
if "$BRASS" --version | grep -q '^pdf: not built in'; then
  echo "skip: brass was built without PDF support (BRASS_PDF=OFF or no poppler-glib)"
  exit 77
fi
for tool in chromium qpdf; do
  command -v $tool >/dev/null || { fail "$tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
D="$T/docs"
mkdir -p "$D"
cat >"$T/guide.html" <<'HTML'
<!doctype html><html><head><meta charset="utf-8">
<style>section { break-after: page; } body { font: 12pt serif; }</style></head><body>
<section><h1>Field Guide</h1><p>The quartzite ridge rises above the valley.</p></section>
<section><h2>Glaciers</h2><p>Meltwater feeds the turquoise lake below the icefall.</p>
<table><tr><td>Zirconia</td><td>4120</td></tr></table></section>
<section><h2>Rivers</h2><p>Sediment forms the braided delta near the estuary.</p></section>
</body></html>
HTML
start=$(date +%s)
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$T/chrome" \
  --no-pdf-header-footer --print-to-pdf="$D/guide.pdf" "file://$T/guide.html" >"$T/chrome.log" 2>&1
[ -s "$D/guide.pdf" ] || { fail "chromium --print-to-pdf wrote nothing: $(tail -3 "$T/chrome.log")"; exit 1; }
expect "Chromium printed pages" "$(qpdf --show-npages "$D/guide.pdf")" 3
ok "printed by Chromium in $(($(date +%s) - start))s"

LIB="$T/lib.db"
"$BRASS" index --quiet --json --library "$LIB" "$D" >"$T/sum.json" 2>"$T/err" || fail "index: $(cat "$T/err")"
expect "pdf added" "$(json "$T/sum.json" 'j["added"]')" 1
expect "pdf skipped" "$(json "$T/sum.json" 'j["skipped"]')" 0
[ -s "$T/err" ] && fail "index printed: $(cat "$T/err")"
# search WORD: the headings of its results, ';'-joined
search() {
  "$BRASS" search --library "$LIB" --json -n 10 "$1" >"$T/s.json" 2>/dev/null || fail "search $1"
  json "$T/s.json" '";".join(r["heading"] for r in j["results"])'
}
expect "quartzite" "$(search quartzite)" "page 1"
expect "turquoise" "$(search turquoise)" "page 2"
expect "table cell Zirconia" "$(search Zirconia)" "page 2"
expect "estuary" "$(search estuary)" "page 3"
expect "every chunk names its page" \
  "$(sql "$LIB" "SELECT count(*) FROM chunks WHERE heading LIKE 'page %'")" \
  "$(sql "$LIB" "SELECT count(*) FROM chunks")"
"$BRASS" search --library "$LIB" estuary >"$T/out" 2>/dev/null
grep -q 'guide.pdf:[0-9-]*  \[page 3\]' "$T/out" && ok "CLI names the page" || fail "CLI: $(cat "$T/out")"
range=$(json "$T/s.json" '"%d-%d" % (j["results"][0]["line_start"], j["results"][0]["line_end"])')
"$BRASS" get --library "$LIB" --json "$D/guide.pdf:$range" >"$T/get.json" || fail "get"
expect "get reads the extracted text" "$(json "$T/get.json" '"braided delta near the estuary" in j["text"]')" True

# ---- bad PDFs ----
B="$T/bad"
mkdir -p "$B"
size=$(stat -c %s "$D/guide.pdf")
head -c $((size / 3)) "$D/guide.pdf" >"$B/truncated.pdf"
qpdf --encrypt secret secret 256 -- "$D/guide.pdf" "$B/locked.pdf" || fail "qpdf --encrypt"
{ printf '%%PDF-1.7\n'; head -c 30000 /dev/urandom; } >"$B/garbage.pdf"
printf 'just text\n' >"$B/fake.pdf"
# 10,002 pages: the guide's three pages repeated (qpdf shares their content streams)
qpdf --empty --pages "$D/guide.pdf" $("$PY" -c 'print(",".join(["1-3"] * 3334))') -- "$B/huge.pdf" ||
  fail "qpdf --pages"
# one page of 40,000 scattered words: poppler's layout takes ~30 s (quadratic); BRASS_PDF_SECONDS=2
# below must stop it (poppler runs in a child process that is killed)
"$PY" - "$B/slow.pdf" <<'PYEOF' || fail "making slow.pdf"
import random, sys, zlib
r = random.Random(1)
content = b"BT /F1 12 Tf " + b"".join(b"1 0 0 1 %d %d Tm (w%d ) Tj " % (r.randrange(20, 580),
    r.randrange(20, 770), i % 1000) for i in range(40000)) + b"ET"
z = zlib.compress(content, 9)
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(z) + z + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
out, offs = bytearray(b"%PDF-1.4\n"), []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
open(sys.argv[1], "wb").write(out)
PYEOF
VLIMIT=2000000
( ulimit -v $VLIMIT; "$BRASS" --help >/dev/null 2>&1 ) || { VLIMIT=unlimited; echo "note: no address-space limit (sanitizer build)"; }
start=$(date +%s)
( ulimit -v $VLIMIT; G_MESSAGES_DEBUG=all BRASS_PDF_SECONDS=2 timeout 60 "$BRASS" index --json --library "$T/bad.db" "$B" >"$T/bad.json" 2>"$T/bad.err" )
expect "bad PDFs: exit status" "$?" 0
expect "bad PDFs: all skipped" "$(json "$T/bad.json" 'j["skipped"]')" 6
expect "bad PDFs: none added" "$(json "$T/bad.json" 'j["added"]')" 0
expect_skipped "$T/bad.err" "$B" truncated.pdf "pdf: damaged"
expect_skipped "$T/bad.err" "$B" locked.pdf "pdf: encrypted (needs a password)"
expect_skipped "$T/bad.err" "$B" garbage.pdf "pdf: damaged"
expect_skipped "$T/bad.err" "$B" fake.pdf "no %PDF- header"
expect_skipped "$T/bad.err" "$B" huge.pdf "10002 pages, over the limit 10000"
expect_skipped "$T/bad.err" "$B" slow.pdf "pdf: over 2 s, over the time limit"
# nothing but the skipped lines, the progress line and the no-model note: poppler stays quiet
extra=$(grep -v -e '^brass: skipped ' -e '^brass: files ' -e '^brass: no model' "$T/bad.err")
[ -z "$extra" ] && ok "no poppler warnings" || fail "stderr has more lines: $extra"
took=$(($(date +%s) - start))
if [ "$took" -le 20 ]; then ok "bad PDFs in ${took}s"; else fail "bad PDFs took ${took}s"; fi
[ "$fails" = 0 ] || exit 1
echo "all PDF checks passed"
