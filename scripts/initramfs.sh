#!/bin/bash
# Usage: scripts/initramfs.sh KVER MOD USERBIN TESTBIN [MODDIR]
# Build $CACHE/build/KVER/initramfs.cpio.zst: static busybox with its
# applet links, /init (scripts/guest/init), the module at
# /lib/modules/shmdev.ko, the programs in USERBIN in /usr/bin (plus
# scripts/guest/demo.sh as /usr/bin/shmdev-demo when it exists), the files
# in TESTBIN in /tests with the run order in /tests/list, /etc/passwd and
# /etc/group with root, nobody (65534) and shmdev (1000), Debian's trinity
# and stress-ng with their libraries (scripts/guest-tools.sh; left out
# with a warning if they cannot be staged).  MODDIR is the kernel's
# unpacked /lib/modules/KVER: its zram.ko goes, decompressed, to
# /lib/modules/extra/zram.ko, the modules it depends on (modinfo) beside
# it, and their names in load order to /lib/modules/extra/preload (loaded
# by /init at boot).  Without MODDIR zram is expected built in.
# Prints CPIO=<path>.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 4 ] || [ $# -eq 5 ] || die "usage: initramfs.sh KVER MOD USERBIN TESTBIN [MODDIR]"
kver=$1 mod=$2 userbin=$3 testbin=$4 moddir=${5:-}
busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox missing (install busybox-static)"
[ -f "$mod" ] || die "module $mod missing"
[ -f "$testbin/list" ] || die "$testbin/list missing"

out=$CACHE/build/$kver
root=$out/initramfs
cpio=$out/initramfs.cpio.zst
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,tests,proc,sys,dev,tmp,root,etc}
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list-full); do
	[ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
done
install -m 0755 "$TOP/scripts/guest/init" "$root/init"
cp "$mod" "$root/lib/modules/shmdev.ko"
# Programs only: the build dirs also hold objects, libraries and headers.
# --remove-destination: never write through a busybox applet link.
find "$userbin" -maxdepth 1 -type f -perm -u+x -exec cp --remove-destination -t "$root/usr/bin/" {} +
if [ -f "$SRC/scripts/guest/demo.sh" ]; then
	cp --remove-destination "$SRC/scripts/guest/demo.sh" "$root/usr/bin/shmdev-demo"
	chmod 0755 "$root/usr/bin/shmdev-demo"
fi
find "$testbin" -maxdepth 1 -type f -exec cp -t "$root/tests/" {} +
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
shmdev:x:1000:1000:shmdev test user:/home/shmdev:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
shmdev:x:1000:
nogroup:x:65534:
EOF
mkdir -p "$root/home/shmdev"

# zram and the modules it needs (modinfo depends, recursively; the
# packages ship no modules.dep).  Dependencies go first in preload.
modfile() { find "$moddir/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -n1; }
add_module() { # NAME
	local f d
	[ -e "$root/lib/modules/extra/$1.ko" ] && return 0
	f=$(modfile "$1")
	[ -n "$f" ] || die "module $1 not found under $moddir"
	case $f in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -qdc "$f" ;;
	*) cat "$f" ;;
	esac >"$root/lib/modules/extra/$1.ko" || die "cannot copy $f"
	for d in $(modinfo -F depends "$root/lib/modules/extra/$1.ko" | tr ',' ' '); do
		add_module "$d"
		grep -qx "$d.ko" "$root/lib/modules/extra/preload" ||
			echo "$d.ko" >>"$root/lib/modules/extra/preload"
	done
}
if [ -n "$moddir" ]; then
	mkdir -p "$root/lib/modules/extra"
	: >"$root/lib/modules/extra/preload"
	add_module zram
fi

# trinity and stress-ng (tests skip when they are absent; the demo,
# SHMDEV_NO_TOOLS=1, needs neither).
if [ "${SHMDEV_NO_TOOLS:-0}" = 1 ]; then
	:
elif t=$("$TOP/scripts/guest-tools.sh"); then
	eval "$t"
	cp -a "$TOOLS/." "$root/"
else
	note "warning: trinity/stress-ng not staged; the guest runs without them"
fi

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | zstd -q -T2 -3 -f -o "$cpio" ||
	die "cannot write $cpio"
printf 'CPIO=%q\n' "$cpio"
