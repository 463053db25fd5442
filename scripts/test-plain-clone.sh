#!/usr/bin/env bash
# test-plain-clone.sh - proves that a plain clone is the whole project: clones the committed HEAD
# into a temporary folder that has nothing beside it (no ../shared, no node_modules, no build), runs
# the project's own setup there (Debian packages already present install nothing; npm ci and the
# vocabulary conversion run for real) and then the native test suite (quick mode). Uncommitted changes are not
# in the clone, so run it on committed work (CI always does).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/brass-plain-clone.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git clone -q --no-hardlinks "$root" "$tmp/brass"
cd "$tmp/brass"
[ ! -e ../shared ] || { echo "test-plain-clone: $tmp/shared exists" >&2; exit 1; }
echo "test-plain-clone: $(git log -1 --format='%h %s') in $tmp/brass"
bash scripts/setup.sh
# BRASS_TEST_QUICK=1 (as in the sanitizer run): every suite runs, the longest with fewer inputs,
# so that the whole of `make test` stays within its time budget; the full suite ran just before.
BRASS_TEST_QUICK=1 make test-native
echo "test-plain-clone: the native suite passed in a plain clone"
