#!/usr/bin/env bash
# test_model_pull.sh - `brass model pull` / `brass model list` against a loopback stand-in for the
# Hugging Face hub (hub_server.py serving REPO/resolve/REVISION/FILE). A small generated model is
# described in a $BRASS_MODEL_TABLE file (sizes and SHA-256 computed here by Python's hashlib) and
# pulled through HF_ENDPOINT; then `--model NAME` must work for embed and index, and a pulled
# cross-encoder's name for `rerank --model`. The built-in table must list every pinned model
# (embedding, static and cross-encoder entries). Failures must
# exit non-zero with one line naming the file and the problem, and leave no model folder and no
# temporary folder behind: SHA-256 mismatch, truncated file (size), HTTP 404, connection refused,
# file size limit (ulimit -f, as a stand-in for a full disk), unknown name, unpinned hash, a bad
# table. Needs BRASS, BRASS_SRC and /usr/bin/python3 with torch (make_model.py).
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/brass-pull.XXXXXX")
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
export BRASS_THREADS=2 XDG_DATA_HOME="$T/data"
unset BRASS_LIBRARY BRASS_MODEL HF_ENDPOINT
MODELS="$XDG_DATA_HOME/brass/models"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# The model: 2 layers, hidden 64, the full BERT vocabulary (so model.safetensors is ~8 MB); and a
# one-layer cross-encoder (BertForSequenceClassification, one label, the first 3,000 vocabulary
# entries, so that it loads fast under ASan), pulled as tiny-ce. One
# Python process makes both (importing torch is the slow part).
"$PY" - "$BRASS_SRC/tests/oracle" "$T" <<'EOF' || { echo "FAIL: make_model.py" >&2; exit 1; }
import sys
sys.path.insert(0, sys.argv[1])
from make_model import make_model
make_model(sys.argv[2] + "/src", layers=2, hidden=64, heads=4, intermediate=128, seed=3)
make_model(sys.argv[2] + "/ce", kind="cross-encoder", layers=1, hidden=32, heads=2,
           intermediate=64, vocab_size=3000, seed=5)
EOF

REPO=test-org/tiny-bert
REV=0123456789abcdef0123456789abcdef01234567
HUB="$T/hub"
# publish REV: copies the model to $HUB/$REPO/resolve/REV/ and prints that folder.
publish() {
  local d="$HUB/$REPO/resolve/$1"
  mkdir -p "$d" && cp -r "$T/src/." "$d/" && echo "$d"
}
publish "$REV" >/dev/null
d=$(publish badsha) # same size, one bit flipped
"$PY" -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-2]^=1; open(p,"wb").write(b)' "$d/config.json"
d=$(publish short)
truncate -s -1000 "$d/model.safetensors"
publish cut >/dev/null  # hub_server.py closes the connection halfway through each file
publish slow >/dev/null # hub_server.py sends each file slowly
publish nolen >/dev/null # hub_server.py sends half of each file, without Content-Length
publish redir-target >/dev/null # where hub_server.py redirects revision "redir" to
mkdir -p "$HUB/test-org/tiny-ce/resolve/$REV" && cp -r "$T/ce/." "$HUB/test-org/tiny-ce/resolve/$REV/"

# table.json: entries NAME -> (revision, extra options), with sizes and hashes of the generated
# files (the source of truth is the model folder, not brass).
"$PY" - "$T/src" "$T/table.json" "$REPO" "$REV" "$T/ce" <<'EOF'
import hashlib, json, os, sys
src, out, repo, rev, ce = sys.argv[1:6]
def listing(folder):
    files = []
    for root, _, names in os.walk(folder):
        for n in sorted(names):
            p = os.path.join(root, n)
            data = open(p, "rb").read()
            files.append({"path": os.path.relpath(p, folder), "size": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()})
    return files
files = listing(src)
def entry(name, revision, fs):
    return {"name": name, "repo": repo, "revision": revision, "files": fs}
table = [
    {"name": "tiny-ce", "repo": "test-org/tiny-ce", "revision": rev, "files": listing(ce)},
    entry("tiny", rev, files),
    entry("tiny-badsha", "badsha", files),
    entry("tiny-short", "short", files),
    entry("tiny-cut", "cut", files),
    entry("tiny-slow", "slow", files),
    entry("tiny-nolen", "nolen", files),
    entry("tiny-redir", "redir", files),
    entry("tiny-404", rev, files + [{"path": "missing.json", "size": 2, "sha256": "0" * 64}]),
    entry("tiny-unpinned", rev, [dict(f, sha256=None) if f["path"] == "config.json" else f
                                 for f in files]),
]
json.dump(table, open(out, "w"), indent=1)
EOF
export BRASS_MODEL_TABLE="$T/table.json"

"$PY" "$BRASS_SRC/tests/model/hub_server.py" "$HUB" "$T/port" 2>"$T/hub.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { echo "FAIL: hub server did not start" >&2; exit 1; }
export HF_ENDPOINT="http://127.0.0.1:$(cat "$T/port")"

# leftovers: prints folders under $MODELS other than the listed ones (tmp/old folders included).
leftovers() {
  local keep=" $* "
  for d in "$MODELS"/* "$MODELS"/.[!.]*; do
    [ -e "$d" ] || continue
    case "$keep" in *" $(basename "$d") "*) ;; *) echo "$(basename "$d")" ;; esac
  done
}
# expect_fail WHAT NAME PATTERN... : `brass model pull NAME` must fail with one stderr line
# matching every PATTERN, and leave nothing new behind.
expect_fail() {
  local what=$1 name=$2
  shift 2
  "$BRASS" model pull "$name" >"$T/out" 2>"$T/err"
  local rc=$?
  local last
  last=$(grep -v '^pulling \|^  ' "$T/err")
  if [ $rc -eq 0 ] || [ $rc -ge 128 ]; then
    fail "$what: exit status $rc"
    return
  fi
  [ "$(printf '%s\n' "$last" | grep -c .)" -eq 1 ] || fail "$what: not one error line: $last"
  for pat in "$@"; do
    printf '%s\n' "$last" | grep -q -- "$pat" || fail "$what: error lacks '$pat': $last"
  done
  [ -e "$MODELS/$name" ] && fail "$what: $MODELS/$name was left behind"
  local left
  left=$(leftovers tiny)
  [ -z "$left" ] || fail "$what: left behind: $left"
  ok "$what: $last"
}

# ---- a good pull ----
if "$BRASS" model pull tiny >"$T/out" 2>"$T/err"; then ok "pull tiny"; else fail "pull tiny: $(cat "$T/err")"; fi
grep -q "^pulled tiny into $MODELS/tiny" "$T/out" || fail "pull tiny: stdout: $(cat "$T/out")"
(cd "$T/src" && find . -type f | sort) >"$T/want.files"
for f in $(cat "$T/want.files"); do
  cmp -s "$T/src/$f" "$MODELS/tiny/$f" || fail "pulled $f differs from the served file"
done
[ "$(cat "$T/want.files" | wc -l)" -ge 6 ] || fail "too few model files: $(cat "$T/want.files")"
[ -z "$(leftovers tiny)" ] || fail "pull tiny left: $(leftovers tiny)"
[ -z "$(find "$MODELS/tiny" -name '*.part')" ] || fail "pull tiny left .part files"
grep -q "GET /$REPO/resolve/$REV/model.safetensors" "$T/hub.log" ||
  fail "the hub never saw the HF URL layout: $(tail -3 "$T/hub.log")"

# --model NAME for embed (same vectors as the folder itself) and index.
printf 'hello world\nthe marmelquist rotation of keys\n' >"$T/lines.txt"
"$BRASS" embed --model "$T/src" <"$T/lines.txt" >"$T/by_dir" 2>"$T/err" || fail "embed --model DIR: $(cat "$T/err")"
if "$BRASS" embed --model tiny <"$T/lines.txt" >"$T/by_name" 2>"$T/err"; then
  if [ -s "$T/by_name" ] && cmp -s "$T/by_dir" "$T/by_name"; then ok "embed --model tiny"; else fail "embed --model tiny: output differs from --model DIR"; fi
else
  fail "embed --model tiny: $(cat "$T/err")"
fi
"$BRASS" embed --model no-such-model <"$T/lines.txt" >/dev/null 2>"$T/err" && fail "embed --model no-such-model succeeded"
grep -q "no-such-model" "$T/err" || fail "embed --model no-such-model: error does not name it: $(cat "$T/err")"
mkdir -p "$T/corpus" && printf 'A note about zapfhilde installers.\n' >"$T/corpus/a.txt"
if "$BRASS" index --quiet --library "$T/lib.db" --model tiny "$T/corpus" >/dev/null 2>"$T/err"; then
  "$BRASS" status --json --library "$T/lib.db" >"$T/status.json" 2>/dev/null
  dir=$("$PY" -c 'import json,sys; print((json.load(open(sys.argv[1])).get("model") or {}).get("dir",""))' "$T/status.json")
  [ "$dir" == "$MODELS/tiny" ] && ok "index --model tiny records $dir" || fail "index --model tiny: model dir '$dir'"
else
  fail "index --model tiny: $(cat "$T/err")"
fi

# A pulled cross-encoder's name works for `rerank --model` (and so for search/serve --rerank,
# which resolve names the same way): same scores as the folder itself.
printf '{"query": "the rotation of keys", "passage": "a rotation of the keys"}\n' >"$T/pairs.jsonl"
if "$BRASS" model pull tiny-ce >/dev/null 2>"$T/err"; then
  "$BRASS" rerank --model "$T/ce" <"$T/pairs.jsonl" >"$T/ce_dir" 2>"$T/err" || fail "rerank --model DIR: $(cat "$T/err")"
  if "$BRASS" rerank --model tiny-ce <"$T/pairs.jsonl" >"$T/ce_name" 2>"$T/err" && [ -s "$T/ce_name" ] &&
    cmp -s "$T/ce_dir" "$T/ce_name"; then
    ok "rerank --model tiny-ce: $(cat "$T/ce_name")"
  else
    fail "rerank --model tiny-ce: $(cat "$T/err") $(cat "$T/ce_name" 2>/dev/null)"
  fi
else
  fail "pull tiny-ce: $(cat "$T/err")"
fi
rm -rf "$MODELS/tiny-ce"

# Redirects are followed (the hub sends large files to its CDN).
if "$BRASS" model pull tiny-redir >/dev/null 2>"$T/err" &&
  cmp -s "$T/src/model.safetensors" "$MODELS/tiny-redir/model.safetensors"; then
  grep -q "GET /$REPO/resolve/redir-target/model.safetensors" "$T/hub.log" &&
    ok "pull follows redirects" || fail "pull tiny-redir: the redirect target was not fetched"
else
  fail "pull tiny-redir: $(cat "$T/err")"
fi
rm -rf "$MODELS/tiny-redir"

# ---- present again, --force ----
out=$("$BRASS" model pull tiny 2>&1)
[ $? -eq 0 ] && printf '%s' "$out" | grep -q "already present" && ok "re-pull: already present" || fail "re-pull: $out"
n_before=$(grep -c "GET /$REPO/resolve/$REV/model.safetensors" "$T/hub.log")
if "$BRASS" model pull tiny --force >/dev/null 2>"$T/err"; then
  n_after=$(grep -c "GET /$REPO/resolve/$REV/model.safetensors" "$T/hub.log")
  [ "$n_after" -gt "$n_before" ] && ok "pull --force downloads again" || fail "pull --force did not download"
  [ -z "$(leftovers tiny)" ] || fail "pull --force left: $(leftovers tiny)"
  cmp -s "$T/src/model.safetensors" "$MODELS/tiny/model.safetensors" || fail "pull --force: weights differ"
else
  fail "pull --force: $(cat "$T/err")"
fi

# ---- failures: nothing is left behind ----
expect_fail "sha mismatch" tiny-badsha "config.json" "SHA-256 mismatch"
expect_fail "truncated file" tiny-short "model.safetensors" "size mismatch"
expect_fail "http 404" tiny-404 "missing.json" "HTTP 404"
expect_fail "connection closed early" tiny-cut "config.json" "size mismatch"
expect_fail "short reply without length" tiny-nolen "config.json" "size mismatch: got"
CLOSED=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
HF_ENDPOINT="http://127.0.0.1:$CLOSED" expect_fail "connection refused" tiny-badsha "config.json" "connection refused"
expect_fail "unknown name" nosuch "unknown model 'nosuch'" "all-MiniLM-L6-v2" "bge-small-en-v1.5" "e5-small-v2" \
  "jina-embeddings-v2-small-en" "potion-base-8M" "ms-marco-MiniLM-L6-v2" "ms-marco-MiniLM-L12-v2" \
  "ms-marco-TinyBERT-L2-v2" "tiny"
expect_fail "unpinned hash refused" tiny-unpinned "config.json" "not verified: no pinned hash"
# A 2 MiB file size limit (the weights are ~8 MB): the write fails as on a full disk.
rm -rf "$MODELS/tiny"
(
  trap '' XFSZ
  ulimit -f 2048
  fails=0
  expect_fail "file size limit" tiny "model.safetensors" "file size limit"
  exit $fails
)
fails=$((fails + $?))
echo '[{"name": "../evil", "repo": "a/b", "revision": "r", "files": [{"path": "x"}]}]' >"$T/bad.json"
BRASS_MODEL_TABLE="$T/bad.json" expect_fail "bad table (name)" tiny "$T/bad.json" "name"
echo '[{"name": "ok", "repo": "a/b", "revision": "r", "files": [{"path": "../x"}]}]' >"$T/bad.json"
BRASS_MODEL_TABLE="$T/bad.json" expect_fail "bad table (path)" ok "$T/bad.json" "path"
echo '[{"name": ' >"$T/bad.json"
BRASS_MODEL_TABLE="$T/bad.json" expect_fail "bad table (json)" tiny "$T/bad.json" "JSON"

# SIGTERM during a (slow) download: one line saying so, nothing left behind.
"$BRASS" model pull tiny-slow >/dev/null 2>"$T/err" &
pull_pid=$!
for _ in $(seq 200); do
  [ -e "$MODELS/tiny-slow.tmp-$pull_pid/model.safetensors.part" ] && break
  sleep 0.05
done
[ -e "$MODELS/tiny-slow.tmp-$pull_pid/model.safetensors.part" ] || fail "slow pull: no .part file seen"
kill -TERM "$pull_pid"
wait "$pull_pid"
rc=$?
if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q "model.safetensors: interrupted" "$T/err"; then
  ok "interrupted pull: $(grep interrupted "$T/err")"
else
  fail "interrupted pull: exit $rc, $(cat "$T/err")"
fi
[ -e "$MODELS/tiny-slow" ] && fail "interrupted pull left the model folder"
[ -z "$(leftovers tiny tiny-unpinned)" ] || fail "interrupted pull left: $(leftovers tiny tiny-unpinned)"

# --allow-unverified downloads, says so, and keeps the model.
if "$BRASS" model pull tiny-unpinned --allow-unverified >/dev/null 2>"$T/err"; then
  grep -q "not verified: no pinned hash: tiny-unpinned/config.json" "$T/err" &&
    ok "--allow-unverified warns" || fail "--allow-unverified: no warning: $(cat "$T/err")"
  [ -f "$MODELS/tiny-unpinned/model.safetensors" ] || fail "--allow-unverified: no model"
else
  fail "pull --allow-unverified: $(cat "$T/err")"
fi

# ---- list ----
mkdir -p "$MODELS/my-own-model" && cp "$T/src/config.json" "$MODELS/my-own-model/"
"$BRASS" model pull tiny >/dev/null 2>&1 || fail "pull tiny (for list)"
if "$BRASS" model list --json >"$T/list.json" 2>"$T/err"; then
  got=$("$PY" - "$T/list.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
m = {x["name"]: x for x in j["models"]}
print(m["tiny"]["status"], m["tiny"]["bytes"] > 1000000, m["all-MiniLM-L6-v2"]["status"],
      m["all-MiniLM-L6-v2"]["path"], m["e5-small-v2"]["repo"], m["tiny-badsha"]["status"],
      m["my-own-model"]["status"], m["my-own-model"]["known"])
# the built-in reranker and static entries, each at a full 40-digit commit
for name in ("ms-marco-MiniLM-L6-v2", "ms-marco-MiniLM-L12-v2", "ms-marco-TinyBERT-L2-v2",
             "potion-base-8M"):
    x = m.get(name) or {}
    print(name, x.get("repo"), x.get("status"), x.get("known"), len(x.get("revision") or ""))
EOF
)
  want="present True absent None intfloat/e5-small-v2 absent other False
ms-marco-MiniLM-L6-v2 cross-encoder/ms-marco-MiniLM-L6-v2 absent True 40
ms-marco-MiniLM-L12-v2 cross-encoder/ms-marco-MiniLM-L12-v2 absent True 40
ms-marco-TinyBERT-L2-v2 cross-encoder/ms-marco-TinyBERT-L2-v2 absent True 40
potion-base-8M minishlab/potion-base-8M absent True 40"
  [ "$got" == "$want" ] && ok "list --json: $got" || fail "list --json: got '$got', want '$want'"
else
  fail "model list --json: $(cat "$T/err")"
fi
"$BRASS" model list >"$T/list.txt" 2>&1 || fail "model list"
grep -Eq "^ +tiny +present +[0-9.]+ MB +$MODELS/tiny\$" "$T/list.txt" || fail "list: tiny line: $(cat "$T/list.txt")"
grep -Eq "^ +bge-small-en-v1.5 +absent " "$T/list.txt" || fail "list: bge line: $(cat "$T/list.txt")"
grep -Eq "^ +ms-marco-MiniLM-L6-v2 +absent +- +cross-encoder/ms-marco-MiniLM-L6-v2\$" "$T/list.txt" ||
  fail "list: reranker line: $(cat "$T/list.txt")"
grep -Eq "^ +my-own-model +other " "$T/list.txt" || fail "list: other folder: $(cat "$T/list.txt")"
rm -f "$MODELS/tiny/vocab.txt"
"$BRASS" model list --json | "$PY" -c 'import json,sys; m={x["name"]:x for x in json.load(sys.stdin)["models"]}; sys.exit(m["tiny"]["status"]!="incomplete")' &&
  ok "list: a missing file makes it incomplete" || fail "list: missing file not reported"
"$BRASS" model pull tiny >/dev/null 2>"$T/err" && fail "pull over an incomplete folder succeeded without --force"
grep -q -- "--force" "$T/err" || fail "pull over an incomplete folder: $(cat "$T/err")"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
