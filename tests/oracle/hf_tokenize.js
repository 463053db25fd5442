// hf_tokenize.js - the oracle: Hugging Face tokenizers (Rust, via @anush008/tokenizers) tokenizes
// each line of stdin and prints one JSON array of ids per line, for the parity test to diff with
// tests/tools/tok_dump.
//
//   node hf_tokenize.js TOKENIZER_JSON [--max-len N] [--offsets] [--words] [--single] < lines
//
// Lines are split on the byte '\n' only; each line's bytes are decoded with the WHATWG decoder
// (TextDecoder: each maximal invalid subpart -> U+FFFD), which is what tok_dump must match.
// --max-len N: truncation to N ids (default 512; 0 = none). Padding from the file is disabled.
// --offsets: [id, start, end] triples, offsets in Unicode scalar values (HF's char offsets).
// --single: encode() line by line instead of encodeBatch() (same ids, about 4x slower).
// --pairs: each line is a JSON object {"query", "passage"}; prints {"ids", "types"} from
//   encode(query, passage) (the cross-encoder's pair, longest_first truncation to --max-len).
// --plain: encode(line) without special tokens (addSpecialTokens: false), as static models do.
// --words: the normalized, pre-tokenized words of each line instead of ids (normalizer and
//   pre-tokenizer only: use it on lines without added tokens such as "[SEP]").
'use strict';
const path = require('path');
const fs = require('fs');

function loadTokenizers() {
  const tries = [
    '@anush008/tokenizers',
    path.join(__dirname, '..', '..', 'node_modules', '@anush008', 'tokenizers'),
  ];
  for (const t of tries) {
    try {
      return require(t);
    } catch (e) { /* try the next */ }
  }
  throw new Error('cannot load @anush008/tokenizers (run npm install in the repo root)');
}

async function main() {
  const args = process.argv.slice(2);
  let file = null, maxLen = 512, offsets = false, words = false, single = false, pairs = false;
  let plain = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--max-len') maxLen = parseInt(args[++i], 10);
    else if (args[i] === '--offsets') offsets = true;
    else if (args[i] === '--words') words = true;
    else if (args[i] === '--single') single = true;
    else if (args[i] === '--pairs') pairs = true;
    else if (args[i] === '--plain') plain = true;
    else file = args[i];
  }
  if (!file) {
    process.stderr.write('usage: node hf_tokenize.js TOKENIZER_JSON [--max-len N] [--offsets] ' +
                         '[--words] [--single]\n');
    process.exit(2);
  }
  const { Tokenizer } = loadTokenizers();
  const tok = Tokenizer.fromFile(file);
  tok.disablePadding();
  if (maxLen > 0) tok.setTruncation(maxLen);
  else tok.disableTruncation();

  const input = fs.readFileSync(0);
  const dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const lines = [];
  let start = 0;
  while (start < input.length) {
    let nl = input.indexOf(10, start);
    if (nl < 0) nl = input.length;
    lines.push(dec.decode(input.subarray(start, nl)));
    start = nl + 1;
  }
  const out = [];
  if (words) {
    const norm = tok.getNormalizer(), pre = tok.getPreTokenizer();
    for (const line of lines) {
      const n = norm ? norm.normalizeString(line) : line;
      const w = pre ? pre.preTokenizeString(n).map((x) => x[0]) : (n ? [n] : []);
      out.push(JSON.stringify(w));
    }
    process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
    return;
  }
  if (pairs) {
    for (const line of lines) {
      if (!line.trim()) continue;
      const p = JSON.parse(line);
      const e = await tok.encode(p.query, p.passage);
      out.push(JSON.stringify({ ids: e.getIds(), types: e.getTypeIds() }));
    }
    process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
    return;
  }
  if (plain) {
    for (const line of lines) out.push(JSON.stringify((await tok.encode(line, null,
      { addSpecialTokens: false })).getIds()));
    process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
    return;
  }
  const batch = 256;
  for (let i = 0; i < lines.length; i += batch) {
    const chunk = lines.slice(i, i + batch);
    const encs = single ? [] : await tok.encodeBatch(chunk);
    if (single) for (const line of chunk) encs.push(await tok.encode(line));
    for (const e of encs) {
      const ids = e.getIds();
      if (offsets) {
        const offs = e.getOffsets();
        out.push(JSON.stringify(ids.map((id, k) => [id, offs[k][0], offs[k][1]])));
      } else {
        out.push(JSON.stringify(ids));
      }
    }
  }
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
}

main().catch((e) => {
  process.stderr.write(`hf_tokenize: ${e.stack || e}\n`);
  process.exit(1);
});
