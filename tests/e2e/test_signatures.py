"""End-to-end: the signature set (signatures/) and its tooling: the shipped
set is valid, broken sets are refused with file:line errors, the labelled
corpus (tests/data/classification-corpus.tsv) is classified with precision
and recall of at least 0.97, hosts map to organizations, and the report
carries the set's hash and each field's classification."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, PRIVAUDIT, TOP_SRCDIR, Tap, eq, report, run  # noqa: E402

t = Tap()
SIGS = os.path.join(TOP_SRCDIR, "signatures")


def broken_copy(d, relpath, old, new):
    """A copy of the signature set in d with one text replacement in one file."""
    dst = os.path.join(d, "sigs")
    shutil.copytree(SIGS, dst)
    p = os.path.join(dst, relpath)
    text = open(p, encoding="utf-8").read()
    assert old in text, f"{old!r} not in {relpath}"
    open(p, "w", encoding="utf-8").write(text.replace(old, new, 1))
    return dst


with t.case("signatures check: the shipped set is valid and large enough"):
    rc, out, err = run("signatures", "check", SIGS, check_rc=0)
    text = out.decode()
    cats = int(text.split(": ")[1].split(" categories")[0])
    orgs = int(text.split("rules, ")[1].split(" organization")[0])
    assert cats >= 44, text
    assert orgs >= 150, f"only {orgs} organization domains"

broken = [
    ("unknown category", "fields/20-contact.yaml", "category: contact.email\n", "category: contact.e_mail\n",
     "fields/20-contact.yaml:", "unknown category 'contact.e_mail'"),
    ("bad regex", "fields/20-contact.yaml", "value: '^[+0-9]", "value: '^(+0-9]",
     "fields/20-contact.yaml:", "bad regular expression in rule 'contact.phone.key'"),
    ("duplicate rule id", "fields/20-contact.yaml", "id: contact.email.value", "id: contact.email.key",
     "fields/20-contact.yaml:", "duplicate rule id 'contact.email.key'"),
    ("YAML syntax", "fields/20-contact.yaml", "rules:\n", "rules: [\n", "fields/20-contact.yaml:", "YAML"),
    ("unknown validator", "fields/20-contact.yaml", "validator: cn_mobile", "validator: cn_mobil",
     "fields/20-contact.yaml:", "unknown validator 'cn_mobil'"),
    ("bad sensitive flag", "categories.yaml", "sensitive: true", "sensitive: yes-ish",
     "categories.yaml:", "sensitive must be true or false"),
]
for name, rel, old, new, where, message in broken:
    with t.case(f"signatures check refuses a set with a {name}, naming file and line"):
        with tempfile.TemporaryDirectory() as d:
            dst = broken_copy(d, rel, old, new)
            rc, out, err = run("signatures", "check", dst, check_rc=2)
            lines = [l for l in err.splitlines() if where in l]
            assert lines and message in lines[0], err
            line_no = lines[0].split(where)[1].split(":")[0]
            assert line_no.isdigit() and int(line_no) > 0, lines[0]
            # replay refuses the same set, before reading any capture
            rc, out, err2 = run("replay", "--signatures", dst, "--format", "json",
                                os.path.join(CAPTURES, "test", "eth-basic.pcap"), check_rc=2)
            assert message in err2 and out == b"", err2

with t.case("signatures explain: the rule that matched and why the others did not"):
    rc, out, _ = run("signatures", "explain", "--key", "userPhone", "13812345678", check_rc=0)
    text = out.decode()
    assert "key 'userPhone' normalises to 'userphone', or 'phone' without its prefix" in text, text
    # a valid mobile number says what it is, whatever its key
    assert "YES contact.phone.value" in text and "=> contact.phone" in text, text
    rc, out, _ = run("signatures", "explain", "--key", "order_id", "202403120800123", check_rc=0)
    text = out.decode()
    assert "the key names something that is not a person ('order')" in text, text
    assert "YES none.request_ids" in text and "=> not classified" in text, text
    rc, out, _ = run("signatures", "explain", "bugly.qq.com", check_rc=0)
    assert "Tencent" in out.decode(), out

with t.case("organizations: longest suffix wins; affiliates share a parent group"):
    rows = "\n".join(["x"]) + "\n"
    got = {}
    for host in ["bugly.qq.com", "android.bugly.qq.com", "gdt.qq.com", "log.umeng.com", "unknown.example"]:
        rc, out, _ = run("signatures", "explain", host, check_rc=0)
        line = [l for l in out.decode().splitlines() if l.startswith("host ")]
        got[host] = line[0] if line else None
    assert got["unknown.example"] is None, got
    assert "parent group Tencent" in got["bugly.qq.com"] and "crash" in got["bugly.qq.com"], got
    eq(got["android.bugly.qq.com"].split(": ", 1)[1], got["bugly.qq.com"].split(": ", 1)[1], "suffix")
    assert "parent group Tencent" in got["gdt.qq.com"] and "advertising" in got["gdt.qq.com"], got
    assert "parent group Alibaba" in got["log.umeng.com"], got

corpus_path = os.path.join(TOP_SRCDIR, "tests", "data", "classification-corpus.tsv")
with t.case("labelled corpus: precision and recall at least 0.97"):
    rows = list(csv.DictReader(open(corpus_path, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) >= 300, len(rows)
    stdin = "".join(f"{r['path']}\t{r['key']}\t{r['value']}\n" for r in rows).encode()
    p = subprocess.run([PRIVAUDIT, "signatures", "classify"], input=stdin, capture_output=True, check=True)
    got = [line.split("\t")[0] for line in p.stdout.decode().splitlines()]
    eq(len(got), len(rows), "answers")
    tp = sum(1 for r, g in zip(rows, got) if g != "none" and g == r["expected"])
    fp = sum(1 for r, g in zip(rows, got) if g != "none" and g != r["expected"])
    fn = sum(1 for r, g in zip(rows, got) if r["expected"] != "none" and g != r["expected"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"# corpus: {len(rows)} rows, precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
    wrong = [f"{r['path']} {r['key']}={r['value']!r}: got {g}, wanted {r['expected']}"
             for r, g in zip(rows, got) if g != r["expected"]]
    for w in wrong:
        print(f"# miss: {w}")
    assert precision >= 0.97 and recall >= 0.97, f"precision {precision:.3f}, recall {recall:.3f}"

with t.case("report: signatures hash, field classification, flow organization"):
    rep = report("--reveal-values", os.path.join(CAPTURES, "demo", "old-user"), check_rc=None)
    rc, out, _ = run("signatures", "check", SIGS, check_rc=0)
    sha = out.decode().strip().split("sha256 ")[1]
    eq(rep["tool"]["signatures_sha256"], sha, "tool.signatures_sha256")
    profile = next(tx for tx in rep["transmissions"] if tx["path"] == "/v1/onboarding/profile")
    cats = {f["path"]: (f["category"], f["sensitive"]) for f in profile["fields"]}
    eq(cats["body.name"], ("identity.name", False), "name")
    eq(cats["body.occupation"], ("profile.occupation", False), "occupation")
    eq(cats["body.learning_purpose"], ("profile.learning_goal", False), "learning purpose")
    eq(cats["body.english_level"], ("profile.language_level", False), "English level")
    eq(cats["body.phone"], ("contact.phone", False), "phone")
    pixel = next(tx for tx in rep["transmissions"] if tx["path"] == "/pixel")
    eq({f["path"]: f["sensitive"] for f in pixel["fields"]}["query.lat"], True, "precise location is sensitive")
    umeng = next(f for f in rep["flows"] if f["host"] == "log.umeng.com")
    eq((umeng["organization"]["name"], umeng["organization"]["parent"]), ("Umeng", "Alibaba"), "organization")

with t.case("the hash covers rules, not comments or layout"):
    with tempfile.TemporaryDirectory() as d:
        same = broken_copy(d, "fields/20-contact.yaml", "rules:\n", "# a comment\nrules:\n\n")
        a = run("signatures", "check", SIGS)[1].decode().split("sha256 ")[1]
        b = run("signatures", "check", same)[1].decode().split("sha256 ")[1]
        eq(a, b, "comment-only change")
    with tempfile.TemporaryDirectory() as d:
        other = broken_copy(d, "fields/20-contact.yaml", "confidence: 0.99", "confidence: 0.98")
        c = run("signatures", "check", other)[1].decode().split("sha256 ")[1]
        assert c != a, "a rule change must change the hash"

t.done()
