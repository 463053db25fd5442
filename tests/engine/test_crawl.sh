#!/bin/bash
# test_crawl.sh - issue 16: `brass index URL` crawls web sites. Against loopback servers started
# here (tests/engine/crawl_server.py, 127.0.0.1 only, free ports): robots.txt (Disallow/Allow,
# Crawl-delay), duplicate URLs merged, a redirect inside the origin followed and one to another
# origin refused (followed with --allow-host), a slow page (timeout; the run goes on and says
# so), an endless link maze (depth and page limits), huge pages (byte limit, with and without
# Content-Length), binary and other types skipped and counted, a canonical link, text and
# Markdown pages, then a re-crawl: 304s re-index nothing, a page now 404 is removed, one now 500
# is kept; `brass remove URL-PREFIX`; bad URLs are one-line errors. Keyword-only (no model):
# vectors do not matter here, the ingest path is the one files take.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
. "$BRASS_SRC/tests/engine/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
# both servers start at once; each writes its port to its file once it listens
for m in site polite; do
  "$PY" "$BRASS_SRC/tests/engine/crawl_server.py" "$m" "$T/state" "$T/port.$m" &
  PIDS+=($!)
done
for m in site polite; do
  for _ in $(seq 200); do [ -s "$T/port.$m" ] && break; sleep 0.05; done
  [ -s "$T/port.$m" ] || { echo "FAIL: the $m server did not start" >&2; exit 1; }
done
S="http://127.0.0.1:$(cat "$T/port.site")"
P="http://127.0.0.1:$(cat "$T/port.polite")"
PORT=$(cat "$T/port.site")
echo 1 >"$T/state"
L="$T/lib.db"
# snap [LIB]: the indexed text and the source URLs of LIB (default $L) in one python call, for
# has WORD (1 when a chunk holds it, else 0) and sources REGEX (how many URLs match). Few python
# starts keep the test fast on a loaded machine.
snap() {
  "$PY" -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
open(sys.argv[2] + "/words", "w").write("\n".join(r[0] for r in c.execute("SELECT title || char(32) || body FROM chunks")) + "\n")
open(sys.argv[2] + "/sources", "w").write("".join(r[0] + "\n" for r in c.execute("SELECT path FROM sources")))' "${1:-$L}" "$T"
}
has() { grep -qw "$1" "$T/words" && echo 1 || echo 0; }
sources() { grep -cE "$1" "$T/sources"; }
# jv FILE: the summary's fields (crawl ones prefixed c_) as KEY=VALUE lines in $T/jv; c KEY reads one
jv() { "$PY" -c 'import json,sys
j = json.load(open(sys.argv[1]))
for k, v in list(j.items()) + [("c_" + k, v) for k, v in j.get("crawl", {}).items()]:
    print("%s=%s" % (k, v))' "$1" >"$T/jv"; }
c() { grep "^c_$1=" "$T/jv" | cut -d= -f2-; }
J() { grep "^$1=" "$T/jv" | cut -d= -f2-; }

# ---- first crawl ----
t0=$(date +%s.%N)
"$BRASS" index --library "$L" --json --delay 0 --timeout 1 --max-depth 4 --max-page-bytes 1000000 \
  "$S/" >"$T/c1.json" 2>"$T/c1.err" || fail "first crawl: exit $?"
t1=$(date +%s.%N)
cat "$T/c1.err"
snap
jv "$T/c1.json"
for w in homeword apricotword okword targetword plainword markdownword goneword flakyword canonword movedword; do
  expect "indexed $w" "$(has $w)" 1
done
expect "robots.txt Disallow honoured" "$(has secretword)" 0
expect "redirect to another origin refused" "$(has outsideword)" 0
expect "link to another origin not followed" "$(has otherword)" 0
expect "slow page not indexed" "$(has slowword)" 0
expect "huge page not indexed" "$(has hugeword)" 0
expect "huge streamed page not indexed" "$(has streamword)" 0
expect "gzip bomb not indexed" "$(has bombword)" 0
expect "refused by robots" "$(c robots_refused)" 1
expect "off-origin (a link and a redirect)" "$(c off_origin)" 2
expect "too large (announced, streamed, a gzip bomb counted decoded)" "$(c too_large)" 3
# a PDF found by its magic goes to the PDF extractor where the build has one (this one is
# damaged: skipped with the extractor's reason), else it is skipped by type
if "$BRASS" --version | grep -q "^pdf: poppler"; then
  expect "skipped by type (binary, image)" "$(c skipped_type)" 2
  grep -q "doc.pdf (pdf: " "$T/c1.err" && ok "PDF read by the PDF extractor and refused as damaged" ||
    fail "PDF not given to the PDF extractor"
else
  expect "skipped by type (binary, image, PDF by its magic)" "$(c skipped_type)" 3
  grep -q "doc.pdf (pdf: support not built in" "$T/c1.err" && ok "PDF named" || fail "PDF not named"
fi
expect "errors (the slow page)" "$(c errors)" 1
grep -q "slow.html (timed out after 1.0 s)" "$T/c1.err" && ok "the timeout is named" || fail "no timeout notice"
expect "duplicate spellings of a.html merged" "$(sources '/a\.html$')" 1
expect "pages named by URL" "$(sources "^$S/a\.html\$")" 1
expect "canonical URL names the page" "$(sources "^$S/canonical\.html\$")" 1
expect "canonical alias not a source" "$(sources 'canon-alias')" 0
expect "maze stopped at depth 4 (1+2+2+2 pages)" "$(sources '/maze/')" 7
expect "maze depth 4 not fetched" "$(sources '/maze/4')" 0
expect "markdown heading" "$(sql "$L" "SELECT heading FROM chunks WHERE body LIKE '%markdownword%'")" "Notes"
expect "windows-1252 page recoded" "$(grep -c 'naïveté “quoted” latinword' "$T/words")" 1
expect "windows-1252 title recoded" "$(sql "$L" "SELECT title FROM documents WHERE title LIKE 'Caf%'")" "Café"
expect "HTML title kept" "$(sql "$L" "SELECT title FROM documents d JOIN sources s ON s.id=d.source_id WHERE s.path='$S/a.html'")" "Page A"
expect "validators stored" "$(sql "$L" "SELECT count(*) FROM source_http WHERE etag IS NOT NULL")" "$(wc -l <"$T/sources")"
n1=$(wc -l <"$T/sources")
el=$("$PY" -c "print(round($t1 - $t0, 2))")
echo "first crawl: $n1 pages in $el s (one request waits for its 1 s timeout)"
# search results and get name the URL
"$BRASS" search --library "$L" --json apricotword >"$T/s.json"
expect "search names the URL" "$(json "$T/s.json" 'j["results"][0]["source"]')" "$S/a.html"
# get returns a page's indexed text (the page is not fetched again)
"$BRASS" get --library "$L" "$S/notes.md" >"$T/get.out" || fail "get a page"
grep -q "markdownword" "$T/get.out" && ok "get a page's text" || fail "get a page: $(cat "$T/get.out")"

# ---- re-crawl: 304s, a 404 removed, a 500 kept ----
echo 2 >"$T/state"
"$BRASS" index --library "$L" --json --delay 0 --timeout 1 --max-depth 4 --max-page-bytes 1000000 \
  "$S/" >"$T/c2.json" 2>"$T/c2.err" || fail "re-crawl: exit $?"
cat "$T/c2.err"
snap
jv "$T/c2.json"
expect "re-crawl added" "$(J added)" 0
expect "re-crawl updated" "$(J updated)" 0
expect "re-crawl re-chunked nothing (tokens)" "$(J tokens)" 0
# fetched again: what has no stored validators (the canonical alias, the three skipped types)
expect "re-crawl fetched" "$(c fetched)" 4
# not modified: the 17 pages indexed less the one now 404, the one now 500 and the one moved
expect "re-crawl not modified (304)" "$(c not_modified)" 14
expect "404 page removed" "$(has goneword)" 0
expect "moved page removed (301)" "$(has movedword)" 0
expect "removed by re-crawl" "$(J removed)" 2
expect "removed paths named" "$(json "$T/c2.json" 'sorted(j["removed_paths"])')" "['$S/gone.html', '$S/moved.html']"
expect "500 page kept" "$(has flakyword)" 1
grep -q "flaky.html (HTTP 500); what was indexed from it is kept" "$T/c2.err" && ok "500 named as kept" ||
  fail "no notice for the 500"
expect "maze still there after a 304 crawl" "$(sources '/maze/')" 7

# requests at once to the site (both crawls so far had one origin there): at most --per-host
# (default 2)
mx=$(curl -s --noproxy '*' "$S/_stats")
[ "$mx" -ge 1 ] && [ "$mx" -le 2 ] && ok "at most 2 requests at once per site ($mx)" || fail "site concurrency: $mx"

# ---- brass remove URL-PREFIX ----
# written with an upper-case scheme and host and the default port: matched as stored
UP=$(echo "$S" | sed 's|^http://127.0.0.1|HTTP://127.0.0.1|')
"$BRASS" remove --library "$L" "$UP/maze" >"$T/rm.out" || fail "remove URL prefix"
snap
expect "remove URL prefix" "$(sources '/maze/')" 0
expect "remove kept the rest" "$(has apricotword)" 1

# ---- limits: pages; --allow-host ----
L2="$T/lib2.db"
"$BRASS" index --library "$L2" --json --quiet --delay 0 --timeout 1 --max-pages 4 "$S/maze/0" \
  >"$T/m.json" || fail "page-limited crawl"
snap "$L2"
jv "$T/m.json"
expect "page limit: sources" "$(wc -l <"$T/sources")" 4
nf=$(c not_fetched)
[ "$nf" -ge 1 ] && ok "page limit: $nf URLs left unfetched" || fail "not_fetched: $nf"
L3="$T/lib3.db"
"$BRASS" index --library "$L3" --json --quiet --delay 0 --timeout 1 --max-depth 1 --allow-host localhost \
  "$S/hub-out.html" >"$T/h.json" || fail "crawl with --allow-host"
L=$L3
snap
expect "--allow-host: redirect followed" "$(has outsideword)" 1
expect "--allow-host: link followed" "$(has otherword)" 1
expect "--allow-host: robots of that origin honoured" "$(has secretword)" 0

# a start URL that redirects to another origin: that origin is the site asked for
L5="$T/lib5.db"
"$BRASS" index --library "$L5" --json --quiet --delay 0 --timeout 1 --max-depth 0 "$S/start-redirect" \
  >"$T/r.json" || fail "crawl from a redirecting start URL"
snap "$L5"
expect "a start URL's redirect is followed to its origin" "$(has outsideword)" 1

# ---- Crawl-delay: 0.4 s between the 4 page requests (robots first) ----
L4="$T/lib4.db"
t0=$(date +%s.%N)
"$BRASS" index --library "$L4" --json --quiet --delay 0 "$P/" >"$T/p.json" || fail "polite crawl"
t1=$(date +%s.%N)
snap "$L4"
expect "polite site pages" "$(wc -l <"$T/sources")" 4
expect "one request at a time under Crawl-delay" "$(curl -s --noproxy '*' "$P/_stats")" 1
"$PY" -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.6 else 1)" && ok "Crawl-delay honoured ($("$PY" -c "print(round($t1 - $t0, 2))") s)" ||
  fail "Crawl-delay not honoured: $("$PY" -c "print(round($t1 - $t0, 2))") s for 5 requests 0.4 s apart"

# ---- bad input ----
for u in "http://user@127.0.0.1:$PORT/" "http://127.0.0.1:99999/" "http://" "ftp://127.0.0.1/"; do
  "$BRASS" index --library "$T/bad.db" --quiet "$u" >"$T/b.out" 2>"$T/b.err"
  rc=$?
  expect "bad URL $u exit" "$rc" 1
  expect "bad URL $u: one line" "$(wc -l <"$T/b.err")" 1
  grep -qF "$u" "$T/b.err" && ok "bad URL named" || fail "bad URL not named: $(cat "$T/b.err")"
done
# nothing listening: one line says why, nothing is indexed, exit 0 (the site is named)
"$BRASS" index --library "$T/down.db" --json --delay 0 "http://127.0.0.1:1/x" >"$T/d.json" 2>"$T/d.err" ||
  fail "crawl of a closed port: exit $?"
grep -q "skipped http://127.0.0.1:1/x (robots.txt: .*: the site is not crawled)" "$T/d.err" &&
  ok "a site that does not answer is named" || fail "closed port: $(cat "$T/d.err")"
"$BRASS" index --library "$T/bad.db" --quiet "$S/" "$T" >/dev/null 2>&1
expect "URLs and paths mixed: usage error" "$?" 2
[ -e "$T/bad.db" ] && fail "a failed crawl left a library" || ok "no library left by bad URLs"

[ "$fails" -eq 0 ] || exit 1
echo "all crawl checks passed"
