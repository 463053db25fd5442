#!/usr/bin/env bash
# run_web_tests.sh - the browser app's end-to-end tests (`make test-web`, part of `make test`):
# tests/web/test_app.mjs drives Debian's headless Chromium through playwright-core against
# `brass serve` (web/dist from `make wasm`) with a generated model. Skipped, with a message, only
# when Chromium is missing outside CI; in CI (CI set) a missing Chromium is a failure.
# Env: BRASS (native CLI, default build/brass), BRASS_BUILD (artifacts go to
# $BRASS_BUILD/web-artifacts), BRASS_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export BRASS_SRC=$root
export BRASS=${BRASS:-$root/build/brass}
export BRASS_BUILD=${BRASS_BUILD:-$root/build}
chromium=${BRASS_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ -n "${CI:-}" ]; then
    echo "web: FAILED: $chromium is missing (CI must run the browser tests: apt-get install chromium)" >&2
    exit 1
  fi
  echo "web: SKIPPED: $chromium is missing (apt-get install chromium to run the browser tests)"
  exit 0
fi
[ -x "$BRASS" ] || { echo "web: FAILED: $BRASS is missing (make)" >&2; exit 1; }
[ -f "$root/web/dist/engine-worker.js" ] || { echo "web: FAILED: web/dist is missing (make wasm)" >&2; exit 1; }
[ -d "$root/node_modules/playwright-core" ] || { echo "web: FAILED: node_modules/playwright-core is missing (npm ci --ignore-scripts)" >&2; exit 1; }
exec timeout 600 node "$root/tests/web/test_app.mjs"
