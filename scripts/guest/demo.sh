#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# shmdev-demo: a guided tour of shmdev for newcomers, run inside the guest
# with the module loaded and shmdevctl, producer, consumer and
# semaphore_pc in $PATH.  For testing elsewhere: SHMDEV_BIN=DIR puts DIR
# first in $PATH, SHMDEV_SYSFS=DIR replaces /sys/class/misc/shmdev.
#
# Exits 0 when every step worked, non-zero at the first step that failed.

set -eu

[ -n "${SHMDEV_BIN:-}" ] && PATH="$SHMDEV_BIN:$PATH"

TMP=$(mktemp -d /tmp/shmdev-demo.XXXXXX)
STEP="start"
BG_PIDS=""

cleanup() {
	status=$?
	set +e
	for pid in $BG_PIDS; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [ "$status" -ne 0 ]; then
		shmdevctl rm demo demo-sem >/dev/null 2>&1
		echo
		echo "demo FAILED during: $STEP (exit status $status)" >&2
	fi
	rm -rf "$TMP"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

heading() {
	STEP="$1"
	echo
	echo "=================================================================="
	echo "== $1"
	echo "=================================================================="
}

say() { echo "-- $*"; }

# Show a command, then run it (a failure ends the demo through set -e).
run() {
	echo "\$ $*"
	"$@"
}

# Wait (up to ~10 s) until FILE contains PATTERN; fail if PID died.
wait_for_line() {
	file=$1 pattern=$2 pid=$3 tries=100
	while ! grep -q "$pattern" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; return 1; }
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || { echo "timed out waiting for $pid" >&2; return 1; }
		sleep 0.1 2>/dev/null || sleep 1
	done
}

# The PFN column of "shmdevctl frames" output, one line per page.
pfns() { awk '$1 ~ /^[0-9]+$/ { print $3 }' "$1"; }

# Leftovers of an interrupted earlier run would make "create" fail.
shmdevctl rm demo demo-sem >/dev/null 2>&1 || true

# ---------------------------------------------------------------------
heading "1. What does the loaded module support?"
say "Every program can ask the module for its API version and limits."
run shmdevctl api
PAGE=$(shmdevctl api | awk '/^page size:/ { print $3 }')
[ -n "$PAGE" ]

# ---------------------------------------------------------------------
heading "2. Create a region: 4 pages, 2 notification channels"
say "A region has a name (like a file), a size, a mode and channels."
say "Its memory is allocated and zeroed right now, at creation."
run shmdevctl create demo $((4 * PAGE)) --channels 2 --mode 0600
run shmdevctl info demo

# ---------------------------------------------------------------------
heading "3. Two processes map it: same physical page frames"
say "Process A maps 'demo' and keeps the mapping (in the background)."
shmdevctl frames demo --hold >"$TMP/frames.a" 2>"$TMP/hold.err" &
HOLD=$!
BG_PIDS="$BG_PIDS $HOLD"
wait_for_line "$TMP/hold.err" holding "$HOLD"
say "Process A (pid $HOLD) sees these frames:"
cat "$TMP/frames.a"

say "Process B maps the same region and looks at its own page table:"
run shmdevctl frames demo | tee "$TMP/frames.b"

if grep -q hidden "$TMP/frames.a"; then
	say "PFNs are hidden (not running as root): cannot compare them."
elif [ -n "$(pfns "$TMP/frames.a")" ] &&
     [ "$(pfns "$TMP/frames.a")" = "$(pfns "$TMP/frames.b")" ]; then
	say "Different virtual addresses, but the PFN columns match:"
	echo "same physical frames: yes"
else
	echo "same physical frames: NO" >&2
	exit 1
fi

say "In process A's /proc/$HOLD/maps, the region is a shared ('s') mapping:"
ADDR=$(awk '$1 == "0" { print $2 }' "$TMP/frames.a" | sed 's/^0x0*//')
echo "\$ grep '^$ADDR-' /proc/$HOLD/maps"
grep "^$ADDR-" "/proc/$HOLD/maps"

say "While A holds it, the region counts one attached file and one mapping:"
run shmdevctl info demo
kill "$HOLD"
wait "$HOLD"
BG_PIDS=""

# ---------------------------------------------------------------------
heading "4. Pass messages with NOTIFY / WAIT"
say "channel 0 = 'data ready' (producer -> consumer)"
say "channel 1 = 'space free' (consumer -> producer)"
say "The consumer sleeps in WAIT until the producer NOTIFYs, and back."
echo "\$ consumer demo &"
consumer demo &
CONS=$!
BG_PIDS="$CONS"
run producer demo 3
wait "$CONS"
BG_PIDS=""
say "Each NOTIFY advanced a channel's sequence number:"
run shmdevctl info demo

# ---------------------------------------------------------------------
heading "5. The same with POSIX semaphores and a mutex in the region"
say "sem_init(pshared=1) semaphores and a PTHREAD_PROCESS_SHARED mutex"
say "live inside region 'demo-sem'; two unrelated processes use them."
echo "\$ semaphore_pc demo-sem consumer &"
semaphore_pc demo-sem consumer &
CONS=$!
BG_PIDS="$CONS"
run semaphore_pc -n 5 demo-sem producer
wait "$CONS"
BG_PIDS=""
say "Fork mode: parent and child share the mapping inherited by fork()"
say "(the region is created and destroyed by the program itself)."
run semaphore_pc -n 3 demo-fork

# ---------------------------------------------------------------------
heading "6. List and remove regions"
run shmdevctl list
SYS=${SHMDEV_SYSFS:-/sys/class/misc/shmdev}
if [ -r "$SYS/regions" ] && [ -r "$SYS/bytes_in_use" ]; then
	say "Removing a name does not pull memory from under a mapping."
	shmdevctl frames demo --hold >"$TMP/frames.c" 2>"$TMP/hold2.err" &
	HOLD=$!
	BG_PIDS="$HOLD"
	wait_for_line "$TMP/hold2.err" holding "$HOLD"
	alive() {
		echo "regions alive: $(cat "$SYS/regions")," \
		     "bytes in use: $(cat "$SYS/bytes_in_use")"
	}
	say "pid $HOLD maps 'demo'; $(alive)"
	run shmdevctl rm demo demo-sem
	say "names gone, but 'demo' is still mapped; $(alive)"
	kill "$HOLD"
	wait "$HOLD"
	BG_PIDS=""
	say "last mapping gone; $(alive)"
else
	run shmdevctl rm demo demo-sem
fi
run shmdevctl list

STEP="end"
echo
echo "demo finished; to see regions in the page tables of every mapper, step"
echo "by step, boot the lab: 'make lab' and docs/page-tables.md"
