#!/usr/bin/env bash
# test-plain-clone.sh - proves that a plain clone is the whole project: clones HEAD into a
# temporary folder that has nothing beside it (no ../shared, no node_modules, no build), applies
# the working tree's uncommitted changes and untracked (not ignored) files, so that the clone holds
# exactly what a commit of the working tree would, runs the project's own setup there (Debian
# packages already present install nothing; npm ci and the vocabulary conversion run for real) and
# then the native test suite. `make test` runs the native suite only here.
# The suite runs at its quick sizes (BRASS_TEST_QUICK=1, as under the sanitizers and in node):
# every suite runs, the longest with fewer or smaller inputs, so that `make test` stays within
# its 30 minutes; `make test-full` (run by `make bench`) has the full sizes. PLAIN_CLONE_QUICK=0
# runs the full sizes here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/brass-plain-clone.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git clone -q --no-hardlinks "$root" "$tmp/brass"
cd "$tmp/brass"
[ ! -e ../shared ] || { echo "test-plain-clone: $tmp/shared exists" >&2; exit 1; }
# the working tree's changes to tracked files, then its untracked files
git -C "$root" diff --binary HEAD >"$tmp/work.diff"
[ ! -s "$tmp/work.diff" ] || git apply --binary "$tmp/work.diff"
(cd "$root" && git ls-files -z --others --exclude-standard) >"$tmp/untracked"
[ ! -s "$tmp/untracked" ] || (cd "$root" && tar -c --null -T "$tmp/untracked") | tar -x
echo "test-plain-clone: $(git log -1 --format='%h %s') in $tmp/brass" \
  "($(git status --porcelain | wc -l) uncommitted paths applied)"
bash scripts/setup.sh
if [ "${PLAIN_CLONE_QUICK:-1}" = 1 ]; then export BRASS_TEST_QUICK=1; fi
make test-native
echo "test-plain-clone: the native suite passed in a plain clone"
