"""End-to-end: TCP reassembly, HTTP/1.x and body decoding on the project's own
captures (captures/test/http and the foundation files).  For every request
that captures/test/expected.json lists: the --list-requests line, the frames
that carried it, and every field with its exact value (--reveal-values)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, Tap, eq, report, run  # noqa: E402

t = Tap()
TEST = os.path.join(CAPTURES, "test")
expected = json.load(open(os.path.join(TEST, "expected.json")))["files"]

# Headers that only frame the transfer are not fields (transmission.c)
PLUMBING = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "upgrade",
            "expect", "accept", "accept-encoding", "cache-control", "pragma", "if-modified-since",
            "if-none-match", "if-match", "if-unmodified-since", "if-range", "range", "content-encoding",
            "proxy-connection", "upgrade-insecure-requests", "content-type", "cookie"}


def want_value(f):
    """privaudit reports leaves as text: JSON scalars keep their JSON spelling,
    invalid UTF-8 bytes are written as \\xNN."""
    if f["type"] == "bytes":
        raw = bytes.fromhex(f["hex"])
        return raw.decode("utf-8", "backslashreplace").replace("\\x", "\\x")
    if f["type"] == "null":
        return "null"
    if f["type"] == "bool":
        return "true" if f["value"] else "false"
    if f["type"] == "number":
        return f["value"] if isinstance(f["value"], str) else json.dumps(f["value"])
    return f["value"]


files = [n for n, e in sorted(expected.items()) if e.get("http_requests")]
for name in files:
    exp = expected[name]["http_requests"]
    path = os.path.join(TEST, name)
    with t.case(f"{name}: --list-requests gives the {len(exp)} requests"):
        rc, out, err = run("replay", "--list-requests", path, check_rc=(0, 1))
        got = [line.split("\t") for line in out.decode().splitlines()]
        base = os.path.basename(name)
        want = []
        for r in exp:
            # a request whose body lost a segment still completes with the
            # frame carrying its last byte (privaudit marks it truncated)
            frame = r["complete_frame"] or r["frames"][-1]
            want.append([base, str(frame), "http/1.1", r["method"], r["host"], r["uri"]])
        eq([g[:1] + g[1:2] + g[3:] for g in got], [w[:2] + w[3:] for w in want], "requests")
        assert all(g[2] in ("http/1.0", "http/1.1") for g in got), got

    with t.case(f"{name}: frames and fields of every request"):
        rep = report("--reveal-values", path)
        txs = rep["transmissions"]
        eq(len(txs), len(exp), "transmissions")
        for tx, r in zip(txs, exp):
            what = f"{r['method']} {r['uri']}"
            eq(tx["uri"], r["uri"], what + " uri")
            eq(tx["host"], r["host"].split(":")[0], what + " host")
            frames = r["frames"]
            if name == "http/out-of-order.pcap":
                # frame 11 repeats bytes already received: only frames whose
                # bytes were used make up the message (as Wireshark lists them)
                frames = [f for f in frames if f != 11]
            eq(tx["frames"], frames, what + " frames")
            want = sorted((f["path"], want_value(f)) for f in r["fields"]
                          if not (f["path"].startswith("header.") and f["path"][7:] in PLUMBING))
            if tx["truncated"] and "body_gap" in tx["truncated"]:
                want = [w for w in want if not w[0].startswith("body")]
            got = sorted((f["path"], f["value"]) for f in tx["fields"])
            eq(got, want, what + " fields")

with t.case("out-of-order.pcap: the first copy of overlapping bytes wins"):
    rep = report("--reveal-values", os.path.join(TEST, "http", "out-of-order.pcap"))
    f = {x["path"]: x["value"] for x in rep["transmissions"][0]["fields"]}
    eq(f["body.email"], "lily@example.com", "body.email")

with t.case("gap.pcap: the lost segment costs only its request; the gap is counted"):
    rep = report(os.path.join(TEST, "http", "gap.pcap"))
    eq([tx["truncated"] for tx in rep["transmissions"]], [None, ["body_gap"], None], "truncation")
    eq(rep["flows"][0]["tcp_gaps"], 1, "gaps in the flow")
    eq(rep["coverage"]["tcp"]["gaps"], 1, "gaps in coverage")

with t.case("special.pcap: responses pair with their requests (100-continue, HEAD, 204, 304, close)"):
    rep = report(os.path.join(TEST, "http", "special.pcap"))
    eq([(tx["method"], tx["path"], tx["status"]) for tx in rep["transmissions"]],
       [("POST", "/v1/upload", 200), ("HEAD", "/v1/file/42", 200), ("GET", "/v1/after-head", 200),
        ("GET", "/v1/empty", 204), ("GET", "/v1/cached", 304), ("GET", "/v1/after-304", 200),
        ("GET", "/v1/legacy", 200)], "request, status")

with t.case("values are masked by default, with their SHA-256"):
    import hashlib
    rep = report(os.path.join(TEST, "http", "split-header.pcap"))
    f = {x["path"]: x for x in rep["transmissions"][0]["fields"]}
    eq(f["body.phone"]["value"], "13*******78", "masked phone")
    eq(f["body.phone"]["value_length"], 11, "length")
    eq(f["body.phone"]["value_sha256"], hashlib.sha256(b"13812345678").hexdigest(), "sha256 of the value")
    eq(f["body.name"]["value"], "Zh*****an", "masked name")
    eq(f["cookie.sid"]["value"], "******", "short values fully masked")


with t.case("wrapped.pcap: coverage counts decoded and undecoded bodies and values"):
    rep = report(os.path.join(TEST, "http", "wrapped.pcap"))
    http = rep["coverage"]["http"]
    none = {k: 0 for k in ("protobuf", "other_format", "xml", "media", "compressed",
                           "encrypted_or_binary", "other_binary", "unknown_text")}
    # 7 requests, the GET has no body; the protobuf and the ciphertext are not decoded
    eq(http["bodies"], {"total": 6, "decoded": 4, "with_gap": 0,
                        "undecoded": dict(none, protobuf=1, encrypted_or_binary=1)}, "bodies")
    # data_list, payload, payload's ext, the query's d
    eq(http["values"], {"decoded": 4, "base64_undecoded": none}, "values")
    kinds = [(tx["uri"].split("?")[0], tx["body"]) for tx in rep["transmissions"]]
    eq(kinds, [("/sa", "form"), ("/v1/wrapped/form-in-json", "json"), ("/v1/batch", "json"),
               ("/v1/t.gif", None), ("/v1/wrapped/text", "json"), ("/v1/pb", "binary"),
               ("/v1/enc", "binary")], "body kinds")

with t.case("gap.pcap: a body with a gap is counted, not decoded"):
    http = report(os.path.join(TEST, "http", "gap.pcap"))["coverage"]["http"]
    eq(http["bodies"]["with_gap"], 1, "with_gap")
    eq(http["bodies"]["total"], http["bodies"]["decoded"] + 1, "total")

t.done()
