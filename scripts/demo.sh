#!/bin/bash
# make demo: build everything for one kernel (SHMDEV_KERNEL, default 6.12;
# any line of the test matrix, settings from lib.sh boot_env),
# boot it in demo mode (the guest runs /usr/bin/shmdev-demo, copied from
# scripts/guest/demo.sh) and stream the console.  Exits with the demo's
# status.  Demo runs use multi-threaded TCG by default (closer timing
# ratios for benchmarks); SHMDEV_TCG_THREAD=single overrides.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

line=${SHMDEV_KERNEL:-6.12}
lock_cache
"$TOP/scripts/deps.sh" || die "scripts/deps.sh failed"
k=$("$TOP/scripts/ksrc.sh") || die "scripts/ksrc.sh failed"
eval "$k"
u=$("$TOP/scripts/build-user.sh" "$KSRC/tools/testing/selftests") ||
	die "userspace/selftests build failed"
eval "$u"
p=$("$TOP/scripts/prepare.sh" "$line" "$USERBIN" "$TESTBIN") || die "cannot prepare kernel $line"
eval "$p"
[ -f "$SRC/scripts/guest/demo.sh" ] || note "warning: no scripts/guest/demo.sh; the guest will report it"

qrc=0
mapfile -t benv < <(boot_env "$line")
env "${benv[@]}" SHMDEV_TCG_THREAD="${SHMDEV_TCG_THREAD:-multi}" \
	"$TOP/scripts/boot.sh" "$KVER" "$KIMAGE" "$CPIO" demo || qrc=$?
log=$CACHE/logs/$KVER-demo.log
grep -q 'SHMDEV-RESULT: rc=' "$log" ||
	die "no result from the guest (QEMU status $qrc; log: $log)"
rc=$(grep -o 'SHMDEV-RESULT: rc=[0-9]*' "$log" | tail -n1 | sed 's/.*=//')
echo "demo on $KVER finished with status $rc (log: $log)"
exit "$rc"
