#!/bin/bash
# Usage: scripts/kernels.sh LINE
# Fetch the Debian kernel of one line of the matrix (scripts/lib.sh):
#   6.1         Debian 12's LTS kernel, linux-image-6.1.0-NN-amd64-unsigned
#   6.12        Debian 12's 6.12 line, 6.12.NNN+deb12
#   6.12-rt     its PREEMPT_RT flavour, at exactly the 6.12 line's build
#   6.12-debug  built from Debian's source (scripts/debug-kernel.sh)
#   7.2         Debian unstable's 7.2 line, 7.2.NN+debNN
#   X.Y-rc      Debian experimental's release candidate X.Y~rcN (7.3-rc);
#               when experimental has moved on to a newer rc line, that
#               one, said loudly
# The newest build is picked at run time: the newest Debian version at
# which the image (and modules), both header packages and the kbuild
# package all exist (scripts/kapt.sh's lists).  They are downloaded and
# unpacked under $CACHE/kernels/ (never onto the host system).  Prints
# shell lines KVER= KDIR= KIMAGE= MODDIR= DEBVER= SUITE= (the Debian
# suite, which decides where the module is built: scripts/build-module.sh).
# SHMDEV_KVER_6_1=6.1.0-NN, SHMDEV_KVER_6_12=6.12.NNN+deb12,
# SHMDEV_KVER_7_2=7.2.NN+debNN, SHMDEV_KVER_7_3_RC=7.3 pin a line's ABI.
# Exits 3 when an rc line has no complete set in the registry (experimental
# comes and goes); any other failure exits 1.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

line=${1:-}
rc=
case $line in
6.1) abi_re='6\.1\.0-[0-9]+' ;;
6.12 | 6.12-rt) abi_re='6\.12\.[0-9]+\+deb12' ;;
6.12-debug) exec "$TOP/scripts/debug-kernel.sh" ;;
7.2) abi_re='7\.2\.[0-9]+\+deb[0-9]+' ;;
[0-9]*.[0-9]*-rc) abi_re='[0-9]+\.[0-9]+' rc=${line%-rc} ;;
*) die "unknown kernel line '$line' (kernel lines: $KNOWN_LINES)" ;;
esac
# shellcheck source-path=SCRIPTDIR source=kpkg.sh
. "$TOP/scripts/kpkg.sh"
pinvar=SHMDEV_KVER_$(tr '.a-z-' '_A-Z_' <<<"${line%-rt}")
pin=${!pinvar:-}
kdir=$CACHE/kernels
mkdir -p "$kdir"

# The ABIs to consider, newest first: the pin, or every ABI of the line
# (for an rc line, those at or above X.Y).
abis() {
	if [ -n "$pin" ]; then
		echo "$pin"
	elif [ -n "$rc" ]; then
		kpkg_abis "$abi_re" | awk -v base="$rc" '
			{ split($1, a, "."); split(base, b, ".") }
			a[1] > b[1] || (a[1] == b[1] && a[2] >= b[2])'
	else
		kpkg_abis "$abi_re"
	fi
}

# "ABI VERSION" of the newest complete amd64 set.
pick() {
	local abi v
	for abi in $(abis); do
		for v in $(kpkg_versions "linux-headers-$abi-amd64"); do
			[ -z "$rc" ] || [[ $v == *"~rc"* ]] || continue
			kpkg_headers_set "$abi-amd64" "$v" >/dev/null || continue
			kpkg_image_pkgs "$abi-amd64" "$v" >/dev/null || continue
			echo "$abi $v"
			return 0
		done
		note "skipping $abi: no complete image/headers/kbuild set"
	done
	return 1
}

if ! sel=$(pick); then
	if [ -n "$rc" ]; then
		note "NOTE: Debian's registry has no complete $line kernel set" \
			"(experimental, linux-image/headers/kbuild of $rc~rcN or a newer rc line)${pin:+ (pinned $pin)}"
		exit 3
	fi
	die "cannot find a complete Debian kernel set for line $line${pin:+ (pinned $pin)}"
fi
read -r abi debver <<<"$sel"
if [ -n "$rc" ] && [ "$abi" != "$rc" ]; then
	note "NOTE: line $line: experimental now carries $abi ($debver), not $rc; testing $abi"
fi
flavour=amd64
[ "$line" = 6.12-rt ] && flavour=rt-amd64
kver=$abi-$flavour
read -r _ hdr common kbuild < <(kpkg_headers_set "$kver" "$debver") ||
	die "no complete headers/kbuild set of $kver at $debver"
img=$(kpkg_image_pkgs "$kver" "$debver") || die "no image of $kver at $debver"
# shellcheck disable=SC2086 # $img is one or two package names
kpkg_fetch "$kdir/$kver" "$debver" $img "$hdr" "$common" "$kbuild" ||
	die "apt-get download of kernel $kver ($debver) failed"

root=$kdir/$kver
KDIR=$root/usr/src/linux-headers-$kver
KIMAGE=
for f in "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz"; do
	[ -f "$f" ] && KIMAGE=$f && break
done
MODDIR=
for d in "$root/lib/modules/$kver" "$root/usr/lib/modules/$kver"; do
	[ -d "$d/kernel" ] && MODDIR=$d && break
done
{ [ -f "$KDIR/Makefile" ] && [ -n "$KIMAGE" ]; } || die "incomplete unpack in $root (remove it)"
printf 'KVER=%q\n' "$kver"
printf 'KDIR=%q\n' "$KDIR"
printf 'KIMAGE=%q\n' "$KIMAGE"
printf 'MODDIR=%q\n' "$MODDIR"
printf 'DEBVER=%q\n' "$debver"
printf 'SUITE=%q\n' "$(kpkg_field "$hdr" "$debver" 3)"
