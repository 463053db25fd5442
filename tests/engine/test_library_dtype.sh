#!/bin/bash
# test_library_dtype.sh - a library records the dtype it was indexed with (meta "model_dtype"):
#   - `index --dtype int8` records int8 (status --json model.dtype, and the text status);
#   - search without --dtype runs the model in the recorded dtype (same scores as --dtype int8);
#     search with the other dtype is allowed (scores within 1%, same top result);
#   - indexing with the other dtype is refused with one line that says what to do, and changes
#     nothing; indexing again without --dtype keeps int8;
#   - a library bound before the key existed counts as f32 (int8 indexing refused, f32 allowed);
#   - $BRASS_DTYPE does not override the library's recorded dtype, --dtype does.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
unset BRASS_DTYPE
tiny_model "$T/model"
uniq_corpus "$T/c" 24 2 30
L="$T/lib.db"
B() { "$BRASS" "$@"; }

B index --model "$T/model" --library "$L" --dtype int8 --quiet "$T/c" >/dev/null 2>"$T/e" ||
  fail "index --dtype int8: $(cat "$T/e")"
B status --library "$L" --json >"$T/st.json"
expect "status model.dtype" "$(json "$T/st.json" 'j["model"]["dtype"]')" "int8"
B status --library "$L" | grep -q "int8)" && ok "text status names int8" || fail "text status lacks int8"

score() { # [search options...]: the top vector score and source
  B search --library "$L" --mode vector --exact --json -n 3 "$@" "Uniq0007word appears here" \
    >"$T/s.json" 2>"$T/s.err" || { echo "error: $(cat "$T/s.err")"; return; }
  json "$T/s.json" '"%.7f %s" % (j["results"][0]["score"], j["results"][0]["source"])'
}
s_default=$(score)
s_int8=$(score --dtype int8)
s_f32=$(score --dtype f32)
s_env=$(BRASS_DTYPE=f32 score)
expect "search without --dtype uses the recorded int8" "$s_default" "$s_int8"
expect "BRASS_DTYPE=f32 does not override the library's int8" "$s_env" "$s_int8"
"$PY" - "$s_int8" "$s_f32" <<'PYEOF' && ok "search --dtype f32 on an int8 library: $s_f32 vs $s_int8" || fail "search --dtype f32: '$s_f32' vs '$s_int8'"
import sys
a, b = sys.argv[1].split(), sys.argv[2].split()
sys.exit(0 if a[1] == b[1] and a[0] != b[0] and abs(float(a[0]) - float(b[0])) < 0.01 else 1)
PYEOF

# indexing with the other dtype: refused, one line, nothing changed
echo "Uniq9999word new file" >"$T/c/new.md"
chunks0=$(sql "$L" "select count(*) from chunks")
rc=0
B index --model "$T/model" --library "$L" --dtype f32 --quiet "$T/c" >/dev/null 2>"$T/e" || rc=$?
[ "$rc" != 0 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q -- "--dtype int8" "$T/e" &&
  ok "index --dtype f32 refused: $(cat "$T/e")" || fail "index --dtype f32: exit $rc, '$(cat "$T/e")'"
expect "chunks after the refused run" "$(sql "$L" "select count(*) from chunks")" "$chunks0"
B index --library "$L" --quiet "$T/c" >/dev/null 2>"$T/e" || fail "index without --dtype: $(cat "$T/e")"
expect "dtype after indexing without --dtype" "$(sql "$L" "select value from meta where key='model_dtype'")" "int8"

# a library from before the key: f32
sqlite_del() { "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("delete from meta where key=?", (sys.argv[2],)); c.commit()' "$@"; }
sqlite_del "$L" model_dtype
B status --library "$L" --json >"$T/st.json"
expect "status dtype of a library without the key" "$(json "$T/st.json" 'j["model"]["dtype"]')" "f32"
rc=0
B index --library "$L" --dtype int8 --quiet "$T/c" >/dev/null 2>"$T/e" || rc=$?
[ "$rc" != 0 ] && grep -q -- "--dtype f32" "$T/e" && ok "old library: int8 indexing refused" ||
  fail "old library: index --dtype int8 exit $rc, '$(cat "$T/e")'"
B index --library "$L" --quiet "$T/c" >/dev/null 2>"$T/e" || fail "old library: f32 index: $(cat "$T/e")"
expect "old library records f32" "$(sql "$L" "select value from meta where key='model_dtype'")" "f32"

exit $((fails > 0))
