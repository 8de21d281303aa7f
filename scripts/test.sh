#!/bin/sh
# One command from a fresh Debian 12 clone to a passing test suite: installs
# what is missing, builds twice (plain, and with ASan+UBSan), runs the whole
# suite in each, and ends with the line "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" || exit 1
status=0
pass=0
fail=0
tally() { # adds a test-suite.log's counts
	log=$1/test-suite.log
	[ -f "$log" ] || { fail=$((fail + 1)); return; }
	p=$(sed -n 's/^# PASS: *//p' "$log"); s=$(sed -n 's/^# SKIP: *//p' "$log")
	x=$(sed -n 's/^# XFAIL: *//p' "$log")
	f=$(sed -n 's/^# FAIL: *//p' "$log"); e=$(sed -n 's/^# ERROR: *//p' "$log")
	xp=$(sed -n 's/^# XPASS: *//p' "$log")
	pass=$((pass + ${p:-0} + ${x:-0}))
	fail=$((fail + ${f:-0} + ${e:-0} + ${xp:-0}))
	skip=$((skip + ${s:-0}))
}
skip=0
run_suite() { # DIR FUZZ(yes|no) configure-flags...
	dir=$1; fuzz=$2; shift 2
	echo "== $dir: build" >&2
	if ! "$top/scripts/build.sh" "$dir" "$@"; then
		fail=$((fail + 1)); status=1; return
	fi
	echo "== $dir: make check" >&2
	# the fuzz harnesses carry their own sanitizers: build and run them once
	if [ "$fuzz" = yes ]; then extra="FUZZ_SECONDS=10"; else extra="check_DATA= CLANG="; fi
	if ! (cd "$top/$dir" && make -j"$(nproc)" check $extra >check.out 2>&1); then
		status=1
		grep -E '^(FAIL|ERROR)' "$top/$dir/check.out" >&2
		for t in "$top/$dir"/tests/*/*.log; do
			grep -q -E '^(not ok|Bail out)' "$t" 2>/dev/null && { echo "--- $t" >&2; grep -A25 -E '^(not ok|Bail out)' "$t" | head -60 >&2; }
		done
	fi
	tally "$top/$dir"
	grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' "$top/$dir/test-suite.log" 2>/dev/null >&2
}
run_suite build yes CFLAGS="-O2 -g"
run_suite build-asan no --enable-sanitizers CFLAGS="-O1 -g"
[ "$fail" -eq 0 ] || status=1
echo "$pass passed, $fail failed, $skip skipped"
exit $status
