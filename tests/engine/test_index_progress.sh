#!/bin/bash
# test_index_progress.sh - `brass index` progress on stderr. On a terminal (a pty from util-linux
# `script`): one line redrawn in place with \r and clear-to-end-of-line, holding a bar, files,
# chunks, tokens/s and ETA, never wider than the terminal less one column (80 when the terminal
# reports no width; the bar is dropped on narrow ones), at most ~10 redraws a second, and the
# final state kept on its own line. Not on a terminal: plain "brass: ..." lines without \r or
# escape sequences, the last one the final count. --quiet prints nothing on either.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
unset COLUMNS
command -v script >/dev/null || { echo "FAIL: util-linux script(1) is missing" >&2; exit 1; }
nfiles=150

tiny_model "$T/model"
"$PY" - "$T/corpus" "$nfiles" <<'PYEOF'
import os, random, sys
rng = random.Random(5)
words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
for i in range(int(sys.argv[2])):
    d = os.path.join(sys.argv[1], "d%02d" % (i % 7))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%03d.md" % i), "w") as f:
        for s in range(4):
            f.write("# Section %d\n\n%s\n\n" % (s, " ".join(rng.choice(words) for _ in range(120))))
PYEOF
printf 'binary\0file' >"$T/corpus/blob.bin"
total=$((nfiles + 1)) # files seen, the skipped one included

# on_tty COLS OUT [ARGS...]: brass index in a pty of COLS columns; everything it wrote to OUT
on_tty() {
  local cols=$1 out=$2
  shift 2
  rm -f "$T/lib.db"*
  local start=$SECONDS
  script -qec "stty cols $cols; exec '$BRASS' index --model '$T/model' --library '$T/lib.db' --batch 8 $* '$T/corpus'" \
    /dev/null >"$out" </dev/null
  local rc=$?
  echo $((SECONDS - start + 1)) >"$out.seconds"
  return $rc
}

# check_tty OUT COLS: the pty transcript's progress lines
check_tty() {
  "$PY" - "$1" "$2" "$total" "$(cat "$1.seconds")" <<'PYEOF'
import re, sys
data = open(sys.argv[1], "rb").read().decode()
cols, nfiles, seconds = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
width = (cols if cols > 0 else 80) - 1
errs = []
draws = re.findall(r"\r([^\r\n\x1b]*)\x1b\[K", data)
if not draws:
    sys.exit("no \\r-redrawn progress line in: %r" % data[:300])
for d in draws:
    if len(d) > width:
        errs.append("line of %d columns on a %d-column terminal: %r" % (len(d), cols, d))
    if not re.search(r"\d+/%d files  \d+ chunks  [\d.]+[kM]? tokens/s  ETA ((\d+:)?\d+:\d\d|--:--)" % nfiles, d) \
            and width >= 60:
        errs.append("progress line lacks files/chunks/tokens/s/ETA: %r" % d)
    if width >= 70 and not d.startswith("["):
        errs.append("no bar on a %d-column terminal: %r" % (cols, d))
    if width < 40 and d.startswith("["):
        errs.append("a bar on a %d-column terminal: %r" % (cols, d))
# the final state stays on screen: the last redraw says all files are done and ends the line
final = re.search(r"\r([^\r\n\x1b]*)\x1b\[K\r?\n[^\r]*added", data)
if not final or "%d/%d files" % (nfiles, nfiles) not in final.group(1):
    errs.append("final progress line not kept: %r" % data[-400:])
if len(draws) > 10 * seconds + 5:
    errs.append("%d redraws in about %d s: not throttled to 10/s" % (len(draws), seconds))
if "skipped" not in data or not re.search(r"\n?brass: skipped [^\r\n]*blob.bin \(binary\)\r?\n", data):
    errs.append("skip notice not on a line of its own")
if errs:
    sys.exit("\n".join(errs))
print("%d redraws, widest %d columns, final: %s" % (len(draws), max(map(len, draws)), final.group(1)))
PYEOF
}

for cols in 100 60 30 0; do
  if on_tty $cols "$T/tty$cols.out"; then
    r=$(check_tty "$T/tty$cols.out" $cols) && ok "terminal of $cols columns: $r" ||
      fail "terminal of $cols columns: $r"
  else
    fail "brass index on a pty of $cols columns: $(tail -c 300 "$T/tty$cols.out")"
  fi
done

on_tty 80 "$T/quiet.out" --quiet || fail "quiet index on a pty"
if grep -q "files .*ETA" "$T/quiet.out"; then fail "--quiet drew progress"; else ok "--quiet draws nothing"; fi

# not a terminal: plain lines
rm -f "$T/lib.db"*
"$BRASS" index --model "$T/model" --library "$T/lib.db" --batch 8 "$T/corpus" >/dev/null 2>"$T/plain.err" ||
  fail "index with stderr to a file: $(cat "$T/plain.err")"
r=$("$PY" - "$T/plain.err" "$total" <<'PYEOF'
import re, sys
data = open(sys.argv[1], "rb").read().decode()
lines = data.split("\n")
errs = []
if "\r" in data or "\x1b" in data:
    errs.append("\\r or an escape sequence in non-terminal output: %r" % data[:300])
if lines[-1] != "":
    errs.append("output does not end with a newline")
for l in lines[:-1]:
    if not l.startswith("brass: "):
        errs.append("not a plain brass line: %r" % l)
if not re.match(r"brass: files %d/%d, chunks \d+, \d+ tokens/s, [\d.]+ s$" % ((int(sys.argv[2]),) * 2),
                lines[-2] if len(lines) > 1 else ""):
    errs.append("last line is not the final count: %r" % lines[-2:])
if errs:
    sys.exit("\n".join(errs))
print("%d plain lines, last: %s" % (len(lines) - 1, lines[-2]))
PYEOF
) && ok "not a terminal: $r" || fail "not a terminal: $r"
rm -f "$T/lib.db"*
"$BRASS" index --model "$T/model" --library "$T/lib.db" --quiet "$T/corpus" >/dev/null 2>"$T/q.err" ||
  fail "quiet index"
[ -s "$T/q.err" ] && fail "--quiet wrote to stderr: $(cat "$T/q.err")" || ok "--quiet: stderr empty"

if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
