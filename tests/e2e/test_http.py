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
            want.append([base, str(frame), r["protocol"], r["method"], r["host"], r["uri"]])
        eq(got, want, "requests")

    with t.case(f"{name}: frames and fields of every request"):
        rep = report("--reveal-values", path)
        txs = rep["transmissions"]
        eq(len(txs), len(exp), "transmissions")
        for tx, r in zip(txs, exp):
            what = f"{r['method']} {r['uri']}"
            eq(tx["uri"], r["uri"], what + " uri")
            eq(tx["host"], r["host"].split(":")[0] or None, what + " host")
            frames = r["frames"]
            # frames that repeat bytes already received (out-of-order.pcap's
            # 11, port-reuse.pcap's retransmission after the close): only
            # frames whose bytes were used make up the message (as Wireshark
            # lists them)
            frames = [f for f in frames if (name, f) not in (("http/out-of-order.pcap", 11),
                                                              ("http/port-reuse.pcap", 18))]
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

# ---- lenient request parsing and session edge cases (issue 18) ----

ANOMALIES = ["empty_lines_before_message", "request_line_extra_spaces", "space_in_target", "missing_target",
             "missing_version", "bad_version", "bare_lf", "obs_fold", "header_space_before_colon",
             "bad_header_line", "bad_content_length", "chunked_with_content_length", "no_status_line"]


def check_http_counters(rep, anomalies, resyncs=0, skipped=0, truncated_bodies=0):
    """The flow's http record and coverage.http agree with the expected counts."""
    flow_http = [f["http"] for f in rep["flows"] if f["http"]]
    eq(len(flow_http), 1, "flows with an HTTP parser")
    eq(flow_http[0], {"resyncs": resyncs, "skipped_messages": skipped, "truncated_bodies": truncated_bodies,
                      "anomalies": anomalies}, "flows[].http")
    cov = rep["coverage"]["http"]
    eq(cov["anomalies"], {n: anomalies.get(n, 0) for n in ANOMALIES}, "coverage.http.anomalies")
    eq((cov["resyncs"], cov["skipped_messages"], cov["truncated_bodies"]), (resyncs, skipped, truncated_bodies),
       "coverage.http counters")


with t.case("lenient-request-lines.pcap: every request a lenient server takes is decoded, anomalies named"):
    rep = report("--reveal-values", os.path.join(TEST, "http", "lenient-request-lines.pcap"))
    eq([(tx["protocol"], tx["method"], tx["uri"], tx["status"]) for tx in rep["transmissions"]],
       [("http/1.1", "CCM_POST", "/ccm_system/request", 200),
        ("http/1.1", "RPC_IN_DATA", "/rpc/rpcproxy.dll?mail.example.com:6001", 200),
        ("http/1.1", "GET", "/v1/search?q=lily chen&page=1", 200), ("http/1.1", "GET", "/v1/extra?uid=42", 200),
        ("http/1.1", "GET", "", 200), ("http/1.1", "POST", "/v1/bad-version", 200),
        ("http/1.1", "PUT", "/v1/profile", 200), ("http/0.9", "OPTIONS", "", 200),
        ("http/1.1", "POST", "/v1/upload", 200), ("http/1.1", "DELETE", "/v1/me?uid=42", 200)],
       "protocol, method, uri, status")
    f = {x["path"]: x["value"] for x in rep["transmissions"][2]["fields"]}
    eq((f["query.q"], f["query.page"]), ("lily chen", "1"), "the query of a target with a space")
    f = {x["path"]: x["value"] for x in rep["transmissions"][6]["fields"]}
    eq((f["header.x-note"], f["body.nick"]), ("first part second part", "lily"), "obs-fold joined, body")
    f = {x["path"]: x["value"] for x in rep["transmissions"][8]["fields"]}
    eq((f["body.file"], f["body.size"]), ("a.txt", "3"), "chunked wins over Content-Length")
    check_http_counters(rep, {"request_line_extra_spaces": 1, "space_in_target": 1, "missing_target": 2,
                              "missing_version": 1, "bad_version": 1, "bare_lf": 1, "obs_fold": 1,
                              "header_space_before_colon": 1, "bad_header_line": 1,
                              "chunked_with_content_length": 1})

with t.case("http09.pcap: an HTTP/0.9 request is a transmission; its answer has no status line"):
    rep = report("--reveal-values", os.path.join(TEST, "http", "http09.pcap"))
    tx = rep["transmissions"]
    eq([(x["frame"], x["protocol"], x["method"], x["uri"], x["host"], x["status"]) for x in tx],
       [(4, "http/0.9", "GET", "/legacy/status?id=7&user=lily", None, None)], "the request")
    eq([(x["path"], x["value"]) for x in tx[0]["fields"]], [("query.id", "7"), ("query.user", "lily")], "fields")
    check_http_counters(rep, {"missing_version": 1, "no_status_line": 1}, resyncs=1)

with t.case("connect-tunnel.pcap: plain HTTP inside a CONNECT tunnel after its 200"):
    rep = report("--reveal-values", os.path.join(TEST, "http", "connect-tunnel.pcap"))
    eq([(x["frame"], x["method"], x["uri"], x["host"], x["status"]) for x in rep["transmissions"]],
       [(4, "CONNECT", "api.example.com:80", "api.example.com", 200), (6, "POST", "/v1/track", "api.example.com", 200),
        (8, "GET", "/v1/feed?page=3", "api.example.com", 200)], "requests through the proxy")
    f = {x["path"]: x["value"] for x in rep["transmissions"][0]["fields"]}
    eq(f["header.proxy-authorization"], "Basic bGlseTpzM2NyZXQ=", "the CONNECT's credentials")
    eq(len(rep["flows"]), 1, "one flow")
    eq((rep["flows"][0]["requests"], rep["flows"][0]["host"]), (3, "api.example.com"), "flow")
    check_http_counters(rep, {})

connect_tls = os.path.join(TEST, "http", "connect-tls.pcap")
with t.case("connect-tls.pcap: TLS inside a CONNECT tunnel is handed to the TLS layer; no key, no request"):
    rep = report(connect_tls)
    eq([(x["method"], x["uri"], x["tls"]) for x in rep["transmissions"]], [("CONNECT", "api.example.com:443", False)],
       "only the CONNECT")
    tls = rep["flows"][0]["tls"]
    eq((tls["sni"], tls["version"], tls["decryption"]), ("api.example.com", "TLS 1.2", "no_key"), "the tunnel's TLS")
with t.case("connect-tls.pcap --keylog: the request inside the tunnel's TLS is decrypted"):
    rep = report("--reveal-values", "--keylog", os.path.join(TEST, "http", "connect-tls.keys"), connect_tls)
    eq([(x["frame"], x["method"], x["uri"], x["tls"], x["status"]) for x in rep["transmissions"]],
       [(4, "CONNECT", "api.example.com:443", False, 200), (9, "POST", "/v1/secure/profile", True, 200)],
       "CONNECT, then the decrypted POST")
    f = {x["path"]: x["value"] for x in rep["transmissions"][1]["fields"]}
    eq((f["body.name"], f["body.phone"], f["header.x-device-id"]),
       ("Li Wei", "13800138000", "3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13"), "fields of the decrypted request")
    tls = rep["flows"][0]["tls"]
    eq((tls["cipher_suite"], tls["decryption"], tls["resumed"]),
       ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "decrypted", False), "decrypted")

with t.case("port-reuse.pcap: a SYN after a full close starts a new flow; retransmissions after the close do not"):
    rep = report(os.path.join(TEST, "http", "port-reuse.pcap"))
    eq([(f["first_frame"], f["requests"], f["packets"]) for f in rep["flows"]], [(1, 1, 8), (9, 1, 10)],
       "flows: first frame, requests, packets")
    eq([(x["frame"], x["method"], x["path"]) for x in rep["transmissions"]],
       [(4, "GET", "/v1/session/1"), (12, "POST", "/v1/session/2")], "one request per connection")
    eq((rep["coverage"]["flows"]["total"], rep["coverage"]["flows"]["ended_closed"]), (2, 1), "flow counters")

with t.case("gap-resync.pcap: the request after a gap that cut the two before it is found"):
    rep = report("--reveal-values", os.path.join(TEST, "http", "gap-resync.pcap"))
    eq([(x["frame"], x["frames"], x["method"], x["uri"], x["truncated"]) for x in rep["transmissions"]],
       [(4, [4], "POST", "/v1/a", ["body_gap"]), (9, [8, 9], "GET", "/v1/c?x=1", None)], "requests 1 and 3")
    eq(rep["flows"][0]["tcp_gaps"], 1, "the gap")
    check_http_counters(rep, {}, resyncs=1, truncated_bodies=1)

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
