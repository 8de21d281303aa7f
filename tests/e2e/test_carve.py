"""End-to-end: evidence carving (`replay --carve DIR`).

For every finding of the report, DIR/Fnnnn.pcapng must hold exactly the frames
of the finding's flows -- its own and those of its other requests (frames[]) --
recomputed here from the original capture and the report's flows[] (transport,
both endpoints, from first_frame up to the next flow with the same 5-tuple),
plus the DNS query and answer that named each flow's host (the last answer
before the flow whose question is the host and whose A/AAAA records hold the
server address, parsed here independently), byte for byte, with their original
timestamps and a "frame N of FILE" comment.  The section header names the
capture, its SHA-256 and the frame map, which must match the packets.
evidence.pcapng holds every carved frame once, in capture order; SHA256SUMS
covers every .pcapng and verifies; two runs give the same bytes.

With tshark: every carved file opens; each finding's `wireshark_filter` selects
exactly its frames in the original capture (the request frames, the flow's
frames for a connection), `wireshark_filter_carved` exactly the packets whose
comment names them in the carved file and in evidence.pcapng, those packets are
the requests (or the SYN) even in a TLS file opened with no key log, and the
DNS answer naming the host is there.  tshark's io,stat counts every filter of
a file in one pass: a filter F selects exactly the frame numbers S when
count(F) = count(F && frame.number in S) = |S|.

Runs: the demo (captures/demo, either layout; the new-user demo also with a
consent mark, whose bundled_consent has no flow), every TLS capture with
findings (captures/test/tls with their key logs,
tests/data/profiles/tls-test.yaml), a capture made here (DNS answers racing, a
host named only by DNS, a finding over two connections), two inputs with two
link types and nanosecond timestamps, one 5-tuple used by two flows, two inputs
with one base name, a pcapng of two link types with half the frames in GRE
(an interface per link type), one 5-tuple on two VLANs at once, and IP
fragments (only the frame completing a datagram is carved)."""
import atexit
import concurrent.futures
import hashlib
import ipaddress
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, TOP_SRCDIR, Tap, eq, run  # noqa: E402

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "gen"))
import pcapgen as pg  # noqa: E402

t = Tap()
DEMO = os.path.join(CAPTURES, "demo")
TLSDIR = os.path.join(CAPTURES, "test", "tls")
TLS_PROFILE = os.path.join(TOP_SRCDIR, "tests", "data", "profiles", "tls-test.yaml")
TSHARK = shutil.which("tshark")
tmp = tempfile.mkdtemp(prefix="privaudit-carve-")
atexit.register(shutil.rmtree, tmp, True)


# ---- readers (independent of privaudit and of libpcap) ----

def read_capture(path):
    """A classic pcap or a pcapng (one interface) as (linktype, [(ts_ns, caplen, wirelen, data)]);
    a pcapng's TLS key log DSB text goes to INPUT_SECRETS[path]."""
    raw = open(path, "rb").read()
    magic = raw[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_input_pcapng(path, raw)
    order, nano = {b"\xd4\xc3\xb2\xa1": ("<", False), b"\xa1\xb2\xc3\xd4": (">", False),
                   b"\x4d\x3c\xb2\xa1": ("<", True), b"\xa1\xb2\x3c\x4d": (">", True)}[magic]
    linktype = struct.unpack(order + "I", raw[20:24])[0] & 0x0FFFFFFF
    off, frames = 24, []
    while off + 16 <= len(raw):
        sec, frac, cap, wire = struct.unpack(order + "IIII", raw[off:off + 16])
        frames.append((sec * 10**9 + (frac if nano else frac * 1000), cap, wire, raw[off + 16:off + 16 + cap]))
        off += 16 + cap
    return linktype, frames


INPUT_SECRETS = {}


def read_input_pcapng(path, raw):
    bo = "<" if raw[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off, linktype, units, frames, secrets = 0, None, 10**6, [], ""
    while off + 12 <= len(raw):
        btype, blen = struct.unpack(bo + "II", raw[off:off + 8])
        body = raw[off + 8:off + blen - 4]
        if btype == 1:
            linktype = struct.unpack(bo + "H", body[:2])[0]
            o = 8
            while o + 4 <= len(body):
                code, ln = struct.unpack(bo + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9:
                    v = body[o + 4]
                    units = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                o += 4 + (ln + 3) // 4 * 4
        elif btype == 6:
            _, hi, lo, cap, wire = struct.unpack(bo + "IIIII", body[:20])
            ts = hi << 32 | lo
            frames.append((ts * 10**9 // units, cap, wire, body[20:20 + cap]))
        elif btype == 10:
            stype, slen = struct.unpack(bo + "II", body[:8])
            if stype == 0x544C534B:
                secrets += body[8:8 + slen].decode()
        off += blen
    INPUT_SECRETS[path] = secrets
    return linktype, frames


DSBS = {}


def read_pcapng(path):
    """The pcapng privaudit writes (little-endian): checks its block structure and
    returns (shb_options, [(linktype, snaplen, options)], [(iface, ts_ns, caplen, wirelen, data, comment)]);
    the Decryption Secrets Blocks' (type, text, packets before it) go to DSBS[path]."""
    raw = open(path, "rb").read()
    off, idbs, epbs, shb = 0, [], [], None
    DSBS[path] = []

    def options(b):
        out, o = {}, 0
        while o + 4 <= len(b):
            code, ln = struct.unpack("<HH", b[o:o + 4])
            if code == 0:
                assert ln == 0 and o + 4 == len(b), "opt_endofopt is last"
                return out
            out.setdefault(code, []).append(b[o + 4:o + 4 + ln])
            o += 4 + (ln + 3) // 4 * 4
        raise AssertionError("options without opt_endofopt")

    while off < len(raw):
        btype, blen = struct.unpack("<II", raw[off:off + 8])
        assert blen % 4 == 0 and blen >= 12 and off + blen <= len(raw), f"block length {blen} at {off}"
        eq(struct.unpack("<I", raw[off + blen - 4:off + blen])[0], blen, "trailing block length")
        body = raw[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            assert shb is None, "one section"
            magic, major, minor, slen = struct.unpack("<IHHq", body[:16])
            eq((magic, major, minor, slen), (0x1A2B3C4D, 1, 0, -1), "section header")
            shb = options(body[16:])
        elif btype == 1:
            lt, _, snap = struct.unpack("<HHI", body[:8])
            idbs.append((lt, snap, options(body[8:])))
        elif btype == 6:
            iface, hi, lo, cap, wire = struct.unpack("<IIIII", body[:20])
            assert iface < len(idbs), "EPB names a described interface"
            data = body[20:20 + cap]
            opts = options(body[20 + (cap + 3) // 4 * 4:])
            epbs.append((iface, hi << 32 | lo, cap, wire, data, opts[1][0].decode()))
        elif btype == 10:
            stype, slen = struct.unpack("<II", body[:8])
            DSBS[path].append((stype, body[8:8 + slen].decode(), len(epbs)))
        else:
            raise AssertionError(f"unexpected block type {btype:#x}")
        off += blen
    assert shb is not None, "a section header"
    return shb, idbs, epbs


def decode(linktype, data):
    """(proto, (src, sport), (dst, dport), l4 header + payload) of an IPv4/IPv6 TCP/UDP frame, else None."""
    if linktype == 1:
        off = 12
        while struct.unpack(">H", data[off:off + 2])[0] in (0x8100, 0x88A8):
            off += 4
        ip = data[off + 2:]
    elif linktype in (101, 228, 229):
        ip = data
    else:
        raise AssertionError(f"linktype {linktype} not handled by the test")
    if ip[0] >> 4 == 4:
        ihl, proto = (ip[0] & 15) * 4, ip[9]
        src, dst, l4 = ipaddress.IPv4Address(ip[12:16]), ipaddress.IPv4Address(ip[16:20]), ip[ihl:]
    elif ip[0] >> 4 == 6 and ip[6] in (6, 17):
        proto, src, dst, l4 = ip[6], ipaddress.IPv6Address(ip[8:24]), ipaddress.IPv6Address(ip[24:40]), ip[40:]
    else:
        return None
    if proto not in (6, 17):
        return None
    sport, dport = struct.unpack(">HH", l4[:4])
    return proto, (str(src), sport), (str(dst), dport), l4


def five_tuple(linktype, data):
    d = decode(linktype, data)
    return d[:3] if d else None


def payload_of(d):
    proto, _, _, l4 = d
    return l4[8:] if proto == 17 else l4[(l4[12] >> 4) * 4:]


def parse_dns(msg):
    """(id, is_response, question name, [A/AAAA addresses of an RCODE 0 answer]) or None."""
    try:
        ident, flags, qd, an = struct.unpack(">HHHH", msg[:8])
        if qd != 1:
            return None

        def name(off):
            labels, nxt, hops = [], None, 0
            while msg[off]:
                if msg[off] & 0xC0 == 0xC0:
                    nxt = off + 2 if nxt is None else nxt
                    off, hops = (msg[off] & 0x3F) << 8 | msg[off + 1], hops + 1
                    assert hops < 16
                    continue
                labels.append(msg[off + 1:off + 1 + msg[off]].decode("ascii").lower())
                off += 1 + msg[off]
            return ".".join(labels), off + 1 if nxt is None else nxt

        qname, off = name(12)
        off += 4
        addrs = []
        if flags & 0x8000 and flags & 0xF == 0:
            for _ in range(an):
                _, off = name(off)
                typ, cls, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
                rd = msg[off + 10:off + 10 + rdlen]
                off += 10 + rdlen
                if cls & 0x7FFF == 1 and typ == 1 and rdlen == 4:
                    addrs.append(str(ipaddress.IPv4Address(rd)))
                elif cls & 0x7FFF == 1 and typ == 28 and rdlen == 16:
                    addrs.append(str(ipaddress.IPv6Address(rd)))
        return ident, bool(flags & 0x8000), qname, addrs
    except (AssertionError, IndexError, struct.error, UnicodeDecodeError):
        return None


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def proto_num(flow):
    return 6 if flow["transport"] == "tcp" else 17


def flow_frames(rep, flow, caps):
    """Frame numbers of a flow, recomputed from the capture and the report."""
    ends = {endpoint(flow["client"]), endpoint(flow["server"])}
    same = sorted(g["first_frame"] for g in rep["flows"]
                  if g["input"] == flow["input"] and g["transport"] == flow["transport"]
                  and {endpoint(g["client"]), endpoint(g["server"])} == ends)
    later = [x for x in same if x > flow["first_frame"]]
    stop = later[0] if later else float("inf")
    linktype, frames = caps[flow["input"]]
    out = []
    for n, fr in enumerate(frames, 1):
        if not flow["first_frame"] <= n < stop:
            continue
        tup = five_tuple(linktype, fr[3])
        if tup and tup[0] == proto_num(flow) and {tup[1], tup[2]} == ends:
            out.append(n)
    return out


def flow_of(rep, caps, inp, n):
    """The report's flow that frame n of input inp belongs to (None for a frame of no flow)."""
    linktype, frames = caps[inp]
    tup = five_tuple(linktype, frames[n - 1][3])
    if not tup:
        return None
    cands = [g for g in rep["flows"] if g["input"] == inp and proto_num(g) == tup[0] and g["first_frame"] <= n
             and {endpoint(g["client"]), endpoint(g["server"])} == {tup[1], tup[2]}]
    return max(cands, key=lambda g: g["first_frame"]) if cands else None


def flow_dns(caps, flow):
    """The frames of the DNS query and answer that named the flow's host: [query, answer], [answer] or []."""
    if not flow["host"] or flow["host_source"] == "dns_query":
        return []
    host, server = flow["host"].lower().rstrip("."), endpoint(flow["server"])[0]
    linktype, frames = caps[flow["input"]]
    queries, found = {}, []
    for n in range(1, flow["first_frame"]):
        d = decode(linktype, frames[n - 1][3])
        if not d or d[0] != 17 or 53 not in (d[1][1], d[2][1]):
            continue
        m = parse_dns(payload_of(d))
        if not m or m[2] != host:
            continue
        if not m[1] and d[2][1] == 53:
            queries[(m[0], d[1], d[2])] = n
        elif m[1] and d[1][1] == 53 and server in m[3]:
            q = queries.get((m[0], d[2], d[1]))
            found = [q, n] if q else [n]
    return found


def finding_flows(rep, caps, fd):
    """The finding's flow (a bundled consent's is the consent's request's; none when it is null, a
    consent at a mark); for a finding over several requests, also those of its frames."""
    flows = {fd["flow"]: rep["flows"][fd["flow"] - 1]} if fd["flow"] else {}
    for n in fd["frames"] if len(fd["transmissions"]) or len(fd["frames"]) > 1 else []:
        g = flow_of(rep, caps, fd["input"], n)
        if g:
            flows[g["id"]] = g
    return [flows[k] for k in sorted(flows)]


def finding_file_frames(rep, caps, fd):
    out = set()
    for g in finding_flows(rep, caps, fd):
        out |= set(flow_frames(rep, g, caps)) | set(flow_dns(caps, g))
    return sorted(out)


def label(rep, inp):
    return os.path.basename(rep["inputs"][inp]["path"])


def expand_map(text):
    """'1-11=58-68, 12=70' -> ([1..12], [58..68, 70])."""
    carved, orig = [], []
    for piece in text.split(", "):
        a, b = piece.split("=")
        ra = [int(x) for x in a.split("-")]
        rb = [int(x) for x in b.split("-")]
        carved += list(range(ra[0], ra[-1] + 1))
        orig += list(range(rb[0], rb[-1] + 1))
    return carved, orig


def shb_comments(shb):
    return [c.decode() for c in shb.get(1, [])]


def carve(dirname, *captures, extra=()):
    d = os.path.join(tmp, dirname)
    rpath = os.path.join(tmp, dirname + ".json")
    rc, out, err = run("replay", "--carve", d, "--all-flows", *extra, *captures, "-o", rpath)
    assert rc in (0, 1), f"exit {rc}: {err}"
    return d, json.load(open(rpath))


def check_carve(d, rep, name):
    """Every assertion that needs no tshark; returns {file: [(input, frame)]}."""
    caps = {}
    for i, inp in enumerate(rep["inputs"]):
        if not inp.get("error") and os.path.isfile(inp["path"]):
            caps[i] = read_capture(inp["path"])
    findings = rep["findings"]
    carved = {}

    with t.case(f"{name}: one file per finding, F0001.pcapng..., evidence.pcapng, SHA256SUMS"):
        assert findings, "the report has findings"
        want = {f"F{i:04d}.pcapng" for i in range(1, len(findings) + 1)} | {"evidence.pcapng", "SHA256SUMS"}
        eq(set(os.listdir(d)), want, "files")

    with t.case(f"{name}: SHA256SUMS is sorted, covers every .pcapng and verifies (sha256sum -c)"):
        lines = open(os.path.join(d, "SHA256SUMS")).read().splitlines()
        names = [ln.split("  ", 1)[1] for ln in lines]
        eq(names, sorted(n for n in os.listdir(d) if n.endswith(".pcapng")), "names")
        for ln in lines:
            h, n = ln.split("  ", 1)
            eq(h, hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest(), n)
        if shutil.which("sha256sum"):
            p = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=d, capture_output=True)
            eq(p.returncode, 0, "sha256sum -c: " + p.stdout.decode() + p.stderr.decode())

    with t.case(f"{name}: the carved filter of each finding names its frames' comments, exactly"):
        for fd in findings:
            lab = label(rep, fd["input"]).replace("\\", "\\\\").replace('"', '\\"')
            want = " || ".join(f'frame.comment == "frame {n} of {lab}"' for n in fd["frames"][:200])
            eq(fd["wireshark_filter_carved"], want, f"finding {fd['id']}")

    with t.case(f"{name}: each finding file holds its flows (and the DNS that named them), as captured"):
        for i, fd in enumerate(findings, 1):
            fname = f"F{i:04d}.pcapng"
            shb, idbs, epbs = read_pcapng(os.path.join(d, fname))
            linktype, frames = caps[fd["input"]]
            eq(len(idbs), 1, fname + " interfaces")
            eq((idbs[0][0], idbs[0][1], idbs[0][2].get(9)), (linktype, 262144, [b"\x09"]), fname + " interface")
            want = finding_file_frames(rep, caps, fd)
            lab = label(rep, fd["input"])
            eq([e[5] for e in epbs], [f"frame {n} of {lab}" for n in want], fname + " frames")
            for n in fd["frames"]:
                assert n in want, f"{fname}: the finding's frame {n} is carved"
            for n, e in zip(want, epbs):
                eq(e[1:5], frames[n - 1], f"{fname} frame {n} timestamp, lengths and bytes")
            carved[fname] = [(fd["input"], n) for n in want]

    with t.case(f"{name}: each finding file's section comment: capture, SHA-256, version, frame map, filter"):
        for i, fd in enumerate(findings, 1):
            fname = f"F{i:04d}.pcapng"
            shb, _, epbs = read_pcapng(os.path.join(d, fname))
            inp = rep["inputs"][fd["input"]]
            sha = hashlib.sha256(open(inp["path"], "rb").read()).hexdigest()
            eq(sha, inp["sha256"], "the report's SHA-256")
            eq(shb.get(4), [f"privaudit {rep['tool']['version']}".encode()], "shb_userappl")
            comments = shb_comments(shb)
            eq(len(comments), 1, fname + " section comments")
            lines = comments[0].split("\n")
            eq(lines[0], f"privaudit {rep['tool']['version']} evidence: finding {i} of the report "
                         f"({fd['type']} at frame {fd['frame']}{', ' + fd['host'] if fd['host'] else ''})", "head")
            eq(lines[1], f"capture: {label(rep, fd['input'])}", fname)
            eq(lines[2], f"capture SHA-256: {sha}", fname)
            assert lines[3].startswith("frames, this file=the capture: "), lines[3]
            cnum, orig = expand_map(lines[3].split(": ", 1)[1])
            eq(cnum, list(range(1, len(epbs) + 1)), fname + " map: carved numbers")
            eq(orig, [int(e[5].split()[1]) for e in epbs], fname + " map: original frames")
            eq(lines[-1], "the finding's frames here: " + fd["wireshark_filter_carved"], fname)
            main = rep["flows"][fd["flow"] - 1] if fd["flow"] else None
            dns = flow_dns(caps, main) if main else []
            if dns:
                addr = endpoint(main["server"])[0]
                want = f"the DNS answer naming {main['host']} ({addr}): frame {dns[-1]}" + \
                    (f" (its query: frame {dns[0]})" if len(dns) == 2 else "")
                eq(lines[4], want, fname + " DNS line")
            eq(len(lines), 6 if dns else 5, fname + " comment lines")

    with t.case(f"{name}: evidence.pcapng holds every carved frame once, in capture order, with a map per capture"):
        shb, idbs, epbs = read_pcapng(os.path.join(d, "evidence.pcapng"))
        inputs = sorted({fd["input"] for fd in findings})
        eq(len(idbs), len(inputs), "one interface per input with findings")
        for k, i in enumerate(inputs):
            eq(idbs[k][0], caps[i][0], f"interface {k} link type")
        got = []
        for e in epbs:
            inp = inputs[e[0]]
            n = int(e[5].split()[1])
            eq(e[5], f"frame {n} of {label(rep, inp)}", "comment")
            eq(e[1:5], caps[inp][1][n - 1], f"input {inp} frame {n}")
            got.append((inp, n))
        eq(got, sorted(set(x for v in carved.values() for x in v)), "frames")
        comments = shb_comments(shb)
        eq(len(comments), len(inputs), "a section comment per capture")
        carved_no = 0
        for k, (i, c) in enumerate(zip(inputs, comments)):
            lines = c.split("\n")
            eq(lines[0], f"privaudit {rep['tool']['version']} evidence: the frames of the report's findings "
                         f"from {label(rep, i)} (interface {k})", "head")
            eq(lines[1], f"capture SHA-256: {rep['inputs'][i]['sha256']}", "SHA-256")
            cnum, orig = expand_map(lines[2].split(": ", 1)[1])
            mine = [n for inp, n in got if inp == i]
            eq(cnum, list(range(carved_no + 1, carved_no + len(mine) + 1)), f"input {i} map: carved numbers")
            eq(orig, mine, f"input {i} map: original frames")
            carved_no += len(mine)
    return carved, caps


# ---- tshark: counts of display filters in one pass ----

def tshark_counts(path, filters, opts=()):
    """Frames each display filter selects in path, in one tshark pass (io,stat)."""
    for f in filters:
        assert "," not in f, f"io,stat takes filters separated by commas: {f}"
    p = subprocess.run([TSHARK, "-n", "-q", "-r", path, *opts, "-z", "io,stat,0," + ",".join(filters)],
                       capture_output=True, timeout=600)
    assert p.returncode == 0, f"tshark -r {path}: {p.stderr.decode()[-800:]}"
    rows = [ln for ln in p.stdout.decode().splitlines() if "<>" in ln]
    eq(len(rows), 1, f"{path}: one io,stat row\n{p.stdout.decode()[-2000:]}")
    cells = [c.strip() for c in rows[0].strip().strip("|").split("|")][1:]
    counts = [int(c) for c in cells[0::2][:len(filters)]]
    eq(len(counts), len(filters), "a count per filter")
    return counts


def counts_of(jobs):
    """tshark_counts of (path, filters, opts, ...) jobs, two at a time."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda j: tshark_counts(j[0], j[1], j[2]), jobs))


def exactly(flt, numbers):
    """[F, F && (frame.number == a || ...)] and the counts they must have (|S|, |S|)."""
    sel = " || ".join(f"frame.number == {n}" for n in numbers)
    return [flt, f"({flt}) && ({sel})"], [len(numbers), len(numbers)]


REQUEST = "(http.request || http2.flags.end_stream == 1)"  # the frame that completes a request
SYN = "(tcp.flags.syn == 1 && tcp.flags.ack == 0)"


def is_contact(fd):
    return fd["type"] == "pre_consent_contact"


def after_shb(path):
    raw = open(path, "rb").read()
    return raw[struct.unpack("<I", raw[4:8])[0]:]


def check_tshark(d, rep, carved, caps, name, keylog=None):
    """Both filters of every finding, in the original captures, every finding file and evidence.pcapng."""
    if not TSHARK:
        t.skip(f"{name}: tshark applies both filters of every finding", "tshark not installed")
        return
    findings = rep["findings"]

    with t.case(f"{name}: wireshark_filter selects exactly the finding's frames in the original capture"):
        jobs = []
        for inp in sorted({fd["input"] for fd in findings}):
            filters, want = [], []
            for fd in (f for f in findings if f["input"] == inp):
                if is_contact(fd):
                    flow = rep["flows"][fd["flow"] - 1]
                    f, w = exactly(fd["wireshark_filter"], flow_frames(rep, flow, caps))
                    f.append(f"({fd['wireshark_filter']}) && frame.number == {fd['frame']} && {SYN}")
                else:
                    f, w = exactly(fd["wireshark_filter"], fd["frames"])
                    f.append(f"({fd['wireshark_filter']}) && {REQUEST}")
                filters += f
                want += w + [len(fd["frames"])]
            path = rep["inputs"][inp]["path"]
            opts = ("-o", f"tls.keylog_file:{keylog}") if keylog else ()
            jobs.append((path, filters, opts, want, f"{path}: {filters}"))
        for job, got in zip(jobs, counts_of(jobs)):
            eq(got, job[3], job[4])

    def carved_filters(fd, comments):
        nums = [k for k, c in enumerate(comments, 1) if c in {f"frame {n} of {label(rep, fd['input'])}"
                                                            for n in fd["frames"]}]
        f, w = exactly(fd["wireshark_filter_carved"], nums)
        f.append(f"({fd['wireshark_filter_carved']}) && {SYN if is_contact(fd) else REQUEST}")
        return f, w + [len(fd["frames"])]

    files = [f"F{i:04d}.pcapng" for i in range(1, len(findings) + 1)]
    with t.case(f"{name}: capinfos opens every carved file: its packets and its section comment"):
        p = subprocess.run(["capinfos", "-c", "-k", *files, "evidence.pcapng"], cwd=d, capture_output=True)
        eq(p.returncode, 0, "capinfos: " + p.stderr.decode()[-500:])
        got = re.findall(r"File name: +(\S+)\nNumber of packets: +(\d+)\n((?:Capture comment: +.*\n)*)",
                         p.stdout.decode())
        want = []
        for f in files + ["evidence.pcapng"]:
            shb, _, epbs = read_pcapng(os.path.join(d, f))
            want.append((f, str(len(epbs)), "".join(f"Capture comment:     {c.replace(chr(10), ' ')}\n"
                                                    for c in shb_comments(shb))))
        eq(got, want, "capinfos")

    with t.case(f"{name}: in each finding file (opened alone, no key log) the carved filter selects exactly "
                "the request (or the SYN); the DNS answer naming the host and its query are there"):
        # files whose packets are the same (findings on the same flows) differ only in their section
        # header: tshark reads one of them with the filters of all
        groups = {}
        for i, fd in enumerate(findings, 1):
            groups.setdefault(after_shb(os.path.join(d, files[i - 1])), []).append((files[i - 1], fd))
        jobs = []
        for members in groups.values():
            fname, first = members[0]
            path = os.path.join(d, fname)
            _, _, epbs = read_pcapng(path)
            filters, want = ["frame"], [len(epbs)]
            for _, fd in members:
                f, w = carved_filters(fd, [e[5] for e in epbs])
                filters += f
                want += w
            answers, paired = {}, {}
            for g in finding_flows(rep, caps, first):
                dns = flow_dns(caps, g)
                if dns:
                    addr = endpoint(g["server"])[0]
                    a = "dns.a" if ":" not in addr else "dns.aaaa"
                    ans = f'dns.flags.response == 1 && lower(dns.qry.name) == "{g["host"]}" && {a} == {addr}'
                    answers.setdefault(ans, set()).add(dns[-1])
                    # the query too: tshark pairs it with the answer in this file alone
                    paired.setdefault(ans + " && dns.response_to", set()).update(dns[-1:] if len(dns) == 2 else [])
            for f, frames in sorted(answers.items()) + sorted(paired.items()):
                filters.append(f)
                want.append(len(frames))
            jobs.append((path, filters, (), want, f"{fname} (for {[m[0] for m in members]}): {filters}"))
        for job, got in zip(jobs, counts_of(jobs)):
            eq(got, job[3], job[4])

    with t.case(f"{name}: in evidence.pcapng every carved filter selects exactly its finding's frames"):
        path = os.path.join(d, "evidence.pcapng")
        _, idbs, epbs = read_pcapng(path)
        inputs = sorted({fd["input"] for fd in findings})
        comments = [f"frame {e[5].split()[1]} of {label(rep, inputs[e[0]])}" for e in epbs]
        # copies of one connection in two inputs (a capture and the same capture with its secrets
        # embedded) are one TCP conversation to tshark: the second reads as retransmissions
        ends = {}
        for g in rep["flows"]:
            ends.setdefault((g["transport"], frozenset((g["client"], g["server"]))), set()).add(g["input"])
        filters, want = [], []
        for fd in findings:
            f, w = carved_filters(fd, comments)
            g = rep["flows"][fd["flow"] - 1] if fd["flow"] else finding_flows(rep, caps, fd)[0]
            if len(ends[(g["transport"], frozenset((g["client"], g["server"])))]) > 1:
                f, w = f[:2], w[:2]
            filters += f
            want += w
        eq(tshark_counts(path, filters), want, f"evidence.pcapng: {filters}")


# ---- the demo: captures/demo/*.pcap (or one directory per demo) with its profile ----

def demo_cases():
    """(capture, profile) for every demo capture: the .yaml beside it whose name starts its name
    (else the only .yaml there, else captures/demo's)."""
    out = []
    for root, dirs, files in os.walk(DEMO):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith((".pcap", ".pcapng")):
                continue
            for where in (root, DEMO):
                ymls = sorted(x for x in os.listdir(where) if x.endswith(".yaml"))
                pick = [y for y in ymls if f.startswith(y[:-5])] or (ymls if len(ymls) == 1 else [])
                if pick:
                    out.append((os.path.join(root, f), os.path.join(where, pick[0])))
                    break
    return out


DEMOS = demo_cases()
with t.case("demo: captures found"):
    assert any(os.path.basename(c) == "lingoup-first-login.pcap" for c, _ in DEMOS), DEMOS

for k, (cap, prof) in enumerate(DEMOS):
    nm = "demo " + os.path.basename(cap)
    d1, rep1 = carve(f"demo-{k}", cap, extra=("--profile", prof))
    carved, caps = check_carve(d1, rep1, nm)
    check_tshark(d1, rep1, carved, caps, nm)
    with t.case(f"{nm}: every finding file has its flow's TCP handshake and teardown, and the DNS lookup"):
        for i, fd in enumerate(rep1["findings"], 1):
            for g in finding_flows(rep1, caps, fd):
                if g["transport"] != "tcp":
                    continue
                lt, frames = caps[fd["input"]]
                flags = [decode(lt, frames[n - 1][3])[3][13] for n in flow_frames(rep1, g, caps)]
                eq(flags[:3], [0x02, 0x12, 0x10], f"F{i:04d} flow {g['id']}: SYN, SYN/ACK, ACK first")
                assert sum(1 for f in flags if f & 1) == 2, f"F{i:04d} flow {g['id']}: FIN from both sides"
                if os.path.basename(cap) == "lingoup-first-login.pcap":
                    eq(len(flow_dns(caps, g)), 2, f"F{i:04d} flow {g['id']}: the DNS query and answer")
    if os.path.basename(cap) == "lingoup-first-login.pcap":
        with t.case(f"{nm}: the second Umeng connection brings the second lookup (frames 58, 59), not the first"):
            fd = next(f for f in rep1["findings"] if f["frame"] == 63)
            _, _, epbs = read_pcapng(os.path.join(d1, f"F{fd['id']:04d}.pcapng"))
            eq([int(e[5].split()[1]) for e in epbs], list(range(58, 69)), "frames")
        with t.case(f"{nm}: two runs give byte-identical files"):
            d2, _ = carve(f"demo-{k}-again", cap, extra=("--profile", prof))
            eq(sorted(os.listdir(d2)), sorted(os.listdir(d1)), "files")
            for n in sorted(os.listdir(d1)):
                eq(open(os.path.join(d2, n), "rb").read() == open(os.path.join(d1, n), "rb").read(), True, n)


# ---- a bundled consent at a command-line mark: no flow of its own (flow null) ----

NEW_USER = [(c, p) for c, p in DEMOS if os.path.basename(c) == "lingoup-new-user.pcap"]
if NEW_USER:
    cap, prof = NEW_USER[0]
    d9, rep9 = carve("demo-mark", cap, extra=("--profile", prof, "--consent-at", "frame:8"))
    with t.case("consent mark at frame 8: a bundled_consent with flow null, carved with its requests' flows"):
        marked = [f for f in rep9["findings"] if f["type"] == "bundled_consent" and f["flow"] is None]
        eq([(f["frame"], f["frames"]) for f in marked], [(8, [15, 18, 32, 35])], "the mark's finding")
    carved9, caps9 = check_carve(d9, rep9, "demo consent mark")
    check_tshark(d9, rep9, carved9, caps9, "demo consent mark")
else:
    t.skip("a bundled consent at a command-line mark is carved", "captures/demo/new-user is absent")


# ---- made here: racing DNS answers, a host named only by DNS, a finding over two connections ----

CLIENT, RESOLVER = "10.0.2.15", "10.0.2.3"
API, TRACKER = "198.51.100.7", "203.0.113.99"


def dns_answer(ident, name, rtype, rdata):
    q = pg.dns_name(name) + struct.pack("!HH", rtype, 1)
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + q + \
        struct.pack("!HHHIH", 0xC00C, rtype, 1, 30, len(rdata)) + rdata


def http_exchange(cap, cport, server, sport, request, isn):
    c = pg.TCPConn(cap, CLIENT, cport, server, sport, isn, isn + 7777)
    c.handshake()
    c.send("c", request)
    c.send("s", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
    c.pkt("c", "A")
    c.close()


def write_dns_capture(path):
    cap = pg.Capture("dns-named.pcap")
    token = "Bearer 7f3a9c2e5b1d4f6a8c0e2b4d6f8a0c2e4b6d8f0a"
    get = ("GET /v1/me?phone=13812345678 HTTP/1.1\r\nHost: api.example.org\r\nAuthorization: %s\r\n"
           "User-Agent: okhttp/4.9.3\r\n\r\n" % token).encode()
    a = pg.UDPFlow(cap, CLIENT, 41000, RESOLVER, 53)
    a.send("c", pg.dns_query(0x1111, "api.example.org", 1))                        # 1: A query
    a.send("c", pg.dns_query(0x2222, "api.example.org", 28))                       # 2: AAAA query
    a.send("s", dns_answer(0x2222, "api.example.org", 28, ipaddress.IPv6Address("2001:db8::7").packed))  # 3
    a.send("s", dns_answer(0x1111, "api.example.org", 1, pg.a4(API)))              # 4: answers query 1
    b = pg.UDPFlow(cap, CLIENT, 41001, RESOLVER, 53)                               # same address, other name
    b.send("c", pg.dns_query(0x3333, "cdn.example.net", 1))
    b.send("s", dns_answer(0x3333, "cdn.example.net", 1, pg.a4(API)))
    http_exchange(cap, 50001, API, 80, get, 1000)                                  # the first request
    c = pg.UDPFlow(cap, CLIENT, 41002, RESOLVER, 53)
    c.send("c", pg.dns_query(0x4444, "API.Example.org", 1))                        # 0x20 case mixing
    c.send("s", dns_answer(0x4444, "API.Example.org", 1, pg.a4(API)))
    e = pg.UDPFlow(cap, CLIENT, 41003, RESOLVER, 53)
    e.send("c", pg.dns_query(0x5555, "track.example.com", 1))
    e.send("s", dns_answer(0x5555, "track.example.com", 1, pg.a4(TRACKER)))
    http_exchange(cap, 50002, API, 80, get, 2000)                                  # the same again
    body = b"imei=864512034567891&lat=31.230416&lng=121.473701"
    post = b"POST /collect HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" \
        % len(body) + body                                                         # no Host: named by DNS only
    http_exchange(cap, 50003, TRACKER, 8080, post, 3000)
    f = pg.UDPFlow(cap, CLIENT, 41004, RESOLVER, 53)                               # after the flow: not its name
    f.send("c", pg.dns_query(0x6666, "track.example.com", 1))
    f.send("s", dns_answer(0x6666, "track.example.com", 1, pg.a4(TRACKER)))
    open(path, "wb").write(cap.file_bytes())


made = os.path.join(tmp, "dns-named.pcap")
write_dns_capture(made)
made_profile = os.path.join(tmp, "made.yaml")
with open(made_profile, "w") as fp:
    fp.write('app: {name: "Carve", id: test.carve}\nfirst_party: {organization: "Example Org", domains: [example.org]}\n')
d6, rep6 = carve("made", made, extra=("--profile", made_profile))
with t.case("made: the flows' names (HTTP Host; the DNS answer alone for the Host-less request)"):
    named = {(f["server"], f["host"], f["host_source"]) for f in rep6["flows"] if f["transport"] == "tcp"}
    eq(named, {(f"{API}:80", "api.example.org", "http"), (f"{TRACKER}:8080", "track.example.com", "dns_answer")},
       "flows")
    multi = [f for f in rep6["findings"] if len(f["frames"]) > 1]
    assert multi, "a finding over two requests: " + json.dumps([(f["type"], f["frames"]) for f in rep6["findings"]])
    assert any(f["host"] == "track.example.com" for f in rep6["findings"]), "findings on the tracker"
carved6, caps6 = check_carve(d6, rep6, "made")
with t.case("made: DNS frames are the right ones (answer 4 to query 1, not 2; the later lookups for the later flows)"):
    flows = {f["first_frame"]: f for f in rep6["flows"] if f["transport"] == "tcp"}
    got = {f["server"]: [] for f in flows.values()}
    for ff in sorted(flows):
        got[flows[ff]["server"]].append(flow_dns(caps6, flows[ff]))
    eq(got, {f"{API}:80": [[1, 4], [16, 17]], f"{TRACKER}:8080": [[18, 19]]}, "query and answer per flow")
    for fd in rep6["findings"]:
        if len(fd["frames"]) > 1:
            _, _, epbs = read_pcapng(os.path.join(d6, f"F{fd['id']:04d}.pcapng"))
            nums = [int(e[5].split()[1]) for e in epbs]
            for n in fd["frames"]:
                assert n in nums, f"finding {fd['id']}: request frame {n} in its file ({nums})"
            eq([n for n in nums if n < 20 and n not in range(7, 16)], [1, 4, 16, 17], "its DNS frames")
check_tshark(d6, rep6, carved6, caps6, "made")


# ---- TLS: every capture with findings, its key log lines in a DSB ----

def tls_cases():
    out = []
    for f in sorted(os.listdir(TLSDIR)):
        if f.endswith(".pcap") or f.endswith(".pcapng"):
            keys = os.path.join(TLSDIR, f.rsplit(".", 1)[0] + ".keys")
            out.append((os.path.join(TLSDIR, f), keys if os.path.isfile(keys) else None))
    return out


def client_random(rep, caps, flow):
    lt, frames = caps[flow["input"]]
    cport = endpoint(flow["client"])
    for n in flow_frames(rep, flow, caps):
        d = decode(lt, frames[n - 1][3])
        pl = payload_of(d)
        if d[1] == cport and len(pl) > 43 and pl[0] == 0x16 and pl[5] == 1:
            return pl[11:43].hex()
    return None


def check_tls_secrets(d, rep, caps, cases, name):
    with t.case(f"{name}: each finding file carries its connections' key log lines (a DSB before the packets), "
                "evidence.pcapng all of them"):
        labels = {"CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                  "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
        known = {}
        for cap, k in cases:
            text = open(k).read() if k else INPUT_SECRETS.get(cap, "")
            for ln in text.splitlines():
                p = ln.split()
                if len(p) == 3 and p[0] in labels and len(p[1]) == 64:
                    known.setdefault(p[1].lower(), {})[p[0]] = ln
        every = set()
        for i, fd in enumerate(rep["findings"], 1):
            path = os.path.join(d, f"F{i:04d}.pcapng")
            read_pcapng(path)
            want = set()
            for g in finding_flows(rep, caps, fd):
                if g["tls"]:
                    want |= set(known.get(client_random(rep, caps, g), {}).values())
            if not want:
                eq(DSBS[path], [], f"F{i:04d}: no secrets")
                continue
            eq(len(DSBS[path]), 1, f"F{i:04d} DSBs")
            stype, text, before = DSBS[path][0]
            eq((stype, before), (0x544C534B, 0), f"F{i:04d}: TLSK before the packets")
            eq(set(text.splitlines()), want, f"F{i:04d}: its key log lines")
            every |= want
        path = os.path.join(d, "evidence.pcapng")
        read_pcapng(path)
        eq({ln for _, text, _ in DSBS[path] for ln in text.splitlines()}, every, "evidence.pcapng secrets")


TLS = tls_cases()
# A wrongkey capture is another capture's connection with a wrong key log: audited with the right
# one it decrypts, so it runs on its own with its own key log.
for name, cases in (("TLS", [c for c in TLS if "wrongkey" not in c[0]]),
                    ("TLS wrong keys", [c for c in TLS if "wrongkey" in c[0]])):
    extra = ["--profile", TLS_PROFILE]
    merged = os.path.join(tmp, name.replace(" ", "-") + ".keys")
    with open(merged, "w") as fp:
        for _, k in cases:
            if k:
                extra += ["--keylog", k]
                fp.write(open(k).read())
    d5, rep5 = carve(name.replace(" ", "-"), *[c for c, _ in cases], extra=extra)
    with t.case(f"{name}: findings in every capture"):
        eq(set(range(len(cases))) - {f["input"] for f in rep5["findings"]}, set(), "inputs without findings")
        decrypted = [f for f in rep5["flows"] if f["tls"] and f["tls"]["decryption"] == "decrypted"]
        if name == "TLS":
            assert any(f["type"] != "pre_consent_contact" for f in rep5["findings"]), "request findings"
            assert len(decrypted) >= 20, "decrypted connections carved"
        else:
            eq(decrypted, [], "decrypted connections")
    carved5, caps5 = check_carve(d5, rep5, name)
    check_tls_secrets(d5, rep5, caps5, cases, name)
    check_tshark(d5, rep5, carved5, caps5, name, keylog=merged)


# ---- two inputs, two link types, nanosecond timestamps ----

def write_raw_nsec(src, dst):
    """src's frames as raw IP (LINKTYPE_RAW), nanosecond pcap, timestamps moved by +123 ns."""
    _, frames = read_capture(src)
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 101))
        for ts, cap, wire, data in frames:
            ts += 123
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, cap - 14, wire - 14))
            f.write(data[14:])


mixed = os.path.join(tmp, "mixed-in")
os.mkdir(mixed)
shutil.copy(os.path.join(CAPTURES, "test", "http", "split-header.pcap"), os.path.join(mixed, "a-ether.pcap"))
write_raw_nsec(os.path.join(CAPTURES, "test", "http", "chunked.pcap"), os.path.join(mixed, "b-raw-nsec.pcap"))
d3, rep3 = carve("mixed", mixed)
check_carve(d3, rep3, "ethernet + raw-IP nanosecond inputs")
with t.case("ethernet + raw-IP nanosecond inputs: evidence.pcapng describes both, nanoseconds kept"):
    shb, idbs, epbs = read_pcapng(os.path.join(d3, "evidence.pcapng"))
    eq([i[0] for i in idbs], [1, 101], "link types (Ethernet, then LINKTYPE_RAW)")
    eq(sorted({e[0] for e in epbs}), [0, 1], "frames of both interfaces")
    assert all(e[1] % 1000 == 123 for e in epbs if e[0] == 1), "nanosecond timestamps"


# ---- one 5-tuple, two flows; two inputs with the same base name ----

def write_twice(src, dst):
    """src's frames, then the same frames again 1000 s later (the first flow has long ended)."""
    _, frames = read_capture(src)
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for shift in (0, 1000 * 10**9):
            for ts, cap, wire, data in frames:
                ts += shift
                f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, cap, wire) + data)


reused = os.path.join(tmp, "reused.pcap")
write_twice(os.path.join(CAPTURES, "test", "http", "split-header.pcap"), reused)
d4, rep4 = carve("reused", reused)
with t.case("reused 5-tuple: two flows, findings in both"):
    flows = {f["flow"] for f in rep4["findings"]}
    eq(len(flows), 2, "flows with findings")
    a, b = (rep4["flows"][i - 1] for i in sorted(flows))
    eq((a["client"], a["server"]), (b["client"], b["server"]), "same endpoints")
check_carve(d4, rep4, "reused 5-tuple")

with t.case("two inputs with one base name: comments and filters name them by path"):
    os.makedirs(os.path.join(tmp, "twin", "x"))
    os.makedirs(os.path.join(tmp, "twin", "y"))
    for sub in ("x", "y"):
        shutil.copy(os.path.join(CAPTURES, "test", "http", "split-header.pcap"), os.path.join(tmp, "twin", sub, "c.pcap"))
    ins = [os.path.join(tmp, "twin", s, "c.pcap") for s in ("x", "y")]
    d7, rep7 = carve("twin-out", *ins)
    for fd in rep7["findings"]:
        path = rep7["inputs"][fd["input"]]["path"]
        eq(fd["wireshark_filter_carved"], " || ".join(f'frame.comment == "frame {n} of {path}"' for n in fd["frames"]),
           "carved filter")
    _, _, epbs = read_pcapng(os.path.join(d7, "evidence.pcapng"))
    eq({e[5].split(" of ", 1)[1] for e in epbs}, set(ins), "evidence comments name the paths")

# ---- one pcapng, two link types, half the frames in a tunnel ----

def write_multilink(src, dst):
    """src's Ethernet frames in a pcapng with two interfaces libpcap would
    refuse together: odd frames on interface 0 (Ethernet), each wrapped in
    an outer IPv4 GRE packet; even frames on interface 1 as raw IP
    (LINKTYPE_RAW, another snap length).  Returns [(linktype, data)] in order."""
    _, frames = read_capture(src)

    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", 1, 0, 262144)), block(1, struct.pack("<HHI", 101, 0, 65535))]
    written = []
    for n, (ts, cap, wire, data) in enumerate(frames, 1):
        inner = data[14:]
        if n % 2:
            gre = struct.pack("!HH", 0, 0x0800) + inner
            outer = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(gre), n, 0, 64, 47, 0,
                                bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])) + gre
            frame, iface, lt = data[:12] + b"\x08\x00" + outer, 0, 1
        else:
            frame, iface, lt = inner, 1, 101
        out.append(block(6, struct.pack("<IIIII", iface, ts // 1000 >> 32, ts // 1000 & 0xFFFFFFFF, len(frame),
                                        len(frame)) + frame))
        written.append((lt, frame))
    open(dst, "wb").write(b"".join(out))
    return written


multilink = os.path.join(tmp, "multilink.pcapng")
multi_frames = write_multilink(os.path.join(CAPTURES, "test", "http", "split-header.pcap"), multilink)
d8, rep8 = carve("multilink", multilink)
with t.case("pcapng of two link types, half in GRE: each finding file has its flow's frames, each "
            "on an interface of its own link type"):
    eq(rep8["inputs"][0]["link_types"], ["EN10MB", "RAW"], "link types read")
    assert rep8["findings"], "the report has findings"
    for i, fd in enumerate(rep8["findings"], 1):
        shb, idbs, epbs = read_pcapng(os.path.join(d8, f"F{i:04d}.pcapng"))
        flow = rep8["flows"][fd["flow"] - 1]
        eq(flow["encapsulation"], ["gre"], "the flow's first packet came through GRE")
        eq([e[5] for e in epbs], [f"frame {n} of multilink.pcapng" for n in range(1, len(multi_frames) + 1)],
           "every frame of the one flow, tunnelled or not")
        eq([i[0] for i in idbs], [1, 101], "interfaces: Ethernet, then raw IP")
        for n, e in enumerate(epbs, 1):
            eq((idbs[e[0]][0], e[4]), multi_frames[n - 1], f"frame {n}: link type and bytes")
    shb, idbs, epbs = read_pcapng(os.path.join(d8, "evidence.pcapng"))
    eq([i[0] for i in idbs], [1, 101], "evidence.pcapng interfaces")
    eq([e[0] for e in epbs], [0 if lt == 1 else 1 for lt, _ in multi_frames], "evidence.pcapng: each frame's interface")
    lines = shb_comments(shb)[0].split("\n")
    eq(lines[0], f"privaudit {rep8['tool']['version']} evidence: the frames of the report's findings from "
                 "multilink.pcapng (interfaces 0, 1)", "the section comment names both interfaces")
    eq(lines[2], f"frames, this file=the capture: 1-{len(multi_frames)}={1}-{len(multi_frames)}", "frame map")


# ---- one 5-tuple on two VLANs at once: two flows, each file its own VLAN's frames ----

def write_two_vlans(src, dst):
    """Every Ethernet frame of src twice, tagged 802.1Q VLAN 10 then VLAN 20: the same connection
    on two VLANs, interleaved."""
    _, frames = read_capture(src)
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, cap, wire, data in frames:
            for vid in (10, 20):
                tagged = data[:12] + struct.pack("!HH", 0x8100, vid) + data[12:]
                f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, cap + 4, wire + 4) + tagged)


vlans = os.path.join(tmp, "two-vlans.pcap")
write_two_vlans(os.path.join(CAPTURES, "test", "http", "split-header.pcap"), vlans)
d10, rep10 = carve("two-vlans", vlans)
with t.case("one 5-tuple on VLANs 10 and 20 at once: each finding file holds the frames of its requests' VLANs only"):
    vlan_of = {f["id"]: f["vlan"] for f in rep10["flows"]}
    eq(sorted(vlan_of.values()), [[10], [20]], "two flows, one per VLAN")
    _, frames = read_capture(vlans)
    single = set()
    for i, fd in enumerate(rep10["findings"], 1):
        # odd frames are VLAN 10's, even ones VLAN 20's
        vids = set(vlan_of[fd["flow"]]) | {10 if n % 2 else 20 for n in fd["frames"]}
        _, _, epbs = read_pcapng(os.path.join(d10, f"F{i:04d}.pcapng"))
        want = [n for n in range(1, len(frames) + 1) if (10 if n % 2 else 20) in vids]
        eq([int(e[5].split()[1]) for e in epbs], want, f"F{i:04d} (VLANs {sorted(vids)}) frames")
        eq({struct.unpack("!H", e[4][14:16])[0] for e in epbs}, vids, f"F{i:04d}: the frames' tags")
        if len(vids) == 1:
            single |= vids
    eq(single, {10, 20}, "on each VLAN a finding whose file holds that VLAN alone")


# ---- IP fragments: of a datagram rebuilt from fragments only the completing frame is carved ----

frag_profile = os.path.join(tmp, "frag.yaml")
with open(frag_profile, "w") as fp:
    fp.write('app: {name: "Frag carve", id: test.frag}\n'
             'first_party: {organization: "Example Ltd.", domains: [example.test]}\n')
d11, rep11 = carve("ipfrag", os.path.join(CAPTURES, "test", "encap", "ipfrag.pcap"),
                   extra=("--profile", frag_profile, "--consent-at", "frame:24"))
with t.case("encap/ipfrag.pcap: each flow's file has the frame completing its request datagram, "
            "not the fragments before it (captures/test/README.md: F1 1-3, 7-11; F2 12-14, 16-20)"):
    eq([(f["type"], f["flow"]) for f in rep11["findings"]], [("pre_consent_contact", 1), ("pre_consent_contact", 2)],
       "a finding per flow")
    got = []
    for i in (1, 2):
        _, _, epbs = read_pcapng(os.path.join(d11, f"F{i:04d}.pcapng"))
        got.append([int(e[5].split()[1]) for e in epbs])
    eq(got, [[1, 2, 3, 7, 8, 9, 10, 11], [12, 13, 14, 16, 17, 18, 19, 20]], "frames")
    _, frames = read_capture(os.path.join(CAPTURES, "test", "encap", "ipfrag.pcap"))
    _, _, epbs = read_pcapng(os.path.join(d11, "F0001.pcapng"))
    eq(epbs[3][4], frames[6][3], "frame 7 as captured: its own fragment, not the rebuilt datagram")


# ---- errors ----

PCAP = next(c for c, _ in DEMOS if os.path.basename(c) == "lingoup-first-login.pcap")
PROFILE = next(p for c, p in DEMOS if c == PCAP)
with t.case("standard input cannot be carved (exit 2, one error line); its filters are null"):
    rc, out, err = run("replay", "--carve", os.path.join(tmp, "stdin"), "--profile", PROFILE, "-",
                       "-o", os.path.join(tmp, "stdin.json"), stdin=open(PCAP, "rb").read())
    eq(rc, 2, "exit status")
    assert "cannot carve from standard input" in err, err
    rc, out, err = run("replay", "--profile", PROFILE, "-", "-o", os.path.join(tmp, "stdin2.json"),
                       stdin=open(PCAP, "rb").read())
    rep = json.load(open(os.path.join(tmp, "stdin2.json")))
    assert rep["findings"], "findings"
    eq({f["wireshark_filter_carved"] for f in rep["findings"]}, {None}, "carved filters")

with t.case("DIR is created one level only"):
    rc, out, err = run("replay", "--carve", os.path.join(tmp, "no", "such"), "--profile", PROFILE, PCAP,
                       "-o", os.path.join(tmp, "nodir.json"))
    eq(rc, 2, "exit status")
    assert "cannot create directory" in err and os.path.join(tmp, "no", "such") in err, err

t.done()
