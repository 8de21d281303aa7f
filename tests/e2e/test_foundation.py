"""End-to-end: reading captures, packet decoding and flows, on the project's
own captures (captures/test, made by tests/gen/make-captures.sh; the facts
asserted come from captures/test/expected.json, which the generator checked
against libpcap, tshark and an independent reader)."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, Tap, eq, report, run  # noqa: E402

t = Tap()
TEST = os.path.join(CAPTURES, "test")
expected = json.load(open(os.path.join(TEST, "expected.json")))["files"]


def norm_host_source(s):
    if s is None:
        return None
    s = s.lower()
    if s.startswith("http"):
        return "http"
    if "sni" in s:
        return "sni"
    if s.startswith("dns query"):
        return "dns_query"
    if s.startswith("dns answer"):
        return "dns_answer"
    return s


def check_flows(name, rep, exp):
    flows = rep["flows"]
    # malformed.pcap: privaudit keeps packets whose IP/UDP length claims more than
    # was captured (frames 3, 9, 10: the "tolerated alternative" in the README)
    want_flows = exp["flows"]
    if name == "malformed.pcap":
        eq([f["first_frame"] for f in flows], [3, 9, 10, 15], "malformed.pcap flow starts")
        flows = [f for f in flows if f["first_frame"] == 15]
    # IP fragments are reassembled: each of the two UDP datagrams sent as
    # fragments (frames 9-11, 12-13) is one packet of its whole IP length, in
    # the frame that completed it (the README's "reassembled" alternative)
    if name == "ipv4-options-frag.pcap":
        want_flows = [dict(f, first_frame=f["frames"][-1], packets=1,
                           bytes={11: 3028, 13: 2048}.get(f["frames"][-1], f["bytes"]))
                      if f["first_frame"] >= 9 else f for f in want_flows]
    eq(len(flows), len(want_flows), f"{name}: number of flows")
    for got, want in zip(flows, want_flows):
        what = f"{name} flow {want['flow']}"
        eq(got["first_frame"], want["first_frame"], what + " first_frame")
        eq(got["client"], want["client"], what + " client")
        eq(got["server"], want["server"], what + " server")
        eq(got["transport"], want["transport"].lower(), what + " transport")
        eq(got["host"], want["host"], what + " host")
        eq(got["host_source"], norm_host_source(want["host_source"]), what + " host_source")
        eq(got["packets"], want["packets"], what + " packets")
        eq(got["bytes"], want["bytes"], what + " bytes")
        eq(got["encapsulation"], want["encapsulation"], what + " encapsulation")
        eq(got["vlan"], want["vlan"], what + " vlan")


good = [n for n, e in sorted(expected.items()) if "flows" in e and not n.startswith("bad/")]
for name in good:
    exp = expected[name]
    with t.case(f"{name}: {exp['frames']} frames, {len(exp['flows'])} flows as expected"):
        path = os.path.join(TEST, name)
        rep = report(path)
        inp = rep["inputs"][0]
        eq(inp["frames"], exp["frames"], "frames")
        eq(inp["format"], exp["format"], "format")
        eq(inp["error"], None, "error")
        eq(inp["sha256"], hashlib.sha256(open(path, "rb").read()).hexdigest(), "sha256")
        check_flows(name, rep, exp)
        # what could not be decoded, and why (captures/test/encap/)
        if "coverage" in exp:
            pk = rep["coverage"]["packets"]
            got = {k: v for k, v in pk.items() if v and k not in ("total", "ok")}
            eq(got, exp["coverage"], "coverage.packets beyond ok")
            eq(pk["ok"], sum(1 for f in exp["frame_list"] if f[5] is not None), "coverage.packets.ok")
        if "ip_reassembly" in exp:
            eq(rep["coverage"]["ip_reassembly"], exp["ip_reassembly"], "coverage.ip_reassembly")

with t.case("link types are named"):
    names = {}
    for f in ["linktype-sll.pcap", "linktype-sll2.pcap", "linktype-raw.pcap", "linktype-ipv4.pcap",
              "linktype-ipv6.pcap", "linktype-null.pcap", "linktype-loop.pcap", "linktype-vlan.pcap"]:
        names[f] = report(os.path.join(TEST, f))["inputs"][0]["link_type"]
    eq(names, {"linktype-sll.pcap": "LINUX_SLL", "linktype-sll2.pcap": "LINUX_SLL2",
               "linktype-raw.pcap": "RAW", "linktype-ipv4.pcap": "IPV4", "linktype-ipv6.pcap": "IPV6",
               "linktype-null.pcap": "NULL", "linktype-loop.pcap": "LOOP", "linktype-vlan.pcap": "EN10MB"},
       "link types")
    names = {f: report(os.path.join(TEST, "encap", f))["inputs"][0]["link_type"]
             for f in ["nflog.pcap", "ppp.pcap", "ppp-hdlc.pcap", "ppp-ether.pcap", "chdlc.pcap", "wlan.pcap",
                       "radiotap.pcap"]}
    eq(names, {"nflog.pcap": "NFLOG", "ppp.pcap": "PPP", "ppp-hdlc.pcap": "PPP_SERIAL", "ppp-ether.pcap": "PPP_ETHER",
               "chdlc.pcap": "C_HDLC", "wlan.pcap": "IEEE802_11", "radiotap.pcap": "IEEE802_11_RADIO"},
       "link types of captures/test/encap")

with t.case("nanosecond captures: first_ts keeps microseconds, from the right second"):
    rep = report(os.path.join(TEST, "pcapng-nsec.pcapng"))
    eq(rep["inputs"][0]["first_ts"], "2023-11-14T22:13:20.123456Z", "pcapng-nsec first_ts")
    rep = report(os.path.join(TEST, "pcap-nsec.pcap"))
    assert rep["inputs"][0]["first_ts"].startswith("2023-11-14T22:13:20."), rep["inputs"][0]

with t.case("eth-basic.pcap: timestamps and coverage counters"):
    rep = report(os.path.join(TEST, "eth-basic.pcap"))
    eq(rep["inputs"][0]["first_ts"], "2023-11-14T22:13:20.000000Z", "first_ts")
    eq(rep["coverage"]["packets"]["total"], 31, "packets")
    eq(rep["coverage"]["dns"]["packets"], 2, "DNS packets from port 53")
    eq(rep["coverage"]["dns"]["addresses_learnt"], 2, "A and AAAA answers learnt")

with t.case("malformed.pcap: each defect classified, the good conversation still decoded"):
    rep = report(os.path.join(TEST, "malformed.pcap"))
    pk = rep["coverage"]["packets"]
    eq((pk["total"], pk["ok"], pk["not_ip"], pk["truncated"], pk["invalid"]), (22, 11, 1, 1, 9), "packet outcomes")
    eq(rep["flows"][-1]["host"], "good.example.com", "host after the bad frames")

with t.case("ipv4-options-frag.pcap: fragments reassembled into their datagrams"):
    rep = report(os.path.join(TEST, "ipv4-options-frag.pcap"))
    eq(rep["coverage"]["packets"]["ip_fragment"], 3, "fragments held (2 IPv4 + 1 IPv6)")
    eq(rep["coverage"]["ip_reassembly"], {"fragments": 5, "datagrams": 2, "fragments_timed_out": 0,
                                          "fragments_incomplete_at_end": 0, "fragments_over_limit": 0,
                                          "fragments_invalid": 0, "fragments_overlapping": 0}, "reassembly")
    eq([(f["first_frame"], f["server"], f["packets"], f["bytes"]) for f in rep["flows"]],
       [(1, "192.0.2.80:80", 8, 555), (11, "192.0.2.53:5000", 1, 3028), (13, "[2001:db8::53]:5000", 1, 2048)],
       "flows")

with t.case("encap/pcapng-multilink.pcapng: six interfaces of five link types, read per frame"):
    rep = report(os.path.join(TEST, "encap", "pcapng-multilink.pcapng"))
    inp = rep["inputs"][0]
    eq(inp["link_type"], "EN10MB", "link_type (the first interface's)")
    eq(inp["link_types"], ["EN10MB", "LINUX_SLL", "PPI", "PRISM_HEADER", "IEEE802_11_RADIO_AVS", "147"],
       "link_types")
    eq(inp["frames"], 41, "frames")
    eq(len(rep["flows"]), 5, "flows")

with t.case("a pcapng cut inside its first interface block: clear error at byte offset 28"):
    src = open(os.path.join(TEST, "pcapng-basic.pcapng"), "rb").read()
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "cut.pcapng")
        open(p, "wb").write(src[:40])
        rc, out, err = run("replay", "--format", "json", p, check_rc=2)
        assert "truncated pcapng file" in err and "(at byte offset 28)" in err, err

# ---- bad inputs: one line on stderr naming the file, exit 2, report still written
BAD = os.path.join(TEST, "bad")
bad_cases = [
    ("empty.pcap", "empty file, not a capture"),
    ("random.pcap", "not a pcap or pcapng capture (unknown magic"),
    ("short-header.pcap", "truncated dump file; tried to read 24 file header bytes, only got 6 (at byte offset 0)"),
    ("truncated.pcap", "truncated dump file; tried to read"),
    ("unsupported-linktype.pcap", "unsupported link type 147"),
]
for name, message in bad_cases:
    with t.case(f"bad/{name}: clear error, exit 2"):
        path = os.path.join(BAD, name)
        rc, out, err = run("replay", "--format", "json", "--all-fields", "--all-flows", path, check_rc=2)
        lines = err.strip().splitlines()
        eq(len(lines), 1, "one error line")
        assert lines[0].startswith(f"privaudit: {path}: {message}"), lines[0]
        rep = json.loads(out)
        assert rep["inputs"][0]["error"].startswith(message), rep["inputs"][0]["error"]

with t.case("bad/truncated.pcap: frame and byte offset named, the 6 good frames kept"):
    path = os.path.join(BAD, "truncated.pcap")
    rc, out, err = run("replay", "--format", "json", "--all-fields", "--all-flows", path, check_rc=2)
    assert err.strip().endswith("(at frame 7 / byte offset 591)"), err
    rep = json.loads(out)
    eq(rep["inputs"][0]["frames"], 6, "frames read before the cut")
    eq([f["host"] for f in rep["flows"]], ["trunc.example.com"], "flow from the good frames")

with t.case("bad/unknown-block.pcapng: the unknown block is skipped, 4 packets read"):
    rep = report(os.path.join(BAD, "unknown-block.pcapng"))
    eq(rep["inputs"][0]["frames"], 4, "frames")
    eq(rep["inputs"][0]["error"], None, "error")

with t.case("a pcapng cut inside a block: error names frame and block offset"):
    src = open(os.path.join(TEST, "pcapng-basic.pcapng"), "rb").read()
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "cut.pcapng")
        open(p, "wb").write(src[:len(src) - 30])
        rc, out, err = run("replay", "--format", "json", "--all-fields", "--all-flows", p, check_rc=2)
        assert "(at frame " in err and "byte offset" in err, err
        assert json.loads(out)["inputs"][0]["frames"] > 0

# ---- batches: a directory, sorted, recursed; a bad file among good ones
with t.case("batch directory: sorted, recursive, non-captures skipped, bad file reported"):
    d = os.path.join(TEST, "batch")
    rc, out, err = run("replay", "--format", "json", "--all-fields", "--all-flows", d, check_rc=2)
    rep = json.loads(out)
    eq([os.path.relpath(i["path"], d) for i in rep["inputs"]],
       ["a-good.pcap", "b-bad.pcap", "c-good.pcapng", "sub/d-good.pcap"], "inputs in order")
    eq([i["error"] is None for i in rep["inputs"]], [True, False, True, True], "which failed")
    eq(sorted({f["host"] for f in rep["flows"]}), ["a.example.com", "c.example.com", "d.example.com"], "hosts")
    eq([f["input"] for f in rep["flows"]], [0, 2, 3], "flow inputs")
    eq(len(err.strip().splitlines()), 1, "one error line")

with t.case("standard input: '-' reads a capture, hashes it"):
    path = os.path.join(TEST, "eth-basic.pcap")
    data = open(path, "rb").read()
    rc, out, err = run("replay", "--format", "json", "--all-fields", "--all-flows", "-", stdin=data, check_rc=(0, 1))
    rep = json.loads(out)
    eq(rep["inputs"][0]["path"], "-", "path")
    eq(rep["inputs"][0]["sha256"], hashlib.sha256(data).hexdigest(), "sha256")
    eq(len(rep["flows"]), 6, "flows")

with t.case("determinism: two runs, byte-identical reports; -o writes the same"):
    args = [os.path.join(TEST, "eth-basic.pcap"), os.path.join(TEST, "http")]
    a = run("replay", "--format", "json", "--all-fields", "--all-flows", *args)[1]
    b = run("replay", "--format", "json", "--all-fields", "--all-flows", *args)[1]
    assert a == b, "reports differ"
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "r.json")
        run("replay", "-o", p, "--all-fields", "--all-flows", *args)
        assert open(p, "rb").read() == a, "-o report differs from stdout report"
        # the default report, proportional to personal data, is deterministic too
        c = run("replay", "--format", "json", *args)[1]
        assert c == run("replay", "--format", "json", *args)[1], "default reports differ"

with t.case("text summary lists inputs and hosts"):
    rc, out, _ = run("replay", "--format", "text", os.path.join(TEST, "eth-basic.pcap"), check_rc=(0, 1))
    text = out.decode()
    assert "1 input, 31 frames, 6 flows" in text, text
    assert "api.example.com" in text and "tracker.example.org" in text, text

with t.case("flow caps: --max-flows 2 evicts, nothing is lost"):
    rep = report("--max-flows", "2", os.path.join(TEST, "eth-basic.pcap"))
    eq(len(rep["flows"]), 6, "flows still reported")
    assert rep["coverage"]["flows"]["evicted"] >= 4, rep["coverage"]["flows"]

t.done()
