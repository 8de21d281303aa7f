"""Part B: HTTP/1.x reassembly and body cases (captures/test/http/)."""

import base64
import gzip
import hashlib
import hmac
import json
import struct
import urllib.parse
import zlib

import brotli
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pcapgen import (
    Capture, TCPConn, http_request, http_response, request_fields, jparse, flatten_json,
    parse_pairs, prng, opaque, Num, tls_client_hello, tls_server_hello,
)

HOST = "api.example.com"
CIP, SIP, SPORT = "10.0.0.2", "192.0.2.80", 80
RESP_OK = b'{"code":0}'


def conn(cap, cport, cisn=None, sisn=None, note=""):
    return TCPConn(cap, CIP, cport, SIP, SPORT,
                   cisn if cisn is not None else 0x10000000 + cport * 0x1000,
                   sisn if sisn is not None else 0x20000000 + cport * 0x1000,
                   host=HOST, host_src="HTTP Host", flow_note=note)


def hdr_len(data):
    return data.index(b"\r\n\r\n") + 4


def json_fields(body):
    return flatten_json(jparse(body.decode("utf-8")), "body")


def req(c, method, uri, body=b"", headers=(), sizes=None, body_fields=None, note="",
        host=HOST, raw_body=None, version="HTTP/1.1", missing=(), decoded_body=None,
        mobile=True, notes=None, query_fields=None):
    """Send one request (client side) and record it.  body_fields None =>
    derived from the body when the content type is JSON / form; query_fields
    None => the query string's pairs as they are."""
    data, hl = http_request(method, uri, host, headers, body, raw_body=raw_body,
                            version=version, mobile=mobile)
    if body_fields is None:
        ct = dict((k.lower(), v) for k, v in hl).get("content-type", "")
        if not body:
            body_fields = []
        elif "json" in ct:
            body_fields = json_fields(body)
        elif "x-www-form-urlencoded" in ct:
            body_fields = parse_pairs(body.decode("ascii"), "body")
        else:
            raise ValueError("give body_fields for " + ct)
    st, en, frames = c.send("c", data, sizes, missing=missing, notes=notes)
    fields = None
    if query_fields is not None:
        fields = query_fields + request_fields(uri.split("?")[0], hl, body_fields)
    c.request(st, en, method, uri, host, hl, body_fields, note=note,
              decoded_body=decoded_body if decoded_body is not None else body,
              hdr_end=st + hdr_len(data), fields=fields, protocol=version.lower())
    return st, en, frames, data


def resp(c, status=200, reason="OK", body=RESP_OK, headers=(("Content-Type", "application/json"),),
         sizes=None, note="", content_length=True, version="HTTP/1.1", decoded_body=None):
    data = http_response(status, reason, list(headers), body, version=version,
                         content_length=content_length)
    st, en, frames = c.send("s", data, sizes)
    c.response(st, en, status, note=note, body_len=len(body),
               decoded_body=decoded_body if decoded_body is not None else body,
               hdr_end=st + hdr_len(data))
    return frames


JSON_CT = ("Content-Type", "application/json; charset=utf-8")
COMMON = ("Every request carries the mobile-app header set, in this order: `Host: api.example.com`, "
          "`User-Agent: okhttp/4.9.0`, `X-Device-Id: %s`, `Cookie: sid=abc123; uid=42`, "
          "`Accept-Encoding: gzip`, `Connection: Keep-Alive`, then the request-specific headers "
          "(Content-Type, Content-Encoding, ..., Content-Length last when present)."
          % "3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13")


def cut_sizes(data, cuts):
    """cuts: absolute positions in data -> list of segment sizes."""
    pos = [0] + list(cuts) + [len(data)]
    return [b - a for a, b in zip(pos, pos[1:])]


# ---------------------------------------------------------------------------


def split_header():
    cap = Capture("http/split-header.pcap")
    c = conn(cap, 43001)
    c.handshake()
    body = b'{"name":"Zhang San","phone":"13812345678"}'
    data, _ = http_request("POST", "/v1/user/profile", HOST, [JSON_CT], body)
    h = hdr_len(data)
    cut1 = data.index(b"okhttp/4.") + len(b"okhttp/4.")
    cut2 = data.index(b"X-Devi") + len(b"X-Devi")
    sizes = cut_sizes(data, [cut1, cut2, h])
    req(c, "POST", "/v1/user/profile", body, [JSON_CT], sizes=sizes,
        notes={0: "request seg 1/4: ends inside the User-Agent value (`okhttp/4.`)",
               1: "request seg 2/4: `9.0\\r\\nX-Devi` (ends inside a header name)",
               2: "request seg 3/4: `ce-Id: ...` through the blank line",
               3: "request seg 4/4: the JSON body"})
    resp(c)
    c.close()
    cap.desc = ("POST /v1/user/profile whose request headers are split across 3 TCP segments "
                "(cut 1 inside the User-Agent value after `okhttp/4.`, cut 2 inside the header "
                "name `X-Device-Id` after `X-Devi`, segment 3 ends with the blank line), then the "
                "%d-byte JSON body `%s` alone in a 4th segment. Segment sizes: %s.\n\n%s" % (
                    len(body), body.decode(), sizes, COMMON))
    return cap


def many_segments():
    cap = Capture("http/many-segments.pcap")
    c = conn(cap, 43002, cisn=0xFFFFF000, sisn=0x7FFFFF00,
             note="client ISN 0xfffff000: the client sequence number wraps past 2^32 inside the body")
    c.handshake()
    contacts = [{"name": "Contact %02d" % i, "phone": "138000000%02d" % i} for i in range(1, 11)]
    obj = {"device": {"imei": "864512034567891", "model": "Pixel 7", "os": "Android 14"},
           "contacts": contacts, "blob": ""}
    base = len(json.dumps(obj, separators=(",", ":")))
    obj["blob"] = "A" * (6000 - base)
    body = json.dumps(obj, separators=(",", ":")).encode()
    assert len(body) == 6000
    data, _ = http_request("POST", "/v1/contacts/upload", HOST, [JSON_CT], body)
    h = hdr_len(data)
    # headers alone, then 12 body segments of 500 bytes, server ACK after body seg 4 and 8
    st = c.off("c", c.nxt["c"])
    frames = []
    frames += c.send("c", data[:h], flags="PA", notes={0: "request headers (%d bytes)" % h})[2]
    for i in range(12):
        frames += c.send("c", body[i * 500:(i + 1) * 500], flags="PA" if i == 11 else "A",
                         notes={0: "body seg %d/12 (body bytes %d-%d)" % (i + 1, i * 500, i * 500 + 499)})[2]
        if i in (3, 7):
            c.pkt("s", "A")
    wrap = (0x100000000 - c.isn["c"] - 1)
    _, hl = http_request("POST", "/v1/contacts/upload", HOST, [JSON_CT], body)
    c.request(st, st + len(data), "POST", "/v1/contacts/upload", HOST, hl, json_fields(body),
              decoded_body=body, hdr_end=st + h,
              note="client sequence numbers wrap from 0xffffffff to 0 at stream offset %d "
                   "(body byte %d)" % (wrap, wrap - h))
    resp(c)
    c.close()
    cap.desc = ("POST /v1/contacts/upload with a 6000-byte JSON body (`device` object, `contacts` "
                "array of 10 objects, and a `blob` string of %d 'A' characters padding the body to "
                "exactly 6000 bytes). The %d-byte header block is sent alone, then the body in 12 "
                "segments of exactly 500 bytes; the server sends a pure ACK after body segments 4 "
                "and 8. The client ISN is 0xfffff000, so the client sequence number wraps to 0 at "
                "stream offset %d (inside body segment %d).\n\n%s" % (
                    len(obj["blob"]), h, wrap, (wrap - h) // 500 + 1, COMMON))
    return cap


def out_of_order():
    cap = Capture("http/out-of-order.pcap")
    c = conn(cap, 43003)
    c.handshake()
    body = b'{"imei":"864512034567891","phone":"13812345678","email":"lily@example.com","lat":31.2304}'
    data, hl = http_request("POST", "/v1/user/bind", HOST, [JSON_CT], body)
    h = hdr_len(data)
    st = c.off("c", c.nxt["c"])
    c.send("c", data[:h], notes={0: "request headers, complete"})
    B = [(0, 24), (24, 48), (48, 72), (72, len(body))]
    O = (60, 84)
    orig_ov = body[O[0]:O[1]]
    alt = bytearray(orig_ov)
    for i in range(0, 72 - 60):
        ch = chr(alt[i])
        if ch.isdigit():
            alt[i] = ord("9")
        elif ch.isalpha():
            alt[i] = ord("X")
    alt = bytes(alt)
    bo = st + h  # stream offset of body byte 0

    def seg(i, note, what=None):
        a, b = B[i]
        return c.seg_at("c", bo + a, body[a:b] if what is None else what, note=note)

    def sack(upto_body):
        return c.pkt("s", "A", ack=c.seq_of("c", bo + upto_body))

    f = {}
    f["B1"] = seg(0, "body [0,24) B1")
    sack(24)
    f["B3"] = seg(2, "body [48,72) B3 - out of order (B2 not yet sent)")
    sack(24)
    f["B2"] = seg(1, "body [24,48) B2 - fills the hole")
    sack(72)
    f["B2dup"] = seg(1, "body [24,48) B2 again - exact retransmission (duplicate)")
    sack(72)
    f["O"] = c.seg_at("c", bo + O[0], alt,
                      note="body [60,84) overlapping segment: its first 12 bytes [60,72) DIFFER "
                      "from B3; bytes [72,84) are new and equal the original")
    sack(84)
    f["B4"] = seg(3, "body [72,%d) B4 - final segment; [72,84) identical to the overlap copy" % len(body))
    c.request(st, st + len(data), "POST", "/v1/user/bind", HOST, hl, json_fields(body),
              decoded_body=body, hdr_end=st + h,
              note="first copy wins: body bytes [60,72) must come from B3 (frame %d) = `%s`, not "
                   "from the overlapping frame %d = `%s`" % (f["B3"], body[60:72].decode(), f["O"],
                                                            alt[:12].decode()))
    resp(c)
    c.close()
    wrong = body[:60] + alt[:12] + body[72:]
    cap.desc = (
        "POST /v1/user/bind; headers complete in one segment (frame 4), then the %d-byte body\n\n"
        "`%s`\n\nis delivered as (body offsets):\n\n"
        "| frame | body bytes | content |\n|---|---|---|\n"
        "| %d | [0,24) B1 | `%s` |\n| %d | [48,72) B3 (out of order) | `%s` |\n"
        "| %d | [24,48) B2 | `%s` |\n| %d | [24,48) B2 retransmitted (identical) | `%s` |\n"
        "| %d | [60,84) overlap | `%s` |\n| %d | [72,%d) B4 | `%s` |\n\n"
        "The server sends pure ACKs after each client segment (frames 6, 8, 10, 12, 14; frame 8 is a "
        "duplicate ACK). Overlap: the original bytes [60,72) are `%s` (from B3, received first) "
        "while the overlapping copy carries `%s`. Expected (first copy wins) reassembled body = the "
        "original body above, so `body.email` = `lily@example.com`. If the later copy won, the body "
        "would be `%s` (email `%s`).\n\n%s" % (
            len(body), body.decode(), f["B1"], body[0:24].decode(), f["B3"], body[48:72].decode(),
            f["B2"], body[24:48].decode(), f["B2dup"], body[24:48].decode(),
            f["O"], alt.decode(), f["B4"], len(body), body[72:].decode(),
            body[60:72].decode(), alt[:12].decode(), wrong.decode(),
            json.loads(wrong)["email"], COMMON))
    return cap


def gap():
    cap = Capture("http/gap.pcap")
    c = conn(cap, 43004)
    c.handshake()
    req(c, "POST", "/v1/step/1", b'{"step":1}', [JSON_CT])
    resp(c)
    body2 = b'{"step":2,"imei":"864512034567891","note":"the middle of this body is never captured"}'
    data2, hl2 = http_request("POST", "/v1/step/2", HOST, [JSON_CT], body2)
    h2 = hdr_len(data2)
    sizes = [h2 + 20, 30, len(body2) - 50]
    st2, en2, fr2, _ = req(c, "POST", "/v1/step/2", body2, [JSON_CT], sizes=sizes, missing=(1,),
                        body_fields=[],
                        note="the body is incomplete (permanent gap), so the listed fields have "
                             "no body.* entries: expected behaviour is to emit the header/cookie "
                             "fields (complete at frame 6) and no body fields, and never to "
                             "splice bytes after the gap into this body",
                        notes={0: "request 2 headers + body bytes [0,20)",
                               1: "request 2 body bytes [50,%d) (bytes [20,50) were never captured)" % len(body2)})
    gap_start = st2 + h2 + 20
    gap_end = gap_start + 30
    cap.note(fr2[1], "the segment before this one (stream offsets [%d,%d), seq %d-%d) was never "
           "captured" % (gap_start, gap_end, c.seq_of("c", gap_start), c.seq_of("c", gap_end - 1)))
    resp(c, note="server received everything (only the capture lost the segment), ACKs it all")
    req(c, "GET", "/v1/step/3?ok=1")
    resp(c)
    c.close()
    cap.desc = (
        "One keep-alive connection with three requests. Request 1 (POST /v1/step/1, body "
        "`{\"step\":1}`) is complete. Request 2 (POST /v1/step/2, Content-Length %d, body `%s`) "
        "is sent by the client as 3 segments: headers + body bytes [0,20), body bytes [20,50), body "
        "bytes [50,%d); the middle segment is NOT in the capture (permanent gap). Gap = client "
        "stream offsets [%d,%d) (relative to ISN+1; 30 bytes), absolute sequence numbers "
        "%d..%d (0x%08x..0x%08x), i.e. request-2 body bytes [20,50) = `%s`. The server still "
        "ACKs everything and answers 200. Request 3 (GET /v1/step/3?ok=1) starts right after "
        "request 2's declared body end and must be decoded.\n\n%s" % (
            len(body2), body2.decode(), len(body2), gap_start, gap_end,
            c.seq_of("c", gap_start), c.seq_of("c", gap_end - 1),
            c.seq_of("c", gap_start), c.seq_of("c", gap_end - 1), body2[20:50].decode(), COMMON))
    return cap


def pipelined():
    cap = Capture("http/pipelined.pcap")
    c = conn(cap, 43005)
    c.handshake()
    uris = ["/v1/config?ver=1", "/v1/feed?page=1", "/v1/ads?slot=banner"]
    blobs = []
    hls = []
    for u in uris:
        d, hl = http_request("GET", u, HOST)
        blobs.append(d)
        hls.append(hl)
    data = b"".join(blobs)
    st, en, fr = c.send("c", data, notes={0: "3 pipelined GET requests in one segment"})
    pos = st
    for u, d, hl in zip(uris, blobs, hls):
        c.request(pos, pos + len(d), "GET", u, HOST, hl, hdr_end=pos + len(d))
        pos += len(d)
    bodies = [b'{"ver":1,"flags":["a","b"]}', b'{"page":1,"items":[]}', b'{"slot":"banner","ad":null}']
    for b in bodies:
        resp(c, body=b)
    c.close()
    cap.desc = ("Three GET requests (%s) pipelined in ONE client segment (frame %d, %d bytes), then "
                "three responses, one per segment, in order.\n\n%s" % (
                    ", ".join("`%s`" % u for u in uris), fr[0], len(data), COMMON))
    return cap


def chunked():
    cap = Capture("http/chunked.pcap")
    c = conn(cap, 43006)
    c.handshake()
    body = b'{"occupation":"teacher","learning_purpose":"exam"}'
    c1, c2, c3 = body[:7], body[7:24], body[24:]
    assert c1 == b'{"occup'
    raw = (b"%x\r\n" % len(c1) + c1 + b"\r\n" + b"%x\r\n" % len(c2) + c2 + b"\r\n"
           + b"%x\r\n" % len(c3) + c3 + b"\r\n" + b"0\r\nX-Checksum: 5d41402a\r\n\r\n")
    headers = [JSON_CT, ("Transfer-Encoding", "chunked"), ("Trailer", "X-Checksum")]
    data, _ = http_request("POST", "/v1/survey", HOST, headers, raw_body=raw)
    h = hdr_len(data)
    cut2 = data.index(b'"tea', h) + 4
    cut3 = data.index(b"0\r\nX-Checksum") + 3
    sizes = cut_sizes(data, [h, cut2, cut3])
    req(c, "POST", "/v1/survey", body, headers, raw_body=raw, sizes=sizes,
        body_fields=json_fields(body),
        note="chunk sizes 0x7, 0x11, 0x1a; chunk boundary between `{\"occup` and `ation\"`; "
             "trailer `X-Checksum: 5d41402a` (not listed as a field: trailers have no path in the "
             "convention; a decoder that keeps trailers would add header.x-checksum = \"5d41402a\")",
        notes={0: "request headers", 1: "chunk 1 complete + start of chunk 2 (ends inside `teacher`)",
               2: "rest of chunk 2, chunk 3, last-chunk line `0\\r\\n`",
               3: "trailer `X-Checksum: 5d41402a` + final CRLF"})
    resp(c)
    c.close()
    cap.desc = ("POST /v1/survey with `Transfer-Encoding: chunked` and `Trailer: X-Checksum`. "
                "Decoded body `%s` (%d bytes) travels as chunks of 7 (`%s`), 17 (`%s`) and 26 "
                "(`%s`) bytes: the first chunk boundary falls inside the key `occupation`. The "
                "chunked stream (%d bytes) is:\n\n```\n%s```\n\nIt is sent in 3 segments after "
                "the header segment (segment sizes incl. headers: %s): cut 2 inside `teacher`, cut 3 "
                "after the `0\\r\\n` last-chunk line, so the trailer arrives alone.\n\n%s" % (
                    body.decode(), len(body), c1.decode(), c2.decode(), c3.decode(), len(raw),
                    raw.decode().replace("\r\n", "\\r\\n\n"), sizes, COMMON))
    return cap


def encodings():
    cap = Capture("http/encodings.pcap")
    c = conn(cap, 43007)
    c.handshake()

    def gz(b):
        return gzip.compress(b, compresslevel=9, mtime=0)

    def zl(b):
        return zlib.compress(b, 9)

    def raw_deflate(b):
        o = zlib.compressobj(9, zlib.DEFLATED, -15)
        return o.compress(b) + o.flush()

    def br(b):
        return brotli.compress(b)

    cases = [("gzip", gz), ("x-gzip", gz), ("deflate", zl), ("deflate", raw_deflate),
             ("br", br), ("gzip, br", lambda b: br(gz(b)))]
    lines = []
    for n, (enc, fn) in enumerate(cases, 1):
        plain = b'{"imei":"864512034567891","k":%d}' % n
        wire = fn(plain)
        kind = {3: "zlib-wrapped", 4: "raw, no zlib header"}.get(n, "")
        req(c, "POST", "/v1/collect/%d" % n, wire,
            [("Content-Type", "application/json"), ("Content-Encoding", enc)],
            body_fields=json_fields(plain), decoded_body=plain,
            note="Content-Encoding `%s`%s; %d wire bytes, first bytes %s" % (
                enc, " (%s)" % kind if kind else "", len(wire), wire[:4].hex(" ")))
        lines.append("| %d | `/v1/collect/%d` | `%s`%s | %d | `%s` |" % (
            n, n, enc, " (%s)" % kind if kind else "", len(wire), wire[:6].hex(" ")))
        if n == 1:
            rplain = b'{"code":0,"msg":"ok","token":"eyJhbGciOiJub25lIn0"}'
            resp(c, body=gz(rplain), headers=(("Content-Type", "application/json"),
                                              ("Content-Encoding", "gzip")),
                 decoded_body=rplain, note="gzip-encoded response; decoded `%s`" % rplain.decode())
        else:
            resp(c)
    c.close()
    cap.desc = ("One keep-alive connection, six POST requests, each with `Content-Type: "
                "application/json` and a compressed body that decodes to "
                "`{\"imei\":\"864512034567891\",\"k\":N}`:\n\n| N | uri | Content-Encoding | wire "
                "bytes | first wire bytes |\n|---|---|---|---|---|\n%s\n\n`gzip, br` means gzip was "
                "applied first, then brotli: decode brotli, then gunzip. gzip streams use mtime 0 "
                "and level 9; zlib/deflate level 9; brotli default quality (11). The response to "
                "request 1 is gzip-encoded (`Content-Encoding: gzip`), decoding to "
                "`{\"code\":0,\"msg\":\"ok\",\"token\":\"eyJhbGciOiJub25lIn0\"}`; the other "
                "responses are plain `{\"code\":0}`.\n\n%s" % ("\n".join(lines), COMMON))
    return cap


def content_types():
    cap = Capture("http/content-types.pcap")
    c = conn(cap, 43008)
    c.handshake()
    # 1 JSON object
    b1 = b'{"user":{"id":42,"name":"lily"},"tags":["a","b"],"vip":true,"score":9.5,"nick":null}'
    req(c, "POST", "/v1/event", b1, [("Content-Type", "application/json")])
    resp(c)
    # 2 top-level array
    b2 = b'[{"event":"open","ts":1700000000},{"event":"login","user":"u1"}]'
    req(c, "POST", "/v1/events", b2, [("Content-Type", "application/json")])
    resp(c)
    # 3 ndjson
    b3 = b'{"event":"view","page":"home"}\n{"event":"click","id":7}\n'
    f3 = []
    for i, line in enumerate(b3.decode().splitlines()):
        f3 += flatten_json(jparse(line), "body[%d]" % i)
    req(c, "POST", "/v1/log", b3, [("Content-Type", "application/x-ndjson")], body_fields=f3)
    resp(c)
    # 4 form
    b4 = b"name=%E5%BC%A0%E4%B8%89&job=teacher&note=a+b"
    req(c, "POST", "/v1/form", b4, [("Content-Type", "application/x-www-form-urlencoded")])
    resp(c)
    # 5 GET query
    req(c, "GET", "/v1/geo?uid=42&lat=31.2304&lng=121.4737")
    resp(c)
    # 6 multipart
    bnd = "okhttp-7d3f9a2c-5b1e-4c8f-a0d6-91e2b3c4d5f6"
    jpeg = bytearray(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    jpeg += prng("avatar.jpg", 100 - len(jpeg) - 2) + b"\xff\xd9"
    jpeg = bytes(jpeg)
    assert len(jpeg) == 100 and b"\r\n--" not in jpeg and bnd.encode() not in jpeg
    b6 = ("--%s\r\nContent-Disposition: form-data; name=\"nickname\"\r\n\r\nlily\r\n"
          "--%s\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n{\"age\":12}\r\n"
          "--%s\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.jpg\"\r\n"
          "Content-Type: image/jpeg\r\n\r\n" % (bnd, bnd, bnd)).encode() + jpeg + (
              "\r\n--%s--\r\n" % bnd).encode()
    f6 = [("body.nickname", "lily"), ("body.profile{json}.age", Num("12")),
          ("body.avatar.filename", "a.jpg"), ("body.avatar.content_type", "image/jpeg"),
          ("body.avatar.size", Num("100"))]
    req(c, "POST", "/v1/profile/upload", b6,
        [("Content-Type", "multipart/form-data; boundary=" + bnd)], body_fields=f6,
        note="multipart: part `nickname` (text `lily`), part `profile` (no Content-Type, text "
             "`{\"age\":12}`, a string holding JSON), file part `avatar` (filename `a.jpg`, "
             "Content-Type image/jpeg, 100 bytes starting `ff d8 ff e0` and ending `ff d9`); "
             "raw value of body.profile is the string `{\"age\":12}`")
    resp(c)
    # 7 text/plain JSON
    b7 = b'{"imei":"864512034567891","os":"android"}'
    req(c, "POST", "/v1/raw", b7, [("Content-Type", "text/plain; charset=utf-8")],
        body_fields=json_fields(b7), note="text/plain body that is a JSON object (content sniffing)")
    resp(c)
    c.close()
    cap.desc = ("One keep-alive connection, seven requests, one per content type (each answered "
                "with `{\"code\":0}` before the next request is sent):\n\n"
                "1. `application/json` object `%s`\n2. `application/json` top-level array `%s`\n"
                "3. `application/x-ndjson`, two JSON lines (each terminated by `\\n`) `%s`\n"
                "4. `application/x-www-form-urlencoded` `%s` (`%%E5%%BC%%A0%%E4%%B8%%89` = 张三, "
                "`+` = space)\n5. GET `/v1/geo?uid=42&lat=31.2304&lng=121.4737` (no body)\n"
                "6. `multipart/form-data; boundary=%s`, %d-byte body: text part `nickname`=`lily`, "
                "text part `profile` = `{\"age\":12}`, file part `avatar` (`a.jpg`, image/jpeg, 100 "
                "bytes)\n7. `text/plain; charset=utf-8` holding the JSON object `%s`\n\n"
                "Numbers keep their JSON text (`9.5`, `1700000000`); query and form values are "
                "always strings.\n\n%s" % (
                    b1.decode(), b2.decode(), b3.decode().replace("\n", "\\n"), b4.decode(), bnd,
                    len(b6), b7.decode(), COMMON))
    return cap


def b64_candidates():
    """Deterministically pick payloads with the wanted base64 properties:
    padding needed, and at least one of the two non-alphanumeric alphabet
    characters present (needs non-ASCII bytes, hence the Chinese nick)."""
    names = ["小明", "小红", "王芳"]
    oaid = gaid = None
    for n in names:
        for k in range(3):
            js = '{"oaid":"a1b2c3d4-e5f6-4789-abcd-ef0123456789","nick":"%s","ts":%d}' % (
                n, 1700000000 * 10 ** k)
            b = base64.b64encode(js.encode()).decode()
            if oaid is None and b.endswith("=") and ("+" in b or "/" in b):
                oaid = (js, b)
            js = '{"gaid":"38400000-8cf0-11bd-b23e-10b96e4e0001","nick":"%s","lmt":%d}' % (
                n, 10 ** k - 1)
            b = base64.urlsafe_b64encode(js.encode()).decode()
            if gaid is None and b.endswith("=") and ("-" in b or "_" in b):
                gaid = (js, b.rstrip("="))
    return oaid, gaid


def nested():
    cap = Capture("http/nested.pcap")
    c = conn(cap, 43009)
    c.handshake()
    b1 = b'{"data":"{\\"imei\\":\\"864512034567891\\"}"}'
    assert json.loads(b1)["data"] == '{"imei":"864512034567891"}'
    req(c, "POST", "/v1/nested/json", b1, [JSON_CT],
        body_fields=[("body.data{json}.imei", "864512034567891")],
        note="raw value of body.data is the string `{\"imei\":\"864512034567891\"}`")
    resp(c)
    (ojs, ob64), (gjs, gb64) = b64_candidates()
    form = "p=%s&v=2" % urllib.parse.quote(ob64, safe="")
    b2 = form.encode()
    f2 = flatten_json(jparse(ojs), "body.p{base64}{json}") + [("body.v", "2")]
    req(c, "POST", "/v1/nested/form", b2, [("Content-Type", "application/x-www-form-urlencoded")],
        body_fields=f2,
        note="form value p percent-decodes to standard base64 (with `+`/`/` and `=` padding) `%s`, "
             "which decodes to `%s`" % (ob64, ojs))
    resp(c)
    b3 = ('{"ext":"%s","v":3}' % gb64).encode()
    f3 = flatten_json(jparse(gjs), "body.ext{base64}{json}") + [("body.v", Num("3"))]
    req(c, "POST", "/v1/nested/b64url", b3, [JSON_CT], body_fields=f3,
        note="body.ext is base64url WITHOUT padding (`%s`, %d chars, contains `-`/`_`), "
             "decoding to `%s`" % (gb64, len(gb64), gjs))
    resp(c)
    c.close()
    cap.desc = ("One keep-alive connection, three POSTs with nested encodings:\n\n"
                "1. `application/json` `%s`: the string value of `data` is itself JSON.\n"
                "2. `application/x-www-form-urlencoded` `%s`: `p` percent-decodes to the standard "
                "base64 (padded) string `%s` of the JSON object `%s`.\n"
                "3. `application/json` `%s`: `ext` is base64url without padding of `%s`.\n\n"
                "Listed fields are the leaves after decoding; the raw container strings "
                "(body.data, body.p, body.ext) are described in the per-request notes.\n\n%s" % (
                    b1.decode(), form, ob64, ojs, b3.decode(), gjs, COMMON))
    return cap


def wrapped():
    cap = Capture("http/wrapped.pcap")
    c = conn(cap, 43012)
    c.handshake()

    def gz(b):
        return gzip.compress(b, compresslevel=9, mtime=0)

    def raw_deflate(b):
        o = zlib.compressobj(9, zlib.DEFLATED, -15)
        return o.compress(b) + o.flush()

    def compact(o):
        return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()

    form_ct = ("Content-Type", "application/x-www-form-urlencoded")
    # 1 Sensors Data flush: data_list=base64(gzip(JSON array of events))&gzip=1&crc=...
    events = [{"type": "track", "event": "$AppStart", "time": 1700000000123, "distinct_id": "3f9c2a7e51b04d68",
               "properties": {"$model": "22081212C", "$device_id": "3f9c2a7e51b04d68", "$latitude": 39908722}},
              {"type": "track", "event": "$AppClick", "time": 1700000000456, "distinct_id": "3f9c2a7e51b04d68",
               "properties": {"$element_id": "btn_buy", "price": Num("299.0")}}]
    ev_json = json.dumps(events, separators=(",", ":")).replace('"299.0"', "299.0").encode()
    data_list = base64.b64encode(gz(ev_json)).decode()
    b1 = ("data_list=%s&gzip=1&crc=-1702390547" % urllib.parse.quote(data_list, safe="")).encode()
    f1 = (flatten_json(jparse(ev_json.decode()), "body.data_list{base64}{gzip}{json}")
          + [("body.gzip", "1"), ("body.crc", "-1702390547")])
    req(c, "POST", "/sa?project=production", b1, [form_ct], body_fields=f1,
        note="Sensors Data style flush: `data_list` is base64 (percent-encoded in the form) of "
             "gzip (mtime 0, level 9) of the JSON array `%s`" % ev_json.decode())
    resp(c)
    # 2 a JSON string holding a form holding base64 JSON
    inner = compact({"imei": "864512034567891", "oaid": "a1b2c3d4-e5f6-4789-abcd-ef0123456789"})
    payload = "uid=42&ext=%s" % base64.b64encode(inner).decode()
    b2 = compact({"payload": payload, "v": 2})
    f2 = ([("body.payload{form}.uid", "42")]
          + flatten_json(jparse(inner.decode()), "body.payload{form}.ext{base64}{json}")
          + [("body.v", Num("2"))])
    req(c, "POST", "/v1/wrapped/form-in-json", b2, [JSON_CT], body_fields=f2,
        note="`payload` is the form `%s`; its `ext` is base64 of `%s`" % (payload, inner.decode()))
    resp(c)
    # 3 an event batch
    batch = {"batch": [{"event": "view", "properties": {"device_id": "d-%d" % i, "page": "p%d" % i}}
                       for i in range(4)], "sent_at": 1700000000}
    b3 = compact(batch)
    req(c, "POST", "/v1/batch", b3, [JSON_CT], note="a batch of four events, each with its properties")
    resp(c)
    # 4 base64url gzip JSON in a query parameter
    qjs = compact({"uid": "u_20873311", "lat": Num("31.2304")}).replace(b'"31.2304"', b"31.2304")
    qv = base64.urlsafe_b64encode(gz(qjs)).decode().rstrip("=")
    uri4 = "/v1/t.gif?d=%s&v=1" % qv
    req(c, "GET", uri4,
        query_fields=flatten_json(jparse(qjs.decode()), "query.d{base64}{gzip}{json}") + [("query.v", "1")],
        note="`d` is base64url without padding of gzip of `%s`" % qjs.decode())
    resp(c)
    # 5 a text body: base64 of raw deflate of JSON
    b5js = compact({"oaid": "a1b2c3d4-e5f6-4789-abcd-ef0123456789", "android_id": "3f9c2a7e51b04d68"})
    b5 = base64.b64encode(raw_deflate(b5js)) + b"\n"
    req(c, "POST", "/v1/wrapped/text", b5, [("Content-Type", "text/plain")],
        body_fields=flatten_json(jparse(b5js.decode()), "body{base64}{deflate}{json}"),
        note="text/plain body: base64 of raw deflate (no zlib header) of `%s`" % b5js.decode())
    resp(c)
    # 6 protobuf: not decoded, counted as protobuf
    pb = b"\x0a\x10" + b"3f9c2a7e51b04d68" + b"\x10\x96\x01" + b"\x1a\x09" + b"22081212C"
    req(c, "POST", "/v1/pb", pb, [("Content-Type", "application/x-protobuf")], body_fields=[],
        note="protobuf body (fields 1: string, 2: varint 150, 3: string); not decoded")
    resp(c)
    # 7 ciphertext: not decoded, counted as encrypted_or_binary
    ct = opaque("wrapped-ciphertext", 512)
    req(c, "POST", "/v1/enc", ct, [("Content-Type", "application/octet-stream")], body_fields=[],
        note="512 pseudo-random bytes (ciphertext); not decoded")
    resp(c)
    c.close()
    cap.desc = ("One keep-alive connection, seven requests whose payloads are wrapped the way SDKs "
                "send them, each answered with `{\"code\":0}`:\n\n"
                "1. POST /sa?project=production, form: `data_list` = base64 of gzip of a JSON array "
                "of two events (Sensors Data), `gzip=1`, `crc`.\n"
                "2. POST /v1/wrapped/form-in-json, JSON: `payload` is a form whose `ext` is base64 "
                "of JSON.\n"
                "3. POST /v1/batch, JSON: `batch` of four events with `properties.device_id`.\n"
                "4. GET /v1/t.gif?d=...&v=1: `d` is base64url (no padding) of gzip of JSON.\n"
                "5. POST /v1/wrapped/text, text/plain: base64 of raw deflate of JSON.\n"
                "6. POST /v1/pb, application/x-protobuf, %d bytes: not decoded.\n"
                "7. POST /v1/enc, application/octet-stream, 512 pseudo-random bytes: not "
                "decoded.\n\nFields of wrapped values are named with one tag per layer "
                "(`{base64}{gzip}{json}`).\n\n%s" % (len(pb), COMMON))
    return cap


def utf8():
    cap = Capture("http/utf8.pcap")
    c = conn(cap, 43010)
    c.handshake()
    b1 = b"name=%E5%BC%A0%E4%B8%89&city=%E5%8C%97%E4%BA%AC"
    req(c, "POST", "/v1/utf8/form", b1, [("Content-Type", "application/x-www-form-urlencoded")])
    resp(c)
    b2 = '{"name":"李四","city":"上海","bio":"喜欢🐼"}'.encode("utf-8")
    req(c, "POST", "/v1/utf8/json", b2, [JSON_CT],
        note="raw UTF-8 in the JSON body (3-byte CJK characters and a 4-byte emoji U+1F43C)")
    resp(c)
    req(c, "GET", "/v1/search?x=%FF%FEab&q=ok",
        note="query.x percent-decodes to the 4 bytes ff fe 61 62, which are NOT valid UTF-8: the "
             "decoder must not crash and must still decode query.q; how the invalid value is "
             "represented (escaped, replaced with U+FFFD, or dropped) is implementation-defined")
    resp(c)
    c.close()
    cap.desc = ("One keep-alive connection, three requests: a form with percent-encoded UTF-8 "
                "Chinese (`%s` -> name 张三, city 北京), a JSON body with raw UTF-8 `%s` (%d bytes), "
                "and `GET /v1/search?x=%%FF%%FEab&q=ok` whose x value is invalid UTF-8 after "
                "percent-decoding.\n\n%s" % (b1.decode(), b2.decode(), len(b2), COMMON))
    return cap


def midstream():
    cap = Capture("http/midstream.pcap")
    c = conn(cap, 43011, note="no SYN in the capture: the client is the side talking to port 80")
    # pretend 4000 client bytes and 3000 server bytes were exchanged before the capture started
    c.nxt["c"] = c.seq_of("c", 4000)
    c.nxt["s"] = c.seq_of("s", 3000)
    tail = b'3812345678","email":"lily@example.com"}'
    c.send("c", tail, notes={0: "tail of an earlier request body (not a request start)"})
    resp(c, note="response to the request whose start was not captured (not matched to a request)")
    b = b'{"event":"resume","ts":1700000001}'
    req(c, "POST", "/v1/track", b, [JSON_CT])
    resp(c)
    req(c, "GET", "/v1/feed?page=2")
    resp(c)
    c.close()
    cap.desc = ("The capture starts in the middle of a keep-alive connection 10.0.0.2:43011 -> "
                "192.0.2.80:80 (no handshake). Frame 1 is a client segment holding only the tail "
                "of an earlier request body (`%s`, %d bytes; stream offset 4000, seq 0x%08x) — it "
                "must not be reported as a request and must not yield fields. Frame 2 is the "
                "server's 200 for that earlier request. Then two complete requests follow "
                "(POST /v1/track, GET /v1/feed?page=2), each answered, then FIN teardown.\n\n%s" % (
                    tail.decode(), len(tail), c.seq_of("c", 4000), COMMON))
    return cap


def special():
    cap = Capture("http/special.pcap")
    # A: 100-continue, HEAD, follow-up
    a = conn(cap, 43021)
    a.handshake()
    body = b'{"file":"log.txt","size":42}'
    data, hl = http_request("POST", "/v1/upload", HOST,
                            [JSON_CT, ("Expect", "100-continue")], body)
    h = hdr_len(data)
    st = a.off("c", a.nxt["c"])
    a.send("c", data[:h], notes={0: "POST headers with Expect: 100-continue (no body yet)"})
    cont = b"HTTP/1.1 100 Continue\r\n\r\n"
    s1, e1, _ = a.send("s", cont, notes={0: "interim 100 Continue"})
    a.response(s1, e1, 100, body_len=0, decoded_body=b"", hdr_end=e1,
               note="interim response; the final response follows")
    a.send("c", data[h:], notes={0: "POST body"})
    a.request(st, st + len(data), "POST", "/v1/upload", HOST, hl, json_fields(body),
              decoded_body=body, hdr_end=st + h, note="Expect: 100-continue; body sent after the "
              "server's 100 Continue")
    resp(a)
    req(a, "HEAD", "/v1/file/42")
    hd = http_response(200, "OK", [("Content-Type", "application/octet-stream"),
                                   ("Content-Length", "1048576")], b"", content_length=False)
    s2, e2, _ = a.send("s", hd, notes={0: "HEAD response: Content-Length 1048576, no body"})
    a.response(s2, e2, 200, body_len=0, decoded_body=b"", hdr_end=e2,
               note="response to HEAD: Content-Length: 1048576 but no body follows")
    req(a, "GET", "/v1/after-head?x=1")
    resp(a, body=b'{"after":"head"}')
    a.close()
    # B: 204 / 304
    b = conn(cap, 43022)
    b.handshake()
    req(b, "GET", "/v1/empty")
    r204 = http_response(204, "No Content", [("X-Request-Id", "r-204")], b"", content_length=False)
    s, e, _ = b.send("s", r204)
    b.response(s, e, 204, body_len=0, decoded_body=b"", hdr_end=e, note="204, no Content-Length, no body")
    req(b, "GET", "/v1/cached", headers=[("If-None-Match", '"v42"')])
    r304 = http_response(304, "Not Modified", [("ETag", '"v42"'), ("Content-Length", "512")], b"",
                         content_length=False)
    s, e, _ = b.send("s", r304)
    b.response(s, e, 304, body_len=0, decoded_body=b"", hdr_end=e,
               note="304 with `Content-Length: 512` (length of the cached representation) and no body")
    req(b, "GET", "/v1/after-304")
    resp(b, body=b'{"after":"304"}')
    b.close()
    # C: HTTP/1.0 close-delimited
    cc = conn(cap, 43023)
    cc.handshake()
    legacy_hdrs = [("User-Agent", "okhttp/4.9.0"),
                   ("X-Device-Id", "3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13"),
                   ("Cookie", "sid=abc123; uid=42")]
    req(cc, "GET", "/v1/legacy", headers=legacy_hdrs, version="HTTP/1.0", mobile=False)
    lbody = b"legacy body line 1\nlegacy body line 2, delimited by connection close\n"
    rh = http_response(200, "OK", [("Content-Type", "text/plain")], b"", version="HTTP/1.0",
                       content_length=False)
    s, _, _ = cc.send("s", rh + lbody, sizes=[len(rh) + 30, len(lbody) - 30],
                      notes={0: "HTTP/1.0 200 headers (no Content-Length) + first 30 body bytes",
                             1: "rest of the body"})
    e = s + len(rh) + len(lbody)
    fin = cc.pkt("s", "FA", note="server FIN ends the close-delimited response body")
    r = cc.response(s, e, 200, body_len=len(lbody), decoded_body=lbody, hdr_end=s + len(rh),
                    note="HTTP/1.0, no Content-Length: body (%d bytes) ends at the server FIN "
                         "(frame %d), which is therefore the completing frame" % (len(lbody), fin))
    r["complete_override"] = fin
    cc.pkt("c", "FA")
    cc.pkt("s", "A")
    cap.desc = (
        "Three connections.\n\n"
        "* 10.0.0.2:43021: (1) POST /v1/upload with `Expect: 100-continue`: headers in one "
        "segment, server `HTTP/1.1 100 Continue`, body `%s` in the next client segment, then "
        "`200`; (2) `HEAD /v1/file/42` answered by 200 with `Content-Length: 1048576` and NO body; "
        "(3) `GET /v1/after-head?x=1` on the same connection (response body `{\"after\":\"head\"}`).\n"
        "* 10.0.0.2:43022: `GET /v1/empty` -> `204 No Content` (no Content-Length, no body); "
        "`GET /v1/cached` (If-None-Match) -> `304 Not Modified` with `Content-Length: 512` and no "
        "body; `GET /v1/after-304` -> 200 `{\"after\":\"304\"}`.\n"
        "* 10.0.0.2:43023: `GET /v1/legacy HTTP/1.0` (User-Agent, X-Device-Id and Cookie only; no "
        "Connection header) -> `HTTP/1.0 200 OK` without Content-Length, %d-byte body in two "
        "segments, delimited by the server's FIN; then client FIN and final ACK.\n\n%s" % (
            body.decode(), len(lbody), COMMON.replace("Every request carries",
                                                      "Except the HTTP/1.0 request, every request carries")))
    return cap


def all_caps():
    return [split_header(), many_segments(), out_of_order(), gap(), pipelined(), chunked(),
            encodings(), content_types(), nested(), wrapped(), utf8(), midstream(), special()] + lenient_caps()


# ---------------------------------------------------------------------------
# Lenient request parsing and session edge cases (issue 18): request lines
# recognised by their shape, what a lenient server accepts, HTTP/0.9, CONNECT
# tunnels (plain and TLS), a new connection on the ports of a closed one, a
# request found after a gap that cut the two before it.

DEV = "3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13"
LENIENT_NOTE = ("Headers are written by hand (not the mobile-app set): `Host`, `User-Agent: okhttp/4.9.0`, "
                "`X-Device-Id: %s`, then what each request needs." % DEV)


def head_end(data):
    """Offset just past the blank line ending a header block (CRLF or bare LF)."""
    ends = [data.index(t) + len(t) for t in (b"\r\n\r\n", b"\n\n") if t in data]
    return min(ends)


def raw_req(c, data, method, uri, headers, body=b"", body_fields=(), host=HOST, protocol="http/1.1",
            sizes=None, notes=None, note="", hdr_end=None):
    """Send request bytes written by hand and record what a lenient parser
    reads from them: `headers` as (name, value) after normalisation."""
    st, en, frames = c.send("c", data, sizes, notes=notes)
    c.request(st, en, method, uri, host, headers, body_fields, note=note, decoded_body=body,
              hdr_end=st + (hdr_end if hdr_end is not None else head_end(data)), protocol=protocol)
    return st, en, frames


def ok_resp(c, body=RESP_OK, note=""):
    return resp(c, body=body, note=note)


def lenient_lines():
    cap = Capture("http/lenient-request-lines.pcap")
    c = conn(cap, 43031)
    c.handshake()
    base = [("Host", HOST), ("User-Agent", "okhttp/4.9.0"), ("X-Device-Id", DEV)]

    def hdrs(extra=()):
        return "".join("%s: %s\r\n" % kv for kv in base + list(extra))

    rows = []
    # 1 a method outside any list (SCCM's CCM_POST), the method cut across segments
    b1 = b"client_id=GUID%3A5f3c&user=lily"
    ct = ("Content-Type", "application/x-www-form-urlencoded")
    d1 = ("CCM_POST /ccm_system/request HTTP/1.1\r\n%s\r\n" % hdrs([ct, ("Content-Length", str(len(b1)))])).encode() + b1
    raw_req(c, d1, "CCM_POST", "/ccm_system/request", base + [ct, ("Content-Length", str(len(b1)))], b1,
            parse_pairs(b1.decode(), "body"), sizes=cut_sizes(d1, [4]),
            notes={0: "`CCM_` (the method is cut)", 1: "the rest of request 1"})
    ok_resp(c)
    rows.append("1. `CCM_POST /ccm_system/request HTTP/1.1` (SCCM), form body `%s`; the method is cut after "
                "`CCM_` by a segment boundary." % b1.decode())
    # 2 Outlook's RPC over HTTP
    d2 = ("RPC_IN_DATA /rpc/rpcproxy.dll?mail.example.com:6001 HTTP/1.1\r\n%s\r\n"
          % hdrs([("Content-Length", "0")])).encode()
    raw_req(c, d2, "RPC_IN_DATA", "/rpc/rpcproxy.dll?mail.example.com:6001", base + [("Content-Length", "0")],
            body_fields=[])
    ok_resp(c)
    rows.append("2. `RPC_IN_DATA /rpc/rpcproxy.dll?mail.example.com:6001 HTTP/1.1` (Outlook RPC over HTTP), "
                "Content-Length 0.")
    # 3 spaces in the target: the target runs to the last " HTTP/"
    u3 = "/v1/search?q=lily chen&page=1"
    d3 = ("GET %s HTTP/1.1\r\n%s\r\n" % (u3, hdrs())).encode()
    raw_req(c, d3, "GET", u3, base, sizes=cut_sizes(d3, [d3.index(b" chen") + 1]),
            notes={0: "request 3 up to `q=lily ` (the cut is right after the space)", 1: "the rest"},
            note="query.q is `lily chen`: the space is part of the target (nginx's space_in_uri); "
                 "tshark cuts the target at the first space")
    ok_resp(c)
    rows.append("3. `GET /v1/search?q=lily chen&page=1 HTTP/1.1`: a raw space in the target; segment cut "
                "right after that space.")
    # 4 several spaces after the method and before the version
    d4 = ("GET      /v1/extra?uid=42  HTTP/1.1\r\n%s\r\n" % hdrs()).encode()
    raw_req(c, d4, "GET", "/v1/extra?uid=42", base)
    ok_resp(c)
    rows.append("4. `GET      /v1/extra?uid=42  HTTP/1.1`: six spaces after the method, two before the version.")
    # 5 no target
    d5 = ("GET HTTP/1.1\r\n%s\r\n" % hdrs([("X-Session", "s-5501")])).encode()
    raw_req(c, d5, "GET", "", base + [("X-Session", "s-5501")])
    ok_resp(c)
    rows.append("5. `GET HTTP/1.1`: no target (Zeek's `missing_HTTP_uri`); the target is empty.")
    # 6 a malformed version
    b6 = b'{"phone":"13812345678"}'
    d6 = ("POST /v1/bad-version HTTP/1.\r\n%s\r\n" % hdrs([JSON_CT, ("Content-Length", str(len(b6)))])).encode() + b6
    raw_req(c, d6, "POST", "/v1/bad-version", base + [JSON_CT, ("Content-Length", str(len(b6)))], b6,
            json_fields(b6), note="version `HTTP/1.` is read as HTTP/1.1 (protocol `http/1.1`)")
    ok_resp(c)
    rows.append("6. `POST /v1/bad-version HTTP/1.` (version cut short), JSON body `%s`." % b6.decode())
    # 7 bare LF, obs-fold, "Name :", a header line without a colon
    b7 = b'{"nick":"lily"}'
    d7 = (b"PUT /v1/profile HTTP/1.1\nHost : " + HOST.encode() + b"\nUser-Agent: okhttp/4.9.0\n"
          b"X-Note: first part\n\tsecond part\nthis line has no colon\nX-Device-Id: " + DEV.encode()
          + b"\nContent-Type: application/json\nContent-Length: " + str(len(b7)).encode() + b"\n\n" + b7)
    h7 = [("Host", HOST), ("User-Agent", "okhttp/4.9.0"), ("X-Note", "first part second part"),
          ("X-Device-Id", DEV), ("Content-Type", "application/json"), ("Content-Length", str(len(b7)))]
    raw_req(c, d7, "PUT", "/v1/profile", h7, b7, json_fields(b7),
            note="the folded X-Note is one value `first part second part`; the line without a colon "
                 "is skipped")
    ok_resp(c)
    rows.append("7. `PUT /v1/profile HTTP/1.1` with every line ended by a bare LF, `Host : %s` (space before "
                "the colon), `X-Note: first part` folded onto `\\tsecond part` (obs-fold), and a line "
                "`this line has no colon`; JSON body `%s`." % (HOST, b7.decode()))
    # 8 a method alone, then header lines
    d8 = ("OPTIONS\r\n%s\r\n" % hdrs()).encode()
    raw_req(c, d8, "OPTIONS", "", base, protocol="http/0.9",
            note="a method alone: no target, no version (protocol `http/0.9`); a request because "
                 "header lines follow")
    ok_resp(c)
    rows.append("8. `OPTIONS` alone on its line, then header lines (tshark lists it too).")
    # 9 chunked and Content-Length both: chunked wins
    b9 = b'{"file":"a.txt","size":3}'
    chunks = b"%x\r\n" % 10 + b9[:10] + b"\r\n" + b"%x\r\n" % (len(b9) - 10) + b9[10:] + b"\r\n0\r\n\r\n"
    h9 = base + [JSON_CT, ("Transfer-Encoding", "chunked"), ("Content-Length", "999")]
    d9 = ("POST /v1/upload HTTP/1.1\r\n%s\r\n" % hdrs(h9[3:])).encode() + chunks
    raw_req(c, d9, "POST", "/v1/upload", h9, b9, json_fields(b9),
            note="Transfer-Encoding chunked and `Content-Length: 999`: the chunked body is read")
    ok_resp(c)
    rows.append("9. `POST /v1/upload HTTP/1.1` with `Transfer-Encoding: chunked` and a wrong "
                "`Content-Length: 999`; chunked body `%s` in chunks of 10 and %d bytes." % (b9.decode(), len(b9) - 10))
    # 10 an ordinary request: the parser is still in step
    d10 = ("DELETE /v1/me?uid=42 HTTP/1.1\r\n%s\r\n" % hdrs()).encode()
    raw_req(c, d10, "DELETE", "/v1/me?uid=42", base)
    ok_resp(c)
    rows.append("10. `DELETE /v1/me?uid=42 HTTP/1.1`, ordinary: the parser is still in step.")
    c.close()
    cap.desc = ("One keep-alive connection, ten requests whose request lines or headers only a lenient "
                "server accepts (each answered `200` with `{\"code\":0}` before the next):\n\n%s\n\n"
                "A request line is recognised by its shape (token SP target SP HTTP/x.y), not by a "
                "method list. Expected anomaly counts for the flow: request_line_extra_spaces 1 (4), "
                "space_in_target 1 (3), missing_target 2 (5, 8), missing_version 1 (8), bad_version 1 (6), "
                "bare_lf 1 (7), obs_fold 1 (7), header_space_before_colon 1 (7), bad_header_line 1 (7), "
                "chunked_with_content_length 1 (9); nothing skipped, no resync.\n\n%s" % (
                    "\n".join(rows), LENIENT_NOTE))
    return cap


def http09():
    cap = Capture("http/http09.pcap")
    c = TCPConn(cap, CIP, 43032, SIP, SPORT, 0x10000000 + 43032 * 0x1000, 0x20000000 + 43032 * 0x1000,
                flow_note="no Host header: the flow has no name")
    c.handshake()
    d = b"GET /legacy/status?id=7&user=lily\r\n"
    raw_req(c, d, "GET", "/legacy/status?id=7&user=lily", [], host="", protocol="http/0.9", hdr_end=len(d),
            note="HTTP/0.9: the request line is the whole request (no headers, no version)")
    body = b"<html><body>status: ok</body></html>\n"
    c.send("s", body, notes={0: "HTTP/0.9 answer: the body alone, no status line"})
    c.close(first="s")
    cap.desc = ("An HTTP/0.9 exchange (RFC 1945 Simple-Request): the client's only bytes are `%s` "
                "(no version, no headers); the server answers with the body `%s` alone (no status "
                "line) and closes. The request is complete with its line (frame 4); its fields are "
                "`query.id` and `query.user`. Expected anomalies: missing_version 1, no_status_line 1." % (
                    d.decode().replace("\r\n", "\\r\\n"), body.decode().replace("\n", "\\n")))
    return cap


def connect_tunnel():
    cap = Capture("http/connect-tunnel.pcap")
    c = TCPConn(cap, CIP, 43033, SIP, 3128, 0x10000000 + 43033 * 0x1000, 0x20000000 + 43033 * 0x1000,
                host=HOST, host_src="HTTP Host", flow_note="client to an HTTP proxy on port 3128")
    c.handshake()
    auth = "Basic bGlseTpzM2NyZXQ="
    d = ("CONNECT %s:80 HTTP/1.1\r\nHost: %s:80\r\nProxy-Authorization: %s\r\nUser-Agent: okhttp/4.9.0\r\n\r\n"
         % (HOST, HOST, auth)).encode()
    raw_req(c, d, "CONNECT", HOST + ":80",
            [("Host", HOST + ":80"), ("Proxy-Authorization", auth), ("User-Agent", "okhttp/4.9.0")],
            host=HOST + ":80")
    est = b"HTTP/1.1 200 Connection established\r\n\r\n"
    s1, e1, _ = c.send("s", est, notes={0: "the proxy opens the tunnel"})
    c.response(s1, e1, 200, body_len=0, decoded_body=b"", hdr_end=e1)
    b = b'{"event":"open","imei":"864512034567891"}'
    req(c, "POST", "/v1/track", b, [JSON_CT], note="inside the tunnel")
    resp(c)
    req(c, "GET", "/v1/feed?page=3", note="inside the tunnel")
    resp(c)
    c.close()
    cap.desc = ("A client reaches api.example.com through an HTTP proxy (192.0.2.80:3128): `CONNECT "
                "%s:80 HTTP/1.1` with `Proxy-Authorization: %s`, answered `200 Connection "
                "established`; then plain HTTP inside the tunnel: `POST /v1/track` (JSON `%s`) and "
                "`GET /v1/feed?page=3`, each answered. All three requests are decoded; the tunnel's "
                "requests are parsed as a new HTTP/1 connection.\n\n%s" % (HOST, auth, b.decode(), COMMON))
    return cap


# TLS 1.2 made by hand (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256): the master
# secret is chosen, not agreed, and given in the key log; the records are
# sealed as RFC 5288 says, so privaudit (or tshark with the key log) opens
# them.  No certificate: nothing reads one.

def tls12_prf(secret, label, seed, n):
    out, a, s = b"", label + seed, label + seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + s, hashlib.sha256).digest()
    return out[:n]


class Tls12Gcm:
    def __init__(self, seed, sni):
        self.client_hello = tls_client_hello(sni, seed)
        sh = tls_server_hello(seed)  # its session id is the client's: give it its own (no resumption)
        self.server_hello = sh[:44] + prng(seed + "-server-sid", 32) + sh[76:]
        self.client_random = prng(seed + "-random", 32)
        server_random = prng(seed + "-srandom", 32)
        self.master = prng(seed + "-ms", 48)
        kb = tls12_prf(self.master, b"key expansion", server_random + self.client_random, 40)
        self.keys = {"c": (kb[0:16], kb[32:36]), "s": (kb[16:32], kb[36:40])}
        self.seq = {"c": 0, "s": 0}

    def keylog(self):
        return ("# privaudit test key log: the master secret of http/connect-tls.pcap's tunnel\n"
                "CLIENT_RANDOM %s %s\n" % (self.client_random.hex(), self.master.hex())).encode()

    def seal(self, d, ctype, plain):
        key, salt = self.keys[d]
        seq = self.seq[d]
        self.seq[d] += 1
        explicit = struct.pack("!Q", seq)
        aad = struct.pack("!QBHH", seq, ctype, 0x0303, len(plain))
        body = explicit + AESGCM(key).encrypt(salt + explicit, plain, aad)
        return struct.pack("!BHH", ctype, 0x0303, len(body)) + body

    def server_flight(self):
        done = b"\x16\x03\x03\x00\x04\x0e\x00\x00\x00"   # ServerHelloDone
        return self.server_hello + done

    def client_finish(self):
        cke = b"\x10\x00\x00\x21\x20" + prng("cke", 32)    # ClientKeyExchange (ECDH point)
        return (b"\x16\x03\x03" + bytes([0, len(cke)]) + cke + b"\x14\x03\x03\x00\x01\x01"
                + self.seal("c", 22, b"\x14\x00\x00\x0c" + prng("cfin", 12)))

    def server_finish(self):
        return b"\x14\x03\x03\x00\x01\x01" + self.seal("s", 22, b"\x14\x00\x00\x0c" + prng("sfin", 12))


def connect_tls():
    cap = Capture("http/connect-tls.pcap")
    c = TCPConn(cap, CIP, 43035, SIP, 3128, 0x10000000 + 43035 * 0x1000, 0x20000000 + 43035 * 0x1000,
                host=HOST, host_src="HTTP Host", flow_note="client to an HTTP proxy on port 3128")
    c.handshake()
    tls = Tls12Gcm("connect-tls", HOST)
    d = ("CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\nUser-Agent: okhttp/4.9.0\r\n\r\n" % (HOST, HOST)).encode()
    raw_req(c, d, "CONNECT", HOST + ":443", [("Host", HOST + ":443"), ("User-Agent", "okhttp/4.9.0")],
            host=HOST + ":443")
    ch = c.send("c", tls.client_hello, notes={0: "ClientHello sent before the proxy's answer"})[2][0]
    est = b"HTTP/1.1 200 Connection established\r\n\r\n\r\n"
    s1, e1, _ = c.send("s", est + tls.server_flight(),
                       notes={0: "200, a stray CRLF, then the TLS ServerHello and ServerHelloDone"})
    c.response(s1, s1 + len(est) - 2, 200, body_len=0, decoded_body=b"", hdr_end=s1 + len(est) - 2)
    c.send("c", tls.client_finish(), notes={0: "ClientKeyExchange, ChangeCipherSpec, Finished"})
    c.send("s", tls.server_finish(), notes={0: "ChangeCipherSpec, Finished"})
    body = b'{"name":"Li Wei","phone":"13800138000"}'
    inner, _ = http_request("POST", "/v1/secure/profile", HOST, [JSON_CT], body)
    fr = c.send("c", tls.seal("c", 23, inner), notes={0: "application data: POST /v1/secure/profile"})[2][0]
    answer = http_response(200, "OK", [("Content-Type", "application/json")], RESP_OK)
    c.send("s", tls.seal("s", 23, answer), notes={0: "application data: 200"})
    c.close()
    cap.extra_files["http/connect-tls.keys"] = tls.keylog()
    cap.desc = ("`CONNECT %s:443 HTTP/1.1` to a proxy (192.0.2.80:3128); the client sends its TLS "
                "ClientHello (frame %d) before the proxy's `200 Connection established`, which is followed "
                "by a stray CRLF and the server's first TLS records in the same segment. Inside the "
                "tunnel: TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, SNI `%s`, made by hand "
                "(tests/gen/gen_http.py: the master secret is chosen and given in "
                "`http/connect-tls.keys`). The encrypted request (frame %d) is `POST /v1/secure/profile` "
                "with the mobile-app headers and JSON `%s`. Without the key log only the CONNECT is "
                "listed and the flow's TLS is `no_key`; with it (`--keylog http/connect-tls.keys`) the "
                "POST is listed too (tls true) with its fields." % (HOST, ch, HOST, fr, body.decode()))
    return cap


def port_reuse():
    cap = Capture("http/port-reuse.pcap")
    a = conn(cap, 43036, cisn=0x11110000, sisn=0x22220000)
    a.handshake()
    req(a, "GET", "/v1/session/1?uid=42")
    resp(a)
    a.close()
    b = TCPConn(cap, CIP, 43036, SIP, SPORT, 0x55550000, 0x66660000, host=HOST, host_src="HTTP Host",
                flow_note="the same ports as F1, a new connection after F1's close", new_flow=True)
    b.handshake()
    body = b'{"step":2,"imei":"864512034567891"}'
    st, en, fr, data = req(b, "POST", "/v1/session/2", body, [JSON_CT])
    resp(b)
    b.close()
    b.pkt("c", "S", note="F2's SYN retransmitted after the close (its own ISN): not a new connection")
    b.seg_at("c", st, data, note="F2's request retransmitted after the close: already read, ignored")
    cap.desc = ("Two TCP connections on the same ports (10.0.0.2:43036 -> 192.0.2.80:80), one after the "
                "other: F1 (client ISN 0x11110000) `GET /v1/session/1?uid=42`, answered, closed with "
                "FIN both ways; then F2 starts with a SYN on the same ports (client ISN 0x55550000): "
                "`POST /v1/session/2` (JSON `%s`), answered, closed. After F2's close, its SYN "
                "(same ISN) and its request segment are sent again: retransmissions, which start no "
                "third flow and no third request. Two flows, two requests.\n\n%s" % (body.decode(), COMMON))
    return cap


def gap_resync():
    cap = Capture("http/gap-resync.pcap")
    c = conn(cap, 43037)
    c.handshake()
    b1 = b'{"step":1,"note":"the end of this body is never captured","imei":"864512034567891"}'
    d1, h1 = http_request("POST", "/v1/a", HOST, [JSON_CT], b1)
    b2 = b'{"step":2,"note":"this request is lost: its start was never captured"}'
    d2, _ = http_request("POST", "/v1/b", HOST, [JSON_CT], b2)
    d3, h3 = http_request("GET", "/v1/c?x=1", HOST)
    stream = d1 + d2
    hl1 = hdr_len(d1)
    cut1 = hl1 + 20                      # request 1's head and 20 body bytes are captured
    cut2 = len(d1) + len(d2) - 30        # the last 30 bytes of request 2's body are captured
    st, _, fr = c.send("c", stream, sizes=[cut1, cut2 - cut1, len(stream) - cut2], missing=(1,),
                       notes={0: "request 1: head + body bytes [0,20)",
                              2: "the last 30 bytes of request 2's body (no LF in them)"})
    c.request(st, st + len(d1), "POST", "/v1/a", HOST, h1, [], decoded_body=b1, hdr_end=st + hl1,
              note="its body lost bytes [20,%d): no body fields" % len(b1))
    cap.note(fr[1], "the segment before this one (request 1's body from byte 20, all of request 2's head "
             "and its body up to its last 30 bytes: stream offsets [%d,%d)) was never captured" % (
                 st + cut1, st + cut2))
    resp(c, note="the server received everything: its ACK gives the hole up")
    resp(c, note="answer to request 2")
    req(c, "GET", "/v1/c?x=1", sizes=[2, len(d3) - 2],
        notes={0: "`GE`: request 3's first two bytes", 1: "the rest of request 3"},
        note="found after the gap although no LF precedes it and its first line is split")
    resp(c)
    c.close()
    cap.desc = ("One keep-alive connection. The client sends `POST /v1/a` (JSON body of %d bytes) and "
                "`POST /v1/b` (JSON `%s`) back to back; the capture misses the middle segment: from "
                "request 1's body byte 20 to 30 bytes before the end of request 2, so request 1 is cut "
                "and request 2's start is gone. The captured tail of request 2's body ends without a "
                "LF. The server answers both. Then `GET /v1/c?x=1` arrives in two segments, `GE` and "
                "the rest: it must be found (its line starts a segment, not a line) and decoded, "
                "completing at the second segment. Expected: requests 1 (body_gap, no body fields) "
                "and 3; one resync; request 2 is lost.\n\n%s" % (len(b1), b2.decode(), COMMON))
    return cap


def lenient_caps():
    return [lenient_lines(), http09(), connect_tunnel(), connect_tls(), port_reuse(), gap_resync()]
