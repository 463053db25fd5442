#!/usr/bin/env node
// test_app.mjs - end-to-end test of the browser app (issue 4) in headless Chromium via playwright-core,
// run by tests/web/run_web_tests.sh (make test-web). Generates a tiny model and a fixture folder, then:
//  A. `brass serve --model M`: cross-origin isolated, the engine runs on navigator.hardwareConcurrency
//     threads (the engine worker + N-1 pthread workers, counted by the engine);
//     the fixture folder is indexed through the folder input; searches find the expected documents;
//     the filter fields narrow them (type, path glob, age);
//     hostile text (<script>, <img onerror>, HTML entities) shows as text and never runs (a dialog
//     or the onerror flag fails the test); a screenshot of the results is kept; browser top-10
//     equals `brass index` + `brass search` top-10 for the same files and model (keyword, hybrid);
//     a reload keeps the library (OPFS); a second tab on the same library is told so; removing a
//     source takes its results away.
//  B. the same app without COOP/COEP (tests/web/static_server.mjs, service worker blocked): one
//     thread with a visible notice, and search still works.
//  C. no model on the server: the model folder picked through #model-input is kept in OPFS and
//     loaded again after a reload without picking; "Forget model" deletes it.
//  D. OPFS quota: the real engine worker with sync access handle writes refused past a budget
//     (quota-worker.js): the error text, the library still searches, earlier sources intact,
//     the worker survives, a fresh worker reopens the library.
//  E. `brass serve --model M --rerank CE` (a tiny generated cross-encoder): with the Rerank setting
//     on, a hybrid search comes back reranked (the answer's `reranked`, "reranked N in X ms"), its
//     order is the hybrid top 20 sorted by the scores native `brass rerank --json` gives the same
//     (query, chunk text) pairs, the scores match; the worker's `rerank` op scores pairs as the CLI
//     does; with the switch off the order is the hybrid one again. (Flow A: without --rerank the
//     switch gives "not reranked: ..." and the results still show.)
//  F. `brass serve --model S` with a static (model2vec) model and a corpus of more than 256 chunks
//     (the web build commits a static model's chunks 256 per transaction, a transformer's 32): the
//     library holds as many chunks as native `brass index` of the same files makes, and keyword
//     top-10 equals native, hybrid holds the same results.
// Artifacts (screenshots, console log, native-vs-web.json) go to $BRASS_BUILD/web-artifacts.
// Env: BRASS (native CLI with `serve`), BRASS_BUILD, BRASS_WEB_DIST (default web/dist),
// BRASS_WEB_FLOWS (e.g. "AE": run only those flows, while working on them; default all).
// Exit 0 when all checks pass.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { SRC, artifactsDir, launchBrowser, capture, startBrassServe, brassHasServe, makeModel }
  from './lib.mjs';
import { startStaticServer } from './static_server.mjs';
import { makeFixture, listFiles } from './fixture.mjs';

const BRASS = process.env.BRASS || path.join(SRC, 'build/brass');
const DIST = process.env.BRASS_WEB_DIST || path.join(SRC, 'web/dist');
const ART = artifactsDir();
const T0 = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brass-web-'));
const logs = { lines: [], errors: [] };
let fails = 0;

function ok(what) {
  console.log(`ok: ${what}`);
}
function fail(what) {
  console.error(`FAIL: ${what}`);
  fails++;
}
function check(cond, what, detail = '') {
  if (cond) ok(what);
  else fail(detail ? `${what}: ${detail}` : what);
  return !!cond;
}
const elapsed = () => ((Date.now() - T0) / 1000).toFixed(1) + ' s';

// ---------------------------------------------------------------------------------------------
// Page helpers over the UI's stable ids (docs/web-ui.md).

const READY_MS = 90000;

// Waits for the engine to be ready; fails at once when the app says it could not start.
async function waitReady(page) {
  await page.waitForFunction(() => !document.getElementById('status-ready').hidden ||
    document.body.dataset.state === 'error', null, { timeout: READY_MS });
  if (await page.evaluate(() => document.body.dataset.state === 'error')) {
    const why = await page.evaluate(() => `${document.getElementById('notice').innerText} ${document.getElementById('status').innerText}`);
    throw new Error(`the app could not start: ${why.replace(/\s+/g, ' ').trim()}`);
  }
}

async function waitSources(page, n, timeout = 120000) {
  await page.waitForFunction((want) =>
    document.querySelectorAll('#sources [data-testid="source-row"]').length === want &&
    document.body.dataset.state !== 'indexing', n, { timeout });
}

// Runs a search through the UI and returns the rendered hits [{rank, source, line_start, line_end,
// text}] in rank order, once the app has answered this query (search-status is replaced).
// The box is emptied before the mode changes (a mode change re-runs the current query) and the
// debounce has passed before the status is marked, so the answer seen is this query's.
async function search(page, query, mode = 'hybrid') {
  await page.fill('#search-input', '');
  if (!(await page.isChecked(`#mode-${mode}`))) await page.click(`label[for="mode-${mode}"]`);
  if (!(await page.isChecked(`#mode-${mode}`))) throw new Error(`mode ${mode} cannot be selected`);
  await page.waitForFunction(() => !document.getElementById('results').hasAttribute('aria-busy'), null,
    { timeout: 30000 });
  await page.waitForTimeout(250);
  await page.evaluate(() => { document.getElementById('search-status').textContent = '…test-pending…'; });
  await page.fill('#search-input', query);
  await page.press('#search-input', 'Enter');
  await page.waitForFunction((q) => {
    const s = document.getElementById('search-status').textContent;
    return s && s !== '…test-pending…' && !document.getElementById('results').hasAttribute('aria-busy') &&
      document.getElementById('search-input').value === q;
  }, query, { timeout: 30000 });
  const status = await page.textContent('#search-status');
  const hits = await page.$$eval('#results [data-testid="result"]', (bs) => bs.map((b) => ({
    rank: +b.dataset.rank, source: b.dataset.source, line_start: +b.dataset.lineStart,
    line_end: +b.dataset.lineEnd, text: b.textContent,
  })));
  hits.sort((a, b) => a.rank - b.rank);
  return { status, hits };
}

// Turns the Rerank setting on or off through the settings form (and the results per query to k).
async function setRerank(page, on, k = null) {
  if (!(await page.isVisible('#setting-rerank'))) await page.click('#settings summary');
  if (k !== null) await page.fill('#setting-k', String(k));
  await page.setChecked('#setting-rerank', on);
  await page.click('#settings-save');
  await page.waitForFunction(() => /^Saved/.test(document.getElementById('settings-status').textContent), null,
    { timeout: 10000 });
}

function attach(page, tag, dialogs) {
  capture(page, tag, logs);
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    if (d.type() === 'confirm') await d.accept();
    else await d.dismiss();
  });
}

async function shot(page, name) {
  const file = path.join(ART, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

function engineFacts(page) {
  return page.evaluate(() => {
    const mt = document.getElementById('metrics-threads');
    const m = /(\d+) worker thread/.exec(mt.title || '');
    return { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency,
      threads: parseInt(mt.textContent, 10), threaded: mt.dataset.threaded, workers: m ? +m[1] : null,
      xss: window.__brassXss ?? null };
  });
}

// ---------------------------------------------------------------------------------------------
// Native side: the same files through the CLI.

function native(args) {
  const r = spawnSync(BRASS, args, { encoding: 'utf8', env: { ...process.env, BRASS_THREADS: '2' } });
  if (r.status !== 0) throw new Error(`brass ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

// "/tmp/x/corpus/gen/doc01.txt" and "corpus/gen/doc01.txt" both become "gen/doc01.txt".
const rel = (src) => {
  const i = src.lastIndexOf('corpus/');
  return i >= 0 ? src.slice(i + 'corpus/'.length) : src;
};

// ---------------------------------------------------------------------------------------------

async function flowIsolated(browser, model, corpus, files) {
  console.log(`-- A: brass serve, cross-origin isolated (${elapsed()})`);
  const srv = await startBrassServe(BRASS, ['--root', DIST, '--model', model]);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // 10 results per query, like `brass search` (-n 10)
  await context.addInitScript(() => {
    localStorage.setItem('brass.settings', JSON.stringify({ k: 10, mode: 'hybrid' }));
  });
  const dialogs = [];
  try {
    const page = await context.newPage();
    attach(page, 'A', dialogs);
    const manifest = await (await fetch(srv.url + 'model/manifest.json')).json();
    check(manifest.files && manifest.files.some((f) => f.path === 'model.safetensors'),
      'brass serve lists the model in /model/manifest.json');
    // model file downloads (200 answers; a 304 to a revalidation is no download), seen from the
    // page (the engine worker's fetches included)
    const modelFetches = [];
    page.on('response', (res) => {
      const u = new URL(res.url());
      if (u.pathname.startsWith('/model/') && u.pathname !== '/model/manifest.json' && res.status() === 200) {
        modelFetches.push(u.pathname);
      }
    });
    const t0 = Date.now();
    await page.goto(srv.url);
    await waitReady(page);
    const firstFetches = [...modelFetches];
    ok(`app ready in ${Date.now() - t0} ms (first open, model fetched)`);
    const f = await engineFacts(page);
    check(f.isolated === true, 'crossOriginIsolated is true under brass serve', JSON.stringify(f));
    const isoNotice = await page.$('[data-testid="notice-isolation"]');
    check(!isoNotice || !(await isoNotice.isVisible()), 'no one-thread notice when isolated');
    if (f.cores > 1) {
      check(f.threaded === '1' && f.threads > 1, `engine runs ${f.threads} threads`, JSON.stringify(f));
      // the engine worker computes too: N threads = the engine worker + N-1 pthread workers
      check(f.workers >= f.threads - 1 && f.workers >= 1,
        `${f.workers} pthread worker(s) running beside the engine worker (${f.threads} threads)`, JSON.stringify(f));
    } else {
      console.log(`note: navigator.hardwareConcurrency is ${f.cores}: thread count not checked`);
    }

    // index the fixture folder through the folder picker
    const t1 = Date.now();
    await page.setInputFiles('#folder-input', corpus);
    await waitSources(page, files.length);
    ok(`indexed ${files.length} files through #folder-input in ${Date.now() - t1} ms`);
    const srcs = await page.$$eval('#sources [data-testid="source-row"]', (rs) => rs.map((r) => r.dataset.source));
    check(srcs.every((s) => s.startsWith('corpus/')) && srcs.map(rel).sort().join() === files.join(),
      'sources are stored under their relative paths', srcs.join(', '));

    // known items
    let r = await search(page, 'zapfhilde', 'keyword');
    check(r.hits[0] && r.hits[0].source === 'corpus/notes/garden.md', 'keyword "zapfhilde" -> notes/garden.md',
      JSON.stringify(r.hits.slice(0, 2)));
    r = await search(page, 'quorbleton stew', 'hybrid');
    check(r.hits[0] && r.hits[0].source === 'corpus/notes/kitchen.txt', 'hybrid "quorbleton stew" -> notes/kitchen.txt',
      JSON.stringify(r.hits.slice(0, 2)));

    // filters (docs/mcp.md): file types, a relative glob, an age; applied before the top-10 cut
    await page.click('#filters summary');
    await page.fill('#filter-type', 'txt');
    r = await search(page, 'zapfhilde quorbleton', 'keyword');
    check(r.hits.length && r.hits.every((h) => h.source.endsWith('.txt')) &&
      r.hits.some((h) => h.source === 'corpus/notes/kitchen.txt'), 'filter type "txt": only .txt files',
      JSON.stringify(r.hits.map((h) => h.source)));
    await page.fill('#filter-type', '');
    await page.fill('#filter-path', 'notes/garden*');
    r = await search(page, 'zapfhilde quorbleton', 'hybrid');
    check(r.hits.map((h) => h.source).join() === 'corpus/notes/garden.md', 'filter path "notes/garden*" (hybrid)',
      JSON.stringify(r.hits.map((h) => h.source)));
    await page.fill('#filter-path', '');
    await page.fill('#filter-since', '1h');
    r = await search(page, 'zapfhilde', 'keyword');
    check(r.hits[0] && r.hits[0].source === 'corpus/notes/garden.md', 'filter since "1h" keeps fresh files',
      JSON.stringify(r.hits.slice(0, 1)));
    await page.fill('#filter-since', '');

    // hostile markup: shown as text, never executed
    r = await search(page, 'marmelquist', 'keyword');
    const xss = r.hits.find((h) => h.source === 'corpus/notes/xss.md');
    check(xss, 'keyword "marmelquist" -> notes/xss.md', JSON.stringify(r.hits));
    check(xss && xss.text.includes('<script>alert(1)</script>'), 'the <script> in xss.md is shown as text',
      xss && xss.text);
    check(xss && xss.text.includes('onerror='), 'the <img onerror> in xss.md is shown as text', xss && xss.text);
    check(xss && xss.text.includes('&amp;') && xss.text.includes('&lt;b&gt;'),
      'entities typed in a markdown file stay literal', xss && xss.text);
    await page.waitForTimeout(300); // give a broken image's onerror the chance to run
    await shot(page, 'results-xss.png');
    r = await search(page, 'flonderwhip', 'keyword');
    const pg = r.hits.find((h) => h.source === 'corpus/web/page.html');
    check(pg, 'keyword "flonderwhip" -> web/page.html', JSON.stringify(r.hits));
    check(pg && pg.text.includes('Café & crème') && pg.text.includes('<script>alert(3)</script>'),
      'HTML entities are decoded once and the decoded markup is shown as text', pg && pg.text);
    // the preview of a hostile source
    r = await search(page, 'marmelquist', 'keyword');
    await page.click('#results [data-testid="result"][data-source="corpus/notes/xss.md"]');
    try {
      await page.waitForSelector('[data-testid="preview-line"]', { timeout: 10000 });
      const pv = await page.$$eval('[data-testid="preview-line"]', (ls) => ls.map((l) => l.textContent).join('\n'));
      check(pv.includes('<script>alert(1)</script>'), 'the preview shows the <script> line as text', pv);
      await shot(page, 'preview-xss.png');
      await page.keyboard.press('Escape');
    } catch (e) {
      fail(`preview of notes/xss.md: ${e.message.split('\n')[0]}`);
    }
    const dom = await page.evaluate(() => ({
      scripts: document.querySelectorAll('#results script, #preview script, #sources script').length,
      imgs: document.querySelectorAll('#results img, #preview img, #sources img').length,
      xss: window.__brassXss ?? null,
    }));
    check(dom.scripts === 0 && dom.imgs === 0, 'no <script>/<img> element was created from indexed text',
      JSON.stringify(dom));
    check(dom.xss === null, 'no injected handler ran (window.__brassXss unset)');
    check(!dialogs.some((d) => d.startsWith('alert')), 'no alert() ran', dialogs.join('; '));

    // browser top-10 == native top-10 (same files, same model, same relative layout)
    await compareWithNative(page, model, corpus);

    // the results view
    r = await search(page, 'river stone lantern', 'hybrid');
    check(r.hits.length === 10, `hybrid "river stone lantern" shows 10 results (${r.hits.length})`);
    const resultsShot = await shot(page, 'results.png');
    ok(`screenshot ${resultsShot}`);

    // reload: the library persists (OPFS) and the model comes from the browser's cache
    check(firstFetches.length > 0, `the first open downloaded the model files (${firstFetches.length} requests seen)`);
    modelFetches.length = 0;
    await page.reload();
    await waitReady(page);
    await waitSources(page, files.length, 30000).catch(() => {});
    const n = await page.$$eval('#sources [data-testid="source-row"]', (rs) => rs.length);
    check(n === files.length, `after reload the library still has ${files.length} sources (${n})`);
    check(modelFetches.length === 0, 'after reload no model file is downloaded again (cached)', modelFetches.join(', '));
    r = await search(page, 'zapfhilde', 'hybrid');
    check(r.hits[0] && r.hits[0].source === 'corpus/notes/garden.md', 'after reload "zapfhilde" still -> notes/garden.md',
      JSON.stringify(r.hits.slice(0, 2)));

    // a second tab on the same library is told, not left silent
    const tab2 = await context.newPage();
    attach(tab2, 'A-tab2', dialogs);
    await tab2.goto(srv.url);
    try {
      await tab2.waitForFunction(() => /another tab/i.test(document.body.innerText), null, { timeout: 30000 });
      const tabNotice = await tab2.$('[data-testid="notice-tab"]');
      check(tabNotice && await tabNotice.isVisible(), 'a second tab shows the "open in another tab" notice');
    } catch (e) {
      fail(`second tab: no "open in another tab" message within 30 s (${(await tab2.textContent('#status')) || ''})`);
    }
    await shot(tab2, 'second-tab.png');
    await tab2.close();
    r = await search(page, 'zapfhilde', 'keyword');
    check(r.hits.length > 0, 'the first tab still searches after the second tab tried the library');

    // remove a source: its results are gone, the others stay
    await page.click('#sources [data-testid="source-row"][data-source="corpus/notes/garden.md"] button.remove');
    await waitSources(page, files.length - 1, 30000);
    r = await search(page, 'zapfhilde', 'keyword');
    check(!r.hits.some((h) => h.source === 'corpus/notes/garden.md'), 'after remove, "zapfhilde" finds nothing in notes/garden.md',
      JSON.stringify(r.hits));
    r = await search(page, 'zapfhilde', 'hybrid');
    check(!r.hits.some((h) => h.source === 'corpus/notes/garden.md'), 'after remove, hybrid results exclude notes/garden.md');
    r = await search(page, 'quorbleton', 'keyword');
    check(r.hits[0] && r.hits[0].source === 'corpus/notes/kitchen.txt', 'other sources still answer after a remove');
    check(!dialogs.some((d) => d.startsWith('alert')), 'no alert() ran in flow A', dialogs.join('; '));

    // the Rerank switch on a server without --rerank: said, and the hybrid results still show
    await setRerank(page, true);
    r = await search(page, 'river stone lantern', 'hybrid');
    check(/not reranked: .*rerank/i.test(r.status) && r.hits.length === 10,
      'Rerank on without `serve --rerank`: "not reranked: ..." and the 10 results still show', r.status);
  } catch (e) {
    fail(`flow A stopped: ${e.message.split('\n')[0]}`);
    for (const p of context.pages()) await shot(p, `failure-A-${context.pages().indexOf(p)}.png`).catch(() => {});
  } finally {
    await context.close();
    await srv.close();
  }
}

async function compareWithNative(page, model, corpus, lib = path.join(tmp, 'native.db')) {
  native(['index', '--quiet', '--library', lib, '--model', model, corpus]);
  const queries = [['river', 'keyword'], ['stone lantern', 'keyword'], ['harbor window orchard', 'keyword'],
    ['river', 'hybrid'], ['stone lantern', 'hybrid'], ['copper garden thread', 'hybrid'], ['zapfhilde hedge', 'hybrid']];
  let same = 0, empty = 0;
  const diffs = [];
  for (const [q, mode] of queries) {
    const nat = JSON.parse(native(['search', '--json', '-n', '10', '--mode', mode, '--library', lib, q])).results
      .map((h) => `${rel(h.source)}:${h.line_start}-${h.line_end}`);
    const web = (await search(page, q, mode)).hits.slice(0, 10).map((h) => `${rel(h.source)}:${h.line_start}-${h.line_end}`);
    if (nat.length < 3) empty++;
    if (nat.join() === web.join()) same++;
    else {
      const setSame = [...nat].sort().join() === [...web].sort().join();
      diffs.push({ q, mode, setSame, native: nat, web });
    }
  }
  fs.writeFileSync(path.join(ART, 'native-vs-web.json'), JSON.stringify({ same, diffs }, null, 1));
  check(empty === 0, 'every comparison query has at least 3 native results (the comparison means something)');
  // keyword (BM25) must match exactly; hybrid may swap near-tied vector neighbours (float sums in a
  // different order in SIMD128 vs AVX kernels), but must return the same documents.
  const kwDiff = diffs.filter((d) => d.mode === 'keyword');
  check(kwDiff.length === 0, 'browser keyword top-10 equals native `brass search` top-10 (3 queries)',
    JSON.stringify(kwDiff));
  const hyDiff = diffs.filter((d) => d.mode === 'hybrid');
  check(hyDiff.every((d) => d.setSame), 'browser hybrid top-10 holds the same results as native (4 queries)',
    JSON.stringify(hyDiff));
  if (hyDiff.length) console.log(`note: ${hyDiff.length} hybrid list(s) differ from native (see native-vs-web.json)`);
  else ok('browser hybrid top-10 equals native in order too');
}

async function flowNotIsolated(browser, model, corpus) {
  console.log(`-- B: no cross-origin isolation, service worker blocked (${elapsed()})`);
  const srv = await startStaticServer({ root: DIST, model, isolated: false });
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const dialogs = [];
  try {
    const page = await context.newPage();
    attach(page, 'B', dialogs);
    await page.goto(srv.url);
    await waitReady(page);
    const f = await engineFacts(page);
    check(f.isolated === false, 'crossOriginIsolated is false without the headers');
    check(f.threads === 1, `the engine runs on one thread (${f.threads})`, JSON.stringify(f));
    const box = await page.$('[data-testid="notice-isolation"]');
    const text = box ? await box.textContent() : '';
    check(box && await box.isVisible() && /one thread/i.test(text), 'a visible notice says it runs on one thread', text);
    await page.setInputFiles('#file-input', [path.join(corpus, 'notes/garden.md'), path.join(corpus, 'notes/kitchen.txt')]);
    await waitSources(page, 2);
    let r = await search(page, 'zapfhilde hedge', 'hybrid');
    check(r.hits[0] && r.hits[0].source === 'garden.md', 'single-threaded search finds garden.md', JSON.stringify(r.hits));
    await shot(page, 'not-isolated.png');
    // a PDF printed by Chromium (3 pages) and a damaged one: pdf.js in the worker extracts the
    // pages, the engine names the page of each hit; the damaged file is skipped
    const pdfPage = await context.newPage();
    await pdfPage.setContent('<style>section { break-after: page; }</style>' +
      '<section><p>The quartzite ridge rises above the valley.</p></section>' +
      '<section><p>Meltwater feeds the turquoise lake.</p></section>' +
      '<section><p>Sediment forms the braided delta near the estuary.</p></section>');
    const pdf = path.join(tmp, 'guide.pdf');
    await pdfPage.pdf({ path: pdf, format: 'A4' });
    await pdfPage.close();
    const bad = path.join(tmp, 'damaged.pdf');
    fs.writeFileSync(bad, '%PDF-1.7\n' + 'x'.repeat(5000));
    const t1 = Date.now();
    await page.setInputFiles('#file-input', [pdf, bad]);
    await waitSources(page, 3);
    ok(`indexed a PDF with pdf.js in ${Date.now() - t1} ms`);
    const said = await page.textContent('#progress-text');
    check(/1 added, 1 skipped/.test(said), 'the damaged PDF is skipped, the printed one added', said);
    for (const [word, want] of [['quartzite', 'page 1'], ['estuary', 'page 3']]) {
      r = await search(page, word, 'keyword');
      check(r.hits[0] && r.hits[0].source === 'guide.pdf' && r.hits[0].text.includes(want),
        `keyword "${word}" -> guide.pdf, ${want}`, JSON.stringify(r.hits.slice(0, 1)));
    }
    await shot(page, 'pdf-results.png');
  } catch (e) {
    fail(`flow B stopped: ${e.message.split('\n')[0]}`);
    for (const p of context.pages()) await shot(p, 'failure-B.png').catch(() => {});
  } finally {
    await context.close();
    await srv.close();
  }
}

// C. No model on the server: the model folder is picked through the UI, kept in OPFS, and used
// again after a reload without picking; "Forget model" deletes it.
async function flowPickedModel(browser, model, corpus) {
  console.log(`-- C: model picked as a folder, kept in browser storage (${elapsed()})`);
  const srv = await startStaticServer({ root: DIST, model: null, isolated: true });
  const context = await browser.newContext();
  const dialogs = [];
  const name = path.basename(model);
  const modelShown = (page) => page.textContent('#metrics-model');
  try {
    const page = await context.newPage();
    attach(page, 'C', dialogs);
    await page.goto(srv.url);
    await waitReady(page);
    check(/none/i.test(await modelShown(page)), 'without /model the app starts with no model', await modelShown(page));
    check(await page.isVisible('label[for="model-input"]'), 'the "Choose model folder" button is shown');
    await page.setInputFiles('#model-input', model);
    await page.waitForFunction((n) => document.getElementById('metrics-model').textContent.includes(n) &&
      !document.getElementById('status-ready').hidden, name, { timeout: READY_MS });
    ok(`the picked folder ${name} is the model`);
    check(await page.isVisible('#model-forget'), 'a "Forget model" button is shown for a kept model');
    await page.setInputFiles('#file-input', [path.join(corpus, 'notes/garden.md'), path.join(corpus, 'notes/kitchen.txt')]);
    await waitSources(page, 2);
    await page.reload();
    await waitReady(page);
    const st = await page.textContent('#model-status');
    check(!/none/i.test(await modelShown(page)) && /kept in this browser/i.test(st),
      'after reload the kept model is loaded without picking it again', `${await modelShown(page)} / ${st}`);
    check(!(await page.isDisabled('#mode-hybrid')), 'hybrid search is available after the reload');
    check(await page.isVisible('#model-forget'), '"Forget model" is shown after the reload');
    let r = await search(page, 'zapfhilde hedge', 'hybrid');
    check(r.hits[0] && r.hits[0].source === 'garden.md', 'hybrid search with the kept model finds garden.md',
      JSON.stringify(r.hits.slice(0, 2)));
    const kept = await page.evaluate(async () => {
      const d = await (await navigator.storage.getDirectory()).getDirectoryHandle('models');
      return JSON.parse(await (await (await d.getFileHandle('manifest.json')).getFile()).text());
    });
    check(kept.name === name && kept.files.some((f) => f.path === 'model.safetensors' &&
      f.size === fs.statSync(path.join(model, 'model.safetensors')).size), 'OPFS models/manifest.json lists the model files with their sizes',
      JSON.stringify(kept));
    await page.click('#model-forget');
    await page.waitForFunction(() => /none/i.test(document.getElementById('metrics-model').textContent) &&
      !document.getElementById('status-ready').hidden, null, { timeout: READY_MS });
    check(await page.isHidden('#model-forget'), '"Forget model" restarts the engine without the model');
    await page.reload();
    await waitReady(page);
    check(/none/i.test(await modelShown(page)), 'after forgetting and a reload there is no model', await modelShown(page));
    const left = await page.evaluate(async () => {
      try {
        await (await navigator.storage.getDirectory()).getDirectoryHandle('models');
        return true;
      } catch {
        return false;
      }
    });
    check(!left, 'the kept model is deleted from OPFS');
    r = await search(page, 'zapfhilde', 'keyword');
    check(r.hits[0] && r.hits[0].source === 'garden.md', 'keyword search still works after forgetting the model');
  } catch (e) {
    fail(`flow C stopped: ${e.message.split('\n')[0]}`);
    for (const p of context.pages()) await shot(p, 'failure-C.png').catch(() => {});
  } finally {
    await context.close();
    await srv.close();
  }
}

// D. OPFS quota and persistence edge cases, on the real engine worker and brass-web build, with
// FileSystemSyncAccessHandle writes refused past a byte budget (tests/web/quota-worker.js).
async function flowQuota(browser, model, corpus) {
  console.log(`-- D: storage quota exceeded while writing the library (${elapsed()})`);
  const srv = await startStaticServer({ root: DIST, model, isolated: true, files: {
    '/quota-worker.js': path.join(SRC, 'tests/web/quota-worker.js'),
    '/blank.html': path.join(SRC, 'tests/web/blank.html') } });
  const context = await browser.newContext();
  const read = (rel) => fs.readFileSync(path.join(corpus, rel), 'utf8');
  // batch A: two known documents; batch B: enough generated text to need many page writes
  const A = [['a/garden.md', read('notes/garden.md')], ['a/kitchen.txt', read('notes/kitchen.txt')]];
  const B = [];
  for (let d = 0; d < 12; d++) {
    const lines = [];
    for (let l = 0; l < 120; l++) lines.push(`paragraph ${l} of volume ${d}: the glimmerquad ${d * 1000 + l} ` +
      'counts lanterns, rivers and copper threads beside the old harbor window.');
    B.push([`b/vol${d}.txt`, lines.join('\n') + '\n']);
  }
  try {
    const page = await context.newPage();
    capture(page, 'D', logs);
    await page.goto(srv.url + 'blank.html');
    const r = await page.evaluate(async ({ A, B }) => {
      const log = [];
      const start = () => {
        const w = new Worker('/quota-worker.js');
        let next = 1;
        const waiting = new Map();
        const crashes = [];
        w.onmessage = (e) => {
          const m = e.data;
          if (m && m.id !== undefined && waiting.has(m.id)) {
            waiting.get(m.id)(m);
            waiting.delete(m.id);
          }
        };
        w.onerror = (e) => crashes.push(e.message || 'worker error');
        const call = (op, args = {}) => new Promise((resolve) => {
          const id = next++;
          waiting.set(id, resolve);
          w.postMessage({ id, op, ...args });
          setTimeout(() => waiting.has(id) && resolve({ ok: false, error: `no answer to ${op} in 60 s` }), 60000);
        });
        return { w, call, crashes };
      };
      const files = (list) => list.map(([p, t]) => ({ path: p, file: new File([t], p.split('/').pop()) }));
      const top = async (e, q, mode = 'keyword') => {
        const a = await e.call('search', { query: q, mode, k: 5 });
        return a.ok ? a.result.results.map((h) => h.source) : [`error: ${a.error}`];
      };
      let e = start();
      const init = await e.call('init', { threads: 2, model: { kind: 'server', base: '/model/' } });
      log.push({ init: init.ok ? { persistent: init.result.persistent, model: !!init.result.model } : init.error });
      const a = await e.call('index', { files: files(A) });
      const armed = await e.call('__quota', { bytes: 24 * 1024 });
      const b = await e.call('index', { files: files(B) });
      const refused = (await e.call('__quota', { bytes: -1 })).result.refused;
      const after = {
        garden: await top(e, 'zapfhilde'), kitchen: await top(e, 'quorbleton stew', 'hybrid'),
        sources: (await e.call('sources')).result, info: (await e.call('info')).ok,
      };
      const b2 = await e.call('index', { files: files(B) });
      const afterRetry = { glimmer: await top(e, 'glimmerquad'), sources: ((await e.call('sources')).result || []).length };
      // quota refused at the very first write of a batch too
      await e.call('__quota', { bytes: 0 });
      const c = await e.call('index', { files: [{ path: 'c/late.txt', file: new File(['a late vandelbrook note\n'], 'late.txt') }] });
      await e.call('__quota', { bytes: -1 });
      const crashes1 = [...e.crashes];
      e.w.terminate();
      await new Promise((res) => setTimeout(res, 300));
      // a fresh worker (a reload) opens the same library from OPFS
      e = start();
      const init2 = await e.call('init', { threads: 2, model: { kind: 'server', base: '/model/' } });
      const reopened = {
        init: init2.ok, garden: await top(e, 'zapfhilde'), glimmer: await top(e, 'glimmerquad'),
        late: await top(e, 'vandelbrook'), sources: ((await e.call('sources')).result || []).map((s) => s.source),
      };
      e.w.terminate();
      await new Promise((res) => setTimeout(res, 300));
      // a picked model folder whose copy into OPFS runs out of quota: a notice, not a failure
      e = start();
      await e.call('__quota', { bytes: -1, streams: true });
      const man = await (await fetch('/model/manifest.json')).json();
      const mfiles = [];
      for (const f of man.files) {
        const blob = await (await fetch('/model/' + f.path)).blob();
        mfiles.push({ path: man.name + '/' + f.path, file: new File([blob], f.path.split('/').pop()) });
      }
      const init3 = await e.call('init', { threads: 2, model: { kind: 'files', files: mfiles } });
      let kept = true;
      try {
        await (await (await navigator.storage.getDirectory()).getDirectoryHandle('models')).getFileHandle('manifest.json');
      } catch {
        kept = false;
      }
      const picked = { ok: init3.ok, error: init3.error, model: init3.ok && !!init3.result.model,
        cached: init3.ok && init3.result.model_cached, notice: init3.ok && init3.result.notice, kept,
        kitchen: await top(e, 'quorbleton stew', 'hybrid') };
      const crashes3 = [...e.crashes];
      e.w.terminate();
      return { log, init, a, armed, b, refused, after, b2, afterRetry, c, crashes: crashes1.concat(crashes3), reopened, picked };
    }, { A, B });
    check(r.init.ok && r.init.result.persistent, 'the quota worker runs the engine with the library in OPFS',
      JSON.stringify(r.log));
    check(r.a.ok && r.a.result.added === 2, 'batch A indexed before the quota runs out', JSON.stringify(r.a));
    check(r.armed.ok, 'the sync access handle writes are wrapped (quota armed)', JSON.stringify(r.armed));
    check(!r.b.ok && r.b.error === 'storage quota exceeded while writing the library',
      'indexing past the quota answers "storage quota exceeded while writing the library"', JSON.stringify(r.b));
    check(r.refused > 0, `the wrapped handle refused ${r.refused} write(s)`);
    check(r.after.garden[0] === 'a/garden.md', 'after the quota error a keyword search still finds a/garden.md',
      JSON.stringify(r.after.garden));
    check(r.after.kitchen[0] === 'a/kitchen.txt', 'after the quota error a hybrid search still finds a/kitchen.txt',
      JSON.stringify(r.after.kitchen));
    const srcs = (r.after.sources || []).map((x) => x.source);
    check(srcs.includes('a/garden.md') && srcs.includes('a/kitchen.txt') &&
      srcs.every((x) => x.startsWith('a/') || x.startsWith('b/')) && r.after.info,
      'sources committed before the error are intact (nothing else appeared)', JSON.stringify(srcs));
    check(r.b2.ok && r.afterRetry.sources === 14 && r.afterRetry.glimmer.length > 0 &&
      r.afterRetry.glimmer[0].startsWith('b/'), 'with room again the same batch indexes and is found',
      JSON.stringify({ b2: r.b2, after: r.afterRetry }));
    check(!r.c.ok && r.c.error === 'storage quota exceeded while writing the library',
      'a quota refusal at the first write is reported the same way', JSON.stringify(r.c));
    check(r.crashes.length === 0, 'the engine worker never crashed', r.crashes.join('; '));
    check(r.reopened.init && r.reopened.garden[0] === 'a/garden.md' && r.reopened.glimmer.length > 0 &&
      r.reopened.sources.length === 14 && r.reopened.late.length === 0,
      'a fresh worker reopens the library from OPFS: A and B intact, the refused note absent', JSON.stringify(r.reopened));
    check(r.picked.ok && r.picked.model && r.picked.cached === false && !r.picked.kept &&
      /could not be kept in browser storage \(storage quota exceeded\)/.test(r.picked.notice || '') &&
      r.picked.kitchen[0] === 'a/kitchen.txt',
      'a picked model that cannot be kept (quota) still loads, with a notice, and leaves no partial copy',
      JSON.stringify(r.picked));
  } catch (e) {
    fail(`flow D stopped: ${e.message.split('\n')[0]}`);
  } finally {
    await context.close();
    await srv.close();
  }
}

// E. The Rerank switch with `brass serve --rerank CE`: the engine's answers are read from the page's
// Worker (wrapped by an init script), the browser's order is checked against native scores.
async function flowRerank(browser, model, ce, corpus, files) {
  console.log(`-- E: brass serve --rerank, the Rerank switch (${elapsed()})`);
  const srv = await startBrassServe(BRASS, ['--root', DIST, '--model', model, '--rerank', ce]);
  const context = await browser.newContext();
  await context.addInitScript(() => {
    localStorage.setItem('brass.settings', JSON.stringify({ k: 20, mode: 'hybrid' }));
    const W = window.Worker;
    window.Worker = class extends W {
      constructor(...a) {
        super(...a);
        window.__brassWorker = this;
        this.addEventListener('message', (e) => {
          const m = e.data;
          if (m && m.ok && m.result && Array.isArray(m.result.results)) window.__brassLastSearch = m.result;
        });
      }
    };
  });
  const dialogs = [];
  const Q = 'river stone lantern';
  const key = (h) => `${h.source}:${h.line_start}-${h.line_end}`;
  const last = (page) => page.evaluate(() => window.__brassLastSearch);
  // native `brass rerank --json` scores of (Q, text) pairs, in order
  const nativeScores = (texts) => {
    const r = spawnSync(BRASS, ['rerank', '--model', ce, '--json'], { encoding: 'utf8',
      input: texts.map((t) => JSON.stringify({ query: Q, passage: t })).join('\n') + '\n',
      env: { ...process.env, BRASS_THREADS: '2', BRASS_DTYPE: 'f32' } });
    if (r.status !== 0) throw new Error(`brass rerank: ${r.stderr.trim()}`);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l).score);
  };
  try {
    const manifest = await (await fetch(srv.url + 'rerank-model/manifest.json')).json();
    check(manifest.files && manifest.files.some((f) => f.path === 'model.safetensors'),
      'brass serve --rerank lists the cross-encoder in /rerank-model/manifest.json');
    const page = await context.newPage();
    attach(page, 'E', dialogs);
    await page.goto(srv.url);
    await waitReady(page);
    await page.setInputFiles('#folder-input', corpus);
    await waitSources(page, files.length);

    let r = await search(page, Q, 'hybrid');
    const off = await last(page);
    check(off && off.query === Q && !off.reranked && !/reranked/.test(r.status) && off.results.length >= 10,
      `Rerank off (default): ${off && off.results.length} hybrid results, not reranked`, r.status);
    await setRerank(page, true);
    r = await search(page, Q, 'hybrid');
    const on = await last(page);
    const top = Math.min(20, off.results.length);
    check(on && on.query === Q && on.reranked === top && on.timings && on.timings.rerank_ms > 0,
      `Rerank on: the answer says reranked ${on && on.reranked} (want ${top}) in ${on && on.timings && on.timings.rerank_ms} ms`);
    check(new RegExp(`reranked ${top} in \\d`).test(r.status), `the status line says "reranked ${top} in ..."`, r.status);
    check(r.hits.map(key).join() === on.results.map(key).join(), 'the page shows the reranked order');
    // expected: the hybrid top 20 sorted by native scores (ties keep the hybrid order)
    const hyb = off.results.slice(0, top);
    const nat = nativeScores(hyb.map((h) => h.text));
    const want = hyb.map((h, i) => ({ k: key(h), s: nat[i], i })).sort((a, b) => b.s - a.s || a.i - b.i);
    check(on.results.slice(0, top).map(key).join() === want.map((w) => w.k).join(),
      'the reranked order is the hybrid top 20 sorted by native `brass rerank` scores',
      JSON.stringify({ web: on.results.slice(0, top).map(key), native: want.map((w) => w.k) }));
    const dScore = Math.max(...on.results.slice(0, top).map((h, i) => Math.abs(h.score - want[i].s)));
    check(dScore <= 1e-3, `browser rerank scores match native ones (max |diff| ${dScore.toExponential(1)})`);
    check(on.results.slice(0, top).map(key).join() !== hyb.map(key).join(),
      'the reranked order differs from the hybrid one (so the comparison can fail)');
    // the worker's rerank op on the same pairs
    const op = await page.evaluate((pairs) => new Promise((resolve) => {
      const w = window.__brassWorker;
      const id = 1e9;
      const on = (e) => {
        if (e.data && e.data.id === id) {
          w.removeEventListener('message', on);
          resolve(e.data);
        }
      };
      w.addEventListener('message', on);
      w.postMessage({ id, op: 'rerank', pairs });
    }), hyb.map((h) => ({ query: Q, passage: h.text })));
    const dOp = op.ok ? Math.max(...op.result.scores.map((x, i) => Math.abs(x - nat[i]))) : NaN;
    check(op.ok && op.result.scores.length === top && dOp <= 1e-3 && op.result.ms > 0,
      `the worker's rerank op scores the pairs as native brass rerank (max |diff| ${dOp})`,
      JSON.stringify(op).slice(0, 200));
    await setRerank(page, false);
    r = await search(page, Q, 'hybrid');
    const again = await last(page);
    check(!again.reranked && !/reranked/.test(r.status) && again.results.map(key).join() === off.results.map(key).join(),
      'Rerank off again: the hybrid order', r.status);
  } catch (e) {
    fail(`flow E stopped: ${e.message.split('\n')[0]}`);
    for (const p of context.pages()) await shot(p, 'failure-E.png').catch(() => {});
  } finally {
    await context.close();
    await srv.close();
  }
}

// A corpus of more than 256 chunks for flow F: the fixture plus seeded longer documents.
function makeBigCorpus(dir) {
  makeFixture(dir);
  const words = ('river stone lantern harbor window orchard signal copper garden thread engine ' +
    'ledger meadow winter candle market bridge pepper velvet mirror compass tunnel falcon').split(' ');
  let s = 777;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  for (let d = 0; d < 80; d++) {
    const lines = [];
    for (let l = 0; l < 60; l++) {
      const n = 8 + Math.floor(r() * 8);
      lines.push(Array.from({ length: n }, () => words[Math.floor(words.length * r())]).join(' ') + '.');
    }
    fs.mkdirSync(path.join(dir, 'big'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'big', `doc${String(d).padStart(2, '0')}.txt`), lines.join('\n') + '\n');
  }
}

async function flowStatic(browser) {
  console.log(`-- F: a static model, more than 256 chunks (${elapsed()})`);
  const model = makeModel(path.join(tmp, 'static-model'), ['--kind', 'model2vec', '--hidden', '64', '--seed', '3']);
  const corpus = path.join(tmp, 'corpus-static', 'corpus');
  makeBigCorpus(corpus);
  const files = listFiles(corpus);
  const srv = await startBrassServe(BRASS, ['--root', DIST, '--model', model]);
  const context = await browser.newContext();
  const dialogs = [];
  try {
    const page = await context.newPage();
    attach(page, 'F', dialogs);
    await page.goto(srv.url);
    await waitReady(page);
    await page.setInputFiles('#folder-input', corpus);
    await waitSources(page, files.length);
    const lib = path.join(tmp, 'native-static.db');
    await compareWithNative(page, model, corpus, lib);
    const nat = JSON.parse(native(['status', '--json', '--library', lib]));
    const summary = await page.textContent('#library-summary');
    const m = /([\d,]+) chunks/.exec(summary || '');
    const web = m ? parseInt(m[1].replace(/,/g, ''), 10) : -1;
    check(nat.chunks > 256, `the static corpus makes more than 256 chunks natively (${nat.chunks}), so the web build commits several 256-chunk batches`);
    check(web === nat.chunks && nat.vectors === nat.chunks,
      `the browser library holds as many chunks as native \`brass index\` (${web} vs ${nat.chunks})`, summary);
  } catch (e) {
    fail(`flow F stopped: ${e.message.split('\n')[0]}`);
    for (const p of context.pages()) await shot(p, 'failure-F.png').catch(() => {});
  } finally {
    await context.close();
    await srv.close();
  }
}

async function main() {
  if (!brassHasServe(BRASS)) throw new Error(`${BRASS} has no 'serve' command`);
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html missing (make wasm)`);
  const model = makeModel(path.join(tmp, 'tiny-model'),
    ['--layers', '2', '--hidden', '64', '--heads', '4', '--intermediate', '128', '--seed', '1']);
  const ce = makeModel(path.join(tmp, 'tiny-ce'),
    ['--kind', 'cross-encoder', '--layers', '2', '--max-pos', '128', '--seed', '5']);
  const corpus = path.join(tmp, 'corpus');
  makeFixture(corpus);
  const files = listFiles(corpus);
  const browser = await launchBrowser();
  try {
    const want = (f) => !process.env.BRASS_WEB_FLOWS || process.env.BRASS_WEB_FLOWS.includes(f);
    if (want('A')) await flowIsolated(browser, model, corpus, files);
    if (want('B')) await flowNotIsolated(browser, model, corpus);
    if (want('C')) await flowPickedModel(browser, model, corpus);
    if (want('D')) await flowQuota(browser, model, corpus);
    if (want('E')) await flowRerank(browser, model, ce, corpus, files);
    if (want('F')) await flowStatic(browser);
  } finally {
    await browser.close();
  }
  // the second tab's refusal is expected to log; 404s are the favicon
  const unexpected = logs.errors.filter((l) => !l.startsWith('[A-tab2]') &&
    !/favicon|Failed to load resource.*404/.test(l));
  check(unexpected.length === 0, 'no page errors or console errors', unexpected.slice(0, 5).join(' | '));
}

main()
  .catch((e) => fail(e.message.split('\n')[0]))
  .finally(() => {
    fs.writeFileSync(path.join(ART, 'console.log'), logs.lines.join('\n') + '\n');
    fs.rmSync(tmp, { recursive: true, force: true });
    console.log(`web: ${fails ? `${fails} check(s) FAILED` : 'all checks passed'} in ${elapsed()} (artifacts: ${ART})`);
    process.exit(fails ? 1 : 0);
  });
