#!/bin/bash
# Regenerate privaudit's two bundled demo captures and their READMEs:
#   captures/demo/old-user/lingoup-first-login.pcap  (tests/gen/gen_demo.py)
#   captures/demo/new-user/lingoup-new-user.pcap     (tests/gen/gen_demo_new_user.py)
# The profiles (old-user/lingoup.yaml, new-user/lingoup-new-user.yaml) and
# captures/demo/README.md are hand-written.
#
# usage: tests/gen/make-demo.sh [--verify] [OUTDIR]
#   --verify  afterwards cross-check each capture with tshark and scapy
#             (request frames/hosts/URIs, SNIs, DNS answers, gzip bodies, checksums)
# Environment: PYTHON3 (default /usr/bin/python3, Debian's; --verify needs python3-scapy
# and tshark).  The output is byte-identical between runs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
args=()
if [ "${1:-}" = "--verify" ]; then
    args+=(--verify)
    shift
fi
out=${1:-$top/captures/demo}
py=${PYTHON3:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
export PYTHONHASHSEED=0

mkdir -p "$out/old-user" "$out/new-user"
"$py" "$here/gen_demo.py" "${args[@]}" "$out/old-user"
"$py" "$here/gen_demo_new_user.py" "${args[@]}" "$out/new-user"
