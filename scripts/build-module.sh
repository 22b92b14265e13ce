#!/bin/bash
# Usage: scripts/build-module.sh KVER KDIR [OUTDIR [make args...]]
# Copy Kbuild, module/ and uapi/ from $SRC into OUTDIR (default
# $CACHE/build/KVER/mod; kbuild writes objects beside the sources), build
# with W=1 and fail on any warning.  Prints MOD=<path to shmdev.ko>.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: build-module.sh KVER KDIR [OUTDIR [make args...]]"
kver=$1 kdir=$2
out=${3:-$CACHE/build/$kver/mod}
shift $(($# < 3 ? $# : 3))

for f in Kbuild module uapi; do
	[ -e "$SRC/$f" ] || die "$SRC/$f is missing"
done
rm -rf "$out"
mkdir -p "$out"
cp -a "$SRC/Kbuild" "$SRC/module" "$SRC/uapi" "$out/"

log=$out/build.log
if ! make -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	die "module build failed for $kver (log: $log)"
fi
if grep -qi 'warning:' "$log"; then
	grep -i -B2 -A3 'warning:' "$log" >&2
	die "module build for $kver printed warnings (log: $log)"
fi
[ -f "$out/shmdev.ko" ] || die "no shmdev.ko after the build for $kver"
printf 'MOD=%q\n' "$out/shmdev.ko"
