# raw_requests.py - sends hostile raw HTTP requests to `brass serve` over plain sockets (oversized
# URL and header, malformed request lines, bad framing, half-sent requests) and checks that none is
# answered with 200 or leaks the secret, and that the server still answers a normal request after
# each. Usage: raw_requests.py PORT SECRET_TEXT. Prints one line per case; exit 1 on any failure.
import socket
import sys

PORT = int(sys.argv[1])
SECRET = sys.argv[2].encode()
failures = 0


def exchange(data, read_timeout=5.0):
    """Sends data (bytes) and returns what came back before the server closed or went quiet."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    got = b""
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before reading everything: that is allowed
        s.settimeout(read_timeout)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    return got


def status_of(reply):
    line = reply.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return 0  # closed without a status line


def check(name, data, allowed):
    """allowed: set of acceptable statuses (0 = closed without an answer)."""
    global failures
    reply = exchange(data)
    st = status_of(reply)
    bad = st not in allowed or SECRET in reply
    # afterwards the server must still serve a normal request
    alive = status_of(exchange(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    if bad or alive != 200:
        failures += 1
        print("FAIL: %s: status %d, secret leaked %s, then GET / -> %d"
              % (name, st, SECRET in reply, alive))
    else:
        print("ok: %s -> %s, server still answers 200" % (name, st or "closed"))


ERR = set(range(400, 500)) | {0, 505}
big_url = b"GET /" + b"a" * (100 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
check("100 KB URL", big_url, ERR)
big_header = (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * (1024 * 1024) + b"\r\n\r\n")
check("1 MB header", big_header, ERR)
many_headers = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 20000 + b"\r\n"
check("20000 headers", many_headers, ERR)
check("garbage line", b"GARBAGE\r\n\r\n", ERR)
check("binary junk", bytes(range(256)) * 4 + b"\r\n\r\n", ERR)
check("NUL in method", b"GE\x00T / HTTP/1.1\r\nHost: x\r\n\r\n", ERR)
# libmicrohttpd ends the path at a raw NUL: what precedes it ("/index.html") may be served, never
# what follows
check("NUL in path", b"GET /index.html\x00/../../secret HTTP/1.1\r\nHost: x\r\n\r\n", ERR | {200})
check("raw traversal", b"GET /../secret HTTP/1.1\r\nHost: x\r\n\r\n", ERR)
check("raw traversal, no slash", b"GET ../secret HTTP/1.1\r\nHost: x\r\n\r\n", ERR)
check("absolute-form URL", b"GET http://127.0.0.1/../secret HTTP/1.1\r\nHost: x\r\n\r\n", ERR)
check("backslashes", b"GET /..\\..\\secret HTTP/1.1\r\nHost: x\r\n\r\n", ERR)
check("HTTP/9.9", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", ERR)
check("no version", b"GET /\r\n\r\n", ERR | {200})  # HTTP/0.9 style may be refused or served
check("header without colon", b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", ERR | {200})
check("bad content-length", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", ERR)
check("bad chunk size",
      b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
      ERR)
check("half a request line", b"GET /index.ht", ERR)
check("lone CRLFs", b"\r\n" * 5000, ERR)
check("only a method", b"DELETE\r\n\r\n", ERR)
sys.exit(1 if failures else 0)
