"""Tier over the shared public captures (../shared/captures/public), when present.

Checks, for every capture there: it is read without error, the frame count
equals capinfos', and the flows' hosts include every plaintext HTTP host in
expected.tsv; and for every capture, --list-requests (decrypting with the
capture's key log or the secrets its pcapng embeds) equals tshark's requests
in expected.tsv (frame, protocol, method, host, uri), HTTP/1.x and HTTP/2.
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

# --list-requests against tshark for every capture: decrypted with the key
# log beside it (NAME.keys, as make-expected.sh gives tshark) or with the
# secrets its pcapng embeds; HTTP/1.x and HTTP/2, in clear or over TLS.
for name in sorted({r["file"] for r in rows}):
    path = os.path.join(PUBLIC, name)
    keys = os.path.splitext(path)[0] + ".keys"
    want = [[r["file"], r["frame"], r["protocol"], r["method"], r["host"], r["uri"]] for r in rows
            if r["file"] == name]
    tls = sum(1 for r in rows if r["file"] == name and r["tls"] == "yes")
    extra_args = ["--keylog", keys] if os.path.exists(keys) else []
    how = " with its key log" if extra_args else " (embedded secrets)" if tls else ""
    with t.case(f"{name}: --list-requests{how} equals tshark's {len(want)} requests"):
        rc, out, err = run("replay", "--list-requests", *extra_args, path, check_rc=(0, 1))
        got = [line.split("\t") for line in out.decode().splitlines()]
        if got != want:
            missing = [w for w in want if w not in got][:5]
            extra = [g for g in got if g not in want][:5]
            raise AssertionError(f"{len(got)} requests, wanted {len(want)}; missing {missing}; extra {extra}")
    if tls and extra_args:
        with t.case(f"{name}: without its key log, none of its {tls} TLS requests is listed"):
            rc, out, err = run("replay", "--list-requests", path, check_rc=(0, 1))
            got = [line.split("\t") for line in out.decode().splitlines()]
            eq(len(got), len(want) - tls, "requests listed without keys")

# The DSB and the same secrets as a key log decrypt the same requests
dsb = os.path.join(PUBLIC, "pcapngparser-chrome-cloudflare-quic-with-secrets.pcapng")
dsb_keys = os.path.join(PUBLIC, "pcapngparser-chrome-cloudflare-quic-with-secrets.dsb-extracted.keys")
if os.path.exists(dsb) and os.path.exists(dsb_keys):
    with t.case("the DSB capture: its TLS flow decrypted, the QUIC flow counted, not decrypted"):
        rep = report(dsb)
        tls_flows = [f for f in rep["flows"] if f["tls"]]
        eq(len(tls_flows), 1, "TLS flows")
        eq(tls_flows[0]["tls"]["decryption"], "decrypted", "decryption")
        eq(tls_flows[0]["tls"]["version"], "TLS 1.3", "version")
        eq(tls_flows[0]["tls"]["cipher_suite"], "TLS_AES_128_GCM_SHA256", "suite")
        eq(tls_flows[0]["tls"]["alpn"], "h2", "alpn")
        eq(rep["coverage"]["tls"]["decrypted"], 1, "coverage decrypted")
        eq(rep["coverage"]["tls"]["quic_flows"], 1, "QUIC flows")
t.done()
