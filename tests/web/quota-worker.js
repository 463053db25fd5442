// quota-worker.js - test-only wrapper around the app's engine worker (tests/web/test_app.mjs,
// flow D). Served at the web root next to engine-worker.js (static_server.mjs `files`), it wraps
// FileSystemSyncAccessHandle.prototype.write/truncate so that, once armed with a byte budget, a
// write past the budget throws QuotaExceededError like a full origin quota, then loads the real
// engine-worker.js (and through it the real brass-web build). Extra op, answered here:
//   {id, op: "__quota", bytes, streams}  bytes >= 0 arms a budget of that many bytes, -1
//   disarms; streams: true also refuses every FileSystemWritableFileStream write (the kept model
//   copy); -> {id, ok: true, result: {refused}} (writes refused so far).
'use strict';
(function () {
  const P = self.FileSystemSyncAccessHandle && self.FileSystemSyncAccessHandle.prototype;
  let budget = -1;
  let refused = 0;
  const quota = () => {
    refused++;
    return new DOMException('test: the origin quota is used up', 'QuotaExceededError');
  };
  if (P) {
    const write = P.write;
    P.write = function (buf, opts) {
      if (budget >= 0) {
        if (buf.byteLength > budget) throw quota();
        budget -= buf.byteLength;
      }
      return write.call(this, buf, opts);
    };
    const truncate = P.truncate;
    P.truncate = function (size) {
      if (budget >= 0) {
        const grow = size - this.getSize();
        if (grow > budget) throw quota();
        if (grow > 0) budget -= grow;
      }
      return truncate.call(this, size);
    };
  }
  let streams = false;
  const S = self.FileSystemWritableFileStream && self.FileSystemWritableFileStream.prototype;
  if (S) {
    const swrite = S.write;
    S.write = function (...a) {
      if (streams) return Promise.reject(quota());
      return swrite.apply(this, a);
    };
  }
  self.addEventListener('message', (ev) => {
    const m = ev.data || {};
    if (m.op !== '__quota') return;
    ev.stopImmediatePropagation();
    budget = m.bytes >= 0 ? m.bytes : -1;
    streams = !!m.streams;
    self.postMessage({ id: m.id, ok: !!P, result: { refused }, error: P ? undefined : 'no sync access handles' });
  });
})();
importScripts('engine-worker.js');
