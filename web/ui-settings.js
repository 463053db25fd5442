// ui-settings.js — the user's settings (threads, precision, chunk size in tokens, RRF k, results
// per query, search mode, rerank switch) kept in localStorage under "brass.settings". Reading never throws: a missing,
// corrupt or out-of-range value falls back to the default. threads = 0 means "automatic".

const KEY = 'brass.settings';

export function maxThreads() {
  return Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1));
}

// rerank is off by default: a MiniLM-L-6 cross-encoder over the top 20 takes 2-3.5 s in a browser on 2 loaded cores.
// chunk_tokens = 0 means "the model's": the engine's rule (brass_model_chunk_tokens: 256, or
// what fits), the same default as the CLI's.
export const DEFAULTS = Object.freeze({ threads: 0, dtype: '', chunk_tokens: 0, rrf_k: 60, k: 20, mode: 'hybrid', rerank: false });

const LIMITS = {
  threads: [0, 64],
  chunk_tokens: [32, 8192], // 0 (the model's) is kept; the engine cuts a size to what the model takes
  rrf_k: [1, 1000],
  k: [1, 100],
};
// Version 2: chunk_tokens 0 = the model's. Version 1 stored its default 256 for everyone, so a
// stored 256 without a version is taken as "not chosen" and follows the model now.
const VERSION = 2;

function clampInt(v, [lo, hi], dflt) {
  const n = Number(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) return dflt;
  return Math.min(hi, Math.max(lo, n));
}

export function normalize(raw) {
  const s = { ...DEFAULTS };
  if (raw && typeof raw === 'object') {
    for (const k of Object.keys(LIMITS)) s[k] = clampInt(raw[k], LIMITS[k], DEFAULTS[k]);
    if (raw.chunk_tokens === 0) s.chunk_tokens = 0;
    if (['hybrid', 'vector', 'keyword'].includes(raw.mode)) s.mode = raw.mode;
    if (['', 'f32', 'int8'].includes(raw.dtype)) s.dtype = raw.dtype; // '' = the library's
    s.rerank = raw.rerank === true;
  }
  s.threads = Math.min(s.threads, maxThreads());
  return s;
}

export function loadSettings() {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (raw && typeof raw === 'object' && raw.v !== VERSION && raw.chunk_tokens === 256) raw.chunk_tokens = 0;
    return normalize(raw);
  } catch {
    return normalize(null);
  }
}

export function saveSettings(s) {
  const n = normalize(s);
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...n, v: VERSION }));
  } catch {
    // storage disabled or full: settings last for this page only
  }
  return n;
}

// The chunk-size control for a loaded model (web_open's model object, or null): the size an empty
// setting uses and the largest the model takes, both from the engine.
export function chunkLimits(model) {
  if (!model || !(model.chunk_tokens > 0)) return { auto: 256, max: LIMITS.chunk_tokens[1] };
  const max = Math.min(LIMITS.chunk_tokens[1], model.chunk_tokens_max > 0 ? model.chunk_tokens_max : model.chunk_tokens);
  return { auto: model.chunk_tokens, max };
}

// Fills the settings form from s (model: the loaded model, for the chunk size), and reads it back
// (invalid fields keep their previous value).
export function fillForm(form, s, model = null) {
  form.elements.threads.max = String(maxThreads());
  form.elements.threads.value = s.threads ? String(s.threads) : '';
  form.elements.threads.placeholder = `auto (${maxThreads()})`;
  if (form.elements.dtype) form.elements.dtype.value = s.dtype;
  const chunk = chunkLimits(model);
  form.elements.chunk_tokens.max = String(chunk.max);
  form.elements.chunk_tokens.placeholder = `model's (${chunk.auto})`;
  form.elements.chunk_tokens.value = s.chunk_tokens ? String(s.chunk_tokens) : '';
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
    chunk_tokens: form.elements.chunk_tokens.value.trim() === '' ? 0 : Number(form.elements.chunk_tokens.value),
    rrf_k: Number(form.elements.rrf_k.value),
    k: Number(form.elements.k.value),
    rerank: form.elements.rerank.checked,
  });
}
