// engine-worker.js - the brass engine in a classic dedicated worker (docs/browser.md).
//
// Owns the WebAssembly module, the library in the Origin Private File System and the model files.
// Speaks the protocol of docs/browser.md / web-contract: request {id, op, ...args} -> reply
// {id, ok: true, result} or {id, ok: false, error: "one line"}; events {event: "progress", ...}
// and {event: "log", level, message}.
//
// - Build choice: cross-origin isolated (SharedArrayBuffer exists) -> brass-web-relaxed.js where
//   the engine has relaxed-SIMD multiply-add, else brass-web.js (pthreads + SIMD128; the pthreads
//   are nested workers, preloaded as a pool of threads-1); otherwise brass-web-st.js on one
//   thread, with a notice.
// - Library: OPFS folder "brass/" holding library.db (+ -wal, -journal). Sync access handles are
//   opened here (asynchronously) before the engine opens the library; SQLite then reads and
//   writes them synchronously on this thread (wasm/opfs_vfs.*). A Web Lock keeps a second tab out
//   with a clear message. Without OPFS the library lives in memory only (a notice says so).
// - Model: {kind: "server", base} fetches base + "manifest.json" and each file listed, through the
//   Cache API (keyed by URL and size, revalidated by ETag) so a reload does not download again
//   unless a file changed; {kind: "files", files}
//   takes File objects and, once the model loaded, keeps a copy in OPFS models/<name>/ (+
//   models/manifest.json) that {kind: "cached"} loads on the next start; op forget_model deletes
//   it. Either way the files land in MEMFS /models/<name>/, so the library
//   records the model under its folder's name, as the CLI does for a folder of that name.
// - Indexing: dropped files are written to MEMFS /input/<relative path> in batches of about
//   32 MiB, indexed with /input as the index root (sources are stored as "notes/a.md"), then
//   deleted from MEMFS. A PDF is written as its pages' text, extracted here by pdf.js
//   (web/pdf-text.js, loaded on the first PDF), so that the engine makes its "page N" chunks.
'use strict';

const OPFS_DIR = 'brass';
const LIB_NAME = 'library.db';
const LIB_FILES = [LIB_NAME, LIB_NAME + '-wal', LIB_NAME + '-journal'];
const OPFS_LIB = '/opfs/' + LIB_NAME;
const MEM_LIB = '/memory/' + LIB_NAME;
const MODELS_DIR = '/models'; // the model goes to /models/<name>/ (its name is the folder's)
const RERANK_DIR = '/rerankers'; // the cross-encoder of `brass serve --rerank`, /rerankers/<name>/
const INPUT_DIR = '/input';
const MODEL_CACHE = 'brass-models-v1';
const BATCH_BYTES = 32 << 20;
const MAX_THREADS = 16;
const LOCK_NAME = 'brass-library';

let M = null; // the Emscripten module
let state = { threaded: false, isolated: false, threads: 1, dtype: '', model: null, libPath: null, picked: null, modelSource: null };
let handles = {}; // "/opfs/library.db" -> FileSystemSyncAccessHandle
let releaseLock = null;
let busy = Promise.resolve(); // requests run one at a time, in order

function post(msg) {
  self.postMessage(msg);
}
function log(level, message) {
  post({ event: 'log', level, message: String(message) });
}
function oneLine(e) {
  const s = e && e.message ? e.message : String(e);
  return s.split('\n')[0];
}

// ---- calling the C API (wasm/web_api.c): strings in, JSON out -------------------------------

function cstr(s) {
  const n = M.lengthBytesUTF8(s) + 1;
  const p = M._malloc(n);
  if (!p) throw new Error('out of memory');
  M.stringToUTF8(s, p, n);
  return p;
}

// Calls web_<name>(args...) where string args are passed as C strings; parses the JSON answer.
function api(name, ...args) {
  const ptrs = [];
  try {
    const cargs = args.map((a) => {
      if (typeof a !== 'string') return a | 0;
      const p = cstr(a);
      ptrs.push(p);
      return p;
    });
    const out = M['_web_' + name](...cargs);
    const text = M.UTF8ToString(out);
    M._web_free(out);
    const v = JSON.parse(text);
    if (v && !Array.isArray(v) && typeof v.error === 'string') throw new Error(v.error);
    return v;
  } finally {
    for (const p of ptrs) M._free(p);
  }
}

// ---- files in MEMFS ---------------------------------------------------------------------------

function safeRel(path) {
  const p = String(path || '').replace(/\\/g, '/').replace(/^\/+/, '');
  const parts = p.split('/').filter((x) => x && x !== '.');
  if (!parts.length || parts.some((x) => x === '..')) throw new Error(`${path}: not a relative path`);
  return parts.join('/');
}

// Writes a file into MEMFS; the file adopts bytes' buffer (no copy), so the caller must not reuse it.
function writeMem(path, bytes) {
  const dir = path.slice(0, path.lastIndexOf('/'));
  if (dir) M.FS.mkdirTree(dir);
  M.FS.writeFile(path, bytes, { canOwn: true });
}

function removeTree(path) {
  let st;
  try {
    st = M.FS.stat(path);
  } catch {
    return;
  }
  if (M.FS.isDir(st.mode)) {
    for (const name of M.FS.readdir(path)) if (name !== '.' && name !== '..') removeTree(path + '/' + name);
    M.FS.rmdir(path);
  } else {
    M.FS.unlink(path);
  }
}

// ---- the model --------------------------------------------------------------------------------

// A model file through the Cache API. A cached copy is revalidated with its ETag (brass serve
// answers 304 when the file is unchanged), so a model replaced on the server by one with the same
// sizes is not served stale; without an ETag the URL and size decide.
async function cachedFetch(cache, url, size) {
  const key = url + (url.includes('?') ? '&' : '?') + 'brass-size=' + size;
  const hit = cache ? await cache.match(key) : null;
  const etag = hit ? hit.headers.get('x-brass-etag') : null;
  if (hit && !etag) {
    const buf = await hit.arrayBuffer();
    if (buf.byteLength === size) return { buf, cached: true };
  }
  const r = await fetch(url, { cache: 'no-store', headers: etag ? { 'If-None-Match': etag } : {} });
  if (hit && r.status === 304) {
    const buf = await hit.arrayBuffer();
    if (buf.byteLength === size) return { buf, cached: true };
    return cachedFetch(null, url, size); // a broken cache entry: download it
  }
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const buf = await r.arrayBuffer();
  if (size >= 0 && buf.byteLength !== size)
    throw new Error(`${url}: got ${buf.byteLength} bytes, the manifest says ${size}`);
  if (cache) {
    try {
      const headers = { 'Content-Type': 'application/octet-stream' };
      if (r.headers.get('ETag')) headers['x-brass-etag'] = r.headers.get('ETag');
      await cache.put(key, new Response(buf, { headers }));
    } catch (e) {
      log('warn', `model cache: ${oneLine(e)}`);
    }
  }
  return { buf, cached: false };
}

function modelDirName(name) {
  const s = String(name || 'model').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return s || 'model';
}

// Puts the model's files under /models/<name>/ and returns that folder, or null for no model.
async function loadModel(model) {
  removeTree(MODELS_DIR);
  state.picked = null;
  state.modelSource = model ? model.kind : null;
  if (!model) return null;
  if (model.kind === 'files') {
    const files = model.files || [];
    const total = files.reduce((a, f) => a + (f.file || f).size, 0);
    let done = 0;
    let folder = model.name || null;
    const rels = files.map((f) => safeRel(f.path || (f.file || f).webkitRelativePath || (f.file || f).name).split('/'));
    // a dropped model folder arrives as "all-MiniLM-L6-v2/config.json": that is its name
    let top = rels.length && rels.every((r) => r.length > 1 && r[0] === rels[0][0]) ? rels[0][0] : null;
    if (['1_Pooling', '2_Normalize'].includes(top)) top = null;
    folder = folder || top;
    const dir = MODELS_DIR + '/' + modelDirName(folder);
    state.picked = { name: modelDirName(folder), files: [] };
    for (let i = 0; i < files.length; i++) {
      const file = files[i].file || files[i];
      const rel = rels[i];
      const path = top ? rel.slice(1).join('/') : rel.join('/');
      writeMem(dir + '/' + path, new Uint8Array(await file.arrayBuffer()));
      state.picked.files.push({ path, file });
      done += file.size;
      post({ event: 'progress', phase: 'model', path, bytes_done: done, bytes_total: total });
    }
    return dir;
  }
  if (model.kind === 'cached') {
    const got = await cachedModelManifest();
    if (!got) return null; // nothing kept: no model
    const { name, files } = got.manifest;
    const src = await got.dir.getDirectoryHandle(modelDirName(name));
    const dir = MODELS_DIR + '/' + modelDirName(name);
    const total = files.reduce((a, f) => a + f.size, 0);
    let done = 0;
    for (const f of files) {
      const rel = safeRel(f.path);
      const parts = rel.split('/');
      const sub = await opfsDir(src, parts.slice(0, -1), false);
      const file = await (await sub.getFileHandle(parts[parts.length - 1])).getFile();
      if (file.size !== f.size) throw new Error(`the kept model's ${f.path} has ${file.size} bytes, not ${f.size}: pick the model again`);
      writeMem(dir + '/' + rel, new Uint8Array(await file.arrayBuffer()));
      done += f.size;
      post({ event: 'progress', phase: 'model', path: rel, bytes_done: done, bytes_total: total });
    }
    state.modelSource = 'cache';
    log('info', `model ${name} loaded from browser storage`);
    return dir;
  }
  if (model.kind !== 'server') throw new Error(`init: unknown model kind ${model.kind}`);
  return fetchServerModel(new URL(model.base || '/model/', self.location.href).href, MODELS_DIR, '--model');
}

// Fetches the model folder the server publishes at base (base + "manifest.json" and each file
// listed, through the Cache API) into MEMFS root/<name>/ and returns that folder. flag names the
// `brass serve` option that publishes it, for the error message.
async function fetchServerModel(base, root, flag) {
  const r = await fetch(base + 'manifest.json', { cache: 'no-store' });
  if (!r.ok) throw new Error(`${base}manifest.json: HTTP ${r.status} (is the server started with ${flag}?)`);
  const manifest = await r.json();
  const dir = root + '/' + modelDirName(manifest.name);
  const files = manifest.files || [];
  const total = files.reduce((a, f) => a + (f.size || 0), 0);
  let cache = null;
  try {
    cache = self.caches ? await caches.open(MODEL_CACHE) : null;
  } catch {
    cache = null;
  }
  let done = 0,
    fetched = 0;
  for (const f of files) {
    const path = safeRel(f.path);
    const url = new URL(path.split('/').map(encodeURIComponent).join('/'), base).href;
    const got = await cachedFetch(cache, url, f.size >= 0 ? f.size : -1);
    if (!got.cached) fetched += got.buf.byteLength;
    writeMem(dir + '/' + path, new Uint8Array(got.buf));
    done += f.size || got.buf.byteLength;
    post({ event: 'progress', phase: 'model', path, bytes_done: done, bytes_total: total });
  }
  if (!fetched) log('info', 'model loaded from the cache');
  return dir;
}

// ---- a picked model kept in OPFS ---------------------------------------------------------------
// A model picked as a local folder ({kind: "files"}) is copied to OPFS models/<name>/ after it
// loaded, with models/manifest.json = {name, files: [{path, size}]} written last (a partial copy
// has no manifest and is never used). {kind: "cached"} loads it back on the next start. Storage
// errors while copying become a notice; the model stays loaded for this session.

const OPFS_MODELS = 'models';
const OPFS_MODEL_MANIFEST = 'manifest.json';

async function opfsRoot() {
  if (!self.navigator.storage || !navigator.storage.getDirectory) return null;
  try {
    return await navigator.storage.getDirectory();
  } catch {
    return null;
  }
}

async function opfsDir(dir, rel, create) {
  for (const part of rel) dir = await dir.getDirectoryHandle(part, { create });
  return dir;
}

// The cached model's manifest, or null (none, unreadable, or its files do not match).
async function cachedModelManifest() {
  const root = await opfsRoot();
  if (!root) return null;
  try {
    const dir = await root.getDirectoryHandle(OPFS_MODELS);
    const m = JSON.parse(await (await (await dir.getFileHandle(OPFS_MODEL_MANIFEST)).getFile()).text());
    if (!m || typeof m.name !== 'string' || !Array.isArray(m.files) || !m.files.length) return null;
    return { dir, manifest: m };
  } catch {
    return null;
  }
}

async function forgetModel() {
  const root = await opfsRoot();
  if (!root) return false;
  try {
    await root.removeEntry(OPFS_MODELS, { recursive: true });
    return true;
  } catch (e) {
    if (e && e.name === 'NotFoundError') return false;
    throw e;
  }
}

// Copies the picked files [{path (inside the model folder), file}] to OPFS. Returns null or a notice.
async function cacheModel(name, files) {
  const want = files.map((f) => ({ path: f.path, size: f.file.size }));
  const have = await cachedModelManifest();
  if (have && have.manifest.name === name && JSON.stringify(have.manifest.files) === JSON.stringify(want)) return null;
  const root = await opfsRoot();
  if (!root) return 'this browser has no Origin Private File System: pick the model again after a reload';
  try {
    await forgetModel();
    const top = await root.getDirectoryHandle(OPFS_MODELS, { create: true });
    const dir = await top.getDirectoryHandle(modelDirName(name), { create: true });
    for (const f of files) {
      const parts = f.path.split('/');
      const sub = await opfsDir(dir, parts.slice(0, -1), true);
      const fh = await sub.getFileHandle(parts[parts.length - 1], { create: true });
      const w = await fh.createWritable();
      try {
        await w.write(f.file);
        await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        throw e;
      }
    }
    const mh = await top.getFileHandle(OPFS_MODEL_MANIFEST, { create: true });
    const w = await mh.createWritable();
    await w.write(JSON.stringify({ name, files: want }));
    await w.close();
    log('info', `model ${name} kept in browser storage`);
    return null;
  } catch (e) {
    await forgetModel().catch(() => {});
    const why = e && e.name === 'QuotaExceededError' ? 'storage quota exceeded' : oneLine(e);
    log('warn', `model cache: ${why}`);
    return `the model could not be kept in browser storage (${why}): pick it again after a reload`;
  }
}

// ---- the library in OPFS ----------------------------------------------------------------------

function takeLock() {
  if (!self.navigator.locks) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(LOCK_NAME, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return null;
        }
        resolve(true);
        return new Promise((release) => (releaseLock = release));
      })
      .catch(reject);
  });
}

async function openOpfs() {
  if (!self.navigator.storage || !navigator.storage.getDirectory) return false;
  let dir;
  try {
    dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(OPFS_DIR, { create: true });
  } catch (e) {
    log('warn', `OPFS unavailable: ${oneLine(e)}`);
    return false;
  }
  // A reload's old worker may still be shutting down: wait for it a little before giving up.
  let locked = false;
  for (let i = 0; i < 15 && !(locked = await takeLock()); i++) await sleep(200);
  if (!locked) throw new Error('the library is open in another tab');
  for (let i = 0; ; i++) {
    try {
      handles = await openHandles(dir);
      return true;
    } catch (e) {
      if (e.soft) {
        dropLibrary();
        return false;
      }
      const busyElsewhere = e.name === 'NoModificationAllowedError' || e.name === 'InvalidStateError';
      if (busyElsewhere && i < 15) {
        await sleep(200);
        continue;
      }
      dropLibrary();
      throw busyElsewhere ? new Error('the library is open in another tab') : e;
    }
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Closes the OPFS handles and lets go of the lock (after a failed init, before the worker ends).
function dropLibrary() {
  for (const h of Object.values(handles)) {
    try {
      h.close();
    } catch {
      /* already closed */
    }
  }
  handles = {};
  if (releaseLock) releaseLock();
  releaseLock = null;
}

async function openHandles(dir) {
  const got = {};
  try {
    for (const name of LIB_FILES) {
      const fh = await dir.getFileHandle(name, { create: true });
      if (!fh.createSyncAccessHandle) throw Object.assign(new Error('no sync access handles'), { soft: true });
      got['/opfs/' + name] = await fh.createSyncAccessHandle();
    }
  } catch (e) {
    for (const h of Object.values(got)) h.close();
    throw e;
  }
  return got;
}

function openLibrary() {
  M.opfsHandles = handles;
  const modelDir = state.model || '';
  const r = api('open', state.libPath, modelDir, state.threads, state.dtype);
  return r;
}

// ---- operations -------------------------------------------------------------------------------

async function opInit(args) {
  if (M) throw new Error('init: already initialised');
  try {
    return await initOnce(args);
  } catch (e) {
    if (M) {
      try {
        M._web_close();
      } catch {
        /* the module may have aborted */
      }
    }
    dropLibrary();
    throw e;
  }
}

// Whether this engine runs relaxed-SIMD f32x4.relaxed_madd (0xfd 0x85 0x02): validates a module
// whose one function multiply-adds three v128 constants. Engines without it use brass-web.js.
function relaxedSimd() {
  const zero = new Array(16).fill(0);
  const vconst = [0xfd, 0x0c, ...zero];
  const body = [0x00, ...vconst, ...vconst, ...vconst, 0xfd, 0x85, 0x02, 0x0b];
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x0a, body.length + 2, 0x01, body.length, ...body]; // its code
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

async function initOnce(args) {
  const t0 = performance.now();
  const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  const cores = Math.max(1, Math.min(navigator.hardwareConcurrency || 4, MAX_THREADS));
  const want = args.threads > 0 ? Math.min(args.threads | 0, MAX_THREADS) : cores;
  state.isolated = isolated;
  state.threaded = isolated;
  state.threads = isolated ? want : 1;
  state.dtype = ['f32', 'int8'].includes(args.dtype) ? args.dtype : ''; // '' = the library's
  let notice = isolated ? null : 'cross-origin isolation is off: running on one thread';
  const relaxed = isolated && relaxedSimd();
  const script = !isolated ? 'brass-web-st.js' : relaxed ? 'brass-web-relaxed.js' : 'brass-web.js';
  importScripts(script);
  const factory = isolated ? self.createBrass : self.createBrassST;
  const overrides = {
    print: (s) => log('info', s),
    printErr: (s) => log('warn', s),
    onProgress: onIndexProgress,
  };
  if (isolated) {
    overrides.mainScriptUrlOrBlob = new URL(script, self.location.href).href;
    overrides.brassPoolSize = Math.max(1, state.threads - 1);
  }
  M = await factory(overrides);
  M.FS.mkdirTree(INPUT_DIR);
  state.model = await loadModel(args.model || null);
  let persistent = await openOpfs();
  if (!persistent) {
    M.FS.mkdirTree('/memory');
    const msg = 'this browser has no OPFS sync access: the library is kept in memory only';
    notice = notice ? notice + '; ' + msg : msg;
  }
  state.libPath = persistent ? OPFS_LIB : MEM_LIB;
  const r = openLibrary();
  if (r.warning) notice = notice ? notice + '; ' + r.warning : r.warning;
  if (r.model && !r.model.name) r.model.name = state.model.slice(MODELS_DIR.length + 1);
  if (r.model) r.model.source = state.modelSource; // "server", "files" or "cache"
  let modelCached = !!r.model && state.modelSource === 'cache';
  if (r.model && state.picked && persistent) {
    // a picked folder that loaded: keep it for the next start (a failure is only a notice)
    const why = await cacheModel(state.picked.name, state.picked.files);
    if (why) notice = notice ? notice + '; ' + why : why;
    modelCached = !why;
  }
  state.picked = null;
  return {
    threaded: state.threaded,
    isolated,
    threads: r.threads,
    workers: M._web_workers(),
    model: r.model,
    model_cached: modelCached,
    notice,
    persistent,
    ready_ms: Math.round(performance.now() - t0),
    info: r.info,
  };
}

// Index progress: the engine reports per batch; add what earlier batches did.
let prog = null;
function onIndexProgress(json) {
  if (!prog) return;
  const p = JSON.parse(json);
  const now = performance.now();
  const files_done = prog.filesBefore + p.files_done;
  const last = files_done === prog.filesTotal;
  if (!last && now - prog.lastPost < 100) return;
  prog.lastPost = now;
  const seconds = (now - prog.t0) / 1000;
  const tokens_done = prog.tokensBefore + p.tokens_done;
  const tokens_per_s = seconds > 0 ? tokens_done / seconds : 0;
  const eta_s = files_done > 0 ? (seconds * (prog.filesTotal - files_done)) / files_done : -1;
  post({
    event: 'progress',
    files_done,
    files_total: prog.filesTotal,
    chunks_done: prog.chunksBefore + p.chunks_done,
    tokens_done,
    seconds,
    tokens_per_s,
    eta_s,
    path: p.path,
    note: p.note,
    part_done: p.part_done,
    part_total: p.part_total,
    phase: p.phase || '',
  });
}

// A PDF's pages as text for the engine (web/pdf-text.js); pdf.js is loaded on the first PDF.
// Progress: {phase: "pdf", path, part_done: pages read, part_total: pages}, at most every 100 ms.
async function pdfForEngine(path, bytes) {
  if (!self.pdfPagesText) importScripts('pdf.js', 'pdf.worker.js', 'pdf-text.js');
  const onPage = (done, total) => {
    const now = performance.now();
    if (!prog || (done < total && now - prog.lastPost < 100)) return;
    prog.lastPost = now;
    post({ event: 'progress', files_done: prog.filesBefore, files_total: prog.filesTotal,
      chunks_done: prog.chunksBefore, tokens_done: prog.tokensBefore, seconds: (now - prog.t0) / 1000,
      tokens_per_s: 0, eta_s: -1, path, part_done: done, part_total: total, phase: 'pdf' });
  };
  return new TextEncoder().encode(await self.pdfPagesText(self.pdfjsLib, bytes, onPage));
}

async function opIndex(args) {
  const list = (args.files || []).map((f) => ({ path: safeRel(f.path || (f.file && f.file.name)), file: f.file || f }));
  const sum = { added: 0, updated: 0, unchanged: 0, removed: 0, skipped: 0, chunks_embedded: 0, tokens: 0, seconds: 0 };
  prog = { t0: performance.now(), lastPost: 0, filesBefore: 0, filesTotal: list.length, tokensBefore: 0, chunksBefore: 0 };
  try {
    for (let i = 0; i < list.length; ) {
      const batch = [];
      let bytes = 0;
      while (i < list.length && (batch.length === 0 || bytes + list[i].file.size <= BATCH_BYTES)) {
        const f = list[i++];
        let data = new Uint8Array(await f.file.arrayBuffer());
        if (/\.pdf$/i.test(f.path)) data = await pdfForEngine(f.path, data);
        writeMem(INPUT_DIR + '/' + f.path, data);
        batch.push(f.path);
        bytes += f.file.size;
      }
      let r;
      try {
        r = api('index', JSON.stringify(batch), args.chunk_tokens | 0);
      } finally {
        removeTree(INPUT_DIR);
        M.FS.mkdirTree(INPUT_DIR);
      }
      for (const k of Object.keys(sum)) if (k !== 'seconds') sum[k] += r[k] || 0;
      prog.filesBefore += batch.length;
      prog.tokensBefore += r.tokens || 0;
      prog.chunksBefore += r.chunks_embedded || 0;
    }
  } finally {
    sum.seconds = (performance.now() - prog.t0) / 1000;
    prog = null;
  }
  return sum;
}

// Loads the cross-encoder the server publishes at /rerank-model/ (brass serve --rerank) for
// search {rerank: true} and op rerank, in the engine's dtype (the Precision setting); returns
// {reranker: description}.
async function opLoadReranker(a) {
  removeTree(RERANK_DIR);
  const base = new URL(a.base || '/rerank-model/', self.location.href).href;
  const dir = await fetchServerModel(base, RERANK_DIR, '--rerank');
  const r = api('reranker_open', dir, state.threads, state.dtype);
  // Its thread pool needs workers beyond the preloaded ones (the model's pool has those): they
  // load asynchronously and their threads start only when this worker handles their "loaded"
  // message, so wait for that here; a rerank run before it would block this thread forever.
  const t0 = performance.now();
  while (M._web_workers_starting() > 0) {
    if (performance.now() - t0 > 60000) throw new Error('load_reranker: its threads did not start in 60 s');
    await new Promise((res) => setTimeout(res, 5));
  }
  return r;
}

function opClear() {
  M._web_close();
  for (const h of Object.values(handles)) {
    h.truncate(0);
    h.flush();
  }
  if (state.libPath === MEM_LIB) {
    for (const n of LIB_FILES) {
      try {
        M.FS.unlink('/memory/' + n);
      } catch {
        /* not there */
      }
    }
  }
  const r = openLibrary();
  if (r.warning) log('warn', r.warning);
  return r.info;
}

const ops = {
  init: opInit,
  index: opIndex,
  search: (a) => api('search_rerank', String(a.query || ''), String(a.mode || 'hybrid'), a.k | 0, a.rrf_k | 0,
    JSON.stringify(a.filter || {}), a.rerank ? (a.rerank_top | 0) || 20 : 0),
  load_reranker: opLoadReranker,
  // {pairs: [{query, passage}]} -> {scores, ms}: `brass rerank` in the browser (tests, benchmarks)
  rerank: (a) => api('rerank', JSON.stringify(a.pairs || [])),
  info: () => Object.assign(api('info'), { workers: M._web_workers(), heap_bytes: M.HEAPU8.length }),
  sources: () => api('sources'),
  preview: (a) => api('preview', String(a.source || ''), a.line_start | 0, a.line_end | 0),
  remove: (a) => api('remove', String(a.source || '')),
  clear: opClear,
  forget_model: async () => ({ forgotten: await forgetModel() }),
};

self.onmessage = (ev) => {
  const msg = ev.data || {};
  const { id, op } = msg;
  busy = busy.then(async () => {
    try {
      const fn = ops[op];
      if (!fn) throw new Error(`unknown operation ${op}`);
      if (op !== 'init' && !M) throw new Error('the engine is not initialised');
      const result = await fn(msg);
      post({ id, ok: true, result });
    } catch (e) {
      post({ id, ok: false, error: oneLine(e) });
    }
  });
};
