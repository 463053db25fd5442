#!/usr/bin/env bash
# build-wasm.sh - the WebAssembly build: the same src/ as native, compiled by Emscripten with
# pthreads and SIMD128, linked with utf8proc, cJSON and SQLite (FTS5) compiled here from Debian
# source packages.
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
if [ ! -f "$prefix/lib/libutf8proc.a" ] || [ ! -f "$prefix/lib/libcjson.a" ] ||
  [ ! -f "$prefix/lib/libsqlite3.a" ]; then
  mkdir -p "$prefix/lib" "$prefix/include/cjson" "$deps/obj"
  emcc "${CFLAGS_DEPS[@]}" -DUTF8PROC_STATIC -c "$deps/src/utf8proc/utf8proc.c" -o "$deps/obj/utf8proc.o"
  emar rcs "$prefix/lib/libutf8proc.a" "$deps/obj/utf8proc.o"
  cp "$deps/src/utf8proc/utf8proc.h" "$prefix/include/"
  emcc "${CFLAGS_DEPS[@]}" -c "$deps/src/cjson/cJSON.c" -o "$deps/obj/cJSON.o"
  emar rcs "$prefix/lib/libcjson.a" "$deps/obj/cJSON.o"
  cp "$deps/src/cjson/cJSON.h" "$prefix/include/cjson/"
  # SQLite's source tree makes its one-file amalgamation with tclsh; then Emscripten compiles it.
  if [ ! -f "$deps/sqlite-build/sqlite3.c" ]; then
    mkdir -p "$deps/sqlite-build"
    (cd "$deps/sqlite-build" && "$deps/src/sqlite3/configure" --enable-fts5 >/dev/null &&
      make sqlite3.c >/dev/null)
  fi
  emcc "${CFLAGS_DEPS[@]}" -DSQLITE_ENABLE_FTS5 -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION \
    -DSQLITE_DEFAULT_FOREIGN_KEYS=1 -c "$deps/sqlite-build/sqlite3.c" -o "$deps/obj/sqlite3.o"
  emar rcs "$prefix/lib/libsqlite3.a" "$deps/obj/sqlite3.o"
  cp "$deps/sqlite-build/sqlite3.h" "$prefix/include/"
fi

emcmake cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DBRASS_DEPS_PREFIX="$prefix" >/dev/null
cmake --build "$out" -j"$(nproc)"
echo "build-wasm: $out/brass.js"
