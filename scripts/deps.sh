#!/bin/bash
# Install the host packages the rig needs (Debian 12).  Quiet and a no-op
# when everything is already there.
set -euo pipefail

# Everything every step needs, on a Debian 12 machine that has only the
# essential packages, apt and make (scripts/fresh-check.sh proves it):
# - guests: qemu-system-x86, busybox-static, cpio, kmod (modinfo), zstd, xz;
# - Debian 12's kernel headers: gcc-12, their kbuild tools' libelf1,
#   libssl3, zlib1g, and pahole (dwarves); sparse for make check;
# - the 6.12-debug kernel built from source: flex, bison, bc, perl,
#   libelf-dev, libssl-dev, time (/usr/bin/time);
# - kernels of newer Debian suites: mmdebstrap makes their build roots
#   (scripts/buildroot.sh) and mount and unshare enter them (mount is
#   not essential on Debian 12); ca-certificates for https mirrors;
# - make check's host tests (userspace/tests/host-test.sh): pkg-config,
#   groff and man-db for the man pages, valgrind, shellcheck; spin for
#   the model of the control page's protocol (scripts/model-check.sh);
# - make deb: dpkg-dev, build-essential (dpkg-buildpackage checks it),
#   debhelper, dh-dkms, pkgconf; make check-deb: lintian, dkms;
# - make test-debian (scripts/debian-guest.sh): e2fsprogs (mkfs.ext4 -d
#   packs the guest's root; it is not essential on Debian 12).
pkgs=(
	qemu-system-x86 busybox-static sparse dwarves cpio kmod zstd xz-utils
	bc gcc gcc-12 binutils make libc6-dev perl python3 libelf-dev libelf1
	libssl3 zlib1g flex bison libssl-dev time mmdebstrap ca-certificates
	pkg-config groff man-db valgrind shellcheck spin mount util-linux
	dpkg-dev build-essential debhelper dh-dkms pkgconf lintian dkms e2fsprogs
)

# One dpkg-query for all: a warm machine runs no apt at all.
installed=$({ dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null || true; } |
	awk '/ ok installed$/ { print $1 }')
missing=()
for p in "${pkgs[@]}"; do
	grep -qx "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "deps.sh: error: missing packages: ${missing[*]} (run as root or install sudo)" >&2
		exit 1
	fi
	sudo=(sudo DEBIAN_FRONTEND=noninteractive)
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
install() {
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1
}
# A brand-new machine may have empty or stale package lists.
if ! install; then
	"${sudo[@]}" apt-get update -q >>"$log" 2>&1 || true
	if ! install; then
		cat "$log" >&2
		echo "deps.sh: error: apt-get install failed: ${missing[*]}" >&2
		exit 1
	fi
fi
