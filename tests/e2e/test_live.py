"""End-to-end: live capture (`privaudit capture`, src/live.c, src/pcapng_out.c)
on the loopback interface.

A small HTTP server runs in this process on 127.0.0.1; curl sends requests
carrying personal data to it, naming the recipient in the Host header
(tests/data/live.yaml: api.example.test is the first party, log.umeng.com a
recipient disclosed for the Android ID only, ads.tracker.test nobody).
Two requests go before a SIGUSR1 consent mark, two after it, one after a
SIGUSR2 withdrawal; SIGINT stops the capture.  Checked: the finding lines
printed as the requests are decoded (type, host, categories, frame, time),
the mark lines, the report, the session file's blocks (consent marks as
Interface Statistics Blocks, key log lines as Decryption Secrets Blocks),
the privilege drop, and that `privaudit replay` of the session file gives
the very same report, byte for byte, with no other file.  Rotation (-G, -C):
replay of the set gives the same report.  On a terminal: keys c and w, the
status line, Ctrl-C, and the terminal restored.  Errors: no such interface,
a bad filter, no privileges, an unknown user, an unwritable directory: one
line each, exit status 2.

Needs root (CI runs as root) and a loopback interface that can be captured;
otherwise the whole file is skipped with the reason."""
import atexit
import hashlib
import http.server
import json
import os
import pty
import pwd
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import PRIVAUDIT, TOP_SRCDIR, Tap, eq, run  # noqa: E402

PROFILE = os.path.join(TOP_SRCDIR, "tests", "data", "live.yaml")
CURL = shutil.which("curl")
SETPRIV = shutil.which("setpriv")
OPENSSL = shutil.which("openssl")
TSHARK = shutil.which("tshark")


def same_report(got, want, what):
    """Byte-equal reports, or the first line that differs, with both sides."""
    if got == want:
        return
    for i, (g, w) in enumerate(zip(got.splitlines(), want.splitlines())):
        if g != w:
            n = next(k for k in range(min(len(g), len(w)) + 1) if k == min(len(g), len(w)) or g[k] != w[k])
            raise AssertionError(f"{what}: line {i + 1} differs at column {n + 1}: "
                                 f"{g[max(0, n - 80):n + 120]!r} vs {w[max(0, n - 80):n + 120]!r}")
    raise AssertionError(f"{what}: one report is a prefix of the other ({len(got)} vs {len(want)} bytes)")


def skip_reason():
    if os.geteuid() != 0:
        return "live capture needs root (make check runs it as root in CI)"
    if not CURL:
        return "curl is not installed"
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return "there is no user nobody to drop privileges to"
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
    except (OSError, AttributeError) as e:
        return f"the loopback interface cannot be captured here ({e})"
    return None


reason = skip_reason()
if reason:
    print(f"1..0 # SKIP {reason}")
    sys.exit(0)

t = Tap()
NOBODY = pwd.getpwnam("nobody").pw_uid
NOBODY_GID = pwd.getpwnam("nobody").pw_gid
# the capture writes as nobody: its directory must be writable for nobody
tmp = tempfile.mkdtemp(prefix="privaudit-live-", dir="/tmp")
os.chmod(tmp, 0o777)
atexit.register(shutil.rmtree, tmp, True)


# ---- the server and the client ----

class Handler(http.server.BaseHTTPRequestHandler):
    def _reply(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            n -= len(self.rfile.read(min(n, 1 << 16)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _reply

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
PORT = server.server_address[1]
threading.Thread(target=server.serve_forever, daemon=True).start()
atexit.register(server.shutdown)
URL = f"http://127.0.0.1:{PORT}"


def curl(host, path, body=None, body_file=None):
    args = [CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Host: {host}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", body]
    if body_file is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", "@" + body_file]
    out = subprocess.run(args + [URL + path], capture_output=True, timeout=20).stdout
    assert out == b"200", f"curl {host}{path}: {out!r}"


# ---- a running capture ----

class Capture:
    """privaudit capture in the background; its stdout lines and stderr
    collected by threads."""

    def __init__(self, *args, port=PORT):
        self.p = subprocess.Popen([PRIVAUDIT, "capture", "-i", "lo", "-f", f"tcp port {port}", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = [], []
        for stream, sink in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
        self.wait_for(lambda: any("capturing on lo" in e for e in self.err), "the 'capturing on' line")

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink.append(line.decode("utf-8", "replace").rstrip("\n"))

    def wait_for(self, cond, what, timeout=15):
        end = time.time() + timeout
        while not cond():
            if self.p.poll() is not None and not cond():
                time.sleep(0.2)  # the pumps may still hold the last lines
                if cond():
                    return
                raise AssertionError(f"capture exited ({self.p.returncode}) before {what}:\n" + "\n".join(self.err))
            if time.time() > end:
                raise AssertionError(f"no {what} after {timeout} s; stdout:\n" + "\n".join(self.out) +
                                     "\nstderr:\n" + "\n".join(self.err))
            time.sleep(0.02)

    def lines(self, n):
        self.wait_for(lambda: len(self.out) >= n, f"{n} output lines")

    def stop(self, sig=signal.SIGINT):
        self.p.send_signal(sig)
        rc = self.p.wait(timeout=60)
        time.sleep(0.1)
        err = "\n".join(self.err)
        if "Sanitizer" in err or "runtime error:" in err:
            raise AssertionError(f"sanitizer report from privaudit capture:\n{err[-3000:]}")
        return rc


# ---- pcapng blocks, read independently of privaudit and libpcap ----

def blocks(path):
    raw = open(path, "rb").read()
    off, out = 0, []
    while off < len(raw):
        btype, blen = struct.unpack_from("<II", raw, off)
        assert blen >= 12 and blen % 4 == 0 and off + blen <= len(raw), f"block at {off}"
        assert struct.unpack_from("<I", raw, off + blen - 4)[0] == blen, f"trailing length at {off}"
        out.append((btype, raw[off + 8:off + blen - 4]))
        off += blen
    return out


def options(b):
    out, o = [], 0
    while o + 4 <= len(b):
        code, ln = struct.unpack_from("<HH", b, o)
        if code == 0:
            break
        out.append((code, b[o + 4:o + 4 + ln]))
        o += 4 + (ln + 3) // 4 * 4
    return out


def marks_in(path):
    """(kind, ts_ns) of every consent-mark ISB."""
    out = []
    for btype, body in blocks(path):
        if btype == 5:
            iface, hi, lo = struct.unpack_from("<III", body)
            for code, val in options(body[12:]):
                if code == 1 and val.startswith(b"privaudit:"):
                    out.append((val[10:].decode(), hi << 32 | lo))
    return out


def secrets_in(path):
    text = b""
    for btype, body in blocks(path):
        if btype == 10:
            stype, ln = struct.unpack_from("<II", body)
            eq(stype, 0x544C534B, "DSB secrets type (TLSK)")
            text += body[8:8 + ln]
    return text.decode()


# ---- expectations ----

def ms(ts):
    """A report timestamp (microseconds) as the live lines print it (milliseconds)."""
    return ts[:23] + "Z"


def ns_to_report(ns):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + ".%06dZ" % (ns % 10**9 // 1000)


# time, the finding type (or consent / withdrawal) padded to 21, the rest
LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)  (\S+) *  (\S.*)$")


def finding_lines(rep, late=False, files=False):
    """The lines privaudit prints for the report's findings: request findings
    as they are decoded (report order within a request), or (late=True) the
    connections before consent, printed when their flow is named."""
    tx = {x["id"]: x for x in rep["transmissions"]}
    names = [os.path.basename(i["path"]) for i in rep["inputs"]]
    out = []
    for f in rep["findings"]:
        if (f["type"] == "pre_consent_contact") != late:
            continue
        where = f"frame {f['frame']}" + (f" of {names[f['input']]}" if files else "")
        cats = ", ".join(f["categories"]) or "-"
        when = ms(tx[f["transmission"]]["ts"]) if not late else None
        out.append((when, f["type"], f"{f['host']}  {cats}  {where}"))
    return out


def parse(lines):
    out = []
    for line in lines:
        m = LINE.match(line)
        assert m, f"not a live line: {line!r}"
        out.append(m.groups())
    return out


def uri_frame(rep, uri):
    return [(x["input"], x["frame"]) for x in rep["transmissions"] if x["uri"] == uri]


REGISTER = '{"name":"Quokka Tester","phone":"13812345678"}'
PROFILE_BODY = '{"name":"Quokka Tester"}'
UMENG = "/log?device_id=8f3a2c1b9d7e6f50&imei=490154203237518"
PIXEL = "/px?lat=31.230416&lon=121.473701"
UMENG_AGAIN = "/log?device_id=8f3a2c1b9d7e6f50"
KEYS1 = "CLIENT_RANDOM " + "11" * 32 + " " + "22" * 48
KEYS2 = "CLIENT_RANDOM " + "33" * 32 + " " + "44" * 48

# ---------------------------------------------------------------------------
# the session: two requests, consent, two requests, withdrawal, one request

S = os.path.join(tmp, "session.pcapng")
LIVE = os.path.join(tmp, "live.json")
REPLAY = os.path.join(tmp, "replay.json")
KEYLOG = os.path.join(tmp, "keys.log")
with open(KEYLOG, "w") as f:  # an emulator's SSLKEYLOGFILE, already begun
    f.write("# SSL/TLS secrets log file\n" + KEYS1 + "\n")
os.chmod(KEYLOG, 0o600)  # root's: read before the drop, and kept open

cap = None
live_rc = None
with t.case("capture starts on lo, prints that it is capturing, and runs as nobody"):
    cap = Capture("--profile", PROFILE, "--keylog", KEYLOG, "-w", S, "-o", LIVE)
    assert any(f"capturing on lo (EN10MB) into {S}" in e for e in cap.err), cap.err
    eq(os.stat(S).st_uid, NOBODY, "session file owner (privileges dropped before it was created)")
    eq(os.stat(LIVE).st_uid, NOBODY, "report owner")

if cap:
    with t.case("requests before consent, a SIGUSR1 mark, requests after, a SIGUSR2 mark, SIGINT"):
        curl("api.example.test", "/v1/register", body=REGISTER)
        cap.lines(2)
        curl("log.umeng.com", UMENG)
        cap.lines(5)
        cap.p.send_signal(signal.SIGUSR1)
        cap.lines(6)
        with open(KEYLOG, "a") as f:  # the app logs another session's secrets meanwhile
            f.write(KEYS2 + "\n")
        curl("api.example.test", "/v1/profile", body=PROFILE_BODY)
        cap.lines(7)
        curl("ads.tracker.test", PIXEL)
        cap.lines(10)
        cap.p.send_signal(signal.SIGUSR2)
        cap.lines(11)
        curl("log.umeng.com", UMENG_AGAIN)
        cap.lines(13)
        live_rc = cap.stop()
        eq(live_rc, 1, "exit status (findings)")
        assert any(re.match(r"privaudit: stopped: \d+ packets in 1 session file, 0 dropped by the kernel", e)
                   for e in cap.err), cap.err

live = json.load(open(LIVE)) if live_rc == 1 else None

if live:
    F = {u: uri_frame(live, u) for u in ("/v1/register", UMENG, "/v1/profile", PIXEL, UMENG_AGAIN)}
    with t.case("the report: one transmission per request, with its phase from the marks"):
        eq([(x["uri"], x["host"], x["phase"]) for x in live["transmissions"]],
           [("/v1/register", "api.example.test", "before_consent"), (UMENG, "log.umeng.com", "before_consent"),
            ("/v1/profile", "api.example.test", "after_consent"), (PIXEL, "ads.tracker.test", "after_consent"),
            (UMENG_AGAIN, "log.umeng.com", "after_withdrawal")], "transmissions")
        for u, fr in F.items():
            eq(len(fr), 1, u)

    with t.case("the report: the findings, exactly"):
        contact = [f["first_frame"] for f in live["flows"] if f["host"] == "log.umeng.com"][0]
        want = [("pre_consent", F["/v1/register"], "api.example.test", ["identity.name", "contact.phone"]),
                ("cleartext_pi", F["/v1/register"], "api.example.test", ["identity.name", "contact.phone"]),
                ("pre_consent_contact", [(0, contact)], "log.umeng.com", []),
                ("pre_consent", F[UMENG], "log.umeng.com", ["device.imei", "device.android_id"]),
                ("undisclosed_category", F[UMENG], "log.umeng.com", ["device.imei"]),
                ("cleartext_pi", F[UMENG], "log.umeng.com", ["device.imei", "device.android_id"]),
                ("cleartext_pi", F["/v1/profile"], "api.example.test", ["identity.name"]),
                ("undisclosed_recipient", F[PIXEL], "ads.tracker.test", ["location.precise"]),
                ("sensitive_pi", F[PIXEL], "ads.tracker.test", ["location.precise"]),
                ("cleartext_pi", F[PIXEL], "ads.tracker.test", ["location.precise"]),
                ("cleartext_pi", F[UMENG_AGAIN], "log.umeng.com", ["device.android_id"]),
                ("after_withdrawal", F[UMENG_AGAIN], "log.umeng.com", ["device.android_id"])]
        got = [(f["type"], [(f["input"], f["frame"])], f["host"], sorted(f["categories"])) for f in live["findings"]]
        eq(got, [(a, b, c, sorted(d)) for a, b, c, d in want], "findings")

    with t.case("the live lines: each request's findings as it is decoded, the marks between, "
                "the connection before consent as soon as the flow is named"):
        ev = live["consent"]["events"]
        req = finding_lines(live)
        marks = [(ms(e["ts"]), e["kind"], f"({s})") for e, s in zip(ev, ("SIGUSR1", "SIGUSR2"))]
        want = req[:5] + marks[:1] + req[5:9] + marks[1:] + req[9:]
        # the contact is printed when its flow gets its name (here from its
        # first request's Host header, read before that request completes):
        # just before the first line of that request
        (_, ctype, crest), = finding_lines(live, late=True)
        chost, cframe = crest.split("  ")[0], int(crest.rsplit(" ", 1)[1])
        at = next(i for i, w in enumerate(want)
                  if w[2].startswith(chost + "  ") and int(w[2].rsplit(" ", 1)[1]) > cframe)
        want.insert(at, (None, ctype, crest))
        got = parse(cap.out)
        eq([g[1:] for g in got], [w[1:] for w in want], "lines (type, host, categories, frame)")
        eq([g[0] for i, g in enumerate(got) if i != at], [w[0] for i, w in enumerate(want) if i != at],
           "times (the request's, to the ms)")
        eq(len(cap.out), 14, "line count (14 as they happened)")
        for line in cap.out:  # the type column is 21 wide, so the columns line up
            assert line[24:26] == "  " and line[26 + 21:26 + 23] == "  ", repr(line)

    with t.case("consent events: the two marks, source capture, at the times in the session file's ISBs"):
        ev = live["consent"]["events"]
        eq([(e["kind"], e["input"], e["frame"], e["source"]) for e in ev],
           [("consent", None, None, "capture"), ("withdrawal", None, None, "capture")], "events")
        isb = marks_in(S)
        eq([k for k, _ in isb], ["consent", "withdrawal"], "ISB comments privaudit:consent, privaudit:withdrawal")
        eq([ns_to_report(ns) for _, ns in isb], [e["ts"] for e in ev], "ISB timestamps = event times")
        tx = live["transmissions"]
        assert tx[1]["ts"] < ev[0]["ts"] < tx[2]["ts"] and tx[3]["ts"] < ev[1]["ts"] < tx[4]["ts"], (ev, tx)

    with t.case("the session file: SHB, IDB (lo, nanoseconds, the filter), EPBs, key log lines in DSBs (also those "
                "appended during the session), a statistics ISB; its SHA-256 and frames in the report"):
        bl = blocks(S)
        eq(bl[0][0], 0x0A0D0D0A, "SHB first")
        eq(bl[1][0], 1, "IDB second")
        idb = dict(options(bl[1][1][8:]))
        eq((idb.get(2), idb.get(9)), (b"lo", b"\x09"), "if_name, if_tsresol")
        eq(idb.get(11), b"\x00tcp port " + str(PORT).encode(), "if_filter: libpcap's, the -f expression")
        eq(live["tool"]["options"]["filter"], None, "the filter chose the session's packets: replay needs none")
        eq(secrets_in(S), KEYS1 + "\n" + KEYS2 + "\n", "key log text in DSBs")
        eq(live["inputs"][0]["frames"], sum(1 for b, _ in bl if b == 6), "frames = EPBs")
        eq(live["inputs"][0]["sha256"], hashlib.sha256(open(S, "rb").read()).hexdigest(), "sha256")
        eq((live["inputs"][0]["format"], live["inputs"][0]["link_type"]), ("pcapng", "EN10MB"), "format")
        isbs = [body for b, body in bl if b == 5]
        eq(len(isbs), 3, "ISBs: two marks and the statistics")
        eq([c for c, _ in options(isbs[-1][12:])], [2, 3, 4, 5], "last ISB: starttime, endtime, ifrecv, ifdrop")
        tool = live["tool"]["options"]
        eq(tool.get("keylogs", []), [], "key log paths not recorded: the session carries the keys")

    with t.case("replay of the session file alone gives the same report, byte for byte"):
        rc, _, err = run("replay", "--profile", PROFILE, "-o", REPLAY, S)
        eq(rc, 1, f"replay exit status ({err})")
        rep = json.load(open(REPLAY))
        for key in ("findings", "transmissions", "consent", "inputs", "flows", "recipients", "coverage"):
            eq(rep[key], live[key], key)
        same_report(open(REPLAY, "rb").read(), open(LIVE, "rb").read(), "replay vs live")

    try:
        import jsonschema
    except ImportError:
        t.skip("the live report validates against docs/report.schema.json", "python3-jsonschema is not installed")
    else:
        with t.case("the live report validates against docs/report.schema.json"):
            schema = json.load(open(os.path.join(TOP_SRCDIR, "docs", "report.schema.json")))
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(live))
            assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    with t.case("verify reproduces the live report"):
        rc, out, err = run("verify", LIVE)
        eq(rc, 0, f"verify ({out.decode()} {err})")
        assert b"reproduced: 1 input" in out, out

# ---------------------------------------------------------------------------
# TLS: the client writes its key log during the session (as an emulator's
# SSLKEYLOGFILE or a Frida hook would)


def tls_server():
    """An HTTPS server with a throw-away certificate, or None without openssl."""
    if not OPENSSL:
        return None
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", "/CN=api.example.test", "-days", "2", "-keyout", key, "-out", cert],
                   capture_output=True, check=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    atexit.register(srv.shutdown)
    return srv.server_address[1]


TLS_PORT = tls_server()


def curl_tls(host, path, keylog, body=None):
    args = [CURL, "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--resolve", f"{host}:{TLS_PORT}:127.0.0.1"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", body]
    out = subprocess.run(args + [f"https://{host}:{TLS_PORT}{path}"], capture_output=True, timeout=20,
                         env={**os.environ, "SSLKEYLOGFILE": keylog}).stdout
    assert out == b"200", f"curl https://{host}{path}: {out!r}"


def same_as_replay(report, session):
    rc, out, err = run("replay", "--format", "json", "--profile", PROFILE, session)
    eq(rc, 1, err)
    same_report(out, open(report, "rb").read(), "the live report and the replay of the session")


if not TLS_PORT:
    t.skip("TLS: keys logged during the session decrypt live", "openssl is not installed")
    t.skip("TLS: keys that come too late for the live audit", "openssl is not installed")
else:
    with t.case("TLS: keys the client logs during the session decrypt live (the audit waits 1 s for them); "
                "they go into the session file, whose replay needs no --keylog"):
        d = os.path.join(tmp, "tls")
        os.mkdir(d)
        os.chmod(d, 0o777)
        keys = os.path.join(d, "keys.log")
        open(keys, "w").close()  # the emulator's SSLKEYLOGFILE: empty when the session starts
        sess, rep_path = os.path.join(d, "s.pcapng"), os.path.join(d, "r.json")
        c = Capture("--profile", PROFILE, "--keylog", keys, "-w", sess, "-o", rep_path, port=TLS_PORT)
        curl_tls("api.example.test", "/v1/register", keys, body=REGISTER)
        c.lines(1)
        c.p.send_signal(signal.SIGUSR1)
        c.lines(2)
        curl_tls("ads.tracker.test", PIXEL, keys)
        c.lines(4)
        eq(c.stop(), 1, "exit status")
        eq([g[1:] for g in parse(c.out)],
           [("pre_consent", "api.example.test  identity.name, contact.phone  frame " + re.search(r"\d+$", c.out[0])[0]),
            ("consent", "(SIGUSR1)"),
            ("undisclosed_recipient", "ads.tracker.test  location.precise  frame " + re.search(r"\d+$", c.out[2])[0]),
            ("sensitive_pi", "ads.tracker.test  location.precise  frame " + re.search(r"\d+$", c.out[3])[0])],
           "live lines (no cleartext_pi: the requests were inside TLS)")
        assert not any("reading the session file again" in e for e in c.err), c.err
        rep = json.load(open(rep_path))
        eq([(x["host"], x["tls"]) for x in rep["transmissions"]], [("api.example.test", True), ("ads.tracker.test", True)],
           "transmissions")
        eq([f["tls"]["decryption"] for f in rep["flows"]], ["decrypted", "decrypted"], "flows")
        used = "".join(x for x in open(keys) if not x.startswith(("EXPORTER_SECRET ", "#")))
        eq(secrets_in(sess), used, "the key log lines privaudit uses, in DSBs")
        order = [b for b, _ in blocks(sess) if b in (6, 10)]
        eq(order[0], 10, "a DSB before the first packet (packets wait for their keys)")
        if TSHARK:  # Wireshark decrypts in one pass only when the secrets come first
            uris = subprocess.run([TSHARK, "-r", sess, "-Y", "http.request", "-T", "fields", "-e", "http.request.uri"],
                                  capture_output=True, timeout=60).stdout.decode().split()
            eq(uris, ["/v1/register", PIXEL], "tshark decrypts the session file")
        same_as_replay(rep_path, sess)

    with t.case("TLS: keys that come after the audit read the handshake: a warning, the report made from the "
                "session file (equal to its replay), the missed findings printed at the stop"):
        d = os.path.join(tmp, "tls-late")
        os.mkdir(d)
        os.chmod(d, 0o777)
        keys, elsewhere = os.path.join(d, "keys.log"), os.path.join(d, "elsewhere.log")
        open(keys, "w").close()
        sess, rep_path = os.path.join(d, "s.pcapng"), os.path.join(d, "r.json")
        c = Capture("--profile", PROFILE, "--keylog", keys, "-w", sess, "-o", rep_path, port=TLS_PORT)
        curl_tls("api.example.test", "/v1/register", elsewhere, body=REGISTER)
        time.sleep(2.5)  # the audit has read the handshake without keys by now
        with open(keys, "a") as f:
            f.write(open(elsewhere).read())
        time.sleep(0.5)
        eq(c.out, [], "nothing decrypted live")
        eq(c.stop(), 1, "exit status")
        assert any(e == "privaudit: warning: 1 TLS connection got its keys after the live audit had read its "
                   "handshake; the report is made by reading the session file again" for e in c.err), c.err
        eq([g[1:] for g in parse(c.out)],
           [("pre_consent", "api.example.test  identity.name, contact.phone  frame " + re.search(r"\d+$", c.out[0])[0])],
           "the finding, printed at the stop")
        eq([f["tls"]["decryption"] for f in json.load(open(rep_path))["flows"]], ["decrypted"], "flows")
        same_as_replay(rep_path, sess)

# ---------------------------------------------------------------------------
# rotation: the set of files replays to the same report


def rotation(name, args, send):
    d = os.path.join(tmp, name)
    os.mkdir(d)
    os.chmod(d, 0o777)
    report = os.path.join(d, "..", name + ".json")
    c = Capture("--profile", PROFILE, *args, "-w", os.path.join(d, "s.pcapng"), "-o", report)
    send(c)
    rc = c.stop(signal.SIGTERM)
    eq(rc, 1, f"exit status\n{c.err}")
    files = sorted(os.listdir(d))
    rep = json.load(open(report))
    eq([os.path.basename(i["path"]) for i in rep["inputs"]], files, "one input per file, in name order")
    rc, out, err = run("replay", "--format", "json", "--profile", PROFILE, d)
    eq(rc, 1, err)
    eq(json.loads(out)["findings"], rep["findings"], "findings")
    eq(json.loads(out)["consent"], rep["consent"], "consent")
    eq(out, open(report, "rb").read(), "report bytes")
    return files, rep, c


with t.case("-G 1: a new file every second (s-00001.pcapng...); replay of the directory equals the live run, "
            "also when the audit lags the files (--keylog)"):
    def timed(c):
        curl("api.example.test", "/v1/register", body=REGISTER)
        c.lines(2)
        time.sleep(1.1)
        c.p.send_signal(signal.SIGUSR1)
        c.lines(3)
        curl("log.umeng.com", UMENG_AGAIN)
        c.lines(4)
        time.sleep(1.1)
        curl("ads.tracker.test", PIXEL)
        c.lines(7)
    # with a key log, so the audit lags the files: inputs still end and begin in order
    files, rep, c = rotation("rot-g", ["-G", "1", "--keylog", KEYLOG], timed)
    eq(files, ["s-00001.pcapng", "s-00002.pcapng", "s-00003.pcapng"], "files")
    eq([(x["input"], x["phase"]) for x in rep["transmissions"]],
       [(0, "before_consent"), (1, "after_consent"), (2, "after_consent")], "one request per file")
    assert all(re.search(r"frame \d+ of s-0000[123]\.pcapng$", line) for line in c.out if "(SIGUSR1)" not in line), c.out
    eq(sorted(k for f in files for k, _ in marks_in(os.path.join(tmp, "rot-g", f))), ["consent"], "the mark, once")

with t.case("-C 1: a new file before one passes 1 MB; replay of the directory equals the live run"):
    big = os.path.join(tmp, "big.json")
    with open(big, "w") as f:
        f.write('{"device_id":"8f3a2c1b9d7e6f50","blob":"' + "x" * 700000 + '"}')

    def sized(c):
        for i in range(3):
            curl("log.umeng.com", f"/upload/{i}", body_file=big)
        c.wait_for(lambda: sum("frame" in x for x in c.out) >= 2, "findings")
    files, rep, c = rotation("rot-c", ["-C", "1"], sized)
    assert len(files) >= 2, files
    for f in files:
        assert os.path.getsize(os.path.join(tmp, "rot-c", f)) <= 1000000, (f, os.path.getsize(os.path.join(tmp, "rot-c", f)))

# ---------------------------------------------------------------------------
# on a terminal: keys, the status line, Ctrl-C, the terminal restored


def read_until(fd, pattern, buf, timeout=15):
    end = time.time() + timeout
    while not re.search(pattern, buf[0]):
        if time.time() > end:
            raise AssertionError(f"no {pattern!r} on the terminal:\n{buf[0][-2000:]!r}")
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                raise AssertionError(f"terminal closed before {pattern!r}:\n{buf[0][-2000:]!r}")
            buf[0] += data.decode("utf-8", "replace")


with t.case("terminal: keys c, w, m, h and SIGRTMIN, SIGRTMIN+1 mark, a status line refreshes, Ctrl-C stops, "
            "the terminal is restored"):
    d = os.path.join(tmp, "tty")
    os.mkdir(d)
    os.chmod(d, 0o777)
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(PRIVAUDIT, [PRIVAUDIT, "capture", "-i", "lo", "-f", f"tcp port {PORT}", "--profile", PROFILE,
                             "-w", os.path.join(d, "s.pcapng"), "-o", os.path.join(d, "r.json")])
    buf = [""]
    try:
        read_until(fd, r"capturing on lo .*c: consent, w: withdrawal, m: mandatory step starts, h: home screen "
                       r"reached, Ctrl-C: stop", buf)
        curl("api.example.test", "/v1/register", body=REGISTER)
        read_until(fd, r"cleartext_pi +api\.example\.test", buf)
        read_until(fd, r"\r\d+ packets  \d+ flows  1 requests  2 findings  0 dropped\x1b\[K", buf)
        os.write(fd, b"c")
        read_until(fd, r"consent +\(key c\)", buf)
        os.write(fd, b"w")
        read_until(fd, r"withdrawal +\(key w\)", buf)
        os.write(fd, b"m")
        read_until(fd, r"mandatory_start +\(key m\)", buf)
        os.write(fd, b"h")
        read_until(fd, r"mandatory_end +\(key h\)", buf)
        os.kill(pid, signal.SIGRTMIN)
        read_until(fd, r"mandatory_start +\(SIGRTMIN\)", buf)
        os.kill(pid, signal.SIGRTMIN + 1)
        read_until(fd, r"mandatory_end +\(SIGRTMIN\+1\)", buf)
        assert "cw" not in buf[0] and "mh" not in buf[0], "keys are not echoed"
        attrs = termios.tcgetattr(fd)
        assert not attrs[3] & (termios.ICANON | termios.ECHO), "single keys, no echo, while capturing"
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT
        read_until(fd, r"privaudit: stopped", buf)
        attrs = termios.tcgetattr(fd)
        eq(bool(attrs[3] & termios.ICANON) and bool(attrs[3] & termios.ECHO), True, "ICANON and ECHO restored")
        _, status = os.waitpid(pid, 0)
        eq(os.waitstatus_to_exitcode(status), 1, "exit status")
        assert "Sanitizer" not in buf[0] and "runtime error:" not in buf[0], buf[0][-3000:]
        rep = json.load(open(os.path.join(d, "r.json")))
        eq([(e["kind"], e["source"]) for e in rep["consent"]["events"]],
           [("consent", "capture"), ("withdrawal", "capture"), ("mandatory_start", "capture"),
            ("mandatory_end", "capture"), ("mandatory_start", "capture"), ("mandatory_end", "capture")], "events")
        ev = rep["consent"]["events"]
        eq([(w["start"]["ts"], w["end"]["ts"]) for w in rep["consent"]["mandatory_windows"]],
           [(ev[2]["ts"], ev[3]["ts"]), (ev[4]["ts"], ev[5]["ts"])], "two mandatory windows")
        # the session file carries the marks: its replay has the same windows
        rc, out, _ = run("replay", "--profile", PROFILE, "--format", "json", os.path.join(d, "s.pcapng"),
                         check_rc=(0, 1))
        eq(json.loads(out)["consent"], rep["consent"], "replayed marks")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)

# ---------------------------------------------------------------------------
# errors: one line, exit status 2


def one_error(args, pattern, runner=None):
    p = subprocess.run((runner or []) + [PRIVAUDIT, "capture", *args], capture_output=True, timeout=60)
    err = p.stderr.decode()
    eq(p.returncode, 2, f"exit status ({err})")
    eq(p.stdout, b"", "stdout")
    lines = err.splitlines()
    eq(len(lines), 1, f"one line: {err!r}")
    assert re.match(pattern, lines[0]), lines[0]


W = ["-w", os.path.join(tmp, "never.pcapng")]
with t.case("-i nosuchif0: one line, exit 2"):
    one_error(["-i", "nosuchif0", *W],
              r"^privaudit: nosuchif0: no such interface \(privaudit capture --list-interfaces lists them\)$")

with t.case("a bad BPF filter: one line, exit 2"):
    one_error(["-i", "lo", "-f", "tcp port", *W], r"^privaudit: bad capture filter 'tcp port': .+$")

with t.case("not root: capture needs privileges, one line, exit 2"):
    if not SETPRIV:
        raise AssertionError("setpriv (util-linux) is not installed")
    probe = subprocess.run([SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups", PRIVAUDIT, "--version"],
                           capture_output=True)
    if probe.returncode != 0:
        raise AssertionError(f"nobody cannot run {PRIVAUDIT}: {probe.stderr.decode()}")
    one_error(["-i", "lo", *W], r"^privaudit: lo: capture needs privileges: run privaudit capture as root .*CAP_NET_RAW",
              runner=[SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups"])

with t.case("--user with an unknown user: one line, exit 2, nothing written"):
    one_error(["-i", "lo", "--user", "no-such-user-x", *W], r"^privaudit: --user no-such-user-x: no such user$")
    assert not os.path.exists(W[1])

with t.case("sudo into a private (0700) directory: files opened as root, then owned by the invoking user"):
    private = os.path.join(tmp, "private")
    os.mkdir(private, 0o700)  # root's, as a user's own private directory is theirs
    env = dict(os.environ, SUDO_UID=str(NOBODY), SUDO_GID=str(NOBODY_GID))
    p = subprocess.Popen([PRIVAUDIT, "capture", "-i", "lo", "-f", f"tcp port {PORT}", "-w",
                          os.path.join(private, "s.pcapng"), "-o", os.path.join(private, "r.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    eq(p.returncode, 0, f"exit status ({err.decode()})")
    for name in ("s.pcapng", "r.json", "r.json.sha256"):
        st = os.stat(os.path.join(private, name))
        eq((st.st_uid, st.st_gid), (NOBODY, NOBODY_GID), name + " owner")
    rep = json.load(open(os.path.join(private, "r.json")))
    eq(rep["inputs"][0]["path"], os.path.join(private, "s.pcapng"), "the session file audited")

with t.case("a directory the dropped user cannot write, with rotation: one line naming the user, exit 2"):
    locked = os.path.join(tmp, "locked")
    os.mkdir(locked, 0o700)
    # the second file is created when a packet comes after the first second,
    # so the test sends its own packets rather than wait for other traffic
    p = subprocess.Popen([PRIVAUDIT, "capture", "-i", "lo", "-G", "1", "-f", "udp port 9",
                          "-w", os.path.join(locked, "s.pcapng")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        deadline = time.monotonic() + 30
        while p.poll() is None and time.monotonic() < deadline:
            sock.sendto(b"x", ("127.0.0.1", 9))
            time.sleep(0.1)
    if p.poll() is None:
        p.kill()
    _, err = p.communicate(timeout=60)
    eq(p.returncode, 2, "exit status")
    lines = err.decode().splitlines()
    assert any(re.match(r"^privaudit: .*/locked/s-00002\.pcapng: cannot create the session file: Permission denied "
                        r"\(capture writes the files after the first as user nobody: .*--user\)$", line)
               for line in lines), lines

with t.case("usage: -i and -w are required; --list-interfaces lists lo"):
    rc, _, err = run("capture", "-i", "lo")
    eq(rc, 2, "exit status")
    assert "capture needs -i IFACE and -w SESSION.pcapng" in err and "privaudit help capture" in err, err
    rc, out, _ = run("capture", "--list-interfaces", check_rc=0)
    assert re.search(rb"^lo\t[^\t]*loopback[^\t]*\t", out, re.M), out

t.done()
