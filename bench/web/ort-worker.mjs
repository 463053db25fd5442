// ort-worker.mjs - the ONNX Runtime Web side of the browser benchmark, in a module worker (brass
// runs in its own worker too, so both sides keep the page's main thread free). Mirrors
// bench/ort_embed_bench.js: tokenise (wordpiece.js, checked against HF's tokenizer by the driver),
// sort by token count, batches of 32 padded per batch, int64 input_ids + attention_mask,
// graph optimisation 'all', output checked against export_onnx.py's float64 reference first
// (max difference < 1e-4; for a quantized graph, bench/quantize_onnx.py's, init's minCosine: each
// reference row's cosine must reach it, as bench/ort_embed_bench.js --min-cosine does natively).
// Thread count is ort.env.wasm.numThreads (process-wide in ORT Web, so one page = one count).
// Messages: {op:'init', threads, onnx, check, vocab, maxLength, minCosine?, verbose?}, {op:'warm', texts,
// batch} (64 texts), {op:'run', texts, batch, minSeconds}, {op:'vectors', texts, batch} (every
// text's embedding, batched as in 'run', in the texts' order) -> {ok, result} | {ok:false, error}.
import * as ort from '/ort/ort.wasm.min.mjs';
import { cosine } from './cosine.mjs';
await import('/bench/wordpiece.js');

let session = null, tok = null;
let checksum = 0; // sum of every embedding component of the last pass (compared with brass's)

async function runBatch(lists) {
  const rows = lists.length;
  let len = 0;
  for (const l of lists) len = Math.max(len, l.length);
  const ids = new BigInt64Array(rows * len), mask = new BigInt64Array(rows * len);
  lists.forEach((l, r) => {
    for (let j = 0; j < l.length; j++) {
      ids[r * len + j] = BigInt(l[j]);
      mask[r * len + j] = 1n;
    }
  });
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, [rows, len]),
    attention_mask: new ort.Tensor('int64', mask, [rows, len]),
  });
  return out.embedding;
}

// keep: an array that receives each text's embedding (a plain array) at the text's index
async function embedAll(texts, batch, keep = null) {
  const lists = texts.map((t) => tok.encode(t));
  const order = lists.map((_, i) => i).sort((x, y) => lists[x].length - lists[y].length);
  let tokens = 0;
  checksum = 0;
  for (let s = 0; s < order.length; s += batch) {
    const rows = order.slice(s, s + batch);
    const chunk = rows.map((i) => lists[i]);
    const out = await runBatch(chunk);
    if (out.dims[0] !== chunk.length) throw new Error('unexpected output shape');
    for (const l of chunk) tokens += l.length;
    for (let i = 0; i < out.data.length; i++) checksum += out.data[i];
    if (keep) {
      const dim = out.dims[1];
      rows.forEach((t, r) => { keep[t] = Array.from(out.data.subarray(r * dim, (r + 1) * dim)); });
    }
  }
  return tokens;
}

async function init(m) {
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = m.threads;
  ort.env.wasm.proxy = false;
  // verbose: the graph transformers ORT applies, on the console (all at session creation: no
  // line is logged while sessions run, so the timed loop is the same)
  if (m.verbose) ort.env.logLevel = 'verbose';
  const [onnx, check, vocab] = await Promise.all([
    fetch(m.onnx).then((r) => r.arrayBuffer()),
    fetch(m.check).then((r) => r.json()),
    fetch(m.vocab).then((r) => r.text()),
  ]);
  tok = new self.WordPiece(vocab, m.maxLength);
  const t0 = performance.now();
  session = await ort.InferenceSession.create(new Uint8Array(onnx), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all', executionMode: 'sequential',
    intraOpNumThreads: m.threads, interOpNumThreads: 1, ...(m.verbose ? { logSeverityLevel: 0, logVerbosityLevel: 1 } : {}),
  });
  const loadMs = performance.now() - t0;
  const out = await runBatch(check.ids);
  const dim = out.dims[1];
  const info = { version: ort.env.versions?.web || '?', threads: ort.env.wasm.numThreads,
    isolated: self.crossOriginIsolated, load_ms: +loadMs.toFixed(1) };
  if (m.minCosine !== undefined && m.minCosine !== null) {
    const cos = check.embeddings.map((ref, r) => cosine(out.data.subarray(r * dim, (r + 1) * dim), ref));
    const min = Math.min(...cos), mean = cos.reduce((s, c) => s + c, 0) / cos.length;
    if (!(min >= m.minCosine)) {
      throw new Error(`quantized ONNX Runtime Web output: cosine to the float64 reference ${min} < ${m.minCosine}`);
    }
    return { ...info, check_cosine_mean: +mean.toFixed(6), check_cosine_min: +min.toFixed(6) };
  }
  let worst = 0;
  check.embeddings.forEach((ref, r) => {
    for (let j = 0; j < dim; j++) worst = Math.max(worst, Math.abs(out.data[r * dim + j] - ref[j]));
  });
  if (!(worst < 1e-4)) throw new Error(`ONNX Runtime Web output differs from the reference by ${worst}`);
  return { ...info, check_max_diff: worst };
}

async function run(m) {
  let passes = 0, tokens = 0, elapsed = 0;
  const t0 = performance.now();
  do {
    tokens = await embedAll(m.texts, m.batch);
    passes++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < m.minSeconds);
  return { texts: m.texts.length, tokens, passes, seconds: +elapsed.toFixed(4),
    tokens_per_s: +(tokens * passes / elapsed).toFixed(1), checksum };
}

self.onmessage = async (e) => {
  const m = e.data;
  try {
    const result = m.op === 'init' ? await init(m) : m.op === 'run' ? await run(m) :
      m.op === 'warm' ? await embedAll(m.texts.slice(0, 64), m.batch) :
        m.op === 'vectors' ? await (async () => { const v = []; await embedAll(m.texts, m.batch, v); return v; })() :
        m.op === 'ids' ? m.texts.map((t) => tok.encode(t)) : null;
    self.postMessage({ ok: true, result });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err && err.message || err) });
  }
};
self.postMessage({ ready: true });
