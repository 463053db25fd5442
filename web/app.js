// app.js — the brass web app's UI controller (ES module, no framework). It owns the page: cross-origin
// isolation bootstrap (sw.js), the engine's lifetime (start, restart on a thread change), adding
// files, indexing progress, search-as-you-type, results and preview, library management, metrics,
// settings and notices. Every engine call goes through the `engine` object below (the only place
// that knows engine-client.js), and all data reaches the DOM through text-safe.js (no innerHTML).

import { el, fmtBytes, fmtInt, fmtMs, fmtSeconds } from './text-safe.js';
import { filesFromInput, wireDrop } from './ui-drop.js';
import { loadSettings, saveSettings, fillForm, readForm, maxThreads } from './ui-settings.js';
import { renderResults, focusResult, wireResultKeys, Preview } from './ui-results.js';

const $ = (id) => document.getElementById(id);
const RELOAD_FLAG = 'brass.coi-reload';
const SEARCH_DEBOUNCE_MS = 150;
const SOURCES_SHOWN = 1000;
const LOG_KEPT = 200;

const state = {
  settings: loadSettings(),
  ready: false,
  readyP: null, // resolves when the current engine finished init (rejects never; see startEngine)
  init: null, // the init result
  model: null, // init result's model (null: keyword only)
  modelFiles: null, // [{path, file}] from "choose model folder"
  jobs: Promise.resolve(), // index / remove / clear / restart run one after another
  indexing: false,
  searchSeq: 0,
  searchInFlight: false,
  searchAgain: false,
  searchTimer: 0,
  reranker: null, // {reranker: description} once loaded into the engine started with init rerankerInit
  rerankerInit: null,
  rerankerError: null,
  sourcesCount: 0,
  lastTps: null,
  progressSaid: 0,
};

// ---------------------------------------------------------------------------------------------
// Engine adapter: the only code that knows engine-client.js's shape.
//   new EngineClient(workerUrl); client.call(op, args) -> Promise<result>; client.on(event, fn);
//   client.terminate() (optional; falls back to client.worker.terminate()).

const engine = {
  Client: null,
  client: null,
  stopped: null, // rejects when the current client is stopped, so no call waits forever
  async load() {
    const m = await import('./engine-client.js');
    this.Client = m.EngineClient || m.default;
    if (typeof this.Client !== 'function') throw new Error('engine-client.js does not export EngineClient');
  },
  start(initArgs) {
    this.stop();
    const c = new this.Client(new URL('./engine-worker.js', import.meta.url));
    c.on('progress', onProgress);
    c.on('log', onLog);
    this.client = c;
    let reject;
    this.stopped = new Promise((_, r) => (reject = r));
    this.stopped.catch(() => {});
    this.stopped.reject = reject;
    return this.call('init', initArgs);
  },
  stop() {
    const c = this.client;
    this.client = null;
    if (!c) return;
    this.stopped.reject(new Error('the engine was restarted'));
    if (typeof c.terminate === 'function') c.terminate();
    else if (c.worker && typeof c.worker.terminate === 'function') c.worker.terminate();
  },
  call(op, args = {}) {
    if (!this.client) return Promise.reject(new Error('the engine is not running'));
    return Promise.race([this.client.call(op, args), this.stopped]);
  },
};

// ---------------------------------------------------------------------------------------------
// Cross-origin isolation: without COOP/COEP headers, register sw.js (which adds them) and reload
// once. The sessionStorage flag stops a reload loop when the service worker cannot help.

async function servedWithHeaders() {
  try {
    const r = await fetch(location.href, { method: 'HEAD', cache: 'no-store' });
    return (
      (r.headers.get('cross-origin-opener-policy') || '').includes('same-origin') &&
      (r.headers.get('cross-origin-embedder-policy') || '').includes('require-corp')
    );
  } catch {
    return false;
  }
}

async function ensureIsolation() {
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOAD_FLAG);
    return false;
  }
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return false;
  if (sessionStorage.getItem(RELOAD_FLAG)) return false;
  if (await servedWithHeaders()) return false;
  try {
    const ready = (async () => {
      await navigator.serviceWorker.register(new URL('./sw.js', import.meta.url));
      await navigator.serviceWorker.ready;
    })();
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('service worker did not activate')), 4000),
    );
    await Promise.race([ready, timeout]);
    sessionStorage.setItem(RELOAD_FLAG, '1');
    location.reload();
    return true;
  } catch (e) {
    console.warn('brass: service worker registration failed', e);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Notices (persistent, one per kind) and the status line.

function notice(kind, text, { dismissible = true } = {}) {
  const box = $('notice');
  const old = box.querySelector(`[data-kind="${kind}"]`);
  if (!text) {
    if (old) old.remove();
    return;
  }
  const close = dismissible
    ? el('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss notice', title: 'Dismiss' })
    : null;
  const n = el(
    'div',
    { class: `notice notice-${kind}`, 'data-kind': kind, 'data-testid': `notice-${kind}` },
    el('p', null, text),
    close,
  );
  if (close) close.addEventListener('click', () => n.remove());
  if (old) old.replaceWith(n);
  else box.appendChild(n);
}

function status(text) {
  $('status').textContent = text;
}

function errText(e) {
  return String((e && e.message) || e || 'unknown error').split('\n')[0];
}

// Errors a user can act on get their own notice; returns the one-line message.
function reportError(e, what) {
  const msg = errText(e);
  if (/another tab/i.test(msg)) {
    notice('tab', 'The library is open in another tab. Close that tab, then reload this one.', { dismissible: false });
  } else if (/quota/i.test(msg)) {
    notice('quota', 'Storage quota exceeded while writing the library. Remove some sources or free browser storage.');
  } else {
    notice('error', `${what} failed: ${msg}`);
  }
  return msg;
}

function setBodyState(s) {
  document.body.dataset.state = s;
}

// ---------------------------------------------------------------------------------------------
// Engine start / restart.

async function chooseModel() {
  if (state.modelFiles) return { kind: 'files', name: state.modelFiles.name, files: state.modelFiles.files };
  try {
    const r = await fetch(new URL('model/manifest.json', location.href), { cache: 'no-store' });
    if (r.ok) {
      const m = await r.json();
      if (m && Array.isArray(m.files)) return { kind: 'server', base: new URL('model/', location.href).pathname };
    }
  } catch {
    // no server model
  }
  // a model folder picked earlier and kept in browser storage (the worker answers "no model"
  // when none is kept)
  return { kind: 'cached' };
}

// The files of a picked model folder the engine reads, as [{path: "<folder>/config.json", file}]
// (the worker drops the folder name); large files it does not read (pytorch_model.bin, ONNX) stay
// on disk instead of being copied into memory.
const MODEL_FILES = new Set([
  'config.json',
  'tokenizer.json',
  'vocab.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'model.safetensors',
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  '1_Pooling/config.json',
]);

function modelFolderFiles(fileList) {
  const files = [];
  let name = 'model';
  for (const file of fileList || []) {
    const rel = file.webkitRelativePath || file.name;
    const slash = rel.indexOf('/');
    const inner = slash >= 0 ? rel.slice(slash + 1) : rel;
    if (slash >= 0) name = rel.slice(0, slash);
    if (MODEL_FILES.has(inner)) files.push({ path: rel, file });
  }
  return { name, files };
}

function startEngine() {
  let resolveReady;
  state.readyP = new Promise((res) => (resolveReady = res));
  state.ready = false;
  $('status-ready').hidden = true;
  setBodyState('starting');
  const run = async () => {
    status('Starting the engine…');
    const model = await chooseModel();
    const threads = state.settings.threads || undefined;
    const dtype = state.settings.dtype || '';
    let res = null;
    let modelErr = null;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await engine.start({ threads, model, dtype });
        break;
      } catch (e) {
        const msg = errText(e);
        // a restarted worker can race the old one's storage handles: retry briefly
        if (/another tab/i.test(msg) && attempt < 5 && state.init) {
          await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
          continue;
        }
        if (model && !/another tab|quota/i.test(msg) && !modelErr) {
          modelErr = msg;
          try {
            res = await engine.start({ threads, model: null, dtype });
            break;
          } catch (e2) {
            e = e2;
          }
        }
        engine.stop();
        reportError(e, 'Starting the engine');
        status('The engine could not start.');
        setBodyState('error');
        return;
      }
    }
    notice('tab', null);
    if (modelErr) notice('model', `The model could not be loaded (${modelErr}); keyword search only.`);
    else notice('model', null);
    applyInit(res);
    state.ready = true;
    $('status-ready').hidden = false;
    setBodyState('ready');
    status(readyText());
    await refreshLibrary();
    if ($('search-input').value.trim()) scheduleSearch(true);
  };
  return run().finally(resolveReady);
}

function readyText() {
  const m = state.model;
  const t = state.init ? state.init.threads : 1;
  return m
    ? `Ready: ${m.name}, ${t} thread${t === 1 ? '' : 's'}.`
    : 'Ready: no model loaded, keyword search only.';
}

function applyInit(res) {
  state.init = res || {};
  state.model = state.init.model || null;
  fillForm($('settings-form'), state.settings, state.model); // the chunk size follows the model
  const isolated = state.init.isolated ?? window.crossOriginIsolated;
  const single = state.init.threaded === false || !isolated;
  const noticeText = state.init.notice || (!isolated ? 'cross-origin isolation is off: running on one thread' : null);
  notice('isolation', noticeText);
  const threads = state.init.threads || 1;
  const mt = $('metrics-threads');
  mt.textContent = String(threads);
  mt.dataset.threaded = single ? '0' : '1';
  const workers = state.init.workers ?? 0;
  mt.title = `${workers} worker thread${workers === 1 ? '' : 's'} running; this device reports ${maxThreads()} cores`;
  $('progress-threads').textContent = String(threads);
  $('metrics-model').textContent = state.model
    ? `${state.model.name}${state.model.dim ? ` (${state.model.dim}-d)` : ''}`
    : 'none (keyword only)';
  const m = state.model;
  $('model-status').textContent = !m
    ? 'No model loaded: keyword search works; hybrid and vector search need a model.'
    : m.describe
      ? `${m.name}: ${m.describe}`
      : `${m.name}: ${m.dim} dimensions, up to ${m.max_length} tokens.`;
  if (m && state.init.model_cached) $('model-status').textContent += ' Kept in this browser.';
  // a server model stays; without one (or with a chosen folder) the user can choose a folder
  const fromServer = !!state.model && (state.model.source ? state.model.source === 'server' : !state.modelFiles);
  $('model-choose').hidden = fromServer;
  // a picked folder kept in browser storage can be forgotten
  $('model-forget').hidden = !state.init.model_cached;
  updateModes();
}

// Without a model only keyword search works: the other modes are disabled and say why.
function updateModes() {
  const has = !!state.model;
  for (const id of ['mode-hybrid', 'mode-vector']) $(id).disabled = !has;
  const note = $('mode-note');
  if (!has) {
    $('mode-keyword').checked = true;
    note.hidden = false;
    note.textContent = 'No model loaded: keyword search only.';
  } else {
    note.hidden = true;
    const want = $(`mode-${state.settings.mode}`);
    if (want && !want.disabled) want.checked = true;
  }
}

// The filter fields (docs/mcp.md): folders or globs, comma-separated; file types; an age or date.
function currentFilter() {
  const path = $('filter-path').value.split(',').map((x) => x.trim()).filter(Boolean);
  return { path, type: $('filter-type').value.trim(), since: $('filter-since').value.trim() };
}

function currentMode() {
  const r = document.querySelector('input[name="mode"]:checked');
  return r ? r.value : 'keyword';
}

function enqueue(job) {
  const p = state.jobs.then(job);
  state.jobs = p.catch(() => {});
  return p;
}

// ---------------------------------------------------------------------------------------------
// Progress and log events from the worker.

function onProgress(ev) {
  if (ev.files_total !== undefined) return onIndexProgress(ev);
  // model download / load progress (shape left to the engine: bytes_done/bytes_total, phase, path)
  if (ev.bytes_total) {
    const pct = Math.floor((100 * (ev.bytes_done || 0)) / ev.bytes_total);
    status(`Loading the model${ev.path ? ` (${ev.path})` : ''}: ${pct}% of ${fmtBytes(ev.bytes_total)}`);
  } else if (ev.message || ev.phase) {
    status(String(ev.message || ev.phase));
  }
}

function onIndexProgress(ev) {
  const bar = $('progress');
  bar.max = Math.max(1, ev.files_total || 0);
  bar.value = Math.min(bar.max, ev.files_done || 0);
  $('progress-files').textContent = `${fmtInt(ev.files_done)} / ${fmtInt(ev.files_total)}`;
  $('progress-chunks').textContent = fmtInt(ev.chunks_done);
  $('progress-tps').textContent = Number.isFinite(ev.tokens_per_s) ? fmtInt(ev.tokens_per_s) : '–';
  $('progress-eta').textContent = fmtSeconds(ev.eta_s);
  const inPart = ev.part_total > 0 && ev.part_done < ev.part_total;
  const part = inPart ? ` (${fmtInt(ev.part_done)} / ${fmtInt(ev.part_total)} chunks)` : '';
  $('progress-text').textContent =
    ev.phase === 'graph' && inPart ? `Building the search graph (${fmtInt(ev.part_done)} / ${fmtInt(ev.part_total)} vectors)`
    : ev.phase === 'pdf' ? `Reading ${ev.path} (page ${fmtInt(ev.part_done)} / ${fmtInt(ev.part_total)})`
    : ev.path ? `Indexing ${ev.path}${part}` : 'Indexing…';
  // the status line (the page's live region) gets a short summary at most once a second
  const now = performance.now();
  if (now - state.progressSaid > 1000 || ev.files_done === ev.files_total) {
    state.progressSaid = now;
    const eta = Number.isFinite(ev.eta_s) && ev.files_done < ev.files_total ? `, about ${fmtSeconds(ev.eta_s)} left` : '';
    status(`Indexing: ${fmtInt(ev.files_done)} of ${fmtInt(ev.files_total)} files${eta}.`);
  }
  if (Number.isFinite(ev.tokens_per_s) && ev.tokens_per_s > 0) {
    state.lastTps = ev.tokens_per_s;
    $('metrics-tps').textContent = fmtInt(ev.tokens_per_s);
  }
}

function onLog(ev) {
  const log = $('log');
  log.appendChild(el('li', { class: `log-${ev.level || 'info'}` }, `${ev.level || 'info'}: ${ev.message ?? ''}`));
  while (log.childElementCount > LOG_KEPT) log.firstElementChild.remove();
  if (ev.level === 'error' || ev.level === 'warn') console.warn('brass engine:', ev.message);
}

// ---------------------------------------------------------------------------------------------
// Indexing.

function addFiles(filesOrPromise) {
  return enqueue(async () => {
    let files;
    try {
      files = await filesOrPromise;
    } catch (e) {
      reportError(e, 'Reading the dropped files');
      return;
    }
    if (!files || !files.length) {
      status('Nothing to index (hidden files and folders are skipped).');
      return;
    }
    await state.readyP;
    if (!state.ready) {
      status('The engine is not running: nothing was indexed.');
      return;
    }
    state.indexing = true;
    updateEmpty();
    setBodyState('indexing');
    $('indexing').hidden = false;
    const bar = $('progress');
    bar.max = files.length;
    bar.value = 0;
    bar.removeAttribute('data-done');
    $('progress-files').textContent = `0 / ${fmtInt(files.length)}`;
    $('progress-chunks').textContent = '0';
    $('progress-eta').textContent = '–';
    $('progress-text').textContent = `Indexing ${fmtInt(files.length)} file${files.length === 1 ? '' : 's'}…`;
    status(`Indexing ${fmtInt(files.length)} file${files.length === 1 ? '' : 's'}…`);
    let ok = false;
    try {
      const s = await engine.call('index', { files, chunk_tokens: state.settings.chunk_tokens });
      bar.value = bar.max;
      ok = true;
      const parts = [];
      if (s.added) parts.push(`${fmtInt(s.added)} added`);
      if (s.updated) parts.push(`${fmtInt(s.updated)} updated`);
      if (s.unchanged) parts.push(`${fmtInt(s.unchanged)} unchanged`);
      if (s.removed) parts.push(`${fmtInt(s.removed)} removed`);
      if (s.skipped) parts.push(`${fmtInt(s.skipped)} skipped`);
      const tps = s.seconds > 0 && s.tokens ? s.tokens / s.seconds : null;
      if (tps) {
        state.lastTps = tps;
        $('metrics-tps').textContent = fmtInt(tps);
        $('progress-tps').textContent = fmtInt(tps);
      }
      $('progress-files').textContent = `${fmtInt(files.length)} / ${fmtInt(files.length)}`;
      $('progress-chunks').textContent = fmtInt(s.chunks_embedded);
      $('progress-eta').textContent = 'done';
      const text = `Indexed ${fmtInt(files.length)} file${files.length === 1 ? '' : 's'} in ${fmtSeconds(s.seconds)}: ${parts.join(', ') || 'no changes'}.`;
      $('progress-text').textContent = text;
      status(text);
      notice('quota', null);
    } catch (e) {
      const msg = reportError(e, 'Indexing');
      $('progress-text').textContent = `Indexing stopped: ${msg}`;
      status(`Indexing stopped: ${msg}`);
    } finally {
      state.indexing = false;
      await refreshLibrary();
      // set last, so a test waiting for it also sees the refreshed sources list
      if (ok) bar.dataset.done = '1';
      setBodyState(state.ready ? 'ready' : 'error');
      if ($('search-input').value.trim()) scheduleSearch(true);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Library: summary, sources list, remove, clear.

async function refreshLibrary() {
  if (!state.ready) return;
  let info = null;
  let sources = [];
  try {
    [info, sources] = await Promise.all([engine.call('info'), engine.call('sources')]);
  } catch (e) {
    reportError(e, 'Reading the library');
    return;
  }
  state.sourcesCount = info.sources ?? sources.length;
  const vecs = info.vector_format ? ` (${info.vector_format} vectors)` : '';
  const summary = `${fmtInt(info.sources)} source${info.sources === 1 ? '' : 's'} · ${fmtInt(info.chunks)} chunks${vecs} · ${fmtBytes(info.file_bytes)}`;
  $('library-summary').textContent = summary;
  $('metrics-library').textContent = summary;
  if (info.kernel) $('metrics-kernel').textContent = info.kernel;
  renderSources(sources || []);
  $('clear-library').disabled = !state.sourcesCount;
  updateEmpty();
}

function renderSources(sources) {
  const list = $('sources');
  sources = sources.slice().sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const rows = sources.slice(0, SOURCES_SHOWN).map((s) =>
    el(
      'li',
      { class: 'source-row', 'data-testid': 'source-row', 'data-source': s.source },
      el(
        'span',
        { class: 'source-main' },
        el('span', { class: 'source-name', title: s.source }, s.source),
        el('span', { class: 'source-meta' }, `${fmtInt(s.chunks)} chunk${s.chunks === 1 ? '' : 's'} · ${fmtBytes(s.bytes)}`),
      ),
      el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${s.source}`, title: 'Remove from library' }, 'Remove'),
    ),
  );
  list.replaceChildren(...rows);
  const more = $('sources-more');
  more.hidden = sources.length <= SOURCES_SHOWN;
  more.textContent = `…and ${fmtInt(sources.length - SOURCES_SHOWN)} more.`;
}

function removeSource(source, row) {
  if (!window.confirm(`Remove “${source}” from the library?`)) return;
  const next = row.nextElementSibling || row.previousElementSibling;
  const nextSource = next ? next.dataset.source : null;
  enqueue(async () => {
    try {
      await engine.call('remove', { source });
      status(`Removed ${source}.`);
    } catch (e) {
      status(`Removing ${source} failed: ${reportError(e, 'Removing')}`);
    }
    await refreshLibrary();
    const again = nextSource && [...$('sources').children].find((r) => r.dataset.source === nextSource);
    if (again) again.querySelector('button.remove').focus();
    else $('clear-library').focus();
    if ($('search-input').value.trim()) scheduleSearch(true);
  });
}

function clearLibrary() {
  if (!window.confirm('Delete the whole library from this browser? Your files are not touched.')) return;
  enqueue(async () => {
    try {
      await engine.call('clear');
      status('The library was cleared.');
      $('results').replaceChildren();
      $('search-status').textContent = '';
    } catch (e) {
      status(`Clearing failed: ${reportError(e, 'Clearing the library')}`);
    }
    await refreshLibrary();
  });
}

function updateEmpty() {
  $('empty-state').hidden = !(state.ready && state.sourcesCount === 0 && !state.indexing);
}

// ---------------------------------------------------------------------------------------------
// Search: debounced as you type, at most one request in flight, stale answers dropped.

function scheduleSearch(now = false) {
  clearTimeout(state.searchTimer);
  state.searchSeq++;
  state.searchTimer = setTimeout(runSearch, now ? 0 : SEARCH_DEBOUNCE_MS);
}

async function runSearch() {
  if (state.searchInFlight) {
    state.searchAgain = true;
    return;
  }
  const seq = state.searchSeq;
  const query = $('search-input').value.trim();
  const results = $('results');
  if (!query) {
    results.replaceChildren();
    $('search-status').textContent = '';
    return;
  }
  if (!state.ready) {
    // startEngine searches again once the engine is ready
    $('search-status').textContent =
      document.body.dataset.state === 'error' ? 'The engine is not running.' : 'The engine is still starting…';
    return;
  }
  const mode = currentMode();
  state.searchInFlight = true;
  results.setAttribute('aria-busy', 'true');
  const slow = setTimeout(() => {
    $('search-status').textContent = state.indexing ? 'Searching (the engine is busy indexing)…' : 'Searching…';
  }, 400);
  let resp = null;
  let err = null;
  try {
    const rerank = state.settings.rerank && (await ensureReranker());
    resp = await engine.call('search', { query, mode, k: state.settings.k, rrf_k: state.settings.rrf_k, rerank, rerank_top: 20, filter: currentFilter() });
  } catch (e) {
    err = e;
  } finally {
    clearTimeout(slow);
    state.searchInFlight = false;
    results.removeAttribute('aria-busy');
  }
  const stale = seq !== state.searchSeq || query !== $('search-input').value.trim() || mode !== currentMode();
  if (state.searchAgain || stale) {
    state.searchAgain = false;
    if (stale) return runSearch();
  }
  if (err) {
    const msg = errText(err);
    if (/^the engine was (restarted|stopped)$/.test(msg)) return; // startEngine searches again when ready
    if (/another tab|quota/i.test(msg)) reportError(err, 'Search');
    results.replaceChildren();
    $('search-status').textContent = `Search failed: ${msg}`;
    return;
  }
  showResults(resp);
}

// Loads the server's cross-encoder into the running engine once (again after a restart); false
// (with the reason in state.rerankerError) when there is none.
async function ensureReranker() {
  if (state.rerankerInit === state.init) return !!state.reranker;
  state.rerankerInit = state.init;
  state.reranker = null;
  state.rerankerError = null;
  try {
    state.reranker = await engine.call('load_reranker', {});
  } catch (e) {
    state.rerankerError = errText(e);
  }
  return !!state.reranker;
}

function showResults(resp) {
  const results = $('results');
  const n = (resp.results || []).length;
  const docs = renderResults(results, resp, (r, button) => preview.open(r, button));
  const parts = [];
  if (!n) parts.push(`No results for “${resp.query}”.`);
  else parts.push(`${n} result${n === 1 ? '' : 's'} in ${docs} document${docs === 1 ? '' : 's'}`);
  if (Number.isFinite(resp.took_ms)) parts.push(`${fmtMs(resp.took_ms)}`);
  if (resp.mode) parts.push(resp.mode);
  if (resp.reranked) parts.push(`reranked ${resp.reranked} in ${fmtMs((resp.timings || {}).rerank_ms)}`);
  else if (state.settings.rerank && state.rerankerError) parts.push(`not reranked: ${state.rerankerError}`);
  let text = parts.join(' · ');
  if (resp.note) text += ` — ${resp.note}`;
  $('search-status').textContent = text;
  const t = resp.timings || {};
  $('metrics-query').textContent = `${fmtMs(resp.took_ms)} (${resp.mode || currentMode()})`;
  $('metrics-embed').textContent = fmtMs(t.embed_ms);
  $('metrics-vector').textContent = fmtMs(t.vector_ms);
  $('metrics-keyword').textContent = fmtMs(t.keyword_ms);
  $('metrics-fuse').textContent = fmtMs(t.fuse_ms);
  $('metrics-fetch').textContent = fmtMs(t.fetch_ms);
}

const preview = new Preview($('preview'), (r) =>
  engine.call('preview', { source: r.source, line_start: r.line_start, line_end: r.line_end }),
);

// ---------------------------------------------------------------------------------------------
// Settings.

function onSettingsSubmit(e) {
  e.preventDefault();
  const form = e.currentTarget;
  const prev = state.settings;
  const next = saveSettings({ ...readForm(form, prev), mode: prev.mode });
  state.settings = next;
  fillForm(form, next, state.model);
  const restart = next.threads !== prev.threads || next.dtype !== prev.dtype;
  $('settings-status').textContent = restart ? 'Saved; restarting the engine…' : 'Saved.';
  if (restart) {
    enqueue(async () => {
      await startEngine();
      $('settings-status').textContent = state.ready ? `Saved; running on ${state.init.threads} thread(s).` : 'Saved.';
    });
  } else if ($('search-input').value.trim()) {
    scheduleSearch(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring.

function wire() {
  const input = $('search-input');
  input.addEventListener('input', () => scheduleSearch(false));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && focusResult($('results'), 0)) e.preventDefault();
  });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    scheduleSearch(true);
  });
  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.addEventListener('change', () => {
      if (!r.checked) return;
      if (!r.disabled && state.model) state.settings = saveSettings({ ...state.settings, mode: r.value });
      if (input.value.trim()) scheduleSearch(true);
    });
  }
  for (const id of ['filter-path', 'filter-type', 'filter-since'])
    $(id).addEventListener('input', () => { if (input.value.trim()) scheduleSearch(false); });
  wireResultKeys($('results'), () => input.focus());

  for (const id of ['file-input', 'folder-input']) {
    const inp = $(id);
    inp.addEventListener('change', () => {
      const files = filesFromInput(inp);
      inp.value = '';
      addFiles(files);
    });
  }
  wireDrop(document.documentElement, $('drop-overlay'), (p) => addFiles(p));

  $('model-input').addEventListener('change', () => {
    const inp = $('model-input');
    const picked = modelFolderFiles(inp.files);
    inp.value = '';
    if (!picked.files.length) {
      notice('model', 'That folder has none of the model files (config.json, tokenizer.json or vocab.txt, model.safetensors).');
      return;
    }
    state.modelFiles = picked;
    enqueue(() => startEngine());
  });

  $('model-forget').addEventListener('click', forgetModel);

  $('sources').addEventListener('click', (e) => {
    const b = e.target.closest('button.remove');
    if (!b) return;
    const row = b.closest('[data-testid="source-row"]');
    removeSource(row.dataset.source, row);
  });
  $('clear-library').addEventListener('click', clearLibrary);

  const form = $('settings-form');
  fillForm(form, state.settings, state.model);
  form.addEventListener('submit', onSettingsSubmit);

  // "/" jumps to the search box from anywhere that is not a text field
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest('input, textarea, select, [contenteditable], dialog')) return;
    e.preventDefault();
    input.focus();
  });
}

// Deletes the model kept in browser storage and restarts the engine without it.
function forgetModel() {
  if (!window.confirm('Forget the model kept in this browser? You can choose its folder again.')) return;
  enqueue(async () => {
    try {
      await engine.call('forget_model');
    } catch (e) {
      reportError(e, 'Forgetting the model');
      return;
    }
    state.modelFiles = null;
    await startEngine();
  });
}

async function main() {
  if (await ensureIsolation()) return; // reloading
  wire();
  try {
    await engine.load();
  } catch (e) {
    notice('error', `The engine files are missing (${errText(e)}); run make wasm.`, { dismissible: false });
    status('The engine could not start.');
    setBodyState('error');
    return;
  }
  await enqueue(() => startEngine());
}

main();
