// fixture.mjs - the browser test's fixture folder: markdown/text/html files where known words find
// known documents (garden.md, kitchen.txt), xss.md and page.html carry hostile markup and HTML
// entities that must be shown as text, and gen/ holds seeded pseudo-text so rankings have many
// candidates to order (the native-vs-browser top-10 comparison).
//   node tests/web/fixture.mjs DIR   writes the fixture into DIR
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const XSS_MD = `# Hostile notes

The marmelquist ledger quotes raw markup: <script>alert(1)</script> <img src=x onerror="window.__brassXss=1;alert(2)"> &amp; &lt;b&gt; kept.
`;
const PAGE_HTML = `<!doctype html><html><head><title>Entities</title></head><body>
<h1>Entity page</h1>
<p>Caf&eacute; &amp; cr&egrave;me flonderwhip &lt;script&gt;alert(3)&lt;/script&gt; done.</p>
<img src=x onerror="window.__brassXss=1;alert(4)">
</body></html>
`;

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function makeFixture(dir) {
  const w = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w('notes/garden.md', '# Garden\n\nThe zapfhilde hedge grows beside the pond.\n\n## Soil\n\nKeep the soil damp in summer.\n');
  w('notes/kitchen.txt', 'Kitchen notes: the quorbleton stew needs three hours.\nServe it warm with bread.\n');
  w('notes/xss.md', XSS_MD);
  w('web/page.html', PAGE_HTML);
  const words = ('river stone lantern harbor window orchard signal copper garden thread engine ' +
    'ledger meadow winter candle market bridge pepper velvet mirror compass tunnel falcon ' +
    'silver rocket basket marble anchor canyon violet paper cotton ember glacier').split(' ');
  const r = rng(12345);
  for (let d = 0; d < 18; d++) {
    const lines = [];
    const nLines = 3 + Math.floor(r() * 12);
    // each document favours its own 6 topic words, so words occur in some documents, not all
    const topic = Array.from({ length: 6 }, () => words[Math.floor(words.length * r())]);
    for (let l = 0; l < nLines; l++) {
      const n = 5 + Math.floor(r() * 10);
      const ws = [];
      for (let i = 0; i < n; i++) {
        ws.push(r() < 0.85 ? topic[Math.floor(topic.length * r())] : words[Math.floor(words.length * r())]);
      }
      lines.push(ws.join(' ') + '.');
    }
    w(`gen/doc${String(d).padStart(2, '0')}.txt`, lines.join('\n') + '\n');
  }
}

export function listFiles(dir, base = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  makeFixture(process.argv[2]);
  console.log(listFiles(process.argv[2]).join('\n'));
}
