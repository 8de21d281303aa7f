#!/usr/bin/python3
"""Write every test capture, captures/test/expected.json and captures/test/README.md.

usage: make_captures.py OUTDIR   (normally captures/test)
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen_foundation as A  # noqa: E402
import gen_http as B  # noqa: E402
import gen_encap as C  # noqa: E402
from pcapgen import (LINKTYPE_NAMES, fmt_value, json_value, STEP_NS, is_v6)  # noqa: E402


def ep(addr):
    ip, port = addr
    return "[%s]:%d" % (ip, port) if is_v6(ip) else "%s:%d" % (ip, port)


def ranges(nums):
    nums = sorted(nums)
    out = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else "%d-%d" % (nums[i], nums[j]))
        i = j + 1
    return ", ".join(out)


def ts_str(ns, digits):
    sec, frac = divmod(ns, 10**9)
    if digits == 9:
        return "%d.%09d" % (sec, frac)
    return "%d.%06d" % (sec, frac // 1000)


def md_value(v):
    if isinstance(v, str) and len(v) > 100 and len(set(v)) == 1:
        return '"%s" x %d (a string of %d repeated %r characters)' % (v[0], len(v), len(v), v[0])
    return fmt_value(v)


def md_escape(s):
    return s.replace("|", "\\|")


def fmt_desc(cap):
    if getattr(cap, "ifaces", None):
        return ("pcapng (little-endian SHB, %d IDBs, Enhanced Packet Blocks on several interfaces), "
                "microseconds" % len(cap.ifaces))
    if cap.fmt == "pcapng":
        return ("pcapng (little-endian SHB, one IDB, Enhanced Packet Blocks), if_tsresol %d (%s)" %
                (cap.tsresol, "microseconds" if cap.tsresol == 6 else "nanoseconds"))
    if cap.nano:
        return "classic pcap, little-endian, magic 0xa1b23c4d (nanosecond), v2.4, snaplen 262144"
    return "classic pcap, little-endian, magic 0xa1b2c3d4 (microsecond), v2.4, snaplen 262144"


def analyse(cap):
    """Compute request/response frame facts."""
    flow_index = {id(fl): i + 1 for i, fl in enumerate(cap.flows)}
    reqs = []
    for r in cap.requests + cap.responses:
        c = r["conn"]
        carrying, done = c.coverage(r["dir"], r["start"], r["end"])
        _, hdone = c.coverage(r["dir"], r["start"], r["hdr_end"])
        r["frames"] = carrying
        r["complete_frame"] = r.get("complete_override", done)
        r["headers_frame"] = hdone
        r["flow_no"] = flow_index[id(c.flow)]
    # order by completion (then start)
    cap.requests.sort(key=lambda r: (r["flow_no"], r["start"]))
    cap.responses.sort(key=lambda r: (r["flow_no"], r["start"]))
    return flow_index


def cap_json(cap, size, flow_index):
    digits = 9 if (cap.nano or cap.tsresol == 9) else 6
    j = {
        "linktype": cap.linktype,
        "format": cap.fmt,
        "ts_resolution": "ns" if digits == 9 else "us",
        "frames": len(cap.frames),
        "size": size,
        "flows": [],
        "http_requests": [],
        "http_responses": [],
        "frame_list": [],
    }
    if isinstance(cap, C.EncapCapture):
        j["encap"] = True  # tunnelled: verify.py's per-frame checks read the outer headers
        j["coverage"] = cap.coverage
        if cap.reassembly:
            j["ip_reassembly"] = cap.reassembly
        if cap.libpcap_refuses:
            j["libpcap_refuses"] = True
        if cap.tshark_opts:
            j["tshark_opts"] = cap.tshark_opts
    for i, fl in enumerate(cap.flows, 1):
        j["flows"].append({
            "flow": i, "first_frame": fl["frames"][0], "transport": fl["proto"],
            "client": ep(fl["client"]), "server": ep(fl["server"]),
            "host": fl["host"], "host_source": fl["host_src"],
            "packets": fl["packets"], "bytes": fl["bytes"], "frames": fl["frames"],
            "encapsulation": fl.get("encapsulation", ["vlan %d" % v for _, v in cap.vlans]),
            "vlan": fl.get("vlan", [v for _, v in cap.vlans][:2]),
        })
        if "isn" in fl:
            j["flows"][-1]["isn"] = fl["isn"]
    for r in cap.requests:
        j["http_requests"].append({
            "flow": r["flow_no"], "protocol": r["protocol"], "method": r["method"], "host": r["host"],
            "uri": r["uri"],
            "headers_frame": r["headers_frame"], "complete_frame": r["complete_frame"],
            "frames": r["frames"], "stream_range": [r["start"], r["end"]],
            "body_decoded_hex": r["decoded_body"].hex() if r["decoded_body"] is not None else None,
            "fields": [dict(path=p, **json_value(v)) for p, v in r["fields"]],
        })
    for r in cap.responses:
        j["http_responses"].append({
            "flow": r["flow_no"], "status": r["status"], "headers_frame": r["headers_frame"],
            "complete_frame": r["complete_frame"], "frames": r["frames"],
            "body_len": r["body_len"], "close_delimited": "complete_override" in r,
            "stream_range": [r["start"], r["end"]],
            "body_decoded_hex": r["decoded_body"].hex() if r["decoded_body"] is not None else None,
        })
    for f in cap.frames:
        j["frame_list"].append([
            f["no"], ts_str(f["ts_ns"], digits), len(f["data"]), f["wirelen"], f["iplen"],
            flow_index[id(f["flow"])] if f["flow"] is not None else None])
    return j


def cap_md(cap, size, flow_index):
    digits = 9 if (cap.nano or cap.tsresol == 9) else 6
    out = []
    out.append("### `%s`\n" % cap.relpath)
    out.append("| property | value |\n|---|---|")
    out.append("| link type | %s |" % ("one per interface (below)" if getattr(cap, "ifaces", None)
                                         else LINKTYPE_NAMES[cap.linktype]))
    out.append("| file format | %s |" % fmt_desc(cap))
    out.append("| frames | %d |" % len(cap.frames))
    out.append("| file size | %d bytes |" % size)
    out.append("| timestamps | frame N = %s + (N-1) x %.3f s |" % (
        ts_str(cap.frames[0]["ts_ns"], digits), STEP_NS / 1e9))
    out.append("")
    out.append(cap.desc + "\n")
    if cap.flows:
        out.append("**Flows** (in order of first packet; bytes = sum of IP lengths of all packets "
                   "of both directions):\n")
        out.append("| flow | first frame | transport | client | server | expected host | host "
                   "from | packets | bytes | frames |\n|---|---|---|---|---|---|---|---|---|---|")
        for i, fl in enumerate(cap.flows, 1):
            out.append("| F%d | %d | %s | %s | %s | %s | %s | %d | %d | %s |" % (
                i, fl["frames"][0], fl["proto"], ep(fl["client"]), ep(fl["server"]),
                "`%s`" % fl["host"] if fl["host"] else "(none)", fl["host_src"] or "-",
                fl["packets"], fl["bytes"], ranges(fl["frames"])))
        notes = ["* F%d: %s" % (i, fl["note"]) for i, fl in enumerate(cap.flows, 1) if fl["note"]]
        isn = ["* F%d: client ISN %d (0x%08x), server ISN %d (0x%08x)" % (
            i, fl["isn"]["c"], fl["isn"]["c"], fl["isn"]["s"], fl["isn"]["s"])
            for i, fl in enumerate(cap.flows, 1) if "isn" in fl]
        if notes:
            out.append("\nFlow notes:\n\n" + "\n".join(notes))
        if isn:
            out.append("\nTCP initial sequence numbers (the frame table shows sequence numbers "
                       "relative to these; stream offsets below are relative to ISN+1):\n\n" + "\n".join(isn))
        out.append("")
    if cap.requests:
        out.append("**HTTP requests** (headers complete = frame in which the header block's last "
                   "byte becomes available in order; request complete = same for headers + body):\n")
        out.append("| # | flow | method | host | uri | headers complete | request complete | "
                   "frames carrying its bytes | client stream bytes |\n|---|---|---|---|---|---|---|---|---|")
        for i, r in enumerate(cap.requests, 1):
            out.append("| R%d | F%d | %s | `%s` | `%s` | %s | %s | %s | [%d,%d) |" % (
                i, r["flow_no"], r["method"], r["host"], md_escape(r["uri"]),
                r["headers_frame"] or "never", r["complete_frame"] or "never (gap)",
                ", ".join(str(x) for x in r["frames"]), r["start"], r["end"]))
        out.append("")
        for i, r in enumerate(cap.requests, 1):
            out.append("R%d `%s %s` fields:%s\n" % (i, r["method"], r["uri"],
                                                    " " + r["note"] if r["note"] else ""))
            out.append("```")
            for p, v in r["fields"]:
                out.append("%s = %s" % (p, md_value(v)))
            out.append("```\n")
    if cap.responses:
        out.append("**HTTP responses:**\n")
        out.append("| # | flow | status | headers complete | complete | frames | body bytes "
                   "(decoded) | note |\n|---|---|---|---|---|---|---|---|")
        for i, r in enumerate(cap.responses, 1):
            out.append("| S%d | F%d | %d | %s | %s | %s | %s | %s |" % (
                i, r["flow_no"], r["status"], r["headers_frame"], r["complete_frame"],
                ", ".join(str(x) for x in r["frames"]),
                len(r["decoded_body"]) if r["decoded_body"] is not None else "-",
                md_escape(r["note"])))
        out.append("")
    out.append("**Frames:**\n")
    out.append("| frame | time | caplen | len | IP len | summary | note |\n|---|---|---|---|---|---|---|")
    for f in cap.frames:
        out.append("| %d | %s | %d | %d | %s | %s | %s |" % (
            f["no"], ts_str(f["ts_ns"], digits), len(f["data"]), f["wirelen"],
            f["iplen"] if f["iplen"] is not None else "-", md_escape(f["summary"]),
            md_escape(f["note"])))
    out.append("")
    return "\n".join(out)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "captures/test"
    caps_a = [A.eth_basic()] + A.link_variants() + [A.ipv6_ext(), A.ipv4_options_frag(), A.malformed()]
    caps_batch = A.batch_caps()
    raw_bad = A.bad_files()
    raw_batch = A.batch_raw()
    caps_b = B.all_caps()
    caps_c = C.all_caps()

    expected = {"generator": "tests/gen/make-captures.sh", "files": {}}
    sections = {}

    def write(rel, data):
        p = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(data)

    for cap in caps_a + caps_batch + caps_b + caps_c:
        fi = analyse(cap)
        data = cap.file_bytes()
        assert len(data) < 100 * 1024, cap.relpath
        write(cap.relpath, data)
        for rel, extra in sorted(cap.extra_files.items()):  # a key log beside its capture
            write(rel, extra)
        expected["files"][cap.relpath] = cap_json(cap, len(data), fi)
        sections[cap.relpath] = cap_md(cap, len(data), fi)
    for rel, data, md in raw_bad + raw_batch:
        write(rel, data)
        expected["files"][rel] = {"raw": True, "size": len(data)}
        sections[rel] = "### `%s`\n\nSize: %d bytes.\n\n%s\n" % (rel, len(data), md)

    with open(os.path.join(outdir, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1, ensure_ascii=False, sort_keys=False)
        fh.write("\n")

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "README.head.md"), encoding="utf-8") as fh:
        head = fh.read()
    order_a = [c.relpath for c in caps_a]
    order_bad = [r for r, _, _ in raw_bad]
    order_batch = ["batch/a-good.pcap", "batch/b-bad.pcap", "batch/c-good.pcapng",
                   "batch/notes.txt", "batch/sub/d-good.pcap"]
    order_b = [c.relpath for c in caps_b]
    order_c = [c.relpath for c in caps_c]
    body = [head]
    body.append("\n## A. Foundation captures (`captures/test/`)\n")
    body += [sections[r] for r in order_a]
    body.append("\n## A6. Bad inputs (`captures/test/bad/`)\n")
    body += [sections[r] for r in order_bad]
    body.append("\n## A7. Batch directory (`captures/test/batch/`)\n")
    body.append("Expected directory walk result: 3 captures processed (a-good.pcap, c-good.pcapng, "
                "sub/d-good.pcap; hosts a.example.com, c.example.com, d.example.com), 1 capture "
                "reported bad (b-bad.pcap), notes.txt skipped.\n")
    body += [sections[r] for r in order_batch]
    body.append("\n## B. HTTP/1.x reassembly and body cases (`captures/test/http/`)\n")
    body += [sections[r] for r in order_b]
    body.append("\n## C. Link types, tunnels and IP fragments (`captures/test/encap/`)\n")
    body.append(C.__doc__.split("\n\n", 1)[1].strip() + "\n")
    body += [sections[r] for r in order_c]
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(body))


if __name__ == "__main__":
    main()
