#!/bin/sh
# Makes captures/test/tls/large-responses.pcap (+ .keys, + .tsv): HTTPS
# keep-alive connections with answers larger than a TLS record (~20 KiB),
# one per suite family (TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305;
# TLS 1.2 ECDHE AES-128-GCM), two requests each, so that response-body
# records are skipped unopened and the parser must stay in step across
# them.  Built with bench/make-tls.sh (root: a network namespace, dumpcap);
# the .tsv holds tshark's view (request frame, response frame, status),
# read with the key log, for tests/e2e/test_tls.py.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/captures/test/tls
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CONNECTIONS=4 REQUESTS=2 ITEMS=420 NAME=large-responses OUT=$work sh "$top/bench/make-tls.sh" >/dev/null
cp "$work/large-responses.pcap" "$work/large-responses.keys" "$out/"
{
	printf 'request_frame\tresponse_frame\tstatus\n'
	tshark -r "$out/large-responses.pcap" -o "tls.keylog_file:$out/large-responses.keys" -Y http.response \
		-T fields -e http.request_in -e frame.number -e http.response.code 2>/dev/null
} >"$out/large-responses.tsv"
# its section of the directory's README (which make-tls-captures.sh rewrites)
if ! grep -q '^## large-responses.pcap' "$out/README.md" 2>/dev/null; then
	cat >>"$out/README.md" <<'MD'

## large-responses.pcap (not made by make-tls-captures.sh)

Made by `tests/gen/make-tls-bodies.sh` (it runs `bench/make-tls.sh` small):
four HTTPS/1.1 keep-alive connections to a local Python server, one per
suite family (TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305; TLS 1.2
ECDHE-RSA AES-128-GCM), each with two JSON POSTs answered by ~20 KiB of JSON,
so every answer spans two TLS records. `large-responses.tsv` is tshark's
view with the key log: request frame, response frame, status. The test
checks that privaudit skips the response-body records without opening them
and still reads every request and status as tshark does.
MD
fi
echo "$out/large-responses.pcap: $(($(wc -l <"$out/large-responses.tsv") - 1)) responses"
