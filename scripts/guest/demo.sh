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
heading "1. A region: named memory that processes share"
say "The module is loaded and /dev/shmdev exists.  A region has a name (like"
say "a file), a size, a permission mode and notification channels; its"
say "memory is allocated and zeroed when it is created."
run shmdevctl create demo 16K --channels 2 --mode 0600
PAGE=$(shmdevctl api | awk '/^page size:/ { print $3 }')
[ -n "$PAGE" ]
run shmdevctl list -o ID,NAME,OWNER,PERMS,SIZE,CHANNELS,CPID,CTIME

# ---------------------------------------------------------------------
heading "2. One process writes bytes, another reads them: no copy"
say "producer writes each message straight into the region's memory and"
say "NOTIFYs channel 0; consumer sleeps in WAIT until then and reads the"
say "same bytes in place.  No read() or write() carries the data."
echo "\$ consumer demo &"
consumer demo >"$TMP/cons.out" 2>&1 &
CONS=$!
BG_PIDS="$CONS"
run producer demo 3
wait "$CONS"
BG_PIDS=""
cat "$TMP/cons.out"

# ---------------------------------------------------------------------
heading "3. Sleeping until NOTIFY, and a NOTIFY before the WAIT"
say "A waiter sleeps in the kernel (state S), using no CPU, until a NOTIFY:"
shmdevctl wait demo --channel 1 >"$TMP/wait.out" &
W=$!
BG_PIDS="$W"
sleep 1
echo "waiter pid $W is in state $(awk '{ print $3 }' "/proc/$W/stat")"
run shmdevctl notify demo --channel 1
wait "$W"
BG_PIDS=""
echo "the waiter woke up and saw sequence $(cat "$TMP/wait.out")"
say "Each channel counts NOTIFYs.  A waiter passes the count it has seen,"
say "so a NOTIFY that comes first is not lost: WAIT returns at once."
SEQ=$(cat "$TMP/wait.out")
run shmdevctl notify demo --channel 1
run shmdevctl wait demo --channel 1 --seq "$SEQ" --timeout 5000

# ---------------------------------------------------------------------
heading "4. poll() and ACK: the same events in an event loop"
say "The descriptor becomes readable when a channel moves; the program"
say "ACKs the channels it has handled, which makes it unreadable again."
shmdevctl wait demo --poll --timeout 10000 >"$TMP/poll.out" &
W=$!
BG_PIDS="$W"
sleep 1
run shmdevctl notify demo
wait "$W"
BG_PIDS=""
echo "poll() woke the waiter for sequence $(cat "$TMP/poll.out")"

# ---------------------------------------------------------------------
heading "5. A semaphore and a mutex inside a region"
say "POSIX semaphores (sem_init, pshared=1) and a process-shared pthread"
say "mutex can live in the region: their futex words are in the region's"
say "pages, which both processes map, so the kernel wakes across them."
echo "\$ semaphore_pc demo-sem consumer &"
semaphore_pc demo-sem consumer >"$TMP/sem.out" 2>&1 &
CONS=$!
BG_PIDS="$CONS"
run semaphore_pc -n 5 demo-sem producer
wait "$CONS"
BG_PIDS=""
cat "$TMP/sem.out"

# ---------------------------------------------------------------------
heading "6. Permissions: another user is refused by the region's mode"
say "'demo' has mode 0600 and belongs to root.  User 'shmdev' (uid 1000)"
say "may open /dev/shmdev but not attach the region:"
echo "\$ su shmdev -c 'shmdevctl wait demo --timeout 100'"
if su shmdev -c "shmdevctl wait demo --timeout 100" >"$TMP/su.out" 2>&1; then
	cat "$TMP/su.out"
	echo "user shmdev was NOT refused" >&2
	exit 1
fi
cat "$TMP/su.out"

# ---------------------------------------------------------------------
heading "7. Two processes, the same physical page frames"
say "Physical memory is divided into frames of $PAGE bytes; a page frame"
say "number (PFN) is a frame's index, its physical address / $PAGE.  Each"
say "process's page table maps its own virtual addresses to frames."
say "Process A maps 'demo' and keeps the mapping:"
shmdevctl frames demo --hold >"$TMP/frames.a" 2>"$TMP/hold.err" &
HOLD=$!
BG_PIDS="$HOLD"
wait_for_line "$TMP/hold.err" holding "$HOLD"
cat "$TMP/frames.a"
say "Process B maps it too:"
run shmdevctl frames demo | tee "$TMP/frames.b"
if grep -q hidden "$TMP/frames.a"; then
	say "PFNs are hidden (not running as root): cannot compare them."
elif [ -n "$(pfns "$TMP/frames.a")" ] &&
     [ "$(pfns "$TMP/frames.a")" = "$(pfns "$TMP/frames.b")" ]; then
	say "Different virtual addresses, the same frames: what A writes, B reads."
else
	echo "same physical frames: NO" >&2
	exit 1
fi
say "/proc/$HOLD/maps names the region and its id:"
ADDR=$(awk '$1 == "0" { print $2 }' "$TMP/frames.a" | sed 's/^0x0*//')
grep "^$ADDR-" "/proc/$HOLD/maps"

# ---------------------------------------------------------------------
heading "8. Removing a region while it is mapped"
SYS=${SHMDEV_SYSFS:-/sys/class/misc/shmdev}
alive() {
	echo "regions alive: $(cat "$SYS/regions"), bytes in use: $(cat "$SYS/bytes_in_use")"
}
say "Process A (pid $HOLD) still maps 'demo'; $(alive)"
run shmdevctl rm demo demo-sem
say "The names are gone, but the memory stays while A maps it; $(alive)"
kill "$HOLD"
wait "$HOLD" 2>/dev/null || true
BG_PIDS=""
say "A has exited, so the memory is freed; $(alive)"
run shmdevctl list

STEP="end"
echo
echo "demo finished.  Next: 'make lab' for a shell in this guest and the"
echo "page-table tutorial (docs/page-tables.md); 'make shell' runs your own"
echo "programs against the module."
