"""Tier over the shared public captures (../shared/captures/public), when present.

Checks, for every capture there: it is read without error, the frame count
equals capinfos', and the flows' hosts include every plaintext HTTP host in
expected.tsv; and for every capture without TLS, --list-requests equals
tshark's requests in expected.tsv (frame, protocol, method, host, uri).
Skipped, saying so, when the folder or capinfos is missing.
"""
import csv
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import PUBLIC, Tap, eq, report, run  # noqa: E402

t = Tap()
if not os.path.isdir(PUBLIC):
    t.skip("public capture tier", f"{PUBLIC} does not exist")
    t.done()

captures = sorted(glob.glob(os.path.join(PUBLIC, "*.pcap")) + glob.glob(os.path.join(PUBLIC, "*.pcapng")))
rows = list(csv.DictReader(open(os.path.join(PUBLIC, "expected.tsv")), delimiter="\t"))
capinfos = shutil.which("capinfos")


def strip_port(h):
    h = h.lower()
    if h.startswith("["):
        return h[1:h.index("]")]
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


for path in captures:
    name = os.path.basename(path)
    with t.case(f"{name}: read without error, frames as capinfos, HTTP hosts named"):
        rep = report(path)
        inp = rep["inputs"][0]
        eq(inp["error"], None, "error")
        if capinfos:
            out = subprocess.run([capinfos, "-M", "-c", "-T", "-r", path], capture_output=True, text=True).stdout
            eq(inp["frames"], int(out.split("\t")[-1]), "frames vs capinfos")
        hosts = {(f["host"] or "").lower() for f in rep["flows"]}
        want = {strip_port(r["host"]) for r in rows if r["file"] == name and r["tls"] == "no" and r["host"]}
        missing = sorted(want - hosts)
        assert not missing, f"HTTP hosts without a flow named for them: {missing}"
if not capinfos:
    t.skip("frame counts against capinfos", "capinfos (tshark's tools) is not installed")

# --list-requests against tshark, for captures whose requests are all in clear
plain = sorted({r["file"] for r in rows} - {r["file"] for r in rows if r["tls"] == "yes"})
for name in plain:
    want = [[r["file"], r["frame"], r["protocol"], r["method"], r["host"], r["uri"]] for r in rows
            if r["file"] == name and r["protocol"] != "http/2"]
    h2 = sum(1 for r in rows if r["file"] == name and r["protocol"] == "http/2")
    with t.case(f"{name}: --list-requests equals tshark's {len(want)} HTTP/1 requests"):
        rc, out, err = run("replay", "--list-requests", os.path.join(PUBLIC, name), check_rc=(0, 1))
        got = [line.split("\t") for line in out.decode().splitlines()]
        got = [g for g in got if g[2] != "http/2"]
        if got != want:
            missing = [w for w in want if w not in got][:5]
            extra = [g for g in got if g not in want][:5]
            raise AssertionError(f"{len(got)} requests, wanted {len(want)}; missing {missing}; extra {extra}")
    if h2:
        t.skip(f"{name}: its {h2} HTTP/2 request(s)", "cleartext HTTP/2 (h2c) is not decoded yet")
t.done()
