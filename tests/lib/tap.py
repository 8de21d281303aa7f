"""A tiny TAP producer for the end-to-end tests (automake's tap-driver reads it).

Usage:
    t = Tap()
    with t.case("name"):   # an AssertionError or exception fails the case
        assert x == y, "why"
    t.skip("name", "reason")
    t.done()               # prints the plan and exits 0
"""
import contextlib
import os
import subprocess
import sys
import traceback

TOP_SRCDIR = os.environ.get("TOP_SRCDIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PRIVAUDIT = os.environ.get("PRIVAUDIT", os.path.join(TOP_SRCDIR, "privaudit"))
CAPTURES = os.path.join(TOP_SRCDIR, "captures")
PUBLIC = os.path.abspath(os.path.join(TOP_SRCDIR, "..", "shared", "captures", "public"))
EXTERNAL = os.path.abspath(os.path.join(TOP_SRCDIR, "..", "shared", "captures", "external"))


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    @contextlib.contextmanager
    def case(self, name):
        self.n += 1
        try:
            yield
        except Exception as e:  # noqa: BLE001 - every failure is a failed case
            self.failed += 1
            print(f"not ok {self.n} - {name}")
            detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
            for line in detail.splitlines()[:40]:
                print(f"# {line}")
        else:
            print(f"ok {self.n} - {name}")
        sys.stdout.flush()

    @contextlib.contextmanager
    def todo(self, name, why):
        """A case for a known bug, as TAP `# TODO`: its failure is expected
        (XFAIL); once it passes (XPASS, counted as a failure) the bug is
        fixed and the case should become an ordinary one."""
        self.n += 1
        try:
            yield
        except Exception as e:  # noqa: BLE001
            print(f"not ok {self.n} - {name} # TODO {why}")
            for line in (str(e) if isinstance(e, AssertionError) else traceback.format_exc()).splitlines()[:20]:
                print(f"# {line}")
        else:
            print(f"ok {self.n} - {name} # TODO {why}")
        sys.stdout.flush()

    def skip(self, name, reason):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {reason}")

    def done(self):
        print(f"1..{self.n}")
        sys.exit(0)


OK = (0, 1)  # exit status of a run that worked: 0 no findings, 1 findings


def run(*args, stdin=None, check_rc=None, cwd=None):
    """Runs privaudit; returns (rc, stdout, stderr).  Sanitizer reports fail.
    check_rc: an exit status, or a tuple of accepted ones (OK)."""
    p = subprocess.run([PRIVAUDIT, *args], input=stdin, capture_output=True, timeout=600, cwd=cwd)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError(f"sanitizer report from privaudit {' '.join(args)}:\n{err[-3000:]}")
    accepted = check_rc if isinstance(check_rc, tuple) else (check_rc,)
    if check_rc is not None and p.returncode not in accepted:
        raise AssertionError(f"privaudit {' '.join(args)} exited {p.returncode}, wanted {check_rc}\n{err[-2000:]}")
    return p.returncode, p.stdout, err


def report(*args, check_rc=OK, full=True):
    """Runs privaudit replay with JSON on stdout and returns the parsed report.
    full: every field and every flow listed (--all-fields --all-flows), as the
    decoding tests need; False for the default, proportional report."""
    import json
    extra = ["--all-fields", "--all-flows"] if full else []
    rc, out, err = run("replay", "--format", "json", *extra, *args, check_rc=check_rc)
    return json.loads(out)


def eq(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, wanted {want!r}")
