// engine-client.js - a promise API over engine-worker.js (ES module; docs/browser.md).
//
//   const c = new EngineClient(new URL('./engine-worker.js', import.meta.url));
//   c.on('progress', (ev) => ...); c.on('log', (ev) => ...);
//   const ready = await c.init({ threads: 4, model: { kind: 'server', base: '/model/' } });
//   await c.index([{ path: 'notes/a.md', file }], { chunk_tokens: 256 });
//   const res = await c.search('query', { mode: 'hybrid', k: 10 });
//   c.terminate();
//
// call(op, args) sends {id, op, ...args} and resolves with the reply's result or rejects with an
// Error carrying the worker's one-line message. If the worker dies (a crash, an uncaught error)
// every pending call rejects. Requests run in the worker one at a time, in order.

export class EngineClient {
  constructor(workerUrl = new URL('./engine-worker.js', import.meta.url)) {
    this.worker = new Worker(workerUrl);
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map();
    this.worker.onmessage = (ev) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault?.();
      this.failAll(new Error(`the engine worker failed: ${ev.message || 'error'}`));
    };
  }

  onMessage(msg) {
    if (!msg) return;
    if (msg.event) {
      for (const fn of this.listeners.get(msg.event) || []) {
        try {
          fn(msg);
        } catch (e) {
          console.error(e);
        }
      }
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error || 'engine error'));
  }

  failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    const l = this.listeners.get(event) || [];
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  }

  call(op, args = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...args, id, op });
      } catch (e) {
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  init(args = {}) {
    return this.call('init', args);
  }
  index(files, opts = {}) {
    return this.call('index', { files, ...opts });
  }
  search(query, opts = {}) {
    return this.call('search', { query, ...opts });
  }
  info() {
    return this.call('info');
  }
  sources() {
    return this.call('sources');
  }
  preview(source, line_start, line_end) {
    return this.call('preview', { source, line_start, line_end });
  }
  remove(source) {
    return this.call('remove', { source });
  }
  clear() {
    return this.call('clear');
  }

  terminate() {
    this.worker.terminate();
    this.failAll(new Error('the engine was stopped'));
  }
}

export default EngineClient;
