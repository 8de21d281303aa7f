"""End-to-end: the command line itself (help, version, usage and input errors,
tcpdump's habits: -r, -c, -q, -v, -f)."""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, TOP_SRCDIR, Tap, run, eq  # noqa: E402

POLICY = os.path.join(CAPTURES, "test", "policy")
TIMELINE = os.path.join(POLICY, "timeline.pcap")

t = Tap()

with t.case("--version prints the version"):
    rc, out, _ = run("--version", check_rc=0)
    assert out.decode().startswith("privaudit 0."), out

with t.case("help replay lists every option"):
    rc, out, _ = run("help", "replay", check_rc=0)
    text = out.decode()
    for opt in ["--output", "--format", "--list-requests", "--max-flows", "--max-memory",
                "--tcp-timeout", "--udp-timeout", "--reveal-values", "--max-body", "--flows-only", "--help"]:
        assert opt in text, f"{opt} missing from help"

with t.case("no command is a usage error (exit 2)"):
    run(check_rc=2)

with t.case("unknown command is a usage error"):
    rc, _, err = run("frobnicate", check_rc=2)
    assert "unknown command 'frobnicate'" in err, err

with t.case("unknown option is a usage error"):
    run("replay", "--no-such-option", "x.pcap", check_rc=2)

with t.case("usage errors: one line starting privaudit:, then the help of the command used"):
    cases = [
        (["replay", "--frob", "x.pcap"], "privaudit: unknown option '--frob'", "replay"),
        (["replay", "-x", "x.pcap"], "privaudit: unknown option '-x'", "replay"),
        (["replay", "x.pcap", "-o"], "privaudit: option '-o' needs a value", "replay"),
        (["replay", "x.pcap", "--output"], "privaudit: option '--output' needs a value", "replay"),
        (["replay", "-c", "0", "x.pcap"], "privaudit: -c wants a positive number of frames, not '0'", "replay"),
        (["verify", "--zzz", "r.json"], "privaudit: unknown option '--zzz'", "verify"),
        (["capture", "--frob"], "privaudit: unknown option '--frob'", "capture"),
        (["signatures", "frob"], "privaudit: unknown signatures command 'frob' (list, check, explain or classify)",
         "signatures"),
        (["signatures", "explain", "--frob", "x"], "privaudit: unknown option '--frob'", "signatures"),
        (["profile", "frob"], "privaudit: profile has one subcommand: check", "profile"),
        (["help", "frob"], "privaudit: unknown command 'frob'", None),
        (["frob"], "privaudit: unknown command 'frob' (replay, capture, signatures, profile, verify or help)", None),
    ]
    for args, first, cmd in cases:
        rc, out, err = run(*args)
        eq(rc, 2, f"{args} exit status")
        hint = f"Try 'privaudit help {cmd}'." if cmd else "Try 'privaudit help'."
        eq(err.splitlines(), [first, hint], f"{args} stderr")
        eq(out, b"", f"{args} stdout")

with t.case("help: every command has one; each option it lists is in the man page, and is accepted"):
    man = open(os.path.join(TOP_SRCDIR, "docs", "privaudit.1")).read().replace("\\-", "-")
    for cmd in ("replay", "capture", "signatures", "profile", "verify"):
        rc, out, _ = run("help", cmd, check_rc=0)
        text = out.decode()
        assert text.startswith(f"usage: privaudit {cmd}"), text[:80]
        eq(run(cmd, "--help", check_rc=0)[1].decode(), text, f"{cmd} --help is help {cmd}")
        assert re.search(r"^\.B(I|R)? " + re.escape(cmd) + r"\b", man, re.M), f"{cmd} not in COMMANDS"
        for opt in sorted(set(re.findall(r"(?:^|[\s,\[])(--?[a-zA-Z][a-z-]*)", text))):
            assert opt in man, f"{cmd} {opt} is not in privaudit.1"
            if cmd in ("replay", "capture") and opt not in ("-h", "--help"):
                _, _, err = run(cmd, opt)
                assert "unknown option" not in err, f"{cmd} {opt}: {err}"

with t.case("-c N stops after N frames (those the filter passes), records it, and verify repeats it"):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        rc, _, err = run("replay", "-c", "5", "-o", out, TIMELINE, TIMELINE)
        rep = json.load(open(out))
        eq([i["frames"] for i in rep["inputs"]], [5], "one input read, five frames")
        eq(rep["tool"]["options"]["count"], 5, "tool.options.count")
        eq(rep["summary"]["warnings"], ["-c 5: the audit stopped at frame 5 of timeline.pcap; what follows was not "
                                        "read"], "summary warning")
        full = json.loads(run("replay", "-T", "json", TIMELINE)[1])
        eq(full["tool"]["options"]["count"], None, "no -c: count null")
        assert full["inputs"][0]["frames"] > 5, full["inputs"][0]["frames"]
        eq(rep["inputs"][0]["sha256"], full["inputs"][0]["sha256"], "the hash is of the whole file")
        rc, vout, verr = run("verify", out)
        eq(rc, 0, f"verify of a -c report ({verr})")
        # with a filter, -c counts the frames it passed; the others keep their numbers
        rc, o, _ = run("replay", "-T", "json", "-c", "2", "-f", "tcp[tcpflags] & tcp-syn != 0", TIMELINE)
        r2 = json.loads(o)
        eq(r2["coverage"]["packets"]["total"] - r2["coverage"]["packets"]["filtered"], 2, "two frames audited")

with t.case("-q: no warnings, no summary; -v: one line per capture read"):
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty.pcap")
        open(empty, "wb").close()
        rc, out, err = run("replay", "-q", "-T", "json", TIMELINE, empty)
        eq(rc, 2, "an unreadable input still fails")
        eq(err.splitlines(), [f"privaudit: {empty}: empty file, not a capture"], "-q: only the error")
        rc, out, err = run("replay", "-v", "-T", "json", TIMELINE)
        lines = err.splitlines()
        eq(len(lines), 1, f"-v lines: {lines}")
        assert re.fullmatch(re.escape(f"privaudit: {TIMELINE}: pcap, EN10MB, ") +
                            r"\d+ frames \(0 filtered out\), \d+ requests, TLS \d+ decrypted of \d+", lines[0]), lines

with t.case("signatures list: every category, its sensitivity, English and Chinese names"):
    rc, out, _ = run("signatures", "list", check_rc=0)
    rows = [line.split("\t") for line in out.decode().splitlines()]
    assert all(len(r) == 4 for r in rows), rows[:3]
    by_id = {r[0]: r for r in rows}
    eq(by_id["identity.name"][1:], ["personal", "Name", "姓名"], "identity.name")
    eq(by_id["location.precise"][1], "sensitive", "precise location is sensitive")
    import yaml
    cats = yaml.safe_load(open(os.path.join(TOP_SRCDIR, "signatures", "categories.yaml")))["categories"]
    eq(sorted(by_id), sorted(c["id"] for c in cats), "the ids of categories.yaml")
    eq(len(rows), len(by_id), "each once")

with t.case("profile check: a good profile in one line, a bad one file:line and exit 2"):
    good = os.path.join(POLICY, "base.yaml")
    rc, out, err = run("profile", "check", good, check_rc=0)
    line = out.decode()
    assert line.startswith(good + ": app ") and re.search(r"; sha256 [0-9a-f]{64}\n$", line), line
    rc, out, err = run("profile", "check", os.path.join(POLICY, "bad-unknown-category.yaml"), check_rc=2)
    assert re.search(r"bad-unknown-category\.yaml:\d+: ", err), err
    eq(out, b"", "nothing on stdout")

with t.case("bad --format value"):
    rc, _, err = run("replay", "--format", "xml", "x.pcap", check_rc=2)
    assert "unknown format 'xml'" in err, err

with t.case("bad --max-flows value"):
    rc, _, err = run("replay", "--max-flows", "-3", "x.pcap", check_rc=2)
    assert "--max-flows" in err, err

with t.case("replay without captures"):
    rc, _, err = run("replay", check_rc=2)
    assert "at least one CAPTURE" in err, err

with t.case("missing path: one line naming the file, exit 2, report still written"):
    rc, out, err = run("replay", "--format", "json", "/nonexistent/x.pcap", check_rc=2)
    lines = err.strip().splitlines()
    eq(lines, ["privaudit: /nonexistent/x.pcap: No such file or directory"], "stderr")
    import json
    rep = json.loads(out)
    eq(rep["inputs"][0]["error"], "No such file or directory", "input error")
    eq(rep["inputs"][0]["sha256"], None, "sha256 of a missing file")

with t.case("-o to an unwritable place"):
    rc, _, err = run("replay", "-o", "/nonexistent/dir/r.json", "/nonexistent/x.pcap", check_rc=2)
    assert "cannot write report" in err, err

t.done()
