#!/usr/bin/python3
"""A cleartext HTTP/2 client with prior knowledge (RFC 7540 section 3.4) for
tests/gen/make-tls-captures.sh, built on Debian's python3-h2.  curl 7.88.1
cannot carry two requests over one prior-knowledge connection ("Error in the
HTTP2 framing layer" on reuse), and this client also interleaves the frames
of its streams on the wire, which curl does not:

    HEADERS(1) POST /v1/profile      (JSON body follows in two DATA frames)
    HEADERS(3) POST /v1/events       (Content-Encoding: gzip)
    DATA(1)    first half of the profile JSON
    DATA(3)    the whole gzip body, END_STREAM
    DATA(1)    second half, END_STREAM
    HEADERS(5) GET /v1/config?...    END_STREAM

each frame in its own TCP segment (TCP_NODELAY, a short pause between them).
It then reads until every stream is answered, sends GOAWAY and closes.

  --host NAME (:authority)  --port N  --profile FILE  --events-gz FILE
  --query QUERY (for the GET)  --user-agent UA
"""
import argparse
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--connect", default="127.0.0.1")
    ap.add_argument("--profile", required=True)
    ap.add_argument("--events-gz", required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--user-agent", default="okhttp/4.9.0")
    a = ap.parse_args()
    profile = open(a.profile, "rb").read()
    events = open(a.events_gz, "rb").read()

    sock = socket.create_connection((a.connect, a.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding=None))

    def flush():
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
        time.sleep(0.02)

    def base(method, path):
        return [(":method", method), (":scheme", "http"), (":authority", a.host), (":path", path),
                ("user-agent", a.user_agent), ("accept", "*/*")]

    conn.initiate_connection()
    flush()
    conn.send_headers(1, base("POST", "/v1/profile") + [("content-type", "application/json"),
                                                        ("content-length", str(len(profile)))])
    flush()
    conn.send_headers(3, base("POST", "/v1/events") + [("content-type", "application/json"),
                                                       ("content-encoding", "gzip"),
                                                       ("content-length", str(len(events)))])
    flush()
    half = len(profile) // 2
    conn.send_data(1, profile[:half])
    flush()
    conn.send_data(3, events, end_stream=True)
    flush()
    conn.send_data(1, profile[half:], end_stream=True)
    flush()
    conn.send_headers(5, base("GET", "/v1/config?" + a.query), end_stream=True)
    flush()

    open_streams = {1, 3, 5}
    sock.settimeout(5)
    while open_streams:
        data = sock.recv(65536)
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                status = dict(ev.headers).get(b":status", b"?").decode()
                sys.stdout.write(f"stream {ev.stream_id}: {status}\n")
            elif isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                open_streams.discard(ev.stream_id)
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    time.sleep(0.05)
    sock.close()
    if open_streams:
        sys.exit(f"h2c_client: streams {sorted(open_streams)} not answered")


if __name__ == "__main__":
    main()
