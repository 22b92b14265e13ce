#!/bin/bash
# Usage: scripts/kernels.sh 6.1|6.12|6.12-rt|6.12-debug
# Pick the newest Debian build of that kernel line for which the unsigned
# image, both header packages and the kbuild package exist at one Debian
# version; download and unpack them under $CACHE/kernels/ (never onto the
# host system) and print shell lines: KVER= KDIR= KIMAGE= DEBVER=
# SHMDEV_KVER_6_1=6.1.0-56 / SHMDEV_KVER_6_12=6.12.117+deb12 pin the ABI.
# 6.12-rt is Debian's PREEMPT_RT flavour (linux-image-ABI-rt-amd64-unsigned,
# linux-headers-ABI-rt-amd64, linux-headers-ABI-common-rt) at exactly the
# ABI and Debian version chosen for 6.12; it fails if that set is
# incomplete.  6.12-debug is built from source by scripts/debug-kernel.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

line=${1:-}
case $line in
6.1) abi_re='6\.1\.0-[0-9]+'; pin=${SHMDEV_KVER_6_1:-} ;;
6.12) abi_re='6\.12\.[0-9]+\+deb12'; pin=${SHMDEV_KVER_6_12:-} ;;
6.12-rt) ;;
6.12-debug) exec "$TOP/scripts/debug-kernel.sh" ;;
*) die "usage: kernels.sh 6.1|6.12|6.12-rt|6.12-debug" ;;
esac
kdir=$CACHE/kernels
mkdir -p "$kdir"
choice=$kdir/choice-$line${pin:+-$pin}
ttl=${SHMDEV_KERNEL_TTL:-86400}

# Print "Package Version Depends" for every version of the named packages.
pkg_versions() {
	apt-cache show "$@" 2>/dev/null | awk '
		/^Package:/ { p = $2 } /^Version:/ { v = $2 }
		/^Depends:/ { d = $0; sub(/^Depends: */, "", d); gsub(/ /, "", d) }
		/^$/ { if (p != "") print p, v, d; p = v = d = "" }
		END { if (p != "") print p, v, d }'
}

# Has package $1 got version $2 in the listing $3?
has() { grep -q "^$1 $2 " <<<"$3"; }

# The ABIs of this line that have an unsigned image, newest first.
list_abis() {
	apt-cache pkgnames linux-image-"$line" |
		sed -nE "s/^linux-image-($abi_re)-amd64-unsigned\$/\\1/p" |
		sort -rV
}

# sudo when not root.
as_root() {
	[ "$(id -u)" -eq 0 ] || echo sudo
}

pick() {
	local abis abi info v kb kbinfo
	if [ -n "$pin" ]; then
		abis=$pin
	else
		abis=$(list_abis)
		if [ -z "$abis" ]; then
			# A new machine may have empty package lists.
			note "no $line kernels in apt's lists; running apt-get update"
			$(as_root) apt-get update -q >/dev/null 2>&1 || true
			abis=$(list_abis)
		fi
	fi
	[ -n "$abis" ] || die "no linux-image-$line.*-amd64-unsigned in apt (run apt-get update?)"
	for abi in $abis; do
		info=$(pkg_versions "linux-image-$abi-amd64-unsigned" \
			"linux-headers-$abi-amd64" "linux-headers-$abi-common")
		while read -r v; do
			has "linux-headers-$abi-amd64" "$v" "$info" || continue
			has "linux-headers-$abi-common" "$v" "$info" || continue
			kb=$(grep "^linux-headers-$abi-amd64 $v " <<<"$info" |
				grep -oE 'linux-kbuild-[^(,|]+' | head -n1)
			[ -n "$kb" ] || continue
			kbinfo=$(pkg_versions "$kb")
			has "$kb" "$v" "$kbinfo" || continue
			echo "$abi $v $kb"
			return 0
		done < <(awk -v p="linux-image-$abi-amd64-unsigned" '$1 == p { print $2 }' <<<"$info" |
			sort -rV)
		note "skipping $abi: no complete image/headers/kbuild set"
	done
	return 1
}

# Unpack one flavour: download the four packages at $debver into
# $kdir/$kver, fix the headers' include.  Args: KVER IMAGE HEADERS COMMON KBUILD.
fetch() {
	local kver=$1 root=$kdir/$1 stamp deb mk
	shift
	stamp=$root/.complete-$debver
	[ -e "$stamp" ] && return 0
	note "fetching Debian kernel $kver ($debver)"
	rm -rf "$root"
	mkdir -p "$root/debs"
	(cd "$root/debs" && apt-get download -qq -o APT::Sandbox::User=root \
		"${@/%/=$debver}" >/dev/null) || {
		rm -rf "$root"
		return 1
	}
	for deb in "$root"/debs/*.deb; do
		dpkg-deb -x "$deb" "$root" || die "cannot unpack $deb"
	done
	rm -rf "$root/debs"
	# The -amd64 Makefile includes the -common one by absolute /usr/src
	# path; make it relative to itself so the unpacked copy is used.
	mk=$root/usr/src/linux-headers-$kver/Makefile
	sed -i -E "s|^include /usr/src/(linux-headers-[^/]+/Makefile)|include \$(dir \$(lastword \$(MAKEFILE_LIST)))../\\1|" "$mk"
	grep -q '^include /usr/src' "$mk" && die "could not fix the include in $mk"
	touch "$stamp"
}

emit() { # KVER
	local root=$kdir/$1
	KDIR=$root/usr/src/linux-headers-$1
	KIMAGE=$root/boot/vmlinuz-$1
	{ [ -f "$KDIR/Makefile" ] && [ -f "$KIMAGE" ]; } || die "incomplete unpack in $root (remove it)"
	printf 'KVER=%q\n' "$1"
	printf 'KDIR=%q\n' "$KDIR"
	printf 'KIMAGE=%q\n' "$KIMAGE"
	printf 'DEBVER=%q\n' "$debver"
}

if [ "$line" = 6.12-rt ]; then
	# Exactly the build chosen for 6.12 (which is fetched as well).
	k=$("$0" 6.12) || die "cannot resolve the 6.12 line"
	eval "$k"
	# shellcheck disable=SC2153 # KVER and DEBVER come from the eval
	abi=${KVER%-amd64} debver=$DEBVER
	kver=$abi-rt-amd64
	if [ ! -e "$kdir/$kver/.complete-$debver" ]; then
		info=$(pkg_versions "linux-image-$kver-unsigned" "linux-headers-$kver")
		has "linux-image-$kver-unsigned" "$debver" "$info" ||
			die "no linux-image-$kver-unsigned at $debver (the 6.12 line's version)"
		has "linux-headers-$kver" "$debver" "$info" ||
			die "no linux-headers-$kver at $debver"
		deps=$(grep "^linux-headers-$kver $debver " <<<"$info")
		common=$(grep -oE 'linux-headers-[^(,|]+-common[^(,|]*' <<<"$deps" | head -n1)
		kbuild=$(grep -oE 'linux-kbuild-[^(,|]+' <<<"$deps" | head -n1)
		{ [ -n "$common" ] && [ -n "$kbuild" ]; } || die "cannot read the dependencies of linux-headers-$kver"
		fetch "$kver" "linux-image-$kver-unsigned" "linux-headers-$kver" "$common" "$kbuild" ||
			die "apt-get download of kernel $kver ($debver) failed"
	fi
	emit "$kver"
	exit 0
fi

cached=0
if [ -s "$choice" ] && [ $(($(date +%s) - $(stat -c %Y "$choice"))) -lt "$ttl" ]; then
	read -r abi debver kbuild <"$choice"
	cached=1
elif sel=$(pick); then
	echo "$sel" >"$choice"
	read -r abi debver kbuild <<<"$sel"
elif [ -s "$choice" ]; then
	read -r abi debver kbuild <"$choice"
	note "apt has no complete $line set now; reusing the cached choice $abi ($debver)"
else
	die "cannot find a complete Debian kernel set for line $line${pin:+ (pinned $pin)}"
fi

kver=$abi-amd64
if ! fetch "$kver" "linux-image-$kver-unsigned" "linux-headers-$kver" \
	"linux-headers-$abi-common" "$kbuild"; then
	# A cached choice may have left the archive since: pick again once.
	if [ "$cached" = 1 ] && [ -z "${SHMDEV_KERNELS_REPICK:-}" ]; then
		rm -f "$choice"
		SHMDEV_KERNELS_REPICK=1 exec "$0" "$line"
	fi
	die "apt-get download of kernel $kver ($debver) failed"
fi
emit "$kver"
