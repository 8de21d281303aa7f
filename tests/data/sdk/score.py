#!/usr/bin/env python3
"""Score privaudit's field classification on the SDK corpus.

    score.py [--privaudit BIN] [--summary] [--json FILE]

Builds the corpus capture (build.py), runs
`privaudit replay --reveal-values -o report.json`, and matches each report
field to its label by (request, key, value): the request by host, method
and URI (n-th occurrence in capture order), so the score does not depend on
how paths are spelt.

* true positive: a classified field whose category is that of an unused
  label with the same key and value;
* false positive: any other classified field (label `none`, no label, or a
  different category);
* recall miss: a positive label that no classified field matched (a wrong
  category counts against both).

Prints precision and recall for `tune` and `holdout` and a per-SDK table;
misses and false positives are listed for `tune` ONLY. For `holdout` only
counts are printed, so that nobody writes rules from holdout misses.
`--summary` prints just the two figures (the bench hook).
Exit status: 0 when scored, 2 when the corpus is malformed or privaudit fails.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import build  # noqa: E402
import corpus  # noqa: E402

DEFAULT_BIN = os.environ.get("PRIVAUDIT", os.path.join(corpus.TOP, "build", "privaudit"))


def run_privaudit(binary, pcap, report):
    p = subprocess.run([binary, "replay", "--reveal-values", "--all-fields", "--format", "json", "-o", report, pcap],
                       capture_output=True, text=True, timeout=600)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"privaudit exited {p.returncode}: {p.stderr[-2000:]}")
    with open(report, encoding="utf-8") as f:
        return json.load(f)


def match_transmissions(ordered, report):
    """corpus request -> report transmission (or None)."""
    by_req = collections.defaultdict(list)
    for tx in report.get("transmissions", []):
        by_req[(tx.get("host"), tx.get("method"), tx.get("uri"))].append(tx)
    seen = collections.Counter()
    out = []
    for f, r, _ in ordered:
        k = (r["host"], r["method"], r["uri"])
        lst = by_req.get(k, [])
        out.append(lst[seen[k]] if seen[k] < len(lst) else None)
        seen[k] += 1
    return out


def score_request(req, tx):
    """Counts and details for one request."""
    labels = collections.defaultdict(list)
    for l in req["leaves"]:
        labels[(l["key"], l["value"])].append(l)
    used = set()
    tp, fp, hashed_ok, hashed_seen = [], [], 0, 0
    for fld in (tx or {}).get("fields", []):
        cat = fld.get("category")
        if not cat:
            continue
        cands = labels.get((fld.get("key"), fld.get("value")), [])
        hit = next((l for l in cands if id(l) not in used and l["category"] == cat), None)
        if hit is not None:
            used.add(id(hit))
            tp.append((fld, hit))
            if "hashed" in fld and hit["hashed"]:
                hashed_seen += 1
                hashed_ok += fld["hashed"] == hit["hashed"]
        else:
            why = ("wrong category, label " + "/".join(sorted({l["category"] for l in cands}))
                   if any(l["category"] != "none" for l in cands)
                   else "label none" if cands else "no label (key/value not in the corpus)")
            fp.append((fld, why))
    fn = [l for l in req["leaves"] if l["category"] != "none" and id(l) not in used]
    return tp, fp, fn, hashed_ok, hashed_seen


def ratio(a, b):
    return a / b if b else 0.0


def score(files, report):
    ordered = corpus.ordered_requests(files)
    txs = match_transmissions(ordered, report)
    per_sdk = collections.OrderedDict()
    for f in sorted(files, key=lambda f: (f["split"] != "tune", f["sdk"])):
        per_sdk[f["sdk"]] = {"split": f["split"], "requests": len(f["requests"]), "positives": 0,
                             "decoys": 0, "tp": 0, "fp": 0, "fn": 0, "fp_list": [], "fn_list": [],
                             "unmatched_requests": 0, "hashed_ok": 0, "hashed_seen": 0}
    for (f, r, _), tx in zip(ordered, txs):
        s = per_sdk[f["sdk"]]
        s["positives"] += sum(1 for l in r["leaves"] if l["category"] != "none")
        s["decoys"] += sum(1 for l in r["leaves"] if l["category"] == "none")
        if tx is None:
            s["unmatched_requests"] += 1
        tp, fp, fn, hok, hseen = score_request(r, tx)
        s["tp"] += len(tp)
        s["fp"] += len(fp)
        s["fn"] += len(fn)
        s["hashed_ok"] += hok
        s["hashed_seen"] += hseen
        where = f"{r['method']} {r['host']}{r['uri'][:60]}"
        s["fp_list"] += [(where, fld.get("path"), fld.get("value", "")[:48], fld.get("category"), why)
                         for fld, why in fp]
        s["fn_list"] += [(where, l["path"], l["value"][:48], l["category"]) for l in fn]
    totals = {}
    for split in corpus.SPLITS:
        rows = [s for s in per_sdk.values() if s["split"] == split]
        t = {k: sum(s[k] for s in rows) for k in ("tp", "fp", "fn", "positives", "decoys", "requests",
                                                  "hashed_ok", "hashed_seen", "unmatched_requests")}
        t["sdks"] = len(rows)
        t["precision"] = ratio(t["tp"], t["tp"] + t["fp"])
        t["recall"] = ratio(t["tp"], t["tp"] + t["fn"])
        totals[split] = t
    return per_sdk, totals


def hashed_text(t):
    return "n/a (the report has no hashed flag)" if t["hashed_seen"] == 0 else \
        "%d/%d" % (t["hashed_ok"], t["hashed_seen"])


def print_full(per_sdk, totals):
    for split in corpus.SPLITS:
        t = totals[split]
        print(f"{split}: precision {t['precision']:.3f} recall {t['recall']:.3f} "
              f"(TP {t['tp']}, FP {t['fp']}, FN {t['fn']}; {t['sdks']} SDKs, {t['requests']} requests, "
              f"{t['positives']} labelled positives, {t['decoys']} decoys); hashed: {hashed_text(t)}")
        if t["unmatched_requests"]:
            print(f"  {t['unmatched_requests']} requests had no transmission in the report")
    print()
    print("| SDK | split | requests | labelled positives | decoys | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for name, s in per_sdk.items():
        p = ratio(s["tp"], s["tp"] + s["fp"])
        r = ratio(s["tp"], s["tp"] + s["fn"])
        print(f"| {name} | {s['split']} | {s['requests']} | {s['positives']} | {s['decoys']} | "
              f"{p:.2f} | {r:.2f} |")
    print()
    print("## tune: false positives (report path, value, category given, why)")
    for name, s in per_sdk.items():
        if s["split"] == "tune":
            for where, path, value, cat, why in s["fp_list"]:
                print(f"FP {name}: {path} = {value!r} -> {cat} ({why}) [{where}]")
    print()
    print("## tune: recall misses (corpus path, value, labelled category)")
    for name, s in per_sdk.items():
        if s["split"] == "tune":
            for where, path, value, cat in s["fn_list"]:
                print(f"MISS {name}: {path} = {value!r} labelled {cat} [{where}]")
    print()
    h = totals["holdout"]
    print(f"## holdout: {h['fp']} false positives and {h['fn']} misses (not listed: do not tune on holdout)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--privaudit", default=DEFAULT_BIN)
    ap.add_argument("--summary", action="store_true", help="print only the tune and holdout figures")
    ap.add_argument("--json", help="write the per-SDK counts and totals as JSON to this file")
    args = ap.parse_args()
    try:
        files = corpus.load_all()
    except corpus.CorpusError as e:
        print(f"score.py: malformed corpus: {e}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "sdk-corpus.pcap")
        build.build(files, pcap)
        try:
            report = run_privaudit(args.privaudit, pcap, os.path.join(d, "report.json"))
        except (OSError, RuntimeError, ValueError) as e:
            print(f"score.py: {e}", file=sys.stderr)
            return 2
    per_sdk, totals = score(files, report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"totals": totals, "per_sdk": {k: {kk: vv for kk, vv in v.items() if not kk.endswith("_list")}
                                                     for k, v in per_sdk.items()}}, f, indent=1)
    if args.summary:
        for split in corpus.SPLITS:
            t = totals[split]
            print(f"sdk-corpus {split}: precision {t['precision']:.3f} recall {t['recall']:.3f} "
                  f"(TP {t['tp']} FP {t['fp']} FN {t['fn']})")
    else:
        print_full(per_sdk, totals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
