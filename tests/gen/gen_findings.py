#!/usr/bin/env python3
"""gen_findings: the captures of captures/test/findings/ that
tests/e2e/test_findings.py audits against the profiles next to them:
credentials and issued ids, the device under test, BPF filters, key sense
(timestamps, hashed identifiers), and mandatory steps (issue 19).

usage: /usr/bin/python3 tests/gen/gen_findings.py [OUTDIR]   (default captures/test/findings)

Writes the captures and README.md (the profiles, *.yaml, are hand-written and
not touched).  Every byte is deterministic: fixed timestamps from
2024-05-01T10:00:00Z, ISNs, TLS randoms and secrets from SHA-256 of fixed
seeds.  Needs Debian's /usr/bin/python3 with python3-cryptography (AES-GCM
for the TLS 1.3 records).

A plain HTTP exchange is its own TCP connection of 8 frames: SYN, SYN/ACK,
ACK, request (one segment), 200 response, FIN, FIN, ACK; so a request is the
4th frame of its exchange.  A TLS 1.3 exchange is 11 frames: handshake,
ClientHello, ServerHello + ChangeCipherSpec + an encrypted handshake record,
the client's ChangeCipherSpec + encrypted Finished, the request in one
application-data record, the response, FIN teardown; its request is the 7th
frame.  The TLS captures are pcapng and carry their key log (only the
CLIENT/SERVER_TRAFFIC_SECRET_0 lines) in a Decryption Secrets Block, so they
need no --keylog.
"""
import hashlib
import hmac
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import (  # noqa: E402
    LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, Capture, TCPConn, UDPFlow, dns_name, dns_query, http_request,
    http_response, is_v6, pad4, pcap_bytes, pcapng_block, pcapng_epb, pcapng_idb, pcapng_shb, prng,
    tls_client_hello,
)

T0 = 1714557600  # 2024-05-01T10:00:00Z
CLIENT = "10.0.3.15"
RESOLVER = "10.0.3.3"
SERVERS = {
    "api.acme.test": "203.0.113.80",                # first party (acme.test)
    "api.acme-read.test": "198.51.100.45",          # affiliate in the profiles, not disclosed
    "log.umeng.com": "203.0.113.10",                # Umeng (parent Alibaba), disclosed for device.oaid/android_id
    "sdk.open.phone.igexin.com": "198.51.100.20",   # Getui push SDK (signatures: organization Getui)
    "ads.tracker.test": "192.0.2.66",               # in no list: relation unknown
}
UA = ("User-Agent", "okhttp/4.9.3")
JSON = ("Content-Type", "application/json; charset=utf-8")

# values the captures carry
OAID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
IMEI = "864512034567891"
ANDROID_ID = "b9e28776354d259e"
PHONE = "13812345678"
EMAIL = "lily@example.com"
NAME = "Quokka Tester"
BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOjQyLCJleHAiOjE3MTQ2NDQwMDB9.c2lnbmF0dXJlLW9mLXRoZS1maXJzdC1wYXJ0eQ"
SESSION = "9f86d081884c7d659a2feaa0c55ad015"
PUSH_TOKEN = "ek3J9aQ_RzmL2xPp8vT0bN:APA91bH4kX7rW2sQ9"
UID = "42"
AWS_AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/cn-north-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024")
# key sense: the canary of keysense.yaml (contact.email) and what the request carries for it
KS_EMAIL = "Lily.Chen@Example.com"

# the LAN of lan.pcap
ROUTER = "192.168.1.1"
DEVICE4 = "192.168.1.23"
DEVICE6 = "2001:db8:1::23"
OTHER = "192.168.1.50"
TRACKER6 = "2001:db8:ad::66"
MAC = {CLIENT: "020000000002", ROUTER: "020000000001", DEVICE4: "020000000023", DEVICE6: "020000000023", OTHER: "020000000050"}
DEVICE_MAC = "02:00:00:00:00:23"

# the Linux cooked capture: the device's Wi-Fi address and its VPN tunnel's
SLL_WLAN = "10.0.3.15"
SLL_TUN = "10.8.0.2"


def seed_int(seed):
    return struct.unpack("!I", prng(seed, 4))[0]


def j(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------
# TLS 1.3 application records (RFC 8446 5.2, 7.1-7.3), TLS_AES_128_GCM_SHA256


def hkdf_expand_label(secret, label, context, length):
    full = b"tls13 " + label
    info = struct.pack("!H", length) + bytes([len(full)]) + full + bytes([len(context)]) + context
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


class RecordWriter:
    """Seals application data with one traffic secret (sequence from 0)."""

    def __init__(self, secret):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        self.aead = AESGCM(hkdf_expand_label(secret, b"key", b"", 16))
        self.iv = hkdf_expand_label(secret, b"iv", b"", 12)
        self.seq = 0

    def seal(self, data):
        nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
        self.seq += 1
        inner = data + b"\x17"
        header = b"\x17\x03\x03" + struct.pack("!H", len(inner) + 16)
        return header + self.aead.encrypt(nonce, inner, header)


def tls13_server_hello(seed):
    def ext(t, b):
        return struct.pack("!HH", t, len(b)) + b
    exts = ext(0x002B, b"\x03\x04") + ext(0x0033, struct.pack("!HH", 0x001D, 32) + prng(seed + "-skeyshare", 32))
    body = (b"\x03\x03" + prng(seed + "-srandom", 32) + b"\x20" + prng(seed + "-sid", 32)
            + b"\x13\x01" + b"\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


CCS = b"\x14\x03\x03\x00\x01\x01"


def opaque_record(seed, n):
    """An encrypted handshake record privaudit cannot open (its secret is not
    in the key log): it tries the traffic secret, fails, and skips it."""
    return b"\x17\x03\x03" + struct.pack("!H", n) + prng(seed, n)


# ---------------------------------------------------------------------------
# a capture whose Ethernet addresses follow the flow's endpoints


def mac_for(ip):
    """The destination Ethernet address for a packet to ip."""
    if ip == "255.255.255.255" or ip.endswith(".255"):
        return bytes.fromhex("ffffffffffff")
    if not is_v6(ip) and 224 <= int(ip.split(".")[0]) <= 239:
        o = [int(x) for x in ip.split(".")]
        return bytes([0x01, 0x00, 0x5E, o[1] & 0x7F, o[2], o[3]])
    if is_v6(ip) and ip.lower().startswith("ff"):
        return bytes.fromhex("3333000000fb")
    return bytes.fromhex(MAC.get(ip, MAC[ROUTER]))


class FCapture(Capture):
    """Ethernet frames get the Ethernet addresses of the LAN (MAC): a
    packet from a LAN host carries its own address, a packet from a server
    off the LAN the router's; a host with no address yet (DHCP) says which
    with `src_mac`."""

    def __init__(self, relpath, linktype, fmt):
        super().__init__(relpath, linktype=linktype, fmt=fmt, t0_ns=T0 * 10**9, step_ns=1000000)
        self.src_mac = None
        self.blocks = {}   # frame index -> [pcapng blocks written before it]

    def add_l3(self, l3, outgoing=True, flow=None, summary="", note=""):
        if self.linktype != LINKTYPE_ETHERNET:
            return super().add_l3(l3, outgoing, flow, summary, note)
        (cip, _), (sip, _) = flow["client"], flow["server"]
        src_ip, dst_ip = (cip, sip) if outgoing else (sip, cip)
        src = self.src_mac if (self.src_mac and outgoing) else bytes.fromhex(MAC.get(src_ip, MAC[ROUTER]))
        dst = mac_for(dst_ip)
        et = 0x86DD if (l3[0] >> 4) == 6 else 0x0800
        return self._add(dst + src + struct.pack("!H", et) + l3, l3=l3, flow=flow, outgoing=outgoing,
                         summary=summary, note=note)

    def block_before_next(self, block):
        self.blocks.setdefault(len(self.frames), []).append(block)

    def file_bytes(self):
        if self.fmt != "pcapng":
            return pcap_bytes(self.linktype, self.frames)
        out = [pcapng_shb(), pcapng_idb(self.linktype)]
        for i, f in enumerate(self.frames):
            out += self.blocks.get(i, [])
            out.append(pcapng_epb(f))
        out += self.blocks.get(len(self.frames), [])
        return b"".join(out)


def isb(ts_ns, comment):
    """An Interface Statistics Block with a comment, as privaudit capture
    writes a mark (src/pcapng_out.c): interface 0, the time in microseconds."""
    ts = ts_ns // 1000
    c = comment.encode()
    opts = struct.pack("<HH", 1, len(c)) + pad4(c) + struct.pack("<HH", 0, 0)
    return pcapng_block(5, struct.pack("<III", 0, ts >> 32, ts & 0xFFFFFFFF) + opts)


def dsb(keylog):
    """A Decryption Secrets Block holding an NSS key log ('TLSK')."""
    return pcapng_block(0x0A, struct.pack("<II", 0x544C534B, len(keylog)) + pad4(keylog))


class Gen:
    def __init__(self, relpath, title, linktype=LINKTYPE_ETHERNET, fmt="pcap"):
        self.cap = FCapture(relpath, linktype, fmt)
        self.relpath = relpath
        self.title = title
        self.port = 43000
        self.rows = []
        self.keylog = []
        self.frames = {}   # name -> request frame (for the README and the tests)

    def at(self, sec):
        t = T0 * 10**9 + int(round(sec * 10**9))
        assert t >= self.cap.t_ns, (self.relpath, sec)
        self.cap.t_ns = t

    def conn(self, host, sport, client=CLIENT, server=None):
        self.port += 2
        return TCPConn(self.cap, client, self.port, server or SERVERS[host], sport,
                       seed_int("%s-c-%d" % (self.relpath, self.port)),
                       seed_int("%s-s-%d" % (self.relpath, self.port)),
                       host=host, host_src="HTTP Host" if sport == 80 else "TLS SNI")

    @staticmethod
    def request_bytes(method, uri, host, headers, body, ctype):
        hl = [UA] + list(headers)
        if body and ctype:
            hl.append(("Content-Type", ctype))
        data, _ = http_request(method, uri, host, hl, body, mobile=False)
        return data

    def http(self, sec, host, method, uri, headers=(), body=b"", ctype=JSON[1], client=CLIENT, server=None,
             what="", expect="", name=None):
        self.at(sec)
        c = self.conn(host, 80, client, server)
        first = c.handshake()[0]
        _, _, frames = c.send("c", self.request_bytes(method, uri, host, headers, body, ctype))
        c.send("s", http_response(200, "OK", [("Content-Type", "application/json")], b'{"code":0}'))
        c.close()
        self.row(frames[-1], first, sec, "HTTP %s %s%s%s" % (method, host, uri, self.via(client)),
                 what or (body.decode("utf-8") if body else "no body"), expect, name)
        return frames[-1]

    def https(self, sec, host, method, uri, headers=(), body=b"", ctype=JSON[1], what="", expect="", name=None):
        """HTTP/1.1 inside TLS 1.3, decryptable with the capture's DSB."""
        self.at(sec)
        c = self.conn(host, 443)
        first = c.handshake()[0]
        seed = "%s-tls-%d" % (self.relpath, self.port)
        ch = tls_client_hello(host, seed)
        client_random = ch[11:43]
        secrets = {lab: prng("%s-%s" % (seed, lab), 32) for lab in ("CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0")}
        for lab, sec_ in secrets.items():
            self.keylog.append("%s %s %s" % (lab, client_random.hex(), sec_.hex()))
        c.send("c", ch)
        c.send("s", tls13_server_hello(seed) + CCS + opaque_record(seed + "-shs", 90))
        c.send("c", CCS + opaque_record(seed + "-chs", 53))
        cw = RecordWriter(secrets["CLIENT_TRAFFIC_SECRET_0"])
        sw = RecordWriter(secrets["SERVER_TRAFFIC_SECRET_0"])
        _, _, frames = c.send("c", cw.seal(self.request_bytes(method, uri, host, headers, body, ctype)))
        c.send("s", sw.seal(http_response(200, "OK", [("Content-Type", "application/json")], b'{"code":0}')))
        c.close()
        self.row(frames[-1], first, sec, "HTTPS %s %s%s (TLS 1.3)" % (method, host, uri),
                 what or (body.decode("utf-8") if body else "no body"), expect, name)
        return frames[-1]

    def dns(self, sec, host, client=CLIENT, resolver=RESOLVER, answer=None, expect="none"):
        self.at(sec)
        self.port += 2
        ident = seed_int("%s-dns-%d" % (self.relpath, self.port)) & 0xFFFF
        addr = answer or SERVERS[host]
        fl = UDPFlow(self.cap, client, self.port, resolver, 53, host=host, host_src="DNS query name")
        q = fl.send("c", dns_query(ident, host, 1))
        ans = (struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + dns_name(host) + struct.pack("!HH", 1, 1)
               + struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + bytes(int(x) for x in addr.split(".")))
        r = fl.send("s", ans)
        self.rows.append((q, "%d-%d" % (q, r), self.hms(sec), "DNS A %s -> %s%s" % (host, addr, self.via(client)),
                          "lookup", expect))

    def datagram(self, sec, src, sport, dst, dport, payload, what, expect, src_mac=None):
        """One UDP datagram (DHCP, NetBIOS, mDNS): a flow of one packet."""
        self.at(sec)
        self.cap.src_mac = bytes.fromhex(src_mac) if src_mac else None
        fr = UDPFlow(self.cap, src, sport, dst, dport).send("c", payload)
        self.cap.src_mac = None
        self.rows.append((fr, str(fr), self.hms(sec), "UDP %s:%d -> %s:%d" % (src, sport, dst, dport), what, expect))
        return fr

    def syn(self, sec, client, server, port, what, expect):
        """A connection attempt that is never answered: one SYN."""
        self.at(sec)
        self.port += 2
        c = TCPConn(self.cap, client, self.port, server, port, seed_int("%s-syn-%d" % (self.relpath, self.port)), 0)
        fr = c.pkt("c", "S")
        self.rows.append((fr, str(fr), self.hms(sec), "TCP SYN %s -> %s:%d" % (client, server, port), what, expect))
        return fr

    def mark(self, sec, kind, expect):
        """A mark as privaudit capture records it: an ISB with the comment
        privaudit:KIND at that time, before the next packet."""
        self.at(sec)
        self.cap.block_before_next(isb(self.cap.t_ns, "privaudit:" + kind))
        nxt = len(self.cap.frames) + 1
        self.rows.append((nxt, "ISB before frame %d" % nxt, self.hms(sec), "mark `privaudit:%s`" % kind,
                          "pcapng Interface Statistics Block, comment option", expect))

    @staticmethod
    def via(client):
        return "" if client == CLIENT else " from %s" % client

    def row(self, frame, first, sec, what, data, expect, name):
        self.rows.append((frame, "%d-%d" % (first, len(self.cap.frames)), self.hms(sec), what, data, expect))
        if name:
            self.frames[name] = frame

    @staticmethod
    def hms(sec):
        whole = int(sec)
        frac = sec - whole
        s = "10:%02d:%02d" % (whole // 60, whole % 60)
        return s + (".%03d" % round(frac * 1000) if frac else "")

    def write(self, outdir):
        if self.keylog:
            self.cap.blocks.setdefault(0, []).insert(0, dsb(("\n".join(self.keylog) + "\n").encode()))
        path = os.path.join(outdir, self.relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(self.cap.file_bytes())

    def readme(self):
        out = ["## `%s`" % self.relpath, "", self.title, "",
               "%d frames. *Frame* is the frame that completes the request (for other traffic: its first frame)."
               % len(self.cap.frames), "",
               "| frame | frames | time (UTC) | what | data | expected |",
               "|---|---|---|---|---|---|"]
        for r in self.rows:
            out.append("| %s | %s | %s | %s | %s | %s |" % (r[0], r[1], r[2], r[3], r[4].replace("|", "\\|"), r[5]))
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# credentials and issued values


def credentials(tls=False):
    name = "credentials-tls.pcapng" if tls else "credentials.pcap"
    if tls:
        title = ("The same requests as `credentials.pcap` (less the push heartbeat and the signed upload), each inside "
                 "TLS 1.3 and decrypted with the key log in the file's Decryption Secrets Block.  Judged against "
                 "`credentials.yaml`: no cleartext_credential and no cleartext_pi at all; the push token at the "
                 "tracker and the user id at the affiliate are still personal data there.")
    else:
        title = ("Credentials and issued ids, judged against `credentials.yaml` (consent by the rule `privacy-agree`). "
                 "The first party's bearer token and session cookie go back to it before consent; a push SDK's token "
                 "goes back to Getui, then to an ad tracker; the first party's user id goes to the affiliate.")
    g = Gen(name, title, fmt="pcapng" if tls else "pcap")
    send = g.https if tls else g.http
    auth = ("Authorization", BEARER)
    cookie = ("Cookie", "SESSIONID=%s" % SESSION)
    send(0, "api.acme.test", "GET", "/v1/config", [auth, cookie], name="config",
         what="`Authorization: Bearer ...`, `Cookie: SESSIONID=...`",
         expect="none (a credential returned to its issuer before consent is no pre_consent)" if tls else
         "cleartext_credential for api.acme.test (frames 4, 12, 36, 44), nothing else")
    send(2, "api.acme.test", "GET", "/privacy/policy.html", [auth], name="policy",
         what="`Authorization: Bearer ...` only: the app fetches the privacy policy",
         expect="none" if tls else "none but its place in the cleartext_credential of frame 4")
    send(4, "sdk.open.phone.igexin.com", "POST", "/api/register.do", body=j({"device_token": PUSH_TOKEN}),
         name="push_register",
         expect="pre_consent_contact for the flow (a third party before consent); the token goes back to Getui, its "
         "issuer: no pre_consent" + ("" if tls else "; cleartext_credential for this host (frames 20, 68)"))
    if not tls:
        g.http(6, "api.acme.test", "PUT", "/v1/upload/avatar.jpg", [("Authorization", AWS_AUTH)],
               body=prng("avatar", 64), ctype="application/octet-stream", name="upload",
               what="`Authorization: AWS4-HMAC-SHA256 ...`: a request signature, not a credential",
               expect="none")
    send(10, "api.acme.test", "POST", "/v1/privacy/agree", [auth], body=j({"agree": True}), name="agree",
         expect="the consent event; the token is one more request of the cleartext_credential" if not tls else
         "the consent event")
    send(12, "api.acme.test", "GET", "/v1/home?uid=%s" % UID, [auth], name="home",
         what="`uid=42` (an issued user id) and the bearer token",
         expect="none: the user id goes back to the first party that issued it" +
         ("" if tls else "; the token is in the cleartext_credential"))
    send(14, "api.acme-read.test", "POST", "/v1/sync", body=j({"uid": UID}), name="sync",
         expect="undisclosed_recipient (account.username: the first party's user id at another organization)" +
         ("" if tls else "; cleartext_pi (account.username)"))
    send(16, "ads.tracker.test", "GET", "/collect?push_token=%s&ev=open" % PUSH_TOKEN, name="tracker",
         what="`push_token`: Getui's token, now at a tracker",
         expect="undisclosed_recipient (account.token)" +
         ("" if tls else "; cleartext_pi (account.token); cleartext_credential for this host (frame 60)"))
    if not tls:
        g.http(18, "sdk.open.phone.igexin.com", "POST", "/api/heartbeat.do", body=j({"device_token": PUSH_TOKEN}),
               name="push_heartbeat",
               expect="none: the token goes back to Getui again (the second request of frame 20's "
               "cleartext_credential)")
    return g


# ---------------------------------------------------------------------------
# the device under test


def dhcp_discover(mac_hex):
    """BOOTP request (RFC 2131) with DHCP message type DISCOVER."""
    mac = bytes.fromhex(mac_hex)
    return (struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, seed_int("dhcp-xid"), 0, 0x8000, bytes(4), bytes(4),
                        bytes(4), bytes(4)) + mac + bytes(10) + bytes(64) + bytes(128)
            + b"\x63\x82\x53\x63" + b"\x35\x01\x01" + b"\x3d\x07\x01" + mac + b"\xff")


def netbios_query(name):
    """NetBIOS name service query (RFC 1002), broadcast flag set."""
    padded = name.upper().ljust(15)[:15] + "\x00"
    encoded = "".join(chr(0x41 + (ord(c) >> 4)) + chr(0x41 + (ord(c) & 15)) for c in padded).encode()
    return struct.pack("!HHHHHH", seed_int("nbns-id") & 0xFFFF, 0x0110, 1, 0, 0, 0) + b"\x20" + encoded + b"\x00" + \
        struct.pack("!HH", 0x20, 1)


def lan():
    g = Gen("lan.pcap", "A Wi-Fi capture of a LAN: the phone under test (%s and %s, both behind Ethernet address %s), "
            "a laptop (%s, 02:00:00:00:00:50) doing its own HTTP with personal data, a DHCP discovery, a NetBIOS "
            "broadcast, mDNS, and a connection attempt to a link-local printer.  Judged against `lan.yaml` (no "
            "consent rules: everything is before consent)."
            % (DEVICE4, DEVICE6, DEVICE_MAC, OTHER))
    g.datagram(0, "0.0.0.0", 68, "255.255.255.255", 67, dhcp_discover(MAC[OTHER]),
               "DHCP DISCOVER from the laptop (no address yet)", "never judged (no client address)",
               src_mac=MAC[OTHER])
    g.datagram(1, OTHER, 137, "192.168.1.255", 137, netbios_query("WORKGROUP"),
               "NetBIOS name query for WORKGROUP (subnet broadcast)", "never judged (broadcast)")
    g.datagram(2, DEVICE4, 5353, "224.0.0.251", 5353, dns_query(0, "_googlecast._tcp.local", 12),
               "mDNS PTR query from the phone", "never judged (multicast)")
    g.dns(3, "api.acme.test", client=DEVICE4, resolver=ROUTER)
    g.http(4, "api.acme.test", "POST", "/v1/profile", body=j({"email": EMAIL}), client=DEVICE4, name="dev_profile",
           expect="the phone: pre_consent (contact.email); cleartext_pi")
    g.http(6, "ads.tracker.test", "GET", "/pixel?lat=31.230416&lng=121.473701", client=DEVICE6, server=TRACKER6,
           name="dev_pixel",
           expect="the phone over IPv6: pre_consent_contact (flow); pre_consent, undisclosed_recipient, sensitive_pi "
           "(location.precise); cleartext_pi")
    g.http(8, "log.umeng.com", "POST", "/app_logs", body=j({"oaid": OAID, "imei": IMEI}), client=OTHER,
           name="other_umeng",
           expect="the laptop: judged only with `--device %s`: pre_consent_contact (flow), pre_consent (device.imei, "
           "device.oaid), undisclosed_category (device.imei), cleartext_pi" % OTHER)
    g.http(10, "api.acme.test", "POST", "/v1/login", body=j({"phone": PHONE}), client=OTHER, name="other_login",
           expect="the laptop: judged only with `--device %s`: pre_consent (contact.phone), cleartext_pi" % OTHER)
    g.dns(12, "log.umeng.com", client=DEVICE4, resolver=ROUTER)
    g.http(13, "log.umeng.com", "POST", "/app_logs", body=j({"oaid": OAID}), client=DEVICE4, name="dev_umeng",
           expect="the phone: pre_consent_contact (flow), pre_consent (device.oaid), cleartext_pi")
    g.syn(15, DEVICE4, "169.254.10.20", 631, "IPP to a printer's link-local address", "never judged (link-local)")
    return g


def sll():
    g = Gen("sll-two-addresses.pcap", "Linux cooked capture (LINKTYPE_LINUX_SLL) taken on the device itself: its "
            "Wi-Fi address %s and its VPN tunnel %s both send personal data; no Ethernet addresses, so every local "
            "client address is the device's.  No profile." % (SLL_WLAN, SLL_TUN), linktype=LINKTYPE_LINUX_SLL)
    g.dns(0, "api.acme.test", client=SLL_WLAN)
    g.http(1, "api.acme.test", "POST", "/v1/profile", body=j({"email": EMAIL}), client=SLL_WLAN, name="wlan",
           expect="cleartext_pi (contact.email)")
    g.http(3, "ads.tracker.test", "GET", "/pixel?lat=31.230416&lng=121.473701", client=SLL_TUN, name="tun",
           expect="sensitive_pi, cleartext_pi (location.precise)")
    return g


# ---------------------------------------------------------------------------
# key sense


def keysense_body(req_sec):
    t = T0 + req_sec - 4
    return {
        "display_cids": [19944365299],          # a campaign id shaped like a Chinese mobile number
        "sid": (t * 1000),                      # session start in ms, 4 s before the request
        "ts": t,                                # 10-digit epoch seconds
        "aidm": hashlib.md5(ANDROID_ID.encode()).hexdigest(),
        "imei_md5": hashlib.md5(IMEI.encode()).hexdigest(),
        "deviceName": "androidmobile",
        "device_name": "Phone",
        "events": [{"name": "Jasmine", "ts": t}],   # an event named like a person
        "product": {"name": "Lily Bag"},            # a product named like a person
        "level": "advanced",                        # a game level, not a language level
        "voice_gender": "female",                   # the voice of the app's speech, not the user's gender
        "user": {"name": "Jasmine Chen", "gender": "female"},
        "birthday": T0 - 2 * 365 * 86400,           # a birth date 2 years ago: epoch-shaped, still a birth date
        "user_data": {"em": hashlib.sha256(KS_EMAIL.lower().encode()).hexdigest()},
    }


def keysense():
    g = Gen("keysense.pcap", "One request whose keys decide what its values are (signatures/normalise.yaml), "
            "judged without a profile and with `keysense.yaml` (canary contact.email `%s`)." % KS_EMAIL)
    g.http(10, "api.acme.test", "POST", "/v1/game/progress", body=j(keysense_body(10)), name="progress",
           what="see `keysense_body()` in tests/gen/gen_findings.py",
           expect="classified: body.aidm (device.android_id, md5), body.imei_md5 (device.imei, md5), "
           "body.user.name (identity.name), body.user.gender (identity.gender), body.birthday (identity.birthdate), "
           "body.user_data.em (contact.email, sha256; with the profile the canary in form sha256(lowercase)); "
           "every other field none")
    return g


# ---------------------------------------------------------------------------
# issue 19: necessity and mandatory steps


def newuser(marks=False):
    name = "newuser-marks.pcapng" if marks else "newuser.pcap"
    g = Gen(name, "The new-user flow of the court case: consent first, then questionnaires and a name form with no "
            "way out, then the home screen.%s" % (
                " The same traffic as `newuser.pcap`, as a pcapng whose Interface Statistics Blocks carry the marks "
                "`privaudit:mandatory_start` and `privaudit:mandatory_end`, as `privaudit capture` writes them "
                "(keys m and h).  Judged against `mandatory.yaml`." if marks else
                " Judged against `mandatory.yaml` with the window from the command line, or against "
                "`mandatory-rules.yaml` (start rule on `GET /v1/onboarding/questions`, end rule on "
                "`GET /v1/home/lessons`), or `mandatory-end-only.yaml` (the end rule alone)."),
            fmt="pcapng" if marks else "pcap")
    forced = "forced_collection (%s); cleartext_pi"
    g.http(0, "api.acme.test", "GET", "/v1/app/config?platform=android", name="config", expect="none")
    g.http(2, "api.acme.test", "POST", "/v1/privacy/agree", body=j({"agree": True}), name="agree",
           expect="the consent event; bundled_consent sits at this frame")
    if marks:
        g.mark(4.5, "mandatory_start", "the window opens (source capture)")
    g.http(5, "api.acme.test", "GET", "/v1/onboarding/questions", name="questions",
           expect="none (the start rule matches here)")
    g.http(6, "api.acme.test", "POST", "/v1/onboarding/occupation", body=j({"occupation": "teacher"}),
           name="occupation", expect=forced % "profile.occupation")
    g.http(7, "api.acme.test", "POST", "/v1/auth/sms", body=j({"phone": PHONE}), name="sms",
           expect="cleartext_pi only: contact.phone is necessary (SMS login)")
    g.http(8, "api.acme.test", "POST", "/v1/onboarding/purpose", body=j({"learning_purpose": "IELTS exam"}),
           name="purpose", expect=forced % "profile.learning_goal")
    g.http(10, "log.umeng.com", "POST", "/app_logs", body=j({"oaid": OAID, "imei": IMEI}), name="umeng",
           expect="an SDK inside the window: undisclosed_category (device.imei); cleartext_pi; no forced_collection")
    g.http(12, "api.acme.test", "POST", "/v1/onboarding/level", body=j({"english_level": "CET-4"}), name="level",
           expect=forced % "profile.language_level")
    g.http(14, "api.acme.test", "POST", "/v1/user/name", body=j({"name": NAME, "phone": PHONE}), name="name",
           expect="forced_collection (identity.name; not the necessary phone); cleartext_pi")
    g.http(16, "api.acme-read.test", "POST", "/v1/sync", body=j({"email": EMAIL}), name="sync",
           expect="an affiliate inside the window: undisclosed_recipient, cleartext_pi, forced_collection "
           "(contact.email)")
    if marks:
        g.mark(19, "mandatory_end", "the window closes (source capture)")
    g.http(20, "api.acme.test", "GET", "/v1/home/lessons?level=B1", name="home",
           expect="cleartext_pi (profile.language_level); outside the window (the end rule matches here)")
    g.http(22, "api.acme.test", "POST", "/v1/settings/profile", body=j({"occupation": "engineer"}), name="settings",
           expect="cleartext_pi only: the user edits the profile in the settings, outside any window")
    return g


def olduser():
    g = Gen("olduser.pcap", "The old-user flow: the forced screens come before any consent; the consent comes after "
            "the home screen.  Judged against `mandatory-end-only.yaml` (the home screen's end rule alone marks "
            "a window from the start of the run).")
    g.http(0, "api.acme.test", "GET", "/v1/app/config?platform=android", name="config", expect="none")
    g.http(4, "api.acme.test", "POST", "/v1/onboarding/occupation", body=j({"occupation": "teacher", "phone": PHONE}),
           name="occupation", expect="pre_consent (contact.phone, profile.occupation); cleartext_pi; "
           "forced_collection (profile.occupation)")
    g.http(6, "api.acme.test", "POST", "/v1/user/name", body=j({"name": NAME}), name="name",
           expect="pre_consent, cleartext_pi, forced_collection (identity.name)")
    g.http(10, "api.acme.test", "GET", "/v1/home/lessons?level=B1", name="home",
           expect="pre_consent, cleartext_pi (profile.language_level); the end rule: outside the window")
    g.http(12, "api.acme.test", "POST", "/v1/privacy/agree", body=j({"agree": True}), name="agree",
           expect="the consent event, after the window: no bundled_consent")
    g.http(14, "api.acme.test", "POST", "/v1/settings/profile", body=j({"english_level": "CET-4"}), name="settings",
           expect="cleartext_pi only")
    return g


def declinable():
    g = Gen("declinable.pcap", "A questionnaire the user could skip: the window of `mandatory-rules.yaml` opens "
            "at `GET /v1/onboarding/questions` and closes at `POST /v1/onboarding/skip`; what the user then gives "
            "in the settings is outside any window.")
    g.http(0, "api.acme.test", "POST", "/v1/privacy/agree", body=j({"agree": True}), name="agree",
           expect="the consent event; no bundled_consent (what follows it is not forced)")
    g.http(2, "api.acme.test", "GET", "/v1/onboarding/questions", name="questions", expect="none; the window opens")
    g.http(3, "api.acme.test", "POST", "/v1/onboarding/skip", body=j({"skip": True}), name="skip",
           expect="none; the window closes (end rule questionnaire-skip)")
    g.http(5, "api.acme.test", "GET", "/v1/home/lessons", name="home",
           expect="none; an end with no window open changes nothing")
    g.http(8, "api.acme.test", "POST", "/v1/settings/profile",
           body=j({"occupation": "teacher", "english_level": "CET-4"}), name="settings",
           expect="cleartext_pi only")
    return g


def login_first():
    g = Gen("login-first.pcap", "Consent, then an SMS login (only the necessary phone number), then the forced "
            "questionnaire.  Judged against `mandatory-rules.yaml`.")
    g.http(0, "api.acme.test", "POST", "/v1/privacy/agree", body=j({"agree": True}), name="agree",
           expect="the consent event: bundled_consent expected (see the TODO case in tests/e2e/test_findings.py)")
    g.http(2, "api.acme.test", "POST", "/v1/auth/sms", body=j({"phone": PHONE}), name="sms",
           expect="cleartext_pi only (necessary)")
    g.http(4, "api.acme.test", "GET", "/v1/onboarding/questions", name="questions", expect="none; the window opens")
    g.http(5, "api.acme.test", "POST", "/v1/onboarding/occupation", body=j({"occupation": "teacher"}),
           name="occupation", expect="forced_collection (profile.occupation); cleartext_pi")
    g.http(8, "api.acme.test", "GET", "/v1/home/lessons", name="home", expect="none; the window closes")
    return g


def pages():
    g = Gen("pages.pcap", "A questionnaire of two pages, each fetching its questions: the start rule of "
            "`mandatory-rules.yaml` matches both `GET /v1/onboarding/questions?page=N` (the query is not part of the "
            "path), so the second start falls inside the open window and changes nothing.")
    g.http(0, "api.acme.test", "POST", "/v1/privacy/agree", body=j({"agree": True}), name="agree",
           expect="the consent event; bundled_consent listing both answers (see the TODO case)")
    g.http(2, "api.acme.test", "GET", "/v1/onboarding/questions?page=1", name="page1", expect="none; the window opens")
    g.http(3, "api.acme.test", "POST", "/v1/onboarding/occupation", body=j({"occupation": "teacher"}),
           name="occupation", expect="forced_collection (profile.occupation); cleartext_pi")
    g.http(4, "api.acme.test", "GET", "/v1/onboarding/questions?page=2", name="page2",
           expect="none; a second start inside the window")
    g.http(5, "api.acme.test", "POST", "/v1/onboarding/purpose", body=j({"learning_purpose": "IELTS exam"}),
           name="purpose", expect="forced_collection (profile.learning_goal); cleartext_pi")
    g.http(8, "api.acme.test", "GET", "/v1/home/lessons", name="home", expect="none; the window closes")
    return g


def all_gens():
    return [credentials(), credentials(tls=True), lan(), sll(), keysense(), newuser(), newuser(marks=True),
            olduser(), declinable(), login_first(), pages()]


README_HEAD = """# Findings test captures

GENERATED by `tests/gen/gen_findings.py` (`/usr/bin/python3 tests/gen/gen_findings.py`, also run by
`tests/gen/make-captures.sh`) — do not edit by hand; the profiles (`*.yaml`) are hand-written.
`tests/e2e/test_findings.py` audits these captures and checks every finding; `docs/profiles.md` describes
the rules (credentials and issued values, the device under test, necessity and mandatory steps, legal basis).

Timestamps from 2024-05-01T10:00:00Z, client 10.0.3.15 unless a row says otherwise.  Each plain HTTP exchange
is its own connection of 8 frames (handshake, request in one segment, 200 response, FIN teardown), so the
request is its 4th frame; a TLS 1.3 exchange (ClientHello, ServerHello + ChangeCipherSpec + an encrypted
handshake record, the client's ChangeCipherSpec + Finished, one application-data record each way, teardown)
is 11 frames, its request the 7th.  The TLS captures carry their key log (CLIENT_TRAFFIC_SECRET_0 and
SERVER_TRAFFIC_SECRET_0 only) in a Decryption Secrets Block; the encrypted handshake records are opaque bytes
privaudit cannot open and skips.

| host | address | relation in the profiles |
|---|---|---|
| `api.acme.test` | 203.0.113.80 | first party (acme.test) |
| `api.acme-read.test` | 198.51.100.45 | affiliate (acme-read.test), not disclosed |
| `log.umeng.com` | 203.0.113.10 | third party (Umeng, parent Alibaba), disclosed for device.oaid and device.android_id |
| `sdk.open.phone.igexin.com` | 198.51.100.20 | third party (Getui, from signatures/organizations), disclosed for device.* in `credentials.yaml` |
| `ads.tracker.test` | 192.0.2.66 (2001:db8:ad::66 in `lan.pcap`) | unknown (in no list) |

Profiles:

- `credentials.yaml`: first party acme.test, affiliate acme-read.test, Getui disclosed for `device.*`;
  consent rule `privacy-agree`.
- `lan.yaml`: first party acme.test, Umeng disclosed for device.oaid; no consent rules.
- `keysense.yaml`: first party acme.test; canary contact.email `Lily.Chen@Example.com`.
- `mandatory.yaml`: first party acme.test, affiliate acme-read.test, Umeng disclosed for device.oaid and
  device.android_id; consent rule `privacy-agree`; `necessary`: contact.phone (SMS login), account.password
  (password login); `necessary_before_consent`: account.password.  No mandatory rules: the windows come from
  the command line or the capture.
- `mandatory-rules.yaml`: `mandatory.yaml` plus the rules `questionnaire-start` (mandatory_start, GET
  api.acme.test /v1/onboarding/questions), `questionnaire-skip` (mandatory_end, POST /v1/onboarding/skip) and
  `home` (mandatory_end, GET /v1/home/lessons).
- `mandatory-end-only.yaml`: `mandatory.yaml` plus the rule `home` alone.

"""


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", "test", "findings")
    os.makedirs(outdir, exist_ok=True)
    gens = all_gens()
    for g in gens:
        g.write(outdir)
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as f:
        f.write(README_HEAD + "\n".join(g.readme() for g in gens))
    print("gen_findings: wrote %d captures and README.md under %s" % (len(gens), os.path.normpath(outdir)))


if __name__ == "__main__":
    main()
