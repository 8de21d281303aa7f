"""End-to-end: findings a regulator can stand behind, on the captures of
captures/test/findings (made by tests/gen/gen_findings.py; README.md there
lists every frame and what should be raised).

Credentials and issued ids returned to their issuer are no collection,
while a credential in clear is one cleartext_credential per host; only the
device under test is judged (picked, or named by IP or MAC; broadcasts,
clientless and link-local flows never); a BPF filter keeps frame numbers;
key sense classifies ids, timestamps and digests by their keys; `signatures
classify` gives exactly replay's classification for every field of two
corpora; every finding cites the legal basis docs/profiles.md lists; and
forced_collection / bundled_consent follow mandatory windows from the
command line, profile rules and capture marks.  Cases marked TODO are bugs
found while writing these tests (see their names)."""
import collections
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from tap import CAPTURES, PRIVAUDIT, TOP_SRCDIR, Tap, eq, report, run  # noqa: E402

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "gen"))
import gen_findings as G  # noqa: E402
from pcapgen import Capture, TCPConn, http_request, http_response  # noqa: E402

t = Tap()
FIND = os.path.join(CAPTURES, "test", "findings")
POLICY = os.path.join(CAPTURES, "test", "policy")


def p(name):
    return os.path.join(FIND, name)


def flist(rep):
    """(type, frame, host, categories, frames) of every finding, report order."""
    return [(f["type"], f["frame"], f["host"], f["categories"], f["frames"]) for f in rep["findings"]]


def windows(rep):
    def point(e):
        return None if e is None else (e["kind"], e["frame"], e["source"])
    return [(point(w["start"]), point(w["end"])) for w in rep["consent"]["mandatory_windows"]]


REPORTS = []  # every report of this file, for the legal-basis check


def audit(*args, rc=1):
    rep = report(*args, check_rc=rc)
    REPORTS.append(rep)
    return rep


# ---------------------------------------------------------------------------
# the captures themselves, with tshark as the oracle

TSHARK = shutil.which("tshark")
PLAIN = sorted(f for f in os.listdir(FIND) if f.endswith((".pcap", ".pcapng")) and "tls" not in f)
if not TSHARK:
    t.skip("tshark: every HTTP request of the plain captures is a transmission at the same frame", "no tshark")
else:
    with t.case("tshark: every HTTP request of the plain captures is a transmission at the same frame; nothing "
                "malformed"):
        for name in PLAIN:
            out = subprocess.run([TSHARK, "-r", p(name), "-o", "tcp.desegment_tcp_streams:TRUE", "-Y", "http.request",
                                  "-T", "fields", "-e", "frame.number", "-e", "http.host", "-e", "http.request.uri"],
                                 capture_output=True, text=True, check=True).stdout
            want = [tuple(line.split("\t")) for line in out.splitlines()]
            rep = report(p(name))
            eq([(str(tx["frame"]), tx["host"], tx["uri"]) for tx in rep["transmissions"]], want, name)
            bad = subprocess.run([TSHARK, "-r", p(name), "-Y", "_ws.expert.severity >= warning || _ws.malformed",
                                  "-T", "fields", "-e", "frame.number"], capture_output=True, text=True).stdout.split()
            eq(bad, [], name + ": tshark warnings")

# ---------------------------------------------------------------------------
# credentials and issued values (credentials.pcap / credentials-tls.pcapng, credentials.yaml)

CRED = G.credentials().frames          # request frames by name, from the generator itself
CRED_TLS = G.credentials(tls=True).frames
CRED_YAML = p("credentials.yaml")
cred = audit("--profile", CRED_YAML, p("credentials.pcap"))
TOKEN = ["account.token"]
UIDC = ["account.username"]
IGEXIN = "sdk.open.phone.igexin.com"

with t.case("credentials: the findings, exactly: one cleartext_credential per host listing every request; the "
            "token and uid only where they reached another organization"):
    eq(flist(cred), [
        ("cleartext_credential", CRED["config"], "api.acme.test", TOKEN,
         [CRED["config"], CRED["policy"], CRED["agree"], CRED["home"]]),
        ("pre_consent_contact", CRED["push_register"] - 3, IGEXIN, [], [CRED["push_register"] - 3]),
        ("cleartext_credential", CRED["push_register"], IGEXIN, TOKEN, [CRED["push_register"], CRED["push_heartbeat"]]),
        ("undisclosed_recipient", CRED["sync"], "api.acme-read.test", UIDC, [CRED["sync"]]),
        ("cleartext_pi", CRED["sync"], "api.acme-read.test", UIDC, [CRED["sync"]]),
        ("undisclosed_recipient", CRED["tracker"], "ads.tracker.test", TOKEN, [CRED["tracker"]]),
        ("cleartext_pi", CRED["tracker"], "ads.tracker.test", TOKEN, [CRED["tracker"]]),
        ("cleartext_credential", CRED["tracker"], "ads.tracker.test", TOKEN, [CRED["tracker"]]),
    ], "findings")
    eq((CRED["config"], CRED["policy"], CRED["agree"], CRED["home"], CRED["sync"], CRED["tracker"]),
       (4, 12, 36, 44, 52, 60), "the README's frames")

with t.case("cleartext_credential: medium, transmissions listed, a frame-set filter, reasons in both languages"):
    cc = [f for f in cred["findings"] if f["type"] == "cleartext_credential"][0]
    tx = {t_["frame"]: t_["id"] for t_ in cred["transmissions"]}
    eq(cc["severity"], "medium", "severity")
    eq(cc["transmissions"], [tx[CRED[k]] for k in ("config", "policy", "agree", "home")], "transmissions")
    eq(cc["wireshark_filter"], "frame.number == 4 || frame.number == 12 || frame.number == 36 || frame.number == 44",
       "filter")
    assert "without encryption in 4 requests" in cc["reason"] and "api.acme.test" in cc["reason"], cc["reason"]
    assert "4个请求" in cc["reason_zh"], cc["reason_zh"]

with t.case("credentials before consent to the first party: no pre_consent; the privacy-policy fetch with a bearer "
            "token alone raises nothing but its place in the credential line"):
    for name in ("config", "policy", "agree", "home", "upload", "push_heartbeat"):
        got = [f["type"] for f in cred["findings"] if f["frame"] == CRED[name]]
        assert got in ([], ["cleartext_credential"]), (name, got)
    eq([tx["phase"] for tx in cred["transmissions"] if tx["frame"] in (CRED["config"], CRED["policy"])],
       ["before_consent", "before_consent"], "phases")

with t.case("fields: tokens and the session cookie are credentials (and issued), the uid issued only; a signed "
            "Authorization (AWS4-HMAC-SHA256) is not a credential"):
    fields = {(tx["frame"], f["path"]): f for tx in cred["transmissions"] for f in tx["fields"]}

    def flags(frame, path):
        f = fields[(frame, path)]
        return (f["category"], f["credential"], f["issued"])
    eq(flags(CRED["config"], "header.authorization"), ("account.token", True, True), "bearer")
    eq(flags(CRED["config"], "cookie.SESSIONID"), ("account.token", True, True), "session cookie")
    eq(flags(CRED["push_register"], "body.device_token"), ("account.token", True, True), "push token")
    eq(flags(CRED["home"], "query.uid"), ("account.username", False, True), "uid")
    eq(flags(CRED["sync"], "body.uid"), ("account.username", False, True), "uid at the affiliate")
    eq(flags(CRED["upload"], "header.authorization"), (None, False, False), "AWS signature")

with t.case("recipients: what went back to its issuer is not in its categories"):
    eq({r["host"]: (r["relation"], r["transmissions"], r["categories"]) for r in cred["recipients"]},
       {"api.acme.test": ("first_party", 5, []), IGEXIN: ("third_party", 2, []),
        "api.acme-read.test": ("affiliate", 1, UIDC), "ads.tracker.test": ("unknown", 1, TOKEN)}, "recipients")
    eq([r["organization"] for r in cred["recipients"] if r["host"] == IGEXIN], ["Getui"], "Getui from signatures")

with t.case("credentials without a profile: only the cleartext_credential lines and the tracker's cleartext_pi"):
    rep = audit(p("credentials.pcap"))
    eq([(f[0], f[1], f[2]) for f in flist(rep)],
       [("cleartext_credential", 4, "api.acme.test"), ("cleartext_credential", 20, IGEXIN),
        ("cleartext_pi", 52, "api.acme-read.test"), ("cleartext_pi", 60, "ads.tracker.test"),
        ("cleartext_credential", 60, "ads.tracker.test")], "findings")

tls = audit("--profile", CRED_YAML, p("credentials-tls.pcapng"))

with t.case("credentials over TLS (key log in the pcapng's DSB): every request decrypted, no cleartext_credential, "
            "no cleartext_pi; the token and uid still count where they changed hands"):
    eq([(tx["frame"], tx["tls"], tx["uri"]) for tx in tls["transmissions"]],
       [(CRED_TLS["config"], True, "/v1/config"), (CRED_TLS["policy"], True, "/privacy/policy.html"),
        (CRED_TLS["push_register"], True, "/api/register.do"), (CRED_TLS["agree"], True, "/v1/privacy/agree"),
        (CRED_TLS["home"], True, "/v1/home?uid=42"), (CRED_TLS["sync"], True, "/v1/sync"),
        (CRED_TLS["tracker"], True, "/collect?push_token=%s&ev=open" % G.PUSH_TOKEN)], "transmissions")
    eq(tls["coverage"]["tls"]["decrypted"], 7, "decrypted connections")
    eq(flist(tls), [
        ("pre_consent_contact", CRED_TLS["push_register"] - 6, IGEXIN, [], [CRED_TLS["push_register"] - 6]),
        ("undisclosed_recipient", CRED_TLS["sync"], "api.acme-read.test", UIDC, [CRED_TLS["sync"]]),
        ("undisclosed_recipient", CRED_TLS["tracker"], "ads.tracker.test", TOKEN, [CRED_TLS["tracker"]]),
    ], "findings")

# ---------------------------------------------------------------------------
# the device under test (lan.pcap, sll-two-addresses.pcap)

LAN = G.lan().frames
LAN_PCAP = p("lan.pcap")
LAN_YAML = p("lan.yaml")
lan = audit("--profile", LAN_YAML, LAN_PCAP)

with t.case("device picked: the phone's IPv4 address and, behind the same MAC, its IPv6 one; flows and lookups"):
    d = lan["device"]
    eq(d["given"], [], "given")
    eq(len(d["inputs"]), 1, "one input")
    i = d["inputs"][0]
    eq((i["input"], i["how"], i["addresses"], i["mac"], i["flows"], i["dns_queries"]),
       (0, "picked", [G.DEVICE4, G.DEVICE6], G.DEVICE_MAC, 4, 3), "device")  # the mDNS query is a lookup
    assert "4 of the input's 11 flows" in i["reason"] and "same Ethernet address" in i["reason"], i["reason"]

with t.case("device picked: coverage.scope counts the flows of other hosts, broadcasts, link-local and clientless "
            "ones; their requests are listed with judged=false"):
    eq(lan["coverage"]["scope"], {"flows_judged": 5, "flows_other_hosts": 2, "flows_broadcast": 2,
                                  "flows_link_local": 1, "flows_no_client": 1, "requests_not_judged": 2}, "scope")
    eq([(tx["frame"], tx["judged"]) for tx in lan["transmissions"]],
       [(LAN["dev_profile"], True), (LAN["dev_pixel"], True), (LAN["other_umeng"], False),
        (LAN["other_login"], False), (LAN["dev_umeng"], True)], "judged")

LAN_DEVICE_FINDINGS = [
    ("pre_consent", LAN["dev_profile"], "api.acme.test", ["contact.email"], [LAN["dev_profile"]]),
    ("cleartext_pi", LAN["dev_profile"], "api.acme.test", ["contact.email"], [LAN["dev_profile"]]),
    ("pre_consent_contact", LAN["dev_pixel"] - 3, "ads.tracker.test", [], [LAN["dev_pixel"] - 3]),
    ("pre_consent", LAN["dev_pixel"], "ads.tracker.test", ["location.precise"], [LAN["dev_pixel"]]),
    ("undisclosed_recipient", LAN["dev_pixel"], "ads.tracker.test", ["location.precise"], [LAN["dev_pixel"]]),
    ("sensitive_pi", LAN["dev_pixel"], "ads.tracker.test", ["location.precise"], [LAN["dev_pixel"]]),
    ("cleartext_pi", LAN["dev_pixel"], "ads.tracker.test", ["location.precise"], [LAN["dev_pixel"]]),
    ("pre_consent_contact", LAN["dev_umeng"] - 3, "log.umeng.com", [], [LAN["dev_umeng"] - 3]),
    ("pre_consent", LAN["dev_umeng"], "log.umeng.com", ["device.oaid"], [LAN["dev_umeng"]]),
    ("cleartext_pi", LAN["dev_umeng"], "log.umeng.com", ["device.oaid"], [LAN["dev_umeng"]]),
]

with t.case("device picked: only the phone's requests and connections are findings (IPv4 and IPv6)"):
    eq(flist(lan), LAN_DEVICE_FINDINGS, "findings")
    eq(sorted(r["host"] for r in lan["recipients"]), ["ads.tracker.test", "api.acme.test", "log.umeng.com"],
       "recipients: the phone's only")

with t.case("--device <the laptop's address>: the laptop's findings instead, the phone's flows out of scope"):
    rep = audit("--profile", LAN_YAML, "--device", G.OTHER, LAN_PCAP)
    i = rep["device"]["inputs"][0]
    eq((rep["device"]["given"], i["how"], i["addresses"], i["mac"], i["flows"], i["dns_queries"]),
       ([G.OTHER], "given", [G.OTHER], "02:00:00:00:00:50", 3, 0), "device")
    eq(rep["coverage"]["scope"], {"flows_judged": 2, "flows_other_hosts": 5, "flows_broadcast": 2,
                                  "flows_link_local": 1, "flows_no_client": 1, "requests_not_judged": 3}, "scope")
    u, l_ = LAN["other_umeng"], LAN["other_login"]
    eq(flist(rep), [
        ("pre_consent_contact", u - 3, "log.umeng.com", [], [u - 3]),
        ("pre_consent", u, "log.umeng.com", ["device.imei", "device.oaid"], [u]),
        ("undisclosed_category", u, "log.umeng.com", ["device.imei"], [u]),
        ("cleartext_pi", u, "log.umeng.com", ["device.imei", "device.oaid"], [u]),
        ("pre_consent", l_, "api.acme.test", ["contact.phone"], [l_]),
        ("cleartext_pi", l_, "api.acme.test", ["contact.phone"], [l_]),
    ], "findings")
    eq([tx["judged"] for tx in rep["transmissions"]], [False, False, True, True, False], "judged")
    eq(rep["tool"]["options"]["devices"], [G.OTHER], "recorded")

with t.case("--device <the phone's MAC>: both its addresses, the same findings as the pick"):
    rep = audit("--profile", LAN_YAML, "--device", G.DEVICE_MAC, LAN_PCAP)
    i = rep["device"]["inputs"][0]
    eq((i["how"], i["addresses"], i["mac"], i["flows"], i["dns_queries"]),
       ("given", [G.DEVICE4, G.DEVICE6], G.DEVICE_MAC, 4, 3), "device")
    eq(flist(rep), LAN_DEVICE_FINDINGS, "findings")
    eq(rep["coverage"]["scope"], lan["coverage"]["scope"], "scope")

with t.case("--device with only the phone's IPv6 address: its IPv4 flows are another host's"):
    rep = audit("--profile", LAN_YAML, "--device", G.DEVICE6, LAN_PCAP)
    eq([f[:3] for f in flist(rep)], [f[:3] for f in LAN_DEVICE_FINDINGS if f[2] == "ads.tracker.test"], "findings")
    eq(rep["coverage"]["scope"]["flows_judged"], 1, "judged")

with t.case("--device with an address that sent nothing: nothing is judged; a malformed one is a usage error"):
    rep = audit("--profile", LAN_YAML, "--device", "192.168.1.99", LAN_PCAP, rc=0)
    eq((rep["findings"], rep["coverage"]["scope"]["flows_judged"], rep["coverage"]["scope"]["requests_not_judged"]),
       ([], 0, 5), "nothing judged")
    rc, out, err = run("replay", "--device", "999.1.1.1", LAN_PCAP)
    eq((rc, out), (2, b""), "exit status and stdout")
    eq(err.splitlines()[0], "privaudit: --device wants an IPv4, IPv6 or MAC address (aa:bb:cc:dd:ee:ff), not "
       "'999.1.1.1'", "message")

with t.case("Linux cooked capture (no Ethernet addresses): every local client address is the device's, both judged"):
    SLL = G.sll().frames
    rep = audit(p("sll-two-addresses.pcap"))
    i = rep["device"]["inputs"][0]
    eq((i["how"], i["addresses"], i["mac"], i["flows"], i["dns_queries"]),
       ("picked", [G.SLL_WLAN, G.SLL_TUN], None, 2, 1), "device")
    eq([(tx["frame"], tx["judged"], tx["flow"]["src"].split(":")[0]) for tx in rep["transmissions"]],
       [(SLL["wlan"], True, G.SLL_WLAN), (SLL["tun"], True, G.SLL_TUN)], "both judged")
    eq([(f[0], f[1]) for f in flist(rep)],
       [("cleartext_pi", SLL["wlan"]), ("sensitive_pi", SLL["tun"]), ("cleartext_pi", SLL["tun"])], "findings")
    eq(rep["coverage"]["scope"]["flows_judged"], 3, "judged")

# ---------------------------------------------------------------------------
# BPF filter on replay

KEEP = "host 203.0.113.80 or host 198.51.100.45"  # the first party and the affiliate

with t.case("-f EXPR: frames keep their numbers, the rest are counted as filtered, findings only from kept frames"):
    rep = audit("--profile", CRED_YAML, "-f", KEEP, p("credentials.pcap"))
    eq(rep["tool"]["options"]["filter"], KEEP, "recorded")
    eq((rep["coverage"]["packets"]["total"], rep["coverage"]["packets"]["ok"], rep["coverage"]["packets"]["filtered"]),
       (72, 48, 24), "packets")
    kept = {"api.acme.test", "api.acme-read.test"}
    eq([tx["frame"] for tx in rep["transmissions"]],
       [tx["frame"] for tx in cred["transmissions"] if tx["host"] in kept], "the same frame numbers")
    eq(flist(rep), [f for f in flist(cred) if f[2] in kept], "the unfiltered findings of the kept hosts")
    eq(rep["consent"]["events"], cred["consent"]["events"], "consent at the same frame")

with t.case("-r FILE EXPR (tcpdump style) and --filter give the same report as -f, byte for byte"):
    a = run("replay", "-T", "json", "--profile", CRED_YAML, "-f", KEEP, p("credentials.pcap"), check_rc=1)[1]
    b = run("replay", "-T", "json", "--profile", CRED_YAML, "-r", p("credentials.pcap"), *KEEP.split(), check_rc=1)[1]
    c = run("replay", "--format", "json", "--profile", CRED_YAML, "--filter", KEEP, p("credentials.pcap"),
            check_rc=1)[1]
    assert a == b, "-r FILE EXPR differs from -f"
    assert a == c, "--filter differs from -f"

with t.case("a filter that keeps nothing: no findings, every frame counted as filtered"):
    rep = audit("--profile", CRED_YAML, "-f", "udp", p("credentials.pcap"), rc=0)
    eq((rep["findings"], rep["transmissions"], rep["coverage"]["packets"]["filtered"]), ([], [], 72), "nothing")

with t.case("-f json: a hint that -f is the filter and -T the format (exit 2, nothing on stdout)"):
    rc, out, err = run("replay", "-f", "json", p("credentials.pcap"))
    eq((rc, out), (2, b""), "exit status and stdout")
    eq(err.splitlines()[0], "privaudit: -f is the BPF filter (as in capture and tshark); the report format is -T "
       "or --format", "hint")

with t.case("a bad filter: exit 2, nothing on stdout, one error line (then the usual help hint)"):
    rc, out, err = run("replay", "-f", "host and", p("credentials.pcap"))
    eq((rc, out), (2, b""), "exit status and stdout")
    eq(err.splitlines(), ["privaudit: bad filter 'host and': can't parse filter expression: syntax error",
                          "Try 'privaudit help replay'."], "stderr")

# ---------------------------------------------------------------------------
# key sense, timestamps, hashed identifiers (keysense.pcap)

KS_WANT = {  # path: (category, rule, hashed)
    "body.display_cids[0]": (None, None, None),     # a campaign id shaped like a mobile number
    "body.sid": (None, None, None),                  # 13-digit ms time 4 s before the request
    "body.ts": (None, None, None),
    "body.aidm": ("device.android_id", "device.android_id.key", "md5"),
    "body.imei_md5": ("device.imei", "device.imei.key", "md5"),
    "body.deviceName": (None, None, None),
    "body.device_name": (None, None, None),
    "body.events[0].name": (None, None, None),       # an event named like a person
    "body.events[0].ts": (None, None, None),
    "body.product.name": (None, None, None),         # a product named like a person
    "body.level": (None, None, None),                # a game level
    "body.voice_gender": (None, None, None),         # the voice's gender, not the user's
    "body.user.name": ("identity.name", "identity.name.person_parent", None),
    "body.user.gender": ("identity.gender", "identity.gender.key", None),
    "body.birthday": ("identity.birthdate", "identity.birthdate.key", None),  # epoch-shaped, still a birth date
    "body.user_data.em": ("contact.email", "contact.advanced_matching.email", "sha256"),
    "header.user-agent": (None, None, None),
}

with t.case("key sense: campaign ids, timestamps, names of events and products, levels and voices are not personal; "
            "digests under identifier keys are those identifiers, hashed"):
    rep = audit("--reveal-values", p("keysense.pcap"))
    tx = rep["transmissions"][0]
    got = {f["path"]: (f["category"], f["rule"], f["hashed"]) for f in tx["fields"]}
    eq(got, KS_WANT, "classification")
    vals = {f["path"]: f["value"] for f in tx["fields"]}
    body = G.keysense_body(10)
    eq((vals["body.sid"], vals["body.display_cids[0]"], vals["body.aidm"]),
       (str(body["sid"]), "19944365299", hashlib.md5(G.ANDROID_ID.encode()).hexdigest()), "the values are those")
    eq(int(vals["body.sid"]) // 1000, G.T0 + 6, "sid is 4 s before the request (10:00:10)")
    eq(tx["ts"][:19], "2024-05-01T10:00:10", "request time")
    eq(flist(rep), [("cleartext_pi", tx["frame"], "api.acme.test",
                     ["identity.name", "identity.birthdate", "identity.gender", "contact.email", "device.imei",
                      "device.android_id"], [tx["frame"]])], "findings")

with t.case("key sense with a profile: the e-mail canary matches in its sha256(lowercase) form"):
    rep = audit("--profile", p("keysense.yaml"), p("keysense.pcap"))
    f = {f["path"]: f for f in rep["transmissions"][0]["fields"]}["body.user_data.em"]
    eq((f["category"], f["rule"], f["confidence"], f["canary_form"]),
       ("contact.email", "canary", 1.0, "sha256(lowercase)"), "canary")
    eq(f["value_sha256"], hashlib.sha256(hashlib.sha256(G.KS_EMAIL.lower().encode()).hexdigest().encode()).hexdigest(),
       "the field holds sha256(lowercase(address))")

with t.case("signatures explain agrees with the report on the same fields (--at, --uri)"):
    rc, out, _ = run("signatures", "explain", "--path", "body.sid", "--at", "2024-05-01T10:00:10Z", "--uri",
                     "/v1/game/progress", str(G.keysense_body(10)["sid"]), check_rc=0)
    text = out.decode()
    assert "the value is an epoch time near the request's: a timestamp" in text and "=> not classified" in text, text
    rc, out, _ = run("signatures", "explain", "--path", "body.imei_md5", hashlib.md5(G.IMEI.encode()).hexdigest(),
                     check_rc=0)
    assert "=> device.imei (IMEI, not sensitive), rule device.imei.key, confidence 0.99, hashed md5" in out.decode(), out

# ---------------------------------------------------------------------------
# explain == replay: `signatures classify --at TS --uri URI` on every field of a report


def classify_mismatches(rep, profile=None):
    """Runs `signatures classify` once per (request second, path) group of the
    report's fields; returns (fields compared, mismatches, runs)."""
    groups = collections.OrderedDict()
    skipped = 0
    for tx in rep["transmissions"]:
        for f in tx["fields"]:
            v = f["value"]
            if not isinstance(v, str) or "\n" in v or "\r" in v:
                skipped += 1  # a line-based input cannot carry it
                continue
            groups.setdefault((tx["ts"][:19] + "Z", tx["path"]), []).append(f)
    bad, n = [], 0
    for (ts, path), fields in groups.items():
        args = [PRIVAUDIT, "signatures", "classify", "--at", ts, "--uri", path]
        if profile:
            args += ["--profile", profile]
        stdin = "".join("%s\t%s\t%s\n" % (f["path"], f["key"], f["value"]) for f in fields).encode()
        out = subprocess.run(args, input=stdin, capture_output=True, check=True, timeout=300).stdout.decode()
        lines = out.splitlines()
        eq(len(lines), len(fields), "answers")
        for f, line in zip(fields, lines):
            cat, rule, conf, hashed = line.split("\t")
            want = (f["category"] or "none", f["rule"] or "-",
                    "%.2f" % f["confidence"] if f["confidence"] is not None else "-", f["hashed"] or "-")
            n += 1
            if (cat, rule, conf, hashed) != want:
                bad.append("%s %s=%r at %s %s: classify %s, replay %s" % (f["path"], f["key"], f["value"], ts, path,
                                                                       (cat, rule, conf, hashed), want))
    return n, bad, len(groups), skipped


with tempfile.TemporaryDirectory() as tmp:
    with t.case("explain == replay: every field of the SDK corpus capture (tests/data/sdk)"):
        sdk = os.path.join(tmp, "sdk.pcap")
        subprocess.run([sys.executable, os.path.join(TOP_SRCDIR, "tests", "data", "sdk", "build.py"), "-o", sdk],
                       check=True, capture_output=True, timeout=300)
        rep = report("--reveal-values", sdk)
        n, bad, runs, skipped = classify_mismatches(rep)
        print(f"# SDK corpus: {n} fields in {runs} classify runs, {skipped} multi-line values skipped")
        assert n > 1000 and runs < 100 and skipped < 5, (n, runs, skipped)
        assert not bad, "\n".join(bad[:30])
        assert sum(1 for tx in rep["transmissions"] for f in tx["fields"] if f["hashed"]) >= 20, "hashed fields"

    def corpus_capture(rows, path):
        """The classification corpus as HTTP requests: each row's field is
        placed where its path says (query, header, cookie, JSON body),
        several rows per request as long as their paths do not collide."""
        reqs = []
        PAD = object()
        PER_REQUEST = 40  # rows per request, so that several request paths and times are tried

        def tokens(pth):
            return [(m.group(1), None) if m.group(1) else (None, int(m.group(2)))
                    for m in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", pth)]

        def put(tree, toks, value):
            (key, idx), rest = toks[0], toks[1:]
            if key is not None:
                if not isinstance(tree, dict):
                    return False
                if not rest:
                    if key in tree:
                        return False
                    tree[key] = value
                    return True
                if key not in tree:
                    tree[key] = [] if rest[0][1] is not None else {}
                return put(tree[key], rest, value)
            if not isinstance(tree, list):
                return False
            while len(tree) <= idx:
                tree.append(PAD)  # an item a later row may fill; null if none does
            if not rest:
                if tree[idx] is not PAD:
                    return False
                tree[idx] = value
                return True
            if tree[idx] is PAD:
                tree[idx] = [] if rest[0][1] is not None else {}
            return put(tree[idx], rest, value)

        def place(q, r):
            kind, _, rest = r["path"].partition(".")
            v = r["value"]
            if kind == "query" and rest not in q["qkeys"]:
                q["qkeys"].add(rest)
                q["query"].append("%s=%s" % (urllib.parse.quote(rest, safe=""), urllib.parse.quote(v, safe="")))
                return True
            if kind == "header" and rest not in q["hkeys"] and "\n" not in v:
                q["hkeys"].add(rest)
                q["headers"].append((rest, v))
                return True
            if kind == "cookie" and rest not in q["ckeys"] and ";" not in v:
                q["ckeys"].add(rest)
                q["cookies"].append("%s=%s" % (rest, v))
                return True
            return kind == "body" and put(q["body"], tokens(rest), v)

        for r in rows:
            q = next((q for q in reqs if q["n"] < PER_REQUEST and place(q, r)), None)
            if q is None:
                q = {"n": 0, "qkeys": set(), "query": [], "hkeys": set(), "headers": [], "ckeys": set(),
                     "cookies": [], "body": {}}
                reqs.append(q)
                assert place(q, r), "cannot place %s" % r["path"]
            q["n"] += 1
        cap = Capture(os.path.basename(path), t0_ns=G.T0 * 10**9)
        uris = ["/v1/collect", "/v1/user/profile", "/v2/event/track"]
        for n, q in enumerate(reqs):
            cap.t_ns = (G.T0 + n) * 10**9  # one request a second: each its own --at
            port = 41000 + n
            c = TCPConn(cap, "10.0.0.2", port, "198.18.0.10", 80, 0x10000000 + port * 0x1000,
                        0x20000000 + port * 0x1000, host="api.corpus.test")
            c.handshake()
            uri = uris[n % len(uris)] + ("?" + "&".join(q["query"]) if q["query"] else "")
            hl = list(q["headers"]) + ([("Cookie", "; ".join(q["cookies"]))] if q["cookies"] else [])
            body = json.dumps(q["body"], ensure_ascii=False, default=lambda o: None).encode() if q["body"] else b""
            if body:
                hl.append(("Content-Type", "application/json"))
            data, _ = http_request("POST", uri, "api.corpus.test", hl, body, mobile=False)
            c.send("c", data, [min(1400, len(data) - i) for i in range(0, len(data), 1400)])
            c.send("s", http_response(200, "OK", [], b"{}"))
            c.close()
        with open(path, "wb") as f:
            f.write(cap.file_bytes())
        return len(reqs)

    with t.case("explain == replay: every field of the classification corpus (tests/data/classification-corpus.tsv) "
                "replayed in requests"):
        tsv = os.path.join(TOP_SRCDIR, "tests", "data", "classification-corpus.tsv")
        rows = list(csv.DictReader(open(tsv, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
        pcap = os.path.join(tmp, "corpus.pcap")
        nreq = corpus_capture(rows, pcap)
        rep = report("--reveal-values", pcap)
        eq(len(rep["transmissions"]), nreq, "every request decoded")
        paths = {f["path"] for tx in rep["transmissions"] for f in tx["fields"]}
        missing = [r["path"] for r in rows if r["path"] not in paths]
        assert not missing, "corpus fields not in the report: %s" % missing[:10]
        n, bad, runs, skipped = classify_mismatches(rep)
        print(f"# classification corpus: {len(rows)} rows in {nreq} requests, {n} fields in {runs} classify runs")
        assert n >= len(rows) and runs < 40, (n, runs)
        assert not bad, "\n".join(bad[:30])

    with t.case("explain == replay with a profile's canaries (keysense.yaml)"):
        rep = report("--reveal-values", "--profile", p("keysense.yaml"), p("keysense.pcap"))
        n, bad, runs, _ = classify_mismatches(rep, p("keysense.yaml"))
        assert n == 17 and not bad, (n, bad)

# ---------------------------------------------------------------------------
# issue 19: necessity and mandatory steps

NEW = G.newuser().frames
NEW_PCAP = p("newuser.pcap")
MAND = p("mandatory.yaml")
RULES = p("mandatory-rules.yaml")
FORCED = {"occupation": ["profile.occupation"], "purpose": ["profile.learning_goal"],
          "level": ["profile.language_level"], "name": ["identity.name"], "sync": ["contact.email"]}
ORDER = ["occupation", "purpose", "level", "name", "sync"]
BUNDLED_CATS = ["identity.name", "contact.email", "profile.occupation", "profile.learning_goal",
                "profile.language_level"]


def forced(rep):
    return [(f["frame"], f["host"], f["categories"]) for f in rep["findings"] if f["type"] == "forced_collection"]


def bundled(rep):
    return [(f["frame"], f["categories"], f["frames"]) for f in rep["findings"] if f["type"] == "bundled_consent"]


NEW_FORCED = [(NEW[k], "api.acme-read.test" if k == "sync" else "api.acme.test", FORCED[k]) for k in ORDER]
NEW_BUNDLED = [(NEW["agree"], BUNDLED_CATS, [NEW[k] for k in ORDER])]


def check_newuser(rep, want_windows):
    eq(windows(rep), want_windows, "windows")
    eq(forced(rep), NEW_FORCED, "forced_collection")
    eq(bundled(rep), NEW_BUNDLED, "bundled_consent")
    others = [(f["type"], f["frame"], f["categories"]) for f in rep["findings"]
              if f["type"] not in ("forced_collection", "bundled_consent", "cleartext_pi")]
    eq(others, [("undisclosed_category", NEW["umeng"], ["device.imei"]),
                ("undisclosed_recipient", NEW["sync"], ["contact.email"])], "the other findings")


with t.case("mandatory window from profile rules: start on the questionnaire's first request (inside), end on the "
            "home screen's first request (outside)"):
    rep = audit("--profile", RULES, NEW_PCAP)
    check_newuser(rep, [(("mandatory_start", NEW["questions"], "rule:questionnaire-start"),
                         ("mandatory_end", NEW["home"], "rule:home"))])
    eq([(e["kind"], e["frame"]) for e in rep["consent"]["events"]],
       [("consent", NEW["agree"]), ("mandatory_start", NEW["questions"]), ("mandatory_end", NEW["home"])], "events")

with t.case("forced_collection: high, the window and its source in the reason, PIPL arts. 14 and 16 cited"):
    rep = audit("--profile", RULES, NEW_PCAP)
    f = [f for f in rep["findings"] if f["type"] == "forced_collection"][0]
    eq((f["severity"], f["relation"], f["transmission"] is not None), ("high", "first_party", True), "finding")
    assert "during a mandatory step (from frame %d, rule:questionnaire-start to frame %d, rule:home" % (
        NEW["questions"], NEW["home"]) in f["reason"], f["reason"]
    assert "PIPL art. 14" in f["reason"] and "art. 16" in f["reason"], f["reason"]
    assert "第十四条" in f["reason_zh"] and "强制步骤" in f["reason_zh"], f["reason_zh"]

with t.case("bundled_consent: medium, at the consent's frame, every forced request after it listed"):
    rep = audit("--profile", RULES, NEW_PCAP)
    b = [f for f in rep["findings"] if f["type"] == "bundled_consent"][0]
    tx = {x["frame"]: x["id"] for x in rep["transmissions"]}
    eq((b["severity"], b["frame"], b["ts"]), ("medium", NEW["agree"], rep["consent"]["events"][0]["ts"]), "place")
    eq(b["transmissions"], [tx[NEW[k]] for k in ORDER], "transmissions")
    eq(b["wireshark_filter"], " || ".join("frame.number == %d" % NEW[k] for k in ORDER), "filter")
    assert "in 5 requests" in b["reason"] and "frame %d, rule:privacy-agree" % NEW["agree"] in b["reason"], b["reason"]

with t.case("necessary categories are not forced: the SMS login (phone) and the phone on the name form"):
    rep = audit("--profile", RULES, NEW_PCAP)
    eq([f["type"] for f in rep["findings"] if f["frame"] == NEW["sms"]], ["cleartext_pi"], "SMS login")
    eq([(f["type"], f["categories"]) for f in rep["findings"] if f["frame"] == NEW["name"]],
       [("cleartext_pi", ["identity.name", "contact.phone"]), ("forced_collection", ["identity.name"])], "name form")

with t.case("no forced_collection for the SDK inside the window, nor for the home screen and the settings outside it"):
    rep = audit("--profile", RULES, NEW_PCAP)
    for k in ("umeng", "home", "settings", "config", "questions", "agree"):
        assert "forced_collection" not in [f["type"] for f in rep["findings"] if f["frame"] == NEW[k]], k

with t.case("--mandatory-from TIME --mandatory-until frame:N: the same findings; a frame mark sits at its request "
            "(the home screen's request at frame N is outside)"):
    rep = audit("--profile", MAND, "--mandatory-from", "2024-05-01T10:00:04.5Z", "--mandatory-until",
                "frame:%d" % NEW["home"], NEW_PCAP)
    check_newuser(rep, [(("mandatory_start", None, "cli"), ("mandatory_end", NEW["home"], "cli"))])
    eq(rep["tool"]["options"]["marks"],
       ["mandatory_start:2024-05-01T10:00:04.5Z", "mandatory_end:frame:%d" % NEW["home"]], "marks recorded")

with t.case("--mandatory-from frame:N --mandatory-until TIME: a start at frame N includes its request"):
    rep = audit("--profile", MAND, "--mandatory-from", "frame:%d" % NEW["occupation"], "--mandatory-until",
                "2024-05-01T10:00:19Z", NEW_PCAP)
    check_newuser(rep, [(("mandatory_start", NEW["occupation"], "cli"), ("mandatory_end", None, "cli"))])

with t.case("a window that ends before the consent's forced data: the end excludes the request at its frame"):
    rep = audit("--profile", MAND, "--mandatory-from", "frame:%d" % NEW["questions"], "--mandatory-until",
                "frame:%d" % NEW["level"], NEW_PCAP)
    eq(forced(rep), NEW_FORCED[:2], "forced_collection: occupation and purpose only")
    eq(bundled(rep), [(NEW["agree"], ["profile.occupation", "profile.learning_goal"],
                       [NEW["occupation"], NEW["purpose"]])], "bundled_consent")

with t.case("mandatory window from the capture: pcapng ISB comments privaudit:mandatory_start / mandatory_end"):
    rep = audit("--profile", MAND, p("newuser-marks.pcapng"))
    check_newuser(rep, [(("mandatory_start", None, "capture"), ("mandatory_end", None, "capture"))])
    eq([(w["start"]["ts"], w["end"]["ts"]) for w in rep["consent"]["mandatory_windows"]],
       [("2024-05-01T10:00:04.500000Z", "2024-05-01T10:00:19.000000Z")], "the ISBs' times")

with t.case("a window with no start (the end rule alone) runs from the start of the run"):
    rep = audit("--profile", p("mandatory-end-only.yaml"), NEW_PCAP)
    check_newuser(rep, [(None, ("mandatory_end", NEW["home"], "rule:home"))])
    f = [f for f in rep["findings"] if f["type"] == "forced_collection"][0]
    assert "from the start of the capture to frame %d, rule:home" % NEW["home"] in f["reason"], f["reason"]

OLD = G.olduser().frames
with t.case("the old-user flow (forced screens before consent, end rule only): forced_collection and pre_consent, "
            "no bundled_consent"):
    rep = audit("--profile", p("mandatory-end-only.yaml"), p("olduser.pcap"))
    eq(windows(rep), [(None, ("mandatory_end", OLD["home"], "rule:home"))], "windows")
    eq(forced(rep), [(OLD["occupation"], "api.acme.test", ["profile.occupation"]),
                     (OLD["name"], "api.acme.test", ["identity.name"])], "forced_collection (not the necessary phone)")
    eq(bundled(rep), [], "bundled_consent")
    eq([(f["frame"], f["categories"]) for f in rep["findings"] if f["type"] == "pre_consent"],
       [(OLD["occupation"], ["contact.phone", "profile.occupation"]), (OLD["name"], ["identity.name"]),
        (OLD["home"], ["profile.language_level"])], "pre_consent (necessary is not necessary_before_consent)")

DEC = G.declinable().frames
with t.case("a questionnaire the user could skip: the window ends at the skip; nothing forced, no bundled_consent"):
    rep = audit("--profile", RULES, p("declinable.pcap"))
    eq(windows(rep), [(("mandatory_start", DEC["questions"], "rule:questionnaire-start"),
                       ("mandatory_end", DEC["skip"], "rule:questionnaire-skip"))], "windows")
    eq(flist(rep), [("cleartext_pi", DEC["settings"], "api.acme.test", ["profile.occupation", "profile.language_level"],
                     [DEC["settings"]])], "findings")

with t.case("no window at all: the same capture raises no forced_collection or bundled_consent"):
    rep = audit("--profile", MAND, NEW_PCAP)
    eq((windows(rep), forced(rep), bundled(rep)), ([], [], []), "nothing mandatory")

with t.case("verify reproduces a report made with mandatory marks, a device and a filter on the command line"):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        run("replay", "--profile", MAND, "--mandatory-from", "frame:%d" % NEW["questions"], "--mandatory-until",
            "2024-05-01T10:00:19Z", "--device", G.CLIENT, "-f", "tcp", "-o", out, NEW_PCAP, check_rc=1)
        rep = json.load(open(out))
        eq((rep["tool"]["options"]["marks"], rep["tool"]["options"]["devices"], rep["tool"]["options"]["filter"]),
           (["mandatory_start:frame:%d" % NEW["questions"], "mandatory_end:2024-05-01T10:00:19Z"], [G.CLIENT], "tcp"),
           "recorded options")
        eq(len(forced(rep)), 5, "forced_collection")
        rc, o, err = run("verify", out, check_rc=0)
        eq(o.decode().strip().splitlines()[-1], ("reproduced: 1 input with the same SHA-256; inputs, consent, device, flows, recipients, transmissions, "
            "findings and coverage identical"),
           "verify")

with t.case("determinism: two runs with rules, ISB marks and CLI marks give byte-identical reports"):
    for args in (("--profile", RULES, NEW_PCAP), ("--profile", MAND, p("newuser-marks.pcapng")),
                 ("--profile", MAND, "--mandatory-from", "frame:20", "--mandatory-until", "frame:84", NEW_PCAP)):
        a = run("replay", "-T", "json", *args)[1]
        b = run("replay", "-T", "json", *args)[1]
        assert a == b and a, args

PAGES = G.pages().frames
with t.case("a second start inside an open window changes nothing: bundled_consent lists every forced request and "
            "forced_collection names the window's first start"):
    rep = report("--profile", RULES, p("pages.pcap"))
    eq(windows(rep), [(("mandatory_start", PAGES["page1"], "rule:questionnaire-start"),
                       ("mandatory_end", PAGES["home"], "rule:home"))], "one window")
    eq(forced(rep), [(PAGES["occupation"], "api.acme.test", ["profile.occupation"]),
                     (PAGES["purpose"], "api.acme.test", ["profile.learning_goal"])], "forced_collection")
    for f in rep["findings"]:
        if f["type"] == "forced_collection":
            assert "from frame %d, rule:questionnaire-start" % PAGES["page1"] in f["reason"], f["reason"]
    eq(bundled(rep), [(PAGES["agree"], ["profile.occupation", "profile.learning_goal"],
                       [PAGES["occupation"], PAGES["purpose"]])], "bundled_consent")

LOGIN = G.login_first().frames
with t.case("an SMS login (only necessary data) between the consent and the forced questionnaire does not unbundle "
            "the consent"):
    rep = report("--profile", RULES, p("login-first.pcap"))
    eq(forced(rep), [(LOGIN["occupation"], "api.acme.test", ["profile.occupation"])], "forced_collection")
    eq(bundled(rep), [(LOGIN["agree"], ["profile.occupation"], [LOGIN["occupation"]])], "bundled_consent")

# ---------------------------------------------------------------------------
# legal basis on every finding (docs/profiles.md, "Legal basis")


def legal_table():
    """{finding type: (PIPL refs, GB/T refs, PIPL refs for a child under 14, GB/T refs when sensitive)}"""
    text = open(os.path.join(TOP_SRCDIR, "docs", "profiles.md"), encoding="utf-8").read()
    sec = text.split("\n## Legal basis")[1].split("\n## ")[0]
    out = {}
    for line in sec.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.fullmatch(r"[a-z_]+", cells[0]) or cells[0] == "finding":
            continue
        pipl, minor = [], []
        for m in re.finditer(r"\barts?\. (\d+(?:(?:, | and )\d+)*)(\s*for a child under 14)?", cells[1]):
            (minor if m.group(2) else pipl).extend("art. %s" % n for n in re.findall(r"\d+", m.group(1)))
        clauses = re.findall(r"\b\d+\.\d+\b", cells[2])
        gbt, sens = ([], clauses) if "when a category is sensitive" in cells[2] else (clauses, [])
        out[cells[0]] = (pipl, gbt, minor, sens)
    return out


SENSITIVE = set(re.findall(r"\{id: ([a-z_.0-9]+),[^}]*sensitive: true",
                           open(os.path.join(TOP_SRCDIR, "signatures", "categories.yaml"), encoding="utf-8").read()))

with t.case("legal basis: every finding cites exactly the PIPL articles and GB/T 35273-2020 clauses of the table in "
            "docs/profiles.md, with titles in English and Chinese; all ten types are covered"):
    table = legal_table()
    eq(len(table), 10, "the table's rows")
    # after_withdrawal does not occur in these captures: the policy timeline has it
    REPORTS.append(report("--profile", os.path.join(POLICY, "base.yaml"), os.path.join(POLICY, "timeline.pcap")))
    seen = collections.Counter()
    for rep in REPORTS:
        for f in rep["findings"]:
            pipl, gbt, minor, sens = table[f["type"]]
            cats = set(f["categories"])
            want = [("PIPL", a) for a in pipl + (minor if "minor.age_under_14" in cats else [])]
            want += [("GB/T 35273-2020", c) for c in gbt + (sens if cats & SENSITIVE else [])]
            got = [(x["law"], x["ref"]) for x in f["legal_basis"]]
            eq(sorted(got), sorted(want), "%s at frame %s (%s)" % (f["type"], f["frame"], f["categories"]))
            assert all(x["en"] and x["zh"] for x in f["legal_basis"]), f["legal_basis"]
            assert f["reason"] and f["reason_zh"], f
            seen[f["type"]] += 1
    eq(sorted(seen), sorted(table), "finding types seen")
    eq([(x["law"], x["ref"]) for x in [f for f in lan["findings"] if f["type"] == "cleartext_pi"
                                        and f["categories"] == ["location.precise"]][0]["legal_basis"]],
       [("PIPL", "art. 51"), ("GB/T 35273-2020", "6.3")], "cleartext_pi of a sensitive category cites 6.3")

with t.case("--lang zh Markdown: the findings under their Chinese names, the law by its Chinese name and article"):
    rc, out, _ = run("replay", "--lang", "zh", "-T", "md", "--profile", RULES, NEW_PCAP, check_rc=1)
    md = out.decode()
    assert md.startswith("# 个人信息保护审计报告：Acme English\n"), md[:80]
    for s in ("### 强制收集非必要个人信息 (高, 5)", "### 捆绑同意 (中, 1)", "### 未告知的接收方 (高, 1)",
              "《个人信息保护法》第十四条；《个人信息保护法》第十六条；《个人信息保护法》第十三条；《个人信息保护法》第六条；"
              "GB/T 35273-2020《信息安全技术 个人信息安全规范》5.3；GB/T 35273-2020《信息安全技术 个人信息安全规范》5.2",
              "《个人信息保护法》第十三条：个人信息处理的合法性基础",
              "《个人信息保护法》第十七条；《个人信息保护法》第二十三条",
              "- **强制步骤开始** 于 2024-05-01T10:00:05.003000Z (输入 0, 帧 %d), rule:questionnaire-start" % NEW["questions"],
              "- **强制步骤结束** 于 2024-05-01T10:00:20.003000Z (输入 0, 帧 %d), rule:home" % NEW["home"]):
        assert s in md, s
    rc, out, _ = run("replay", "--lang", "zh", "-T", "md", "--profile", CRED_YAML, p("credentials.pcap"), check_rc=1)
    assert "《个人信息保护法》第五十一条" in out.decode(), "cleartext_credential"

with t.case("English Markdown and text: the new finding types with their legal basis"):
    rc, out, _ = run("replay", "-T", "md", "--profile", RULES, NEW_PCAP, check_rc=1)
    md = out.decode()
    for s in ("### forced_collection (high, 5)", "### bundled_consent (medium, 1)",
              "PIPL art. 14; PIPL art. 16; PIPL art. 13; PIPL art. 6; GB/T 35273-2020 5.3; GB/T 35273-2020 5.2 |",
              "PIPL art. 14; PIPL art. 16; GB/T 35273-2020 5.3 |"):
        assert s in md, s
    rc, out, _ = run("replay", "-T", "text", "--profile", RULES, NEW_PCAP, check_rc=1)
    text = out.decode()
    assert "mandatory step starts at 2024-05-01T10:00:05.003000Z, frame %d (rule:questionnaire-start)" % (
        NEW["questions"]) in text, text

t.done()
