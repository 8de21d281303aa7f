#!/usr/bin/env python3
"""Build the SDK corpus capture: one plain HTTP/1.1 request per TCP
connection, with a 200 response, to each SDK's real host name.

    build.py [-o sdk-corpus.pcap]      check every file, write the pcap

Deterministic: the capture starts at corpus.T0 (2024-05-01T02:00:00Z) and each
request is sent 1 s after the latest timestamp its payload carries; fixed
addresses and ports, gzip without timestamps. Refuses a malformed corpus
(unlabelled leaf, unknown category, bad check digit) with a message.
"""
import argparse
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "gen"))

import corpus  # noqa: E402
from pcapgen import Capture, TCPConn, http_request, http_response  # noqa: E402

CLIENT_IP = "10.0.0.2"
SEGMENT = 1400
RESPONSE = b'{"code":0,"msg":"ok"}'


def server_ip(host):
    """A fixed address per host name in 198.18.0.0/15 (benchmarking range)."""
    h = hashlib.sha256(host.encode()).digest()
    return "198.%d.%d.%d" % (18 + (h[0] & 1), h[1], 1 + h[2] % 254)


def sizes(n):
    return [min(SEGMENT, n - i) for i in range(0, n, SEGMENT)] or [0]


def build(files, path):
    cap = Capture(os.path.basename(path), t0_ns=corpus.T0 * 10**9)
    n = 0
    for f, req, t_ns in corpus.ordered_requests(files):
        cap.t_ns = t_ns
        port = 40000 + n
        c = TCPConn(cap, CLIENT_IP, port, server_ip(req["host"]), 80,
                    0x10000000 + port * 0x1000, 0x20000000 + port * 0x1000, host=req["host"])
        c.handshake()
        data, _ = http_request(req["method"], req["uri"], req["host"], req["headers"],
                               req["body"], mobile=False)
        c.send("c", data, sizes(len(data)))
        resp = http_response(200, "OK", [("Content-Type", "application/json")], RESPONSE)
        c.send("s", resp)
        c.close()
        n += 1
    with open(path, "wb") as out:
        out.write(cap.file_bytes())
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default="sdk-corpus.pcap")
    args = ap.parse_args()
    try:
        files = corpus.load_all()
    except corpus.CorpusError as e:
        sys.exit(f"build.py: {e}")
    n = build(files, args.output)
    print(f"{args.output}: {len(files)} SDKs, {n} requests")


if __name__ == "__main__":
    main()
