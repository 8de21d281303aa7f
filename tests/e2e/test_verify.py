"""End-to-end: reports a regulator can reproduce: `privaudit verify` passes on
an untouched capture and fails, listing the differences, on a tampered one;
the Markdown and text reports carry the findings."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, TOP_SRCDIR, Tap, eq, run  # noqa: E402

t = Tap()
DEMO = os.path.join(CAPTURES, "demo", "old-user")
PROFILE = os.path.join(DEMO, "lingoup.yaml")
PCAP = os.path.join(DEMO, "lingoup-first-login.pcap")

REPRODUCED = ("reproduced: 1 input with the same SHA-256; inputs, consent, device, flows, recipients, transmissions, "
              "findings and coverage identical")


def lines_of(path):
    return open(path, encoding="utf-8").read().split("\n")


def edited(src, dst, fn):
    """A copy of the report with one record changed by fn(lines)."""
    lines = lines_of(src)
    fn(lines)
    open(dst, "w", encoding="utf-8").write("\n".join(lines))


def replace_in(lines, starts, old, new):
    for i, line in enumerate(lines):
        if line.startswith(starts) and old in line:
            lines[i] = line.replace(old, new, 1)
            return
    raise AssertionError(f"no line {starts!r} holding {old!r}")


with tempfile.TemporaryDirectory() as d:
    report = os.path.join(d, "r.json")
    with t.case("verify: the recorded audit is reproduced; REPORT.sha256 is written and checked"):
        run("replay", "--profile", PROFILE, "--consent-at", "frame:38", "-o", report, DEMO, check_rc=1)
        rep = json.load(open(report))
        eq(rep["tool"]["options"]["marks"], ["consent:frame:38"], "recorded marks")
        eq(rep["tool"]["options"]["profile"], PROFILE, "recorded profile")
        eq(rep["profile"]["text"], open(PROFILE, encoding="utf-8").read(), "the profile's text is in the report")
        sums = open(report + ".sha256").read()
        eq(sums, hashlib.sha256(open(report, "rb").read()).hexdigest() + "  r.json\n", "r.json.sha256")
        rc, out, err = run("verify", report, check_rc=0)
        eq(out.decode().strip().split("\n"), ["integrity: %s matches %s.sha256" % (report, report), REPRODUCED],
           "verify output")

    with t.case("verify from another directory, with the profile file gone: the report's own copy is used"):
        elsewhere = os.path.join(d, "elsewhere")
        os.mkdir(elsewhere)
        shutil.copy(report, elsewhere)
        rel_report = os.path.join(elsewhere, "r.json")
        rc, out, err = run("verify", rel_report, PCAP, check_rc=0, cwd=elsewhere)
        assert out.decode().strip().endswith(REPRODUCED), out

    with t.case("verify: the signature set moved: found by its hash, or named with --signatures"):
        moved = os.path.join(d, "sigs-moved")
        shutil.copytree(os.path.join(TOP_SRCDIR, "signatures"), moved)
        rep2 = os.path.join(d, "r2.json")
        run("replay", "--signatures", moved, "--profile", PROFILE, "-o", rep2, DEMO, check_rc=1)
        shutil.rmtree(moved)
        rc, out, err = run("verify", rep2, check_rc=0)  # the installed set has the same hash
        assert out.decode().strip().endswith(REPRODUCED), out
        changed = os.path.join(d, "sigs-changed")
        shutil.copytree(os.path.join(TOP_SRCDIR, "signatures"), changed)
        with open(os.path.join(changed, "categories.yaml"), "a") as f:
            f.write("  - {id: test.extra, en: X, zh: X, sensitive: false, reference: test}\n")
        rc, out, err = run("verify", rep2, "--signatures", changed, check_rc=1)
        text = out.decode()
        assert "tool.signatures_sha256: " in text and "tool.signatures.sha256: " in text, text

    with t.case("verify: each edit of the report is caught and named, with the report's value and the value now"):
        cases = [
            ("consent", lambda L: replace_in(L, '  "consent"', '"frame":38', '"frame":3'),
             'consent.events[0].frame: 3 -> 38'),
            ("relation", lambda L: replace_in(L, '    {"host":"api.lingoread.cn"', '"relation":"affiliate"',
                                              '"relation":"first_party"'),
             'recipients[1].relation: "first_party" -> "affiliate"'),
            ("host", lambda L: replace_in(L, '    {"id":2,"phase"', '"host":"api.lingoup.cn"', '"host":"api.example.org"'),
             'transmissions[1].host: "api.example.org" -> "api.lingoup.cn"'),
            ("sha", lambda L: replace_in(L, '    {"id":1,"phase"', rep["transmissions"][0]["fields"][0]["value_sha256"],
                                         "0" * 64),
             'transmissions[0].fields[0].value_sha256: "' + "0" * 64 + '" -> "'
             + rep["transmissions"][0]["fields"][0]["value_sha256"] + '"'),
            ("coverage", lambda L: replace_in(L, '  "coverage"', '"total":115', '"total":116'),
             'coverage.packets.total: 116 -> 115'),
        ]
        for name, fn, want in cases:
            path = os.path.join(d, name + ".json")
            edited(report, path, fn)
            rc, out, err = run("verify", path, check_rc=1)
            text = out.decode()
            assert want in text.split("\n"), (name, text)
            assert text.strip().endswith("1 difference: the report is NOT reproduced"), (name, text)

    with t.case("verify: an edited report whose .sha256 was kept is caught twice"):
        path = os.path.join(d, "kept.json")
        edited(report, path, cases[0][1])
        shutil.copy(report + ".sha256", path + ".sha256")
        rc, out, err = run("verify", path, check_rc=1)
        text = out.decode()
        assert "the report changed after it was written" in text, text
        assert text.strip().endswith("2 differences: the report is NOT reproduced"), text

    with t.case("verify: a reformatted report (one JSON document, another layout) is still compared record by record"):
        path = os.path.join(d, "pretty.json")
        json.dump(json.load(open(report)), open(path, "w"), indent=2, ensure_ascii=False)
        rc, out, err = run("verify", path, check_rc=0)
        assert out.decode().strip().endswith(REPRODUCED), out

    with t.case("verify: a flipped byte in the capture is caught and named"):
        tampered = os.path.join(d, "tampered.pcap")
        data = bytearray(open(PCAP, "rb").read())
        # change the phone number inside the onboarding request (frame 32)
        at = data.find(b"13812345678")
        assert at > 0
        data[at:at + 11] = b"13800000000"
        open(tampered, "wb").write(bytes(data))
        rc, out, err = run("verify", report, tampered, check_rc=1)
        text = out.decode()
        assert 'inputs[0].sha256: "%s" -> "%s"' % (rep["inputs"][0]["sha256"], hashlib.sha256(bytes(data)).hexdigest()) \
            in text, text
        assert text.strip().endswith("the report is NOT reproduced"), text

    with t.case("verify: another profile given with --profile is run and its difference named"):
        prof2 = os.path.join(d, "p.yaml")
        with open(prof2, "w") as f:
            f.write(open(PROFILE).read().replace("necessary_before_consent: [account.password]",
                                                 "necessary_before_consent: [account.password, contact.phone]"))
        rc, out, err = run("verify", report, "--profile", prof2, check_rc=1)
        text = out.decode()
        assert 'profile.sha256: ' in text and 'profile.text: ' in text, text
        with open(prof2, "a") as f:
            f.write("necessary_before_consent_extra: 1\n")
        rc, out, err = run("verify", report, "--profile", prof2)
        eq(rc, 2, "exit status when the profile does not load")
        assert "unknown key 'necessary_before_consent_extra'" in err, err

    with t.case("sign: --sign KEY writes REPORT.sig (Ed25519); verify --pubkey checks it; openssl agrees"):
        key, pub = os.path.join(d, "k.pem"), os.path.join(d, "k.pub")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
        signed = os.path.join(d, "signed.json")
        run("replay", "--sign", key, "--case", "2026-CN-042", "--examiner", "Li Wei", "--note", "first login",
            "--profile", PROFILE, "-o", signed, DEMO, check_rc=1)
        eq(json.load(open(signed))["case"], {"id": "2026-CN-042", "examiner": "Li Wei", "note": "first login"}, "case")
        eq(len(open(signed + ".sig", "rb").read()), 64, "signature bytes")
        rc, out, err = run("verify", signed, "--pubkey", pub, check_rc=0)
        assert "signature: good (Ed25519, %s)" % pub in out.decode(), out
        p = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", signed,
                            "-sigfile", signed + ".sig"], capture_output=True)
        eq(p.returncode, 0, "openssl pkeyutl -verify")
        other = os.path.join(d, "other.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", other], check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", other, "-pubout", "-out", other + ".pub"], check=True,
                       capture_output=True)
        rc, out, err = run("verify", signed, "--pubkey", other + ".pub", check_rc=1)
        assert "the signature does not match this report and key" in out.decode(), out

    with t.case("verify: a file that is not a report"):
        rc, out, err = run("verify", PROFILE, check_rc=2)
        assert "not a privaudit report" in err, err

with t.case("summary: first and last packet time, span, and a warning when the clock goes backwards"):
    rep = json.loads(run("replay", "--format", "json", PCAP, check_rc=(0, 1))[1])
    eq((rep["summary"]["first_ts"], rep["summary"]["last_ts"], rep["summary"]["span_seconds"], rep["summary"]["warnings"]),
       ("2024-03-12T08:00:00.000000Z", "2024-03-12T08:02:12.121080Z", 132, []), "summary")
    with tempfile.TemporaryDirectory() as d:
        data = bytearray(open(PCAP, "rb").read())
        # move frame 2's time an hour back: pcap record header at 24 (+16 + caplen of frame 1)
        cap1 = int.from_bytes(data[24 + 8:24 + 12], "little")
        at = 24 + 16 + cap1
        sec = int.from_bytes(data[at:at + 4], "little")
        data[at:at + 4] = (sec - 3600).to_bytes(4, "little")
        back = os.path.join(d, "back.pcap")
        open(back, "wb").write(bytes(data))
        rep = json.loads(run("replay", "--format", "json", back, check_rc=(0, 1))[1])
        eq(rep["inputs"][0]["time_backwards"], {"frames": 1, "first_frame": 2}, "time_backwards")
        eq(rep["summary"]["warnings"], ["back.pcap: time goes backwards at 1 frames, first at frame 2"], "warning")

with tempfile.TemporaryDirectory() as d:
    with t.case("verify: the new-user demo (mandatory step from profile rules) is reproduced"):
        new = os.path.join(CAPTURES, "demo", "new-user")
        report = os.path.join(d, "n.json")
        run("replay", "--profile", os.path.join(new, "lingoup-new-user.yaml"), "-o", report, new, check_rc=1)
        rep = json.load(open(report))
        eq(len(rep["consent"]["mandatory_windows"]), 1, "one window")
        rc, out, err = run("verify", report, check_rc=0)
        eq(out.decode().strip().splitlines()[-1], ("reproduced: 1 input with the same SHA-256; inputs, consent, device, flows, recipients, transmissions, "
            "findings and coverage identical"),
           "verify output")

with t.case("text and Markdown reports list the findings with their evidence"):
    rc, out, _ = run("replay", "--profile", PROFILE, "--format", "text", DEMO, check_rc=1)
    text = out.decode()
    assert "consent at 2024-03-12T08:00:52.064000Z, frame 38 (rule:privacy-agree)" in text, text
    rep = json.loads(run("replay", "--profile", PROFILE, "--format", "json", DEMO, check_rc=1)[1])
    assert "findings: %d" % len(rep["findings"]) in text, text
    assert "after_withdrawal (high, 1)" in text and "log.umeng.com" in text, text
    rc, out, _ = run("replay", "--profile", PROFILE, "--format", "md", DEMO, check_rc=1)
    md = out.decode()
    assert md.startswith("# Privacy audit: LingoUp\n"), md[:100]
    assert "## Consent timeline" in md and "**Withdrawal** at 2024-03-12T08:02:10.491540Z (input 0, frame 99)" in md
    n = [f["id"] for f in rep["findings"] if f["type"] == "undisclosed_recipient" and f["frame"] == 52][0]
    assert "### %d. undisclosed_recipient (high)" % n in md, md
    assert "- In Wireshark: `frame.number == 52`" in md, md
    # the findings as one real table per type, with time, host, organization and legal basis
    assert "### undisclosed_recipient (high, 2)" in md, md
    assert "### forced_collection (high, 2)" in md, md
    assert "| %d | 2024-03-12T08:00:53.678540Z | api.lingoread.cn | LingoUp Reading |" % n in md, md
    assert "PIPL art. 17; PIPL art. 23; GB/T 35273-2020 9.2 |" in md, md

with t.case("--lang zh: the text and Markdown reports in Chinese, the law cited by its Chinese name"):
    rc, out, _ = run("replay", "--lang", "zh", "--profile", PROFILE, "--format", "md", DEMO, check_rc=1)
    md = out.decode()
    assert md.startswith("# 个人信息保护审计报告：LingoUp\n"), md[:100]
    assert "### 未告知的接收方 (高, 2)" in md, md
    assert "《个人信息保护法》第二十三条：向其他个人信息处理者提供个人信息的" in md, md
    assert "api.lingoread.cn（LingoUp Reading，关联方）收到了姓名、手机号码" in md, md
    rc, out, _ = run("replay", "--lang", "zh", "--profile", PROFILE, "--format", "text", DEMO, check_rc=1)
    text = out.decode()
    assert "同意 于 2024-03-12T08:00:52.064000Z, 帧 38 (rule:privacy-agree)" in text, text
    assert "撤回同意后仍收集 (高, 1)" in text, text
    rc, out, err = run("replay", "--lang", "fr", DEMO, check_rc=2)
    assert "--lang wants en or zh, not 'fr'" in err, err

with t.case("a CLI time mark prints its time alone, without a frame"):
    rc, out, _ = run("replay", "--consent-at", "2024-03-12T08:00:52Z", "--format", "text", DEMO, check_rc=(0, 1))
    text = out.decode()
    assert "consent at 2024-03-12T08:00:52.000000Z (cli)\n" in text, text

t.done()
