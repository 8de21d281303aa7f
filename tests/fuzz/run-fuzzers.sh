#!/bin/sh
# Runs each libFuzzer harness briefly on its seed corpus (TAP output).
# New inputs go to a temporary directory, never into the repository.
# FUZZ_SECONDS sets the time per harness (default 10; 0 only replays the seeds).
set -u
secs=${FUZZ_SECONDS:-10}
dir=${TOP_BUILDDIR:-.}/tests/fuzz
seeds=${TOP_SRCDIR:-.}/tests/fuzz/corpus
if [ -z "${CLANG:-}" ]; then
	echo "1..0 # SKIP fuzz harnesses not built here (no clang, or this build leaves them to the other one)"
	exit 0
fi
harnesses=$(cd "$seeds" && ls -d */ | tr -d /)
set -- $harnesses
echo "1..$#"
n=0
for h in $harnesses; do
	n=$((n + 1))
	bin=$dir/fuzz_$h
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$h was not built"
		continue
	fi
	work=$(mktemp -d)
	if [ "$secs" -eq 0 ]; then limit="-runs=0"; else limit="-max_total_time=$secs"; fi
	if "$bin" $limit -timeout=10 -artifact_prefix="$work/" -rss_limit_mb=2048 -print_final_stats=1 \
		"$work" "$seeds/$h" >"$work.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
		echo "ok $n - fuzz_$h: ${runs:-?} runs in ${secs}s, no crash"
	else
		echo "not ok $n - fuzz_$h failed:"
		sed 's/^/# /' "$work.log" | tail -40
		for a in "$work"/crash-* "$work"/timeout-* "$work"/leak-* "$work"/oom-*; do
			[ -f "$a" ] && echo "# reproducer (base64): $(base64 -w0 "$a")"
		done
	fi
	rm -rf "$work" "$work.log"
done
