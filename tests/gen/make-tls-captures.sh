#!/bin/bash
# Regenerate privaudit's REAL TLS / HTTP/2 test captures: captures/test/tls/
# (NAME.pcap + NAME.keys, tls13-dsb.pcapng, expected.json, README.md).
#
# usage: tests/gen/make-tls-captures.sh [OUTDIR]       (as root, Debian 12)
#
# Each exchange (curl / openssl s_client against a local server: Python's ssl,
# nghttpd, or an h2c server on python3-h2) runs in its own network namespace
# while dumpcap records loopback; the client writes the NSS key log.  The facts
# in expected.json and README.md are then read back with tshark.  The TLS bytes
# are random, so every run gives new files (committed as generated).
# Needs: openssl curl python3 (Debian's /usr/bin/python3 with python3-h2)
#        nghttp2-server (nghttpd) tshark (dumpcap editcap capinfos) iproute2 (ip ss)
#        util-linux (unshare).  Set KEEP_WORK=1 to keep the work directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/captures/test/tls}

fail() { echo "make-tls-captures: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (network namespaces, capture on lo, ports 80 and 443)"
missing=()
for tool in openssl curl nghttpd tshark dumpcap editcap capinfos ip ss unshare; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -x /usr/bin/python3 ] || missing+=("/usr/bin/python3")
if [ ${#missing[@]} -gt 0 ]; then
    fail "missing tools: ${missing[*]} (apt-get install openssl curl nghttp2-server tshark iproute2 util-linux python3 python3-h2)"
fi
/usr/bin/python3 -c 'import h2' 2>/dev/null || fail "python3-h2 is missing (apt-get install python3-h2)"
curl --version | grep -q 'OpenSSL' || fail "curl is not built with OpenSSL (needed for SSLKEYLOGFILE and --tls13-ciphers)"
curl --version | grep -qi 'nghttp2' || fail "curl has no HTTP/2 (nghttp2)"
unshare -n true 2>/dev/null || fail "cannot create a network namespace (unshare -n)"

export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$out"
/usr/bin/python3 "$here/make_tls_captures.py" "$out"
# the large-responses capture is made apart (it reuses bench/make-tls.sh)
sh "$here/make-tls-bodies.sh"
