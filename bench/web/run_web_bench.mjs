#!/usr/bin/env node
// run_web_bench.mjs - the browser benchmark (bench/run.sh runs it when web/dist and Chromium exist):
// brass's web build (its worker's `embed` op) against ONNX Runtime Web 1.30 (multi-threaded SIMD
// wasm backend) on the same MiniLM-shaped model and the same Debian package synopses, batches of
// 32, tokenisation timed on both sides, in one headless Chromium session, cross-origin isolated,
// everything served same-origin from loopback. Also: 1 -> N thread speedups (N =
// navigator.hardwareConcurrency), page-open-to-ready with the model cached, worker memory.
//
// int8 (--dtypes f32,int8, the default): brass-web with dtype int8 (the app's Precision setting)
// against ONNX Runtime Web running --onnx-int8, the fp32 export rewritten the way
// quantize_dynamic(weight_type=QInt8) does it (bench/quantize_onnx.py, run here when the file is
// missing or older than --onnx): DynamicQuantizeLinear + MatMulInteger + Cast + Mul, which ORT
// Web's wasm backend fuses into DynamicQuantizeMatMul / MatMulIntegerToFloat. Its vectors are
// checked against the float64 reference first (cosine >= --min-cosine, 0.99), and the 1-thread
// runs' vectors of all texts are compared across engines and dtypes (cosine mean / min).
//
// Search: a library of --chunks (10,000) Debian package synopses, one chunk each, indexed by the
// native CLI with the same model, copied into the app's OPFS place; p50/p95 of hybrid searches
// through the app's engine worker; then the app's page-open-to-ready time with the model cached.
//
//   node bench/web/run_web_bench.mjs --model DIR --onnx M.onnx --texts FILE [--min-seconds 3]
//        [--out results.json] [--skip-brass] [--skip-ort] [--skip-search] [--chunks N] [--brass CLI]
//        [--dtypes f32,int8] [--onnx-int8 M-int8.onnx] [--min-cosine 0.99]
// Prints a short report and a markdown table (README's), writes the JSON results to --out.
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { SRC, BUILD, CHROMIUM, launchPersistent, capture, artifactsDir } from '../../tests/web/lib.mjs';
import { startStaticServer } from '../../tests/web/static_server.mjs';
import { cosine } from './cosine.mjs';

const require = createRequire(path.join(SRC, 'package.json'));

function args() {
  const a = { model: path.join(BUILD, 'bench/minilm'), onnx: path.join(BUILD, 'bench/minilm.onnx'),
    texts: path.join(BUILD, 'bench/texts-short.txt'), minSeconds: 3, out: null, dist: path.join(SRC, 'web/dist'),
    skipBrass: false, skipOrt: false, skipSearch: false, chunks: 10000,
    brass: process.env.BRASS || path.join(BUILD, 'brass'), dtypes: ['f32', 'int8'], onnxInt8: null, minCosine: 0.99 };
  a.defaults = { model: a.model, onnx: a.onnx, texts: a.texts };
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
    else if (k === '--dtypes') a.dtypes = v[++i].split(',');
    else if (k === '--onnx-int8') a.onnxInt8 = v[++i];
    else if (k === '--min-cosine') a.minCosine = parseFloat(v[++i]);
    else throw new Error(`unknown argument ${k}`);
  }
  for (const d of a.dtypes) if (!['f32', 'int8'].includes(d)) throw new Error(`--dtypes: unknown dtype ${d} (f32, int8)`);
  if (!a.onnxInt8) a.onnxInt8 = a.onnx.replace(/\.onnx$/, '') + '-int8.onnx';
  return a;
}

// `make bench-web` on a fresh build: the default model, ONNX export and texts, made as bench/run.sh
// makes them (same generator, seed and synopses) when missing; given paths are left alone.
function ensureDefaultInputs(a) {
  const d = a.defaults;
  const run = (cmd, argv, opts = {}) => {
    const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${(r.stderr || '').trim().split('\n').pop()}`);
    return r.stdout;
  };
  if (a.model === d.model && !fs.existsSync(path.join(a.model, 'model.safetensors'))) {
    console.error(`web bench: generating the MiniLM-shaped model in ${a.model}`);
    run('/usr/bin/python3', [path.join(SRC, 'tests/oracle/make_model.py'), a.model, '--preset', 'minilm', '--dtype', 'f32', '--seed', '42']);
  }
  if (a.onnx === d.onnx && !fs.existsSync(a.onnx + '.check.json')) {
    console.error(`web bench: exporting ${a.onnx}`);
    run('/usr/bin/python3', [path.join(SRC, 'bench/export_onnx.py'), a.model, a.onnx]);
  }
  if (a.texts === d.texts && !fs.existsSync(a.texts)) {
    // every 37th one-line package synopsis of the archive, 512 of them
    fs.mkdirSync(path.dirname(a.texts), { recursive: true });
    const lines = [...run('apt-cache', ['dumpavail']).matchAll(/^Description: (.*)$/gm)].map((m) => m[1]);
    fs.writeFileSync(a.texts, lines.filter((_, i) => (i + 1) % 37 === 0).slice(0, 512).join('\n') + '\n');
  }
}

// The quantized peer: bench/quantize_onnx.py's rewrite of --onnx, (re)made when missing or stale.
function ensureInt8Onnx(a) {
  const q = a.onnxInt8, script = path.join(SRC, 'bench/quantize_onnx.py');
  const stale = !fs.existsSync(q) || fs.statSync(q).mtimeMs < Math.max(fs.statSync(a.onnx).mtimeMs, fs.statSync(script).mtimeMs);
  if (!stale) return;
  if (path.dirname(path.resolve(q)) !== path.dirname(path.resolve(a.onnx))) {
    throw new Error(`${q}: missing or older than ${a.onnx}, and not beside it (make it with bench/quantize_onnx.py)`);
  }
  console.error(`web bench: quantizing ${a.onnx} -> ${q} (bench/quantize_onnx.py)`);
  const r = spawnSync('/usr/bin/python3', [script, a.onnx, q], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/quantize_onnx.py: ${(r.stderr || '').trim()}`);
}

// Cosine of row pairs of two equally long lists of vectors: {mean, min, n}.
function cosines(xs, ys) {
  const c = xs.map((x, i) => cosine(x, ys[i]));
  return { mean: +(c.reduce((s, v) => s + v, 0) / c.length).toFixed(6), min: +Math.min(...c).toFixed(6), n: c.length };
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
  ensureDefaultInputs(a);
  for (const f of [a.onnx, a.onnx + '.check.json', a.texts, path.join(a.model, 'vocab.txt')]) {
    if (!fs.existsSync(f)) throw new Error(`${f}: missing (run bench/run.sh first)`);
  }
  if (a.dtypes.includes('int8') && !a.skipOrt) ensureInt8Onnx(a);
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
    const vectors = {}; // 1-thread runs' embeddings of all texts, by engine/dtype
    for (const threads of counts) {
      for (const dtype of a.dtypes) {
        const keep = threads === 1;
        if (!a.skipOrt) {
          const page = await open(`ort-${dtype}-t${threads}`);
          console.error(`web bench: onnxruntime-web ${dtype}, ${threads} thread(s)`);
          const int8 = dtype === 'int8';
          const r = await page.evaluate((o) => window.bench.ort(o),
            { threads, texts, minSeconds: a.minSeconds, maxLength, dtype, vectors: keep,
              onnx: int8 ? '/data/' + path.basename(a.onnxInt8) : onnxUrl,
              check: onnxUrl + '.check.json', minCosine: int8 ? a.minCosine : null, verbose: int8 && threads === 1 });
          if (int8 && threads === 1) {
            // which fusions ORT Web applied to the quantized graph (its verbose log, on the console)
            const tag = `[ort-${dtype}-t${threads}]`;
            r.fusions = [...new Set(logs.lines.filter((l) => l.startsWith(tag))
              .map((l) => (l.match(/GraphTransformer (\w+) modified: 1/) || [])[1]).filter(Boolean))];
          }
          let diff = 0;
          r.ids.forEach((l, i) => { if (l.join(' ') !== refIds[i].join(' ')) diff++; });
          delete r.ids;
          r.tokenizer_mismatches = diff;
          if (diff) throw new Error(`wordpiece.js differs from HF tokenizers on ${diff} of ${texts.length} texts`);
          if (r.vectors) vectors[`ort-${dtype}`] = r.vectors;
          delete r.vectors;
          out.runs.push(r);
          await page.close();
        }
        if (!a.skipBrass && haveDist) {
          let page = await open(`brass-${dtype}-t${threads}`);
          console.error(`web bench: brass web ${dtype}, ${threads} thread(s)`);
          try {
            const r = await page.evaluate((o) => window.bench.brass(o), { threads, texts, minSeconds: a.minSeconds, dtype, vectors: keep });
            if (r.vectors) vectors[`brass-${dtype}`] = r.vectors;
            delete r.vectors;
            out.runs.push(r);
            if (threads === 1 && r.build !== 'brass-web.js') {
              // for reference: the plain SIMD128 build, which engines without relaxed SIMD run
              await page.close();
              page = await open(`brass-plain-${dtype}-t1`);
              console.error(`web bench: brass web (plain SIMD128 build) ${dtype}, 1 thread`);
              const p = await page.evaluate((o) => window.bench.brass(o), { threads, texts, minSeconds: a.minSeconds, build: 'plain', dtype });
              out.runs.push({ ...p, engine: 'brass-web-simd128' });
            }
          } catch (e) {
            out.runs.push({ engine: 'brass-web', dtype, threads, error: String(e.message).split('\n')[0] });
          }
          await page.close();
        }
      }
    }
    out.cosines = {};
    for (const [x, y] of [['ort-int8', 'ort-f32'], ['brass-int8', 'brass-f32'], ['brass-int8', 'ort-int8'], ['brass-f32', 'ort-f32']]) {
      if (vectors[x] && vectors[y]) out.cosines[`${x} vs ${y}`] = cosines(vectors[x], vectors[y]);
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

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const perCpu = (r) => (r && r.cpu_seconds ? r.tokens * r.passes / r.cpu_seconds : null);

// The README's table: tokens/s per engine and dtype at 1 and N threads (tokens per browser
// CPU-second in brackets: the figure to compare on a shared machine), ratios to the ORT row of
// the same dtype, then brass int8 / ORT int8, int8 / f32 per engine, and thread speedups.
function markdownTable(out, get) {
  const n = out.env.cores, counts = [...new Set([1, n])];
  const ortVersion = (out.runs.find((r) => r.engine === 'onnxruntime-web' && r.version) || {}).version || '';
  const L = [`| engine | dtype | ${counts.map((t) => `${t} thread${t > 1 ? 's' : ''} tokens/s (per CPU-s)`).join(' | ')} | 1 -> ${n} speedup |`,
    `| --- | --- | ${counts.map(() => '---:').join(' | ')} | ---: |`];
  const cell = (r, peer) => {
    if (!r) return '';
    let c = `${fmt(r.tokens_per_s)}${perCpu(r) ? ` (${fmt(perCpu(r))})` : ''}`;
    if (peer && peer !== r) c += `; ${(r.tokens_per_s / peer.tokens_per_s).toFixed(2)}x ORT`;
    return c;
  };
  const speed = (e, d) => {
    const one = get(e, 1, d), many = get(e, n, d);
    if (!one || !many || n === 1) return '';
    const busy = many.cpu_seconds ? ` (${(many.cpu_seconds / many.seconds).toFixed(2)} cores busy)` : '';
    return `${(many.tokens_per_s / one.tokens_per_s).toFixed(2)}x${busy}`;
  };
  const rows = [];
  for (const d of ['f32', 'int8']) {
    for (const e of ['onnxruntime-web', 'brass-web', 'brass-web-simd128']) {
      if (!counts.some((t) => get(e, t, d))) continue;
      const name = e === 'onnxruntime-web' ? `onnxruntime-web ${ortVersion}` :
        e === 'brass-web' ? `brass-web (${(get(e, 1, d) || get(e, n, d)).build})` : 'brass-web, SIMD128 build (brass-web.js)';
      rows.push(`| ${name} | ${d} | ${counts.map((t) => cell(get(e, t, d), get('onnxruntime-web', t, d))).join(' | ')} | ${speed(e, d)} |`);
    }
  }
  const ratio = (label, x, y, bold = false) => {
    const cells = counts.map((t) => {
      const p = get(x[0], t, x[1]), q = get(y[0], t, y[1]);
      if (!p || !q) return '';
      const v = `${(p.tokens_per_s / q.tokens_per_s).toFixed(2)}x`;
      const c = perCpu(p) && perCpu(q) ? ` (${(perCpu(p) / perCpu(q)).toFixed(2)}x)` : '';
      return (bold ? `**${v}**` : v) + c;
    });
    if (cells.some((c) => c)) rows.push(`| ${bold ? `**${label}**` : label} | | ${cells.join(' | ')} | |`);
  };
  ratio('brass int8 / ORT int8', ['brass-web', 'int8'], ['onnxruntime-web', 'int8'], true);
  ratio('brass int8 / brass f32', ['brass-web', 'int8'], ['brass-web', 'f32']);
  ratio('ORT int8 / ORT f32', ['onnxruntime-web', 'int8'], ['onnxruntime-web', 'f32']);
  ratio('brass f32 / ORT f32', ['brass-web', 'f32'], ['onnxruntime-web', 'f32']);
  return [...L, ...rows, '', 'tokens/s of wall clock (tokens per browser CPU-second); ratios: wall clock (per CPU-second); ' +
    `goals: brass int8 >= 1.5x ORT int8 at 1 and ${n} threads, 1 -> ${n} speedup >= ${(0.85 * n).toFixed(2)}x`];
}

function report(out) {
  const get = (engine, t, dtype = 'f32') => out.runs.find((r) => r.engine === engine && r.threads === t && !r.error &&
    (r.dtype || 'f32') === dtype);
  const n = out.env.cores;
  const lines = [`browser (headless Chromium, ${out.texts} synopses, batch 32, cross-origin isolated, ${n} cores; ` +
    `load average ${out.loadavg_start} -> ${out.loadavg_end}):`];
  for (const r of out.runs) {
    lines.push(r.error ? `  ${r.engine} ${r.dtype || ''} t${r.threads}: ERROR ${r.error}` :
      `  ${r.engine}${r.build ? ` (${r.build})` : ''} ${r.dtype || 'f32'} t${r.threads}: ${r.tokens_per_s} tokens/s (${r.passes} passes, ${r.seconds} s` +
      (r.cpu_seconds ? `, ${(r.tokens * r.passes / r.cpu_seconds).toFixed(1)} tokens per browser CPU-second, ` +
        `${(r.cpu_seconds / r.seconds).toFixed(2)} cores busy)` : ')') +
      (r.check_cosine_min !== undefined ? `; checked against the float64 reference first: cosine mean ${r.check_cosine_mean}, min ${r.check_cosine_min}` : '') +
      (r.fusions ? `; graph transformers that changed it: ${r.fusions.join(', ')}` : ''));
  }
  for (const d of ['f32', 'int8']) {
    for (const t of [...new Set([1, n])]) {
      const b = get('brass-web', t, d), o = get('onnxruntime-web', t, d);
      if (b && o) {
        lines.push(`  brass/ORT-web ${d} at ${t} thread(s): ${(b.tokens_per_s / o.tokens_per_s).toFixed(2)}x tokens/s` +
          (perCpu(b) && perCpu(o) ? `, ${(perCpu(b) / perCpu(o)).toFixed(2)}x tokens per CPU-second` : '') +
          (d === 'int8' ? ' (goal >= 1.5x)' : ''));
      }
    }
    for (const e of ['brass-web', 'onnxruntime-web']) {
      const one = get(e, 1, d), many = get(e, n, d);
      if (one && many && n > 1) {
        const sp = many.tokens_per_s / one.tokens_per_s;
        const busy = many.cpu_seconds ? ` with ${(many.cpu_seconds / many.seconds).toFixed(2)} of ${n} cores busy` : '';
        lines.push(`  ${e} ${d} 1->${n} speedup: ${sp.toFixed(2)}x${busy} (goal >= ${(0.85 * n).toFixed(2)}x; ` +
          'meaningful only when the browser gets all cores)');
      }
    }
  }
  for (const [k, c] of Object.entries(out.cosines || {})) {
    lines.push(`  cosine ${k} (1 thread, ${c.n} texts): mean ${c.mean}, min ${c.min}`);
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
    if (r.memory && r.memory.bytes) lines.push(`  ${r.engine} ${r.dtype || 'f32'} t${r.threads}: page + workers memory ${(r.memory.bytes / 1048576).toFixed(1)} MiB` +
      (r.heap_bytes ? `, wasm heap ${(r.heap_bytes / 1048576).toFixed(1)} MiB` : ''));
  }
  const b1 = get('brass-web', 1, 'f32'), o1 = get('onnxruntime-web', 1, 'f32');
  if (b1 && o1 && typeof b1.checksum === 'number' && typeof o1.checksum === 'number') {
    // both sums run over the same 512 x dim components: they agree when both embed the same
    // tokens with the same model
    out.checksum_diff = Math.abs(b1.checksum - o1.checksum);
    lines.push(`  same work: ${b1.tokens} vs ${o1.tokens} tokens; sums of all embedding components ` +
      `${b1.checksum.toFixed(4)} vs ${o1.checksum.toFixed(4)} (diff ${out.checksum_diff.toExponential(1)}` +
      `${out.checksum_diff > 1e-2 || b1.tokens !== o1.tokens ? ': MISMATCH, the engines did different work' : ''})`);
  }
  if (out.runs.some((r) => !r.error)) lines.push('', ...markdownTable(out, get));
  out.summary = lines;
  console.log(lines.join('\n'));
}

main().catch((e) => {
  console.error(`web bench: ${e.message}`);
  process.exit(1);
});
