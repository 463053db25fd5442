#!/usr/bin/env node
// run_web_bench.mjs - the browser benchmark (bench/run.sh runs it when web/dist and Chromium exist):
// brass's web build (its worker's `embed` op) against ONNX Runtime Web 1.30 (multi-threaded SIMD
// wasm backend) on the same MiniLM-shaped model and the same Debian package synopses, batches of
// 32, tokenisation timed on both sides, in one headless Chromium session, cross-origin isolated,
// everything served same-origin from loopback. Also: 1 -> N thread speedups (N =
// navigator.hardwareConcurrency), page-open-to-ready with the model cached, worker memory.
//
// Search: a library of --chunks (10,000) Debian package synopses, one chunk each, indexed by the
// native CLI with the same model, copied into the app's OPFS place; p50/p95 of hybrid searches
// through the app's engine worker; then the app's page-open-to-ready time with the model cached.
//
//   node bench/web/run_web_bench.mjs --model DIR --onnx M.onnx --texts FILE [--min-seconds 3]
//        [--out results.json] [--skip-brass] [--skip-ort] [--skip-search] [--chunks N] [--brass CLI]
// Prints a short table and writes the JSON results to --out.
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { SRC, BUILD, CHROMIUM, launchPersistent, capture, artifactsDir } from '../../tests/web/lib.mjs';
import { startStaticServer } from '../../tests/web/static_server.mjs';

const require = createRequire(path.join(SRC, 'package.json'));

function args() {
  const a = { model: path.join(BUILD, 'bench/minilm'), onnx: path.join(BUILD, 'bench/minilm.onnx'),
    texts: path.join(BUILD, 'bench/texts-short.txt'), minSeconds: 3, out: null, dist: path.join(SRC, 'web/dist'),
    skipBrass: false, skipOrt: false, skipSearch: false, chunks: 10000,
    brass: process.env.BRASS || path.join(BUILD, 'brass') };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    if (k === '--skip-brass') a.skipBrass = true;
    else if (k === '--skip-ort') a.skipOrt = true;
    else if (k === '--skip-search') a.skipSearch = true;
    else if (k === '--chunks') a.chunks = parseInt(v[++i], 10);
    else if (k === '--brass') a.brass = v[++i];
    else if (k === '--model') a.model = v[++i];
    else if (k === '--onnx') a.onnx = v[++i];
    else if (k === '--texts') a.texts = v[++i];
    else if (k === '--dist') a.dist = v[++i];
    else if (k === '--min-seconds') a.minSeconds = parseFloat(v[++i]);
    else if (k === '--out') a.out = v[++i];
    else throw new Error(`unknown argument ${k}`);
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

// The native library for the search benchmark: n one-line files (Debian package synopses, distinct)
// in folders of 100, indexed by `brass index` with the benchmark's model; journal mode DELETE so
// the browser's SQLite opens the copied file without a -wal. Cached next to the model.
function buildLibrary(a) {
  const dir = path.join(path.dirname(path.resolve(a.onnx)), `web-lib${a.chunks}`);
  const db = path.join(dir, 'library.db');
  const newer = (f) => fs.statSync(db).mtimeMs > fs.statSync(f).mtimeMs;
  if (fs.existsSync(db) && newer(path.join(a.model, 'model.safetensors')) && newer(a.brass)) {
    return { db, queries: JSON.parse(fs.readFileSync(path.join(dir, 'queries.json'), 'utf8')) };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const apt = spawnSync('apt-cache', ['dumpavail'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seen = new Set();
  for (const m of apt.stdout.matchAll(/^Description: (.+)$/gm)) {
    if (seen.size >= a.chunks) break;
    seen.add(m[1].trim());
  }
  const lines = [...seen];
  if (lines.length < a.chunks) throw new Error(`only ${lines.length} distinct synopses in apt-cache dumpavail`);
  const corpus = path.join(dir, 'corpus');
  lines.forEach((t, i) => {
    const sub = path.join(corpus, `d${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `p${String(i % 100).padStart(2, '0')}.txt`), t + '\n');
  });
  console.error(`web bench: indexing ${lines.length} synopses natively (${a.brass})`);
  const r = spawnSync(a.brass, ['index', '--quiet', '--library', db, '--model', a.model, corpus],
    { encoding: 'utf8', env: { ...process.env, BRASS_THREADS: '2' } });
  if (r.status !== 0) throw new Error(`brass index: ${r.stderr.trim()}`);
  const py = spawnSync('/usr/bin/python3', ['-c',
    'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=DELETE"); c.close()', db]);
  if (py.status !== 0) throw new Error(`journal_mode=DELETE: ${py.stderr}`);
  fs.rmSync(corpus, { recursive: true, force: true });
  // queries: the first three words of every 331st synopsis
  const queries = [];
  for (let i = 7; queries.length < 40; i = (i + 331) % lines.length) {
    queries.push(lines[i].split(/\s+/).slice(0, 3).join(' '));
  }
  fs.writeFileSync(path.join(dir, 'queries.json'), JSON.stringify(queries));
  return { db, queries };
}

// CPU seconds (user + system) of every process descending from this one: the browser's, since
// the static server runs inside this node process, which is left out.
function browserCpuSeconds() {
  const procs = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      procs.set(+d, { ppid: +f[1], cpu: +f[11] + +f[12] });
    } catch { /* gone */ }
  }
  let ticks = 0;
  for (const [pid, p] of procs) {
    if (pid === process.pid) continue;
    for (let q = p.ppid, hops = 0; q > 1 && hops < 64; q = (procs.get(q) || { ppid: 0 }).ppid, hops++) {
      if (q === process.pid) {
        ticks += p.cpu;
        break;
      }
    }
  }
  return ticks / 100; // USER_HZ
}

const pct = (xs, p) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length ? +v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(2) : null;
};

async function main() {
  const a = args();
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`web bench: ${CHROMIUM} is missing: skipped`);
    return;
  }
  for (const f of [a.onnx, a.onnx + '.check.json', a.texts, path.join(a.model, 'vocab.txt')]) {
    if (!fs.existsSync(f)) throw new Error(`${f}: missing (run bench/run.sh first)`);
  }
  const texts = fs.readFileSync(a.texts, 'utf8').split('\n').filter((t) => t.length);
  const maxLength = maxSeqLength(a.model);
  const { Tokenizer } = require('@anush008/tokenizers');
  const hf = Tokenizer.fromFile(path.join(a.model, 'tokenizer.json'));
  hf.setTruncation(maxLength);
  hf.disablePadding();
  const refIds = [];
  for (const t of texts) refIds.push((await hf.encode(t)).getIds());

  const haveDist = fs.existsSync(path.join(a.dist, 'brass-web.js'));
  const srv = await startStaticServer({
    root: haveDist ? a.dist : path.join(SRC, 'bench/web'), model: a.model, isolated: true,
    mounts: { '/bench/': path.join(SRC, 'bench/web'), '/ort/': path.join(SRC, 'node_modules/onnxruntime-web/dist'),
      '/data/': path.dirname(path.resolve(a.onnx)) },
  });
  // measureUserAgentSpecificMemory answers at the next GC unless told to measure at once
  // a fresh on-disk profile, as a user's browser has (OPFS per-call costs differ in memory-backed
  // incognito-like contexts)
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'brass-bench-profile-'));
  const context = await launchPersistent(profile, ['--enable-blink-features=ForceEagerMeasureMemory']);
  const logs = { lines: [], errors: [] };
  const loadavg = () => { try { return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; } };
  const out = { texts: texts.length, file: a.texts, min_seconds: a.minSeconds, runs: [], loadavg_start: loadavg() };
  const onnxUrl = '/data/' + path.basename(a.onnx);
  try {
    const open = async (tag) => {
      const page = await context.newPage();
      await page.exposeFunction('benchCpu', () => browserCpuSeconds());
      capture(page, tag, logs);
      await page.goto(srv.url + 'bench/bench.html');
      await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
      return page;
    };
    const probe = await open('probe');
    const env = await probe.evaluate(() => ({ isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency,
      ua: navigator.userAgent }));
    await probe.close();
    out.env = env;
    if (!env.isolated) throw new Error('the benchmark page is not cross-origin isolated');
    const counts = [...new Set([1, env.cores])];
    for (const threads of counts) {
      if (!a.skipOrt) {
        const page = await open(`ort-t${threads}`);
        console.error(`web bench: onnxruntime-web, ${threads} thread(s)`);
        const r = await page.evaluate((o) => window.bench.ort(o),
          { threads, texts, minSeconds: a.minSeconds, maxLength, onnx: onnxUrl });
        let diff = 0;
        r.ids.forEach((l, i) => { if (l.join(' ') !== refIds[i].join(' ')) diff++; });
        delete r.ids;
        r.tokenizer_mismatches = diff;
        if (diff) throw new Error(`wordpiece.js differs from HF tokenizers on ${diff} of ${texts.length} texts`);
        out.runs.push(r);
        await page.close();
      }
      if (!a.skipBrass && haveDist) {
        let page = await open(`brass-t${threads}`);
        console.error(`web bench: brass web, ${threads} thread(s)`);
        try {
          const r = await page.evaluate((o) => window.bench.brass(o), { threads, texts, minSeconds: a.minSeconds });
          out.runs.push(r);
          if (threads === 1 && r.build !== 'brass-web.js') {
            // for reference: the plain SIMD128 build, which engines without relaxed SIMD run
            await page.close();
            page = await open('brass-plain-t1');
            console.error('web bench: brass web (plain SIMD128 build), 1 thread');
            const p = await page.evaluate((o) => window.bench.brass(o), { threads, texts, minSeconds: a.minSeconds, build: 'plain' });
            out.runs.push({ ...p, engine: 'brass-web-simd128' });
          }
        } catch (e) {
          out.runs.push({ engine: 'brass-web', threads, error: String(e.message).split('\n')[0] });
        }
        await page.close();
      }
    }
    if (!a.skipSearch && haveDist) {
      await searchAndReady(a, open, context, srv, out);
    }
  } finally {
    fs.writeFileSync(path.join(artifactsDir(), 'web-bench.log'), logs.lines.join('\n') + '\n');
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await srv.close();
  }
  out.loadavg_end = loadavg();
  report(out);
  if (a.out) fs.writeFileSync(a.out, JSON.stringify(out, null, 1) + '\n');
}

// Search latency on the native library in OPFS, then the app's open-to-ready time (model cached).
async function searchAndReady(a, open, context, srv, out) {
  try {
    const lib = buildLibrary(a);
    const rel = path.relative(path.dirname(path.resolve(a.onnx)), lib.db);
    let page = await open('put-library');
    const bytes = await page.evaluate((u) => window.bench.putLibrary(u), '/data/' + rel);
    await page.close();
    page = await open('search');
    console.error(`web bench: ${lib.queries.length} hybrid searches on ${a.chunks} chunks`);
    const r = await page.evaluate((q) => window.bench.engineSearch({ queries: q, mode: 'hybrid', k: 10 }), lib.queries);
    await page.close();
    const med = (key) => pct(r.stages.map((t) => t[key]), 0.5);
    out.search = {
      chunks: r.info.chunks, sources: r.info.sources, library_bytes: bytes, queries: lib.queries.length,
      threads: r.init.threads, workers: r.init.workers, took_p50_ms: pct(r.took, 0.5), took_p95_ms: pct(r.took, 0.95),
      wall_p50_ms: pct(r.wall, 0.5), wall_p95_ms: pct(r.wall, 0.95),
      stage_p50_ms: { embed: med('embed_ms'), vector: med('vector_ms'), keyword: med('keyword_ms'),
        fuse: med('fuse_ms'), fetch: med('fetch_ms') },
      engine_init_ms: r.init_ms, engine_ready_ms: r.init.ready_ms, memory: r.memory,
    };
    // the app: open twice (the first may still fill caches), time navigation -> ready the second time
    const times = [];
    for (let i = 0; i < 2; i++) {
      const app = await context.newPage();
      await app.addInitScript(() => {
        new MutationObserver((_, obs) => {
          const e = document.getElementById('status-ready');
          if (e && !e.hidden) {
            window.__readyAt = performance.now();
            obs.disconnect();
          }
        }).observe(document, { subtree: true, attributes: true, childList: true });
      });
      await app.goto(srv.url);
      await app.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 120000 });
      times.push(await app.evaluate(() => window.__readyAt));
      await app.close();
    }
    out.ready = { open_to_ready_ms: +times[1].toFixed(1), first_open_ms: +times[0].toFixed(1),
      library_chunks: r.info.chunks };
  } catch (e) {
    out.search = { error: String(e.message).split('\n')[0] };
  }
}

function report(out) {
  const get = (engine, t) => out.runs.find((r) => r.engine === engine && r.threads === t && !r.error);
  const n = out.env.cores;
  const lines = [`browser (headless Chromium, ${out.texts} synopses, batch 32, cross-origin isolated, ${n} cores; ` +
    `load average ${out.loadavg_start} -> ${out.loadavg_end}):`];
  for (const r of out.runs) {
    lines.push(r.error ? `  ${r.engine} t${r.threads}: ERROR ${r.error}` :
      `  ${r.engine}${r.build ? ` (${r.build})` : ''} t${r.threads}: ${r.tokens_per_s} tokens/s (${r.passes} passes, ${r.seconds} s` +
      (r.cpu_seconds ? `, ${(r.tokens * r.passes / r.cpu_seconds).toFixed(1)} tokens per browser CPU-second, ` +
        `${(r.cpu_seconds / r.seconds).toFixed(2)} cores busy)` : ')'));
  }
  for (const t of [...new Set([1, n])]) {
    const b = get('brass-web', t), o = get('onnxruntime-web', t);
    if (b && o) {
      const perCpu = (r) => (r.cpu_seconds ? r.tokens * r.passes / r.cpu_seconds : null);
      lines.push(`  brass/ORT-web at ${t} thread(s): ${(b.tokens_per_s / o.tokens_per_s).toFixed(2)}x tokens/s` +
        (perCpu(b) && perCpu(o) ? `, ${(perCpu(b) / perCpu(o)).toFixed(2)}x tokens per CPU-second` : ''));
    }
  }
  for (const e of ['brass-web', 'onnxruntime-web']) {
    const one = get(e, 1), many = get(e, n);
    if (one && many && n > 1) {
      const s = many.tokens_per_s / one.tokens_per_s;
      const busy = many.cpu_seconds ? ` with ${(many.cpu_seconds / many.seconds).toFixed(2)} of ${n} cores busy` : '';
      lines.push(`  ${e} 1->${n} speedup: ${s.toFixed(2)}x${busy} (goal >= ${(0.85 * n).toFixed(2)}x; ` +
        'meaningful only when the browser gets all cores)');
    }
  }
  const s = out.search;
  if (s && s.error) lines.push(`  search/ready: ERROR ${s.error}`);
  else if (s) {
    lines.push(`  hybrid search on ${s.chunks} chunks (${s.threads} threads): p50 ${s.took_p50_ms} ms in the engine, ` +
      `${s.wall_p50_ms} ms round trip (p95 ${s.took_p95_ms} / ${s.wall_p95_ms} ms); stage p50s ${JSON.stringify(s.stage_p50_ms)}`);
    if (s.memory && s.memory.bytes) lines.push(`  page + workers memory after searching: ${(s.memory.bytes / 1048576).toFixed(1)} MiB`);
  }
  if (out.ready) lines.push(`  app open -> ready, model cached, ${out.ready.library_chunks}-chunk library: ${out.ready.open_to_ready_ms} ms (goal < 2000)`);
  for (const r of out.runs) {
    if (r.memory && r.memory.bytes) lines.push(`  ${r.engine} t${r.threads}: page + workers memory ${(r.memory.bytes / 1048576).toFixed(1)} MiB` +
      (r.heap_bytes ? `, wasm heap ${(r.heap_bytes / 1048576).toFixed(1)} MiB` : ''));
  }
  const b1 = get('brass-web', 1), o1 = get('onnxruntime-web', 1);
  if (b1 && o1 && typeof b1.checksum === 'number' && typeof o1.checksum === 'number') {
    // both sums run over the same 512 x dim components: they agree when both embed the same
    // tokens with the same model
    out.checksum_diff = Math.abs(b1.checksum - o1.checksum);
    lines.push(`  same work: ${b1.tokens} vs ${o1.tokens} tokens; sums of all embedding components ` +
      `${b1.checksum.toFixed(4)} vs ${o1.checksum.toFixed(4)} (diff ${out.checksum_diff.toExponential(1)}` +
      `${out.checksum_diff > 1e-2 || b1.tokens !== o1.tokens ? ': MISMATCH, the engines did different work' : ''})`);
  }
  out.summary = lines;
  console.log(lines.join('\n'));
}

main().catch((e) => {
  console.error(`web bench: ${e.message}`);
  process.exit(1);
});
