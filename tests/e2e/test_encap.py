"""End-to-end: link types, tunnels and IP fragments (captures/test/encap/),
against tshark.  For every capture there, the requests privaudit lists
(frame, method, host, uri) equal the HTTP requests tshark dissects; and the
flows privaudit reports have the innermost addresses tshark shows for their
first frame.  (Flows, their encapsulation, VLAN and the coverage counters
are checked against expected.json by test_foundation.py, the requests and
their fields by test_http.py.)  Skipped, saying so, without tshark."""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, Tap, eq, report, run  # noqa: E402

t = Tap()
ENCAP = os.path.join(CAPTURES, "test", "encap")
expected = json.load(open(os.path.join(CAPTURES, "test", "expected.json")))["files"]
tshark = shutil.which("tshark")
if not tshark:
    t.skip("captures/test/encap against tshark", "tshark is not installed")
    t.done()


def tshark_rows(path, fields, opts, yfilter=None):
    cmd = [tshark, "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"] + opts + (["-Y", yfilter] if yfilter else [])
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode()
    return [dict(zip(fields, line.split("\t"))) for line in out.splitlines()]


for path in sorted(glob.glob(os.path.join(ENCAP, "*.pcap*"))):
    name = os.path.basename(path)
    exp = expected["encap/" + name]
    opts = exp.get("tshark_opts", [])
    with t.case(f"encap/{name}: --list-requests equals tshark's HTTP requests"):
        rc, out, err = run("replay", "--list-requests", path, check_rc=(0, 1))
        got = [tuple(line.split("\t")[1:2] + line.split("\t")[3:]) for line in out.decode().splitlines()]
        want = [(r["frame.number"], r["http.request.method"], r["http.host"], r["http.request.uri"])
                for r in tshark_rows(path, ["frame.number", "http.request.method", "http.host",
                                            "http.request.uri"], opts, "http.request")]
        eq(got, want, "requests")
        eq(len(got), len(exp["http_requests"]), "requests in expected.json")
    with t.case(f"encap/{name}: each flow's endpoints are the innermost ones tshark shows"):
        rep = report(path)
        rows = {r["frame.number"]: r for r in tshark_rows(
            path, ["frame.number", "frame.protocols", "ip.src", "ipv6.src", "tcp.srcport", "udp.srcport"], opts)}
        for f in rep["flows"]:
            r = rows[str(f["first_frame"])]
            protos = r["frame.protocols"].split(":")
            inner_v6 = max(i for i, p in enumerate(protos) if p in ("ip", "ipv6")) == \
                max(i for i, p in enumerate(protos) if p == "ipv6") if "ipv6" in protos else False
            src = (r["ipv6.src"] if inner_v6 and r["ipv6.src"] else r["ip.src"]).split(",")[-1]
            port = (r["tcp.srcport"] or r["udp.srcport"]).split(",")[-1]
            ep = f"[{src}]:{port}" if ":" in src else f"{src}:{port}"
            assert ep in (f["client"], f["server"]), f"flow {f['id']}: tshark's {ep} vs {f['client']} {f['server']}"
t.done()
