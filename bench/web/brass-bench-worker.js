// brass-bench-worker.js - brass's side of the browser benchmark: a classic dedicated worker that
// loads brass's web build the way the app's engine worker picks it (brass-web-relaxed.js where the
// engine has relaxed-SIMD multiply-add, else brass-web.js; both pthreads + SIMD128),
// puts the model's files from /model/ into its file system and calls wasm/web_bench.c:
// web_bench_open (model + threads + batch 32 + dtype: 'f32', 'int8' or '' for the default, the
// app's Precision setting), web_bench_tokens (the token count, [CLS]/[SEP] included, once) and
// web_bench_embed (brass_embed over all texts: tokenise, sort, batch), the same call the native
// bench_embed times. Messages: {op:'init', threads, batch, dtype}, {op:'warm', texts} (token count +
// 64 texts), {op:'run', texts, minSeconds}, {op:'vectors', texts} (every text's embedding, in
// order) -> {ok, result} | {ok:false, error}.
'use strict';
let M = null;

function call(name, ...args) {
  const ptrs = [];
  try {
    const c = args.map((a) => {
      if (typeof a !== 'string') return a | 0;
      const n = M.lengthBytesUTF8(a) + 1, p = M._malloc(n);
      M.stringToUTF8(a, p, n);
      ptrs.push(p);
      return p;
    });
    const out = M['_web_bench_' + name](...c);
    const v = JSON.parse(M.UTF8ToString(out));
    M._free(out);
    if (v.error) throw new Error(v.error);
    return v;
  } finally {
    ptrs.forEach((p) => M._free(p));
  }
}

// Whether the engine validates f32x4.relaxed_madd (0xfd 0x85 0x02): the app's worker then runs
// brass-web-relaxed.js, so the benchmark does too ('auto').
function hasRelaxedMadd() {
  const v = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0x00, ...v, ...v, ...v, 0xfd, 0x85, 0x02, 0x0b];
  const mod = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
    0x03, 0x02, 0x01, 0x00, 0x0a, body.length + 2, 0x01, body.length, ...body];
  try {
    return WebAssembly.validate(new Uint8Array(mod));
  } catch {
    return false;
  }
}

async function init({ threads, batch, build = 'auto', dtype = '' }) {
  const t0 = performance.now();
  let script = '/brass-web.js';
  if (build === 'relaxed' || (build === 'auto' && hasRelaxedMadd())) {
    const head = await fetch('/brass-web-relaxed.js', { method: 'HEAD' });
    if (head.ok) script = '/brass-web-relaxed.js';
    else if (build === 'relaxed') throw new Error('no brass-web-relaxed.js in this build');
  }
  importScripts(script);
  M = await self.createBrass({
    mainScriptUrlOrBlob: new URL(script, self.location.href).href,
    locateFile: (p) => new URL('/' + p, self.location.href).href,
    brassPoolSize: Math.max(1, threads - 1),
    print: () => {}, printErr: (s) => console.warn(s),
  });
  if (typeof M._web_bench_open !== 'function') {
    throw new Error('this brass-web build lacks web_bench_* (wasm/web_bench.c): rebuild with make wasm');
  }
  const manifest = await (await fetch('/model/manifest.json')).json();
  for (const f of manifest.files) {
    const buf = new Uint8Array(await (await fetch('/model/' + f.path)).arrayBuffer());
    const dir = '/model/' + f.path.split('/').slice(0, -1).join('/');
    M.FS.mkdirTree(dir);
    M.FS.writeFile('/model/' + f.path, buf);
  }
  const r = call('open', '/model', threads, batch, dtype || '');
  if (dtype && r.dtype !== dtype) throw new Error(`asked for ${dtype}, the engine runs ${r.dtype} (a build without dtype in web_bench_open?)`);
  return { ...r, build: script.slice(1), init_ms: +(performance.now() - t0).toFixed(1), isolated: self.crossOriginIsolated };
}

let tokens = 0;
function warm({ texts }) {
  tokens = call('tokens', JSON.stringify(texts)).tokens;
  call('embed', JSON.stringify(texts.slice(0, 64)));
  return tokens;
}

function run({ texts, minSeconds }) {
  const json = JSON.stringify(texts);
  let passes = 0, elapsed = 0, engineMs = 0, checksum = 0;
  const t0 = performance.now();
  do {
    const r = call('embed', json);
    engineMs += r.ms;
    checksum = r.checksum;
    passes++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < minSeconds);
  return { texts: texts.length, tokens, passes, seconds: +elapsed.toFixed(4), engine_ms: +engineMs.toFixed(1),
    tokens_per_s: +(tokens * passes / elapsed).toFixed(1), checksum, heap_bytes: M.HEAP8.length };
}

self.onmessage = async (e) => {
  try {
    const m = e.data;
    const result = m.op === 'init' ? await init(m) : m.op === 'warm' ? warm(m) :
      m.op === 'vectors' ? call('embed', JSON.stringify({ texts: m.texts, vectors: m.texts.length })).vectors : run(m);
    self.postMessage({ ok: true, result });
  } catch (err) {
    self.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
};
