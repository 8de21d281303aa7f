"""pcapgen: deterministic building blocks for privaudit's test captures.

Everything here is hand-built with struct so that every byte is under our
control and the output is byte-identical between runs (no wall clock, no
unseeded randomness, no library defaults that might change).

Main pieces:
  * checksums, IPv4/IPv6/TCP/UDP packet builders (with options / extension
    headers), a small DNS encoder, a TLS ClientHello/ServerHello builder;
  * link-layer encapsulation for the link types the tests use;
  * classic pcap (usec / nsec) and pcapng writers;
  * Capture: collects frames + metadata (flows, HTTP requests/responses,
    per-frame notes) used to write captures/test/README.md and expected.json;
  * TCPConn / UDPFlow: conversation builders with correct seq/ack;
  * HTTP helpers and the field-path flattener (query.*, header.*, cookie.*,
    body.* ...).
"""

import hashlib
import json
import socket
import struct
import urllib.parse

# ----------------------------------------------------------------------------
# deterministic pseudo-random bytes (SHA-256 counter mode, Python-independent)


def prng(seed, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s:%d" % (seed, i)).encode()).digest()
        i += 1
    return out[:n]


def opaque(seed, n):
    """Random-looking bytes whose first byte is >= 0x80 (not ASCII, not a TLS
    record type, not a pcap magic byte pattern we care about)."""
    b = bytearray(prng(seed, n))
    b[0] |= 0x80
    return bytes(b)


# ----------------------------------------------------------------------------
# checksums and L3/L4 builders

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def a4(addr):
    return socket.inet_pton(socket.AF_INET, addr)


def a6(addr):
    return socket.inet_pton(socket.AF_INET6, addr)


def is_v6(addr):
    return ":" in addr


PROTO_TCP = 6
PROTO_UDP = 17
NH_HOPOPT = 0
NH_ROUTING = 43
NH_FRAGMENT = 44
NH_DSTOPTS = 60


def ipv4(src, dst, proto, payload, ident=0, ttl=64, df=True, mf=False,
         frag_off=0, options=b"", tos=0, total_length=None, ihl=None):
    assert len(options) % 4 == 0
    hl = 20 + len(options)
    tl = hl + len(payload) if total_length is None else total_length
    ihl_v = hl // 4 if ihl is None else ihl
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl_v, tos, tl, ident, flags,
                      ttl, proto, 0, a4(src), a4(dst)) + options
    c = csum(hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64, plen=None):
    pl = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28, pl, nh, hlim, a6(src), a6(dst)) + payload


def ext_hbh_padn():
    """Hop-by-Hop Options header, 8 bytes: one PadN option of 4 bytes + Pad... """
    # next header filled in by chain(); hdr ext len 0 => 8 bytes
    return (NH_HOPOPT, bytes([0, 0, 1, 4, 0, 0, 0, 0]))


def ext_dst_padn():
    return (NH_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))


def ext_srh(segment):
    """Segment Routing Header (routing type 4), segments left 0, one segment
    (= the final destination), so nothing is altered."""
    body = bytes([0, 2, 4, 0, 0, 0, 0, 0]) + a6(segment)
    return (NH_ROUTING, body)


def ext_fragment(offset, more, ident):
    return (NH_FRAGMENT, struct.pack("!BBHI", 0, 0, (offset & ~7) | (1 if more else 0), ident))


def chain(exts, final_nh):
    """Return (first next-header value, bytes of the extension header chain)."""
    out = b""
    for i, (_, body) in enumerate(exts):
        nh = exts[i + 1][0] if i + 1 < len(exts) else final_nh
        out += bytes([nh]) + body[1:]
    first = exts[0][0] if exts else final_nh
    return first, out


def pseudo(src, dst, proto, length):
    if is_v6(src):
        return a6(src) + a6(dst) + struct.pack("!IxxxB", length, proto)
    return a4(src) + a4(dst) + struct.pack("!xBH", proto, length)


TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=64240,
        options=b"", doff=None):
    fl = 0
    for ch in flags:
        fl |= TCP_FLAGS[ch]
    assert len(options) % 4 == 0
    hl = 20 + len(options)
    d = hl // 4 if doff is None else doff
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      d << 4, fl, window, 0, 0) + options
    seg = hdr + payload
    c = csum(pseudo(src, dst, PROTO_TCP, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, length=None):
    ln = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ln, 0) + payload
    c = csum(pseudo(src, dst, PROTO_UDP, len(seg)) + seg)
    if c == 0:
        c = 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def ip_packet(src, dst, proto, l4, ident=0, ttl=64, df=True, options=b"", exts=()):
    if is_v6(src):
        nh, ch = chain(list(exts), proto)
        return ipv6(src, dst, nh, ch + l4, hlim=ttl)
    return ipv4(src, dst, proto, l4, ident=ident, ttl=ttl, df=df, options=options)


def ip_len(pkt):
    """IP packet length as defined for the 'bytes' counters: IPv4 total length,
    IPv6 40 + payload length (taken from the header)."""
    if pkt[0] >> 4 == 4:
        return struct.unpack("!H", pkt[2:4])[0]
    return 40 + struct.unpack("!H", pkt[4:6])[0]


# ----------------------------------------------------------------------------
# DNS

def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(ident, name, qtype):
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


# ----------------------------------------------------------------------------
# TLS

def tls_client_hello(sni, seed="tls"):
    def ext(t, body):
        return struct.pack("!HH", t, len(body)) + body
    name = sni.encode()
    sn = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    alpn_list = b"".join(bytes([len(p)]) + p for p in (b"h2", b"http/1.1"))
    exts = b"".join([
        ext(0x0000, sn),                                          # server_name
        ext(0x0017, b""),                                         # extended_master_secret
        ext(0xFF01, b"\x00"),                                     # renegotiation_info
        ext(0x000A, struct.pack("!HHHH", 6, 0x001D, 0x0017, 0x0018)),  # supported_groups
        ext(0x000B, b"\x01\x00"),                                 # ec_point_formats
        ext(0x0023, b""),                                         # session_ticket
        ext(0x0010, struct.pack("!H", len(alpn_list)) + alpn_list),  # ALPN
        ext(0x0005, b"\x01\x00\x00\x00\x00"),                     # status_request
        ext(0x000D, struct.pack("!H8H", 16, 0x0403, 0x0804, 0x0401, 0x0503,
                                0x0805, 0x0501, 0x0806, 0x0601)),  # signature_algorithms
        ext(0x0033, struct.pack("!HHH", 36, 0x001D, 32) + prng(seed + "-keyshare", 32)),  # key_share
        ext(0x002D, b"\x01\x01"),                                 # psk_key_exchange_modes
        ext(0x002B, b"\x04\x03\x04\x03\x03"),                     # supported_versions 1.3, 1.2
    ])
    ciphers = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9,
               0xCCA8, 0x009C, 0x009D, 0x002F, 0x0035]
    body = (b"\x03\x03" + prng(seed + "-random", 32) + b"\x20" + prng(seed + "-sid", 32)
            + struct.pack("!H", 2 * len(ciphers)) + struct.pack("!%dH" % len(ciphers), *ciphers)
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_hello(seed="tls"):
    exts = b"\xff\x01\x00\x01\x00" + b"\x00\x17\x00\x00" + b"\x00\x0b\x00\x02\x01\x00"
    body = (b"\x03\x03" + prng(seed + "-srandom", 32) + b"\x20" + prng(seed + "-sid", 32)
            + b"\xc0\x2f" + b"\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


# ----------------------------------------------------------------------------
# link layers

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_USER0 = 147
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

LINKTYPE_NAMES = {
    0: "DLT_NULL / LINKTYPE_NULL (0)",
    1: "Ethernet / LINKTYPE_ETHERNET (1)",
    101: "LINKTYPE_RAW (101)",
    108: "DLT_LOOP / LINKTYPE_LOOP (108)",
    113: "LINKTYPE_LINUX_SLL (113)",
    147: "LINKTYPE_USER0 (147)",
    228: "LINKTYPE_IPV4 (228)",
    229: "LINKTYPE_IPV6 (229)",
    276: "LINKTYPE_LINUX_SLL2 (276)",
    9: "LINKTYPE_PPP (9)",
    50: "LINKTYPE_PPP_HDLC (50)",
    51: "LINKTYPE_PPP_ETHER (51)",
    104: "LINKTYPE_C_HDLC (104)",
    105: "LINKTYPE_IEEE802_11 (105)",
    127: "LINKTYPE_IEEE802_11_RADIOTAP (127)",
    239: "LINKTYPE_NFLOG (239)",
}

MAC_CLIENT = bytes.fromhex("020000000002")
MAC_GW = bytes.fromhex("020000000001")


def eth(l3, v6, outgoing, vlans=(), ethertype=None):
    dst, src = (MAC_GW, MAC_CLIENT) if outgoing else (MAC_CLIENT, MAC_GW)
    et = ethertype if ethertype is not None else (0x86DD if v6 else 0x0800)
    tags = b"".join(struct.pack("!HH", tpid, vid & 0x0FFF) for tpid, vid in vlans)
    return dst + src + tags + struct.pack("!H", et) + l3


def encap(linktype, l3, outgoing, vlans=()):
    v6 = (l3[0] >> 4) == 6
    et = 0x86DD if v6 else 0x0800
    if linktype == LINKTYPE_ETHERNET:
        return eth(l3, v6, outgoing, vlans)
    if linktype == LINKTYPE_LINUX_SLL:
        src = MAC_CLIENT if outgoing else MAC_GW
        return struct.pack("!HHH8sH", 4 if outgoing else 0, 1, 6, src + b"\0\0", et) + l3
    if linktype == LINKTYPE_LINUX_SLL2:
        src = MAC_CLIENT if outgoing else MAC_GW
        return struct.pack("!HHIHBB8s", et, 0, 2, 1, 4 if outgoing else 0, 6, src + b"\0\0") + l3
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return l3
    if linktype == LINKTYPE_NULL:
        return struct.pack("<I", 30 if v6 else 2) + l3
    if linktype == LINKTYPE_LOOP:
        return struct.pack(">I", 24 if v6 else 2) + l3
    raise ValueError(linktype)


# ----------------------------------------------------------------------------
# file writers

T0_NS = 1700000000 * 10**9
STEP_NS = 1000000  # 1 ms


def pcap_bytes(linktype, frames, nano=False, snaplen=262144):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for f in frames:
        sec, ns = divmod(f["ts_ns"], 10**9)
        frac = ns if nano else ns // 1000
        out.append(struct.pack("<IIII", sec, frac, len(f["data"]), f["wirelen"]) + f["data"])
    return b"".join(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def pcapng_block(btype, body):
    body = pad4(body)
    tl = 12 + len(body)
    return struct.pack("<II", btype, tl) + body + struct.pack("<I", tl)


def pcapng_shb():
    return pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def pcapng_idb(linktype, tsresol=None, snaplen=262144):
    opts = b""
    if tsresol is not None:
        opts += struct.pack("<HH", 9, 1) + pad4(bytes([tsresol]))
    if opts:
        opts += struct.pack("<HH", 0, 0)
    return pcapng_block(1, struct.pack("<HHI", linktype, 0, snaplen) + opts)


def pcapng_epb(f, tsresol=6):
    ts = f["ts_ns"] // (10 ** (9 - tsresol))
    body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f["data"]), f["wirelen"]) + pad4(f["data"])
    return pcapng_block(6, body)


def pcapng_bytes(linktype, frames, tsresol=6, extra_blocks=None):
    """extra_blocks: {index: bytes} inserted before frames[index]."""
    extra_blocks = extra_blocks or {}
    out = [pcapng_shb(), pcapng_idb(linktype, tsresol if tsresol != 6 else None)]
    for i, f in enumerate(frames):
        if i in extra_blocks:
            out.append(extra_blocks[i])
        out.append(pcapng_epb(f, tsresol))
    return b"".join(out)


# ----------------------------------------------------------------------------
# field paths


class Num(str):
    """A JSON number, kept as its source text."""


def jparse(text):
    return json.loads(text, parse_float=Num, parse_int=Num)


def flatten_json(obj, prefix):
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += flatten_json(v, "%s.%s" % (prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += flatten_json(v, "%s[%d]" % (prefix, i))
    else:
        out.append((prefix, obj))
    return out


def pct_decode(s, plus=True):
    """Percent-decode to bytes; '+' -> space when plus.  Returns str if the
    result is valid UTF-8, else bytes."""
    if plus:
        s = s.replace("+", " ")
    b = urllib.parse.unquote_to_bytes(s)
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def parse_pairs(s, prefix):
    out = []
    for part in s.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        out.append(("%s.%s" % (prefix, pct_decode(k)), pct_decode(v)))
    return out


def fmt_value(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, bytes):
        return "<invalid UTF-8 bytes: %s>" % v.hex(" ")
    return json.dumps(v, ensure_ascii=False)


def json_value(v):
    if v is True or v is False:
        return {"type": "bool", "value": v}
    if v is None:
        return {"type": "null", "value": None}
    if isinstance(v, Num):
        return {"type": "number", "value": str(v)}
    if isinstance(v, int):
        return {"type": "number", "value": str(v)}
    if isinstance(v, bytes):
        return {"type": "bytes", "hex": v.hex()}
    return {"type": "string", "value": v}


# ----------------------------------------------------------------------------
# HTTP helpers

DEVICE_ID = "3f2a9c1e-7b4d-4e8a-9c61-2d5f0a8b7e13"
MOBILE_HEADERS = [
    ("User-Agent", "okhttp/4.9.0"),
    ("X-Device-Id", DEVICE_ID),
    ("Cookie", "sid=abc123; uid=42"),
    ("Accept-Encoding", "gzip"),
    ("Connection", "Keep-Alive"),
]


def http_request(method, uri, host, headers=(), body=b"", version="HTTP/1.1",
                 mobile=True, content_length=True, raw_body=None):
    """Build request bytes.  Returns (bytes, header list).  raw_body, when
    given, is sent instead of body (e.g. chunked framing) and no
    Content-Length is added."""
    hl = [("Host", host)]
    if mobile:
        hl += MOBILE_HEADERS
    hl += list(headers)
    if raw_body is None and content_length and (body or method in ("POST", "PUT")):
        hl.append(("Content-Length", str(len(body))))
    head = "%s %s %s\r\n" % (method, uri, version)
    head += "".join("%s: %s\r\n" % kv for kv in hl) + "\r\n"
    return head.encode() + (raw_body if raw_body is not None else body), hl


def http_response(status, reason, headers=(), body=b"", version="HTTP/1.1",
                  content_length=True):
    hl = list(headers)
    if content_length:
        hl.append(("Content-Length", str(len(body))))
    head = "%s %d %s\r\n" % (version, status, reason)
    head += "".join("%s: %s\r\n" % kv for kv in hl) + "\r\n"
    return head.encode() + body


def request_fields(uri, headers, body_fields=()):
    """query.*, header.*, cookie.*, then the given body fields."""
    out = []
    if "?" in uri:
        out += parse_pairs(uri.split("?", 1)[1], "query")
    for k, v in headers:
        out.append(("header." + k.lower(), v))
    for k, v in headers:
        if k.lower() == "cookie":
            for c in v.split(";"):
                n, _, val = c.strip().partition("=")
                out.append(("cookie." + n, val))
    return out + list(body_fields)


# ----------------------------------------------------------------------------
# capture + metadata


class Capture:
    def __init__(self, relpath, linktype=LINKTYPE_ETHERNET, fmt="pcap", nano=False,
                 tsresol=6, t0_ns=T0_NS, step_ns=STEP_NS, vlans=(), snaplen=262144):
        self.relpath = relpath
        self.linktype = linktype
        self.fmt = fmt
        self.nano = nano
        self.tsresol = tsresol
        self.t_ns = t0_ns
        self.step_ns = step_ns
        self.vlans = vlans
        self.snaplen = snaplen
        self.frames = []
        self.flows = []          # ordered by first packet
        self.flow_by_key = {}
        self.requests = []
        self.responses = []
        self.desc = ""
        self.extra_md = ""
        self.extra_blocks = {}
        self.extra_files = {}    # relpath -> bytes written beside the capture
        self.conns = []
        self.tshark_opts = []

    # -- frames
    def _add(self, data, wirelen=None, l3=None, flow=None, outgoing=True, summary="", note=""):
        n = len(self.frames) + 1
        f = {"no": n, "ts_ns": self.t_ns, "data": data,
             "wirelen": len(data) if wirelen is None else wirelen,
             "flow": flow, "iplen": ip_len(l3) if l3 is not None and flow is not None else None,
             "summary": summary, "note": note, "outgoing": outgoing}
        self.frames.append(f)
        self.t_ns += self.step_ns
        if flow is not None:
            flow["packets"] += 1
            flow["bytes"] += f["iplen"]
            flow["frames"].append(n)
        return n

    def add_l3(self, l3, outgoing=True, flow=None, summary="", note=""):
        return self._add(encap(self.linktype, l3, outgoing, self.vlans), l3=l3, flow=flow,
                         outgoing=outgoing, summary=summary, note=note)

    def add_raw(self, data, wirelen=None, summary="", note=""):
        return self._add(data, wirelen=wirelen, summary=summary, note=note)

    def note(self, frame, text):
        f = self.frames[frame - 1]
        f["note"] = (f["note"] + "; " if f["note"] else "") + text

    # -- flows
    def flow(self, proto, cip, cport, sip, sport, host=None, host_src=None, note="", new=False):
        """The flow of these endpoints; new=True starts another one on the
        same endpoints (a new TCP connection reusing the ports)."""
        key = (proto, cip, cport, sip, sport)
        if key in self.flow_by_key and not new:
            return self.flow_by_key[key]
        fl = {"proto": proto, "client": (cip, cport), "server": (sip, sport),
              "host": host, "host_src": host_src, "packets": 0, "bytes": 0,
              "frames": [], "note": note}
        self.flow_by_key[key] = fl
        self.flows.append(fl)
        return fl

    # -- output
    def file_bytes(self):
        if self.fmt == "pcapng":
            return pcapng_bytes(self.linktype, self.frames, self.tsresol, self.extra_blocks)
        return pcap_bytes(self.linktype, self.frames, self.nano, self.snaplen)


def ep(ip, port):
    return "[%s]:%d" % (ip, port) if is_v6(ip) else "%s:%d" % (ip, port)


class TCPConn:
    """One TCP connection.  'c' = client, 's' = server.  Sequence numbers are
    tracked modulo 2**32; stream offsets are relative to ISN+1."""

    def __init__(self, cap, cip, cport, sip, sport, cisn, sisn, host=None, host_src=None,
                 client_opts=b"", client_exts=(), ipid=None, flow_note="", new_flow=False):
        self.cap = cap
        self.ep = {"c": (cip, cport), "s": (sip, sport)}
        self.isn = {"c": cisn, "s": sisn}
        self.nxt = {"c": (cisn + 1) & 0xFFFFFFFF, "s": (sisn + 1) & 0xFFFFFFFF}
        self.syn_sent = {"c": False, "s": False}
        self.ipid = ipid or {"c": (cport * 7) & 0xFFFF, "s": (sport * 13 + cport) & 0xFFFF}
        self.client_opts = client_opts
        self.client_exts = client_exts
        self.segs = []   # dicts: frame, dir, start, end (stream offsets), payload
        self.flow = cap.flow("TCP", cip, cport, sip, sport, host, host_src, flow_note, new=new_flow)
        self.flow["isn"] = {"c": cisn, "s": sisn}
        cap.conns.append(self)

    def other(self, d):
        return "s" if d == "c" else "c"

    def off(self, d, seq):
        return (seq - self.isn[d] - 1) & 0xFFFFFFFF

    def pkt(self, d, flags, payload=b"", seq=None, ack=None, captured=True, note="", options=None):
        sip, sport = self.ep[d]
        dip, dport = self.ep[self.other(d)]
        if seq is None:
            seq = self.isn[d] if "S" in flags else self.nxt[d]
        if ack is None:
            ack = self.nxt[self.other(d)] if "A" in flags else 0
        if options is None:
            options = b"\x02\x04\x05\xb4" if "S" in flags else b""
        seg = tcp(sip, dip, sport, dport, seq, ack, flags, payload,
                  window=64240 if d == "c" else 65160, options=options)
        ident = self.ipid[d]
        self.ipid[d] = (ident + 1) & 0xFFFF
        l3 = ip_packet(sip, dip, PROTO_TCP, seg, ident=ident, ttl=64 if d == "c" else 57,
                       options=self.client_opts if d == "c" else b"",
                       exts=self.client_exts if d == "c" else ())
        end = (seq + len(payload) + (1 if ("S" in flags or "F" in flags) else 0)) & 0xFFFFFFFF
        if "S" not in flags and ((end - self.nxt[d]) & 0xFFFFFFFF) < 0x80000000:
            self.nxt[d] = end
        relseq = (seq - self.isn[d]) & 0xFFFFFFFF
        relack = (ack - self.isn[self.other(d)]) & 0xFFFFFFFF if "A" in flags else None
        summary = "%s -> %s TCP [%s] seq=%d%s len=%d" % (
            ep(sip, sport), ep(dip, dport), flags_str(flags), relseq,
            (" ack=%d" % relack) if relack is not None else "", len(payload))
        frame = None
        if captured:
            frame = self.cap.add_l3(l3, outgoing=(d == "c"), flow=self.flow, summary=summary, note=note)
        if payload:
            st = self.off(d, seq)
            self.segs.append({"frame": frame, "dir": d, "start": st, "end": st + len(payload),
                              "payload": payload})
        return frame

    def handshake(self):
        return [self.pkt("c", "S"), self.pkt("s", "SA"), self.pkt("c", "A")]

    def close(self, first="c"):
        o = self.other(first)
        return [self.pkt(first, "FA"), self.pkt(o, "FA"), self.pkt(first, "A")]

    def send(self, d, data, sizes=None, flags="PA", notes=None, missing=()):
        """Send data split into segments of the given sizes (default: one
        segment).  Returns (start offset, end offset, frames).  Indexes in
        `missing` are sent but not captured."""
        if sizes is None:
            sizes = [len(data)]
        assert sum(sizes) == len(data), (sum(sizes), len(data))
        start = self.off(d, self.nxt[d])
        frames = []
        pos = 0
        for i, sz in enumerate(sizes):
            fr = self.pkt(d, flags if i == len(sizes) - 1 else "A" if flags == "PA" else flags,
                          data[pos:pos + sz], captured=i not in missing,
                          note=(notes or {}).get(i, ""))
            if fr is not None:
                frames.append(fr)
            pos += sz
        return start, start + len(data), frames

    # -- HTTP bookkeeping
    def seg_at(self, d, offset, payload, flags="PA", ack=None, note=""):
        """Send payload at an explicit stream offset (for retransmissions,
        out-of-order and overlapping segments)."""
        seq = (self.isn[d] + 1 + offset) & 0xFFFFFFFF
        return self.pkt(d, flags, payload, seq=seq, ack=ack, note=note)

    def seq_of(self, d, offset):
        return (self.isn[d] + 1 + offset) & 0xFFFFFFFF

    def request(self, start, end, method, uri, host, headers, body_fields=(), body=None,
                note="", fields=None, decoded_body=None, hdr_end=None, protocol="http/1.1"):
        r = {"conn": self, "dir": "c", "start": start, "end": end, "method": method,
             "protocol": protocol,
             "hdr_end": hdr_end if hdr_end is not None else end,
             "uri": uri, "host": host, "note": note,
             "fields": fields if fields is not None else request_fields(uri, headers, body_fields),
             "decoded_body": decoded_body}
        self.cap.requests.append(r)
        return r

    def response(self, start, end, status, note="", body_len=None, decoded_body=None,
                 hdr_end=None):
        r = {"conn": self, "dir": "s", "start": start, "end": end, "status": status,
             "hdr_end": hdr_end if hdr_end is not None else end,
             "note": note, "body_len": body_len, "decoded_body": decoded_body}
        self.cap.responses.append(r)
        return r

    def coverage(self, d, start, end):
        """(frames carrying bytes of [start,end), frame at which the range is
        first completely covered, or None)."""
        carrying = []
        covered = []
        done = None
        for s in self.segs:
            if s["dir"] != d or s["frame"] is None:
                continue
            if s["end"] <= start or s["start"] >= end:
                continue
            carrying.append(s["frame"])
            covered.append((max(s["start"], start), min(s["end"], end)))
            if done is None:
                pos = start
                for a, b in sorted(covered):
                    if a > pos:
                        break
                    pos = max(pos, b)
                if pos >= end:
                    done = s["frame"]
        return carrying, done


def flags_str(flags):
    names = {"S": "SYN", "A": "ACK", "F": "FIN", "R": "RST", "P": "PSH"}
    order = "SFRPA"
    return ",".join(names[c] for c in order if c in flags)


class UDPFlow:
    def __init__(self, cap, cip, cport, sip, sport, host=None, host_src=None, note=""):
        self.cap = cap
        self.ep = {"c": (cip, cport), "s": (sip, sport)}
        self.flow = cap.flow("UDP", cip, cport, sip, sport, host, host_src, note)
        self.ipid = {"c": (cport * 7) & 0xFFFF, "s": (sport * 13 + cport) & 0xFFFF}

    def send(self, d, payload, note=""):
        o = "s" if d == "c" else "c"
        sip, sport = self.ep[d]
        dip, dport = self.ep[o]
        ident = self.ipid[d]
        self.ipid[d] = (ident + 1) & 0xFFFF
        l3 = ip_packet(sip, dip, PROTO_UDP, udp(sip, dip, sport, dport, payload), ident=ident,
                       ttl=64 if d == "c" else 57, df=False)
        summary = "%s -> %s UDP len=%d" % (ep(sip, sport), ep(dip, dport), len(payload))
        return self.cap.add_l3(l3, outgoing=(d == "c"), flow=self.flow, summary=summary, note=note)
