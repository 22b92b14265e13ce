#!/bin/bash
# Usage: bench/tests/smoke.sh [SCRATCH]
# The benchmark's tooling without a guest (make check runs it): build
# shmdev-bench on the host (-Werror), run its --help and the micro
# workload in quick mode (shmdev's rows skip without the module: the
# peers' rows must appear), and run scripts/bench-report.py on a canned
# guest log (bench/tests/canned.log), checking that the JSON parses, the
# Markdown has the goals table with a verdict on every row, the plots
# are SVG and --readme rewrites only the marked section.  Prints
# "ok N - ..." per check; exits 1 on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=${1:-$(mktemp -d)}
mkdir -p "$tmp"
n=0 bad=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >>"$tmp/log" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what (log: $tmp/log)"
		bad=1
	fi
}

check "shmdev-bench builds with -Werror" \
	make -s -C "$top/bench" O="$tmp/build"
bin=$tmp/build/shmdev-bench
check "shmdev-bench --help exits 0" "$bin" --help
check "an unknown workload exits 2" bash -c "'$bin' nosuch; [ \$? -eq 2 ]"
check "the quick micro run prints the peers' rows" bash -c \
	"'$bin' --quick micro >'$tmp/micro.log' && grep -q 'wl=micro.notify impl=futex-wake' '$tmp/micro.log' &&
	 grep -q 'wl=micro.wait impl=futex-wait' '$tmp/micro.log'"
check "bench-report.py turns the canned log into results" \
	python3 "$top/scripts/bench-report.py" --out "$tmp/out" --machine test \
	--command test --date 2000-01-01 "$top/bench/tests/canned.log"
check "results.json parses and has records" python3 -c \
	"import json,sys; d=json.load(open(sys.argv[1])); assert d['records'] and d['goals']" \
	"$tmp/out/results.json"
check "every goal row has a verdict" bash -c \
	"grep -c '^| .* | \\(met\\|NOT met\\|not measured\\)' '$tmp/out/results.md' | grep -qx 14"
check "the plots are SVG" bash -c \
	"ls '$tmp/out'/*.svg >/dev/null && for f in '$tmp/out'/*.svg; do head -c 4 \"\$f\" | grep -q '<svg' || exit 1; done"
check "--readme replaces only what is between the markers" bash -c \
	"printf 'head\\n<!-- bench-results-begin: x -->\\nold\\n<!-- bench-results-end -->\\ntail\\n' >'$tmp/R.md' &&
	 python3 '$top/scripts/bench-report.py' --out '$tmp/o3' --readme '$tmp/R.md' '$top/bench/tests/canned.log' &&
	 head -n1 '$tmp/R.md' | grep -qx head && tail -n1 '$tmp/R.md' | grep -qx tail &&
	 ! grep -qx old '$tmp/R.md' && grep -q '^| NOTIFY, no waiter' '$tmp/R.md'"
check "a log without BENCH lines exits 1" bash -c \
	"echo nothing >'$tmp/empty.log'; python3 '$top/scripts/bench-report.py' --out '$tmp/o2' '$tmp/empty.log'; [ \$? -eq 1 ]"
echo "1..$n"
exit $bad
