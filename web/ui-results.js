// ui-results.js — renders a search response as result groups (one per document, in rank order of
// each document's best hit), keyboard navigation through results (roving tabindex: one Tab stop,
// arrows/Home/End move, Enter opens, Esc goes back to the search box), and the source preview
// dialog (numbered lines, the matched range highlighted, query terms marked). DOM via text-safe.js.

import { el, marked, markedTerms, highlightTerms, unmarked } from './text-safe.js';

export function groupBySource(results) {
  const groups = new Map();
  for (const r of results || []) {
    if (!groups.has(r.source)) groups.set(r.source, []);
    groups.get(r.source).push(r);
  }
  return [...groups.entries()].map(([source, hits]) => ({ source, hits }));
}

function linesLabel(r) {
  if (!r.line_start) return '';
  return r.line_end && r.line_end !== r.line_start ? `lines ${r.line_start}–${r.line_end}` : `line ${r.line_start}`;
}

function resultButton(r) {
  const head = [];
  if (r.heading) head.push(el('span', { class: 'result-heading' }, r.heading));
  const lines = linesLabel(r);
  if (lines) head.push(el('span', { class: 'result-lines' }, lines));
  if (Number.isFinite(r.score)) head.push(el('span', { class: 'result-score', title: 'score' }, r.score.toFixed(3)));
  const snippet = r.snippet || r.text || '';
  return el(
    'button',
    {
      type: 'button',
      class: 'result',
      'data-testid': 'result',
      'data-source': r.source,
      'data-rank': r.rank,
      'data-line-start': r.line_start,
      'data-line-end': r.line_end,
      tabindex: '-1',
      'aria-label': `${r.source}${lines ? ', ' + lines : ''}: ${unmarked(snippet).slice(0, 160)}`,
    },
    head.length ? el('span', { class: 'result-head' }, head) : null,
    el('span', { class: 'snippet' }, marked(snippet)),
  );
}

// A source that is a crawled page's http(s) URL becomes a link (opened in a new tab, no opener or
// referrer); every other source, and any other scheme (javascript:, data:, ...), stays text. The
// URL is checked with the URL parser, not a prefix test, and set through setAttribute (el()).
export function webUrl(source) {
  if (typeof source !== 'string' || !/^https?:\/\//i.test(source)) return null;
  try {
    const u = new URL(source);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function sourceLabel(source) {
  const href = webUrl(source);
  if (!href) return el('span', { class: 'doc-path' }, source);
  return el('a', { class: 'doc-path doc-link', href, target: '_blank', rel: 'noopener noreferrer' }, source);
}

// Renders resp into container; onOpen(result) is called when a result is activated.
export function renderResults(container, resp, onOpen) {
  const groups = groupBySource(resp.results);
  const byButton = new Map();
  const nodes = groups.map((g) => {
    const items = g.hits.map((r) => {
      const b = resultButton(r);
      byButton.set(b, r);
      return el('li', null, b);
    });
    const title = el('h3', { class: 'doc-title' }, sourceLabel(g.source));
    if (g.hits.length > 1) title.appendChild(el('span', { class: 'doc-count' }, `${g.hits.length} matches`));
    return el('section', { class: 'doc', 'data-testid': 'doc', 'data-source': g.source }, title, el('ol', { class: 'hits' }, items));
  });
  container.replaceChildren(...nodes);
  const first = container.querySelector('button.result');
  if (first) first.tabIndex = 0;
  container.onclick = (e) => {
    const b = e.target.closest('button.result');
    if (b && byButton.has(b)) {
      setCurrent(container, b);
      onOpen(byButton.get(b), b);
    }
  };
  return groups.length;
}

function setCurrent(container, b) {
  for (const x of container.querySelectorAll('button.result')) x.tabIndex = x === b ? 0 : -1;
}

export function focusResult(container, index) {
  const all = [...container.querySelectorAll('button.result')];
  if (!all.length) return false;
  const b = all[Math.max(0, Math.min(all.length - 1, index))];
  setCurrent(container, b);
  b.focus();
  b.scrollIntoView({ block: 'nearest' });
  return true;
}

export function wireResultKeys(container, backToSearch) {
  container.addEventListener('keydown', (e) => {
    const all = [...container.querySelectorAll('button.result')];
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    let to = null;
    if (e.key === 'ArrowDown') to = i + 1;
    else if (e.key === 'ArrowUp') {
      if (i === 0) {
        e.preventDefault();
        backToSearch();
        return;
      }
      to = i - 1;
    } else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = all.length - 1;
    else if (e.key === 'Escape') {
      e.preventDefault();
      backToSearch();
      return;
    }
    if (to === null) return;
    e.preventDefault();
    focusResult(container, to);
  });
}

// The preview dialog. fetchPreview(result) -> Promise<{source, lines:[{n, text}]}>.
export class Preview {
  constructor(dialog, fetchPreview) {
    this.dialog = dialog;
    this.fetchPreview = fetchPreview;
    this.title = dialog.querySelector('#preview-title');
    this.meta = dialog.querySelector('#preview-meta');
    this.body = dialog.querySelector('#preview-lines');
    this.opener = null;
    this.seq = 0;
    dialog.querySelector('#preview-close').addEventListener('click', () => this.close());
    dialog.addEventListener('close', () => {
      if (this.opener && this.opener.isConnected) this.opener.focus();
      this.opener = null;
    });
    // a click on the backdrop (outside the dialog box) closes it
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) this.close();
    });
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  async open(r, opener) {
    const seq = ++this.seq;
    this.opener = opener || null;
    this.title.textContent = r.source;
    this.meta.textContent = linesLabel(r);
    this.body.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    this.body.setAttribute('aria-busy', 'true');
    if (!this.dialog.open) this.dialog.showModal();
    const terms = markedTerms(r.snippet);
    let resp;
    try {
      resp = await this.fetchPreview(r);
    } catch (err) {
      if (seq !== this.seq) return;
      this.body.replaceChildren(el('p', { class: 'error' }, `Preview failed: ${err.message || err}`));
      this.body.removeAttribute('aria-busy');
      return;
    }
    if (seq !== this.seq) return;
    const lo = r.line_start || 0;
    const hi = r.line_end || lo;
    let firstMatch = null;
    const rows = (resp.lines || []).map((ln) => {
      const hit = ln.n >= lo && ln.n <= hi;
      const row = el(
        'div',
        { class: hit ? 'line hit' : 'line', 'data-n': ln.n, 'data-testid': 'preview-line', 'data-hit': hit ? '1' : null },
        // the line number is drawn by CSS from data-n, so the row's text is only the line's text
        el('span', { class: 'tx' }, hit ? highlightTerms(ln.text, terms) : ln.text || ' '),
      );
      if (hit && !firstMatch) firstMatch = row;
      return row;
    });
    this.body.replaceChildren(...(rows.length ? rows : [el('p', { class: 'muted' }, 'No text stored for this source.')]));
    this.body.removeAttribute('aria-busy');
    if (firstMatch) firstMatch.scrollIntoView({ block: 'center' });
  }
}
