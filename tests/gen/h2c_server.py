#!/usr/bin/python3
"""A tiny cleartext HTTP/2 server (h2c) for tests/gen/make-tls-captures.sh,
built on Debian's python3-h2.  nghttpd serves h2c with prior knowledge only;
this one also accepts the HTTP/1.1 upgrade (RFC 7540 section 3.2:
`Upgrade: h2c` + `HTTP2-Settings`, answered by `101 Switching Protocols`), and
plain HTTP/1.1 requests without an upgrade are answered in HTTP/1.1.

Every request (any method) gets 200 with a small JSON body
{"ok":true,"path":"<path>","received":<request body bytes>} once its stream
has ended.  One connection at a time.

  --port N  --ready FILE (created once listening)
"""
import argparse
import json
import os
import signal
import socket
import sys

import h2.config
import h2.connection
import h2.events

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def log(msg):
    if os.environ.get("TLS_SERVER_VERBOSE"):
        sys.stderr.write("h2c_server: " + msg + "\n")


def answer(path, received):
    return json.dumps({"ok": True, "path": path.split("?")[0], "received": received},
                      separators=(",", ":")).encode()


def recv_http1_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


def serve_h2(sock, conn, rest, upgraded=None):
    """Runs an HTTP/2 connection until the peer closes it."""
    paths, sizes = {}, {}
    if upgraded:
        paths[1], sizes[1] = upgraded

    def respond(sid):
        body = answer(paths.get(sid, "/"), sizes.get(sid, 0))
        conn.send_headers(sid, [(":status", "200"), ("content-type", "application/json"),
                                ("content-length", str(len(body))), ("server", "privaudit-test-h2c/1.0")])
        conn.send_data(sid, body, end_stream=True)

    if upgraded:
        respond(1)
    sock.sendall(conn.data_to_send())
    data = rest
    while True:
        if data:
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    hdrs = {k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
                            for k, v in ev.headers}
                    paths[ev.stream_id] = hdrs.get(":path", "/")
                    sizes[ev.stream_id] = 0
                    log(f"stream {ev.stream_id}: {hdrs.get(':method')} {paths[ev.stream_id]}")
                elif isinstance(ev, h2.events.DataReceived):
                    sizes[ev.stream_id] = sizes.get(ev.stream_id, 0) + len(ev.data)
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    respond(ev.stream_id)
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    sock.sendall(conn.data_to_send())
                    return
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
        data = sock.recv(65536)
        if not data:
            return


def handle(sock):
    buf = b""
    while len(buf) < len(PREFACE) and PREFACE.startswith(buf):
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk
    cfg = h2.config.H2Configuration(client_side=False, header_encoding=None)
    conn = h2.connection.H2Connection(config=cfg)
    if buf.startswith(PREFACE):  # prior knowledge
        log("prior knowledge")
        conn.initiate_connection()
        serve_h2(sock, conn, buf)
        return
    while True:  # HTTP/1.1 until an upgrade
        head, rest = recv_http1_head(sock, buf)
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        while len(rest) < n:
            chunk = sock.recv(65536)
            if not chunk:
                return
            rest += chunk
        rest, buf = rest[n:], rest[n:]
        log(f"http/1.1 {method} {target} upgrade={hdrs.get('upgrade')}")
        if "h2c" in hdrs.get("upgrade", "") and "http2-settings" in hdrs:
            sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
            conn.initiate_upgrade_connection(hdrs["http2-settings"].encode())
            serve_h2(sock, conn, rest, upgraded=(target, n))
            return
        body = answer(target, n)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ready")
    a = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(8)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.ready:
        open(a.ready, "w").close()
    while True:
        s, _ = srv.accept()
        try:
            handle(s)
        except Exception as e:  # noqa: BLE001 - keep serving; the capture shows what happened
            sys.stderr.write(f"h2c_server: {e!r}\n")
        finally:
            s.close()


if __name__ == "__main__":
    main()
