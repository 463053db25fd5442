// static_server.mjs - a tiny loopback HTTP server for the browser tests and the browser benchmark.
// It serves a root folder (web/dist) plus optional mounts (URL prefix -> folder) and, like
// `brass serve --model DIR`, /model/manifest.json and /model/<file>. `isolated: false` drops the
// COOP/COEP/CORP headers: the tests use it for the "no cross-origin isolation" flow, which
// `brass serve` (always isolated) cannot produce. The benchmark uses it to serve ONNX Runtime Web
// and the ONNX file next to brass's web build, same-origin.
//   import { startStaticServer } from './static_server.mjs';
//   const srv = await startStaticServer({ root, model, isolated, mounts: { '/ort/': dir } });
//   srv.url ('http://127.0.0.1:PORT/'), await srv.close()
// Also runnable: node static_server.mjs ROOT [--model DIR] [--no-isolation] [--port N]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream', '.safetensors': 'application/octet-stream',
};

// The model files the contract lists; the manifest names whichever exist.
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'vocab.txt', 'tokenizer_config.json',
  'special_tokens_map.json', 'model.safetensors', 'modules.json', 'sentence_bert_config.json',
  '1_Pooling/config.json'];

export function modelManifest(dir) {
  const files = [];
  for (const p of MODEL_FILES) {
    const f = path.join(dir, p);
    if (fs.existsSync(f)) files.push({ path: p, size: fs.statSync(f).size });
  }
  return { name: path.basename(path.resolve(dir)), files };
}

// Resolves a URL path under a folder; null when it escapes the folder or is not a file.
function under(dir, rel) {
  const full = path.resolve(dir, '.' + path.posix.normalize('/' + rel));
  if (full !== path.resolve(dir) && !full.startsWith(path.resolve(dir) + path.sep)) return null;
  try {
    const st = fs.statSync(full);
    if (st.isDirectory()) return under(full, 'index.html');
    return st.isFile() ? full : null;
  } catch {
    return null;
  }
}

// `files` maps exact URL paths to single files (tests put a wrapper worker next to web/dist's).
export function startStaticServer({ root, model = null, isolated = true, mounts = {}, files = {}, port = 0 }) {
  const headers = () => {
    const h = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
    if (isolated) {
      h['Cross-Origin-Opener-Policy'] = 'same-origin';
      h['Cross-Origin-Embedder-Policy'] = 'require-corp';
      h['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    return h;
  };
  const server = http.createServer((req, res) => {
    let p;
    try {
      p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      p = '/';
    }
    const send = (code, type, body) => {
      res.writeHead(code, { ...headers(), 'Content-Type': type, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    let file = null;
    if (p.startsWith('/model/')) {
      if (!model) return send(404, 'text/plain', Buffer.from('no model\n'));
      const rel = p.slice('/model/'.length);
      if (rel === 'manifest.json') {
        return send(200, TYPES['.json'], Buffer.from(JSON.stringify(modelManifest(model))));
      }
      if (MODEL_FILES.includes(rel)) file = under(model, rel);
    } else if (Object.prototype.hasOwnProperty.call(files, p)) {
      file = files[p];
    } else {
      const m = Object.keys(mounts).sort((a, b) => b.length - a.length).find((k) => p.startsWith(k));
      file = m ? under(mounts[m], p.slice(m.length)) : under(root, p);
    }
    if (!file) return send(404, 'text/plain', Buffer.from('not found\n'));
    const st = fs.statSync(file);
    res.writeHead(200, {
      ...headers(), 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      resolve({
        url,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const a = process.argv.slice(2);
  const opt = { root: a[0], isolated: !a.includes('--no-isolation') };
  const mi = a.indexOf('--model');
  if (mi > 0) opt.model = a[mi + 1];
  const pi = a.indexOf('--port');
  if (pi > 0) opt.port = +a[pi + 1];
  startStaticServer(opt).then((s) => console.log(`serving ${opt.root} at ${s.url}`));
}
