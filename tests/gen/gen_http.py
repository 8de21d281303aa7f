"""Part B: HTTP/1.x reassembly and body cases (captures/test/http/)."""

import base64
import gzip
import json
import urllib.parse
import zlib

import brotli

from pcapgen import (
    Capture, TCPConn, http_request, http_response, request_fields, jparse, flatten_json,
    parse_pairs, prng, opaque, Num,
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
              hdr_end=st + hdr_len(data), fields=fields)
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
            encodings(), content_types(), nested(), wrapped(), utf8(), midstream(), special()]
