"""End-to-end: the command line itself (help, version, usage and input errors)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import Tap, run, eq  # noqa: E402

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
