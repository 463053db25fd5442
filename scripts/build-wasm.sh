#!/usr/bin/env bash
# build-wasm.sh - the WebAssembly build: the same src/ as native, compiled by Emscripten with
# pthreads and SIMD128, linked with utf8proc and cJSON compiled here from Debian source packages.
# Output: build-wasm/brass.js (+ .wasm, .worker.js), a node CLI with the same sub-commands, and the
# unit tests as node programs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/build-wasm
deps=$out/deps
prefix=$deps/prefix
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

bash scripts/fetch-debian-sources.sh "$deps/src"

CFLAGS_DEPS=(-O2 -pthread -msimd128)
if [ ! -f "$prefix/lib/libutf8proc.a" ] || [ ! -f "$prefix/lib/libcjson.a" ]; then
  mkdir -p "$prefix/lib" "$prefix/include/cjson" "$deps/obj"
  emcc "${CFLAGS_DEPS[@]}" -DUTF8PROC_STATIC -c "$deps/src/utf8proc/utf8proc.c" -o "$deps/obj/utf8proc.o"
  emar rcs "$prefix/lib/libutf8proc.a" "$deps/obj/utf8proc.o"
  cp "$deps/src/utf8proc/utf8proc.h" "$prefix/include/"
  emcc "${CFLAGS_DEPS[@]}" -c "$deps/src/cjson/cJSON.c" -o "$deps/obj/cJSON.o"
  emar rcs "$prefix/lib/libcjson.a" "$deps/obj/cJSON.o"
  cp "$deps/src/cjson/cJSON.h" "$prefix/include/cjson/"
fi

emcmake cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DBRASS_DEPS_PREFIX="$prefix" >/dev/null
cmake --build "$out" -j"$(nproc)"
echo "build-wasm: $out/brass.js"
