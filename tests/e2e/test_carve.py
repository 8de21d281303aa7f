"""End-to-end: evidence carving (`replay --carve DIR`) on the demo capture.

For every finding of the report, DIR/Fnnnn.pcapng must hold exactly the frames
of the finding's flow -- recomputed here from the original capture and the
report's flows[] (transport, both endpoints, from first_frame up to the next
flow with the same 5-tuple) -- byte for byte, with their original timestamps
and a "frame N of FILE" comment.  evidence.pcapng holds every carved frame
once, in capture order; SHA256SUMS covers every .pcapng; two runs give the
same bytes.  A second run mixes link types and nanosecond timestamps."""
import atexit
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, Tap, eq, run  # noqa: E402

t = Tap()
DEMO = os.path.join(CAPTURES, "demo", "old-user")
PCAP = os.path.join(DEMO, "lingoup-first-login.pcap")
PROFILE = os.path.join(DEMO, "lingoup.yaml")
TSHARK = shutil.which("tshark")
tmp = tempfile.mkdtemp(prefix="privaudit-carve-")
atexit.register(shutil.rmtree, tmp, True)


# ---- readers (independent of privaudit and of libpcap) ----

def read_pcap(path):
    """Classic pcap: (linktype, [(ts_ns, caplen, wirelen, data)])."""
    raw = open(path, "rb").read()
    magic = raw[:4]
    order, nano = {b"\xd4\xc3\xb2\xa1": ("<", False), b"\xa1\xb2\xc3\xd4": (">", False),
                   b"\x4d\x3c\xb2\xa1": ("<", True), b"\xa1\xb2\x3c\x4d": (">", True)}[magic]
    linktype = struct.unpack(order + "I", raw[20:24])[0] & 0x0FFFFFFF
    off, frames = 24, []
    while off + 16 <= len(raw):
        sec, frac, cap, wire = struct.unpack(order + "IIII", raw[off:off + 16])
        frames.append((sec * 10**9 + (frac if nano else frac * 1000), cap, wire, raw[off + 16:off + 16 + cap]))
        off += 16 + cap
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


def five_tuple(linktype, data):
    """(proto, (src, sport), (dst, dport)) of an IPv4/IPv6 TCP/UDP frame, else None."""
    if linktype == 1:
        off, et = 12, None
        while True:
            et = struct.unpack(">H", data[off:off + 2])[0]
            if et in (0x8100, 0x88A8):
                off += 4
                continue
            ip = data[off + 2:]
            break
    elif linktype in (101, 228, 229):
        ip = data
    else:
        raise AssertionError(f"linktype {linktype} not handled by the test")
    if ip[0] >> 4 == 4:
        ihl, proto = (ip[0] & 15) * 4, ip[9]
        src, dst, l4 = ip[12:16], ip[16:20], ip[ihl:]
        import ipaddress
        src, dst = str(ipaddress.IPv4Address(src)), str(ipaddress.IPv4Address(dst))
    else:
        return None  # the captures used here are IPv4
    if proto not in (6, 17):
        return None
    sport, dport = struct.unpack(">HH", l4[:4])
    return proto, (src, sport), (dst, dport)


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def expected_frames(rep, flow_id, frames_by_input):
    """Frame numbers of a flow, recomputed from the capture and the report."""
    f = rep["flows"][flow_id - 1]
    eq(f["id"], flow_id, "flows[] is indexed by id")
    proto = 6 if f["transport"] == "tcp" else 17
    ends = {endpoint(f["client"]), endpoint(f["server"])}
    same = sorted(g["first_frame"] for g in rep["flows"]
                  if g["input"] == f["input"] and g["transport"] == f["transport"]
                  and {endpoint(g["client"]), endpoint(g["server"])} == ends)
    later = [x for x in same if x > f["first_frame"]]
    stop = later[0] if later else float("inf")
    linktype, frames = frames_by_input[f["input"]]
    out = []
    for n, fr in enumerate(frames, 1):
        if not f["first_frame"] <= n < stop:
            continue
        tup = five_tuple(linktype, fr[3])
        if tup and tup[0] == proto and {tup[1], tup[2]} == ends:
            out.append(n)
    return out


def carve(dirname, *captures, extra=()):
    d = os.path.join(tmp, dirname)
    rpath = os.path.join(tmp, dirname + ".json")
    rc, out, err = run("replay", "--carve", d, "--all-flows", *extra, *captures, "-o", rpath)
    assert rc in (0, 1), f"exit {rc}: {err}"
    return d, json.load(open(rpath))


def check_carve(d, rep, label):
    """Every assertion that needs no tshark; returns {file: [(input, frame)]}."""
    frames_by_input = {}
    for i, inp in enumerate(rep["inputs"]):
        if not inp.get("error") and os.path.isfile(inp["path"]):
            frames_by_input[i] = read_pcap(inp["path"])
    findings = rep["findings"]
    carved = {}

    with t.case(f"{label}: one file per finding, F0001.pcapng..., evidence.pcapng, SHA256SUMS"):
        assert findings, "the report has findings"
        want = {f"F{i:04d}.pcapng" for i in range(1, len(findings) + 1)} | {"evidence.pcapng", "SHA256SUMS"}
        eq(set(os.listdir(d)), want, "files")

    with t.case(f"{label}: SHA256SUMS is sorted, covers every .pcapng and verifies"):
        lines = open(os.path.join(d, "SHA256SUMS")).read().splitlines()
        names = [ln.split("  ", 1)[1] for ln in lines]
        eq(names, sorted(n for n in os.listdir(d) if n.endswith(".pcapng")), "names")
        for ln in lines:
            h, n = ln.split("  ", 1)
            eq(h, hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest(), n)
        if shutil.which("sha256sum"):
            p = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=d, capture_output=True)
            eq(p.returncode, 0, "sha256sum -c: " + p.stdout.decode() + p.stderr.decode())

    with t.case(f"{label}: each finding file holds exactly its flow's frames, as captured"):
        for i, fd in enumerate(findings, 1):
            name = f"F{i:04d}.pcapng"
            shb, idbs, epbs = read_pcapng(os.path.join(d, name))
            inp = rep["inputs"][fd["input"]]
            linktype, frames = frames_by_input[fd["input"]]
            eq(len(idbs), 1, name + " interfaces")
            eq((idbs[0][0], idbs[0][1], idbs[0][2].get(9)), (linktype, 262144, [b"\x09"]), name + " interface")
            want = expected_frames(rep, fd["flow"], frames_by_input)
            base = os.path.basename(inp["path"])
            eq([e[5] for e in epbs], [f"frame {n} of {base}" for n in want], name + " frames")
            eq(len(want), rep["flows"][fd["flow"] - 1]["packets"], name + " against the flow's packet count")
            if fd["type"] != "pre_consent_contact":
                assert fd["frame"] in want, f"{name}: the finding's frame {fd['frame']} is carved"
            for n, e in zip(want, epbs):
                eq(e[1:5], frames[n - 1], f"{name} frame {n} timestamp, lengths and bytes")
            carved[name] = [(fd["input"], n) for n in want]

    with t.case(f"{label}: evidence.pcapng holds every carved frame once, in capture order"):
        shb, idbs, epbs = read_pcapng(os.path.join(d, "evidence.pcapng"))
        inputs = sorted({fd["input"] for fd in findings})
        eq(len(idbs), len(inputs), "one interface per input with findings")
        for k, i in enumerate(inputs):
            eq(idbs[k][0], frames_by_input[i][0], f"interface {k} link type")
        got = []
        for e in epbs:
            inp = inputs[e[0]]
            n = int(e[5].split()[1])
            eq(e[5], f"frame {n} of {os.path.basename(rep['inputs'][inp]['path'])}", "comment")
            eq(e[1:5], frames_by_input[inp][1][n - 1], f"input {inp} frame {n}")
            got.append((inp, n))
        eq(got, sorted(set(x for v in carved.values() for x in v)), "frames")
    return carved


def check_tshark(d, rep, carved, label):
    if not TSHARK:
        t.skip(f"{label}: every file opens in tshark with the frames' comments and endpoints", "tshark not installed")
        return
    with t.case(f"{label}: every file opens in tshark with the frames' comments and endpoints"):
        for name, frames in sorted(carved.items()):
            fid = rep["findings"][int(name[1:5]) - 1]["flow"]
            flow = rep["flows"][fid - 1]
            l4 = flow["transport"]
            p = subprocess.run([TSHARK, "-n", "-r", os.path.join(d, name), "-T", "fields", "-E", "separator=|",
                                "-e", "frame.number", "-e", "frame.comment", "-e", "ip.src", "-e", f"{l4}.srcport",
                                "-e", "ip.dst", "-e", f"{l4}.dstport"], capture_output=True, timeout=120)
            eq(p.returncode, 0, f"tshark -r {name}: {p.stderr.decode()[-500:]}")
            rows = [ln.split("|") for ln in p.stdout.decode().splitlines()]
            eq([r[0] for r in rows], [str(k) for k in range(1, len(frames) + 1)], name + " frame numbers")
            eq([r[1] for r in rows], [f"frame {n} of {os.path.basename(rep['inputs'][i]['path'])}"
                                      for i, n in frames], name + " comments")
            ends = {endpoint(flow["client"]), endpoint(flow["server"])}
            for r in rows:
                eq({(r[2], int(r[3])), (r[4], int(r[5]))}, ends, name + " endpoints")
        p = subprocess.run([TSHARK, "-n", "-r", os.path.join(d, "evidence.pcapng"), "-T", "fields",
                            "-e", "frame.comment"], capture_output=True, timeout=120)
        eq(p.returncode, 0, "tshark -r evidence.pcapng: " + p.stderr.decode()[-500:])
        eq(len(p.stdout.decode().splitlines()), len(set(x for v in carved.values() for x in v)), "evidence frames")


# ---- the demo: one Ethernet capture with a profile ----

d1, rep1 = carve("demo-1", DEMO + "/", extra=("--profile", PROFILE))
carved = check_carve(d1, rep1, "demo")
check_tshark(d1, rep1, carved, "demo")

with t.case("demo: two runs give byte-identical files"):
    d2, rep2 = carve("demo-2", DEMO + "/", extra=("--profile", PROFILE))
    eq(sorted(os.listdir(d2)), sorted(os.listdir(d1)), "files")
    for n in sorted(os.listdir(d1)):
        eq(open(os.path.join(d2, n), "rb").read() == open(os.path.join(d1, n), "rb").read(), True, n)


# ---- two inputs, two link types, nanosecond timestamps ----

def write_raw_nsec(src, dst):
    """src's frames as raw IP (LINKTYPE_RAW), nanosecond pcap, timestamps moved by +123 ns."""
    _, frames = read_pcap(src)
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
carved3 = check_carve(d3, rep3, "ethernet + raw-IP nanosecond inputs")
with t.case("ethernet + raw-IP nanosecond inputs: evidence.pcapng describes both, nanoseconds kept"):
    shb, idbs, epbs = read_pcapng(os.path.join(d3, "evidence.pcapng"))
    eq([i[0] for i in idbs], [1, 101], "link types (Ethernet, then LINKTYPE_RAW)")
    eq(sorted({e[0] for e in epbs}), [0, 1], "frames of both interfaces")
    assert all(e[1] % 1000 == 123 for e in epbs if e[0] == 1), "nanosecond timestamps"
check_tshark(d3, rep3, carved3, "ethernet + raw-IP nanosecond inputs")


# ---- one 5-tuple, two flows: each finding gets only its own flow's frames ----

def write_twice(src, dst):
    """src's frames, then the same frames again 1000 s later (the first flow has long ended)."""
    _, frames = read_pcap(src)
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

# ---- one pcapng, two link types, half the frames in a tunnel ----

def write_multilink(src, dst):
    """src's Ethernet frames in a pcapng with two interfaces libpcap would
    refuse together: odd frames on interface 0 (Ethernet), each wrapped in
    an outer IPv4 GRE packet; even frames on interface 1 as raw IP
    (LINKTYPE_RAW, another snap length).  Returns [(linktype, data)] in order."""
    _, frames = read_pcap(src)

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


multi = os.path.join(tmp, "multilink.pcapng")
multi_frames = write_multilink(os.path.join(CAPTURES, "test", "http", "split-header.pcap"), multi)
d6, rep6 = carve("multilink", multi)
with t.case("pcapng of two link types, half in GRE: each finding file has its flow's frames, each "
            "on an interface of its own link type"):
    eq(rep6["inputs"][0]["link_types"], ["EN10MB", "RAW"], "link types read")
    assert rep6["findings"], "the report has findings"
    for i, fd in enumerate(rep6["findings"], 1):
        shb, idbs, epbs = read_pcapng(os.path.join(d6, f"F{i:04d}.pcapng"))
        flow = rep6["flows"][fd["flow"] - 1]
        eq(flow["encapsulation"], ["gre"], "the flow's first packet came through GRE")
        eq([e[5] for e in epbs], [f"frame {n} of multilink.pcapng" for n in range(1, len(multi_frames) + 1)],
           "every frame of the one flow, tunnelled or not")
        eq([i[0] for i in idbs], [1, 101], "interfaces: Ethernet, then raw IP")
        for n, e in enumerate(epbs, 1):
            eq((idbs[e[0]][0], e[4]), multi_frames[n - 1], f"frame {n}: link type and bytes")
    shb, idbs, epbs = read_pcapng(os.path.join(d6, "evidence.pcapng"))
    eq([i[0] for i in idbs], [1, 101], "evidence.pcapng interfaces")


# ---- TLS: the key log lines of exactly the carved connections, in a DSB ----

TLSDIR = os.path.join(CAPTURES, "test", "tls")
tls_profile = os.path.join(tmp, "tls.yaml")
with open(tls_profile, "w") as f:  # the app's own server is not the one the capture talks to
    f.write('app: {name: "TLS carve", id: test.tls}\nfirst_party: {organization: "Example Ltd.", domains: [example.test]}\n')
keys13 = os.path.join(TLSDIR, "tls13-aes128gcm-h1.keys")
keys12 = os.path.join(TLSDIR, "tls12-ecdhe-aes128gcm-h1.keys")
d5, rep5 = carve("tls", os.path.join(TLSDIR, "tls13-aes128gcm-h1.pcap"), os.path.join(TLSDIR, "tls12-ecdhe-aes128gcm-h1.pcap"),
                 extra=("--profile", tls_profile, "--keylog", keys13, "--keylog", keys12,
                        "--keylog", os.path.join(TLSDIR, "tls13-nokey.keys")))
with t.case("TLS: each finding file carries its connection's key log lines, evidence.pcapng those of both"):
    assert rep5["findings"], "findings on the decrypted requests"
    wanted = {}
    for kpath in (keys13, keys12):
        lines = [ln for ln in open(kpath).read().splitlines() if ln and not ln.startswith("#")]
        for ln in lines:
            wanted.setdefault(ln.split()[1], set()).add(ln)
    labels = {"CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
              "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
    for i, fd in enumerate(rep5["findings"], 1):
        path = os.path.join(d5, f"F{i:04d}.pcapng")
        read_pcapng(path)
        flow = rep5["flows"][fd["flow"] - 1]
        eq(len(DSBS[path]), 1, f"F{i:04d} DSBs")
        stype, text, before = DSBS[path][0]
        eq(stype, 0x544C534B, "secrets type TLSK")
        eq(before, 0, "packets before the secrets")
        randoms = {ln.split()[1] for ln in text.splitlines()}
        eq(len(randoms), 1, f"F{i:04d}: one connection's secrets")
        rnd = randoms.pop()
        eq(set(text.splitlines()), {ln for ln in wanted[rnd] if ln.split()[0] in labels}, "its key log lines")
        assert flow["tls"]["decryption"] == "decrypted", flow
    read_pcapng(os.path.join(d5, "evidence.pcapng"))
    got = {ln.split()[1] for _, text, _ in DSBS[os.path.join(d5, "evidence.pcapng")] for ln in text.splitlines()}
    eq(got, set(wanted), "evidence.pcapng: the secrets of both carved connections")
if shutil.which("tshark"):
    with t.case("TLS: tshark decrypts a carved file with no key log given"):
        p = subprocess.run(["tshark", "-r", os.path.join(d5, "F0001.pcapng"), "-Y", "http.request",
                            "-T", "fields", "-e", "http.request.uri"], capture_output=True)
        assert "/v1/" in p.stdout.decode(), p.stdout.decode() + p.stderr.decode()[-300:]
else:
    t.skip("TLS: tshark decrypts a carved file", "tshark is not installed")

# ---- errors ----

with t.case("standard input cannot be carved (exit 2, one error line)"):
    rc, out, err = run("replay", "--carve", os.path.join(tmp, "stdin"), "--profile", PROFILE, "-",
                       "-o", os.path.join(tmp, "stdin.json"), stdin=open(PCAP, "rb").read())
    eq(rc, 2, "exit status")
    assert "cannot carve from standard input" in err, err

with t.case("DIR is created one level only"):
    rc, out, err = run("replay", "--carve", os.path.join(tmp, "no", "such"), "--profile", PROFILE, PCAP,
                       "-o", os.path.join(tmp, "nodir.json"))
    eq(rc, 2, "exit status")
    assert "cannot create directory" in err and os.path.join(tmp, "no", "such") in err, err

t.done()
