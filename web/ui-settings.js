// ui-settings.js — the user's settings (threads, precision, chunk size in tokens, RRF k, results
// per query, search mode, rerank switch) kept in localStorage under "brass.settings". Reading never throws: a missing,
// corrupt or out-of-range value falls back to the default. threads = 0 means "automatic".

const KEY = 'brass.settings';

export function maxThreads() {
  return Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1));
}

// rerank is off by default: a cross-encoder over the top 20 takes about a second on 2 cores.
export const DEFAULTS = Object.freeze({ threads: 0, dtype: '', chunk_tokens: 256, rrf_k: 60, k: 20, mode: 'hybrid', rerank: false });

const LIMITS = {
  threads: [0, 64],
  chunk_tokens: [32, 512],
  rrf_k: [1, 1000],
  k: [1, 100],
};

function clampInt(v, [lo, hi], dflt) {
  const n = Number(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) return dflt;
  return Math.min(hi, Math.max(lo, n));
}

export function normalize(raw) {
  const s = { ...DEFAULTS };
  if (raw && typeof raw === 'object') {
    for (const k of Object.keys(LIMITS)) s[k] = clampInt(raw[k], LIMITS[k], DEFAULTS[k]);
    if (['hybrid', 'vector', 'keyword'].includes(raw.mode)) s.mode = raw.mode;
    if (['', 'f32', 'int8'].includes(raw.dtype)) s.dtype = raw.dtype; // '' = the library's
    s.rerank = raw.rerank === true;
  }
  s.threads = Math.min(s.threads, maxThreads());
  return s;
}

export function loadSettings() {
  try {
    return normalize(JSON.parse(localStorage.getItem(KEY) || 'null'));
  } catch {
    return normalize(null);
  }
}

export function saveSettings(s) {
  const n = normalize(s);
  try {
    localStorage.setItem(KEY, JSON.stringify(n));
  } catch {
    // storage disabled or full: settings last for this page only
  }
  return n;
}

// Fills the settings form from s, and reads it back (invalid fields keep their previous value).
export function fillForm(form, s) {
  form.elements.threads.max = String(maxThreads());
  form.elements.threads.value = s.threads ? String(s.threads) : '';
  form.elements.threads.placeholder = `auto (${maxThreads()})`;
  if (form.elements.dtype) form.elements.dtype.value = s.dtype;
  form.elements.chunk_tokens.value = String(s.chunk_tokens);
  form.elements.rrf_k.value = String(s.rrf_k);
  form.elements.k.value = String(s.k);
  form.elements.rerank.checked = s.rerank;
}

export function readForm(form, prev) {
  const t = form.elements.threads.value.trim();
  return normalize({
    ...prev,
    threads: t === '' ? 0 : Number(t),
    dtype: form.elements.dtype ? form.elements.dtype.value : prev.dtype,
    chunk_tokens: Number(form.elements.chunk_tokens.value),
    rrf_k: Number(form.elements.rrf_k.value),
    k: Number(form.elements.k.value),
    rerank: form.elements.rerank.checked,
  });
}
