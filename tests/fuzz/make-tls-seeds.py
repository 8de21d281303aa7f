#!/usr/bin/env python3
"""Writes seeds for fuzz_tls from the project's own TLS captures
(captures/test/tls/*.pcap and captures/test/tls-modes/*.pcap with their
.keys: AEAD, CBC, SSL 3.0, DEFLATE-compressed records, export, NULL, CCM and
SSLv2-hello sessions): one seed per TCP connection,
in the harness's format (client random, master secret, length byte, the
four TLS 1.3 traffic secrets, then the connection's payloads as deliveries:
direction byte, 2-byte length, bytes), so the fuzzer starts from streams
that really decrypt.

    tests/fuzz/make-tls-seeds.py captures/test/tls captures/test/tls-modes tests/fuzz/corpus/tls
"""
import glob
import os
import struct
import sys


def packets(path):
    """(src, sport, dst, dport, payload) of each TCP packet of an Ethernet
    or raw/loopback pcap, in file order."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            if frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:
            ip = frame[16:]
        else:
            continue
        if len(ip) < 20 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        doff = (tcp[12] >> 4) * 4
        yield ip[12:16], struct.unpack(">H", tcp[0:2])[0], ip[16:20], struct.unpack(">H", tcp[2:4])[0], tcp[doff:]


def keylog(path):
    keys = {}
    for line in open(path):
        p = line.split()
        if len(p) == 3 and not line.startswith("#"):
            try:
                keys.setdefault(bytes.fromhex(p[1]), {})[p[0]] = bytes.fromhex(p[2])
            except ValueError:
                pass
    return keys


def client_random(first):
    """The client random of a connection's first client bytes: a ClientHello
    record, or an SSL 2.0-format one (its challenge, right-aligned)."""
    if len(first) >= 43 and first[0] == 22:
        return first[11:43]
    if len(first) >= 11 and first[0] & 0x80 and first[2] == 1:
        specs, sid, chal = struct.unpack(">HHH", first[5:11])
        return first[11 + specs + sid:11 + specs + sid + chal].rjust(32, b"\0")
    return None


def main(out, *srcs):
    os.makedirs(out, exist_ok=True)
    for cap in sorted(c for src in srcs for c in glob.glob(os.path.join(src, "*.pcap"))):
        kpath = os.path.splitext(cap)[0] + ".keys"
        if not os.path.exists(kpath):
            continue
        keys = keylog(kpath)
        conns = {}
        for s, sp, d, dp, payload in packets(cap):
            key = tuple(sorted([(s, sp), (d, dp)]))
            c = conns.setdefault(key, {"client": (s, sp), "chunks": []})
            if payload:
                c["chunks"].append((0 if (s, sp) == c["client"] else 1, payload))
        for n, c in enumerate(conns.values()):
            rnd = client_random(next((p for d, p in c["chunks"] if d == 0), b""))
            if rnd is None:
                continue
            k = keys.get(rnd, {})
            tls13 = [k.get(x, b"") for x in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                              "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0")]
            size = len(tls13[0]) if tls13[0] else 48
            seed = rnd + k.get("CLIENT_RANDOM", bytes(48)).ljust(48, b"\0") + bytes([size])
            seed += b"".join(t.ljust(size, b"\0")[:size] for t in tls13)
            for d, p in c["chunks"]:
                for i in range(0, len(p), 65535):
                    part = p[i:i + 65535]
                    seed += bytes([d]) + struct.pack(">H", len(part)) + part
            name = os.path.splitext(os.path.basename(cap))[0] + f"-{n}"
            open(os.path.join(out, name), "wb").write(seed)


if __name__ == "__main__":
    main(sys.argv[-1], *sys.argv[1:-1])
