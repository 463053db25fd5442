// sw.js — service worker for static hosting that cannot set headers (GitHub Pages, a plain file
// server). It re-issues every same-origin request and returns the response with
// Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp and
// Cross-Origin-Resource-Policy: same-origin added, which makes the page cross-origin isolated
// (SharedArrayBuffer, so the threaded engine). It caches nothing. app.js registers it only when the
// page is not isolated and reloads once; `brass serve` sends the headers itself and never needs it.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function withIsolationHeaders(response) {
  // opaque and error responses cannot be rebuilt; pass them through unchanged
  if (!response || response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') {
    return response;
  }
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  // a request the browser may only answer from cache must not be re-issued across origins
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  if (new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(fetch(req).then(withIsolationHeaders));
});
