"""End-to-end: the SDK traffic corpus (tests/data/sdk/). The corpus is well
formed (>= 30 SDKs, every leaf labelled with a valid category or none, check
digits valid, the tune/holdout split recorded and mixed), a malformed copy is
refused, the capture it builds is deterministic and every request in it is
decoded, and the classification figures on tune and holdout are printed.
No precision/recall threshold yet: the rules are not tuned on this corpus."""
import collections
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import PRIVAUDIT, TOP_SRCDIR, Tap, eq  # noqa: E402

SDK_DIR = os.path.join(TOP_SRCDIR, "tests", "data", "sdk")
sys.path.insert(0, SDK_DIR)
import build  # noqa: E402
import corpus  # noqa: E402
import score  # noqa: E402

t = Tap()
files = []

with t.case("every SDK file loads: each leaf labelled, categories valid, check digits valid"):
    files = corpus.load_all(SDK_DIR)
    cats = corpus.load_categories()
    for f in files:
        assert f["requests"], f["sdk"]
        for r in f["requests"]:
            assert r["leaves"], f"{f['sdk']} {r['name']}: no leaf"
            for l in r["leaves"]:
                assert l["category"] == "none" or l["category"] in cats, l

with t.case("at least 30 SDKs, each with sources and a split"):
    assert len(files) >= 30, len(files)
    for f in files:
        assert f["split"] in ("tune", "holdout") and f["sources"], f["sdk"]

with t.case("the split is by SDK, about 60/40, and both parts mix regions and kinds"):
    by = collections.defaultdict(list)
    for f in files:
        by[f["split"]].append(f)
    share = len(by["tune"]) / len(files)
    assert 0.5 <= share <= 0.7, share
    for split in ("tune", "holdout"):
        eq({f["region"] for f in by[split]}, {"cn", "global"}, f"{split} regions")
        kinds = {f["kind"] for f in by[split]}
        assert {"analytics", "ads", "push", "attribution", "crash"} <= kinds, (split, kinds)

with t.case("the README records the same split"):
    text = open(os.path.join(SDK_DIR, "README.md"), encoding="utf-8").read()
    for f in files:
        assert f"| {f['sdk']} |" in text and f"| {f['split']} |" in text, f["sdk"]
        row = next(l for l in text.splitlines() if l.startswith(f"| {f['sdk']} |"))
        assert f"| {f['split']} |" in row, row

with t.case("hashed labels sit on hex digests of the right length and realistic envelopes are present"):
    hashed = [l for f in files for r in f["requests"] for l in r["leaves"] if l["hashed"]]
    assert {l["hashed"] for l in hashed} >= {"md5", "sha256"}, {l["hashed"] for l in hashed}
    text = "".join(open(p, encoding="utf-8").read() for p in glob.glob(os.path.join(SDK_DIR, "*.yaml")))
    for needle in ("[json, gzip, base64]", "[json, base64]", "content_encoding: gzip", "jsonl:", "extinfo[5]"):
        assert needle in text, needle

broken = [
    ("an unlabelled leaf", "segment.yaml", "  userId: account.username\n", "", "unlabelled leaf"),
    ("an unknown category", "segment.yaml", "  email: contact.email\n", "  email: contact.e_mail\n",
     "unknown category 'contact.e_mail'"),
    ("an IMEI with a wrong check digit", "tencent-bugly.yaml", 'imei: "866465816998395"', 'imei: "866465816998396"',
     "is not 15 Luhn-valid digits"),
    ("a missing split", "mixpanel.yaml", "split: tune\n", "", "missing split"),
]
for name, fname, old, new, message in broken:
    with t.case(f"a corpus with {name} is refused"):
        with tempfile.TemporaryDirectory() as d:
            for p in glob.glob(os.path.join(SDK_DIR, "*.yaml")):
                shutil.copy(p, d)
            p = os.path.join(d, fname)
            text = open(p, encoding="utf-8").read()
            assert old in text, (fname, old)
            open(p, "w", encoding="utf-8").write(text.replace(old, new, 1))
            try:
                corpus.load_all(d)
            except corpus.CorpusError as e:
                assert message in str(e), str(e)
            else:
                raise AssertionError("not refused")

report = None
with tempfile.TemporaryDirectory() as d:
    pcap = os.path.join(d, "a.pcap")
    with t.case("the capture is deterministic and carries one request per corpus request"):
        n = build.build(files, pcap)
        build.build(files, os.path.join(d, "b.pcap"))
        eq(open(pcap, "rb").read(), open(os.path.join(d, "b.pcap"), "rb").read(), "two builds")
        eq(n, sum(len(f["requests"]) for f in files), "requests written")
        if shutil.which("tshark"):
            out = subprocess.run(["tshark", "-r", pcap, "-Y", "http.request", "-T", "fields",
                                  "-e", "http.host"], capture_output=True, text=True, check=True).stdout
            eq(len(out.split()), n, "tshark's HTTP requests")

    with t.case("privaudit decodes every corpus request (each has its transmission)"):
        report = score.run_privaudit(PRIVAUDIT, pcap, os.path.join(d, "report.json"))
        txs = score.match_transmissions(corpus.ordered_requests(files), report)
        missing = [r["name"] for (f, r, _), tx in zip(corpus.ordered_requests(files), txs) if tx is None]
        eq(missing, [], "requests without a transmission")

with t.case("figures on tune and holdout (reported, no threshold yet)"):
    assert report is not None, "no report"
    per_sdk, totals = score.score(files, report)
    for split in ("tune", "holdout"):
        x = totals[split]
        print(f"# sdk-corpus {split}: precision {x['precision']:.3f} recall {x['recall']:.3f} "
              f"(TP {x['tp']} FP {x['fp']} FN {x['fn']}; {x['positives']} positives, {x['decoys']} decoys)")
        assert x["positives"] > 0 and x["decoys"] > 0, x

t.done()
