#!/bin/bash
# make bench: measure shmdev against the kernel's other IPC primitives
# (bench/README.md).  For each kernel line of SHMDEV_BENCH_KERNELS
# (default "6.1 6.12") it boots SHMDEV_BENCH_BOOTS guests (default 3),
# each running SHMDEV_BENCH_REPS reps (default 4) of every workload of
# bench/src (shmdev-bench, static, in /usr/bin of the guest), with
# multi-threaded TCG, 2 vCPUs and 1 GB (`tsc=reliable` on 6.1: its TSC
# is otherwise marked unstable under TCG and every timestamp costs over
# a microsecond).  The console logs of all boots go to
# SHMDEV_BENCH_OUT (default bench/results/DATE-MACHINE), and
# scripts/bench-report.py turns them into results.json, results.md and
# SVG plots there.  SHMDEV_BENCH_QUICK=1: one boot, one rep, a tenth of
# the work (a smoke run; results to a scratch directory unless
# SHMDEV_BENCH_OUT is set).  A full run whose results go under
# bench/results/ also rewrites the README's Performance section (between
# its bench-results markers) from them.  SHMDEV_BENCH_WORKLOADS: a subset of
# "micro pingpong ring bulk create scale".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

kernels=${SHMDEV_BENCH_KERNELS:-6.1 6.12}
check_lines SHMDEV_BENCH_KERNELS "$kernels"
boots=${SHMDEV_BENCH_BOOTS:-3}
reps=${SHMDEV_BENCH_REPS:-4}
workloads=${SHMDEV_BENCH_WORKLOADS:-micro pingpong ring bulk create scale}
quick=
if [ "${SHMDEV_BENCH_QUICK:-0}" = 1 ]; then
	quick=--quick
	boots=${SHMDEV_BENCH_BOOTS:-1}
	reps=${SHMDEV_BENCH_REPS:-1}
fi
for v in "$boots" "$reps"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || die "SHMDEV_BENCH_BOOTS and SHMDEV_BENCH_REPS must be positive counts"
done
date=$(date -u +%Y-%m-%d)
machine="tcg-$(nproc)cpu-$(hostname -s)"
if [ -n "${SHMDEV_BENCH_OUT:-}" ]; then
	out=$SHMDEV_BENCH_OUT
elif [ -n "$quick" ]; then
	out=$(mktemp -d)/bench-quick
else
	out=$TOP/bench/results/$date-$machine
fi
mkdir -p "$out/raw"
out=$(cd "$out" && pwd)	# a relative SHMDEV_BENCH_OUT under bench/results too
start=$SECONDS

lock_cache
"$TOP/scripts/deps.sh" >/dev/null || die "scripts/deps.sh failed (run it to see why)"
u=$("$TOP/scripts/build-user.sh" -) || die "userspace build failed"
eval "$u"
benchdir=$CACHE/build/bench
make -s -C "$SRC/bench" O="$benchdir" LIBO="$USERBIN" STATIC=1 >"$CACHE/build/bench.log" 2>&1 ||
	{ cat "$CACHE/build/bench.log" >&2; die "bench build failed (log: $CACHE/build/bench.log)"; }

# One boot: the test image plus a second archive with the program and
# the guest script (the kernel unpacks concatenated archives in order).
boot_once() { # LINE BOOT LOG
	local line=$1 boot=$2 log=$3 extra image pad append qrc=0
	extra=$CACHE/build/$KVER/bench
	rm -rf "$extra"
	mkdir -p "$extra/usr/bin" "$extra/root"
	cp "$benchdir/shmdev-bench" "$extra/usr/bin/"
	sed -e "s/@BOOT@/$boot/" -e "s/@REPS@/$reps/" \
		-e "s/@FIRST@/$(((boot - 1) * reps))/" -e "s/@QUICK@/$quick/" \
		-e "s/@WORKLOADS@/$workloads/" \
		"$SRC/scripts/guest/bench.sh" >"$extra/root/lab-script.sh"
	image=$CACHE/build/$KVER/bench.cpio
	cp "$CPIO" "$image"
	pad=$(((4 - $(stat -c %s "$image") % 4) % 4))
	head -c "$pad" /dev/zero >>"$image"
	(cd "$extra" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) >>"$image" ||
		die "cannot write $image"
	append=${SHMDEV_APPEND:-}
	[ "$line" != 6.1 ] || append+=" tsc=reliable"
	rm -f "$CACHE/logs/$KVER-lab.log"
	env SHMDEV_TCG_THREAD=multi SHMDEV_MEM=1G SHMDEV_SMP=2 \
		SHMDEV_TIMEOUT="${SHMDEV_TIMEOUT:-3600}" SHMDEV_APPEND="$append" \
		"$TOP/scripts/boot.sh" "$KVER" "$KIMAGE" "$image" lab </dev/null \
		>/dev/null 2>&1 || qrc=$?
	cp "$CACHE/logs/$KVER-lab.log" "$log" 2>/dev/null || : >"$log"
	# Other work on the host slows the guest's vCPUs unevenly: keep the load.
	echo "BENCH-HOST boot=$boot load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$log"
	grep -q '^SHMDEV-BENCH-END' "$log" || {
		note "boot $boot on $KVER ended early (QEMU status $qrc); end of its log:"
		tail -n 15 "$log" | sed 's/^/   /' >&2
		return 1
	}
}

for line in $kernels; do
	p=$(SHMDEV_NO_TOOLS=1 "$TOP/scripts/prepare.sh" "$line" "$USERBIN" "$TESTBIN") ||
		die "cannot prepare kernel $line"
	eval "$p"
	for boot in $(seq 1 "$boots"); do
		log=$out/raw/$KVER-boot$boot.log
		note "$KVER: boot $boot of $boots ($reps reps; $((SECONDS - start)) s so far)"
		# Multi-threaded TCG crashes a boot now and then: one retry.
		boot_once "$line" "$boot" "$log" || boot_once "$line" "$boot" "$log" ||
			note "warning: no complete run for boot $boot on $KVER; its partial log is kept"
	done
done
gzip -9 -f "$out"/raw/*.log
# A full run into the tree's results makes the README's Performance section.
readme=()
[ -n "$quick" ] || [ "${out#"$TOP"/bench/results/}" = "$out" ] || readme=(--readme "$TOP/README.md")
python3 "$TOP/scripts/bench-report.py" --out "$out" "${readme[@]}" \
	--machine "$machine, $(nproc) host CPUs, QEMU TCG multi-threaded, 2 vCPUs, 1 GB" \
	--command "make bench${quick:+ (SHMDEV_BENCH_QUICK=1)}" "$out"/raw/*.log.gz ||
	die "bench-report.py failed"
note "done in $((SECONDS - start)) s: $out/results.md"
