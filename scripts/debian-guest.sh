#!/bin/bash
# Usage: scripts/debian-guest.sh            (make test-debian)
# Prove the Debian packages where a user would use them: in a real Debian
# 12 system (systemd, udev, dkms, build-essential, the 6.1 kernel of the
# matrix with its own headers) booted under QEMU.  The guest installs the
# four .debs of `make deb` with apt, offline; DKMS builds the module for
# the running kernel; modprobe, the udev rule, a member and a non-member of
# the group shmdev, a program built with pkg-config; a reboot (the module
# comes back through modules-load.d); apt remove and purge, which must
# leave no file behind and unload nothing.  scripts/debian-guest/run.sh is
# the guest's side.  Every check prints a PASS or FAIL line; the run ends
# with "N passed, N failed" and exits non-zero on any failure.
#
# The root filesystem (mmdebstrap; about 1 GB) is made once and cached as
# a raw ext4 image in $CACHE/debian-guest/KEY/, KEY a hash of its package
# list and of what is baked into it; each run boots it with QEMU's
# snapshot=on (writes go to a temporary overlay, dropped at exit), so
# every run starts from the same clean system and the guest's own reboot
# keeps its changes.  The test itself travels on a second small disk.
# SHMDEV_DEBIAN_TIMEOUT (default 2400 s) bounds QEMU; SHMDEV_TCG_THREAD,
# SHMDEV_KVM as for the other guests.  Console: $CACHE/logs/debian-guest.log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

base=$CACHE/debian-guest
gdir=$TOP/scripts/debian-guest
log=$CACHE/logs/debian-guest.log
mkdir -p "$base" "$CACHE/logs"
exec 5>"$base/.lock"
flock 5

# Setup failures still end with the verdict line, as make test's do.
fatal() {
	echo "${0##*/}: error: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# The guest boots the kernel whose headers it has: the 6.1 line of the
# matrix (Debian 12's own), pinned at the exact Debian version, as are
# its headers and kbuild (one name, several versions in the archive).
kernel_pkgs() {
	local k hdr common kbuild img
	k=$("$TOP/scripts/kernels.sh" 6.1) || return 1
	eval "$k" # KVER= DEBVER= ...
	# shellcheck source-path=SCRIPTDIR source=kpkg.sh
	. "$TOP/scripts/kpkg.sh"
	# shellcheck disable=SC2153 # KVER, DEBVER come from kernels.sh
	read -r _ hdr common kbuild < <(kpkg_headers_set "$KVER" "$DEBVER") || return 1
	img=$(kpkg_image_pkgs "$KVER" "$DEBVER") || return 1
	echo "$KVER"
	printf '%s\n' "$img=$DEBVER" "$hdr=$DEBVER" "$common=$DEBVER" "$kbuild=$DEBVER"
}

# What a Debian machine that builds DKMS modules has, and what the test
# uses; preinstalled, so the guest's apt needs no network.  libshmdev-dev
# depends on linux-libc-dev, shmdev-utils on adduser; openssl lets DKMS
# make and use its signing key, as on a real system.
base_pkgs=(systemd-sysv udev dbus dkms build-essential kmod sudo pkgconf adduser
	linux-libc-dev initramfs-tools openssl e2fsprogs procps util-linux)

# Make the cached image for the package list in $pkgfile: mmdebstrap a
# root, bake in the payload hook, quieten what would reach for the
# network or fight the test for the console, keep the kernel and initrd
# beside the image, then pack the root with mkfs.ext4 -d (no loop mount).
make_image() {
	local dir=$1 pkgfile=$2 kver=$3 root=$1.root mb
	note "making the Debian 12 guest image in $dir (mmdebstrap; several minutes)"
	rm -rf "$dir" "$root"
	mkdir -p "$dir"
	"$TOP/scripts/kapt.sh" sources bookworm bookworm-updates bookworm-security >"$dir/bookworm.sources"
	# Lock descriptors closed: see scripts/buildroot.sh.  update-initramfs
	# is diverted to a no-op while packages install (dpkg's triggers
	# would build the initrd three times, 2 minutes each) and run once
	# at the end.  ($1 in the hooks is the root, given by mmdebstrap.)
	# shellcheck disable=SC2016
	if ! mmdebstrap --variant=apt --include="$(paste -sd, "$pkgfile")" \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
		--essential-hook='printf "#!/bin/sh\nexit 0\n" >"$1/usr/sbin/update-initramfs"; chmod 755 "$1/usr/sbin/update-initramfs"' \
		--customize-hook='rm "$1/usr/sbin/update-initramfs"; chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs' \
		--customize-hook="chroot \"\$1\" update-initramfs -c -k $kver" \
		bookworm "$root" "$dir/bookworm.sources" >"$dir/mmdebstrap.log" 2>&1 5>&- 6>&- 7>&- 8>&- 9>&-; then
		tail -n 30 "$dir/mmdebstrap.log" >&2
		return 1
	fi
	customize "$root"
	cp "$root/boot/vmlinuz-$kver" "$dir/vmlinuz"
	cp "$root/boot/initrd.img-$kver" "$dir/initrd.img" || { note "no initrd in the root"; return 1; }
	# Room for the DKMS build and the packages; the file is sparse.
	mb=$(($(du -sm "$root" | cut -f1) + 1536))
	mkfs.ext4 -q -F -L shmdev-root -d "$root" "$dir/disk.raw" "${mb}M" >/dev/null || return 1
	cp "$pkgfile" "$dir/packages"
	rm -rf "$root"
	touch "$dir/.complete"
}

customize() {
	local root=$1 u
	echo shmdev-guest >"$root/etc/hostname"
	echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
	install -m 0755 "$gdir/payload-hook" "$root/usr/local/sbin/shmdev-payload"
	install -m 0644 "$gdir/shmdev-payload.service" "$root/etc/systemd/system/"
	systemctl --root="$root" enable shmdev-payload.service >/dev/null 2>&1
	# The console belongs to the test; no timers that fetch or scan.
	for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer \
		apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer; do
		systemctl --root="$root" mask "$u" >/dev/null 2>&1
	done
	# The host's archive would be unreachable from the guest anyway.
	rm -f "$root"/etc/apt/sources.list.d/* "$root/etc/apt/sources.list"
}

# The image's directory: KEY hashes the package list and the files baked
# in, so a change to either makes a new image.
image() {
	local pkgfile=$1 kver=$2 key dir
	key=$(cat "$pkgfile" "$gdir/payload-hook" "$gdir/shmdev-payload.service" \
		<(declare -f make_image customize) | sha256sum | cut -c1-16)
	dir=$base/$key
	if [ ! -e "$dir/.complete" ]; then
		make_image "$dir" "$pkgfile" "$kver" >&2 || return 1
		# Older images (another kernel build, another recipe) are 1 GB each.
		find "$base" -mindepth 1 -maxdepth 1 -regextype egrep \
			-regex '.*/[0-9a-f]{16}(\.root)?' ! -name "$key" -exec rm -rf {} +
	fi
	echo "$dir"
}

# The packages of this tree, and the test, on a small ext4 disk.
payload() {
	local work=$1 kver=$2 p=$1/payload
	rm -rf "$p" "$work/debs"
	mkdir -p "$p/debs"
	make -s -C "$SRC" deb DEBDIR="$work/debs" >"$work/make-deb.log" 2>&1 || {
		tail -n 30 "$work/make-deb.log" >&2
		note "make deb failed (log: $work/make-deb.log)"
		return 1
	}
	find "$work/debs" -maxdepth 1 -name '*.deb' ! -name '*dbgsym*' -exec cp {} "$p/debs/" \;
	cp "$gdir/run.sh" "$gdir/region.c" "$p/"
	echo "$kver" >"$p/kver"
	cat "$SRC/VERSION" >"$p/version"
	mkfs.ext4 -q -F -L shmdev-payload -d "$p" "$work/payload.img" 64M >/dev/null
}

# Boot the image (two boots: the guest reboots itself once) with the
# payload; the console goes to $log.
boot() {
	local dir=$1 work=$2 accel
	if [ "${SHMDEV_KVM:-0}" = 1 ]; then
		accel=kvm
	else
		accel=tcg,thread=${SHMDEV_TCG_THREAD:-single}
	fi
	# No -no-reboot: the guest's reboot is part of the test; a panic
	# reboots too, and the guest then reports it and stops.
	timeout -k 10 "${SHMDEV_DEBIAN_TIMEOUT:-2400}" \
		qemu-system-x86_64 -machine pc -accel "$accel" -m 1536M -smp 2 \
		-nographic -nic none -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 quiet panic=-1 systemd.show_status=0" \
		-drive "file=$dir/disk.raw,format=raw,if=virtio,snapshot=on" \
		-drive "file=$work/payload.img,format=raw,if=virtio,readonly=on" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null 2>&1 |
		sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' >"$log"
	return "${PIPESTATUS[0]}"
}

# The guest's PASS/FAIL lines, and the verdict from them.
verdict() {
	local qrc=$1 pass fail
	grep -E '^shmdev-deb: (PASS|FAIL|NOTE|  )' "$log" | sed 's/^shmdev-deb: //' || true
	pass=$(grep -c '^shmdev-deb: PASS:' "$log" || true)
	fail=$(grep -c '^shmdev-deb: FAIL:' "$log" || true)
	if ! grep -q '^shmdev-deb: DONE' "$log"; then
		[ "$qrc" -eq 124 ] && echo "FAIL: QEMU timed out after ${SHMDEV_DEBIAN_TIMEOUT:-2400} s"
		echo "FAIL: the guest did not finish; end of the console log:"
		tail -n 30 "$log" | sed 's/^/   /'
		fail=$((fail + 1))
	fi
	echo "console log: $log"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

main() {
	local t0=$SECONDS t kver pkgfile dir work qrc=0
	"$TOP/scripts/deps.sh" || fatal "scripts/deps.sh failed"
	work=$base/run
	mkdir -p "$work"
	pkgfile=$work/packages
	kernel_pkgs >"$work/kernel" || fatal "cannot find the 6.1 kernel's packages"
	kver=$(head -n1 "$work/kernel")
	{ printf '%s\n' "${base_pkgs[@]}"; tail -n +2 "$work/kernel"; } | sort >"$pkgfile"
	t=$SECONDS
	dir=$(image "$pkgfile" "$kver") || fatal "could not make the guest image"
	note "image $dir ready ($((SECONDS - t)) s)"
	t=$SECONDS
	payload "$work" "$kver" || fatal "could not build the packages"
	note "packages built ($((SECONDS - t)) s); booting $kver (log: $log)"
	t=$SECONDS
	boot "$dir" "$work" || qrc=$?
	note "guest finished, QEMU exit $qrc ($((SECONDS - t)) s; $((SECONDS - t0)) s in all)"
	verdict "$qrc"
}

main "$@"
