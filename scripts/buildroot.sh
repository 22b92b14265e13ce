#!/bin/bash
# Usage: scripts/buildroot.sh SUITE GCC-VERSION
# A minimal Debian root filesystem of SUITE with gcc-GCC-VERSION and what
# kbuild needs (make, libc, libelf, libssl, bc, kmod, pahole, sparse),
# made once by mmdebstrap and cached as $CACHE/buildroots/SUITE-gcc-N.
# Kernels of newer Debian suites name a compiler the host does not have
# (7.2's headers want gcc-16, Debian 13's gcc-14) and ship kbuild tools
# linked against that suite's libraries, so their modules are built in
# such a root (scripts/build-module.sh).  Debian experimental is not a
# whole suite: its kernels use the unstable (sid) root, whose apt also
# sees experimental.  About 2 minutes and 400 MB each.  Prints ROOT=.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: buildroot.sh SUITE GCC-VERSION"
suite=${1%-security}
suite=${suite%-updates}
gcc=$2
sources=("$suite")
case $suite in
sid | unstable | experimental) suite=sid sources=(sid experimental) ;;
esac
base=$CACHE/buildroots
root=$base/$suite-gcc-$gcc
pkgs=gcc-$gcc,make,libc6-dev,libelf-dev,libssl-dev,bc,kmod,dwarves,sparse

if [ ! -e "$root/.complete" ]; then
	mkdir -p "$base"
	exec 8>"$base/.lock-$suite-gcc-$gcc"
	flock 8
fi
if [ ! -e "$root/.complete" ]; then
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing (scripts/deps.sh)"
	note "making a Debian $suite build root with gcc-$gcc in $root (about 2 minutes)"
	tmp=$root.tmp
	rm -rf "$tmp" "$root"
	"$TOP/scripts/kapt.sh" sources "${sources[@]}" >"$base/$suite.sources"
	log=$base/$suite-gcc-$gcc.log
	# The rig's lock descriptors (6-9) are closed: mmdebstrap hands apt a
	# pipe that dash's "cat >&N" must be able to name with one digit.
	if ! mmdebstrap --variant=apt --include="$pkgs" \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		"$suite" "$tmp" "$base/$suite.sources" >"$log" 2>&1 6>&- 7>&- 8>&- 9>&-; then
		tail -n 30 "$log" >&2
		rm -rf "$tmp"
		die "mmdebstrap of $suite with gcc-$gcc failed (log: $log)"
	fi
	mv "$tmp" "$root"
	touch "$root/.complete"
fi
printf 'ROOT=%q\n' "$root"
