#!/usr/bin/env bash
# build-wasm.sh - the WebAssembly builds: the same src/ as native, compiled by Emscripten with
# SIMD128, linked with utf8proc, cJSON, SQLite (FTS5) and zlib compiled here from Debian source
# packages.
# Output:
#   build-wasm/brass.js (+ .wasm, .worker.js): a node CLI with the same sub-commands (pthreads),
#     and the unit tests as node programs;
#   build-wasm/brass-web.* (pthreads), build-wasm-relaxed/brass-web-relaxed.* (pthreads and
#     relaxed-SIMD multiply-add, see src/nn/gemm_wasm.c) and build-wasm-st/brass-web-st.* (no threads: for pages
#     without cross-origin isolation; its deps and library are compiled without -pthread, as
#     objects with atomics cannot link into non-shared memory);
#   web/dist/: the browser app, ready to serve: both engine builds plus copies of web/*.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/build-wasm
out_st=$root/build-wasm-st
out_relaxed=$root/build-wasm-relaxed
dist=$root/web/dist
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

src=$out/deps/src
bash scripts/fetch-debian-sources.sh "$src"

# build_zlib PREFIX_DIR FLAGS...: zlib's inflate/deflate/CRC-32 core (no gz* file functions) as
# a static library under PREFIX_DIR, for the DOCX/ODT/EPUB zip reader (src/text/zip.c).
build_zlib() {
  local deps=$1
  shift
  local prefix=$deps/prefix
  [ -f "$prefix/lib/libz.a" ] && return
  mkdir -p "$prefix/lib" "$prefix/include" "$deps/obj/zlib"
  local objs=()
  for f in adler32 compress crc32 deflate infback inffast inflate inftrees trees uncompr zutil; do
    emcc "$@" -c "$src/zlib/$f.c" -o "$deps/obj/zlib/$f.o"
    objs+=("$deps/obj/zlib/$f.o")
  done
  emar rcs "$prefix/lib/libz.a" "${objs[@]}"
  cp "$src/zlib/zlib.h" "$src/zlib/zconf.h" "$prefix/include/"
}

# build_deps PREFIX_DIR FLAGS...: utf8proc, cJSON, SQLite and zlib as static libraries under
# PREFIX_DIR.
build_deps() {
  local deps=$1
  shift
  local prefix=$deps/prefix
  build_zlib "$deps" "$@"
  if [ -f "$prefix/lib/libutf8proc.a" ] && [ -f "$prefix/lib/libcjson.a" ] &&
    [ -f "$prefix/lib/libsqlite3.a" ]; then
    return
  fi
  mkdir -p "$prefix/lib" "$prefix/include/cjson" "$deps/obj"
  emcc "$@" -DUTF8PROC_STATIC -c "$src/utf8proc/utf8proc.c" -o "$deps/obj/utf8proc.o"
  emar rcs "$prefix/lib/libutf8proc.a" "$deps/obj/utf8proc.o"
  cp "$src/utf8proc/utf8proc.h" "$prefix/include/"
  emcc "$@" -c "$src/cjson/cJSON.c" -o "$deps/obj/cJSON.o"
  emar rcs "$prefix/lib/libcjson.a" "$deps/obj/cJSON.o"
  cp "$src/cjson/cJSON.h" "$prefix/include/cjson/"
  # SQLite's source tree makes its one-file amalgamation with tclsh (once, shared by both builds);
  # then Emscripten compiles it.
  local amal=$out/deps/sqlite-build
  if [ ! -f "$amal/sqlite3.c" ]; then
    mkdir -p "$amal"
    (cd "$amal" && "$src/sqlite3/configure" --enable-fts5 >/dev/null && make sqlite3.c >/dev/null)
  fi
  emcc "$@" -DSQLITE_ENABLE_FTS5 -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION \
    -DSQLITE_DEFAULT_FOREIGN_KEYS=1 -c "$amal/sqlite3.c" -o "$deps/obj/sqlite3.o"
  emar rcs "$prefix/lib/libsqlite3.a" "$deps/obj/sqlite3.o"
  cp "$amal/sqlite3.h" "$prefix/include/"
}

# threaded: node CLI, tests and brass-web
build_deps "$out/deps" -O2 -pthread -msimd128
emcmake cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DBRASS_DEPS_PREFIX="$out/deps/prefix" \
  >/dev/null
cmake --build "$out" -j"$(nproc)"
echo "build-wasm: $out/brass.js"

# threaded with relaxed-SIMD multiply-add: brass-web-relaxed only (same deps; chosen by the
# worker when the browser validates f32x4.relaxed_madd)
emcmake cmake -S . -B "$out_relaxed" -DCMAKE_BUILD_TYPE=Release \
  -DBRASS_DEPS_PREFIX="$out/deps/prefix" -DBRASS_WASM_RELAXED=ON -DBRASS_TESTS=OFF >/dev/null
cmake --build "$out_relaxed" -j"$(nproc)" --target brass_web

# single-threaded: brass-web-st only
build_deps "$out_st/deps" -O2 -msimd128
emcmake cmake -S . -B "$out_st" -DCMAKE_BUILD_TYPE=Release -DBRASS_DEPS_PREFIX="$out_st/deps/prefix" \
  -DBRASS_WASM_THREADS=OFF -DBRASS_TESTS=OFF >/dev/null
cmake --build "$out_st" -j"$(nproc)" --target brass_web

# the browser app
mkdir -p "$dist"
for f in brass-web.js brass-web.wasm brass-web.worker.js; do cp "$out/$f" "$dist/"; done
for f in brass-web-relaxed.js brass-web-relaxed.wasm brass-web-relaxed.worker.js; do
  cp "$out_relaxed/$f" "$dist/"
done
for f in brass-web-st.js brass-web-st.wasm; do cp "$out_st/$f" "$dist/"; done
for f in web/*.html web/*.css web/*.js; do
  [ -e "$f" ] && cp "$f" "$dist/"
done
# pdf.js for PDFs in the browser (web/pdf-text.js): Debian's libjs-pdf (Apache-2.0), loaded by the
# engine worker only when a PDF is dropped
pdfjs=/usr/share/javascript/pdf/build
if [ -f "$pdfjs/pdf.js" ] && [ -f "$pdfjs/pdf.worker.js" ]; then
  cp "$pdfjs/pdf.js" "$pdfjs/pdf.worker.js" "$dist/"
else
  echo "build-wasm: $pdfjs/pdf.js missing (apt-get install libjs-pdf): the web app cannot read PDFs" >&2
fi
echo "build-wasm: $dist/ (serve it with: brass serve --root web/dist)"
