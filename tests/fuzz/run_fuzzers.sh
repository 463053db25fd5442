#!/usr/bin/env bash
# run_fuzzers.sh BUILD_DIR - runs every libFuzzer target built in BUILD_DIR for a short while
# (FUZZ_SECONDS, default 30 each), starting from the seeds in tests/fuzz/seeds/NAME/ if present.
# A crash, leak or sanitizer report fails the run and leaves the reproducer in BUILD_DIR/fuzz-out.
set -euo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-30}
out="$build/fuzz-out"
mkdir -p "$out"
status=0
found=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  corpus="$out/corpus-$name"
  mkdir -p "$corpus"
  [ -d "$here/seeds/$name" ] && cp -n "$here/seeds/$name"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $name for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
    -artifact_prefix="$out/$name-" "$corpus" >"$out/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; log: $out/$name.log" >&2
    tail -30 "$out/$name.log" >&2
    status=1
  else
    echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_runs: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$' || grep -Eo '#[0-9]+' "$out/$name.log" | tail -1) runs)"
  fi
done
[ "$found" = 1 ] || { echo "fuzz: no fuzz targets in $build" >&2; exit 1; }
exit $status
