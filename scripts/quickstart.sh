#!/bin/sh
# One command from a fresh Debian 12 clone to a first report: installs what is
# missing, builds, and audits the bundled demo capture, printing the summary.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh" build
cd "$top"
set +e
./build/privaudit replay -o report.json --format json captures/demo/
rc=$?
./build/privaudit replay --format text captures/demo/
echo "full JSON report: $top/report.json (exit status $rc: 0 no findings, 1 findings, 2 errors)"
[ "$rc" -le 1 ]
