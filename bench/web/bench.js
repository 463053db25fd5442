// bench.js - page side of the browser benchmark. Exposes window.bench.{ort, brass, putLibrary,
// engineSearch, memory} for the driver (run_web_bench.mjs), which opens one fresh page per
// configuration because ONNX Runtime Web's thread count is fixed per page. Embedding: ORT Web in
// ort-worker.mjs, brass in brass-bench-worker.js. Search: the app's own web/engine-worker.js
// over its protocol (init, info, search) on a library copied into OPFS.
const log = (s) => { document.getElementById('log').textContent += s + '\n'; };

function rpcWorker(worker) {
  let next = 1;
  const waiting = new Map();
  const events = [];
  worker.onmessage = (e) => {
    const m = e.data;
    if (m && m.id !== undefined && waiting.has(m.id)) {
      const { resolve, reject } = waiting.get(m.id);
      waiting.delete(m.id);
      m.ok ? resolve(m.result) : reject(new Error(m.error));
    } else events.push(m);
  };
  worker.onerror = (e) => {
    for (const { reject } of waiting.values()) reject(new Error(`worker error: ${e.message}`));
    waiting.clear();
  };
  return {
    events,
    call: (op, args = {}) => new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, op, ...args });
    }),
  };
}

// CPU seconds used so far by the whole browser (all its processes), read by the driver from /proc
// (window.benchCpu, exposed by run_web_bench.mjs); null when not driven.
const cpuMark = async () => (window.benchCpu ? window.benchCpu() : null);
const cpuSpent = (a, b) => (a === null || b === null ? null : +(b - a).toFixed(3));

// ONNX Runtime Web in a module worker: init (load + reference check: max difference, or cosine >=
// minCosine for a quantized graph) then the timed loop; with vectors, every text's embedding after it.
async function ort({ threads, texts, batch = 32, minSeconds = 3, maxLength = 256, onnx, check = null, minCosine = null,
  dtype = 'f32', vectors = false, verbose = false }) {
  const w = new Worker('/bench/ort-worker.mjs', { type: 'module' });
  let pending = null;
  const ready = new Promise((r) => { pending = r; });
  w.onmessage = (e) => pending(e.data);
  w.onerror = (e) => pending({ ok: false, error: `ort worker error: ${e.message}` });
  const ask = async (m) => {
    const p = new Promise((r) => { pending = r; });
    w.postMessage(m);
    const a = await p;
    if (!a.ok) throw new Error(a.error);
    return a.result;
  };
  const first = await ready;
  if (!first.ready) throw new Error(first.error || 'ort worker did not start');
  const info = await ask({ op: 'init', threads, onnx, check: check || onnx + '.check.json', vocab: '/model/vocab.txt',
    maxLength, minCosine, verbose });
  log(`ort init ${JSON.stringify(info)}`);
  const ids = await ask({ op: 'ids', texts });
  await ask({ op: 'warm', texts, batch });
  const c0 = await cpuMark();
  const res = await ask({ op: 'run', texts, batch, minSeconds });
  res.cpu_seconds = cpuSpent(c0, await cpuMark());
  const vecs = vectors ? await ask({ op: 'vectors', texts, batch }) : undefined;
  const mem = await memory();
  w.terminate();
  return { engine: 'onnxruntime-web', dtype, ...info, ...res, ids, memory: mem, vectors: vecs };
}

// brass's web build in brass-bench-worker.js (wasm/web_bench.c): the same brass_embed call as the
// native bench_embed, timed here around each call (postMessage included, as on the ORT side);
// dtype 'f32' / 'int8' as the app's Precision setting ('' = the engine's default).
async function brass({ threads, texts, batch = 32, minSeconds = 3, build = 'auto', dtype = '', vectors = false }) {
  const w = new Worker('/bench/brass-bench-worker.js');
  const ask = (m) => new Promise((resolve, reject) => {
    w.onmessage = (e) => (e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error)));
    w.onerror = (e) => reject(new Error(`brass bench worker: ${e.message}`));
    w.postMessage(m);
  });
  const init = await ask({ op: 'init', threads, batch, build, dtype });
  log(`brass init ${JSON.stringify(init)}`);
  await ask({ op: 'warm', texts });
  const c0 = await cpuMark();
  const res = await ask({ op: 'run', texts, minSeconds });
  res.cpu_seconds = cpuSpent(c0, await cpuMark());
  const vecs = vectors ? await ask({ op: 'vectors', texts }) : undefined;
  const mem = await memory();
  w.terminate();
  return { engine: 'brass-web', build: init.build, dtype: init.dtype, threads: init.threads, isolated: init.isolated,
    init_ms: init.init_ms, ...res, memory: mem, vectors: vecs };
}

// Copies a library file into OPFS where web/engine-worker.js keeps it (brass/library.db), so the
// app opens a library built natively (the 10k-chunk search benchmark).
async function putLibrary(url) {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle('brass', { create: true });
  for (const n of ['library.db-wal', 'library.db-journal']) {
    try {
      await dir.removeEntry(n);
    } catch (e) { /* absent */ }
  }
  const buf = await (await fetch(url)).arrayBuffer();
  const fh = await dir.getFileHandle('library.db', { create: true });
  const wr = await fh.createWritable();
  await wr.write(buf);
  await wr.close();
  return buf.byteLength;
}

// The app's own engine worker (web/engine-worker.js) over its protocol: init with the server model
// and the library in OPFS, then searches; took_ms is the engine's, wall_ms the round trip.
async function engineSearch({ queries, mode = 'hybrid', k = 10, threads = 0 }) {
  const t0 = performance.now();
  const rpc = rpcWorker(new Worker('/engine-worker.js'));
  const init = await rpc.call('init', { threads: threads || undefined, model: { kind: 'server', base: '/model/' } });
  const initMs = performance.now() - t0;
  const info = await rpc.call('info', {});
  await rpc.call('search', { query: queries[0], mode, k }); // warm-up (graph load)
  const took = [], wall = [], stages = [];
  for (const q of queries) {
    const s = performance.now();
    const r = await rpc.call('search', { query: q, mode, k });
    wall.push(performance.now() - s);
    took.push(r.took_ms);
    stages.push(r.timings);
  }
  const mem = await memory();
  return { init, init_ms: +initMs.toFixed(1), info, took, wall, stages, memory: mem };
}

// Memory of this page and its workers (needs cross-origin isolation), in bytes. Chromium cannot
// interrupt a worker parked in Atomics.wait (an idle pthread pool), so with more than one thread
// the measurement may never come: null after 10 s.
async function memory() {
  if (!performance.measureUserAgentSpecificMemory) return null;
  try {
    const m = await Promise.race([performance.measureUserAgentSpecificMemory(),
      new Promise((r) => setTimeout(() => r(null), 10000))]);
    if (!m) return null;
    const byKind = {};
    for (const b of m.breakdown) {
      for (const t of b.types) byKind[t] = (byKind[t] || 0) + b.bytes / (b.types.length || 1);
      if (!b.types.length) byKind.other = (byKind.other || 0) + b.bytes;
    }
    return { bytes: m.bytes, by_type: byKind };
  } catch (e) {
    return { error: String(e.message || e) };
  }
}

window.bench = { ort, brass, memory, rpcWorker, putLibrary, engineSearch };
window.benchReady = true;
log(`bench page ready, crossOriginIsolated=${self.crossOriginIsolated}, cores=${navigator.hardwareConcurrency}`);
