#!/bin/bash
# test_index_search.sh - end to end `brass index` / `brass search` on a small generated corpus with a
# tiny random-weight model: what is indexed and skipped, incremental re-indexing (unchanged,
# modified, renamed, deleted files), keyword / hybrid / vector known-item queries, --json output,
# and clear one-line errors for bad inputs. Random weights make semantic ranking meaningless, so
# vector mode is checked by querying with a chunk's own text (its own vector is the nearest).
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"


tiny_model "$T/model"

C="$T/corpus"
mkdir -p "$C/docs/deep" "$C/src" "$C/.hidden" "$C/.git"
cat >"$C/docs/install.md" <<'MD'
# Installation

Brass needs a compiler. Run the zapfhilde installer first.

## Linux

On Linux use the package manager to fetch quorbleton and then build.

## Windows

Windows users download the kestrelvane archive.
MD
cat >"$C/docs/deep/notes.txt" <<'TXT'
These notes describe the marmelquist rotation of signing keys.
Keys are rotated every ninety days by the operations team.
TXT
cat >"$C/src/main.c" <<'CC'
#include <stdio.h>

static int flonderwhip(int x) {
  return x * 2;
}

int main(void) {
  printf("%d\n", flonderwhip(21));
  return 0;
}
CC
cat >"$C/docs/page.html" <<'HTML'
<html><head><title>Page</title><style>.tarnisquel { color: red }</style>
<script>var jubbleskrit = 1;</script></head>
<body><nav>menu</nav><h1>Garden</h1><p>The wibbletorn flowers bloom in spring.</p></body></html>
HTML
echo "small single chunk about the plinkerdoodle" >"$C/small.md"
echo "temporary file mentioning the vexmorrow" >"$C/gone.txt"
printf 'binary\0data grumblefax\0\1\2\3' >"$C/blob.bin"
echo "hidden hushwort text" >"$C/.hidden/secret.md"
echo "git internal hushwort" >"$C/.git/config"
head -c 3000 /dev/zero | tr '\0' 'a' >"$C/big.txt"
ln -s .. "$C/docs/deep/loop" # a symlink loop must not hang the walk
printf '# generated\n*.log\n!keep.log\nbuild/\n/docs/draft.md\n' >"$C/.gitignore"
mkdir -p "$C/build"
echo "ignored logwordzz" >"$C/debug.log"
echo "kept keeplogwordzz" >"$C/keep.log"
echo "ignored buildwordzz" >"$C/build/out.txt"
echo "ignored draftwordzz" >"$C/docs/draft.md"
echo "kept keptbuildwordzz (a file named build is not the build/ folder)" >"$C/src/build"
L="$T/lib.db"
B() { "$BRASS" "$@"; }

# ---- first index ----
if timeout 60 "$BRASS" index --model "$T/model" --library "$L" --json --max-file-size 2000 "$C" \
  >"$T/i1.json" 2>"$T/i1.err"; then ok "index"; else fail "index: $(cat "$T/i1.err")"; fi
expect "added" "$(json "$T/i1.json" 'j["added"]')" 8
expect "removed" "$(json "$T/i1.json" 'j["removed"]')" 0
expect "json keys" "$(json "$T/i1.json" 'all(k in j for k in ["added","updated","unchanged","removed","chunks_embedded","tokens","seconds"])')" True
CH1=$(json "$T/i1.json" 'j["chunks_embedded"]')
[ "$CH1" -ge 6 ] && ok "chunks embedded $CH1" || fail "chunks embedded $CH1 < 6"
grep -q "blob.bin (binary)" "$T/i1.err" && ok "binary skipped" || fail "binary not reported"
grep -q "big.txt (too large)" "$T/i1.err" && ok "large skipped" || fail "large file not reported"

# search SOURCE-SUFFIX MODE QUERY...: top result's source must end with SOURCE-SUFFIX
top() {
  local want=$1 mode=$2
  shift 2
  B search --library "$L" --mode "$mode" --json -n 5 "$@" >"$T/s.json" 2>"$T/s.err" ||
    { fail "search $mode $*: $(cat "$T/s.err")"; return; }
  local got
  got=$(json "$T/s.json" 'j["results"][0]["source"] if j["results"] else "none"')
  case "$got" in *"$want") ok "$mode '$*' -> $want" ;; *) fail "$mode '$*': top is $got, want $want" ;; esac
}
top docs/install.md keyword quorbleton
top docs/deep/notes.txt keyword marmelquist
top src/main.c keyword flonderwhip
top docs/page.html keyword wibbletorn
top docs/install.md hybrid kestrelvane
top docs/deep/notes.txt hybrid marmelquist rotation
expect "heading path" "$(B search --library "$L" --mode keyword --json quorbleton >"$T/h.json"; json "$T/h.json" 'j["results"][0]["heading"]')" "Installation > Linux"
expect "line range" "$(json "$T/h.json" '(j["results"][0]["line_start"], j["results"][0]["line_end"])')" "(5, 7)"
expect "snippet marks" "$(json "$T/h.json" '"**quorbleton**" in j["results"][0]["snippet"]')" True
expect "timings" "$(json "$T/h.json" 'sorted(j["timings"].keys()) != [] and j["mode"]')" keyword
top keep.log keyword keeplogwordzz
top src/build keyword keptbuildwordzz
for w in hushwort grumblefax jubbleskrit tarnisquel logwordzz buildwordzz draftwordzz; do
  B search --library "$L" --mode keyword --json "$w" >"$T/n.json"
  expect "no hits for skipped '$w'" "$(json "$T/n.json" 'len(j["results"])')" 0
done
# the page's nav/script must not appear, hidden files and the loop add no duplicates
B search --library "$L" --mode keyword --json -n 50 the >"$T/all.json"
expect "sources unique" "$(json "$T/all.json" 'len(set(r["source"] for r in j["results"])) == len(j["results"])')" True
expect "no hidden/loop paths" "$(json "$T/all.json" 'any("/." in r["source"] or "/loop/" in r["source"] for r in j["results"])')" False

# vector mode: a chunk's own text finds that chunk (HNSW and exact)
B search --library "$L" --mode keyword --json marmelquist >"$T/k.json"
TEXT=$(json "$T/k.json" 'j["results"][0]["text"]')
for ex in "" --exact; do
  B search --library "$L" --mode vector $ex --json -- "$TEXT" >"$T/v.json" || fail "vector search $ex"
  expect "vector$ex self-match" "$(json "$T/v.json" 'j["results"][0]["source"].endswith("docs/deep/notes.txt")')" True
  expect "vector$ex cosine" "$(json "$T/v.json" 'abs(j["results"][0]["score"] - 1) < 1e-3')" True
done

# ---- re-index: unchanged ----
B index --library "$L" --json --max-file-size 2000 "$C" >"$T/i2.json" 2>/dev/null || fail "re-index"
expect "re-index chunks_embedded" "$(json "$T/i2.json" 'j["chunks_embedded"]')" 0
expect "re-index unchanged" "$(json "$T/i2.json" 'j["unchanged"]')" 8

# ---- modify one file: only its chunk is re-embedded ----
echo "small single chunk about the snorkelwump" >"$C/small.md"
B index --library "$L" --json --max-file-size 2000 "$C" >"$T/i3.json" 2>/dev/null || fail "index after edit"
expect "modified updated" "$(json "$T/i3.json" 'j["updated"]')" 1
expect "modified chunks_embedded" "$(json "$T/i3.json" 'j["chunks_embedded"]')" 1
top small.md keyword snorkelwump
B search --library "$L" --mode keyword --json plinkerdoodle >"$T/o.json"
expect "old words gone" "$(json "$T/o.json" 'len(j["results"])')" 0

# ---- rename: vectors kept ----
mv "$C/docs/deep/notes.txt" "$C/docs/deep/keys.txt"
B index --library "$L" --json --max-file-size 2000 "$C" >"$T/i4.json" 2>/dev/null || fail "index after rename"
expect "rename chunks_embedded" "$(json "$T/i4.json" 'j["chunks_embedded"]')" 0
expect "rename removed" "$(json "$T/i4.json" 'j["removed"]')" 0
top docs/deep/keys.txt hybrid marmelquist

# ---- delete: results gone ----
rm "$C/gone.txt"
B index --library "$L" --json --max-file-size 2000 "$C" >"$T/i5.json" 2>/dev/null || fail "index after delete"
expect "deleted removed" "$(json "$T/i5.json" 'j["removed"]')" 1
B search --library "$L" --mode hybrid --json -n 50 vexmorrow >"$T/d.json"
expect "deleted file not found" "$(json "$T/d.json" 'any(r["source"].endswith("gone.txt") for r in j["results"])')" False

# ---- the incrementally updated graph answers like brute force; status agrees ----
for q in "marmelquist rotation" "installer compiler" "flowers bloom"; do
  B search --library "$L" --mode vector --json -n 4 -- "$q" >"$T/g1.json"
  B search --library "$L" --mode vector --exact --json -n 4 -- "$q" >"$T/g2.json"
  expect "hnsw = exact for '$q'" "$(json "$T/g1.json" '[r["source"] for r in j["results"]]')" \
    "$(json "$T/g2.json" '[r["source"] for r in j["results"]]')"
done
B status --library "$L" --json >"$T/st.json" || fail "status"
expect "status sources" "$(json "$T/st.json" 'j["sources"]')" 7
expect "status graph" "$(json "$T/st.json" 'j["graph"]')" current
expect "status vectors = chunks" "$(json "$T/st.json" 'j["vectors"] == j["chunks"] > 0')" True

# ---- keyword-only library without a model ----
B index --library "$T/kw.db" --json "$C/docs" >"$T/kw.json" 2>"$T/kw.err" || fail "keyword-only index"
grep -q "keyword search only" "$T/kw.err" && ok "keyword-only notice" || fail "no keyword-only notice"
B search --library "$T/kw.db" --json quorbleton >"$T/kws.json" 2>/dev/null || fail "keyword-only search"
expect "keyword-only mode" "$(json "$T/kws.json" 'j["mode"]')" keyword
expect "keyword-only hit" "$(json "$T/kws.json" 'j["results"][0]["source"].endswith("install.md")')" True

# ---- invalid UTF-8 in a file and in the query still gives valid JSON (U+FFFD) ----
mkdir -p "$T/u"
printf '# T\xffitle\n\nsome \xfe\xfe bad bytes in a mostly valid text with flumpword here\n' >"$T/u/bad.md"
B index --library "$T/u.db" --quiet "$T/u" >/dev/null || fail "index invalid UTF-8"
B search --library "$T/u.db" --json "$(printf 'flumpword \xff')" >"$T/u.json" || fail "search invalid UTF-8"
expect "invalid UTF-8 -> U+FFFD" "$("$PY" -c 'import json,sys; j=json.loads(open(sys.argv[1],"rb").read().decode("utf-8")); r=j["results"][0]; print(r["heading"] == "T\ufffditle" and "\ufffd" in j["query"] and "**flumpword**" in r["snippet"])' "$T/u.json")" True

# ---- bad inputs: one-line errors, non-zero exit ----
echo "not a database at all, just some text that is long enough to be a header" >"$T/notdb.db"
B search --library "$T/notdb.db" anything >/dev/null 2>"$T/e1"
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$T/e1")" -eq 1 ] && ok "non-SQLite library refused: $(cat "$T/e1")" ||
  fail "non-SQLite library: rc $rc, stderr: $(cat "$T/e1")"
B index --library "$T/notdb.db" "$C" >/dev/null 2>"$T/e2"
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$T/e2")" -eq 1 ] && ok "index into non-SQLite refused" || fail "index non-SQLite: rc $rc"
B index --library "$L" "$T/no/such/path" >/dev/null 2>"$T/e3"
rc=$?
[ $rc -ne 0 ] && grep -q "no/such/path" "$T/e3" && ok "missing path: $(cat "$T/e3")" || fail "missing path: rc $rc"
B search --library "$T/absent.db" anything >/dev/null 2>"$T/e4"
[ $? -ne 0 ] && [ ! -e "$T/absent.db" ] && ok "missing library refused, not created" || fail "missing library"
"$PY" "$BRASS_SRC/tests/oracle/make_model.py" "$T/model2" --layers 2 --hidden 64 --heads 4 \
  --intermediate 128 --seed 2 >/dev/null
B index --library "$L" --model "$T/model2" "$C" >/dev/null 2>"$T/e5"
rc=$?
[ $rc -ne 0 ] && grep -q "indexed with model" "$T/e5" && ok "different model refused" || fail "different model: rc $rc $(cat "$T/e5")"
B search --library "$L" --mode nonsense x >/dev/null 2>&1
expect "bad --mode exit" "$?" 2

# ---- help documents every flag ----
for f in --model --library --json --threads --max-file-size --chunk-tokens --batch --quiet; do
  B help index | grep -q -- "$f" || fail "help index lacks $f"
done
for f in -n --mode --exact --rrf-k --candidates --json --library --model --threads; do
  B help search | grep -q -- "$f" || fail "help search lacks $f"
done
for f in --library --json; do
  B help status | grep -q -- "$f" || fail "help status lacks $f"
done

if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
