"""End-to-end: the policy engine (src/policy.c) and the app profile
(src/profile.c) on the captures of captures/test/policy (made by
tests/gen/gen_policy.py; README.md there lists every frame) and on the demo.

Every finding type is checked where it must be raised and where it must not;
consent comes from profile rules (with a body value) and from --consent-at /
--withdraw-at; phases are ordered by time across captures; canaries are found
in each derived form; profile errors are `file:line:` usage errors; and the
old-user demo's findings are checked against what captures/demo/old-user/README.md says an
auditor should raise (see demo_expected()), and so are the new-user demo's
(captures/demo/new-user/README.md).

The cases under "engine bugs found while writing these tests" check the
fixes for those bugs."""
import base64
import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, TOP_SRCDIR, Tap, eq, report, run  # noqa: E402

t = Tap()
POL = os.path.join(CAPTURES, "test", "policy")
DEMO = os.path.join(CAPTURES, "demo", "old-user")        # the old-user flow
DEMO_NEW = os.path.join(CAPTURES, "demo", "new-user")    # the new-user flow
TYPES = ["pre_consent", "pre_consent_contact", "undisclosed_recipient", "undisclosed_category",
         "sensitive_pi", "cleartext_pi", "cleartext_credential", "after_withdrawal", "forced_collection",
         "bundled_consent"]


def p(name):
    return os.path.join(POL, name)


def audit(*args, rc=1):
    return report(*args, check_rc=rc)


def flist(rep):
    """(type, input, frame, host, categories) of every finding, report order."""
    return [(f["type"], f["input"], f["frame"], f["host"], f["categories"]) for f in rep["findings"]]


def types_at(rep, frame, inp=0):
    return sorted(f["type"] for f in rep["findings"] if f["frame"] == frame and f["input"] == inp)


def phases(rep):
    return [(tx["input"], tx["frame"], tx["phase"]) for tx in rep["transmissions"]]


def events(rep):
    return [(e["kind"], e["ts"], e["input"], e["frame"], e["source"]) for e in rep["consent"]["events"]]


# ---------------------------------------------------------------------------
# timeline.pcap with base.yaml: every finding type, rules, relations

TL = p("timeline.pcap")
BASE = p("base.yaml")
tl = audit("--profile", BASE, TL)
OAID = ["device.oaid"]

TL_FINDINGS = [
    ("pre_consent_contact", 0, 3, "log.umeng.com", []),
    ("pre_consent", 0, 6, "log.umeng.com", ["device.imei", "device.oaid"]),
    ("undisclosed_category", 0, 6, "log.umeng.com", ["device.imei"]),
    ("cleartext_pi", 0, 6, "log.umeng.com", ["device.imei", "device.oaid"]),
    ("cleartext_pi", 0, 14, "api.acme.test", ["contact.phone"]),
    ("pre_consent", 0, 22, "api.acme.test", ["contact.email"]),
    ("cleartext_pi", 0, 22, "api.acme.test", ["contact.phone", "contact.email"]),
    ("pre_consent_contact", 0, 27, "push.pushco.test", []),
    ("cleartext_pi", 0, 62, "log.umeng.com", OAID),
    ("undisclosed_recipient", 0, 70, "api.acme-read.test", ["contact.email"]),
    ("cleartext_pi", 0, 70, "api.acme-read.test", ["contact.email"]),
    ("undisclosed_recipient", 0, 78, "ads.tracker.test", ["location.precise"]),
    ("sensitive_pi", 0, 78, "ads.tracker.test", ["location.precise"]),
    ("cleartext_pi", 0, 78, "ads.tracker.test", ["location.precise"]),
    ("cleartext_pi", 0, 86, "api.acme.test", ["contact.email"]),
    ("cleartext_pi", 0, 102, "log.umeng.com", OAID),
    ("after_withdrawal", 0, 102, "log.umeng.com", OAID),
]

with t.case("timeline: the findings, exactly (type, frame, host, categories), in frame order"):
    eq(flist(tl), TL_FINDINGS, "findings")
    eq([f["id"] for f in tl["findings"]], list(range(1, len(TL_FINDINGS) + 1)), "ids")
    sev = {f["type"]: f["severity"] for f in tl["findings"]}
    eq(sev, {"pre_consent": "high", "pre_consent_contact": "medium", "undisclosed_recipient": "high",
             "undisclosed_category": "medium", "sensitive_pi": "high", "cleartext_pi": "medium",
             "after_withdrawal": "high"}, "severities")

with t.case("timeline: consent by rule privacy-agree at frame 54 ({\"agree\":false} at 46 is not consent); "
            "withdrawal by rule privacy-revoke at 94"):
    eq(events(tl), [("consent", "2024-05-01T10:00:40.003000Z", 0, 54, "rule:privacy-agree"),
                    ("withdrawal", "2024-05-01T10:01:30.003000Z", 0, 94, "rule:privacy-revoke")], "events")

with t.case("timeline: the phase of every transmission (the consent request itself is before consent)"):
    eq(phases(tl), [(0, 6, "before_consent"), (0, 14, "before_consent"), (0, 22, "before_consent"),
                    (0, 46, "before_consent"), (0, 54, "before_consent"), (0, 62, "after_consent"),
                    (0, 70, "after_consent"), (0, 78, "after_consent"), (0, 86, "after_consent"),
                    (0, 94, "after_consent"), (0, 102, "after_withdrawal")], "phases")

with t.case("pre_consent: third and first party before consent; categories minus necessary_before_consent"):
    pc = [(f[2], f[3], f[4]) for f in flist(tl) if f[0] == "pre_consent"]
    eq(pc, [(6, "log.umeng.com", ["device.imei", "device.oaid"]), (22, "api.acme.test", ["contact.email"])],
       "pre_consent")
    r = [f["reason"] for f in tl["findings"] if f["type"] == "pre_consent"][0]
    assert "consent came later: frame 54, rule:privacy-agree" in r, r
    eq(tl["findings"][1]["wireshark_filter"], "frame.number == 6", "filter")

with t.case("pre_consent negative: only necessary data (frame 14), no personal data (46, 54), after consent (62-86)"):
    eq(types_at(tl, 14), ["cleartext_pi"], "frame 14 (contact.phone is necessary)")
    for fr in (46, 54, 94):
        eq(types_at(tl, fr), [], f"frame {fr}")
    for fr in (62, 70, 78, 86, 102):
        assert "pre_consent" not in types_at(tl, fr), fr

with t.case("pre_consent_contact: the flows to Umeng (frame 3) and the disclosed push host (TLS, 27) before consent"):
    pcc = [f for f in tl["findings"] if f["type"] == "pre_consent_contact"]
    eq([(f["frame"], f["host"], f["flow"], f["transmission"], f["categories"]) for f in pcc],
       [(3, "log.umeng.com", 2, None, []), (27, "push.pushco.test", 5, None, [])], "contacts")
    eq(pcc[1]["wireshark_filter"],
       "ip.addr == 10.0.3.15 && ip.addr == 198.51.100.20 && tcp.port == 43010 && tcp.port == 443", "filter")

with t.case("pre_consent_contact negative: DNS lookup (1), first party TLS (35), flows opened after consent (59, 107)"):
    for fr in (1, 35, 59, 107):
        eq(types_at(tl, fr), [], f"frame {fr}")

with t.case("undisclosed_recipient: the affiliate (70) and an unknown host (78); not the first party nor the "
            "disclosed ones"):
    ur = [(f[2], f[3]) for f in flist(tl) if f[0] == "undisclosed_recipient"]
    eq(ur, [(70, "api.acme-read.test"), (78, "ads.tracker.test")], "undisclosed_recipient")

with t.case("undisclosed_category: the IMEI to Umeng (6); the OAID alone (62) is disclosed"):
    uc = [(f[2], f[4]) for f in flist(tl) if f[0] == "undisclosed_category"]
    eq(uc, [(6, ["device.imei"])], "undisclosed_category")
    eq(types_at(tl, 62), ["cleartext_pi"], "frame 62: disclosed recipient and category after consent")

with t.case("sensitive_pi: precise location (78) only"):
    eq([(f[2], f[4]) for f in flist(tl) if f[0] == "sensitive_pi"], [(78, ["location.precise"])], "sensitive_pi")
    assert "PIPL art. 28" in [f["reason"] for f in tl["findings"] if f["type"] == "sensitive_pi"][0]

with t.case("cleartext_pi: every plain-HTTP transmission with personal data, and none without"):
    with_pi = [tx["frame"] for tx in tl["transmissions"] if any(f["category"] for f in tx["fields"])]
    eq([f[2] for f in flist(tl) if f[0] == "cleartext_pi"], with_pi, "cleartext frames")
    eq(with_pi, [6, 14, 22, 62, 70, 78, 86, 102], "transmissions with personal data")

with t.case("after_withdrawal: the OAID to Umeng at 102; the same request before the withdrawal (62) is not"):
    aw = [f for f in tl["findings"] if f["type"] == "after_withdrawal"]
    eq([(f["frame"], f["categories"]) for f in aw], [(102, OAID)], "after_withdrawal")
    assert "frame 94, rule:privacy-revoke" in aw[0]["reason"], aw[0]["reason"]

with t.case("recipients: relation, organization, parent, disclosed, transmissions, categories"):
    eq([(r["host"], r["organization"], r["parent"], r["relation"], r["disclosed"], r["transmissions"],
         r["categories"]) for r in tl["recipients"]],
       [("ads.tracker.test", None, None, "unknown", False, 1, ["location.precise"]),
        ("api.acme-read.test", "Acme Reading", None, "affiliate", False, 1, ["contact.email"]),
        ("api.acme.test", "Acme Shop Ltd.", None, "first_party", False, 6, ["contact.phone", "contact.email"]),
        ("log.umeng.com", "Umeng", "Alibaba", "third_party", True, 3, ["device.imei", "device.oaid"]),
        ("push.pushco.test", "PushCo", None, "third_party", True, 0, [])], "recipients")

with t.case("profile section: path, sha256 of the file, app, first party"):
    prof = tl["profile"]
    eq((prof["app"], prof["app_id"], prof["first_party"]), ("Acme Shop", "test.acme.shop", "Acme Shop Ltd."), "app")
    eq(prof["sha256"], hashlib.sha256(open(BASE, "rb").read()).hexdigest(), "sha256")

with t.case("affiliate through the parent group: first party owns amap.com (Alibaba), so Umeng is an affiliate"):
    rep = audit("--profile", p("group.yaml"), p("cli.pcap"))
    eq([(r["host"], r["relation"], r["parent"], r["disclosed"]) for r in rep["recipients"]],
       [("log.umeng.com", "affiliate", "Alibaba", False)], "recipients")
    eq([f[:3] for f in flist(rep) if f[0] == "undisclosed_recipient"],
       [("undisclosed_recipient", 0, 4), ("undisclosed_recipient", 0, 12), ("undisclosed_recipient", 0, 20)],
       "an undisclosed affiliate is an undisclosed recipient")
    r = [f["reason"] for f in rep["findings"] if f["type"] == "undisclosed_recipient"][0]
    assert "(Umeng, affiliate)" in r, r
    # with base.yaml the same host is a third party
    rep = audit("--profile", BASE, p("cli.pcap"))
    eq([r["relation"] for r in rep["recipients"]], ["third_party"], "relation with base.yaml")

# ---------------------------------------------------------------------------
# without a profile

with t.case("no profile: only sensitive_pi and cleartext_pi; no consent events"):
    rep = audit(TL)
    eq(events(rep), [], "events")
    eq(sorted({f[0] for f in flist(rep)}), ["cleartext_pi", "sensitive_pi"], "types")
    eq([f[2] for f in flist(rep) if f[0] == "cleartext_pi"], [6, 14, 22, 62, 70, 78, 86, 102], "cleartext")
    eq([f[2] for f in flist(rep) if f[0] == "sensitive_pi"], [78], "sensitive")
    eq({r["host"]: r["relation"] for r in rep["recipients"]},
       {"ads.tracker.test": "unknown", "api.acme-read.test": "unknown", "api.acme.test": "unknown",
        "log.umeng.com": "third_party", "push.pushco.test": "unknown"}, "relations from signatures only")

with t.case("no profile + --consent-at: pre_consent_contact for flows to known third parties before the mark"):
    rep = audit("--consent-at", "2024-05-01T10:00:45Z", TL)
    eq(events(rep), [("consent", "2024-05-01T10:00:45.000000Z", None, None, "cli")], "events")
    eq(sorted({f[0] for f in flist(rep)}), ["cleartext_pi", "pre_consent_contact", "sensitive_pi"], "types")
    # Umeng's first flow (3) is before 10:00:45, its later ones are not; the push host and the
    # tracker are not in signatures/organizations, so without a profile they may be the first party
    eq([(f[2], f[3]) for f in flist(rep) if f[0] == "pre_consent_contact"], [(3, "log.umeng.com")], "contacts")
    eq(phases(rep)[4:6], [(0, 54, "before_consent"), (0, 62, "after_consent")], "phases follow the mark")
    eq([tx["phase"] for tx in rep["transmissions"]].count("after_withdrawal"), 0, "no withdrawal")

# ---------------------------------------------------------------------------
# CLI marks (cli.pcap: three uploads at 10:00:00, :10, :20; norules.yaml has no consent rules)

CLI = p("cli.pcap")
NORULES = p("norules.yaml")


def cli_run(*marks):
    return audit("--profile", NORULES, *marks, CLI)


with t.case("no marks and no rules: everything before consent, 'no consent was given'"):
    rep = cli_run()
    eq(events(rep), [], "events")
    eq([ph for _, _, ph in phases(rep)], ["before_consent"] * 3, "phases")
    eq([(f[0], f[2]) for f in flist(rep) if f[0].startswith("pre_consent")],
       [("pre_consent_contact", 1), ("pre_consent", 4), ("pre_consent_contact", 9), ("pre_consent", 12),
        ("pre_consent_contact", 17), ("pre_consent", 20)], "pre-consent findings")
    assert "(no consent was given)" in rep["findings"][1]["reason"], rep["findings"][1]["reason"]

with t.case("--consent-at RFC 3339 (Z): the first upload is before consent, the others after"):
    rep = cli_run("--consent-at", "2024-05-01T10:00:05Z")
    eq(events(rep), [("consent", "2024-05-01T10:00:05.000000Z", None, None, "cli")], "events")
    eq([ph for _, _, ph in phases(rep)], ["before_consent", "after_consent", "after_consent"], "phases")
    eq(flist(rep), [("pre_consent_contact", 0, 1, "log.umeng.com", []), ("pre_consent", 0, 4, "log.umeng.com", OAID),
                    ("cleartext_pi", 0, 4, "log.umeng.com", OAID), ("cleartext_pi", 0, 12, "log.umeng.com", OAID),
                    ("cleartext_pi", 0, 20, "log.umeng.com", OAID)], "findings")
    assert "(consent came later: cli mark)" in rep["findings"][1]["reason"], rep["findings"][1]["reason"]
    eq(rep["tool"]["options"]["marks"], ["consent:2024-05-01T10:00:05Z"], "marks recorded in the report")

with t.case("--consent-at with an offset (+08:00) and the same instant in Z give the same report body"):
    a = cli_run("--consent-at", "2024-05-01T18:00:05+08:00")
    b = cli_run("--consent-at", "2024-05-01T10:00:05Z")
    eq(events(a), events(b), "events")
    eq(flist(a), flist(b), "findings")

with t.case("--consent-at frame:N (a frame of the first capture): the mark is at that frame; a request "
            "completing at frame N is still before it"):
    rep = cli_run("--consent-at", "frame:12")
    eq(events(rep), [("consent", "2024-05-01T10:00:10.003000Z", 0, 12, "cli")], "events")
    eq([ph for _, _, ph in phases(rep)], ["before_consent", "before_consent", "after_consent"], "phases")
    rep = cli_run("--consent-at", "frame:5")
    eq([ph for _, _, ph in phases(rep)], ["before_consent", "after_consent", "after_consent"], "phases at frame:5")

with t.case("--withdraw-at (fractional seconds): the last upload is after withdrawal"):
    rep = cli_run("--consent-at", "2024-05-01T10:00:05Z", "--withdraw-at", "2024-05-01T10:00:15.5Z")
    eq(events(rep), [("consent", "2024-05-01T10:00:05.000000Z", None, None, "cli"),
                     ("withdrawal", "2024-05-01T10:00:15.500000Z", None, None, "cli")], "events")
    eq([ph for _, _, ph in phases(rep)], ["before_consent", "after_consent", "after_withdrawal"], "phases")
    eq([(f[0], f[2]) for f in flist(rep) if f[0] == "after_withdrawal"], [("after_withdrawal", 20)], "after_withdrawal")
    assert "(cli mark)" in [f["reason"] for f in rep["findings"] if f["type"] == "after_withdrawal"][0]

with t.case("--withdraw-at frame:N"):
    rep = cli_run("--consent-at", "frame:1", "--withdraw-at", "frame:13")
    eq([ph for _, _, ph in phases(rep)], ["after_consent", "after_consent", "after_withdrawal"], "phases")
    eq(sorted({f[0] for f in flist(rep)}), ["after_withdrawal", "cleartext_pi", "pre_consent_contact"], "types")
    # the mark at frame 1 is the SYN of the first flow: the flow starts at the mark, so it is a contact
    eq([f[2] for f in flist(rep) if f[0] == "pre_consent_contact"], [1], "contact at the mark's own frame")

with t.case("a frame:N mark beyond the first capture is ignored with a warning"):
    rc, out, err = run("replay", "--format", "json", "--profile", NORULES, "--consent-at", "frame:999", CLI)
    eq(rc, 1, "exit status")
    assert "mark frame:999: the first capture has no such frame; the mark is ignored" in err, err
    rep = json.loads(out)
    eq([ph for _, _, ph in phases(rep)], ["before_consent"] * 3, "phases")

BAD_MARKS = ["yesterday", "2024-05-01T10:00:05", "2024-05-01T10:00:05+0800", "2024-13-01T10:00:05Z",
             "frame:0", "frame:-1", "frame:", "frame:x", ""]
with t.case("bad --consent-at / --withdraw-at values are usage errors (exit 2, nothing on stdout)"):
    for opt in ("--consent-at", "--withdraw-at"):
        for m in BAD_MARKS:
            rc, out, err = run("replay", "--format", "json", "--profile", NORULES, opt, m, CLI)
            eq((rc, out), (2, b""), f"{opt} {m!r}")
            assert "is neither an RFC 3339 time" in err, err

with t.case("a time offset with non-digits (+0a:00), out of range (+99:99) or an impossible date (Feb 31) is a "
          "usage error"):
    for m in ("2024-05-01T10:00:05+0a:00", "2024-05-01T10:00:05+99:99", "2024-02-31T10:00:05Z"):
        rc, out, err = run("replay", "--format", "json", "--profile", NORULES, "--consent-at", m, CLI)
        eq(rc, 2, m)

# ---------------------------------------------------------------------------
# several captures: phases by time across files

with t.case("multi/: the consent and withdrawal in b.pcap set the phases of a.pcap's uploads by time"):
    rep = audit("--profile", BASE, p("multi"))
    eq([i["path"].split("/")[-1] for i in rep["inputs"]], ["a.pcap", "b.pcap"], "inputs")
    eq(events(rep), [("consent", "2024-05-01T10:00:10.003000Z", 1, 4, "rule:privacy-agree"),
                     ("withdrawal", "2024-05-01T10:00:30.003000Z", 1, 12, "rule:privacy-revoke")], "events")
    eq(phases(rep), [(0, 4, "before_consent"), (0, 12, "after_consent"), (0, 20, "after_withdrawal"),
                     (1, 4, "before_consent"), (1, 12, "after_consent")], "phases")
    eq(flist(rep), [("pre_consent_contact", 0, 1, "log.umeng.com", []), ("pre_consent", 0, 4, "log.umeng.com", OAID),
                    ("cleartext_pi", 0, 4, "log.umeng.com", OAID), ("cleartext_pi", 0, 12, "log.umeng.com", OAID),
                    ("cleartext_pi", 0, 20, "log.umeng.com", OAID),
                    ("after_withdrawal", 0, 20, "log.umeng.com", OAID)], "findings")

with t.case("multi: the order of the files on the command line changes input numbers, not phases or findings"):
    rep = audit("--profile", BASE, p("multi/b.pcap"), p("multi/a.pcap"))
    eq(phases(rep), [(0, 4, "before_consent"), (0, 12, "after_consent"), (1, 4, "before_consent"),
                     (1, 12, "after_consent"), (1, 20, "after_withdrawal")], "phases")
    eq([(f[0], f[1], f[2]) for f in flist(rep)],
       [("pre_consent_contact", 1, 1), ("pre_consent", 1, 4), ("cleartext_pi", 1, 4), ("cleartext_pi", 1, 12),
        ("cleartext_pi", 1, 20), ("after_withdrawal", 1, 20)], "findings")

with t.case("multi: frame:N marks refer to the first capture"):
    rep = audit("--profile", NORULES, "--consent-at", "frame:12", p("multi"))
    eq(events(rep), [("consent", "2024-05-01T10:00:20.003000Z", 0, 12, "cli")], "events")
    eq([ph for _, _, ph in phases(rep)][:3], ["before_consent", "before_consent", "after_consent"], "phases")

# ---------------------------------------------------------------------------
# canaries (canary.yaml: identity.name "Quokka Tester 42", account.username "K9x2")

CANARY_FORMS = ["raw", "lower", "upper", "embedded", "url", "b64", "b64_nopad", "md5", "md5_upper", "sha1",
                "sha1_upper", "sha256", "sha256_upper"]

with t.case("canaries: found raw, case-folded, embedded, URL-encoded, base64 and as MD5/SHA-1/SHA-256 hex"):
    rep = audit("--profile", p("canary.yaml"), "--reveal-values", p("canary.pcap"))
    fields = {f["path"]: f for f in rep["transmissions"][0]["fields"]}
    v = b"Quokka Tester 42"
    want_values = {"url": "Quokka%20Tester%2042", "b64": base64.b64encode(v).decode(),
                   "b64_nopad": base64.b64encode(v).decode().rstrip("="), "md5": hashlib.md5(v).hexdigest(),
                   "md5_upper": hashlib.md5(v).hexdigest().upper(), "sha1": hashlib.sha1(v).hexdigest(),
                   "sha1_upper": hashlib.sha1(v).hexdigest().upper(), "sha256": hashlib.sha256(v).hexdigest(),
                   "sha256_upper": hashlib.sha256(v).hexdigest().upper()}
    for form in CANARY_FORMS:
        f = fields["body.c_" + form]
        eq((f["category"], f["rule"], f["confidence"]), ("identity.name", "canary", 1.0), form)
        if form in want_values:  # the field holds the transformed form itself, not a decoded copy
            eq(f["value"], want_values[form], form + " value")
    f = fields["body.c_short"]
    eq((f["value"], f["category"], f["rule"], f["confidence"]), ("K9x2", "account.username", "canary", 1.0), "short")

with t.case("canaries: the form that matched is named; a digest of the lower-cased value (advanced matching) counts"):
    rep = audit("--profile", p("canary.yaml"), p("canary.pcap"))
    fields = {f["path"]: f for f in rep["transmissions"][0]["fields"]}
    forms = {"raw": "value", "lower": "lowercase", "upper": "uppercase", "embedded": "value", "url": "url",
             "b64": "base64", "b64_nopad": "base64", "md5": "md5", "md5_upper": "md5", "sha1": "sha1",
             "sha1_upper": "sha1", "sha256": "sha256", "sha256_upper": "sha256"}
    for form, name in forms.items():
        eq(fields["body.c_" + form]["canary_form"], name, form)
    f = fields["body.c_n_sha256_lower_value"]
    eq((f["category"], f["rule"], f["canary_form"]), ("identity.name", "canary", "sha256(lowercase)"), "lowercase digest")

with t.case("canaries negative: other digests, a short canary inside a longer value, a prefix"):
    rep = audit("--profile", p("canary.yaml"), p("canary.pcap"))
    fields = {f["path"]: f for f in rep["transmissions"][0]["fields"]}
    for k in ("n_sha512", "n_md5_other", "n_short_embedded", "n_partial"):
        eq((fields["body.c_" + k]["category"], fields["body.c_" + k]["rule"]), (None, None), k)

with t.case("canaries: URL-encoded in a query string (decoded there), and the transmission's categories"):
    rep = audit("--profile", p("canary.yaml"), p("canary.pcap"))
    q = {f["path"]: f for f in rep["transmissions"][1]["fields"]}["query.q"]
    eq((q["category"], q["rule"], q["confidence"]), ("identity.name", "canary", 1.0), "query.q")
    eq([(f[0], f[2], f[4]) for f in flist(rep)],
       [("pre_consent", 4, ["identity.name", "account.username"]),
        ("cleartext_pi", 4, ["identity.name", "account.username"]),
        ("pre_consent", 12, ["identity.name"]), ("cleartext_pi", 12, ["identity.name"])], "findings")

with t.case("canaries: without the profile the same fields are not classified"):
    rep = audit(p("canary.pcap"), rc=0)
    eq([f["path"] for tx in rep["transmissions"] for f in tx["fields"] if f["category"]], [], "classified")
    eq(rep["findings"], [], "findings")

# ---------------------------------------------------------------------------
# profile errors

BAD = [("bad-unknown-key.yaml", 5, "unknown key 'colour' in the profile"),
       ("bad-unknown-category.yaml", 7, "disclosed: unknown category 'device.fingerprint'"),
       ("bad-consent-kind.yaml", 7, "consent rule kind must be consent, withdrawal, mandatory_start or mandatory_end, not 'agree'"),
       ("bad-syntax.yaml", 4, "YAML did not find expected ',' or '}' while parsing a flow mapping")]
for name, line, msg in BAD:
    with t.case(f"profile error {name}: 'file:{line}: {msg}', exit 2, nothing on stdout"):
        path = p(name)
        rc, out, err = run("replay", "--format", "json", "--profile", path, p("clean.pcap"))
        eq((rc, out), (2, b""), "exit status and stdout")
        lines = err.splitlines()
        eq(lines[0], f"{path}:{line}: {msg}", "first line")
        eq(lines[-1], f"privaudit: {path}: 1 problem in the profile", "last line")

with t.case("profile errors are all reported, each with its line"):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("app: {name: X}\nfirst_party: {organization: A, domains: [a.test]}\ncolour: blue\n"
                "necessary_before_consent: [device.nope, nope.*]\ncanaries: {identity.nope: [abcdefg]}\n")
    try:
        rc, out, err = run("replay", "--format", "json", "--profile", f.name, p("clean.pcap"))
        eq((rc, out), (2, b""), "exit status and stdout")
        eq(err.splitlines(), [f"{f.name}:3: unknown key 'colour' in the profile",
                              f"{f.name}:4: necessary_before_consent: unknown category 'device.nope'",
                              f"{f.name}:4: necessary_before_consent: unknown category 'nope.*'",
                              f"{f.name}:5: canaries: unknown category 'identity.nope'",
                              f"privaudit: {f.name}: 4 problems in the profile"], "stderr")
    finally:
        os.unlink(f.name)

with t.case("a profile that does not exist is a usage error"):
    rc, out, err = run("replay", "--format", "json", "--profile", p("no-such.yaml"), p("clean.pcap"))
    eq((rc, out), (2, b""), "exit status and stdout")
    assert "no-such.yaml" in err, err

with t.case("an unknown key inside app: is a profile error"):
    rc, out, err = run("replay", "--format", "json", "--profile", p("bad-app-key.yaml"), p("clean.pcap"))
    eq(rc, 2, "exit status")
    assert ":2:" in err and "version" in err, err

# ---------------------------------------------------------------------------
# exit status, no personal data, determinism

with t.case("no personal data and consent before the only third-party contact: no findings, exit 0"):
    rep = audit("--profile", BASE, "--consent-at", "2024-05-01T10:00:05Z", p("clean.pcap"), rc=0)
    eq(rep["findings"], [], "findings")
    eq([ph for _, _, ph in phases(rep)], ["before_consent", "after_consent"], "phases")
    eq(audit(p("clean.pcap"), rc=0)["findings"], [], "without a profile")

with t.case("the same capture without the mark: one pre_consent_contact (frame 9), exit 1"):
    rep = audit("--profile", BASE, p("clean.pcap"), rc=1)
    eq(flist(rep), [("pre_consent_contact", 0, 9, "log.umeng.com", [])], "findings")

with t.case("determinism: two runs with a profile and marks are byte-identical (json, text, md)"):
    for fmt in ("json", "text", "md"):
        args = ("replay", "--format", fmt, "--profile", BASE, "--withdraw-at", "frame:100", TL)
        a = run(*args)
        b = run(*args)
        eq(a[0], 1, "exit status")
        assert a[1] == b[1] and a[1], f"{fmt}: the two reports differ"

# ---------------------------------------------------------------------------
# the demo against captures/demo/README.md

CATEGORY_IDS = set(re.findall(r"\bid: ([a-z_]+\.[a-z_0-9]+)",
                              open(os.path.join(TOP_SRCDIR, "signatures", "categories.yaml")).read()))


def demo_readme(demo=DEMO):
    """What a demo's README.md says an auditor should raise:
    {(type, frame): (host, categories or None)} and {frame: phase}."""
    text = open(os.path.join(demo, "README.md"), encoding="utf-8").read()
    want, ph = {}, {}
    http = text.split("## HTTP requests")[1].split("\n## ")[0]
    for line in http.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or not cells[0].isdigit():
            continue
        frame = int(re.match(r"\d+", cells[1]).group())
        host = cells[5].strip("`")
        ph[frame] = cells[3]
        for m in re.finditer(r"\*\*(\w+)\*\*(?:\s*\(([^)]*)\))?", cells[8]):
            if m.group(1) in TYPES:
                listed = (m.group(2) or "").split("\u2014")[0]  # what follows a dash explains
                cats = [c for c in re.findall(r"[a-z_]+\.[a-z_0-9]+", listed) if c in CATEGORY_IDS]
                want[(m.group(1), frame)] = (host, cats or None)
    tls = text.split("## TLS connections")[1].split("\n## ")[0] if "## TLS connections" in text else ""
    for line in tls.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not cells[0].startswith("`"):
            continue
        first = int(re.match(r"\d+", cells[4]).group())  # the flow's first frame
        for m in re.finditer(r"\*\*(\w+)\*\*", cells[6]):
            if m.group(1) in TYPES:
                want[(m.group(1), first)] = (cells[0].strip("`"), None)
    return want, ph


def demo_expected():
    """The README's list, plus the connection finding its request table cannot show: the README lists
    findings per HTTP request, while pre_consent_contact belongs to the connection, and the Umeng
    connection opens at frame 3 (its request completes at frame 6), before consent at 38."""
    want, ph = demo_readme()
    want[("pre_consent_contact", 3)] = ("log.umeng.com", None)
    return want, ph


def check_demo(rep, want):
    got = {(f["type"], f["frame"]): f for f in rep["findings"]}
    eq(len(got), len(rep["findings"]), "one finding per (type, frame)")
    eq(sorted(got), sorted(want), "(type, frame) of the findings")
    for key, (host, cats) in sorted(want.items()):
        eq(got[key]["host"], host, f"{key} host")
        if cats is not None:
            eq(sorted(got[key]["categories"]), sorted(cats), f"{key} categories")


# the consent request is the last one before consent, the withdrawal request the last after consent
PHASE_NAME = {"before consent": "before_consent", "after consent": "after_consent",
              "after withdrawal": "after_withdrawal", "consent event": "before_consent",
              "withdrawal event": "after_consent"}


with t.case("demo (old user): captures/demo/old-user/README.md's findings are exactly the report's"):
    rep = audit("--profile", os.path.join(DEMO, "lingoup.yaml"), DEMO)
    check_demo(rep, demo_expected()[0])

with t.case("demo (old user): consent at frame 38 and withdrawal at 99 by the profile rules, the mandatory "
            "first-login step ends at the home screen's first request (41); the phases of the README"):
    rep = audit("--profile", os.path.join(DEMO, "lingoup.yaml"), DEMO)
    eq(events(rep), [("consent", "2024-03-12T08:00:52.064000Z", 0, 38, "rule:privacy-agree"),
                     ("mandatory_end", "2024-03-12T08:00:52.911000Z", 0, 41, "rule:home"),
                     ("withdrawal", "2024-03-12T08:02:10.491540Z", 0, 99, "rule:privacy-revoke")], "events")
    eq([(w["start"], w["end"]["frame"]) for w in rep["consent"]["mandatory_windows"]], [(None, 41)], "window")
    _, ph = demo_readme()
    eq([(tx["frame"], tx["phase"]) for tx in rep["transmissions"]],
       [(fr, PHASE_NAME[v]) for fr, v in sorted(ph.items())], "phases")
    eq({r["host"]: (r["relation"], r["disclosed"]) for r in rep["recipients"]},
       {"ads.tracker.example": ("unknown", False), "api.lingoread.cn": ("affiliate", False),
        "api.lingoup.cn": ("first_party", False), "log.umeng.com": ("third_party", True),
        "sdk.push.example": ("third_party", True)}, "recipients")

NEW_PROFILE = os.path.join(DEMO_NEW, "lingoup-new-user.yaml")

with t.case("demo (new user): captures/demo/new-user/README.md's findings are exactly the report's"):
    rep = audit("--profile", NEW_PROFILE, DEMO_NEW)
    want, _ = demo_readme(DEMO_NEW)
    check_demo(rep, want)
    eq(sorted({k[0] for k in want}), ["bundled_consent", "cleartext_pi", "forced_collection", "undisclosed_category",
                                      "undisclosed_recipient"], "the README's finding types")

with t.case("demo (new user): consent at frame 9, the mandatory step from the questionnaire (12) to the home screen "
            "(38) by the profile rules; bundled_consent at the consent lists the four forced requests"):
    rep = audit("--profile", NEW_PROFILE, DEMO_NEW)
    eq(events(rep), [("consent", "2024-03-19T09:30:06.418000Z", 0, 9, "rule:privacy-agree"),
                     ("mandatory_start", "2024-03-19T09:30:08.905000Z", 0, 12, "rule:questionnaire-start"),
                     ("mandatory_end", "2024-03-19T09:30:30.512000Z", 0, 38, "rule:home")], "events")
    eq([(w["start"]["frame"], w["end"]["frame"]) for w in rep["consent"]["mandatory_windows"]], [(12, 38)], "window")
    b = [f for f in rep["findings"] if f["type"] == "bundled_consent"]
    eq([(f["frame"], f["frames"], f["categories"]) for f in b],
       [(9, [15, 18, 32, 35], ["identity.name", "profile.occupation", "profile.learning_goal",
                               "profile.language_level"])], "bundled_consent")
    eq([(f["frame"], f["categories"]) for f in rep["findings"] if f["type"] == "forced_collection"],
       [(15, ["profile.occupation"]), (18, ["profile.learning_goal"]), (32, ["profile.language_level"]),
        (35, ["identity.name"])], "forced_collection: not the phone (necessary), not Umeng (frame 26, an SDK)")
    _, ph = demo_readme(DEMO_NEW)
    eq([(tx["frame"], tx["phase"]) for tx in rep["transmissions"]],
       [(fr, PHASE_NAME[v]) for fr, v in sorted(ph.items())], "phases")
    eq({r["host"]: (r["relation"], r["disclosed"]) for r in rep["recipients"]},
       {"api.lingoread.cn": ("affiliate", False), "api.lingoup.cn": ("first_party", False),
        "log.umeng.com": ("third_party", True)}, "recipients")

with t.case("demo: the two flows are separate runs (each directory one input, its own device and timeline)"):
    for d, prof in ((DEMO, os.path.join(DEMO, "lingoup.yaml")), (DEMO_NEW, NEW_PROFILE)):
        rep = audit("--profile", prof, d)
        eq(len(rep["inputs"]), 1, d)

with t.case("README.md: the two demo tables (type, severity, frames) are the reports' findings"):
    text = open(os.path.join(TOP_SRCDIR, "README.md"), encoding="utf-8").read()
    tables, cur = [], None
    for line in text.splitlines():
        if line.startswith("| type | severity | where | what |"):
            cur = {}
            tables.append(cur)
        elif cur is not None and line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            cur[cells[0]] = (cells[1], [int(x) for x in re.findall(r"\d+", cells[2].split("(")[0])])
        elif not line.startswith("|"):
            cur = None
    eq(len(tables), 2, "two demo tables")
    for table, (prof, d) in zip(tables, ((os.path.join(DEMO, "lingoup.yaml"), DEMO), (NEW_PROFILE, DEMO_NEW))):
        rep = audit("--profile", prof, d)
        got = {}
        for f in rep["findings"]:
            got.setdefault(f["type"], (f["severity"], []))[1].append(f["frame"])
        eq(table, got, d)

# ---------------------------------------------------------------------------
# engine bugs found while writing these tests, now fixed

with t.case("pre_consent_contact for a host in no list (relation unknown) contacted before consent"):
    rep = audit("--profile", BASE, p("unknown-contact.pcap"))
    eq([(f[0], f[2], f[3]) for f in flist(rep)],
       [("pre_consent_contact", 1, "ads.tracker.test"), ("pre_consent_contact", 9, "push.pushco.test")], "findings")

with t.case("overlapping disclosed entries: a category disclosed for umeng.com stays disclosed for log.umeng.com "
          "whatever the entries' order"):
    rep = audit("--profile", p("two-disclosed.yaml"), "--consent-at", "2024-05-01T09:00:00Z", p("cli.pcap"))
    eq(sorted({f[0] for f in flist(rep)}), ["cleartext_pi"], "finding types")

t.done()
