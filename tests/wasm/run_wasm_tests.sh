#!/usr/bin/env bash
# run_wasm_tests.sh - the WebAssembly build's tests, in node: every unit test compiled to
# build-wasm/tests/test_*.js, then the embedding parity checks (tests/model/test_model_parity.sh,
# test_jina_parity.sh) with the CLI replaced by build-wasm/brass.js running on 2 and more threads,
# and the same for the cross-encoder / static-model parity check (tests/model/test_rerank_static.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wasm=$root/build-wasm
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
node_run=(node --no-experimental-fetch)
passed=0
failed=0
for t in "$wasm"/tests/test_*.js; do
  [ -f "$t" ] || continue
  case "$t" in *.worker.js) continue ;; esac # Emscripten's pthread worker scripts
  name=$(basename "$t" .js)
  if (cd "$wasm/tests" && BRASS_SRC=$root BRASS_BUILD=$wasm BRASS_TEST_QUICK=1 \
    "${node_run[@]}" "$t" >"$wasm/tests/$name.log" 2>&1); then
    echo "wasm: $name ok ($(tail -1 "$wasm/tests/$name.log"))"
    passed=$((passed + 1))
  else
    echo "wasm: $name FAILED" >&2
    tail -n 15 "$wasm/tests/$name.log" | cut -c1-300 >&2
    failed=$((failed + 1))
  fi
done

# The native parity test, driving the WebAssembly CLI through a wrapper.
wrapper=$wasm/brass-node
cat >"$wrapper" <<SH
#!/usr/bin/env bash
exec node --no-experimental-fetch "$wasm/brass.js" "\$@"
SH
chmod +x "$wrapper"
# in_node LABEL SCRIPT: runs a native shell test (tests/model/SCRIPT) on the WebAssembly CLI,
# in the background (two at a time: each spends much of its time in node's start-up and in the
# single-threaded PyTorch references); its log is printed when it fails. in_node_wait collects.
declare -A node_jobs=()
in_node() {
  local log=$wasm/tests/in_node.${2%.sh}.log
  BRASS=$wrapper BRASS_BUILD=$root/build BRASS_SRC=$root BRASS_TEST_QUICK=1 BRASS_TEST_WASM=1 \
    bash "$root/tests/model/$2" >"$log" 2>&1 &
  node_jobs[$!]="$1|$log"
}
in_node_wait() {
  local pid label log
  for pid in "${!node_jobs[@]}"; do
    IFS='|' read -r label log <<<"${node_jobs[$pid]}"
    if wait "$pid"; then
      echo "wasm: $label in node ok"
      passed=$((passed + 1))
    else
      echo "wasm: $label in node FAILED ($log):" >&2
      tail -n 30 "$log" | cut -c1-300 >&2
      failed=$((failed + 1))
    fi
  done
  node_jobs=()
}
in_node "embedding parity" test_model_parity.sh
# int8 inference through the WebAssembly kernel (i32x4.dot_i16x8_s): the same accuracy checks
in_node "int8 parity" test_int8_parity.sh
in_node_wait
in_node "rerank and static-model parity" test_rerank_static.sh
# JinaBERT v2 (ALiBi, GEGLU, long texts)
in_node "JinaBERT parity" test_jina_parity.sh
in_node_wait
echo "wasm: $passed passed, $failed failed"
[ "$failed" = 0 ]
