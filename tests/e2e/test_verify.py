"""End-to-end: reports a regulator can reproduce: `privaudit verify` passes on
an untouched capture and fails, listing the differences, on a tampered one;
the Markdown and text reports carry the findings."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, Tap, eq, run  # noqa: E402

t = Tap()
DEMO = os.path.join(CAPTURES, "demo", "old-user")
PROFILE = os.path.join(DEMO, "lingoup.yaml")
PCAP = os.path.join(DEMO, "lingoup-first-login.pcap")

with tempfile.TemporaryDirectory() as d:
    report = os.path.join(d, "r.json")
    with t.case("verify: the recorded audit is reproduced"):
        run("replay", "--profile", PROFILE, "--consent-at", "frame:38", "-o", report, DEMO, check_rc=1)
        rep = json.load(open(report))
        eq(rep["tool"]["options"]["marks"], ["consent:frame:38"], "recorded marks")
        eq(rep["tool"]["options"]["profile"], PROFILE, "recorded profile")
        rc, out, err = run("verify", report, check_rc=0)
        eq(out.decode().strip(), f"reproduced: 1 input with the same SHA-256, {len(rep['findings'])} identical findings",
           "verify output")

    with t.case("verify: a tampered capture is caught"):
        tampered = os.path.join(d, "tampered.pcap")
        data = bytearray(open(PCAP, "rb").read())
        # change the phone number inside the onboarding request (frame 32)
        at = data.find(b"13812345678")
        assert at > 0
        data[at:at + 11] = b"13800000000"
        open(tampered, "wb").write(bytes(data))
        rc, out, err = run("verify", report, tampered, check_rc=1)
        text = out.decode()
        assert "input 0 (" in text and "sha256" in text, text
        assert text.strip().endswith("the report is NOT reproduced"), text

    with t.case("verify: a changed profile is caught"):
        prof2 = os.path.join(d, "p.yaml")
        shutil.copy(PROFILE, prof2)
        rep = json.load(open(report))
        rep["tool"]["options"]["profile"] = prof2
        json.dump(rep, open(report, "w"))
        with open(prof2, "a") as f:
            f.write("necessary_before_consent_extra: 1\n")
        rc, out, err = run("verify", report)
        eq(rc, 2, "exit status when the profile no longer loads")
        assert "unknown key 'necessary_before_consent_extra'" in err, err

    with t.case("verify: a file that is not a report"):
        rc, out, err = run("verify", PROFILE, check_rc=2)
        assert "not a privaudit report" in err, err

with tempfile.TemporaryDirectory() as d:
    with t.case("verify: the new-user demo (mandatory step from profile rules) is reproduced"):
        new = os.path.join(CAPTURES, "demo", "new-user")
        report = os.path.join(d, "n.json")
        run("replay", "--profile", os.path.join(new, "lingoup-new-user.yaml"), "-o", report, new, check_rc=1)
        rep = json.load(open(report))
        eq(len(rep["consent"]["mandatory_windows"]), 1, "one window")
        rc, out, err = run("verify", report, check_rc=0)
        eq(out.decode().strip(), f"reproduced: 1 input with the same SHA-256, {len(rep['findings'])} identical findings",
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
