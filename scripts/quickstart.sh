#!/bin/sh
# One command from a fresh Debian 12 clone to a first report: installs what is
# missing, builds, and audits the two bundled demo captures (the old-user and
# the new-user flow of captures/demo/), each in a run of its own with its own
# profile, printing their summaries.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh" build
cd "$top"
set +e
status=0
audit() { # NAME PROFILE DIR: report-NAME.json and report-NAME.md, the text summary on stdout
	./build/privaudit replay --profile "$2" -o "report-$1.json" "$3"
	rc=$?
	./build/privaudit replay --profile "$2" --format md -o "report-$1.md" "$3"
	./build/privaudit replay --profile "$2" --format text "$3"
	echo "full reports: $top/report-$1.json and $top/report-$1.md (exit status $rc: 0 no findings, 1 findings, 2 errors)"
	echo
	[ "$rc" -le 1 ] || status=1
}
audit old-user captures/demo/old-user/lingoup.yaml captures/demo/old-user/
audit new-user captures/demo/new-user/lingoup-new-user.yaml captures/demo/new-user/
exit $status
