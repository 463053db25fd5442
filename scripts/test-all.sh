#!/usr/bin/env bash
# test-all.sh - what `make test` (and so CI) runs: every suite, one after another, each timed. A
# failing suite does not stop the ones after it, so that one run shows every failure; a table of
# results and times closes the output (CI shows only the tail of a long log), and the exit status
# is non-zero when any suite failed. The native suite runs once, in a plain clone of the working
# tree (scripts/test-plain-clone.sh): that proves the project needs nothing beside it and tests
# the same code as the checkout.
set -uo pipefail
cd "$(dirname "$0")/.."
steps=(format-check test-plain-clone test-asan test-wasm test-web fuzz)
# a brief fuzzing pass here (each target 15 s from its seeds); `make fuzz` alone runs 30 s each
export FUZZ_SECONDS=${FUZZ_SECONDS:-15}
results=()
failed=0
start_all=$SECONDS
for step in "${steps[@]}"; do
  echo "==== make $step"
  t0=$SECONDS
  if make --no-print-directory "$step"; then r=ok; else r=FAILED failed=$((failed + 1)); fi
  results+=("$(printf '%-18s %-7s %4d:%02d' "$step" "$r" $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)))")
done
echo "==== make test: $((failed)) of ${#steps[@]} suites failed ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${results[@]}"
printf '%-18s %-7s %4d:%02d\n' total "" $(((SECONDS - start_all) / 60)) $(((SECONDS - start_all) % 60))
[ "$failed" = 0 ] && echo "all test suites passed"
[ "$failed" = 0 ]
