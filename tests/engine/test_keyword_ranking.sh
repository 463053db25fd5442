#!/bin/bash
# test_keyword_ranking.sh - the keyword half of search, end to end through the CLI (the serve API
# and the browser worker call the same brass_search):
#   - stemming ("files" finds "file") without losing exact identifiers (parse_args ranks above
#     "parse" + "args" + "parsing");
#   - field weights: a word in a heading or title beats the same word once in a long body;
#   - query syntax: "phrase" (required, in order), -excluded, prefix*; FTS5 operators and
#     broken quoting in user text never fail (a list of nasty strings, plus random bytes);
#   - snippets mark query words but not stop words, unless the query is only stop words;
#   - definition terms: an HTML page that defines a name in a <dt> (as Sphinx does) ranks above a
#     shorter page that only mentions it, for a Sphinx index entry as the query; a document's lead
#     (first words) ranks it above one that has the query's words in its middle;
#   - CJK: real Chinese manual pages (manpages-zh) are found by two- and four-character words
#     taken from them;
#   - an old (version 1) library, built here from the version-1 SQL in src/store/schema.c,
#     migrates on open and is found by stem and by CJK pairs afterwards.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
C="$T/c"
mkdir -p "$C"
filler() { for i in $(seq 1 "$1"); do printf 'Lorem ipsum dolor sit amet consectetur adipiscing elit %d. ' "$i"; done; }
printf '# Storage\n\nEvery file is read once.\n' >"$C/one.md"
printf '# Cli\n\nparse_args reads the command line.\n' >"$C/ident.md"
printf '# Misc\n\nWe parse the args while parsing other args and parse more.\n' >"$C/words.md"
{ printf '# Kangaroo\n\nShort text.\n'; } >"$C/head.md"
{ printf '# Other\n\n'; filler 12; printf 'A kangaroo appears once here. '; filler 12; printf '\n'; } >"$C/body.md"
printf '# Walk\n\nHow to walk a directory tree with python.\n' >"$C/walk_py.md"
printf '# Walk\n\nHow to walk a directory tree with the shell.\n' >"$C/walk_sh.md"
printf '# Config\n\nThe configuration reader.\n' >"$C/conf.md"
printf '# Order\n\ntree directory in reverse order.\n' >"$C/rev.md"
L="$T/l.db"
"$BRASS" index --quiet --library "$L" "$C" >/dev/null 2>&1 || fail "index"

top() { "$BRASS" search --library "$L" --json -n 10 -- "$1" 2>/dev/null >"$T/r.json" &&
  json "$T/r.json" '" ".join(r["source"].rsplit("/", 1)[1] for r in j["results"])'; }
first() { top "$1" | cut -d' ' -f1; }

expect "stemming: files" "$(first files)" "one.md"
expect "exact identifier first" "$(first parse_args)" "ident.md"
expect "heading beats body" "$(first kangaroo)" "head.md"
expect "phrase" "$(top '"walk a directory"' | tr ' ' '\n' | sort | tr '\n' ' ')" "walk_py.md walk_sh.md "
expect "phrase order" "$(top '"directory walk"')" ""
expect "exclusion" "$(top 'walk -python')" "walk_sh.md"
expect "excluded phrase" "$(top 'walk -"with python"')" "walk_sh.md"
expect "only exclusions" "$(top '-walk')" ""
expect "prefix" "$(first 'configurat*')" "conf.md"
expect "no prefix without star" "$(top 'configurat')" "" # its stem is configur, not configurat

# FTS5 syntax and broken input: never an error
nasty=('"' '""' '"walk' 'walk"' '-' '--' '- walk' '*' 'walk**' '*walk' 'NEAR(walk tree)' 'walk AND'
  'OR' 'NOT walk' 'walk NOT' 'body:walk' 'grams : walk' '{body title}: walk' '(' ')' '^walk' 'walk^'
  "'" 'walk + tree' '"a" "b" "' '-"' '-"walk' '- "walk"' 'walk -' '\' '\"walk\"' 'walk:*'
  'title:walk*' "$(printf 'walk\ttree\n-python')" "$(printf '\xff\xfe walk')" "$(printf 'walk \xe2\x80\x94')"
  '我们' '"目录"' '-目录' '目录*' 'ＷＡＬＫ' 'ℌ' '_' '__init__' '0' '1e10' 'x*y*z' 'a-b-c' 'walk-python')
bad=0
# try_query Q: a search must answer; only a blank query may be refused, with the empty-query message
try_query() {
  "$BRASS" search --library "$L" --json -- "$1" >/dev/null 2>"$T/e" && return
  [ -z "$(printf '%s' "$1" | tr -d ' \t\n')" ] && grep -q "the query is empty" "$T/e" && return
  bad=1
  echo "query [$1]: $(cat "$T/e")"
}
for q in "${nasty[@]}"; do
  try_query "$q"
done
"$PY" -c 'import random; r=random.Random(3); print("\n".join(bytes(r.choice(b"\"*-:^(){}+ abwalkNEAROR\\\x80\xe4") for _ in range(r.randint(1,12))).decode("utf-8","replace") for _ in range(150)))' >"$T/fuzz"
while IFS= read -r q; do
  try_query "$q"
done <"$T/fuzz"
[ $bad = 0 ] && ok "nasty and random queries never fail" || fail "some queries failed"
"$BRASS" search --library "$L" --json -- "walk AND" >"$T/r.json"
expect "operators are words" "$(json "$T/r.json" 'len(j["results"])')" "3"

# snippets: stop words unmarked unless the query is only stop words
"$BRASS" search --library "$L" --json -- "how to walk the tree" >"$T/r.json"
s=$(json "$T/r.json" 'j["results"][0]["snippet"]')
case "$s" in *"**walk**"*"**tree**"*) ok "snippet marks walk, tree" ;; *) fail "snippet: $s" ;; esac
case "$s" in *"**to**"* | *"**How**"* | *"**the**"*) fail "stop words marked: $s" ;; *) ok "stop words unmarked" ;; esac
"$BRASS" search --library "$L" --json -- "how to" >"$T/r.json"
case "$(json "$T/r.json" 'j["results"][0]["snippet"]')" in *"**How**"*"**to**"*) ok "stop-word query marked" ;;
  *) fail "stop-word query: $(json "$T/r.json" 'j["results"][0]["snippet"]')" ;; esac

# ---- definition terms: <dt> as a search field ----
D="$T/defs"
mkdir -p "$D"
cat >"$D/widgets.html" <<'EOF'
<html><head><title>widgets: Widget tools</title></head><body>
<h1>widgets: Widget tools</h1>
<p>This module provides tools for widgets and gadgets in general.</p>
<dl class="py function">
<dt class="sig sig-object py" id="widgets.polish"><span class="sig-prename">widgets.</span><span class="sig-name">polish</span>(<em>w</em>)<a class="headerlink" href="#widgets.polish">¶</a></dt>
<dd><p>Polish a widget until it shines; returns the widget.</p></dd>
<dt class="sig sig-object py" id="widgets.frobnicate"><span class="sig-prename">widgets.</span><span class="sig-name">frobnicate</span>(<em>w</em>, <em>level</em>)<a class="headerlink" href="#widgets.frobnicate">¶</a></dt>
<dd><p>Turn the level of a widget up or down.</p></dd>
</dl>
</body></html>
EOF
cat >"$D/changes.html" <<'EOF'
<html><head><title>What's new</title></head><body>
<h1>What's new in release 2</h1>
<p>Release 2 brings many small improvements across the library. This page lists them by module,
oldest first, with the version that introduced each change and notes for porting code.</p>
<p>The frobnicate() function of the widgets module now frobnicates faster; frobnicate accepts a level.</p>
</body></html>
EOF
"$BRASS" index --quiet --library "$T/defs.db" "$D" >/dev/null 2>&1 || fail "index defs"
"$BRASS" search --library "$T/defs.db" --json -n 5 -- "frobnicate() (in module widgets)" >"$T/r.json"
expect "definition beats mention" "$(json "$T/r.json" '" ".join(r["source"].rsplit("/", 1)[1] for r in j["results"])')" "widgets.html changes.html"
expect "definition terms stored" "$(sql "$T/defs.db" "SELECT terms FROM chunks WHERE terms LIKE '%widgets.polish%'" | tail -n 2 | tr '\n' '|')" "widgets.polish(w)|widgets.frobnicate(w, level)|"
# the lead: a document's first words are a search field too, so the page that starts with the
# query's words beats a page that has them once deep in its text (and twice "encrypted link")
mkdir -p "$T/lead"
{ printf 'Copy files between hosts over an encrypted link.\n\n'; filler 20; printf '\n'; } >"$T/lead/scp.txt"
{ filler 8; printf 'Other tools copy files between hosts too, and some of them use an encrypted link; an encrypted link is slower.\n'; filler 8; printf '\n'; } >"$T/lead/notes.txt"
"$BRASS" index --quiet --library "$T/lead.db" "$T/lead" >/dev/null 2>&1 || fail "index lead"
"$BRASS" search --library "$T/lead.db" --json -n 5 -- "copy files between hosts over an encrypted link" >"$T/r.json"
expect "lead beats a mention" "$(json "$T/r.json" '" ".join(r["source"].rsplit("/", 1)[1] for r in j["results"])')" "scp.txt notes.txt"

# ---- CJK: real Chinese manual pages ----
ZH=/usr/share/man/zh_CN/man1
if [ -f "$ZH/ls.1.gz" ] && [ -f "$ZH/cp.1.gz" ]; then
  mkdir -p "$T/zh"
  for p in ls cp mv rm mkdir chmod; do [ -f "$ZH/$p.1.gz" ] && zcat "$ZH/$p.1.gz" >"$T/zh/$p.txt"; done
  "$BRASS" index --quiet --library "$T/zh.db" "$T/zh" >/dev/null 2>&1 || fail "index zh"
  # words cut from the pages themselves: ls "列出目录内容" (list directory contents), cp "复制文件"
  for pair in "ls.txt:$(sed -n 's/^ls \\- //p' "$T/zh/ls.txt" | head -1)" "cp.txt:$("$PY" -c 'import sys; print(sys.argv[1][:4])' "$(sed -n 's/^cp \\- //p' "$T/zh/cp.txt" | head -1)")"; do
    want=${pair%%:*} q=${pair#*:}
    got=$("$BRASS" search --library "$T/zh.db" --json -- "$q" 2>/dev/null | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["results"]; print(r[0]["source"].rsplit("/",1)[1] if r else "")')
    expect "CJK query [$q]" "$got" "$want"
  done
  n=$("$BRASS" search --library "$T/zh.db" --json -- "目录" 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')
  [ "$n" -ge 1 ] && ok "two-character word 目录: $n pages" || fail "two-character word found nothing"
  "$BRASS" search --library "$T/zh.db" --json -- "目录" >"$T/r.json"
  case "$(json "$T/r.json" 'j["results"][0]["snippet"]')" in *"**目录**"*) ok "CJK snippet marked" ;;
    *) fail "CJK snippet: $(json "$T/r.json" 'j["results"][0]["snippet"]')" ;; esac
else
  echo "SKIP: CJK part (apt-get install manpages-zh)"
fi

# ---- an old library: version 1 schema, migrated on open ----
OLD="$T/old.db"
"$PY" - "$BRASS_SRC/src/store/schema.c" "$OLD" <<'PY' || fail "building a version-1 library"
import re, sqlite3, sys
src = open(sys.argv[1]).read()
start = src.index("store_migration_1[] =")
sql = []
for line in src[start:].splitlines()[1:]:
    sql += re.findall(r'"((?:[^"\\]|\\.)*)"', line)
    if line.rstrip().endswith('";'):
        break
db = sqlite3.connect(sys.argv[2])
db.executescript("".join(sql).replace('\\"', '"'))
db.execute("PRAGMA application_id=%d" % 0x42525353)
db.execute("PRAGMA user_version=1")
db.execute("INSERT INTO sources(id, path, size, mtime_ns, sha256) VALUES (1, '/x/notes.md', 10, 0, zeroblob(32))")
db.execute("INSERT INTO documents(id, source_id, title) VALUES (1, 1, 'notes.md')")
db.execute("INSERT INTO chunks(document_id, seq, body, byte_start, byte_end, line_start, line_end, heading)"
           " VALUES (1, 0, 'The runners were running. 这是一个关于数据库索引的说明。', 0, 10, 1, 1, 'Notes')")
db.commit()
PY
expect "old library: stem" "$("$BRASS" search --library "$OLD" --json -- runs 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')" "1"
expect "old library: CJK" "$("$BRASS" search --library "$OLD" --json -- 索引 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')" "1"
expect "old library: no definition terms" "$(sql "$OLD" "SELECT count(*) FROM chunks WHERE terms <> ''")" "0"
expect "old library: title field" "$("$BRASS" search --library "$OLD" --json -- notes 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')" "1"
expect "old library: version" "$(sql "$OLD" 'PRAGMA user_version')" "$(grep -o 'define STORE_SCHEMA_VERSION [0-9]*' "$BRASS_SRC/src/store/store.h" | grep -o '[0-9]*$')"
"$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [c.execute("INSERT INTO %s(%s, rank) VALUES (\x27integrity-check\x27, 1)" % (t, t)) for t in ("chunks_fts", "chunks_stem")]' "$OLD" &&
  ok "old library: FTS integrity" || fail "old library: FTS integrity check"
[ "$fails" = 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
