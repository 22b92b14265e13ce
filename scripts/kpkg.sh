# Debian kernel packages: look-ups in the table of scripts/kapt.sh and
# downloads into the cache.  Sourced (after lib.sh) by kernels.sh and
# compile-matrix.sh, not run.
# shellcheck shell=bash

KTABLE=$("$TOP/scripts/kapt.sh" table) || die "cannot read Debian's kernel package lists"

# Versions of package $1, newest first.
kpkg_versions() {
	awk -v p="$1" '$1 == p { print $2 }' "$KTABLE" | sort -ruV
}

# Has package $1 got version $2?
kpkg_has() {
	awk -v p="$1" -v v="$2" '$1 == p && $2 == v { f = 1 } END { exit !f }' "$KTABLE"
}

# Field $3 (3 = suite, 4 = depends) of package $1 at version $2.
kpkg_field() {
	awk -v p="$1" -v v="$2" -v n="$3" '$1 == p && $2 == v { print $n; exit }' "$KTABLE"
}

# ABIs whose linux-headers-ABI-amd64 exists and match the extended regex
# $1 in full, newest first.
kpkg_abis() {
	awk '{ print $1 }' "$KTABLE" | sed -nE "s/^linux-headers-($1)-amd64\$/\\1/p" | sort -ruV
}

# A complete header set of KVER (ABI-FLAVOUR) at version $2, or the
# newest one when $2 is empty: prints "VERSION HEADERS COMMON KBUILD", the
# -common package and the kbuild package as the headers' Depends name them.
kpkg_headers_set() {
	local kver=$1 want=${2:-} v deps common kbuild
	for v in $(kpkg_versions "linux-headers-$kver"); do
		[ -z "$want" ] || [ "$v" = "$want" ] || continue
		deps=$(kpkg_field "linux-headers-$kver" "$v" 4)
		common=$(grep -oE 'linux-headers-[^(,|]+-common[^(,|]*' <<<"$deps" | head -n1)
		kbuild=$(grep -oE 'linux-kbuild-[^(,|]+' <<<"$deps" | head -n1)
		[ -n "$common" ] && [ -n "$kbuild" ] || continue
		kpkg_has "$common" "$v" && kpkg_has "$kbuild" "$v" || continue
		echo "$v linux-headers-$kver $common $kbuild"
		return 0
	done
	return 1
}

# The packages holding the bootable kernel and its modules for KVER at
# version $2: the -unsigned image up to 6.12; from 7.x on, Debian splits
# the kernel (linux-binary-*) from its modules (linux-modules-*).
kpkg_image_pkgs() {
	local kver=$1 v=$2
	if kpkg_has "linux-image-$kver-unsigned" "$v"; then
		echo "linux-image-$kver-unsigned"
	elif kpkg_has "linux-binary-$kver" "$v" && kpkg_has "linux-modules-$kver" "$v"; then
		echo "linux-binary-$kver linux-modules-$kver"
	else
		return 1
	fi
}

# Download PACKAGEs at Debian version VERSION into ROOT and unpack them
# there (never onto the host system), then make the headers relocatable:
# the -amd64 Makefile names the -common tree (and on 7.x its own
# KBUILD_OUTPUT) by absolute /usr/src path.  Idempotent: a stamp marks a
# complete unpack.  Usage: kpkg_fetch ROOT VERSION PACKAGE...
kpkg_fetch() {
	local root=$1 v=$2 stamp mk deb
	shift 2
	stamp=$root/.complete-$v
	[ -e "$stamp" ] && return 0
	note "fetching $* ($v)"
	rm -rf "$root"
	mkdir -p "$root/debs"
	(cd "$root/debs" && "$TOP/scripts/kapt.sh" get download -qq "${@/%/=$v}" >/dev/null) || {
		rm -rf "$root"
		return 1
	}
	for deb in "$root"/debs/*.deb; do
		dpkg-deb -x "$deb" "$root" || die "cannot unpack $deb"
	done
	rm -rf "$root/debs"
	for mk in "$root"/usr/src/linux-headers-*/Makefile; do
		grep -q '^include /usr/src/linux-headers-.*-common' "$mk" 2>/dev/null || continue
		sed -i -E \
			-e "s|^include /usr/src/(linux-headers-[^/]+/Makefile)|include \$(dir \$(lastword \$(MAKEFILE_LIST)))../\\1|" \
			-e 's|^KBUILD_OUTPUT *=.*|KBUILD_OUTPUT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))|' "$mk"
		! grep -q '/usr/src' "$mk" || die "could not make $mk relocatable"
	done
	touch "$stamp"
}
