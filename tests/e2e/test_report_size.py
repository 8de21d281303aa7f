"""End-to-end: the default report is proportional to personal data.

A transmission lists the fields that carry personal data and counts the
others (`fields_other`); a transmission without any is one compact entry;
flows without personal data or a finding are summed by host and protocol
(`flow_summary`).  --all-fields and --all-flows list everything.  Where both
reports list a thing, it is the same, byte for byte; every finding's
transmission and flow stay in the default report."""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, Tap, eq, run  # noqa: E402

t = Tap()
DEMO = os.path.join(CAPTURES, "demo", "old-user")
CASES = [
    ("demo with its profile", ["--profile", os.path.join(DEMO, "lingoup.yaml"), DEMO]),
    ("policy timeline", ["--profile", os.path.join(CAPTURES, "test", "policy", "base.yaml"),
                         os.path.join(CAPTURES, "test", "policy", "timeline.pcap")]),
    ("http captures", [os.path.join(CAPTURES, "test", "http")]),
]


def lines(args, *extra):
    rc, out, err = run("replay", "--format", "json", *extra, *args, check_rc=(0, 1))
    return out.decode("utf-8").split("\n"), json.loads(out)


def records(text_lines, section):
    """The lines of one array section, as written."""
    start = text_lines.index('  "%s": [' % section) + 1 if ('  "%s": [' % section) in text_lines else None
    if start is None:
        return []
    out = []
    for line in text_lines[start:]:
        if line.startswith("  ]"):
            break
        out.append(line.rstrip(","))
    return out


for name, args in CASES:
    small_lines, small = lines(args)
    full_lines, full = lines(args, "--all-fields", "--all-flows")

    with t.case(f"{name}: findings, consent, recipients and coverage identical to the full report"):
        eq(records(small_lines, "findings"), records(full_lines, "findings"), "findings lines")
        for k in ("consent", "recipients", "coverage", "device", "summary", "categories"):
            eq(small[k], full[k], k)

    with t.case(f"{name}: each transmission lists exactly its personal fields; the others are counted"):
        fulltx = {x["id"]: x for x in full["transmissions"]}
        eq(sorted(fulltx), [x["id"] for x in small["transmissions"]], "the same transmissions, in order")
        for x in small["transmissions"]:
            f = fulltx[x["id"]]
            personal = [fd for fd in f["fields"] if fd["category"]]
            if personal:
                eq(x["personal"], True, "personal")
                eq(x["fields"], personal, f"transmission {x['id']} fields")
                eq(x["fields_other"], len(f["fields"]) - len(personal), f"transmission {x['id']} fields_other")
                eq({k: v for k, v in x.items() if k not in ("fields", "fields_other")},
                   {k: v for k, v in f.items() if k not in ("fields", "fields_other")}, "the rest of the record")
            else:
                eq(x, {"id": f["id"], "phase": f["phase"], "judged": f["judged"], "personal": False, "ts": f["ts"],
                       "input": f["input"], "frame": f["frame"], "host": f["host"], "method": f["method"],
                       "path": f["path"], "fields_other": len(f["fields"])}, f"compact transmission {x['id']}")
        eq([x["fields_other"] for x in full["transmissions"]], [0] * len(full["transmissions"]), "full: none other")

    with t.case(f"{name}: flows with personal data or a finding listed as they are; the rest summed"):
        full_flow_lines = {json.loads(line)["id"]: line for line in records(full_lines, "flows")}
        listed = {json.loads(line)["id"] for line in records(small_lines, "flows")}
        for line in records(small_lines, "flows"):
            eq(line, full_flow_lines[json.loads(line)["id"]], "flow line")
        for f in small["findings"]:
            assert f["flow"] in listed, ("finding's flow listed", f["id"])
            if f["transmission"]:
                assert f["transmission"] in {x["id"] for x in small["transmissions"] if x["personal"]}, f["id"]
        want = collections.OrderedDict()
        for fl in full["flows"]:
            if fl["id"] in listed:
                continue
            k = (fl["input"], fl["host"], fl["protocol"], fl["transport"])
            g = want.setdefault(k, {"input": fl["input"], "host": fl["host"], "protocol": fl["protocol"],
                                    "transport": fl["transport"], "first_frame": fl["first_frame"], "flows": 0,
                                    "packets": 0, "bytes": 0})
            g["flows"] += 1
            g["packets"] += fl["packets"]
            g["bytes"] += fl["bytes"]
        eq(small["flow_summary"], list(want.values()), "flow_summary")
        eq(full["flow_summary"], [], "full: no summary")
        eq(len(small["flows"]) + sum(g["flows"] for g in small["flow_summary"]), len(full["flows"]), "every flow counted")

with t.case("the demo's default report is smaller than the full one"):
    small = run("replay", "--format", "json", "--profile", os.path.join(DEMO, "lingoup.yaml"), DEMO, check_rc=1)[1]
    full = run("replay", "--format", "json", "--all-fields", "--all-flows", "--profile",
               os.path.join(DEMO, "lingoup.yaml"), DEMO, check_rc=1)[1]
    assert len(small) < len(full), (len(small), len(full))
t.done()
