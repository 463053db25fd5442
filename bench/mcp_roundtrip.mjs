// mcp_roundtrip.mjs - MCP search round trips against brass with the official SDK client: over
// stdio (`brass mcp`) and over Streamable HTTP (/mcp of `brass serve`). Prints p50/p95 of the
// round trip (callTool, from request to validated result) next to brass's own search time
// (took_ms, in process) for the same calls, so the protocol's share is visible.
// usage: node mcp_roundtrip.mjs BRASS LIBRARY WEBROOT [CALLS]
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [brass, lib, root, callsArg] = process.argv.slice(2);
const calls = Number(callsArg || 200);
const words = 'install configure search index vector keyword model library folder file server agent query result chunk token thread memory cache graph'.split(' ');
const queries = Array.from({ length: calls }, (_, i) => `${words[i % words.length]} ${words[(i * 7 + 3) % words.length]} ${words[(i * 13 + 5) % words.length]}`);
const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];

async function measure(client) {
  for (let i = 0; i < 10; i++) await client.callTool({ name: 'search', arguments: { query: queries[i] } });
  const rt = [], took = [];
  for (const q of queries) {
    const t0 = performance.now();
    const r = await client.callTool({ name: 'search', arguments: { query: q, n: 10 } });
    rt.push(performance.now() - t0);
    took.push(r.structuredContent.took_ms);
  }
  return { rt, took };
}

function report(name, { rt, took }) {
  console.log(`| ${name} | ${calls} | ${pct(rt, 0.5).toFixed(2)} | ${pct(rt, 0.95).toFixed(2)} | ${pct(took, 0.5).toFixed(2)} | ${(pct(rt, 0.5) - pct(took, 0.5)).toFixed(2)} |`);
}

console.log('| transport | calls | round trip p50 ms | p95 ms | brass search p50 ms (took_ms) | protocol + transport ms |');
console.log('|---|---|---|---|---|---|');
{
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: brass, args: ['mcp', '--library', lib], stderr: 'ignore' }));
  report('stdio (brass mcp)', await measure(client));
  await client.close();
}
{
  const srv = spawn(brass, ['serve', '--port', '0', '--root', root, '--library', lib], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolve) => {
    let out = '';
    srv.stdout.on('data', (d) => { out += d; const m = out.match(/:(\d+)\//); if (m) resolve(m[1]); });
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  report('HTTP (/mcp of brass serve)', await measure(client));
  await client.close();
  srv.kill('SIGTERM');
}
