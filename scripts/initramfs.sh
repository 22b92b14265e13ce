#!/bin/bash
# Usage: scripts/initramfs.sh KVER MOD USERBIN TESTBIN
# Build $CACHE/build/KVER/initramfs.cpio.zst: static busybox with its
# applet links, /init (scripts/guest/init), the module at
# /lib/modules/shmdev.ko, the programs in USERBIN in /usr/bin (plus
# scripts/guest/demo.sh as /usr/bin/shmdev-demo when it exists), the files
# in TESTBIN in /tests with the run order in /tests/list.  Prints CPIO=<path>.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 4 ] || die "usage: initramfs.sh KVER MOD USERBIN TESTBIN"
kver=$1 mod=$2 userbin=$3 testbin=$4
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
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | zstd -q -T2 -3 -f -o "$cpio" ||
	die "cannot write $cpio"
printf 'CPIO=%q\n' "$cpio"
