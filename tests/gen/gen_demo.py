"""Generator for privaudit's first DEMO capture, the old-user flow
(captures/demo/old-user/; the new-user flow is gen_demo_new_user.py, which
reuses the building blocks here).

usage: gen_demo.py [--verify] [OUTDIR]      (OUTDIR default: <repo>/captures/demo/old-user)

Writes OUTDIR/lingoup-first-login.pcap and OUTDIR/README.md (the README's tables
are computed from the same bookkeeping that built the packets, so frame numbers
always match).  captures/demo/old-user/lingoup.yaml, the app profile, is
hand-written and not touched here.  With --verify the written capture is cross-checked with
tshark (request frames, hosts, URIs, SNIs, DNS answers, decompressed gzip
bodies) and with an independent scapy reassembly (every body parses, every
gzip body decodes, canaries are where the README says they are).

The scenario reproduces a 2023 Chinese court case about an English-learning
app whose first-login screens forced users to enter name, occupation, learning
purpose and English level (no skip button, no consent prompt) and which shared
data with affiliated apps.  Every byte is deterministic: fixed timestamps
(2024-03-12T08:00:00Z onwards), fixed ports, ISNs derived from SHA-256 of fixed
seeds, gzip with mtime 0.  Only private / documentation addresses are used.
"""

import calendar
import gzip
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pcapgen import (  # noqa: E402
    Capture, TCPConn, UDPFlow, dns_name, dns_query, tls_client_hello, prng, opaque,
    pcap_bytes, LINKTYPE_ETHERNET,
)

TOP = os.path.dirname(os.path.dirname(HERE))
PCAP_NAME = "lingoup-first-login.pcap"

# ----------------------------------------------------------------------------
# addresses, identities, canaries

T0 = calendar.timegm((2024, 3, 12, 8, 0, 0))          # 1710230400
T0_NS = T0 * 10**9

CLIENT = "10.0.2.15"          # Android emulator guest address
DNS_SERVER = "10.0.2.3"       # emulator's DNS forwarder
MAC_CLIENT = bytes.fromhex("525400123456")   # emulator guest NIC
MAC_GW = bytes.fromhex("525400123502")       # emulator virtual router

HOSTS = {
    "log.umeng.com": "203.0.113.10",
    "sdk.push.example": "198.51.100.20",
    "api.lingoup.cn": "203.0.113.80",
    "api.lingoread.cn": "198.51.100.45",
    "ads.tracker.example": "192.0.2.66",
}
# one-way-ish delay between a client packet and the server's answer
RTT_NS = {
    DNS_SERVER: 9_000_000,
    "203.0.113.10": 31_000_000,
    "198.51.100.20": 46_000_000,
    "203.0.113.80": 27_000_000,
    "198.51.100.45": 29_000_000,
    "192.0.2.66": 58_000_000,
}
LOCAL_NS = 180_000           # client-side gap between consecutive client packets
DNS_TTL = 30

IMEI = "864512034567891"      # Luhn-valid
OAID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
ANDROID_ID = "b9e28776354d259e"
DEV_MAC = "02:00:00:44:55:66"
UMENG_APPKEY = "5f1a2b3c4d5e6f7a8b9c0d1e"
NAME = "张三"
PHONE = "13812345678"
UID = "10086"
LAT, LNG = "31.230416", "121.473701"

UA_OKHTTP = "okhttp/4.9.3"
UA_DALVIK = "Dalvik/2.1.0 (Linux; U; Android 11; Pixel 4 Build/RQ3A.211001.001)"
CT_JSON = "application/json; charset=utf-8"
CT_FORM = "application/x-www-form-urlencoded"


def jdump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seed_int(seed, bits=32):
    return int.from_bytes(prng(seed, bits // 8), "big")


# ----------------------------------------------------------------------------
# capture with emulator MACs and RTT-based timestamps


class DemoCapture(Capture):
    """Capture whose frames use the emulator's MAC addresses and whose
    timestamps follow a simple model: a server packet answering a client
    packet arrives RTT later; any other packet follows the previous one after
    LOCAL_NS.  at(seconds) moves the clock forward to start a new scene."""

    def __init__(self, name=PCAP_NAME, t0_ns=T0_NS):
        super().__init__(name, LINKTYPE_ETHERNET, "pcap", nano=False,
                         t0_ns=t0_ns, step_ns=0)
        self.t0_ns = t0_ns
        self.last_ts = None
        self.last_out = True
        self.jump = t0_ns

    def at(self, sec):
        ns = self.t0_ns + int(round(sec * 1e9))
        assert self.last_ts is None or ns > self.last_ts, (sec, self.last_ts)
        self.jump = ns

    def add_l3(self, l3, outgoing=True, flow=None, summary="", note=""):
        if self.jump is not None:
            ts = self.jump
            self.jump = None
        elif self.last_out and not outgoing:
            peer = flow["server"][0] if flow else DNS_SERVER
            ts = self.last_ts + RTT_NS[peer]
        else:
            ts = self.last_ts + LOCAL_NS
        self.t_ns = ts
        self.last_ts = ts
        self.last_out = outgoing
        dst, src = (MAC_GW, MAC_CLIENT) if outgoing else (MAC_CLIENT, MAC_GW)
        et = 0x86DD if (l3[0] >> 4) == 6 else 0x0800
        data = dst + src + struct.pack("!H", et) + l3
        return self._add(data, l3=l3, flow=flow, outgoing=outgoing, summary=summary, note=note)

    def file_bytes(self):
        return pcap_bytes(self.linktype, self.frames, nano=False, snaplen=262144)


def http_date(ts_ns):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(ts_ns // 10**9))


# ----------------------------------------------------------------------------
# DNS


DNS_LOOKUPS = []   # dicts for the README


def dns_response(ident, name, addr, ttl):
    q = dns_name(name) + struct.pack("!HH", 1, 1)
    ans = struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + bytes(int(x) for x in addr.split("."))
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + q + ans


def dns_lookup(cap, host, sport, why):
    addr = HOSTS[host]
    ident = seed_int("dns-id-%s-%d" % (host, sport), 16)
    fl = UDPFlow(cap, CLIENT, sport, DNS_SERVER, 53, host=host, host_src="DNS query name")
    fq = fl.send("c", dns_query(ident, host, 1))
    fr = fl.send("s", dns_response(ident, host, addr, DNS_TTL))
    DNS_LOOKUPS.append({"query": fq, "response": fr, "host": host, "addr": addr,
                        "sport": sport, "id": ident, "why": why})


# ----------------------------------------------------------------------------
# HTTP/1.1 over TCP

REQUESTS = []      # dicts for the README and --verify


def tcp_conn(cap, host, cport, sport=80, note=""):
    sip = HOSTS[host]
    return TCPConn(cap, CLIENT, cport, sip, sport,
                   seed_int("isn-c-%s-%d" % (host, cport)),
                   seed_int("isn-s-%s-%d" % (host, cport)),
                   host=host, host_src="HTTP Host" if sport == 80 else "TLS SNI",
                   flow_note=note)


def build_request(method, uri, host, headers, body=b""):
    """okhttp's wire order: caller's headers (Content-Type, Content-Encoding),
    Content-Length, Host, Connection, Accept-Encoding, User-Agent."""
    ua = dict(headers).pop("User-Agent", UA_OKHTTP)
    hl = [(k, v) for k, v in headers if k != "User-Agent"]
    if body or method in ("POST", "PUT"):
        hl.append(("Content-Length", str(len(body))))
    hl += [("Host", host), ("Connection", "Keep-Alive"), ("Accept-Encoding", "gzip"),
           ("User-Agent", ua)]
    head = "%s %s HTTP/1.1\r\n" % (method, uri) + "".join("%s: %s\r\n" % kv for kv in hl) + "\r\n"
    return head.encode("ascii"), body, hl


def exchange(cap, c, method, uri, headers=(), body=b"", plain=None, resp_body=b'{"code":0,"msg":"ok"}',
             split=False, **meta):
    """One request/response on an established connection.  plain: the
    decoded body (for gzip requests).  meta: README facts."""
    host = c.flow["host"]
    head, body, hl = build_request(method, uri, host, headers, body)
    data = head + body
    sizes = [len(head), len(body)] if split else None
    st, en, frames = c.send("c", data, sizes)
    c.request(st, en, method, uri, host, hl, (), hdr_end=st + len(head),
              decoded_body=plain if plain is not None else body)
    # the server answers (its ACK is piggybacked on the response)
    date = http_date(cap.last_ts + RTT_NS[c.ep["s"][0]])
    rh = [("Server", "nginx"), ("Date", date), ("Content-Type", CT_JSON),
          ("Content-Length", str(len(resp_body))), ("Connection", "keep-alive")]
    rdata = ("HTTP/1.1 200 OK\r\n" + "".join("%s: %s\r\n" % kv for kv in rh) + "\r\n").encode() + resp_body
    rs, re_, rframes = c.send("s", rdata)
    c.pkt("c", "A")    # client ACKs the response
    carrying, done = c.coverage("c", st, en)
    entry = {"method": method, "uri": uri, "host": host, "ip": c.ep["s"][0], "split": split,
             "cport": c.ep["c"][1], "frames": carrying, "done": done,
             "resp_frame": rframes[-1], "headers": hl, "body": body,
             "plain": plain if plain is not None else body, "ts": cap.frames[done - 1]["ts_ns"],
             "resp_body": resp_body}
    entry.update(meta)
    REQUESTS.append(entry)
    return entry


# ----------------------------------------------------------------------------
# TLS 1.3 (handshake visible, everything else encrypted)

TLS_SESSIONS = []


def tls13_server_hello(seed):
    def ext(t, b):
        return struct.pack("!HH", t, len(b)) + b
    exts = ext(0x002B, b"\x03\x04") + ext(0x0033, struct.pack("!HH", 0x001D, 32) + prng(seed + "-skeyshare", 32))
    body = (b"\x03\x03" + prng(seed + "-srandom", 32) + b"\x20" + prng(seed + "-sid", 32)
            + b"\x13\x01" + b"\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


CCS = b"\x14\x03\x03\x00\x01\x01"


def app_data(seed, n):
    return b"\x17\x03\x03" + struct.pack("!H", n) + opaque(seed, n)


def tls_session(cap, host, cport, phase, expect):
    c = tcp_conn(cap, host, cport, 443)
    seed = "demo-tls-%s" % host
    c.handshake()
    ch = tls_client_hello(host, seed)
    _, _, chf = c.send("c", ch)
    # server flight: ServerHello, CCS, encrypted EE/Certificate/CertVerify/Finished
    c.send("s", tls13_server_hello(seed) + CCS + app_data(seed + "-s1", 1180))
    c.pkt("c", "A")
    # client: CCS, encrypted Finished, encrypted request
    c.send("c", CCS + app_data(seed + "-c1", 53) + app_data(seed + "-c2", 412))
    c.send("s", app_data(seed + "-s2", 331))
    c.pkt("c", "A")
    c.close("c")
    TLS_SESSIONS.append({"host": host, "ip": HOSTS[host], "cport": cport, "ch_frame": chf[0],
                         "frames": c.flow["frames"], "phase": phase, "expect": expect})
    return c


# ----------------------------------------------------------------------------
# the story


def umeng_body(header, body):
    plain = jdump({"header": header, "body": body})
    return plain, gzip.compress(plain, compresslevel=6, mtime=0)


UMENG_HDRS = [("Content-Type", CT_JSON), ("Content-Encoding", "gzip"), ("User-Agent", UA_DALVIK)]
UMENG_RESP = b'{"success":"ok"}'


def build():
    cap = DemoCapture()
    DNS_LOOKUPS.clear()
    REQUESTS.clear()
    TLS_SESSIONS.clear()
    consent = {}

    # --- scene 1: app start (08:00:00), analytics SDK, before any consent ---
    cap.at(0.0)
    dns_lookup(cap, "log.umeng.com", 40211, "Umeng SDK init (app start)")
    cap.at(3.412)
    c = tcp_conn(cap, "log.umeng.com", 43872)
    c.handshake()
    plain, gz = umeng_body(
        {"appkey": UMENG_APPKEY, "device_id": ANDROID_ID, "imei": IMEI, "oaid": OAID,
         "android_id": ANDROID_ID, "mac": DEV_MAC, "device_model": "Pixel 4", "os_version": "11"},
        {"launch": [{"session_id": prng("demo-umeng-session", 16).hex().upper(),
                     "date": "2024-03-12", "time": "08:00:03"}]})
    exchange(cap, c, "POST", "/app_logs", UMENG_HDRS, gz, plain=plain, resp_body=UMENG_RESP,
             phase="before consent",
             data="device.imei (`imei`), device.oaid (`oaid`), device.android_id (`android_id`, and "
                  "again as Umeng's `device_id`), device.mac (`mac`), device.model (`device_model`; `os_version` is not a "
                  "category). gzip-compressed JSON.",
             findings="**pre_consent** (device.imei, device.oaid, device.android_id, "
                      "device.mac, device.model); **undisclosed_category** (device.imei, "
                      "device.mac, device.model — Umeng is disclosed only for device.oaid and "
                      "device.android_id; the launch log's `session_id` numbers an analytics session, it "
                      "is not a credential); **cleartext_pi**")
    c.close("c")

    # --- scene 2: push SDK connects over TLS, before consent ---
    cap.at(4.105)
    dns_lookup(cap, "sdk.push.example", 40212, "push SDK init")
    tls_session(cap, "sdk.push.example", 43874, "before consent",
                "**pre_consent_contact** (disclosed recipient Example Push, but contacted before "
                "consent; payload encrypted, so no category can be seen)")

    # --- scene 3: first-login screens (no skip, no consent prompt) ---
    cap.at(24.730)
    dns_lookup(cap, "api.lingoup.cn", 40213, "first-login screen")
    api = tcp_conn(cap, "api.lingoup.cn", 43880,
                   note="keep-alive: profile, survey, privacy/agree and lessons on one connection")
    api.handshake()
    prof = jdump({"name": NAME, "occupation": "teacher", "learning_purpose": "IELTS exam",
                  "english_level": "CET-4", "phone": PHONE})
    exchange(cap, api, "POST", "/v1/onboarding/profile", [("Content-Type", CT_JSON)], prof, split=True,
             phase="before consent",
             data="identity.name (`name` 张三), profile.occupation (`occupation`), "
                  "profile.learning_goal (`learning_purpose`), profile.language_level "
                  "(`english_level`), contact.phone (`phone`). Headers and body in two TCP segments.",
             findings="**pre_consent** (identity.name, profile.occupation, profile.learning_goal, "
                      "profile.language_level, contact.phone); **cleartext_pi**; **forced_collection** "
                      "(identity.name, profile.occupation, profile.learning_goal, profile.language_level — "
                      "a mandatory first-login screen with no skip: the window runs from the start of the run to "
                      "the home screen's first request; the phone is necessary for the SMS login)")
    cap.at(39.118)
    survey = b"study_goal=%E5%87%BA%E5%9B%BD%E7%95%99%E5%AD%A6&level=B1&age=16"
    exchange(cap, api, "POST", "/v1/onboarding/survey", [("Content-Type", CT_FORM)], survey,
             phase="before consent",
             data="profile.learning_goal (`study_goal` = 出国留学, \"study abroad\"), "
                  "profile.language_level (`level` B1), identity.age (`age` 16). Form-urlencoded.",
             findings="**pre_consent** (profile.learning_goal, profile.language_level, identity.age); "
                      "**cleartext_pi**; **forced_collection** (identity.age, profile.learning_goal, "
                      "profile.language_level — the survey is part of the same mandatory step). Age 16 is NOT "
                      "under 14, so no sensitive_pi (minor.age_under_14 does not apply): ordinary profile data only")

    # --- scene 4: the consent event ---
    cap.at(52.064)
    e = exchange(cap, api, "POST", "/v1/privacy/agree", [("Content-Type", CT_JSON)],
                 jdump({"agree": True, "policy_version": "2024.03"}),
                 resp_body=b'{"code":0,"msg":"ok","data":{"agreed":true}}',
                 phase="consent event",
                 data="none (`agree`: true, `policy_version`)",
                 findings="none — this is the **consent** event (rule `privacy-agree`); "
                          "everything after its frame is after consent")
    consent["agree"] = e

    # --- scene 5: after consent ---
    cap.at(52.911)
    exchange(cap, api, "GET", "/v1/lessons?uid=%s&level=B1" % UID, [],
             resp_body=b'{"code":0,"data":[{"id":101,"title":"Unit 1 Greetings"},'
                       b'{"id":102,"title":"Unit 2 Travel"}]}',
             phase="after consent",
             data="account.username (`uid` 10086, the user id the first party assigned: returned to it, "
                  "not a collection) and level B1, to the first party",
             findings="**cleartext_pi** (profile.language_level: the level B1 in the query, over plain "
                      "HTTP; the first party after consent is otherwise fine). The home screen's first request "
                      "ends the mandatory step (rule `home`): not forced, and the consent before it is not "
                      "bundled with the forced screens, which came before it")
    api.close("c")

    cap.at(53.640)
    dns_lookup(cap, "api.lingoread.cn", 40214, "affiliate sync")
    c = tcp_conn(cap, "api.lingoread.cn", 43886)
    c.handshake()
    exchange(cap, c, "POST", "/v1/sync", [("Content-Type", CT_JSON)],
             jdump({"uid": UID, "name": NAME, "phone": PHONE, "english_level": "CET-4",
                    "interests": ["travel", "movies"]}),
             resp_body=b'{"code":0,"msg":"synced"}',
             phase="after consent",
             data="identity.name (`name`), contact.phone (`phone`), profile.language_level "
                  "(`english_level`), profile.interests (`interests`), account.username (`uid`: the first "
                  "party's user id, now in another organization's hands)",
             findings="**undisclosed_recipient** (identity.name, contact.phone, account.username, "
                      "profile.language_level, profile.interests — affiliate LingoUp Reading, lingoread.cn: an "
                      "affiliate is a separate organization and the policy does not disclose it); "
                      "**cleartext_pi**")
    c.close("c")

    cap.at(55.207)
    dns_lookup(cap, "log.umeng.com", 40215, "analytics event (previous answer expired, TTL 30 s)")
    c = tcp_conn(cap, "log.umeng.com", 43890)
    c.handshake()
    plain, gz = umeng_body(
        {"appkey": UMENG_APPKEY, "oaid": OAID, "android_id": ANDROID_ID, "imei": IMEI},
        {"event": [{"id": "lesson_list_open", "ts": 1710230452911}]})
    exchange(cap, c, "POST", "/app_logs", UMENG_HDRS, gz, plain=plain, resp_body=UMENG_RESP,
             phase="after consent",
             data="device.oaid, device.android_id (both disclosed for Umeng), device.imei (NOT "
                  "disclosed for Umeng). gzip-compressed JSON.",
             findings="**undisclosed_category** (device.imei to Umeng); **cleartext_pi**")
    c.close("c")

    cap.at(56.480)
    dns_lookup(cap, "ads.tracker.example", 40216, "ad pixel")
    c = tcp_conn(cap, "ads.tracker.example", 43894)
    c.handshake()
    exchange(cap, c, "GET", "/pixel?imei=%s&lat=%s&lng=%s" % (IMEI, LAT, LNG),
             [("User-Agent", UA_DALVIK)], resp_body=b'{"ok":1}',
             phase="after consent",
             data="device.imei (`imei`), location.precise (`lat`/`lng`, 6 decimals, ~0.1 m)",
             findings="**undisclosed_recipient** (ads.tracker.example is in no list); "
                      "**sensitive_pi** (precise location); **cleartext_pi**")
    c.close("c")

    # --- scene 6: first party over TLS, after consent ---
    cap.at(58.302)
    dns_lookup(cap, "api.lingoup.cn", 40217, "first party over TLS (previous answer expired)")
    tls_session(cap, "api.lingoup.cn", 43898, "after consent",
                "none (first party, after consent; encrypted)")

    # --- scene 7: withdrawal, then data after withdrawal ---
    cap.at(130.455)
    dns_lookup(cap, "api.lingoup.cn", 40218, "privacy settings: withdraw consent")
    c = tcp_conn(cap, "api.lingoup.cn", 43904)
    c.handshake()
    e = exchange(cap, c, "POST", "/v1/privacy/revoke", [("Content-Type", CT_JSON)],
                 jdump({"revoke": True}), phase="withdrawal event", data="none",
                 findings="none — this is the **withdrawal** event (rule `privacy-revoke`); "
                          "everything after its frame is after withdrawal")
    consent["revoke"] = e
    c.close("c")

    cap.at(132.018)
    dns_lookup(cap, "log.umeng.com", 40219, "analytics after withdrawal")
    c = tcp_conn(cap, "log.umeng.com", 43910)
    c.handshake()
    plain, gz = umeng_body({"appkey": UMENG_APPKEY, "oaid": OAID},
                           {"event": [{"id": "app_background", "ts": 1710230532018}]})
    exchange(cap, c, "POST", "/app_logs", UMENG_HDRS, gz, plain=plain, resp_body=UMENG_RESP,
             phase="after withdrawal",
             data="device.oaid (`oaid`). gzip-compressed JSON.",
             findings="**after_withdrawal** (device.oaid to Umeng); **cleartext_pi**")
    c.close("c")
    return cap, consent


# ----------------------------------------------------------------------------
# README


def canary_requests(canaries=(PHONE, IMEI, NAME)):
    """{canary: [1-based request numbers whose URI or decoded body holds it]}"""
    where = {}
    for i, r in enumerate(REQUESTS, 1):
        blob = r["uri"].encode() + r["plain"]
        for can in canaries:
            if can.encode("utf-8") in blob:
                where.setdefault(can, []).append(i)
    return where


def fmt_ts(ns):
    s, us = divmod(ns // 1000, 10**6)
    return time.strftime("%H:%M:%S", time.gmtime(s)) + ".%06d" % us


def readme(cap, consent, size):
    L = []
    a = L.append
    nframes = len(cap.frames)
    a("# privaudit demo capture: LingoUp first login (old user)")
    a("")
    a("GENERATED by `tests/gen/make-demo.sh` (`tests/gen/gen_demo.py`) — do not edit by hand; "
      "`lingoup.yaml` (the app profile) is hand-written.")
    a("")
    a("`lingoup-first-login.pcap` (%d frames, %d bytes, classic pcap, microsecond timestamps, "
      "Ethernet) is the first of the two captures `scripts/quickstart.sh` audits, each in its own run "
      "with its own profile (the second, the new-user flow, is in `../new-user/`):" % (nframes, size))
    a("")
    a("    ./build/privaudit replay --profile captures/demo/old-user/lingoup.yaml --format text captures/demo/old-user/")
    a("")
    a("## The story")
    a("")
    a("It reproduces a real 2023 Chinese court case: an English-learning app whose first-login "
      "screens forced users to submit their name, occupation, learning purpose and English level — "
      "no skip button, no privacy-policy consent prompt — and which shared user data with affiliated "
      "apps. Here the app is the fictional **LingoUp** (`com.lingoup.app`, first party "
      "`lingoup.cn`); its affiliate is **LingoUp Reading** (`lingoread.cn`). The profile "
      "`lingoup.yaml` describes what the privacy policy discloses, what the basic service needs "
      "(`necessary`: the phone for the SMS login, the password) and where the mandatory first-login "
      "step ends: at the home screen's first request, `GET /v1/lessons` (rule `home`, kind "
      "`mandatory_end`; with no start rule the window runs from the start of the run).")
    a("")
    a("1. **App start, before any consent** (08:00:00–08:00:04): the Umeng analytics SDK resolves "
      "its host as the process starts (08:00:00), records the launch when the first screen appears "
      "(08:00:03) and uploads a gzip-compressed launch log with IMEI, OAID, ANDROID_ID and MAC; the "
      "push SDK opens a TLS connection to `sdk.push.example`.")
    a("2. **First-login screens, before consent** (08:00:24–08:00:39): the mandatory profile form "
      "(name 张三, occupation, learning purpose, English level CET-4, phone) and a survey "
      "(study goal 出国留学, level B1, age 16), with no way to skip them: a mandatory step.")
    a("3. **Consent** (08:00:52): the user finally sees the policy and taps *agree* — "
      "`POST /v1/privacy/agree` `{\"agree\":true,...}`, response 200.")
    a("4. **After consent** (08:00:52–08:00:58): lesson list (first party, fine); a sync of name, "
      "phone and level to the affiliate `api.lingoread.cn` (not disclosed); Umeng again, now also "
      "with the IMEI (not a disclosed category for Umeng); an ad pixel to `ads.tracker.example` "
      "(not disclosed) with IMEI and precise location; a TLS connection to `api.lingoup.cn`.")
    a("5. **Withdrawal** (08:02:10): `POST /v1/privacy/revoke`; 1.6 s later Umeng still receives "
      "the OAID.")
    a("")
    a("Everything that carries data is plaintext HTTP/1.1, so the audit needs no TLS keys. "
      "Consent frame: **%d** (request `POST /v1/privacy/agree` complete); withdrawal frame: "
      "**%d** (`POST /v1/privacy/revoke` complete)."
      % (consent["agree"]["done"], consent["revoke"]["done"]))
    a("")
    a("## Network")
    a("")
    a("Client 10.0.2.15 (Android emulator guest, MAC 52:54:00:12:34:56; router MAC "
      "52:54:00:12:35:02), DNS server 10.0.2.3. Servers (documentation ranges):")
    a("")
    a("| host | address | role in the profile |")
    a("|---|---|---|")
    roles = {"log.umeng.com": "disclosed: Umeng (umeng.com) for device.oaid, device.android_id",
             "sdk.push.example": "disclosed: Example Push (push.example) for device.*",
             "api.lingoup.cn": "first party (lingoup.cn)",
             "api.lingoread.cn": "affiliate LingoUp Reading (lingoread.cn) — not disclosed",
             "ads.tracker.example": "unknown third party — not disclosed"}
    for h, ip in HOSTS.items():
        a("| `%s` | %s | %s |" % (h, ip, roles[h]))
    a("")
    a("Every HTTP exchange: DNS A query/response for the host (TTL %d s, so later connections "
      "resolve again), 3-way handshake, request, 200 JSON response, client ACK, FIN/FIN/ACK "
      "teardown started by the client. **Keep-alive:** `api.lingoup.cn` requests 2–5 (profile, "
      "survey, privacy/agree, lessons) share ONE connection (client port 43880), so pre-consent and "
      "post-consent requests live in the same flow; the revoke uses a new connection. The "
      "profile request's header block and body are in two TCP segments (reassembly needed). "
      "App requests use `User-Agent: %s`; Umeng and the ad pixel use the Dalvik default `%s`. "
      "Header order is okhttp's: Content-Type, [Content-Encoding], Content-Length, Host, "
      "Connection: Keep-Alive, Accept-Encoding: gzip, User-Agent. JSON bodies are UTF-8 "
      "(张三 is raw UTF-8, not \\u-escaped)." % (DNS_TTL, UA_OKHTTP, UA_DALVIK))
    a("")
    a("## HTTP requests")
    a("")
    a("Category ids are those of `signatures/categories.yaml`. The app's user id `uid` (10086) is "
      "account.username, a value the first party issued: sent back to the first party it is not a "
      "collection, sent to anyone else it is (docs/profiles.md, \"Credentials and issued ids\").")
    a("")
    a("*Frame* = the frame that completes the request (what `tshark -o tcp.desegment_tcp_streams:TRUE "
      "-Y http.request` reports). Finding types: pre_consent, pre_consent_contact, "
      "undisclosed_recipient, undisclosed_category, sensitive_pi, cleartext_pi, cleartext_credential, "
      "after_withdrawal, forced_collection, bundled_consent.")
    a("")
    a("| # | frame | time (UTC) | phase | method | host | uri | personal data | findings an auditor should raise |")
    a("|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(REQUESTS, 1):
        fr = str(r["done"])
        if len(r["frames"]) > 1:
            fr += " (segments %s)" % ", ".join(str(x) for x in r["frames"])
        a("| %d | %s | %s | %s | %s | `%s` | `%s` | %s | %s |" % (
            i, fr, fmt_ts(r["ts"]), r["phase"], r["method"], r["host"], r["uri"],
            r["data"], r["findings"]))
    a("")
    a("Bodies as sent (Umeng bodies shown decompressed; on the wire they are gzip, "
      "`Content-Encoding: gzip`, mtime 0):")
    a("")
    for i, r in enumerate(REQUESTS, 1):
        if not r["plain"]:
            continue
        a("%d. `%s %s%s` (%d bytes on the wire):" % (i, r["method"], r["host"], r["uri"], len(r["body"])))
        a("")
        a("        " + r["plain"].decode("utf-8"))
        a("")
    w = canary_requests()
    a("Canaries (`lingoup.yaml`; request numbers as in the table): contact.phone %s in requests %s; "
      "device.imei %s in requests %s (inside gzip for Umeng, in the query string for the pixel); "
      "identity.name %s in requests %s." % (
          PHONE, ", ".join(map(str, w[PHONE])), IMEI, ", ".join(map(str, w[IMEI])),
          NAME, ", ".join(map(str, w[NAME]))))
    a("")
    a("## TLS connections (no data visible)")
    a("")
    a("TLS 1.3: ClientHello with SNI, ServerHello + ChangeCipherSpec + encrypted records, client "
      "ChangeCipherSpec + encrypted records; then FIN teardown.")
    a("")
    a("| SNI | server | client port | ClientHello frame | frames | phase | findings |")
    a("|---|---|---|---|---|---|---|")
    for t in TLS_SESSIONS:
        a("| `%s` | %s:443 | %d | %d | %d–%d | %s | %s |" % (
            t["host"], t["ip"], t["cport"], t["ch_frame"], t["frames"][0], t["frames"][-1],
            t["phase"], t["expect"]))
    a("")
    a("## DNS (10.0.2.15 → 10.0.2.3:53, A queries, one answer each, TTL %d s)" % DNS_TTL)
    a("")
    a("| query frame | response frame | time (UTC) | name | answer | client port | why |")
    a("|---|---|---|---|---|---|---|")
    for d in DNS_LOOKUPS:
        a("| %d | %d | %s | `%s` | %s | %d | %s |" % (
            d["query"], d["response"], fmt_ts(cap.frames[d["query"] - 1]["ts_ns"]), d["host"],
            d["addr"], d["sport"], d["why"]))
    a("")
    a("DNS queries themselves are not findings (they go to the local resolver); they let the "
      "auditor name each server address.")
    a("")
    a("## Flows (in order of first packet)")
    a("")
    a("| # | proto | client | server | host | frames | packets |")
    a("|---|---|---|---|---|---|---|")
    for i, fl in enumerate(cap.flows, 1):
        a("| %d | %s | %s:%d | %s:%d | `%s` | %d–%d | %d |" % (
            i, fl["proto"], fl["client"][0], fl["client"][1], fl["server"][0], fl["server"][1],
            fl["host"], fl["frames"][0], fl["frames"][-1], fl["packets"]))
    a("")
    a("## Regenerating and checking")
    a("")
    a("    tests/gen/make-demo.sh            # rewrites the pcap and this README (byte-identical)")
    a("    tests/gen/make-demo.sh --verify   # ... and cross-checks with tshark and scapy")
    a("    tshark -r captures/demo/old-user/lingoup-first-login.pcap -o tcp.desegment_tcp_streams:TRUE \\")
    a("        -Y http.request -T fields -e frame.number -e http.request.method -e http.host -e http.request.uri")
    a("")
    a("Timestamps start at 2024-03-12T08:00:00Z (epoch %d); within an exchange a server packet "
      "answering the client arrives one round trip later (9–58 ms depending on the server), other "
      "packets 0.18 ms apart. ISNs, DNS ids, TLS randoms and the Umeng session id come from "
      "SHA-256 of fixed seeds." % T0)
    a("")
    return "\n".join(L)


# ----------------------------------------------------------------------------
# verification


def verify(path, cap, t0=T0, canaries=None):
    """canaries: {value: [request numbers]} the scapy reassembly must find
    (default: the old-user flow's)."""
    import subprocess
    ok = True

    def check(cond, msg):
        nonlocal ok
        print(("ok    " if cond else "FAIL  ") + msg)
        ok = ok and cond

    def tshark(*args):
        return subprocess.run(["tshark", "-r", path, "-o", "tcp.desegment_tcp_streams:TRUE"] + list(args),
                              check=True, capture_output=True, text=True).stdout

    check(os.path.getsize(path) < 60 * 1024, "size %d < 60 KB" % os.path.getsize(path))
    n = len(tshark("-T", "fields", "-e", "frame.number").split())
    check(n == len(cap.frames), "tshark frame count %d == %d" % (n, len(cap.frames)))
    bad = tshark("-Y", "_ws.expert.severity >= warning || _ws.malformed || tcp.analysis.flags",
                 "-T", "fields", "-e", "frame.number").split()
    check(not bad, "no tshark warnings/malformed/tcp analysis flags (%s)" % ",".join(bad))
    bad = tshark("-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                 "-o", "ip.check_checksum:TRUE", "-Y",
                 "tcp.checksum.status == 0 || udp.checksum.status == 0 || ip.checksum.status == 0",
                 "-T", "fields", "-e", "frame.number").split()
    check(not bad, "all IP/TCP/UDP checksums good (%s)" % ",".join(bad))
    rows = [l.split("\t") for l in tshark("-Y", "http.request", "-T", "fields", "-e", "frame.number",
                                          "-e", "http.request.method", "-e", "http.host",
                                          "-e", "http.request.uri").splitlines()]
    want = [[str(r["done"]), r["method"], r["host"], r["uri"]] for r in REQUESTS]
    check(rows == want, "tshark http.request list == README table (%d requests)" % len(rows))
    if rows != want:
        for x in rows:
            print("      tshark:", x)
        for x in want:
            print("      want:  ", x)
    rows = tshark("-Y", "http.response", "-T", "fields", "-e", "frame.number", "-e",
                  "http.response.code").split("\n")
    want_r = ["%d\t200" % r["resp_frame"] for r in REQUESTS]
    check([x for x in rows if x] == want_r, "tshark http.response frames/codes")
    seg = tshark("-Y", "http.request", "-T", "fields",
                 "-e", "frame.number", "-e", "tcp.segment").split("\n")
    for prof in [r for r in REQUESTS if r["split"]]:
        check(any(l.startswith("%d\t" % prof["done"]) and l.split("\t")[1] == ",".join(map(str, prof["frames"]))
                  for l in seg), "%s request reassembled from frames %s" % (prof["uri"], prof["frames"]))
    # SNI
    sni = [l.split("\t") for l in tshark("-Y", "tls.handshake.type == 1", "-T", "fields", "-e",
                                         "frame.number", "-e", "tls.handshake.extensions_server_name").splitlines()]
    check(sni == [[str(t["ch_frame"]), t["host"]] for t in TLS_SESSIONS], "TLS ClientHello SNIs %s" % sni)
    # DNS
    dns = [l.split("\t") for l in tshark("-Y", "dns.flags.response == 1", "-T", "fields", "-e", "frame.number",
                                         "-e", "dns.qry.name", "-e", "dns.a", "-e", "dns.resp.ttl").splitlines()]
    check(dns == [[str(d["response"]), d["host"], d["addr"], str(DNS_TTL)] for d in DNS_LOOKUPS],
          "DNS answers (%d)" % len(dns))
    # every HTTP connection preceded by a DNS answer for its host
    ok_dns = True
    for r in REQUESTS:
        prior = [d for d in DNS_LOOKUPS if d["host"] == r["host"] and d["response"] < r["frames"][0]]
        ok_dns = ok_dns and bool(prior)
    check(ok_dns, "every HTTP request's host was resolved before it")
    # gzip bodies as tshark decodes them
    out = tshark("-Y", "http.content_encoding == \"gzip\" && http.request", "-T", "fields",
                 "-e", "frame.number", "-e", "http.file_data")
    got = {}
    for l in out.splitlines():
        f, _, d = l.partition("\t")
        got[int(f)] = d
    for r in REQUESTS:
        if r["plain"] is not r["body"] and r["plain"] != r["body"]:
            txt = got.get(r["done"], "")
            try:
                dec = bytes.fromhex(txt.replace(":", "")) if txt and all(
                    c in "0123456789abcdef:" for c in txt) else txt.encode("utf-8")
            except ValueError:
                dec = txt.encode("utf-8")
            check(dec == r["plain"], "tshark decompresses gzip body of frame %d" % r["done"])
    # independent reassembly with scapy
    check(scapy_check(path, canaries or {PHONE: [2, 6], IMEI: [1, 7, 8], NAME: [2, 6]}),
          "scapy reassembly: bodies parse, gzip decodes, canaries placed")
    # HTTP timestamps start at t0
    first = tshark("-c", "1", "-T", "fields", "-e", "frame.time_epoch").strip()
    check(first.startswith("%d.000000" % t0), "first frame at %s" % first)
    return ok


def scapy_check(path, canaries):
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import rdpcap, TCP, IP, Ether
    streams = {}
    for p in rdpcap(path):
        assert p.haslayer(Ether) and p[Ether].src in ("52:54:00:12:34:56", "52:54:00:12:35:02")
        if not p.haslayer(TCP) or p[IP].src != CLIENT:
            continue
        t = p[TCP]
        pl = bytes(t.payload)
        key = (p[IP].dst, t.sport)
        if t.flags & 0x02:
            streams[key] = {"isn": t.seq, "data": {}}
        elif pl:
            streams[key]["data"][(t.seq - streams[key]["isn"] - 1) & 0xFFFFFFFF] = pl
    msgs = []
    for key, st in streams.items():       # in SYN order
        buf = b""
        for off in sorted(st["data"]):
            assert off == len(buf)
            buf += st["data"][off]
        if buf.startswith(b"\x16"):      # TLS
            continue
        while buf:
            head, _, rest = buf.partition(b"\r\n\r\n")
            lines = head.decode("ascii").split("\r\n")
            h = dict(x.split(": ", 1) for x in lines[1:])
            n = int(h.get("Content-Length", "0"))
            body, buf = rest[:n], rest[n:]
            if h.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if "json" in h.get("Content-Type", ""):
                json.loads(body.decode("utf-8"))
            msgs.append((lines[0], h["Host"], body))
    want = [("%s %s HTTP/1.1" % (r["method"], r["uri"]), r["host"], r["plain"]) for r in REQUESTS]
    # streams are read one after the other, requests in capture order: the same multiset
    assert sorted(msgs) == sorted(want), (msgs, want)
    where = canary_requests(list(canaries))
    assert where == canaries, where
    return True


# ----------------------------------------------------------------------------


def main(argv):
    do_verify = False
    if argv and argv[0] == "--verify":
        do_verify = True
        argv = argv[1:]
    out = argv[0] if argv else os.path.join(TOP, "captures", "demo", "old-user")
    os.makedirs(out, exist_ok=True)
    cap, consent = build()
    data = cap.file_bytes()
    path = os.path.join(out, PCAP_NAME)
    with open(path, "wb") as f:
        f.write(data)
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme(cap, consent, len(data)))
    print("gen_demo: wrote %s (%d frames, %d bytes) and README.md" % (path, len(cap.frames), len(data)))
    if do_verify:
        if not verify(path, cap):
            print("gen_demo: verification FAILED")
            return 1
        print("gen_demo: verification passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
