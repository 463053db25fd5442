#!/bin/bash
# test_ui_settings.sh - the web app's chunk-size setting follows the loaded model (issue 13), in
# node without a browser: web/ui-settings.js with stand-ins for localStorage and the form.
#  - empty (0) means the model's size, which the engine reports in web_open's model object
#    (chunk_tokens / chunk_tokens_max from brass_model_chunk_tokens: the CLI's default rule);
#  - the control's maximum and placeholder follow that model; 0 round-trips through the form;
#  - settings saved by the old version with its default 256 follow the model, a 256 chosen
#    under the new version stays; out-of-range values are clamped.
set -u
: "${BRASS_SRC:?BRASS_SRC must name the source tree}"
command -v node >/dev/null || { echo "node not found: skipped"; exit 77; }
node --input-type=module - "$BRASS_SRC" <<'JS'
const src = process.argv[2];
const store = new Map();
globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)) };
if (!globalThis.navigator) globalThis.navigator = { hardwareConcurrency: 4 };
const S = await import(`${src}/web/ui-settings.js`);
let fails = 0;
const expect = (what, got, want) => {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}: ${JSON.stringify(got)}${ok ? '' : ` (want ${JSON.stringify(want)})`}`);
  if (!ok) fails++;
};
const el = (v = '') => ({ value: v, max: '', placeholder: '', checked: false });
const form = { elements: { threads: el(), dtype: el(), chunk_tokens: el(), rrf_k: el(), k: el(), rerank: el() } };
// what web_open reports (wasm/web_api.c) for a 256-position MiniLM and an 8,192-position JinaBERT
const minilm = { name: 'minilm', max_length: 256, chunk_tokens: 254, chunk_tokens_max: 254 };
const jina = { name: 'jina', max_length: 8192, chunk_tokens: 256, chunk_tokens_max: 8190 };

expect('default chunk size is the model\'s (0)', S.normalize(null).chunk_tokens, 0);
localStorage.setItem('brass.settings', JSON.stringify({ chunk_tokens: 256, k: 10 }));
expect('settings stored by version 1 with its default 256 follow the model', S.loadSettings().chunk_tokens, 0);
localStorage.setItem('brass.settings', JSON.stringify({ chunk_tokens: 300, k: 10 }));
expect('a size chosen under version 1 stays', S.loadSettings().chunk_tokens, 300);
expect('256 typed now stays', S.normalize({ chunk_tokens: 256 }).chunk_tokens, 256);
expect('a chosen 1000 stays (long-context models take it)', S.normalize({ chunk_tokens: 1000, v: 2 }).chunk_tokens, 1000);
expect('too large is clamped', S.normalize({ chunk_tokens: 100000, v: 2 }).chunk_tokens, 8192);
expect('too small is clamped', S.normalize({ chunk_tokens: 5, v: 2 }).chunk_tokens, 32);
S.saveSettings({ ...S.normalize(null), chunk_tokens: 256 });
expect('saved 256 reads back as 256', S.loadSettings().chunk_tokens, 256);
S.saveSettings(S.normalize(null));
expect('saved default reads back as 0', S.loadSettings().chunk_tokens, 0);

expect('limits without a model', S.chunkLimits(null), { auto: 256, max: 8192 });
expect('limits for MiniLM', S.chunkLimits(minilm), { auto: 254, max: 254 });
expect('limits for JinaBERT', S.chunkLimits(jina), { auto: 256, max: 8190 });

S.fillForm(form, S.normalize(null), jina);
expect('JinaBERT: control max', form.elements.chunk_tokens.max, '8190');
expect('JinaBERT: placeholder', form.elements.chunk_tokens.placeholder, "model's (256)");
expect('empty control', form.elements.chunk_tokens.value, '');
expect('empty control reads back as 0', S.readForm(form, S.normalize(null)).chunk_tokens, 0);
S.fillForm(form, S.normalize(null), minilm);
expect('MiniLM: control max', form.elements.chunk_tokens.max, '254');
expect('MiniLM: placeholder', form.elements.chunk_tokens.placeholder, "model's (254)");
form.elements.chunk_tokens.value = '128';
expect('a typed size reads back', S.readForm(form, S.normalize(null)).chunk_tokens, 128);
process.exit(fails ? 1 : 0);
JS
