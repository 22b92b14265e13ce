#!/bin/bash
# Check the Promela model of the control-page protocol
# (selftests/model/fastpath.pml, docs/fastpath.md) with spin: an
# exhaustive safety search (assertions and invalid end states, i.e. a
# consumer asleep for ever) of each configuration below must find no
# error, and each BUG_* variant, which removes one barrier or one step
# of the protocol, must be caught, so that a model that stops checking
# anything cannot pass.  About 20 s.
#
# Exit status: 0 all as expected, 1 a finding or a failure, 3 spin is
# not installed (only outside CI: with CI set that is a failure, as
# scripts/deps.sh installs it there).
set -euo pipefail

me=${0##*/}
top=$(cd "$(dirname "$0")/.." && pwd)
model=$top/selftests/model/fastpath.pml

case ${1:-} in
-h | --help)
	echo "usage: $me"
	echo "Run spin on $model: the protocol must pass, every BUG_* variant must fail."
	exit 0
	;;
"") ;;
*)
	echo "$me: error: unexpected argument '$1' (see --help)" >&2
	exit 1
	;;
esac

if ! command -v spin >/dev/null; then
	if [ -n "${CI:-}" ]; then
		echo "$me: error: spin is not installed (scripts/deps.sh should have installed it)" >&2
		exit 1
	fi
	echo "$me: spin is not installed: model NOT CHECKED (apt-get install spin, or run scripts/deps.sh)" >&2
	exit 3
fi
[ -r "$model" ] || { echo "$me: error: cannot read $model" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/"

# Each line: what the search must end with (pass or fail), then the -D
# options.  Waiter bugs are looked for without a poller, whose permanent
# count in waiters makes every notifier wake and hides them.
configs="
pass -DWAITERS=2 -DPOLLERS=0 -DNOTIFIES=3
pass -DWAITERS=1 -DPOLLERS=1 -DNOTIFIES=3
fail -DWAITERS=2 -DPOLLERS=0 -DNOTIFIES=2 -DBUG_WAIT_NO_MB
fail -DWAITERS=2 -DPOLLERS=0 -DNOTIFIES=2 -DBUG_NOTIFY_NO_MB
fail -DWAITERS=2 -DPOLLERS=0 -DNOTIFIES=2 -DBUG_NO_RECHECK
fail -DWAITERS=1 -DPOLLERS=1 -DNOTIFIES=2 -DBUG_NOTIFY_NO_MB
fail -DWAITERS=1 -DPOLLERS=1 -DNOTIFIES=2 -DBUG_POLL_LOOK_FIRST
pass -DWAITERS=1 -DPOLLERS=1 -DNOTIFIES=3 -DPOLL_MASK_LATE
fail -DWAITERS=1 -DPOLLERS=1 -DNOTIFIES=2 -DPOLL_MASK_LATE -DBUG_MASK_LOOK_FIRST
"

# run DEFINES...: spin -a, build pan for safety, search; the log is pan.log.
run() {
	(
		cd "$work"
		rm -f pan pan.* _spin_nvr.tmp
		spin "$@" -a fastpath.pml >spin.log 2>&1 || { cat spin.log; return 1; }
		# -w: gcc misreads pan's array indexing (-Wstringop-overflow).
		cc -O1 -w -DSAFETY -o pan pan.c >cc.log 2>&1 || { cat cc.log; return 1; }
		# -m: the depth bound must never be reached (checked below);
		# -n: no list of unreached states.
		./pan -m100000 -n >pan.log 2>&1 || true
	)
}

bad=0
while read -r want defs; do
	[ -n "$want" ] || continue
	# shellcheck disable=SC2086 # one word per option
	if ! run $defs; then
		echo "FAIL $defs: spin or cc failed"
		bad=1
		continue
	fi
	log=$work/pan.log
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log")
	states=$(awk '/states, stored/ { print $1 }' "$log")
	if grep -q 'max search depth too small' "$log"; then
		echo "FAIL $defs: search depth bound reached (raise -m)"
		bad=1
	elif [ -z "$errors" ]; then
		cat "$log"
		echo "FAIL $defs: no verdict from pan"
		bad=1
	elif [ "$want" = pass ] && [ "$errors" = 0 ]; then
		echo "ok   $defs: errors: 0 ($states states)"
	elif [ "$want" = fail ] && [ "$errors" != 0 ]; then
		what=$(grep -m1 -oE 'invalid end state|assertion violated' "$log" || echo error)
		echo "ok   $defs: caught ($what), as it must be"
	elif [ "$want" = pass ]; then
		cat "$log"
		echo "FAIL $defs: $errors error(s): the protocol loses a wake-up (trail: spin -t)"
		bad=1
	else
		echo "FAIL $defs: errors: 0, but this variant must fail: the model checks nothing"
		bad=1
	fi
done <<<"$configs"

if [ "$bad" -ne 0 ]; then
	echo "$me: FAIL" >&2
	exit 1
fi
echo "$me: OK"
