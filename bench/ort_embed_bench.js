#!/usr/bin/env node
// ort_embed_bench.js - the ONNX Runtime side of the embedding benchmark (bench/run.sh): texts in,
// normalised sentence embeddings out, done the way a careful ORT user would: HF's Rust tokenizer
// (@anush008/tokenizers) with truncation at the model's max length, texts sorted by token count,
// batches of 32 padded per batch, int64 input_ids + attention_mask, graph optimisation 'all'.
// Tokenisation is inside the timed loop, as it is on brass's side (brass_embed tokenizes too).
// Tokens are counted the same way for both engines: real ids per text, [CLS]/[SEP] included,
// padding excluded. Before measuring, the session's output is checked against the float64
// reference embeddings that export_onnx.py stored next to the model (OUT.onnx.check.json); for a
// quantized graph (bench/quantize_onnx.py) give --check REF.onnx.check.json --min-cosine 0.99:
// each row's cosine to the fp32 reference must reach it (mean and min are reported).
//
//   node bench/ort_embed_bench.js --onnx M.onnx --model DIR --threads 1 \
//        --texts real=FILE [--texts fixed128=FILE] [--batch 32] [--min-seconds 3]
//        [--check FILE --min-cosine C]
// Prints one JSON object.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { Tokenizer } = require('@anush008/tokenizers');

function parseArgs(argv) {
  const a = { threads: 1, batch: 32, minSeconds: 3, texts: [] };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--onnx') a.onnx = v;
    else if (k === '--model') a.model = v;
    else if (k === '--threads') a.threads = parseInt(v, 10);
    else if (k === '--batch') a.batch = parseInt(v, 10);
    else if (k === '--min-seconds') a.minSeconds = parseFloat(v);
    else if (k === '--check') a.check = v;
    else if (k === '--min-cosine') a.minCosine = parseFloat(v);
    else if (k === '--texts') {
      const eq = v.indexOf('=');
      a.texts.push(eq > 0 ? [v.slice(0, eq), v.slice(eq + 1)] : [path.basename(v), v]);
    } else throw new Error(`unknown argument ${k}`);
  }
  if (!a.onnx || !a.model || !a.texts.length) {
    throw new Error('usage: ort_embed_bench.js --onnx M.onnx --model DIR --texts NAME=FILE ...');
  }
  return a;
}

function maxSeqLength(dir) {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  let n = cfg.max_position_embeddings;
  const sb = path.join(dir, 'sentence_bert_config.json');
  if (fs.existsSync(sb)) n = Math.min(n, JSON.parse(fs.readFileSync(sb, 'utf8')).max_seq_length);
  return n;
}

// Runs one padded batch of id lists; returns the (rows, dim) output as a Float32Array.
async function runBatch(session, lists) {
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

// One full pass: tokenize, sort by length, embed in padded batches. Returns the token count.
async function embedAll(session, tok, texts, batch) {
  const lists = [];
  for (const t of texts) lists.push((await tok.encode(t)).getIds());
  const order = lists.map((_, i) => i).sort((x, y) => lists[x].length - lists[y].length);
  let tokens = 0;
  for (let s = 0; s < order.length; s += batch) {
    const chunk = order.slice(s, s + batch).map((i) => lists[i]);
    const out = await runBatch(session, chunk);
    if (out.dims[0] !== chunk.length) throw new Error('unexpected output shape');
    for (const l of chunk) tokens += l.length;
  }
  return tokens;
}

async function checkAgainstReference(session, onnxPath, a) {
  const check = JSON.parse(fs.readFileSync(a.check || onnxPath + '.check.json', 'utf8'));
  const out = await runBatch(session, check.ids);
  const dim = out.dims[1];
  if (a.minCosine !== undefined) {
    const cos = check.embeddings.map((ref, r) => {
      let d = 0, x = 0, y = 0;
      for (let j = 0; j < dim; j++) {
        const o = out.data[r * dim + j];
        d += o * ref[j];
        x += o * o;
        y += ref[j] * ref[j];
      }
      return d / Math.sqrt(x * y);
    });
    const min = Math.min(...cos), mean = cos.reduce((s, c) => s + c, 0) / cos.length;
    if (!(min >= a.minCosine)) throw new Error(`quantized output: cosine ${min} < ${a.minCosine}`);
    return { cosine_mean: +mean.toFixed(6), cosine_min: +min.toFixed(6) };
  }
  let worst = 0;
  check.embeddings.forEach((ref, r) => {
    for (let j = 0; j < dim; j++) worst = Math.max(worst, Math.abs(out.data[r * dim + j] - ref[j]));
  });
  if (!(worst < 1e-4)) throw new Error(`ONNX output differs from the reference by ${worst}`);
  return worst;
}

async function main() {
  const a = parseArgs(process.argv);
  const tok = Tokenizer.fromFile(path.join(a.model, 'tokenizer.json'));
  tok.setTruncation(maxSeqLength(a.model));
  tok.disablePadding();
  const opts = {
    executionProviders: ['cpu'],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  let t0 = performance.now();
  const session = await ort.InferenceSession.create(a.onnx, opts);
  const loadSeconds = (performance.now() - t0) / 1000;
  const checkMaxDiff = await checkAgainstReference(session, a.onnx, a);

  const results = {};
  for (const [name, file] of a.texts) {
    const texts = fs.readFileSync(file, 'utf8').split('\n');
    if (texts[texts.length - 1] === '') texts.pop();
    await embedAll(session, tok, texts.slice(0, 64), a.batch); // warm-up
    let passes = 0, tokens = 0, elapsed = 0;
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    do {
      tokens = await embedAll(session, tok, texts, a.batch);
      passes++;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < a.minSeconds);
    const cpu = process.cpuUsage(cpu0), cpuSeconds = (cpu.user + cpu.system) / 1e6;
    results[name] = {
      texts: texts.length, tokens, passes, seconds: +elapsed.toFixed(4),
      cpu_seconds: +cpuSeconds.toFixed(4),
      tokens_per_s: +(tokens * passes / elapsed).toFixed(1),
      tokens_per_cpu_s: +(tokens * passes / cpuSeconds).toFixed(1),
    };
  }
  let version = '?';
  try {
    version = require('onnxruntime-node/package.json').version;
  } catch (e) { /* older packages do not export it */ }
  console.log(JSON.stringify({
    engine: 'onnxruntime-node', version, threads: a.threads, batch: a.batch,
    load_seconds: +loadSeconds.toFixed(4), check_max_diff: checkMaxDiff, results,
    peak_rss_kb: process.resourceUsage().maxRSS,
  }));
}

main().catch((e) => {
  console.error(`ort_embed_bench: ${e.message}`);
  process.exit(1);
});
