"""End-to-end: TLS decryption (NSS key logs, pcapng Decryption Secrets Blocks)
and HTTP/2 on real loopback captures (captures/test/tls, made by
tests/gen/make-tls-captures.sh; every fact asserted here comes from
captures/test/tls/expected.json, which the generator read back with tshark).

For every capture: the --list-requests lines with its key log (exactly
tshark's requests, in frame order), then the JSON report: each request's
transmission (frame, protocol, tls, host, method, path, and the body and query
fields with their values), each TLS flow's handshake facts and decryption
status, and coverage.tls.  Then the failure modes: altered secrets
("failed"), a key log without the capture's client random ("no_key"), a
malformed key log line (a FILE:LINE: warning, the rest of the file still
used), no key log at all.  Then the TLS modes of captures/test/tls-modes
(SSL 3.0, TLS DEFLATE, export and other suites, SSLv2 hello, NULL cipher with
and without its key, CCM; facts from tests/gen/gen_tls_modes.py, which tshark
cross-checked) and, when ../shared/captures/external exists, the external
captures of those modes against tshark's expected.tsv.

Run alone: PRIVAUDIT=/path/to/privaudit TOP_SRCDIR=/path/to/src python3 tests/e2e/test_tls.py
"""
import atexit
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, OK, PUBLIC, Tap, eq, run  # noqa: E402

t = Tap()
TLS = os.path.join(CAPTURES, "test", "tls")
expected = json.load(open(os.path.join(TLS, "expected.json")))["files"]
NAMES = sorted(expected)


def cap(name):
    return os.path.join(TLS, name)


def keylog_args(f):
    return ["--keylog", cap(f["keys"])] if f["keys"] else []


def _list_requests_args():
    """`--list-requests -` when the option takes a destination (- = standard
    output), plain `--list-requests` when it is a flag: an extra `-` would
    otherwise be read as a capture on standard input."""
    _, out, err = run("help", "replay")
    text = out.decode("utf-8", "replace") + err
    if re.search(r"--list-requests[ =]+\[?(-|FILE|DEST|PATH|OUT)", text):
        return ["--list-requests", "-"]
    return ["--list-requests"]


LIST = _list_requests_args()


def list_requests(*args):
    """privaudit replay ... --list-requests: (rc, rows, stderr)."""
    rc, out, err = run("replay", *args, *LIST, check_rc=OK)
    return rc, [line.split("\t") for line in out.decode().splitlines()], err


def json_report(*args):
    """privaudit replay ... --reveal-values -o R.json: (report, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "R.json")
        rc, _, err = run("replay", *args, "--reveal-values", "--all-fields", "--all-flows", "-o", path, check_rc=OK)
        return json.load(open(path)), err


def want_rows(name, f):
    return [[os.path.basename(name), str(r["frame"]), r["protocol"], r["method"], r["host"], r["uri"]]
            for r in f["requests"]]


def flatten(value, prefix):
    """(path, value) pairs for the leaves of a JSON body, written as privaudit
    writes them: strings as they are, other scalars in their JSON spelling."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, f"{prefix}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from flatten(v, f"{prefix}[{i}]")
    elif isinstance(value, str):
        yield prefix, value
    else:
        yield prefix, json.dumps(value)


def want_fields(r):
    want = {(f"query.{k}", v) for k, v in r["query"].items()}
    if r["body"]:
        want |= set(flatten(json.loads(r["body"]), "body"))
    return want


def tls_flows(rep):
    """The report's TLS flows by client port."""
    return {int(fl["client"].rsplit(":", 1)[1]): fl for fl in rep["flows"] if fl.get("tls")}


def conn_by_stream(f):
    return {c["tcp_stream"]: c for c in f["connections"]}


def tls_conns(f):
    return [c for c in f["connections"] if c["tls"]]


def check_coverage(rep, f, decrypted_as=None):
    conns = tls_conns(f)
    dec = [decrypted_as or c["decryption"] for c in conns]
    cov = rep["coverage"]["tls"]
    eq(cov["flows"], len(conns), "coverage.tls.flows")
    eq(cov["decrypted"], dec.count("decrypted"), "coverage.tls.decrypted")
    eq(cov["failed"], dec.count("failed"), "coverage.tls.failed")
    # not_decrypted: for want of a key (or of the handshake); failed ones are counted apart
    eq(cov["not_decrypted"], dec.count("no_key"), "coverage.tls.not_decrypted")
    eq(cov["not_read"]["no_key"], dec.count("no_key"), "coverage.tls.not_read.no_key")
    eq(sum(v for k, v in cov["not_read"].items() if k not in ("no_key", "no_handshake")), dec.count("failed"),
       "coverage.tls.not_read: one failure reason per failed flow")
    eq(cov["mac_unchecked"], 0, "coverage.tls.mac_unchecked")


# ---------------------------------------------------------------- per capture

for name in NAMES:
    f = expected[name]
    how = "with its key log" if f["keys"] else ("with its DSB" if f["dsb"] else "(cleartext)")

    with t.case(f"{name}: --list-requests {how} gives tshark's {len(f['requests'])} requests"):
        rc, rows, err = list_requests(cap(name), *keylog_args(f))
        eq(rows, want_rows(name, f), "requests (file, frame, protocol, method, host, uri)")

    with t.case(f"{name}: report {how}: transmissions, TLS flows, coverage"):
        rep, err = json_report(cap(name), *keylog_args(f))
        streams = conn_by_stream(f)
        txs = {tx["frame"]: tx for tx in rep["transmissions"]}
        eq(sorted(txs), [r["frame"] for r in f["requests"]], "transmission frames")
        for r in f["requests"]:
            tx = txs[r["frame"]]
            what = f"frame {r['frame']} {r['method']} {r['uri']}"
            eq(tx["protocol"], r["protocol"], what + " protocol")
            eq(tx["tls"], streams[r["tcp_stream"]]["tls"], what + " tls")
            eq(tx["host"], r["host"].split(":")[0], what + " host")
            eq(tx["method"], r["method"], what + " method")
            eq(tx["path"], urllib.parse.urlsplit(r["uri"]).path, what + " path")
            if "uri" in tx:
                eq(tx["uri"], r["uri"], what + " uri")
            got = {(x["path"], x["value"]) for x in tx["fields"]}
            missing = sorted(want_fields(r) - got)
            eq(missing, [], what + " fields missing (have " + repr(sorted(got)) + ")")
        flows = tls_flows(rep)
        eq(sorted(flows), sorted(c["client_port"] for c in tls_conns(f)), "TLS flows (client ports)")
        for c in tls_conns(f):
            ti = flows[c["client_port"]]["tls"]
            what = f"flow from port {c['client_port']}"
            eq(ti["version"], c["tls_version"], what + " version")
            eq(ti["cipher_suite"], c["cipher_suite"], what + " cipher_suite")
            eq(ti["sni"], c["sni"], what + " sni")
            eq(ti["alpn"], c["alpn"], what + " alpn")
            eq(ti["decryption"], c["decryption"], what + " decryption")
            if "hello_retry" in ti:
                eq(ti["hello_retry"], c["hrr"], what + " hello_retry")
            if "resumed" in ti:
                eq(ti["resumed"], c["resumed"], what + " resumed")
            if "key_updates" in ti:
                eq(ti["key_updates"] > 0, c["key_update"], what + " key_updates > 0")
            if c["decryption"] == "failed" and "failure" in ti:
                eq(ti["failure"], "authentication_failed", what + " failure")
        check_coverage(rep, f)

# ---------------------------------------------------------------- failure modes

WRONG = [n for n in NAMES if tls_conns(expected[n]) and expected[n]["keys"]
         and all(c["decryption"] == "failed" for c in tls_conns(expected[n]))]
NOKEY = [n for n in NAMES if expected[n].get("keylog_malformed_lines")]

with t.case(f"wrong keys ({', '.join(WRONG)}): decryption failed, nothing decoded, no crash"):
    assert WRONG, "expected.json lists no capture with altered secrets"
    for name in WRONG:
        f = expected[name]
        rc, rows, err = list_requests(cap(name), *keylog_args(f))
        eq(rows, [], name + " requests")
        rep, err = json_report(cap(name), *keylog_args(f))
        eq(rep["transmissions"], [], name + " transmissions")
        eq([fl["tls"]["decryption"] for fl in rep["flows"] if fl.get("tls")],
           ["failed"] * len(tls_conns(f)), name + " decryption")
        eq(rep["coverage"]["tls"]["failed"], len(tls_conns(f)), name + " coverage.tls.failed")
        if "failures" in rep["coverage"]["tls"]:
            eq(rep["coverage"]["tls"]["failures"],
               [{"reason": "authentication_failed", "cipher_suite": c["cipher_suite"], "flows": 1}
                for c in tls_conns(f)], name + " coverage.tls.failures")

for name in NOKEY:
    f = expected[name]
    keys = cap(f["keys"])
    with t.case(f"{name}: a key log without its client random: no_key; the malformed line is named"):
        rc, rows, err = list_requests(cap(name), *keylog_args(f))
        eq(rows, [], "requests")
        for line in f["keylog_malformed_lines"]:
            assert re.search(re.escape(f["keys"]) + rf":{line}:", err), \
                f"no '{f['keys']}:{line}:' warning on stderr:\n{err}"
        warned = sorted(int(m) for m in re.findall(re.escape(f["keys"]) + r":(\d+):", err))
        eq(sorted(set(warned)), f["keylog_malformed_lines"], "lines warned about")
        rep, err = json_report(cap(name), *keylog_args(f))
        eq([fl["tls"]["decryption"] for fl in rep["flows"] if fl.get("tls")], ["no_key"] * len(tls_conns(f)),
           "decryption")
        check_coverage(rep, f)

    # the lines after the malformed one are still used: the file's last line
    # is the key of another capture, which therefore decrypts with it
    other = None
    last = [ln for ln in open(keys) if ln.strip()][-1].split()
    for n in NAMES:
        if n != name and expected[n]["keys"] and any(c["client_random"] == last[1]
                                                     for c in expected[n]["connections"]):
            other = n
            break
    with t.case(f"{name}: the key log's lines after the malformed one are used (they decrypt {other})"):
        assert other, f"no capture has the client random of the last line of {f['keys']}"
        rc, rows, err = list_requests(cap(other), "--keylog", keys)
        eq(rows, want_rows(other, expected[other]), other + " requests with " + f["keys"])

with t.case("valid key logs cause no warning (comment lines, RSA lines, unknown labels are fine)"):
    for name in NAMES:
        f = expected[name]
        if not f["keys"] or f.get("keylog_malformed_lines") or name in WRONG:
            continue
        rc, rows, err = list_requests(cap(name), *keylog_args(f))
        bad = [ln for ln in err.splitlines() if f["keys"] in ln]
        eq(bad, [], name + " warnings about its key log")

with t.case("without --keylog: TLS captures list no requests, their flows are no_key"):
    for name in NAMES:
        f = expected[name]
        if f["dsb"]:
            continue  # the secrets are inside the capture
        clear = {c["tcp_stream"] for c in f["connections"] if not c["tls"]}
        rc, rows, err = list_requests(cap(name))
        want = [[os.path.basename(name), str(r["frame"]), r["protocol"], r["method"], r["host"], r["uri"]]
                for r in f["requests"] if r["tcp_stream"] in clear]
        eq(rows, want, name + " requests without a key log")
        rep, err = json_report(cap(name))
        eq([fl["tls"]["decryption"] for fl in rep["flows"] if fl.get("tls")], ["no_key"] * len(tls_conns(f)),
           name + " decryption")
        check_coverage(rep, f, decrypted_as="no_key")

# TLS 1.3 key logs with only the traffic secrets (some tools log no more):
# the encrypted handshake is skipped, the application data still decrypts
base = "tls13-aes128gcm-h1.pcap"
tmpdir = tempfile.mkdtemp(prefix="privaudit-tls-")
atexit.register(shutil.rmtree, tmpdir, True)
traffic_only = os.path.join(tmpdir, "traffic-only.keys")
with open(traffic_only, "w") as out:
    out.writelines(ln for ln in open(cap(expected[base]["keys"])) if "HANDSHAKE" not in ln)
with t.case(f"{base} with only CLIENT/SERVER_TRAFFIC_SECRET_0: the same requests"):
    rc, rows, err = list_requests(cap(base), "--keylog", traffic_only)
    eq(rows, want_rows(base, expected[base]), "requests")

# A cipher suite privaudit does not know: the ServerHello's suite is
# rewritten to 0x13ff (unassigned) in a copy of the capture
raw = bytearray(open(cap(base), "rb").read())
at = raw.find(bytes([0x16, 0x03, 0x03]))
while at >= 0 and raw[at + 5] != 2:  # a handshake record holding a ServerHello
    at = raw.find(bytes([0x16, 0x03, 0x03]), at + 1)
sid = raw[at + 5 + 4 + 2 + 32]
suite_at = at + 5 + 4 + 2 + 32 + 1 + sid
unknown = os.path.join(tmpdir, "unknown-suite.pcap")
with t.case("an unknown cipher suite: failed, named by number, nothing decoded"):
    eq(bytes(raw[suite_at:suite_at + 2]), b"\x13\x01", "the suite found in the ServerHello")
    raw[suite_at:suite_at + 2] = b"\x13\xff"
    open(unknown, "wb").write(raw)
    rc, rows, err = list_requests(unknown, "--keylog", cap(expected[base]["keys"]))
    eq(rows, [], "requests")
    rep, err = json_report(unknown, "--keylog", cap(expected[base]["keys"]))
    tls = [fl["tls"] for fl in rep["flows"] if fl.get("tls")]
    eq([(x["decryption"], x["failure"], x["cipher_suite"]) for x in tls],
       [("failed", "unsupported_cipher_suite", "0x13ff")], "flow")
    eq(rep["coverage"]["tls"]["failures"],
       [{"reason": "unsupported_cipher_suite", "cipher_suite": "0x13ff", "flows": 1}], "failures")
    eq(rep["coverage"]["tls"]["failed"], 1, "failed")
    eq(rep["coverage"]["tls"]["not_read"]["unsupported_cipher_suite"], 1, "not_read")

# The human-readable summaries say what of the encrypted traffic was seen
with t.case("text and Markdown reports: one line on TLS decrypted, without a key, failed"):
    args = ("--keylog", cap(expected["tls13-h2.pcap"]["keys"]), "--keylog", cap(expected["tls12-wrongkey.pcap"]["keys"]),
            cap("tls13-h2.pcap"), cap("tls13-nokey.pcap"), cap("tls12-wrongkey.pcap"))
    line = ("TLS: 3 flows, 1 decrypted, 1 without a key, 1 failed, 0 not decodable (no handshake captured); "
            "QUIC: 0 flows (not decrypted)")
    rc, out, err = run("replay", "--format", "text", *args, check_rc=OK)
    assert line + "\n" in out.decode(), out.decode()
    rc, out, err = run("replay", "--format", "md", *args, check_rc=OK)
    assert "- " + line + ". Requests inside traffic" in out.decode(), out.decode()

# Response bodies larger than a record (tests/gen/make-tls-bodies.sh): their
# records are skipped unopened, and HTTP/1 stays in step across them for
# every suite family (each response's status as tshark reads it)
large = cap("large-responses.pcap")
want = [ln.split("\t") for ln in open(cap("large-responses.tsv")).read().splitlines()[1:]]
with t.case("large responses: records skipped unopened, every request and status as tshark has them"):
    rep, err = json_report(large, "--keylog", cap("large-responses.keys"))
    got = [[str(x["frame"]), str(x["status"])] for x in rep["transmissions"]]
    eq(got, [[w[0], w[2]] for w in want], "request frames and statuses")
    tls = sorted((f["tls"]["version"], f["tls"]["cipher_suite"], f["tls"]["records_skipped"] > 0)
                 for f in rep["flows"] if f["tls"])
    eq(tls, [("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", True),
             ("TLS 1.3", "TLS_AES_128_GCM_SHA256", True), ("TLS 1.3", "TLS_AES_256_GCM_SHA384", True),
             ("TLS 1.3", "TLS_CHACHA20_POLY1305_SHA256", True)], "suites, each with skipped records")

# ------------------------------------------------------------ TLS modes
# captures/test/tls-modes (tests/gen/gen_tls_modes.py, cross-checked with
# tshark): SSL 3.0, DEFLATE, export, SSLv2 hello, NULL, CCM, more suites
MODES = os.path.join(CAPTURES, "test", "tls-modes")
modes = json.load(open(os.path.join(MODES, "expected.json")))
PROFILE_FIELDS = {("body.name", "Li Wei"), ("body.occupation", "teacher"), ("body.phone", "13800138000"),
                  ("body.email", "li.wei@example.com")}
QUERY_FIELDS = {("query.device_id", "3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13"), ("query.lang", "en")}


def mcap(name):
    return os.path.join(MODES, name)


for name in sorted(modes):
    f = modes[name]
    readable = [c for c in f["connections"] if c["compression"] in (None, "deflate")]
    want = [[name, str(r["frame"]), r["protocol"], r["method"], r["host"], r["uri"]] for r in f["requests"]]
    if len(readable) < len(f["connections"]):
        want = []  # compression privaudit cannot undo: nothing is read
    with t.case(f"tls-modes/{name}: --list-requests with its key log gives the {len(want)} requests tshark reads"):
        rc, rows, err = list_requests(mcap(name), "--keylog", mcap(f["keys"]))
        eq(rows, want, "requests (file, frame, protocol, method, host, uri)")
    with t.case(f"tls-modes/{name}: report: TLS flows, fields, coverage"):
        rep, err = json_report(mcap(name), "--keylog", mcap(f["keys"]))
        flows = [fl["tls"] for fl in rep["flows"] if fl.get("tls")]
        eq([(x["version"], x["cipher_suite"], x["compression"]) for x in flows],
           [(c["version"], c["suite"], c["compression"]) for c in f["connections"]], "version, suite, compression")
        ok = len(readable) == len(f["connections"])
        eq([(x["decryption"], x["failure"], x["mac_unchecked"]) for x in flows],
           [("decrypted", None, False) if ok else ("failed", "unsupported_compression", False)] * len(flows),
           "decryption")
        cov = rep["coverage"]["tls"]
        eq((cov["flows"], cov["decrypted"], cov["failed"], cov["mac_unchecked"]),
           (len(flows), len(flows) if ok else 0, 0 if ok else len(flows), 0), "coverage.tls counts")
        eq(cov["not_read"]["unsupported_compression"], 0 if ok else len(flows), "coverage.tls.not_read")
        for tx in rep["transmissions"]:
            fields = {(x["path"], x["value"]) for x in tx["fields"] if x["path"].startswith(("body.", "query."))}
            eq(fields, PROFILE_FIELDS if tx["method"] == "POST" else QUERY_FIELDS, f"fields of frame {tx['frame']}")
            eq(tx["tls"], True, "tls")
        eq(len(rep["transmissions"]), len(want), "transmissions")

null = "tls12-null.pcap"
with t.case("tls-modes/tls12-null.pcap without a key log: NULL-cipher records read, MAC unchecked"):
    rc, rows, err = list_requests(mcap(null))
    eq(rows, [[null, str(r["frame"]), r["protocol"], r["method"], r["host"], r["uri"]] for r in modes[null]["requests"]],
       "requests")
    rep, err = json_report(mcap(null))
    eq([(fl["tls"]["decryption"], fl["tls"]["mac_unchecked"]) for fl in rep["flows"] if fl.get("tls")],
       [("decrypted", True)], "flow")
    eq(rep["coverage"]["tls"]["mac_unchecked"], 1, "coverage.tls.mac_unchecked")
with t.case("tls-modes/tls12-null.pcap with a wrong master secret: the MAC fails, nothing read"):
    wrong = os.path.join(tmpdir, "null-wrong.keys")
    line = open(mcap(modes[null]["keys"])).read().split()
    open(wrong, "w").write("CLIENT_RANDOM %s %s\n" % (line[1], "00" * 48))
    rc, rows, err = list_requests(mcap(null), "--keylog", wrong)
    eq(rows, [], "requests")
    rep, err = json_report(mcap(null), "--keylog", wrong)
    eq([(fl["tls"]["decryption"], fl["tls"]["failure"]) for fl in rep["flows"] if fl.get("tls")],
       [("failed", "authentication_failed")], "flow")

# The external captures of TLS modes (../shared/captures/external), when
# present: every request tshark decrypts, but those of the IDEA session when
# this OpenSSL has no IDEA (Debian's has none; it is then cipher_unavailable)
EXTERNAL = os.path.join(os.path.dirname(PUBLIC), "external")
IDEA_STREAM = {"wsnotes-all-dump.pcapng": "58", "wsnotes-ssl3-dump.pcapng": "4"}
if not os.path.isdir(EXTERNAL):
    t.skip("external TLS-mode captures", f"{EXTERNAL} does not exist")
else:
    import csv
    import subprocess
    ext_rows = list(csv.DictReader(open(os.path.join(EXTERNAL, "expected.tsv")), delimiter="\t"))
    listed = subprocess.run(["openssl", "list", "-cipher-algorithms", "-provider", "legacy", "-provider", "default"],
                            capture_output=True, text=True).stdout
    idea = "IDEA" in listed.upper()
    for name in ("wsnotes-all-dump.pcapng", "wsnotes-ssl3-dump.pcapng", "wsnotes-tls-null.pcapng"):
        path = os.path.join(EXTERNAL, "captures", name)
        keys = os.path.splitext(path)[0] + ".keys"
        args = ["--keylog", keys] if os.path.exists(keys) else []
        want = [[r["file"], r["frame"], r["protocol"], r["method"], r["host"], r["uri"]] for r in ext_rows
                if r["file"] == name and (idea or r["tcp_stream"] != IDEA_STREAM.get(name))]
        with t.case(f"external {name}: --list-requests equals tshark's {len(want)} requests"):
            rc, rows, err = list_requests(path, *args)
            eq(rows, want, "requests")
        with t.case(f"external {name}: coverage.tls says what was not read"):
            rep, err = json_report(path, *args)
            cov = rep["coverage"]["tls"]
            fails = [] if idea or name not in IDEA_STREAM else [
                {"reason": "cipher_unavailable", "cipher_suite": "TLS_RSA_WITH_IDEA_CBC_SHA", "flows": 1}]
            eq(cov["failures"], fails, "failures")
            eq(cov["decrypted"], cov["flows"] - len(fails), "decrypted")
            eq(cov["mac_unchecked"], 1 if name == "wsnotes-tls-null.pcapng" else 0, "mac_unchecked")
            if name == "wsnotes-all-dump.pcapng":
                eq(sum(1 for fl in rep["flows"] if fl["tls"] and fl["tls"]["compression"] == "deflate"), 70,
                   "DEFLATE sessions")

t.done()
