#!/bin/bash
# Fetch Debian's linux-source-6.12 .deb (cached) and extract only the
# files the project needs from it into $CACHE/ksrc/: the kselftest
# harness headers, checkpatch.pl with its data files, and kernel-doc.
# Prints KSRC=<dir holding tools/ and scripts/>.
# SHMDEV_KSRC_VERSION pins the Debian version of linux-source-6.12.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pkg=linux-source-6.12
dir=$CACHE/ksrc
ksrc=$dir/$pkg
stamp=$dir/.complete
ttl=${SHMDEV_KERNEL_TTL:-86400}
members=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	scripts/kernel-doc
)

have=$(cat "$stamp" 2>/dev/null || true)
want=${SHMDEV_KSRC_VERSION:-}
if [ -z "$want" ]; then
	if [ -n "$have" ] && [ $(($(date +%s) - $(stat -c %Y "$stamp"))) -lt "$ttl" ]; then
		want=$have
	else
		want=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
		[ -n "$want" ] && [ "$want" != "(none)" ] || want=$have
	fi
fi
[ -n "$want" ] || die "$pkg is not in apt's lists (run apt-get update?)"

if [ "$have" != "$want" ]; then
	note "fetching $pkg $want"
	mkdir -p "$dir/debs"
	deb=$(find "$dir/debs" -name "${pkg}_${want//\~/?}_*.deb" 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		rm -f "$dir"/debs/*.deb
		(cd "$dir/debs" && apt-get download -qq -o APT::Sandbox::User=root \
			"$pkg=$want" >/dev/null) || die "apt-get download $pkg=$want failed"
		deb=$(find "$dir/debs" -name "${pkg}_*.deb" | head -n1)
	fi
	rm -rf "$ksrc" "$stamp"
	mkdir -p "$ksrc"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xOf - "./usr/src/$pkg.tar.xz" |
		xz -T2 -dc |
		tar -x -C "$ksrc" --strip-components=1 "${members[@]/#/$pkg/}" ||
		die "extracting ${members[*]} from $deb failed"
	for m in "${members[@]}"; do
		[ -e "$ksrc/$m" ] || die "$m missing from $deb"
	done
	echo "$want" >"$stamp"
fi
printf 'KSRC=%q\n' "$ksrc"
