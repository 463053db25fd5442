#!/usr/bin/env python3
"""crawl_server.py - the loopback web site test_crawl.sh crawls (127.0.0.1 only, a free port).

usage: crawl_server.py MODE STATEFILE PORTFILE
MODE "site": robots rules, duplicates, redirects inside and outside the origin, a slow page, an
endless link maze, huge pages (with and without Content-Length), binary and other types, a page
that later answers 404 and one that later answers 500 (when STATEFILE holds "2"), a canonical
link, text and Markdown. Every 200 page has an ETag and Last-Modified and answers a matching
conditional request with 304. MODE "polite": robots.txt asks for Crawl-delay: 0.4.
The port is written to PORTFILE once the server listens."""
import gzip
import hashlib
import os
import http.server
import socketserver
import sys
import threading
import time

MODE, STATE, PORTFILE = sys.argv[1], sys.argv[2], sys.argv[3]
# requests being answered now and the most at once (GET /_stats, which the crawler never sees:
# nothing links to it); the slow page leaves the count before it sleeps
LOCK = threading.Lock()
# a compression bomb: 24 MB of HTML in about 24 KB of gzip
BOMB = gzip.compress(b"<html><body><p>" + b"bombword " * (24 << 17) + b"</p></body></html>", 9) \
    if MODE == "site" else b""
BUSY = {"now": 0, "max": 0}
LM = "Wed, 21 Oct 2026 07:28:00 GMT"


def phase():
    try:
        with open(STATE) as f:
            return f.read().strip()
    except OSError:
        return "1"


def page(title, body, links=()):
    a = "".join('<a href="%s">link</a>\n' % h for h in links)
    return ("<!doctype html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p>%s"
            "</body></html>" % (title, title, body, a)).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body in one write: no Nagle/delayed-ACK stall per answer

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=(), length=True,
             validators=True):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        etag = '"%s"' % hashlib.sha1(body).hexdigest()
        if code == 200 and validators:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LM)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def ok(self, body, ctype="text/html; charset=utf-8"):
        etag = '"%s"' % hashlib.sha1(body).hexdigest()
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send(200, body, ctype)

    def do_GET(self):
        if self.path == "/_stats":
            return self.send(200, str(BUSY["max"]).encode(), "text/plain", validators=False)
        with LOCK:
            BUSY["now"] += 1
            BUSY["max"] = max(BUSY["max"], BUSY["now"])
        self.counted = True
        try:
            self.answer()
        finally:
            self.leave()

    def leave(self):
        if self.counted:
            self.counted = False
            with LOCK:
                BUSY["now"] -= 1

    def answer(self):
        p = self.path
        port = self.server.server_address[1]
        if MODE == "polite":
            if p == "/robots.txt":
                return self.send(200, b"User-agent: *\nCrawl-delay: 0.4\n", "text/plain")
            if p == "/":
                return self.ok(page("Polite", "politeword", ["/p1", "/p2", "/p3"]))
            if p in ("/p1", "/p2", "/p3"):
                return self.ok(page("Polite " + p, "politepage" + p[2]))
            return self.send(404, b"no")
        if p == "/robots.txt":
            return self.send(200, b"# rules\nUser-agent: *\nDisallow: /private\nAllow: /private/ok\n",
                             "text/plain")
        if p == "/":
            return self.ok(page("Home", "homeword", [
                "/a.html", "/a.html#frag", "/./x/../a.html", "A.HTML/../a.html",
                "/private/x.html", "/private/ok/y.html", "/redir-in", "/redir-out", "/moved.html",
                "/slow.html", "/maze/0", "/huge.html", "/huge-stream.html", "/gzbomb.html", "/bin.dat",
                "/img.png", "/doc.pdf", "/gone.html", "/flaky.html", "/canon-alias.html", "/text.txt",
                "/notes.md", "/latin1.html", "mailto:someone@example.com", "javascript:alert(1)",
                "http://localhost:%d/other.html" % port]))
        if p == "/hub-out.html":  # links out of the origin only (the --allow-host crawl)
            return self.ok(page("Hub", "hubword", [
                "/redir-out", "http://localhost:%d/other.html" % port,
                "http://localhost:%d/private/x.html" % port]))
        if p == "/a.html":
            return self.ok(page("Page A", "apricotword"))
        if p == "/private/x.html":
            return self.ok(page("Private", "secretword"))
        if p == "/private/ok/y.html":
            return self.ok(page("Allowed", "okword"))
        if p == "/redir-in":
            return self.send(302, b"", headers=[("Location", "/target.html")])
        if p == "/moved.html":  # later moved for good
            if phase() == "2":
                return self.send(301, b"", headers=[("Location", "/target.html")])
            return self.ok(page("Moved", "movedword"))
        if p == "/target.html":
            return self.ok(page("Target", "targetword"))
        if p == "/redir-out":
            return self.send(302, b"", headers=[("Location", "http://localhost:%d/outside.html" % port)])
        if p == "/start-redirect":  # a start URL moved to another origin (http -> https, www.)
            return self.send(301, b"", headers=[("Location", "http://localhost:%d/outside.html" % port)])
        if p == "/outside.html":
            return self.ok(page("Outside", "outsideword"))
        if p == "/other.html":
            return self.ok(page("Other", "otherword"))
        if p == "/slow.html":
            self.leave()
            time.sleep(5)
            return self.ok(page("Slow", "slowword"))
        if p.startswith("/maze/"):
            n = int(p[6:].rstrip("b"))
            return self.ok(page("Maze %d" % n, "mazeword", ["/maze/%d" % (n + 1), "/maze/%db" % (n + 1)]))
        if p == "/huge.html":
            return self.ok(page("Huge", "hugeword " * 300000))
        if p == "/huge-stream.html":
            return self.send(200, page("Huge stream", "streamword " * 300000), length=False,
                             validators=False)
        if p == "/gzbomb.html":
            return self.send(200, BOMB, headers=[("Content-Encoding", "gzip")], validators=False)
        if p == "/bin.dat":
            return self.ok(bytes(range(256)) * 40, "application/octet-stream")
        if p == "/doc.pdf":  # sniffed: no usable Content-Type
            return self.ok(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
                           "application/octet-stream")
        if p == "/img.png":
            return self.ok(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
        if p == "/gone.html":
            if phase() == "2":
                return self.send(404, b"not here")
            return self.ok(page("Gone", "goneword"))
        if p == "/flaky.html":
            if phase() == "2":
                return self.send(500, b"oops")
            return self.ok(page("Flaky", "flakyword"))
        if p == "/canon-alias.html":
            return self.ok(b'<html><head><link rel="canonical" href="/canonical.html"></head>'
                           b"<body><p>canonword</p></body></html>")
        if p == "/latin1.html":  # windows-1252 bytes: é ï and curly quotes (0x93, 0x94)
            body = page("Caf\u00e9", "na\u00efvet\u00e9 \u201cquoted\u201d latinword")
            return self.ok(body.decode("utf-8").encode("cp1252"), "text/html; charset=windows-1252")
        if p == "/text.txt":
            return self.ok(b"plain text with plainword\n", "text/plain")
        if p == "/notes.md":
            return self.ok(b"# Notes\n\nmarkdownword here\n", "text/markdown")
        return self.send(404, b"not found")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the crawler hangs up on slow and huge pages on purpose


srv = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
