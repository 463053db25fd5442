#!/bin/bash
# test_get_filter.sh - `brass get` and the search filters from the CLI.
#   get: line ranges (whole file, FROM, FROM-TO, past the end), a relative path, a path with a
#   colon in its name, --json, a changed file (warning + changed: true), refusals of paths that
#   are not indexed (other files, the library itself, a traversal, a file turned into a symlink).
#   filters: --path (absolute prefix, existing relative folder, glob, component prefix, repeated),
#   --type, --since/--before, in keyword, vector (HNSW and --exact) and hybrid modes, and that a
#   filter applies before the top-n cut: with -n 3 and 40 better-matching files outside the
#   filter, the 3 matching files inside it still come back in every mode.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
tiny_model "$T/model"
C="$T/c"
L="$T/lib.db"
mkdir -p "$C/docs/api" "$C/src" "$C/many"
printf 'line one\nline two\nline three\nline four zebra\n' >"$C/docs/guide.md"
printf 'def f():\n    return "zebra crossing"\n' >"$C/src/main.py"
printf 'colon file zebra\n' >"$C/docs/a:1.txt"
printf '# API\n\nzebra api notes\n' >"$C/docs/api/ref.md"
for i in $(seq 40); do printf 'zebra zebra zebra zebra crossing %d\n' "$i" >"$C/many/m$i.txt"; done
echo "outside the library" >"$T/outside.txt"
touch -d '2020-01-01 00:00:00 UTC' "$C/docs/guide.md"
"$BRASS" index --quiet --library "$L" --model "$T/model" "$C" >/dev/null 2>"$T/e" || { cat "$T/e"; exit 1; }

# ---- get ----
expect "get whole file" "$("$BRASS" get --library "$L" "$C/docs/guide.md" | wc -l)" 4
expect "get 2-3" "$("$BRASS" get --library "$L" "$C/docs/guide.md:2-3")" "$(printf 'line two\nline three')"
expect "get 3 (to the end)" "$("$BRASS" get --library "$L" "$C/docs/guide.md:3")" "$(printf 'line three\nline four zebra')"
expect "get past the end" "$("$BRASS" get --library "$L" "$C/docs/guide.md:9-12")" ""
expect "get relative path" "$(cd "$C" && "$BRASS" get --library "$L" docs/guide.md:1-1)" "line one"
expect "get a colon in the name" "$("$BRASS" get --library "$L" "$C/docs/a:1.txt")" "colon file zebra"
expect "get a colon in the name, range" "$("$BRASS" get --library "$L" "$C/docs/a:1.txt:1-1")" "colon file zebra"
"$BRASS" get --library "$L" --json "$C/docs/guide.md:4-4" >"$T/j"
expect "get --json" "$(json "$T/j" '(j["line_start"], j["line_end"], j["total_lines"], j["changed"], j["text"])')" \
  "(4, 4, 4, False, 'line four zebra\\n')"
"$BRASS" get --library "$L" "$C/docs/guide.md:2-1" >/dev/null 2>&1
expect "get 2-1: usage error" "$?" 2
for p in "$T/outside.txt" "$L" "$C/../outside.txt" /etc/passwd "$C/docs" "$C/nothing.md"; do
  "$BRASS" get --library "$L" "$p" >"$T/o" 2>"$T/e"
  rc=$?
  if [ "$rc" = 1 ] && grep -q "not a source in this library" "$T/e" && [ ! -s "$T/o" ]; then
    ok "get $p refused"
  else
    fail "get $p: exit $rc $(cat "$T/o" "$T/e")"
  fi
done
printf 'line one\nline 2 edited\n' >"$C/docs/guide.md"
out=$("$BRASS" get --library "$L" "$C/docs/guide.md:2" 2>"$T/e")
expect "get reads the file as it is now" "$out" "line 2 edited"
grep -q "changed since it was indexed" "$T/e" && ok "get warns about a changed file" || fail "no change warning: $(cat "$T/e")"
mv "$C/src/main.py" "$T/main.py"
ln -s "$T/outside.txt" "$C/src/main.py"
"$BRASS" get --library "$L" "$C/src/main.py" >"$T/o" 2>"$T/e"
[ $? = 1 ] && ! grep -q outside "$T/o" && ok "get refuses a source that became a symlink" || fail "symlink: $(cat "$T/o" "$T/e")"
rm "$C/src/main.py" && mv "$T/main.py" "$C/src/main.py"

# ---- filters ----
# found MODE ARGS...: the file names a search for "zebra" returns, sorted.
found() {
  local mode=$1
  shift
  "$BRASS" search --library "$L" --json -n 50 --mode "$mode" "$@" zebra crossing 2>"$T/e" |
    "$PY" -c 'import json,os,sys; print(" ".join(sorted(os.path.basename(r["source"]) for r in json.load(sys.stdin)["results"])))'
}
for mode in keyword vector hybrid; do
  expect "$mode --type py" "$(found $mode --type py)" "main.py"
  expect "$mode --type md,PY" "$(found $mode --type md,PY)" "guide.md main.py ref.md"
  expect "$mode --path abs folder" "$(found $mode --path "$C/docs")" "a:1.txt guide.md ref.md"
  expect "$mode --path glob" "$(found $mode --path '*.md')" "guide.md ref.md"
  expect "$mode --path component" "$(found $mode --path docs/api)" "ref.md"
  expect "$mode --path repeated" "$(found $mode --path "$C/src" --path 'ref*')" "main.py ref.md"
  expect "$mode --path relative folder" "$(cd "$C" && found $mode --path ./src)" "main.py"
  expect "$mode --before 2021-01-01" "$(found $mode --before 2021-01-01)" "guide.md"
  expect "$mode --since 2021-01-01T00:00Z --type md" "$(found $mode --since 2021-01-01T00:00Z --type md)" "ref.md"
  expect "$mode --since 1h --path src" "$(found $mode --since 1h --path src)" "main.py"
  expect "$mode no match" "$(found $mode --path /nowhere)" ""
done
expect "vector --exact --type py" "$(found vector --exact --type py)" "main.py"
# before the top-n cut: 40 files outside the filter match better; -n 3 still finds the 3 inside
for mode in keyword vector hybrid; do
  got=$("$BRASS" search --library "$L" --json -n 3 --mode "$mode" --path "$C/docs" zebra 2>/dev/null |
    "$PY" -c 'import json,os,sys; print(" ".join(sorted(os.path.basename(r["source"]) for r in json.load(sys.stdin)["results"])))')
  expect "$mode: filter before the cut (-n 3)" "$got" "a:1.txt guide.md ref.md"
done
"$BRASS" search --library "$L" --since tomorrow x >/dev/null 2>"$T/e"
expect "--since tomorrow: usage error" "$?" 2
grep -q "not a date" "$T/e" && ok "--since error names the forms" || fail "--since error: $(cat "$T/e")"

[ "$fails" -eq 0 ] && echo "test_get_filter: all passed" || echo "test_get_filter: $fails failed"
exit $((fails > 0))
