#!/usr/bin/env bash
# demo.sh - `make demo`, the main job on a fresh machine without network: the README's quick start
# (scripts/quickstart.sh: set up, build, generate a model with the all-MiniLM-L6-v2 shape - random
# weights, the real BERT vocabulary, Hugging Face layout - index the Python docs and search them),
# then embed a few lines with build/brass and show the cosine similarities. With a real model
# folder in BRASS_MODEL, that one is used for the embedding part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/quickstart.sh
model=${BRASS_MODEL:-build/models/minilm}
if [ -z "${BRASS_MODEL:-}" ] && [ ! -f "$model/model.safetensors" ]; then
  echo "demo: generating a MiniLM-shaped model in $model (random weights)"
  /usr/bin/python3 tests/oracle/make_model.py "$model" --preset minilm >/dev/null
fi
texts=$(mktemp)
trap 'rm -f "$texts"' EXIT
cat >"$texts" <<'TXT'
How do we rotate the signing keys?
Key rotation: generate a new signing key, publish it, then retire the old one.
The cat sat on the mat.
TXT
echo "demo: embedding $(wc -l <"$texts") lines with $(build/brass --version)"
build/brass embed --model "$model" <"$texts" | /usr/bin/python3 -c '
import json, sys
vs = [json.loads(l) for l in sys.stdin]
print(f"dimension {len(vs[0])}; cosine similarity to line 1 (random weights unless BRASS_MODEL names a real model):")
for i, v in enumerate(vs):
    print(f"  line {i + 1}: {sum(a * b for a, b in zip(vs[0], v)):+.4f}")
'
