#!/bin/bash
# Usage: scripts/boot.sh KVER KIMAGE CPIO MODE
# Boot the guest under QEMU (TCG; SHMDEV_KVM=1 asks for KVM) in MODE
# (test|demo|lab; lab keeps QEMU's stdin, the guest's console, for the
# shell, and has no timeout unless SHMDEV_TIMEOUT is set), stream the console to stdout (carriage returns and
# terminal escapes removed) and save it to $CACHE/logs/KVER-MODE.log.  Exits with QEMU's status:
# 124 on host timeout (SHMDEV_TIMEOUT, default 1200 s); otherwise
# isa-debug-exit gives (guest value << 1) | 1, poweroff/panic give 0.
# SHMDEV_TCG_THREAD=single|multi (default single), SHMDEV_MEM (1G),
# SHMDEV_SMP (2), SHMDEV_TEST_TIMEOUT (per test, 300 s),
# SHMDEV_STRESS_SECONDS (10; the guest exports it to every program),
# SHMDEV_TORTURE_SECONDS (when set, passed on to the guest's programs;
# shmdev_torture_test runs that long, 120 s without it),
# SHMDEV_APPEND (extra kernel command line).  test.sh and demo.sh set
# these per kernel line (lib.sh boot_env: the debug kernel gets 2G,
# 900 s per test, 3600 s in all and 60 s of stress).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 4 ] || die "usage: boot.sh KVER KIMAGE CPIO MODE"
kver=$1 kimage=$2 cpio=$3 mode=$4
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/deps.sh)"
mkdir -p "$CACHE/logs"
log=$CACHE/logs/$kver-$mode.log

if [ "${SHMDEV_KVM:-0}" = 1 ]; then
	accel=kvm
else
	accel=tcg,thread=${SHMDEV_TCG_THREAD:-single}
fi
append="console=ttyS0 panic=-1 oops=panic quiet shmdev_mode=$mode"
append+=" shmdev_timeout=${SHMDEV_TEST_TIMEOUT:-300}"
append+=" shmdev_stress=${SHMDEV_STRESS_SECONDS:-10} ${SHMDEV_APPEND:-}"
append+="${SHMDEV_TORTURE_SECONDS:+ shmdev_torture=$SHMDEV_TORTURE_SECONDS}"

# Only the lab reads the console: the other modes never wait for input.
stdin=/dev/null
tmo=${SHMDEV_TIMEOUT:-1200}
if [ "$mode" = lab ]; then
	stdin=/dev/stdin
	tmo=${SHMDEV_TIMEOUT:-0}
fi

set +e
timeout -k 10 "$tmo" \
	qemu-system-x86_64 -machine pc -accel "$accel" \
	-m "${SHMDEV_MEM:-1G}" -smp "${SHMDEV_SMP:-2}" \
	-nographic -no-reboot -nic none -kernel "$kimage" -initrd "$cpio" \
	-append "$append" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 <"$stdin" 2>&1 |
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$log"
rc=${PIPESTATUS[0]}
set -e
note "console log: $log"
exit "$rc"
