#!/bin/bash
# bench_pdf.sh - PDF text extraction speed in pages/s: the native build (poppler-glib through
# extract_pdf, bench_documents) against the browser's path (pdf.js from Debian's libjs-pdf, the
# same web/pdf-text.js the engine worker runs, here in node), on one PDF printed by headless
# Chromium (30 pages of prose) and repeated by qpdf to PAGES pages (default 1500).
# usage: bash bench/bench_pdf.sh [PAGES]   (after make; needs chromium, qpdf, libjs-pdf)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pages=${1:-1500}
bench=$root/build/bench/bench_documents
[ -x "$bench" ] || { echo "bench_pdf: $bench missing (make)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$T/book.html" <<'PY'
import random, sys
r = random.Random(3)
words = ("river stone lantern harbor window orchard signal copper garden thread engine ledger "
         "meadow winter candle market bridge pepper velvet mirror compass tunnel falcon silver "
         "rocket basket marble anchor canyon violet paper cotton ember glacier the of and a to in").split()
out = ['<!doctype html><meta charset="utf-8"><style>section{break-after:page} p{font:11pt serif}</style>']
for s in range(30):
    paras = "".join("<p>%s.</p>" % " ".join(r.choice(words) for _ in range(70)) for _ in range(6))
    out.append("<section><h2>Chapter %d</h2>%s</section>" % (s + 1, paras))
open(sys.argv[1], "w").write("".join(out))
PY
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$T/chrome" \
  --no-pdf-header-footer --print-to-pdf="$T/book30.pdf" "file://$T/book.html" >/dev/null 2>&1
n30=$(qpdf --show-npages "$T/book30.pdf")
reps=$(( (pages + n30 - 1) / n30 ))
qpdf --empty --pages "$T/book30.pdf" $(/usr/bin/python3 -c "print(','.join(['1-z'] * $reps))") -- "$T/book.pdf"
echo "bench_pdf: $(qpdf --show-npages "$T/book.pdf") pages ($n30 printed by Chromium, repeated), $(stat -c %s "$T/book.pdf") bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"
native=$("$bench" "$T/book.pdf" 3)
js=$(node "$root/bench/pdf_text_bench.js" "$T/book.pdf" 3)
echo "native poppler-glib: $native"
echo "pdf.js in node:      $js"
/usr/bin/python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("pages/s: native %d, pdf.js %d, native/pdf.js %.2fx" % (a["pages_per_s"], b["pages_per_s"], a["pages_per_s"] / b["pages_per_s"]))
' "$native" "$js"
