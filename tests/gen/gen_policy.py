#!/usr/bin/env python3
"""gen_policy: the small captures of captures/test/policy/ that
tests/e2e/test_policy.py audits against the profiles next to them.

usage: /usr/bin/python3 tests/gen/gen_policy.py [OUTDIR]   (default captures/test/policy)

Writes the .pcap files and README.md (the profiles, *.yaml, are hand-written
and not touched).  Every byte is deterministic: timestamps are fixed (from
2024-05-01T10:00:00Z), ISNs and TLS randoms come from SHA-256 of fixed seeds.

Every HTTP exchange is its own TCP connection of 8 frames: SYN, SYN/ACK, ACK,
request (one segment), 200 response, FIN, FIN, ACK; so a request is the 4th
frame of its exchange.  A TLS connection is 8 frames (handshake, ClientHello with
SNI, ServerHello, teardown; no data visible); a DNS lookup is 2.  Frames within an exchange are 1 ms apart.
"""
import base64
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import (  # noqa: E402
    Capture, TCPConn, UDPFlow, dns_name, dns_query, http_request, http_response, prng,
    tls_client_hello, tls_server_hello,
)

T0 = 1714557600  # 2024-05-01T10:00:00Z
CLIENT = "10.0.3.15"
RESOLVER = "10.0.3.3"
SERVERS = {
    "api.acme.test": "203.0.113.80",        # first party (acme.test)
    "api.acme-read.test": "198.51.100.45",  # affiliate in the profile, not disclosed
    "log.umeng.com": "203.0.113.10",        # Umeng (signatures: parent Alibaba), disclosed for device.oaid
    "push.pushco.test": "198.51.100.20",    # disclosed for device.* (not in signatures)
    "ads.tracker.test": "192.0.2.66",       # in no list: relation unknown
}
UA = ("User-Agent", "okhttp/4.9.3")
JSON = ("Content-Type", "application/json; charset=utf-8")
OAID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
IMEI = "864512034567891"
PHONE = "13812345678"
EMAIL = "lily@example.com"

# the canary of canary.yaml (identity.name) and its transformed forms
CANARY = "Quokka Tester 42"
SHORT_CANARY = "K9x2"  # account.username; shorter than 6 bytes: whole values only


def seed_int(seed):
    return struct.unpack("!I", prng(seed, 4))[0]


class Gen:
    def __init__(self, relpath, title):
        self.cap = Capture(relpath, t0_ns=T0 * 10**9, step_ns=1000000)
        self.relpath = relpath
        self.title = title
        self.port = 43000
        self.rows = []

    def at(self, sec):
        t = T0 * 10**9 + int(round(sec * 10**9))
        assert t >= self.cap.t_ns, (self.relpath, sec)
        self.cap.t_ns = t

    def conn(self, host, sport):
        self.port += 2
        return TCPConn(self.cap, CLIENT, self.port, SERVERS[host], sport,
                       seed_int("%s-c-%d" % (self.relpath, self.port)),
                       seed_int("%s-s-%d" % (self.relpath, self.port)),
                       host=host, host_src="HTTP Host" if sport == 80 else "TLS SNI")

    def http(self, sec, host, method, uri, body=b"", json_body=True, what="", expect=""):
        self.at(sec)
        c = self.conn(host, 80)
        first = c.handshake()[0]
        headers = [UA] + ([JSON] if body and json_body else [])
        if body and not json_body:
            headers = [UA, ("Content-Type", "application/x-www-form-urlencoded")]
        data, _ = http_request(method, uri, host, headers, body, mobile=False)
        _, _, frames = c.send("c", data)
        c.send("s", http_response(200, "OK", [("Content-Type", "application/json")], b'{"code":0}'))
        c.close()
        self.rows.append((frames[-1], "%d-%d" % (first, first + 7), self.hms(sec), "HTTP %s %s%s" % (method, host, uri),
                          what or (body.decode("utf-8") if body else "no body"), expect))
        return frames[-1]

    def tls(self, sec, host, expect=""):
        self.at(sec)
        c = self.conn(host, 443)
        first = c.handshake()[0]
        seed = "%s-tls-%d" % (self.relpath, self.port)
        c.send("c", tls_client_hello(host, seed))
        c.send("s", tls_server_hello(seed))
        last = c.close()[-1]
        self.rows.append((first, "%d-%d" % (first, last), self.hms(sec), "TLS %s:443 (SNI)" % host,
                          "encrypted", expect))

    def dns(self, sec, host, expect=""):
        self.at(sec)
        self.port += 2
        ident = seed_int("%s-dns-%d" % (self.relpath, self.port)) & 0xFFFF
        fl = UDPFlow(self.cap, CLIENT, self.port, RESOLVER, 53, host=host, host_src="DNS query name")
        q = fl.send("c", dns_query(ident, host, 1))
        answer = (struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + dns_name(host) + struct.pack("!HH", 1, 1)
                  + struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + bytes(int(x) for x in SERVERS[host].split(".")))
        r = fl.send("s", answer)
        self.rows.append((q, "%d-%d" % (q, r), self.hms(sec), "DNS A %s -> %s" % (host, SERVERS[host]), "lookup",
                          expect))

    @staticmethod
    def hms(sec):
        whole = int(sec)
        frac = sec - whole
        s = "10:%02d:%02d" % (whole // 60, whole % 60)
        return s + (".%03d" % round(frac * 1000) if frac else "")

    def write(self, outdir):
        path = os.path.join(outdir, self.relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(self.cap.file_bytes())

    def readme(self):
        out = ["## `%s`" % self.relpath, "", self.title, "",
               "%d frames. *Frame* is the frame that completes the request (for TLS and DNS: the first frame)." % len(self.cap.frames), "",
               "| frame | frames | time (UTC) | what | data | findings (with the profile named above) |",
               "|---|---|---|---|---|---|"]
        for r in self.rows:
            out.append("| %d | %s | %s | %s | %s | %s |" % (r[0], r[1], r[2], r[3], r[4].replace("|", "\\|"), r[5]))
        return "\n".join(out) + "\n"


def j(s):
    return s.encode("utf-8")


def timeline():
    g = Gen("timeline.pcap", "Judged against `base.yaml`: every finding type, the consent rule with a body "
            "(an `{\"agree\":false}` is not consent), withdrawal by a rule, `necessary_before_consent`, the four "
            "relations.")
    g.dns(0, "log.umeng.com", "none (a DNS lookup is not a contact)")
    g.http(1, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s","imei":"%s"}' % (OAID, IMEI)),
           expect="pre_consent (device.imei, device.oaid), undisclosed_category (device.imei), cleartext_pi; "
           "pre_consent_contact at frame 3 (the flow)")
    g.http(10, "api.acme.test", "POST", "/v1/sms/send", j('{"phone":"%s"}' % PHONE),
           expect="cleartext_pi only (contact.phone is necessary before consent; first party)")
    g.http(12, "api.acme.test", "POST", "/v1/onboarding", j('{"phone":"%s","email":"%s"}' % (PHONE, EMAIL)),
           expect="pre_consent (contact.email only), cleartext_pi")
    g.tls(20, "push.pushco.test", "pre_consent_contact (disclosed, but before consent)")
    g.tls(21, "api.acme.test", "none (first party)")
    g.http(30, "api.acme.test", "POST", "/v1/privacy/agree", j('{"agree":false}'),
           expect="none; NOT consent (body agree is false)")
    g.http(40, "api.acme.test", "POST", "/v1/privacy/agree", j('{"agree":true,"policy_version":"3"}'),
           expect="none; the consent event (rule privacy-agree)")
    g.http(50, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s"}' % OAID),
           expect="cleartext_pi only (disclosed recipient, disclosed category, after consent)")
    g.http(60, "api.acme-read.test", "POST", "/v1/sync", j('{"email":"%s"}' % EMAIL),
           expect="undisclosed_recipient (affiliate), cleartext_pi")
    g.http(70, "ads.tracker.test", "GET", "/pixel?lat=31.230416&lng=121.473701",
           expect="undisclosed_recipient (unknown), sensitive_pi (location.precise), cleartext_pi")
    g.http(80, "api.acme.test", "POST", "/v1/profile", j('{"email":"%s"}' % EMAIL),
           expect="cleartext_pi only (first party, after consent)")
    g.http(90, "api.acme.test", "POST", "/v1/privacy/revoke", j('{"revoke":true}'),
           expect="none; the withdrawal event (rule privacy-revoke)")
    g.http(100, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s"}' % OAID),
           expect="after_withdrawal (device.oaid), cleartext_pi")
    g.tls(110, "push.pushco.test", "none (opened after the first consent)")
    return g


def clean():
    g = Gen("clean.pcap", "No personal data at all.  With `base.yaml` and `--consent-at 2024-05-01T10:00:05Z`: no "
            "findings (exit 0); without the mark the Umeng connection is a pre_consent_contact.")
    g.http(0, "api.acme.test", "GET", "/v1/config?lang=en", expect="none")
    g.http(10, "log.umeng.com", "GET", "/v1/check", expect="none; pre_consent_contact at frame 9 unless consent "
           "is marked before 10:00:10")
    return g


def cli():
    g = Gen("cli.pcap", "Three Umeng uploads of the OAID, 10 s apart, judged against `norules.yaml` (no consent "
            "rules) with `--consent-at` / `--withdraw-at` marks.")
    for k in range(3):
        g.http(10 * k, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s"}' % OAID),
               expect="phase set by the CLI marks")
    return g


def multi():
    a = Gen("multi/a.pcap", "Three Umeng uploads of the OAID at 10:00:00, 10:00:20 and 10:00:40; the consent "
            "and the withdrawal that separate them are in `b.pcap`.  With `base.yaml`.")
    a.http(0, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s"}' % OAID),
           expect="before_consent: pre_consent, cleartext_pi; pre_consent_contact at frame 1")
    a.http(20, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s"}' % OAID), expect="after_consent: cleartext_pi")
    a.http(40, "log.umeng.com", "POST", "/app_logs", j('{"oaid":"%s"}' % OAID),
           expect="after_withdrawal: after_withdrawal, cleartext_pi")
    b = Gen("multi/b.pcap", "The consent (10:00:10) and the withdrawal (10:00:30) for `a.pcap`.")
    b.http(10, "api.acme.test", "POST", "/v1/privacy/agree", j('{"agree":true}'), expect="consent event")
    b.http(30, "api.acme.test", "POST", "/v1/privacy/revoke", j('{}'), expect="withdrawal event")
    return [a, b]


def canary_forms():
    v = CANARY.encode()
    forms = [
        ("raw", CANARY),
        ("lower", CANARY.lower()),
        ("upper", CANARY.upper()),
        ("embedded", "name=%s;src=app" % CANARY),
        ("url", "Quokka%20Tester%2042"),
        ("b64", base64.b64encode(v).decode()),
        ("b64_nopad", base64.b64encode(v).decode().rstrip("=")),
        ("md5", hashlib.md5(v).hexdigest()),
        ("md5_upper", hashlib.md5(v).hexdigest().upper()),
        ("sha1", hashlib.sha1(v).hexdigest()),
        ("sha1_upper", hashlib.sha1(v).hexdigest().upper()),
        ("sha256", hashlib.sha256(v).hexdigest()),
        ("sha256_upper", hashlib.sha256(v).hexdigest().upper()),
        ("short", SHORT_CANARY),
    ]
    negatives = [
        ("n_sha512", hashlib.sha512(v).hexdigest()),                   # not a form privaudit derives
        ("n_md5_other", hashlib.md5(b"Quokka Tester 43").hexdigest()),  # another value's digest
        ("n_sha256_lower_value", hashlib.sha256(CANARY.lower().encode()).hexdigest()),  # digest of a case-folded form
        ("n_short_embedded", "zz%szz" % SHORT_CANARY),                  # short canaries must be whole values
        ("n_partial", "Quokka Tester"),
    ]
    return forms, negatives


def canary():
    forms, negatives = canary_forms()
    body = "{" + ",".join('"c_%s":"%s"' % (k, val) for k, val in forms + negatives) + "}"
    g = Gen("canary.pcap", "The canary of `canary.yaml` (identity.name `%s`) and the short canary (account.username "
            "`%s`) in every form privaudit derives, each in its own JSON field `c_FORM`, plus fields `c_n_*` that "
            "must not match; then the canary URL-encoded in a query string." % (CANARY, SHORT_CANARY))
    g.http(0, "api.acme.test", "POST", "/v1/canary", j(body),
           what="`c_raw`, `c_lower`, `c_upper`, `c_embedded`, `c_url`, `c_b64`, `c_b64_nopad`, `c_md5`, `c_md5_upper`, "
           "`c_sha1`, `c_sha1_upper`, `c_sha256`, `c_sha256_upper`, `c_short`, `c_n_sha256_lower_value` (the digest of "
           "the lower-cased value, as ad platforms' advanced matching sends it); negatives `c_n_sha512`, "
           "`c_n_md5_other`, `c_n_short_embedded`, `c_n_partial`",
           expect="fields `c_*` rule canary, confidence 1.0, except the other `c_n_*`: unclassified")
    g.http(10, "api.acme.test", "GET", "/v1/search?q=Quokka%20Tester%2042", expect="query.q: rule canary")
    return g


def unknown_contact():
    g = Gen("unknown-contact.pcap", "Two TLS connections before any consent, judged against `base.yaml`: one to "
            "a host in no list (relation unknown), one to a disclosed third party.  Both are contacts before "
            "consent; privaudit currently raises pre_consent_contact only for the second (see the TODO case in "
            "tests/e2e/test_policy.py).")
    g.tls(0, "ads.tracker.test", "pre_consent_contact expected (not the first party: it is in no list); "
          "privaudit raises none")
    g.tls(5, "push.pushco.test", "pre_consent_contact")
    return g


def all_gens():
    return [timeline(), clean(), cli()] + multi() + [canary(), unknown_contact()]


README_HEAD = """# Policy test captures

GENERATED by `tests/gen/gen_policy.py` (`/usr/bin/python3 tests/gen/gen_policy.py`) — do not edit by
hand; the profiles (`*.yaml`) are hand-written.  `tests/e2e/test_policy.py` audits these captures against
the profiles and checks every finding; `docs/profiles.md` describes the format and the findings.

All captures: classic pcap, Ethernet, microsecond timestamps from 2024-05-01T10:00:00Z, client
10.0.3.15.  Each HTTP exchange is its own plain-HTTP connection of 8 frames (handshake, request in one
segment, 200 response, FIN teardown), so the request is its 4th frame; a TLS connection (ClientHello with
SNI, ServerHello, teardown) is 8 frames; a DNS lookup 2.

| host | address | `base.yaml` relation |
|---|---|---|
| `api.acme.test` | 203.0.113.80 | first party (acme.test) |
| `api.acme-read.test` | 198.51.100.45 | affiliate (acme-read.test), not disclosed |
| `log.umeng.com` | 203.0.113.10 | third party (Umeng, parent Alibaba in signatures/organizations), disclosed for device.oaid |
| `push.pushco.test` | 198.51.100.20 | third party (disclosed for `device.*`; not in signatures) |
| `ads.tracker.test` | 192.0.2.66 | unknown (in no list) |

Profiles:

- `base.yaml`: the profile above; consent rule `privacy-agree` (POST api.acme.test /v1/privacy/agree with
  body `agree: true`), withdrawal rule `privacy-revoke` (POST api.acme.test /v1/privacy/revoke, any body),
  `necessary_before_consent: [contact.phone]`.
- `norules.yaml`: the same parties, no consent rules (consent only from `--consent-at` / `--withdraw-at`).
- `group.yaml`: first party acme.test and amap.com (AutoNavi, parent Alibaba in signatures), nothing
  disclosed: Umeng (parent Alibaba) becomes an affiliate through the group.
- `canary.yaml`: `base.yaml`'s parties plus canaries (identity.name `Quokka Tester 42`, account.username `K9x2`).
- `two-disclosed.yaml`: Umeng disclosed twice, `umeng.com` for device.oaid and then `log.umeng.com` for
  device.imei (for the TODO case about overlapping disclosed entries).
- `bad-unknown-key.yaml`, `bad-unknown-category.yaml`, `bad-consent-kind.yaml`, `bad-syntax.yaml`: one
  error each (the line is in the file's comment); loading them is a usage error (exit 2).
  `bad-app-key.yaml` has an unknown key inside `app:`, which privaudit does not yet reject (a TODO case).

"""


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", "test", "policy")
    gens = all_gens()
    for g in gens:
        g.write(outdir)
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as f:
        f.write(README_HEAD + "\n".join(g.readme() for g in gens))
    print("gen_policy: wrote %d captures and README.md under %s" % (len(gens), os.path.normpath(outdir)))


if __name__ == "__main__":
    main()
