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
		-T fields -e http.request_in -e frame.number -e http.response.code
} >"$out/large-responses.tsv"
echo "$out/large-responses.pcap: $(($(wc -l <"$out/large-responses.tsv") - 1)) responses"
