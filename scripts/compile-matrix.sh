#!/bin/bash
# Usage: scripts/compile-matrix.sh
# The compile-only matrix of `make check`: build the module with W=1
# (zero warnings) against the newest headers of every Debian kernel
# flavour (amd64, cloud-amd64, rt-amd64) of every kernel line the registry
# offers: Debian 12's 6.1 and 6.12, Debian 13's 6.12, unstable's and
# experimental's newest lines (scripts/kapt.sh's suites).  A line is an
# ABI with its patch level dropped (6.12.118+deb13 -> 6.12+deb13).  Each
# build uses the compiler its headers name, in a build root of its suite
# where the host has not got it (scripts/build-module.sh).  Headers are
# cached under $CACHE/kernels/headers/.  Prints one line per build and
# exits non-zero if any failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=kpkg.sh
. "$TOP/scripts/kpkg.sh"

flavours=(amd64 cloud-amd64 rt-amd64)
hdir=$CACHE/kernels/headers
mkdir -p "$hdir"

# Real ABIs (those with a -common headers package), newest first.
abis=$(awk '{ print $1 }' "$KTABLE" | sed -nE 's/^linux-headers-(.+)-common$/\1/p' | sort -ruV)
line_of() { sed -E 's/^([0-9]+\.[0-9]+)(\.0-[0-9]+|\.[0-9]+)?(\+deb[0-9]+)?.*$/\1\3/' <<<"$1"; }
lines=$(for a in $abis; do line_of "$a"; done | sort -uV)

fail=0 built=()
for l in $lines; do
	for f in "${flavours[@]}"; do
		sel=
		for a in $abis; do
			[ "$(line_of "$a")" = "$l" ] || continue
			if set=$(kpkg_headers_set "$a-$f"); then
				sel="$a-$f $set"
				break
			fi
		done
		if [ -z "$sel" ]; then
			note "no $f headers in line $l; not built"
			continue
		fi
		read -r kver v hdr common kbuild <<<"$sel"
		suite=$(kpkg_field "$hdr" "$v" 3)
		# A kernel of the test matrix may already be unpacked in full.
		root=$CACHE/kernels/$kver
		if [ ! -e "$root/.complete-$v" ]; then
			root=$hdir/$kver
			kpkg_fetch "$root" "$v" "$hdr" "$common" "$kbuild" || {
				printf '%-36s %-22s %-18s FAIL (download)\n' "$kver" "$v" "$suite"
				fail=1
				continue
			}
		fi
		if KSUITE=$suite "$TOP/scripts/build-module.sh" "$kver" "$root/usr/src/linux-headers-$kver" \
			"$CACHE/build/compile/$kver" >/dev/null; then
			r=OK
		else
			r=FAIL
			fail=1
		fi
		printf '%-36s %-22s %-18s %s\n' "$kver" "$v" "$suite" "$r"
		built+=("$kver")
	done
done
# Headers of ABIs that are no longer the newest are dead weight.
for d in "$hdir"/*; do
	[ -d "$d" ] || continue
	[[ " ${built[*]} " == *" ${d##*/} "* ]] || rm -rf "$d"
done
[ ${#built[@]} -gt 0 ] || die "no kernel headers found to build against"
exit $fail
