#!/bin/sh
# Benchmark (not a test): times privaudit against a bare libpcap read loop on
# the same capture, alternating the two, and prints median ratios and peak RSS.
#
#   bench/run.sh PRIVAUDIT [CAPTURE]      (make bench does this)
#
# CAPTURE defaults to the shared benchmark capture, built on first use by
# ../shared/bench/make-big.sh into $BENCH_DIR (default /tmp/bench); never
# commit it.  RUNS (default 7) sets the number of alternating rounds.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pa=${1:?usage: bench/run.sh PRIVAUDIT [CAPTURE]}
dir=${BENCH_DIR:-/tmp/bench}
shared=$top/../shared/bench
cap=${2:-$dir/big.pcap}
runs=${RUNS:-7}
mkdir -p "$dir"
if [ ! -s "$cap" ]; then
	[ -x "$shared/make-big.sh" ] || { echo "no capture: $cap, and no $shared/make-big.sh to build it" >&2; exit 2; }
	echo "building $cap with $shared/make-big.sh (once) ..." >&2
	OUT=$dir "$shared/make-big.sh" >&2
fi
if [ ! -x "$dir/pcapread" ] || [ "$shared/pcapread.c" -nt "$dir/pcapread" ]; then
	cc -O2 -o "$dir/pcapread" "$shared/pcapread.c" -lpcap
fi
/usr/bin/python3 - "$pa" "$cap" "$dir/pcapread" "$runs" "$top/tests/data/classification-corpus.tsv" "$dir" <<'PY'
import resource, statistics, subprocess, sys, time
pa, cap, bare, runs, corpus, bdir = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]

def timed(cmd):
    """Wall time and peak RSS (MiB) of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_maxrss / 1024

import os
modes = [
    ("bare libpcap loop", [bare, cap]),
    ("replay --flows-only (decode, flows, nDPI)", [pa, "replay", "--flows-only", "-o", "/dev/null", cap]),
    ("replay --list-requests (+ reassembly, HTTP, bodies)", [pa, "replay", "--list-requests", cap]),
    ("replay -o /dev/null (whole audit, JSON report)", [pa, "replay", "-o", "/dev/null", cap]),
]
subprocess.run(["cat", cap], stdout=subprocess.DEVNULL)  # page cache: time the work, not the disk
res = {m[0]: [] for m in modes}
for r in range(runs):
    for name, cmd in modes:  # alternating, so drift hits every mode alike
        res[name].append(timed(cmd))
base = statistics.median(w for w, _ in res[modes[0][0]])
print(f"capture: {cap}  ({runs} alternating runs, medians)")
print(f"{'mode':55} {'wall s':>8} {'ratio':>7} {'peak RSS MiB':>13}")
for name, _ in modes:
    w = statistics.median(x for x, _ in res[name])
    rss = max(m for _, m in res[name])
    print(f"{name:55} {w:8.3f} {w / base:6.2f}x {rss:13.1f}")

# classification throughput: the labelled corpus, repeated, through `signatures classify`
import csv
rows = [r for r in csv.reader(open(corpus, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
fields = os.path.join(bdir, "fields.tsv")
with open(fields, "w", encoding="utf-8") as f:
    for _ in range(1000):
        for r in rows:
            f.write(f"{r[0]}\t{r[1]}\t{r[2]}\n")
n = 1000 * len(rows)
times = []
for _ in range(3):
    with open(fields, "rb") as inp:
        t0 = time.perf_counter()
        subprocess.run([pa, "signatures", "classify"], stdin=inp, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
w = statistics.median(times)
print(f"classification: {n} fields in {w:.3f} s = {n / w / 1e6:.2f} M fields/s (signatures classify, I/O included)")
PY

# TLS: the same HTTPS capture replayed without and with its key log.  Built
# on first use by bench/make-tls.sh (needs root for a network namespace);
# skipped, saying so, when it cannot be built.
tls=$dir/tls.pcap
if [ ! -s "$tls" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "building $tls with bench/make-tls.sh (once) ..." >&2
		OUT=$dir "$top/bench/make-tls.sh" >&2 || true
	fi
fi
if [ ! -s "$tls" ] || [ ! -s "$dir/tls.keys" ]; then
	echo "TLS decryption: skipped ($tls could not be built: bench/make-tls.sh needs root, curl, dumpcap)"
	exit 0
fi
/usr/bin/python3 - "$pa" "$tls" "$dir/tls.keys" "$dir/pcapread" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
pa, cap, keys, bare, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
modes = [
    ("bare libpcap loop", [bare, cap]),
    ("replay --list-requests, no keys", [pa, "replay", "--list-requests", cap]),
    ("replay --list-requests --keylog (decrypted)", [pa, "replay", "--list-requests", "--keylog", keys, cap]),
]
subprocess.run(["cat", cap], stdout=subprocess.DEVNULL)
res = {m[0]: [] for m in modes}
for _ in range(runs):
    for name, cmd in modes:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        res[name].append((time.perf_counter() - t0, ru.ru_maxrss / 1024))
print(f"\nTLS capture: {cap}  ({runs} alternating runs, medians)")
base = statistics.median(w for w, _ in res[modes[0][0]])
nokeys = statistics.median(w for w, _ in res[modes[1][0]])
for name, _ in modes:
    w = statistics.median(x for x, _ in res[name])
    print(f"{name:55} {w:8.3f} {w / base:6.2f}x {max(m for _, m in res[name]):13.1f}")
keyed = statistics.median(w for w, _ in res[modes[2][0]])
print(f"with keys / without keys: {keyed / nokeys:.2f}x")
PY
