#!/usr/bin/env bash
# run.sh - builds probe.c with Emscripten, turns its placeholder into the relaxed dot product and
# runs it in headless Chromium (see probe.c). Usage: bash bench/web/int8dot/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$root/build/bench/int8dot
mkdir -p "$out"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
emcc -O3 -msimd128 -mrelaxed-simd "$here/probe.c" -o "$out/probe.js"
python3 - "$out/probe.wasm" <<'PY'
import sys
p = sys.argv[1]
d = open(p, "rb").read()
n = d.count(b"\xfd\xd2\x01")
if n == 0:
    sys.exit("run.sh: no i32x4.laneselect placeholder found in %s" % p)
open(p, "wb").write(d.replace(b"\xfd\xd2\x01", b"\xfd\x93\x02"))
print("run.sh: rewrote %d placeholder(s)" % n)
PY
echo '<!doctype html><script src="probe.js"></script>' >"$out/index.html"
timeout 600 node "$here/run.mjs" "$out"
