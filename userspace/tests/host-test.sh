#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of what needs no shmdev module: the build with -Werror,
# make install with DESTDIR and PREFIX, the library's soname and exports,
# pkg-config builds of the README's C example and the installed examples,
# the man pages, the bash completion, and shmdevctl's messages and exit
# codes on its error paths (under valgrind when installed).
#
# Usage: userspace/tests/host-test.sh [WORKDIR]    (run from anywhere)
# Never loads anything into the kernel.  Exit status 0 when all pass.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/shmdev-host-test.XXXXXX)}
mkdir -p "$work"
root=$work/root
pass=0 failed=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@" >"$work/last.log" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/#   /' "$work/last.log"; fi; }

version=$(cat "$top/VERSION")

# --- build and install ------------------------------------------------
check "userspace builds with -Wall -Wextra -Werror (WERROR=1)" \
	make -C "$top/userspace" O="$work/build" WERROR=1
check "no compiler warning in the build" \
	bash -c "! make -C '$top/userspace' O='$work/build2' 2>&1 | grep -q 'warning:'"
check "static build (the guest's) builds with WERROR=1, no warning" \
	bash -c "! make -C '$top/userspace' O='$work/static' STATIC=1 WERROR=1 2>&1 | grep -q 'warning:'"
check "make install DESTDIR=... PREFIX=/usr (top level)" \
	make -C "$top" O="$work/build-top" install DESTDIR="$root" PREFIX=/usr

expected="usr/bin/shmdevctl
usr/include/linux/shmdev.h
usr/include/shmdev.h
usr/lib/libshmdev.a
usr/lib/libshmdev.so
usr/lib/libshmdev.so.1
usr/lib/libshmdev.so.1.2.0
usr/lib/pkgconfig/libshmdev.pc
usr/share/bash-completion/completions/shmdevctl
usr/share/doc/shmdev/examples/Makefile
usr/share/doc/shmdev/examples/consumer.c
usr/share/doc/shmdev/examples/msgbox.h
usr/share/doc/shmdev/examples/producer.c
usr/share/doc/shmdev/examples/semaphore_pc.c
usr/share/man/man1/shmdevctl.1
usr/share/man/man3/libshmdev.3
usr/share/man/man3/shmdev_create.3
usr/share/man/man3/shmdev_info.3
usr/share/man/man3/shmdev_notify.3
usr/share/man/man3/shmdev_region_open.3
usr/share/man/man3/shmdev_wait.3"
for f in $expected; do
	[ -e "$root/$f" ] || { not_ok "installed $f"; continue; }
done
ok "install tree has the library, headers, .pc, tool, man pages, completion, examples"
check "nothing installed outside /usr" bash -c "[ \"\$(ls '$root')\" = usr ]"
check "no generic program names in bin" \
	bash -c "[ \"\$(ls '$root/usr/bin')\" = shmdevctl ]"
check "PREFIX=/opt/shmdev LIBDIR=/opt/shmdev/lib64 install" \
	make -C "$top/userspace" O="$work/build" install DESTDIR="$work/root2" \
		PREFIX=/opt/shmdev LIBDIR=/opt/shmdev/lib64
check "libshmdev.pc follows PREFIX and LIBDIR" \
	grep -qx 'libdir=/opt/shmdev/lib64' "$work/root2/opt/shmdev/lib64/pkgconfig/libshmdev.pc"

# --- the library ------------------------------------------------------
lib=$root/usr/lib/libshmdev.so.1.2.0
check "soname is libshmdev.so.1" \
	bash -c "readelf -d '$lib' | grep -q 'Library soname: \[libshmdev.so.1\]'"
exports=$(nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)
# The inline fast path (static inline) is not exported.
public=$(grep -o '^[a-z].* \**shmdev_[a-z_]*(' "$top/userspace/lib/shmdev.h" |
	 grep -v '^static inline' | grep -o 'shmdev_[a-z_]*' | sort)
check "exports exactly the functions of shmdev.h" [ "$exports" = "$public" ]
check "symbols carry version LIBSHMDEV_1.0" \
	bash -c "nm -D --defined-only '$lib' | grep -q 'shmdev_open@@LIBSHMDEV_1.0'"
check "shmdev_info and shmdev_info_id: LIBSHMDEV_1.1, and 1.0 kept for the first struct" \
	bash -c "nm -D --defined-only '$lib' | grep -c -e 'shmdev_info@LIBSHMDEV_1.0' -e 'shmdev_info@@LIBSHMDEV_1.1' \
		-e 'shmdev_info_id@LIBSHMDEV_1.0' -e 'shmdev_info_id@@LIBSHMDEV_1.1' | grep -qx 4"
check "the control page calls: LIBSHMDEV_1.2" \
	bash -c "nm -D --defined-only '$lib' | grep -c -e 'shmdev_ctl_map@@LIBSHMDEV_1.2' -e 'shmdev_ctl_unmap@@LIBSHMDEV_1.2' \
		-e 'shmdev_post@@LIBSHMDEV_1.2' -e 'shmdev_wake@@LIBSHMDEV_1.2' -e 'shmdev_waitv@@LIBSHMDEV_1.2' \
		-e 'shmdev_poll_mask@@LIBSHMDEV_1.2' | grep -qx 6"
check "libshmdev.pc says version $version" \
	env PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/usr/lib/pkgconfig" \
	bash -c "[ \"\$(pkg-config --modversion libshmdev)\" = '$version' ]"

pc() { PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/usr/lib/pkgconfig" pkg-config "$@"; }
cat >"$work/hello.c" <<'EOC'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <shmdev.h>

int main(void)
{
	struct shmdev_region r;

	printf("libshmdev %s\n", shmdev_version());
	if (shmdev_region_open("hello", 4096, 1, 0600, SHMDEV_REGION_O_CREAT, &r) < 0) {
		printf("region_open: %s\n", strerror(errno));
		return errno == ENODEV ? 3 : 1;
	}
	shmdev_region_close(&r);
	return 0;
}
EOC
# shellcheck disable=SC2046
check "a program builds with pkg-config --cflags --libs libshmdev (shared)" \
	gcc -std=c11 -Wall -Wextra -Werror -o "$work/hello" "$work/hello.c" $(pc --cflags --libs libshmdev)
check "it links libshmdev.so.1" \
	bash -c "readelf -d '$work/hello' | grep -q 'NEEDED.*libshmdev.so.1'"
LD_LIBRARY_PATH=$root/usr/lib "$work/hello" >"$work/hello.out" 2>&1
rc=$?
check "without /dev/shmdev the library says ENODEV, not ENOENT (rc $rc)" \
	bash -c "[ $rc -eq 3 ] && grep -q 'No such device' '$work/hello.out'"
# shellcheck disable=SC2046
check "and statically (pkg-config --static, -static)" \
	gcc -std=c11 -Wall -Wextra -Werror -static -o "$work/hello-static" "$work/hello.c" $(pc --static --cflags --libs libshmdev)

# Every C block of the README compiles as written against the installed
# headers (linked with libshmdev when it includes <shmdev.h>).
awk -v dir="$work" '/^```c$/ { n++; f = dir "/readme" n ".c"; next }
	/^```$/ { f = ""; next } f { print > f }' "$top/README.md"
n=0
for f in "$work"/readme*.c; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	libs=""
	grep -q '<shmdev.h>' "$f" && libs=$(pc --libs libshmdev)
	# shellcheck disable=SC2046,SC2086
	check "README C example $(basename "$f") compiles and links as written" \
		gcc -std=c11 -Wall -Wextra -Werror -o "${f%.c}" "$f" $(pc --cflags libshmdev) $libs
done
check "the README has a C example" [ "$n" -gt 0 ]
check "installed examples build with their Makefile (pkg-config)" \
	bash -c "rm -rf '$work/examples' && cp -r '$root/usr/share/doc/shmdev/examples' '$work/examples' &&
		 PKG_CONFIG_SYSROOT_DIR='$root' PKG_CONFIG_LIBDIR='$root/usr/lib/pkgconfig' \
		 make -C '$work/examples' CFLAGS='-O2 -Werror'"

# --- man pages and completion -----------------------------------------
for m in "$top"/userspace/man/*.[13]; do
	grep -q '^\.so ' "$m" && continue
	check "man page $(basename "$m"): groff -ww clean" \
		bash -c "[ -z \"\$(groff -man -Tutf8 -ww -z '$m' 2>&1)\" ]"
	check "man page $(basename "$m"): lexgrog finds NAME" lexgrog "$m"
done
check "installed man pages render with man -l, version filled in" \
	bash -c "MANWIDTH=80 man -l '$root/usr/share/man/man1/shmdevctl.1' | grep -q 'shmdev $version'"
check "man shmdev_wait resolves (.so link)" \
	bash -c "MANWIDTH=80 man -M '$root/usr/share/man' 3 shmdev_wait | grep -q 'shmdev_wait'"
check "bash completion parses" bash -n "$top/userspace/completion/shmdevctl"
if command -v shellcheck >/dev/null; then
	check "bash completion: shellcheck" shellcheck -s bash "$top/userspace/completion/shmdevctl"
	check "the lab's scripts: shellcheck" \
		shellcheck -x "$top/scripts/lab.sh" "$top/scripts/boot.sh" "$top/scripts/guest-tools.sh"
	check "the guest's init, demo and lab tour: shellcheck -s sh" \
		shellcheck -s sh "$top/scripts/guest/init" "$top/scripts/guest/demo.sh" \
		"$top/scripts/guest/lab-tour.sh"
fi
check "the tutorial has every output filled in (scripts/lab-doc.py)" \
	bash -c "[ -f '$top/docs/page-tables.md' ] && ! grep -q '{{' '$top/docs/page-tables.md'"
check "the tutorial's SVG pictures are well-formed XML" \
	python3 -c "import sys, xml.etree.ElementTree as E; [E.parse(f) for f in sys.argv[1:]]" \
	"$top/docs/img/share.svg" "$top/docs/img/huge.svg"
check "shmdev-lab --help lists the experiments" \
	bash -c "'$work/build/shmdev-lab' --help | grep -q '^  huge '"

# --- shmdevctl error paths --------------------------------------------
ctl=$work/build/shmdevctl
vg=()
if command -v valgrind >/dev/null; then
	vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99)
fi
# run_ctl EXPECTED_RC REGEX ARGS...: stdout+stderr must match REGEX.
run_ctl() {
	local want=$1 re=$2 rc
	shift 2
	"${vg[@]}" "$ctl" "$@" >"$work/ctl.out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$re" "$work/ctl.out"; then
		ok "shmdevctl $* -> $rc, /$re/"
	else
		not_ok "shmdevctl $* -> $rc (want $want), /$re/"
		sed 's/^/#   /' "$work/ctl.out"
	fi
}
if [ -e /dev/shmdev ]; then
	echo "# /dev/shmdev exists: skipping the no-device checks"
else
	run_ctl 1 "cannot open '/dev/shmdev': no such device" list
	run_ctl 1 "hint: is the shmdev module loaded\\? .*modprobe shmdev" list
	run_ctl 1 "modprobe shmdev" create foo 1M
	run_ctl 1 "modprobe shmdev" info foo
	run_ctl 1 "modprobe shmdev" rm foo
	run_ctl 1 "modprobe shmdev" wait foo --timeout 1
	run_ctl 1 "modprobe shmdev" frames foo
	run_ctl 1 "modprobe shmdev" api
	run_ctl 0 "module +not loaded" --version
	run_ctl 0 "RLIMIT_MEMLOCK" limits
	run_ctl 0 '"limits": \[' limits --json
fi
run_ctl 1 "cannot open '/nonexistent': no such device" -d /nonexistent list
# A device node the user may not open: the hint names its mode and group.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	pub=$(mktemp -d /tmp/shmdev-host-test-pub.XXXXXX)
	chmod 0755 "$pub"
	cp "$ctl" "$pub/shmdevctl"
	: >"$pub/node"
	chmod 0660 "$pub/node"
	chgrp disk "$pub/node"
	check "EACCES on the device: hint with its mode and group" \
		bash -c "runuser -u nobody -- '$pub/shmdevctl' -d '$pub/node' list 2>&1 |
			 grep -q 'hint: $pub/node is mode 0660, owner root, group disk; members of that group'"
	# A group without rw: joining it would not help, and the hint says so.
	chmod 0600 "$pub/node"
	check "EACCES on a mode 0600 device: the hint does not send you to its group" \
		bash -c "runuser -u nobody -- '$pub/shmdevctl' -d '$pub/node' list 2>&1 |
			 grep -q 'hint: $pub/node is mode 0600, owner root, group disk: only its owner may use it'"
	rm -rf "$pub"
fi
run_ctl 0 "^shmdevctl $version" --version
run_ctl 0 "^libshmdev $version" -V
run_ctl 0 "Commands:" --help
run_ctl 0 "Usage: shmdevctl create NAME SIZE" help create
run_ctl 0 "Usage: shmdevctl create NAME SIZE" create --help
run_ctl 0 "CUSER +creator's user name" list --help
run_ctl 0 "USE%" help limits
run_ctl 2 "unknown command 'bogus'" bogus
run_ctl 2 "missing command"
run_ctl 2 "list: unknown column 'BOGUS'" list -o ID,BOGUS
run_ctl 2 "create: invalid size '12Q'" create foo 12Q
run_ctl 2 "create: invalid mode '0999'" create foo 1M --mode 0999
run_ctl 2 "Try 'shmdevctl create --help'" create foo
run_ctl 2 "info: expected NAME or --id ID" info
# Values no region can have are usage errors, caught before the device.
run_ctl 2 "create: invalid size '0': at least 1 byte" create foo 0
run_ctl 2 "create: invalid channel count '65' \(1 to 64\)" create foo 1M --channels 65
run_ctl 2 "create: invalid channel count '0'" create foo 1M -c 0
run_ctl 2 "create: invalid name 'bad/name': a name is printable ASCII without spaces or '/'" create bad/name 1M
run_ctl 2 "info: invalid name 'a b'" info 'a b'
run_ctl 2 "rm: invalid name '': a name is 1 to 63 characters" rm foo ''
run_ctl 2 "wait: invalid name" wait "$(printf 'x%.0s' $(seq 64))"
run_ctl 2 "notify: invalid name" notify 'bad/'
run_ctl 2 "map: invalid name" map 'bad/'
run_ctl 2 "list: --raw and --json are mutually exclusive" list --raw --json
run_ctl 2 "limits: --raw and --json are mutually exclusive" limits --json --raw
run_ctl 2 "wait: invalid option '--bogus'" wait foo --bogus

# The messages for the kernel's errors, through a fake device.
fake=$work/fakedev.so
if gcc -std=c11 -Wall -Wextra -Werror -I"$top/uapi" -shared -fPIC -o "$fake" "$top/userspace/tests/fakedev.c" -ldl; then
	sys=$work/fakesys
	mkdir -p "$sys/sys/module/shmdev/parameters" "$sys/sys/class/misc/shmdev"
	echo 1073741824 >"$sys/sys/module/shmdev/parameters/max_region_bytes"
	echo 2147483648 >"$sys/sys/module/shmdev/parameters/max_total_bytes"
	echo 1024 >"$sys/sys/module/shmdev/parameters/max_regions"
	echo 1073741824 >"$sys/sys/module/shmdev/parameters/max_user_bytes"
	echo 12288 >"$sys/sys/class/misc/shmdev/bytes_in_use"
	echo 3 >"$sys/sys/class/misc/shmdev/regions"
	fake_ctl() {
		local e=$1
		shift
		LD_PRELOAD=$fake FAKE_SYSFS=$sys FAKE_ERRNO=$e run_ctl "$@"
	}
	fake_ctl 7 1 "create 'big': size 2147483648 \\(2G\\) too large: .*max_region_bytes = 1073741824 \\(1G\\)" create big 2G
	fake_ctl 13 1 "create 'foo': permission denied by the existing region" create foo 1M --open
	fake_ctl 28 1 "module-wide limit reached: max_total_bytes = 2147483648 \\(2G\\), max_regions = 1024" create foo 1M
	fake_ctl 12 1 "max_user_bytes = 1073741824 \\(1G\\) nor RLIMIT_MEMLOCK" create foo 1M
	fake_ctl 1 1 "RLIMIT_MEMLOCK .*refuses every new region" create foo 1M
	fake_ctl 17 1 "a region of that name exists \\(--open" create foo 1M
	fake_ctl 2 1 "info 'foo': no such region \\('shmdevctl list'" info foo
	fake_ctl 2 1 "rm 'foo': no such region" rm foo
	fake_ctl 1 1 "rm 'foo': not permitted: only the region's owner" rm foo
	fake_ctl 13 1 "wait 'foo': permission denied by the region's owner and mode" wait foo
	fake_ctl 2 1 "notify 'foo': no such region" notify foo
	fake_ctl 25 1 "list: Inappropriate ioctl" list
	fake_ctl 25 1 "hint: /dev/shmdev is not a shmdev device \(-d names one" list
	# Tables, from two made-up regions (ids 3 and 7, 8 KiB and 1.5 GiB).
	LD_PRELOAD=$fake run_ctl 0 "^ID NAME +OWNER PERMS +SIZE ATTACHED MAPPINGS CHANNELS$" list
	LD_PRELOAD=$fake run_ctl 0 "^ 7 frames +root +rw-r----- 1.5G +1 +2 +64$" list
	LD_PRELOAD=$fake run_ctl 0 "^7 frames 1610612736 root$" list --raw --noheadings --bytes -o ID,NAME,SIZE,CUSER
	LD_PRELOAD=$fake run_ctl 0 '"id": 3, "name": "mailbox", "size": 8192, "perms": "rw-------", "mode": "0600", "group": "root"' \
		list --json --bytes -o ID,NAME,SIZE,PERMS,MODE,GROUP
	LD_PRELOAD=$fake run_ctl 0 "^ 3 mailbox +root +rw------- +8K +0 +0 +2 +0600$" list -o +MODE
	LD_PRELOAD=$fake run_ctl 0 "^size: +8192 bytes \\(8K\\)$" info mailbox
	LD_PRELOAD=$fake run_ctl 0 "^owner: +uid 0 \\(root\\) gid 0 \\(root\\)$" info mailbox
	LD_PRELOAD=$fake FAKE_SYSFS=$sys run_ctl 0 "max_total_bytes +bytes of all regions +2G +12K +0.00" limits
	LD_PRELOAD=$fake FAKE_SYSFS=$sys run_ctl 0 '"limit": 2147483648, "used": 12288' limits --json --bytes
	LD_PRELOAD=$fake FAKE_SYSFS=$sys run_ctl 0 '^max_regions 1024 3 0.29$' limits --raw --noheadings -o RESOURCE,LIMIT,USED,USE%
	TZ=UTC LD_PRELOAD=$fake run_ctl 0 '^3 4242 4343 2023-11-14T22:13:20\+0000 2023-11-14T22:14:20\+0000 -$' \
		list --raw --noheadings -o ID,CPID,LPID,CTIME,ATIME,DTIME
	# A program linked against LIBSHMDEV_1.0 passes the first, smaller
	# struct shmdev_info: it must get no byte past it.
	cat >"$work/oldinfo.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <shmdev.h>

int info_id_v0(int fd, uint64_t id, void *info);
__asm__(".symver info_id_v0, shmdev_info_id@LIBSHMDEV_1.0");

int main(void)
{
	unsigned char old[SHMDEV_INFO_SIZE_VER0 + 32];
	struct shmdev_info now;
	int fd = shmdev_open(0);

	memset(old, 0xee, sizeof(old));
	if (fd < 0 || info_id_v0(fd, 3, old) || shmdev_info_id(fd, 3, &now))
		return 2;
	if (memcmp(old, &now, SHMDEV_INFO_SIZE_VER0) || old[SHMDEV_INFO_SIZE_VER0] != 0xee)
		return 1;
	return now.cpid == 4242 ? 0 : 3;
}
EOC
	check "LIBSHMDEV_1.0's shmdev_info_id writes only the first struct" \
		bash -c "gcc -std=c11 -Wall -Werror -I'$root/usr/include' -o '$work/oldinfo' '$work/oldinfo.c' \
			-L'$root/usr/lib' -lshmdev && LD_LIBRARY_PATH='$root/usr/lib' LD_PRELOAD='$fake' '$work/oldinfo'"

	# The control page calls (LIBSHMDEV_1.2), on fakedev's page.
	check "the control page calls build against the installed library" \
		gcc -std=c11 -Wall -Wextra -Werror -I"$root/usr/include" -o "$work/ctl-test" \
			"$top/userspace/tests/ctl-test.c" -L"$root/usr/lib" -lshmdev -ldl
	check "shmdev_ctl_*: notify enters the kernel only to wake, wait only to sleep" \
		env LD_LIBRARY_PATH="$root/usr/lib" LD_PRELOAD="$fake" FAKE_CTL=1 "$work/ctl-test"
	LD_PRELOAD=$fake FAKE_CTL=1 run_ctl 0 "control page: +offset 0x80000000000, 4096 bytes, 64 bytes a channel" api
	LD_PRELOAD=$fake FAKE_CTL=1 run_ctl 0 '"ctl_offset": 8796093022208, "ctl_size": 4096, "ctl_channel_size": 64' api --json
	LD_PRELOAD=$fake FAKE_CTL=1 run_ctl 0 "WAITV POLL_MASK\)$" api
	LD_PRELOAD=$fake FAKE_CTL=old run_ctl 0 "control page: +none \(module before 0.3.0\)" api
	LD_PRELOAD=$fake FAKE_CTL=1 run_ctl 0 "^0 42$" wait mailbox -c 0,1
	LD_PRELOAD=$fake FAKE_CTL=1 run_ctl 0 "^  channel 0   seq 42 +waiters 0$" info mailbox --waiters
	LD_PRELOAD=$fake FAKE_CTL=1 run_ctl 0 '"seq": \[42, 0\], "waiters": \[0, 0\]' info mailbox --waiters --json
	LD_PRELOAD=$fake FAKE_CTL=old run_ctl 1 "info --waiters 'mailbox': the loaded module has no control page" info mailbox -w
	run_ctl 2 "wait: --seq takes one channel" wait foo -c 1 -c 2 --seq 3
	run_ctl 2 "wait: invalid channel '64' \(0 to 63\)" wait foo -c 1,64
	check "shmdev_ctl_map: EOPNOTSUPP from a module without a control page" \
		env LD_LIBRARY_PATH="$root/usr/lib" LD_PRELOAD="$fake" FAKE_CTL=old "$work/ctl-test" old

	# shmdevctl map, from made-up snapshots (FAKE_MAP; see fakedev.c).
	fm() { LD_PRELOAD=$fake FAKE_MAP=${FM:-1} run_ctl "$@"; }
	fmq() { LD_PRELOAD=$fake FAKE_MAP=${FM:-1} "$ctl" "$@"; }
	fm 0 "^Usage: shmdevctl map NAME\|ID" map --help
	fm 0 "^2 processes map it with 3 VMAs; ALL \* marks" map lab
	fm 0 "^pid 100 \(writer\) 0x7f0000000000-0x7f0000004000 16K pgoff 0 shared,read,write,maywrite$" map lab
	fm 0 "^0x7f0000000000 +2 +0 PTE +4K +0x1000 +P,RW,U,A,D,NX,SD +region +- +0 +3 +2 \*$" map lab
	fm 0 "^0x7d0000000000 +1 +0 PTE +4K +0x9000 +P,RW,U,A,D,NX,SD +anon " map lab
	fm 0 "^0x7e0000002000 +2 +2 none " map lab
	fm 0 "^pid 200 \(reader\) 0x7e0000000000.* shared,read,rdonly-attach$" map 11
	fm 0 "^0x7f0000200000 +512 +0 PMD +2M +0x40000 +P,RW,U,A,D,PSE,NX,SD region" map hugelab
	fm 0 "^0x7f0000601000 +512 +0 PTE +4K +0x40000 .* misaligned +9 +514 +2 \*$" map hugelab
	fm 0 "^WHY misaligned: address and offset not congruent" map hugelab
	fm 0 "PGD\[254\]=2a01067 P4D\[0\]=2a01067 PUD\[0\]=2a02067 PMD\[0\]=2a03067 PTE\[1\]=8000000001001067$" map -v lab
	fm 0 "^0x7f0000201000 +1 PMD +2M .*PMD\[1\]=[0-9a-f]+e7 PTE\[1\]\(in leaf\)$" map --verbose hugelab
	check "map -v lab: one row per page (12 pages in 3 VMAs)" \
		bash -c "[ \$(LD_PRELOAD='$fake' FAKE_MAP=1 '$ctl' map -v lab | grep -c '^0x') -eq 12 ]"
	FM=hidden fm 0 "^PFNs, raw entries and counts hidden: they need CAP_SYS_ADMIN" map lab
	FM=hidden fm 0 "^1 VMA hidden: of processes whose /proc/PID/maps" map lab
	FM=hidden fm 0 "^0x7f0000000000 +2 +0 PTE +4K +hidden " map lab
	FM=hidden fm 0 "PGD\[254\] P4D\[0\] PUD\[0\] PMD\[0\] PTE\[0\]$" map -v lab
	# --json: valid, and what scripts read.
	for m in lab hugelab; do
		for v in "" -v; do
			fmq map $v --json "$m" >"$work/map-$m$v.json" 2>"$work/map.err"
			check "map $v --json $m is valid JSON (python3 -m json.tool)" \
				python3 -m json.tool "$work/map-$m$v.json"
			if command -v jq >/dev/null; then
				check "map $v --json $m: jq reads .processes[].vmas[].runs[]" \
					jq -e '[.processes[].vmas[].runs[]] | length > 0' "$work/map-$m$v.json"
			fi
		done
	done
	check "map --json: schema 1, raw, two mappers" \
		python3 -c "import json,sys; d=json.load(open('$work/map-lab.json')); sys.exit(not (d['schema'] == 1 and d['raw'] and d['mappers'] == 2 and len(d['processes']) == 2))"
	check "map --json: the anon copy, the shared frame, a PMD leaf" \
		python3 -c "import json,sys
l=json.load(open('$work/map-lab.json')); h=json.load(open('$work/map-hugelab.json'))
runs=[r for p in l['processes'] for v in p['vmas'] for r in v['runs']]
hr=[r for p in h['processes'] for v in p['vmas'] for r in v['runs']]
sys.exit(not (any(r['kind'] == 'anon' and r['pfn'] == 0x9000 for r in runs) and
              runs[0]['shared_by_all'] and runs[0]['index'] == [254, 0, 0, 0, 0] and
              any(r['level'] == 'pmd' and 'pse' in r['bits'] and r['leaf_size'] == 2097152 for r in hr) and
              any(r['why_pte'] == 'misaligned' for r in hr)))"
	FM=hidden fm 0 '"raw": false,' map --json lab
	FM=hidden fm 0 '"pfn": null, "entry": null, "table": null' map --json lab
	FM=hidden fm 0 '"hidden_vmas": 1,' map --json lab
	# --svg: well-formed XML, the levels on the links.
	fm 0 "^region 11 'lab'" map lab --svg "$work/lab.svg"
	fm 0 "^region 12 'hugelab'" map hugelab --svg "$work/hugelab.svg"
	FM=hidden fm 0 "^region 11 'lab'" map lab --svg "$work/lab-hidden.svg"
	for f in lab hugelab lab-hidden; do
		check "map --svg: $f.svg is well-formed XML (python3 xml.etree)" \
			python3 -c "import xml.etree.ElementTree as E; r=E.parse('$work/$f.svg').getroot(); assert r.tag.endswith('svg')"
	done
	check "map --svg: links labelled PTE, the anon copy drawn" \
		bash -c "grep -q 'PTE ×2' '$work/lab.svg' && grep -q 'anon copy of page 0, pfn 0x9000' '$work/lab.svg'"
	check "map --svg: the 2 MiB region's PMD leaves as one band" grep -q 'PMD ×2' "$work/hugelab.svg"
	check "map --svg: PFNs hidden said" grep -q 'PFNs hidden' "$work/lab-hidden.svg"
	# --diff against a saved snapshot, and --watch.
	FM=after fm 0 "^100 +0x7f0000002000 +1 +2 +-> 0x1002 +new entry: PTE, region, P,RW,U,A,D,NX,SD$" map lab --diff "$work/map-lab.json"
	FM=after fm 0 "^200 +0x7d0000001000 +1 +1 +0x1001 -> 0x9001 +copy-on-write: now an anonymous copy; bits \+RW \+D \+SD$" map lab --diff "$work/map-lab.json"
	FM=after fm 0 "^100 +0x7f0000400000 +512 +512 +0x40200 +PMD split into PTEs \(partial\); bits -PSE$" map hugelab --diff "$work/map-hugelab.json"
	FM=after fm 0 "^100 +0x7f0000400000 +512 +512 +0x40200 +PMD split" map hugelab -v --diff "$work/map-hugelab-v.json"
	fm 0 "^no change$" map lab --diff "$work/map-lab.json"
	FM=hidden fm 0 "^100 +0x7f0000000000 +2 +0 +0x1000 +->" map lab --diff "$work/map-lab.json"
	fm 0 "changes since the last look:" map lab --watch --interval 0.1 --count 2
	# Errors and usage.
	fm 2 "map: expected NAME, or ID with --id" map
	fm 2 "--json prints a snapshot; it does not combine with --diff" map lab --json --diff x
	fm 2 "--count needs --watch" map lab --count 3
	fm 2 "--fd names the region itself: no NAME or --id" map lab --fd 3
	fm 2 "invalid interval '0'" map lab --watch --interval 0
	fm 1 "map 'nosuch': no such region" map nosuch
	check "map --fd names the descriptor, not /dev/shmdev, when it is another file" \
		bash -c "LD_PRELOAD='$fake' FAKE_MAP=1 '$ctl' map --fd 9 9</dev/null 2>&1 | grep -q \"^shmdevctl: map --fd '9': not an open descriptor of /dev/shmdev\""
	fm 1 "map: cannot read '/nonexistent.json': No such file" map lab --diff /nonexistent.json
	echo '{"schema": 1, "oops"' >"$work/bad.json"
	fm 1 "'$work/bad.json' is not JSON \(line 2: bad object\)" map lab --diff "$work/bad.json"
	echo '{"schema": 99}' >"$work/other.json"
	fm 1 "is not a 'shmdevctl map --json' snapshot of schema 1" map lab --diff "$work/other.json"
	fm 1 "map: cannot write '/nonexistent/x.svg'" map lab --svg /nonexistent/x.svg
	fake_ctl 25 1 "map '11': the loaded module does not know SHMDEV_IOC_MAP" map --id 11
	fake_ctl 13 1 "map '11': permission denied: you may look only at regions you may attach" map --id 11
else
	not_ok "build the fake device shim"
fi

echo "# $pass passed, $failed failed (work dir $work)"
[ "$failed" -eq 0 ]
