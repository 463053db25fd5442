// lib.mjs - shared plumbing for the browser tests (tests/web) and the browser benchmark (bench/web):
// headless Debian Chromium through playwright-core with the project's flags, `brass serve` started on
// port 0 with its URL read from its output, console/pageerror capture, artifacts under
// $BRASS_BUILD/web-artifacts, and a generated model.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const SRC = process.env.BRASS_SRC ||
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = process.env.BRASS_BUILD || path.join(SRC, 'build');
export const CHROMIUM = process.env.BRASS_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

const require = createRequire(path.join(SRC, 'package.json'));

export function artifactsDir() {
  const d = path.join(BUILD, 'web-artifacts');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

// Containers often give /dev/shm 64 MiB, too little for Chromium's shared memory: then it is told
// to use /tmp instead.
function smallShm() {
  try {
    return fs.statfsSync('/dev/shm').blocks * fs.statfsSync('/dev/shm').bsize < 512 * 1048576;
  } catch {
    return false;
  }
}

export async function launchBrowser(extraArgs = []) {
  const { chromium } = require('playwright-core');
  const args = [...CHROMIUM_ARGS, ...(smallShm() ? ['--disable-dev-shm-usage'] : []), ...extraArgs];
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

// A browser with an on-disk profile in userDataDir (as a person's browser has): OPFS reads then go
// to disk as they do for users, where an incognito-like context keeps them in memory-backed
// storage with slower per-call costs. Returns the BrowserContext; closing it closes the browser.
export async function launchPersistent(userDataDir, extraArgs = []) {
  const { chromium } = require('playwright-core');
  const args = [...CHROMIUM_ARGS, ...(smallShm() ? ['--disable-dev-shm-usage'] : []), ...extraArgs];
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args, headless: true });
}

// Records console messages, page errors and worker errors of a page; `errors` is what a test
// asserts empty. Each line is also kept in `lines` for the log artifact.
export function capture(page, tag, sink) {
  const out = sink || { lines: [], errors: [] };
  page.on('console', (m) => {
    const line = `[${tag}] console.${m.type()}: ${m.text()}`;
    out.lines.push(line);
    if (m.type() === 'error') out.errors.push(line);
  });
  page.on('pageerror', (e) => {
    const line = `[${tag}] pageerror: ${e.message}`;
    out.lines.push(line);
    out.errors.push(line);
  });
  page.on('worker', (w) => out.lines.push(`[${tag}] worker started: ${w.url()}`));
  page.on('crash', () => out.errors.push(`[${tag}] page crashed`));
  return out;
}

export function brassHasServe(brass) {
  if (!brass || !fs.existsSync(brass)) return false;
  const r = spawnSync(brass, ['help', 'serve'], { encoding: 'utf8', timeout: 10000 });
  return r.status === 0;
}

// Starts `brass serve --port 0` and resolves with {url, close, output()} once it prints its URL.
export function startBrassServe(brass, args, { timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(brass, ['serve', '--host', '127.0.0.1', '--port', '0', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      p.kill('SIGTERM');
      reject(new Error(`brass serve printed no URL in ${timeoutMs} ms: ${text.trim()}`));
    }, timeoutMs);
    const close = () => new Promise((r) => {
      if (p.exitCode !== null || p.signalCode) return r();
      p.once('exit', () => r());
      p.kill('SIGTERM');
      setTimeout(() => p.exitCode === null && p.kill('SIGKILL'), 3000);
    });
    const onData = (d) => {
      text += d.toString();
      const m = text.match(/https?:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d+)/);
      if (m && !done && +m[2] > 0) {
        done = true;
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[2]}/`, close, output: () => text, proc: p });
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`brass serve exited (${code}) before printing a URL: ${text.trim()}`));
    });
  });
}

// Generates a random-weight BERT model folder with tests/oracle/make_model.py.
export function makeModel(dir, extra = []) {
  if (fs.existsSync(path.join(dir, 'model.safetensors'))) return dir;
  const r = spawnSync('/usr/bin/python3', [path.join(SRC, 'tests/oracle/make_model.py'), dir, ...extra],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_model.py failed: ${r.stderr}`);
  return dir;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
