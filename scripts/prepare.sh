#!/bin/bash
# Usage: scripts/prepare.sh LINE USERBIN TESTBIN
# For kernel line LINE (scripts/kernels.sh): fetch (or build) the kernel,
# build the module (W=1, warning-free; in a build root of the kernel's
# Debian suite where it needs one) and the initramfs (with the Debian
# kernel's zram modules when it has them).  Prints KVER= KIMAGE= CPIO=.
# Exits 3 when the line is not in the registry (kernels.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: prepare.sh LINE USERBIN TESTBIN"
line=$1 userbin=$2 testbin=$3
krc=0
k=$("$TOP/scripts/kernels.sh" "$line") || krc=$?
[ "$krc" -ne 3 ] || exit 3
[ "$krc" -eq 0 ] || die "cannot fetch kernel $line"
MODDIR= SUITE=
eval "$k"
m=$(KSUITE=$SUITE "$TOP/scripts/build-module.sh" "$KVER" "$KDIR") || die "module build failed for $KVER"
eval "$m"
c=$("$TOP/scripts/initramfs.sh" "$KVER" "$MOD" "$userbin" "$testbin" ${MODDIR:+"$MODDIR"}) ||
	die "initramfs build failed for $KVER"
eval "$c"
printf 'KVER=%q\n' "$KVER"
printf 'KIMAGE=%q\n' "$KIMAGE"
printf 'CPIO=%q\n' "$CPIO"
