#!/bin/bash
# Usage: scripts/prepare.sh LINE USERBIN TESTBIN
# For kernel line LINE (6.1|6.12|6.12-rt|6.12-debug): fetch (or build)
# the kernel, build the module (W=1, warning-free) and the initramfs (with
# the Debian kernel's zram modules when it has them).  Prints KVER=
# KIMAGE= CPIO=.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: prepare.sh LINE USERBIN TESTBIN"
line=$1 userbin=$2 testbin=$3
k=$("$TOP/scripts/kernels.sh" "$line") || die "cannot fetch kernel $line"
eval "$k"
m=$("$TOP/scripts/build-module.sh" "$KVER" "$KDIR") || die "module build failed for $KVER"
eval "$m"
# Debian images unpack to ROOT/boot/vmlinuz-KVER + ROOT/lib/modules/KVER.
moddir=$(dirname "$(dirname "$KIMAGE")")/lib/modules/$KVER
[ -d "$moddir/kernel" ] || moddir=
c=$("$TOP/scripts/initramfs.sh" "$KVER" "$MOD" "$userbin" "$testbin" ${moddir:+"$moddir"}) ||
	die "initramfs build failed for $KVER"
eval "$c"
printf 'KVER=%q\n' "$KVER"
printf 'KIMAGE=%q\n' "$KIMAGE"
printf 'CPIO=%q\n' "$CPIO"
