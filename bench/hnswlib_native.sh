#!/usr/bin/env bash
# hnswlib_native.sh OUT - compiles bench/hnswlib_native.cc (hnswlib from Debian's libhnswlib-dev
# header) with -O3 -march=native into OUT, when OUT is missing or older than the source. The C++
# peer stays out of CMake, whose project is C only.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$1
SRC=bench/hnswlib_native.cc
[ -f /usr/include/hnswlib/hnswlib.h ] || { echo "hnswlib_native: no /usr/include/hnswlib (apt-get install libhnswlib-dev)" >&2; exit 1; }
if [ ! -x "$OUT" ] || [ "$SRC" -nt "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  VER=$(dpkg-query -W -f='${Version}' libhnswlib-dev 2>/dev/null || echo "(Debian header)")
  g++ -O3 -march=native -std=c++17 -pthread -Wall -Wextra -DHNSWLIB_VERSION_TEXT="\"$VER\"" \
    -o "$OUT" "$SRC"
fi
