#!/bin/bash
# Usage: scripts/build-module.sh KVER KDIR [OUTDIR [make args...]]
# Copy Kbuild, module/, uapi/ and VERSION from $SRC into OUTDIR (default
# $CACHE/build/KVER/mod; kbuild writes objects beside the sources), build
# with W=1 and fail on any warning.  Prints MOD=<path to shmdev.ko>.
# A build of the same sources against the same headers with the same
# arguments is reused (the hash of all three is kept beside it).
# KSUITE (from scripts/kernels.sh's SUITE=) is the Debian suite of the
# headers: a kernel of the host's own suite (or one built here, KSUITE
# empty) is built on the host; any other is built with the compiler its
# headers name (CONFIG_CC_VERSION_TEXT) inside a build root of its suite
# (scripts/buildroot.sh), with $CACHE mounted at the same path.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: build-module.sh KVER KDIR [OUTDIR [make args...]]"
kver=$1 kdir=$2
out=${3:-$CACHE/build/$kver/mod}
shift $(($# < 3 ? $# : 3))

for f in Kbuild module uapi VERSION; do
	[ -e "$SRC/$f" ] || die "$SRC/$f is missing"
done
hash=$({
	printf '%s\n' "$kdir" "${KSUITE:-}" "$*"
	stat -L -c '%s %Y' "$kdir/Module.symvers" "$kdir/.config"
	tar -C "$SRC" -c --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		Kbuild module uapi VERSION
} | sha256sum | cut -d' ' -f1)
if [ -f "$out/shmdev.ko" ] && [ "$(cat "$out/.src-hash" 2>/dev/null)" = "$hash" ]; then
	printf 'MOD=%q\n' "$out/shmdev.ko"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
cp -a "$SRC/Kbuild" "$SRC/module" "$SRC/uapi" "$SRC/VERSION" "$out/"

# Where to run make: "" (the host) or a build root.
build_root() {
	local host suite=${KSUITE:-} gcc r
	host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	suite=${suite%-security}
	suite=${suite%-updates}
	[ -z "$suite" ] || [ "$suite" = "$host" ] && return 0
	gcc=$(sed -nE 's/^CONFIG_CC_VERSION_TEXT=".*gcc-([0-9]+) .*/\1/p' "$kdir/.config")
	[ -n "$gcc" ] || die "$kdir/.config names no gcc-N compiler"
	r=$("$TOP/scripts/buildroot.sh" "$suite" "$gcc") || die "no $suite build root with gcc-$gcc"
	eval "$r"
	echo "$ROOT"
}

# make in the build root $1 (private mounts, gone when it exits).  The
# cache is bound recursively: in scripts/fresh-check.sh's root its
# kernels/ is itself a bind mount.
make_in() {
	local root=$1
	shift
	if [ -z "$root" ]; then
		make "$@"
		return
	fi
	mkdir -p "$root$CACHE"
	unshare -m --propagation private -- sh -ec '
		root=$1 cache=$2; shift 2
		mount -t proc proc "$root/proc"
		mount --rbind "$cache" "$root$cache"
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 make "$@"
	' make-in "$root" "$CACHE" "$@"
}

root=$(build_root)
if [ -n "$root" ]; then
	case $out:$kdir in
	"$CACHE"/*:"$CACHE"/*) ;;
	*) die "a build in $root needs OUTDIR and KDIR under $CACHE" ;;
	esac
fi
log=$out/build.log
if ! make_in "$root" -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	die "module build failed for $kver (log: $log)"
fi
if grep -qi 'warning:' "$log"; then
	grep -i -B2 -A3 'warning:' "$log" >&2
	die "module build for $kver printed warnings (log: $log)"
fi
[ -f "$out/shmdev.ko" ] || die "no shmdev.ko after the build for $kver"
echo "$hash" >"$out/.src-hash"
printf 'MOD=%q\n' "$out/shmdev.ko"
