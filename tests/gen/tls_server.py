#!/usr/bin/python3
"""A tiny HTTPS/1.1 server for tests/gen/make-tls-captures.sh.

It answers every request (any method, keep-alive) with 200 and a small JSON
body ({"ok":true,"path":"<path>","received":<request body bytes>}, with
Content-Length), reading the request body by its Content-Length.  One
connection at a time (the captures each hold one or two connections, one
after the other).  The TLS side is configured from the command line:

  --port N --cert PEM --key PEM
  --tls-min 1.2|1.3  --tls-max 1.2|1.3
  --ciphers LIST      OpenSSL cipher list for TLS 1.2 and below
  --group NAME        accept this one key-exchange group only (e.g. prime256v1;
                      a TLS 1.3 client offering an X25519 key share then gets a
                      HelloRetryRequest)
  --no-etm            do not negotiate encrypt-then-MAC (SSL_OP_NO_ENCRYPT_THEN_MAC)
  --no-ticket         no session tickets (SSL_OP_NO_TICKET)
  --ready FILE        created once the server listens
"""
import argparse
import http.server
import json
import os
import signal
import socket
import ssl
import sys

# OpenSSL 3's SSL_OP_NO_ENCRYPT_THEN_MAC (Python 3.11's ssl module has no name for it)
OP_NO_ENCRYPT_THEN_MAC = 1 << 19
VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "privaudit-test/1.0"
    sys_version = ""

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = json.dumps({"ok": True, "path": self.path.split("?")[0], "received": n},
                          separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, fmt, *args):  # quiet unless asked
        if os.environ.get("TLS_SERVER_VERBOSE"):
            sys.stderr.write("tls_server: " + (fmt % args) + "\n")


class Server(http.server.HTTPServer):
    def __init__(self, addr, ctx):
        self.ctx = ctx
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True), addr

    def shutdown_request(self, request):
        # send close_notify: OpenSSL drops a session from the server's cache
        # when its connection is freed without one (no resumption by ID then)
        try:
            request.unwrap()
        except (OSError, ValueError):
            pass
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # a client that closes without close_notify, or a failed handshake
        sys.stderr.write(f"tls_server: connection from {client_address}: {sys.exc_info()[1]!r}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--tls-min", choices=VERSIONS, default="1.2")
    ap.add_argument("--tls-max", choices=VERSIONS, default="1.3")
    ap.add_argument("--ciphers")
    ap.add_argument("--group")
    ap.add_argument("--no-etm", action="store_true")
    ap.add_argument("--no-ticket", action="store_true")
    ap.add_argument("--ready")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    ctx.minimum_version = VERSIONS[a.tls_min]
    ctx.maximum_version = VERSIONS[a.tls_max]
    if a.ciphers:
        ctx.set_ciphers(a.ciphers)
    if a.group:
        # OpenSSL 3: SSL_CTX_set1_groups(ctx, {nid}, 1): the only group accepted
        ctx.set_ecdh_curve(a.group)
    if a.no_etm:
        ctx.options |= OP_NO_ENCRYPT_THEN_MAC
    if a.no_ticket:
        ctx.options |= ssl.OP_NO_TICKET
    ctx.set_alpn_protocols(["http/1.1"])

    srv = Server(("127.0.0.1", a.port), ctx)
    srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.ready:
        open(a.ready, "w").close()
    try:
        srv.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
