"""Every report validates against docs/report.schema.json: the project's own
captures (good and bad, one at a time and as a batch; TLS ones with their key
logs), with and without --reveal-values, and the demo capture."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tap import CAPTURES, TOP_SRCDIR, Tap, run  # noqa: E402

t = Tap()
try:
    import jsonschema
except ImportError:
    t.skip("report schema", "python3-jsonschema is not installed")
    t.done()

schema = json.load(open(os.path.join(TOP_SRCDIR, "docs", "report.schema.json")))
validator = jsonschema.Draft202012Validator(schema)

inputs = sorted(glob.glob(os.path.join(CAPTURES, "**", "*.pcap*"), recursive=True))
old = os.path.join(CAPTURES, "demo", "old-user")
new = os.path.join(CAPTURES, "demo", "new-user")
find = os.path.join(CAPTURES, "test", "findings")
# a capture with a key log beside it is read with it, so decrypted and
# failed TLS flows are validated too
runs = [(["--keylog", os.path.splitext(p)[0] + ".keys"] if os.path.exists(os.path.splitext(p)[0] + ".keys") else [])
        + [p] for p in inputs] + [[os.path.join(CAPTURES, "test", "batch")], [old],
                               ["--profile", os.path.join(old, "lingoup.yaml"), "--withdraw-at", "frame:60", old],
                               ["--profile", os.path.join(new, "lingoup-new-user.yaml"), new],
                               # every finding type, credentials, devices, filters and mandatory windows
                               ["--profile", os.path.join(find, "credentials.yaml"), "-f", "tcp",
                                os.path.join(find, "credentials.pcap")],
                               ["--profile", os.path.join(find, "lan.yaml"), "--device", "192.168.1.50",
                                os.path.join(find, "lan.pcap")],
                               ["--profile", os.path.join(find, "mandatory-rules.yaml"),
                                os.path.join(find, "newuser.pcap")],
                               ["--profile", os.path.join(find, "mandatory.yaml"), "--mandatory-until", "frame:84",
                                os.path.join(find, "newuser-marks.pcapng")]]
for args in runs:
    name = os.path.relpath(args[-1], CAPTURES) + (" with a profile" if "--profile" in args else "")
    with t.case(f"{name}: the report (masked and revealed, proportional and full) validates"):
        for extra in ([], ["--reveal-values"], ["--all-fields", "--all-flows"]):
            rc, out, err = run("replay", "--format", "json", *extra, *args)
            assert rc in (0, 1, 2), rc
            errors = sorted(validator.iter_errors(json.loads(out)), key=lambda e: list(e.path))
            assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
t.done()
