// pdf_text_bench.js - the browser's PDF path (web/pdf-text.js on Debian's pdf.js) timed in node on
// one file, best of REPEATS; prints one JSON line {pages, text_chars, seconds, pages_per_s}.
// usage: node bench/pdf_text_bench.js FILE [REPEATS]   (bench/bench_pdf.sh runs it)
'use strict';
const fs = require('fs');
const path = require('path');
const pdfjsLib = require('/usr/share/nodejs/pdfjs-dist/build/pdf.js');
const { pdfPagesText, PDF_PAGES_MAGIC } = require(path.join(__dirname, '..', 'web', 'pdf-text.js'));

(async () => {
  const file = process.argv[2];
  const reps = Math.max(1, +(process.argv[3] || 3));
  const data = fs.readFileSync(file);
  let best = Infinity;
  let out = '';
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    out = await pdfPagesText(pdfjsLib, new Uint8Array(data));
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  if (!out.startsWith(PDF_PAGES_MAGIC)) throw new Error(out.trim());
  const pages = out.split('\f').length;
  console.log(JSON.stringify({ pages, text_chars: out.length, seconds: +best.toFixed(4), pages_per_s: Math.round(pages / best) }));
})().catch((e) => {
  console.error(`pdf_text_bench: ${e.message}`);
  process.exit(1);
});
