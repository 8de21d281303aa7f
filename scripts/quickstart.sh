#!/bin/sh
# One command from a fresh Debian 12 clone to a first report: installs what is
# missing, builds, and audits the bundled demo capture, printing the summary.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh" build
cd "$top"
set +e
profile=captures/demo/lingoup.yaml
./build/privaudit replay --profile "$profile" -o report.json captures/demo/
rc=$?
./build/privaudit replay --profile "$profile" --format md -o report.md captures/demo/
./build/privaudit replay --profile "$profile" --format text captures/demo/
echo "full reports: $top/report.json and $top/report.md (exit status $rc: 0 no findings, 1 findings, 2 errors)"
[ "$rc" -le 1 ]
