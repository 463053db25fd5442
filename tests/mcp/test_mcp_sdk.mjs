// test_mcp_sdk.mjs - brass's MCP server driven by the official TypeScript SDK client
// (@modelcontextprotocol/sdk, pinned in package.json), over stdio (`brass mcp`) and over
// Streamable HTTP (/mcp of `brass serve --library`). The client negotiates the protocol, lists the
// tools and validates every structuredContent against the tool's outputSchema itself, so a shape
// that drifts from the schema fails here. Run with `node --test` (ctest: test_mcp_sdk) with BRASS
// and BRASS_SRC in the environment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const BRASS = process.env.BRASS;
const SRC = process.env.BRASS_SRC;
assert.ok(BRASS && SRC, 'BRASS and BRASS_SRC must be set');
const T = mkdtempSync(join(tmpdir(), 'brass-mcp-'));
const LIB = join(T, 'lib.db');
const C = join(T, 'corpus');
const env = { ...process.env, BRASS_THREADS: '2' };
delete env.BRASS_LIBRARY;
let server = null;

before(() => {
  execFileSync('/usr/bin/python3', [join(SRC, 'tests/oracle/make_model.py'), join(T, 'model'),
    '--layers', '1', '--hidden', '32', '--heads', '2', '--intermediate', '64',
    '--vocab-size', '3000', '--seed', '3'], { stdio: 'ignore' });
  mkdirSync(join(C, 'docs'), { recursive: true });
  mkdirSync(join(C, 'src'), { recursive: true });
  writeFileSync(join(C, 'docs/install.md'),
    '# Install\n\nRun the zapfhilde installer first.\nThen restart the daemon.\nline five\n');
  writeFileSync(join(C, 'src/tool.py'), 'def zapfhilde():\n    return "installer"\n');
  writeFileSync(join(C, 'notes.txt'), 'Keys rotate by the marmelquist rule.\n');
  execFileSync(BRASS, ['index', '--quiet', '--library', LIB, '--model', join(T, 'model'), C],
    { env, stdio: 'ignore' });
});

after(() => {
  if (server) server.kill('SIGTERM');
  rmSync(T, { recursive: true, force: true });
});

// The checks both transports must pass.
async function exercise(client, expectVersion) {
  assert.equal(client.getServerVersion().name, 'brass');
  if (expectVersion) assert.equal(client.transport.protocolVersion ?? expectVersion, expectVersion);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['get', 'search', 'status']);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.outputSchema.type, 'object', `${t.name} has an outputSchema`);
  }
  await client.ping();

  // search: structured results (validated by the SDK against outputSchema) and the JSON as text
  const r = await client.callTool({ name: 'search', arguments: { query: 'zapfhilde installer', n: 5 } });
  assert.equal(r.isError, false);
  const sc = r.structuredContent;
  assert.deepEqual(JSON.parse(r.content[0].text), sc);
  const sources = sc.results.map((x) => x.source);
  assert.ok(sources.includes(join(C, 'docs/install.md')), sources.join());
  assert.ok(sources.includes(join(C, 'src/tool.py')), sources.join());
  const hit = sc.results.find((x) => x.source.endsWith('install.md'));
  assert.ok(hit.line_start >= 1 && hit.line_end >= hit.line_start && hit.snippet.includes('**'));

  // filters: by type, by path glob and prefix, by time (everything was modified just now)
  const only = async (args) => (await client.callTool({ name: 'search', arguments: { query: 'zapfhilde installer', ...args } }))
    .structuredContent.results.map((x) => x.source);
  assert.deepEqual(await only({ type: 'py' }), [join(C, 'src/tool.py')]);
  assert.deepEqual(await only({ path: ['*.md'] }), [join(C, 'docs/install.md')]);
  assert.deepEqual(await only({ path: [join(C, 'docs')], mode: 'keyword' }), [join(C, 'docs/install.md')]);
  assert.deepEqual(await only({ path: ['src'], mode: 'vector' }), [join(C, 'src/tool.py')]);
  assert.deepEqual(await only({ before: '2000-01-01' }), []);
  assert.equal((await only({ since: '1h' })).length, 3); // hybrid: the vector list holds every chunk
  const bad = await client.callTool({ name: 'search', arguments: { query: 'x', since: 'yesterday' } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /yesterday/);

  // get: a line range of an indexed file; files outside the library are refused
  const g = await client.callTool({ name: 'get', arguments: { source: join(C, 'docs/install.md'), from: 3, to: 4 } });
  assert.equal(g.isError, false);
  assert.deepEqual(g.structuredContent, {
    source: join(C, 'docs/install.md'), line_start: 3, line_end: 4, total_lines: 5, changed: false,
    text: 'Run the zapfhilde installer first.\nThen restart the daemon.\n',
  });
  for (const source of ['/etc/passwd', join(T, 'lib.db'), join(C, '../model/config.json')]) {
    const e = await client.callTool({ name: 'get', arguments: { source } });
    assert.equal(e.isError, true, source);
    assert.match(e.content[0].text, /not a source in this library/);
  }

  // status
  const s = await client.callTool({ name: 'status', arguments: {} });
  assert.equal(s.structuredContent.sources, 3);
  assert.equal(s.structuredContent.model.dim, 32);

  // protocol errors: an unknown tool, a missing argument
  await assert.rejects(client.callTool({ name: 'nope', arguments: {} }), /-32602|unknown tool/);
  const noq = await client.callTool({ name: 'search', arguments: {} });
  assert.equal(noq.isError, true);
}

test('stdio: brass mcp with the SDK client', async () => {
  const transport = new StdioClientTransport({ command: BRASS, args: ['mcp', '--library', LIB], env, stderr: 'ignore' });
  const client = new Client({ name: 'brass-test', version: '1.0.0' });
  await client.connect(transport);
  await exercise(client);
  await client.close();
});

test('stdio: unknown methods and malformed lines get JSON-RPC errors', async () => {
  const p = spawn(BRASS, ['mcp', '--library', LIB], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  const done = new Promise((resolve) => p.on('close', resolve));
  p.stdin.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}\n');
  p.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":2,"method":"resources/list"}\n');
  p.stdin.write('not json\n');
  p.stdin.write('[{"jsonrpc":"2.0","id":3,"method":"ping"}]\n');
  p.stdin.write('{"jsonrpc":"1.0","id":4,"method":"ping"}\n');
  p.stdin.end('{"jsonrpc":"2.0","id":"five","method":"ping"}\n');
  assert.equal(await done, 0);
  const msgs = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(msgs.length, 6, out); // the notification gets no answer
  assert.equal(msgs[0].result.protocolVersion, '2025-11-25'); // unknown version: brass offers its newest
  assert.equal(msgs[1].error.code, -32601);
  assert.equal(msgs[2].error.code, -32700);
  assert.equal(msgs[3].error.code, -32600);
  assert.equal(msgs[4].error.code, -32600);
  assert.deepEqual(msgs[5], { jsonrpc: '2.0', id: 'five', result: {} });
});

async function startServer(extra = []) {
  const root = join(T, 'root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>brass</title>');
  server = spawn(BRASS, ['serve', '--port', '0', '--root', root, '--library', LIB, ...extra],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`brass serve exited ${code}`)));
  });
  return port;
}

test('HTTP: /mcp of brass serve with the SDK client', async () => {
  const port = await startServer();
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const transport = new StreamableHTTPClientTransport(url);
  const client = new Client({ name: 'brass-test', version: '1.0.0' });
  await client.connect(transport);
  assert.match(transport.sessionId, /^[0-9a-f]{64}$/);
  await exercise(client);
  // raw transport rules: GET has no stream, a stale session is 404, DELETE ends the session
  assert.equal((await fetch(url)).status, 405);
  const post = (headers, body) => fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body,
  });
  const ping = '{"jsonrpc":"2.0","id":9,"method":"ping"}';
  assert.equal((await post({}, ping)).status, 400); // no session
  assert.equal((await post({ 'mcp-session-id': 'f'.repeat(64) }, ping)).status, 404);
  assert.equal((await post({ 'mcp-session-id': transport.sessionId, 'mcp-protocol-version': '1999-01-01' }, ping)).status, 400);
  assert.equal((await post({ 'mcp-session-id': transport.sessionId }, ping)).status, 200);
  assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: ping })).status, 415);
  const sid = transport.sessionId;
  await transport.terminateSession();
  assert.equal((await post({ 'mcp-session-id': sid }, ping)).status, 404);
  await client.close();
});

test('HTTP: /mcp with a token', async () => {
  server.kill('SIGTERM');
  const token = 'test-token-0123456789abcdef';
  const port = await startServer(['--token', token]);
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const anon = new Client({ name: 'anon', version: '1' });
  await assert.rejects(anon.connect(new StreamableHTTPClientTransport(url)), /401|token|Unauthorized/i);
  const client = new Client({ name: 'brass-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  const s = await client.callTool({ name: 'status', arguments: {} });
  assert.equal(s.structuredContent.sources, 3);
  await client.close();
  assert.ok(readFileSync(LIB).length > 0);
});
