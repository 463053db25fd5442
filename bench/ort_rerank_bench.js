#!/usr/bin/env node
// ort_rerank_bench.js - the ONNX Runtime side of the rerank benchmark (bench/rerank_bench.sh):
// one query and its passages -> one logit per passage, as a careful ORT user would do it: HF's
// Rust tokenizer encode(query, passage) with longest_first truncation at 512, the pairs padded
// into one batch (int64 input_ids, attention_mask, token_type_ids), graph optimisation 'all'.
// Tokenisation is inside the timed call, as on brass's side.
//
//   node bench/ort_rerank_bench.js --onnx M.onnx --model DIR --pairs FILE [--threads 2] [--runs 15]
// FILE: the query on the first line, one passage per following line. Prints one JSON object.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { Tokenizer } = require('@anush008/tokenizers');

async function main() {
  const a = { threads: 2, runs: 15 };
  for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].slice(2)] = process.argv[i + 1];
  const lines = fs.readFileSync(a.pairs, 'utf8').split('\n').filter((l, i) => i === 0 || l);
  const query = lines[0], passages = lines.slice(1);
  const tok = Tokenizer.fromFile(path.join(a.model, 'tokenizer.json'));
  tok.disablePadding();
  tok.setTruncation(512);
  const session = await ort.InferenceSession.create(a.onnx, {
    intraOpNumThreads: parseInt(a.threads, 10), interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  async function scoreAll() {
    const encs = [];
    for (const p of passages) encs.push(await tok.encode(query, p));
    const B = encs.length, L = Math.max(...encs.map((e) => e.getIds().length));
    const ids = new BigInt64Array(B * L), mask = new BigInt64Array(B * L);
    const types = new BigInt64Array(B * L);
    encs.forEach((e, b) => {
      const x = e.getIds(), t = e.getTypeIds();
      for (let k = 0; k < x.length; k++) {
        ids[b * L + k] = BigInt(x[k]);
        mask[b * L + k] = 1n;
        types[b * L + k] = BigInt(t[k]);
      }
    });
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, [B, L]),
      attention_mask: new ort.Tensor('int64', mask, [B, L]),
      token_type_ids: new ort.Tensor('int64', types, [B, L]),
    });
    return { scores: Array.from(out.score.data), tokens: encs.reduce((s, e) => s + e.getIds().length, 0) };
  }
  await scoreAll(); // warm-up
  const ms = [], cpu = [];
  let last;
  for (let k = 0; k < parseInt(a.runs, 10); k++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    last = await scoreAll();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3); // the whole process: node's thread and ORT's pool
  }
  ms.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  console.log(JSON.stringify({
    engine: 'onnxruntime-node', pairs: passages.length, tokens: last.tokens, runs: ms.length,
    p50_ms: ms[ms.length >> 1], p90_ms: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.9))],
    min_ms: ms[0], cpu_p50_ms: cpu[cpu.length >> 1], scores: last.scores,
  }));
}

main().catch((e) => {
  process.stderr.write(`ort_rerank_bench: ${e.stack || e}\n`);
  process.exit(1);
});
