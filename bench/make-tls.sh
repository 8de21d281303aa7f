#!/bin/sh
# Builds the TLS benchmark capture: HTTPS traffic with its key log, made on a
# loopback interface with a 1500-byte MTU inside a private network namespace
# (so nothing else is captured).  A threaded Python HTTPS server answers
# curl clients: TLS 1.3 (AES-128-GCM, AES-256-GCM, ChaCha20) and TLS 1.2
# (ECDHE AES-GCM) connections, each with keep-alive requests as an app makes
# them: small JSON POSTs (a dozen fields) answered with ~64 KiB of JSON, so
# that most bytes are responses, as in real app traffic.  Not a test
# capture: never commit its output.
#
#   OUT=/tmp/bench bench/make-tls.sh     -> $OUT/tls.pcap and $OUT/tls.keys
#
# Needs root (a network namespace and dumpcap on it), curl, openssl, python3,
# dumpcap and editcap.  CONNECTIONS (default 400) sets its size (~0.55 MB
# each); REQUESTS (default 8) the requests per connection, ITEMS (default
# 1200, ~60 KiB) the size of each answer; NAME (default tls) the file names.
set -eu
out=${OUT:-/tmp/bench}
n=${CONNECTIONS:-400}
requests=${REQUESTS:-8}
items=${ITEMS:-1200}
name=${NAME:-tls}
mkdir -p "$out"
for tool in curl openssl dumpcap editcap unshare ip; do
	command -v "$tool" >/dev/null || { echo "make-tls.sh: $tool is needed" >&2; exit 2; }
done
if [ "${PA_IN_NETNS:-}" != 1 ]; then
	exec env PA_IN_NETNS=1 unshare -n sh "$0" "$@"
fi
work=$(mktemp -d)
trap 'kill $srv $cap 2>/dev/null || :; rm -rf "$work"' EXIT
ip link set lo up
ip link set lo mtu 1500
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
	-subj /CN=api.bench.test -addext subjectAltName=DNS:api.bench.test 2>/dev/null
cat >"$work/server.py" <<'PY'
import http.server, socketserver, ssl, sys
answer = b'{"ok":true,"items":[' + b",".join(b'{"id":%d,"title":"lesson %d","progress":0.5}' % (i, i) for i in range(int(sys.argv[3]))) + b"]}"
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305")
srv = S(("127.0.0.1", 8443), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
python3 "$work/server.py" "$work/cert.pem" "$work/key.pem" "$items" &
srv=$!
dumpcap -q -i lo -s 0 -f "tcp port 8443" -w "$work/tls.pcapng" 2>/dev/null &
cap=$!
sleep 2
python3 -c '
import json
print(json.dumps({"user": {"name": "Li Wei", "phone": "13800138000", "email": "li.wei@example.com",
  "occupation": "teacher", "device_id": "5ac6a0ff-8d18-47bc-a902-2812cf0c251e"},
  "events": [{"name": "lesson_open", "ts": 1700000000 + i, "lesson": i} for i in range(2)]}))' >"$work/body.json"
urls=""
k=1
while [ "$k" -le "$requests" ]; do urls="$urls https://api.bench.test:8443/v1/events?seq=$k"; k=$((k + 1)); done
i=0
while [ "$i" -lt "$n" ]; do
	case $((i % 4)) in
	0) v="--tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256" ;;
	1) v="--tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384" ;;
	2) v="--tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256" ;;
	*) v="--tlsv1.2 --tls-max 1.2" ;;
	esac
	# shellcheck disable=SC2086
	SSLKEYLOGFILE=$work/tls.keys curl -s --cacert "$work/cert.pem" \
		--resolve api.bench.test:8443:127.0.0.1 $v -H 'Content-Type: application/json' \
		--data-binary @"$work/body.json" $urls >/dev/null
	i=$((i + 1))
done
sleep 1
kill -INT $cap
wait $cap || true
editcap -F pcap "$work/tls.pcapng" "$out/$name.pcap"
cp "$work/tls.keys" "$out/$name.keys"
echo "$out/$name.pcap: $(capinfos -c -M "$out/$name.pcap" | sed -n 's/^Number of packets: *//p') packets, $(wc -l <"$out/$name.keys") key log lines"
