#!/bin/bash
# Regenerate privaudit's bundled demo capture: captures/demo/lingoup-first-login.pcap
# and captures/demo/README.md (captures/demo/lingoup.yaml is hand-written).
#
# usage: tests/gen/make-demo.sh [--verify] [OUTDIR]
#   --verify  afterwards cross-check the capture with tshark and scapy
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

mkdir -p "$out"
"$py" "$here/gen_demo.py" "${args[@]}" "$out"
