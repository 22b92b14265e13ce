#!/bin/sh
# The experiments of docs/page-tables.md, scripted: what a learner types
# in 'make lab', with the outputs the tutorial quotes.  Run by
#   SHMDEV_LAB_SCRIPT=scripts/guest/lab-tour.sh make lab
# Files to keep (the SVG pictures) are printed between
# "SHMDEV-FILE-BEGIN: NAME" and "SHMDEV-FILE-END" lines of the console
# log.  Exit status: the number of steps that failed.
fails=0

# Print the command as one would type it: a word with anything but
# [A-Za-z0-9_./:=,+@%^-] in it goes in double quotes.
show() {
	line=
	for w in "$@"; do
		case $w in
		*[!A-Za-z0-9_./:=,+@%^-]* | '')
			w=\"$(printf '%s' "$w" | sed 's/[\\"$`]/\\&/g')\" ;;
		esac
		line="$line${line:+ }$w"
	done
	echo "lab# $line"
}

run() {
	show "$@"
	"$@" 2>&1 || { echo "(exit status $?)"; fails=$((fails + 1)); }
}

# A command that must fail (the tutorial shows its message).
expect_fail() {
	show "$@"
	if "$@" 2>&1; then
		echo "(succeeded, but should have failed)"
		fails=$((fails + 1))
	fi
}

# Start experiment $1 in the background and wait for its first pause.
start() {
	echo "lab# shmdev-lab $1 &"
	shmdev-lab "$1" &
	shmdev-lab wait || fails=$((fails + 1))
}

next() {
	echo "lab# shmdev-lab next"
	shmdev-lab next || fails=$((fails + 1))
}

emit() {
	echo "SHMDEV-FILE-BEGIN: $1"
	cat "$2"
	echo "SHMDEV-FILE-END"
}

echo "=== tracepoints"
run ls /sys/kernel/tracing/events/shmdev
echo 1 >/sys/kernel/tracing/events/shmdev/enable
echo >/sys/kernel/tracing/trace
if command -v trace-cmd >/dev/null; then
	run trace-cmd list -e shmdev
fi

echo "=== 1 share"
start share
run shmdevctl map lab
shmdevctl map lab --svg /tmp/share.svg >/dev/null && emit share.svg /tmp/share.svg
run shmdevctl map -v lab
run shmdevctl map --json lab
next
wait

echo "=== 2 fault"
start fault
run shmdevctl map lab
shmdevctl map lab --json >/tmp/before.json
next
run shmdevctl map lab
run shmdevctl map lab --diff /tmp/before.json
shmdevctl map lab --json >/tmp/read.json
next
run shmdevctl map lab --diff /tmp/read.json
run sh -c "grep shmdev_ /sys/kernel/tracing/trace | grep -v '^#' | tail -n 12"
next
wait

echo "=== 3 fork"
start fork
run shmdevctl map lab
next
run shmdevctl map lab
next
wait

echo "=== 4 rdonly"
start rdonly
run shmdevctl map lab
next
wait

echo "=== 5 private"
start private
run shmdevctl map lab
shmdevctl map lab --json >/tmp/p1.json
next
run shmdevctl map lab --diff /tmp/p1.json
shmdevctl map lab --json >/tmp/p2.json
next
run shmdevctl map lab --diff /tmp/p2.json
next
wait

echo "=== 6 huge"
start huge
run shmdevctl map lab-huge
run sh -c "shmdevctl map -v lab-huge | head -n 8"
next
run shmdevctl map lab-huge
shmdevctl map lab-huge --svg /tmp/huge.svg >/dev/null && emit huge.svg /tmp/huge.svg
shmdevctl map lab-huge --json >/tmp/h.json
next
run shmdevctl map lab-huge --diff /tmp/h.json
shmdevctl map lab-huge --json >/tmp/h2.json
next
run shmdevctl map lab-huge --diff /tmp/h2.json
run shmdevctl map lab-huge
next
wait

echo "=== 7 softdirty"
start softdirty
run shmdevctl map lab
shmdevctl map lab --json >/tmp/s1.json
next
run shmdevctl map lab --diff /tmp/s1.json
shmdevctl map lab --json >/tmp/s2.json
next
run shmdevctl map lab --diff /tmp/s2.json
next
wait

echo "=== 8 destroy"
start destroy
id=$(cat /tmp/shmdev-lab/destroy.id)
expect_fail shmdevctl map lab
expect_fail shmdevctl map --id "$id"
next
run sh -c "grep -E 'shmdev_(destroy|free): id=$id ' /sys/kernel/tracing/trace"
next
wait

echo "=== trace after the tour"
run sh -c "grep -c shmdev_ /sys/kernel/tracing/trace"
echo 0 >/sys/kernel/tracing/events/shmdev/enable
echo "lab tour finished: $fails failed step(s)"
exit "$fails"
