#!/usr/bin/python3
"""hub_server.py - a loopback HTTP server standing in for the Hugging Face hub in
test_model_pull.sh: serves DIR (laid out as REPO/resolve/REVISION/FILE) on 127.0.0.1 at a free
port, writes that port to PORTFILE once listening, and logs each request to stderr.
Some revision names behave specially, on purpose: "cut" announces the full Content-Length but
closes the connection halfway through the body; "nolen" sends no Content-Length and only half of
the body (a close-delimited reply that looks complete); "slow" sends the body in small pieces
with pauses; "redir" answers 302 with the same path under revision "redir-target" (the real hub
redirects large files to its CDN).

  hub_server.py DIR PORTFILE
"""
import functools
import http.server
import os
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("hub: %s\n" % (fmt % args))
        sys.stderr.flush()

    def do_GET(self):
        if "/resolve/redir/" in self.path:
            self.send_response(302)
            self.send_header("Location", self.path.replace("/resolve/redir/", "/resolve/redir-target/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        mode = next((m for m in ("cut", "nolen", "slow") if "/resolve/%s/" % m in self.path), None)
        path = self.translate_path(self.path)
        if mode is None or not os.path.isfile(path):
            return super().do_GET()
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "nolen":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.log_message("%s %s (%s)", self.command, self.path, mode)
        try:
            if mode in ("cut", "nolen"):
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            for i in range(0, len(data), 16384):
                self.wfile.write(data[i:i + 16384])
                self.wfile.flush()
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    handler = functools.partial(Handler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
