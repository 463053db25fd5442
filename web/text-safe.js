// text-safe.js — the only way the UI turns data into DOM. Every string from the engine (paths,
// snippets, file text) goes through textContent via el()/marked(); nothing here or elsewhere in web/
// assigns innerHTML, so a document named "<img onerror=...>" stays text. Snippets mark query terms
// with U+E000 ... U+E001 (private-use chars); marked() turns those into <mark> elements.

export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

// el('p', {class: 'x', 'data-source': s}, 'text', childNode, ...): attributes are set with
// setAttribute (never event-handler attributes), children are nodes or strings (text nodes).
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (/^on/i.test(k)) throw new Error(`el: refusing event attribute ${k}`);
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) append(node, c);
  return node;
}

function append(node, c) {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) {
    for (const x of c) append(node, x);
  } else if (c instanceof Node) {
    node.appendChild(c);
  } else {
    node.appendChild(document.createTextNode(String(c)));
  }
}

// Splits a marked snippet into text nodes and <mark> elements. Unbalanced or nested marks are
// tolerated: an opening mark inside a mark is ignored, a stray closing mark is dropped.
export function marked(s) {
  const frag = document.createDocumentFragment();
  let buf = '';
  let inMark = false;
  const flush = () => {
    if (!buf) return;
    frag.appendChild(inMark ? el('mark', null, buf) : document.createTextNode(buf));
    buf = '';
  };
  for (const ch of String(s ?? '')) {
    if (ch === MARK_OPEN) {
      if (!inMark) {
        flush();
        inMark = true;
      }
    } else if (ch === MARK_CLOSE) {
      if (inMark) {
        flush();
        inMark = false;
      }
    } else {
      buf += ch;
    }
  }
  flush();
  return frag;
}

// The distinct lower-cased terms a snippet marks (used to highlight them in the preview).
export function markedTerms(s) {
  const out = new Set();
  const re = /\uE000([^\uE000\uE001]*)\uE001/g;
  let m;
  while ((m = re.exec(String(s ?? '')))) {
    const t = m[1].trim().toLowerCase();
    if (t) out.add(t);
  }
  return [...out];
}

// Highlights case-insensitive occurrences of terms in plain text, as DOM (text nodes + <mark>).
export function highlightTerms(text, terms) {
  const frag = document.createDocumentFragment();
  text = String(text ?? '');
  if (!terms.length) {
    frag.appendChild(document.createTextNode(text));
    return frag;
  }
  const esc = terms
    .slice()
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(esc.join('|'), 'giu');
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    if (!m[0].length) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
    frag.appendChild(el('mark', null, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
  return frag;
}

// Removes marks (for plain-text uses such as aria labels).
export function unmarked(s) {
  return String(s ?? '').replace(/[\uE000\uE001]/g, '');
}

export function fmtInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(n < 10 ? 1 : 0) : n} ${u[i]}`;
}

export function fmtSeconds(s) {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 1) return '<1 s';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}
