// pdf-text.js - a PDF's text page by page with pdf.js (Debian's libjs-pdf 2.14, Apache-2.0), for
// the engine, which has no PDF library in the browser (the native build uses poppler-glib). The
// engine worker loads pdf.js, pdf.worker.js and this file with importScripts when the first PDF
// is dropped (nothing is loaded otherwise) and hands the engine, in place of the PDF's bytes,
// "%brass-pages 1\n" and the pages' text joined by "\f\n"; src/text/extract_pdf.c turns that into
// the same "page N" chunks as natively. A PDF pdf.js cannot read becomes "%brass-pages-error "
// and one line (encrypted, damaged, over a limit), which the engine reports as a skipped file.
// bench/bench_pdf.sh runs the same function in node. Limits as the native build's: 10,000 pages,
// 64 MiB of text, 60 s (checked between pages).
'use strict';

const PDF_PAGES_MAGIC = '%brass-pages 1\n';
const PDF_PAGES_ERROR = '%brass-pages-error ';
const PDF_MAX_PAGES = 10000;
const PDF_MAX_TEXT = 64 << 20;
const PDF_MAX_SECONDS = 60;

// The text of one page: pdf.js text items, a newline where an item ends a line.
async function pdfPageText(page) {
  const content = await page.getTextContent();
  let s = '';
  for (const item of content.items) {
    if (typeof item.str !== 'string') continue; // marked-content markers
    s += item.str;
    if (item.hasEOL) s += '\n';
  }
  return s.replace(/\f/g, ' ');
}

// pdfjsLib: pdf.js's module object; bytes: the file (a Uint8Array pdf.js may take over);
// onPage(done, total), if given, after each page. Returns the string for the engine: the pages,
// or the error line.
async function pdfPagesText(pdfjsLib, bytes, onPage) {
  const t0 = Date.now();
  let doc = null;
  try {
    const task = pdfjsLib.getDocument({
      data: bytes,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0, // errors only; bad files are reported by the engine's skipped line
    });
    doc = await task.promise;
    if (doc.numPages > PDF_MAX_PAGES) throw new Error(`${doc.numPages} pages, over the limit ${PDF_MAX_PAGES}`);
    const pages = [];
    let size = 0;
    for (let i = 1; i <= doc.numPages; i++) {
      if (Date.now() - t0 > PDF_MAX_SECONDS * 1000) {
        throw new Error(`over ${PDF_MAX_SECONDS} s at page ${i} of ${doc.numPages}, over the time limit`);
      }
      const page = await doc.getPage(i);
      const text = await pdfPageText(page);
      page.cleanup();
      size += text.length + 2;
      if (size > PDF_MAX_TEXT) throw new Error(`more than ${PDF_MAX_TEXT >> 20} MiB of text by page ${i}, over the limit`);
      pages.push(text);
      if (onPage) onPage(i, doc.numPages);
    }
    return PDF_PAGES_MAGIC + pages.join('\f\n');
  } catch (e) {
    const name = e && e.name;
    let why;
    if (name === 'PasswordException') why = 'encrypted (needs a password)';
    else if (name === 'InvalidPDFException') why = `damaged or not a PDF (${e.message})`;
    else why = String((e && e.message) || e);
    return PDF_PAGES_ERROR + why.replace(/[\x00-\x1f]+/g, ' ').slice(0, 300) + '\n';
  } finally {
    if (doc) await doc.destroy();
  }
}

if (typeof module === 'object' && module.exports) module.exports = { pdfPagesText, PDF_PAGES_MAGIC, PDF_PAGES_ERROR };
