#!/usr/bin/python3
"""Real TLS / HTTP/2 test captures on loopback: the work of
tests/gen/make-tls-captures.sh (which checks the tools and calls this).

Each exchange runs in a fresh network namespace (`unshare -n`, loopback up),
so a capture holds that exchange only: dumpcap on lo (BPF `tcp port P`) is
started first, then the server, then the client; the server is stopped, then
dumpcap.  The client writes the NSS key log (curl: SSLKEYLOGFILE; openssl
s_client: -keylogfile).  Afterwards every capture is converted to classic
pcap (editcap -F pcap), its TCP checksums (left partial by the loopback
driver: checksum offload) are recomputed, and the facts that the end-to-end
test asserts are read back with tshark and the key logs into expected.json
and README.md.

usage: make_tls_captures.py OUTDIR          (as root)
       make_tls_captures.py --in-netns CASE WORKDIR   (internal)
"""
import gzip
import json
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
HOST = "api.test.privaudit.example"
CN = "test.privaudit.example"
UA = "okhttp/4.9.0"
QUERY = "device_id=3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13&lang=en"
PROFILE = ('{"name":"Li Wei","occupation":"teacher","phone":"13800138000",'
           '"email":"li.wei@example.com","level":"B1"}')
EVENTS = ('{"event":"lesson_start","user":{"name":"Li Wei","phone":"13800138000"},'
          '"lesson":42,"device_id":"3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13"}')
HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

# --------------------------------------------------------------------------
# The cases.  server: how the server runs; client: what the client does;
# expect: what the generator insists on finding in the capture afterwards
# (a wrong tool version or default fails the run instead of silently making
# a different capture).

PY_TLS = "py"          # tests/gen/tls_server.py (HTTP/1.1)
NGHTTPD = "nghttpd"    # nghttpd over TLS (h2)
NGHTTPD_H2C = "nghttpd-h2c"
H2C_SERVER = "h2c"     # tests/gen/h2c_server.py (h2c upgrade)


def tls13(suite):
    return ["--tlsv1.3", "--tls13-ciphers", suite]


def tls12(cipher):
    return ["--tlsv1.2", "--tls-max", "1.2", "--ciphers", cipher]


def h1case(name, what, curl_tls, suite, version, server_args=(), etm=False, **kw):
    return dict(name=name, what=what, port=443, server=(PY_TLS, list(server_args)),
                client=("curl-h1", curl_tls),
                expect=dict(version=version, suite=suite, conns=1, requests=2, alpn="http/1.1", etm=etm, **kw))


CASES = [
    h1case("tls13-aes128gcm-h1", "TLS 1.3 TLS_AES_128_GCM_SHA256, HTTP/1.1: POST JSON then GET with a query "
           "on the same keep-alive connection (curl).",
           tls13("TLS_AES_128_GCM_SHA256"), 0x1301, "TLS 1.3", ["--tls-min", "1.3"]),
    h1case("tls13-aes256gcm-h1", "As tls13-aes128gcm-h1 with TLS_AES_256_GCM_SHA384.",
           tls13("TLS_AES_256_GCM_SHA384"), 0x1302, "TLS 1.3", ["--tls-min", "1.3"]),
    h1case("tls13-chacha20-h1", "As tls13-aes128gcm-h1 with TLS_CHACHA20_POLY1305_SHA256.",
           tls13("TLS_CHACHA20_POLY1305_SHA256"), 0x1303, "TLS 1.3", ["--tls-min", "1.3"]),
    dict(name="tls13-keyupdate", port=443,
         what="TLS 1.3 TLS_AES_128_GCM_SHA256 (openssl s_client): POST JSON, then the client sends a KeyUpdate "
              "with update_requested (s_client command `K`), the server answers with its own KeyUpdate, then "
              "GET with a query: both directions change keys between the two requests.",
         server=(PY_TLS, ["--tls-min", "1.3"]),
         client=("sclient-keyupdate", ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"]),
         expect=dict(version="TLS 1.3", suite=0x1301, conns=1, requests=2, alpn="http/1.1", key_update=True)),
    h1case("tls13-hrr", "TLS 1.3 with a HelloRetryRequest: the server accepts only P-256 (secp256r1), the client "
           "(curl --curves X25519:P-256) sends an X25519 key share first; the server asks again for P-256, the "
           "client sends a second ClientHello (same random). Then POST + GET as tls13-aes128gcm-h1.",
           tls13("TLS_AES_128_GCM_SHA256") + ["--curves", "X25519:P-256"], 0x1301, "TLS 1.3",
           ["--tls-min", "1.3", "--group", "prime256v1"], hrr=True),
    h1case("tls12-ecdhe-aes128gcm-h1", "TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, HTTP/1.1 POST + GET (curl).",
           tls12("ECDHE-RSA-AES128-GCM-SHA256"), 0xc02f, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256"]),
    h1case("tls12-ecdhe-aes256gcm-h1", "TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384.",
           tls12("ECDHE-RSA-AES256-GCM-SHA384"), 0xc030, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES256-GCM-SHA384"]),
    h1case("tls12-ecdhe-chacha20-h1", "TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305.",
           tls12("ECDHE-RSA-CHACHA20-POLY1305"), 0xcca8, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-CHACHA20-POLY1305"]),
    h1case("tls12-rsa-aes128gcm-h1", "TLS 1.2 AES128-GCM-SHA256: RSA key exchange (the client encrypts the "
           "pre-master secret to the server's RSA key; no ServerKeyExchange).",
           tls12("AES128-GCM-SHA256"), 0x009c, "TLS 1.2", ["--tls-max", "1.2", "--ciphers", "AES128-GCM-SHA256"]),
    h1case("tls12-cbc-sha1", "TLS 1.2 ECDHE-RSA-AES128-SHA (AES-128-CBC, HMAC-SHA1) with encrypt-then-MAC "
           "(RFC 7366; OpenSSL's default).",
           tls12("ECDHE-RSA-AES128-SHA"), 0xc013, "TLS 1.2", ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-SHA"],
           etm=True),
    h1case("tls12-cbc-sha1-noetm", "As tls12-cbc-sha1 but the server does not negotiate encrypt-then-MAC "
           "(SSL_OP_NO_ENCRYPT_THEN_MAC): MAC-then-encrypt with CBC padding.",
           tls12("ECDHE-RSA-AES128-SHA"), 0xc013, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-SHA", "--no-etm"], etm=False),
    h1case("tls12-cbc-sha256", "TLS 1.2 ECDHE-RSA-AES128-SHA256 (AES-128-CBC, HMAC-SHA256), encrypt-then-MAC.",
           tls12("ECDHE-RSA-AES128-SHA256"), 0xc027, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-SHA256"], etm=True),
    h1case("tls12-cbc-sha384", "TLS 1.2 ECDHE-RSA-AES256-SHA384 (AES-256-CBC, HMAC-SHA384, PRF SHA-384), "
           "encrypt-then-MAC.",
           tls12("ECDHE-RSA-AES256-SHA384"), 0xc028, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES256-SHA384"], etm=True),
    h1case("tls12-cbc-sha384-noetm", "As tls12-cbc-sha384 without encrypt-then-MAC (MAC-then-encrypt, "
           "48-byte MAC).",
           tls12("ECDHE-RSA-AES256-SHA384"), 0xc028, "TLS 1.2",
           ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES256-SHA384", "--no-etm"], etm=False),
    dict(name="tls12-resumption", port=443,
         what="TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, two connections (openssl s_client): a full handshake in which "
              "the server issues a session ticket (POST JSON), then an abbreviated handshake resuming it with "
              "the ticket (-sess_in; GET with a query). The key log has one CLIENT_RANDOM line per connection, "
              "both with the same master secret.",
         server=(PY_TLS, ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256"]),
         client=("sclient-resume", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
         expect=dict(version="TLS 1.2", suite=0xc02f, conns=2, requests=2, alpn="http/1.1", resumed=[False, True])),
    dict(name="tls12-resumption-sessionid", port=443,
         what="As tls12-resumption, but the server issues no tickets (SSL_OP_NO_TICKET): the second connection "
              "resumes by session ID from the server's session cache.",
         server=(PY_TLS, ["--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256", "--no-ticket"]),
         client=("sclient-resume", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-no_ticket"]),
         expect=dict(version="TLS 1.2", suite=0xc02f, conns=2, requests=2, alpn="http/1.1", resumed=[False, True])),
    dict(name="tls13-h2", port=443,
         what="HTTP/2 over TLS 1.3 (TLS_AES_128_GCM_SHA256, ALPN h2), curl --parallel against nghttpd: three "
              "concurrent streams on one connection: POST /v1/profile (JSON), POST /v1/events (gzip-compressed "
              "JSON, Content-Encoding: gzip), GET /v1/config?...; the server's responses interleave. "
              "curl --curves P-256 (nghttpd accepts P-256 only; X25519 first would cause a HelloRetryRequest).",
         server=(NGHTTPD, []),
         client=("curl-h2", tls13("TLS_AES_128_GCM_SHA256") + ["--curves", "P-256"]),
         expect=dict(version="TLS 1.3", suite=0x1301, conns=1, requests=3, alpn="h2")),
    dict(name="tls12-h2", port=443,
         what="HTTP/2 over TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 (ALPN h2), otherwise as tls13-h2.",
         server=(NGHTTPD, []),
         client=("curl-h2", tls12("ECDHE-RSA-AES128-GCM-SHA256") + ["--curves", "P-256"]),
         expect=dict(version="TLS 1.2", suite=0xc02f, conns=1, requests=3, alpn="h2")),
    dict(name="h2c-prior-knowledge", port=80,
         what="Cleartext HTTP/2 with prior knowledge (no TLS, no keys) to nghttpd --no-tls, from "
              "tests/gen/h2c_client.py: the frames of streams 1 and 3 interleave on the wire (HEADERS 1, "
              "HEADERS 3, DATA 1 (first half of the JSON), DATA 3 (gzip body, END_STREAM), DATA 1 (rest, "
              "END_STREAM)), then GET on stream 5.",
         server=(NGHTTPD_H2C, []), client=("h2c-prior", []),
         expect=dict(version=None, conns=1, requests=3)),
    dict(name="h2c-upgrade", port=80,
         what="Cleartext HTTP/1.1 GET with `Upgrade: h2c` (curl --http2 on http://) answered `101 Switching "
              "Protocols` by tests/gen/h2c_server.py; the GET's response comes on HTTP/2 stream 1, then a POST "
              "on stream 3 of the same connection.",
         server=(H2C_SERVER, []), client=("curl-h2c-upgrade", []),
         expect=dict(version=None, conns=1, requests=2)),
]

# Derived files (made from the captures above).
DSB = dict(name="tls13-dsb", source="tls13-aes128gcm-h1",
           what="tls13-aes128gcm-h1.pcap with its key log embedded as a pcapng Decryption Secrets Block "
                "(`editcap --inject-secrets tls,KEYS`): decryptable without --keylog; no .keys file beside it.")
WRONG = [dict(name="tls13-wrongkey", source="tls13-aes128gcm-h1",
              what="A copy of tls13-aes128gcm-h1.pcap whose key log has the right client random but every "
                   "secret altered (first byte XOR 0xff): nothing can be decrypted (authentication fails)."),
         dict(name="tls12-wrongkey", source="tls12-ecdhe-aes128gcm-h1",
              what="A copy of tls12-ecdhe-aes128gcm-h1.pcap whose CLIENT_RANDOM line has the master secret "
                   "altered (first byte XOR 0xff).")]
NOKEY = dict(name="tls13-nokey", source="tls13-aes256gcm-h1", other="tls12-ecdhe-aes128gcm-h1",
             what="A copy of tls13-aes256gcm-h1.pcap with a key log that has no line for its client random: a "
                  "comment (line 1), a malformed line (line 2: a random of 4 hex digits and a secret that is "
                  "not hex) and the CLIENT_RANDOM line of tls12-ecdhe-aes128gcm-h1 (line 3).")
NOKEY_LINES = ["# privaudit test key log: it holds no secret for this capture's connection",
               "CLIENT_RANDOM 52c6 not-a-hex-secret",
               None]  # line 3: filled with the other capture's line
NOKEY_MALFORMED_LINE = 2


# --------------------------------------------------------------------------
# helpers


def die(msg):
    sys.stderr.write(f"make-tls-captures: {msg}\n")
    sys.exit(1)


def sh(argv):
    return " ".join(shlex.quote(str(a)) for a in argv)


def run(argv, **kw):
    kw.setdefault("check", True)
    kw.setdefault("timeout", 60)
    try:
        return subprocess.run([str(a) for a in argv], **kw)
    except subprocess.CalledProcessError as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        die(f"command failed ({e.returncode}): {sh(argv)}\n{err}")


def listening(port):
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
    return bool(out.strip())


def wait_for(cond, what, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    die(f"timed out waiting for {what}")


# --------------------------------------------------------------------------
# inside the namespace


class Recorder:
    """Runs commands and remembers them (with the work directory shown as $W)
    for the README."""

    def __init__(self, work):
        self.work = work
        self.cmds = []

    def show(self, argv, env=None, stdin_note=None):
        s = sh(argv).replace(self.work, "$W").replace(HERE, "tests/gen")
        if env:
            s = " ".join(f"{k}={v}".replace(self.work, "$W") for k, v in env.items()) + " " + s
        if stdin_note:
            s += f"   # stdin: {stdin_note}"
        self.cmds.append(s)

    def popen(self, argv, env=None, **kw):
        self.show(argv, env)
        e = dict(os.environ, **(env or {}))
        return subprocess.Popen([str(a) for a in argv], env=e, **kw)

    def run(self, argv, env=None, stdin_note=None, **kw):
        self.show(argv, env, stdin_note)
        e = dict(os.environ, **(env or {}))
        return run(argv, env=e, **kw)


def http1_request(method, path, body=None, ctype="application/json"):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"User-Agent: {UA}", "Accept: */*"]
    if body is not None:
        lines += [f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def sclient_session(rec, args, keys, steps, extra=()):
    """openssl s_client fed step by step on stdin: bytes are written, then a
    pause lets the answer arrive.  Returns s_client's stdout."""
    argv = ["openssl", "s_client", "-connect", "127.0.0.1:443", "-servername", HOST, "-CAfile",
            f"{rec.work}/cert.pem", "-verify_return_error", "-alpn", "http/1.1", "-keylogfile", keys, *args, *extra]
    note = " / ".join(s.decode("latin-1").split("\r\n")[0].strip() or repr(s) for s in steps)
    rec.show(argv, stdin_note=note)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    for s in steps:
        p.stdin.write(s)
        p.stdin.flush()
        time.sleep(0.5)
    p.stdin.close()
    try:
        out = p.stdout.read()
        err = p.stderr.read()
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        die("s_client did not end")
    if p.returncode != 0:
        die(f"s_client failed ({p.returncode}): {err.decode(errors='replace')}")
    return out.decode(errors="replace") + err.decode(errors="replace")


def in_netns(name, work):
    procs = []
    try:
        exchange(name, work, procs)
    finally:  # a failed exchange must not leave its server or dumpcap behind
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def exchange(name, work, procs):
    case = next(c for c in CASES if c["name"] == name)
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    raw, keys = os.path.join(d, "raw.pcapng"), os.path.join(d, "keys")
    for f in (raw, keys):
        if os.path.exists(f):
            os.unlink(f)
    rec = Recorder(work)
    run(["ip", "link", "set", "lo", "up"])
    port = case["port"]
    cert, key = f"{work}/cert.pem", f"{work}/key.pem"

    dump = rec.popen(["dumpcap", "-q", "-i", "lo", "-f", f"tcp port {port}", "-w", raw],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    procs.append(dump)
    wait_for(lambda: os.path.exists(raw) and os.path.getsize(raw) > 0, "dumpcap")
    time.sleep(0.5)

    kind, sargs = case["server"]
    if kind == PY_TLS:
        sargv = [PY, f"{HERE}/tls_server.py", "--port", port, "--cert", cert, "--key", key, *sargs]
    elif kind == NGHTTPD:
        sargv = ["nghttpd", f"--htdocs={work}/htdocs", port, key, cert]
    elif kind == NGHTTPD_H2C:
        sargv = ["nghttpd", "--no-tls", f"--htdocs={work}/htdocs", port]
    elif kind == H2C_SERVER:
        sargv = [PY, f"{HERE}/h2c_server.py", "--port", port]
    server = rec.popen(sargv, stdout=subprocess.DEVNULL)
    procs.append(server)
    wait_for(lambda: listening(port) or server.poll() is not None, "the server")
    if server.poll() is not None:
        die(f"{name}: the server exited ({server.returncode})")

    ckind, cargs = case["client"]
    url = f"https://{HOST}"
    base = ["--silent", "--show-error", "--fail", "--cacert", cert, "--resolve", f"{HOST}:{port}:127.0.0.1",
            "--user-agent", UA]
    post_json = ["-H", "Content-Type: application/json", "--data-binary", f"@{work}/profile.json"]
    env = {"SSLKEYLOGFILE": keys}
    if ckind == "curl-h1":
        op = [*base, "--http1.1", *cargs]
        rec.run(["curl", *op, *post_json, f"{url}/v1/profile", "--next", *op, f"{url}/v1/config?{QUERY}"],
                env=env, capture_output=True)
    elif ckind == "curl-h2":
        op = [*base, "--http2", *cargs]
        rec.run(["curl", "--parallel", *op, *post_json, f"{url}/v1/profile",
                 "--next", *op, "-H", "Content-Type: application/json", "-H", "Content-Encoding: gzip",
                 "--data-binary", f"@{work}/events.json.gz", f"{url}/v1/events",
                 "--next", *op, f"{url}/v1/config?{QUERY}"], env=env, capture_output=True)
    elif ckind == "curl-h2c-upgrade":
        op = [*base, "--http2"]
        url = f"http://{HOST}"
        rec.run(["curl", *op, f"{url}/v1/config?{QUERY}", "--next", *op, *post_json, f"{url}/v1/profile"],
                capture_output=True)
    elif ckind == "h2c-prior":
        rec.run([PY, f"{HERE}/h2c_client.py", "--host", HOST, "--port", port, "--profile", f"{work}/profile.json",
                 "--events-gz", f"{work}/events.json.gz", "--query", QUERY], capture_output=True)
    elif ckind == "sclient-keyupdate":
        out = sclient_session(rec, cargs, keys, [
            http1_request("POST", "/v1/profile", PROFILE.encode()),
            b"K\n",
            http1_request("GET", f"/v1/config?{QUERY}")])
        if "KEYUPDATE" not in out:
            die(f"{name}: s_client did not send a KeyUpdate")
    elif ckind == "sclient-resume":
        sess = os.path.join(d, "session.pem")
        sclient_session(rec, cargs, keys, [http1_request("POST", "/v1/profile", PROFILE.encode())],
                        extra=["-sess_out", sess])
        out = sclient_session(rec, cargs, keys, [http1_request("GET", f"/v1/config?{QUERY}")],
                              extra=["-sess_in", sess])
        if "Reused," not in out:
            die(f"{name}: the second connection did not resume the session")
    else:
        die(f"unknown client {ckind}")

    time.sleep(0.5)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=10)
    time.sleep(0.3)
    dump.send_signal(signal.SIGTERM)
    _, err = dump.communicate(timeout=10)
    m = re.search(rb"dropped on interface .*?: (\d+)/(\d+)", err)
    if m and m.group(2) != b"0":
        die(f"{name}: dumpcap dropped packets: {err.decode()}")
    json.dump(rec.cmds, open(os.path.join(d, "commands.json"), "w"), indent=1)


# --------------------------------------------------------------------------
# pcap post-processing


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def fix_checksums(src, dst):
    """Classic pcap, Ethernet, IPv4/TCP: recompute the IPv4 header and TCP
    checksums (the loopback driver leaves the TCP one partial)."""
    buf = open(src, "rb").read()
    magic, = struct.unpack_from("<I", buf, 0)
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        die(f"{src}: not a little-endian pcap")
    linktype, = struct.unpack_from("<I", buf, 20)
    if linktype != 1:
        die(f"{src}: link type {linktype}, wanted Ethernet")
    out = bytearray(buf[:24])
    off = 24
    while off < len(buf):
        ts, tu, incl, orig = struct.unpack_from("<IIII", buf, off)
        pkt = bytearray(buf[off + 16:off + 16 + incl])
        off += 16 + incl
        if incl == orig and len(pkt) >= 34 and pkt[12:14] == b"\x08\x00":
            ip = 14
            ihl = (pkt[ip] & 0x0f) * 4
            tot, = struct.unpack_from("!H", pkt, ip + 2)
            pkt[ip + 10:ip + 12] = b"\0\0"
            struct.pack_into("!H", pkt, ip + 10, csum(bytes(pkt[ip:ip + ihl])))
            if pkt[ip + 9] == 6:
                t = ip + ihl
                seg_len = tot - ihl
                pkt[t + 16:t + 18] = b"\0\0"
                pseudo = bytes(pkt[ip + 12:ip + 20]) + struct.pack("!BBH", 0, 6, seg_len)
                struct.pack_into("!H", pkt, t + 16, csum(pseudo + bytes(pkt[t:t + seg_len])))
        out += struct.pack("<IIII", ts, tu, incl, orig) + pkt
    open(dst, "wb").write(bytes(out))


# --------------------------------------------------------------------------
# reading the captures back with tshark


class Tshark:
    def __init__(self, confdir):
        self.env = dict(os.environ, WIRESHARK_CONFIG_DIR=confdir)
        v = run(["tshark", "--version"], capture_output=True, text=True, env=self.env).stdout
        self.version = v.splitlines()[0]

    def __call__(self, path, keys, *args):
        argv = ["tshark", "-n", "-r", path, "-o", f"tls.keylog_file:{keys or ''}", *args]
        return run(argv, capture_output=True, text=True, env=self.env).stdout

    def packets(self, path, keys):
        return json.loads(self(path, keys, "-T", "json", "--no-duplicate-keys") or "[]")

    def suite_names(self, path, keys):
        out = self(path, keys, "-Y", "tls.handshake.type == 2", "-o",
                   'gui.column.format:"cs","%Cus:tls.handshake.ciphersuite"', "-T", "fields",
                   "-e", "frame.number", "-e", "tls.handshake.ciphersuite", "-e", "_ws.col.cs")
        names = {}
        for line in out.splitlines():
            _, sid, name = line.split("\t")
            names[int(sid, 16)] = name
        return names


def as_list(x):
    return x if isinstance(x, list) else [x]


def walk(obj, path=()):
    """Yields (path, key, value) for every leaf of tshark's JSON tree."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)):
                yield from walk(v, path + (k,))
            else:
                yield path, k, v
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v, path)


def dicts_with(obj, key):
    """Every dict (at any depth) that has `key` directly."""
    if isinstance(obj, dict):
        if key in obj:
            yield obj
        for v in obj.values():
            if isinstance(v, (dict, list)):
                yield from dicts_with(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from dicts_with(v, key)


def first(obj, key):
    for _, k, v in walk(obj):
        if k == key:
            return v
    return None


def all_of(obj, key):
    return [v for _, k, v in walk(obj) if k == key]


def decoded(obj, key):
    """The last value of `key`, preferring one under a "Content-encoded
    entity body" subtree (tshark's decoding of Content-Encoding)."""
    plain, dec = None, None
    for path, k, v in walk(obj):
        if k == key:
            if any(p.startswith("Content-encoded entity body") for p in path):
                dec = v
            else:
                plain = v
    return dec if dec is not None else plain


def hexbytes(s):
    return bytes.fromhex(s.replace(":", "")) if s else b""


def keylog_randoms(path):
    rnd = set()
    if path and os.path.exists(path):
        for line in open(path):
            p = line.split()
            if len(p) == 3 and not line.startswith("#") and re.fullmatch(r"[0-9a-fA-F]{64}", p[1]):
                rnd.add(p[1].lower())
    return rnd


def facts(ts, path, keys, keylog_for_status):
    """Connections and requests of one capture as tshark sees them with the
    given key log.  keylog_for_status: the key log text whose client randoms
    count as 'a key is known' (for the DSB file: the embedded one)."""
    pkts = ts.packets(path, keys)
    names = ts.suite_names(path, keys)
    known = keylog_randoms(keylog_for_status)
    conns, order = {}, []
    reqs1, resp1 = [], {}
    h2 = {}   # (tcp_stream, stream id) -> dict
    upgraded = {}  # tcp stream -> request frame of the HTTP/1.1 Upgrade request answered 101
    for p in pkts:
        L = p["_source"]["layers"]
        frame = int(L["frame"]["frame.number"])
        tcp = L.get("tcp")
        if not tcp:
            continue
        st = int(tcp["tcp.stream"])
        sport, dport = int(tcp["tcp.srcport"]), int(tcp["tcp.dstport"])
        flags = int(tcp["tcp.flags"], 16)
        if st not in conns:
            conns[st] = dict(tcp_stream=st, client_port=None, server_port=None, tls=False, tls_version=None,
                             cipher_suite=None, cipher_suite_id=None, sni=None, alpn=None, client_random=None,
                             resumed=False, hrr=False, key_update=False, etm=False, decryption=None,
                             _cert=False, _finished=False, _sh=False)
            order.append(st)
        c = conns[st]
        if flags & 0x12 == 0x02:  # SYN without ACK
            c["client_port"], c["server_port"] = sport, dport
        from_client = sport == c["client_port"]
        for tls in as_list(L.get("tls", [])):
            for hs in dicts_with(tls, "tls.handshake.type"):
                t = int(hs["tls.handshake.type"])
                if t == 1 and from_client:
                    c["tls"] = True
                    c["client_random"] = c["client_random"] or first(hs, "tls.handshake.random").replace(":", "")
                    c["sni"] = first(hs, "tls.handshake.extensions_server_name")
                elif t == 2 and not from_client:
                    rnd = first(hs, "tls.handshake.random").replace(":", "")
                    if rnd == HRR_RANDOM:
                        c["hrr"] = True
                        continue
                    c["_sh"] = True
                    sid = int(hs["tls.handshake.ciphersuite"], 16)
                    c["cipher_suite_id"] = f"0x{sid:04x}"
                    c["cipher_suite"] = names.get(sid)
                    sv = first(hs, "tls.handshake.extensions.supported_version")
                    ver = int(sv or hs["tls.handshake.version"], 16)
                    c["tls_version"] = {0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}.get(ver, f"0x{ver:04x}")
                    exts = [int(x) for x in all_of(hs, "tls.handshake.extension.type")]
                    c["etm"] = 22 in exts
                    alpn = first(hs, "tls.handshake.extensions_alpn_str")
                    if alpn:
                        c["alpn"] = alpn
                elif t == 8 and not from_client:
                    alpn = first(hs, "tls.handshake.extensions_alpn_str")
                    if alpn:
                        c["alpn"] = alpn
                elif t == 11 and not from_client:
                    c["_cert"] = True
                elif t == 20:
                    c["_finished"] = True
                elif t == 24:
                    c["key_update"] = True
        for http in as_list(L.get("http", [])):
            method = first(http, "http.request.method")
            if method:
                body = decoded(http, "http.file_data")
                reqs1.append(dict(frame=frame, protocol="http/1.1", method=method, host=first(http, "http.host"),
                                  uri=first(http, "http.request.uri"), tcp_stream=st, stream_id=None, status=None,
                                  body=body if body is not None else "", _upgrade=first(http, "http.upgrade")))
            code = first(http, "http.response.code")
            if code:
                rin = first(http, "http.request_in")
                if rin:
                    resp1[int(rin)] = int(code)
                if int(code) == 101 and rin:
                    upgraded[st] = int(rin)
        for http2 in as_list(L.get("http2", [])):
            for fr in dicts_with(http2, "http2.streamid"):
                if "http2.type" not in fr:
                    continue
                sid = int(fr["http2.streamid"])
                ftype = int(fr["http2.type"])
                fflags = int(fr.get("http2.flags", "0x0"), 16)
                if sid == 0:
                    continue
                s = h2.setdefault((st, sid), dict(tcp_stream=st, stream=sid, headers={}, body=b"", end=None,
                                                  status=None, first=frame))
                if from_client:
                    if ftype == 1:
                        for hd in dicts_with(fr, "http2.header.name"):
                            s["headers"][hd["http2.header.name"]] = hd.get("http2.header.value", "")
                    elif ftype == 0:
                        data = hexbytes(decoded(fr, "http2.data.data"))
                        if first(fr, "http2.body.reassembled.length"):
                            s["body"] = data  # tshark gives the whole body in the END_STREAM frame
                        else:
                            s["body"] += data
                    if fflags & 0x1 and ftype in (0, 1) and s["end"] is None:
                        s["end"] = frame
                else:
                    if ftype == 1:
                        for hd in dicts_with(fr, "http2.header.name"):
                            if hd["http2.header.name"] == ":status" and s["status"] is None:
                                s["status"] = int(hd["http2.header.value"])
    requests = []
    for r in reqs1:
        r["status"] = resp1.get(r["frame"])
        if r["status"] == 101 and upgraded.get(r["tcp_stream"]) == r["frame"]:
            # the answer to the upgraded request is HTTP/2 stream 1
            s1 = h2.get((r["tcp_stream"], 1))
            r["status"] = s1["status"] if s1 else None
            r["upgrade"] = "h2c"
        r.pop("_upgrade")
        requests.append(r)
    for (st, sid), s in sorted(h2.items()):
        hd = s["headers"]
        if ":method" not in hd:
            continue  # stream 1 of an upgraded connection: the request was HTTP/1.1
        body = s["body"]
        requests.append(dict(frame=s["end"], protocol="http/2", method=hd[":method"], host=hd.get(":authority"),
                             uri=hd.get(":path"), tcp_stream=st, stream_id=sid, status=s["status"],
                             body=body.decode("utf-8", "backslashreplace"),
                             content_encoding=hd.get("content-encoding")))
    for r in requests:
        q = urllib.parse.urlsplit(r["uri"]).query
        r["query"] = dict(urllib.parse.parse_qsl(q, keep_blank_values=True))
        r.setdefault("content_encoding", None)
        r.setdefault("upgrade", None)
    requests.sort(key=lambda r: r["frame"])

    out = []
    for st in order:
        c = conns[st]
        if c["tls"]:
            c["resumed"] = c["tls_version"] == "TLS 1.2" and c["_sh"] and not c["_cert"]
            if c["client_random"] in known:
                c["decryption"] = "decrypted" if c["_finished"] else "failed"
            else:
                c["decryption"] = "no_key"
        for k in [k for k in c if k.startswith("_")]:
            del c[k]
        out.append(c)
    return out, requests


# --------------------------------------------------------------------------
# the generator


def check(cond, msg):
    if not cond:
        die("cross-check failed: " + msg)


def crosscheck(case, conns, reqs, keys):
    """The capture must be what the case says it is."""
    name, e = case["name"], case["expect"]
    check(len(conns) == e["conns"], f"{name}: {len(conns)} connections, wanted {e['conns']}")
    check(len(reqs) == e["requests"], f"{name}: {len(reqs)} requests decoded, wanted {e['requests']}: {reqs}")
    for i, c in enumerate(conns):
        check(c["client_port"] and c["server_port"] == case["port"], f"{name}: ports {c}")
        if e["version"] is None:
            check(not c["tls"], f"{name}: TLS in a cleartext case")
            continue
        check(c["tls"] and c["tls_version"] == e["version"], f"{name}: version {c['tls_version']}")
        check(c["cipher_suite_id"] == f"0x{e['suite']:04x}", f"{name}: suite {c['cipher_suite_id']}")
        check(c["cipher_suite"] and c["cipher_suite"].startswith("TLS_"), f"{name}: suite name {c['cipher_suite']}")
        check(c["sni"] == HOST, f"{name}: SNI {c['sni']}")
        check(c["alpn"] == e["alpn"], f"{name}: ALPN {c['alpn']}")
        check(c["hrr"] == e.get("hrr", False), f"{name}: hrr {c['hrr']}")
        check(c["key_update"] == e.get("key_update", False), f"{name}: key_update {c['key_update']}")
        check(c["etm"] == e.get("etm", False), f"{name}: etm {c['etm']}")
        check(c["resumed"] == e.get("resumed", [False] * e["conns"])[i], f"{name}: resumed {c['resumed']}")
        check(c["decryption"] == "decrypted", f"{name}: connection {i} not decrypted by tshark")
    if keys:
        # (the RSA label, logged by OpenSSL for RSA key exchange, is keyed by the
        # first 8 bytes of the encrypted pre-master secret, not by a client random)
        lines = [ln.split() for ln in open(keys) if ln.strip() and not ln.startswith(("#", "RSA "))]
        want = {c["client_random"] for c in conns}
        check({ln[1] for ln in lines} == want, f"{name}: key log randoms {sorted({ln[1] for ln in lines})} "
              f"vs the capture's {sorted(want)}")
    gz_events = json.loads(EVENTS)
    for r in reqs:
        check(r["host"] == HOST, f"{name}: host {r['host']}")
        check(r["status"] == 200, f"{name}: status {r['status']} for {r['method']} {r['uri']}")
        if r["uri"] == "/v1/profile":
            check(r["method"] == "POST" and json.loads(r["body"]) == json.loads(PROFILE), f"{name}: body {r}")
        elif r["uri"] == "/v1/events":
            check(r["method"] == "POST" and json.loads(r["body"]) == gz_events, f"{name}: gzip body {r}")
            check(r["content_encoding"] == "gzip", f"{name}: content-encoding")
        else:
            check(r["method"] == "GET" and r["uri"] == f"/v1/config?{QUERY}" and r["body"] == "", f"{name}: {r}")


def capinfo(path):
    out = run(["capinfos", "-M", "-T", "-c", "-F", path], capture_output=True, text=True).stdout.splitlines()
    f = out[1].split("\t")
    return int(f[2])


def file_format(path):
    return "pcapng" if path.endswith(".pcapng") else "pcap"


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--in-netns":
        in_netns(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 2:
        die("usage: make_tls_captures.py OUTDIR")
    out = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        die("must run as root (unshare -n, dumpcap on lo, ports 80/443)")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith((".pcap", ".pcapng", ".keys")) or f in ("expected.json", "README.md"):
            os.unlink(os.path.join(out, f))
    work = tempfile.mkdtemp(prefix="privaudit-tls-")
    try:
        generate(out, work)
    finally:
        if os.environ.get("KEEP_WORK"):
            sys.stderr.write(f"make-tls-captures: work directory kept: {work}\n")
        else:
            shutil.rmtree(work, ignore_errors=True)


def generate(out, work):
    # the throwaway certificate and the request bodies
    cert_cmd = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{work}/key.pem",
                "-out", f"{work}/cert.pem", "-days", "3650", "-subj", f"/CN={CN}",
                "-addext", f"subjectAltName=DNS:{CN},DNS:*.{CN}"]
    run(cert_cmd, capture_output=True)
    open(f"{work}/profile.json", "w").write(PROFILE)
    open(f"{work}/events.json.gz", "wb").write(gzip.compress(EVENTS.encode(), mtime=0))
    os.makedirs(f"{work}/htdocs/v1")
    for p in ("profile", "events", "config"):
        open(f"{work}/htdocs/v1/{p}", "w").write(json.dumps({"ok": True, "path": f"/v1/{p}"},
                                                             separators=(",", ":")))
    confdir = os.path.join(work, "wireshark-config")
    os.makedirs(confdir)
    ts = Tshark(confdir)

    files, commands = {}, {}
    for case in CASES:
        name = case["name"]
        sys.stderr.write(f"make-tls-captures: {name}\n")
        run(["unshare", "-n", PY, os.path.abspath(__file__), "--in-netns", name, work], timeout=120)
        d = os.path.join(work, name)
        tmp = os.path.join(d, "tmp.pcap")
        run(["editcap", "-F", "pcap", os.path.join(d, "raw.pcapng"), tmp])
        cap = os.path.join(out, name + ".pcap")
        fix_checksums(tmp, cap)
        keys = None
        if case["expect"]["version"]:
            keys = os.path.join(out, name + ".keys")
            shutil.copy(os.path.join(d, "keys"), keys)
        conns, reqs = facts(ts, cap, keys, keys)
        crosscheck(case, conns, reqs, keys)
        commands[name] = json.load(open(os.path.join(d, "commands.json")))
        files[name + ".pcap"] = dict(what=case["what"], keys=os.path.basename(keys) if keys else None, dsb=False,
                                     connections=conns, requests=reqs, generated_by=commands[name])

    # the DSB file: case 1 with its key log inside
    src = os.path.join(out, DSB["source"] + ".pcap")
    dsb = os.path.join(out, DSB["name"] + ".pcapng")
    srckeys = os.path.join(out, DSB["source"] + ".keys")
    cmd = ["editcap", "--inject-secrets", f"tls,{srckeys}", src, dsb]
    run(cmd)
    conns, reqs = facts(ts, dsb, None, srckeys)
    ref = files[DSB["source"] + ".pcap"]
    check(conns == ref["connections"] and reqs == ref["requests"], "the DSB file does not decode like its source")
    files[DSB["name"] + ".pcapng"] = dict(what=DSB["what"], keys=None, dsb=True, connections=conns, requests=reqs,
                                          generated_by=[sh(cmd).replace(out, "captures/test/tls")])

    # wrong keys: same randoms, every secret's first byte flipped
    for w in WRONG:
        src = os.path.join(out, w["source"] + ".pcap")
        cap = os.path.join(out, w["name"] + ".pcap")
        keys = os.path.join(out, w["name"] + ".keys")
        shutil.copy(src, cap)
        lines = []
        for ln in open(os.path.join(out, w["source"] + ".keys")):
            label, rnd, secret = ln.split()
            flipped = bytes([bytes.fromhex(secret)[0] ^ 0xff]) + bytes.fromhex(secret)[1:]
            lines.append(f"{label} {rnd} {flipped.hex()}\n")
        open(keys, "w").write("".join(lines))
        conns, reqs = facts(ts, cap, keys, keys)
        check(reqs == [], f"{w['name']}: tshark decoded requests with wrong keys")
        check(all(c["decryption"] == "failed" for c in conns), f"{w['name']}: {conns}")
        files[w["name"] + ".pcap"] = dict(what=w["what"], keys=os.path.basename(keys), dsb=False,
                                          connections=conns, requests=[],
                                          generated_by=[f"cp {w['source']}.pcap {w['name']}.pcap",
                                                        f"{w['name']}.keys = {w['source']}.keys with the first "
                                                        "byte of every secret XOR 0xff"])

    # no key: only another connection's line, a comment and a malformed line
    src = os.path.join(out, NOKEY["source"] + ".pcap")
    cap = os.path.join(out, NOKEY["name"] + ".pcap")
    keys = os.path.join(out, NOKEY["name"] + ".keys")
    shutil.copy(src, cap)
    other = open(os.path.join(out, NOKEY["other"] + ".keys")).readline().strip()
    lines = [ln if ln is not None else other for ln in NOKEY_LINES]
    open(keys, "w").write("\n".join(lines) + "\n")
    conns, reqs = facts(ts, cap, keys, keys)
    check(reqs == [] and all(c["decryption"] == "no_key" for c in conns), f"{NOKEY['name']}: {conns} {reqs}")
    files[NOKEY["name"] + ".pcap"] = dict(what=NOKEY["what"], keys=os.path.basename(keys), dsb=False,
                                          connections=conns, requests=[],
                                          keylog_malformed_lines=[NOKEY_MALFORMED_LINE],
                                          generated_by=[f"cp {NOKEY['source']}.pcap {NOKEY['name']}.pcap",
                                                        f"{NOKEY['name']}.keys: the 3 lines above"])

    # without any key log every TLS connection is no_key and nothing decodes
    for fname, f in files.items():
        path = os.path.join(out, fname)
        if f["dsb"]:
            continue
        conns, reqs = facts(ts, path, None, None)
        tls_reqs = [r for r in reqs if conns[[c["tcp_stream"] for c in conns].index(r["tcp_stream"])]["tls"]]
        check(tls_reqs == [], f"{fname}: tshark decoded TLS without keys")
        f["without_keylog"] = dict(requests=len(reqs), decryption=[c["decryption"] for c in conns])

    for fname, f in files.items():
        path = os.path.join(out, fname)
        f["format"] = file_format(fname)
        f["size"] = os.path.getsize(path)
        f["frames"] = capinfo(path)
        f["coverage_tls"] = dict(
            flows=sum(c["tls"] for c in f["connections"]),
            decrypted=sum(c["decryption"] == "decrypted" for c in f["connections"]),
            not_decrypted=sum(c["decryption"] == "no_key" for c in f["connections"]),
            failed=sum(c["decryption"] == "failed" for c in f["connections"]))

    tools = tool_versions(ts)
    doc = dict(comment="Facts about captures/test/tls, read back with tshark and the key logs by "
                       "tests/gen/make_tls_captures.py (run by tests/gen/make-tls-captures.sh). Do not edit.",
               tools=tools, host=HOST, files=dict(sorted(files.items())))
    write_readme(out, doc, sh(cert_cmd).replace(work, "$W"))
    for f in files.values():
        del f["generated_by"]  # (in the README)
    write_expected(os.path.join(out, "expected.json"), doc)
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    sys.stderr.write(f"make-tls-captures: {len(files)} captures, {total} bytes in {out}\n")
    if total > 300_000:
        die(f"{out} holds {total} bytes (> 300 KB)")


def write_expected(path, doc):
    """JSON with one line per connection and per request."""
    def j(v):
        return json.dumps(v, ensure_ascii=False)

    out = ["{"]
    for k in ("comment", "tools", "host"):
        out.append(f" {j(k)}: {j(doc[k])},")
    out.append(' "files": {')
    names = list(doc["files"])
    for i, name in enumerate(names):
        f = doc["files"][name]
        out.append(f"  {j(name)}: {{")
        keys = list(f)
        for n, k in enumerate(keys):
            end = "," if n < len(keys) - 1 else ""
            if k in ("connections", "requests") and f[k]:
                out.append(f"   {j(k)}: [")
                out += [f"    {j(x)}" + ("," if m < len(f[k]) - 1 else "") for m, x in enumerate(f[k])]
                out.append("   ]" + end)
            else:
                out.append(f"   {j(k)}: {j(f[k])}{end}")
        out.append("  }" + ("," if i < len(names) - 1 else ""))
    out += [" }", "}"]
    text = "\n".join(out) + "\n"
    assert json.loads(text) == doc
    open(path, "w").write(text)


def tool_versions(ts):
    def first_line(argv):
        p = subprocess.run(argv, capture_output=True, text=True)
        return (p.stdout or p.stderr).splitlines()[0].strip()

    import h2
    return {"tshark": ts.version, "curl": first_line(["curl", "--version"]),
            "openssl": first_line(["openssl", "version"]), "nghttpd": first_line(["nghttpd", "--version"]),
            "python3": first_line([PY, "--version"]) + ", python3-h2 " + h2.__version__,
            "dumpcap": first_line(["dumpcap", "--version"]), "kernel": os.uname().release}


# --------------------------------------------------------------------------
# README


def md(v):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v).replace("|", "\\|")


def write_readme(out, doc, cert_cmd):
    L = []
    w = L.append
    w("# TLS and HTTP/2 test captures")
    w("")
    w("Everything in this directory is GENERATED by a real exchange on loopback — do not edit by hand.")
    w("Regenerate (as root, Debian 12) with")
    w("")
    w("    tests/gen/make-tls-captures.sh            # writes captures/test/tls/ (this README included)")
    w("")
    w("The TLS bytes are random by nature (keys, randoms, ports, timestamps), so every run gives different")
    w("files and different facts; the files are committed as generated, and `expected.json` always")
    w("describes the files beside it. Sources: `tests/gen/make-tls-captures.sh` (checks the tools),")
    w("`tests/gen/make_tls_captures.py` (runs the cases, post-processes, reads the facts back, writes this")
    w("README and `expected.json`), `tests/gen/tls_server.py` (HTTPS/1.1 server on Python's ssl),")
    w("`tests/gen/h2c_server.py` and `tests/gen/h2c_client.py` (cleartext HTTP/2 on python3-h2).")
    w("The end-to-end test is `tests/e2e/test_tls.py`.")
    w("")
    w("## How the captures are made")
    w("")
    w("* Each case runs in a fresh network namespace (`unshare -n`, then `ip link set lo up`), so its capture")
    w("  holds that exchange only: `dumpcap -i lo -f 'tcp port P'` starts first, then the server, then the")
    w("  client(s); then the server and dumpcap are stopped. Client and server are both 127.0.0.1; servers")
    w("  listen on port 443 (TLS) or 80 (h2c); client ports are the kernel's ephemeral ones (listed below).")
    w(f"* Names: the client connects to 127.0.0.1 but uses the name `{doc['host']}` (curl `--resolve`,")
    w("  s_client `-servername`), so SNI, Host and :authority carry it.")
    w("* Certificate: a throwaway self-signed RSA 2048 certificate made for each run:")
    w(f"  `{cert_cmd}`.")
    w("* Key logs: the client writes the NSS key log (curl: `SSLKEYLOGFILE`; openssl s_client:")
    w("  `-keylogfile`); `NAME.keys` is that file unchanged: exactly the lines of that capture's")
    w("  connections (TLS 1.3: CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET,")
    w("  CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET; TLS 1.2: CLIENT_RANDOM).")
    w("* Post-processing: `editcap -F pcap` (classic pcap, microseconds, Ethernet link type: Linux's")
    w("  loopback has zero MAC addresses), then the TCP checksums are recomputed (the loopback driver leaves")
    w("  them partial because of checksum offload; nothing else is changed). The DSB file is pcapng.")
    w("* Request bodies (personal-looking data): `POST /v1/profile` with")
    w(f"  `{PROFILE}`;")
    w(f"  `GET /v1/config?{QUERY}`; over HTTP/2 also `POST /v1/events` with the gzip-compressed JSON")
    w(f"  `{EVENTS}` (`Content-Encoding: gzip`, gzip mtime 0). User-Agent `{UA}`. Servers answer 200 with a")
    w("  small JSON body.")
    w("* In the commands below `$W` is the generator's temporary work directory (certificate, key, bodies,")
    w("  nghttpd's document root `$W/htdocs`).")
    w("")
    w("## How the facts were read (expected.json)")
    w("")
    w(f"With **{doc['tools']['tshark'].rstrip('.')}** and the capture's key log "
      "(`tshark -r F -o tls.keylog_file:F.keys -T json --no-duplicate-keys`, plus a custom column")
    w("`%Cus:tls.handshake.ciphersuite` for the IANA suite names), with an empty Wireshark configuration")
    w("directory (default preferences). Per capture file:")
    w("")
    w("* `keys` (the key log file beside it, or null), `dsb` (secrets embedded in the pcapng), `format`,")
    w("  `size`, `frames`;")
    w("* `connections`, in order of first packet: `tcp_stream` (tshark's index), `client_port` (the SYN's")
    w("  sender), `server_port`, `tls`, `tls_version` (the ServerHello's supported_versions, else its")
    w("  version), `cipher_suite` (IANA name) and `cipher_suite_id`, `sni` (ClientHello), `alpn` (the")
    w("  server's choice: ServerHello in TLS 1.2, EncryptedExtensions in TLS 1.3), `client_random`")
    w("  (hex; the same in both ClientHellos of a HelloRetryRequest), `resumed` (TLS 1.2: ServerHello")
    w("  without a Certificate message), `hrr` (a ServerHello with the HelloRetryRequest random),")
    w("  `key_update` (a decrypted KeyUpdate message), `etm` (the ServerHello has encrypt_then_mac: only")
    w("  ever for CBC suites), `decryption`: `decrypted` (the key log has the client random and tshark")
    w("  decrypted the Finished messages), `failed` (the key log has the client random but nothing")
    w("  decrypts: wrong secrets), `no_key` (the key log has no line for the client random); null for")
    w("  cleartext connections;")
    w("* `requests`, in frame order: `frame`, `protocol` (`http/1.1` or `http/2`), `method`, `host` (Host,")
    w("  or :authority), `uri` (as sent, query included), `tcp_stream`, `stream_id` (HTTP/2), `status`")
    w("  (of the final response), `body` (the request body as text after Content-Encoding decoding,")
    w("  `\"\"` when none), `content_encoding`, `upgrade` (`h2c` on the request that upgraded its")
    w("  connection), `query` (the URI's query as a dict);")
    w("* `coverage_tls`: the counts the report's `coverage.tls` should show (`flows` = TLS connections,")
    w("  `not_decrypted` = those without a key, `failed` = those whose key is wrong);")
    w("  `without_keylog`: what tshark decodes from the same file with no key log at all;")
    w("  `keylog_malformed_lines` (tls13-nokey): the key log lines that are malformed;")
    w("  (the commands that made each file are listed below, not in expected.json).")
    w("")
    w("**Which frame is a request's frame.** For HTTP/1.1 it is the frame tshark puts the request in")
    w("(`-Y http.request`): the frame whose TLS record completes the message, i.e. the frame carrying")
    w("the last byte of the request (headers and body). For HTTP/2 it is the frame carrying the client's")
    w("frame with END_STREAM on that stream: the HEADERS frame of a GET, the last DATA frame of a POST")
    w("(tshark itself shows the request's `:method` in the earlier HEADERS frame; the brief's rule, and")
    w("privaudit's, is the frame where the request is complete). For the h2c upgrade the first request is")
    w("an HTTP/1.1 request (protocol `http/1.1`); its status is that of the response on HTTP/2 stream 1")
    w("(the 101 is interim).")
    w("")
    w("Cross-checks made by the generator on every run (it stops otherwise): version, suite, SNI, ALPN,")
    w("HRR, KeyUpdate, EtM and resumption as the case intends; every connection decrypted by tshark; the key")
    w("log's client randoms are exactly the capture's; every request answered 200; the bodies tshark")
    w("decrypted (and gunzipped) equal the bodies sent; the DSB file decodes exactly like its source; with")
    w("the altered or foreign key logs and without any key log tshark decodes no request.")
    w("")
    w("## What the tools do that a reader must cope with")
    w("")
    w("Seen in these files (stable behaviour of the tools listed below, not accidents of one run):")
    w("")
    w("* openssl s_client's key logs (tls13-keyupdate, tls12-resumption*) begin with the comment line")
    w("  `# SSL/TLS secrets log file, generated by OpenSSL`; curl's have none.")
    w("* With RSA key exchange (tls12-rsa-aes128gcm-h1) OpenSSL logs, besides CLIENT_RANDOM, an NSS")
    w("  `RSA <first 8 bytes of the encrypted pre-master secret> <pre-master secret>` line: a valid line")
    w("  whose second field is 16 hex digits, not a 64-digit client random.")
    w("* After a KeyUpdate this libssl (3.0.19) logs `CLIENT_TRAFFIC_SECRET_N` / `SERVER_TRAFFIC_SECRET_N`")
    w("  lines (the literal label, holding the next generation's secret): labels to accept and ignore;")
    w("  the updated keys follow from CLIENT/SERVER_TRAFFIC_SECRET_0 by HKDF-Expand-Label \"traffic upd\".")
    w("* TLS 1.3 handshakes carry middlebox-compatibility ChangeCipherSpec records in clear (after the")
    w("  ServerHello or HelloRetryRequest, before the client's second flight); the HelloRetryRequest is a")
    w("  ServerHello whose random is the fixed SHA-256 of \"HelloRetryRequest\", and the second")
    w("  ClientHello repeats the first one's random.")
    w("* The HTTP/1.1 servers answer the client's close_notify with their own; curl has already closed")
    w("  its socket by then, so its kernel answers that last record with a RST (s_client waits: FIN/ACK")
    w("  on both sides). nghttpd answers curl's FIN")
    w("  (curl sends no close_notify on h2) with a fatal decode_error alert, then the client RSTs.")
    w("* In h2c-prior-knowledge nghttpd sends its SETTINGS frame before the client's connection preface")
    w("  (tshark shows that segment as bare TCP data).")
    w("* tshark shows an HTTP/2 request (`:method`) in its HEADERS frame, not in the frame that completes")
    w("  it; for a body split over DATA frames it gives the whole reassembled body (and its gunzipped")
    w("  form) in the END_STREAM frame's `http2.data.data`.")
    w("* TCP checksums on loopback are partial (offload) in the raw capture; they are recomputed here.")
    w("")
    w("Tools used for the files here:")
    w("")
    for k, v in doc["tools"].items():
        w(f"* {k}: {v}")
    w("")
    w("## Summary")
    w("")
    w("| file | keys | TLS | cipher suite | conns | requests | decryption | frames | bytes |")
    w("|---|---|---|---|---|---|---|---|---|")
    for fname, f in doc["files"].items():
        cs = f["connections"]
        vers = sorted({c["tls_version"] for c in cs if c["tls"]}) or ["cleartext"]
        suites = sorted({c["cipher_suite"] for c in cs if c["tls"]}) or ["–"]
        dec = sorted({c["decryption"] for c in cs if c["decryption"]}) or ["–"]
        w(f"| `{fname}` | {md(f['keys']) if not f['dsb'] else 'DSB'} | {', '.join(vers)} | {', '.join(suites)} | "
          f"{len(cs)} | {len(f['requests'])} | {', '.join(dec)} | {f['frames']} | {f['size']} |")
    w("")
    for fname, f in doc["files"].items():
        w(f"## `{fname}`")
        w("")
        w(f["what"])
        w("")
        if fname == "tls13-nokey.pcap":
            w("Its key log:")
            w("")
            w("```")
            for ln in open(os.path.join(out, f["keys"])):
                w(ln.rstrip("\n")[:120] + (" ..." if len(ln.rstrip("\n")) > 120 else ""))
            w("```")
            w("")
        w("Made with:")
        w("")
        w("```")
        for c in f["generated_by"]:
            w(c)
        w("```")
        w("")
        w("| tcp stream | client port | server port | version | suite | id | SNI | ALPN | resumed | HRR | "
          "KeyUpdate | EtM | decryption | client random |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in f["connections"]:
            w(f"| {c['tcp_stream']} | {c['client_port']} | {c['server_port']} | {md(c['tls_version'])} | "
              f"{md(c['cipher_suite'])} | {md(c['cipher_suite_id'])} | {md(c['sni'])} | {md(c['alpn'])} | "
              f"{md(c['resumed'])} | {md(c['hrr'])} | {md(c['key_update'])} | {md(c['etm'])} | "
              f"{md(c['decryption'])} | {md(c['client_random'])} |")
        w("")
        if f["requests"]:
            w("| frame | protocol | method | host | uri | tcp stream | h2 stream | status | body |")
            w("|---|---|---|---|---|---|---|---|---|")
            for r in f["requests"]:
                body = r["body"] if len(r["body"]) <= 60 else r["body"][:57] + "..."
                enc = f" ({r['content_encoding']})" if r["content_encoding"] else ""
                w(f"| {r['frame']} | {r['protocol']} | {r['method']} | `{r['host']}` | `{md(r['uri'])}` | "
                  f"{r['tcp_stream']} | {md(r.get('stream_id'))} | {md(r['status'])} | "
                  f"{('`' + md(body) + '`') if body else '–'}{enc} |")
        else:
            w("No request can be decoded (tshark decodes none with this file's key log).")
        w("")
        wk = f.get("without_keylog")
        if wk is not None:
            w(f"Without a key log: {wk['requests']} request(s) decoded, decryption "
              f"{', '.join(md(x) for x in wk['decryption'])}.")
            w("")
    open(os.path.join(out, "README.md"), "w").write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
