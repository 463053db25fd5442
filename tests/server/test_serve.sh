#!/bin/bash
# test_serve.sh - `brass serve` end to end over loopback: MIME types and the cross-origin isolation
# headers on every response, 404s, path traversal in every encoding (the secret beside the root and
# a symlink out of it are never served), GET/HEAD only, oversized and malformed requests
# (raw_requests.py), a short wrk flood followed by a prompt answer with bounded RSS, /model/ (the
# manifest lists exactly the model's files, nothing else is served), /api/ over a small library,
# clear errors for a missing root or a taken port, and a clean exit 0 on SIGTERM/SIGINT within 2 s;
# search filters and /api/get (only indexed files), and the refusals that keep other sites and
# DNS rebinding away from /api/ and /mcp (Host, Origin, Sec-Fetch-Site) and the bearer token.
# BRASS_TEST_QUICK=1 (the sanitizer run) shortens the flood.
set -u
: "${BRASS:?BRASS must name the brass CLI}" "${BRASS_SRC:?BRASS_SRC must name the source tree}"
PY=/usr/bin/python3
HERE="$BRASS_SRC/tests/server"
T=$(mktemp -d)
SPID=""
cleanup() {
  if [ -n "$SPID" ]; then kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
export BRASS_THREADS=2
unset BRASS_LIBRARY BRASS_MODEL BRASS_WEB_ROOT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
for tool in curl wrk; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

# ---- fixture: a root, a secret beside it, links in and out ----
S="$T/site"
R="$S/root"
mkdir -p "$R/sub/deep" "$R/empty"
SECRET="secret-b7c1e0d4"
echo "$SECRET" >"$S/secret"
echo '<!doctype html><title>brass</title>' >"$R/index.html"
echo '<p>sub index</p>' >"$R/sub/index.html"
echo 'export const x = 1;' >"$R/app.js"
echo 'body { color: red }' >"$R/app.css"
echo '{"a": 1}' >"$R/data.json"
printf '\0asm\1\0\0\0' >"$R/engine.wasm"
head -c 300000 /dev/urandom >"$R/big.bin"
echo 'nested file' >"$R/sub/deep/nested.txt"
echo "hidden $SECRET" >"$R/.hidden"
ln -s ../secret "$R/out-link"                 # file link out of the root
ln -s .. "$R/out-dir"                         # folder link out of the root
ln -s sub/deep/nested.txt "$R/in-link.txt"    # link inside the root: allowed

PORT=""
# start_server ARGS...: runs brass serve on a free port, waits for its "listening" line.
start_server() {
  PORT=""
  "$BRASS" serve --port 0 "$@" >"$T/out" 2>"$T/err" &
  SPID=$!
  for _ in $(seq 300); do
    PORT=$(sed -n 's#^brass serve: http://127\.0\.0\.1:\([0-9][0-9]*\)/ (root .*)$#\1#p' "$T/out")
    [ -n "$PORT" ] && return 0
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  fail "server did not start: $(cat "$T/out" "$T/err")"
  return 1
}
# stop_server SIGNAL: the server must exit 0 within 2 s.
stop_server() {
  local t0 t1 rc
  t0=$(date +%s%N)
  kill "-$1" "$SPID"
  for _ in $(seq 40); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.05; done
  t1=$(date +%s%N)
  if kill -0 "$SPID" 2>/dev/null; then
    fail "still running 2 s after SIG$1"
    kill -KILL "$SPID"
  fi
  wait "$SPID"
  rc=$?
  SPID=""
  local ms=$(((t1 - t0) / 1000000))
  if [ "$rc" -eq 0 ] && [ "$ms" -le 2000 ]; then ok "SIG$1: exit 0 after $ms ms"; else fail "SIG$1: exit $rc after $ms ms"; fi
}
# get PATH [curl options]: status code in $CODE, headers in $T/h, body in $T/b.
get() {
  local p="$1"
  shift
  CODE=$(curl -s --path-as-is --max-time 10 -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" \
    "http://127.0.0.1:$PORT$p")
  tr -d '\r' <"$T/h" >"$T/h2"
}
header() { sed -n "s/^$1: //Ip" "$T/h2" | head -1; }
expect_isolation() { # expect_isolation WHAT: the headers every response carries
  local want=("Cross-Origin-Opener-Policy: same-origin" "Cross-Origin-Embedder-Policy: require-corp"
    "Cross-Origin-Resource-Policy: same-origin" "X-Content-Type-Options: nosniff"
    "Cache-Control: no-cache")
  for h in "${want[@]}"; do
    grep -qix "$h" "$T/h2" || fail "$1: missing header '$h'"
  done
}
expect_file() { # expect_file PATH FILE MIME
  get "$1"
  if [ "$CODE" = 200 ] && cmp -s "$T/b" "$2" && [ "$(header Content-Type)" = "$3" ]; then
    ok "$1 -> 200 $3, same bytes"
  else
    fail "$1: got $CODE '$(header Content-Type)', want 200 '$3' with the file's bytes"
  fi
  expect_isolation "$1"
}
expect_refused() { # expect_refused PATH: 400/403/404 and never the secret
  get "$1"
  case "$CODE" in
    400 | 403 | 404) ;;
    *) fail "$1: status $CODE, want 400/403/404" ;;
  esac
  if grep -q "$SECRET" "$T/b"; then fail "$1: the secret was served"; else ok "$1 -> $CODE"; fi
}

# ---- static files ----
start_server --root "$R" || exit 1
expect_file / "$R/index.html" "text/html; charset=utf-8"
expect_file /index.html "$R/index.html" "text/html; charset=utf-8"
expect_file /engine.wasm "$R/engine.wasm" "application/wasm"
expect_file /app.js "$R/app.js" "text/javascript; charset=utf-8"
expect_file /app.css "$R/app.css" "text/css; charset=utf-8"
expect_file /data.json "$R/data.json" "application/json"
expect_file /big.bin "$R/big.bin" "application/octet-stream"
expect_file /sub/deep/nested.txt "$R/sub/deep/nested.txt" "text/plain; charset=utf-8"
expect_file /sub/ "$R/sub/index.html" "text/html; charset=utf-8"
expect_file /sub "$R/sub/index.html" "text/html; charset=utf-8"
expect_file /in-link.txt "$R/sub/deep/nested.txt" "text/plain; charset=utf-8"
expect_file /%61pp.js "$R/app.js" "text/javascript; charset=utf-8"

# HEAD: the headers of GET, no body (read over a raw socket, as curl would not read a body)
head=$("$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD /engine.wasm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
got = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    got += c
head, _, body = got.partition(b"\r\n\r\n")
lines = head.decode().lower().split("\r\n")
print(lines[0].split()[1], "content-length: 8" in lines, "content-type: application/wasm" in lines, len(body))' "$PORT")
[ "$head" = "200 True True 0" ] && ok "HEAD /engine.wasm -> 200, GET's headers, no body" ||
  fail "HEAD /engine.wasm: status, length, type, body bytes = $head"
get /engine.wasm
etag=$(header ETag)
get /engine.wasm -H "If-None-Match: $etag"
[ -n "$etag" ] && [ "$CODE" = 304 ] && ok "If-None-Match -> 304" || fail "If-None-Match '$etag': $CODE"

get /missing.html
[ "$CODE" = 404 ] && ok "/missing.html -> 404" || fail "/missing.html: $CODE, want 404"
expect_isolation "404 page"
[ "$(header Content-Type)" = "text/plain; charset=utf-8" ] || fail "404 page is not plain text"
get '/%3Cscript%3Ealert(1)%3C%2Fscript%3E'
if [ "$CODE" -ge 400 ] && ! grep -qi script "$T/b"; then ok "error page does not echo the request"; else fail "error page: $CODE $(cat "$T/b")"; fi
get /empty/
[ "$CODE" = 404 ] && ok "folder without index.html -> 404 (no listing)" || fail "/empty/: $CODE"
get /model/manifest.json
[ "$CODE" = 404 ] && ok "/model/ without --model -> 404" || fail "/model/manifest.json without --model: $CODE"
get /api/status
[ "$CODE" = 404 ] && ok "/api/ without --library -> 404" || fail "/api/status without --library: $CODE"

for p in /../secret /%2e%2e/secret /%2E%2E%2Fsecret /..%2fsecret //etc/passwd /sub/..%5c..%5csecret \
  '/sub/..\..\secret' /%2e%2e%2f%2e%2e%2fsecret /sub/../../secret /./secret /sub/%2e/../../secret \
  /index.html%00.png /%00 /out-link /out-dir/secret /out-dir/../secret /.hidden /sub/%2ehidden \
  /%ZZ /sub/%2 /%c0%ae%c0%ae/secret /..%00/secret; do
  expect_refused "$p"
done
get /index.html -X POST -d x=1
if [ "$CODE" = 405 ] && [ "$(header Allow)" = "GET, HEAD" ]; then ok "POST -> 405, Allow: GET, HEAD"; else fail "POST: $CODE"; fi
expect_isolation "405 page"
for m in PUT DELETE OPTIONS PATCH TRACE; do
  get / -X "$m"
  [ "$CODE" = 405 ] && ok "$m -> 405" || fail "$m: $CODE, want 405"
done

# ---- oversized and malformed requests over raw sockets ----
if "$PY" "$HERE/raw_requests.py" "$PORT" "$SECRET"; then ok "raw requests"; else fail "raw requests"; fi

# ---- a short flood, then a prompt answer and bounded memory ----
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SPID/status"; }
dur=5s
[ "${BRASS_TEST_QUICK:-0}" = 1 ] && dur=2s
rss0=$(rss)
wrk -t2 -c64 -d"$dur" "http://127.0.0.1:$PORT/engine.wasm" >"$T/wrk" 2>&1
rss1=$(rss)
reqs=$(sed -n 's/^ *\([0-9][0-9]*\) requests in.*/\1/p' "$T/wrk")
if [ -n "$reqs" ] && [ "$reqs" -gt 100 ] && ! grep -q "Non-2xx" "$T/wrk"; then
  ok "wrk $dur, 64 connections: $reqs requests, $(sed -n 's/^Requests\/sec: *//p' "$T/wrk") req/s, all 200"
else
  fail "wrk: $(cat "$T/wrk")"
fi
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "http://127.0.0.1:$PORT/")
if [ "${t% *}" = 200 ] && "$PY" -c "import sys; sys.exit(float(sys.argv[1]) >= 1.0)" "${t#* }"; then
  ok "after the flood: 200 in ${t#* } s"
else
  fail "after the flood: '$t'"
fi
# RSS: the sanitizer build keeps freed memory in quarantine, so it gets a looser bound
limit=65536
grep -aqE "__asan_init|AddressSanitizer" "$BRASS" && limit=524288
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt "$limit" ]; then
  ok "RSS $rss0 kB -> $rss1 kB after the flood (bound +$limit kB)"
else
  fail "RSS $rss0 kB -> $rss1 kB after the flood"
fi

# ---- errors a user can act on ----
"$BRASS" serve --port "$PORT" --root "$R" >"$T/out2" 2>"$T/err2" &
p2=$!
for _ in $(seq 50); do kill -0 "$p2" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$p2" 2>/dev/null; then
  kill -TERM "$p2"
  wait "$p2"
  fail "a second server on port $PORT did not fail"
else
  wait "$p2"
  rc=$?
  if [ "$rc" = 1 ] && grep -q "cannot listen on port $PORT" "$T/err2"; then ok "port taken -> exit 1: $(cat "$T/err2")"; else fail "port taken: exit $rc, $(cat "$T/err2")"; fi
fi
stop_server TERM

"$BRASS" serve --port 0 --root "$T/nowhere" >/dev/null 2>"$T/err2"
rc=$?
[ "$rc" = 1 ] && grep -q "$T/nowhere" "$T/err2" && ok "missing --root -> exit 1: $(cat "$T/err2")" ||
  fail "missing --root: exit $rc, $(cat "$T/err2")"
BRASS_WEB_ROOT="$T/nowhere2" "$BRASS" serve --port 0 >/dev/null 2>"$T/err2"
rc=$?
[ "$rc" = 1 ] && grep -q 'BRASS_WEB_ROOT' "$T/err2" && grep -q "$T/nowhere2" "$T/err2" &&
  ok "missing \$BRASS_WEB_ROOT -> exit 1: $(cat "$T/err2")" || fail "missing \$BRASS_WEB_ROOT: exit $rc, $(cat "$T/err2")"
"$BRASS" serve --port 70000 --root "$R" >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] && ok "--port 70000 -> usage error" || fail "--port 70000: exit $rc"
"$BRASS" serve --host not-an-address --port 0 --root "$R" >/dev/null 2>"$T/err2"
rc=$?
[ "$rc" = 1 ] && grep -q "not-an-address" "$T/err2" && ok "bad --host -> exit 1" || fail "bad --host: exit $rc"

# ---- /model/ and /api/ ----
M="$T/models/tiny-model"
"$PY" "$BRASS_SRC/tests/oracle/make_model.py" "$M" --layers 1 --hidden 32 --heads 2 \
  --intermediate 64 --vocab-size 3000 --seed 3 >/dev/null || { echo "FAIL: make_model.py" >&2; exit 1; }
echo "$SECRET" >"$M/notes.txt"
echo "$SECRET" >"$T/models/secret.txt"
C="$T/corpus"
mkdir -p "$C"
printf '# Install\n\nRun the zapfhilde installer first, then restart.\n' >"$C/install.md"
printf 'Keys rotate every ninety days by the marmelquist rule.\n' >"$C/keys.txt"
"$BRASS" index --quiet --library "$T/lib.db" --model "$M" "$C" >/dev/null 2>"$T/err2" ||
  fail "brass index: $(cat "$T/err2")"

# (the root from $BRASS_WEB_ROOT this time)
BRASS_WEB_ROOT="$R" start_server --model "$M" --library "$T/lib.db" || exit 1
grep -qF "(root $(realpath "$R"))" "$T/out" && ok "root taken from \$BRASS_WEB_ROOT" ||
  fail "root line with \$BRASS_WEB_ROOT: $(cat "$T/out")"
get /model/manifest.json
if [ "$CODE" = 200 ] && [ "$(header Content-Type)" = application/json ]; then
  # every model file make_model.py wrote is listed with its size; the stray notes.txt is not
  "$PY" - "$T/b" "$M" <<'PY' && ok "manifest lists the model's files with sizes" || fail "manifest: $(cat "$T/b")"
import json, os, sys
m = json.load(open(sys.argv[1]))
d = sys.argv[2]
on_disk = {}
for base, _, files in os.walk(d):
    for f in files:
        rel = os.path.relpath(os.path.join(base, f), d)
        if rel != "notes.txt":
            on_disk[rel] = os.path.getsize(os.path.join(base, f))
listed = {e["path"]: e["size"] for e in m["files"]}
assert m["name"] == "tiny-model", m["name"]
assert listed == on_disk, (listed, on_disk)
assert {"config.json", "model.safetensors", "1_Pooling/config.json"} <= set(listed)
PY
else
  fail "/model/manifest.json: $CODE $(header Content-Type)"
fi
expect_isolation "manifest"
expect_file /model/config.json "$M/config.json" "application/json"
expect_file /model/model.safetensors "$M/model.safetensors" "application/octet-stream"
expect_file /model/1_Pooling/config.json "$M/1_Pooling/config.json" "application/json"
expect_file /model/vocab.txt "$M/vocab.txt" "text/plain; charset=utf-8"
for p in /model/notes.txt /model/../../secret /model/../secret.txt /model/..%2fsecret.txt \
  /model/%2e%2e/%2e%2e/site/secret /model/1_Pooling/../notes.txt /model/ /model \
  /model//config.json/../../secret.txt /model/1_Pooling; do
  expect_refused "$p"
done

get /api/status
if [ "$CODE" = 200 ] && "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["sources"] == 2 and j["chunks"] >= 2 and j["model"]["dim"] == 32, j
assert j["vector_format"] == "int8", j' "$T/b"; then
  ok "/api/status: 2 sources, model dim 32, int8 vectors"
else
  fail "/api/status: $CODE $(cat "$T/b")"
fi
get '/api/search?q=zapfhilde+installer&mode=keyword&k=5'
if [ "$CODE" = 200 ] && "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
r = j["results"]
assert j["query"] == "zapfhilde installer" and j["mode"] == "keyword", j
assert r and r[0]["source"].endswith("install.md"), r
assert "\ue000zapfhilde\ue001" in r[0]["snippet"].lower(), r[0]["snippet"]' "$T/b"; then
  ok "/api/search keyword finds install.md, terms marked U+E000/U+E001"
else
  fail "/api/search: $CODE $(cat "$T/b")"
fi
get '/api/search?q=marmelquist%20rule&k=3'
"$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["mode"] == "hybrid" and j["results"][0]["source"].endswith("keys.txt"), j' "$T/b" &&
  ok "/api/search hybrid finds keys.txt" || fail "/api/search hybrid: $CODE $(cat "$T/b")"
for q in '/api/search' '/api/search?q=x&mode=bogus' '/api/search?q=x&k=0' '/api/search?q=x&k=zz' \
  '/api/search?q=%00' '/api/search?q=%zz' '/api/nothing'; do
  get "$q"
  if [ "$CODE" -ge 400 ] && [ "$CODE" -lt 500 ] && "$PY" -c 'import json,sys; assert json.load(open(sys.argv[1]))["error"]' "$T/b" 2>/dev/null; then
    ok "$q -> $CODE with a JSON error"
  else
    fail "$q: $CODE $(cat "$T/b")"
  fi
done
long=$("$PY" -c 'print("q" * 9000)')
get "/api/search?q=$long"
[ "$CODE" = 400 ] && ok "9000-byte query -> 400" || fail "9000-byte query: $CODE"
# an empty or blank query is refused, as `brass search ""` refuses it (issue 10)
for q in '/api/search?q=' '/api/search?q=+%20%09' '/api/search?q=&mode=keyword'; do
  get "$q"
  if [ "$CODE" = 400 ] && grep -q '"error":"search: the query is empty' "$T/b"; then
    ok "$q -> 400 query is empty"
  else
    fail "$q: $CODE $(cat "$T/b")"
  fi
done

# ---- filters and /api/get ----
# sources: the result sources' file names, sorted
sources() { "$PY" -c 'import json,os,sys; print(" ".join(sorted(os.path.basename(r["source"]) for r in json.load(open(sys.argv[1]))["results"])))' "$T/b"; }
get '/api/search?q=zapfhilde+marmelquist&type=txt'
[ "$CODE" = 200 ] && [ "$(sources)" = keys.txt ] && ok "/api/search type=txt" || fail "type=txt: $CODE $(cat "$T/b")"
get '/api/search?q=zapfhilde+marmelquist&path=*.md&path=nothing%2F'
[ "$CODE" = 200 ] && [ "$(sources)" = install.md ] && ok "/api/search path glob (repeated)" || fail "path glob: $CODE $(cat "$T/b")"
get '/api/search?q=zapfhilde+marmelquist&before=2000-01-01'
[ "$CODE" = 200 ] && [ "$(sources)" = "" ] && ok "/api/search before=2000-01-01: none" || fail "before: $CODE $(cat "$T/b")"
get '/api/search?q=zapfhilde+marmelquist&since=1h'
[ "$CODE" = 200 ] && [ "$(sources)" = "install.md keys.txt" ] && ok "/api/search since=1h: both" || fail "since: $CODE $(cat "$T/b")"
get '/api/search?q=x&since=yesterday'
[ "$CODE" = 400 ] && ok "since=yesterday -> 400" || fail "since=yesterday: $CODE"
get "/api/get?source=$C/install.md&from=3&to=3"
[ "$CODE" = 200 ] && "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["text"] == "Run the zapfhilde installer first, then restart.\n" and j["changed"] is False, j' "$T/b" &&
  ok "/api/get line 3" || fail "/api/get: $CODE $(cat "$T/b")"
for s in "$S/secret" /etc/passwd "$T/lib.db" "$C/../site/secret" "$C/%2e%2e/site/secret"; do
  get "/api/get?source=$s"
  if [ "$CODE" = 404 ] && ! grep -q "$SECRET" "$T/b"; then ok "/api/get $s refused"; else fail "/api/get $s: $CODE $(cat "$T/b")"; fi
done

# ---- who may read the library: Host, Origin, Sec-Fetch-Site (DNS rebinding, other sites) ----
for ep in /api/status "/api/search?q=zapfhilde" "/api/get?source=$C/install.md"; do
  get "$ep" -H "Host: evil.example:$PORT"
  [ "$CODE" = 403 ] && ! grep -q zapfhilde "$T/b" && ok "$ep with a rebound Host -> 403" || fail "$ep rebound Host: $CODE"
  get "$ep" -H "Host: 127.0.0.1:1"
  [ "$CODE" = 403 ] && ok "$ep with another port in Host -> 403" || fail "$ep Host port: $CODE"
  get "$ep" -H "Origin: http://evil.example"
  [ "$CODE" = 403 ] && ok "$ep from another Origin -> 403" || fail "$ep Origin: $CODE"
  get "$ep" -H "Origin: null"
  [ "$CODE" = 403 ] && ok "$ep from Origin null -> 403" || fail "$ep Origin null: $CODE"
  get "$ep" -H "Sec-Fetch-Site: cross-site"
  [ "$CODE" = 403 ] && ok "$ep Sec-Fetch-Site cross-site -> 403" || fail "$ep cross-site: $CODE"
  get "$ep" -H "Host: localhost:$PORT" -H "Origin: http://localhost:$PORT" -H "Sec-Fetch-Site: same-origin"
  [ "$CODE" = 200 ] && ok "$ep same-origin from localhost -> 200" || fail "$ep same origin: $CODE"
done
mcp_init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
mcp() { CODE=$(curl -s -o "$T/b" -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/mcp" -H 'Content-Type: application/json' "$@"); }
mcp -d "$mcp_init" -H "Host: evil.example:$PORT"
[ "$CODE" = 403 ] && ok "/mcp with a rebound Host -> 403" || fail "/mcp rebound Host: $CODE"
mcp -d "$mcp_init" -H "Origin: http://evil.example"
[ "$CODE" = 403 ] && ok "/mcp from another Origin -> 403" || fail "/mcp Origin: $CODE"
mcp -d "$mcp_init"
[ "$CODE" = 200 ] && ok "/mcp initialize -> 200" || fail "/mcp initialize: $CODE $(cat "$T/b")"
get / -H "Host: evil.example:$PORT"
[ "$CODE" = 200 ] && ok "static files are not guarded (no library data)" || fail "static with Host: $CODE"
stop_server INT

# ---- --host localhost: the loopback address, not a refusal (issue 10) ----
start_server --host localhost --root "$R" || exit 1
get /index.html
[ "$CODE" = 200 ] && ! grep -q warning "$T/err" && ok "--host localhost listens on 127.0.0.1" ||
  fail "--host localhost: $CODE $(cat "$T/out" "$T/err")"
stop_server INT

# ---- a token: required off loopback, optional on it ----
start_server --library "$T/lib.db" --root "$R" --token "tok-0123456789abcdef" || exit 1
get /api/status
[ "$CODE" = 401 ] && ok "--token: no token -> 401" || fail "--token none: $CODE"
get /api/status -H "Authorization: Bearer tok-0123456789abcdeX"
[ "$CODE" = 401 ] && ok "--token: wrong token -> 401" || fail "--token wrong: $CODE"
get /api/status -H "Authorization: Bearer tok-0123456789abcdef"
[ "$CODE" = 200 ] && ok "--token: right token -> 200" || fail "--token right: $CODE"
mcp -d "$mcp_init"
[ "$CODE" = 401 ] && ok "/mcp without the token -> 401" || fail "/mcp no token: $CODE"
stop_server TERM
"$BRASS" serve --port 0 --root "$R" --library "$T/lib.db" --token short >/dev/null 2>"$T/e3"
[ $? = 2 ] && ok "--token too short -> usage error" || fail "--token short accepted"
# bound to every address: a token is made up and printed, and required
"$BRASS" serve --port 0 --host 0.0.0.0 --root "$R" --library "$T/lib.db" >"$T/out" 2>"$T/err" &
SPID=$!
for _ in $(seq 300); do grep -q "token for" "$T/err" && grep -q "^brass serve: http" "$T/out" && break; sleep 0.1; done
PORT=$(sed -n 's#^brass serve: http://[^:]*:\([0-9][0-9]*\)/ .*#\1#p' "$T/out")
TOK=$(sed -n 's#^brass serve: token for /api/ and /mcp: \([0-9a-f]*\) .*#\1#p' "$T/err")
[ ${#TOK} = 64 ] && ok "0.0.0.0: a 64-hex-digit token printed" || fail "0.0.0.0 token: $(cat "$T/err")"
get /api/status
[ "$CODE" = 401 ] && ok "0.0.0.0: no token -> 401" || fail "0.0.0.0 no token: $CODE"
get /api/status -H "Authorization: Bearer $TOK"
[ "$CODE" = 200 ] && ok "0.0.0.0: the printed token -> 200" || fail "0.0.0.0 token: $CODE"
stop_server TERM

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "all serve checks passed"
