#!/bin/bash
# test_cli_output.sh - what the CLI prints, and that it never loses output or hides it (issue 10).
#  - Output lost: every command writing to /dev/full (ENOSPC) or past a file size limit (ulimit -f,
#    EFBIG) exits 1 with "brass: writing output: REASON" instead of 0; on a small tmpfs (when
#    mounting is permitted) a large --json result is never cut short with exit 0.
#  - Control characters: file names with a newline, ESC, BEL or a C1 control, documents whose
#    headings and text hold escape sequences: plain-text output holds none of these bytes (shown
#    as \n, \e, \x07, \u009b) and one result stays one line; --json keeps the exact text.
#  - Byte-order marks: a UTF-8 BOM does not hide a markdown file's first heading or lead its
#    snippet; a UTF-16 file is indexed as text; a BOM in vocab.txt or .gitignore changes nothing.
#  - Smaller ones: $BRASS_THREADS / $BRASS_KERNEL refused like --threads; --library "" refused;
#    a relative $XDG_DATA_HOME ignored; keyword-only runs do not claim "0 chunks embedded";
#    --model NAME of a known model not pulled says 'brass model pull NAME'; a failed first run
#    leaves no library file (and a failed later run keeps the library); an empty query refused.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
MNT=""
cleanup() {
  [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
export HOME="$T/home" XDG_DATA_HOME="$T/xdg"
mkdir -p "$HOME"

# ---- a corpus with hostile names and content ----
C="$T/corpus"
mkdir -p "$C"
printf '# Title \033]0;pwned\007 here\n\nzorblax \033[2J cleared \302\233 csi text\n' >"$C/esc.md"
printf 'zorblax in a file whose name has a newline\n' >"$C/new
line.txt"
printf 'zorblax in a file named with ESC\n' >"$C/$(printf 'e\033[31mred.txt')"
printf '\357\273\277# Bom Head\n\nquuxword body words here\n' >"$C/bom.md"
printf '\377\376#\0 \0U\0t\0f\0\n\0\n\0w\0i\0d\0e\0w\0o\0r\0d\0 \0t\0e\0x\0t\0\n\0' >"$C/utf16.md"
printf 'bin\0ary' >"$C/$(printf 'bin\033[2Jary.dat')"
L="$T/lib.db"
"$BRASS" index --library "$L" "$C" >"$T/out" 2>"$T/err"
expect "index exit" "$?" 0
grep -q 'keyword index only, nothing embedded (no model)' "$T/out" && ! grep -q '0 chunks embedded' "$T/out" &&
  ok "keyword-only summary says nothing was embedded" || fail "keyword-only summary: $(cat "$T/out")"
grep -q 'skipped .*bin\\e\[2Jary.dat (binary)' "$T/err" && ! grep -q $'\033' "$T/err" &&
  ok "skip notice shows the ESC in a file name as \\e" || fail "skip notice: $(cat -v "$T/err")"

# ---- control characters in plain text; JSON exact ----
"$BRASS" search --library "$L" -n 10 zorblax >"$T/s" 2>"$T/err"
expect "search exit" "$?" 0
if LC_ALL=C grep -q $'[\001-\010\013-\037\177]' "$T/s" || grep -q $'\302\233' "$T/s"; then
  fail "raw control characters in search output: $(cat -v "$T/s")"
else
  ok "no raw control characters in search output"
fi
grep -q 'new\\nline.txt:1-1' "$T/s" && ok "a newline in a file name shows as \\n on one line" ||
  fail "newline file name: $(cat -v "$T/s")"
grep -qF '[Title \e]0;pwned\x07 here]' "$T/s" && grep -qF '\e[2J cleared \u009b csi' "$T/s" &&
  ok "heading and snippet escapes shown as \\e, \\x07, \\u009b" || fail "escapes: $(cat -v "$T/s")"
grep -qF 'e\e[31mred.txt' "$T/s" && ok "ESC in a file name shown as \\e" || fail "ESC name: $(cat -v "$T/s")"
expect "result lines (3 results, 2 lines each)" "$(wc -l <"$T/s")" 6
"$BRASS" search --library "$L" --json zorblax >"$T/j"
json "$T/j" 'sorted(r["source"].rsplit("/",1)[1] for r in j["results"]) == sorted(["esc.md", "new\nline.txt", "e\x1b[31mred.txt"]) and any("\x1b]0;pwned\x07" in r["heading"] for r in j["results"]) and any("\x1b[2J" in r["text"] for r in j["results"])' >"$T/v"
expect "JSON keeps names, headings and text exact" "$(cat "$T/v")" True
"$BRASS" search --library "$(printf "$T/no\033[2Jsuch.db")" x 2>"$T/err" >/dev/null
grep -qF 'no\e[2Jsuch.db: no such library' "$T/err" && ! grep -q $'\033' "$T/err" &&
  ok "an error quoting a file name escapes it" || fail "error message: $(cat -v "$T/err")"

# ---- byte-order marks ----
"$BRASS" search --library "$L" quuxword >"$T/s"
grep -q 'bom.md:.*\[Bom Head\]' "$T/s" && ! grep -q $'\357\273\277' "$T/s" &&
  ok "UTF-8 BOM: heading found, no BOM in the snippet" || fail "BOM: $(cat -v "$T/s")"
"$BRASS" search --library "$L" --json wideword >"$T/j"
json "$T/j" 'j["results"][0]["source"].endswith("utf16.md") and j["results"][0]["heading"] == "Utf"' >"$T/v"
expect "UTF-16 file indexed with its heading" "$(cat "$T/v")" True

# ---- output that cannot be written ----
full_case() { # full_case WHAT ARGS...: stdout to /dev/full -> exit 1 and the ENOSPC message
  local what="$1"
  shift
  "$@" >/dev/full 2>"$T/err"
  local rc=$?
  if [ "$rc" = 1 ] && grep -q '^brass: writing output: No space left on device$' "$T/err"; then
    ok "$what > /dev/full -> exit 1, writing output: No space left on device"
  else
    fail "$what > /dev/full: exit $rc, $(cat "$T/err")"
  fi
}
full_case "search" "$BRASS" search --library "$L" zorblax
full_case "search --json" "$BRASS" search --library "$L" --json zorblax
full_case "search, no results" "$BRASS" search --library "$L" nothingmatchesthis
full_case "status" "$BRASS" status --library "$L"
full_case "status --json" "$BRASS" status --library "$L" --json
full_case "--help" "$BRASS" --help
full_case "--version" "$BRASS" --version
full_case "help index" "$BRASS" help index
full_case "search --help" "$BRASS" search --help
full_case "model list" "$BRASS" model list
full_case "model list --json" "$BRASS" model list --json
full_case "index" "$BRASS" index --quiet --library "$T/l2.db" "$C/bom.md"
full_case "index --json" "$BRASS" index --quiet --json --library "$T/l2.db" "$C/bom.md"
full_case "remove" "$BRASS" remove --library "$T/l2.db" "$C/bom.md"
full_case "compact" "$BRASS" compact --library "$T/l2.db"
tiny_model "$T/model"
echo "some words" | "$BRASS" embed --model "$T/model" >/dev/full 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && grep -q 'write failed: No space left on device' "$T/err" &&
  ok "embed > /dev/full -> exit 1" || fail "embed > /dev/full: exit $rc, $(cat "$T/err")"

# ---- a byte-order mark in the files brass parses itself: vocab.txt, .gitignore ----
cp -r "$T/model" "$T/model-bom"
rm -f "$T/model-bom/tokenizer.json" # the tokenizer from vocab.txt
for f in vocab.txt config.json; do { printf '\357\273\277'; cat "$T/model/$f"; } >"$T/model-bom/$f"; done
want=$(echo "[PAD] hello world" | "$BRASS" embed --tokens --model "$T/model" 2>&1)
got=$(echo "[PAD] hello world" | "$BRASS" embed --tokens --model "$T/model-bom" 2>&1)
expect "vocab.txt with a BOM tokenizes as without" "$got" "$want"
G="$T/ignored"
mkdir -p "$G"
printf '\357\273\277secret.txt\n' >"$G/.gitignore"
echo "gitignored words" >"$G/secret.txt"
echo "kept words" >"$G/kept.txt"
"$BRASS" index --quiet --json --library "$T/g.db" "$G" >"$T/j" 2>/dev/null
expect "a .gitignore with a BOM still ignores its first pattern" "$(json "$T/j" 'j["added"]')" 1

# truncated output: a file size limit of 64 KiB (room for the library's 32 KiB -shm file) under a
# result of more
filler=$(for k in $(seq 300); do printf 'filler%d ' "$k"; done)
for i in $(seq 60); do printf '# Part %d\n\nlongword %s\n' "$i" "$filler" >"$C/p$i.md"; done
"$BRASS" index --quiet --library "$L" "$C" >/dev/null 2>&1
"$BRASS" search --library "$L" --json -n 50 longword >"$T/big.json"
size=$(stat -c %s "$T/big.json")
[ "$size" -gt 98304 ] && ok "reference JSON is $size bytes" || fail "reference JSON only $size bytes"
(
  ulimit -f 64
  "$BRASS" search --library "$L" --json -n 50 longword >"$T/cut.json" 2>"$T/err"
)
rc=$?
[ "$rc" = 1 ] && grep -q '^brass: writing output: File too large$' "$T/err" &&
  ok "JSON past ulimit -f 64 -> exit 1, writing output: File too large ($(stat -c %s "$T/cut.json") bytes written)" ||
  fail "ulimit -f: exit $rc, $(cat "$T/err")"
MNT="$T/mnt"
mkdir -p "$MNT"
if mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null; then
  "$BRASS" search --library "$L" --json -n 50 longword >"$MNT/out.json" 2>"$T/err"
  rc=$?
  [ "$rc" = 1 ] && grep -q '^brass: writing output: No space left on device$' "$T/err" &&
    ok "JSON onto a 64 KiB tmpfs -> exit 1, writing output: No space left on device" ||
    fail "tmpfs: exit $rc, $(cat "$T/err")"
  umount "$MNT"
else
  MNT=""
  echo "skip: cannot mount a tmpfs here (not root?): /dev/full and ulimit -f cover a full disk"
fi

# ---- environment and options ----
for v in abc 0 100000 -3 ''; do
  [ -z "$v" ] && continue
  BRASS_THREADS=$v "$BRASS" search --library "$L" zorblax >/dev/null 2>"$T/err"
  rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "BRASS_THREADS: expected an integer from 1 to 256, got '$v'" "$T/err" &&
    ok "BRASS_THREADS=$v refused: $(cat "$T/err")" || fail "BRASS_THREADS=$v: exit $rc, $(cat "$T/err")"
done
"$BRASS" search --library "$L" --threads 0 zorblax >/dev/null 2>"$T/err2"
grep -q "expected an integer from 1 to 256, got '0'" "$T/err2" && ok "--threads 0 refused the same way" ||
  fail "--threads 0: $(cat "$T/err2")"
BRASS_KERNEL=bogus "$BRASS" --version >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 2 ] && grep -q "BRASS_KERNEL: expected ref, avx2, avx-vnni, avx512 or wasm, got 'bogus'" "$T/err" &&
  ok "BRASS_KERNEL=bogus refused" || fail "BRASS_KERNEL=bogus: exit $rc, $(cat "$T/err")"
BRASS_KERNEL=ref BRASS_THREADS=3 "$BRASS" --version >"$T/out" 2>&1
grep -q 'kernel ref, 3 threads' "$T/out" && ok "valid BRASS_KERNEL/BRASS_THREADS taken" ||
  fail "valid env: $(cat "$T/out")"
for cmd in search status index remove compact; do
  "$BRASS" $cmd --library "" x >/dev/null 2>"$T/err"
  rc=$?
  [ "$rc" = 2 ] && grep -q -- '--library needs a file name' "$T/err" && ok "$cmd --library \"\" refused" ||
    fail "$cmd --library \"\": exit $rc, $(cat "$T/err")"
done
(cd "$T" && XDG_DATA_HOME=relative "$BRASS" status 2>"$T/err" >/dev/null)
grep -qF "$HOME/.local/share/brass/library.db: no such library" "$T/err" &&
  ok "relative XDG_DATA_HOME ignored (library under ~/.local/share)" || fail "relative XDG: $(cat "$T/err")"
(cd "$T" && XDG_DATA_HOME=relative "$BRASS" model list >"$T/out")
grep -qF "models folder: $HOME/.local/share/brass/models" "$T/out" &&
  ok "relative XDG_DATA_HOME ignored for the models folder" || fail "relative XDG models: $(cat "$T/out")"
"$BRASS" status 2>"$T/err" >/dev/null
grep -qF "$XDG_DATA_HOME/brass/library.db" "$T/err" && ok "absolute XDG_DATA_HOME used" ||
  fail "absolute XDG: $(cat "$T/err")"

# ---- --model NAME, failed runs, empty queries ----
"$BRASS" index --library "$T/new.db" --model all-MiniLM-L6-v2 "$C/bom.md" 2>"$T/err" >/dev/null
rc=$?
[ "$rc" = 1 ] && grep -q "run 'brass model pull all-MiniLM-L6-v2'" "$T/err" && [ ! -e "$T/new.db" ] &&
  ok "--model of a known model not pulled suggests the pull, creates no library" ||
  fail "--model not pulled: exit $rc, $(cat "$T/err"), $(ls "$T")"
"$BRASS" search --library "$L" --model all-MiniLM-L6-v2 x 2>"$T/err" >/dev/null
grep -q "brass model pull all-MiniLM-L6-v2" "$T/err" && ok "search --model NAME suggests the pull too" ||
  fail "search --model: $(cat "$T/err")"
"$BRASS" index --library "$T/new.db" --model "$T/nomodel" "$C/bom.md" 2>"$T/err" >/dev/null
[ $? = 1 ] && [ ! -e "$T/new.db" ] && ok "a missing model folder leaves no library: $(cat "$T/err")" ||
  fail "missing model folder: $(cat "$T/err"), $(ls "$T")"
"$BRASS" index --library "$T/new.db" "$T/does-not-exist" 2>"$T/err" >/dev/null
[ $? = 1 ] && [ ! -e "$T/new.db" ] && [ ! -e "$T/new.db-wal" ] &&
  ok "a failed first run leaves no library file" || fail "failed first run: $(cat "$T/err"), $(ls "$T")"
"$BRASS" index --library "$L" "$T/does-not-exist" 2>/dev/null >/dev/null
[ -s "$L" ] && "$BRASS" search --library "$L" zorblax >/dev/null 2>&1 &&
  ok "a failed run on an existing library keeps it" || fail "existing library lost after a failed run"
"$BRASS" search --library "$L" "" >/dev/null 2>"$T/err"
expect "search \"\" exit" "$?" 2
"$BRASS" search --library "$L" "  " >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && grep -q 'the query is empty' "$T/err" && ok "blank query refused: $(cat "$T/err")" ||
  fail "blank query: exit $rc, $(cat "$T/err")"

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all CLI output checks passed"
