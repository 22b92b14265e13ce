#!/bin/bash
# Usage: scripts/debug-kernel.sh
# The 6.12-debug kernel: Debian's linux-source-6.12 at the Debian version
# of the 6.12 line (scripts/kernels.sh 6.12), configured as
# `make ARCH=x86_64 tinyconfig` + scripts/debug.config (merge_config.sh)
# + olddefconfig, and built `bzImage modules_prepare` (-j$SHMDEV_JOBS,
# default 2) with Module.symvers from vmlinux.symvers.  Every line of the
# fragment is checked against the final .config; a dropped option fails
# the build.  Source and build live under $CACHE/kernels/ (never in the
# checkout), the build keyed by the Debian version and a hash of the
# fragment, so it happens once.  Prints KVER= KDIR= KIMAGE= DEBVER= like
# kernels.sh.  A cold build takes about 15 minutes on 2 cores; the
# build log and the time it took are in $CACHE/kernels/6.12-debug/.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

frag=$TOP/scripts/debug.config
[ -f "$frag" ] || die "$frag is missing"
pkg=linux-source-6.12
jobs=${SHMDEV_JOBS:-2}

# The Debian version of the 6.12 line (fetches that kernel too; it is in
# the matrix anyway).
k=$("$TOP/scripts/kernels.sh" 6.12) || die "cannot resolve the 6.12 line"
# shellcheck disable=SC2153 # DEBVER comes from the eval
debver=$(eval "$k"; echo "$DEBVER")
[ -n "$debver" ] || die "no Debian version for the 6.12 line"

hash=$(sha256sum <"$frag" | cut -c1-12)
base=$CACHE/kernels/6.12-debug
src=$base/src-$debver
out=$base/$debver-$hash
build=$out/build

# Full source tree, once per Debian version.
fetch_source() {
	local deb
	[ -e "$src/.complete" ] && return 0
	note "fetching $pkg $debver (full tree)"
	mkdir -p "$base/debs"
	# ksrc.sh may already have the very .deb.
	deb=$(find "$CACHE/ksrc/debs" "$base/debs" -name "${pkg}_${debver//\~/?}_*.deb" 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		rm -f "$base"/debs/*.deb
		(cd "$base/debs" && apt-get download -qq -o APT::Sandbox::User=root \
			"$pkg=$debver" >/dev/null) || die "apt-get download $pkg=$debver failed"
		deb=$(find "$base/debs" -name "${pkg}_*.deb" | head -n1)
	fi
	rm -rf "$src"
	mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/$pkg.tar.xz" |
		xz -T2 -dc | tar -x -C "$src" --strip-components=1 ||
		die "extracting the kernel tree from $deb failed"
	[ -f "$src/Makefile" ] || die "no Makefile in the tree from $deb"
	rm -f "$base"/debs/*.deb
	touch "$src/.complete"
}

# Every CONFIG_ line of the fragment (set or "is not set") must be in the
# final .config exactly.
verify_config() {
	local line opt want have bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} want=$line ;;
		"# CONFIG_"*" is not set") opt=${line#\# } opt=${opt%% *} want=$line ;;
		*) continue ;;
		esac
		have=$(grep -E "^$opt=|^# $opt is not set" "$build/.config" || true)
		# An option that is absent altogether is off too.
		[ -z "$have" ] && [ "$want" = "# $opt is not set" ] && continue
		if [ "$have" != "$want" ]; then
			echo "debug.config: want '$want', final .config has '${have:-nothing}'" >&2
			bad=1
		fi
	done <"$frag"
	return $bad
}

if [ ! -e "$out/.complete" ]; then
	lock=$base/.build-lock
	mkdir -p "$base"
	exec 8>"$lock"
	flock 8
fi
if [ ! -e "$out/.complete" ]; then
	start=$SECONDS
	{ command -v flex >/dev/null && command -v bison >/dev/null; } ||
		die "flex/bison missing (scripts/deps.sh)"
	fetch_source
	t_src=$((SECONDS - start))
	note "building the debug kernel ($debver, fragment $hash) in $build; about 15 min"
	rm -rf "$out"
	mkdir -p "$build"
	log=$out/build.log
	mk=(make -C "$src" O="$build" ARCH=x86_64 -j"$jobs")
	{
		"${mk[@]}" tinyconfig &&
			(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m \
				-O "$build" "$build/.config" "$frag") &&
			"${mk[@]}" olddefconfig
	} >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "configuring the debug kernel failed (log: $log)"; }
	verify_config || die "Kconfig dropped options of $frag (see above; $build/.config)"
	if ! /usr/bin/time -f 'peak RSS %M KB, %e s' -o "$out/build.time" \
		"${mk[@]}" bzImage modules_prepare >>"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -n 40 >&2
		die "building the debug kernel failed (log: $log)"
	fi
	# Out-of-tree modules need Module.symvers (modpost: misc_register undefined).
	[ -f "$build/Module.symvers" ] || cp "$build/vmlinux.symvers" "$build/Module.symvers"
	echo "source fetch+extract ${t_src} s, total $((SECONDS - start)) s" >>"$out/build.time"
	note "debug kernel built: $(tr '\n' ' ' <"$out/build.time")"
	# Objects are not needed by module builds: keep the tree small.
	find "$build" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
	touch "$out/.complete"
	# Older builds (other Debian versions or fragments) are dead weight.
	find "$base" -mindepth 1 -maxdepth 1 -type d ! -name "$debver-$hash" ! -name "src-$debver" \
		! -name debs -exec rm -rf {} +
fi

KIMAGE=$build/arch/x86/boot/bzImage
{ [ -f "$KIMAGE" ] && [ -f "$build/Module.symvers" ]; } || die "incomplete debug build in $out (remove it)"
KVER=$(cat "$out/kver" 2>/dev/null || true)
if [ -z "$KVER" ]; then
	KVER=$(make -s -C "$src" O="$build" ARCH=x86_64 kernelrelease 2>/dev/null | tail -n1)
	[ -n "$KVER" ] || die "cannot read the kernel release of $build"
	echo "$KVER" >"$out/kver"
fi
printf 'KVER=%q\n' "$KVER"
printf 'KDIR=%q\n' "$build"
printf 'KIMAGE=%q\n' "$KIMAGE"
printf 'DEBVER=%q\n' "$debver"
