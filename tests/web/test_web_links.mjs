// test_web_links.mjs - which result sources the web app turns into links (web/ui-results.js
// webUrl): crawled pages' http(s) URLs only; file paths, other schemes and tricks stay text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webUrl } from '../../web/ui-results.js';

test('http(s) URLs become links', () => {
  assert.equal(webUrl('https://example.org/a?b=1'), 'https://example.org/a?b=1');
  assert.equal(webUrl('http://127.0.0.1:8080/x.html'), 'http://127.0.0.1:8080/x.html');
  assert.equal(webUrl('HTTPS://Example.org/'), 'https://example.org/');
});

test('everything else stays text', () => {
  for (const s of ['/home/me/notes.md', 'notes/a.md', 'javascript:alert(1)', 'JavaScript://%0aalert(1)',
    'data:text/html,<script>alert(1)</script>', ' https://x.org/', 'file:///etc/passwd', 'ftp://x.org/',
    'http://', 'https://exa mple.org/', '', null, undefined, 42]) {
    assert.equal(webUrl(s), null, String(s));
  }
});
