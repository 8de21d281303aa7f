"""The SDK traffic corpus: loading, checking, encoding and labelling.

Each tests/data/sdk/<sdk>.yaml describes the requests one SDK sends, field
for field, and labels every leaf by its meaning (README.md). This module
turns a file into wire bytes (one HTTP/1.1 request each) and into the list
of labelled leaves, and refuses a file with an unlabelled leaf, an unknown
category, a bad check digit under a checked category, or a missing field.

Stdlib + PyYAML only; deterministic (gzip without a timestamp).
"""

import base64
import glob
import gzip
import hashlib
import json
import os
import re
import urllib.parse
import zlib

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CATEGORIES_YAML = os.path.join(TOP, "signatures", "categories.yaml")

# Capture time of the corpus: 2024-05-01T02:00:00Z. Timestamps in payloads
# are written close after it.
T0 = 1714528800

SPLITS = ("tune", "holdout")
REGIONS = ("cn", "global")
KINDS = ("analytics", "ads", "push", "attribution", "crash", "app")
HASHES = {"md5": 32, "sha1": 40, "sha256": 64}
ENC_STEPS = ("json", "form", "gzip", "deflate", "base64", "base64url", "urlencode")

# Headers privaudit treats as plumbing (docs/architecture.md, transmission.c):
# they are not fields, so they carry no label. Cookie is split into pairs.
PLUMBING = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
            "upgrade", "expect", "accept", "accept-encoding", "cache-control", "pragma",
            "if-modified-since", "if-none-match", "if-match", "if-unmodified-since", "if-range",
            "range", "content-encoding", "proxy-connection", "upgrade-insecure-requests",
            "content-type", "cookie"}

FILE_KEYS = {"sdk", "name", "vendor", "region", "kind", "split", "exactness", "sources", "notes",
             "labels", "requests"}
REQ_KEYS = {"name", "source", "method", "host", "path", "query", "headers", "body", "labels",
            "response", "note"}
LABEL_KEYS = {"category", "hashed", "credential", "note"}


class CorpusError(Exception):
    pass


def load_categories():
    with open(CATEGORIES_YAML, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return {c["id"] for c in doc["categories"]}


# ---------------------------------------------------------------------------
# check digits, for values under checked categories

def luhn_ok(s):
    if not s.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def ric_ok(s):
    """PRC resident id: 17 digits + ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(a) * b for a, b in zip(s[:17], w)) % 11] == s[17]


def check_value(cat, value, hashed, where):
    """Values under checked categories must be valid (hashes are checked by length)."""
    if hashed:
        if not re.fullmatch(r"[0-9a-fA-F]{%d}" % HASHES[hashed], value):
            raise CorpusError(f"{where}: {hashed} label on {value!r}, which is no {hashed} hex digest")
        return
    if cat == "device.imei" and not (len(value) == 15 and luhn_ok(value)):
        raise CorpusError(f"{where}: IMEI {value!r} is not 15 Luhn-valid digits")
    if cat == "device.iccid" and not (len(value) in (19, 20) and luhn_ok(value)):
        raise CorpusError(f"{where}: ICCID {value!r} is not Luhn-valid")
    if cat == "finance.bank_card":
        digits = value.replace(" ", "")
        if not (16 <= len(digits) <= 19 and luhn_ok(digits)):
            raise CorpusError(f"{where}: card {value!r} is not Luhn-valid")
    if cat == "identity.national_id" and re.fullmatch(r"\d{17}[\dX]", value) and not ric_ok(value):
        raise CorpusError(f"{where}: resident id {value!r} has a wrong check character")
    if cat == "contact.phone":
        digits = re.sub(r"[ +\-]", "", value)
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if len(digits) == 11 and digits.startswith("1") and not re.fullmatch(r"1[3-9]\d{9}", digits):
            raise CorpusError(f"{where}: {value!r} is no valid mainland mobile number")


# ---------------------------------------------------------------------------
# values and nested encodings

def is_enc(node):
    return isinstance(node, dict) and "$enc" in node


def is_hash(node):
    return isinstance(node, dict) and "$hash" in node


def scalar_text(v):
    """The text of a scalar as it appears on the wire (JSON spelling)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return json.dumps(v)
    raise CorpusError(f"not a scalar: {v!r}")


def hash_value(node):
    algo = node["$hash"]
    if algo not in HASHES:
        raise CorpusError(f"unknown $hash {algo!r}")
    return hashlib.new(algo, str(node["$of"]).encode("utf-8")).hexdigest()


def materialise(node):
    """The plain value (dicts, lists, scalars) with every $enc/$hash node
    replaced by the string it encodes to."""
    if is_hash(node):
        return hash_value(node)
    if is_enc(node):
        return encode_steps(node["$enc"], node["$v"])
    if isinstance(node, dict):
        return {str(k): materialise(v) for k, v in node.items()}
    if isinstance(node, list):
        return [materialise(v) for v in node]
    return node


def form_text(mapping):
    if not isinstance(mapping, dict):
        raise CorpusError("a form must be a mapping")
    return "&".join(urllib.parse.quote(str(k), safe="") + "=" +
                    urllib.parse.quote(scalar_text(materialise(v)), safe="")
                    for k, v in mapping.items())


def json_text(value):
    return json.dumps(materialise(value), ensure_ascii=False, separators=(",", ":"))


def encode_steps(steps, value):
    if not steps or steps[0] not in ("json", "form"):
        raise CorpusError(f"an $enc chain starts with json or form: {steps!r}")
    cur = None
    for step in steps:
        if step not in ENC_STEPS:
            raise CorpusError(f"unknown encoding step {step!r}")
        if step == "json":
            cur = json_text(value)
        elif step == "form":
            cur = form_text(value)
        elif step == "gzip":
            cur = gzip.compress(as_bytes(cur), mtime=0)
        elif step == "deflate":
            cur = zlib.compress(as_bytes(cur))
        elif step == "base64":
            cur = base64.b64encode(as_bytes(cur)).decode("ascii")
        elif step == "base64url":
            cur = base64.urlsafe_b64encode(as_bytes(cur)).decode("ascii").rstrip("=")
        elif step == "urlencode":
            cur = urllib.parse.quote(as_text(cur), safe="")
    if isinstance(cur, bytes):
        raise CorpusError(f"an $enc chain must end in text: {steps!r}")
    return cur


def as_bytes(x):
    return x.encode("utf-8") if isinstance(x, str) else x


def as_text(x):
    return x.decode("utf-8") if isinstance(x, bytes) else x


# ---------------------------------------------------------------------------
# leaves

def walk(node, comps, out, key):
    """Append (components, key, node-of-leaf) for every leaf, after all
    decoding: an $enc node is walked through, a $hash node is a leaf."""
    if is_enc(node):
        walk(node["$v"], comps, out, key)
    elif is_hash(node):
        out.append((comps, key, node))
    elif isinstance(node, dict):
        for k, v in node.items():
            walk(v, comps + [str(k)], out, str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            c = list(comps)
            c[-1] = c[-1] + "[%d]" % i
            walk(v, c, out, key)
    else:
        out.append((comps, key, node))


def header_list(req):
    h = req.get("headers") or {}
    if not isinstance(h, dict):
        raise CorpusError("headers must be a mapping")
    return [(str(k), v) for k, v in h.items()]


def request_leaves(req):
    """[(components, key, leaf node)] of a request: query, headers (not
    plumbing; cookies split), body."""
    out = []
    for k, v in (req.get("query") or {}).items():
        walk(v, ["query", str(k)], out, str(k))
    for name, v in header_list(req):
        low = name.lower()
        if low == "cookie":
            for pair in str(v).split(";"):
                n, _, val = pair.strip().partition("=")
                out.append((["cookie", n], n, val))
        elif low not in PLUMBING:
            walk(v, ["header", low], out, low)
    body = req.get("body")
    if body is not None:
        kind = body_kind(body)
        if kind in ("json", "form"):
            walk(body[kind], ["body"], out, "body")
        elif kind == "jsonl":
            for i, rec in enumerate(body["jsonl"]):
                walk(rec, ["body[%d]" % i], out, "body")
    return out


def body_kind(body):
    kinds = [k for k in ("json", "form", "jsonl", "raw") if k in body]
    if len(kinds) != 1 or set(body) - {"json", "form", "jsonl", "raw", "content_encoding"}:
        raise CorpusError(f"a body has exactly one of json/form/jsonl/raw: {sorted(body)}")
    return kinds[0]


# ---------------------------------------------------------------------------
# label selectors

def parse_comp(c):
    m = re.fullmatch(r"(.*?)((?:\[\d+\])*)", c)
    return m.group(1), m.group(2)


def comp_match(sel, leaf):
    sn, si = parse_comp(sel)
    ln, li = parse_comp(leaf)
    if sn != ln:
        return False
    # [i] names the innermost index: logs[3] matches logs[0][3] (position 3 of each log)
    return si == "" or li.endswith(si)


def selector_score(sel, comps, key):
    """How specifically the selector names this leaf (0: not at all).
    A selector is the leaf's key, or a dotted suffix of its path where a
    component without [i] matches any index."""
    if sel == key:
        return 1
    parts = sel.split(".")
    if len(parts) > len(comps):
        return 0
    for s, l in zip(reversed(parts), reversed(comps)):
        if not comp_match(s, l):
            return 0
    return len(parts) * 2 + ("[" in sel)


def norm_label(v, where, cats):
    if isinstance(v, str):
        v = {"category": v}
    if not isinstance(v, dict) or "category" not in v or set(v) - LABEL_KEYS:
        raise CorpusError(f"{where}: a label is a category id or {{category, hashed, credential, note}}")
    if v["category"] != "none" and v["category"] not in cats:
        raise CorpusError(f"{where}: unknown category {v['category']!r}")
    if v.get("hashed") is not None and v["hashed"] not in HASHES:
        raise CorpusError(f"{where}: hashed must be one of {sorted(HASHES)}")
    if v.get("hashed") and v["category"] == "none":
        raise CorpusError(f"{where}: a hashed label names the category of what was hashed")
    if v.get("credential") and v["category"] != "account.token":
        raise CorpusError(f"{where}: credential: true goes with account.token")
    return {"category": v["category"], "hashed": v.get("hashed"),
            "credential": bool(v.get("credential")), "note": v.get("note", "")}


def label_table(mapping, where, cats):
    table = []
    for sel, v in (mapping or {}).items():
        if sel == "none":
            if not isinstance(v, list):
                raise CorpusError(f"{where}: 'none' takes a list of selectors")
            for s in v:
                table.append((str(s), norm_label("none", where, cats)))
        else:
            table.append((str(sel), norm_label(v, f"{where} {sel}", cats)))
    return table


def resolve(tables, comps, key):
    """The label of a leaf: the most specific selector of the first table
    (request, then file) that names it."""
    for table in tables:
        best, score = None, 0
        for sel, lab in table:
            s = selector_score(sel, comps, key)
            if s > score:
                best, score = lab, s
        if best is not None:
            return best
    return None


# ---------------------------------------------------------------------------
# files

def uri_of(req):
    path = req["path"]
    q = req.get("query")
    if q:
        path += "?" + form_text(q)
    return path


def body_bytes(req):
    body = req.get("body")
    if body is None:
        return b""
    kind = body_kind(body)
    if kind == "json":
        data = json_text(body["json"]).encode("utf-8")
    elif kind == "form":
        data = form_text(body["form"]).encode("utf-8")
    elif kind == "jsonl":
        data = "".join(json_text(r) + "\n" for r in body["jsonl"]).encode("utf-8")
    else:
        data = body["raw"].encode("utf-8")
    ce = body.get("content_encoding")
    hdr = {k.lower(): str(v) for k, v in header_list(req)}
    if (ce or None) != (hdr.get("content-encoding") or None):
        raise CorpusError("body.content_encoding and the Content-Encoding header disagree")
    if ce == "gzip":
        data = gzip.compress(data, mtime=0)
    elif ce == "deflate":
        data = zlib.compress(data)
    elif ce:
        raise CorpusError(f"unsupported content_encoding {ce!r}")
    return data


def header_text(v):
    if is_enc(v) or is_hash(v):
        return materialise(v)
    return scalar_text(v)


def load_file(path, cats):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    name = os.path.basename(path)
    if not isinstance(doc, dict):
        raise CorpusError(f"{name}: not a mapping")
    extra = set(doc) - FILE_KEYS
    if extra:
        raise CorpusError(f"{name}: unknown keys {sorted(extra)}")
    for k in ("sdk", "name", "vendor", "region", "kind", "split", "exactness", "sources", "requests"):
        if not doc.get(k):
            raise CorpusError(f"{name}: missing {k}")
    if doc["sdk"] + ".yaml" != name:
        raise CorpusError(f"{name}: sdk id {doc['sdk']!r} differs from the file name")
    if doc["split"] not in SPLITS:
        raise CorpusError(f"{name}: split must be one of {SPLITS}")
    if doc["region"] not in REGIONS:
        raise CorpusError(f"{name}: region must be one of {REGIONS}")
    if doc["kind"] not in KINDS:
        raise CorpusError(f"{name}: kind must be one of {KINDS}")
    if doc["exactness"] not in ("documented", "reconstructed", "mixed"):
        raise CorpusError(f"{name}: exactness is documented, reconstructed or mixed")
    file_table = label_table(doc.get("labels"), name, cats)
    reqs = []
    for i, req in enumerate(doc["requests"]):
        where = f"{name} request {i + 1}"
        extra = set(req) - REQ_KEYS
        if extra:
            raise CorpusError(f"{where}: unknown keys {sorted(extra)}")
        for k in ("name", "source", "method", "host", "path"):
            if not req.get(k):
                raise CorpusError(f"{where}: missing {k}")
        if not req["path"].startswith("/") or "?" in req["path"]:
            raise CorpusError(f"{where}: path starts with / and has no query (use query:)")
        tables = [label_table(req.get("labels"), where, cats), file_table]
        leaves = []
        for comps, key, node in request_leaves(req):
            lwhere = f"{where} {'.'.join(comps)}"
            lab = resolve(tables, comps, key)
            if lab is None:
                raise CorpusError(f"{lwhere}: unlabelled leaf")
            value = hash_value(node) if is_hash(node) else scalar_text(node)
            if is_hash(node) and lab["hashed"] != node["$hash"]:
                raise CorpusError(f"{lwhere}: a {node['$hash']} digest needs hashed: {node['$hash']}")
            if lab["hashed"] and not is_hash(node) and lab["category"] != "none":
                # a digest written out literally (input unknown): checked by length
                pass
            check_value(lab["category"], value, lab["hashed"], lwhere)
            leaves.append({"path": ".".join(comps), "key": key, "value": value, **lab})
        reqs.append({"index": i, "name": req["name"], "source": req["source"],
                     "method": req["method"], "host": req["host"], "uri": uri_of(req),
                     "headers": [(k, header_text(v)) for k, v in header_list(req)],
                     "body": body_bytes(req), "response": req.get("response"),
                     "leaves": leaves})
    return {"sdk": doc["sdk"], "name": doc["name"], "vendor": doc["vendor"],
            "region": doc["region"], "kind": doc["kind"], "split": doc["split"],
            "exactness": doc["exactness"], "sources": doc["sources"], "requests": reqs}


def load_all(directory=HERE):
    cats = load_categories()
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    return [load_file(p, cats) for p in files]


# ---------------------------------------------------------------------------
# capture order: each request is sent just after the latest time its payload
# mentions, so payload timestamps never lie in the request's future.

_ISO = re.compile(r"(2024-05-0[12])[T ](\d\d):(\d\d):(\d\d)")


def leaf_epochs(leaf_value, iso):
    """Epoch seconds a value spells: 10/13/16-digit numbers, or (iso=True)
    date-times written out, taken as UTC."""
    import calendar
    out = []
    v = leaf_value
    if re.fullmatch(r"\d{10}(\.\d+)?", v):
        out.append(float(v))
    elif re.fullmatch(r"\d{13}", v):
        out.append(int(v) / 1000.0)
    elif re.fullmatch(r"\d{16}", v):
        out.append(int(v) / 1e6)
    for m in (_ISO.finditer(v) if iso else ()):
        y, mo, d = (int(x) for x in m.group(1).split("-"))
        out.append(calendar.timegm((y, mo, d, int(m.group(2)), int(m.group(3)), int(m.group(4)))))
    return [t for t in out if T0 - 3600 <= t < T0 + 86400]


def request_epoch(req):
    # written-out date-times count only where no epoch number is given: SDKs
    # that send both (AppLog) write the local time out
    ts = [t for l in req["leaves"] for t in leaf_epochs(l["value"], False)]
    if not ts:
        ts = [t for l in req["leaves"] for t in leaf_epochs(l["value"], True)]
    return max([T0] + ts) + 1.0


def ordered_requests(files):
    """[(file, request, capture time in ns)] in capture order."""
    items = sorted(((request_epoch(r), f["sdk"], r["index"], f, r) for f in files for r in f["requests"]),
                   key=lambda x: x[:3])
    out, last = [], 0
    for t, _, _, f, r in items:
        ns = max(int(t * 10**9), last + 50 * 10**6)  # one connection takes a few ms
        out.append((f, r, ns))
        last = ns
    return out
