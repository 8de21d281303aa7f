#!/usr/bin/python3
"""Write the TLS-mode test captures: captures/test/tls-modes/ (NAME.pcap,
NAME.keys, expected.json, README.md).

usage: gen_tls_modes.py [OUTDIR]      (Debian's /usr/bin/python3, python3-cryptography, tshark)

It also writes tests/unit/tls_vectors.h: the same sealing code, one short
session per mode (SSL 3.0, export, DEFLATE, NULL, CCM, SSLv2 hello ...),
for the unit tests of the record layer.

Debian 12's OpenSSL 3 cannot make SSL 3.0, TLS-level compression, export or
SSLv2-hello sessions any more, so these sessions are built byte by byte here
with known secrets (pseudo-random bytes from fixed seeds: the output is
identical on every run): the hellos in clear, ChangeCipherSpec, an
encrypted Finished, then HTTP/1.1 requests and responses in protected
records, compressed with zlib (one stream per direction, RFC 3749) where the
session negotiated DEFLATE.  The key log holds the master secret (TLS 1.3:
the four traffic secrets) of each client random.

Every capture is then read back by tshark with its key log, and the requests
tshark decrypts must be exactly the ones written (frame, method, host, uri):
the generator stops otherwise.  Sessions tshark itself cannot read are
listed with "tshark": false and the reason.
"""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import warnings
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcapgen import Capture, TCPConn, prng  # noqa: E402

warnings.simplefilter("ignore")  # RC4, SEED and 3DES are deprecated in python3-cryptography, still needed here
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305  # noqa: E402

HOST = "api.test.privaudit.example"
PROFILE = b'{"name":"Li Wei","occupation":"teacher","phone":"13800138000","email":"li.wei@example.com"}'
QUERY = "/v1/config?device_id=3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13&lang=en"

# suite id -> (IANA name, cipher, key length, block/tag, MAC hash or None (AEAD), PRF sha384, export key bytes)
SUITES = {
    0x0004: ("TLS_RSA_WITH_RC4_128_MD5", "rc4", 16, 0, "md5", False, 0),
    0x0005: ("TLS_RSA_WITH_RC4_128_SHA", "rc4", 16, 0, "sha1", False, 0),
    0x0003: ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "rc4", 16, 0, "md5", False, 5),
    0x0008: ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "des", 8, 8, "sha1", False, 5),
    0x0009: ("TLS_RSA_WITH_DES_CBC_SHA", "des", 8, 8, "sha1", False, 0),
    0x000a: ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3des", 24, 8, "sha1", False, 0),
    0x0013: ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "3des", 24, 8, "sha1", False, 0),
    0x002f: ("TLS_RSA_WITH_AES_128_CBC_SHA", "aes", 16, 16, "sha1", False, 0),
    0x003b: ("TLS_RSA_WITH_NULL_SHA256", "null", 0, 0, "sha256", False, 0),
    0x0041: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "camellia", 16, 16, "sha1", False, 0),
    0x0096: ("TLS_RSA_WITH_SEED_CBC_SHA", "seed", 16, 16, "sha1", False, 0),
    0x00a8: ("TLS_PSK_WITH_AES_128_GCM_SHA256", "gcm", 16, 16, None, False, 0),
    0xc005: ("TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", "aes", 32, 16, "sha1", False, 0),
    0xc0a0: ("TLS_RSA_WITH_AES_128_CCM_8", "ccm", 16, 8, None, False, 0),
    0xc0ac: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ccm", 16, 16, None, False, 0),
    0x1304: ("TLS_AES_128_CCM_SHA256", "ccm", 16, 16, None, False, 0),
    0x1305: ("TLS_AES_128_CCM_8_SHA256", "ccm", 16, 8, None, False, 0),
}
VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


# ---------------------------------------------------------------- key schedules

def p_hash(h, secret, seed, n):
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


def prf(version, sha384, secret, label, seed, n):
    if version >= 0x0303:
        return p_hash(hashlib.sha384 if sha384 else hashlib.sha256, secret, label + seed, n)
    half = (len(secret) + 1) // 2
    md5 = p_hash(hashlib.md5, secret[:half], label + seed, n)
    sha = p_hash(hashlib.sha1, secret[len(secret) - half:], label + seed, n)
    return bytes(a ^ b for a, b in zip(md5, sha))


def ssl3_key_block(master, cr, sr, n):
    out, i = b"", 1
    while len(out) < n:
        sha = hashlib.sha1(bytes([0x40 + i]) * i + master + sr + cr).digest()
        out += hashlib.md5(master + sha).digest()
        i += 1
    return out[:n]


def hkdf_expand_label(secret, label, n):
    info = n.to_bytes(2, "big") + bytes([6 + len(label)]) + b"tls13 " + label + b"\0"
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def block_cipher(kind, key):
    return {"aes": algorithms.AES, "camellia": algorithms.Camellia, "seed": algorithms.SEED,
            "3des": algorithms.TripleDES,
            "des": lambda k: algorithms.TripleDES(k * 3)}[kind](key)


class Writer:
    """One direction's record protection (the sealing side of what privaudit opens)."""

    def __init__(self, s, version, mac_key, key, iv, seed, compress):
        self.s, self.version, self.mac_key, self.key, self.iv = s, version, mac_key, key, iv
        self.seq, self.seed = 0, seed
        self.z = zlib.compressobj(6, zlib.DEFLATED, 15) if compress else None
        name, kind, klen, blk, mac, sha384, exp = s
        self.kind, self.blk, self.mac = kind, blk, mac
        if kind == "rc4":
            self.rc4 = Cipher(algorithms.ARC4(key), None).encryptor()

    def mac_of(self, rtype, data):
        hdr = self.seq.to_bytes(8, "big") + bytes([rtype])
        if self.version == 0x0300:
            h = getattr(hashlib, self.mac)
            pad = 48 if self.mac == "md5" else 40
            inner = h(self.mac_key + b"\x36" * pad + hdr + len(data).to_bytes(2, "big") + data).digest()
            return h(self.mac_key + b"\x5c" * pad + inner).digest()
        hdr += self.version.to_bytes(2, "big") + len(data).to_bytes(2, "big")
        return hmac.new(self.mac_key, hdr + data, getattr(hashlib, self.mac)).digest()

    def seal(self, rtype, data):
        if self.z:
            data = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        ver = self.version.to_bytes(2, "big")
        nonce8 = self.seq.to_bytes(8, "big")
        if self.kind in ("null", "rc4"):
            body = data + self.mac_of(rtype, data)
            if self.kind == "rc4":
                body = self.rc4.update(body)
        elif self.kind in ("gcm", "ccm"):
            aad = self.seq.to_bytes(8, "big") + bytes([rtype]) + ver + len(data).to_bytes(2, "big")
            aead = AESGCM(self.key) if self.kind == "gcm" else AESCCM(self.key, tag_length=self.blk)
            body = nonce8 + aead.encrypt(self.iv[:4] + nonce8, data, aad)
        else:  # CBC, MAC-then-encrypt
            plain = data + self.mac_of(rtype, data)
            pad = -(len(plain) + 1) % self.blk  # SSL 3.0 wants it shorter than a block
            if self.version == 0x0300:  # SSL 3.0: padding bytes are arbitrary
                plain += prng("%s:pad:%d" % (self.seed, self.seq), pad) + bytes([pad])
            else:
                plain += bytes([pad]) * (pad + 1)
            if self.version >= 0x0302:
                iv = prng("%s:iv:%d" % (self.seed, self.seq), self.blk)
                enc = Cipher(block_cipher(self.kind, self.key), modes.CBC(iv)).encryptor()
                body = iv + enc.update(plain) + enc.finalize()
            else:  # SSL 3.0 / TLS 1.0: the IV chains from the last ciphertext block
                enc = Cipher(block_cipher(self.kind, self.key), modes.CBC(self.iv)).encryptor()
                body = enc.update(plain) + enc.finalize()
                self.iv = body[-self.blk:]
        self.seq += 1
        return bytes([rtype]) + ver + len(body).to_bytes(2, "big") + body


class Writer13:
    def __init__(self, secret, tag):
        self.key = hkdf_expand_label(secret, b"key", 16)
        self.iv = hkdf_expand_label(secret, b"iv", 12)
        self.aead, self.seq = AESCCM(self.key, tag_length=tag), 0

    def seal(self, rtype, data):
        inner = data + bytes([rtype])
        nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
        hdr = b"\x17\x03\x03" + (len(inner) + len(self.aead.encrypt(nonce, b"", None))).to_bytes(2, "big")
        self.seq += 1
        return hdr + self.aead.encrypt(nonce, inner, hdr)


# ---------------------------------------------------------------- handshake bytes

def record(rtype, version, body):
    return bytes([rtype]) + version.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def hs(htype, body):
    return bytes([htype]) + len(body).to_bytes(3, "big") + body


def ext(etype, body):
    return etype.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def client_hello(version, cr, suite, tls13):
    exts = ext(0, (len(HOST) + 3).to_bytes(2, "big") + b"\0" + len(HOST).to_bytes(2, "big") + HOST.encode())
    if tls13:
        exts += ext(43, b"\x02\x03\x04") + ext(51, b"\x00\x24\x00\x1d\x00\x20" + prng("ks:" + cr.hex(), 32))
    body = (0x0303 if tls13 else version).to_bytes(2, "big") + cr + b"\0" + b"\x00\x02" + suite.to_bytes(2, "big")
    body += (b"\x01\x00" if tls13 else b"\x02\x01\x00")  # compression methods: (deflate,) null
    body += len(exts).to_bytes(2, "big") + exts
    return record(22, 0x0301 if tls13 else version, hs(1, body))


def sslv2_client_hello(version, challenge, suite):
    """RFC 5246 E.2: CLIENT-HELLO in an SSL 2.0 record (2-byte header)."""
    specs = b"\x00" + suite.to_bytes(2, "big")
    body = b"\x01" + version.to_bytes(2, "big") + len(specs).to_bytes(2, "big") + b"\x00\x00"
    body += len(challenge).to_bytes(2, "big") + specs + challenge
    return (0x8000 | len(body)).to_bytes(2, "big") + body


def server_hello(version, sr, suite, compression, tls13):
    exts = ext(43, b"\x03\x04") + ext(51, b"\x00\x1d\x00\x20" + prng("sks:" + sr.hex(), 32)) if tls13 else b""
    body = (0x0303 if tls13 else version).to_bytes(2, "big") + sr + b"\0" + suite.to_bytes(2, "big")
    body += bytes([compression]) + (len(exts).to_bytes(2, "big") + exts if exts else b"")
    return hs(2, body)


def http_exchange(i):
    """The two requests of every session: a JSON POST and a GET with a query."""
    post = (b"POST /v1/profile HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nUser-Agent: okhttp/4.9.0\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(PROFILE)) + PROFILE
    get = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: okhttp/4.9.0\r\n\r\n" % (QUERY, HOST)).encode()
    body = b'{"ok":true,"session":%d}' % i
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    return [("POST", "/v1/profile", post), ("GET", QUERY, get)], resp


# ---------------------------------------------------------------- sessions

class Session:
    def __init__(self, cap, n, suite, version=0x0303, compression=0, sslv2=False):
        self.cap, self.n, self.suite, self.version = cap, n, suite, version
        self.compression, self.sslv2 = compression, sslv2
        self.s = SUITES[suite]
        seed = "%s:%d" % (cap.relpath, n)
        self.seed = seed
        if sslv2:
            self.challenge = prng(seed + ":challenge", 16)
            self.cr = bytes(16) + self.challenge
        else:
            self.cr = prng(seed + ":cr", 32)
        self.sr = prng(seed + ":sr", 32)
        self.master = prng(seed + ":master", 48)
        self.secrets = {k: prng(seed + ":" + k, 32) for k in
                        ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0")}
        self.requests = []

    def keylog_lines(self):
        if self.version == 0x0304:
            return ["%s %s %s" % (k, self.cr.hex(), v.hex()) for k, v in self.secrets.items()]
        return ["CLIENT_RANDOM %s %s" % (self.cr.hex(), self.master.hex())]

    def writers(self):
        name, kind, klen, blk, mac, sha384, exp = self.s
        v = self.version
        mlen = {None: 0, "md5": 16, "sha1": 20, "sha256": 32, "sha384": 48}[mac]
        kl = exp or klen
        ivl = 4 if kind in ("gcm", "ccm") else blk if kind not in ("null", "rc4") and not exp and v <= 0x0301 else 0
        n = 2 * (mlen + kl + ivl)
        kb = ssl3_key_block(self.master, self.cr, self.sr, n) if v == 0x0300 else \
            prf(v, sha384, self.master, b"key expansion", self.sr + self.cr, n)
        mk = [kb[:mlen], kb[mlen:2 * mlen]]
        keys = [kb[2 * mlen:2 * mlen + kl], kb[2 * mlen + kl:2 * mlen + 2 * kl]]
        ivs = [kb[2 * (mlen + kl):2 * (mlen + kl) + ivl], kb[2 * (mlen + kl) + ivl:2 * (mlen + kl + ivl)]]
        if exp:  # RFC 2246 6.3 / RFC 6101 6.2.2
            if v == 0x0300:
                keys = [hashlib.md5(keys[0] + self.cr + self.sr).digest()[:klen],
                        hashlib.md5(keys[1] + self.sr + self.cr).digest()[:klen]]
                ivs = [hashlib.md5(self.cr + self.sr).digest()[:blk], hashlib.md5(self.sr + self.cr).digest()[:blk]]
            else:
                keys = [prf(v, sha384, keys[0], b"client write key", self.cr + self.sr, klen),
                        prf(v, sha384, keys[1], b"server write key", self.cr + self.sr, klen)]
                ivb = prf(v, sha384, b"", b"IV block", self.cr + self.sr, 2 * blk)
                ivs = [ivb[:blk], ivb[blk:]]
        comp = self.compression == 1
        return [Writer(self.s, v, mk[i], keys[i], ivs[i], "%s:%d" % (self.seed, i), comp) for i in range(2)]

    def run(self, cport, c=None, exchange=None):
        if c is None:
            c = TCPConn(self.cap, "10.0.0.2", cport, "192.0.2.10", 443, 1000 * self.n + 17, 5000 * self.n + 29,
                        host=HOST, host_src="sni")
        c.handshake()
        requests, resp = exchange or http_exchange(self.n)
        v = self.version
        if v == 0x0304:
            self.run13(c, requests, resp)
        else:
            if self.sslv2:
                c.send("c", sslv2_client_hello(v, self.challenge, self.suite))
            else:
                c.send("c", client_hello(v, self.cr, self.suite, False))
            c.send("s", record(22, v, server_hello(v, self.sr, self.suite, self.compression, False) + hs(14, b"")))
            w = self.writers()
            cke = record(22, v, hs(16, b"\x00\x40" + prng(self.seed + ":pms", 64)))
            fin_len = 36 if v == 0x0300 else 12
            c.send("c", cke + record(20, v, b"\x01") + w[0].seal(22, hs(20, prng(self.seed + ":cf", fin_len))))
            c.send("s", record(20, v, b"\x01") + w[1].seal(22, hs(20, prng(self.seed + ":sf", fin_len))))
            self.exchange(c, requests, resp, w[0].seal, w[1].seal)
            c.send("c", w[0].seal(21, b"\x01\x00"))  # close_notify
        c.close()

    def run13(self, c, requests, resp):
        tag = self.s[3]
        c.send("c", client_hello(0x0304, self.cr, self.suite, True))
        sh = record(22, 0x0303, server_hello(0x0304, self.sr, self.suite, 0, True))
        shs = Writer13(self.secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"], tag)
        ee = hs(8, b"\x00\x0e" + ext(16, b"\x00\x09\x08http/1.1"))
        c.send("s", sh + record(20, 0x0303, b"\x01") + shs.seal(22, ee + hs(20, prng(self.seed + ":sf", 32))))
        chs = Writer13(self.secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], tag)
        c.send("c", record(20, 0x0303, b"\x01") + chs.seal(22, hs(20, prng(self.seed + ":cf", 32))))
        cw = Writer13(self.secrets["CLIENT_TRAFFIC_SECRET_0"], tag)
        sw = Writer13(self.secrets["SERVER_TRAFFIC_SECRET_0"], tag)
        self.exchange(c, requests, resp, cw.seal, sw.seal)
        c.send("c", cw.seal(21, b"\x01\x00"))

    def exchange(self, c, requests, resp, cseal, sseal):
        for i, (method, uri, raw) in enumerate(requests):
            if i == 1 and len(raw) > 20:  # the second request spans two records, each in its own segment
                c.send("c", cseal(23, raw[:20]))
                _, _, frames = c.send("c", cseal(23, raw[20:]))
            else:
                _, _, frames = c.send("c", cseal(23, raw))
            self.requests.append({"frame": frames[-1], "protocol": "http/1.1", "method": method, "host": HOST,
                                  "uri": uri})
            c.send("s", sseal(23, resp))


CASES = [
    ("tls12-deflate", "TLS 1.2 with DEFLATE compression (RFC 3749) and TLS_RSA_WITH_AES_128_CBC_SHA: every record "
     "after ChangeCipherSpec (Finished, requests, responses, close_notify) is compressed, one zlib stream per "
     "direction; the second request spans two records.",
     [dict(suite=0x002f, compression=1)]),
    ("tls10-deflate-rc4", "TLS 1.0 with DEFLATE and TLS_RSA_WITH_RC4_128_SHA (RC4: OpenSSL's legacy provider).",
     [dict(suite=0x0005, version=0x0301, compression=1)]),
    ("ssl3", "SSL 3.0, three sessions: SSL_RSA_WITH_RC4_128_MD5, SSL_RSA_WITH_3DES_EDE_CBC_SHA (CBC with the IV "
     "chained across records and arbitrary padding bytes) and SSL_RSA_EXPORT_WITH_DES40_CBC_SHA (export keys: "
     "MD5 of the 5 secret bytes and the randoms).",
     [dict(suite=0x0004, version=0x0300), dict(suite=0x000a, version=0x0300), dict(suite=0x0008, version=0x0300)]),
    ("tls12-null", "TLS 1.2 TLS_RSA_WITH_NULL_SHA256 (records in clear with an HMAC): decoded with the key log "
     "(MAC verified) and without it (MAC unchecked).",
     [dict(suite=0x003b)]),
    ("tls12-ccm", "TLS 1.2 AES-CCM (RFC 6655): TLS_ECDHE_ECDSA_WITH_AES_128_CCM and TLS_RSA_WITH_AES_128_CCM_8 "
     "(8-byte tag).",
     [dict(suite=0xc0ac), dict(suite=0xc0a0)]),
    ("tls13-ccm", "TLS 1.3 TLS_AES_128_CCM_SHA256 and TLS_AES_128_CCM_8_SHA256 (encrypted handshake with the "
     "handshake traffic secrets, then the application traffic secrets).",
     [dict(suite=0x1304, version=0x0304), dict(suite=0x1305, version=0x0304)]),
    ("tls-suites", "One session per suite whose key exchange privaudit ignores: TLS 1.2 "
     "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA, TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_CAMELLIA_128_CBC_SHA, "
     "TLS_RSA_WITH_SEED_CBC_SHA, TLS_PSK_WITH_AES_128_GCM_SHA256; TLS 1.1 TLS_RSA_WITH_DES_CBC_SHA; TLS 1.0 "
     "TLS_RSA_EXPORT_WITH_RC4_40_MD5 opened by an SSLv2-format ClientHello (16-byte challenge).",
     [dict(suite=0x0013), dict(suite=0xc005), dict(suite=0x0041), dict(suite=0x0096), dict(suite=0x00a8),
      dict(suite=0x0009, version=0x0302), dict(suite=0x0003, version=0x0301, sslv2=True)]),
    ("tls12-lzs", "TLS 1.2 TLS_RSA_WITH_AES_128_CBC_SHA whose ServerHello chose compression method 64 (LZS, RFC "
     "3943; the records are DEFLATE, so nobody can read them): unsupported_compression.",
     [dict(suite=0x002f, compression=64)]),
]


class Chunks:
    """Stands in for TCPConn to collect a session's bytes in order, per
    direction (0 client, 1 server), for the unit-test vectors."""

    def __init__(self):
        self.chunks = []

    def send(self, d, data):
        self.chunks.append((0 if d == "c" else 1, data))
        return 0, len(data), [0]

    def handshake(self):
        pass

    def close(self):
        pass


# Unit-test vectors (tests/unit/tls_vectors.h): one small request per mode
VECTORS = [
    ("ssl3-3des", dict(suite=0x000a, version=0x0300)),
    ("ssl3-rc4-export", dict(suite=0x0003, version=0x0300)),
    ("tls10-deflate-rc4", dict(suite=0x0005, version=0x0301, compression=1)),
    ("tls10-export-des40", dict(suite=0x0008, version=0x0301)),
    ("tls11-des", dict(suite=0x0009, version=0x0302)),
    ("tls12-deflate-aes-cbc", dict(suite=0x002f, compression=1)),
    ("tls12-null-sha256", dict(suite=0x003b)),
    ("tls12-camellia", dict(suite=0x0041)),
    ("tls12-seed", dict(suite=0x0096)),
    ("tls12-ccm", dict(suite=0xc0ac)),
    ("tls12-ccm8", dict(suite=0xc0a0)),
    ("tls13-ccm", dict(suite=0x1304, version=0x0304)),
    ("tls13-ccm8", dict(suite=0x1305, version=0x0304)),
    ("sslv2-hello-rc4-md5", dict(suite=0x0004, version=0x0301, sslv2=True)),
]
KAT_REQUEST = b"GET /kat HTTP/1.1\r\nHost: kat.example\r\n\r\n"


def write_vectors(path):
    out = ["/* GENERATED by tests/gen/gen_tls_modes.py - do not edit.  One session per TLS mode: its\n"
           " * byte chunks in order (direction 0 client, 1 server), its key log and the one\n"
           " * request the client sends (KAT_REQUEST). */\n",
           "static const char KAT_REQUEST[] = \"%s\";\n\n" % KAT_REQUEST.decode().replace("\r", "\\r").replace("\n", "\\n"),
           "struct tls_vector {\n\tconst char *name;\n\tuint16_t version, suite;\n\tconst char *keylog;\n"
           "\tsize_t chunks;\n\tstruct {\n\t\tint dir;\n\t\tsize_t len;\n\t\tconst uint8_t *data;\n\t} chunk[12];\n};\n\n"]
    table = []
    for i, (name, kw) in enumerate(VECTORS):
        cap = Capture("vector-%s" % name)
        s = Session(cap, i, **kw)
        c = Chunks()
        s.run(0, c, ([("GET", "/kat", KAT_REQUEST)], b"HTTP/1.1 204 No Content\r\n\r\n"))
        chunks = []
        for j, (d, data) in enumerate(c.chunks):
            var = "v%d_%d" % (i, j)
            rows = [", ".join("0x%02x" % b for b in data[k:k + 12]) for k in range(0, len(data), 12)]
            out.append("static const uint8_t %s[] = {\n\t%s,\n};\n" % (var, ",\n\t".join(rows)))
            chunks.append("{ %d, sizeof(%s), %s }" % (d, var, var))
        keylog = "\\n".join(s.keylog_lines()) + "\\n"
        table.append('\t{ "%s", 0x%04x, 0x%04x, "%s", %d, { %s } },\n' % (
            name, s.version, s.suite, keylog, len(chunks), ", ".join(chunks)))
    out.append("\nstatic const struct tls_vector tls_vectors[] = {\n" + "".join(table) + "};\n")
    open(path, "w").write("".join(out))


def tshark_requests(path, keys):
    args = ["tshark", "-n", "-r", path, "-Y", "http.request", "-T", "fields", "-e", "frame.number",
            "-e", "http.request.method", "-e", "http.host", "-e", "http.request.uri"]
    if keys:
        args[4:4] = ["-o", "tls.keylog_file:" + keys]
    env = dict(os.environ, HOME="/nonexistent", WIRESHARK_CONFIG_DIR="/nonexistent")
    out = subprocess.run(args, check=True, capture_output=True, env=env).stdout.decode()
    return [ln.split("\t") for ln in out.splitlines() if ln]


def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "captures", "test", "tls-modes")
    os.makedirs(outdir, exist_ok=True)
    expected = {}
    md = []
    for name, desc, sessions in CASES:
        cap = Capture(name + ".pcap")
        ss = [Session(cap, i, **kw) for i, kw in enumerate(sessions)]
        for i, s in enumerate(ss):
            s.run(40000 + i)
        path = os.path.join(outdir, name + ".pcap")
        keys = os.path.join(outdir, name + ".keys")
        open(path, "wb").write(cap.file_bytes())
        open(keys, "w").write("".join(ln + "\n" for s in ss for ln in s.keylog_lines()))
        reqs = [r for s in ss for r in s.requests]
        readable = [s for s in ss if s.compression in (0, 1)]
        want = sorted([str(r["frame"]), r["method"], r["host"], r["uri"]] for s in readable for r in s.requests)
        got = sorted(tshark_requests(path, keys))
        if got != want:
            sys.exit("gen_tls_modes: %s: tshark decrypts %r, written %r" % (name, got, want))
        conns = [{"suite": s.s[0], "suite_id": "0x%04x" % s.suite, "version": VERSIONS[s.version],
                  "compression": {0: None, 1: "deflate"}.get(s.compression, "0x%02x" % s.compression),
                  "sslv2_hello": s.sslv2, "client_random": s.cr.hex(), "requests": len(s.requests)}
                 for s in ss]
        expected[name + ".pcap"] = {"keys": name + ".keys", "frames": len(cap.frames), "connections": conns,
                                    "requests": reqs, "tshark_requests": len(got)}
        md.append("## `%s.pcap`\n\n%s\n\n| client port | version | suite | compression | SSLv2 hello | requests "
                  "(frames) |\n|---|---|---|---|---|---|\n" % (name, desc))
        for i, (s, cn) in enumerate(zip(ss, conns)):
            md.append("| %d | %s | %s (%s) | %s | %s | %s |\n" % (
                40000 + i, cn["version"], cn["suite"], cn["suite_id"], cn["compression"] or "null",
                "yes" if s.sslv2 else "no", ", ".join("%s %s (%d)" % (r["method"], r["uri"], r["frame"])
                                                      for r in s.requests)))
        md.append("\ntshark (with the key log) decrypts %d of these requests%s.\n\n" % (
            len(got), "" if len(got) == len(reqs) else ": compression method 64 is unreadable"))
    json.dump(expected, open(os.path.join(outdir, "expected.json"), "w"), indent=1, sort_keys=True)
    write_vectors(os.path.join(top, "tests", "unit", "tls_vectors.h"))
    ver = subprocess.run(["tshark", "--version"], capture_output=True).stdout.decode().splitlines()[0].rstrip(".")
    with open(os.path.join(outdir, "README.md"), "w") as f:
        f.write(README % ver + "".join(md))


README = """# TLS-mode test captures

GENERATED by `tests/gen/gen_tls_modes.py` — do not edit by hand.  Regenerate with

    /usr/bin/python3 tests/gen/gen_tls_modes.py      # writes captures/test/tls-modes/

Debian 12's OpenSSL 3 no longer makes SSL 3.0, TLS-level compression, export or SSLv2-hello
sessions, so the generator builds each session byte by byte with known secrets (python3-cryptography
for the ciphers; pseudo-random bytes from fixed seeds: every run writes identical files): TCP
handshake, ClientHello and ServerHello (+ ServerHelloDone) in clear, a placeholder
ClientKeyExchange, ChangeCipherSpec and an encrypted Finished each way (TLS 1.3: the server's
EncryptedExtensions + Finished and the client's Finished under the handshake traffic secrets), then
`POST /v1/profile` (JSON) and `GET %s` (split over two records) with a 200 JSON
answer each, a close_notify, FIN/ACK.  Client 10.0.0.2, ports 40000 up; server 192.0.2.10:443;
SNI and Host `%s`.  `NAME.keys` holds the CLIENT_RANDOM line (TLS 1.3: the four traffic
secrets) of each session.  `expected.json` lists each file's sessions and requests.

Every file is read back by %%s with its key log and the generator stops unless the
requests tshark decrypts are exactly those written (frame, method, host, uri).

""" % (QUERY, HOST)

if __name__ == "__main__":
    main()
