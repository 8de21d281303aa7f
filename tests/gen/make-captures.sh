#!/bin/bash
# Regenerate privaudit's deterministic test captures into captures/test/
# (plus captures/test/README.md and captures/test/expected.json), and the
# policy and findings captures with their READMEs (captures/test/policy/,
# captures/test/findings/; their profiles are hand-written and kept).
#
# usage: tests/gen/make-captures.sh [--verify] [OUTDIR]
#   --verify  afterwards cross-check every file with libpcap, tshark and scapy
#             (tests/gen/verify.py; needs tshark, capinfos, python3-scapy)
# Environment: PYTHON3 (default /usr/bin/python3, which must have python3-brotli and
# python3-cryptography).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
verify=no
if [ "${1:-}" = "--verify" ]; then
    verify=yes
    shift
fi
out=${1:-$top/captures/test}
py=${PYTHON3:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
export PYTHONHASHSEED=0

mkdir -p "$out"
"$py" "$here/make_captures.py" "$out"
"$py" "$here/gen_policy.py" "$out/policy"
"$py" "$here/gen_findings.py" "$out/findings"
echo "make-captures: wrote $(find "$out" -type f | wc -l) files under $out"
if [ "$verify" = yes ]; then
    "$py" "$here/verify.py" "$out"
fi
