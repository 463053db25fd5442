#!/usr/bin/env bash
# quickstart.sh - the README's quick start, command for command (`make demo` runs it): set up,
# build, generate a MiniLM-shaped model (random weights, nothing downloaded), index the Python
# 3.11 documentation that Debian installs (python3.11-doc: library/ and tutorial/, about 10k
# chunks) into build/pydocs.db and search it. Re-running skips unchanged files. Keep this file
# and the "Quick start" block of README.md the same.
set -euo pipefail
cd "$(dirname "$0")/.."
set -x

make setup
make
/usr/bin/python3 tests/oracle/make_model.py build/models/minilm --preset minilm
export BRASS_LIBRARY=$PWD/build/pydocs.db
build/brass index --model build/models/minilm /usr/share/doc/python3.11/html/library /usr/share/doc/python3.11/html/tutorial
build/brass search "read and write CSV files"
build/brass search --mode keyword -n 3 "temporary files and directories"
build/brass search --json -n 1 "JSON encoder and decoder"
build/brass status
