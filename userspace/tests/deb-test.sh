#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test 'make deb' on the host, without installing anything: the four
# packages are built, hold the right files, pass lintian, carry the
# version of VERSION; a program builds with pkg-config against the
# unpacked libshmdev-dev and runs against the unpacked libshmdev1; the
# unpacked shmdevctl runs; and, when kernel headers are given, DKMS builds
# the module from the unpacked shmdev-dkms in a private DKMS tree.
#
# Usage: userspace/tests/deb-test.sh [WORKDIR [KVER KDIR]]
# Never loads anything into the kernel and installs nothing on the host.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/shmdev-deb-test.XXXXXX)}
kver=${2:-} kdir=${3:-}
mkdir -p "$work"
pass=0 failed=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@" >"$work/last.log" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/#   /' "$work/last.log" | tail -40; fi; }

v=$(cat "$top/VERSION")
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb=$work/deb
# Built from a copy of the tree holding what an in-tree `make modules`
# leaves in module/, none of which may reach the DKMS source.
src=$work/src
rm -rf "$src"
mkdir -p "$src"
tar -C "$top" --exclude=./.git --exclude=./build --exclude=./userspace/build \
	-cf - . | tar -C "$src" -xf -
touch "$src/module/main.o" "$src/module/.main.o.cmd" "$src/module/shmdev.mod.c"
check "make deb DEBDIR=..." make -C "$src" deb DEBDIR="$deb"
for p in "shmdev-dkms_${v}_all" "libshmdev1_${v}_$arch" "libshmdev-dev_${v}_$arch" "shmdev-utils_${v}_$arch"; do
	check "built $p.deb" test -f "$deb/$p.deb"
done

has() {	# has PACKAGE PATH...: dpkg-deb -c lists every PATH
	local p=$1 f list
	shift
	list=$(dpkg-deb -c "$deb/$p"_*.deb | awk '{ print $6 }')
	for f in "$@"; do
		grep -qx "\./$f" <<<"$list" || { echo "missing $f in $p"; return 1; }
	done
}
check "shmdev-dkms: source, dkms.conf, modules-load.d" has shmdev-dkms \
	"usr/src/shmdev-$v/dkms.conf" "usr/src/shmdev-$v/Kbuild" "usr/src/shmdev-$v/VERSION" \
	"usr/src/shmdev-$v/module/main.c" "usr/src/shmdev-$v/uapi/linux/shmdev.h" \
	usr/lib/modules-load.d/shmdev.conf "usr/share/doc/shmdev-dkms/copyright"
check "libshmdev1: the shared library only" has libshmdev1 \
	"usr/lib/$ma/libshmdev.so.1.2.0" "usr/lib/$ma/libshmdev.so.1"
check "libshmdev-dev: headers, .so, .a, .pc, man3, examples" has libshmdev-dev \
	usr/include/shmdev.h usr/include/linux/shmdev.h "usr/lib/$ma/libshmdev.so" \
	"usr/lib/$ma/libshmdev.a" "usr/lib/$ma/pkgconfig/libshmdev.pc" \
	usr/share/man/man3/libshmdev.3.gz usr/share/man/man3/shmdev_wait.3.gz \
	usr/share/doc/libshmdev-dev/examples/producer.c
check "shmdev-utils: shmdevctl, man page, completion, udev rule, sysusers" has shmdev-utils \
	usr/bin/shmdevctl usr/share/man/man1/shmdevctl.1.gz \
	usr/share/bash-completion/completions/shmdevctl lib/udev/rules.d/60-shmdev.rules \
	usr/lib/sysusers.d/shmdev.conf
check "no .so in libshmdev1 beyond the soname" \
	bash -c "! dpkg-deb -c '$deb'/libshmdev1_*.deb | grep -q 'libshmdev.so \| libshmdev.a'"
# The shlibs minimum is the newest symbol's version in the symbols file,
# not VERSION: a release that adds no symbol does not raise it.
minv=$(awk 'NR > 1 && NF == 2 { print $2 }' "$top/debian/libshmdev1.symbols" | sort -V | tail -n 1)
check "shmdev-utils depends on libshmdev1 (>= $minv) (shlibs, symbols file)" \
	bash -c "dpkg-deb -f '$deb'/shmdev-utils_*.deb Depends | grep -q 'libshmdev1 (>= $minv)'"
check "the DKMS source has no build products of an in-tree make modules" \
	bash -c "! dpkg-deb -c '$deb'/shmdev-dkms_*.deb | grep -Eq '\\.(o|ko|cmd|mod)\$'"
check "shmdev-dkms depends on dkms" \
	bash -c "dpkg-deb -f '$deb'/shmdev-dkms_*.deb Depends | grep -q dkms"

x=$work/x
rm -rf "$x"
for d in "$deb"/*.deb; do
	case $d in *dbgsym*) continue ;; esac
	dpkg-deb -x "$d" "$x"
done
check "dkms.conf carries version $v" grep -qx "PACKAGE_VERSION=\"$v\"" "$x/usr/src/shmdev-$v/dkms.conf"
check "udev rule: group shmdev, mode 0660" \
	grep -q 'KERNEL=="shmdev".*GROUP="shmdev", MODE="0660"' "$x/lib/udev/rules.d/60-shmdev.rules"
check "postinst creates the group shmdev" \
	bash -c "dpkg-deb -I '$deb'/shmdev-utils_*.deb postinst | grep -q 'addgroup --system --quiet shmdev'"
check "unpacked shmdevctl runs against the unpacked libshmdev1" \
	bash -c "LD_LIBRARY_PATH='$x/usr/lib/$ma' '$x/usr/bin/shmdevctl' --version | grep -qx 'libshmdev $v'"
pc() { PKG_CONFIG_SYSROOT_DIR=$x PKG_CONFIG_LIBDIR=$x/usr/lib/$ma/pkgconfig pkg-config "$@"; }
printf '#include <shmdev.h>\n#include <stdio.h>\nint main(void) { puts(shmdev_version()); return 0; }\n' >"$work/v.c"
# shellcheck disable=SC2046
check "pkg-config --cflags --libs libshmdev against the unpacked -dev" \
	gcc -std=c11 -Wall -Wextra -Werror -o "$work/v" "$work/v.c" $(pc --cflags --libs libshmdev)
check "and the program runs" bash -c "[ \"\$(LD_LIBRARY_PATH='$x/usr/lib/$ma' '$work/v')\" = '$v' ]"
if command -v lintian >/dev/null; then
	lintian --pedantic "$deb"/*.changes >"$work/lintian.log" 2>&1
	check "lintian --pedantic: no error or warning" \
		bash -c "! grep -E '^(E|W): ' '$work/lintian.log'"
	sed 's/^/# lintian: /' "$work/lintian.log"
fi

if [ -n "$kver" ] && [ -n "$kdir" ]; then
	dk=$work/dkms
	rm -rf "$dk"
	mkdir -p "$dk/src" "$dk/tree"
	cp -a "$x/usr/src/shmdev-$v" "$dk/src/"
	check "dkms add (private tree)" \
		dkms add -m shmdev -v "$v" --dkmstree "$dk/tree" --sourcetree "$dk/src"
	check "dkms build for $kver" \
		dkms build -m shmdev -v "$v" -k "$kver" --kernelsourcedir "$kdir" \
			--dkmstree "$dk/tree" --sourcetree "$dk/src"
	ko=$(find "$dk/tree" -name shmdev.ko | head -n1)
	check "the DKMS-built module says version $v" \
		bash -c "[ \"\$(modinfo -F version '$ko')\" = '$v' ]"
fi

echo "# $pass passed, $failed failed (work dir $work)"
[ "$failed" -eq 0 ]
