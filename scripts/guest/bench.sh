#!/bin/sh
# The guest side of make bench (scripts/bench.sh copies it to
# /root/lab-script.sh with the settings below filled in): run every
# workload of shmdev-bench for each rep, one program run per workload
# and rep (a hang or crash costs that one measurement, not the boot),
# and print the marker lines the report script reads.
boot=@BOOT@
reps=@REPS@
first=@FIRST@
quick=@QUICK@
workloads="@WORKLOADS@"

# 10,000 regions (scale) need more than the module's default limit.
echo 20000 >/sys/module/shmdev/parameters/max_regions
echo "BENCH-INFO boot=$boot clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "BENCH-INFO cmdline=$(tr ' ' ',' </proc/cmdline)"
echo "SHMDEV-BENCH-BEGIN boot=$boot"
r=$first
while [ "$r" -lt $((first + reps)) ]; do
	for w in $workloads; do
		t0=$(date +%s)
		# shellcheck disable=SC2086 # $quick is empty or one option
		timeout 900 shmdev-bench $quick --rep "$r" "$w"
		rc=$?
		[ $rc -eq 0 ] || echo "BENCH-FAIL rep=$r wl=$w rc=$rc"
		echo "BENCH-TIME rep=$r wl=$w seconds=$(($(date +%s) - t0))"
	done
	r=$((r + 1))
done
# A kernel that complained during the run makes its figures suspect.
dmesg | grep -E 'BUG:|WARNING:|Oops|UBSAN:|circular locking' | sed 's/^/BENCH-DMESG /'
echo "SHMDEV-BENCH-END boot=$boot"
